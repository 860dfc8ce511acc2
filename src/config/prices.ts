import { InstanceType } from "./catalog";

/**
 * Prices for the cost estimate, per AWS region: Linux on-demand instance hours, the EKS control
 * plane (standard support), NAT gateway and Application Load Balancer hours, gp3 GiB-months and
 * customer-managed KMS keys, in USD. Spot is priced from a dated discount table and always
 * labelled an estimate. A region or instance type missing here is an error, never a silent
 * fallback to another region's prices.
 *
 * Sources and dates: us-east-1 instance prices match Karpenter's generated on-demand table
 * (aws/karpenter-provider-aws, pkg/providers/pricing/zz_generated.pricing_aws.go, generated
 * 2026-07-20 from the AWS Price List API; g6e.2xlarge there is 2.24208). Other regions and the
 * service prices are transcribed from the AWS pricing pages (aws.amazon.com/ec2/pricing/on-demand,
 * /eks/pricing, /vpc/pricing, /elasticloadbalancing/pricing, /ebs/pricing, /kms/pricing) as of
 * 2026-06; they were not re-fetched when this table was written. Re-check a figure with the Price
 * List API (needs AWS credentials), e.g.
 *   aws pricing get-products --region us-east-1 --service-code AmazonEC2 --filters \
 *     Type=TERM_MATCH,Field=instanceType,Value=m6i.xlarge Type=TERM_MATCH,Field=regionCode,Value=eu-west-1 \
 *     Type=TERM_MATCH,Field=operatingSystem,Value=Linux Type=TERM_MATCH,Field=tenancy,Value=Shared \
 *     Type=TERM_MATCH,Field=preInstalledSw,Value=NA Type=TERM_MATCH,Field=capacitystatus,Value=Used
 */

/** One region's prices. */
export interface RegionPrices {
    /** When the figures were read (YYYY-MM). */
    asOf: string;
    source: string;
    /** On-demand Linux $/h; a type missing here cannot be used in this region (a config error, rules.ts). */
    instanceHourly: Partial<Record<InstanceType, number>>;
    eksClusterHourly: number;
    natGatewayHourly: number;
    loadBalancerHourly: number;
    gp3GiBMonth: number;
    kmsKeyMonth: number;
}

/** Hours in the month the estimate prices (AWS's own convention: 730). */
export const hoursPerMonth = 730;

/** The types priced in both us-east-1 and (same list prices) us-west-2. */
const usInstances: Partial<Record<InstanceType, number>> = {
    "t3.large": 0.0832,
    "t3.xlarge": 0.1664,
    "m6i.large": 0.096,
    "m6i.xlarge": 0.192,
    "m6i.2xlarge": 0.384,
    "m6i.4xlarge": 0.768,
    "m7i.large": 0.1008,
    "m7i.xlarge": 0.2016,
    "m7i.2xlarge": 0.4032,
    "m7i.4xlarge": 0.8064,
    "r6i.xlarge": 0.252,
    "r6i.2xlarge": 0.504,
    "c6i.xlarge": 0.17,
    "c6i.2xlarge": 0.34,
    "g5.xlarge": 1.006,
    "g5.2xlarge": 1.212,
    "g5.4xlarge": 1.624,
    "g5.12xlarge": 5.672,
    "g6.xlarge": 0.8048,
    "g6.2xlarge": 0.9776,
    "g6.4xlarge": 1.3232,
    "g6.12xlarge": 4.6016,
    "g6e.xlarge": 1.861,
    "g6e.2xlarge": 2.24208,
};

/**
 * us-east-1 only: the larger GPU shapes, from Karpenter's generated table (aws/karpenter-provider-aws
 * pkg/providers/pricing/zz_generated.pricing_aws.go at commit 1d927085, "generated at
 * 2026-07-20T13:44:30Z for us-east-1"). p5e.48xlarge is not offered in us-east-1 (absent from that
 * table), so it has no price here and a pool using it is refused. The other four regions do not list
 * these types here: their prices could not be verified offline, and a pool using one there is a
 * config error naming the region and type (add the figure from the AWS price list to use it).
 */
