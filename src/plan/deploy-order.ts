import { LabelSelector, matches } from "../k8s/reachability";
import { ofType, ResourceRecord } from "../synth/inventory";

/**
 * The deploy-order model: everything a resource needs when it is created exists first. Checked
 * over an inventory (resources.json), where "first" means a transitive dependency (Pulumi creates
 * a resource only after everything it depends on; depending on a component waits for its children):
 *
 * 1. custom resources after the release that installs their CRD;
 * 2. objects a fail-closed admission webhook intercepts (failurePolicy Fail) created either before
 *    the release that registers it or after it is ready — never concurrently, when the API server
 *    would call a webhook with no ready pod behind it and refuse the object;
 * 3. Secrets and SealedSecrets before the releases and custom resources that name them;
 * 4. Pod Identity associations before the pods of their service account (credentials are injected
 *    at pod creation, only if the association exists: EKS docs, aws/containers-roadmap#2507);
 * 5. a namespace the program creates before every object and release in it.
 *
 * The charts' facts are data below, each from the pinned chart's templates.
 */

/** A webhook a chart registers, with the scope the API server gives it. */
export interface WebhookFact {
    name: string;
    /** Kinds it intercepts on CREATE. */
    kinds: string[];
    /** failurePolicy from the release's values (defaults are the chart's). */
    failurePolicy: (values: Values) => "Fail" | "Ignore";
    /** objectSelector from the release's values; the chart's own objects are always excluded. */
    objectSelector?: (values: Values) => LabelSelector | undefined;
    /** Opt-in namespace label (namespaceSelector): namespaces without it are not intercepted. */
    namespaceOptIn?: string;
}

export interface ChartFact {
    /** `group/Kind` of every CRD the chart installs. */
    crds: string[];
    webhooks: WebhookFact[];
    /** Kinds of objects the chart's templates create (in the release's namespace). */
    creates: string[];
}

type Values = Record<string, unknown>;
const at = (v: Values, path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o as Values | undefined)?.[k], v);
const fail = (path: string, chartDefault: "Fail" | "Ignore") => (v: Values) =>
    (at(v, path) as "Fail" | "Ignore" | undefined) ?? chartDefault;
const workloads = ["Service", "Pod"];

