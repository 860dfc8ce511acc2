import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { derivedFiles, staleFiles, stacksForCi } from "../../scripts/sync-stacks";
import { newStackText } from "../../scripts/new-stack";
import { ConfigError, formatProblem } from "../../src/config";
import { githubEnvironments } from "../../src/config/stacks";
import { runStack } from "../../src/synth/mock-runtime";
import { readStackConfig, stackNames, stacksRoot } from "../../src/synth/stack-files";

/** A scratch copy of the stack files and the files derived from them. */
function scratchCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-stacks-"));
    const copy = (rel: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.copyFileSync(path.join(stacksRoot, rel), path.join(dir, rel));
    };
    for (const f of fs.readdirSync(stacksRoot).filter((f) => /^Pulumi\..*yaml$/.test(f))) copy(f);
    for (const f of fs.readdirSync(path.join(stacksRoot, "policy", "config"))) copy(path.join("policy", "config", f));
    for (const f of ["preview.yml", "drift.yml", "deploy.yml"]) copy(path.join(".github", "workflows", f));
    for (const f of [".prettierrc.json", ".prettierignore"]) if (fs.existsSync(path.join(stacksRoot, f))) copy(f);
    return dir;
}

async function sync(dir: string): Promise<void> {
    const { files, orphans } = await derivedFiles(dir);
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    for (const file of orphans) fs.rmSync(path.join(dir, file));
}

describe("scripts/sync-stacks (files derived from Pulumi.*.yaml)", () => {
    it("every derived file is in sync with the stack files (else: npm run sync-stacks)", async () => {
        assert.deepEqual(await staleFiles(), [], "stale derived files: run npm run sync-stacks and commit the result");
    });

    it("one matrix entry and one deploy job per stack file, in tier order, in the GitHub Environments the roles trust", () => {
        const stacks = stacksForCi().map((s) => s.stack);
        assert.deepEqual([...stacks].sort(), stackNames());
        const workflow = (name: string) => parse(fs.readFileSync(path.join(stacksRoot, ".github", "workflows", name), "utf8"));
        for (const name of ["preview.yml", "drift.yml"]) {
            const [job] = Object.values(workflow(name).jobs).filter((j: any) => j.strategy?.matrix); // eslint-disable-line @typescript-eslint/no-explicit-any
            const include = (job as { strategy: { matrix: { include: { stack: string }[] } } }).strategy.matrix.include;
            assert.deepEqual(
                include.map((e) => e.stack),
                stacks,
                name,
            );
            // The job's environment expression, evaluated per stack, is the environment the preview or drift role trusts.
            for (const s of stacks) {
                assert.equal(
                    String((job as { environment: string }).environment).replace("${{ matrix.stack }}", s),
                    githubEnvironments(s)[name === "preview.yml" ? "preview" : "drift"],
                );
            }
        }
        const deploy = workflow("deploy.yml").jobs as Record<string, { needs: string; with: { stack: string } }>;
        assert.deepEqual(
            stacks.map((s) => [deploy[s].with.stack, deploy[s].needs]),
            stacks.map((s, i) => [s, i === 0 ? "test" : stacks[i - 1]]),
        );
        const up = workflow("pulumi-up.yml").jobs.up;
        for (const s of stacks) assert.equal(String(up.environment).replace("${{ inputs.stack }}", s), githubEnvironments(s).deploy);
    });

    it("adds a stack with one command: new-stack renames what names the source, and the sync covers it", async () => {
        const dir = scratchCopy();
        const source = stackNames()[0];
        fs.writeFileSync(
            path.join(dir, "Pulumi.qa.yaml"),
            newStackText(fs.readFileSync(path.join(dir, `Pulumi.${source}.yaml`), "utf8"), source, "qa"),
        );
        assert.ok((await staleFiles(dir)).length > 0, "a new stack file makes the derived files stale");
        await sync(dir);
        assert.deepEqual(await staleFiles(dir), []);
        const { config } = readStackConfig("qa", dir);
        assert.equal(config["ml-platform:environment"], "qa");
        assert.ok(fs.existsSync(path.join(dir, "policy", "config", "qa.json")));
        assert.ok(stacksForCi(dir).some((s) => s.stack === "qa"));
        const namespaces = Object.keys(JSON.parse(config["ml-platform:namespaces"]));
        assert.ok(!namespaces.some((n) => n.split("-").includes(source)), `no namespace still names ${source}: ${namespaces.join(", ")}`);
        fs.rmSync(path.join(dir, "Pulumi.qa.yaml"));
        assert.ok((await staleFiles(dir)).includes(path.join("policy", "config", "qa.json")), "a removed stack's policy config is stale");
        fs.rmSync(dir, { recursive: true });
    });

    it("must fail: a stack name that is no GitHub Environment name, or that disagrees with environment, is refused by name", async () => {
        const dir = scratchCopy();
        const source = stackNames()[0];
        const text = fs.readFileSync(path.join(dir, `Pulumi.${source}.yaml`), "utf8");
        fs.writeFileSync(path.join(dir, "Pulumi.prod-eu.yaml"), newStackText(text, source, "prodeu"));
        assert.throws(
            () => stacksForCi(dir),
            /Pulumi\.prod-eu\.yaml: ml-platform:environment: stack name "prod-eu" must be 2–12 lowercase/,
        );
        // It names every GitHub Environment the name would be used for: deploy, preview and drift.
        assert.throws(() => stacksForCi(dir), /"prod-eu", "prod-eu-preview", "prod-eu-drift" and the CI roles/);
        fs.rmSync(dir, { recursive: true });

        const run = await runStack(source, { overrides: { "ml-platform:environment": `${source}x` } });
        assert.ok(ConfigError.isInstance(run.error), "the program refuses it before creating anything");
        assert.deepEqual(run.error.problems.map(formatProblem), [
            `ml-platform:environment = "${source}x": must equal the stack name "${source}": the CI roles trust GitHub Environment ` +
                `"${source}x" but the workflows run stack ${source} in "${source}"`,
        ]);
        assert.equal(run.resources.filter((r) => r.custom).length, 0);
    });
});
