import { countByType, ofType, ResourceRecord } from "./inventory";

/** A node pool as the inventory shows it. */
export interface PoolSummary {
    name: string;
    instanceTypes: string[];
    minSize: number;
    maxSize: number;
    gpu: boolean;
    /** Who provisions it: an EKS managed node group, or a Karpenter NodePool (then min 0, max its limit). */
    provisioner?: "managed" | "karpenter";
    /** Karpenter pools: the NodePool's limit, disruption and node class, in words. */
    karpenter?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Karpenter NodePools read back from an inventory, each with its EC2NodeClass summarised. */
export function karpenterPools(resources: readonly ResourceRecord[]): PoolSummary[] {
    const classes = ofType(resources, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass");
    return ofType(resources, "kubernetes:karpenter.sh/v1:NodePool").map((r) => {
        const spec = r.inputs.spec as Json;
        const name = String((r.inputs.metadata as Json)?.name ?? r.name);
        const req = (key: string) => (spec.template.spec.requirements as Json[]).find((x) => x.key === key)?.values ?? [];
        const limits = spec.limits ?? {};
        const cap = limits["nvidia.com/gpu"] !== undefined ? `${limits["nvidia.com/gpu"]} GPU` : `${limits.cpu} vCPU`;
        const nc = classes.find((c) => (c.inputs.metadata as Json)?.name === spec.template.spec.nodeClassRef.name)?.inputs.spec as Json;
        const d = spec.disruption ?? {};
        const labels = spec.template.metadata?.labels ?? {};
        const efa = (nc?.networkInterfaces ?? []).filter((n: Json) => n.interfaceType === "efa-only").length;
        const parts = [
            `Karpenter ≤ ${cap}`,
            `${d.consolidationPolicy} after ${d.consolidateAfter}, budget ${d.budgets?.[0]?.nodes}, expire ${spec.template.spec.expireAfter}`,
            `${req("karpenter.sh/capacity-type").join("/")}`,
            nc
                ? `${nc.amiSelectorTerms?.[0]?.alias}, IMDSv2 hop ${nc.metadataOptions?.httpPutResponseHopLimit}, ${nc.blockDeviceMappings?.[0]?.ebs?.volumeSize} gp3 encrypted`
                : "no node class",
            ...(labels["nvidia.com/device-plugin.config"]
                ? [`GPU sharing (device plugin config ${labels["nvidia.com/device-plugin.config"]})`]
                : []),
            ...(efa > 0 ? [`EFA × ${efa}`] : []),
            `taints ${(spec.template.spec.taints ?? []).map((t: Json) => `${t.key}=${t.value}:${t.effect}`).join(", ") || "none"}`,
        ];
        return {
            name,
            instanceTypes: req("node.kubernetes.io/instance-type"),
            minSize: 0,
            maxSize: 0,
            gpu: limits["nvidia.com/gpu"] !== undefined,
            provisioner: "karpenter" as const,
            karpenter: parts.join("; "),
        };
    });
}

/** Node pools read back from an inventory: the EKS node groups, then the Karpenter NodePools. */
export function nodePools(resources: readonly ResourceRecord[]): PoolSummary[] {
    return [...managedPools(resources), ...karpenterPools(resources)];
}

function managedPools(resources: readonly ResourceRecord[]): PoolSummary[] {
    return ofType(resources, "aws:eks/nodeGroup:NodeGroup").map((r) => {
        const scaling = r.inputs.scalingConfig as { minSize: number; maxSize: number };
        return {
            name: String((r.inputs.labels as Record<string, string> | undefined)?.["platform.company.io/pool"] ?? r.name),
            instanceTypes: (r.inputs.instanceTypes as string[]) ?? [],
            minSize: scaling.minSize,
            maxSize: scaling.maxSize,
            gpu: String(r.inputs.amiType ?? "").includes("NVIDIA"),
            provisioner: "managed" as const,
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
        const size = p.karpenter ?? `${p.minSize}-${p.maxSize} nodes`;
        lines.push(`  ${p.name.padEnd(10)} ${p.instanceTypes.join(",").padEnd(24)} ${size}${p.gpu ? "  GPU" : ""}`);
    }
    const ns = namespaces(resources);
    lines.push("", `Namespaces (${ns.length}): ${ns.join(", ") || "none"}`);
    return lines.join("\n");
}
