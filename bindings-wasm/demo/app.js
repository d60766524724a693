// The notification form: builds the tabs from layout.js, reads them into a case record, and
// shows kakunin's findings under every field each finding involves. No rule lives here: the
// page only asks `rules.check(record, {stage, locale})` and places what comes back.
import { init, RuleSet, todayInJapan } from "../js/web.js";
import { TABS } from "./layout.js";
import { sampleRecord } from "./sample.js";

const UI = {
  ja: {
    title: "新型コロナウイルス感染症 発生届",
    subtitle: "入力チェック：kakunin（WebAssembly）",
    loadSample: "サンプルを読み込む",
    clear: "新規（クリア）",
    submit: "提出",
    beforeSubmit: "提出前の確認",
    submittedHeading: "提出しました",
    showRecord: "提出したレコード（JSON）",
    footer:
      "すべての入力はこのブラウザの中だけで確認されます（どこにも送信されません）。表示される人物・値は架空のものです。",
    severity: { error: "エラー", warning: "警告", info: "情報" },
    acknowledged: "確認済み",
    reason: "理由",
    acknowledge: "確認済みにする",
    needReason: "確認済みにする理由を入力してください。",
    blockedErrors: (n) => `エラーが${n}件あります。修正するまで提出できません。`,
    blockedWarnings: (n) =>
      `未確認の警告が${n}件あります。内容を確かめ、理由を入力して確認済みにしてから提出してください。`,
    ready: "提出できます。「提出」を押してください。",
    submittedNote: (r, n) =>
      `ルールセット ${r.pack.name} ${r.pack.version}（${r.pack.hash.slice(0, 12)}）で確認しました。確認済みの警告：${n}件。`,
    none: "（未選択）",
    yes: "はい",
    no: "いいえ",
    asOf: "基準日",
    goTo: "項目へ移動",
    recordLevel: "レコード全体",
    ackHeading: "確認済みの警告",
    ackBy: "デモ利用者",
    remove: "取り消す",
    noFindings: "指摘はありません。",
    row: (n) => `${n}件目`,
    tabs: "タブ",
    addRow: "行を追加",
    removeRow: "この行を削除",
    check: (ms) => `確認 ${ms} ms`,
    loadFailed: "kakunin を読み込めませんでした：",
  },
  en: {
    title: "COVID-19 notification (Article 12)",
    subtitle: "Checked as you type by kakunin (WebAssembly)",
    loadSample: "Load the sample",
    clear: "New (clear)",
    submit: "Submit",
    beforeSubmit: "Before submitting",
    submittedHeading: "Submitted",
    showRecord: "The submitted record (JSON)",
    footer:
      "Everything is checked inside this browser; nothing is sent anywhere. All people and values shown are fictitious.",
    severity: { error: "Error", warning: "Warning", info: "Info" },
    acknowledged: "Acknowledged",
    reason: "Reason",
    acknowledge: "Acknowledge",
    needReason: "Give a reason to acknowledge this warning.",
    blockedErrors: (n) => `${n} error${n === 1 ? "" : "s"} must be fixed before the notification can be submitted.`,
    blockedWarnings: (n) =>
      `${n} warning${n === 1 ? "" : "s"} not acknowledged yet: check each and give a reason to acknowledge it.`,
    ready: "Ready: press Submit.",
    submittedNote: (r, n) =>
      `Checked with rule set ${r.pack.name} ${r.pack.version} (${r.pack.hash.slice(0, 12)}). Acknowledged warnings: ${n}.`,
    none: "(not chosen)",
    yes: "Yes",
    no: "No",
    asOf: "as of",
    goTo: "Go to the field",
    recordLevel: "Whole record",
    ackHeading: "Acknowledged warnings",
    ackBy: "demo user",
    remove: "Remove",
    noFindings: "Nothing to report.",
    row: (n) => `#${n}`,
    tabs: "Tabs",
    addRow: "Add a row",
    removeRow: "Remove this row",
    check: (ms) => `check ${ms} ms`,
    loadFailed: "kakunin could not be loaded: ",
  },
};

