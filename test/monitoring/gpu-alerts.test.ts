import { strict as assert } from "node:assert";
import { AlertRule, isAlert, platformRuleGroups, ruleInputs } from "../../src/monitoring/rules";
import { NamedAlertCase, promtoolAlertTest, stackConfig } from "./tools";

/*
 * Issue 19: the GPU alerts under `promtool test rules` with prod's rules: GPUPodsPending fires after
 * monitoring.gpuPendingMinutes of a Pending pod that requests nvidia.com/gpu and stays silent for a
 * Pending pod without GPUs or one that was scheduled in time; the DCGM health alerts fire on an XID
 * or a row-remap failure and stay silent on a healthy GPU.
 */

const minutes = stackConfig("prod").monitoring.gpuPendingMinutes;
const gpu = { severity: "warning", component: "gpu" };
const pod = (name: string) => `namespace="platform-prod",pod="${name}"`;
const pending = (name: string, values: string) => ({ series: `kube_pod_status_phase{${pod(name)},phase="Pending"}`, values });
const requests = (name: string, resource: string) => ({
    series: `kube_pod_container_resource_requests{${pod(name)},container="train",resource="${resource}"}`,
    values: `1+0x${minutes + 20}`,
});

const cases: NamedAlertCase[] = [
    {
        name: "GPU pod pending past the threshold fires",
        input_series: [pending("train-0", `1+0x${minutes + 20}`), requests("train-0", "nvidia_com_gpu")],
        alertname: "GPUPodsPending",
        eval_time: `${minutes + 5}m`,
        exp_alerts: [{ exp_labels: { ...gpu, namespace: "platform-prod", pod: "train-0" } }],
    },
    {
        name: "GPU pod scheduled before the threshold is silent",
        input_series: [pending("train-1", `1+0x${minutes - 5} 0+0x25`), requests("train-1", "nvidia_com_gpu")],
        alertname: "GPUPodsPending",
        eval_time: `${minutes + 5}m`,
        exp_alerts: [],
    },
    {
        name: "CPU pod pending is silent (not this alert's business)",
        input_series: [pending("etl-0", `1+0x${minutes + 20}`), requests("etl-0", "cpu")],
        alertname: "GPUPodsPending",
        eval_time: `${minutes + 5}m`,
        exp_alerts: [],
    },
    {
        name: "XID fires",
        input_series: [{ series: 'DCGM_FI_DEV_XID_ERRORS{gpu="0",Hostname="gpu-node"}', values: "0 0 79+0x10" }],
        alertname: "GpuXidError",
        eval_time: "6m",
        exp_alerts: [{ exp_labels: { ...gpu, gpu: "0", Hostname: "gpu-node" } }],
    },
    {
        name: "no XID is silent",
        input_series: [{ series: 'DCGM_FI_DEV_XID_ERRORS{gpu="0",Hostname="gpu-node"}', values: "0+0x10" }],
        alertname: "GpuXidError",
        eval_time: "6m",
        exp_alerts: [],
    },
    {
        name: "row remap failure fires",
        input_series: [{ series: 'DCGM_FI_DEV_ROW_REMAP_FAILURE{gpu="3",Hostname="gpu-node"}', values: "1+0x10" }],
        alertname: "GpuRowRemapFailure",
        eval_time: "5m",
        exp_alerts: [{ exp_labels: { severity: "critical", component: "gpu", gpu: "3", Hostname: "gpu-node" } }],
    },
    {
        name: "no row remap failure is silent",
        input_series: [{ series: 'DCGM_FI_DEV_ROW_REMAP_FAILURE{gpu="3",Hostname="gpu-node"}', values: "0+0x10" }],
        alertname: "GpuRowRemapFailure",
        eval_time: "5m",
        exp_alerts: [],
    },
];

const promtoolTest = (testCases: NamedAlertCase[]) =>
    promtoolAlertTest(
        platformRuleGroups(ruleInputs(stackConfig("prod"))).filter((g) => g.name === "platform-gpu"),
        testCases,
    );

describe("monitoring/GPU alerts under promtool test rules (issue 19)", () => {
    it("waits monitoring.gpuPendingMinutes before GPUPodsPending fires", () => {
        const alert = platformRuleGroups(ruleInputs(stackConfig("prod")))
            .flatMap((g) => g.rules)
            .find((r) => isAlert(r) && r.alert === "GPUPodsPending") as AlertRule;
        assert.equal(alert.for, `${minutes}m`);
    });

    it(`passes all ${cases.length} cases: each GPU alert fires on a faulty series and stays silent on a healthy one`, () => {
        const result = promtoolTest(cases);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /SUCCESS/);
    });

    it("fails when a case expects GPUPodsPending for a CPU pod (the case that must fail)", () => {
        const wrong = cases.find((c) => c.name.startsWith("CPU pod"))!;
        const result = promtoolTest([{ ...wrong, exp_alerts: [{ exp_labels: { ...gpu, namespace: "platform-prod", pod: "etl-0" } }] }]);
        assert.notEqual(result.status, 0);
        assert.match(result.output, /FAILED/);
    });
});
