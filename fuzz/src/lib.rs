//! What the fuzz targets share: the packs, a base record, the pieces a fuzzed pack is built from,
//! and the checks every target makes on what kakunin returns.

use std::sync::{Arc, OnceLock};

use kakunin::batch::{Item, Outcome, check_stream};
use kakunin::input::Mapping;
use kakunin::{CheckOptions, Error, PackFiles, Report, RuleSet, ScriptErrorKind};
use serde_json::Value;

/// The options every target checks with (a fixed `as_of`, so runs are reproducible).
pub fn options() -> CheckOptions {
    CheckOptions::default()
        .with_as_of("2024-06-01")
        .expect("a valid date")
}

/// A bundled pack, compiled once per process.
pub fn pack(name: &str) -> Arc<RuleSet> {
    kakunin_rules::bundled(name).expect("the bundled packs compile")
}

/// The mapping of a bundled pack's CSV headers to record paths, parsed once per process.
pub fn mapping(name: &str) -> Option<&'static Mapping> {
    static HERSYS: OnceLock<Option<Mapping>> = OnceLock::new();
    static OPENDATA: OnceLock<Option<Mapping>> = OnceLock::new();
    let cell = if name == "hersys" { &HERSYS } else { &OPENDATA };
    cell.get_or_init(|| {
        pack(name)
            .csv_mapping()
            .expect("the bundled mappings parse")
    })
    .as_ref()
}

/// The hersys base record the examples start from.
pub fn base_record() -> &'static Value {
    static BASE: OnceLock<Value> = OnceLock::new();
    BASE.get_or_init(|| {
        let rules = pack("hersys");
        let text = rules
            .files()
            .get("examples/complete-2021.json")
            .expect("base");
        serde_json::from_str(text).expect("base record is JSON")
    })
}

/// Whether a pack file is a rule or a rule's script (as opposed to the manifest, the schema, the
/// code lists, the conditions and the examples a rule needs around it).
fn is_rule_file(path: &str) -> bool {
    let Some((group, rest)) = path.split_once('/') else {
        return false;
    };
    !rest.contains('/')
        && group != "examples"
        && !group.starts_with('.')
        && (rest.ends_with(".toml") || rest.ends_with(".rhai"))
}

/// The hersys pack without its rules: a fuzzed rule file is compiled inside it, so it can name
/// the record's fields, the code lists and the named conditions.
pub fn pack_without_rules() -> PackFiles {
    let mut files = PackFiles::new();
    for (path, text) in kakunin_rules::files("hersys").expect("hersys").iter() {
        if !is_rule_file(path) {
            files.insert(path, text);
        }
    }
    files
}

/// The separator between the parts of a `pack` target input: `group/name`, the rule file, the
/// script.
pub const PART: u8 = 0;

/// The hersys rules as `pack` target inputs (`group/name \0 rule.toml \0 script`).
pub fn rule_seeds() -> Vec<(String, Vec<u8>)> {
    let files = kakunin_rules::files("hersys").expect("hersys");
    let mut out = Vec::new();
    for (path, text) in files.iter() {
        let Some(stem) = path.strip_suffix(".toml") else {
            continue;
        };
        if !is_rule_file(path) {
            continue;
        }
        let script = files.get(&format!("{stem}.rhai")).unwrap_or("");
        let mut input = stem.as_bytes().to_vec();
        input.push(PART);
        input.extend_from_slice(text.as_bytes());
        input.push(PART);
        input.extend_from_slice(script.as_bytes());
        out.push((stem.replace('/', "-"), input));
    }
    out
}

/// Errors a record may legitimately cause: a script that broke a hardened-engine limit on it.
/// Anything else from `check` on a record is a bug (a record's problems are findings).
pub fn assert_record_error_is_a_limit(error: &Error) {
    assert!(
        matches!(
            error,
            Error::Script {
                kind: ScriptErrorKind::Limit,
                ..
            }
        ),
        "check failed on a record: {error}"
    );
}

/// What must hold of every report: findings sorted by path then rule, and a lossless JSON round
/// trip.
pub fn assert_report_is_sound(report: &Report) {
    assert!(
        report
            .findings
            .windows(2)
            .all(|w| (&w[0].path, &w[0].rule) <= (&w[1].path, &w[1].rule)),
        "findings are not sorted"
    );
    let text = serde_json::to_string(report).expect("a report serialises");
    let back: Report = serde_json::from_str(&text).expect("a report reads back");
    assert_eq!(&back, report, "a report survives a JSON round trip");
}

/// Checks `items` as a batch and asserts every item is accounted for, in input order.
pub fn check_batch(rules: &RuleSet, items: Vec<Item>) {
    let plan = rules.plan(&options()).expect("plan");
    let expected = items.len();
    let mut seen = 0;
    check_stream(
        rules,
        &plan,
        || Ok(items.clone().into_iter()),
        |outcome| {
            assert_eq!(outcome.position(), seen, "outcomes come in input order");
            seen += 1;
            match &outcome {
                Outcome::Checked { report, .. } => assert_report_is_sound(report),
                Outcome::Failed { error, .. } => assert_record_error_is_a_limit(error),
                Outcome::Unreadable { .. } => {}
            }
        },
    )
    .expect("a batch of records runs");
    assert_eq!(seen, expected, "every item is accounted for");
}
