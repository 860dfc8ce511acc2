import { shapeOf } from "../config/catalog";
import { hoursPerMonth, instanceHourly, pricesFor, RegionPrices, spotDiscount } from "../config/prices";
import { findResource, ofType, ResourceRecord } from "../synth/inventory";

/** Monthly cost of one line of the estimate at the pools' minimum and maximum sizes (USD). */
export interface CostLine {
    item: string;
    min: number;
    max: number;
    detail: string;
    /** True where the figure rests on an estimate rather than a list price (spot capacity). */
    estimate?: boolean;
}

export interface CostEstimate {
    /** The AWS region priced, and the date and source of its prices. */
    region: string;
    asOf: string;
    source: string;
    lines: CostLine[];
    min: number;
    max: number;
}

const month = (hourly: number) => hourly * hoursPerMonth;
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * The region an inventory is in, read from its subnets' availability zones (`us-east-1a` →
 * `us-east-1`). Throws when there is no subnet or the zones disagree.
 */
export function regionOf(resources: readonly ResourceRecord[]): string {
    const regions = new Set(
        ofType(resources, "aws:ec2/subnet:Subnet").map((s) => String(s.inputs.availabilityZone ?? "").replace(/[a-z]$/, "")),
    );
    if (regions.size !== 1 || regions.has("")) {
        throw new Error(`cannot tell the inventory's region from its subnets' zones (found: ${[...regions].join(", ") || "none"})`);
    }
    return [...regions][0];
}

/**
 * The monthly cost of an inventory at its region's prices (src/config/prices.ts): every node pool
 * at its minimum size priced at its cheapest instance type and at its maximum size at its dearest
 * (the autoscaler may pick either), spot pools at the dated spot discount and marked as an
 * estimate, each node with its root volume; the EKS control plane, NAT gateways, load balancers,
 * persistent volumes and KMS keys. A GPU pool at minimum 0 costs 0 while idle. Throws, naming
 * it, for a region or instance type without a price.
 */
