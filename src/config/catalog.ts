/**
 * Fixed facts the platform relies on: supported versions, instance shapes, GPU AMI facts.
 * This is the only place versions are pinned; stack files choose among these values.
 */

/** The EKS managed add-ons the program installs, each pinned per Kubernetes version. */
export const eksAddonNames = ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "eks-pod-identity-agent"] as const;
export type EksAddonName = (typeof eksAddonNames)[number];

/** What goes with one Kubernetes minor version: EKS add-on versions and version-bound images. */
export interface KubernetesRelease {
    /** EKS managed add-on versions for this cluster version (never "latest": a preview shows each move). */
    eksAddons: Record<EksAddonName, string>;
    /** cluster-autoscaler image tag: its minor must equal the cluster's (autoscaler README, "Releases"). */
    clusterAutoscalerTag: string;
}

/**
 * The catalog of Kubernetes versions this program can run, and what goes with each. A cluster
 * upgrade is one config line (`cluster.kubernetesVersion`); the add-ons and the autoscaler follow
 * from this table, and `npm run diff` shows the order (control plane, add-ons, node groups).
 * kube-proxy versions: EKS user guide, "Manage kube-proxy", add-on table (2026). CoreDNS, VPC CNI,
 * EBS CSI and Pod Identity agent versions support several cluster versions (EKS user guide add-on
 * pages); check `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>`
 * before adding a version. Autoscaler tags: kubernetes/autoscaler releases.
 */
export const kubernetesReleases = {
    "1.33": {
        eksAddons: {
            "vpc-cni": "v1.21.2-eksbuild.2",
            "kube-proxy": "v1.33.10-eksbuild.2",
            coredns: "v1.13.2-eksbuild.7",
            "aws-ebs-csi-driver": "v1.62.0-eksbuild.1",
            "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
        },
        clusterAutoscalerTag: "v1.33.3",
    },
    "1.34": {
        eksAddons: {
            "vpc-cni": "v1.21.2-eksbuild.2",
            "kube-proxy": "v1.34.6-eksbuild.2",
            coredns: "v1.13.2-eksbuild.7",
            "aws-ebs-csi-driver": "v1.62.0-eksbuild.1",
            "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
        },
        clusterAutoscalerTag: "v1.34.5",
    },
    "1.35": {
        eksAddons: {
            "vpc-cni": "v1.21.2-eksbuild.2",
            "kube-proxy": "v1.35.3-eksbuild.2",
            coredns: "v1.13.2-eksbuild.7",
            "aws-ebs-csi-driver": "v1.62.0-eksbuild.1",
            "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
        },
        clusterAutoscalerTag: "v1.35.0",
    },
} as const satisfies Record<string, KubernetesRelease>;

/** EKS Kubernetes versions this program is tested against (CKV_AWS_339: a supported version is pinned): the catalog's keys. */
export const supportedKubernetesVersions = Object.keys(kubernetesReleases) as [
    keyof typeof kubernetesReleases,
    ...(keyof typeof kubernetesReleases)[],
];
export type KubernetesVersion = keyof typeof kubernetesReleases;

/** The NVIDIA GPU of a GPU instance type (AWS "Accelerated computing instances" specifications page, 2026). */
export interface GpuFacts {
    /** NVIDIA model, as DCGM and the `nvidia.com/gpu.product` label name it, shortened. */
    model: "A10G" | "L4" | "L40S" | "A100" | "H100" | "H200";
    /** Memory of one GPU, GiB. */
    memoryGiB: number;
    /** Multi-Instance GPU: only the data-centre parts (A100, H100, H200; NVIDIA MIG user guide, "Supported GPUs"). */
    mig: boolean;
}

