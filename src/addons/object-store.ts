import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { Buckets, bucketName } from "../aws/buckets";
import { poolLabel } from "../aws/node-pools";
import { charts, images, PlatformConfig } from "../config";
import { namespacesOfKind } from "../k8s/baseline";
import { allow, apiServerAddresses } from "../k8s/network-policies";
import { generatedPassword } from "../secrets/credentials";
import { servingServiceAccount } from "./serving";
import { Addon, AddonContext, DeployOptions, helmRelease, serviceNamespace } from "./contract";
import { backupBucket, postgresBackupConsumer } from "./postgres-backup";
import { dataNamespace, dataPlacement, dataPorts, minioServerResources, minioTenantName, zoneKey } from "./data-namespace";

export const minioOperatorNamespace = "minio-operator";
const pool = "pool-0";
const tenantPods = { "v1.min.io/tenant": minioTenantName, "v1.min.io/pool": pool };
export { backupBucket };

/** What consumers need to know about the object store, from config alone (stack outputs are plain strings). */
export interface ObjectStoreFacts {
    kind: PlatformConfig["objectStore"]["kind"];
    /** S3 endpoint URL: the tenant's in-cluster service over TLS, or the regional S3 endpoint. */
    endpoint: string;
    /** Actual bucket name by configured bucket. */
    bucketNames: Record<string, string>;
    /** MinIO only: the Secret (in the data namespace) whose `ca.crt` signs the endpoint's certificate. */
    caSecret?: { name: string; key: string };
    /** MinIO only: the buckets the tenant holds (the backup bucket lives in S3 when backups are on). */
    tenantBuckets?: string[];
}

/** The tenant's TLS Secret (tls.crt, tls.key and the data CA as ca.crt). */
export const minioTls = "minio-tls";

export function objectStoreFacts(config: PlatformConfig, ctxName: string): ObjectStoreFacts {
    const os = config.objectStore;
    if (os.kind === "s3") {
        return {
            kind: "s3",
            endpoint: `https://s3.${config.region}.amazonaws.com`,
            bucketNames: Object.fromEntries(os.buckets.map((b) => [b, bucketName(ctxName, b)])),
        };
    }
    // Backups survive the cluster: with backups on, postgres-backups is an S3 bucket even beside MinIO.
    const inS3 = (b: string) => b === backupBucket && config.postgresql.backup.enabled;
    return {
        kind: "minio",
        endpoint: `https://minio.${dataNamespace}.svc`,
        bucketNames: Object.fromEntries(os.buckets.map((b) => [b, inS3(b) ? bucketName(ctxName, b) : b])),
        caSecret: { name: minioTls, key: "ca.crt" },
        tenantBuckets: os.buckets.filter((b) => !inS3(b)),
    };
}

/** MinIO's pool: servers × drives per server on the data pool, spread over zones, one claim per drive. */
export function minioPool(config: PlatformConfig): Record<string, unknown> {
    const os = config.objectStore;
    const { limits, requests } = minioServerResources;
    return {
        name: pool,
        servers: os.servers,
        volumesPerServer: os.drivesPerServer,
        volumeClaimTemplate: {
            metadata: { name: "data" },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: "gp3-encrypted",
                resources: { requests: { storage: `${os.volumeSizeGiB}Gi` } },
            },
        },
        ...dataPlacement(config),
        topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: zoneKey, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: tenantPods } },
        ],
        resources: {
            requests: { cpu: String(requests.cpu), memory: `${requests.memoryGiB}Gi` },
            limits: { cpu: String(limits.cpu), memory: `${limits.memoryGiB}Gi` },
        },
        securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: "OnRootMismatch", runAsNonRoot: true },
        containerSecurityContext: {
            runAsUser: 1000,
            runAsGroup: 1000,
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

/** Host names MinIO's certificate covers: the S3 service and every server of the headless service. */
export function minioDnsNames(): string[] {
    const svc = `minio.${dataNamespace}.svc`;
    const headless = `${minioTenantName}-hl.${dataNamespace}.svc`;
    return ["minio", svc, `${svc}.cluster.local`, `*.${headless}`, `*.${headless}.cluster.local`];
}

const certManagerCr = (name: string, kind: string, spec: Record<string, unknown>, opts: pulumi.CustomResourceOptions) =>
    new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "cert-manager.io/v1", kind, metadata: { name, namespace: dataNamespace }, spec },
        opts,
    );

