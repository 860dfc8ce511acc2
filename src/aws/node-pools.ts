import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { amiTypes, NodePoolConfig, PlatformConfig } from "../config";
import { shapeOf } from "../config/catalog";
import { AwsContext } from "./context";
import { managedPolicyArn, serviceTrust } from "./iam";

export interface NodePoolsArgs {
    ctx: AwsContext;
    pools: PlatformConfig["nodePools"];
    clusterName: pulumi.Input<string>;
    /** The control plane's version: node groups follow it, after the control plane and its add-ons. */
    kubernetesVersion: string;
    privateSubnetIds: pulumi.Input<string>[];
    /** Resources the nodes need before they can become ready (the network add-ons). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Label every node carries with its pool's name; selectors and the plan report read it. */
export const poolLabel = "platform.company.io/pool";

const templateTagPrefix = "k8s.io/cluster-autoscaler/node-template";

/** Kubernetes taint effects as the EKS API spells them. */
const eksTaintEffect = { NoSchedule: "NO_SCHEDULE", PreferNoSchedule: "PREFER_NO_SCHEDULE", NoExecute: "NO_EXECUTE" } as const;

/**
 * cluster-autoscaler's AWS provider treats a node carrying this label as a GPU node whose GPUs are
 * not yet advertised, so it does not start another node for the same pending pod
 * (kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md, "GPU Node Groups";
 * kubernetes/autoscaler#1949, #3164). The value names the GPU model.
 */
export const acceleratorLabel = "k8s.amazonaws.com/accelerator";

/** The pools of a config that a provisioner owns: `managed` (node groups) or `karpenter` (NodePools). */
export function poolsOf(pools: PlatformConfig["nodePools"], provisioner: NodePoolConfig["provisioner"]): PlatformConfig["nodePools"] {
    return Object.fromEntries(Object.entries(pools).filter(([, p]) => p.provisioner === provisioner));
}

/** The accelerator label's value for a GPU pool: `nvidia-<model>` of its first type, lower case (e.g. nvidia-a10g). */
export function acceleratorOf(pool: NodePoolConfig): string | undefined {
    const model = pool.gpu ? shapeOf(pool.instanceTypes[0]).gpu?.model : undefined;
    return model ? `nvidia-${model.toLowerCase()}` : undefined;
}

/**
 * Labels of a pool's nodes: its own, the pool label, for GPU pools the GPU marker and the
 * accelerator label, and the device plugin's config label when the pool shares its GPUs.
 */
export function poolLabels(name: string, pool: NodePoolConfig): Record<string, string> {
    const accelerator = acceleratorOf(pool);
    return {
        ...pool.labels,
        [poolLabel]: name,
        ...(pool.gpu ? { "nvidia.com/gpu.present": "true" } : {}),
        ...(accelerator ? { [acceleratorLabel]: accelerator } : {}),
        ...(pool.gpu && pool.gpuSharing.mode !== "off" ? { [devicePluginConfigLabel]: name } : {}),
        // NVIDIA mig-manager's label (mig-parted config "all-<profile>"): every GPU cut into one profile.
        ...(pool.gpu && pool.gpuSharing.mode === "mig" ? { "nvidia.com/mig.config": `all-${pool.gpuSharing.profile}` } : {}),
    };
}

/**
 * The NVIDIA device plugin picks a node's entry of `config.map` by this label (k8s-device-plugin
 * v0.20.0 README, "Updating Per-Node Configuration With a Node Label"); the entry is named after the pool.
 */
export const devicePluginConfigLabel = "nvidia.com/device-plugin.config";

/**
 * Cluster-autoscaler node-template tags for a pool that may be at zero nodes: with no node to
 * look at, the autoscaler learns the labels, taints and GPUs a new node would have from these
 * tags on the Auto Scaling group, which is what lets a GPU pool scale up from zero.
 */
export function scaleFromZeroTags(name: string, pool: NodePoolConfig): Record<string, string> {
    const prefix = templateTagPrefix;
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(poolLabels(name, pool))) tags[`${prefix}/label/${key}`] = value;
    for (const t of pool.taints) tags[`${prefix}/taint/${t.key}`] = `${t.value}:${t.effect}`;
    const gpus = Math.min(...pool.instanceTypes.map((t) => shapeOf(t).gpus));
    if (pool.gpu) tags[`${prefix}/resources/nvidia.com/gpu`] = String(gpus);
    return tags;
}

/**
 * Options of a pool's node group. The cluster autoscaler owns the desired size, so a deploy
 * ignores it, unless the pool pins `desiredSize`: then the deploy sends it. EKS rejects an update
 * whose minSize is above the running desired size ("Minimum capacity N can't be greater than
 * desired size M"); raising minSize therefore goes with `desiredSize` set to the new minimum for
 * that deploy, and `npm run diff` refuses the raise without it (docs/upgrades.md, "Node pools").
 */
export function nodeGroupIgnoreChanges(pool: NodePoolConfig): string[] {
    return pool.desiredSize === undefined ? ["scalingConfig.desiredSize"] : [];
}

