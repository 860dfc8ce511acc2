import { BucketConsumer, bucketName } from "../aws/buckets";
import { PlatformConfig } from "../config";
import { dataNamespace, postgresClusterName } from "./data-namespace";

/**
 * PostgreSQL backups that survive the cluster, and restore as configuration. Base backups and WAL
 * go through the barman-cloud plugin (0.7.0) to an S3 bucket outside the cluster — versioned, KMS,
 * lifecycle from the retention — whatever the object store for applications is. The PostgreSQL
 * pods (service account `postgres`, made by CloudNativePG) reach it with Pod Identity:
 * `inheritFromIAMRole` makes barman-cloud use the AWS default credential chain, which reads the
 * container credentials Pod Identity injects (plugin-barman-cloud docs, "Object stores", S3).
 * `postgresql.recovery` bootstraps a new cluster from such a bucket, optionally to a point in time.
 */

/**
 * Bucket the PostgreSQL backups go to: always an S3 bucket outside the cluster, one of the object
 * store's buckets for kind s3, made beside the tenant for kind minio.
 */
export const backupBucket = "postgres-backups";

/** The barman-cloud plugin's name (CNPG-I). */
export const barmanPlugin = "barman-cloud.cloudnative-pg.io";
/** The ObjectStore the cluster restores from (postgresql.recovery). */
export const recoveryStoreName = "recovery-source";
/** The external cluster name bootstrap.recovery refers to. */
export const recoverySource = "origin";

/** Server name the cluster archives under in the bucket (`s3://<bucket>/<serverName>/`). Default: the cluster's name. */
export function archiveServerName(config: PlatformConfig): string {
    return config.postgresql.backup.serverName ?? postgresClusterName;
}

/** The S3 bucket of this environment's PostgreSQL backups (`<cluster name>-postgres-backups`). */
export function backupBucketName(ctxName: string): string {
    return bucketName(ctxName, backupBucket);
}

/** The bucket a recovery reads: the configured one, or this environment's own backup bucket. */
export function recoveryBucketName(config: PlatformConfig, ctxName: string): string | undefined {
    const recovery = config.postgresql.recovery;
    return recovery ? (recovery.bucket ?? backupBucketName(ctxName)) : undefined;
}

/**
 * The PostgreSQL pods' access to S3 through Pod Identity: read-write on this environment's backup
 * bucket when backups are on, read-only on another bucket (and its key) when restoring from one.
 */
export function postgresBackupConsumer(config: PlatformConfig, ctxName: string): BucketConsumer {
    const recovery = config.postgresql.recovery;
    const foreign = recovery?.bucket && recovery.bucket !== backupBucketName(ctxName) ? [recovery.bucket] : [];
    return {
        id: "postgres-backup",
        serviceAccount: { namespace: dataNamespace, name: postgresClusterName },
        buckets: config.postgresql.backup.enabled ? [backupBucket] : [],
        readBuckets: foreign,
        decryptKeys: recovery?.kmsKeyArn ? [recovery.kmsKeyArn] : [],
    };
}

/** True when the PostgreSQL pods talk to S3 (backups, or a restore). */
export function postgresUsesS3(config: PlatformConfig): boolean {
    return config.postgresql.backup.enabled || config.postgresql.recovery !== undefined;
}

const sidecar = (region: string) => ({
    env: [{ name: "AWS_REGION", value: region }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
});

/** The barman-cloud `ObjectStore` backups go to: the S3 bucket, Pod Identity credentials, retention from config. */
export function backupStoreSpec(config: PlatformConfig, ctxName: string): Record<string, unknown> {
    return {
        configuration: {
            destinationPath: `s3://${backupBucketName(ctxName)}/`,
            s3Credentials: { inheritFromIAMRole: true },
            wal: { compression: "gzip", maxParallel: 4 },
            data: { compression: "gzip", jobs: 2 },
        },
        retentionPolicy: `${config.postgresql.backup.retentionDays}d`,
        instanceSidecarConfiguration: sidecar(config.region),
    };
}

/** The `ObjectStore` a recovery reads from (no retention: the cluster never writes there). */
export function recoveryStoreSpec(config: PlatformConfig, ctxName: string): Record<string, unknown> {
    return {
        configuration: {
            destinationPath: `s3://${recoveryBucketName(config, ctxName)}/`,
            s3Credentials: { inheritFromIAMRole: true },
            wal: { compression: "gzip", maxParallel: 4 },
        },
        instanceSidecarConfiguration: sidecar(config.postgresql.recovery?.region ?? config.region),
    };
}

/**
 * The Cluster's bootstrap, WAL archiver and external clusters. Without `postgresql.recovery`: a new
 * database (initdb). With it: `bootstrap.recovery` from the external cluster `origin`, read through
 * the plugin from the recovery ObjectStore under the source's server name, up to `targetTime` when
 * set (CloudNativePG docs, "Recovery"; plugin-barman-cloud docs, "Recovery"). The cluster then
 * archives under its own server name, which must differ from the source's in the same bucket.
 */
export function bootstrapSpec(config: PlatformConfig, database: { name: string; owner: string; secret: string }): Record<string, unknown> {
    const pg = config.postgresql;
    const app = { database: database.name, owner: database.owner, secret: { name: database.secret } };
    const recovery = pg.recovery;
    return {
        bootstrap: recovery
            ? {
                  recovery: {
                      source: recoverySource,
                      ...app,
                      ...(recovery.targetTime ? { recoveryTarget: { targetTime: recovery.targetTime } } : {}),
                  },
              }
            : { initdb: app },
        ...(pg.backup.enabled
            ? {
                  plugins: [
                      {
                          name: barmanPlugin,
                          isWALArchiver: true,
                          parameters: { barmanObjectName: backupBucket, serverName: archiveServerName(config) },
                      },
                  ],
              }
            : {}),
        ...(recovery
            ? {
                  externalClusters: [
                      {
                          name: recoverySource,
                          plugin: {
                              name: barmanPlugin,
                              parameters: { barmanObjectName: recoveryStoreName, serverName: recovery.sourceServerName },
                          },
                      },
                  ],
              }
            : {}),
    };
}
