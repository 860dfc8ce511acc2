import { fixture, RuleCases } from "../../../policy/rules/evaluate";

/** Fixtures of the pod-spec and chart rules; test/policy/rules.test.ts runs every case. */

type Obj = Record<string, unknown>;
const goodContainer = {
    name: "app",
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/prod/mlflow:2.17.0",
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    readinessProbe: { httpGet: { path: "/health", port: 5000 } },
    livenessProbe: { httpGet: { path: "/health", port: 5000 } },
};
const goodSpec = {
    serviceAccountName: "mlflow",
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
    containers: [goodContainer],
};

/** A Deployment whose pod spec is the good one with `spec` and the container with `container` merged in. */
function deployment(spec: Obj = {}, container: Obj = {}, type = "kubernetes:apps/v1:Deployment", urnParent?: ReturnType<typeof fixture>) {
    const podSpec = { ...goodSpec, ...spec, containers: [{ ...goodContainer, ...container }] };
    const inputs = {
        metadata: { name: "mlflow", namespace: "platform-mlops" },
        spec:
            type === "kubernetes:batch/v1:CronJob"
                ? { schedule: "@daily", jobTemplate: { spec: { template: { spec: podSpec } } } }
                : { replicas: 1, template: { spec: podSpec } },
    };
    return fixture(type, "mlflow", inputs, { parent: urnParent });
}
const securityContext = (changes: Obj) => ({ securityContext: { ...goodContainer.securityContext, ...changes } });
const release = (changes: Obj) =>
    fixture("kubernetes:helm.sh/v3:Release", "argocd", {
        chart: "argo-cd",
        version: "7.7.5",
        namespace: "argocd",
        repositoryOpts: { repo: "https://argoproj.github.io/argo-helm" },
        ...changes,
    });
const upstreamChart = fixture("kubernetes:helm.sh/v4:Chart", "monitoring", { chart: "kube-prometheus-stack", version: "65.1.0" });

