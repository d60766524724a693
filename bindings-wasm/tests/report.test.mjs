// The quality report (`kakunin report`) in a real browser: the page for the bundled sample is
// opened from disk in Debian's chromium with every network request refused, and the charts and
// tables must be drawn with the counts of the JSON summary of the same run. A screenshot goes to
// artifacts/screenshots/report.png (KAKUNIN_SCREENSHOTS overrides the folder).
//
// The report is written by the command line (`cargo run -p kakunin-cli`, or the binary named by
// KAKUNIN_BIN), so this suite needs cargo or that binary.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHOTS = process.env.KAKUNIN_SCREENSHOTS ?? join(ROOT, "artifacts/screenshots/");
const SAMPLE = join(ROOT, "data/sample/hersys-sample.jsonl");

const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing (apt-get install chromium): report browser test skipped`;

/** Runs `kakunin report` on the sample; returns the output file's path. */
function report(dir, name, extra) {
  const output = join(dir, name);
  const args = ["report", SAMPLE, "--as-of", "2024-06-01", "-o", output, ...extra];
  if (process.env.KAKUNIN_BIN) {
    execFileSync(process.env.KAKUNIN_BIN, args, { stdio: ["ignore", "ignore", "inherit"] });
  } else {
    execFileSync("cargo", ["run", "--quiet", "--locked", "-p", "kakunin-cli", "--", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  return output;
}

/** A share as the page writes it: one decimal, half up. */
const percent = (part, whole) => `${(Math.round((1000 * part) / whole) / 10).toFixed(1)}%`;

describe("the quality report in Chromium", { skip }, () => {
  let browser;
  let page;
  let summary;
  const requests = [];
  const errors = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "kakunin-report-"));
    const html = report(dir, "report.html", []);
    summary = JSON.parse(readFileSync(report(dir, "report.json", ["--format", "json"]), "utf8"));
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const context = await browser.newContext({ locale: "ja-JP", viewport: { width: 1280, height: 900 } });
    // Self-contained: anything but the file itself is refused and remembered.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      requests.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(html).href);
  });

  after(async () => {
    await browser?.close();
  });

  test("loads nothing from the network and has no script errors", () => {
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
  });

  test("headline numbers", async () => {
    const cards = await page.$$eval("#headline .card", (cs) =>
      Object.fromEntries(cs.map((c) => [c.dataset.key, c.querySelector(".value").textContent])),
    );
    const t = summary.totals;
    const pct = (n) => percent(n, t.checked);
    assert.deepEqual(cards, {
      records: t.records.toLocaleString("en-US"),
      errors: pct(t.with_errors),
      warnings: pct(t.with_warnings),
      unreadable: String(t.unreadable + t.failed),
    });
  });

  test("a row per rule, each with its documentation one click away", async () => {
    const rows = await page.$$eval("#rules tbody tr", (trs) =>
      trs.map((tr) => [tr.dataset.rule, Number(tr.dataset.records)]),
    );
    assert.equal(rows.length, summary.rules.length);
    assert.ok(rows.length > 20, "the sample breaks many rules");
    assert.deepEqual(rows, summary.rules.map((r) => [r.id, r.records]));
    const first = page.locator("#rules tbody tr").first();
    const doc = first.locator("details p").first();
    assert.equal(await doc.isVisible(), false, "documentation folded");
    await first.locator("summary").click();
    assert.equal(await doc.isVisible(), true, "one click shows it");
    assert.ok((await doc.textContent()).startsWith(summary.rules[0].doc.trim().slice(0, 20)));
  });

  test("heat map: rule group × health center, drawn as rates", async () => {
    const cells = page.locator("#heatmap td.cell");
    assert.equal(await cells.count(), summary.groups.length * summary.breakdown.length);
    assert.equal(summary.breakdown.length > 50, true, "the sample's health centers");
    const drawn = await page.$$eval("#heatmap td.cell", (tds) =>
      tds.map((td) => [Number(td.dataset.count), td.textContent, getComputedStyle(td).backgroundColor]),
    );
    const expected = summary.breakdown.flatMap((row) =>
      row.groups.map((n) => [n, percent(n, row.records)]),
    );
    assert.deepEqual(drawn.map(([n, text]) => [n, text]), expected);
    assert.ok(drawn.every(([, , bg]) => bg.startsWith("rgba(198, 40, 40")), "every cell shaded");
  });

  test("line chart: a point per period and series", async () => {
    const n = summary.periods.length;
    assert.ok(n > 20, "the sample spans many weeks");
    for (const series of ["error", "warning"]) {
      assert.equal(await page.locator(`#trend circle[data-series=${series}]`).count(), n);
      const points = await page.getAttribute(`#trend polyline[data-series=${series}]`, "points");
      assert.equal(points.trim().split(/\s+/).length, n);
    }
    const box = await page.locator("#trend svg").boundingBox();
    assert.ok(box.width > 500 && box.height > 200, `the chart is drawn (${JSON.stringify(box)})`);
    // The highest error rate is the highest point (smallest y) of the error line.
    const ys = await page.$$eval("#trend circle[data-series=error]", (cs) => cs.map((c) => Number(c.getAttribute("cy"))));
    const rates = summary.periods.map((p) => p.with_errors / p.records);
    assert.equal(ys.indexOf(Math.min(...ys)), rates.indexOf(Math.max(...rates)));
  });

  test("completeness of each required item by health center", async () => {
    assert.equal(await page.locator("#completeness th[data-item]").count(), summary.items.length);
    assert.equal(
      await page.locator("#completeness td.cell").count(),
      summary.items.length * summary.breakdown.length,
    );
  });

  test("probable duplicates as record ids", async () => {
    const ids = await page.$$eval("#duplicates li", (lis) => lis.map((li) => li.dataset.id));
    const expected = summary.cross.flatMap((c) => c.records.map((r) => r.id));
    assert.ok(expected.length > 0, "the sample has duplicates");
    assert.deepEqual(ids, expected);
    assert.ok(ids.every((id) => /^r\d{6}$/.test(id)), "record ids only");
  });

  test("screenshot", async () => {
    mkdirSync(SHOTS, { recursive: true });
    const path = join(SHOTS, "report.png");
    await page.screenshot({ path, fullPage: true });
    assert.ok(readFileSync(path).length > 10_000);
  });
});
