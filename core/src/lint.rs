//! The pack checks itself: what `kakunin rules lint` reports.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::examples::{self, CaseResult};
use crate::options::CheckOptions;
use crate::ruleset::RuleSet;

/// The pack's own TOML files at its top; any other `.toml` there is a rule put one folder short.
const PACK_TOML_FILES: [&str; 4] = [
    crate::pack::MANIFEST,
    "codes.toml",
    "conditions.toml",
    "mapping.toml",
];

/// Why `file`, which looks like a rule file, is not read as one, or `None`. A rule put there
/// would otherwise go missing without a word. Hidden folders (drafts) are left alone.
fn misplaced_rule_file(file: &str) -> Option<&'static str> {
    let hidden = file.split('/').any(|part| part.starts_with('.'));
    if !file.ends_with(".toml") || hidden || crate::pack::rule_place(file).is_some() {
        return None;
    }
    if !file.contains('/') {
        return (!PACK_TOML_FILES.contains(&file)).then_some(
            "not read as a rule: a rule file lies in its group's folder (`group/name.toml`), and the pack's top holds only pack.toml, codes.toml, conditions.toml and mapping.toml",
        );
    }
    if file.starts_with("examples/") {
        return Some(
            "not read as a rule: examples/ holds the base records of examples (`.json`); a rule file lies in its group's folder (`group/name.toml`)",
        );
    }
    Some("not read as a rule: a rule file lies one folder deep (`group/name.toml`)")
}

/// Whether the finding's `ctx.key` holds a field path (or a `$` operand), as a `{key:label}`
/// placeholder needs.
fn is_field_path(finding: &crate::Finding, key: &str) -> bool {
    finding
        .ctx
        .get(key)
        .and_then(Value::as_str)
        .is_some_and(|p| p.starts_with('/') || p.starts_with('$'))
}

/// A Japanese text without kana or kanji, or an English one without a Latin letter: the
/// translation left out, or the two texts put in each other's place.
fn language_mix_ups(what: &str, ja: &str, en: &str, say: &mut impl FnMut(String)) {
    let japanese = |c: char| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}');
    if !ja.chars().any(japanese) {
        say(format!(
            "`{what}.ja` has no Japanese (kana or kanji): is the Japanese text missing, or put under `en`?"
        ));
    }
    if !en.chars().any(|c| c.is_ascii_alphabetic()) {
        say(format!(
            "`{what}.en` has no English word: is the English text missing, or put under `ja`?"
        ));
    }
}

/// What a rule's scripts read of `record`, or name as a field, that the record schema does not
/// have or the rule's `reads` leave out. Either way the script would see "not entered" (its
/// `record` holds only the `reads` paths) and say nothing, where a misspelt path in a
/// declarative check is refused when the pack loads.
fn script_reads(rules: &RuleSet, rule: &crate::Rule, say: &mut impl FnMut(String)) {
    let schema = rules.schema();
    for check in &rule.checks {
        let crate::check::Kind::Script { script, reads } = &check.kind else {
            continue;
        };
        let Some(source) = rules.files().get(&script.file) else {
            continue;
        };
        let declared = |pattern: &str| {
            reads.iter().any(|read| {
                let read = read.text.as_ref();
                let under = |outer: &str, inner: &str| {
                    inner
                        .strip_prefix(outer)
                        .is_some_and(|r| r.starts_with('/'))
                };
                read == pattern || under(read, pattern) || under(pattern, read)
            })
        };
        let crate::script::ScriptReads { chains, paths } = crate::script::reads(source);
        for read in chains {
            let place = format!("{} line {}: `{}`", script.file, read.line, read.text);
            match field_read(schema, &read.steps) {
                Err(unknown) => say(format!("{place}: {}", schema.not_a_field(&unknown))),
                Ok(pattern) if !declared(&pattern) => say(format!(
                    "{place} reads `{pattern}`, which the rule's `reads` leave out: the script sees it as not entered"
                )),
                Ok(_) => {}
            }
        }
        for (line, path) in paths {
            let pattern = crate::path::pattern_of(&path);
            if schema.node_of(&pattern).is_none() {
                say(format!(
                    "{} line {line}: the string {}",
                    script.file,
                    schema.not_a_field(&path)
                ));
            }
        }
    }
}

/// The schema field a chain of reads of `record` reaches (its pattern), or the path of the first
/// key no object of the schema has. A chain stops being followed where the schema cannot say:
/// an index into an object (a key computed as the script runs), or a key of a value that is
/// not an object (a property of rhai's, such as a string's `len`).
fn field_read(
    schema: &crate::schema::RecordSchema,
    steps: &[crate::script::Step],
) -> Result<String, String> {
    let mut node = 0;
    for step in steps {
        let next = match step {
            crate::script::Step::Index => schema.node(node).items,
            crate::script::Step::Key(key) => match schema.child(node, key) {
                None if !schema.node(node).children.is_empty() => {
                    let key = crate::path::escape_token(key);
                    return Err(format!("{}/{key}", schema.pattern(node)));
                }
                child => child,
            },
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    Ok(schema.pattern(node).to_owned())
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
        for (what, text) in [("title", &rule.title), ("message", &rule.message)] {
            language_mix_ups(what, &text.ja, &text.en, &mut |m| say(&rule.id, m));
        }
        language_mix_ups("doc", &rule.doc.ja, &rule.doc.en, &mut |m| say(&rule.id, m));
        script_reads(rules, rule, &mut |m| say(&rule.id, m));
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
        let names: Vec<String> = std::iter::once("the message".to_owned())
            .chain(rule.variants.keys().map(|v| format!("variant `{v}`")))
            .collect();
        for (case, finding) in mine
            .iter()
            .flat_map(|r| r.actual.iter().map(move |(_, f)| (&r.case.id, f)))
        {
            let unfilled = |(keys, labels): &(BTreeSet<String>, BTreeSet<String>)| {
                let mut missing: Vec<String> = keys
                    .iter()
                    .filter(|k| !finding.ctx.contains_key(*k))
                    .map(|k| format!("`{{{k}}}` is not in its ctx"))
                    .collect();
                missing.extend(
                    labels
                        .iter()
                        .filter(|k| finding.ctx.contains_key(*k) && !is_field_path(finding, k))
                        .map(|k| format!("`{{{k}:label}}` needs a field path in ctx.{k}")),
                );
                missing
            };
            let closest = messages
                .iter()
                .zip(&names)
                .map(|(m, name)| (unfilled(m), name))
                .min_by_key(|(missing, _)| missing.len());
            if let Some((missing, name)) = closest
                && !missing.is_empty()
            {
                say(
                    &rule.id,
                    format!(
                        "a finding of example {case} cannot fill {name}: {} (the ctx has {})",
                        missing.join(", "),
                        examples::ctx_keys(finding)
                    ),
                );
            }
        }
    }
    for file in rules.files().iter().map(|(file, _)| file) {
        if let Some(why) = misplaced_rule_file(file) {
            say(file, why.into());
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
