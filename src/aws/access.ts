import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
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

/** EKS access policies the platform grants (cluster-wide). */
export type AccessPolicy = "AmazonEKSClusterAdminPolicy" | "AmazonEKSViewPolicy";

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
 * Cluster-admin access for the identity running Pulumi (in CI: the deploy role). It creates
 * cluster-scoped objects (CRDs, ClusterRoles, webhooks), so it needs admin; granting it through an
 * access entry keeps that visible in state and in the policy pack, unlike EKS's implicit creator
 * admin, which we switch off. An assumed-role session is resolved to its role ARN (path included).
 */
export function deployerAccess(name: string, cluster: aws.eks.Cluster, ctx: AwsContext, parent: pulumi.Resource): pulumi.Resource {
    const caller = aws.getCallerIdentityOutput({}, { parent });
    const principalArn = aws.iam.getSessionContextOutput({ arn: caller.arn }, { parent }).issuerArn;
    return clusterAccess(name, ctx, { clusterName: cluster.name, principalArn, accessPolicy: "AmazonEKSClusterAdminPolicy" }, parent);
}
