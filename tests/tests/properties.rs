//! Properties of `check` on arbitrary input: it never fails or panics on a record, its output is
//! sorted and deterministic, a record's findings do not depend on the rest of its batch (rules
//! across records aside), a Report survives a JSON round trip, and date ordering agrees with a
//! plain oracle.

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
