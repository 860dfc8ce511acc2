import { strict as assert } from "node:assert";
import { rolloutsControllerPolicy, rolloutsQuota, rolloutsValues } from "../../src/addons/argo-rollouts";
import { boundaryServices } from "../../src/aws/permissions-boundary";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { stackNames } from "../../src/synth/stack-files";
import { configProblems, platformConfig, successfulRun } from "../harness";

/*
 * Argo Rollouts per stack: the pinned chart on the system pool, target-group verification with a
 * Pod Identity role of ELB Describe calls only, a read-only dashboard behind the internal ALB, and
 * the ClusterAnalysisTemplates — checked against the CRD of the pinned chart.
 */

/**
 * What the pinned CRD requires, read from argoproj/argo-helm charts/argo-rollouts 2.41.0
 * templates/crds/cluster-analysis-template-crd.yaml (openAPIV3Schema): cluster-scoped, v1alpha1;
 * `spec.metrics[]` require name and provider; `spec.args[]` require name; interval a string;
 * failureLimit, inconclusiveLimit, consecutiveErrorLimit, count int-or-string.
 */
const clusterAnalysisTemplateCrd = {
    apiVersion: "argoproj.io/v1alpha1",
    metricRequired: ["name", "provider"],
    argRequired: ["name"],
    metricFields: [
        "consecutiveErrorLimit",
        "consecutiveSuccessLimit",
        "count",
        "failureCondition",
        "failureLimit",
        "inconclusiveLimit",
        "initialDelay",
        "interval",
        "name",
        "provider",
        "successCondition",
    ],
    prometheusFields: ["address", "authentication", "headers", "insecure", "query", "rangeQuery", "timeout"],
};

/** Problems of a ClusterAnalysisTemplate against the CRD facts above; empty when it fits. */
interface TemplateLike {
    apiVersion?: string;
    kind?: string;
    metadata: { name: string; namespace?: string };
    spec?: { args?: Record<string, unknown>[]; metrics?: (Record<string, unknown> & { provider?: { prometheus?: object } })[] };
}

export function clusterAnalysisTemplateProblems(t: TemplateLike): string[] {
    const c = clusterAnalysisTemplateCrd;
    const problems: string[] = [];
    if (t.apiVersion !== c.apiVersion || t.kind !== "ClusterAnalysisTemplate") problems.push(`kind ${t.apiVersion}/${t.kind}`);
    if (t.metadata?.namespace) problems.push("cluster-scoped: no namespace");
    for (const a of t.spec?.args ?? []) for (const f of c.argRequired) if (!(f in a)) problems.push(`args[] lacks ${f}`);
    if (!t.spec?.metrics?.length) problems.push("spec.metrics is empty");
    for (const m of t.spec?.metrics ?? []) {
        for (const f of c.metricRequired) if (!(f in m)) problems.push(`metric lacks ${f}`);
        for (const f of Object.keys(m)) if (!c.metricFields.includes(f)) problems.push(`metric field ${f} is not in the CRD`);
        if (m.interval !== undefined && typeof m.interval !== "string") problems.push("interval must be a string");
        for (const f of Object.keys(m.provider?.prometheus ?? {}))
            if (!c.prometheusFields.includes(f)) problems.push(`prometheus.${f} is not in the CRD`);
    }
    return problems;
}

const release = (resources: ResourceRecord[]) => findResource(resources, "kubernetes:helm.sh/v3:Release", "argo-rollouts");
const templates = (resources: ResourceRecord[]) =>
    ofType(resources, "kubernetes:argoproj.io/v1alpha1:ClusterAnalysisTemplate").map((r) => r.inputs as unknown as TemplateLike);

