import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { outputContract } from "../../src/outputs";
import { countByType, identities } from "../../src/synth/inventory";
import { stackNames } from "../../src/synth/stack-files";
import { successfulRun } from "../harness";

/*
 * Whole-stack tests: the real program per stack, its full inventory checked. The identity snapshot
 * pins every resource's (type, name): a rename would make Pulumi delete and recreate the resource,
 * so it fails here until someone accepts it on purpose with `npm run snapshots:accept`.
 */

const snapshotDir = path.join(__dirname, "__snapshots__");
const update = process.env.UPDATE_SNAPSHOTS === "1";

describe("whole stacks", () => {
    it("covers exactly the stacks that have a stack file", () => {
        assert.deepEqual(stackNames(), ["dev", "prod", "staging"]);
    });

    for (const stack of stackNames()) {
        describe(stack, () => {
            it("registers the same resource identities as the reviewed snapshot", async () => {
                const actual = identities((await successfulRun(stack)).resources);
                const file = path.join(snapshotDir, `${stack}.json`);
                if (update || !fs.existsSync(file)) {
                    if (!update && process.env.CI) assert.fail(`no snapshot for ${stack}; run npm run snapshots:accept and review it`);
                    fs.writeFileSync(file, JSON.stringify(actual, null, 2) + "\n");
                }
                const expected = JSON.parse(fs.readFileSync(file, "utf8")) as string[];
                const added = actual.filter((i) => !expected.includes(i));
                const removed = expected.filter((i) => !actual.includes(i));
                assert.deepEqual(
                    { added, removed },
                    { added: [], removed: [] },
                    "resource identities changed: review, then npm run snapshots:accept",
                );
            });

            it("gives every resource a unique URN, a parent component, and dependencies that exist", async () => {
                const { resources } = await successfulRun(stack);
                const urns = new Set(resources.map((r) => r.urn));
                assert.equal(urns.size, resources.length, "URNs are unique");
                for (const r of resources) {
                    if (r.type.startsWith("platform:")) continue;
                    assert.ok(r.parent && urns.has(r.parent), `${r.urn} sits under a component`);
                    for (const d of r.dependsOn) assert.ok(urns.has(d), `${r.urn} depends on unknown ${d}`);
                }
                for (const c of resources.filter((r) => r.type.startsWith("platform:")))
                    assert.equal(c.custom, false, `${c.urn} is a component`);
            });

            it("uses the cluster's explicit provider for every Kubernetes object", async () => {
                const { resources } = await successfulRun(stack);
                const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
                for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) assert.equal(r.provider, provider.urn, r.urn);
            });

            it("exports exactly the output contract, secrets as secrets", async () => {
                const { outputs } = await successfulRun(stack);
                assert.deepEqual(Object.keys(outputs!).sort(), Object.keys(outputContract).sort());
                for (const [name, spec] of Object.entries(outputContract)) {
                    if (spec.secret) assert.equal(outputs![name], "[secret]", `${name} is secret`);
                    else assert.notEqual(outputs![name], "[secret]", `${name} is plain`);
                }
                assert.equal(outputs!.environment, stack);
            });
        });
    }

    it("sizes the stacks differently only through their stack files", async () => {
        const counts = Object.fromEntries(
            await Promise.all(
                ["dev", "staging", "prod"].map(
                    async (s) => [s, Object.fromEntries(countByType((await successfulRun(s)).resources))] as const,
                ),
            ),
        );
        assert.deepEqual(
            ["dev", "staging", "prod"].map((s) => counts[s]["aws:ec2/natGateway:NatGateway"]),
            [1, 1, 3],
        );
        assert.deepEqual(
            ["dev", "staging", "prod"].map((s) => counts[s]["aws:ec2/subnet:Subnet"]),
            // Per zone: private (nodes, pods), public, control plane, internal load balancers.
            [8, 12, 12],
        );
    });
});
