import { poolLabels } from "../aws/node-pools";
import { instanceTypes, NamespaceConfig, PlatformConfig } from "../config";
import { parseQuantity } from "../config/formats";
import { quotaHard } from "./namespaces";
import { matches } from "./reachability";

/**
 * Would the API server admit a pod into a namespace we own, and where could it schedule? A small
 * evaluator of four upstream rules, for pods the platform's templates make (the training template's
 * steps) — so a template change that breaks admission fails a test, not a pipeline run:
 * - LimitRange (kubernetes pkg/admission/plugin/limitranger): containers without requests or
 *   limits get the namespace's defaults;
 * - ResourceQuota (plugin/resourcequota): the pod's requests and limits, summed over containers
 *   (init containers count by their maximum), must fit the namespace's `hard`;
 * - Pod Security Standards `restricted` (k8s.io/pod-security-admission policy/check_*.go, v1.34);
 * - scheduling: taints and tolerations, nodeSelector and required node affinity against each
 *   pool's labels (src/aws/node-pools.ts poolLabels) and taints.
 */

interface Container {
    name: string;
    image?: string;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: {
        privileged?: boolean;
        allowPrivilegeEscalation?: boolean;
        runAsNonRoot?: boolean;
        runAsUser?: number;
        capabilities?: { add?: string[]; drop?: string[] };
        seccompProfile?: { type: string };
        readOnlyRootFilesystem?: boolean;
    };
    ports?: { hostPort?: number }[];
}
interface Toleration {
    key?: string;
    operator?: "Equal" | "Exists";
    value?: string;
    effect?: string;
}
/** The parts of a Pod the evaluator reads. */
export interface PodSpec {
    metadata: { labels: Record<string, string> };
    spec: {
        serviceAccountName?: string;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
        hostNetwork?: boolean;
        hostPID?: boolean;
        hostIPC?: boolean;
        initContainers?: Container[];
        containers: Container[];
        volumes?: Record<string, unknown>[];
        nodeSelector?: Record<string, string>;
        affinity?: {
            nodeAffinity?: {
                requiredDuringSchedulingIgnoredDuringExecution?: {
                    nodeSelectorTerms: {
                        matchExpressions: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
                    }[];
                };
            };
        };
        tolerations?: Toleration[];
    };
}

/** The pod after the LimitRange plugin: every container has requests and limits (defaults where missing). */
export function withLimitRange(pod: PodSpec, d: NamespaceConfig["containerDefaults"]): PodSpec {
    const fill = (c: Container): Container => ({
        ...c,
        resources: {
            requests: { cpu: d.cpuRequest, memory: d.memoryRequest, ...(c.resources?.requests ?? {}) },
            limits: { cpu: d.cpuLimit, memory: d.memoryLimit, ...(c.resources?.limits ?? {}) },
        },
    });
    return { ...pod, spec: { ...pod.spec, initContainers: pod.spec.initContainers?.map(fill), containers: pod.spec.containers.map(fill) } };
}

const amount = (q: string, resource: string): number => {
    if (resource.endsWith("cpu")) return parseQuantity(q, "cpu") as number;
    if (resource.endsWith("memory") || resource.endsWith("storage")) return parseQuantity(q, "memory") as number;
    return Number(q);
};

/** What the pod charges the quota (effective requests and limits: max(sum of containers, max of init containers)). */
export function podUsage(pod: PodSpec): Record<string, number> {
    const usage: Record<string, number> = { pods: 1 };
    for (const kind of ["requests", "limits"] as const) {
        const names = new Set(
            [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].flatMap((c) => Object.keys(c.resources?.[kind] ?? {})),
        );
        for (const r of names) {
            const key = r === "nvidia.com/gpu" && kind === "requests" ? "requests.nvidia.com/gpu" : `${kind}.${r}`;
            const of = (c: Container) => (c.resources?.[kind]?.[r] !== undefined ? amount(c.resources[kind]![r], r) : 0);
            const sum = pod.spec.containers.reduce((t, c) => t + of(c), 0);
            const init = Math.max(0, ...(pod.spec.initContainers ?? []).map(of));
            usage[key] = Math.max(sum, init);
        }
    }
    return usage;
}

