//! What a check produces: findings and the report of one record.

use std::collections::BTreeMap;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::pack::Severity;

/// One problem found in a record. The keys are the same in Rust, Python and JS.
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