const params = new URLSearchParams(location.search);
const AS_OF = params.get("as_of") || undefined;

const state = {
  locale: params.get("lang") === "en" ? "en" : "ja",
  submitAttempted: false,
  submitted: false,
  extra: { id: undefined, acknowledged: [] },
  rowMaps: new Map(),
  reasons: new Map(), // rule -> acknowledgement reason being typed
  report: null,
  activeTab: TABS[0].id,
};

let rules;
let labels; // pattern -> {title, title_en}
let codes; // list -> code -> {ja, en}
const fields = []; // every input (or group) with its alerts
const targets = new Map(); // JSON Pointer (as laid out in the form) -> field or section target
const arrays = []; // array sections: {array, section, byRow: [[field]], legends, rowBoxes, ...}
const tabs = new Map(); // tab id -> {button, panel, badge}
let recordTarget;
let uid = 0;

const $ = (id) => document.getElementById(id);
const t = () => UI[state.locale];

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children);
  return node;
}

// ---------------------------------------------------------------- JSON Pointers

const pattern = (pointer) => pointer.replace(/\/\d+(?=\/|$)/g, "/*");

function getPointer(obj, pointer) {
  let cur = obj;
  for (const key of pointer.split("/").slice(1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = cur[key];
  }
  return cur;
}

function setPointer(obj, pointer, value) {
  const keys = pointer.split("/").slice(1);
  let cur = obj;
  keys.slice(0, -1).forEach((key, i) => {
    if (cur[key] === null || typeof cur[key] !== "object") {
      cur[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    }
    cur = cur[key];
  });
  cur[keys.at(-1)] = value;
}

/** A finding's pointer into the record -> the pointer of the form row that holds it. */
function formPointer(pointer) {
  for (const section of arrays) {
    const prefix = `${section.array}/`;
    if (!pointer.startsWith(prefix)) continue;
    const rest = pointer.slice(prefix.length);
    const [index, ...tail] = rest.split("/");
    const row = state.rowMaps.get(section.array)?.[Number(index)];
    if (row === undefined) return section.array;
    return [`${section.array}/${row}`, ...tail].join("/");
  }
  return pointer;
}

/** The nearest field (or section, or the whole record) shown for a pointer. */
function targetFor(pointer) {
  let p = formPointer(pointer);
  while (p) {
    const target = targets.get(p);
    if (target) return target;
    p = p.slice(0, p.lastIndexOf("/"));
  }
  return recordTarget;
}

// ---------------------------------------------------------------- building the form

function labelOf(path) {
  const info = labels.get(pattern(path));
  if (!info) return path.split("/").at(-1);
  return state.locale === "ja" ? info.title : info.title_en || info.title;
}

function codeLabel(list, code) {
  const entry = codes[list]?.[code];
  return entry ? entry[state.locale] : code;
}

function buildControl(field) {
  const { spec, id, path } = field;
  const common = { id, "data-path": path };
  switch (spec.type) {
    case "code": {
      const select = h("select", common);
      select.append(h("option", { value: "" }));
      for (const code of Object.keys(codes[spec.list] ?? {})) select.append(h("option", { value: code }));
      return select;
    }
    case "bool":
      return h("select", common, h("option", { value: "" }), h("option", { value: "true" }), h("option", { value: "false" }));
    case "multi": {
      const select = h("select", { ...common, multiple: true, size: 4 });
      for (const code of Object.keys(codes[spec.list] ?? {})) select.append(h("option", { value: code }));
      return select;
    }
    case "codes": {
      const group = h("div", { ...common, role: "group", class: "checks", "aria-labelledby": `${id}-label` });
      for (const code of Object.keys(codes[spec.list] ?? {})) {
        const box = h("input", { type: "checkbox", value: code, id: `${id}-${code}` });
        group.append(h("label", { class: "check", for: box.id }, box, h("span", { "data-code": code })));
      }
      return group;
    }
    case "date":
      return h("input", { ...common, type: "date" });
    // Text, not type=number: a number input reads what it cannot parse ("3e", "36歳", full-width
    // digits in some browsers) as "", and the entry would silently count as not entered.
    case "int":
      return h("input", { ...common, type: "text", inputmode: "numeric", autocomplete: "off" });
    case "number":
      return h("input", { ...common, type: "text", inputmode: "decimal", autocomplete: "off" });
    case "tel":
      return h("input", { ...common, type: "tel", autocomplete: "off" });
    case "datetime":
      return h("input", { ...common, type: "text", placeholder: "2021-08-10T15:12:00+09:00", spellcheck: "false" });
    default:
      return h("input", { ...common, type: "text", autocomplete: "off" });
  }
}

function addField(container, path, spec, tab, row) {
  const id = `f${++uid}`;
  const field = { path, spec, id, tab, row };
  const isGroup = spec.type === "codes";
  field.label = isGroup ? h("span", { id: `${id}-label`, class: "label" }) : h("label", { for: id, class: "label", id: `${id}-label` });
  field.control = buildControl(field);
  field.alerts = h("div", { class: "alert-list", id: `${id}-alerts` });
  field.wrapper = h("div", { class: `field${spec.wide ? " wide" : ""}`, "data-field": path }, field.label, field.control, field.alerts);
  container.append(field.wrapper);
  fields.push(field);
  targets.set(path, field);
  return field;
}

function buildForm() {
  const tablist = $("tabs");
  const panels = $("panels");
  for (const tab of TABS) {
    const button = h("button", {
      type: "button",
      role: "tab",
      id: `tab-${tab.id}`,
      "aria-controls": `panel-${tab.id}`,
      "data-tab": tab.id,
    });
    const name = h("span", { class: "tab-name" });
    const badge = h("span", { class: "badge", hidden: true });
    button.append(name, badge);
    const panel = h("div", { role: "tabpanel", id: `panel-${tab.id}`, "aria-labelledby": `tab-${tab.id}`, tabindex: "-1" });
    tabs.set(tab.id, { spec: tab, button, panel, name, badge });
    tablist.append(button);
    panels.append(panel);
    for (const section of tab.sections) {
      const heading = h("h2", { class: "section-title" });
      const box = h("section", { class: "section" }, heading);
      section.heading = heading;
      panel.append(box);
      if (!section.array) {
        const sectionAlerts = h("div", { class: "alert-list", id: `a${++uid}-alerts` });
        const grid = h("div", { class: "fields" });
        box.append(sectionAlerts, grid);
        const added = section.fields.map((spec) => addField(grid, spec.path, spec, tab.id));
        const target = { path: section.at?.[0], tab: tab.id, wrapper: box, alerts: sectionAlerts, control: added[0].control };
        for (const pointer of section.at ?? []) targets.set(pointer, target);
        continue;
      }
      const arrayAlerts = h("div", { class: "alert-list", id: `a${++uid}-alerts` });
      const rowsBox = h("div", { class: "rows" });
      const add = h("button", { type: "button", class: "link add-row", "data-i18n": "addRow", "data-array": section.array });
      box.append(arrayAlerts, rowsBox, add);
      const target = { path: section.array, tab: tab.id, wrapper: box, alerts: arrayAlerts, control: add };
      targets.set(section.array, target);
      const entry = { array: section.array, section, tab: tab.id, target, rowsBox, add, byRow: [], legends: [], rowBoxes: [] };
      add.addEventListener("click", () => {
        setRows(entry, entry.byRow.length + 1);
        entry.byRow.at(-1)[0].control.focus();
        check();
      });
      setRows(entry, section.rows);
      arrays.push(entry);
    }
    const ack = tab.id === "record" ? buildAcknowledgedSection() : null;
    if (ack) panel.append(ack);
  }
  // Longest arrays first, so /notification/tests is not taken for /tests.
  arrays.sort((a, b) => b.array.length - a.array.length);
  recordTarget = { path: "", tab: null, wrapper: $("record-alerts"), alerts: $("record-alerts"), control: null };
  tablist.addEventListener("click", (e) => {
    const button = e.target.closest("[role=tab]");
    if (button) activateTab(button.dataset.tab, true);
  });
  tablist.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const ids = TABS.map((tab) => tab.id);
    const i = ids.indexOf(state.activeTab);
    const next = ids[(i + (e.key === "ArrowRight" ? 1 : ids.length - 1)) % ids.length];
    activateTab(next, true);
    e.preventDefault();
  });
  activateTab(state.activeTab, false);
}

