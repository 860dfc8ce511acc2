import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { canarySteps, exampleModel, servingExample, servingExampleYaml, servingPool } from "../../src/addons/serving";
import { clusterAnalysisTemplates } from "../../src/monitoring/analysis";
import { findResource, ofType } from "../../src/synth/inventory";
import { projectRoot as repositoryRoot, readStackConfig, stackNames } from "../../src/synth/stack-files";
import { parseConfig } from "../../src/config";
import { platformConfig, successfulRun } from "../harness";

/*
 * The serving example of docs/serving.md: it parses, fits the pinned Rollout CRD, references only
 * ClusterAnalysisTemplates the platform creates, and its steps are the stack's `rollouts` config.
 */

const projectRoot = repositoryRoot;
const docPath = path.join(projectRoot, "docs", "serving.md");

/**
 * What the pinned Rollout CRD requires, from argoproj/argo-helm charts/argo-rollouts 2.41.0
 * templates/crds/rollout-crd.yaml: canary step keys; `trafficRouting.alb` requires servicePort;
 * analysis templates name templateName and clusterScope; args[] require name; an experiment step
 * requires templates (each name and specRef), its analyses name and templateName.
 */
const rolloutCrd = {
    stepKeys: ["analysis", "experiment", "pause", "plugin", "setCanaryScale", "setHeaderRoute", "setMirrorRoute", "setWeight"],
    albRequired: ["servicePort"],
    templateRefKeys: ["templateName", "clusterScope"],
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function rolloutProblems(rollout: Obj, platformTemplates: Set<string>): string[] {
    const problems: string[] = [];
    const canary = rollout.spec?.strategy?.canary;
    if (rollout.apiVersion !== "argoproj.io/v1alpha1" || rollout.kind !== "Rollout") problems.push("not a v1alpha1 Rollout");
    if (!canary) return [...problems, "no canary strategy"];
    for (const f of rolloutCrd.albRequired) if (!(f in (canary.trafficRouting?.alb ?? {}))) problems.push(`trafficRouting.alb lacks ${f}`);
    // The controller refuses traffic routing without both Services (rollout validation).
    if (!canary.canaryService || !canary.stableService) problems.push("traffic routing needs canaryService and stableService");
    const refs: Obj[] = [...(canary.analysis?.templates ?? [])];
    for (const a of canary.analysis?.args ?? []) if (!a.name) problems.push("analysis arg without name");
    for (const step of canary.steps ?? []) {
        for (const k of Object.keys(step)) if (!rolloutCrd.stepKeys.includes(k)) problems.push(`step key ${k} is not in the CRD`);
        if (step.analysis) refs.push(...step.analysis.templates);
        if (step.experiment) {
            if (!step.experiment.templates?.length) problems.push("experiment without templates");
            for (const t of step.experiment.templates ?? [])
                if (!t.name || !t.specRef) problems.push("experiment template lacks name or specRef");
            for (const a of step.experiment.analyses ?? []) {
                if (!a.name || !a.templateName) problems.push("experiment analysis lacks name or templateName");
                refs.push(a);
            }
        }
    }
    for (const r of refs) {
        for (const k of Object.keys(r))
            if (![...rolloutCrd.templateRefKeys, "name", "args"].includes(k)) problems.push(`template ref key ${k}`);
        if (r.clusterScope !== true) problems.push(`${r.templateName}: not a ClusterAnalysisTemplate`);
        if (!platformTemplates.has(r.templateName))
            problems.push(`${r.templateName}: the platform creates no such ClusterAnalysisTemplate`);
    }
    return problems;
}

describe("addons/serving", () => {
    for (const stack of stackNames()) {
        it(`${stack}: the example Rollout fits the CRD and references only the platform's ClusterAnalysisTemplates`, async () => {
            const config = platformConfig(stack);
            const { resources } = await successfulRun(stack);
            const created = new Set(
                ofType(resources, "kubernetes:argoproj.io/v1alpha1:ClusterAnalysisTemplate").map(
                    (r) => (r.inputs.metadata as Obj).name as string,
                ),
            );
            const docs = servingExample(config, exampleModel(config)) as Obj[];
            const rollout = docs.find((d) => d.kind === "Rollout")!;
            assert.deepEqual(rolloutProblems(rollout, created), []);
            // The ALB Ingress's backend is the stable Service on `use-annotation` (alb.md), and both Services exist.
            const ingress = docs.find((d) => d.kind === "Ingress")!;
            const backend = ingress.spec.rules[0].http.paths[0].backend.service;
            assert.deepEqual(backend, { name: rollout.spec.strategy.canary.stableService, port: { name: "use-annotation" } });
            const services = docs.filter((d) => d.kind === "Service").map((d) => d.metadata.name);
            assert.deepEqual(
                services.sort(),
                [rollout.spec.strategy.canary.canaryService, rollout.spec.strategy.canary.stableService].sort(),
            );
            // The serving account exists in the model's namespace.
            const sa = findResource(resources, "kubernetes:core/v1:ServiceAccount", `serving-${exampleModel(config).namespace}`);
            assert.equal((sa.inputs.metadata as Obj).name, rollout.spec.template.spec.serviceAccountName);
        });

        it(`${stack}: the canary steps are the stack's rollouts config`, () => {
            const config = platformConfig(stack);
            const r = config.rollouts;
            const steps = canarySteps(config, "ns") as Obj[];
            assert.deepEqual(
                steps.filter((s) => "setWeight" in s).map((s) => s.setWeight),
                r.steps.map((s) => s.weight),
            );
            assert.deepEqual(
                steps.filter((s) => s.pause?.duration).map((s) => s.pause.duration),
                r.steps.map((s) => s.pause),
            );
            assert.equal(
                steps.some((s) => s.pause && !s.pause.duration),
                r.manualPromotion,
                "an indefinite pause exactly when manual promotion",
            );
            assert.equal(
                steps.some((s) => s.analysis?.templates[0].templateName === "change-window"),
                r.changeWindow,
            );
            const ab = steps.find((s) => s.experiment);
            assert.equal(ab?.experiment.templates[1].weight, r.abTest?.weight);
            if (r.changeWindow) assert.ok(clusterAnalysisTemplates(config.slo, "m", true).some((t) => t.metadata.name === "change-window"));
        });
    }

    it("the CRD check refuses a reference to a template the platform does not create (the case that must fail)", () => {
        const config = platformConfig("prod");
        const rollout = (servingExample(config, exampleModel(config)) as Obj[]).find((d) => d.kind === "Rollout")!;
        assert.ok(rolloutProblems(rollout, new Set(["slo-error-rate"])).some((p) => p.includes("slo-burn-rate")));
    });

    it("puts a model on the GPU pool when it asks for GPUs, else on the compute pool; refuses when no pool fits", () => {
        const config = platformConfig("prod");
        const gpuPool = Object.entries(config.nodePools).find(([, p]) => p.gpu)![0];
        assert.equal(servingPool(config, 1), gpuPool);
        assert.equal(config.nodePools[servingPool(config, 0)].gpu, false);
        assert.equal(config.nodePools[servingPool(config, 0)].taints.length, 0);
        const model = { ...exampleModel(config), gpus: 1 };
        const pod = (servingExample(config, model) as Obj[]).find((d) => d.kind === "Rollout")!.spec.template.spec;
        assert.deepEqual(
            pod.tolerations.map((t: Obj) => t.key),
            ["nvidia.com/gpu"],
        );
        assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], "1");
        const cpuOnly = { ...config, nodePools: { system: config.nodePools.system } };
        assert.throws(() => servingPool(cpuOnly, 1), /no GPU node pool/);
    });

    it("docs/serving.md shows the example as rendered for this repository's prod (UPDATE_SERVING_DOCS=1 rewrites it)", () => {
        // The repository's own stack file, as the document shipped with it (a fork's stacks do not rewrite the docs).
        const { config: raw, secretKeys } = readStackConfig("prod", projectRoot);
        const config = parseConfig("prod", raw, (k) => secretKeys.includes(k));
        const rendered = servingExampleYaml(config);
        const doc = fs.readFileSync(docPath, "utf8");
        const block = /<!-- serving-example:begin -->\n\n```yaml\n([\s\S]*?)```\n\n<!-- serving-example:end -->/;
        if (process.env.UPDATE_SERVING_DOCS) {
            fs.writeFileSync(
                docPath,
                doc.replace(block, () => `<!-- serving-example:begin -->\n\n\`\`\`yaml\n${rendered}\`\`\`\n\n<!-- serving-example:end -->`),
            );
        }
        const shown = block.exec(fs.readFileSync(docPath, "utf8"))?.[1];
        assert.equal(shown, rendered, "docs/serving.md is out of date: UPDATE_SERVING_DOCS=1 npx mocha test/addons/serving.test.ts");
        const parsed = parseAllDocuments(shown!).map((d) => d.toJS() as Obj);
        assert.deepEqual(
            parsed.map((d) => d.kind),
            ["Rollout", "Service", "Service", "Ingress", "PodMonitor"],
        );
    });
});
