import { dataNamespace, minioTenantName } from "../addons/data-namespace";
import { minioTls as minioTlsSecret } from "../addons/object-store";
import { allow, ApiServerAddresses, nsSelector, PolicySpec, tcp } from "../k8s/network-policies";

/**
 * What Prometheus scrapes beyond the chart's own targets, and the network allows that make it
 * possible. Pure data. Monitors select by namespace and labels the services' charts set:
 *
 * | target | namespace | selector | port |
 * |---|---|---|---|
 * | DCGM exporter | `kube-system` | `app.kubernetes.io/name: dcgm-exporter` (Service) | `metrics` (9400) |
 * | CloudNativePG instances | any | pod label `cnpg.io/cluster` exists | `metrics` (9187) |
 * | CloudNativePG operator | `cnpg-system` | `app.kubernetes.io/name: cloudnative-pg` | `metrics` (8080) |
 * | MinIO tenant | any | pod label `v1.min.io/tenant` exists | `http-minio` (9000), `/minio/v2/metrics/cluster`; the tenant sets `MINIO_PROMETHEUS_AUTH_TYPE=public` |
 * | ArgoCD | `argocd` | `app.kubernetes.io/part-of: argocd` | `metrics` (8082 controller, 8083 server, 8084 repo server) |
 * | Sealed Secrets | `sealed-secrets` | `app.kubernetes.io/name: sealed-secrets` | `metrics` (8081) |
 */

export interface MonitorInputs {
    monitoringNamespace: string;
    gpu: boolean;
    minio: boolean;
    /** The MLflow server's namespace (src/addons/mlflow.ts), when it runs. */
    mlflowNamespace?: string;
    /** KEDA's namespace (src/addons/keda.ts), when it runs. */
    kedaNamespace?: string;
}

/** A ServiceMonitor or PodMonitor as a Kubernetes object (apiVersion, kind, metadata, spec). */
export interface Monitor {
    apiVersion: "monitoring.coreos.com/v1";
    kind: "ServiceMonitor" | "PodMonitor";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: Record<string, unknown>;
}

/** Label on everything the monitoring add-on creates for Prometheus to select. */
export const monitorLabels = { "platform.company.io/monitoring": "platform" };

const interval = "30s";

export function monitors(m: MonitorInputs): Monitor[] {
    const monitor = (kind: Monitor["kind"], name: string, spec: Record<string, unknown>, namespace = m.monitoringNamespace): Monitor => ({
        apiVersion: "monitoring.coreos.com/v1",
        kind,
        metadata: { name, namespace, labels: monitorLabels },
        spec,
    });
    const inNamespace = (ns: string) => ({ matchNames: [ns] });
    const result: Monitor[] = [];
    if (m.gpu) {
        result.push(
            monitor("ServiceMonitor", "dcgm-exporter", {
                namespaceSelector: inNamespace("kube-system"),
                selector: { matchLabels: { "app.kubernetes.io/name": "dcgm-exporter" } },
                endpoints: [{ port: "metrics", interval }],
            }),
        );
    }
    result.push(
        monitor("PodMonitor", "cloudnative-pg", {
            namespaceSelector: { any: true },
            selector: { matchExpressions: [{ key: "cnpg.io/cluster", operator: "Exists" }] },
            podTargetLabels: ["cnpg.io/cluster"],
            podMetricsEndpoints: [{ port: "metrics", interval }],
        }),
        monitor("PodMonitor", "cloudnative-pg-operator", {
            namespaceSelector: inNamespace("cnpg-system"),
            selector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" } },
            podMetricsEndpoints: [{ port: "metrics", interval }],
        }),
    );
    if (m.minio) {
        result.push(
            // MinIO serves metrics over TLS on its container port `minio-port`; the monitor lives beside the
            // tenant because a TLS CA can only be read from the monitor's own namespace.
            monitor(
                "PodMonitor",
                "minio",
                {
                    namespaceSelector: inNamespace(dataNamespace),
                    selector: { matchLabels: { "v1.min.io/tenant": minioTenantName } },
                    podTargetLabels: ["v1.min.io/tenant"],
                    podMetricsEndpoints: [
                        {
                            port: "minio-port",
                            path: "/minio/v2/metrics/cluster",
                            scheme: "https",
                            tlsConfig: {
                                ca: { secret: { name: minioTlsSecret, key: "ca.crt" } },
                                serverName: `minio.${dataNamespace}.svc`,
                            },
                            interval,
                        },
                    ],
                },
                dataNamespace,
            ),
        );
    }
    result.push(
        monitor("PodMonitor", "argocd", {
            namespaceSelector: inNamespace("argocd"),
            selector: { matchLabels: { "app.kubernetes.io/part-of": "argocd" } },
            podMetricsEndpoints: [{ port: "metrics", interval }],
        }),
        // argo-rollouts 2.41.0 controller: container port `metrics` (8090); rollout_info, analysis_run_info.
        monitor("PodMonitor", "argo-rollouts", {
            namespaceSelector: inNamespace("argo-rollouts"),
            selector: { matchLabels: { "app.kubernetes.io/name": "argo-rollouts", "app.kubernetes.io/component": "rollouts-controller" } },
            podMetricsEndpoints: [{ port: "metrics", interval }],
        }),
        // argo-workflows v4.0.6: the leader's metrics on 9090 (`metrics`), plain HTTP (metricsConfig.secure false).
        monitor("PodMonitor", "argo-workflows", {
            namespaceSelector: inNamespace("argo-workflows"),
            selector: { matchLabels: { "app.kubernetes.io/name": "argo-workflows-workflow-controller" } },
            podMetricsEndpoints: [{ port: "metrics", interval }],
        }),
        monitor("PodMonitor", "sealed-secrets", {
            namespaceSelector: inNamespace("sealed-secrets"),
            selector: { matchLabels: { "app.kubernetes.io/name": "sealed-secrets" } },
            podMetricsEndpoints: [{ port: "metrics", interval }],
        }),
    );
    // MLflow serves /metrics on its HTTP port with --expose-prometheus (container port name `mlflow`, chart 1.11.5).
    if (m.mlflowNamespace)
        result.push(
            monitor("PodMonitor", "mlflow", {
                namespaceSelector: inNamespace(m.mlflowNamespace),
                selector: { matchLabels: { "app.kubernetes.io/name": "mlflow" } },
                podMetricsEndpoints: [{ port: "mlflow", path: "/metrics", interval }],
            }),
        );
    if (m.kedaNamespace)
        result.push(
            monitor("PodMonitor", "keda-operator", {
                namespaceSelector: inNamespace(m.kedaNamespace),
                selector: { matchLabels: { "app.kubernetes.io/name": "keda-operator" } },
                podMetricsEndpoints: [{ port: "metrics", interval }],
            }),
        );
    return result;
}

