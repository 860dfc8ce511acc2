import { strict as assert } from "node:assert";
import { argoWorkflowsValues, workflowPodsApiAllow } from "../../src/addons/argo-workflows";
import { ControllerDefaults, crdProblems, gpuPoolNames, renderStepPod, trainingTemplate } from "../../src/addons/training-template";
import { PlatformConfig } from "../../src/config";
import { namespacesOfKind } from "../../src/k8s/baseline";
import { networkModel, toFlow } from "../../src/k8s/flows";
import { PodSpec, quotaProblems, restrictedProblems, schedulablePools, withLimitRange } from "../../src/k8s/pod-admission";
import { clusterView, evaluate } from "../../src/k8s/reachability";
import { planSubnets } from "../../src/aws/cidr";
import { findResource } from "../../src/synth/inventory";
import { stackNames } from "../../src/synth/stack-files";
import { platformConfig, successfulRun } from "../harness";

/*
 * The training pipeline's train step, rendered as the pod the controller would create, against
 * each stack's mlops namespace: LimitRange, ResourceQuota, Pod Security restricted, network
 * policies, and scheduling on the GPU pool only. Every property comes from the stack files.
 */

const defaultsOf = (config: PlatformConfig): ControllerDefaults => {
    const v = argoWorkflowsValues(config);
    return { spec: v.controller.workflowDefaults.spec as ControllerDefaults["spec"], executor: v.executor };
};
const mlopsOf = (config: PlatformConfig) => {
    const name = namespacesOfKind(config, "mlops")[0];
    return { name, ns: config.namespaces[name] };
};
const trainPod = (config: PlatformConfig, params: Record<string, string> = {}): PodSpec =>
    withLimitRange(renderStepPod(trainingTemplate(config), "train", defaultsOf(config), params), mlopsOf(config).ns.containerDefaults);

describe("addons/training-template", () => {
    for (const stack of stackNames()) {
        const config = platformConfig(stack);

        it(`${stack}: the template is deployed after the chart (its CRD) and conforms to the CRD at the pinned tag`, async () => {
            const { resources } = await successfulRun(stack);
            const cr = findResource(resources, "kubernetes:argoproj.io/v1alpha1:ClusterWorkflowTemplate", "training-pipeline");
            const chart = findResource(resources, "kubernetes:helm.sh/v3:Release", "argo-workflows");
            assert.ok(cr.dependsOn.includes(chart.urn));
            assert.deepEqual(crdProblems(trainingTemplate(config)), []);
            const pipeline = trainingTemplate(config).spec.templates[0] as { dag: { tasks: { name: string; depends?: string }[] } };
            const tasks = pipeline.dag.tasks.map((t) => `${t.name}<-${t.depends ?? ""}`);
            assert.deepEqual(tasks, [
                "prepare<-",
                "validate-data<-prepare",
                "train<-validate-data",
                "evaluate<-train",
                "quality-gate<-evaluate",
                "register<-quality-gate",
            ]);
        });

        it(`${stack}: the train pod fits the mlops quota after the LimitRange, and asks for a GPU`, () => {
            const pod = trainPod(config);
            assert.deepEqual(quotaProblems(pod, mlopsOf(config).ns.quota), []);
            const main = pod.spec.containers.find((c) => c.name === "main")!;
            assert.equal(main.resources!.requests!["nvidia.com/gpu"], "1");
            assert.equal(main.resources!.limits!["nvidia.com/gpu"], "1");
        });

        it(`${stack}: a train pod asking for more GPUs or memory than the quota is refused (the case that must fail)`, () => {
            const { quota } = mlopsOf(config).ns;
            const tooMany = quotaProblems(trainPod(config, { gpus: String(quota.gpus + 1) }), quota);
            assert.ok(
                tooMany.some((p) => p.startsWith("requests.nvidia.com/gpu")),
                tooMany.join("; "),
            );
            const tooBig = quotaProblems(trainPod(config, { "train-memory": `${quota.memoryGiB + 1}Gi` }), quota);
            assert.ok(
                tooBig.some((p) => p.startsWith("limits.memory")),
                tooBig.join("; "),
            );
        });

        it(`${stack}: every container of the train pod passes Pod Security restricted; one without seccomp or dropping nothing fails`, () => {
            const pod = trainPod(config);
            assert.deepEqual(restrictedProblems(pod), []);
            const broken: PodSpec = JSON.parse(JSON.stringify(pod));
            const main = broken.spec.containers.find((c) => c.name === "main")!;
            delete main.securityContext!.seccompProfile;
            delete broken.spec.securityContext!.seccompProfile;
            main.securityContext!.capabilities = {};
            const problems = restrictedProblems(broken);
            assert.ok(
                problems.some((p) => p.includes("seccompProfile")) && problems.some((p) => p.includes("drop ALL")),
                problems.join("; "),
            );
        });

        it(`${stack}: the train pod schedules only on GPU pools; without the toleration nowhere (the case that must fail)`, () => {
            const pod = trainPod(config);
            assert.deepEqual(schedulablePools(pod, config), gpuPoolNames(config));
            assert.ok(gpuPoolNames(config).length > 0);
            const untolerated: PodSpec = { ...pod, spec: { ...pod.spec, tolerations: [] } };
            assert.deepEqual(schedulablePools(untolerated, config), []);
            const unpinned: PodSpec = { ...pod, spec: { ...pod.spec, affinity: undefined } };
            assert.deepEqual(schedulablePools(unpinned, config), gpuPoolNames(config), "the GPU request alone still needs a GPU pool");
        });

        it(`${stack}: the train pod reaches MLflow, the object store and the API, and not the internet under restricted egress`, async () => {
            const { resources } = await successfulRun(stack);
            const nodeCidrs = planSubnets(config.network.vpcCidr, config.network.availabilityZones).map((p) => p.privateCidr);
            const view = clusterView(resources, nodeCidrs);
            const model = networkModel(config);
            const { name } = mlopsOf(config);
            const pod = trainPod(config);
            const from = { kind: "pod" as const, namespace: name, labels: pod.metadata.labels };
            const to = (id: string) => model.components[id];
            const objectStore = config.objectStore.kind === "minio" ? ["minio-s3", 9000] : ["s3", 443];
            for (const [id, port] of [[`mlflow@${name}`, 5000], objectStore, ["kubernetes-api", 443]] as [string, number][]) {
                assert.equal(evaluate({ from, to: to(id), port }, view).level, "all", `train → ${id}:${port}`);
            }
            if (config.network.egress === "restricted") assert.equal(evaluate({ from, to: to("internet"), port: 443 }, view).level, "none");
            // Without the workflow-pod API allow (or its label), the wait container could not report outputs under closed postures.
            if (config.network.egress !== "open") {
                const without = { ...view, policies: view.policies.filter((p) => p.name !== workflowPodsApiAllow(config).name) };
                assert.equal(evaluate({ from, to: to("kubernetes-api"), port: 443 }, without).level, "none");
            }
            assert.ok(toFlow(model, { from: `workflow@${name}`, to: `mlflow@${name}`, port: 5000, why: "" }));
        });
    }

    it("renders the GPU pod spec (documentation for the closing note)", () => {
        const config = platformConfig("prod");
        const pod = trainPod(config);
        const main = pod.spec.containers.find((c) => c.name === "main")!;
        console.log(
            "      prod train pod:",
            JSON.stringify({
                resources: main.resources,
                tolerations: pod.spec.tolerations,
                affinity: pod.spec.affinity,
                securityContext: pod.spec.securityContext,
            }),
        );
        assert.ok(main.resources);
    });
});
