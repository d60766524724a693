//! Properties of the generator: deterministic, clean records really clean, injected mistakes
//! really there, declared rule ids real.

mod oracle;

use kakunin_sample::{Config, Date, Sample, flat_headers, flatten, generate, mistake_kinds};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

fn as_of() -> Date {
    "2024-06-01".parse().expect("date")
}

fn samples(seed: u64, count: usize) -> Vec<Sample> {
    generate(&Config {
        seed,
        count,
        ..Config::default()
    })
    .collect()
}

#[test]
fn same_seed_same_records_different_seed_different_records() {
    let a = samples(42, 2000);
    let b = samples(42, 2000);
    assert_eq!(a, b);
    let c = samples(43, 2000);
    assert_ne!(a, c);
    let differing = a
        .iter()
        .zip(&c)
        .filter(|(x, y)| x.record != y.record)
        .count();
    assert!(differing > 1900, "only {differing} of 2000 records differ");
}

#[test]
fn a_prefix_of_a_longer_run_is_the_shorter_run() {
    // count only stops the stream: a benchmark on 1,000 records sees the first 1,000 of 100,000.
    let short = samples(5, 300);
    let long = samples(5, 600);
    assert_eq!(short[..], long[..300]);
}

#[test]
fn clean_records_have_valid_municipality_codes() {
    for s in samples(1, 10_000) {
        if s.kind == Some("municipality-check-digit") {
            continue;
        }
        let code = s.record["notification"]["patient"]["municipality_code"]
            .as_str()
            .expect("code");
        assert!(oracle::check_digit_ok(code), "{code}");
        if s.kind.is_none() {
            let pref = s.record["prefecture"].as_str().expect("prefecture");
            assert!(pref.len() == 2 && (1..=47).contains(&pref.parse::<u32>().unwrap_or(0)));
        }
    }
}

fn date_at(v: &Value, p: &str) -> Option<Date> {
    v.pointer(p)?.as_str()?.parse().ok()
}

