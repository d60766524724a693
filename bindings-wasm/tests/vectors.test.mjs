// The shared test vectors (tests/vectors/*.json) and hostile packs (tests/hostile/packs/), judged
// through the JS API of the WASM build. The Rust runner (tests/tests/vectors.rs) and pytest
// (bindings-python/tests/test_vectors.py) read the same files and must get the same results; the
// format is in tests/README.md.
//
// A case listed in tests/skip/node.json (id -> reason) is skipped when it fails, and fails the run
// when it passes, so the list only shrinks. The counts are printed when the file is done.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RuleSet } from "../js/node.mjs";
import { compare as compareExample } from "./matching.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tests = join(root, "tests");
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
// The pack examples as the native runner built them (build.sh writes dist/native/<pack>.json):
// the WASM build carries no examples.
const exampleCases = (pack) => readJson(join(root, "bindings-wasm", "dist", "native", `${pack}.json`));
const skips = readJson(join(tests, "skip", "node.json"));
const counts = { passed: 0, skipped: 0, failed: 0 };

/** The `{"$repeat": x, "times": n}` shorthand: x repeated n times (a string or an array). */
function expand(value) {
  if (Array.isArray(value)) return value.map(expand);
  if (value !== null && typeof value === "object") {
    if ("$repeat" in value) {
      const { $repeat: item, times } = value;
      return typeof item === "string" ? item.repeat(times) : Array.from({ length: times }, () => expand(item));
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]));
  }
  return value;
}

const keysOf = (pointer) => pointer.split("/").slice(1).map((k) => k.replaceAll("~1", "/").replaceAll("~0", "~"));

/** Sets a JSON Pointer, creating objects on the way; an array index may be its length. */
function setPointer(record, pointer, value) {
  const keys = keysOf(pointer);
  const last = keys.pop();
  let cur = record;
  for (const key of keys) {
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else cur = cur[key] ??= {};
  }
  if (Array.isArray(cur)) cur[Number(last)] = value;
  else cur[last] = value;
}

function unsetPointer(record, pointer) {
  const keys = keysOf(pointer);
  const last = keys.pop();
  let cur = record;
  for (const key of keys) {
    cur = Array.isArray(cur) ? cur[Number(key)] : cur?.[key];
    if (cur == null) return;
  }
  if (Array.isArray(cur)) {
    if (/^\d+$/.test(last) && Number(last) < cur.length) cur.splice(Number(last), 1);
  } else if (typeof cur === "object") delete cur[last];
}

function buildRecord(pack, spec) {
  if ("value" in spec) return expand(spec.value);
  const record = readJson(join(root, "rules", pack, "examples", `${spec.base}.json`));
  for (const [pointer, value] of Object.entries(spec.set ?? {})) setPointer(record, pointer, expand(value));
  for (const pointer of spec.unset ?? []) unsetPointer(record, pointer);
  return record;
}

const errorOf = (e) => {
  if (e?.name !== "KakuninError") throw e;
  return { kind: e.kind, message: e.message };
};

function reportOf(report) {
  const { pack: _pack, ...rest } = report;
  return rest;
}

