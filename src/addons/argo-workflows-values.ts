import { bucketName } from "../aws/buckets";
import { poolLabel } from "../aws/node-pools";
import { PlatformConfig } from "../config";
import { namespacesOfKind } from "../k8s/baseline";
import { allow, apiServerAddresses, notInternet, objectStoreClientLabel, PolicySpec, tcp } from "../k8s/network-policies";
import { AddonContext } from "./contract";
import { dataNamespace, dataPorts } from "./data-namespace";
import { objectStoreFacts } from "./object-store";
import { databases, postgresHosts } from "./postgresql";

/**
 * Argo Workflows (issue 20, SPEC §4): chart `argo-workflows` 1.0.18 (Argo Workflows v4.0.6) from
 * argoproj/argo-helm; values as read in charts/argo-workflows/values.yaml at tag argo-workflows-1.0.18.
 * Controller and server run in their own namespace on the system pool; workflow pods run only in the
 * mlops namespaces; the archive is a database of the CloudNativePG cluster; artifacts go to the
 * object store's `workflow-artifacts` bucket.
 */
export const argoWorkflowsNamespace = "argo-workflows";
export const workflowServiceAccount = "argo-workflow";
/** Pod labels of the chart (templates/_helpers.tpl selectorLabels: `<chart name>-<component name>`). */
export const argoWorkflowsLabels = {
    controller: { "app.kubernetes.io/name": "argo-workflows-workflow-controller" },
    server: { "app.kubernetes.io/name": "argo-workflows-server" },
};
/** The label Argo Workflows puts on every workflow pod (the workflow's name). */
export const workflowPodLabel = "workflows.argoproj.io/workflow";
export const argoWorkflowsPorts = { server: 2746, metrics: 9090 };
export const archiveSecret = "argo-workflows-postgres";
const archiveDatabase = "argo_workflows" satisfies keyof typeof databases;
export const archiveRole = databases[archiveDatabase].owner;
export const artifactBucket = "workflow-artifacts";
/** MinIO only: the Secret with the artifact user's keys and the data CA, in each mlops namespace. */
export const artifactsMinioSecret = "workflow-artifacts-minio";
/** MinIO only: the user allowed the `workflow-artifacts` bucket only (made by the `minio-user-argo-workflows` Job). */
export const artifactsMinioUser = "argo-workflows";

/** Requests and limits (CPU cores, memory MiB) of the chart's two workloads and of the executor's init/wait containers. */
export const argoWorkflowsSizes = {
    controller: { cpu: [0.1, 1], memoryMiB: [256, 1024] },
    server: { cpu: [0.05, 0.5], memoryMiB: [128, 512] },
    executor: { cpu: [0.05, 0.5], memoryMiB: [64, 256] },
} as const;
const resources = (c: keyof typeof argoWorkflowsSizes) => ({
    requests: { cpu: `${argoWorkflowsSizes[c].cpu[0] * 1000}m`, memory: `${argoWorkflowsSizes[c].memoryMiB[0]}Mi` },
    limits: { cpu: `${argoWorkflowsSizes[c].cpu[1] * 1000}m`, memory: `${argoWorkflowsSizes[c].memoryMiB[1]}Mi` },
});

/** Namespace quota: limits of every pod, doubled for a rolling update. */
export function argoWorkflowsQuota(a: PlatformConfig["argoWorkflows"]) {
    const s = argoWorkflowsSizes;
    const cpu = a.controllerReplicas * s.controller.cpu[1] + a.serverReplicas * s.server.cpu[1];
    const mem = a.controllerReplicas * s.controller.memoryMiB[1] + a.serverReplicas * s.server.memoryMiB[1];
    return {
        cpu: Math.ceil(2 * cpu),
        memoryGiB: Math.ceil((2 * mem) / 1024),
        gpus: 0,
        pods: 2 * (a.controllerReplicas + a.serverReplicas) + 2,
        persistentVolumeClaims: 0,
        storageGiB: 0,
    };
}

/** Restricted Pod Security for the executor's init and wait containers and the chart's pods (PSS restricted, SECURITY.md 21). */
export const restrictedContainer = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};
/** Pod-level security every workflow pod gets (workflowDefaults): argoexec runs as 8737 (its image's user). */
export const workflowPodSecurity = {
    runAsNonRoot: true,
    runAsUser: 8737,
    runAsGroup: 8737,
    fsGroup: 8737,
    seccompProfile: { type: "RuntimeDefault" },
};

