import { strict as assert } from "node:assert";
import { stringify } from "yaml";
import {
    analysisArgs,
    canaryHashLabel,
    changeWindowQuery,
    clusterAnalysisTemplates,
    conditions,
    measurement,
    resolveArgs,
    sloMetrics,
} from "../../src/monitoring/analysis";
import { assessMetric, measurementPhase } from "../../src/monitoring/analysis-run";
import { platformRuleGroups, ruleInputs } from "../../src/monitoring/rules";
import { errorBudget, sliExpressions } from "../../src/monitoring/slo";
import { runTool, stackConfig, stacks, writeFiles } from "./tools";

/*
 * The canary analyses' PromQL under `promtool test rules`, as the SLO alerts are tested
 * (slo-alerts.test.ts): each query, with its args resolved as Argo Rollouts resolves them, becomes
 * an alert `(<query>) > <threshold>` (the failure condition) and must fire on a canary that
 * breaches and stay silent on a healthy one, and on a healthy canary beside a breaching stable.
 */

const ns = "serving";
const canaryHash = "canary1";
const args = { [analysisArgs.namespace]: ns, [analysisArgs.canaryHash]: canaryHash };

function counter(perSecond: number, minutes: number, thenPerSecond = perSecond, thenMinutes = 0): string {
    const first = `0+${perSecond * 60}x${minutes}`;
    if (!thenMinutes) return first;
    return `${first} ${perSecond * 60 * minutes}+${thenPerSecond * 60}x${thenMinutes}`;
}

/** 100 requests/s on `hash`'s pods, `errors`/s more failing (then `errorsAfter` for `minutesAfter`). */
function traffic(hash: string, errors: number, minutes: number, errorsAfter = errors, minutesAfter = 0) {
    const labels = `namespace="${ns}",${canaryHashLabel}="${hash}"`;
    return [
        { series: `http_requests_total{${labels},code="200"}`, values: counter(100, minutes + minutesAfter) },
        { series: `http_requests_total{${labels},code="500"}`, values: counter(errors, minutes, errorsAfter, minutesAfter) },
    ];
}

/** A latency histogram on `hash`'s pods: `fastShare` of 100 requests/s within 250 ms, the rest 0.5–1 s. */
function latency(hash: string, fastShare: number) {
    const bucket = (le: string, share: number) => ({
        series: `http_request_duration_seconds_bucket{namespace="${ns}",${canaryHashLabel}="${hash}",le="${le}"}`,
        values: counter(100 * share, 40),
    });
    return [bucket("0.1", 0), bucket("0.25", fastShare), bucket("0.5", fastShare), bucket("1", 1), bucket("+Inf", 1)];
}

interface Case {
    name: string;
    metric: string;
    input_series: { series: string; values: string }[];
    eval_time: string;
    fires: boolean;
}

export const cases: Case[] = [
    // ≈ 0.99 % of the canary's requests fail: above prod's 0.1 % budget.
    { name: "error rate breaches", metric: "error-rate", input_series: traffic(canaryHash, 1, 30), eval_time: "20m", fires: true },
    // ≈ 0.05 %.
    { name: "error rate healthy", metric: "error-rate", input_series: traffic(canaryHash, 0.05, 30), eval_time: "20m", fires: false },
    {
        name: "error rate judges the canary, not the stable pods",
        metric: "error-rate",
        input_series: [...traffic(canaryHash, 0.05, 30), ...traffic("stable0", 50, 30)],
        eval_time: "20m",
        fires: false,
    },
    { name: "p95 latency breaches", metric: "latency-p95", input_series: latency(canaryHash, 0.5), eval_time: "20m", fires: true },
    { name: "p95 latency healthy", metric: "latency-p95", input_series: latency(canaryHash, 0.99), eval_time: "20m", fires: false },
    {
        name: "p95 latency judges the canary, not the stable pods",
        metric: "latency-p95",
        input_series: [...latency(canaryHash, 0.99), ...latency("stable0", 0.1)],
        eval_time: "20m",
        fires: false,
    },
    // 2/102 ≈ 1.96 %: 19.6× the budget in both windows.
    { name: "burn rate breaches", metric: "burn-rate", input_series: traffic(canaryHash, 2, 70), eval_time: "60m", fires: true },
    // ≈ 0.99 %: 9.9×, fails the error rate but not the burn rate.
    { name: "burn rate below 14.4x", metric: "burn-rate", input_series: traffic(canaryHash, 1, 70), eval_time: "60m", fires: false },
    // The 1 h window is still high, but no errors for 20 minutes: the 5 m window holds it back.
    {
        name: "burn rate silent once recovered",
        metric: "burn-rate",
        input_series: traffic(canaryHash, 2, 60, 0, 30),
        eval_time: "80m",
        fires: false,
    },
];

