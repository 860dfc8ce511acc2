import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { AwsContext } from "./context";
import { podIdentityRole } from "./eks-addon";
import { policy, PolicyDocument, Statement } from "./iam";
import { kmsKey } from "./kms";

/** A Kubernetes service account that gets read-write access to some buckets through Pod Identity. */
export interface BucketConsumer {
    /** Stable Pulumi name of its role. */
    id: string;
    serviceAccount: { namespace: string; name: string };
    buckets: string[];
    /** Buckets made elsewhere (another environment's backups) it may read: full S3 names. */
    readBuckets?: string[];
    /** KMS keys (ARNs) of those buckets it may decrypt with. */
    decryptKeys?: string[];
}

export interface BucketsArgs {
    ctx: AwsContext;
    clusterName: pulumi.Input<string>;
    objectStore: PlatformConfig["objectStore"];
    backup: PlatformConfig["postgresql"]["backup"];
    consumers: BucketConsumer[];
    /** Pulumi name of the buckets' KMS key (and alias suffix). Default: object-store. */
    keyName?: string;
}

/** Cloud name of a configured bucket: `ml-platform-<environment>-<bucket>` (S3 names are global). */
export function bucketName(ctxName: string, bucket: string): string {
    return `${ctxName}-${bucket}`;
}

/** Days old object versions are kept before S3 expires them (recovery from an overwrite or delete). */
export const noncurrentVersionDays = 30;
/** Days beyond the backup retention before S3 expires a backup file barman-cloud has not deleted itself. */
export const backupExpiryMarginDays = 7;

/**
 * Lifecycle rules of a bucket: unfinished multipart uploads go after 7 days, old versions after
 * {@link noncurrentVersionDays}; the backup bucket also expires current objects a week after the
 * backup retention, as barman-cloud recommends (its own retention deletes them first).
 */
export function lifecycleRules(bucket: string, backup: BucketsArgs["backup"]): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
        { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
        {
            id: "expire-old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: noncurrentVersionDays },
        },
    ];
    if (bucket === "postgres-backups" && backup.enabled && backup.retentionDays !== undefined) {
        rules.push({
            id: "expire-after-retention",
            status: "Enabled",
            filter: {},
            expiration: { days: backup.retentionDays + backupExpiryMarginDays },
        });
    }
    return rules;
}

/** Read-write on the given buckets' objects and use of their key; nothing else (CIS EKS 5.2.1). */
export function bucketAccessPolicy(bucketArns: string[], keyArn: string): PolicyDocument {
    return policy(
        { Sid: "ListBuckets", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArns },
        {
            Sid: "ReadWriteObjects",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: bucketArns.map((a) => `${a}/*`),
        },
        { Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: keyArn },
    );
}

/** Read-only access to buckets made elsewhere (restoring another environment's backups) and use of their keys. */
export function bucketReadStatements(partition: string, buckets: readonly string[], keys: readonly string[]): Statement[] {
    const arns = buckets.map((b) => `arn:${partition}:s3:::${b}`);
    return [
        ...(arns.length
            ? [
                  { Sid: "ListSourceBuckets", Effect: "Allow" as const, Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: arns },
                  { Sid: "ReadSourceObjects", Effect: "Allow" as const, Action: ["s3:GetObject"], Resource: arns.map((a) => `${a}/*`) },
              ]
            : []),
        ...(keys.length ? [{ Sid: "DecryptSourceObjects", Effect: "Allow" as const, Action: ["kms:Decrypt"], Resource: [...keys] }] : []),
    ];
}

/** Denies every request that does not use TLS (Security Hub S3.5). */
export function tlsOnlyPolicy(bucketArn: string): PolicyDocument {
    return policy({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
}

/**
 * The object store as S3 (objectStore.kind s3): the configured buckets with all four public
 * access blocks, KMS encryption with a key of their own, versioning, lifecycle rules and a
 * TLS-only policy (SECURITY.md 12). Buckets are protected and retained where stateful resources
 * are, and never force-destroyed, so neither destroy nor a rename deletes data (item 30).
 * Consumers get Pod Identity roles limited to their buckets.
 */
export class Buckets extends pulumi.ComponentResource {
    /** Cloud bucket name by configured bucket. */
    readonly names: Record<string, string> = {};
    readonly arns: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: BucketsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Buckets", name, {}, opts);
        const { ctx } = args;
        const description = args.keyName ? `${ctx.name} ${args.keyName} bucket` : `${ctx.name} object store buckets`;
        const key = kmsKey(args.keyName ?? "object-store", ctx, { description }, { parent: this });
        const keep = { parent: this, protect: ctx.protect, retainOnDelete: ctx.protect };
        for (const bucket of args.objectStore.buckets) {
            const id = `${name}-${bucket}`;
            const b = new aws.s3.Bucket(
                id,
                { bucket: bucketName(ctx.name, bucket), forceDestroy: false, tags: { ...ctx.tags, Name: bucketName(ctx.name, bucket) } },
                keep,
            );
            const child = { parent: this, dependsOn: [b] };
            new aws.s3.BucketPublicAccessBlock(
                id,
                { bucket: b.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
                child,
            );
            new aws.s3.BucketServerSideEncryptionConfiguration(
                id,
                {
                    bucket: b.bucket,
                    rules: [
                        {
                            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
                            bucketKeyEnabled: true,
                        },
                    ],
                },
                child,
            );
            const versioning = new aws.s3.BucketVersioning(id, { bucket: b.bucket, versioningConfiguration: { status: "Enabled" } }, child);
            // Lifecycle rules on noncurrent versions need versioning first.
            new aws.s3.BucketLifecycleConfiguration(
                id,
                { bucket: b.bucket, rules: lifecycleRules(bucket, args.backup) },
                { parent: this, dependsOn: [b, versioning] },
            );
            new aws.s3.BucketPolicy(id, { bucket: b.bucket, policy: b.arn.apply((arn) => JSON.stringify(tlsOnlyPolicy(arn))) }, child);
            this.names[bucket] = bucketName(ctx.name, bucket);
            this.arns[bucket] = b.arn;
        }
        for (const consumer of args.consumers) {
            const arns = consumer.buckets.filter((b) => this.arns[b]).map((b) => this.arns[b]);
            if (arns.length === 0 && !consumer.readBuckets?.length) continue;
            const document = pulumi.all([pulumi.all(arns), key.arn, ctx.partition]).apply(([a, k, partition]) => {
                const own = a.length ? bucketAccessPolicy(a, k).Statement : [];
                return policy(...own, ...bucketReadStatements(partition, consumer.readBuckets ?? [], consumer.decryptKeys ?? []));
            });
            podIdentityRole(consumer.id, ctx, args.clusterName, consumer.serviceAccount, document, this);
        }
        this.registerOutputs({ names: this.names });
    }
}
