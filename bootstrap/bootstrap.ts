import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    boundaryPolicyName,
    bootstrapManagedBy,
    ciScope,
    defaultSecretsKeyAlias,
    environmentTag,
    managedByTag,
    stateBucketKeyAlias,
    stateKeyPrefix,
} from "../src/aws/ci-scope";
import { permissionsBoundaryPolicy } from "../src/aws/permissions-boundary";

/**
 * What must exist before the platform's first `pulumi login` (README.md in this directory):
 *
 * - the S3 bucket that holds the state of this account's stacks, one prefix per environment
 *   (`s3://<bucket>/<environment>`): versioned (the state history is the backup), encrypted with
 *   the state key, public access blocked, ACLs disabled, TLS required;
 * - per environment: its own `awskms://` secrets-provider key (`alias/ml-platform-pulumi-secrets-<env>`,
 *   rotating, tagged with the environment) and its permissions boundary (`ml-platform-boundary-<env>`,
 *   src/aws/permissions-boundary.ts), which every role of that stack carries and its deploy role cannot change;
 * - the account's GitHub Actions OIDC provider, which the stacks' CI roles trust.
 *
 * One account for all environments: list them all in `environments`. One account per
 * environment: one bootstrap stack per account, each listing its environment.
 *
 * Every resource is protected: deleting any of them would lose every stack's state or secrets.
 * The defaults match the main stack's `ci` config defaults (src/config/schema.ts), which its CI
 * roles use to find the bucket and the key.
 */

export interface BootstrapArgs {
    /** State bucket name. Default `ml-platform-pulumi-state-<account id>`. */
    stateBucket?: string;
    /** Alias of the KMS key. Default `alias/ml-platform-pulumi-secrets`. */
    secretsKeyAlias?: string;
    /** IAM roles or users that administer the key (not use it). Default none: the account's IAM policies decide. */
    keyAdministratorArns?: string[];
    /** Days to keep superseded state versions; at least 30. Default 365. */
    noncurrentVersionDays?: number;
    /** Create the GitHub Actions OIDC provider; false if the account already has one. Default true. */
    createGithubOidcProvider?: boolean;
    /** Environments whose stacks keep their state in this account. Default dev, staging, prod (one account for all). */
    environments?: string[];
}

export const defaults = {
    stateBucketPrefix: "ml-platform-pulumi-state",
    secretsKeyAlias: "alias/ml-platform-pulumi-secrets",
    noncurrentVersionDays: 365,
    environments: ["dev", "staging", "prod"],
} as const;

export const githubOidcUrl = "https://token.actions.githubusercontent.com";

const bucketName = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const iamPrincipalArn = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

/** Every problem with the arguments, each naming the key, the value and the rule. */
export function bootstrapArgProblems(args: BootstrapArgs): string[] {
    const problems: string[] = [];
    if (args.stateBucket !== undefined && !bucketName.test(args.stateBucket)) {
        problems.push(
            `stateBucket = ${JSON.stringify(args.stateBucket)}: must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`,
        );
    }
    const alias = args.secretsKeyAlias;
    if (alias !== undefined && (!/^alias\/[\w/-]+$/.test(alias) || alias.startsWith("alias/aws/"))) {
        problems.push(`secretsKeyAlias = ${JSON.stringify(alias)}: must be alias/<name>, and alias/aws/ is reserved for AWS`);
    }
    for (const arn of args.keyAdministratorArns ?? []) {
        if (!iamPrincipalArn.test(arn)) {
            problems.push(`keyAdministratorArns: ${JSON.stringify(arn)}: must be an IAM role or user ARN (never a wildcard principal)`);
        }
    }
    const environments = args.environments;
    if (environments !== undefined && (environments.length === 0 || environments.some((e) => !/^[a-z][a-z0-9]{1,11}$/.test(e)))) {
        problems.push(
            `environments = ${JSON.stringify(environments)}: must list at least one environment name (2-12 lowercase letters or digits, as the stacks' ml-platform:environment)`,
        );
    }
    const days = args.noncurrentVersionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 30)) {
        problems.push(`noncurrentVersionDays = ${days}: must be a whole number of days, at least 30 (the versions are the state's backup)`);
    }
    return problems;
}

