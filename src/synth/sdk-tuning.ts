import Module from "node:module";
import * as path from "node:path";

/*
 * Costs of the Pulumi SDK that offline runs (synth, tests, bench) need not pay; only they import
 * this module, before anything loads `@pulumi/pulumi`. `pulumi up` loads the SDK as it is.
 *
 * 1. Start-up: `@pulumi/pulumi/runtime/index.js` (3.248) requires its function
 * serialisation eagerly, `runtime/closure/serializeClosure` (which loads the TypeScript compiler)
 * and `runtime/closure/codePaths` (npm's @npmcli/arborist, pacote, sigstore, ...): about 650 of
 * the ~1,400 modules a synth loaded, and most of its start-up. They serve only programs that turn
 * JavaScript functions into code (`aws.lambda.CallbackFunction`, dynamic providers), which this
 * program does not. Importing this module first replaces both with stand-ins whose functions
 * load the real module on their first call, so a program that does serialise a function still
 * gets the real thing, just later.
 *
 * 2. Per resource: `runtime/debuggable.js` wraps every promise the SDK makes (several per
 * resource, four per output property in `transferProperties`) and stores on it, as three
 * non-enumerable properties, an id, a context string and `new Error().stack`, for one purpose:
 * printing where a leaked promise was made when `PULUMI_DEBUG_PROMISE_LEAKS` is set. Unless it is
 * set, we wrap with none of the three: no stack capture, no context string kept alive, and the
 * promise keeps its fast shape (three defineProperty calls turn it into a dictionary). The leak
 * detection itself is unchanged: the same set of pending promises (`leakCandidates`), the same
 * `.then(...).catch(...)` chain (so every promise settles on the same microtask turn and resources
 * register in the same order), and the same exit check, which the real function installs on its
 * first call.
 *
 * 3. Per resource: `Resource` (resource.js) captures the whole call stack of every constructor
 * (`Error.stackTraceLimit = Infinity`, a file URL per frame) and sends it as the request's source
 * position and stack trace, which the engine uses for diagnostics and the mock monitor ignores;
 * no inventory carries them. Offline, `Resource.callsites` returns no frames, which leaves both unset
 * (as for a stack with no positions). About a tenth of registration time and
 * memory in flight (heap profile, docs/synth-performance.md).
 *
 * 4. Per resource: the SDK turns each request's properties into a protobuf `Struct`
 * (`Struct.fromJavaScript`, a `Value` message per property, in runtime/resource.js and invoke.js)
 * which the mock monitor at once turns back (`toJavaScript`); offline nothing serialises them (there
 * is no gRPC). Offline, `fromJavaScript` returns a `Struct` that carries {@link structRoundTrip} of
 * the value (the same deep copy, key order and errors) and answers `toJavaScript` with a copy of it;
 * `getFieldsMap` and `serializeBinary` build the real message when asked. About a tenth of a
 * warm run's time, and the garbage of the Value messages.
 *
 * 5. Per output property: `transferProperties` (runtime/rpc.js) gives every output property of
 * every custom resource an `Output` at once: four pending promises, the Output's own chain (about
 * a dozen closures and promises, output.js `OutputImpl`), all held until the registration returns.
 * Because the program builds every resource before any registration returns, they are all in
 * flight together: the largest share of a synth's peak heap. A program reads few of them (prod
 * reads 96 of 3,658). Unless PULUMI_DEBUG_PROMISE_LEAKS is set (whose messages name the property),
 * each property is an accessor that, on its first read, builds the SDK's own Output by calling the
 * real `transferProperties` for that one key, and hands it the registration's result if that has
 * already come back; a property nobody reads costs one small record. What differs from the SDK: a
 * property first read after its registration returned settles a few microtask turns later than the
 * SDK's (which settled with the registration), so a program that reads late could see its
 * registrations reordered; an unread property of a failed registration does not reject; a
 * resource frozen before a property is read cannot build it. Key order is kept. Inventories of dev, staging and prod are byte-identical
 * with and without it (test/synth/sdk-tuning.test.ts; docs/synth-performance.md, fourth pass).
 *
 * 6. Per alias: the `Resource` constructor (resource.js) turns each alias into a URN `Output` at
 * once (`collapseAliasToUrn` → `createUrn`), into `__aliases`, which only the path for engines
 * without alias specs reads (`allAliases`; this engine has them, and the request carries the specs).
 * Each NetworkPolicy and Role of @pulumi/kubernetes carries one (their old API groups): 10 per team
 * namespace, held until their parent's URN is known. `createUrn` builds the URN with `interpolate`
 * (`output([prefix, type, name]).apply(join)`: four Outputs). It is the SDK's only caller of the
 * output module's `interpolate` (programs get `pulumi.interpolate`, the copy @pulumi/pulumi's index
 * took at load, which stays the SDK's). Offline, when the engine takes alias specs (as the mock
 * runtime's does), that export answers createUrn's shape (an Output prefix, then the type and the
 * name as strings) with `prefix.apply(join)`, the same string, secrecy and dependencies in one
 * Output, and hands any other shape, a prefix that is not a string, or an engine without alias
 * specs (whose registrations wait for alias URNs) to the SDK's own. `pulumi.createUrn` gets it too:
 * the same URN, some microtask turns sooner. About an eighth of the live heap at the peak
 * (`npm run heap`).
 */

