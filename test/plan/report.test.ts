import { strict as assert } from "node:assert";
import { compareFacts, planFacts, renderReport } from "../../src/plan/report";
import { successfulRun } from "../harness";

describe("plan/report", () => {
    it("renders prod's plan with pools, quotas, services, cost and the critical path", async () => {
        const { resources } = await successfulRun("prod");
        const report = renderReport("prod", resources);
        for (const heading of [
            "## Node pools",
            "## Namespaces and quotas",
            "## Services",
            "## Monthly cost",
            "## Deploy critical path",
            "## Resources by type",
        ]) {
            assert.ok(report.includes(heading), heading);
        }
        assert.match(report, /\| gpu \| 0–4 × g5\.xlarge, g5\.2xlarge \(GPU\) \|/);
        assert.match(report, /\| platform-prod \| 32 CPU \/ 128Gi \/ 4 GPU \/ 200 pods \|/);
        assert.match(report, /\| cluster-autoscaler \| cluster-autoscaler@9\.59\.0 in kube-system \|/);
        assert.match(report, /1\. aws:kms\/key:Key `logs`/);
    });

    it("shows what differs between staging and prod, and nothing for a stack against itself", async () => {
        const staging = planFacts("staging", (await successfulRun("staging")).resources);
        const prod = planFacts("prod", (await successfulRun("prod")).resources);
        const table = compareFacts(staging, prod);
        assert.match(table, /\| pool compute \| 3–10 × m6i\.xlarge \| 5–20 × m6i\.xlarge \|/);
        assert.match(table, /\| count aws:ec2\/natGateway:NatGateway \| 1 \| 3 \|/);
        assert.equal(compareFacts(prod, prod).split("\n").length, 2, "only the header");
    });
});
