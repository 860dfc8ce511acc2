import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "./context";

/** Roles of the design that IAM principals can be mapped to (SPEC §3). */
export type PlatformRole = "platform-admin" | "data-engineer" | "data-analyst" | "deployer";

/** The Kubernetes group an access entry puts a principal in; the baseline's RoleBindings bind these groups. */
export function accessGroup(role: PlatformRole): string {
    return `ml-platform:${role}`;
}

/**
 * Cluster-admin access for the identity running Pulumi (in CI: the deploy role). It creates
 * cluster-scoped objects (CRDs, ClusterRoles, webhooks), so it needs admin; granting it through an
 * access entry keeps that visible in state and in the policy pack, unlike EKS's implicit creator
 * admin, which we switch off. An assumed-role session is resolved to its role ARN (path included).
 */
export function accessEntryFor(
    name: string,
    cluster: aws.eks.Cluster,
    ctx: AwsContext,
    parent: pulumi.Resource,
): aws.eks.AccessPolicyAssociation {
    const caller = aws.getCallerIdentityOutput({}, { parent });
    const principalArn = aws.iam.getSessionContextOutput({ arn: caller.arn }, { parent }).issuerArn;
    const entry = new aws.eks.AccessEntry(name, { clusterName: cluster.name, principalArn, tags: { ...ctx.tags } }, { parent });
    return new aws.eks.AccessPolicyAssociation(
        name,
        {
            clusterName: cluster.name,
            principalArn,
            policyArn: ctx.partition.apply((p) => `arn:${p}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`),
            accessScope: { type: "cluster" },
        },
        { parent, dependsOn: [entry] },
    );
}
