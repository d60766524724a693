//! What a check produces: findings and the report of one record.

use std::collections::BTreeMap;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::pack::Severity;

/// One problem found in a record. The keys are the same in Rust, Python and JS, and in the
/// command's `json`, `jsonl` and `csv` output; serialized, a finding is an object with exactly
/// the keys of its fields (see [`Report`] for an example).
///
/// Personal values (the fields the record schema marks `x-sensitive`: names, addresses,
/// phones, birth dates) appear in neither `message` nor `ctx` unless the options `reveal`
/// them; `path` and `paths` still point at those fields, so a form can mark them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id, `group/name`.
    pub rule: String,
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// The message in the chosen locale.
    pub message: String,
    /// JSON Pointer of the field to show the alert on.
    pub path: String,
    /// Every field the rule involved (the form marks each).
    pub paths: Vec<String>,
    /// The values the message was rendered from (personal values are `null` unless revealed).
    pub ctx: BTreeMap<String, Value>,
    /// What the rule is about, in the chosen locale (its title).
    pub help: String,
    /// A warning a person has acknowledged for this record.
    #[serde(default)]
    pub acknowledged: bool,
}

/// Which pack judged a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackInfo {
    /// Pack name.
    pub name: String,
    /// Pack version.
    pub version: String,
    /// SHA-256 of the pack's files.
    pub hash: String,
}

/// Findings counted by severity (acknowledged warnings counted apart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Errors.
    pub error: usize,
    /// Unacknowledged warnings.
    pub warning: usize,
    /// Infos.
    pub info: usize,
    /// Acknowledged warnings.
    pub acknowledged: usize,
}

/// The result of checking one record.
///
/// `ok` is the write decision: no `error` finding (an acknowledged warning never counts, and
/// nothing acknowledges an error). A record [`RuleSet::check`](crate::RuleSet::check) could not
/// judge gives an [`Error`](crate::Error), not a report, and must not be written either. One
/// record checked alone is judged by every rule but those across records (`identity/…`): a
/// duplicate of a stored record is found by a batch ([`crate::batch`]) or by the host's own
/// key.
///
/// Serialized with serde (`serde_json::to_string(&report)`), a report is one object with these
/// keys, the same that Python's `Report.to_json()` and JS's `check` give and that the
/// command writes per record (`jsonl`: `ok` and `findings`, with the line and id); its keys
/// and their spelling are part of the crate's stable interface, and it reads back with
/// `serde_json::from_str::<Report>`:
///
/// ```json
/// {
///   "pack": {"name": "hersys", "version": "2026.11.0", "hash": "a40da3f1…"},
///   "reference_date": "2021-03-11",
///   "ok": false,
///   "counts": {"error": 1, "warning": 0, "info": 0, "acknowledged": 0},
///   "findings": [{
///     "rule": "dates/report-before-diagnosis",
///     "severity": "error",
///     "message": "報告年月日（2021-03-01）が診断年月日（2021-03-11）より前になっています。",
///     "path": "/notification/reported_on",
///     "paths": ["/notification/diagnosed_on", "/notification/reported_on"],
///     "ctx": {"days": -10, "earlier": "2021-03-11", "earlier_field": "/notification/diagnosed_on",
///             "later": "2021-03-01", "later_field": "/notification/reported_on"},
///     "help": "報告年月日が診断年月日より前",
///     "acknowledged": false
///   }]
/// }
/// ```
///
/// `reference_date` is `null` for a record without a date to judge by; `ctx` holds what the
/// rule's message was rendered from (texts cut to [`MAX_QUOTED_CHARS`](crate::MAX_QUOTED_CHARS)
/// characters, personal values `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The pack, version and hash that judged the record (shared by every report of a rule
    /// set: a batch makes one report a record).
    pub pack: Arc<PackInfo>,
    /// The record's reference date (decides which rules were in force).
    pub reference_date: Option<String>,
    /// The record may be written: no `error` finding.
    pub ok: bool,
    /// Findings by severity.
    pub counts: Counts,
    /// Findings, sorted by path, then rule.
    pub findings: Vec<Finding>,
}

impl Report {
    pub(crate) fn new(
        pack: Arc<PackInfo>,
        reference_date: Option<String>,
        findings: Vec<Finding>,
    ) -> Self {
        let mut counts = Counts::default();
        for f in &findings {
            match (f.severity, f.acknowledged) {
                (Severity::Error, _) => counts.error += 1,
                (Severity::Warning, true) => counts.acknowledged += 1,
                (Severity::Warning, false) => counts.warning += 1,
                (Severity::Info, _) => counts.info += 1,
            }
        }
        Report {
            pack,
            reference_date,
            ok: counts.error == 0,
            counts,
            findings,
        }
    }
}

/// Sorts findings by path, then rule (then the rest, so the order never depends on evaluation
/// order), and drops exact repeats.
pub(crate) fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (&a.path, &a.rule, &a.paths, &a.message).cmp(&(&b.path, &b.rule, &b.paths, &b.message))
    });
    findings.dedup();
}
