import { strict as assert } from "node:assert";
import { CiRoleKind, ciRoleName } from "../../src/aws/ci-scope";
import { fakeIdentity, fakeInvoke } from "../../src/synth/fake-state";
import { runStack } from "../../src/synth/mock-runtime";
import { successfulRun } from "../harness";

/*
 * A plan must not depend on who renders it (SPEC §5): the same stack rendered as its deploy,
 * preview and drift roles gives byte-identical inventories. Before issue 15 the cluster-admin
 * access entry was the caller's role, so a preview planned to replace it. dev also runs in the
 * one-account-per-environment layout: `aws:allowedAccountIds` sets its account everywhere.
 */

const kinds: CiRoleKind[] = ["deploy", "preview", "drift"];
/**
 * Which identities render each stack (each run costs seconds, so not every pair everywhere): prod
 * as all three roles; staging and dev as some, besides the shared default run ("offline-synth",
 * itself another caller) where the layout allows comparing with it.
 */
const layouts: { stack: string; account: string; as: CiRoleKind[]; withDefault: boolean; overrides?: Record<string, string> }[] = [
    { stack: "prod", account: "123456789012", as: kinds, withDefault: true },
    { stack: "staging", account: "123456789012", as: ["preview"], withDefault: true },
    {
        stack: "dev",
        account: "111111111111",
        as: ["deploy", "drift"],
        withDefault: false,
        overrides: { "aws:allowedAccountIds": JSON.stringify(["111111111111"]) },
    },
];

describe("synth: the plan does not depend on the caller", function () {
    this.timeout(300000);

    it("the three identities really are different callers (the test can tell them apart)", () => {
        const issuers = kinds.map(
            (k) =>
                fakeInvoke(
                    "aws:iam/getSessionContext:getSessionContext",
                    "us-east-1",
                    fakeIdentity({}, `arn:aws:iam::123456789012:role/${ciRoleName("ml-platform-prod", k)}`),
                ).issuerArn,
        );
        assert.equal(new Set(issuers).size, 3);
        assert.equal(issuers[0], "arn:aws:iam::123456789012:role/ml-platform-prod-ci-deploy");
    });

    for (const { stack, account, as, withDefault, overrides } of layouts) {
        it(`${stack}: rendered as ${[...as.map((k) => `ci-${k}`), ...(withDefault ? ["the default caller"] : [])].join(", ")}, the inventories are byte-identical`, async () => {
            const texts: string[] = withDefault ? [JSON.stringify((await successfulRun(stack)).resources, null, 2)] : [];
            for (const kind of as) {
                const run = await runStack(stack, {
                    as: `arn:aws:iam::${account}:role/${ciRoleName(`ml-platform-${stack}`, kind)}`,
                    overrides,
                });
                if (run.error) throw run.error;
                texts.push(JSON.stringify(run.resources, null, 2));
                if (kind === "deploy") {
                    assert.equal(run.outputs!.ciDeployRoleArn, `arn:aws:iam::${account}:role/ml-platform-${stack}-ci-deploy`);
                    const admin = run.resources.find((r) => r.type === "aws:eks/accessEntry:AccessEntry" && r.name === "cluster-deployer")!;
                    assert.equal(admin.inputs.principalArn, `arn:aws:iam::${account}:role/ml-platform-${stack}-ci-deploy`);
                }
            }
            assert.ok(texts.length >= 2 && texts[0].length > 100000);
            for (const text of texts.slice(1)) assert.equal(text, texts[0]);
        });
    }
});
