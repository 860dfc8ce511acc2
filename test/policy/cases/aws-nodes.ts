import { launchTemplate, nodeGroup, subnet, vpc } from "../../../policy/rules/aws-nodes";
import { fixture, InventoryResource, RuleCases } from "../../../policy/rules/evaluate";
import { ec2NodeClass, karpenterNodePool } from "../../../policy/rules/karpenter";
import { ec2NodeClassSpec, nodePoolSpec } from "../../../src/addons/karpenter";
import { platformConfig } from "../../harness";

/** Fixtures of the network and node rules; test/policy/rules.test.ts runs every case. */

const theVpc = fixture(vpc, "network-vpc", { cidrBlock: "10.30.0.0/16" });
const defaultSg = (changes: Record<string, unknown> = {}) =>
    fixture(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "network-default-sg",
        { vpcId: "vpc-1", ingress: [], egress: [], ...changes },
        { dependsOn: [theVpc] },
    );
const flowLog = fixture("aws:ec2/flowLog:FlowLog", "network-flow-logs", { vpcId: "vpc-1", trafficType: "ALL" }, { dependsOn: [theVpc] });

const sn = (name: string, changes: Record<string, unknown> = {}) =>
    fixture(subnet, name, { vpcId: "vpc-1", cidrBlock: "10.30.0.0/20", mapPublicIpOnLaunch: false, ...changes }, { dependsOn: [theVpc] });

/** A VPC with a public subnet (routed to the internet gateway) and a private one (routed through NAT). */
function network(): { resources: InventoryResource[]; privateSubnet: InventoryResource; publicSubnet: InventoryResource } {
    const igw = fixture("aws:ec2/internetGateway:InternetGateway", "network-igw", { vpcId: "vpc-1" }, { dependsOn: [theVpc] });
    const publicTable = fixture(
        "aws:ec2/routeTable:RouteTable",
        "network-public",
        { routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-1" }] },
        { dependsOn: [theVpc, igw] },
    );
    const publicSubnet = sn("network-public-a", { tags: { "kubernetes.io/role/elb": "1" } });
    const nat = fixture("aws:ec2/natGateway:NatGateway", "network-nat-a", { subnetId: "subnet-pub" }, { dependsOn: [publicSubnet, igw] });
    const privateTable = fixture(
        "aws:ec2/routeTable:RouteTable",
        "network-private-a",
        { routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: "nat-1" }] },
        { dependsOn: [theVpc, nat] },
    );
    const privateSubnet = sn("network-private-a", { tags: { "kubernetes.io/role/internal-elb": "1" } });
    const assoc = (name: string, s: InventoryResource, t: InventoryResource) =>
        fixture("aws:ec2/routeTableAssociation:RouteTableAssociation", name, { subnetId: "x", routeTableId: "y" }, { dependsOn: [s, t] });
    return {
        resources: [
            theVpc,
            igw,
            publicTable,
            publicSubnet,
            nat,
            privateTable,
            privateSubnet,
            assoc("public-a", publicSubnet, publicTable),
            assoc("private-a", privateSubnet, privateTable),
        ],
        privateSubnet,
        publicSubnet,
    };
}

const goodTemplate = {
    namePrefix: "ml-platform-prod-system-",
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true" } }],
};
const template = (changes: Record<string, unknown> = {}) => fixture(launchTemplate, "nodes-system", { ...goodTemplate, ...changes });
const metadata = (changes: Record<string, unknown>) => template({ metadataOptions: { ...goodTemplate.metadataOptions, ...changes } });
const ebs = (changes: Record<string, unknown>) =>
    template({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { ...goodTemplate.blockDeviceMappings[0].ebs, ...changes } }] });

const group = (changes: Record<string, unknown> = {}, deps: InventoryResource[] = []) =>
    fixture(
        nodeGroup,
        "nodes-system",
        {
            clusterName: "c",
            nodeRoleArn: "arn",
            subnetIds: ["subnet-a"],
            scalingConfig: { minSize: 1, maxSize: 2, desiredSize: 1 },
            launchTemplate: { id: "lt-1", version: "1" },
            ...changes,
        },
        { dependsOn: deps },
    );

