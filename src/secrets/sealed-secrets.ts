import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { poolLabel } from "../aws/node-pools";
import { charts, PlatformConfig } from "../config";
import { helmRelease, serviceNamespace } from "../addons/contract";
import { allow, apiServerAddresses } from "../k8s/network-policies";
import { Sealer } from "./secrets-path";

/** The label the controller selects its keys by; every key stays `active` so old ciphertexts decrypt. */
export const sealingKeyLabel = { "sealedsecrets.bitnami.com/sealed-secrets-key": "active" };
export const controllerName = "sealed-secrets-controller";
const ports = { http: 8080, metrics: 8081 };

export interface SealedSecretsArgs {
    config: PlatformConfig;
    /** Protect the keys and keep their Secrets on delete (from config, per environment). */
    protect: boolean;
    monitoringNamespace: string;
    /** Nodes and cluster DNS. */
    after: pulumi.Resource[];
}

/**
 * Sealed Secrets (SPEC §4, SECURITY.md 26) in its own namespace, with sealing keys the program
 * manages: RSA-4096 keys and self-signed certificates in Pulumi state, installed as the
 * controller's keys before it starts (so it never makes an unmanaged one). A rebuilt cluster gets
 * the same keys back and decrypts everything already sealed in Git. Rotation appends a generation
 * in config; older keys stay. The newest key's certificate is the stack output for `kubeseal --cert`.
 */
export class SealedSecrets extends pulumi.ComponentResource implements Sealer {
    readonly namespace = "sealed-secrets";
    /** PEM certificate of the active (newest) key. */
    readonly certificate: pulumi.Output<string>;
    readonly publicKeyPem: pulumi.Output<string>;
    readonly derivationKey: pulumi.Output<string>;
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: SealedSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:SealedSecrets", name, {}, opts);
        const { config } = args;
        const ns = serviceNamespace(
            this.namespace,
            args,
            {
                quota: { cpu: 1, memoryGiB: 1, gpus: 0, pods: 5, persistentVolumeClaims: 0, storageGiB: 0 },
                allows: [
                    // kubeseal --fetch-cert and --validate reach the controller through the API server's proxy.
                    allow.apiServer(apiServerAddresses(args.config), [ports.http]),
                    allow.monitoringScrape(args.monitoringNamespace, [ports.metrics]),
                ],
            },
            { parent: this, dependsOn: args.after },
        );

        const keep = { parent: this, protect: args.protect };
        const keys = config.secrets.sealingKeys.map((generation) => {
            const key = new tls.PrivateKey(`sealing-key-${generation}`, { algorithm: "RSA", rsaBits: 4096 }, keep);
            const cert = new tls.SelfSignedCert(
                `sealing-cert-${generation}`,
                {
                    privateKeyPem: key.privateKeyPem,
                    subject: { commonName: "sealed-secret", organization: `ml-platform ${config.environment}` },
                    // Expiry does not stop decryption; ten years, as the controller's own certificates.
                    validityPeriodHours: 10 * 365 * 24,
                    allowedUses: ["key_encipherment", "digital_signature", "data_encipherment"],
                },
                { ...keep, ignoreChanges: ["validityPeriodHours"] },
            );
            const secret = new k8s.core.v1.Secret(
                `sealing-key-${generation}`,
                {
                    metadata: { name: `sealing-key-${generation}`, namespace: this.namespace, labels: sealingKeyLabel },
                    type: "kubernetes.io/tls",
                    stringData: { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem },
                },
                { ...keep, retainOnDelete: args.protect, dependsOn: [ns] },
            );
            return { key, cert, secret };
        });
        const active = keys[keys.length - 1];
        this.certificate = pulumi.unsecret(active.cert.certPem);
        this.publicKeyPem = active.key.publicKeyPem;
        this.derivationKey = pulumi.secret(
            active.key.privateKeyPem.apply((pem) => crypto.createHash("sha256").update(`sealing-derivation\0${pem}`).digest("hex")),
        );

        const release = helmRelease(
            "sealed-secrets",
            charts.sealedSecrets,
            this.namespace,
            {
                fullnameOverride: controllerName,
                // The program rotates keys (config); the controller must not make unmanaged ones.
                keyrenewperiod: "0",
                nodeSelector: { [poolLabel]: "system" },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                podSecurityContext: { enabled: true, fsGroup: 65534 },
                containerSecurityContext: {
                    enabled: true,
                    runAsNonRoot: true,
                    runAsUser: 1001,
                    readOnlyRootFilesystem: true,
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                },
                metrics: { serviceMonitor: { enabled: false } },
            },
            { parent: this, dependsOn: [ns, ...keys.map((k) => k.secret)] },
        );
        this.ready = [release];
        this.registerOutputs({ certificate: this.certificate });
    }
}
