import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { fit, Samples, scalePointNamespaces, spread } from "./bench-stats";
import { inventoryDifferences, ResourceRecord } from "../src/synth/inventory";

/*
 * `npm run bench [-- --against <git-ref>] [--runs 5] [--namespaces 0,50,100] [--no-suite]`
 * `npm run bench -- --against <git-ref> --inventories-only`: only the byte-for-byte check.
 *
 * A benchmark, not a test. Everything it times is a whole command as a user types it, in a
 * scratch copy of the tree (never this tree: it adds stack files):
 *   - `npm run synth -- --stack prod`: wall time and peak memory (max RSS of the largest process,
 *     from GNU time), min/median/max over --runs;
 *   - the same on scratch copies of the prod stack with N extra mlops namespaces: the marginal
 *     cost per resource and per namespace are the slopes of a least-squares line through the
 *     points (not total / n, which lets fixed start-up cost pass for sublinear growth), and the
 *     memory per namespace the slope of peak RSS;
 *   - `npm run test:unit` (the whole mocha suite), with its failures reported, not fatal.
 * With --against, the same runs happen for a copy of <git-ref> (its own `npm run synth` and suite)
 * interleaved with this tree's, A B A B ..., so both see the same machine load, and the table gives
 * B / A. It then checks that both wrote byte-identical resources.json and report.md for every stack.
 */

interface Options {
    against?: string;
    runs: number;
    namespaces: number[];
    suite: boolean;
    inventoriesOnly: boolean;
}

const usage = "usage: npm run bench -- [--against REF] [--runs N] [--namespaces 0,50,100] [--no-suite] [--inventories-only]";

function parseOptions(argv: string[]): Options {
    const options: Options = { runs: 5, namespaces: [0, 50, 100], suite: true, inventoriesOnly: false };
    for (let i = 0; i < argv.length; i++) {
        const [flag, value] = [argv[i], argv[i + 1]];
        if (flag === "--against" && value) options.against = argv[++i];
        else if (flag === "--runs" && Number(value) >= 1) options.runs = Number(argv[++i]);
        else if (flag === "--namespaces" && /^\d+(,\d+)+$/.test(value ?? "")) options.namespaces = argv[++i].split(",").map(Number);
        else if (flag === "--no-suite") options.suite = false;
        else if (flag === "--inventories-only") options.inventoriesOnly = true;
        else throw new Error(`unexpected argument "${flag}"; ${usage}`);
    }
    return options;
}

