import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { poolLabel } from "../aws/node-pools";
import { charts, images, PlatformConfig } from "../config";
import { allow, apiServerAddresses } from "../k8s/network-policies";
import { generatedPassword } from "../secrets/credentials";
import { Addon, AddonContext, DeployOptions, helmRelease, serviceNamespace } from "./contract";
import { dataNamespace, dataPlacement, dataPorts, postgresClusterName, zoneKey } from "./data-namespace";
import { backupBucket, backupStoreSpec, barmanPlugin, bootstrapSpec, recoveryStoreName, recoveryStoreSpec } from "./postgres-backup";

export const cnpgNamespace = "cnpg-system";
export { barmanPlugin };
const operatorPorts = { webhook: 9443, metrics: 8080 };

/** The database bootstrapped with the cluster and its owner; the others are `Database` objects. */
export const bootstrapDatabase = { name: "dataplatform", owner: "dataplatform" } as const;
/** Further databases and their owners (CloudNativePG `Database` resources, reclaim policy retain). */
export const databases = { mlflow: { owner: "mlflow_service" }, argo_workflows: { owner: "argo_workflows_service" } } as const;

/**
 * The design's service roles, managed by the operator (passwords by the secrets path): pipelines
 * and dbt write the data platform's database through its owner role, MLflow owns its database,
 * analysts read everything and write nothing.
 */
export const serviceRoles = {
    pipeline_service: { inRoles: [bootstrapDatabase.owner], comment: "data pipelines: read-write on dataplatform" },
    dbt_service: { inRoles: [bootstrapDatabase.owner], comment: "dbt transformations: read-write on dataplatform" },
    mlflow_service: { inRoles: [], comment: "MLflow tracking server: owns the mlflow database" },
    argo_workflows_service: { inRoles: [], comment: "Argo Workflows controller and server: own the workflow archive database" },
    data_analyst: { inRoles: ["pg_read_all_data"], comment: "analysts: read-only on every database" },
} as const satisfies Record<string, { inRoles: readonly string[]; comment: string }>;

/** Read-write and read-only service hosts of the cluster (CloudNativePG's `-rw` and `-ro` services). */
export function postgresHosts(): { readWrite: string; readOnly: string } {
    return {
        readWrite: `${postgresClusterName}-rw.${dataNamespace}.svc`,
        readOnly: `${postgresClusterName}-ro.${dataNamespace}.svc`,
    };
}

/** Secret holding a role's password: `kubernetes.io/basic-auth`, as CloudNativePG wants it. */
export const roleSecretName = (role: string) => `${postgresClusterName}-${role.replace(/_/g, "-")}`;

/**
 * Required anti-affinity across zones when every instance can have a zone and a data node of its
 * own; otherwise preferred, so a smaller environment still schedules.
 */
export function antiAffinityType(config: PlatformConfig): "required" | "preferred" {
    const pg = config.postgresql;
    const dataNodes = config.nodePools.data?.minSize ?? 0;
    return pg.instances > 1 && pg.instances <= config.network.availabilityZones.length && pg.instances <= dataNodes
        ? "required"
        : "preferred";
}

/** The CloudNativePG `Cluster` spec, from config only. */
export function clusterSpec(config: PlatformConfig): Record<string, unknown> {
    const pg = config.postgresql;
    const { nodeSelector, tolerations } = dataPlacement(config);
    return {
        instances: pg.instances,
        imageName: `${images.postgresql.repository}:${images.postgresql.tag}`,
        primaryUpdateStrategy: "unsupervised",
        primaryUpdateMethod: "switchover",
        enablePDB: pg.instances > 1,
        storage: { size: `${pg.storageGiB}Gi`, storageClass: "gp3-encrypted" },
        resources: {
            requests: { cpu: String(pg.cpu.request), memory: `${pg.memoryGiB.request}Gi` },
            limits: { cpu: String(pg.cpu.limit), memory: `${pg.memoryGiB.limit}Gi` },
        },
        affinity: {
            enablePodAntiAffinity: true,
            topologyKey: zoneKey,
            podAntiAffinityType: antiAffinityType(config),
            nodeSelector,
            tolerations,
        },
        postgresql: {
            parameters: {
                // A quarter of the memory request, PostgreSQL's usual starting point.
                shared_buffers: `${Math.floor((pg.memoryGiB.request * 1024) / 4)}MB`,
                ssl_min_protocol_version: "TLSv1.3",
            },
            // TLS required: plain connections are rejected before CloudNativePG's default rule could accept them.
            pg_hba: ["hostnossl all all all reject", "hostssl all all all scram-sha-256"],
            ...(pg.synchronousReplicas > 0 ? { synchronous: { method: "any", number: pg.synchronousReplicas } } : {}),
        },
        ...bootstrapSpec(config, {
            name: bootstrapDatabase.name,
            owner: bootstrapDatabase.owner,
            secret: roleSecretName(bootstrapDatabase.owner),
        }),
        managed: {
            roles: Object.entries(serviceRoles).map(([name, r]) => ({
                name,
                comment: r.comment,
                ensure: "present",
                login: true,
                superuser: false,
                createdb: false,
                createrole: false,
                inherit: true,
                inRoles: [...r.inRoles],
                passwordSecret: { name: roleSecretName(name) },
            })),
        },
        monitoring: { enablePodMonitor: false },
    };
}

const cnpg = (
    name: string,
    kind: string,
    spec: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
    apiVersion = "postgresql.cnpg.io/v1",
) => new k8s.apiextensions.CustomResource(name, { apiVersion, kind, metadata: { name, namespace: dataNamespace }, spec }, opts);

