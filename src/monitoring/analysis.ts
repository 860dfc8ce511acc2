import { ChangeWindow, productionWindow } from "../../scripts/ci/change-window";
import { sliExpressions, sliWindow, SloConfig, sloThresholds } from "./slo";
import { monitoringNames } from "./values";

/*
 * Canary analysis from the SLOs (design §4.2, issue 21): Argo Rollouts ClusterAnalysisTemplates
 * (argoproj.io/v1alpha1) whose PromQL is the SAME SLI expression as the recording rules
 * (`sliExpressions` in slo.ts) narrowed to one canary's pods, against the SAME thresholds as the
 * alerts (`sloThresholds`). Pure data: the argo-rollouts add-on creates them, promtool tests them
 * (test/monitoring/analysis.test.ts), `analysis-run.ts` models how Argo Rollouts judges them.
 *
 * Field names and semantics: argo-rollouts v1.9.0 (chart argo-rollouts 2.41.0),
 * manifests/crds/cluster-analysis-template-crd.yaml (metrics[] require name and provider; args[]
 * require name), docs/analysis/prometheus.md, analysis/analysis.go (assessMetricStatus) and
 * utils/evaluate/evaluate.go (conditions are expr-lang over `result`, the query's sample values).
 */

/** The arguments every SLO template takes; the Rollout passes them (the hash with `podTemplateHashValue: Latest`). */
export const analysisArgs = { namespace: "namespace", canaryHash: "canary-hash" } as const;

/**
 * The Prometheus label the canary's pod-template hash is scraped into: the serving PodMonitor keeps
 * the pod label `rollouts-pod-template-hash` (`podTargetLabels`), and prometheus-operator turns `-` into `_`.
 */
export const canaryHashLabel = "rollouts_pod_template_hash";
const canaryScope = [`namespace="{{args.${analysisArgs.namespace}}}"`, `${canaryHashLabel}="{{args.${analysisArgs.canaryHash}}}"`];

/** How often each metric is measured, and how many bad measurements abort (Argo: failed > failureLimit). */
export const measurement = {
    interval: "1m",
    /** The SLI window: the first measurement covers a whole window of the canary's own traffic. */
    initialDelay: sliWindow,
    /** "Breaches for 5 minutes": one measurement over the 5-minute window above the threshold fails the run. */
    failureLimit: 0,
    /** No traffic to judge (no series, or zero requests): twice tolerated, the third pauses the rollout for a human. */
    inconclusiveLimit: 2,
    /** Prometheus unreachable or a bad query: the upstream default. */
    consecutiveErrorLimit: 4,
} as const;

/** One SLO metric of an analysis: its query and the threshold above which the canary breaches. */
export interface SloMetric {
    template: string;
    metric: string;
    /** PromQL with `{{args.*}}` placeholders; yields one sample. */
    query: string;
    /** Breach when the sample is above this. */
    threshold: number;
    what: string;
}

const num = (n: number) => String(Number(n.toPrecision(6)));

/** The three SLO metrics (error rate, p95 latency, fast burn rate), from the `slo` config. */
export function sloMetrics(slo: SloConfig): SloMetric[] {
    const t = sloThresholds(slo);
    const canary = sliExpressions(slo.sli, canaryScope);
    const burn = (w: string) => `(${canary.errorRatio(w)}) / ${num(t.errorRatio)}`;
    return [
        {
            template: "slo-error-rate",
            metric: "error-rate",
            query: canary.errorRatio(sliWindow),
            threshold: t.errorRatio,
            what: `share of the canary's requests that fail over ${sliWindow}; above the error budget (${num(t.errorRatio * 100)} %) fails`,
        },
        {
            template: "slo-latency-p95",
            metric: "latency-p95",
            query: canary.latencyP95(sliWindow),
            threshold: t.latencyP95Seconds,
            what: `the canary's p95 latency in seconds over ${sliWindow}; above ${num(t.latencyP95Seconds * 1000)} ms fails`,
        },
        {
            template: "slo-burn-rate",
            metric: "burn-rate",
            // Multi-window as the ErrorBudgetBurnFast alert: the burn rate both windows agree on (the smaller).
            query: `clamp_max(${burn(t.fastBurn.short)}, scalar(${burn(t.fastBurn.long)}))`,
            threshold: t.fastBurn.factor,
            what: `error-budget burn rate over ${t.fastBurn.long} and ${t.fastBurn.short} (the smaller); above ${t.fastBurn.factor}× fails`,
        },
    ];
}

