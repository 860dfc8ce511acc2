/**
 * Structured mutations of a stack's configuration, for the mutation test and `npm run mutate`:
 * a seeded, deterministic generator that deletes keys, changes their type, pushes numbers out of
 * range, duplicates keys in another case, adds unknown keys at every depth, and applies the fault
 * kinds the config rules exist for (names AWS or Kubernetes refuse, reserved namespaces,
 * duplicates, host bits, injections, production guarantees, YAML errors). Each mutant must be
 * refused before any resource with `<key> = <value>: <rule>`, or accepted with a clean inventory.
 */

/** Config values by key: `ml-platform:` keys short (`nodePools`), others full (`aws:region`); objects parsed. */
export type Values = Record<string, unknown>;

export interface Mutation {
    /** What kind of mutation: delete, retype, range, case, unknown, or a fault kind. */
    kind: string;
    /** A short, stable description: the path and the change. */
    title: string;
    /** Edits config values (structured mutations), or ... */
    edit?: (values: Values) => void;
    /** ... edits the stack file's text (YAML faults), which the loader reads before anything else. */
    text?: (yaml: string) => string;
}

/** mulberry32: a tiny seeded PRNG, so the same seed always gives the same mutants. */
export function seededRandom(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

type Path = (string | number)[];

/** Every path in the values tree, parents before children. */
function paths(value: unknown, prefix: Path = []): Path[] {
    if (value === null || typeof value !== "object") return [];
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

function get(values: unknown, path: Path): unknown {
    return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], values);
}

function parentOf(values: Values, path: Path): Record<string | number, unknown> {
    return get(values, path.slice(0, -1)) as Record<string | number, unknown>;
}

