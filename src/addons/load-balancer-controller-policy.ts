import { policy, PolicyDocument } from "../aws/iam";

/**
 * The AWS Load Balancer Controller's IAM policy, at parity with upstream's for the pinned version:
 * kubernetes-sigs/aws-load-balancer-controller, tag v3.5.0 (commit 11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4,
 * the controller image of chart aws-load-balancer-controller 3.5.0, src/config/catalog.ts),
 * `docs/install/iam_policy.json`. Same statements, actions, resources and conditions; only the
 * partition is a parameter and each statement has a Sid. What the conditions do:
 * - the controller creates security groups, load balancers and target groups only with its
 *   cluster tag `elbv2.k8s.aws/cluster` (`aws:RequestTag`), and changes or deletes only those
 *   carrying it (`aws:ResourceTag`);
 * - it may add tags to a load balancer or target group either as part of creating it
 *   (`elasticloadbalancing:CreateAction`) or when it already carries the cluster tag and the request
 *   does not set that tag: it cannot tag a foreign load balancer as its own and then modify it.
 * test/addons/load-balancer-controller-policy.test.ts evaluates these with iam-simulate.
 */

/** The tag the controller puts on everything it creates. */
export const controllerClusterTag = "elbv2.k8s.aws/cluster";

export function loadBalancerControllerPolicy(partition = "aws"): PolicyDocument {
    const requestTagged = { [`aws:RequestTag/${controllerClusterTag}`]: "false" };
    const ownedNotRetagged = { [`aws:RequestTag/${controllerClusterTag}`]: "true", [`aws:ResourceTag/${controllerClusterTag}`]: "false" };
    const owned = { [`aws:ResourceTag/${controllerClusterTag}`]: "false" };
    const elb = (resource: string) => `arn:${partition}:elasticloadbalancing:*:*:${resource}`;
    const loadBalancersAndTargetGroups = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];
    return policy(
        {
            Sid: "ServiceLinkedRole",
            Effect: "Allow",
            Action: ["iam:CreateServiceLinkedRole"],
            Resource: "*",
            Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
        },
        {
            Sid: "Describe",
            Effect: "Allow",
            Action: [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "ec2:DescribeIpamPools",
                "ec2:DescribeRouteTables",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            Resource: "*",
        },
        {
            Sid: "CertificatesWafShield",
            Effect: "Allow",
            Action: [
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            Resource: "*",
        },
        {
            Sid: "SecurityGroupIngress",
            Effect: "Allow",
            Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            Resource: "*",
        },
        { Sid: "CreateSecurityGroup", Effect: "Allow", Action: ["ec2:CreateSecurityGroup"], Resource: "*" },
        {
            Sid: "TagNewSecurityGroups",
            Effect: "Allow",
            Action: ["ec2:CreateTags"],
            Resource: `arn:${partition}:ec2:*:*:security-group/*`,
            Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, Null: requestTagged },
        },
        {
            Sid: "TagOwnSecurityGroups",
            Effect: "Allow",
            Action: ["ec2:CreateTags", "ec2:DeleteTags"],
            Resource: `arn:${partition}:ec2:*:*:security-group/*`,
            Condition: { Null: ownedNotRetagged },
        },
        {
            Sid: "ManageOwnSecurityGroups",
            Effect: "Allow",
            Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
            Resource: "*",
            Condition: { Null: owned },
        },
        {
            Sid: "CreateTaggedLoadBalancers",
            Effect: "Allow",
            Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            Resource: "*",
            Condition: { Null: requestTagged },
        },
        {
            Sid: "ListenersAndRules",
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            Resource: "*",
        },
        {
            Sid: "TagOwnLoadBalancers",
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            Resource: loadBalancersAndTargetGroups,
            Condition: { Null: ownedNotRetagged },
        },
        {
            Sid: "TagListenersAndRules",
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            Resource: [
                elb("listener/net/*/*/*"),
                elb("listener/app/*/*/*"),
                elb("listener-rule/net/*/*/*"),
                elb("listener-rule/app/*/*/*"),
            ],
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
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools",
            ],
            Resource: "*",
            Condition: { Null: owned },
        },
        {
            Sid: "TagOnCreate",
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags"],
            Resource: loadBalancersAndTargetGroups,
            Condition: {
                StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
                Null: requestTagged,
            },
        },
        {
            Sid: "RegisterTargets",
            Effect: "Allow",
            Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            Resource: elb("targetgroup/*/*"),
        },
        {
            Sid: "ListenersRulesWaf",
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
            Resource: "*",
        },
    );
}
