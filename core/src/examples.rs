//! A rule's examples are its tests and its documentation: this runs them, and exports them as
//! cases so the Python and JS runners judge the very same records against the same expectations.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::batch::{Outcome, check_all};
use crate::error::{Error, ScriptErrorKind};
use crate::finding::Finding;
use crate::options::CheckOptions;
use crate::pack::{ExampleSpec, ExpectedFinding};
use crate::path::unescape_token;
use crate::ruleset::{Rule, RuleSet};

/// One example made concrete: records, options, expected findings of its rule.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// `group/name::example`, the same string in every runner.
    pub id: String,
    /// The rule.
    pub rule: String,
    /// One record, or several for a cross-record rule.
    pub records: Vec<Value>,
    /// Whether the example is a batch (cross-record) example.
    pub batch: bool,
    /// Check options as JSON (`as_of` always set).
    pub options: Value,
    /// Expected findings of this rule.
    pub expect: Vec<ExpectedFinding>,
}

/// The result of one example.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// What is wrong (empty: passed).
    pub problems: Vec<String>,
    /// The findings of the rule that the check produced (with their record index).
    pub actual: Vec<(usize, Finding)>,
    /// Other rules whose script failed on the case's record, left out to judge this rule, with
    /// their error (see [`set_aside_scripts`]).
    pub set_aside: Vec<(String, Error)>,
}

impl CaseResult {
    /// Whether the example passed.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Sets a JSON Pointer in a record, creating objects on the way (and appending to arrays at
/// their length).
pub fn set_pointer(root: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let keys: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|k| unescape_token(k).into_owned())
        .collect();
    let Some((last, parents)) = keys.split_last() else {
        *root = value;
        return Ok(());
    };
    let mut cur = root;
    for (i, key) in parents.iter().enumerate() {
        let next_is_index = keys.get(i + 1).is_some_and(|k| k.parse::<usize>().is_ok());
        cur = step(cur, key, pointer, || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Default::default())
            }
        })?;
    }
    match cur {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("`{pointer}`: `{last}` is not an array index"))?;
            match i.cmp(&items.len()) {
                std::cmp::Ordering::Less => items[i] = value,
                std::cmp::Ordering::Equal => items.push(value),
                std::cmp::Ordering::Greater => {
                    return Err(format!("`{pointer}`: index {i} is past the end"));
                }
            }
            Ok(())
        }
        _ => Err(format!("`{pointer}`: cannot set inside a scalar")),
    }
}

fn step<'v>(
    cur: &'v mut Value,
    key: &str,
    pointer: &str,
    make: impl Fn() -> Value,
) -> Result<&'v mut Value, String> {
    if cur.is_null() {
        *cur = Value::Object(Default::default());
    }
    match cur {
        Value::Object(map) => Ok(map.entry(key.to_owned()).or_insert_with(make)),
        Value::Array(items) => {
            let i: usize = key
                .parse()
                .map_err(|_| format!("`{pointer}`: `{key}` is not an array index"))?;
            if i == items.len() {
                items.push(make());
            }
            items
                .get_mut(i)
                .ok_or_else(|| format!("`{pointer}`: index {i} is past the end"))
        }
        _ => Err(format!("`{pointer}`: cannot step into a scalar at `{key}`")),
    }
}

