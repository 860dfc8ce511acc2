import { strict as assert } from "node:assert";
import {
    cronProblem,
    freeTextProblem,
    joinPath,
    labelKeyProblem,
    labelValueProblem,
    parseQuantity,
    policyCsvProblem,
    promSelectorProblem,
} from "../../src/config/formats";

describe("config/formats", () => {
    it("accepts Kubernetes label keys and values, and refuses what the API server refuses", () => {
        for (const key of ["team", "platform.company.io/pool", "nvidia.com/gpu", "a_b.c-d"])
            assert.equal(labelKeyProblem(key), undefined, key);
        for (const key of ["a/b/c", "-team", "Platform.io/pool", "x".repeat(64), `${"a".repeat(254)}/x`, "team/", ""]) {
            assert.match(labelKeyProblem(key) ?? "", /must be a Kubernetes label key/, key);
        }
        for (const value of ["", "true", "data-1", "a.b_c"]) assert.equal(labelValueProblem(value), undefined, value);
        for (const value of ["data platform", "v".repeat(64), "-x", "x-"])
            assert.match(labelValueProblem(value) ?? "", /label value/, value);
    });

    it("parses CPU and memory quantities, and refuses millibytes, fractions of a millicore and junk", () => {
        assert.equal(parseQuantity("500m", "cpu"), 0.5);
        assert.equal(parseQuantity("2", "cpu"), 2);
        assert.equal(parseQuantity("256Mi", "memory"), 256 * 2 ** 20);
        assert.equal(parseQuantity("1G", "memory"), 1e9);
        assert.match(String(parseQuantity("128m", "memory")), /millibytes/);
        assert.match(String(parseQuantity("0.5m", "cpu")), /whole number of millicores/);
        assert.match(String(parseQuantity("1Gi", "cpu")), /cores or millicores/);
        assert.match(String(parseQuantity("1Gm", "memory")), /memory quantity/);
        assert.match(String(parseQuantity("0", "cpu")), /greater than zero/);
    });

    it("reads six-field cron with seconds as CloudNativePG does, and refuses bad fields, five fields and never", () => {
        for (const ok of ["0 0 2 * * *", "0 */15 * * * *", "0 0 3 * * MON-FRI", "30 0 0 1 * ?"])
            assert.equal(cronProblem(ok), undefined, ok);
        assert.match(cronProblem("61 99 25 * * *")!, /not a valid cron expression: .*second: 61/);
        assert.match(cronProblem("0 2 * * *")!, /six-field .* got 5 fields/);
        assert.match(cronProblem("0 0 2 30 2 *")!, /never fires/);
        assert.match(cronProblem("0 0 2 L * *")!, /field 4 \("L"\) uses characters/);
        assert.match(cronProblem("@daily")!, /got 1 field$/);
    });

    it("keeps policy.csv, PromQL and descriptions from being injected into", () => {
        for (const ok of ["platform-admins", "Platform Admins", "okta:group/admins", "a@b.c"])
            assert.equal(policyCsvProblem(ok), undefined, ok);
        for (const bad of ["admins, role:admin", "admins\np, role:readonly, *, *, */*, allow", 'a"b', "admins #", " admins"]) {
            assert.match(policyCsvProblem(bad) ?? "", /policy\.csv/, JSON.stringify(bad));
        }
        for (const ok of ['job="api"', 'namespace!="",code=~"5.."', "", 'a="x\\"y"']) assert.equal(promSelectorProblem(ok), undefined, ok);
        for (const bad of ['job="a"} or vector(1) or up{', 'code=~"5..', "job=api", 'job="a" or up'])
            assert.ok(promSelectorProblem(bad), bad);
        assert.equal(freeTextProblem("pipeline workers, dbt"), undefined);
        assert.ok(freeTextProblem("workers\nName: evil"));
    });

    it("quotes map keys that are not plain words in key paths", () => {
        assert.equal(
            joinPath(["nodePools", "system", "labels", "platform.company.io/pool"]),
            'nodePools.system.labels["platform.company.io/pool"]',
        );
        assert.equal(joinPath(["cluster", "publicAccessCidrs", "0"]), "cluster.publicAccessCidrs[0]");
    });
});
