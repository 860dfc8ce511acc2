import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { factsFromConfig, policyConfigFor } from "../policy/stack-config";
import { githubEnvironments, stackNameProblems } from "../src/config/stacks";
import { readStackConfig, stackNames, stacksRoot } from "../src/synth/stack-files";

/**
 * `npm run sync-stacks`: regenerates every file derived from the stack files, so a stack is added
 * or removed by adding or removing its `Pulumi.<stack>.yaml` alone:
 *
 * - `policy/config/<stack>.json`, the policy pack's config per stack (policy/stack-config.ts);
 * - the stack matrices of `preview.yml` and `drift.yml`, and the deploy chain of `deploy.yml`,
 *   between `# sync-stacks: begin` and `# sync-stacks: end` markers; nothing else in a workflow changes.
 *
 * test/scripts/sync-stacks.test.ts fails while any of them is stale. `--check` only reports.
 */

/** What the workflows need to know of one stack, read from its stack file. */
export interface StackCi {
    stack: string;
    tier: string;
    /** Runner labels: a stack with a private API endpoint runs on the self-hosted runner inside its VPC. */
    runner: string[];
    /** Production stacks deploy only in the change window. */
    changeWindow: boolean;
}

const tierOrder = ["development", "staging", "production"];
const beginMarker = "# sync-stacks: begin";
const endMarker = "# sync-stacks: end";

/** The stacks in deploy order: by tier (development first), then by name. Refuses names that cannot be GitHub Environments. */
export function stacksForCi(root = stacksRoot): StackCi[] {
    return stackNames(root)
        .map((stack) => {
            const { config } = readStackConfig(stack, root);
            const value = (key: string) => (config[key] === undefined ? undefined : (JSON.parse(config[key]) as Record<string, unknown>));
            const problems = stackNameProblems(stack, config["ml-platform:environment"]);
            if (problems.length > 0) throw new Error(`Pulumi.${stack}.yaml: ml-platform:environment: ${problems.join("; ")}`);
            const tier = config["ml-platform:tier"] ?? "production";
            const publicEndpoint = value("ml-platform:cluster")?.endpointPublicAccess === true;
            return {
                stack,
                tier,
                runner: publicEndpoint ? ["ubuntu-24.04"] : ["self-hosted", "linux", `ml-platform-${stack}`],
                changeWindow: tier === "production",
            };
        })
        .sort((a, b) => rank(a.tier) - rank(b.tier) || a.stack.localeCompare(b.stack));
}

const rank = (tier: string) => (tierOrder.includes(tier) ? tierOrder.indexOf(tier) : tierOrder.length);
const flow = (labels: string[]) => `[${labels.join(", ")}]`;

/** The `include:` list of a per-stack matrix (preview, drift). */
function matrixLines(stacks: StackCi[]): string[] {
    return [
        "include:",
        ...stacks.flatMap((s) => [
            ...(s.runner[0] === "self-hosted"
                ? ["  # A private API endpoint: the job runs on the self-hosted runner inside the stack's VPC."]
                : []),
            `  - stack: ${s.stack}`,
            `    runner: ${flow(s.runner)}`,
        ]),
    ];
}

/** deploy.yml's jobs: one `pulumi up` per stack, each after the one before (the first after the tests). */
function deployLines(stacks: StackCi[]): string[] {
    return stacks.flatMap((s, i) => [
        `${s.stack}:`,
        `  needs: ${i === 0 ? "test" : stacks[i - 1].stack}`,
        ...(i === 0
            ? [
                  "  # A manual run from another branch deploys nothing (the environments also allow only main).",
                  "  if: github.ref == 'refs/heads/main'",
              ]
            : []),
        "  uses: ./.github/workflows/pulumi-up.yml",
        "  permissions:",
        "    contents: read",
        "    id-token: write",
        "  with:",
        `    stack: ${s.stack}`,
        ...(s.runner[0] === "self-hosted"
            ? ["    # A private API endpoint: the update runs on the self-hosted runner inside the VPC."]
            : []),
        `    runs-on: '${JSON.stringify(s.runner).replace(/,/g, ", ")}'`,
        ...(s.changeWindow ? ["    change-window: true"] : []),
        ...(i < stacks.length - 1 ? [""] : []),
    ]);
}

