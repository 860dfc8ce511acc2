import { strict as assert } from "node:assert";
import { antiAffinityType, postgresHosts, roleSecretName, serviceRoles } from "../../src/addons/postgresql";
import { charts, images, parseConfig } from "../../src/config";
import { runStack } from "../../src/synth/mock-runtime";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { readStackConfig } from "../../src/synth/stack-files";
import { configProblems, editConfig, successfulRun } from "../harness";

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const clusterType = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const scheduledType = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const storeType = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const release = (rs: ResourceRecord[], name: string) => findResource(rs, "kubernetes:helm.sh/v3:Release", name);
const cluster = (rs: ResourceRecord[]) => findResource(rs, clusterType, "postgres");
const spec = (r: ResourceRecord) => r.inputs.spec as Values;

/** Per stack, what the design asks for (SPEC §1, §4). */
const expected = {
    dev: { instances: 1, storage: "50Gi", sync: undefined, retention: undefined, protect: false },
    staging: { instances: 2, storage: "250Gi", sync: undefined, retention: "7d", protect: true },
    prod: { instances: 3, storage: "500Gi", sync: { method: "any", number: 1 }, retention: "30d", protect: true },
} as const;

describe("data: PostgreSQL (CloudNativePG)", () => {
    for (const [stack, want] of Object.entries(expected)) {
        describe(stack, () => {
            it(`runs ${want.instances} instance(s) of ${want.storage} on the data pool, across zones, TLS only`, async () => {
                const { resources } = await successfulRun(stack);
                const s = spec(cluster(resources));
                assert.equal(s.instances, want.instances);
                assert.deepEqual(s.storage, { size: want.storage, storageClass: "gp3-encrypted" });
                assert.equal(s.imageName, `${images.postgresql.repository}:${images.postgresql.tag}`);
                assert.equal(s.affinity.topologyKey, "topology.kubernetes.io/zone");
                assert.deepEqual(s.affinity.nodeSelector, { "platform.company.io/pool": "data" });
                const taints = (JSON.parse(readStackConfig(stack).config["ml-platform:nodePools"]) as Values).data.taints as Values[];
                assert.ok(taints.length > 0, "the data pool is tainted");
                assert.deepEqual(
                    s.affinity.tolerations,
                    taints.map((t) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect })),
                );
                assert.deepEqual(s.postgresql.pg_hba.slice(0, 2), ["hostnossl all all all reject", "hostssl all all all scram-sha-256"]);
                assert.equal(s.postgresql.parameters.ssl_min_protocol_version, "TLSv1.3");
                assert.deepEqual(s.postgresql.synchronous, want.sync);
                assert.equal(s.enablePDB, want.instances > 1);
            });

            it("creates the design's databases and roles, with passwords by the secrets path", async () => {
                const { resources } = await successfulRun(stack);
                const s = spec(cluster(resources));
                assert.deepEqual(s.bootstrap.initdb, {
                    database: "dataplatform",
                    owner: "dataplatform",
                    secret: { name: "postgres-dataplatform" },
                });
                const mlflow = findResource(resources, "kubernetes:postgresql.cnpg.io/v1:Database", "postgres-mlflow");
                assert.deepEqual(
                    [spec(mlflow).name, spec(mlflow).owner, spec(mlflow).cluster, spec(mlflow).databaseReclaimPolicy],
                    ["mlflow", "mlflow_service", { name: "postgres" }, "retain"],
                );
                const roles = (s.managed.roles as Values[]).map((r) => r.name).sort();
                assert.deepEqual(roles, ["argo_workflows_service", "data_analyst", "dbt_service", "mlflow_service", "pipeline_service"]);
                assert.deepEqual((s.managed.roles as Values[]).find((r) => r.name === "data_analyst")!.inRoles, ["pg_read_all_data"]);
                const sealed = readStackConfig(stack).config["ml-platform:secrets"].includes("sealed");
                for (const role of ["dataplatform", ...Object.keys(serviceRoles)]) {
                    const name = roleSecretName(role);
                    const secret = sealed
                        ? findResource(resources, "kubernetes:bitnami.com/v1alpha1:SealedSecret", name)
                        : findResource(resources, "kubernetes:core/v1:Secret", name);
                    const type = sealed ? (secret.inputs.spec as Values).template.type : secret.inputs.type;
                    assert.equal(type, "kubernetes.io/basic-auth", name);
                    assert.equal((secret.inputs.metadata as Values).namespace, "platform-data");
                    assert.ok(cluster(resources).dependsOn.includes(secret.urn), `the cluster waits for ${name}`);
                }
            });

            it(want.retention ? `archives WAL and backs up daily at 02:00, kept ${want.retention}` : "has no backups", async () => {
                const { resources } = await successfulRun(stack);
                const s = spec(cluster(resources));
                const stores = ofType(resources, storeType);
                const scheduled = ofType(resources, scheduledType);
                const plugins = ofType(resources, "kubernetes:helm.sh/v3:Release").filter((r) => r.name === "plugin-barman-cloud");
                assert.equal(s.backup?.barmanObjectStore, undefined, "never the deprecated in-tree barmanObjectStore");
                if (!want.retention) {
                    assert.deepEqual([stores.length, scheduled.length, plugins.length, s.plugins], [0, 0, 0, undefined]);
                    return;
                }
                assert.deepEqual(s.plugins, [
                    {
                        name: "barman-cloud.cloudnative-pg.io",
                        isWALArchiver: true,
                        parameters: { barmanObjectName: "postgres-backups", serverName: "postgres" },
                    },
                ]);
                assert.equal(stores.length, 1);
                const store = spec(stores[0]);
                assert.equal((stores[0].inputs.metadata as Values).name, "postgres-backups");
                assert.equal(store.retentionPolicy, want.retention);
                // Outside the cluster: S3 with Pod Identity, never the in-cluster MinIO.
                assert.equal(store.configuration.destinationPath, `s3://ml-platform-${stack}-postgres-backups/`);
                assert.deepEqual(store.configuration.s3Credentials, { inheritFromIAMRole: true });
                assert.equal(store.configuration.endpointURL, undefined);
                assert.equal(scheduled.length, 1);
                assert.deepEqual(
                    [
                        spec(scheduled[0]).schedule,
                        spec(scheduled[0]).method,
                        spec(scheduled[0]).pluginConfiguration,
                        spec(scheduled[0]).cluster,
                    ],
                    ["0 0 2 * * *", "plugin", { name: "barman-cloud.cloudnative-pg.io" }, { name: "postgres" }],
                );
                assert.equal(plugins[0].inputs.namespace, "cnpg-system", "the plugin lives beside the operator");
                assert.ok(stores[0].dependsOn.includes(plugins[0].urn), "the ObjectStore waits for the plugin's CRD");
            });

            it(want.protect ? "protects and retains the cluster and its databases" : "leaves dev unprotected", async () => {
                const run = await successfulRun(stack);
                for (const r of [
                    cluster(run.resources),
                    findResource(run.resources, "kubernetes:postgresql.cnpg.io/v1:Database", "postgres-mlflow"),
                ]) {
                    assert.equal(r.protect, want.protect, r.name);
                    assert.equal(run.options[r.urn].retainOnDelete, want.protect, r.name);
                }
            });
        });
    }

    it("sizes prod from the design: 2–4 CPU, 8–16 GiB", async () => {
        const { resources } = await successfulRun("prod");
        assert.deepEqual(spec(cluster(resources)).resources, {
            requests: { cpu: "2", memory: "8Gi" },
            limits: { cpu: "4", memory: "16Gi" },
        });
    });

    it("installs the pinned operator first and makes the cluster wait for it (its CRDs)", async () => {
        const { resources } = await successfulRun("prod");
        const operator = release(resources, "cloudnative-pg");
        assert.deepEqual([operator.inputs.chart, operator.inputs.version], [charts.cloudnativePg.chart, "0.29.0"]);
        assert.equal(operator.inputs.namespace, "cnpg-system");
        assert.equal(release(resources, "plugin-barman-cloud").inputs.version, "0.7.0");
        assert.ok(cluster(resources).dependsOn.includes(operator.urn));
        assert.ok(release(resources, "plugin-barman-cloud").dependsOn.includes(release(resources, "cert-manager").urn));
    });

    it("takes retention and schedule from config, not from the stack name", async () => {
        const run = await runStack("staging", {
            overrides: editConfig("staging", (v) => {
                v.postgresql.backup = { enabled: true, schedule: "0 30 3 * * *", retentionDays: 14 };
            }),
        });
        assert.equal(run.error, undefined);
        assert.equal(spec(ofType(run.resources, storeType)[0]).retentionPolicy, "14d");
        assert.equal(spec(ofType(run.resources, scheduledType)[0]).schedule, "0 30 3 * * *");
    });

    it("exports the read-write and read-only hosts", async () => {
        const { outputs } = await successfulRun("prod");
        assert.deepEqual(
            [outputs!.postgresHost, outputs!.postgresReadOnlyHost],
            ["postgres-rw.platform-data.svc", "postgres-ro.platform-data.svc"],
        );
        assert.deepEqual(postgresHosts(), { readWrite: "postgres-rw.platform-data.svc", readOnly: "postgres-ro.platform-data.svc" });
    });

    it("requires zone anti-affinity only where every instance can have its own zone and data node", () => {
        const config = (stack: string) => {
            const { config: raw, secretKeys } = readStackConfig(stack);
            return parseConfig(stack, raw, (k) => secretKeys.includes(k));
        };
        assert.equal(antiAffinityType(config("prod")), "required");
        assert.equal(antiAffinityType(config("staging")), "required");
        assert.equal(antiAffinityType(config("dev")), "preferred");
    });

    describe("must fail", () => {
        it("production with 2 instances", async () => {
            const { problems } = await configProblems("prod", (v) => (v.postgresql.instances = 2));
            assert.ok(
                problems.includes("ml-platform:postgresql.instances = 2: tier production needs at least 3 instances"),
                problems.join("\n"),
            );
        });

        it("backups enabled with no retention", async () => {
            const { problems } = await configProblems("staging", (v) => delete v.postgresql.backup.retentionDays);
            assert.deepEqual(problems, ["ml-platform:postgresql.backup.retentionDays = (not set): is required when backups are enabled"]);
        });

        it("production with no synchronous replica", async () => {
            const { problems } = await configProblems("prod", (v) => (v.postgresql.synchronousReplicas = 0));
            assert.deepEqual(problems, ["ml-platform:postgresql.synchronousReplicas = 0: tier production needs a synchronous replica"]);
        });
    });
});
