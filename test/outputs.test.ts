import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { outputContract } from "../src/outputs";
import { projectRoot } from "../src/synth/stack-files";

describe("outputs", () => {
    it("documents exactly the contract in the README's output table", () => {
        const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
        const table = readme.slice(readme.indexOf("<!-- outputs:start -->"), readme.indexOf("<!-- outputs:end -->"));
        const rows = table
            .split("\n")
            .filter((l) => l.startsWith("| `"))
            .map((l) => l.split("|").map((c) => c.trim()));
        const documented = rows.map(([, name, type, secret, description]) => [name.replace(/`/g, ""), type, secret === "yes", description]);
        const contract = Object.entries(outputContract).map(([name, s]) => [name, s.type, s.secret, s.description]);
        assert.deepEqual(documented, contract);
    });
});
