import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { images } from "../config";
import { policy, PolicyDocument } from "../aws/iam";
import { dataNamespace } from "./data-namespace";

/**
 * MinIO identities limited to what they are for. MinIO operator v7.1.1 gives every user of a
 * Tenant's `spec.users` the `consoleAdmin` policy (pkg/apis/minio.min.io/v2/helper.go, CreateUsers:
 * `madmClnt.SetPolicy(ctx, ConsoleAdminPolicyName, …)`), i.e. admin of the whole object store. So
 * the backup identity is not a tenant user: a Job (`mc`, pinned) creates it with the root
 * credentials, creates the policy below and attaches only that one.
 *
 * MinIO's policies use AWS's IAM JSON for S3 (MinIO docs, "Access Management"), so the policy is
 * data the IAM evaluator also checks (test/addons/minio-identities.test.ts).
 */

/** The backup identity's rights: list, read, write and expire objects of the backup bucket (barman-cloud's calls), nothing else. */
export function backupPolicy(bucket: string): PolicyDocument {
    return policy(
        {
            Sid: "BackupBucket",
            Effect: "Allow",
            Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            Resource: `arn:aws:s3:::${bucket}`,
        },
        {
            Sid: "BackupObjects",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: `arn:aws:s3:::${bucket}/*`,
        },
    );
}

/** The policy MinIO's operator gives tenant users (MinIO's built-in consoleAdmin: every admin and S3 action). */
export const consoleAdminPolicy: PolicyDocument = policy(
    { Effect: "Allow", Action: "admin:*", Resource: "*" },
    { Effect: "Allow", Action: "kms:*", Resource: "*" },
    { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::*" },
);

export interface MinioIdentityArgs {
    /** MinIO's in-cluster S3 endpoint (https). */
    endpoint: string;
    /** The Secret with `config.env` (MINIO_ROOT_USER, MINIO_ROOT_PASSWORD). */
    rootEnvSecret: string;
    /** The Secret whose `ca.crt` signs MinIO's certificate. */
    caSecret: { name: string; key: string };
    /** The Secret with the identity's keys (CONSOLE_ACCESS_KEY, CONSOLE_SECRET_KEY). */
    credentialsSecret: string;
    /** Policy name in MinIO. */
    policyName: string;
    policy: PolicyDocument;
}

/** The `mc` script: trust the data CA, then create the policy, the user, and attach only that policy. */
export const identityScript = `set -eu
mkdir -p /tmp/mc/certs/CAs
cp /ca/ca.crt /tmp/mc/certs/CAs/data-ca.crt
. /root-env/config.env
mc --config-dir /tmp/mc alias set platform "$MINIO_ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc --config-dir /tmp/mc admin policy create platform "$POLICY_NAME" /policy/policy.json
mc --config-dir /tmp/mc admin user add platform "$ACCESS_KEY" "$SECRET_KEY"
mc --config-dir /tmp/mc admin policy attach platform "$POLICY_NAME" --user "$ACCESS_KEY" || true
mc --config-dir /tmp/mc admin policy detach platform consoleAdmin --user "$ACCESS_KEY" 2>/dev/null || true
mc --config-dir /tmp/mc admin user info platform "$ACCESS_KEY" --json | grep -q "\\"policyName\\":\\"$POLICY_NAME\\""
`;

/**
 * Creates one limited MinIO identity: a ConfigMap with its policy and a Job that applies it. The Job
 * is replaced when the policy changes (Job specs are immutable), and retries until the tenant answers.
 */
export function minioIdentity(name: string, args: MinioIdentityArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
    const policyMap = new k8s.core.v1.ConfigMap(
        `${name}-policy`,
        { metadata: { name: `${name}-policy`, namespace: dataNamespace }, data: { "policy.json": JSON.stringify(args.policy, null, 2) } },
        opts,
    );
    // Its own ServiceAccount, without a token: the Job talks to MinIO only, never to the Kubernetes API.
    const account = new k8s.core.v1.ServiceAccount(
        `${name}-sa`,
        { metadata: { name, namespace: dataNamespace }, automountServiceAccountToken: false },
        opts,
    );
    const fromSecret = (key: string) => ({ secretKeyRef: { name: args.credentialsSecret, key } });
    return new k8s.batch.v1.Job(
        name,
        {
            metadata: { name, namespace: dataNamespace, labels: { "app.kubernetes.io/name": name } },
            spec: {
                backoffLimit: 20,
                template: {
                    metadata: { labels: { "app.kubernetes.io/name": name } },
                    spec: {
                        restartPolicy: "Never",
                        serviceAccountName: name,
                        automountServiceAccountToken: false,
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: 1000,
                            runAsGroup: 1000,
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [
                            {
                                name: "mc",
                                image: `${images.mc.repository}:${images.mc.tag}`,
                                command: ["/bin/sh", "-c", identityScript],
                                env: [
                                    { name: "MINIO_ENDPOINT", value: args.endpoint },
                                    { name: "POLICY_NAME", value: args.policyName },
                                    { name: "ACCESS_KEY", valueFrom: fromSecret("CONSOLE_ACCESS_KEY") },
                                    { name: "SECRET_KEY", valueFrom: fromSecret("CONSOLE_SECRET_KEY") },
                                ],
                                volumeMounts: [
                                    { name: "root-env", mountPath: "/root-env", readOnly: true },
                                    { name: "ca", mountPath: "/ca", readOnly: true },
                                    { name: "policy", mountPath: "/policy", readOnly: true },
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    readOnlyRootFilesystem: true,
                                    runAsNonRoot: true,
                                    capabilities: { drop: ["ALL"] },
                                },
                            },
                        ],
                        volumes: [
                            { name: "root-env", secret: { secretName: args.rootEnvSecret } },
                            { name: "ca", secret: { secretName: args.caSecret.name, items: [{ key: args.caSecret.key, path: "ca.crt" }] } },
                            { name: "policy", configMap: { name: `${name}-policy` } },
                            { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                        ],
                    },
                },
            },
        },
        { ...opts, dependsOn: [...([opts.dependsOn ?? []].flat() as pulumi.Resource[]), policyMap, account], deleteBeforeReplace: true },
    );
}
