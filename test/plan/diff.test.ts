import { strict as assert } from "node:assert";
import { parseDiffArgs } from "../../src/plan/diff-cli";
import { depths, diffPaths, diffPlans, exitCode } from "../../src/plan/diff";
import { renderRules } from "../../src/plan/render-diff";
import { pathMatches, replaceRuleFor, statefulReason } from "../../src/plan/replace-rules";
import { ResourceRecord } from "../../src/synth/inventory";

/* The evaluator alone, on small hand-made inventories: no program, no git. */

const urn = (type: string, name: string) => `urn:pulumi:s::ml-platform::${type}::${name}`;
function record(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<ResourceRecord> = {}): ResourceRecord {
    return {
        urn: urn(type, name),
        type,
        name,
        parent: null,
        dependsOn: [],
        provider: null,
        custom: true,
        protect: false,
        inputs,
        ...extra,
    };
}

describe("plan/diff (pure)", () => {
    it("lists the leaf paths that differ", () => {
        assert.deepEqual(diffPaths({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3, 4] }, d: true }), ["b.c.1", "b.c.2", "d"]);
        assert.deepEqual(diffPaths({ x: "same" }, { x: "same" }), []);
    });

    it("matches rule paths at or below them, with [*] for any index", () => {
        assert.ok(pathMatches("spec.selector.matchLabels.app", "spec.selector"));
        assert.ok(!pathMatches("spec.selectorX", "spec.selector"));
        assert.ok(pathMatches("spec.pools.0.servers", "spec.pools[*].servers"));
        assert.ok(!pathMatches("spec.pools.0.serversX", "spec.pools[*].servers"));
        assert.ok(pathMatches("anything", ""));
    });

    it("knows the replace rules of Kubernetes kinds, metadata included", () => {
        assert.deepEqual(replaceRuleFor("kubernetes:core/v1:Service")!.paths, ["metadata.name", "metadata.namespace", "spec.clusterIP"]);
        assert.equal(replaceRuleFor("aws:eks/addon:Addon")!.paths.includes("addonName"), true);
        assert.equal(replaceRuleFor("platform:aws:Cluster"), undefined);
    });

    it("treats sealing-key Secrets as stateful, other Secrets not", () => {
        const key = record("kubernetes:core/v1:Secret", "k", {
            metadata: { labels: { "sealedsecrets.bitnami.com/sealed-secrets-key": "active" } },
        });
        assert.match(statefulReason(key)!, /append-only/);
        assert.equal(statefulReason(record("kubernetes:core/v1:Secret", "s", { metadata: {} })), undefined);
    });

    it("cascades a replacement to dependents whose replace-triggering inputs carry its id", () => {
        const vpc = (cidr: string) => record("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: cidr });
        const subnet = record(
            "aws:ec2/subnet:Subnet",
            "subnet-a",
            { vpcId: "vpc-id", cidrBlock: "10.0.0.0/24" },
            { dependsOn: [urn("aws:ec2/vpc:Vpc", "vpc")] },
        );
        const diff = diffPlans({ resources: [vpc("10.0.0.0/16"), subnet] }, { resources: [vpc("10.1.0.0/16"), subnet] });
        assert.deepEqual(
            diff.changes.map((c) => [c.name, c.op]),
            [
                ["vpc", "replace"],
                ["subnet-a", "replace"],
            ],
        );
        assert.equal(exitCode(diff), 2, "a VPC under a cluster cannot be replaced");
    });

    it("ignores what the working tree ignores, and refuses a protected delete", () => {
        const group = (min: number, desired: number) =>
            record("aws:eks/nodeGroup:NodeGroup", "g", { scalingConfig: { minSize: min, maxSize: 9, desiredSize: desired } });
        const same = diffPlans(
            { resources: [group(2, 2)] },
            { resources: [group(2, 5)], ignoreChanges: { [urn("aws:eks/nodeGroup:NodeGroup", "g")]: ["scalingConfig.desiredSize"] } },
        );
        assert.deepEqual([same.changes.length, same.unchanged], [0, 1]);
        const repo = record("aws:ecr/repository:Repository", "r", { name: "r" }, { protect: true });
        const gone = diffPlans({ resources: [repo] }, { resources: [] });
        assert.deepEqual(
            gone.blocked.map((b) => b.reason),
            ["protected, so Pulumi refuses to have it deleted", "would be deleted, losing container images"],
        );
    });

    it("warns when a node group is deleted (its nodes drain), and not when it stays", () => {
        const group = record("aws:eks/nodeGroup:NodeGroup", "nodes-gpu", {
            labels: { "platform.company.io/pool": "gpu" },
            scalingConfig: { minSize: 0, maxSize: 2, desiredSize: 0 },
        });
        const gone = diffPlans({ resources: [group] }, { resources: [] });
        assert.deepEqual(gone.blocked, [], "a warning, not a refusal");
        const [finding] = gone.changes[0].findings;
        assert.equal(finding.severity, "warning");
        assert.match(finding.message, /pool gpu is deleted: its nodes are drained/);
        assert.deepEqual(diffPlans({ resources: [group] }, { resources: [group] }).changes, []);
        // Other deletes carry no such finding.
        assert.deepEqual(diffPlans({ resources: [record("t:a:A", "a", {})] }, { resources: [] }).changes[0].findings, []);
    });

    it("orders by dependency depth", () => {
        const a = record("t:a:A", "a", {});
        const b = record("t:b:B", "b", {}, { dependsOn: [a.urn] });
        const c = record("t:c:C", "c", {}, { parent: b.urn });
        assert.deepEqual([...depths([c, b, a]).entries()].sort(), [
            [a.urn, 0],
            [b.urn, 1],
            [c.urn, 2],
        ]);
    });

    it("parses its arguments and refuses unknown ones", () => {
        assert.deepEqual(parseDiffArgs(["--stack", "prod", "--base", "origin/main"], ["dev", "prod"]), {
            stack: "prod",
            base: "origin/main",
            out: undefined,
        });
        assert.throws(() => parseDiffArgs(["--stack", "prod"], ["prod"]), /--base are required/);
        assert.throws(() => parseDiffArgs(["--stack", "qa", "--base", "x"], ["prod"]), /no Pulumi\.qa\.yaml/);
        assert.throws(() => parseDiffArgs(["--force", "x"], ["prod"]), /unexpected argument "--force"/);
    });

    it("prints its facts with their sources", () => {
        const rules = renderRules();
        assert.match(rules, /aws:eks\/nodeGroup:NodeGroup \| .*instanceTypes.* \| hashicorp\/terraform-provider-aws/);
        assert.match(rules, /spec\.pools\[\*\]\.servers \| MinIO Tenant CRD/);
    });
});
