import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { kedaNamespace, pipelineWorkerAutoscaling, scaledObjectProblems } from "../../src/addons/keda";
import { metricsServerNamespace, metricsServerReplicas } from "../../src/addons/metrics-server";
import { poolLabel } from "../../src/aws/node-pools";
import { charts } from "../../src/config";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { stackNames } from "../../src/synth/stack-files";
import { platformConfig, successfulRun } from "../harness";

/* metrics-server and KEDA (SPEC §4): pinned charts on the system pool, HA from the pool's size, and the design's example. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const release = (resources: ResourceRecord[], name: string) => findResource(resources, "kubernetes:helm.sh/v3:Release", name);
const docs = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "autoscaling.md"), "utf8");
const block = (marker: string) =>
    new RegExp(`<!-- ${marker}:start -->\\s*\`\`\`yaml\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${marker}:end -->`).exec(docs)![1];

describe("addons/metrics-server and keda", () => {
    for (const stack of stackNames()) {
        it(`${stack}: metrics-server pinned, on the system pool, replicas and PDB from the system pool's size`, async () => {
            const config = platformConfig(stack);
            const { resources } = await successfulRun(stack);
            const r = release(resources, "metrics-server");
            const v: Json = r.inputs.values;
            assert.deepEqual(
                [r.inputs.chart, r.inputs.version, r.inputs.namespace],
                [charts.metricsServer.chart, charts.metricsServer.version, metricsServerNamespace],
            );
            assert.deepEqual(v.nodeSelector, { [poolLabel]: "system" });
            const replicas = Math.min(2, config.nodePools.system.minSize ?? 1);
            assert.equal(v.replicas, replicas);
            assert.equal(v.podDisruptionBudget.enabled, replicas > 1);
            assert.equal(v.securityContext.runAsNonRoot, true);
            assert.deepEqual(v.securityContext.capabilities.drop, ["ALL"]);
        });

        it(`${stack}: KEDA pinned on the system pool, restricted, operator standby and PDBs where the pool has two nodes`, async () => {
            const config = platformConfig(stack);
            const { resources } = await successfulRun(stack);
            const r = release(resources, "keda");
            const v: Json = r.inputs.values;
            assert.deepEqual(
                [r.inputs.chart, r.inputs.version, r.inputs.namespace],
                [charts.keda.chart, charts.keda.version, kedaNamespace],
            );
            assert.deepEqual(v.nodeSelector, { [poolLabel]: "system" });
            assert.equal(v.operator.replicaCount, metricsServerReplicas(config));
            assert.equal(v.metricsServer.replicaCount, 1);
            for (const c of ["operator", "metricServer", "webhooks"]) {
                assert.equal(v.podSecurityContext[c].runAsNonRoot, true, c);
                assert.deepEqual(v.securityContext[c].capabilities.drop, ["ALL"], c);
                assert.ok(v.resources[c].requests.cpu, c);
            }
            assert.equal(v.webhooks.failurePolicy, "Ignore", "no fail-closed webhook on ScaledObjects");
            // KEDA's namespace exists before the release; both are in the inventory.
            assert.ok(ofType(resources, "kubernetes:core/v1:Namespace").some((n) => (n.inputs as Json).metadata.name === kedaNamespace));
        });
    }

    it("the design's pipeline workers scale 2–20 at 70 % CPU, in docs/autoscaling.md as rendered for prod", () => {
        const { hpa, scaledObject } = pipelineWorkerAutoscaling(platformConfig("prod"));
        assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 20]);
        assert.equal(hpa.spec.metrics[0].resource.target.averageUtilization, 70);
        assert.deepEqual([scaledObject.spec.minReplicaCount, scaledObject.spec.maxReplicaCount], [2, 20]);
        assert.equal(scaledObject.spec.triggers.find((t) => t.type === "cpu")!.metadata.value, "70");
        assert.equal(block("pipeline-worker-hpa"), stringify(hpa, { lineWidth: 0 }));
        assert.equal(block("pipeline-worker-scaledobject"), stringify(scaledObject, { lineWidth: 0 }));
    });

    it("the example ScaledObject has every field the KEDA 2.20.2 CRD requires", () => {
        for (const stack of stackNames()) {
            const { scaledObject } = pipelineWorkerAutoscaling(platformConfig(stack));
            assert.deepEqual(scaledObjectProblems(scaledObject), [], stack);
        }
    });

    it("refuses ScaledObjects the CRD refuses (the cases that must fail)", () => {
        const { scaledObject } = pipelineWorkerAutoscaling(platformConfig("prod"));
        const broken = (edit: (o: Json) => void) => {
            const o = JSON.parse(JSON.stringify(scaledObject));
            edit(o);
            return scaledObjectProblems(o);
        };
        assert.deepEqual(
            broken((o) => delete o.spec.scaleTargetRef.name),
            ["spec.scaleTargetRef.name is required"],
        );
        assert.deepEqual(
            broken((o) => (o.spec.triggers = [])),
            ["spec.triggers needs at least one item"],
        );
        assert.deepEqual(
            broken((o) => delete o.spec.triggers[1].type),
            ["spec.triggers[1].type is required"],
        );
        assert.deepEqual(
            broken((o) => (o.spec.triggers[0].metadata.value = 70)),
            ["spec.triggers[0].metadata.value must be a string"],
        );
        assert.deepEqual(
            broken((o) => (o.spec.minReplicaCount = 30)),
            ["minReplicaCount must be less than or equal to maxReplicaCount"],
        );
    });
});