function buildAcknowledgedSection() {
  const heading = h("h2", { class: "section-title", id: "ack-heading" });
  const list = h("ul", { id: "ack-list", class: "ack-list" });
  return h("section", { class: "section", "aria-labelledby": "ack-heading" }, heading, list);
}

function activateTab(id, focus) {
  state.activeTab = id;
  for (const [tabId, tab] of tabs) {
    const on = tabId === id;
    tab.button.setAttribute("aria-selected", String(on));
    tab.button.tabIndex = on ? 0 : -1;
    tab.panel.hidden = !on;
  }
  if (focus) tabs.get(id).button.focus();
}

/** Every text that depends on the language. */
function relabel() {
  const ui = t();
  document.documentElement.lang = state.locale;
  document.title = `${ui.title} — kakunin`;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    const text = ui[node.dataset.i18n];
    if (typeof text === "string") node.textContent = text;
  }
  for (const button of document.querySelectorAll("[data-locale]")) {
    button.setAttribute("aria-pressed", String(button.dataset.locale === state.locale));
  }
  $("tabs").setAttribute("aria-label", ui.tabs);
  for (const tab of tabs.values()) {
    tab.name.textContent = tab.spec[state.locale];
    for (const section of tab.spec.sections) section.heading.textContent = section[state.locale];
  }
  for (const entry of arrays) entry.legends.forEach((legend, r) => (legend.textContent = ui.row(r + 1)));
  for (const field of fields) labelField(field);
  const ack = $("ack-heading");
  if (ack) ack.textContent = ui.ackHeading;
  const info = rules.info();
  $("pack-info").textContent = `${info.name} ${info.version} · ${info.hash.slice(0, 12)} · ${ui.asOf} ${AS_OF ?? todayInJapan()}`;
}