/** Shape of an EC2 instance type the node pools may use. */
export interface InstanceShape {
    vcpu: number;
    memoryGiB: number;
    /** NVIDIA GPUs per instance; 0 for CPU instances. */
    gpus: number;
    /** The GPU's facts, for every type with gpus > 0. */
    gpu?: GpuFacts;
    /**
     * Elastic Fabric Adapter interfaces the type takes (its network cards; AWS EC2 user guide,
     * "Elastic Fabric Adapter", supported instance types and "Network cards"); 0 or absent: no EFA.
     */
    efaInterfaces?: number;
}

const a10g: GpuFacts = { model: "A10G", memoryGiB: 24, mig: false };
const l4: GpuFacts = { model: "L4", memoryGiB: 24, mig: false };
const l40s: GpuFacts = { model: "L40S", memoryGiB: 48, mig: false };
const a100: GpuFacts = { model: "A100", memoryGiB: 40, mig: true };
const h100: GpuFacts = { model: "H100", memoryGiB: 80, mig: true };
const h200: GpuFacts = { model: "H200", memoryGiB: 141, mig: true };

/**
 * Instance types a node pool may use. A typed table rather than a free string, so a typo fails
 * validation instead of `pulumi up`, and sizing maths (quotas, autoscaler templates, Karpenter
 * limits, cost) have facts. Adding a type is this one entry (plus its price per region in
 * prices.ts; a type without a price in the stack's region is a config error before any output).
 * GPU shapes: AWS EC2 "Accelerated computing" specifications (G5, G6, G6e, P4d, P5, P5e, P5en).
 */
export const instanceTypes = {
    "t3.large": { vcpu: 2, memoryGiB: 8, gpus: 0 },
    "t3.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 0 },
    "m6i.large": { vcpu: 2, memoryGiB: 8, gpus: 0 },
    "m6i.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 0 },
    "m6i.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 0 },
    "m6i.4xlarge": { vcpu: 16, memoryGiB: 64, gpus: 0 },
    "m7i.large": { vcpu: 2, memoryGiB: 8, gpus: 0 },
    "m7i.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 0 },
    "m7i.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 0 },
    "m7i.4xlarge": { vcpu: 16, memoryGiB: 64, gpus: 0 },
    "r6i.xlarge": { vcpu: 4, memoryGiB: 32, gpus: 0 },
    "r6i.2xlarge": { vcpu: 8, memoryGiB: 64, gpus: 0 },
    "c6i.xlarge": { vcpu: 4, memoryGiB: 8, gpus: 0 },
    "c6i.2xlarge": { vcpu: 8, memoryGiB: 16, gpus: 0 },
    "g5.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 1, gpu: a10g },
    "g5.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 1, gpu: a10g },
    "g5.4xlarge": { vcpu: 16, memoryGiB: 64, gpus: 1, gpu: a10g },
    "g5.8xlarge": { vcpu: 32, memoryGiB: 128, gpus: 1, gpu: a10g, efaInterfaces: 1 },
    "g5.12xlarge": { vcpu: 48, memoryGiB: 192, gpus: 4, gpu: a10g, efaInterfaces: 1 },
    "g5.16xlarge": { vcpu: 64, memoryGiB: 256, gpus: 1, gpu: a10g, efaInterfaces: 1 },
    "g5.24xlarge": { vcpu: 96, memoryGiB: 384, gpus: 4, gpu: a10g, efaInterfaces: 1 },
    "g5.48xlarge": { vcpu: 192, memoryGiB: 768, gpus: 8, gpu: a10g, efaInterfaces: 1 },
    "g6.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 1, gpu: l4 },
    "g6.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 1, gpu: l4 },
    "g6.4xlarge": { vcpu: 16, memoryGiB: 64, gpus: 1, gpu: l4 },
    "g6.8xlarge": { vcpu: 32, memoryGiB: 128, gpus: 1, gpu: l4, efaInterfaces: 1 },
    "g6.12xlarge": { vcpu: 48, memoryGiB: 192, gpus: 4, gpu: l4, efaInterfaces: 1 },
    "g6.16xlarge": { vcpu: 64, memoryGiB: 256, gpus: 1, gpu: l4, efaInterfaces: 1 },
    "g6.24xlarge": { vcpu: 96, memoryGiB: 384, gpus: 4, gpu: l4, efaInterfaces: 1 },
    "g6.48xlarge": { vcpu: 192, memoryGiB: 768, gpus: 8, gpu: l4, efaInterfaces: 1 },
    "g6e.xlarge": { vcpu: 4, memoryGiB: 32, gpus: 1, gpu: l40s },
    "g6e.2xlarge": { vcpu: 8, memoryGiB: 64, gpus: 1, gpu: l40s },
    "g6e.4xlarge": { vcpu: 16, memoryGiB: 128, gpus: 1, gpu: l40s },
    "g6e.8xlarge": { vcpu: 32, memoryGiB: 256, gpus: 1, gpu: l40s, efaInterfaces: 1 },
    "g6e.12xlarge": { vcpu: 48, memoryGiB: 384, gpus: 4, gpu: l40s, efaInterfaces: 1 },
    "g6e.16xlarge": { vcpu: 64, memoryGiB: 512, gpus: 1, gpu: l40s, efaInterfaces: 1 },
    "g6e.24xlarge": { vcpu: 96, memoryGiB: 768, gpus: 4, gpu: l40s, efaInterfaces: 2 },
    "g6e.48xlarge": { vcpu: 192, memoryGiB: 1536, gpus: 8, gpu: l40s, efaInterfaces: 4 },
    "p4d.24xlarge": { vcpu: 96, memoryGiB: 1152, gpus: 8, gpu: a100, efaInterfaces: 4 },
    "p5.48xlarge": { vcpu: 192, memoryGiB: 2048, gpus: 8, gpu: h100, efaInterfaces: 32 },
    "p5e.48xlarge": { vcpu: 192, memoryGiB: 2048, gpus: 8, gpu: h200, efaInterfaces: 32 },
    "p5en.48xlarge": { vcpu: 192, memoryGiB: 2048, gpus: 8, gpu: h200, efaInterfaces: 16 },
} as const satisfies Record<string, InstanceShape>;
export type InstanceType = keyof typeof instanceTypes;

