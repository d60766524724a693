//! The packs implement exactly the catalogue of `domain/RULES.md`: every id there is a rule, and
//! no other rule sits in the catalogue's groups.

use std::collections::BTreeSet;
use std::path::Path;

fn catalogue() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/domain/RULES.md");
    std::fs::read_to_string(&path).ok()
}

/// Ids in the first column of the catalogue's tables, split by pack section.
fn catalogue_ids(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut hersys, mut opendata) = (BTreeSet::new(), BTreeSet::new());
    let mut in_opendata = false;
    for line in text.lines() {
        if line.starts_with("## Open-data pack") {
            in_opendata = true;
        }
        let Some(cell) = line.strip_prefix("| ").and_then(|l| l.split(" |").next()) else {
            continue;
        };
        let id = cell.trim();
        let well_formed = id.split_once('/').is_some_and(|(g, n)| {
            !g.is_empty()
                && !n.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '/')
        });
        if well_formed {
            if in_opendata {
                opendata.insert(id.to_owned())
            } else {
                hersys.insert(id.to_owned())
            };
        }
    }
    (hersys, opendata)
}

#[test]
fn packs_implement_exactly_the_catalogue() {
    let Some(text) = catalogue() else {
        eprintln!("SKIP: ../shared/domain/RULES.md not found beside the repository");
        return;
    };
    let (hersys_ids, opendata_ids) = catalogue_ids(&text);
    assert!(
        hersys_ids.len() > 80 && opendata_ids.len() == 16,
        "catalogue parsed: {} + {}",
        hersys_ids.len(),
        opendata_ids.len()
    );
    for (pack, expected) in [("hersys", hersys_ids), ("opendata", opendata_ids)] {
        let rules = kakunin_rules::bundled(pack).expect("pack compiles");
        let groups: BTreeSet<&str> = expected
            .iter()
            .filter_map(|id| id.split('/').next())
            .collect();
        let actual: BTreeSet<String> = rules
            .rules()
            .iter()
            .filter(|r| groups.contains(r.group.as_str()))
            .map(|r| r.id.clone())
            .collect();
        let missing: Vec<_> = expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{pack}: missing {missing:?}, not in the catalogue {extra:?}"
        );
    }
}

#[test]
fn every_rule_has_examples_on_both_sides_and_documentation() {
    for pack in kakunin_rules::PACKS {
        let rules = kakunin_rules::bundled(pack).expect("pack compiles");
        for rule in rules.rules() {
            assert!(
                rule.examples.iter().any(|e| e.expect.is_empty()),
                "{}: no passing example",
                rule.id
            );
            assert!(
                rule.examples.iter().any(|e| !e.expect.is_empty()),
                "{}: no failing example",
                rule.id
            );
            assert!(
                rule.doc.ja.chars().count() > 40 && rule.doc.en.split_whitespace().count() > 15,
                "{}: documentation too thin",
                rule.id
            );
        }
    }
}

#[test]
fn several_rules_are_scripts() {
    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    let scripted: Vec<&str> = rules
        .rules()
        .iter()
        .filter(|r| r.check_kinds().contains(&"script"))
        .map(|r| r.id.as_str())
        .collect();
    assert!(scripted.len() >= 5, "{scripted:?}");
    let cross: Vec<&str> = rules
        .rules()
        .iter()
        .filter(|r| r.cross)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        cross,
        [
            "identity/duplicate-hersys-id",
            "identity/probable-duplicate"
        ]
    );
}