/** A field's label and choices in the page's language. */
function labelField(field) {
  const ui = t();
  field.label.textContent = labelOf(field.path);
  const { control, spec } = field;
  if (spec.type === "code" || spec.type === "multi") {
    for (const option of control.options) {
      option.textContent = option.value === "" ? ui.none : codeLabel(spec.list, option.value);
    }
  } else if (spec.type === "bool") {
    const [none, yes, no] = control.options;
    none.textContent = ui.none;
    yes.textContent = ui.yes;
    no.textContent = ui.no;
  } else if (spec.type === "codes") {
    for (const span of control.querySelectorAll("[data-code]")) span.textContent = codeLabel(spec.list, span.dataset.code);
  }
  return field;
}

/** Gives an array section `n` rows: new ones at the end, those past `n` removed with their fields. */
function setRows(entry, n) {
  while (entry.byRow.length < n) {
    const r = entry.byRow.length;
    const legend = h("legend", { text: t().row(r + 1) });
    const remove = h("button", { type: "button", class: "link remove-row", "data-i18n": "removeRow", text: t().removeRow });
    remove.addEventListener("click", () => removeRow(entry, r));
    const grid = h("div", { class: "fields" });
    const rowBox = h("fieldset", { class: "row", "data-row": `${entry.array}/${r}` }, legend, grid, remove);
    entry.rowsBox.append(rowBox);
    entry.legends.push(legend);
    entry.rowBoxes.push(rowBox);
    entry.byRow.push(entry.section.fields.map((spec) => labelField(addField(grid, `${entry.array}/${r}/${spec.key}`, spec, entry.tab, r))));
  }
  while (entry.byRow.length > n) {
    for (const field of entry.byRow.pop()) {
      fields.splice(fields.indexOf(field), 1);
      targets.delete(field.path);
    }
    entry.legends.pop();
    entry.rowBoxes.pop().remove();
  }
  // Findings about the array as a whole are shown at its head and focus its first field.
  entry.target.control = entry.byRow[0]?.[0].control ?? entry.add;
}

