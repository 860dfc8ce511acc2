import { addressCount, contains, nonPublicBlockOf, nonPublicBlocks } from "../aws/cidr";
import { instanceTypes } from "./catalog";
import { joinPath, parseQuantity } from "./formats";
import {
    awsLimits,
    kubeletLabelKeys,
    kubeletLabelPrefixes,
    kubernetesNamespaces,
    platformServiceNamespaces,
    regionZones,
    reservedBucketSuffixes,
} from "./limits";
import type { ConfigProblem } from "./rules";
import type { ParsedConfig } from "./schema";

/**
 * Cross-field rules for what AWS or Kubernetes would refuse at `pulumi up`, or what would quietly
 * weaken a production guarantee: composed name lengths, reserved names, duplicates the APIs refuse,
 * requests above limits, address ranges. Facts come from `limits.ts`; each rule names the key.
 */

type Rule = (c: ParsedConfig) => ConfigProblem[];
const problem = (path: string, value: unknown, rule: string): ConfigProblem => ({ path, value, rule });

/** The resource-name prefix every AWS name starts with (`src/aws/context.ts`). */
export const namePrefix = (environment: string) => `ml-platform-${environment}`;

/** Values that appear more than once in `values` after `normalise` (case-insensitive by default). */
function duplicates(values: readonly string[], normalise = (v: string) => v.toLowerCase()): string[] {
    const seen = new Map<string, string>();
    const out: string[] = [];
    for (const v of values) {
        const k = normalise(v);
        if (seen.has(k)) out.push(v);
        else seen.set(k, v);
    }
    return out;
}

/** Region and zones exist: a zone letter outside the region's is refused by EC2 (InvalidParameterValue). */
const regionRules: Rule = (c) => {
    const letters = regionZones[c.region];
    if (letters === undefined) {
        return [
            problem("region", c.region, "is not an AWS region this program knows (src/config/limits.ts lists regions and their zones)"),
        ];
    }
    return c.network.availabilityZones.flatMap((zone, i) =>
        zone.startsWith(c.region) && /^[a-z]$/.test(zone.slice(c.region.length)) && !letters.includes(zone.slice(c.region.length))
            ? [
                  problem(
                      `network.availabilityZones[${i}]`,
                      zone,
                      `does not exist in ${c.region} (its zones are ${[...letters].map((l) => c.region + l).join(", ")})`,
                  ),
              ]
            : [],
    );
};