function promtoolTest(metrics: ReturnType<typeof sloMetrics>, testCases: Case[]) {
    const rules = metrics.map((m) => ({ alert: `breach-${m.metric}`, expr: `(${resolveArgs(m.query, args)}) > ${m.threshold}` }));
    const tests = testCases.map((c) => ({
        interval: "1m",
        input_series: c.input_series,
        alert_rule_test: [{ eval_time: c.eval_time, alertname: `breach-${c.metric}`, exp_alerts: c.fires ? [{ exp_labels: {} }] : [] }],
    }));
    const files = writeFiles({
        "rules.yaml": stringify({ groups: [{ name: "analysis", rules }] }, { lineWidth: 0 }),
        "tests.yaml": stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests }, { lineWidth: 0 }),
    });
    return runTool("promtool", ["test", "rules", files["tests.yaml"]]);
}

describe("monitoring/analysis: canary analyses from the SLOs", () => {
    const prod = stackConfig("prod");
    const metrics = sloMetrics(prod.slo);

    it("every SLO metric has a breaching and a healthy case", () => {
        for (const m of metrics) {
            assert.ok(
                cases.some((c) => c.metric === m.metric && c.fires),
                `${m.metric}: no breaching case`,
            );
            assert.ok(
                cases.some((c) => c.metric === m.metric && !c.fires),
                `${m.metric}: no healthy case`,
            );
        }
    });

    for (const c of cases) {
        it(`promtool: ${c.name} → ${c.fires ? "fires (the canary fails)" : "silent (the canary passes)"}`, () => {
            const result = promtoolTest(metrics, [c]);
            assert.equal(result.status, 0, result.output);
        });
    }

    it("promtool fails a case that expects a breach on a healthy canary (the case that must fail)", () => {
        const wrong = cases.find((c) => c.name === "burn rate below 14.4x")!;
        const result = promtoolTest(metrics, [{ ...wrong, fires: true }]);
        assert.notEqual(result.status, 0);
        assert.match(result.output, /FAILED/);
    });

    for (const stack of stacks) {
        it(`${stack}: thresholds and SLI expressions are the alert rules' (one source: the slo config)`, () => {
            const config = stackConfig(stack);
            const [errorRate, latencyP95, burnRate] = sloMetrics(config.slo);
            assert.equal(errorRate.threshold, errorBudget(config.slo.objectivePercent));
            assert.equal(latencyP95.threshold, config.slo.latencyP95Seconds);
            assert.equal(burnRate.threshold, 14.4);
            // The recording rules' expressions, narrowed to the canary: the same text plus the canary's matchers.
            const recorded = platformRuleGroups(ruleInputs(config)).find((g) => g.name === "slo-recording")!.rules;
            const plain = sliExpressions(config.slo.sli);
            assert.ok(recorded.some((r) => r.expr === plain.errorRatio("5m")));
            assert.ok(recorded.some((r) => r.expr === plain.latencyP95("5m")));
            const unscoped = (q: string) => resolveArgs(q, args).replaceAll(`,namespace="${ns}",${canaryHashLabel}="${canaryHash}"`, "");
            assert.equal(unscoped(errorRate.query), plain.errorRatio("5m"));
            assert.equal(unscoped(latencyP95.query), plain.latencyP95("5m"));
            for (const t of clusterAnalysisTemplates(config.slo, "platform-monitoring", false)) {
                const m = t.spec.metrics[0] as { failureCondition: string };
                const threshold = sloMetrics(config.slo).find((x) => x.template === t.metadata.name)!.threshold;
                assert.equal(m.failureCondition, conditions(threshold).failureCondition);
            }
        });
    }

    it("a changed objective moves both the alert and the analysis threshold", () => {
        const slo = { ...prod.slo, objectivePercent: 99 };
        assert.equal(sloMetrics(slo)[0].threshold, 0.01);
        const alerts = platformRuleGroups({ ...ruleInputs(prod), slo }).find((g) => g.name === "slo-alerts")!.rules;
        assert.ok(
            alerts.some((r) => r.expr.includes("> 0.144")),
            "the fast-burn alert uses 14.4 × 1 %",
        );
    });
});

