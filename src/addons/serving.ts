import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { poolLabel } from "../aws/node-pools";
import { gpuTaint, PlatformConfig } from "../config";
import { Baseline, namespacesOfKind } from "../k8s/baseline";
import { objectStoreClientLabel } from "../k8s/network-policies";
import { analysisArgs, sloMetrics } from "../monitoring/analysis";
import { Addon } from "./contract";
import { mlflowTrackingUri } from "./mlflow";

/*
 * Model serving (issue 21, design §2.3): a model registered in MLflow is served by MLServer's MLflow
 * runtime in a Deployment-shaped Argo Rollout, so a new model version is a canary judged by the
 * SLO analyses and rolled back on a breach.
 *
 * Why MLServer under a Rollout and not a KServe InferenceService: KServe's canary
 * (`spec.predictor.canaryTrafficPercent`) works in Serverless mode only (Knative); in
 * RawDeployment mode KServe owns the Deployment it creates, so Argo Rollouts cannot step its
 * traffic (kserve docs "Canary Rollout Strategy" and "Raw Deployment Mode"). KServe's own MLflow
 * support is this same server: its `kserve-mlserver` ClusterServingRuntime runs
 * docker.io/seldonio/mlserver with `mlserver_mlflow.MLflowRuntime`. Running it directly keeps one
 * controller (Argo Rollouts) in charge of traffic, and no Knative.
 *
 * The model is fetched before the server starts (as KServe's storage initializer does) by
 * `mlflow artifacts download` from the registry (`models:/<name>/<version>`), through the
 * tracking server: with MinIO its artifact proxy, with kind s3 the `model-serving` service
 * account's Pod Identity role on the artifact buckets (object-store.ts).
 */

/** MLServer with the MLflow runtime: SeldonIO/MLServer 1.7.1 (the version KServe's runtime pins), `-mlflow` image. */
export const servingImage = "docker.io/seldonio/mlserver:1.7.1-mlflow";
/** The service account serving pods run as in each mlops namespace. */
export const servingServiceAccount = "model-serving";
/** MLServer's REST port (MLSERVER_HTTP_PORT) and metrics port (MLSERVER_METRICS_PORT, its default 8082). */
export const servingPorts = { http: 8080, metrics: 8082 } as const;

/** What a model needs: registry name and version, and its resources (a GPU count puts it on the GPU pool). */
export interface ModelSpec {
    name: string;
    version: number;
    namespace: string;
    replicas: number;
    cpu: string;
    memory: string;
    gpus: number;
}

/** The node pool a model runs on: a GPU pool when it asks for GPUs, else the general compute pool (untainted, not system). */
export function servingPool(config: PlatformConfig, gpus: number): string {
    const pools = Object.entries(config.nodePools);
    const pick = gpus > 0 ? pools.find(([, p]) => p.gpu) : pools.find(([name, p]) => !p.gpu && p.taints.length === 0 && name !== "system");
    if (!pick) {
        throw new Error(`serving: no ${gpus > 0 ? "GPU" : "untainted non-system"} node pool in nodePools for a model with ${gpus} GPU(s)`);
    }
    return pick[0];
}

const clusterTemplate = (templateName: string) => ({ templateName, clusterScope: true });

/**
 * The Rollout's canary steps from the `rollouts` config: an optional A/B experiment (stable and
 * new version side by side at `abTest.weight` % each), then each `setWeight` + `pause`, then the
 * change-window gate and a manual pause where config asks; 100 % follows the last step.
 */
