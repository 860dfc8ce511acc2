import { poolLabel } from "../aws/node-pools";
import { gpuTaint, images, PlatformConfig } from "../config";
import { PodSpec } from "../k8s/pod-admission";
import { mlflowTrackingUri } from "./mlflow";
export { crdFacts, crdProblems } from "./argo-workflows-crd";

/**
 * The training pipeline (issue 20, the CI/CT/CD visual's training DAG) as a ClusterWorkflowTemplate:
 * prepare → validate data → train (GPU pool) → evaluate → quality gate → register in MLflow with an
 * alias. Platform scaffolding: every step's image is a parameter, the thresholds are a parameter;
 * the gate and register steps are the platform's (small Python scripts on a pinned image).
 *
 * Field names are the CRD's (argoproj/argo-helm charts/argo-workflows/files/crds/full/
 * argoproj.io_clusterworkflowtemplates.yaml at tag argo-workflows-1.0.18): {@link crdFacts}.
 */
export const trainingTemplateName = "training-pipeline";
/** The image of the gate and register steps: the platform's MLflow server image (Python and the client, same version). */
export const mlflowClientImage = `${images.mlflow.repository}:${images.mlflow.tag}`;

/** What the train step asks for by default: one GPU and a node's share of CPU and memory. */
export const trainDefaults = { gpus: 1, cpu: "2", memory: "8Gi" } as const;
/** Requests and limits of the CPU steps (prepare, validate, evaluate, gate, register). */
export const cpuStepResources = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } };

/** The GPU pools of a stack and the labels that single them out (src/aws/node-pools.ts poolLabels). */
export function gpuPoolNames(config: PlatformConfig): string[] {
    return Object.entries(config.nodePools)
        .filter(([, p]) => p.gpu)
        .map(([name]) => name);
}

/** Where the train step may run: required affinity on the pool label naming a GPU pool, and the GPU taint tolerated. */
export function gpuPlacement(config: PlatformConfig) {
    const pools = gpuPoolNames(config);
    if (pools.length === 0) throw new Error("the training template needs a GPU pool (nodePools.<name>.gpu: true)");
    return {
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: poolLabel, operator: "In", values: pools }] }],
                },
            },
        },
        tolerations: [{ key: gpuTaint.key, operator: "Equal", value: gpuTaint.value, effect: gpuTaint.effect }],
    };
}

/** The register step's tracking URI: `argoWorkflows.mlflowTrackingUri`, else the platform's MLflow Service (src/addons/mlflow.ts). */
export function templateTrackingUri(config: PlatformConfig): string {
    return config.argoWorkflows.mlflowTrackingUri ?? mlflowTrackingUri(config);
}

const restricted = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};
const work = { name: "work", mountPath: "/work" };
const tmp = { name: "tmp", mountPath: "/tmp" };
const p = (name: string) => `{{workflow.parameters.${name}}}`;

const step = (name: string, image: string, args: string[], extra: Record<string, unknown> = {}) => ({
    name,
    container: {
        image,
        args,
        env: [{ name: "MLFLOW_TRACKING_URI", value: p("mlflow-tracking-uri") }],
        resources: cpuStepResources,
        securityContext: restricted,
        volumeMounts: [work, tmp],
    },
    ...extra,
});

const gateScript = `import json, sys
metrics = json.loads(sys.argv[1]); thresholds = json.loads(sys.argv[2])
failed = [f"{k}={metrics.get(k)} (min {t.get('min')}, max {t.get('max')})" for k, t in thresholds.items()
          if k not in metrics or ("min" in t and metrics[k] < t["min"]) or ("max" in t and metrics[k] > t["max"])]
print("quality gate:", "FAILED " + "; ".join(failed) if failed else "passed", metrics)
sys.exit(1 if failed else 0)`;

const registerScript = `import sys, mlflow
from mlflow import MlflowClient
run_id, name, alias = sys.argv[1:4]
version = mlflow.register_model(f"runs:/{run_id}/model", name)
MlflowClient().set_registered_model_alias(name, alias, version.version)
print(f"registered {name} version {version.version} as @{alias}")`;

