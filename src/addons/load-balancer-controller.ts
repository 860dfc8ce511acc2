import { podIdentityRole } from "../aws/eks-addon";
import { policy, PolicyDocument } from "../aws/iam";
import { poolLabel } from "../aws/node-pools";
import { charts } from "../config";
import { Addon, helmRelease } from "./contract";

const serviceAccount = { namespace: "kube-system", name: "aws-load-balancer-controller" };
/**
 * The label a `type: LoadBalancer` Service carries to be defaulted to this controller's NLBs by its
 * Service webhook (or set `spec.loadBalancerClass: service.k8s.aws/nlb` yourself).
 */
export const loadBalancerServiceLabel = { "platform.company.io/aws-load-balancer": "true" };
const clusterTag = "elbv2.k8s.aws/cluster";
/** The controller may only touch what it created: resources carrying its cluster tag. */
const taggedByController = { Null: { [`aws:ResourceTag/${clusterTag}`]: "false" } };
const taggingOnCreate = { Null: { [`aws:RequestTag/${clusterTag}`]: "false" } };

/**
 * The controller's rights, least privilege: read what it needs to place load balancers, create
 * security groups, load balancers and target groups only with its cluster tag, and change or
 * delete only those so tagged.
 */
export function loadBalancerControllerPolicy(): PolicyDocument {
    return policy(
        {
            Sid: "ServiceLinkedRole",
            Effect: "Allow",
            Action: "iam:CreateServiceLinkedRole",
            Resource: "*",
            Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
        },
        {
            Sid: "Read",
            Effect: "Allow",
            Action: [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeRouteTables",
                "ec2:DescribeTags",
                "ec2:GetSecurityGroupsForVpc",
                "elasticloadbalancing:Describe*",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
            ],
            Resource: "*",
        },
        { Sid: "CreateSecurityGroups", Effect: "Allow", Action: "ec2:CreateSecurityGroup", Resource: "*" },
        {
            Sid: "TagNewSecurityGroups",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: "arn:aws:ec2:*:*:security-group/*",
            Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, ...taggingOnCreate },
        },
        {
            Sid: "ManageOwnSecurityGroups",
            Effect: "Allow",
            Action: [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup",
                "ec2:CreateTags",
                "ec2:DeleteTags",
            ],
            Resource: "*",
            Condition: taggedByController,
        },
        {
            Sid: "CreateTaggedLoadBalancers",
            Effect: "Allow",
            Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags"],
            Resource: "*",
            Condition: taggingOnCreate,
        },
        {
            Sid: "ManageOwnLoadBalancers",
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:DeregisterTargets",
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:RemoveTags",
            ],
            Resource: "*",
            Condition: taggedByController,
        },
        {
            // Listeners and rules carry no tags of their own; they live inside the controller's load balancers.
            Sid: "ListenersAndRules",
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetWebAcl",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
            ],
            Resource: "*",
        },
    );
}

/**
 * AWS Load Balancer Controller (pinned, own Pod Identity role): ALBs in IP mode for the
 * platform's web UIs (ingress-nginx is retired upstream). Two replicas on the system pool.
 */
export const loadBalancerController: Addon = {
    id: "aws-load-balancer-controller",
    needs: [],
    deploy({ aws, cluster, vpcId }, opts) {
        const role = podIdentityRole(
            "aws-load-balancer-controller",
            aws,
            cluster.name,
            serviceAccount,
            loadBalancerControllerPolicy(),
            opts.parent,
        );
        return helmRelease(
            "aws-load-balancer-controller",
            charts.awsLoadBalancerController,
            serviceAccount.namespace,
            {
                clusterName: cluster.name,
                region: aws.region,
                vpcId,
                replicaCount: 2,
                serviceAccount: { create: true, name: serviceAccount.name },
                nodeSelector: { [poolLabel]: "system" },
                podDisruptionBudget: { maxUnavailable: 1 },
                // The Service webhook (failurePolicy Fail, every Service CREATE by default) only for
                // Services that ask for this controller: otherwise every release starting beside this
                // one could have its Services refused before the controller is ready (src/plan/deploy-order.ts).
                serviceMutatorWebhookConfig: { objectSelector: { matchLabels: loadBalancerServiceLabel } },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            },
            { parent: opts.parent, dependsOn: [...opts.dependsOn, role] },
        );
    },
};
