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

/** Shape of an EC2 instance type the node pools may use. */
export interface InstanceShape {
    vcpu: number;
    memoryGiB: number;
    /** NVIDIA GPUs per instance; 0 for CPU instances. */
    gpus: number;
}

/**
 * Instance types a node pool may use. A typed table rather than a free string, so a typo fails
 * validation instead of `pulumi up`, and sizing maths (quotas, autoscaler templates, cost) have facts.
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
    "g5.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 1 },
    "g5.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 1 },
    "g5.4xlarge": { vcpu: 16, memoryGiB: 64, gpus: 1 },
    "g5.12xlarge": { vcpu: 48, memoryGiB: 192, gpus: 4 },
    "g6.xlarge": { vcpu: 4, memoryGiB: 16, gpus: 1 },
    "g6.2xlarge": { vcpu: 8, memoryGiB: 32, gpus: 1 },
    "g6.4xlarge": { vcpu: 16, memoryGiB: 64, gpus: 1 },
    "g6.12xlarge": { vcpu: 48, memoryGiB: 192, gpus: 4 },
    "g6e.xlarge": { vcpu: 4, memoryGiB: 32, gpus: 1 },
    "g6e.2xlarge": { vcpu: 8, memoryGiB: 64, gpus: 1 },
} as const satisfies Record<string, InstanceShape>;
export type InstanceType = keyof typeof instanceTypes;

/** Instance families with NVIDIA GPUs that the NVIDIA AMI types support. */
export const gpuInstanceFamilies = ["g5", "g6", "g6e"] as const;

/** The family of an instance type: `g5.xlarge` → `g5`. */
export function instanceFamily(instanceType: string): string {
    return instanceType.split(".")[0];
}

/** True when every GPU node of this type carries NVIDIA GPUs. */
export function isGpuInstanceType(instanceType: string): boolean {
    return (gpuInstanceFamilies as readonly string[]).includes(instanceFamily(instanceType));
}

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
} as const;
