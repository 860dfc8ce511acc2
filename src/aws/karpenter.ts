import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { AwsContext } from "./context";
import { managedPolicyArn, policy, PolicyDocument, serviceTrust } from "./iam";
import { poolsOf } from "./node-pools";

/*
 * The AWS side of Karpenter, transcribed from upstream's getting-started CloudFormation template
 * (aws/karpenter-provider-aws website/content/en/docs/getting-started/getting-started-with-karpenter/
 * cloudformation.yaml at the v1.14.1 docs commit 1d927085): the node role, the controller's rights
 * scoped to this cluster and region, and the interruption queue fed by EventBridge.
 */

/** Names Karpenter's AWS resources take in one environment. */
export function karpenterNames(prefix: string): { nodeRole: string; queue: string; controllerRole: string } {
    return { nodeRole: `${prefix}-karpenter-nodes`, queue: `${prefix}-karpenter`, controllerRole: `${prefix}-karpenter` };
}

/** Where the controller's rights apply: the cluster, its region and account, its queue and node role. */
export interface KarpenterScope {
    partition: string;
    region: string;
    accountId: string;
    clusterName: string;
    queueArn: string;
    nodeRoleArn: string;
}

/**
 * The controller's IAM policy: upstream's five controller policies (NodeLifecycle, IAMIntegration,
 * EKSIntegration, Interruption, ResourceDiscovery) as one document, with `${AWS::Region}` and
 * `${ClusterName}` bound. Launching and deleting only what carries this cluster's
 * `kubernetes.io/cluster/<name>: owned` tag and a `karpenter.sh/nodepool` tag; passing only the
 * Karpenter node role. Left out: ZonalShiftPolicy (settings.enableZonalShift stays false).
 */