/**
 * expr-lang conditions over the query's samples (`result` is a list). A breach is a failure; within
 * the objective is a success; no sample or NaN (no traffic) is neither: Inconclusive (evaluate.go).
 */
export function conditions(threshold: number) {
    return {
        successCondition: `len(result) > 0 && !isNaN(result[0]) && result[0] <= ${num(threshold)}`,
        failureCondition: `len(result) > 0 && result[0] > ${num(threshold)}`,
    };
}

/** The Prometheus the controller queries: kube-prometheus-stack's Service in the monitoring namespace. */
export const prometheusAddress = (monitoringNamespace: string) =>
    `http://${monitoringNames.fullname}-prometheus.${monitoringNamespace}.svc.cluster.local:9090`;

/** A ClusterAnalysisTemplate as the API takes it. */
export function clusterAnalysisTemplate(m: SloMetric, monitoringNamespace: string) {
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "ClusterAnalysisTemplate",
        metadata: { name: m.template, annotations: { "platform.company.io/description": m.what } },
        spec: {
            args: [{ name: analysisArgs.namespace }, { name: analysisArgs.canaryHash }],
            metrics: [
                {
                    name: m.metric,
                    ...measurement,
                    ...conditions(m.threshold),
                    provider: { prometheus: { address: prometheusAddress(monitoringNamespace), query: m.query, timeout: 30 } },
                },
            ],
        },
    };
}

/**
 * The change window as PromQL over the evaluation time: 1 inside the window, 0 outside
 * (`day_of_week()`, `hour()`, `minute()` are UTC). Same window as the prod deploy job's.
 */
export function changeWindowQuery(w: ChangeWindow = productionWindow): string {
    const day = w.days.map((d) => `(day_of_week() == bool ${d})`).join(" + ");
    const minute = "(hour() * 60 + minute())";
    return `clamp_max(${day}, 1) * (${minute} >= bool ${w.startMinute}) * (${minute} < bool ${w.endMinute})`;
}

/**
 * The change-window gate before prod's last promotion: inside the window it succeeds; outside it
 * is neither success nor failure, so the run is Inconclusive and the Rollout pauses (not aborts)
 * until someone promotes it again inside the window.
 */
export function changeWindowTemplate(monitoringNamespace: string) {
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "ClusterAnalysisTemplate",
        metadata: {
            name: "change-window",
            annotations: { "platform.company.io/description": "1 inside the production change window; outside, the rollout pauses" },
        },
        spec: {
            metrics: [
                {
                    name: "change-window",
                    count: 1,
                    inconclusiveLimit: 0,
                    successCondition: "len(result) > 0 && result[0] == 1",
                    failureCondition: "false",
                    provider: { prometheus: { address: prometheusAddress(monitoringNamespace), query: changeWindowQuery(), timeout: 30 } },
                },
            ],
        },
    };
}

/** Every ClusterAnalysisTemplate the platform creates for this `slo` config. */
export function clusterAnalysisTemplates(slo: SloConfig, monitoringNamespace: string, changeWindow: boolean) {
    return [
        ...sloMetrics(slo).map((m) => clusterAnalysisTemplate(m, monitoringNamespace)),
        ...(changeWindow ? [changeWindowTemplate(monitoringNamespace)] : []),
    ];
}

/** `{{args.x}}` replaced as Argo Rollouts resolves them (for tests and the docs). */
export function resolveArgs(query: string, args: Record<string, string>): string {
    return query.replace(/\{\{args\.([\w-]+)\}\}/g, (_, name: string) => {
        if (!(name in args)) throw new Error(`analysis query uses args.${name}, which is not given`);
        return args[name];
    });
}
