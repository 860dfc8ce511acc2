import { Change, exitCode, PlanDiff } from "./diff";
import { kubernetesReplaceRules, replaceRules, statefulRules, immutableFields, kubernetesMetadataRule } from "./replace-rules";

/** Monthly cost at the pools' minimum and maximum, before and after (USD). */
export interface CostDelta {
    before: { min: number; max: number };
    after: { min: number; max: number };
}

const symbol: Record<Change["op"], string> = { create: "+", update: "~", replace: "+-", delete: "-" };

/** The step of a deploy a resource belongs to, for reading the order: control plane, add-ons, nodes, the rest. */
export function phase(type: string): string {
    if (type === "aws:eks/cluster:Cluster") return "control plane";
    if (type === "aws:eks/addon:Addon") return "EKS add-on";
    if (["aws:eks/nodeGroup:NodeGroup", "aws:ec2/launchTemplate:LaunchTemplate", "aws:autoscaling/tag:Tag"].includes(type))
        return "node group";
    if (type === "kubernetes:helm.sh/v3:Release") return "chart";
    if (type.startsWith("kubernetes:")) return "Kubernetes";
    return type.split(":")[0];
}

const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signed = (n: number) => `${n >= 0 ? "+" : "−"}${usd(Math.abs(n))}`;
const short = (type: string) => type.replace(/^kubernetes:/, "k8s:");

/** The diff as Markdown: verdict, blocked changes with fixes, every change in deploy order, warnings, cost. */
export function renderDiff(stack: string, baseRef: string, diff: PlanDiff, cost?: CostDelta): string {
    const counts = (op: Change["op"]) => diff.changes.filter((c) => c.op === op).length;
    const code = exitCode(diff);
    const lines = [
        `### Plan diff of stack \`${stack}\` against \`${baseRef}\``,
        "",
        `${symbol.create} ${counts("create")} to create · ${symbol.update} ${counts("update")} to update · ${symbol.replace} ${counts("replace")} to replace · ${symbol.delete} ${counts("delete")} to delete · ${diff.unchanged} unchanged`,
        "",
        code === 0
            ? "**Verdict: safe** (exit 0): nothing is rejected, nothing stateful or protected is replaced or deleted."
            : `**Verdict: refused** (exit 2): ${diff.blocked.length} problem(s) below must be fixed before \`pulumi up\`.`,
    ];
    if (diff.blocked.length > 0) {
        lines.push("", "#### Refused");
        for (const { change, reason } of diff.blocked) {
            const fix = change.findings.find((f) => f.severity === "rejected" && f.message === reason)?.fix;
            lines.push(`- \`${change.name}\` (${short(change.type)}): ${reason}${fix ? `. **Fix:** ${fix}` : ""}`);
        }
    }
    const warnings = diff.changes.flatMap((c) => c.findings.filter((f) => f.severity === "warning").map((f) => ({ c, f })));
    if (warnings.length > 0) {
        lines.push("", "#### Heads-up");
        for (const { c, f } of warnings) lines.push(`- \`${c.name}\`: ${f.message}${f.fix ? `. ${f.fix}` : ""} _(${f.source})_`);
    }
    if (diff.changes.length > 0) {
        lines.push(
            "",
            "#### Changes in deploy order",
            "",
            "| # | step | op | resource | type | what changes |",
            "|---|---|---|---|---|---|",
        );
        diff.changes.forEach((c, i) => {
            const what =
                c.op === "replace"
                    ? `replaced because ${c.replaceBecause!.paths.join(", ")} changed _(${c.replaceBecause!.source})_`
                    : c.op === "update"
                      ? c.changed.slice(0, 6).join(", ") + (c.changed.length > 6 ? `, … (${c.changed.length})` : "")
                      : c.op === "delete" && c.stateful
                        ? `holds ${c.stateful}`
                        : "";
            lines.push(
                `| ${i + 1} | ${phase(c.type)} | ${symbol[c.op]} ${c.op} | \`${c.name}\` | ${short(c.type)} | ${what.replace(/\|/g, "\\|")} |`,
            );
        });
    }
    if (cost) {
        const d = { min: cost.after.min - cost.before.min, max: cost.after.max - cost.before.max };
        lines.push(
            "",
            `**Monthly cost** (on-demand, \`npm run synth\` basis): ${usd(cost.before.min)}–${usd(cost.before.max)} → ${usd(cost.after.min)}–${usd(cost.after.max)} (${signed(d.min)} at minimum, ${signed(d.max)} at maximum)`,
        );
    }
    return lines.join("\n") + "\n";
}

/** The facts the diff uses, as Markdown tables: `npm run diff -- --rules`. */
export function renderRules(): string {
    const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
    const lines = ["## Replace-triggering properties", "", row(["type", "paths", "source"]), row(["---", "---", "---"])];
    for (const [type, rule] of Object.entries(replaceRules))
        lines.push(row([type, rule.paths.map((p) => p || "(any input)").join(", "), rule.source]));
    lines.push(row(["kubernetes:* (every kind)", kubernetesMetadataRule.paths.join(", "), kubernetesMetadataRule.source]));
    for (const [kind, rule] of Object.entries(kubernetesReplaceRules))
        lines.push(row([`kubernetes:${kind}`, rule.paths.join(", "), rule.source]));
    lines.push("", "## Immutable custom-resource fields (rejected)", "", row(["type", "path", "source"]), row(["---", "---", "---"]));
    for (const [type, fields] of Object.entries(immutableFields)) for (const f of fields) lines.push(row([type, f.path, f.source]));
    lines.push("", "## Stateful resources (replace or delete refused)", "", row(["type", "holds"]), row(["---", "---"]));
    for (const r of statefulRules) lines.push(row([r.type + (r.when ? " (sealing keys)" : ""), r.holds]));
    return lines.join("\n") + "\n";
}
