import { overlaps, parseCidr } from "../aws/cidr";
import {
    efaInterfaces,
    gpuInstanceFamilies,
    gpuTaint,
    isGpuInstanceType,
    instanceFamily,
    isMigCapable,
    migProfiles,
    shapeOf,
} from "./catalog";
import { regionPrices, spotDiscount, unpricedTypes } from "./prices";
import { limitRules } from "./rules-limits";
import { ParsedConfig, Tier } from "./schema";

/** One configuration problem: where it is, what was found, and the rule it breaks. */
export interface ConfigProblem {
    /** Dotted path below the config namespace, e.g. `nodePools.gpu.minSize`. */
    path: string;
    value: unknown;
    rule: string;
}

type Rule = (c: ParsedConfig) => ConfigProblem[];

const problem = (path: string, value: unknown, rule: string): ConfigProblem => ({ path, value, rule });
const atLeast = (order: Tier, tier: Tier) => tierRank[tier] >= tierRank[order];
const tierRank: Record<Tier, number> = { development: 0, staging: 1, production: 2 };

/**
 * Node pools: sizes (managed) or limits (Karpenter) are consistent, GPU pools are really GPU pools
 * and vice versa, every type has a price in the region, sharing and EFA only where the hardware can.
 */
const nodePoolRules: Rule = (c) =>
    Object.entries(c.nodePools).flatMap(([name, p]) => {
        const at = `nodePools.${name}`;
        const out: ConfigProblem[] = [];
        out.push(...sizeRules(at, p));
        const cpuTypes = p.instanceTypes.filter((t) => !isGpuInstanceType(t));
        if (p.gpu && cpuTypes.length > 0) {
            const families = [...new Set(cpuTypes.map(instanceFamily))].join(", ");
            out.push(
                problem(
                    `${at}.instanceTypes`,
                    p.instanceTypes,
                    `a GPU pool needs NVIDIA GPU instance families (${gpuInstanceFamilies.join(", ")}); not ${families}`,
                ),
            );
        }
        if (!p.gpu && cpuTypes.length < p.instanceTypes.length) {
            out.push(
                problem(
                    `${at}.instanceTypes`,
                    p.instanceTypes,
                    "GPU instance types belong in a pool with gpu: true (NVIDIA AMI and GPU taint)",
                ),
            );
        }
        const hasGpuTaint = p.taints.some((t) => t.key === gpuTaint.key && t.value === gpuTaint.value && t.effect === gpuTaint.effect);
        if (p.gpu && !hasGpuTaint) {
            out.push(
                problem(`${at}.taints`, p.taints, `a GPU pool must carry the taint ${gpuTaint.key}=${gpuTaint.value}:${gpuTaint.effect}`),
            );
        }
        const unpriced = unpricedTypes(c.region, p.instanceTypes);
        if (unpriced.length > 0) {
            out.push(
                problem(
                    `${at}.instanceTypes`,
                    unpriced,
                    `no on-demand price in ${c.region} (src/config/prices.ts): add the figure from the AWS price list, or use another type`,
                ),
            );
        }
        const noSpot = [...new Set(p.instanceTypes.map(instanceFamily))].filter((f) => spotDiscount.byFamily[f] === undefined);
        if (p.capacityType === "SPOT" && noSpot.length > 0) {
            out.push(
                problem(`${at}.capacityType`, "SPOT", `no spot discount for ${noSpot.join(", ")} (src/config/prices.ts spotDiscount)`),
            );
        }
        out.push(...sharingRules(at, p), ...efaRules(at, p));
        return out;
    });

/**
 * Node pools ask only for instance types offered in the stack's region, where we know
 * (`notOffered` in src/config/prices.ts, read from the dated source named there): EKS would
 * refuse the node group at create time, after the cluster is up. Regions without a price table
 * are not judged here (the cost estimate names them).
 */
