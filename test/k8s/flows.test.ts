import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { planSubnets } from "../../src/aws/cidr";
import { parseConfig, PlatformConfig } from "../../src/config";
import { checkFlows, describe as describeFlow, flowTableMarkdown, networkModel, toFlow } from "../../src/k8s/flows";
import { clusterView, evaluate } from "../../src/k8s/reachability";
import { runStack } from "../../src/synth/mock-runtime";
import { ResourceRecord } from "../../src/synth/inventory";
import { projectRoot, readStackConfig, stackNames } from "../../src/synth/stack-files";
import { editConfig, successfulRun } from "../harness";

function configOf(stack: string, overrides: Record<string, string | undefined> = {}): PlatformConfig {
    const { config, secretKeys } = readStackConfig(stack);
    for (const [k, v] of Object.entries(overrides))
        if (v === undefined) delete config[k];
        else config[k] = v;
    return parseConfig(stack, config, (k) => secretKeys.includes(k));
}

const viewOf = (config: PlatformConfig, resources: ResourceRecord[]) =>
    clusterView(
        resources,
        planSubnets(config.network.vpcCidr, config.network.availabilityZones).map((p) => p.privateCidr),
    );

function assertFlows(config: PlatformConfig, resources: ResourceRecord[], label: string) {
    const { required, denied } = checkFlows(networkModel(config), viewOf(config, resources));
    assert.ok(required.length > 20 && denied.length > 10, `${label}: too few flows declared`);
    assert.deepEqual(
        required.filter((r) => !r.ok).map((r) => describeFlow(r, "allowed")),
        [],
        label,
    );
    assert.deepEqual(
        denied.filter((r) => !r.ok).map((r) => describeFlow(r, "denied")),
        [],
        label,
    );
    return { required: required.length, denied: denied.length };
}

const s3Edit = (v: Record<string, any>) => (v.objectStore = { kind: "s3" }); // eslint-disable-line @typescript-eslint/no-explicit-any

describe("k8s/flows (declared flows judged under the VPC CNI's rules)", () => {
    for (const stack of stackNames()) {
        it(`${stack}: allows every required flow and denies every must-deny flow`, async () => {
            const { resources } = await successfulRun(stack);
            assertFlows(configOf(stack), resources, stack);
        });
    }

    for (const stack of stackNames().filter((s) => configOf(s).network.egress === "restricted")) {
        it(`${stack} with objectStore.kind s3: MLflow and pipelines reach S3 and the Pod Identity agent (fault 4)`, async () => {
            const overrides = editConfig(stack, s3Edit);
            const run = await runStack(stack, { overrides });
            if (run.error) throw run.error;
            const config = configOf(stack, overrides);
            const model = networkModel(config);
            const s3Flows = model.required.filter((f) => f.to === "s3" && f.from.startsWith("mlflow@"));
            assert.ok(s3Flows.length > 0, "the model declares MLflow → S3");
            assertFlows(config, run.resources, `${stack} (s3)`);
            // The failing case: the same flows against the stack's MinIO inventory, which has no S3 allows.
            const minio = (await successfulRun(stack)).resources;
            for (const f of s3Flows) assert.equal(evaluate(toFlow(model, f), viewOf(config, minio)).level, "none");
        });
    }

    it("rejects a flow naming an unknown component", () => {
        const model = networkModel(configOf(stackNames()[0]));
        assert.throws(() => toFlow(model, { from: "nobody", to: "kubernetes-api", port: 443, why: "typo" }), /unknown component nobody/);
    });

    it("keeps the README's flow table (prod) current: regenerate it from networkModel", () => {
        // Prettier pads Markdown tables: compare without padding.
        const squeeze = (text: string) => text.replace(/[ \t]+/g, "").replace(/-{3,}/g, "---");
        const readme = squeeze(fs.readFileSync(path.join(projectRoot, "README.md"), "utf8"));
        const table = squeeze(flowTableMarkdown(networkModel(configOf("prod"))));
        assert.ok(readme.includes(table), "README.md's flow table differs from flowTableMarkdown(networkModel(prod)); paste the new one");
    });
});
