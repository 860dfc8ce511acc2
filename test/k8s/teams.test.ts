import { strict as assert } from "node:assert";
import { ofType, ResourceRecord } from "../../src/synth/inventory";
import { runStack, StackRun } from "../../src/synth/mock-runtime";
import { stackNames } from "../../src/synth/stack-files";
import { configProblems, editConfig, platformConfig } from "../harness";

/*
 * Teams (as EKS Blueprints' teams): each workload namespace is a team with its own quota, network
 * posture and the design's RoleBindings for the groups configured for it; an access entry can be
 * scoped to teams. Here a stack gets a second team, `team-vision`, by config alone.
 */

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const stack = stackNames()[0];
const team = "team-vision";
const teamQuota = { cpu: 6, memoryGiB: 24, pods: 40, persistentVolumeClaims: 5, storageGiB: 200 };
let run: Promise<StackRun> | undefined;
const withTeam = () =>
    (run ??= runStack(stack, {
        overrides: editConfig(stack, (v) => {
            v.namespaces[team] = { kind: "workload", quota: teamQuota, groups: { "data-engineer": ["idp:vision-engineers"] } };
            v.accessEntries = {
                ...(v.accessEntries ?? {}),
                "vision-engineers": {
                    principalArn: "arn:aws:iam::111122223333:role/VisionEngineers",
                    role: "data-engineer",
                    namespaces: [team],
                },
            };
        }),
    }));
const inNamespace = (resources: ResourceRecord[], type: string, ns: string) =>
    ofType(resources, type).filter((r) => (r.inputs.metadata as { namespace?: string }).namespace === ns);

describe("k8s/teams (several workload namespaces)", function () {
    this.timeout(10 * 60 * 1000);

    it("gives a second team its quota, restricted Pod Security, and the posture's network policies", async () => {
        const { resources, error } = await withTeam();
        if (error) throw error;
        const [quota] = inNamespace(resources, "kubernetes:core/v1:ResourceQuota", team);
        assert.equal((quota.inputs.spec as Values).hard["requests.cpu"], String(teamQuota.cpu));
        const ns = ofType(resources, "kubernetes:core/v1:Namespace").find((n) => (n.inputs.metadata as Values).name === team)!;
        assert.equal((ns.inputs.metadata as Values).labels["pod-security.kubernetes.io/enforce"], "restricted");
        const policies = (ns: string) =>
            inNamespace(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", ns)
                .map((p) => (p.inputs.metadata as Values).name)
                .sort();
        const [original] = Object.keys(platformConfig(stack).namespaces).filter(
            (n) => platformConfig(stack).namespaces[n].kind === "workload",
        );
        assert.ok(policies(team).includes("default-deny"));
        assert.deepEqual(policies(team), policies(original), "the same posture as the first team");
    });

    it("binds the design's roles in the team's namespace to the platform-wide, the team's and its configured groups", async () => {
        const { resources } = await withTeam();
        const bindings = Object.fromEntries(
            inNamespace(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", team).map((b) => [
                (b.inputs.roleRef as Values).name,
                (b.inputs.subjects as Values[]).map((s) => s.name),
            ]),
        );
        assert.deepEqual(Object.keys(bindings).sort(), ["data-analyst", "data-engineer", "deployer", "platform-admin"]);
        assert.deepEqual(bindings["data-engineer"], [
            "ml-platform:data-engineer",
            `ml-platform:${team}:data-engineer`,
            "idp:vision-engineers",
        ]);
        assert.deepEqual(bindings["data-analyst"], ["ml-platform:data-analyst", `ml-platform:${team}:data-analyst`]);
        assert.ok(bindings.deployer.includes("argocd-deployer"));
    });

    it("puts a team-scoped access entry in the team's group only, so it reaches no other namespace", async () => {
        const { resources } = await withTeam();
        const entry = ofType(resources, "aws:eks/accessEntry:AccessEntry").find((e) => e.name.endsWith("-access-vision-engineers"))!;
        assert.deepEqual(entry.inputs.kubernetesGroups, [`ml-platform:${team}:data-engineer`]);
        const boundElsewhere = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter(
            (b) =>
                (b.inputs.metadata as Values).namespace !== team &&
                (b.inputs.subjects as Values[]).some((s) => s.name === `ml-platform:${team}:data-engineer`),
        );
        assert.deepEqual(boundElsewhere, []);
    });

    it("lets the team deploy through ArgoCD and reach the data services like the first team", async () => {
        const { resources } = await withTeam();
        const apps = ofType(resources, "kubernetes:argoproj.io/v1alpha1:AppProject").find(
            (p) => (p.inputs.metadata as Values).name === `${platformConfig(stack).environment}-apps`,
        )!;
        assert.ok((apps.inputs.spec as Values).destinations.some((d: Values) => d.namespace === team));
        const clients = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
            (p) => (p.inputs.metadata as Values).name === "allow-clients",
        )!;
        const from = (clients.inputs.spec as Values).ingress[0].from.map(
            (f: Values) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
        );
        assert.ok(from.includes(team), from.join(", "));
    });

    describe("must fail", () => {
        it("a stack without a workload namespace", async () => {
            const { problems } = await configProblems(stack, (v) => {
                for (const [name, ns] of Object.entries(v.namespaces as Record<string, Values>))
                    if (ns.kind === "workload") delete v.namespaces[name];
            });
            assert.ok(
                problems.includes("ml-platform:namespaces = []: must define at least one namespace of kind workload"),
                problems.join("\n"),
            );
        });

        it("an access entry scoped to a namespace that is not a team, and a cluster-admin scoped at all", async () => {
            const mlops = Object.keys(platformConfig(stack).namespaces).find((n) => platformConfig(stack).namespaces[n].kind === "mlops")!;
            const { problems } = await configProblems(stack, (v) => {
                v.accessEntries = {
                    analysts: { principalArn: "arn:aws:iam::111122223333:role/Analysts", role: "data-analyst", namespaces: [mlops] },
                    glass: { principalArn: "arn:aws:iam::111122223333:role/Glass", role: "cluster-admin", namespaces: [mlops] },
                };
            });
            assert.ok(
                problems.some((p) =>
                    p.startsWith(`ml-platform:accessEntries.analysts.namespaces[0] = "${mlops}": must be a workload namespace`),
                ),
                problems.join("\n"),
            );
            assert.ok(
                problems.some(
                    (p) =>
                        p.startsWith("ml-platform:accessEntries.glass.namespaces = ") &&
                        p.endsWith("cluster-admin is cluster-wide: leave namespaces out"),
                ),
            );
        });

        it("groups on a namespace that is not a team", async () => {
            const mlops = Object.keys(platformConfig(stack).namespaces).find((n) => platformConfig(stack).namespaces[n].kind === "mlops")!;
            const { problems } = await configProblems(stack, (v) => (v.namespaces[mlops].groups = { deployer: ["ci"] }));
            assert.deepEqual(problems, [
                `ml-platform:namespaces.${mlops}.groups = {"deployer":["ci"]}: only a workload namespace (a team) binds groups to the design's roles`,
            ]);
        });
    });
});
