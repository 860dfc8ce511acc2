import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "../../src/synth/cli";
import { projectRoot } from "../../src/synth/stack-files";

const synth = (args: string[]) =>
    spawnSync(
        process.execPath,
        // What `npm run synth` runs (package.json).
        ["-r", path.join(projectRoot, "src/synth/register.js"), path.join(projectRoot, "src/synth/cli.ts"), ...args],
        {
            cwd: projectRoot,
            encoding: "utf8",
        },
    );

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
        assert.match(result.stdout, /gpu\s+g5\.xlarge,g5\.2xlarge\s+0-4 nodes {2}GPU/);
        const text = fs.readFileSync(path.join(out, "resources.json"), "utf8");
        const resources = JSON.parse(text) as Record<string, unknown>[];
        for (const r of resources) {
            assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "dependsOn", "provider", "custom", "protect", "inputs"]);
        }
        assert.ok(!text.includes("offline-test"), "secret test values never reach the inventory");
        assert.match(fs.readFileSync(path.join(out, "report.md"), "utf8"), /^# Plan of stack `prod`/);
        assert.match(result.stdout, /Monthly cost \(on-demand\): \$\d+\.\d\d at minimum/);
        assert.match(result.stdout, /Deploy critical path: [\d.]+ min: Key logs → /);
        fs.rmSync(out, { recursive: true, force: true });
    });

    it("fails on a broken stack file, names every bad key, and writes no inventory", function () {
        this.timeout(120000);
        const file = path.join(projectRoot, "Pulumi.broken-test.yaml");
        const prod = fs.readFileSync(path.join(projectRoot, "Pulumi.prod.yaml"), "utf8");
        fs.writeFileSync(
            file,
            prod.replace("minSize: 5", "minSize: -5").replace("ml-platform:tier: production", "ml-platform:tier: prodution"),
        );
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
        try {
            const result = synth(["--stack", "broken-test", "--out", out]);
            assert.equal(result.status, 1);
            assert.match(result.stderr, /ml-platform:tier = "prodution": Invalid option/);
            assert.match(result.stderr, /ml-platform:nodePools.compute.minSize = -5: Too small: expected number to be >=0/);
            assert.ok(!fs.existsSync(path.join(out, "resources.json")));
            assert.ok(!fs.existsSync(path.join(out, "report.md")));
        } finally {
            fs.rmSync(file, { force: true });
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
