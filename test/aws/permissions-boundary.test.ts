import { strict as assert } from "node:assert";
import { boundaryServices } from "../../src/aws/permissions-boundary";
import { successfulRun } from "../harness";

/* Every action any role of a stack is granted lies under the boundary's service ceiling, or the role could not use it. */
describe("aws/permissions-boundary", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`${stack}: every action of every inline and managed policy in the inventory is under the boundary's ceiling`, async () => {
            const { resources } = await successfulRun(stack);
            const services = new Set<string>();
            for (const r of resources.filter((x) => x.type === "aws:iam/rolePolicy:RolePolicy" || x.type === "aws:iam/policy:Policy")) {
                for (const s of JSON.parse(String(r.inputs.policy)).Statement) {
                    for (const action of [s.Action ?? []].flat() as string[]) services.add(action.split(":")[0]);
                }
            }
            const outside = [...services].filter((s) => !(boundaryServices as readonly string[]).includes(s));
            assert.deepEqual(outside, []);
            assert.ok(services.has("ec2") && services.has("iam"));
        });
    }
});
