//! Counts over a batch: by rule, by severity, and records read, checked and unreadable.
//! Counts only, never values, so a summary can be published.

use std::collections::BTreeMap;

use kakunin::batch::Outcome;
use kakunin::{RuleSet, Severity};
use serde::Serialize;

/// Counts of one rule over a batch.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RuleCount {
    pub severity: Option<Severity>,
    pub title: String,
    /// Findings of the rule.
    pub findings: usize,
    /// Records with at least one finding of the rule.
    pub records: usize,
}

/// Counts over a batch.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    pub records_read: usize,
    pub records_checked: usize,
    pub records_unreadable: usize,
    /// Records a rule failed on (a script broke its limits).
    pub records_failed: usize,
    pub records_with_errors: usize,
    pub records_with_warnings: usize,
    pub findings: BTreeMap<&'static str, usize>,
    pub rules: BTreeMap<String, RuleCount>,
}

impl Summary {
    pub fn add(&mut self, rules: &RuleSet, locale: kakunin::Locale, outcome: &Outcome) {
        self.records_read += 1;
        match outcome {
            Outcome::Unreadable { .. } => self.records_unreadable += 1,
            Outcome::Failed { .. } => self.records_failed += 1,
            Outcome::Checked { report, .. } => {
                self.records_checked += 1;
                self.records_with_errors += usize::from(report.counts.error > 0);
                self.records_with_warnings += usize::from(report.counts.warning > 0);
                let mut seen: Vec<&str> = Vec::new();
                for f in &report.findings {
                    let key = if f.acknowledged {
                        "acknowledged"
                    } else {
                        f.severity.as_str()
                    };
                    *self.findings.entry(key).or_default() += 1;
                    let entry = self
                        .rules
                        .entry(f.rule.clone())
                        .or_insert_with(|| RuleCount {
                            severity: Some(f.severity),
                            title: rules
                                .rule(&f.rule)
                                .map(|r| r.title.get(locale).to_owned())
                                .unwrap_or_else(|| f.help.clone()),
                            ..RuleCount::default()
                        });
                    entry.findings += 1;
                    if !seen.contains(&f.rule.as_str()) {
                        entry.records += 1;
                        seen.push(&f.rule);
                    }
                }
            }
        }
    }

    /// Whether the run found an error or could not judge a record.
    pub fn has_errors(&self) -> bool {
        self.records_with_errors > 0 || self.records_unreadable > 0 || self.records_failed > 0
    }
}
