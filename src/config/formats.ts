import { Cron } from "croner";

/**
 * Syntax checks for config strings that end up inside another system's format: Kubernetes label
 * keys and values, resource quantities, cron schedules, ArgoCD's `policy.csv`, PromQL selectors.
 * Each returns why a value is refused (a rule a person can act on), or undefined when it is fine.
 */

/** `nodePools.system.labels["platform.company.io/pool"]`: map keys that are not plain words are quoted. */
export function joinPath(path: readonly string[]): string {
    return path
        .map((p, i) =>
            /^\d+$/.test(p) ? `[${p}]` : !/^[A-Za-z0-9_-]+$/.test(p) && i > 0 ? `[${JSON.stringify(p)}]` : i === 0 ? p : `.${p}`,
        )
        .join("");
}

/** Kubernetes label name part and DNS subdomain (k8s.io/apimachinery pkg/util/validation/validation.go). */
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label (or taint) key: `[prefix/]name`, prefix a DNS subdomain ≤ 253, name ≤ 63 (IsQualifiedName). */
export function labelKeyProblem(key: string): string | undefined {
    const rule = "must be a Kubernetes label key: an optional DNS prefix and '/', then ≤ 63 letters, digits, '-', '_' or '.'";
    const parts = key.split("/");
    if (parts.length > 2) return rule;
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined && (prefix.length > 253 || !dnsSubdomain.test(prefix))) return rule;
    if (name.length > 63 || !qualifiedNamePart.test(name)) return rule;
    return undefined;
}

/** A label (or taint) value: empty, or ≤ 63 characters of the label name alphabet (IsValidLabelValue). */
export function labelValueProblem(value: string): string | undefined {
    if (value === "" || (value.length <= 63 && qualifiedNamePart.test(value))) return undefined;
    return "must be a Kubernetes label value: empty or ≤ 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric";
}

const quantityPattern = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const suffixFactor: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
};

/**
 * A Kubernetes quantity (k8s.io/apimachinery pkg/api/resource) as a number: CPU in cores, memory
 * in bytes. Only the forms the platform writes are accepted: CPU as cores or millicores (`500m`, `2`),
 * memory with a binary or decimal suffix (`256Mi`, `1G`); `128m` of memory (0.128 bytes) is refused.
 */
export function parseQuantity(text: string, resource: "cpu" | "memory"): number | string {
    const match = quantityPattern.exec(text);
    if (!match) {
        return resource === "cpu" ? "must be a CPU quantity such as 500m or 2" : "must be a memory quantity such as 256Mi or 2Gi";
    }
    const [, digits, suffix = ""] = match;
    if (resource === "cpu" && !["", "m"].includes(suffix)) return "must be a CPU quantity in cores or millicores, such as 500m or 2";
    if (resource === "memory" && suffix === "m") return "is in millibytes ('m'); memory takes Ki, Mi, Gi or Ti, such as 256Mi";
    const value = Number(digits) * suffixFactor[suffix];
    if (resource === "cpu" && Math.round(value * 1000) !== value * 1000) return "must be a whole number of millicores (≥ 1m)";
    if (value <= 0) return "must be greater than zero";
    return value;
}

/**
 * A six-field cron schedule with seconds, as CloudNativePG's ScheduledBackup reads it
 * (cloudnative-pg api/v1/scheduledbackup_types.go: robfig/cron with a seconds field). Fields are
 * checked by `croner` (ranges, steps, names); the robfig-only alphabet refuses croner extensions
 * such as `L`, `W` and `#`; the schedule must fire at least once.
 */
export function cronProblem(schedule: string): string | undefined {
    const fields = schedule.trim().split(/\s+/);
    if (fields.length !== 6) {
        return `must be a six-field cron expression with seconds (second minute hour day-of-month month day-of-week), such as "0 0 2 * * *"; got ${fields.length} field${fields.length === 1 ? "" : "s"}`;
    }
    const bad = fields.findIndex((f) => !/^[0-9A-Za-z*?,/-]+$/.test(f) || /[LW#]/.test(f.replace(/[A-Z]{3}/g, "")));
    if (bad >= 0) return `field ${bad + 1} ("${fields[bad]}") uses characters CloudNativePG's cron parser does not read`;
    let next: Date | null;
    try {
        next = new Cron(schedule, { paused: true, mode: "6-part", domAndDow: false, timezone: "UTC" }).nextRun(
            new Date(Date.UTC(2026, 0, 1)),
        );
    } catch (e) {
        return `is not a valid cron expression: ${(e as Error).message.replace(/^CronPattern: /, "")}`;
    }
    if (!next) return "never fires (no date matches every field)";
    return undefined;
}

/**
 * A value written into ArgoCD's `policy.csv` (Casbin CSV: `g, <group>, role:admin`): commas,
 * quotes, `#` and line breaks would add or change policy lines, so only a group-name alphabet is allowed.
 */
export function policyCsvProblem(value: string): string | undefined {
    if (/^[A-Za-z0-9_@.:=+\-/]([A-Za-z0-9_@.:=+\-/ ]*[A-Za-z0-9_@.:=+\-/])?$/.test(value)) return undefined;
    return "must be a group name of letters, digits, spaces and _@.:=+-/ (it is written into ArgoCD's policy.csv, where , \" # and line breaks change the policy)";
}

/**
 * A PromQL label-matcher list without braces (`job="api",code=~"5.."`), as the SLO rules embed
 * it inside `{...}`: anything else would break the rule or add PromQL of its own.
 */
export function promSelectorProblem(selector: string): string | undefined {
    const matcher = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\\n]|\\.)*"\s*`;
    if (selector.trim() === "" || new RegExp(`^${matcher}(,${matcher})*$`).test(selector)) return undefined;
    return 'must be PromQL label matchers without braces, such as job="model-serving",code=~"5.."';
}

/** Free text that becomes an AWS description or a tag value: printable, no line breaks. */
export function freeTextProblem(value: string): string | undefined {
    return /^[\x20-\x7E\u00A0-\uFFFF]*$/.test(value) ? undefined : "must be printable text on one line";
}
