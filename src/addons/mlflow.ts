import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { bucketName } from "../aws/buckets";
import { poolLabel } from "../aws/node-pools";
import { charts, images, PlatformConfig } from "../config";
import { Baseline, namespacesOfKind } from "../k8s/baseline";
import { nsSelector, objectStoreClientLabel, PolicySpec, tcp } from "../k8s/network-policies";
import { planSubnets } from "../aws/cidr";
import { Addon, AddonContext, DeployOptions, helmRelease } from "./contract";
import { zoneKey } from "./data-namespace";
import { minioArtifactsUser, MinioUser } from "./minio-users";
import { ObjectStore, objectStoreFacts } from "./object-store";
import { databases, PostgreSql, postgresHosts } from "./postgresql";

/**
 * MLflow tracking server and model registry (SPEC §4, design appendix §4), from the community-charts
 * `mlflow` chart 1.11.5 (community-charts/helm-charts, tag mlflow-1.11.5, charts/mlflow/values.yaml
 * and templates/deployment.yaml), image burakince/mlflow 3.15.1 — the official ghcr.io/mlflow/mlflow
 * image has neither psycopg2 nor boto3 (mlflow/mlflow#9513).
 *
 * Connection path:
 * - backend store: the CloudNativePG `mlflow` database as `mlflow_service`. The chart builds
 *   `postgresql://` and libpq reads PGHOST/PGPORT/PGDATABASE (chart ConfigMap) and PGUSER/PGPASSWORD
 *   (our Secret `mlflow-database`, a copy of the role's generated password delivered by the secrets
 *   path into the MLflow namespace). TLS: `PGSSLMODE=require`. Not verify-full: the server
 *   certificate is signed by the CA CloudNativePG generates at cluster creation (`postgres-ca` in the
 *   data namespace), which the program cannot read before it exists nor mount across namespaces;
 *   the server's pg_hba rejects every non-TLS connection anyway (postgresql.ts), so the chart's
 *   migration init container (libpq default `prefer`) is encrypted too.
 * - artifacts: proxied (`--serve-artifacts`, default root `mlflow-artifacts:/`) to the
 *   `mlflow-artifacts` bucket, so clients (training pods, notebooks) need only the tracking URI and no
 *   object-store credentials: only the server holds them. S3 (`objectStore.kind: s3`): the Pod
 *   Identity role of service account `mlflow` (object-store.ts), read-write on that bucket only, no
 *   static keys. MinIO: a MinIO user allowed that bucket only (minio-users.ts), TLS trusting the data CA.
 * - UI and API at `https://mlflow.<domain>` through the internal ALB; in-cluster at
 *   `http://mlflow.<namespace>.svc` (Service port 80 → 5000) from the MLOps namespaces.
 */

/** The container's port (chart default `service.containerPort`). */
export const mlflowPort = 5000;
/** Release, Service, service account and pod label `app.kubernetes.io/name` (fullnameOverride). */
export const mlflowName = "mlflow";
/** The bucket MLflow's artifacts go to. */
export const artifactsBucket = "mlflow-artifacts";
/** Secret in the MLflow namespace with the database role's username and password. */
export const databaseSecret = "mlflow-database";
/** MinIO only: Secret with the MinIO user's keys, and the data CA's certificate. */
export const minioCredentialsSecret = "mlflow-object-store";
/** MinIO only: ConfigMap with the data CA's certificate (public: no secret). */
export const dataCaConfigMap = "mlflow-data-ca";
/** Where Prometheus multiprocess metrics are written (`--expose-prometheus`); /tmp is the chart's emptyDir. */
const metricsDir = "/tmp/prometheus-metrics";

/** Requests and limits of one server pod (the quota check counts them times replicas, plus a surge). */
export const mlflowResources = {
    requests: { cpu: "250m", memory: "512Mi" },
    limits: { cpu: "1", memory: "2Gi" },
} as const;

/** The namespace MLflow runs in: the first MLOps namespace (config rules require one). */
export function mlflowNamespace(config: PlatformConfig): string {
    const [ns] = namespacesOfKind(config, "mlops");
    if (!ns) throw new Error("mlflow: no namespace of kind mlops is configured (namespaces.<name>.kind: mlops)");
    return ns;
}

