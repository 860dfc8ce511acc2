import { strict as assert } from "node:assert";
import { findResource, ofType } from "../../src/synth/inventory";
import { successfulRun } from "../harness";

describe("aws/network", () => {
    const expected = { dev: { zones: 2, nats: 1 }, staging: { zones: 3, nats: 1 }, prod: { zones: 3, nats: 3 } };
    for (const [stack, want] of Object.entries(expected)) {
        it(`${stack}: ${want.zones} private and public subnets, ${want.nats} NAT gateway(s), private routes through them`, async () => {
            const { resources } = await successfulRun(stack);
            const subnets = ofType(resources, "aws:ec2/subnet:Subnet");
            const tagged = (role: string) =>
                subnets.filter((s) => (s.inputs.tags as Record<string, string>)[`kubernetes.io/role/${role}`] === "1");
            assert.equal(tagged("internal-elb").length, want.zones);
            assert.equal(tagged("elb").length, want.zones);
            assert.ok(
                subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false),
                "no subnet hands out public IPs",
            );
            assert.ok(
                subnets.every((s) => (s.inputs.tags as Record<string, string>)[`kubernetes.io/cluster/ml-platform-${stack}`] === "shared"),
            );
            assert.equal(ofType(resources, "aws:ec2/natGateway:NatGateway").length, want.nats);
            const privateTables = ofType(resources, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.startsWith("network-private-"));
            assert.equal(privateTables.length, want.zones);
            assert.ok(privateTables.every((t) => (t.inputs.routes as { natGatewayId?: string }[])[0].natGatewayId));
        });
    }

    it("strips every rule from the default security group", async () => {
        const sg = findResource(
            (await successfulRun("prod")).resources,
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "network-default-sg",
        );
        assert.deepEqual([sg.inputs.ingress, sg.inputs.egress], [[], []]);
    });

    it("sends all VPC traffic to a KMS-encrypted flow-log group with the configured retention", async () => {
        const { resources } = await successfulRun("prod");
        const flow = findResource(resources, "aws:ec2/flowLog:FlowLog", "network-flow-logs");
        const group = findResource(resources, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs");
        assert.equal(flow.inputs.trafficType, "ALL");
        assert.equal(group.inputs.retentionInDays, 365);
        assert.match(String(group.inputs.kmsKeyId), /^arn:aws:kms:/);
        assert.ok(flow.dependsOn.includes(group.urn));
    });
});
