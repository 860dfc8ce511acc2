import { strict as assert } from "node:assert";
import { configProblems } from "../harness";

/* `aws:allowedAccountIds` (one account per environment): validated before anything is created. */
describe("aws/account", () => {
    it("refuses an account ID that is not 12 digits, naming the provider's key", async () => {
        const { problems, run } = await configProblems("dev", (v) => {
            v["aws:allowedAccountIds"] = ["12345"];
        });
        assert.deepEqual(problems, ['aws:allowedAccountIds[0] = "12345": must be a 12-digit AWS account ID']);
        assert.equal(run.resources.length, 0);
    });
});