/** What each chart we install brings, from the pinned charts (versions in src/config/catalog.ts). */
export const chartFacts: Record<string, ChartFact> = {
    // aws/eks-charts stable/aws-load-balancer-controller 3.5.0, templates/webhook.yaml and values.yaml.
    "aws-load-balancer-controller": {
        crds: ["elbv2.k8s.aws/TargetGroupBinding", "elbv2.k8s.aws/IngressClassParams"],
        webhooks: [
            {
                name: "mservice.elbv2.k8s.aws",
                kinds: ["Service"],
                failurePolicy: (v) =>
                    at(v, "enableServiceMutatorWebhook") === false
                        ? "Ignore"
                        : fail("serviceMutatorWebhookConfig.failurePolicy", "Fail")(v),
                objectSelector: (v) => at(v, "serviceMutatorWebhookConfig.objectSelector") as LabelSelector | undefined,
            },
            {
                name: "vingress.elbv2.k8s.aws",
                kinds: ["Ingress"],
                failurePolicy: fail("webhookConfig.ingressValdationFailurePolicy", "Fail"),
            },
            {
                name: "mpod.elbv2.k8s.aws",
                kinds: ["Pod"],
                failurePolicy: fail("podMutatorWebhookConfig.failurePolicy", "Ignore"),
                namespaceOptIn: "elbv2.k8s.aws/pod-readiness-gate-inject",
            },
            {
                name: "quicid.elbv2.k8s.aws",
                kinds: ["Pod"],
                failurePolicy: () => "Fail",
                namespaceOptIn: "elbv2.k8s.aws/quic-server-id-inject",
            },
            {
                name: "alb-target-control.elbv2.k8s.aws",
                kinds: ["Pod"],
                failurePolicy: () => "Fail",
                namespaceOptIn: "elbv2.k8s.aws/alb-target-control-agent-injection",
            },
            { name: "mtargetgroupbinding.elbv2.k8s.aws", kinds: ["TargetGroupBinding"], failurePolicy: () => "Fail" },
        ],
        creates: workloads,
    },
    // cert-manager/cert-manager deploy/charts/cert-manager v1.20.1: webhook on cert-manager.io and acme kinds, Fail.
    "cert-manager": {
        crds: [
            "cert-manager.io/Certificate",
            "cert-manager.io/Issuer",
            "cert-manager.io/ClusterIssuer",
            "cert-manager.io/CertificateRequest",
        ],
        webhooks: [
            {
                name: "webhook.cert-manager.io",
                kinds: ["Certificate", "Issuer", "ClusterIssuer", "CertificateRequest"],
                failurePolicy: () => "Fail",
            },
        ],
        creates: workloads,
    },
    // cloudnative-pg/charts charts/cloudnative-pg 0.29.0: webhook.mutating/validating.failurePolicy Fail.
    "cloudnative-pg": {
        crds: [
            "postgresql.cnpg.io/Cluster",
            "postgresql.cnpg.io/Database",
            "postgresql.cnpg.io/ScheduledBackup",
            "postgresql.cnpg.io/Backup",
            "postgresql.cnpg.io/Pooler",
        ],
        webhooks: [
            {
                name: "mcluster.cnpg.io",
                kinds: ["Cluster", "Database", "ScheduledBackup", "Backup", "Pooler"],
                failurePolicy: fail("webhook.mutating.failurePolicy", "Fail"),
            },
        ],
        creates: workloads,
    },
    // Its mutual-TLS certificates are cert-manager objects made by the chart.
    "plugin-barman-cloud": { crds: ["barmancloud.cnpg.io/ObjectStore"], webhooks: [], creates: [...workloads, "Certificate", "Issuer"] },
    // minio/operator helm/operator v7.1.1 (chart name "operator").
    operator: { crds: ["minio.min.io/Tenant", "sts.min.io/PolicyBinding"], webhooks: [], creates: workloads },
    // admissionWebhooks.enabled is false in our values (src/monitoring/values.ts).
    "kube-prometheus-stack": {
        crds: [
            "ServiceMonitor",
            "PodMonitor",
            "PrometheusRule",
            "Prometheus",
            "Alertmanager",
            "AlertmanagerConfig",
            "Probe",
            "ScrapeConfig",
        ].map((k) => `monitoring.coreos.com/${k}`),
        webhooks: [],
        creates: [...workloads, "Ingress", "Prometheus", "Alertmanager", "PrometheusRule", "ServiceMonitor"],
    },
    "argo-cd": {
        crds: ["argoproj.io/Application", "argoproj.io/AppProject", "argoproj.io/ApplicationSet"],
        webhooks: [],
        creates: [...workloads, "Ingress"],
    },
    // argoproj/argo-helm charts/argo-rollouts 2.41.0: templates/crds (five CRDs), no webhook; the dashboard Ingress.
    "argo-rollouts": {
        crds: ["Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment"].map((k) => `argoproj.io/${k}`),
        webhooks: [],
        creates: [...workloads, "Ingress"],
    },
    "sealed-secrets": { crds: ["bitnami.com/SealedSecret"], webhooks: [], creates: workloads },
    // argoproj/argo-helm charts/argo-workflows 1.0.18, files/crds/minimal and templates/ (no webhooks).
    "argo-workflows": {
        crds: [
            "Workflow",
            "WorkflowTemplate",
            "ClusterWorkflowTemplate",
            "CronWorkflow",
            "WorkflowEventBinding",
            "WorkflowTaskSet",
            "WorkflowTaskResult",
            "WorkflowArtifactGCTask",
        ].map((k) => `argoproj.io/${k}`),
        webhooks: [],
        creates: [...workloads, "Ingress"],
    },
    "cluster-autoscaler": { crds: [], webhooks: [], creates: workloads },
    // community-charts/helm-charts charts/mlflow 1.11.5: Deployment, Service, Ingress (serviceMonitor off).
    mlflow: { crds: [], webhooks: [], creates: [...workloads, "Ingress"] },
    // kubernetes-sigs/metrics-server chart 3.13.1: Deployment, Service, APIService v1beta1.metrics.k8s.io.
    "metrics-server": { crds: [], webhooks: [], creates: [...workloads, "APIService"] },
    // kedacore/charts keda 2.20.2: templates/crds and templates/webhooks/validatingconfiguration.yaml.
    keda: {
        crds: [
            "keda.sh/ScaledObject",
            "keda.sh/ScaledJob",
            "keda.sh/TriggerAuthentication",
            "keda.sh/ClusterTriggerAuthentication",
            "eventing.keda.sh/CloudEventSource",
            "eventing.keda.sh/ClusterCloudEventSource",
        ],
        webhooks: [
            { name: "vscaledobject.kb.io", kinds: ["ScaledObject"], failurePolicy: fail("webhooks.failurePolicy", "Ignore") },
            { name: "vscaledjob.kb.io", kinds: ["ScaledJob"], failurePolicy: fail("webhooks.failurePolicy", "Ignore") },
            {
                name: "vstriggerauthentication.kb.io",
                kinds: ["TriggerAuthentication"],
                failurePolicy: fail("webhooks.failurePolicy", "Ignore"),
            },
        ],
        creates: [...workloads, "APIService"],
    },
    "nvidia-device-plugin": { crds: [], webhooks: [], creates: ["Pod"] },
    "dcgm-exporter": { crds: [], webhooks: [], creates: workloads },
    // aws/karpenter-provider-aws charts/karpenter v1.14.1: CRDs in crds/ (installed before the templates),
    // no admission webhooks since v1.1 (validation is CEL in the CRDs).
    karpenter: {
        crds: ["karpenter.sh/NodePool", "karpenter.sh/NodeClaim", "karpenter.k8s.aws/EC2NodeClass", "karpenter.sh/NodeOverlay"],
        webhooks: [],
        creates: workloads,
    },
    "aws-efa-k8s-device-plugin": { crds: [], webhooks: [], creates: ["Pod"] },
};

