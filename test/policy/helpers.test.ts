import * as assert from "node:assert/strict";
import { githubSubjectProblem } from "../../policy/rules/aws-iam";
import { cidrWithin } from "../../policy/rules/common";
import { deniesAll } from "../../policy/rules/k8s-namespaces";
import { globMatch } from "../../policy/rules/k8s-rbac";
import { imageProblem } from "../../policy/rules/k8s-workloads";

/*
 * The policy rules' helpers. The rules' fixtures are in ./cases/ (plain modules, not test files:
 * rules.test.ts runs them; a test file imported by another registered its tests twice in whichever
 * mocha worker loaded both, so the suite's count varied between runs).
 */

describe("policy helpers: CIDR containment", () => {
    it("accepts a range inside another and rejects one outside or wider", () => {
        assert.equal(cidrWithin("203.0.113.128/25", "203.0.113.0/24"), true);
        assert.equal(cidrWithin("203.0.113.0/24", "203.0.113.0/24"), true);
        assert.equal(cidrWithin("203.0.112.0/23", "203.0.113.0/24"), false);
        assert.equal(cidrWithin("198.51.100.0/24", "203.0.113.0/24"), false);
        assert.equal(cidrWithin("not-a-cidr", "0.0.0.0/0"), false);
    });
});

describe("policy helpers: GitHub OIDC subjects", () => {
    it("accepts one repository's environment and names what is wrong otherwise", () => {
        assert.equal(githubSubjectProblem("repo:company/ml-platform:environment:staging", []), undefined);
        assert.equal(githubSubjectProblem("repo:company/ml-platform:pull_request", ["pull_request"]), undefined);
        assert.match(githubSubjectProblem("repo:company/ml-platform:pull_request", [])!, /one deployment environment/);
        assert.match(githubSubjectProblem("repo:*:environment:prod", [])!, /one repository/);
        assert.match(githubSubjectProblem("repo:company/ml-platform:*", ["*"])!, /one deployment environment/);
    });
});

describe("policy helpers: default-deny NetworkPolicies", () => {
    it("needs an empty pod selector and no rules in the direction it denies", () => {
        assert.equal(deniesAll({ spec: { podSelector: {} } }, "Ingress"), true);
        assert.equal(deniesAll({ spec: { podSelector: {} } }, "Egress"), false);
        assert.equal(deniesAll({ spec: { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress"] } }, "Ingress"), false);
        assert.equal(deniesAll({ spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] } }, "Egress"), false);
    });
});

describe("policy helpers: principal patterns", () => {
    it("matches * anywhere and nothing else", () => {
        assert.equal(globMatch("arn:aws:iam::*:role/ci-*", "arn:aws:iam::123:role/ci-deploy"), true);
        assert.equal(globMatch("arn:aws:iam::123:role/ci", "arn:aws:iam::123:role/ci-deploy"), false);
        assert.equal(globMatch("arn:aws:iam::123:role/a.b", "arn:aws:iam::123:role/aXb"), false);
    });
});

describe("policy helpers: image references", () => {
    it("tells pinned from unpinned images", () => {
        assert.equal(imageProblem("nginx:1.27.2"), undefined);
        assert.equal(imageProblem("ghcr.io/org/app@sha256:abc"), undefined);
        assert.match(imageProblem("nginx")!, /no tag/);
        assert.match(imageProblem("localhost:5000/nginx")!, /no tag/);
        assert.match(imageProblem("nginx:latest")!, /:latest tag/);
    });
});
