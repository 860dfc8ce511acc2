import { z } from "zod";
import { defaultSlo, sloSchema } from "../monitoring/slo";
import { cidrProblem } from "../aws/cidr";
import { instanceTypes, supportedKubernetesVersions } from "./catalog";
import { cronProblem, freeTextProblem, labelKeyProblem, labelValueProblem, parseQuantity, policyCsvProblem } from "./formats";
import { cloudWatchRetentionDays } from "./limits";

/**
 * The strict schema of everything that differs between environments. Each top-level field is one
 * stack config key in the `ml-platform` namespace (`aws:region` is read from the provider's
 * namespace). Unknown keys are errors at every level. Cross-field rules live in `rules.ts`.
 */

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const hostname = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const githubRepo = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

/** A string refined by one of the checks in `formats.ts` (which return the rule broken, or undefined). */
const checked = (check: (value: string) => string | undefined) =>
    z.string().superRefine((value, ctx) => {
        const problem = check(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
/** An IPv4 network in CIDR notation without host bits (ip-num, `src/aws/cidr.ts`). */
const cidr = checked(cidrProblem);
/** A CloudWatch Logs retention in days: only the values the API accepts. */
const logRetention = z
    .number()
    .refine(
        (days) => (cloudWatchRetentionDays as readonly number[]).includes(days),
        `must be a CloudWatch Logs retention: one of ${cloudWatchRetentionDays.join(", ")} days`,
    );
const quantityOf = (resource: "cpu" | "memory") =>
    checked((q) => {
        const parsed = parseQuantity(q, resource);
        return typeof parsed === "string" ? parsed : undefined;
    });
/** A number with at most three decimals: Kubernetes CPU quantities stop at millicores. */
const cores = (max: number) =>
    z
        .number()
        .positive()
        .max(max)
        .refine((v) => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-9, "must be a whole number of millicores (at most 3 decimals)");
const count = (min: number, max: number) => z.number().int(`must be a whole number`).min(min).max(max);
const k8sName = z
    .string()
    .regex(dnsLabel, "must be a DNS label: 1–63 lowercase letters, digits and '-', starting and ending with a letter or digit");

export const tiers = ["development", "staging", "production"] as const;

const taint = z.strictObject({
    key: checked(labelKeyProblem),
    value: checked(labelValueProblem),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

/** A Karpenter duration: Go duration units as the NodePool CRD takes them (`30s`, `5m`, `720h`), or `Never`. */
const duration = z
    .string()
    .regex(/^(([0-9]+(s|m|h))+|Never)$/, "must be a duration such as 30s, 5m or 720h, or Never (Karpenter NodePool CRD pattern)");

/**
 * How Karpenter may disrupt a pool's nodes (NodePool `spec.disruption` and `template.spec.expireAfter`;
 * aws/karpenter-provider-aws pkg/apis/crds/karpenter.sh_nodepools.yaml at v1.14.1). Defaults: the CRD's.
 */
const disruption = z.strictObject({
    /** WhenEmpty: only empty nodes go; WhenEmptyOrUnderutilized: pods are moved to pack nodes tighter. */
    consolidationPolicy: z.enum(["WhenEmpty", "WhenEmptyOrUnderutilized"]).default("WhenEmptyOrUnderutilized"),
    /** How long a node must be consolidatable before it goes. */
    consolidateAfter: duration.default("0s"),
    /** Nodes older than this are replaced (AMI and credential freshness); Never keeps them. */
    expireAfter: duration.default("720h"),
    /** At most this many nodes (count or percent) disrupted at once: Karpenter's disruption budget. */
    budgetNodes: z
        .string()
        .regex(/^((100|[0-9]{1,2})%|[0-9]+)$/, "must be a node count or a percentage such as 10%")
        .default("10%"),
});

/** GPU sharing on a pool's nodes, rendered into the NVIDIA device plugin's config (src/addons/gpu-sharing.ts). */
const gpuSharing = z.discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("off") }),
    /** Time-slicing: each GPU is advertised `replicas` times; no memory or fault isolation. */
    z.strictObject({ mode: z.literal("time-slicing"), replicas: count(2, 48) }),
    /** MIG (single strategy): each GPU is cut into instances of one profile, e.g. 1g.10gb on an H100. */
    z.strictObject({ mode: z.literal("mig"), profile: z.string().regex(/^[1-7]g\.[0-9]+gb$/, "must be a MIG profile such as 1g.10gb") }),
]);

const nodePool = z.strictObject({
    /** What runs here; documentation for humans and the plan report. */
    purpose: checked(freeTextProblem).pipe(z.string().min(1)),
    /**
     * Who provisions the nodes: `managed` (an EKS managed node group scaled by cluster-autoscaler,
     * sized by minSize/maxSize) or `karpenter` (a Karpenter NodePool and EC2NodeClass, capped by
     * `limits`, nodes made for pending pods and removed by consolidation). Default: managed.
     */
    provisioner: z.enum(["managed", "karpenter"]).default("managed"),
    instanceTypes: z
        .array(z.enum(Object.keys(instanceTypes) as [keyof typeof instanceTypes]))
        .min(1, "must list at least one instance type"),
    /** Managed pools only (required there): the node group's size range. */
    minSize: count(0, 100).optional(),
    maxSize: count(1, 100).optional(),
    /**
     * Unset (the default): the pool starts at minSize and the cluster autoscaler owns the desired
     * size. Set: every deploy sends it — set it to the new minSize when raising minSize above the
     * running size (EKS rejects min > desired), then remove it again (docs/upgrades.md).
     */
    desiredSize: count(0, 100).optional(),
    /**
     * Karpenter pools only (required there): the NodePool's cap, which replaces maxSize. `gpus` caps
     * `nvidia.com/gpu` (required for a GPU pool), `vcpus` caps `cpu` (required for a CPU pool).
     */
    limits: z.strictObject({ gpus: count(1, 10000).optional(), vcpus: count(1, 100000).optional() }).optional(),
    /** Karpenter pools only: consolidation, disruption budget and node expiry. */
    disruption: disruption.optional(),
    diskSizeGiB: count(20, 2000).default(50),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
    /** A GPU pool: NVIDIA AMI, GPU taint and labels, autoscaler scale-from-zero tags. */
    gpu: z.boolean().default(false),
    /** GPU pools: time-slicing or MIG through the device plugin's config. Default: off. */
    gpuSharing: gpuSharing.default({ mode: "off" }),
    /** Elastic Fabric Adapter on every node (EFA security group, interfaces, device plugin): EFA-capable types only. */
    efa: z.boolean().default(false),
    labels: z.record(checked(labelKeyProblem), checked(labelValueProblem)).default({}),
    taints: z.array(taint).default([]),
});

const namespace = z.strictObject({
    /** What the namespace is for: the workload namespace gets the design's RBAC roles. */
    kind: z.enum(["workload", "monitoring", "mlops"]),
    /** Pod Security Standards level enforced on the namespace. Default: restricted. */
    podSecurity: z.enum(["restricted", "baseline", "privileged"]).default("restricted"),
    quota: z.strictObject({
        cpu: cores(100000),
        memoryGiB: z.number().positive().max(1000000),
        gpus: count(0, 1000).default(0),
        pods: count(1, 10000),
        persistentVolumeClaims: count(0, 1000),
        storageGiB: count(0, 100000),
    }),
    /** LimitRange defaults for containers that declare no requests or limits. */
    containerDefaults: z
        .strictObject({
            cpuRequest: quantityOf("cpu"),
            memoryRequest: quantityOf("memory"),
            cpuLimit: quantityOf("cpu"),
            memoryLimit: quantityOf("memory"),
        })
        .default({ cpuRequest: "100m", memoryRequest: "128Mi", cpuLimit: "1", memoryLimit: "1Gi" }),
    /**
     * A workload namespace is a team (as EKS Blueprints' teams): besides the platform-wide groups
     * `ml-platform:<role>` and its own `ml-platform:<namespace>:<role>` (what access entries with
     * `namespaces` join), these Kubernetes groups (e.g. your identity provider's) are bound to the
     * design's roles here. Default: none.
     */
    groups: z
        .strictObject({
            "platform-admin": z.array(z.string().min(1)).optional(),
            "data-engineer": z.array(z.string().min(1)).optional(),
            "data-analyst": z.array(z.string().min(1)).optional(),
            deployer: z.array(z.string().min(1)).optional(),
        })
        .default({}),
});

const range = z.strictObject({ request: z.number().positive().max(1000), limit: z.number().positive().max(1000) });

/** A Go duration as Argo Rollouts takes it for pauses: whole seconds, minutes or hours (`30s`, `10m`, `1h`). */
const rolloutDuration = z.string().regex(/^[1-9]\d{0,4}(s|m|h)$/, "must be a duration such as 30s, 10m or 1h");

/**
 * Canary delivery of the services and models apps deploy (design §2.3, §4.2): each step sends
 * `weight` % of traffic to the new version and waits `pause`, while the SLO analyses watch it;
 * then 100 %. Weights rise strictly, 1–99. Defaults: the design's 10 % → 50 % → 100 %, 5 minutes each.
 */
export const rolloutsSchema = z
    .strictObject({
        steps: z
            .array(z.strictObject({ weight: count(1, 99), pause: rolloutDuration }))
            .min(1, "must list at least one step before 100 %")
            .default([
                { weight: 10, pause: "5m" },
                { weight: 50, pause: "5m" },
            ]),
        /**
         * An A/B experiment before the canary steps (staging): the stable and the new version each get
         * `weight` % as their own ReplicaSets for `duration`, judged by the same analyses. Default: none.
         */
        abTest: z.strictObject({ weight: count(1, 49), duration: rolloutDuration }).optional(),
        /** Wait for a human (`kubectl argo rollouts promote`) before 100 %. Default false. */
        manualPromotion: z.boolean().default(false),
        /** The last promotion to 100 % only inside the production change window (scripts/ci/change-window.ts). Default false. */
        changeWindow: z.boolean().default(false),
    })
    .superRefine((r, ctx) => {
        r.steps.forEach((step, i) => {
            if (i > 0 && step.weight <= r.steps[i - 1].weight) {
                ctx.addIssue({
                    code: "custom",
                    path: ["steps", i, "weight"],
                    message: `must be above the previous step's ${r.steps[i - 1].weight} (weights rise to 100 %)`,
                });
            }
        });
    });

export const configSchema = z.strictObject({
    /** Environment name, used in resource names and the workload namespace `platform-<environment>`. */
    environment: z.string().regex(/^[a-z][a-z0-9]{1,11}$/, "must be 2–12 lowercase letters or digits"),
    /** The tier decides which guarantees are enforced (production: HA, no public endpoint, ...). */
    tier: z.enum(tiers),
    /** AWS region, from the provider's own `aws:region` key. */
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1"),
    /**
     * AWS accounts the stack may deploy to, from the provider's own `aws:allowedAccountIds` key (the
     * provider refuses any other). With exactly one, it is the stack's account ID everywhere in the
     * program, so the plan does not depend on who renders it (bootstrap/README.md: one account per environment).
     */
    allowedAccountIds: z
        .array(z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account ID"))
        .min(1)
        .optional(),
    network: z.strictObject({
        vpcCidr: cidr,
        availabilityZones: z.array(z.string()).min(2, "must list at least 2 zones").max(6),
        /** `perAz` survives the loss of a zone; `single` saves cost outside production. */
        natGateways: z.enum(["single", "perAz"]),
        /** Workload egress posture: open (in-cluster and internet), internet, or restricted (no internet). */
        egress: z.enum(["open", "internet", "restricted"]),
        flowLogRetentionDays: logRetention.default(30),
    }),
    cluster: z.strictObject({
        kubernetesVersion: z.enum(supportedKubernetesVersions, {
            message: `must be a version the catalog has add-on versions for (${supportedKubernetesVersions.join(", ")}; src/config/catalog.ts kubernetesReleases)`,
        }),
        endpointPublicAccess: z.boolean(),
        publicAccessCidrs: z.array(cidr).default([]),
        logRetentionDays: logRetention,
        /** KMS envelope encryption of Kubernetes Secrets. Cannot be switched off once on. */
        secretsEnvelopeEncryption: z.boolean().default(true),
        /**
         * Kubernetes Service CIDR (EKS `kubernetesNetworkConfig.serviceIpv4Cidr`), pinned so that the
         * API's ClusterIP (its first address) is known to the network policies. /12 to /24 inside
         * 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, not overlapping the VPC. Replaces the cluster if changed.
         */
        serviceIpv4Cidr: cidr,
    }),
    nodePools: z.record(k8sName, nodePool).refine((pools) => Object.keys(pools).length > 0, "must define at least one node pool"),
    namespaces: z.record(k8sName, namespace),
    domain: z.string().regex(hostname, "must be a DNS name such as dev.internal.company.io"),
    secrets: z.strictObject({
        /** plain: Kubernetes Secrets; sealed: SealedSecrets sealed with the program's key. */
        mode: z.enum(["plain", "sealed"]),
        /**
         * Sealing key generations, oldest first. The last one seals; every one stays installed so
         * that everything sealed before still decrypts. Rotate by appending; never remove.
         */
        sealingKeys: z
            .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, "must be a short lowercase name such as 2026-11"))
            .min(1, "must list at least one key")
            .default(["initial"]),
    }),
    postgresql: z.strictObject({
        instances: count(1, 9),
        synchronousReplicas: count(0, 8).default(0),
        storageGiB: count(1, 65536),
        cpu: range,
        memoryGiB: range,
        backup: z.strictObject({
            enabled: z.boolean(),
            /** Six-field cron (with seconds), as CloudNativePG's ScheduledBackup expects. */
            schedule: checked(cronProblem).default("0 0 2 * * *"),
            retentionDays: count(1, 3650).optional(),
            /**
             * Server name the cluster archives under in the backup bucket (`s3://<bucket>/<serverName>/`).
             * Default: the cluster's name, `postgres`. A restored cluster needs a new one (postgresql.recovery).
             */
            serverName: k8sName.optional(),
        }),
        /**
         * Restore: the cluster is created from a backup in S3 (CloudNativePG `bootstrap.recovery`
         * through the barman-cloud plugin) instead of an empty database. Applies when the Cluster
         * object is created: README, "Restore PostgreSQL".
         */
        recovery: z
            .strictObject({
                /** Server name of the backups to restore (the source's backup.serverName; default postgres). */
                sourceServerName: k8sName.default("postgres"),
                /** S3 bucket holding them. Default: this environment's backup bucket. */
                bucket: z
                    .string()
                    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")
                    .optional(),
                /** Region of that bucket. Default: the stack's region. */
                region: z
                    .string()
                    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1")
                    .optional(),
                /** KMS key of that bucket, when it is another environment's (the key policy must allow this one). */
                kmsKeyArn: z
                    .string()
                    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, "must be a KMS key ARN")
                    .optional(),
                /** Point in time to recover to, RFC 3339 with a zone (e.g. 2026-11-28T09:30:00Z). Default: the end of the WAL. */
                targetTime: z
                    .string()
                    .regex(
                        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
                        "must be an RFC 3339 time with a zone, e.g. 2026-11-28T09:30:00Z",
                    )
                    .optional(),
            })
            .optional(),
    }),
    objectStore: z.strictObject({
        kind: z.enum(["minio", "s3"]),
        servers: count(1, 32).default(1),
        drivesPerServer: count(1, 16).default(1),
        volumeSizeGiB: count(1, 65536).default(100),
        buckets: z
            .array(z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be a valid bucket name"))
            .min(1)
            .default(["mlflow-artifacts", "postgres-backups", "models", "datasets", "workflow-artifacts"]),
    }),
    argocd: z.strictObject({
        highAvailability: z.boolean(),
        serverReplicas: count(1, 10),
        repoServerReplicas: count(1, 10),
        controllerShards: count(1, 10),
        /** Identity-provider group that gets ArgoCD admin; everyone else is read-only. */
        adminGroup: checked(policyCsvProblem),
    }),
    /** MLflow tracking server and model registry (src/addons/mlflow.ts): server pods, spread over zones from 2. */
    mlflow: z.strictObject({ replicas: count(1, 10) }),
    /** Argo Workflows (src/addons/argo-workflows.ts): controller and server sizing, archive, how the UI authenticates. */
    argoWorkflows: z
        .strictObject({
            /** Controller pods: one leads, the others stand by (leader election). */
            controllerReplicas: count(1, 3).default(1),
            serverReplicas: count(1, 5).default(1),
            /** Days the workflow archive (PostgreSQL) keeps finished workflows. */
            archiveTtlDays: count(1, 3650).default(30),
            /**
             * How the server authenticates: `client` (a Kubernetes bearer token, `argo auth token`) and/or
             * `sso` (OIDC, with `sso` set). `server` mode (everyone acts as the server's account) is not offered.
             */
            authModes: z
                .array(z.enum(["client", "sso"]))
                .min(1)
                .refine((m) => new Set(m).size === m.length, "must not repeat a mode")
                .default(["client"]),
            /**
             * OIDC for the UI. The client ID and secret are the Secret `argo-server-sso` (keys `client-id`,
             * `client-secret`) in the argo-workflows namespace, sealed into the GitOps repository (README).
             */
            sso: z
                .strictObject({
                    issuer: z.string().regex(/^https:\/\/[^\s]+$/, "must be the identity provider's https issuer URL"),
                    /** Identity-provider group whose members submit and manage workflows; everyone else in SSO reads. */
                    adminGroup: checked(policyCsvProblem),
                    scopes: z.array(z.string().min(1)).default(["openid", "profile", "email", "groups"]),
                })
                .optional(),
            /** Tracking URI the training template's register step uses. Default: the MLflow Service in the first mlops namespace. */
            mlflowTrackingUri: z
                .string()
                .regex(/^https?:\/\/[^\s]+$/, "must be an http(s) URL")
                .optional(),
        })
        .default({ controllerReplicas: 1, serverReplicas: 1, archiveTtlDays: 30, authModes: ["client"] }),
    monitoring: z.strictObject({
        level: z.enum(["basic", "full"]),
        prometheusReplicas: count(1, 5),
        alertmanagerReplicas: count(1, 5),
        retentionDays: count(1, 400),
        storageGiB: count(1, 10000),
        grafanaStorageGiB: count(1, 1000).default(10),
        /** GPUPodsPending fires when a pod has waited this long for a GPU (no capacity). */
        gpuPendingMinutes: count(1, 1440).default(15),
    }),
    alerting: z
        .strictObject({
            /** Slack channel for alerts; the webhook URL is the secret key `slackWebhookUrl`. */
            slack: z.strictObject({ channel: z.string().regex(/^#[a-z0-9_-]+$/, "must be a channel such as #alerts") }).optional(),
            /** Page on critical alerts; the routing key is the secret key `pagerdutyRoutingKey`. */
            pagerduty: z.boolean().default(false),
        })
        .default({ pagerduty: false }),
    /** SLOs and where their indicators come from (src/monitoring/slo.ts); defaults are the design's. */
    slo: sloSchema.default(defaultSlo),
    /** Progressive delivery (Argo Rollouts): canary steps, A/B, promotion (src/addons/argo-rollouts.ts). */
    rollouts: rolloutsSchema.default(rolloutsSchema.parse({})),
    slackWebhookUrl: z.string().url("must be an https URL").optional(),
    pagerdutyRoutingKey: z.string().min(20, "must be a PagerDuty Events v2 routing key").optional(),
    /** IAM principals (roles) mapped to the design's Kubernetes roles through EKS access entries. */
    accessEntries: z
        .record(
            k8sName,
            z.strictObject({
                principalArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN"),
                role: z.enum(["platform-admin", "data-engineer", "data-analyst", "deployer", "cluster-admin"]),
                /** Workload namespaces (teams) the role applies in. Default: every workload namespace. */
                namespaces: z.array(k8sName).min(1, "must list at least one namespace, or leave the key out").optional(),
            }),
        )
        .default({}),
    /** ECR repositories, keyed by repository name (prefixed with the environment). */
    registries: z
        .record(
            k8sName,
            z.strictObject({
                untaggedExpiryDays: count(1, 365).default(14),
                keepTaggedImages: count(1, 10000).default(50),
            }),
        )
        .default({}),
    gitops: z.strictObject({
        repoUrl: z.string().regex(/^(https:\/\/|git@)[^\s]+$/, "must be an https:// or git@ repository URL"),
        revision: z
            .string()
            .regex(/^(?!.*\.\.)[A-Za-z0-9._/-]+$/, "must be a branch, tag or commit (letters, digits, ._/-)")
            .default("main"),
        /** Path of this environment's apps in the repository. Default: environments/<environment>. */
        path: z
            .string()
            .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, "must be a relative path inside the repository (no .., no leading /)")
            .optional(),
        autoSync: z.boolean(),
    }),
    /** Keyless CI: GitHub OIDC roles for preview, deploy and image push (SPEC §5). */
    ci: z.strictObject({
        /** This infrastructure repository, `owner/name`: its workflows preview and deploy the stack. */
        githubRepository: z.string().regex(githubRepo, "must be owner/name"),
        /** Application repositories whose main branch may push images to this environment's registries. */
        appRepositories: z.array(z.string().regex(githubRepo, "must be owner/name")).default([]),
        /** Create the account's GitHub OIDC provider here; false when bootstrap/ created it (the default). */
        createGithubOidcProvider: z.boolean().default(false),
        /** Pulumi state bucket made by bootstrap/. Default: ml-platform-pulumi-state-<account id>. */
        stateBucket: z
            .string()
            .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")
            .optional(),
        /** Alias of this environment's secrets-provider KMS key made by bootstrap/. Default: alias/ml-platform-pulumi-secrets-<environment>. */
        secretsKeyAlias: z
            .string()
            .regex(/^alias\/[\w/-]+$/, "must be a KMS alias such as alias/ml-platform-pulumi-secrets-prod")
            .optional(),
    }),
    /** Protect stateful resources (cluster, keys, registries, databases, buckets) from deletion. Default (Pulumi.yaml): true. */
    protectStatefulResources: z.boolean(),
});

/** The raw (pre-default) shape of stack config, as written in `Pulumi.<stack>.yaml`. */
export type RawConfig = z.input<typeof configSchema>;
/** Parsed configuration with defaults applied. */
export type ParsedConfig = z.output<typeof configSchema>;
export type Tier = (typeof tiers)[number];

/** Config keys whose values are secrets: they must be set with `pulumi config set --secret`. */
export const secretConfigKeys = ["slackWebhookUrl", "pagerdutyRoutingKey"] as const;
