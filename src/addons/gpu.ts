import { charts } from "../config";
import { gpuTaint } from "../config/catalog";
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

/** NVIDIA device plugin (pinned): advertises `nvidia.com/gpu` on GPU nodes only, tolerating their taint. */
export const nvidiaDevicePlugin: Addon = {
    id: "nvidia-device-plugin",
    needs: [],
    deploy: (_context, opts) =>
        helmRelease(
            "nvidia-device-plugin",
            charts.nvidiaDevicePlugin,
            "kube-system",
            {
                ...onGpuNodes,
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
