import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor, MockResourceArgs, MockCallArgs } from "@pulumi/pulumi/runtime/mocks";
import type * as BootstrapModule from "../../bootstrap/bootstrap";

/*
 * bootstrap/ under Pulumi mocks: its program (index.ts) runs once with stack config, and its
 * function (bootstrap.ts) runs again for the cases config cannot reach. Mocks are installed in
 * `before`, never at load: other test files install their own.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const accountId = "123456789012";
const region = "eu-west-1";
const admin = `arn:aws:iam::${accountId}:role/platform-admins`;

interface Registration {
    type: string;
    name: string;
    protect: boolean;
    inputs: Record<string, unknown>;
}

const mocks = {
    newResource(args: MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "aws:s3/bucket:Bucket") state.arn = `arn:aws:s3:::${args.inputs.bucket}`;
        if (args.type === "aws:kms/key:Key") Object.assign(state, { keyId: "k-1", arn: `arn:aws:kms:${region}:${accountId}:key/k-1` });
        if (args.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider") {
            state.arn = `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`;
        }
        return { id: `${args.name}-id`, state };
    },
    call(args: MockCallArgs): Record<string, unknown> {
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId, arn: `arn:aws:iam::${accountId}:user/ci`, userId: "AIDA", id: accountId };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
            case "aws:index/getRegion:getRegion":
                return { name: region, region, id: region };
            default:
                throw new Error(`unexpected invoke ${args.token}`);
        }
    },
};

/** The mock monitor, recording what the engine would receive, protect included (setMocks' args omit it). */
class RecordingMonitor extends MockMonitor {
    readonly registrations: Registration[] = [];
    private readonly protects = new Map<string, boolean>();

