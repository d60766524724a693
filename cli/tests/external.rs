//! The opendata pack on real published line lists (Tokyo 2020-04-04, Gifu), with per-rule record
//! counts compared to `tests/external/count_opendata.py`, an implementation of the same rules
//! written without the engine. The files live outside the repository (their licences differ);
//! each test skips with a message when they are absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn external(relative: &str) -> Option<PathBuf> {
    let roots = [
        std::env::var_os("KAKUNIN_EXTERNAL_DATA").map(PathBuf::from),
        Some(repo().join("../shared/data/external")),
    ];
    roots
        .into_iter()
        .flatten()
        .map(|r| r.join(relative))
        .find(|p| p.is_file())
}

/// Records with at least one finding, per rule, as the engine reports them.
fn engine_counts(file: &Path) -> (usize, BTreeMap<String, u64>) {
    let out = Command::new(env!("CARGO_BIN_EXE_kakunin"))
        .args([
            "check",
            "--pack",
            "opendata",
            "--format",
            "jsonl",
            "--as-of",
            "2024-06-01",
        ])
        .arg(file)
        .output()
        .expect("kakunin runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "run completes: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut counts = BTreeMap::new();
    let mut records = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).expect("jsonl");
        assert!(v.get("error").is_none(), "every row is readable: {v}");
        records += 1;
        let mut rules: Vec<&str> = v["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        for r in rules {
            *counts.entry(r.to_owned()).or_insert(0) += 1;
        }
    }
    (records, counts)
}

fn compare(relative: &str) {
    let Some(file) = external(relative) else {
        eprintln!(
            "SKIP: {relative} not found (set KAKUNIN_EXTERNAL_DATA or put shared/ beside the repository)"
        );
        return;
    };
    let script = Command::new("python3")
        .arg(repo().join("tests/external/count_opendata.py"))
        .arg(&file)
        .arg("--municipalities")
        .arg(repo().join("rules/common/municipalities.csv"))
        .output();
    let script = match script {
        Ok(out) if out.status.success() => out,
        Ok(out) => panic!(
            "count_opendata.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => {
            eprintln!("SKIP: python3 not available ({e})");
            return;
        }
    };
    let expected: Value = serde_json::from_slice(&script.stdout).expect("script prints JSON");
    let (records, actual) = engine_counts(&file);
    assert_eq!(
        records as u64,
        expected["records"].as_u64().expect("records"),
        "{relative}: record count"
    );
    let rules = expected["rules"].as_object().expect("rules");
    assert_eq!(rules.len(), 16, "the script covers every opendata rule");
    for (rule, count) in rules {
        let engine = actual.get(rule).copied().unwrap_or(0);
        assert_eq!(engine, count.as_u64().expect("count"), "{relative}: {rule}");
    }
    for rule in actual.keys() {
        assert!(
            rules.contains_key(rule),
            "engine reports a rule the script does not know: {rule}"
        );
    }
    eprintln!("{relative}: {records} records, counts agree on all 16 rules: {actual:?}");
}

#[test]
fn tokyo_2020_04_04_counts_agree() {
    compare("tokyo-patients-20200404/130001_tokyo_covid19_patients.csv");
}

#[test]
fn gifu_counts_agree() {
    compare("gifu-patients/210005_gifu_covid19_patients.csv");
}

#[test]
fn gifu_first_10000_counts_agree() {
    compare("gifu-patients/210005_gifu_covid19_patients_10000.csv");
}