export const k8sWorkloadCases: RuleCases = {
    "k8s-pod-no-privileged": {
        ok: [
            { title: "restricted pod", resources: [deployment()] },
            {
                title: "upstream chart's privileged DaemonSet is not ours",
                resources: [deployment({}, securityContext({ privileged: true }), "kubernetes:apps/v1:DaemonSet", upstreamChart)],
            },
        ],
        bad: [
            {
                title: "privileged",
                resources: [deployment({}, securityContext({ privileged: true }))],
                message: /Container "app" runs privileged/,
            },
        ],
    },
    "k8s-pod-no-host-namespaces": {
        ok: [{ title: "no host access", resources: [deployment()] }],
        bad: [
            { title: "hostNetwork", resources: [deployment({ hostNetwork: true })], message: /hostNetwork is true/ },
            {
                title: "hostPID in a CronJob",
                resources: [deployment({ hostPID: true }, {}, "kubernetes:batch/v1:CronJob")],
                message: /hostPID is true/,
            },
            {
                title: "hostPath volume",
                resources: [deployment({ volumes: [{ name: "docker", hostPath: { path: "/var/run" } }] })],
                message: /hostPath volume "docker"/,
            },
            {
                title: "host port",
                resources: [deployment({}, { ports: [{ containerPort: 80, hostPort: 80 }] })],
                message: /binds a host port/,
            },
        ],
    },
    "k8s-pod-no-privilege-escalation": {
        ok: [{ title: "explicitly off", resources: [deployment()] }],
        bad: [
            {
                title: "left to the default",
                resources: [deployment({}, securityContext({ allowPrivilegeEscalation: undefined }))],
                message: /does not set securityContext\.allowPrivilegeEscalation: false/,
            },
        ],
    },
    "k8s-pod-run-as-non-root": {
        ok: [
            { title: "pod-level runAsNonRoot", resources: [deployment()] },
            {
                title: "container-level runAsNonRoot",
                resources: [
                    deployment(
                        { securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
                        securityContext({ runAsNonRoot: true }),
                    ),
                ],
            },
        ],
        bad: [
            {
                title: "not required",
                resources: [deployment({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } })],
                message: /may run as root/,
            },
            { title: "user 0", resources: [deployment({}, securityContext({ runAsUser: 0 }))], message: /runs as user 0/ },
        ],
    },
    "k8s-pod-drop-all-capabilities": {
        ok: [
            {
                title: "drop ALL, add NET_BIND_SERVICE",
                resources: [deployment({}, securityContext({ capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } }))],
            },
        ],
        bad: [
            {
                title: "keeps defaults",
                resources: [deployment({}, securityContext({ capabilities: undefined }))],
                message: /does not drop ALL capabilities/,
            },
            {
                title: "adds NET_ADMIN",
                resources: [deployment({}, securityContext({ capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } }))],
                message: /adds capabilities NET_ADMIN/,
            },
        ],
    },
    "k8s-pod-seccomp": {
        ok: [{ title: "RuntimeDefault", resources: [deployment()] }],
        bad: [
            {
                title: "no profile",
                resources: [deployment({ securityContext: { runAsNonRoot: true } })],
                message: /has no seccomp profile/,
            },
            {
                title: "Unconfined",
                resources: [deployment({}, securityContext({ seccompProfile: { type: "Unconfined" } }))],
                message: /has no seccomp profile/,
            },
        ],
    },
    "k8s-pod-read-only-root-filesystem": {
        ok: [{ title: "read-only", resources: [deployment()] }],
        bad: [
            {
                title: "writable",
                resources: [deployment({}, securityContext({ readOnlyRootFilesystem: false }))],
                message: /writable root filesystem/,
            },
        ],
    },
    "k8s-container-resources": {
        ok: [{ title: "requests and limits", resources: [deployment()] }],
        bad: [
            {
                title: "no limits",
                resources: [deployment({}, { resources: { requests: { cpu: "100m", memory: "128Mi" } } })],
                message: /sets no limits\.cpu, limits\.memory/,
            },
            {
                title: "nothing",
                resources: [deployment({}, { resources: undefined })],
                message: /sets no requests\.cpu, requests\.memory, limits\.cpu, limits\.memory/,
            },
        ],
    },
    "k8s-pod-dedicated-service-account": {
        ok: [{ title: "own ServiceAccount", resources: [deployment()] }],
        bad: [
            {
                title: "default ServiceAccount",
                resources: [deployment({ serviceAccountName: "default" })],
                message: /runs as the "default" ServiceAccount/,
            },
            { title: "none named", resources: [deployment({ serviceAccountName: undefined })], message: /"default" ServiceAccount/ },
        ],
    },
    "k8s-image-pinned": {
        ok: [
            { title: "tagged image", resources: [deployment()] },
            { title: "digest", resources: [deployment({}, { image: "quay.io/minio/minio@sha256:0123" })] },
            { title: "registry with a port", resources: [deployment({}, { image: "registry.local:5000/team/app:1.2.3" })] },
            { title: "chart values with pinned tags", resources: [release({ values: { global: { image: { tag: "v2.13.1" } } } })] },
        ],
        bad: [
            {
                title: ":latest",
                resources: [deployment({}, { image: "nginx:latest" })],
                message: /image nginx:latest uses the :latest tag/,
            },
            {
                title: "no tag",
                resources: [deployment({}, { image: "registry.local:5000/team/app" })],
                message: /has no tag, which means :latest/,
            },
            {
                title: "latest in chart values",
                resources: [release({ values: { server: { image: { tag: "latest" } } } })],
                message: /Helm values pin :latest at server\.image\.tag/,
            },
        ],
    },
    "helm-chart-version-pinned": {
        ok: [{ title: "exact version over HTTPS", resources: [release({})] }],
        bad: [
            { title: "no version", resources: [release({ version: undefined })], message: /has no version/ },
            { title: "a range", resources: [release({ version: "^7.0.0" })], message: /"\^7\.0\.0" is a range/ },
            { title: "plain HTTP", resources: [release({ repositoryOpts: { repo: "http://charts.example.com" } })], message: /plain HTTP/ },
        ],
    },
    "k8s-workload-probes": {
        ok: [{ title: "both probes", resources: [deployment()] }],
        bad: [{ title: "no liveness probe", resources: [deployment({}, { livenessProbe: undefined })], message: /has no livenessProbe/ }],
    },
};
