// The JS API: plain objects out, options, stages, locales, errors with a kind, and malformed
// records that are findings, never exceptions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { RuleSet, todayInJapan, version, init } from "../js/node.mjs";

const base = () =>
  JSON.parse(
    readFileSync(new URL("../../rules/hersys/examples/complete-2021.json", import.meta.url), "utf8"),
  );
const AS_OF = { as_of: "2024-06-01" };
const rules = RuleSet.bundled("hersys");

function isPlain(value) {
  if (Array.isArray(value)) return value.every(isPlain);
  if (value !== null && typeof value === "object") {
    return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isPlain);
  }
  return true;
}

function throwsKind(fn, kind) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, "a JS Error");
    assert.equal(e.name, "KakuninError");
    assert.equal(e.kind, kind, e.message);
    return true;
  });
}

test("a bundled pack with its version and hash", async () => {
  await init();
  assert.deepEqual(RuleSet.packs(), ["hersys", "opendata"]);
  assert.equal(rules.name, "hersys");
  assert.match(rules.version, /^\d{4}\.\d+\.\d+$/);
  assert.match(rules.hash, /^[0-9a-f]{64}$/);
  const info = rules.info();
  assert.deepEqual(
    { name: info.name, version: info.version, hash: info.hash },
    { name: rules.name, version: rules.version, hash: rules.hash },
  );
  assert.ok(info.title.length > 0 && info.title_en.length > 0);
  assert.match(version(), /^\d+\.\d+\.\d+/);
  assert.equal(RuleSet.bundled().name, "hersys", "hersys is the default");
});

test("a complete record has no finding; the report is plain JS objects", () => {
  const report = rules.check(base(), AS_OF);
  assert.ok(isPlain(report));
  assert.deepEqual(report.findings, []);
  assert.equal(report.ok, true);
  assert.deepEqual(report.pack, { name: rules.name, version: rules.version, hash: rules.hash });
  assert.equal(report.reference_date, "2021-08-10");
  assert.deepEqual(report.counts, { error: 0, warning: 0, info: 0, acknowledged: 0 });
});

test("a finding has the same keys as in Rust and Python, and marks every field involved", () => {
  const record = base();
  record.notification.onset_on = "2021-08-12";
  const report = rules.check(record, { ...AS_OF, stage: "draft" });
  assert.ok(isPlain(report));
  const f = report.findings.find((f) => f.rule === "dates/onset-after-diagnosis");
  assert.ok(f, JSON.stringify(report.findings));
  assert.deepEqual(Object.keys(f), [
    "rule",
    "severity",
    "message",
    "path",
    "paths",
    "ctx",
    "help",
    "acknowledged",
  ]);
  assert.equal(f.path, "/notification/onset_on");
  assert.deepEqual([...f.paths].sort(), ["/notification/diagnosed_on", "/notification/onset_on"]);
  assert.equal(f.ctx.later, "2021-08-10");
  assert.match(f.message, /発病年月日/);
  const en = rules.check(record, { ...AS_OF, stage: "draft", locale: "en" });
  const fe = en.findings.find((f) => f.rule === "dates/onset-after-diagnosis");
  assert.match(fe.message, /onset/i);
  assert.notEqual(fe.message, f.message);
  assert.notEqual(fe.help, f.help);
});

test("the draft stage is silent about what has not been entered yet", () => {
  const record = base();
  delete record.notification.case_class;
  const draft = rules.check(record, { ...AS_OF, stage: "draft" });
  assert.equal(draft.findings.filter((f) => f.rule.startsWith("required/")).length, 0);
  const submit = rules.check(record, { ...AS_OF, stage: "submit" });
  assert.ok(submit.findings.some((f) => f.rule === "required/case-class"));
  assert.equal(submit.ok, false);
  const byDefault = rules.check(record, AS_OF);
  assert.deepEqual(byDefault, submit, "submit is the default stage");
  // An empty form in the draft stage: nothing to nag about.
  assert.deepEqual(rules.check({}, { ...AS_OF, stage: "draft" }).findings, []);
});

