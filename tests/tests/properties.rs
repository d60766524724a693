//! Properties of `check` on arbitrary input: it never fails or panics on a record, its output is
//! sorted and deterministic (across runs and across thread counts), a record's findings do not
//! depend on the rest of its batch (rules across records aside), a Report survives a JSON round
//! trip, and every date-ordering rule agrees with a plain oracle.

use std::sync::Arc;

use kakunin::batch::{Outcome, check_all};
use kakunin::{CheckOptions, Report, RuleSet};
use proptest::prelude::*;
use serde_json::{Value, json};

fn hersys() -> Arc<RuleSet> {
    kakunin_rules::bundled("hersys").expect("hersys compiles")
}

fn options() -> CheckOptions {
    CheckOptions::default()
        .with_as_of("2024-06-01")
        .expect("date")
}

fn base() -> Value {
    serde_json::from_str(
        hersys()
            .files()
            .get("examples/complete-2021.json")
            .expect("base"),
    )
    .expect("json")
}

/// Arbitrary JSON, biased towards what a mistyped form produces.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(Value::String),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Paths of the base record where arbitrary values are put.
const FIELDS: [&str; 14] = [
    "/notification/diagnosed_on",
    "/notification/reported_on",
    "/notification/onset_on",
    "/notification/patient/age",
    "/notification/patient/birth_date",
    "/notification/patient/sex",
    "/notification/patient/municipality_code",
    "/notification/tests",
    "/notification/symptoms",
    "/notification/clinical",
    "/medical",
    "/record",
    "/observations",
    "/vaccinations",
];

fn mutated() -> impl Strategy<Value = Value> {
    prop::collection::vec((0..FIELDS.len(), any_json()), 1..5).prop_map(|changes| {
        let mut record = base();
        for (i, value) in changes {
            let _ = kakunin::examples::set_pointer(&mut record, FIELDS[i], value);
        }
        record
    })
}

fn is_sorted(report: &Report) -> bool {
    report
        .findings
        .windows(2)
        .all(|w| (&w[0].path, &w[0].rule) <= (&w[1].path, &w[1].rule))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn check_returns_sorted_deterministic_reports_for_any_record(record in prop_oneof![any_json(), mutated()]) {
        let rules = hersys();
        let first = rules.check(&record, &options());
        prop_assert!(first.is_ok(), "check failed: {:?}", first.err());
        let first = first.expect("ok");
        prop_assert!(is_sorted(&first));
        let again = rules.check(&record, &options()).expect("ok");
        prop_assert_eq!(&first, &again);
        let text = serde_json::to_string(&first).expect("serialises");
        let back: Report = serde_json::from_str(&text).expect("reads back");
        prop_assert_eq!(first, back);
    }

    #[test]
    fn findings_do_not_depend_on_the_rest_of_the_batch(records in prop::collection::vec(mutated(), 1..6)) {
        let rules = hersys();
        let plan = rules.plan(&CheckOptions { ignore: vec!["identity".into()], ..options() }).expect("plan");
        let together = check_all(&rules, &plan, &records).expect("batch");
        for (record, outcome) in records.iter().zip(together) {
            let Outcome::Checked { report, .. } = outcome else { panic!("checked") };
            let alone = rules.check_with_plan(record, &plan).expect("check");
            prop_assert_eq!(report, alone);
        }
    }

    #[test]
    fn report_before_diagnosis_agrees_with_an_oracle(dx in 0i32..2000, delta in -40i32..40) {
        let day = |n: i32| kakunin::date::format_day(kakunin::date::days_from_civil(2020, 2, 1) + n);
        let mut record = base();
        record["notification"]["diagnosed_on"] = json!(day(dx));
        record["notification"]["reported_on"] = json!(day(dx + delta));
        let options = CheckOptions { select: vec!["dates/report-before-diagnosis".into(), "dates/late-report".into()], ..options() };
        let report = hersys().check(&record, &options).expect("check");
        let fired = |id: &str| report.findings.iter().any(|f| f.rule == id);
        prop_assert_eq!(fired("dates/report-before-diagnosis"), delta < 0);
        prop_assert_eq!(fired("dates/late-report"), delta > 1);
    }
}

/// A batch's outcomes as comparable values: the report, or the error's text.
fn outcomes_json(outcomes: &[Outcome]) -> Vec<Value> {
    outcomes
        .iter()
        .map(|o| match o {
            Outcome::Checked { report, .. } => serde_json::to_value(report).expect("serialises"),
            Outcome::Failed { error, .. } => json!({"failed": error.to_string()}),
            Outcome::Unreadable { message, .. } => json!({"unreadable": message}),
        })
        .collect()
}

/// Checks a batch on a pool of `threads` threads.
fn batch_on(threads: usize, records: &[Value]) -> Vec<Value> {
    let rules = hersys();
    let plan = rules.plan(&options()).expect("plan");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    pool.install(|| outcomes_json(&check_all(&rules, &plan, records).expect("batch")))
}

/// A date-ordering rule simple enough for an oracle: one plain field on each side, no `when`,
/// no exclusions.
#[derive(Debug, Clone)]
struct DateOrder {
    rule: String,
    earlier: String,
    later: String,
    min_days: Option<i64>,
    max_days: Option<i64>,
    ignore_below_days: Option<i64>,
}

