import { strict as assert } from "node:assert";
import { devicePluginConfig } from "../../src/addons/gpu";
import { karpenterNamespace } from "../../src/addons/karpenter";
import { karpenterControllerPolicy } from "../../src/aws/karpenter";
import { boundaryServices } from "../../src/aws/permissions-boundary";
import { charts, efaInterfaces, gpuTaint, instanceTypes, shapeOf } from "../../src/config/catalog";
import { regionPrices } from "../../src/config/prices";
import { estimateCost } from "../../src/plan/cost";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { runStack } from "../../src/synth/mock-runtime";
import { stackNames } from "../../src/synth/stack-files";
import { configProblems, editConfig, platformConfig, successfulRun } from "../harness";

/*
 * Issue 19: Karpenter provisions the pools whose config says `provisioner: karpenter` (gpu and
 * compute in every stack), the GPU catalog, sharing, EFA. Expectations come from the stack files.
 * CRD facts checked here: aws/karpenter-provider-aws pkg/apis/crds at v1.14.1 (NodePool requires
 * template.spec.nodeClassRef {group, kind, name} and requirements; EC2NodeClass requires
 * amiSelectorTerms, securityGroupSelectorTerms, subnetSelectorTerms; networkInterfaces need a primary
 * card-0/device-0 `interface` and at most one `efa-only` per card; consolidationPolicy enum).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const nodePools = (r: readonly ResourceRecord[]) => ofType(r, "kubernetes:karpenter.sh/v1:NodePool");
const nodeClasses = (r: readonly ResourceRecord[]) => ofType(r, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass");
const spec = (r: ResourceRecord) => r.inputs.spec as Json;
const named = (list: ResourceRecord[], name: string) => list.find((r) => (r.inputs.metadata as Json).name === name)!;

/** CRD checks: required fields and enums of the two kinds (v1.14.1 CRDs). */
function checkCrds(np: ResourceRecord, nc: ResourceRecord): void {
    const n = spec(np);
    assert.deepEqual(Object.keys(n.template.spec.nodeClassRef).sort(), ["group", "kind", "name"]);
    assert.ok(n.template.spec.requirements.length > 0);
    assert.ok(["WhenEmpty", "WhenEmptyOrUnderutilized"].includes(n.disruption.consolidationPolicy));
    const c = spec(nc);
    for (const key of ["amiSelectorTerms", "securityGroupSelectorTerms", "subnetSelectorTerms"]) assert.ok(c[key]?.length > 0, key);
    assert.match(c.amiSelectorTerms[0].alias, /^al2023@v\d{8}$/);
    const nics = (c.networkInterfaces ?? []) as { networkCardIndex: number; deviceIndex: number; interfaceType: string }[];
    if (nics.length > 0) {
        assert.ok(nics.some((x) => x.networkCardIndex === 0 && x.deviceIndex === 0 && x.interfaceType === "interface"));
        for (const card of new Set(nics.map((x) => x.networkCardIndex))) {
            assert.ok(nics.filter((x) => x.networkCardIndex === card && x.interfaceType === "efa-only").length <= 1);
        }
    }
}