#[test]
fn clean_records_have_ordered_dates() {
    for s in samples(2, 10_000).iter().filter(|s| s.kind.is_none()) {
        let r = &s.record;
        let id = &r["id"];
        let get = |p: &str| date_at(r, &format!("/notification/{p}"));
        let dx = get("diagnosed_on").expect("dx");
        let birth = get("patient/birth_date").expect("birth");
        let before = |a: Option<Date>, b: Option<Date>, what: &str| {
            if let (Some(a), Some(b)) = (a, b) {
                assert!(a <= b, "{id}: {what}: {a} > {b}");
            }
        };
        before(Some(birth), get("infected_on"), "birth ≤ infection");
        before(get("infected_on"), get("onset_on"), "infection ≤ onset");
        before(
            get("onset_on"),
            get("first_visit_on"),
            "onset ≤ first visit",
        );
        before(get("first_visit_on"), Some(dx), "first visit ≤ dx");
        before(get("sampled_on"), Some(dx), "sampled ≤ dx");
        before(get("onset_on"), Some(dx), "onset ≤ dx");
        before(Some(dx), get("reported_on"), "dx ≤ report");
        before(get("reported_on"), get("accepted_on"), "report ≤ accepted");
        before(
            date_at(r, "/record/care_start_on"),
            date_at(r, "/record/care_end_on"),
            "care start ≤ end",
        );
        before(
            Some(dx),
            date_at(r, "/record/care_start_on"),
            "dx ≤ care start",
        );
        let cap: Date = "2023-12-31".parse().expect("date");
        before(
            date_at(r, "/record/care_end_on"),
            Some(cap),
            "care end ≤ 2023-12-31",
        );
        for m in r["medical"].as_array().into_iter().flatten() {
            before(
                date_at(m, "/admitted_on"),
                date_at(m, "/discharged_on"),
                "admission ≤ discharge",
            );
        }
        let doses: Vec<Date> = r["notification"]["vaccinations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| date_at(v, "/on"))
            .collect();
        assert!(
            doses.windows(2).all(|w| w[0] < w[1]),
            "{id}: doses out of order"
        );
        if let Some(first) = doses.first() {
            assert!(
                *first >= "2021-02-17".parse().expect("date"),
                "{id}: dose before rollout"
            );
            assert!(dx >= "2021-02-10".parse().expect("date"));
        }
    }
}

#[test]
fn clean_records_trigger_no_rule_and_mistakes_trigger_theirs() {
    let all = samples(3, 10_000);
    let records: Vec<&Value> = all.iter().map(|s| &s.record).collect();
    let batch = oracle::check_batch(&records);
    let mut failures = Vec::new();
    for (s, cross) in all.iter().zip(&batch) {
        let mut found = oracle::check(&s.record, as_of());
        found.extend(cross.iter().copied());
        match s.kind {
            None if !found.is_empty() => failures.push(format!(
                "clean {} triggers {found:?}\n{}",
                s.record["id"], s.record
            )),
            Some(kind) => {
                let missing: Vec<_> = s.mistakes.iter().filter(|m| !found.contains(*m)).collect();
                if !missing.is_empty() {
                    failures.push(format!(
                        "{} ({kind}) does not trigger {missing:?} (found {found:?})\n{}",
                        s.record["id"], s.record
                    ));
                }
            }
            None => {}
        }
    }
    let shown: Vec<_> = failures.iter().take(5).collect();
    assert!(
        failures.is_empty(),
        "{} failures, first: {shown:#?}",
        failures.len()
    );
}

#[test]
fn error_rate_is_honoured() {
    for rate in [0.0, 0.3, 1.0] {
        let n = 10_000;
        let faulty = generate(&Config {
            seed: 9,
            count: n,
            error_rate: rate,
            ..Config::default()
        })
        .filter(|s| s.kind.is_some())
        .count();
        let share = faulty as f64 / n as f64;
        assert!((share - rate).abs() < 0.02, "rate {rate}: got {share}");
    }
    let clean = generate(&Config {
        count: 500,
        error_rate: 0.0,
        ..Config::default()
    });
    assert!(clean.into_iter().all(|s| s.mistakes.is_empty()));
}

#[test]
fn every_mistake_kind_appears_in_ten_thousand_records() {
    let mut counts: BTreeMap<&str, usize> = mistake_kinds().iter().map(|k| (k.name, 0)).collect();
    for s in samples(4, 10_000) {
        if let Some(k) = s.kind {
            *counts.get_mut(k).expect("known kind") += 1;
        }
    }
    let never: Vec<_> = counts.iter().filter(|(_, n)| **n == 0).collect();
    assert!(never.is_empty(), "never produced: {never:?}");
    // uniform choice: no kind is more than three times as common as the average
    let mean = counts.values().sum::<usize>() / counts.len();
    assert!(counts.values().all(|n| *n < 3 * mean), "{counts:?}");
}

#[test]
fn mistake_kinds_are_well_formed() {
    let mut names = HashSet::new();
    for k in mistake_kinds() {
        assert!(names.insert(k.name), "duplicate kind {}", k.name);
        assert!(!k.rules.is_empty() && !k.about.is_empty(), "{}", k.name);
        for r in k.rules {
            let (group, name) = r.split_once('/').expect("group/name");
            let kebab = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            };
            assert!(kebab(group) && kebab(name), "{r}");
        }
    }
    assert!(mistake_kinds().len() >= 30);
}

fn rules_md() -> Option<String> {
    let here = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).ok()?;
    let mut candidates: Vec<PathBuf> = std::env::var_os("KAKUNIN_RULES_MD")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    for up in here.ancestors().take(4) {
        candidates.push(up.join("shared/domain/RULES.md"));
    }
    candidates
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
}

/// The rule ids of the tables of the `hersys` section of RULES.md.
fn hersys_ids(md: &str) -> BTreeSet<String> {
    let start = md.find("## HER-SYS pack").unwrap_or(0);
    let end = md[start..]
        .find("\n## ")
        .map_or(md.len(), |e| start + e + 1);
    md[start..end]
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split('|').next())
        .map(str::trim)
        .filter(|id| id.contains('/') && !id.contains(' '))
        .map(str::to_string)
        .collect()
}

