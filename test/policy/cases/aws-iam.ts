import { role, rolePolicyAttachment } from "../../../policy/rules/aws-iam";
import { nodeGroup } from "../../../policy/rules/aws-nodes";
import { fixture, InventoryResource, RuleCases } from "../../../policy/rules/evaluate";

/** Fixtures of the IAM rules; test/policy/rules.test.ts runs every case. */

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: unknown, Resource: unknown = "*") => ({ Effect: "Allow", Action, Resource });
const policyDoc = (...statements: unknown[]) => fixture("aws:iam/policy:Policy", "workload", { policy: doc(...statements) });
const serviceTrust = doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
const iamRole = (name: string, changes: Record<string, unknown> = {}) =>
    fixture(role, name, { assumeRolePolicy: serviceTrust, ...changes });
const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const attach = (r: InventoryResource, policy: string) =>
    fixture(rolePolicyAttachment, `${r.name}-${policy}`, { role: r.name, policyArn: managed(policy) }, { dependsOn: [r] });

const github = "token.actions.githubusercontent.com";
const githubProvider = `arn:aws:iam::123456789012:oidc-provider/${github}`;
const eksIssuer = "oidc.eks.us-east-1.amazonaws.com/id/ABC";
const webIdentity = (provider: string, condition: Record<string, Record<string, unknown>> | undefined) =>
    iamRole("federated", {
        assumeRolePolicy: doc({
            Effect: "Allow",
            Principal: { Federated: provider },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: condition,
        }),
    });
const ghRole = (sub: unknown, op = "StringEquals") => {
    const condition: Record<string, Record<string, unknown>> = { StringEquals: { [`${github}:aud`]: "sts.amazonaws.com" } };
    condition[op] = { ...condition[op], [`${github}:sub`]: sub };
    return webIdentity(githubProvider, condition);
};
const irsaRole = (sub: string) =>
    webIdentity(`arn:aws:iam::123456789012:oidc-provider/${eksIssuer}`, {
        StringEquals: { [`${eksIssuer}:aud`]: "sts.amazonaws.com", [`${eksIssuer}:sub`]: sub },
    });

/** A node group and its role with the given managed policies. */
function nodes(...policies: string[]): InventoryResource[] {
    const nodeRole = iamRole("nodes-role");
    const group = fixture(nodeGroup, "nodes-system", { nodeRoleArn: "arn" }, { dependsOn: [nodeRole] });
    return [nodeRole, ...policies.map((p) => attach(nodeRole, p)), group];
}
const addon = (name: string, changes: Record<string, unknown> = {}) =>
    fixture("aws:eks/addon:Addon", `cluster-${name}`, { addonName: name, clusterName: "c", ...changes });