describe("monitoring/analysis-run: how Argo Rollouts judges the rendered conditions and limits", () => {
    const [errorRate] = sloMetrics(stackConfig("prod").slo);
    const metric = { ...measurement, ...conditions(errorRate.threshold) };

    it("a breaching measurement fails; a healthy one succeeds; no traffic is inconclusive, not an error", () => {
        assert.equal(measurementPhase(metric, [0.02]), "Failed");
        assert.equal(measurementPhase(metric, [0.0005]), "Successful");
        assert.equal(measurementPhase(metric, []), "Inconclusive");
        assert.equal(measurementPhase(metric, [NaN]), "Inconclusive");
        assert.equal(measurementPhase(metric, "error"), "Error");
    });

    it("the bare condition `result[0] <= T` would turn no traffic into an Error (the case our conditions avoid)", () => {
        assert.equal(measurementPhase({ successCondition: `result[0] <= ${errorRate.threshold}` }, []), "Error");
    });

    it(`failureLimit ${measurement.failureLimit}: the first breach fails the run (rollback)`, () => {
        assert.deepEqual(assessMetric(metric, [[0.0005], [0.0005], [0.02]]), ["Running", "Running", "Failed"]);
    });

    it(`inconclusiveLimit ${measurement.inconclusiveLimit}: the third measurement without traffic pauses the rollout`, () => {
        assert.deepEqual(assessMetric(metric, [[], [0.0005], [NaN], []]), ["Running", "Running", "Running", "Inconclusive"]);
    });

    it(`consecutiveErrorLimit ${measurement.consecutiveErrorLimit}: errors must be consecutive`, () => {
        const errors = (n: number) => Array.from({ length: n }, () => "error" as const);
        assert.equal(assessMetric(metric, [...errors(4), [0.0005], ...errors(4)]).at(-1), "Running");
        assert.equal(assessMetric(metric, errors(5)).at(-1), "Error");
    });

    it("no count: a background analysis runs until the rollout ends it", () => {
        assert.equal("count" in measurement, false);
        assert.deepEqual(
            assessMetric(
                metric,
                Array.from({ length: 30 }, () => [0.0005]),
            ).at(-1),
            "Running",
        );
    });
});

describe("monitoring/analysis: the change-window gate", () => {
    const template = clusterAnalysisTemplates(stackConfig("prod").slo, "platform-monitoring", true).find(
        (t) => t.metadata.name === "change-window",
    )!;
    const metric = template.spec.metrics[0] as {
        successCondition: string;
        failureCondition: string;
        count: number;
        inconclusiveLimit: number;
    };

    // promtool's time 0 is Thursday 1970-01-01 00:00 UTC; the window is Tue/Thu 10:00–14:00 UTC.
    const at = [
        { eval_time: "10h", open: true, why: "Thursday 10:00" },
        { eval_time: "13h59m", open: true, why: "Thursday 13:59" },
        { eval_time: "14h", open: false, why: "Thursday 14:00 (end exclusive)" },
        { eval_time: "9h59m", open: false, why: "Thursday 09:59" },
        { eval_time: "1d11h", open: false, why: "Friday 11:00" },
        { eval_time: "5d11h", open: true, why: "Tuesday 11:00" },
    ];
    it("promtool: the query is 1 inside the window and 0 outside", () => {
        // The query itself at each time, no recording rule: promtool would evaluate a rule at every
        // step up to the last eval_time (7,860 of them), an expression only where it is asked.
        const files = writeFiles({
            "tests.yaml": stringify({
                rule_files: [],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: [],
                        promql_expr_test: at.map((a) => ({
                            expr: changeWindowQuery(),
                            eval_time: a.eval_time,
                            exp_samples: [{ labels: "{}", value: a.open ? 1 : 0 }],
                        })),
                    },
                ],
            }),
        });
        const result = runTool("promtool", ["test", "rules", files["tests.yaml"]]);
        assert.equal(result.status, 0, result.output);
    });

    it("outside the window the run is Inconclusive (the rollout pauses), inside it succeeds; never Failed", () => {
        assert.deepEqual(assessMetric(metric, [[1]]), ["Successful"]);
        assert.deepEqual(assessMetric(metric, [[0]]), ["Inconclusive"]);
    });
});