const offeredInRegion: Rule = (c) =>
    Object.entries(c.nodePools).flatMap(([name, p]) => {
        const notOffered = (regionPrices[c.region]?.notOffered ?? []) as readonly string[];
        const missing = p.instanceTypes.filter((t) => notOffered.includes(t));
        return missing.length === 0
            ? []
            : [
                  problem(
                      `nodePools.${name}.instanceTypes`,
                      p.instanceTypes,
                      `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not offered in ${c.region} ` +
                          `(no zone there lists ${missing.length === 1 ? "it" : "them"}; src/config/prices.ts)`,
                  ),
              ];
    });

type Pool = ParsedConfig["nodePools"][string];

/**
 * The `nvidia.com/gpu` a pool can advertise at its cap — the unit `requests.nvidia.com/gpu` quotas
 * count: physical GPUs (Karpenter: limits.gpus; managed: maxSize × the most GPUs a type has) times
 * the time-slicing replicas, or times the MIG instances one GPU yields for the profile.
 */
export function advertisedGpus(p: Pool): number {
    if (!p.gpu) return 0;
    const physical =
        p.provisioner === "karpenter" ? (p.limits?.gpus ?? 0) : (p.maxSize ?? 0) * Math.max(...p.instanceTypes.map((t) => shapeOf(t).gpus));
    const s = p.gpuSharing;
    if (s.mode === "time-slicing") return physical * s.replicas;
    if (s.mode === "mig") {
        const model = shapeOf(p.instanceTypes[0]).gpu?.model as keyof typeof migProfiles;
        return physical * (migProfiles[model]?.[s.profile] ?? 1);
    }
    return physical;
}

/** Managed pools are sized by minSize/maxSize; Karpenter pools by limits (which replace maxSize). */
function sizeRules(at: string, p: Pool): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    if (p.provisioner === "managed") {
        if (p.minSize === undefined) out.push(problem(`${at}.minSize`, undefined, "is required for a managed node group"));
        if (p.maxSize === undefined) out.push(problem(`${at}.maxSize`, undefined, "is required for a managed node group"));
        if (p.minSize !== undefined && p.maxSize !== undefined && p.minSize > p.maxSize)
            out.push(problem(`${at}.minSize`, p.minSize, `must be ≤ maxSize (${p.maxSize})`));
        const [min, max] = [p.minSize ?? 0, p.maxSize ?? 0];
        if (p.desiredSize !== undefined && (p.desiredSize < min || p.desiredSize > max)) {
            out.push(problem(`${at}.desiredSize`, p.desiredSize, `must be between minSize (${min}) and maxSize (${max})`));
        }
        for (const key of ["limits", "disruption"] as const) {
            if (p[key] !== undefined) out.push(problem(`${at}.${key}`, p[key], "applies to provisioner: karpenter only"));
        }
        if (p.efa) out.push(problem(`${at}.efa`, true, "EFA is configured on Karpenter pools (provisioner: karpenter)"));
        return out;
    }
    for (const key of ["minSize", "maxSize", "desiredSize"] as const) {
        if (p[key] !== undefined) {
            out.push(problem(`${at}.${key}`, p[key], "a Karpenter pool is capped by limits (gpus, vcpus), not by node counts"));
        }
    }
    if (p.gpu && p.limits?.gpus === undefined)
        out.push(problem(`${at}.limits.gpus`, undefined, "is required for a Karpenter GPU pool (its cap on nvidia.com/gpu)"));
    if (!p.gpu && p.limits?.vcpus === undefined)
        out.push(problem(`${at}.limits.vcpus`, undefined, "is required for a Karpenter CPU pool (its cap on cpu)"));
    const smallest = Math.min(...p.instanceTypes.map((t) => (p.gpu ? shapeOf(t).gpus : shapeOf(t).vcpu)));
    const cap = p.gpu ? p.limits?.gpus : p.limits?.vcpus;
    if (cap !== undefined && cap < smallest) {
        out.push(
            problem(
                `${at}.limits.${p.gpu ? "gpus" : "vcpus"}`,
                cap,
                `is below one node of the smallest type (${smallest}): no node could ever start`,
            ),
        );
    }
    return out;
}