/** Address ranges: the VPC is private; the public endpoint list is public, short, and not the whole internet. */
const addressRules: Rule = (c) => {
    const out: ConfigProblem[] = [];
    const vpc = c.network.vpcCidr;
    if (!["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].some((block) => contains(block, vpc))) {
        out.push(problem("network.vpcCidr", vpc, "must be a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)"));
    }
    const cidrs = c.cluster.publicAccessCidrs;
    cidrs.forEach((cidr, i) => {
        const prefix = Number(cidr.split("/")[1]);
        const block = nonPublicBlockOf(cidr);
        if (prefix === 0) return; // clusterRules: the whole internet
        if (prefix < 8) {
            out.push(
                problem(
                    `cluster.publicAccessCidrs[${i}]`,
                    cidr,
                    "opens the API endpoint to more than a /8 of the internet; list your VPN or office ranges",
                ),
            );
        } else if (block) {
            out.push(
                problem(
                    `cluster.publicAccessCidrs[${i}]`,
                    cidr,
                    `is not public address space (overlaps ${block}); list your public egress ranges`,
                ),
            );
        }
    });
    for (const d of duplicates(cidrs)) out.push(problem("cluster.publicAccessCidrs", cidrs, `must not repeat ${d}`));
    if (cidrs.length > awsLimits.publicAccessCidrs) {
        out.push(
            problem("cluster.publicAccessCidrs", cidrs, `EKS takes at most ${awsLimits.publicAccessCidrs} CIDRs, got ${cidrs.length}`),
        );
    }
    if (cidrs.length > 1 && !cidrs.some((x) => x.endsWith("/0")) && addressCount([...cidrs, ...nonPublicBlocks]) === 2 ** 32) {
        out.push(problem("cluster.publicAccessCidrs", cidrs, "together cover the whole internet; list only your VPN or office ranges"));
    }
    return out;
};

/** Node pools: names AWS composes from the pool, labels the kubelet accepts, no duplicates. */
const nodePoolLimits: Rule = (c) =>
    Object.entries(c.nodePools).flatMap(([name, p]) => {
        const at = `nodePools.${name}`;
        const out: ConfigProblem[] = [];
        const nodegroup = `${namePrefix(c.environment)}-${name}`;
        if (nodegroup.length > awsLimits.nodegroupName) {
            out.push(
                problem(
                    at,
                    name,
                    `makes the node group name ${nodegroup} (${nodegroup.length} characters); EKS allows ${awsLimits.nodegroupName}`,
                ),
            );
        }
        const description = `${namePrefix(c.environment)} ${name} nodes: ${p.purpose}`;
        if (description.length > awsLimits.launchTemplateDescription) {
            out.push(
                problem(
                    `${at}.purpose`,
                    p.purpose,
                    `is too long: the launch template description allows ${awsLimits.launchTemplateDescription} characters in all, ${description.length - awsLimits.launchTemplateDescription} too many`,
                ),
            );
        }
        for (const d of duplicates(p.instanceTypes)) out.push(problem(`${at}.instanceTypes`, p.instanceTypes, `must not repeat ${d}`));
        for (const [key, value] of Object.entries(p.labels)) {
            const reservedDomain = /(^|\.)(kubernetes\.io|k8s\.io)\//.test(key);
            const allowed = kubeletLabelPrefixes.some((x) => key.startsWith(x)) || (kubeletLabelKeys as readonly string[]).includes(key);
            if (reservedDomain && !allowed) {
                out.push(
                    problem(
                        joinPath([at, "labels", key]),
                        value,
                        "is in the kubernetes.io / k8s.io namespace, which the kubelet refuses to set on its node",
                    ),
                );
            }
            if (key === "platform.company.io/pool" && value !== name) {
                out.push(problem(joinPath([at, "labels", key]), value, `is set by the program to the pool's name (${name})`));
            }
            const tagKey = `k8s.io/cluster-autoscaler/node-template/label/${key}`;
            if (p.minSize === 0 && tagKey.length > awsLimits.tagKey) {
                out.push(
                    problem(
                        joinPath([at, "labels", key]),
                        value,
                        `is too long for the autoscaler's scale-from-zero tag (${tagKey.length} > ${awsLimits.tagKey} characters)`,
                    ),
                );
            }
        }
        const taintKeys = p.taints.map((t) => `${t.key}:${t.effect}`);
        for (const d of duplicates(taintKeys, (v) => v))
            out.push(problem(`${at}.taints`, d, "must not repeat a taint key with the same effect (Kubernetes refuses the node)"));
        if (p.taints.length > awsLimits.taintsPerNodegroup) {
            out.push(problem(`${at}.taints`, p.taints.length, `EKS allows at most ${awsLimits.taintsPerNodegroup} taints per node group`));
        }
        const templateTags = Object.keys(p.labels).length + p.taints.length + 3;
        if (p.minSize === 0 && templateTags + 10 > awsLimits.tagsPerResource) {
            out.push(
                problem(
                    `${at}.labels`,
                    Object.keys(p.labels).length,
                    `a pool that scales from zero carries a tag per label and taint; at most ${awsLimits.tagsPerResource - 13} in all`,
                ),
            );
        }
        return out;
    });

/** Namespaces: none owned by Kubernetes or the platform's services; defaults fit the quota. */
const namespaceLimits: Rule = (c) =>
    Object.entries(c.namespaces).flatMap(([name, ns]) => {
        const at = `namespaces.${name}`;
        const out: ConfigProblem[] = [];
        if ((kubernetesNamespaces as readonly string[]).includes(name) || name.startsWith("kube-")) {
            out.push(problem(at, name, "is a namespace Kubernetes owns (default and kube-* are reserved); choose another name"));
        } else if ((platformServiceNamespaces as readonly string[]).includes(name)) {
            out.push(
                problem(
                    at,
                    name,
                    `is the namespace of a platform service (reserved: ${platformServiceNamespaces.join(", ")}); choose another name`,
                ),
            );
        }
        if (c.tier === "production" && ns.podSecurity === "privileged") {
            out.push(
                problem(
                    `${at}.podSecurity`,
                    ns.podSecurity,
                    "tier production allows at most baseline in namespaces the stack file defines",
                ),
            );
        }
        const d = ns.containerDefaults;
        const cpu = { request: parseQuantity(d.cpuRequest, "cpu"), limit: parseQuantity(d.cpuLimit, "cpu") };
        const memory = { request: parseQuantity(d.memoryRequest, "memory"), limit: parseQuantity(d.memoryLimit, "memory") };
        if (typeof cpu.request === "number" && typeof cpu.limit === "number") {
            if (cpu.request > cpu.limit)
                out.push(problem(`${at}.containerDefaults.cpuRequest`, d.cpuRequest, `must be ≤ cpuLimit (${d.cpuLimit})`));
            if (cpu.limit > ns.quota.cpu)
                out.push(problem(`${at}.containerDefaults.cpuLimit`, d.cpuLimit, `must be ≤ the namespace's CPU quota (${ns.quota.cpu})`));
        }
        if (typeof memory.request === "number" && typeof memory.limit === "number") {
            if (memory.request > memory.limit)
                out.push(problem(`${at}.containerDefaults.memoryRequest`, d.memoryRequest, `must be ≤ memoryLimit (${d.memoryLimit})`));
            if (memory.limit > ns.quota.memoryGiB * 2 ** 30) {
                out.push(
                    problem(
                        `${at}.containerDefaults.memoryLimit`,
                        d.memoryLimit,
                        `must be ≤ the namespace's memory quota (${ns.quota.memoryGiB}Gi)`,
                    ),
                );
            }
        }
        return out;
    });

/** PostgreSQL pods must fit on a node of the data pool, or they never schedule. */
const postgresFits: Rule = (c) => {
    const pool = c.nodePools.data;
    if (!pool) return [];
    const smallest = pool.instanceTypes
        .map((t) => ({ type: t, ...instanceTypes[t] }))
        .sort((a, b) => a.vcpu - b.vcpu || a.memoryGiB - b.memoryGiB)[0];
    const out: ConfigProblem[] = [];
    if (c.postgresql.cpu.request > smallest.vcpu) {
        out.push(
            problem(
                "postgresql.cpu.request",
                c.postgresql.cpu.request,
                `is more than a data node has (${smallest.type}: ${smallest.vcpu} vCPU)`,
            ),
        );
    }
    if (c.postgresql.memoryGiB.request > smallest.memoryGiB) {
        out.push(
            problem(
                "postgresql.memoryGiB.request",
                c.postgresql.memoryGiB.request,
                `is more than a data node has (${smallest.type}: ${smallest.memoryGiB} GiB)`,
            ),
        );
    }
    return out;
};

/** Names AWS composes from buckets and registries; duplicates EKS, IAM and Sealed Secrets refuse. */
const namesAndDuplicates: Rule = (c) => {
    const out: ConfigProblem[] = [];
    c.objectStore.buckets.forEach((bucket, i) => {
        const full = `${namePrefix(c.environment)}-${bucket}`;
        if (c.objectStore.kind === "s3" && full.length > awsLimits.bucketName) {
            out.push(
                problem(
                    `objectStore.buckets[${i}]`,
                    bucket,
                    `makes the S3 bucket name ${full} (${full.length} characters); S3 allows ${awsLimits.bucketName}`,
                ),
            );
        }
        const suffix = reservedBucketSuffixes.find((s) => bucket.endsWith(s));
        if (suffix) out.push(problem(`objectStore.buckets[${i}]`, bucket, `must not end with ${suffix} (reserved by S3)`));
    });
    for (const repo of Object.keys(c.registries)) {
        if (/[-._]{2}/.test(repo))
            out.push(
                problem(`registries.${repo}`, repo, "must not repeat a separator ('--'): ECR repository names take single separators"),
            );
    }
    for (const d of duplicates(c.secrets.sealingKeys, (v) => v)) {
        out.push(problem("secrets.sealingKeys", c.secrets.sealingKeys, `must not repeat ${d}: each generation is its own Secret`));
    }
    const principals = Object.entries(c.accessEntries).map(([k, e]) => ({ k, arn: e.principalArn }));
    const seen = new Map<string, string>();
    for (const { k, arn } of principals) {
        const key = arn.toLowerCase();
        if (seen.has(key))
            out.push(
                problem(
                    `accessEntries.${k}.principalArn`,
                    arn,
                    `is already the principal of accessEntries.${seen.get(key)} (EKS allows one access entry per principal; IAM role names ignore case)`,
                ),
            );
        else seen.set(key, k);
        const role = arn.split(":role/")[1]?.split("/").pop()?.toLowerCase();
        if (role && ["preview", "deploy", "push"].some((kind) => role === `${namePrefix(c.environment)}-ci-${kind}`)) {
            out.push(problem(`accessEntries.${k}.principalArn`, arn, "is a CI role the program already gives an access entry"));
        }
    }
    for (const d of duplicates(c.ci.appRepositories)) {
        out.push(problem("ci.appRepositories", c.ci.appRepositories, `must not repeat ${d} (GitHub names ignore case)`));
    }
    return out;
};

/** Production guarantees a stack file must not switch off (SPEC §1, SECURITY.md; zones, NAT and egress are in rules.ts). */
const productionGuarantees: Rule = (c) => {
    if (c.tier !== "production") return [];
    const out: ConfigProblem[] = [];
    if (c.cluster.logRetentionDays < 365)
        out.push(problem("cluster.logRetentionDays", c.cluster.logRetentionDays, "tier production keeps logs at least 365 days"));
    if (c.network.flowLogRetentionDays < 365) {
        out.push(problem("network.flowLogRetentionDays", c.network.flowLogRetentionDays, "tier production keeps logs at least 365 days"));
    }
    return out;
};

/** Every rule of this file, in the order problems are reported. */
export const limitRules: readonly Rule[] = [
    regionRules,
    addressRules,
    nodePoolLimits,
    namespaceLimits,
    postgresFits,
    namesAndDuplicates,
    productionGuarantees,
];
