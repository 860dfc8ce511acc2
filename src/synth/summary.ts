import { countByType, ofType, ResourceRecord } from "./inventory";

/** A node pool as the inventory shows it. */
export interface PoolSummary {
    name: string;
    instanceTypes: string[];
    minSize: number;
    maxSize: number;
    gpu: boolean;
}

/** Node pools read back from the EKS node groups in an inventory. */
export function nodePools(resources: readonly ResourceRecord[]): PoolSummary[] {
    return ofType(resources, "aws:eks/nodeGroup:NodeGroup").map((r) => {
        const scaling = r.inputs.scalingConfig as { minSize: number; maxSize: number };
        return {
            name: String((r.inputs.labels as Record<string, string> | undefined)?.["platform.company.io/pool"] ?? r.name),
            instanceTypes: (r.inputs.instanceTypes as string[]) ?? [],
            minSize: scaling.minSize,
            maxSize: scaling.maxSize,
            gpu: String(r.inputs.amiType ?? "").includes("NVIDIA"),
        };
    });
}

/** Names of the Kubernetes namespaces an inventory creates. */
export function namespaces(resources: readonly ResourceRecord[]): string[] {
    return ofType(resources, "kubernetes:core/v1:Namespace")
        .map((r) => String((r.inputs.metadata as { name?: string } | undefined)?.name ?? r.name))
        .sort();
}

/** The short, human summary synth prints. */
export function summarize(stack: string, resources: readonly ResourceRecord[]): string {
    const lines = [`Stack ${stack}: ${resources.length} resources`, "", "By type:"];
    for (const [type, n] of countByType(resources)) lines.push(`  ${String(n).padStart(4)}  ${type}`);
    const pools = nodePools(resources);
    lines.push("", `Node pools (${pools.length}):`);
    for (const p of pools) {
        lines.push(`  ${p.name.padEnd(10)} ${p.instanceTypes.join(",").padEnd(24)} ${p.minSize}-${p.maxSize} nodes${p.gpu ? "  GPU" : ""}`);
    }
    const ns = namespaces(resources);
    lines.push("", `Namespaces (${ns.length}): ${ns.join(", ") || "none"}`);
    return lines.join("\n");
}
