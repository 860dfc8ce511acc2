import { strict as assert } from "node:assert";
import { diffPlans, exitCode, Operation, PlanDiff } from "../../src/plan/diff";
import { renderDiff } from "../../src/plan/render-diff";
import { ResourceRecord } from "../../src/synth/inventory";
import { runStack, StackRun } from "../../src/synth/mock-runtime";
import { readStackConfig } from "../../src/synth/stack-files";
import { editConfig } from "../harness";

/*
 * The day-2 table: realistic changes to prod, each rendered as the working tree against prod as
 * deployed, with the verdict `npm run diff` must give. Config edits run the real program; chart
 * and version bumps that live in code edit the rendered inventory (the catalog is code).
 */

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const stack = "prod";
const prod = JSON.parse(JSON.stringify(readStackConfig(stack).config)) as Record<string, string>;
/**
 * The node-group cases run on prod with its Karpenter pools (compute, gpu) kept as managed node
 * groups, as a stack may: maxSize from the pool's limit over its first type, minSize 1 (compute) and
 * 0 (GPU). Karpenter pools have no node group; their day-2 changes are NodePool updates.
 */
function asManaged(c: Values): void {
    const { shapeOf } = require("../../src/config/catalog") as typeof import("../../src/config/catalog"); // eslint-disable-line @typescript-eslint/no-require-imports
    for (const name of ["compute", "gpu"]) {
        const p = { ...c.nodePools[name] };
        if (p.provisioner !== "karpenter") continue;
        const per = p.gpu ? shapeOf(p.instanceTypes[0]).gpus : shapeOf(p.instanceTypes[0]).vcpu;
        const cap = p.gpu ? p.limits.gpus : p.limits.vcpus;
        delete p.limits;
        delete p.disruption;
        c.nodePools[name] = { ...p, provisioner: "managed", minSize: p.gpu ? 0 : 1, maxSize: Math.floor(cap / per) };
    }
}
const pools = (() => {
    const values = { nodePools: JSON.parse(prod["ml-platform:nodePools"]) as Values };
    asManaged(values);
    return values.nodePools;
})();
const pg = JSON.parse(prod["ml-platform:postgresql"]) as Values;
const cluster = JSON.parse(prod["ml-platform:cluster"]) as Values;
const store = JSON.parse(prod["ml-platform:objectStore"]) as Values;
const [major, minor] = String(cluster.kubernetesVersion).split(".").map(Number);

interface Case {
    change: string;
    /** Config edit of the working tree (the real program renders it). */
    edit?: (c: Values) => void;
    /** Or an edit of the rendered working-tree inventory (changes that live in code). */
    mutate?: (resources: ResourceRecord[]) => void;
    /** Also edit the base (what is deployed). */
    mutateBase?: (resources: ResourceRecord[]) => void;
    editBase?: (c: Values) => void;
    verdict: 0 | 2;
    /** Resource name → the operation it must see. */
    ops: Record<string, Operation>;
    /** Resource names that must be named as refused (verdict 2). */
    refused?: string[];
}

const clone = (rs: readonly ResourceRecord[]) => JSON.parse(JSON.stringify(rs)) as ResourceRecord[];
const named = (rs: ResourceRecord[], type: string, name: string) => rs.find((r) => r.type === type && r.name === name)!;
const release = (rs: ResourceRecord[], name: string) => named(rs, "kubernetes:helm.sh/v3:Release", name);
const bumpPatch = (v: string) => v.replace(/(\d+)$/, (n) => String(Number(n) + 1));
const bumpMajor = (v: string) => v.replace(/^(v?)(\d+)\..*$/, (_, p, n) => `${p}${Number(n) + 1}.0.0`);

