import { strict as assert } from "node:assert";
import { configProblems } from "../harness";

/*
 * Each bad configuration runs the real program under mocks: the run must fail with exactly these
 * problems (key, value, rule) and register no resource at all.
 */

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Case {
    title: string;
    stack: string;
    edit: (v: Values) => void;
    problems: string[];
}

const cases: Case[] = [
    {
        title: "an unknown top-level key",
        stack: "prod",
        edit: (v) => (v.clutser = { endpointPublicAccess: true }),
        problems: [
            'ml-platform:clutser = {"endpointPublicAccess":true}: is not a known key (did you mean cluster? see the config reference in README.md)',
        ],
    },
    {
        title: "an unknown nested key",
        stack: "dev",
        edit: (v) => (v.nodePools.gpu.minSzie = 1),
        problems: [
            "ml-platform:nodePools.gpu.minSzie = 1: is not a known key (did you mean minSize? see the config reference in README.md)",
        ],
    },
    {
        title: "a tier that does not exist",
        stack: "staging",
        edit: (v) => (v.tier = "prod"),
        problems: ['ml-platform:tier = "prod": Invalid option: expected one of "development"|"staging"|"production"'],
    },
    {
        title: "a missing required key",
        stack: "dev",
        edit: (v) => delete v.postgresql,
        problems: ["ml-platform:postgresql = (not set): is required"],
    },
    {
        title: "a pool with minSize > maxSize",
        stack: "prod",
        edit: (v) => (v.nodePools.data.minSize = 25),
        problems: ["ml-platform:nodePools.data.minSize = 25: must be ≤ maxSize (3)"],
    },
    {
        title: "a desired size outside the pool's range",
        stack: "staging",
        edit: (v) => (v.nodePools.data.desiredSize = 4),
        problems: ["ml-platform:nodePools.data.desiredSize = 4: must be between minSize (3) and maxSize (3)"],
    },
    {
        title: "a node count on a Karpenter pool (issue 19: its cap is limits)",
        stack: "staging",
        edit: (v) => (v.nodePools.compute.desiredSize = 11),
        problems: [
            "ml-platform:nodePools.compute.desiredSize = 11: a Karpenter pool is capped by limits (gpus, vcpus), not by node counts",
        ],
    },
    {
        title: "a stack without the data pool the stateful services are placed on",
        stack: "staging",
        edit: (v) => delete v.nodePools.data,
        problems: ["ml-platform:nodePools.data = (not set): is required: platform services are placed on the data pool"],
    },
    {
        title: "a GPU pool that drops the GPU taint",
        stack: "prod",
        edit: (v) => (v.nodePools.gpu.taints = []),
        problems: ["ml-platform:nodePools.gpu.taints = []: a GPU pool must carry the taint nvidia.com/gpu=true:NoSchedule"],
    },
    {
        title: "a GPU pool with a CPU instance family",
        stack: "prod",
        edit: (v) => (v.nodePools.gpu.instanceTypes = ["g5.xlarge", "m6i.xlarge"]),
        problems: [
            'ml-platform:nodePools.gpu.instanceTypes = ["g5.xlarge","m6i.xlarge"]: a GPU pool needs NVIDIA GPU instance families (g5, g6, g6e, p4d, p5, p5e, p5en); not m6i',
        ],
    },
    {
        title: "GPU instances in a CPU pool",
        stack: "dev",
        edit: (v) => (v.nodePools.compute.instanceTypes = ["g5.xlarge"]),
        problems: [
            'ml-platform:nodePools.compute.instanceTypes = ["g5.xlarge"]: GPU instance types belong in a pool with gpu: true (NVIDIA AMI and GPU taint)',
        ],
    },
    {
        title: "an instance type outside the catalog",
        stack: "dev",
        edit: (v) => (v.nodePools.system.instanceTypes = ["m6i.huge"]),
        problems: [`ml-platform:nodePools.system.instanceTypes[0] = "m6i.huge": Invalid option: expected one of ${instanceTypeList()}`],
    },
    {
        title: "a production API endpoint open to 0.0.0.0/0",
        stack: "prod",
        edit: (v) => Object.assign(v.cluster, { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }),
        problems: [
            'ml-platform:cluster.publicAccessCidrs[0] = "0.0.0.0/0": must not open the API endpoint to the whole internet',
            "ml-platform:cluster.endpointPublicAccess = true: tier production needs a private API endpoint",
        ],
    },
    {
        title: "a public endpoint without allowed CIDRs",
        stack: "dev",
        edit: (v) => (v.cluster.publicAccessCidrs = []),
        problems: ["ml-platform:cluster.publicAccessCidrs = []: must list the CIDRs allowed when endpointPublicAccess is true"],
    },
    {
        title: "production with 2 PostgreSQL instances",
        stack: "prod",
        edit: (v) => (v.postgresql.instances = 2),
        problems: ["ml-platform:postgresql.instances = 2: tier production needs at least 3 instances"],
    },
    {
        title: "more synchronous replicas than replicas",
        stack: "staging",
        edit: (v) => (v.postgresql.synchronousReplicas = 2),
        problems: ["ml-platform:postgresql.synchronousReplicas = 2: must be ≤ instances - 1 (1)"],
    },
    {
        title: "distributed MinIO with 2 drives",
        stack: "staging",
        edit: (v) => (v.objectStore.drivesPerServer = 1),
        problems: [
            "ml-platform:objectStore.drivesPerServer = 1: distributed MinIO needs ≥ 4 drives in total (servers × drivesPerServer = 2)",
        ],
    },
    {
        title: "backups enabled with no retention",
        stack: "staging",
        edit: (v) => delete v.postgresql.backup.retentionDays,
        problems: ["ml-platform:postgresql.backup.retentionDays = (not set): is required when backups are enabled"],
    },
    {
        title: "a zone outside the region",
        stack: "dev",
        edit: (v) => (v.network.availabilityZones = ["us-east-1a", "eu-west-1b"]),
        problems: ['ml-platform:network.availabilityZones[1] = "eu-west-1b": must be a zone of region us-east-1'],
    },
    {
        title: "a GPU type not offered in the stack's region",
        stack: "dev",
        edit: (v) => {
            v["aws:region"] = "ap-southeast-1";
            v.network.availabilityZones = ["ap-southeast-1a", "ap-southeast-1b"];
            v.nodePools.gpu.instanceTypes = ["g5.xlarge"];
        },
        problems: [
            'ml-platform:nodePools.gpu.instanceTypes = ["g5.xlarge"]: g5.xlarge is not offered in ap-southeast-1 (no zone there lists it; src/config/prices.ts)',
        ],
    },
    {
        title: "a malformed VPC CIDR",
        stack: "dev",
        edit: (v) => (v.network.vpcCidr = "10.0.0.0/33"),
        problems: ['ml-platform:network.vpcCidr = "10.0.0.0/33": must be an IPv4 CIDR such as 10.0.0.0/16'],
    },
    {
        title: "an unsupported Kubernetes version",
        stack: "prod",
        edit: (v) => (v.cluster.kubernetesVersion = "1.29"),
        problems: [
            'ml-platform:cluster.kubernetesVersion = "1.29": must be a version the catalog has add-on versions for (1.33, 1.34, 1.35; src/config/catalog.ts kubernetesReleases)',
        ],
    },
    {
        title: "production with plain Kubernetes Secrets",
        stack: "prod",
        edit: (v) => (v.secrets.mode = "plain"),
        problems: ['ml-platform:secrets.mode = "plain": tier production needs sealed secrets'],
    },
    {
        title: "Slack alerts without the webhook secret",
        stack: "staging",
        edit: (v) => delete v.slackWebhookUrl,
        problems: [
            "ml-platform:slackWebhookUrl = (not set): is required when alerting.slack is set (pulumi config set --secret slackWebhookUrl ...)",
        ],
    },
    {
        title: "GPU quota in a cluster without GPU pools",
        stack: "dev",
        edit: (v) => delete v.nodePools.gpu,
        problems: [
            "ml-platform:namespaces.platform-dev.quota.gpus = 1: needs a node pool with gpu: true",
            "ml-platform:namespaces.platform-mlops.quota.gpus = 1: needs a node pool with gpu: true",
        ],
    },
    {
        title: "a namespace without a quota",
        stack: "staging",
        edit: (v) => delete v.namespaces["platform-mlops"].quota,
        problems: ["ml-platform:namespaces.platform-mlops.quota = (not set): is required"],
    },
    {
        title: "a workload namespace that does not enforce restricted Pod Security",
        stack: "dev",
        edit: (v) => (v.namespaces["platform-dev"].podSecurity = "privileged"),
        problems: ['ml-platform:namespaces.platform-dev.podSecurity = "privileged": a workload namespace must enforce restricted'],
    },
    {
        title: "production without protection of stateful resources",
        stack: "prod",
        edit: (v) => (v.protectStatefulResources = "false"),
        problems: ["ml-platform:protectStatefulResources = false: tier production must protect stateful resources"],
    },
    {
        title: "several schema problems at once, all reported",
        stack: "prod",
        edit: (v) => {
            v.tier = "live";
            v.network.natGateways = "everywhere";
            v.nodePools.data.maxSize = 0;
            v.argocd.replicas = 3;
        },
        problems: [
            'ml-platform:tier = "live": Invalid option: expected one of "development"|"staging"|"production"',
            'ml-platform:network.natGateways = "everywhere": Invalid option: expected one of "single"|"perAz"',
            "ml-platform:nodePools.data.maxSize = 0: Too small: expected number to be >=1",
            "ml-platform:argocd.replicas = 3: is not a known key (check the spelling; see the config reference in README.md)",
        ],
    },
];

