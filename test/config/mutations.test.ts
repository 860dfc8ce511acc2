import { strict as assert } from "node:assert";
import { faultMutations, mutationsFor, seededRandom } from "../../src/config/mutations";
import { defaultSeed, Outcome, outcomeTable, runMutations, stackValues } from "../../scripts/mutate";
import { stackNames } from "../../src/synth/stack-files";

/*
 * The mutation test (issue 17): every stack file mutated by the seeded generator; each mutant is
 * refused by the config loader (the code the program runs before registering anything) with
 * `<key> = <value>: <rule>`, or by the stack-file reader with file, line and key, or it is accepted
 * and its inventory is policy-clean and schema-valid. Accepted mutants that change the config are
 * synthesized up to a bound per stack here (each synth takes seconds); `npm run mutate` does all.
 */

const synthPerStack = 1;

describe("config/mutations", function () {
    this.timeout(300_000);
    const outcomes: Outcome[] = [];

    before(async () => {
        for (const stack of stackNames()) outcomes.push(...(await runMutations(stack, defaultSeed, synthPerStack)));
        console.log(`      ${outcomes.length} mutants, seed ${defaultSeed}\n${outcomeTable(outcomes).replace(/^/gm, "      ")}`);
    });

    it("generates at least 150 mutants, deterministically from the seed", () => {
        assert.ok(outcomes.length >= 150, `${outcomes.length} mutants`);
        const titles = (seed: number) => mutationsFor(stackValues("prod"), seed).map((m) => m.title);
        assert.deepEqual(titles(defaultSeed), titles(defaultSeed));
        assert.notDeepEqual(titles(defaultSeed), titles(defaultSeed + 1));
        assert.equal(seededRandom(1)(), seededRandom(1)());
    });

    it("covers every generic kind and every fault kind on every stack", () => {
        const kinds = new Set(faultMutations(stackValues("prod")).map((m) => m.kind));
        for (const kind of ["delete", "retype", "range", "case", "unknown", ...kinds]) {
            assert.ok(
                outcomes.some((o) => o.kind === kind && o.stack === "prod"),
                `no ${kind} mutant`,
            );
        }
    });

    it("refuses or cleanly accepts every mutant: none crashes, leaks a secret, or passes the loader and fails later", () => {
        const failed = outcomes.filter((o) => o.verdict === "FAILED").map((o) => `${o.stack} · ${o.title}: ${o.messages.join("; ")}`);
        assert.deepEqual(failed, []);
    });

    it("refuses every fault-kind mutant (they are what AWS or Kubernetes would reject)", () => {
        const generic = new Set(["delete", "retype", "range", "case"]);
        const accepted = outcomes
            .filter((o) => !generic.has(o.kind) && o.verdict !== "refused")
            .map((o) => `${o.stack} · ${o.kind} · ${o.title}`);
        assert.deepEqual(accepted, []);
    });

    it("names the issue's examples with key, value and rule", () => {
        const refusal = (stack: string, title: string) =>
            outcomes.find((o) => o.stack === stack && o.title === title)?.messages.join("\n") ?? "";
        assert.match(
            refusal("dev", "namespaces: kube-system"),
            /^ml-platform:namespaces\.kube-system = "kube-system": is a namespace Kubernetes owns/m,
        );
        assert.match(
            refusal("prod", "cluster.logRetentionDays: 366"),
            /^ml-platform:cluster\.logRetentionDays = 366: must be a CloudWatch Logs retention: one of 1, 3, 5, 7, 14, 30/m,
        );
        assert.match(
            refusal("prod", 'postgresql.backup.schedule: "61 99 25 * * *"'),
            /^ml-platform:postgresql\.backup\.schedule = "61 99 25 \* \* \*": is not a valid cron expression: .*second: 61/m,
        );
        assert.match(
            refusal("prod", "secrets.sealingKeys: [initial, initial]"),
            /^ml-platform:secrets\.sealingKeys = \["initial","initial"\]: must not repeat initial/m,
        );
        assert.match(
            refusal("prod", "namespaces.platform-mlops.podSecurity: privileged"),
            /^ml-platform:namespaces\.platform-mlops\.podSecurity = "privileged": tier production allows at most baseline/m,
        );
        const vpcCidr = (stackValues("prod").network as { vpcCidr: string }).vpcCidr;
        assert.ok(
            refusal("prod", "network.vpcCidr with host bits").includes(
                `ml-platform:network.vpcCidr = "${vpcCidr.replace(".0.0/", ".0.1/")}": has host bits set; did you mean ${vpcCidr}?`,
            ),
        );
        assert.match(
            refusal("prod", "ml-platfrom:protectStatefulResources: false"),
            /^ml-platfrom:protectStatefulResources = false: is under the unknown config namespace "ml-platfrom".*did you mean ml-platform:protectStatefulResources\?/m,
        );
        assert.match(
            refusal("dev", "ml-platform:tier: [development (unclosed flow sequence)"),
            /Pulumi\.dev\.yaml:\d+:\d+ \(key config\.ml-platform:tier\): /,
        );
        assert.match(
            refusal("dev", "ml-platform:domain twice (duplicate key)"),
            /Pulumi\.dev\.yaml:\d+:\d+ \(key config\.ml-platform:domain\): Map keys must be unique/,
        );
        assert.match(
            refusal("prod", "cluster.kubernetesVersion: 1.34 unquoted"),
            /kubernetesVersion = 1\.34: is a YAML number; write it in quotes \("1\.34"\)/,
        );
        assert.match(
            refusal("prod", "slackWebhookUrl typed as a plain unknown key"),
            /^ml-platform:slackWebhookURL = "\(hidden\)": is not a known key \(did you mean slackWebhookUrl\?/m,
        );
        assert.match(
            refusal("prod", "nodePools: a pool named GPU_Pool"),
            /^ml-platform:nodePools\.GPU_Pool = "GPU_Pool": is not a valid name: must be a DNS label/m,
        );
        const deletions = outcomes.filter((o) => o.kind === "delete" && o.verdict === "refused").flatMap((o) => o.messages);
        assert.ok(
            deletions.some((m) => /= \(not set\): is required/.test(m)),
            "a deleted required key says it is required",
        );
    });
});
