import { InstanceType } from "./catalog";

/**
 * Prices for the cost estimate, per AWS region: Linux on-demand instance hours, the EKS control
 * plane (standard support), NAT gateway and Application Load Balancer hours, gp3 GiB-months and
 * customer-managed KMS keys, in USD. Spot is priced from a dated discount table and always
 * labelled an estimate. A region missing here, or an instance type without a price in the stack's
 * region (see `notOffered`), is an error before anything is written, never a silent fallback to
 * another region's prices.
 *
 * Sources, re-checked 2026-11-29 (issue 18; what was read, what was derived, what was not checked):
 * - us-east-1 instance hours: every row equals Karpenter's generated on-demand table
 *   (aws/karpenter-provider-aws, pkg/providers/pricing/zz_generated.pricing_aws.go, "generated at
 *   2026-07-20T13:44:30Z for us-east-1" from the AWS Price List API), compared row by row.
 * - Other regions' instance hours: SkyPilot's AWS catalog (skypilot-org/skypilot-catalog,
 *   catalogs/v7/aws/vms.csv at commit 27f67dd4e1bc0d35fa0ec075180ad54b230882c4; columns Price =
 *   on-demand Linux, SpotPrice per zone, one row per region and zone the type is offered in).
 *   Read row by row: t3.large, m6i.12xlarge, m7i.2xlarge/4xlarge/12xlarge/16xlarge, r6i.2xlarge/
 *   12xlarge, c6i.large/4xlarge/8xlarge, g5.xlarge, g6.xlarge/2xlarge/4xlarge/12xlarge,
 *   g6e.xlarge/2xlarge. Other sizes of t3, m6i, m7i, r6i and c6i follow from those rows: within these
 *   families the price is linear in size in every region (checked on each family's sizes read).
 *   g5.2xlarge/4xlarge/12xlarge outside us-east-1 were not read: they are us-east-1's price times
 *   the region's g5 ratio read at g5.xlarge (the ratio is the same for every size read of g6/g6e),
 *   and agree with the table below to 0.02%.
 * - Corrected on that check: eu-west-1 c6i (0.192/0.384 → 0.1824/0.3648); eu-central-1 g6 and g6e
 *   (off by 0.01–0.1%); g5, g6 and g6e removed from ap-southeast-1, and g6 and g6e from eu-west-1:
 *   the catalog lists no zone offering them there, and the old figures had been extrapolated.
 * - Service prices (EKS, NAT, ALB, gp3, KMS): transcribed from the AWS pricing pages
 *   (aws.amazon.com/eks/pricing, /vpc/pricing, /elasticloadbalancing/pricing, /ebs/pricing,
 *   /kms/pricing) in 2026-06; not re-read from AWS since. Corroborated on 2026-11-29 by third-party
 *   copies only: NAT $0.045 (us-east-1) and $0.059 (ap-southeast-1) on an AWS invoice excerpt
 *   (rahmat-ullah/DocParser, backend/sample_full_document.md); ALB $0.0225 (us-east-1) and $0.0252
 *   (eu-west-1) on a calculator page. The others are unverified here.
 * Re-check a figure with the Price List API (needs AWS credentials), e.g.
 *   aws pricing get-products --region us-east-1 --service-code AmazonEC2 --filters \
 *     Type=TERM_MATCH,Field=instanceType,Value=m6i.xlarge Type=TERM_MATCH,Field=regionCode,Value=eu-west-1 \
 *     Type=TERM_MATCH,Field=operatingSystem,Value=Linux Type=TERM_MATCH,Field=tenancy,Value=Shared \
 *     Type=TERM_MATCH,Field=preInstalledSw,Value=NA Type=TERM_MATCH,Field=capacitystatus,Value=Used
 * and whether a type is offered with
 *   aws ec2 describe-instance-type-offerings --region eu-west-1 --location-type availability-zone \
 *     --filters Name=instance-type,Values=g6.xlarge
 */

