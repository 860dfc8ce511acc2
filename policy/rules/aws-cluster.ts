import {
    cidrWithin,
    dependsOn,
    get,
    isAnywhere,
    isTrue,
    json,
    label,
    list,
    ofTypes,
    PlatformPolicy,
    resourceRule,
    stackRule,
} from "./common";

/** EKS control plane: encryption, endpoint exposure, audit logs, version, authentication (SECURITY.md 1–3, 6, 11, 13, 19). */

export const eksCluster = "aws:eks/cluster:Cluster";
export const kmsKey = "aws:kms/key:Key";
export const logGroup = "aws:cloudwatch/logGroup:LogGroup";
export const eksAddon = "aws:eks/addon:Addon";

/** The five control-plane log types (CIS EKS 2.1.1). */
export const controlPlaneLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** EKS versions in standard support that the program is tested against; kept equal to src/config/catalog.ts by a test. */
export const defaultSupportedVersions = ["1.33", "1.34", "1.35"];

/** Public access is on unless switched off: AWS's default for `endpointPublicAccess` is true. */
function publicEndpoint(props: Record<string, unknown>): boolean {
    return get(props, "vpcConfig.endpointPublicAccess") !== false;
}

/** A principal that matches anyone: `"*"` or `{ AWS: "*" }`. */
export function wildcardPrincipal(principal: unknown): boolean {
    if (principal === "*") return true;
    if (principal === null || typeof principal !== "object") return false;
    return Object.values(principal).some((v) => list(v).includes("*"));
}

