import { strict as assert } from "node:assert";
import { namespacesOfKind } from "../../src/k8s/baseline";
import { alertsOf, isAlert, platformRuleGroups, ruleInputs } from "../../src/monitoring/rules";
import { assertEachAlertCovered, NamedAlertCase, promtoolAlertTest, stackConfig, stacks } from "./tools";

/*
 * `promtool test rules` for the ML services' alerts (MLflow, KEDA, metrics-server): each fires on a
 * series that breaches it and stays silent on a healthy one, with prod's rendered rules. Annotations
 * are dropped (checked by promtool check rules and the runbook test in rules.test.ts).
 */

const prod = stackConfig("prod");
const mlops = namespacesOfKind(prod, "mlops")[0];

const up = (pod: string, values: string) => ({
    series: `up{namespace="${mlops}", pod="${pod}", job="platform-monitoring/mlflow"}`,
    values,
});
const available = (ns: string, deployment: string, values: string) => ({
    series: `kube_deployment_status_replicas_available{namespace="${ns}", deployment="${deployment}"}`,
    values,
});

const cases: NamedAlertCase[] = [
    {
        name: "MLflow down: both pods fail their scrapes",
        input_series: [up("mlflow-7d9-a", "1 1 0x10"), up("mlflow-7d9-b", "1 1 0x10")],
        alertname: "MlflowDown",
        eval_time: "10m",
        exp_alerts: [{ exp_labels: { severity: "critical", component: "mlflow" } }],
    },
    {
        name: "MLflow down: no target at all (the pods are gone)",
        input_series: [],
        alertname: "MlflowDown",
        eval_time: "10m",
        exp_alerts: [{ exp_labels: { severity: "critical", component: "mlflow" } }],
    },
    {
        name: "MLflow silent while one replica of two is up",
        input_series: [up("mlflow-7d9-a", "1x12"), up("mlflow-7d9-b", "1 1 0x10")],
        alertname: "MlflowDown",
        eval_time: "10m",
        exp_alerts: [],
    },
    {
        name: "MLflow silent on a short outage (under 5 minutes)",
        input_series: [up("mlflow-7d9-a", "1 1 0 0 0 1x8")],
        alertname: "MlflowDown",
        eval_time: "10m",
        exp_alerts: [],
    },
    {
        name: "KEDA metrics API server unavailable",
        input_series: [available("keda", "keda-operator", "1x20"), available("keda", "keda-operator-metrics-apiserver", "0x20")],
        alertname: "KedaUnavailable",
        eval_time: "15m",
        exp_alerts: [
            {
                exp_labels: { severity: "warning", component: "keda", namespace: "keda", deployment: "keda-operator-metrics-apiserver" },
            },
        ],
    },
    {
        name: "KEDA silent when both are available",
        input_series: [available("keda", "keda-operator", "2x20"), available("keda", "keda-operator-metrics-apiserver", "1x20")],
        alertname: "KedaUnavailable",
        eval_time: "15m",
        exp_alerts: [],
    },
    {
        name: "metrics-server unavailable",
        input_series: [available("metrics-server", "metrics-server", "0x20")],
        alertname: "MetricsServerUnavailable",
        eval_time: "15m",
        exp_alerts: [
            { exp_labels: { severity: "warning", component: "metrics-server", namespace: "metrics-server", deployment: "metrics-server" } },
        ],
    },
    {
        name: "metrics-server silent with one replica of two",
        input_series: [available("metrics-server", "metrics-server", "1x20")],
        alertname: "MetricsServerUnavailable",
        eval_time: "15m",
        exp_alerts: [],
    },
];

const promtoolTest = (testCases: NamedAlertCase[]) => promtoolAlertTest(platformRuleGroups(ruleInputs(prod)), testCases);

describe("monitoring/ML services alerts under promtool test rules", () => {
    it("every stack renders the three alerts, MLflow's on its own MLOps namespace", () => {
        for (const stack of stacks) {
            const config = stackConfig(stack);
            const alerts = alertsOf(platformRuleGroups(ruleInputs(config)));
            for (const name of ["MlflowDown", "KedaUnavailable", "MetricsServerUnavailable"])
                assert.ok(
                    alerts.some((a) => a.alert === name),
                    `${stack}: ${name} missing`,
                );
            const down = alerts.find((a) => a.alert === "MlflowDown")!;
            assert.ok(down.expr.includes(`namespace="${namespacesOfKind(config, "mlops")[0]}"`), down.expr);
        }
    });

    it("covers every ML services alert with a breaching and a healthy series", () => {
        const group = platformRuleGroups(ruleInputs(prod)).find((g) => g.name === "ml-services")!;
        assertEachAlertCovered(
            group.rules.filter(isAlert).map((a) => a.alert),
            cases,
        );
    });

    it(`passes all ${cases.length} cases`, () => {
        const result = promtoolTest(cases);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /SUCCESS/);
    });

    it("fails when a healthy series is expected to fire (the case that must fail)", () => {
        const healthy = cases.find((c) => c.name === "MLflow silent while one replica of two is up")!;
        const result = promtoolTest([{ ...healthy, exp_alerts: [{ exp_labels: { severity: "critical", component: "mlflow" } }] }]);
        assert.notEqual(result.status, 0);
        assert.match(result.output, /FAILED/);
    });
});