const show = (path: Path) =>
    path
        .map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`))
        .join("")
        .slice(1);

/** Another type's value: number → string, string → number, boolean → string, object ↔ array. */
function retyped(value: unknown): unknown {
    if (typeof value === "number") return `${value} units`;
    if (typeof value === "string") return 42;
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (Array.isArray(value)) return { first: value[0] ?? null };
    return ["item"];
}

function pick<T>(items: readonly T[], count: number, random: () => number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
    return out;
}

/**
 * The structured mutations of one stack's values: `perKind` of each generic kind (delete, retype,
 * range, case) chosen by `seed`, an unknown key at every object depth, and every fault kind that
 * applies to the stack.
 */
export function mutationsFor(values: Values, seed: number, perKind = 12): Mutation[] {
    const random = seededRandom(seed);
    const all = paths(values);
    const objects = all.filter((p) => {
        const v = get(values, p);
        return v !== null && typeof v === "object" && !Array.isArray(v);
    });
    const keyed = all.filter((p) => typeof p[p.length - 1] === "string");
    const numbers = all.filter((p) => typeof get(values, p) === "number");
    const out: Mutation[] = [];
    for (const p of pick(keyed, perKind, random)) {
        out.push({ kind: "delete", title: `delete ${show(p)}`, edit: (v) => delete parentOf(v, p)[p[p.length - 1]] });
    }
    for (const p of pick(all, perKind, random)) {
        const to = retyped(get(values, p));
        out.push({ kind: "retype", title: `${show(p)}: ${JSON.stringify(to)}`, edit: (v) => (parentOf(v, p)[p[p.length - 1]] = to) });
    }
    const outOfRange = [-1, 0, 2.5, 1e7, 0.0001];
    for (const p of pick(numbers, perKind, random)) {
        const to =
            outOfRange[Math.floor(random() * outOfRange.length)] === get(values, p)
                ? -1
                : outOfRange[Math.floor(random() * outOfRange.length)];
        out.push({ kind: "range", title: `${show(p)}: ${to}`, edit: (v) => (parentOf(v, p)[p[p.length - 1]] = to) });
    }
    for (const p of pick(keyed, perKind, random)) {
        const key = String(p[p.length - 1]);
        const twin = key[0] === key[0].toUpperCase() ? key[0].toLowerCase() + key.slice(1) : key[0].toUpperCase() + key.slice(1);
        const isTop = p.length === 1;
        out.push({
            kind: "case",
            title: `${show(p)} again as ${twin}`,
            edit: (v) => {
                const parent = parentOf(v, p);
                parent[isTop && key.includes(":") ? key.toUpperCase() : twin] = structuredClone(get(v, p));
            },
        });
    }
    out.push({ kind: "unknown", title: "unknownSetting at the top", edit: (v) => (v.unknownSetting = true) });
    const depths = new Map<number, Path>();
    for (const p of objects) if (!depths.has(p.length)) depths.set(p.length, p);
    for (const p of depths.values()) {
        out.push({ kind: "unknown", title: `${show(p)}.unknownSetting`, edit: (v) => ((get(v, p) as Values).unknownSetting = true) });
    }
    return [...out, ...faultMutations(values)];
}

/** Kind-specific faults, each something AWS or Kubernetes would refuse, or a guarantee switched off. */
export function faultMutations(values: Values): Mutation[] {
    const tier = values.tier;
    const ns = Object.keys(values.namespaces as Values);
    const m = (kind: string, title: string, edit: (v: Values) => void): Mutation => ({ kind, title, edit });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    type Any = any;
    const faults: Mutation[] = [
        m("name length", "nodePools: a pool name making a 64+ character node group name", (v: Any) => {
            v.nodePools["compute-pool-with-a-rather-long-descriptive-name"] = { ...v.nodePools.compute, labels: {} };
        }),
        m("name length", "environment: 13 characters", (v: Any) => (v.environment = "environment13")),
        m("name length", "namespaces: a 64-character name", (v: Any) => (v.namespaces["n".repeat(64)] = v.namespaces[ns[2]])),
        m("name length", "nodePools.compute.purpose: 300 characters", (v: Any) => (v.nodePools.compute.purpose = "x".repeat(300))),
        m("name length", "objectStore.buckets: a 55-character bucket", (v: Any) => {
            v.objectStore.buckets = [
                ...(v.objectStore.buckets ?? ["mlflow-artifacts", "postgres-backups", "models", "datasets"]),
                "b".repeat(55),
            ];
            v.objectStore.kind = "s3";
            v.objectStore.servers = 1;
            v.objectStore.drivesPerServer = 1;
        }),
        m("map key syntax", "nodePools: a pool named GPU_Pool", (v: Any) => (v.nodePools.GPU_Pool = v.nodePools.gpu)),
        m("map key syntax", "registries: a repository named model--serving", (v: Any) => (v.registries["model--serving"] = {})),
        m("label syntax", "nodePools.system.labels: a key with two slashes", (v: Any) => (v.nodePools.system.labels["a/b/c"] = "x")),
        m(
            "label syntax",
            "nodePools.system.labels: a value with a space",
            (v: Any) => (v.nodePools.system.labels["team"] = "data platform"),
        ),
        m(
            "label syntax",
            "nodePools.system.labels: kubernetes.io/role",
            (v: Any) => (v.nodePools.system.labels["kubernetes.io/role"] = "system"),
        ),
        m(
            "label syntax",
            "nodePools.system.labels: the pool label naming another pool",
            (v: Any) => (v.nodePools.system.labels["platform.company.io/pool"] = "data"),
        ),
        m("label syntax", "nodePools.data.taints[0].value: 64 characters", (v: Any) => (v.nodePools.data.taints[0].value = "v".repeat(64))),
        m(
            "quantity",
            "namespaces.*.containerDefaults.memoryLimit: 1Gm",
            (v: Any) =>
                (v.namespaces[ns[0]].containerDefaults = { cpuRequest: "100m", memoryRequest: "128Mi", cpuLimit: "1", memoryLimit: "1Gm" }),
        ),
        m(
            "quantity",
            "namespaces.*.containerDefaults.memoryRequest: 128m (millibytes)",
            (v: Any) =>
                (v.namespaces[ns[0]].containerDefaults = { cpuRequest: "100m", memoryRequest: "128m", cpuLimit: "1", memoryLimit: "1Gi" }),
        ),
        m("quantity", "namespaces.*.quota.cpu: 0.0005", (v: Any) => (v.namespaces[ns[0]].quota.cpu = 0.0005)),
        m(
            "requests above limits",
            "namespaces.*.containerDefaults: request above limit",
            (v: Any) =>
                (v.namespaces[ns[0]].containerDefaults = { cpuRequest: "2", memoryRequest: "128Mi", cpuLimit: "1", memoryLimit: "1Gi" }),
        ),
        m(
            "requests above limits",
            "namespaces.*.containerDefaults.cpuLimit above the quota",
            (v: Any) =>
                (v.namespaces[ns[1]].containerDefaults = {
                    cpuRequest: "100m",
                    memoryRequest: "128Mi",
                    cpuLimit: "64",
                    memoryLimit: "1Gi",
                }),
        ),
        m("requests above limits", "postgresql.cpu above a data node", (v: Any) => (v.postgresql.cpu = { request: 64, limit: 64 })),
        m("requests above limits", "postgresql.cpu.request above its limit", (v: Any) => (v.postgresql.cpu = { request: 2, limit: 1 })),
        m("CloudWatch retention", "cluster.logRetentionDays: 366", (v: Any) => (v.cluster.logRetentionDays = 366)),
        m("CloudWatch retention", "network.flowLogRetentionDays: 10", (v: Any) => (v.network.flowLogRetentionDays = 10)),
        m("cron", 'postgresql.backup.schedule: "61 99 25 * * *"', (v: Any) => (v.postgresql.backup.schedule = "61 99 25 * * *")),
        m("cron", 'postgresql.backup.schedule: "0 2 * * *" (five fields)', (v: Any) => (v.postgresql.backup.schedule = "0 2 * * *")),
        m("cron", 'postgresql.backup.schedule: "0 0 2 30 2 *" (never)', (v: Any) => (v.postgresql.backup.schedule = "0 0 2 30 2 *")),
        m("cron", 'postgresql.backup.schedule: "0 0 2 L * *"', (v: Any) => (v.postgresql.backup.schedule = "0 0 2 L * *")),
        m(
            "CIDR host bits",
            "network.vpcCidr with host bits",
            (v: Any) => (v.network.vpcCidr = (v.network.vpcCidr as string).replace(".0.0/", ".0.1/")),
        ),
        m("CIDR host bits", "cluster.publicAccessCidrs with host bits", (v: Any) => (v.cluster.publicAccessCidrs = ["203.0.113.7/24"])),
        m("CIDR range", "network.vpcCidr: a public range", (v: Any) => (v.network.vpcCidr = "8.8.0.0/16")),
        m(
            "public access",
            "cluster.publicAccessCidrs: two halves of the internet",
            (v: Any) => (v.cluster.publicAccessCidrs = ["0.0.0.0/1", "128.0.0.0/1"]),
        ),
        m("public access", "cluster.publicAccessCidrs: a private range", (v: Any) => (v.cluster.publicAccessCidrs = ["10.0.0.0/8"])),
        m(
            "public access",
            "cluster.publicAccessCidrs: 41 ranges",
            (v: Any) => (v.cluster.publicAccessCidrs = Array.from({ length: 41 }, (_, i) => `198.51.${i}.0/24`)),
        ),
        m(
            "zones",
            "network.availabilityZones: a zone letter the region lacks",
            (v: Any) => (v.network.availabilityZones = [...(v.network.availabilityZones as string[]).slice(0, -1), `${v["aws:region"]}z`]),
        ),
        m("zones", "aws:region: a region that does not exist", (v: Any) => (v["aws:region"] = "us-east-7")),
        m("reserved namespace", "namespaces: kube-system", (v: Any) => (v.namespaces["kube-system"] = v.namespaces[ns[2]])),
        m("reserved namespace", "namespaces: default", (v: Any) => (v.namespaces.default = v.namespaces[ns[2]])),
        m("reserved namespace", "namespaces: argocd", (v: Any) => (v.namespaces.argocd = v.namespaces[ns[2]])),
        m("reserved namespace", "namespaces: platform-data", (v: Any) => (v.namespaces["platform-data"] = v.namespaces[ns[2]])),
        m("duplicate", "secrets.sealingKeys: [initial, initial]", (v: Any) => (v.secrets.sealingKeys = ["initial", "initial"])),
        m("duplicate", "accessEntries: one principal twice, in another case", (v: Any) => {
            v.accessEntries = {
                admins: { principalArn: "arn:aws:iam::111122223333:role/PlatformAdmins", role: "platform-admin" },
                admins2: { principalArn: "arn:aws:iam::111122223333:role/platformadmins", role: "data-engineer" },
            };
        }),
        m("duplicate", "accessEntries: the CI deploy role", (v: Any) => {
            v.accessEntries = {
                ci: { principalArn: `arn:aws:iam::111122223333:role/ml-platform-${v.environment}-ci-deploy`, role: "deployer" },
            };
        }),
        m(
            "duplicate",
            "ci.appRepositories: one repository in two cases",
            (v: Any) => (v.ci.appRepositories = ["company/dbt-project", "Company/DBT-project"]),
        ),
        m(
            "duplicate",
            "nodePools.data.taints: the same key and effect twice",
            (v: Any) => (v.nodePools.data.taints = [...v.nodePools.data.taints, { ...v.nodePools.data.taints[0], value: "false" }]),
        ),
        m(
            "duplicate",
            "nodePools.compute.instanceTypes: repeated",
            (v: Any) => (v.nodePools.compute.instanceTypes = ["m6i.xlarge", "m6i.xlarge"]),
        ),
        m(
            "injection",
            "argocd.adminGroup: a policy.csv line",
            (v: Any) => (v.argocd.adminGroup = "admins\np, role:readonly, *, *, */*, allow"),
        ),
        m("injection", "argocd.adminGroup: a comma", (v: Any) => (v.argocd.adminGroup = "admins, role:admin")),
        m(
            "injection",
            "slo.sli.selector: PromQL outside the matchers",
            (v: Any) => (v.slo = { ...(v.slo as Values), sli: { selector: 'job="a"} or vector(1) or up{' } }),
        ),
        m(
            "injection",
            "slo.sli.errorSelector: an unclosed quote",
            (v: Any) => (v.slo = { ...(v.slo as Values), sli: { errorSelector: 'code=~"5..' } }),
        ),
        m("injection", "nodePools.compute.purpose: a line break", (v: Any) => (v.nodePools.compute.purpose = "workers\nName: evil")),
        m("injection", "gitops.path: outside the repository", (v: Any) => (v.gitops.path = "../other-team")),
        m("quoting", "cluster.kubernetesVersion: 1.34 unquoted", (v: Any) => (v.cluster.kubernetesVersion = 1.34)),
        m(
            "secret",
            "slackWebhookUrl typed as a plain unknown key",
            (v: Any) => (v.slackWebhookURL = "https://hooks.slack.com/services/T000/B000/plaintextsecret"),
        ),
        m(
            "namespace typo",
            "ml-platfrom:protectStatefulResources: false",
            (v: Any) => (v["ml-platfrom:protectStatefulResources"] = "false"),
        ),
        m("namespace typo", "ml_platform:tier", (v: Any) => (v["ml_platform:tier"] = "development")),
    ];
    if (tier === "production") {
        faults.push(
            m(
                "production guarantee",
                "namespaces.platform-mlops.podSecurity: privileged",
                (v: Any) => (v.namespaces["platform-mlops"].podSecurity = "privileged"),
            ),
            m("production guarantee", "network.natGateways: single", (v: Any) => (v.network.natGateways = "single")),
            m("production guarantee", "cluster.logRetentionDays: 90", (v: Any) => (v.cluster.logRetentionDays = 90)),
            m(
                "production guarantee",
                "network.availabilityZones: 2 zones",
                (v: Any) => (v.network.availabilityZones = (v.network.availabilityZones as string[]).slice(0, 2)),
            ),
            m("production guarantee", "protectStatefulResources: false", (v: Any) => (v.protectStatefulResources = "false")),
        );
    }
    faults.push(
        {
            kind: "YAML",
            title: "ml-platform:tier: [development (unclosed flow sequence)",
            text: (y) => y.replace(/ml-platform:tier: .*/, "ml-platform:tier: [development"),
        },
        {
            kind: "YAML",
            title: "ml-platform:domain twice (duplicate key)",
            text: (y) => y.replace(/( {2}ml-platform:domain: .*\n)/, "$1$1"),
        },
        { kind: "YAML", title: "a nested key twice (duplicate key)", text: (y) => y.replace(/(\n {4}vpcCidr: .*)/, "$1$1") },
        { kind: "YAML", title: "a tab as indentation", text: (y) => y.replace("\n    natGateways:", "\n\tnatGateways:") },
    );
    return faults;
}
