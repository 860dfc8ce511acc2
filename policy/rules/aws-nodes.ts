import type { PolicyResource } from "@pulumi/policy";
import {
    dependenciesOfType,
    dependsOn,
    get,
    isAnywhere,
    isTrue,
    label,
    list,
    ofTypes,
    PlatformPolicy,
    resourceRule,
    stackRule,
} from "./common";
import { karpenterRules } from "./karpenter";

/** Network and worker nodes: private subnets, no SSH, IMDSv2, encrypted volumes (SECURITY.md 4, 5, 7). */

export const vpc = "aws:ec2/vpc:Vpc";
export const subnet = "aws:ec2/subnet:Subnet";
export const nodeGroup = "aws:eks/nodeGroup:NodeGroup";
export const launchTemplate = "aws:ec2/launchTemplate:LaunchTemplate";
const defaultSecurityGroup = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const securityGroup = "aws:ec2/securityGroup:SecurityGroup";
const ingressRule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const legacyRule = "aws:ec2/securityGroupRule:SecurityGroupRule";
const flowLog = "aws:ec2/flowLog:FlowLog";
const routeTable = "aws:ec2/routeTable:RouteTable";
const route = "aws:ec2/route:Route";
const routeTableAssociation = "aws:ec2/routeTableAssociation:RouteTableAssociation";
const internetGateway = "aws:ec2/internetGateway:InternetGateway";

/** True when an ingress rule from `cidrs` covering `port` over `protocol` admits that port from the internet. */
function opensToInternet(port: number, rule: { protocol?: unknown; from?: unknown; to?: unknown; cidrs: unknown[] }): boolean {
    const all = rule.protocol === "-1" || rule.protocol === "all" || rule.protocol === -1;
    const tcp = rule.protocol === "tcp" || rule.protocol === "6" || rule.protocol === 6;
    const from = Number(rule.from ?? 0);
    const to = Number(rule.to ?? 65535);
    const covers = all || (tcp && from <= port && port <= to);
    return covers && rule.cidrs.some(isAnywhere);
}

/**
 * Subnets a node could get a public address in or be reached through: auto-assigned public IPs,
 * tagged for internet-facing load balancers, or routed to an internet gateway.
 */
function publicSubnets(resources: PolicyResource[]): Set<string> {
    const igws = ofTypes(resources, internetGateway);
    const tables = ofTypes(resources, routeTable).filter(
        (t) =>
            igws.some((igw) => dependsOn(t, igw)) ||
            ofTypes(resources, route).some((r) => dependsOn(r, t) && igws.some((igw) => dependsOn(r, igw))),
    );
    const result = new Set<string>();
    for (const s of ofTypes(resources, subnet)) {
        const routed = ofTypes(resources, routeTableAssociation).some((a) => dependsOn(a, s) && tables.some((t) => dependsOn(a, t)));
        if (isTrue(s.props.mapPublicIpOnLaunch) || get(s.props, "tags")?.["kubernetes.io/role/elb"] === "1" || routed) result.add(s.urn);
    }
    return result;
}

