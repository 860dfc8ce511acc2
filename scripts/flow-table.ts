/**
 * Rewrites the README's flow table (prod) from the flow model: `npm run docs:flows`.
 * test/k8s/flows.test.ts fails when the table and `flowTableMarkdown(networkModel(prod))` differ.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../src/config/load";
import { flowTableMarkdown, networkModel } from "../src/k8s/flows";
import { projectRoot, readStackConfig } from "../src/synth/stack-files";

const { config, secretKeys } = readStackConfig("prod");
const model = networkModel(parseConfig("prod", config, (k) => secretKeys.includes(k)));
const file = path.join(projectRoot, "README.md");
const lines = fs.readFileSync(file, "utf8").split("\n");
const start = lines.findIndex((l) => /^\| from\s+\|/.test(l));
if (start < 0) throw new Error("README.md has no flow table (a line starting with '| from |')");
let end = start;
while (end < lines.length && lines[end].startsWith("|")) end++;
lines.splice(start, end - start, ...flowTableMarkdown(model).trimEnd().split("\n"));
fs.writeFileSync(file, lines.join("\n"));
console.log(`README.md: flow table rewritten (${end - start} lines before)`);
