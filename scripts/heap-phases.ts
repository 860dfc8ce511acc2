import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { readStackConfig, stackNames } from "../src/synth/stack-files";
import { fit, scalePointNamespaces } from "./bench-stats";

/*
 * `npm run heap [-- --stack prod] [--namespaces 0,100,400] [--every 250]`: the live heap of an
 * offline synth, after a forced full GC, in MB (10^6 bytes), for the stack with each number of extra
 * mlops namespaces (`scalePointNamespaces`, as `npm run bench`), and its growth per namespace
 * (least-squares slope). Measured when the program returned, at the first registration request,
 * at every `--every`-th one and when all are done (`RunPhase`); the peak is the largest of them.
 * Each point runs in its own process (`node --expose-gc`). Unlike the bench's peak RSS, which
 * follows V8's heap sizing, these figures are what the program holds, and repeat to the megabyte.
 */

/** A file of src/synth; the child loads the loader and the offline SDK tuning first, as `npm run synth` does. */
const synth = (file: string) => path.join(__dirname, "..", "src", "synth", file);
const rows = ["program returned", "first registration", "peak", "registrations done"] as const;
type Row = (typeof rows)[number];
const usage = "usage: npm run heap -- [--stack NAME] [--namespaces 0,100,400] [--every 250]";
/** More extra namespaces than this is not a measurement but a long wait (prod+400 takes about 20 s). */
const maxExtra = 5000;

/** One scale point, in this process: prints `{ resources, live: { row: MB }, peakAt }` as JSON. */
async function child(stack: string, extra: number, every: number): Promise<void> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error("run with node --expose-gc");
    const namespaces = JSON.parse(readStackConfig(stack).config["ml-platform:namespaces"] ?? "{}") as object;
    const live: Partial<Record<Row, number>> = {};
    let peakAt = 0;
    const sample = (): number => {
        gc();
        return process.memoryUsage().heapUsed / 1e6;
    };
    const peak = (mb: number, registrations: number) => {
        if (mb > (live.peak ?? 0)) [live.peak, peakAt] = [mb, registrations];
    };
    const { runStack } = await import("../src/synth/mock-runtime"); // the SDK only in the child
    const run = await runStack(stack, {
        overrides: { "ml-platform:namespaces": JSON.stringify({ ...namespaces, ...scalePointNamespaces(extra) }) },
        onPhase: (phase, registrations) => {
            if (phase === "registration" && registrations !== 1 && registrations % every !== 0) return;
            const mb = sample();
            if (phase === "registration" && registrations === 1) live["first registration"] = mb;
            else if (phase !== "registration") live[phase] = mb;
            peak(mb, registrations);
        },
    });
    if (run.error) throw run.error;
    console.log(JSON.stringify({ resources: run.resources.length, live, peakAt }));
}

/** Parses `[--stack NAME] [--namespaces 0,100,400] [--every 250]`; throws naming the flag, the value and the rule. */
export function parseHeapArgs(argv: readonly string[]): { stack: string; extras: number[]; every: number } {
    const values: Record<string, string> = { stack: "prod", namespaces: "0,100,400", every: "250" };
    for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i]?.replace(/^--/, "");
        if (!(key in values)) throw new Error(`unexpected argument "${argv[i]}"; ${usage}`);
        if (argv[i + 1] === undefined || argv[i + 1].startsWith("--")) throw new Error(`--${key} needs a value; ${usage}`);
        values[key] = argv[i + 1];
    }
    if (!stackNames().includes(values.stack)) throw new Error(`--stack "${values.stack}": no Pulumi.${values.stack}.yaml; ${usage}`);
    const extras = values.namespaces.split(",").map(Number);
    if (!extras.every((n) => Number.isInteger(n) && n >= 0 && n <= maxExtra) || new Set(extras).size < 2) {
        throw new Error(
            `--namespaces "${values.namespaces}": two or more different counts of extra namespaces, each 0 to ${maxExtra}; ${usage}`,
        );
    }
    const every = Number(values.every);
    if (!Number.isInteger(every) || every < 1)
        throw new Error(`--every "${values.every}": a positive whole number of registrations; ${usage}`);
    return { stack: values.stack, extras, every };
}

function main(argv: string[]): number {
    const { stack, extras, every } = parseHeapArgs(argv);
    const points = extras.map((extra) => {
        const r = spawnSync(
            process.execPath,
            [
                "--expose-gc",
                "-r",
                synth("register.js"),
                "-r",
                synth("sdk-tuning.ts"),
                __filename,
                "--child",
                stack,
                String(extra),
                String(every),
            ],
            { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
        );
        if (r.status !== 0) throw new Error(`${stack} with ${extra} extra namespaces failed (exit ${r.status})`);
        const point = JSON.parse(r.stdout.trim().split("\n").pop()!) as { resources: number; live: Record<Row, number>; peakAt: number };
        return { extra, ...point };
    });
    const header = ["live heap (MB)", ...points.map((p) => `${stack}+${p.extra} (${p.resources} resources)`), "per namespace (MB)"];
    const table = rows.map((row) => [
        row === "peak" ? `peak (at registration ${points.map((p) => p.peakAt).join(", ")})` : row,
        ...points.map((p) => p.live[row].toFixed(0)),
        fit(points.map((p) => [p.extra, p.live[row]])).slope.toFixed(3),
    ]);
    console.log([header, header.map(() => "---"), ...table].map((cells) => `| ${cells.join(" | ")} |`).join("\n"));
    console.log(`\nSampled when the program returned, at registrations 1, ${every}, ${2 * every}, … and when all were done.`);
    return 0;
}

if (require.main !== module) {
    // imported (tests): nothing to run
} else if (process.argv[2] === "--child") {
    child(process.argv[3], Number(process.argv[4]), Number(process.argv[5])).catch((e: Error) => {
        console.error(e.message);
        process.exit(1);
    });
} else {
    try {
        process.exit(main(process.argv.slice(2)));
    } catch (e) {
        console.error((e as Error).message);
        process.exit(2);
    }
}
