import { eksCluster } from "../../../policy/rules/aws-cluster";
import { fixture, InventoryResource, RuleCases } from "../../../policy/rules/evaluate";

/** Fixtures of the namespace baseline rules; test/policy/rules.test.ts runs every case. */

type Obj = Record<string, unknown>;
const pss = (level: string, version = "v1.34") =>
    Object.fromEntries(
        ["enforce", "audit", "warn"].flatMap((m) => [
            [`pod-security.kubernetes.io/${m}`, level],
            [`pod-security.kubernetes.io/${m}-version`, version],
        ]),
    );
const ns = (name: string, labels: Obj = pss("restricted")) =>
    fixture("kubernetes:core/v1:Namespace", `namespace-${name}`, { metadata: { name, labels } });
const prod = ns("platform-prod");

/** An object in `namespace`, referring to it by name and depending on it, as the program's objects do. */
const member = (type: string, name: string, namespace: InventoryResource, inputs: Obj = {}) =>
    fixture(
        `kubernetes:${type}`,
        name,
        { metadata: { name, namespace: (namespace.inputs.metadata as Obj).name }, ...inputs },
        { dependsOn: [namespace] },
    );
const np = (name: string, spec: Obj, namespace = prod) => member("networking.k8s.io/v1:NetworkPolicy", name, namespace, { spec });
const denyAll = np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
const dns = np("allow-dns", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
        {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
            ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
            ],
        },
    ],
});
const quota = member("core/v1:ResourceQuota", "quota", prod, { spec: { hard: { "requests.cpu": "32" } } });
const limits = member("core/v1:LimitRange", "limits", prod, { spec: { limits: [{ type: "Container", default: { cpu: "1" } }] } });
const defaultSa = (automount: unknown) => member("core/v1:ServiceAccount", "default", prod, { automountServiceAccountToken: automount });
const storageClass = (name: string, changes: Obj = {}, isDefault = true) =>
    fixture("kubernetes:storage.k8s.io/v1:StorageClass", name, {
        metadata: { name, annotations: { "storageclass.kubernetes.io/is-default-class": String(isDefault) } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true" },
        ...changes,
    });
const cluster = fixture(eksCluster, "cluster-eks", { name: "c" });

export const k8sNamespaceCases: RuleCases = {
    "k8s-namespace-pod-security": {
        ok: [
            { title: "restricted, pinned", resources: [prod] },
            {
                title: "privileged where config names it",
                resources: [ns("node-agents", pss("privileged"))],
                config: { privilegedNamespaces: ["node-agents"] },
            },
        ],
        bad: [
            {
                title: "no labels",
                resources: [ns("platform-prod", {})],
                message: /has no valid pod-security\.kubernetes\.io\/enforce label/,
            },
            {
                title: "unpinned version",
                resources: [ns("platform-prod", pss("restricted", "latest"))],
                message: /does not pin pod-security\.kubernetes\.io\/audit-version/,
            },
            {
                title: "baseline without config",
                resources: [ns("platform-monitoring", pss("baseline"))],
                message: /enforces Pod Security "baseline" but may only enforce restricted/,
            },
            {
                title: "workload namespace relaxed",
                resources: [ns("platform-prod", pss("baseline"))],
                config: { restrictedNamespaces: ["platform-prod"], baselineNamespaces: ["platform-prod"] },
                message: /"platform-prod" enforces Pod Security "baseline"/,
            },
        ],
    },
    "k8s-namespace-default-deny": {
        ok: [
            { title: "one policy for both directions", resources: [prod, denyAll] },
            {
                title: "one policy per direction",
                resources: [prod, np("deny-in", { podSelector: {} }), np("deny-out", { podSelector: {}, policyTypes: ["Egress"] })],
            },
        ],
        bad: [
            { title: "no policies", resources: [prod], message: /"platform-prod" has no default-deny Ingress NetworkPolicy/ },
            {
                title: "ingress only",
                resources: [prod, np("deny-in", { podSelector: {}, policyTypes: ["Ingress"] })],
                message: /no default-deny Egress/,
            },
            {
                title: "policy in another namespace",
                resources: [prod, ns("other"), np("deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, ns("other"))],
                message: /"platform-prod" has no default-deny/,
            },
        ],
    },
    "k8s-namespace-dns-egress": {
        ok: [{ title: "DNS allowed", resources: [prod, denyAll, dns] }],
        bad: [{ title: "deny only", resources: [prod, denyAll], message: /"platform-prod" has no NetworkPolicy allowing DNS egress/ }],
    },
    "k8s-namespace-resource-quota": {
        ok: [{ title: "quota", resources: [prod, quota] }],
        bad: [{ title: "no quota", resources: [prod, limits], message: /"platform-prod" has no ResourceQuota/ }],
    },
    "k8s-namespace-limit-range": {
        ok: [{ title: "limit range", resources: [prod, limits] }],
        bad: [{ title: "no limit range", resources: [prod, quota], message: /"platform-prod" has no LimitRange/ }],
    },
    "k8s-default-service-account-no-automount": {
        ok: [{ title: "default account patched", resources: [prod, defaultSa(false)] }],
        bad: [
            { title: "not managed", resources: [prod], message: /"platform-prod" leaves its default ServiceAccount automounting tokens/ },
            {
                title: "managed but automounting",
                resources: [prod, defaultSa(undefined)],
                message: /does not set automountServiceAccountToken: false/,
            },
        ],
    },
    "k8s-no-default-namespace": {
        ok: [
            {
                title: "objects in our namespaces",
                resources: [quota, fixture("kubernetes:helm.sh/v3:Release", "argocd", { chart: "argo-cd", namespace: "argocd" })],
            },
            {
                title: "cluster-scoped objects and components",
                resources: [prod, storageClass("gp3"), fixture("kubernetes:kustomize/v2:Directory", "apps", { directory: "./apps" })],
            },
        ],
        bad: [
            {
                title: "explicit default",
                resources: [fixture("kubernetes:core/v1:ConfigMap", "cm", { metadata: { namespace: "default" } })],
                message: /into the "default" namespace/,
            },
            {
                title: "no namespace named",
                resources: [fixture("kubernetes:core/v1:Secret", "creds", { metadata: { name: "creds" } })],
                message: /it names no namespace/,
            },
            {
                title: "Helm release without namespace",
                resources: [fixture("kubernetes:helm.sh/v3:Release", "x", { chart: "x", version: "1.0.0" })],
                message: /"default" namespace/,
            },
            {
                title: "Argo CD destination",
                resources: [
                    fixture("kubernetes:argoproj.io/v1alpha1:Application", "app", {
                        metadata: { namespace: "argocd" },
                        spec: { destination: { namespace: "default" } },
                    }),
                ],
                message: /Argo CD Application deploys into the "default" namespace/,
            },
        ],
    },
    "storageclass-ebs-encrypted": {
        ok: [{ title: "encrypted", resources: [storageClass("gp3")] }],
        bad: [
            {
                title: "unencrypted",
                resources: [storageClass("gp3", { parameters: { type: "gp3" } })],
                message: /does not encrypt its volumes/,
            },
        ],
    },
    "default-storageclass-encrypted-gp3": {
        ok: [
            {
                title: "encrypted gp3 default",
                resources: [cluster, storageClass("gp3"), storageClass("io2", { parameters: { type: "io2", encrypted: "true" } }, false)],
            },
            { title: "no cluster in the stack", resources: [storageClass("gp2", { parameters: { type: "gp2" } })] },
        ],
        bad: [
            { title: "no default class", resources: [cluster], message: /no default StorageClass of ours/ },
            {
                title: "gp2 default",
                resources: [cluster, storageClass("gp2", { parameters: { type: "gp2", encrypted: "true" } })],
                message: /Default StorageClass "gp2" is not an encrypted gp3 class/,
            },
        ],
    },
};
