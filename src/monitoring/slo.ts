import { z } from "zod";
import { promSelectorProblem } from "../config/formats";

/**
 * Service level objectives (SPEC §4) and where their indicators come from. The objectives are the
 * design's; the SLI metric names and selectors are config because they belong to the applications
 * the platform runs, and default to the conventional Prometheus client names below. Stack config key
 * `ml-platform:slo`; every field is optional.
 */

/** A PromQL label selector body, without braces: `job="model-serving"`, or empty for every series. */
const selector = z
    .string()
    .max(500)
    .refine((s) => !/[{}]/.test(s), 'must be a selector body without braces, such as job="model-serving"')
    .refine((s) => promSelectorProblem(s) === undefined, promSelectorProblem("{") ?? "");
const metric = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "must be a Prometheus metric name");

/** The SLI sources. Defaults follow the Prometheus client libraries' HTTP conventions. */
export const sliSchema = z.strictObject({
    /** Counter of served requests with a status-code label. Default `http_requests_total`. */
    requestsMetric: metric.default("http_requests_total"),
    /** Histogram (the `_bucket` series' base name) of request durations in seconds. Default `http_request_duration_seconds`. */
    latencyHistogram: metric.default("http_request_duration_seconds"),
    /** Which requests count: the serving workloads. Default: `namespace!=""` (every request series scraped from a pod). */
    selector: selector.default('namespace!=""'),
    /** Which of those are errors. Default: HTTP 5xx on the `code` label. */
    errorSelector: selector.default('code=~"5.."'),
    /** Gauge of a model's drift score as a ratio (0.1 = 10%). Default `model_drift_score`. */
    driftMetric: metric.default("model_drift_score"),
    /** Selector for the drift gauge. Default: every series. */
    driftSelector: selector.default(""),
    /** GPU utilisation gauge in percent, from the DCGM exporter. Default `DCGM_FI_DEV_GPU_UTIL`. */
    gpuUtilizationMetric: metric.default("DCGM_FI_DEV_GPU_UTIL"),
});

export const sloSchema = z.strictObject({
    /**
     * Availability objective of the error-rate SLO in percent: the error budget is 100 − objective.
     * Default 99.9 (SPEC §4: error rate < 0.1%).
     */
    objectivePercent: z.number().min(50).max(99.999).default(99.9),
    /**
     * Multi-window error-budget burn alerts (1 h at 14.4×, 6 h at 6×). Default true. An environment
     * without an SLA (dev) turns them off: its recording rules still render, for dashboards.
     */
    burnRateAlerts: z.boolean().default(true),
    /** p95 latency objective in seconds. Default 0.3 (SPEC §4: p95 < 300 ms). */
    latencyP95Seconds: z.number().positive().default(0.3),
    /** Minimum throughput in requests per second. Default 100 (SPEC §4: > 100 RPS). */
    minThroughputRps: z.number().nonnegative().default(100),
    /** Maximum GPU utilisation in percent. Default 95 (SPEC §4). */
    maxGpuUtilizationPercent: z.number().min(1).max(100).default(95),
    /** Maximum model drift as a ratio. Default 0.1 (SPEC §4: drift < 10%). */
    maxModelDrift: z.number().positive().max(1).default(0.1),
    sli: sliSchema.default(sliSchema.parse({})),
});

export type SloConfig = z.output<typeof sloSchema>;

/** The whole default, so the top-level config key can be left out. */
export const defaultSlo: SloConfig = sloSchema.parse({});

/**
 * The burn-rate windows of the Google SRE workbook (ch. 5, "multiwindow, multi-burn-rate"): each
 * alert needs its long window and a short confirmation window (1/12 of it) above the factor, so it
 * fires fast and resets fast. 14.4× for 1 h spends 2% of a 30-day budget; 6× for 6 h spends 5%.
 */
export const burnRateWindows = [
    { alert: "ErrorBudgetBurnFast", long: "1h", short: "5m", factor: 14.4, for: "2m" },
    { alert: "ErrorBudgetBurnSlow", long: "6h", short: "30m", factor: 6, for: "15m" },
] as const;

/** Error budget as a ratio: objective 99.9 → 0.001. Rounded to avoid 0.0010000000000000009 in rules. */
export function errorBudget(objectivePercent: number): number {
    return Number(((100 - objectivePercent) / 100).toPrecision(6));
}

/** `{a="b"}` for a non-empty selector body joined with extra matchers, `` for none. */
export function braces(...parts: string[]): string {
    const body = parts.filter((p) => p.trim() !== "").join(",");
    return body === "" ? "" : `{${body}}`;
}

/**
 * The SLI expressions, built in one place: the recording rules (rules.ts) and the canary analyses
 * (analysis.ts) both render them, so an alert and an analysis can never measure different things.
 * `scope` adds matchers to every request series (an analysis narrows to one canary's pods).
 */
export function sliExpressions(s: SloConfig["sli"], scope: readonly string[] = []) {
    const all = braces(s.selector, ...scope);
    const errors = braces(s.selector, s.errorSelector, ...scope);
    return {
        /** Requests per second over the window. */
        requestRate: (w: string) => `sum(rate(${s.requestsMetric}${all}[${w}]))`,
        /** Share of requests that failed over the window; no error series at all means 0, not nothing. */
        errorRatio: (w: string) =>
            `(sum(rate(${s.requestsMetric}${errors}[${w}])) or vector(0)) / sum(rate(${s.requestsMetric}${all}[${w}]))`,
        /** p95 request latency in seconds over the window. */
        latencyP95: (w: string) => `histogram_quantile(0.95, sum by (le) (rate(${s.latencyHistogram}_bucket${all}[${w}])))`,
    };
}

/** The window the error-rate and latency SLIs are judged over: "for 5 minutes" (SPEC §4, design §4.2). */
export const sliWindow = "5m";

/**
 * The thresholds alerts and analyses share, from the `slo` config: the error ratio the objective
 * allows (its error budget), the p95 objective in seconds, and the fast burn-rate window.
 */
export function sloThresholds(slo: SloConfig) {
    return { errorRatio: errorBudget(slo.objectivePercent), latencyP95Seconds: slo.latencyP95Seconds, fastBurn: burnRateWindows[0] };
}