/** The UI's host and address: TLS at the internal ALB. */
export const workflowsHost = (domain: string) => `workflows.${domain}`;
export const workflowsUrl = (domain: string) => `https://${workflowsHost(domain)}`;

/**
 * The artifact repository every mlops namespace uses (ConfigMap `artifact-repositories`, key
 * `default`: the controller looks it up in the workflow's namespace, docs/artifact-repository-ref.md
 * at v4.0.6). S3: the workflow service account's Pod Identity (useSDKCreds, no keys). MinIO: the
 * tenant's TLS endpoint, its CA and an access key from the namespace's Secret `workflow-artifacts-minio`.
 */
export function artifactRepository(config: PlatformConfig, ctxName: string): Record<string, unknown> {
    const facts = objectStoreFacts(config, ctxName);
    const keyFormat = "{{workflow.namespace}}/{{workflow.name}}/{{pod.name}}";
    if (facts.kind === "s3") {
        return {
            archiveLogs: true,
            s3: {
                bucket: bucketName(ctxName, artifactBucket),
                endpoint: `s3.${config.region}.amazonaws.com`,
                region: config.region,
                insecure: false,
                useSDKCreds: true,
                keyFormat,
            },
        };
    }
    return {
        archiveLogs: true,
        s3: {
            bucket: facts.bucketNames[artifactBucket],
            endpoint: `minio.${dataNamespace}.svc:443`,
            insecure: false,
            caSecret: { name: artifactsMinioSecret, key: "ca.crt" },
            accessKeySecret: { name: artifactsMinioSecret, key: "accesskey" },
            secretKeySecret: { name: artifactsMinioSecret, key: "secretkey" },
            keyFormat,
        },
    };
}

/** The chart's values, from config only. */
export function argoWorkflowsValues(config: PlatformConfig) {
    const a = config.argoWorkflows;
    const mlops = namespacesOfKind(config, "mlops");
    const onSystemPool = { nodeSelector: { [poolLabel]: "system" } };
    const spread = (labels: Record<string, string>) => [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: labels },
        },
    ];
    const pg = postgresHosts();
    const host = workflowsHost(config.domain);
    const sso = a.authModes.includes("sso") && a.sso;
    return {
        // The full CRDs come by a hook Job that downloads them from GitHub: no internet in prod, so the chart's own (minimal) ones.
        crds: { install: true, keep: true, full: false },
        // Aggregating into admin/edit/view would let anyone with `edit` anywhere submit workflows.
        createAggregateRoles: false,
        images: { pullPolicy: "IfNotPresent" },
        workflow: { serviceAccount: { create: true, name: workflowServiceAccount }, rbac: { create: true } },
        controller: {
            ...onSystemPool,
            replicas: a.controllerReplicas,
            pdb: { enabled: a.controllerReplicas > 1, minAvailable: 1 },
            topologySpreadConstraints: spread(argoWorkflowsLabels.controller),
            resources: resources("controller"),
            podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            securityContext: restrictedContainer,
            // Service accounts, Roles and RoleBindings for workflow pods exist in these namespaces only.
            workflowNamespaces: mlops,
            metricsConfig: { enabled: true, port: argoWorkflowsPorts.metrics, secure: false },
            persistence: {
                archive: true,
                archiveTTL: `${a.archiveTtlDays}d`,
                nodeStatusOffLoad: true,
                postgresql: {
                    host: pg.readWrite,
                    port: dataPorts.postgres,
                    database: archiveDatabase,
                    tableName: "argo_workflows",
                    userNameSecret: { name: archiveSecret, key: "username" },
                    passwordSecret: { name: archiveSecret, key: "password" },
                    // CloudNativePG rejects plain connections (pg_hba hostnossl reject).
                    ssl: true,
                    sslMode: "require",
                },
            },
            workflowDefaults: {
                spec: {
                    serviceAccountName: workflowServiceAccount,
                    securityContext: workflowPodSecurity,
                    podGC: { strategy: "OnPodCompletion", deleteDelayDuration: "10m" },
                    ttlStrategy: { secondsAfterCompletion: 7 * 24 * 3600 },
                    // With kind s3 the pods reach S3 under restricted egress only with the object-store client label.
                    ...(config.objectStore.kind === "s3" ? { podMetadata: { labels: objectStoreClientLabel } } : {}),
                },
            },
            clusterWorkflowTemplates: { enabled: true },
        },
        executor: { resources: resources("executor"), securityContext: restrictedContainer },
        server: {
            ...onSystemPool,
            replicas: a.serverReplicas,
            pdb: { enabled: a.serverReplicas > 1, minAvailable: 1 },
            topologySpreadConstraints: spread(argoWorkflowsLabels.server),
            resources: resources("server"),
            podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            securityContext: { ...restrictedContainer, readOnlyRootFilesystem: false },
            // TLS ends at the load balancer.
            secure: false,
            authModes: a.authModes,
            clusterWorkflowTemplates: { enabled: true, enableEditing: false },
            ...(sso
                ? {
                      sso: {
                          enabled: true,
                          issuer: sso.issuer,
                          clientId: { name: "argo-server-sso", key: "client-id" },
                          clientSecret: { name: "argo-server-sso", key: "client-secret" },
                          redirectUrl: `${workflowsUrl(config.domain)}/oauth2/callback`,
                          scopes: sso.scopes,
                          rbac: { enabled: true, secretWhitelist: ssoAccounts.map((s) => `${s.name}.service-account-token`) },
                      },
                  }
                : {}),
            ingress: {
                enabled: true,
                ingressClassName: "alb",
                hosts: [host],
                paths: ["/"],
                pathType: "Prefix",
                annotations: {
                    "alb.ingress.kubernetes.io/scheme": "internal",
                    "alb.ingress.kubernetes.io/target-type": "ip",
                    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
                    "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    // The certificate is found in ACM by host name (a certificate for workflows.<domain> must exist).
                },
            },
        },
    };
}

