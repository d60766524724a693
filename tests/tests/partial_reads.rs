//! A plan parses only the fields its rules read (`Plan::parse_record`), and views a record
//! through those fields alone. That must never change a report: for each rule alone, for a few
//! selections, and for the whole pack, every example record and a set of generated ones get
//! exactly the report the fully parsed record gets, with exactly the findings of those rules in
//! the whole pack's report (whose view holds every field).

use kakunin::batch::check_all;
use kakunin::{CheckOptions, RuleSet};
use serde_json::Value;

/// Every example record of the pack, and `generated` records of the sample generator.
fn records(rules: &RuleSet, generated: usize) -> Vec<Value> {
    let mut records: Vec<Value> = kakunin::examples::cases(rules)
        .into_iter()
        .filter_map(Result::ok)
        .flat_map(|case| case.records)
        .collect();
    let config = kakunin_sample::Config {
        seed: 7,
        count: generated,
        ..Default::default()
    };
    records.extend(kakunin_sample::generate(&config).map(|s| s.record));
    // Shapes no rule expects: the parser keeps what it keeps the same way whatever they hold.
    records.extend([
        serde_json::json!({"notification": "text", "tests": {"not": "an array"}}),
        serde_json::json!({"basic": [1, 2], "notification": {"patient": null}}),
        serde_json::json!([1, 2]),
        serde_json::json!("a string"),
    ]);
    records
}

/// Selections to try: each rule alone, each group, and everything.
fn selections(rules: &RuleSet) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = rules.rules().iter().map(|r| vec![r.id.clone()]).collect();
    let mut groups: Vec<String> = rules.rules().iter().map(|r| r.group.clone()).collect();
    groups.dedup();
    out.extend(groups.into_iter().map(|g| vec![g]));
    out.push(Vec::new());
    out
}

fn same_reports_when_parsed_partially(pack: &str, generated: usize) {
    let rules = kakunin_rules::bundled(pack).expect("pack compiles");
    let records = records(&rules, generated);
    let texts: Vec<String> = records.iter().map(Value::to_string).collect();
    let every_rule = rules
        .plan(
            &CheckOptions::default()
                .with_as_of("2024-06-01")
                .expect("date"),
        )
        .expect("plan");
    // HER-SYS's `structure/type` reads every field, so its whole pack views whole records.
    assert_eq!(every_rule.reads_every_field(), pack == "hersys", "{pack}");
    let whole_pack: Vec<_> = records
        .iter()
        .map(|r| rules.check_with_plan(r, &every_rule).expect("check"))
        .collect();
    let mut partial_plans = 0;
    for select in selections(&rules) {
        let options = CheckOptions {
            select: select.clone(),
            ..CheckOptions::default()
                .with_as_of("2024-06-01")
                .expect("date")
        };
        let plan = rules.plan(&options).expect("plan");
        let selected: Vec<&str> = (rules.rules().iter().enumerate())
            .filter(|(i, _)| plan.is_selected(*i))
            .map(|(_, r)| r.id.as_str())
            .collect();
        let mut smaller = false;
        for ((record, text), in_pack) in records.iter().zip(&texts).zip(&whole_pack) {
            let partial = plan.parse_record(text).expect("valid JSON parses");
            smaller |= partial != *record;
            let whole = rules.check_with_plan(record, &plan).expect("check");
            let part = rules.check_with_plan(&partial, &plan).expect("check");
            assert_eq!(whole, part, "{pack} {select:?} on {text}");
            let expected: Vec<_> = (in_pack.findings.iter())
                // A record that is not an object gets the engine's own finding whatever the rules.
                .filter(|f| selected.contains(&f.rule.as_str()) || rules.rule(&f.rule).is_none())
                .collect();
            assert_eq!(
                whole.findings.iter().collect::<Vec<_>>(),
                expected,
                "{pack} {select:?} on {text}: not the whole pack's findings"
            );
        }
        partial_plans += usize::from(smaller);
        // In a batch, the cross-record pass reads the same partial records.
        let partials: Vec<Value> = texts
            .iter()
            .map(|t| plan.parse_record(t).expect("valid JSON parses"))
            .collect();
        let whole = check_all(&rules, &plan, &records).expect("batch");
        let part = check_all(&rules, &plan, &partials).expect("batch");
        assert_eq!(
            format!("{whole:?}"),
            format!("{part:?}"),
            "{pack} {select:?}"
        );
    }
    // The comparison means something only if most plans did leave fields out.
    assert!(
        partial_plans * 2 > rules.rules().len(),
        "{pack}: only {partial_plans} plans parsed partially"
    );
}

#[test]
fn hersys_reports_are_the_same_from_partially_parsed_records() {
    same_reports_when_parsed_partially("hersys", 120);
}

#[test]
fn opendata_reports_are_the_same_from_partially_parsed_records() {
    same_reports_when_parsed_partially("opendata", 0);
}

/// The HER-SYS pack's plan for one rule.
fn hersys_plan(rule: &str) -> kakunin::Plan {
    let rules = kakunin_rules::bundled("hersys").expect("pack compiles");
    let options = CheckOptions {
        select: vec![rule.into()],
        ..CheckOptions::default()
    };
    rules.plan(&options).expect("plan")
}

#[test]
fn a_plan_reading_every_field_builds_the_whole_record() {
    let plan = hersys_plan("structure/type");
    let text =
        r#"{"id":"x","unknown_key":{"deep":[1,2]},"notification":{"reported_on":"2024-01-01"}}"#;
    let parsed = plan.parse_record(text).expect("parses");
    assert_eq!(parsed, serde_json::from_str::<Value>(text).expect("json"));
    assert!(plan.reads_pointer("/unknown_key"));
}

#[test]
fn a_narrow_plan_skips_fields_but_still_checks_the_json() {
    let plan = hersys_plan("codes/sex");
    let parsed = plan
        .parse_record(r#"{"id":"x","symptoms":[{"name":"fever"}],"basic":{"sex":"male"}}"#)
        .expect("parses");
    assert_eq!(parsed["id"], "x");
    assert_eq!(parsed["basic"]["sex"], "male");
    assert!(parsed.get("symptoms").is_none());
    assert!(!plan.reads_pointer("/symptoms"));
    assert!(!plan.reads_pointer("/basic/name"));
    assert!(plan.reads_pointer("/basic"));
    assert!(plan.reads_pointer("/basic/sex"));
    assert!(plan.parse_record(r#"{"id":"x","symptoms":[1,}"#).is_err());
    // Not an object: built whole, so that the finding can say what it is.
    assert_eq!(
        plan.parse_record("[1,2]").expect("parses"),
        serde_json::json!([1, 2])
    );
}
