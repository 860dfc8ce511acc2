// Before anything loads @pulumi/pulumi: defer the SDK's function serialisation (start-up).
import { structRoundTrip } from "./sdk-tuning";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { deserializeProperties, serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { FakeIdentity, fakeIdentity, fakeInvoke, fakeResourceState } from "./fake-state";
import { ResourceRecord, toInventoryValue } from "./inventory";
import { projectRoot, readStackConfig, StackConfig } from "./stack-files";

/*
 * Runs the real program (src/index.ts) under Pulumi's mock monitor and records every resource
 * registration. The SDK's public `setMocks` hides what the engine would see (parent, dependencies,
 * protect, provider), so we install a MockMonitor subclass with `setMockOptions` and reach two
 * runtime internals: the feature flags `setMocks` sets on the store, and `waitForRPCs`, which
 * tells us that every registration has finished.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as { getStore(): Record<string, unknown> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const stackType = "pulumi:pulumi:Stack";
const programEntry = path.join(projectRoot, "src", "index.ts");
const programDir = path.join(projectRoot, "src") + path.sep;

/** The protobuf request the monitor receives (only the getters we use). */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean | undefined;
    getProvider(): string;
    getDependenciesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getIgnorechangesList(): string[];
    getRetainondelete(): boolean | undefined;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface OutputsRequest {
    getUrn(): string;
    getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback = (err: unknown, resp?: unknown) => void;

class RecordingMonitor extends MockMonitor {
    readonly records: ResourceRecord[] = [];
    readonly options: Record<string, ResourceOptions> = {};
    /** The stock monitor's table of registered resources (URN → id and serialized state). */
    declare readonly resources: Map<string, { urn: string; id: string | null; state: unknown }>;

    constructor(
        private readonly region: string,
        private readonly identity: FakeIdentity,
        /** Called as each registration request arrives, with the number received so far. */
        private readonly onRegistration: (received: number) => void = () => {},
    ) {
        super({
            newResource: (args) =>
                fakeResourceState(args.type, args.name, args.inputs as Record<string, unknown>, region, identity.accountId),
            call: (args) => fakeInvoke(args.token, region, identity),
        });
        // The base class computes URNs in a private method; ours must agree with it everywhere.
        (this as unknown as { newUrn: RecordingMonitor["urnFor"] }).newUrn = (p, t, n) => this.urnFor(p, t, n);
    }

    /** Real URNs leave the root stack's type out of the parent chain; the stock mock does not. */
    urnFor(parent: string, type: string, name: string): string {
        const parentType = parent ? parent.split("::")[2] : "";
        const qualified = parentType && parentType !== stackType ? `${parentType.split("$").pop()}$${type}` : type;
        return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
    }

    /** The root stack's outputs as the engine receives them: secrets still marked. */
    stackOutputs?: Record<string, unknown>;

    registerResourceOutputs(req: OutputsRequest, callback: Callback): void {
        if (req.getUrn().split("::")[2] === stackType) {
            this.stackOutputs = toInventoryValue(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
        }
        const base = MockMonitor.prototype as unknown as { registerResourceOutputs(r: OutputsRequest, cb: Callback): void };
        base.registerResourceOutputs.call(this, req, callback);
    }

    /**
     * The stock MockMonitor.registerResource, minus its protobuf round trips: it converts the
     * request's Struct to JavaScript twice (ours and its own) and builds a Struct of the state that
     * the SDK at once turns back into JavaScript. Here the request is converted once and the
     * response carries the state as {@link structRoundTrip} of it, the value a Struct round trip
     * gives (keys sorted, as jspb's Map iterates), without the protobuf objects. The awaits are the
     * stock method's, so registrations finish in the same order (resources.json is unchanged).
     */
    async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
        const provider = req.getProvider();
        const object = req.getObject()?.toJavaScript() ?? {};
        const urn = this.urnFor(req.getParent(), req.getType(), req.getName());
        this.onRegistration(this.records.length + 1);
        this.records.push({
            urn,
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || null,
            dependsOn: [...new Set(req.getDependenciesList())].sort(),
            // A provider reference is `<urn>::<id>`; the inventory keeps the URN.
            provider: provider ? provider.slice(0, provider.lastIndexOf("::")) : null,
            custom: req.getCustom(),
            protect: req.getProtect() ?? false,
            inputs: toInventoryValue(object) as Record<string, unknown>,
        });
        this.options[urn] = {
            ignoreChanges: req.getIgnorechangesList(),
            retainOnDelete: req.getRetainondelete() ?? false,
        };
        const secretOutputs = req.getAdditionalsecretoutputsList();
        try {
            const inputs = deserializeProperties({ toJavaScript: () => object } as Parameters<typeof deserializeProperties>[0]) as Record<
                string,
                unknown
            >;
            const result = await fakeResourceState(req.getType(), req.getName(), inputs, this.region, this.identity.accountId);
            // The engine marks additionalSecretOutputs secret; the stock mock does not.
            for (const key of secretOutputs) {
                if (result.state[key] !== undefined) result.state[key] = pulumi.secret(result.state[key]);
            }
            const state = (await serializeProperties("", result.state)) as Record<string, unknown>;
            this.resources.set(urn, { urn, id: result.id ?? null, state });
            callback(null, {
                getUrn: () => urn,
                getId: () => result.id || "",
                getObject: () => ({ toJavaScript: () => structRoundTrip(state) }),
                getPropertydependenciesMap: () => undefined,
                getResult: () => 0, // Result.SUCCESS
            });
        } catch (err) {
            callback(err, undefined);
        }
    }
}

/** Resource options the engine receives that `resources.json` does not carry. */
export interface ResourceOptions {
    ignoreChanges: string[];
    retainOnDelete: boolean;
}

/** What one offline run of the program produced. */
export interface StackRun {
    stack: string;
    /** Every resource the program registered, in registration order (the root stack excluded). */
    resources: ResourceRecord[];
    /** Further options per resource URN (ignoreChanges, retainOnDelete), for tests. */
    options: Record<string, ResourceOptions>;
    /** The stack outputs, resolved, secrets as "[secret]"; undefined when the program failed. */
    outputs?: Record<string, unknown>;
    /** The program's error (for example a ConfigError), if it failed. */
    error?: Error;
}

export interface RunOptions {
    /** Replace or remove (undefined) config keys after the stack files are read. Full keys. */
    overrides?: Record<string, string | undefined>;
    /** Render as this IAM role (`--as`): the caller `aws.getCallerIdentity` returns is a session of it. */
    as?: string;
    /**
     * Called at each {@link RunPhase} of the run with the number of registration requests received
     * so far (`npm run heap` measures the live heap there). A failing program skips "program returned".
     */
    onPhase?: (phase: RunPhase, registrations: number) => void;
}

/**
 * The phases of a run: "program returned" (every resource constructed, every registration in
 * flight, none at the monitor yet: the microtask queue advances them in step); "registration", as
 * each registration request reaches the monitor (where `npm run heap` samples the live heap, whose
 * peak falls among them); "registrations done".
 */
export type RunPhase = "program returned" | "registration" | "registrations done";

/**
 * Runs the program for one stack with its real `Pulumi.yaml` defaults and `Pulumi.<stack>.yaml`.
 * Each run loads a fresh copy of `src/` so that any number of stacks can run in one process.
 */
export async function runStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
    // The Pulumi runtime is process-global: runs take turns, whoever asks for them at once.
    const previous = queue;
    let release = () => {};
    queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
        return await runOnce(stack, options);
    } finally {
        release();
    }
}

