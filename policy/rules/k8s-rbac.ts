import { get, list, PlatformPolicy, Props, resourceRule } from "./common";
import { bindingTypes, kindOf, roleTypes } from "./k8s-common";

/** Kubernetes and EKS authorization: no stray admins, no wildcards, no escalation paths (SECURITY.md 13–16). */

const accessPolicyAssociation = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";
const accessEntry = "aws:eks/accessEntry:AccessEntry";
const readVerbs = ["get", "list", "watch", "*"];

/** `*` in a pattern matches anything. */
export function globMatch(pattern: string, value: string): boolean {
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    return new RegExp(`^${escaped}$`).test(value);
}

/** The rules of a Role or ClusterRole, with the role's kind and name for exemptions and messages. */
function roleRules(type: string, props: Props, name: string): { kind: string; name: string; rules: Props[] } {
    return { kind: kindOf(type), name: get(props, "metadata.name") ?? name, rules: list<Props>(props.rules) };
}

const breakGlassConfig = {
    breakGlassRoles: {
        type: "array" as const,
        items: { type: "string" as const },
        default: ["platform-admin"],
        description: "Namespaced Roles documented as break-glass full access in their namespace (never ClusterRoles).",
    },
};

export const k8sRbacRules: PlatformPolicy[] = [
    resourceRule<{ breakGlassBindings: string[] }>({
        id: "k8s-no-cluster-admin-binding",
        level: "mandatory",
        sources: ["CIS EKS 4.1.1", "CIS K8s 5.1.1", "CIS K8s 5.1.7"],
        items: [13],
        summary:
            "Nothing is bound to cluster-admin or put in system:masters, except bindings the stack's policy config names as break-glass.",
        types: bindingTypes,
        config: {
            breakGlassBindings: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Names of break-glass cluster-admin bindings.",
            },
        },
        check: (props, { name, config, report }) => {
            const binding = get(props, "metadata.name") ?? name;
            if (config.breakGlassBindings.includes(binding)) return;
            if (get(props, "roleRef.name") === "cluster-admin") report(`Binding "${binding}" grants cluster-admin.`);
            for (const s of list(props.subjects).filter((s) => s?.kind === "Group" && s?.name === "system:masters")) {
                report(`Binding "${binding}" refers to the group ${s.name}, which bypasses RBAC.`);
            }
        },
    }),
    resourceRule<{ allowedClusterAdminPrincipals: string[] }>({
        id: "eks-access-cluster-admin",
        level: "mandatory",
        sources: ["CIS EKS 4.1.1", "CIS EKS 4.1.7"],
        items: [13],
        summary:
            "EKS access entries grant cluster-wide admin policies only to principals the stack's policy config lists (break-glass and the deploying role).",
        types: [accessPolicyAssociation, accessEntry],
        config: {
            allowedClusterAdminPrincipals: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "IAM principal ARNs (with * wildcards) allowed cluster-wide admin access policies.",
            },
        },
        check: (props, { type, config, report }) => {
            if (type === accessEntry) {
                const masters = list<string>(props.kubernetesGroups).filter((g) => g.startsWith("system:masters"));
                if (masters.length > 0) report(`Access entry puts ${props.principalArn} in system:masters.`);
                return;
            }
            const policy = String(props.policyArn ?? "")
                .split("/")
                .pop();
            const clusterWide = get(props, "accessScope.type") !== "namespace";
            const admin = policy === "AmazonEKSClusterAdminPolicy" || (policy === "AmazonEKSAdminPolicy" && clusterWide);
            const principal = String(props.principalArn ?? "");
            if (admin && !config.allowedClusterAdminPrincipals.some((p) => globMatch(p, principal))) {
                report(
                    `Access policy ${policy} (${clusterWide ? "cluster" : "namespace"} scope) for ${principal} is not an allowed break-glass principal.`,
                );
            }
        },
    }),
    resourceRule<{ breakGlassRoles: string[] }>({
        id: "k8s-rbac-no-wildcards",
        level: "mandatory",
        sources: ["CIS EKS 4.1.3", "CKV_K8S_49"],
        items: [14],
        summary: "Our Roles and ClusterRoles name their verbs and resources; only namespaced break-glass Roles may use wildcards.",
        types: roleTypes,
        config: breakGlassConfig,
        check: (props, { type, name, config, report }) => {
            const role = roleRules(type, props, name);
            if (role.kind === "Role" && config.breakGlassRoles.includes(role.name)) return;
            for (const rule of role.rules) {
                if (list(rule.verbs).includes("*")) report(`${role.kind} "${role.name}" grants all verbs ("*").`);
                if (list(rule.resources).includes("*")) report(`${role.kind} "${role.name}" grants all resources ("*").`);
            }
        },
    }),
    resourceRule({
        id: "k8s-rbac-no-escalation",
        level: "mandatory",
        sources: ["CIS EKS 4.1.8", "CIS K8s 5.1.8", "CIS K8s 5.1.10"],
        items: [15],
        summary: "No Role or ClusterRole of ours grants bind, escalate or impersonate, or access to nodes/proxy.",
        types: roleTypes,
        check: (props, { type, name, report }) => {
            const role = roleRules(type, props, name);
            for (const rule of role.rules) {
                const verbs = list<string>(rule.verbs).filter((v) => ["bind", "escalate", "impersonate"].includes(v));
                if (verbs.length > 0) report(`${role.kind} "${role.name}" grants ${verbs.join(", ")}.`);
                if (list(rule.resources).includes("nodes/proxy"))
                    report(`${role.kind} "${role.name}" grants access to nodes/proxy (the kubelet API).`);
            }
        },
    }),
    resourceRule<{ execRoles: string[] }>({
        id: "k8s-rbac-pods-exec",
        level: "mandatory",
        sources: ["CIS EKS 4.1.8", "NSA/CISA Kubernetes Hardening Guide (RBAC)"],
        items: [15],
        summary: "pods/exec and pods/attach are granted only by the namespaced Roles the design names, never cluster-wide.",
        types: roleTypes,
        config: {
            execRoles: {
                type: "array",
                items: { type: "string" },
                default: ["data-engineer", "platform-admin"],
                description: "Namespaced Roles that may grant pods/exec and pods/attach.",
            },
        },
        check: (props, { type, name, config, report }) => {
            const role = roleRules(type, props, name);
            if (role.kind === "Role" && config.execRoles.includes(role.name)) return;
            for (const rule of role.rules) {
                const sub = list<string>(rule.resources).filter((r) => r === "pods/exec" || r === "pods/attach");
                if (sub.length > 0) report(`${role.kind} "${role.name}" grants ${sub.join(", ")}, which the design does not give it.`);
            }
        },
    }),
    resourceRule<{ secretReaderRoles: string[] }>({
        id: "k8s-rbac-secrets-read",
        level: "mandatory",
        sources: ["CIS EKS 4.1.2", "CIS K8s 5.1.2"],
        items: [16],
        summary: "Reading Secrets is granted only by the namespaced Roles the design names, never by a ClusterRole of ours.",
        types: roleTypes,
        config: {
            secretReaderRoles: {
                type: "array",
                items: { type: "string" },
                default: ["deployer", "platform-admin"],
                description: "Namespaced Roles that may get, list or watch Secrets.",
            },
        },
        check: (props, { type, name, config, report }) => {
            const role = roleRules(type, props, name);
            if (role.kind === "Role" && config.secretReaderRoles.includes(role.name)) return;
            for (const rule of role.rules) {
                const core = list(rule.apiGroups).some((g) => g === "" || g === "*");
                const secrets = list(rule.resources).some((r) => r === "secrets" || r === "*");
                const reads = list<string>(rule.verbs).filter((v) => readVerbs.includes(v));
                if (core && secrets && reads.length > 0) report(`${role.kind} "${role.name}" can read Secrets (${reads.join(", ")}).`);
            }
        },
    }),
];
