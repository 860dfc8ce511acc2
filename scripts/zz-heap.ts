import * as v8 from "node:v8";
import * as pulumi from "@pulumi/pulumi";
import { runStack } from "../src/synth/mock-runtime";
const at = Number(process.env.SNAP_AT ?? 0);
const settings = require("@pulumi/pulumi/runtime/settings");
const origSet = settings.setMockOptions;
let peak = 0, peakAt = 0;
const hook = (monitor: any) => {
    const orig = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        const n = monitor.records.length;
        if (n % 50 === 0) { const h = process.memoryUsage().heapUsed; if (h > peak) { peak = h; peakAt = n; } }
        if (at && n === at) { global.gc?.(); console.log("snapshot at", n, v8.writeHeapSnapshot("/tmp/i22/heap.heapsnapshot")); }
        return orig(req, cb);
    };
};
try { (pulumi.runtime as any).setMockOptions = (m: any, ...rest: any[]) => { hook(m); return origSet(m, ...rest); }; } catch (e) { console.log("cannot patch", e); }
runStack("prod").then((r) => {
    console.log(r.resources.length, "peak heapUsed MiB", (peak / 2 ** 20).toFixed(1), "at", peakAt, "rss max", (process.resourceUsage().maxRSS / 1024).toFixed(1), r.error?.message ?? "");
    process.exit(0);
});
