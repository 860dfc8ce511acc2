import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { classifyDrift, deployedCommit, driftReport, DriftInput, Issue, main, syncDriftIssue } from "../../scripts/ci/drift-report";
import { GitHubClient } from "../../scripts/ci/github";

/* The drift job's three outcomes — no drift, drift, error — and the one issue per stack. */

const sha = "0123456789abcdef0123456789abcdef01234567";
const driftOutput = [
    "Previewing update (prod):",
    "  ~ aws:eks/cluster:Cluster: (update)",
    "      ~ vpcConfig: {",
    "          ~ endpointPublicAccess: true => false",
    "Resources:",
    "    ~ 1 to update",
    "    211 unchanged",
    "error: no changes were expected but changes were proposed",
].join("\n");
const input = (exitCode: number, extra: Partial<DriftInput> = {}): DriftInput => ({
    stack: "prod",
    exitCode,
    output: driftOutput,
    runUrl: "https://github.com/company/ml-platform/actions/runs/42",
    checkedSha: sha,
    ...extra,
});

/** A fake of the GitHub issues API: open issues by label, and a log of every write. */
class FakeIssues implements GitHubClient {
    readonly writes: string[] = [];
    constructor(public issues: (Issue & { labels: string[]; state: string })[] = []) {}
    async request<T>(method: string, url: string, body?: unknown): Promise<T> {
        const b = body as Record<string, unknown>;
        if (method === "GET") {
            const query = new URLSearchParams(url.split("?")[1]);
            const labels = query.get("labels")!.split(",");
            const page = Number(query.get("page"));
            const open = this.issues.filter((i) => i.state === "open" && labels.every((l) => i.labels.includes(l)));
            return open.slice((page - 1) * 100, page * 100) as T;
        }
        this.writes.push(`${method} ${url.replace("/repos/company/ml-platform", "")} ${JSON.stringify(Object.keys(b))}`);
        const number = Number(/issues\/(\d+)$/.exec(url)?.[1]);
        if (method === "PATCH" && b.state) this.issues.find((i) => i.number === number)!.state = String(b.state);
        if (method === "POST" && url.endsWith("/issues")) {
            const issue = {
                number: 100 + this.issues.length,
                title: String(b.title),
                body: String(b.body),
                labels: b.labels as string[],
                state: "open",
            };
            this.issues.push(issue);
            return issue as T;
        }
        return {} as T;
    }
}
const issue = (number: number, stack = "prod", state = "open") => ({
    number,
    title: `Drift detected in stack ${stack}`,
    labels: ["drift", `stack:${stack}`],
    state,
});

