import { fixture, RuleCases } from "../../../policy/rules/evaluate";
import { sealingKeyLabel } from "../../../policy/rules/k8s-gitops";

/** Fixtures of the Argo CD and Sealed Secrets rules; test/policy/rules.test.ts runs every case. */

type Obj = Record<string, unknown>;
const argo = "kubernetes:argoproj.io/v1alpha1";
const app = (spec: Obj) => fixture(`${argo}:Application`, "root", { metadata: { name: "root", namespace: "argocd" }, spec });
const appSet = (project?: string) =>
    fixture(`${argo}:ApplicationSet`, "teams", { metadata: { namespace: "argocd" }, spec: { template: { spec: { project } } } });
const goodProject = {
    sourceRepos: ["https://github.com/company/platform-gitops.git"],
    destinations: [{ server: "https://kubernetes.default.svc", namespace: "platform-prod" }],
};
const project = (spec: Obj) =>
    fixture(`${argo}:AppProject`, "platform", { metadata: { namespace: "argocd" }, spec: { ...goodProject, ...spec } });
const argocd = (rbac?: Obj) =>
    fixture("kubernetes:helm.sh/v3:Release", "argocd", {
        chart: "argo-cd",
        version: "7.7.5",
        namespace: "argocd",
        values: rbac ? { configs: { rbac } } : {},
    });
const sealed = (annotations: Obj = {}) =>
    fixture("kubernetes:bitnami.com/v1alpha1:SealedSecret", "db-credentials", {
        metadata: { name: "db-credentials", namespace: "platform-prod", annotations },
        spec: { encryptedData: { password: "AgB..." } },
    });
const controller = fixture("kubernetes:helm.sh/v3:Release", "sealed-secrets", {
    chart: "sealed-secrets",
    version: "2.16.2",
    namespace: "kube-system",
});
const sealingKey = (namespace: string) =>
    fixture("kubernetes:core/v1:Secret", "sealing-key", {
        metadata: { name: "sealed-secrets-key", namespace, labels: { [sealingKeyLabel]: "active" } },
        type: "kubernetes.io/tls",
        stringData: "[secret]",
    });

export const k8sGitopsCases: RuleCases = {
    "argocd-no-default-project": {
        ok: [
            {
                title: "own project",
                resources: [app({ project: "platform", destination: { namespace: "platform-prod" } }), appSet("teams")],
            },
        ],
        bad: [
            {
                title: "default project",
                resources: [app({ project: "default" })],
                message: /Application uses the unrestricted "default" project/,
            },
            {
                title: "project left out",
                resources: [appSet(undefined)],
                message: /ApplicationSet uses the unrestricted "default" project/,
            },
        ],
    },
    "argocd-project-restricted": {
        ok: [
            { title: "one repository, one namespace", resources: [project({})] },
            { title: "locked: nothing listed allows nothing", resources: [project({ sourceRepos: [], destinations: [] })] },
        ],
        bad: [
            { title: "any repository", resources: [project({ sourceRepos: ["*"] })], message: /any source repository/ },
            {
                title: "any namespace",
                resources: [project({ destinations: [{ server: "https://kubernetes.default.svc", namespace: "*" }] })],
                message: /any namespace/,
            },
            {
                title: "any cluster",
                resources: [project({ destinations: [{ server: "*", namespace: "platform-prod" }] })],
                message: /any cluster/,
            },
            {
                title: "the default project left open",
                resources: [
                    fixture(`${argo}:AppProject`, "default", { metadata: { name: "default", namespace: "argocd" }, spec: goodProject }),
                ],
                message: /"default" project must allow no source and no destination/,
            },
        ],
    },
    "argocd-default-policy-readonly": {
        ok: [
            {
                title: "read-only default",
                resources: [argocd({ "policy.default": "role:readonly", "policy.csv": "g, platform-admins, role:admin" })],
            },
            { title: "chart default (no access)", resources: [argocd()] },
        ],
        bad: [
            {
                title: "admin by default",
                resources: [argocd({ "policy.default": "role:admin" })],
                message: /default policy is "role:admin"/,
            },
            {
                title: "admin in argocd-rbac-cm",
                resources: [
                    fixture("kubernetes:core/v1:ConfigMap", "rbac", {
                        metadata: { name: "argocd-rbac-cm", namespace: "argocd" },
                        data: { "policy.default": "role:admin" },
                    }),
                ],
                message: /default policy is "role:admin"/,
            },
        ],
    },
    "sealed-secrets-strict-scope": {
        ok: [{ title: "strict", resources: [sealed()] }],
        bad: [
            {
                title: "cluster-wide",
                resources: [sealed({ "sealedsecrets.bitnami.com/cluster-wide": "true" })],
                message: /weaker scope \(sealedsecrets\.bitnami\.com\/cluster-wide\)/,
            },
            {
                title: "namespace-wide",
                resources: [sealed({ "sealedsecrets.bitnami.com/namespace-wide": "true" })],
                message: /namespace-wide/,
            },
        ],
    },
    "sealed-secrets-key-managed": {
        ok: [{ title: "stack-managed key next to the controller", resources: [controller, sealingKey("kube-system")] }],
        bad: [
            { title: "controller generates its own key", resources: [controller], message: /has no stack-managed sealing key/ },
            {
                title: "key in another namespace",
                resources: [controller, sealingKey("sealed-secrets")],
                message: /has no stack-managed sealing key/,
            },
        ],
    },
};
