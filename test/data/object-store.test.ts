import { strict as assert } from "node:assert";
import { dataNamespaceQuota } from "../../src/addons/data-namespace";
import { bucketAccessPolicy, lifecycleRules, tlsOnlyPolicy } from "../../src/aws/buckets";
import { evaluate, policies } from "../../policy/rules";
import { ciDeployRolePattern, factsFromConfig, policyConfigFor } from "../../policy/stack-config";
import { images, parseConfig } from "../../src/config";
import { fakeInvoke } from "../../src/synth/fake-state";
import { runStack, StackRun } from "../../src/synth/mock-runtime";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";
import { poolLabel } from "../../src/aws/node-pools";
import { configProblems, editConfig, platformConfig, successfulRun } from "../harness";

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tenantType = "kubernetes:minio.min.io/v2:Tenant";
const buckets = ["mlflow-artifacts", "postgres-backups", "models", "datasets", "workflow-artifacts"];
const tenant = (rs: ResourceRecord[]) => findResource(rs, tenantType, "minio-tenant");
const pool = (rs: ResourceRecord[]) => (tenant(rs).inputs.spec as Values).pools[0] as Values;
const releases = (rs: ResourceRecord[]) => ofType(rs, "kubernetes:helm.sh/v3:Release");

/** Topology per stack (SPEC §1; SECURITY.md 29): servers × drives, volume size, disruption budget. */
const expected = {
    dev: { servers: 1, drives: 1, size: "50Gi", pdb: false, protect: false },
    staging: { servers: 2, drives: 2, size: "250Gi", pdb: true, protect: true },
    prod: { servers: 4, drives: 1, size: "500Gi", pdb: true, protect: true },
} as const;

/** The prod stack with the object store switched to S3, as a stack file would do it. */
let s3Run: Promise<StackRun> | undefined;
const prodWithS3 = () =>
    (s3Run ??= runStack("prod", {
        overrides: editConfig("prod", (v) => {
            v.objectStore = { kind: "s3" };
        }),
    }));

const loadStack = (stack: string) => {
    const { config, secretKeys } = readStackConfig(stack);
    return parseConfig(stack, config, (k) => secretKeys.includes(k));
};

