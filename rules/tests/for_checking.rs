//! The parsed form the browser loads (`for_checking`) judges exactly like the packs as written:
//! the same pack identity, rules and schema, and the same reports on every example record.

#![allow(clippy::unwrap_used)]

use kakunin::batch::{Outcome, check_all};
use kakunin::examples::cases;
use kakunin::{CheckOptions, Report, RuleSet};

fn reports(rules: &RuleSet, records: &[serde_json::Value], options: &CheckOptions) -> Vec<Report> {
    let plan = rules.plan(options).unwrap();
    check_all(rules, &plan, records)
        .unwrap()
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Checked { report, .. } => report,
            Outcome::Failed { error, .. } => panic!("{error}"),
            Outcome::Unreadable { message, .. } => panic!("{message}"),
        })
        .collect()
}

#[test]
fn the_parsed_form_judges_like_the_files() {
    for pack in kakunin_rules::PACKS {
        let full = kakunin_rules::bundled(pack).unwrap();
        let lean = kakunin_rules::for_checking(pack).unwrap();
        assert_eq!(lean.info(), full.info(), "{pack}: name, version and hash");
        assert_eq!(lean.codes(), full.codes());
        assert!(
            lean.schema()
                .paths()
                .map(|(p, _)| p)
                .eq(full.schema().paths().map(|(p, _)| p))
        );
        assert_eq!(lean.rules().len(), full.rules().len());
        for (l, f) in lean.rules().iter().zip(full.rules()) {
            assert_eq!(
                (&l.id, l.severity, &l.title, &l.message, &l.applies, l.cross),
                (&f.id, f.severity, &f.title, &f.message, &f.applies, f.cross),
            );
            assert_eq!(l.summary(), f.summary());
            assert!(l.examples.is_empty() && l.doc.is_empty(), "{}", l.id);
        }
        let cases: Vec<_> = cases(&full).into_iter().map(Result::unwrap).collect();
        assert!(cases.len() > 50, "{pack} has examples");
        for case in cases {
            let options = CheckOptions::from_json(&case.options).unwrap();
            assert_eq!(
                reports(&lean, &case.records, &options),
                reports(&full, &case.records, &options),
                "{}",
                case.id
            );
        }
    }
}

#[test]
fn only_what_checking_needs_is_kept() {
    let lean = kakunin_rules::for_checking("hersys").unwrap();
    let files: Vec<&str> = lean.files().iter().map(|(path, _)| path).collect();
    assert!(files.contains(&"record.schema.json"));
    assert!(files.contains(&"../common/municipalities.csv"));
    assert!(files.iter().any(|f| f.ends_with(".rhai")));
    assert!(
        files
            .iter()
            .all(|f| !f.ends_with(".toml") && !f.starts_with("examples/")),
        "{files:?}"
    );
    let table = lean.files().get("../common/municipalities.csv").unwrap();
    assert!(table.starts_with("code,prefecture,valid_from,valid_until\n"));
    assert!(
        !table.contains("札幌市"),
        "names are for people, not checks"
    );
    assert!(kakunin_rules::for_checking("nope").is_err());
}
