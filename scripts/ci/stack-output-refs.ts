import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/**
 * Finds every stack output a workflow reads, so a test can hold workflows to the stack-output
 * contract (src/outputs.ts). Workflows read outputs in one of three ways, and only these:
 *
 * - `pulumi stack output <name>` (any flags);
 * - `pulumi stack output --json` into the file `stack-outputs.json` (or piped into `jq`), then
 *   `jq '<filter>' stack-outputs.json`: every path that starts a filter (`.name`, `.["name"]`) counts;
 * - `steps.<id>.outputs.<name>` of a `pulumi/actions` step that runs a command (the action turns
 *   every stack output into a step output).
 *
 * A read this module cannot name (a `$variable` output name, or the whole JSON sent anywhere else)
 * is reported as the name "<dynamic>", which no contract defines: rewrite it in one of the forms above.
 *
 * CLI: `stack-output-refs.ts [workflow files…]` (default `.github/workflows/*.yml`) lists every
 * reference and exits 1 if one is not in the contract.
 */

export interface OutputReference {
    name: string;
    file: string;
    /** 1-based line in the workflow file. */
    line: number;
    via: "pulumi stack output" | "jq" | "step output";
}

/** The file name workflows save `pulumi stack output --json` to. */
export const outputsFile = "stack-outputs.json";
export const dynamicName = "<dynamic>";

/** Outputs of the pulumi/actions action itself, not of the stack. */
const actionOwnOutputs = new Set(["output"]);

/** `pulumi stack output` flags that take a value. */
const stackOutputValueFlags = new Set([
    "--stack",
    "-s",
    "--cwd",
    "-C",
    "--color",
    "--config-file",
    "--logflow",
    "--tracing",
    "--verbose",
    "-v",
]);
/** jq options followed by this many values. */
const jqOptionValues: Record<string, number> = {
    "--arg": 2,
    "--argjson": 2,
    "--slurpfile": 2,
    "--rawfile": 2,
    "--indent": 1,
    "-f": 1,
    "--from-file": 1,
    "-L": 1,
};

export function stackOutputReferences(source: string, file = "<workflow>"): OutputReference[] {
    const refs: OutputReference[] = [];
    for (const { text, line } of logicalLines(source)) {
        // A comment, in YAML or in a shell script, reads nothing.
        if (text.trimStart().startsWith("#")) continue;
        refs.push(...stackOutputCommandRefs(text).map((name) => ({ name, file, line, via: "pulumi stack output" as const })));
        refs.push(...jqRefs(text).map((name) => ({ name, file, line, via: "jq" as const })));
    }
    const ids = pulumiStepIds(source);
    if (ids.size > 0) {
        const stepOutput = /steps\.([\w-]+)\.outputs(?:\.([\w-]+)|\[\s*['"]([^'"]+)['"]\s*\])/g;
        source.split("\n").forEach((text, index) => {
            for (const match of text.matchAll(stepOutput)) {
                const name = match[2] ?? match[3];
                if (ids.has(match[1]) && !actionOwnOutputs.has(name)) refs.push({ name, file, line: index + 1, via: "step output" });
            }
        });
    }
    return refs;
}

/** Lines with `\` continuations joined, each with the line number where it starts. */
function logicalLines(source: string): { text: string; line: number }[] {
    const result: { text: string; line: number }[] = [];
    let pending: { text: string; line: number } | undefined;
    source.split("\n").forEach((raw, index) => {
        const current = pending ?? { text: "", line: index + 1 };
        current.text += raw.replace(/\\$/, " ");
        if (raw.endsWith("\\")) pending = current;
        else {
            result.push(current);
            pending = undefined;
        }
    });
    if (pending) result.push(pending);
    return result;
}

