import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { checkChangeWindow, describeWindow, main, nextWindowStart, productionWindow } from "../../scripts/ci/change-window";

/* The prod change window, Tue/Thu 10:00–14:00 UTC: start inclusive, end exclusive. */

describe("scripts/ci/change-window", () => {
    // 2026-01-05 is a Monday.
    const cases: [string, string, boolean][] = [
        ["Monday 12:00", "2026-01-05T12:00:00Z", false],
        ["Tuesday 09:59:59", "2026-01-06T09:59:59Z", false],
        ["Tuesday 09:59:59.999", "2026-01-06T09:59:59.999Z", false],
        ["Tuesday 10:00:00", "2026-01-06T10:00:00Z", true],
        ["Tuesday 13:59:59", "2026-01-06T13:59:59Z", true],
        ["Tuesday 14:00:00", "2026-01-06T14:00:00Z", false],
        ["Wednesday 12:00", "2026-01-07T12:00:00Z", false],
        ["Thursday 10:00:00", "2026-01-08T10:00:00Z", true],
        ["Thursday 13:59:59", "2026-01-08T13:59:59Z", true],
        ["Thursday 14:00:00", "2026-01-08T14:00:00Z", false],
        ["Friday 12:00", "2026-01-09T12:00:00Z", false],
        ["Saturday 12:00", "2026-01-10T12:00:00Z", false],
        ["Sunday 12:00", "2026-01-11T12:00:00Z", false],
    ];
    for (const [title, iso, open] of cases) {
        it(`is ${open ? "open" : "closed"} on ${title} UTC`, () => {
            const decision = checkChangeWindow(new Date(iso));
            assert.equal(decision.open, open);
            assert.match(decision.reason, open ? /^open: / : /^closed: /);
        });
    }

    it("judges the instant, not the wall clock of a non-UTC input", () => {
        // 11:30 on Tuesday in New York (UTC−5) is 16:30 UTC: closed, although 11:30 looks inside.
        assert.equal(checkChangeWindow(new Date("2026-01-06T11:30:00-05:00")).open, false);
        // 23:30 on Monday in Honolulu (UTC−10) is Tuesday 09:30 UTC: closed; 00:30 Tuesday there is 10:30 UTC: open.
        assert.equal(checkChangeWindow(new Date("2026-01-05T23:30:00-10:00")).open, false);
        assert.equal(checkChangeWindow(new Date("2026-01-06T00:30:00-10:00")).open, true);
        // 16:00 on Thursday in Tokyo (UTC+9) is 07:00 UTC: closed; 20:00 there is 11:00 UTC: open.
        assert.equal(checkChangeWindow(new Date("2026-01-08T16:00:00+09:00")).open, false);
        assert.equal(checkChangeWindow(new Date("2026-01-08T20:00:00+09:00")).open, true);
    });

    it("names the next opening when closed", () => {
        const at = (iso: string) => nextWindowStart(new Date(iso), productionWindow).toISOString();
        assert.equal(at("2026-01-05T12:00:00Z"), "2026-01-06T10:00:00.000Z"); // Monday → Tuesday
        assert.equal(at("2026-01-06T09:59:59Z"), "2026-01-06T10:00:00.000Z"); // the same morning
        assert.equal(at("2026-01-06T14:00:00Z"), "2026-01-08T10:00:00.000Z"); // Tuesday after → Thursday
        assert.equal(at("2026-01-08T14:00:00Z"), "2026-01-13T10:00:00.000Z"); // Thursday after → next Tuesday
        assert.equal(at("2026-12-31T15:00:00Z"), "2027-01-05T10:00:00.000Z"); // across the year
        assert.match(checkChangeWindow(new Date("2026-01-09T12:00:00Z")).reason, /next window opens Tuesday 2026-01-13T10:00:00\.000Z/);
        assert.equal(describeWindow(productionWindow), "Tue/Thu 10:00–14:00 UTC");
    });

    it("refuses an invalid date", () => {
        assert.throws(() => checkChangeWindow(new Date("not a date")), /invalid date/);
    });

    describe("CLI", () => {
        const lines: string[] = [];
        const log = (line: string) => lines.push(line);
        beforeEach(() => (lines.length = 0));

        it("exits 0 in the window and 1 outside it, checking now by default", () => {
            assert.equal(
                main([], () => new Date("2026-01-08T11:00:00Z"), log),
                0,
            );
            assert.equal(
                main([], () => new Date("2026-01-08T14:00:00Z"), log),
                1,
            );
            assert.match(lines[1], /^Change window closed: Thursday/);
        });

        it("checks --at instead of now, and exits 2 on a bad argument", () => {
            const never = () => assert.fail("now() must not be called with --at");
            assert.equal(main(["--at", "2026-01-06T10:00:00Z"], never, log), 0);
            assert.equal(main(["--at", "tomorrow"], never, log), 2);
            assert.equal(main(["--bogus"], never, log), 2);
        });

        it("runs as the prod deploy job runs it", function () {
            this.timeout(60_000);
            const script = path.join(__dirname, "..", "..", "scripts", "ci", "change-window.ts");
            const run = (at: string) =>
                spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", script, "--at", at], {
                    encoding: "utf8",
                });
            const open = run("2026-01-06T13:59:59Z");
            assert.equal(open.status, 0, open.stderr);
            assert.match(open.stdout, /^Change window open: Tuesday 2026-01-06T13:59:59\.000Z/);
            assert.equal(run("2026-01-06T14:00:00Z").status, 1);
        });
    });
});