export function canarySteps(config: PlatformConfig, namespace: string): object[] {
    const r = config.rollouts;
    const steps: object[] = [];
    if (r.abTest) {
        steps.push({
            experiment: {
                duration: r.abTest.duration,
                templates: [
                    { name: "baseline", specRef: "stable", weight: r.abTest.weight },
                    { name: "candidate", specRef: "canary", weight: r.abTest.weight },
                ],
                analyses: sloMetrics(config.slo).map((m) => ({
                    name: m.metric,
                    ...clusterTemplate(m.template),
                    args: [
                        { name: analysisArgs.namespace, value: namespace },
                        { name: analysisArgs.canaryHash, value: "{{templates.candidate.podTemplateHash}}" },
                    ],
                })),
            },
        });
    }
    for (const s of r.steps) steps.push({ setWeight: s.weight }, { pause: { duration: s.pause } });
    if (r.manualPromotion) steps.push({ pause: {} });
    if (r.changeWindow) steps.push({ analysis: { templates: [clusterTemplate("change-window")] } });
    return steps;
}

/** The canary strategy: ALB weighted target groups, the SLO analyses in the background from the first weight. */
export function canaryStrategy(config: PlatformConfig, name: string, namespace: string) {
    const steps = canarySteps(config, namespace);
    return {
        canary: {
            canaryService: `${name}-canary`,
            stableService: `${name}-stable`,
            trafficRouting: { alb: { ingress: name, servicePort: 80 } },
            analysis: {
                templates: sloMetrics(config.slo).map((m) => clusterTemplate(m.template)),
                startingStep: steps.findIndex((s) => "setWeight" in s),
                args: [
                    { name: analysisArgs.namespace, value: namespace },
                    { name: analysisArgs.canaryHash, valueFrom: { podTemplateHashValue: "Latest" } },
                ],
            },
            steps,
        },
    };
}

