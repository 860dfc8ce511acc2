import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
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
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
        config?: Record<string, { default?: unknown }>;
    };
    const stackFile = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
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
