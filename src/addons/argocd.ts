import * as k8s from "@pulumi/kubernetes";
import { poolLabel } from "../aws/node-pools";
import { charts, PlatformConfig } from "../config";
import { namespacesOfKind } from "../k8s/baseline";
import { allow, apiServerAddresses, notInternet } from "../k8s/network-policies";
import { generatedCredential, generatedPassword } from "../secrets/credentials";
import { Addon, AddonContext, helmRelease, serviceNamespace } from "./contract";

export const argocdNamespace = "argocd";
const inCluster = "https://kubernetes.default.svc";
/** Metrics ports: application controller, server, repo-server, ApplicationSet controller, notifications. */
const metricsPorts = [8082, 8083, 8084, 8080, 9001];

/** Requests and limits per component (CPU cores, memory MiB); the namespace quota is summed from them. */
const sizes = {
    server: { cpu: [0.1, 1], memoryMiB: [256, 512] },
    repoServer: { cpu: [0.25, 2], memoryMiB: [512, 2048] },
    controller: { cpu: [0.5, 2], memoryMiB: [1024, 4096] },
    applicationSet: { cpu: [0.05, 0.5], memoryMiB: [128, 512] },
    notifications: { cpu: [0.05, 0.5], memoryMiB: [64, 256] },
    redis: { cpu: [0.1, 0.5], memoryMiB: [128, 512] },
} as const;
type Component = keyof typeof sizes;

const resources = (c: Component) => ({
    requests: { cpu: `${sizes[c].cpu[0] * 1000}m`, memory: `${sizes[c].memoryMiB[0]}Mi` },
    limits: { cpu: `${sizes[c].cpu[1] * 1000}m`, memory: `${sizes[c].memoryMiB[1]}Mi` },
});

/** How many pods of each component the environment runs (SPEC §4: HA in prod, from config). */
export function argocdReplicas(a: PlatformConfig["argocd"]): Record<Component, number> {
    return {
        server: a.serverReplicas,
        repoServer: a.repoServerReplicas,
        controller: a.controllerShards,
        applicationSet: a.highAvailability ? 2 : 1,
        notifications: 1,
        // redis-ha: three redis+sentinel pods and three HAProxy pods (counted as six redis-sized pods).
        redis: a.highAvailability ? 6 : 1,
    };
}

/**
 * The namespace quota: every component's limits times its replicas, doubled so a rolling update
 * (surge) and the chart's hook jobs fit.
 */
export function argocdQuota(a: PlatformConfig["argocd"]) {
    const replicas = argocdReplicas(a);
    const sum = (f: (c: Component) => number) => (Object.keys(sizes) as Component[]).reduce((t, c) => t + f(c) * replicas[c], 0);
    const pods = sum(() => 1);
    return {
        cpu: Math.ceil(2 * sum((c) => sizes[c].cpu[1])),
        memoryGiB: Math.ceil((2 * sum((c) => sizes[c].memoryMiB[1])) / 1024),
        gpus: 0,
        pods: 2 * pods + 5,
        persistentVolumeClaims: 0,
        storageGiB: 0,
    };
}

const spreadOverZones = (component: string) => [
    {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { "app.kubernetes.io/name": `argocd-${component}` } },
    },
];

