import * as fs from "node:fs";
import { planSubnets } from "../aws/cidr";
import { parseConfig } from "../config";
import { checkFlows, describe, networkModel } from "../k8s/flows";
import { clusterView } from "../k8s/reachability";
import { runStack } from "../synth/mock-runtime";
import { ResourceRecord } from "../synth/inventory";
import { readStackConfig } from "../synth/stack-files";
import { namespacesOfKind } from "../k8s/baseline";
import { crossTeamWaits, deployOrderProblems } from "./deploy-order";

/**
 * `npm run behaviour -- --stack <name> [--inventory resources.json]`: how the stack would behave on
 * a real cluster. Judges its declared network flows (src/k8s/flows.ts) against its NetworkPolicies
 * under the VPC CNI's semantics, and its deploy order (src/plan/deploy-order.ts), including waits of
 * one team's objects on another team's (they make the dependency lists grow quadratically). Without
 * `--inventory` it runs the program offline first. Exit code 1 when any check fails.
 */
export async function main(argv: readonly string[]): Promise<number> {
    const arg = (flag: string) => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const stack = arg("--stack");
    if (!stack) {
        console.error("usage: npm run behaviour -- --stack <name> [--inventory resources.json]");
        return 2;
    }
    const { config: raw, secretKeys } = readStackConfig(stack);
    const config = parseConfig(stack, raw, (k) => secretKeys.includes(k));
    const file = arg("--inventory");
    let resources: ResourceRecord[];
    if (file) resources = JSON.parse(fs.readFileSync(file, "utf8")) as ResourceRecord[];
    else {
        const run = await runStack(stack);
        if (run.error) throw run.error;
        resources = run.resources;
    }
    const nodeCidrs = planSubnets(config.network.vpcCidr, config.network.availabilityZones).map((p) => p.privateCidr);
    const { required, denied } = checkFlows(networkModel(config), clusterView(resources, nodeCidrs));
    const failed = [
        ...required.filter((r) => !r.ok).map((r) => describe(r, "allowed")),
        ...denied.filter((r) => !r.ok).map((r) => describe(r, "denied")),
    ];
    console.log(
        `${stack}: ${required.filter((r) => r.ok).length}/${required.length} required flows allowed, ` +
            `${denied.filter((r) => r.ok).length}/${denied.length} must-deny flows denied`,
    );
    failed.forEach((line) => console.log(`  FAIL ${line}`));
    const order = deployOrderProblems(resources);
    console.log(`${stack}: deploy order: ${order.length} problem(s)`);
    order.forEach((p) => console.log(`  FAIL [${p.rule}] ${p.resource} needs ${p.needs}: ${p.detail}`));
    const teams = [...namespacesOfKind(config, "mlops"), ...namespacesOfKind(config, "workload")];
    const cross = crossTeamWaits(resources, teams);
    console.log(`${stack}: ${cross.length} wait(s) of a team's object on another team's (${teams.length} teams)`);
    cross.forEach((w) => console.log(`  FAIL ${w.namespace}/${w.resource} waits for ${w.otherNamespace}/${w.waitsFor}`));
    return failed.length + order.length + cross.length ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
