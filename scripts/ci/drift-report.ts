import { appendFileSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { actionsContext, fenced, GitHubClient, keepTail, listAll, stripAnsi } from "./github";

/**
 * Drift detection (`.github/workflows/drift.yml`). The job runs, for one stack,
 * `pulumi preview --refresh --expect-no-changes` on the commit the stack was last deployed from,
 * then this script turns the exit code and output into one of three outcomes:
 *
 * - `no-drift` (exit 0): the stack's open drift issue, if any, is closed with a comment.
 * - `drift` (exit 7, "changes where none were expected", Pulumi CLI ≥ 3.226): the stack's one drift
 *   issue (labels `drift` + `stack:<name>`) is opened or its body replaced with the new diff.
 * - `error` (any other exit code): the job fails and no issue is touched; a broken check is not drift.
 *
 * CLI:
 *   drift-report.ts deployed-commit --history <stack history JSON>   → `sha=<commit>` for $GITHUB_OUTPUT
 *   drift-report.ts report --stack <name> --exit-code <n> --output <file> --checked-sha <sha> [--history <file>]
 * `report` exits 0 for no-drift and drift, 1 for error, 2 for bad arguments.
 */

export type DriftStatus = "no-drift" | "drift" | "error";

/** The Pulumi CLI's exit code for `--expect-no-changes` when changes were found. */
export const changesFoundExitCode = 7;

export function classifyDrift(exitCode: number): DriftStatus {
    if (exitCode === 0) return "no-drift";
    if (exitCode === changesFoundExitCode) return "drift";
    return "error";
}

/** The stack's last update, from `pulumi stack history --json`. */
export interface DeployedCommit {
    sha: string;
    version?: number;
    startTime?: string;
    result?: string;
    /** The working tree had uncommitted changes when the update ran (`git.dirty`). */
    dirty: boolean;
}

interface HistoryEntry {
    version?: number;
    kind?: string;
    startTime?: string;
    result?: string;
    environment?: Record<string, string>;
}

/**
 * The commit the stack's most recent `update` ran from (the CLI records `git.head`), or undefined
 * when no update recorded one. Refreshes and previews do not count: they do not change resources.
 */
export function deployedCommit(historyJson: string): DeployedCommit | undefined {
    const entries = JSON.parse(historyJson) as HistoryEntry[];
    if (!Array.isArray(entries)) throw new Error("stack history: expected a JSON array");
    const updates = entries
        .filter((e) => e.kind === "update" && /^[0-9a-f]{40}$/.test(e.environment?.["git.head"] ?? ""))
        .sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
    const last = updates[0];
    if (!last) return undefined;
    return {
        sha: last.environment!["git.head"],
        version: last.version,
        startTime: last.startTime,
        result: last.result,
        dirty: last.environment!["git.dirty"] === "true",
    };
}

export interface DriftInput {
    stack: string;
    exitCode: number;
    /** Combined stdout and stderr of the preview. */
    output: string;
    runUrl: string;
    /** The commit whose program was previewed. */
    checkedSha: string;
    /** The stack's last update, when the history recorded its commit. */
    deployed?: DeployedCommit;
}

export interface DriftReport {
    stack: string;
    status: DriftStatus;
    title: string;
    body: string;
    labels: string[];
}

/** Room left in an issue body (GitHub's limit is 65,536 characters) after the text around the output. */
const maxOutputChars = 60_000;

export function driftReport(input: DriftInput): DriftReport {
    const status = classifyDrift(input.exitCode);
    const { stack } = input;
    const labels = ["drift", `stack:${stack}`];
    const output = fenced(keepTail(stripAnsi(input.output), maxOutputChars), "diff");
    const compared = describeComparison(input);
    const titles: Record<DriftStatus, string> = {
        "no-drift": `No drift in stack ${stack}`,
        drift: `Drift detected in stack ${stack}`,
        error: `Drift check failed for stack ${stack}`,
    };
    const bodies: Record<DriftStatus, string[]> = {
        "no-drift": [`No drift in stack \`${stack}\`: the cloud matches the stack. ${compared}`, "", `Run: ${input.runUrl}`],
        drift: [
            `<!-- ml-platform-drift:${stack} -->`,
            `The resources of stack \`${stack}\` no longer match what Pulumi would deploy. ${compared}`,
            "",
            `- Last checked: ${input.runUrl}`,
            "- Either revert the out-of-band change (`pulumi up` from the deployed commit puts the resources back), " +
                "or adopt it in code and deploy it through a pull request. Do not run `pulumi refresh` on its own: " +
                "it would hide the change in the state.",
            "- This issue is updated by every drift run and closed by the first run that finds no drift.",
            "",
            "<details><summary><code>pulumi preview --refresh --expect-no-changes</code> output</summary>",
            "",
            output,
            "",
            "</details>",
        ],
        error: [
            `The drift check of stack \`${stack}\` failed with exit code ${input.exitCode}; this is an error of the check ` +
                `(credentials, network, program, provider), not drift. ${compared}`,
            "",
            `Run: ${input.runUrl}`,
            "",
            output,
        ],
    };
    return { stack, status, title: titles[status], body: bodies[status].join("\n"), labels };
}

function describeComparison(input: DriftInput): string {
    const short = input.checkedSha.slice(0, 12);
    const { deployed } = input;
    if (deployed && deployed.sha === input.checkedSha) {
        const facts = [`update #${deployed.version ?? "?"}`, deployed.startTime, deployed.result].filter(Boolean).join(", ");
        const dirty = deployed.dirty
            ? " That update ran from a working tree with uncommitted changes, so some differences may be those."
            : "";
        return `Compared with commit ${short}, the source of the stack's last update (${facts}).${dirty}`;
    }
    return `The stack history records no deployed commit, so this compared with ${short}: changes not yet deployed show as drift too.`;
}

export interface Issue {
    number: number;
    title: string;
    body?: string | null;
    pull_request?: unknown;
}

export interface SyncResult {
    action: "created" | "updated" | "closed" | "none";
    issue?: number;
}

/**
 * Keeps exactly one open drift issue per stack: opened or updated on drift, closed on no drift,
 * left alone on error. Duplicates (two runs racing) are closed in favour of the oldest.
 */
export async function syncDriftIssue(client: GitHubClient, repository: string, report: DriftReport): Promise<SyncResult> {
    if (report.status === "error") return { action: "none" };
    const query = `state=open&labels=${encodeURIComponent(report.labels.join(","))}`;
    const open = (await listAll<Issue>(client, `/repos/${repository}/issues?${query}`))
        .filter((issue) => !issue.pull_request)
        .sort((a, b) => a.number - b.number);
    const [oldest, ...duplicates] = open;
    const issuePath = (n: number) => `/repos/${repository}/issues/${n}`;

    if (report.status === "no-drift") {
        for (const issue of open) {
            await client.request("POST", `${issuePath(issue.number)}/comments`, { body: report.body });
            await client.request("PATCH", issuePath(issue.number), { state: "closed", state_reason: "completed" });
        }
        return open.length > 0 ? { action: "closed", issue: oldest.number } : { action: "none" };
    }

    for (const duplicate of duplicates) {
        await client.request("POST", `${issuePath(duplicate.number)}/comments`, { body: `Duplicate of #${oldest.number}.` });
        await client.request("PATCH", issuePath(duplicate.number), { state: "closed", state_reason: "not_planned" });
    }
    if (oldest) {
        await client.request("PATCH", issuePath(oldest.number), { title: report.title, body: report.body });
        return { action: "updated", issue: oldest.number };
    }
    const created = await client.request<Issue>("POST", `/repos/${repository}/issues`, {
        title: report.title,
        body: report.body,
        labels: report.labels,
    });
    return { action: "created", issue: created.number };
}

/** The CLI without its process. */
export async function main(
    argv: string[],
    env: NodeJS.ProcessEnv = process.env,
    log: (line: string) => void = console.log,
): Promise<number> {
    const [command, ...rest] = argv;
    try {
        if (command === "deployed-commit") {
            const { values } = parseArgs({ args: rest, options: { history: { type: "string" } }, strict: true });
            const deployed = deployedCommit(readFileSync(required(values.history, "--history"), "utf8"));
            log(`sha=${deployed?.sha ?? ""}`);
            return 0;
        }
        if (command === "report") {
            const { values } = parseArgs({
                args: rest,
                options: {
                    stack: { type: "string" },
                    "exit-code": { type: "string" },
                    output: { type: "string" },
                    "checked-sha": { type: "string" },
                    history: { type: "string" },
                },
                strict: true,
            });
            const exitCode = Number(required(values["exit-code"], "--exit-code"));
            if (!Number.isInteger(exitCode)) throw new Error(`--exit-code ${values["exit-code"]}: not an integer`);
            const context = actionsContext(env);
            const report = driftReport({
                stack: required(values.stack, "--stack"),
                exitCode,
                output: readFileSync(required(values.output, "--output"), "utf8"),
                runUrl: context.runUrl,
                checkedSha: required(values["checked-sha"], "--checked-sha"),
                deployed: values.history ? deployedCommit(readFileSync(values.history, "utf8")) : undefined,
            });
            const result = await syncDriftIssue(context.client, context.repository, report);
            if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `## ${report.title}\n\n${report.body}\n`);
            const issue = result.issue ? ` (issue #${result.issue} ${result.action})` : "";
            const level = { "no-drift": "notice", drift: "warning", error: "error" }[report.status];
            log(`::${level}::${report.title}${issue}`);
            return report.status === "error" ? 1 : 0;
        }
        throw new Error(`unknown command ${command ?? "(none)"}; expected deployed-commit or report`);
    } catch (e) {
        log(`::error::drift-report: ${(e as Error).message}`);
        return 2;
    }
}

function required(value: string | undefined, flag: string): string {
    if (value === undefined || value === "") throw new Error(`${flag} is required`);
    return value;
}

if (require.main === module) main(process.argv.slice(2)).then((code) => (process.exitCode = code));
