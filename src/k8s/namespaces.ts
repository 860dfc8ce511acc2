import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NamespaceConfig } from "../config";
import { defaultDeny, networkPolicies, PolicySpec, PostureArgs } from "./network-policies";

export interface NamespaceArgs {
    /** A configured namespace, or a platform service's own (kind `service`, sized by the service). */
    config: Omit<NamespaceConfig, "kind" | "groups"> & { kind: NamespaceConfig["kind"] | "service" };
    /** Kubernetes minor version the Pod Security labels pin, e.g. `1.34`. */
    kubernetesVersion: string;
    /**
     * Configured namespaces follow the environment's posture; a service namespace gets default deny
     * and exactly the allows its service needs.
     */
    network: { posture: Omit<PostureArgs, "namespace"> } | { allows: PolicySpec[] };
}

/** Pod Security Standards labels: enforce, audit and warn at one level, versions pinned (PSS, CIS K8s 5.2.1). */
export function podSecurityLabels(level: string, kubernetesVersion: string): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const mode of ["enforce", "audit", "warn"]) {
        labels[`pod-security.kubernetes.io/${mode}`] = level;
        labels[`pod-security.kubernetes.io/${mode}-version`] = `v${kubernetesVersion}`;
    }
    return labels;
}

/** ResourceQuota `hard` from config: requests and limits both capped at the quota (CKV_K8S_10–13). */
export function quotaHard(q: NamespaceConfig["quota"]): Record<string, string> {
    return {
        "requests.cpu": String(q.cpu),
        "limits.cpu": String(q.cpu),
        "requests.memory": `${q.memoryGiB}Gi`,
        "limits.memory": `${q.memoryGiB}Gi`,
        "requests.nvidia.com/gpu": String(q.gpus),
        pods: String(q.pods),
        persistentvolumeclaims: String(q.persistentVolumeClaims),
        "requests.storage": `${q.storageGiB}Gi`,
    };
}

/**
 * A namespace we own, whole: PSS labels, quota, container defaults, a default service account that
 * mounts no token (CIS EKS 4.1.5), and default-deny network policies with its posture's allows.
 */
export class Namespace extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    readonly namespace: k8s.core.v1.Namespace;

    constructor(name: string, args: NamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:k8s:Namespace", name, {}, opts);
        const { config } = args;
        this.namespace = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name,
                    labels: { ...podSecurityLabels(config.podSecurity, args.kubernetesVersion), "platform.company.io/kind": config.kind },
                },
            },
            { parent: this },
        );
        const inNamespace = { parent: this, dependsOn: [this.namespace] };
        new k8s.core.v1.ResourceQuota(
            `${name}-quota`,
            { metadata: { name: "platform-quota", namespace: name }, spec: { hard: quotaHard(config.quota) } },
            inNamespace,
        );
        const d = config.containerDefaults;
        new k8s.core.v1.LimitRange(
            `${name}-limits`,
            {
                metadata: { name: "container-defaults", namespace: name },
                spec: {
                    limits: [
                        {
                            type: "Container",
                            defaultRequest: { cpu: d.cpuRequest, memory: d.memoryRequest },
                            default: { cpu: d.cpuLimit, memory: d.memoryLimit },
                        },
                    ],
                },
            },
            inNamespace,
        );
        // The `default` account exists already; a patch changes only this field and gives it back on delete.
        new k8s.core.v1.ServiceAccountPatch(
            `${name}-default-sa`,
            { metadata: { name: "default", namespace: name }, automountServiceAccountToken: false },
            inNamespace,
        );
        const policies =
            "posture" in args.network
                ? networkPolicies({ ...args.network.posture, namespace: name })
                : [...defaultDeny(), ...args.network.allows];
        for (const policy of policies) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${policy.name}`,
                { metadata: { name: policy.name, namespace: name }, spec: policy.spec },
                inNamespace,
            );
        }
        this.name = this.namespace.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
