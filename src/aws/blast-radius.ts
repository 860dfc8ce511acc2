import { deployStatements, driftStatements, imagePushStatements, previewStatements } from "./ci-policies";
import {
    arns,
    bootstrapManagedBy,
    CiRoleKind,
    ciRoleKinds,
    CiScope,
    environmentTag,
    managedByTag,
    stackManagedBy,
    stateKeyPrefix,
} from "./ci-scope";
import { policy, PolicyDocument, Statement } from "./iam";
import { permissionsBoundaryPolicy } from "./permissions-boundary";

/**
 * The blast radius of each environment's CI roles, as data: requests against one environment's
 * state, keys, cluster, network and IAM, and which of the roles may make them against their own
 * environment. Against any other environment no role may make any of them. The requests carry the
 * context AWS would evaluate (resource tags, key aliases, the target role's boundary), so a real
 * IAM evaluator decides them (scripts/ci/blast-radius.ts; test/aws/blast-radius.test.ts), and the
 * table in docs/ci.md and bootstrap/README.md is generated from this list (`npm run docs:ci-roles`).
 */

export interface BlastRequest {
    /** What is attempted, in words (a row of the table). */
    what: string;
    /** The area it belongs to: state, keys, cluster, network, IAM, registry. */
    area: "state" | "keys" | "cluster" | "network" | "iam" | "registry";
    action: string;
    /** The resource ARN in the target environment. */
    resource: (target: CiScope) => string;
    /** Request context AWS would see: the target's tags, aliases, boundary. */
    context: (target: CiScope) => Record<string, string | string[]>;
    /** The resource's own policy (KMS key policy, bucket policy), if AWS consults one. */
    resourcePolicy?: (target: CiScope) => PolicyDocument;
    /** Roles that may do this in their own environment; in every other environment, none may. */
    allowedOwn: readonly CiRoleKind[];
}

const tags = (t: CiScope, managedBy = stackManagedBy) => ({
    [`aws:ResourceTag/${environmentTag}`]: t.environment,
    [`aws:ResourceTag/${managedByTag}`]: managedBy,
});
const tls = { "aws:SecureTransport": "true" };
/** KMS keys delegate to IAM (src/aws/kms.ts, bootstrap's keyPolicy): the account root may use the key. */
const accountKeyPolicy = (t: CiScope): PolicyDocument =>
    policy({
        Sid: "AccountIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:${t.partition}:iam::${t.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
    });
const stateObject = (t: CiScope) =>
    `arn:${t.partition}:s3:::${t.stateBucket}/${stateKeyPrefix(t.environment)}/.pulumi/stacks/ml-platform/${t.environment}.json`;
const key = (t: CiScope, id: string) => `arn:${t.partition}:kms:${t.region}:${t.accountId}:key/${t.environment}-${id}`;
const ciRoleContext = (t: CiScope) => ({ ...tags(t), "iam:PermissionsBoundary": arns.boundary(t) });
const all = ["preview", "drift", "deploy"] as const;