#[test]
fn declared_rule_ids_exist_in_rules_md() {
    let Some(md) = rules_md() else {
        eprintln!("SKIPPED: shared/domain/RULES.md not found (set KAKUNIN_RULES_MD to its path)");
        return;
    };
    let ids = hersys_ids(&md);
    assert!(
        ids.len() > 80,
        "parsed only {} ids from RULES.md",
        ids.len()
    );
    for k in mistake_kinds() {
        for r in k.rules {
            assert!(
                ids.contains(*r),
                "{} declares {r}, not a hersys rule in RULES.md",
                k.name
            );
        }
    }
    // every group of the pack is exercised
    let groups: BTreeSet<&str> = ids.iter().filter_map(|i| i.split('/').next()).collect();
    let covered: BTreeSet<&str> = mistake_kinds()
        .iter()
        .flat_map(|k| k.rules.iter().filter_map(|r| r.split('/').next()))
        .collect();
    assert_eq!(groups, covered);
}

#[test]
fn identities_are_unique_unless_duplicated_on_purpose() {
    let all = samples(6, 20_000);
    let mut ids = HashSet::new();
    let mut hersys = HashSet::new();
    for s in &all {
        assert!(ids.insert(s.record["id"].as_str().expect("id").to_string()));
        if s.kind != Some("duplicate-hersys-id") && s.kind != Some("hersys-id-truncated") {
            let h = s.record["hersys_id"]
                .as_str()
                .expect("hersys_id")
                .to_string();
            assert_eq!(h.len(), 7);
            assert!(hersys.insert(h), "hersys_id repeated in {}", s.record["id"]);
        }
    }
    let records: Vec<&Value> = all.iter().map(|s| &s.record).collect();
    for (s, found) in all.iter().zip(oracle::check_batch(&records)) {
        if found.contains("identity/probable-duplicate") {
            assert_eq!(s.kind, Some("duplicate-person"), "{}", s.record["id"]);
        }
        let cross = matches!(s.kind, Some("duplicate-person" | "duplicate-hersys-id"));
        assert_eq!(s.duplicate_of.is_some(), cross, "{}", s.record["id"]);
        if let Some(other) = &s.duplicate_of {
            // the pair's other record is an earlier, clean one
            let earlier = all
                .iter()
                .find(|x| x.record["id"] == other.as_str())
                .expect("exists");
            assert!(earlier.record["id"].as_str() < s.record["id"].as_str());
            assert_eq!(earlier.kind, None);
        }
    }
}

#[test]
fn flattened_rows_match_the_header() {
    let headers = flat_headers();
    for s in samples(8, 500) {
        let row = flatten(&s.record);
        let names: Vec<&String> = row.iter().map(|(h, _)| h).collect();
        assert_eq!(names, headers.iter().collect::<Vec<_>>());
        let get = |h: &str| row.iter().find(|(k, _)| k == h).map(|(_, v)| v.clone());
        assert_eq!(
            get("notification.diagnosed_on").as_deref(),
            s.record["notification"]["diagnosed_on"].as_str()
        );
        assert_eq!(get("id").as_deref(), s.record["id"].as_str());
    }
}

#[test]
fn diagnosis_dates_stay_in_the_configured_range() {
    let config = Config {
        seed: 11,
        count: 300,
        from: "2022-10-01".parse().expect("date"),
        until: "2022-10-31".parse().expect("date"),
        ..Config::default()
    };
    for s in generate(&config) {
        let dx = date_at(&s.record, "/notification/diagnosed_on").expect("dx");
        assert!(dx >= config.from && dx <= config.until, "{dx}");
    }
}

/// The oracle over many seeds and half a million records: `cargo test --release -- --ignored`.
#[test]
#[ignore = "soak test, about a minute in release"]
fn soak_clean_and_faulty_records_over_many_seeds() {
    for seed in 100..105 {
        let all = samples(seed, 100_000);
        let records: Vec<&Value> = all.iter().map(|s| &s.record).collect();
        let batch = oracle::check_batch(&records);
        for (s, cross) in all.iter().zip(&batch) {
            let mut found = oracle::check(&s.record, as_of());
            found.extend(cross.iter().copied());
            if s.kind.is_none() {
                assert!(
                    found.is_empty(),
                    "seed {seed}: clean {} triggers {found:?}\n{}",
                    s.record["id"],
                    s.record
                );
            }
            for m in &s.mistakes {
                assert!(
                    found.contains(m),
                    "seed {seed}: {} ({:?}) misses {m}\n{}",
                    s.record["id"],
                    s.kind,
                    s.record
                );
            }
        }
    }
}
