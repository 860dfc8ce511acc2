import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { GitHubClient } from "../../scripts/ci/github";
import { commentMarker, main, notRun, renderPreviewComment, resourceSummary, upsertPreviewComment } from "../../scripts/ci/preview-comment";

/* One comment per stack on the pull request, edited in place. */

const output = [
    "Previewing update (staging):",
    "  + aws:ecr/repository:Repository: (create)",
    '      name: "ml-platform-staging/dbt"',
    "Resources:",
    "    + 1 to create",
    "    ~ 2 to update",
    "    140 unchanged",
    "",
    "Duration: 41s",
].join("\n");
const input = { stack: "staging", exitCode: 0, output, runUrl: "https://github.com/o/r/actions/runs/7", sha: "abcdef0123456789" };

class FakeComments implements GitHubClient {
    readonly writes: string[] = [];
    constructor(public comments: { id: number; body: string }[] = []) {}
    async request<T>(method: string, url: string, body?: unknown): Promise<T> {
        if (method === "GET") {
            const page = Number(new URLSearchParams(url.split("?")[1]).get("page"));
            return this.comments.slice((page - 1) * 100, page * 100) as T;
        }
        this.writes.push(`${method} ${url}`);
        const text = (body as { body: string }).body;
        if (method === "POST") {
            this.comments.push({ id: 900 + this.comments.length, body: text });
            return this.comments.at(-1) as T;
        }
        this.comments.find((c) => url.endsWith(`/comments/${c.id}`))!.body = text;
        return {} as T;
    }
}

