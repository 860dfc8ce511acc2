/**
 * Where one environment's CI roles may act: its state, its keys, its names and tags. Shared by the
 * stack's CI roles (ci-roles.ts), the permissions boundary that bootstrap/ creates per environment
 * (permissions-boundary.ts) and the blast-radius matrix (blast-radius.ts), so all three name the
 * same things.
 *
 * Layout (bootstrap/README.md): one state bucket per account, one prefix per environment
 * (`s3://<bucket>/<environment>`, so the Pulumi DIY backend keeps `<environment>/.pulumi/…`), one
 * secrets-provider KMS key per environment, and one permissions boundary per environment. With one
 * AWS account per environment the same names repeat in each account.
 */

/** Tag every platform resource carries with its environment (src/aws/context.ts). */
export const environmentTag = "platform.company.io/environment";
/** Tag that says which program manages a resource: the stack, or bootstrap/. */
export const managedByTag = "platform.company.io/managed-by";
export const stackManagedBy = "pulumi-ml-platform";
export const bootstrapManagedBy = "ml-platform-bootstrap";

/** Default state bucket of an account (bootstrap/ creates it). */
export function defaultStateBucket(accountId: string): string {
    return `ml-platform-pulumi-state-${accountId}`;
}

/** Key prefix of an environment's state in the bucket: the backend URL is `s3://<bucket>/<prefix>`. */
export function stateKeyPrefix(environment: string): string {
    return environment;
}

/** Alias of an environment's own `awskms://` secrets-provider key (bootstrap/). */
export function defaultSecretsKeyAlias(environment: string): string {
    return `alias/ml-platform-pulumi-secrets-${environment}`;
}

/** Alias of the key that encrypts the state bucket at rest (SSE-KMS); used only through S3. */
export const stateBucketKeyAlias = "alias/ml-platform-pulumi-state";

/**
 * Name of an environment's permissions boundary (bootstrap/). Deliberately outside the
 * `ml-platform-<environment>-*` names the deploy role manages, so no grant on those reaches it.
 */
export function boundaryPolicyName(environment: string): string {
    return `ml-platform-boundary-${environment}`;
}

/** Everything a CI policy names for one environment. */
export interface CiScope {
    partition: string;
    accountId: string;
    region: string;
    /** `dev`, `staging`, `prod`. */
    environment: string;
    /** Prefix of the environment's cloud names, `ml-platform-<environment>`. */
    prefix: string;
    stateBucket: string;
    secretsKeyAlias: string;
}

/** The scope with the defaults bootstrap/ and the stack agree on. */
export function ciScope(
    partition: string,
    accountId: string,
    region: string,
    environment: string,
    overrides: { stateBucket?: string; secretsKeyAlias?: string } = {},
): CiScope {
    return {
        partition,
        accountId,
        region,
        environment,
        prefix: `ml-platform-${environment}`,
        stateBucket: overrides.stateBucket ?? defaultStateBucket(accountId),
        secretsKeyAlias: overrides.secretsKeyAlias ?? defaultSecretsKeyAlias(environment),
    };
}

/** ARN helpers for a scope. */
export const arns = {
    iam: (s: CiScope, resource: string) => `arn:${s.partition}:iam::${s.accountId}:${resource}`,
    boundary: (s: CiScope) => arns.iam(s, `policy/${boundaryPolicyName(s.environment)}`),
    role: (s: CiScope, name: string) => arns.iam(s, `role/${name}`),
    ciRole: (s: CiScope, kind: CiRoleKind) => arns.role(s, ciRoleName(s.prefix, kind)),
    stateObjects: (s: CiScope) => `arn:${s.partition}:s3:::${s.stateBucket}/${stateKeyPrefix(s.environment)}/*`,
    stateBucket: (s: CiScope) => `arn:${s.partition}:s3:::${s.stateBucket}`,
    kmsKeys: (s: CiScope) => `arn:${s.partition}:kms:${s.region}:${s.accountId}:key/*`,
    cluster: (s: CiScope) => `arn:${s.partition}:eks:${s.region}:${s.accountId}:cluster/${s.prefix}`,
    /** Node groups, access entries, add-ons, Pod Identity associations of the cluster. */
    clusterParts: (s: CiScope) => `arn:${s.partition}:eks:${s.region}:${s.accountId}:*/${s.prefix}/*`,
    repositories: (s: CiScope) => `arn:${s.partition}:ecr:${s.region}:${s.accountId}:repository/${s.environment}/*`,
    logGroups: (s: CiScope) => [
        `arn:${s.partition}:logs:${s.region}:${s.accountId}:log-group:/aws/eks/${s.prefix}/*`,
        `arn:${s.partition}:logs:${s.region}:${s.accountId}:log-group:/aws/vpc/${s.prefix}/*`,
    ],
};

/** The CI roles each stack creates, one per kind of job. */
export const ciRoleKinds = ["preview", "drift", "deploy", "image-push"] as const;
export type CiRoleKind = (typeof ciRoleKinds)[number];

/** `ml-platform-<environment>-ci-<kind>`. */
export function ciRoleName(prefix: string, kind: CiRoleKind): string {
    return `${prefix}-ci-${kind}`;
}

/**
 * Longest session each role allows (STS refuses a `role-duration-seconds` above it). A deploy of
 * prod can outlast an hour (the deploy job's timeout is 120 minutes); previews and drift checks fit in one.
 */
export const maxSessionSeconds: Record<CiRoleKind, number> = { preview: 3600, drift: 3600, deploy: 7200, "image-push": 3600 };
