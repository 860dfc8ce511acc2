import * as crypto from "node:crypto";

/**
 * Sealing secrets in code, byte-compatible with kubeseal (bitnami-labs/sealed-secrets,
 * pkg/crypto): a 32-byte session key is encrypted with RSA-OAEP-SHA256 under the
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
const hashLength = 32;

/**
 * How the random parts are chosen. Random by default, as kubeseal does. With a `derivationKey`
 * (a secret only the program knows, e.g. a hash of the sealing private key) the session key and
 * the OAEP seed are derived from it, the target and the value by HMAC, so sealing the same value
 * twice gives the same ciphertext and `pulumi up` shows no change. It reveals only whether two
 * ciphertexts for the same target hold the same value; without the key nothing can be predicted.
 */
export interface SealOptions {
    derivationKey?: string | Buffer;
}

/** Encrypts one value for the target; the result goes in a SealedSecret's `encryptedData`. */
export function sealValue(publicKeyPem: string, target: SealTarget, plaintext: string | Buffer, options: SealOptions = {}): string {
    const label = scopeLabel(target);
    const value = Buffer.from(plaintext);
    const random = (purpose: string, size: number) =>
        options.derivationKey === undefined
            ? crypto.randomBytes(size)
            : crypto
                  .createHmac("sha256", options.derivationKey)
                  .update(Buffer.concat([Buffer.from(`${purpose}\0`), label, Buffer.from("\0"), value]))
                  .digest()
                  .subarray(0, size);
    const sessionKey = random("session-key", 32);
    const sealedKey = rsaOaepSha256(publicKeyOf(publicKeyPem), label, sessionKey, random("oaep-seed", hashLength));
    const cipher = crypto.createCipheriv("aes-256-gcm", sessionKey, zeroNonce);
    const body = Buffer.concat([cipher.update(value), cipher.final(), cipher.getAuthTag()]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(sealedKey.length);
    return Buffer.concat([length, sealedKey, body]).toString("base64");
}

/**
 * RSA-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8017 §7.1.1), with the seed given instead of drawn:
 * Node's OAEP always draws it, so the encoding is done here and the raw RSA operation by Node.
 */
function rsaOaepSha256(key: crypto.KeyObject, label: Buffer, message: Buffer, seed: Buffer): Buffer {
    const k = key.asymmetricKeyDetails!.modulusLength! / 8;
    const sha256 = (b: Buffer) => crypto.createHash("sha256").update(b).digest();
    const padding = k - message.length - 2 * hashLength - 2;
    if (padding < 0) throw new Error("message too long for RSA-OAEP with this key");
    const db = Buffer.concat([sha256(label), Buffer.alloc(padding), Buffer.from([1]), message]);
    const maskedDb = xor(db, mgf1(seed, db.length));
    const maskedSeed = xor(seed, mgf1(maskedDb, hashLength));
    return crypto.publicEncrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb]));
}

function mgf1(seed: Buffer, length: number): Buffer {
    const blocks: Buffer[] = [];
    for (let counter = 0; blocks.length * hashLength < length; counter++) {
        const c = Buffer.alloc(4);
        c.writeUInt32BE(counter);
        blocks.push(crypto.createHash("sha256").update(seed).update(c).digest());
    }
    return Buffer.concat(blocks).subarray(0, length);
}

const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]));

/**
 * Decrypts a value sealed for the target, as the controller does: for disaster-recovery checks
 * and tests. Throws when the key, the name, the namespace or the scope do not match.
 */
export function unsealValue(privateKeyPem: string, target: SealTarget, sealed: string): Buffer {
    const payload = Buffer.from(sealed, "base64");
    const keyLength = payload.readUInt16BE(0);
    const key = crypto.createPrivateKey(privateKeyPem);
    const modulus = BigInt(`0x${Buffer.from(key.export({ format: "jwk" }).n!, "base64url").toString("hex")}`);
    const rsaPart = payload.subarray(2, 2 + keyLength);
    // RSA decryption is defined only for a ciphertext below the key's modulus (RFC 8017 §5.1.2). A
    // value sealed with another key of the same size is above this key's modulus for about one key
    // pair in twenty, and OpenSSL then fails with "data too large for modulus" instead of an OAEP
    // decoding error: every mismatch is reported as the one error below, whatever OpenSSL says.
    const mismatch = (why: string) =>
        new Error(`cannot decrypt: the value was not sealed for this key, name, namespace and scope (${why})`);
    if (rsaPart.length !== Math.ceil(modulus.toString(16).length / 2) || BigInt(`0x${rsaPart.toString("hex")}`) >= modulus) {
        throw mismatch("the sealed session key does not fit this key's modulus");
    }
    let sessionKey: Buffer;
    try {
        sessionKey = crypto.privateDecrypt(
            { key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: scopeLabel(target) },
            rsaPart,
        );
    } catch (e) {
        throw mismatch((e as Error).message);
    }
    const body = payload.subarray(2 + keyLength);
    const decipher = crypto.createDecipheriv("aes-256-gcm", sessionKey, zeroNonce);
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}

/** A SealedSecret manifest with every value sealed for the target; the scope is annotated as kubeseal does. */
export function sealedSecret(
    publicKeyPem: string,
    target: SealTarget,
    data: Record<string, string>,
    { type = "Opaque", labels = {}, ...options }: SealOptions & { type?: string; labels?: Record<string, string> } = {},
) {
    const scope = target.scope ?? "strict";
    const annotations: Record<string, string> = {};
    if (scope === "namespace-wide") annotations["sealedsecrets.bitnami.com/namespace-wide"] = "true";
    if (scope === "cluster-wide") annotations["sealedsecrets.bitnami.com/cluster-wide"] = "true";
    const metadata = { name: target.name, namespace: target.namespace, labels, annotations };
    return {
        apiVersion: "bitnami.com/v1alpha1",
        kind: "SealedSecret",
        metadata,
        spec: {
            encryptedData: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, sealValue(publicKeyPem, target, v, options)])),
            template: { metadata, type },
        },
    };
}
