import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { joinPath } from "./formats";
import { providerNamespaces } from "./limits";
import { checkRules, ConfigProblem } from "./rules";
import { configSchema, ParsedConfig, secretConfigKeys } from "./schema";
import { stackNameProblems } from "./stacks";

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

/** The full config key a path lives under: `region` and `allowedAccountIds` are the AWS provider's keys; a path with a namespace is kept. */
export function configKey(path: string): string {
    if (path === "region") return "aws:region";
    if (path === "allowedAccountIds" || path.startsWith("allowedAccountIds[")) return `aws:${path}`;
    return /^[^.[]*:/.test(path) ? path : `${projectName}:${path}`;
}

/** Shown instead of a value that is or may be a secret: a secret typed in plain text is never echoed. */
const hidden = "(hidden)";
/** Key names that suggest a secret, for keys we do not know (a misspelled `slackWebhookURL`). */
const secretLike = /secret|token|password|passwd|webhook|routingkey|apikey|credential|private/i;

/**
 * Parses the raw config map (full keys such as `ml-platform:nodePools`, string values, structured
 * values as JSON, exactly as the Pulumi engine hands them over) into a frozen config, or throws a
 * {@link ConfigError} listing every problem.
 */
export function parseConfig(stack: string, raw: Readonly<Record<string, string>>, isSecret: (fullKey: string) => boolean): PlatformConfig {
    const input: Record<string, unknown> = {};
    const foreign: ConfigProblem[] = [];
    for (const [fullKey, value] of Object.entries(raw)) {
        if (fullKey === "aws:region") input.region = value;
        else if (fullKey === "aws:allowedAccountIds") input.allowedAccountIds = parseJson(value);
        else if (fullKey.startsWith(`${projectName}:`)) {
            const key = fullKey.slice(projectName.length + 1);
            input[key] = expectsString(key) ? value : parseJson(value);
        } else foreign.push(...namespaceProblem(fullKey, value, isSecret(fullKey)));
    }
    // Secret keys are optional (dev has no Slack), so Pulumi.yaml cannot declare them `secret: true`
    // (the engine would then require them): we refuse plaintext values ourselves.
    const plaintextSecrets: ConfigProblem[] = secretConfigKeys
        .filter((key) => input[key] !== undefined && !isSecret(`${projectName}:${key}`))
        .map((key) => ({ path: key, value: "(hidden)", rule: `must be stored encrypted: pulumi config set --secret ${key}` }));
    const parsed = configSchema.safeParse(input);
    const hideSecrets = (p: ConfigProblem): ConfigProblem =>
        p.value !== undefined && ((secretConfigKeys as readonly string[]).includes(p.path.split(/[.[]/)[0]) || isSecret(configKey(p.path)))
            ? { ...p, value: hidden }
            : p;
    if (!parsed.success) {
        const issues = parsed.error.issues.flatMap((issue) => fromZodIssue(issue, input)).map(hideSecrets);
        throw new ConfigError(stack, [...foreign, ...plaintextSecrets, ...issues]);
    }
    const problems = [
        ...foreign,
        ...plaintextSecrets,
        ...stackNameProblems(stack, parsed.data.environment).map((rule) => ({ path: "environment", value: parsed.data.environment, rule })),
        ...checkRules(parsed.data).map(hideSecrets),
    ];
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

/**
 * A key outside our namespace: the providers' and the engine's own are theirs to check; any other
 * namespace is a typo the engine would pass on silently (`ml-platfrom:tier`), so it is refused.
 */
function namespaceProblem(fullKey: string, value: string, secret: boolean): ConfigProblem[] {
    const namespace = fullKey.split(":")[0];
    if ((providerNamespaces as readonly string[]).includes(namespace)) return [];
    const key = fullKey.slice(namespace.length + 1);
    const near = editDistance(namespace.toLowerCase(), projectName) <= 3 ? `; did you mean ${projectName}:${key}?` : "";
    return [
        {
            path: fullKey,
            value: secret || secretLike.test(key) ? hidden : parseJson(value),
            rule: `is under the unknown config namespace "${namespace}" (known: ${[projectName, ...providerNamespaces].join(", ")})${near}`,
        },
    ];
}

function fromZodIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): ConfigProblem[] {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => {
            const suggestion = closestKey(path, key);
            return {
                path: joinPath([...path, key]),
                value: secretLike.test(key) ? hidden : valueAt(input, [...path, key]),
                rule: `is not a known key (${suggestion ? `did you mean ${suggestion}? ` : "check the spelling; "}see the config reference in README.md)`,
            };
        });
    }
    if (issue.code === "invalid_key") {
        const inner = (issue.issues as z.core.$ZodIssue[] | undefined)?.[0]?.message ?? issue.message;
        return [{ path: joinPath(path), value: path[path.length - 1], rule: `is not a valid name: ${inner}` }];
    }
    const value = valueAt(input, path);
    if (issue.code === "invalid_type" && value === undefined) return [{ path: joinPath(path), value, rule: "is required" }];
    if (typeof value === "number" && (issue.code === "invalid_value" || (issue.code === "invalid_type" && issue.expected === "string"))) {
        const options = issue.code === "invalid_value" ? issue.values.map(String) : [];
        const meant = options.find((o) => Number(o) === value) ?? String(value);
        return [
            {
                path: joinPath(path),
                value,
                rule: `is a YAML number; write it in quotes ("${meant}"), because unquoted ${meant} is read as a number`,
            },
        ];
    }
    return [{ path: joinPath(path), value, rule: issue.message }];
}

/** The known key at `path` closest to a misspelled `key` (same letters in another case, or ≤ 2 edits). */
function closestKey(path: string[], key: string): string | undefined {
    let schema: z.ZodType | undefined = configSchema;
    for (const part of path) schema = childSchema(schema, part);
    const shape = schema ? (unwrap(schema)._zod.def as { shape?: Record<string, unknown> }).shape : undefined;
    if (!shape) return undefined;
    const candidates = Object.keys(shape).map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(k, key) }));
    const best = candidates.sort((a, b) => a.d - b.d)[0];
    return best && best.d <= 2 ? best.k : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
    let s = schema;
    for (;;) {
        const def = s._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
        if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType) s = def.innerType;
        else if (def.type === "pipe" && def.in) s = def.in;
        else return s;
    }
}

function childSchema(schema: z.ZodType | undefined, part: string): z.ZodType | undefined {
    if (!schema) return undefined;
    const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType };
    if (def.type === "object") return def.shape?.[part];
    if (def.type === "record") return def.valueType;
    if (def.type === "array") return def.element;
    return undefined;
}

/** Levenshtein distance, for spelling suggestions. */
function editDistance(a: string, b: string): number {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        row = next;
    }
    return row[b.length];
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
