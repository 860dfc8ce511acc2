import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { workflowFiles } from "../../scripts/ci/stack-output-refs";
import { CiRoleKind, maxSessionSeconds } from "../../src/aws/ci-scope";
import { findResource } from "../../src/synth/inventory";
import { successfulRun } from "../harness";

/*
 * STS refuses an AssumeRoleWithWebIdentity whose DurationSeconds exceeds the role's
 * MaxSessionDuration (ECOSYSTEM.md, "STS"): every deploy failed at login when pulumi-up.yml asked
 * for 7200 s of a 3600 s role. Each login step's session must fit the role it assumes, as each
 * stack's inventory declares it.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** Which CI role each `role-to-assume` expression names. */
const roleOfExpression: Record<string, CiRoleKind> = {
    "${{ vars.AWS_PREVIEW_ROLE_ARN }}": "preview",
    "${{ vars.AWS_DRIFT_ROLE_ARN }}": "drift",
    "${{ vars.AWS_DEPLOY_ROLE_ARN }}": "deploy",
    "${{ steps.platform.outputs.push-role-arn }}": "image-push",
};
/** aws-actions/configure-aws-credentials' default session for a web-identity login (its README: 1 hour). */
const defaultSessionSeconds = 3600;

/** Every login step of every workflow: file, role expression, requested seconds. */
export function loginSteps(): { file: string; role: string; seconds: number }[] {
    return workflowFiles().flatMap((file) => {
        const wf = parse(readFileSync(file, "utf8")) as Any;
        return Object.values(wf.jobs ?? {})
            .flatMap((job: Any) => job.steps ?? [])
            .filter((step: Any) => String(step.uses).startsWith("aws-actions/configure-aws-credentials@"))
            .map((step: Any) => ({
                file: path.basename(file),
                role: String(step.with["role-to-assume"]),
                seconds: Number(step.with["role-duration-seconds"] ?? defaultSessionSeconds),
            }));
    });
}

describe("workflows: session lengths fit the roles", () => {
    it("finds the login steps of the preview, drift, deploy and application workflows", () => {
        const roles = new Set(loginSteps().map((s) => roleOfExpression[s.role]));
        for (const kind of ["preview", "drift", "deploy", "image-push"]) assert.ok(roles.has(kind as CiRoleKind), kind);
    });

    for (const stack of ["dev", "staging", "prod"]) {
        it(`${stack}: every role-duration-seconds is at most the assumed role's maxSessionDuration`, async () => {
            const { resources } = await successfulRun(stack);
            for (const step of loginSteps()) {
                const kind = roleOfExpression[step.role];
                if (kind === undefined) continue; // the application pipeline's state reader: not created by the stack
                const role = findResource(resources, "aws:iam/role:Role", `ci-${kind}`);
                const max = Number(role.inputs.maxSessionDuration ?? 3600);
                assert.equal(max, maxSessionSeconds[kind]);
                assert.ok(step.seconds <= max, `${step.file}: ${kind} asks ${step.seconds} s, the role allows ${max} s`);
            }
        });
    }

    it("fails a request longer than the role allows (the deploy failure of issue 15)", () => {
        const deploy = loginSteps().find((s) => roleOfExpression[s.role] === "deploy")!;
        assert.equal(deploy.seconds, 7200);
        assert.ok(!(deploy.seconds <= 3600), "7200 s against the former 3600 s role must fail");
    });
});