/// Removes a JSON Pointer from a record (nothing when it is not there).
pub fn unset_pointer(root: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = unescape_token(last);
    match root.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(last.as_ref());
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// Builds an example record: a base (or a whole record), then `set`, then `unset`.
pub fn build_record(
    rules: &RuleSet,
    base: Option<&str>,
    record: Option<&Value>,
    set: &BTreeMap<String, Value>,
    unset: &[String],
) -> Result<Value, String> {
    let mut value = match record {
        Some(r) => r.clone(),
        None => {
            let name = base
                .or(rules.manifest().default_base.as_deref())
                .ok_or("no `base` and the pack has no `default_base`")?;
            let file = format!("examples/{name}.json");
            let text = rules
                .files()
                .get(&file)
                .ok_or_else(|| format!("base record `{file}` not found"))?;
            serde_json::from_str(text)
                .map_err(|e| format!("the base record {file} is not valid JSON: {e}"))?
        }
    };
    for (pointer, v) in set {
        set_pointer(&mut value, pointer, v.clone())?;
    }
    for pointer in unset {
        unset_pointer(&mut value, pointer);
    }
    Ok(value)
}

/// Makes the case of one example.
pub fn case(rules: &RuleSet, rule: &Rule, example: &ExampleSpec) -> Result<Case, String> {
    let records = if example.batch.is_empty() {
        vec![build_record(
            rules,
            example.base.as_deref(),
            example.record.as_ref(),
            &example.set,
            &example.unset,
        )?]
    } else {
        example
            .batch
            .iter()
            .map(|b| {
                build_record(
                    rules,
                    b.base.as_deref(),
                    b.record.as_ref(),
                    &b.set,
                    &b.unset,
                )
            })
            .collect::<Result<_, _>>()?
    };
    let mut options: serde_json::Map<String, Value> = example.options.clone().into_iter().collect();
    if !options.contains_key("as_of") {
        let as_of = rules
            .manifest()
            .example_as_of
            .clone()
            .ok_or("the example sets no `as_of` and the pack has no `example_as_of`")?;
        options.insert("as_of".into(), Value::String(as_of));
    }
    Ok(Case {
        id: format!("{}::{}", rule.id, example.name),
        rule: rule.id.clone(),
        records,
        batch: !example.batch.is_empty(),
        options: Value::Object(options),
        expect: example.expect.clone(),
    })
}

/// Every example of the pack as a case, in rule order.
pub fn cases(rules: &RuleSet) -> Vec<Result<Case, (String, String)>> {
    rules
        .rules()
        .iter()
        .flat_map(|rule| {
            rule.examples.iter().map(move |ex| {
                case(rules, rule, ex).map_err(|e| (format!("{}::{}", rule.id, ex.name), e))
            })
        })
        .collect()
}

/// Whether a finding matches an expectation (keys the expectation leaves out are not compared;
/// listed ctx keys are compared one by one).
pub fn matches(expected: &ExpectedFinding, record: usize, actual: &Finding) -> bool {
    expected.record.unwrap_or(0) == record
        && expected.path == actual.path
        && expected.paths.as_ref().is_none_or(|p| *p == actual.paths)
        && expected.severity.is_none_or(|s| s == actual.severity)
        && expected
            .message
            .as_ref()
            .is_none_or(|m| *m == actual.message)
        && expected
            .acknowledged
            .is_none_or(|a| a == actual.acknowledged)
        && expected.ctx.as_ref().is_none_or(|ctx| {
            ctx.iter().all(|(k, v)| {
                actual
                    .ctx
                    .get(k)
                    .is_some_and(|a| crate::condition::same(a, v) || a == v)
            })
        })
}

/// Whether an actual ctx value equals an expected one (numbers by value, texts trimmed).
fn same_ctx_value(actual: &Value, expected: &Value) -> bool {
    crate::condition::same(actual, expected) || actual == expected
}

/// Where a finding is, in words: its path, and its record in a batch example.
fn place(path: &str, record: usize, batch: bool) -> String {
    if batch || record > 0 {
        format!("at {path} of record {record}")
    } else {
        format!("at {path}")
    }
}

/// What an expectation and a finding at the same place disagree on, key by key.
fn differences(expected: &ExpectedFinding, actual: &Finding) -> Vec<String> {
    let json = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(paths) = &expected.paths
        && *paths != actual.paths
    {
        out.push(format!("paths: expected {paths:?}, got {:?}", actual.paths));
    }
    for (key, want) in expected.ctx.iter().flatten() {
        match actual.ctx.get(key) {
            Some(got) if same_ctx_value(got, want) => {}
            Some(got) => out.push(format!(
                "ctx.{key}: expected {}, got {}",
                json(want),
                json(got)
            )),
            None => out.push(format!(
                "ctx.{key}: expected {}, but the finding has no `{key}` (its ctx has {})",
                json(want),
                ctx_keys(actual)
            )),
        }
    }
    if let Some(severity) = expected.severity
        && severity != actual.severity
    {
        out.push(format!(
            "severity: expected {}, got {}",
            severity.as_str(),
            actual.severity.as_str()
        ));
    }
    if let Some(message) = &expected.message
        && *message != actual.message
    {
        out.push(format!(
            "message: expected {message:?}, got {:?}",
            actual.message
        ));
    }
    if let Some(acknowledged) = expected.acknowledged
        && acknowledged != actual.acknowledged
    {
        out.push(format!(
            "acknowledged: expected {acknowledged}, got {}",
            actual.acknowledged
        ));
    }
    out
}

/// Compares a case's expectations with the findings of its rule; returns the problems, each
/// saying what was expected and what the rule gave instead, so an author can fix either side.
pub fn compare(case: &Case, actual: &[(usize, Finding)]) -> Vec<String> {
    let mut unmatched: Vec<&(usize, Finding)> = actual.iter().collect();
    let mut missing = Vec::new();
    for exp in &case.expect {
        match unmatched.iter().position(|(r, f)| matches(exp, *r, f)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(exp),
        }
    }
    let mut problems = Vec::new();
    for exp in missing {
        let record = exp.record.unwrap_or(0);
        let at = place(&exp.path, record, case.batch);
        // A finding at the same place is the one the author meant: say what differs.
        match unmatched
            .iter()
            .position(|(r, f)| *r == record && f.path == exp.path)
        {
            Some(i) => {
                let (_, finding) = unmatched.remove(i);
                problems.push(format!(
                    "the finding {at} differs: {}",
                    differences(exp, finding).join("; ")
                ));
            }
            None if record > 0 && !case.batch => problems.push(format!(
                "expected a finding {at}, but the example has one record, record 0 (`record` numbers the records of a `batch`)"
            )),
            None => problems.push(format!(
                "expected a finding {at}, but the rule reported none there"
            )),
        }
    }
    for (r, f) in unmatched {
        problems.push(format!(
            "unexpected finding {}: message {:?}, paths {:?}, ctx {}",
            place(&f.path, *r, case.batch),
            f.message,
            f.paths,
            serde_json::to_string(&f.ctx).unwrap_or_default()
        ));
    }
    problems
}

/// An error of checking a record, in an author's words; `rule` names the rule whose script
/// failed, or says "the rule's" for the example's own rule.
pub fn describe_check_error(error: &Error, own_rule: Option<&str>) -> String {
    match error {
        Error::Script {
            rule,
            kind,
            line,
            message,
            ..
        } => {
            // rhai repeats the position at the end of its message; the line is said once.
            let message = message
                .rsplit_once(" (line ")
                .map_or(message.as_str(), |(m, _)| m);
            let at = if *line > 0 {
                format!(" at line {line}")
            } else {
                String::new()
            };
            let whose = if own_rule == Some(rule.as_str()) {
                "the rule's script".to_owned()
            } else {
                format!("the script of rule {rule}")
            };
            match kind {
                ScriptErrorKind::Limit => format!(
                    "{whose} was stopped{at}: {message} (a limit of the script engine: a loop that never ends, or a value far too large?)"
                ),
                ScriptErrorKind::Runtime => format!("{whose} failed{at}: {message}"),
            }
        }
        other => format!("check failed: {other}"),
    }
}

/// Runs one case in Rust. The script of another rule that fails on the case's record is set
/// aside (and noted in [`CaseResult::set_aside`]), so one broken script does not fail the
/// examples of every rule.
pub fn run_case(rules: &RuleSet, case: Case) -> CaseResult {
    let fail = |case: Case, p: String, set_aside: Vec<(String, Error)>| CaseResult {
        case,
        problems: vec![p],
        actual: Vec::new(),
        set_aside,
    };
    let mut options = match CheckOptions::from_json(&case.options) {
        Ok(o) => o,
        Err(e) => return fail(case, format!("options: {e}"), Vec::new()),
    };
    let mut set_aside: Vec<(String, Error)> = Vec::new();
    let outcomes = loop {
        let plan = match rules.plan(&options) {
            Ok(p) => p,
            Err(e) => return fail(case, format!("options: {e}"), set_aside),
        };
        let outcomes = match check_all(rules, &plan, &case.records) {
            Ok(o) => o,
            Err(e) => {
                let problem = describe_check_error(&e, Some(&case.rule));
                return fail(case, problem, set_aside);
            }
        };
        let other_script = outcomes.iter().find_map(|o| match o {
            Outcome::Failed {
                error: error @ Error::Script { rule, .. },
                ..
            } if *rule != case.rule && !options.ignore.contains(rule) => {
                Some((rule.clone(), error.clone()))
            }
            _ => None,
        });
        match other_script {
            Some((rule, error)) => {
                options.ignore.push(rule.clone());
                set_aside.push((rule, error));
            }
            None => break outcomes,
        }
    };
    let mut actual = Vec::new();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Outcome::Checked { report, .. } => {
                actual.extend(
                    report
                        .findings
                        .into_iter()
                        .filter(|f| f.rule == case.rule)
                        .map(|f| (i, f)),
                );
            }
            Outcome::Failed { error, .. } => {
                let problem = describe_check_error(&error, Some(&case.rule));
                return fail(case, problem, set_aside);
            }
            Outcome::Unreadable { message, .. } => {
                return fail(case, format!("unreadable: {message}"), set_aside);
            }
        }
    }
    let problems = compare(&case, &actual);
    CaseResult {
        case,
        problems,
        actual,
        set_aside,
    }
}

