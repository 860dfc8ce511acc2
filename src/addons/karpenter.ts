import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityRole } from "../aws/eks-addon";
import { KarpenterInfra, karpenterControllerPolicy } from "../aws/karpenter";
import { poolLabel, poolLabels, poolsOf } from "../aws/node-pools";
import { charts, NodePoolConfig, PlatformConfig } from "../config";
import { efaInterfaces, karpenterAmiAlias } from "../config/catalog";
import { allow, apiServerAddresses, notInternet } from "../k8s/network-policies";
import { Addon, helmRelease, serviceNamespace } from "./contract";

export const karpenterNamespace = "karpenter";
const serviceAccount = { namespace: karpenterNamespace, name: "karpenter" };
/** Controller ports (charts/karpenter/values.yaml v1.14.1: controller.metrics.port, controller.healthProbe.port). */
export const karpenterPorts = { metrics: 8080, health: 8081 };
/** The chart's pod labels (templates/_helpers.tpl selectorLabels). */
export const karpenterPodLabels = { "app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": "karpenter" };

/** What the NodePools and node classes are made from besides config: AWS-side facts. */
export interface KarpenterNodeFacts {
    nodeRoleName: string;
    privateSubnetIds: string[];
    /** The EKS cluster security group every node joins (what managed node groups get by default). */
    clusterSecurityGroupId: string;
    efaSecurityGroupId?: string;
    /** The environment's resource name prefix (`ml-platform-<env>`), for the Name tag. */
    namePrefix: string;
    tags: Record<string, string>;
}

/**
 * A Karpenter pool's EC2NodeClass (karpenter.k8s.aws/v1; fields as in pkg/apis/crds/
 * karpenter.k8s.aws_ec2nodeclasses.yaml at v1.14.1): the node guarantees of our launch templates —
 * private subnets by ID, the cluster security group, IMDSv2 only with hop limit 1, an encrypted gp3
 * root volume, no SSH key (the CRD has no key field and we set no user data), the pinned AL2023 AMI
 * alias (NVIDIA variant on GPU types), our tags; for `efa: true`, the EFA security group and one
 * EFA interface per network card (card 0 keeps the primary ENA `interface`, as the CRD requires).
 */