/** Quota problems of the pod in an empty namespace: every resource it uses must be listed in `hard` and fit. */
export function quotaProblems(pod: PodSpec, quota: NamespaceConfig["quota"]): string[] {
    const hard = quotaHard(quota);
    const out: string[] = [];
    for (const [key, used] of Object.entries(podUsage(pod))) {
        const limit = hard[key];
        if (limit === undefined) continue;
        const cap = amount(limit, key);
        if (used > cap + 1e-9) out.push(`${key}: pod needs ${used}, quota allows ${cap}`);
    }
    // With a quota on cpu/memory the API refuses containers that do not declare them (after LimitRange).
    for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
        for (const k of ["requests", "limits"] as const)
            for (const r of ["cpu", "memory"]) if (!c.resources?.[k]?.[r]) out.push(`${c.name}: no ${k}.${r} under a quota on it`);
    }
    return out;
}

const allowedVolumeTypes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

/** Violations of Pod Security `restricted` (pod-security-admission v1.34 checks); [] when admitted. */
export function restrictedProblems(pod: PodSpec): string[] {
    const s = pod.spec;
    const out: string[] = [];
    if (s.hostNetwork || s.hostPID || s.hostIPC) out.push("host namespaces");
    for (const v of s.volumes ?? []) {
        const types = Object.keys(v).filter((k) => k !== "name");
        if (!types.every((t) => allowedVolumeTypes.includes(t))) out.push(`volume ${String(v.name)}: type ${types.join(",")} not allowed`);
    }
    for (const c of [...(s.initContainers ?? []), ...s.containers]) {
        const sc = c.securityContext ?? {};
        if (sc.privileged) out.push(`${c.name}: privileged`);
        if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation must be false`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`${c.name}: capabilities must drop ALL`);
        if ((sc.capabilities?.add ?? []).some((cap) => cap !== "NET_BIND_SERVICE")) out.push(`${c.name}: adds capabilities`);
        if (!(sc.runAsNonRoot ?? s.securityContext?.runAsNonRoot)) out.push(`${c.name}: runAsNonRoot must be true`);
        if ((sc.runAsUser ?? s.securityContext?.runAsUser) === 0) out.push(`${c.name}: runAsUser 0`);
        const seccomp = sc.seccompProfile?.type ?? s.securityContext?.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
            out.push(`${c.name}: seccompProfile must be RuntimeDefault or Localhost`);
        if ((c.ports ?? []).some((p) => p.hostPort)) out.push(`${c.name}: hostPort`);
    }
    return out;
}

const tolerates = (ts: Toleration[], taint: { key: string; value: string; effect: string }) =>
    ts.some(
        (t) =>
            (t.effect === undefined || t.effect === taint.effect) &&
            (t.operator === "Exists" ? t.key === undefined || t.key === taint.key : t.key === taint.key && t.value === taint.value),
    );

/**
 * The node pools the pod could schedule on: every NoSchedule/NoExecute taint tolerated, nodeSelector
 * and the required node-affinity terms matching the pool's labels, and, when it requests GPUs, a
 * pool whose instance types have them.
 */
export function schedulablePools(pod: PodSpec, config: PlatformConfig): string[] {
    const s = pod.spec;
    const wantsGpu = [...s.containers, ...(s.initContainers ?? [])].some((c) => Number(c.resources?.requests?.["nvidia.com/gpu"] ?? 0) > 0);
    return Object.entries(config.nodePools)
        .filter(([name, pool]) => {
            const labels = poolLabels(name, pool);
            const taints = [...pool.taints, ...(pool.gpu ? [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }] : [])];
            if (!taints.filter((t) => t.effect !== "PreferNoSchedule").every((t) => tolerates(s.tolerations ?? [], t))) return false;
            if (!matches({ matchLabels: s.nodeSelector }, labels)) return false;
            const terms = s.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
            if (terms && !terms.some((t) => matches({ matchExpressions: t.matchExpressions }, labels))) return false;
            if (wantsGpu && !pool.instanceTypes.every((i) => instanceTypes[i].gpus > 0)) return false;
            return true;
        })
        .map(([name]) => name);
}
