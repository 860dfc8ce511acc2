import { strict as assert } from "node:assert";
import { instanceTypes, shapeOf } from "../../src/config/catalog";
import { hoursPerMonth, instanceHourly, regionPrices, spotDiscount, unpricedTypes } from "../../src/config/prices";
import { estimateCost, persistentVolumeGiB, regionOf, toGiB } from "../../src/plan/cost";
import { runStack } from "../../src/synth/mock-runtime";
import { stackNames } from "../../src/synth/stack-files";
import { editConfig, platformConfig, successfulRun } from "../harness";
import { pool, record, subnets } from "./fixtures";

describe("plan/cost", () => {
    it("prices pools at minimum and maximum, with root volumes, and fixed items once", () => {
        const inventory = [
            ...pool("system", "m6i.xlarge", 2, 2, 50),
            ...pool("gpu", "g5.xlarge", 0, 4, 200),
            record("aws:eks/cluster:Cluster", "eks"),
            record("aws:ec2/natGateway:NatGateway", "nat-a"),
            record("aws:ec2/natGateway:NatGateway", "nat-b"),
            record("aws:kms/key:Key", "k"),
            record("kubernetes:core/v1:PersistentVolumeClaim", "data", { spec: { resources: { requests: { storage: "100Gi" } } } }),
        ];
        const cost = estimateCost(inventory, "us-east-1");
        // m6i.xlarge: 0.192 × 730 = 140.16, + 50 GiB × 0.08 = 4 → 144.16 a node.
        assert.deepEqual(
            cost.lines.find((l) => l.item === "node pool system"),
            {
                item: "node pool system",
                min: 288.32,
                max: 288.32,
                detail: "2–2 × m6i.xlarge ($0.192/h) + 50 GiB gp3 each",
            },
        );
        // g5.xlarge: 1.006 × 730 = 734.38, + 200 × 0.08 = 16 → 750.38 a node; idle at 0 nodes.
        const gpu = cost.lines.find((l) => l.item === "node pool gpu")!;
        assert.deepEqual([gpu.min, gpu.max], [0, 3001.52]);
        const fixed = Object.fromEntries(cost.lines.filter((l) => !l.item.startsWith("node pool")).map((l) => [l.item, l.min]));
        assert.deepEqual(fixed, { "EKS control plane": 73, "NAT gateways": 65.7, "persistent volumes": 8, "KMS keys": 1 });
        assert.equal(cost.min, 288.32 + 73 + 65.7 + 8 + 1);
        assert.equal(cost.max, 288.32 + 3001.52 + 73 + 65.7 + 8 + 1);
    });

    it("must fail: an instance type or a region without a price, naming it", () => {
        assert.throws(() => estimateCost(pool("x", "z9.huge", 1, 1, 20), "us-east-1"), /no on-demand price for z9\.huge in us-east-1/);
        assert.throws(
            () => estimateCost(pool("x", "m6i.large", 1, 1, 20), "mars-north-1"),
            /no prices for region mars-north-1 .*known: us-east-1/,
        );
        assert.throws(() => estimateCost(pool("x", "m6i.large", 1, 1, 20)), /cannot tell the inventory's region/);
    });

    it("has a dated, sourced price for the catalog's types in five regions; a type unpriced in a region is named (issue 19)", () => {
        // us-east-1 (every stack's region) prices every type AWS offers there: all but p5e (not offered).
        assert.deepEqual(unpricedTypes("us-east-1", Object.keys(instanceTypes)), ["p5e.48xlarge"]);
        for (const region of ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"]) {
            const prices = regionPrices[region];
            assert.ok(prices, region);
            assert.match(prices.asOf, /^20\d\d-\d\d$/);
            assert.ok(prices.source.length > 10);
            for (const type of Object.keys(prices.instanceHourly)) assert.ok(type in instanceTypes, `${region} ${type}: a catalog type`);
            // Every CPU type and the GPU sizes priced before issue 19 are priced in all five regions ...
            const older = ["g5.xlarge", "g5.2xlarge", "g5.4xlarge", "g5.12xlarge", "g6.xlarge", "g6.2xlarge", "g6.4xlarge", "g6.12xlarge"];
            const everywhere = [...Object.keys(instanceTypes).filter((t) => shapeOf(t).gpus === 0), ...older, "g6e.xlarge", "g6e.2xlarge"];
            // ... or listed as not offered there (issue 18's check of the source), never both.
            assert.deepEqual(unpricedTypes(region, everywhere), [], region);
            const priced = Object.keys(prices.instanceHourly);
            assert.deepEqual(
                priced.filter((t) => (prices.notOffered as readonly string[]).includes(t)),
                [],
                region,
            );
            for (const [type, hourly] of Object.entries(prices.instanceHourly) as [string, number][]) {
                assert.ok(hourly > 0 && hourly < 100, `${region} ${type}`);
                if (spotDiscount.byFamily[type.split(".")[0]] !== undefined)
                    assert.ok(instanceHourly(region, type, "SPOT") < hourly, `${region} ${type}: spot below on demand`);
            }
            for (const k of ["eksClusterHourly", "natGatewayHourly", "loadBalancerHourly", "gp3GiBMonth", "kmsKeyMonth"] as const) {
                assert.ok(prices[k] > 0, `${region} ${k}`);
            }
        }
        assert.match(spotDiscount.asOf, /^20\d\d-\d\d$/);
        assert.deepEqual(regionPrices["us-east-1"].notOffered, [], "the reference region lists nothing as not offered");
    });

    it("must fail: a type not offered in the region, naming it and what is priced there", () => {
        const region = Object.keys(regionPrices).find((r) => regionPrices[r].notOffered.length > 0)!;
        const type = regionPrices[region].notOffered[0];
        assert.throws(
            () => estimateCost(pool("gpu", type, 0, 1, 20), region),
            new RegExp(`${type.replace(".", "\\.")} is not offered in ${region} .*choose an instance type priced in ${region}: t3\\.large`),
        );
    });

    it("prices the stack's region, not us-east-1: an eu-west-1 inventory costs eu-west-1's prices", () => {
        const inventory = (zones: string[]) => [...subnets(zones), ...pool("system", "m6i.xlarge", 2, 2, 50)];
        assert.equal(regionOf(inventory(["eu-west-1a", "eu-west-1b"])), "eu-west-1");
        const eu = estimateCost(inventory(["eu-west-1a", "eu-west-1b"]));
        const us = estimateCost(inventory(["us-east-1a", "us-east-1b"]));
        const perNode = (region: string) =>
            Math.round(
                2 * (regionPrices[region].instanceHourly["m6i.xlarge"]! * hoursPerMonth + 50 * regionPrices[region].gp3GiBMonth) * 100,
            ) / 100;
        assert.deepEqual(
            [eu.region, eu.lines[0].min, us.region, us.lines[0].min],
            ["eu-west-1", perNode("eu-west-1"), "us-east-1", perNode("us-east-1")],
        );
        assert.notEqual(eu.lines[0].min, us.lines[0].min);
    });

    it("prices SPOT pools at the dated discount, says SPOT and marks them an estimate", () => {
        const [spot] = estimateCost(pool("batch", "m6i.xlarge", 1, 1, 20, "SPOT"), "us-east-1").lines;
        const hourly = Math.round(0.192 * (1 - spotDiscount.byFamily.m6i) * 10000) / 10000;
        assert.equal(spot.item, "node pool batch (SPOT)");
        assert.equal(spot.estimate, true);
        assert.equal(spot.min, Math.round((hourly * hoursPerMonth + 20 * 0.08) * 100) / 100);
        assert.match(spot.detail, /SPOT estimate: on-demand less the \d{4}-\d\d median discount \(m6i −\d+%\)/);
        const [onDemand] = estimateCost(pool("batch", "m6i.xlarge", 1, 1, 20), "us-east-1").lines;
        assert.equal(onDemand.estimate, undefined);
        assert.ok(spot.min < onDemand.min);
    });

    it("prices a pool of several types at its cheapest for the minimum and its dearest for the maximum", () => {
        const [line] = estimateCost(pool("compute", ["m7i.2xlarge", "m6i.large", "r6i.xlarge"], 2, 5, 50), "us-east-1").lines;
        const node = (type: "m6i.large" | "m7i.2xlarge") => regionPrices["us-east-1"].instanceHourly[type]! * hoursPerMonth + 50 * 0.08;
        assert.deepEqual(
            [line.min, line.max],
            [Math.round(2 * node("m6i.large") * 100) / 100, Math.round(5 * node("m7i.2xlarge") * 100) / 100],
        );
        assert.match(line.detail, /m6i\.large \(\$0\.096\/h\) at min … m7i\.2xlarge \(\$0\.4032\/h\) at max/);
    });

    it("follows each stack's region and capacity type from its stack file", async function () {
        this.timeout(10 * 60 * 1000); // one run per stack and one edited run
        for (const stack of stackNames()) {
            const cost = estimateCost((await successfulRun(stack)).resources);
            assert.equal(cost.region, platformConfig(stack).region, stack);
        }
        const stack = stackNames()[0];
        const pools = platformConfig(stack).nodePools;
        const name = Object.keys(pools).find((p) => !pools[p].gpu)!;
        const run = await runStack(stack, {
            overrides: editConfig(stack, (v) => {
                v["aws:region"] = "eu-west-1";
                v.network.availabilityZones = v.network.availabilityZones.map((_: string, i: number) => `eu-west-1${"abc"[i]}`);
                v.nodePools[name].capacityType = "SPOT";
            }),
        });
        if (run.error) throw run.error;
        const cost = estimateCost(run.resources);
        assert.equal(cost.region, "eu-west-1");
        const line = cost.lines.find((l) => l.item.startsWith(`node pool ${name}`))!;
        assert.equal(line.item, `node pool ${name} (SPOT)`);
        assert.equal(line.estimate, true);
    });

    it("reads storage quantities", () => {
        assert.deepEqual(["500Gi", "1Ti", "512Mi", "20"].map(toGiB), [500, 1024, 0.5, 20]);
        assert.throws(() => toGiB("1Pi"), /unsupported storage quantity 1Pi/);
    });

    it("counts the volumes operators and charts claim, and the load balancers of chart ingresses", () => {
        const claim = (storage: string) => ({ spec: { resources: { requests: { storage } } } });
        const inventory = [
            record("kubernetes:core/v1:PersistentVolumeClaim", "pvc", claim("10Gi")),
            record("kubernetes:postgresql.cnpg.io/v1:Cluster", "pg", {
                spec: { instances: 3, storage: { size: "500Gi" }, walStorage: { size: "50Gi" } },
            }),
            record("kubernetes:minio.min.io/v2:Tenant", "minio", {
                spec: { pools: [{ servers: 4, volumesPerServer: 2, volumeClaimTemplate: claim("100Gi") }] },
            }),
            record("kubernetes:helm.sh/v3:Release", "kube-prometheus-stack", {
                chart: "kube-prometheus-stack",
                values: {
                    prometheus: { prometheusSpec: { replicas: 2, storageSpec: { volumeClaimTemplate: claim("200Gi") } } },
                    alertmanager: { alertmanagerSpec: { replicas: 3, storage: { volumeClaimTemplate: claim("2Gi") } } },
                    grafana: { persistence: { enabled: true, size: "20Gi" }, ingress: { enabled: true } },
                },
            }),
            record("kubernetes:helm.sh/v3:Release", "argocd", { chart: "argo-cd", values: { server: { ingress: { enabled: true } } } }),
        ];
        // 10 + 3 × 550 + 4 × 2 × 100 + 2 × 200 + 3 × 2 + 20
        assert.equal(persistentVolumeGiB(inventory), 2886);
        const lines = Object.fromEntries(estimateCost(inventory, "us-east-1").lines.map((l) => [l.item, l.detail]));
        assert.match(lines["load balancers"], /^2 × /);
        assert.match(lines["persistent volumes"], /^2886 GiB gp3/);
    });
});
