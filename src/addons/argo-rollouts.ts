import * as k8s from "@pulumi/kubernetes";
import { podIdentityRole } from "../aws/eks-addon";
import { policy, PolicyDocument } from "../aws/iam";
import { poolLabel } from "../aws/node-pools";
import { charts, PlatformConfig } from "../config";
import { allow, apiServerAddresses, notInternet } from "../k8s/network-policies";
import { clusterAnalysisTemplates } from "../monitoring/analysis";
import { Addon, AddonContext, helmRelease, serviceNamespace } from "./contract";

/*
 * Argo Rollouts (issue 21, design §2.3 and §4.2): progressive delivery for the services and models
 * the apps deploy. Traffic is split by the AWS Load Balancer Controller's weighted target groups
 * (Rollout `trafficRouting.alb`), no service mesh; canaries are judged by the SLO
 * ClusterAnalysisTemplates (src/monitoring/analysis.ts), which this add-on creates.
 *
 * Chart argoproj/argo-helm charts/argo-rollouts 2.41.0 (appVersion v1.9.0): values.yaml
 * (`controller.awsVerifyTargetGroup`, `dashboard.readonly`, `dashboard.ingress`, `controller.pdb`),
 * templates/_helpers.tpl (labels app.kubernetes.io/name: argo-rollouts, component
 * rollouts-controller / rollouts-dashboard), ports 8090 (controller metrics) and 3100 (dashboard).
 */

export const rolloutsNamespace = "argo-rollouts";
export const rolloutsLabels = {
    controller: { "app.kubernetes.io/name": "argo-rollouts", "app.kubernetes.io/component": "rollouts-controller" },
    dashboard: { "app.kubernetes.io/name": "argo-rollouts", "app.kubernetes.io/component": "rollouts-dashboard" },
};
export const rolloutsPorts = { metrics: 8090, dashboard: 3100 } as const;
const serviceAccount = { namespace: rolloutsNamespace, name: "argo-rollouts" };

/** Requests and limits (CPU cores, memory MiB) and replicas; the namespace quota is summed from them. */
const sizes = {
    controller: { replicas: 2, cpu: [0.1, 1], memoryMiB: [128, 512] },
    dashboard: { replicas: 1, cpu: [0.05, 0.5], memoryMiB: [64, 256] },
} as const;
type Component = keyof typeof sizes;
const resources = (c: Component) => ({
    requests: { cpu: `${sizes[c].cpu[0] * 1000}m`, memory: `${sizes[c].memoryMiB[0]}Mi` },
    limits: { cpu: `${sizes[c].cpu[1] * 1000}m`, memory: `${sizes[c].memoryMiB[1]}Mi` },
});

/** Limits × replicas, doubled for a rolling update's surge. */
export function rolloutsQuota() {
    const all = Object.values(sizes);
    const sum = (f: (s: (typeof all)[number]) => number) => all.reduce((t, s) => t + f(s) * s.replicas, 0);
    return {
        cpu: Math.ceil(2 * sum((s) => s.cpu[1])),
        memoryGiB: Math.ceil((2 * sum((s) => s.memoryMiB[1])) / 1024),
        gpus: 0,
        pods: 2 * sum(() => 1) + 2,
        persistentVolumeClaims: 0,
        storageGiB: 0,
    };
}

/**
 * What `--aws-verify-target-group` needs: read the ALB's target groups, listeners and rules to
 * confirm a weight and the new pods' registration before it moves on (argo-rollouts v1.9.0
 * docs/features/traffic-management/alb.md, "AWS TargetGroup Verification": exactly these six
 * actions). Describe calls have no resource-level permissions.
 */
export function rolloutsControllerPolicy(): PolicyDocument {
    return policy({
        Sid: "VerifyTargetGroups",
        Effect: "Allow",
        Action: [
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeRules",
            "elasticloadbalancing:DescribeTags",
            "elasticloadbalancing:DescribeTargetHealth",
        ],
        Resource: "*",
    });
}

/** The dashboard's host and address: TLS at the internal ALB, as ArgoCD and Grafana. */
export const rolloutsHost = (domain: string) => `rollouts.${domain}`;
export const rolloutsUrl = (domain: string) => `https://${rolloutsHost(domain)}`;

