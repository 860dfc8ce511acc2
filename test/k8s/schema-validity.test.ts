import { strict as assert } from "node:assert";
import { ResourceRecord } from "../../src/synth/inventory";
import { successfulRun } from "../harness";

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

export function validateObject(r: ResourceRecord): string | undefined {
    const Model = modelFor(r.type);
    if (!Model) return `no schema model for ${r.type}`;
    try {
        new Model(r.inputs).validate();
        return undefined;
    } catch (e) {
        return `${r.type} ${r.name}: ${(e as Error).message}`;
    }
}

describe("k8s/schema validity", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`${stack}: every Kubernetes object passes the OpenAPI schema`, async () => {
            const objects = (await successfulRun(stack)).resources.filter(
                (r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release",
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