export const awsNodeRules: PlatformPolicy[] = [
    resourceRule({
        id: "subnet-no-public-ip-on-launch",
        level: "mandatory",
        sources: ["CKV_AWS_130", "Security Hub EC2.15"],
        items: [5],
        summary: "No subnet assigns public IP addresses to what is launched in it.",
        types: [subnet],
        check: (props, { report }) => {
            if (isTrue(props.mapPublicIpOnLaunch)) report("Subnet assigns public IPs on launch: set mapPublicIpOnLaunch: false.");
        },
    }),
    stackRule({
        id: "vpc-default-security-group-closed",
        level: "mandatory",
        sources: ["CKV2_AWS_12", "Security Hub EC2.2"],
        items: [5],
        summary: "Each VPC's default security group is managed by the stack and has no rules.",
        check: (resources, { report }) => {
            const defaults = ofTypes(resources, defaultSecurityGroup);
            for (const sg of defaults) {
                if (list(sg.props.ingress).length > 0 || list(sg.props.egress).length > 0) {
                    report(`${label(sg)} has rules: the default security group must allow nothing (ingress: [], egress: []).`, sg);
                }
            }
            for (const v of ofTypes(resources, vpc)) {
                if (!defaults.some((sg) => dependsOn(sg, v))) {
                    report(
                        `${label(v)} leaves its default security group's allow-all rules in place: manage it with an empty DefaultSecurityGroup.`,
                        v,
                    );
                }
            }
        },
    }),
    stackRule({
        id: "vpc-flow-logs",
        level: "mandatory",
        sources: ["CKV2_AWS_11", "Security Hub EC2.6"],
        items: [3],
        summary: "Every VPC records flow logs.",
        check: (resources, { report }) => {
            const logs = ofTypes(resources, flowLog);
            for (const v of ofTypes(resources, vpc)) {
                if (!logs.some((l) => dependsOn(l, v))) report(`${label(v)} has no flow log.`, v);
            }
        },
    }),
    resourceRule({
        id: "security-group-no-public-ssh",
        level: "mandatory",
        sources: ["CKV_AWS_24", "Security Hub EC2.13"],
        items: [5],
        summary: "No security group admits SSH (port 22) from the internet.",
        types: [securityGroup, ingressRule, legacyRule],
        check: (props, { type, report }) => {
            const rules =
                type === securityGroup
                    ? list(props.ingress).map((r) => ({
                          protocol: r.protocol,
                          from: r.fromPort,
                          to: r.toPort,
                          cidrs: [...list(r.cidrBlocks), ...list(r.ipv6CidrBlocks)],
                      }))
                    : type === ingressRule
                      ? [{ protocol: props.ipProtocol, from: props.fromPort, to: props.toPort, cidrs: [props.cidrIpv4, props.cidrIpv6] }]
                      : props.type === "ingress"
                        ? [
                              {
                                  protocol: props.protocol,
                                  from: props.fromPort,
                                  to: props.toPort,
                                  cidrs: [...list(props.cidrBlocks), ...list(props.ipv6CidrBlocks)],
                              },
                          ]
                        : [];
            if (rules.some((r) => opensToInternet(22, r))) report("Security group admits SSH (port 22) from 0.0.0.0/0 or ::/0.");
        },
    }),
    resourceRule({
        id: "eks-nodes-no-ssh",
        level: "mandatory",
        sources: ["CKV_AWS_100", "CIS EKS 5.4.3"],
        items: [5],
        summary: "Worker nodes carry no SSH key and node groups allow no remote access; use SSM Session Manager.",
        types: [nodeGroup, launchTemplate],
        check: (props, { type, report }) => {
            if (type === nodeGroup && props.remoteAccess !== undefined)
                report("Node group enables remote (SSH) access: remove remoteAccess.");
            if (type === launchTemplate && props.keyName)
                report(`Launch template installs SSH key pair "${props.keyName}": remove keyName.`);
        },
    }),
    stackRule({
        id: "eks-nodes-private-subnets",
        level: "mandatory",
        sources: ["CIS EKS 5.4.3", "CKV_AWS_88"],
        items: [5],
        summary:
            "Node groups run only in private subnets: no public IP on launch, no route to an internet gateway, no public load-balancer role.",
        check: (resources, { report }) => {
            const open = publicSubnets(resources);
            for (const group of ofTypes(resources, nodeGroup)) {
                for (const s of dependenciesOfType(group, resources, subnet).filter((s) => open.has(s.urn))) {
                    report(`${label(group)} uses public ${label(s)}: nodes belong in private subnets.`, group);
                }
            }
        },
    }),
    resourceRule({
        id: "eks-nodegroup-launch-template",
        level: "mandatory",
        sources: ["CKV_AWS_341", "Security Hub AutoScaling.3"],
        items: [4, 7],
        summary:
            "Managed node groups use the stack's launch template, so IMDSv2, hop limit and volume encryption are ours, not EKS's defaults.",
        types: [nodeGroup],
        check: (props, { report }) => {
            const template = props.launchTemplate;
            if (!template || (!template.id && !template.name)) {
                report(
                    "Node group has no launch template: EKS's default template allows a metadata hop limit of 2 and an AMI-default root volume.",
                );
            }
        },
    }),
    resourceRule<{ maximumHopLimit: number }>({
        id: "launch-template-imdsv2",
        level: "mandatory",
        sources: ["CKV_AWS_79", "CKV_AWS_341", "Security Hub AutoScaling.3", "Security Hub AutoScaling.4", "Security Hub EC2.8"],
        items: [4],
        summary: "Launch templates require IMDSv2 session tokens with a response hop limit of 1, so pods cannot use the node's role.",
        types: [launchTemplate],
        config: {
            maximumHopLimit: {
                type: "integer",
                minimum: 1,
                maximum: 64,
                default: 1,
                description: "Highest allowed httpPutResponseHopLimit.",
            },
        },
        check: (props, { config, report }) => {
            const md = props.metadataOptions ?? {};
            if (md.httpEndpoint === "disabled") return;
            if (md.httpTokens !== "required") report('Launch template allows IMDSv1: set metadataOptions.httpTokens: "required".');
            const hops = md.httpPutResponseHopLimit;
            if (typeof hops !== "number")
                report(
                    `Launch template leaves the metadata hop limit at its default: set httpPutResponseHopLimit: ${config.maximumHopLimit}.`,
                );
            else if (hops > config.maximumHopLimit)
                report(`Launch template metadata hop limit ${hops} exceeds ${config.maximumHopLimit}: pods could reach the instance role.`);
        },
    }),
    resourceRule({
        id: "launch-template-ebs-encrypted",
        level: "mandatory",
        sources: ["CKV_AWS_8", "Security Hub EC2.3"],
        items: [7],
        summary: "Launch templates declare their block devices, all EBS-encrypted.",
        types: [launchTemplate],
        check: (props, { report }) => {
            const mappings = list(props.blockDeviceMappings).filter((m) => m?.ebs);
            if (mappings.length === 0)
                report("Launch template declares no EBS block device: the root volume falls back to the AMI's unencrypted default.");
            for (const m of mappings) {
                const device = m.deviceName ? ` ${m.deviceName}` : "";
                if (!isTrue(m.ebs.encrypted)) report(`Launch template volume${device} is not encrypted: set ebs.encrypted: "true".`);
            }
        },
    }),
    resourceRule({
        id: "launch-template-gp3",
        level: "advisory",
        sources: ["AWS EBS gp3 guidance"],
        items: [7],
        summary: "Node volumes use gp3 (cheaper and faster than gp2 at any size).",
        types: [launchTemplate],
        check: (props, { report }) => {
            for (const m of list(props.blockDeviceMappings).filter((m) => m?.ebs)) {
                if (m.ebs.volumeType !== "gp3")
                    report(`Launch template volume uses ${m.ebs.volumeType ?? "the AMI default type"}: use gp3.`);
            }
        },
    }),
    resourceRule({
        id: "launch-template-no-public-ip",
        level: "mandatory",
        sources: ["CKV_AWS_88", "Security Hub EC2.9"],
        items: [5],
        summary: "Launch templates never associate a public IP address with a node.",
        types: [launchTemplate],
        check: (props, { report }) => {
            if (list(props.networkInterfaces).some((n) => isTrue(n?.associatePublicIpAddress))) {
                report("Launch template associates a public IP address with its instances.");
            }
        },
    }),
    ...karpenterRules,
];
