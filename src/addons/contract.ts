import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "../aws/context";
import { Cluster } from "../aws/cluster";
import { ChartRef, NamespaceConfig, PlatformConfig } from "../config";
import { Namespace } from "../k8s/namespaces";
import { PolicySpec } from "../k8s/network-policies";
import { SecretsPath } from "../secrets/secrets-path";

/** Everything an add-on may use; add-ons never read stack config themselves. */
export interface AddonContext {
    config: PlatformConfig;
    aws: AwsContext;
    cluster: Cluster;
    provider: k8s.Provider;
    vpcId: pulumi.Output<string>;
    /** How the add-on's secrets reach the cluster; it never knows whether they are sealed. */
    secrets: SecretsPath;
    /**
     * Where load balancers send from: internet-facing ones from the public subnets, internal ones
     * (the platform's UIs) from their dedicated subnets (no pods there); and the namespace Prometheus scrapes from.
     */
    network: { loadBalancerCidrs: readonly string[]; internalLoadBalancerCidrs: readonly string[]; monitoringNamespace: string };
}

/** What an add-on's own namespace needs: quota, Pod Security level, and the network allows beyond default deny. */
export interface ServiceNamespaceSpec {
    quota: NamespaceConfig["quota"];
    podSecurity?: NamespaceConfig["podSecurity"];
    containerDefaults?: NamespaceConfig["containerDefaults"];
    allows: PolicySpec[];
}

const serviceContainerDefaults = { cpuRequest: "50m", memoryRequest: "64Mi", cpuLimit: "1", memoryLimit: "1Gi" };

/** A platform service's own namespace: Pod Security, quota, limits, default deny and only the given allows. */
export function serviceNamespace(
    name: string,
    { config }: Pick<AddonContext, "config">,
    spec: ServiceNamespaceSpec,
    opts: pulumi.ComponentResourceOptions,
): Namespace {
    return new Namespace(
        name,
        {
            config: {
                kind: "service",
                podSecurity: spec.podSecurity ?? "restricted",
                quota: spec.quota,
                containerDefaults: spec.containerDefaults ?? serviceContainerDefaults,
            },
            kubernetesVersion: config.cluster.kubernetesVersion,
            network: { allows: spec.allows },
        },
        opts,
    );
}

/**
 * One platform service behind one small contract: an id, the ids it needs deployed first (typed
 * data, not string decorators), and a deploy function that returns what others may wait for.
 */
export interface Addon<Id extends string = string> {
    id: Id;
    needs: readonly string[];
    deploy(context: AddonContext, opts: DeployOptions): pulumi.Resource;
}

/** Where an add-on's resources go and what they wait for. */
export interface DeployOptions {
    parent: pulumi.Resource;
    /** Everything: nodes and cluster DNS, and the add-ons it needs. */
    dependsOn: pulumi.Resource[];
    /** Nodes and cluster DNS only: for parts that need none of the add-on's needs (an operator's chart). */
    after: pulumi.Resource[];
    /** What each needed add-on deployed, by id: for parts that need only one of them. */
    needed: Record<string, pulumi.Resource>;
}

/** Orders add-ons so each comes after what it needs; throws on an unknown need or a cycle. */
export function orderAddons(addons: readonly Addon[]): Addon[] {
    const byId = new Map(addons.map((a) => [a.id, a]));
    const ordered: Addon[] = [];
    const visiting = new Set<string>();
    const visit = (a: Addon, path: string[]) => {
        if (ordered.includes(a)) return;
        if (visiting.has(a.id)) throw new Error(`add-on dependency cycle: ${[...path, a.id].join(" → ")}`);
        visiting.add(a.id);
        for (const need of a.needs) {
            const dep = byId.get(need);
            if (!dep) throw new Error(`add-on ${a.id} needs unknown add-on ${need}`);
            visit(dep, [...path, a.id]);
        }
        visiting.delete(a.id);
        ordered.push(a);
    };
    addons.forEach((a) => visit(a, []));
    return ordered;
}

export interface PlatformServicesArgs {
    context: AddonContext;
    addons: readonly Addon[];
    /**
     * What every add-on waits for (nodes and cluster DNS). Passed to each add-on's resources:
     * a component's own dependsOn does not hold back its children.
     */
    after: pulumi.Resource[];
}

/**
 * The platform services: add-ons deployed in dependency order with the cluster's provider. Each
 * waits only for what it needs and for `after`, so independent services start in parallel.
 */
export class PlatformServices extends pulumi.ComponentResource {
    readonly deployed: Record<string, pulumi.Resource> = {};

    constructor(name: string, args: PlatformServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:PlatformServices", name, {}, { ...opts, providers: { kubernetes: args.context.provider } });
        for (const addon of orderAddons(args.addons)) {
            const needed = Object.fromEntries(addon.needs.map((n) => [n, this.deployed[n]]));
            this.deployed[addon.id] = addon.deploy(args.context, {
                parent: this,
                dependsOn: [...args.after, ...Object.values(needed)],
                after: args.after,
                needed,
            });
        }
        this.registerOutputs({});
    }
}

/** A Helm release of a pinned chart, atomic so a failed upgrade rolls back. */
export function helmRelease(
    name: string,
    chart: ChartRef,
    namespace: string,
    values: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name,
            chart: chart.chart,
            version: chart.version,
            repositoryOpts: { repo: chart.repo },
            namespace,
            createNamespace: false,
            atomic: true,
            cleanupOnFail: true,
            timeout: 600,
            values,
        },
        opts,
    );
}
