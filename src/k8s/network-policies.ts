import type * as k8s from "@pulumi/kubernetes";
import { apiServiceIp, planSubnets } from "../aws/cidr";
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
    /** `cluster.serviceIpv4Cidr`: left out of internet egress with the VPC. */
    serviceCidr: string;
    /** Public subnets: where the load balancers' addresses are (ALB in IP target mode). */
    loadBalancerCidrs: readonly string[];
    monitoringNamespace: string;
    /** `objectStore.kind`: with s3, labelled pods reach S3 and the Pod Identity agent whatever the posture. */
    objectStore?: PlatformConfig["objectStore"]["kind"];
}

/** The label a workload's pod carries to reach S3 (objectStore.kind s3) under restricted egress. */
export const objectStoreClientLabel = { "platform.company.io/object-store-client": "true" };

/**
 * Where the Kubernetes API is, as the VPC CNI's network-policy agent sees it. Egress is judged on
 * the pod's veth before kube-proxy's DNAT, so a client's packets carry the `default/kubernetes`
 * ClusterIP, which the agent's controller never adds for a Service without a selector
 * (aws/amazon-network-policy-controller-k8s v1.1.7, pkg/resolvers/endpoints.go
 * getMatchingServiceClusterIPs; pkg/resolvers/policies_for_service.go "Ignoring service without
 * selector"): an allow must name it as an ipBlock. The API server's own calls into webhooks and
 * proxied Services come from the control plane's ENIs, in their own subnets (src/aws/cidr.ts).
 */
export interface ApiServerAddresses {
    /** The ClusterIP of `default/kubernetes`: the first address of `cluster.serviceIpv4Cidr`. */
    serviceIp: string;
    /** The dedicated subnets of the control plane's ENIs (private-endpoint clients and webhook callers). */
    controlPlaneCidrs: string[];
}

/** The API server's addresses for a config: pure, from the pinned Service CIDR and the subnet plan. */
export function apiServerAddresses(config: Pick<PlatformConfig, "cluster" | "network">): ApiServerAddresses {
    return {
        serviceIp: apiServiceIp(config.cluster.serviceIpv4Cidr),
        controlPlaneCidrs: planSubnets(config.network.vpcCidr, config.network.availabilityZones).map((p) => p.controlPlaneCidr),
    };
}

/**
 * What "the internet" must leave out: the VPC, and the Service CIDR — the agent judges egress by
 * ClusterIP, so 0.0.0.0/0 without this exception would also open every Service, the API included.
 */
export function notInternet(config: Pick<PlatformConfig, "cluster" | "network">): string[] {
    return [config.network.vpcCidr, config.cluster.serviceIpv4Cidr];
}

const all = { podSelector: {} };
export const nsSelector = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });

/**
 * Every namespace we own starts from default deny, in and out, plus DNS (CIS EKS 4.3.2), then gets
 * the allows of its environment's posture (SPEC §1):
 * - open (dev): anything inside the cluster and the VPC, egress anywhere;
 * - internet (staging): same-namespace, load balancers and monitoring in; the internet out;
 * - restricted (prod): load balancers and monitoring scrapes in; out only DNS, PostgreSQL 5432
 *   and the object store — no internet. With `objectStore.kind: s3` the object store is S3's
 *   public addresses: only pods labelled `objectStoreClientLabel` get HTTPS out and the Pod
 *   Identity agent (their credentials), so the posture does not open 443 to every pod.
 */
export function networkPolicies(a: PostureArgs): PolicySpec[] {
    const policies = defaultDeny();
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
        allow.sameNamespace(),
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
    if (a.objectStore === "s3" && a.posture === "restricted") {
        const clients = { matchLabels: objectStoreClientLabel };
        policies.push(allow.podIdentityAgent(clients), allow.httpsEgress("allow-object-store-s3", clients, [a.vpcCidr, a.serviceCidr]));
    }
    if (a.posture === "internet") {
        policies.push({
            name: "allow-internet-egress",
            spec: {
                ...all,
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [a.vpcCidr, a.serviceCidr] } }] }],
            },
        });
    }
    return policies;
}

/** What every namespace we own starts from: deny all in and out, then DNS to CoreDNS. */
export function defaultDeny(): PolicySpec[] {
    return [
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
}

type Selector = { matchLabels: Record<string, string> };
export const tcp = (ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/** The allows a platform service's own namespace is built from: each one named, narrow and explicit. */
export const allow = {
    /** Pods of the namespace talk to each other. */
    sameNamespace: (): PolicySpec => ({
        name: "allow-same-namespace",
        spec: {
            ...all,
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: {} }] }],
            egress: [{ to: [{ podSelector: {} }] }],
        },
    }),
    /**
     * Controllers reach the Kubernetes API on 443: its ClusterIP (what the agent sees before DNAT)
     * and the control plane's ENIs (the private endpoint's addresses). The API server's webhook
     * and proxy calls come from those ENIs only: no pod has an address there.
     */
    apiServer: (api: ApiServerAddresses, webhookPorts: number[] = [], name = "allow-kubernetes-api"): PolicySpec => {
        const controlPlane = api.controlPlaneCidrs.map((cidr) => ({ ipBlock: { cidr } }));
        return {
            name,
            spec: {
                ...all,
                policyTypes: webhookPorts.length ? ["Ingress", "Egress"] : ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: `${api.serviceIp}/32` } }, ...controlPlane], ports: tcp([443]) }],
                ...(webhookPorts.length ? { ingress: [{ from: controlPlane, ports: tcp(webhookPorts) }] } : {}),
            },
        };
    },
    /** Prometheus scrapes the metrics ports. */
    monitoringScrape: (monitoringNamespace: string, ports: number[]): PolicySpec => ({
        name: "allow-monitoring-scrape",
        spec: { ...all, policyTypes: ["Ingress"], ingress: [{ from: [nsSelector(monitoringNamespace)], ports: tcp(ports) }] },
    }),
    /** The load balancers (public subnets, IP targets) reach the selected pods on these ports. */
    loadBalancers: (cidrs: readonly string[], podSelector: Selector, ports: number[], name = "allow-load-balancers"): PolicySpec => ({
        name,
        spec: {
            podSelector,
            policyTypes: ["Ingress"],
            ingress: [{ from: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(ports) }],
        },
    }),
    /** Ingress from other namespaces' pods on these ports (clients of a service). */
    fromNamespaces: (name: string, namespaces: string[], ports: number[]): PolicySpec => ({
        name,
        spec: { ...all, policyTypes: ["Ingress"], ingress: [{ from: namespaces.map(nsSelector), ports: tcp(ports) }] },
    }),
    /** Egress to pods of other namespaces on these ports. */
    toNamespaces: (name: string, namespaces: string[], ports: number[]): PolicySpec => ({
        name,
        spec: { ...all, policyTypes: ["Egress"], egress: [{ to: namespaces.map(nsSelector), ports: tcp(ports) }] },
    }),
    /**
     * The EKS Pod Identity agent, which hands out the pods' AWS credentials from a link-local
     * address on every node (169.254.170.23:80), for the selected pods only.
     */
    podIdentityAgent: (podSelector: Selector): PolicySpec => ({
        name: "allow-pod-identity-agent",
        spec: { podSelector, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: tcp([80]) }] },
    }),
    /** HTTPS to the internet (Git hosts, chart repositories) for the selected pods only; `except` from {@link notInternet}. */
    httpsEgress: (name: string, podSelector: Selector, except: readonly string[]): PolicySpec => ({
        name,
        spec: {
            podSelector,
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...except] } }], ports: tcp([443]) }],
        },
    }),
};
