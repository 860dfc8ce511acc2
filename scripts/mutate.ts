import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { evaluate, policies } from "../policy/rules";
import { ciDeployRolePattern, factsFromConfig, policyConfigFor } from "../policy/stack-config";
import { ConfigError, formatProblem, parseConfig } from "../src/config";
import { Mutation, mutationsFor, Values } from "../src/config/mutations";
import { fakeInvoke } from "../src/synth/fake-state";
import { ResourceRecord } from "../src/synth/inventory";
import { runStack } from "../src/synth/mock-runtime";
import { projectRoot, readStackConfig, StackConfig, StackFileError, stackNames } from "../src/synth/stack-files";

/*
 * `npm run mutate [-- --seed N]`: the mutation test's generator run over every stack file, with an
 * outcome table per stack. A refused mutant must fail in the config loader (the code the program
 * runs before it registers anything) with problems formatted `<key> = <value>: <rule>`, or in the
 * stack-file reader with file, line and key; an accepted one that changes the parsed config must
 * synthesize, pass the policy pack and the Kubernetes schema. test/config/mutations.test.ts runs this.
 */

export const defaultSeed = 17;

export type Verdict = "refused" | "accepted, unchanged" | "accepted, clean" | "accepted, not synthesized" | "FAILED";

export interface Outcome {
    stack: string;
    kind: string;
    title: string;
    verdict: Verdict;
    /** The formatted problems (refused), or what failed. */
    messages: string[];
}

/** `<key> = <value>: <rule>`, the key namespaced, the value JSON or (not set)/(hidden). */
const problemFormat = /^[a-zA-Z_][\w-]*:[\w-]+(\.[\w-]+|\[\d+\]|\["[^"]+"\])* = (\(not set\)|.+): \S.*$/s;
/** `Pulumi.dev.yaml:12:3 (key config.ml-platform:tier): message` */
const yamlFormat = /Pulumi\.[\w-]+\.yaml:\d+:\d+ \(key config\.[^)]+\): \S/;

const shortKey = (key: string) => key.replace(/^ml-platform:/, "");
const longKey = (key: string) => (key.includes(":") ? key : `ml-platform:${key}`);

