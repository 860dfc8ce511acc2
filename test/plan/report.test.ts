import { strict as assert } from "node:assert";
import { charts } from "../../src/config/catalog";
import { quotaHard } from "../../src/k8s/namespaces";
import { compareFacts, planFacts, renderReport } from "../../src/plan/report";
import { runStack } from "../../src/synth/mock-runtime";
import { stackNames } from "../../src/synth/stack-files";
import { editConfig, platformConfig, successfulRun } from "../harness";

describe("plan/report", () => {
    for (const stack of stackNames()) {
        it(`${stack}: renders the plan with pools, quotas, services, cost at its region's prices and the critical path`, async () => {
            const { resources } = await successfulRun(stack);
            const config = platformConfig(stack);
            const report = renderReport(stack, resources);
            for (const heading of [
                "## Node pools",
                "## Namespaces and quotas",
                "## Services",
                `## Monthly cost (${config.region}, prices as of `,
                "## Deploy critical path",
                "## Resources by type",
            ]) {
                assert.ok(report.includes(heading), heading);
            }
            for (const [name, pool] of Object.entries(config.nodePools)) {
                const row =
                    pool.provisioner === "karpenter"
                        ? `| ${name} | ${pool.instanceTypes.join(", ")}${pool.gpu ? " (GPU)" : ""}: Karpenter ≤ ${pool.gpu ? `${pool.limits!.gpus} GPU` : `${pool.limits!.vcpus} vCPU`}`
                        : `| ${name} | ${pool.minSize}–${pool.maxSize} × ${pool.instanceTypes.join(", ")}`;
                assert.ok(report.includes(row), name);
            }
            for (const [ns, { quota }] of Object.entries(config.namespaces)) {
                const hard = quotaHard(quota);
                assert.ok(
                    report.includes(
                        `| ${ns} | ${hard["requests.cpu"]} CPU / ${hard["requests.memory"]} / ${hard["requests.nvidia.com/gpu"]} GPU`,
                    ),
                    ns,
                );
            }
            const autoscaler = charts.clusterAutoscaler;
            assert.ok(report.includes(`| cluster-autoscaler | ${autoscaler.chart}@${autoscaler.version} in kube-system |`));
            assert.match(report, /\n1\. \S+ `[^`]+` — [\d.]+ min/);
        });
    }

    it("compare shows every difference that matters: region, zones, CIDRs, domain, GitHub, versions, pools, quotas, cost; nothing for a stack against itself", async function () {
        this.timeout(10 * 60 * 1000);
        const stack = stackNames()[0];
        const config = platformConfig(stack);
        const base = planFacts(stack, (await successfulRun(stack)).resources);
        const [workload] = Object.keys(config.namespaces).filter((n) => config.namespaces[n].kind === "workload");
        const pool = Object.keys(config.nodePools)[0];
        const edited = await runStack(stack, {
            overrides: editConfig(stack, (v) => {
                v["aws:region"] = "eu-west-1";
                v.network.availabilityZones = v.network.availabilityZones.map((_: string, i: number) => `eu-west-1${"abc"[i]}`);
                v.network.vpcCidr = v.network.vpcCidr === "172.31.0.0/16" ? "172.30.0.0/16" : "172.31.0.0/16";
                v.domain = `other.${v.domain}`;
                v.ci.githubRepository = "another-org/platform";
                v.gitops.repoUrl = "https://github.com/another-org/gitops.git";
                v.nodePools[pool].maxSize += 1;
                v.nodePools[pool].capacityType = "SPOT";
                v.namespaces[workload].quota.cpu += 1;
            }),
        });
        if (edited.error) throw edited.error;
        const table = compareFacts(base, planFacts("edited", edited.resources));
        const row = (label: string) => table.split("\n").find((l) => l.startsWith(`| ${label} |`));
        assert.equal(row("region"), `| region | ${config.region} | eu-west-1 |`);
        for (const label of [
            "availability zones",
            "VPC CIDR",
            "domain",
            "GitHub OIDC subjects",
            "GitOps repositories",
            `pool ${pool}`,
            `quota ${workload}`,
            "monthly cost at max",
        ]) {
            assert.ok(row(label), `${label} is compared:\n${table}`);
        }
        assert.match(row(`pool ${pool}`)!, /SPOT \|$/);
        assert.match(row("domain")!, new RegExp(`\\| ${config.domain.replace(/\./g, "\\.")} \\| other\\.`));
        assert.equal(compareFacts(base, base).split("\n").length, 2, "only the header");
    });
});
