import { wildcardPrincipal } from "./aws-cluster";
import { nodeGroup } from "./aws-nodes";
import { dependenciesOfType, dependsOn, json, label, list, ofTypes, PlatformPolicy, Props, resourceRule, stackRule } from "./common";

/** IAM: least privilege, scoped federation, per-add-on roles (SECURITY.md 9, 10). */

export const role = "aws:iam/role:Role";
const policy = "aws:iam/policy:Policy";
const rolePolicy = "aws:iam/rolePolicy:RolePolicy";
const userPolicy = "aws:iam/userPolicy:UserPolicy";
const groupPolicy = "aws:iam/groupPolicy:GroupPolicy";
export const rolePolicyAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const attachmentTypes = [
    rolePolicyAttachment,
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
];
const eksAddon = "aws:eks/addon:Addon";
const podIdentityAssociation = "aws:eks/podIdentityAssociation:PodIdentityAssociation";

/** AWS managed policies that amount to administrator rights. */
const adminPolicies = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];
/** ECR rights a node may have: pull only. */
const ecrReadOnly = ["AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly"];
const ecrWrite = [
    "AmazonEC2ContainerRegistryFullAccess",
    "AmazonEC2ContainerRegistryPowerUser",
    "AmazonElasticContainerRegistryPublicFullAccess",
];
/** Managed policies that belong on an add-on's own role, not on every node (CIS EKS 5.2.1). */
const addonPolicies = ["AmazonEKS_CNI_Policy", "AmazonEBSCSIDriverPolicy", "AmazonEFSCSIDriverPolicy"];
/** Service account of each AWS-calling EKS add-on, for matching Pod Identity associations. */
const addonServiceAccounts: Record<string, string> = {
    "vpc-cni": "aws-node",
    "aws-ebs-csi-driver": "ebs-csi-controller-sa",
    "aws-efs-csi-driver": "efs-csi-controller-sa",
    "aws-mountpoint-s3-csi-driver": "s3-csi-driver-sa",
    "amazon-cloudwatch-observability": "cloudwatch-agent",
};

const githubIssuer = "token.actions.githubusercontent.com";

/** The managed policy name at the end of an ARN. */
const policyName = (arn: unknown) =>
    String(arn ?? "")
        .split("/")
        .pop() ?? "";

/** Statements of a policy document given as JSON text or object. */
function statements(document: unknown): Props[] {
    return list<Props>(json(document)?.Statement).filter((s) => s && typeof s === "object");
}

/** Every policy document a resource carries: its own, or a role's inline policies. */
function documents(type: string, props: Props): unknown[] {
    return type === role ? list(props.inlinePolicies).map((p) => p?.policy) : [props.policy];
}

/** `{ "<issuer>:sub": [...] }` style values under every condition operator. */
function conditionValues(statement: Props, suffix: string): Map<string, string[]> {
    const found = new Map<string, string[]>();
    for (const operands of Object.values<Props>(statement.Condition ?? {})) {
        for (const [key, value] of Object.entries(operands ?? {})) {
            if (key.endsWith(suffix)) found.set(key.slice(0, -suffix.length), [...(found.get(key) ?? []), ...list<string>(value)]);
        }
    }
    return found;
}

function isWebIdentity(statement: Props): boolean {
    return list(statement.Action).includes("sts:AssumeRoleWithWebIdentity") || statement.Principal?.Federated !== undefined;
}

/**
 * Why a GitHub Actions subject is not scoped to one repository and one deployment environment, or
 * undefined when it is. `allowedQualifiers` lists exact non-environment qualifiers a stack accepts
 * (`pull_request` for read-only previews by default).
 */
