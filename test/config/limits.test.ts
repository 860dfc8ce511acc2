import { strict as assert } from "node:assert";
import { kubernetesNamespaces, platformServiceNamespaces, regionZones } from "../../src/config/limits";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";
import { successfulRun } from "../harness";

describe("config/limits", () => {
    it("reserves exactly the namespaces the program creates that no stack file names", async () => {
        for (const stack of stackNames()) {
            const configured = Object.keys(JSON.parse(readStackConfig(stack).config["ml-platform:namespaces"]));
            const created = (await successfulRun(stack)).resources
                .filter((r) => r.type === "kubernetes:core/v1:Namespace")
                .map((r) => (r.inputs.metadata as { name: string }).name);
            const own = created.filter((n) => !configured.includes(n)).sort();
            assert.deepEqual(own, [...platformServiceNamespaces].sort(), stack);
        }
        assert.deepEqual([...kubernetesNamespaces], ["default", "kube-system", "kube-public", "kube-node-lease"]);
    });

    it("knows every stack file's region and zones", () => {
        for (const stack of stackNames()) {
            const { config } = readStackConfig(stack);
            const region = config["aws:region"];
            assert.ok(regionZones[region], region);
            for (const zone of JSON.parse(config["ml-platform:network"]).availabilityZones as string[]) {
                assert.ok(regionZones[region].includes(zone.slice(region.length)), zone);
            }
        }
    });
});