/** The chart's values: HA from config, read-only default RBAC, admins from the configured group, UI behind the ALB. */
export function argocdValues(config: PlatformConfig) {
    const a = config.argocd;
    const replicas = argocdReplicas(a);
    const onSystemPool = { nodeSelector: { [poolLabel]: "system" } };
    const component = <E extends object>(c: Component, name: string, extra = {} as E) => ({
        ...onSystemPool,
        replicas: replicas[c],
        resources: resources(c),
        pdb: { enabled: replicas[c] > 1, minAvailable: 1 },
        topologySpreadConstraints: spreadOverZones(name),
        ...extra,
    });
    const host = argocdHost(config.domain);
    return {
        global: { domain: host },
        crds: { keep: true },
        configs: {
            // TLS ends at the load balancer; the server speaks HTTP inside the cluster.
            params: { "server.insecure": true },
            cm: { "admin.enabled": true, "exec.enabled": false, "users.anonymous.enabled": false },
            rbac: {
                "policy.default": "role:readonly",
                "policy.csv": `g, ${a.adminGroup}, role:admin\n`,
                scopes: "[groups]",
            },
            // The admin password and server key come from the secrets path (argocd-secret), not the chart.
            secret: { createSecret: false },
        },
        dex: { enabled: false },
        server: component("server", "server", {
            ingress: {
                enabled: true,
                controller: "aws",
                ingressClassName: "alb",
                hostname: host,
                annotations: {
                    "alb.ingress.kubernetes.io/scheme": "internal",
                    "alb.ingress.kubernetes.io/target-type": "ip",
                    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
                    "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    // The certificate is found in ACM by host name (a certificate for argocd.<domain> must exist).
                },
                aws: { serviceType: "ClusterIP", backendProtocolVersion: "GRPC" },
            },
        }),
        repoServer: component("repoServer", "repo-server"),
        controller: component("controller", "application-controller"),
        applicationSet: component("applicationSet", "applicationset-controller"),
        notifications: { ...onSystemPool, resources: resources("notifications") },
        redis: { enabled: !a.highAvailability, resources: resources("redis"), ...onSystemPool },
        // redis-ha keeps its pods on separate nodes: it may use any untainted node, not only the two system nodes.
        "redis-ha": {
            enabled: a.highAvailability,
            redis: { resources: resources("redis") },
            sentinel: { resources: resources("redis") },
            haproxy: { resources: resources("redis"), podDisruptionBudget: { minAvailable: 1 } },
            podDisruptionBudget: { minAvailable: 2 },
            topologySpreadConstraints: { enabled: true, whenUnsatisfiable: "ScheduleAnyway" },
        },
    };
}

/** An AppProject that allows the GitOps repository only, into the listed namespaces of this cluster only. */
export function appProject(name: string, description: string, config: PlatformConfig, namespaces: string[], extra: object = {}) {
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AppProject",
        metadata: { name, namespace: argocdNamespace },
        spec: {
            description,
            sourceRepos: [config.gitops.repoUrl],
            destinations: namespaces.map((namespace) => ({ server: inCluster, namespace })),
            // Nothing cluster-wide; and tenants cannot remove the baseline's guardrails.
            clusterResourceWhitelist: [],
            namespaceResourceBlacklist: [
                { group: "", kind: "ResourceQuota" },
                { group: "", kind: "LimitRange" },
                { group: "networking.k8s.io", kind: "NetworkPolicy" },
            ],
            ...extra,
        },
    };
}

/** The projects: `platform` holds only the root app (Applications in argocd); `<env>-apps` deploys into the tenant namespaces. */
export function appProjects(config: PlatformConfig) {
    const tenants = [...namespacesOfKind(config, "workload"), ...namespacesOfKind(config, "mlops")];
    return [
        appProject("platform", "The root app-of-apps: creates this environment's Applications, nothing else.", config, [argocdNamespace], {
            namespaceResourceWhitelist: [{ group: "argoproj.io", kind: "Application" }],
        }),
        appProject(`${config.environment}-apps`, `Applications of ${config.environment}, into its tenant namespaces.`, config, tenants),
    ];
}

/**
 * Argo CD's built-in `default` project, locked: no source, no destination, nothing cluster-wide,
 * so an Application in it (anyone who can commit one to the GitOps path) can deploy nothing
 * (SECURITY.md 25). Argo CD creates `default` only when it is missing, so it keeps ours; the
 * provider applies it server-side and takes over the fields Argo CD set (`patchForce`).
 */
