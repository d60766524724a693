#!/usr/bin/env node
// Runs bench/index.html in headless Chromium (Debian's, through playwright-core) and prints the
// median and 99th percentile of `check` over 10,000 calls. A benchmark, not a test: it reports,
// it does not fail on a number.
//
//   node bench/run.mjs [--n 10000] [--warmup 1000] [--out dist/bench.json]
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../scripts/serve.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const n = Number(arg("n", 10_000));
const warmup = Number(arg("warmup", 1_000));
const out = arg("out", new URL("../dist/bench.json", import.meta.url).pathname);

const { server, url } = await serve({ port: 0 });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
try {
  const page = await browser.newPage();
  await page.goto(`${url}/bench/?n=${n}&warmup=${warmup}`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 600_000 });
  const result = await page.evaluate(() => window.benchResult);
  if (result.error) throw new Error(result.error);
  const ms = (x) => x.toFixed(3).padStart(7);
  console.log(`${result.userAgent}`);
  console.log(
    `pack ${result.pack.name} ${result.pack.version}; init ${result.initMs.toFixed(1)} ms, compile ${result.compileMs.toFixed(1)} ms, ` +
      `first check ${result.firstCheckMs.toFixed(2)} ms; timer resolution ${(result.timerResolutionMs * 1000).toFixed(1)} µs ` +
      `(cross-origin isolated: ${result.crossOriginIsolated})`,
  );
  console.log(`${"case".padEnd(46)}  calls   median      p99     mean      max   (ms)`);
  for (const [name, s] of Object.entries(result.cases)) {
    console.log(`${name.padEnd(46)} ${String(s.calls).padStart(6)} ${ms(s.median)}  ${ms(s.p99)}  ${ms(s.mean)}  ${ms(s.max)}`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`written: ${out}`);
} finally {
  await browser.close();
  server.close();
}
