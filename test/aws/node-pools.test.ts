import { strict as assert } from "node:assert";
import { poolLabels, scaleFromZeroTags } from "../../src/aws/node-pools";
import { NodePoolConfig } from "../../src/config";
import { findResource, ofType } from "../../src/synth/inventory";
import { runStack } from "../../src/synth/mock-runtime";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";
import { editConfig, platformConfig, successfulRun } from "../harness";

const gpuPool: NodePoolConfig = {
    purpose: "training",
    provisioner: "managed",
    gpuSharing: { mode: "off" },
    efa: false,
    instanceTypes: ["g5.2xlarge", "g5.12xlarge"],
    minSize: 0,
    maxSize: 2,
    diskSizeGiB: 200,
    capacityType: "ON_DEMAND",
    gpu: true,
    labels: { team: "ml" },
    taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
};

describe("aws/node-pools", () => {
    it("derives the autoscaler node template of a GPU pool: labels, taint, and the GPUs every instance type has", () => {
        assert.deepEqual(scaleFromZeroTags("gpu", gpuPool), {
            "k8s.io/cluster-autoscaler/node-template/label/team": "ml",
            "k8s.io/cluster-autoscaler/node-template/label/platform.company.io/pool": "gpu",
            "k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present": "true",
            "k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator": "nvidia-a10g",
            "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "true:NoSchedule",
            "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "1",
        });
        assert.deepEqual(poolLabels("system", { ...gpuPool, gpu: false, labels: {} }), { "platform.company.io/pool": "system" });
    });

    for (const stack of stackNames()) {
        it(`${stack}: every node is private, SSH-less, IMDSv2-only with hop limit 1, on an encrypted gp3 root volume`, async () => {
            const { resources } = await successfulRun(stack);
            const groups = ofType(resources, "aws:eks/nodeGroup:NodeGroup");
            const managed = Object.values(platformConfig(stack).nodePools).filter((p) => p.provisioner === "managed");
            assert.equal(
                groups.length,
                managed.length,
                "managed pools only: Karpenter pools are NodePools (test/addons/karpenter.test.ts)",
            );
            const privateSubnets = ofType(resources, "aws:ec2/subnet:Subnet")
                .filter((s) => s.name.startsWith("network-private-"))
                .map((s) => `${s.name}-id`);
            for (const g of groups) {
                assert.deepEqual(g.inputs.subnetIds, privateSubnets, `${g.name} runs in private subnets only`);
                assert.equal(g.inputs.remoteAccess, undefined, `${g.name} allows no SSH`);
                assert.equal(g.inputs.diskSize, undefined, "the launch template owns the disk");
                const template = findResource(resources, "aws:ec2/launchTemplate:LaunchTemplate", g.name);
                assert.deepEqual(template.inputs.metadataOptions, {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                    instanceMetadataTags: "disabled",
                });
                const ebs = (template.inputs.blockDeviceMappings as { ebs: Record<string, unknown> }[])[0].ebs;
                assert.deepEqual([ebs.volumeType, ebs.encrypted], ["gp3", "true"]);
            }
        });
    }

    it("lets the autoscaler own the desired size, and runs the control plane's Kubernetes version", async () => {
        const run = await successfulRun("prod");
        const version = JSON.parse(readStackConfig("prod").config["ml-platform:cluster"]).kubernetesVersion;
        for (const g of ofType(run.resources, "aws:eks/nodeGroup:NodeGroup")) {
            assert.deepEqual(run.options[g.urn].ignoreChanges, ["scalingConfig.desiredSize"]);
            assert.equal(g.inputs.version, version);
        }
    });

    it("sends a pinned desiredSize (raising minSize above the running size), and only for that pool", async () => {
        const run = await runStack("prod", {
            overrides: editConfig("prod", (c) => {
                c.nodePools.data.minSize = 4;
                c.nodePools.data.maxSize = 4;
                c.nodePools.data.desiredSize = 4;
            }),
        });
        if (run.error) throw run.error;
        const compute = findResource(run.resources, "aws:eks/nodeGroup:NodeGroup", "nodes-data");
        assert.deepEqual(run.options[compute.urn].ignoreChanges, []);
        assert.equal((compute.inputs.scalingConfig as { desiredSize: number }).desiredSize, 4);
        const system = findResource(run.resources, "aws:eks/nodeGroup:NodeGroup", "nodes-system");
        assert.deepEqual(run.options[system.urn].ignoreChanges, ["scalingConfig.desiredSize"]);
    });

    it("makes a managed GPU pool an NVIDIA pool that scales from zero, with the accelerator label and node auto repair, and taints the data pool", async () => {
        // prod's gpu pool is Karpenter's; as a managed node group (a stack may keep one) it is this.
        const run = await runStack("prod", { overrides: editConfig("prod", managedGpu) });
        if (run.error) throw run.error;
        const { resources } = run;
        const gpu = findResource(resources, "aws:eks/nodeGroup:NodeGroup", "nodes-gpu");
        assert.equal(gpu.inputs.amiType, "AL2023_x86_64_NVIDIA");
        assert.deepEqual(gpu.inputs.scalingConfig, { minSize: 0, maxSize: 4, desiredSize: 0 });
        assert.deepEqual(gpu.inputs.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
        assert.equal((gpu.inputs.labels as Record<string, string>)["k8s.amazonaws.com/accelerator"], "nvidia-a10g");
        assert.deepEqual(gpu.inputs.nodeRepairConfig, { enabled: true });
        assert.equal(findResource(resources, "aws:eks/nodeGroup:NodeGroup", "nodes-system").inputs.nodeRepairConfig, undefined);
        const asgTags = ofType(resources, "aws:autoscaling/tag:Tag").map((t) => (t.inputs.tag as { key: string }).key);
        assert.ok(asgTags.includes("k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"));
        assert.ok(asgTags.includes("k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator"));
        assert.ok(asgTags.includes("k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"));
        const data = findResource(resources, "aws:eks/nodeGroup:NodeGroup", "nodes-data");
        assert.deepEqual(
            data.inputs.taints,
            platformConfig("prod").nodePools.data.taints.map((t) => ({
                ...t,
                effect: t.effect.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase(),
            })),
        );
        assert.ok((data.inputs.taints as unknown[]).length > 0, "the data pool is tainted");
        assert.equal(findResource(resources, "aws:eks/nodeGroup:NodeGroup", "nodes-system").inputs.amiType, "AL2023_x86_64_STANDARD");
    });

    it("gives nodes worker and pull-only ECR rights, and nothing for the CNI", async () => {
        const { resources } = await successfulRun("prod");
        const policies = ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((a) => a.name.startsWith("nodes-role-"))
            .map((a) => String(a.inputs.policyArn));
        assert.deepEqual(policies.sort(), [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        ]);
    });
});

/** prod's gpu pool turned back into a managed node group of at most 4 nodes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function managedGpu(c: Record<string, any>): void {
    const gpu = { ...c.nodePools.gpu, provisioner: "managed", minSize: 0, maxSize: 4 };
    delete gpu.limits;
    delete gpu.disruption;
    c.nodePools.gpu = gpu;
}
