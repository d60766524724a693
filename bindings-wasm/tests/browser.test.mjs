// The demo form in a real browser: Debian's chromium driven by playwright-core against the
// page served on localhost. Screenshots of the form with its alerts go to
// artifacts/screenshots/ at the repository root (KAKUNIN_SCREENSHOTS overrides the folder).
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serve } from "../scripts/serve.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SHOTS =
  process.env.KAKUNIN_SCREENSHOTS ??
  fileURLToPath(new URL("../../artifacts/screenshots/", import.meta.url));
const AS_OF = "2024-06-01";
const field = (path) => `[data-field="${path}"]`;
const control = (path) => `[data-path="${path}"]`;

const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing (apt-get install chromium): browser tests skipped`;

describe("the demo form in Chromium", { skip }, () => {
  let server;
  let url;
  let browser;
  let rulesForCompare;

  before(async () => {
    const { chromium } = await import("playwright-core");
    ({ server, url } = await serve({ port: 0 }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    });
    mkdirSync(SHOTS, { recursive: true });
    const { RuleSet } = await import("../js/node.mjs");
    rulesForCompare = RuleSet.bundled("hersys");
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  });

  async function openForm(query = "") {
    const context = await browser.newContext({ locale: "ja-JP", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // A red line in the console (a failed request, an error logged) is an error of the page too.
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${url}/demo/?as_of=${AS_OF}${query}`);
    await page.waitForSelector("body[data-ready]");
    assert.equal(await page.getAttribute("body", "data-ready"), "true", "the page loaded kakunin");
    await page.waitForLoadState("networkidle");
    assert.deepEqual(errors, [], "nothing in the console");
    page.errors = errors;
    return page;
  }

  async function alertsOf(page, path, rule) {
    return page.locator(`${field(path)} .alert[data-rule="${rule}"]`).count();
  }

  async function shot(page, name, selector) {
    const path = `${SHOTS}${name}.png`;
    if (selector) await page.locator(selector).first().screenshot({ path });
    else await page.screenshot({ path, fullPage: false });
    assert.ok(existsSync(path));
  }

  test("the ES module for browsers: init, check on plain objects, errors with a kind", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/tests/blank.html`);
    const result = await page.evaluate(async (asOf) => {
      const kakunin = await import("/js/web.js");
      let before;
      try {
        kakunin.RuleSet.bundled("hersys");
      } catch (e) {
        before = { name: e.name, kind: e.kind };
      }
      await kakunin.init();
      await kakunin.init(); // twice is fine
      const rules = kakunin.RuleSet.bundled("hersys");
      const report = rules.check(
        { notification: { diagnosed_on: "2021-08-10", onset_on: "2021-08-12" } },
        { as_of: asOf, stage: "draft" },
      );
      let bad;
      try {
        rules.check({}, { stage: "final" });
      } catch (e) {
        bad = { name: e.name, kind: e.kind, isError: e instanceof Error };
      }
      const malformed = rules.check("not a record", { as_of: asOf });
      return {
        before,
        bad,
        plain: Object.getPrototypeOf(report) === Object.prototype && Array.isArray(report.findings),
        findings: report.findings.map((f) => [f.rule, [...f.paths].sort()]),
        malformed: malformed.findings.map((f) => f.rule),
        version: rules.version,
        hash: rules.hash,
      };
    }, AS_OF);
    assert.deepEqual(result.before, { name: "KakuninError", kind: "not-initialised" });
    assert.deepEqual(result.bad, { name: "KakuninError", kind: "invalid-option", isError: true });
    assert.equal(result.plain, true);
    assert.deepEqual(result.findings, [
      ["dates/onset-after-diagnosis", ["/notification/diagnosed_on", "/notification/onset_on"]],
    ]);
    assert.deepEqual(result.malformed, ["structure/not-an-object"]);
    assert.equal(result.hash, rulesForCompare.hash, "the same pack as in Node");
    await context.close();
  });

  test("RuleSet.fromFiles runs in the authoring module, loaded only by initAuthoring", async () => {
    const packs = new URL("../../tests/hostile/packs/", import.meta.url);
    const read = (path) => readFileSync(new URL(path, packs), "utf8");
    const files = {
      "pack.toml": read("_base/pack.toml"),
      "record.schema.json": read("_base/record.schema.json"),
      "d/order.toml": read("a-good-pack/d/order.toml"),
    };
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/tests/blank.html`);
    const result = await page.evaluate(
      async ({ files, asOf }) => {
        const kakunin = await import("/js/web.js");
        await kakunin.init();
        let before;
        try {
          kakunin.RuleSet.fromFiles(files);
        } catch (e) {
          before = { name: e.name, kind: e.kind };
        }
        const fetched = () => performance.getEntriesByType("resource").map((r) => r.name);
        const authoringBefore = fetched().some((n) => n.includes("/authoring/"));
        await kakunin.initAuthoring();
        const rules = kakunin.RuleSet.fromFiles(files);
        const report = rules.check({ dx: "2021-01-02", rx: "2021-01-01" }, { as_of: asOf });
        return {
          before,
          authoringBefore,
          authoringAfter: fetched().some((n) => n.includes("/authoring/")),
          findings: report.findings.map((f) => [f.rule, f.paths]),
        };
      },
      { files, asOf: AS_OF },
    );
    assert.deepEqual(result.before, { name: "KakuninError", kind: "not-initialised" });
    assert.equal(result.authoringBefore, false, "init() does not fetch the authoring module");
    assert.equal(result.authoringAfter, true);
    assert.deepEqual(result.findings, [["d/order", ["/dx", "/rx"]]]);
    await context.close();
  });

  test("an onset date after the diagnosis date is shown on both date fields, and goes when corrected", async () => {
    const page = await openForm();
    const rule = "dates/onset-after-diagnosis";
    await page.fill(control("/notification/diagnosed_on"), "2021-08-10");
    await page.fill(control("/notification/onset_on"), "2021-08-12");
    for (const path of ["/notification/diagnosed_on", "/notification/onset_on"]) {
      assert.equal(await alertsOf(page, path, rule), 1, `alert under ${path}`);
      const input = page.locator(control(path));
      assert.equal(await input.getAttribute("aria-invalid"), "true");
      const describedBy = await input.getAttribute("aria-describedby");
      const description = await page.locator(`#${describedBy}`).innerText();
      assert.match(description, /発病年月日（2021-08-12）が診断年月日（2021-08-10）より後/);
    }
    // Nothing about fields not reached yet (draft stage).
    assert.equal(await page.locator('.alert[data-rule^="required/"]').count(), 0);
    assert.equal(await page.locator("#tab-notification .badge").innerText(), "1");
    await page.locator(field("/notification/diagnosed_on")).scrollIntoViewIfNeeded();
    await shot(page, "demo-onset-after-diagnosis", "#panel-notification .section:has([data-field='/notification/onset_on'])");

    await page.fill(control("/notification/onset_on"), "2021-08-07");
    for (const path of ["/notification/diagnosed_on", "/notification/onset_on"]) {
      assert.equal(await alertsOf(page, path, rule), 0, `no alert under ${path}`);
      const input = page.locator(control(path));
      assert.equal(await input.getAttribute("aria-invalid"), null);
      assert.equal(await input.getAttribute("aria-describedby"), null);
    }
    assert.equal(await page.locator(".alert").count(), 0);
    assert.equal(await page.locator("#tab-notification .badge").isHidden(), true);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a number field reads full-width digits and shows what is not a number", async () => {
    const page = await openForm();
    const age = "/notification/patient/age";
    const ageOf = () => page.evaluate(() => window.kakuninDemo.record().notification?.patient?.age);
    // Typed with a Japanese IME.
    await page.fill(control(age), "３６");
    assert.equal(await ageOf(), 36);
    assert.equal(await page.locator(".alert").count(), 0);
    await page.fill(control("/notification/spo2"), "９６．５");
    assert.equal(await page.evaluate(() => window.kakuninDemo.record().notification.spo2), 96.5);
    // Text that is no number is shown on the field; a number input would have read it as "".
    await page.fill(control(age), "36歳");
    assert.equal(await ageOf(), "36歳");
    assert.equal(await alertsOf(page, age, "structure/type"), 1);
    assert.equal(await page.getAttribute(control(age), "aria-invalid"), "true");
    await page.fill(control(age), "3e");
    assert.equal(await alertsOf(page, age, "structure/type"), 1);
    await page.fill(control(age), "");
    assert.equal(await ageOf(), undefined);
    assert.equal(await page.locator(".alert").count(), 0);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a date's year being typed digit by digit is not judged until it is whole", async () => {
    const page = await openForm("&sample");
    const diagnosed = control("/notification/diagnosed_on");
    const values = [];
    await page.$eval(diagnosed, (input) => input.addEventListener("input", () => (window.typed ??= []).push(input.value)));
    // The year segment of the date field (Chromium's order here: mm/dd/yyyy); Chromium gives
    // 0002-08-10, 0020-08-10, 0202-08-10 on the way to 2021-08-10.
    await page.click(diagnosed);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    for (const digit of "2020") {
      await page.keyboard.type(digit);
      values.push(await page.inputValue(diagnosed));
      if (!values.at(-1).startsWith("2020")) assert.equal(await page.locator(".alert").count(), 0, values.at(-1));
    }
    assert.deepEqual(await page.evaluate(() => window.typed), ["0002-08-10", "0020-08-10", "0202-08-10", "2020-08-10"]);
    // A whole year is judged at once (2020-08-10: before the onset, the report, ...).
    assert.ok((await alertsOf(page, "/notification/diagnosed_on", "dates/onset-after-diagnosis")) > 0);
    // A short year left in the field is judged when the field is left.
    await page.keyboard.press("Backspace");
    await page.keyboard.type("202");
    assert.equal(await page.inputValue(diagnosed), "0202-08-10");
    await page.click(control("/notification/patient/occupation"));
    assert.equal(await alertsOf(page, "/notification/diagnosed_on", "dates/before-pandemic"), 1);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("nothing is judged while a Japanese IME is still converting", async () => {
    const page = await openForm();
    const ime = await page.context().newCDPSession(page);
    const kana = "/notification/patient/name_kana";
    const rule = "formats/name-kana";
    await page.focus(control(kana));
    // Romaji and hiragana on the way to katakana: not what the user means yet.
    for (const text of ["y", "や", "やま", "やまd", "やまだ"]) {
      await ime.send("Input.imeSetComposition", { text, selectionStart: text.length, selectionEnd: text.length });
      assert.equal(await alertsOf(page, kana, rule), 0, `while converting ${text}`);
    }
    await ime.send("Input.insertText", { text: "ヤマダ" });
    assert.equal(await page.inputValue(control(kana)), "ヤマダ");
    assert.equal(await alertsOf(page, kana, rule), 0);
    // Committed as hiragana: now it is what the user means, and it is judged.
    await page.fill(control(kana), "");
    await ime.send("Input.imeSetComposition", { text: "やまだ", selectionStart: 3, selectionEnd: 3 });
    assert.equal(await alertsOf(page, kana, rule), 0);
    await ime.send("Input.insertText", { text: "やまだ" });
    assert.equal(await alertsOf(page, kana, rule), 1);
    assert.equal((await page.evaluate(() => window.kakuninDemo.record())).notification.patient.name_kana, "やまだ");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a finding across tabs marks the field in each tab and the other tab's badge", async () => {
    const page = await openForm("&sample");
    assert.equal(await page.locator(".alert").count(), 0, "the sample has no finding");
    await page.click("#tab-basic");
    await page.fill(control("/basic/name"), "山田 次郎");
    const rule = "crosstab/basic-differs";
    assert.equal(await alertsOf(page, "/basic/name", rule), 1);
    assert.equal(await alertsOf(page, "/notification/patient/name", rule), 1);
    assert.equal(await page.locator("#tab-notification .badge").innerText(), "1");
    assert.equal(await page.locator("#tab-basic .badge").innerText(), "1");
    await shot(page, "demo-across-tabs", "#panel-basic");
    await page.context().close();
  });

  test("submitting with required items missing lists them and does not submit", async () => {
    const page = await openForm();
    await page.selectOption(control("/notification/case_class"), "patient");
    await page.fill(control("/notification/diagnosed_on"), "2021-08-10");
    await page.fill(control("/notification/patient/name"), "山田 太郎");
    await page.click("#submit");
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "blocked");
    assert.match(await page.innerText("#submit-status"), /エラーが\d+件あります/);
    assert.equal(await page.locator("#submitted").isHidden(), true, "not submitted");
    const items = page.locator('#submit-findings li[data-rule^="required/"]');
    assert.ok((await items.count()) > 5, "the missing items are listed");
    for (const rule of ["required/dates", "required/onset", "required/physician", "required/identity"]) {
      assert.ok(
        (await page.locator(`#submit-findings li[data-rule="${rule}"]`).count()) > 0,
        `${rule} is listed`,
      );
    }
    assert.equal(
      await page.locator('#submit-findings li[data-rule="required/case-class"]').count(),
      0,
      "what was entered is not listed",
    );
    // Every listed finding links to its field; the link focuses it.
    const report = await page.evaluate(() => window.kakuninDemo.report());
    assert.equal(await page.locator("#submit-findings li").count(), report.findings.length);
    await shot(page, "demo-submit-missing", "#submit-area");
    const link = page.locator('#submit-findings li[data-rule="required/dates"] a.goto').first();
    await link.click();
    const focused = await page.evaluate(() => document.activeElement?.dataset.path);
    assert.equal(focused, "/notification/reported_on");
    assert.equal(await page.getAttribute(control("/notification/reported_on"), "aria-invalid"), "true");
    // A link to a field on another tab switches to that tab.
    const sex = page.locator('#submit-findings li[data-rule="required/identity"] a.goto[data-path="/notification/patient/sex"]');
    await page.click("#tab-tests");
    await sex.click();
    assert.equal(await page.getAttribute("#tab-notification", "aria-selected"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.path), "/notification/patient/sex");
    // An error cannot be acknowledged away.
    const errorItems = page.locator('#submit-findings li[data-severity="error"] button.ack');
    assert.equal(await errorItems.count(), 0);
    await page.click("#submit");
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "blocked");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("acknowledging a warning with a reason lets a record with only warnings be submitted", async () => {
    const page = await openForm();
    await page.click("#load-sample");
    assert.equal(await page.locator(".alert").count(), 0);
    await page.fill(control("/notification/onset_on"), "2021-08-12");
    await page.click("#submit");
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "blocked");
    assert.match(await page.innerText("#submit-status"), /未確認の警告が1件/);
    const item = page.locator('#submit-findings li[data-rule="dates/onset-after-diagnosis"]');
    assert.equal(await item.getAttribute("data-severity"), "warning");
    // No reason, no acknowledgement.
    await item.locator("button.ack").click();
    assert.equal(await item.locator(".ack-hint").isVisible(), true);
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "blocked");
    await item.locator("input.ack-reason").fill("本人の申告どおり（診断後に症状が出た）");
    await shot(page, "demo-acknowledge-warning", "#submit-area");
    await item.locator("button.ack").click();
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "ready");
    const acknowledged = page.locator('#submit-findings li[data-rule="dates/onset-after-diagnosis"]');
    assert.match(await acknowledged.innerText(), /確認済み/);
    assert.equal(await page.getAttribute(control("/notification/onset_on"), "aria-invalid"), null);
    await page.click("#submit");
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "submitted");
    assert.equal(await page.locator("#submitted").isVisible(), true);
    const record = JSON.parse(await page.locator("#submitted-json").textContent());
    assert.equal(record.acknowledged.length, 1);
    assert.equal(record.acknowledged[0].rule, "dates/onset-after-diagnosis");
    assert.equal(record.acknowledged[0].reason, "本人の申告どおり（診断後に症状が出た）");
    // The submitted record, checked in Node, has no error and no open warning either.
    const report = rulesForCompare.check(record, { as_of: AS_OF });
    assert.equal(report.ok, true);
    assert.equal(report.counts.warning, 0);
    assert.equal(report.counts.acknowledged, 1);
    await shot(page, "demo-submitted", "#submit-area");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a reason being typed survives editing the form, and each warning has its own reason box", async () => {
    const page = await openForm("&sample");
    await page.fill(control("/notification/patient/phone"), "abc");
    await page.fill(control("/notification/physician/phone"), "xyz");
    await page.click("#submit");
    const phones = page.locator('#submit-findings li[data-rule="formats/phone"]');
    assert.equal(await phones.count(), 2);
    const ids = await page.$$eval("#submit-findings input.ack-reason", (inputs) => inputs.map((i) => i.id));
    assert.equal(new Set(ids).size, ids.length, `ids unique: ${ids}`);
    // The second item's label is for the second item's box.
    await phones.nth(1).locator("label").click();
    assert.equal(await page.evaluate(() => document.activeElement.closest("li")?.dataset.rule), "formats/phone");
    assert.equal(await phones.nth(1).locator("input.ack-reason").evaluate((i) => i === document.activeElement), true);
    // A reason typed, then a field corrected elsewhere (the list is checked again): still there.
    const reason = "番号は本人の申告どおり";
    const basic = page.locator('#submit-findings li[data-rule="crosstab/basic-differs"] input.ack-reason');
    await basic.fill(reason);
    await page.fill(control("/notification/physician/phone"), "03-5555-0001");
    assert.equal(await phones.count(), 1);
    assert.equal(await basic.inputValue(), reason);
    await page.click("#lang-en");
    assert.equal(await basic.inputValue(), reason, "and a change of language");
    await page.locator('#submit-findings li[data-rule="crosstab/basic-differs"] button.ack').click();
    const record = await page.evaluate(() => window.kakuninDemo.record());
    assert.deepEqual(record.acknowledged.map((a) => [a.rule, a.reason]), [["crosstab/basic-differs", reason]]);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("an error blocks submission until it is corrected", async () => {
    const page = await openForm("&sample");
    await page.fill(control("/notification/reported_on"), "2021-08-09");
    await page.click("#submit");
    const item = page.locator('#submit-findings li[data-rule="dates/report-before-diagnosis"]');
    assert.equal(await item.getAttribute("data-severity"), "error");
    assert.equal(await item.locator("button.ack").count(), 0);
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "blocked");
    await page.fill(control("/notification/reported_on"), "2021-08-10");
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "ready");
    await page.click("#submit");
    assert.equal(await page.getAttribute("#submit-status", "data-state"), "submitted");
    await page.context().close();
  });

  test("switching to English changes the messages and the labels", async () => {
    const page = await openForm();
    await page.fill(control("/notification/diagnosed_on"), "2021-08-10");
    await page.fill(control("/notification/onset_on"), "2021-08-12");
    const alert = page.locator(`${field("/notification/onset_on")} .alert .msg`);
    const japanese = await alert.innerText();
    assert.match(japanese, /発病年月日/);
    await page.click("#lang-en");
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.equal(await page.getAttribute("#lang-en", "aria-pressed"), "true");
    const english = await alert.innerText();
    assert.notEqual(english, japanese);
    const record = await page.evaluate(() => window.kakuninDemo.record());
    const expected = rulesForCompare
      .check(record, { as_of: AS_OF, stage: "draft", locale: "en" })
      .findings.find((f) => f.rule === "dates/onset-after-diagnosis");
    assert.equal(english, expected.message);
    assert.match(english, /^[\x20-\x7e]+$/, "an English message");
    assert.equal(await page.locator(`${field("/notification/onset_on")} .label`).innerText(), "Onset date");
    assert.equal(await page.innerText("#tab-notification .tab-name"), "Notification");
    assert.equal(await page.innerText(`${field("/notification/onset_on")} .alert .sev`), "Warning");
    await page.locator(field("/notification/diagnosed_on")).scrollIntoViewIfNeeded();
    await shot(page, "demo-english", "#panel-notification .section:has([data-field='/notification/onset_on'])");
    await page.click("#submit");
    assert.match(await page.innerText("#submit-status"), /must be fixed before/);
    await page.click("#lang-ja");
    assert.equal(await alert.innerText(), japanese);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("array rows are added and removed, and the alerts follow the items", async () => {
    const page = await openForm("&sample");
    await page.click("#tab-tests");
    const rows = page.locator("#panel-tests fieldset.row");
    assert.equal(await rows.count(), 3);
    const add = page.locator('#panel-tests button.add-row');
    await add.click();
    assert.equal(await rows.count(), 4);
    assert.equal(await page.evaluate(() => document.activeElement.dataset.path), "/tests/3/method", "the new row has the focus");
    await page.selectOption(control("/tests/3/method"), "antigen_qualitative");
    await page.selectOption(control("/tests/3/specimen"), "stool");
    const rule = "crosstab/method-specimen";
    assert.equal(await alertsOf(page, "/tests/3/specimen", rule), 1);
    // The sample's test (row 1) removed: the rows after it move up, and so do their alerts.
    await rows.nth(0).locator("button.remove-row").click();
    assert.equal(await rows.count(), 3);
    assert.equal(await alertsOf(page, "/tests/2/specimen", rule), 1);
    assert.equal(await page.locator(`#panel-tests .alert[data-rule="${rule}"]`).count(), 2, "method and specimen");
    const record = await page.evaluate(() => window.kakuninDemo.record());
    assert.deepEqual(record.tests, [{ method: "antigen_qualitative", specimen: "stool" }]);
    await rows.nth(2).locator("button.remove-row").click();
    assert.equal(await page.locator(".alert").count(), 0);
    assert.equal(await page.evaluate(() => window.kakuninDemo.record().tests), undefined);
    // A record with more items than the form's rows keeps them all, and its findings show on them.
    const five = Array.from({ length: 5 }, (_, i) => ({ method: "naat", specimen: "saliva", sampled_on: `2021-08-0${i + 1}` }));
    Object.assign(five[4], { method: "antigen_qualitative", specimen: "stool" });
    await page.evaluate((tests) => window.kakuninDemo.load({ tests }), five);
    assert.equal(await rows.count(), 5);
    assert.deepEqual((await page.evaluate(() => window.kakuninDemo.record())).tests, five);
    assert.equal(await alertsOf(page, "/tests/4/specimen", rule), 1);
    await page.click("#lang-en");
    assert.equal(await rows.nth(4).locator("legend").innerText(), "#5");
    assert.equal(await rows.nth(4).locator("button.remove-row").innerText(), "Remove this row");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("the whole form, with alerts on several tabs", async () => {
    const page = await openForm("&sample");
    await page.fill(control("/notification/tests/0/sampled_on"), "2021-08-12");
    await page.fill(control("/notification/spo2"), "120");
    await page.fill(control("/notification/onset_on"), "2021-08-12");
    await page.click("#tab-tests");
    await page.selectOption(control("/tests/0/method"), "antigen_qualitative");
    await page.selectOption(control("/tests/0/specimen"), "stool");
    await page.click("#tab-notification");
    await page.screenshot({ path: `${SHOTS}demo-form.png`, fullPage: true });
    await page.click("#tab-tests");
    await shot(page, "demo-tests-tab", "main");
    const report = await page.evaluate(() => window.kakuninDemo.report());
    const rules = report.findings.map((f) => f.rule).sort();
    assert.deepEqual(rules, [
      "crosstab/method-specimen",
      "dates/onset-after-diagnosis",
      "dates/sampled-after-diagnosis",
      "ranges/spo2-impossible",
    ]);
    for (const finding of report.findings) {
      // Every field a finding involves shows the alert, on whatever tab it is.
      for (const path of new Set([finding.path, ...finding.paths])) {
        assert.equal(await alertsOf(page, path, finding.rule), 1, `${finding.rule} under ${path}`);
        assert.equal(await page.getAttribute(control(path), "aria-invalid"), "true", path);
      }
    }
    assert.equal(await page.locator("#tab-tests .badge").innerText(), "1");
    assert.equal(await page.locator("#tab-notification .badge").innerText(), "3");
    await page.context().close();
  });
});