test("acknowledging a warning (the record's `acknowledged`) lets the record pass", () => {
  const record = base();
  record.notification.onset_on = "2021-08-12";
  let report = rules.check(record, AS_OF);
  const warning = report.findings.find((f) => f.rule === "dates/onset-after-diagnosis");
  assert.equal(warning.severity, "warning");
  assert.equal(warning.acknowledged, false);
  record.acknowledged = [
    { rule: warning.rule, reason: "本人申告による", by: "test", at: "2024-06-01T10:00:00+09:00" },
  ];
  report = rules.check(record, AS_OF);
  const acknowledged = report.findings.find((f) => f.rule === "dates/onset-after-diagnosis");
  assert.equal(acknowledged.acknowledged, true);
  assert.equal(report.counts.acknowledged, 1);
  assert.equal(report.counts.warning, 0);
});

test("options select and ignore rules, choose tiers and reveal personal values", () => {
  const record = base();
  record.notification.onset_on = "2021-08-12";
  record.notification.reported_on = "2021-08-09";
  const only = rules.check(record, { ...AS_OF, select: ["dates/onset-after-diagnosis"] });
  assert.deepEqual(
    only.findings.map((f) => f.rule),
    ["dates/onset-after-diagnosis"],
  );
  const ignored = rules.check(record, { ...AS_OF, ignore: ["dates"] });
  assert.equal(ignored.findings.filter((f) => f.rule.startsWith("dates/")).length, 0);
  const hidden = { ...base(), notification: { ...base().notification, patient: { ...base().notification.patient, phone: "abc" } } };
  const plain = rules.check(hidden, { ...AS_OF, select: ["formats/phone"] }).findings[0];
  const revealed = rules.check(hidden, { ...AS_OF, select: ["formats/phone"], reveal: true }).findings[0];
  assert.equal(plain.ctx.value, null, "a personal value is hidden");
  assert.equal(revealed.ctx.value, "abc");
  assert.ok(!plain.message.includes("abc"));
  const tiers = rules.check(record, { ...AS_OF, tiers: ["nat"] });
  assert.ok(Array.isArray(tiers.findings));
});

test("as_of defaults to today in Japan, from the JS clock", () => {
  assert.equal(todayInJapan(new Date("2024-06-01T14:59:59Z")), "2024-06-01");
  assert.equal(todayInJapan(new Date("2024-06-01T15:00:00Z")), "2024-06-02");
  assert.match(todayInJapan(), /^\d{4}-\d{2}-\d{2}$/);
  const record = base();
  const tomorrow = todayInJapan(new Date(Date.now() + 86_400_000));
  record.notification.reported_on = tomorrow;
  const inFuture = (report) =>
    report.findings.some((f) => f.rule === "dates/in-future" && f.path === "/notification/reported_on");
  assert.ok(inFuture(rules.check(record)), "today is the default as_of");
  assert.ok(inFuture(rules.check(record, { stage: "submit" })));
  assert.ok(!inFuture(rules.check(record, { as_of: tomorrow })));
});

test("checkJson reads JSON text; text that is not JSON is an error of kind input", () => {
  const report = rules.checkJson(JSON.stringify(base()), AS_OF);
  assert.deepEqual(report.findings, []);
  throwsKind(() => rules.checkJson("{\"notification\": ", AS_OF), "input");
  // A file saved with a byte order mark (Windows Notepad; Node's readFileSync keeps it), as the
  // command line reads it.
  assert.deepEqual(rules.checkJson(`\ufeff${JSON.stringify(base())}`, AS_OF).findings, []);
  throwsKind(() => rules.checkJson(42), "input");
});

test("errors are JS Errors with a kind", () => {
  throwsKind(() => rules.check(base(), { stage: "final" }), "invalid-option");
  throwsKind(() => rules.check(base(), { as_of: "2024-13-01" }), "invalid-option");
  throwsKind(() => rules.check(base(), { locale: "fr" }), "invalid-option");
  throwsKind(() => rules.check(base(), { colour: "red" }), "invalid-option");
  throwsKind(() => rules.check(base(), { select: ["no-such-group"] }), "unknown-selector");
  throwsKind(() => rules.check(base(), "submit"), "invalid-option");
  throwsKind(() => RuleSet.bundled("nope"), "invalid-option");
  throwsKind(() => rules.check({ age: 1n }), "input");
  const cyclic = {};
  cyclic.self = cyclic;
  throwsKind(() => rules.check(cyclic), "input");
  throwsKind(() => rules.checkAll({}), "input");
  // JSON nested deeper than 128 levels is not read (as the command line does not read it).
  let deep = "x";
  for (let i = 0; i < 200; i++) deep = [deep];
  throwsKind(() => rules.check({ notification: deep }), "input");
  assert.deepEqual(rules.check(base(), AS_OF).findings, [], "the module still works");
});

