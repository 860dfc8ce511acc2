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
    aliasCollapses,
    collapsesCleanly,
    deferred,
    sdkOutput,
    sdkReferencedUrns,
    sdkTransferProperties,
    structRoundTrip,
    urnWaits,
} from "../../src/synth/sdk-tuning";
import { successfulRun } from "../harness";

/* eslint-disable @typescript-eslint/no-require-imports */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T>;
};
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: typeof sdkTransferProperties };
const outputModule = require("@pulumi/pulumi/output") as { output: typeof sdkOutput };
const dependsOn = require("@pulumi/pulumi/runtime/dependsOn") as { getAllTransitivelyReferencedResourceURNs: typeof sdkReferencedUrns };
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

    it("leaves the plan unchanged: dev renders the same inventory, options and outputs with the SDK's own transferProperties, output and URN waits", async function () {
        this.timeout(120000);
        const counters = () => ({ built: outputProperties.built, deferred: aliasCollapses.deferred, shared: urnWaits.shared });
        const start = counters();
        const tuned = await runStack("dev");
        const before = counters();
        assert.ok(before.deferred > start.deferred && before.shared > start.shared, "the first run used the replacements");
        const replacements = [rpc.transferProperties, outputModule.output, dependsOn.getAllTransitivelyReferencedResourceURNs] as const;
        rpc.transferProperties = sdkTransferProperties;
        outputModule.output = sdkOutput;
        dependsOn.getAllTransitivelyReferencedResourceURNs = sdkReferencedUrns;
        let sdk: Awaited<ReturnType<typeof runStack>>;
        try {
            sdk = await runStack("dev");
        } finally {
            [rpc.transferProperties, outputModule.output, dependsOn.getAllTransitivelyReferencedResourceURNs] = replacements;
        }
        assert.deepEqual(counters(), before, "the second run used the SDK's functions");
        assert.equal(tuned.error, undefined);
        assert.deepEqual(tuned.resources, sdk.resources);
        assert.deepEqual(tuned.options, sdk.options);
        assert.deepEqual(tuned.outputs, sdk.outputs);
    });
});

/** An Output with the SDK's internal members (output.js `OutputImpl`). */
type SdkOutput = pulumi.Output<unknown> & { promise(): Promise<unknown>; isSecret: Promise<boolean> };

