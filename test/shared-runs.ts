import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sharedRunsDir } from "./harness";

/*
 * Mocha global fixtures (`.mocharc.json` requires this file). They run once, in mocha's main
 * process, before the parallel workers start: a scratch directory where the workers share the
 * unmodified stacks' runs (test/harness.ts `stackRun`), so each stack's program runs once per
 * `npm test`, not once per worker.
 */

let created: string | undefined;

export function mochaGlobalSetup(): void {
    if (process.env[sharedRunsDir]) return; // set by the caller: use theirs
    created = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-runs-"));
    process.env[sharedRunsDir] = created;
}

export function mochaGlobalTeardown(): void {
    if (created) fs.rmSync(created, { recursive: true, force: true });
}
