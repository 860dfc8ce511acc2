import { strict as assert } from "node:assert";
import { isAlert, platformRuleGroups, ruleInputs } from "../../src/monitoring/rules";
import { assertEachAlertCovered, NamedAlertCase, promtoolAlertTest, stackConfig } from "./tools";

/*
 * The delivery alerts (issue 21) under `promtool test rules`: each fires on the series the Argo
 * Rollouts controller and the model servers export when it should, and stays silent otherwise.
 * Series names and labels: argo-rollouts v1.9.0 controller/metrics/prommetrics.go (rollout_info,
 * analysis_run_info with namespace, name, phase); the SLI's request counter with a `code` label.
 */

const rollouts = { severity: "warning", component: "rollouts" };
const serving = { severity: "warning", component: "serving" };

const info = (metric: string, phase: string, values = "1x20") => ({
    series: `${metric}{namespace="platform-mlops",name="churn",phase="${phase}"}`,
    values,
});
const fires = (labels: Record<string, string>) => [{ exp_labels: { namespace: "platform-mlops", ...labels } }];
const requests = (errorsPerSecond: number) => [
    { series: 'http_requests_total{namespace="platform-mlops",code="200"}', values: `0+${100 * 60}x30` },
    { series: 'http_requests_total{namespace="platform-mlops",code="503"}', values: `0+${errorsPerSecond * 60}x30` },
];

export const cases: NamedAlertCase[] = [
    {
        name: "aborted rollout fires",
        input_series: [info("rollout_info", "Abort")],
        alertname: "RolloutAborted",
        eval_time: "5m",
        exp_alerts: fires({ ...rollouts, name: "churn" }),
    },
    {
        name: "healthy rollout silent",
        input_series: [info("rollout_info", "Completed")],
        alertname: "RolloutAborted",
        eval_time: "5m",
        exp_alerts: [],
    },
    {
        name: "paused rollout silent",
        input_series: [info("rollout_info", "Paused")],
        alertname: "RolloutAborted",
        eval_time: "5m",
        exp_alerts: [],
    },
    {
        name: "inconclusive analysis fires",
        input_series: [info("analysis_run_info", "Inconclusive")],
        alertname: "AnalysisRunInconclusive",
        eval_time: "5m",
        exp_alerts: fires({ ...rollouts, name: "churn" }),
    },
    {
        name: "successful analysis silent",
        input_series: [info("analysis_run_info", "Successful")],
        alertname: "AnalysisRunInconclusive",
        eval_time: "5m",
        exp_alerts: [],
    },
    {
        name: "errored analysis fires",
        input_series: [info("analysis_run_info", "Error")],
        alertname: "AnalysisRunError",
        eval_time: "5m",
        exp_alerts: fires({ ...rollouts, name: "churn" }),
    },
    {
        name: "running analysis silent",
        input_series: [info("analysis_run_info", "Running")],
        alertname: "AnalysisRunError",
        eval_time: "5m",
        exp_alerts: [],
    },
    // ≈ 0.99 % 5xx: above prod's 0.1 % for the 5 minutes.
    { name: "serving 5xx fires", input_series: requests(1), alertname: "ServingErrorsHigh", eval_time: "20m", exp_alerts: fires(serving) },
    // ≈ 0.05 %.
    { name: "serving 5xx silent", input_series: requests(0.05), alertname: "ServingErrorsHigh", eval_time: "20m", exp_alerts: [] },
];

const promtoolTest = (testCases: NamedAlertCase[]) => promtoolAlertTest(platformRuleGroups(ruleInputs(stackConfig("prod"))), testCases);

describe("monitoring/rollout alerts under promtool test rules", () => {
    it("covers every delivery alert with a firing and a silent case", () => {
        const group = platformRuleGroups(ruleInputs(stackConfig("prod"))).find((g) => g.name === "platform-rollouts")!;
        assertEachAlertCovered(
            group.rules.filter(isAlert).map((a) => a.alert),
            cases,
        );
    });

    it(`passes all ${cases.length} cases`, () => {
        const result = promtoolTest(cases);
        assert.equal(result.status, 0, result.output);
    });

    it("fails when a case expects an alert the series does not trigger (the case that must fail)", () => {
        const wrong = cases.find((c) => c.name === "paused rollout silent")!;
        const result = promtoolTest([{ ...wrong, exp_alerts: fires({ ...rollouts, name: "churn" }) }]);
        assert.notEqual(result.status, 0);
    });
});
