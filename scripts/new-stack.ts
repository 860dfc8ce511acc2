import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { isMap, isScalar, parseDocument } from "yaml";
import { githubEnvironments, stackNameProblems } from "../src/config/stacks";
import { stackNames, stacksRoot } from "../src/synth/stack-files";
import { derivedFiles } from "./sync-stacks";

/**
 * `npm run new-stack -- <name> --from <stack>`: a new stack, copied from an existing one with
 * every value that names the source stack renamed (the `environment` key, namespace names such as
 * `platform-<stack>`, domain labels, the Slack channel, the GitOps path), comments kept; then the
 * derived files are regenerated as `npm run sync-stacks` does. Review the new file before the
 * first `pulumi up` (its VPC CIDR is the source's; change it if the two VPCs are ever peered).
 */
export function newStackText(sourceText: string, from: string, to: string): string {
    const doc = parseDocument(sourceText);
    const word = new RegExp(`(^|[^a-z0-9])${from}(?=$|[^a-z0-9])`, "g");
    const rename = (s: string) => s.replace(word, (_m, before: string) => `${before}${to}`);
    const config = doc.get("config");
    if (!isMap(config)) throw new Error("the source stack file has no config map");
    config.set("ml-platform:environment", to);
    const domain = config.get("ml-platform:domain");
    if (typeof domain === "string") config.set("ml-platform:domain", domain.includes(from) ? rename(domain) : `${to}.${domain}`);
    const namespaces = config.get("ml-platform:namespaces", true);
    if (isMap(namespaces)) {
        for (const item of namespaces.items)
            if (isScalar(item.key) && typeof item.key.value === "string") item.key.value = rename(item.key.value);
    }
    for (const keyPath of [
        ["ml-platform:alerting", "slack", "channel"],
        ["ml-platform:gitops", "path"],
    ]) {
        const value = doc.getIn(["config", ...keyPath]);
        if (typeof value === "string") doc.setIn(["config", ...keyPath], rename(value));
    }
    return doc.toString({ lineWidth: 0 });
}

async function main(): Promise<number> {
    const args = process.argv.slice(2);
    const fromIndex = args.indexOf("--from");
    const to = args.find((a, i) => !a.startsWith("--") && i !== fromIndex + 1);
    const from = fromIndex >= 0 ? args[fromIndex + 1] : undefined;
    const known = stackNames();
    if (!to || !from) {
        console.error(`usage: npm run new-stack -- <name> --from <stack>; known stacks: ${known.join(", ")}`);
        return 2;
    }
    if (!known.includes(from)) {
        console.error(`no stack ${from}; known stacks: ${known.join(", ")}`);
        return 2;
    }
    if (known.includes(to)) {
        console.error(`stack ${to} exists already (Pulumi.${to}.yaml)`);
        return 2;
    }
    const problems = stackNameProblems(to);
    if (problems.length > 0) {
        console.error(problems.join("\n"));
        return 2;
    }
    const file = path.join(stacksRoot, `Pulumi.${to}.yaml`);
    const text = newStackText(fs.readFileSync(path.join(stacksRoot, `Pulumi.${from}.yaml`), "utf8"), from, to);
    fs.writeFileSync(file, await prettier.format(text, { ...((await prettier.resolveConfig(file)) ?? {}), filepath: file }));
    console.log(`wrote ${path.relative(process.cwd(), file)} (from Pulumi.${from}.yaml)`);
    const { files } = await derivedFiles(stacksRoot);
    for (const [derived, text] of Object.entries(files)) {
        const target = path.join(stacksRoot, derived);
        if (fs.existsSync(target) && fs.readFileSync(target, "utf8") === text) continue;
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
        console.log(`wrote ${derived}`);
    }
    console.log(
        `next: review Pulumi.${to}.yaml (network.vpcCidr is ${from}'s), npm run snapshots:accept, npm test, ` +
            `pulumi stack init ${to}, and create the GitHub Environments ${Object.values(githubEnvironments(to)).join(", ")} (docs/ci.md)`,
    );
    return 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            console.error(e.message);
            process.exit(1);
        },
    );
}
