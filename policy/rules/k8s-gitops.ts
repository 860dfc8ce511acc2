import { get, label, list, ofTypes, PlatformPolicy, resourceRule, stackRule } from "./common";
import { chartName, helmTypes, secret } from "./k8s-common";

/** Argo CD and Sealed Secrets: least-privilege GitOps, recoverable sealing keys (SECURITY.md 25, 26). */

const application = "kubernetes:argoproj.io/v1alpha1:Application";
const applicationSet = "kubernetes:argoproj.io/v1alpha1:ApplicationSet";
const appProject = "kubernetes:argoproj.io/v1alpha1:AppProject";
const configMap = "kubernetes:core/v1:ConfigMap";
const sealedSecret = "kubernetes:bitnami.com/v1alpha1:SealedSecret";
export const sealingKeyLabel = "sealedsecrets.bitnami.com/sealed-secrets-key";
const scopeAnnotations = ["sealedsecrets.bitnami.com/cluster-wide", "sealedsecrets.bitnami.com/namespace-wide"];
/** Default Argo CD policies that grant no write: none ("") or read-only. */
const readOnlyDefaults = [undefined, "", "role:readonly"];

export const k8sGitopsRules: PlatformPolicy[] = [
    resourceRule({
        id: "argocd-no-default-project",
        level: "mandatory",
        sources: ["Argo CD Projects (the default project is unrestricted)", "NSA/CISA Kubernetes Hardening Guide (least privilege)"],
        items: [25],
        summary: "No Argo CD Application or ApplicationSet uses the unrestricted default project.",
        types: [application, applicationSet],
        check: (props, { type, report }) => {
            const project = type === applicationSet ? get(props, "spec.template.spec.project") : get(props, "spec.project");
            if (project === undefined || project === "default")
                report(`Argo CD ${type.split(":").pop()} uses the unrestricted "default" project.`);
        },
    }),
    resourceRule({
        id: "argocd-project-restricted",
        level: "mandatory",
        sources: ["Argo CD Projects", "NSA/CISA Kubernetes Hardening Guide (least privilege)"],
        items: [25],
        summary:
            "Argo CD AppProjects list the source repositories and destinations they allow, with no wildcard; the built-in default project allows nothing.",
        types: [appProject],
        check: (props, { report }) => {
            // An empty list allows nothing (Argo CD checks an Application's repository and destination against them).
            const repos = list<string>(get(props, "spec.sourceRepos"));
            if (repos.includes("*")) report('AppProject allows any source repository ("*").');
            const destinations = list(get(props, "spec.destinations"));
            if (get(props, "metadata.name") === "default" && (repos.length > 0 || destinations.length > 0)) {
                report('The built-in "default" project must allow no source and no destination (lock it; use restricted projects).');
            }
            for (const d of destinations) {
                if (d?.namespace === "*") report('AppProject allows deploying into any namespace ("*").');
                if (d?.server === "*" || d?.name === "*") report('AppProject allows deploying to any cluster ("*").');
            }
        },
    }),
    resourceRule({
        id: "argocd-default-policy-readonly",
        level: "mandatory",
        sources: ["Argo CD RBAC (policy.default)", "NSA/CISA Kubernetes Hardening Guide (least privilege)"],
        items: [25],
        summary: "Argo CD's default RBAC policy grants at most read-only; write access comes from explicit group roles.",
        types: [...helmTypes, configMap],
        check: (props, { type, report }) => {
            let policy: unknown;
            if (type === configMap) {
                if (get(props, "metadata.name") !== "argocd-rbac-cm") return;
                policy = get(props, "data")?.["policy.default"];
            } else {
                if (chartName(props) !== "argo-cd") return;
                policy = get(props, "values.configs.rbac")?.["policy.default"];
            }
            if (!readOnlyDefaults.includes(policy as string))
                report(`Argo CD default policy is "${policy}": set policy.default to "role:readonly" or "".`);
        },
    }),
    resourceRule({
        id: "sealed-secrets-strict-scope",
        level: "mandatory",
        sources: ["Sealed Secrets scopes (strict by default)", "NSA/CISA Kubernetes Hardening Guide (secrets)"],
        items: [26],
        summary: "SealedSecrets keep the strict scope: a sealed value only decrypts under its own name and namespace.",
        types: [sealedSecret],
        check: (props, { report }) => {
            const annotations = {
                ...(get(props, "spec.template.metadata.annotations") ?? {}),
                ...(get(props, "metadata.annotations") ?? {}),
            };
            for (const key of scopeAnnotations.filter((k) => annotations[k] === "true"))
                report(`SealedSecret is sealed with a weaker scope (${key}).`);
        },
    }),
    stackRule({
        id: "sealed-secrets-key-managed",
        level: "mandatory",
        sources: ["Sealed Secrets key management (bring your own certificates)", "NSA/CISA Kubernetes Hardening Guide (secrets)"],
        items: [26],
        summary:
            "A Sealed Secrets controller decrypts with a sealing key the stack manages (a labelled Secret kept in state), so the key survives a cluster rebuild.",
        check: (resources, { report }) => {
            const keys = ofTypes(resources, secret).filter((s) => get(s.props, "metadata.labels")?.[sealingKeyLabel] !== undefined);
            for (const release of ofTypes(resources, ...helmTypes).filter((r) => chartName(r.props) === "sealed-secrets")) {
                const ns = release.props.namespace;
                if (!keys.some((k) => ns === undefined || get(k.props, "metadata.namespace") === ns)) {
                    report(
                        `${label(release)} has no stack-managed sealing key (a Secret labelled ${sealingKeyLabel}) in its namespace.`,
                        release,
                    );
                }
            }
        },
    }),
];