const host = (domain: string) => `mlflow.${domain}`;
/** The UI and API for people and CI: TLS at the internal ALB. */
export const mlflowUrl = (domain: string) => `https://${host(domain)}`;
/** The tracking URI in-cluster clients set as MLFLOW_TRACKING_URI (the Service, port 80). */
export const mlflowTrackingUri = (config: PlatformConfig) => `http://${mlflowName}.${mlflowNamespace(config)}.svc`;

/** Pod labels the chart sets (templates/_helpers.tpl mlflow.selectorLabels): the PDB and spread select them. */
export const mlflowSelector = { "app.kubernetes.io/name": mlflowName, "app.kubernetes.io/instance": mlflowName };

/**
 * Host headers the server accepts (MLflow ≥ 3.5 security middleware, MLFLOW_SERVER_ALLOWED_HOSTS;
 * patterns with `*`): the UI's host, the Service's names, and pod addresses in the VPC — the
 * kubelet's probes, Prometheus and the ALB's health checks call the pod by its IP.
 */
export function mlflowAllowedHosts(config: PlatformConfig): string[] {
    const ns = mlflowNamespace(config);
    const [address, prefix] = config.network.vpcCidr.split("/");
    const vpcPattern = `${address
        .split(".")
        .slice(0, Math.floor(Number(prefix) / 8))
        .join(".")}.*`;
    return [
        host(config.domain),
        mlflowName,
        `${mlflowName}.${ns}`,
        `${mlflowName}.${ns}.svc`,
        `${mlflowName}.${ns}.svc.cluster.local`,
        vpcPattern,
    ];
}

/** Environment of the server container: TLS to PostgreSQL, the object store's endpoint and region. */
export function mlflowEnv(config: PlatformConfig, ctxName: string): Record<string, string> {
    const facts = objectStoreFacts(config, ctxName);
    return {
        PGSSLMODE: "require",
        AWS_REGION: config.region,
        AWS_DEFAULT_REGION: config.region,
        ...(facts.kind === "minio" ? { MLFLOW_S3_ENDPOINT_URL: facts.endpoint, AWS_CA_BUNDLE: "/etc/mlflow/data-ca/ca.crt" } : {}),
    };
}

/**
 * The chart's values, from config only: replicas, compute pool, restricted security context,
 * probes (the chart's `/health`), proxied artifacts, PostgreSQL through our Secret, metrics, and the
 * UI behind the internal ALB. With more than one replica the pods spread over zones (anti-affinity:
 * the chart has no topologySpreadConstraints value) and a PodDisruptionBudget (made beside the
 * release: the chart has none) keeps one up.
 */