function instanceTypeList(): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { instanceTypes } = require("../../src/config/catalog") as typeof import("../../src/config/catalog");
    return Object.keys(instanceTypes)
        .map((t) => `"${t}"`)
        .join("|");
}

describe("invalid configuration stops the program before any resource", () => {
    for (const c of cases) {
        it(`rejects ${c.title} (${c.stack})`, async () => {
            const { problems, run } = await configProblems(c.stack, c.edit);
            assert.deepEqual(problems, c.problems);
            assert.equal(run.resources.length, 0, "no resource may be registered");
            assert.match(
                run.error!.message,
                new RegExp(`^Invalid configuration for stack "${c.stack}" \\(${c.problems.length} problems?\\)`),
            );
        });
    }

    it("reports every cross-field problem of a schema-valid config together", async () => {
        const { problems, run } = await configProblems("prod", (v) => {
            v.nodePools.data.minSize = 4;
            v.objectStore.servers = 2;
            v.postgresql.instances = 1;
            v.cluster.endpointPublicAccess = true;
        });
        assert.deepEqual(problems, [
            "ml-platform:cluster.publicAccessCidrs = []: must list the CIDRs allowed when endpointPublicAccess is true",
            "ml-platform:cluster.endpointPublicAccess = true: tier production needs a private API endpoint",
            "ml-platform:nodePools.data.minSize = 4: must be ≤ maxSize (3)",
            "ml-platform:postgresql.synchronousReplicas = 1: must be ≤ instances - 1 (0)",
            "ml-platform:postgresql.instances = 1: tier production needs at least 3 instances",
            "ml-platform:objectStore.drivesPerServer = 1: distributed MinIO needs ≥ 4 drives in total (servers × drivesPerServer = 2)",
            "ml-platform:objectStore.servers = 2: tier production needs ≥ 4 MinIO servers (or kind s3)",
        ]);
        assert.equal(run.resources.length, 0);
    });
});
