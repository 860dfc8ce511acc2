import { strict as assert } from "node:assert";
import { lifecycleRules } from "../../src/aws/buckets";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { runStack, StackRun } from "../../src/synth/mock-runtime";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";
import { configProblems, editConfig, successfulRun } from "../harness";

/* Backups that survive the cluster, and restore as a configuration change, for every stack. */

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const clusterOf = (rs: ResourceRecord[]) => findResource(rs, "kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres").inputs.spec as Values;
const storeOf = (rs: ResourceRecord[], name: string) =>
    findResource(rs, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore", name).inputs.spec as Values;
const stackValues = (stack: string, key: string) => JSON.parse(readStackConfig(stack).config[`ml-platform:${key}`]) as Values;
const policyOf = (rs: ResourceRecord[]) =>
    JSON.parse(String(findResource(rs, "aws:iam/rolePolicy:RolePolicy", "postgres-backup").inputs.policy)) as { Statement: Values[] };
const netpol = (rs: ResourceRecord[], name: string) =>
    ofType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
        (p) => (p.inputs.metadata as Values).namespace === "platform-data" && (p.inputs.metadata as Values).name === name,
    );

/** The recovery every stack is tested with: the backups of `postgres`, to a point in time. */
const pointInTime = "2026-11-28T09:30:00Z";
const recoveryRuns = new Map<string, Promise<StackRun>>();
function withRecovery(stack: string): Promise<StackRun> {
    if (!recoveryRuns.has(stack)) {
        const backups = stackValues(stack, "postgresql").backup.enabled as boolean;
        const overrides = editConfig(stack, (v) => {
            v.postgresql.recovery = {
                sourceServerName: "postgres",
                targetTime: pointInTime,
                // Without backups of its own, an environment restores another's (e.g. dev from staging's).
                ...(backups ? {} : { bucket: "ml-platform-staging-postgres-backups" }),
            };
            if (backups) v.postgresql.backup.serverName = "postgres-restored";
        });
        recoveryRuns.set(stack, runStack(stack, { overrides }));
    }
    return recoveryRuns.get(stack)!;
}