export function mlflowValues(config: PlatformConfig, ctxName: string): Record<string, unknown> {
    const replicas = config.mlflow.replicas;
    const facts = objectStoreFacts(config, ctxName);
    const minio = facts.kind === "minio";
    const s3Bucket = facts.bucketNames[artifactsBucket] ?? (minio ? artifactsBucket : bucketName(ctxName, artifactsBucket));
    const ingressHost = host(config.domain);
    return {
        fullnameOverride: mlflowName,
        replicaCount: replicas,
        image: { repository: images.mlflow.repository, tag: images.mlflow.tag },
        initImages: { mlflowDbMigration: { repository: images.mlflow.repository, tag: images.mlflow.tag } },
        // Pod Identity mounts its own token; the server never calls the Kubernetes API.
        serviceAccount: { create: true, automount: false, name: mlflowName },
        extraPodLabels: minio ? {} : objectStoreClientLabel,
        podSecurityContext: { fsGroup: 1001, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            privileged: false,
            runAsUser: 1001,
            runAsGroup: 1001,
            seccompProfile: { type: "RuntimeDefault" },
        },
        resources: mlflowResources,
        nodeSelector: { [poolLabel]: "compute" },
        affinity:
            replicas > 1
                ? {
                      podAntiAffinity: {
                          preferredDuringSchedulingIgnoredDuringExecution: [
                              { weight: 100, podAffinityTerm: { topologyKey: zoneKey, labelSelector: { matchLabels: mlflowSelector } } },
                          ],
                      },
                  }
                : {},
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        livenessProbe: { initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 5 },
        readinessProbe: { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        telemetry: { enabled: false },
        backendStore: {
            // `mlflow db upgrade` in an init container: a new image migrates the schema before serving.
            databaseMigration: true,
            databaseConnectionCheck: false,
            postgres: { enabled: true, host: postgresHosts().readWrite, port: 5432, database: "mlflow", driver: "" },
            existingDatabaseSecret: { name: databaseSecret, usernameKey: "username", passwordKey: "password" },
        },
        artifactRoot: {
            proxiedArtifactStorage: true,
            defaultArtifactRoot: "mlflow-artifacts:/",
            s3: {
                enabled: true,
                bucket: s3Bucket,
                path: "",
                ...(minio
                    ? {
                          existingSecret: {
                              name: minioCredentialsSecret,
                              keyOfAccessKeyId: "AWS_ACCESS_KEY_ID",
                              keyOfSecretAccessKey: "AWS_SECRET_ACCESS_KEY",
                          },
                      }
                    : {}),
            },
        },
        extraArgs: { exposePrometheus: metricsDir },
        extraEnvVars: mlflowEnv(config, ctxName),
        ...(minio
            ? {
                  extraVolumes: [{ name: "data-ca", configMap: { name: dataCaConfigMap } }],
                  extraVolumeMounts: [{ name: "data-ca", mountPath: "/etc/mlflow/data-ca", readOnly: true }],
              }
            : {}),
        serverAllowedHosts: mlflowAllowedHosts(config),
        ingress: {
            enabled: true,
            className: "alb",
            annotations: {
                "alb.ingress.kubernetes.io/scheme": "internal",
                "alb.ingress.kubernetes.io/target-type": "ip",
                "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
                "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "alb.ingress.kubernetes.io/healthcheck-path": "/health",
                // The certificate is found in ACM by host name (a certificate for mlflow.<domain> must exist).
            },
            hosts: [{ host: ingressHost, paths: [{ path: "/", pathType: "Prefix" }] }],
            tls: [{ hosts: [ingressHost] }],
        },
        // Scraped by the platform's own ServiceMonitor (src/monitoring/scrape.ts), made after the CRDs.
        serviceMonitor: { enabled: false },
    };
}

/**
 * The allows MLflow needs in its namespace beyond the tenant posture (default deny, DNS, PostgreSQL
 * and the object store out): the internal ALB's subnets and the MLOps namespaces' pods (training,
 * pipelines, notebooks) reach the server on 5000, and only the server.
 */
export function mlflowNetworkPolicies(config: PlatformConfig): PolicySpec[] {
    const internalAlb = planSubnets(config.network.vpcCidr, config.network.availabilityZones).map((p) => p.internalLoadBalancerCidr);
    const podSelector = { matchLabels: { "app.kubernetes.io/name": mlflowName } };
    return [
        {
            name: "mlflow-from-internal-alb",
            spec: {
                podSelector,
                policyTypes: ["Ingress"],
                ingress: [{ from: internalAlb.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp([mlflowPort]) }],
            },
        },
        {
            name: "mlflow-from-mlops-clients",
            spec: {
                podSelector,
                policyTypes: ["Ingress"],
                ingress: [{ from: namespacesOfKind(config, "mlops").map(nsSelector), ports: tcp([mlflowPort]) }],
            },
        },
    ];
}

/** Egress from the other MLOps namespaces to the server (their posture allows only their own namespace). */
export function mlflowClientPolicies(config: PlatformConfig): { namespace: string; policy: PolicySpec }[] {
    const server = mlflowNamespace(config);
    return namespacesOfKind(config, "mlops")
        .filter((ns) => ns !== server)
        .map((namespace) => ({
            namespace,
            policy: {
                name: "allow-mlflow",
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [
                        {
                            to: [{ ...nsSelector(server), podSelector: { matchLabels: { "app.kubernetes.io/name": mlflowName } } }],
                            ports: tcp([mlflowPort]),
                        },
                    ],
                },
            },
        }));
}