export function githubSubjectProblem(subject: string, allowedQualifiers: readonly string[]): string | undefined {
    const m = /^repo:([^/*?:]+)\/([^/*?:]+):(.+)$/.exec(subject);
    if (!m) return `GitHub OIDC subject "${subject}" is not scoped to one repository (repo:<owner>/<name>:...).`;
    const qualifier = m[3];
    const exact = !/[*?]/.test(qualifier);
    if (exact && (/^environment:.+$/.test(qualifier) || allowedQualifiers.includes(qualifier))) return undefined;
    return `GitHub OIDC subject "${subject}" is not scoped to one deployment environment (repo:${m[1]}/${m[2]}:environment:<name>).`;
}

export const awsIamRules: PlatformPolicy[] = [
    resourceRule({
        id: "iam-no-wildcard-admin",
        level: "mandatory",
        sources: ["CKV_AWS_1", "CKV_AWS_62", "Security Hub IAM.1"],
        items: [10],
        summary: 'No IAM policy allows every action on every resource ("Action": "*" or "NotAction" with "Resource": "*").',
        types: [policy, rolePolicy, userPolicy, groupPolicy, role],
        check: (props, { type, report }) => {
            for (const s of documents(type, props).flatMap(statements)) {
                if (s.Effect !== "Allow" || !list(s.Resource).includes("*")) continue;
                if (list(s.Action).some((a) => a === "*" || a === "*:*"))
                    report('IAM policy allows "Action": "*" on "Resource": "*" (full administrator).');
                if (s.NotAction !== undefined)
                    report('IAM policy allows "NotAction" on "Resource": "*", which grants everything not listed.');
            }
        },
    }),
    resourceRule({
        id: "iam-no-admin-managed-policy",
        level: "mandatory",
        sources: ["CKV_AWS_274", "Security Hub IAM.1"],
        items: [10],
        summary: "No role, user or group is given AdministratorAccess, PowerUserAccess or IAMFullAccess.",
        types: [...attachmentTypes, role, "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"],
        check: (props, { report }) => {
            const arns = [props.policyArn, ...list(props.managedPolicyArns), ...list(props.policyArns)];
            for (const arn of arns.filter((a) => /:iam::aws:policy\//.test(String(a)) && adminPolicies.includes(policyName(a)))) {
                report(`IAM attachment grants the administrator policy ${policyName(arn)}: grant only what the workload needs.`);
            }
        },
    }),
    resourceRule({
        id: "iam-trust-no-wildcard-principal",
        level: "mandatory",
        sources: ["CKV_AWS_60"],
        items: [10],
        summary: "No IAM role trust policy lets any principal assume the role.",
        types: [role],
        check: (props, { report }) => {
            for (const s of statements(props.assumeRolePolicy)) {
                if (s.Effect === "Allow" && wildcardPrincipal(s.Principal))
                    report('IAM role trust policy allows the wildcard principal "*" to assume it.');
            }
        },
    }),
    resourceRule<{ allowedQualifiers: string[] }>({
        id: "iam-oidc-trust-scoped",
        level: "mandatory",
        sources: ["CKV_AWS_358", "CIS EKS 5.2.1"],
        items: [9, 10],
        summary:
            "Roles federated through OIDC check the audience and a subject: GitHub Actions one repository and environment, EKS one service account.",
        types: [role],
        config: {
            allowedQualifiers: {
                type: "array",
                items: { type: "string" },
                default: ["pull_request"],
                description: "Exact GitHub subject qualifiers accepted besides environment:<name> (pull_request: read-only previews).",
            },
        },
        check: (props, { config, report }) => {
            for (const s of statements(props.assumeRolePolicy).filter((s) => s.Effect === "Allow" && isWebIdentity(s))) {
                const subjects = conditionValues(s, ":sub");
                const audiences = conditionValues(s, ":aud");
                const federated = String(list(s.Principal?.Federated)[0] ?? "");
                const issuer = [...subjects.keys(), ...audiences.keys()][0] ?? federated.split("oidc-provider/")[1] ?? federated;
                if (subjects.size === 0)
                    report(`IAM role trusts every identity of OIDC provider ${issuer}: add a condition on ${issuer}:sub.`);
                if (audiences.size === 0)
                    report(`IAM role trust for OIDC provider ${issuer} does not check the audience: add ${issuer}:aud.`);
                for (const [host, values] of subjects) {
                    for (const subject of values) {
                        const problem =
                            host === githubIssuer
                                ? githubSubjectProblem(subject, config.allowedQualifiers)
                                : /^system:serviceaccount:[^*?:]+:[^*?:]+$/.test(subject) || !host.includes("oidc.eks.")
                                  ? undefined
                                  : `EKS OIDC subject "${subject}" is not one service account (system:serviceaccount:<namespace>:<name>).`;
                        if (problem) report(problem);
                    }
                }
            }
        },
    }),
    stackRule({
        id: "eks-node-role-least-privilege",
        level: "mandatory",
        sources: ["CIS EKS 5.1.3", "CIS EKS 5.2.1"],
        items: [9],
        summary: "The node role can pull from ECR but not push, and carries no add-on's rights (those live on each add-on's own role).",
        check: (resources, { report }) => {
            const seen = new Set<string>();
            for (const group of ofTypes(resources, nodeGroup)) {
                for (const nodeRole of dependenciesOfType(group, resources, role).filter((r) => !seen.has(r.urn))) {
                    seen.add(nodeRole.urn);
                    const attached = [
                        ...list(nodeRole.props.managedPolicyArns),
                        ...ofTypes(resources, rolePolicyAttachment)
                            .filter((a) => dependsOn(a, nodeRole))
                            .map((a) => a.props.policyArn),
                    ].map(policyName);
                    for (const name of attached.filter((n) => ecrWrite.includes(n)))
                        report(`Node ${label(nodeRole)} can push to ECR (${name}).`, nodeRole);
                    for (const name of attached.filter((n) => addonPolicies.includes(n))) {
                        report(`Node ${label(nodeRole)} carries add-on rights (${name}): give the add-on its own role.`, nodeRole);
                    }
                    if (!attached.some((n) => ecrReadOnly.includes(n))) {
                        report(`Node ${label(nodeRole)} has no read-only ECR policy (${ecrReadOnly.join(" or ")}).`, nodeRole);
                    }
                    const inline = ofTypes(resources, rolePolicy).filter((p) => dependsOn(p, nodeRole));
                    const writes = inline.flatMap((p) => statements(p.props.policy)).filter((s) => s.Effect === "Allow");
                    if (
                        writes.some((s) =>
                            list<string>(s.Action).some((a) =>
                                /^ecr:(\*|Put|Delete|Upload|Complete|Initiate|BatchDelete|Create|Set|Tag|Untag|Replicate)/.test(a),
                            ),
                        )
                    ) {
                        report(`Node ${label(nodeRole)} has an inline policy with ECR write actions.`, nodeRole);
                    }
                }
            }
        },
    }),
    stackRule({
        id: "eks-addon-own-role",
        level: "mandatory",
        sources: ["CIS EKS 5.2.1"],
        items: [9],
        summary: "Each EKS add-on that calls AWS has an IAM role of its own (IRSA or Pod Identity) instead of using the node role.",
        check: (resources, { report }) => {
            const associations = ofTypes(resources, podIdentityAssociation);
            for (const addon of ofTypes(resources, eksAddon)) {
                const serviceAccount = addonServiceAccounts[String(addon.props.addonName)];
                if (!serviceAccount) continue;
                const own =
                    Boolean(addon.props.serviceAccountRoleArn) ||
                    list(addon.props.podIdentityAssociations).length > 0 ||
                    associations.some((a) => a.props.serviceAccount === serviceAccount);
                if (!own) {
                    report(
                        `${label(addon)} (${addon.props.addonName}) has no IAM role of its own: set serviceAccountRoleArn or podIdentityAssociations.`,
                        addon,
                    );
                }
            }
        },
    }),
];