describe("synth/sdk-tuning: a resource's aliases are collapsed when read, not when it is constructed", () => {
    const store = state.getStore() as { supportsAliasSpecs?: boolean };
    const aliasesOf = (resource: pulumi.Resource) => (resource as unknown as { __aliases: unknown[] }).__aliases;
    const urnOf = (alias: unknown) => (pulumi.output(alias) as SdkOutput).promise();
    let aliasSpecs: boolean | undefined;
    before(() => {
        aliasSpecs = store.supportsAliasSpecs;
        pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "p", "s", false);
    });
    after(() => (store.supportsAliasSpecs = aliasSpecs));

    class Thing extends pulumi.CustomResource {
        constructor(name: string, opts: pulumi.CustomResourceOptions) {
            super("test:index:Thing", name, {}, opts);
        }
    }

    /** A component with a child that has two aliases, under an engine with alias specs or without. */
    async function construct(specs: boolean, name: string) {
        store.supportsAliasSpecs = specs;
        const parent = new pulumi.ComponentResource("test:index:Parent", `parent-${name}`);
        const before = { ...aliasCollapses };
        const child = new Thing(name, { parent, aliases: [{ name: "old" }, { type: "test:index:OldThing" }] });
        const counts = { deferred: aliasCollapses.deferred - before.deferred, built: aliasCollapses.built - before.built };
        await (child.urn as unknown as SdkOutput).promise(); // the registration finished
        return { child, counts };
    }

    it("leaves programs the SDK's own pulumi.output", () => {
        assert.equal(pulumi.output, sdkOutput);
        assert.notEqual(outputModule.output, sdkOutput, "resource.js collapseAliasToUrn reads the replacement");
    });

    it("builds nothing for the aliases while the engine takes alias specs, and the SDK's URNs when they are read", async () => {
        const { child, counts } = await construct(true, "tuned");
        assert.deepEqual(counts, { deferred: 2, built: 0 });
        const urns = await Promise.all(aliasesOf(child).map(urnOf));
        assert.deepEqual(urns, [
            "urn:pulumi:s::p::test:index:Parent$test:index:Thing::old",
            "urn:pulumi:s::p::test:index:Parent$test:index:OldThing::tuned",
        ]);
        const sdk = await construct(false, "tuned"); // an engine that takes alias URNs: the SDK collapses them at once
        assert.deepEqual(sdk.counts, { deferred: 0, built: 0 });
        assert.deepEqual(await Promise.all(aliasesOf(sdk.child).map(urnOf)), urns);
        store.supportsAliasSpecs = true;
    });

    it("ends the alias loop at the constructor's next step: later SDK calls get real Outputs", async () => {
        const { child } = await construct(true, "later");
        const before = { ...aliasCollapses };
        assert.ok(pulumi.Output.isInstance(outputModule.output("x")));
        assert.ok(pulumi.Output.isInstance(child.urn));
        assert.equal(aliasCollapses.deferred, before.deferred);
    });

    it("builds a stand-in's object once, on first touch, and forwards to it", async () => {
        let made = 0;
        const standIn = deferred(() => {
            made++;
            return pulumi.output("v");
        }) as SdkOutput;
        const applied = (standIn as unknown as { apply(f: (v: string) => string): SdkOutput }).apply((v) => `${v}!`);
        assert.equal(made, 0, "apply builds nothing");
        assert.ok(pulumi.Output.isInstance(applied), "a read does");
        assert.equal(await applied.promise(), "v!");
        assert.equal(await standIn.promise(), "v");
        assert.equal(made, 1);
        assert.ok(standIn instanceof Object.getPrototypeOf(pulumi.output(1)).constructor);
        assert.ok("promise" in standIn && !("nothing" in standIn), "`in` asks the built object");
    });

    it("defers only aliases whose collapse cannot fail; the SDK collapses the rest at once", () => {
        const parent = new pulumi.ComponentResource("test:index:Parent", "clean-parent");
        for (const alias of [
            "urn:pulumi:s::p::t::n",
            { type: "t:m:T" },
            { name: "n", parent },
            { parent: undefined, project: "p", stack: "s" },
            {},
        ]) {
            assert.ok(collapsesCleanly(alias), JSON.stringify(alias) ?? "");
        }
        const getter = Object.defineProperty({}, "name", { get: () => "n", enumerable: true });
        const circular: Record<string, unknown> = { name: "n" };
        circular.self = circular;
        for (const alias of [
            { name: undefined },
            { type: undefined },
            { name: pulumi.output("n") },
            { parent: pulumi.output("urn:pulumi:s::p::t::n") },
            { name: "n", extra: 1 },
            getter,
            circular,
            Promise.resolve("urn"),
            pulumi.output("urn"),
            null,
            42,
        ]) {
            assert.equal(collapsesCleanly(alias), false);
        }
    });

    it("fails the run as the SDK does on an alias it cannot collapse, with or without alias specs", async function () {
        this.timeout(20000);
        // An alias with `name: undefined`: the SDK's collapse rejects, nobody handles it, and the run fails.
        const rejections: Record<string, string[]> = { true: [], false: [] };
        let specs = true;
        const listener = (reason: unknown) => rejections[String(specs)].push((reason as Error).message);
        const others = process.listeners("unhandledRejection");
        process.removeAllListeners("unhandledRejection");
        process.on("unhandledRejection", listener);
        try {
            for (specs of [true, false]) {
                store.supportsAliasSpecs = specs;
                const before = { ...aliasCollapses };
                const child = new Thing(`bad-${specs}`, { aliases: [{ name: undefined }] });
                assert.equal(aliasCollapses.deferred, before.deferred, "not deferred");
                await (child.urn as unknown as SdkOutput).promise();
                await new Promise((resolve) => setImmediate(resolve));
            }
        } finally {
            process.off("unhandledRejection", listener);
            others.forEach((l) => process.on("unhandledRejection", l as (reason: unknown) => void));
            store.supportsAliasSpecs = true;
        }
        assert.ok(rejections.true.length > 0);
        assert.ok(
            rejections.true.every((m) => m === "No valid 'name' passed in for alias."),
            rejections.true.join("; "),
        );
        assert.deepEqual(rejections.true, rejections.false);
    });

    it("clears the alias loop's mark on the next microtask when the loop throws", async () => {
        assert.throws(() => new Thing("not-iterable", { aliases: { name: "x" } as unknown as pulumi.Alias[] }), TypeError);
        await Promise.resolve();
        const before = { ...aliasCollapses };
        assert.ok(pulumi.Output.isInstance(outputModule.output("x")));
        assert.equal(aliasCollapses.deferred, before.deferred);
    });
});

