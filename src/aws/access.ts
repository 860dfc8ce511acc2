import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ciRoleName } from "./ci-scope";
import { AwsContext } from "./context";

/** Roles of the design that IAM principals can be mapped to (SPEC §3). */
export type PlatformRole = "platform-admin" | "data-engineer" | "data-analyst" | "deployer";

/**
 * The Kubernetes group an access entry puts a principal in; the baseline's RoleBindings bind these
 * groups. Without a namespace, the platform-wide group (bound in every workload namespace); with
 * one, that team's group (bound in its namespace only).
 */
export function accessGroup(role: PlatformRole, namespace?: string): string {
    return namespace === undefined ? `ml-platform:${role}` : `ml-platform:${namespace}:${role}`;
}

/**
 * EKS access policies the platform grants (cluster-wide). AmazonEKSViewPolicy reads everything but
 * Secrets; AmazonEKSAdminViewPolicy reads Secrets too (what a refresh of the stack's Secrets needs).
 */
export type AccessPolicy = "AmazonEKSClusterAdminPolicy" | "AmazonEKSAdminViewPolicy" | "AmazonEKSViewPolicy";

export interface ClusterAccessArgs {
    clusterName: pulumi.Input<string>;
    principalArn: pulumi.Input<string>;
    /** Kubernetes groups the principal joins; the baseline's RoleBindings bind them. */
    kubernetesGroups?: string[];
    /** An EKS access policy, associated cluster-wide once the entry exists. */
    accessPolicy?: AccessPolicy;
}

/**
 * One IAM principal's way into the cluster: an access entry, and where asked an access policy
 * associated after it (EKS refuses an association for a principal without an entry).
 */
export function clusterAccess(name: string, ctx: AwsContext, args: ClusterAccessArgs, parent: pulumi.Resource): pulumi.Resource {
    const entry = new aws.eks.AccessEntry(
        name,
        { clusterName: args.clusterName, principalArn: args.principalArn, kubernetesGroups: args.kubernetesGroups, tags: { ...ctx.tags } },
        { parent },
    );
    if (!args.accessPolicy) return entry;
    const policy = args.accessPolicy;
    return new aws.eks.AccessPolicyAssociation(
        name,
        {
            clusterName: args.clusterName,
            principalArn: args.principalArn,
            policyArn: ctx.partition.apply((p) => `arn:${p}:eks::aws:cluster-access-policy/${policy}`),
            accessScope: { type: "cluster" },
        },
        { parent, dependsOn: [entry] },
    );
}

/**
 * Cluster-admin access for the stack's deploy role, `ml-platform-<environment>-ci-deploy` (its ARN
 * is known from the account and the name, ci-scope.ts), which creates cluster-scoped objects (CRDs,
 * ClusterRoles, webhooks). Never the caller's identity: a plan must not depend on who renders it
 * (a preview as the preview role would otherwise plan to replace this entry). Administrators who run
 * `pulumi up` by hand are `cluster-admin` entries of `accessEntries` (break-glass). Granting it
 * through an access entry keeps it visible in state and in the policy pack, unlike EKS's implicit
 * creator admin, which we switch off.
 */
export function deployerAccess(name: string, cluster: aws.eks.Cluster, ctx: AwsContext, parent: pulumi.Resource): pulumi.Resource {
    const principalArn = pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:role/${ciRoleName(ctx.name, "deploy")}`;
    return clusterAccess(name, ctx, { clusterName: cluster.name, principalArn, accessPolicy: "AmazonEKSClusterAdminPolicy" }, parent);
}
