// The benchmark: `rules.check` of a complete HER-SYS record, timed call by call in the browser.
// bench/run.mjs opens this page in headless Chromium and prints the results; opened by hand it
// shows them in a table.
import { init, RuleSet } from "../js/web.js";
import { sampleRecord } from "../demo/sample.js";

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 10_000);
const WARMUP = Number(params.get("warmup") ?? 1_000);
const AS_OF = "2024-06-01";

function stats(times) {
  const sorted = Float64Array.from(times).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { calls: sorted.length, median: at(0.5), p99: at(0.99), mean: sum / sorted.length, max: sorted.at(-1), min: sorted[0] };
}

function measure(fn) {
  for (let i = 0; i < WARMUP; i++) fn();
  const times = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const start = performance.now();
    fn();
    times[i] = performance.now() - start;
  }
  return stats(times);
}

async function run() {
  const t0 = performance.now();
  await init();
  const initMs = performance.now() - t0;
  const t1 = performance.now();
  const rules = RuleSet.bundled("hersys");
  const compileMs = performance.now() - t1;
  const complete = sampleRecord();
  const submit = { as_of: AS_OF, stage: "submit" };
  const t2 = performance.now();
  const first = rules.check(complete, submit);
  const firstMs = performance.now() - t2;
  if (first.findings.length !== 0) throw new Error("the sample record should have no finding");

  const withFindings = sampleRecord();
  withFindings.notification.onset_on = "2021-08-12";
  withFindings.notification.spo2 = 120;
  withFindings.basic.name = "山田 次郎";
  const text = JSON.stringify(complete);

  const cases = {
    "check: complete record, submit (every rule)": measure(() => rules.check(complete, submit)),
    "check: complete record, draft": measure(() => rules.check(complete, { as_of: AS_OF, stage: "draft" })),
    "check: record with 3 findings, draft": measure(() => rules.check(withFindings, { as_of: AS_OF, stage: "draft" })),
    "checkJson: complete record as text, submit": measure(() => rules.checkJson(text, submit)),
    "check: empty record, draft": measure(() => rules.check({}, { as_of: AS_OF, stage: "draft" })),
  };
  // Timer resolution: the smallest step performance.now() shows.
  let resolution = Infinity;
  for (let i = 0, last = performance.now(); i < 100_000 && resolution > 0.001; i++) {
    const now = performance.now();
    if (now > last) resolution = Math.min(resolution, now - last);
    last = now;
  }
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: self.crossOriginIsolated,
    timerResolutionMs: resolution,
    pack: { name: rules.name, version: rules.version, hash: rules.hash },
    initMs,
    compileMs,
    firstCheckMs: firstMs,
    warmup: WARMUP,
    cases,
  };
}

run().then(
  (result) => {
    window.benchResult = result;
    document.getElementById("status").textContent = `done: ${N} calls per case after ${WARMUP} warm-up calls`;
    const body = document.querySelector("#results tbody");
    const f = (x) => x.toFixed(4);
    for (const [name, s] of Object.entries(result.cases)) {
      const row = document.createElement("tr");
      for (const cell of [name, s.calls, f(s.median), f(s.p99), f(s.mean), f(s.max)]) {
        const td = document.createElement("td");
        td.textContent = String(cell);
        row.append(td);
      }
      body.append(row);
    }
    document.getElementById("results").hidden = false;
    const { cases, ...env } = result;
    document.getElementById("env").textContent = JSON.stringify(env, null, 2);
  },
  (error) => {
    window.benchResult = { error: String(error) };
    document.getElementById("status").textContent = `failed: ${error}`;
  },
);
