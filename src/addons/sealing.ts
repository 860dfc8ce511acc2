import * as crypto from "node:crypto";

/**
 * Sealing secrets in code, byte-compatible with kubeseal (bitnami-labs/sealed-secrets,
 * pkg/crypto): a fresh 32-byte session key is encrypted with RSA-OAEP-SHA256 under the
 * controller's public key, with the scope as OAEP label; the value is encrypted with AES-256-GCM
 * under the session key and a zero nonce (safe: every key is used once). The payload is
 * `uint16 big-endian length of the RSA part || RSA part || AES-GCM ciphertext and tag`, base64.
 */

/** Who may unseal: `strict` binds name and namespace (the default), `namespace-wide` the namespace only. */
export type SealingScope = "strict" | "namespace-wide" | "cluster-wide";

export interface SealTarget {
    name: string;
    namespace: string;
    scope?: SealingScope;
}

/** The OAEP label kubeseal derives from the scope: what ties a ciphertext to its place. */
export function scopeLabel({ name, namespace, scope = "strict" }: SealTarget): Buffer {
    switch (scope) {
        case "strict":
            return Buffer.from(`${namespace}/${name}`);
        case "namespace-wide":
            return Buffer.from(namespace);
        case "cluster-wide":
            return Buffer.alloc(0);
    }
}

/** A public key from a PEM certificate (what `kubeseal --fetch-cert` prints) or a PEM public key. */
export function publicKeyOf(pem: string): crypto.KeyObject {
    return pem.includes("BEGIN CERTIFICATE") ? new crypto.X509Certificate(pem).publicKey : crypto.createPublicKey(pem);
}

const zeroNonce = Buffer.alloc(12);

/** Encrypts one value for the target; the result goes in a SealedSecret's `encryptedData`. */
export function sealValue(publicKeyPem: string, target: SealTarget, plaintext: string | Buffer): string {
    const sessionKey = crypto.randomBytes(32);
    const sealedKey = crypto.publicEncrypt(
        {
            key: publicKeyOf(publicKeyPem),
            padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: "sha256",
            oaepLabel: scopeLabel(target),
        },
        sessionKey,
    );
    const cipher = crypto.createCipheriv("aes-256-gcm", sessionKey, zeroNonce);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(sealedKey.length);
    return Buffer.concat([length, sealedKey, body]).toString("base64");
}

/**
 * Decrypts a value sealed for the target, as the controller does: for disaster-recovery checks
 * and tests. Throws when the key, the name, the namespace or the scope do not match.
 */
export function unsealValue(privateKeyPem: string, target: SealTarget, sealed: string): Buffer {
    const payload = Buffer.from(sealed, "base64");
    const keyLength = payload.readUInt16BE(0);
    const sessionKey = crypto.privateDecrypt(
        { key: privateKeyPem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: scopeLabel(target) },
        payload.subarray(2, 2 + keyLength),
    );
    const body = payload.subarray(2 + keyLength);
    const decipher = crypto.createDecipheriv("aes-256-gcm", sessionKey, zeroNonce);
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}

/** A SealedSecret manifest with every value sealed for the target; the scope is annotated as kubeseal does. */
export function sealedSecret(publicKeyPem: string, target: SealTarget, data: Record<string, string>, type = "Opaque") {
    const scope = target.scope ?? "strict";
    const annotations: Record<string, string> = {};
    if (scope === "namespace-wide") annotations["sealedsecrets.bitnami.com/namespace-wide"] = "true";
    if (scope === "cluster-wide") annotations["sealedsecrets.bitnami.com/cluster-wide"] = "true";
    const metadata = { name: target.name, namespace: target.namespace, annotations };
    return {
        apiVersion: "bitnami.com/v1alpha1",
        kind: "SealedSecret",
        metadata,
        spec: {
            encryptedData: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, sealValue(publicKeyPem, target, v)])),
            template: { metadata, type },
        },
    };
}
