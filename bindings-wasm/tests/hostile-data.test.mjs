// Hostile data through the JS API: NaN and infinities, a 100 MB string, lone surrogates and NUL
// characters, numbers out of range, impossible dates, JSON text cut off mid-record, nesting deeper
// than the reader allows. Each is a finding or a KakuninError of kind "input", and every other
// record of a batch is still checked (the same kinds of input are tested in Rust,
// tests/tests/hostile_data.rs, and in Python, bindings-python/tests/test_hostile_data.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { RuleSet } from "../js/node.mjs";

const AS_OF = { as_of: "2024-06-01" };
const rules = RuleSet.bundled("hersys");
const base = () => JSON.parse(readFileSync(new URL("../../rules/hersys/examples/complete-2021.json", import.meta.url), "utf8"));
const rulesOf = (report) => new Set(report.findings.map((f) => f.rule));

function withValues(age, spo2) {
  const record = base();
  record.notification.patient.age = age;
  record.notification.spo2 = spo2;
  return record;
}

test("NaN is not entered and an infinity is a wrong type, as in Python", () => {
  const results = rules.checkAll(
    [base(), withValues(NaN, NaN), withValues(Infinity, Infinity), withValues(-Infinity, 1e308), base()],
    { ...AS_OF, ignore: ["identity"] }, // the same record twice: duplicates are not the point
  );
  assert.equal(results.length, 5);
  assert.ok(results.every((r) => r.report), "every record is checked");
  assert.deepEqual(results[0].report.findings, []);
  assert.deepEqual(results[4].report.findings, []);
  assert.ok(rulesOf(results[2].report).has("structure/type"));
  assert.ok(rulesOf(results[3].report).has("structure/type"));
  assert.ok(rulesOf(results[3].report).has("ranges/spo2-impossible"));
  // NaN becomes null, "not entered": what a required rule reports for a missing age.
  const nan = rules.check(withValues(NaN, NaN), AS_OF);
  const missing = withValues(null, null);
  assert.deepEqual(nan.findings, rules.check(missing, AS_OF).findings);
});

test("numbers out of range and impossible dates are findings", () => {
  const record = withValues(2 ** 80, -(2 ** 70));
  record.notification.diagnosed_on = "2021-02-30";
  record.notification.reported_on = "+002021-01-01";
  const found = rulesOf(rules.check(record, AS_OF));
  for (const rule of ["ranges/age-impossible", "ranges/spo2-impossible", "formats/date"]) {
    assert.ok(found.has(rule), `${rule} in ${[...found]}`);
  }
  const big = rules.checkJson('{"notification": {"patient": {"age": 123456789012345678901234567890}}}', AS_OF);
  assert.ok(rulesOf(big).has("ranges/age-impossible"));
  assert.throws(() => rules.checkJson('{"notification": {"patient": {"age": 1e400}}}', AS_OF), { kind: "input" });
});

test("a 100 MB string is checked", () => {
  const record = base();
  record.notification.onset_on = "9".repeat(100 * 1024 * 1024);
  const report = rules.check(record, AS_OF);
  // The bad date is quoted cut to 200 characters and "…", in ctx and message alike.
  const badDate = report.findings.find((f) => f.rule === "formats/date");
  assert.equal(badDate.ctx.value, "9".repeat(200) + "…");
  assert.ok(badDate.message.includes(badDate.ctx.value));
  assert.ok(JSON.stringify(report).length < 64 * 1024);
});

test("lone surrogates and NUL characters", () => {
  const record = base();
  record.notification.onset_on = "2021-08-07\u0000";
  record.notification.patient.occupation = "\ud800\udfff\ud800";
  record.health_center = "\u0000";
  const report = rules.check(record, AS_OF);
  assert.ok(rulesOf(report).has("formats/date"));
  // A lone surrogate is read as U+FFFD, as Python reads it: the record is checked.
  const withOccupation = (text) => {
    const r = base();
    r.notification.patient.occupation = text;
    return r;
  };
  assert.deepEqual(rules.check(withOccupation("\ud800"), AS_OF), rules.check(withOccupation("\ufffd"), AS_OF));
  assert.deepEqual(rules.check(base(), AS_OF).findings, []);
});

test("a lone surrogate in a key, or on an engine without String.prototype.toWellFormed", () => {
  const draft = { ...AS_OF, stage: "draft" };
  const late = { diagnosed_on: "2021-08-10", onset_on: "2021-08-12" };
  const keyed = rules.check({ notification: { "\ud800": 1, ...late } }, draft);
  assert.deepEqual([...rulesOf(keyed)], ["dates/onset-after-diagnosis"]);
  // Chrome before 111 and Safari before 16.4 (hospital PCs) have no toWellFormed.
  const toWellFormed = String.prototype.toWellFormed;
  delete String.prototype.toWellFormed;
  try {
    const quoted = (onset) => rules.check({ notification: { ...late, onset_on: onset } }, draft).findings[0].ctx.value;
    assert.equal(quoted("2021-08-0\ud800"), "2021-08-0\ufffd");
    assert.equal(quoted("\\ud800"), "\\ud800", "a backslash and 'ud800' typed are text");
    assert.equal(quoted("\\\ud800"), "\\\ufffd");
  } finally {
    String.prototype.toWellFormed = toWellFormed;
  }
});

test("JSON text cut off mid-record or nested past the reader's limit is an input error", () => {
  const text = JSON.stringify(base());
  assert.throws(() => rules.checkJson(text.slice(0, text.length / 2), AS_OF), { name: "KakuninError", kind: "input" });
  assert.throws(() => rules.checkJson(`{"tests": ${"[".repeat(100000)}${"]".repeat(100000)}}`, AS_OF), { kind: "input" });
  let deep = "x";
  for (let i = 0; i < 5000; i++) deep = [deep];
  assert.throws(() => rules.check({ tests: deep }, AS_OF), { kind: "input" });
  // The module still works after all of that.
  assert.deepEqual(rules.check(base(), AS_OF).findings, []);
});
