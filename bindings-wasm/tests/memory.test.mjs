// The module after a trap: WebAssembly that runs out of memory (a record holding texts of
// hundreds of MB, which the checks copy) stops with a trap, and the rule set must go on
// checking the next record. Its own file, so its own process: the module's memory is used up
// here on purpose.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { makeApi } from "../js/api.js";

// A fresh instance of the Node build whose memory the test can reach.
const require = createRequire(import.meta.url);
const Instance = WebAssembly.Instance;
let exports;
WebAssembly.Instance = function (module, imports) {
  const instance = new Instance(module, imports);
  exports = instance.exports;
  return instance;
};
const raw = require("../dist/node/kakunin_wasm.js");
WebAssembly.Instance = Instance;
const { RuleSet } = makeApi(raw);

const AS_OF = { as_of: "2024-06-01", stage: "draft" };
const ordered = { notification: { diagnosed_on: "2021-08-10", onset_on: "2021-08-12" } };
const rulesOf = (report) => report.findings.map((f) => f.rule);

test("a rule set goes on checking after the memory ran out mid-check", () => {
  const rules = RuleSet.bundled("hersys");
  assert.deepEqual(rulesOf(rules.check(ordered, AS_OF)), ["dates/onset-after-diagnosis"]);
  // Ten date fields of 8 MB of text each: 80 MB of JSON, then 80 MB more for the record read
  // from it. With 120 MB left below the module's 4 GB, reading the record runs out of memory.
  // (With 200 MB left it trapped while the checks copied the texts they quote whole, until
  // 8f2069e.)
  const MB = 1 << 20;
  const day = (n) => String(n % 10).repeat(8 * MB);
  const notification = {};
  for (const [i, key] of ["reported_on", "accepted_on", "first_visit_on", "sampled_on", "diagnosed_on",
    "infected_on", "onset_on", "died_on"].entries()) notification[key] = day(i);
  const huge = { notification, record: { care_start_on: day(8), care_end_on: day(9) } };
  exports.memory.grow(65536 - exports.memory.buffer.byteLength / 65536 - (120 * MB) / 65536);
  assert.throws(() => rules.check(huge, AS_OF), { name: "KakuninError", kind: "internal" });
  assert.deepEqual(rulesOf(rules.check(ordered, AS_OF)), ["dates/onset-after-diagnosis"]);
  assert.deepEqual(rulesOf(rules.check(ordered, { ...AS_OF, locale: "en" })), ["dates/onset-after-diagnosis"]);
  rules.free();
  assert.deepEqual(rulesOf(RuleSet.bundled("hersys").check(ordered, AS_OF)), ["dates/onset-after-diagnosis"]);
});
