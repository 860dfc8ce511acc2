import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { outputContract } from "../../src/outputs";
import {
    dynamicName,
    filterRoots,
    shellWords,
    stackOutputReferences,
    unknownReferences,
    workflowFiles,
} from "../../scripts/ci/stack-output-refs";

/* Workflows may read only the stack outputs src/outputs.ts defines (the stack-output contract). */

const names = (source: string) => stackOutputReferences(source).map((ref) => ref.name);
const unknown = (source: string) => unknownReferences(stackOutputReferences(source), outputContract).map((ref) => ref.name);

/** A one-job workflow around a script. */
function withScript(...lines: string[]): string {
    return [
        "on: push",
        "jobs:",
        "  a:",
        "    runs-on: ubuntu-24.04",
        "    steps:",
        "      - run: |",
        ...lines.map((l) => `          ${l}`),
    ].join("\n");
}

describe("stack outputs read by workflows", () => {
    const refs = workflowFiles().flatMap((file) => stackOutputReferences(readFileSync(file, "utf8"), path.basename(file)));

    it("are all defined by the stack-output contract", () => {
        assert.deepEqual(
            unknownReferences(refs, outputContract).map((ref) => `${ref.file}:${ref.line} ${ref.name}`),
            [],
        );
    });

    it("include what the application pipeline needs (registry, push role, region, GitOps repository and path)", () => {
        const read = refs.filter((ref) => ref.file === "app-pipeline.yml").map((ref) => ref.name);
        assert.deepEqual([...new Set(read)].sort(), ["awsRegion", "ciImagePushRoleArn", "gitopsPath", "gitopsRepoUrl", "registryUrls"]);
    });

    describe("the reference finder", () => {
        it("finds a jq read of the outputs file, and flags one the contract does not define", () => {
            const source = withScript(
                'pulumi stack output --json --stack "$STACK" > stack-outputs.json',
                "name=$(jq -er .clusterName stack-outputs.json)",
                "bad=$(jq -r '.clusterNmae' stack-outputs.json)",
            );
            assert.deepEqual(names(source), ["clusterName", "clusterNmae"]);
            assert.deepEqual(unknown(source), ["clusterNmae"]);
        });

        it("finds `pulumi stack output <name>` with its flags, and a pipe into jq", () => {
            const source = withScript(
                "pulumi stack output --stack dev --show-secrets kubeconfig > kubeconfig",
                "pulumi stack output -s prod registryUri",
                "pulumi stack output --json | jq -r '.registryUrls.dbt, .vpcId'",
            );
            assert.deepEqual(names(source), ["kubeconfig", "registryUri", "registryUrls", "vpcId"]);
            assert.deepEqual(unknown(source), ["registryUri"]);
        });

        it("finds step outputs of a pulumi/actions step that runs a command, not of other steps", () => {
            const source = [
                "on: push",
                "jobs:",
                "  a:",
                "    runs-on: ubuntu-24.04",
                "    steps:",
                "      - id: up",
                "        uses: pulumi/actions@v6",
                "        with: { command: up, stack-name: dev }",
                "      - id: other",
                '        run: echo x=1 >> "$GITHUB_OUTPUT"',
                "      - run: echo \"${{ steps.up.outputs.clusterName }} ${{ steps.up.outputs['bogusOutput'] }} ${{ steps.other.outputs.x }}\"",
                '      - run: echo "${{ steps.up.outputs.output }}"',
            ].join("\n");
            assert.deepEqual(names(source), ["clusterName", "bogusOutput"]);
            assert.deepEqual(unknown(source), ["bogusOutput"]);
        });

        it("flags reads it cannot name: a variable output name, or the whole JSON sent elsewhere", () => {
            const source = withScript('pulumi stack output "$NAME"', "pulumi stack output --json > outputs.json");
            assert.deepEqual(names(source), [dynamicName, dynamicName]);
            assert.deepEqual(unknown(source), [dynamicName, dynamicName]);
        });

        it("ignores comments and jq over other files", () => {
            const source = withScript("# pulumi stack output notAnOutput", "jq -r .tag_name release.json");
            assert.deepEqual(names(source), []);
        });

        it("takes the first field of each path in a jq filter", () => {
            assert.deepEqual(filterRoots('.registryUrls[$image] | .a.b, .["gitopsPath"], .[0].x'), ["registryUrls", "a", "gitopsPath"]);
        });

        it("splits shell words like the shell: quotes joined, operators apart", () => {
            assert.deepEqual(shellWords(`x=$(jq -r '.a b' "f g")|tee h`), ["x=$", "(", "jq", "-r", ".a b", "f g", ")", "|", "tee", "h"]);
        });
    });
});
