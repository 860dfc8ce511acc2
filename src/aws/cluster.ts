import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesVersion, PlatformConfig } from "../config";
import { accessGroup, clusterAccess, deployerAccess, PlatformRole } from "./access";
import { AwsContext } from "./context";
import { irsaRole, managedAddon, OidcProvider } from "./eks-addon";
import { managedPolicyArn, policy, serviceTrust } from "./iam";
import { kmsKey } from "./kms";
import { kubeconfig } from "./kubeconfig";

export interface ClusterArgs {
    ctx: AwsContext;
    cluster: PlatformConfig["cluster"];
    accessEntries: PlatformConfig["accessEntries"];
    /** Where the control plane's network interfaces go (dedicated subnets, no pods; src/aws/cidr.ts). */
    controlPlaneSubnetIds: pulumi.Input<string>[];
    /** KMS key of the environment's log groups. */
    logsKey: aws.kms.Key;
}

/** The five control-plane log types (CIS EKS 2.1.1). */
export const controlPlaneLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/**
 * The EKS control plane: envelope encryption of Secrets with its own KMS key, all control-plane
 * logs, a private endpoint (public only from listed CIDRs where config allows), access entries
 * instead of the aws-auth ConfigMap, the IRSA OIDC provider, the network add-ons nodes need to
 * become ready, and the one Kubernetes provider every Kubernetes object uses.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly oidc: OidcProvider;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** Add-ons that must run before nodes can become ready (CNI, kube-proxy, Pod Identity agent). */
    readonly networkAddons: aws.eks.Addon[];
    readonly eks: aws.eks.Cluster;
    /** The control plane's Kubernetes version; add-ons and node groups follow it (src/config/catalog.ts). */
    readonly kubernetesVersion: KubernetesVersion;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Cluster", name, {}, opts);
        const { ctx, cluster } = args;
        const parent = { parent: this };
        const clusterName = ctx.name;
        this.kubernetesVersion = cluster.kubernetesVersion;

        const role = new aws.iam.Role(
            `${name}-role`,
            { name: `${clusterName}-cluster`, assumeRolePolicy: JSON.stringify(serviceTrust("eks.amazonaws.com")), tags: { ...ctx.tags } },
            parent,
        );
        const rolePolicy = new aws.iam.RolePolicyAttachment(
            `${name}-role-cluster-policy`,
            { role: role.name, policyArn: ctx.partition.apply((p) => managedPolicyArn(p, "AmazonEKSClusterPolicy")) },
            parent,
        );

        const secretsKey = cluster.secretsEnvelopeEncryption
            ? kmsKey("eks-secrets", ctx, { description: `${clusterName} Kubernetes Secrets envelope encryption` }, parent)
            : undefined;
        const keyAccess = secretsKey
            ? new aws.iam.RolePolicy(
                  `${name}-role-secrets-key`,
                  {
                      role: role.id,
                      policy: secretsKey.arn.apply((arn) =>
                          JSON.stringify(
                              policy({
                                  Effect: "Allow",
                                  Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                                  Resource: arn,
                              }),
                          ),
                      ),
                  },
                  parent,
              )
            : undefined;

        // EKS writes to this exact name; creating it first gives it our retention and KMS key (CKV_AWS_338/158).
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane-logs`,
            {
                name: `/aws/eks/${clusterName}/cluster`,
                retentionInDays: cluster.logRetentionDays,
                kmsKeyId: args.logsKey.arn,
                tags: { ...ctx.tags },
            },
            parent,
        );

        this.eks = new aws.eks.Cluster(
            `${name}-eks`,
            {
                name: clusterName,
                version: cluster.kubernetesVersion,
                roleArn: role.arn,
                // The control plane's ENIs go into their own small subnets, apart from every pod.
                vpcConfig: {
                    subnetIds: args.controlPlaneSubnetIds,
                    endpointPrivateAccess: true,
                    endpointPublicAccess: cluster.endpointPublicAccess,
                    publicAccessCidrs: cluster.endpointPublicAccess ? [...cluster.publicAccessCidrs] : undefined,
                },
                // Pinned so that the API's ClusterIP is known to the network policies (src/k8s/reachability.ts).
                kubernetesNetworkConfig: { serviceIpv4Cidr: cluster.serviceIpv4Cidr, ipFamily: "ipv4" },
                encryptionConfig: secretsKey ? { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] } : undefined,
                enabledClusterLogTypes: controlPlaneLogTypes,
                // Access entries only: the aws-auth ConfigMap is deprecated, and nobody gets implicit admin.
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
                // The network add-ons below are EKS-managed with pinned versions instead of the unmanaged defaults.
                bootstrapSelfManagedAddons: false,
                // Standard support only: extended support costs six times as much; upgrade within the window.
                upgradePolicy: { supportType: "STANDARD" },
                deletionProtection: ctx.protect,
                tags: { ...ctx.tags },
            },
            { parent: this, dependsOn: [logGroup, rolePolicy, ...(keyAccess ? [keyAccess] : [])], protect: ctx.protect },
        );

        const issuer = this.eks.identities.apply((ids) => ids[0].oidcs?.[0]?.issuer ?? "");
        const oidc = new aws.iam.OpenIdConnectProvider(
            `${name}-oidc`,
            { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags: { ...ctx.tags } },
            parent,
        );

        this.oidc = { arn: oidc.arn, issuer };
        // The CNI runs with its own IRSA role instead of rights on every node (CIS EKS 5.2.1), and with
        // its network-policy agent on, so NetworkPolicies are enforced (CIS EKS 4.3.1).
        const cniRole = irsaRole(
            `${name}-vpc-cni`,
            ctx,
            this.oidc,
            { namespace: "kube-system", name: "aws-node" },
            "AmazonEKS_CNI_Policy",
            this,
        );
        const addon = (addonName: "vpc-cni" | "kube-proxy" | "eks-pod-identity-agent", extra: Partial<aws.eks.AddonArgs> = {}) =>
            managedAddon(`${name}-${addonName}`, this.eks.name, addonName, this.kubernetesVersion, ctx, extra, parent);
        this.networkAddons = [
            addon("vpc-cni", { serviceAccountRoleArn: cniRole.arn, configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) }),
            addon("kube-proxy"),
            addon("eks-pod-identity-agent"),
        ];

        const deployer = deployerAccess(`${name}-deployer`, this.eks, ctx, this);
        for (const [entryName, entry] of Object.entries(args.accessEntries)) {
            // cluster-admin is the one documented break-glass entry (CIS EKS 4.1.1): admin through an access policy.
            const breakGlass = entry.role === "cluster-admin";
            clusterAccess(
                `${name}-access-${entryName}`,
                ctx,
                {
                    clusterName: this.eks.name,
                    principalArn: entry.principalArn,
                    // Scoped to teams: one group per namespace; otherwise the platform-wide group.
                    kubernetesGroups: breakGlass
                        ? undefined
                        : (entry.namespaces ?? [undefined]).map((ns) => accessGroup(entry.role as PlatformRole, ns)),
                    accessPolicy: breakGlass ? "AmazonEKSClusterAdminPolicy" : undefined,
                },
                this,
            );
        }

        this.name = this.eks.name;
        this.endpoint = this.eks.endpoint;
        this.kubeconfig = pulumi.secret(
            kubeconfig({
                name: this.eks.name,
                endpoint: this.eks.endpoint,
                caData: this.eks.certificateAuthority.data,
                region: ctx.region,
            }),
        );
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            // The provider can reach the API only once the deploying identity has its access entry.
            { parent: this, dependsOn: [deployer] },
        );
        this.registerOutputs({ name: this.name, endpoint: this.endpoint });
    }
}