impl DateOrder {
    /// The oracle: the rule fires when `later − earlier` leaves `[min_days, max_days]` (min_days
    /// 0 by default, unbounded below when only max_days is given), unless it is below
    /// `ignore_below_days`.
    fn fires(&self, earlier: (i64, u32, u32), later: (i64, u32, u32)) -> bool {
        let days = days_since_epoch(later) - days_since_epoch(earlier);
        let min = self.min_days.or(if self.max_days.is_some() {
            None
        } else {
            Some(0)
        });
        let outside = min.is_some_and(|m| days < m) || self.max_days.is_some_and(|m| days > m);
        outside && self.ignore_below_days.is_none_or(|b| days >= b)
    }
}

/// Days since 1970-01-01 of a civil date, counted plainly (years, then months, then days), not
/// with the engine's algorithm.
fn days_since_epoch((year, month, day): (i64, u32, u32)) -> i64 {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days: i64 = (1970..year).map(|y| if leap(y) { 366 } else { 365 }).sum();
    for m in 1..month {
        days += i64::from(days_in_month(year, m));
    }
    days + i64::from(day) - 1
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Every date-order rule of the hersys pack that [`DateOrder`] can judge.
fn simple_date_orders() -> Vec<DateOrder> {
    let rules = hersys();
    let plain = |v: &toml::Value| -> Option<String> {
        match v.as_array()?.as_slice() {
            [one] => one
                .as_str()
                .filter(|p| p.starts_with('/') && !p.contains('*'))
                .map(str::to_owned),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for rule in rules.rules() {
        let text = rules.files().get(&rule.file).expect("rule file");
        let doc: toml::Table = toml::from_str(text).expect("TOML");
        let Some(checks) = doc.get("check").and_then(toml::Value::as_array) else {
            continue;
        };
        let [check] = checks.as_slice() else {
            continue;
        };
        let simple = check.get("kind").and_then(toml::Value::as_str) == Some("date-order")
            && check.get("when").is_none()
            && check.get("exclude").is_none()
            && doc.get("when").is_none();
        if !simple {
            continue;
        }
        let (Some(earlier), Some(later)) = (
            check.get("earlier").and_then(plain),
            check.get("later").and_then(plain),
        ) else {
            continue;
        };
        out.push(DateOrder {
            rule: rule.id.clone(),
            earlier,
            later,
            min_days: check.get("min_days").and_then(toml::Value::as_integer),
            max_days: check.get("max_days").and_then(toml::Value::as_integer),
            ignore_below_days: check
                .get("ignore_below_days")
                .and_then(toml::Value::as_integer),
        });
    }
    out
}

/// A valid civil date between 2021-03-01 and 2023-12-31: after every rule's start, before as_of.
fn civil_date() -> impl Strategy<Value = (i64, u32, u32)> {
    (2021i64..=2023, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| {
        let y = if y == 2021 && m < 3 { 2022 } else { y };
        (y, m, d.min(days_in_month(y, m)))
    })
}

fn iso((y, m, d): (i64, u32, u32)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_batch_is_the_same_on_one_thread_and_on_two(records in prop::collection::vec(prop_oneof![mutated(), any_json()], 1..24)) {
        prop_assert_eq!(batch_on(1, &records), batch_on(2, &records));
    }

    #[test]
    fn every_simple_date_order_rule_agrees_with_an_oracle(
        rule in prop::sample::select(simple_date_orders()),
        earlier in civil_date(),
        later in civil_date(),
    ) {
        let mut record = base();
        kakunin::examples::set_pointer(&mut record, &rule.earlier, json!(iso(earlier))).expect("set");
        kakunin::examples::set_pointer(&mut record, &rule.later, json!(iso(later))).expect("set");
        let options = CheckOptions { select: vec![rule.rule.clone()], ..options() };
        let rules = hersys();
        let report = rules.check(&record, &options).expect("check");
        let fired = report.findings.iter().any(|f| f.rule == rule.rule);
        let in_force = rules
            .rules_in_force(&record, options.as_of.expect("as_of"))
            .iter()
            .any(|r| r.id == rule.rule);
        prop_assert_eq!(fired, in_force && rule.fires(earlier, later), "{:?}: {} → {}", rule, iso(earlier), iso(later));
    }
}

#[test]
fn the_oracle_covers_most_date_order_rules() {
    let simple = simple_date_orders();
    assert!(
        simple.len() >= 8,
        "the oracle judges {} date-order rules: {:?}",
        simple.len(),
        simple.iter().map(|r| &r.rule).collect::<Vec<_>>()
    );
    // The oracle itself, on dates whose distance is known.
    assert_eq!(days_since_epoch((1970, 1, 1)), 0);
    assert_eq!(
        days_since_epoch((2000, 3, 1)) - days_since_epoch((2000, 2, 28)),
        2
    );
    assert_eq!(
        days_since_epoch((2021, 1, 1)) - days_since_epoch((2020, 1, 1)),
        366
    );
}

#[test]
fn a_report_is_the_same_from_many_threads() {
    let rules = hersys();
    let record = base();
    let expected = rules.check(&record, &options()).expect("check");
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let rules = rules.clone();
            let record = record.clone();
            std::thread::spawn(move || rules.check(&record, &options()).expect("check"))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread"), expected);
    }
}
