import { get, list, PlatformPolicy, Props, ResourceContext, resourceRule, RuleMeta } from "./common";
import { containers, helmTypes, podSpec, workloadTypes } from "./k8s-common";

/** Our own pod specs and charts: Pod Security "restricted", resources, pinned images and charts (SECURITY.md 17, 21, 22, 24, 27). */

/**
 * Children of a Helm v4 Chart are upstream manifests, not pod specs we write; their security is
 * the namespace's Pod Security admission's job, and the chart rules check the release itself.
 */
function upstream(urn: string): boolean {
    return urn.includes("kubernetes:helm.sh/v4:Chart$");
}

type PodCheck = (spec: Props, ctx: ResourceContext<Record<string, never>>) => void;

/** A rule over the pod spec of every workload we define. */
function podRule(meta: RuleMeta & { types?: string[]; check: PodCheck }): PlatformPolicy {
    return resourceRule({
        ...meta,
        types: meta.types ?? workloadTypes,
        check: (props, ctx) => {
            const spec = podSpec(ctx.type, props);
            if (spec && !upstream(ctx.urn)) meta.check(spec, ctx);
        },
    });
}

/** A container's security context value, falling back to the pod's. */
function effective(spec: Props, container: Props, key: string): unknown {
    return get(container, `securityContext.${key}`) ?? get(spec, `securityContext.${key}`);
}

const name = (c: Props) => `"${c.name ?? "?"}"`;

/** Why an image reference is not pinned, or undefined. */
export function imageProblem(image: string): string | undefined {
    if (image.includes("@sha256:")) return undefined;
    const lastSegment = image.split("/").pop() ?? image;
    const tag = lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
    if (tag === undefined) return `image ${image} has no tag, which means :latest`;
    if (tag === "latest") return `image ${image} uses the :latest tag`;
    return undefined;
}

/** `tag: latest` and `image: repo:latest` anywhere in Helm values. */
function latestInValues(value: unknown, path: string, found: string[]): string[] {
    if (Array.isArray(value)) value.forEach((v, i) => latestInValues(v, `${path}[${i}]`, found));
    else if (value !== null && typeof value === "object") {
        for (const [key, v] of Object.entries(value)) {
            const at = path ? `${path}.${key}` : key;
            if (key === "tag" && v === "latest") found.push(at);
            else if (key === "image" && typeof v === "string" && imageProblem(v)?.includes(":latest tag")) found.push(at);
            else latestInValues(v, at, found);
        }
    }
    return found;
}

const exactVersion = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/;

