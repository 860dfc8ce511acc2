import { strict as assert } from "node:assert";
import { estimateCost, persistentVolumeGiB, toGiB } from "../../src/plan/cost";
import { pool, record } from "./fixtures";

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
        const cost = estimateCost(inventory);
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

    it("refuses an instance type it has no price for", () => {
        assert.throws(() => estimateCost(pool("x", "z9.huge", 1, 1, 20)), /no price for z9.huge in the catalog/);
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
        const lines = Object.fromEntries(estimateCost(inventory).lines.map((l) => [l.item, l.detail]));
        assert.match(lines["load balancers"], /^2 × /);
        assert.match(lines["persistent volumes"], /^2886 GiB gp3/);
    });
});
