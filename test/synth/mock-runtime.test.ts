import { strict as assert } from "node:assert";
import { RunPhase, runStack } from "../../src/synth/mock-runtime";
import { protobufStructFromJavaScript, structRoundTrip } from "../../src/synth/sdk-tuning";
import { stackNames } from "../../src/synth/stack-files";
import { successfulRun } from "../harness";

/*
 * The recording monitor answers registrations with `structRoundTrip(state)` instead of building a
 * protobuf Struct that the SDK turns straight back into JavaScript. It must give exactly what the
 * Struct round trip gives (google-protobuf's struct_pb.js), key order included: the SDK builds
 * outputs from it, and they flow into other resources' inputs.
 */

// google-protobuf's own Struct (offline, Struct.fromJavaScript itself carries structRoundTrip's copy).
const viaProtobuf = (value: Record<string, unknown>) => protobufStructFromJavaScript(value).toJavaScript();
const ordered = (value: unknown) => JSON.stringify(value);

describe("synth/mock-runtime: the Struct round trip without protobuf", () => {
    it("sorts keys at every depth and keeps null, -0, empty strings, nested lists", () => {
        const value = { b: 1, a: { d: [1, "x", null, { z: 1, y: [] }], c: true }, "": "", "10": 1, "2": 2, neg: -0, e: {} };
        assert.equal(ordered(structRoundTrip(value)), ordered(viaProtobuf(value)));
        assert.ok(Object.is((structRoundTrip(value) as { neg: number }).neg, -0));
        assert.notEqual(structRoundTrip(value), value, "a copy, as the protobuf path gives");
    });

    it("refuses what a Struct cannot hold, as Struct.fromJavaScript does", () => {
        for (const bad of [{ u: undefined }, { f: () => 1 }, { l: [undefined] }]) {
            assert.throws(() => viaProtobuf(bad), /Unexpected struct type/);
            assert.throws(() => structRoundTrip(bad), /Unexpected struct type/);
        }
    });

    it("agrees with the protobuf round trip on every resource's inputs of every stack", async () => {
        for (const stack of stackNames()) {
            const run = await successfulRun(stack);
            for (const r of run.resources) {
                assert.equal(ordered(structRoundTrip(r.inputs)), ordered(viaProtobuf(r.inputs)), `${stack}: ${r.urn}`);
            }
        }
    });
});

describe("synth/mock-runtime: the phases of a run (npm run heap)", () => {
    it("reports the program's return, then every registration with its count, then the end; a program that fails skips its return", async () => {
        const seen: [RunPhase, number][] = [];
        const run = await runStack("dev", { onPhase: (phase, n) => seen.push([phase, n]) });
        assert.equal(run.error, undefined);
        const registrations = seen.filter(([phase]) => phase === "registration").map(([, n]) => n);
        assert.deepEqual(seen[0], ["program returned", 0], "before any registration reaches the monitor");
        assert.deepEqual(
            registrations,
            Array.from({ length: run.resources.length + 1 }, (_, i) => i + 1),
            "each one, the root stack too",
        );
        assert.deepEqual(seen.at(-1), ["registrations done", run.resources.length + 1]);
        const failing: RunPhase[] = [];
        const bad = await runStack("dev", { overrides: { "ml-platform:tier": "no-such-tier" }, onPhase: (phase) => failing.push(phase) });
        assert.ok(bad.error, "the run failed");
        assert.equal(failing.includes("program returned"), false);
        assert.equal(failing.at(-1), "registrations done");
    });
});