export function ec2NodeClassSpec(name: string, pool: NodePoolConfig, facts: KarpenterNodeFacts): Record<string, unknown> {
    const cards = pool.efa ? Math.min(...pool.instanceTypes.map(efaInterfaces)) : 0;
    return {
        role: facts.nodeRoleName,
        amiSelectorTerms: [{ alias: karpenterAmiAlias }],
        subnetSelectorTerms: facts.privateSubnetIds.map((id) => ({ id })),
        securityGroupSelectorTerms: [
            { id: facts.clusterSecurityGroupId },
            ...(pool.efa && facts.efaSecurityGroupId ? [{ id: facts.efaSecurityGroupId }] : []),
        ],
        associatePublicIPAddress: false,
        metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
        blockDeviceMappings: [
            {
                deviceName: "/dev/xvda",
                rootVolume: true,
                ebs: { volumeSize: `${pool.diskSizeGiB}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
            },
        ],
        ...(cards > 0
            ? {
                  networkInterfaces: [
                      { networkCardIndex: 0, deviceIndex: 0, interfaceType: "interface" },
                      { networkCardIndex: 0, deviceIndex: 1, interfaceType: "efa-only" },
                      ...Array.from({ length: cards - 1 }, (_, i) => ({
                          networkCardIndex: i + 1,
                          deviceIndex: 0,
                          interfaceType: "efa-only",
                      })),
                  ],
              }
            : {}),
        tags: { ...facts.tags, Name: `${facts.namePrefix}-${name}`, [poolLabel]: name },
    };
}

/**
 * A Karpenter pool's NodePool (karpenter.sh/v1; pkg/apis/crds/karpenter.sh_nodepools.yaml at
 * v1.14.1): the pool's instance types, capacity type and zones as requirements, its labels and
 * taints (a GPU pool's includes nvidia.com/gpu, enforced by config rules and the policy pack),
 * `limits` from config in place of maxSize (`nvidia.com/gpu`, `cpu`), consolidation, the
 * disruption budget and node expiry.
 */
export function nodePoolSpec(name: string, pool: NodePoolConfig, zones: readonly string[]): Record<string, unknown> {
    const d = pool.disruption ?? {
        consolidationPolicy: "WhenEmptyOrUnderutilized",
        consolidateAfter: "0s",
        expireAfter: "720h",
        budgetNodes: "10%",
    };
    const limits: Record<string, string> = {};
    if (pool.limits?.gpus !== undefined) limits["nvidia.com/gpu"] = String(pool.limits.gpus);
    if (pool.limits?.vcpus !== undefined) limits.cpu = String(pool.limits.vcpus);
    return {
        template: {
            metadata: { labels: poolLabels(name, pool) },
            spec: {
                nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name },
                requirements: [
                    { key: "node.kubernetes.io/instance-type", operator: "In", values: [...pool.instanceTypes] },
                    { key: "karpenter.sh/capacity-type", operator: "In", values: [pool.capacityType === "SPOT" ? "spot" : "on-demand"] },
                    { key: "topology.kubernetes.io/zone", operator: "In", values: [...zones] },
                ],
                taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
                expireAfter: d.expireAfter,
            },
        },
        limits,
        disruption: {
            consolidationPolicy: d.consolidationPolicy,
            consolidateAfter: d.consolidateAfter,
            budgets: [{ nodes: d.budgetNodes }],
        },
    };
}

/** Chart values: the controller on the system pool, its queue and cluster, node repair on. */
export function karpenterValues(config: PlatformConfig, clusterName: string, clusterEndpoint: string, queueName: string) {
    const systemNodes = config.nodePools.system?.minSize ?? 1;
    return {
        serviceAccount: { create: true, name: serviceAccount.name },
        // Two replicas (leader election) where the system pool has two nodes: the chart's anti-affinity is per host.
        replicas: Math.max(1, Math.min(2, systemNodes)),
        nodeSelector: { "kubernetes.io/os": "linux", [poolLabel]: "system" },
        podLabels: {},
        settings: {
            clusterName,
            clusterEndpoint,
            interruptionQueue: queueName,
            // NodeRepair (alpha since v1.1, off by default in v1.14.1 values.yaml): replaces nodes whose
            // conditions stay unhealthy, e.g. the node monitoring agent's AcceleratedHardwareReady (GPU XID faults).
            featureGates: { nodeRepair: true },
        },
        controller: {
            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
            metrics: { port: karpenterPorts.metrics },
            healthProbe: { port: karpenterPorts.health },
        },
        serviceMonitor: { enabled: false },
    };
}

/**
 * Karpenter (pinned chart with its CRDs) in its own restricted namespace, on the system pool, with
 * its own Pod Identity role (the controller policy scoped to this cluster), then one EC2NodeClass
 * and NodePool per pool with `provisioner: karpenter`, created after the chart (its CRDs) and the
 * node access entry. cluster-autoscaler keeps the managed node groups only: Karpenter pools have no
 * Auto Scaling group for it to find.
 */
export function karpenter(infra: KarpenterInfra, privateSubnetIds: pulumi.Input<string>[]): Addon {
    return {
        id: "karpenter",
        needs: [],
        deploy(context, opts) {
            const { config, aws, cluster } = context;
            const ns = serviceNamespace(
                karpenterNamespace,
                context,
                {
                    quota: { cpu: 4, memoryGiB: 4, gpus: 0, pods: 10, persistentVolumeClaims: 0, storageGiB: 0 },
                    allows: [
                        allow.apiServer(apiServerAddresses(config)),
                        allow.monitoringScrape(context.network.monitoringNamespace, [karpenterPorts.metrics]),
                        allow.podIdentityAgent({ matchLabels: karpenterPodLabels }),
                        // EC2, SQS, SSM, pricing, EKS and STS APIs over HTTPS (no VPC endpoints in this design).
                        allow.httpsEgress("allow-aws-apis", { matchLabels: karpenterPodLabels }, notInternet(config)),
                    ],
                },
                opts,
            );
            const document = pulumi
                .all([aws.partition, aws.accountId, cluster.name, infra.queue.arn, infra.nodeRole.arn])
                .apply(([partition, accountId, clusterName, queueArn, nodeRoleArn]) =>
                    karpenterControllerPolicy({ partition, region: config.region, accountId, clusterName, queueArn, nodeRoleArn }),
                );
            const identity = podIdentityRole("karpenter", aws, cluster.name, serviceAccount, document, opts.parent);
            const release = helmRelease(
                "karpenter",
                charts.karpenter,
                karpenterNamespace,
                pulumi
                    .all([cluster.name, cluster.endpoint, infra.queue.name])
                    .apply(([name, endpoint, queue]) => karpenterValues(config, name, endpoint, queue)),
                { parent: opts.parent, dependsOn: [...opts.dependsOn, ns, identity] },
            );
            const facts = pulumi
                .all([infra.nodeRole.name, pulumi.all(privateSubnetIds), cluster.eks.vpcConfig, infra.efaSecurityGroup?.id])
                .apply(([nodeRoleName, subnets, vpc, efa]) => ({
                    nodeRoleName,
                    privateSubnetIds: subnets,
                    clusterSecurityGroupId: vpc?.clusterSecurityGroupId ?? "",
                    efaSecurityGroupId: efa,
                    namePrefix: aws.name,
                    tags: { ...aws.tags },
                }));
            const after = { parent: opts.parent, dependsOn: [release, infra.accessEntry] };
            for (const [name, pool] of Object.entries(poolsOf(config.nodePools, "karpenter"))) {
                const nodeClass = new k8s.apiextensions.CustomResource(
                    `karpenter-nodeclass-${name}`,
                    {
                        apiVersion: "karpenter.k8s.aws/v1",
                        kind: "EC2NodeClass",
                        metadata: { name },
                        spec: facts.apply((f) => ec2NodeClassSpec(name, pool, f)),
                    },
                    after,
                );
                new k8s.apiextensions.CustomResource(
                    `karpenter-nodepool-${name}`,
                    {
                        apiVersion: "karpenter.sh/v1",
                        kind: "NodePool",
                        metadata: { name },
                        spec: nodePoolSpec(name, pool, config.network.availabilityZones),
                    },
                    { parent: opts.parent, dependsOn: [release, infra.accessEntry, nodeClass] },
                );
            }
            return release;
        },
    };
}
