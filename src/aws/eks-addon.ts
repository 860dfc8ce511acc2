import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EksAddonName, KubernetesVersion, kubernetesReleases } from "../config";
import { AwsContext } from "./context";
import { managedPolicyArn, policy, PolicyDocument, serviceAccountTrust } from "./iam";

/** The cluster's IAM OIDC provider, as IRSA trust policies need it. */
export interface OidcProvider {
    arn: pulumi.Output<string>;
    /** Issuer URL, `https://oidc.eks.<region>.amazonaws.com/id/<id>`. */
    issuer: pulumi.Output<string>;
}

/**
 * An EKS managed add-on at the version the catalog pins for the cluster's Kubernetes version
 * ({@link kubernetesReleases}). Our configuration wins over manual edits on both create and
 * update, so a drift check sees any hand change.
 */
export function managedAddon(
    name: string,
    clusterName: pulumi.Input<string>,
    addonName: EksAddonName,
    kubernetesVersion: KubernetesVersion,
    ctx: AwsContext,
    extra: Partial<aws.eks.AddonArgs>,
    opts: pulumi.CustomResourceOptions,
): aws.eks.Addon {
    return new aws.eks.Addon(
        name,
        {
            clusterName,
            addonName,
            addonVersion: kubernetesReleases[kubernetesVersion].eksAddons[addonName],
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: { ...ctx.tags },
            ...extra,
        },
        opts,
    );
}

/**
 * An IAM role for one Kubernetes service account through IRSA, with one AWS managed policy.
 * Each add-on gets its own role (CIS EKS 5.2.1); nothing is granted to the node role instead.
 */
export function irsaRole(
    name: string,
    ctx: AwsContext,
    oidc: OidcProvider,
    serviceAccount: { namespace: string; name: string },
    managedPolicy: string,
    parent: pulumi.Resource,
): aws.iam.Role {
    const role = new aws.iam.Role(
        name,
        {
            name: `${ctx.name}-${serviceAccount.name}`,
            assumeRolePolicy: pulumi
                .all([oidc.arn, oidc.issuer])
                .apply(([arn, url]) => JSON.stringify(serviceAccountTrust(arn, url, serviceAccount.namespace, serviceAccount.name))),
            tags: { ...ctx.tags },
        },
        { parent },
    );
    new aws.iam.RolePolicyAttachment(
        name,
        { role: role.name, policyArn: ctx.partition.apply((p) => managedPolicyArn(p, managedPolicy)) },
        { parent },
    );
    return role;
}

/**
 * An IAM role for one Kubernetes service account through EKS Pod Identity, with an inline
 * policy of exactly what that workload needs (CIS EKS 5.2.1: one role per add-on). Returns the
 * association, created after the role's policy: the workload's pods must wait for it, because
 * credentials are injected when a pod is created and only if the association exists then
 * (EKS Pod Identity docs; aws/containers-roadmap#2507; checked by src/plan/deploy-order.ts).
 */
export function podIdentityRole(
    name: string,
    ctx: AwsContext,
    clusterName: pulumi.Input<string>,
    serviceAccount: { namespace: string; name: string },
    document: pulumi.Input<PolicyDocument>,
    parent: pulumi.Resource,
): aws.eks.PodIdentityAssociation {
    const role = new aws.iam.Role(
        name,
        {
            name: `${ctx.name}-${serviceAccount.name}`,
            assumeRolePolicy: JSON.stringify(
                policy({ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }),
            ),
            tags: { ...ctx.tags },
        },
        { parent },
    );
    const rights = new aws.iam.RolePolicy(
        name,
        { role: role.id, policy: pulumi.output(document).apply((d) => JSON.stringify(d)) },
        { parent },
    );
    // After the role's rights, so that waiting for the association means waiting for both.
    return new aws.eks.PodIdentityAssociation(
        name,
        { clusterName, namespace: serviceAccount.namespace, serviceAccount: serviceAccount.name, roleArn: role.arn, tags: { ...ctx.tags } },
        { parent, dependsOn: [rights] },
    );
}
