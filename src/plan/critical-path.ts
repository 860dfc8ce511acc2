import { ResourceRecord } from "../synth/inventory";

/**
 * Typical creation time in minutes per resource type: the documented basis of the critical path.
 * Figures from AWS and provider documentation and common experience: an EKS control plane takes
 * about 10 minutes, a managed node group 3–5, a NAT gateway 1–2, a Helm release waiting for its
 * pods about 2. Anything not listed is an API call of a few seconds.
 */
export const creationMinutes: Record<string, number> = {
    "aws:eks/cluster:Cluster": 10,
    "aws:eks/nodeGroup:NodeGroup": 4,
    "aws:eks/addon:Addon": 1.5,
    "aws:ec2/natGateway:NatGateway": 2,
    "aws:eks/accessEntry:AccessEntry": 0.2,
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 0.2,
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": 0.3,
    "aws:kms/key:Key": 0.2,
    "aws:iam/role:Role": 0.2,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 0.1,
    "kubernetes:helm.sh/v3:Release": 2,
    // Pulumi waits for a Job to complete: MinIO's user Job pulls the MinIO image and runs `mc admin`.
    "kubernetes:batch/v1:Job": 0.5,
};
const defaultMinutes = 0.05;

export interface CriticalPath {
    minutes: number;
    chain: { urn: string; type: string; name: string; minutes: number }[];
}

/** Minutes a resource takes to create: components and providers take none. */
export function weight(r: ResourceRecord): number {
    if (!r.custom || r.type.startsWith("pulumi:providers:")) return 0;
    return creationMinutes[r.type] ?? defaultMinutes;
}

/**
 * The longest path through the dependency graph (each resource starts when everything it depends
 * on is created), i.e. the least time a `pulumi up` from nothing can take with full parallelism.
 */
export function criticalPath(resources: readonly ResourceRecord[]): CriticalPath {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const finish = new Map<string, { minutes: number; via?: string }>();
    const visiting = new Set<string>();
    const finishOf = (urn: string): number => {
        const known = finish.get(urn);
        if (known) return known.minutes;
        if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
        visiting.add(urn);
        const r = byUrn.get(urn)!;
        let start = 0;
        let via: string | undefined;
        for (const dep of r.dependsOn.filter((d) => byUrn.has(d))) {
            const f = finishOf(dep);
            if (f > start) [start, via] = [f, dep];
        }
        visiting.delete(urn);
        finish.set(urn, { minutes: start + weight(r), via });
        return start + weight(r);
    };
    let last: string | undefined;
    for (const r of resources) if (last === undefined || finishOf(r.urn) > finishOf(last)) last = r.urn;
    const chain: CriticalPath["chain"] = [];
    for (let urn = last; urn !== undefined; urn = finish.get(urn)!.via) {
        const r = byUrn.get(urn)!;
        if (weight(r) > 0) chain.unshift({ urn, type: r.type, name: r.name, minutes: weight(r) });
    }
    return { minutes: last === undefined ? 0 : Math.round(finishOf(last) * 100) / 100, chain };
}
