import type { PolicyResource } from "@pulumi/policy";
import { eksCluster } from "./aws-cluster";
import { get, isTrue, label, list, ofTypes, PlatformPolicy, Props, resourceRule, stackRule } from "./common";
import {
    helmTypes,
    inNamespace,
    isNamespaced,
    limitRange,
    namespace,
    networkPolicy,
    objectName,
    resourceQuota,
    serviceAccountTypes,
    storageClass,
} from "./k8s-common";

/** Namespaces we own: Pod Security labels, default-deny networking, quotas, no `default` (SECURITY.md 7, 17, 18, 20, 22, 23). */

const pssLevels = ["privileged", "baseline", "restricted"];
const pssModes = ["enforce", "audit", "warn"];
const argoApplication = "kubernetes:argoproj.io/v1alpha1:Application";
const ebsProvisioners = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];
const defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";

/** A NetworkPolicy that selects every pod and allows nothing in `direction`. */
export function deniesAll(policy: Props, direction: "Ingress" | "Egress"): boolean {
    const spec = policy.spec ?? {};
    const selector = spec.podSelector ?? {};
    const selectsAll = Object.keys(selector.matchLabels ?? {}).length === 0 && list(selector.matchExpressions).length === 0;
    const types = list<string>(spec.policyTypes);
    // Without policyTypes, a policy covers Ingress, and Egress only when it has egress rules.
    const covers = types.length > 0 ? types.includes(direction) : direction === "Ingress";
    return selectsAll && covers && list(direction === "Ingress" ? spec.ingress : spec.egress).length === 0;
}

/** A NetworkPolicy egress rule that allows DNS (port 53). */
function allowsDns(policy: Props): boolean {
    return list(get(policy, "spec.egress")).some((rule) => list(rule?.ports).some((p) => String(p?.port) === "53"));
}

/** A stack rule applied to every Namespace resource, given the resources that live in it. */
function perNamespace(check: (ns: PolicyResource, members: PolicyResource[], report: (m: string, r?: PolicyResource) => void) => void) {
    return (resources: PolicyResource[], { report }: { report: (m: string, r?: PolicyResource) => void }) => {
        for (const ns of ofTypes(resources, namespace))
            check(
                ns,
                resources.filter((r) => inNamespace(r, ns)),
                report,
            );
    };
}