/** Sharing: GPU pools only; MIG only on MIG-capable GPUs with a profile that GPU has. */
function sharingRules(at: string, p: Pool): ConfigProblem[] {
    const s = p.gpuSharing;
    if (s.mode === "off") return [];
    if (!p.gpu) return [problem(`${at}.gpuSharing`, s, "applies to GPU pools only (gpu: true)")];
    if (s.mode !== "mig") return [];
    const noMig = p.instanceTypes.filter((t) => !isMigCapable(t));
    if (noMig.length > 0) {
        return [problem(`${at}.gpuSharing.mode`, "mig", `${noMig.join(", ")} cannot do MIG (A100, H100, H200 only: p4d, p5, p5e, p5en)`)];
    }
    const models = [...new Set(p.instanceTypes.map((t) => shapeOf(t).gpu!.model as keyof typeof migProfiles))];
    return models
        .filter((m) => migProfiles[m]?.[s.profile] === undefined)
        .map((m) =>
            problem(
                `${at}.gpuSharing.profile`,
                s.profile,
                `is not a MIG profile of the ${m} (${Object.keys(migProfiles[m] ?? {}).join(", ")})`,
            ),
        );
}

/** EFA: only where every type of the pool has EFA interfaces. */
function efaRules(at: string, p: Pool): ConfigProblem[] {
    if (!p.efa) return [];
    const without = p.instanceTypes.filter((t) => efaInterfaces(t) === 0);
    return without.length > 0
        ? [
              problem(
                  `${at}.efa`,
                  true,
                  `${without.join(", ")} ${without.length > 1 ? "have" : "has"} no EFA (AWS EC2 user guide, EFA supported instance types)`,
              ),
          ]
        : [];
}

/** The pools platform services are placed on by name: controllers on `system`, PostgreSQL and MinIO on `data`. */
const requiredPools: Rule = (c) =>
    ["system", "data"]
        .filter((name) => !(name in c.nodePools))
        .map((name) => problem(`nodePools.${name}`, undefined, `is required: platform services are placed on the ${name} pool`));

/** Network: zones belong to the region; production survives a zone loss. */
const networkRules: Rule = (c) => {
    const out: ConfigProblem[] = [];
    c.network.availabilityZones.forEach((zone, i) => {
        if (!new RegExp(`^${c.region}[a-z]$`).test(zone)) {
            out.push(problem(`network.availabilityZones[${i}]`, zone, `must be a zone of region ${c.region}`));
        }
    });
    if (new Set(c.network.availabilityZones).size !== c.network.availabilityZones.length) {
        out.push(problem("network.availabilityZones", c.network.availabilityZones, "must not repeat a zone"));
    }
    const prefix = Number(c.network.vpcCidr.split("/")[1]);
    if (prefix < 16 || prefix > 20) out.push(problem("network.vpcCidr", c.network.vpcCidr, "must have a prefix between /16 and /20"));
    if (c.tier === "production") {
        if (c.network.availabilityZones.length < 3) {
            out.push(problem("network.availabilityZones", c.network.availabilityZones, "tier production needs at least 3 zones"));
        }
        if (c.network.natGateways !== "perAz")
            out.push(problem("network.natGateways", c.network.natGateways, "tier production needs perAz NAT gateways"));
        if (c.network.egress !== "restricted")
            out.push(problem("network.egress", c.network.egress, "tier production needs restricted egress (no internet)"));
    }
    return out;
};

const privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * The Service CIDR as EKS accepts it (CreateCluster `kubernetesNetworkConfig.serviceIpv4Cidr`: a
 * private block of /12 to /24 that does not overlap the VPC; EKS API reference).
 */
export function serviceCidrProblems(serviceCidr: string, vpcCidr: string): ConfigProblem[] {
    const at = "cluster.serviceIpv4Cidr";
    const { base, prefix } = parseCidr(serviceCidr);
    const out: ConfigProblem[] = [];
    if (prefix < 12 || prefix > 24) out.push(problem(at, serviceCidr, "must have a prefix between /12 and /24"));
    const inside = privateRanges.some((r) => {
        const range = parseCidr(r);
        return range.prefix <= prefix && base >= range.base && base < range.base + 2 ** (32 - range.prefix);
    });
    if (!inside) out.push(problem(at, serviceCidr, `must lie inside ${privateRanges.join(", ")}`));
    if (overlaps(serviceCidr, vpcCidr)) out.push(problem(at, serviceCidr, `must not overlap network.vpcCidr (${vpcCidr})`));
    return out;
}

