import { arns, CiScope, stateBucketKeyAlias, stateKeyPrefix } from "./ci-scope";
import { Statement } from "./iam";

/**
 * The CI roles' identity policies as pure data (SPEC §5: least privilege; SECURITY.md 10). Every
 * grant names this environment: its state prefix, its secrets key (by alias), its cluster, its
 * repositories, its `ml-platform-<environment>-*` names, or resources tagged with it. What no grant
 * can scope (EC2 and ELB mutations take tags, not names) the permissions boundary denies across
 * environments (permissions-boundary.ts). test/aws/blast-radius.test.ts evaluates all of it with
 * AWS's evaluation logic.
 */

/**
 * The stack's state and secrets: list and read (and, to deploy, write) only the environment's prefix
 * of the state bucket; use only the environment's secrets-provider key (by its alias, `kms:ResourceAliases`);
 * read the bucket's encryption key only through S3. The lock objects are writable by every role: a
 * CLI that locks a stack to read it must be able to.
 */
export function stateAccess(s: CiScope, write: boolean): Statement[] {
    const prefix = stateKeyPrefix(s.environment);
    const statements: Statement[] = [
        {
            Sid: "StateList",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: arns.stateBucket(s),
            Condition: { StringLike: { "s3:prefix": [`${prefix}/*`] } },
        },
        {
            Sid: "StateObjects",
            Effect: "Allow",
            Action: write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"],
            Resource: arns.stateObjects(s),
        },
        {
            Sid: "StateLocks",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:DeleteObject"],
            Resource: `arn:${s.partition}:s3:::${s.stateBucket}/${prefix}/.pulumi/locks/*`,
        },
        {
            Sid: "SecretsProvider",
            Effect: "Allow",
            Action: write ? ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
            Resource: arns.kmsKeys(s),
            Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": s.secretsKeyAlias } },
        },
        {
            Sid: "StateBucketEncryption",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: arns.kmsKeys(s),
            Condition: {
                "ForAnyValue:StringEquals": { "kms:ResourceAliases": stateBucketKeyAlias },
                StringEquals: { "kms:ViaService": `s3.${s.region}.amazonaws.com` },
            },
        },
    ];
    return statements;
}

/** Pull-request previews: the state and key above, and the cluster's endpoint (Kubernetes reads go through the view access entry). */
export function previewStatements(s: CiScope): Statement[] {
    return [
        ...stateAccess(s, false),
        { Sid: "ClusterEndpoint", Effect: "Allow", Action: "eks:DescribeCluster", Resource: arns.cluster(s) },
    ];
}

/**
 * Drift checks (`pulumi preview --refresh`): the preview's rights plus the reads a refresh makes of
 * every resource type the stack manages. Reads scoped to the environment where AWS supports it
 * (IAM, EKS, ECR, KMS, S3 buckets, log groups); EC2, ELB and Auto Scaling reads have no resource scope.
 */
export function driftStatements(s: CiScope): Statement[] {
    return [
        ...previewStatements(s),
        {
            Sid: "RefreshUnscopedReads",
            Effect: "Allow",
            Action: [
                "ec2:Describe*",
                "elasticloadbalancing:Describe*",
                "autoscaling:Describe*",
                "kms:ListAliases",
                "eks:DescribeAddonVersions",
            ],
            Resource: "*",
        },
        {
            Sid: "RefreshCluster",
            Effect: "Allow",
            Action: ["eks:Describe*", "eks:List*"],
            Resource: [arns.cluster(s), arns.clusterParts(s)],
        },
        {
            Sid: "RefreshIam",
            Effect: "Allow",
            Action: ["iam:Get*", "iam:List*"],
            Resource: [
                arns.iam(s, `role/${s.prefix}-*`),
                arns.iam(s, `policy/${s.prefix}-*`),
                arns.iam(s, `instance-profile/${s.prefix}-*`),
                arns.iam(s, "oidc-provider/*"),
            ],
        },
        {
            Sid: "RefreshKeys",
            Effect: "Allow",
            Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
            Resource: arns.kmsKeys(s),
            Condition: { StringEquals: { [`aws:ResourceTag/platform.company.io/environment`]: s.environment } },
        },
        { Sid: "RefreshRegistries", Effect: "Allow", Action: ["ecr:Describe*", "ecr:Get*", "ecr:List*"], Resource: arns.repositories(s) },
        {
            Sid: "RefreshLogGroups",
            Effect: "Allow",
            Action: ["logs:DescribeLogGroups", "logs:ListTagsForResource", "logs:ListTagsLogGroup"],
            Resource: [`arn:${s.partition}:logs:${s.region}:${s.accountId}:log-group:*`],
        },
        {
            // Bucket settings only: object ARNs (`<bucket>/*`) are not listed, so no backup is readable.
            Sid: "RefreshBuckets",
            Effect: "Allow",
            Action: [
                "s3:GetBucket*",
                "s3:GetEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:GetAccelerateConfiguration",
                "s3:GetReplicationConfiguration",
                "s3:ListBucket",
            ],
            Resource: `arn:${s.partition}:s3:::${s.prefix}-*`,
        },
    ];
}

/**
 * `pulumi up` of the stack. Service rights are scoped by name (EKS, ECR, logs, S3, IAM), by tag
 * (KMS keys the stack created for this environment) or left to the boundary's cross-environment
 * deny (EC2, ELB, Auto Scaling, whose mutations AWS scopes by tag only). IAM writes to roles require
 * this environment's boundary on the role (`iam:PermissionsBoundary`), so every role the deploy role
 * creates is bounded as it is; the boundary forbids touching the CI roles and the boundary itself.
 */
