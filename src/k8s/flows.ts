import { apiServiceIp, planSubnets } from "../aws/cidr";
import { PlatformConfig } from "../config";
import { dataNamespace, dataPorts, minioTenantName, postgresClusterName } from "../addons/data-namespace";
import { postgresUsesS3 } from "../addons/postgres-backup";
import { kedaNamespace, kedaPorts, prometheusPort } from "../addons/keda";
import { kubeletPort, metricsServerNamespace, metricsServerPort } from "../addons/metrics-server";
import { mlflowNamespace, mlflowPort } from "../addons/mlflow";
import { minioUsersLabels } from "../addons/minio-users";
import { rolloutsLabels, rolloutsNamespace, rolloutsPorts } from "../addons/argo-rollouts";
import { servingPorts } from "../addons/serving";
import { karpenterNamespace, karpenterPodLabels, karpenterPorts } from "../addons/karpenter";
import { namespacesOfKind } from "./baseline";
import { objectStoreClientLabel } from "./network-policies";
import { ClusterView, Endpoint, evaluate, Flow, Labels, Verdict } from "./reachability";

/**
 * The platform's declared network flows: for every component, what it must reach and what must
 * reach it, and the flows that must stay closed. Data reviewed like code: the reachability
 * evaluator (reachability.ts) checks every stack's rendered NetworkPolicies against it, and the
 * README's flow table is generated from it (`flowTableMarkdown`).
 *
 * Labels and ports are the charts' own (pinned versions in src/config/catalog.ts); ClusterIPs of
 * chart-made Services are unknown before creation, so they stand for the whole Service CIDR.
 */

/** A named end of a flow, with a one-line description for the README. */
export type Component = Endpoint & { title: string };

export interface DeclaredFlow {
    from: string;
    to: string;
    port: number;
    protocol?: "TCP" | "UDP";
    why: string;
}

export interface NetworkModel {
    components: Record<string, Component>;
    /** Flows the platform needs: each must be allowed for every address its ends may have. */
    required: DeclaredFlow[];
    /** Flows that must be denied for every address: bypasses, operator internals, posture leaks. */
    denied: DeclaredFlow[];
}

const app = (name: string): Labels => ({ "app.kubernetes.io/name": name });
const pod = (namespace: string, labels: Labels, title: string): Component => ({ kind: "pod", namespace, labels, title });
const external = (name: string, cidrs: string[], title: string): Component => ({ kind: "external", name, cidrs, title });

