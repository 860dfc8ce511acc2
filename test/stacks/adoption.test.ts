import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isMap, parseDocument } from "yaml";
import { derivedFiles } from "../../scripts/sync-stacks";
import { projectRoot, stackNames } from "../../src/synth/stack-files";

/*
 * Adoption: a team forks the project and edits only its stack files (README "Deploying for real",
 * step 2). This test makes such a fork — every stack's company-specific values rewritten (domain,
 * region and zones for one stack, CIDRs, GitHub repositories, GitOps URL, IAM role ARNs, Slack
 * channel, admin group, the label and taint prefix) — regenerates the derived files as
 * `npm run sync-stacks` does, and runs tests that read the stack files against it, unchanged (they
 * read the copy through ML_PLATFORM_STACKS_ROOT). So a test that pins a sample value fails here.
 *
 * Which tests run on the fork ({@link adoptionScope}): in `npm test`, the whole-stack tests
 * (test/stacks/, every stack's full inventory, structure and output contract); with
 * `npm run test:adoption` (ML_PLATFORM_ADOPTION=all; the CI test workflow's `adoption` job), every
 * test file that reads stack files: a second run of about half the suite, which on two cores
 * would double `npm test`'s time.
 */

/** Environment variable choosing the tests that run on the fork: `all`, or unset for the whole-stack tests. */
export const adoptionScope = "ML_PLATFORM_ADOPTION";

/** The test files that read stack files, in test/stacks/ only unless `all` (they run again on the fork). */
function stackTests(all: boolean): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(file);
            else if (file.endsWith(".test.ts") && file !== __filename) {
                if (
                    /successfulRun|stackRun|stackNames|readStackConfig|editConfig|configProblems|runStack/.test(
                        fs.readFileSync(file, "utf8"),
                    )
                ) {
                    files.push(path.relative(projectRoot, file));
                }
            }
        }
    };
    walk(path.join(projectRoot, "test", ...(all ? [] : ["stacks"])));
    return files.sort();
}

/** What a team changes in a stack file when it adopts the project. `index` varies values per stack. */
export function adoptStackText(text: string, index: number, moveRegion: boolean): string {
    const doc = parseDocument(text.replace(/platform\.company\.io\//g, "ml.acme-data.net/"));
    const config = doc.get("config");
    if (!isMap(config)) throw new Error("no config map");
    const get = (...keys: string[]) => doc.getIn(["config", ...keys]) as unknown;
    const set = (keys: string[], value: unknown) => doc.setIn(["config", ...keys], doc.createNode(value));
    const environment = String(get("ml-platform:environment"));
    set(["ml-platform:domain"], `${environment}.ml.acme-data.net`);
    set(["ml-platform:network", "vpcCidr"], `172.${16 + index}.0.0/16`);
    if ((get("ml-platform:cluster", "publicAccessCidrs") as { items: unknown[] } | undefined)?.items.length) {
        set(["ml-platform:cluster", "publicAccessCidrs"], ["198.51.100.0/25", "192.0.2.64/26"]);
    }
    if (moveRegion) {
        const zones = (get("ml-platform:network", "availabilityZones") as { items: unknown[] }).items.length;
        set(["aws:region"], "eu-west-1");
        set(
            ["ml-platform:network", "availabilityZones"],
            ["a", "b", "c"].slice(0, zones).map((z) => `eu-west-1${z}`),
        );
    }
    set(["ml-platform:ci", "githubRepository"], "acme-data/platform-infra");
    set(["ml-platform:ci", "appRepositories"], ["acme-data/feature-store", "acme-data/churn-model"]);
    set(["ml-platform:gitops", "repoUrl"], "https://github.com/acme-data/gitops-apps.git");
    set(["ml-platform:argocd", "adminGroup"], "acme-ml-admins");
    if (get("ml-platform:alerting", "slack", "channel") !== undefined)
        set(["ml-platform:alerting", "slack", "channel"], `#ml-${environment}-alerts`);
    set(["ml-platform:accessEntries"], {
        "platform-admins": { principalArn: "arn:aws:iam::210987654321:role/AcmePlatformAdmins", role: "platform-admin" },
        "data-engineers": { principalArn: "arn:aws:iam::210987654321:role/sso/AcmeDataEngineers", role: "data-engineer" },
    });
    return doc.toString({ lineWidth: 0 });
}

/** A fork in a scratch directory: the rewritten stack files and the derived files synced to them. */
export async function makeFork(): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-fork-"));
    const copy = (rel: string, transform = (t: string) => t) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), transform(fs.readFileSync(path.join(projectRoot, rel), "utf8")));
    };
    copy("Pulumi.yaml");
    for (const f of [".prettierrc.json", ".prettierignore"]) if (fs.existsSync(path.join(projectRoot, f))) copy(f);
    for (const f of ["preview.yml", "drift.yml", "deploy.yml", "pulumi-up.yml"]) copy(path.join(".github", "workflows", f));
    stackNames(projectRoot).forEach((stack, i) => copy(`Pulumi.${stack}.yaml`, (t) => adoptStackText(t, i, i === 1)));
    const { files } = await derivedFiles(dir);
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    return dir;
}

