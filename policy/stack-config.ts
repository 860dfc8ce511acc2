import type { PackConfig } from "./rules/evaluate";

/**
 * Each stack's policy config, derived from the values in its stack file, so environment
 * differences stay data: the tier decides what is required, never the stack's name. The result
 * is committed as `policy/config/<stack>.json` (a test keeps the files equal to this function)
 * and passed with `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`.
 * Without a config file every rule applies its defaults, which are the production posture.
 */

/** The stack-file values that decide a stack's policy config. */
export interface StackPolicyFacts {
    environment: string;
    tier: string;
    protectStatefulResources: boolean;
    cluster: { endpointPublicAccess: boolean; publicAccessCidrs?: string[] };
    namespaces: Record<string, { kind: string; podSecurity?: string }>;
    accessEntries?: Record<string, { principalArn: string; role: string }>;
}

/** Reads the facts from config as the engine hands it over: full keys, string values, objects as JSON. */
export function factsFromConfig(config: Record<string, string>, project = "ml-platform"): StackPolicyFacts {
    const value = (key: string): unknown => {
        const raw = config[`${project}:${key}`];
        if (raw === undefined) return undefined;
        try {
            return JSON.parse(raw);
        } catch {
            return raw;
        }
    };
    return {
        environment: String(value("environment")),
        tier: String(value("tier")),
        protectStatefulResources: value("protectStatefulResources") !== false,
        cluster: (value("cluster") as StackPolicyFacts["cluster"]) ?? { endpointPublicAccess: false },
        namespaces: (value("namespaces") as StackPolicyFacts["namespaces"]) ?? {},
        accessEntries: value("accessEntries") as StackPolicyFacts["accessEntries"],
    };
}

/**
 * The role CI deploys a stack with (`ml-platform-<environment>-ci-deploy`, src/aws/ci-roles.ts). The
 * identity running `pulumi up` gets cluster-admin through an access entry, so this is the one
 * principal besides break-glass entries that may hold it; the platform test checks the role exists.
 */
export function ciDeployRolePattern(environment: string): string {
    return `arn:aws*:iam::*:role/ml-platform-${environment}-ci-deploy`;
}

/**
 * The policy config of a stack with these facts. Production gets the defaults' full strictness
 * whatever the file says. `deployers` are the principals that run `pulumi up` (default: the CI deploy role).
 */
export function policyConfigFor(facts: StackPolicyFacts, deployers = [ciDeployRolePattern(facts.environment)]): PackConfig {
    const production = facts.tier === "production";
    const publicAllowed = !production && facts.cluster.endpointPublicAccess;
    const namespaces = Object.entries(facts.namespaces);
    const level = (wanted: string) => namespaces.filter(([, n]) => n.kind !== "workload" && n.podSecurity === wanted).map(([name]) => name);
    return {
        "eks-endpoint-public-access": {
            allowPublicAccess: publicAllowed,
            allowedCidrs: publicAllowed ? (facts.cluster.publicAccessCidrs ?? []) : [],
        },
        "cloudwatch-log-group-retention": { minimumRetentionDays: production ? 365 : 1 },
        "eks-access-cluster-admin": {
            allowedClusterAdminPrincipals: [
                ...Object.values(facts.accessEntries ?? {})
                    .filter((e) => e.role === "cluster-admin")
                    .map((e) => e.principalArn),
                ...deployers,
            ],
        },
        "k8s-namespace-pod-security": {
            restrictedNamespaces: namespaces.filter(([, n]) => n.kind === "workload").map(([name]) => name),
            baselineNamespaces: level("baseline"),
            privilegedNamespaces: level("privileged"),
        },
        "stateful-resources-protected": { requireProtection: production || facts.protectStatefulResources },
        "postgresql-ha": production
            ? { minInstances: 3, minSynchronousReplicas: 1, requireZoneSpread: true }
            : { minInstances: 1, minSynchronousReplicas: 0, requireZoneSpread: false },
        "postgresql-backup": { requireBackup: facts.tier !== "development" },
        "minio-erasure-coding": production ? { minServers: 4, minDrives: 4 } : { minServers: 1, minDrives: 1 },
        "ha-platform-services": { requireHighAvailability: production },
        "k8s-workload-ha": { requireHighAvailability: production },
    };
}