/** The facts of an instance type (the widened shape, so optional GPU and EFA facts read uniformly). */
export function shapeOf(instanceType: string): InstanceShape {
    const shape = (instanceTypes as Record<string, InstanceShape>)[instanceType];
    if (!shape) throw new Error(`unknown instance type ${instanceType} (src/config/catalog.ts instanceTypes)`);
    return shape;
}

/** Instance families with NVIDIA GPUs, derived from the table (the NVIDIA AMI variants support them all). */
export const gpuInstanceFamilies = [
    ...new Set(
        Object.entries(instanceTypes as Record<string, InstanceShape>)
            .filter(([, s]) => s.gpus > 0)
            .map(([t]) => t.split(".")[0]),
    ),
];

/** The family of an instance type: `g5.xlarge` → `g5`. */
export function instanceFamily(instanceType: string): string {
    return instanceType.split(".")[0];
}

/** True when every node of this type carries NVIDIA GPUs. */
export function isGpuInstanceType(instanceType: string): boolean {
    return ((instanceTypes as Record<string, InstanceShape>)[instanceType]?.gpus ?? 0) > 0;
}

/** True when the type's GPUs can be partitioned with MIG. */
export function isMigCapable(instanceType: string): boolean {
    return (instanceTypes as Record<string, InstanceShape>)[instanceType]?.gpu?.mig === true;
}

/** EFA interfaces of the type; 0 when it has no EFA. */
export function efaInterfaces(instanceType: string): number {
    return (instanceTypes as Record<string, InstanceShape>)[instanceType]?.efaInterfaces ?? 0;
}