/** The network model of one stack's config. */
export function networkModel(config: PlatformConfig): NetworkModel {
    const plan = planSubnets(config.network.vpcCidr, config.network.availabilityZones);
    const serviceCidr = config.cluster.serviceIpv4Cidr;
    const service = (namespace: string, name: string, selector: Labels | undefined, title: string): Component => ({
        kind: "service",
        namespace,
        name,
        selector,
        clusterIps: [serviceCidr],
        title,
    });
    const minio = config.objectStore.kind === "minio";
    const s3 = !minio;
    // Base backups, WAL and restores go to S3 outside the cluster whatever the object store (postgres-backup.ts).
    const backups = postgresUsesS3(config);
    const notifies = config.alerting.slack !== undefined || config.alerting.pagerduty;
    const closed = config.network.egress !== "open";
    const workloads = namespacesOfKind(config, "workload");
    const mlops = namespacesOfKind(config, "mlops");
    const s3Client = s3 ? objectStoreClientLabel : {};

    const components: Record<string, Component> = {
        "kubernetes-api": {
            kind: "service",
            namespace: "default",
            name: "kubernetes",
            clusterIps: [`${apiServiceIp(serviceCidr)}/32`],
            title: "`default/kubernetes`: the API's ClusterIP (no selector)",
        },
        "control-plane": external(
            "control-plane",
            plan.map((p) => p.controlPlaneCidr),
            "the API server's ENIs (webhook and proxy calls come from there)",
        ),
        "cluster-dns": service("kube-system", "kube-dns", { "k8s-app": "kube-dns" }, "CoreDNS behind `kube-system/kube-dns`"),
        nodes: external(
            "nodes",
            plan.map((p) => p.privateCidr),
            "kubelets and node exporters (host network)",
        ),
        "internal-alb": external(
            "internal-alb",
            plan.map((p) => p.internalLoadBalancerCidr),
            "internal ALBs (the UIs' ingress)",
        ),
        "public-alb": external(
            "public-alb",
            plan.map((p) => p.publicCidr),
            "internet-facing ALBs (workloads' ingress)",
        ),
        "pod-identity-agent": external("pod-identity-agent", ["169.254.170.23/32"], "EKS Pod Identity agent (link-local, every node)"),
        s3: external("s3", ["52.216.0.0/15"], "S3's public addresses (52.216.0.0/15: one of its ranges, AWS ip-ranges.json)"),
        internet: external("internet", ["140.82.112.0/20"], "the internet over HTTPS (140.82.112.0/20: GitHub, a Git host)"),
        // A pod no policy of ours governs (a namespace the platform does not manage, or egress left open):
        // what must stay closed must be closed on the receiving side too.
        "any-pod": pod("default", app("anything"), "any pod in a namespace without our policies"),
        "sealed-secrets": pod("sealed-secrets", app("sealed-secrets"), "Sealed Secrets controller"),
        "cert-manager": pod("cert-manager", { ...app("cert-manager"), "app.kubernetes.io/component": "controller" }, "cert-manager"),
        "cert-manager-webhook": pod("cert-manager", app("webhook"), "cert-manager's webhook"),
        "cnpg-operator": pod("cnpg-system", app("cloudnative-pg"), "CloudNativePG operator"),
        postgres: pod(dataNamespace, { "cnpg.io/cluster": postgresClusterName, "cnpg.io/instanceRole": "primary" }, "PostgreSQL primary"),
        "postgres-rw": service(
            dataNamespace,
            `${postgresClusterName}-rw`,
            { "cnpg.io/cluster": postgresClusterName, "cnpg.io/instanceRole": "primary" },
            "PostgreSQL read-write Service",
        ),
        "argocd-server": pod("argocd", app("argocd-server"), "ArgoCD API and UI"),
        "argocd-repo-server": pod("argocd", app("argocd-repo-server"), "ArgoCD repo server (Git)"),
        "argocd-controller": pod("argocd", app("argocd-application-controller"), "ArgoCD application controller"),
        "rollouts-controller": pod(rolloutsNamespace, rolloutsLabels.controller, "Argo Rollouts controller"),
        "rollouts-dashboard": pod(rolloutsNamespace, rolloutsLabels.dashboard, "Argo Rollouts dashboard (read-only)"),
        "workflows-controller": pod("argo-workflows", app("argo-workflows-workflow-controller"), "Argo Workflows controller"),
        "workflows-server": pod("argo-workflows", app("argo-workflows-server"), "Argo Workflows API and UI"),
    };
    if (minio) {
        components["minio-operator"] = pod("minio-operator", app("operator"), "MinIO operator");
        components.minio = pod(dataNamespace, { "v1.min.io/tenant": minioTenantName, "v1.min.io/pool": "pool-0" }, "MinIO server");
        components["minio-s3"] = service(dataNamespace, "minio", { "v1.min.io/tenant": minioTenantName }, "MinIO's S3 Service");
    }
    // Karpenter (issue 19): chart 1.14.1 has no admission webhooks (CEL validation in its CRDs), so nothing calls in but Prometheus.
    const karpenter = Object.values(config.nodePools).some((p) => p.provisioner === "karpenter");
    if (karpenter) components.karpenter = pod(karpenterNamespace, karpenterPodLabels, "Karpenter controller");
    for (const ns of namespacesOfKind(config, "monitoring")) {
        components.prometheus = pod(ns, app("prometheus"), "Prometheus");
        components.grafana = pod(ns, app("grafana"), "Grafana");
        components.alertmanager = pod(ns, app("alertmanager"), "Alertmanager");
        components["prometheus-operator"] = pod(ns, app("kube-prometheus-stack-prometheus-operator"), "Prometheus operator");
    }
    for (const ns of workloads) {
        components[`app@${ns}`] = pod(ns, app("app"), `a workload in ${ns}`);
        if (s3) components[`pipelines@${ns}`] = pod(ns, { ...app("pipelines"), ...s3Client }, `pipelines in ${ns} (S3 client)`);
    }
    for (const ns of mlops) components[`mlflow@${ns}`] = pod(ns, { ...app("mlflow"), ...s3Client }, `MLflow in ${ns}`);
    // MLflow's server runs in the first MLOps namespace; training and pipeline pods of every MLOps namespace are its clients.
    const mlflowServer = `mlflow@${mlflowNamespace(config)}`;
    for (const ns of mlops) components[`mlops-client@${ns}`] = pod(ns, app("training"), `a training or pipeline pod in ${ns}`);
    if (minio) components["minio-users"] = pod(dataNamespace, minioUsersLabels, "Job that makes MinIO users (mc admin)");
    components["metrics-server"] = pod(metricsServerNamespace, app("metrics-server"), "metrics-server (metrics.k8s.io)");
    components["keda-operator"] = pod(kedaNamespace, app("keda-operator"), "KEDA operator");
    components["keda-metrics-apiserver"] = pod(
        kedaNamespace,
        app("keda-operator-metrics-apiserver"),
        "KEDA metrics API server (external.metrics.k8s.io)",
    );
    components["keda-webhooks"] = pod(kedaNamespace, app("keda-admission-webhooks"), "KEDA admission webhooks");
    // A model served as in docs/serving.md (src/addons/serving.ts): its pods' labels.
    for (const ns of mlops) {
        components[`serving@${ns}`] = pod(
            ns,
            { ...app("churn"), "app.kubernetes.io/component": "model-serving", ...s3Client },
            `a served model in ${ns}`,
        );
    }
    // A workflow pod (the controller labels each with its workflow; workflowDefaults add the S3 client label).
    for (const ns of mlops) {
        components[`workflow@${ns}`] = pod(
            ns,
            { "workflows.argoproj.io/workflow": "training", ...s3Client },
            `an Argo workflow pod in ${ns}`,
        );
    }

    const flow = (from: string, to: string, port: number, why: string, protocol?: "UDP"): DeclaredFlow => ({
        from,
        to,
        port,
        why,
        protocol,
    });
    const pods = Object.keys(components).filter((id) => components[id].kind === "pod" && id !== "any-pod");
    const apiClients = [
        "sealed-secrets",
        "cert-manager",
        "cert-manager-webhook",
        "cnpg-operator",
        "postgres",
        "argocd-server",
        "argocd-controller",
        "rollouts-controller",
        "rollouts-dashboard",
        "workflows-controller",
        "workflows-server",
        ...mlops.map((ns) => `workflow@${ns}`),
        ...(minio ? ["minio-operator"] : []),
        ...(karpenter ? ["karpenter"] : []),
        ...["prometheus", "prometheus-operator", "grafana"].filter((id) => id in components),
        "metrics-server",
        "keda-operator",
        "keda-metrics-apiserver",
        "keda-webhooks",
    ];
    const clients = [...workloads.map((ns) => `app@${ns}`), ...mlops.map((ns) => `mlflow@${ns}`)];
    const s3Clients = s3 ? [...workloads.map((ns) => `pipelines@${ns}`), ...mlops.map((ns) => `mlflow@${ns}`)] : [];
    const scrapes: [string, number][] = [
        ["sealed-secrets", 8081],
        ["cert-manager", 9402],
        ["cnpg-operator", 8080],
        ["postgres", dataPorts.postgresMetrics],
        ["argocd-controller", 8082],
        ["rollouts-controller", rolloutsPorts.metrics],
        ["workflows-controller", 9090],
        ...(minio ? ([["minio", dataPorts.minio]] as [string, number][]) : []),
        ...(karpenter ? ([["karpenter", karpenterPorts.metrics]] as [string, number][]) : []),
        ...workloads.map((ns): [string, number] => [`app@${ns}`, 8080]),
        [mlflowServer, mlflowPort],
        ["keda-operator", kedaPorts.operatorMetrics],
    ];

    const required: DeclaredFlow[] = [
        ...pods.map((id) => flow(id, "cluster-dns", 53, "name resolution", "UDP")),
        ...apiClients.map((id) => flow(id, "kubernetes-api", 443, "watches and writes the API")),
        flow("control-plane", "cert-manager-webhook", 10250, "admission webhook (fail-closed)"),
        flow("control-plane", "cnpg-operator", 9443, "admission webhooks (fail-closed)"),
        flow("control-plane", "sealed-secrets", 8080, "`kubeseal --fetch-cert` through the API's service proxy"),
        flow("cnpg-operator", "postgres", dataPorts.postgresStatus, "instance status"),
        ...clients.map((id) => flow(id, "postgres-rw", dataPorts.postgres, "PostgreSQL client")),
        ...(minio ? clients.map((id) => flow(id, "minio-s3", dataPorts.minio, "object store client")) : []),
        ...(minio ? [flow("minio-operator", "minio-s3", dataPorts.minio, "creates buckets and users")] : []),
        ...(backups
            ? [flow("postgres", "s3", 443, "base backups and WAL"), flow("postgres", "pod-identity-agent", 80, "backup credentials")]
            : []),
        ...(karpenter
            ? [
                  flow("karpenter", "pod-identity-agent", 80, "controller credentials (Pod Identity)"),
                  flow("karpenter", "internet", 443, "EC2, SQS, SSM, pricing, EKS and STS APIs (no VPC endpoints)"),
              ]
            : []),
        ...s3Clients.flatMap((id) => [flow(id, "s3", 443, "object store (kind s3)"), flow(id, "pod-identity-agent", 80, "S3 credentials")]),
        ...workloads.map((ns) => flow("public-alb", `app@${ns}`, 8080, "a workload's ingress (IP targets)")),
        ...mlops.flatMap((ns) => [
            flow("public-alb", `serving@${ns}`, servingPorts.http, "a served model's ingress (weighted target groups)"),
            flow(`serving@${ns}`, `mlflow@${ns}`, 5000, "fetches the registered model"),
            flow("prometheus", `serving@${ns}`, servingPorts.metrics, "serving SLIs for the canary analyses"),
            ...(s3
                ? [
                      flow(`serving@${ns}`, "s3", 443, "model artifacts (kind s3)"),
                      flow(`serving@${ns}`, "pod-identity-agent", 80, "S3 credentials"),
                  ]
                : []),
        ]),
        flow("internal-alb", "grafana", 3000, "Grafana UI"),
        flow("internal-alb", "argocd-server", 8080, "ArgoCD UI"),
        flow("internal-alb", "rollouts-dashboard", rolloutsPorts.dashboard, "Argo Rollouts dashboard"),
        ...("prometheus" in components ? [flow("rollouts-controller", "prometheus", 9090, "canary analyses (PromQL)")] : []),
        flow("rollouts-controller", "internet", 443, "ELB API: target-group verification"),
        flow("rollouts-controller", "pod-identity-agent", 80, "ELB API credentials"),
        flow("internal-alb", "workflows-server", 2746, "Argo Workflows UI"),
        flow("workflows-controller", "postgres-rw", dataPorts.postgres, "workflow archive"),
        flow("workflows-server", "postgres-rw", dataPorts.postgres, "workflow archive (UI)"),
        ...(minio
            ? [
                  flow("workflows-server", "minio-s3", dataPorts.minio, "artifacts for the UI"),
                  ...mlops.map((ns) => flow(`workflow@${ns}`, "minio-s3", dataPorts.minio, "workflow artifacts")),
              ]
            : [
                  flow("workflows-server", "s3", 443, "artifacts for the UI (kind s3)"),
                  flow("workflows-server", "pod-identity-agent", 80, "S3 credentials"),
                  ...mlops.flatMap((ns) => [
                      flow(`workflow@${ns}`, "s3", 443, "workflow artifacts (kind s3)"),
                      flow(`workflow@${ns}`, "pod-identity-agent", 80, "S3 credentials"),
                  ]),
              ]),
        ...mlops.map((ns) => flow(`workflow@${ns}`, mlflowServer, mlflowPort, "tracking and model registry (train, register)")),
        flow("argocd-server", "argocd-repo-server", 8081, "manifests"),
        flow("internal-alb", mlflowServer, mlflowPort, "MLflow UI and API"),
        ...mlops.map((ns) => flow(`mlops-client@${ns}`, mlflowServer, mlflowPort, "MLflow tracking and registry (artifacts proxied)")),
        ...(minio ? [flow("minio-users", "minio-s3", dataPorts.minio, "creates MinIO users and their bucket policies")] : []),
        flow("control-plane", "metrics-server", metricsServerPort, "metrics.k8s.io APIService (HPA, kubectl top)"),
        flow("metrics-server", "nodes", kubeletPort, "kubelet resource metrics"),
        flow("control-plane", "keda-metrics-apiserver", kedaPorts.metricsApiServer, "external.metrics.k8s.io APIService"),
        flow("control-plane", "keda-webhooks", kedaPorts.webhooks, "admission webhooks (ScaledObject validation)"),
        flow("keda-metrics-apiserver", "keda-operator", kedaPorts.operatorGrpc, "scaler metrics (gRPC)"),
        ...("prometheus" in components ? [flow("keda-operator", "prometheus", prometheusPort, "prometheus triggers (queries)")] : []),
        flow("argocd-repo-server", "internet", 443, "Git and chart repositories"),
        flow("grafana", "internet", 443, "dashboards by reference"),
        ...(notifies ? [flow("alertmanager", "internet", 443, "Slack and PagerDuty")] : []),
        flow("prometheus", "nodes", 10250, "kubelet and cAdvisor metrics"),
        flow("prometheus", "nodes", 9100, "node exporter"),
        ...scrapes.map(([id, port]) => flow("prometheus", id, port, "metrics scrape")),
    ];

    const bypass = [
        ...(closed ? [flow("app@" + workloads[0], "grafana", 3000, "reaches a UI without its load balancer")] : []),
        ...[...clients, "any-pod"].map((id) => flow(id, "argocd-server", 8080, "reaches a UI without its load balancer")),
        ...[...clients, "any-pod"].map((id) =>
            flow(id, "rollouts-dashboard", rolloutsPorts.dashboard, "reaches a UI without its load balancer"),
        ),
        ...("prometheus" in components && closed
            ? [flow("any-pod", "prometheus", 9090, "queries Prometheus without being an analysis")]
            : []),
        ...[...clients, ...mlops.map((ns) => `workflow@${ns}`), "any-pod"].map((id) =>
            flow(id, "workflows-server", 2746, "reaches a UI without its load balancer"),
        ),
        ...[...clients, "any-pod"].map((id) => flow(id, "workflows-controller", 9090, "reads a controller's metrics")),
        ...(closed ? [flow("any-pod", "grafana", 3000, "reaches a UI without its load balancer")] : []),
        ...(closed
            ? [...workloads.map((ns) => `app@${ns}`), "any-pod"].map((id) =>
                  flow(id, mlflowServer, mlflowPort, "reaches MLflow from outside its clients"),
              )
            : []),
    ];
    const internals = [...clients, "any-pod"].flatMap((id) => [
        flow(id, "cert-manager-webhook", 10250, "calls an operator's webhook"),
        flow(id, "cnpg-operator", 9443, "calls an operator's webhook"),
        flow(id, "sealed-secrets", 8080, "calls the sealing controller directly"),
        flow(id, "cert-manager", 9402, "reads an operator's metrics"),
        flow(id, "cnpg-operator", 8080, "reads an operator's metrics"),
        flow(id, "postgres", dataPorts.postgresStatus, "reaches the instance manager"),
        flow(id, "keda-metrics-apiserver", kedaPorts.metricsApiServer, "calls an aggregated API server directly"),
        flow(id, "keda-operator", kedaPorts.operatorGrpc, "reads KEDA's scaler metrics"),
        flow(id, "metrics-server", metricsServerPort, "calls an aggregated API server directly"),
        ...(karpenter ? [flow(id, "karpenter", karpenterPorts.metrics, "reads an operator's metrics")] : []),
    ]);
    const leaks = closed
        ? [...clients, ...mlops.map((ns) => `serving@${ns}`)].flatMap((id) => [
              flow(id, "kubernetes-api", 443, "workloads have no API access outside the open posture"),
              flow(id, "nodes", 10250, "reaches a kubelet"),
          ])
        : [];
    // Under restricted egress no workload reaches the internet; with kind s3 only labelled S3 clients reach 443 out.
    if (config.network.egress === "restricted") {
        const unlabelled = [
            ...workloads.map((ns) => `app@${ns}`),
            ...(minio ? mlops.flatMap((ns) => [`mlflow@${ns}`, `workflow@${ns}`]) : []),
        ];
        leaks.push(...unlabelled.map((id) => flow(id, "internet", 443, "restricted egress: no internet")));
    }
    const denied = dedupe([
        ...bypass,
        ...internals,
        ...leaks,
        // S3 has no addresses a NetworkPolicy can name, so a database that backs up reaches HTTPS out, and nothing else.
        backups
            ? flow("postgres", "internet", 80, "the database reaches only HTTPS (S3) outside the cluster")
            : flow("postgres", "internet", 443, "the database never reaches the internet"),
    ]);
    return { components, required, denied };
}

