import type * as k8s from "@pulumi/kubernetes";
import { PlatformConfig } from "../config";

type Egress = PlatformConfig["network"]["egress"];

/** A NetworkPolicy's name and spec, as data: built and tested without a cluster. */
export interface PolicySpec {
    name: string;
    spec: k8s.types.input.networking.v1.NetworkPolicySpec;
}

export interface PostureArgs {
    namespace: string;
    posture: Egress;
    vpcCidr: string;
    /** Public subnets: where the load balancers' addresses are (ALB in IP target mode). */
    loadBalancerCidrs: readonly string[];
    monitoringNamespace: string;
}

const nsSelector = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });

/**
 * Every namespace we own starts from default deny, in and out, plus DNS (CIS EKS 4.3.2), then gets
 * the allows of its environment's posture (SPEC §1):
 * - open (dev): anything inside the cluster and the VPC, egress anywhere;
 * - internet (staging): same-namespace, load balancers and monitoring in; the internet out;
 * - restricted (prod): load balancers and monitoring scrapes in; out only DNS, PostgreSQL 5432
 *   and the object store — no internet.
 */
export function networkPolicies(a: PostureArgs): PolicySpec[] {
    const all = { podSelector: {} };
    const policies: PolicySpec[] = [
        { name: "default-deny", spec: { ...all, policyTypes: ["Ingress", "Egress"] } },
        {
            name: "allow-dns",
            spec: {
                ...all,
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [{ ...nsSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            },
        },
    ];
    if (a.posture === "open") {
        policies.push({
            name: "allow-cluster-and-vpc",
            spec: {
                ...all,
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [{ namespaceSelector: {} }, { ipBlock: { cidr: a.vpcCidr } }] }],
                egress: [{ to: [{ namespaceSelector: {} }, { ipBlock: { cidr: "0.0.0.0/0" } }] }],
            },
        });
        return policies;
    }
    policies.push(
        {
            name: "allow-same-namespace",
            spec: {
                ...all,
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [{ podSelector: {} }] }],
                egress: [{ to: [{ podSelector: {} }] }],
            },
        },
        {
            name: "allow-load-balancers",
            spec: { ...all, policyTypes: ["Ingress"], ingress: [{ from: a.loadBalancerCidrs.map((cidr) => ({ ipBlock: { cidr } })) }] },
        },
        {
            name: "allow-monitoring-scrape",
            spec: { ...all, policyTypes: ["Ingress"], ingress: [{ from: [nsSelector(a.monitoringNamespace)] }] },
        },
        {
            name: "allow-data-services",
            spec: {
                ...all,
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            { namespaceSelector: {}, podSelector: { matchExpressions: [{ key: "cnpg.io/cluster", operator: "Exists" }] } },
                        ],
                        ports: [{ protocol: "TCP", port: 5432 }],
                    },
                    {
                        to: [
                            { namespaceSelector: {}, podSelector: { matchExpressions: [{ key: "v1.min.io/tenant", operator: "Exists" }] } },
                        ],
                        ports: [{ protocol: "TCP", port: 9000 }],
                    },
                ],
            },
        },
    );
    if (a.posture === "internet") {
        policies.push({
            name: "allow-internet-egress",
            spec: { ...all, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [a.vpcCidr] } }] }] },
        });
    }
    return policies;
}
