import { runStack } from "../synth/mock-runtime";
import { stackNames } from "../synth/stack-files";
import { compareFacts, planFacts } from "./report";

/**
 * `npm run compare -- <stack> <stack>`: what differs between two stacks' plans, as Markdown: settings
 * (region, zones, CIDRs, endpoint, versions, domain, GitHub and GitOps sources), pools, quotas,
 * services, resource counts and cost per line.
 */
async function main(): Promise<number> {
    const [a, b] = process.argv.slice(2);
    const known = stackNames();
    if (!a || !b || !known.includes(a) || !known.includes(b)) {
        console.error(`usage: npm run compare -- <stack> <stack>; known stacks: ${known.join(", ")}`);
        return 2;
    }
    const facts = [];
    for (const stack of [a, b]) {
        const run = await runStack(stack);
        if (run.error) {
            console.error(run.error.message);
            return 1;
        }
        try {
            facts.push(planFacts(stack, run.resources));
        } catch (e) {
            console.error(`${stack}: ${(e as Error).message}`);
            return 1;
        }
    }
    console.log(compareFacts(facts[0], facts[1]));
    return 0;
}

main().then((code) => process.exit(code));
