/**
 * The little of GitHub's REST API the CI scripts need (issues and their comments), over `fetch`
 * so that tests can hand in a fake. Workflows pass the job's `GITHUB_TOKEN` with only the
 * permission the job needs (`issues: write` or `pull-requests: write`).
 */

export interface GitHubClient {
    /** `path` starts with `/` (e.g. `/repos/o/r/issues`); the body, if any, is sent as JSON. */
    request<T>(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<T>;
}

export type Fetch = (
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
    ok: boolean;
    status: number;
    statusText: string;
    text(): Promise<string>;
}>;

export function gitHubClient(token: string, apiUrl = "https://api.github.com", fetchFn: Fetch = fetch): GitHubClient {
    return {
        async request<T>(method: string, path: string, body?: unknown): Promise<T> {
            const response = await fetchFn(`${apiUrl.replace(/\/$/, "")}${path}`, {
                method,
                headers: {
                    accept: "application/vnd.github+json",
                    authorization: `Bearer ${token}`,
                    "x-github-api-version": "2022-11-28",
                    ...(body === undefined ? {} : { "content-type": "application/json" }),
                },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
            const text = await response.text();
            if (!response.ok)
                throw new Error(`GitHub API ${method} ${path}: ${response.status} ${response.statusText} ${text.slice(0, 500)}`);
            return (text ? JSON.parse(text) : undefined) as T;
        },
    };
}

/** GET every page of a list endpoint (100 items a page). */
export async function listAll<T>(client: GitHubClient, path: string): Promise<T[]> {
    const items: T[] = [];
    const separator = path.includes("?") ? "&" : "?";
    for (let page = 1; ; page++) {
        const batch = await client.request<T[]>("GET", `${path}${separator}per_page=100&page=${page}`);
        items.push(...batch);
        if (batch.length < 100) return items;
    }
}

/** What the scripts read from the Actions environment. */
export interface ActionsContext {
    /** `owner/name`. */
    repository: string;
    /** Link to the workflow run, for reports. */
    runUrl: string;
    client: GitHubClient;
}

export function actionsContext(env: NodeJS.ProcessEnv = process.env): ActionsContext {
    const missing = ["GITHUB_TOKEN", "GITHUB_REPOSITORY"].filter((name) => !env[name]);
    if (missing.length > 0) throw new Error(`missing environment variables: ${missing.join(", ")}`);
    const server = env.GITHUB_SERVER_URL ?? "https://github.com";
    return {
        repository: env.GITHUB_REPOSITORY!,
        runUrl: env.GITHUB_RUN_ID ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : "(run URL unknown)",
        client: gitHubClient(env.GITHUB_TOKEN!, env.GITHUB_API_URL),
    };
}

// Colour and cursor sequences; the workflows pass --color never, this is the safety net.
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
    return text.replace(ansi, "");
}

/**
 * Keeps the end of a long text (Pulumi prints its summary last) within `max` characters,
 * saying how much was cut. GitHub rejects issue and comment bodies over 65,536 characters.
 */
export function keepTail(text: string, max: number): string {
    if (text.length <= max) return text;
    const note = `… ${text.length - max} earlier characters cut; the full output is in the workflow run's log.\n`;
    return note + text.slice(text.length - max + note.length);
}

/** A fenced block that the text itself cannot close early. */
export function fenced(text: string, language = ""): string {
    const longestRun = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(longestRun + 1);
    return `${fence}${language}\n${text.replace(/\n+$/, "")}\n${fence}`;
}
