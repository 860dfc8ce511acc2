import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { parseConfig, PlatformConfig } from "../../src/config";
import { isAlert, RuleGroup } from "../../src/monitoring/rules";
import { readStackConfig, stackNames } from "../../src/synth/stack-files";

/** Helpers for the monitoring tests: the real Prometheus tools, and stack configs parsed without a Pulumi run. */

export interface ToolResult {
    status: number;
    stdout: string;
    /** stdout and stderr. */
    output: string;
}

/**
 * Runs `promtool` or `amtool`. A missing tool fails the test (never skips it): the checks are
 * only real with the real tool. `.ci/run` installs Debian's prometheus and prometheus-alertmanager.
 */
export function runTool(tool: "promtool" | "amtool", args: string[]): ToolResult {
    const r = spawnSync(tool, args, { encoding: "utf8" });
    if (r.error) {
        throw new Error(
            `${tool} is not installed (${r.error.message}): run \`apt-get install prometheus prometheus-alertmanager\` (.ci/run does this)`,
        );
    }
    return { status: r.status ?? -1, stdout: r.stdout, output: `${r.stdout}${r.stderr}` };
}

/** A fresh temporary directory holding the given files; returns their paths by name. */
export function writeFiles(files: Record<string, string>): Record<string, string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monitoring-test-"));
    return Object.fromEntries(
        Object.entries(files).map(([name, text]) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, text);
            return [name, file];
        }),
    );
}

/** The stack file's config through the real schema and rules, as the program would get it. */
export function stackConfig(stack: string): PlatformConfig {
    const { config, secretKeys } = readStackConfig(stack);
    return parseConfig(stack, config, (k) => secretKeys.includes(k));
}

/** Every stack that has a stack file. */
export const stacks = stackNames();

/** One alert case of `promtool test rules`: series, when to evaluate, and the alerts expected (none: silent). */
export interface AlertCase {
    input_series: { series: string; values: string }[];
    alertname: string;
    eval_time: string;
    exp_alerts: unknown[];
}

/** An alert case as the alert tests write them: named (for messages and the case that must fail), alerts by their labels. */
export interface NamedAlertCase extends AlertCase {
    name: string;
    exp_alerts: { exp_labels: Record<string, string> }[];
}

/**
 * The rules an alert can depend on: the alerts named, and the recording rules their expressions
 * read, transitively (a rule reads another's output only by its recorded series name). Every other
 * rule is left out, so promtool does not evaluate it at each step; it cannot change the result.
 * (promtool's unit tests evaluate every rule of a test file's rule_files at every evaluation
 * interval up to the test's last eval_time: prometheus/prometheus cmd/promtool/unittest.go,
 * `testGroup.test`.)
 */
export function rulesFor(groups: readonly RuleGroup[], alertnames: readonly string[]): RuleGroup[] {
    const all = groups.flatMap((g) => g.rules);
    const needed = new Set(all.filter((r) => isAlert(r) && alertnames.includes(r.alert)));
    for (let grew = true; grew;) {
        grew = false;
        for (const r of all) {
            if (needed.has(r) || isAlert(r)) continue;
            const read = new RegExp(`(^|[^\\w:])${r.record.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w:])`);
            if ([...needed].some((n) => read.test(n.expr))) {
                needed.add(r);
                grew = true;
            }
        }
    }
    return groups.map((g) => ({ ...g, rules: g.rules.filter((r) => needed.has(r)) })).filter((g) => g.rules.length > 0);
}

/**
 * Runs alert cases through `promtool test rules` (one invocation) against the rules of `groups`
 * each case's alert depends on ({@link rulesFor}), one test per case at a 1m interval. Annotations are dropped:
 * promtool compares them when a case names none, and the runbook links and descriptions are
 * checked elsewhere (rules.test.ts).
 */
export function promtoolAlertTest(groups: readonly RuleGroup[], cases: readonly AlertCase[]): ToolResult {
    const names = cases.map((c) => c.alertname);
    const missing = names.filter((n) => !groups.some((g) => g.rules.some((r) => isAlert(r) && r.alert === n)));
    assert.deepEqual(missing, [], "cases name alerts the rule groups do not have");
    // One test file per alert, each with only that alert's rules: promtool evaluates every rule of a
    // file at every step of each of its tests, so a case pays only for what its alert reads.
    const files: Record<string, string> = {};
    for (const [i, alertname] of [...new Set(names)].entries()) {
        const rules = rulesFor(groups, [alertname]).map((g) => ({
            name: g.name,
            rules: g.rules.map((r) => (isAlert(r) ? { ...r, annotations: undefined } : r)),
        }));
        const tests = cases
            .filter((c) => c.alertname === alertname)
            .map((c) => ({
                interval: "1m",
                input_series: c.input_series,
                alert_rule_test: [{ eval_time: c.eval_time, alertname: c.alertname, exp_alerts: c.exp_alerts }],
            }));
        files[`rules-${i}.yaml`] = stringify({ groups: JSON.parse(JSON.stringify(rules)) }, { lineWidth: 0 });
        files[`tests-${i}.yaml`] = stringify({ rule_files: [`rules-${i}.yaml`], evaluation_interval: "1m", tests }, { lineWidth: 0 });
    }
    const paths = writeFiles(files);
    return runTool("promtool", [
        "test",
        "rules",
        ...Object.keys(files)
            .filter((f) => f.startsWith("tests-"))
            .map((f) => paths[f]),
    ]);
}

/** Asserts that each alert has a case where it fires and a case where it stays silent. */
export function assertEachAlertCovered(alerts: readonly string[], cases: readonly AlertCase[]): void {
    for (const alert of alerts) {
        const mine = cases.filter((c) => c.alertname === alert);
        assert.ok(
            mine.some((c) => c.exp_alerts.length > 0),
            `${alert}: no case where it fires`,
        );
        assert.ok(
            mine.some((c) => c.exp_alerts.length === 0),
            `${alert}: no case where it stays silent`,
        );
    }
}