export function karpenterControllerPolicy(s: KarpenterScope): PolicyDocument {
    const ec2 = (kind: string) => `arn:${s.partition}:ec2:${s.region}:*:${kind}/*`;
    const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`]: "owned" };
    const requestOwned = {
        [`aws:RequestTag/kubernetes.io/cluster/${s.clusterName}`]: "owned",
        "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
    };
    const tagged = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(ec2);
    const profiles = `arn:${s.partition}:iam::${s.accountId}:instance-profile/*`;
    const region = { [`aws:RequestTag/topology.kubernetes.io/region`]: s.region };
    return policy(
        {
            Sid: "AllowScopedEC2InstanceAccessActions",
            Effect: "Allow",
            Resource: [
                `arn:${s.partition}:ec2:${s.region}::image/*`,
                `arn:${s.partition}:ec2:${s.region}::snapshot/*`,
                ...["security-group", "subnet", "capacity-reservation", "placement-group"].map(ec2),
            ],
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
        },
        {
            Sid: "AllowScopedEC2LaunchTemplateAccessActions",
            Effect: "Allow",
            Resource: ec2("launch-template"),
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowScopedEC2InstanceActionsWithTags",
            Effect: "Allow",
            Resource: tagged,
            Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            Condition: { StringEquals: requestOwned, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowScopedResourceCreationTagging",
            Effect: "Allow",
            Resource: tagged,
            Action: "ec2:CreateTags",
            Condition: {
                StringEquals: { ...requestOwned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
                StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            Sid: "AllowScopedResourceTagging",
            Effect: "Allow",
            Resource: ec2("instance"),
            Action: "ec2:CreateTags",
            Condition: {
                StringEquals: owned,
                StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": s.clusterName },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
            },
        },
        {
            Sid: "AllowScopedDeletion",
            Effect: "Allow",
            Resource: [ec2("instance"), ec2("launch-template")],
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowPassingInstanceRole",
            Effect: "Allow",
            Resource: s.nodeRoleArn,
            Action: "iam:PassRole",
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
        },
        {
            Sid: "AllowScopedInstanceProfileCreationActions",
            Effect: "Allow",
            Resource: profiles,
            Action: ["iam:CreateInstanceProfile"],
            Condition: {
                StringEquals: { ...requestOwned, ...region },
                StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileTagActions",
            Effect: "Allow",
            Resource: profiles,
            Action: ["iam:TagInstanceProfile"],
            Condition: {
                StringEquals: { ...owned, "aws:ResourceTag/topology.kubernetes.io/region": s.region, ...requestOwned, ...region },
                StringLike: {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
                },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileActions",
            Effect: "Allow",
            Resource: profiles,
            Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
            Condition: {
                StringEquals: { ...owned, "aws:ResourceTag/topology.kubernetes.io/region": s.region },
                StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "AllowAPIServerEndpointDiscovery",
            Effect: "Allow",
            Resource: `arn:${s.partition}:eks:${s.region}:${s.accountId}:cluster/${s.clusterName}`,
            Action: "eks:DescribeCluster",
        },
        {
            Sid: "AllowInterruptionQueueActions",
            Effect: "Allow",
            Resource: s.queueArn,
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
        },
        {
            Sid: "AllowRegionalReadActions",
            Effect: "Allow",
            Resource: "*",
            Action: [
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribePlacementGroups",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            Condition: { StringEquals: { "aws:RequestedRegion": s.region } },
        },
        {
            Sid: "AllowSSMReadActions",
            Effect: "Allow",
            Resource: `arn:${s.partition}:ssm:${s.region}::parameter/aws/service/*`,
            Action: "ssm:GetParameter",
        },
        { Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" },
        { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Resource: "*", Action: "iam:ListInstanceProfiles" },
        { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Resource: profiles, Action: "iam:GetInstanceProfile" },
    );
}

/**
 * EventBridge events Karpenter acts on before AWS takes a node away (upstream's five rules):
 * scheduled maintenance, spot interruption, rebalance recommendation, state change, and
 * capacity-reservation interruption. Karpenter drains the node and starts a replacement first.
 */
export const interruptionEvents: readonly { id: string; source: string; detailType: string }[] = [
    { id: "scheduled-change", source: "aws.health", detailType: "AWS Health Event" },
    { id: "spot-interruption", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
    { id: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
    { id: "state-change", source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
    { id: "capacity-reservation", source: "aws.ec2", detailType: "EC2 Capacity Reservation Instance Interruption Warning" },
];

export interface KarpenterInfraArgs {
    ctx: AwsContext;
    pools: PlatformConfig["nodePools"];
    clusterName: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    /** Resources EC2 nodes need before they can join (the network add-ons). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Karpenter's AWS resources for one cluster: its node role (worker, CNI, pull-only ECR and SSM core,
 * as upstream) with an EKS access entry of type EC2_LINUX so its nodes can join; the interruption
 * queue (SSE, TLS only, 5-minute retention) fed by the EventBridge rules; and, when a Karpenter pool
 * asks for EFA, the EFA security group that admits all traffic from and to itself (AWS EC2 user
 * guide, "Get started with EFA", step 1: the group must allow all traffic to and from itself).
 */
export class KarpenterInfra extends pulumi.ComponentResource {
    readonly nodeRole: aws.iam.Role;
    readonly queue: aws.sqs.Queue;
    readonly accessEntry: aws.eks.AccessEntry;
    readonly efaSecurityGroup?: aws.ec2.SecurityGroup;

    constructor(name: string, args: KarpenterInfraArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:KarpenterInfra", name, {}, opts);
        const { ctx } = args;
        const parent = { parent: this };
        const names = karpenterNames(ctx.name);

        this.nodeRole = new aws.iam.Role(
            `${name}-node-role`,
            { name: names.nodeRole, assumeRolePolicy: JSON.stringify(serviceTrust("ec2.amazonaws.com")), tags: { ...ctx.tags } },
            parent,
        );
        const attachments = [
            "AmazonEKSWorkerNodePolicy",
            "AmazonEKS_CNI_Policy",
            "AmazonEC2ContainerRegistryPullOnly",
            "AmazonSSMManagedInstanceCore",
        ].map(
            (p) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-node-role-${p}`,
                    { role: this.nodeRole.name, policyArn: ctx.partition.apply((part) => managedPolicyArn(part, p)) },
                    parent,
                ),
        );
        // Nodes join through an access entry (authenticationMode API), not the deprecated aws-auth ConfigMap.
        this.accessEntry = new aws.eks.AccessEntry(
            `${name}-node-access`,
            { clusterName: args.clusterName, principalArn: this.nodeRole.arn, type: "EC2_LINUX", tags: { ...ctx.tags } },
            { parent: this, dependsOn: [...attachments, ...args.dependsOn] },
        );

        this.queue = new aws.sqs.Queue(
            `${name}-interruption`,
            { name: names.queue, messageRetentionSeconds: 300, sqsManagedSseEnabled: true, tags: { ...ctx.tags } },
            parent,
        );
        const queuePolicy = new aws.sqs.QueuePolicy(
            `${name}-interruption`,
            {
                queueUrl: this.queue.url,
                policy: this.queue.arn.apply((arn) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Id: "EC2InterruptionPolicy",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
                                Action: "sqs:SendMessage",
                                Resource: arn,
                            },
                            {
                                Sid: "DenyHTTP",
                                Effect: "Deny",
                                Action: "sqs:*",
                                Resource: arn,
                                Condition: { Bool: { "aws:SecureTransport": "false" } },
                                Principal: "*",
                            },
                        ],
                    }),
                ),
            },
            parent,
        );
        for (const event of interruptionEvents) {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${event.id}`,
                {
                    name: `${names.queue}-${event.id}`,
                    eventPattern: JSON.stringify({ source: [event.source], "detail-type": [event.detailType] }),
                    tags: { ...ctx.tags },
                },
                parent,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${event.id}`,
                { rule: rule.name, targetId: "KarpenterInterruptionQueueTarget", arn: this.queue.arn },
                { parent: this, dependsOn: [queuePolicy] },
            );
        }

        if (Object.values(poolsOf(args.pools, "karpenter")).some((p) => p.efa)) {
            this.efaSecurityGroup = new aws.ec2.SecurityGroup(
                `${name}-efa`,
                {
                    name: `${ctx.name}-efa`,
                    description: `${ctx.name} EFA: all traffic between EFA nodes (AWS EFA user guide)`,
                    vpcId: args.vpcId,
                    tags: { ...ctx.tags, Name: `${ctx.name}-efa` },
                },
                parent,
            );
            for (const direction of ["ingress", "egress"] as const) {
                const Rule = direction === "ingress" ? aws.vpc.SecurityGroupIngressRule : aws.vpc.SecurityGroupEgressRule;
                new Rule(
                    `${name}-efa-${direction}-self`,
                    {
                        securityGroupId: this.efaSecurityGroup.id,
                        referencedSecurityGroupId: this.efaSecurityGroup.id,
                        ipProtocol: "-1",
                        description: `EFA ${direction}: all traffic within the group`,
                        tags: { ...ctx.tags },
                    },
                    parent,
                );
            }
        }
        this.registerOutputs({});
    }
}