/** The MinIO operator and tenant (objectStore.kind minio). */
function deployMinio(
    context: AddonContext,
    parent: pulumi.Resource,
    opts: DeployOptions,
): { resources: pulumi.Resource[]; caCertPem: pulumi.Output<string> } {
    // The operator needs only nodes; the tenant and its certificates need cert-manager and the data namespace.
    const after = opts.dependsOn;
    const { config } = context;
    const facts = objectStoreFacts(config, context.aws.name);
    const ns = serviceNamespace(
        minioOperatorNamespace,
        context,
        {
            quota: { cpu: 2, memoryGiB: 2, gpus: 0, pods: 4, persistentVolumeClaims: 0, storageGiB: 0 },
            allows: [allow.apiServer(apiServerAddresses(config)), allow.toNamespaces("allow-tenants", [dataNamespace], [dataPorts.minio])],
        },
        { parent, dependsOn: opts.after },
    );
    // The data plane's CA, made by the program so that the MinIO operator can be told to trust it
    // (a Secret operator-ca-tls-* in its namespace) and MinIO's clients through ca.crt. Its key
    // reaches the cluster by the secrets path; cert-manager issues MinIO's certificate from it.
    const caKey = new tls.PrivateKey("data-ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent, protect: context.aws.protect });
    const caCert = new tls.SelfSignedCert(
        "data-ca-cert",
        {
            privateKeyPem: caKey.privateKeyPem,
            isCaCertificate: true,
            subject: { commonName: `${context.aws.name} data CA` },
            validityPeriodHours: 10 * 365 * 24,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        { parent, ignoreChanges: ["validityPeriodHours"] },
    );
    const operatorTrust = context.secrets.deliver(
        "minio-operator-trusts-data-ca",
        { name: `operator-ca-tls-${dataNamespace}`, namespace: minioOperatorNamespace, data: { "ca.crt": caCert.certPem } },
        { parent, dependsOn: [...opts.after, ns] },
    );
    const operator = helmRelease(
        "minio-operator",
        charts.minioOperator,
        minioOperatorNamespace,
        {
            operator: {
                // The chart's required anti-affinity needs a spare node for a rolling update: the system pool may have two.
                replicaCount: 1,
                nodeSelector: { [poolLabel]: "system" },
                resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            },
        },
        // It starts trusting the data CA: it talks TLS to the tenant to create buckets and users.
        { parent, dependsOn: [...opts.after, ns, operatorTrust] },
    );

    const inData = { parent, dependsOn: after };
    const ca = context.secrets.deliver(
        "data-ca",
        {
            name: "data-ca",
            namespace: dataNamespace,
            type: "kubernetes.io/tls",
            data: { "tls.crt": caCert.certPem, "tls.key": caKey.privateKeyPem },
        },
        inData,
    );
    const caIssuer = certManagerCr("data-ca-issuer", "Issuer", { ca: { secretName: "data-ca" } }, { parent, dependsOn: [...after, ca] });
    const cert = certManagerCr(
        minioTls,
        "Certificate",
        {
            secretName: minioTls,
            dnsNames: minioDnsNames(),
            duration: "2160h",
            renewBefore: "360h",
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            issuerRef: { name: "data-ca-issuer", kind: "Issuer", group: "cert-manager.io" },
        },
        { parent, dependsOn: [...after, caIssuer] },
    );

    const rootPassword = generatedPassword("minio-root-password", { parent });
    const env = context.secrets.deliver(
        "minio-env",
        {
            name: "minio-env",
            namespace: dataNamespace,
            data: {
                "config.env": pulumi.interpolate`export MINIO_ROOT_USER="platform-root"
export MINIO_ROOT_PASSWORD="${rootPassword}"
export MINIO_PROMETHEUS_AUTH_TYPE="public"
export MINIO_BROWSER="off"
`,
            },
        },
        inData,
    );
    const tenant = new k8s.apiextensions.CustomResource(
        "minio-tenant",
        {
            apiVersion: "minio.min.io/v2",
            kind: "Tenant",
            metadata: {
                name: minioTenantName,
                namespace: dataNamespace,
            },
            spec: {
                image: `${images.minio.repository}:${images.minio.tag}`,
                imagePullPolicy: "IfNotPresent",
                configuration: { name: "minio-env" },
                pools: [minioPool(config)],
                mountPath: "/export",
                subPath: "/data",
                requestAutoCert: false,
                externalCertSecret: [{ name: minioTls, type: "cert-manager.io/v1" }],
                features: { bucketDNS: false, enableSFTP: false },
                buckets: (facts.tenantBuckets ?? []).map((name) => ({ name })),
                // No tenant users: the operator makes each one a consoleAdmin (MinIO operator v7.1.1,
                // pkg/apis/minio.min.io/v2/helper.go CreateUsers); PostgreSQL backs up to S3 (postgres-backup.ts).
                users: [],
                podManagementPolicy: "Parallel",
                prometheusOperator: false,
            },
        },
        {
            parent,
            dependsOn: [...after, operator, operatorTrust, env, cert],
            protect: context.aws.protect,
            retainOnDelete: context.aws.protect,
        },
    );
    const resources: pulumi.Resource[] = [tenant];
    if (config.objectStore.servers > 1) {
        // The operator makes no budget: a drain takes at most one server, which erasure coding survives.
        resources.push(
            new k8s.policy.v1.PodDisruptionBudget(
                "minio-pdb",
                {
                    metadata: { name: `${minioTenantName}-${pool}`, namespace: dataNamespace },
                    spec: { maxUnavailable: 1, selector: { matchLabels: tenantPods } },
                },
                inData,
            ),
        );
    }
    return { resources, caCertPem: caCert.certPem };
}

/**
 * Object storage (SPEC §4): the configured kind, never the stack name, decides between a MinIO
 * tenant in the data namespace (pinned operator 7.1.1 and image, TLS from the data CA, public
 * metrics, erasure coding when distributed) and S3 buckets with Pod Identity access.
 */
export class ObjectStore extends pulumi.ComponentResource {
    /** MinIO only: the data CA's certificate (PEM), which clients in other namespaces need to trust the endpoint. */
    readonly dataCaPem?: pulumi.Output<string>;

    constructor(name: string, context: AddonContext, opts: DeployOptions) {
        super("platform:addons:ObjectStore", name, {}, { parent: opts.parent });
        const { config } = context;
        const postgres = postgresBackupConsumer(config, context.aws.name);
        if (config.objectStore.kind === "minio") {
            this.dataCaPem = deployMinio(context, this, opts).caCertPem;
            // PostgreSQL's backups live outside the cluster even beside MinIO: an S3 bucket of their own.
            if (config.postgresql.backup.enabled || postgres.readBuckets?.length) {
                new Buckets(
                    "backup-buckets",
                    {
                        ctx: context.aws,
                        clusterName: context.cluster.name,
                        objectStore: { ...config.objectStore, buckets: config.postgresql.backup.enabled ? [backupBucket] : [] },
                        backup: config.postgresql.backup,
                        consumers: [postgres],
                        keyName: backupBucket,
                    },
                    { parent: this },
                );
            }
        } else {
            const mlops = namespacesOfKind(config, "mlops");
            new Buckets(
                "buckets",
                {
                    ctx: context.aws,
                    clusterName: context.cluster.name,
                    objectStore: config.objectStore,
                    backup: config.postgresql.backup,
                    consumers: [
                        // barman-cloud in the PostgreSQL pods (service account named after the cluster): backups only.
                        postgres,
                        ...mlops.map((ns) => ({
                            id: `object-store-mlflow-${ns}`,
                            serviceAccount: { namespace: ns, name: "mlflow" },
                            // Artifacts only: registered model versions point at their run's artifacts (mlflow.ts).
                            buckets: ["mlflow-artifacts"],
                        })),
                        // Model servers fetch registered models (src/addons/serving.ts).
                        ...mlops.map((ns) => ({
                            id: `object-store-serving-${ns}`,
                            serviceAccount: { namespace: ns, name: servingServiceAccount },
                            buckets: ["mlflow-artifacts", "models"],
                        })),
                        // Argo Workflows: workflow pods write artifacts and logs, the server reads them for the UI.
                        ...mlops.map((ns) => ({
                            id: `object-store-workflows-${ns}`,
                            serviceAccount: { namespace: ns, name: "argo-workflow" },
                            buckets: ["workflow-artifacts"],
                        })),
                        {
                            id: "object-store-workflows-server",
                            serviceAccount: { namespace: "argo-workflows", name: "argo-workflows-server" },
                            buckets: ["workflow-artifacts"],
                        },
                        // Each team's pipelines; platform-<environment> keeps the id it always had (no replacement).
                        ...namespacesOfKind(config, "workload").map((ns) => ({
                            id: ns === `platform-${config.environment}` ? "object-store-pipelines" : `object-store-pipelines-${ns}`,
                            serviceAccount: { namespace: ns, name: "pipelines" },
                            buckets: ["datasets", "models"],
                        })),
                    ],
                },
                { parent: this },
            );
        }
        this.registerOutputs({});
    }
}

export const objectStore: Addon = {
    id: "object-store",
    needs: ["data-namespace", "cert-manager"],
    deploy: (context, opts) => new ObjectStore("object-store", context, opts),
};