describe("adoption: a fork that edits only its stack files passes the tests unchanged", function () {
    if (process.env.ML_PLATFORM_STACKS_ROOT) return; // this is the fork's run
    this.timeout(15 * 60 * 1000);

    it("rewrites every stack's company-specific values (a sample value left in a stack file would show)", async () => {
        const dir = await makeFork();
        try {
            for (const stack of stackNames(projectRoot)) {
                const text = fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");
                assert.doesNotMatch(
                    text,
                    /company|203\.0\.113\.|123456789012|\b10\.\d+\.0\.0\/16/,
                    `Pulumi.${stack}.yaml still holds a sample value`,
                );
            }
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("leaves the stack files to their editors: `npm run lint` does not fail on a stack file as a tool rewrote it", async () => {
        // The fork's stack files are as the yaml library writes them (`[ m6i.xlarge ]`, block lists),
        // like any tool's or `pulumi config set`'s edit; the lint step must not send the adopter to reformat them.
        const dir = await makeFork();
        try {
            const files = stackNames(projectRoot).map((stack) => `Pulumi.${stack}.yaml`);
            const prettier = spawnSync(process.execPath, [require.resolve("prettier/bin/prettier.cjs"), "--check", ...files], {
                cwd: dir,
                encoding: "utf8",
            });
            assert.equal(prettier.status, 0, `prettier --check fails on the fork's stack files:\n${prettier.stdout}${prettier.stderr}`);
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("accepts identity snapshots with the stack snapshot test alone, not the whole suite", () => {
        // `npm run snapshots:accept` is README step 2; through .mocharc.json's spec it ran all tests (12 minutes).
        const script = (JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { scripts: Record<string, string> })
            .scripts["snapshots:accept"];
        const [env, command, ...args] = script.split(/\s+/);
        assert.deepEqual([env, command], ["UPDATE_SNAPSHOTS=1", "mocha"]);
        const dry = spawnSync(process.execPath, [require.resolve("mocha/bin/mocha.js"), ...args, "--dry-run", "--reporter", "json"], {
            cwd: projectRoot,
            env: { ...process.env, UPDATE_SNAPSHOTS: "" },
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        assert.equal(dry.status, 0, dry.stderr);
        const files = new Set(
            (JSON.parse(dry.stdout.slice(dry.stdout.indexOf("{"))) as { tests: { file: string }[] }).tests.map((t) =>
                path.relative(projectRoot, t.file),
            ),
        );
        assert.deepEqual([...files], [path.join("test", "stacks", "stacks.test.ts")]);
    });

    const all = process.env[adoptionScope] === "all";
    it(`runs ${all ? "every test that reads stack files" : "the whole-stack tests"} on the fork: all pass`, async () => {
        const dir = await makeFork();
        try {
            const files = stackTests(all);
            assert.ok(files.length >= (all ? 20 : 1), `found ${files.length} stack tests`);
            const mocha = spawnSync(
                process.execPath,
                [
                    require.resolve("mocha/bin/mocha.js"),
                    "--no-config",
                    "-r",
                    "./src/synth/register.js",
                    "-r",
                    "./src/synth/sdk-tuning.ts",
                    "--extension",
                    "ts",
                    "--timeout",
                    "120000",
                    "--reporter",
                    "dot",
                    ...files,
                ],
                {
                    cwd: projectRoot,
                    // The fork has no identity snapshots yet: its first run records them, as `npm run snapshots:accept` would.
                    // The parent's shared runs are of the unforked stacks: the fork's process runs its own.
                    env: {
                        ...process.env,
                        ML_PLATFORM_STACKS_ROOT: dir,
                        ML_PLATFORM_SHARED_RUNS: "",
                        UPDATE_SNAPSHOTS: "",
                        UPDATE_POLICY_DOCS: "",
                        CI: "",
                    },
                    encoding: "utf8",
                    maxBuffer: 64 * 1024 * 1024,
                },
            );
            assert.equal(
                mocha.status,
                0,
                `the stack tests fail on a fork (stack files in ${dir}):\n${mocha.stdout.slice(-20000)}\n${mocha.stderr.slice(-4000)}`,
            );
        } finally {
            if (!process.env.KEEP_FORK) fs.rmSync(dir, { recursive: true });
        }
    });
});
