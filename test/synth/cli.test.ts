import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "../../src/synth/cli";
import { projectRoot, readStackConfig, stacksRoot } from "../../src/synth/stack-files";

const synth = (args: string[], root = stacksRoot) =>
    spawnSync(
        process.execPath,
        // What `npm run synth` runs (package.json).
        ["-r", path.join(projectRoot, "src/synth/register.js"), path.join(projectRoot, "src/synth/cli.ts"), ...args],
        {
            cwd: projectRoot,
            encoding: "utf8",
            env: { ...process.env, ML_PLATFORM_STACKS_ROOT: root },
        },
    );

/**
 * A scratch stacks root holding Pulumi.yaml and one extra stack file, so broken files never appear
 * in the real tree, where tests running in parallel list the stacks.
 */
function scratchRoot(stack: string, text: string): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
    fs.copyFileSync(path.join(stacksRoot, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), text);
    return root;
}

describe("synth/cli", () => {
    it("parses --stack and --out, and refuses anything else with the usage", () => {
        assert.deepEqual(parseArgs(["--stack", "dev", "--out", "/tmp/x"], ["dev"]), { stack: "dev", out: "/tmp/x" });
        assert.equal(parseArgs(["--stack", "dev"], ["dev"]).out, path.join(projectRoot, "out", "dev"));
        assert.throws(() => parseArgs([], ["dev"]), /--stack is required; usage: npm run synth/);
        assert.throws(() => parseArgs(["--stack", "qa"], ["dev"]), /--stack "qa" has no Pulumi.qa.yaml; known: dev/);
        assert.throws(() => parseArgs(["--stack", "dev", "--force"], ["dev"]), /unexpected argument "--force"/);
    });

    it("writes prod's inventory with exactly the documented keys and no secret in clear", function () {
        this.timeout(120000);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
        const result = synth(["--stack", "prod", "--out", out]);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /Stack prod: \d+ resources/);
        assert.match(result.stdout, /gpu\s+g5\.xlarge,g5\.2xlarge\s+Karpenter ≤ 4 GPU; .*taints nvidia\.com\/gpu=true:NoSchedule {2}GPU/);
        const text = fs.readFileSync(path.join(out, "resources.json"), "utf8");
        const resources = JSON.parse(text) as Record<string, unknown>[];
        for (const r of resources) {
            assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "dependsOn", "provider", "custom", "protect", "inputs"]);
        }
        assert.ok(!text.includes("offline-test"), "secret test values never reach the inventory");
        assert.match(fs.readFileSync(path.join(out, "report.md"), "utf8"), /^# Plan of stack `prod`/);
        const region = readStackConfig("prod").config["aws:region"];
        assert.ok(result.stdout.includes(`Monthly cost (${region}, prices as of `), "priced at the stack's region");
        assert.match(result.stdout, /Monthly cost \([a-z0-9-]+, prices as of \d{4}-\d\d\): \$\d+\.\d\d at minimum/);
        assert.match(result.stdout, /Deploy critical path: [\d.]+ min: Key logs → /);
        fs.rmSync(out, { recursive: true, force: true });
    });

    it("fails on a broken stack file, names every bad key, and writes no inventory", function () {
        this.timeout(120000);
        const prod = fs.readFileSync(path.join(stacksRoot, "Pulumi.prod.yaml"), "utf8");
        const root = scratchRoot(
            "broken-test",
            prod.replace(/minSize: \d+/, "minSize: -5").replace(/ml-platform:tier: .*/, "ml-platform:tier: prodution"),
        );
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
        try {
            const result = synth(["--stack", "broken-test", "--out", out], root);
            assert.equal(result.status, 1);
            assert.match(result.stderr, /ml-platform:tier = "prodution": Invalid option/);
            assert.match(result.stderr, /ml-platform:nodePools\.[a-z0-9-]+\.minSize = -5: Too small: expected number to be >=0/);
            assert.ok(!fs.existsSync(path.join(out, "resources.json")));
            assert.ok(!fs.existsSync(path.join(out, "report.md")));
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("refuses a stack file with a YAML error or a duplicate key: file, line and key, exit 1, stale output removed", function () {
        this.timeout(120000);
        const dev = fs.readFileSync(path.join(stacksRoot, "Pulumi.dev.yaml"), "utf8");
        const root = scratchRoot("yaml-test", dev);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
        const tierLine = dev.split("\n").findIndex((l) => l.startsWith("  ml-platform:tier:")) + 1;
        try {
            for (const [broken, expected] of [
                [
                    dev.replace(/ml-platform:tier: .*/, "ml-platform:tier: [development"),
                    `Pulumi.yaml-test.yaml:${tierLine}:1 (key config.ml-platform:tier): Flow sequence`,
                ],
                [
                    dev.replace(/( {2}ml-platform:tier: .*\n)/, "$1$1"),
                    `Pulumi.yaml-test.yaml:${tierLine + 1}:3 (key config.ml-platform:tier): Map keys must be unique`,
                ],
            ] as const) {
                fs.writeFileSync(path.join(root, "Pulumi.yaml-test.yaml"), broken);
                fs.writeFileSync(path.join(out, "resources.json"), "[]");
                fs.writeFileSync(path.join(out, "report.md"), "stale");
                const result = synth(["--stack", "yaml-test", "--out", out], root);
                assert.equal(result.status, 1, result.stderr);
                assert.ok(result.stderr.includes(expected), result.stderr);
                assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
                assert.ok(!fs.existsSync(path.join(out, "resources.json")), "stale resources.json removed");
                assert.ok(!fs.existsSync(path.join(out, "report.md")), "stale report.md removed");
            }
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
