import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    artifactsMinioSecret,
    artifactsMinioUser,
    argoWorkflowsQuota,
    argoWorkflowsSizes,
    argoWorkflowsValues,
    artifactRepository,
    workflowServiceAccount,
} from "../../src/addons/argo-workflows";
import { dataNamespace } from "../../src/addons/data-namespace";
import { minioUserScript } from "../../src/addons/minio-users";
import { databases, serviceRoles } from "../../src/addons/postgresql";
import { deployOrderProblems } from "../../src/plan/deploy-order";
import { unsealValue } from "../../src/secrets/sealing";
import { boundaryServices } from "../../src/aws/permissions-boundary";
import { namespacesOfKind } from "../../src/k8s/baseline";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { stackNames } from "../../src/synth/stack-files";
import { runStack } from "../../src/synth/mock-runtime";
import { configProblems, editConfig, platformConfig, successfulRun } from "../harness";

/* Argo Workflows per environment (issue 20): pinned chart, system pool, mlops namespaces only, archive in PostgreSQL, artifacts in the object store. */

type Values = ReturnType<typeof argoWorkflowsValues>;
const release = (resources: ResourceRecord[]) => findResource(resources, "kubernetes:helm.sh/v3:Release", "argo-workflows");
const values = (resources: ResourceRecord[]) => release(resources).inputs.values as Values;
const named = (resources: ResourceRecord[], type: string, name: string) =>
    ofType(resources, type).filter((r) => (r.inputs.metadata as { name?: string })?.name === name);

const fixtureKey = fs.readFileSync(path.join(__dirname, "../../src/synth/fixtures/offline-sealing.key"), "utf8");
type Meta = { name: string; namespace: string };
const meta = (r: ResourceRecord) => r.inputs.metadata as Meta;
/** The delivered artifact Secrets (plain Secret or SealedSecret, per the stack's secrets path), by namespace. */
const artifactSecrets = (resources: ResourceRecord[]) =>
    resources.filter(
        (r) =>
            ["kubernetes:core/v1:Secret", "kubernetes:bitnami.com/v1alpha1:SealedSecret"].includes(r.type) &&
            meta(r).name === artifactsMinioSecret,
    );
const userJobName = "argo-workflows-minio-user";
const secretKeyName = `${userJobName}-secret-key`;

