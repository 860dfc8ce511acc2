import { strict as assert } from "node:assert";
import { roleRules, ruleProblems, teamGroups } from "../../src/k8s/rbac";
import { ofType } from "../../src/synth/inventory";
import { stackNames } from "../../src/synth/stack-files";
import { platformConfig, successfulRun } from "../harness";

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

    for (const stack of stackNames()) {
        it(`${stack}: binds each role in every workload namespace (team) to its groups, the deployer also to argocd-deployer`, async () => {
            const { resources } = await successfulRun(stack);
            const config = platformConfig(stack);
            const bindings = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
            const teams = Object.keys(config.namespaces).filter((n) => config.namespaces[n].kind === "workload");
            const roles = ["platform-admin", "data-engineer", "data-analyst", "deployer"] as const;
            assert.deepEqual(
                bindings.map((b) => [
                    (b.inputs.metadata as { namespace: string }).namespace,
                    (b.inputs.roleRef as { name: string }).name,
                    b.inputs.subjects,
                ]),
                teams.flatMap((ns) =>
                    roles.map((role) => [
                        ns,
                        role,
                        [
                            ...teamGroups(ns, role, config.namespaces[ns].groups).map((name) => ({
                                kind: "Group",
                                name,
                                apiGroup: "rbac.authorization.k8s.io",
                            })),
                            ...(role === "deployer" ? [{ kind: "ServiceAccount", name: "argocd-deployer", namespace: ns }] : []),
                        ],
                    ]),
                ),
            );
            assert.deepEqual(teamGroups("team-a", "data-engineer", { "data-engineer": ["idp:vision"] }), [
                "ml-platform:data-engineer",
                "ml-platform:team-a:data-engineer",
                "idp:vision",
            ]);
            assert.equal(
                ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").length,
                0,
                "no cluster-wide binding at all",
            );
        });
    }
});
