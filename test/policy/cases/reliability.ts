import { fixture, InventoryResource, RuleCases } from "../../../policy/rules/evaluate";
import { sealingKeyLabel } from "../../../policy/rules/k8s-gitops";

/** Fixtures of the reliability rules; test/policy/rules.test.ts runs every case. */

type Obj = Record<string, unknown>;
const cnpg = "kubernetes:postgresql.cnpg.io/v1";
const zone = "topology.kubernetes.io/zone";
const goodPg = {
    instances: 3,
    minSyncReplicas: 1,
    maxSyncReplicas: 1,
    affinity: { topologyKey: zone, enablePodAntiAffinity: true, podAntiAffinityType: "required" },
    plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "backups" } }],
    storage: { size: "500Gi" },
};
const pg = (spec: Obj = {}, protect = true) =>
    fixture(
        `${cnpg}:Cluster`,
        "postgresql",
        { metadata: { name: "platform-db", namespace: "platform-prod" }, spec: { ...goodPg, ...spec } },
        { protect },
    );
const objectStore = (retentionPolicy?: string) =>
    fixture("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "backups", {
        metadata: { name: "backups", namespace: "platform-prod" },
        spec: { retentionPolicy },
    });
const scheduled = (cluster: string) =>
    fixture(`${cnpg}:ScheduledBackup`, "postgresql-daily", {
        metadata: { namespace: "platform-prod" },
        spec: { schedule: "0 0 2 * * *", cluster: { name: cluster }, method: "plugin" },
    });

const tenant = (pools: Obj[]) =>
    fixture("kubernetes:minio.min.io/v2:Tenant", "minio", { metadata: { namespace: "platform-mlops" }, spec: { pools } });
const tenantChart = (pools: Obj[]) =>
    fixture("kubernetes:helm.sh/v3:Release", "minio", {
        chart: "tenant",
        version: "7.1.1",
        namespace: "platform-mlops",
        values: { tenant: { pools } },
    });

const release = (chart: string, values: Obj) =>
    fixture("kubernetes:helm.sh/v3:Release", chart, { chart, version: "1.0.0", namespace: "x", values });
const haArgo = {
    "redis-ha": { enabled: true },
    server: { replicas: 3 },
    repoServer: { autoscaling: { enabled: true, minReplicas: 2 } },
    global: { topologySpreadConstraints: [{ topologyKey: zone }] },
};
const haPrometheus = { prometheus: { prometheusSpec: { replicas: 2 } }, alertmanager: { alertmanagerSpec: { replicas: 3 } } };

/** A replicated Deployment with the given pod-spec extras, and optionally a matching PodDisruptionBudget. */
function replicated(podSpec: Obj, budget: boolean): InventoryResource[] {
    const labels = { app: "mlflow" };
    const deployment = fixture("kubernetes:apps/v1:Deployment", "mlflow", {
        metadata: { name: "mlflow", namespace: "platform-mlops" },
        spec: {
            replicas: 2,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: "mlflow" }], ...podSpec } },
        },
    });
    const pdb = fixture("kubernetes:policy/v1:PodDisruptionBudget", "mlflow", {
        metadata: { namespace: "platform-mlops" },
        spec: { minAvailable: 1, selector: { matchLabels: labels } },
    });
    return budget ? [deployment, pdb] : [deployment];
}
const zoneSpread = {
    topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: zone, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "mlflow" } } },
    ],
};

