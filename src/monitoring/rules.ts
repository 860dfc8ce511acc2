import type { PlatformConfig } from "../config";
import { namespacesOfKind } from "../k8s/baseline";
import { braces, burnRateWindows, errorBudget, sliExpressions, sliWindow, SloConfig } from "./slo";
import { workflowRuleGroup } from "./workflow-rules";

/**
 * The platform's Prometheus rules as data (SPEC §4): SLI recording rules, SLO alerts with
 * multi-window burn rates, and platform alerts. Pure: rendered into PrometheusRule objects by the
 * monitoring add-on and into rule files that `promtool` checks and tests.
 */

export type Severity = "critical" | "warning";

export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: { severity: Severity; component: string };
    annotations: { summary: string; description: string; runbook_url: string };
}

export interface RecordingRule {
    record: string;
    expr: string;
}

export interface RuleGroup {
    name: string;
    rules: (AlertRule | RecordingRule)[];
}

/** What the rules depend on, narrowed from the config so tests can vary one thing at a time. */
export interface RuleInputs {
    slo: SloConfig;
    /** Runbook document every alert links into: `<base>#<alert name in lower case>`. */
    runbookBaseUrl: string;
    /** A GPU pool exists: GPU utilisation, GPU health (XID, row remap) and pending-GPU-pod alerts. */
    gpu: boolean;
    /** Minutes a GPU pod may stay Pending before GPUPodsPending fires (monitoring.gpuPendingMinutes). */
    gpuPendingMinutes?: number;
    /** PostgreSQL has replicas (replication lag) and backups (failed, stale). */
    postgresql: { replicas: boolean; backups: boolean };
    /** The object store is MinIO (not S3). */
    minio: boolean;
    /** ArgoCD syncs automatically: out of sync for long is a fault; with manual sync it awaits approval. */
    gitopsAutoSync: boolean;
    /** Where the ML services run (src/addons/mlflow.ts, keda.ts, metrics-server.ts): their availability alerts. */
    mlServices?: { mlflowNamespace: string; kedaNamespace: string; metricsServerNamespace: string };
}

/** The runbook document in this repository, on its main branch. */
export function runbookBaseUrl(githubRepository: string): string {
    return `https://github.com/${githubRepository}/blob/main/docs/runbooks.md`;
}

export function ruleInputs(config: PlatformConfig): RuleInputs {
    return {
        slo: config.slo as SloConfig,
        runbookBaseUrl: runbookBaseUrl(config.ci.githubRepository),
        gpu: Object.values(config.nodePools).some((p) => p.gpu),
        gpuPendingMinutes: config.monitoring.gpuPendingMinutes,
        postgresql: { replicas: config.postgresql.instances > 1, backups: config.postgresql.backup.enabled },
        minio: config.objectStore.kind === "minio",
        gitopsAutoSync: config.gitops.autoSync,
        mlServices: {
            mlflowNamespace: namespacesOfKind(config, "mlops")[0],
            kedaNamespace: "keda",
            metricsServerNamespace: "metrics-server",
        },
    };
}

/** Recording rule names of the SLIs; dashboards and alerts read these. */
export const sli = {
    requestRate: (w: string) => `sli:requests:rate${w}`,
    errorRatio: (w: string) => `sli:request_errors:ratio_rate${w}`,
    latencyP95: "sli:request_latency_seconds:p95_rate5m",
    gpuUtilization: "sli:gpu_utilization_percent:avg_over_time10m",
    modelDrift: "sli:model_drift:ratio",
};

const errorWindows = ["5m", "30m", "1h", "6h"];
const num = (n: number) => String(Number(n.toPrecision(6)));

