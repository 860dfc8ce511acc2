import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { sealedSecret } from "./sealing";

/** A platform secret as services describe it: where it goes and what it holds, never how it travels. */
export interface PlatformSecret {
    name: string;
    namespace: string;
    data: Record<string, pulumi.Input<string>>;
    type?: string;
    labels?: Record<string, string>;
}

/** How platform secrets reach the cluster in this environment (SPEC §1, "secrets"). */
export interface SecretsPath {
    readonly mode: PlatformConfig["secrets"]["mode"];
    /** Delivers the secret; the returned resource is what consumers wait for. */
    deliver(resourceName: string, secret: PlatformSecret, opts: pulumi.CustomResourceOptions): pulumi.CustomResource;
}

/** What sealing needs from the Sealed Secrets controller: its active public key, the derivation key, and readiness. */
export interface Sealer {
    publicKeyPem: pulumi.Output<string>;
    /** Secret: makes sealing deterministic, so an unchanged value gives an unchanged SealedSecret. */
    derivationKey: pulumi.Output<string>;
    /** The controller (and its CRD): SealedSecrets are created after it. */
    ready: pulumi.Resource[];
}

/**
 * The one place that decides how a platform secret travels: `plain` writes a Kubernetes Secret
 * (dev), `sealed` writes a SealedSecret, strict scope, sealed in code for the controller's active
 * key (staging, prod), so no plaintext Secret is ever sent by the program. Services call
 * `deliver` and never know which.
 */
export function secretsPath(mode: SecretsPath["mode"], sealer: Sealer): SecretsPath {
    if (mode === "plain") {
        return {
            mode,
            deliver: (resourceName, s, opts) =>
                new k8s.core.v1.Secret(
                    resourceName,
                    { metadata: { name: s.name, namespace: s.namespace, labels: s.labels }, type: s.type ?? "Opaque", stringData: s.data },
                    opts,
                ),
        };
    }
    return {
        mode,
        deliver: (resourceName, s, opts) =>
            new k8s.apiextensions.CustomResource(
                resourceName,
                {
                    apiVersion: "bitnami.com/v1alpha1",
                    kind: "SealedSecret",
                    metadata: { name: s.name, namespace: s.namespace, labels: s.labels },
                    // Ciphertext is safe to show, and previews should show when it changes.
                    spec: pulumi.unsecret(
                        pulumi
                            .all([sealer.publicKeyPem, sealer.derivationKey, pulumi.all(s.data)])
                            .apply(
                                ([pem, derivationKey, values]) =>
                                    sealedSecret(pem, s, values, { derivationKey, type: s.type, labels: s.labels }).spec,
                            ),
                    ),
                },
                { ...opts, dependsOn: [...toArray(opts.dependsOn), ...sealer.ready] },
            ),
    };
}

const toArray = (d: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Resource[] =>
    d === undefined ? [] : Array.isArray(d) ? (d as pulumi.Resource[]) : [d as pulumi.Resource];