/// Runs every example of the pack (or of the rules whose id starts with `filter`). An example
/// whose record cannot be built fails with what is wrong, and keeps its expected findings.
pub fn run_all(rules: &RuleSet, filter: Option<&str>) -> Vec<CaseResult> {
    rules
        .rules()
        .iter()
        .filter(|rule| filter.is_none_or(|f| rule.id.starts_with(f)))
        .flat_map(|rule| {
            rule.examples
                .iter()
                .map(move |example| match case(rules, rule, example) {
                    Ok(case) => run_case(rules, case),
                    Err(problem) => CaseResult {
                        case: Case {
                            id: format!("{}::{}", rule.id, example.name),
                            rule: rule.id.clone(),
                            records: Vec::new(),
                            batch: !example.batch.is_empty(),
                            options: Value::Null,
                            expect: example.expect.clone(),
                        },
                        problems: vec![problem],
                        actual: Vec::new(),
                        set_aside: Vec::new(),
                    },
                })
        })
        .collect()
}

/// A rule whose script failed on the records of other rules' examples (and was set aside there).
#[derive(Debug, Clone)]
pub struct SetAside {
    /// The rule whose script failed.
    pub rule: String,
    /// The first example (`group/name::example`) whose record it failed on.
    pub first_example: String,
    /// How many examples of other rules it failed on.
    pub examples: usize,
    /// The error on the first one.
    pub error: Error,
}

