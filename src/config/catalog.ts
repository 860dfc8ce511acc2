/**
 * Fixed facts the platform relies on: supported versions, instance shapes, GPU AMI facts.
 * This is the only place versions are pinned; stack files choose among these values.
 */

/** EKS Kubernetes versions this program is tested against (CKV_AWS_339: a supported version is pinned). */
export const supportedKubernetesVersions = ["1.33", "1.34", "1.35"] as const;
export type KubernetesVersion = (typeof supportedKubernetesVersions)[number];

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

/**
 * EKS managed add-on versions for the pinned Kubernetes version. Pinned, never "latest", so a
 * preview shows every add-on upgrade as a diff. Check `aws eks describe-addon-versions
 * --kubernetes-version <v> --addon-name <name>` when moving the cluster version.
 */
export const eksAddonVersions = {
    // Versions listed for Kubernetes 1.34 in the EKS add-on documentation and version tables (2026).
    "vpc-cni": "v1.21.2-eksbuild.2",
    "kube-proxy": "v1.34.6-eksbuild.2",
    coredns: "v1.13.2-eksbuild.7",
    "aws-ebs-csi-driver": "v1.62.0-eksbuild.1",
    "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
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
} as const satisfies Record<string, ChartRef>;

/**
 * Container images we pin over a chart's default. The autoscaler's minor version must match the
 * cluster's (chart 9.59 defaults to 1.35).
 */
export const images = {
    clusterAutoscaler: { repository: "registry.k8s.io/autoscaling/cluster-autoscaler", tag: "v1.34.5" },
    /** Last multi-arch community image still served by quay.io (MinIO publishes source only since Oct 2025). */
    minio: { repository: "quay.io/minio/minio", tag: "RELEASE.2025-09-07T16-13-09Z" },
    /** MinIO's client, for the Job that creates limited identities (src/addons/minio-identities.ts). */
    mc: { repository: "quay.io/minio/mc", tag: "RELEASE.2025-08-13T08-35-41Z" },
    /** PostgreSQL 18.6 (CloudNativePG's image; 1.30.0 defaults to 18.4): pinned so an operator upgrade never moves PostgreSQL. */
    postgresql: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "18.6-system-trixie" },
} as const;
