import { IPv4CidrRange, IPv4Prefix, Pool, Validator } from "ip-num";

/**
 * Subnet planning and CIDR checks on IPv4, with the maths done by `ip-num` (a maintained IP
 * address library, MIT, https://github.com/ip-num/ip-num) rather than by hand.
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

/**
 * Why `cidr` is not a usable IPv4 network in CIDR notation, or undefined when it is. A CIDR with
 * host bits set (`10.30.0.1/16`) is refused with the network address it probably meant: AWS
 * refuses it for a VPC (InvalidVpc.Range) and EKS for `publicAccessCidrs`.
 */
export const cidrProblem = memoised((cidr: string) => cidr, findCidrProblem);

function findCidrProblem(cidr: string): string | undefined {
    const [notation] = Validator.isValidIPv4CidrNotation(cidr);
    if (!notation || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) return "must be an IPv4 CIDR such as 10.0.0.0/16";
    const [network] = Validator.isValidIPv4CidrRange(cidr);
    if (!network) {
        const range = IPv4CidrRange.fromCidr(cidr);
        return `has host bits set; did you mean ${range.getFirst().toString()}/${range.getPrefix().getValue()}?`;
    }
    return undefined;
}

/** Parses a network CIDR: `base` is the first address as a number. Throws on host bits or bad syntax. */
export function parseCidr(cidr: string): { base: number; prefix: number } {
    const problem = cidrProblem(cidr);
    if (problem) throw new Error(`${cidr} ${problem.startsWith("has") ? problem : `is not an IPv4 CIDR (${problem})`}`);
    return parsedRange(cidr);
}

const parsedRange = memoised(
    (cidr: string) => cidr,
    (cidr: string) => {
        const range = IPv4CidrRange.fromCidr(cidr);
        return Object.freeze({ base: Number(range.getFirst().getValue()), prefix: Number(range.getPrefix().getValue()) });
    },
);

/** `10.0.0.0/16` from a first address (as a number) and a prefix length. */
export function formatCidr(base: number, prefix: number): string {
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
    return IPv4CidrRange.fromCidr(`${octets.join(".")}/${prefix}`).toCidrString();
}

/** The `index`-th subnet of `newPrefix` inside `cidr`. */
export function subnet(cidr: string, newPrefix: number, index: number): string {
    const { prefix } = parseCidr(cidr);
    if (newPrefix < prefix || newPrefix > 28) throw new Error(`cannot cut /${newPrefix} subnets from ${cidr}`);
    const count = 2 ** (newPrefix - prefix);
    if (index < 0 || index >= count) throw new Error(`${cidr} holds ${count} /${newPrefix} subnets, not ${index + 1}`);
    // splitInto lists every subnet; for the sizes we cut (at most 2^12 of them) that is cheap and exact.
    const subnets = IPv4CidrRange.fromCidr(cidr).splitInto(IPv4Prefix.fromNumber(BigInt(newPrefix)));
    return subnets[index].toCidrString();
}

/** True when two CIDRs share any address. */
export const overlaps = memoised(
    (a: string, b: string) => `${a} ${b}`,
    (a: string, b: string): boolean => {
        parseCidr(a);
        parseCidr(b);
        return IPv4CidrRange.fromCidr(a).isOverlapping(IPv4CidrRange.fromCidr(b));
    },
);

/** True when `inner` lies entirely inside `outer`. */
export const contains = memoised(
    (outer: string, inner: string) => `${outer} ${inner}`,
    (outer: string, inner: string): boolean => {
        parseCidr(outer);
        parseCidr(inner);
        return IPv4CidrRange.fromCidr(inner).inside(IPv4CidrRange.fromCidr(outer)) || outer === inner;
    },
);

/** The smallest set of CIDRs covering exactly the union of `cidrs` (ip-num's Pool.aggregate). */
export function aggregate(cidrs: readonly string[]): string[] {
    // CIDR blocks are nested or disjoint: drop the nested ones, then let ip-num merge neighbours.
    const unique = [...new Set(cidrs)];
    const outer = unique.filter((c) => !unique.some((o) => o !== c && contains(o, c)));
    if (outer.length === 0) return [];
    const pool = Pool.fromCidrRanges(outer.map((c) => IPv4CidrRange.fromCidr(c)));
    return pool
        .aggregate()
        .getRanges()
        .map((r) => r.toCidrRange().toCidrString());
}

/** Number of addresses the union of `cidrs` covers (overlaps counted once). */
export function addressCount(cidrs: readonly string[]): number {
    return aggregate(cidrs).reduce((sum, c) => sum + 2 ** (32 - parseCidr(c).prefix), 0);
}

/**
 * Address blocks that are not on the public internet (RFC 6890 special-purpose registry): private
 * (RFC 1918), shared (RFC 6598), loopback, link-local, "this network", multicast and reserved.
 */
export const nonPublicBlocks = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
] as const;

/** The non-public block `cidr` overlaps, if any. */
export function nonPublicBlockOf(cidr: string): string | undefined {
    return nonPublicBlocks.find((b) => overlaps(b, cidr));
}

/**
 * Private and public subnets for each zone, in zone order (frozen: the plan for a VPC CIDR and zone
 * list is computed once and shared; the program asks for it once per namespace's network policies).
 */
export const planSubnets = memoised(
    (vpcCidr: string, zones: readonly string[]) => `${vpcCidr} ${zones.join(",")}`,
    (vpcCidr: string, zones: readonly string[]): readonly SubnetPlan[] =>
        Object.freeze(computePlan(vpcCidr, zones).map((p) => Object.freeze(p))),
);

function computePlan(vpcCidr: string, zones: readonly string[]): SubnetPlan[] {
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

/**
 * `compute` with its results kept by `keyOf(args)`: every function here is pure, and the program,
 * the config rules and the policies ask about the same few CIDRs many times per run (ip-num builds
 * each range from its string, so the asking was a fifth of a synth). A call that throws is not kept.
 */
function memoised<A extends unknown[], R>(keyOf: (...args: A) => string, compute: (...args: A) => R): (...args: A) => R {
    const results = new Map<string, R>();
    return (...args: A) => {
        const key = keyOf(...args);
        if (!results.has(key)) results.set(key, compute(...args));
        return results.get(key) as R;
    };
}
