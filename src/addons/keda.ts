import { poolLabel } from "../aws/node-pools";
import { charts, PlatformConfig } from "../config";
import { namespaceOfKind, namespacesOfKind } from "../k8s/baseline";
import { allow, apiServerAddresses, nsSelector, PolicySpec, tcp } from "../k8s/network-policies";
import { monitoringNames } from "../monitoring/values";
import { Addon, helmRelease, serviceNamespace } from "./contract";
import { metricsServerReplicas } from "./metrics-server";

/**
 * KEDA (kedacore/charts `keda` 2.20.2, KEDA 2.20.2; keda/values.yaml and
 * keda/templates/crds/crd-scaledobjects.yaml at tag v2.20.2): event-driven pod autoscaling on queue
 * length or a Prometheus query, beside metrics-server's CPU and memory. Its own restricted namespace
 * on the system pool. Ports (chart templates): the metrics API server serves the
 * `v1beta1.external.metrics.k8s.io` APIService on 6443 (`service.portHttpsTarget`), the admission
 * webhooks on 9443 (failurePolicy Ignore by default), the operator's gRPC metrics service on 9666
 * (the metrics API server calls it), and the operator queries Prometheus on 9090 for `prometheus`
 * triggers. The operator runs with leader election, so a second replica is a warm standby; the
 * metrics API server runs one replica (KEDA docs, "High Availability").
 */
export const kedaNamespace = "keda";
export const kedaPorts = { metricsApiServer: 6443, webhooks: 9443, operatorGrpc: 9666, operatorMetrics: 8080 } as const;
/** Prometheus's port (kube-prometheus-stack): the `prometheus` trigger's server. */
export const prometheusPort = 9090;

const labels = (name: string) => ({ matchLabels: { "app.kubernetes.io/name": name } });

/** The in-cluster address of the platform's Prometheus (`<fullname>-prometheus` Service of kube-prometheus-stack). */
export function prometheusAddress(config: PlatformConfig): string {
    return `http://${monitoringNames.fullname}-prometheus.${namespaceOfKind(config, "monitoring")}.svc:${prometheusPort}`;
}

export function kedaValues(config: PlatformConfig): Record<string, unknown> {
    const standby = metricsServerReplicas(config);
    const onSystem = { nodeSelector: { [poolLabel]: "system" } };
    const seccomp = { type: "RuntimeDefault" };
    const container = {
        capabilities: { drop: ["ALL"] },
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        seccompProfile: seccomp,
    };
    const pod = { runAsNonRoot: true, seccompProfile: seccomp };
    const res = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: "1", memory: "1Gi" } });
    return {
        ...onSystem,
        crds: { install: true },
        image: { pullPolicy: "IfNotPresent" },
        operator: { replicaCount: standby },
        metricsServer: { replicaCount: 1 },
        webhooks: { enabled: true, replicaCount: standby, failurePolicy: "Ignore" },
        podDisruptionBudget: standby > 1 ? { operator: { minAvailable: 1 }, webhooks: { minAvailable: 1 } } : {},
        securityContext: { operator: container, metricServer: container, webhooks: container },
        podSecurityContext: { operator: pod, metricServer: pod, webhooks: pod },
        resources: {
            operator: res("100m", "128Mi"),
            metricServer: res("100m", "128Mi"),
            webhooks: res("50m", "64Mi"),
        },
        prometheus: { operator: { enabled: true, port: kedaPorts.operatorMetrics } },
    };
}

/** The namespace's allows beyond default deny: the control plane in, the API and Prometheus out. */
export function kedaPolicies(config: PlatformConfig, monitoringNamespace: string): PolicySpec[] {
    return [
        // Operator ↔ metrics API server (gRPC 9666) and webhooks inside the namespace.
        allow.sameNamespace(),
        allow.apiServer(apiServerAddresses(config), [kedaPorts.metricsApiServer, kedaPorts.webhooks]),
        {
            name: "allow-prometheus-queries",
            spec: {
                podSelector: labels("keda-operator"),
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [{ ...nsSelector(monitoringNamespace), podSelector: labels("prometheus") }],
                        ports: tcp([prometheusPort]),
                    },
                ],
            },
        },
        allow.monitoringScrape(monitoringNamespace, [kedaPorts.operatorMetrics]),
    ];
}

