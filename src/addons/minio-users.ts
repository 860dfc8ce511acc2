import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { images } from "../config";
import { generatedPassword } from "../secrets/credentials";
import { AddonContext } from "./contract";
import { dataNamespace } from "./data-namespace";
import { minioTls } from "./object-store";

/**
 * A MinIO user allowed one bucket, made by a Job in the data namespace with the MinIO client.
 * The Tenant's own `users` field would make every user a consoleAdmin (MinIO operator v7.1.1,
 * pkg/apis/minio.min.io/v2/helper.go CreateUsers), so users are made with `mc admin` instead:
 * `policy create` (replaces a policy of that name), `user add` (sets the secret key of an existing
 * user), `policy attach` (refused when already attached, which the script accepts). The Job reads
 * the root credentials from the tenant's `minio-env` Secret where they already are, and trusts the
 * data CA (`ca.crt` of `minio-tls`). The `mc` client ships in the pinned MinIO image
 * (minio/minio Dockerfile.release: /opt/bin/mc on PATH), so no further image is pulled.
 */
/** Pods of the user Jobs, for the flow table. */
export const minioUsersLabels = { "app.kubernetes.io/name": "minio-users" };

export interface MinioUser {
    /** The Job: the user exists with its policy once it has completed (Pulumi awaits Jobs). */
    job: k8s.batch.v1.Job;
    accessKey: string;
    /** Generated (32 letters and digits), secret. */
    secretKey: pulumi.Output<string>;
}

/** The IAM-style policy of a user allowed to list, read, write and delete in one bucket. */
export function bucketPolicy(bucket: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
                Resource: [`arn:aws:s3:::${bucket}`],
            },
            {
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: [`arn:aws:s3:::${bucket}/*`],
            },
        ],
    };
}

/** The Job's shell script: idempotent, so a re-run (new image, new key) converges. */
export function minioUserScript(user: string, policy: string): string {
    return [
        "set -eu",
        ". /minio-env/config.env",
        `export MC_HOST_platform="https://$MINIO_ROOT_USER:$MINIO_ROOT_PASSWORD@minio.${dataNamespace}.svc"`,
        `mc admin policy create platform ${policy} /policy/policy.json`,
        `mc admin user add platform ${user} "$(cat /user/secret-key)"`,
        `mc admin policy attach platform ${policy} --user ${user} || mc admin user info platform ${user} | grep -q ${policy}`,
    ].join("\n");
}

export interface MinioUserSpec {
    user: string;
    bucket: string;
}

/** Makes `spec.user` with read-write access to `spec.bucket` only, in the tenant of the data namespace. */
export function minioBucketUser(name: string, context: AddonContext, spec: MinioUserSpec, opts: pulumi.CustomResourceOptions): MinioUser {
    const policy = `${spec.bucket}-rw`;
    const secretKey = generatedPassword(`${name}-secret-key`, { parent: opts.parent });
    const keySecret = context.secrets.deliver(
        `${name}-key`,
        { name: `minio-user-${spec.user}`, namespace: dataNamespace, data: { "secret-key": secretKey } },
        opts,
    );
    const policyMap = new k8s.core.v1.ConfigMap(
        `${name}-policy`,
        {
            metadata: { name: `minio-policy-${policy}`, namespace: dataNamespace },
            data: { "policy.json": JSON.stringify(bucketPolicy(spec.bucket)) },
        },
        opts,
    );
    // Its own service account, without a token: the Job talks to MinIO only.
    const account = new k8s.core.v1.ServiceAccount(
        `${name}-account`,
        { metadata: { name: `minio-user-${spec.user}`, namespace: dataNamespace }, automountServiceAccountToken: false },
        opts,
    );
    const job = new k8s.batch.v1.Job(
        name,
        {
            metadata: { name: `minio-user-${spec.user}`, namespace: dataNamespace, labels: minioUsersLabels },
            spec: {
                backoffLimit: 6,
                template: {
                    metadata: { labels: minioUsersLabels },
                    spec: {
                        restartPolicy: "OnFailure",
                        serviceAccountName: account.metadata.name,
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
                                image: `${images.minio.repository}:${images.minio.tag}`,
                                command: ["/bin/sh", "-c", minioUserScript(spec.user, policy)],
                                env: [
                                    { name: "HOME", value: "/tmp" },
                                    // Go's TLS reads the trusted roots from SSL_CERT_FILE.
                                    { name: "SSL_CERT_FILE", value: "/certs/ca.crt" },
                                ],
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    readOnlyRootFilesystem: true,
                                    capabilities: { drop: ["ALL"] },
                                },
                                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                volumeMounts: [
                                    { name: "env", mountPath: "/minio-env", readOnly: true },
                                    { name: "user", mountPath: "/user", readOnly: true },
                                    { name: "policy", mountPath: "/policy", readOnly: true },
                                    { name: "ca", mountPath: "/certs", readOnly: true },
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "env", secret: { secretName: "minio-env" } },
                            { name: "user", secret: { secretName: `minio-user-${spec.user}` } },
                            { name: "policy", configMap: { name: policyMap.metadata.name } },
                            { name: "ca", secret: { secretName: minioTls, items: [{ key: "ca.crt", path: "ca.crt" }] } },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
            },
        },
        { ...opts, dependsOn: [...toArray(opts.dependsOn), keySecret, policyMap, account] },
    );
    return { job, accessKey: spec.user, secretKey };
}

/** MLflow's MinIO user: read-write on `mlflow-artifacts` only. */
export function minioArtifactsUser(name: string, context: AddonContext, opts: pulumi.CustomResourceOptions): MinioUser {
    return minioBucketUser(name, context, { user: "mlflow", bucket: "mlflow-artifacts" }, opts);
}

const toArray = (d: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] =>
    d === undefined ? [] : Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
