import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { outputContract } from "../../src/outputs";
import { countByType, identities } from "../../src/synth/inventory";
import { projectRoot, stackNames, stacksRoot } from "../../src/synth/stack-files";
import { platformConfig, successfulRun } from "../harness";

/*
 * Whole-stack tests: the real program per stack, its full inventory checked. The identity snapshot
 * pins every resource's (type, name): a rename would make Pulumi delete and recreate the resource,
 * so it fails here until someone accepts it on purpose with `npm run snapshots:accept`.
 */

/** The reviewed snapshots; a fork's run (ML_PLATFORM_STACKS_ROOT, test/stacks/adoption.test.ts) keeps its own beside its stack files. */
const snapshotDir =
    stacksRoot === projectRoot ? path.join(__dirname, "__snapshots__") : path.join(stacksRoot, "test", "stacks", "__snapshots__");
const update = process.env.UPDATE_SNAPSHOTS === "1";

describe("whole stacks", () => {
    it("covers exactly the stacks that have a stack file, each with its reviewed identity snapshot", () => {
        assert.ok(stackNames().length > 0);
        if (stacksRoot !== projectRoot) return; // a fork records its snapshots on its first run
        if (update) {
            // Accepting after a stack was removed (its file deleted, `npm run sync-stacks`) drops its snapshot too.
            for (const f of fs.readdirSync(snapshotDir)) {
                if (!stackNames().includes(path.basename(f, ".json"))) fs.rmSync(path.join(snapshotDir, f));
            }
        }
        const snapshots = fs.readdirSync(snapshotDir).map((f) => path.basename(f, ".json"));
        // While accepting, a new stack's snapshot is written by its own test below.
        const expected = update ? stackNames().filter((s) => snapshots.includes(s)) : stackNames();
        assert.deepEqual(snapshots.sort(), expected, "a snapshot per stack file, none left over: npm run snapshots:accept");
    });

    for (const stack of stackNames()) {
        describe(stack, () => {
            it("registers the same resource identities as the reviewed snapshot", async () => {
                const actual = identities((await successfulRun(stack)).resources);
                const file = path.join(snapshotDir, `${stack}.json`);
                if (update || !fs.existsSync(file)) {
                    fs.mkdirSync(snapshotDir, { recursive: true });
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
        for (const stack of stackNames()) {
            const counts = Object.fromEntries(countByType((await successfulRun(stack)).resources));
            const { network, nodePools } = platformConfig(stack);
            const zones = network.availabilityZones.length;
            const pools = Object.values(nodePools);
            assert.deepEqual(
                [
                    counts["aws:ec2/natGateway:NatGateway"],
                    counts["aws:ec2/subnet:Subnet"],
                    counts["aws:eks/nodeGroup:NodeGroup"],
                    counts["kubernetes:karpenter.sh/v1:NodePool"] ?? 0,
                ],
                // Per zone: private (nodes, pods), public, control plane, internal load balancers; a node
                // group per managed pool, a NodePool per Karpenter pool.
                [
                    network.natGateways === "perAz" ? zones : 1,
                    4 * zones,
                    pools.filter((p) => p.provisioner === "managed").length,
                    pools.filter((p) => p.provisioner === "karpenter").length,
                ],
                stack,
            );
        }
    });
});
