import { strict as assert } from "node:assert";
import { isAlert, platformRuleGroups, ruleInputs } from "../../src/monitoring/rules";
import { assertEachAlertCovered, NamedAlertCase, promtoolAlertTest, stackConfig } from "./tools";

/*
 * `promtool test rules` for the Argo Workflows alerts (src/monitoring/workflow-rules.ts): each fires
 * on a series that should page or notify and stays silent on a healthy one, with every stack's rules.
 * Series names are the controller's at v4.0.6 (argo_workflows_total_count, _error_count, _is_leader).
 */

const warn = { severity: "warning", component: "argo-workflows" };
const crit = { severity: "critical", component: "argo-workflows" };

const succeeded = { series: 'argo_workflows_total_count{namespace="platform-mlops",phase="Succeeded"}', values: "0+1x30" };
const cases: NamedAlertCase[] = [
    {
        name: "a failed workflow fires",
        input_series: [succeeded, { series: 'argo_workflows_total_count{namespace="platform-mlops",phase="Failed"}', values: "0x10 1x20" }],
        alertname: "ArgoWorkflowFailed",
        eval_time: "15m",
        exp_alerts: [{ exp_labels: { ...warn, namespace: "platform-mlops", phase: "Failed" } }],
    },
    {
        name: "an old failure no longer fires",
        input_series: [succeeded, { series: 'argo_workflows_total_count{namespace="platform-mlops",phase="Failed"}', values: "1x40" }],
        alertname: "ArgoWorkflowFailed",
        eval_time: "30m",
        exp_alerts: [],
    },
    {
        name: "only successes: silent",
        input_series: [succeeded],
        alertname: "ArgoWorkflowFailed",
        eval_time: "20m",
        exp_alerts: [],
    },
    {
        name: "a controller panic fires",
        input_series: [{ series: 'argo_workflows_error_count{cause="OperationPanic"}', values: "0x5 1x20" }],
        alertname: "ArgoWorkflowsControllerErrors",
        eval_time: "10m",
        exp_alerts: [{ exp_labels: { ...warn, cause: "OperationPanic" } }],
    },
    {
        name: "no new controller errors: silent",
        input_series: [{ series: 'argo_workflows_error_count{cause="OperationPanic"}', values: "2x40" }],
        alertname: "ArgoWorkflowsControllerErrors",
        eval_time: "30m",
        exp_alerts: [],
    },
    {
        name: "no leader fires",
        input_series: [{ series: 'argo_workflows_is_leader{pod="argo-workflows-workflow-controller-0"}', values: "0x20" }],
        alertname: "ArgoWorkflowsControllerDown",
        eval_time: "15m",
        exp_alerts: [{ exp_labels: crit }],
    },
    {
        name: "no metrics at all fires",
        input_series: [],
        alertname: "ArgoWorkflowsControllerDown",
        eval_time: "15m",
        exp_alerts: [{ exp_labels: crit }],
    },
    {
        name: "a leader and a standby: silent",
        input_series: [
            { series: 'argo_workflows_is_leader{pod="argo-workflows-workflow-controller-0"}', values: "1x20" },
            { series: 'argo_workflows_is_leader{pod="argo-workflows-workflow-controller-1"}', values: "0x20" },
        ],
        alertname: "ArgoWorkflowsControllerDown",
        eval_time: "15m",
        exp_alerts: [],
    },
];

const promtoolTest = (stack: string, testCases: NamedAlertCase[]) =>
    promtoolAlertTest(platformRuleGroups(ruleInputs(stackConfig(stack))), testCases);

describe("monitoring/Argo Workflows alerts under promtool test rules", () => {
    it("covers every Argo Workflows alert with a firing and a silent case", () => {
        const group = platformRuleGroups(ruleInputs(stackConfig("prod"))).find((g) => g.name === "platform-argo-workflows")!;
        assertEachAlertCovered(
            group.rules.filter(isAlert).map((a) => a.alert),
            cases,
        );
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: passes all ${cases.length} cases`, () => {
            const result = promtoolTest(stack, cases);
            assert.equal(result.status, 0, result.output);
        });
    }

    it("fails when a healthy series is expected to fire (the case that must fail)", () => {
        const healthy = cases.find((c) => c.name === "a leader and a standby: silent")!;
        const result = promtoolTest("prod", [{ ...healthy, exp_alerts: [{ exp_labels: crit }] }]);
        assert.notEqual(result.status, 0);
        assert.match(result.output, /FAILED/);
    });
});