/** Module (path under node_modules) → the exports `runtime/index.js` and `dynamic/index.js` read. */
export const deferredModules: Readonly<Record<string, readonly string[]>> = {
    [path.join("@pulumi", "pulumi", "runtime", "closure", "serializeClosure.js")]: ["serializeFunction", "serializeFunctionAsync"],
    [path.join("@pulumi", "pulumi", "runtime", "closure", "codePaths.js")]: ["computeCodePaths", "findWorkspaceRoot"],
};

/** Files whose real module was loaded because a stand-in was called (for tests). */
export const loadedForReal: string[] = [];

type Load = (request: string, parent: NodeModule | undefined, isMain: boolean) => unknown;
const internals = Module as unknown as {
    _load: Load;
    _resolveFilename(request: string, parent: NodeModule | undefined, isMain: boolean): string;
};
const sdkDir = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

if (!(internals._load as { deferring?: boolean }).deferring) {
    const load = internals._load;
    const deferring: Load & { deferring?: boolean } = function (this: unknown, request, parent, isMain) {
        if (parent?.filename?.includes(sdkDir) && request.includes("closure")) {
            const file = internals._resolveFilename(request, parent, isMain);
            const names = Object.entries(deferredModules).find(([suffix]) => file.endsWith(suffix))?.[1];
            if (names && !require.cache[file]) return standIn(file, names, () => load.call(this, request, parent, isMain));
        }
        return load.call(this, request, parent, isMain);
    };
    deferring.deferring = true;
    internals._load = deferring;
}

function standIn(file: string, names: readonly string[], loadReal: () => unknown): Record<string, unknown> {
    let real: Record<string, (...args: unknown[]) => unknown> | undefined;
    const get = () => {
        if (!real) {
            real = loadReal() as typeof real;
            loadedForReal.push(file);
        }
        return real!;
    };
    return Object.fromEntries(names.map((name) => [name, (...args: unknown[]) => get()[name](...args)]));
}

/**
 * Replaces the function `owner[name]` with `make(sdk)` (when `enabled`) and returns the SDK's own
 * function. The replacement keeps the original as its `sdk` property, so a second load of this
 * module (the mock runtime reloads `src/`) finds it replaced and answers the same original.
 */
function replaceOnce<F extends (...args: never[]) => unknown>(owner: object, name: string, enabled: boolean, make: (sdk: F) => F): F {
    const slots = owner as Record<string, F & { sdk?: F }>;
    const sdk = slots[name].sdk ?? slots[name];
    if (enabled && !slots[name].sdk) slots[name] = Object.assign(make(sdk), { sdk });
    return sdk;
}