const usEast1Instances: Partial<Record<InstanceType, number>> = {
    ...usInstances,
    "g5.8xlarge": 2.448,
    "g5.16xlarge": 4.096,
    "g5.24xlarge": 8.144,
    "g5.48xlarge": 16.288,
    "g6.8xlarge": 2.0144,
    "g6.16xlarge": 3.3968,
    "g6.24xlarge": 6.6752,
    "g6.48xlarge": 13.3504,
    "g6e.4xlarge": 3.00424,
    "g6e.8xlarge": 4.52856,
    "g6e.12xlarge": 10.49264,
    "g6e.16xlarge": 7.57719,
    "g6e.24xlarge": 15.06559,
    "g6e.48xlarge": 30.13118,
    "p4d.24xlarge": 21.957642,
    "p5.48xlarge": 55.04,
    "p5en.48xlarge": 63.296,
};

const pages = "AWS pricing pages (EC2 on-demand Linux, EKS, VPC, ELB, EBS, KMS)";

/** Prices by region code. */
export const regionPrices: Readonly<Record<string, RegionPrices>> = {
    "us-east-1": {
        asOf: "2026-07",
        source: "AWS Price List API via Karpenter's generated table (2026-07-20); services: " + pages,
        instanceHourly: usEast1Instances,
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.045,
        loadBalancerHourly: 0.0225,
        gp3GiBMonth: 0.08,
        kmsKeyMonth: 1,
    },
    // Oregon lists the same on-demand and service prices as N. Virginia for these families.
    "us-west-2": {
        asOf: "2026-06",
        source: pages,
        instanceHourly: usInstances,
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.045,
        loadBalancerHourly: 0.0225,
        gp3GiBMonth: 0.08,
        kmsKeyMonth: 1,
    },
    "eu-west-1": {
        asOf: "2026-06",
        source: pages,
        instanceHourly: {
            "t3.large": 0.0912,
            "t3.xlarge": 0.1824,
            "m6i.large": 0.107,
            "m6i.xlarge": 0.214,
            "m6i.2xlarge": 0.428,
            "m6i.4xlarge": 0.856,
            "m7i.large": 0.11235,
            "m7i.xlarge": 0.2247,
            "m7i.2xlarge": 0.4494,
            "m7i.4xlarge": 0.8988,
            "r6i.xlarge": 0.282,
            "r6i.2xlarge": 0.564,
            "c6i.xlarge": 0.192,
            "c6i.2xlarge": 0.384,
            "g5.xlarge": 1.123,
            "g5.2xlarge": 1.353,
            "g5.4xlarge": 1.813,
            "g5.12xlarge": 6.332,
            "g6.xlarge": 0.8984,
            "g6.2xlarge": 1.0913,
            "g6.4xlarge": 1.4771,
            "g6.12xlarge": 5.1368,
            "g6e.xlarge": 2.0775,
            "g6e.2xlarge": 2.5029,
        },
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.048,
        loadBalancerHourly: 0.0252,
        gp3GiBMonth: 0.088,
        kmsKeyMonth: 1,
    },
    "eu-central-1": {
        asOf: "2026-06",
        source: pages,
        instanceHourly: {
            "t3.large": 0.096,
            "t3.xlarge": 0.192,
            "m6i.large": 0.115,
            "m6i.xlarge": 0.23,
            "m6i.2xlarge": 0.46,
            "m6i.4xlarge": 0.92,
            "m7i.large": 0.12075,
            "m7i.xlarge": 0.2415,
            "m7i.2xlarge": 0.483,
            "m7i.4xlarge": 0.966,
            "r6i.xlarge": 0.304,
            "r6i.2xlarge": 0.608,
            "c6i.xlarge": 0.194,
            "c6i.2xlarge": 0.388,
            "g5.xlarge": 1.258,
            "g5.2xlarge": 1.516,
            "g5.4xlarge": 2.031,
            "g5.12xlarge": 7.094,
            "g6.xlarge": 1.0062,
            "g6.2xlarge": 1.2222,
            "g6.4xlarge": 1.6543,
            "g6.12xlarge": 5.7531,
            "g6e.xlarge": 2.3263,
            "g6e.2xlarge": 2.8026,
        },
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.052,
        loadBalancerHourly: 0.027,
        gp3GiBMonth: 0.0952,
        kmsKeyMonth: 1,
    },
    "ap-southeast-1": {
        asOf: "2026-06",
        source: pages,
        instanceHourly: {
            "t3.large": 0.1056,
            "t3.xlarge": 0.2112,
            "m6i.large": 0.12,
            "m6i.xlarge": 0.24,
            "m6i.2xlarge": 0.48,
            "m6i.4xlarge": 0.96,
            "m7i.large": 0.126,
            "m7i.xlarge": 0.252,
            "m7i.2xlarge": 0.504,
            "m7i.4xlarge": 1.008,
            "r6i.xlarge": 0.304,
            "r6i.2xlarge": 0.608,
            "c6i.xlarge": 0.196,
            "c6i.2xlarge": 0.392,
            "g5.xlarge": 1.207,
            "g5.2xlarge": 1.454,
            "g5.4xlarge": 1.949,
            "g5.12xlarge": 6.806,
            "g6.xlarge": 0.9658,
            "g6.2xlarge": 1.1731,
            "g6.4xlarge": 1.5878,
            "g6.12xlarge": 5.5219,
            "g6e.xlarge": 2.2332,
            "g6e.2xlarge": 2.6905,
        },
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.059,
        loadBalancerHourly: 0.0252,
        gp3GiBMonth: 0.096,
        kmsKeyMonth: 1,
    },
};

