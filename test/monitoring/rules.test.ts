import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { alertsOf, platformRuleGroups, RuleGroup, ruleInputs, RuleInputs } from "../../src/monitoring/rules";
import { defaultSlo, sloSchema } from "../../src/monitoring/slo";
import { projectRoot } from "../../src/synth/stack-files";
import { runTool, stackConfig, stacks, writeFiles } from "./tools";

const ruleFile = (groups: RuleGroup[]) => stringify({ groups }, { lineWidth: 0 });

function checkRules(groups: RuleGroup[]) {
    const { "rules.yaml": file } = writeFiles({ "rules.yaml": ruleFile(groups) });
    return runTool("promtool", ["check", "rules", file]);
}

const prodLike: RuleInputs = {
    slo: defaultSlo,
    runbookBaseUrl: "https://github.com/company/ml-platform/blob/main/docs/runbooks.md",
    gpu: true,
    postgresql: { replicas: true, backups: true },
    minio: true,
    gitopsAutoSync: false,
    mlServices: { mlflowNamespace: "platform-mlops", kedaNamespace: "keda", metricsServerNamespace: "metrics-server" },
};

describe("monitoring/rules", () => {
    for (const stack of stacks) {
        it(`${stack}: every rule group the stack renders passes promtool check rules`, () => {
            const groups = platformRuleGroups(ruleInputs(stackConfig(stack)));
            const result = checkRules(groups);
            assert.equal(result.status, 0, result.output);
            const ruleCount = groups.reduce((n, g) => n + g.rules.length, 0);
            assert.match(result.output, new RegExp(`SUCCESS: ${ruleCount} rules found`));
            const summary = groups.map((g) => `${g.name} (${alertsOf([g]).length} alerts)`).join(", ");
            console.log(`      ${stack}: ${alertsOf(groups).length} alerts, ${ruleCount} rules: ${summary}`);
        });
    }

    it("makes promtool check rules fail on a broken rule (the case that must fail)", () => {
        const groups = platformRuleGroups(prodLike);
        const broken = [...groups, { name: "broken", rules: [{ record: "sli:broken", expr: "sum(rate(http_requests_total[5m])" }] }];
        const result = checkRules(broken);
        assert.notEqual(result.status, 0);
        assert.match(result.output, /parse error|unclosed/i);
    });

    it("gives every alert a severity, a component, a summary, a description and a runbook section that exists", () => {
        const runbooks = fs.readFileSync(path.join(projectRoot, "docs", "runbooks.md"), "utf8");
        const anchors = new Set([...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => m[1].toLowerCase()));
        const alerts = alertsOf(platformRuleGroups(prodLike));
        assert.ok(alerts.length >= 17);
        for (const a of alerts) {
            assert.ok(["critical", "warning"].includes(a.labels.severity), a.alert);
            assert.ok(a.labels.component && a.annotations.summary && a.annotations.description, a.alert);
            const [base, anchor] = a.annotations.runbook_url.split("#");
            assert.equal(base, prodLike.runbookBaseUrl);
            assert.ok(anchors.has(anchor), `docs/runbooks.md has no section "## ${a.alert}"`);
        }
        // And no runbook section without its alert.
        assert.deepEqual([...anchors].sort(), alerts.map((a) => a.alert.toLowerCase()).sort());
    });

    it("derives the runbook links from ci.githubRepository", () => {
        for (const stack of stacks) {
            const config = stackConfig(stack);
            const base = `https://github.com/${config.ci.githubRepository}/blob/main/docs/runbooks.md#`;
            const alerts = alertsOf(platformRuleGroups(ruleInputs(config)));
            assert.ok(alerts.length > 0 && alerts.every((a) => a.annotations.runbook_url.startsWith(base)), stack);
        }
    });

    it("burns the error budget of each stack's objective: 14.4× over 1h and 5m, 6× over 6h and 30m; none in dev", () => {
        const burn = (stack: string) =>
            Object.fromEntries(
                alertsOf(platformRuleGroups(ruleInputs(stackConfig(stack))))
                    .filter((a) => a.alert.startsWith("ErrorBudgetBurn"))
                    .map((a) => [a.alert, a.expr]),
            );
        assert.deepEqual(burn("dev"), {});
        assert.deepEqual(burn("prod"), {
            ErrorBudgetBurnFast: "sli:request_errors:ratio_rate1h > 0.0144 and sli:request_errors:ratio_rate5m > 0.0144",
            ErrorBudgetBurnSlow: "sli:request_errors:ratio_rate6h > 0.006 and sli:request_errors:ratio_rate30m > 0.006",
        });
        assert.deepEqual(burn("staging"), {
            ErrorBudgetBurnFast: "sli:request_errors:ratio_rate1h > 0.72 and sli:request_errors:ratio_rate5m > 0.72",
            ErrorBudgetBurnSlow: "sli:request_errors:ratio_rate6h > 0.3 and sli:request_errors:ratio_rate30m > 0.3",
        });
    });

    it("renders alerts only for what the stack has: backups, replicas, MinIO, GPUs", () => {
        const names = (i: Partial<RuleInputs>) => alertsOf(platformRuleGroups({ ...prodLike, ...i })).map((a) => a.alert);
        const dev = alertsOf(platformRuleGroups(ruleInputs(stackConfig("dev")))).map((a) => a.alert);
        assert.ok(!dev.includes("PostgresBackupFailed") && !dev.includes("PostgresReplicationLagHigh"), "dev has no backups, one instance");
        assert.ok(!names({ minio: false }).includes("MinioNodesOffline"));
        assert.ok(!names({ gpu: false }).includes("GpuUtilizationHigh"));
        assert.ok(names({}).includes("GpuUtilizationHigh") && names({}).includes("PostgresBackupStale"));
    });

    it("reads the SLIs from the configured metric names and selectors", () => {
        const slo = sloSchema.parse({
            sli: { requestsMetric: "serving_requests_total", selector: 'job="model-serving"', errorSelector: 'status="error"' },
        });
        const groups = platformRuleGroups({ ...prodLike, slo });
        const recording = groups
            .find((g) => g.name === "slo-recording")!
            .rules.map((r) => r.expr)
            .join("\n");
        assert.match(recording, /sum\(rate\(serving_requests_total\{job="model-serving",status="error"\}\[1h\]\)\)/);
        assert.doesNotMatch(recording, /http_requests_total/);
        assert.equal(checkRules(groups).status, 0);
    });

    it("documents its defaults: the design's objectives and the conventional metric names", () => {
        assert.deepEqual(
            { ...defaultSlo, sli: undefined },
            {
                objectivePercent: 99.9,
                burnRateAlerts: true,
                latencyP95Seconds: 0.3,
                minThroughputRps: 100,
                maxGpuUtilizationPercent: 95,
                maxModelDrift: 0.1,
                sli: undefined,
            },
        );
        assert.equal(defaultSlo.sli.requestsMetric, "http_requests_total");
        assert.equal(defaultSlo.sli.gpuUtilizationMetric, "DCGM_FI_DEV_GPU_UTIL");
    });

    it("rejects selectors with braces and objectives out of range", () => {
        assert.equal(sloSchema.safeParse({ sli: { selector: '{job="x"}' } }).success, false);
        assert.equal(sloSchema.safeParse({ objectivePercent: 100 }).success, false);
        assert.equal(sloSchema.safeParse({ unknown: 1 }).success, false);
    });
});
