import { strict as assert } from "node:assert";
import { grafanaSidecarRole, monitoringNames } from "../../src/monitoring/values";
import { ofType } from "../../src/synth/inventory";
import { successfulRun } from "../harness";

/*
 * Grafana reads what its sidecars need and nothing else (SECURITY.md 16, CIS EKS 4.1.2). With the
 * chart defaults of kube-prometheus-stack 88.5.3 / grafana 12.11.1 (dashboards sidecar searching
 * ALL namespaces, `rbac.namespaced: false`, sidecars watching ConfigMaps and Secrets), Grafana's
 * service account could read every Secret of the cluster: those defaults are the failing case.
 */

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Whether the values leave Grafana with cluster-wide or Secret access, as the grafana chart renders RBAC. */
export function grafanaSecretAccess(grafana: Values, namespace: string): string[] {
    const problems: string[] = [];
    if (grafana.rbac?.namespaced !== true) problems.push("rbac.namespaced is not true: the chart renders a ClusterRole");
    if (!grafana.rbac?.useExistingRole) problems.push("the chart's own Role reads Secrets (templates/role.yaml)");
    for (const sidecar of ["dashboards", "datasources"]) {
        const s = grafana.sidecar?.[sidecar] ?? {};
        if (s.searchNamespace !== namespace) problems.push(`sidecar.${sidecar}.searchNamespace is ${JSON.stringify(s.searchNamespace)}`);
        if (s.resource !== "configmap") problems.push(`sidecar.${sidecar}.resource is ${JSON.stringify(s.resource ?? "both")}`);
    }
    return problems;
}

describe("addons/grafana-access", () => {
    it("fails the chart defaults (the issue's case)", () => {
        const kpsDefaults = {
            rbac: { pspEnabled: false },
            sidecar: { dashboards: { enabled: true, searchNamespace: "ALL" }, datasources: { enabled: true } },
        };
        assert.equal(grafanaSecretAccess(kpsDefaults, "platform-monitoring").length, 6);
    });

    for (const stack of ["dev", "staging", "prod"]) {
        it(`${stack}: Grafana's sidecars read ConfigMaps of the monitoring namespace only, through our Role`, async () => {
            const { resources } = await successfulRun(stack);
            const release = ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kube-prometheus-stack")!;
            const namespace = String(release.inputs.namespace);
            const grafana = (release.inputs.values as Values).grafana;
            assert.deepEqual(grafanaSecretAccess(grafana, namespace), []);
            const role = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role").find(
                (r) => (r.inputs.metadata as { name: string }).name === monitoringNames.grafanaSidecarRole,
            )!;
            assert.deepEqual(role.inputs.rules, grafanaSidecarRole(namespace).rules);
            assert.equal((role.inputs.metadata as { namespace: string }).namespace, namespace);
            assert.ok(release.dependsOn.includes(role.urn), "the Role exists before the chart binds it");
            assert.ok(!JSON.stringify(grafanaSidecarRole(namespace).rules).includes("secrets"));
        });
    }
});