/** Every rule group the platform renders for this configuration, in a stable order. */
export function platformRuleGroups(inputs: RuleInputs): RuleGroup[] {
    const alert = alertFactory(inputs.runbookBaseUrl);
    const groups: RuleGroup[] = [sloRecording(inputs.slo, inputs.gpu), { name: "slo-alerts", rules: sloAlerts(inputs, alert) }];
    const postgresql: AlertRule[] = [];
    if (inputs.postgresql.replicas) {
        postgresql.push(
            alert("PostgresReplicationLagHigh", "postgresql", "warning", {
                expr: "max by (namespace, pod) (cnpg_pg_replication_lag) > 30",
                for: "5m",
                summary: "PostgreSQL replica {{ $labels.pod }} lags the primary",
                description: "Replica {{ $labels.pod }} in {{ $labels.namespace }} is {{ $value | humanizeDuration }} behind the primary.",
            }),
        );
    }
    if (inputs.postgresql.backups) {
        // Backups go through the barman-cloud plugin, which reports its own timestamps through the
        // instances' exporter; CNPG's cnpg_collector_last_*_backup_timestamp stay 0 for plugin backups.
        const failed = "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp";
        const available = "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp";
        postgresql.push(
            alert("PostgresBackupFailed", "postgresql", "critical", {
                expr: `max by (namespace) (${failed}) > max by (namespace) (${available})`,
                for: "5m",
                summary: "The last PostgreSQL backup in {{ $labels.namespace }} failed",
                description: "The newest backup attempt of the cluster in {{ $labels.namespace }} failed after the last good one.",
            }),
            alert("PostgresBackupStale", "postgresql", "warning", {
                // Daily schedule (SPEC §4) plus two hours of grace.
                // 0 means "no backup yet": not a timestamp.
                expr: `time() - max by (namespace) (${available} > 0) > 26 * 3600`,
                for: "30m",
                summary: "No PostgreSQL backup in {{ $labels.namespace }} for over 26 hours",
                description:
                    "The last good backup in {{ $labels.namespace }} is {{ $value | humanizeDuration }} old; the schedule is daily.",
            }),
        );
    }
    if (postgresql.length) groups.push({ name: "platform-postgresql", rules: postgresql });
    if (inputs.gpu) groups.push({ name: "platform-gpu", rules: gpuAlerts(inputs, alert) });
    if (inputs.minio) {
        groups.push({
            name: "platform-minio",
            rules: [
                alert("MinioNodesOffline", "minio", "critical", {
                    expr: "max by (namespace) (minio_cluster_nodes_offline_total) > 0",
                    for: "5m",
                    summary: "MinIO servers offline in {{ $labels.namespace }}",
                    description: "{{ $value }} MinIO server(s) of the tenant in {{ $labels.namespace }} are offline.",
                }),
                alert("MinioDrivesOffline", "minio", "warning", {
                    expr: "max by (namespace) (minio_cluster_drive_offline_total) > 0",
                    for: "5m",
                    summary: "MinIO drives offline in {{ $labels.namespace }}",
                    description: "{{ $value }} MinIO drive(s) of the tenant in {{ $labels.namespace }} are offline.",
                }),
            ],
        });
    }
    groups.push(
        {
            name: "platform-nodes",
            rules: [
                alert("NodeNotReady", "nodes", "warning", {
                    expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0',
                    for: "10m",
                    summary: "Node {{ $labels.node }} is not ready",
                    description: "Node {{ $labels.node }} has not been Ready for 10 minutes.",
                }),
                alert("PersistentVolumeFillingUp", "volumes", "warning", {
                    expr: "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.15",
                    for: "15m",
                    summary: "Volume {{ $labels.persistentvolumeclaim }} is over 85% full",
                    description:
                        "PVC {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} has {{ $value | humanizePercentage }} free.",
                }),
                alert("PersistentVolumeAlmostFull", "volumes", "critical", {
                    expr: "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.03",
                    for: "5m",
                    summary: "Volume {{ $labels.persistentvolumeclaim }} is almost full",
                    description:
                        "PVC {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} has {{ $value | humanizePercentage }} free.",
                }),
            ],
        },
        {
            name: "platform-sealed-secrets",
            rules: [
                alert("SealedSecretsUnsealErrors", "sealed-secrets", "warning", {
                    expr: "sum by (reason) (rate(sealed_secrets_controller_unseal_errors_total[5m])) > 0",
                    for: "5m",
                    summary: "Sealed Secrets fails to unseal ({{ $labels.reason }})",
                    description: "The controller keeps failing to unseal SealedSecrets, reason {{ $labels.reason }}.",
                }),
            ],
        },
        {
            // Argo Rollouts v1.9.0 controller metrics (controller/metrics/prommetrics.go): rollout_info and
            // analysis_run_info are 1 with the current `phase` label (Abort: rollouts.go calculatePhase).
            name: "platform-rollouts",
            rules: [
                alert("RolloutAborted", "rollouts", "warning", {
                    expr: 'max by (namespace, name) (rollout_info{phase="Abort"}) > 0',
                    for: "1m",
                    summary: "Rollout {{ $labels.name }} was aborted and rolled back",
                    description:
                        "Rollout {{ $labels.namespace }}/{{ $labels.name }} aborted (an analysis failed or someone aborted it): all traffic is back on the stable version.",
                }),
                alert("AnalysisRunInconclusive", "rollouts", "warning", {
                    expr: 'max by (namespace, name) (analysis_run_info{phase="Inconclusive"}) > 0',
                    for: "1m",
                    summary: "Analysis {{ $labels.name }} is inconclusive: its rollout waits for a human",
                    description:
                        "AnalysisRun {{ $labels.namespace }}/{{ $labels.name }} could not judge the canary (no traffic, or outside the change window); the rollout is paused.",
                }),
                alert("AnalysisRunError", "rollouts", "warning", {
                    expr: 'max by (namespace, name) (analysis_run_info{phase="Error"}) > 0',
                    for: "1m",
                    summary: "Analysis {{ $labels.name }} errored",
                    description:
                        "AnalysisRun {{ $labels.namespace }}/{{ $labels.name }} failed to measure (Prometheus unreachable or a bad query) more often than its consecutiveErrorLimit.",
                }),
                alert("ServingErrorsHigh", "serving", "warning", {
                    expr: servingErrors(inputs.slo),
                    for: sliWindow,
                    summary: "Serving in {{ $labels.namespace }} fails over the error budget",
                    description: `{{ $value | humanizePercentage }} of the requests served in {{ $labels.namespace }} failed over ${sliWindow}; the objective allows ${num(errorBudget(inputs.slo.objectivePercent) * 100)} %.`,
                }),
            ],
        },
        {
            name: "platform-argocd",
            rules: [
                alert("ArgoCdAppOutOfSync", "argocd", "warning", {
                    expr: 'max by (name, project) (argocd_app_info{sync_status="OutOfSync"}) > 0',
                    // With manual sync (prod) a diff waits for approval: only a day-old one is a fault.
                    for: inputs.gitopsAutoSync ? "30m" : "24h",
                    summary: "ArgoCD application {{ $labels.name }} is out of sync",
                    description: "Application {{ $labels.name }} (project {{ $labels.project }}) differs from Git.",
                }),
                alert("ArgoCdAppDegraded", "argocd", "warning", {
                    expr: 'max by (name, project) (argocd_app_info{health_status=~"Degraded|Missing"}) > 0',
                    for: "15m",
                    summary: "ArgoCD application {{ $labels.name }} is degraded",
                    description: "Application {{ $labels.name }} (project {{ $labels.project }}) reports Degraded or Missing health.",
                }),
            ],
        },
    );
    if (inputs.mlServices) groups.push({ name: "ml-services", rules: mlServiceAlerts(inputs.mlServices, alert) });
    groups.push(workflowRuleGroup(alert));
    return groups;
}

