import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { compile, compiledFiles } from "../../src/synth/register";
import { runStack } from "../../src/synth/mock-runtime";
import {
    deferredModules,
    loadedForReal,
    outputProperties,
    outputsOnFirstRead,
    promiseStacksSkipped,
    sdkInterpolate,
    sdkTransferProperties,
    structRoundTrip,
} from "../../src/synth/sdk-tuning";
import { successfulRun } from "../harness";

/* eslint-disable @typescript-eslint/no-require-imports */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T>;
};
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: typeof sdkTransferProperties };
const outputModule = require("@pulumi/pulumi/output") as { interpolate: typeof sdkInterpolate };
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

    it("keeps promise-leak detection but attaches no debugging context (id, context, stack) to the promise", async function () {
        if (!promiseStacksSkipped) this.skip(); // PULUMI_DEBUG_PROMISE_LEAKS set: the SDK's own wrapper, context and all
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

describe("synth/sdk-tuning: an output property gets its Output when first read", () => {
    /** An Output with the SDK's internal members (output.js `OutputImpl`) that the engine's side reads. */
    type SdkOutput = pulumi.Output<unknown> & { promise(): Promise<unknown>; isSecret: Promise<boolean>; isKnown: Promise<boolean> };
    type Outputs = Record<string, SdkOutput>;
    const transfer = (onto: object, props: Record<string, unknown>) => rpc.transferProperties(onto, "test", props);

    beforeEach(function () {
        if (!outputsOnFirstRead) this.skip(); // PULUMI_DEBUG_PROMISE_LEAKS set: the SDK's own function
    });

    it("builds no Output for a property nobody reads, and none for id and urn (the SDK makes those)", () => {
        const onto = {};
        const before = { ...outputProperties };
        const resolvers = transfer(onto, { id: undefined, urn: undefined, arn: undefined, tags: undefined });
        assert.deepEqual(Object.keys(resolvers), ["arn", "tags"]);
        assert.deepEqual(Object.keys(onto), ["arn", "tags"], "enumerable, as the SDK's properties");
        assert.equal(typeof Object.getOwnPropertyDescriptor(onto, "arn")!.get, "function", "not yet an Output");
        resolvers.arn("arn:aws:iam::123456789012:role/x", true, false, []);
        assert.equal(outputProperties.transferred - before.transferred, 2);
        assert.equal(outputProperties.built, before.built);
    });

    it("gives an Output read before or after the registration returns the same value, secrecy and knownness", async () => {
        const onto = {};
        const resolvers = transfer(onto, { early: undefined, late: undefined, secret: undefined });
        const early = (onto as Outputs).early; // read while the registration is in flight
        resolvers.early("e", true, false, []);
        resolvers.late("l", true, false, []);
        resolvers.secret("s", true, true, []);
        const { late, secret } = onto as Outputs; // read after it returned
        assert.ok(pulumi.Output.isInstance(early) && pulumi.Output.isInstance(late));
        assert.equal(await early.promise(), "e");
        assert.equal(await late.promise(), "l");
        assert.equal(await secret.promise(), "s");
        assert.equal(await secret.isSecret, true);
        assert.equal(await late.isKnown, true);
        assert.equal((onto as Outputs).late, late, "built once: a data property from then on");
        assert.equal(Object.getOwnPropertyDescriptor(onto, "late")!.writable, true);
    });

    it("answers as the SDK's Output does for every registration result, unknowns and dependencies included", async () => {
        type Full = SdkOutput & { promise(withUnknowns?: boolean): Promise<unknown>; allResources(): Promise<Set<unknown>> };
        const dependency = {};
        const results: unknown[][] = [
            ["v", true, false, []],
            [undefined, false, false, []], // unknown, as in a preview
            [{ nested: ["x"] }, true, true, [dependency]],
        ];
        for (const [i, result] of results.entries()) {
            const [sdkHolder, tunedHolder] = [{}, {}];
            sdkTransferProperties(sdkHolder, "sdk", { p: undefined }).p(...result);
            transfer(tunedHolder, { p: undefined }).p(...result);
            const [a, b] = [(sdkHolder as Record<string, Full>).p, (tunedHolder as Record<string, Full>).p];
            assert.deepEqual(await b.promise(true), await a.promise(true), `case ${i}: value`);
            assert.equal(await b.isKnown, await a.isKnown, `case ${i}: isKnown`);
            assert.equal(await b.isSecret, await a.isSecret, `case ${i}: isSecret`);
            assert.deepEqual([...(await b.allResources())].length, [...(await a.allResources())].length, `case ${i}: dependencies`);
        }
    });

    it("keeps the resource's key order, whatever order the program reads its properties in", () => {
        const [sdkHolder, tunedHolder] = [{ urn: 1 }, { urn: 1 }];
        sdkTransferProperties(sdkHolder, "sdk", { a: undefined, foo: undefined, b: undefined });
        transfer(tunedHolder, { a: undefined, foo: undefined, b: undefined });
        Object.assign(sdkHolder, { later: true });
        Object.assign(tunedHolder, { later: true });
        const read = tunedHolder as unknown as Outputs;
        assert.ok(pulumi.Output.isInstance(read.b) && pulumi.Output.isInstance(read.a));
        assert.deepEqual(Object.keys(tunedHolder), Object.keys(sdkHolder));
        assert.deepEqual(Object.keys(tunedHolder), ["urn", "a", "foo", "b", "later"]);
        assert.equal((tunedHolder as { later?: boolean }).later, true);
    });

    it("rejects a read Output with the registration's error, and keeps the SDK's error for a property set twice", async () => {
        const onto = {};
        const resolvers = transfer(onto, { arn: undefined });
        resolvers.arn(undefined, true, false, [], new Error("registration failed"));
        await assert.rejects((onto as Outputs).arn.promise(), /registration failed/);
        assert.throws(() => transfer(onto, { arn: undefined }), /Property 'arn' is already initialized on target 'test/);
    });

    it("leaves the plan unchanged: dev renders the same inventory, options and outputs with the SDK's own transferProperties and interpolate", async function () {
        this.timeout(120000);
        const tuned = await runStack("dev");
        const before = outputProperties.built;
        const replacements = [rpc.transferProperties, outputModule.interpolate] as const;
        rpc.transferProperties = sdkTransferProperties;
        outputModule.interpolate = sdkInterpolate;
        let sdk: Awaited<ReturnType<typeof runStack>>;
        try {
            sdk = await runStack("dev");
        } finally {
            [rpc.transferProperties, outputModule.interpolate] = replacements;
        }
        assert.equal(outputProperties.built, before, "the second run used the SDK's function");
        assert.equal(tuned.error, undefined);
        assert.deepEqual(tuned.resources, sdk.resources);
        assert.deepEqual(tuned.options, sdk.options);
        assert.deepEqual(tuned.outputs, sdk.outputs);
    });
});

describe("synth/sdk-tuning: createUrn builds an alias URN in one step", () => {
    type SdkOutput = pulumi.Output<unknown> & {
        promise(): Promise<unknown>;
        isSecret: Promise<boolean>;
        resources(): Set<unknown>;
        allResources(): Promise<Set<unknown>>;
    };
    const tuned = (literals: TemplateStringsArray, ...p: unknown[]) => outputModule.interpolate(literals, ...p) as SdkOutput;
    const sdk = (literals: TemplateStringsArray, ...p: unknown[]) => sdkInterpolate(literals, ...p) as SdkOutput;
    const same = async (a: SdkOutput, b: SdkOutput) => {
        assert.equal(await a.promise(), await b.promise());
        assert.equal(await a.isSecret, await b.isSecret);
        assert.deepEqual([...a.resources()], [...b.resources()]);
        assert.deepEqual([...(await a.allResources())], [...(await b.allResources())]);
    };
    /** An Output that depends on a resource, as a parent's URN does. */
    const dependsOn = (resource: object, value: string) =>
        new (pulumi.Output as unknown as new (...args: unknown[]) => SdkOutput)(
            new Set([resource]),
            Promise.resolve(value),
            Promise.resolve(true),
            Promise.resolve(false),
            Promise.resolve(new Set([resource])),
        );

    const store = state.getStore() as { supportsAliasSpecs?: boolean };
    let aliasSpecs: boolean | undefined;
    before(() => ([aliasSpecs, store.supportsAliasSpecs] = [store.supportsAliasSpecs, true])); // as runStack's engine
    after(() => (store.supportsAliasSpecs = aliasSpecs));

    it("leaves programs the SDK's own pulumi.interpolate", () => {
        assert.equal(pulumi.interpolate, sdkInterpolate);
        assert.notEqual(outputModule.interpolate, sdkInterpolate, "resource.js createUrn reads the replacement");
    });

    it("gives createUrn's shape the SDK's string and secrecy, and hands every other shape to the SDK", async () => {
        const prefix = pulumi.output("urn:pulumi:s::p::a:b:Parent$");
        await same(tuned`${prefix}${"t:m:T"}::${"name"}`, sdk`${prefix}${"t:m:T"}::${"name"}`);
        const parent = {};
        const [one, two] = [dependsOn(parent, "urn:pulumi:s::p::a:b:Parent$"), dependsOn(parent, "urn:pulumi:s::p::a:b:Parent$")];
        await same(tuned`${one}${"t:m:T"}::${"name"}`, sdk`${two}${"t:m:T"}::${"name"}`);
        assert.deepEqual([...(await tuned`${one}${"t"}::${"n"}`.allResources())], [parent], "the parent stays a dependency");
        const secret = pulumi.secret("urn:pulumi:s::p::");
        await same(tuned`${secret}${"t:m:T"}::${"name"}`, sdk`${secret}${"t:m:T"}::${"name"}`);
        const notAString = pulumi.output(["a", pulumi.output("b")]);
        await same(tuned`${notAString}${"t"}::${"n"}`, sdk`${notAString}${"t"}::${"n"}`);
        await same(tuned`x${pulumi.output(1)}y`, sdk`x${pulumi.output(1)}y`);
        await same(tuned`${"a"}${pulumi.output("b")}::${"c"}`, sdk`${"a"}${pulumi.output("b")}::${"c"}`);
        store.supportsAliasSpecs = false; // an engine that takes alias URNs: the SDK's own, same answer
        await same(tuned`${prefix}${"t:m:T"}::${"name"}`, sdk`${prefix}${"t:m:T"}::${"name"}`);
        store.supportsAliasSpecs = true;
    });

    it("computes the same URN through pulumi.createUrn as the SDK's interpolate does", async () => {
        const urn = () =>
            pulumi.createUrn(
                "np",
                "kubernetes:extensions/v1beta1:NetworkPolicy",
                "urn:pulumi:dev::ml-platform::platform:k8s:Namespace::team-a",
            ) as unknown as SdkOutput;
        const fast = await urn().promise();
        const replacement = outputModule.interpolate;
        outputModule.interpolate = sdkInterpolate;
        try {
            assert.equal(fast, await urn().promise());
        } finally {
            outputModule.interpolate = replacement;
        }
        assert.equal(fast, "urn:pulumi:dev::ml-platform::platform:k8s:Namespace$kubernetes:extensions/v1beta1:NetworkPolicy::np");
    });
});