/**
 * SSO RBAC (docs/argo-server-sso.md at v4.0.6): the server maps a login to a service account of its
 * namespace by the `rbac-rule` expression, highest precedence first; that account's RoleBindings in
 * the mlops namespaces decide what the user may do. Members of `sso.adminGroup` manage workflows;
 * everyone else who signs in reads.
 */
export const ssoAccounts = [
    { name: "workflows-admin", role: "edit", precedence: 10 },
    { name: "workflows-viewer", role: "view", precedence: 0 },
] as const;

/** Rules of the two workflow roles bound in each mlops namespace. */
export function workflowRoleRules(role: "edit" | "view") {
    const read = ["get", "list", "watch"];
    const write = [...read, "create", "update", "patch", "delete"];
    return [
        {
            apiGroups: ["argoproj.io"],
            resources: ["workflows", "workflowtemplates", "cronworkflows", "workfloweventbindings"],
            verbs: role === "edit" ? write : read,
        },
        { apiGroups: ["argoproj.io"], resources: ["clusterworkflowtemplates"], verbs: read },
        { apiGroups: [""], resources: ["pods", "pods/log", "events"], verbs: read },
    ];
}

/** Workflow pods reach the API: the wait container reports outputs as WorkflowTaskResults. */
export function workflowPodsApiAllow(config: PlatformConfig): PolicySpec {
    const api = apiServerAddresses(config);
    return {
        name: "allow-workflow-pods-api",
        spec: {
            podSelector: { matchExpressions: [{ key: workflowPodLabel, operator: "Exists" }] },
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ ipBlock: { cidr: `${api.serviceIp}/32` } }, ...api.controlPlaneCidrs.map((cidr) => ({ ipBlock: { cidr } }))],
                    ports: tcp([443]),
                },
            ],
        },
    };
}

/** The namespace's allows: UI through the internal ALB, the API, the archive and object store, scrapes. */
export function argoWorkflowsAllows(config: PlatformConfig, context: Pick<AddonContext, "network">): PolicySpec[] {
    const minio = config.objectStore.kind === "minio";
    return [
        allow.sameNamespace(),
        allow.apiServer(apiServerAddresses(config)),
        allow.loadBalancers(context.network.internalLoadBalancerCidrs, { matchLabels: argoWorkflowsLabels.server }, [
            argoWorkflowsPorts.server,
        ]),
        allow.monitoringScrape(context.network.monitoringNamespace, [argoWorkflowsPorts.metrics]),
        // The archive (controller writes, server reads) and, with MinIO, the server reading artifacts for the UI.
        allow.toNamespaces("allow-data-services", [dataNamespace], minio ? [dataPorts.postgres, dataPorts.minio] : [dataPorts.postgres]),
        ...(minio
            ? []
            : [
                  allow.podIdentityAgent({ matchLabels: argoWorkflowsLabels.server }),
                  allow.httpsEgress("allow-object-store-s3", { matchLabels: argoWorkflowsLabels.server }, notInternet(config)),
              ]),
    ];
}