/**
 * MLflow, KEDA and metrics-server availability. MLflow: no scrape target of its pods is up (its
 * PodMonitor, src/monitoring/scrape.ts) — `or vector(0)` so that no target at all fires too.
 * KEDA and metrics-server: kube-state-metrics' available replicas of their Deployments (names
 * from the pinned charts: keda-operator, keda-operator-metrics-apiserver, metrics-server).
 */
function mlServiceAlerts(ml: NonNullable<RuleInputs["mlServices"]>, alert: ReturnType<typeof alertFactory>): AlertRule[] {
    const available = (ns: string, deployments: string) =>
        `max by (namespace, deployment) (kube_deployment_status_replicas_available{namespace="${ns}", deployment=~"${deployments}"}) < 1`;
    return [
        alert("MlflowDown", "mlflow", "critical", {
            expr: `(sum(up{namespace="${ml.mlflowNamespace}", pod=~"mlflow-.+"}) or vector(0)) < 1`,
            for: "5m",
            summary: "MLflow tracking server is down",
            description: `No MLflow server pod in ${ml.mlflowNamespace} has answered a metrics scrape for 5 minutes: runs cannot be logged nor models registered.`,
        }),
        alert("KedaUnavailable", "keda", "warning", {
            expr: available(ml.kedaNamespace, "keda-operator|keda-operator-metrics-apiserver"),
            for: "10m",
            summary: "KEDA {{ $labels.deployment }} has no available replica",
            description:
                "{{ $labels.deployment }} in {{ $labels.namespace }} has had no available replica for 10 minutes: ScaledObjects do not scale.",
        }),
        alert("MetricsServerUnavailable", "metrics-server", "warning", {
            expr: available(ml.metricsServerNamespace, "metrics-server"),
            for: "10m",
            summary: "metrics-server has no available replica",
            description: "metrics.k8s.io is unavailable: HorizontalPodAutoscalers hold their replica counts and `kubectl top` fails.",
        }),
    ];
}