function runEngineCase(kase) {
  const rules = RuleSet.bundled(kase.pack);
  const records = kase.records.map((r) => buildRecord(kase.pack, r));
  try {
    if (records.length === 1) return { reports: [reportOf(rules.check(records[0], kase.options))] };
    const results = rules.checkAll(records, kase.options);
    return { reports: results.map((r) => (r.error ? { error: r.error } : reportOf(r.report))) };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

/** The files of a hostile pack: `_base` overlaid with the case's folder (without case.json). */
function hostileFiles(folder) {
  const files = {};
  const walk = (top, dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(top, path);
      else {
        const relative = path.slice(top.length + 1).split("\\").join("/");
        if (relative !== "case.json") files[relative] = readFileSync(path, "utf8");
      }
    }
  };
  walk(join(folder, "..", "_base"), join(folder, "..", "_base"));
  walk(folder, folder);
  return files;
}

function runHostileCase(folder, kase) {
  let rules;
  try {
    rules = RuleSet.fromFiles(hostileFiles(folder));
  } catch (e) {
    return { load: errorOf(e) };
  }
  try {
    return { reports: [reportOf(rules.check(kase.record ?? {}, kase.options))] };
  } catch (e) {
    if (e.kind === "script" || e.kind === "script-limit") {
      // A script error is typed: it names the rule and position the message gives (line 0: no
      // position, as for a script's return value, and the message names none).
      assert.ok(e.message.includes(`rule ${e.rule}: `), e.message);
      assert.equal(e.message.includes(`line ${e.line}, column ${e.column}`), e.line > 0, e.message);
    }
    return { error: errorOf(e) };
  }
}

/** The test of case `id`: runs its check (which throws on a problem) under the skip list. */
function judged(id) {
  return (t) => {
    let problem = null;
    try {
      checkCase.get(id)();
    } catch (e) {
      problem = e;
    }
    if (id in skips) {
      if (problem === null) {
        counts.failed += 1;
        assert.fail(`${id} passes but is listed in tests/skip/node.json; remove it`);
      }
      counts.skipped += 1;
      t.skip(`listed in tests/skip/node.json: ${skips[id]}`);
      return;
    }
    if (problem !== null) {
      counts.failed += 1;
      throw problem;
    }
    counts.passed += 1;
  };
}

const checkCase = new Map();
const docs = readdirSync(join(tests, "vectors"))
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => readJson(join(tests, "vectors", f)));

for (const doc of docs) {
  for (const pack of doc.pack_examples ?? []) {
    const rules = RuleSet.bundled(pack);
    describe(`vectors: ${pack} examples`, () => {
      for (const kase of exampleCases(pack)) {
        const id = `${pack}:${kase.id}`;
        checkCase.set(id, () => {
          assert.equal(kase.error, undefined, `the case could not be built: ${kase.error}`);
          let actual;
          if (kase.batch) {
            actual = rules.checkAll(kase.records, kase.options).flatMap((r, i) => {
              if (r.error) throw new Error(`record ${i}: ${r.error.kind}: ${r.error.message}`);
              return r.report.findings.filter((f) => f.rule === kase.rule).map((f) => [i, f]);
            });
          } else {
            const report = rules.check(kase.records[0], kase.options);
            actual = report.findings.filter((f) => f.rule === kase.rule).map((f) => [0, f]);
          }
          assert.deepEqual(compareExample(kase.expect, actual), []);
        });
        test(id, judged(id));
      }
    });
  }
  describe(`vectors: ${doc.about.split(":")[0]}`, () => {
    for (const kase of doc.cases) {
      checkCase.set(kase.id, () => assert.deepStrictEqual(runEngineCase(kase), kase.expect));
      test(kase.id, judged(kase.id));
    }
  });
}

const hostileRoot = join(tests, "hostile", "packs");
describe("vectors: hostile packs", () => {
  for (const name of readdirSync(hostileRoot).sort()) {
    const folder = join(hostileRoot, name);
    if (name === "_base" || !statSync(folder).isDirectory()) continue;
    const id = `hostile/${name}`;
    const kase = readJson(join(folder, "case.json"));
    checkCase.set(id, () => assert.deepStrictEqual(runHostileCase(folder, kase), kase.expect));
    test(id, judged(id));
  }
});

test("every listed skip names a case", () => {
  assert.deepEqual(Object.keys(skips).filter((id) => !checkCase.has(id)), []);
  assert.ok(checkCase.size > 900, `the vectors were found (${checkCase.size})`);
});

after(() => {
  console.log(`vectors (node): ${counts.passed} passed, ${counts.skipped} skipped, ${counts.failed} failed`);
});