describe("addons/karpenter (issue 19)", function () {
    this.timeout(300_000);

    for (const stack of stackNames()) {
        it(`${stack}: Karpenter pools are NodePools with node classes, managed pools stay node groups`, async () => {
            const config = platformConfig(stack);
            const { resources } = await successfulRun(stack);
            const karpenterPools = Object.entries(config.nodePools).filter(([, p]) => p.provisioner === "karpenter");
            assert.ok(karpenterPools.length > 0, "gpu and compute are Karpenter's by default");
            assert.deepEqual(
                nodePools(resources)
                    .map((r) => (r.inputs.metadata as Json).name)
                    .sort(),
                karpenterPools.map(([n]) => n).sort(),
            );
            const groups = ofType(resources, "aws:eks/nodeGroup:NodeGroup").map((g) => g.name.replace(/^nodes-/, ""));
            assert.deepEqual(
                groups.sort(),
                Object.keys(config.nodePools)
                    .filter((n) => config.nodePools[n].provisioner === "managed")
                    .sort(),
            );
            for (const [name, pool] of karpenterPools) {
                const np = named(nodePools(resources), name);
                const nc = named(nodeClasses(resources), name);
                checkCrds(np, nc);
                const n = spec(np);
                const types = n.template.spec.requirements.find((r: Json) => r.key === "node.kubernetes.io/instance-type").values;
                assert.deepEqual(types, pool.instanceTypes);
                if (pool.gpu) {
                    assert.deepEqual(n.limits, { "nvidia.com/gpu": String(pool.limits!.gpus) });
                    assert.ok(n.template.spec.taints.some((t: Json) => t.key === gpuTaint.key && t.effect === gpuTaint.effect));
                } else {
                    assert.deepEqual(n.limits, { cpu: String(pool.limits!.vcpus) });
                }
                const c = spec(nc);
                assert.deepEqual(c.metadataOptions.httpPutResponseHopLimit, 1);
                assert.equal(c.metadataOptions.httpTokens, "required");
                assert.deepEqual(c.blockDeviceMappings[0].ebs, {
                    volumeSize: `${pool.diskSizeGiB}Gi`,
                    volumeType: "gp3",
                    encrypted: true,
                    deleteOnTermination: true,
                });
                assert.equal(c.associatePublicIPAddress, false);
                assert.equal(c.userData, undefined);
                assert.equal(c.subnetSelectorTerms.length, config.network.availabilityZones.length);
            }
        });
    }

    it("runs the controller on the system pool with its own Pod Identity role, node repair on, its queue, after its CRDs", async () => {
        const { resources } = await successfulRun("prod");
        const release = findResource(resources, "kubernetes:helm.sh/v3:Release", "karpenter");
        assert.equal(release.inputs.version, charts.karpenter.version);
        assert.equal(release.inputs.namespace, karpenterNamespace);
        const values = release.inputs.values as Json;
        assert.equal(values.nodeSelector["platform.company.io/pool"], "system");
        assert.equal(values.settings.featureGates.nodeRepair, true);
        assert.ok(values.settings.interruptionQueue);
        const association = ofType(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation").find(
            (a) => a.inputs.serviceAccount === "karpenter",
        );
        assert.ok(association && release.dependsOn.some((d) => d === association.urn || d.includes("karpenter")));
        for (const np of nodePools(resources)) assert.ok(np.dependsOn.includes(release.urn), "NodePools wait for the chart's CRDs");
        assert.equal(ofType(resources, "aws:cloudwatch/eventRule:EventRule").length, 5);
        const entry = ofType(resources, "aws:eks/accessEntry:AccessEntry").find((e) => e.inputs.type === "EC2_LINUX");
        assert.ok(entry, "Karpenter's node role joins through an EC2_LINUX access entry");
        const queue = findResource(resources, "aws:sqs/queue:Queue", "karpenter-interruption");
        assert.equal(queue.inputs.sqsManagedSseEnabled, true);
    });

    it("scopes the controller policy to the cluster, and uses only services the permissions boundary allows", () => {
        const doc = karpenterControllerPolicy({
            partition: "aws",
            region: "us-east-1",
            accountId: "123456789012",
            clusterName: "ml-platform-prod",
            queueArn: "arn:aws:sqs:us-east-1:123456789012:ml-platform-prod-karpenter",
            nodeRoleArn: "arn:aws:iam::123456789012:role/ml-platform-prod-karpenter-nodes",
        });
        const actions = doc.Statement.flatMap((s) => [s.Action ?? []].flat()) as string[];
        const services = new Set(actions.map((a) => a.split(":")[0]));
        for (const service of services)
            assert.ok((boundaryServices as readonly string[]).includes(service), `${service} outside the boundary`);
        const launch = doc.Statement.find((s) => s.Sid === "AllowScopedEC2InstanceActionsWithTags")!;
        assert.deepEqual((launch.Condition as Json).StringEquals["aws:RequestTag/kubernetes.io/cluster/ml-platform-prod"], "owned");
        const pass = doc.Statement.find((s) => s.Sid === "AllowPassingInstanceRole")!;
        assert.equal(pass.Resource, "arn:aws:iam::123456789012:role/ml-platform-prod-karpenter-nodes");
    });

    it("prices Karpenter pools at 0 idle and their limits at the dearest type per GPU or vCPU", async () => {
        const { resources } = await successfulRun("prod");
        const config = platformConfig("prod");
        const cost = estimateCost(resources);
        const gpu = cost.lines.find((l) => l.item.startsWith("node pool gpu"))!;
        const prices = regionPrices[config.region].instanceHourly as Record<string, number>;
        const dearest = [...config.nodePools.gpu.instanceTypes]
            .sort((a, b) => prices[a] / shapeOf(a).gpus - prices[b] / shapeOf(b).gpus)
            .pop()!;
        const nodes = Math.floor(config.nodePools.gpu.limits!.gpus! / shapeOf(dearest).gpus);
        assert.equal(gpu.min, 0);
        const gp3 = regionPrices[config.region].gp3GiBMonth;
        assert.equal(gpu.max, Math.round(nodes * (prices[dearest] * 730 + config.nodePools.gpu.diskSizeGiB * gp3) * 100) / 100);
    });

    describe("config rules: refused before any resource", () => {
        const refused = async (edit: (c: Json) => void, pattern: RegExp) => {
            const { problems, run } = await configProblems("prod", edit);
            assert.equal(run.resources.length, 0);
            assert.ok(
                problems.some((p) => pattern.test(p)),
                problems.join("\n"),
            );
        };
        it("MIG on g5 (must fail)", () =>
            refused(
                (c) => (c.nodePools.gpu.gpuSharing = { mode: "mig", profile: "1g.10gb" }),
                /gpuSharing.mode = "?mig"?: g5.xlarge, g5.2xlarge cannot do MIG/,
            ));
        it("EFA on g6.xlarge (must fail)", () =>
            refused(
                (c) => ((c.nodePools.gpu.instanceTypes = ["g6.xlarge"]), (c.nodePools.gpu.efa = true)),
                /efa = true: g6.xlarge has no EFA/,
            ));
        it("a Karpenter GPU pool without the taint (must fail)", () =>
            refused((c) => (c.nodePools.gpu.taints = []), /nodePools.gpu.taints.*must carry the taint nvidia.com\/gpu=true:NoSchedule/));
        it("a type without a price in the region (p5e.48xlarge: not offered in us-east-1)", () =>
            refused(
                (c) => (c.nodePools.gpu.instanceTypes = ["p5e.48xlarge"]),
                new RegExp(`no on-demand price in ${platformConfig("prod").region}`),
            ));
        it("a MIG profile the GPU does not have", () =>
            refused(
                (c) => (
                    (c.nodePools.gpu.instanceTypes = ["p5.48xlarge"]),
                    (c.nodePools.gpu.gpuSharing = { mode: "mig", profile: "1g.5gb" })
                ),
                /is not a MIG profile of the H100/,
            ));
        it("maxSize on a Karpenter pool, and a Karpenter GPU pool without limits.gpus", async () => {
            await refused((c) => (c.nodePools.gpu.maxSize = 4), /gpu.maxSize = 4: a Karpenter pool is capped by limits/);
            await refused((c) => delete c.nodePools.gpu.limits, /limits.gpus = \(not set\): is required for a Karpenter GPU pool/);
        });
        it("a namespace GPU quota above what the pools can ever advertise (time-slicing counts replicas × GPUs)", async () => {
            await refused(
                (c) => (c.namespaces["platform-prod"].quota.gpus = 5),
                /quota.gpus = 5: exceeds the 4 GPUs the GPU pools can advertise/,
            );
            const { resources } = await runStack("prod", {
                overrides: editConfig("prod", (c) => {
                    c.nodePools.gpu.gpuSharing = { mode: "time-slicing", replicas: 4 };
                    c.namespaces["platform-prod"].quota.gpus = 16;
                }),
            });
            assert.ok(resources.length > 0, "16 = 4 GPUs × 4 replicas is within capacity");
        });
    });

    it("keeps the catalog consistent: every GPU type has its GPU facts, MIG only on A100/H100/H200, EFA types match the EFA chart's list", () => {
        for (const [type, shape] of Object.entries(instanceTypes)) {
            const s = shapeOf(type);
            if (shape.gpus > 0) assert.ok(s.gpu, `${type}: GPU facts`);
            if (s.gpu) assert.equal(s.gpu.mig, ["A100", "H100", "H200"].includes(s.gpu.model), type);
        }
        // aws/eks-charts stable/aws-efa-k8s-device-plugin/values.yaml (5239609) supportedInstanceLabels, our families.
        assert.equal(efaInterfaces("g6.xlarge"), 0);
        assert.equal(efaInterfaces("p5.48xlarge"), 32);
    });

    it("synthesizes a scratch stack: a p5.48xlarge pool with EFA and a g6e pool with time-slicing", async () => {
        const overrides = editConfig("prod", (c) => {
            // us-east-1, where p5.48xlarge has a verified price (a fork may run prod elsewhere).
            c["aws:region"] = "us-east-1";
            c.network.availabilityZones = ["us-east-1a", "us-east-1b", "us-east-1c"];
            c.nodePools.train = {
                purpose: "distributed training on H100 with EFA",
                provisioner: "karpenter",
                instanceTypes: ["p5.48xlarge"],
                limits: { gpus: 16 },
                disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "30m", expireAfter: "Never", budgetNodes: "1" },
                diskSizeGiB: 500,
                gpu: true,
                efa: true,
                labels: { "platform.company.io/pool": "train" },
                taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
            };
            c.nodePools.infer = {
                purpose: "shared inference on L40S (time-sliced)",
                provisioner: "karpenter",
                instanceTypes: ["g6e.xlarge", "g6e.2xlarge"],
                limits: { gpus: 4 },
                diskSizeGiB: 200,
                gpu: true,
                gpuSharing: { mode: "time-slicing", replicas: 4 },
                labels: { "platform.company.io/pool": "infer" },
                taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
            };
        });
        const run = await runStack("prod", { overrides });
        if (run.error) throw run.error;
        const { resources } = run;
        const train = spec(named(nodeClasses(resources), "train"));
        checkCrds(named(nodePools(resources), "train"), named(nodeClasses(resources), "train"));
        assert.equal(train.networkInterfaces.filter((n: Json) => n.interfaceType === "efa-only").length, 32);
        assert.equal(train.securityGroupSelectorTerms.length, 2, "cluster and EFA security groups");
        const sg = findResource(resources, "aws:ec2/securityGroup:SecurityGroup", "karpenter-efa");
        const selfRules = [
            ...ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
            ...ofType(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
        ].filter((r) => r.name.startsWith("karpenter-efa"));
        assert.equal(selfRules.length, 2);
        for (const r of selfRules) assert.equal(r.inputs.ipProtocol, "-1");
        assert.ok(sg);
        const efa = findResource(resources, "kubernetes:helm.sh/v3:Release", "aws-efa-k8s-device-plugin");
        assert.deepEqual((efa.inputs.values as Json).supportedInstanceLabels.values, ["p5.48xlarge"]);
        const plugin = findResource(resources, "kubernetes:helm.sh/v3:Release", "nvidia-device-plugin");
        const map = (plugin.inputs.values as Json).config.map;
        assert.deepEqual(JSON.parse(map.infer).sharing.timeSlicing.resources, [{ name: "nvidia.com/gpu", replicas: 4 }]);
        const infer = spec(named(nodePools(resources), "infer"));
        assert.equal(infer.template.metadata.labels["nvidia.com/device-plugin.config"], "infer");
        const cost = estimateCost(resources);
        const line = cost.lines.find((l) => l.item.startsWith("node pool train"))!;
        assert.equal(line.max, Math.round(2 * (55.04 * 730 + 500 * 0.08) * 100) / 100);
        console.log(
            `      scratch stack: ${cost.lines
                .filter((l) => /train|infer/.test(l.item))
                .map((l) => `${l.item} $${l.min}–$${l.max}/month (${l.detail})`)
                .join("; ")}`,
        );
    });

    it("renders no device plugin config without sharing, one entry per sharing pool with it", () => {
        const config = platformConfig("prod");
        assert.equal(devicePluginConfig(config), undefined);
        const shared = {
            nodePools: {
                ...config.nodePools,
                gpu: { ...config.nodePools.gpu, gpuSharing: { mode: "time-slicing" as const, replicas: 3 } },
            },
        };
        assert.deepEqual(Object.keys(devicePluginConfig(shared)!.map), ["default", "gpu"]);
    });
});
