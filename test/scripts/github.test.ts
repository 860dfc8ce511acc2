import { strict as assert } from "node:assert";
import { actionsContext, Fetch, fenced, gitHubClient, keepTail, listAll, stripAnsi } from "../../scripts/ci/github";

describe("scripts/ci/github", () => {
    it("sends authenticated JSON requests to the API and parses the answer", async () => {
        const seen: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
        const fetchFn: Fetch = async (url, init) => {
            seen.push({ url, ...init });
            return { ok: true, status: 201, statusText: "Created", text: async () => '{"number":4}' };
        };
        const client = gitHubClient("tok", "https://ghe.example.com/api/v3/", fetchFn);
        assert.deepEqual(await client.request("POST", "/repos/o/r/issues", { title: "t" }), { number: 4 });
        assert.equal(seen[0].url, "https://ghe.example.com/api/v3/repos/o/r/issues");
        assert.equal(seen[0].headers.authorization, "Bearer tok");
        assert.equal(seen[0].headers["content-type"], "application/json");
        assert.equal(seen[0].body, '{"title":"t"}');
    });

    it("fails with the status and the API's message", async () => {
        const fetchFn: Fetch = async () => ({
            ok: false,
            status: 403,
            statusText: "Forbidden",
            text: async () => '{"message":"Resource not accessible by integration"}',
        });
        await assert.rejects(gitHubClient("t", undefined, fetchFn).request("GET", "/x"), /GET \/x: 403 Forbidden .*not accessible/);
    });

    it("lists every page", async () => {
        const pages: string[] = [];
        const client = {
            async request<T>(_method: string, url: string): Promise<T> {
                pages.push(url);
                const page = Number(new URLSearchParams(url.split("?")[1]).get("page"));
                return Array.from({ length: page < 3 ? 100 : 7 }, (_, i) => i) as T;
            },
        };
        assert.equal((await listAll(client, "/repos/o/r/issues?state=open")).length, 207);
        assert.deepEqual(pages, [
            "/repos/o/r/issues?state=open&per_page=100&page=1",
            "/repos/o/r/issues?state=open&per_page=100&page=2",
            "/repos/o/r/issues?state=open&per_page=100&page=3",
        ]);
    });

    it("reads the Actions environment and refuses to run without a token", () => {
        const context = actionsContext({
            GITHUB_TOKEN: "t",
            GITHUB_REPOSITORY: "o/r",
            GITHUB_RUN_ID: "9",
            GITHUB_SERVER_URL: "https://ghe.example.com",
        });
        assert.equal(context.repository, "o/r");
        assert.equal(context.runUrl, "https://ghe.example.com/o/r/actions/runs/9");
        assert.throws(() => actionsContext({ GITHUB_REPOSITORY: "o/r" }), /missing environment variables: GITHUB_TOKEN/);
    });

    it("strips colours, keeps the tail of long text, and fences text that contains fences", () => {
        assert.equal(stripAnsi("\u001b[1;31merror\u001b[0m: x"), "error: x");
        assert.equal(keepTail("short", 10), "short");
        const kept = keepTail("a".repeat(500) + "END", 200);
        assert.equal(kept.length, 200);
        assert.ok(kept.startsWith("… 303 earlier characters cut") && kept.endsWith("END"));
        assert.equal(fenced("x\n\n"), "```\nx\n```");
        assert.equal(fenced("```"), "````\n```\n````");
    });
});