/**
 * MIG profiles the device plugin's `mig.strategy: single` may be asked for, per GPU model (NVIDIA
 * MIG user guide, "Supported MIG Profiles": A100 40GB, H100 80GB, H200 141GB), with the instances of
 * that profile one GPU yields (what quota and capacity count as `nvidia.com/gpu`).
 */
export const migProfiles: Record<"A100" | "H100" | "H200", Record<string, number>> = {
    A100: { "1g.5gb": 7, "2g.10gb": 3, "3g.20gb": 2, "4g.20gb": 1, "7g.40gb": 1 },
    H100: { "1g.10gb": 7, "1g.20gb": 4, "2g.20gb": 3, "3g.40gb": 2, "4g.40gb": 1, "7g.80gb": 1 },
    H200: { "1g.18gb": 7, "1g.35gb": 4, "2g.35gb": 3, "3g.71gb": 2, "4g.71gb": 1, "7g.141gb": 1 },
};

/** The taint every GPU pool carries so only pods that ask for GPUs land there (SPEC §2). */
export const gpuTaint = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const;

/**
 * EKS managed node group AMI types. AL2 AMIs end with Kubernetes 1.32, so CPU pools run AL2023
 * and GPU pools the AL2023 NVIDIA variant, which ships the driver and container toolkit (not the
 * device plugin, which the baseline installs).
 */
export const amiTypes = {
    cpu: "AL2023_x86_64_STANDARD",
    gpu: "AL2023_x86_64_NVIDIA",
} as const;

/**
 * The AMI Karpenter nodes boot: the EKS-optimised AL2023 family at a pinned release (EC2NodeClass
 * `amiSelectorTerms[].alias`, "family@version"; "latest" would roll every node on each AMI release).
 * For the al2023 alias Karpenter picks the NVIDIA variant for GPU instance types itself
 * (aws/karpenter-provider-aws pkg/providers/amifamily/al2023.go, v1.14.1). Update with the EKS AMI
 * releases (awslabs/amazon-eks-ami releases); the rollout then follows the NodePool disruption budgets.
 */
export const karpenterAmiAlias = "al2023@v20260811";

/** A Helm chart at a pinned version (CKV_K8S_43: never an unpinned chart). */
export interface ChartRef {
    chart: string;
    version: string;
    repo: string;
}

