import { podIdentityRole } from "../aws/eks-addon";
import { policy, PolicyDocument } from "../aws/iam";
import { poolLabel } from "../aws/node-pools";
import { charts, images, kubernetesReleases } from "../config";
import { Addon, helmRelease } from "./contract";

const serviceAccount = { namespace: "kube-system", name: "cluster-autoscaler" };

/**
 * The autoscaler's rights: read Auto Scaling, EC2 and node-group facts (how it learns a node
 * template at zero), and change only groups tagged as this cluster's (the tags EKS puts on
 * managed node groups).
 */
export function autoscalerPolicy(clusterName: string): PolicyDocument {
    return policy(
        {
            Sid: "Discover",
            Effect: "Allow",
            Action: [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            Resource: "*",
        },
        {
            Sid: "ScaleOwnGroups",
            Effect: "Allow",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resource: "*",
            Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
        },
    );
}

/**
 * cluster-autoscaler (pinned chart and image), on the system pool, discovering node groups by
 * their tags; with the node-template tags of the AWS layer it scales the GPU pool up from zero.
 */
export const clusterAutoscaler: Addon = {
    id: "cluster-autoscaler",
    needs: [],
    deploy({ aws, cluster, config }, opts) {
        const role = podIdentityRole("cluster-autoscaler", aws, cluster.name, serviceAccount, autoscalerPolicy(aws.name), opts.parent);
        return helmRelease(
            "cluster-autoscaler",
            charts.clusterAutoscaler,
            serviceAccount.namespace,
            {
                cloudProvider: "aws",
                awsRegion: config.region,
                autoDiscovery: { clusterName: cluster.name },
                image: { ...images.clusterAutoscaler, tag: kubernetesReleases[config.cluster.kubernetesVersion].clusterAutoscalerTag },
                rbac: { serviceAccount: { create: true, name: serviceAccount.name } },
                nodeSelector: { [poolLabel]: "system" },
                priorityClassName: "system-cluster-critical",
                extraArgs: { "balance-similar-node-groups": true, expander: "least-waste", "skip-nodes-with-local-storage": false },
                resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { cpu: "500m", memory: "600Mi" } },
                containerSecurityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                },
            },
            { parent: opts.parent, dependsOn: [...opts.dependsOn, role] },
        );
    },
};
