import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { planSubnets } from "./cidr";
import { AwsContext } from "./context";
import { serviceTrust, policy } from "./iam";
import { kmsKey, logsStatement } from "./kms";

export interface NetworkArgs {
    ctx: AwsContext;
    network: PlatformConfig["network"];
    /** Cluster name, for the subnet tags the load balancer controller and EKS look for. */
    clusterName: string;
}

/**
 * The VPC: one private (nodes and pods) and one public subnet per zone, plus two small dedicated
 * subnets per zone that no pod takes addresses from (the control plane's ENIs, internal load
 * balancers) so network policies can name them exactly; NAT per zone or a single one (config),
 * the default security group stripped of every rule, and flow logs to a KMS-encrypted log group.
 */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly publicSubnetIds: pulumi.Output<string>[];
    /** Public subnet CIDRs, where internet-facing load balancers live. */
    readonly publicCidrs: string[];
    /** Private subnet CIDRs, where nodes and pods live. */
    readonly privateCidrs: string[];
    /** Dedicated subnets for the EKS control plane's network interfaces (the cluster's subnets). */
    readonly controlPlaneSubnetIds: pulumi.Output<string>[];
    /** Dedicated subnets' CIDRs for internal load balancers. */
    readonly internalLoadBalancerCidrs: string[];
    /** KMS key for this environment's CloudWatch log groups (flow logs, control-plane logs). */
    readonly logsKey: aws.kms.Key;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Network", name, {}, opts);
        const { ctx, network } = args;
        const parent = { parent: this };
        const tags = (extra: Record<string, string>) => ({ ...ctx.tags, ...extra });

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            { cidrBlock: network.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags({ Name: ctx.name }) },
            parent,
        );
        // Strip the default security group so nothing can use its allow-all-within-group rule (CKV2_AWS_12).
        new aws.ec2.DefaultSecurityGroup(
            `${name}-default-sg`,
            { vpcId: vpc.id, ingress: [], egress: [], tags: tags({ Name: `${ctx.name}-default-deny` }) },
            parent,
        );

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags({ Name: ctx.name }) }, parent);
        const publicRoutes = new aws.ec2.RouteTable(
            `${name}-public`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: tags({ Name: `${ctx.name}-public` }) },
            parent,
        );

        const plan = planSubnets(network.vpcCidr, network.availabilityZones);
        const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
        const publicSubnets = plan.map(
            (p) =>
                new aws.ec2.Subnet(
                    `${name}-public-${p.zone}`,
                    {
                        vpcId: vpc.id,
                        availabilityZone: p.zone,
                        cidrBlock: p.publicCidr,
                        // Load balancers get public addresses explicitly; nothing launched here gets one by default (CKV_AWS_130).
                        mapPublicIpOnLaunch: false,
                        tags: tags({ Name: `${ctx.name}-public-${p.zone}`, "kubernetes.io/role/elb": "1", ...clusterTag }),
                    },
                    parent,
                ),
        );
        publicSubnets.forEach(
            (s, i) =>
                new aws.ec2.RouteTableAssociation(
                    `${name}-public-${plan[i].zone}`,
                    { subnetId: s.id, routeTableId: publicRoutes.id },
                    parent,
                ),
        );

        // One NAT gateway per zone survives a zone outage; a single one saves ~$33/month each outside production.
        const natZones = network.natGateways === "perAz" ? plan : plan.slice(0, 1);
        const nats = natZones.map((p, i) => {
            const eip = new aws.ec2.Eip(
                `${name}-nat-${p.zone}`,
                { domain: "vpc", tags: tags({ Name: `${ctx.name}-nat-${p.zone}` }) },
                parent,
            );
            return new aws.ec2.NatGateway(
                `${name}-nat-${p.zone}`,
                { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: tags({ Name: `${ctx.name}-nat-${p.zone}` }) },
                { parent: this, dependsOn: [igw] },
            );
        });

        const privateSubnets = plan.map((p, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-private-${p.zone}`,
                {
                    vpcId: vpc.id,
                    availabilityZone: p.zone,
                    cidrBlock: p.privateCidr,
                    mapPublicIpOnLaunch: false,
                    tags: tags({ Name: `${ctx.name}-private-${p.zone}`, ...clusterTag }),
                },
                parent,
            );
            const routes = new aws.ec2.RouteTable(
                `${name}-private-${p.zone}`,
                {
                    vpcId: vpc.id,
                    routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].id }],
                    tags: tags({ Name: `${ctx.name}-private-${p.zone}` }),
                },
                parent,
            );
            new aws.ec2.RouteTableAssociation(`${name}-private-${p.zone}`, { subnetId: subnet.id, routeTableId: routes.id }, parent);
            return subnet;
        });

        // No route table association: the VPC's main table (local routes only) is all they need.
        const dedicated = (role: string, cidr: (p: (typeof plan)[number]) => string, extra: Record<string, string>) =>
            plan.map(
                (p) =>
                    new aws.ec2.Subnet(
                        `${name}-${role}-${p.zone}`,
                        {
                            vpcId: vpc.id,
                            availabilityZone: p.zone,
                            cidrBlock: cidr(p),
                            mapPublicIpOnLaunch: false,
                            tags: tags({ Name: `${ctx.name}-${role}-${p.zone}`, ...extra }),
                        },
                        parent,
                    ),
            );
        const controlPlaneSubnets = dedicated("control-plane", (p) => p.controlPlaneCidr, clusterTag);
        dedicated("internal-lb", (p) => p.internalLoadBalancerCidr, { "kubernetes.io/role/internal-elb": "1", ...clusterTag });

        this.logsKey = kmsKey(
            "logs",
            ctx,
            { description: `${ctx.name} CloudWatch log groups`, statements: logsStatement(ctx.region) },
            parent,
        );
        this.flowLogs(name, ctx, vpc, network.flowLogRetentionDays);

        this.vpcId = vpc.id;
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.publicCidrs = plan.map((p) => p.publicCidr);
        this.privateCidrs = plan.map((p) => p.privateCidr);
        this.controlPlaneSubnetIds = controlPlaneSubnets.map((s) => s.id);
        this.internalLoadBalancerCidrs = plan.map((p) => p.internalLoadBalancerCidr);
        this.registerOutputs({ vpcId: this.vpcId });
    }

    /** VPC flow logs (all traffic) into a KMS-encrypted log group with retention (CKV2_AWS_11, CKV_AWS_158). */
    private flowLogs(name: string, ctx: AwsContext, vpc: aws.ec2.Vpc, retentionDays: number): void {
        const parent = { parent: this };
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-flow-logs`,
            { name: `/aws/vpc/${ctx.name}/flow-logs`, retentionInDays: retentionDays, kmsKeyId: this.logsKey.arn, tags: { ...ctx.tags } },
            parent,
        );
        const role = new aws.iam.Role(
            `${name}-flow-logs`,
            {
                name: `${ctx.name}-flow-logs`,
                assumeRolePolicy: JSON.stringify(serviceTrust("vpc-flow-logs.amazonaws.com")),
                tags: { ...ctx.tags },
            },
            parent,
        );
        new aws.iam.RolePolicy(
            `${name}-flow-logs`,
            {
                role: role.id,
                policy: logGroup.arn.apply((arn) =>
                    JSON.stringify(
                        policy({
                            Effect: "Allow",
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            Resource: [arn, `${arn}:*`],
                        }),
                    ),
                ),
            },
            parent,
        );
        new aws.ec2.FlowLog(
            `${name}-flow-logs`,
            {
                vpcId: vpc.id,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: logGroup.arn,
                iamRoleArn: role.arn,
                tags: { ...ctx.tags },
            },
            parent,
        );
    }
}
