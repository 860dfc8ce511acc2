import { planSubnets } from "../aws/cidr";
import { poolLabel } from "../aws/node-pools";
import { charts, PlatformConfig } from "../config";
import { allow, apiServerAddresses, PolicySpec, tcp } from "../k8s/network-policies";
import { Addon, helmRelease, serviceNamespace } from "./contract";

/**
 * metrics-server (kubernetes-sigs/metrics-server chart 3.13.1, metrics-server 0.8.1; values.yaml at
 * tag metrics-server-helm-chart-3.13.1): the `metrics.k8s.io` API that HorizontalPodAutoscalers
 * and `kubectl top` read. The pinned chart rather than the EKS community add-on: every other
 * controller here is a pinned chart with our placement, PDB and network policies, which the add-on's
 * configuration schema does not all expose, and its version list can only be checked against a live
 * account (`aws eks describe-addon-versions`), not offline.
 *
 * Runs in its own restricted namespace on the system pool, two replicas when the pool has two nodes
 * (chart README, "High availability": replicas with a PDB and anti-affinity). It scrapes every
 * kubelet on 10250 (`--kubelet-preferred-address-types=InternalIP`, chart default args) and the API
 * server calls it through the `v1beta1.metrics.k8s.io` APIService on its container port 10250.
 */
export const metricsServerNamespace = "metrics-server";
/** The chart's `containerPort` (HTTPS): the aggregated API the control plane calls. */
export const metricsServerPort = 10250;
export const kubeletPort = 10250;

/** Replicas: two (HA) when the system pool keeps at least two nodes, else one. */
export function metricsServerReplicas(config: PlatformConfig): number {
    return Math.min(2, config.nodePools.system?.minSize ?? 1);
}

export function metricsServerValues(config: PlatformConfig): Record<string, unknown> {
    const replicas = metricsServerReplicas(config);
    return {
        replicas,
        nodeSelector: { [poolLabel]: "system" },
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        // The chart's defaults (values.yaml), stated so a chart upgrade cannot loosen them unseen.
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: "RuntimeDefault" },
            capabilities: { drop: ["ALL"] },
        },
        containerPort: metricsServerPort,
        resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
        affinity:
            replicas > 1
                ? {
                      podAntiAffinity: {
                          requiredDuringSchedulingIgnoredDuringExecution: [
                              {
                                  topologyKey: "kubernetes.io/hostname",
                                  labelSelector: { matchLabels: { "app.kubernetes.io/name": "metrics-server" } },
                              },
                          ],
                      },
                  }
                : {},
    };
}

/** The namespace's allows: the control plane in on 10250, the API server and the kubelets out. */
export function metricsServerPolicies(config: PlatformConfig): PolicySpec[] {
    const nodeCidrs = planSubnets(config.network.vpcCidr, config.network.availabilityZones).map((p) => p.privateCidr);
    return [
        allow.apiServer(apiServerAddresses(config), [metricsServerPort]),
        {
            name: "allow-kubelets",
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: nodeCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp([kubeletPort]) }],
            },
        },
    ];
}

export const metricsServer: Addon = {
    id: "metrics-server",
    needs: [],
    deploy(context, opts) {
        const { config } = context;
        const ns = serviceNamespace(
            metricsServerNamespace,
            context,
            {
                quota: { cpu: 4, memoryGiB: 2, gpus: 0, pods: 6, persistentVolumeClaims: 0, storageGiB: 0 },
                allows: metricsServerPolicies(config),
            },
            { parent: opts.parent, dependsOn: opts.after },
        );
        return helmRelease("metrics-server", charts.metricsServer, metricsServerNamespace, metricsServerValues(config), {
            parent: opts.parent,
            dependsOn: [...opts.after, ns],
        });
    },
};
