//! The shared test vectors (`tests/vectors/*.json`) and hostile packs (`tests/hostile/packs/`),
//! judged in Rust. The pytest and node runners read the same files and must get the same results;
//! see `tests/README.md` for the format.
//!
//! A case listed in `tests/skip/rust.json` (id → reason) is expected to fail; a listed case that
//! passes fails the run, so the list only shrinks. `VECTORS_BLESS=1 cargo test -p kakunin-tests
//! --test vectors` rewrites the expectations of the cases not listed from what the engine does now:
//! review the diff.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use kakunin::batch::{Outcome, check_all};
use kakunin::examples::{cases, run_case};
use kakunin::{CheckOptions, Error, PackFiles, RuleSet};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the repository")
        .to_path_buf()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn blessing() -> bool {
    std::env::var_os("VECTORS_BLESS").is_some_and(|v| v == "1")
}

/// Expands the `{"$repeat": x, "times": n}` shorthand: `x` repeated `n` times (a string for a
/// string, an array otherwise), so large values need not be written out in the files.
fn expand(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.contains_key("$repeat") => {
            let times = map["times"].as_u64().expect("times") as usize;
            match &map["$repeat"] {
                Value::String(s) => Value::String(s.repeat(times)),
                item => Value::Array(vec![expand(item); times]),
            }
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), expand(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(expand).collect()),
        other => other.clone(),
    }
}

/// A record of a case: `{"value": any}`, or `{"base", "set", "unset"}` over an example record.
fn build_record(pack: &str, spec: &Value) -> Value {
    if let Some(value) = spec.get("value") {
        return expand(value);
    }
    let base = spec["base"].as_str().expect("base");
    let mut record = read_json(&repo().join(format!("rules/{pack}/examples/{base}.json")));
    if let Some(set) = spec.get("set").and_then(Value::as_object) {
        for (pointer, value) in set {
            kakunin::examples::set_pointer(&mut record, pointer, expand(value)).expect("set");
        }
    }
    for pointer in spec
        .get("unset")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        kakunin::examples::unset_pointer(&mut record, pointer.as_str().expect("pointer"));
    }
    record
}

fn error_json(e: &Error) -> Value {
    json!({"kind": e.kind(), "message": e.to_string()})
}

fn report_json(report: &kakunin::Report) -> Value {
    let mut value = serde_json::to_value(report).expect("a report serialises");
    let object = value.as_object_mut().expect("an object");
    object.remove("pack");
    value
}

