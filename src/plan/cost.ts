import { InstanceType, prices } from "../config/catalog";
import { findResource, ofType, ResourceRecord } from "../synth/inventory";

/** Monthly cost of one line of the estimate at the pools' minimum and maximum sizes (USD). */
export interface CostLine {
    item: string;
    min: number;
    max: number;
    detail: string;
}

export interface CostEstimate {
    lines: CostLine[];
    min: number;
    max: number;
}

const month = (hourly: number) => hourly * prices.hoursPerMonth;
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * The monthly cost of an inventory, read from its resources and the catalog's prices: every node
 * pool at its minimum and maximum size (first instance type, with its root volumes), the EKS
 * control plane, NAT gateways, load balancers, persistent volumes and KMS keys. A GPU pool at
 * minimum 0 costs 0 while idle.
 */
export function estimateCost(resources: readonly ResourceRecord[]): CostEstimate {
    const lines: CostLine[] = [];
    for (const group of ofType(resources, "aws:eks/nodeGroup:NodeGroup")) {
        const scaling = group.inputs.scalingConfig as { minSize: number; maxSize: number };
        const type = (group.inputs.instanceTypes as InstanceType[])[0];
        const hourly = prices.instanceHourly[type];
        if (hourly === undefined) throw new Error(`no price for ${type} in the catalog`);
        const template = findResource(resources, "aws:ec2/launchTemplate:LaunchTemplate", group.name);
        const diskGiB = (template.inputs.blockDeviceMappings as { ebs: { volumeSize: number } }[])[0].ebs.volumeSize;
        const perNode = month(hourly) + diskGiB * prices.gp3GiBMonth;
        const pool = String((group.inputs.labels as Record<string, string>)["platform.company.io/pool"] ?? group.name);
        lines.push({
            item: `node pool ${pool}`,
            min: round(scaling.minSize * perNode),
            max: round(scaling.maxSize * perNode),
            detail: `${scaling.minSize}–${scaling.maxSize} × ${type} ($${hourly}/h) + ${diskGiB} GiB gp3 each`,
        });
    }
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
        `${volumeGiB} GiB gp3 (databases, object store, metrics)`,
    );
    const keys = ofType(resources, "aws:kms/key:Key").length;
    fixed("KMS keys", keys, prices.kmsKeyMonth, `${keys} × $${prices.kmsKeyMonth}/month`);
    return { lines, min: round(lines.reduce((s, l) => s + l.min, 0)), max: round(lines.reduce((s, l) => s + l.max, 0)) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
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

/** Load balancers the charts' Ingresses make: ArgoCD's server and Grafana, one ALB each. */
function chartIngresses(resources: readonly ResourceRecord[]): number {
    const argocd = helmValues(resources, "argo-cd").filter((v) => v.server?.ingress?.enabled).length;
    const grafana = helmValues(resources, "kube-prometheus-stack").filter((v) => v.grafana?.ingress?.enabled).length;
    return argocd + grafana;
}

/** `500Gi` → 500, `1Ti` → 1024, `512Mi` → 0.5. */
export function toGiB(quantity: string): number {
    const match = /^(\d+(?:\.\d+)?)(Mi|Gi|Ti)?$/.exec(quantity);
    if (!match) throw new Error(`unsupported storage quantity ${quantity}`);
    const factor = { Mi: 1 / 1024, Gi: 1, Ti: 1024 }[match[2] ?? "Gi"] ?? 1;
    return Number(match[1]) * factor;
}
