import { ResourceRecord } from "../synth/inventory";
import { toGiB } from "./cost";
import { immutableFields } from "./replace-rules";

/**
 * Changes the cloud or the cluster would refuse, or that need a step by hand, found by comparing
 * one resource's inputs at the base and in the working tree. Each check encodes one upstream rule
 * and names its source.
 */

/** One finding about a change: `rejected` makes `npm run diff` exit 2; `warning` is printed only. */
export interface Finding {
    severity: "rejected" | "warning";
    message: string;
    /** What to do instead, when there is a known way. */
    fix?: string;
    source: string;
}

/** What a check sees: both sides of one resource (same URN) and the working tree's ignoreChanges. */
export interface CheckInput {
    base: ResourceRecord;
    head: ResourceRecord;
    ignoreChanges: readonly string[];
}

type Check = (input: CheckInput) => Finding[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const at = (value: Json, path: string): Json => path.split(".").reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
const poolOf = (r: ResourceRecord) =>
    String((r.inputs.labels as Record<string, string> | undefined)?.["platform.company.io/pool"] ?? r.name);

/**
 * EKS managed node groups: with `scalingConfig.desiredSize` in ignoreChanges, an update sends the
 * running desired size, which the autoscaler keeps between the base's minSize and maxSize. EKS
 * refuses min > desired and desired > max (UpdateNodegroupConfig; "Minimum capacity 8 can't be
 * greater than desired size 5"). Pinning desiredSize for the deploy sends a valid size instead.
 */
const nodeGroupScaling: Check = ({ base, head, ignoreChanges }) => {
    const before = base.inputs.scalingConfig as { minSize: number; maxSize: number };
    const after = head.inputs.scalingConfig as { minSize: number; maxSize: number; desiredSize: number };
    const pool = poolOf(head);
    const source = "EKS API UpdateNodegroupConfig (minSize ≤ desiredSize ≤ maxSize); STYLE: the autoscaler owns desiredSize";
    const desiredIgnored = ignoreChanges.includes("scalingConfig.desiredSize");
    const out: Finding[] = [];
    if (!desiredIgnored) {
        out.push({
            severity: "warning",
            message: `desiredSize is pinned to ${after.desiredSize}: this deploy sets the pool to ${after.desiredSize} nodes, whatever the autoscaler chose`,
            fix: `remove nodePools.${pool}.desiredSize after this deploy to hand the size back to the cluster autoscaler`,
            source,
        });
        return out;
    }
    if (after.minSize > before.minSize) {
        out.push({
            severity: "rejected",
            message: `minSize ${before.minSize} → ${after.minSize}: EKS refuses a minimum above the running desired size, which may be as low as ${before.minSize} (the desired size is not sent: the autoscaler owns it)`,
            fix: `set nodePools.${pool}.desiredSize: ${after.minSize} in the same change (sent on every deploy while set; remove it after this one)`,
            source,
        });
    }
    if (after.maxSize < before.maxSize) {
        out.push({
            severity: "rejected",
            message: `maxSize ${before.maxSize} → ${after.maxSize}: EKS refuses a maximum below the running desired size, which may be as high as ${before.maxSize}`,
            fix: `set nodePools.${pool}.desiredSize: ${after.maxSize} (or less) in the same change, then remove it after the deploy`,
            source,
        });
    }
    return out;
};

/** `1.34` → [1, 34]. */
function minor(version: unknown): [number, number] | undefined {
    const m = /^(\d+)\.(\d+)/.exec(String(version ?? ""));
    return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** EKS upgrades the control plane one minor version at a time and never downgrades (EKS user guide, "Update existing cluster to new Kubernetes version"). */
const eksVersion: Check = ({ base, head }) => {
    const [from, to] = [minor(base.inputs.version), minor(head.inputs.version)];
    if (!from || !to || (from[0] === to[0] && from[1] === to[1])) return [];
    const source = "EKS user guide, 'Update existing cluster to new Kubernetes version': one minor at a time, no downgrade";
    if (to[0] !== from[0] || to[1] < from[1]) {
        return [
            {
                severity: "rejected",
                message: `Kubernetes ${base.inputs.version} → ${head.inputs.version}: EKS cannot downgrade a cluster`,
                source,
            },
        ];
    }
    if (to[1] - from[1] > 1) {
        return [
            {
                severity: "rejected",
                message: `Kubernetes ${base.inputs.version} → ${head.inputs.version} skips ${to[1] - from[1] - 1} minor version(s): EKS upgrades one minor version at a time`,
                fix: `upgrade to ${from[0]}.${from[1] + 1} first, deploy, then continue (docs/upgrades.md)`,
                source,
            },
        ];
    }
    return [
        {
            severity: "warning",
            message: `Kubernetes ${base.inputs.version} → ${head.inputs.version}: the control plane upgrades first, then the add-ons, then each node group rolls its nodes`,
            fix: "read docs/upgrades.md (deprecated APIs, PodDisruptionBudgets that block draining)",
            source,
        },
    ];
};

/** A storage quantity at a path that must not shrink. */
function shrink(base: ResourceRecord, head: ResourceRecord, path: string, source: string): Finding[] {
    const [before, after] = [at(base.inputs, path), at(head.inputs, path)];
    if (typeof before !== "string" || typeof after !== "string") return [];
    if (toGiB(after) >= toGiB(before)) return [];
    return [{ severity: "rejected", message: `${path} ${before} → ${after}: volumes can only grow`, source }];
}

/** PostgreSQL major version of a CloudNativePG image (`…/postgresql:18.6-system-trixie` → 18). */
function postgresMajor(image: unknown): number | undefined {
    const m = /:(\d+)(?:\.\d+)?/.exec(String(image ?? ""));
    return m ? Number(m[1]) : undefined;
}

/** CloudNativePG Cluster: the operator's webhook (internal/webhook/v1/cluster_webhook.go, 1.30). */
const cnpgCluster: Check = ({ base, head }) => {
    const webhook = "cloudnative-pg internal/webhook/v1/cluster_webhook.go (1.30)";
    const out = [...shrink(base, head, "spec.storage.size", `${webhook}: can't shrink existing storage`)];
    out.push(...shrink(base, head, "spec.walStorage.size", `${webhook}: can't shrink existing storage`));
    if (at(base.inputs, "spec.walStorage") && !at(head.inputs, "spec.walStorage")) {
        out.push({
            severity: "rejected",
            message: "spec.walStorage removed: a WAL volume cannot be removed from a running cluster",
            source: webhook,
        });
    }
    const [from, to] = [postgresMajor(at(base.inputs, "spec.imageName")), postgresMajor(at(head.inputs, "spec.imageName"))];
    if (from !== undefined && to !== undefined && to < from) {
        out.push({ severity: "rejected", message: `PostgreSQL ${from} → ${to}: a major version cannot be downgraded`, source: webhook });
    } else if (from !== undefined && to !== undefined && to > from) {
        out.push({
            severity: "warning",
            message: `PostgreSQL ${from} → ${to}: an offline major upgrade (the primary stops, pg_upgrade runs); take a backup first`,
            source: "CloudNativePG docs, 'PostgreSQL upgrades' (major upgrades since 1.26)",
        });
    }
    if (JSON.stringify(at(base.inputs, "spec.bootstrap")) !== JSON.stringify(at(head.inputs, "spec.bootstrap"))) {
        const source = "CloudNativePG docs, 'Bootstrap' (bootstrap runs once, when the cluster is created)";
        // Asking an existing cluster to recover does nothing: refuse it, so nobody believes a restore happened.
        out.push(
            at(head.inputs, "spec.bootstrap.recovery") !== undefined
                ? {
                      severity: "rejected",
                      message:
                          "spec.bootstrap.recovery set on an existing cluster: CloudNativePG bootstraps only when it creates a cluster, so this restores nothing",
                      fix: "delete the Cluster object first, or restore in a new stack (README, 'Restore PostgreSQL')",
                      source,
                  }
                : {
                      severity: "warning",
                      message: "spec.bootstrap changed on an existing cluster: no effect (bootstrap runs only at creation)",
                      source,
                  },
        );
    }
    return out;
};

/** Fields the CRDs or operators declare immutable ({@link immutableFields}). */
const immutable: Check = ({ base, head }) => {
    const out: Finding[] = [];
    for (const field of immutableFields[head.type] ?? []) {
        const paths = field.path.includes("[*]") ? expand(field.path, base.inputs, head.inputs) : [field.path];
        for (const path of paths) {
            if (JSON.stringify(at(base.inputs, path)) === JSON.stringify(at(head.inputs, path))) continue;
            if (at(base.inputs, path) === undefined) continue;
            out.push({ severity: "rejected", message: `${path} changed: the cluster refuses it`, source: field.source });
        }
    }
    return out;
};

/** `spec.pools[*].servers` → the concrete paths present on both sides (`spec.pools.0.servers`). */
function expand(path: string, a: Json, b: Json): string[] {
    const [head, ...rest] = path.split("[*]");
    const tail = rest.join("[*]");
    const n = Math.min((at(a, head) ?? []).length, (at(b, head) ?? []).length);
    return Array.from({ length: n }, (_, i) => `${head}.${i}${tail}`).flatMap((p) => (p.includes("[*]") ? expand(p, a, b) : [p]));
}

/** Persistent volume claims grow only (Kubernetes API validation of PVC updates). */
const pvc: Check = ({ base, head }) =>
    shrink(
        base,
        head,
        "spec.resources.requests.storage",
        "Kubernetes API: a PVC's storage request can only grow (ValidatePersistentVolumeClaimUpdate)",
    );

/** Major chart versions and charts whose CRDs Helm does not upgrade. */
const helmRelease: Check = ({ base, head }) => {
    const [from, to] = [String(base.inputs.version ?? ""), String(head.inputs.version ?? "")];
    if (from === to) return [];
    const out: Finding[] = [];
    const major = (v: string) => Number(/^v?(\d+)/.exec(v)?.[1] ?? NaN);
    if (major(to) !== major(from)) {
        out.push({
            severity: "warning",
            message: `chart ${head.inputs.chart} ${from} → ${to} is a major version: read its upgrade notes before deploying`,
            source: "Semantic Versioning (Helm charts version by SemVer 2)",
        });
    }
    if (chartsWithCrdsDirectory.includes(String(head.inputs.chart))) {
        out.push({
            severity: "warning",
            message: `chart ${head.inputs.chart} keeps its CRDs in crds/, which Helm installs but never upgrades`,
            fix: "apply the new chart version's CRDs with kubectl apply --server-side before the deploy (docs/upgrades.md)",
            source: "Helm docs, 'Custom Resource Definitions' (crds/ is not upgraded); kube-prometheus-stack README, 'Upgrading Chart'",
        });
    }
    return out;
};

/** Charts we install that ship CRDs in `crds/` rather than templates. */
export const chartsWithCrdsDirectory = ["kube-prometheus-stack"];

/** The checks per resource type. */
export const day2Checks: Readonly<Record<string, readonly Check[]>> = {
    "aws:eks/nodeGroup:NodeGroup": [nodeGroupScaling],
    "aws:eks/cluster:Cluster": [eksVersion],
    "kubernetes:postgresql.cnpg.io/v1:Cluster": [cnpgCluster, immutable],
    "kubernetes:postgresql.cnpg.io/v1:Database": [immutable],
    "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup": [immutable],
    "kubernetes:minio.min.io/v2:Tenant": [immutable],
    "kubernetes:core/v1:PersistentVolumeClaim": [pvc],
    "kubernetes:helm.sh/v3:Release": [helmRelease],
};

/**
 * Deleting an EKS managed node group (a pool removed, or moved to `provisioner: karpenter`): EKS
 * scales its Auto Scaling group to zero, signals a drain before each instance terminates and, after a
 * few minutes, terminates it whether or not its pods have left (Amazon EKS User Guide, "Delete a
 * managed node group from your cluster"). Pulumi deletes after it creates, so a replacing NodePool
 * exists by then; pods without a PodDisruptionBudget may still all restart at once.
 */
function nodeGroupDeleted(base: ResourceRecord): Finding[] {
    const pool = poolOf(base);
    return [
        {
            severity: "warning",
            message: `node group of pool ${pool} is deleted: its nodes are drained and terminated, and their pods restart on other capacity`,
            fix: `check that pods of pool ${pool} have PodDisruptionBudgets and somewhere to go (another pool, or a Karpenter NodePool of the same name); for a quiet move, deploy the NodePool first with the node group still in place, then remove the node group`,
            source: "Amazon EKS User Guide, 'Delete a managed node group from your cluster' (drain signalled, then terminated after a few minutes)",
        },
    ];
}

/** Findings for a resource the working tree deletes. */
export function checkDelete(base: ResourceRecord): Finding[] {
    return base.type === "aws:eks/nodeGroup:NodeGroup" ? nodeGroupDeleted(base) : [];
}

/** Every finding for one changed resource. */
export function checkChange(input: CheckInput): Finding[] {
    return (day2Checks[input.head.type] ?? []).flatMap((check) => check(input));
}