/** The ClusterWorkflowTemplate, from config (GPU pools, tracking URI). */
export function trainingTemplate(config: PlatformConfig) {
    const gpu = gpuPlacement(config);
    const artifact = (name: string) => ({ name, path: `/work/${name}` });
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "ClusterWorkflowTemplate",
        metadata: { name: trainingTemplateName, labels: { "app.kubernetes.io/part-of": "ml-platform" } },
        spec: {
            entrypoint: "pipeline",
            arguments: {
                parameters: [
                    { name: "prepare-image", description: "image of the data preparation step (pinned tag or digest)" },
                    { name: "validate-image", description: "image of the data validation step" },
                    { name: "train-image", description: "image of the training step (CUDA)" },
                    { name: "evaluate-image", description: "image of the evaluation step; writes /work/metrics.json" },
                    { name: "model-name", description: "registered model name in MLflow" },
                    {
                        name: "model-alias",
                        default: "challenger",
                        description: "alias the new version gets (aliases, not stages: MLflow ≥ 2.9)",
                    },
                    {
                        name: "metric-thresholds",
                        default: JSON.stringify({ accuracy: { min: 0.9 } }),
                        description: 'JSON: metric → {"min": x} and/or {"max": y}; the gate fails on any miss or missing metric',
                    },
                    { name: "gpus", default: String(trainDefaults.gpus) },
                    { name: "train-cpu", default: trainDefaults.cpu },
                    { name: "train-memory", default: trainDefaults.memory },
                    { name: "mlflow-tracking-uri", default: templateTrackingUri(config) },
                ],
            },
            volumes: [
                { name: "work", emptyDir: {} },
                { name: "tmp", emptyDir: {} },
            ],
            templates: [
                {
                    name: "pipeline",
                    dag: {
                        tasks: [
                            { name: "prepare", template: "prepare" },
                            {
                                name: "validate-data",
                                template: "validate-data",
                                depends: "prepare",
                                arguments: { artifacts: [{ name: "dataset", from: "{{tasks.prepare.outputs.artifacts.dataset}}" }] },
                            },
                            {
                                name: "train",
                                template: "train",
                                depends: "validate-data",
                                arguments: { artifacts: [{ name: "dataset", from: "{{tasks.prepare.outputs.artifacts.dataset}}" }] },
                            },
                            {
                                name: "evaluate",
                                template: "evaluate",
                                depends: "train",
                                arguments: { parameters: [{ name: "run-id", value: "{{tasks.train.outputs.parameters.run-id}}" }] },
                            },
                            {
                                name: "quality-gate",
                                template: "quality-gate",
                                depends: "evaluate",
                                arguments: { parameters: [{ name: "metrics", value: "{{tasks.evaluate.outputs.parameters.metrics}}" }] },
                            },
                            {
                                name: "register",
                                template: "register",
                                depends: "quality-gate",
                                arguments: { parameters: [{ name: "run-id", value: "{{tasks.train.outputs.parameters.run-id}}" }] },
                            },
                        ],
                    },
                },
                step("prepare", p("prepare-image"), ["--output", "/work/dataset"], { outputs: { artifacts: [artifact("dataset")] } }),
                step("validate-data", p("validate-image"), ["--input", "/work/dataset"], { inputs: { artifacts: [artifact("dataset")] } }),
                {
                    name: "train",
                    inputs: { artifacts: [artifact("dataset")] },
                    ...gpu,
                    // Argo's documented way to parameterise resources: a patch (a string) merged into the pod by container name.
                    podSpecPatch: JSON.stringify({
                        containers: [
                            {
                                name: "main",
                                resources: {
                                    requests: { cpu: p("train-cpu"), memory: p("train-memory"), "nvidia.com/gpu": p("gpus") },
                                    limits: { cpu: p("train-cpu"), memory: p("train-memory"), "nvidia.com/gpu": p("gpus") },
                                },
                            },
                        ],
                    }),
                    container: {
                        image: p("train-image"),
                        args: ["--input", "/work/dataset", "--run-id-file", "/work/run-id"],
                        env: [{ name: "MLFLOW_TRACKING_URI", value: p("mlflow-tracking-uri") }],
                        // Concrete here (the controller decodes them as Quantities); the parameters apply through podSpecPatch.
                        resources: {
                            requests: {
                                cpu: trainDefaults.cpu,
                                memory: trainDefaults.memory,
                                "nvidia.com/gpu": String(trainDefaults.gpus),
                            },
                            limits: { cpu: trainDefaults.cpu, memory: trainDefaults.memory, "nvidia.com/gpu": String(trainDefaults.gpus) },
                        },
                        securityContext: restricted,
                        volumeMounts: [work, tmp],
                    },
                    outputs: { parameters: [{ name: "run-id", valueFrom: { path: "/work/run-id" } }] },
                },
                {
                    ...step("evaluate", p("evaluate-image"), [
                        "--run-id",
                        "{{inputs.parameters.run-id}}",
                        "--metrics",
                        "/work/metrics.json",
                    ]),
                    inputs: { parameters: [{ name: "run-id" }] },
                    outputs: { parameters: [{ name: "metrics", valueFrom: { path: "/work/metrics.json" } }] },
                },
                {
                    ...step("quality-gate", mlflowClientImage, [
                        "python",
                        "-c",
                        gateScript,
                        "{{inputs.parameters.metrics}}",
                        p("metric-thresholds"),
                    ]),
                    inputs: { parameters: [{ name: "metrics" }] },
                },
                {
                    ...step("register", mlflowClientImage, [
                        "python",
                        "-c",
                        registerScript,
                        "{{inputs.parameters.run-id}}",
                        p("model-name"),
                        p("model-alias"),
                    ]),
                    inputs: { parameters: [{ name: "run-id" }] },
                },
            ],
        },
    };
}