test("a malformed record is findings, never an error and never a trap", () => {
  const deep = (n) => {
    let v = "x";
    for (let i = 0; i < n; i++) v = { a: [v] };
    return v;
  };
  const nasty = [
    null,
    undefined,
    42,
    "record",
    true,
    [],
    [base()],
    {},
    { notification: 5 },
    { notification: { diagnosed_on: "2021-02-30", onset_on: "昨日", patient: { age: "thirty" } } },
    { notification: { symptoms: "fever", tests: { 0: { method: 1 } }, spo2: -1e308 } },
    { tests: [null, 1, "x", [], {}], observations: [{ on: "9999-99-99", temperature: NaN }] },
    { acknowledged: "yes", record: { care_status: ["released"] } },
    { acknowledged: [{ rule: 5 }, null, { rule: "dates/onset-after-diagnosis" }] },
    { notification: { patient: { name: "x".repeat(1 << 20), birth_date: "\u0000\uffff" } } },
    { notification: { diagnosed_on: "2021-08-10", reported_on: "2021-08-10T00:00:00Z" } },
    { notification: deep(40) },
    { hersys_id: 12345678901234567890, prefecture: 13.5, id: { x: 1 } },
    { "": 1, "/": { "~": 2 }, "__proto__x": 3 },
  ];
  for (const record of nasty) {
    for (const stage of ["draft", "submit"]) {
      const report = rules.check(record, { ...AS_OF, stage });
      assert.ok(isPlain(report));
      assert.ok(Array.isArray(report.findings));
      assert.equal(typeof report.ok, "boolean");
    }
  }
  const notObject = rules.check(null, AS_OF);
  assert.deepEqual(notObject.findings.map((f) => f.rule), ["structure/not-an-object"]);
  const typed = rules.check({ notification: { patient: { age: "thirty" } } }, AS_OF);
  assert.ok(typed.findings.some((f) => f.rule === "structure/type" && f.path === "/notification/patient/age"));
  // The module still works after all of that.
  assert.deepEqual(rules.check(base(), AS_OF).findings, []);
});

test("a Map is an object and a Set an array, not JSON's empty {}", () => {
  const record = base();
  const mapped = { ...record, notification: new Map(Object.entries(record.notification)) };
  mapped.notification.set("symptoms", new Set(record.notification.symptoms));
  assert.deepEqual(rules.check(mapped, AS_OF), rules.check(record, AS_OF));
  // What the Map holds is checked: submitted without its case class, the Map says so.
  mapped.notification.delete("case_class");
  assert.deepEqual(
    rules.check(mapped, AS_OF).findings.map((f) => f.rule),
    ["required/case-class"],
  );
  const results = rules.checkAll([new Map([["notification", mapped.notification]])], AS_OF);
  assert.ok(results[0].report.findings.some((f) => f.rule === "required/case-class"));
});

