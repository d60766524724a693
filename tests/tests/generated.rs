//! The engine against the generator: on generated records, clean ones get no finding and each
//! injected mistake triggers every rule it declares (and a duplicate flags both records).

use std::collections::BTreeMap;

use kakunin::CheckOptions;
use kakunin::batch::{Outcome, check_all};

/// The HER-SYS pack and a plan of all its rules, judged on a fixed date.
fn hersys_whole_pack() -> (std::sync::Arc<kakunin::RuleSet>, kakunin::Plan) {
    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    let plan = rules
        .plan(
            &CheckOptions::default()
                .with_as_of("2024-06-01")
                .expect("date"),
        )
        .expect("plan");
    (rules, plan)
}

#[test]
fn clean_records_are_clean_and_every_injected_mistake_is_caught() {
    let (rules, plan) = hersys_whole_pack();
    let samples: Vec<_> = kakunin_sample::generate(&kakunin_sample::Config {
        seed: 2026,
        count: 5000,
        ..Default::default()
    })
    .collect();
    let records: Vec<_> = samples.iter().map(|s| s.record.clone()).collect();
    let outcomes = check_all(&rules, &plan, &records).expect("batch");
    let position: BTreeMap<String, usize> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r["id"].as_str()?.to_owned(), i)))
        .collect();
    let fired = |i: usize| -> Vec<String> {
        match &outcomes[i] {
            Outcome::Checked { report, .. } => {
                report.findings.iter().map(|f| f.rule.clone()).collect()
            }
            other => panic!("record {i} not checked: {other:?}"),
        }
    };
    // Records named as the source of a duplicate get the identity finding too.
    let partners: Vec<usize> = samples
        .iter()
        .filter_map(|s| {
            s.duplicate_of
                .as_ref()
                .and_then(|id| position.get(id).copied())
        })
        .collect();
    let mut problems = Vec::new();
    for (i, sample) in samples.iter().enumerate() {
        let rules_fired = fired(i);
        if sample.mistakes.is_empty() && !partners.contains(&i) && !rules_fired.is_empty() {
            problems.push(format!("clean record {i} got {rules_fired:?}"));
        }
        for expected in &sample.mistakes {
            if !rules_fired.iter().any(|r| r == expected) {
                problems.push(format!(
                    "record {i} ({:?}) should trigger {expected}, got {rules_fired:?}",
                    sample.kind
                ));
            }
        }
    }
    let with_mistakes = samples.iter().filter(|s| !s.mistakes.is_empty()).count();
    assert!(
        with_mistakes > 1000,
        "the sample has mistakes to find: {with_mistakes}"
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
}

/// Records a source builds when asked ([`kakunin::batch::Rows`]), here from records in memory.
#[derive(Debug)]
struct Built(Vec<serde_json::Value>);

impl kakunin::batch::Rows for Built {
    fn record(&self, row: usize) -> serde_json::Value {
        self.0[row].clone()
    }
}

#[test]
fn rows_built_by_the_checking_threads_are_checked_as_records_are() {
    use std::sync::Arc;

    use kakunin::batch::{Item, check_stream};

    let (rules, plan) = hersys_whole_pack();
    let records: Vec<_> = kakunin_sample::generate(&kakunin_sample::Config {
        seed: 11,
        count: 600,
        ..Default::default()
    })
    .map(|s| s.record)
    .collect();
    let expected = check_all(&rules, &plan, &records).expect("batch");
    let rows = Arc::new(Built(records));
    let mut got = Vec::new();
    check_stream(
        &rules,
        &plan,
        || {
            let rows = rows.clone();
            Ok((0..rows.0.len()).map(move |row| Item::Row {
                line: 0,
                rows: rows.clone(),
                row,
            }))
        },
        |outcome| got.push(outcome),
    )
    .expect("batch");
    // The cross-record pass builds rows too: the batch must have duplicates for this to count.
    let shared = |outcomes: &[Outcome]| {
        outcomes
            .iter()
            .filter(|o| match o {
                Outcome::Checked { report, .. } => report
                    .findings
                    .iter()
                    .any(|f| f.rule.starts_with("identity/")),
                _ => false,
            })
            .count()
    };
    assert!(shared(&expected) > 0);
    assert_eq!(format!("{got:?}"), format!("{expected:?}"));
}
