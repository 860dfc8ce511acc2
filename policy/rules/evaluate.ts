import type {
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";
import type { Level, PlatformPolicy } from "./common";

/**
 * Runs the pack's rules offline, the way the engine would call them, over resources recorded by
 * the offline synth (src/synth/inventory.ts) or written as test fixtures. No PolicyPack is built:
 * its constructor starts a gRPC server and the process would never exit.
 */

/** A resource as the offline inventory records it: inputs, options and relations by URN. */
export interface InventoryResource {
    urn: string;
    type: string;
    name: string;
    parent?: string | null;
    dependsOn?: string[];
    /** URN of the explicit provider resource, if any. */
    provider?: string | null;
    protect?: boolean;
    inputs: Record<string, unknown>;
}

/** What `--policy-pack-config` holds: per policy, its config and optionally an enforcement level. */
export type PackConfig = Record<string, Record<string, unknown>>;

export interface Finding {
    policy: string;
    level: Level;
    message: string;
    /** The resource the finding is about; undefined for a stack-wide finding. */
    urn?: string;
}

class NotApplicable extends Error {}

function options(r: InventoryResource): PolicyResourceOptions {
    return {
        protect: r.protect ?? false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        parent: r.parent ?? undefined,
    };
}

type ResourceClass = { new (...args: never[]): unknown; __pulumiType?: string };
const isTypeOf = (type: string) => (cls: ResourceClass) => cls.__pulumiType === type;

function providerOf(r: InventoryResource, byUrn: Map<string, InventoryResource>): PolicyProviderResource | undefined {
    const p = r.provider ? byUrn.get(r.provider) : undefined;
    return p ? { type: p.type, props: p.inputs, urn: p.urn, name: p.name } : undefined;
}

/** What a resource rule and a stack rule both see of a resource: identity, inputs, options, provider, type tests. */
function resourceView(r: InventoryResource, byUrn: Map<string, InventoryResource>) {
    return {
        type: r.type,
        props: r.inputs,
        urn: r.urn,
        name: r.name,
        opts: options(r),
        provider: providerOf(r, byUrn),
        // The engine types these per argument kind; offline both are the same type test on the inputs.
        isType: isTypeOf(r.type) as PolicyResource["isType"] & ResourceValidationArgs["isType"],
        asType: ((cls: ResourceClass) => (isTypeOf(r.type)(cls) ? r.inputs : undefined)) as PolicyResource["asType"] &
            ResourceValidationArgs["asType"],
    };
}

/** The resources as a stack policy sees them, with parents and dependencies linked. */
export function policyResources(resources: InventoryResource[]): PolicyResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const linked = new Map<string, PolicyResource>();
    for (const r of resources) {
        linked.set(r.urn, { ...resourceView(r, byUrn), dependencies: [], propertyDependencies: {} });
    }
    for (const r of resources) {
        const self = linked.get(r.urn)!;
        self.parent = r.parent ? linked.get(r.parent) : undefined;
        self.dependencies = (r.dependsOn ?? []).map((u) => linked.get(u)).filter((d): d is PolicyResource => d !== undefined);
    }
    return [...linked.values()];
}

function levelOf(policy: PlatformPolicy, config: PackConfig): Level | "disabled" {
    return (config[policy.name]?.enforcementLevel as Level | "disabled" | undefined) ?? policy.enforcementLevel;
}

function configFor(policy: PlatformPolicy, config: PackConfig): <T extends object>() => T {
    const own = { ...(config[policy.name] ?? {}) };
    delete own.enforcementLevel;
    return <T extends object>() => own as T;
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/** Every finding of `policies` over `resources`, resource rules first, then stack rules. */
export async function evaluate(
    policies: readonly PlatformPolicy[],
    resources: InventoryResource[],
    config: PackConfig = {},
): Promise<Finding[]> {
    const findings: Finding[] = [];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    for (const policy of policies) {
        const level = levelOf(policy, config);
        if (level === "disabled") continue;
        const getConfig = configFor(policy, config);
        if ("validateResource" in policy && policy.validateResource) {
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            for (const r of resources) {
                const args: ResourceValidationArgs = { ...resourceView(r, byUrn), stackTags: new Map(), getConfig, notApplicable };
                for (const validate of validations) {
                    await guarded(() => validate(args, (message) => findings.push({ policy: policy.name, level, message, urn: r.urn })));
                }
            }
        }
        if ("validateStack" in policy && policy.validateStack) {
            const args: StackValidationArgs = { resources: policyResources(resources), stackTags: new Map(), getConfig, notApplicable };
            await guarded(() => policy.validateStack(args, (message, urn) => findings.push({ policy: policy.name, level, message, urn })));
        }
    }
    return findings;
}

async function guarded(run: () => Promise<void> | void): Promise<void> {
    try {
        await run();
    } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
    }
}

/** Options of a fabricated resource: relations are given as the resources themselves. */
export interface FixtureOptions {
    protect?: boolean;
    dependsOn?: InventoryResource[];
    parent?: InventoryResource;
    provider?: InventoryResource;
}

/** A fabricated resource for tests and examples, with a URN shaped like the engine's. */
export function fixture(type: string, name: string, inputs: Record<string, unknown>, opts: FixtureOptions = {}): InventoryResource {
    const qualified = opts.parent ? `${opts.parent.type}$${type}` : type;
    return {
        urn: `urn:pulumi:test::ml-platform::${qualified}::${name}`,
        type,
        name,
        parent: opts.parent?.urn ?? null,
        dependsOn: (opts.dependsOn ?? []).map((d) => d.urn),
        provider: opts.provider?.urn ?? null,
        protect: opts.protect ?? false,
        inputs,
    };
}

/** A compliant or violating fixture of one rule: the resources, and the rule's config if not its defaults. */
export interface RuleFixture {
    title: string;
    resources: InventoryResource[];
    config?: Record<string, unknown>;
}

/** Fixtures per rule id: compliant ones must raise no finding, violating ones a finding whose message matches. */
export type RuleCases = Record<string, { ok: RuleFixture[]; bad: (RuleFixture & { message: RegExp })[] }>;
