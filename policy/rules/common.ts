/* eslint-disable @typescript-eslint/no-explicit-any -- rules read untyped JSON from the engine */
import type {
    PolicyConfigSchema,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";

/**
 * The small vocabulary every rule is written in. Rules only import *types* from `@pulumi/policy`,
 * so tests can load them without the pack (whose constructor starts a gRPC server), and the pack
 * needs no provider SDK at run time: resources are matched by their Pulumi type token.
 */

type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

/** Resource inputs (or, in stack rules, outputs) as the engine hands them over: untyped JSON. */
export type Props = Record<string, any>;

/** Security findings block a deployment; recommendations are reported and let it proceed. */
export type Level = "mandatory" | "advisory";

/** What every rule declares about itself; the README table and the coverage tests read it. */
export interface RuleMeta {
    /** Stable id, the policy name in the pack and in `--policy-pack-config` files. Never rename one. */
    id: string;
    level: Level;
    /** Public sources the rule encodes: CIS EKS/K8s sections, checkov ids, Security Hub controls, PSS. */
    sources: string[];
    /** Numbers of the checks in SECURITY.md the rule encodes. */
    items: number[];
    /** What must hold, in one sentence. */
    summary: string;
}

/** A config property of a rule, with the default that applies when a stack passes no config. */
export type ConfigProperty<T> = PolicyConfigJSONSchema & { default: T; description: string };
export type ConfigSpec<C> = { [K in keyof C]: ConfigProperty<C[K]> };

/** A rule of this pack: a Pulumi policy plus the metadata above. */
export type PlatformPolicy = (ResourceValidationPolicy | StackValidationPolicy) & {
    name: string;
    description: string;
    enforcementLevel: Level;
    sources: readonly string[];
    items: readonly number[];
    /** Config values when the stack passes none: the strictest (production) posture. */
    configDefaults: Readonly<Record<string, unknown>>;
};

export interface ResourceContext<C> {
    type: string;
    name: string;
    urn: string;
    opts: PolicyResourceOptions;
    /** Inputs of the resource's explicit provider ({} for the default provider). */
    provider: Props;
    config: C;
    report(message: string): void;
}

export interface StackContext<C> {
    config: C;
    /** Reports a violation, naming the offending resource where there is one. */
    report(message: string, resource?: PolicyResource): void;
}

function descriptionOf(meta: RuleMeta): string {
    return `${meta.summary} Source: ${meta.sources.join(", ")}.`;
}

function configOf<C>(spec: ConfigSpec<C> | undefined): {
    schema?: StackValidationPolicy["configSchema"];
    defaults: Record<string, unknown>;
} {
    if (!spec) return { defaults: {} };
    const entries = Object.entries(spec) as [string, ConfigProperty<unknown>][];
    return {
        schema: { properties: Object.fromEntries(entries) as Record<string, PolicyConfigJSONSchema> },
        defaults: Object.fromEntries(entries.map(([k, v]) => [k, v.default])),
    };
}

/** Config as a rule sees it: its defaults, overridden by what the stack passed. */
function merged<C>(defaults: Record<string, unknown>, given: object): C {
    return { ...defaults, ...given } as C;
}

/** What every rule shares: its identity, enforcement, sources and config schema with defaults. */
function policyBase<C extends object>(meta: RuleMeta & { config?: ConfigSpec<C> }) {
    const { schema, defaults } = configOf(meta.config);
    const base = {
        name: meta.id,
        description: descriptionOf(meta),
        enforcementLevel: meta.level,
        sources: meta.sources,
        items: meta.items,
        configDefaults: defaults,
        ...(schema ? { configSchema: schema } : {}),
    };
    return { defaults, base };
}

/** A rule that checks each resource of the listed types on its own. */
export function resourceRule<C extends object = Record<string, never>>(
    meta: RuleMeta & {
        /** Type tokens the rule applies to, or a predicate over them. */
        types: string[] | ((type: string) => boolean);
        config?: ConfigSpec<C>;
        check(props: Props, ctx: ResourceContext<C>): void;
    },
): PlatformPolicy {
    const { defaults, base } = policyBase(meta);
    return {
        ...base,
        validateResource: (args, report) => {
            const applies = typeof meta.types === "function" ? meta.types(args.type) : meta.types.includes(args.type);
            if (!applies) return;
            const config = merged<C>(defaults, args.getConfig<object>());
            meta.check(args.props ?? {}, {
                type: args.type,
                name: args.name,
                urn: args.urn,
                opts: args.opts,
                provider: args.provider?.props ?? {},
                config,
                report: (m) => report(m),
            });
        },
    };
}

/** A rule over the whole stack: relations between resources, or something that must exist. */
export function stackRule<C extends object = Record<string, never>>(
    meta: RuleMeta & { config?: ConfigSpec<C>; check(resources: PolicyResource[], ctx: StackContext<C>): void },
): PlatformPolicy {
    const { defaults, base } = policyBase(meta);
    return {
        ...base,
        validateStack: (args, report) => {
            const config = merged<C>(defaults, args.getConfig<object>());
            meta.check(args.resources, { config, report: (m, r) => (r ? report(m, r.urn) : report(m)) });
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Plain-data helpers

/** The value at a dotted path, or undefined. */
export function get(value: unknown, path: string): any {
    let current: any = value;
    for (const key of path.split(".")) {
        if (current === null || typeof current !== "object") return undefined;
        current = current[key];
    }
    return current;
}

/** Absent → [], a single value → [value], a list → itself. */
export function list<T = any>(value: unknown): T[] {
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]) as T[];
}

/** True for `true` and `"true"` (the AWS provider types several flags as strings). */
export function isTrue(value: unknown): boolean {
    return value === true || value === "true";
}

/** A JSON document given as a string or already as an object; undefined when unreadable (a secret, an unknown). */
export function json(value: unknown): any {
    if (typeof value === "string") {
        try {
            return JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    return value !== null && typeof value === "object" ? value : undefined;
}

/** Resources of the given types. */
export function ofTypes(resources: PolicyResource[], ...types: string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}

/** True when `resource` depends on `target`, directly or through one of its properties. */
export function dependsOn(resource: PolicyResource, target: PolicyResource): boolean {
    const direct = (resource.dependencies ?? []).some((d) => d.urn === target.urn);
    return direct || Object.values(resource.propertyDependencies ?? {}).some((deps) => deps.some((d) => d.urn === target.urn));
}

/** The resources of the given types that `resource` depends on. */
export function dependenciesOfType(resource: PolicyResource, all: PolicyResource[], ...types: string[]): PolicyResource[] {
    return ofTypes(all, ...types).filter((candidate) => dependsOn(resource, candidate));
}

/** A short label for messages: `type name`. */
export function label(r: { type: string; name: string }): string {
    return `${r.type.split(":").pop()} "${r.name}"`;
}

// ---------------------------------------------------------------------------------------------
// IPv4 CIDRs

function parseCidr(cidr: string): { base: number; bits: number } | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const bits = Number(m[5]);
    if (octets.some((o) => o > 255) || bits > 32) return undefined;
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - bits);
    return { base: address - (address % size), bits };
}

/** True when `inner` lies within `outer` (both IPv4 CIDRs). */
export function cidrWithin(inner: string, outer: string): boolean {
    const a = parseCidr(inner);
    const b = parseCidr(outer);
    if (!a || !b || a.bits < b.bits) return false;
    const size = 2 ** (32 - b.bits);
    return a.base - (a.base % size) === b.base;
}

/** The internet: any address, IPv4 or IPv6. */
export function isAnywhere(cidr: unknown): boolean {
    return cidr === "0.0.0.0/0" || cidr === "::/0";
}
