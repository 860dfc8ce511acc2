import { strict as assert } from "node:assert";
import { lifecyclePolicy } from "../../src/aws/registries";
import { ofType } from "../../src/synth/inventory";
import { platformConfig, successfulRun } from "../harness";
import { stackNames } from "../../src/synth/stack-files";
import { fakeAccountId } from "../../src/synth/fake-state";

describe("aws/registries", () => {
    it("expires untagged images after N days and keeps the newest N tagged", () => {
        const rules = JSON.parse(lifecyclePolicy({ untaggedExpiryDays: 7, keepTaggedImages: 100 })).rules;
        assert.deepEqual(
            rules.map((r: { selection: object }) => r.selection),
            [
                { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 100 },
            ],
        );
    });

    for (const stack of stackNames()) {
        it(`${stack}: creates every configured repository scanned on push, immutable, KMS-encrypted, with a lifecycle policy`, async () => {
            const { resources, outputs } = await successfulRun(stack);
            const config = platformConfig(stack);
            const repos = ofType(resources, "aws:ecr/repository:Repository");
            assert.deepEqual(
                repos.map((r) => r.inputs.name).sort(),
                Object.keys(config.registries)
                    .map((n) => `${config.environment}/${n}`)
                    .sort(),
            );
            for (const r of repos) {
                assert.equal(r.inputs.imageTagMutability, "IMMUTABLE");
                assert.deepEqual(r.inputs.imageScanningConfiguration, { scanOnPush: true });
                assert.match(String((r.inputs.encryptionConfigurations as { kmsKey: string }[])[0].kmsKey), /key\/ecr-key-id$/);
            }
            assert.equal(ofType(resources, "aws:ecr/lifecyclePolicy:LifecyclePolicy").length, repos.length);
            assert.equal(
                ofType(resources, "aws:ecr/repositoryPolicy:RepositoryPolicy").length,
                0,
                "no repository policy, so nothing is public",
            );
            for (const name of Object.keys(config.registries)) {
                assert.equal(
                    (outputs!.registryUrls as Record<string, string>)[name],
                    `${fakeAccountId}.dkr.ecr.${config.region}.amazonaws.com/${config.environment}/${name}`,
                );
            }
        });
    }
});
