import { countByType, ofType, ResourceRecord } from "../synth/inventory";
import { nodePools } from "../synth/summary";
import { estimateCost, regionOf } from "./cost";
import { criticalPath } from "./critical-path";

/** The facts of a plan that a reviewer compares between stacks. */
export interface PlanFacts {
    stack: string;
    /** Where and how the stack is set up: region, zones, CIDRs, endpoint, versions, domain, GitHub and GitOps sources. */
    settings: Record<string, string>;
    counts: Record<string, number>;
    pools: Record<string, string>;
    quotas: Record<string, string>;
    services: Record<string, string>;
    cost: { min: number; max: number; lines: { item: string; min: number; max: number }[] };
    criticalPathMinutes: number;
}

const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const meta = (r: ResourceRecord) => r.inputs.metadata as { name: string; namespace?: string };

export function planFacts(stack: string, resources: readonly ResourceRecord[]): PlanFacts {
    const quotas: Record<string, string> = {};
    for (const q of ofType(resources, "kubernetes:core/v1:ResourceQuota")) {
        const hard = (q.inputs.spec as { hard: Record<string, string> }).hard;
        quotas[meta(q).namespace!] =
            `${hard["requests.cpu"]} CPU / ${hard["requests.memory"]} / ${hard["requests.nvidia.com/gpu"]} GPU / ${hard.pods} pods`;
    }
    const services: Record<string, string> = {};
    for (const r of ofType(resources, "kubernetes:helm.sh/v3:Release"))
        services[r.name] = `${r.inputs.chart}@${r.inputs.version} in ${r.inputs.namespace}`;
    const cost = estimateCost(resources);
    return {
        stack,
        settings: settingsOf(resources),
        counts: Object.fromEntries(countByType(resources)),
        pools: Object.fromEntries(
            nodePools(resources).map((p) => [
                p.name,
                p.karpenter
                    ? `${p.instanceTypes.join(", ")}${p.gpu ? " (GPU)" : ""}: ${p.karpenter}`
                    : `${p.minSize}–${p.maxSize} × ${p.instanceTypes.join(", ")}${p.gpu ? " (GPU)" : ""}${spotPools(resources).has(p.name) ? " SPOT" : ""}`,
            ]),
        ),
        quotas,
        services,
        cost: { min: cost.min, max: cost.max, lines: cost.lines.map(({ item, min, max }) => ({ item, min, max })) },
        criticalPathMinutes: criticalPath(resources).minutes,
    };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Pool names whose node group runs on spot capacity. */
function spotPools(resources: readonly ResourceRecord[]): Set<string> {
    return new Set(
        ofType(resources, "aws:eks/nodeGroup:NodeGroup")
            .filter((g) => g.inputs.capacityType === "SPOT")
            .map((g) => String((g.inputs.labels as Record<string, string>)["platform.company.io/pool"] ?? g.name)),
    );
}

/**
 * The settings a reviewer compares between stacks, read from the inventory: region and zones
 * (subnets), VPC CIDR, API endpoint access, Kubernetes and add-on versions, the UI domain (ArgoCD's
 * ingress), the GitHub OIDC subjects the CI roles trust, and the GitOps repositories ArgoCD may read.
 */
export function settingsOf(resources: readonly ResourceRecord[]): Record<string, string> {
    const settings: Record<string, string> = {};
    const list = (values: unknown[]) => [...new Set(values.map(String))].sort().join(", ");
    settings.region = regionOf(resources);
    settings["availability zones"] = list(ofType(resources, "aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone));
    settings["VPC CIDR"] = list(ofType(resources, "aws:ec2/vpc:Vpc").map((v) => v.inputs.cidrBlock));
    for (const cluster of ofType(resources, "aws:eks/cluster:Cluster")) {
        const vpc = cluster.inputs.vpcConfig as Json;
        settings["Kubernetes version"] = String(cluster.inputs.version);
        settings["API endpoint"] = vpc.endpointPublicAccess ? `public from ${list(vpc.publicAccessCidrs ?? [])}` : "private";
    }
    for (const addon of ofType(resources, "aws:eks/addon:Addon"))
        settings[`add-on ${addon.inputs.addonName}`] = String(addon.inputs.addonVersion);
    const argocd = ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "argo-cd");
    const host = (argocd?.inputs.values as Json)?.server?.ingress?.hostname;
    if (host) settings.domain = String(host).replace(/^argocd\./, "");
    const subjects = ofType(resources, "aws:iam/role:Role").flatMap((r) => {
        try {
            return (JSON.parse(String(r.inputs.assumeRolePolicy)).Statement as Json[]).flatMap((st) =>
                Object.values(st.Condition ?? {}).flatMap((c: Json) => [c["token.actions.githubusercontent.com:sub"] ?? []].flat()),
            );
        } catch {
            return [];
        }
    });
    if (subjects.length > 0) settings["GitHub OIDC subjects"] = list(subjects);
    const repos = ofType(resources, "kubernetes:argoproj.io/v1alpha1:AppProject").flatMap((p) => (p.inputs.spec as Json).sourceRepos ?? []);
    if (repos.length > 0) settings["GitOps repositories"] = list(repos);
    return settings;
}

/** The plan of one stack as Markdown, readable as a PR comment. */
export function renderReport(stack: string, resources: readonly ResourceRecord[]): string {
    const facts = planFacts(stack, resources);
    const cost = estimateCost(resources);
    const path = criticalPath(resources);
    const table = (head: string[], rows: string[][]) =>
        [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
    return [
        `# Plan of stack \`${stack}\``,
        "",
        `${resources.length} resources · ${usd(cost.min)}–${usd(cost.max)} a month · ${path.minutes} minutes to create from nothing`,
        "",
        "## Node pools",
        table(["pool", "size and instance types"], Object.entries(facts.pools)),
        "",
        "## Namespaces and quotas",
        table(["namespace", "quota (requests)"], Object.entries(facts.quotas)),
        "",
        "## Services",
        table(["release", "chart, namespace"], Object.entries(facts.services)),
        "",
        `## Monthly cost (${cost.region}, prices as of ${cost.asOf}; ${cost.source})`,
        table(
            ["item", "at minimum", "at maximum", "basis"],
            [
                ...cost.lines.map((l) => [l.item, usd(l.min), usd(l.max), l.detail]),
                ["**total**", `**${usd(cost.min)}**`, `**${usd(cost.max)}**`, ""],
            ],
        ),
        "",
        ...(cost.lines.some((l) => l.estimate)
            ? [
                  "SPOT pools are an estimate: spot prices move; they are priced at on-demand less a dated median discount per family (src/config/prices.ts).",
                  "",
              ]
            : []),
        "Data transfer, NAT processing, load balancer capacity units, S3/ECR storage and CloudWatch ingestion are usage-based and not included.",
        "",
        `## Deploy critical path: ${path.minutes} minutes`,
        ...path.chain.map((c, i) => `${i + 1}. ${c.type} \`${c.name}\` — ${c.minutes} min`),
        "",
        "## Resources by type",
        table(
            ["type", "count"],
            Object.entries(facts.counts).map(([t, n]) => [t, String(n)]),
        ),
        "",
    ].join("\n");
}

/** What differs between two stacks' plans, as a Markdown table (e.g. staging vs prod). */
export function compareFacts(a: PlanFacts, b: PlanFacts): string {
    const rows: string[][] = [];
    const section = (label: string, x: Record<string, string | number>, y: Record<string, string | number>) => {
        for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
            if (x[key] !== y[key]) rows.push([label ? `${label} ${key}` : key, String(x[key] ?? "—"), String(y[key] ?? "—")]);
        }
    };
    section("", a.settings, b.settings);
    section("pool", a.pools, b.pools);
    section("quota", a.quotas, b.quotas);
    section("service", a.services, b.services);
    section("count", a.counts, b.counts);
    const summary = (f: PlanFacts) => ({
        ...Object.fromEntries(
            f.cost.lines.flatMap((l) => [
                [`cost ${l.item} at min`, usd(l.min)],
                [`cost ${l.item} at max`, usd(l.max)],
            ]),
        ),
        "monthly cost at min": usd(f.cost.min),
        "monthly cost at max": usd(f.cost.max),
        "critical path (min)": f.criticalPathMinutes,
    });
    section("", summary(a), summary(b));
    return [`| what differs | ${a.stack} | ${b.stack} |`, "|---|---|---|", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
