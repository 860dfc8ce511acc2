import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, formatProblem, parseConfig, PlatformConfig } from "../src/config";
import { runStack, StackRun } from "../src/synth/mock-runtime";
import { readStackConfig } from "../src/synth/stack-files";

/** A stack's validated config as the program sees it (defaults applied): what tests derive expectations from. */
export function platformConfig(stack: string): PlatformConfig {
    const { config, secretKeys } = readStackConfig(stack);
    return parseConfig(stack, config, (key) => secretKeys.includes(key));
}

/** Helpers shared by the tests: runs of the real program per stack, and config edits. */

const runs = new Map<string, Promise<StackRun>>();

/**
 * The program's run for a stack with its unmodified stack file; memoised, the program is deterministic.
 * Under `mocha` (parallel, one process per worker) the first worker to need a stack runs it and
 * shares the result with the others through {@link sharedRunsDir} (see test/shared-runs.ts).
 */
export function stackRun(stack: string): Promise<StackRun> {
    if (!runs.has(stack)) runs.set(stack, process.env[sharedRunsDir] ? sharedRun(stack, process.env[sharedRunsDir]!) : runStack(stack));
    return runs.get(stack)!;
}

/** Environment variable naming the directory where test processes share unmodified stack runs. */
export const sharedRunsDir = "ML_PLATFORM_SHARED_RUNS";

/**
 * A run shared between processes: read `<stack>.json` if another process wrote it, else take
 * `<stack>.lock` (exclusive create), run, and write it (atomically, by rename). A failed run is not
 * shared: its error is an Error object, so each process runs such a stack itself.
 */
async function sharedRun(stack: string, dir: string): Promise<StackRun> {
    const file = path.join(dir, `${stack}.json`);
    for (;;) {
        if (fs.existsSync(file)) {
            const shared = JSON.parse(fs.readFileSync(file, "utf8")) as StackRun & { failed?: true };
            return shared.failed ? runStack(stack) : shared;
        }
        let lock: number | undefined;
        try {
            lock = fs.openSync(path.join(dir, `${stack}.lock`), "wx");
        } catch {
            await new Promise((resolve) => setTimeout(resolve, 50)); // another process is running it
            continue;
        }
        fs.closeSync(lock);
        let content: object = { stack, failed: true };
        try {
            const run = await runStack(stack);
            if (!run.error) content = run;
            return run;
        } finally {
            fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(content));
            fs.renameSync(`${file}.${process.pid}`, file);
        }
    }
}

/** Like {@link stackRun}, but fails the test if the program failed. */
export async function successfulRun(stack: string): Promise<StackRun> {
    const run = await stackRun(stack);
    if (run.error) throw run.error;
    return run;
}

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Overrides for `runStack` that apply `edit` to the stack's config values. Keys are short
 * (`nodePools`, `tier`) or namespaced (`aws:region`); setting a key to undefined removes it.
 */
export function editConfig(stack: string, edit: (values: Values) => void): Record<string, string | undefined> {
    const { config } = readStackConfig(stack);
    const values: Values = {};
    for (const [key, raw] of Object.entries(config)) values[shortKey(key)] = /^[[{]/.test(raw) ? JSON.parse(raw) : raw;
    const before = JSON.stringify(values);
    edit(values);
    if (JSON.stringify(values) === before) throw new Error("editConfig: the edit changed nothing");
    const overrides: Record<string, string | undefined> = {};
    for (const key of new Set([...Object.keys(config).map(shortKey), ...Object.keys(values)])) {
        const value = values[key];
        overrides[longKey(key)] = value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
    }
    return overrides;
}

/** Runs the program with edited config and returns the formatted problems of the ConfigError it must throw. */
export async function configProblems(stack: string, edit: (values: Values) => void): Promise<{ problems: string[]; run: StackRun }> {
    const run = await runStack(stack, { overrides: editConfig(stack, edit) });
    if (!ConfigError.isInstance(run.error)) throw new Error(`expected a ConfigError, got ${run.error?.message ?? "success"}`);
    return { problems: run.error.problems.map(formatProblem), run };
}

const shortKey = (key: string) => key.replace(/^ml-platform:/, "");
const longKey = (key: string) => (key.includes(":") ? key : `ml-platform:${key}`);
