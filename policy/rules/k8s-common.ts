import type { PolicyResource } from "@pulumi/policy";
import { dependsOn, get, list, Props } from "./common";

/** Kubernetes vocabulary shared by the k8s-* rule modules. */

export const namespace = "kubernetes:core/v1:Namespace";
export const serviceAccountTypes = ["kubernetes:core/v1:ServiceAccount", "kubernetes:core/v1:ServiceAccountPatch"];
export const secret = "kubernetes:core/v1:Secret";
export const networkPolicy = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const resourceQuota = "kubernetes:core/v1:ResourceQuota";
export const limitRange = "kubernetes:core/v1:LimitRange";
export const storageClass = "kubernetes:storage.k8s.io/v1:StorageClass";
export const roleTypes = ["kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"];
export const bindingTypes = [
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
];
/** Helm charts: v3 Release (one resource) and v4 Chart (a component whose children are also checked). */
export const helmTypes = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

/** Pod-owning workload kinds and where each keeps its pod spec. */
export const podSpecPaths: Record<string, string> = {
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
    "kubernetes:core/v1:Pod": "spec",
};
export const workloadTypes = Object.keys(podSpecPaths);

/** Kinds without a namespace; everything else under `kubernetes:` we treat as namespaced. */
const clusterScopedKinds = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "CSIDriver",
    "IngressClass",
    "PriorityClass",
    "RuntimeClass",
    "CustomResourceDefinition",
    // Karpenter (karpenter.sh_nodepools.yaml, karpenter.k8s.aws_ec2nodeclasses.yaml v1.14.1: scope Cluster).
    "NodePool",
    "EC2NodeClass",
    "NodeClaim",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    // argoproj/argo-helm charts/argo-rollouts 2.41.0 templates/crds/cluster-analysis-template-crd.yaml: scope Cluster.
    "ClusterAnalysisTemplate",
    // Argo Workflows (argoproj.io_clusterworkflowtemplates.yaml: scope Cluster).
    "ClusterWorkflowTemplate",
    "ClusterIssuer",
]);

/** Provider components that group objects rather than being one (their children are checked themselves). */
const componentModules = ["helm.sh", "yaml", "kustomize"];

/** The kind of a `kubernetes:<group>/<version>:<Kind>` type token. */
export function kindOf(type: string): string {
    return type.split(":").pop() ?? "";
}

/** Namespaced Kubernetes object types we can recognise without the cluster's discovery data. */
export function isNamespaced(type: string): boolean {
    if (!type.startsWith("kubernetes:") || componentModules.some((m) => type.startsWith(`kubernetes:${m}/`))) return false;
    const kind = kindOf(type).replace(/(Patch|List)$/, "");
    return !clusterScopedKinds.has(kind);
}

/** The object's name: `metadata.name`, else the Pulumi name (auto-naming adds a suffix to it). */
export function objectName(r: { name: string; props: Props }): string {
    return get(r.props, "metadata.name") ?? r.name;
}

/** True when `r` lives in the Namespace resource `ns`: it names it, or takes its name from it. */
export function inNamespace(r: PolicyResource, ns: PolicyResource): boolean {
    const given = get(r.props, "metadata.namespace");
    return given === objectName(ns) || (given !== undefined && dependsOn(r, ns));
}

/** A workload's pod spec, or undefined for other types. */
export function podSpec(type: string, props: Props): Props | undefined {
    const path = podSpecPaths[type];
    return path ? get(props, path) : undefined;
}

/** Every container of a pod spec: init, regular and ephemeral. */
export function containers(spec: Props): Props[] {
    return [...list<Props>(spec.initContainers), ...list<Props>(spec.containers), ...list<Props>(spec.ephemeralContainers)];
}

/** The chart name of a Helm release, without a repository prefix or OCI path. */
export function chartName(props: Props): string {
    return String(props.chart ?? "")
        .split("/")
        .pop()!;
}

/** Labels of a pod template. */
export function templateLabels(props: Props): Record<string, string> {
    return get(props, "spec.template.metadata.labels") ?? {};
}
