//! # kakunin (確認)
//!
//! A data-quality rule engine for infectious-disease case records of the HER-SYS kind.
//!
//! A **pack** (a folder of rule files, code lists and the record's JSON Schema) is compiled once
//! into a [`RuleSet`]; [`RuleSet::check`] judges one record and returns a [`Report`] of
//! [`Finding`]s, the same in every host (Rust, Python, the browser).
//!
//! ```
//! use kakunin::{CheckOptions, PackFiles, RuleSet};
//! use serde_json::json;
//!
//! let mut files = PackFiles::new();
//! files.insert("pack.toml", r#"
//! name = "demo"
//! version = "1"
//! title = { ja = "例", en = "Demo" }
//! record_schema = "record.schema.json"
//! reference_date = ["/diagnosed_on"]
//! "#);
//! files.insert("record.schema.json", r#"{"type": "object", "properties": {
//!   "diagnosed_on": {"type": "string", "format": "date", "title": "診断日", "x-title-en": "diagnosis date"},
//!   "reported_on": {"type": "string", "format": "date", "title": "報告日", "x-title-en": "report date"}}}"#);
//! files.insert("dates/report-before-diagnosis.toml", r#"
//! id = "dates/report-before-diagnosis"
//! severity = "error"
//! tiers = ["hc"]
//! title = { ja = "報告日が診断日より前", en = "Report before diagnosis" }
//! message = { ja = "{later_field:label}が{earlier_field:label}より前です。", en = "The {later_field:label} is before the {earlier_field:label}." }
//! doc = { ja = "報告は診断の後。", en = "A report follows the diagnosis.", source = "Art. 12" }
//! [[check]]
//! kind = "date-order"
//! earlier = ["/diagnosed_on"]
//! later = ["/reported_on"]
//! "#);
//! let rules = RuleSet::compile(files).unwrap();
//! let options = CheckOptions::default().with_as_of("2024-01-01").unwrap();
//! let report = rules.check(&json!({"diagnosed_on": "2021-03-02", "reported_on": "2021-03-01"}), &options).unwrap();
//! assert!(!report.ok);
//! assert_eq!(report.findings[0].path, "/reported_on");
//! assert_eq!(report.findings[0].paths, ["/diagnosed_on", "/reported_on"]);
//! assert_eq!(report.findings[0].message, "報告日が診断日より前です。");
//! ```
//!
//! The rule-file format is documented in `docs/rule-format.md`.
//!
//! ## Embedding kakunin in a service
//!
//! What a write path that refuses records with errors needs, and where it is
//! (`core/examples/central_service.rs` puts it together: `cargo run -p kakunin --example
//! central_service < records.jsonl`):
//!
//! | to | use |
//! |---|---|
//! | load a bundled pack once and share it between threads | `kakunin_rules::bundled("hersys")` (an `Arc<RuleSet>`; [`RuleSet`] is `Send + Sync`), or [`RuleSet::from_dir`] for a pack folder of your own |
//! | log which rules judged | [`RuleSet::info`]: the pack's name, version and content hash, also in every [`Report::pack`] |
//! | set the options | [`CheckOptions`] (stage, tiers, `as_of`, locale, reveal, select/ignore), or [`CheckOptions::from_json`] for options as a request gives them |
//! | check one record | [`RuleSet::check`]; for many records with the same options, [`RuleSet::plan`] once and [`RuleSet::check_with_plan`] |
//! | decide whether it may be written | [`Report::ok`]; an `Err` from `check` means the record was not judged (see [`Error`]) |
//! | return the findings | `serde_json::to_string(&report)` (the shape is documented on [`Report`]) |
//! | check a file or an iterator of records, with the rules across records | [`batch::check_stream`] with the readers of [`input`]; [`batch::check_all`] for records in memory |
//! | list the rules | [`RuleSet::rules`], [`RuleSet::list`] with [`ListOptions`], [`Rule::summary`] |
//!
//! `check` never panics, whatever the record: a value of the wrong type, a huge text, a record
//! nested thousands deep or one that is not an object is a [`Finding`], and the personal values
//! the record schema marks are left out of messages and `ctx` unless [`CheckOptions::reveal`]
//! is set. Bound the size of what a caller may send, as for any parser: a check's time grows
//! with the record (as n log n with an array's length for the checks that judge an array item
//! by item: a record with 100,000 tests, observations and doses takes about 2 s, its parse
//! 0.4 s; a real record has a handful).

#![warn(missing_docs)]

pub mod batch;
mod check;
mod condition;
mod cross;
pub mod date;
mod error;
pub mod examples;
mod finding;
pub mod input;
pub mod lint;
mod message;
mod options;
pub mod pack;
pub mod path;
mod ruleset;
pub mod schema;
mod screen;
pub mod script;
mod skim;
mod sparse;
pub mod summary;
mod text;
#[cfg(feature = "validate")]
pub mod validate;
mod view;

pub use error::{Error, Result, ScriptErrorKind};
pub use finding::{Counts, Finding, PackInfo, Report};
pub use options::{CheckOptions, ListOptions, Locale, today_in_japan};
pub use pack::{PackFiles, Severity, Stage, Tier};
pub use ruleset::{Applies, MAX_QUOTED_CHARS, NOT_AN_OBJECT, Plan, Rule, RuleSet, quoted_text};
pub use sparse::{Fields, Wanted};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn rule_set_is_send_and_sync() {
        assert_send_sync::<super::RuleSet>();
    }
}
