import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { githubEnvironments } from "../config/stacks";
import { clusterAccess } from "./access";
import { deployStatements, driftStatements, imagePushStatements, previewStatements } from "./ci-policies";
import { arns, CiRoleKind, ciRoleName, ciScope, CiScope, maxSessionSeconds } from "./ci-scope";
import { AwsContext } from "./context";
import { policy, Statement, webIdentityTrust } from "./iam";

export { deployStatements, driftStatements, imagePushStatements, previewStatements, stateAccess } from "./ci-policies";

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

/** ARNs of the four CI roles. */
export interface CiRoleArns {
    preview: pulumi.Output<string>;
    drift: pulumi.Output<string>;
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
        // Pull-request previews: the unprotected `<env>-preview` environment.
        preview: [`repo:${ci.githubRepository}:environment:${previewEnvironment(environment)}`],
        // The scheduled drift check: `<env>-drift`, whose deployment branches are main only, so no pull request reaches it.
        drift: [`repo:${ci.githubRepository}:environment:${driftEnvironment(environment)}`],
        // Only jobs bound to this GitHub Environment (with its approvals) can deploy it.
        deploy: [`repo:${ci.githubRepository}:environment:${githubEnvironments(environment).deploy}`],
        // Application pipelines push from a job bound to the same-named environment in their repository.
        imagePush: ci.appRepositories.map((repo) => `repo:${repo}:environment:${environment}`),
    };
}

/** The GitHub Environment that pull-request preview jobs of a stack run in (src/config/stacks.ts names them). */
export function previewEnvironment(environment: string): string {
    return githubEnvironments(environment).preview;
}

/** The GitHub Environment that the drift jobs of a stack run in (main branch only). */
export function driftEnvironment(environment: string): string {
    return githubEnvironments(environment).drift;
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
        const scope = pulumi
            .all([ctx.partition, ctx.accountId])
            .apply(([p, id]) =>
                ciScope(p, id, ctx.region, ctx.environment, { stateBucket: ci.stateBucket, secretsKeyAlias: ci.secretsKeyAlias }),
            );

        const providerArn = ci.createGithubOidcProvider
            ? new aws.iam.OpenIdConnectProvider(
                  `${name}-github-oidc`,
                  { url: `https://${githubIssuer}`, clientIdLists: ["sts.amazonaws.com"], tags: { ...ctx.tags } },
                  { parent: this, protect: ctx.protect },
              ).arn
            : pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:oidc-provider/${githubIssuer}`;

        // Every role carries the environment's permissions boundary (applyPermissionsBoundary in the composition root).
        const role = (kind: CiRoleKind, roleSubjects: string[], statements: pulumi.Output<Statement[]>) => {
            const r = new aws.iam.Role(
                `${name}-${kind}`,
                {
                    name: ciRoleName(ctx.name, kind),
                    description: `GitHub Actions ${kind} role for ${ctx.name}`,
                    assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(webIdentityTrust(arn, githubIssuer, roleSubjects))),
                    maxSessionDuration: maxSessionSeconds[kind],
                    tags: { ...ctx.tags },
                },
                parent,
            );
            new aws.iam.RolePolicy(
                `${name}-${kind}`,
                { role: r.id, policy: statements.apply((s) => JSON.stringify(policy(...s))) },
                parent,
            );
            return r;
        };

        const preview = role("preview", subjects.preview, scope.apply(previewStatements));
        const drift = role("drift", subjects.drift, scope.apply(driftStatements));
        const deploy = role("deploy", subjects.deploy, scope.apply(deployStatements));
        // Previews read Kubernetes objects but Secrets (view); a drift check refreshes the stack's Secrets too (admin view).
        clusterAccess(
            `${name}-preview`,
            ctx,
            { clusterName: args.cluster.name, principalArn: preview.arn, accessPolicy: "AmazonEKSViewPolicy" },
            this,
        );
        clusterAccess(
            `${name}-drift`,
            ctx,
            { clusterName: args.cluster.name, principalArn: drift.arn, accessPolicy: "AmazonEKSAdminViewPolicy" },
            this,
        );

        const repoArns = pulumi.all(args.repositories.map((r) => r.arn));
        const push = role(
            "image-push",
            subjects.imagePush.length > 0 ? subjects.imagePush : [`repo:${ci.githubRepository}:environment:${args.environment}`],
            pulumi.all([repoArns, args.registryKeyArn ?? pulumi.output("")]).apply(([arns, keyArn]) => imagePushStatements(arns, keyArn)),
        );

        this.arns = { preview: preview.arn, drift: drift.arn, deploy: deploy.arn, imagePush: push.arn };
        this.registerOutputs({});
    }
}

/** The ARN of the environment's permissions boundary (bootstrap/ creates it; ci-scope.ts names it). */
export function boundaryArn(ctx: AwsContext): pulumi.Output<string> {
    return pulumi.all([ctx.partition, ctx.accountId]).apply(([p, id]) => arns.boundary(ciScope(p, id, ctx.region, ctx.environment)));
}

export type { CiScope };
