/**
 * Limits and reserved names of AWS and Kubernetes that stack config must respect, as data: the
 * config rules (`rules-limits.ts`) refuse a stack file that breaks one before any resource is
 * registered, instead of letting AWS or the API server refuse it halfway through `pulumi up`.
 * Each fact cites where it comes from.
 */

/**
 * Retention values CloudWatch Logs accepts, in days (PutRetentionPolicy, `retentionInDays`, "Valid
 * Values": https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 */
export const cloudWatchRetentionDays = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * Availability-zone letters per region (AWS Regions and Zones,
 * https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html).
 * Letters map to physical zones per account, and a few regions offer new accounts only some of the
 * letters listed (us-west-1, ap-northeast-1): the table lists every letter that exists, so a zone
 * outside it exists in no account. A region missing here is refused; add it with its letters.
 */
export const regionZones: Readonly<Record<string, string>> = {
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-1": "abc",
    "us-west-2": "abcd",
    "ca-central-1": "abd",
    "ca-west-1": "abc",
    "mx-central-1": "abc",
    "sa-east-1": "abc",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-west-3": "abc",
    "eu-central-1": "abc",
    "eu-central-2": "abc",
    "eu-north-1": "abc",
    "eu-south-1": "abc",
    "eu-south-2": "abc",
    "il-central-1": "abc",
    "me-south-1": "abc",
    "me-central-1": "abc",
    "af-south-1": "abc",
    "ap-east-1": "abc",
    "ap-south-1": "abc",
    "ap-south-2": "abc",
    "ap-northeast-1": "acd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-southeast-3": "abc",
    "ap-southeast-4": "abc",
    "ap-southeast-5": "abc",
    "ap-southeast-7": "abc",
    "us-gov-west-1": "abc",
    "us-gov-east-1": "abc",
};

/**
 * Namespaces Kubernetes itself owns (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/,
 * "Initial namespaces"; the `kube-` prefix is reserved for Kubernetes system namespaces) and the
 * ones this program creates for its own services (`src/addons/*`, `src/secrets/*`; a test keeps
 * this list equal to the namespaces the program registers that the stack file does not name).
 */
export const kubernetesNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;
export const platformServiceNamespaces = [
    "argo-rollouts",
    "argo-workflows",
    "argocd",
    "cert-manager",
    "cnpg-system",
    "karpenter",
    "keda",
    "metrics-server",
    "minio-operator",
    "platform-data",
    "sealed-secrets",
] as const;

/** AWS and EKS limits the composed names and lists must fit. */
export const awsLimits = {
    /** EKS CreateNodegroup `nodegroupName`: 1–63 characters. */
    nodegroupName: 63,
    /** EC2 launch template description: 255 characters. */
    launchTemplateDescription: 255,
    /** S3 bucket names: 3–63 characters (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
    bucketName: 63,
    /** ECR repository names: 2–256 characters. */
    repositoryName: 256,
    /** Tag keys: 128 characters; values 256 (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html). */
    tagKey: 128,
    tagValue: 256,
    /** EKS service quota "Public endpoint access CIDR ranges per cluster". */
    publicAccessCidrs: 40,
    /** EKS managed node groups: "a maximum of 50 taints per node group" (node-taints-managed-node-groups.html). */
    taintsPerNodegroup: 50,
    /** EC2 Auto Scaling groups carry at most 50 tags; the scale-from-zero template tags are some of them. */
    tagsPerResource: 50,
} as const;

/**
 * S3 bucket name endings AWS reserves (bucket naming rules: `-s3alias` for access point aliases,
 * `--ol-s3` for Object Lambda, `--x-s3` for directory buckets, `--table-s3` for table buckets).
 */
export const reservedBucketSuffixes = ["-s3alias", "--ol-s3", "--x-s3", "--table-s3"] as const;

/**
 * Label key prefixes a kubelet may set on its own node (the NodeRestriction admission plugin and
 * kubelet's `--node-labels` check, kubernetes/kubernetes pkg/kubelet/apis/well_known_labels.go):
 * any other `kubernetes.io` or `k8s.io` key makes the kubelet refuse to start.
 */
export const kubeletLabelPrefixes = ["kubelet.kubernetes.io/", "node.kubernetes.io/"] as const;
export const kubeletLabelKeys = [
    "kubernetes.io/hostname",
    "kubernetes.io/instance-type",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/instance-type",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "node.kubernetes.io/instance-type",
] as const;

/**
 * Config namespaces a stack file may use besides the project's: the Pulumi engine's own and the
 * providers this program uses. A key under any other namespace (`ml-platfrom:tier`) is a typo the
 * engine would pass on silently.
 */
export const providerNamespaces = ["aws", "kubernetes", "random", "tls", "pulumi"] as const;