/** Per namespace, the share of served requests that fail (the SLI's error selector) above the error budget. */
function servingErrors(slo: SloConfig): string {
    const { sli: s } = slo;
    const rate = (sel: string) => `sum by (namespace) (rate(${s.requestsMetric}${sel}[${sliWindow}]))`;
    return `${rate(braces(s.selector, s.errorSelector))} / ${rate(braces(s.selector))} > ${num(errorBudget(slo.objectivePercent))}`;
}

function sloRecording(slo: SloConfig, gpu: boolean): RuleGroup {
    const { sli: s } = slo;
    const expr = sliExpressions(s);
    const rules: RecordingRule[] = [];
    for (const w of errorWindows) {
        rules.push({ record: sli.requestRate(w), expr: expr.requestRate(w) });
        rules.push({ record: sli.errorRatio(w), expr: expr.errorRatio(w) });
    }
    rules.push(
        {
            record: sli.latencyP95,
            expr: expr.latencyP95(sliWindow),
        },
        { record: sli.modelDrift, expr: `max without (instance, pod, container, endpoint) (${s.driftMetric}${braces(s.driftSelector)})` },
    );
    if (gpu) rules.push({ record: sli.gpuUtilization, expr: `avg_over_time(${s.gpuUtilizationMetric}[10m])` });
    return { name: "slo-recording", rules };
}

function sloAlerts(inputs: RuleInputs, alert: ReturnType<typeof alertFactory>): AlertRule[] {
    const { slo } = inputs;
    const budget = errorBudget(slo.objectivePercent);
    const rules: AlertRule[] = [];
    if (slo.burnRateAlerts) {
        for (const w of burnRateWindows) {
            const threshold = num(w.factor * budget);
            rules.push(
                alert(w.alert, "slo", "critical", {
                    expr: `${sli.errorRatio(w.long)} > ${threshold} and ${sli.errorRatio(w.short)} > ${threshold}`,
                    for: w.for,
                    summary: `Error budget burning ${w.factor}× too fast (${w.long} window)`,
                    description:
                        `The error ratio is {{ $value | humanizePercentage }} over ${w.long} and still above ${w.factor}× the budget ` +
                        `over ${w.short}: at this rate the ${slo.objectivePercent}% objective's 30-day budget is gone in ` +
                        `${num(30 / w.factor)} days.`,
                }),
            );
        }
    }
    rules.push(
        alert("LatencyP95High", "slo", "warning", {
            expr: `${sli.latencyP95} > ${num(slo.latencyP95Seconds)}`,
            for: "10m",
            summary: "p95 latency above the objective",
            description: `p95 request latency is {{ $value | humanizeDuration }}; the objective is ${num(slo.latencyP95Seconds * 1000)} ms.`,
        }),
        alert("ThroughputLow", "slo", "warning", {
            expr: `${sli.requestRate("5m")} < ${num(slo.minThroughputRps)}`,
            for: "10m",
            summary: "Throughput below the objective",
            description: `Serving handles {{ $value | humanize }} requests per second; the objective is over ${num(slo.minThroughputRps)}.`,
        }),
        alert("ModelDriftHigh", "slo", "warning", {
            expr: `${sli.modelDrift} > ${num(slo.maxModelDrift)}`,
            for: "15m",
            summary: "Model drift above the objective",
            description: `Drift is {{ $value | humanizePercentage }}; the objective is under ${num(slo.maxModelDrift * 100)}%.`,
        }),
    );
    if (inputs.gpu) {
        rules.push(
            alert("GpuUtilizationHigh", "slo", "warning", {
                expr: `${sli.gpuUtilization} > ${num(slo.maxGpuUtilizationPercent)}`,
                for: "15m",
                summary: "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} saturated",
                description: `GPU utilisation averaged {{ $value }}% over 10 minutes; the objective is under ${num(slo.maxGpuUtilizationPercent)}%.`,
            }),
        );
    }
    return rules;
}

