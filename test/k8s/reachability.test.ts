import { strict as assert } from "node:assert";
import { allow, apiServerAddresses, defaultDeny, nsSelector, PolicySpec } from "../../src/k8s/network-policies";
import { ClusterView, Endpoint, evaluate, matches, Policy } from "../../src/k8s/reachability";

// A small cluster: VPC 10.0.0.0/16, node subnets 10.0.0.0/19 and 10.0.32.0/19, Service CIDR 172.20.0.0/16.
const nodeCidrs = ["10.0.0.0/19", "10.0.32.0/19"];
const controlPlane: Endpoint = { kind: "external", name: "control-plane", cidrs: ["10.0.192.0/23"] };
const api: Endpoint = { kind: "service", namespace: "default", name: "kubernetes", clusterIps: ["172.20.0.1/32"] };
const operator: Endpoint = { kind: "pod", namespace: "ops", labels: { app: "operator" } };
const stranger: Endpoint = { kind: "pod", namespace: "default", labels: { app: "x" } };
const db: Endpoint = { kind: "service", namespace: "data", name: "db", selector: { app: "db" }, clusterIps: ["172.20.0.0/16"] };
const client: Endpoint = { kind: "pod", namespace: "apps", labels: { app: "web" } };
const addresses = { serviceIp: "172.20.0.1", controlPlaneCidrs: ["10.0.192.0/23"] };

const view = (byNamespace: Record<string, PolicySpec[]>): ClusterView => ({
    policies: Object.entries(byNamespace).flatMap(([namespace, specs]) =>
        specs.map((p): Policy => ({ namespace, name: p.name, spec: p.spec as Policy["spec"] })),
    ),
    namespaceLabels: Object.fromEntries(["ops", "data", "apps", "default"].map((n) => [n, { "kubernetes.io/metadata.name": n }])),
    nodeCidrs,
});

describe("k8s/reachability (the VPC CNI agent's semantics)", () => {
    it("judges egress to the API by its ClusterIP: an allow of the VPC does not reach it (fault 1, failing case)", () => {
        const before = view({ ops: [...defaultDeny(), { ...allow.apiServer(addresses), spec: vpcApiSpec("10.0.0.0/16") }] });
        assert.equal(evaluate({ from: operator, to: api, port: 443 }, before).level, "none");
        const after = view({ ops: [...defaultDeny(), allow.apiServer(addresses)] });
        assert.equal(evaluate({ from: operator, to: api, port: 443 }, after).level, "all");
        assert.equal(evaluate({ from: operator, to: api, port: 80 }, after).level, "none");
    });

    it("never adds the ClusterIP of a Service without a selector, even for a peer selecting every namespace", () => {
        const everywhere = view({
            ops: [...defaultDeny(), { name: "all-ns", spec: { podSelector: {}, egress: [{ to: [{ namespaceSelector: {} }] }] } }],
        });
        assert.equal(evaluate({ from: operator, to: api, port: 443 }, everywhere).level, "none");
        assert.equal(evaluate({ from: operator, to: db, port: 5432 }, everywhere).level, "all");
    });

    it("adds a selector-backed Service's ClusterIP when the peer's podSelector matches its selector", () => {
        const toDb = (podSelector: object) =>
            view({
                apps: [
                    ...defaultDeny(),
                    { name: "db", spec: { podSelector: {}, egress: [{ to: [{ ...nsSelector("data"), podSelector }] }] } },
                ],
            });
        assert.equal(evaluate({ from: client, to: db, port: 5432 }, toDb({ matchLabels: { app: "db" } })).egress, "all");
        assert.equal(evaluate({ from: client, to: db, port: 5432 }, toDb({ matchLabels: { app: "cache" } })).egress, "none");
    });

    it("admits every pod through an ipBlock over the node subnets (fault 3, failing case) and none through the control-plane subnets", () => {
        const vpcWebhook = view({
            ops: [
                ...defaultDeny(),
                { name: "webhook", spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16" } }] }] } },
            ],
        });
        assert.equal(evaluate({ from: stranger, to: operator, port: 9443 }, vpcWebhook).level, "all");
        const fixed = view({ ops: [...defaultDeny(), allow.apiServer(addresses, [9443])] });
        assert.equal(evaluate({ from: stranger, to: operator, port: 9443 }, fixed).level, "none");
        assert.equal(evaluate({ from: controlPlane, to: operator, port: 9443 }, fixed).level, "all");
    });

    it("reports a partial cover as some: one node subnet of two admits some pods", () => {
        const half = view({
            ops: [
                ...defaultDeny(),
                { name: "half", spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: nodeCidrs[0] } }] }] } },
            ],
        });
        assert.equal(evaluate({ from: stranger, to: operator, port: 1 }, half).level, "some");
    });

    it("applies ipBlock except verbatim", () => {
        const internet = view({
            apps: [
                ...defaultDeny(),
                {
                    name: "out",
                    spec: {
                        podSelector: {},
                        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/16", "172.20.0.0/16"] } }] }],
                    },
                },
            ],
        });
        const github: Endpoint = { kind: "external", name: "git", cidrs: ["140.82.112.0/20"] };
        assert.equal(evaluate({ from: client, to: github, port: 443 }, internet).level, "all");
        assert.equal(evaluate({ from: client, to: api, port: 443 }, internet).level, "none");
    });

    it("leaves unselected pods open and default-denies selected ones per direction", () => {
        const egressOnly = view({ apps: [{ name: "egress", spec: { podSelector: {}, policyTypes: ["Egress"] } }] });
        assert.equal(evaluate({ from: stranger, to: client, port: 80 }, egressOnly).level, "all");
        assert.equal(evaluate({ from: client, to: stranger, port: 80 }, egressOnly).level, "none");
    });

    it("matches label selectors as apimachinery does", () => {
        assert.ok(matches({}, { a: "1" }));
        assert.ok(matches({ matchExpressions: [{ key: "a", operator: "Exists" }] }, { a: "1" }));
        assert.ok(!matches({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, { a: "1" }));
        assert.ok(matches({ matchExpressions: [{ key: "b", operator: "DoesNotExist" }] }, { a: "1" }));
        assert.ok(!matches({ matchLabels: { a: "2" } }, { a: "1" }));
    });

    it("derives the API's addresses from the pinned Service CIDR and the subnet plan", () => {
        const a = apiServerAddresses({
            cluster: { serviceIpv4Cidr: "10.100.0.0/16" },
            network: { vpcCidr: "10.0.0.0/16", availabilityZones: ["a", "b"] },
        } as unknown as Parameters<typeof apiServerAddresses>[0]);
        assert.deepEqual(a, { serviceIp: "10.100.0.1", controlPlaneCidrs: ["10.0.192.0/23", "10.0.194.0/23"] });
    });
});

/** The API allow as it was before the fix: 443 to the VPC. */
function vpcApiSpec(vpcCidr: string): PolicySpec["spec"] {
    return {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: vpcCidr } }], ports: [{ protocol: "TCP", port: 443 }] }],
    };
}
