import * as fs from "node:fs";
import * as path from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { blastRequests, ciRolePolicies, expectedDecision, roleTable } from "../../src/aws/blast-radius";
import { CiRoleKind, ciRoleKinds, ciScope, CiScope } from "../../src/aws/ci-scope";
import { projectRoot, readStackConfig, stackNames } from "../../src/synth/stack-files";

/*
 * The blast-radius matrix evaluated by a real IAM policy evaluator: @cloud-copilot/iam-simulate
 * (AWS's evaluation logic: identity policies, permissions boundaries, resource policies such as KMS
 * key policies, cross-account rules). It is AGPL-3.0 and a devDependency only: this script and the
 * tests use it; the program (src/) never imports it.
 *
 *   npm run blast-radius                  prints every stack's matrix (both layouts)
 *   npm run docs:ci-roles                 writes the role table into docs/ci.md and bootstrap/README.md
 */

/** Where the environments live: one account for all, or one account per environment. */
export type Layout = "one-account" | "account-per-environment";
export const layouts: readonly Layout[] = ["one-account", "account-per-environment"];

const sharedAccount = "123456789012";
const perEnvironmentAccount = (index: number) => String(index + 1).repeat(12);

/** Each stack's scope in a layout, from its stack file (region, registries, ci overrides). */
export function scopes(layout: Layout, stacks = stackNames()): { scope: CiScope; repositories: string[] }[] {
    return stacks.map((stack, index) => {
        const { config } = readStackConfig(stack);
        const json = (key: string) => (config[key] === undefined ? undefined : JSON.parse(config[key]));
        const ci = (json("ml-platform:ci") ?? {}) as { stateBucket?: string; secretsKeyAlias?: string };
        const account = layout === "one-account" ? sharedAccount : perEnvironmentAccount(index);
        return {
            scope: ciScope("aws", account, config["aws:region"] ?? "us-east-1", config["ml-platform:environment"] ?? stack, ci),
            repositories: Object.keys(json("ml-platform:registries") ?? {}),
        };
    });
}

export interface Decision {
    layout: Layout;
    /** The environment whose role makes the request. */
    own: string;
    /** The environment the request targets. */
    target: string;
    role: CiRoleKind;
    request: string;
    action: string;
    expected: "allowed" | "denied";
    actual: "allowed" | "denied" | "error";
    detail?: string;
}

/** Evaluates every request × role × (own, target) pair of a layout. */
export async function evaluateMatrix(layout: Layout): Promise<Decision[]> {
    const envs = scopes(layout);
    const decisions: Decision[] = [];
    for (const own of envs) {
        for (const role of ciRolePolicies(own.scope, own.repositories)) {
            for (const target of envs) {
                for (const request of blastRequests) {
                    const result = await runSimulation(
                        {
                            request: {
                                principal: role.arn,
                                action: request.action,
                                resource: { resource: request.resource(target.scope), accountId: target.scope.accountId },
                                contextVariables: request.context(target.scope),
                            },
                            identityPolicies: [{ name: `${role.kind}-inline`, policy: role.identityPolicy }],
                            permissionBoundaryPolicies: [{ name: "boundary", policy: role.boundary }],
                            serviceControlPolicies: [],
                            resourceControlPolicies: [],
                            resourcePolicy: request.resourcePolicy?.(target.scope),
                        },
                        {},
                    );
                    const actual = result.resultType === "error" ? "error" : result.overallResult === "Allowed" ? "allowed" : "denied";
                    decisions.push({
                        layout,
                        own: own.scope.environment,
                        target: target.scope.environment,
                        role: role.kind,
                        request: request.what,
                        action: request.action,
                        expected: expectedDecision(request, role.kind, own.scope.environment, target.scope.environment),
                        actual,
                        detail: result.resultType === "error" ? result.errors.message : undefined,
                    });
                }
            }
        }
    }
    return decisions;
}

/** One stack's matrix as markdown: rows request × target environment, columns the stack's roles. */
export function renderMatrix(decisions: Decision[], own: string): string {
    const mine = decisions.filter((d) => d.own === own);
    const targets = [...new Set(mine.map((d) => d.target))];
    const lines = [
        `| request (${own}'s roles →) | target | ${ciRoleKinds.join(" | ")} |`,
        `|---|---|${ciRoleKinds.map(() => "---").join("|")}|`,
    ];
    for (const request of blastRequests) {
        for (const target of targets) {
            const cells = ciRoleKinds.map((role) => {
                const d = mine.find((x) => x.request === request.what && x.target === target && x.role === role)!;
                const mark = d.actual === "allowed" ? "ALLOWED" : d.actual;
                return d.actual === d.expected ? mark : `${mark} (expected ${d.expected})`;
            });
            lines.push(
                `| ${request.what} (\`${request.action}\`) | ${target === own ? `${target} (own)` : target} | ${cells.join(" | ")} |`,
            );
        }
    }
    return lines.join("\n");
}

const begin = "<!-- ci-role-table:begin (generated by npm run docs:ci-roles from src/aws/blast-radius.ts) -->";
const end = "<!-- ci-role-table:end -->";
/** Files that carry the generated role table between the markers. */
export const tableFiles = [path.join(projectRoot, "docs", "ci.md"), path.join(projectRoot, "bootstrap", "README.md")];

/** The file's text with the table between its markers replaced by the current one. */
export function withTable(text: string, file: string): string {
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${file}: no ${begin} … ${end} markers`);
    return `${text.slice(0, from)}${begin}\n\n${roleTable()}\n\n${text.slice(to)}`;
}

async function main(args: string[]): Promise<number> {
    if (args[0] === "--write-docs") {
        for (const file of tableFiles) fs.writeFileSync(file, withTable(fs.readFileSync(file, "utf8"), file));
        console.log(`Wrote the role table into ${tableFiles.map((f) => path.relative(projectRoot, f)).join(" and ")}`);
        return 0;
    }
    let wrong = 0;
    for (const layout of layouts) {
        const decisions = await evaluateMatrix(layout);
        wrong += decisions.filter((d) => d.actual !== d.expected).length;
        for (const own of [...new Set(decisions.map((d) => d.own))]) {
            console.log(`\n### ${layout}: roles of ${own}\n\n${renderMatrix(decisions, own)}`);
        }
        const allowed = decisions.filter((d) => d.actual === "allowed").length;
        console.log(
            `\n${layout}: ${decisions.length} requests evaluated, ${allowed} allowed, ${decisions.length - allowed} denied, ${wrong} unexpected`,
        );
    }
    return wrong === 0 ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
