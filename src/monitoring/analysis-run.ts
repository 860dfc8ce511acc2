/*
 * How Argo Rollouts judges one metric of an AnalysisRun, as a small evaluator so the conditions and
 * limits the platform renders (analysis.ts) are tested for what they do, not for how they read.
 * From argo-rollouts v1.9.0: utils/evaluate/evaluate.go (EvaluateResult: a measurement is Failed
 * when the failure condition holds, Successful when the success condition holds, otherwise
 * Inconclusive; an expression error is an Error) and analysis/analysis.go (assessMetricStatus,
 * assessMetricFailureInconclusiveOrError: Failed when failed > failureLimit, Inconclusive when
 * inconclusive > inconclusiveLimit, Error when consecutive errors > consecutiveErrorLimit (default
 * 4), Successful when `count` measurements are taken, else still Running).
 *
 * Conditions: only the expr-lang subset the platform renders — clauses joined by `&&` (evaluated
 * left to right, stopping at the first false, as expr-lang does), each `len(result) > 0`,
 * `!isNaN(result[0])`, `result[0] <op> <number>`, `true` or `false`. Anything else throws.
 */

export type MeasurementPhase = "Successful" | "Failed" | "Inconclusive" | "Error";
export type MetricPhase = MeasurementPhase | "Running";

/** A measurement's samples (the Prometheus vector's values), or "error" when the query failed. */
export type Sample = number[] | "error";

const compare: Record<string, (a: number, b: number) => boolean> = {
    "<=": (a, b) => a <= b,
    "<": (a, b) => a < b,
    ">=": (a, b) => a >= b,
    ">": (a, b) => a > b,
    "==": (a, b) => a === b,
};

/** Evaluates a condition over `result`; throws (an Error measurement upstream) when it indexes an empty result. */
export function evaluateCondition(condition: string, result: number[]): boolean {
    for (const clause of condition.split("&&").map((c) => c.trim())) {
        if (!clauseHolds(clause, result)) return false;
    }
    return true;
}

function clauseHolds(clause: string, result: number[]): boolean {
    const first = () => {
        if (result.length === 0) throw new Error("index out of range: result[0] of an empty result");
        return result[0];
    };
    if (clause === "true" || clause === "false") return clause === "true";
    if (clause === "len(result) > 0") return result.length > 0;
    if (clause === "!isNaN(result[0])") return !Number.isNaN(first());
    const m = /^result\[0\] (<=|>=|==|<|>) (-?\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(clause);
    if (m) return compare[m[1]](first(), Number(m[2]));
    throw new Error(`condition clause outside the modelled subset: ${clause}`);
}

/** EvaluateResult: one measurement's phase from the metric's conditions. */
export function measurementPhase(metric: { successCondition?: string; failureCondition?: string }, sample: Sample): MeasurementPhase {
    if (sample === "error") return "Error";
    let success = false;
    let failure = false;
    try {
        if (metric.successCondition) success = evaluateCondition(metric.successCondition, sample);
        if (metric.failureCondition) failure = evaluateCondition(metric.failureCondition, sample);
    } catch {
        return "Error";
    }
    if (metric.successCondition && !metric.failureCondition) failure = !success;
    if (!metric.successCondition && metric.failureCondition) success = !failure;
    if (!metric.successCondition && !metric.failureCondition) return "Successful";
    if (failure) return "Failed";
    return success ? "Successful" : "Inconclusive";
}

export interface MetricLimits {
    successCondition?: string;
    failureCondition?: string;
    failureLimit?: number;
    inconclusiveLimit?: number;
    consecutiveErrorLimit?: number;
    count?: number;
}

/**
 * The metric's phase after each measurement, in order: the run stops at the first completed phase
 * (the returned list ends there).
 */
export function assessMetric(metric: MetricLimits, samples: Sample[]): MetricPhase[] {
    const phases: MetricPhase[] = [];
    let failed = 0;
    let inconclusive = 0;
    let consecutiveErrors = 0;
    let taken = 0;
    for (const sample of samples) {
        const phase = measurementPhase(metric, sample);
        taken++;
        if (phase === "Failed") failed++;
        if (phase === "Inconclusive") inconclusive++;
        consecutiveErrors = phase === "Error" ? consecutiveErrors + 1 : 0;
        let status: MetricPhase = "Running";
        const failureLimit = metric.failureLimit ?? 0;
        if (failureLimit >= 0 && failed > failureLimit) status = "Failed";
        if (inconclusive > (metric.inconclusiveLimit ?? 0)) status = "Inconclusive";
        if (consecutiveErrors > (metric.consecutiveErrorLimit ?? 4)) status = "Error";
        if (status === "Running" && metric.count !== undefined && taken >= metric.count) status = "Successful";
        phases.push(status);
        if (status !== "Running") break;
    }
    return phases;
}
