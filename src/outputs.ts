import * as pulumi from "@pulumi/pulumi";

/**
 * The stack-output contract: everything CI and application pipelines may read from a stack.
 * Workflows are tested to read nothing else, and the README table is tested to match.
 * Renaming or removing an output breaks consumers: add a new one and deprecate instead.
 */

export interface OutputSpec {
    /** JSON shape of the value: a string, a list of strings, or an object keyed by name. */
    type: "string" | "string[]" | "object";
    /** Secret outputs are encrypted in state and shown as [secret]; read them with --show-secrets. */
    secret: boolean;
    description: string;
}

export const outputContract = {
    environment: { type: "string", secret: false, description: "Environment name (dev, staging, prod)." },
    awsRegion: { type: "string", secret: false, description: "AWS region of the stack." },
    vpcId: { type: "string", secret: false, description: "VPC id." },
    privateSubnetIds: { type: "string[]", secret: false, description: "Private subnet ids (nodes and pods)." },
    clusterName: { type: "string", secret: false, description: "EKS cluster name (`aws eks update-kubeconfig --name`)." },
    clusterEndpoint: { type: "string", secret: false, description: "Kubernetes API endpoint URL." },
    kubeconfig: { type: "string", secret: true, description: "Kubeconfig that authenticates with `aws eks get-token`." },
    oidcProviderArn: { type: "string", secret: false, description: "IAM OIDC provider of the cluster (IRSA)." },
    nodePools: {
        type: "object",
        secret: false,
        description:
            "Node pools: name → { instanceTypes, provisioner, minSize, maxSize, gpu } (Karpenter pools: 0, 0; their cap is limits).",
    },
    registryUrls: { type: "object", secret: false, description: "ECR repositories: name → repository URL." },
    ciPreviewRoleArn: { type: "string", secret: false, description: "IAM role GitHub Actions assumes for `pulumi preview` (read-only)." },
    ciDriftRoleArn: {
        type: "string",
        secret: false,
        description: "IAM role the drift job assumes for `pulumi preview --refresh` (read-only, main branch only).",
    },
    ciDeployRoleArn: {
        type: "string",
        secret: false,
        description: "IAM role GitHub Actions assumes for `pulumi up` (environment-scoped).",
    },
    ciImagePushRoleArn: {
        type: "string",
        secret: false,
        description: "IAM role application pipelines assume to push to this environment's registries.",
    },
    gitopsRepoUrl: { type: "string", secret: false, description: "GitOps repository ArgoCD watches." },
    gitopsPath: { type: "string", secret: false, description: "Path of this environment's applications in the GitOps repository." },
    sealedSecretsCert: {
        type: "string",
        secret: false,
        description: "PEM certificate of the active Sealed Secrets key: `kubeseal --cert` seals GitOps secrets offline.",
    },
    argocdUrl: { type: "string", secret: false, description: "ArgoCD web UI and API (`https://argocd.<domain>`)." },
    grafanaUrl: { type: "string", secret: false, description: "Grafana web UI (`https://grafana.<domain>`)." },
    mlflowUrl: {
        type: "string",
        secret: false,
        description: "MLflow UI and REST API through the internal ALB (`https://mlflow.<domain>`).",
    },
    mlflowTrackingUri: {
        type: "string",
        secret: false,
        description: "MLFLOW_TRACKING_URI for in-cluster clients in the MLOps namespaces, e.g. `http://mlflow.platform-mlops.svc`.",
    },
    workflowsUrl: { type: "string", secret: false, description: "Argo Workflows UI and API (`https://workflows.<domain>`)." },
    postgresHost: {
        type: "string",
        secret: false,
        description: "PostgreSQL read-write service host (TLS required), e.g. `postgres-rw.platform-data.svc`.",
    },
    postgresReadOnlyHost: { type: "string", secret: false, description: "PostgreSQL read-only service host (replicas; TLS required)." },
    objectStoreEndpoint: {
        type: "string",
        secret: false,
        description: "S3 endpoint URL of the object store: the MinIO tenant's TLS service, or the regional S3 endpoint.",
    },
    bucketNames: { type: "object", secret: false, description: "Object store buckets: configured name → actual bucket name." },
} as const satisfies Record<string, OutputSpec>;

export type OutputName = keyof typeof outputContract;

/**
 * Builds the stack's exports from exactly the contract's outputs, marking the secret ones secret
 * so they can never appear in plain text in state, logs or CI.
 */
export function stackOutputs(values: { [K in OutputName]: pulumi.Input<unknown> }): Record<OutputName, pulumi.Output<unknown>> {
    const result = {} as Record<OutputName, pulumi.Output<unknown>>;
    for (const name of Object.keys(outputContract) as OutputName[]) {
        const value = pulumi.output(values[name]);
        result[name] = outputContract[name].secret ? pulumi.secret(value) : value;
    }
    return result;
}