/**
 * Spot discount off on-demand, by instance family: a typical figure from the AWS Spot Instance
 * Advisor's "savings over on-demand" column (aws.amazon.com/ec2/spot/instance-advisor, read
 * 2026-06, across the regions above). Spot prices move every few minutes, so every spot figure
 * the estimate shows is labelled an estimate.
 */
export const spotDiscount = {
    asOf: "2026-06",
    source: "AWS Spot Instance Advisor, savings over on-demand (typical, not a quote)",
    byFamily: { t3: 0.65, m6i: 0.6, m7i: 0.55, r6i: 0.6, c6i: 0.6, g5: 0.65, g6: 0.55, g6e: 0.5 } as Record<string, number>,
};

/** The prices of a region, or a clear error naming the region and those known. */
export function pricesFor(region: string): RegionPrices {
    const prices = regionPrices[region];
    if (!prices) {
        throw new Error(
            `no prices for region ${region} in src/config/prices.ts (known: ${Object.keys(regionPrices).join(", ")}); add the region's figures from the AWS price list`,
        );
    }
    return prices;
}

/** Instance types of `types` without an on-demand price in the region (empty when all are priced). */
export function unpricedTypes(region: string, types: readonly string[]): string[] {
    const prices = regionPrices[region]?.instanceHourly as Record<string, number> | undefined;
    return prices ? types.filter((t) => prices[t] === undefined) : [...types];
}

/** The hourly price of an instance type in a region, on demand or spot (estimated from the discount table). */
export function instanceHourly(region: string, instanceType: string, capacityType: "ON_DEMAND" | "SPOT" = "ON_DEMAND"): number {
    const onDemand = (pricesFor(region).instanceHourly as Record<string, number>)[instanceType];
    if (onDemand === undefined) throw new Error(`no on-demand price for ${instanceType} in ${region} (src/config/prices.ts)`);
    if (capacityType === "ON_DEMAND") return onDemand;
    const family = instanceType.split(".")[0];
    const discount = spotDiscount.byFamily[family];
    if (discount === undefined) throw new Error(`no spot discount for instance family ${family} (src/config/prices.ts spotDiscount)`);
    return Math.round(onDemand * (1 - discount) * 10000) / 10000;
}
