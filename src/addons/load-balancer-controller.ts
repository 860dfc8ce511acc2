import { podIdentityRole } from "../aws/eks-addon";
import { poolLabel } from "../aws/node-pools";
import { charts } from "../config";
import { Addon, helmRelease } from "./contract";
import { loadBalancerControllerPolicy } from "./load-balancer-controller-policy";

export { loadBalancerControllerPolicy };

const serviceAccount = { namespace: "kube-system", name: "aws-load-balancer-controller" };

/**
 * The label a `type: LoadBalancer` Service carries to be defaulted to this controller's NLBs by its
 * Service webhook (or set `spec.loadBalancerClass: service.k8s.aws/nlb` yourself).
 */
export const loadBalancerServiceLabel = { "platform.company.io/aws-load-balancer": "true" };
/**
 * AWS Load Balancer Controller (pinned, own Pod Identity role): ALBs in IP mode for the
 * platform's web UIs (ingress-nginx is retired upstream). Two replicas on the system pool.
 */
export const loadBalancerController: Addon = {
    id: "aws-load-balancer-controller",
    needs: [],
    deploy({ aws, cluster, vpcId }, opts) {
        const role = podIdentityRole(
            "aws-load-balancer-controller",
            aws,
            cluster.name,
            serviceAccount,
            loadBalancerControllerPolicy(),
            opts.parent,
        );
        return helmRelease(
            "aws-load-balancer-controller",
            charts.awsLoadBalancerController,
            serviceAccount.namespace,
            {
                clusterName: cluster.name,
                region: aws.region,
                vpcId,
                replicaCount: 2,
                serviceAccount: { create: true, name: serviceAccount.name },
                nodeSelector: { [poolLabel]: "system" },
                podDisruptionBudget: { maxUnavailable: 1 },
                // The Service webhook (failurePolicy Fail, every Service CREATE by default) only for
                // Services that ask for this controller: otherwise every release starting beside this
                // one could have its Services refused before the controller is ready (src/plan/deploy-order.ts).
                serviceMutatorWebhookConfig: { objectSelector: { matchLabels: loadBalancerServiceLabel } },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            },
            { parent: opts.parent, dependsOn: [...opts.dependsOn, role] },
        );
    },
};
