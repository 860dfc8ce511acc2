/**
 * Subnet planning: pure IPv4 maths, tested without mocks.
 *
 * The VPC is cut into eight equal blocks. Zone i gets block i as its private subnet (nodes and,
 * with the VPC CNI, every pod take addresses from it, so it gets the space). The last block is cut
 * into /24-sized (for a /16) public subnets, one per zone, for load balancers and NAT gateways.
 * Block 6 holds small dedicated subnets that no pod or node ever takes an address from, so that a
 * network policy can name exactly them: the EKS control plane's network interfaces (index i) and
 * the internal load balancers (index 8 + i), each 1/16 of the block (/23 for a /16, /27 for a /20).
 */

export interface SubnetPlan {
    zone: string;
    privateCidr: string;
    publicCidr: string;
    /** Where the EKS control plane's ENIs are (the cluster's `vpcConfig.subnetIds`): no pods. */
    controlPlaneCidr: string;
    /** Where internal load balancers are (tagged `kubernetes.io/role/internal-elb`): no pods. */
    internalLoadBalancerCidr: string;
}

/** The most zones a plan can hold: six private blocks, leaving one spare and one for public subnets. */
export const maxZones = 6;

export function parseCidr(cidr: string): { base: number; prefix: number } {
    const [address, prefixText] = cidr.split("/");
    const octets = address.split(".").map(Number);
    const prefix = Number(prefixText);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || !(prefix >= 0 && prefix <= 32)) {
        throw new Error(`not an IPv4 CIDR: ${cidr}`);
    }
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) throw new Error(`${cidr} has host bits set; did you mean ${formatCidr(base - (base % size), prefix)}?`);
    return { base, prefix };
}

export function formatCidr(base: number, prefix: number): string {
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefix}`;
}

/** The `index`-th subnet of `newPrefix` inside `cidr`. */
export function subnet(cidr: string, newPrefix: number, index: number): string {
    const { base, prefix } = parseCidr(cidr);
    if (newPrefix < prefix || newPrefix > 28) throw new Error(`cannot cut /${newPrefix} subnets from ${cidr}`);
    const count = 2 ** (newPrefix - prefix);
    if (index < 0 || index >= count) throw new Error(`${cidr} holds ${count} /${newPrefix} subnets, not ${index + 1}`);
    return formatCidr(base + index * 2 ** (32 - newPrefix), newPrefix);
}

/** True when two CIDRs share any address. */
export function overlaps(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    const xEnd = x.base + 2 ** (32 - x.prefix);
    const yEnd = y.base + 2 ** (32 - y.prefix);
    return x.base < yEnd && y.base < xEnd;
}

/** Private and public subnets for each zone, in zone order. */
export function planSubnets(vpcCidr: string, zones: readonly string[]): SubnetPlan[] {
    if (zones.length === 0 || zones.length > maxZones) throw new Error(`a plan needs 1 to ${maxZones} zones, got ${zones.length}`);
    const { prefix } = parseCidr(vpcCidr);
    const blockPrefix = prefix + 3;
    const publicBlock = subnet(vpcCidr, blockPrefix, 7);
    const dedicatedBlock = subnet(vpcCidr, blockPrefix, 6);
    return zones.map((zone, i) => ({
        zone,
        privateCidr: subnet(vpcCidr, blockPrefix, i),
        publicCidr: subnet(publicBlock, Math.min(prefix + 8, 28), i),
        controlPlaneCidr: subnet(dedicatedBlock, blockPrefix + 4, i),
        internalLoadBalancerCidr: subnet(dedicatedBlock, blockPrefix + 4, 8 + i),
    }));
}

/** The `n`-th address of a CIDR as a dotted quad (n = 1: the first usable one). */
export function nthAddress(cidr: string, n: number): string {
    const { base, prefix } = parseCidr(cidr);
    if (n < 0 || n >= 2 ** (32 - prefix)) throw new Error(`${cidr} has no address number ${n}`);
    return formatCidr(base + n, 32).split("/")[0];
}

/**
 * The ClusterIP of the `default/kubernetes` Service: kube-apiserver gives it the first address of
 * the Service CIDR (kubernetes/kubernetes pkg/controlplane/services.go, ServiceIPRange: "the first
 * IP in the range"; on EKS 10.100.0.1 or 172.20.0.1 for the default ranges).
 */
export function apiServiceIp(serviceCidr: string): string {
    return nthAddress(serviceCidr, 1);
}
