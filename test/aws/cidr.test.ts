import { strict as assert } from "node:assert";
import {
    addressCount,
    aggregate,
    apiServiceIp,
    cidrProblem,
    contains,
    formatCidr,
    maxZones,
    nonPublicBlockOf,
    nthAddress,
    overlaps,
    parseCidr,
    planSubnets,
    subnet,
} from "../../src/aws/cidr";

describe("aws/cidr", () => {
    it("plans a /16 over three zones as the design expects", () => {
        assert.deepEqual(planSubnets("10.30.0.0/16", ["a", "b", "c"]), [
            {
                zone: "a",
                privateCidr: "10.30.0.0/19",
                publicCidr: "10.30.224.0/24",
                controlPlaneCidr: "10.30.192.0/23",
                internalLoadBalancerCidr: "10.30.208.0/23",
            },
            {
                zone: "b",
                privateCidr: "10.30.32.0/19",
                publicCidr: "10.30.225.0/24",
                controlPlaneCidr: "10.30.194.0/23",
                internalLoadBalancerCidr: "10.30.210.0/23",
            },
            {
                zone: "c",
                privateCidr: "10.30.64.0/19",
                publicCidr: "10.30.226.0/24",
                controlPlaneCidr: "10.30.196.0/23",
                internalLoadBalancerCidr: "10.30.212.0/23",
            },
        ]);
    });

    it("never overlaps and stays inside the VPC for every allowed prefix and zone count", () => {
        for (let prefix = 16; prefix <= 20; prefix++) {
            for (let zones = 1; zones <= maxZones; zones++) {
                const vpc = `10.0.0.0/${prefix}`;
                const cidrs = planSubnets(
                    vpc,
                    Array.from({ length: zones }, (_, i) => `z${i}`),
                ).flatMap((p) => [p.privateCidr, p.publicCidr, p.controlPlaneCidr, p.internalLoadBalancerCidr]);
                for (const [i, a] of cidrs.entries()) {
                    assert.ok(overlaps(vpc, a), `${a} is outside ${vpc}`);
                    const { prefix: p } = parseCidr(a);
                    assert.ok(p >= prefix && p <= 28, `${a} has an unusable size`);
                    // EKS wants /28 or larger for the control plane's subnets, an ALB /27 or larger.
                    if (i % 4 >= 2) assert.ok(p <= 27, `${a} is too small for an ALB or the control plane`);
                    for (const b of cidrs.slice(i + 1)) assert.ok(!overlaps(a, b), `${a} overlaps ${b} in ${vpc} with ${zones} zones`);
                }
            }
        }
    });

    it("gives the API's ClusterIP as the first address of the Service CIDR", () => {
        assert.equal(apiServiceIp("172.20.0.0/16"), "172.20.0.1");
        assert.equal(apiServiceIp("10.100.0.0/16"), "10.100.0.1");
        assert.equal(nthAddress("192.168.4.0/22", 513), "192.168.6.1");
        assert.throws(() => nthAddress("10.0.0.0/30", 4), /has no address number 4/);
    });

    it("refuses more zones than the plan holds", () => {
        assert.throws(
            () =>
                planSubnets(
                    "10.0.0.0/16",
                    Array.from({ length: maxZones + 1 }, (_, i) => `z${i}`),
                ),
            /a plan needs 1 to 6 zones, got 7/,
        );
    });

    it("rejects a CIDR with host bits and suggests the network address", () => {
        assert.throws(() => parseCidr("10.0.1.0/16"), /has host bits set; did you mean 10\.0\.0\.0\/16\?/);
    });

    it("cuts and formats subnets, and refuses one past the end", () => {
        assert.equal(subnet("10.0.0.0/16", 24, 255), "10.0.255.0/24");
        assert.equal(formatCidr(parseCidr("192.168.4.0/22").base, 22), "192.168.4.0/22");
        assert.throws(() => subnet("10.0.0.0/16", 24, 256), /holds 256 \/24 subnets, not 257/);
    });

    it("names the problem of a bad CIDR: syntax, or host bits with the network meant", () => {
        assert.equal(cidrProblem("10.30.0.0/16"), undefined);
        assert.equal(cidrProblem("10.30.0.1/16"), "has host bits set; did you mean 10.30.0.0/16?");
        for (const bad of ["10.0.0.0/33", "10.0.0/16", "256.0.0.0/8", "10.0.0.0", "010.0.0.0/8", " 10.0.0.0/8"]) {
            assert.equal(cidrProblem(bad), "must be an IPv4 CIDR such as 10.0.0.0/16", bad);
        }
    });

    it("aggregates sets of CIDRs, so lists that together cover the internet are seen as such", () => {
        assert.deepEqual(aggregate(["0.0.0.0/1", "128.0.0.0/1"]), ["0.0.0.0/0"]);
        assert.deepEqual(aggregate(["10.0.0.0/24", "10.0.1.0/24"]), ["10.0.0.0/23"]);
        assert.equal(addressCount(["10.0.0.0/24", "10.0.0.0/25"]), 256);
        assert.ok(
            contains("10.0.0.0/8", "10.30.0.0/16") && contains("10.0.0.0/8", "10.0.0.0/8") && !contains("10.30.0.0/16", "10.0.0.0/8"),
        );
        assert.equal(nonPublicBlockOf("203.0.113.0/24"), undefined);
        assert.equal(nonPublicBlockOf("172.20.0.0/16"), "172.16.0.0/12");
    });
});