/** The chart's values: controller HA on the system pool verifying target groups; a read-only dashboard behind the internal ALB. */
export function rolloutsValues(config: PlatformConfig) {
    const onSystemPool = { nodeSelector: { [poolLabel]: "system" } };
    const spread = (component: string) => [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { "app.kubernetes.io/name": "argo-rollouts", "app.kubernetes.io/component": component } },
        },
    ];
    return {
        // CRDs stay when the release goes: deleting them would delete every Rollout (and its pods).
        installCRDs: true,
        keepCRDs: true,
        serviceAccount: { create: true, name: serviceAccount.name },
        controller: {
            ...onSystemPool,
            replicas: sizes.controller.replicas,
            resources: resources("controller"),
            topologySpreadConstraints: spread("rollouts-controller"),
            pdb: { enabled: true, minAvailable: 1 },
            // Before each weight change and promotion, check the ALB really sends it (alb.md).
            awsVerifyTargetGroup: true,
            metrics: { enabled: true },
        },
        // Only the ALB controller is used: no RBAC for meshes and gateways the platform does not run.
        providerRBAC: {
            enabled: true,
            providers: {
                istio: false,
                smi: false,
                ambassador: false,
                awsLoadBalancerController: true,
                awsAppMesh: false,
                traefik: false,
                apisix: false,
                contour: false,
                glooPlatform: false,
                gatewayAPI: false,
            },
        },
        dashboard: {
            enabled: true,
            // The dashboard has no login: read-only, so promote and abort go through kubectl and RBAC.
            readonly: true,
            ...onSystemPool,
            replicas: sizes.dashboard.replicas,
            resources: resources("dashboard"),
            containerSecurityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
            ingress: {
                enabled: true,
                ingressClassName: "alb",
                hosts: [rolloutsHost(config.domain)],
                annotations: {
                    "alb.ingress.kubernetes.io/scheme": "internal",
                    "alb.ingress.kubernetes.io/target-type": "ip",
                    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
                    "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    // The certificate is found in ACM by host name (a certificate for rollouts.<domain> must exist).
                },
            },
        },
    };
}

/**
 * Argo Rollouts: pinned chart in its own namespace (Pod Security restricted, quota, default deny
 * and only the allows below), a Pod Identity role for target-group verification, and the
 * platform's ClusterAnalysisTemplates once the CRDs exist.
 */
export const argoRollouts: Addon = {
    id: "argo-rollouts",
    // The dashboard Ingress goes through the ALB controller's webhook.
    needs: ["aws-load-balancer-controller"],
    deploy(context: AddonContext, opts) {
        const { config, network } = context;
        const parent = opts.parent;
        const controller = { matchLabels: rolloutsLabels.controller };
        const ns = serviceNamespace(
            rolloutsNamespace,
            context,
            {
                quota: rolloutsQuota(),
                allows: [
                    allow.apiServer(apiServerAddresses(config)),
                    allow.loadBalancers(network.internalLoadBalancerCidrs, { matchLabels: rolloutsLabels.dashboard }, [
                        rolloutsPorts.dashboard,
                    ]),
                    allow.monitoringScrape(network.monitoringNamespace, [rolloutsPorts.metrics]),
                    // Analyses query Prometheus.
                    allow.toNamespaces("allow-prometheus-queries", [network.monitoringNamespace], [9090]),
                    // Target-group verification: the ELB API over HTTPS, with Pod Identity credentials.
                    allow.podIdentityAgent(controller),
                    allow.httpsEgress("allow-elb-api", controller, notInternet(config)),
                ],
            },
            { parent, dependsOn: opts.after },
        );
        const role = podIdentityRole(
            "argo-rollouts",
            context.aws,
            context.cluster.name,
            serviceAccount,
            rolloutsControllerPolicy(),
            parent,
        );
        const release = helmRelease("argo-rollouts", charts.argoRollouts, rolloutsNamespace, rolloutsValues(config), {
            parent,
            dependsOn: [...opts.dependsOn, ns, role],
        });
        for (const template of clusterAnalysisTemplates(config.slo, network.monitoringNamespace, config.rollouts.changeWindow)) {
            new k8s.apiextensions.CustomResource(`analysis-${template.metadata.name}`, template, { parent, dependsOn: [release] });
        }
        return release;
    },
};