/** The GitOps example: a registered model as a Rollout-managed service with the SLO analyses (docs/serving.md). */
export function servingExample(config: PlatformConfig, model: ModelSpec): object[] {
    const { name, namespace } = model;
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "model-serving" };
    // The MLflow Service (src/addons/mlflow.ts): port 80 in front of the server's 5000.
    const tracking = { name: "MLFLOW_TRACKING_URI", value: mlflowTrackingUri(config) };
    const pool = servingPool(config, model.gpus);
    const gpu = model.gpus > 0 ? { "nvidia.com/gpu": String(model.gpus) } : {};
    const restricted = {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
    };
    const service = (suffix: string) => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `${name}-${suffix}`, namespace },
        spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    });
    return [
        {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Rollout",
            metadata: { name, namespace, labels },
            spec: {
                replicas: model.replicas,
                revisionHistoryLimit: 3,
                selector: { matchLabels: labels },
                template: {
                    // With kind s3 under restricted egress, only labelled object-store clients reach S3 (network-policies.ts).
                    metadata: { labels: { ...labels, ...(config.objectStore.kind === "s3" ? objectStoreClientLabel : {}) } },
                    spec: {
                        serviceAccountName: servingServiceAccount,
                        nodeSelector: { [poolLabel]: pool },
                        tolerations: model.gpus > 0 ? [{ ...gpuTaint, operator: "Equal" }] : [],
                        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
                        initContainers: [
                            {
                                name: "fetch-model",
                                image: servingImage,
                                command: ["mlflow", "artifacts", "download"],
                                args: ["--artifact-uri", `models:/${name}/${model.version}`, "--dst-path", "/mnt/models"],
                                env: [tracking],
                                volumeMounts: [{ name: "model", mountPath: "/mnt/models" }],
                                securityContext: restricted,
                                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                            },
                        ],
                        containers: [
                            {
                                name: "mlserver",
                                image: servingImage,
                                env: [
                                    { name: "MLSERVER_MODEL_NAME", value: name },
                                    { name: "MLSERVER_MODEL_IMPLEMENTATION", value: "mlserver_mlflow.MLflowRuntime" },
                                    { name: "MLSERVER_MODEL_URI", value: "/mnt/models" },
                                    { name: "MLSERVER_HTTP_PORT", value: String(servingPorts.http) },
                                    { name: "MLSERVER_METRICS_PORT", value: String(servingPorts.metrics) },
                                ],
                                ports: [
                                    { name: "http", containerPort: servingPorts.http },
                                    { name: "metrics", containerPort: servingPorts.metrics },
                                ],
                                readinessProbe: { httpGet: { path: "/v2/health/ready", port: "http" } },
                                livenessProbe: { httpGet: { path: "/v2/health/live", port: "http" }, initialDelaySeconds: 30 },
                                resources: {
                                    requests: { cpu: model.cpu, memory: model.memory, ...gpu },
                                    limits: { cpu: model.cpu, memory: model.memory, ...gpu },
                                },
                                volumeMounts: [
                                    { name: "model", mountPath: "/mnt/models", readOnly: true },
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                                securityContext: restricted,
                            },
                        ],
                        volumes: [
                            { name: "model", emptyDir: {} },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
                strategy: canaryStrategy(config, name, namespace),
            },
        },
        service("stable"),
        service("canary"),
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: {
                name,
                namespace,
                annotations: {
                    "alb.ingress.kubernetes.io/target-type": "ip",
                    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
                    "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                },
            },
            spec: {
                ingressClassName: "alb",
                rules: [
                    {
                        host: `${name}.${config.domain}`,
                        http: {
                            paths: [
                                {
                                    path: "/",
                                    pathType: "Prefix",
                                    // Argo Rollouts rewrites this into a forward action over both target groups (alb.md).
                                    backend: { service: { name: `${name}-stable`, port: { name: "use-annotation" } } },
                                },
                            ],
                        },
                    },
                ],
            },
        },
        {
            // MLServer's REST metrics under the platform's SLI names, and the pod-template hash the analyses select on.
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: { name, namespace },
            spec: {
                selector: { matchLabels: labels },
                podTargetLabels: ["rollouts-pod-template-hash"],
                podMetricsEndpoints: [
                    {
                        port: "metrics",
                        interval: "30s",
                        metricRelabelings: [
                            {
                                sourceLabels: ["__name__"],
                                regex: "rest_server_requests_total",
                                targetLabel: "__name__",
                                replacement: "http_requests_total",
                            },
                            {
                                sourceLabels: ["__name__"],
                                regex: "rest_server_requests_duration_seconds_(bucket|sum|count)",
                                targetLabel: "__name__",
                                replacement: "http_request_duration_seconds_$1",
                            },
                            { sourceLabels: ["status_code"], targetLabel: "code" },
                        ],
                    },
                ],
            },
        },
    ];
}

/** The example as multi-document YAML, as docs/serving.md shows it. */
export function servingExampleYaml(config: PlatformConfig): string {
    return servingExample(config, exampleModel(config))
        .map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false }))
        .join("---\n");
}

/** The example model of the docs: the first mlops namespace, CPU only. */
export function exampleModel(config: PlatformConfig): ModelSpec {
    return { name: "churn", version: 3, namespace: namespacesOfKind(config, "mlops")[0], replicas: 3, cpu: "1", memory: "2Gi", gpus: 0 };
}

/**
 * The serving add-on: in every mlops namespace the `model-serving` service account the serving
 * pods run as (with kind s3, its Pod Identity association reads the model artifacts). Each account
 * waits for its own namespace's component of `baseline` ({@link Baseline.namespaces}), not for all of them.
 */
export function servingAddon(baseline: Pick<Baseline, "namespaces">): Addon {
    return {
        id: "serving",
        needs: [],
        deploy(context, opts) {
            const parent = new pulumi.ComponentResource("platform:addons:Serving", "serving", {}, { parent: opts.parent });
            for (const ns of namespacesOfKind(context.config, "mlops")) {
                new k8s.core.v1.ServiceAccount(
                    `serving-${ns}`,
                    { metadata: { name: servingServiceAccount, namespace: ns }, automountServiceAccountToken: false },
                    { parent, dependsOn: [...opts.dependsOn, baseline.namespaces[ns]] },
                );
            }
            return parent;
        },
    };
}