const cases: Case[] = [
    {
        change: "raise compute minSize above the running desired size (the issue's case)",
        edit: (c) => (c.nodePools.compute.minSize = pools.compute.minSize + 3),
        verdict: 2,
        ops: { "nodes-compute": "update" },
        refused: ["nodes-compute"],
    },
    {
        change: "raise compute minSize with desiredSize pinned to it",
        edit: (c) => {
            c.nodePools.compute.minSize = pools.compute.minSize + 3;
            c.nodePools.compute.desiredSize = pools.compute.minSize + 3;
        },
        verdict: 0,
        ops: { "nodes-compute": "update" },
    },
    {
        change: "raise compute maxSize",
        edit: (c) => (c.nodePools.compute.maxSize = pools.compute.maxSize + 10),
        verdict: 0,
        ops: { "nodes-compute": "update" },
    },
    {
        change: "lower gpu maxSize below what the autoscaler may run",
        edit: (c) => {
            c.nodePools.gpu.maxSize = pools.gpu.maxSize - 1;
            // Namespace GPU quotas may not exceed what the pools can advertise (config rule, issue 19).
            for (const ns of Object.values(c.namespaces) as Values[]) ns.quota.gpus = Math.min(ns.quota.gpus ?? 0, pools.gpu.maxSize - 1);
        },
        verdict: 2,
        ops: { "nodes-gpu": "update" },
        refused: ["nodes-gpu"],
    },
    {
        change: "change the compute pool's instance type (new node group)",
        edit: (c) => (c.nodePools.compute.instanceTypes = ["m7i.xlarge"]),
        verdict: 0,
        ops: { "nodes-compute": "replace" },
    },
    {
        change: "upgrade Kubernetes one minor version (one config line)",
        edit: (c) => (c.cluster.kubernetesVersion = `${major}.${minor + 1}`),
        verdict: 0,
        ops: { "cluster-eks": "update", "cluster-kube-proxy": "update", "nodes-compute": "update", "cluster-autoscaler": "update" },
    },
    {
        change: "downgrade Kubernetes",
        edit: (c) => (c.cluster.kubernetesVersion = `${major}.${minor - 1}`),
        verdict: 2,
        ops: { "cluster-eks": "update" },
        refused: ["cluster-eks"],
    },
    {
        change: "skip a Kubernetes minor version",
        editBase: (c) => (c.cluster.kubernetesVersion = `${major}.${minor - 1}`),
        edit: (c) => (c.cluster.kubernetesVersion = `${major}.${minor + 1}`),
        verdict: 2,
        ops: { "cluster-eks": "update" },
        refused: ["cluster-eks"],
    },
    {
        change: "shrink the PostgreSQL volumes",
        edit: (c) => (c.postgresql.storageGiB = pg.storageGiB - 100),
        verdict: 2,
        ops: { postgres: "update" },
        refused: ["postgres"],
    },
    {
        change: "grow the PostgreSQL volumes",
        edit: (c) => (c.postgresql.storageGiB = pg.storageGiB + 100),
        verdict: 0,
        ops: { postgres: "update" },
    },
    {
        change: "change the number of MinIO servers of the existing pool",
        edit: (c) => (c.objectStore.servers = store.servers * 2),
        verdict: 2,
        ops: { "minio-tenant": "update" },
        refused: ["minio-tenant"],
    },
    {
        change: "rotate the sealing key (append a generation)",
        edit: (c) => (c.secrets.sealingKeys = [...(c.secrets.sealingKeys ?? ["initial"]), "2026-12"]),
        verdict: 0,
        ops: { "sealing-key-2026-12": "create" },
    },
    {
        change: "remove a sealing-key generation",
        editBase: (c) => (c.secrets.sealingKeys = [...(c.secrets.sealingKeys ?? ["initial"]), "2026-12"]),
        verdict: 2,
        ops: { "sealing-key-2026-12": "delete" },
        refused: ["sealing-key-2026-12"],
    },
    {
        change: "rename a registry (deletes a protected repository)",
        edit: (c) => {
            c.registries.pipelines = c.registries["data-pipelines"];
            delete c.registries["data-pipelines"];
        },
        verdict: 2,
        ops: { "registries-pipelines": "create", "registries-data-pipelines": "delete" },
        refused: ["registries-data-pipelines"],
    },
    {
        change: "add a registry",
        edit: (c) => (c.registries["feature-store"] = {}),
        verdict: 0,
        ops: { "registries-feature-store": "create" },
    },
    {
        change: "change the VPC CIDR (a new VPC under a running cluster)",
        edit: (c) => (c.network.vpcCidr = "10.31.0.0/16"),
        verdict: 2,
        ops: { "network-vpc": "replace" },
        refused: ["network-vpc"],
    },
    {
        change: "switch the object store from MinIO to S3 (deletes the protected tenant)",
        edit: (c) => {
            c.objectStore = { kind: "s3", buckets: c.objectStore.buckets };
        },
        verdict: 2,
        ops: { "minio-tenant": "delete" },
        refused: ["minio-tenant"],
    },
    {
        change: "shorten backup retention",
        edit: (c) => (c.postgresql.backup.retentionDays = pg.backup.retentionDays - 7),
        verdict: 0,
        ops: { "postgres-backups": "update" },
    },
    {
        change: "bump a chart's patch version (argo-cd)",
        mutate: (rs) => (release(rs, "argocd").inputs.version = bumpPatch(String(release(rs, "argocd").inputs.version))),
        verdict: 0,
        ops: { argocd: "update" },
    },
    {
        change: "bump kube-prometheus-stack a major version (CRDs by hand)",
        mutate: (rs) => {
            const r = release(rs, "kube-prometheus-stack");
            r.inputs.version = bumpMajor(String(r.inputs.version));
        },
        verdict: 0,
        ops: { "kube-prometheus-stack": "update" },
    },
    {
        change: "ask the existing PostgreSQL cluster to recover from a backup (restores nothing)",
        mutate: (rs) => {
            const spec = named(rs, "kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres").inputs.spec as Values;
            spec.bootstrap = { recovery: { source: "origin" } };
        },
        verdict: 2,
        ops: { postgres: "update" },
        refused: ["postgres"],
    },
    {
        change: "rename the PostgreSQL cluster object (replaces the database)",
        mutate: (rs) => ((named(rs, "kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres").inputs.metadata as Values).name = "postgres-2"),
        verdict: 2,
        ops: { postgres: "replace" },
        refused: ["postgres"],
    },
];