export function deployStatements(s: CiScope): Statement[] {
    const boundary = arns.boundary(s);
    const ownRoles = arns.iam(s, `role/${s.prefix}-*`);
    return [
        ...stateAccess(s, true),
        {
            Sid: "NetworkAndCompute",
            Effect: "Allow",
            Action: ["ec2:*", "elasticloadbalancing:*", "autoscaling:*"],
            Resource: "*",
        },
        { Sid: "Cluster", Effect: "Allow", Action: "eks:*", Resource: [arns.cluster(s), arns.clusterParts(s)] },
        {
            // Karpenter's interruption queue and the EventBridge rules that feed it (src/aws/karpenter.ts).
            Sid: "InterruptionQueue",
            Effect: "Allow",
            Action: ["sqs:*", "events:*"],
            Resource: [
                `arn:${s.partition}:sqs:${s.region}:${s.accountId}:${s.prefix}-*`,
                `arn:${s.partition}:events:${s.region}:${s.accountId}:rule/${s.prefix}-*`,
            ],
        },
        {
            Sid: "ClusterReads",
            Effect: "Allow",
            Action: [
                "eks:DescribeAddonVersions",
                "eks:DescribeClusterVersions",
                "eks:ListClusters",
                "eks:DescribeAccessPolicies",
                "eks:ListAccessPolicies",
            ],
            Resource: "*",
        },
        { Sid: "Registries", Effect: "Allow", Action: "ecr:*", Resource: arns.repositories(s) },
        { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "LogGroups",
            Effect: "Allow",
            Action: "logs:*",
            Resource: [...arns.logGroups(s), ...arns.logGroups(s).map((g) => `${g}:*`)],
        },
        {
            Sid: "LogGroupReads",
            Effect: "Allow",
            Action: ["logs:DescribeLogGroups", "logs:ListTagsForResource", "logs:ListTagsLogGroup"],
            Resource: `arn:${s.partition}:logs:${s.region}:${s.accountId}:log-group:*`,
        },
        {
            Sid: "CreateEnvironmentKeys",
            Effect: "Allow",
            Action: ["kms:CreateKey", "kms:TagResource"],
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestTag/platform.company.io/environment": s.environment } },
        },
        {
            // Keys the stack made for this environment; not bootstrap's keys (managed-by differs).
            Sid: "EnvironmentKeys",
            Effect: "Allow",
            Action: "kms:*",
            Resource: arns.kmsKeys(s),
            Condition: {
                StringEquals: {
                    "aws:ResourceTag/platform.company.io/environment": s.environment,
                    "aws:ResourceTag/platform.company.io/managed-by": "pulumi-ml-platform",
                },
            },
        },
        {
            Sid: "EnvironmentKeyAliases",
            Effect: "Allow",
            Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
            Resource: `arn:${s.partition}:kms:${s.region}:${s.accountId}:alias/${s.prefix}-*`,
        },
        { Sid: "KeyReads", Effect: "Allow", Action: ["kms:ListAliases", "kms:ListKeys"], Resource: "*" },
        {
            Sid: "PlatformBuckets",
            Effect: "Allow",
            Action: "s3:*",
            Resource: [`arn:${s.partition}:s3:::${s.prefix}-*`, `arn:${s.partition}:s3:::${s.prefix}-*/*`],
        },
        {
            Sid: "BoundedRoleWrites",
            Effect: "Allow",
            Action: [
                "iam:CreateRole",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
            ],
            Resource: ownRoles,
            Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
        },
        {
            Sid: "OwnRoles",
            Effect: "Allow",
            Action: [
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:PassRole",
            ],
            Resource: ownRoles,
        },
        {
            Sid: "OwnPoliciesAndProviders",
            Effect: "Allow",
            Action: [
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:TagPolicy",
                "iam:UntagPolicy",
                "iam:CreateOpenIDConnectProvider",
                "iam:DeleteOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider",
                "iam:UntagOpenIDConnectProvider",
                "iam:UpdateOpenIDConnectProviderThumbprint",
                "iam:AddClientIDToOpenIDConnectProvider",
                "iam:RemoveClientIDFromOpenIDConnectProvider",
            ],
            Resource: [arns.iam(s, `policy/${s.prefix}-*`), arns.iam(s, `oidc-provider/oidc.eks.${s.region}.amazonaws.com/id/*`)],
        },
        { Sid: "IamReads", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
        {
            Sid: "ServiceLinkedRoles",
            Effect: "Allow",
            Action: "iam:CreateServiceLinkedRole",
            Resource: "*",
            Condition: {
                StringEquals: {
                    "iam:AWSServiceName": [
                        "eks.amazonaws.com",
                        "eks-nodegroup.amazonaws.com",
                        "autoscaling.amazonaws.com",
                        "elasticloadbalancing.amazonaws.com",
                    ],
                },
            },
        },
    ];
}

/** Push to exactly these repositories (and use their KMS key); nothing else in ECR. */
export function imagePushStatements(repositoryArns: string[], keyArn: string): Statement[] {
    const statements: Statement[] = [{ Sid: "Login", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" }];
    if (repositoryArns.length > 0) {
        statements.push({
            Sid: "PushToEnvironmentRepositories",
            Effect: "Allow",
            Action: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:DescribeImages",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            Resource: repositoryArns,
        });
    }
    if (keyArn) statements.push({ Sid: "RegistryKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: keyArn });
    return statements;
}