export const awsIamCases: RuleCases = {
    "iam-no-wildcard-admin": {
        ok: [
            { title: "scoped actions", resources: [policyDoc(allow(["logs:PutLogEvents"], "arn:aws:logs:*:*:log-group:x"))] },
            { title: "a wildcard action on one resource", resources: [policyDoc(allow("*", "arn:aws:s3:::bucket/*"))] },
        ],
        bad: [
            { title: '"*" on "*"', resources: [policyDoc(allow("*"))], message: /allows "Action": "\*" on "Resource": "\*"/ },
            {
                title: "NotAction on everything",
                resources: [policyDoc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })],
                message: /NotAction/,
            },
            {
                title: "inline role policy",
                resources: [iamRole("r", { inlinePolicies: [{ name: "all", policy: doc(allow("*:*")) }] })],
                message: /full administrator/,
            },
        ],
    },
    "iam-no-admin-managed-policy": {
        ok: [{ title: "narrow managed policy", resources: [attach(iamRole("r"), "AmazonEKSWorkerNodePolicy")] }],
        bad: [
            {
                title: "AdministratorAccess",
                resources: [attach(iamRole("ci-deploy"), "AdministratorAccess")],
                message: /administrator policy AdministratorAccess/,
            },
            {
                title: "managedPolicyArns",
                resources: [iamRole("r", { managedPolicyArns: [managed("IAMFullAccess")] })],
                message: /IAMFullAccess/,
            },
        ],
    },
    "iam-trust-no-wildcard-principal": {
        ok: [{ title: "service principal", resources: [iamRole("r")] }],
        bad: [
            {
                title: "anyone may assume",
                resources: [
                    iamRole("r", { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }) }),
                ],
                message: /wildcard principal "\*" to assume it/,
            },
        ],
    },
    "iam-oidc-trust-scoped": {
        ok: [
            { title: "GitHub environment", resources: [ghRole("repo:company/ml-platform:environment:prod")] },
            { title: "GitHub pull requests (preview role)", resources: [ghRole("repo:company/ml-platform:pull_request")] },
            { title: "IRSA service account", resources: [irsaRole("system:serviceaccount:kube-system:aws-node")] },
            {
                title: "a branch the stack's config accepts",
                resources: [ghRole("repo:company/ml-platform:ref:refs/heads/main")],
                config: { allowedQualifiers: ["ref:refs/heads/main"] },
            },
        ],
        bad: [
            {
                title: "no subject condition",
                resources: [webIdentity(githubProvider, { StringEquals: { [`${github}:aud`]: "sts.amazonaws.com" } })],
                message: /trusts every identity/,
            },
            {
                title: "no audience",
                resources: [
                    webIdentity(githubProvider, { StringEquals: { [`${github}:sub`]: "repo:company/ml-platform:environment:prod" } }),
                ],
                message: /does not check the audience/,
            },
            {
                title: "any repository of the org",
                resources: [ghRole("repo:company/*", "StringLike")],
                message: /not scoped to one repository/,
            },
            {
                title: "any environment",
                resources: [ghRole("repo:company/ml-platform:environment:*", "StringLike")],
                message: /not scoped to one deployment environment/,
            },
            {
                title: "a branch, not an environment",
                resources: [ghRole("repo:company/ml-platform:ref:refs/heads/main")],
                message: /not scoped to one deployment environment/,
            },
            {
                title: "pull requests where config forbids them",
                resources: [ghRole("repo:company/ml-platform:pull_request")],
                config: { allowedQualifiers: [] },
                message: /not scoped to one deployment environment/,
            },
            {
                title: "IRSA for every service account",
                resources: [irsaRole("system:serviceaccount:kube-system:*")],
                message: /is not one service account/,
            },
        ],
    },
    "eks-node-role-least-privilege": {
        ok: [{ title: "worker + pull-only", resources: nodes("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly") }],
        bad: [
            {
                title: "push rights",
                resources: nodes("AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPowerUser"),
                message: /can push to ECR \(AmazonEC2ContainerRegistryPowerUser\)/,
            },
            {
                title: "CNI rights on the node",
                resources: nodes("AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy"),
                message: /carries add-on rights \(AmazonEKS_CNI_Policy\)/,
            },
            { title: "no ECR read", resources: nodes("AmazonEKSWorkerNodePolicy"), message: /has no read-only ECR policy/ },
            {
                title: "inline ECR write",
                resources: (() => {
                    const r = nodes("AmazonEC2ContainerRegistryPullOnly");
                    const inline = fixture(
                        "aws:iam/rolePolicy:RolePolicy",
                        "nodes-push",
                        { role: "x", policy: doc(allow(["ecr:PutImage"])) },
                        { dependsOn: [r[0]] },
                    );
                    return [...r, inline];
                })(),
                message: /inline policy with ECR write actions/,
            },
        ],
    },
    "eks-addon-own-role": {
        ok: [
            { title: "IRSA role", resources: [addon("vpc-cni", { serviceAccountRoleArn: "arn:aws:iam::1:role/cni" })] },
            {
                title: "Pod Identity association resource",
                resources: [
                    addon("aws-ebs-csi-driver"),
                    fixture("aws:eks/podIdentityAssociation:PodIdentityAssociation", "ebs", {
                        namespace: "kube-system",
                        serviceAccount: "ebs-csi-controller-sa",
                        roleArn: "arn",
                    }),
                ],
            },
            { title: "add-on that calls no AWS API", resources: [addon("kube-proxy")] },
        ],
        bad: [{ title: "CNI on the node role", resources: [addon("vpc-cni")], message: /\(vpc-cni\) has no IAM role of its own/ }],
    },
};
