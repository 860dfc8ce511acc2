import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { unsealValue } from "../../src/secrets/sealing";
import { findResource, ofType, ResourceRecord } from "../../src/synth/inventory";
import { runStack } from "../../src/synth/mock-runtime";
import { configProblems, editConfig, successfulRun } from "../harness";
import { stackNames } from "../../src/synth/stack-files";

/*
 * The secrets path per environment (SPEC §1) and the sealing keys the program manages (SPEC §4),
 * checked on the real program's inventory. Offline, the tls resources return a committed test key
 * pair (src/synth/fixtures), so the SealedSecrets the program writes can be unsealed here.
 */

const secretType = "kubernetes:core/v1:Secret";
const sealedType = "kubernetes:bitnami.com/v1alpha1:SealedSecret";
const keyLabel = "sealedsecrets.bitnami.com/sealed-secrets-key";
const fixtureKey = fs.readFileSync(path.join(__dirname, "../../src/synth/fixtures/offline-sealing.key"), "utf8");
const fixtureCert = fs.readFileSync(path.join(__dirname, "../../src/synth/fixtures/offline-sealing.crt"), "utf8");

type Meta = { name: string; namespace: string; labels?: Record<string, string> };
const meta = (r: ResourceRecord) => r.inputs.metadata as Meta;
const isSealingKey = (r: ResourceRecord) => meta(r).labels?.[keyLabel] === "active";
const encryptedData = (r: ResourceRecord) => (r.inputs.spec as { encryptedData: Record<string, string> }).encryptedData;