describe("data: PostgreSQL backups outside the cluster and restore", () => {
    for (const stack of stackNames()) {
        const pg = stackValues(stack, "postgresql");
        const kind = stackValues(stack, "objectStore").kind as string;
        describe(stack, () => {
            if (pg.backup.enabled) {
                it(`sends base backups and WAL to an S3 bucket outside the cluster (object store: ${kind}): versioned, KMS, lifecycle from the retention, protected`, async () => {
                    const run = await successfulRun(stack);
                    const name = `ml-platform-${stack}-postgres-backups`;
                    const bucket = ofType(run.resources, "aws:s3/bucket:Bucket").find((b) => b.inputs.bucket === name);
                    assert.ok(bucket, `an S3 bucket ${name}`);
                    assert.equal(bucket.protect, (stackValues(stack, "protectStatefulResources") as unknown) !== false);
                    const on = (type: string) => findResource(run.resources, type, bucket.name).inputs as Values;
                    assert.equal(on("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration.status, "Enabled");
                    const sse = on("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
                    assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
                    assert.deepEqual(
                        on("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules,
                        lifecycleRules("postgres-backups", pg.backup),
                    );
                    assert.equal(
                        on("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules.find(
                            (r: Values) => r.id === "expire-after-retention",
                        ).expiration.days,
                        pg.backup.retentionDays + 7,
                    );
                    const store = storeOf(run.resources, "postgres-backups");
                    assert.equal(store.configuration.destinationPath, `s3://${name}/`);
                    assert.deepEqual(store.configuration.s3Credentials, { inheritFromIAMRole: true });
                    assert.equal(store.retentionPolicy, `${pg.backup.retentionDays}d`);
                    if (kind === "minio") {
                        const tenantBuckets = (
                            findResource(run.resources, "kubernetes:minio.min.io/v2:Tenant", "minio-tenant").inputs.spec as Values
                        ).buckets;
                        assert.ok(!tenantBuckets.some((b: Values) => b.name === "postgres-backups"), "no backup bucket inside the cluster");
                    }
                });

                it("gives the PostgreSQL pods Pod Identity on that bucket only, and HTTPS egress to reach it", async () => {
                    const run = await successfulRun(stack);
                    const association = findResource(
                        run.resources,
                        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
                        "postgres-backup",
                    );
                    assert.deepEqual([association.inputs.namespace, association.inputs.serviceAccount], ["platform-data", "postgres"]);
                    const resources = JSON.stringify(policyOf(run.resources).Statement.map((s) => s.Resource));
                    assert.match(resources, /postgres-backups/);
                    assert.doesNotMatch(resources, /models|datasets|mlflow/);
                    assert.ok(netpol(run.resources, "allow-pod-identity-agent"));
                    assert.ok(netpol(run.resources, "allow-s3-https"));
                });
            } else {
                it("keeps no backups and opens no path to S3 (backups off)", async () => {
                    const run = await successfulRun(stack);
                    assert.equal(ofType(run.resources, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore").length, 0);
                    if (kind === "minio") assert.equal(netpol(run.resources, "allow-s3-https"), undefined);
                });
            }

            it("restores with postgresql.recovery: bootstrap.recovery from the backup through the plugin, to the point in time", async () => {
                const run = await withRecovery(stack);
                if (run.error) throw run.error;
                const spec = clusterOf(run.resources);
                assert.deepEqual(spec.bootstrap, {
                    recovery: {
                        source: "origin",
                        database: "dataplatform",
                        owner: "dataplatform",
                        secret: { name: "postgres-dataplatform" },
                        recoveryTarget: { targetTime: pointInTime },
                    },
                });
                assert.deepEqual(spec.externalClusters, [
                    {
                        name: "origin",
                        plugin: {
                            name: "barman-cloud.cloudnative-pg.io",
                            parameters: { barmanObjectName: "recovery-source", serverName: "postgres" },
                        },
                    },
                ]);
                const source = storeOf(run.resources, "recovery-source");
                const bucket = pg.backup.enabled ? `ml-platform-${stack}-postgres-backups` : "ml-platform-staging-postgres-backups";
                assert.equal(source.configuration.destinationPath, `s3://${bucket}/`);
                assert.equal(source.retentionPolicy, undefined, "a restore never prunes its source");
                if (pg.backup.enabled) {
                    assert.equal(spec.plugins[0].parameters.serverName, "postgres-restored", "archives into a new, empty path");
                } else {
                    const reads = policyOf(run.resources).Statement.filter((s) => s.Sid === "ReadSourceObjects");
                    assert.deepEqual(reads[0].Resource, [`arn:aws:s3:::${bucket}/*`]);
                    assert.equal(spec.plugins, undefined, "no archiving without backups");
                }
                const cluster = findResource(run.resources, "kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres");
                const sourceUrn = findResource(run.resources, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "recovery-source").urn;
                assert.ok(cluster.dependsOn.includes(sourceUrn), "the cluster waits for the store it restores from");
            });
        });
    }

    describe("must fail", () => {
        it("a restore that would archive into the path it restores from", async () => {
            const { problems } = await configProblems("prod", (v) => (v.postgresql.recovery = { sourceServerName: "postgres" }));
            assert.deepEqual(problems, [
                "ml-platform:postgresql.backup.serverName = (not set): must differ from postgresql.recovery.sourceServerName (postgres): a restored cluster archives into a new, empty path",
            ]);
        });

        it("a restore without a bucket where the environment keeps no backups", async () => {
            const stack = stackNames().find((s) => !stackValues(s, "postgresql").backup.enabled)!;
            const { problems } = await configProblems(stack, (v) => (v.postgresql.recovery = {}));
            assert.deepEqual(problems, [
                "ml-platform:postgresql.recovery.bucket = (not set): is required when this environment keeps no backups (backup.enabled false)",
            ]);
        });

        it("a point in time without a zone", async () => {
            const { problems } = await configProblems("prod", (v) => {
                v.postgresql.recovery = { targetTime: "2026-11-28 09:30" };
                v.postgresql.backup.serverName = "postgres-restored";
            });
            assert.deepEqual(problems, [
                'ml-platform:postgresql.recovery.targetTime = "2026-11-28 09:30": must be an RFC 3339 time with a zone, e.g. 2026-11-28T09:30:00Z',
            ]);
        });
    });
});
