import { strict as assert } from "node:assert";
import { alertmanagerConfig, renderAlertmanagerConfig } from "../../src/monitoring/alertmanager";
import { testSecrets } from "../../src/synth/stack-files";
import { runTool, stackConfig, stacks, writeFiles } from "./tools";

/** Each stack's Alertmanager configuration with placeholder receiver credentials. */
function rendered(stack: string): string {
    return renderAlertmanagerConfig(alertmanagerConfig(stackConfig(stack).alerting, testSecrets));
}

function amtool(yamlText: string) {
    const { "alertmanager.yaml": file } = writeFiles({ "alertmanager.yaml": yamlText });
    return { check: runTool("amtool", ["check-config", file]), file };
}

/** The receivers `amtool config routes test` picks for alerts with these labels. */
function receiversFor(stack: string, ...labels: string[]): string[] {
    const { file } = amtool(rendered(stack));
    const r = runTool("amtool", ["config", "routes", "test", `--config.file=${file}`, ...labels]);
    assert.equal(r.status, 0, r.output);
    return r.stdout.trim().split(",").sort();
}

describe("monitoring/alertmanager", () => {
    for (const stack of stacks) {
        it(`${stack}: the rendered configuration passes amtool check-config`, () => {
            const { check } = amtool(rendered(stack));
            assert.equal(check.status, 0, check.output);
            assert.match(check.output, /SUCCESS/);
        });
    }

    it("fails amtool check-config on a route to an undefined receiver (the case that must fail)", () => {
        const broken = alertmanagerConfig(stackConfig("prod").alerting, testSecrets);
        broken.route.routes.push({ receiver: "nobody" });
        const { check } = amtool(renderAlertmanagerConfig(broken));
        assert.notEqual(check.status, 0);
        assert.match(check.output, /undefined receiver "nobody"/);
    });

    it("dev notifies nobody: one null receiver, no routes", () => {
        const dev = alertmanagerConfig(stackConfig("dev").alerting, {});
        assert.deepEqual(dev.receivers, [{ name: "null" }]);
        assert.equal(dev.route.receiver, "null");
        assert.deepEqual(dev.route.routes, []);
        assert.deepEqual(receiversFor("dev", "severity=critical"), ["null"]);
    });

    it("staging sends every alert to Slack and pages nobody", () => {
        assert.deepEqual(receiversFor("staging", "severity=critical"), ["slack"]);
        assert.deepEqual(receiversFor("staging", "severity=warning"), ["slack"]);
        assert.deepEqual(receiversFor("staging", "alertname=Watchdog"), ["null"]);
        const receivers = alertmanagerConfig(stackConfig("staging").alerting, testSecrets).receivers.map((r) => r.name);
        assert.deepEqual(receivers, ["null", "slack"]);
    });

    it("prod pages critical alerts on PagerDuty and still posts them to Slack; warnings go to Slack only", () => {
        assert.deepEqual(receiversFor("prod", "severity=critical"), ["pagerduty", "slack"]);
        assert.deepEqual(receiversFor("prod", "severity=warning"), ["slack"]);
        assert.deepEqual(receiversFor("prod", "alertname=Watchdog", "severity=none"), ["null"]);
    });

    it("inhibits warnings by criticals of the same component and namespace, in every stack", () => {
        for (const stack of stacks) {
            assert.deepEqual(alertmanagerConfig(stackConfig(stack).alerting, testSecrets).inhibit_rules, [
                { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["component", "namespace"] },
            ]);
        }
    });

    it("puts the receiver credentials in the configuration it renders, and refuses to render without them", () => {
        const prod = rendered("prod");
        assert.ok(prod.includes(testSecrets.slackWebhookUrl) && prod.includes(testSecrets.pagerdutyRoutingKey));
        assert.throws(() => alertmanagerConfig(stackConfig("prod").alerting, {}), /slackWebhookUrl is missing/);
    });
});