/**
 * PostgreSQL (SPEC §4, SECURITY.md 28): the CloudNativePG operator and, with backups, the
 * barman-cloud plugin (pinned, in `cnpg-system`); a `Cluster` in the data namespace sized, spread
 * and replicated from config, TLS only; the design's databases and roles; WAL archiving and a
 * scheduled backup to the object store with the configured retention. In protected environments
 * the cluster and databases survive destroy and renames, and their volumes are retained.
 */
export class PostgreSql extends pulumi.ComponentResource {
    /** Each role's generated password (secret), for clients in other namespaces that need their own copy (MLflow). */
    readonly rolePasswords: Record<string, pulumi.Output<string>> = {};
    /** Each role's Secret in the data namespace: the operator sets the password from it. */
    readonly roleSecrets: Record<string, pulumi.Resource> = {};
    /** The CloudNativePG `Cluster`: its managed roles exist once it is ready. */
    cluster!: pulumi.Resource;

    constructor(name: string, context: AddonContext, opts: DeployOptions) {
        super("platform:addons:PostgreSql", name, {}, { parent: opts.parent });
        const { config } = context;
        const pg = config.postgresql;
        // The operator needs only nodes; the plugin cert-manager; the cluster everything, the object store included.
        const after = opts.after;
        const ns = serviceNamespace(
            cnpgNamespace,
            context,
            {
                quota: { cpu: 3, memoryGiB: 3, gpus: 0, pods: 6, persistentVolumeClaims: 0, storageGiB: 0 },
                allows: [
                    // The operator and the plugin talk over gRPC/TLS inside the namespace.
                    allow.sameNamespace(),
                    allow.apiServer(apiServerAddresses(config), [operatorPorts.webhook]),
                    allow.toNamespaces("allow-instances", [dataNamespace], [dataPorts.postgresStatus]),
                    allow.monitoringScrape(context.network.monitoringNamespace, [operatorPorts.metrics]),
                ],
            },
            { parent: this, dependsOn: after },
        );
        const system = { nodeSelector: { [poolLabel]: "system" } };
        const operator = helmRelease(
            "cloudnative-pg",
            charts.cloudnativePg,
            cnpgNamespace,
            {
                ...system,
                config: { clusterWide: true },
                monitoring: { podMonitorEnabled: false },
                resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            },
            { parent: this, dependsOn: [...after, ns] },
        );
        const crdsReady = [...opts.dependsOn, operator];

        const roleSecrets = [bootstrapDatabase.owner, ...Object.keys(serviceRoles)].map((role) => {
            const password = generatedPassword(`${roleSecretName(role)}-password`, { parent: this });
            this.rolePasswords[role] = password;
            this.roleSecrets[role] = context.secrets.deliver(
                roleSecretName(role),
                {
                    name: roleSecretName(role),
                    namespace: dataNamespace,
                    type: "kubernetes.io/basic-auth",
                    labels: { "cnpg.io/reload": "true" },
                    data: { username: role, password },
                },
                { parent: this, dependsOn: [...after, opts.needed["data-namespace"]] },
            );
            return this.roleSecrets[role];
        });

        const backupReady: pulumi.Resource[] = [];
        if (pg.backup.enabled || pg.recovery) {
            const plugin = helmRelease(
                "plugin-barman-cloud",
                charts.barmanCloudPlugin,
                cnpgNamespace,
                { ...system, resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
                { parent: this, dependsOn: [...after, opts.needed["cert-manager"], operator] },
            );
            backupReady.push(plugin);
            const stores: [string, Record<string, unknown>][] = [];
            if (pg.backup.enabled) stores.push([backupBucket, backupStoreSpec(config, context.aws.name)]);
            if (pg.recovery) stores.push([recoveryStoreName, recoveryStoreSpec(config, context.aws.name)]);
            for (const [storeName, spec] of stores) {
                backupReady.push(
                    cnpg(
                        storeName,
                        "ObjectStore",
                        spec,
                        { parent: this, dependsOn: [...opts.dependsOn, plugin] },
                        "barmancloud.cnpg.io/v1",
                    ),
                );
            }
        }

        const keep = { protect: context.aws.protect, retainOnDelete: context.aws.protect };
        const cluster = cnpg(postgresClusterName, "Cluster", clusterSpec(config), {
            parent: this,
            dependsOn: [...crdsReady, ...roleSecrets, ...backupReady],
            ...keep,
        });
        for (const [db, { owner }] of Object.entries(databases)) {
            cnpg(
                `${postgresClusterName}-${db}`,
                "Database",
                { name: db, owner, cluster: { name: postgresClusterName }, ensure: "present", databaseReclaimPolicy: "retain" },
                { parent: this, dependsOn: [...crdsReady, cluster], ...keep },
            );
        }
        this.cluster = cluster;
        if (pg.backup.enabled) {
            cnpg(
                `${postgresClusterName}-backup`,
                "ScheduledBackup",
                {
                    schedule: pg.backup.schedule,
                    cluster: { name: postgresClusterName },
                    method: "plugin",
                    pluginConfiguration: { name: barmanPlugin },
                    backupOwnerReference: "self",
                    immediate: true,
                },
                { parent: this, dependsOn: [...crdsReady, cluster] },
            );
        }
        this.registerOutputs({});
    }
}

export const postgresql: Addon = {
    id: "postgresql",
    needs: ["data-namespace", "cert-manager", "object-store"],
    deploy: (context, opts) => new PostgreSql("postgresql", context, opts),
};