/** Cluster endpoint and encryption (CIS EKS 5.4.1/5.4.2, 5.3.1). */
const clusterRules: Rule = (c) => {
    const out: ConfigProblem[] = [];
    c.cluster.publicAccessCidrs.forEach((cidr, i) => {
        if (cidr.endsWith("/0"))
            out.push(problem(`cluster.publicAccessCidrs[${i}]`, cidr, "must not open the API endpoint to the whole internet"));
    });
    if (c.cluster.endpointPublicAccess && c.cluster.publicAccessCidrs.length === 0) {
        out.push(problem("cluster.publicAccessCidrs", [], "must list the CIDRs allowed when endpointPublicAccess is true"));
    }
    out.push(...serviceCidrProblems(c.cluster.serviceIpv4Cidr, c.network.vpcCidr));
    if (c.tier === "production" && c.cluster.endpointPublicAccess) {
        out.push(problem("cluster.endpointPublicAccess", true, "tier production needs a private API endpoint"));
    }
    if (c.tier === "production" && !c.cluster.secretsEnvelopeEncryption) {
        out.push(problem("cluster.secretsEnvelopeEncryption", false, "tier production needs KMS envelope encryption of Secrets"));
    }
    return out;
};

/** Namespaces: one or more workload namespaces (teams), one monitoring namespace; GPU quota only where GPU nodes exist. */
const namespaceRules: Rule = (c) => {
    const out: ConfigProblem[] = [];
    const ofKind = (kind: string) => Object.keys(c.namespaces).filter((n) => c.namespaces[n].kind === kind);
    if (ofKind("workload").length < 1) out.push(problem("namespaces", [], "must define at least one namespace of kind workload"));
    if (ofKind("monitoring").length !== 1) {
        out.push(problem("namespaces", ofKind("monitoring"), "must define exactly one namespace of kind monitoring"));
    }
    // MLflow's server runs in the first MLOps namespace, on the compute pool (src/addons/mlflow.ts).
    if (ofKind("mlops").length < 1)
        out.push(problem("namespaces", [], "must define at least one namespace of kind mlops (MLflow runs there)"));
    if (!c.nodePools.compute)
        out.push(problem("nodePools.compute", undefined, "is required: MLflow and the pipeline workers run on the compute pool"));
    const gpuPools = Object.values(c.nodePools).some((p) => p.gpu);
    const capacity = Object.values(c.nodePools).reduce((sum, p) => sum + advertisedGpus(p), 0);
    for (const [name, ns] of Object.entries(c.namespaces)) {
        if (ns.quota.gpus > 0 && !gpuPools)
            out.push(problem(`namespaces.${name}.quota.gpus`, ns.quota.gpus, "needs a node pool with gpu: true"));
        else if (ns.quota.gpus > capacity)
            out.push(
                problem(
                    `namespaces.${name}.quota.gpus`,
                    ns.quota.gpus,
                    `exceeds the ${capacity} GPUs the GPU pools can advertise (physical GPUs at the pools' caps × time-slicing replicas or MIG instances)`,
                ),
            );
        if (ns.kind === "workload" && ns.podSecurity !== "restricted") {
            out.push(problem(`namespaces.${name}.podSecurity`, ns.podSecurity, "a workload namespace must enforce restricted"));
        }
        if (ns.kind !== "workload" && Object.keys(ns.groups).length > 0) {
            out.push(
                problem(`namespaces.${name}.groups`, ns.groups, "only a workload namespace (a team) binds groups to the design's roles"),
            );
        }
    }
    for (const [name, entry] of Object.entries(c.accessEntries)) {
        if (entry.namespaces === undefined) continue;
        if (entry.role === "cluster-admin") {
            out.push(problem(`accessEntries.${name}.namespaces`, entry.namespaces, "cluster-admin is cluster-wide: leave namespaces out"));
        }
        entry.namespaces.forEach((ns, i) => {
            if (c.namespaces[ns]?.kind !== "workload") {
                out.push(
                    problem(
                        `accessEntries.${name}.namespaces[${i}]`,
                        ns,
                        `must be a workload namespace (${ofKind("workload").join(", ")})`,
                    ),
                );
            }
        });
    }
    return out;
};