type Statement = Record<string, unknown>;
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

const keyAdministration = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
];

/**
 * The key policy: the account (its IAM policies) decides who uses the key, as the CI roles'
 * policies do; listed administrators may manage it. No wildcard principal.
 */
export function keyPolicy(partition: string, accountId: string, administratorArns: string[] = []): PolicyDocument {
    const statements: Statement[] = [
        {
            Sid: "AccountIamPolicies",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
    ];
    if (administratorArns.length > 0) {
        statements.push({
            Sid: "KeyAdministrators",
            Effect: "Allow",
            Principal: { AWS: administratorArns },
            Action: keyAdministration,
            Resource: "*",
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** The bucket policy: no plain HTTP, no TLS before 1.2, no object written with other than KMS encryption. */
export function stateBucketPolicy(bucketArn: string): PolicyDocument {
    const both = [bucketArn, `${bucketArn}/*`];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: both,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyOutdatedTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: both,
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
            {
                Sid: "DenyOtherEncryption",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:PutObject",
                Resource: `${bucketArn}/*`,
                Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } },
            },
        ],
    };
}

export interface BootstrapOutputs {
    backendUrl: pulumi.Output<string>;
    secretsProvider: pulumi.Output<string>;
    stateBucketName: pulumi.Output<string>;
    stateBucketArn: pulumi.Output<string>;
    secretsKeyArn: pulumi.Output<string>;
    secretsKeyAlias: pulumi.Output<string>;
    githubOidcProviderArn: pulumi.Output<string>;
    /** Per environment: `pulumi login` URL (the state prefix), secrets provider, key ARN, boundary ARN. */
    environments: Record<string, EnvironmentOutputs>;
}

export interface EnvironmentOutputs {
    backendUrl: pulumi.Output<string>;
    secretsProvider: pulumi.Output<string>;
    secretsKeyArn: pulumi.Output<string>;
    permissionsBoundaryArn: pulumi.Output<string>;
}

export interface Bootstrap {
    bucket: aws.s3.Bucket;
    key: aws.kms.Key;
    alias: aws.kms.Alias;
    githubOidcProvider?: aws.iam.OpenIdConnectProvider;
    /** Per environment: its secrets key and its permissions boundary. */
    environmentKeys: Record<string, aws.kms.Key>;
    boundaries: Record<string, aws.iam.Policy>;
    outputs: BootstrapOutputs;
}

/** Builds the bootstrap resources; throws, before registering any, if an argument is invalid. */
export function createBootstrap(args: BootstrapArgs = {}): Bootstrap {
    const problems = bootstrapArgProblems(args);
    if (problems.length > 0) throw new pulumi.RunError(`invalid bootstrap configuration:\n  - ${problems.join("\n  - ")}`);

    const protect = { protect: true };
    const caller = aws.getCallerIdentityOutput();
    const partition = aws.getPartitionOutput().partition;
    const region = aws.getRegionOutput().region;
    const aliasName = args.secretsKeyAlias ?? defaults.secretsKeyAlias;
    const tags = { "platform.company.io/purpose": "pulumi-state", "platform.company.io/managed-by": "ml-platform-bootstrap" };

    const key = new aws.kms.Key(
        "secrets",
        {
            description: "Pulumi secrets provider (awskms://) and state bucket encryption for ml-platform",
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: pulumi
                .all([partition, caller.accountId])
                .apply(([p, id]) => JSON.stringify(keyPolicy(p, id, args.keyAdministratorArns))),
            tags,
        },
        protect,
    );
    // The first key: it encrypts the bucket at rest (through S3 only, for every environment's role).
    // Its first alias is the shared secrets provider of earlier versions, kept until every stack has
    // moved to its own key (README.md, "Moving a stack to its own key").
    const alias = new aws.kms.Alias("secrets", { name: aliasName, targetKeyId: key.keyId }, protect);
    new aws.kms.Alias("state", { name: stateBucketKeyAlias, targetKeyId: key.keyId }, protect);

    const bucket = new aws.s3.Bucket(
        "state",
        {
            bucket: args.stateBucket ?? pulumi.interpolate`${defaults.stateBucketPrefix}-${caller.accountId}`,
            forceDestroy: false,
            tags,
        },
        protect,
    );
    new aws.s3.BucketOwnershipControls("state", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, protect);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        "state",
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        protect,
    );
    new aws.s3.BucketVersioning("state", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, protect);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        "state",
        {
            bucket: bucket.id,
            // The bucket key cuts KMS requests (and cost) for the many small state and history objects.
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
        },
        protect,
    );
    new aws.s3.BucketLifecycleConfiguration(
        "state",
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-superseded-state",
                    status: "Enabled",
                    filter: { prefix: "" },
                    noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? defaults.noncurrentVersionDays },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
            ],
        },
        protect,
    );
    new aws.s3.BucketPolicy(
        "state",
        { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(stateBucketPolicy(arn))) },
        // S3 refuses policy changes while the public access block is being written.
        { ...protect, dependsOn: [publicAccess] },
    );

    const githubOidcProvider =
        args.createGithubOidcProvider === false
            ? undefined
            : new aws.iam.OpenIdConnectProvider(
                  "github-actions",
                  // No thumbprint: IAM trusts GitHub's issuer through its own certificate store.
                  { url: githubOidcUrl, clientIdLists: ["sts.amazonaws.com"], tags },
                  protect,
              );

    const environmentKeys: Record<string, aws.kms.Key> = {};
    const boundaries: Record<string, aws.iam.Policy> = {};
    const environments: Record<string, EnvironmentOutputs> = {};
    for (const env of args.environments ?? defaults.environments) {
        const envTags = { ...tags, [environmentTag]: env, [managedByTag]: bootstrapManagedBy };
        const envKey = new aws.kms.Key(
            `secrets-${env}`,
            {
                description: `Pulumi secrets provider (awskms://) of the ml-platform ${env} stack`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi
                    .all([partition, caller.accountId])
                    .apply(([p, id]) => JSON.stringify(keyPolicy(p, id, args.keyAdministratorArns))),
                tags: envTags,
            },
            protect,
        );
        const envAlias = new aws.kms.Alias(`secrets-${env}`, { name: defaultSecretsKeyAlias(env), targetKeyId: envKey.keyId }, protect);
        const boundary = new aws.iam.Policy(
            `boundary-${env}`,
            {
                name: boundaryPolicyName(env),
                description: `Permissions boundary of every IAM role of the ml-platform ${env} stack`,
                policy: pulumi
                    .all([partition, caller.accountId, region, bucket.bucket])
                    .apply(([p, id, r, b]) => JSON.stringify(permissionsBoundaryPolicy(ciScope(p, id, r, env, { stateBucket: b })))),
                tags: envTags,
            },
            protect,
        );
        environmentKeys[env] = envKey;
        boundaries[env] = boundary;
        environments[env] = {
            backendUrl: pulumi.interpolate`s3://${bucket.bucket}/${stateKeyPrefix(env)}?region=${region}`,
            secretsProvider: pulumi.interpolate`awskms://${envAlias.name}?region=${region}`,
            secretsKeyArn: envKey.arn,
            permissionsBoundaryArn: boundary.arn,
        };
    }

    return {
        bucket,
        key,
        alias,
        githubOidcProvider,
        environmentKeys,
        boundaries,
        outputs: {
            environments,
            backendUrl: pulumi.interpolate`s3://${bucket.bucket}?region=${region}`,
            secretsProvider: pulumi.interpolate`awskms://${alias.name}?region=${region}`,
            stateBucketName: bucket.bucket,
            stateBucketArn: bucket.arn,
            secretsKeyArn: key.arn,
            secretsKeyAlias: alias.name,
            githubOidcProviderArn:
                githubOidcProvider?.arn ??
                pulumi.interpolate`arn:${partition}:iam::${caller.accountId}:oidc-provider/token.actions.githubusercontent.com`,
        },
    };
}
