import { strict as assert } from "node:assert";
import {
    countByType,
    findResource,
    identities,
    inventoryDifferences,
    inventoryJson,
    ResourceRecord,
    toInventoryValue,
} from "../../src/synth/inventory";
import { successfulRun } from "../harness";

const sig = "4dabf18193072939515e22adb298388d";

describe("synth/inventory", () => {
    it("replaces secrets, however deep and whatever they wrap, and unknowns and resource references", () => {
        const raw = {
            a: { [sig]: "1b47061264138c4ac30d75fd1eb44270", value: { password: "hunter2" } },
            list: [1, { [sig]: "1b47061264138c4ac30d75fd1eb44270", value: "x" }],
            later: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
            ref: { [sig]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:s::p::t::n", id: "i" },
            plain: { nested: true },
        };
        assert.deepEqual(toInventoryValue(raw), {
            a: "[secret]",
            list: [1, "[secret]"],
            later: "[unknown]",
            ref: "urn:pulumi:s::p::t::n",
            plain: { nested: true },
        });
    });

    const r = (type: string, name: string): ResourceRecord => ({
        urn: `urn:${type}::${name}`,
        type,
        name,
        parent: null,
        dependsOn: [],
        provider: null,
        custom: true,
        protect: false,
        inputs: {},
    });

    it("writes resources.json as JSON.stringify(resources, null, 2) does, one record at a time", async function () {
        this.timeout(120000);
        const odd = { ...r("a", "b"), inputs: { text: "two\nlines", nested: { list: [[], {}, [1, { x: null }]] }, quote: '"\\' } };
        const dev = (await successfulRun("dev")).resources;
        for (const resources of [[], [r("a", "x")], [odd, r("b", "y")], dev]) {
            const pieces = [...inventoryJson(resources)];
            assert.equal(pieces.join(""), JSON.stringify(resources, null, 2) + "\n");
            assert.ok(pieces.length >= resources.length, "no piece holds more than one record");
        }
    });

    it("counts, finds and snapshots identities", () => {
        const rs = [r("b", "x"), r("a", "y"), r("a", "z")];
        assert.deepEqual(countByType(rs), [
            ["a", 2],
            ["b", 1],
        ]);
        assert.deepEqual(identities(rs), ["a::y", "a::z", "b::x"]);
        assert.equal(findResource(rs, "a", "z").urn, "urn:a::z");
        assert.throws(() => findResource(rs, "a", "q"), /no a named q; present: y, z/);
    });

    it("says field by field what differs between two inventories, and finds nothing between equal ones", () => {
        const before = [r("a", "x"), { ...r("a", "y"), dependsOn: ["urn:a::x", "urn:b::z"] }, r("b", "z")];
        assert.deepEqual(inventoryDifferences(before, structuredClone(before)), {
            added: [],
            removed: [],
            sameOrder: true,
            changedFields: {},
            dependsOn: { added: 0, removed: 0 },
        });
        const after = [r("b", "z"), { ...r("a", "y"), dependsOn: ["urn:a::q"] }, { ...r("a", "x"), protect: true }, r("c", "new")];
        assert.deepEqual(inventoryDifferences(before, after), {
            added: ["urn:c::new"],
            removed: [],
            sameOrder: false,
            changedFields: { dependsOn: 1, protect: 1 },
            dependsOn: { added: 1, removed: 2 },
        });
    });
});
