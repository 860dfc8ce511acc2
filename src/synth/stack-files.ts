import * as fs from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { projectName, secretConfigKeys } from "../config";

/** The repository root, where `Pulumi.yaml` and the stack files live. */
export const projectRoot = path.resolve(__dirname, "..", "..");

/**
 * Where the stack files and the files derived from them (policy/config, workflow matrices) are
 * read: the repository root, or the directory `ML_PLATFORM_STACKS_ROOT` names. The adoption test
 * (test/stacks/adoption.test.ts) points it at a copy whose company-specific values are rewritten.
 */
export const stacksRoot = process.env.ML_PLATFORM_STACKS_ROOT ? path.resolve(process.env.ML_PLATFORM_STACKS_ROOT) : projectRoot;

/** Config exactly as the Pulumi engine would hand it to the program: full keys, string values. */
export interface StackConfig {
    config: Record<string, string>;
    /** Keys whose values the engine would treat as secrets. */
    secretKeys: string[];
}

/**
 * Test values for secrets. The stack files cannot hold real ciphertext we could decrypt offline,
 * and optional secrets (`slackWebhookUrl`, ...) are set with `pulumi config set --secret`, so the
 * offline runs use these stand-ins, always marked secret.
 */
export const testSecrets: Readonly<Record<(typeof secretConfigKeys)[number], string>> = {
    slackWebhookUrl: "https://hooks.slack.com/services/T0000TEST/B0000TEST/offline-test-value",
    pagerdutyRoutingKey: "offline-test-routing-key-0000000000",
};

/** One syntax problem in a YAML file, at a 1-based line and column, under a dotted key path. */
export interface YamlProblem {
    file: string;
    line: number;
    column: number;
    /** The key the problem is at or under, e.g. `config.ml-platform:tier`; empty at the top. */
    key: string;
    message: string;
}

/** A stack or project file that is not valid YAML: every problem, each with file, line and key. Nothing is run. */
export class StackFileError extends Error {
    constructor(readonly problems: readonly YamlProblem[]) {
        super(
            `Invalid YAML; nothing was run:\n` +
                problems.map((p) => `  - ${p.file}:${p.line}:${p.column}${p.key ? ` (key ${p.key})` : ""}: ${p.message}`).join("\n"),
        );
        this.name = "StackFileError";
    }
}

/**
 * Parses a YAML file strictly, with the `yaml` package's own error positions: syntax errors and
 * duplicate keys (which the engine would resolve silently, last one wins) throw a
 * {@link StackFileError} naming file, line, column and the key path there.
 */
export function parseYamlFile(file: string, text = fs.readFileSync(file, "utf8")): unknown {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
    if (doc.errors.length === 0) return doc.toJS();
    const lines = text.split("\n");
    const name = path.relative(process.cwd(), file) || file;
    throw new StackFileError(
        doc.errors.map((e) => {
            const { line, col } = lineCounter.linePos(Math.min(e.pos[0], Math.max(text.length - 1, 0)));
            let at = line;
            // An unclosed flow collection is reported where the parser gave up: point at the line that opened it.
            const closer = /end with an? ([\]}])/.exec(e.message)?.[1];
            if (closer) {
                const opener = closer === "]" ? "[" : "{";
                for (let l = line; l >= 1; l--) {
                    const t = lines[l - 1];
                    if (t.split(opener).length > t.split(closer).length) {
                        at = l;
                        break;
                    }
                }
            }
            const duplicate = e.code === "DUPLICATE_KEY" ? " (the same key twice: the last would silently win)" : "";
            return { file: name, line: at, column: at === line ? col : 1, key: keyPathAt(lines, at), message: `${e.message}${duplicate}` };
        }),
    );
}

/** The dotted path of mapping keys that encloses 1-based line `line`, found by indentation. */
function keyPathAt(lines: readonly string[], line: number): string {
    const path: string[] = [];
    let indent = Infinity;
    for (let l = line; l >= 1; l--) {
        const match = /^(\s*)(?:- )?("[^"]+"|'[^']+'|[^\s#'"][^:#]*(?::[^\s:#][^:#]*)*):(\s|$)/.exec(lines[l - 1]);
        if (!match || match[1].length >= indent) continue;
        path.unshift(match[2].replace(/^["']|["']$/g, ""));
        indent = match[1].length;
        if (indent === 0) break;
    }
    return path.join(".");
}

/** Stack names that have a `Pulumi.<stack>.yaml` file, whatever the name (the program refuses bad ones by name). */
export function stackNames(root = stacksRoot): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * Reads `Pulumi.yaml` defaults and `Pulumi.<stack>.yaml` the way the engine merges them: stack
 * values win, project defaults fill the gaps, objects become JSON strings, and `secure:` values
 * are replaced by test values and listed as secret.
 */
export function readStackConfig(stack: string, root = stacksRoot): StackConfig {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`No stack file ${file}; known stacks: ${stackNames(root).join(", ")}`);
    }
    const projectFile = path.join(root, "Pulumi.yaml");
    const [projectText, stackText] = [fs.readFileSync(projectFile, "utf8"), fs.readFileSync(file, "utf8")];
    // Parsed once per content (a test process reads the same files for every run of the program);
    // callers get their own copies.
    const key = `${file}\0${projectText}\0${stackText}`;
    let read = stackConfigs.get(key);
    if (!read) {
        read = parseStackConfig(parseYamlFile(projectFile, projectText), parseYamlFile(file, stackText));
        stackConfigs.set(key, read);
    }
    return { config: { ...read.config }, secretKeys: [...read.secretKeys] };
}

const stackConfigs = new Map<string, StackConfig>();

function parseStackConfig(projectYaml: unknown, stackYaml: unknown): StackConfig {
    const project = projectYaml as { config?: Record<string, { default?: unknown }> };
    const stackFile = (stackYaml ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, declaration] of Object.entries(project.config ?? {})) {
        if (declaration.default !== undefined) config[fullKey(key)] = toConfigString(declaration.default);
    }
    for (const [key, value] of Object.entries(stackFile.config ?? {})) {
        const k = fullKey(key);
        if (isSecure(value)) {
            config[k] = `offline-test-secret-for-${k}`;
            secretKeys.push(k);
        } else {
            config[k] = toConfigString(value);
        }
    }
    for (const [key, value] of Object.entries(testSecrets)) {
        const k = fullKey(key);
        if (config[k] === undefined) {
            config[k] = value;
            secretKeys.push(k);
        }
    }
    return { config, secretKeys };
}

function fullKey(key: string): string {
    return key.includes(":") ? key : `${projectName}:${key}`;
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}

function toConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}
