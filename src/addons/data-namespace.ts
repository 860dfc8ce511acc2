import { poolLabel } from "../aws/node-pools";
import { NamespaceConfig, PlatformConfig } from "../config";
import { namespacesOfKind } from "../k8s/baseline";
import { allow, apiServerAddresses, notInternet } from "../k8s/network-policies";
import { Addon, serviceNamespace } from "./contract";
import { postgresUsesS3 } from "./postgres-backup";

/** Where the PostgreSQL cluster and the MinIO tenant run; the workload posture's "allow-data-services" reaches it. */
export const dataNamespace = "platform-data";
/** The node pool stateful services run on (SPEC §2: tainted so only they land there). */
export const dataPoolName = "data";
export const zoneKey = "topology.kubernetes.io/zone";
/** The CloudNativePG cluster: its services are `postgres-rw`, `postgres-ro`, its service account `postgres`. */
export const postgresClusterName = "postgres";
/** The MinIO tenant; the operator names its S3 service `minio` whatever the tenant is called. */
export const minioTenantName = "minio";

/** Ports of the data services, as the clients' and Prometheus' network policies see them. */
export const dataPorts = {
    postgres: 5432,
    /** CloudNativePG's instance manager: status endpoint the operator polls. */
    postgresStatus: 8000,
    postgresMetrics: 9187,
    /** MinIO serves S3, internode traffic and metrics (/minio/v2/metrics/cluster) on one port. */
    minio: 9000,
} as const;

/** MinIO server sizing per server (the config sizes drives; MinIO's memory need grows with drives). */
export const minioServerResources = {
    requests: { cpu: 0.5, memoryGiB: 2 },
    limits: { cpu: 2, memoryGiB: 8 },
} as const;

/** Node selector and tolerations for the data pool, from its configured label and taints, never literals. */
export function dataPlacement(config: PlatformConfig): {
    nodeSelector: Record<string, string>;
    tolerations: { key: string; operator: "Equal"; value: string; effect: string }[];
} {
    const pool = config.nodePools[dataPoolName];
    if (!pool) throw new Error(`nodePools.${dataPoolName} is missing: PostgreSQL and MinIO run on the data pool`);
    return {
        nodeSelector: { [poolLabel]: dataPoolName },
        tolerations: pool.taints.map((t) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect })),
    };
}

/**
 * The data namespace's quota, from the configured sizes: every PostgreSQL instance and MinIO
 * server at its limit, a quarter on top for the operators' short-lived pods (initdb, join,
 * backup sidecars) and a rebuild of one instance, whose new volume exists before the old one goes.
 */
export function dataNamespaceQuota(config: PlatformConfig): NamespaceConfig["quota"] {
    const pg = config.postgresql;
    const os = config.objectStore;
    const minio = os.kind === "minio";
    const servers = minio ? os.servers : 0;
    const drives = minio ? os.servers * os.drivesPerServer : 0;
    const headroom = (n: number) => Math.ceil(n * 1.25) + 1;
    return {
        cpu: headroom(pg.instances * pg.cpu.limit + servers * minioServerResources.limits.cpu),
        memoryGiB: headroom(pg.instances * pg.memoryGiB.limit + servers * minioServerResources.limits.memoryGiB),
        gpus: 0,
        pods: 2 * pg.instances + servers + 5,
        persistentVolumeClaims: pg.instances + 1 + drives,
        storageGiB: (pg.instances + 1) * pg.storageGiB + drives * os.volumeSizeGiB,
    };
}

/**
 * `platform-data` (restricted): the PostgreSQL cluster and, for kind minio, the MinIO tenant.
 * Clients are the workload and MLOps namespaces (PostgreSQL 5432, S3 9000); the operators reach
 * the instance status and S3 admin ports; Prometheus scrapes; pods talk to each other (replication,
 * MinIO internode) and to the API server (instance manager, MinIO sidecar). The PostgreSQL pods
 * reach S3 over HTTPS with Pod Identity credentials for backups and restores (and for kind s3).
 */
export const dataServicesNamespace: Addon = {
    id: "data-namespace",
    needs: [],
    deploy(context, opts) {
        const { config } = context;
        // Argo Workflows' controller and server: the workflow archive, and artifacts for the UI.
        const clients = [...namespacesOfKind(config, "workload"), ...namespacesOfKind(config, "mlops"), "argo-workflows"];
        const clientPorts = config.objectStore.kind === "minio" ? [dataPorts.postgres, dataPorts.minio] : [dataPorts.postgres];
        const postgresPods = { matchLabels: { "cnpg.io/cluster": postgresClusterName } };
        return serviceNamespace(
            dataNamespace,
            context,
            {
                quota: dataNamespaceQuota(config),
                allows: [
                    allow.sameNamespace(),
                    allow.apiServer(apiServerAddresses(config)),
                    allow.fromNamespaces("allow-clients", clients, clientPorts),
                    allow.fromNamespaces("allow-postgres-operator", ["cnpg-system"], [dataPorts.postgresStatus]),
                    ...(config.objectStore.kind === "minio"
                        ? [allow.fromNamespaces("allow-minio-operator", ["minio-operator"], [dataPorts.minio])]
                        : []),
                    // Backups and restores go to S3 outside the cluster, whatever the object store is.
                    ...(config.objectStore.kind === "s3" || postgresUsesS3(config)
                        ? [allow.podIdentityAgent(postgresPods), allow.httpsEgress("allow-s3-https", postgresPods, notInternet(config))]
                        : []),
                    allow.monitoringScrape(context.network.monitoringNamespace, [
                        dataPorts.postgresMetrics,
                        ...(config.objectStore.kind === "minio" ? [dataPorts.minio] : []),
                    ]),
                ],
            },
            opts,
        );
    },
};
