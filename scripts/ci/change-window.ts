import { parseArgs } from "node:util";

/**
 * The production change window (SPEC §1): deploys to prod only on Tuesdays and Thursdays from
 * 10:00 (inclusive) to 14:00 (exclusive) UTC. The prod deploy job runs this script after the
 * environment approval, right before `pulumi up`: an approval given outside the window fails the
 * job instead of deploying.
 *
 * CLI: `npx ts-node --transpile-only scripts/ci/change-window.ts [--at <ISO-8601 instant>]`
 * prints the decision and exits 0 when the window is open, 1 when it is closed, 2 on bad input.
 */

/** A weekly window, in UTC. */
export interface ChangeWindow {
    /** Days of the week the window opens (0 = Sunday … 6 = Saturday, as `Date.getUTCDay`). */
    days: readonly number[];
    /** First minute of the day (UTC) inside the window. */
    startMinute: number;
    /** First minute of the day (UTC) after the window: the end is exclusive. */
    endMinute: number;
}

export const productionWindow: ChangeWindow = { days: [2, 4], startMinute: 10 * 60, endMinute: 14 * 60 };

export interface WindowDecision {
    open: boolean;
    /** One line for the job log: the instant checked, the verdict and, when closed, the next opening. */
    reason: string;
    /** When closed: the start of the next window. */
    nextOpening?: Date;
}

const dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Whether `at` lies inside the window. Only the instant matters: a Date's local time zone plays no part. */
export function checkChangeWindow(at: Date, window: ChangeWindow = productionWindow): WindowDecision {
    if (Number.isNaN(at.getTime())) throw new Error("checkChangeWindow: invalid date");
    const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
    const open = window.days.includes(at.getUTCDay()) && minute >= window.startMinute && minute < window.endMinute;
    const when = `${dayNames[at.getUTCDay()]} ${at.toISOString()}`;
    if (open) return { open, reason: `open: ${when} is inside the change window (${describeWindow(window)})` };
    const nextOpening = nextWindowStart(at, window);
    return {
        open,
        nextOpening,
        reason: `closed: ${when} is outside the change window (${describeWindow(window)}); next window opens ${dayNames[nextOpening.getUTCDay()]} ${nextOpening.toISOString()}`,
    };
}

/** "Tue/Thu 10:00–14:00 UTC". */
export function describeWindow(window: ChangeWindow): string {
    const days = window.days.map((d) => dayNames[d].slice(0, 3)).join("/");
    return `${days} ${clock(window.startMinute)}–${clock(window.endMinute)} UTC`;
}

/** The first window start strictly after `at`. */
export function nextWindowStart(at: Date, window: ChangeWindow): Date {
    if (window.days.length === 0) throw new Error("nextWindowStart: the window has no days");
    const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
    for (let offset = 0; offset <= 7; offset++) {
        const start = new Date(midnight + offset * 86_400_000 + window.startMinute * 60_000);
        if (start.getTime() > at.getTime() && window.days.includes(start.getUTCDay())) return start;
    }
    throw new Error("nextWindowStart: unreachable, a weekly window repeats within 7 days");
}

function clock(minuteOfDay: number): string {
    return `${String(Math.floor(minuteOfDay / 60)).padStart(2, "0")}:${String(minuteOfDay % 60).padStart(2, "0")}`;
}

/** The CLI without its process: returns the exit code and writes through `log`. */
export function main(argv: string[], now: () => Date = () => new Date(), log: (line: string) => void = console.log): number {
    let at: Date;
    try {
        const { values } = parseArgs({ args: argv, options: { at: { type: "string" } }, strict: true });
        at = values.at === undefined ? now() : new Date(values.at);
        if (Number.isNaN(at.getTime())) throw new Error(`--at ${values.at}: not an ISO-8601 date`);
    } catch (e) {
        log(`change-window: ${(e as Error).message}`);
        return 2;
    }
    const decision = checkChangeWindow(at);
    log(`Change window ${decision.reason}`);
    return decision.open ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
