import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts } from "../config";
import { Baseline, namespacesOfKind } from "../k8s/baseline";
import {
    archiveRole,
    archiveSecret,
    artifactBucket,
    artifactsMinioSecret,
    artifactsMinioUser,
    argoWorkflowsAllows,
    argoWorkflowsNamespace,
    argoWorkflowsQuota,
    argoWorkflowsValues,
    artifactRepository,
    ssoAccounts,
    workflowPodsApiAllow,
    workflowRoleRules,
} from "./argo-workflows-values";
import { Addon, AddonContext, helmRelease, serviceNamespace } from "./contract";
import { minioBucketUser } from "./minio-users";
import { ObjectStore, objectStoreFacts } from "./object-store";
import { PostgreSql } from "./postgresql";
import { gpuPoolNames, trainingTemplate } from "./training-template";

export * from "./argo-workflows-values";

/**
 * Argo Workflows: namespace, archive credentials (secrets path), the chart, the admission policy
 * that keeps workflows in the mlops namespaces, SSO RBAC, per-namespace artifact repositories and
 * API allows for workflow pods, and the training pipeline template.
 *
 * With `objectStore.kind: minio` the artifact repository reads its keys from the Secret
 * `workflow-artifacts-minio` in the workflow's namespace (`accesskey`, `secretkey`, `ca.crt`; the
 * controller, the executor and the server's artifact download all resolve the repository's secrets
 * in the workflow's namespace: argoproj/argo-workflows v4.0.6, docs/configure-artifact-repository.md
 * and server/artifacts/artifact_server.go). The user behind it is made like MLflow's
 * (minio-users.ts): `argo-workflows`, read-write on the `workflow-artifacts` bucket only, its
 * generated secret key and the data CA delivered by the secrets path into every mlops namespace.
 */
