import { strict as assert } from "node:assert";
import { networkPolicies, objectStoreClientLabel, PostureArgs } from "../../src/k8s/network-policies";
import { ofType } from "../../src/synth/inventory";
import { successfulRun } from "../harness";
import { stackNames } from "../../src/synth/stack-files";

const base: Omit<PostureArgs, "posture"> = {
    namespace: "platform-x",
    vpcCidr: "10.0.0.0/16",
    serviceCidr: "172.20.0.0/16",
    loadBalancerCidrs: ["10.0.224.0/24"],
    monitoringNamespace: "platform-monitoring",
};
const names = (posture: PostureArgs["posture"]) => networkPolicies({ ...base, posture }).map((p) => p.name);
const egressCidrs = (posture: PostureArgs["posture"]) =>
    networkPolicies({ ...base, posture }).flatMap((p) =>
        ((p.spec.egress as { to?: { ipBlock?: { cidr: string } }[] }[] | undefined) ?? []).flatMap((e) =>
            (e.to ?? []).flatMap((t) => (t.ipBlock ? [t.ipBlock.cidr] : [])),
        ),
    );

describe("k8s/network-policies", () => {
    it("starts every posture from default deny, in and out, plus DNS to kube-dns", () => {
        for (const posture of ["open", "internet", "restricted"] as const) {
            const [deny, dns] = networkPolicies({ ...base, posture });
            assert.deepEqual(deny, { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
            assert.equal(dns.name, "allow-dns");
            assert.deepEqual((dns.spec.egress as { ports: unknown[] }[])[0].ports, [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
            ]);
        }
    });

    it("lets restricted namespaces reach no internet: no egress ipBlock at all", () => {
        assert.deepEqual(names("restricted"), [
            "default-deny",
            "allow-dns",
            "allow-same-namespace",
            "allow-load-balancers",
            "allow-monitoring-scrape",
            "allow-data-services",
        ]);
        assert.deepEqual(egressCidrs("restricted"), []);
    });

    it("opens the internet to staging's posture, but neither the VPC nor the Service CIDR (ClusterIPs) through that rule", () => {
        const internet = networkPolicies({ ...base, posture: "internet" }).find((p) => p.name === "allow-internet-egress")!;
        assert.deepEqual(internet.spec.egress, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/16", "172.20.0.0/16"] } }] }]);
    });

    it("gives S3 clients (objectStore.kind s3) HTTPS and the Pod Identity agent under restricted egress, and nobody without", () => {
        const s3 = networkPolicies({ ...base, posture: "restricted", objectStore: "s3" });
        assert.deepEqual(
            s3.filter((p) => !names("restricted").includes(p.name)).map((p) => [p.name, p.spec.podSelector]),
            [
                ["allow-pod-identity-agent", { matchLabels: objectStoreClientLabel }],
                ["allow-object-store-s3", { matchLabels: objectStoreClientLabel }],
            ],
        );
        // The failing case before the fix: kind s3 changed nothing, so MLflow could reach neither.
        assert.deepEqual(
            networkPolicies({ ...base, posture: "restricted", objectStore: "minio" }).map((p) => p.name),
            names("restricted"),
        );
    });

    it("opens dev's posture to the cluster and the VPC", () => {
        assert.deepEqual(names("open"), ["default-deny", "allow-dns", "allow-cluster-and-vpc"]);
    });

    it("gives every namespace of every stack its default-deny policy", async () => {
        for (const stack of stackNames()) {
            const { resources } = await successfulRun(stack);
            const namespaces = ofType(resources, "kubernetes:core/v1:Namespace").map((n) => (n.inputs.metadata as { name: string }).name);
            const denies = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .filter((p) => (p.inputs.metadata as { name: string }).name === "default-deny")
                .map((p) => (p.inputs.metadata as { namespace: string }).namespace);
            assert.deepEqual(denies.sort(), namespaces.sort(), stack);
        }
    });
});
