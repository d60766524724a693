// The pack examples — every rule's own tests, the vectors every runner shares — run through the
// JS API of the WASM build (`rules.check`, `rules.checkAll`), judged with the Rust runner's
// matching logic, and compared finding by finding with what the native Rust runner got. The
// cases (records, options, expectations) and the native findings come from
// dist/native/<pack>.json, written by build.sh: the WASM build carries no examples.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RuleSet } from "../js/node.mjs";
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
  const nativeFile = `${dist}native/${pack}.json`;

  describe(`${pack} examples`, () => {
    if (!existsSync(nativeFile)) {
      // The cases come from the native runner: the WASM build carries no examples.
      test("the native runner's cases", () => {
        assert.fail(`${nativeFile} is missing: build.sh writes it`);
      });
      return;
    }
    const cases = JSON.parse(readFileSync(nativeFile, "utf8"));
    test("the native runner ran the pack's examples", () => {
      assert.ok(cases.length > 10, "a pack has examples");
    });

    for (const kase of cases) {
      test(kase.id, () => {
        assert.equal(kase.error, undefined, `the case could not be built: ${kase.error}`);
        assert.equal(kase.passed, true, `native runner: ${kase.problems}`);
        const actual = runInJs(rules, kase);
        assert.deepEqual(compare(kase.expect, actual), [], "findings match the expectations");
        const found = actual.map(([record, finding]) => ({ record, finding }));
        assert.deepEqual(found, kase.actual, "the same findings as the native Rust runner");
      });
    }
  });
}
