/**
 * The inventory: one record per registered resource, as written to `resources.json`, plus the
 * pure helpers that query and summarise it (shared by synth, tests and reports).
 */

import { isDeepStrictEqual } from "node:util";

/** One registered resource, exactly the keys of `resources.json`. */
export interface ResourceRecord {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent resource; null for top-level resources. */
    parent: string | null;
    /** URNs this resource waits for (explicit dependsOn and those implied by its inputs). */
    dependsOn: string[];
    /** URN of the explicit provider, or null for the default provider. */
    provider: string | null;
    custom: boolean;
    protect: boolean;
    /** Inputs as sent to the engine, secrets replaced by "[secret]". */
    inputs: Record<string, unknown>;
}

export const secretPlaceholder = "[secret]";
export const unknownPlaceholder = "[unknown]";

// Signatures of Pulumi's serialized special values (sdk/nodejs/runtime/rpc.ts).
const specialSig = "4dabf18193072939515e22adb298388d";
const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const resourceSig = "5cf8f73096256a8f31e491e813e4eb8e";
const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Turns a serialized property value into plain JSON: secrets become "[secret]" (whatever they
 * wrap), unknowns "[unknown]", resource references their URN.
 */
export function toInventoryValue(value: unknown): unknown {
    if (value === unknownValue) return unknownPlaceholder;
    if (Array.isArray(value)) return value.map(toInventoryValue);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (record[specialSig] === secretSig) return secretPlaceholder;
    if (record[specialSig] === resourceSig) return record.urn;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toInventoryValue(v)]));
}

/**
 * The text of `resources.json`, `JSON.stringify(resources, null, 2) + "\n"`, in pieces of one
 * record each, so that writing an inventory never holds it as one string: at prod+100 that string
 * is 11 MB, and the write copies it into a Buffer, at the end of a run whose heap V8 has already
 * grown (`npm run synth` peaked 40 MiB higher there; docs/synth-performance.md, fifth pass).
 */
export function* inventoryJson(resources: readonly ResourceRecord[]): Generator<string> {
    if (resources.length === 0) {
        yield "[]\n";
        return;
    }
    yield "[\n";
    for (const [i, record] of resources.entries()) {
        // JSON.stringify escapes a newline inside a string, so every "\n" here is indentation's.
        yield `  ${JSON.stringify(record, null, 2).replace(/\n/g, "\n  ")}${i < resources.length - 1 ? "," : ""}\n`;
    }
    yield "]\n";
}

/** Resources of one type, in registration order. */
export function ofType(resources: readonly ResourceRecord[], type: string): ResourceRecord[] {
    return resources.filter((r) => r.type === type);
}

/** The single resource with this type and name; throws with the candidates when absent. */
export function findResource(resources: readonly ResourceRecord[], type: string, name: string): ResourceRecord {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) {
        const names = ofType(resources, type).map((r) => r.name);
        throw new Error(`no ${type} named ${name}; present: ${names.join(", ") || "none"}`);
    }
    return found;
}

/** `type::name` of every resource, sorted: the identity snapshot that guards against renames. */
export function identities(resources: readonly ResourceRecord[]): string[] {
    return resources.map((r) => `${r.type}::${r.name}`).sort();
}

/** Resource counts by type, most frequent first, then by name. */
export function countByType(resources: readonly ResourceRecord[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** How two inventories of one stack differ, field by field (see {@link inventoryDifferences}). */
export interface InventoryDifferences {
    /** URNs only in the second inventory, and only in the first. */
    added: string[];
    removed: string[];
    /** True when the resources both hold were registered in the same relative order. */
    sameOrder: boolean;
    /** Per `ResourceRecord` key: how many resources held by both differ in it, by deep equality. */
    changedFields: Record<string, number>;
    /** `dependsOn` entries added and removed over all resources held by both. */
    dependsOn: { added: number; removed: number };
}

/**
 * Compares two inventories of the same stack (for example two commits' `resources.json`):
 * resources matched by URN; empty `added`, `removed` and `changedFields` with `sameOrder` mean
 * identical content. Used by `npm run bench` to say what a non-identical inventory changed.
 */
export function inventoryDifferences(before: readonly ResourceRecord[], after: readonly ResourceRecord[]): InventoryDifferences {
    const old = new Map(before.map((r) => [r.urn, r]));
    const now = new Map(after.map((r) => [r.urn, r]));
    const shared = after.filter((r) => old.has(r.urn)).map((r) => r.urn);
    const changedFields: Record<string, number> = {};
    const dependsOn = { added: 0, removed: 0 };
    for (const urn of shared) {
        const [a, b] = [old.get(urn)!, now.get(urn)!];
        for (const key of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ResourceRecord>) {
            if (!isDeepStrictEqual(a[key], b[key])) changedFields[key] = (changedFields[key] ?? 0) + 1;
        }
        dependsOn.added += b.dependsOn.filter((d) => !a.dependsOn.includes(d)).length;
        dependsOn.removed += a.dependsOn.filter((d) => !b.dependsOn.includes(d)).length;
    }
    return {
        added: after.filter((r) => !old.has(r.urn)).map((r) => r.urn),
        removed: before.filter((r) => !now.has(r.urn)).map((r) => r.urn),
        sameOrder: isDeepStrictEqual(
            before.filter((r) => now.has(r.urn)).map((r) => r.urn),
            shared,
        ),
        changedFields,
        dependsOn,
    };
}
