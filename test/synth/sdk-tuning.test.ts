import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { compile, compiledFiles } from "../../src/synth/register";
import { deferredModules, loadedForReal, structRoundTrip } from "../../src/synth/sdk-tuning";
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

    it("compiles a file once per process, yet runs its body afresh on every load: new module state, the right require and lines", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-"));
        const file = path.join(dir, "counter.ts");
        fs.writeFileSync(
            file,
            'import * as path from "node:path";\nexport const state: number[] = [];\nexport const where = (): string =>\n    new Error("here").stack!.split("\\n")[1];\nexport const sep: string = path.sep;\n',
        );
        try {
            type Counter = { state: number[]; where(): string; sep: string };
            /* eslint-disable @typescript-eslint/no-require-imports */
            const first = require(file) as Counter;
            first.state.push(1);
            const compiled = compiledFiles();
            delete require.cache[file];
            const second = require(file) as Counter;
            /* eslint-enable @typescript-eslint/no-require-imports */
            assert.equal(compiledFiles(), compiled, "the second load compiled nothing");
            assert.notEqual(second, first, "a second load is a new module");
            assert.deepEqual(second.state, [], "with new module state");
            assert.equal(second.sep, path.sep);
            assert.match(second.where(), new RegExp(`counter\\.ts:4:`), "stack traces point at the source line");
            assert.equal(require.cache[file]?.exports, second);
        } finally {
            delete require.cache[file];
            fs.rmSync(dir, { recursive: true });
        }
    });
});

describe("synth/sdk-tuning: protobuf Structs carry their value offline", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as {
        Struct: {
            fromJavaScript(v: unknown): { toJavaScript(): unknown; getFieldsMap(): { get(k: string): { getStringValue(): string } } };
        };
    };
    const value = { b: [1, "x", null, { d: true }], a: { z: -0, y: "s" } };

    it("answers toJavaScript with a fresh copy, keys sorted, as a protobuf round trip does", () => {
        const struct = Struct.fromJavaScript(value);
        const out = struct.toJavaScript();
        assert.deepEqual(out, structRoundTrip(value));
        assert.deepEqual(Object.keys(out as object), ["a", "b"]);
        assert.notEqual(struct.toJavaScript(), out, "each call a new copy: a caller may change it");
    });

    it("refuses what a Struct cannot hold, when it is built (the SDK's error, at the SDK's step)", () => {
        assert.throws(() => Struct.fromJavaScript({ f: () => 1 }), /Unexpected struct type/);
        assert.throws(() => Struct.fromJavaScript({ u: undefined }), /Unexpected struct type/);
    });

    it("still builds the real message for a caller that reads its fields (runtime/resource.js getResource)", () => {
        assert.equal(Struct.fromJavaScript({ k: "v" }).getFieldsMap().get("k").getStringValue(), "v");
    });
});
