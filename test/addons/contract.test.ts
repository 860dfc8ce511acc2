import { strict as assert } from "node:assert";
import { Addon, orderAddons } from "../../src/addons/contract";

const addon = (id: string, needs: string[] = []): Addon => ({ id, needs, deploy: () => assert.fail("not deployed in this test") });

describe("addons/contract", () => {
    it("orders add-ons after what they need, keeping the given order otherwise", () => {
        const ordered = orderAddons([addon("dcgm", ["device-plugin"]), addon("autoscaler"), addon("device-plugin")]);
        assert.deepEqual(
            ordered.map((a) => a.id),
            ["device-plugin", "dcgm", "autoscaler"],
        );
    });

    it("refuses an unknown need and a cycle, naming them", () => {
        assert.throws(() => orderAddons([addon("argocd", ["sealed-secrets"])]), /add-on argocd needs unknown add-on sealed-secrets/);
        assert.throws(() => orderAddons([addon("a", ["b"]), addon("b", ["a"])]), /add-on dependency cycle: a → b → a/);
    });
});
