import { strict as assert } from "node:assert";
import { ciSubjects, deployStatements, imagePushStatements } from "../../src/aws/ci-roles";
import { ciScope } from "../../src/aws/ci-scope";
import { findResource } from "../../src/synth/inventory";
import { platformConfig, successfulRun } from "../harness";

const ci = {
    githubRepository: "company/ml-platform",
    appRepositories: ["company/web"],
    createGithubOidcProvider: false,
    secretsKeyAlias: "alias/k",
};

describe("aws/ci-roles", () => {
    it("scopes every role to a repository and a GitHub Environment", () => {
        assert.deepEqual(ciSubjects(ci, "prod"), {
            preview: ["repo:company/ml-platform:environment:prod-preview"],
            drift: ["repo:company/ml-platform:environment:prod-drift"],
            deploy: ["repo:company/ml-platform:environment:prod"],
            imagePush: ["repo:company/web:environment:prod"],
        });
    });

    it("never allows every action on every resource, and limits IAM to the environment's own names", () => {
        const statements = deployStatements(ciScope("aws", "1", "us-east-1", "prod"));
        for (const s of statements)
            assert.ok(!(s.Action === "*" || (Array.isArray(s.Action) && s.Action.includes("*"))), JSON.stringify(s));
        for (const s of statements.filter((s) => [s.Action ?? []].flat().some((a) => a.startsWith("iam:") && !/^iam:(Get|List)/.test(a)))) {
            if (s.Sid === "ServiceLinkedRoles") continue;
            assert.ok(
                [s.Resource ?? []].flat().every((r) => r.includes("ml-platform-prod-") || r.includes("oidc-provider/")),
                s.Sid,
            );
        }
    });

    it("lets the image-push role write only the given repositories", () => {
        const statements = imagePushStatements(["arn:repo/a"], "arn:key");
        assert.deepEqual(statements.find((s) => s.Sid === "PushToEnvironmentRepositories")!.Resource, ["arn:repo/a"]);
        assert.deepEqual(
            imagePushStatements([], "").map((s) => s.Sid),
            ["Login"],
        );
    });

    it("trusts the account's GitHub OIDC provider from bootstrap/ with the environment subject", async () => {
        const { resources, outputs } = await successfulRun("staging");
        const trust = JSON.parse(String(findResource(resources, "aws:iam/role:Role", "ci-deploy").inputs.assumeRolePolicy));
        assert.equal(trust.Statement[0].Principal.Federated, "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com");
        assert.equal(
            trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"],
            `repo:${platformConfig("staging").ci.githubRepository}:environment:staging`,
        );
        assert.equal(outputs!.ciDeployRoleArn, "arn:aws:iam::123456789012:role/ml-platform-staging-ci-deploy");
    });
});