/** Removes row `r`: the rows after it move up, as the record's items after item `r` do. */
function removeRow(entry, r) {
  const values = entry.byRow.map((row) => row.map(readControl));
  values.splice(r, 1);
  setRows(entry, values.length);
  entry.byRow.forEach((row, i) => row.forEach((field, k) => writeControl(field, values[i][k])));
  (entry.byRow[r]?.[0].control ?? entry.add).focus();
  check();
}

// ---------------------------------------------------------------- reading and writing the form

function readControl(field) {
  const { control, spec } = field;
  switch (spec.type) {
    case "codes": {
      const values = [...control.querySelectorAll("input:checked")].map((box) => box.value);
      return values.length ? values : undefined;
    }
    case "multi": {
      const values = [...control.selectedOptions].map((option) => option.value);
      return values.length ? values : undefined;
    }
    case "bool":
      return control.value === "" ? undefined : control.value === "true";
    case "date": {
      // A date's year is typed digit by digit (0002, 0020, 0202, 2021): while the field has the
      // focus, a year before 1000 is one still being typed, and the field keeps its last whole
      // date; it is judged as it is once the field is left (see "focusout").
      const { value } = control;
      if (value.startsWith("0") && control === document.activeElement) return field.whole;
      field.whole = value === "" ? undefined : value;
      return field.whole;
    }
    case "int":
    case "number":
      return numberOf(control.value);
    default:
      return control.value.trim() === "" ? undefined : control.value;
  }
}

/**
 * A number field's value: a number when the text is one (full-width digits and point, as typed
 * with a Japanese IME, too), else the text as typed, which the rules report as a wrong type.
 */
function numberOf(text) {
  const plain = text.normalize("NFKC").trim();
  if (plain === "") return undefined;
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(plain) ? Number(plain) : text;
}

function writeControl(field, value) {
  const { control, spec } = field;
  const list = Array.isArray(value) ? value.map(String) : [];
  switch (spec.type) {
    case "codes":
      for (const box of control.querySelectorAll("input")) box.checked = list.includes(box.value);
      return;
    case "multi":
      for (const option of control.options) option.selected = list.includes(option.value);
      return;
    case "bool":
      control.value = value === true ? "true" : value === false ? "false" : "";
      return;
    case "code":
      // A value the code list does not know is kept, so the rules can say so.
      if (value != null && ![...control.options].some((o) => o.value === String(value))) {
        control.append(h("option", { value: String(value), text: String(value) }));
      }
      control.value = value == null ? "" : String(value);
      return;
    default:
      control.value = value == null ? "" : String(value);
  }
}

/** The case record the form holds. Array rows left empty are not part of it. */
function readRecord() {
  const record = {};
  if (state.extra.id !== undefined) record.id = state.extra.id;
  for (const field of fields) {
    if (field.row !== undefined) continue;
    const value = readControl(field);
    if (value !== undefined) setPointer(record, field.path, value);
  }
  for (const entry of arrays) {
    const items = [];
    const map = [];
    entry.byRow.forEach((row, r) => {
      const item = {};
      for (const field of row) {
        const value = readControl(field);
        if (value !== undefined) item[field.spec.key] = value;
      }
      if (Object.keys(item).length > 0) {
        items.push(item);
        map.push(r);
      }
    });
    state.rowMaps.set(entry.array, map);
    if (items.length > 0) setPointer(record, entry.array, items);
  }
  if (state.extra.acknowledged.length > 0) record.acknowledged = structuredClone(state.extra.acknowledged);
  return record;
}

