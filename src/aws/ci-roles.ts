import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { githubEnvironments } from "../config/stacks";
import { clusterAccess } from "./access";
import { AwsContext } from "./context";
import { managedPolicyArn, PolicyDocument, policy, Statement, webIdentityTrust } from "./iam";

export const githubIssuer = "token.actions.githubusercontent.com";

export interface CiRolesArgs {
    ctx: AwsContext;
    ci: PlatformConfig["ci"];
    environment: string;
    cluster: aws.eks.Cluster;
    /** ECR repositories the image-push role may write. */
    repositories: aws.ecr.Repository[];
    /** KMS key that encrypts the repositories. */
    registryKeyArn?: pulumi.Output<string>;
}

/** Names the three CI roles share. */
export interface CiRoleArns {
    preview: pulumi.Output<string>;
    deploy: pulumi.Output<string>;
    imagePush: pulumi.Output<string>;
}

/**
 * OIDC subjects of GitHub Actions jobs (the `sub` claim), per role. Every one names a GitHub
 * Environment, so the repository's environment settings (reviewers, branch rules) gate each role
 * (SECURITY.md 10: trust scoped to repository and environment).
 */
export function ciSubjects(ci: PlatformConfig["ci"], environment: string) {
    return {
        // Pull-request previews and the scheduled drift check: the unprotected `<env>-preview` environment.
        preview: [`repo:${ci.githubRepository}:environment:${previewEnvironment(environment)}`],
        // Only jobs bound to this GitHub Environment (with its approvals) can deploy it.
        deploy: [`repo:${ci.githubRepository}:environment:${githubEnvironments(environment).deploy}`],
        // Application pipelines push from a job bound to the same-named environment in their repository.
        imagePush: ci.appRepositories.map((repo) => `repo:${repo}:environment:${environment}`),
    };
}

/** The GitHub Environment that preview and drift jobs of a stack run in (src/config/stacks.ts names them). */
export function previewEnvironment(environment: string): string {
    return githubEnvironments(environment).preview;
}

/** What `pulumi` needs on the state backend made by bootstrap/: the bucket and the secrets key (by alias). */
export function stateAccess(
    partition: string,
    region: string,
    accountId: string,
    bucket: string,
    keyAlias: string,
    write: boolean,
): Statement[] {
    return [
        { Sid: "StateList", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:${partition}:s3:::${bucket}` },
        {
            Sid: "StateObjects",
            Effect: "Allow",
            Action: write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"],
            Resource: `arn:${partition}:s3:::${bucket}/*`,
        },
        {
            Sid: "SecretsProvider",
            Effect: "Allow",
            Action: write ? ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
            Resource: `arn:${partition}:kms:${region}:${accountId}:key/*`,
            Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": keyAlias } },
        },
    ];
}

/**
 * What deploying this stack needs. Service actions are broad because the stack manages those
 * services, but IAM, the most dangerous, is limited to this environment's own names, so the role
 * cannot grant itself or anything else more (CKV_AWS_1/49: no `*` on `*`).
 */
export function deployPolicy(partition: string, accountId: string, prefix: string): PolicyDocument {
    const iam = (kind: string) => `arn:${partition}:iam::${accountId}:${kind}`;
    return policy(
        {
            Sid: "PlatformServices",
            Effect: "Allow",
            Action: ["ec2:*", "eks:*", "ecr:*", "logs:*", "autoscaling:*", "kms:*", "elasticloadbalancing:*", "sts:GetCallerIdentity"],
            Resource: "*",
        },
        {
            Sid: "PlatformBuckets",
            Effect: "Allow",
            Action: "s3:*",
            Resource: [`arn:${partition}:s3:::${prefix}-*`, `arn:${partition}:s3:::${prefix}-*/*`],
        },
        {
            Sid: "OwnIamOnly",
            Effect: "Allow",
            Action: "iam:*",
            Resource: [
                iam(`role/${prefix}-*`),
                iam(`policy/${prefix}-*`),
                iam("oidc-provider/oidc.eks.*"),
                iam(`oidc-provider/${githubIssuer}`),
            ],
        },
        { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
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
    );
}

/**
 * Keyless CI (SPEC §5): GitHub Actions assumes these roles through OIDC, scoped by the `sub` claim
 * to this repository and this environment, so no AWS key is stored anywhere.
 */
export class CiRoles extends pulumi.ComponentResource {
    readonly arns: CiRoleArns;

    constructor(name: string, args: CiRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:CiRoles", name, {}, opts);
        const { ctx, ci } = args;
        const parent = { parent: this };
        const subjects = ciSubjects(ci, args.environment);
        const bucket = ctx.accountId.apply((id) => ci.stateBucket ?? `ml-platform-pulumi-state-${id}`);

        const providerArn = ci.createGithubOidcProvider
            ? new aws.iam.OpenIdConnectProvider(
                  `${name}-github-oidc`,
                  { url: `https://${githubIssuer}`, clientIdLists: ["sts.amazonaws.com"], tags: { ...ctx.tags } },
                  { parent: this, protect: ctx.protect },
              ).arn
            : pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:oidc-provider/${githubIssuer}`;

        const role = (
            kind: "preview" | "deploy" | "image-push",
            roleSubjects: string[],
            statements: pulumi.Output<Statement[]>,
            managed: string[] = [],
        ) => {
            const r = new aws.iam.Role(
                `${name}-${kind}`,
                {
                    name: `${ctx.name}-ci-${kind}`,
                    description: `GitHub Actions ${kind} role for ${ctx.name}`,
                    assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(webIdentityTrust(arn, githubIssuer, roleSubjects))),
                    maxSessionDuration: 3600,
                    tags: { ...ctx.tags },
                },
                parent,
            );
            new aws.iam.RolePolicy(
                `${name}-${kind}`,
                { role: r.id, policy: statements.apply((s) => JSON.stringify(policy(...s))) },
                parent,
            );
            for (const m of managed) {
                new aws.iam.RolePolicyAttachment(
                    `${name}-${kind}-${m}`,
                    { role: r.name, policyArn: ctx.partition.apply((p) => managedPolicyArn(p, m)) },
                    parent,
                );
            }
            return r;
        };

        const env = pulumi.all([ctx.partition, ctx.accountId, bucket]);
        const preview = role(
            "preview",
            subjects.preview,
            env.apply(([p, id, b]) => stateAccess(p, ctx.region, id, b, ci.secretsKeyAlias, false)),
            ["ReadOnlyAccess"],
        );
        const deploy = role(
            "deploy",
            subjects.deploy,
            env.apply(([p, id, b]) => [
                ...stateAccess(p, ctx.region, id, b, ci.secretsKeyAlias, true),
                ...deployPolicy(p, id, ctx.name).Statement,
            ]),
        );
        // Previews read Kubernetes objects too: view access, which excludes Secrets.
        clusterAccess(
            `${name}-preview`,
            ctx,
            { clusterName: args.cluster.name, principalArn: preview.arn, accessPolicy: "AmazonEKSViewPolicy" },
            this,
        );

        const repoArns = pulumi.all(args.repositories.map((r) => r.arn));
        const push = role(
            "image-push",
            subjects.imagePush.length > 0 ? subjects.imagePush : [`repo:${ci.githubRepository}:environment:${args.environment}`],
            pulumi.all([repoArns, args.registryKeyArn ?? pulumi.output("")]).apply(([arns, keyArn]) => imagePushStatements(arns, keyArn)),
        );

        this.arns = { preview: preview.arn, deploy: deploy.arn, imagePush: push.arn };
        this.registerOutputs({});
    }
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