/**
 * The MLflow add-on: the database role's password copied into the MLflow namespace, the object
 * store's credentials (MinIO) or nothing (S3: Pod Identity), the chart, its PDB and network allows.
 * Deploy order: the role's Secret, the `Cluster` (which creates the role) and the `Database` before
 * the pods; the Pod Identity association (object-store) or the MinIO user before the pods.
 */
export class Mlflow extends pulumi.ComponentResource {
    constructor(name: string, context: AddonContext, opts: DeployOptions & { baseline: Pick<Baseline, "namespaces"> }) {
        super("platform:addons:Mlflow", name, {}, { parent: opts.parent });
        const { config } = context;
        const ns = mlflowNamespace(config);
        // Every object waits for its own namespace's part of the baseline only (crossTeamWaits, src/plan/deploy-order.ts).
        const inNamespace = (namespace: string) => [...opts.dependsOn, opts.baseline.namespaces[namespace]];
        const facts = objectStoreFacts(config, context.aws.name);
        const postgres = opts.needed.postgresql as PostgreSql;
        const objectStore = opts.needed["object-store"] as ObjectStore;
        const after = { parent: this, dependsOn: inNamespace(ns) };

        const ready: pulumi.Resource[] = [
            context.secrets.deliver(
                `${name}-database`,
                {
                    name: databaseSecret,
                    namespace: ns,
                    type: "kubernetes.io/basic-auth",
                    data: { username: databases.mlflow.owner, password: postgres.rolePasswords[databases.mlflow.owner] },
                },
                after,
            ),
            ...mlflowNetworkPolicies(config).map(
                (p) =>
                    new k8s.networking.v1.NetworkPolicy(
                        `${name}-${p.name}`,
                        { metadata: { name: p.name, namespace: ns }, spec: p.spec },
                        after,
                    ),
            ),
        ];
        // Each team's allowance to reach MLflow, in the team's namespace: after that namespace only;
        // the release does not wait for them (nothing of MLflow's start needs its clients).
        for (const { namespace, policy } of mlflowClientPolicies(config)) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${policy.name}-${namespace}`,
                { metadata: { name: policy.name, namespace }, spec: policy.spec },
                { parent: this, dependsOn: inNamespace(namespace) },
            );
        }
        if (facts.kind === "minio") {
            // The user needs the tenant only, not the database: it is made while PostgreSQL starts.
            const user: MinioUser = minioArtifactsUser(`${name}-minio-user`, context, {
                parent: this,
                dependsOn: [...opts.after, opts.needed["object-store"]],
            });
            ready.push(
                user.job,
                context.secrets.deliver(
                    `${name}-object-store`,
                    {
                        name: minioCredentialsSecret,
                        namespace: ns,
                        data: { AWS_ACCESS_KEY_ID: user.accessKey, AWS_SECRET_ACCESS_KEY: user.secretKey },
                    },
                    after,
                ),
                new k8s.core.v1.ConfigMap(
                    `${name}-data-ca`,
                    { metadata: { name: dataCaConfigMap, namespace: ns }, data: { "ca.crt": objectStore.dataCaPem! } },
                    after,
                ),
            );
        }
        const release = helmRelease(mlflowName, charts.mlflow, ns, mlflowValues(config, context.aws.name), {
            parent: this,
            dependsOn: [...inNamespace(ns), ...ready],
        });
        if (config.mlflow.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                { metadata: { name: mlflowName, namespace: ns }, spec: { minAvailable: 1, selector: { matchLabels: mlflowSelector } } },
                after,
            );
        }
        this.registerOutputs({ release: release.status });
    }
}

/**
 * The MLflow add-on. `baseline` creates the MLOps namespaces (as for monitoring), which the add-on
 * contract does not carry.
 */
export function mlflowAddon(baseline: Pick<Baseline, "namespaces">): Addon {
    return {
        id: "mlflow",
        // The load balancer controller's webhooks see the Ingress; PostgreSQL gives the role and database;
        // the object store the bucket and (S3) the Pod Identity association, or (MinIO) the tenant.
        needs: ["aws-load-balancer-controller", "postgresql", "object-store"],
        deploy: (context, opts) => new Mlflow("mlflow", context, { ...opts, baseline }),
    };
}