describe("data: object store", () => {
    describe("MinIO", () => {
        for (const [stack, want] of Object.entries(expected)) {
            it(`${stack}: ${want.servers} server(s) × ${want.drives} drive(s) of ${want.size} on the data pool, across zones`, async () => {
                const run = await successfulRun(stack);
                const p = pool(run.resources);
                assert.deepEqual([p.servers, p.volumesPerServer], [want.servers, want.drives]);
                assert.equal(p.volumeClaimTemplate.spec.resources.requests.storage, want.size);
                assert.equal(p.volumeClaimTemplate.spec.storageClassName, "gp3-encrypted");
                assert.deepEqual(p.nodeSelector, { [poolLabel]: "data" });
                assert.deepEqual(
                    p.tolerations,
                    loadStack(stack).nodePools.data.taints.map((t) => ({
                        key: t.key,
                        operator: "Equal",
                        value: t.value,
                        effect: t.effect,
                    })),
                );
                assert.equal(p.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
                assert.equal(p.containerSecurityContext.runAsNonRoot, true);
                const budgets = ofType(run.resources, "kubernetes:policy/v1:PodDisruptionBudget").filter((b) => b.name === "minio-pdb");
                assert.equal(budgets.length, want.pdb ? 1 : 0);
                if (want.pdb) assert.deepEqual((budgets[0].inputs.spec as Values).selector.matchLabels["v1.min.io/tenant"], "minio");
                assert.equal(tenant(run.resources).protect, want.protect);
                assert.equal(run.options[tenant(run.resources).urn].retainOnDelete, want.protect);
            });

            it(`${stack}: pinned image and chart, TLS from the data CA, public metrics, the buckets, root credentials by the secrets path`, async () => {
                const { resources, outputs } = await successfulRun(stack);
                const spec = tenant(resources).inputs.spec as Values;
                assert.equal(spec.image, `quay.io/minio/minio:${images.minio.tag}`);
                assert.match(images.minio.tag, /^RELEASE\.\d{4}-\d{2}-\d{2}T/);
                // With backups on, postgres-backups is an S3 bucket outside the cluster, not a MinIO bucket.
                const backupsOn = JSON.parse(readStackConfig(stack).config["ml-platform:postgresql"]).backup.enabled as boolean;
                const inTenant = buckets.filter((b) => !(backupsOn && b === "postgres-backups"));
                assert.deepEqual((spec.buckets as Values[]).map((b) => b.name).sort(), [...inTenant].sort());
                assert.deepEqual(spec.users, [], "no MinIO user for backups");
                assert.equal(spec.requestAutoCert, false);
                assert.deepEqual(spec.externalCertSecret, [{ name: "minio-tls", type: "cert-manager.io/v1" }]);
                assert.ok(findResource(resources, "kubernetes:cert-manager.io/v1:Certificate", "minio-tls"));
                const operator = releases(resources).find((r) => r.name === "minio-operator")!;
                assert.deepEqual(
                    [operator.inputs.chart, operator.inputs.version, (operator.inputs.repositoryOpts as Values).repo],
                    ["operator", "7.1.1", "https://operator.min.io"],
                );
                assert.ok(tenant(resources).dependsOn.includes(operator.urn), "the tenant waits for the operator's CRDs");
                for (const r of releases(resources))
                    assert.doesNotMatch(String((r.inputs.repositoryOpts as Values).repo), /bitnami\.com\/charts|charts\.bitnami/);
                const sealed = readStackConfig(stack).config["ml-platform:secrets"].includes("sealed");
                const env = sealed
                    ? findResource(resources, "kubernetes:bitnami.com/v1alpha1:SealedSecret", "minio-env")
                    : findResource(resources, "kubernetes:core/v1:Secret", "minio-env");
                if (!sealed) assert.equal(env.inputs.stringData, "[secret]", "the root password stays secret in state");
                assert.equal(spec.configuration.name, "minio-env");
                assert.equal(outputs!.objectStoreEndpoint, "https://minio.platform-data.svc");
                assert.deepEqual(
                    outputs!.bucketNames,
                    Object.fromEntries(buckets.map((b) => [b, inTenant.includes(b) ? b : `ml-platform-${stack}-${b}`])),
                );
            });
        }

        it("sizes the data namespace's quota from config, with headroom", async () => {
            const prod = dataNamespaceQuota(loadStack("prod"));
            // 3 × 4 CPU + 4 × 2 = 20 → ×1.25 + 1; 3 × 16 GiB + 4 × 8 = 80 → 101; 4 × 500 GiB of drives + 4 × 500 GiB of PostgreSQL.
            assert.deepEqual(prod, { cpu: 26, memoryGiB: 101, gpus: 0, pods: 15, persistentVolumeClaims: 8, storageGiB: 4000 });
            const { resources } = await successfulRun("prod");
            const quota = ofType(resources, "kubernetes:core/v1:ResourceQuota").find(
                (q) => (q.inputs.metadata as Values).namespace === "platform-data",
            )!;
            assert.equal((quota.inputs.spec as Values).hard["requests.storage"], "4000Gi");
        });

        it("lets the workload and MLOps namespaces and Argo Workflows reach PostgreSQL and MinIO, Prometheus scrape both", async () => {
            const { resources } = await successfulRun("prod");
            const policy = (name: string) =>
                ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
                    (p) => (p.inputs.metadata as Values).namespace === "platform-data" && (p.inputs.metadata as Values).name === name,
                )!.inputs.spec as Values;
            const clients = policy("allow-clients").ingress[0];
            assert.deepEqual(
                clients.from.map((f: Values) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]),
                Object.entries(platformConfig("prod").namespaces)
                    .filter(([, ns]) => ns.kind === "workload" || ns.kind === "mlops")
                    .map(([name]) => name)
                    .concat("argo-workflows"),
            );
            assert.deepEqual(
                clients.ports.map((p: Values) => p.port),
                [5432, 9000],
            );
            assert.deepEqual(
                policy("allow-monitoring-scrape").ingress[0].ports.map((p: Values) => p.port),
                [9187, 9000],
            );
        });
    });

    describe("S3 (objectStore.kind s3)", () => {
        it("creates the same buckets with public access block, KMS, versioning, lifecycle and TLS-only policy, protected", async () => {
            const run = await prodWithS3();
            assert.equal(run.error, undefined);
            const b = ofType(run.resources, "aws:s3/bucket:Bucket");
            assert.deepEqual(b.map((x) => x.inputs.bucket).sort(), buckets.map((n) => `ml-platform-prod-${n}`).sort());
            for (const bucket of b) {
                assert.equal(bucket.protect, true);
                assert.equal(run.options[bucket.urn].retainOnDelete, true);
                assert.equal(bucket.inputs.forceDestroy, false);
                const on = (type: string) => findResource(run.resources, type, bucket.name).inputs;
                const pab = on("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
                assert.deepEqual(
                    [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
                    [true, true, true, true],
                );
                const sse = on("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration") as Values;
                assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
                assert.equal((on("aws:s3/bucketVersioning:BucketVersioning") as Values).versioningConfiguration.status, "Enabled");
                assert.ok(on("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"));
                assert.match(String(on("aws:s3/bucketPolicy:BucketPolicy").policy), /aws:SecureTransport/);
            }
            assert.equal(ofType(run.resources, tenantType).length, 0, "no MinIO when the kind is s3");
            assert.ok(!releases(run.resources).some((r) => r.name === "minio-operator"));
            assert.equal(run.outputs!.objectStoreEndpoint, `https://s3.${platformConfig("prod").region}.amazonaws.com`);
            assert.equal((run.outputs!.bucketNames as Values)["postgres-backups"], "ml-platform-prod-postgres-backups");
        });

        it("backs PostgreSQL up with a Pod Identity role limited to the backup bucket", async () => {
            const run = await prodWithS3();
            const association = findResource(run.resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "postgres-backup");
            assert.deepEqual([association.inputs.namespace, association.inputs.serviceAccount], ["platform-data", "postgres"]);
            const doc = JSON.parse(
                String(findResource(run.resources, "aws:iam/rolePolicy:RolePolicy", "postgres-backup").inputs.policy),
            ) as Values;
            const resources = JSON.stringify(
                doc.Statement.filter((s: Values) => String(s.Action).includes("s3:")).map((s: Values) => s.Resource),
            );
            assert.match(resources, /postgres-backups/);
            assert.doesNotMatch(resources, /models|datasets|mlflow/);
            const store = findResource(run.resources, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "postgres-backups").inputs
                .spec as Values;
            assert.deepEqual(store.configuration.s3Credentials, { inheritFromIAMRole: true });
            assert.equal(store.configuration.destinationPath, "s3://ml-platform-prod-postgres-backups/");
            assert.equal(store.configuration.endpointURL, undefined);
        });

        it("passes the policy pack in prod", async () => {
            const run = await prodWithS3();
            const facts = factsFromConfig(readStackConfig("prod").config);
            const deployer = String(fakeInvoke("aws:iam/getSessionContext:getSessionContext", platformConfig("prod").region).issuerArn);
            const findings = await evaluate(policies, run.resources, policyConfigFor(facts, [ciDeployRolePattern("prod"), deployer]));
            assert.deepEqual(
                findings.filter((f) => f.level === "mandatory").map((f) => `${f.policy}: ${f.message}`),
                [],
            );
        });

        it("keeps backups a week beyond the retention and old versions 30 days", () => {
            const ids = (rules: Values[]) => rules.map((r) => r.id);
            const backup = lifecycleRules("postgres-backups", { enabled: true, schedule: "0 0 2 * * *", retentionDays: 30 }) as Values[];
            assert.deepEqual(ids(backup), ["abort-incomplete-uploads", "expire-old-versions", "expire-after-retention"]);
            assert.equal(backup[2].expiration.days, 37);
            assert.deepEqual(ids(lifecycleRules("models", { enabled: true, schedule: "0 0 2 * * *", retentionDays: 30 }) as Values[]), [
                "abort-incomplete-uploads",
                "expire-old-versions",
            ]);
        });

        it("grants consumers objects and the key, never the bucket itself, and refuses plain HTTP", () => {
            const doc = bucketAccessPolicy(["arn:aws:s3:::b"], "arn:aws:kms:us-east-1:1:key/k");
            assert.ok(!doc.Statement.some((s) => String(s.Action).includes("*")));
            const deny = tlsOnlyPolicy("arn:aws:s3:::b").Statement[0];
            assert.deepEqual([deny.Effect, deny.Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
        });
    });

    describe("must fail", () => {
        it("distributed MinIO with 2 drives", async () => {
            const { problems } = await configProblems("staging", (v) => (v.objectStore.drivesPerServer = 1));
            assert.deepEqual(problems, [
                "ml-platform:objectStore.drivesPerServer = 1: distributed MinIO needs ≥ 4 drives in total (servers × drivesPerServer = 2)",
            ]);
        });

        it("production MinIO with fewer than 4 servers, even with 4 drives", async () => {
            const { problems } = await configProblems("prod", (v) => {
                v.objectStore.servers = 2;
                v.objectStore.drivesPerServer = 2;
            });
            assert.deepEqual(problems, ["ml-platform:objectStore.servers = 2: tier production needs ≥ 4 MinIO servers (or kind s3)"]);
        });

        it("S3 with MinIO topology settings", async () => {
            const { problems } = await configProblems("prod", (v) => (v.objectStore.kind = "s3"));
            assert.deepEqual(problems, ["ml-platform:objectStore.servers = 4: servers and drivesPerServer apply to kind minio only"]);
        });
    });

    for (const stack of stackNames().filter((s) => platformConfig(s).objectStore.kind === "minio")) {
        it(`${stack}: the MinIO operator trusts the data CA before it starts, so it can create the buckets and users over TLS`, async () => {
            const { resources } = await successfulRun(stack);
            const trust = resources.find((r) => (r.inputs.metadata as { name?: string })?.name === "operator-ca-tls-platform-data")!;
            assert.ok(trust, "a Secret operator-ca-tls-<namespace> in the operator's namespace");
            assert.equal((trust.inputs.metadata as { namespace: string }).namespace, "minio-operator");
            assert.equal(
                trust.type,
                platformConfig(stack).secrets.mode === "plain"
                    ? "kubernetes:core/v1:Secret"
                    : "kubernetes:bitnami.com/v1alpha1:SealedSecret",
            );
            const operator = findResource(resources, "kubernetes:helm.sh/v3:Release", "minio-operator");
            assert.ok(operator.dependsOn.includes(trust.urn));
            const cert = findResource(resources, "tls:index/selfSignedCert:SelfSignedCert", "data-ca-cert");
            assert.ok(trust.dependsOn.includes(cert.urn), "the same CA that signs MinIO's certificate");
            assert.equal(cert.inputs.isCaCertificate, true);
        });
    }
});
