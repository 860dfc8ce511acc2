import type { AlertRule, RuleGroup, Severity } from "./rules";

/**
 * Argo Workflows alerts (issue 20). Metric names are the controller's at v4.0.6: the OpenTelemetry
 * Prometheus exporter with namespace `argo_workflows`, no counter suffixes and no units
 * (argoproj/argo-workflows util/telemetry/exporter_prometheus.go), instruments from
 * util/telemetry/metrics_list.go, documented in docs/metrics.md at that tag:
 * - `argo_workflows_total_count{phase,namespace}`: counter of workflows entering each phase;
 * - `argo_workflows_error_count{cause}`: counter of controller errors (OperationPanic, CronWorkflow*);
 * - `argo_workflows_is_leader`: 1 on the leading controller (the others are hot standbys).
 * Pending training pods on the GPU pool are the GPU add-on's `GPUPodsPending` (issue 19), not here.
 */
export function workflowRuleGroup(
    alert: (
        name: string,
        component: string,
        severity: Severity,
        a: { expr: string; for: string; summary: string; description: string },
    ) => AlertRule,
): RuleGroup {
    return {
        name: "platform-argo-workflows",
        rules: [
            alert("ArgoWorkflowFailed", "argo-workflows", "warning", {
                // A counter: a workflow that failed in the last 15 minutes (Failed: a step failed; Error: the controller could not run it).
                expr: 'sum by (namespace, phase) (increase(argo_workflows_total_count{phase=~"Failed|Error"}[15m])) > 0',
                for: "0m",
                summary: "Argo workflows {{ $labels.phase }} in {{ $labels.namespace }}",
                description:
                    "{{ $value | humanize }} workflow(s) in {{ $labels.namespace }} ended {{ $labels.phase }} in the last 15 minutes.",
            }),
            alert("ArgoWorkflowsControllerErrors", "argo-workflows", "warning", {
                expr: "sum by (cause) (increase(argo_workflows_error_count[15m])) > 0",
                for: "0m",
                summary: "The Argo Workflows controller reports {{ $labels.cause }} errors",
                description: "The workflow controller counted {{ $value | humanize }} {{ $labels.cause }} error(s) in the last 15 minutes.",
            }),
            alert("ArgoWorkflowsControllerDown", "argo-workflows", "critical", {
                // No leader (or no metrics at all): nothing schedules workflow pods.
                expr: "(max(argo_workflows_is_leader) or vector(0)) < 1",
                for: "10m",
                summary: "No Argo Workflows controller leads",
                description: "No workflow controller has reported leadership for 10 minutes: workflows are not being run.",
            }),
        ],
    };
}
