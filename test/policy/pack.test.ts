import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { currentSection, readmeSection, withSection } from "../../policy/docs";
import { packName, policies, ruleAreas } from "../../policy/rules";
import { defaultSupportedVersions } from "../../policy/rules/aws-cluster";
import { factsFromConfig, policyConfigFor } from "../../policy/stack-config";
import { supportedKubernetesVersions } from "../../src/config/catalog";
import { projectRoot, readStackConfig, stackNames, stacksRoot } from "../../src/synth/stack-files";

/**
 * The pack as a whole: stable, documented rules covering SECURITY.md 1–30, the README table and
 * the per-stack config files generated from it. `UPDATE_POLICY_DOCS=1 mocha test/policy` rewrites
 * the README table (then run prettier on it); `npm run sync-stacks` rewrites the config files.
 */

const policyDir = path.join(projectRoot, "policy");
const update = process.env.UPDATE_POLICY_DOCS === "1";
const read = (file: string) => fs.readFileSync(path.join(projectRoot, file), "utf8");

/** A markdown table's rows as trimmed cells, so prettier's column alignment does not matter. */
function normalise(markdown: string): string[] {
    return markdown
        .trim()
        .split("\n")
        .map((line) =>
            line.trim().startsWith("|")
                ? line
                      .split(/(?<!\\)\|/)
                      .map((c) => c.trim().replace(/^-+$/, "---"))
                      .join("|")
                : line.trim(),
        );
}

describe("the policy pack", () => {
    it("has stable, unique, kebab-case rule ids", () => {
        const ids = policies.map((p) => p.name);
        assert.equal(new Set(ids).size, ids.length, "duplicate rule ids");
        for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    });

    it("gives every rule an enforcement level, sources its description cites, and the SECURITY.md checks it encodes", () => {
        for (const p of policies) {
            assert.ok(["mandatory", "advisory"].includes(p.enforcementLevel), p.name);
            assert.ok(p.sources.length > 0, `${p.name} cites no source`);
            for (const s of p.sources) assert.ok(p.description.includes(s), `${p.name}: description does not cite ${s}`);
            assert.ok(
                p.items.every((i) => Number.isInteger(i) && i >= 1 && i <= 32),
                `${p.name}: items ${p.items}`,
            );
        }
    });

    it("encodes every SECURITY.md check from 1 to 30", () => {
        const covered = new Set(policies.flatMap((p) => p.items));
        const missing = Array.from({ length: 30 }, (_, i) => i + 1).filter((i) => !covered.has(i));
        assert.deepEqual(missing, [], `SECURITY.md checks without a rule: ${missing.join(", ")}`);
    });

    it("has at least 30 rules, security ones mandatory", () => {
        assert.ok(policies.length >= 30, `${policies.length} rules`);
        assert.ok(policies.filter((p) => p.enforcementLevel === "mandatory").length >= 30);
    });

    it("declares a default for every config property and never configures enforcementLevel itself", () => {
        for (const p of policies.filter((p) => p.configSchema)) {
            const properties = p.configSchema!.properties;
            assert.ok(!("enforcementLevel" in properties), p.name);
            assert.ok(!p.configSchema!.required, `${p.name}: required config would break stacks that pass none`);
            for (const [key, schema] of Object.entries(properties)) {
                assert.ok(typeof schema === "object" && schema.default !== undefined, `${p.name}.${key} has no default`);
                assert.deepEqual(p.configDefaults[key], schema.default);
            }
        }
    });

    it("supports the same Kubernetes versions as the program's catalog", () => {
        assert.deepEqual(defaultSupportedVersions, [...supportedKubernetesVersions]);
    });

    it("splits rules into area modules, and index.ts only constructs the pack", () => {
        assert.deepEqual(
            policies.map((p) => p.name),
            Object.values(ruleAreas)
                .flat()
                .map((p) => p.name),
        );
        const index = read("policy/index.ts");
        assert.equal((index.match(/new PolicyPack\(/g) ?? []).length, 1);
        assert.doesNotMatch(index, /validateResource|validateStack|reportViolation/);
        for (const file of fs.readdirSync(path.join(policyDir, "rules"))) {
            const source = read(`policy/rules/${file}`);
            assert.doesNotMatch(source, /^import (?!type)[^;]*from "@pulumi\/policy"/m, `${file} loads @pulumi/policy at run time`);
            assert.ok(source.split("\n").length <= 400, `${file} is over 400 lines`);
        }
    });

    it("is named and pinned consistently with the project", () => {
        const manifest = parse(read("policy/PulumiPolicy.yaml")) as { name: string; runtime: string };
        assert.equal(manifest.name, packName);
        assert.equal(manifest.runtime, "nodejs");
        const pack = JSON.parse(read("policy/package.json"));
        const root = JSON.parse(read("package.json"));
        assert.equal(pack.dependencies["@pulumi/policy"], root.devDependencies["@pulumi/policy"]);
        assert.equal(pack.dependencies["@pulumi/pulumi"], root.dependencies["@pulumi/pulumi"]);
        assert.equal(
            pack.devDependencies.typescript,
            root.devDependencies.typescript,
            "ts-node in the pack needs the project's TypeScript",
        );
        const lock = JSON.parse(read("policy/package-lock.json"));
        assert.equal(
            lock.packages[""].dependencies["@pulumi/policy"],
            pack.dependencies["@pulumi/policy"],
            "policy/package-lock.json is stale",
        );
    });

    for (const stack of stackNames()) {
        it(`policy/config/${stack}.json is the config derived from Pulumi.${stack}.yaml`, () => {
            const file = path.join(stacksRoot, "policy", "config", `${stack}.json`);
            const expected = policyConfigFor(factsFromConfig(readStackConfig(stack).config));
            assert.ok(fs.existsSync(file), `missing ${file}; run npm run sync-stacks`);
            assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), expected);
            const byName = new Map(policies.map((p) => [p.name, p]));
            for (const [rule, config] of Object.entries(expected)) {
                const properties = byName.get(rule)?.configSchema?.properties;
                assert.ok(properties, `config for ${rule}, which has no config schema`);
                for (const key of Object.keys(config)) assert.ok(key in properties, `${rule} has no config property ${key}`);
            }
        });
    }

    it("production config is the pack's defaults for every property it sets", () => {
        for (const stack of stackNames().filter((s) => factsFromConfig(readStackConfig(s).config).tier === "production")) {
            const config = policyConfigFor(factsFromConfig(readStackConfig(stack).config), []);
            for (const p of policies) {
                for (const [key, value] of Object.entries(config[p.name] ?? {})) {
                    if (key === "allowedClusterAdminPrincipals" || key === "restrictedNamespaces") continue; // lists of this stack's names, not relaxations
                    assert.deepEqual(value, p.configDefaults[key], `${stack}: ${p.name}.${key} relaxes the production default`);
                }
            }
        }
    });

    it("is listed in the README between the policy-rules markers", () => {
        const readme = read("README.md");
        const expected = readmeSection(policies);
        if (update && normalise(currentSection(readme)).join("\n") !== normalise(expected).join("\n")) {
            fs.writeFileSync(path.join(projectRoot, "README.md"), withSection(readme, expected));
        }
        assert.deepEqual(
            normalise(currentSection(read("README.md"))),
            normalise(expected),
            "README rule table is stale; run UPDATE_POLICY_DOCS=1 mocha test/policy",
        );
    });
});
