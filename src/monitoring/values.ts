import { poolLabel } from "../aws/node-pools";
import { namespaceOfKind } from "../k8s/baseline";
import type { NamespaceConfig, PlatformConfig } from "../config";

/**
 * kube-prometheus-stack values from config (SPEC §1 "monitoring"), pure so sizing is tested without
 * mocks. Everything runs on the system pool except node-exporter (every node, in kube-system: it
 * needs the host network and filesystem, which the restricted monitoring namespace forbids).
 */

/** Names the add-on and the values agree on. */
export const monitoringNames = {
    release: "kube-prometheus-stack",
    /** Short resource names: `kps-prometheus`, `kps-alertmanager`, ... */
    fullname: "kps",
    grafanaAdminSecret: "grafana-admin",
    alertmanagerConfigSecret: "alertmanager-platform",
    /** The Role Grafana's sidecars use instead of the chart's (grafanaSidecarRole). */
    grafanaSidecarRole: "grafana-sidecar-configmaps",
};

/**
 * What Grafana's dashboard and data-source sidecars need: to read ConfigMaps in the monitoring
 * namespace, nothing else. kube-prometheus-stack 88.5.3 (values.yaml: `grafana.sidecar.dashboards.searchNamespace: ALL`)
 * with grafana chart 12.11.1 (values.yaml: `rbac.namespaced: false`, sidecars `resource: both`) gives
 * Grafana a ClusterRole reading every Secret and ConfigMap of the cluster, and even its namespaced
 * Role (templates/role.yaml) reads Secrets. The values below make the sidecars search only this
 * namespace, for ConfigMaps only (the chart's data sources and dashboards are ConfigMaps), and bind
 * this Role (`rbac.useExistingRole`) instead of the chart's; no ClusterRole is rendered.
 */
export function grafanaSidecarRole(namespace: string) {
    return {
        metadata: { name: monitoringNames.grafanaSidecarRole, namespace },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "watch", "list"] }],
    };
}

type Resources = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };

/** Requests are half the limits: room to burst without reserving it. */
function sized(cpuMilli: number, memoryMi: number): Resources {
    const half = (n: number) => Math.max(1, Math.floor(n / 2));
    return {
        requests: { cpu: `${half(cpuMilli)}m`, memory: `${half(memoryMi)}Mi` },
        limits: { cpu: `${cpuMilli}m`, memory: `${memoryMi}Mi` },
    };
}

/** Prometheus gets this share of the monitoring namespace's quota, split across its replicas. */
export const prometheusQuotaShare = 0.4;

/**
 * Container sizes. Prometheus scales with the namespace quota (dev's 2 CPU / 8 GiB gives one
 * 800m / 3.2 GiB replica; prod's 8 / 32 two 1.6 CPU / 6.4 GiB); the rest are small fixed sizes. The
 * sum of limits stays within the quota (tested), since the quota caps limits too.
 */
export function monitoringResources(quota: NamespaceConfig["quota"], prometheusReplicas: number) {
    return {
        prometheus: sized(
            Math.floor((quota.cpu * 1000 * prometheusQuotaShare) / prometheusReplicas),
            Math.floor((quota.memoryGiB * 1024 * prometheusQuotaShare) / prometheusReplicas),
        ),
        configReloader: sized(50, 64),
        alertmanager: sized(100, 128),
        grafana: sized(300, 512),
        grafanaSidecar: sized(50, 128),
        operator: sized(100, 256),
        kubeStateMetrics: sized(100, 256),
        nodeExporter: sized(100, 64),
    };
}

/** Dashboards by reference to their maintained upstream sources on grafana.com (pinned revisions), not copies. */
export const dashboards = {
    "node-exporter-full": { gnetId: 1860, revision: 37 },
    "nvidia-dcgm-exporter": { gnetId: 12239, revision: 2 },
    cloudnativepg: { gnetId: 20417, revision: 4 },
    minio: { gnetId: 13502, revision: 26 },
    argocd: { gnetId: 14584, revision: 1 },
    /** Argo Rollouts' own dashboard: argoproj/argo-rollouts examples/dashboard.json at the controller's tag (docs/features/controller-metrics.md). */
    "argo-rollouts": { url: "https://raw.githubusercontent.com/argoproj/argo-rollouts/v1.9.0/examples/dashboard.json" },
} as const;

const zone = "topology.kubernetes.io/zone";

/** Replicas spread over zones; with one replica the constraint is trivially met. */
const zoneSpread = (name: string) => [
    {
        maxSkew: 1,
        topologyKey: zone,
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { "app.kubernetes.io/name": name } },
    },
];