const root = path.resolve(__dirname, "..");
const git = (...args: string[]) => {
    const r = spawnSync("git", args, { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
};

/** A tree to measure: a scratch copy of a git ref or of the working tree, with node_modules. */
interface Tree {
    label: string;
    dir: string;
}

function prepareTree(scratch: string, label: string, ref?: string): Tree {
    // Named by the letter only: some tests spawn commands whose paths must not contain spaces.
    const dir = path.join(scratch, label.split(" ")[0]);
    fs.mkdirSync(dir, { recursive: true });
    if (ref) {
        const archive = spawnSync("git", ["archive", "--format=tar", ref], { cwd: root, maxBuffer: 1 << 30 });
        if (archive.status !== 0) throw new Error(`git archive ${ref}: ${archive.stderr}`);
        spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    } else {
        for (const file of git("ls-files", "-co", "--exclude-standard", "-z").split("\0").filter(Boolean)) {
            if (!fs.existsSync(path.join(root, file))) continue; // deleted, not yet committed
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.copyFileSync(path.join(root, file), path.join(dir, file));
        }
    }
    if (sameDependencies(dir)) {
        fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    } else {
        console.error(`${label}: dependencies differ from this tree's; npm ci in ${dir}`);
        const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
        if (ci.status !== 0) throw new Error(`npm ci failed for ${label}`);
    }
    return { label, dir };
}

/** True when every package the tree's lock installs is installed here at the same version. */
function sameDependencies(dir: string): boolean {
    type Lock = { packages: Record<string, { version?: string }> };
    const read = (d: string) => JSON.parse(fs.readFileSync(path.join(d, "package-lock.json"), "utf8")) as Lock;
    const ours = read(root).packages;
    return Object.entries(read(dir).packages).every(([p, { version }]) => p === "" || ours[p]?.version === version);
}

/** One timed whole command: wall seconds, CPU seconds (user + sys, children included), peak RSS in MiB, exit status. */
interface Timed {
    seconds: number;
    /** User + system CPU seconds of the command and the processes it waited for: less sensitive to load than wall time. */
    cpuSeconds: number;
    peakMiB: number;
    status: number;
}

function timed(dir: string, command: string[]): Timed {
    const rss = path.join(os.tmpdir(), `bench-rss-${process.pid}`);
    const hasTime = fs.existsSync("/usr/bin/time");
    const argv = hasTime ? ["/usr/bin/time", "-f", "%M %U %S", "-o", rss, ...command] : command;
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { cwd: dir, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 1 << 28 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // GNU time's last line (a failing command adds "Command exited with non-zero status N" before it).
    const [maxKiB, user, sys] = hasTime ? fs.readFileSync(rss, "utf8").trim().split("\n").pop()!.split(" ").map(Number) : [NaN, NaN, NaN];
    return { seconds, cpuSeconds: user + sys, peakMiB: maxKiB / 1024, status: r.status ?? 1 };
}

/**
 * A scale point: the prod stack plus `extra` small mlops namespaces. Its file is kept beside the
 * tree's stack files (not as one: the stack name must equal `environment`, which names the CI
 * roles) and swapped in as `Pulumi.prod.yaml` for its synth only, so any ref's config rules accept it.
 * Returns the point's label, `prod` or `prod+N`, which names its output directory.
 */
function scaledStack(tree: Tree, extra: number): string {
    if (extra === 0) return "prod";
    const label = `prod+${extra}`;
    const doc = parse(fs.readFileSync(path.join(tree.dir, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
    doc.config["ml-platform:namespaces"] = { ...(doc.config["ml-platform:namespaces"] as object), ...scalePointNamespaces(extra) };
    fs.mkdirSync(path.join(tree.dir, "out", "bench"), { recursive: true });
    fs.writeFileSync(scaledFile(tree, label), stringify(doc));
    return label;
}

const scaledFile = (tree: Tree, label: string) => path.join(tree.dir, "out", "bench", `Pulumi.${label}.yaml`);

interface SynthPoint extends Timed {
    extra: number;
    resources: number;
}

/** `npm run synth` of a stack, or of a scale point (`prod+N`: its file swapped in as the prod stack's). */
function synth(tree: Tree, label: string, extra = 0): SynthPoint {
    const out = path.join(tree.dir, "out", "bench", label);
    const stack = label.split("+")[0];
    const stackFile = path.join(tree.dir, `Pulumi.${stack}.yaml`);
    const original = fs.readFileSync(stackFile);
    if (label !== stack) fs.copyFileSync(scaledFile(tree, label), stackFile);
    let t: Timed;
    try {
        t = timed(tree.dir, ["npm", "run", "-s", "synth", "--", "--stack", stack, "--out", out]);
    } finally {
        fs.writeFileSync(stackFile, original);
    }
    const file = path.join(out, "resources.json");
    const resources = t.status === 0 && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as unknown[]).length : NaN;
    if (t.status !== 0) console.error(`${tree.label}: npm run synth -- --stack ${label} failed (exit ${t.status})`);
    return { ...t, extra, resources };
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-bench-"));
    const trees: Tree[] = [];
    if (options.against)
        trees.push(prepareTree(scratch, `A ${options.against} (${git("rev-parse", "--short", options.against)})`, options.against));
    const dirty = git("status", "--porcelain") !== "";
    trees.push(prepareTree(scratch, `B working tree (${git("rev-parse", "--short", "HEAD")}${dirty ? " + changes" : ""})`));
    const stacks = new Map(trees.map((t) => [t, options.namespaces.map((n) => scaledStack(t, n))]));
    if (options.inventoriesOnly) {
        if (trees.length !== 2) throw new Error("--inventories-only needs --against <git-ref>");
        for (const tree of trees) synth(tree, "prod");
        compareInventories(trees, ["prod"]);
        fs.rmSync(scratch, { recursive: true, force: true });
        return;
    }

    const points = new Map<Tree, SynthPoint[][]>(trees.map((t) => [t, []]));
    for (let run = 0; run < options.runs; run++) {
        const order = run % 2 === 0 ? trees : [...trees].reverse();
        const perRun = new Map<Tree, SynthPoint[]>(trees.map((t) => [t, []]));
        for (const [i, extra] of options.namespaces.entries()) {
            for (const tree of order) perRun.get(tree)!.push(synth(tree, stacks.get(tree)![i], extra));
        }
        for (const tree of trees) points.get(tree)!.push(perRun.get(tree)!);
        console.error(`run ${run + 1}/${options.runs} done`);
    }
    const suites = new Map<Tree, Timed>();
    if (options.suite) for (const tree of trees) suites.set(tree, timed(tree.dir, ["npm", "run", "-s", "test:unit"]));

    const rows: [string, (t: Tree) => Samples][] = [
        ["prod synth, whole command `npm run synth -- --stack prod` (s)", (t) => points.get(t)!.map((r) => r[0].seconds)],
        ["prod synth, CPU user + sys (s)", (t) => points.get(t)!.map((r) => r[0].cpuSeconds)],
        ["prod synth, peak memory (MiB)", (t) => points.get(t)!.map((r) => r[0].peakMiB)],
        ["marginal cost per resource (ms)", (t) => points.get(t)!.map((r) => 1000 * fit(r.map((p) => [p.resources, p.seconds])).slope)],
        ["marginal cost per namespace (ms)", (t) => points.get(t)!.map((r) => 1000 * fit(r.map((p) => [p.extra, p.seconds])).slope)],
        ["memory per namespace (MiB, peak RSS)", (t) => points.get(t)!.map((r) => fit(r.map((p) => [p.extra, p.peakMiB])).slope)],
        ["resources per namespace", (t) => points.get(t)!.map((r) => fit(r.map((p) => [p.extra, p.resources])).slope)],
    ];
    if (options.suite) {
        rows.push(["test suite, `npm run test:unit`, wall (s, one run)", (t) => [suites.get(t)!.seconds]]);
        rows.push(["test suite, `npm run test:unit`, CPU user + sys (s, one run)", (t) => [suites.get(t)!.cpuSeconds]]);
    }

    const [load1] = os.loadavg();
    console.log(`\n${os.cpus().length} cores, load average ${load1.toFixed(1)} at the end; ${options.runs} runs each, interleaved.`);
    console.log(`Scale points: prod with ${options.namespaces.join(", ")} extra mlops namespaces.`);
    for (const t of trees) console.log(`- ${t.label}: prod has ${points.get(t)![0][0].resources} resources`);
    const header = trees.map((t) => `${t.label.split(" ")[0]} min / median / max`);
    console.log(`\n| measure | ${header.join(" | ")}${trees.length === 2 ? " | B / A (medians) |" : " |"}`);
    console.log(`|---|${trees.map(() => "---|").join("")}${trees.length === 2 ? "---|" : ""}`);
    for (const [label, samples] of rows) {
        const s = trees.map((t) => spread(samples(t)));
        const ratio = trees.length === 2 ? ` ${(s[1].median / s[0].median).toFixed(2)} |` : "";
        console.log(`| ${label} | ${s.map((x) => x.text).join(" | ")} |${ratio}`);
    }
    if (options.suite) {
        for (const t of trees) {
            const status = suites.get(t)!.status;
            console.log(`\n${t.label}: test suite ${status === 0 ? "passed" : `FAILED (mocha exit ${status}: that many failing tests)`}`);
        }
    }
    const failed = trees.flatMap((t) =>
        points
            .get(t)!
            .flat()
            .filter((p) => p.status !== 0)
            .map((p) => `${t.label} +${p.extra}`),
    );
    if (failed.length > 0) console.log(`\nFailed synth runs (left out of the figures as NaN): ${failed.join(", ")}`);
    if (trees.length === 2) compareInventories(trees, stacks.get(trees[1])!);
    fs.rmSync(scratch, { recursive: true, force: true });
}

/** What differs between two `resources.json` files, field by field (`inventoryDifferences`). */
function describeDifferences(fileA: string, fileB: string): string {
    const read = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as ResourceRecord[];
    const d = inventoryDifferences(read(fileA), read(fileB));
    const fields = Object.entries(d.changedFields).map(([key, n]) => `${key} in ${n}`);
    return [
        `${d.added.length} added, ${d.removed.length} removed`,
        d.sameOrder ? "same order" : "ORDER CHANGED",
        fields.length
            ? `fields differ: ${fields.join(", ")}`
            : d.added.length || d.removed.length || !d.sameOrder
              ? "no resource both hold differs in a field"
              : "no field differs (formatting only)",
        ...(d.changedFields.dependsOn ? [`dependsOn entries +${d.dependsOn.added} −${d.dependsOn.removed}`] : []),
    ].join("; ");
}

/** Synths dev and staging in both trees and compares every stack's resources.json and report.md byte for byte. */
function compareInventories(trees: Tree[], scaled: string[]): void {
    for (const stack of ["dev", "staging"]) for (const tree of trees) synth(tree, stack);
    const lines: string[] = [];
    for (const stack of ["dev", "staging", ...scaled]) {
        for (const file of ["resources.json", "report.md"]) {
            const [a, b] = trees.map((t) => path.join(t.dir, "out", "bench", stack, file));
            const same = fs.existsSync(a) && fs.existsSync(b) && fs.readFileSync(a).equals(fs.readFileSync(b));
            const what = !same && file === "resources.json" && fs.existsSync(a) && fs.existsSync(b) ? `: ${describeDifferences(a, b)}` : "";
            lines.push(
                `${same ? "identical" : "DIFFERENT"}: ${stack}/${file} (${fs.existsSync(b) ? fs.statSync(b).size : 0} bytes)${what}`,
            );
        }
    }
    console.log(`\nInventories, A vs B, byte for byte:\n${lines.map((l) => `- ${l}`).join("\n")}`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