test("a Date at midnight is its day in a date field, as in Python; other Dates are RFC 3339 in Japan time", () => {
  const zone = process.env.TZ;
  try {
    for (const tz of ["Asia/Tokyo", "UTC", "America/New_York"]) {
      process.env.TZ = tz; // a date picker's midnight is the browser's
      const record = base();
      record.notification.diagnosed_on = new Date("2021-08-10"); // valueAsDate: midnight UTC
      record.notification.onset_on = new Date(2021, 7, 7); // a date picker's midnight
      record.tests[0].resulted_on = new Date(Date.UTC(2021, 7, 9));
      record.workflow.registered_at = new Date("2021-08-10T15:12:00+09:00");
      record.workflow.confirmed_at = new Date("2021-08-10T08:40:00.250Z");
      assert.deepEqual(rules.check(record, AS_OF).findings, [], tz);
      assert.deepEqual(rules.checkAll([record], AS_OF)[0].report.findings, [], tz);
      // The days the user chose are the ones the messages name.
      record.notification.onset_on = new Date(2021, 7, 12);
      const f = rules.check(record, AS_OF).findings.find((f) => f.rule === "dates/onset-after-diagnosis");
      assert.deepEqual([f.ctx.earlier, f.ctx.later], ["2021-08-12", "2021-08-10"], tz);
      // A time in a date field is reported, with the time in Japan.
      record.notification.onset_on = new Date("2021-08-10T20:30:00Z");
      const time = rules.check(record, AS_OF).findings.find((f) => f.rule === "formats/date");
      assert.equal(time.ctx.value, "2021-08-11T05:30:00+09:00", tz);
    }
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
  // An invalid Date is not entered (as NaN is).
  const record = base();
  record.notification.onset_on = new Date("not a date");
  delete record.notification.diagnosed_on;
  const missing = rules.check(record, AS_OF).findings.map((f) => f.rule);
  assert.ok(missing.includes("required/onset") || missing.includes("required/dates"), String(missing));
  // as_of may be a Date too: the day in Japan at that instant, as the default is.
  const late = new Date("2024-05-31T20:00:00Z"); // 2024-06-01 05:00 in Japan
  assert.equal(rules.check({}, { as_of: late }).reference_date, "2024-06-01");
  assert.ok(rules.list({ as_of: new Date("2022-09-26T00:00:00+09:00") }).some((r) => r.id === "scope/not-notifiable"));
  assert.ok(!rules.list({ as_of: new Date("2022-09-25T00:00:00+09:00") }).some((r) => r.id === "scope/not-notifiable"));
});

test("checkAll runs the rules across records", () => {
  const a = base();
  const b = base();
  b.id = "sample-2021-0099";
  const results = rules.checkAll([a, b, null], AS_OF);
  assert.equal(results.length, 3);
  assert.ok(isPlain(results));
  assert.deepEqual(results.map((r) => r.id), ["sample-2021-0001", "sample-2021-0099", null]);
  for (const r of results.slice(0, 2)) {
    assert.ok(r.report.findings.some((f) => f.rule === "identity/probable-duplicate"));
  }
  assert.deepEqual(results[2].report.findings.map((f) => f.rule), ["structure/not-an-object"]);
  // A single check does not look across records.
  assert.deepEqual(rules.check(a, AS_OF).findings, []);
});

test("checkAll: a record that cannot be read is an entry of its own, and the others are checked", () => {
  const nest = (n) => {
    let v = "x";
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  const cyclic = {};
  cyclic.self = cyclic;
  const a = base();
  const b = base();
  b.id = "sample-2021-0099";
  const results = rules.checkAll([a, cyclic, { tests: nest(200) }, { age: 1n }, b], AS_OF);
  assert.deepEqual(results.map((r) => r.id), ["sample-2021-0001", null, null, null, "sample-2021-0099"]);
  assert.deepEqual(results.slice(1, 4).map((r) => r.error.kind), ["input", "input", "input"]);
  assert.match(results[1].error.message, /circular/);
  for (const r of [results[0], results[4]]) {
    assert.ok(r.report.findings.some((f) => f.rule === "identity/probable-duplicate"), "the others still meet");
  }
  assert.deepEqual(rules.checkAll([], AS_OF), []);
  // A hole in the array is a record that is not an object, as JSON writes it (null).
  const holes = rules.checkAll([, cyclic, , b], AS_OF); // eslint-disable-line no-sparse-arrays
  assert.deepEqual(holes.map((r) => (r.error ? r.error.kind : r.report.findings[0]?.rule)), [
    "structure/not-an-object",
    "input",
    "structure/not-an-object",
    undefined,
  ]);
});

test("the pack describes its rules, fields and code lists", () => {
  const list = rules.list();
  assert.ok(isPlain(list));
  assert.ok(list.length >= 80);
  const ids = list.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  const onset = list.find((r) => r.id === "dates/onset-after-diagnosis");
  assert.deepEqual(Object.keys(onset).sort(), [
    "applies",
    "checks",
    "cross_record",
    "group",
    "id",
    "severity",
    "stage",
    "tiers",
    "title",
    "title_en",
  ]);
  assert.equal(onset.stage, "draft");
  assert.equal(list.find((r) => r.id === "required/case-class").stage, "submit");
  const fields = rules.fields();
  assert.ok(isPlain(fields));
  const onsetField = fields.find((f) => f.path === "/notification/onset_on");
  assert.equal(onsetField.title, "発病年月日");
  assert.equal(onsetField.format, "date");
  assert.equal(fields.find((f) => f.path === "/notification/patient/name").sensitive, true);
  const codes = rules.codes();
  assert.ok(isPlain(codes));
  assert.deepEqual(codes.sex.female, { ja: "女", en: "Female" });
  const opendata = RuleSet.bundled("opendata");
  assert.equal(opendata.name, "opendata");
  assert.notEqual(opendata.hash, rules.hash);
});

test("list gives the rules in force on a day for a prefecture", () => {
  const ids = (options) => rules.list(options).map((r) => r.id);
  const early = "scope/not-notifiable"; // 2022-09-26; 2022-09-02 in Miyagi (04) and three others
  const miyagi = rules.list({ as_of: "2022-09-10", prefecture: "04" });
  assert.ok(isPlain(miyagi));
  assert.ok(miyagi.some((r) => r.id === early));
  const tokyo = ids({ as_of: "2022-09-10", prefecture: "13" });
  assert.ok(!tokyo.includes(early));
  assert.deepEqual(ids({ as_of: "2022-09-10" }), tokyo, "no prefecture: the national periods");
  assert.ok(ids({ as_of: "2022-09-26", prefecture: "13" }).includes(early));
  // No default as_of here: left out, every rule, as list() gives them.
  const all = rules.list();
  assert.deepEqual(rules.list({}), all);
  assert.deepEqual(rules.list(null), all);
  assert.ok(miyagi.length < all.length);
  assert.deepEqual(miyagi, all.filter((r) => miyagi.some((m) => m.id === r.id)));
  // A rule with an end is left out after it: onset dates were required until 2022-06-29.
  assert.ok(ids({ as_of: "2022-06-29" }).includes("required/onset"));
  assert.ok(!ids({ as_of: "2022-06-30" }).includes("required/onset"));
  throwsKind(() => rules.list({ as_of: "2022-02-30" }), "invalid-option");
  throwsKind(() => rules.list({ as_of: "2022-09-10", prefecture: "48" }), "invalid-option");
  throwsKind(() => rules.list({ as_of: "2022-09-10", prefecture: 4 }), "invalid-option");
  throwsKind(() => rules.list({ prefecture: "04" }), "invalid-option");
  throwsKind(() => rules.list({ as_of: "2022-09-10", pref: "04" }), "invalid-option");
  throwsKind(() => rules.list("2022-09-10"), "invalid-option");
  assert.throws(() => rules.list({ as_of: "2022-09-10", prefecture: "48" }), /`48` is not a prefecture code/);
});

test("the demo's sample record is complete: no finding at all", async () => {
  const { sampleRecord } = await import("../demo/sample.js");
  assert.deepEqual(rules.check(sampleRecord(), AS_OF).findings, []);
});

test("a freed RuleSet says so, and freeing it twice is harmless", () => {
  // A component that frees its rule set on unmount and is mounted again (React's StrictMode
  // does that) must get a KakuninError, not "null pointer passed to rust".
  const mine = RuleSet.bundled("hersys");
  mine.free();
  mine.free();
  throwsKind(() => mine.check(base(), AS_OF), "freed");
  throwsKind(() => mine.checkJson("{}", AS_OF), "freed");
  throwsKind(() => mine.name, "freed");
  throwsKind(() => mine.list(), "freed");
  assert.deepEqual(rules.check(base(), AS_OF).findings, [], "another rule set still works");
  assert.deepEqual(RuleSet.bundled("hersys").check(base(), AS_OF).findings, []);
});

test("a trap in WebAssembly (a Rust panic) is a KakuninError of kind internal", async () => {
  const { makeApi } = await import("../js/api.js");
  // A stand-in for the raw module whose check traps, as a panic would.
  class RawRuleSet {
    static bundled() {
      return new RawRuleSet();
    }
    checkText() {
      throw new WebAssembly.RuntimeError("unreachable");
    }
  }
  const api = makeApi({ RuleSet: RawRuleSet });
  const trapping = api.RuleSet.bundled("hersys");
  throwsKind(() => trapping.check({}, AS_OF), "internal");
  throwsKind(() => trapping.checkJson("{}", AS_OF), "internal");
});
