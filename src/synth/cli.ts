import "./sdk-tuning";
import * as fs from "node:fs";
import * as path from "node:path";
import { estimateCost } from "../plan/cost";
import { criticalPath } from "../plan/critical-path";
import { renderReport } from "../plan/report";
import { inventoryJson } from "./inventory";
import { runStack } from "./mock-runtime";
import { projectRoot, stackNames } from "./stack-files";
import { summarize } from "./summary";

/**
 * Offline synth: `npm run synth -- --stack <dev|staging|prod> [--out DIR] [--as ROLE_ARN]`.
 * Runs the program under the mock runtime (no cloud credentials, no Pulumi CLI) and writes the
 * full plan as `DIR/resources.json` and a readable `DIR/report.md` (default `out/<stack>/`).
 * `--as` renders the plan as that IAM role would (a session of it is the caller): the plan must
 * not depend on who renders it, so the deploy, preview and drift roles give identical files.
 */

const usage = "usage: npm run synth -- --stack <name> [--out DIR] [--as ROLE_ARN]";
const roleArn = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export interface SynthArgs {
    stack: string;
    out: string;
    /** IAM role ARN to render as (`--as`). */
    as?: string;
}

/** Parses `--stack NAME [--out DIR] [--as ROLE_ARN]`; throws with the usage line on anything else. */
export function parseArgs(argv: readonly string[], known = stackNames()): SynthArgs {
    const values: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const flag = argv[i];
        if (!["--stack", "--out", "--as"].includes(flag) || argv[i + 1] === undefined || argv[i + 1].startsWith("--")) {
            throw new Error(`unexpected argument "${flag}"; ${usage}`);
        }
        values[flag.slice(2)] = argv[i + 1];
    }
    if (!values.stack) throw new Error(`--stack is required; ${usage}`);
    if (!known.includes(values.stack))
        throw new Error(`--stack "${values.stack}" has no Pulumi.${values.stack}.yaml; known: ${known.join(", ")}`);
    if (values.as !== undefined && !roleArn.test(values.as)) {
        throw new Error(`--as "${values.as}": must be an IAM role ARN such as arn:aws:iam::123456789012:role/ml-platform-dev-ci-deploy`);
    }
    const out = path.resolve(values.out ?? path.join(projectRoot, "out", values.stack));
    return values.as === undefined ? { stack: values.stack, out } : { stack: values.stack, out, as: values.as };
}

async function main(): Promise<number> {
    let args: SynthArgs;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        return 2;
    }
    const file = path.join(args.out, "resources.json");
    const report = path.join(args.out, "report.md");
    // A failed run must not leave the previous run's inventory looking current.
    fs.rmSync(file, { force: true });
    fs.rmSync(report, { force: true });
    const started = process.hrtime.bigint();
    let run: Awaited<ReturnType<typeof runStack>>;
    try {
        run = await runStack(args.stack, { as: args.as });
    } catch (e) {
        // Unreadable stack files (StackFileError: file, line, key) fail before the program runs.
        console.error((e as Error).message);
        return 1;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.error) {
        console.error(run.error.message);
        return 1;
    }
    // Everything that can fail (a region or instance type without a price) runs before anything is written.
    let cost: ReturnType<typeof estimateCost>;
    let markdown: string;
    try {
        cost = estimateCost(run.resources);
        markdown = renderReport(args.stack, run.resources);
    } catch (e) {
        console.error(`${args.stack}: ${(e as Error).message}; nothing was written`);
        return 1;
    }
    fs.mkdirSync(args.out, { recursive: true });
    const fd = fs.openSync(file, "w");
    try {
        for (const piece of inventoryJson(run.resources)) fs.writeFileSync(fd, piece); // with an fd: the whole piece, at the end
    } finally {
        fs.closeSync(fd);
    }
    fs.writeFileSync(report, markdown);
    console.log(summarize(args.stack, run.resources));
    console.log(
        `\nMonthly cost (${cost.region}, prices as of ${cost.asOf}): $${cost.min.toFixed(2)} at minimum, $${cost.max.toFixed(2)} at maximum` +
            (cost.lines.some((l) => l.estimate) ? " (SPOT pools estimated)" : ""),
    );
    for (const line of cost.lines)
        console.log(`  ${line.item.padEnd(20)} $${line.min.toFixed(2).padStart(9)}  $${line.max.toFixed(2).padStart(9)}  ${line.detail}`);
    const critical = criticalPath(run.resources);
    console.log(
        `\nDeploy critical path: ${critical.minutes} min: ${critical.chain.map((c) => `${c.type.split(":").pop()} ${c.name}`).join(" → ")}`,
    );
    console.log(`\nWrote ${path.relative(process.cwd(), file) || file} and report.md in ${seconds.toFixed(2)} s`);
    return 0;
}

if (require.main === module) {
    main().then((code) => process.exit(code));
}
