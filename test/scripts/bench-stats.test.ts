import { strict as assert } from "node:assert";
import { fit, scalePointNamespaces, spread } from "../../scripts/bench-stats";

describe("scripts/bench-stats", () => {
    it("finds the marginal cost as the slope, not total / n: fixed cost goes to the intercept", () => {
        // 3 s of start-up plus 4 ms per resource: total / n would fall with n and look sublinear.
        const line = fit([100, 1000, 5000].map((n) => [n, 3 + 0.004 * n]));
        assert.ok(Math.abs(line.slope - 0.004) < 1e-12);
        assert.ok(Math.abs(line.intercept - 3) < 1e-9);
    });

    it("leaves failed (NaN) points out, and has no slope from a single x", () => {
        assert.equal(
            fit([
                [0, 1],
                [10, NaN],
                [20, 3],
            ]).slope,
            0.1,
        );
        assert.ok(
            Number.isNaN(
                fit([
                    [5, 1],
                    [5, 2],
                ]).slope,
            ),
        );
    });

    it("gives min / median / max of the finite samples", () => {
        assert.deepEqual(
            { ...spread([3.2, 1.1, NaN, 2.5, 9.9, 2.0]), text: undefined },
            { min: 1.1, median: 2.5, max: 9.9, text: undefined },
        );
        assert.equal(spread([1.234]).text, "1.23");
        assert.equal(spread([NaN]).text, "n/a");
    });

    it("adds the number of mlops namespaces a scale point asks for, named in order, and none for 0", () => {
        assert.deepEqual(scalePointNamespaces(0), {});
        const added = scalePointNamespaces(12);
        assert.equal(Object.keys(added).length, 12);
        assert.deepEqual(Object.keys(added).slice(0, 2), ["bench-team-0000", "bench-team-0001"]);
        assert.deepEqual(Object.keys(added), Object.keys(added).sort(), "in registration order");
        assert.ok(Object.values(added).every((ns) => (ns as { kind: string }).kind === "mlops"));
    });
});