let queue: Promise<void> = Promise.resolve();

async function runOnce(stack: string, options: RunOptions): Promise<StackRun> {
    const { config, secretKeys } = withOverrides(readStackConfig(stack), options.overrides ?? {});
    const region = config["aws:region"] ?? "us-east-1";
    const onPhase = options.onPhase ?? (() => {});
    const monitor = new RecordingMonitor(region, fakeIdentity(config, options.as), (received) => onPhase("registration", received));
    pulumi.runtime.setMockOptions(monitor, "ml-platform", stack, false);
    Object.assign(runtimeState.getStore(), {
        supportsSecrets: true,
        supportsResourceReferences: true,
        supportsOutputValues: false,
        supportsDeletedWith: true,
        supportsAliasSpecs: true,
        supportsTransforms: false,
    });
    pulumi.runtime.setAllConfig(config, secretKeys);
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(programDir) && !key.includes(`${path.sep}synth${path.sep}`)) delete require.cache[key];
    }

    // A failing program also rejects promises inside the root stack resource that nobody awaits;
    // the real language host absorbs them, so we do too, and report the first as the run's error.
    const rejections: unknown[] = [];
    const absorb = (reason: unknown) => rejections.push(reason);
    const others = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", absorb);
    let error: Error | undefined;
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program = require(programEntry);
            onPhase("program returned", monitor.records.length);
            return program;
        });
    } catch (e) {
        error = toError(e);
    }
    await runtimeSettings.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
    onPhase("registrations done", monitor.records.length);
    process.off("unhandledRejection", absorb);
    others.forEach((listener) => process.on("unhandledRejection", listener));
    error ??= rejections.length > 0 ? toError(rejections[0]) : undefined;
    const resources = monitor.records
        .filter((r) => r.type !== stackType)
        .map((r) => ({ ...r, parent: isStack(r.parent) ? null : r.parent }));
    return { stack, resources, options: monitor.options, outputs: error ? undefined : monitor.stackOutputs, error };
}

function toError(e: unknown): Error {
    return e instanceof Error ? e : new Error(String(e));
}

function isStack(urn: string | null): boolean {
    return urn !== null && urn.split("::")[2] === stackType;
}

function withOverrides(base: StackConfig, overrides: Record<string, string | undefined>): StackConfig {
    const config = { ...base.config };
    for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) delete config[key];
        else config[key] = value;
    }
    return { config, secretKeys: base.secretKeys.filter((k) => k in config) };
}