export const k8sWorkloadRules: PlatformPolicy[] = [
    podRule({
        id: "k8s-pod-no-privileged",
        level: "mandatory",
        sources: ["CKV_K8S_16", "CIS EKS 4.2.1", "PSS baseline"],
        items: [21],
        summary: "No container of ours runs privileged.",
        check: (spec, { report }) => {
            for (const c of containers(spec).filter((c) => get(c, "securityContext.privileged") === true))
                report(`Container ${name(c)} runs privileged.`);
        },
    }),
    podRule({
        id: "k8s-pod-no-host-namespaces",
        level: "mandatory",
        sources: ["CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19", "CIS EKS 4.2.2", "CIS EKS 4.2.3", "CIS EKS 4.2.4", "PSS baseline"],
        items: [21],
        summary: "Our pods share no host namespace (PID, IPC, network) and mount no hostPath volume or host port.",
        check: (spec, { report }) => {
            for (const key of ["hostPID", "hostIPC", "hostNetwork"].filter((k) => spec[k] === true))
                report(`Pod shares the node's namespace: ${key} is true.`);
            for (const v of list(spec.volumes).filter((v) => v?.hostPath))
                report(`Pod mounts hostPath volume "${v.name}" (${v.hostPath.path}).`);
            for (const c of containers(spec).filter((c) => list(c.ports).some((p) => p?.hostPort)))
                report(`Container ${name(c)} binds a host port.`);
        },
    }),
    podRule({
        id: "k8s-pod-no-privilege-escalation",
        level: "mandatory",
        sources: ["CKV_K8S_20", "CIS EKS 4.2.5", "PSS restricted"],
        items: [21],
        summary: "Every container of ours sets allowPrivilegeEscalation: false.",
        check: (spec, { report }) => {
            for (const c of containers(spec).filter((c) => get(c, "securityContext.allowPrivilegeEscalation") !== false)) {
                report(`Container ${name(c)} does not set securityContext.allowPrivilegeEscalation: false.`);
            }
        },
    }),
    podRule({
        id: "k8s-pod-run-as-non-root",
        level: "mandatory",
        sources: ["CKV_K8S_23", "CIS EKS 4.2.6", "PSS restricted"],
        items: [21],
        summary: "Our containers run as non-root (runAsNonRoot: true, never runAsUser: 0).",
        check: (spec, { report }) => {
            for (const c of containers(spec)) {
                if (effective(spec, c, "runAsNonRoot") !== true) report(`Container ${name(c)} may run as root: set runAsNonRoot: true.`);
                if (effective(spec, c, "runAsUser") === 0) report(`Container ${name(c)} runs as user 0 (root).`);
            }
        },
    }),
    podRule({
        id: "k8s-pod-drop-all-capabilities",
        level: "mandatory",
        sources: ["CKV_K8S_28", "CKV_K8S_37", "CIS EKS 4.2.7", "CIS EKS 4.2.8", "CIS EKS 4.2.9", "PSS restricted"],
        items: [21],
        summary: "Our containers drop ALL capabilities and add back none but NET_BIND_SERVICE.",
        check: (spec, { report }) => {
            for (const c of containers(spec)) {
                if (!list(get(c, "securityContext.capabilities.drop")).includes("ALL"))
                    report(`Container ${name(c)} does not drop ALL capabilities.`);
                const added = list<string>(get(c, "securityContext.capabilities.add")).filter((cap) => cap !== "NET_BIND_SERVICE");
                if (added.length > 0) report(`Container ${name(c)} adds capabilities ${added.join(", ")}.`);
            }
        },
    }),
    podRule({
        id: "k8s-pod-seccomp",
        level: "mandatory",
        sources: ["CKV_K8S_31", "CIS K8s 5.7.2", "PSS restricted"],
        items: [21],
        summary: "Our pods run under the RuntimeDefault (or a Localhost) seccomp profile.",
        check: (spec, { report }) => {
            for (const c of containers(spec)) {
                const type = effective(spec, c, "seccompProfile.type");
                if (type !== "RuntimeDefault" && type !== "Localhost")
                    report(`Container ${name(c)} has no seccomp profile: set seccompProfile.type: RuntimeDefault.`);
            }
        },
    }),
    podRule({
        id: "k8s-pod-read-only-root-filesystem",
        level: "advisory",
        sources: ["CKV_K8S_22"],
        items: [21],
        summary: "Our containers mount their root filesystem read-only where the image allows.",
        check: (spec, { report }) => {
            for (const c of [...list<Props>(spec.initContainers), ...list<Props>(spec.containers)]) {
                if (get(c, "securityContext.readOnlyRootFilesystem") !== true)
                    report(`Container ${name(c)} has a writable root filesystem.`);
            }
        },
    }),
    podRule({
        id: "k8s-container-resources",
        level: "mandatory",
        sources: ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"],
        items: [22],
        summary: "Our containers declare CPU and memory requests and limits.",
        check: (spec, { report }) => {
            for (const c of [...list<Props>(spec.initContainers), ...list<Props>(spec.containers)]) {
                const missing = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter(
                    (k) => get(c.resources, k) === undefined,
                );
                if (missing.length > 0) report(`Container ${name(c)} sets no ${missing.join(", ")}.`);
            }
        },
    }),
    podRule({
        id: "k8s-pod-dedicated-service-account",
        level: "mandatory",
        sources: ["CIS EKS 4.1.5", "CIS K8s 5.1.5"],
        items: [17],
        summary: "Each of our workloads runs under a ServiceAccount of its own, never the namespace's default.",
        check: (spec, { report }) => {
            const account = spec.serviceAccountName ?? spec.serviceAccount;
            if (account === undefined || account === "default")
                report('Workload runs as the "default" ServiceAccount: give it a ServiceAccount of its own.');
        },
    }),
    resourceRule({
        id: "k8s-image-pinned",
        level: "mandatory",
        sources: ["CKV_K8S_14", "CKV_K8S_43"],
        items: [24],
        summary: "No image of ours or in our Helm values uses the :latest tag or no tag.",
        types: [...workloadTypes, ...helmTypes],
        check: (props, { type, urn, report }) => {
            if (helmTypes.includes(type)) {
                for (const path of latestInValues(props.values, "", [])) report(`Helm values pin :latest at ${path}.`);
                return;
            }
            const spec = podSpec(type, props);
            if (!spec || upstream(urn)) return;
            for (const c of containers(spec)) {
                const problem = c.image === undefined ? "no image" : imageProblem(String(c.image));
                if (problem) report(`Container ${name(c)}: ${problem}.`);
            }
        },
    }),
    resourceRule({
        id: "helm-chart-version-pinned",
        level: "mandatory",
        sources: ["CKV_K8S_43", "NSA/CISA Kubernetes Hardening Guide (supply chain)"],
        items: [24],
        summary: "Helm charts are pinned to an exact version and fetched over HTTPS or OCI.",
        types: helmTypes,
        check: (props, { report }) => {
            const version = props.version;
            if (version === undefined || version === "")
                report(`Helm chart ${props.chart} has no version: the newest would be installed at each deploy.`);
            else if (!exactVersion.test(String(version)))
                report(`Helm chart ${props.chart} version "${version}" is a range, not an exact version.`);
            const repo = get(props, "repositoryOpts.repo");
            if (typeof repo === "string" && repo.startsWith("http://"))
                report(`Helm chart ${props.chart} is fetched over plain HTTP (${repo}).`);
        },
    }),
    podRule({
        id: "k8s-workload-probes",
        level: "advisory",
        sources: ["CKV_K8S_8", "CKV_K8S_9"],
        items: [27],
        summary: "Long-running containers of ours have readiness and liveness probes.",
        types: ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"],
        check: (spec, { report }) => {
            for (const c of list<Props>(spec.containers)) {
                const missing = ["readinessProbe", "livenessProbe"].filter((p) => c[p] === undefined);
                if (missing.length > 0) report(`Container ${name(c)} has no ${missing.join(" or ")}.`);
            }
        },
    }),
];