/// What the engine does with a case, in the form of its `expect`.
fn run_engine_case(case: &Value) -> Value {
    let pack = case["pack"].as_str().expect("pack");
    let rules = kakunin_rules::bundled(pack).expect("bundled pack");
    let records: Vec<Value> = case["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| build_record(pack, r))
        .collect();
    let options = match CheckOptions::from_json(&case["options"]) {
        Ok(o) => o,
        Err(e) => return json!({"error": error_json(&e)}),
    };
    if let [record] = records.as_slice() {
        return match rules.check(record, &options) {
            Ok(report) => json!({"reports": [report_json(&report)]}),
            Err(e) => json!({"error": error_json(&e)}),
        };
    }
    let plan = match rules.plan(&options) {
        Ok(p) => p,
        Err(e) => return json!({"error": error_json(&e)}),
    };
    let outcomes = check_all(&rules, &plan, &records).expect("a batch in memory runs");
    let reports: Vec<Value> = outcomes
        .iter()
        .map(|o| match o {
            Outcome::Checked { report, .. } => report_json(report),
            Outcome::Failed { error, .. } => json!({"error": error_json(error)}),
            Outcome::Unreadable { message, .. } => {
                json!({"error": {"kind": "input", "message": message}})
            }
        })
        .collect();
    json!({"reports": reports})
}

/// The files of a hostile pack: `tests/hostile/packs/_base/` overlaid with the case's folder
/// (without its `case.json`).
fn hostile_files(dir: &Path) -> PackFiles {
    let mut files = PackFiles::new();
    for folder in [
        dir.parent().expect("packs").join("_base"),
        dir.to_path_buf(),
    ] {
        let mut stack = vec![folder.clone()];
        while let Some(current) = stack.pop() {
            for entry in std::fs::read_dir(&current).expect("folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let relative = path
                    .strip_prefix(&folder)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                if relative != "case.json" {
                    files.insert(relative, std::fs::read_to_string(&path).expect("text"));
                }
            }
        }
    }
    files
}

/// What the engine does with a hostile pack: refused at load, or an error or a report on the
/// case's record.
fn run_hostile_case(dir: &Path, case: &Value) -> Value {
    let rules = match RuleSet::compile(hostile_files(dir)) {
        Ok(r) => r,
        Err(e) => return json!({"load": error_json(&e)}),
    };
    let record = case.get("record").cloned().unwrap_or_else(|| json!({}));
    let options = CheckOptions::from_json(&case["options"]).expect("options");
    match rules.check(&record, &options) {
        Ok(report) => json!({"reports": [report_json(&report)]}),
        Err(e) => json!({"error": error_json(&e)}),
    }
}

struct Tally {
    passed: usize,
    skipped: usize,
    failures: Vec<String>,
    skips: BTreeMap<String, String>,
    seen: Vec<String>,
}

impl Tally {
    fn judge(&mut self, id: &str, problem: Option<String>) {
        self.seen.push(id.to_owned());
        match (problem, self.skips.contains_key(id)) {
            (None, false) => self.passed += 1,
            (Some(p), false) => self.failures.push(format!("{id}: {p}")),
            (Some(_), true) => self.skipped += 1,
            (None, true) => self.failures.push(format!(
                "{id}: passes but is listed in tests/skip/rust.json; remove it from the list"
            )),
        }
    }
}

fn compare(actual: &Value, expected: &Value) -> Option<String> {
    (actual != expected).then(|| {
        format!(
            "expected {}\n     got {}",
            serde_json::to_string(expected).unwrap_or_default(),
            serde_json::to_string(actual).unwrap_or_default()
        )
    })
}

fn vector_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/vectors"))
        .expect("tests/vectors")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn hostile_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/hostile/packs"))
        .expect("tests/hostile/packs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() && !p.ends_with("_base"))
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn shared_vectors_and_hostile_packs() {
    let skips: BTreeMap<String, String> =
        serde_json::from_value(read_json(&repo().join("tests/skip/rust.json")))
            .expect("id → reason");
    let mut tally = Tally {
        passed: 0,
        skipped: 0,
        failures: Vec::new(),
        skips,
        seen: Vec::new(),
    };
    for file in vector_files() {
        let mut doc = read_json(&file);
        for pack in doc
            .get("pack_examples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let pack = pack.as_str().expect("pack name");
            let rules = kakunin_rules::bundled(pack).expect("bundled pack");
            for case in cases(&rules) {
                match case {
                    Ok(case) => {
                        let id = format!("{pack}:{}", case.id);
                        let result = run_case(&rules, case);
                        tally.judge(&id, (!result.passed()).then(|| result.problems.join("; ")));
                    }
                    Err((id, e)) => tally.judge(&format!("{pack}:{id}"), Some(e)),
                }
            }
        }
        let mut changed = false;
        for case in doc["cases"].as_array_mut().expect("cases") {
            let id = case["id"].as_str().expect("id").to_owned();
            let actual = run_engine_case(case);
            if blessing() && !tally.skips.contains_key(&id) && case["expect"] != actual {
                case["expect"] = actual.clone();
                changed = true;
            }
            tally.judge(&id, compare(&actual, &case["expect"]));
        }
        if changed {
            let text = serde_json::to_string_pretty(&doc).expect("JSON") + "\n";
            std::fs::write(&file, text).expect("bless");
        }
    }
    for dir in hostile_dirs() {
        let case_file = dir.join("case.json");
        let mut case = read_json(&case_file);
        let id = format!(
            "hostile/{}",
            dir.file_name().expect("name").to_string_lossy()
        );
        let actual = run_hostile_case(&dir, &case);
        if blessing() && !tally.skips.contains_key(&id) && case["expect"] != actual {
            case["expect"] = actual.clone();
            std::fs::write(
                &case_file,
                serde_json::to_string_pretty(&case).expect("JSON") + "\n",
            )
            .expect("bless");
        }
        tally.judge(&id, compare(&actual, &case["expect"]));
    }
    let stale: Vec<&String> = tally
        .skips
        .keys()
        .filter(|id| !tally.seen.contains(id))
        .collect();
    // Written to the terminal directly (libtest captures only print!): the counts show on every run.
    let _ = writeln!(
        std::io::stderr(),
        "vectors (rust): {} passed, {} skipped, {} failed",
        tally.passed,
        tally.skipped,
        tally.failures.len()
    );
    assert!(
        stale.is_empty(),
        "tests/skip/rust.json lists cases that do not exist: {stale:?}"
    );
    assert!(
        tally.passed > 900,
        "the vectors were found ({} passed)",
        tally.passed
    );
    assert!(
        tally.failures.is_empty(),
        "{} cases fail:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
}

#[test]
fn vector_files_and_hostile_cases_follow_the_schema() {
    let schema = read_json(&repo().join("tests/vectors.schema.json"));
    let vectors = jsonschema::validator_for(&schema).expect("the schema compiles");
    let hostile =
        jsonschema::validator_for(&json!({"$defs": schema["$defs"], "$ref": "#/$defs/hostile"}))
            .expect("the hostile-case schema compiles");
    let mut problems = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for file in vector_files() {
        let doc = read_json(&file);
        for e in vectors.iter_errors(&doc) {
            problems.push(format!(
                "{}: {} at {}",
                file.display(),
                e,
                e.instance_path()
            ));
        }
        for case in doc["cases"].as_array().into_iter().flatten() {
            let id = case["id"].as_str().unwrap_or_default().to_owned();
            assert!(ids.insert(id.clone()), "case id `{id}` is used twice");
        }
    }
    for dir in hostile_dirs() {
        let case = read_json(&dir.join("case.json"));
        for e in hostile.iter_errors(&case) {
            problems.push(format!("{}: {} at {}", dir.display(), e, e.instance_path()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