describe("addons/argo-workflows", () => {
    for (const stack of stackNames()) {
        it(`${stack}: pinned chart in its own namespace, controller and server on the system pool, sized from config`, async () => {
            const { resources, outputs } = await successfulRun(stack);
            const config = platformConfig(stack);
            const r = release(resources);
            assert.deepEqual([r.inputs.chart, r.inputs.version, r.inputs.namespace], ["argo-workflows", "1.0.18", "argo-workflows"]);
            const v = values(resources);
            for (const c of [v.controller, v.server]) assert.deepEqual(c.nodeSelector, { "platform.company.io/pool": "system" });
            assert.equal(v.controller.replicas, config.argoWorkflows.controllerReplicas);
            assert.equal(v.server.replicas, config.argoWorkflows.serverReplicas);
            assert.equal(v.controller.pdb.enabled, config.argoWorkflows.controllerReplicas > 1);
            assert.equal(v.crds.full, false, "the full CRDs come by a Job that downloads from GitHub");
            // The namespace quota holds every pod's limits twice over (rolling update).
            const quota = findResource(resources, "kubernetes:core/v1:ResourceQuota", "argo-workflows-quota");
            const hard = (quota.inputs.spec as { hard: Record<string, string> }).hard;
            const q = argoWorkflowsQuota(config.argoWorkflows);
            assert.equal(hard["limits.cpu"], String(q.cpu));
            const s = argoWorkflowsSizes;
            const cpu =
                config.argoWorkflows.controllerReplicas * s.controller.cpu[1] + config.argoWorkflows.serverReplicas * s.server.cpu[1];
            assert.ok(q.cpu >= 2 * cpu);
            assert.equal(outputs!.workflowsUrl, `https://workflows.${config.domain}`);
            assert.deepEqual(v.server.ingress.hosts, [`workflows.${config.domain}`]);
            assert.equal(v.server.ingress.annotations["alb.ingress.kubernetes.io/scheme"], "internal");
        });

        it(`${stack}: workflows only in the mlops namespaces: service accounts and roles there, an admission policy elsewhere`, async () => {
            const { resources } = await successfulRun(stack);
            const config = platformConfig(stack);
            const mlops = namespacesOfKind(config, "mlops");
            const v = values(resources);
            assert.deepEqual(v.controller.workflowNamespaces, mlops);
            assert.equal(v.createAggregateRoles, false, "edit/admin anywhere must not grant workflows");
            assert.equal(v.controller.workflowDefaults.spec.serviceAccountName, workflowServiceAccount);
            const binding = findResource(
                resources,
                "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
                "argo-workflows-mlops-only",
            );
            const selector = (binding.inputs.spec as { matchResources: { namespaceSelector: { matchExpressions: unknown[] } } })
                .matchResources.namespaceSelector;
            assert.deepEqual(selector.matchExpressions, [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: mlops }]);
            for (const ns of mlops) {
                const repo = named(resources, "kubernetes:core/v1:ConfigMap", "artifact-repositories").find(
                    (x) => (x.inputs.metadata as { namespace: string }).namespace === ns,
                );
                assert.ok(repo, `${ns} has its artifact repository`);
                assert.deepEqual(
                    JSON.parse((repo!.inputs.data as { default: string }).default),
                    artifactRepository(config, `ml-platform-${stack}`),
                );
            }
        });

        it(`${stack}: the archive is its own database and role in the CloudNativePG cluster, credentials delivered before the controller`, async () => {
            const { resources } = await successfulRun(stack);
            assert.equal(databases.argo_workflows.owner, "argo_workflows_service");
            assert.ok("argo_workflows_service" in serviceRoles);
            const db = findResource(resources, "kubernetes:postgresql.cnpg.io/v1:Database", "postgres-argo_workflows");
            assert.deepEqual(
                [(db.inputs.spec as { name: string }).name, (db.inputs.spec as { owner: string }).owner],
                ["argo_workflows", "argo_workflows_service"],
            );
            const v = values(resources);
            const pg = v.controller.persistence.postgresql;
            assert.equal(v.controller.persistence.archive, true);
            assert.equal(pg.sslMode, "require", "CloudNativePG refuses plain connections");
            assert.equal(pg.database, "argo_workflows");
            const secrets = resources.filter(
                (x) => (x.inputs.metadata as { name?: string; namespace?: string } | undefined)?.name === pg.passwordSecret.name,
            );
            assert.equal(secrets.length, 1, "one archive secret");
            assert.equal((secrets[0].inputs.metadata as { namespace: string }).namespace, "argo-workflows", "beside the controller");
            assert.ok(release(resources).dependsOn.includes(secrets[0].urn), "the secret exists before the controller starts");
        });
    }

    for (const stack of stackNames().filter((s) => platformConfig(s).objectStore.kind === "minio")) {
        it(`${stack} (MinIO): every mlops namespace gets workflow-artifacts-minio with the bucket user's generated key and the data CA, before the controller`, async () => {
            const { resources } = await successfulRun(stack);
            const config = platformConfig(stack);
            const mlops = namespacesOfKind(config, "mlops");
            const secrets = artifactSecrets(resources);
            assert.deepEqual(secrets.map((s) => meta(s).namespace).sort(), [...mlops].sort(), "one per mlops namespace, nowhere else");
            // The names the artifact repository reads are the ones delivered.
            const repo = artifactRepository(config, `ml-platform-${stack}`).s3 as Record<string, { name: string; key: string }>;
            const refs = [repo.accessKeySecret, repo.secretKeySecret, repo.caSecret];
            assert.deepEqual(new Set(refs.map((r) => r.name)), new Set([artifactsMinioSecret]));
            const job = findResource(resources, "kubernetes:batch/v1:Job", userJobName);
            const password = findResource(resources, "random:index/randomPassword:RandomPassword", secretKeyName);
            const r = release(resources);
            for (const s of secrets) {
                // The secret key comes from the generated password (an input dependency), never a literal.
                assert.ok(s.dependsOn.includes(password.urn), `${meta(s).namespace}: carries the generated key`);
                assert.ok(r.dependsOn.includes(s.urn), `${meta(s).namespace}: the Secret exists before the controller`);
                const repoMap = named(resources, "kubernetes:core/v1:ConfigMap", "artifact-repositories").find(
                    (x) => meta(x).namespace === meta(s).namespace,
                )!;
                assert.ok(repoMap.dependsOn.includes(s.urn), `${meta(s).namespace}: the repository is made after its Secret`);
                if (s.type === "kubernetes:core/v1:Secret") {
                    assert.equal(s.inputs.stringData, "[secret]", "values stay secret in state");
                    continue;
                }
                // Sealed: unseal with the offline key and compare with what the user Job was given.
                const data = (s.inputs.spec as { encryptedData: Record<string, string> }).encryptedData;
                assert.deepEqual(Object.keys(data).sort(), refs.map((x) => x.key).sort());
                const target = { name: artifactsMinioSecret, namespace: meta(s).namespace };
                const value = (k: string) => unsealValue(fixtureKey, target, data[k]).toString();
                assert.equal(value("accesskey"), artifactsMinioUser);
                assert.equal(value("secretkey"), `offline-password-${secretKeyName}`);
                assert.match(value("ca.crt"), /^-----BEGIN CERTIFICATE-----/);
            }
            // The Job makes the user with that key and the bucket's policy, before the controller.
            assert.ok(r.dependsOn.includes(job.urn), "the user exists before the controller");
            const script = (job.inputs as { spec: { template: { spec: { containers: { command: string[] }[] } } } }).spec.template.spec
                .containers[0].command[2];
            assert.equal(script, minioUserScript(artifactsMinioUser, "workflow-artifacts-rw"));
            const template = ofType(resources, "kubernetes:argoproj.io/v1alpha1:ClusterWorkflowTemplate");
            for (const t of template) assert.ok(t.dependsOn.includes(r.urn), "the template after the release (so after the Job)");
            assert.deepEqual(deployOrderProblems(resources), []);
        });

        it(`${stack} (MinIO): the artifact user's policy covers the workflow-artifacts bucket only (the case that must fail: any other resource)`, async () => {
            const { resources } = await successfulRun(stack);
            const policyMap = named(resources, "kubernetes:core/v1:ConfigMap", "minio-policy-workflow-artifacts-rw");
            assert.equal(policyMap.length, 1);
            assert.equal(meta(policyMap[0]).namespace, dataNamespace);
            const policy = JSON.parse((policyMap[0].inputs.data as Record<string, string>)["policy.json"]) as {
                Statement: { Effect: string; Resource: string[] }[];
            };
            const covered = policy.Statement.flatMap((st) => st.Resource);
            assert.ok(covered.length > 0);
            const onlyBucket = (r: string) => r === "arn:aws:s3:::workflow-artifacts" || r === "arn:aws:s3:::workflow-artifacts/*";
            for (const st of policy.Statement) assert.equal(st.Effect, "Allow");
            for (const r of covered) assert.ok(onlyBucket(r), `${r} is outside workflow-artifacts`);
            // The check itself must fail on a wider policy: MLflow's user (another bucket) and a wildcard.
            const mlflowPolicy = named(resources, "kubernetes:core/v1:ConfigMap", "minio-policy-mlflow-artifacts-rw")[0];
            const other = JSON.parse((mlflowPolicy.inputs.data as Record<string, string>)["policy.json"]) as {
                Statement: { Resource: string[] }[];
            };
            assert.ok(!other.Statement.flatMap((st) => st.Resource).every(onlyBucket));
            assert.ok(!onlyBucket("arn:aws:s3:::*"));
        });
    }

    it("with objectStore.kind s3: no MinIO user, no workflow-artifacts-minio Secret anywhere (Pod Identity instead)", async () => {
        const run = await runStack("dev", { overrides: editConfig("dev", (v) => (v.objectStore = { kind: "s3" })) });
        if (run.error) throw run.error;
        assert.deepEqual(artifactSecrets(run.resources), []);
        assert.ok(!ofType(run.resources, "kubernetes:batch/v1:Job").some((j) => j.name === userJobName));
        assert.deepEqual(deployOrderProblems(run.resources), []);
        // While the MinIO stack (dev) has them: the assertion above is not vacuous.
        const { resources } = await successfulRun("dev");
        assert.ok(artifactSecrets(resources).length > 0);
    });

    it("authModes: client by default; sso needs its block (the case that must fail), then renders SSO with RBAC", async () => {
        const { problems } = await configProblems("dev", (v) => (v.argoWorkflows = { ...v.argoWorkflows, authModes: ["client", "sso"] }));
        assert.ok(
            problems.some((p) => p.includes("argoWorkflows.sso") && p.includes("authModes includes sso")),
            problems.join("\n"),
        );
        const run = await runStack("dev", {
            overrides: editConfig("dev", (v) => {
                v.argoWorkflows = {
                    ...v.argoWorkflows,
                    authModes: ["client", "sso"],
                    sso: { issuer: "https://idp.example.com", adminGroup: "ml-admins" },
                };
            }),
        });
        if (run.error) throw run.error;
        const v = values(run.resources);
        assert.deepEqual(v.server.authModes, ["client", "sso"]);
        assert.equal(v.server.sso!.redirectUrl, `https://workflows.${platformConfig("dev").domain}/oauth2/callback`);
        const admin = named(run.resources, "kubernetes:core/v1:ServiceAccount", "workflows-admin")[0];
        assert.equal(
            (admin.inputs.metadata as { annotations: Record<string, string> }).annotations["workflows.argoproj.io/rbac-rule"],
            '"ml-admins" in groups',
        );
        const { problems: serverMode } = await configProblems(
            "dev",
            (v) => (v.argoWorkflows = { ...v.argoWorkflows, authModes: ["server"] }),
        );
        assert.ok(
            serverMode.some((p) => p.includes("argoWorkflows.authModes")),
            "server mode (everyone acts as the server) is refused",
        );
    });

    it("a stack without the workflow-artifacts bucket is refused before anything is created (the case that must fail)", async () => {
        const { problems } = await configProblems(
            "dev",
            (v) => (v.objectStore = { ...v.objectStore, buckets: ["mlflow-artifacts", "models"] }),
        );
        assert.ok(
            problems.some((p) => p.includes("workflow-artifacts")),
            problems.join("\n"),
        );
    });

    it("with objectStore.kind s3: workflow pods and the server use Pod Identity on workflow-artifacts only, no keys, inside the boundary", async () => {
        const run = await runStack("prod", { overrides: editConfig("prod", (v) => (v.objectStore = { kind: "s3" })) });
        if (run.error) throw run.error;
        const config = platformConfig("prod");
        const repo = artifactRepository({ ...config, objectStore: { ...config.objectStore, kind: "s3" } }, "ml-platform-prod");
        const s3 = repo.s3 as Record<string, unknown>;
        assert.equal(s3.useSDKCreds, true);
        assert.ok(!("accessKeySecret" in s3) && !("secretKeySecret" in s3), "no static keys with S3");
        const associations = ofType(run.resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((a) =>
            ["argo-workflow", "argo-workflows-server"].includes(a.inputs.serviceAccount as string),
        );
        assert.deepEqual(
            associations.map((a) => `${a.inputs.namespace}/${a.inputs.serviceAccount}`).sort(),
            ["argo-workflows/argo-workflows-server", ...namespacesOfKind(config, "mlops").map((ns) => `${ns}/argo-workflow`)].sort(),
        );
        const v = values(run.resources);
        assert.deepEqual(v.controller.workflowDefaults.spec.podMetadata?.labels, { "platform.company.io/object-store-client": "true" });
        // Their policies: S3 (and KMS) on the workflow-artifacts bucket only, under the boundary's ceiling.
        const policies = ofType(run.resources, "aws:iam/rolePolicy:RolePolicy").filter((r) => r.name.includes("workflows"));
        assert.equal(policies.length, associations.length, "one policy per consumer");
        for (const p of policies) {
            const statements = JSON.parse(String(p.inputs.policy)).Statement as {
                Action: string | string[];
                Resource: string | string[];
            }[];
            for (const s of statements) {
                for (const action of [s.Action].flat())
                    assert.ok((boundaryServices as readonly string[]).includes(action.split(":")[0]), action);
                for (const resource of [s.Resource].flat().filter((x) => x.startsWith("arn:aws:s3")))
                    assert.match(resource, /workflow-artifacts/, `${p.name} reaches only the workflow-artifacts bucket`);
            }
        }
    });
});
