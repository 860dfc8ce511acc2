import { controlPlaneLogTypes, eksAddon, eksCluster, kmsKey, logGroup } from "../../../policy/rules/aws-cluster";
import { fixture, RuleCases } from "../../../policy/rules/evaluate";

/** Fixtures of the EKS control-plane rules; test/policy/rules.test.ts runs every case. */

const keyArn = "arn:aws:kms:us-east-1:123456789012:key/0000-secrets";
const goodCluster = {
    name: "ml-platform-prod",
    version: "1.34",
    roleArn: "arn:aws:iam::123456789012:role/ml-platform-prod-cluster",
    vpcConfig: { subnetIds: ["subnet-a", "subnet-b"], endpointPrivateAccess: true, endpointPublicAccess: false },
    encryptionConfig: { provider: { keyArn }, resources: ["secrets"] },
    enabledClusterLogTypes: controlPlaneLogTypes,
    accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
};
const cluster = (changes: Record<string, unknown> = {}, deps: ReturnType<typeof fixture>[] = []) =>
    fixture(eksCluster, "cluster-eks", { ...goodCluster, ...changes }, { dependsOn: deps });
const vpcConfig = (changes: Record<string, unknown>) => ({ vpcConfig: { ...goodCluster.vpcConfig, ...changes } });
const publicCluster = (cidrs?: string[]) => cluster(vpcConfig({ endpointPublicAccess: true, publicAccessCidrs: cidrs }));

const keyPolicy = (principal: unknown) =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "Admin", Effect: "Allow", Principal: principal, Action: "kms:*", Resource: "*" }],
    });
const rootPolicy = keyPolicy({ AWS: "arn:aws:iam::123456789012:root" });
const key = (changes: Record<string, unknown>) =>
    fixture(kmsKey, "eks-secrets", { enableKeyRotation: true, policy: rootPolicy, ...changes });

const clusterLogGroup = fixture(logGroup, "cluster-control-plane-logs", {
    name: "/aws/eks/ml-platform-prod/cluster",
    retentionInDays: 365,
    kmsKeyId: keyArn,
});
const logs = (changes: Record<string, unknown>) =>
    fixture(logGroup, "flow-logs", { name: "/aws/vpc/x", retentionInDays: 365, kmsKeyId: keyArn, ...changes });

const clusterWithCni = (configurationValues?: string) => {
    const c = cluster();
    return [
        c,
        fixture(
            eksAddon,
            "cluster-vpc-cni",
            { addonName: "vpc-cni", clusterName: "ml-platform-prod", configurationValues },
            { dependsOn: [c] },
        ),
    ];
};

