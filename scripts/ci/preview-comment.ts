import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { actionsContext, fenced, GitHubClient, keepTail, listAll, stripAnsi } from "./github";

/**
 * Posts one stack's `pulumi preview` on its pull request as a comment, and edits that comment in
 * place on every later push (one comment per stack, found by a hidden marker).
 *
 * CLI: `preview-comment.ts --stack <name> --exit-code <n> --output <file> --pr <number> --sha <commit>
 * [--plan-diff <file> --plan-diff-exit-code <n>]` posts the comment, then exits with 0 when the
 * preview succeeded and 1 when it failed (an error, or a policy violation), so the job fails after
 * the diff is on the pull request. Exit code -1 means the preview never ran: the comment then says
 * so instead of showing an outdated diff. The plan diff (`npm run diff` against the pull request's
 * base, with the cost delta) is shown beside the preview; its exit code 2 (a change EKS or the
 * cluster would reject, or a stateful resource replaced or deleted) fails the job too.
 */

export interface PreviewInput {
    stack: string;
    exitCode: number;
    output: string;
    runUrl: string;
    sha: string;
    /** `npm run diff` against the base branch: its Markdown and exit code (-1: it did not run). */
    planDiff?: { exitCode: number; text: string };
}

/** Room left in a comment (GitHub's limit is 65,536 characters) after the text around the output. */
const maxOutputChars = 60_000;

export function commentMarker(stack: string): string {
    return `<!-- ml-platform-preview:${stack} -->`;
}

/** The "Resources:" block Pulumi prints at the end of a preview, or undefined if there is none. */
export function resourceSummary(output: string): string | undefined {
    const lines = stripAnsi(output).split("\n");
    const start = lines.findIndex((line) => line.trim() === "Resources:");
    if (start < 0) return undefined;
    const block: string[] = [];
    for (const line of lines.slice(start + 1)) {
        if (!/^\s+\S/.test(line)) break;
        block.push(line.trim());
    }
    return block.length > 0 ? block.join(", ") : undefined;
}

/** The exit code workflows pass when the preview step did not run (an earlier step failed). */
export const notRun = -1;

export function renderPreviewComment(input: PreviewInput): string {
    const ok = input.exitCode === 0;
    const summary = resourceSummary(input.output);
    const status = ok
        ? `:white_check_mark: succeeded${summary ? `: ${summary}` : ""}`
        : input.exitCode === notRun
          ? ":x: did not run: a step before it failed (install, credentials); see the workflow run"
          : `:x: failed with exit code ${input.exitCode} (an error or a mandatory policy violation; see the output)`;
    return [
        commentMarker(input.stack),
        `### \`pulumi preview\` of stack \`${input.stack}\``,
        "",
        `${status}`,
        "",
        `Commit ${input.sha.slice(0, 12)} · [workflow run](${input.runUrl}) · policy pack \`policy/\` enforced`,
        "",
        ...planDiffSection(input.planDiff),
        `<details${ok ? "" : " open"}><summary>Output</summary>`,
        "",
        fenced(keepTail(stripAnsi(input.output), maxOutputChars - (input.planDiff?.text.length ?? 0)), "diff"),
        "",
        "</details>",
    ].join("\n");
}

/** The plan diff's part of the comment: its own Markdown, or why it is missing. */
function planDiffSection(planDiff: PreviewInput["planDiff"]): string[] {
    if (!planDiff) return [];
    if (planDiff.exitCode === notRun) return [":x: `npm run diff` did not run (a step before it failed)", ""];
    if (planDiff.exitCode !== 0 && planDiff.exitCode !== 2) {
        return [
            `:x: \`npm run diff\` failed with exit code ${planDiff.exitCode}: the plan could not be rendered (see the workflow run)`,
            "",
        ];
    }
    return [planDiff.text.trim(), ""];
}

interface Comment {
    id: number;
    body?: string | null;
}

/** Edits the stack's existing comment on the pull request, or creates it. */
export async function upsertPreviewComment(
    client: GitHubClient,
    repository: string,
    pullRequest: number,
    stack: string,
    body: string,
): Promise<{ action: "created" | "updated"; id: number }> {
    const comments = await listAll<Comment>(client, `/repos/${repository}/issues/${pullRequest}/comments`);
    const existing = comments.find((comment) => comment.body?.startsWith(commentMarker(stack)));
    if (existing) {
        await client.request("PATCH", `/repos/${repository}/issues/comments/${existing.id}`, { body });
        return { action: "updated", id: existing.id };
    }
    const created = await client.request<Comment>("POST", `/repos/${repository}/issues/${pullRequest}/comments`, { body });
    return { action: "created", id: created.id };
}

/** The CLI without its process. */
export async function main(
    argv: string[],
    env: NodeJS.ProcessEnv = process.env,
    log: (line: string) => void = console.log,
): Promise<number> {
    try {
        const { values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                "exit-code": { type: "string" },
                output: { type: "string" },
                pr: { type: "string" },
                sha: { type: "string" },
                "plan-diff": { type: "string" },
                "plan-diff-exit-code": { type: "string" },
            },
            strict: true,
        });
        const exitCode = Number(values["exit-code"]);
        const pullRequest = Number(values.pr);
        if (
            !values.stack ||
            !values.output ||
            !values.sha ||
            !Number.isInteger(exitCode) ||
            !Number.isInteger(pullRequest) ||
            pullRequest < 1
        ) {
            throw new Error("usage: --stack <name> --exit-code <n> --output <file> --pr <number> --sha <commit>");
        }
        const context = actionsContext(env);
        const body = renderPreviewComment({
            stack: values.stack,
            exitCode,
            output: existsSync(values.output) ? readFileSync(values.output, "utf8") : "(no output)",
            runUrl: context.runUrl,
            sha: values.sha,
            ...(values["plan-diff"] !== undefined
                ? {
                      planDiff: {
                          exitCode: Number(values["plan-diff-exit-code"] ?? notRun),
                          text: existsSync(values["plan-diff"]) ? readFileSync(values["plan-diff"], "utf8") : "",
                      },
                  }
                : {}),
        });
        const result = await upsertPreviewComment(context.client, context.repository, pullRequest, values.stack, body);
        log(`Preview of ${values.stack} ${result.action} as comment ${result.id} on #${pullRequest}`);
        if (exitCode !== 0) log(`::error::pulumi preview of ${values.stack} failed with exit code ${exitCode}`);
        const diffExit = values["plan-diff"] !== undefined ? Number(values["plan-diff-exit-code"] ?? notRun) : 0;
        if (diffExit !== 0) log(`::error::npm run diff of ${values.stack} refused the change or failed (exit code ${diffExit})`);
        return exitCode === 0 && diffExit === 0 ? 0 : 1;
    } catch (e) {
        log(`::error::preview-comment: ${(e as Error).message}`);
        return 2;
    }
}

if (require.main === module) main(process.argv.slice(2)).then((code) => (process.exitCode = code));
