import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { Namespace } from "./namespaces";
import { workloadRbac } from "./rbac";
import { defaultStorageClass } from "./storage";

type NamespaceKind = PlatformConfig["namespaces"][string]["kind"];

/** The configured namespaces of a kind. */
export function namespacesOfKind(config: PlatformConfig, kind: NamespaceKind): string[] {
    return Object.keys(config.namespaces).filter((n) => config.namespaces[n].kind === kind);
}

/** The configured namespace of a kind the rules make unique (monitoring). */
export function namespaceOfKind(config: PlatformConfig, kind: NamespaceKind): string {
    const [name] = namespacesOfKind(config, kind);
    if (!name) throw new Error(`no namespace of kind ${kind} is configured`);
    return name;
}

export interface BaselineArgs {
    config: PlatformConfig;
    provider: k8s.Provider;
    /** CIDRs of the public subnets, where load balancers send traffic from. */
    loadBalancerCidrs: readonly string[];
}

/**
 * The Kubernetes baseline (SPEC §3): every configured namespace with quota, limits, Pod Security
 * and network policies; the design's RBAC in each workload namespace (a team); the default StorageClass.
 * Every object uses the cluster's explicit provider, inherited from this component.
 */
export class Baseline extends pulumi.ComponentResource {
    /**
     * Each configured namespace's component (its Namespace, quota, limits, network policies and, for
     * a team, RBAC). What a team's objects wait for: waiting for the whole baseline instead makes
     * every team's objects depend on every team's, so the dependency lists (and the engine's work)
     * grow with the square of the number of teams (issue 22; `npm run bench`, memory per namespace).
     */
    readonly namespaces: Record<string, Namespace> = {};

    constructor(name: string, args: BaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:k8s:Baseline", name, {}, { ...opts, providers: { kubernetes: args.provider } });
        const { config } = args;
        const monitoringNamespace = namespaceOfKind(config, "monitoring");
        for (const [ns, nsConfig] of Object.entries(config.namespaces)) {
            this.namespaces[ns] = new Namespace(
                ns,
                {
                    config: nsConfig,
                    kubernetesVersion: config.cluster.kubernetesVersion,
                    network: {
                        posture: {
                            posture: config.network.egress,
                            vpcCidr: config.network.vpcCidr,
                            serviceCidr: config.cluster.serviceIpv4Cidr,
                            loadBalancerCidrs: args.loadBalancerCidrs,
                            monitoringNamespace,
                            objectStore: config.objectStore.kind,
                        },
                    },
                },
                { parent: this },
            );
            if (nsConfig.kind === "workload") workloadRbac(ns, this.namespaces[ns], [this.namespaces[ns].namespace], nsConfig.groups);
        }
        // Only an API object: it needs no driver to exist yet, so it does not wait for the EBS CSI add-on.
        defaultStorageClass(`${name}-gp3`, config.protectStatefulResources, { parent: this });
        this.registerOutputs({});
    }
}
