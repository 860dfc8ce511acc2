import { strict as assert } from "node:assert";
import { isAlert, platformRuleGroups, ruleInputs } from "../../src/monitoring/rules";
import { assertEachAlertCovered, NamedAlertCase, promtoolAlertTest, stackConfig } from "./tools";

/*
 * `promtool test rules` unit tests: each SLO alert fires on a synthetic series that breaches it and
 * stays silent on one that does not, with prod's rules (objective 99.9%, GPUs). Annotations are
 * templates checked by `promtool check rules` and the runbook test; here they are dropped, so the
 * expected alerts name only labels. Expressions, `for` and labels are the rendered ones.
 */

const slo = { severity: "critical", component: "slo" };
const warn = { severity: "warning", component: "slo" };

/** Counter values at 1-minute steps: `perSecond` requests per second for `minutes`, then `thenPerSecond`. */
function counter(perSecond: number, minutes: number, thenPerSecond = perSecond, thenMinutes = 0): string {
    const first = `0+${perSecond * 60}x${minutes}`;
    if (!thenMinutes) return first;
    return `${first} ${perSecond * 60 * minutes}+${thenPerSecond * 60}x${thenMinutes}`;
}

/** Requests at 100/s with `errors`/s of them failing (counted on top, as separate 5xx series). */
function traffic(errors: number, minutes: number, errorsAfter = errors, minutesAfter = 0) {
    return [
        { series: 'http_requests_total{namespace="serving",code="200"}', values: counter(100, minutes + minutesAfter) },
        { series: 'http_requests_total{namespace="serving",code="500"}', values: counter(errors, minutes, errorsAfter, minutesAfter) },
    ];
}

const fires = (labels: Record<string, string>) => [{ exp_labels: labels }];

export const cases: NamedAlertCase[] = [
    // 2/102 ≈ 1.96% errors > 14.4 × 0.1%: both windows over.
    { name: "fast burn fires", input_series: traffic(2, 70), alertname: "ErrorBudgetBurnFast", eval_time: "60m", exp_alerts: fires(slo) },
    // 1h window still high, but errors stopped 20 minutes ago: the 5m confirmation window holds it back.
    {
        name: "fast burn silent once recovered",
        input_series: traffic(2, 60, 0, 30),
        alertname: "ErrorBudgetBurnFast",
        eval_time: "80m",
        exp_alerts: [],
    },
    // ≈ 0.99% errors: over 6× (0.6%) but under 14.4× (1.44%).
    {
        name: "fast burn silent below 14.4x",
        input_series: traffic(1, 420),
        alertname: "ErrorBudgetBurnFast",
        eval_time: "390m",
        exp_alerts: [],
    },
    { name: "slow burn fires", input_series: traffic(1, 420), alertname: "ErrorBudgetBurnSlow", eval_time: "390m", exp_alerts: fires(slo) },
    // ≈ 0.5%: under 6×.
    {
        name: "slow burn silent below 6x",
        input_series: traffic(0.5, 420),
        alertname: "ErrorBudgetBurnSlow",
        eval_time: "390m",
        exp_alerts: [],
    },
    // 6h window still over 6×, but no errors for 40 minutes: the 30m confirmation window holds it back.
    {
        name: "slow burn silent once recovered",
        input_series: traffic(1, 360, 0, 60),
        alertname: "ErrorBudgetBurnSlow",
        eval_time: "400m",
        exp_alerts: [],
    },
    { name: "latency fires", input_series: latency(0.5), alertname: "LatencyP95High", eval_time: "30m", exp_alerts: fires(warn) },
    { name: "latency silent", input_series: latency(0.99), alertname: "LatencyP95High", eval_time: "30m", exp_alerts: [] },
    {
        name: "throughput fires",
        input_series: [{ series: 'http_requests_total{namespace="serving",code="200"}', values: counter(50, 40) }],
        alertname: "ThroughputLow",
        eval_time: "30m",
        exp_alerts: fires(warn),
    },
    {
        name: "throughput silent",
        input_series: [{ series: 'http_requests_total{namespace="serving",code="200"}', values: counter(150, 40) }],
        alertname: "ThroughputLow",
        eval_time: "30m",
        exp_alerts: [],
    },
    {
        name: "GPU utilisation fires",
        input_series: [{ series: 'DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="gpu-node"}', values: "98+0x40" }],
        alertname: "GpuUtilizationHigh",
        eval_time: "30m",
        exp_alerts: fires({ ...warn, gpu: "0", Hostname: "gpu-node" }),
    },
    {
        name: "GPU utilisation silent",
        input_series: [{ series: 'DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="gpu-node"}', values: "80+0x40" }],
        alertname: "GpuUtilizationHigh",
        eval_time: "30m",
        exp_alerts: [],
    },
    {
        name: "model drift fires",
        input_series: [{ series: 'model_drift_score{model="churn"}', values: "0.15+0x40" }],
        alertname: "ModelDriftHigh",
        eval_time: "30m",
        exp_alerts: fires({ ...warn, model: "churn" }),
    },
    {
        name: "model drift silent",
        input_series: [{ series: 'model_drift_score{model="churn"}', values: "0.05+0x40" }],
        alertname: "ModelDriftHigh",
        eval_time: "30m",
        exp_alerts: [],
    },
];

/** A request-duration histogram at 100 requests/s where `fastShare` of requests take ≤ 250 ms and the rest 0.5–1 s. */
function latency(fastShare: number) {
    const bucket = (le: string, share: number) => ({
        series: `http_request_duration_seconds_bucket{namespace="serving",le="${le}"}`,
        values: counter(100 * share, 40),
    });
    return [bucket("0.1", 0), bucket("0.25", fastShare), bucket("0.5", fastShare), bucket("1", 1), bucket("+Inf", 1)];
}

const promtoolTest = (testCases: NamedAlertCase[]) => promtoolAlertTest(platformRuleGroups(ruleInputs(stackConfig("prod"))), testCases);

describe("monitoring/slo alerts under promtool test rules", () => {
    it("covers every SLO alert with a breaching and a healthy series", () => {
        const sloAlerts = platformRuleGroups(ruleInputs(stackConfig("prod")))
            .find((g) => g.name === "slo-alerts")!
            .rules.filter(isAlert)
            .map((a) => a.alert);
        assertEachAlertCovered(sloAlerts, cases);
    });

    it(`passes all ${cases.length} cases`, () => {
        const result = promtoolTest(cases);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /SUCCESS/);
    });

    it("fails when a case expects an alert the series does not trigger (the case that must fail)", () => {
        const wrong = cases.find((c) => c.name === "slow burn silent below 6x")!;
        const result = promtoolTest([{ ...wrong, exp_alerts: fires(slo) }]);
        assert.notEqual(result.status, 0);
        assert.match(result.output, /FAILED/);
    });
});