export const awsClusterCases: RuleCases = {
    "eks-secrets-encryption": {
        ok: [{ title: "secrets encrypted with a customer key", resources: [cluster()] }],
        bad: [
            {
                title: "no encryptionConfig",
                resources: [cluster({ encryptionConfig: undefined })],
                message: /does not envelope-encrypt Kubernetes Secrets/,
            },
            {
                title: "no key",
                resources: [cluster({ encryptionConfig: { provider: {}, resources: ["secrets"] } })],
                message: /names no KMS key/,
            },
            {
                title: "AWS-managed key",
                resources: [
                    cluster({
                        encryptionConfig: {
                            provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:alias/aws/eks" },
                            resources: ["secrets"],
                        },
                    }),
                ],
                message: /AWS-managed key/,
            },
        ],
    },
    "kms-key-rotation": {
        ok: [
            { title: "rotation on", resources: [key({})] },
            {
                title: "asymmetric signing key (AWS cannot rotate it)",
                resources: [key({ enableKeyRotation: false, customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })],
            },
        ],
        bad: [
            { title: "rotation off", resources: [key({ enableKeyRotation: false })], message: /rotation is off/ },
            { title: "rotation unset", resources: [key({ enableKeyRotation: undefined })], message: /rotation is off/ },
        ],
    },
    "kms-key-policy": {
        ok: [{ title: "account root only", resources: [key({})] }],
        bad: [
            { title: "no policy", resources: [key({ policy: undefined })], message: /has no key policy/ },
            {
                title: 'Principal "*"',
                resources: [key({ policy: keyPolicy("*") })],
                message: /statement Admin allows the wildcard principal/,
            },
            { title: 'Principal { AWS: "*" }', resources: [key({ policy: keyPolicy({ AWS: "*" }) })], message: /wildcard principal/ },
        ],
    },
    "eks-endpoint-private-access": {
        ok: [{ title: "private access on", resources: [cluster()] }],
        bad: [
            {
                title: "private access off",
                resources: [cluster(vpcConfig({ endpointPrivateAccess: false }))],
                message: /private endpoint is off/,
            },
        ],
    },
    "eks-endpoint-public-access": {
        ok: [
            { title: "private only (default config)", resources: [cluster()] },
            {
                title: "public from an allowed range (dev config)",
                resources: [publicCluster(["203.0.113.0/25"])],
                config: { allowPublicAccess: true, allowedCidrs: ["203.0.113.0/24"] },
            },
        ],
        bad: [
            {
                title: "public where config forbids it",
                resources: [publicCluster(["203.0.113.0/24"])],
                message: /is public .* does not allow it/,
            },
            {
                title: "endpointPublicAccess unset (AWS default: public)",
                resources: [cluster(vpcConfig({ endpointPublicAccess: undefined }))],
                message: /is public/,
            },
            {
                title: "public from a range outside the allowed ones",
                resources: [publicCluster(["198.51.100.0/24"])],
                config: { allowPublicAccess: true, allowedCidrs: ["203.0.113.0/24"] },
                message: /CIDR 198\.51\.100\.0\/24 is not within the allowed ranges 203\.0\.113\.0\/24/,
            },
        ],
    },
    "eks-endpoint-no-open-cidr": {
        ok: [
            { title: "private", resources: [cluster()] },
            { title: "public from listed ranges", resources: [publicCluster(["203.0.113.0/24"])] },
        ],
        bad: [
            { title: "0.0.0.0/0", resources: [publicCluster(["203.0.113.0/24", "0.0.0.0/0"])], message: /open to the whole internet/ },
            { title: "no CIDRs listed", resources: [publicCluster(undefined)], message: /lists no publicAccessCidrs/ },
        ],
    },
    "eks-control-plane-logging": {
        ok: [{ title: "all five log types", resources: [cluster()] }],
        bad: [
            {
                title: "audit missing",
                resources: [cluster({ enabledClusterLogTypes: ["api", "authenticator"] })],
                message: /missing .*: audit, controllerManager, scheduler/,
            },
            { title: "no logging", resources: [cluster({ enabledClusterLogTypes: undefined })], message: /log types missing/ },
        ],
    },
    "eks-control-plane-log-group": {
        ok: [{ title: "log group created first", resources: [clusterLogGroup, cluster({}, [clusterLogGroup])] }],
        bad: [
            { title: "no log group", resources: [cluster()], message: /has no log group \/aws\/eks\/ml-platform-prod\/cluster/ },
            { title: "log group not a dependency", resources: [clusterLogGroup, cluster()], message: /does not depend on its log group/ },
        ],
    },
    "cloudwatch-log-group-retention": {
        ok: [
            { title: "a year", resources: [logs({})] },
            { title: "30 days where config allows", resources: [logs({ retentionInDays: 30 })], config: { minimumRetentionDays: 14 } },
        ],
        bad: [
            { title: "never expires", resources: [logs({ retentionInDays: undefined })], message: /no retention/ },
            { title: "0 means forever", resources: [logs({ retentionInDays: 0 })], message: /no retention/ },
            {
                title: "below the production minimum",
                resources: [logs({ retentionInDays: 30 })],
                message: /retention 30 days is below the minimum of 365/,
            },
        ],
    },
    "cloudwatch-log-group-kms": {
        ok: [{ title: "KMS key set", resources: [logs({})] }],
        bad: [{ title: "no key", resources: [logs({ kmsKeyId: undefined })], message: /not KMS-encrypted/ }],
    },
    "eks-kubernetes-version": {
        ok: [{ title: "1.34", resources: [cluster()] }],
        bad: [
            { title: "unpinned", resources: [cluster({ version: undefined })], message: /does not pin a Kubernetes version/ },
            { title: "out of support", resources: [cluster({ version: "1.29" })], message: /version 1\.29 is not supported/ },
        ],
    },
    "eks-no-implicit-admin": {
        ok: [{ title: "creator admin off", resources: [cluster()] }],
        bad: [
            {
                title: "creator admin default",
                resources: [cluster({ accessConfig: { authenticationMode: "API" } })],
                message: /implicit cluster-admin/,
            },
        ],
    },
    "eks-authentication-mode-api": {
        ok: [{ title: "API", resources: [cluster()] }],
        bad: [
            {
                title: "aws-auth still consulted",
                resources: [
                    cluster({ accessConfig: { authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: false } }),
                ],
                message: /authentication mode is API_AND_CONFIG_MAP/,
            },
        ],
    },
    "vpc-cni-network-policy": {
        ok: [{ title: "agent on", resources: clusterWithCni(JSON.stringify({ enableNetworkPolicy: "true" })) }],
        bad: [
            { title: "no vpc-cni add-on", resources: [cluster()], message: /has no managed vpc-cni add-on/ },
            { title: "agent off", resources: clusterWithCni(undefined), message: /does not enable the network-policy agent/ },
        ],
    },
};