export class ArgoWorkflows extends pulumi.ComponentResource {
    constructor(
        name: string,
        context: AddonContext,
        opts: {
            parent: pulumi.Resource;
            dependsOn: pulumi.Resource[];
            after: pulumi.Resource[];
            needed: Record<string, pulumi.Resource>;
            /** The Kubernetes baseline: cluster-wide objects wait for all of it, a team's objects for its namespace only. */
            baseline: pulumi.Resource & Pick<Baseline, "namespaces">;
        },
    ) {
        super("platform:addons:ArgoWorkflows", name, {}, { parent: opts.parent });
        const { config } = context;
        const mlops = namespacesOfKind(config, "mlops");
        const everywhere = (deps: pulumi.Resource[]) => [...deps, opts.baseline];
        const inTeam = (team: string, deps: pulumi.Resource[]) => [...deps, opts.baseline.namespaces[team]];
        const ns = serviceNamespace(
            argoWorkflowsNamespace,
            context,
            { quota: argoWorkflowsQuota(config.argoWorkflows), allows: argoWorkflowsAllows(config, context) },
            { parent: this, dependsOn: everywhere(opts.dependsOn) },
        );
        const postgres = opts.needed.postgresql as PostgreSql;
        // The archive's role password, delivered again beside the controller (it reads Secrets of its own namespace only).
        const dbSecret = context.secrets.deliver(
            archiveSecret,
            {
                name: archiveSecret,
                namespace: argoWorkflowsNamespace,
                type: "kubernetes.io/basic-auth",
                data: { username: archiveRole, password: postgres.rolePasswords[archiveRole] },
            },
            { parent: this, dependsOn: [ns] },
        );
        // MinIO: the bucket-scoped user (a Job in the data namespace) and its keys in each mlops namespace.
        const artifactKeys = new Map<string, pulumi.Resource>();
        const userReady: pulumi.Resource[] = [];
        const facts = objectStoreFacts(config, context.aws.name);
        if (facts.kind === "minio") {
            const objectStore = opts.needed["object-store"] as ObjectStore;
            // The user needs the tenant only: it is made while PostgreSQL starts.
            const user = minioBucketUser(
                "argo-workflows-minio-user",
                context,
                { user: artifactsMinioUser, bucket: facts.bucketNames[artifactBucket] ?? artifactBucket },
                { parent: this, dependsOn: [...everywhere(opts.after), objectStore] },
            );
            userReady.push(user.job);
            for (const team of mlops) {
                artifactKeys.set(
                    team,
                    context.secrets.deliver(
                        `${team}-workflow-artifacts-minio`,
                        {
                            name: artifactsMinioSecret,
                            namespace: team,
                            data: { accesskey: user.accessKey, secretkey: user.secretKey, "ca.crt": objectStore.dataCaPem! },
                        },
                        // Needs its namespace and the tenant's CA only, not PostgreSQL.
                        { parent: this, dependsOn: [...inTeam(team, opts.after), objectStore] },
                    ),
                );
            }
        }
        // The controller starts after the user exists and its keys are in every mlops namespace.
        const release = helmRelease("argo-workflows", charts.argoWorkflows, argoWorkflowsNamespace, argoWorkflowsValues(config), {
            parent: this,
            dependsOn: [...everywhere(opts.dependsOn), ns, dbSecret, ...userReady, ...artifactKeys.values()],
        });
        const afterRelease = { parent: this, dependsOn: [release] };

        // Workflows, templates and cron workflows only in the mlops namespaces (the controller watches all namespaces).
        const kept = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            "argo-workflows-mlops-only",
            {
                metadata: { name: "argo-workflows-mlops-only" },
                spec: {
                    failurePolicy: "Fail",
                    matchConstraints: {
                        resourceRules: [
                            {
                                apiGroups: ["argoproj.io"],
                                apiVersions: ["*"],
                                operations: ["CREATE", "UPDATE"],
                                resources: ["workflows", "cronworkflows", "workflowtemplates"],
                            },
                        ],
                    },
                    validations: [{ expression: "false", message: `Argo workflows run only in the mlops namespaces: ${mlops.join(", ")}` }],
                },
            },
            { parent: this },
        );
        new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            "argo-workflows-mlops-only",
            {
                metadata: { name: "argo-workflows-mlops-only" },
                spec: {
                    policyName: "argo-workflows-mlops-only",
                    validationActions: ["Deny"],
                    matchResources: {
                        namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: mlops }] },
                    },
                },
            },
            { parent: this, dependsOn: [kept] },
        );

        // SSO logins act as these accounts (and their tokens): made only when SSO is on.
        const sso = config.argoWorkflows.authModes.includes("sso") ? config.argoWorkflows.sso : undefined;
        for (const account of sso ? ssoAccounts : []) {
            const rule = account.role === "edit" ? `${JSON.stringify(sso!.adminGroup)} in groups` : "true";
            const sa = new k8s.core.v1.ServiceAccount(
                `argo-workflows-${account.name}`,
                {
                    metadata: {
                        name: account.name,
                        namespace: argoWorkflowsNamespace,
                        annotations: {
                            "workflows.argoproj.io/rbac-rule": rule,
                            "workflows.argoproj.io/rbac-rule-precedence": String(account.precedence),
                        },
                    },
                    automountServiceAccountToken: false,
                },
                { parent: this, dependsOn: [ns] },
            );
            new k8s.core.v1.Secret(
                `argo-workflows-${account.name}-token`,
                {
                    metadata: {
                        name: `${account.name}.service-account-token`,
                        namespace: argoWorkflowsNamespace,
                        annotations: { "kubernetes.io/service-account.name": account.name },
                    },
                    type: "kubernetes.io/service-account-token",
                },
                { parent: this, dependsOn: [sa] },
            );
        }
        const artifacts = artifactRepository(config, context.aws.name);
        for (const team of mlops) {
            const teamOpts = { parent: this, dependsOn: inTeam(team, opts.dependsOn) };
            for (const account of ssoAccounts) {
                const role = new k8s.rbac.v1.Role(
                    `${team}-workflows-${account.role}`,
                    { metadata: { name: `workflows-${account.role}`, namespace: team }, rules: workflowRoleRules(account.role) },
                    teamOpts,
                );
                if (!sso) continue;
                new k8s.rbac.v1.RoleBinding(
                    `${team}-workflows-${account.role}`,
                    {
                        metadata: { name: `workflows-${account.role}`, namespace: team },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `workflows-${account.role}` },
                        subjects: [{ kind: "ServiceAccount", name: account.name, namespace: argoWorkflowsNamespace }],
                    },
                    { parent: this, dependsOn: [role] },
                );
            }
            new k8s.core.v1.ConfigMap(
                `${team}-artifact-repositories`,
                {
                    metadata: {
                        name: "artifact-repositories",
                        namespace: team,
                        annotations: { "workflows.argoproj.io/default-artifact-repository": "default" },
                    },
                    data: { default: JSON.stringify(artifacts) },
                },
                // The repository names its Secret (MinIO): made after it.
                { parent: this, dependsOn: [...inTeam(team, opts.dependsOn), ...[artifactKeys.get(team)].filter((k) => k !== undefined)] },
            );
            const policy = workflowPodsApiAllow(config);
            new k8s.networking.v1.NetworkPolicy(
                `${team}-${policy.name}`,
                { metadata: { name: policy.name, namespace: team }, spec: policy.spec },
                teamOpts,
            );
        }
        // After the release (so after the MinIO user and its Secrets too): its CRDs must exist (deploy-order rule 1). Its train step needs a GPU pool.
        if (gpuPoolNames(config).length > 0) {
            const template = trainingTemplate(config);
            new k8s.apiextensions.CustomResource(template.metadata.name, template, afterRelease);
        }
        this.registerOutputs({});
    }
}

/**
 * The add-on. `baseline` creates the mlops namespaces, which the chart's workflow service accounts
 * and roles, and this add-on's roles, repositories and policies go into.
 */
export function argoWorkflowsAddon(baseline: pulumi.Resource & Pick<Baseline, "namespaces">): Addon {
    return {
        id: "argo-workflows",
        // The server's Ingress is validated by the load balancer controller's webhook; the archive needs PostgreSQL.
        needs: ["aws-load-balancer-controller", "postgresql", "object-store"],
        deploy: (context, opts) => new ArgoWorkflows("argo-workflows", context, { ...opts, baseline }),
    };
}
