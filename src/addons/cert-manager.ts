import { poolLabel } from "../aws/node-pools";
import { charts } from "../config";
import { allow, apiServerAddresses } from "../k8s/network-policies";
import { Addon, helmRelease, serviceNamespace } from "./contract";

export const certManagerNamespace = "cert-manager";
const ports = { webhook: 10250, metrics: 9402 };

const restrictedContainer = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};
const onSystemPool = { nodeSelector: { [poolLabel]: "system" } };
const small = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

/**
 * cert-manager (pinned, CRDs kept on uninstall): issues the barman-cloud plugin's mutual-TLS
 * certificates (the plugin requires it) and the data plane's own CA for MinIO. Restricted Pod
 * Security: the chart runs non-root with RuntimeDefault seccomp. Leader election stays in its
 * own namespace instead of kube-system.
 */
export const certManager: Addon = {
    id: "cert-manager",
    needs: [],
    deploy(context, opts) {
        const ns = serviceNamespace(
            certManagerNamespace,
            context,
            {
                quota: { cpu: 4, memoryGiB: 4, gpus: 0, pods: 10, persistentVolumeClaims: 0, storageGiB: 0 },
                allows: [
                    allow.apiServer(apiServerAddresses(context.config), [ports.webhook]),
                    allow.monitoringScrape(context.network.monitoringNamespace, [ports.metrics]),
                ],
            },
            opts,
        );
        return helmRelease(
            "cert-manager",
            charts.certManager,
            certManagerNamespace,
            {
                crds: { enabled: true, keep: true },
                global: { leaderElection: { namespace: certManagerNamespace } },
                ...onSystemPool,
                resources: small,
                containerSecurityContext: restrictedContainer,
                webhook: { ...onSystemPool, resources: small, containerSecurityContext: restrictedContainer, securePort: ports.webhook },
                cainjector: { ...onSystemPool, resources: small, containerSecurityContext: restrictedContainer },
                startupapicheck: { ...onSystemPool, resources: small, containerSecurityContext: restrictedContainer },
                prometheus: { enabled: true, servicemonitor: { enabled: false } },
            },
            { parent: opts.parent, dependsOn: [...opts.dependsOn, ns] },
        );
    },
};
