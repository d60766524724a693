//! What the JS functions do, in plain Rust on `serde_json` values and strings, so it is tested
//! natively (`cargo test -p kakunin-wasm`). `lib.rs` only moves values across the JS boundary.
//!
//! Nothing here judges a record: every decision is the core's (`kakunin::RuleSet::check`); this
//! converts inputs and outputs.

use std::cell::Cell;
use std::sync::Arc;

use kakunin::batch::{Outcome, check_all};
use kakunin::{CheckOptions, ListOptions, Plan, Report, Rule, RuleSet};
use serde_json::{Map, Value, json};

/// An error as JS sees it: a `kind` (the core's [`kakunin::Error::kind`], or `input` for text that
/// is not JSON) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `pack`, `script`, `script-limit`, `unknown-selector`, `invalid-option`, `input`.
    pub kind: &'static str,
    /// What went wrong.
    pub message: String,
    /// Where, as the core's error says it (as Python's exceptions carry them): `file` and `rule`
    /// of a pack error, `rule`, `line` and `column` of a script error.
    pub details: Map<String, Value>,
}

impl From<kakunin::Error> for Failure {
    fn from(e: kakunin::Error) -> Self {
        let details = match &e {
            kakunin::Error::Pack { file, rule, .. } => json!({"file": file, "rule": rule}),
            kakunin::Error::Script {
                rule, line, column, ..
            } => json!({"rule": rule, "line": line, "column": column}),
            _ => json!({}),
        };
        Failure {
            kind: e.kind(),
            message: e.to_string(),
            details: match details {
                Value::Object(map) => map,
                _ => Map::new(),
            },
        }
    }
}

impl Failure {
    /// An `input` failure: something that is not JSON, or not what the call takes.
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            kind: "input",
            message: message.into(),
            details: Map::new(),
        }
    }
}

/// A compiled pack with the plan of the options it was last called with (a form calls `check`
/// on every keystroke with the same options; the plan is worked out once for them).
pub struct Rules {
    rules: Arc<RuleSet>,
    /// Taken out for a check and put back after it: a trap mid-check (memory run out) leaves it
    /// empty, so the next check plans again, where a `RefCell` would stay borrowed for good.
    last_plan: Cell<Option<Box<(String, Plan)>>>,
}

impl Rules {
    /// A bundled pack (`hersys`, `opendata`), compiled once per module instance.
    pub fn bundled(name: &str) -> Result<Self, Failure> {
        Ok(Rules {
            rules: kakunin_rules::bundled(name)?,
            last_plan: Cell::new(None),
        })
    }

    /// A pack from its files (`{"pack.toml": "...", "d/rule.toml": "...", ...}` as JSON text),
    /// compiled as a folder would be: a malformed pack is a `pack` failure naming file and rule.
    /// (Feature `authoring`.)
    #[cfg(feature = "authoring")]
    pub fn from_files_text(files: &str) -> Result<Self, Failure> {
        let files: std::collections::BTreeMap<String, String> = serde_json::from_str(files)
            .map_err(|e| {
                Failure::input(format!("the files are not a JSON object of texts: {e}"))
            })?;
        let mut pack = kakunin::PackFiles::new();
        for (path, text) in files {
            pack.insert(path, text);
        }
        Ok(Rules {
            rules: Arc::new(RuleSet::compile(pack)?),
            last_plan: Cell::new(None),
        })
    }

    /// The compiled pack.
    pub fn rule_set(&self) -> &RuleSet {
        &self.rules
    }

    /// `{name, version, hash, title, title_en}`.
    pub fn info(&self) -> Value {
        let info = self.rules.info();
        let title = &self.rules.manifest().title;
        json!({
            "name": info.name,
            "version": info.version,
            "hash": info.hash,
            "title": title.ja,
            "title_en": title.en,
        })
    }

    /// Checks one record with options given as a JSON value (`null`: the defaults).
    pub fn check(&self, record: &Value, options: &Value) -> Result<Report, Failure> {
        let options = CheckOptions::from_json(options)?;
        Ok(self.rules.check(record, &options)?)
    }

