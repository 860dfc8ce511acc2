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
 * once (`collapseAliasToUrn`: `output(alias).apply(...)`, which calls `createUrn`: two more Outputs
 * that wait for the parent's URN), into `__aliases`, which only the path for engines without alias
 * specs reads (`allAliases`); an engine with alias specs (the mock runtime's) gets `opts.aliases`
 * as specs in the request. Each NetworkPolicy and Role of @pulumi/kubernetes carries one (their old
 * API groups): 10 per team namespace, all held until their parent's URN is known. Offline, while
 * the engine takes alias specs, the constructor's alias loop gets {@link deferred} stand-ins: the
 * `__aliases` assignment just before the loop marks its start (an accessor on `Resource.prototype`),
 * the output module's `output` (which the loop calls first, and only the SDK calls: programs get
 * `pulumi.output`, the index's copy) answers with a stand-in for the loop's calls, and
 * `Resource.stackTrace`, which the constructor calls right after the loop, marks its end. A stand-in
 * builds the SDK's own Output on first touch, so a reader of `__aliases` still gets the same URN;
 * nothing reads them with alias specs. Only aliases whose collapse cannot fail are deferred
 * ({@link collapsesCleanly}: a URN string, or a plain spec of strings and a parent resource, as
 * @pulumi/kubernetes passes); any other alias (`name: undefined`, an Output, a getter, a circular
 * object) is collapsed by the SDK at once, so its error comes where and when the SDK's does. If
 * the loop itself throws (aliases that are not iterable), the mark is cleared on the next
 * microtask at the latest. Live heap at prod+400's first registration 276 → 210 MB
 * (`npm run heap`); it supersedes the one-step `createUrn` of the fourth pass, whose only SDK
 * caller was this loop.
 *
 * 7. Per dependency: before a registration is sent, `prepareResource` (runtime/resource.js) waits
 * for the URN of every custom resource its dependencies reach
 * (`getAllTransitivelyReferencedResourceURNs`, runtime/dependsOn.js), and `serializeProperty`
 * (runtime/rpc.js) for those of each Output input. A component stands for every custom resource
 * under it, so each of a team's 18 objects that waits for its namespace's component waits for
 * about 24 URNs: about 600 waits per team namespace, each a fresh `urn.promise()` (an async call,
 * a `then` and their closures) held until that URN is known. Offline, waits share one
 * `urn.promise()` of that resource until it settles (a few microtask turns after the URN is known),
 * which is the turn each of theirs would have settled on; a wait that starts after that makes its
 * own, as the SDK does, so registrations finish in the same order. What differs: waits for one URN that started before it
 * was known resume together, where the SDK's resume one by one on the same turn; a program whose
 * registration order hangs on that could see it change. The live heap stops growing after the
 * first registration (prod+400's peak: 368 → 276 MB without item 6, 248 with it).
 * Inventories of dev, staging, prod and prod+100 are byte-identical with and without items 6 and
 * 7 (test/synth/sdk-tuning.test.ts; docs/synth-performance.md, fifth pass).
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
const resourceModule = require("@pulumi/pulumi/resource") as {
    Resource: { prototype: object; callsites(): unknown[]; stackTrace(skip: number): unknown[]; isInstance(value: unknown): boolean };
};

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
// programs' `pulumi.output` stays the SDK's own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("@pulumi/pulumi");
type OutputFunction = (value: unknown) => unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const outputModule = require("@pulumi/pulumi/output") as { output: OutputFunction };

/** Alias collapses offline runs deferred, and how many of them were built because something read them, this process. */
export const aliasCollapses = { deferred: 0, built: 0 };

/** True while a `Resource` constructor runs its alias loop under an engine with alias specs (item 6). */
const aliasLoop = { running: false };

/**
 * A stand-in for the object `make()` returns, which it builds on first touch (a property read, `in`,
 * its prototype) and to which it forwards those three from then on (functions bound to it); its
 * `apply` before that answers another stand-in. For the alias loop: `output(alias).apply(collapse)`
 * builds nothing until read. Not a full Proxy: keys, descriptors and writes see an empty object.
 */
export function deferred(make: () => object): object {
    let real: object | undefined;
    const get = (): object => {
        if (!real) {
            real = make();
            aliasCollapses.built++;
        }
        return real;
    };
    return new Proxy(
        {},
        {
            get(_target, key) {
                if (key === "apply" && !real) return (...args: unknown[]) => deferred(() => (get() as ApplyingOutput).apply(...args));
                const value: unknown = Reflect.get(get(), key);
                return typeof value === "function" ? value.bind(real) : value;
            },
            has: (_target, key) => Reflect.has(get(), key),
            getPrototypeOf: () => Object.getPrototypeOf(get()),
        },
    );
}
interface ApplyingOutput {
    apply(...args: unknown[]): object;
}

if (!Object.getOwnPropertyDescriptor(resourceModule.Resource.prototype, "__aliases")) {
    Object.defineProperty(resourceModule.Resource.prototype, "__aliases", {
        configurable: true,
        get: () => undefined, // a resource whose constructor returned early (a dependency stand-in) has none
        set(this: object, value: unknown) {
            // resource.js: `this.__aliases = []`, then the alias loop, then `Resource.stackTrace(4)`.
            Object.defineProperty(this, "__aliases", { value, writable: true, enumerable: true, configurable: true });
            aliasLoop.running = runtimeState.getStore().supportsAliasSpecs === true;
            // Cleared by Resource.stackTrace below; if the loop throws, on the next microtask.
            if (aliasLoop.running) queueMicrotask(() => (aliasLoop.running = false));
        },
    });
}
replaceOnce<(skip: number) => unknown[]>(resourceModule.Resource, "stackTrace", true, (stackTrace) => (skip) => {
    aliasLoop.running = false;
    return stackTrace.call(resourceModule.Resource, skip);
});

/**
 * True when `collapseAliasToUrn` (resource.js, 3.248) can only succeed on this alias: a URN string,
 * or a plain object whose own properties are data properties among `name`, `type`, `project` and
 * `stack` holding strings, and `parent` holding undefined, a URN string or a resource. Anything
 * else may throw or reject in the collapse, and is left to the SDK.
 */
export function collapsesCleanly(alias: unknown): boolean {
    if (typeof alias === "string") return true;
    if (alias === null || typeof alias !== "object" || Object.getPrototypeOf(alias) !== Object.prototype) return false;
    return Reflect.ownKeys(alias).every((key) => {
        const descriptor = Object.getOwnPropertyDescriptor(alias, key)!;
        if (!("value" in descriptor)) return false;
        const value: unknown = descriptor.value;
        if (key === "parent") return value === undefined || typeof value === "string" || resourceModule.Resource.isInstance(value);
        return ["name", "type", "project", "stack"].includes(key as string) && typeof value === "string";
    });
}

/** The SDK's own `output` (what `pulumi.output` is), for tests. */
export const sdkOutput = replaceOnce<OutputFunction>(outputModule, "output", true, (output) => (value) => {
    if (!aliasLoop.running || !collapsesCleanly(value)) return output(value);
    aliasCollapses.deferred++;
    return deferred(() => output(value) as object);
});

type ReferencedUrns = (resources: Iterable<object> | undefined, exclude: Set<object>) => Promise<Set<string>>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dependsOnModule = require("@pulumi/pulumi/runtime/dependsOn") as {
    getAllTransitivelyReferencedResourceURNs: ReferencedUrns;
    getAllTransitivelyReferencedResources(resources: Iterable<object> | undefined, exclude: Set<object>): Promise<object[]>;
};
/** Per resource, the `urn.promise()` its waits share until it settles (item 7); null once it has: later waits make their own, as the SDK's do. */
const sharedUrnWaits = new WeakMap<object, Promise<string> | null>();

/** URN waits made this process: shared (a second or later wait on a shared one) and own. */
export const urnWaits = { shared: 0, own: 0 };

/** The wait for one resource's URN: the shared `urn.promise()` until it settles, then a fresh one per wait. */
function urnWait(resource: object): Promise<string> {
    const shared = sharedUrnWaits.get(resource);
    if (shared) {
        urnWaits.shared++;
        return shared;
    }
    urnWaits.own++;
    const wait = (resource as { urn: { promise(): Promise<string> } }).urn.promise();
    if (shared === undefined) {
        sharedUrnWaits.set(resource, wait);
        const settle = () => sharedUrnWaits.set(resource, null);
        wait.then(settle, settle);
    }
    return wait;
}

/** The SDK's own `getAllTransitivelyReferencedResourceURNs` (a `urn.promise()` per resource per wait), for tests. */
export const sdkReferencedUrns = replaceOnce<ReferencedUrns>(
    dependsOnModule,
    "getAllTransitivelyReferencedResourceURNs",
    true,
    () => async (resources, exclude) => {
        // The SDK's function minus its `promise()` per resource: the same walk, the same set.
        const reachable = await dependsOnModule.getAllTransitivelyReferencedResources(resources, exclude);
        return new Set(await Promise.all(reachable.map(urnWait)));
    },
);