/** PostgreSQL topology and backups (SECURITY.md 28). */
const postgresRules: Rule = (c) => {
    const pg = c.postgresql;
    const out: ConfigProblem[] = [];
    if (pg.synchronousReplicas > pg.instances - 1) {
        out.push(problem("postgresql.synchronousReplicas", pg.synchronousReplicas, `must be ≤ instances - 1 (${pg.instances - 1})`));
    }
    for (const k of ["cpu", "memoryGiB"] as const) {
        if (pg[k].request > pg[k].limit) out.push(problem(`postgresql.${k}.request`, pg[k].request, `must be ≤ limit (${pg[k].limit})`));
    }
    if (pg.backup.enabled && pg.backup.retentionDays === undefined) {
        out.push(problem("postgresql.backup.retentionDays", undefined, "is required when backups are enabled"));
    }
    if (!pg.backup.enabled && pg.backup.retentionDays !== undefined) {
        out.push(problem("postgresql.backup.retentionDays", pg.backup.retentionDays, "must be unset when backups are disabled"));
    }
    if (c.tier === "production") {
        if (pg.instances < 3) out.push(problem("postgresql.instances", pg.instances, "tier production needs at least 3 instances"));
        if (pg.synchronousReplicas < 1)
            out.push(problem("postgresql.synchronousReplicas", pg.synchronousReplicas, "tier production needs a synchronous replica"));
    }
    if (atLeast("staging", c.tier) && !pg.backup.enabled) {
        out.push(problem("postgresql.backup.enabled", false, `tier ${c.tier} needs backups`));
    }
    if (pg.recovery && pg.recovery.bucket === undefined && !pg.backup.enabled) {
        out.push(
            problem("postgresql.recovery.bucket", undefined, "is required when this environment keeps no backups (backup.enabled false)"),
        );
    }
    // barman-cloud refuses to archive into a server name that already holds WAL ("Expected empty archive").
    const archiveName = pg.backup.serverName ?? "postgres";
    if (pg.recovery && pg.backup.enabled && pg.recovery.bucket === undefined && pg.recovery.sourceServerName === archiveName) {
        out.push(
            problem(
                "postgresql.backup.serverName",
                pg.backup.serverName,
                `must differ from postgresql.recovery.sourceServerName (${pg.recovery.sourceServerName}): a restored cluster archives into a new, empty path`,
            ),
        );
    }
    return out;
};

/** Object store: MinIO erasure coding needs four drives once distributed (SECURITY.md 29). */
const objectStoreRules: Rule = (c) => {
    const os = c.objectStore;
    const drives = os.servers * os.drivesPerServer;
    const out: ConfigProblem[] = [];
    if (os.kind === "minio" && os.servers > 1 && drives < 4) {
        out.push(
            problem(
                "objectStore.drivesPerServer",
                os.drivesPerServer,
                `distributed MinIO needs ≥ 4 drives in total (servers × drivesPerServer = ${drives})`,
            ),
        );
    }
    if (os.kind === "minio" && c.tier === "production" && os.servers < 4) {
        out.push(problem("objectStore.servers", os.servers, "tier production needs ≥ 4 MinIO servers (or kind s3)"));
    }
    if (os.kind === "s3" && (os.servers !== 1 || os.drivesPerServer !== 1)) {
        out.push(problem("objectStore.servers", os.servers, "servers and drivesPerServer apply to kind minio only"));
    }
    if (new Set(os.buckets).size !== os.buckets.length) out.push(problem("objectStore.buckets", os.buckets, "must not repeat a bucket"));
    if (c.postgresql.backup.enabled && !os.buckets.includes("postgres-backups")) {
        out.push(problem("objectStore.buckets", os.buckets, "must include postgres-backups when PostgreSQL backups are enabled"));
    }
    if (!os.buckets.includes("workflow-artifacts")) {
        out.push(problem("objectStore.buckets", os.buckets, "must include workflow-artifacts (Argo Workflows' artifact repository)"));
    }
    const wf = c.argoWorkflows;
    if (wf.authModes.includes("sso") && !wf.sso) {
        out.push(problem("argoWorkflows.sso", undefined, "must be set when argoWorkflows.authModes includes sso"));
    }
    return out;
};