const volume = (gib: number) => ({
    volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${gib}Gi` } } } },
});

/** Alertmanager's volume (silences and notification log). */
export const alertmanagerStorageGiB = 2;

export interface ValuesInputs {
    config: PlatformConfig;
    /** Monitoring namespace's quota (from config). */
    quota: NamespaceConfig["quota"];
    /** Cluster name, an external label on every series and alert. */
    clusterName: string;
}

export function grafanaHost(domain: string): string {
    return `grafana.${domain}`;
}

/** The `grafanaUrl` stack output: HTTPS, the ALB terminates TLS with the ACM certificate for the host. */
export function grafanaUrl(domain: string): string {
    return `https://${grafanaHost(domain)}`;
}

export function kubePrometheusStackValues({ config, quota, clusterName }: ValuesInputs): Record<string, unknown> {
    const m = config.monitoring;
    const r = monitoringResources(quota, m.prometheusReplicas);
    const onSystemPool = { nodeSelector: { [poolLabel]: "system" } };
    const host = grafanaHost(config.domain);
    const monitoringNamespace = namespaceOfKind(config, "monitoring");
    // Basic monitoring notifies nobody, so silences need not survive a restart: no Alertmanager volume.
    const alertmanagerStorage = m.level === "full" ? { storage: volume(alertmanagerStorageGiB) } : {};
    return {
        fullnameOverride: monitoringNames.fullname,
        crds: { enabled: true },
        // EKS runs the control plane: etcd, scheduler, controller manager and kube-proxy metrics are not reachable.
        defaultRules: {
            create: true,
            rules: {
                etcd: false,
                kubeControllerManager: false,
                kubeSchedulerAlerting: false,
                kubeSchedulerRecording: false,
                kubeProxy: false,
            },
        },
        kubeEtcd: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        prometheusOperator: {
            ...onSystemPool,
            resources: r.operator,
            // Rules are validated by promtool in CI; the webhook would need cert-generation jobs and API-server ingress.
            admissionWebhooks: { enabled: false },
            tls: { enabled: false },
            prometheusConfigReloader: { resources: r.configReloader },
        },
        prometheus: {
            podDisruptionBudget: { enabled: m.prometheusReplicas > 1, minAvailable: 1 },
            prometheusSpec: {
                ...onSystemPool,
                replicas: m.prometheusReplicas,
                retention: `${m.retentionDays}d`,
                // Leave headroom on the volume: TSDB compaction needs free space.
                retentionSize: `${Math.floor(m.storageGiB * 0.85)}GB`,
                storageSpec: volume(m.storageGiB),
                resources: r.prometheus,
                externalLabels: { cluster: clusterName, environment: config.environment },
                topologySpreadConstraints: zoneSpread("prometheus"),
                // Select every monitor and rule, not only those labelled with this release.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
            },
        },
        alertmanager: {
            podDisruptionBudget: { enabled: m.alertmanagerReplicas > 1, minAvailable: 1 },
            alertmanagerSpec: {
                ...onSystemPool,
                replicas: m.alertmanagerReplicas,
                resources: r.alertmanager,
                // Routing and receiver credentials come from the Secret the secrets path delivers.
                useExistingSecret: true,
                configSecret: monitoringNames.alertmanagerConfigSecret,
                topologySpreadConstraints: zoneSpread("alertmanager"),
                ...alertmanagerStorage,
            },
        },
        grafana: {
            ...onSystemPool,
            resources: r.grafana,
            admin: { existingSecret: monitoringNames.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
            persistence: { enabled: true, size: `${m.grafanaStorageGiB}Gi` },
            // One ReadWriteOnce volume: the old pod must stop before the new one mounts it.
            deploymentStrategy: { type: "Recreate" },
            // Runs as root, which restricted Pod Security forbids; fsGroup already owns the volume.
            initChownData: { enabled: false },
            testFramework: { enabled: false },
            "grafana.ini": {
                server: { root_url: `https://${host}` },
                analytics: { check_for_updates: false, reporting_enabled: false },
                users: { allow_sign_up: false },
            },
            ingress: {
                enabled: true,
                ingressClassName: "alb",
                hosts: [host],
                path: "/",
                pathType: "Prefix",
                annotations: {
                    "alb.ingress.kubernetes.io/scheme": "internal",
                    "alb.ingress.kubernetes.io/target-type": "ip",
                    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
                    "alb.ingress.kubernetes.io/ssl-redirect": "443",
                    "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    "alb.ingress.kubernetes.io/healthcheck-path": "/api/health",
                },
                // The controller finds the ACM certificate for this host (a certificate for grafana.<domain> must exist).
                tls: [{ hosts: [host] }],
            },
            // The chart provisions the Prometheus and Alertmanager data sources through this sidecar.
            // Every sidecar container reads sidecar.resources (grafana chart 12.11, _pod.tpl).
            // Namespaced: ConfigMaps of the monitoring namespace only (grafanaSidecarRole).
            rbac: { namespaced: true, useExistingRole: monitoringNames.grafanaSidecarRole },
            sidecar: {
                resources: r.grafanaSidecar,
                dashboards: { enabled: true, searchNamespace: monitoringNamespace, resource: "configmap" },
                datasources: {
                    enabled: true,
                    defaultDatasourceEnabled: true,
                    alertmanager: { enabled: true },
                    searchNamespace: monitoringNamespace,
                    resource: "configmap",
                },
            },
            downloadDashboards: { resources: r.grafanaSidecar },
            dashboardProviders: {
                "dashboardproviders.yaml": {
                    apiVersion: 1,
                    providers: [
                        {
                            name: "platform",
                            folder: "Platform",
                            type: "file",
                            disableDeletion: true,
                            editable: false,
                            options: { path: "/var/lib/grafana/dashboards/platform" },
                        },
                    ],
                },
            },
            dashboards: {
                platform: Object.fromEntries(
                    Object.entries(dashboards).map(([name, d]) => [
                        name,
                        { ...d, datasource: [{ name: "DS_PROMETHEUS", value: "Prometheus" }] },
                    ]),
                ),
            },
        },
        "kube-state-metrics": { ...onSystemPool, resources: r.kubeStateMetrics },
        "prometheus-node-exporter": {
            namespaceOverride: "kube-system",
            resources: r.nodeExporter,
            // Every node, GPU and tainted data nodes included.
            tolerations: [{ operator: "Exists" }],
        },
    };
}
