import type { PolicyResource } from "@pulumi/policy";
import { ecrRepository, bucketTypes } from "./aws-storage";
import { eksCluster, kmsKey } from "./aws-cluster";
import { dependsOn, get, label, list, ofTypes, PlatformPolicy, Props, resourceRule, stackRule } from "./common";
import { chartName, helmTypes, secret, templateLabels } from "./k8s-common";
import { sealingKeyLabel } from "./k8s-gitops";

/** Reliability: protected state, HA PostgreSQL with backups, MinIO erasure coding, HA services (SECURITY.md 27–30). */

const cnpgCluster = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const scheduledBackup = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const barmanObjectStore = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const minioTenant = "kubernetes:minio.min.io/v2:Tenant";
const pdb = "kubernetes:policy/v1:PodDisruptionBudget";
const zoneKey = "topology.kubernetes.io/zone";

/** Resources whose deletion loses data or key material. */
export const statefulTypes = [
    eksCluster,
    kmsKey,
    ecrRepository,
    ...bucketTypes,
    "aws:ebs/volume:Volume",
    "aws:efs/fileSystem:FileSystem",
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:dynamodb/table:Table",
    cnpgCluster,
    minioTenant,
    "kubernetes:core/v1:PersistentVolume",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "tls:index/privateKey:PrivateKey",
];

const requireHa = {
    requireHighAvailability: {
        type: "boolean" as const,
        default: true,
        description: "Require HA replicas, zone spread and disruption budgets (production).",
    },
};

/** The first number among `values`, or undefined. */
const num = (...values: unknown[]) => values.find((v): v is number => typeof v === "number");

/** Why a Helm release of a platform service is not highly available, if it is one we know. */
function chartHaProblems(props: Props): string[] {
    const v = props.values ?? {};
    const problems: string[] = [];
    const replicas = (path: string, min: number, what: string) => {
        const n = num(get(v, `${path}.replicas`));
        if (get(v, `${path}.autoscaling.enabled`) !== true && (n ?? 1) < min)
            problems.push(`${what} runs ${n ?? 1} replica(s), fewer than ${min}`);
    };
    if (chartName(props) === "argo-cd") {
        replicas("server", 2, "Argo CD server");
        replicas("repoServer", 2, "Argo CD repo server");
        if (get(v, "redis-ha.enabled") !== true) problems.push("Argo CD runs a single Redis (set redis-ha.enabled)");
    }
    if (chartName(props) === "kube-prometheus-stack") {
        replicas("prometheus.prometheusSpec", 2, "Prometheus");
        replicas("alertmanager.alertmanagerSpec", 2, "Alertmanager");
    }
    return problems;
}

/** True when a pod template spreads replicas across zones (topology spread or zone anti-affinity). */
function spreadsAcrossZones(props: Props): boolean {
    const spec = get(props, "spec.template.spec") ?? {};
    const spread = list(spec.topologySpreadConstraints).some((t) => t?.topologyKey === zoneKey);
    const anti = get(spec, "affinity.podAntiAffinity") ?? {};
    const terms = [
        ...list(anti.requiredDuringSchedulingIgnoredDuringExecution),
        ...list(anti.preferredDuringSchedulingIgnoredDuringExecution).map((t) => t?.podAffinityTerm),
    ];
    return spread || terms.some((t) => t?.topologyKey === zoneKey);
}

/** A PodDisruptionBudget in the workload's namespace whose selector matches its pods. */
function hasBudget(workload: PolicyResource, budgets: PolicyResource[]): boolean {
    const labels = templateLabels(workload.props);
    const ns = get(workload.props, "metadata.namespace");
    return budgets.some((b) => {
        const wanted: Record<string, string> = get(b.props, "spec.selector.matchLabels") ?? {};
        const sameNs = get(b.props, "metadata.namespace") === ns;
        return sameNs && Object.keys(wanted).length > 0 && Object.entries(wanted).every(([k, val]) => labels[k] === val);
    });
}

