import { strict as assert } from "node:assert";
import { runStack } from "../../src/synth/mock-runtime";
import { autoscalerPolicy } from "../../src/addons/cluster-autoscaler";
import { loadBalancerControllerPolicy } from "../../src/addons/load-balancer-controller";
import { charts } from "../../src/config";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { editConfig, successfulRun } from "../harness";

const release = (resources: ResourceRecord[], name: string) => findResource(resources, "kubernetes:helm.sh/v3:Release", name);
type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("addons: autoscaler, load balancer controller, GPU plumbing", () => {
    it("pins every chart from the catalog", async () => {
        const { resources } = await successfulRun("prod");
        const pinned = Object.values(charts).map((c) => `${c.chart}@${c.version}`);
        for (const r of ofType(resources, "kubernetes:helm.sh/v3:Release")) {
            assert.ok(pinned.includes(`${r.inputs.chart}@${r.inputs.version}`), `${r.name} is pinned in the catalog`);
            assert.equal(r.inputs.atomic, true);
        }
    });

    it("runs the autoscaler on the system pool with its own Pod Identity role, scaling only this cluster's groups", async () => {
        const { resources } = await successfulRun("prod");
        const values = release(resources, "cluster-autoscaler").inputs.values as Values;
        assert.deepEqual(values.autoDiscovery, { clusterName: "ml-platform-prod" });
        assert.deepEqual(values.nodeSelector, { "platform.company.io/pool": "system" });
        assert.equal(values.image.tag, "v1.34.5");
        const association = findResource(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "cluster-autoscaler");
        assert.deepEqual([association.inputs.namespace, association.inputs.serviceAccount], ["kube-system", "cluster-autoscaler"]);
        const scale = autoscalerPolicy("ml-platform-prod").Statement.find((s) => s.Sid === "ScaleOwnGroups")!;
        assert.deepEqual(scale.Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/ml-platform-prod": "owned" } });
    });

    it("lets the load balancer controller change only what carries its cluster tag", () => {
        const mutating = loadBalancerControllerPolicy().Statement.filter(
            (s) => s.Sid?.startsWith("Manage") || s.Sid?.startsWith("CreateTagged"),
        );
        assert.equal(mutating.length, 3);
        for (const s of mutating) assert.ok(JSON.stringify(s.Condition).includes("elbv2.k8s.aws/cluster"), s.Sid);
    });

    it("puts the device plugin and DCGM on GPU nodes only, tolerating the GPU taint, after nodes and DNS", async () => {
        const { resources } = await successfulRun("staging");
        for (const name of ["nvidia-device-plugin", "dcgm-exporter"]) {
            const values = release(resources, name).inputs.values as Values;
            assert.deepEqual(values.nodeSelector, { "nvidia.com/gpu.present": "true" });
            assert.deepEqual(values.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
        }
        const coredns = ofType(resources, "aws:eks/addon:Addon").find((a) => a.inputs.addonName === "coredns")!;
        for (const name of ["nvidia-device-plugin", "dcgm-exporter", "cluster-autoscaler"]) {
            assert.ok(release(resources, name).dependsOn.includes(coredns.urn), `${name} waits for cluster DNS`);
        }
        const plugin = release(resources, "nvidia-device-plugin").urn;
        assert.ok(!release(resources, "dcgm-exporter").dependsOn.includes(plugin), "independent services start in parallel");
    });

    it("installs no GPU plumbing in a cluster without GPU pools", async () => {
        const run = await runStack("dev", {
            overrides: editConfig("dev", (v) => {
                delete v.nodePools.gpu;
                for (const ns of Object.values(v.namespaces) as Values[]) ns.quota.gpus = 0;
            }),
        });
        assert.equal(run.error, undefined);
        const releases = ofType(run.resources, "kubernetes:helm.sh/v3:Release").map((r) => r.name);
        assert.deepEqual(
            releases.filter((r) => ["nvidia-device-plugin", "dcgm-exporter"].includes(r)),
            [],
        );
        assert.ok(releases.includes("cluster-autoscaler") && releases.includes("aws-load-balancer-controller"), "the rest stays");
        assert.equal(
            ofType(run.resources, "kubernetes:argoproj.io/v1alpha1:ClusterWorkflowTemplate").length,
            0,
            "no GPU training template",
        );
        assert.ok(releases.includes("argo-workflows"), "workflows without the GPU template");
    });
});