/** The stack's config values, `ml-platform:` keys short, JSON values parsed (as the harness edits them). */
export function stackValues(stack: string): Values {
    const { config } = readStackConfig(stack);
    return Object.fromEntries(Object.entries(config).map(([k, raw]) => [shortKey(k), /^[[{]/.test(raw) ? JSON.parse(raw) : raw]));
}

/** Full-key overrides (undefined removes a key) that turn the stack's config into `values`. */
function overridesFor(base: StackConfig, values: Values): Record<string, string | undefined> {
    const keys = Object.keys(base.config).map(shortKey);
    const out: Record<string, string | undefined> = {};
    for (const key of new Set([...keys, ...Object.keys(values)])) {
        const v = values[key];
        out[longKey(key)] = v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

/** The config map the engine would hand over after `overrides`, and which keys are secret. */
function mutatedConfig({ config, secretKeys }: StackConfig, overrides: Record<string, string | undefined>) {
    const next = { ...config };
    for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete next[k];
        else next[k] = v;
    }
    return { config: next, secretKeys };
}

const comparable = (c: object) =>
    JSON.stringify(c, (_k, v) => (v && typeof v === "object" && "secretValues" in v ? { ...v, secretValues: undefined } : v));

/**
 * Runs one stack's mutants. `synthLimit` bounds how many accepted mutants that change the parsed
 * config get a full synth and policy check (each takes seconds); the rest are reported as
 * "accepted, not synthesized". `npm run mutate` synthesizes every one.
 */
export async function runMutations(stack: string, seed = defaultSeed, synthLimit = Infinity): Promise<Outcome[]> {
    const values = stackValues(stack);
    const base = readStackConfig(stack);
    const { config, secretKeys } = base;
    const baseline = comparable(parseConfig(stack, config, (k) => secretKeys.includes(k)));
    const secrets = secretKeys.map((k) => config[k]);
    const outcomes: Outcome[] = [];
    const budget = { synths: synthLimit };
    for (const mutation of mutationsFor(values, seed + stack.length)) {
        const outcome = mutation.text
            ? textOutcome(stack, mutation)
            : await editOutcome(base, stack, values, mutation, baseline, secrets, budget);
        if (outcome) outcomes.push(outcome);
    }
    return outcomes;
}

function textOutcome(stack: string, mutation: Mutation): Outcome {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mutate-"));
    const result = (verdict: Verdict, messages: string[]): Outcome => ({
        stack,
        kind: mutation.kind,
        title: mutation.title,
        verdict,
        messages,
    });
    try {
        fs.copyFileSync(path.join(projectRoot, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        const text = fs.readFileSync(path.join(projectRoot, `Pulumi.${stack}.yaml`), "utf8");
        const mutated = mutation.text!(text);
        if (mutated === text) return result("FAILED", ["the text mutation changed nothing"]);
        fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), mutated);
        const cwd = process.cwd();
        process.chdir(root);
        try {
            readStackConfig(stack, root);
        } catch (e) {
            if (!(e instanceof StackFileError)) return result("FAILED", [`not a StackFileError: ${(e as Error).message}`]);
            const lines = e.message.split("\n").slice(1);
            return result(lines.every((l) => yamlFormat.test(l)) ? "refused" : "FAILED", lines);
        } finally {
            process.chdir(cwd);
        }
        return result("FAILED", ["accepted a broken YAML file"]);
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

async function editOutcome(
    base: StackConfig,
    stack: string,
    values: Values,
    mutation: Mutation,
    baseline: string,
    secrets: string[],
    budget: { synths: number },
): Promise<Outcome | undefined> {
    const edited = structuredClone(values);
    mutation.edit!(edited);
    if (JSON.stringify(edited) === JSON.stringify(values)) return undefined; // a no-op on this stack
    const result = (verdict: Verdict, messages: string[]): Outcome => ({
        stack,
        kind: mutation.kind,
        title: mutation.title,
        verdict,
        messages,
    });
    const overrides = overridesFor(base, edited);
    const { config, secretKeys } = mutatedConfig(base, overrides);
    let parsed;
    try {
        parsed = parseConfig(stack, config, (k) => secretKeys.includes(k));
    } catch (e) {
        if (!ConfigError.isInstance(e)) return result("FAILED", [`crashed: ${(e as Error).stack}`]);
        const messages = e.problems.map(formatProblem);
        const leaks = messages.filter((m) => secrets.some((s) => m.includes(s)) || m.includes("plaintextsecret"));
        const malformed = messages.filter((m) => !problemFormat.test(m));
        if (messages.length === 0 || leaks.length > 0 || malformed.length > 0) {
            return result("FAILED", [...leaks.map((l) => `echoes a secret: ${l}`), ...malformed.map((l) => `malformed: ${l}`)]);
        }
        return result("refused", messages);
    }
    if (comparable(parsed) === baseline) return result("accepted, unchanged", []);
    if (budget.synths <= 0) return result("accepted, not synthesized", []);
    budget.synths--;
    return result(...(await synthCheck(stack, overrides, config)));
}

/** Synth with the mutated config, then the policy pack and the Kubernetes schema over the inventory. */
async function synthCheck(
    stack: string,
    overrides: Record<string, string | undefined>,
    config: Record<string, string>,
): Promise<[Verdict, string[]]> {
    const run = await runStack(stack, { overrides });
    if (run.error) return ["FAILED", [`accepted by the loader, failed in the program: ${run.error.message}`]];
    const facts = factsFromConfig(config);
    const offlineDeployer = String(fakeInvoke("aws:iam/getSessionContext:getSessionContext", "us-east-1").issuerArn);
    const findings = await evaluate(
        policies,
        run.resources,
        policyConfigFor(facts, [ciDeployRolePattern(facts.environment), offlineDeployer]),
    );
    const mandatory = findings.filter((f) => f.level === "mandatory").map((f) => `[${f.policy}] ${f.urn ?? "stack"}: ${f.message}`);
    const invalid = run.resources.map(validateKubernetesObject).filter((x): x is string => x !== undefined);
    const problems = [...mandatory, ...invalid];
    return problems.length === 0 ? ["accepted, clean", [`${run.resources.length} resources`]] : ["FAILED", problems];
}

/** Built-in Kubernetes objects against the OpenAPI schema (kubernetes-models); custom resources are the policy pack's. */
function validateKubernetesObject(r: ResourceRecord): string | undefined {
    const match = /^kubernetes:(core\/)?([^:]+):(\w+?)$/.exec(r.type);
    if (!match || r.type.includes("helm.sh") || r.type.includes("Patch")) return undefined;
    let Model: (new (data: object) => { validate(): void }) | undefined;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        Model = (require(`kubernetes-models/${match[2]}/${match[3]}`) as Record<string, typeof Model>)[match[3]];
    } catch {
        return undefined;
    }
    try {
        const inputs = Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, v === "[secret]" ? {} : v]));
        new Model!(inputs).validate();
        return undefined;
    } catch (e) {
        return `${r.type} ${r.name}: ${(e as Error).message}`;
    }
}

/** Outcome counts per stack and kind, as a markdown table. */
export function outcomeTable(outcomes: readonly Outcome[]): string {
    const verdicts: Verdict[] = ["refused", "accepted, unchanged", "accepted, clean", "accepted, not synthesized", "FAILED"];
    const rows = [...new Set(outcomes.map((o) => o.stack))].map((stack) => {
        const mine = outcomes.filter((o) => o.stack === stack);
        return `| ${stack} | ${mine.length} | ${verdicts.map((v) => mine.filter((o) => o.verdict === v).length).join(" | ")} |`;
    });
    const total = `| all | ${outcomes.length} | ${verdicts.map((v) => outcomes.filter((o) => o.verdict === v).length).join(" | ")} |`;
    return [`| stack | mutants | ${verdicts.join(" | ")} |`, `|---|---|${verdicts.map(() => "---").join("|")}|`, ...rows, total].join("\n");
}

async function main(): Promise<void> {
    const seedArg = process.argv.indexOf("--seed");
    const seed = seedArg > 0 ? Number(process.argv[seedArg + 1]) : defaultSeed;
    const verbose = process.argv.includes("--verbose");
    const outcomes: Outcome[] = [];
    for (const stack of stackNames()) outcomes.push(...(await runMutations(stack, seed)));
    console.log(`Mutation test, seed ${seed}: ${outcomes.length} mutants of ${stackNames().join(", ")}\n`);
    console.log(outcomeTable(outcomes));
    const kinds = [...new Set(outcomes.map((o) => o.kind))];
    console.log(`\n| kind | mutants | refused | accepted | failed |\n|---|---|---|---|---|`);
    for (const kind of kinds) {
        const of = outcomes.filter((o) => o.kind === kind);
        const n = (f: (o: Outcome) => boolean) => of.filter(f).length;
        console.log(
            `| ${kind} | ${of.length} | ${n((o) => o.verdict === "refused")} | ${n((o) => o.verdict.startsWith("accepted"))} | ${n((o) => o.verdict === "FAILED")} |`,
        );
    }
    for (const o of outcomes.filter((x) => verbose || x.verdict === "FAILED" || x.verdict === "accepted, clean")) {
        console.log(`\n${o.stack} · ${o.kind} · ${o.title} → ${o.verdict}\n  ${o.messages.join("\n  ")}`);
    }
    process.exitCode = outcomes.some((o) => o.verdict === "FAILED") ? 1 : 0;
}

if (require.main === module) void main();