/** One unmet need: the resource, what it needs, and why. */
export interface OrderProblem {
    resource: string;
    needs: string;
    rule: "crd" | "webhook" | "secret" | "pod-identity" | "namespace";
    detail: string;
}

const kindOf = (r: ResourceRecord) => r.type.split(":").pop()!;
const groupOf = (r: ResourceRecord) => r.type.split(":")[1].split("/")[0];
const meta = (r: ResourceRecord) => (r.inputs.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
const namespaceOf = (r: ResourceRecord) => (r.type === "kubernetes:helm.sh/v3:Release" ? String(r.inputs.namespace) : meta(r).namespace);
const builtinGroups = new Set([
    "core",
    "apps",
    "batch",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "helm.sh",
]);
const isCustomResource = (r: ResourceRecord) => r.type.startsWith("kubernetes:") && !builtinGroups.has(groupOf(r)) && r.custom;
const label = (r: ResourceRecord) => `${kindOf(r)} ${r.name}`;

/** Everything a resource transitively waits for (a component stands for all its descendants). */
export function ancestry(resources: readonly ResourceRecord[]): (urn: string) => Set<string> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = new Map<string, string[]>();
    for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
    const memo = new Map<string, Set<string>>();
    const descendants = (urn: string): string[] => (children.get(urn) ?? []).flatMap((c) => [c, ...descendants(c)]);
    const of = (urn: string): Set<string> => {
        const known = memo.get(urn);
        if (known) return known;
        const out = new Set<string>();
        memo.set(urn, out);
        for (const dep of byUrn.get(urn)?.dependsOn ?? []) {
            for (const d of [dep, ...descendants(dep)]) {
                out.add(d);
                of(d).forEach((x) => out.add(x));
            }
        }
        return out;
    };
    return of;
}

