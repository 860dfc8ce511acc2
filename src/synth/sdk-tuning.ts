import Module from "node:module";
import * as path from "node:path";

/*
 * Two costs of the Pulumi SDK that offline runs (synth, tests, bench) need not pay; only they import
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
 * resource) and stores `new Error().stack` on it, formatted at once, for one purpose: printing
 * where a leaked promise was made when `PULUMI_DEBUG_PROMISE_LEAKS` is set. Unless it is set, we
 * make that capture empty (`Error.stackTraceLimit = 0` for the duration of the call); the leak
 * detection itself (the set of pending promises, the exit check) runs unchanged.
 *
 * 3. Per resource: `Resource` (resource.js) captures the whole call stack of every constructor
 * (`Error.stackTraceLimit = Infinity`, a file URL per frame) and sends it as the request's source
 * position and stack trace, which the engine uses for diagnostics and the mock monitor ignores;
 * no inventory carries them. Offline, `Resource.callsites` returns no frames, which leaves both unset
 * (as for a stack with no positions). About a tenth of registration time and
 * memory in flight (heap profile, docs/synth-performance.md).
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

interface Debuggable {
    debugPromiseLeaks: boolean;
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as Debuggable;

/** True when promise stacks are skipped (PULUMI_DEBUG_PROMISE_LEAKS unset). */
export const promiseStacksSkipped = !debuggable.debugPromiseLeaks;

if (promiseStacksSkipped && !(debuggable.debuggablePromise as { stackless?: boolean }).stackless) {
    const original = debuggable.debuggablePromise;
    const stackless = <T>(p: Promise<T>, ctx: unknown): Promise<T> => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    (stackless as { stackless?: boolean }).stackless = true;
    debuggable.debuggablePromise = stackless;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const resourceModule = require("@pulumi/pulumi/resource") as { Resource: { callsites(): unknown[] } };

/** True when resource constructors skip capturing their call stack (always, offline). */
export const callsitesSkipped = true;
resourceModule.Resource.callsites = () => [];
