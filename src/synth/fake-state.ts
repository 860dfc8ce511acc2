import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * What a provider would return after creating a resource or answering an invoke, faked for offline
 * runs. Only the outputs the program reads are filled in; everything else echoes the inputs.
 */

export const fakeAccountId = "123456789012";

/** Who the offline run is, as `aws.getCallerIdentity` would answer, and the stack's account. */
export interface FakeIdentity {
    accountId: string;
    /** The caller: an assumed-role session ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) or a role ARN. */
    callerArn: string;
}

/**
 * The identity of an offline run: the stack's account is the one `aws:allowedAccountIds` names (if
 * exactly one), else the `--as` role's account, else {@link fakeAccountId}. `--as <role ARN>` makes the
 * caller a session of that role, as `aws-actions/configure-aws-credentials` would.
 */
export function fakeIdentity(config: Readonly<Record<string, string>>, asRoleArn?: string): FakeIdentity {
    const allowed = config["aws:allowedAccountIds"] ? (JSON.parse(config["aws:allowedAccountIds"]) as string[]) : [];
    const roleAccount = asRoleArn ? /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(asRoleArn)?.[1] : undefined;
    const accountId = allowed.length === 1 ? allowed[0] : (roleAccount ?? fakeAccountId);
    if (!asRoleArn) return { accountId, callerArn: `arn:aws:iam::${accountId}:role/offline-synth` };
    const roleName = asRoleArn.split("/").pop();
    return { accountId, callerArn: `arn:aws:sts::${roleAccount}:assumed-role/${roleName}/offline-synth` };
}

type State = Record<string, unknown>;
type Faker = (name: string, inputs: State, region: string, account: string) => State;

const arn = (service: string, region: string, resource: string, account: string) => `arn:aws:${service}:${region}:${account}:${resource}`;

/** Computed outputs per resource type, keyed by type token. */
const fakers: Record<string, Faker> = {
    "aws:eks/cluster:Cluster": (name, inputs, region, account) => ({
        arn: arn("eks", region, `cluster/${inputs.name ?? name}`, account),
        endpoint: `https://${name.toUpperCase()}0123456789ABCDEF.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from(`fake-ca-for-${name}`).toString("base64") },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/0123456789ABCDEF${name.length}` }] }],
        vpcConfig: { ...(inputs.vpcConfig as State), clusterSecurityGroupId: `sg-cluster-${name}`, vpcId: "vpc-fake" },
        version: inputs.version,
    }),
    "aws:iam/role:Role": (name, inputs, _region, account) => ({ arn: `arn:aws:iam::${account}:role/${inputs.name ?? name}` }),
    "aws:iam/policy:Policy": (name, inputs, _region, account) => ({ arn: `arn:aws:iam::${account}:policy/${inputs.name ?? name}` }),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (name, inputs, _region, account) => ({
        arn: `arn:aws:iam::${account}:oidc-provider/${String(inputs.url ?? name).replace(/^https:\/\//, "")}`,
    }),
    "aws:kms/key:Key": (name, _inputs, region, account) => ({
        arn: arn("kms", region, `key/${name}-key-id`, account),
        keyId: `${name}-key-id`,
    }),
    "aws:ecr/repository:Repository": (name, inputs, region, account) => ({
        arn: arn("ecr", region, `repository/${inputs.name ?? name}`, account),
        repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${inputs.name ?? name}`,
    }),
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
    "aws:cloudwatch/logGroup:LogGroup": (name, inputs, region, account) => ({
        arn: arn("logs", region, `log-group:${inputs.name ?? name}`, account),
    }),
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
export function fakeResourceState(
    type: string,
    name: string,
    inputs: State,
    region: string,
    account = fakeAccountId,
): { id: string; state: State } {
    const computed = fakers[type]?.(name, inputs, region, account) ?? {};
    const generic = type.startsWith("aws:")
        ? { arn: arn(type.split(":")[1].split("/")[0], region, name, account), name: inputs.name ?? name }
        : {};
    return { id: `${name}-id`, state: { ...generic, ...inputs, ...computed } };
}

/** Answers to provider invokes (data sources). An invoke we do not fake is an error, not a silent undefined. */
export function fakeInvoke(token: string, region: string, identity: FakeIdentity = fakeIdentity({})): State {
    const callerAccount = identity.callerArn.split(":")[4];
    const issuer = identity.callerArn.replace(/^arn:(aws[a-z-]*):sts::(\d+):assumed-role\/([^/]+)\/.*$/, "arn:$1:iam::$2:role/$3");
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: callerAccount, arn: identity.callerArn, userId: "AROAOFFLINE", id: callerAccount };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:iam/getSessionContext:getSessionContext":
            return { arn: identity.callerArn, issuerArn: issuer, issuerName: issuer.split("/").pop(), id: identity.callerArn };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
        default:
            throw new Error(`offline synth has no fake for invoke ${token}; add one in src/synth/fake-state.ts`);
    }
}
