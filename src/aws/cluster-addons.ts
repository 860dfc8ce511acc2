import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./cluster";
import { AwsContext } from "./context";
import { irsaRole, managedAddon } from "./eks-addon";

export interface ClusterAddonsArgs {
    ctx: AwsContext;
    cluster: Cluster;
    /** The node groups: these add-ons run as Deployments and only become healthy on nodes. */
    nodeGroups: aws.eks.NodeGroup[];
}

/** EKS managed add-ons that need nodes: CoreDNS and the EBS CSI driver (with its own IRSA role). */
export class ClusterAddons extends pulumi.ComponentResource {
    readonly ebsCsiDriver: aws.eks.Addon;

    constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:ClusterAddons", name, {}, opts);
        const { ctx, cluster } = args;
        const afterNodes = { parent: this, dependsOn: args.nodeGroups };
        managedAddon(`${name}-coredns`, cluster.name, "coredns", cluster.kubernetesVersion, ctx, {}, afterNodes);
        const ebsRole = irsaRole(
            `${name}-ebs-csi`,
            ctx,
            cluster.oidc,
            { namespace: "kube-system", name: "ebs-csi-controller-sa" },
            "service-role/AmazonEBSCSIDriverPolicy",
            this,
        );
        this.ebsCsiDriver = managedAddon(
            `${name}-aws-ebs-csi-driver`,
            cluster.name,
            "aws-ebs-csi-driver",
            cluster.kubernetesVersion,
            ctx,
            { serviceAccountRoleArn: ebsRole.arn },
            afterNodes,
        );
        this.registerOutputs({});
    }
}
