import { parseCidr } from "../aws/cidr";
import { ofType, ResourceRecord } from "../synth/inventory";

/**
 * Reachability under the AWS VPC CNI's network-policy agent: given the NetworkPolicies a plan
 * renders, may a packet of a declared flow pass? Semantics, as the upstream implements them
 * (aws/amazon-network-policy-controller-k8s v1.1.7, pkg/resolvers/endpoints.go; aws/aws-network-policy-agent):
 *
 * - A pod selected by any policy of a direction is default-deny in that direction; unselected pods
 *   are open (Kubernetes NetworkPolicy semantics; policyTypes default to Ingress, plus Egress when
 *   the policy has egress rules).
 * - Egress is judged on the pod's host-side veth *before* kube-proxy's DNAT: a flow to a Service
 *   carries its ClusterIP. The controller adds a ClusterIP to a rule only for a non-headless Service
 *   whose `spec.selector` the peer's podSelector matches, in a namespace the peer selects
 *   (getMatchingServiceClusterIPs); a Service without a selector, such as `default/kubernetes`,
 *   is never added (policies_for_service.go: "Ignoring service without selector").
 * - `ipBlock` peers are used verbatim (buildIPBlockEndpoint): cidr minus except.
 * - Pods take their addresses from the node subnets (the VPC CNI's secondary IPs), so an ipBlock
 *   over the node subnets admits every pod; a pod's address may be any address of those subnets.
 *
 * A flow is allowed for "all" of its possible addresses, "some" or "none": a required flow must be
 * "all", a flow that must be denied "none".
 */

export type Labels = Record<string, string>;
export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}
interface Peer {
    ipBlock?: { cidr: string; except?: string[] };
    namespaceSelector?: LabelSelector;
    podSelector?: LabelSelector;
}
interface PolicyPort {
    protocol?: string;
    port?: number | string;
    endPort?: number;
}
interface Rule {
    ports?: PolicyPort[];
    from?: Peer[];
    to?: Peer[];
}
/** A rendered NetworkPolicy: namespace, name and spec (networking.k8s.io/v1). */
export interface Policy {
    namespace: string;
    name: string;
    spec: { podSelector: LabelSelector; policyTypes?: string[]; ingress?: Rule[]; egress?: Rule[] };
}

/** One end of a flow. */
export type Endpoint =
    /** A pod: its namespace and labels; its address is any address of the node subnets. */
    | { kind: "pod"; namespace: string; labels: Labels }
    /**
     * A Service reached by its ClusterIP: `clusterIps` are the addresses it may have (its pinned
     * address, or the whole Service CIDR when it is assigned at creation); `selector` its pods' labels.
     */
    | { kind: "service"; namespace: string; name: string; selector?: Labels; clusterIps: string[] }
    /** Anything outside the pod network (control plane ENIs, load balancers, nodes, AWS, the internet). */
    | { kind: "external"; name: string; cidrs: string[] };

export interface Flow {
    from: Endpoint;
    to: Endpoint;
    /** The destination port as the backend pod listens (NetworkPolicy ports are target ports). */
    port: number;
    protocol?: "TCP" | "UDP";
}

/** What the evaluator needs of a cluster: policies, namespace labels, the node subnets. */
export interface ClusterView {
    policies: Policy[];
    namespaceLabels: Record<string, Labels>;
    nodeCidrs: string[];
}

export type Level = "all" | "some" | "none";
export interface Verdict {
    level: Level;
    egress: Level;
    ingress: Level;
}

/** The policies and namespace labels of an inventory (resources.json records). */
export function clusterView(resources: readonly ResourceRecord[], nodeCidrs: string[]): ClusterView {
    const meta = (r: ResourceRecord) => r.inputs.metadata as { name: string; namespace?: string; labels?: Labels };
    const namespaceLabels: Record<string, Labels> = {};
    for (const r of ofType(resources, "kubernetes:core/v1:Namespace")) {
        const m = meta(r);
        namespaceLabels[m.name] = { ...(m.labels ?? {}), "kubernetes.io/metadata.name": m.name };
    }
    const policies = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => ({
        namespace: meta(r).namespace ?? "default",
        name: meta(r).name,
        spec: r.inputs.spec as Policy["spec"],
    }));
    return { policies, namespaceLabels, nodeCidrs };
}

/** Label selector semantics (apimachinery metav1.LabelSelectorAsSelector); an empty selector matches everything. */
export function matches(selector: LabelSelector | undefined, labels: Labels): boolean {
    if (!selector) return true;
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = e.key in labels;
        const inValues = has && (e.values ?? []).includes(labels[e.key]);
        const ok = { In: inValues, NotIn: !inValues, Exists: has, DoesNotExist: !has }[e.operator];
        if (!ok) return false;
    }
    return true;
}

