import { strict as assert } from "node:assert";
import { criticalPath } from "../../src/plan/critical-path";
import { record } from "./fixtures";

describe("plan/critical-path", () => {
    it("finds the longest weighted chain, not the longest in resource count", () => {
        const key = record("aws:kms/key:Key", "key"); // 0.2
        const cluster = record("aws:eks/cluster:Cluster", "eks", {}, [key.urn]); // 10
        const group = record("aws:eks/nodeGroup:NodeGroup", "nodes", {}, [cluster.urn]); // 4
        const roles = [1, 2, 3, 4, 5].map((i) => record("aws:iam/role:Role", `r${i}`)); // five short steps in a row
        for (let i = 1; i < roles.length; i++) roles[i].dependsOn = [roles[i - 1].urn];
        const release = record("kubernetes:helm.sh/v3:Release", "app", {}, [group.urn, roles[4].urn]); // 2
        const component = record("platform:x:Y", "component", {}, [], false);
        const path = criticalPath([key, cluster, group, ...roles, release, component]);
        assert.equal(path.minutes, 16.2);
        assert.deepEqual(
            path.chain.map((c) => c.name),
            ["key", "eks", "nodes", "app"],
        );
    });

    it("lets independent resources run in parallel", () => {
        const a = record("aws:eks/nodeGroup:NodeGroup", "a");
        const b = record("aws:eks/nodeGroup:NodeGroup", "b");
        assert.equal(criticalPath([a, b]).minutes, 4);
        assert.equal(criticalPath([]).minutes, 0);
    });

    it("refuses a dependency cycle", () => {
        const a = record("aws:iam/role:Role", "a");
        const b = record("aws:iam/role:Role", "b", {}, [a.urn]);
        a.dependsOn = [b.urn];
        assert.throws(() => criticalPath([a, b]), /dependency cycle through/);
    });
});