describe("scripts/ci/drift-report", () => {
    describe("classifies the preview's exit code", () => {
        it("0: no drift", () => assert.equal(classifyDrift(0), "no-drift"));
        it("7 (changes where none were expected): drift", () => assert.equal(classifyDrift(7), "drift"));
        for (const code of [1, 2, 3, 6, 255, -1]) it(`${code}: an error, never drift`, () => assert.equal(classifyDrift(code), "error"));
    });

    describe("the report", () => {
        it("for drift: the diff, the commit compared, what to do, and the stack's labels", () => {
            const deployed = { sha, version: 12, startTime: "2026-01-06T10:20:00Z", result: "succeeded", dirty: false };
            const report = driftReport(input(7, { deployed }));
            assert.equal(report.status, "drift");
            assert.equal(report.title, "Drift detected in stack prod");
            assert.deepEqual(report.labels, ["drift", "stack:prod"]);
            assert.match(report.body, /endpointPublicAccess: true => false/);
            assert.match(report.body, /the source of the stack's last update \(update #12, 2026-01-06T10:20:00Z, succeeded\)/);
            assert.match(report.body, /actions\/runs\/42/);
        });

        it("for an error: says it is an error of the check, not drift", () => {
            const report = driftReport(input(255, { output: "error: failed to assume role" }));
            assert.equal(report.status, "error");
            assert.equal(report.title, "Drift check failed for stack prod");
            assert.match(report.body, /exit code 255; this is an error of the check/);
        });

        it("says when it could not compare with the deployed commit", () => {
            assert.match(driftReport(input(7)).body, /records no deployed commit, so this compared with 0123456789ab/);
        });

        it("strips colours and keeps a long output's end within GitHub's body limit", () => {
            const long = "\u001b[31m" + "x".repeat(100_000) + "\u001b[0m\nResources:\n    ~ 1 to update";
            const report = driftReport(input(7, { output: long }));
            assert.ok(report.body.length < 65_536);
            assert.ok(!report.body.includes("\u001b"));
            assert.match(report.body, /earlier characters cut[\s\S]*~ 1 to update/);
        });
    });

    describe("the deployed commit, from `pulumi stack history --json`", () => {
        const entry = (version: number, kind: string, head?: string, dirty = false) => ({
            version,
            kind,
            startTime: `2026-01-0${version}T10:00:00Z`,
            result: "succeeded",
            environment: head ? { "git.head": head, "git.dirty": String(dirty), "exec.kind": "cli" } : { "exec.kind": "cli" },
        });

        it("is the git.head of the newest update, whatever the order, skipping refreshes", () => {
            const other = "f".repeat(40);
            const history = [
                entry(2, "update", other),
                entry(4, "refresh", "a".repeat(40)),
                entry(3, "update", sha, true),
                entry(1, "update", other),
            ];
            assert.deepEqual(deployedCommit(JSON.stringify(history)), {
                sha,
                version: 3,
                startTime: "2026-01-03T10:00:00Z",
                result: "succeeded",
                dirty: true,
            });
        });

        it("is undefined when no update recorded a commit", () => {
            assert.equal(deployedCommit(JSON.stringify([entry(1, "update"), entry(2, "refresh", sha)])), undefined);
            assert.equal(deployedCommit("[]"), undefined);
            assert.throws(() => deployedCommit("{}"), /expected a JSON array/);
        });
    });

    describe("the stack's one issue", () => {
        const repo = "company/ml-platform";

        it("no drift, no issue: touches nothing", async () => {
            const fake = new FakeIssues([issue(1, "dev")]);
            assert.deepEqual(await syncDriftIssue(fake, repo, driftReport(input(0))), { action: "none" });
            assert.deepEqual(fake.writes, []);
        });

        it("drift, no issue: opens one with the stack's labels", async () => {
            const fake = new FakeIssues([issue(1, "dev")]);
            assert.deepEqual(await syncDriftIssue(fake, repo, driftReport(input(7))), { action: "created", issue: 101 });
            assert.deepEqual(fake.issues.at(-1)!.labels, ["drift", "stack:prod"]);
            assert.deepEqual(fake.writes, ['POST /issues ["title","body","labels"]']);
        });

        it("drift again: updates the open issue in place, opens no second one", async () => {
            const fake = new FakeIssues([issue(5)]);
            assert.deepEqual(await syncDriftIssue(fake, repo, driftReport(input(7))), { action: "updated", issue: 5 });
            assert.deepEqual(fake.writes, ['PATCH /issues/5 ["title","body"]']);
        });

        it("drift with duplicates (racing runs): keeps the oldest, closes the others", async () => {
            const fake = new FakeIssues([issue(9), issue(5), issue(7, "prod", "closed")]);
            assert.deepEqual(await syncDriftIssue(fake, repo, driftReport(input(7))), { action: "updated", issue: 5 });
            assert.deepEqual(fake.writes, [
                'POST /issues/9/comments ["body"]',
                'PATCH /issues/9 ["state","state_reason"]',
                'PATCH /issues/5 ["title","body"]',
            ]);
        });

        it("no drift after drift: comments and closes the issue", async () => {
            const fake = new FakeIssues([issue(5)]);
            assert.deepEqual(await syncDriftIssue(fake, repo, driftReport(input(0))), { action: "closed", issue: 5 });
            assert.equal(fake.issues[0].state, "closed");
            assert.deepEqual(fake.writes, ['POST /issues/5/comments ["body"]', 'PATCH /issues/5 ["state","state_reason"]']);
        });

        it("an error: leaves an open drift issue as it is (an error is not drift, nor its absence)", async () => {
            const fake = new FakeIssues([issue(5)]);
            assert.deepEqual(await syncDriftIssue(fake, repo, driftReport(input(255))), { action: "none" });
            assert.deepEqual(fake.writes, []);
        });

        it("finds the stack's issue on any page", async () => {
            const many = Array.from({ length: 150 }, (_, i) => issue(1000 + i, i === 149 ? "prod" : "dev"));
            const fake = new FakeIssues(many);
            assert.deepEqual(await syncDriftIssue(fake, repo, driftReport(input(7))), { action: "updated", issue: 1149 });
        });
    });

    describe("CLI", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "drift-"));
        const outputFile = path.join(dir, "preview.txt");
        const historyFile = path.join(dir, "history.json");
        writeFileSync(outputFile, driftOutput);
        writeFileSync(historyFile, JSON.stringify([{ version: 3, kind: "update", environment: { "git.head": sha } }]));

        /** Runs `report` against a fake GitHub API served through a stubbed global fetch. */
        async function report(exitCode: string, issues: ReturnType<typeof issue>[] = []) {
            const fake = new FakeIssues(issues);
            const summary = path.join(dir, `summary-${exitCode}.md`);
            writeFileSync(summary, "");
            const lines: string[] = [];
            const realFetch = globalThis.fetch;
            globalThis.fetch = (async (url: string, init: { method: string; body?: string }) => {
                const result = await fake.request(
                    init.method,
                    new URL(url).pathname + new URL(url).search,
                    init.body ? JSON.parse(init.body) : undefined,
                );
                return new Response(JSON.stringify(result ?? {}), { status: 200 });
            }) as typeof fetch;
            try {
                const env = {
                    GITHUB_TOKEN: "t",
                    GITHUB_REPOSITORY: "company/ml-platform",
                    GITHUB_RUN_ID: "42",
                    GITHUB_STEP_SUMMARY: summary,
                };
                const args = [
                    "report",
                    "--stack",
                    "prod",
                    "--exit-code",
                    exitCode,
                    "--output",
                    outputFile,
                    "--checked-sha",
                    sha,
                    "--history",
                    historyFile,
                ];
                const code = await main(args, env, (l) => lines.push(l));
                return { code, lines, fake, summary: readFileSync(summary, "utf8") };
            } finally {
                globalThis.fetch = realFetch;
            }
        }

        it("prints the deployed commit for $GITHUB_OUTPUT, empty when there is none", async () => {
            const lines: string[] = [];
            assert.equal(await main(["deployed-commit", "--history", historyFile], {}, (l) => lines.push(l)), 0);
            writeFileSync(path.join(dir, "empty.json"), "[]");
            assert.equal(await main(["deployed-commit", "--history", path.join(dir, "empty.json")], {}, (l) => lines.push(l)), 0);
            assert.deepEqual(lines, [`sha=${sha}`, "sha="]);
        });

        it("drift: opens the issue, warns, and exits 0", async () => {
            const { code, lines, fake, summary } = await report("7");
            assert.equal(code, 0);
            assert.deepEqual(lines, ["::warning::Drift detected in stack prod (issue #100 created)"]);
            assert.equal(fake.issues.length, 1);
            assert.match(summary, /^## Drift detected in stack prod/);
        });

        it("no drift: closes the open issue and exits 0", async () => {
            const { code, lines, fake } = await report("0", [issue(3)]);
            assert.equal(code, 0);
            assert.deepEqual(lines, ["::notice::No drift in stack prod (issue #3 closed)"]);
            assert.equal(fake.issues[0].state, "closed");
        });

        it("error: touches no issue and exits 1", async () => {
            const { code, lines, fake } = await report("255", [issue(3)]);
            assert.equal(code, 1);
            assert.deepEqual(lines, ["::error::Drift check failed for stack prod"]);
            assert.deepEqual(fake.writes, []);
        });

        it("exits 2 on bad arguments or a missing token", async () => {
            const lines: string[] = [];
            assert.equal(await main(["report", "--stack", "prod", "--exit-code", "seven"], {}, (l) => lines.push(l)), 2);
            assert.equal(
                await main(["report", "--stack", "prod", "--exit-code", "7", "--output", outputFile, "--checked-sha", sha], {}, (l) =>
                    lines.push(l),
                ),
                2,
            );
            assert.equal(await main(["bogus"], {}, (l) => lines.push(l)), 2);
            assert.match(
                lines.join("\n"),
                /--exit-code seven: not an integer[\s\S]*missing environment variables: GITHUB_TOKEN, GITHUB_REPOSITORY[\s\S]*unknown command bogus/,
            );
        });
    });
});