// Address sets as sorted, disjoint [start, end) ranges.
type Ranges = [number, number][];
const rangeOf = (cidr: string): [number, number] => {
    const { base, prefix } = parseCidr(cidr);
    return [base, base + 2 ** (32 - prefix)];
};
function normalize(r: Ranges): Ranges {
    const sorted = [...r].sort((a, b) => a[0] - b[0]);
    const out: Ranges = [];
    for (const [s, e] of sorted) {
        const last = out[out.length - 1];
        if (last && s <= last[1]) last[1] = Math.max(last[1], e);
        else out.push([s, e]);
    }
    return out;
}
function subtract(a: Ranges, b: Ranges): Ranges {
    let out = normalize(a);
    for (const [bs, be] of b) {
        out = out.flatMap(([s, e]): Ranges => {
            if (be <= s || bs >= e) return [[s, e]];
            const parts: Ranges = [];
            if (s < bs) parts.push([s, bs]);
            if (be < e) parts.push([be, e]);
            return parts;
        });
    }
    return out;
}
const size = (r: Ranges) => r.reduce((n, [s, e]) => n + (e - s), 0);
/** How much of `wanted` the allowed ranges cover. */
function coverage(wanted: Ranges, allowed: Ranges): Level {
    const missing = size(subtract(wanted, allowed));
    if (missing === 0) return "all";
    return missing < size(normalize(wanted)) ? "some" : "none";
}
const ipBlockRanges = (b: NonNullable<Peer["ipBlock"]>): Ranges => subtract([rangeOf(b.cidr)], (b.except ?? []).map(rangeOf));

function portMatches(ports: PolicyPort[] | undefined, flow: Flow): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some(
        (p) =>
            (p.protocol ?? "TCP") === (flow.protocol ?? "TCP") &&
            (p.port === undefined ||
                p.port === flow.port ||
                (typeof p.port === "number" && p.endPort !== undefined && flow.port >= p.port && flow.port <= p.endPort)),
    );
}

const types = (p: Policy) => p.spec.policyTypes ?? (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
const peerNamespaces = (peer: Peer, policyNamespace: string, namespace: string, view: ClusterView) =>
    peer.namespaceSelector
        ? matches(peer.namespaceSelector, view.namespaceLabels[namespace] ?? { "kubernetes.io/metadata.name": namespace })
        : namespace === policyNamespace;

/** Whether a selector peer (no ipBlock) takes in the endpoint, as the agent resolves it. */
function selectorPeerMatches(peer: Peer, policyNamespace: string, e: Endpoint, view: ClusterView): boolean {
    if (e.kind === "external") return false;
    if (!peerNamespaces(peer, policyNamespace, e.namespace, view)) return false;
    if (e.kind === "pod") return matches(peer.podSelector, e.labels);
    // Only selector-backed Services have their ClusterIP added (endpoints.go, getMatchingServiceClusterIPs).
    return e.selector !== undefined && matches(peer.podSelector, e.selector);
}

const addresses = (e: Endpoint, view: ClusterView): Ranges =>
    normalize((e.kind === "pod" ? view.nodeCidrs : e.kind === "service" ? e.clusterIps : e.cidrs).map(rangeOf));

/** Policies of the pod's namespace that select it for a direction. */
const selecting = (view: ClusterView, namespace: string, labels: Labels, type: "Ingress" | "Egress") =>
    view.policies.filter((p) => p.namespace === namespace && types(p).includes(type) && matches(p.spec.podSelector, labels));

function judge(
    policies: Policy[],
    rulesOf: (p: Policy) => Rule[] | undefined,
    peersOf: (r: Rule) => Peer[] | undefined,
    other: Endpoint,
    flow: Flow,
    view: ClusterView,
): Level {
    if (policies.length === 0) return "all";
    const allowed: Ranges = [];
    for (const p of policies) {
        for (const rule of rulesOf(p) ?? []) {
            if (!portMatches(rule.ports, flow)) continue;
            const peers = peersOf(rule);
            if (!peers || peers.length === 0) return "all";
            for (const peer of peers) {
                if (peer.ipBlock) allowed.push(...ipBlockRanges(peer.ipBlock));
                else if (selectorPeerMatches(peer, p.namespace, other, view)) return "all";
            }
        }
    }
    return coverage(addresses(other, view), normalize(allowed));
}

/** The backend pod a flow lands on, if it is a pod the policies can select. */
function backend(e: Endpoint): { namespace: string; labels: Labels } | undefined {
    if (e.kind === "pod") return e;
    if (e.kind === "service" && e.selector) return { namespace: e.namespace, labels: e.selector };
    return undefined;
}

const rank: Record<Level, number> = { none: 0, some: 1, all: 2 };

/** Evaluates one flow: egress at the source's veth, ingress at the backend pod; the flow passes as far as both do. */
export function evaluate(flow: Flow, view: ClusterView): Verdict {
    const egress =
        flow.from.kind === "pod"
            ? judge(
                  selecting(view, flow.from.namespace, flow.from.labels, "Egress"),
                  (p) => p.spec.egress,
                  (r) => r.to,
                  flow.to,
                  flow,
                  view,
              )
            : "all";
    const target = backend(flow.to);
    const ingress = target
        ? judge(
              selecting(view, target.namespace, target.labels, "Ingress"),
              (p) => p.spec.ingress,
              (r) => r.from,
              flow.from,
              flow,
              view,
          )
        : "all";
    return { level: rank[egress] <= rank[ingress] ? egress : ingress, egress, ingress };
}