const runs = new Map<string, Promise<StackRun>>();

/** The working tree rendered with a config edit; memoised by the edit's overrides. */
async function render(edit: ((c: Values) => void) | undefined): Promise<StackRun> {
    const overrides = editConfig(stack, (c) => {
        asManaged(c);
        edit?.(c);
    });
    const key = JSON.stringify(overrides);
    if (!runs.has(key)) runs.set(key, runStack(stack, { overrides }));
    const run = await runs.get(key)!;
    if (run.error) throw run.error;
    return run;
}

async function diffOf(c: Case): Promise<PlanDiff> {
    const base = await render(c.editBase);
    const head = await render(c.edit);
    const [baseResources, headResources] = [clone(base.resources), clone(head.resources)];
    c.mutateBase?.(baseResources);
    c.mutate?.(headResources);
    const ignoreChanges = Object.fromEntries(Object.entries(head.options).map(([urn, o]) => [urn, o.ignoreChanges]));
    return diffPlans({ resources: baseResources }, { resources: headResources, ignoreChanges });
}

describe("plan/diff: the day-2 table (prod)", function () {
    this.timeout(300_000);
    for (const c of cases) {
        it(`${c.change} → ${c.verdict === 0 ? "safe" : "refused"}`, async () => {
            const diff = await diffOf(c);
            const text = renderDiff(stack, "base", diff);
            for (const [name, op] of Object.entries(c.ops)) {
                const found = diff.changes.find((ch) => ch.name === name);
                assert.equal(found?.op, op, `${name} should ${op}:\n${text}`);
            }
            assert.equal(exitCode(diff), c.verdict, text);
            const refused = [...new Set(diff.blocked.map((b) => b.change.name))];
            for (const name of c.refused ?? []) assert.ok(refused.includes(name), `${name} is named as refused:\n${text}`);
            if (c.verdict === 2) assert.match(text, /Verdict: refused/);
        });
    }

    it("has at least fifteen changes, both verdicts", () => {
        assert.ok(cases.length >= 15);
        assert.ok(cases.some((c) => c.verdict === 0) && cases.some((c) => c.verdict === 2));
    });

    it("shows a Kubernetes upgrade in order: control plane, EKS add-ons, node groups", async () => {
        const diff = await diffOf(cases.find((c) => c.change.startsWith("upgrade Kubernetes"))!);
        const order = diff.changes.map((c) => c.name);
        const at = (name: string) => order.indexOf(name);
        assert.ok(at("cluster-eks") >= 0 && at("cluster-eks") < at("cluster-kube-proxy"), order.join(", "));
        assert.ok(at("cluster-kube-proxy") < at("nodes-compute"), order.join(", "));
        assert.ok(at("nodes-compute") < at("addons-coredns") || at("addons-coredns") < 0, order.join(", "));
    });

    it("prints the fix for the minSize raise and the Helm CRD step for kube-prometheus-stack", async () => {
        const minSize = renderDiff(stack, "base", await diffOf(cases[0]));
        assert.match(minSize, new RegExp(`set nodePools\\.compute\\.desiredSize: ${pools.compute.minSize + 3}`));
        const chart = renderDiff(stack, "base", await diffOf(cases.find((c) => c.change.includes("kube-prometheus-stack"))!));
        assert.match(chart, /crds\/, which Helm installs but never upgrades/);
        assert.match(chart, /major version/);
    });
});
