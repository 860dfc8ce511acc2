import { charts, PlatformConfig } from "../config";
import { efaInterfaces, gpuTaint } from "../config/catalog";
import { Addon, helmRelease } from "./contract";

/** Nodes of GPU pools carry this label (the AWS layer sets it); GPU DaemonSets select it. */
const onGpuNodes = {
    nodeSelector: { "nvidia.com/gpu.present": "true" },
    tolerations: [{ key: gpuTaint.key, operator: "Exists", effect: gpuTaint.effect }],
};

/*
 * Both run in kube-system, which we do not label: the device plugin writes the kubelet's
 * device-plugin socket through a hostPath and DCGM needs SYS_ADMIN to read GPU counters, which no
 * restricted or baseline namespace allows.
 */

/**
 * The device plugin's per-pool configs (k8s-device-plugin v0.20.0 values.yaml `config.map`, config
 * file format of its README "Shared Access to GPUs with CUDA Time-Slicing" and "Configuration
 * File"): one entry per sharing pool, named after the pool and picked by the node label
 * `nvidia.com/device-plugin.config: <pool>` that the pool's nodes carry (node-pools.ts poolLabels).
 * Time-slicing advertises each GPU `replicas` times (renameByDefault false: still `nvidia.com/gpu`);
 * MIG sets `migStrategy: single`, so each MIG instance is one `nvidia.com/gpu`. The `default`
 * entry (no sharing) serves every other GPU node. The GPUs are cut into the MIG profile by NVIDIA's
 * mig-manager through the node label `nvidia.com/mig.config: all-<profile>` (not installed here).
 */
export function devicePluginConfig(
    config: Pick<PlatformConfig, "nodePools">,
): { map: Record<string, string>; default: string } | undefined {
    const sharing = Object.entries(config.nodePools).filter(([, p]) => p.gpu && p.gpuSharing.mode !== "off");
    if (sharing.length === 0) return undefined;
    const file = (flags: Record<string, unknown>, sharingBlock?: Record<string, unknown>) =>
        JSON.stringify({
            version: "v1",
            flags: { migStrategy: "none", failOnInitError: true, ...flags },
            ...(sharingBlock ? { sharing: sharingBlock } : {}),
        });
    const map: Record<string, string> = { default: file({}) };
    for (const [name, p] of sharing) {
        const s = p.gpuSharing;
        map[name] =
            s.mode === "time-slicing"
                ? file(
                      {},
                      {
                          timeSlicing: {
                              renameByDefault: false,
                              failRequestsGreaterThanOne: true,
                              resources: [{ name: "nvidia.com/gpu", replicas: s.replicas }],
                          },
                      },
                  )
                : file({ migStrategy: "single" });
    }
    return { map, default: "default" };
}

/** NVIDIA device plugin (pinned): advertises `nvidia.com/gpu` on GPU nodes only, tolerating their taint; per-pool sharing config. */
export const nvidiaDevicePlugin: Addon = {
    id: "nvidia-device-plugin",
    needs: [],
    deploy: ({ config }, opts) =>
        helmRelease(
            "nvidia-device-plugin",
            charts.nvidiaDevicePlugin,
            "kube-system",
            {
                ...onGpuNodes,
                ...(devicePluginConfig(config) ? { config: devicePluginConfig(config) } : {}),
                priorityClassName: "system-node-critical",
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
            },
            opts,
        ),
};

/**
 * DCGM exporter (pinned): GPU utilisation, memory and health metrics on every GPU node. Its
 * ServiceMonitor is switched on by the monitoring add-on, which brings the CRD. It reads the GPUs
 * through the NVIDIA container runtime of the AMI, not the device plugin, so it installs in parallel.
 */
export const dcgmExporter: Addon = {
    id: "dcgm-exporter",
    needs: [],
    deploy: (_context, opts) =>
        helmRelease(
            "dcgm-exporter",
            charts.dcgmExporter,
            "kube-system",
            {
                ...onGpuNodes,
                serviceMonitor: { enabled: false },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            },
            opts,
        ),
};

/** Instance types of the EFA pools, which the EFA device plugin's DaemonSet selects. */
export function efaInstanceTypes(config: Pick<PlatformConfig, "nodePools">): string[] {
    const types = Object.values(config.nodePools)
        .filter((p) => p.efa)
        .flatMap((p) => p.instanceTypes.filter((t) => efaInterfaces(t) > 0));
    return [...new Set(types)].sort();
}

/**
 * AWS EFA device plugin (pinned, aws/eks-charts stable/aws-efa-k8s-device-plugin): advertises
 * `vpc.amazonaws.com/efa` on nodes of the EFA pools (the chart selects by instance type,
 * `supportedInstanceLabels`), tolerating the GPU taint. It runs privileged in kube-system (the chart's
 * securityContext: it opens the EFA devices), like the NVIDIA device plugin.
 */
export const awsEfaDevicePlugin: Addon = {
    id: "aws-efa-k8s-device-plugin",
    needs: [],
    deploy: ({ config }, opts) =>
        helmRelease(
            "aws-efa-k8s-device-plugin",
            charts.awsEfaDevicePlugin,
            "kube-system",
            {
                supportedInstanceLabels: { keys: ["node.kubernetes.io/instance-type"], values: efaInstanceTypes(config) },
                tolerations: onGpuNodes.tolerations,
                resources: { requests: { cpu: "10m", memory: "20Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
            },
            opts,
        ),
};
