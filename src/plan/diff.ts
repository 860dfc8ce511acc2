import { ResourceRecord } from "../synth/inventory";
import { checkChange, checkDelete, Finding } from "./day2-checks";
import { pathMatches, replaceRuleFor, statefulReason } from "./replace-rules";

/**
 * What `pulumi up` would do to go from one plan (the base: what is deployed) to another (the
 * working tree), per resource URN, and whether that is safe. Pure: it compares two inventories,
 * so it is tested without git, the program or a cloud.
 */

/** One side of the comparison: an inventory and, for the working tree, the engine's ignoreChanges. */
export interface PlanSide {
    resources: readonly ResourceRecord[];
    /** ignoreChanges per URN (the working tree's options decide what an update sends). */
    ignoreChanges?: Readonly<Record<string, readonly string[]>>;
}

export type Operation = "create" | "update" | "replace" | "delete";

/** One resource that changes. */
export interface Change {
    urn: string;
    type: string;
    name: string;
    op: Operation;
    /** Input paths that differ (updates and replaces). */
    changed: string[];
    /** Paths that force the replacement, and the provider fact behind it. */
    replaceBecause?: { paths: string[]; source: string };
    /** What the resource holds, when replacing or deleting it loses data. */
    stateful?: string;
    /** Protected at the base: Pulumi refuses to replace or delete it. */
    protect: boolean;
    findings: Finding[];
    /** Dependency depth in the plan that performs it (0 = needs nothing): the order of the deploy. */
    depth: number;
}

/** The whole comparison. */
export interface PlanDiff {
    changes: Change[];
    unchanged: number;
    /** Changes that make the diff exit 2, with the reason in one line each. */
    blocked: { change: Change; reason: string }[];
}

/**
 * Compares two plans. A resource present only in the working tree is created, only at the base
 * deleted; otherwise the inputs are compared (minus the working tree's ignoreChanges) and a
 * difference under a replace-triggering path of its type ({@link replaceRuleFor}) is a replace.
 * Blocked: every rejected finding, and every replace or delete of a stateful or protected resource.
 */
export function diffPlans(base: PlanSide, head: PlanSide): PlanDiff {
    const before = new Map(base.resources.filter(tracked).map((r) => [r.urn, r]));
    const after = new Map(head.resources.filter(tracked).map((r) => [r.urn, r]));
    const headDepth = depths(head.resources);
    const baseDepth = depths(base.resources);
    const changes: Change[] = [];
    let unchanged = 0;
    for (const [urn, r] of after) {
        const old = before.get(urn);
        if (!old) {
            changes.push({ ...identity(r), op: "create", changed: [], protect: false, findings: [], depth: headDepth.get(urn) ?? 0 });
            continue;
        }
        const ignore = head.ignoreChanges?.[urn] ?? [];
        const changed = diffPaths(old.inputs, r.inputs).filter((p) => !ignore.some((i) => pathMatches(p, i)));
        if (changed.length === 0) {
            unchanged++;
            continue;
        }
        const rule = replaceRuleFor(r.type);
        const forcing = rule ? changed.filter((p) => rule.paths.some((rp) => pathMatches(p, rp))) : [];
        const replace = forcing.length > 0 || encryptionRemoved(old, r);
        const findings = checkChange({ base: old, head: r, ignoreChanges: ignore });
        changes.push({
            ...identity(r),
            op: replace ? "replace" : "update",
            changed,
            ...(replace ? { replaceBecause: { paths: forcing.length ? forcing : ["encryptionConfig"], source: rule?.source ?? "" } } : {}),
            ...(replace && statefulReason(old) ? { stateful: statefulReason(old) } : {}),
            protect: old.protect,
            findings,
            depth: headDepth.get(urn) ?? 0,
        });
    }
    cascadeReplacements(changes, before, after, headDepth);
    for (const [urn, r] of before) {
        if (after.has(urn)) continue;
        changes.push({
            ...identity(r),
            op: "delete",
            changed: [],
            ...(statefulReason(r) ? { stateful: statefulReason(r) } : {}),
            protect: r.protect,
            findings: checkDelete(r),
            // Deletes run last, dependents first.
            depth: Number.MAX_SAFE_INTEGER - (baseDepth.get(urn) ?? 0),
        });
    }
    changes.sort((a, b) => a.depth - b.depth || a.urn.localeCompare(b.urn));
    return { changes, unchanged, blocked: changes.flatMap(blockReasons) };
}

/**
 * A replaced resource gets a new id, and inputs that carried the old one change with it: where
 * that input forces replacement, the dependent is replaced too, and so on. The offline plans give
 * every resource the id `<name>-id`, so a dependent's inputs show which resource they came from.
 */