describe("addons/argo-rollouts", () => {
    for (const stack of stackNames()) {
        it(`${stack}: pinned chart, controller on the system pool verifying target groups, read-only dashboard at rollouts.<domain> (internal ALB)`, async () => {
            const { resources } = await successfulRun(stack);
            const r = release(resources);
            assert.deepEqual([r.inputs.chart, r.inputs.version, r.inputs.namespace], ["argo-rollouts", "2.41.0", "argo-rollouts"]);
            const v = r.inputs.values as ReturnType<typeof rolloutsValues>;
            assert.equal(v.controller.nodeSelector["platform.company.io/pool"], "system");
            assert.equal(v.dashboard.nodeSelector["platform.company.io/pool"], "system");
            assert.equal(v.controller.awsVerifyTargetGroup, true);
            assert.ok(v.controller.replicas >= 2 && v.controller.pdb.enabled, "HA controller with a PDB");
            assert.equal(v.dashboard.readonly, true, "the dashboard has no login: read-only");
            assert.deepEqual(v.dashboard.ingress.hosts, [`rollouts.${platformConfig(stack).domain}`]);
            assert.equal(v.dashboard.ingress.annotations["alb.ingress.kubernetes.io/scheme"], "internal");
            assert.equal(v.keepCRDs, true, "deleting the CRDs would delete every Rollout");
        });

        it(`${stack}: the ClusterAnalysisTemplates fit the pinned CRD and come after the release that installs it`, async () => {
            const { resources } = await successfulRun(stack);
            const made = templates(resources);
            const names = made.map((t) => t.metadata.name).sort();
            const expected = [
                "slo-burn-rate",
                "slo-error-rate",
                "slo-latency-p95",
                ...(platformConfig(stack).rollouts.changeWindow ? ["change-window"] : []),
            ];
            assert.deepEqual(names, expected.sort());
            for (const t of made) assert.deepEqual(clusterAnalysisTemplateProblems(t), [], t.metadata.name);
            const urn = release(resources).urn;
            for (const r of ofType(resources, "kubernetes:argoproj.io/v1alpha1:ClusterAnalysisTemplate")) {
                assert.ok(r.dependsOn.includes(urn), `${r.name} waits for the release`);
            }
        });
    }

    it("the CRD check refuses a metric without a provider and a field the CRD lacks (the case that must fail)", () => {
        const t = {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "ClusterAnalysisTemplate",
            metadata: { name: "x" },
            spec: { metrics: [{ name: "m", failureLimitt: 1 }] },
        };
        assert.deepEqual(clusterAnalysisTemplateProblems(t), ["metric lacks provider", "metric field failureLimitt is not in the CRD"]);
    });

    it("grants the controller exactly the ELB Describe calls target-group verification needs, under the boundary's ceiling", () => {
        const statements = rolloutsControllerPolicy().Statement;
        const actions = statements.flatMap((s) => [s.Action].flat()) as string[];
        assert.ok(
            actions.every((a) => /^elasticloadbalancing:Describe\w+$/.test(a)),
            actions.join(", "),
        );
        assert.equal(actions.length, 6);
        assert.ok((boundaryServices as readonly string[]).includes("elasticloadbalancing"));
    });

    it("runs the controller under a Pod Identity association for its service account", async () => {
        const { resources } = await successfulRun("prod");
        const association = ofType(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation").find(
            (r) => r.inputs.namespace === "argo-rollouts",
        );
        assert.equal(association?.inputs.serviceAccount, "argo-rollouts");
    });

    it("sizes the namespace quota from the components' limits", () => {
        const q = rolloutsQuota();
        assert.ok(q.cpu >= 2 * 2 * 1 && q.pods >= 6, JSON.stringify(q));
    });

    it("refuses canary weights that do not rise, by key and value, before any resource", async () => {
        const { problems, run } = await configProblems("dev", (v) => {
            v.rollouts = {
                steps: [
                    { weight: 50, pause: "1m" },
                    { weight: 10, pause: "1m" },
                ],
            };
        });
        assert.deepEqual(problems, [
            "ml-platform:rollouts.steps[1].weight = 10: must be above the previous step's 50 (weights rise to 100 %)",
        ]);
        assert.equal(run.resources.length, 0);
    });
});