/** Secrets path, protection, monitoring and alerting per tier (SPEC §1). */
const tierRules: Rule = (c) => {
    const out: ConfigProblem[] = [];
    if (atLeast("staging", c.tier) && c.secrets.mode !== "sealed") {
        out.push(problem("secrets.mode", c.secrets.mode, `tier ${c.tier} needs sealed secrets`));
    }
    if (c.tier === "production" && !c.protectStatefulResources) {
        out.push(problem("protectStatefulResources", false, "tier production must protect stateful resources"));
    }
    if (c.tier === "production" && !c.argocd.highAvailability) {
        out.push(problem("argocd.highAvailability", false, "tier production needs highly available ArgoCD"));
    }
    if (c.argocd.highAvailability && (c.argocd.serverReplicas < 2 || c.argocd.repoServerReplicas < 2)) {
        out.push(
            problem("argocd.serverReplicas", c.argocd.serverReplicas, "highly available ArgoCD needs ≥ 2 server and repo-server replicas"),
        );
    }
    if (c.tier === "production" && c.mlflow.replicas < 2) {
        out.push(problem("mlflow.replicas", c.mlflow.replicas, "tier production needs ≥ 2 MLflow replicas (HA, spread over zones)"));
    }
    if (atLeast("staging", c.tier) && c.monitoring.level !== "full") {
        out.push(problem("monitoring.level", c.monitoring.level, `tier ${c.tier} needs full monitoring`));
    }
    if (c.tier === "production" && (c.monitoring.prometheusReplicas < 2 || c.monitoring.alertmanagerReplicas < 2)) {
        out.push(
            problem(
                "monitoring.prometheusReplicas",
                c.monitoring.prometheusReplicas,
                "tier production needs ≥ 2 Prometheus and Alertmanager replicas",
            ),
        );
    }
    if (c.alerting.slack && !c.slackWebhookUrl) {
        out.push(
            problem(
                "slackWebhookUrl",
                undefined,
                "is required when alerting.slack is set (pulumi config set --secret slackWebhookUrl ...)",
            ),
        );
    }
    if (c.alerting.pagerduty && !c.pagerdutyRoutingKey) {
        out.push(
            problem(
                "pagerdutyRoutingKey",
                undefined,
                "is required when alerting.pagerduty is true (pulumi config set --secret pagerdutyRoutingKey ...)",
            ),
        );
    }
    if (c.tier === "production" && !c.alerting.pagerduty)
        out.push(problem("alerting.pagerduty", false, "tier production pages on critical alerts"));
    if (c.monitoring.level === "basic" && (c.alerting.slack || c.alerting.pagerduty)) {
        out.push(problem("alerting", c.alerting, "basic monitoring sends no notifications"));
    }
    const breakGlass = Object.keys(c.accessEntries).filter((k) => c.accessEntries[k].role === "cluster-admin");
    if (breakGlass.length > 1) out.push(problem("accessEntries", breakGlass, "at most one cluster-admin (break-glass) entry"));
    return out;
};

/** Every cross-field rule, in the order problems are reported. */
export const rules: readonly Rule[] = [
    networkRules,
    clusterRules,
    nodePoolRules,
    offeredInRegion,
    requiredPools,
    namespaceRules,
    postgresRules,
    objectStoreRules,
    tierRules,
    ...limitRules,
];

/** Runs every cross-field rule over a schema-valid config. */
export function checkRules(config: ParsedConfig): ConfigProblem[] {
    return rules.flatMap((rule) => rule(config));
}
