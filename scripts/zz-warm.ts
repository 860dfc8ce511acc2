import { runStack } from "/work/wt/i22/src/synth/mock-runtime";
async function main() {
    const n = Number(process.env.N ?? 4);
    for (let i = 0; i < n; i++) {
        const t = Date.now();
        const r = await runStack(process.env.STACK ?? "prod");
        console.log(i, r.resources.length, Date.now() - t, "ms", r.error?.message ?? "");
    }
}
main();