type Template = ReturnType<typeof trainingTemplate>["spec"]["templates"][number];

/** The podSpecPatch's fields for one container (the controller merges the patch into the pod by container name). */
function patchOf(t: Record<string, unknown>, container: string): Record<string, unknown> {
    if (typeof t.podSpecPatch !== "string") return {};
    const patch = JSON.parse(t.podSpecPatch) as { containers?: { name: string }[] };
    const { name, ...fields } = patch.containers?.find((c) => c.name === container) ?? { name: container };
    void name;
    return fields;
}

/** Parameter substitution as the controller does it for `{{workflow.parameters.x}}` (defaults unless given). */
function substitute<T>(value: T, params: Record<string, string>): T {
    return JSON.parse(
        JSON.stringify(value).replace(/\{\{workflow\.parameters\.([a-z0-9-]+)\}\}/g, (m, name: string) => params[name] ?? m),
    ) as T;
}

export interface ControllerDefaults {
    /** workflowDefaults.spec of the controller (pod security, service account, pod labels). */
    spec: { serviceAccountName: string; securityContext: Record<string, unknown>; podMetadata?: { labels?: Record<string, string> } };
    /** executor resources and securityContext (init and wait containers). */
    executor: { resources: Record<string, Record<string, string>>; securityContext: Record<string, unknown> };
}

/**
 * The pod the controller would create for one step (argo-workflows v4.0.6 workflow/controller/
 * workflowpod.go: an `init` and a `wait` container from the executor config, the template's
 * container as `main`, the workflow's volumes plus `var-run-argo`, the template's or workflow's
 * scheduling, the workflow label). Parameters take their defaults unless given.
 */
export function renderStepPod(
    template: ReturnType<typeof trainingTemplate>,
    stepName: string,
    defaults: ControllerDefaults,
    params: Record<string, string> = {},
    workflowName = "training-abc12",
): PodSpec {
    const all = Object.fromEntries(
        template.spec.arguments.parameters.map((x) => [x.name, "default" in x ? String(x.default) : `<${x.name}>`]),
    );
    const t = substitute(template.spec.templates.find((x) => x.name === stepName) as Template & Record<string, unknown>, {
        ...all,
        ...params,
    });
    if (!t || !("container" in t) || !t.container) throw new Error(`no container step ${stepName} in ${template.metadata.name}`);
    const executor = (name: string) => ({
        name,
        image: "quay.io/argoproj/argoexec:v4.0.6",
        resources: defaults.executor.resources,
        securityContext: defaults.executor.securityContext,
    });
    return {
        metadata: { labels: { ...(defaults.spec.podMetadata?.labels ?? {}), "workflows.argoproj.io/workflow": workflowName } },
        spec: {
            serviceAccountName: defaults.spec.serviceAccountName,
            securityContext: defaults.spec.securityContext,
            initContainers: [executor("init")],
            containers: [executor("wait"), { name: "main", ...(t.container as Record<string, unknown>), ...patchOf(t, "main") }],
            volumes: [...template.spec.volumes, { name: "var-run-argo", emptyDir: {} }],
            ...("affinity" in t ? { affinity: t.affinity } : {}),
            ...("tolerations" in t ? { tolerations: t.tolerations } : {}),
        },
    } as PodSpec;
}