export function lockedDefaultProject() {
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AppProject",
        metadata: { name: "default", namespace: argocdNamespace, annotations: { "pulumi.com/patchForce": "true" } },
        spec: {
            description: "Locked: allows no source and no destination. Use the platform and <env>-apps projects.",
            sourceRepos: [],
            destinations: [],
            clusterResourceWhitelist: [],
            namespaceResourceWhitelist: [],
        },
    };
}

/** The root app-of-apps: the environment's path in the GitOps repository, synced automatically where config says so. */
export function rootApplication(config: PlatformConfig) {
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name: `${config.environment}-root`, namespace: argocdNamespace },
        spec: {
            project: "platform",
            source: { repoURL: config.gitops.repoUrl, targetRevision: config.gitops.revision, path: config.gitops.path },
            destination: { server: inCluster, namespace: argocdNamespace },
            syncPolicy: config.gitops.autoSync ? { automated: { prune: true, selfHeal: true } } : {},
        },
    };
}

/**
 * ArgoCD (SPEC §4, SECURITY.md 25): pinned chart in its own namespace; admin password and server
 * key generated and delivered by the secrets path; the two restricted projects; the root app.
 */
export const argocd: Addon = {
    id: "argocd",
    needs: ["aws-load-balancer-controller"],
    deploy(context: AddonContext, opts) {
        const { config } = context;
        const parent = opts.parent;
        const ns = serviceNamespace(
            argocdNamespace,
            context,
            {
                quota: argocdQuota(config.argocd),
                allows: [
                    allow.sameNamespace(),
                    allow.apiServer(apiServerAddresses(config)),
                    // The UI's ALB is internal: its addresses are in the private subnets.
                    allow.loadBalancers(
                        context.network.internalLoadBalancerCidrs,
                        { matchLabels: { "app.kubernetes.io/name": "argocd-server" } },
                        [8080],
                    ),
                    allow.monitoringScrape(context.network.monitoringNamespace, metricsPorts),
                    // Git over HTTPS: the repo-server only.
                    allow.httpsEgress(
                        "allow-git-egress",
                        { matchLabels: { "app.kubernetes.io/name": "argocd-repo-server" } },
                        notInternet(config),
                    ),
                ],
            },
            { parent, dependsOn: opts.dependsOn },
        );
        const admin = generatedCredential("argocd-admin", { parent });
        const secret = context.secrets.deliver(
            "argocd-secret",
            {
                name: "argocd-secret",
                namespace: argocdNamespace,
                labels: { "app.kubernetes.io/name": "argocd-secret", "app.kubernetes.io/part-of": "argocd" },
                data: {
                    "admin.password": admin.bcryptHash,
                    // A fixed mtime: a new one would log everyone out on every deploy.
                    "admin.passwordMtime": "2026-01-01T00:00:00Z",
                    "server.secretkey": generatedPassword("argocd-server-key", { parent }),
                },
            },
            { parent, dependsOn: [ns] },
        );
        const release = helmRelease("argocd", charts.argoCd, argocdNamespace, argocdValues(config), {
            parent,
            dependsOn: [...opts.dependsOn, ns, secret],
        });
        const afterRelease = { parent, dependsOn: [release] };
        const projects = appProjects(config).map(
            (p) => new k8s.apiextensions.CustomResource(`argocd-project-${p.metadata.name}`, p, afterRelease),
        );
        // Retained on delete: a deleted `default` comes back unrestricted (Argo CD recreates it).
        new k8s.apiextensions.CustomResource("argocd-project-default", lockedDefaultProject(), { ...afterRelease, retainOnDelete: true });
        const root = rootApplication(config);
        new k8s.apiextensions.CustomResource(root.metadata.name, root, { parent, dependsOn: [release, ...projects] });
        return release;
    },
};

/** The UI's host and address: TLS at the load balancer. */
const argocdHost = (domain: string) => `argocd.${domain}`;
export const argocdUrl = (domain: string) => `https://${argocdHost(domain)}`;
