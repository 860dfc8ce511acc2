import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { ciRolePolicies } from "../../src/aws/blast-radius";
import { arns, ciRoleKinds } from "../../src/aws/ci-scope";
import { findResource } from "../../src/synth/inventory";
import { Decision, evaluateMatrix, layouts, scopes, tableFiles, withTable } from "../../scripts/ci/blast-radius";
import { successfulRun } from "../harness";
import { legacyDeployPolicy, legacyPreviewPolicy } from "./fixtures/legacy-ci-policies";

/*
 * The blast radius of every environment's CI roles, decided by a real IAM evaluator
 * (@cloud-copilot/iam-simulate, AGPL-3.0, a devDependency only): for each stack's preview, drift,
 * deploy and image-push roles, every request of src/aws/blast-radius.ts against its own and every
 * other environment's state, keys, cluster, network, IAM and registries, in both layouts (one
 * account; one account per environment). The grants before issue 15 are the failing cases.
 */

const account = "123456789012";

describe("aws/blast-radius", function () {
    this.timeout(300000);
    const results = new Map<string, Decision[]>();
    before(async () => {
        for (const layout of layouts) results.set(layout, await evaluateMatrix(layout));
    });

    for (const layout of layouts) {
        it(`${layout}: every decision is the expected one, and no role reaches another environment`, () => {
            const decisions = results.get(layout)!;
            assert.equal(decisions.length, 3 * 4 * 3 * 18);
            const wrong = decisions.filter((d) => d.actual !== d.expected);
            assert.deepEqual(wrong, []);
            assert.deepEqual(
                decisions.filter((d) => d.own !== d.target && d.actual === "allowed"),
                [],
            );
            // The matrix is not trivially denied: each role does its job in its own environment.
            for (const role of ciRoleKinds)
                assert.ok(
                    decisions.some((d) => d.role === role && d.own === d.target && d.actual === "allowed"),
                    role,
                );
        });
    }

    it("holds exactly the policies and boundary the stacks create (inventory = matrix input)", async () => {
        for (const { scope, repositories } of scopes("one-account")) {
            const { resources } = await successfulRun(scope.environment);
            for (const role of ciRolePolicies(scope, repositories)) {
                const r = findResource(resources, "aws:iam/role:Role", `ci-${role.kind}`);
                assert.equal(r.inputs.name, role.arn.split("/").pop());
                assert.equal(r.inputs.permissionsBoundary, arns.boundary(scope));
                const inline = JSON.parse(
                    String(findResource(resources, "aws:iam/rolePolicy:RolePolicy", `ci-${role.kind}`).inputs.policy),
                );
                // The push role also names the registries' KMS key, whose ARN only exists once created.
                inline.Statement = inline.Statement.filter((s: { Sid?: string }) => s.Sid !== "RegistryKey");
                assert.deepEqual(inline, role.identityPolicy, `${scope.environment} ci-${role.kind}`);
            }
            // No role of the stack escapes the boundary (cluster, nodes, add-ons too).
            for (const r of resources.filter((x) => x.type === "aws:iam/role:Role")) {
                assert.equal(r.inputs.permissionsBoundary, arns.boundary(scope), r.name);
            }
        }
    });

    describe("the grants before issue 15 fail the matrix", () => {
        const simulate = async (policy: object, action: string, resource: string, context: Record<string, string | string[]> = {}) => {
            const result = await runSimulation(
                {
                    request: {
                        principal: `arn:aws:iam::${account}:role/ml-platform-dev-ci-deploy`,
                        action,
                        resource: { resource, accountId: account },
                        contextVariables: context,
                    },
                    identityPolicies: [{ name: "inline", policy }],
                    serviceControlPolicies: [],
                    resourceControlPolicies: [],
                    resourcePolicy: action.startsWith("kms:")
                        ? {
                              Version: "2012-10-17",
                              Statement: [
                                  { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
                              ],
                          }
                        : undefined,
                },
                {},
            );
            return result.resultType === "error" ? "error" : result.overallResult;
        };
        const deploy = legacyDeployPolicy(account, "dev");
        const shared = { "kms:ResourceAliases": ["alias/ml-platform-pulumi-secrets"] };
        const cases: [string, object, string, string, Record<string, string | string[]>?][] = [
            [
                "dev deploy: iam:PutRolePolicy on itself",
                deploy,
                "iam:PutRolePolicy",
                `arn:aws:iam::${account}:role/ml-platform-dev-ci-deploy`,
            ],
            [
                "dev deploy: iam:AttachRolePolicy on itself",
                deploy,
                "iam:AttachRolePolicy",
                `arn:aws:iam::${account}:role/ml-platform-dev-ci-deploy`,
            ],
            [
                "dev deploy: eks:CreateAccessEntry on prod's cluster",
                deploy,
                "eks:CreateAccessEntry",
                `arn:aws:eks:us-east-1:${account}:cluster/ml-platform-prod`,
            ],
            ["dev deploy: ec2:DeleteVpc on prod's VPC", deploy, "ec2:DeleteVpc", `arn:aws:ec2:us-east-1:${account}:vpc/vpc-prod`],
            [
                "dev deploy: s3:PutObject on prod's state",
                deploy,
                "s3:PutObject",
                `arn:aws:s3:::ml-platform-pulumi-state-${account}/.pulumi/stacks/ml-platform/prod.json`,
            ],
            [
                "dev deploy: kms:Decrypt with prod's secrets key",
                deploy,
                "kms:Decrypt",
                `arn:aws:kms:us-east-1:${account}:key/shared`,
                shared,
            ],
            [
                "dev preview: kms:Decrypt with prod's secrets key",
                legacyPreviewPolicy(account),
                "kms:Decrypt",
                `arn:aws:kms:us-east-1:${account}:key/shared`,
                shared,
            ],
        ];
        for (const [name, policy, action, resource, context] of cases) {
            it(`was allowed: ${name}`, async () => {
                assert.equal(await simulate(policy, action, resource, context), "Allowed");
            });
        }
    });

    it("keeps the generated role table in docs/ci.md and bootstrap/README.md current (npm run docs:ci-roles)", () => {
        for (const file of tableFiles) {
            const text = fs.readFileSync(file, "utf8");
            assert.equal(withTable(text, file), text, `${file} is stale: run npm run docs:ci-roles`);
        }
    });
});
