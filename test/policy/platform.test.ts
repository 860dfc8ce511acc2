import * as assert from "node:assert/strict";
import { evaluate, Finding, policies } from "../../policy/rules";
import { ciDeployRolePattern, factsFromConfig, policyConfigFor } from "../../policy/stack-config";
import { fakeInvoke } from "../../src/synth/fake-state";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";
import { successfulRun } from "../harness";

/**
 * The platform passes its own pack: every rule over every resource of each stack's offline run,
 * with the policy config derived from the stack file. Mandatory findings fail the stack; advisory
 * ones are listed in the output.
 */

function describeFinding(f: Finding): string {
    const resource = f.urn ? f.urn.split("::").slice(-2).join("::") : "stack";
    return `[${f.policy}] ${resource}: ${f.message}`;
}

describe("the platform passes its own policy pack", () => {
    for (const stack of stackNames()) {
        it(`${stack}: no mandatory violation`, async function () {
            this.timeout(120_000);
            const run = await successfulRun(stack);
            const facts = factsFromConfig(readStackConfig(stack).config);
            // Offline, the identity running the program is the synth's fake caller: it stands in for the CI deploy role.
            const offlineDeployer = String(fakeInvoke("aws:iam/getSessionContext:getSessionContext", "us-east-1").issuerArn);
            const config = policyConfigFor(facts, [ciDeployRolePattern(facts.environment), offlineDeployer]);
            const findings = await evaluate(policies, run.resources, config);
            const mandatory = findings.filter((f) => f.level === "mandatory");
            const advisory = findings.filter((f) => f.level === "advisory");
            console.log(
                `      ${stack}: ${run.resources.length} resources × ${policies.length} rules → ${mandatory.length} mandatory, ${advisory.length} advisory finding(s)`,
            );
            for (const f of advisory) console.log(`        advisory ${describeFinding(f)}`);
            assert.deepEqual(mandatory.map(describeFinding), [], `${stack} violates mandatory rules`);
        });

        it(`${stack}: the deploy role the policy config allows cluster-admin exists in the stack`, async () => {
            const run = await successfulRun(stack);
            const pattern = ciDeployRolePattern(factsFromConfig(readStackConfig(stack).config).environment);
            const roleName = pattern.split(":role/")[1];
            const roles = run.resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.inputs.name);
            assert.ok(roles.includes(roleName), `no IAM role named ${roleName}; roles: ${roles.join(", ")}`);
        });
    }
});
