import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "./context";
import { policy, Statement } from "./iam";

export interface KmsKeyArgs {
    description: string;
    /** Statements beyond the account-root statement, e.g. for a service principal. */
    statements?: (accountId: string, partition: string) => Statement[];
}

/**
 * A customer-managed KMS key with rotation on and an explicit key policy (CIS EKS 5.3.1,
 * CKV2_AWS_64). The account-root statement is AWS's default: it delegates access control to IAM
 * policies in this account and keeps the key manageable; no statement has a wildcard principal.
 * Keys are protected when the context says so: losing one loses every secret it encrypted.
 */
export function kmsKey(name: string, ctx: AwsContext, args: KmsKeyArgs, opts: pulumi.CustomResourceOptions): aws.kms.Key {
    const keyPolicy = pulumi.all([ctx.accountId, ctx.partition]).apply(([accountId, partition]) =>
        JSON.stringify(
            policy(
                {
                    Sid: "AccountAdministration",
                    Effect: "Allow",
                    Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
                    Action: "kms:*",
                    Resource: "*",
                },
                ...(args.statements?.(accountId, partition) ?? []),
            ),
        ),
    );
    const key = new aws.kms.Key(
        name,
        {
            description: args.description,
            enableKeyRotation: true,
            rotationPeriodInDays: 365,
            deletionWindowInDays: 30,
            policy: keyPolicy,
            tags: { ...ctx.tags, Name: `${ctx.name}-${name}` },
        },
        { ...opts, protect: ctx.protect },
    );
    new aws.kms.Alias(name, { name: `alias/${ctx.name}-${name}`, targetKeyId: key.keyId }, opts);
    return key;
}

/** Key-policy statement that lets CloudWatch Logs use the key for this account's log groups. */
export function logsStatement(region: string) {
    return (accountId: string, partition: string): Statement[] => [
        {
            Sid: "CloudWatchLogs",
            Effect: "Allow",
            Principal: { Service: `logs.${region}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*` } },
        },
    ];
}