export const reliabilityCases: RuleCases = {
    "stateful-resources-protected": {
        ok: [
            { title: "protected database", resources: [pg()] },
            {
                title: "unprotected where config allows (dev)",
                resources: [fixture("aws:kms/key:Key", "logs", {})],
                config: { requireProtection: false },
            },
            { title: "an ordinary Secret", resources: [fixture("kubernetes:core/v1:Secret", "creds", { metadata: { namespace: "x" } })] },
        ],
        bad: [
            { title: "unprotected KMS key", resources: [fixture("aws:kms/key:Key", "logs", {})], message: /Stateful Key is not protected/ },
            { title: "unprotected database", resources: [pg({}, false)], message: /Stateful Cluster is not protected/ },
            {
                title: "unprotected sealing key",
                resources: [fixture("kubernetes:core/v1:Secret", "sealing-key", { metadata: { labels: { [sealingKeyLabel]: "active" } } })],
                message: /Stateful Secret/,
            },
        ],
    },
    "postgresql-ha": {
        ok: [
            { title: "3 instances, sync replica, zones", resources: [pg()] },
            {
                title: "dev single instance where config allows",
                resources: [pg({ instances: 1, minSyncReplicas: 0, affinity: {} })],
                config: { minInstances: 1, minSynchronousReplicas: 0, requireZoneSpread: false },
            },
        ],
        bad: [
            { title: "two instances", resources: [pg({ instances: 2 })], message: /runs 2 instance\(s\), fewer than 3/ },
            { title: "asynchronous", resources: [pg({ minSyncReplicas: 0 })], message: /0 synchronous replica\(s\)/ },
            {
                title: "spread by host only",
                resources: [pg({ affinity: { topologyKey: "kubernetes.io/hostname" } })],
                message: /does not spread instances across zones/,
            },
        ],
    },
    "postgresql-backup": {
        ok: [
            { title: "plugin archiving, schedule, retention", resources: [pg(), scheduled("platform-db"), objectStore("30d")] },
            { title: "no backups where config allows (dev)", resources: [pg({ plugins: [] })], config: { requireBackup: false } },
        ],
        bad: [
            {
                title: "no WAL archiving",
                resources: [pg({ plugins: [] }), scheduled("platform-db"), objectStore("30d")],
                message: /does not archive WAL/,
            },
            { title: "no schedule", resources: [pg(), objectStore("30d")], message: /has no ScheduledBackup/ },
            {
                title: "no retention",
                resources: [pg(), scheduled("platform-db"), objectStore(undefined)],
                message: /sets no backup retention policy/,
            },
        ],
    },
    "minio-erasure-coding": {
        ok: [
            { title: "4 × 1 tenant", resources: [tenant([{ name: "pool-0", servers: 4, volumesPerServer: 1 }])] },
            {
                title: "single server where config allows (dev)",
                resources: [tenantChart([{ servers: 1, volumesPerServer: 1 }])],
                config: { minServers: 1, minDrives: 1 },
            },
        ],
        bad: [
            {
                title: "2 servers",
                resources: [tenant([{ name: "pool-0", servers: 2, volumesPerServer: 2 }])],
                message: /pool "pool-0" runs 2 server\(s\), fewer than 4/,
            },
            {
                title: "chart with too few drives",
                resources: [tenantChart([{ servers: 4, volumesPerServer: 1 }])],
                config: { minServers: 4, minDrives: 8 },
                message: /has 4 drive\(s\), fewer than 8/,
            },
        ],
    },
    "ha-platform-services": {
        ok: [
            { title: "HA Argo CD and monitoring", resources: [release("argo-cd", haArgo), release("kube-prometheus-stack", haPrometheus)] },
            {
                title: "single replicas where config allows",
                resources: [release("argo-cd", {})],
                config: { requireHighAvailability: false },
            },
        ],
        bad: [
            {
                title: "single Argo CD server and Redis",
                resources: [release("argo-cd", {})],
                message: /Argo CD server runs 1 replica\(s\), fewer than 2/,
            },
            {
                title: "no Redis HA",
                resources: [release("argo-cd", { ...haArgo, "redis-ha": { enabled: false } })],
                message: /single Redis/,
            },
            {
                title: "single Prometheus",
                resources: [release("kube-prometheus-stack", { ...haPrometheus, prometheus: {} })],
                message: /Prometheus runs 1 replica/,
            },
        ],
    },
    "ha-platform-services-zone-spread": {
        ok: [{ title: "zone spread in values", resources: [release("argo-cd", haArgo)] }],
        bad: [
            {
                title: "replicas without spread",
                resources: [release("kube-prometheus-stack", haPrometheus)],
                message: /does not spread replicas across zones/,
            },
        ],
    },
    "k8s-workload-ha": {
        ok: [
            { title: "spread and budget", resources: replicated(zoneSpread, true) },
            {
                title: "zone anti-affinity",
                resources: replicated(
                    { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: zone }] } } },
                    true,
                ),
            },
            { title: "not required by config", resources: replicated({}, false), config: { requireHighAvailability: false } },
        ],
        bad: [
            { title: "no zone spread", resources: replicated({}, true), message: /does not spread its replicas across zones/ },
            { title: "no budget", resources: replicated(zoneSpread, false), message: /has no PodDisruptionBudget/ },
        ],
    },
};
