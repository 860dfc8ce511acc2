import { strict as assert } from "node:assert";
import { charts } from "../../src/config";
import { platformRuleGroups, ruleInputs } from "../../src/monitoring/rules";
import { kubePrometheusStackValues, monitoringResources } from "../../src/monitoring/values";
import { ofType, ResourceRecord } from "../../src/synth/inventory";
import { testSecrets } from "../../src/synth/stack-files";
import { successfulRun } from "../harness";
import { stackConfig, stacks } from "../monitoring/tools";

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const helmRelease = (resources: ResourceRecord[]) =>
    ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kube-prometheus-stack")!;
const meta = (r: ResourceRecord) => r.inputs.metadata as { name: string; namespace: string };
const crs = (resources: ResourceRecord[], kind: string) =>
    ofType(resources, `kubernetes:monitoring.coreos.com/v1:${kind}`).filter((r) => r.name.startsWith("monitoring-"));

const milli = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);
const mebi = (q: string) => Number(q.replace(/Mi$/, ""));

describe("addons/monitoring", () => {
    for (const stack of stacks) {
        it(`${stack}: installs the pinned kube-prometheus-stack in the monitoring namespace, sized from config, on the system pool`, async () => {
            const { resources } = await successfulRun(stack);
            const config = stackConfig(stack);
            const release = helmRelease(resources);
            assert.ok(release, "no kube-prometheus-stack release");
            assert.equal(release.inputs.version, charts.kubePrometheusStack.version);
            assert.equal((release.inputs.repositoryOpts as { repo: string }).repo, "https://prometheus-community.github.io/helm-charts");
            assert.equal(release.inputs.namespace, "platform-monitoring");
            const v = release.inputs.values as Values;
            const m = config.monitoring;
            assert.equal(v.prometheus.prometheusSpec.replicas, m.prometheusReplicas);
            assert.equal(v.alertmanager.alertmanagerSpec.replicas, m.alertmanagerReplicas);
            assert.equal(v.prometheus.prometheusSpec.retention, `${m.retentionDays}d`);
            assert.equal(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, `${m.storageGiB}Gi`);
            assert.equal(v.grafana.persistence.size, `${m.grafanaStorageGiB}Gi`);
            for (const part of [v.prometheus.prometheusSpec, v.alertmanager.alertmanagerSpec, v.grafana, v.prometheusOperator]) {
                assert.deepEqual(part.nodeSelector, { "platform.company.io/pool": "system" });
            }
            assert.equal(v.grafana.ingress.hosts[0], `grafana.${config.domain}`);
            assert.equal(v.grafana.admin.existingSecret, "grafana-admin");
            assert.equal(v.alertmanager.alertmanagerSpec.configSecret, "alertmanager-platform");
            // Receiver credentials never reach plain values.
            const text = JSON.stringify(release.inputs);
            assert.ok(!text.includes(testSecrets.slackWebhookUrl) && !text.includes(testSecrets.pagerdutyRoutingKey));
        });

        it(`${stack}: renders its rule groups as PrometheusRules and its monitors after the release`, async () => {
            const { resources, outputs } = await successfulRun(stack);
            const release = helmRelease(resources);
            const rules = crs(resources, "PrometheusRule");
            const groups = platformRuleGroups(ruleInputs(stackConfig(stack)));
            assert.deepEqual(rules.map((r) => meta(r).name).sort(), groups.map((g) => g.name).sort());
            const monitors = [...crs(resources, "ServiceMonitor"), ...crs(resources, "PodMonitor")];
            assert.deepEqual(monitors.map((r) => meta(r).name).sort(), [
                "argo-rollouts",
                "argo-workflows",
                "argocd",
                "cloudnative-pg",
                "cloudnative-pg-operator",
                "dcgm-exporter",
                "keda-operator",
                "minio",
                "mlflow",
                "sealed-secrets",
            ]);
            for (const r of [...rules, ...monitors])
                assert.ok(r.dependsOn.includes(release.urn), `${r.name} does not wait for the release`);
            assert.equal(outputs?.grafanaUrl, `https://grafana.${stackConfig(stack).domain}`);
        });
    }

    it("delivers Grafana's admin and Alertmanager's configuration by the secrets path: plain in dev, sealed in staging and prod", async () => {
        const kinds = async (stack: string) => {
            const { resources } = await successfulRun(stack);
            return resources
                .filter((r) => ["grafana-admin", "alertmanager-platform"].includes(meta(r)?.name))
                .filter((r) => r.type !== "kubernetes:helm.sh/v3:Release")
                .map((r) => r.type)
                .sort();
        };
        assert.deepEqual(await kinds("dev"), ["kubernetes:core/v1:Secret", "kubernetes:core/v1:Secret"]);
        for (const stack of ["staging", "prod"]) {
            assert.deepEqual(await kinds(stack), [
                "kubernetes:bitnami.com/v1alpha1:SealedSecret",
                "kubernetes:bitnami.com/v1alpha1:SealedSecret",
            ]);
        }
    });

    it("lets Prometheus scrape, Grafana be reached and Alertmanager notify where it has receivers", async () => {
        const names = async (stack: string) =>
            ofType((await successfulRun(stack)).resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .filter((r) => r.name.startsWith("monitoring-"))
                .map((r) => meta(r).name)
                .sort();
        // prometheus-queries: KEDA's prometheus triggers and Argo Rollouts' analyses query Prometheus on 9090.
        const base = [
            "grafana-dashboard-download",
            "grafana-from-load-balancers",
            "monitoring-kubernetes-api",
            "prometheus-queries",
            "prometheus-scrape",
        ];
        assert.deepEqual(await names("dev"), base);
        assert.deepEqual(await names("prod"), [...base, "alertmanager-receivers"].sort());
    });

    it("replicates Prometheus and Alertmanager across zones with disruption budgets where there are replicas (prod)", () => {
        const prod = stackConfig("prod");
        const v = kubePrometheusStackValues({
            config: prod,
            quota: prod.namespaces["platform-monitoring"].quota,
            clusterName: "c",
        }) as Values;
        assert.equal(v.prometheus.prometheusSpec.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        assert.equal(v.alertmanager.alertmanagerSpec.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        assert.equal(v.prometheus.podDisruptionBudget.enabled, true);
        assert.equal(v.alertmanager.podDisruptionBudget.enabled, true);
        assert.ok(v.alertmanager.alertmanagerSpec.storage, "prod keeps Alertmanager state on a volume");
        const dev = stackConfig("dev");
        const d = kubePrometheusStackValues({
            config: dev,
            quota: dev.namespaces["platform-monitoring"].quota,
            clusterName: "c",
        }) as Values;
        assert.equal(d.prometheus.podDisruptionBudget.enabled, false);
        assert.equal(d.alertmanager.alertmanagerSpec.storage, undefined, "basic monitoring keeps no Alertmanager volume");
    });

    it("fits every stack's monitoring quota: the limits of all pods in the namespace sum below it", () => {
        for (const stack of stacks) {
            const config = stackConfig(stack);
            const quota = config.namespaces["platform-monitoring"].quota;
            const m = config.monitoring;
            const r = monitoringResources(quota, m.prometheusReplicas);
            const pods = [
                ...Array(m.prometheusReplicas).fill([r.prometheus, r.configReloader]),
                ...Array(m.alertmanagerReplicas).fill([r.alertmanager, r.configReloader]),
                [r.grafana, r.grafanaSidecar, r.grafanaSidecar],
                [r.operator],
                [r.kubeStateMetrics],
            ].flat();
            const cpu = pods.reduce((n, p) => n + milli(p.limits.cpu), 0);
            const memory = pods.reduce((n, p) => n + mebi(p.limits.memory), 0);
            assert.ok(cpu <= quota.cpu * 1000, `${stack}: ${cpu}m CPU limits > quota ${quota.cpu}`);
            assert.ok(memory <= quota.memoryGiB * 1024, `${stack}: ${memory}Mi memory limits > quota ${quota.memoryGiB}Gi`);
            const volumes = m.prometheusReplicas + (m.level === "full" ? m.alertmanagerReplicas : 0) + 1;
            assert.ok(volumes <= quota.persistentVolumeClaims, `${stack}: ${volumes} PVCs > quota`);
        }
    });
});
