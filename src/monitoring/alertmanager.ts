import { stringify } from "yaml";
import type { PlatformConfig } from "../config";

/**
 * Alertmanager routing as data (SPEC §1 "monitoring"): where alerts go follows the `alerting` config,
 * never the stack name. Without receivers (dev) everything goes to the `null` receiver; Slack gets
 * every alert; PagerDuty additionally gets `severity="critical"`. Pure: the add-on renders it with
 * the secret values inside a secret Output, tests render it with placeholders for `amtool`.
 */

/** Receiver credentials, from the secret config keys `slackWebhookUrl` and `pagerdutyRoutingKey`. */
export interface ReceiverSecrets {
    slackWebhookUrl?: string;
    pagerdutyRoutingKey?: string;
}

export interface Route {
    receiver: string;
    matchers?: string[];
    continue?: boolean;
}

export interface AlertmanagerConfig {
    global: { resolve_timeout: string };
    route: Route & { group_by: string[]; group_wait: string; group_interval: string; repeat_interval: string; routes: Route[] };
    inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    receivers: ({ name: string } & Record<string, unknown>)[];
}

export const receiverNames = { none: "null", slack: "slack", pagerduty: "pagerduty" } as const;

/**
 * Alerts the chart's default rules fire on purpose (Watchdog proves the pipeline works;
 * InfoInhibitor only inhibits): never notified.
 */
const silentAlerts = 'alertname=~"Watchdog|InfoInhibitor"';

const slackTitle =
    '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}';
const slackText =
    "{{ range .Alerts }}*{{ .Labels.severity }}* {{ .Annotations.summary }}\n{{ .Annotations.description }}\n" +
    "Runbook: {{ .Annotations.runbook_url }}\n{{ end }}";

/** The Alertmanager configuration for this environment's `alerting` settings. */
export function alertmanagerConfig(alerting: PlatformConfig["alerting"], secrets: ReceiverSecrets): AlertmanagerConfig {
    const receivers: AlertmanagerConfig["receivers"] = [{ name: receiverNames.none }];
    const routes: Route[] = [];
    if (alerting.slack) {
        if (!secrets.slackWebhookUrl) throw new Error("alerting.slack is set but slackWebhookUrl is missing");
        receivers.push({
            name: receiverNames.slack,
            slack_configs: [
                {
                    api_url: secrets.slackWebhookUrl,
                    channel: alerting.slack.channel,
                    send_resolved: true,
                    title: slackTitle,
                    text: slackText,
                },
            ],
        });
    }
    if (alerting.pagerduty) {
        if (!secrets.pagerdutyRoutingKey) throw new Error("alerting.pagerduty is true but pagerdutyRoutingKey is missing");
        receivers.push({
            name: receiverNames.pagerduty,
            pagerduty_configs: [
                {
                    routing_key: secrets.pagerdutyRoutingKey,
                    send_resolved: true,
                    description: '{{ template "pagerduty.default.description" . }}',
                },
            ],
        });
        // Continue: a page also reaches Slack, where the team discusses it.
        routes.push({ receiver: receiverNames.pagerduty, matchers: ['severity="critical"'], continue: true });
    }
    if (alerting.slack) routes.push({ receiver: receiverNames.slack });
    if (routes.length) routes.unshift({ receiver: receiverNames.none, matchers: [silentAlerts] });
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: alerting.slack ? receiverNames.slack : receiverNames.none,
            group_by: ["alertname", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes,
        },
        // A critical silences the warnings of the same component in the same namespace
        // (MinIO servers offline → its drives offline; a full volume → a filling one; a fast burn → latency).
        inhibit_rules: [
            { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["component", "namespace"] },
        ],
        receivers,
    };
}

/** `alertmanager.yaml` text. */
export function renderAlertmanagerConfig(config: AlertmanagerConfig): string {
    return stringify(config, { lineWidth: 0 });
}
