import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackConfig, stackNames, testSecrets } from "../../src/synth/stack-files";

describe("synth/stack-files", () => {
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        fs.writeFileSync(
            path.join(root, "Pulumi.yaml"),
            "name: ml-platform\nconfig:\n  protectStatefulResources:\n    type: boolean\n    default: true\n  tier:\n    type: string\n",
        );
        fs.writeFileSync(
            path.join(root, "Pulumi.x.yaml"),
            "config:\n  ml-platform:tier: staging\n  aws:region: eu-west-1\n  ml-platform:nodePools: { a: { minSize: 1 } }\n  ml-platform:token:\n    secure: v1:abc\n",
        );
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("merges Pulumi.yaml defaults under the stack's values as the engine does", () => {
        const { config, secretKeys } = readStackConfig("x", root);
        assert.equal(config["ml-platform:protectStatefulResources"], "true");
        assert.equal(config["ml-platform:tier"], "staging");
        assert.equal(config["aws:region"], "eu-west-1");
        assert.equal(config["ml-platform:nodePools"], '{"a":{"minSize":1}}');
        assert.equal(config["ml-platform:token"], "offline-test-secret-for-ml-platform:token");
        assert.ok(secretKeys.includes("ml-platform:token"));
        for (const key of Object.keys(testSecrets)) assert.ok(secretKeys.includes(`ml-platform:${key}`));
    });

    it("lists stacks from their files and names the known ones when one is missing", () => {
        assert.deepEqual(stackNames(root), ["x"]);
        assert.throws(() => readStackConfig("nope", root), /known stacks: x/);
    });
});