function writeForm(record) {
  // As many rows as the record has items: none is dropped (nor lost when it is submitted).
  for (const entry of arrays) {
    const items = getPointer(record, entry.array);
    setRows(entry, Math.max(entry.section.rows, Array.isArray(items) ? items.length : 0));
  }
  for (const field of fields) writeControl(field, getPointer(record, field.path));
  state.extra = {
    id: record.id,
    acknowledged: Array.isArray(record.acknowledged) ? structuredClone(record.acknowledged) : [],
  };
}

// ---------------------------------------------------------------- checking and showing findings

function check() {
  const record = readRecord();
  const options = { stage: state.submitAttempted ? "submit" : "draft", locale: state.locale };
  if (AS_OF) options.as_of = AS_OF;
  const started = performance.now();
  const report = rules.check(record, options);
  $("timing").textContent = t().check((performance.now() - started).toFixed(2));
  state.report = report;
  state.record = record;
  showAlerts(report);
  showAcknowledged();
  if (state.submitAttempted) showSubmitList(report);
  return report;
}

function alertItem(finding) {
  const ui = t();
  const item = h("p", {
    class: `alert sev-${finding.severity}${finding.acknowledged ? " acknowledged" : ""}`,
    "data-rule": finding.rule,
    "data-severity": finding.severity,
  });
  const badge = finding.acknowledged ? `${ui.severity[finding.severity]}・${ui.acknowledged}` : ui.severity[finding.severity];
  item.append(
    h("span", { class: "sev", text: badge }),
    h("span", { class: "msg", text: finding.message }),
    h("code", { class: "rule", text: finding.rule }),
  );
  return item;
}

function everyTarget() {
  return [...new Set([...targets.values(), recordTarget])];
}

/** The targets of a finding: the field of `path` and of every path in `paths`. */
function findingTargets(finding) {
  const out = [];
  for (const pointer of [finding.path, ...finding.paths]) {
    const target = targetFor(pointer);
    if (!out.includes(target)) out.push(target);
  }
  return out;
}

function showAlerts(report) {
  for (const target of everyTarget()) {
    target.alerts.replaceChildren();
    target.wrapper.classList.remove("has-error", "has-warning", "has-info");
    if (target.control) {
      target.control.removeAttribute("aria-invalid");
      target.control.removeAttribute("aria-describedby");
    }
  }
  const perTarget = new Map();
  const perTab = new Map();
  for (const finding of report.findings) {
    for (const target of findingTargets(finding)) {
      if (!perTarget.has(target)) perTarget.set(target, []);
      perTarget.get(target).push(finding);
      if (target.tab && !finding.acknowledged) {
        if (!perTab.has(target.tab)) perTab.set(target.tab, new Set());
        perTab.get(target.tab).add(finding);
      }
    }
  }
  for (const [target, list] of perTarget) {
    for (const finding of list) target.alerts.append(alertItem(finding));
    const open = list.filter((f) => !f.acknowledged);
    for (const severity of ["error", "warning", "info"]) {
      target.wrapper.classList.toggle(`has-${severity}`, open.some((f) => f.severity === severity));
    }
    if (target.control) {
      if (open.some((f) => f.severity !== "info")) target.control.setAttribute("aria-invalid", "true");
      target.control.setAttribute("aria-describedby", target.alerts.id);
    }
  }
  for (const [id, tab] of tabs) {
    const list = [...(perTab.get(id) ?? [])];
    tab.badge.hidden = list.length === 0;
    tab.badge.textContent = String(list.length);
    tab.badge.className = `badge ${list.some((f) => f.severity === "error") ? "sev-error" : list.some((f) => f.severity === "warning") ? "sev-warning" : "sev-info"}`;
    tab.button.setAttribute("aria-description", list.length ? `${list.length}` : "");
  }
}

