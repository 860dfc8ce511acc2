import { strict as assert } from "node:assert";
import { podSecurityLabels, quotaHard } from "../../src/k8s/namespaces";
import { ofType, ResourceRecord } from "../../src/synth/inventory";
import { successfulRun } from "../harness";

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

    const quotas = {
        dev: { "platform-dev": ["8", "32Gi"], "platform-monitoring": ["2", "8Gi"], "platform-mlops": ["4", "16Gi"] },
        staging: { "platform-staging": ["16", "64Gi"], "platform-monitoring": ["4", "16Gi"], "platform-mlops": ["8", "32Gi"] },
        prod: { "platform-prod": ["32", "128Gi"], "platform-monitoring": ["8", "32Gi"], "platform-mlops": ["16", "64Gi"] },
    };
    for (const [stack, want] of Object.entries(quotas)) {
        it(`${stack}: every namespace has its quota, container defaults, restricted Pod Security, and a token-less default account`, async () => {
            const { resources } = await successfulRun(stack);
            for (const [ns, [cpu, memory]] of Object.entries(want)) {
                const [quota] = inNamespace(resources, "kubernetes:core/v1:ResourceQuota", ns);
                const hard = (quota.inputs.spec as { hard: Record<string, string> }).hard;
                assert.deepEqual([hard["requests.cpu"], hard["requests.memory"]], [cpu, memory], ns);
                assert.equal(inNamespace(resources, "kubernetes:core/v1:LimitRange", ns).length, 1);
                const namespace = ofType(resources, "kubernetes:core/v1:Namespace").find(
                    (n) => (n.inputs.metadata as { name: string }).name === ns,
                )!;
                assert.equal(
                    (namespace.inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"],
                    "restricted",
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
        for (const [stack, reclaim] of [
            ["prod", "Retain"],
            ["dev", "Delete"],
        ]) {
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