/**
 * GPU capacity and health. GPUPodsPending: a pod requesting `nvidia.com/gpu` (kube-state-metrics
 * exports the resource as `nvidia_com_gpu`) Pending for the configured minutes — no GPU capacity
 * (NodePool limit reached, no instance available, or quota). XID and row-remap: the DCGM exporter's
 * default counters (NVIDIA/dcgm-exporter etc/default-counters.csv, the chart's `-f` default):
 * DCGM_FI_DEV_XID_ERRORS is the last XID code, DCGM_FI_DEV_ROW_REMAP_FAILURE 1 when the GPU can no
 * longer remap failed memory rows (it must be replaced). Node repair (EKS for managed groups,
 * Karpenter's NodeRepair gate) acts on the node conditions; these alerts tell people.
 */
function gpuAlerts(inputs: RuleInputs, alert: ReturnType<typeof alertFactory>): AlertRule[] {
    const minutes = inputs.gpuPendingMinutes ?? 15;
    return [
        alert("GPUPodsPending", "gpu", "warning", {
            expr:
                'max by (namespace, pod) (kube_pod_status_phase{phase="Pending"} == 1) and on (namespace, pod) ' +
                '(max by (namespace, pod) (kube_pod_container_resource_requests{resource="nvidia_com_gpu"}) > 0)',
            for: `${minutes}m`,
            summary: "GPU pod {{ $labels.namespace }}/{{ $labels.pod }} has no GPU capacity",
            description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} requests GPUs and has been Pending for over ${minutes} minutes.`,
        }),
        alert("GpuXidError", "gpu", "warning", {
            expr: "max by (Hostname, gpu) (DCGM_FI_DEV_XID_ERRORS) > 0",
            for: "1m",
            summary: "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $value }}",
            description: "The GPU driver reported XID error {{ $value }}; see the runbook for which XIDs need the node replaced.",
        }),
        alert("GpuRowRemapFailure", "gpu", "critical", {
            expr: "max by (Hostname, gpu) (DCGM_FI_DEV_ROW_REMAP_FAILURE) > 0",
            for: "1m",
            summary: "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} cannot remap failed memory rows",
            description: "Row remapping failed: the GPU's memory is failing and the node must be replaced.",
        }),
    ];
}

interface AlertSpec {
    expr: string;
    for: string;
    summary: string;
    description: string;
}

function alertFactory(base: string) {
    return (name: string, component: string, severity: Severity, a: AlertSpec): AlertRule => ({
        alert: name,
        expr: a.expr,
        for: a.for,
        labels: { severity, component },
        annotations: { summary: a.summary, description: a.description, runbook_url: `${base}#${runbookAnchor(name)}` },
    });
}

/** GitHub's anchor for a `## <AlertName>` heading. */
export function runbookAnchor(alertName: string): string {
    return alertName.toLowerCase();
}

export const isAlert = (r: AlertRule | RecordingRule): r is AlertRule => "alert" in r;

/** Alerts of the given groups, flattened. */
export function alertsOf(groups: readonly RuleGroup[]): AlertRule[] {
    return groups.flatMap((g) => g.rules.filter(isAlert));
}