export const awsClusterRules: PlatformPolicy[] = [
    resourceRule({
        id: "eks-secrets-encryption",
        level: "mandatory",
        sources: ["CIS EKS 5.3.1", "CKV_AWS_58"],
        items: [1],
        summary: "EKS clusters envelope-encrypt Kubernetes Secrets with a customer-managed KMS key.",
        types: [eksCluster],
        check: (props, { report }) => {
            const configs = list(props.encryptionConfig);
            const secrets = configs.find((c) => list(get(c, "resources")).includes("secrets"));
            if (!secrets) {
                report(
                    'EKS cluster does not envelope-encrypt Kubernetes Secrets: set encryptionConfig { resources: ["secrets"], provider.keyArn }.',
                );
            } else if (!get(secrets, "provider.keyArn")) {
                report("EKS cluster secrets encryption names no KMS key: set encryptionConfig.provider.keyArn to a customer-managed key.");
            } else if (/:alias\/aws\//.test(String(get(secrets, "provider.keyArn")))) {
                report("EKS cluster secrets are encrypted with an AWS-managed key: use a customer-managed key with rotation.");
            }
        },
    }),
    resourceRule({
        id: "kms-key-rotation",
        level: "mandatory",
        sources: ["CKV_AWS_7", "Security Hub KMS.4"],
        items: [1],
        summary: "Symmetric customer-managed KMS keys rotate their key material.",
        types: [kmsKey],
        check: (props, { report }) => {
            const spec = props.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
            const usage = props.keyUsage ?? "ENCRYPT_DECRYPT";
            if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") return; // AWS rotates only symmetric encryption keys.
            if (props.enableKeyRotation !== true) report("KMS key rotation is off: set enableKeyRotation: true.");
        },
    }),
    resourceRule({
        id: "kms-key-policy",
        level: "mandatory",
        sources: ["CKV2_AWS_64", "CKV_AWS_33"],
        items: [11],
        summary: "KMS keys carry an explicit key policy in which no statement allows a wildcard principal.",
        types: [kmsKey],
        check: (props, { report }) => {
            if (props.policy === undefined || props.policy === "") {
                report("KMS key has no key policy: define one explicitly instead of relying on the account default.");
                return;
            }
            const doc = json(props.policy);
            for (const [i, s] of list(doc?.Statement).entries()) {
                if (s?.Effect === "Allow" && wildcardPrincipal(s.Principal)) {
                    report(`KMS key policy statement ${s.Sid ?? `#${i}`} allows the wildcard principal "*".`);
                }
            }
        },
    }),
    resourceRule({
        id: "eks-endpoint-private-access",
        level: "mandatory",
        sources: ["CIS EKS 5.4.2"],
        items: [2],
        summary: "The EKS API endpoint is reachable privately from inside the VPC.",
        types: [eksCluster],
        check: (props, { report }) => {
            if (get(props, "vpcConfig.endpointPrivateAccess") !== true) {
                report(
                    "EKS API private endpoint is off: set vpcConfig.endpointPrivateAccess: true so nodes and in-VPC runners stay inside the VPC.",
                );
            }
        },
    }),
    resourceRule<{ allowPublicAccess: boolean; allowedCidrs: string[] }>({
        id: "eks-endpoint-public-access",
        level: "mandatory",
        sources: ["CIS EKS 5.4.2", "CKV_AWS_39"],
        items: [2],
        summary:
            "The EKS API endpoint is private; a stack whose policy config allows a public endpoint may open it only to the CIDRs that config lists.",
        types: [eksCluster],
        config: {
            allowPublicAccess: { type: "boolean", default: false, description: "Allow a public endpoint (never in production)." },
            allowedCidrs: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "When public access is allowed: the ranges it may be opened to (every publicAccessCidr must lie within one).",
            },
        },
        check: (props, { config, report }) => {
            if (!publicEndpoint(props)) return;
            if (!config.allowPublicAccess) {
                report(
                    "EKS API endpoint is public (vpcConfig.endpointPublicAccess is not false), and this stack's policy config does not allow it.",
                );
                return;
            }
            if (config.allowedCidrs.length === 0) return;
            for (const cidr of list<string>(get(props, "vpcConfig.publicAccessCidrs"))) {
                if (!config.allowedCidrs.some((allowed) => cidrWithin(cidr, allowed))) {
                    report(`EKS public endpoint CIDR ${cidr} is not within the allowed ranges ${config.allowedCidrs.join(", ")}.`);
                }
            }
        },
    }),
    resourceRule({
        id: "eks-endpoint-no-open-cidr",
        level: "mandatory",
        sources: ["CIS EKS 5.4.1", "CKV_AWS_38"],
        items: [2],
        summary: "A public EKS endpoint is never open to 0.0.0.0/0: it lists the CIDRs that may reach it.",
        types: [eksCluster],
        check: (props, { report }) => {
            if (!publicEndpoint(props)) return;
            const cidrs = list<string>(get(props, "vpcConfig.publicAccessCidrs"));
            if (cidrs.length === 0) report("EKS public endpoint lists no publicAccessCidrs, which AWS treats as 0.0.0.0/0.");
            if (cidrs.some(isAnywhere)) report("EKS public endpoint is open to the whole internet (0.0.0.0/0 in publicAccessCidrs).");
        },
    }),
    resourceRule({
        id: "eks-control-plane-logging",
        level: "mandatory",
        sources: ["CIS EKS 2.1.1", "CKV_AWS_37"],
        items: [3],
        summary: "All five EKS control-plane log types are enabled.",
        types: [eksCluster],
        check: (props, { report }) => {
            const enabled = list<string>(props.enabledClusterLogTypes);
            const missing = controlPlaneLogTypes.filter((t) => !enabled.includes(t));
            if (missing.length > 0) report(`EKS control-plane log types missing from enabledClusterLogTypes: ${missing.join(", ")}.`);
        },
    }),
    stackRule({
        id: "eks-control-plane-log-group",
        level: "mandatory",
        sources: ["CKV_AWS_338", "CKV_AWS_158"],
        items: [3],
        summary:
            "Each EKS cluster's log group `/aws/eks/<name>/cluster` is created by the stack (with retention and KMS) before EKS creates an unencrypted one that never expires.",
        check: (resources, { report }) => {
            const groups = ofTypes(resources, logGroup);
            for (const cluster of ofTypes(resources, eksCluster)) {
                const name = cluster.props.name;
                const found = groups.some((g) =>
                    typeof name === "string"
                        ? g.props.name === `/aws/eks/${name}/cluster`
                        : /^\/aws\/eks\/.+\/cluster$/.test(String(g.props.name)),
                );
                if (!found) {
                    report(
                        `${label(cluster)} has no log group /aws/eks/${name ?? "<name>"}/cluster in the stack: EKS would create one without retention or KMS.`,
                        cluster,
                    );
                } else if (
                    typeof name === "string" &&
                    !groups.some((g) => g.props.name === `/aws/eks/${name}/cluster` && dependsOn(cluster, g))
                ) {
                    report(
                        `${label(cluster)} does not depend on its log group: EKS may create the group first and the stack's create then fails.`,
                        cluster,
                    );
                }
            }
        },
    }),
    resourceRule<{ minimumRetentionDays: number }>({
        id: "cloudwatch-log-group-retention",
        level: "mandatory",
        sources: ["CKV_AWS_338", "CKV_AWS_66"],
        items: [3],
        summary: "CloudWatch log groups expire events after a set retention of at least the configured minimum (a year in production).",
        types: [logGroup],
        config: {
            minimumRetentionDays: {
                type: "integer",
                minimum: 1,
                default: 365,
                description: "Shortest retention allowed (CKV_AWS_338 asks for 365).",
            },
        },
        check: (props, { config, report }) => {
            const days = props.retentionInDays;
            if (typeof days !== "number" || days === 0) {
                report("CloudWatch log group has no retention (retentionInDays unset or 0): events are kept forever.");
            } else if (days < config.minimumRetentionDays) {
                report(`CloudWatch log group retention ${days} days is below the minimum of ${config.minimumRetentionDays}.`);
            }
        },
    }),
    resourceRule({
        id: "cloudwatch-log-group-kms",
        level: "mandatory",
        sources: ["CKV_AWS_158"],
        items: [3],
        summary: "CloudWatch log groups are encrypted with a customer-managed KMS key.",
        types: [logGroup],
        check: (props, { report }) => {
            if (!props.kmsKeyId) report("CloudWatch log group is not KMS-encrypted: set kmsKeyId to a customer-managed key.");
        },
    }),
    resourceRule<{ supportedVersions: string[] }>({
        id: "eks-kubernetes-version",
        level: "mandatory",
        sources: ["CKV_AWS_339"],
        items: [6],
        summary: "EKS clusters pin a supported Kubernetes version instead of taking whatever is current.",
        types: [eksCluster],
        config: {
            supportedVersions: {
                type: "array",
                items: { type: "string" },
                default: defaultSupportedVersions,
                description: "Kubernetes minor versions the platform is tested against and EKS supports.",
            },
        },
        check: (props, { config, report }) => {
            if (!props.version) report("EKS cluster does not pin a Kubernetes version: set version so upgrades are deliberate.");
            else if (!config.supportedVersions.includes(String(props.version))) {
                report(
                    `EKS cluster Kubernetes version ${props.version} is not supported (supported: ${config.supportedVersions.join(", ")}).`,
                );
            }
        },
    }),
    resourceRule({
        id: "eks-no-implicit-admin",
        level: "mandatory",
        sources: ["CIS EKS 4.1.1"],
        items: [13],
        summary: "The identity that creates an EKS cluster gets no implicit, invisible cluster-admin: admins are explicit access entries.",
        types: [eksCluster],
        check: (props, { report }) => {
            if (get(props, "accessConfig.bootstrapClusterCreatorAdminPermissions") !== false) {
                report(
                    "EKS cluster grants its creator implicit cluster-admin: set accessConfig.bootstrapClusterCreatorAdminPermissions: false.",
                );
            }
        },
    }),
    resourceRule({
        id: "eks-authentication-mode-api",
        level: "advisory",
        sources: ["CIS EKS 5.5.1", "EKS Best Practices (access entries)"],
        items: [13],
        summary: "EKS authentication uses access entries only (mode API), not the deprecated aws-auth ConfigMap.",
        types: [eksCluster],
        check: (props, { report }) => {
            const mode = get(props, "accessConfig.authenticationMode");
            if (mode !== "API")
                report(`EKS authentication mode is ${mode ?? "CONFIG_MAP (default)"}: use accessConfig.authenticationMode: "API".`);
        },
    }),
    stackRule({
        id: "vpc-cni-network-policy",
        level: "mandatory",
        sources: ["CIS EKS 4.3.1", "CIS EKS 5.4.4"],
        items: [19],
        summary: "Every EKS cluster runs the vpc-cni add-on with its network-policy agent on, so NetworkPolicies are enforced.",
        check: (resources, { report }) => {
            const cnis = ofTypes(resources, eksAddon).filter((a) => a.props.addonName === "vpc-cni");
            for (const cluster of ofTypes(resources, eksCluster)) {
                const mine = cnis.filter(
                    (a) => dependsOn(a, cluster) || (cluster.props.name && a.props.clusterName === cluster.props.name),
                );
                if (mine.length === 0) {
                    report(`${label(cluster)} has no managed vpc-cni add-on: NetworkPolicies would not be enforced.`, cluster);
                    continue;
                }
                for (const addon of mine) {
                    if (!isTrue(get(json(addon.props.configurationValues), "enableNetworkPolicy"))) {
                        report(
                            `${label(addon)} does not enable the network-policy agent: set configurationValues {"enableNetworkPolicy":"true"}.`,
                            addon,
                        );
                    }
                }
            }
        },
    }),
];
