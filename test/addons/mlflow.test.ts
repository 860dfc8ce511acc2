import { strict as assert } from "node:assert";
import { mlflowAllowedHosts, mlflowNamespace, mlflowSelector, mlflowTrackingUri, mlflowUrl } from "../../src/addons/mlflow";
import { bucketPolicy, minioUserScript } from "../../src/addons/minio-users";
import { objectStoreFacts } from "../../src/addons/object-store";
import { postgresHosts } from "../../src/addons/postgresql";
import { poolLabel } from "../../src/aws/node-pools";
import { charts, images } from "../../src/config";
import { namespacesOfKind } from "../../src/k8s/baseline";
import { deployOrderProblems } from "../../src/plan/deploy-order";
import { runStack } from "../../src/synth/mock-runtime";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { stackNames } from "../../src/synth/stack-files";
import { configProblems, editConfig, platformConfig, successfulRun } from "../harness";

/* MLflow (SPEC §4): the connection path to its database and artifacts, HA from config, and its deploy order. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const release = (resources: ResourceRecord[]) => findResource(resources, "kubernetes:helm.sh/v3:Release", "mlflow");
const values = (resources: ResourceRecord[]): Json => release(resources).inputs.values;
const named = (resources: ResourceRecord[], kind: string, name: string, namespace: string) =>
    resources.filter((r) => {
        const meta = (r.inputs as Json).metadata;
        return r.type.endsWith(`:${kind}`) && meta?.name === name && meta?.namespace === namespace;
    });
const s3Edit = (v: Json) => (v.objectStore = { kind: "s3" });

describe("addons/mlflow", () => {
    for (const stack of stackNames()) {
        it(`${stack}: pinned chart and image in the first MLOps namespace, on the compute pool, replicas from config`, async () => {
            const config = platformConfig(stack);
            const { resources } = await successfulRun(stack);
            const r = release(resources);
            const v = values(resources);
            assert.equal(r.inputs.namespace, namespacesOfKind(config, "mlops")[0]);
            assert.deepEqual([r.inputs.chart, r.inputs.version], [charts.mlflow.chart, charts.mlflow.version]);
            assert.deepEqual(v.image, { repository: images.mlflow.repository, tag: images.mlflow.tag });
            assert.equal(v.initImages.mlflowDbMigration.tag, images.mlflow.tag, "the migration runs the server's version");
            assert.equal(v.replicaCount, config.mlflow.replicas);
            assert.deepEqual(v.nodeSelector, { [poolLabel]: "compute" });
            assert.ok(v.resources.requests.cpu && v.resources.limits.memory);
        });

        it(`${stack}: restricted Pod Security, probes and a metrics endpoint`, async () => {
            const v = values((await successfulRun(stack)).resources);
            assert.equal(v.podSecurityContext.runAsNonRoot, true);
            assert.equal(v.podSecurityContext.seccompProfile.type, "RuntimeDefault");
            assert.deepEqual(v.securityContext.capabilities.drop, ["ALL"]);
            assert.equal(v.securityContext.allowPrivilegeEscalation, false);
            assert.equal(v.securityContext.readOnlyRootFilesystem, true);
            assert.ok(v.livenessProbe.periodSeconds && v.readinessProbe.periodSeconds);
            assert.match(v.extraArgs.exposePrometheus, /^\/tmp\//, "multiprocess metrics on the chart's writable /tmp");
        });

        it(`${stack}: backend store is the mlflow database as mlflow_service over TLS, password by the secrets path`, async () => {
            const config = platformConfig(stack);
            const { resources } = await successfulRun(stack);
            const v = values(resources);
            const ns = mlflowNamespace(config);
            assert.equal(v.backendStore.postgres.host, postgresHosts().readWrite);
            assert.equal(v.backendStore.postgres.database, "mlflow");
            assert.equal(v.backendStore.postgres.password, undefined, "no password in the values");
            assert.equal(v.extraEnvVars.PGSSLMODE, "require");
            const secretKind = config.secrets.mode === "sealed" ? "SealedSecret" : "Secret";
            const [secret] = named(resources, secretKind, v.backendStore.existingDatabaseSecret.name, ns);
            assert.ok(secret, `${secretKind} ${v.backendStore.existingDatabaseSecret.name} in ${ns}`);
            if (secretKind === "Secret") assert.equal((secret.inputs as Json).type, "kubernetes.io/basic-auth");
            assert.deepEqual(deployOrderProblems(resources), []);
        });

        it(`${stack}: PDB and zone spread exactly when replicas > 1`, async () => {
            const config = platformConfig(stack);
            const { resources } = await successfulRun(stack);
            const v = values(resources);
            const pdbs = named(resources, "PodDisruptionBudget", "mlflow", mlflowNamespace(config));
            if (config.mlflow.replicas > 1) {
                assert.equal(pdbs.length, 1);
                assert.deepEqual((pdbs[0].inputs as Json).spec.selector.matchLabels, mlflowSelector);
                const term = v.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
                assert.equal(term.topologyKey, "topology.kubernetes.io/zone");
            } else {
                assert.equal(pdbs.length, 0);
                assert.deepEqual(v.affinity, {});
            }
        });

        it(`${stack}: UI at mlflow.<domain> through an internal ALB; the server accepts its Service names and pod IPs`, async () => {
            const config = platformConfig(stack);
            const v = values((await successfulRun(stack)).resources);
            assert.equal(v.ingress.className, "alb");
            assert.equal(v.ingress.annotations["alb.ingress.kubernetes.io/scheme"], "internal");
            assert.equal(`https://${v.ingress.hosts[0].host}`, mlflowUrl(config.domain));
            const hosts = mlflowAllowedHosts(config);
            assert.ok(hosts.includes(new URL(mlflowTrackingUri(config)).host));
            const pattern = hosts.find((h) => h.endsWith("*"))!;
            assert.ok(config.network.vpcCidr.startsWith(pattern.slice(0, -1)), `${pattern} covers ${config.network.vpcCidr}`);
        });
    }

    for (const stack of stackNames().filter((s) => platformConfig(s).objectStore.kind === "minio")) {
        it(`${stack} (MinIO): artifacts proxied to mlflow-artifacts with a MinIO user for that bucket only, TLS by the data CA`, async () => {
            const config = platformConfig(stack);
            const { resources } = await successfulRun(stack);
            const v = values(resources);
            assert.equal(v.artifactRoot.proxiedArtifactStorage, true);
            assert.equal(v.artifactRoot.s3.bucket, "mlflow-artifacts");
            assert.equal(v.extraEnvVars.MLFLOW_S3_ENDPOINT_URL, objectStoreFacts(config, "x").endpoint);
            assert.ok(v.extraEnvVars.AWS_CA_BUNDLE.startsWith(v.extraVolumeMounts[0].mountPath));
            const job = findResource(resources, "kubernetes:batch/v1:Job", "mlflow-minio-user");
            assert.ok((job.inputs as Json).spec.template.spec.containers[0].image.startsWith(images.minio.repository));
            // The Job runs before the server's pods: the release waits for it.
            assert.ok(release(resources).dependsOn.includes(job.urn));
        });
    }

    it("the MinIO user's policy names its bucket only, and the script never echoes the key (the case that must fail: another bucket)", () => {
        const policy = JSON.stringify(bucketPolicy("mlflow-artifacts"));
        assert.ok(policy.includes("arn:aws:s3:::mlflow-artifacts/*"));
        assert.ok(!/arn:aws:s3:::(\*|models|datasets)/.test(policy));
        assert.ok(!JSON.stringify(bucketPolicy("models")).includes("mlflow-artifacts"));
        const script = minioUserScript("mlflow", "mlflow-artifacts-rw");
        assert.ok(!/echo|set -x/.test(script));
    });

    it("with objectStore.kind s3: Pod Identity on mlflow-artifacts only, no static keys, the association before the pods", async () => {
        const overrides = editConfig("prod", s3Edit);
        const run = await runStack("prod", { overrides });
        if (run.error) throw run.error;
        const v = values(run.resources);
        assert.equal(v.artifactRoot.s3.existingSecret, undefined);
        assert.ok(!JSON.stringify(v).includes("AWS_ACCESS_KEY_ID") && !JSON.stringify(v).includes("AWS_SECRET_ACCESS_KEY"));
        assert.equal(v.extraPodLabels["platform.company.io/object-store-client"], "true");
        assert.match(v.artifactRoot.s3.bucket, /-mlflow-artifacts$/);
        const association = ofType(run.resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation").find(
            (a) => a.inputs.serviceAccount === v.serviceAccount.name && a.inputs.namespace === release(run.resources).inputs.namespace,
        );
        assert.ok(association, "a Pod Identity association for the server's service account");
        const policy = findResource(run.resources, "aws:iam/rolePolicy:RolePolicy", association.name).inputs.policy as string;
        const buckets = [...policy.matchAll(/buckets-([a-z0-9-]+?)(?:\/\*)?"/g)].map((m) => m[1]);
        assert.deepEqual([...new Set(buckets)], ["mlflow-artifacts"]);
        assert.deepEqual(deployOrderProblems(run.resources), []);
        assert.equal(ofType(run.resources, "kubernetes:batch/v1:Job").length, 0, "no MinIO user Job");
    });

    it("refuses a stack without an MLOps namespace, and production with one MLflow replica", async () => {
        const noMlops = await configProblems("dev", (v) => {
            for (const ns of Object.keys(v.namespaces)) if (v.namespaces[ns].kind === "mlops") delete v.namespaces[ns];
        });
        assert.ok(
            noMlops.problems.some((p) => p.includes("namespace of kind mlops")),
            noMlops.problems.join("\n"),
        );
        const single = await configProblems("prod", (v) => (v.mlflow = { replicas: 1 }));
        assert.ok(
            single.problems.some((p) => p.includes("mlflow.replicas")),
            single.problems.join("\n"),
        );
    });
});
