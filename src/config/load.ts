import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkRules, ConfigProblem } from "./rules";
import { configSchema, ParsedConfig, secretConfigKeys } from "./schema";

/** The Pulumi project name, which is also the namespace of every config key we own. */
export const projectName = "ml-platform";

type SecretKey = (typeof secretConfigKeys)[number];

/**
 * The validated, frozen configuration components receive. Secret config values are only
 * reachable as secret Outputs, so they cannot leak into plain stack outputs or logs.
 */
export type PlatformConfig = DeepReadonly<Omit<ParsedConfig, SecretKey> & { gitops: { path: string } }> & {
    readonly secretValues: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
};

export type NodePoolConfig = PlatformConfig["nodePools"][string];
export type NamespaceConfig = PlatformConfig["namespaces"][string];

type DeepReadonly<T> = T extends (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Bad stack configuration: every problem at once, each naming the key, the value and the rule. */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly stack: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(
            `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
                problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
        );
        this.name = "ConfigError";
    }

    /** True for a ConfigError from any copy of this module (tests load `src/` afresh per run). */
    static isInstance(e: unknown): e is ConfigError {
        return e instanceof Error && e.name === "ConfigError" && Array.isArray((e as ConfigError).problems);
    }
}

/** `ml-platform:nodePools.gpu.minSize = 5: must be ≤ maxSize (2)` */
export function formatProblem(p: ConfigProblem): string {
    const value = p.value === undefined ? "(not set)" : JSON.stringify(p.value);
    return `${configKey(p.path)} = ${value}: ${p.rule}`;
}

/** The full config key a path lives under: `region` and `allowedAccountIds` are the AWS provider's keys. */
export function configKey(path: string): string {
    if (path === "region") return "aws:region";
    if (path === "allowedAccountIds" || path.startsWith("allowedAccountIds[")) return `aws:${path}`;
    return `${projectName}:${path}`;
}

/**
 * Parses the raw config map (full keys such as `ml-platform:nodePools`, string values, structured
 * values as JSON, exactly as the Pulumi engine hands them over) into a frozen config, or throws a
 * {@link ConfigError} listing every problem.
 */
export function parseConfig(stack: string, raw: Readonly<Record<string, string>>, isSecret: (fullKey: string) => boolean): PlatformConfig {
    const input: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        if (fullKey === "aws:region") input.region = value;
        else if (fullKey === "aws:allowedAccountIds") input.allowedAccountIds = parseJson(value);
        else if (fullKey.startsWith(`${projectName}:`)) {
            const key = fullKey.slice(projectName.length + 1);
            input[key] = expectsString(key) ? value : parseJson(value);
        }
    }
    // Secret keys are optional (dev has no Slack), so Pulumi.yaml cannot declare them `secret: true`
    // (the engine would then require them): we refuse plaintext values ourselves.
    const plaintextSecrets: ConfigProblem[] = secretConfigKeys
        .filter((key) => input[key] !== undefined && !isSecret(`${projectName}:${key}`))
        .map((key) => ({ path: key, value: "(hidden)", rule: `must be stored encrypted: pulumi config set --secret ${key}` }));
    const parsed = configSchema.safeParse(input);
    if (!parsed.success) {
        throw new ConfigError(stack, [...plaintextSecrets, ...parsed.error.issues.flatMap((issue) => fromZodIssue(issue, input))]);
    }
    const problems = [...plaintextSecrets, ...checkRules(parsed.data)];
    if (problems.length > 0) throw new ConfigError(stack, problems);

    const { slackWebhookUrl, pagerdutyRoutingKey, ...plain } = parsed.data;
    const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
    return deepFreeze({
        ...plain,
        gitops: { ...plain.gitops, path: plain.gitops.path ?? `environments/${plain.environment}` },
        secretValues: { slackWebhookUrl: secret(slackWebhookUrl), pagerdutyRoutingKey: secret(pagerdutyRoutingKey) },
    });
}

/** Loads and validates the current stack's configuration (the engine has applied `Pulumi.yaml` defaults). */
export function loadConfig(): PlatformConfig {
    return parseConfig(pulumi.getStack(), pulumi.runtime.allConfig(), isConfigSecret);
}

/**
 * Whether the engine stored a key encrypted. The SDK keeps that list (it warns when a secret is
 * read with `get`) but exports no public accessor, so we read its runtime module directly.
 */
function isConfigSecret(fullKey: string): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret: (k: string) => boolean };
    return runtimeConfig.isConfigSecret(fullKey);
}

function fromZodIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): ConfigProblem[] {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
            path: joinPath([...path, key]),
            value: valueAt(input, [...path, key]),
            rule: "is not a known key (check the spelling; see the config reference in README.md)",
        }));
    }
    const value = valueAt(input, path);
    const rule = issue.code === "invalid_type" && value === undefined ? "is required" : issue.message;
    return [{ path: joinPath(path), value, rule }];
}

function joinPath(path: string[]): string {
    return path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function valueAt(input: unknown, path: string[]): unknown {
    return path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), input);
}

/** Top-level keys whose schema is a string: their raw value is used as is, never JSON-parsed. */
function expectsString(key: string): boolean {
    const field = (configSchema.shape as Record<string, z.ZodType>)[key];
    if (!field) return false;
    let def = field._zod.def as { type: string; innerType?: z.ZodType };
    while ((def.type === "optional" || def.type === "default") && def.innerType) def = def.innerType._zod.def as typeof def;
    return def.type === "string" || def.type === "enum";
}

function parseJson(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !pulumi.Output.isInstance(value)) {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
    }
    return value;
}