function goTo(pointer) {
  const target = targetFor(pointer);
  if (target.tab) activateTab(target.tab, false);
  const control = target.control?.matches("[role=group]") ? target.control.querySelector("input") : target.control;
  (control ?? target.wrapper).scrollIntoView({ block: "center" });
  if (control) control.focus();
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };

function showSubmitList(report) {
  const ui = t();
  const list = $("submit-findings");
  $("submit-panel").hidden = false;
  list.replaceChildren();
  const findings = [...report.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  if (findings.length === 0) list.append(h("li", { class: "none", text: ui.noFindings }));
  for (const [index, finding] of findings.entries()) {
    const item = h("li", {
      class: `finding sev-${finding.severity}${finding.acknowledged ? " acknowledged" : ""}`,
      "data-rule": finding.rule,
      "data-severity": finding.severity,
    });
    const badge = finding.acknowledged ? `${ui.severity[finding.severity]}・${ui.acknowledged}` : ui.severity[finding.severity];
    item.append(h("span", { class: "sev", text: badge }), h("span", { class: "msg", text: finding.message }));
    const links = h("span", { class: "links" });
    const seen = new Set();
    for (const pointer of [finding.path, ...finding.paths]) {
      const target = targetFor(pointer);
      if (seen.has(target)) continue;
      seen.add(target);
      const name = target.path ? labelOf(target.path) : ui.recordLevel;
      const link = h("a", { href: `#${target.control?.id ?? "form"}`, class: "goto", "data-path": pointer, title: ui.goTo, text: `→ ${name}` });
      link.addEventListener("click", (e) => {
        e.preventDefault();
        goTo(pointer);
      });
      links.append(link);
    }
    item.append(links, h("code", { class: "rule", text: finding.rule }));
    if (finding.severity === "warning" && !finding.acknowledged) {
      // One id per item: a rule can have several findings (two phone numbers).
      const reasonId = `reason-${index}`;
      const reason = h("input", { type: "text", id: reasonId, class: "ack-reason", "aria-label": `${ui.reason}: ${finding.help}` });
      // The list is drawn again on every check: what was typed is kept by rule (acknowledging is by rule).
      reason.value = state.reasons.get(finding.rule) ?? "";
      reason.addEventListener("input", () => state.reasons.set(finding.rule, reason.value));
      const hint = h("span", { class: "ack-hint", id: `${reasonId}-hint`, hidden: true, text: ui.needReason });
      const button = h("button", { type: "button", class: "ack", "data-rule": finding.rule, text: ui.acknowledge });
      button.addEventListener("click", () => acknowledge(finding, reason, hint));
      reason.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          acknowledge(finding, reason, hint);
        }
      });
      item.append(h("span", { class: "ack-form" }, h("label", { for: reasonId, text: `${ui.reason}:` }), reason, button, hint));
    }
    list.append(item);
  }
  const errors = report.findings.filter((f) => f.severity === "error").length;
  const open = report.findings.filter((f) => f.severity === "warning" && !f.acknowledged).length;
  const status = $("submit-status");
  if (state.submitted) return;
  if (errors > 0) {
    status.dataset.state = "blocked";
    status.textContent = ui.blockedErrors(errors);
  } else if (open > 0) {
    status.dataset.state = "blocked";
    status.textContent = ui.blockedWarnings(open);
  } else {
    status.dataset.state = "ready";
    status.textContent = ui.ready;
  }
}