describe("scripts/ci/preview-comment", () => {
    it("summarises the resource changes Pulumi printed", () => {
        assert.equal(resourceSummary(output), "+ 1 to create, ~ 2 to update, 140 unchanged");
        assert.equal(resourceSummary("error: could not load plugin"), undefined);
    });

    it("renders a successful preview: marker first, summary, the diff folded", () => {
        const body = renderPreviewComment(input);
        assert.ok(body.startsWith(commentMarker("staging")));
        assert.match(body, /:white_check_mark: succeeded: \+ 1 to create, ~ 2 to update, 140 unchanged/);
        assert.match(body, /Commit abcdef012345 · \[workflow run\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/7\)/);
        assert.match(body, /<details><summary>Output<\/summary>\n\n```diff\nPreviewing update/);
    });

    it("renders a failed preview (an error or a policy violation) unfolded", () => {
        const body = renderPreviewComment({ ...input, exitCode: 255, output: "error: mandatory policy violation: ecr-scan-on-push" });
        assert.match(body, /:x: failed with exit code 255/);
        assert.match(body, /<details open>/);
    });

    it("says so when the preview never ran, rather than leave an outdated diff", () => {
        assert.match(
            renderPreviewComment({ ...input, exitCode: notRun, output: "(no output)" }),
            /:x: did not run: a step before it failed/,
        );
    });

    it("shows the plan diff beside the preview, and says so when it could not run", () => {
        const text = "### Plan diff of stack `staging` against `origin/main`\n\n**Verdict: refused** (exit 2)";
        const body = renderPreviewComment({ ...input, planDiff: { exitCode: 2, text } });
        assert.ok(body.indexOf("Verdict: refused") < body.indexOf("<details"), "the plan diff comes before the raw output");
        assert.match(renderPreviewComment({ ...input, planDiff: { exitCode: notRun, text: "" } }), /`npm run diff` did not run/);
        assert.match(renderPreviewComment({ ...input, planDiff: { exitCode: 1, text: "" } }), /could not be rendered/);
    });

    it("cannot be broken by backticks in the output", () => {
        const body = renderPreviewComment({ ...input, output: "a ``` b\n````" });
        assert.match(body, /`````diff\na ``` b\n````\n`````/);
    });

    it("creates the stack's comment once, then edits it, leaving other stacks' comments alone", async () => {
        const fake = new FakeComments([{ id: 1, body: `${commentMarker("prod")}\nprod` }]);
        assert.deepEqual(await upsertPreviewComment(fake, "o/r", 12, "staging", "first"), { action: "created", id: 901 });
        assert.deepEqual(await upsertPreviewComment(fake, "o/r", 12, "staging", `${commentMarker("staging")}\nsecond`), {
            action: "created",
            id: 902,
        });
        assert.deepEqual(await upsertPreviewComment(fake, "o/r", 12, "staging", `${commentMarker("staging")}\nthird`), {
            action: "updated",
            id: 902,
        });
        assert.deepEqual(fake.writes, [
            "POST /repos/o/r/issues/12/comments",
            "POST /repos/o/r/issues/12/comments",
            "PATCH /repos/o/r/issues/comments/902",
        ]);
        assert.equal(fake.comments[0].body, `${commentMarker("prod")}\nprod`);
    });

    it("finds the stack's comment beyond the first page", async () => {
        const comments = Array.from({ length: 130 }, (_, i) => ({ id: i, body: i === 120 ? `${commentMarker("dev")}\nold` : "chatter" }));
        const fake = new FakeComments(comments);
        assert.deepEqual(await upsertPreviewComment(fake, "o/r", 3, "dev", "new"), { action: "updated", id: 120 });
    });

    describe("CLI", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "preview-"));
        const file = path.join(dir, "preview.txt");
        writeFileSync(file, output);

        async function run(exitCode: string) {
            const calls: string[] = [];
            const realFetch = globalThis.fetch;
            globalThis.fetch = (async (url: string, init: { method: string }) => {
                calls.push(`${init.method} ${new URL(url).pathname}`);
                return new Response(init.method === "GET" ? "[]" : JSON.stringify({ id: 5 }), { status: 200 });
            }) as typeof fetch;
            const lines: string[] = [];
            try {
                const env = { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "o/r", GITHUB_RUN_ID: "7" };
                const args = ["--stack", "staging", "--exit-code", exitCode, "--output", file, "--pr", "12", "--sha", input.sha];
                return { code: await main(args, env, (l) => lines.push(l)), calls, lines };
            } finally {
                globalThis.fetch = realFetch;
            }
        }

        it("posts the comment and exits 0 when the preview succeeded", async () => {
            const { code, calls } = await run("0");
            assert.equal(code, 0);
            assert.deepEqual(calls, ["GET /repos/o/r/issues/12/comments", "POST /repos/o/r/issues/12/comments"]);
        });

        it("posts the comment, then fails the job when the preview failed", async () => {
            const { code, calls, lines } = await run("255");
            assert.equal(code, 1);
            assert.equal(calls.length, 2);
            assert.match(lines.at(-1)!, /^::error::pulumi preview of staging failed with exit code 255/);
        });

        it("reports a preview that never ran (no output file) and fails", async () => {
            const realFetch = globalThis.fetch;
            let posted = "";
            globalThis.fetch = (async (_url: string, init: { method: string; body?: string }) => {
                if (init.body) posted = JSON.parse(init.body).body;
                return new Response(init.method === "GET" ? "[]" : JSON.stringify({ id: 5 }), { status: 200 });
            }) as typeof fetch;
            try {
                const env = { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "o/r" };
                const args = [
                    "--stack",
                    "prod",
                    // As the workflow passes it: a negative value needs the = form.
                    "--exit-code=-1",
                    "--output",
                    path.join(dir, "missing.txt"),
                    "--pr",
                    "12",
                    "--sha",
                    input.sha,
                ];
                assert.equal(await main(args, env, () => undefined), 1);
                assert.match(posted, /did not run[\s\S]*\(no output\)/);
            } finally {
                globalThis.fetch = realFetch;
            }
        });

        it("fails the job after posting when the plan diff refused the change", async () => {
            const diffFile = path.join(dir, "plan-diff.md");
            writeFileSync(diffFile, "**Verdict: refused** (exit 2)");
            const realFetch = globalThis.fetch;
            let posted = "";
            globalThis.fetch = (async (_url: string, init: { method: string; body?: string }) => {
                if (init.body) posted = JSON.parse(init.body).body;
                return new Response(init.method === "GET" ? "[]" : JSON.stringify({ id: 5 }), { status: 200 });
            }) as typeof fetch;
            try {
                const env = { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "o/r" };
                const base = [
                    "--stack",
                    "prod",
                    "--exit-code=0",
                    "--output",
                    file,
                    "--pr",
                    "12",
                    "--sha",
                    input.sha,
                    "--plan-diff",
                    diffFile,
                ];
                const lines: string[] = [];
                assert.equal(await main([...base, "--plan-diff-exit-code=2"], env, (l) => lines.push(l)), 1);
                assert.match(posted, /Verdict: refused/);
                assert.match(lines.at(-1)!, /npm run diff of prod refused the change/);
                assert.equal(await main([...base, "--plan-diff-exit-code=0"], env, () => undefined), 0);
            } finally {
                globalThis.fetch = realFetch;
            }
        });

        it("exits 2 on missing arguments", async () => {
            assert.equal(await main(["--stack", "dev"], {}, () => undefined), 2);
        });
    });
});