/** Splits a shell line into words: quotes grouped and removed, operators (`|`, `>`, `;`, `&&`, `)`) separate words. */
export function shellWords(text: string): string[] {
    const words: string[] = [];
    const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\|\||&&|[|;&()<>])|([^\s'"|;&()<>]+)/g;
    let word: string | undefined;
    let wordEnd = -1;
    const flush = () => {
        if (word !== undefined) words.push(word);
        word = undefined;
    };
    for (const match of text.matchAll(pattern)) {
        if (match[3] !== undefined) {
            flush();
            words.push(match[3]);
            continue;
        }
        const piece = match[1] ?? match[2] ?? match[4];
        // Quoted and unquoted pieces with no space between them are one word: a"b"'c' → abc.
        if (word !== undefined && match.index === wordEnd) word += piece;
        else {
            flush();
            word = piece;
        }
        wordEnd = match.index + match[0].length;
    }
    flush();
    return words;
}

const operators = new Set(["|", "||", "&&", ";", "&", "(", ")", "<", ">"]);

function stackOutputCommandRefs(text: string): string[] {
    const words = shellWords(text);
    const names: string[] = [];
    for (let i = 0; i + 2 < words.length; i++) {
        if (!(words[i] === "pulumi" && words[i + 1] === "stack" && words[i + 2] === "output")) continue;
        let name: string | undefined;
        let json = false;
        let j = i + 3;
        for (; j < words.length && !operators.has(words[j]); j++) {
            const word = words[j];
            if (word === "--json" || word === "-j") json = true;
            if (stackOutputValueFlags.has(word)) j++;
            else if (!word.startsWith("-") && name === undefined) name = word;
        }
        if (name !== undefined) names.push(/^[A-Za-z_][\w]*$/.test(name) ? name : dynamicName);
        else if (json) {
            // The whole object: it must go to the outputs file or straight into jq, where jqRefs sees the reads.
            const rest = words.slice(j);
            const toFile = rest[0] === ">" && rest[1] === outputsFile;
            const toJq = rest[0] === "|" && rest[1] === "jq";
            if (!toFile && !toJq) names.push(dynamicName);
        }
    }
    return names;
}

function jqRefs(text: string): string[] {
    const words = shellWords(text);
    const names: string[] = [];
    for (let i = 0; i < words.length; i++) {
        if (!/(^|[$(`])jq$/.test(words[i])) continue;
        let filter: string | undefined;
        let j = i + 1;
        const inputs: string[] = [];
        for (; j < words.length && !operators.has(words[j]); j++) {
            const word = words[j];
            if (word in jqOptionValues) j += jqOptionValues[word];
            else if (word.startsWith("-") && word.length > 1) continue;
            else if (filter === undefined) filter = word;
            else inputs.push(word);
        }
        const fromOutputsFile = inputs.some((input) => input.replace(/\)$/, "") === outputsFile);
        const fromPipe =
            words
                .slice(0, i)
                .join(" ")
                .match(/pulumi stack output[^|]*--json[^|]*\|\s*$/) !== null;
        if (filter === undefined || !(fromOutputsFile || fromPipe)) continue;
        names.push(...filterRoots(filter));
    }
    return names;
}

/** Names of the top-level fields a jq filter reads: `.a.b[$x] | .c` → a, c (conservative: any path start). */
export function filterRoots(filter: string): string[] {
    const roots: string[] = [];
    const root = /(?<![\w\])}.$"])\.(?:([A-Za-z_]\w*)|\[\s*"([^"]+)"\s*\])/g;
    for (const match of filter.matchAll(root)) roots.push(match[1] ?? match[2]);
    return roots;
}

/** Ids of steps that run the pulumi/actions action with a command (their outputs are the stack's). */
function pulumiStepIds(source: string): Set<string> {
    const ids = new Set<string>();
    const workflow = parse(source) as { jobs?: Record<string, { steps?: { id?: string; uses?: string; with?: { command?: string } }[] }> };
    for (const job of Object.values(workflow?.jobs ?? {})) {
        for (const step of job.steps ?? []) {
            if (step.id && step.uses?.startsWith("pulumi/actions@") && step.with?.command) ids.add(step.id);
        }
    }
    return ids;
}

/** The references whose name the contract does not define. */
export function unknownReferences(refs: OutputReference[], contract: Record<string, unknown>): OutputReference[] {
    return refs.filter((ref) => !Object.prototype.hasOwnProperty.call(contract, ref.name));
}

export const workflowsDir = path.join(__dirname, "..", "..", ".github", "workflows");

export function workflowFiles(dir = workflowsDir): string[] {
    return readdirSync(dir)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => path.join(dir, name));
}

if (require.main === module) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { outputContract } = require("../../src/outputs") as { outputContract: Record<string, unknown> };
    const files = process.argv.length > 2 ? process.argv.slice(2) : workflowFiles();
    const refs = files.flatMap((file) => stackOutputReferences(readFileSync(file, "utf8"), path.relative(process.cwd(), file)));
    for (const ref of refs) console.log(`${ref.file}:${ref.line}: ${ref.name} (${ref.via})`);
    const unknown = unknownReferences(refs, outputContract);
    for (const ref of unknown)
        console.log(`::error file=${ref.file},line=${ref.line}::stack output "${ref.name}" is not in src/outputs.ts`);
    process.exitCode = unknown.length > 0 ? 1 : 0;
}