describe("synth/sdk-tuning: waits for one URN share a promise until it is known", () => {
    /** A custom resource as runtime/dependsOn.js sees one, whose URN resolves when `resolve` is called. */
    function resource(urn: string) {
        let resolve = (_: string) => {};
        const value = new Promise<string>((r) => (resolve = r));
        const promise = sinonless(() => value.then((v) => v));
        return { __pulumiResource: true, __pulumiCustomResource: true, urn: { promise }, resolve: () => resolve(urn), calls: promise };
    }
    /** A function that counts its calls. */
    function sinonless<T>(f: () => T): (() => T) & { count: number } {
        const counted = Object.assign(() => (counted.count++, f()), { count: 0 });
        return counted;
    }
    const tuned = (rs: object[], exclude = new Set<object>()) => dependsOn.getAllTransitivelyReferencedResourceURNs(rs, exclude);

    it("asks a pending URN once for any number of waits, and each later wait on its own, as the SDK does", async () => {
        const [a, b] = [resource("urn:a"), resource("urn:b")];
        const waits = [tuned([a, b]), tuned([a]), tuned([b, a])];
        await new Promise((r) => setImmediate(r));
        assert.deepEqual([a.calls.count, b.calls.count], [1, 1]);
        a.resolve();
        b.resolve();
        const sets = await Promise.all(waits);
        assert.deepEqual(
            sets.map((s) => [...s]),
            [["urn:a", "urn:b"], ["urn:a"], ["urn:b", "urn:a"]],
        );
        assert.deepEqual([...(await tuned([a]))], ["urn:a"]);
        assert.equal(a.calls.count, 2, "a wait after the URN settled asks again");
    });

    it("gives the SDK's set: excluded and component resources as its walk has them", async () => {
        const [a, b, c] = [resource("urn:a"), resource("urn:b"), resource("urn:c")];
        [a, b, c].forEach((r) => r.resolve());
        const component = {
            __pulumiResource: true,
            __pulumiComponentResource: true,
            __data: Promise.resolve(),
            __childResources: new Set([b, c]),
        };
        for (const [rs, exclude] of [
            [[a, b], new Set<object>()],
            [[a, b], new Set<object>([b])],
            [[a, component], new Set<object>()],
            [[component], new Set<object>([component])],
            [[component], new Set<object>([c])],
            [[], new Set<object>()],
        ] as const) {
            assert.deepEqual([...(await tuned([...rs], exclude))], [...(await sdkReferencedUrns([...rs], exclude))]);
        }
    });

    it("rejects every wait with the URN's error, and leaves no rejection unhandled", async () => {
        let reject = (_: Error) => {};
        const failing = {
            __pulumiResource: true,
            __pulumiCustomResource: true,
            urn: { promise: () => new Promise<string>((_, r) => (reject = r)) },
        };
        const unhandled: unknown[] = [];
        const listener = (reason: unknown) => unhandled.push(reason);
        process.on("unhandledRejection", listener);
        try {
            const waits = [tuned([failing]), tuned([failing])];
            await new Promise((resolve) => setImmediate(resolve));
            reject(new Error("no urn"));
            for (const wait of waits) await assert.rejects(wait, /no urn/);
            await new Promise((resolve) => setImmediate(resolve));
        } finally {
            process.off("unhandledRejection", listener);
        }
        assert.deepEqual(unhandled, []);
        const sdkFailing = { ...failing, urn: { promise: () => Promise.reject(new Error("no urn")) } };
        await assert.rejects(sdkReferencedUrns([sdkFailing], new Set()), /no urn/);
    });
});
