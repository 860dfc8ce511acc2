import { fixture, RuleCases } from "../../../policy/rules/evaluate";

/** Fixtures of the authorization rules; test/policy/rules.test.ts runs every case. */

const rbac = "kubernetes:rbac.authorization.k8s.io/v1";
type Rule = { apiGroups?: string[]; resources: string[]; verbs: string[] };
const role = (name: string, rules: Rule[], kind: "Role" | "ClusterRole" = "Role") =>
    fixture(`${rbac}:${kind}`, `rbac-${name}`, { metadata: { name, ...(kind === "Role" ? { namespace: "platform-prod" } : {}) }, rules });
const core = (resources: string[], verbs: string[]): Rule => ({ apiGroups: [""], resources, verbs });
const binding = (name: string, roleRef: string, subjects: unknown[], kind = "ClusterRoleBinding") =>
    fixture(`${rbac}:${kind}`, name, {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleRef },
        subjects,
    });
const group = (name: string) => ({ kind: "Group", name, apiGroup: "rbac.authorization.k8s.io" });

const adminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const association = (principalArn: string, policyArn = adminPolicy, accessScope: unknown = { type: "cluster" }) =>
    fixture("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "access", {
        clusterName: "c",
        principalArn,
        policyArn,
        accessScope,
    });
const breakGlass = "arn:aws:iam::123456789012:role/break-glass";

const dataEngineer = role("data-engineer", [
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "create", "update", "patch"] },
    core(["pods", "pods/log"], ["get", "list", "watch"]),
    core(["pods/exec"], ["create"]),
]);
const deployer = role("deployer", [
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "update", "patch"] },
    core(["configmaps", "secrets"], ["get", "list"]),
]);
const platformAdmin = role("platform-admin", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]);

export const k8sRbacCases: RuleCases = {
    "k8s-no-cluster-admin-binding": {
        ok: [
            {
                title: "a namespaced role binding",
                resources: [binding("analysts", "view", [group("ml-platform:data-analyst")], "RoleBinding")],
            },
            {
                title: "listed break-glass binding",
                resources: [binding("break-glass", "cluster-admin", [group("break-glass")])],
                config: { breakGlassBindings: ["break-glass"] },
            },
        ],
        bad: [
            {
                title: "cluster-admin to a group",
                resources: [binding("ops", "cluster-admin", [group("ops")])],
                message: /Binding "ops" grants cluster-admin/,
            },
            {
                title: "system:masters",
                resources: [binding("masters", "view", [group("system:masters")])],
                message: /system:masters, which bypasses RBAC/,
            },
        ],
    },
    "eks-access-cluster-admin": {
        ok: [
            {
                title: "listed break-glass principal",
                resources: [association(breakGlass)],
                config: { allowedClusterAdminPrincipals: [breakGlass] },
            },
            {
                title: "allowed by pattern",
                resources: [association("arn:aws:iam::123456789012:role/ml-platform-prod-deploy")],
                config: { allowedClusterAdminPrincipals: ["arn:aws:iam::*:role/ml-platform-*-deploy"] },
            },
            {
                title: "namespaced admin",
                resources: [
                    association("arn:aws:iam::1:role/x", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy", {
                        type: "namespace",
                        namespaces: ["platform-prod"],
                    }),
                ],
            },
        ],
        bad: [
            {
                title: "cluster admin for an unlisted principal",
                resources: [association("arn:aws:iam::1:role/someone")],
                message: /AmazonEKSClusterAdminPolicy \(cluster scope\) for arn:aws:iam::1:role\/someone/,
            },
            {
                title: "cluster-wide AmazonEKSAdminPolicy",
                resources: [association("arn:aws:iam::1:role/x", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy")],
                message: /AmazonEKSAdminPolicy \(cluster scope\)/,
            },
            {
                title: "access entry in system:masters",
                resources: [
                    fixture("aws:eks/accessEntry:AccessEntry", "e", {
                        clusterName: "c",
                        principalArn: "arn:aws:iam::1:role/x",
                        kubernetesGroups: ["system:masters"],
                    }),
                ],
                message: /puts arn:aws:iam::1:role\/x in system:masters/,
            },
        ],
    },
    "k8s-rbac-no-wildcards": {
        ok: [
            { title: "the design's roles", resources: [dataEngineer, deployer] },
            { title: "platform-admin, namespaced break-glass", resources: [platformAdmin] },
        ],
        bad: [
            { title: "wildcard verbs", resources: [role("ops", [core(["pods"], ["*"])])], message: /Role "ops" grants all verbs/ },
            {
                title: "break-glass name on a ClusterRole",
                resources: [role("platform-admin", [core(["*"], ["get"])], "ClusterRole")],
                message: /ClusterRole "platform-admin" grants all resources/,
            },
        ],
    },
    "k8s-rbac-no-escalation": {
        ok: [{ title: "the design's roles", resources: [dataEngineer, deployer] }],
        bad: [
            {
                title: "impersonate",
                resources: [role("sudo", [{ apiGroups: [""], resources: ["users", "groups"], verbs: ["impersonate"] }], "ClusterRole")],
                message: /grants impersonate/,
            },
            {
                title: "bind and escalate",
                resources: [
                    role("rbac", [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind", "escalate"] }]),
                ],
                message: /grants bind, escalate/,
            },
            {
                title: "nodes/proxy",
                resources: [role("metrics", [core(["nodes/proxy"], ["get"])], "ClusterRole")],
                message: /nodes\/proxy/,
            },
        ],
    },
    "k8s-rbac-pods-exec": {
        ok: [{ title: "data-engineer may exec", resources: [dataEngineer] }],
        bad: [
            {
                title: "analyst with exec",
                resources: [role("data-analyst", [core(["pods/exec"], ["create"])])],
                message: /Role "data-analyst" grants pods\/exec/,
            },
            {
                title: "cluster-wide attach",
                resources: [role("data-engineer", [core(["pods/attach"], ["create"])], "ClusterRole")],
                message: /ClusterRole "data-engineer" grants pods\/attach/,
            },
        ],
    },
    "k8s-rbac-secrets-read": {
        ok: [{ title: "deployer reads its namespace's secrets", resources: [deployer, dataEngineer] }],
        bad: [
            {
                title: "analyst reads secrets",
                resources: [role("data-analyst", [core(["secrets"], ["list"])])],
                message: /Role "data-analyst" can read Secrets \(list\)/,
            },
            {
                title: "cluster-wide secrets",
                resources: [role("deployer", [core(["secrets"], ["get", "watch"])], "ClusterRole")],
                message: /ClusterRole "deployer" can read Secrets/,
            },
        ],
    },
};
