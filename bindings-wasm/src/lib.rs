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

use wasm_bindgen::prelude::*;

pub mod api;

use api::{Failure, Rules};

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
    /// `pack.toml`, the record schema, rule files, scripts, code lists). Only in the authoring
    /// module (feature `authoring`).
    #[cfg(feature = "authoring")]
    #[wasm_bindgen(js_name = fromFilesText)]
    pub fn from_files_text(files: &str) -> Result<RuleSet, JsValue> {
        Ok(RuleSet {
            inner: Rules::from_files_text(files).map_err(js_error)?,
        })
    }

    /// The names of the bundled packs, as JSON text (`["hersys","opendata"]`): as every other
    /// list crosses the boundary, and 121 B smaller gzipped than wasm-bindgen's array glue.
    #[wasm_bindgen(js_name = packsJson)]
    pub fn packs_json() -> String {
        serde_json::Value::from(kakunin_rules::PACKS.to_vec()).to_string()
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

    /// `{name, version, hash, title, title_en}`, as JSON text.
    #[wasm_bindgen(js_name = infoJson)]
    pub fn info_json(&self) -> String {
        self.inner.info().to_string()
    }

    /// JSON text in (record, options), JSON text out (the report): the fastest way across the
    /// boundary, used by the JS wrapper. The plan of the last options is reused.
    #[wasm_bindgen(js_name = checkText)]
    pub fn check_text(&self, record: &str, options: &str) -> Result<String, JsValue> {
        self.inner.check_text(record, options).map_err(js_error)
    }

    /// Checks an array of records (JSON text) together, so the rules across records run too:
    /// one `{id, report}` (or `{id, error}`) per record, in order, as JSON text.
    #[wasm_bindgen(js_name = checkAllText)]
    pub fn check_all_text(&self, records: &str, options: &str) -> Result<String, JsValue> {
        self.inner
            .check_all_text(records, options)
            .map_err(js_error)
    }

    /// The rules, as JSON text: `[{id, group, severity, tiers, title, title_en, stage,
    /// cross_record, checks, applies}]`; every rule, or with options `{as_of, prefecture}` (JSON
    /// text; `""`: none) those in force on that day for a record of that prefecture.
    #[wasm_bindgen(js_name = listJson)]
    pub fn list_json(&self, options: &str) -> Result<String, JsValue> {
        self.inner.list_text(options).map_err(js_error)
    }

    /// Every field of the record schema with its labels, format and whether it is personal, as
    /// JSON text.
    #[wasm_bindgen(js_name = fieldsJson)]
    pub fn fields_json(&self) -> String {
        serde_json::Value::from(self.inner.fields()).to_string()
    }

    /// The code lists, as JSON text: list → code → `{ja, en}`.
    #[wasm_bindgen(js_name = codesJson)]
    pub fn codes_json(&self) -> String {
        self.inner.codes().to_string()
    }
}

/// The version of kakunin.
#[wasm_bindgen(js_name = kakuninVersion)]
pub fn kakunin_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