function acknowledge(finding, reason, hint) {
  const text = reason.value.trim();
  if (!text) {
    reason.setAttribute("aria-invalid", "true");
    reason.setAttribute("aria-describedby", hint.id);
    hint.hidden = false;
    reason.focus();
    return;
  }
  // Now, in Japan time; on the page's as_of day when one is given (it stands for "today").
  const now = new Date(Date.now() + 9 * 3600_000).toISOString();
  const at = `${AS_OF ?? now.slice(0, 10)}T${now.slice(11, 19)}+09:00`;
  state.extra.acknowledged = state.extra.acknowledged.filter((a) => a.rule !== finding.rule);
  state.extra.acknowledged.push({ rule: finding.rule, reason: text, by: t().ackBy, at });
  state.reasons.delete(finding.rule);
  check();
}

function showAcknowledged() {
  const list = $("ack-list");
  if (!list) return;
  list.replaceChildren();
  for (const entry of state.extra.acknowledged) {
    const remove = h("button", { type: "button", class: "link", text: t().remove });
    remove.addEventListener("click", () => {
      state.extra.acknowledged = state.extra.acknowledged.filter((a) => a !== entry);
      check();
    });
    list.append(h("li", {}, h("code", { text: entry.rule }), ` ${entry.reason}（${entry.by}, ${entry.at}） `, remove));
  }
}

function submit() {
  state.submitAttempted = true;
  state.submitted = false;
  $("submitted").hidden = true;
  const report = check();
  const errors = report.findings.filter((f) => f.severity === "error").length;
  const open = report.findings.filter((f) => f.severity === "warning" && !f.acknowledged).length;
  if (errors > 0 || open > 0) {
    $("submit-heading").scrollIntoView({ block: "start" });
    return;
  }
  state.submitted = true;
  const status = $("submit-status");
  status.dataset.state = "submitted";
  status.textContent = t().submittedHeading;
  $("submit-panel").hidden = true;
  $("submitted").hidden = false;
  $("submitted-note").textContent = t().submittedNote(report, report.counts.acknowledged);
  $("submitted-json").textContent = JSON.stringify(state.record, null, 2);
}

function reset(record) {
  state.submitAttempted = false;
  state.reasons.clear();
  state.submitted = false;
  $("submit-panel").hidden = true;
  $("submitted").hidden = true;
  const status = $("submit-status");
  status.dataset.state = "idle";
  status.textContent = "";
  writeForm(record);
  check();
}

// ---------------------------------------------------------------- start

async function main() {
  await init();
  rules = RuleSet.bundled("hersys");
  labels = new Map(rules.fields().map((f) => [f.path, f]));
  codes = rules.codes();
  buildForm();
  relabel();
  const form = $("form");
  const edited = (e) => {
    if (e.target.closest("#submit-area")) return; // a reason being typed is not part of the record
    if (state.submitted) {
      state.submitted = false;
      $("submitted").hidden = true;
    }
    check();
  };
  // While a Japanese IME converts ("やまd" on the way to "ヤマダ"), the text is not what the
  // user means yet: it is judged when the conversion ends.
  form.addEventListener("input", (e) => e.isComposing || edited(e));
  form.addEventListener("compositionend", edited);
  form.addEventListener("focusout", (e) => e.target.type === "date" && edited(e));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  for (const button of document.querySelectorAll("[data-locale]")) {
    button.addEventListener("click", () => {
      state.locale = button.dataset.locale;
      relabel();
      check();
      if (state.submitted) $("submit-status").textContent = t().submittedHeading;
    });
  }
  $("load-sample").addEventListener("click", () => reset(sampleRecord()));
  $("clear").addEventListener("click", () => reset({}));
  if (params.get("sample") !== null) writeForm(sampleRecord());
  $("loading").hidden = true;
  form.hidden = false;
  check();
  document.body.dataset.ready = "true";
  // For tests and the curious: the record the form holds and the last report.
  window.kakuninDemo = { record: () => readRecord(), report: () => state.report, rules, load: (record) => reset(record) };
}

main().catch((error) => {
  $("loading").textContent = `${UI.ja.loadFailed}${error.message}`;
  document.body.dataset.ready = "error";
  throw error;
});