export const keda: Addon = {
    id: "keda",
    // The metrics API sits beside metrics.k8s.io; HPAs made by KEDA read CPU from metrics-server.
    needs: ["metrics-server"],
    deploy(context, opts) {
        const { config } = context;
        const ns = serviceNamespace(
            kedaNamespace,
            context,
            {
                quota: { cpu: 8, memoryGiB: 8, gpus: 0, pods: 12, persistentVolumeClaims: 0, storageGiB: 0 },
                allows: kedaPolicies(config, context.network.monitoringNamespace),
            },
            { parent: opts.parent, dependsOn: opts.after },
        );
        return helmRelease("keda", charts.keda, kedaNamespace, kedaValues(config), {
            parent: opts.parent,
            dependsOn: [...opts.dependsOn, ns],
        });
    },
};

/**
 * The design's pipeline-worker autoscaling (2–20 replicas at 70 % CPU) as GitOps manifests for a
 * workload namespace: a plain HorizontalPodAutoscaler (metrics-server), and the KEDA alternative
 * that adds a Prometheus query (queue depth) to the same CPU target. KEDA makes its own HPA, so a
 * Deployment gets one or the other, never both. Shown in docs/autoscaling.md (rendered from this).
 */
export function pipelineWorkerAutoscaling(config: PlatformConfig) {
    const [namespace] = namespacesOfKind(config, "workload");
    const target = { apiVersion: "apps/v1", kind: "Deployment", name: "pipeline-worker" };
    const hpa = {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "pipeline-worker", namespace },
        spec: {
            scaleTargetRef: target,
            minReplicas: 2,
            maxReplicas: 20,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        },
    };
    const scaledObject = {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name: "pipeline-worker", namespace },
        spec: {
            scaleTargetRef: { name: "pipeline-worker" },
            minReplicaCount: 2,
            maxReplicaCount: 20,
            pollingInterval: 30,
            cooldownPeriod: 300,
            triggers: [
                { type: "cpu", metricType: "Utilization", metadata: { value: "70" } },
                {
                    type: "prometheus",
                    metadata: {
                        serverAddress: prometheusAddress(config),
                        // Jobs waiting per worker: the application exports pipeline_queue_depth.
                        query: `sum(pipeline_queue_depth{namespace="${namespace}"})`,
                        threshold: "10",
                    },
                },
            ],
        },
    };
    return { hpa, scaledObject };
}

/**
 * What the ScaledObject CRD at KEDA 2.20.2 requires (keda/templates/crds/crd-scaledobjects.yaml,
 * openAPIV3Schema): `spec`; `spec.scaleTargetRef` with `name`; `spec.triggers` with at least one
 * item, each with `type` and `metadata` (a map of strings); and the CEL rule
 * `minReplicaCount <= maxReplicaCount` (maxReplicaCount default 100). Returns the violations.
 */
export function scaledObjectProblems(o: { apiVersion?: string; kind?: string; spec?: Record<string, unknown> }): string[] {
    const problems: string[] = [];
    if (o.apiVersion !== "keda.sh/v1alpha1" || o.kind !== "ScaledObject")
        problems.push("apiVersion/kind must be keda.sh/v1alpha1 ScaledObject");
    const spec = o.spec;
    if (!spec) return [...problems, "spec is required"];
    const ref = spec.scaleTargetRef as { name?: unknown } | undefined;
    if (!ref || typeof ref.name !== "string" || !ref.name) problems.push("spec.scaleTargetRef.name is required");
    const triggers = spec.triggers as { type?: unknown; metadata?: unknown }[] | undefined;
    if (!Array.isArray(triggers) || triggers.length < 1) problems.push("spec.triggers needs at least one item");
    (Array.isArray(triggers) ? triggers : []).forEach((t, i) => {
        if (typeof t.type !== "string" || !t.type) problems.push(`spec.triggers[${i}].type is required`);
        if (t.metadata === null || typeof t.metadata !== "object") problems.push(`spec.triggers[${i}].metadata is required`);
        else
            for (const [k, v] of Object.entries(t.metadata as Record<string, unknown>))
                if (typeof v !== "string") problems.push(`spec.triggers[${i}].metadata.${k} must be a string`);
    });
    const min = (spec.minReplicaCount as number | undefined) ?? 0;
    const max = (spec.maxReplicaCount as number | undefined) ?? 100;
    if (min > max) problems.push("minReplicaCount must be less than or equal to maxReplicaCount");
    return problems;
}
