import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * What a provider would return after creating a resource or answering an invoke, faked for offline
 * runs. Only the outputs the program reads are filled in; everything else echoes the inputs.
 */

export const fakeAccountId = "123456789012";

type State = Record<string, unknown>;
type Faker = (name: string, inputs: State, region: string) => State;

const arn = (service: string, region: string, resource: string) => `arn:aws:${service}:${region}:${fakeAccountId}:${resource}`;

/** Computed outputs per resource type, keyed by type token. */
const fakers: Record<string, Faker> = {
    "aws:eks/cluster:Cluster": (name, inputs, region) => ({
        arn: arn("eks", region, `cluster/${inputs.name ?? name}`),
        endpoint: `https://${name.toUpperCase()}0123456789ABCDEF.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from(`fake-ca-for-${name}`).toString("base64") },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/0123456789ABCDEF${name.length}` }] }],
        vpcConfig: { ...(inputs.vpcConfig as State), clusterSecurityGroupId: `sg-cluster-${name}`, vpcId: "vpc-fake" },
        version: inputs.version,
    }),
    "aws:iam/role:Role": (name, inputs) => ({ arn: `arn:aws:iam::${fakeAccountId}:role/${inputs.name ?? name}` }),
    "aws:iam/policy:Policy": (name, inputs) => ({ arn: `arn:aws:iam::${fakeAccountId}:policy/${inputs.name ?? name}` }),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (name, inputs) => ({
        arn: `arn:aws:iam::${fakeAccountId}:oidc-provider/${String(inputs.url ?? name).replace(/^https:\/\//, "")}`,
    }),
    "aws:kms/key:Key": (name, _inputs, region) => ({ arn: arn("kms", region, `key/${name}-key-id`), keyId: `${name}-key-id` }),
    "aws:ecr/repository:Repository": (name, inputs, region) => ({
        arn: arn("ecr", region, `repository/${inputs.name ?? name}`),
        repositoryUrl: `${fakeAccountId}.dkr.ecr.${region}.amazonaws.com/${inputs.name ?? name}`,
    }),
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
    "aws:cloudwatch/logGroup:LogGroup": (name, inputs, region) => ({ arn: arn("logs", region, `log-group:${inputs.name ?? name}`) }),
    "aws:ec2/vpc:Vpc": (name) => ({ defaultSecurityGroupId: `sg-default-${name}` }),
    "aws:eks/nodeGroup:NodeGroup": (name) => ({ resources: [{ autoscalingGroups: [{ name: `eks-${name}-asg` }] }] }),
    "random:index/randomPassword:RandomPassword": (name) => ({
        result: `offline-password-${name}`,
        bcryptHash: `$2a$10$offline.bcrypt.hash.of.${name}`,
    }),
    // A fixed, test-only key pair and certificate (2048-bit, committed), so offline sealing is real and repeatable.
    "tls:index/privateKey:PrivateKey": () => {
        const privateKeyPem = offlineSealing("key");
        const publicKeyPem = crypto.createPublicKey(privateKeyPem).export({ type: "spki", format: "pem" }).toString();
        return { privateKeyPem, publicKeyPem };
    },
    "tls:index/selfSignedCert:SelfSignedCert": () => ({ certPem: offlineSealing("crt") }),
};

const offlineSealing = (ext: "key" | "crt") => fs.readFileSync(path.join(__dirname, "fixtures", `offline-sealing.${ext}`), "utf8");

/** The state of a newly "created" resource: inputs, a stable id, and the faked computed outputs. */
export function fakeResourceState(type: string, name: string, inputs: State, region: string): { id: string; state: State } {
    const computed = fakers[type]?.(name, inputs, region) ?? {};
    const generic = type.startsWith("aws:") ? { arn: arn(type.split(":")[1].split("/")[0], region, name), name: inputs.name ?? name } : {};
    return { id: `${name}-id`, state: { ...generic, ...inputs, ...computed } };
}

/** Answers to provider invokes (data sources). An invoke we do not fake is an error, not a silent undefined. */
export function fakeInvoke(token: string, region: string): State {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId: fakeAccountId,
                arn: `arn:aws:iam::${fakeAccountId}:role/offline-synth`,
                userId: "AROAOFFLINE",
                id: fakeAccountId,
            };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:iam/getSessionContext:getSessionContext":
            return {
                arn: `arn:aws:iam::${fakeAccountId}:role/offline-synth`,
                issuerArn: `arn:aws:iam::${fakeAccountId}:role/offline-synth`,
                issuerName: "offline-synth",
                id: "offline-synth",
            };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
        default:
            throw new Error(`offline synth has no fake for invoke ${token}; add one in src/synth/fake-state.ts`);
    }
}
