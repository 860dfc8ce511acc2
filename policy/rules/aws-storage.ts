import type { PolicyResource } from "@pulumi/policy";
import { wildcardPrincipal } from "./aws-cluster";
import { dependsOn, get, isTrue, json, label, list, ofTypes, PlatformPolicy, resourceRule, stackRule } from "./common";

/** Registries and buckets: scanning, immutability, encryption, lifecycle, no public access (SECURITY.md 8, 12). */

export const ecrRepository = "aws:ecr/repository:Repository";
const ecrLifecyclePolicy = "aws:ecr/lifecyclePolicy:LifecyclePolicy";
const ecrRepositoryPolicy = "aws:ecr/repositoryPolicy:RepositoryPolicy";
/** Bucket types across @pulumi/aws v6 and v7 (v7's Bucket has the former BucketV2 shape). */
export const bucketTypes = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const publicAccessBlock = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const encryptionTypes = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const versioningTypes = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
const publicAccessFlags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/** Resources of `types` that configure `target`: they depend on it, or name it in `key`. */
function configuring(resources: PolicyResource[], target: PolicyResource, key: string, types: string[]): PolicyResource[] {
    const name = target.props.name ?? target.props.bucket;
    return ofTypes(resources, ...types).filter((r) => dependsOn(r, target) || (name !== undefined && r.props[key] === name));
}

const kmsAlgorithms = ["aws:kms", "aws:kms:dsse"];

export const awsStorageRules: PlatformPolicy[] = [
    resourceRule({
        id: "ecr-scan-on-push",
        level: "mandatory",
        sources: ["CKV_AWS_163", "Security Hub ECR.1"],
        items: [8],
        summary: "ECR repositories scan every image on push.",
        types: [ecrRepository],
        check: (props, { report }) => {
            if (get(props, "imageScanningConfiguration.scanOnPush") !== true) {
                report("ECR repository does not scan images on push: set imageScanningConfiguration.scanOnPush: true.");
            }
        },
    }),
    resourceRule({
        id: "ecr-immutable-tags",
        level: "mandatory",
        sources: ["CKV_AWS_51", "Security Hub ECR.2"],
        items: [8],
        summary: "ECR image tags are immutable, so a deployed tag always means the same image.",
        types: [ecrRepository],
        check: (props, { report }) => {
            if (!String(props.imageTagMutability ?? "MUTABLE").startsWith("IMMUTABLE")) {
                report('ECR repository tags are mutable: set imageTagMutability: "IMMUTABLE".');
            }
        },
    }),
    resourceRule({
        id: "ecr-kms-encryption",
        level: "mandatory",
        sources: ["CKV_AWS_136"],
        items: [8],
        summary: "ECR repositories are encrypted with a customer-managed KMS key.",
        types: [ecrRepository],
        check: (props, { report }) => {
            const config = list(props.encryptionConfigurations)[0];
            if (get(config, "encryptionType") !== "KMS")
                report('ECR repository is not KMS-encrypted: set encryptionConfigurations [{ encryptionType: "KMS", kmsKey }].');
            else if (!get(config, "kmsKey")) report("ECR repository uses the AWS-managed KMS key: set kmsKey to a customer-managed key.");
        },
    }),
    stackRule({
        id: "ecr-lifecycle-policy",
        level: "mandatory",
        sources: ["Security Hub ECR.3"],
        items: [8],
        summary: "Every ECR repository has a lifecycle policy.",
        check: (resources, { report }) => {
            for (const repo of ofTypes(resources, ecrRepository)) {
                if (configuring(resources, repo, "repository", [ecrLifecyclePolicy]).length === 0)
                    report(`${label(repo)} has no lifecycle policy.`, repo);
            }
        },
    }),
    resourceRule({
        id: "ecr-no-public-policy",
        level: "mandatory",
        sources: ["CKV_AWS_32", "CIS EKS 5.1.1"],
        items: [8],
        summary: "No ECR repository policy grants access to everyone.",
        types: [ecrRepositoryPolicy],
        check: (props, { report }) => {
            for (const s of list(json(props.policy)?.Statement)) {
                if (s?.Effect === "Allow" && wildcardPrincipal(s.Principal))
                    report('ECR repository policy allows the wildcard principal "*": the repository would be public.');
            }
        },
    }),
    stackRule({
        id: "s3-public-access-block",
        level: "mandatory",
        sources: ["CKV2_AWS_6", "Security Hub S3.8"],
        items: [12],
        summary: "Every S3 bucket has a public access block with all four settings on.",
        check: (resources, { report }) => {
            for (const bucket of ofTypes(resources, ...bucketTypes)) {
                const blocks = configuring(resources, bucket, "bucket", [publicAccessBlock]);
                if (blocks.length === 0) report(`${label(bucket)} has no public access block.`, bucket);
                for (const block of blocks) {
                    const off = publicAccessFlags.filter((f) => block.props[f] !== true);
                    if (off.length > 0) report(`${label(bucket)} public access block leaves ${off.join(", ")} off.`, block);
                }
            }
        },
    }),
    stackRule({
        id: "s3-kms-encryption",
        level: "mandatory",
        sources: ["CKV_AWS_145", "CKV_AWS_19"],
        items: [12],
        summary: "Every S3 bucket encrypts objects by default with KMS.",
        check: (resources, { report }) => {
            for (const bucket of ofTypes(resources, ...bucketTypes)) {
                const configs = configuring(resources, bucket, "bucket", encryptionTypes).map((c) => c.props);
                const inline = bucket.props.serverSideEncryptionConfiguration;
                const algorithms = [...configs, ...(inline ? [inline] : [])].flatMap((c) =>
                    list(c.rules ?? c.rule).map((r) => get(r, "applyServerSideEncryptionByDefault.sseAlgorithm")),
                );
                if (algorithms.length === 0) report(`${label(bucket)} has no default encryption configuration.`, bucket);
                else if (!algorithms.some((a) => kmsAlgorithms.includes(a)))
                    report(`${label(bucket)} default encryption is ${algorithms[0]}, not aws:kms.`, bucket);
            }
        },
    }),
    stackRule({
        id: "s3-versioning",
        level: "mandatory",
        sources: ["CKV_AWS_21"],
        items: [12],
        summary: "Every S3 bucket keeps object versions.",
        check: (resources, { report }) => {
            for (const bucket of ofTypes(resources, ...bucketTypes)) {
                const configs = configuring(resources, bucket, "bucket", versioningTypes);
                const enabled =
                    configs.some((c) => get(c.props, "versioningConfiguration.status") === "Enabled") ||
                    isTrue(get(bucket.props, "versioning.enabled"));
                if (!enabled) report(`${label(bucket)} does not have versioning enabled.`, bucket);
            }
        },
    }),
];
