import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { RunPhase } from "../src/synth/mock-runtime";
import { readStackConfig, stackNames } from "../src/synth/stack-files";
import { fit, scalePointNamespaces } from "./bench-stats";

/*
 * `npm run heap [-- --stack prod] [--namespaces 0,100,400]`: the live heap of an offline synth at
 * each phase of the run (`RunPhase`: the program returned; the first registration reached the
 * monitor, the peak; every registration done), after a forced full GC, in MB (10^6 bytes), for the
 * stack with each number of extra mlops namespaces (`scalePointNamespaces`, as `npm run bench`),
 * and the growth per namespace (least-squares slope). Each point runs in its own process
 * (`node --expose-gc`). Unlike the bench's peak RSS, which follows V8's heap sizing (2–4 times the
 * live data), these figures are what the program holds, and repeat to the megabyte.
 */

/** A file of src/synth; the child loads the loader and the offline SDK tuning first, as `npm run synth` does. */
const synth = (file: string) => path.join(__dirname, "..", "src", "synth", file);
const phases: RunPhase[] = ["program returned", "first registration", "registrations done"];
const usage = "usage: npm run heap -- [--stack NAME] [--namespaces 0,100,400]";

/** One scale point, in this process: prints `{ phase: MB }` as JSON. */
async function child(stack: string, extra: number): Promise<void> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error("run with node --expose-gc");
    const namespaces = JSON.parse(readStackConfig(stack).config["ml-platform:namespaces"] ?? "{}") as object;
    const live: Record<string, number> = {};
    const { runStack } = await import("../src/synth/mock-runtime"); // the SDK only in the child
    const run = await runStack(stack, {
        overrides: { "ml-platform:namespaces": JSON.stringify({ ...namespaces, ...scalePointNamespaces(extra) }) },
        onPhase: (phase) => {
            gc();
            live[phase] = process.memoryUsage().heapUsed / 1e6;
        },
    });
    if (run.error) throw run.error;
    console.log(JSON.stringify({ resources: run.resources.length, live }));
}

function main(argv: string[]): number {
    const values: Record<string, string> = { stack: "prod", namespaces: "0,100,400" };
    for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i]?.replace(/^--/, "");
        if (!(key in values) || argv[i + 1] === undefined) throw new Error(`unexpected argument "${argv[i]}"; ${usage}`);
        values[key] = argv[i + 1];
    }
    if (!stackNames().includes(values.stack)) throw new Error(`--stack "${values.stack}": no Pulumi.${values.stack}.yaml; ${usage}`);
    if (!/^\d+(,\d+)+$/.test(values.namespaces)) throw new Error(`--namespaces "${values.namespaces}": two or more counts; ${usage}`);
    const points = values.namespaces.split(",").map((extra) => {
        const r = spawnSync(
            process.execPath,
            ["--expose-gc", "-r", synth("register.js"), "-r", synth("sdk-tuning.ts"), __filename, "--child", values.stack, extra],
            { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
        );
        if (r.status !== 0) throw new Error(`${values.stack} with ${extra} extra namespaces failed (exit ${r.status})`);
        const { resources, live } = JSON.parse(r.stdout.trim().split("\n").pop()!) as { resources: number; live: Record<RunPhase, number> };
        return { extra: Number(extra), resources, live };
    });
    const header = ["live heap (MB)", ...points.map((p) => `${values.stack}+${p.extra} (${p.resources} resources)`), "per namespace (MB)"];
    const rows = phases.map((phase) => [
        phase,
        ...points.map((p) => p.live[phase].toFixed(0)),
        fit(points.map((p) => [p.extra, p.live[phase]])).slope.toFixed(3),
    ]);
    console.log([header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n"));
    return 0;
}

if (process.argv[2] === "--child") {
    child(process.argv[3], Number(process.argv[4])).catch((e: Error) => {
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
