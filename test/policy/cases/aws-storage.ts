import { ecrRepository } from "../../../policy/rules/aws-storage";
import { fixture, InventoryResource, RuleCases } from "../../../policy/rules/evaluate";

/** Fixtures of the registry and bucket rules; test/policy/rules.test.ts runs every case. */

const goodRepo = {
    name: "prod/mlflow",
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: "arn:aws:kms:us-east-1:123456789012:key/ecr" }],
};
const repo = (changes: Record<string, unknown> = {}) => fixture(ecrRepository, "registries-mlflow", { ...goodRepo, ...changes });
const lifecycle = (r: InventoryResource, deps = true) =>
    fixture(
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        r.name,
        { repository: deps ? "ref" : r.inputs.name, policy: "{}" },
        { dependsOn: deps ? [r] : [] },
    );
const repoPolicy = (principal: unknown) =>
    fixture("aws:ecr/repositoryPolicy:RepositoryPolicy", "registries-mlflow", {
        repository: "prod/mlflow",
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: principal, Action: ["ecr:BatchGetImage"] }],
        }),
    });

const bucket = fixture("aws:s3/bucket:Bucket", "backups", { bucket: "ml-platform-prod-backups" });
const on = (type: string, name: string, inputs: Record<string, unknown>) =>
    fixture(type, name, { bucket: "ref", ...inputs }, { dependsOn: [bucket] });
const pab = (changes: Record<string, unknown> = {}) =>
    on("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backups", {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
        ...changes,
    });
const sse = (sseAlgorithm: string) =>
    on("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backups", {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm, kmsMasterKeyId: "arn:key" } }],
    });
const versioning = (status: string) => on("aws:s3/bucketVersioning:BucketVersioning", "backups", { versioningConfiguration: { status } });

export const awsStorageCases: RuleCases = {
    "ecr-scan-on-push": {
        ok: [{ title: "scan on push", resources: [repo()] }],
        bad: [
            {
                title: "no scanning",
                resources: [repo({ imageScanningConfiguration: { scanOnPush: false } })],
                message: /does not scan images on push/,
            },
        ],
    },
    "ecr-immutable-tags": {
        ok: [{ title: "immutable", resources: [repo()] }],
        bad: [
            { title: "mutable", resources: [repo({ imageTagMutability: "MUTABLE" })], message: /tags are mutable/ },
            { title: "default (mutable)", resources: [repo({ imageTagMutability: undefined })], message: /tags are mutable/ },
        ],
    },
    "ecr-kms-encryption": {
        ok: [{ title: "customer key", resources: [repo()] }],
        bad: [
            {
                title: "AES256",
                resources: [repo({ encryptionConfigurations: [{ encryptionType: "AES256" }] })],
                message: /not KMS-encrypted/,
            },
            {
                title: "AWS-managed KMS key",
                resources: [repo({ encryptionConfigurations: [{ encryptionType: "KMS" }] })],
                message: /AWS-managed KMS key/,
            },
        ],
    },
    "ecr-lifecycle-policy": {
        ok: [
            { title: "policy depends on the repository", resources: [repo(), lifecycle(repo())] },
            { title: "policy names the repository", resources: [repo(), lifecycle(repo(), false)] },
        ],
        bad: [{ title: "no lifecycle policy", resources: [repo()], message: /Repository "registries-mlflow" has no lifecycle policy/ }],
    },
    "ecr-no-public-policy": {
        ok: [{ title: "one account", resources: [repoPolicy({ AWS: "arn:aws:iam::123456789012:root" })] }],
        bad: [{ title: "everyone", resources: [repoPolicy("*")], message: /would be public/ }],
    },
    "s3-public-access-block": {
        ok: [{ title: "all four on", resources: [bucket, pab()] }],
        bad: [
            { title: "no block", resources: [bucket], message: /has no public access block/ },
            { title: "policy block off", resources: [bucket, pab({ blockPublicPolicy: false })], message: /leaves blockPublicPolicy off/ },
        ],
    },
    "s3-kms-encryption": {
        ok: [
            { title: "aws:kms", resources: [bucket, sse("aws:kms")] },
            {
                title: "inline (v6-style) KMS rule",
                resources: [
                    fixture("aws:s3/bucketV2:BucketV2", "legacy", {
                        serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } } },
                    }),
                ],
            },
        ],
        bad: [
            { title: "no configuration", resources: [bucket], message: /has no default encryption configuration/ },
            { title: "SSE-S3 only", resources: [bucket, sse("AES256")], message: /default encryption is AES256, not aws:kms/ },
        ],
    },
    "s3-versioning": {
        ok: [{ title: "enabled", resources: [bucket, versioning("Enabled")] }],
        bad: [
            { title: "suspended", resources: [bucket, versioning("Suspended")], message: /does not have versioning enabled/ },
            { title: "never configured", resources: [bucket], message: /does not have versioning enabled/ },
        ],
    },
};