/** Replaces the lines between the markers with `lines`, indented like the begin marker. */
export function replaceBetweenMarkers(text: string, lines: string[], file: string): string {
    const all = text.split("\n");
    const begin = all.findIndex((l) => l.trim().startsWith(beginMarker));
    const end = all.findIndex((l) => l.trim().startsWith(endMarker));
    if (begin < 0 || end < begin) throw new Error(`${file}: no "${beginMarker}" … "${endMarker}" block to regenerate`);
    const indent = all[begin].slice(0, all[begin].indexOf("#"));
    return [...all.slice(0, begin + 1), ...lines.map((l) => (l ? indent + l : l)), ...all.slice(end)].join("\n");
}

/**
 * Every derived file with the content it must have (path relative to `root` → text), and the
 * derived files that belong to no stack any more (to delete).
 */
export async function derivedFiles(root = stacksRoot): Promise<{ files: Record<string, string>; orphans: string[] }> {
    const stacks = stacksForCi(root);
    const files: Record<string, string> = {};
    const format = async (file: string, text: string) => {
        const options = (await prettier.resolveConfig(path.join(root, file))) ?? {};
        return prettier.format(text, { ...options, filepath: file });
    };
    for (const { stack } of stacks) {
        const file = path.join("policy", "config", `${stack}.json`);
        files[file] = await format(file, JSON.stringify(policyConfigFor(factsFromConfig(readStackConfig(stack, root).config)), null, 2));
    }
    const workflows: Record<string, string[]> = {
        "preview.yml": matrixLines(stacks),
        "drift.yml": matrixLines(stacks),
        "deploy.yml": deployLines(stacks),
    };
    for (const [name, lines] of Object.entries(workflows)) {
        const file = path.join(".github", "workflows", name);
        files[file] = await format(file, replaceBetweenMarkers(fs.readFileSync(path.join(root, file), "utf8"), lines, file));
    }
    const configDir = path.join(root, "policy", "config");
    const orphans = (fs.existsSync(configDir) ? fs.readdirSync(configDir) : [])
        .map((f) => path.join("policy", "config", f))
        .filter((f) => f.endsWith(".json") && !(f in files));
    return { files, orphans };
}

/** The derived files that differ from what the stack files give (empty when in sync). */
export async function staleFiles(root = stacksRoot): Promise<string[]> {
    const { files, orphans } = await derivedFiles(root);
    const stale = Object.entries(files)
        .filter(([file, text]) => !fs.existsSync(path.join(root, file)) || fs.readFileSync(path.join(root, file), "utf8") !== text)
        .map(([file]) => file);
    return [...stale, ...orphans];
}

async function main(): Promise<number> {
    const root = stacksRoot;
    if (process.argv.includes("--check")) {
        const stale = await staleFiles(root);
        for (const file of stale) console.error(`stale: ${file}`);
        return stale.length > 0 ? 1 : 0;
    }
    const { files, orphans } = await derivedFiles(root);
    for (const [file, text] of Object.entries(files)) {
        const target = path.join(root, file);
        if (fs.existsSync(target) && fs.readFileSync(target, "utf8") === text) continue;
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
        console.log(`wrote ${file}`);
    }
    for (const file of orphans) {
        fs.rmSync(path.join(root, file));
        console.log(`removed ${file} (no Pulumi.${path.basename(file, ".json")}.yaml)`);
    }
    const stacks = stacksForCi(root).map((s) => s.stack);
    console.log(`in sync with ${stacks.length} stacks (deploy order): ${stacks.join(" → ")}`);
    console.log(`GitHub Environments to create: ${stacks.flatMap((s) => Object.values(githubEnvironments(s))).join(", ")} (docs/ci.md)`);
    return 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            console.error(e.message);
            process.exit(1);
        },
    );
}
