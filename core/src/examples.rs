//! A rule's examples are its tests and its documentation: this runs them, and exports them as
//! cases so the Python and JS runners judge the very same records against the same expectations.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::batch::{Outcome, check_all};
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
            serde_json::from_str(text).map_err(|e| format!("{file}: {e}"))?
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

/// Compares a case's expectations with the findings of its rule; returns the problems.
pub fn compare(case: &Case, actual: &[(usize, Finding)]) -> Vec<String> {
    let mut unmatched: Vec<&(usize, Finding)> = actual.iter().collect();
    let mut problems = Vec::new();
    for exp in &case.expect {
        match unmatched.iter().position(|(r, f)| matches(exp, *r, f)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => problems.push(format!(
                "expected {}",
                serde_json::to_string(exp).unwrap_or_default()
            )),
        }
    }
    for (r, f) in unmatched {
        problems.push(format!(
            "unexpected finding on record {r}: path {} paths {:?} ctx {}",
            f.path,
            f.paths,
            serde_json::to_string(&f.ctx).unwrap_or_default()
        ));
    }
    problems
}

/// Runs one case in Rust.
pub fn run_case(rules: &RuleSet, case: Case) -> CaseResult {
    let fail = |case: Case, p: String| CaseResult {
        case,
        problems: vec![p],
        actual: Vec::new(),
    };
    let options = match CheckOptions::from_json(&case.options) {
        Ok(o) => o,
        Err(e) => return fail(case, format!("options: {e}")),
    };
    let plan = match rules.plan(&options) {
        Ok(p) => p,
        Err(e) => return fail(case, format!("options: {e}")),
    };
    let outcomes = match check_all(rules, &plan, &case.records) {
        Ok(o) => o,
        Err(e) => return fail(case, format!("check failed: {e}")),
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
            Outcome::Failed { error, .. } => return fail(case, format!("check failed: {error}")),
            Outcome::Unreadable { message, .. } => {
                return fail(case, format!("unreadable: {message}"));
            }
        }
    }
    let problems = compare(&case, &actual);
    CaseResult {
        case,
        problems,
        actual,
    }
}

/// Runs every example of the pack (or of the rules whose id starts with `filter`).
pub fn run_all(rules: &RuleSet, filter: Option<&str>) -> Vec<CaseResult> {
    cases(rules)
        .into_iter()
        .filter(|c| {
            filter.is_none_or(|f| match c {
                Ok(case) => case.rule.starts_with(f),
                Err((id, _)) => id.starts_with(f),
            })
        })
        .map(|c| match c {
            Ok(case) => run_case(rules, case),
            Err((id, e)) => CaseResult {
                case: Case {
                    id: id.clone(),
                    rule: id.split("::").next().unwrap_or_default().to_owned(),
                    records: Vec::new(),
                    batch: false,
                    options: Value::Null,
                    expect: Vec::new(),
                },
                problems: vec![e],
                actual: Vec::new(),
            },
        })
        .collect()
}
