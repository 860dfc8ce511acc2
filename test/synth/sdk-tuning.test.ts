import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../src/synth/register";
import { deferredModules, loadedForReal } from "../../src/synth/sdk-tuning";
import { successfulRun } from "../harness";

/* eslint-disable @typescript-eslint/no-require-imports */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T>;
};
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
/* eslint-enable @typescript-eslint/no-require-imports */

const loaded = (suffix: string) => Object.keys(require.cache).some((f) => f.endsWith(suffix));

describe("synth/sdk-tuning (offline runs only)", () => {
    it("runs the program without loading the SDK's function serialisation (TypeScript, arborist)", async () => {
        await successfulRun("dev");
        for (const suffix of Object.keys(deferredModules)) {
            if (!loadedForReal.some((f) => f.endsWith(suffix))) assert.equal(loaded(suffix), false, `${suffix} was loaded`);
        }
        assert.equal(loaded("/node_modules/@npmcli/arborist/lib/index.js"), false);
    });

    it("still serialises a function when asked: the stand-in loads the real module", async function () {
        this.timeout(120000);
        const serialized = await pulumi.runtime.serializeFunction(() => 6 * 7);
        assert.match(serialized.text, /6 \* 7/);
        assert.ok(loadedForReal.some((f) => f.endsWith("serializeClosure.js")));
    });

    it("keeps promise-leak detection but attaches no debugging context (id, context, stack) to the promise", async () => {
        let resolve = () => {};
        const inner = new Promise<void>((r) => (resolve = r));
        const p = debuggable.debuggablePromise(inner, "test");
        assert.ok(state.getStore().leakCandidates.has(inner), "the pending promise is a leak candidate");
        for (const key of ["_debugId", "_debugCtx", "_debugStackTrace"])
            assert.equal(Object.getOwnPropertyDescriptor(inner, key), undefined, key);
        resolve();
        await p;
        assert.equal(state.getStore().leakCandidates.has(inner), false);
    });

    it("rejects as the SDK's wrapper does: the error names its promise, which leaves the leak candidates", async () => {
        const inner = Promise.reject(new Error("boom"));
        const p = debuggable.debuggablePromise(inner, "test");
        await assert.rejects(p, (err: Error & { promise?: unknown }) => err.message === "boom" && err.promise === inner);
        assert.equal(state.getStore().leakCandidates.has(inner), false);
    });

    it("captures no call stack per resource", () => {
        assert.deepEqual((pulumi.Resource as unknown as { callsites(): unknown[] }).callsites(), []);
    });
});

describe("synth/register (the TypeScript loader)", () => {
    it("strips types to CommonJS with the same line numbers, and answers the same source from its cache", () => {
        const source =
            'import * as path from "node:path";\nenum E { A = 1 }\nexport const f = (x: number): string =>\n    path.join(String(x), String(E.A));\n';
        const js = compile(source, "example.ts");
        assert.match(js, /require\('node:path'\)|require\("node:path"\)/);
        assert.doesNotMatch(js, /: number|: string/);
        assert.equal(
            js.split("\n").findIndex((l: string) => l.includes("path.join")),
            3,
        );
        assert.equal(compile(source, "example.ts"), js);
        const m = { exports: {} as { f(x: number): string } };
        new Function("exports", "require", "module", js)(m.exports, require, m);
        assert.equal(m.exports.f(2), "2/1");
    });
});
