import { strict as assert } from "node:assert";
import { roleRules, ruleProblems } from "../../src/k8s/rbac";
import { ofType } from "../../src/synth/inventory";
import { successfulRun } from "../harness";

describe("k8s/rbac", () => {
    it("grants exactly the design's verbs", () => {
        assert.deepEqual(roleRules["data-engineer"], [
            { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "create", "update", "patch"] },
            { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["get", "list", "create", "update", "patch"] },
            { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] },
            { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
        ]);
        assert.deepEqual(roleRules.deployer, [
            { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "update", "patch"] },
            { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list"] },
        ]);
        const analystVerbs = new Set(roleRules["data-analyst"].flatMap((r) => r.verbs));
        assert.deepEqual([...analystVerbs], ["get", "list", "watch"], "the analyst only reads");
    });

    it("allows wildcards only in the namespace-scoped break-glass platform-admin", () => {
        for (const [role, rules] of Object.entries(roleRules)) assert.deepEqual(ruleProblems(role, rules), [], role);
        assert.deepEqual(ruleProblems("data-engineer", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["*"] }]), [
            'data-engineer: wildcard in {"apiGroups":["apps"],"resources":["deployments"],"verbs":["*"]}',
        ]);
        assert.deepEqual(
            ruleProblems("deployer", [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind", "escalate"] }]),
            ["deployer: verb bind (CIS EKS 4.1.8)", "deployer: verb escalate (CIS EKS 4.1.8)"],
        );
        assert.deepEqual(ruleProblems("data-analyst", [{ apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"] }]), [
            "data-analyst: nodes/proxy (CIS EKS 4.1.10)",
        ]);
    });

    it("binds each role in the workload namespace to its access-entry group, the deployer also to argocd-deployer", async () => {
        const { resources } = await successfulRun("prod");
        const bindings = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
        assert.deepEqual(
            bindings.map((b) => [
                (b.inputs.metadata as { namespace: string }).namespace,
                (b.inputs.roleRef as { name: string }).name,
                b.inputs.subjects,
            ]),
            [
                [
                    "platform-prod",
                    "platform-admin",
                    [{ kind: "Group", name: "ml-platform:platform-admin", apiGroup: "rbac.authorization.k8s.io" }],
                ],
                [
                    "platform-prod",
                    "data-engineer",
                    [{ kind: "Group", name: "ml-platform:data-engineer", apiGroup: "rbac.authorization.k8s.io" }],
                ],
                [
                    "platform-prod",
                    "data-analyst",
                    [{ kind: "Group", name: "ml-platform:data-analyst", apiGroup: "rbac.authorization.k8s.io" }],
                ],
                [
                    "platform-prod",
                    "deployer",
                    [
                        { kind: "Group", name: "ml-platform:deployer", apiGroup: "rbac.authorization.k8s.io" },
                        { kind: "ServiceAccount", name: "argocd-deployer", namespace: "platform-prod" },
                    ],
                ],
            ],
        );
        assert.equal(
            ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").length,
            0,
            "no cluster-wide binding at all",
        );
    });
});