const sg = (ingress: unknown[]) => fixture("aws:ec2/securityGroup:SecurityGroup", "bastion", { vpcId: "vpc-1", ingress });
const sgRule = (changes: Record<string, unknown>) =>
    fixture("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "rule", {
        securityGroupId: "sg-1",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "10.0.0.0/8",
        ...changes,
    });

export const awsNodeCases: RuleCases = {
    "subnet-no-public-ip-on-launch": {
        ok: [{ title: "no public IPs", resources: [sn("private")] }],
        bad: [
            {
                title: "public IPs on launch",
                resources: [sn("public", { mapPublicIpOnLaunch: true })],
                message: /assigns public IPs on launch/,
            },
        ],
    },
    "vpc-default-security-group-closed": {
        ok: [{ title: "stripped default group", resources: [theVpc, defaultSg()] }],
        bad: [
            { title: "unmanaged default group", resources: [theVpc], message: /leaves its default security group's allow-all rules/ },
            {
                title: "rules left in",
                resources: [theVpc, defaultSg({ ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }] })],
                message: /has rules/,
            },
        ],
    },
    "vpc-flow-logs": {
        ok: [{ title: "flow log on the VPC", resources: [theVpc, flowLog] }],
        bad: [{ title: "no flow log", resources: [theVpc], message: /Vpc "network-vpc" has no flow log/ }],
    },
    "security-group-no-public-ssh": {
        ok: [
            {
                title: "HTTPS from inside",
                resources: [sg([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]), sgRule({})],
            },
            { title: "SSH from the VPC only", resources: [sgRule({ fromPort: 22, toPort: 22, cidrIpv4: "10.30.0.0/16" })] },
        ],
        bad: [
            {
                title: "inline SSH from anywhere",
                resources: [sg([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }])],
                message: /admits SSH \(port 22\)/,
            },
            {
                title: "all traffic from anywhere (IPv6)",
                resources: [sgRule({ ipProtocol: "-1", fromPort: undefined, toPort: undefined, cidrIpv4: undefined, cidrIpv6: "::/0" })],
                message: /port 22/,
            },
            {
                title: "port range containing 22",
                resources: [sgRule({ fromPort: 0, toPort: 1024, cidrIpv4: "0.0.0.0/0" })],
                message: /port 22/,
            },
        ],
    },
    "eks-nodes-no-ssh": {
        ok: [{ title: "no remote access, no key", resources: [group(), template()] }],
        bad: [
            {
                title: "remote access",
                resources: [group({ remoteAccess: { ec2SshKey: "ops" } })],
                message: /enables remote \(SSH\) access/,
            },
            { title: "SSH key in the launch template", resources: [template({ keyName: "ops" })], message: /installs SSH key pair "ops"/ },
        ],
    },
    "eks-nodes-private-subnets": {
        ok: [
            (() => {
                const n = network();
                return { title: "private subnet routed through NAT", resources: [...n.resources, group({}, [n.privateSubnet])] };
            })(),
        ],
        bad: [
            (() => {
                const n = network();
                return {
                    title: "subnet routed to the internet gateway",
                    resources: [...n.resources, group({}, [n.publicSubnet])],
                    message: /uses public Subnet "network-public-a"/,
                };
            })(),
            {
                title: "subnet with public IPs",
                resources: [theVpc, sn("open", { mapPublicIpOnLaunch: true }), group({}, [sn("open", { mapPublicIpOnLaunch: true })])],
                message: /uses public Subnet "open"/,
            },
        ],
    },
    "eks-nodegroup-launch-template": {
        ok: [{ title: "launch template", resources: [group()] }],
        bad: [{ title: "EKS default template", resources: [group({ launchTemplate: undefined })], message: /has no launch template/ }],
    },
    "launch-template-imdsv2": {
        ok: [
            { title: "required, hop limit 1", resources: [template()] },
            {
                title: "metadata endpoint off",
                resources: [metadata({ httpEndpoint: "disabled", httpTokens: "optional", httpPutResponseHopLimit: undefined })],
            },
        ],
        bad: [
            { title: "IMDSv1 allowed", resources: [metadata({ httpTokens: "optional" })], message: /allows IMDSv1/ },
            { title: "hop limit 2", resources: [metadata({ httpPutResponseHopLimit: 2 })], message: /hop limit 2 exceeds 1/ },
            { title: "no metadata options", resources: [template({ metadataOptions: undefined })], message: /allows IMDSv1/ },
        ],
    },
    "launch-template-ebs-encrypted": {
        ok: [{ title: "encrypted root volume", resources: [template()] }],
        bad: [
            { title: "unencrypted", resources: [ebs({ encrypted: "false" })], message: /volume \/dev\/xvda is not encrypted/ },
            {
                title: "no block devices",
                resources: [template({ blockDeviceMappings: undefined })],
                message: /declares no EBS block device/,
            },
        ],
    },
    "launch-template-gp3": {
        ok: [{ title: "gp3", resources: [template()] }],
        bad: [{ title: "gp2", resources: [ebs({ volumeType: "gp2" })], message: /uses gp2: use gp3/ }],
    },
    "launch-template-no-public-ip": {
        ok: [{ title: "no interfaces declared", resources: [template()] }],
        bad: [
            {
                title: "public address",
                resources: [template({ networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true" }] })],
                message: /associates a public IP/,
            },
        ],
    },
    // Karpenter NodePools and node classes, rendered from prod's gpu pool by the program's own functions.
    "karpenter-gpu-nodepool-taint": {
        ok: [{ title: "prod's GPU NodePool", resources: [fixture(karpenterNodePool, "karpenter-nodepool-gpu", { spec: gpuNodePool() })] }],
        bad: [
            {
                title: "a GPU NodePool without the nvidia.com/gpu taint (must fail)",
                resources: [fixture(karpenterNodePool, "karpenter-nodepool-gpu", { spec: gpuNodePool({ taints: [] }) })],
                message: /lacks the taint nvidia.com\/gpu=true:NoSchedule/,
            },
        ],
    },
    "karpenter-nodepool-limits": {
        ok: [{ title: "prod's GPU NodePool", resources: [fixture(karpenterNodePool, "karpenter-nodepool-gpu", { spec: gpuNodePool() })] }],
        bad: [
            {
                title: "a NodePool without limits",
                resources: [fixture(karpenterNodePool, "karpenter-nodepool-gpu", { spec: { ...gpuNodePool(), limits: {} } })],
                message: /without bound/,
            },
        ],
    },
    "karpenter-nodeclass-guarantees": {
        ok: [{ title: "prod's GPU node class", resources: [fixture(ec2NodeClass, "karpenter-nodeclass-gpu", { spec: gpuNodeClass() })] }],
        bad: [
            {
                title: "hop limit 2",
                resources: [
                    fixture(ec2NodeClass, "karpenter-nodeclass-gpu", {
                        spec: { ...gpuNodeClass(), metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } },
                    }),
                ],
                message: /hop limit is not 1/,
            },
            {
                title: "unencrypted root volume",
                resources: [
                    fixture(ec2NodeClass, "karpenter-nodeclass-gpu", {
                        spec: {
                            ...gpuNodeClass(),
                            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", encrypted: false } }],
                        },
                    }),
                ],
                message: /not encrypted/,
            },
            {
                title: "the latest AMI alias",
                resources: [
                    fixture(ec2NodeClass, "karpenter-nodeclass-gpu", {
                        spec: { ...gpuNodeClass(), amiSelectorTerms: [{ alias: "al2023@latest" }] },
                    }),
                ],
                message: /pin a version/,
            },
        ],
    },
};

function prodGpuPool() {
    const config = platformConfig("prod");
    return { config, pool: config.nodePools.gpu };
}

function gpuNodePool(change: { taints?: never[] } = {}) {
    const { config, pool } = prodGpuPool();
    return nodePoolSpec("gpu", { ...pool, ...change }, config.network.availabilityZones);
}

function gpuNodeClass() {
    const { pool } = prodGpuPool();
    const facts = {
        nodeRoleName: "r",
        privateSubnetIds: ["subnet-1"],
        clusterSecurityGroupId: "sg-1",
        namePrefix: "ml-platform-prod",
        tags: {},
    };
    return ec2NodeClassSpec("gpu", pool, facts);
}
