//! The pack checks itself: what `kakunin rules lint` reports.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::examples::{self, CaseResult};
use crate::options::CheckOptions;
use crate::ruleset::RuleSet;

/// Whether `file` looks like a rule file that the pack does not read as one: a `.toml` in a
/// folder (the pack's own files lie at the top), but nested deeper than `group/name.toml`. A rule
/// put there would otherwise go missing without a word.
fn is_misplaced_rule_file(file: &str) -> bool {
    let hidden = file.split('/').any(|part| part.starts_with('.'));
    file.ends_with(".toml")
        && file.contains('/')
        && !hidden
        && !file.starts_with("examples/")
        && crate::pack::rule_place(file).is_none()
}

/// One problem of a pack.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LintProblem {
    /// The rule, or the file, concerned.
    pub subject: String,
    /// What is wrong.
    pub message: String,
}

/// Self-checks beyond what compiling already refuses (ids equal to files, both languages, known
/// paths, scripts that compile): examples on both sides, placeholders filled by what the rule
/// produces, one-line titles, clean base records, and every example passing.
pub fn lint(rules: &RuleSet) -> Vec<LintProblem> {
    let mut problems = Vec::new();
    let mut say = |subject: &str, message: String| {
        problems.push(LintProblem {
            subject: subject.to_owned(),
            message,
        })
    };
    let results: Vec<CaseResult> = examples::run_all(rules, None);
    for script in examples::set_aside_scripts(&results) {
        say(&script.rule, script.describe());
    }
    for rule in rules.rules() {
        if rule.title.ja.contains('\n') || rule.title.en.contains('\n') {
            say(&rule.id, "the title is more than one line".into());
        }
        let mine: Vec<&CaseResult> = results.iter().filter(|r| r.case.rule == rule.id).collect();
        if !mine.iter().any(|r| r.case.expect.is_empty()) {
            say(&rule.id, "no passing example (`expect = []`)".into());
        }
        if !mine.iter().any(|r| !r.case.expect.is_empty()) {
            say(&rule.id, "no failing example".into());
        }
        for r in &mine {
            if !r.passed() {
                say(
                    &r.case.id,
                    format!("example fails: {}", r.problems.join("; ")),
                );
            }
        }
        // Each finding renders one of the rule's messages: at least one must find all its
        // placeholders in the finding's ctx, and a `{key:label}` value must be a field path.
        let messages = rule.placeholders();
        for (_, finding) in mine.iter().flat_map(|r| &r.actual) {
            let is_path = |k: &String| {
                finding
                    .ctx
                    .get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|p| p.starts_with('/') || p.starts_with('$'))
            };
            let filled = |(keys, labels): &(BTreeSet<String>, BTreeSet<String>)| {
                keys.iter().all(|k| finding.ctx.contains_key(k)) && labels.iter().all(is_path)
            };
            if !messages.iter().any(filled) {
                say(
                    &rule.id,
                    format!(
                        "no message of the rule has all its placeholders in ctx {:?} (a `:label` placeholder needs a field path)",
                        finding.ctx.keys().collect::<Vec<_>>()
                    ),
                );
            }
        }
    }
    for file in rules.files().iter().map(|(file, _)| file) {
        if is_misplaced_rule_file(file) {
            say(
                file,
                "not read as a rule: a rule file lies one folder deep (`group/name.toml`)".into(),
            );
        }
    }
    let as_of = rules.manifest().example_as_of.clone().unwrap_or_default();
    let options = CheckOptions::default()
        .with_as_of(&as_of)
        .unwrap_or_default();
    for (file, text) in rules.files().iter() {
        if !(file.starts_with("examples/") && file.ends_with(".json")) {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Err(e) => say(file, format!("not JSON: {e}")),
            Ok(record) => match rules.check(&record, &options) {
                Err(e) => say(
                    file,
                    format!(
                        "checking this base record failed: {}",
                        examples::describe_check_error(&e, None)
                    ),
                ),
                Ok(report) => {
                    for f in report.findings {
                        say(
                            file,
                            format!(
                                "a base record must be clean, but {} reports {} ({})",
                                f.rule, f.path, f.message
                            ),
                        );
                    }
                }
            },
        }
    }
    problems.sort_by(|a, b| a.subject.cmp(&b.subject).then(a.message.cmp(&b.message)));
    problems.dedup();
    problems
}