/** The requests of the matrix, in the order of the table. */
export const blastRequests: readonly BlastRequest[] = [
    { what: "read the stack's state", area: "state", action: "s3:GetObject", resource: stateObject, context: () => tls, allowedOwn: all },
    {
        what: "write the stack's state",
        area: "state",
        action: "s3:PutObject",
        resource: stateObject,
        context: () => tls,
        allowedOwn: ["deploy"],
    },
    {
        what: "decrypt with the stack's secrets-provider key",
        area: "keys",
        action: "kms:Decrypt",
        resource: (t) => key(t, "pulumi-secrets"),
        context: (t) => ({ ...tags(t, bootstrapManagedBy), "kms:ResourceAliases": [t.secretsKeyAlias] }),
        resourcePolicy: accountKeyPolicy,
        allowedOwn: all,
    },
    {
        what: "schedule deletion of the secrets-provider key",
        area: "keys",
        action: "kms:ScheduleKeyDeletion",
        resource: (t) => key(t, "pulumi-secrets"),
        context: (t) => ({ ...tags(t, bootstrapManagedBy), "kms:ResourceAliases": [t.secretsKeyAlias] }),
        resourcePolicy: accountKeyPolicy,
        allowedOwn: [],
    },
    {
        what: "decrypt with the cluster's envelope-encryption key",
        area: "keys",
        action: "kms:Decrypt",
        resource: (t) => key(t, "eks-secrets"),
        context: (t) => ({ ...tags(t), "kms:ResourceAliases": [`alias/${t.prefix}-eks-secrets`] }),
        resourcePolicy: accountKeyPolicy,
        allowedOwn: ["deploy"],
    },
    {
        what: "describe the cluster",
        area: "cluster",
        action: "eks:DescribeCluster",
        resource: arns.cluster,
        context: tags,
        allowedOwn: all,
    },
    {
        what: "create an access entry on the cluster",
        area: "cluster",
        action: "eks:CreateAccessEntry",
        resource: arns.cluster,
        context: tags,
        allowedOwn: ["deploy"],
    },
    {
        what: "delete the VPC",
        area: "network",
        action: "ec2:DeleteVpc",
        resource: (t) => `arn:${t.partition}:ec2:${t.region}:${t.accountId}:vpc/vpc-${t.environment}`,
        context: tags,
        allowedOwn: ["deploy"],
    },
    {
        what: "delete the control-plane log group",
        area: "network",
        action: "logs:DeleteLogGroup",
        resource: (t) => `arn:${t.partition}:logs:${t.region}:${t.accountId}:log-group:/aws/eks/${t.prefix}/cluster`,
        context: tags,
        allowedOwn: ["deploy"],
    },
    {
        what: "add an inline policy to the deploy role",
        area: "iam",
        action: "iam:PutRolePolicy",
        resource: (t) => arns.ciRole(t, "deploy"),
        context: ciRoleContext,
        allowedOwn: [],
    },
    {
        what: "attach a managed policy to the deploy role",
        area: "iam",
        action: "iam:AttachRolePolicy",
        resource: (t) => arns.ciRole(t, "deploy"),
        context: ciRoleContext,
        allowedOwn: [],
    },
    {
        what: "change who may assume the deploy role",
        area: "iam",
        action: "iam:UpdateAssumeRolePolicy",
        resource: (t) => arns.ciRole(t, "deploy"),
        context: ciRoleContext,
        allowedOwn: [],
    },
    {
        what: "remove the deploy role's permissions boundary",
        area: "iam",
        action: "iam:DeleteRolePermissionsBoundary",
        resource: (t) => arns.ciRole(t, "deploy"),
        context: ciRoleContext,
        allowedOwn: [],
    },
    {
        what: "rewrite the permissions boundary",
        area: "iam",
        action: "iam:CreatePolicyVersion",
        resource: arns.boundary,
        context: () => ({}),
        allowedOwn: [],
    },
    {
        what: "create a role with the environment's boundary",
        area: "iam",
        action: "iam:CreateRole",
        resource: (t) => arns.role(t, `${t.prefix}-new-addon`),
        context: (t) => ({ "iam:PermissionsBoundary": arns.boundary(t) }),
        allowedOwn: ["deploy"],
    },
    {
        what: "create a role without a boundary",
        area: "iam",
        action: "iam:CreateRole",
        resource: (t) => arns.role(t, `${t.prefix}-new-addon`),
        context: () => ({}),
        allowedOwn: [],
    },
    {
        what: "change a bounded platform role's policy",
        area: "iam",
        action: "iam:PutRolePolicy",
        resource: (t) => arns.role(t, `${t.prefix}-nodes`),
        context: (t) => ({ ...tags(t), "iam:PermissionsBoundary": arns.boundary(t) }),
        allowedOwn: ["deploy"],
    },
    {
        what: "push an image to a registry",
        area: "registry",
        action: "ecr:PutImage",
        resource: (t) => `arn:${t.partition}:ecr:${t.region}:${t.accountId}:repository/${t.environment}/model-serving`,
        context: tags,
        allowedOwn: ["deploy", "image-push"],
    },
];

/** One environment's CI roles as AWS sees them: identity policies, the boundary each carries. */
export interface CiRolePolicies {
    kind: CiRoleKind;
    arn: string;
    identityPolicy: PolicyDocument;
    boundary: PolicyDocument;
}

/**
 * The four roles of an environment, built by the same functions as the stack (ci-policies.ts) and
 * bootstrap/ (the boundary); test/aws/blast-radius.test.ts checks the stack's inventory holds these
 * exact documents. `repositories` are the registry names of the stack file.
 */
export function ciRolePolicies(s: CiScope, repositories: readonly string[]): CiRolePolicies[] {
    const statements: Record<CiRoleKind, Statement[]> = {
        preview: previewStatements(s),
        drift: driftStatements(s),
        deploy: deployStatements(s),
        "image-push": imagePushStatements(
            repositories.map((r) => `arn:${s.partition}:ecr:${s.region}:${s.accountId}:repository/${s.environment}/${r}`),
            "",
        ),
    };
    const boundary = permissionsBoundaryPolicy(s);
    return ciRoleKinds.map((kind) => ({ kind, arn: arns.ciRole(s, kind), identityPolicy: policy(...statements[kind]), boundary }));
}

/** The expected decision of a request by a role of `own` against `target`. */
export function expectedDecision(request: BlastRequest, role: CiRoleKind, own: string, target: string): "allowed" | "denied" {
    return own === target && request.allowedOwn.includes(role) ? "allowed" : "denied";
}

/** The markdown table for docs/ci.md and bootstrap/README.md: requests × roles, own environment and others. */
export function roleTable(): string {
    const header = ["request", "action", ...ciRoleKinds.map((k) => `\`ci-${k}\``)];
    const cell = (r: BlastRequest, k: CiRoleKind) => (r.allowedOwn.includes(k) ? "own env only" : "denied");
    const rows = blastRequests.map((r) => [`${r.area}: ${r.what}`, `\`${r.action}\``, ...ciRoleKinds.map((k) => cell(r, k))]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
