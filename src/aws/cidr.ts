/**
 * Subnet planning: pure IPv4 maths, tested without mocks.
 *
 * The VPC is cut into eight equal blocks. Zone i gets block i as its private subnet (nodes and,
 * with the VPC CNI, every pod take addresses from it, so it gets the space). The last block is cut
 * into /24-sized (for a /16) public subnets, one per zone, for load balancers and NAT gateways.
 * Block 6 stays free for later growth (a seventh zone or dedicated pod subnets).
 */

export interface SubnetPlan {
    zone: string;
    privateCidr: string;
    publicCidr: string;
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
    return zones.map((zone, i) => ({
        zone,
        privateCidr: subnet(vpcCidr, blockPrefix, i),
        publicCidr: subnet(publicBlock, Math.min(prefix + 8, 28), i),
    }));
}
