import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { planSubnets } from "../aws/cidr";
import { apiServerAddresses, notInternet } from "../k8s/network-policies";
import { charts } from "../config";
import { alertmanagerConfig, renderAlertmanagerConfig } from "../monitoring/alertmanager";
import { platformRuleGroups, ruleInputs } from "../monitoring/rules";
import { monitoringNetworkPolicies, monitorLabels, monitors } from "../monitoring/scrape";
import { grafanaSidecarRole, grafanaUrl, kubePrometheusStackValues, monitoringNames } from "../monitoring/values";
import { generatedPassword } from "../secrets/credentials";
import { rolloutsNamespace } from "./argo-rollouts";
import { Addon, AddonContext, helmRelease } from "./contract";
import { kedaNamespace } from "./keda";
import { mlflowNamespace } from "./mlflow";

export interface MonitoringArgs {
    context: AddonContext;
    /** What the release waits for: nodes, DNS, the load balancer controller, and the monitoring namespace. */
    dependsOn: pulumi.Resource[];
}

/**
 * Monitoring (SPEC §1, §4): kube-prometheus-stack (pinned) in the monitoring namespace, sized from
 * config; Grafana at `grafana.<domain>` with its admin credential and Alertmanager's routing (with
 * receiver credentials) delivered by the secrets path; the platform's SLO and platform rules; the
 * monitors of the other services; and the network allows the namespace's posture lacks.
 */
export class Monitoring extends pulumi.ComponentResource {
    readonly grafanaUrl: string;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:Monitoring", name, {}, opts);
        const { config, secrets, network } = args.context;
        const namespace = network.monitoringNamespace;
        const after = { parent: this, dependsOn: args.dependsOn };
        this.grafanaUrl = grafanaUrl(config.domain);

        const notifies = config.alerting.slack !== undefined || config.alerting.pagerduty;
        const policies = monitoringNetworkPolicies({
            notInternet: notInternet(config),
            api: apiServerAddresses(config),
            nodeCidrs: planSubnets(config.network.vpcCidr, config.network.availabilityZones).map((p) => p.privateCidr),
            // Grafana's ALB is internal: its addresses are in the dedicated internal load balancer subnets.
            loadBalancerCidrs: network.internalLoadBalancerCidrs,
            notifies,
            // KEDA's prometheus triggers and Argo Rollouts' canary analyses (src/monitoring/analysis.ts) query Prometheus.
            queryClients: [kedaNamespace, rolloutsNamespace],
        }).map(
            (p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.name}`, { metadata: { name: p.name, namespace }, spec: p.spec }, after),
        );

        const grafanaAdmin = secrets.deliver(
            `${name}-grafana-admin`,
            {
                name: monitoringNames.grafanaAdminSecret,
                namespace,
                data: { "admin-user": "admin", "admin-password": generatedPassword(`${name}-grafana-admin-password`, { parent: this }) },
            },
            after,
        );
        const { slackWebhookUrl, pagerdutyRoutingKey } = config.secretValues;
        const alertmanagerYaml = pulumi.secret(
            pulumi
                .all([slackWebhookUrl, pagerdutyRoutingKey])
                .apply(([slack, pagerduty]) =>
                    renderAlertmanagerConfig(
                        alertmanagerConfig(config.alerting, { slackWebhookUrl: slack, pagerdutyRoutingKey: pagerduty }),
                    ),
                ),
        );
        const alertmanagerSecret = secrets.deliver(
            `${name}-alertmanager-config`,
            { name: monitoringNames.alertmanagerConfigSecret, namespace, data: { "alertmanager.yaml": alertmanagerYaml } },
            after,
        );

        const grafanaRole = new k8s.rbac.v1.Role(`${name}-grafana-sidecar`, grafanaSidecarRole(namespace), after);
        const quota = config.namespaces[namespace].quota;
        this.release = helmRelease(
            monitoringNames.release,
            charts.kubePrometheusStack,
            namespace,
            kubePrometheusStackValues({ config, quota, clusterName: args.context.aws.name }),
            { parent: this, dependsOn: [...args.dependsOn, ...policies, grafanaAdmin, alertmanagerSecret, grafanaRole] },
        );

        // The release brings the CRDs: rules and monitors come after it.
        const afterRelease = { parent: this, dependsOn: [this.release] };
        for (const group of platformRuleGroups(ruleInputs(config))) {
            new k8s.apiextensions.CustomResource(
                `${name}-rules-${group.name}`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: group.name, namespace, labels: monitorLabels },
                    spec: { groups: [group] },
                },
                afterRelease,
            );
        }
        const gpu = Object.values(config.nodePools).some((p) => p.gpu);
        for (const monitor of monitors({
            monitoringNamespace: namespace,
            gpu,
            minio: config.objectStore.kind === "minio",
            mlflowNamespace: mlflowNamespace(config),
            kedaNamespace,
        })) {
            new k8s.apiextensions.CustomResource(
                `${name}-${monitor.kind.toLowerCase()}-${monitor.metadata.name}`,
                { ...monitor },
                afterRelease,
            );
        }
        this.registerOutputs({ grafanaUrl: this.grafanaUrl });
    }
}

/**
 * The monitoring add-on. `after` holds what the composition root knows and the add-on contract
 * does not carry: the Baseline, which creates the monitoring namespace.
 */
export function monitoringAddon(after: pulumi.Resource[]): Addon {
    return {
        id: "monitoring",
        // The Grafana Ingress is validated by the load balancer controller's webhook; MinIO's PodMonitor
        // lives in the data namespace (src/plan/deploy-order.ts: namespaces first).
        needs: ["aws-load-balancer-controller", "data-namespace"],
        deploy: (context, opts) =>
            new Monitoring("monitoring", { context, dependsOn: [...opts.dependsOn, ...after] }, { parent: opts.parent }),
    };
}