export function estimateCost(resources: readonly ResourceRecord[], region = regionOf(resources)): CostEstimate {
    const prices: RegionPrices = pricesFor(region);
    const lines: CostLine[] = [];
    for (const group of ofType(resources, "aws:eks/nodeGroup:NodeGroup")) {
        const scaling = group.inputs.scalingConfig as { minSize: number; maxSize: number };
        const capacity = group.inputs.capacityType === "SPOT" ? "SPOT" : "ON_DEMAND";
        const priced = (group.inputs.instanceTypes as string[])
            .map((type) => ({ type, hourly: instanceHourly(region, type, capacity) }))
            .sort((a, b) => a.hourly - b.hourly);
        const [cheapest, dearest] = [priced[0], priced[priced.length - 1]];
        const template = findResource(resources, "aws:ec2/launchTemplate:LaunchTemplate", group.name);
        const diskGiB = (template.inputs.blockDeviceMappings as { ebs: { volumeSize: number } }[])[0].ebs.volumeSize;
        const perNode = (hourly: number) => month(hourly) + diskGiB * prices.gp3GiBMonth;
        const pool = String((group.inputs.labels as Record<string, string>)["platform.company.io/pool"] ?? group.name);
        const types =
            priced.length === 1
                ? `${cheapest.type} ($${cheapest.hourly}/h)`
                : `${cheapest.type} ($${cheapest.hourly}/h) at min … ${dearest.type} ($${dearest.hourly}/h) at max`;
        const spot =
            capacity === "SPOT"
                ? `, SPOT estimate: on-demand less the ${spotDiscount.asOf} median discount (${(group.inputs.instanceTypes as string[])
                      .map((t) => `${t.split(".")[0]} −${Math.round((spotDiscount.byFamily[t.split(".")[0]] ?? 0) * 100)}%`)
                      .filter((v, i, all) => all.indexOf(v) === i)
                      .join(", ")})`
                : "";
        lines.push({
            item: `node pool ${pool}${capacity === "SPOT" ? " (SPOT)" : ""}`,
            min: round(scaling.minSize * perNode(cheapest.hourly)),
            max: round(scaling.maxSize * perNode(dearest.hourly)),
            detail: `${scaling.minSize}–${scaling.maxSize} × ${types} + ${diskGiB} GiB gp3 each${spot}`,
            ...(capacity === "SPOT" ? { estimate: true } : {}),
        });
    }
    lines.push(...karpenterPoolCosts(resources, region, prices));
    const fixed = (item: string, count: number, monthly: number, detail: string) => {
        if (count > 0) lines.push({ item, min: round(count * monthly), max: round(count * monthly), detail });
    };
    fixed(
        "EKS control plane",
        ofType(resources, "aws:eks/cluster:Cluster").length,
        month(prices.eksClusterHourly),
        `$${prices.eksClusterHourly}/h`,
    );
    const nats = ofType(resources, "aws:ec2/natGateway:NatGateway").length;
    fixed("NAT gateways", nats, month(prices.natGatewayHourly), `${nats} × $${prices.natGatewayHourly}/h, before data processing`);
    const lbs =
        ofType(resources, "aws:lb/loadBalancer:LoadBalancer").length +
        ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress").length +
        chartIngresses(resources);
    fixed("load balancers", lbs, month(prices.loadBalancerHourly), `${lbs} × $${prices.loadBalancerHourly}/h, before LCUs`);
    const volumeGiB = persistentVolumeGiB(resources);
    fixed(
        "persistent volumes",
        volumeGiB > 0 ? 1 : 0,
        volumeGiB * prices.gp3GiBMonth,
        `${volumeGiB} GiB gp3 at $${prices.gp3GiBMonth}/GiB-month (databases, object store, metrics)`,
    );
    const keys = ofType(resources, "aws:kms/key:Key").length;
    fixed("KMS keys", keys, prices.kmsKeyMonth, `${keys} × $${prices.kmsKeyMonth}/month`);
    return {
        region,
        asOf: prices.asOf,
        source: prices.source,
        lines,
        min: round(lines.reduce((s, l) => s + l.min, 0)),
        max: round(lines.reduce((s, l) => s + l.max, 0)),
    };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * Karpenter NodePools: the minimum is what the NodePool keeps when nothing is pending — nothing (a
 * NodePool has no minimum; consolidation removes idle nodes). The maximum is its limits filled
 * with its dearest type per unit: per GPU for a `nvidia.com/gpu` limit, per vCPU for a `cpu` limit
 * (whole nodes: the limit divided by the type's units, rounded down, as Karpenter stops launching
 * once the next node would pass the limit), each with its root volume from the EC2NodeClass.
 */
export function karpenterPoolCosts(resources: readonly ResourceRecord[], region: string, prices: RegionPrices): CostLine[] {
    const classes = ofType(resources, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass");
    return ofType(resources, "kubernetes:karpenter.sh/v1:NodePool").map((np) => {
        const spec = np.inputs.spec as Json;
        const name = String((np.inputs.metadata as Json)?.name ?? np.name);
        const requirements = (spec.template.spec.requirements as Json[]) ?? [];
        const types = (requirements.find((r) => r.key === "node.kubernetes.io/instance-type")?.values as string[]) ?? [];
        const spot = requirements.find((r) => r.key === "karpenter.sh/capacity-type")?.values?.includes("spot") === true;
        const capacity = spot ? "SPOT" : "ON_DEMAND";
        const limits = (spec.limits ?? {}) as Record<string, string>;
        const unit = limits["nvidia.com/gpu"] !== undefined ? "GPU" : "vCPU";
        const cap = Number(unit === "GPU" ? limits["nvidia.com/gpu"] : limits.cpu);
        const nodeClass = classes.find((c) => (c.inputs.metadata as Json)?.name === spec.template.spec.nodeClassRef.name);
        const diskGiB = toGiB(String((nodeClass?.inputs.spec as Json)?.blockDeviceMappings?.[0]?.ebs?.volumeSize ?? "0Gi"));
        const priced = types
            .map((type) => {
                const units = unit === "GPU" ? shapeOf(type).gpus : shapeOf(type).vcpu;
                const hourly = instanceHourly(region, type, capacity);
                return { type, units, hourly, perUnit: hourly / units };
            })
            .sort((a, b) => a.perUnit - b.perUnit);
        const dearest = priced[priced.length - 1];
        const nodes = Number.isFinite(cap) && dearest ? Math.floor(cap / dearest.units) : 0;
        const max = nodes * (month(dearest?.hourly ?? 0) + diskGiB * prices.gp3GiBMonth);
        return {
            item: `node pool ${name} (Karpenter${spot ? ", SPOT" : ""})`,
            min: 0,
            max: round(max),
            detail: `0 idle … limit ${cap} ${unit} = ${nodes} × ${dearest?.type} ($${dearest?.hourly}/h, dearest per ${unit}) + ${diskGiB} GiB gp3 each`,
            ...(spot ? { estimate: true } : {}),
        };
    });
}
const claimGiB = (template: Json) => toGiB(template?.spec?.resources?.requests?.storage ?? "0");

/**
 * GiB of the volumes the stack asks for: its PersistentVolumeClaims, and the claims operators and
 * charts make from what it declares — every PostgreSQL instance's data and WAL volume, every MinIO
 * drive, and kube-prometheus-stack's Prometheus, Alertmanager and Grafana volumes.
 */
export function persistentVolumeGiB(resources: readonly ResourceRecord[]): number {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const inputs = (type: string) => ofType(resources, type).map((r) => r.inputs as Json);
    const pvcs = inputs("kubernetes:core/v1:PersistentVolumeClaim").map((pvc) => claimGiB(pvc));
    const postgres = inputs("kubernetes:postgresql.cnpg.io/v1:Cluster").map(
        ({ spec }) => spec.instances * (toGiB(spec.storage?.size ?? "0") + toGiB(spec.walStorage?.size ?? "0")),
    );
    const minio = inputs("kubernetes:minio.min.io/v2:Tenant").flatMap(({ spec }) =>
        (spec.pools as Json[]).map((pool) => pool.servers * pool.volumesPerServer * claimGiB(pool.volumeClaimTemplate)),
    );
    const monitoring = helmValues(resources, "kube-prometheus-stack").map((v) => {
        const prometheus = v.prometheus?.prometheusSpec ?? {};
        const alertmanager = v.alertmanager?.alertmanagerSpec ?? {};
        return (
            (prometheus.replicas ?? 1) * claimGiB(prometheus.storageSpec?.volumeClaimTemplate) +
            (alertmanager.replicas ?? 1) * claimGiB(alertmanager.storage?.volumeClaimTemplate) +
            (v.grafana?.persistence?.enabled ? toGiB(v.grafana.persistence.size ?? "0") : 0)
        );
    });
    return sum([...pvcs, ...postgres, ...minio, ...monitoring]);
}

/** Helm values of the inventory's releases of a chart. */
function helmValues(resources: readonly ResourceRecord[], chart: string): Json[] {
    return ofType(resources, "kubernetes:helm.sh/v3:Release")
        .filter((r) => r.inputs.chart === chart)
        .map((r) => r.inputs.values as Json);
}

/** Load balancers the charts' Ingresses make: ArgoCD's server, Grafana, MLflow, the Argo Rollouts dashboard and the Argo Workflows server, one ALB each. */
function chartIngresses(resources: readonly ResourceRecord[]): number {
    const argocd = helmValues(resources, "argo-cd").filter((v) => v.server?.ingress?.enabled).length;
    const grafana = helmValues(resources, "kube-prometheus-stack").filter((v) => v.grafana?.ingress?.enabled).length;
    const mlflow = helmValues(resources, "mlflow").filter((v) => v.ingress?.enabled).length;
    const rollouts = helmValues(resources, "argo-rollouts").filter((v) => v.dashboard?.ingress?.enabled).length;
    const workflows = helmValues(resources, "argo-workflows").filter((v) => v.server?.ingress?.enabled).length;
    return argocd + grafana + mlflow + rollouts + workflows;
}

/** `500Gi` → 500, `1Ti` → 1024, `512Mi` → 0.5. */
export function toGiB(quantity: string): number {
    const match = /^(\d+(?:\.\d+)?)(Mi|Gi|Ti)?$/.exec(quantity);
    if (!match) throw new Error(`unsupported storage quantity ${quantity}`);
    const factor = { Mi: 1 / 1024, Gi: 1, Ti: 1024 }[match[2] ?? "Gi"] ?? 1;
    return Number(match[1]) * factor;
}
