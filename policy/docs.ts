import type { PlatformPolicy } from "./rules/common";

/** The README's rule table, generated from the pack so the two cannot drift (a test compares them). */

export const readmeMarkers = { start: "<!-- policy-rules:start -->", end: "<!-- policy-rules:end -->" };

/** Table cell text: pipes and asterisks escaped (prettier would turn `"*" … "*"` into emphasis). */
const cell = (text: string) => text.replace(/([|*])/g, "\\$1").replace(/\n/g, " ");

function configCell(policy: PlatformPolicy): string {
    const entries = Object.entries(policy.configDefaults);
    return entries.length === 0 ? "" : entries.map(([k, v]) => `\`${k}\` = \`${JSON.stringify(v)}\``).join("<br>");
}

/** One row per rule: id, enforcement, sources, description, config with defaults, SECURITY.md checks. */
export function rulesTable(policies: readonly PlatformPolicy[]): string {
    const rows = policies.map((p) => {
        const summary = p.description.replace(/ Source: .*$/, "");
        return `| \`${p.name}\` | ${p.enforcementLevel} | ${cell(p.sources.join(", "))} | ${cell(summary)} | ${configCell(p)} | ${p.items.join(", ")} |`;
    });
    return [
        "| Rule | Enforcement | Source | Description | Config (default) | SECURITY.md |",
        "| --- | --- | --- | --- | --- | --- |",
        ...rows,
    ].join("\n");
}

/** The text between the README markers. */
export function readmeSection(policies: readonly PlatformPolicy[]): string {
    const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory").length;
    return [
        `\`policy/\` is a CrossGuard policy pack of ${policies.length} rules (${mandatory} mandatory, ${policies.length - mandatory} advisory). ` +
            "Mandatory rules block `pulumi preview`/`up`; advisory ones are reported. Run it with:",
        "",
        "```sh",
        "npm ci --prefix policy",
        "pulumi preview --stack <stack> --policy-pack policy --policy-pack-config policy/config/<stack>.json",
        "```",
        "",
        "Rules an environment may legitimately relax take config. `policy/config/<stack>.json` is derived from the stack file " +
            "(`policy/stack-config.ts`: the tier and values such as `cluster.publicAccessCidrs`, never the stack name) and tested to match it. " +
            "Without a config file every rule uses its default, the production posture.",
        "",
        rulesTable(policies),
    ].join("\n");
}

/** `readme` with the text between the markers replaced by `section`. */
export function withSection(readme: string, section: string): string {
    const start = readme.indexOf(readmeMarkers.start);
    const end = readme.indexOf(readmeMarkers.end);
    if (start < 0 || end < start) throw new Error(`README has no ${readmeMarkers.start} … ${readmeMarkers.end} markers`);
    return `${readme.slice(0, start + readmeMarkers.start.length)}\n${section}\n${readme.slice(end)}`;
}

/** The text between the markers, for comparison. */
export function currentSection(readme: string): string {
    const start = readme.indexOf(readmeMarkers.start);
    const end = readme.indexOf(readmeMarkers.end);
    return start < 0 || end < start ? "" : readme.slice(start + readmeMarkers.start.length, end).trim();
}