/// The scripts set aside in `results`, one entry a rule, in rule order.
pub fn set_aside_scripts(results: &[CaseResult]) -> Vec<SetAside> {
    let mut out: BTreeMap<&str, SetAside> = BTreeMap::new();
    for result in results {
        for (rule, error) in &result.set_aside {
            out.entry(rule)
                .and_modify(|s| s.examples += 1)
                .or_insert_with(|| SetAside {
                    rule: rule.clone(),
                    first_example: result.case.id.clone(),
                    examples: 1,
                    error: error.clone(),
                });
        }
    }
    out.into_values().collect()
}

impl SetAside {
    /// What went wrong, in an author's words.
    pub fn describe(&self) -> String {
        let examples = match self.examples {
            1 => format!("the record of example {}", self.first_example),
            n => format!(
                "the records of {n} examples of other rules (the first: {})",
                self.first_example
            ),
        };
        format!(
            "{}, on {examples}; they were judged without this rule",
            describe_check_error(&self.error, Some(&self.rule))
        )
    }
}

/// A finding's ctx keys as a message lists them: `field`, `value`.
pub(crate) fn ctx_keys(finding: &Finding) -> String {
    (finding.ctx.keys())
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::Severity;
    use serde_json::json;

    fn finding(path: &str, ctx: Value, message: &str) -> Finding {
        Finding {
            rule: "d/r".into(),
            severity: Severity::Error,
            message: message.into(),
            path: path.into(),
            paths: vec![path.into()],
            ctx: serde_json::from_value(ctx).expect("a ctx map"),
            help: String::new(),
            acknowledged: false,
        }
    }

    fn case_expecting(expect: Value, batch: bool) -> Case {
        Case {
            id: "d/r::e".into(),
            rule: "d/r".into(),
            records: Vec::new(),
            batch,
            options: Value::Null,
            expect: serde_json::from_value(expect).expect("expectations"),
        }
    }

    #[test]
    fn a_finding_at_the_expected_place_is_compared_key_by_key() {
        let case = case_expecting(
            json!([{"path": "/a", "ctx": {"days": 4, "dayz": 1}, "message": "M1", "severity": "warning"}]),
            false,
        );
        let got = [(0, finding("/a", json!({"days": 5}), "M2"))];
        let problems = compare(&case, &got);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        for part in [
            "the finding at /a differs",
            "ctx.days: expected 4, got 5",
            "ctx.dayz: expected 1, but the finding has no `dayz` (its ctx has `days`)",
            "severity: expected warning, got error",
            r#"message: expected "M1", got "M2""#,
        ] {
            assert!(p.contains(part), "{part} in {p}");
        }
    }

    #[test]
    fn missing_and_unexpected_findings_say_where_and_what() {
        let case = case_expecting(json!([{"path": "/a"}]), false);
        let got = [(0, finding("/b", json!({"value": "x"}), "B is wrong"))];
        assert_eq!(
            compare(&case, &got),
            [
                "expected a finding at /a, but the rule reported none there".to_owned(),
                r#"unexpected finding at /b: message "B is wrong", paths ["/b"], ctx {"value":"x"}"#
                    .to_owned(),
            ]
        );
        // `record` outside a batch points at a record the example does not have.
        let case = case_expecting(json!([{"path": "/b", "record": 1}]), false);
        let problems = compare(&case, &got);
        assert!(
            problems[0].contains("at /b of record 1, but the example has one record"),
            "{problems:?}"
        );
        let batch = case_expecting(json!([{"path": "/b", "record": 1}]), true);
        assert_eq!(
            compare(&batch, &[(1, got[0].1.clone())]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_script_error_reads_as_what_happened_and_where() {
        let error = Error::Script {
            rule: "d/s".into(),
            kind: ScriptErrorKind::Limit,
            line: 3,
            column: 5,
            message: "Too many operations (line 3, position 5)".into(),
        };
        let own = describe_check_error(&error, Some("d/s"));
        assert!(
            own.starts_with(
                "the rule's script was stopped at line 3: Too many operations (a limit"
            ),
            "{own}"
        );
        assert!(!own.contains("position"), "{own}");
        let other = describe_check_error(&error, Some("d/x"));
        assert!(
            other.starts_with("the script of rule d/s was stopped"),
            "{other}"
        );
    }
}
