// The pack examples — every rule's own tests, the vectors every runner shares — run through the
// JS API of the WASM build (`rules.check`, `rules.checkAll`), judged with the Rust runner's
// matching logic, and compared finding by finding with what the native Rust runner got
// (dist/native/<pack>.json, written by build.sh) and the Rust runner inside the module.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RuleSet, _exampleCases, _runExamples } from "../js/node.mjs";
import { compare } from "./matching.mjs";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** The findings of the case's rule, as [[record index, finding]]. */
function runInJs(rules, kase) {
  if (kase.batch) {
    const results = rules.checkAll(kase.records, kase.options);
    return results.flatMap((result, i) => {
      if (result.error) throw new Error(`record ${i}: ${result.error.kind}: ${result.error.message}`);
      return result.report.findings.filter((f) => f.rule === kase.rule).map((f) => [i, f]);
    });
  }
  const report = rules.check(kase.records[0], kase.options);
  return report.findings.filter((f) => f.rule === kase.rule).map((f) => [0, f]);
}

for (const pack of RuleSet.packs()) {
  const rules = RuleSet.bundled(pack);
  const cases = _exampleCases(pack);
  const inModule = new Map(_runExamples(pack).map((c) => [c.id, c]));
  const nativeFile = `${dist}native/${pack}.json`;
  const native = existsSync(nativeFile)
    ? new Map(JSON.parse(readFileSync(nativeFile, "utf8")).map((c) => [c.id, c]))
    : null;

  describe(`${pack} examples`, () => {
    test("the same cases as the native runner", (t) => {
      if (!native) {
        t.skip(`${nativeFile} is missing (build.sh writes it): native comparison skipped`);
        return;
      }
      assert.deepEqual([...native.keys()], cases.map((c) => c.id));
      assert.ok(cases.length > 10, "a pack has examples");
    });

    for (const kase of cases) {
      test(kase.id, () => {
        assert.equal(kase.error, undefined, `the case could not be built: ${kase.error}`);
        const actual = runInJs(rules, kase);
        assert.deepEqual(compare(kase.expect, actual), [], "findings match the expectations");
        const found = actual.map(([record, finding]) => ({ record, finding }));
        const rust = inModule.get(kase.id);
        assert.equal(rust.passed, true, `Rust runner in the module: ${rust.problems}`);
        assert.deepEqual(found, rust.actual, "the same findings as the Rust runner in the module");
        if (native) {
          const n = native.get(kase.id);
          assert.ok(n, "the native runner has this case");
          assert.deepEqual(
            { records: kase.records, options: kase.options, expect: kase.expect },
            { records: n.records, options: n.options, expect: n.expect },
            "the same case natively",
          );
          assert.equal(n.passed, true, `native runner: ${n.problems}`);
          assert.deepEqual(found, n.actual, "the same findings as the native Rust runner");
        }
      });
    }
  });
}