/** WAL archiving: the in-tree barmanObjectStore or the barman-cloud plugin as WAL archiver. */
function archivesWal(props: Props): boolean {
    const plugin = list(get(props, "spec.plugins")).some((p) => p?.name === "barman-cloud.cloudnative-pg.io" && p?.isWALArchiver === true);
    return plugin || get(props, "spec.backup.barmanObjectStore") !== undefined;
}

export const reliabilityRules: PlatformPolicy[] = [
    resourceRule<{ requireProtection: boolean }>({
        id: "stateful-resources-protected",
        level: "mandatory",
        sources: ["AWS Well-Architected REL09", "Pulumi protect option"],
        items: [30],
        summary:
            "Stateful resources (clusters, keys, registries, buckets, databases, volumes, sealing keys) are protected from deletion where the stack's policy config requires it.",
        types: (type) => statefulTypes.includes(type) || type === secret,
        config: {
            requireProtection: {
                type: "boolean",
                default: true,
                description: "Require `protect` on stateful resources (production: always).",
            },
        },
        check: (props, { type, opts, config, report }) => {
            if (!config.requireProtection || opts.protect) return;
            if (type === secret && get(props, "metadata.labels")?.[sealingKeyLabel] === undefined) return;
            report(
                `Stateful ${type.split(":").pop()} is not protected: set protect (protectStatefulResources) so no destroy or rename can delete it.`,
            );
        },
    }),
    resourceRule<{ minInstances: number; minSynchronousReplicas: number; requireZoneSpread: boolean }>({
        id: "postgresql-ha",
        level: "mandatory",
        sources: ["AWS Well-Architected REL10-BP01", "CloudNativePG replication"],
        items: [28],
        summary:
            "PostgreSQL clusters run the configured number of instances (3 in production) with a synchronous replica, spread across zones.",
        types: [cnpgCluster],
        config: {
            minInstances: { type: "integer", minimum: 1, default: 3, description: "Fewest PostgreSQL instances." },
            minSynchronousReplicas: { type: "integer", minimum: 0, default: 1, description: "Fewest synchronous replicas." },
            requireZoneSpread: { type: "boolean", default: true, description: "Require instances in different zones." },
        },
        check: (props, { config, report }) => {
            const instances = num(get(props, "spec.instances")) ?? 1;
            if (instances < config.minInstances)
                report(`PostgreSQL cluster runs ${instances} instance(s), fewer than ${config.minInstances}.`);
            const sync = num(get(props, "spec.minSyncReplicas"), get(props, "spec.postgresql.synchronous.number")) ?? 0;
            if (sync < config.minSynchronousReplicas)
                report(`PostgreSQL cluster has ${sync} synchronous replica(s), fewer than ${config.minSynchronousReplicas}.`);
            const zones =
                get(props, "spec.affinity.topologyKey") === zoneKey ||
                list(get(props, "spec.topologySpreadConstraints")).some((t) => t?.topologyKey === zoneKey);
            if (config.requireZoneSpread && !zones)
                report(`PostgreSQL cluster does not spread instances across zones (affinity.topologyKey: ${zoneKey}).`);
        },
    }),
    stackRule<{ requireBackup: boolean }>({
        id: "postgresql-backup",
        level: "mandatory",
        sources: ["AWS Well-Architected REL09-BP02", "AWS Well-Architected REL09-BP03", "CloudNativePG backup"],
        items: [28],
        summary:
            "PostgreSQL clusters archive WAL, have a scheduled backup and a retention policy, where the stack's policy config requires backups.",
        config: {
            requireBackup: { type: "boolean", default: true, description: "Require WAL archiving, scheduled backups and retention." },
        },
        check: (resources, { config, report }) => {
            if (!config.requireBackup) return;
            const stores = ofTypes(resources, barmanObjectStore);
            for (const cluster of ofTypes(resources, cnpgCluster)) {
                const name = get(cluster.props, "metadata.name") ?? cluster.name;
                if (!archivesWal(cluster.props))
                    report(`${label(cluster)} does not archive WAL (barman-cloud plugin with isWALArchiver).`, cluster);
                const scheduled = ofTypes(resources, scheduledBackup).some(
                    (b) => get(b.props, "spec.cluster.name") === name || dependsOn(b, cluster),
                );
                if (!scheduled) report(`${label(cluster)} has no ScheduledBackup.`, cluster);
                const retention =
                    get(cluster.props, "spec.backup.retentionPolicy") ??
                    stores.map((s) => get(s.props, "spec.retentionPolicy")).find(Boolean);
                if (!retention) report(`${label(cluster)} sets no backup retention policy.`, cluster);
            }
        },
    }),
    resourceRule<{ minServers: number; minDrives: number }>({
        id: "minio-erasure-coding",
        level: "mandatory",
        sources: ["MinIO erasure coding (4 drives minimum)", "AWS Well-Architected REL10-BP01"],
        items: [29],
        summary: "MinIO pools run distributed with enough servers and drives for erasure coding (4 servers in production).",
        types: [minioTenant, ...helmTypes],
        config: {
            minServers: { type: "integer", minimum: 1, default: 4, description: "Fewest MinIO servers per pool." },
            minDrives: { type: "integer", minimum: 1, default: 4, description: "Fewest drives per pool (servers × volumes per server)." },
        },
        check: (props, { type, config, report }) => {
            const pools =
                type === minioTenant
                    ? list(get(props, "spec.pools"))
                    : chartName(props) === "tenant"
                      ? list(get(props, "values.tenant.pools"))
                      : undefined;
            if (!pools) return;
            for (const [i, p] of pools.entries()) {
                const pool = `MinIO pool "${p?.name ?? i}"`;
                const servers = num(p?.servers) ?? 1;
                const drives = servers * (num(p?.volumesPerServer) ?? 1);
                if (servers < config.minServers) report(`${pool} runs ${servers} server(s), fewer than ${config.minServers}.`);
                if (drives < config.minDrives) report(`${pool} has ${drives} drive(s), fewer than ${config.minDrives} for erasure coding.`);
            }
        },
    }),
    resourceRule<{ requireHighAvailability: boolean }>({
        id: "ha-platform-services",
        level: "mandatory",
        sources: ["AWS Well-Architected REL10-BP01", "Argo CD HA", "kube-prometheus-stack HA"],
        items: [27],
        summary: "Argo CD, Prometheus and Alertmanager run redundant replicas where the stack's policy config requires high availability.",
        types: helmTypes,
        config: requireHa,
        check: (props, { config, report }) => {
            if (!config.requireHighAvailability) return;
            for (const problem of chartHaProblems(props)) report(`Helm release ${props.name ?? chartName(props)}: ${problem}.`);
        },
    }),
    resourceRule({
        id: "ha-platform-services-zone-spread",
        level: "advisory",
        sources: ["AWS Well-Architected REL10-BP01"],
        items: [27],
        summary: "HA platform services spread their replicas across zones (values mention topology.kubernetes.io/zone).",
        types: helmTypes,
        check: (props, { report }) => {
            if (!["argo-cd", "kube-prometheus-stack"].includes(chartName(props))) return;
            if (!JSON.stringify(props.values ?? {}).includes(zoneKey))
                report(`Helm release ${props.name ?? chartName(props)} does not spread replicas across zones.`);
        },
    }),
    stackRule<{ requireHighAvailability: boolean }>({
        id: "k8s-workload-ha",
        level: "mandatory",
        sources: ["AWS Well-Architected REL10-BP01", "EKS Best Practices (reliability)"],
        items: [27],
        summary:
            "Our replicated Deployments and StatefulSets spread across zones and have a PodDisruptionBudget, where the stack's policy config requires HA.",
        config: requireHa,
        check: (resources, { config, report }) => {
            if (!config.requireHighAvailability) return;
            const budgets = ofTypes(resources, pdb);
            const workloads = ofTypes(resources, "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet").filter(
                (w) => (num(get(w.props, "spec.replicas")) ?? 1) >= 2 && !w.urn.includes("kubernetes:helm.sh/v4:Chart$"),
            );
            for (const w of workloads) {
                if (!spreadsAcrossZones(w.props)) report(`${label(w)} does not spread its replicas across zones.`, w);
                if (!hasBudget(w, budgets)) report(`${label(w)} has no PodDisruptionBudget selecting its pods.`, w);
            }
        },
    }),
];
