import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { accessGroup, PlatformRole } from "../aws/access";

/** One RBAC rule, as in a Role's `rules`. */
export interface Rule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

const read = ["get", "list", "watch"];

/**
 * The design's roles (SPEC §3), per workload namespace, with exactly its verbs. Only
 * `platform-admin` has wildcards: it is the namespace-scoped break-glass role (never cluster-admin).
 */
export const roleRules: Record<PlatformRole, Rule[]> = {
    "platform-admin": [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
    "data-engineer": [
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "create", "update", "patch"] },
        { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["get", "list", "create", "update", "patch"] },
        { apiGroups: [""], resources: ["pods", "pods/log"], verbs: read },
        { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
    ],
    "data-analyst": [
        { apiGroups: [""], resources: ["pods", "pods/log", "services"], verbs: read },
        { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: read },
    ],
    deployer: [
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "update", "patch"] },
        { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list"] },
    ],
};

/** The service account ArgoCD deploys a workload namespace with. */
export const deployerServiceAccount = "argocd-deployer";

/** Problems with a set of rules: wildcards are allowed only where `allowWildcards` says so (CIS EKS 4.1.3). */
export function ruleProblems(role: string, rules: Rule[], allowWildcards = role === "platform-admin"): string[] {
    const problems: string[] = [];
    for (const r of rules) {
        if (!allowWildcards && [...r.apiGroups, ...r.resources, ...r.verbs].includes("*"))
            problems.push(`${role}: wildcard in ${JSON.stringify(r)}`);
        for (const v of ["bind", "escalate", "impersonate"]) if (r.verbs.includes(v)) problems.push(`${role}: verb ${v} (CIS EKS 4.1.8)`);
        if (r.resources.includes("nodes/proxy")) problems.push(`${role}: nodes/proxy (CIS EKS 4.1.10)`);
    }
    return problems;
}

/**
 * The Kubernetes groups bound to a role in a workload namespace (a team): the platform-wide group,
 * the team's own group (src/aws/access.ts accessGroup), then the groups configured for the team.
 */
export function teamGroups(
    namespace: string,
    role: PlatformRole,
    configured: Partial<Record<PlatformRole, readonly string[]>> = {},
): string[] {
    return [...new Set([accessGroup(role), accessGroup(role, namespace), ...(configured[role] ?? [])])];
}

/**
 * The design's Roles in one workload namespace (a team), each bound to the groups of
 * {@link teamGroups}, and the deployer also to ArgoCD's service account.
 */
export function workloadRbac(
    namespace: string,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
    groups: Partial<Record<PlatformRole, readonly string[]>> = {},
): void {
    const opts = { parent, dependsOn };
    const sa = new k8s.core.v1.ServiceAccount(
        `${namespace}-${deployerServiceAccount}`,
        { metadata: { name: deployerServiceAccount, namespace }, automountServiceAccountToken: false },
        opts,
    );
    for (const [role, rules] of Object.entries(roleRules) as [PlatformRole, Rule[]][]) {
        const problems = ruleProblems(role, rules);
        if (problems.length > 0) throw new Error(`RBAC rules break the policy: ${problems.join("; ")}`);
        new k8s.rbac.v1.Role(`${namespace}-${role}`, { metadata: { name: role, namespace }, rules }, opts);
        const subjects: k8s.types.input.rbac.v1.Subject[] = teamGroups(namespace, role, groups).map((group) => ({
            kind: "Group",
            name: group,
            apiGroup: "rbac.authorization.k8s.io",
        }));
        if (role === "deployer") subjects.push({ kind: "ServiceAccount", name: sa.metadata.name, namespace });
        new k8s.rbac.v1.RoleBinding(
            `${namespace}-${role}`,
            { metadata: { name: role, namespace }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role }, subjects },
            opts,
        );
    }
}