function cascadeReplacements(
    changes: Change[],
    before: Map<string, ResourceRecord>,
    after: Map<string, ResourceRecord>,
    depth: Map<string, number>,
): void {
    const byUrn = new Map(changes.map((c) => [c.urn, c]));
    let replaced = changes.filter((c) => c.op === "replace");
    while (replaced.length > 0) {
        const next: Change[] = [];
        for (const [urn, r] of after) {
            const old = before.get(urn);
            const existing = byUrn.get(urn);
            if (!old || existing?.op === "replace") continue;
            const rule = replaceRuleFor(r.type);
            if (!rule) continue;
            for (const cause of replaced) {
                const id = `${cause.name}-id`;
                const paths = leafPaths(r.inputs)
                    .filter(([p, v]) => v === id && rule.paths.some((rp) => pathMatches(p, rp)))
                    .map(([p]) => p);
                if (paths.length === 0) continue;
                const change: Change = {
                    ...identity(r),
                    op: "replace",
                    changed: existing?.changed ?? paths,
                    replaceBecause: { paths: paths.map((p) => `${p} (new id of ${cause.name})`), source: rule.source },
                    ...(statefulReason(old) ? { stateful: statefulReason(old) } : {}),
                    protect: old.protect,
                    findings: existing?.findings ?? [],
                    depth: depth.get(urn) ?? 0,
                };
                if (existing) Object.assign(existing, change);
                else {
                    changes.push(change);
                    byUrn.set(urn, change);
                }
                next.push(byUrn.get(urn)!);
                break;
            }
        }
        replaced = next;
    }
}

/** Every leaf of an input value with its path. */
function leafPaths(value: unknown, prefix = ""): [string, unknown][] {
    const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
    if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, join(String(i))));
    if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => leafPaths(v, join(k)));
    return [[prefix, value]];
}

function blockReasons(c: Change): { change: Change; reason: string }[] {
    const out = c.findings.filter((f) => f.severity === "rejected").map((f) => ({ change: c, reason: f.message }));
    if (c.op === "replace" || c.op === "delete") {
        const verb = c.op === "replace" ? `replaced (${c.replaceBecause?.paths.join(", ")} changed)` : "deleted";
        if (c.protect) out.push({ change: c, reason: `protected, so Pulumi refuses to have it ${verb}` });
        if (c.stateful) out.push({ change: c, reason: `would be ${verb}, losing ${c.stateful}` });
    }
    return out;
}

/** Resources the engine diffs: custom resources (components have no inputs of their own) except providers. */
function tracked(r: ResourceRecord): boolean {
    return r.custom && !r.type.startsWith("pulumi:providers:");
}

function identity(r: ResourceRecord): Pick<Change, "urn" | "type" | "name"> {
    return { urn: r.urn, type: r.type, name: r.name };
}

/** EKS replaces a cluster whose envelope encryption is removed (terraform-provider-aws eks/cluster.go, ForceNewIfChange). */
function encryptionRemoved(old: ResourceRecord, r: ResourceRecord): boolean {
    return r.type === "aws:eks/cluster:Cluster" && old.inputs.encryptionConfig !== undefined && r.inputs.encryptionConfig === undefined;
}

/** Leaf paths where two input values differ (`a.b.0.c`); a whole subtree added or removed is one path. */
export function diffPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
    if (Array.isArray(a) && Array.isArray(b)) {
        const out: string[] = [];
        for (let i = 0; i < Math.max(a.length, b.length); i++) {
            if (i >= a.length || i >= b.length) out.push(join(String(i)));
            else out.push(...diffPaths(a[i], b[i], join(String(i))));
        }
        return out;
    }
    if (isObject(a) && isObject(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        return keys.flatMap((k) => (k in a && k in b ? diffPaths(a[k], b[k], join(k)) : [join(k)]));
    }
    return [prefix];
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Longest chain of dependencies (dependsOn, parent, provider) below each resource: the engine's order. */
export function depths(resources: readonly ResourceRecord[]): Map<string, number> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const memo = new Map<string, number>();
    const visit = (urn: string, seen: Set<string>): number => {
        if (memo.has(urn)) return memo.get(urn)!;
        const r = byUrn.get(urn);
        if (!r || seen.has(urn)) return 0;
        seen.add(urn);
        const deps = [...r.dependsOn, ...(r.parent ? [r.parent] : []), ...(r.provider ? [r.provider] : [])];
        const d = deps.length ? 1 + Math.max(...deps.map((u) => visit(u, seen))) : 0;
        memo.set(urn, d);
        return d;
    };
    for (const r of resources) visit(r.urn, new Set());
    return memo;
}

/** `npm run diff`'s exit code: 2 when anything is blocked, else 0. */
export function exitCode(diff: PlanDiff): 0 | 2 {
    return diff.blocked.length > 0 ? 2 : 0;
}
