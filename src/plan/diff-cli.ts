import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ResourceRecord } from "../synth/inventory";
import { runStack } from "../synth/mock-runtime";
import { projectRoot, stackNames } from "../synth/stack-files";
import { estimateCost } from "./cost";
import { diffPlans, exitCode } from "./diff";
import { renderDiff, renderRules } from "./render-diff";

/**
 * `npm run diff -- --stack <name> --base <git-ref> [--out FILE]`: what `pulumi up` would do to a
 * stack deployed from `<git-ref>` if the working tree were deployed next. The base plan is the
 * base ref's own program and stack file, rendered by its own offline synth in a temporary copy
 * (`git archive`, node_modules linked); the working tree's plan is rendered here. Exit 0 when every
 * change is safe, 2 when one is refused (named, with the reason), 1 when a plan cannot be rendered.
 * `npm run diff -- --rules` prints the facts the diff uses.
 */

const usage = "usage: npm run diff -- --stack <name> --base <git-ref> [--out FILE] | --rules";

export interface DiffArgs {
    stack: string;
    base: string;
    out?: string;
}

/** Parses the CLI flags; throws with the usage line on anything else. */
export function parseDiffArgs(argv: readonly string[], known = stackNames()): DiffArgs {
    const values: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const flag = argv[i];
        if (!["--stack", "--base", "--out"].includes(flag) || argv[i + 1] === undefined || argv[i + 1].startsWith("--")) {
            throw new Error(`unexpected argument "${flag}"; ${usage}`);
        }
        values[flag.slice(2)] = argv[i + 1];
    }
    if (!values.stack || !values.base) throw new Error(`--stack and --base are required; ${usage}`);
    if (!known.includes(values.stack))
        throw new Error(`--stack "${values.stack}" has no Pulumi.${values.stack}.yaml; known: ${known.join(", ")}`);
    return { stack: values.stack, base: values.base, out: values.out };
}

/**
 * The base ref's plan of a stack, rendered by the base's own synth in a temporary copy of the
 * base tree. A base without the stack file plans nothing (every resource is then a create).
 */
export function renderBasePlan(stack: string, ref: string, root = projectRoot): ResourceRecord[] {
    const git = (...args: string[]) => execFileSync("git", ["-C", root, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
    const commit = git("rev-parse", "--verify", `${ref}^{commit}`).trim();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-base-"));
    try {
        const archive = path.join(dir, "base.tar");
        execFileSync("git", ["-C", root, "archive", "--format=tar", "-o", archive, commit]);
        execFileSync("tar", ["-xf", archive, "-C", dir]);
        if (!fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) return [];
        fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
        const out = path.join(dir, "out");
        execFileSync(
            process.execPath,
            [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "src/synth/cli.ts", "--stack", stack, "--out", out],
            {
                cwd: dir,
                stdio: ["ignore", "ignore", "pipe"],
                maxBuffer: 1 << 28,
            },
        );
        return JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as ResourceRecord[];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(argv: string[]): Promise<number> {
    if (argv[0] === "--rules") {
        process.stdout.write(renderRules());
        return 0;
    }
    let args: DiffArgs;
    try {
        args = parseDiffArgs(argv);
    } catch (e) {
        console.error((e as Error).message);
        return 1;
    }
    let base: ResourceRecord[];
    try {
        base = renderBasePlan(args.stack, args.base);
    } catch (e) {
        const err = e as Error & { stderr?: Buffer };
        console.error(`could not render the plan of ${args.stack} at ${args.base}: ${err.stderr?.toString().trim() || err.message}`);
        return 1;
    }
    const head = await runStack(args.stack);
    if (head.error) {
        console.error(`the working tree's plan of ${args.stack} failed: ${head.error.message}`);
        return 1;
    }
    const ignoreChanges = Object.fromEntries(Object.entries(head.options).map(([urn, o]) => [urn, o.ignoreChanges]));
    const diff = diffPlans({ resources: base }, { resources: head.resources, ignoreChanges });
    const [before, after] = [base.length ? estimateCost(base) : { min: 0, max: 0 }, estimateCost(head.resources)];
    const text = renderDiff(args.stack, args.base, diff, { before, after });
    if (args.out) fs.writeFileSync(args.out, text);
    process.stdout.write(text);
    return exitCode(diff);
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
