import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A generated credential (SPEC §4): 32 letters and digits, safe in URLs, connection strings and
 * shells without quoting (~190 bits), with its bcrypt hash for services that store only that. The
 * value lives only in the encrypted state and reaches the cluster by the environment's secrets
 * path; Pulumi keeps it secret in every output derived from it.
 */
export function generatedCredential(name: string, opts: pulumi.CustomResourceOptions): random.RandomPassword {
    return new random.RandomPassword(
        name,
        { length: 32, special: false, minLower: 2, minUpper: 2, minNumeric: 2 },
        { ...opts, additionalSecretOutputs: ["result", "bcryptHash"] },
    );
}

/** The value of a {@link generatedCredential}. */
export function generatedPassword(name: string, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    return generatedCredential(name, opts).result;
}
