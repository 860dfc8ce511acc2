import { strict as assert } from "node:assert";
import { podSecurityLabels, quotaHard } from "../../src/k8s/namespaces";
import { ofType, ResourceRecord } from "../../src/synth/inventory";
import { stackNames } from "../../src/synth/stack-files";
import { platformConfig, successfulRun } from "../harness";

const inNamespace = (resources: ResourceRecord[], type: string, ns: string) =>
    ofType(resources, type).filter((r) => (r.inputs.metadata as { namespace?: string }).namespace === ns);

describe("k8s/namespaces", () => {
    it("pins Pod Security labels for enforce, audit and warn", () => {
        assert.deepEqual(podSecurityLabels("restricted", "1.34"), {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.34",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "v1.34",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "v1.34",
        });
    });

    it("caps CPU, memory, GPUs, pods, claims and storage", () => {
        assert.deepEqual(quotaHard({ cpu: 32, memoryGiB: 128, gpus: 4, pods: 200, persistentVolumeClaims: 40, storageGiB: 2000 }), {
            "requests.cpu": "32",
            "limits.cpu": "32",
            "requests.memory": "128Gi",
            "limits.memory": "128Gi",
            "requests.nvidia.com/gpu": "4",
            pods: "200",
            persistentvolumeclaims: "40",
            "requests.storage": "2000Gi",
        });
    });

    for (const stack of stackNames()) {
        it(`${stack}: every namespace has its quota, container defaults, its Pod Security level, and a token-less default account`, async () => {
            const { resources } = await successfulRun(stack);
            const want = platformConfig(stack).namespaces;
            assert.ok(Object.keys(want).length > 0);
            for (const [ns, config] of Object.entries(want)) {
                const [quota] = inNamespace(resources, "kubernetes:core/v1:ResourceQuota", ns);
                const hard = (quota.inputs.spec as { hard: Record<string, string> }).hard;
                assert.deepEqual(hard, quotaHard(config.quota), ns);
                assert.equal(inNamespace(resources, "kubernetes:core/v1:LimitRange", ns).length, 1);
                const namespace = ofType(resources, "kubernetes:core/v1:Namespace").find(
                    (n) => (n.inputs.metadata as { name: string }).name === ns,
                )!;
                assert.equal(
                    (namespace.inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"],
                    config.podSecurity,
                );
                const [sa] = inNamespace(resources, "kubernetes:core/v1:ServiceAccountPatch", ns);
                assert.deepEqual(
                    [(sa.inputs.metadata as { name: string }).name, sa.inputs.automountServiceAccountToken],
                    ["default", false],
                );
            }
            assert.equal(inNamespace(resources, "kubernetes:core/v1:ResourceQuota", "default").length, 0, "nothing in default");
        });
    }

    it("makes encrypted gp3 the default StorageClass, bound on first consumer, retained where protected", async () => {
        for (const stack of stackNames()) {
            const reclaim = platformConfig(stack).protectStatefulResources ? "Retain" : "Delete";
            const [sc] = ofType((await successfulRun(stack)).resources, "kubernetes:storage.k8s.io/v1:StorageClass");
            assert.deepEqual(sc.inputs.parameters, { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" });
            assert.equal(sc.inputs.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(sc.inputs.reclaimPolicy, reclaim);
            assert.equal(
                (sc.inputs.metadata as { annotations: Record<string, string> }).annotations["storageclass.kubernetes.io/is-default-class"],
                "true",
            );
        }
    });
});
