import { strict as assert } from "node:assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { backupPolicy, consoleAdminPolicy, identityScript } from "../../src/addons/minio-identities";
import { backupBucket } from "../../src/addons/object-store";
import { findResource, ofType } from "../../src/synth/inventory";
import { successfulRun } from "../harness";

/*
 * The identity PostgreSQL backups use in MinIO may touch the backup bucket only. Before issue 15 it
 * was a Tenant user, which MinIO operator v7.1.1 makes a consoleAdmin: the failing case. MinIO's
 * policies are AWS IAM JSON for S3, so the IAM evaluator decides them.
 */

async function decide(policy: object, action: string, resource: string) {
    const result = await runSimulation(
        {
            request: {
                principal: "arn:aws:iam::123456789012:user/postgres-backup",
                action,
                resource: { resource, accountId: "123456789012" },
                contextVariables: {},
            },
            identityPolicies: [{ name: "minio", policy }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        },
        {},
    );
    return result.resultType === "error" ? `error: ${result.errors.message}` : result.overallResult;
}

describe("addons/minio-identities", function () {
    this.timeout(120000);
    const requests: [string, string, boolean][] = [
        ["s3:PutObject", `arn:aws:s3:::${backupBucket}/prod/base/backup.tar`, true],
        ["s3:DeleteObject", `arn:aws:s3:::${backupBucket}/prod/wals/0001`, true],
        ["s3:ListBucket", `arn:aws:s3:::${backupBucket}`, true],
        ["s3:GetObject", "arn:aws:s3:::mlflow-artifacts/model.pkl", false],
        ["s3:PutObject", "arn:aws:s3:::models/model.onnx", false],
        ["s3:DeleteBucket", `arn:aws:s3:::${backupBucket}`, false],
        ["s3:PutBucketPolicy", `arn:aws:s3:::${backupBucket}`, false],
    ];

    it("was the failing case: the operator's consoleAdmin reads and deletes every bucket", async () => {
        assert.equal(await decide(consoleAdminPolicy, "s3:GetObject", "arn:aws:s3:::mlflow-artifacts/model.pkl"), "Allowed");
        assert.equal(await decide(consoleAdminPolicy, "s3:DeleteBucket", `arn:aws:s3:::${backupBucket}`), "Allowed");
    });

    it("lets the backup identity use the backup bucket's objects and nothing else", async () => {
        for (const [action, resource, allowed] of requests) {
            assert.equal(
                await decide(backupPolicy(backupBucket), action, resource),
                allowed ? "Allowed" : "ImplicitlyDenied",
                `${action} ${resource}`,
            );
        }
    });

    it("prod: no tenant user (no consoleAdmin); a Job creates the backup identity with that policy only, after the tenant", async () => {
        const { resources } = await successfulRun("prod");
        const tenant = findResource(resources, "kubernetes:minio.min.io/v2:Tenant", "minio-tenant");
        assert.deepEqual((tenant.inputs.spec as { users: unknown[] }).users, []);
        const job = findResource(resources, "kubernetes:batch/v1:Job", "minio-backup-identity");
        assert.ok(job.dependsOn.includes(tenant.urn));
        const policyMap = ofType(resources, "kubernetes:core/v1:ConfigMap").find((r) => r.name === "minio-backup-identity-policy")!;
        assert.deepEqual(JSON.parse((policyMap.inputs.data as Record<string, string>)["policy.json"]), backupPolicy(backupBucket));
        const spec = (
            job.inputs.spec as { template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } } }
        ).template.spec;
        assert.match(spec.containers[0].image, /^quay\.io\/minio\/mc:RELEASE\./);
        assert.equal(spec.containers[0].env.find((e) => e.name === "POLICY_NAME")!.value, "postgres-backup");
        assert.match(identityScript, /admin policy detach platform consoleAdmin/);
    });
});
