import { strict as assert } from "node:assert";
import { chartFacts, deployOrderProblems, secretReferences } from "../../src/plan/deploy-order";
import { ResourceRecord } from "../../src/synth/inventory";
import { runStack } from "../../src/synth/mock-runtime";
import { stackNames } from "../../src/synth/stack-files";
import { editConfig, successfulRun } from "../harness";

const clone = (resources: ResourceRecord[]): ResourceRecord[] => JSON.parse(JSON.stringify(resources));
const release = (resources: ResourceRecord[], name: string) =>
    resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === name)!;
const lines = (resources: ResourceRecord[]) => deployOrderProblems(resources).map((p) => `[${p.rule}] ${p.resource} needs ${p.needs}`);

describe("plan/deploy-order (what must exist before what)", () => {
    for (const stack of stackNames()) {
        it(`${stack}: every resource's needs at creation exist first`, async () => {
            const { resources } = await successfulRun(stack);
            assert.deepEqual(lines(resources), []);
        });

        it(`${stack}: the load balancer controller's Service webhook with the chart's default scope races the releases beside it (fault 2, failing case)`, async () => {
            const resources = clone((await successfulRun(stack)).resources);
            const values = release(resources, "aws-load-balancer-controller").inputs.values as Record<string, unknown>;
            delete values.serviceMutatorWebhookConfig;
            const raced = deployOrderProblems(resources).filter(
                (p) => p.rule === "webhook" && p.needs === "release aws-load-balancer-controller",
            );
            // Every release that creates Services and neither waits for the controller nor comes before it.
            const expected = resources
                .filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && chartFacts[String(r.inputs.chart)].creates.includes("Service"))
                .filter(
                    (r) =>
                        r.name !== "aws-load-balancer-controller" && !r.dependsOn.some((d) => d.endsWith("::aws-load-balancer-controller")),
                )
                .map((r) => `Release ${r.name}`);
            assert.ok(expected.length >= 5, `${stack}: ${expected.join(", ")}`);
            assert.deepEqual(raced.map((p) => p.resource).sort(), [...expected].sort());
        });
    }

    it("finds a custom resource created before its CRD, a Secret read before it exists, pods before their Pod Identity association, an object before its namespace", async () => {
        const resources = clone((await successfulRun("prod")).resources);
        const drop = (r: ResourceRecord, ending: string) => (r.dependsOn = r.dependsOn.filter((d) => !d.endsWith(ending)));
        const tenant = resources.find((r) => r.type === "kubernetes:minio.min.io/v2:Tenant")!;
        // The tenant reaches the operator release only through its explicit dependency.
        drop(tenant, "::minio-operator");
        const grafanaSecret = "::monitoring-grafana-admin";
        drop(release(resources, "kube-prometheus-stack"), grafanaSecret);
        const lbc = release(resources, "aws-load-balancer-controller");
        lbc.dependsOn = lbc.dependsOn.filter((d) => !d.includes("PodIdentityAssociation"));
        // An object whose namespace may not exist yet (the MinIO PodMonitor before it waited for the data namespace).
        resources.find((r) => r.name === "monitoring-podmonitor-minio")!.dependsOn = [];
        const found = lines(resources);
        assert.ok(found.includes("[namespace] PodMonitor monitoring-podmonitor-minio needs Namespace platform-data"), found.join("\n"));
        assert.ok(found.includes("[crd] Tenant minio-tenant needs release minio-operator"), found.join("\n"));
        assert.ok(
            found.some((l) => l.startsWith("[secret] Release kube-prometheus-stack needs SealedSecret")),
            found.join("\n"),
        );
        assert.ok(
            found.includes("[pod-identity] Release aws-load-balancer-controller needs PodIdentityAssociation aws-load-balancer-controller"),
            found.join("\n"),
        );
    });

    it("prod with objectStore.kind s3: backups' Pod Identity association exists before the PostgreSQL pods", async () => {
        const run = await runStack("prod", { overrides: editConfig("prod", (v) => (v.objectStore = { kind: "s3" })) });
        if (run.error) throw run.error;
        assert.ok(
            run.resources.some(
                (r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation" && r.inputs.serviceAccount === "postgres",
            ),
        );
        assert.deepEqual(lines(run.resources), []);
    });

    it("reads Secret names from values and specs, not key names", () => {
        assert.deepEqual(
            secretReferences({
                admin: { existingSecret: "g", userKey: "u" },
                bootstrap: { initdb: { secret: { name: "c" } } },
                list: [{ externalCertSecret: [{ name: "t" }] }],
            }),
            ["g", "c", "t"],
        );
    });
});
