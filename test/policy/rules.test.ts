import * as assert from "node:assert/strict";
import { evaluate, policies, RuleCases } from "../../policy/rules";
import { awsClusterCases } from "./cases/aws-cluster";
import { awsIamCases } from "./cases/aws-iam";
import { awsNodeCases } from "./cases/aws-nodes";
import { awsStorageCases } from "./cases/aws-storage";
import { k8sGitopsCases } from "./cases/k8s-gitops";
import { k8sNamespaceCases } from "./cases/k8s-namespaces";
import { k8sRbacCases } from "./cases/k8s-rbac";
import { k8sWorkloadCases } from "./cases/k8s-workloads";
import { reliabilityCases } from "./cases/reliability";

/**
 * Every rule against its fixtures: a compliant fixture must raise no finding of the rule, a
 * violating one a finding with the expected message. A rule without both kinds fails the suite.
 */

const caseSets: Record<string, RuleCases> = {
    "aws-cluster": awsClusterCases,
    "aws-nodes": awsNodeCases,
    "aws-iam": awsIamCases,
    "aws-storage": awsStorageCases,
    "k8s-rbac": k8sRbacCases,
    "k8s-workloads": k8sWorkloadCases,
    "k8s-namespaces": k8sNamespaceCases,
    "k8s-gitops": k8sGitopsCases,
    reliability: reliabilityCases,
};

const allCases: RuleCases = Object.assign({}, ...Object.values(caseSets));
const byName = new Map(policies.map((p) => [p.name, p]));

/** Findings of one rule over a fixture, with the fixture's config for that rule. */
async function findings(rule: string, resources: Parameters<typeof evaluate>[1], config?: Record<string, unknown>) {
    const policy = byName.get(rule);
    assert.ok(policy, `fixtures name a rule the pack does not have: ${rule}`);
    return evaluate([policy], resources, config ? { [rule]: config } : {});
}

describe("policy rules against their fixtures", () => {
    for (const [area, cases] of Object.entries(caseSets)) {
        describe(area, () => {
            for (const [rule, { ok, bad }] of Object.entries(cases)) {
                for (const f of ok) {
                    it(`${rule} accepts: ${f.title}`, async () => {
                        const found = await findings(rule, f.resources, f.config);
                        assert.deepEqual(
                            found.map((x) => x.message),
                            [],
                        );
                    });
                }
                for (const f of bad) {
                    it(`${rule} reports: ${f.title}`, async () => {
                        const found = await findings(rule, f.resources, f.config);
                        assert.ok(found.length > 0, `${rule} reported nothing for a violating fixture (${f.title})`);
                        assert.ok(
                            found.some((x) => f.message.test(x.message)),
                            `${rule}: no message matches ${f.message}; got:\n  ${found.map((x) => x.message).join("\n  ")}`,
                        );
                    });
                }
            }
        });
    }

    it("every rule of the pack has at least one compliant and one violating fixture", () => {
        const missing = policies
            .filter((p) => !allCases[p.name] || allCases[p.name].ok.length === 0 || allCases[p.name].bad.length === 0)
            .map((p) => p.name);
        assert.deepEqual(missing, [], `rules without both kinds of fixture: ${missing.join(", ")}`);
    });

    it("no fixture set names a rule twice across areas", () => {
        const names = Object.values(caseSets).flatMap((c) => Object.keys(c));
        assert.equal(new Set(names).size, names.length);
    });

    after(() => {
        const fixtures = Object.values(allCases).reduce((n, c) => n + c.ok.length + c.bad.length, 0);
        const bad = Object.values(allCases).reduce((n, c) => n + c.bad.length, 0);
        console.log(`      ${policies.length} rules, ${fixtures} fixtures (${fixtures - bad} compliant, ${bad} violating)`);
    });
});