/** Checks an inventory against the four rules; an empty list means the order holds. */
export function deployOrderProblems(resources: readonly ResourceRecord[]): OrderProblem[] {
    const before = ancestry(resources);
    const waitsFor = (a: ResourceRecord, b: ResourceRecord) => before(a.urn).has(b.urn);
    const releases = ofType(resources, "kubernetes:helm.sh/v3:Release");
    const factsOf = (r: ResourceRecord) => chartFacts[String(r.inputs.chart)];
    const problems: OrderProblem[] = [];

    for (const r of releases)
        if (!factsOf(r)) throw new Error(`deploy-order: no chart facts for chart ${String(r.inputs.chart)} (release ${r.name})`);

    // 1. CRDs before custom resources.
    for (const cr of resources.filter(isCustomResource)) {
        const crd = `${groupOf(cr)}/${kindOf(cr)}`;
        const sources = releases.filter((r) => factsOf(r).crds.includes(crd));
        if (sources.length === 0) problems.push({ resource: label(cr), needs: crd, rule: "crd", detail: "no release installs its CRD" });
        else if (!sources.some((s) => waitsFor(cr, s)))
            problems.push({
                resource: label(cr),
                needs: `release ${sources[0].name}`,
                rule: "crd",
                detail: `created before its CRD ${crd} exists`,
            });
    }

    // 2. Fail-closed webhooks: what they intercept is created before the release or after it is ready.
    const namespaceLabels = new Map(
        ofType(resources, "kubernetes:core/v1:Namespace").map((n) => [meta(n).name ?? n.name, meta(n).labels ?? {}]),
    );
    for (const owner of releases) {
        const values = (owner.inputs.values ?? {}) as Values;
        for (const hook of factsOf(owner).webhooks.filter((w) => w.failurePolicy(values) === "Fail")) {
            const selector = hook.objectSelector?.(values);
            for (const other of resources.filter(
                (r) => r.type === "kubernetes:helm.sh/v3:Release" || (r.custom && r.type.startsWith("kubernetes:")),
            )) {
                if (other.urn === owner.urn) continue;
                const ns = namespaceOf(other);
                if (hook.namespaceOptIn && !(namespaceLabels.get(ns ?? "")?.[hook.namespaceOptIn] === "enabled")) continue;
                const isRelease = other.type === "kubernetes:helm.sh/v3:Release";
                const kinds = isRelease ? factsOf(other).creates : [kindOf(other)];
                const hit = kinds.filter((k) => hook.kinds.includes(k));
                if (hit.length === 0) continue;
                // Chart-made objects carry the standard Helm labels and nothing of ours.
                const objectLabels = isRelease
                    ? {
                          "app.kubernetes.io/name": String(other.inputs.chart),
                          "app.kubernetes.io/instance": other.name,
                          "app.kubernetes.io/managed-by": "Helm",
                      }
                    : (meta(other).labels ?? {});
                if (selector && !matches(selector, objectLabels)) continue;
                if (waitsFor(other, owner) || waitsFor(owner, other)) continue;
                problems.push({
                    resource: label(other),
                    needs: `release ${owner.name}`,
                    rule: "webhook",
                    detail: `creates ${hit.join(", ")} while webhook ${hook.name} (failurePolicy Fail) may have no ready pod`,
                });
            }
        }
    }

    // 3. Secrets before what names them (same namespace).
    const secrets = resources.filter(
        (r) => r.type === "kubernetes:core/v1:Secret" || r.type === "kubernetes:bitnami.com/v1alpha1:SealedSecret",
    );
    const secretNamed = (ns: string | undefined, name: string) => secrets.find((s) => meta(s).namespace === ns && meta(s).name === name);
    for (const r of resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release" || isCustomResource(x))) {
        const source = r.type === "kubernetes:helm.sh/v3:Release" ? r.inputs.values : r.inputs.spec;
        for (const name of secretReferences(source)) {
            const secret = secretNamed(namespaceOf(r), name);
            if (secret && secret.urn !== r.urn && !waitsFor(r, secret))
                problems.push({ resource: label(r), needs: label(secret), rule: "secret", detail: `reads Secret ${name} at creation` });
        }
    }

    // 4. Pod Identity associations before the pods of their service account.
    for (const a of ofType(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation")) {
        const ns = String(a.inputs.namespace);
        const sa = String(a.inputs.serviceAccount);
        const consumers = resources.filter(
            (r) =>
                namespaceOf(r) === ns &&
                ((r.type === "kubernetes:helm.sh/v3:Release" && serviceAccountNames(r.inputs.values).includes(sa)) ||
                    (r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster" && meta(r).name === sa)),
        );
        for (const c of consumers.filter((c) => !waitsFor(c, a)))
            problems.push({
                resource: label(c),
                needs: `PodIdentityAssociation ${a.name}`,
                rule: "pod-identity",
                detail: `pods of ${ns}/${sa} start without AWS credentials`,
            });
    }
    // 5. Namespaces first.
    const namespaces = new Map(ofType(resources, "kubernetes:core/v1:Namespace").map((n) => [meta(n).name ?? n.name, n]));
    for (const r of resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && x.type !== "kubernetes:core/v1:Namespace")) {
        const ns = namespaces.get(namespaceOf(r) ?? "");
        if (ns && !waitsFor(r, ns))
            problems.push({
                resource: label(r),
                needs: label(ns),
                rule: "namespace",
                detail: "created in a namespace that may not exist yet",
            });
    }
    return problems;
}

/** A dependency a team's object need not have: on an object of another team's namespace. */
export interface CrossTeamWait {
    resource: string;
    namespace: string;
    waitsFor: string;
    otherNamespace: string;
}

/**
 * Direct dependencies from an object in one team namespace (`teams`: the mlops and workload
 * namespaces) on an object in another. Nothing of one team needs another team's namespace to exist;
 * such a wait comes from depending on a whole component (the Baseline) where the team's own
 * namespace would do, and it makes every team's dependency list hold every team's objects: the
 * lists, the state and the engine's work grow with the square of the number of teams. (The SDK
 * sends a component in `dependsOn` as every custom resource below it: @pulumi/pulumi 3.248
 * runtime/dependsOn.js, `getAllTransitivelyReferencedResourceURNs`.)
 */
export function crossTeamWaits(resources: readonly ResourceRecord[], teams: readonly string[]): CrossTeamWait[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const teamOf = (r: ResourceRecord | undefined) => {
        const ns = r && (r.type === "kubernetes:core/v1:Namespace" ? (meta(r).name ?? r.name) : namespaceOf(r));
        return ns !== undefined && teams.includes(ns) ? ns : undefined;
    };
    const waits: CrossTeamWait[] = [];
    for (const r of resources) {
        const namespace = teamOf(r);
        if (!namespace) continue;
        for (const dep of r.dependsOn) {
            const other = teamOf(byUrn.get(dep));
            if (other && other !== namespace)
                waits.push({ resource: label(r), namespace, waitsFor: label(byUrn.get(dep)!), otherNamespace: other });
        }
    }
    return waits;
}

/** Secret names a release's values or a custom resource's spec refer to (keys naming a secret). */
export function secretReferences(value: unknown, key = ""): string[] {
    if (typeof value === "string") return /secret/i.test(key) && !/key$/i.test(key) ? [value] : [];
    if (Array.isArray(value)) return value.flatMap((v) => secretReferences(v, key));
    if (value === null || typeof value !== "object") return [];
    const record = value as Values;
    const own = /secret/i.test(key) && typeof record.name === "string" ? [record.name] : [];
    return [...own, ...Object.entries(record).flatMap(([k, v]) => secretReferences(v, k))];
}

/** Service account names set in a release's values (`serviceAccount.name`, `rbac.serviceAccount.name`, ...). */
function serviceAccountNames(value: unknown, key = ""): string[] {
    if (value === null || typeof value !== "object") return [];
    const record = value as Values;
    const own = /serviceaccount$/i.test(key) && typeof record.name === "string" ? [record.name] : [];
    return [...own, ...Object.entries(record).flatMap(([k, v]) => serviceAccountNames(v, k))];
}
