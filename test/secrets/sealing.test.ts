import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { scopeLabel, sealedSecret, sealValue, unsealValue } from "../../src/secrets/sealing";

describe("secrets/sealing (kubeseal format)", () => {
    // The controller's keys are RSA-4096; the format does not depend on the size, so tests use 2048 for speed.
    const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const target = { name: "db-credentials", namespace: "platform-prod" };
    const mismatch = /^Error: cannot decrypt: the value was not sealed for this key, name, namespace and scope/;

    it("round-trips every scope: what is sealed unseals to the same bytes", () => {
        for (const scope of ["strict", "namespace-wide", "cluster-wide"] as const) {
            const sealed = sealValue(publicKey, { ...target, scope }, "s3cr3t-ü");
            assert.equal(unsealValue(privateKey, { ...target, scope }, sealed).toString(), "s3cr3t-ü", scope);
        }
    });

    it("lays the payload out as kubeseal does: 2-byte length, RSA part of the key's size, GCM body with tag", () => {
        const payload = Buffer.from(sealValue(publicKey, target, "abc"), "base64");
        assert.equal(payload.readUInt16BE(0), 256);
        assert.equal(payload.length, 2 + 256 + 3 + 16);
    });

    it("does not unseal under another name, namespace or scope, nor with another key", () => {
        const sealed = sealValue(publicKey, target, "value");
        assert.throws(() => unsealValue(privateKey, { ...target, name: "other" }, sealed), mismatch);
        assert.throws(() => unsealValue(privateKey, { ...target, namespace: "platform-dev" }, sealed), mismatch);
        assert.throws(() => unsealValue(privateKey, { ...target, scope: "namespace-wide" }, sealed), mismatch);
        const other = crypto.generateKeyPairSync("rsa", {
            modulusLength: 2048,
            privateKeyEncoding: { type: "pkcs8", format: "pem" },
            publicKeyEncoding: { type: "spki", format: "pem" },
        });
        assert.throws(() => unsealValue(other.privateKey, target, sealed), mismatch);
    });

    it("reports a session key above the key's modulus as the same mismatch (once a flaky 'data too large for modulus')", () => {
        // What a value sealed with another key of the same size gives for about one key pair in twenty:
        // an RSA part numerically above this key's modulus. Built here, so the case runs every time.
        const payload = Buffer.from(sealValue(publicKey, target, "value"), "base64");
        payload.fill(0xff, 2, 2 + 256);
        assert.throws(() => unsealValue(privateKey, target, payload.toString("base64")), mismatch);
        const short = Buffer.concat([Buffer.from([0, 8]), Buffer.alloc(8, 1), payload.subarray(2 + 256)]);
        assert.throws(() => unsealValue(privateKey, target, short.toString("base64")), mismatch);
    });

    it("with a derivation key, seals the same value the same way (no perpetual diff) and still unseals", () => {
        const options = { derivationKey: "program-secret" };
        for (const scope of ["strict", "namespace-wide", "cluster-wide"] as const) {
            const t = { ...target, scope };
            const once = sealValue(publicKey, t, "stable", options);
            assert.equal(sealValue(publicKey, t, "stable", options), once, scope);
            assert.equal(unsealValue(privateKey, t, once).toString(), "stable", scope);
        }
        const once = sealValue(publicKey, target, "stable", options);
        assert.notEqual(sealValue(publicKey, target, "changed", options), once, "another value");
        assert.notEqual(sealValue(publicKey, { ...target, name: "other" }, "stable", options), once, "another target");
        assert.notEqual(sealValue(publicKey, target, "stable", { derivationKey: "another-secret" }), once, "another key");
        assert.notEqual(sealValue(publicKey, target, "stable"), sealValue(publicKey, target, "stable"), "random without one");
        assert.throws(() => unsealValue(privateKey, { ...target, namespace: "platform-dev" }, once), mismatch);
    });

    it("labels scopes as kubeseal does and annotates non-strict SealedSecrets", () => {
        assert.deepEqual(
            [scopeLabel(target), scopeLabel({ ...target, scope: "namespace-wide" }), scopeLabel({ ...target, scope: "cluster-wide" })].map(
                String,
            ),
            ["platform-prod/db-credentials", "platform-prod", ""],
        );
        const manifest = sealedSecret(publicKey, { ...target, scope: "namespace-wide" }, { password: "p" });
        assert.deepEqual(manifest.metadata.annotations, { "sealedsecrets.bitnami.com/namespace-wide": "true" });
        assert.deepEqual(Object.keys(manifest.spec.encryptedData), ["password"]);
        assert.equal(unsealValue(privateKey, { ...target, scope: "namespace-wide" }, manifest.spec.encryptedData.password).toString(), "p");
        assert.deepEqual(sealedSecret(publicKey, target, {}).metadata.annotations, {}, "strict is the default and needs no annotation");
    });

    it("seals with the controller's certificate, as `kubeseal --cert` does", () => {
        // A test-only key pair and self-signed certificate (openssl req -x509), committed as a fixture.
        const cert = fs.readFileSync(path.join(__dirname, "../../src/synth/fixtures/offline-sealing.crt"), "utf8");
        const key = fs.readFileSync(path.join(__dirname, "../../src/synth/fixtures/offline-sealing.key"), "utf8");
        assert.equal(unsealValue(key, target, sealValue(cert, target, "from-cert")).toString(), "from-cert");
    });
});
