import { strict as assert } from "node:assert";
import { chartFacts, crossTeamWaits, deployOrderProblems, secretReferences } from "../../src/plan/deploy-order";
import { namespacesOfKind } from "../../src/k8s/baseline";
import { ResourceRecord } from "../../src/synth/inventory";
import { runStack } from "../../src/synth/mock-runtime";
import { stackNames } from "../../src/synth/stack-files";
import { editConfig, platformConfig, successfulRun } from "../harness";

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

    describe("a team's objects wait for their own namespace, not for other teams'", () => {
        const teamsOf = (stack: string) => {
            const config = platformConfig(stack);
            return [...namespacesOfKind(config, "mlops"), ...namespacesOfKind(config, "workload")];
        };
        for (const stack of stackNames()) {
            it(`${stack}: no object of one team depends on another team's`, async () => {
                const { resources } = await successfulRun(stack);
                assert.deepEqual(crossTeamWaits(resources, teamsOf(stack)), []);
            });
        }

        it("prod with two more mlops teams: each team's objects depend on as many resources as before (linear growth)", async () => {
            const base = await successfulRun("prod");
            const more = await runStack("prod", {
                overrides: editConfig("prod", (c) => {
                    for (const team of ["team-extra-a", "team-extra-b"])
                        c.namespaces[team] = {
                            kind: "mlops",
                            quota: { cpu: 1, memoryGiB: 2, pods: 10, persistentVolumeClaims: 1, storageGiB: 10 },
                        };
                }),
            });
            if (more.error) throw more.error;
            const depsOf = (resources: ResourceRecord[]) => new Map(resources.map((r) => [r.urn, r.dependsOn.length]));
            const [before, after] = [depsOf(base.resources), depsOf(more.resources)];
            const teams = namespacesOfKind(platformConfig("prod"), "mlops");
            const grown = base.resources
                .filter((r) => teams.includes(String((r.inputs.metadata as { namespace?: string } | undefined)?.namespace)))
                .filter((r) => after.get(r.urn) !== before.get(r.urn))
                .map((r) => `${r.urn}: ${before.get(r.urn)} → ${after.get(r.urn)}`);
            assert.deepEqual(grown, []);
            assert.deepEqual(crossTeamWaits(more.resources, [...teams, "team-extra-a", "team-extra-b"]), []);
        });

        it("finds a team's object that waits for the whole baseline (the quadratic case, failing)", async () => {
            const resources = clone((await successfulRun("prod")).resources);
            const teams = teamsOf("prod");
            const [mine, other] = teams;
            const serving = resources.find((r) => r.type === "kubernetes:core/v1:ServiceAccount" && r.name === `serving-${mine}`)!;
            const theirs = resources.filter((r) => (r.inputs.metadata as { namespace?: string } | undefined)?.namespace === other);
            assert.ok(theirs.length > 0, `${other} has objects`);
            serving.dependsOn = [...serving.dependsOn, ...theirs.map((r) => r.urn)];
            const found = crossTeamWaits(resources, teams);
            assert.equal(found.length, theirs.length);
            assert.ok(
                found.every((w) => w.namespace === mine && w.otherNamespace === other && w.resource === `ServiceAccount serving-${mine}`),
            );
        });
    });

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