/** One region's prices. */
export interface RegionPrices {
    /** When the figures were read (YYYY-MM). */
    asOf: string;
    source: string;
    /**
     * On-demand Linux USD per hour. A catalog type missing here is either listed in `notOffered` or
     * unpriced (not verified for this region): a pool using either is a config error (rules.ts).
     */
    instanceHourly: Partial<Record<InstanceType, number>>;
    /** Catalog types the source lists no zone for in this region (not offered there when read). */
    notOffered: readonly InstanceType[];
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
const pages = "services: AWS pricing pages (EKS, VPC, ELB, EBS, KMS) as of 2026-06, not re-read since";
const skypilot = "instances: skypilot-org/skypilot-catalog catalogs/v7/aws/vms.csv @27f67dd (re-checked 2026-11-29); " + pages;

/** Prices by region code. */
export const regionPrices: Readonly<Record<string, RegionPrices>> = {
    "us-east-1": {
        asOf: "2026-07",
        source: "instances: AWS Price List API via Karpenter's generated table (2026-07-20); " + pages,
        instanceHourly: usEast1Instances,
        notOffered: [],
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.045,
        loadBalancerHourly: 0.0225,
        gp3GiBMonth: 0.08,
        kmsKeyMonth: 1,
    },
    // Oregon lists the same on-demand prices as N. Virginia for every family here (rows read: see above).
    "us-west-2": {
        asOf: "2026-11",
        source: skypilot,
        instanceHourly: usInstances,
        notOffered: [],
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.045,
        loadBalancerHourly: 0.0225,
        gp3GiBMonth: 0.08,
        kmsKeyMonth: 1,
    },
    "eu-west-1": {
        asOf: "2026-11",
        source: skypilot,
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
            "c6i.xlarge": 0.1824,
            "c6i.2xlarge": 0.3648,
            "g5.xlarge": 1.123,
            "g5.2xlarge": 1.353,
            "g5.4xlarge": 1.813,
            "g5.12xlarge": 6.332,
        },
        notOffered: ["g6.xlarge", "g6.2xlarge", "g6.4xlarge", "g6.12xlarge", "g6e.xlarge", "g6e.2xlarge"],
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.048,
        loadBalancerHourly: 0.0252,
        gp3GiBMonth: 0.088,
        kmsKeyMonth: 1,
    },
    "eu-central-1": {
        asOf: "2026-11",
        source: skypilot,
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
            "g6.xlarge": 1.0064,
            "g6.2xlarge": 1.22249,
            "g6.4xlarge": 1.65466,
            "g6.12xlarge": 5.75429,
            "g6e.xlarge": 2.327,
            "g6e.2xlarge": 2.8035,
        },
        notOffered: [],
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.052,
        loadBalancerHourly: 0.027,
        gp3GiBMonth: 0.0952,
        kmsKeyMonth: 1,
    },
    "ap-southeast-1": {
        asOf: "2026-11",
        source: skypilot,
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
        },
        notOffered: [
            "g5.xlarge",
            "g5.2xlarge",
            "g5.4xlarge",
            "g5.12xlarge",
            "g6.xlarge",
            "g6.2xlarge",
            "g6.4xlarge",
            "g6.12xlarge",
            "g6e.xlarge",
            "g6e.2xlarge",
        ],
        eksClusterHourly: 0.1,
        natGatewayHourly: 0.059,
        loadBalancerHourly: 0.0252,
        gp3GiBMonth: 0.096,
        kmsKeyMonth: 1,
    },
};

/**
 * Spot discount off on-demand, by instance family: the median, over every zone row read for the
 * sizes listed in the header comment in the regions above, of 1 − SpotPrice / Price in the same
 * SkyPilot catalog snapshot (skypilot-org/skypilot-catalog catalogs/v7/aws/vms.csv @27f67dd,
 * re-checked 2026-11-29; 13–27 zone rows per family, ranges: t3 0.53–0.68, m6i 0.56–0.88, m7i
 * 0.45–0.68, r6i 0.47–0.75, c6i 0.53–0.66, g5 0.54–0.64, g6 0.33–0.74, g6e 0.19–0.71). Spot prices
 * move every few minutes and differ by zone, so every spot figure the estimate shows is labelled an
 * estimate. (The table before had "typical" figures from the Spot Instance Advisor, 2026-06.)
 */
export const spotDiscount = {
    asOf: "2026-11",
    source: "median spot discount per family in skypilot-org/skypilot-catalog @27f67dd (an estimate, not a quote)",
    byFamily: { t3: 0.61, m6i: 0.67, m7i: 0.55, r6i: 0.64, c6i: 0.58, g5: 0.6, g6: 0.53, g6e: 0.52 } as Record<string, number>,
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

/**
 * Instance types of `types` with no on-demand price in the region that are not known to be absent
 * from it either (`notOffered` has its own, clearer error): figures nobody has verified yet. Empty
 * when every type is priced or listed as not offered; every type for a region without a table.
 */
export function unpricedTypes(region: string, types: readonly string[]): string[] {
    const prices = regionPrices[region];
    if (!prices) return [...types];
    const known = prices.instanceHourly as Record<string, number>;
    return types.filter((t) => known[t] === undefined && !(prices.notOffered as readonly string[]).includes(t));
}

/** The hourly price of an instance type in a region, on demand or spot (estimated from the discount table). */
export function instanceHourly(region: string, instanceType: string, capacityType: "ON_DEMAND" | "SPOT" = "ON_DEMAND"): number {
    const prices = pricesFor(region);
    const onDemand = (prices.instanceHourly as Record<string, number>)[instanceType];
    if (onDemand === undefined) {
        if ((prices.notOffered as readonly string[]).includes(instanceType)) {
            throw new Error(
                `${instanceType} is not offered in ${region} (no zone there lists it; src/config/prices.ts ${region}.notOffered): ` +
                    `choose an instance type priced in ${region}: ${Object.keys(prices.instanceHourly).join(", ")}`,
            );
        }
        throw new Error(`no on-demand price for ${instanceType} in ${region} (src/config/prices.ts)`);
    }
    if (capacityType === "ON_DEMAND") return onDemand;
    const family = instanceType.split(".")[0];
    const discount = spotDiscount.byFamily[family];
    if (discount === undefined) throw new Error(`no spot discount for instance family ${family} (src/config/prices.ts spotDiscount)`);
    return Math.round(onDemand * (1 - discount) * 10000) / 10000;
}
