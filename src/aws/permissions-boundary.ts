import * as pulumi from "@pulumi/pulumi";
import { arns, boundaryPolicyName, CiScope, environmentTag, stateKeyPrefix } from "./ci-scope";
import { policy, PolicyDocument } from "./iam";

/**
 * The permissions boundary of one environment: the most any role of that environment may do,
 * whatever its own policies say (AWS: "Permissions boundaries for IAM entities"; a request is
 * allowed only if both the identity policy and the boundary allow it, and any explicit deny wins).
 *
 * bootstrap/ creates it per environment, run by an administrator, so the stack's deploy role never
 * manages it; every role the stack creates carries it (applyPermissionsBoundary below), the deploy
 * role included, and the deploy role may create or change a role only with it attached.
 *
 * The ceiling is the AWS services the platform's roles use (the CI roles, the cluster and node
 * roles, the add-on roles; listed by hand from the inventory's policies and the AWS managed
 * policies they attach, see boundaryServices). The denies are the guardrails:
 * - nothing tagged with another environment (EC2, ELB, EKS, KMS, ... all honour `aws:ResourceTag`);
 * - no other environment's state prefix;
 * - no IAM role created or changed without this boundary, no boundary removed, and neither the
 *   boundary policy nor the CI roles changed at all (they are administered, not deployed by CI).
 */
export function permissionsBoundaryPolicy(s: CiScope): PolicyDocument {
    const boundary = arns.boundary(s);
    const ciRoles = arns.iam(s, `role/${s.prefix}-ci-*`);
    return policy(
        {
            Sid: "PlatformServices",
            Effect: "Allow",
            Action: boundaryServices.map((service) => `${service}:*`),
            Resource: "*",
        },
        {
            Sid: "DenyOtherEnvironments",
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: {
                StringNotEquals: { [`aws:ResourceTag/${environmentTag}`]: s.environment },
                Null: { [`aws:ResourceTag/${environmentTag}`]: "false" },
            },
        },
        {
            Sid: "DenyOtherEnvironmentsTagging",
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: {
                StringNotEquals: { [`aws:RequestTag/${environmentTag}`]: s.environment },
                Null: { [`aws:RequestTag/${environmentTag}`]: "false" },
            },
        },
        {
            // S3 only for this environment: its state prefix and its own `ml-platform-<environment>-*` buckets.
            Sid: "DenyOtherBuckets",
            Effect: "Deny",
            Action: "s3:*",
            NotResource: [
                arns.stateBucket(s),
                `arn:${s.partition}:s3:::${s.stateBucket}/${stateKeyPrefix(s.environment)}/*`,
                `arn:${s.partition}:s3:::${s.prefix}-*`,
            ],
        },
        {
            Sid: "DenyUnboundedRoles",
            Effect: "Deny",
            Action: [
                "iam:CreateRole",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
            ],
            Resource: "*",
            Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundary } },
        },
        {
            Sid: "DenyBoundaryRemoval",
            Effect: "Deny",
            Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            Resource: "*",
        },
        {
            Sid: "DenyBoundaryChanges",
            Effect: "Deny",
            Action: [
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            Resource: boundary,
        },
        {
            Sid: "DenyCiRoleChanges",
            Effect: "Deny",
            NotAction: ["iam:Get*", "iam:List*", "sts:AssumeRole*"],
            Resource: ciRoles,
        },
    );
}

/**
 * AWS service prefixes the platform's roles use. The CI roles: s3, kms, eks, ec2, ecr, logs, iam,
 * elasticloadbalancing, autoscaling, sts. Cluster, node and add-on roles (AWS managed policies
 * AmazonEKSClusterPolicy, AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy, AmazonEBSCSIDriverPolicy,
 * AmazonEC2ContainerRegistryPullOnly; the load balancer controller's policy): also eks-auth, acm,
 * wafv2, waf-regional, shield, cognito-idp. Karpenter (src/aws/karpenter.ts, upstream's controller
 * policy): sqs (its interruption queue), ssm (AMI parameters), pricing; the deploy role: sqs and
 * events (the queue and its EventBridge rules).
 */
export const boundaryServices = [
    "acm",
    "autoscaling",
    "cognito-idp",
    "ec2",
    "ecr",
    "eks",
    "eks-auth",
    "elasticloadbalancing",
    "events",
    "iam",
    "kms",
    "logs",
    "pricing",
    "s3",
    "shield",
    "sqs",
    "ssm",
    "sts",
    "waf-regional",
    "wafv2",
] as const;

/**
 * Puts the environment's permissions boundary on every IAM role this program creates (one stack
 * transformation, so no role can be added without it). The deploy role may create and change only
 * roles that carry it.
 */
export function applyPermissionsBoundary(boundaryArn: pulumi.Input<string>): void {
    pulumi.runtime.registerStackTransformation((args) => {
        if (args.type !== "aws:iam/role:Role") return undefined;
        return { props: { ...args.props, permissionsBoundary: boundaryArn }, opts: args.opts };
    });
}

export { boundaryPolicyName };