interface Debuggable {
    debugPromiseLeaks: boolean;
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as Debuggable;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as {
    getStore(): { leakCandidates: Set<Promise<unknown>>; supportsAliasSpecs?: boolean };
};

/** True when promises are wrapped without their debugging context (PULUMI_DEBUG_PROMISE_LEAKS unset). */
export const promiseStacksSkipped = !debuggable.debugPromiseLeaks;

replaceOnce<Debuggable["debuggablePromise"]>(debuggable, "debuggablePromise", promiseStacksSkipped, (sdk) => {
    // The real function's first call installs the exit check for leaked promises: make it once.
    sdk(Promise.resolve(), "sdk-tuning: install the leak check");
    /** `debuggablePromise` of @pulumi/pulumi 3.248 (runtime/debuggable.js) minus its three debugging properties. */
    return <T>(p: Promise<T>): Promise<T> => {
        const localStore = runtimeState.getStore();
        localStore.leakCandidates.add(p);
        return p
            .then((val) => {
                localStore.leakCandidates.delete(p);
                return val;
            })
            .catch((err: { promise?: unknown }) => {
                localStore.leakCandidates.delete(p);
                err.promise = p;
                throw err;
            });
    };
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const resourceModule = require("@pulumi/pulumi/resource") as { Resource: { callsites(): unknown[] } };

/** True when resource constructors skip capturing their call stack (always, offline). */
export const callsitesSkipped = true;
resourceModule.Resource.callsites = () => [];

/**
 * What `Struct.fromJavaScript(value).toJavaScript()` (google-protobuf 3.21) returns, computed
 * without building the protobuf messages: a deep copy with every object's keys in sorted order
 * (jspb's Map iterates its keys sorted), and the same error for values a Struct cannot hold.
 */
export function structRoundTrip(value: unknown): unknown {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
    if (Array.isArray(value)) return value.map(structRoundTrip);
    if (typeof value !== "object") throw new Error("Unexpected struct type.");
    const copy: Record<string, unknown> = {};
    const keys: string[] = [];
    for (const key in value) keys.push(key); // for...in, as Struct.fromJavaScript
    for (const key of keys.sort()) copy[key] = structRoundTrip((value as Record<string, unknown>)[key]);
    return copy;
}

interface ProtobufStruct {
    toJavaScript(): unknown;
    getFieldsMap(noLazyCreate?: boolean): unknown;
    serializeBinary(): Uint8Array;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structModule = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { new (): ProtobufStruct; fromJavaScript(value: unknown): ProtobufStruct };
};

/** True when `Struct.fromJavaScript` keeps the value instead of building protobuf Values (always, offline). */
export const structsCarryValues = true;

/** google-protobuf's own `Struct.fromJavaScript` (a message with a `Value` per property), for tests and the fallbacks below. */
export const protobufStructFromJavaScript = replaceOnce<(value: unknown) => ProtobufStruct>(
    structModule.Struct,
    "fromJavaScript",
    structsCarryValues,
    (build) => (value) => {
        const copy = structRoundTrip(value); // the same copy, key order and errors as building the Values
        const struct = new structModule.Struct();
        struct.toJavaScript = () => structRoundTrip(copy);
        struct.getFieldsMap = (noLazyCreate?: boolean) => build(copy).getFieldsMap(noLazyCreate);
        struct.serializeBinary = () => build(copy).serializeBinary();
        return struct;
    },
);

/** A resolver `transferProperties` returns per property: (value, isKnown, isSecret, deps, err). */
type OutputResolver = (...args: unknown[]) => void;
type TransferProperties = (onto: object, label: string, props: Record<string, unknown>) => Record<string, OutputResolver>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpcModule = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: TransferProperties };

/** Output properties the SDK transferred onto resources, and how many of them were read (built), this process. */
export const outputProperties = { transferred: 0, built: 0 };

/** True when output properties get their `Output` on first read (PULUMI_DEBUG_PROMISE_LEAKS unset). */
export const outputsOnFirstRead = promiseStacksSkipped;

/** The SDK's own `transferProperties` (an `Output` per property at once), for tests. */
export const sdkTransferProperties = replaceOnce<TransferProperties>(
    rpcModule,
    "transferProperties",
    outputsOnFirstRead,
    (transfer) => (onto, label, props) => {
        const resolvers: Record<string, OutputResolver> = {};
        const target = onto as Record<string, unknown>;
        for (const key of Object.keys(props)) {
            if (key === "id" || key === "urn") continue; // as transferProperties: the SDK makes these itself
            if (Object.prototype.hasOwnProperty.call(onto, key)) {
                throw new Error(`Property '${key}' is already initialized on target '${label}`); // the SDK's error
            }
            outputProperties.transferred++;
            let resolve: OutputResolver | undefined;
            let result: unknown[] | undefined; // the registration's answer, kept until the first read
            resolvers[key] = (...args) => (resolve ? resolve(...args) : (result = args));
            Object.defineProperty(onto, key, {
                configurable: true,
                enumerable: true,
                get() {
                    // The SDK's function adds the property last; the keys after it move back behind it.
                    const keys = Reflect.ownKeys(onto);
                    const later = keys.slice(keys.indexOf(key) + 1);
                    const descriptors = later.map((k) => [k, Object.getOwnPropertyDescriptor(onto, k)!] as const);
                    delete target[key];
                    resolve = transfer(onto, label, { [key]: undefined })[key];
                    if (descriptors.every(([, d]) => d.configurable)) {
                        for (const [k, d] of descriptors) {
                            delete target[k as string];
                            Object.defineProperty(onto, k, d);
                        }
                    }
                    outputProperties.built++;
                    if (result) resolve(...result);
                    result = undefined;
                    return target[key];
                },
                set(value: unknown) {
                    Object.defineProperty(onto, key, { value, writable: true, enumerable: true, configurable: true });
                },
            });
        }
        return resolvers;
    },
);

// @pulumi/pulumi's index copies the output module's exports when it loads: load it first, so that
// programs' `pulumi.interpolate` stays the SDK's own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("@pulumi/pulumi");
type Interpolate = (literals: TemplateStringsArray, ...placeholders: unknown[]) => unknown;
interface ApplyingOutput {
    apply(func: (value: unknown) => unknown): unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const outputModule = require("@pulumi/pulumi/output") as {
    interpolate: Interpolate;
    Output: { isInstance(value: unknown): value is ApplyingOutput };
};

/** The SDK's own `interpolate` (what `pulumi.interpolate` is), for tests. */
export const sdkInterpolate = replaceOnce<Interpolate>(
    outputModule,
    "interpolate",
    true,
    /** `interpolate` as resource.js `createUrn` calls it: `${parentPrefix}${type}::${name}`. */
    (interpolate) =>
        (literals, ...placeholders) => {
            const [prefix, type, name] = placeholders;
            const shape =
                placeholders.length === 3 && outputModule.Output.isInstance(prefix) && typeof type === "string" && typeof name === "string";
            // Without alias specs the engine gets alias URNs (allAliases), and registrations wait for them: keep the SDK's timing.
            if (!shape || !runtimeState.getStore().supportsAliasSpecs) return interpolate(literals, ...placeholders);
            return (prefix as ApplyingOutput).apply((value) =>
                typeof value === "string"
                    ? literals[0] + value + literals[1] + type + literals[2] + name + literals[3]
                    : interpolate(literals, value, type, name),
            );
        },
);
