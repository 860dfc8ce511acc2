import { awsContext } from "./aws/context";
import { boundaryArn, CiRoles } from "./aws/ci-roles";
import { applyPermissionsBoundary } from "./aws/permissions-boundary";
import { Cluster } from "./aws/cluster";
import { ClusterAddons } from "./aws/cluster-addons";
import { Network } from "./aws/network";
import { KarpenterInfra } from "./aws/karpenter";
import { NodePools, poolsOf } from "./aws/node-pools";
import { Registries } from "./aws/registries";
import { argocd, argocdUrl } from "./addons/argocd";
import { argoRollouts } from "./addons/argo-rollouts";
import { servingAddon } from "./addons/serving";
import { argoWorkflowsAddon, workflowsUrl } from "./addons/argo-workflows";
import { certManager } from "./addons/cert-manager";
import { clusterAutoscaler } from "./addons/cluster-autoscaler";
import { PlatformServices } from "./addons/contract";
import { awsEfaDevicePlugin, dcgmExporter, nvidiaDevicePlugin } from "./addons/gpu";
import { karpenter } from "./addons/karpenter";
import { loadBalancerController } from "./addons/load-balancer-controller";
import { keda } from "./addons/keda";
import { metricsServer } from "./addons/metrics-server";
import { mlflowAddon, mlflowTrackingUri, mlflowUrl } from "./addons/mlflow";
import { monitoringAddon } from "./addons/monitoring";
import { dataServicesNamespace } from "./addons/data-namespace";
import { objectStore, objectStoreFacts } from "./addons/object-store";
import { postgresHosts, postgresql } from "./addons/postgresql";
import { loadConfig } from "./config";
import { grafanaUrl } from "./monitoring/values";
import { Baseline, namespaceOfKind } from "./k8s/baseline";
import { SealedSecrets } from "./secrets/sealed-secrets";
import { secretsPath } from "./secrets/secrets-path";
import { stackOutputs } from "./outputs";

/*
 * Composition root: the platform reads top to bottom like its architecture diagram
 * (README.md). Config is validated before anything is registered.
 */
const config = loadConfig();
const ctx = awsContext(config);
// Every IAM role of this stack is bounded by the environment's permissions boundary (bootstrap/).
applyPermissionsBoundary(boundaryArn(ctx));

// AWS: network → cluster → node pools → add-ons that need nodes; registries and CI roles beside them.
const network = new Network("network", { ctx, network: config.network, clusterName: ctx.name });
const cluster = new Cluster("cluster", {
    ctx,
    cluster: config.cluster,
    accessEntries: config.accessEntries,
    controlPlaneSubnetIds: network.controlPlaneSubnetIds,
    logsKey: network.logsKey,
});
const nodePools = new NodePools("nodes", {
    ctx,
    pools: config.nodePools,
    clusterName: cluster.name,
    kubernetesVersion: cluster.kubernetesVersion,
    privateSubnetIds: network.privateSubnetIds,
    dependsOn: cluster.networkAddons,
});
// Pools with provisioner karpenter: its node role, access entry, interruption queue (and EFA group).
const karpenterPools = Object.keys(poolsOf(config.nodePools, "karpenter")).length > 0;
const karpenterInfra = karpenterPools
    ? new KarpenterInfra("karpenter", {
          ctx,
          pools: config.nodePools,
          clusterName: cluster.name,
          vpcId: network.vpcId,
          dependsOn: cluster.networkAddons,
      })
    : undefined;
const addons = new ClusterAddons("addons", { ctx, cluster, nodeGroups: Object.values(nodePools.nodeGroups) });
const registries = new Registries("registries", { ctx, registries: config.registries });
const ci = new CiRoles("ci", {
    ctx,
    ci: config.ci,
    environment: config.environment,
    cluster: cluster.eks,
    repositories: Object.values(registries.repositories),
    registryKeyArn: registries.keyArn,
});

// Kubernetes: namespaces with quotas, Pod Security and network policies, RBAC, storage.
const baseline = new Baseline("baseline", {
    config,
    provider: cluster.provider,
    loadBalancerCidrs: network.publicCidrs,
});

// Secrets: Sealed Secrets with the program's keys, then the one path every platform secret takes.
const monitoringNamespace = namespaceOfKind(config, "monitoring");
const sealedSecrets = new SealedSecrets(
    "sealed-secrets",
    { config, protect: ctx.protect, monitoringNamespace, after: [addons] },
    { providers: { kubernetes: cluster.provider } },
);
const secrets = secretsPath(config.secrets.mode, sealedSecrets);

// Platform services in the order their typed dependencies give; GPU plumbing only where a GPU pool exists.
const hasGpuPool = Object.values(config.nodePools).some((p) => p.gpu);
const hasEfaPool = Object.values(config.nodePools).some((p) => p.efa);
new PlatformServices("services", {
    context: {
        config,
        aws: ctx,
        cluster,
        provider: cluster.provider,
        vpcId: network.vpcId,
        secrets,
        network: {
            loadBalancerCidrs: network.publicCidrs,
            internalLoadBalancerCidrs: network.internalLoadBalancerCidrs,
            monitoringNamespace,
        },
    },
    addons: [
        clusterAutoscaler,
        ...(karpenterInfra ? [karpenter(karpenterInfra, network.privateSubnetIds)] : []),
        loadBalancerController,
        ...(hasGpuPool ? [nvidiaDevicePlugin, dcgmExporter] : []),
        ...(hasEfaPool ? [awsEfaDevicePlugin] : []),
        certManager,
        dataServicesNamespace,
        objectStore,
        postgresql,
        argocd,
        argoRollouts,
        servingAddon(baseline),
        argoWorkflowsAddon(baseline),
        monitoringAddon([baseline]),
        metricsServer,
        keda,
        mlflowAddon(baseline),
    ],
    after: [addons],
});

export = stackOutputs({
    environment: config.environment,
    awsRegion: config.region,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    clusterName: cluster.name,
    clusterEndpoint: cluster.endpoint,
    kubeconfig: cluster.kubeconfig,
    oidcProviderArn: cluster.oidc.arn,
    nodePools: Object.fromEntries(
        Object.entries(config.nodePools).map(([name, p]) => [
            name,
            { instanceTypes: p.instanceTypes, provisioner: p.provisioner, minSize: p.minSize ?? 0, maxSize: p.maxSize ?? 0, gpu: p.gpu },
        ]),
    ),
    registryUrls: registries.urls,
    ciPreviewRoleArn: ci.arns.preview,
    ciDriftRoleArn: ci.arns.drift,
    ciDeployRoleArn: ci.arns.deploy,
    ciImagePushRoleArn: ci.arns.imagePush,
    gitopsRepoUrl: config.gitops.repoUrl,
    gitopsPath: config.gitops.path,
    sealedSecretsCert: sealedSecrets.certificate,
    postgresHost: postgresHosts().readWrite,
    postgresReadOnlyHost: postgresHosts().readOnly,
    objectStoreEndpoint: objectStoreFacts(config, ctx.name).endpoint,
    bucketNames: objectStoreFacts(config, ctx.name).bucketNames,
    argocdUrl: argocdUrl(config.domain),
    grafanaUrl: grafanaUrl(config.domain),
    mlflowUrl: mlflowUrl(config.domain),
    mlflowTrackingUri: mlflowTrackingUri(config),
    workflowsUrl: workflowsUrl(config.domain),
});