/**
 * Metrics ports Prometheus may reach in other namespaces: DCGM 9400, CNPG 9187, MinIO 9000,
 * ArgoCD 8082–8084 and notifications 9001, MLflow 5000, Sealed Secrets 8081, operators and controllers 8080,
 * cluster-autoscaler 8085, CoreDNS 9153, cert-manager 9402, Argo Rollouts 8090, Argo Workflows 9090. The service namespaces allow the monitoring namespace in on their side.
 */
export const scrapePorts = [5000, 8080, 8081, 8082, 8083, 8084, 8085, 8090, 9000, 9001, 9090, 9153, 9187, 9400, 9402];

/** Kubelet (and cAdvisor) 10250 and node-exporter 9100: host-network endpoints on the nodes' VPC addresses. */
export const nodePorts = [9100, 10250];

const pods = (name: string) => ({ matchLabels: { "app.kubernetes.io/name": name } });

export interface MonitoringNetworkInputs {
    /** What internet egress leaves out (the VPC and the Service CIDR; network-policies.ts notInternet). */
    notInternet: readonly string[];
    /** The Kubernetes API's addresses (ClusterIP and control-plane subnets). */
    api: ApiServerAddresses;
    /** The node subnets: kubelets and node exporters listen on the nodes' addresses. */
    nodeCidrs: readonly string[];
    loadBalancerCidrs: readonly string[];
    /** Slack or PagerDuty configured: Alertmanager reaches them over HTTPS. */
    notifies: boolean;
    /** Namespaces whose pods query Prometheus's API on 9090 (KEDA's `prometheus` triggers, Argo Rollouts' canary analyses). Default none. */
    queryClients?: readonly string[];
}

/**
 * Allows the monitoring namespace needs beyond its posture (default deny, DNS, same namespace, load
 * balancers in). Restricted egress (prod) stays closed to the internet except two named, HTTPS-only
 * exceptions: Alertmanager to its receivers, and Grafana fetching the referenced dashboards.
 */
export function monitoringNetworkPolicies(n: MonitoringNetworkInputs): PolicySpec[] {
    // Names differ from the posture's own allows (allow-load-balancers exists in this namespace already).
    const policies: PolicySpec[] = [
        // Operator, Prometheus service discovery, kube-state-metrics and Grafana's sidecars watch the API.
        allow.apiServer(n.api, [], "monitoring-kubernetes-api"),
        {
            name: "prometheus-scrape",
            spec: {
                podSelector: pods("prometheus"),
                policyTypes: ["Egress"],
                egress: [
                    { to: n.nodeCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(nodePorts) },
                    { to: [{ namespaceSelector: {} }], ports: tcp(scrapePorts) },
                ],
            },
        },
        allow.loadBalancers(n.loadBalancerCidrs, pods("grafana"), [3000], "grafana-from-load-balancers"),
        allow.httpsEgress("grafana-dashboard-download", pods("grafana"), n.notInternet),
    ];
    if (n.notifies) policies.push(allow.httpsEgress("alertmanager-receivers", pods("alertmanager"), n.notInternet));
    if (n.queryClients?.length) {
        policies.push({
            name: "prometheus-queries",
            spec: {
                podSelector: pods("prometheus"),
                policyTypes: ["Ingress"],
                ingress: [{ from: n.queryClients.map(nsSelector), ports: tcp([9090]) }],
            },
        });
    }
    return policies;
}
