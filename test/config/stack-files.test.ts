import { strict as assert } from "node:assert";
import { parseConfig, PlatformConfig } from "../../src/config";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";

/*
 * Every Pulumi.<stack>.yaml through the real schema, then the environment table of SPEC §1–§2
 * as invariants over the data: sizes relative to prod, topology per tier, no code branches.
 */

function load(stack: string): PlatformConfig {
    const { config, secretKeys } = readStackConfig(stack);
    return parseConfig(stack, config, (k) => secretKeys.includes(k));
}

const totalCpu = (c: PlatformConfig) => Object.values(c.namespaces).reduce((sum, ns) => sum + ns.quota.cpu, 0);
const totalMemory = (c: PlatformConfig) => Object.values(c.namespaces).reduce((sum, ns) => sum + ns.quota.memoryGiB, 0);

describe("config/stack files", () => {
    const configs = Object.fromEntries(stackNames().map((s) => [s, load(s)]));

    it("parse through the strict schema, each naming its own environment", () => {
        for (const [stack, c] of Object.entries(configs)) assert.equal(c.environment, stack);
        assert.deepEqual(
            Object.values(configs).map((c) => c.tier),
            ["development", "production", "staging"],
        );
    });

    it("name the workload namespace platform-<environment> next to monitoring and mlops", () => {
        for (const [stack, c] of Object.entries(configs)) {
            assert.deepEqual(Object.keys(c.namespaces).sort(), [`platform-${stack}`, "platform-mlops", "platform-monitoring"].sort());
            assert.equal(c.namespaces[`platform-${stack}`].kind, "workload");
        }
    });

    it("carry the design's prod quotas, staging half and dev a quarter", () => {
        const prod = configs.prod.namespaces;
        assert.deepEqual(
            [prod["platform-prod"].quota, prod["platform-monitoring"].quota, prod["platform-mlops"].quota].map((q) => [q.cpu, q.memoryGiB]),
            [
                [32, 128],
                [8, 32],
                [16, 64],
            ],
        );
        assert.equal(totalCpu(configs.staging), totalCpu(configs.prod) / 2);
        assert.equal(totalMemory(configs.staging), totalMemory(configs.prod) / 2);
        assert.equal(totalCpu(configs.dev), totalCpu(configs.prod) / 4);
        assert.equal(totalMemory(configs.dev), totalMemory(configs.prod) / 4);
    });

    it("carry the design's node pools: system 2, data 3 tainted managed; compute up to 20 nodes' vCPUs and GPU 0–N tainted by Karpenter in prod", () => {
        const pools = configs.prod.nodePools;
        assert.deepEqual(
            Object.entries(pools).map(([n, p]) => [n, p.provisioner, p.minSize, p.maxSize, p.limits, p.gpu]),
            [
                ["system", "managed", 2, 2, undefined, false],
                ["data", "managed", 3, 3, undefined, false],
                ["compute", "karpenter", undefined, undefined, { vcpus: 80 }, false],
                ["gpu", "karpenter", undefined, undefined, { gpus: 4 }, true],
            ],
        );
        for (const c of Object.values(configs)) {
            // Issue 19's default in every stack: gpu and compute by Karpenter (a NodePool keeps nothing idle), system and data managed.
            assert.deepEqual(
                Object.entries(c.nodePools).map(([n, p]) => [n, p.provisioner]),
                [
                    ["system", "managed"],
                    ["data", "managed"],
                    ["compute", "karpenter"],
                    ["gpu", "karpenter"],
                ],
            );
            assert.ok(c.nodePools.data.taints.length === 1, `${c.environment}: the data pool is tainted`);
        }
    });

    it("size compute at about a quarter (dev) and half (staging) of prod's vCPUs", () => {
        // vCPUs at maximum size across CPU pools, from the instance catalog.
        const { instanceTypes } = require("../../src/config/catalog") as typeof import("../../src/config/catalog"); // eslint-disable-line @typescript-eslint/no-require-imports
        const vcpus = (c: PlatformConfig) =>
            Object.values(c.nodePools)
                .filter((p) => !p.gpu)
                // Karpenter pools are capped by limits.vcpus, managed ones by maxSize nodes.
                .reduce((sum, p) => sum + (p.limits?.vcpus ?? (p.maxSize ?? 0) * instanceTypes[p.instanceTypes[0]].vcpu), 0);
        const ratio = (s: string) => vcpus(configs[s]) / vcpus(configs.prod);
        assert.ok(ratio("dev") >= 0.15 && ratio("dev") <= 0.35, `dev at ${ratio("dev").toFixed(2)} of prod`);
        assert.ok(ratio("staging") >= 0.35 && ratio("staging") <= 0.65, `staging at ${ratio("staging").toFixed(2)} of prod`);
    });

    it("follow the environment table for data, secrets, monitoring, backups and network", () => {
        const row = (c: PlatformConfig) => ({
            postgres: c.postgresql.instances,
            minio: c.objectStore.servers,
            secrets: c.secrets.mode,
            monitoring: c.monitoring.level,
            pager: c.alerting.pagerduty,
            slack: c.alerting.slack !== undefined,
            retention: c.postgresql.backup.retentionDays ?? 0,
            egress: c.network.egress,
        });
        assert.deepEqual(row(configs.dev), {
            postgres: 1,
            minio: 1,
            secrets: "plain",
            monitoring: "basic",
            pager: false,
            slack: false,
            retention: 0,
            egress: "open",
        });
        assert.deepEqual(row(configs.staging), {
            postgres: 2,
            minio: 2,
            secrets: "sealed",
            monitoring: "full",
            pager: false,
            slack: true,
            retention: 7,
            egress: "internet",
        });
        assert.deepEqual(row(configs.prod), {
            postgres: 3,
            minio: 4,
            secrets: "sealed",
            monitoring: "full",
            pager: true,
            slack: true,
            retention: 30,
            egress: "restricted",
        });
        assert.equal(configs.prod.postgresql.synchronousReplicas, 1);
    });

    it("refuses a secret written as plaintext", () => {
        const { config } = readStackConfig("staging");
        assert.throws(
            () => parseConfig("staging", config, () => false),
            /ml-platform:slackWebhookUrl = "\(hidden\)": must be stored encrypted/,
        );
    });
});
