//! # kakunin for JavaScript (WebAssembly)
//!
//! The kakunin rule engine compiled to WebAssembly with wasm-bindgen, for forms in the browser
//! and for Node. This crate converts values and calls the core; it holds no rule logic.
//!
//! Most users load the JS wrapper (`js/web.js` in the browser, `js/node.mjs` in Node), which
//! fills `as_of` from the clock (WebAssembly has none) and passes records as JSON text:
//!
//! ```js
//! import { init, RuleSet } from "kakunin-wasm";
//! await init();
//! const rules = RuleSet.bundled("hersys");
//! const report = rules.check(record, { stage: "draft", locale: "ja" });
//! for (const f of report.findings) console.log(f.rule, f.paths, f.message);
//! ```
//!
//! The raw exports below are what the wrapper calls. Errors are thrown as JS `Error`s named
//! `KakuninError` with a `kind` (see [`api::Failure`]); a malformed record is findings, never an
//! error.

use serde::Serialize;
use wasm_bindgen::prelude::*;

pub mod api;

use api::{Failure, Rules};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export type Severity = "error" | "warning" | "info";
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  path: string;
  paths: string[];
  ctx: Record<string, unknown>;
  help: string;
  acknowledged: boolean;
}
export interface Report {
  pack: { name: string; version: string; hash: string };
  reference_date: string | null;
  ok: boolean;
  counts: { error: number; warning: number; info: number; acknowledged: number };
  findings: Finding[];
}
"#;

/// Sets a hook that prints Rust panics to the console (feature `panic-hook`; a debugging aid).
#[cfg(feature = "panic-hook")]
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn js_error(failure: Failure) -> JsValue {
    let error = js_sys::Error::new(&failure.message);
    error.set_name("KakuninError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &"kind".into(), &failure.kind.into());
    for (key, value) in &failure.details {
        let value = match value {
            serde_json::Value::String(s) => JsValue::from_str(s),
            serde_json::Value::Number(n) => n.as_f64().map_or(JsValue::NULL, JsValue::from_f64),
            _ => JsValue::NULL,
        };
        let _ = js_sys::Reflect::set(&error, &key.as_str().into(), &value);
    }
    error.into()
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error(Failure::input(e.to_string())))
}

fn from_js(value: JsValue, what: &str) -> Result<serde_json::Value, JsValue> {
    if value.is_undefined() {
        return Ok(serde_json::Value::Null);
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        js_error(Failure::input(format!(
            "{what} cannot be read as JSON: {e}"
        )))
    })
}

/// A pack compiled once. Immutable; check as many records as you like with it.
#[wasm_bindgen]
pub struct RuleSet {
    inner: Rules,
}

#[wasm_bindgen]
impl RuleSet {
    /// A bundled pack: `"hersys"` (the HER-SYS case record) or `"opendata"` (the 陽性患者属性
    /// line list).
    pub fn bundled(name: &str) -> Result<RuleSet, JsValue> {
        Ok(RuleSet {
            inner: Rules::bundled(name).map_err(js_error)?,
        })
    }

    /// A pack from its files, given as JSON text of `{path: text}` (what a folder holds:
    /// `pack.toml`, the record schema, rule files, scripts, code lists).
    #[wasm_bindgen(js_name = fromFilesText)]
    pub fn from_files_text(files: &str) -> Result<RuleSet, JsValue> {
        Ok(RuleSet {
            inner: Rules::from_files_text(files).map_err(js_error)?,
        })
    }

    /// The names of the bundled packs.
    pub fn packs() -> Vec<String> {
        kakunin_rules::PACKS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    /// The pack's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.rule_set().info().name.clone()
    }

    /// The pack's version.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.rule_set().info().version.clone()
    }

    /// SHA-256 of the pack's files: exactly which rules judged a record.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> String {
        self.inner.rule_set().info().hash.clone()
    }

    /// `{name, version, hash, title, title_en}`.
    pub fn info(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.info())
    }

    /// Checks one record (a plain JS object) and returns the report as plain JS objects.
    pub fn check(&self, record: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let record = from_js(record, "the record")?;
        let options = from_js(options, "the options")?;
        let report = self.inner.check(&record, &options).map_err(js_error)?;
        to_js(&report)
    }

    /// Checks one record given as JSON text; the report comes back as plain JS objects.
    #[wasm_bindgen(js_name = checkJson)]
    pub fn check_json(&self, text: &str, options: JsValue) -> Result<JsValue, JsValue> {
        let record = api::parse_record(text).map_err(js_error)?;
        let options = from_js(options, "the options")?;
        let report = self.inner.check(&record, &options).map_err(js_error)?;
        to_js(&report)
    }

    /// JSON text in (record, options), JSON text out (the report): the fastest way across the
    /// boundary, used by the JS wrapper. The plan of the last options is reused.
    #[wasm_bindgen(js_name = checkText)]
    pub fn check_text(&self, record: &str, options: &str) -> Result<String, JsValue> {
        self.inner.check_text(record, options).map_err(js_error)
    }

    /// Checks an array of records together, so the rules across records run too: one
    /// `{id, report}` (or `{id, error}`) per record, in order.
    #[wasm_bindgen(js_name = checkAll)]
    pub fn check_all(&self, records: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let records = match from_js(records, "the records")? {
            serde_json::Value::Array(items) => items,
            _ => {
                return Err(js_error(Failure::input(
                    "checkAll takes an array of records",
                )));
            }
        };
        let options = from_js(options, "the options")?;
        let out = self.inner.check_all(&records, &options).map_err(js_error)?;
        to_js(&out)
    }

    /// [`RuleSet::check_all`] with JSON text in and out (used by the JS wrapper).
    #[wasm_bindgen(js_name = checkAllText)]
    pub fn check_all_text(&self, records: &str, options: &str) -> Result<String, JsValue> {
        self.inner
            .check_all_text(records, options)
            .map_err(js_error)
    }

    /// Every rule: `{id, group, severity, tiers, title, title_en, stage, cross_record, checks,
    /// applies}`.
    pub fn list(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.list())
    }

    /// Every field of the record schema with its labels, format and whether it is personal.
    pub fn fields(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.fields())
    }

    /// The code lists: list → code → `{ja, en}`.
    pub fn codes(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.codes())
    }
}

/// The version of kakunin.
#[wasm_bindgen(js_name = kakuninVersion)]
pub fn kakunin_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The examples of a bundled pack as cases (for the conformance tests).
#[wasm_bindgen(js_name = _exampleCases)]
pub fn example_cases(pack: &str) -> Result<JsValue, JsValue> {
    let rules = Rules::bundled(pack).map_err(js_error)?;
    to_js(&rules.example_cases())
}

/// The examples of a bundled pack run by the Rust runner inside this module (for the
/// conformance tests): each case with `passed`, `problems` and `actual`.
#[wasm_bindgen(js_name = _runExamples)]
pub fn run_examples(pack: &str) -> Result<JsValue, JsValue> {
    let rules = Rules::bundled(pack).map_err(js_error)?;
    to_js(&rules.run_examples())
}
