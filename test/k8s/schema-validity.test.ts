import { strict as assert } from "node:assert";
import { ResourceRecord } from "../../src/synth/inventory";
import { successfulRun } from "../harness";
import { stackNames } from "../../src/synth/stack-files";

/*
 * Every Kubernetes object each stack creates, validated against the Kubernetes OpenAPI schema
 * (kubernetes-models 4.x: types and required fields; it does not reject unknown fields).
 */

/** `kubernetes:networking.k8s.io/v1:NetworkPolicy` → the kubernetes-models class, or undefined. */
function modelFor(type: string): (new (data: object) => { validate(): void }) | undefined {
    const match = /^kubernetes:([^:]+):(\w+?)(Patch)?$/.exec(type);
    if (!match) return undefined;
    const [, groupVersion, kind] = match;
    const modulePath = groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return (require(`kubernetes-models/${modulePath}/${kind}`) as Record<string, new (data: object) => { validate(): void }>)[kind];
    } catch {
        return undefined;
    }
}

/**
 * Custom resources of the platform's operators: kubernetes-models 4.x has no schema for them (the
 * CRD model packages that do are ESM-only); their own tests and the policy pack check them
 * (Karpenter's NodePool and EC2NodeClass: test/addons/karpenter.test.ts against the v1.14.1 CRDs).
 */
const customResourceGroups =
    /^kubernetes:(argoproj\.io|bitnami\.com|postgresql\.cnpg\.io|barmancloud\.cnpg\.io|minio\.min\.io|monitoring\.coreos\.com|cert-manager\.io|karpenter\.sh|karpenter\.k8s\.aws)\//;

/** Secret values are recorded as "[secret]"; their shape (a string map) is not what is checked here. */
const withoutSecretMarkers = (inputs: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v === "[secret]" ? {} : v]));

export function validateObject(r: ResourceRecord): string | undefined {
    const Model = modelFor(r.type);
    if (!Model) return `no schema model for ${r.type}`;
    try {
        new Model(withoutSecretMarkers(r.inputs)).validate();
        return undefined;
    } catch (e) {
        return `${r.type} ${r.name}: ${(e as Error).message}`;
    }
}

describe("k8s/schema validity", () => {
    for (const stack of stackNames()) {
        it(`${stack}: every Kubernetes object passes the OpenAPI schema`, async () => {
            const objects = (await successfulRun(stack)).resources.filter(
                (r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release" && !customResourceGroups.test(r.type),
            );
            assert.ok(objects.length > 30, `${objects.length} objects`);
            assert.deepEqual(objects.map(validateObject).filter(Boolean), []);
            console.log(`      ${stack}: ${objects.length} Kubernetes objects validated`);
        });
    }

    it("catches an invalid object (the validator is live)", () => {
        const bad: ResourceRecord = {
            urn: "u",
            type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            name: "bad",
            parent: null,
            dependsOn: [],
            provider: null,
            custom: true,
            protect: false,
            inputs: {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "x" },
                spec: { podSelector: {}, policyTypes: ["Sideways"] },
            },
        };
        assert.match(validateObject(bad)!, /policyTypes\/0 must be equal to one of the allowed values/);
    });
});