    /// Checks one record given as JSON text, with options as JSON text (`""` or `null`: the
    /// defaults), and returns the report as JSON text. The plan of the last options is kept.
    pub fn check_text(&self, record: &str, options: &str) -> Result<String, Failure> {
        let record = parse_record(record)?;
        let cached = match self.last_plan.take() {
            Some(cached) if cached.0 == options => cached,
            _ => {
                let value = parse_options(options)?;
                let plan = self.rules.plan(&CheckOptions::from_json(&value)?)?;
                Box::new((options.to_owned(), plan))
            }
        };
        let report = self.rules.check_with_plan(&record, &cached.1);
        self.last_plan.set(Some(cached));
        serde_json::to_string(&report?).map_err(|e| Failure::input(e.to_string()))
    }

    /// Checks records together, so the rules across records (duplicates) run too. One entry per
    /// record, in order: `{id, report}`, or `{id, error: {kind, message}}` for a record a rule
    /// could not judge.
    pub fn check_all(&self, records: &[Value], options: &Value) -> Result<Vec<Value>, Failure> {
        let options = CheckOptions::from_json(options)?;
        let plan = self.rules.plan(&options)?;
        let outcomes = check_all(&self.rules, &plan, records)?;
        Ok(outcomes.into_iter().map(outcome_json).collect())
    }

    /// [`Rules::check_all`] with JSON text in (an array of records, options) and out.
    pub fn check_all_text(&self, records: &str, options: &str) -> Result<String, Failure> {
        let records = match parse_record(records)? {
            Value::Array(items) => items,
            _ => return Err(Failure::input("checkAll takes an array of records")),
        };
        Ok(Value::from(self.check_all(&records, &parse_options(options)?)?).to_string())
    }

    /// The rules as `kakunin rules list --format json` shows them ([`Rule::summary`]): every
    /// rule, or with options `{as_of, prefecture}` those in force on that day for a record of
    /// that prefecture ([`ListOptions::from_json`]; `null`: every rule).
    pub fn list(&self, options: &Value) -> Result<Vec<Value>, Failure> {
        let options = ListOptions::from_json(options)?;
        Ok(self
            .rules
            .list(&options)
            .into_iter()
            .map(Rule::summary)
            .collect())
    }

    /// [`Rules::list`] with the options as JSON text (`""`: every rule) and JSON text out.
    pub fn list_text(&self, options: &str) -> Result<String, Failure> {
        Ok(Value::from(self.list(&parse_options(options)?)?).to_string())
    }

    /// Every field of the record schema ([`RuleSet::fields_summary`]): `{path, title, title_en,
    /// format, sensitive, types}`, for labelling a form from the pack itself.
    pub fn fields(&self) -> Vec<Value> {
        self.rules.fields_summary()
    }

    /// The code lists ([`RuleSet::codes_summary`]): list → code → `{ja, en}`.
    pub fn codes(&self) -> Value {
        self.rules.codes_summary()
    }
}

/// Reads options from JSON text; `""` stands for none (`null`).
fn parse_options(text: &str) -> Result<Value, Failure> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|e| Failure::input(format!("options are not JSON: {e}")))
}