function dedupe(flows: DeclaredFlow[]): DeclaredFlow[] {
    const seen = new Set<string>();
    return flows.filter((f) => {
        const key = `${f.from}>${f.to}:${f.port}`;
        return seen.has(key) ? false : (seen.add(key), true);
    });
}

/** The evaluator's input for a declared flow; throws on an unknown component (a typo in the table). */
export function toFlow(model: NetworkModel, f: DeclaredFlow): Flow {
    const end = (id: string) => {
        const c = model.components[id];
        if (!c) throw new Error(`flow ${f.from} → ${f.to}: unknown component ${id}`);
        return c;
    };
    return { from: end(f.from), to: end(f.to), port: f.port, protocol: f.protocol ?? "TCP" };
}

export interface FlowResult {
    flow: DeclaredFlow;
    verdict: Verdict;
    ok: boolean;
}

/** Every declared flow judged against a cluster's policies: required ones must be allowed for all addresses, denied ones for none. */
export function checkFlows(model: NetworkModel, view: ClusterView): { required: FlowResult[]; denied: FlowResult[] } {
    const judge = (f: DeclaredFlow, want: "all" | "none"): FlowResult => {
        const verdict = evaluate(toFlow(model, f), view);
        return { flow: f, verdict, ok: verdict.level === want };
    };
    return { required: model.required.map((f) => judge(f, "all")), denied: model.denied.map((f) => judge(f, "none")) };
}

/** A failed check as one line: the flow, what was expected and what each direction allowed. */
export function describe(r: FlowResult, expected: "allowed" | "denied"): string {
    const f = r.flow;
    return `${f.from} → ${f.to}:${f.port}/${f.protocol ?? "TCP"} (${f.why}) should be ${expected}: egress ${r.verdict.egress}, ingress ${r.verdict.ingress}`;
}

/**
 * The required flows as a Markdown table, one row per destination, port and reason with every
 * source listed (the README's flow table is this output for prod).
 */
export function flowTableMarkdown(model: NetworkModel): string {
    const rows = new Map<string, { to: string; port: string; why: string; from: string[] }>();
    for (const f of model.required) {
        const port = `${f.port}/${f.protocol ?? "TCP"}`;
        const key = `${f.to}|${port}|${f.why}`;
        if (!rows.has(key)) rows.set(key, { to: f.to, port, why: f.why, from: [] });
        rows.get(key)!.from.push(f.from);
    }
    const lines = [...rows.values()].map((r) => `| ${r.from.join(", ")} | ${r.to} | ${r.port} | ${r.why} |`);
    return ["| from | to | port | why |", "| --- | --- | --- | --- |", ...lines].join("\n");
}