/**
 * Managed node groups from the config map, keyed by pool name so adding a pool shifts nothing.
 * Every node: private subnets, no SSH, IMDSv2 only with hop limit 1 (pods cannot borrow the node's
 * credentials), encrypted gp3 root volume, the control plane's Kubernetes version. The autoscaler
 * owns the desired size unless the pool pins it ({@link nodeGroupIgnoreChanges}).
 */
export class NodePools extends pulumi.ComponentResource {
    readonly nodeGroups: Record<string, aws.eks.NodeGroup> = {};
    readonly nodeRole: aws.iam.Role;

    constructor(name: string, args: NodePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:NodePools", name, {}, opts);
        const { ctx } = args;
        const parent = { parent: this };

        // Worker and pull-only ECR rights; the CNI's rights live on its own IRSA role (CIS EKS 5.1.3, 5.2.1).
        this.nodeRole = new aws.iam.Role(
            `${name}-role`,
            { name: `${ctx.name}-nodes`, assumeRolePolicy: JSON.stringify(serviceTrust("ec2.amazonaws.com")), tags: { ...ctx.tags } },
            parent,
        );
        const attachments = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"].map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-role-${policy}`,
                    { role: this.nodeRole.name, policyArn: ctx.partition.apply((p) => managedPolicyArn(p, policy)) },
                    parent,
                ),
        );

        // Karpenter pools are NodePools (src/addons/karpenter.ts); only managed pools are node groups here.
        for (const [pool, config] of Object.entries(poolsOf(args.pools, "managed"))) {
            const [minSize, maxSize] = [config.minSize ?? 0, config.maxSize ?? 1];
            const template = this.launchTemplate(`${name}-${pool}`, ctx, pool, config);
            const group = new aws.eks.NodeGroup(
                `${name}-${pool}`,
                {
                    clusterName: args.clusterName,
                    nodeGroupName: `${ctx.name}-${pool}`,
                    nodeRoleArn: this.nodeRole.arn,
                    subnetIds: args.privateSubnetIds,
                    instanceTypes: [...config.instanceTypes],
                    amiType: config.gpu ? amiTypes.gpu : amiTypes.cpu,
                    version: args.kubernetesVersion,
                    capacityType: config.capacityType,
                    scalingConfig: { minSize, maxSize, desiredSize: config.desiredSize ?? minSize },
                    updateConfig: { maxUnavailablePercentage: 33 },
                    labels: poolLabels(pool, config),
                    taints: config.taints.map((t) => ({ key: t.key, value: t.value, effect: eksTaintEffect[t.effect] })),
                    launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
                    // EKS node auto repair replaces GPU nodes that report NVIDIA XID or NotReady faults
                    // (EKS user guide, "Enable node auto repair"; the node monitoring agent reports them).
                    ...(config.gpu ? { nodeRepairConfig: { enabled: true } } : {}),
                    tags: { ...ctx.tags },
                },
                // The cluster autoscaler changes the desired size; a deploy must not undo that unless pinned.
                { parent: this, dependsOn: [...attachments, ...args.dependsOn], ignoreChanges: nodeGroupIgnoreChanges(config) },
            );
            this.nodeGroups[pool] = group;
            if (minSize === 0) this.tagAutoScalingGroup(`${name}-${pool}`, group, scaleFromZeroTags(pool, config));
        }
        this.registerOutputs({});
    }

    private launchTemplate(name: string, ctx: AwsContext, pool: string, config: NodePoolConfig): aws.ec2.LaunchTemplate {
        return new aws.ec2.LaunchTemplate(
            name,
            {
                namePrefix: `${ctx.name}-${pool}-`,
                description: `${ctx.name} ${pool} nodes: ${config.purpose}`,
                updateDefaultVersion: true,
                // IMDSv2 only, hop limit 1: containers cannot reach the instance role (CKV_AWS_79, CKV_AWS_341).
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                    instanceMetadataTags: "disabled",
                },
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        ebs: { volumeSize: config.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                tagSpecifications: ["instance", "volume"].map((resourceType) => ({
                    resourceType,
                    tags: { ...ctx.tags, Name: `${ctx.name}-${pool}`, [poolLabel]: pool },
                })),
                tags: { ...ctx.tags },
            },
            { parent: this },
        );
    }

    /**
     * EKS does not copy node group tags to its Auto Scaling group, where the autoscaler reads the
     * node template, so each template tag is set on the group directly.
     */
    private tagAutoScalingGroup(name: string, group: aws.eks.NodeGroup, tags: Record<string, string>): void {
        const asgName = group.resources.apply((r) => r[0]?.autoscalingGroups?.[0]?.name ?? "");
        for (const [key, value] of Object.entries(tags)) {
            new aws.autoscaling.Tag(
                `${name}-${key.slice(templateTagPrefix.length + 1).replace(/\//g, "-")}`,
                { autoscalingGroupName: asgName, tag: { key, value, propagateAtLaunch: false } },
                { parent: this },
            );
        }
    }
}
