import { strict as assert } from "node:assert";
import { parseHeapArgs } from "../../scripts/heap-phases";

describe("scripts/heap-phases (npm run heap)", () => {
    it("takes prod at 0, 100 and 400 extra namespaces by default, and the given flags", () => {
        assert.deepEqual(parseHeapArgs([]), { stack: "prod", extras: [0, 100, 400], every: 250 });
        assert.deepEqual(parseHeapArgs(["--stack", "dev", "--namespaces", "0,50", "--every", "10"]), {
            stack: "dev",
            extras: [0, 50],
            every: 10,
        });
    });

    it("refuses bad input, naming the flag, the value and the rule", () => {
        assert.throws(() => parseHeapArgs(["--stack", "nope"]), /--stack "nope": no Pulumi.nope.yaml/);
        assert.throws(() => parseHeapArgs(["--namespaces", "0,0"]), /--namespaces "0,0": two or more different counts/);
        assert.throws(() => parseHeapArgs(["--namespaces", "0,-1"]), /each 0 to 5000/);
        assert.throws(() => parseHeapArgs(["--namespaces", "0,99999"]), /each 0 to 5000/);
        assert.throws(() => parseHeapArgs(["--every", "0"]), /--every "0": a positive whole number/);
        assert.throws(() => parseHeapArgs(["--stack"]), /--stack needs a value/);
        assert.throws(() => parseHeapArgs(["--bogus", "1"]), /unexpected argument "--bogus"/);
    });
});