/** Helm charts the platform installs, pinned; versions as published in each chart repository's index (2026). */
export const charts = {
    clusterAutoscaler: { chart: "cluster-autoscaler", version: "9.59.0", repo: "https://kubernetes.github.io/autoscaler" },
    nvidiaDevicePlugin: { chart: "nvidia-device-plugin", version: "0.20.0", repo: "https://nvidia.github.io/k8s-device-plugin" },
    dcgmExporter: { chart: "dcgm-exporter", version: "4.8.2", repo: "https://nvidia.github.io/dcgm-exporter/helm-charts" },
    awsLoadBalancerController: { chart: "aws-load-balancer-controller", version: "3.5.0", repo: "https://aws.github.io/eks-charts" },
    /** Controller 0.36; the chart moved from the retired bitnami-labs URL. */
    sealedSecrets: { chart: "sealed-secrets", version: "2.18.5", repo: "https://bitnami.github.io/sealed-secrets" },
    /** Argo CD 3.x. */
    argoCd: { chart: "argo-cd", version: "10.1.1", repo: "https://argoproj.github.io/argo-helm" },
    /** Argo Rollouts v1.9.0 (argoproj/argo-helm charts/argo-rollouts/Chart.yaml, 2.41.0, appVersion v1.9.0). */
    argoRollouts: { chart: "argo-rollouts", version: "2.41.0", repo: "https://argoproj.github.io/argo-helm" },
    /** Prometheus Operator 0.93 with Prometheus, Alertmanager, Grafana, kube-state-metrics and node-exporter. */
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts" },
    /** cert-manager (GitHub release v1.20.1, 2026-03-27): the barman-cloud plugin's TLS and the data-plane CA. */
    certManager: { chart: "cert-manager", version: "v1.20.1", repo: "https://charts.jetstack.io" },
    /** CloudNativePG operator 1.30.0 (chart repository cloudnative-pg/charts, Chart.yaml, June 2026). */
    cloudnativePg: { chart: "cloudnative-pg", version: "0.29.0", repo: "https://cloudnative-pg.github.io/charts" },
    /** Barman Cloud CNPG-I plugin v0.13.0 (same repository, June 2026); needs cert-manager. */
    barmanCloudPlugin: { chart: "plugin-barman-cloud", version: "0.7.0", repo: "https://cloudnative-pg.github.io/charts" },
    /** MinIO operator v7.1.1: the last release; the charts are frozen and the repository archived (README, MinIO). */
    minioOperator: { chart: "operator", version: "7.1.1", repo: "https://operator.min.io" },
    /** MLflow 3.15.1 (community-charts/helm-charts tag mlflow-1.11.5, charts/mlflow/Chart.yaml appVersion). */
    mlflow: { chart: "mlflow", version: "1.11.5", repo: "https://community-charts.github.io/helm-charts" },
    /** metrics-server 0.8.1 (kubernetes-sigs/metrics-server tag metrics-server-helm-chart-3.13.1). */
    metricsServer: { chart: "metrics-server", version: "3.13.1", repo: "https://kubernetes-sigs.github.io/metrics-server" },
    /** KEDA 2.20.2 (kedacore/charts tag v2.20.2, keda/Chart.yaml). */
    keda: { chart: "keda", version: "2.20.2", repo: "https://kedacore.github.io/charts" },
    /**
     * Karpenter 1.14.1 (aws/karpenter-provider-aws, charts/karpenter/Chart.yaml at the v1.14.1 docs
     * commit 1d927085, 2026-08-21; Kubernetes 1.33–1.36 per website/content/en/docs/upgrading/compatibility.md).
     * Its CRDs (NodePool, EC2NodeClass, NodeClaim) ship in the chart's crds/ directory.
     */
    karpenter: { chart: "karpenter", version: "1.14.1", repo: "oci://public.ecr.aws/karpenter" },
    /** AWS EFA device plugin v0.5.20 (aws/eks-charts stable/aws-efa-k8s-device-plugin/Chart.yaml at 5239609, 2026-08-03). */
    awsEfaDevicePlugin: { chart: "aws-efa-k8s-device-plugin", version: "v0.5.30", repo: "https://aws.github.io/eks-charts" },
    /** Argo Workflows v4.0.6 (argoproj/argo-helm, charts/argo-workflows/Chart.yaml at tag argo-workflows-1.0.18). */
    argoWorkflows: { chart: "argo-workflows", version: "1.0.18", repo: "https://argoproj.github.io/argo-helm" },
} as const satisfies Record<string, ChartRef>;

/**
 * Container images we pin over a chart's default. The autoscaler's tag comes from
 * {@link kubernetesReleases} (its minor must match the cluster's; chart 9.59 defaults to 1.35).
 */
export const images = {
    clusterAutoscaler: { repository: "registry.k8s.io/autoscaling/cluster-autoscaler" },
    /** Last multi-arch community image still served by quay.io (MinIO publishes source only since Oct 2025). */
    minio: { repository: "quay.io/minio/minio", tag: "RELEASE.2025-09-07T16-13-09Z" },
    /** PostgreSQL 18.6 (CloudNativePG's image; 1.30.0 defaults to 18.4): pinned so an operator upgrade never moves PostgreSQL. */
    postgresql: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "18.6-system-trixie" },
    /**
     * MLflow 3.15.1 as the mlflow chart 1.11.5 ships it: the project's image (burakince/mlflow) carries
     * psycopg2 and boto3, which ghcr.io/mlflow/mlflow lacks (mlflow/mlflow#9513, open).
     */
    mlflow: { repository: "burakince/mlflow", tag: "3.15.1" },
} as const;
