import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { runStack } from "../src/synth/mock-runtime";
import { projectRoot } from "../src/synth/stack-files";

/*
 * `npm run bench`: a benchmark, not a test. Prints synth time per stack (the program under the
 * mock runtime, in process and as the CLI), the whole test suite's time, and synth time as the
 * number of namespaces grows (generated config for 10, 100 and 1,000 namespaces).
 */

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeRun(stack: string, overrides?: Record<string, string | undefined>): Promise<{ s: number; resources: number }> {
    const start = process.hrtime.bigint();
    const run = await runStack(stack, { overrides });
    if (run.error) throw run.error;
    return { s: seconds(start), resources: run.resources.length };
}

function timeCommand(args: string[]): number {
    const start = process.hrtime.bigint();
    const result = spawnSync("npx", args, { cwd: projectRoot, stdio: "ignore" });
    if (result.status !== 0) throw new Error(`npx ${args.join(" ")} failed`);
    return seconds(start);
}

/** Dev's config with `n` generated namespaces: the workload and monitoring namespaces and n - 2 mlops namespaces. */
function namespaces(n: number): Record<string, string> {
    const map: Record<string, unknown> = {
        "platform-dev": { kind: "workload", quota: { cpu: 8, memoryGiB: 32, pods: 100, persistentVolumeClaims: 10, storageGiB: 500 } },
        "platform-monitoring": {
            kind: "monitoring",
            quota: { cpu: 8, memoryGiB: 32, pods: 60, persistentVolumeClaims: 12, storageGiB: 1000 },
        },
    };
    for (let i = 2; i < n; i++) {
        map[`team-${String(i).padStart(4, "0")}`] = {
            kind: "mlops",
            quota: { cpu: 2, memoryGiB: 4, pods: 20, persistentVolumeClaims: 2, storageGiB: 20 },
        };
    }
    return { "ml-platform:namespaces": JSON.stringify(map) };
}

async function main(): Promise<void> {
    await timeRun("dev"); // warm-up: module loading is paid once per process
    console.log("| measurement | resources | seconds |\n|---|---|---|");
    for (const stack of ["dev", "staging", "prod"]) {
        const runs = [];
        for (let i = 0; i < 3; i++) runs.push(await timeRun(stack));
        console.log(`| synth ${stack} (program, median of 3) | ${runs[0].resources} | ${median(runs.map((r) => r.s)).toFixed(2)} |`);
        const cli = timeCommand([
            "ts-node",
            "--transpile-only",
            path.join("src", "synth", "cli.ts"),
            "--stack",
            stack,
            "--out",
            path.join("out", "bench", stack),
        ]);
        console.log(`| npm run synth -- --stack ${stack} (whole command) | ${runs[0].resources} | ${cli.toFixed(2)} |`);
    }
    const perNamespace: number[] = [];
    for (const n of [10, 100, 1000]) {
        const { s, resources } = await timeRun("dev", namespaces(n));
        perNamespace.push(s / n);
        console.log(`| synth dev with ${n} namespaces | ${resources} | ${s.toFixed(2)} |`);
    }
    console.log(`| whole test suite (mocha) | | ${timeCommand(["mocha"]).toFixed(2)} |`);
    const growth = perNamespace[2] / perNamespace[1];
    console.log(
        `\nTime per namespace from 100 to 1,000 namespaces: ×${growth.toFixed(2)} (${growth <= 1.5 ? "linear or better" : "worse than linear"}).`,
    );
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