/// Reads one record from JSON text. Text that is not JSON is an `input` error; JSON that is not a
/// good record (any value, any shape) is the core's to judge, as findings.
pub fn parse_record(text: &str) -> Result<Value, Failure> {
    serde_json::from_str(text).map_err(|e| {
        Failure::input(format!(
            "the record is not JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })
}

fn outcome_json(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Checked { id, report, .. } => json!({"id": id, "report": report}),
        Outcome::Failed { id, error, .. } => {
            json!({"id": id, "error": {"kind": error.kind(), "message": error.to_string()}})
        }
        Outcome::Unreadable { message, .. } => {
            json!({"id": null, "error": {"kind": "input", "message": message}})
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn base() -> Value {
        let rules = kakunin_rules::bundled("hersys").unwrap();
        serde_json::from_str(rules.files().get("examples/complete-2021.json").unwrap()).unwrap()
    }

    #[test]
    fn text_and_value_paths_agree() {
        let rules = Rules::bundled("hersys").unwrap();
        let mut record = base();
        record["notification"]["onset_on"] = json!("2021-08-12");
        let options = json!({"as_of": "2024-06-01", "stage": "draft"});
        let by_value = rules.check(&record, &options).unwrap();
        let text = rules
            .check_text(&record.to_string(), &options.to_string())
            .unwrap();
        let by_text: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(by_value, by_text);
        let f = by_value
            .findings
            .iter()
            .find(|f| f.rule == "dates/onset-after-diagnosis")
            .unwrap();
        let mut paths = f.paths.clone();
        paths.sort();
        assert_eq!(
            paths,
            ["/notification/diagnosed_on", "/notification/onset_on"]
        );
    }

    #[test]
    fn the_plan_follows_the_options() {
        let rules = Rules::bundled("hersys").unwrap();
        let mut record = base();
        record["notification"]
            .as_object_mut()
            .unwrap()
            .remove("case_class");
        let draft = r#"{"as_of":"2024-06-01","stage":"draft"}"#;
        let submit = r#"{"as_of":"2024-06-01","stage":"submit"}"#;
        let text = record.to_string();
        let required = |out: &str| out.contains("required/case-class");
        assert!(!required(&rules.check_text(&text, draft).unwrap()));
        assert!(required(&rules.check_text(&text, submit).unwrap()));
        assert!(!required(&rules.check_text(&text, draft).unwrap()));
    }

    #[test]
    fn malformed_records_are_findings() {
        let rules = Rules::bundled("hersys").unwrap();
        for text in [
            "null",
            "42",
            "\"text\"",
            "[]",
            r#"{"notification": 5}"#,
            r#"{"notification": {"diagnosed_on": "2021-02-30", "patient": {"age": "thirty"}}}"#,
            r#"{"tests": {"0": 1}, "acknowledged": "yes"}"#,
        ] {
            let out = rules.check_text(text, "").unwrap();
            let report: Report = serde_json::from_str(&out).unwrap();
            assert!(!report.findings.is_empty(), "{text}");
        }
    }

    #[test]
    fn errors_have_kinds() {
        let rules = Rules::bundled("hersys").unwrap();
        assert_eq!(rules.check_text("{", "").unwrap_err().kind, "input");
        assert_eq!(
            rules.check_text("{}", "{").unwrap_err().kind,
            "input",
            "options that are not JSON"
        );
        assert_eq!(
            rules
                .check_text("{}", r#"{"select": ["nope"]}"#)
                .unwrap_err()
                .kind,
            "unknown-selector"
        );
        assert_eq!(
            rules
                .check(&json!({}), &json!({"stage": "final"}))
                .unwrap_err()
                .kind,
            "invalid-option"
        );
        assert_eq!(Rules::bundled("nope").err().unwrap().kind, "invalid-option");
    }

    #[test]
    fn batches_run_the_rules_across_records() {
        let rules = Rules::bundled("hersys").unwrap();
        let record = base();
        let out = rules
            .check_all(&[record.clone(), record], &json!({"as_of": "2024-06-01"}))
            .unwrap();
        assert_eq!(out.len(), 2);
        let text = serde_json::to_string(&out).unwrap();
        assert!(text.contains("identity/probable-duplicate"), "{text}");
    }

    #[test]
    fn lists_follow_the_day_and_prefecture() {
        let rules = Rules::bundled("hersys").unwrap();
        let listed = |options: &str| -> Vec<String> {
            let list: Vec<Value> =
                serde_json::from_str(&rules.list_text(options).unwrap()).unwrap();
            list.iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let early = "scope/not-notifiable".to_owned();
        assert!(listed(r#"{"as_of":"2022-09-10","prefecture":"04"}"#).contains(&early));
        assert!(!listed(r#"{"as_of":"2022-09-10","prefecture":"13"}"#).contains(&early));
        assert_eq!(listed(""), listed("null"));
        let kind = |options: &str| rules.list_text(options).unwrap_err().kind;
        assert_eq!(
            kind(r#"{"as_of":"2022-09-10","prefecture":"48"}"#),
            "invalid-option"
        );
        assert_eq!(kind(r#"{"as_of":"2022-02-30"}"#), "invalid-option");
        assert_eq!(kind("{"), "input");
    }

    #[test]
    fn lists_describe_the_pack() {
        let rules = Rules::bundled("hersys").unwrap();
        assert!(rules.list(&Value::Null).unwrap().len() > 80);
        assert!(
            rules
                .fields()
                .iter()
                .any(|f| f["path"] == "/notification/onset_on" && f["format"] == "date")
        );
        assert_eq!(rules.codes()["sex"]["male"]["ja"], "男");
        assert_eq!(rules.info()["name"], "hersys");
    }
}