describe("secrets/secrets path and sealing keys", () => {
    it("dev delivers platform secrets as plain Secrets and seals nothing", async () => {
        const { resources } = await successfulRun("dev");
        assert.deepEqual(ofType(resources, sealedType), []);
        const delivered = ofType(resources, secretType).filter((r) => !isSealingKey(r));
        assert.ok(
            delivered.some((r) => meta(r).name === "argocd-secret"),
            "the ArgoCD secret is a plain Secret in dev",
        );
        for (const s of delivered) assert.equal(s.inputs.stringData, "[secret]", `${s.name}: values stay secret in state`);
    });

    for (const stack of ["staging", "prod"]) {
        it(`${stack}: no plain Secret carries a generated credential; every platform secret is a strict-scope SealedSecret`, async () => {
            const { resources } = await successfulRun(stack);
            const plain = ofType(resources, secretType);
            assert.deepEqual(
                plain.filter((r) => !isSealingKey(r)).map((r) => r.name),
                [],
                "only the controller's own keys are plain Secrets",
            );
            const sealed = ofType(resources, sealedType);
            assert.ok(sealed.some((r) => meta(r).name === "argocd-secret"));
            for (const s of sealed) {
                const annotations = (s.inputs.metadata as { annotations?: Record<string, string> }).annotations ?? {};
                assert.deepEqual(annotations, {}, `${s.name} is strict scope (no scope annotation)`);
                const release = findResource(resources, "kubernetes:helm.sh/v3:Release", "sealed-secrets");
                assert.ok(s.dependsOn.includes(release.urn), `${s.name} waits for the controller and its CRD`);
            }
        });
    }

    it("round trip: what prod seals unseals with the managed key to the generated value, only under its own name and namespace", async () => {
        const { resources } = await successfulRun("prod");
        const secret = ofType(resources, sealedType).find((r) => meta(r).name === "argocd-secret")!;
        const target = { name: "argocd-secret", namespace: "argocd" };
        const data = encryptedData(secret);
        assert.equal(unsealValue(fixtureKey, target, data["server.secretkey"]).toString(), "offline-password-argocd-server-key");
        assert.match(
            unsealValue(fixtureKey, target, data["admin.password"]).toString(),
            /^\$2a\$10\$/,
            "ArgoCD stores only the bcrypt hash",
        );
        assert.throws(
            () => unsealValue(fixtureKey, { ...target, namespace: "platform-prod" }, data["server.secretkey"]),
            /decoding error|decrypt/i,
        );
        assert.throws(() => unsealValue(fixtureKey, { ...target, name: "other" }, data["server.secretkey"]), /decoding error|decrypt/i);
    });

    it("seals deterministically: a second run of the program writes the same ciphertext (no perpetual diff)", async () => {
        const first = await successfulRun("staging");
        const second = await runStack("staging");
        const argocdSecret = (r: ResourceRecord[]) => encryptedData(findResource(r, sealedType, "argocd-secret"));
        assert.deepEqual(argocdSecret(second.resources), argocdSecret(first.resources));
    });

    for (const stack of stackNames()) {
        it(`${stack}: the controller gets an RSA-4096 key and certificate the program manages, installed before it starts`, async () => {
            const { resources, outputs, options } = await successfulRun(stack);
            const key = findResource(resources, "tls:index/privateKey:PrivateKey", "sealing-key-initial");
            assert.deepEqual([key.inputs.algorithm, key.inputs.rsaBits], ["RSA", 4096]);
            const cert = findResource(resources, "tls:index/selfSignedCert:SelfSignedCert", "sealing-cert-initial");
            assert.ok(cert.dependsOn.includes(key.urn));
            const installed = findResource(resources, secretType, "sealing-key-initial");
            assert.deepEqual(meta(installed), {
                name: "sealing-key-initial",
                namespace: "sealed-secrets",
                labels: { [keyLabel]: "active" },
            });
            assert.equal(installed.inputs.type, "kubernetes.io/tls");
            const release = findResource(resources, "kubernetes:helm.sh/v3:Release", "sealed-secrets");
            assert.ok(release.dependsOn.includes(installed.urn), "keys exist before the controller, so it never makes its own");
            const values = release.inputs.values as Record<string, unknown>;
            assert.equal(values.keyrenewperiod, "0", "the program rotates keys, not the controller");
            assert.equal(release.inputs.namespace, "sealed-secrets");
            assert.equal(outputs!.sealedSecretsCert, fixtureCert, "the public certificate is a plain stack output");
            const protectedInProd = stack !== "dev";
            assert.equal(key.protect, protectedInProd, "the key is protected where stateful resources are");
            assert.equal(options[installed.urn].retainOnDelete, protectedInProd);
        });
    }

    it("rotation: a new key generation is added and becomes the sealing key; the old one stays installed", async () => {
        const run = await runStack("prod", { overrides: editConfig("prod", (v) => (v.secrets.sealingKeys = ["initial", "2026-11"])) });
        assert.equal(run.error, undefined);
        const keys = ofType(run.resources, secretType).filter(isSealingKey);
        assert.deepEqual(keys.map((k) => meta(k).name).sort(), ["sealing-key-2026-11", "sealing-key-initial"]);
        const release = findResource(run.resources, "kubernetes:helm.sh/v3:Release", "sealed-secrets");
        for (const k of keys) assert.ok(release.dependsOn.includes(k.urn));
        const newest = findResource(run.resources, "tls:index/privateKey:PrivateKey", "sealing-key-2026-11");
        const argocdSecret = findResource(run.resources, sealedType, "argocd-secret");
        const oldest = findResource(run.resources, "tls:index/privateKey:PrivateKey", "sealing-key-initial");
        assert.ok(argocdSecret.dependsOn.includes(newest.urn), "sealed with the newest key");
        assert.ok(!argocdSecret.dependsOn.includes(oldest.urn), "not with the old one");
    });

    it("rejects a config without a sealing key, and plain secrets above the development tier", async () => {
        assert.deepEqual((await configProblems("dev", (v) => (v.secrets.sealingKeys = []))).problems, [
            "ml-platform:secrets.sealingKeys = []: must list at least one key",
        ]);
        assert.deepEqual((await configProblems("staging", (v) => (v.secrets.mode = "plain"))).problems, [
            'ml-platform:secrets.mode = "plain": tier staging needs sealed secrets',
        ]);
    });
});