export const k8sNamespaceRules: PlatformPolicy[] = [
    resourceRule<{ restrictedNamespaces: string[]; baselineNamespaces: string[]; privilegedNamespaces: string[] }>({
        id: "k8s-namespace-pod-security",
        level: "mandatory",
        sources: ["PSS", "CIS K8s 5.2.1", "CIS EKS 4.2"],
        items: [20],
        summary:
            "Namespaces carry Pod Security enforce, audit and warn labels with pinned versions, and enforce restricted unless the stack's policy config names them baseline or privileged.",
        types: [namespace],
        config: {
            restrictedNamespaces: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Namespaces that must enforce restricted whatever else is listed (workload namespaces).",
            },
            baselineNamespaces: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Namespaces allowed to enforce baseline.",
            },
            privilegedNamespaces: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Namespaces of system components that need privileged (node agents).",
            },
        },
        check: (props, { name, config, report }) => {
            const ns = get(props, "metadata.name") ?? name;
            const labels: Record<string, string> = get(props, "metadata.labels") ?? {};
            for (const mode of pssModes) {
                const key = `pod-security.kubernetes.io/${mode}`;
                if (!pssLevels.includes(labels[key])) report(`Namespace "${ns}" has no valid ${key} label.`);
                if (!/^v\d+\.\d+$/.test(labels[`${key}-version`] ?? ""))
                    report(`Namespace "${ns}" does not pin ${key}-version (e.g. v1.34).`);
            }
            const level = labels["pod-security.kubernetes.io/enforce"];
            const allowed = config.restrictedNamespaces.includes(ns)
                ? ["restricted"]
                : config.privilegedNamespaces.includes(ns)
                  ? pssLevels
                  : config.baselineNamespaces.includes(ns)
                    ? ["baseline", "restricted"]
                    : ["restricted"];
            if (pssLevels.includes(level) && !allowed.includes(level)) {
                report(`Namespace "${ns}" enforces Pod Security "${level}" but may only enforce ${allowed.join(" or ")}.`);
            }
        },
    }),
    stackRule({
        id: "k8s-namespace-default-deny",
        level: "mandatory",
        sources: ["CIS EKS 4.3.2", "CIS K8s 5.3.2"],
        items: [18],
        summary: "Every namespace we own has a NetworkPolicy that denies all ingress and all egress by default.",
        check: perNamespace((ns, members, report) => {
            const policies = ofTypes(members, networkPolicy).map((p) => p.props);
            for (const direction of ["Ingress", "Egress"] as const) {
                if (!policies.some((p) => deniesAll(p, direction)))
                    report(`Namespace "${objectName(ns)}" has no default-deny ${direction} NetworkPolicy.`, ns);
            }
        }),
    }),
    stackRule({
        id: "k8s-namespace-dns-egress",
        level: "mandatory",
        sources: ["CIS EKS 4.3.2", "CIS K8s 5.3.2"],
        items: [18],
        summary: "Every namespace we own explicitly allows DNS egress (port 53), the one allow every pod needs after default deny.",
        check: perNamespace((ns, members, report) => {
            if (!ofTypes(members, networkPolicy).some((p) => allowsDns(p.props)))
                report(`Namespace "${objectName(ns)}" has no NetworkPolicy allowing DNS egress (port 53).`, ns);
        }),
    }),
    stackRule({
        id: "k8s-namespace-resource-quota",
        level: "mandatory",
        sources: ["CKV_K8S_10-13", "NSA/CISA Kubernetes Hardening Guide (resource policies)"],
        items: [22],
        summary: "Every namespace we own has a ResourceQuota.",
        check: perNamespace((ns, members, report) => {
            if (ofTypes(members, resourceQuota).length === 0) report(`Namespace "${objectName(ns)}" has no ResourceQuota.`, ns);
        }),
    }),
    stackRule({
        id: "k8s-namespace-limit-range",
        level: "mandatory",
        sources: ["CKV_K8S_10-13", "NSA/CISA Kubernetes Hardening Guide (resource policies)"],
        items: [22],
        summary: "Every namespace we own has a LimitRange, so containers without requests or limits get defaults.",
        check: perNamespace((ns, members, report) => {
            if (ofTypes(members, limitRange).length === 0) report(`Namespace "${objectName(ns)}" has no LimitRange.`, ns);
        }),
    }),
    stackRule({
        id: "k8s-default-service-account-no-automount",
        level: "mandatory",
        sources: ["CIS EKS 4.1.6", "CKV_K8S_38"],
        items: [17],
        summary: "The default ServiceAccount of every namespace we own does not automount its API token.",
        check: (resources, { report }) => {
            const defaults = ofTypes(resources, ...serviceAccountTypes).filter((sa) => get(sa.props, "metadata.name") === "default");
            for (const sa of defaults.filter((sa) => sa.props.automountServiceAccountToken !== false)) {
                report(`${label(sa)} (default ServiceAccount) does not set automountServiceAccountToken: false.`, sa);
            }
            for (const ns of ofTypes(resources, namespace).filter((ns) => !defaults.some((sa) => inNamespace(sa, ns)))) {
                report(
                    `Namespace "${objectName(ns)}" leaves its default ServiceAccount automounting tokens: manage it with automountServiceAccountToken: false.`,
                    ns,
                );
            }
        },
    }),
    resourceRule({
        id: "k8s-no-default-namespace",
        level: "mandatory",
        sources: ["CKV_K8S_21", "CIS EKS 4.5.2"],
        items: [23],
        summary:
            "Nothing of ours is deployed into the default namespace (including objects that name no namespace, and Argo CD destinations).",
        types: (type) => isNamespaced(type) || helmTypes.includes(type),
        check: (props, { type, provider, report }) => {
            const target = helmTypes.includes(type) ? props.namespace : get(props, "metadata.namespace");
            const effective = target ?? provider.namespace ?? "default";
            if (effective === "default")
                report(`Object is deployed into the "default" namespace${target === undefined ? " (it names no namespace)" : ""}.`);
            if (type === argoApplication && get(props, "spec.destination.namespace") === "default") {
                report('Argo CD Application deploys into the "default" namespace.');
            }
        },
    }),
    resourceRule({
        id: "storageclass-ebs-encrypted",
        level: "mandatory",
        sources: ["CKV_AWS_3", "Security Hub EC2.3"],
        items: [7],
        summary: "StorageClasses that provision EBS volumes encrypt them.",
        types: [storageClass],
        check: (props, { report }) => {
            if (ebsProvisioners.includes(props.provisioner) && !isTrue(get(props, "parameters.encrypted"))) {
                report('EBS StorageClass does not encrypt its volumes: set parameters.encrypted: "true".');
            }
        },
    }),
    stackRule({
        id: "default-storageclass-encrypted-gp3",
        level: "mandatory",
        sources: ["CKV_AWS_3", "Security Hub EC2.3"],
        items: [7],
        summary: "A stack with an EKS cluster makes an encrypted gp3 StorageClass the default, replacing EKS's unencrypted gp2.",
        check: (resources, { report }) => {
            const clusters = ofTypes(resources, eksCluster);
            if (clusters.length === 0) return;
            const defaults = ofTypes(resources, storageClass).filter(
                (sc) => get(sc.props, "metadata.annotations")?.[defaultClassAnnotation] === "true",
            );
            if (defaults.length === 0) {
                report(
                    `${label(clusters[0])} has no default StorageClass of ours: volumes would use EKS's unencrypted gp2 class.`,
                    clusters[0],
                );
            }
            for (const sc of defaults) {
                if (!isTrue(get(sc.props, "parameters.encrypted")) || get(sc.props, "parameters.type") !== "gp3") {
                    report(`Default ${label(sc)} is not an encrypted gp3 class.`, sc);
                }
            }
        },
    }),
];
