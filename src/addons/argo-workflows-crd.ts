import type { trainingTemplate } from "./training-template";

/**
 * What the Argo Workflows CRDs at the pinned chart allow, as data, and a check of our templates
 * against it: properties and `required` lists read from argoproj/argo-helm
 * charts/argo-workflows/files/crds/full/argoproj.io_clusterworkflowtemplates.yaml at tag
 * argo-workflows-1.0.18 (the chart installs the minimal CRDs, which accept anything: this is the
 * schema the controller's own validation follows).
 */

/** The keys the CRD schema at the pinned tag allows (properties of spec, a template, a DAG task, a parameter). */
export const crdFacts = {
    spec: [
        "activeDeadlineSeconds",
        "affinity",
        "archiveLogs",
        "arguments",
        "artifactGC",
        "artifactRepositoryRef",
        "automountServiceAccountToken",
        "dnsConfig",
        "dnsPolicy",
        "entrypoint",
        "executor",
        "hooks",
        "hostAliases",
        "hostNetwork",
        "imagePullSecrets",
        "metrics",
        "nodeSelector",
        "onExit",
        "parallelism",
        "podDisruptionBudget",
        "podGC",
        "podMetadata",
        "podPriorityClassName",
        "podSpecPatch",
        "priority",
        "retryStrategy",
        "schedulerName",
        "securityContext",
        "serviceAccountName",
        "shutdown",
        "suspend",
        "synchronization",
        "templateDefaults",
        "templates",
        "tolerations",
        "ttlStrategy",
        "volumeClaimGC",
        "volumeClaimTemplates",
        "volumes",
        "workflowMetadata",
        "workflowTemplateRef",
    ],
    template: [
        "activeDeadlineSeconds",
        "affinity",
        "annotations",
        "archiveLocation",
        "automountServiceAccountToken",
        "container",
        "containerSet",
        "daemon",
        "dag",
        "data",
        "executor",
        "failFast",
        "hostAliases",
        "http",
        "initContainers",
        "inputs",
        "memoize",
        "metadata",
        "metrics",
        "name",
        "nodeSelector",
        "outputs",
        "parallelism",
        "plugin",
        "podSpecPatch",
        "priorityClassName",
        "resource",
        "retryStrategy",
        "schedulerName",
        "script",
        "securityContext",
        "serviceAccountName",
        "sidecars",
        "steps",
        "suspend",
        "synchronization",
        "timeout",
        "tolerations",
        "volumes",
    ],
    dagTask: [
        "arguments",
        "continueOn",
        "dependencies",
        "depends",
        "hooks",
        "inline",
        "name",
        "onExit",
        "template",
        "templateRef",
        "when",
        "withItems",
        "withParam",
        "withSequence",
    ],
    parameter: ["default", "description", "enum", "globalName", "name", "value", "valueFrom"],
    /** `required` lists: dag → tasks, task → name, parameter → name; the object → metadata, spec. */
    required: { object: ["metadata", "spec"], dag: ["tasks"], dagTask: ["name"], parameter: ["name"] },
} as const;

/** Keys of the template not in the CRD schema at the pinned tag, and required keys missing: [] when it conforms. */
export function crdProblems(template: ReturnType<typeof trainingTemplate>): string[] {
    const out: string[] = [];
    const only = (where: string, obj: object, allowed: readonly string[]) =>
        Object.keys(obj).forEach((k) => allowed.includes(k) || out.push(`${where}.${k} is not in the CRD`));
    const need = (where: string, obj: object, required: readonly string[]) =>
        required.forEach((k) => k in obj || out.push(`${where}.${k} is required`));
    need("", template, crdFacts.required.object);
    only("spec", template.spec, crdFacts.spec);
    template.spec.arguments.parameters.forEach(
        (x, i) => (
            only(`spec.arguments.parameters[${i}]`, x, crdFacts.parameter),
            need(`spec.arguments.parameters[${i}]`, x, crdFacts.required.parameter)
        ),
    );
    for (const t of template.spec.templates as Record<string, unknown>[]) {
        only(`templates.${t.name}`, t, crdFacts.template);
        const dag = t.dag as { tasks?: Record<string, unknown>[] } | undefined;
        if (dag) {
            need(`templates.${t.name}.dag`, dag, crdFacts.required.dag);
            (dag.tasks ?? []).forEach(
                (task) => (
                    only(`templates.${t.name}.dag.tasks`, task, crdFacts.dagTask),
                    need(`templates.${t.name}.dag.tasks`, task, crdFacts.required.dagTask)
                ),
            );
        }
    }
    return out;
}