    constructor() {
        super({
            newResource: (args) => {
                const key = `${args.type}::${args.name}`;
                this.registrations.push({
                    type: args.type,
                    name: args.name,
                    protect: this.protects.get(key) ?? false,
                    inputs: args.inputs,
                });
                return mocks.newResource(args);
            },
            call: mocks.call,
        });
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        this.protects.set(`${req.getType()}::${req.getName()}`, req.getProtect() === true);
        return super.registerResource(req, callback);
    }
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

describe("bootstrap", () => {
    let monitor: RecordingMonitor;
    let program: Record<string, pulumi.Output<string>>;
    let bootstrap: typeof BootstrapModule;
    let resources: Registration[];
    const one = (type: string, name?: string) => {
        const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
        assert.equal(found.length, 1, `${type}: ${found.length} registered`);
        return found[0].inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };

    before(async () => {
        monitor = new RecordingMonitor();
        await pulumi.runtime.setMocks(mocks, "ml-platform-bootstrap", "bootstrap", false);
        pulumi.runtime.setMockOptions(monitor, "ml-platform-bootstrap", "bootstrap", false);
        pulumi.runtime.setAllConfig({
            "aws:region": region,
            "ml-platform-bootstrap:keyAdministratorArns": JSON.stringify([admin]),
        });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        program = require("../../bootstrap/index");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        bootstrap = require("../../bootstrap/bootstrap");
        await promiseOf(program.backendUrl);
        await runtimeSettings.waitForRPCs();
        resources = monitor.registrations.filter((r) => !r.type.startsWith("pulumi:providers:"));
    });

    it("creates the state bucket and its settings, the KMS keys and aliases, the boundaries and the GitHub OIDC provider, all protected", () => {
        const perEnvironment = ["dev", "prod", "staging"].flatMap((env) => [
            `aws:iam/policy:Policy::boundary-${env}`,
            `aws:kms/alias:Alias::secrets-${env}`,
            `aws:kms/key:Key::secrets-${env}`,
        ]);
        assert.deepEqual(resources.map((r) => `${r.type}::${r.name}`).sort(), [
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider::github-actions",
            ...perEnvironment.filter((r) => r.startsWith("aws:iam/policy")),
            "aws:kms/alias:Alias::secrets",
            ...perEnvironment.filter((r) => r.startsWith("aws:kms/alias")),
            "aws:kms/alias:Alias::state",
            "aws:kms/key:Key::secrets",
            ...perEnvironment.filter((r) => r.startsWith("aws:kms/key")),
            "aws:s3/bucket:Bucket::state",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::state",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls::state",
            "aws:s3/bucketPolicy:BucketPolicy::state",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::state",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::state",
            "aws:s3/bucketVersioning:BucketVersioning::state",
        ]);
        assert.deepEqual(
            resources.filter((r) => !r.protect).map((r) => r.type),
            [],
        );
    });

    it("names the bucket as the main stack expects by default, and never force-destroys it", () => {
        const bucket = one("aws:s3/bucket:Bucket");
        assert.equal(bucket.bucket, `ml-platform-pulumi-state-${accountId}`);
        assert.equal(bucket.forceDestroy, false);
    });

    it("versions the bucket, encrypts it with the KMS key, blocks public access and disables ACLs", () => {
        assert.deepEqual(one("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration, { status: "Enabled" });
        const [rule] = one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules;
        assert.deepEqual(rule, {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: `arn:aws:kms:${region}:${accountId}:key/k-1` },
            bucketKeyEnabled: true,
        });
        const block = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            assert.equal(block[flag], true, flag);
        assert.equal(one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").rule.objectOwnership, "BucketOwnerEnforced");
        const [lifecycle] = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
        assert.equal(lifecycle.noncurrentVersionExpiration.noncurrentDays, 365);
    });

    it("denies every request over plain HTTP or old TLS, on the bucket and its objects", () => {
        const policy = JSON.parse(one("aws:s3/bucketPolicy:BucketPolicy").policy);
        const tls = policy.Statement.find((s: { Sid: string }) => s.Sid === "DenyInsecureTransport");
        assert.deepEqual(tls, {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::ml-platform-pulumi-state-${accountId}`, `arn:aws:s3:::ml-platform-pulumi-state-${accountId}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        });
        assert.ok(policy.Statement.every((s: { Effect: string }) => s.Effect === "Deny"));
    });

    it("rotates the key, under an explicit policy with no wildcard principal, and aliases it", () => {
        const key = one("aws:kms/key:Key", "secrets");
        assert.equal(key.enableKeyRotation, true);
        assert.equal(key.deletionWindowInDays, 30);
        const policy = JSON.parse(key.policy);
        const principals = policy.Statement.flatMap((s: { Principal: { AWS: string | string[] } }) => [s.Principal.AWS].flat());
        assert.deepEqual(principals, [`arn:aws:iam::${accountId}:root`, admin]);
        assert.deepEqual(one("aws:kms/alias:Alias", "secrets"), { name: "alias/ml-platform-pulumi-secrets", targetKeyId: "k-1" });
        assert.deepEqual(one("aws:kms/alias:Alias", "state"), { name: "alias/ml-platform-pulumi-state", targetKeyId: "k-1" });
    });

    it("gives each environment its own rotating secrets key, tagged with it, and its own state prefix", async () => {
        for (const env of ["dev", "staging", "prod"]) {
            const key = one("aws:kms/key:Key", `secrets-${env}`);
            assert.equal(key.enableKeyRotation, true);
            assert.equal(key.tags["platform.company.io/environment"], env);
            assert.equal(key.tags["platform.company.io/managed-by"], "ml-platform-bootstrap");
            assert.equal(one("aws:kms/alias:Alias", `secrets-${env}`).name, `alias/ml-platform-pulumi-secrets-${env}`);
            const outputs = (program.environments as unknown as Record<string, BootstrapModule.EnvironmentOutputs>)[env];
            assert.equal(await promiseOf(outputs.backendUrl), `s3://ml-platform-pulumi-state-${accountId}/${env}?region=${region}`);
            assert.equal(await promiseOf(outputs.secretsProvider), `awskms://alias/ml-platform-pulumi-secrets-${env}?region=${region}`);
        }
    });

    it("creates each environment's permissions boundary, named outside the names its deploy role manages", () => {
        for (const env of ["dev", "staging", "prod"]) {
            const boundary = one("aws:iam/policy:Policy", `boundary-${env}`);
            assert.equal(boundary.name, `ml-platform-boundary-${env}`);
            assert.ok(!boundary.name.startsWith(`ml-platform-${env}-`));
            const doc = JSON.parse(boundary.policy);
            assert.ok(doc.Statement.some((s: { Sid: string }) => s.Sid === "DenyCiRoleChanges"));
            assert.match(JSON.stringify(doc), new RegExp(`ml-platform-pulumi-state-${accountId}/${env}/\\*`));
        }
    });

    it("creates GitHub's OIDC provider for STS", () => {
        const provider = one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        assert.equal(provider.url, "https://token.actions.githubusercontent.com");
        assert.deepEqual(provider.clientIdLists, ["sts.amazonaws.com"]);
    });

    it("exports the backend URL and secrets provider for `pulumi login` and `pulumi stack init`", async () => {
        assert.equal(await promiseOf(program.backendUrl), `s3://ml-platform-pulumi-state-${accountId}?region=${region}`);
        assert.equal(await promiseOf(program.secretsProvider), `awskms://alias/ml-platform-pulumi-secrets?region=${region}`);
        assert.equal(
            await promiseOf(program.githubOidcProviderArn),
            `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`,
        );
    });

    it("takes names from config and can leave an existing OIDC provider alone", async () => {
        const before = monitor.registrations.length;
        const result = bootstrap.createBootstrap({
            stateBucket: "acme-pulumi-state",
            secretsKeyAlias: "alias/acme-pulumi",
            createGithubOidcProvider: false,
            environments: ["prod"],
        });
        assert.equal(await promiseOf(result.outputs.backendUrl), `s3://acme-pulumi-state?region=${region}`);
        assert.equal(
            await promiseOf(result.outputs.githubOidcProviderArn),
            `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`,
        );
        await runtimeSettings.waitForRPCs();
        const added = monitor.registrations.slice(before).filter((r) => !r.type.startsWith("pulumi:providers:"));
        // One account per environment: this account's bootstrap lists its one environment.
        assert.deepEqual(
            added.filter((r) => r.type === "aws:kms/key:Key").map((r) => r.name),
            ["secrets", "secrets-prod"],
        );
        assert.ok(!added.some((r) => r.type.startsWith("aws:iam/openIdConnectProvider")));
        assert.equal(await promiseOf(result.outputs.environments.prod.backendUrl), `s3://acme-pulumi-state/prod?region=${region}`);
    });

    it("refuses a wildcard key administrator and every other bad argument at once, before creating anything", async () => {
        const before = monitor.registrations.length;
        assert.throws(
            () =>
                bootstrap.createBootstrap({
                    keyAdministratorArns: ["*"],
                    stateBucket: "Bad_Bucket",
                    secretsKeyAlias: "alias/aws/s3",
                    noncurrentVersionDays: 7,
                    environments: ["Prod"],
                }),
            (e: Error) => {
                assert.equal(e.message.split("\n").length, 6, e.message);
                assert.match(e.message, /environments = \["Prod"\]: must list at least one environment name/);
                assert.match(e.message, /keyAdministratorArns: "\*": must be an IAM role or user ARN \(never a wildcard principal\)/);
                assert.match(e.message, /stateBucket = "Bad_Bucket"/);
                assert.match(e.message, /secretsKeyAlias = "alias\/aws\/s3"/);
                assert.match(e.message, /noncurrentVersionDays = 7: .* at least 30/);
                return true;
            },
        );
        await runtimeSettings.waitForRPCs();
        assert.equal(monitor.registrations.length, before);
    });

    it("writes policies that allow nobody anonymously", () => {
        const key = bootstrap.keyPolicy("aws", accountId, [admin]);
        for (const s of key.Statement) assert.notEqual(JSON.stringify(s.Principal), '"*"');
        assert.deepEqual(
            bootstrap.keyPolicy("aws", accountId).Statement.map((s) => s.Sid),
            ["AccountIamPolicies"],
        );
        for (const s of bootstrap.stateBucketPolicy("arn:aws:s3:::b").Statement) assert.equal(s.Effect, "Deny");
    });
});
