//! `kakunin report` end to end on the bundled sample: its numbers agree with counting the output
//! of `kakunin check --format jsonl` on the same file, no personal value of the input reaches the
//! HTML or the JSON, and the HTML is the same page whatever the output format asked.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

use serde_json::Value;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/sample/hersys-sample.jsonl"
);
const AS_OF: &str = "2024-06-01";

fn kakunin(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_kakunin"))
        .args(args)
        .output()
        .expect("kakunin runs");
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "kakunin {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn report(extra: &[&str]) -> String {
    let mut args = vec!["report", SAMPLE, "--as-of", AS_OF, "-o", "-"];
    args.extend_from_slice(extra);
    let output = kakunin(&args);
    assert_eq!(output.status.code(), Some(0), "a written report exits 0");
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn summary_json(extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&report(&args)).expect("the JSON summary parses")
}

fn sample_records() -> Vec<Value> {
    std::fs::read_to_string(SAMPLE)
        .expect("the bundled sample")
        .lines()
        .map(|l| serde_json::from_str(l).expect("sample lines are JSON"))
        .collect()
}

fn count(v: &Value) -> usize {
    v.as_u64().expect("a count") as usize
}

/// The Monday of a `YYYY-MM-DD` date's week, computed without the core (Zeller-free: from the
/// days since 1970-01-01, a Thursday).
fn monday_of(date: &str) -> Option<String> {
    let parts: Vec<i64> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    let [y, m, d] = parts[..] else { return None };
    let days_in = |y: i64, m: i64| match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&m) || d < 1 || d > days_in(y, m) || date.len() != 10 {
        return None;
    }
    let mut days: i64 = (1970..y).map(|yy| 337 + days_in(yy, 2)).sum::<i64>();
    days += (1..m).map(|mm| days_in(y, mm)).sum::<i64>() + d - 1;
    let monday = days - (days + 3).rem_euclid(7);
    // Back to a date.
    let (mut y, mut rest) = (1970, monday);
    while rest >= 337 + days_in(y, 2) {
        rest -= 337 + days_in(y, 2);
        y += 1;
    }
    let mut m = 1;
    while rest >= days_in(y, m) {
        rest -= days_in(y, m);
        m += 1;
    }
    Some(format!("{y:04}-{m:02}-{:02}", rest + 1))
}

#[test]
fn report_numbers_agree_with_the_check_output() {
    let check = kakunin(&["check", SAMPLE, "--as-of", AS_OF, "--format", "jsonl"]);
    let outcomes: Vec<Value> = String::from_utf8_lossy(&check.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let records = sample_records();
    assert_eq!(outcomes.len(), records.len());

    // Everything counted from the check output, with the record's health center and
    // diagnosis week taken from the input line it names.
    let mut with_errors = 0;
    let mut with_warnings = 0;
    let mut rules: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut cells: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut weeks: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let mut flagged: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for outcome in &outcomes {
        let line = count(&outcome["line"]);
        let record = &records[line - 1];
        let findings = outcome["findings"].as_array().expect("checked");
        let has = |severity: &str| {
            findings
                .iter()
                .any(|f| f["severity"] == severity && f["acknowledged"] != true)
        };
        with_errors += usize::from(has("error"));
        with_warnings += usize::from(has("warning"));
        let date = ["diagnosed_on", "reported_on"]
            .iter()
            .find_map(|k| record["notification"][k].as_str().and_then(monday_of));
        if let Some(week) = date {
            let w = weeks.entry(week).or_default();
            w.0 += 1;
            w.1 += usize::from(has("error"));
            w.2 += usize::from(has("warning"));
        }
        let center = record["health_center"].as_str().unwrap_or("").to_owned();
        let ids: BTreeSet<&str> = findings.iter().filter_map(|f| f["rule"].as_str()).collect();
        let groups: BTreeSet<&str> = ids.iter().filter_map(|r| r.split('/').next()).collect();
        for group in groups {
            *cells.entry((center.clone(), group.to_owned())).or_default() += 1;
        }
        for id in &ids {
            let n = findings.iter().filter(|f| f["rule"] == *id).count();
            let entry = rules.entry((*id).to_owned()).or_default();
            entry.0 += 1;
            entry.1 += n;
            if id.starts_with("identity/") {
                let rid = outcome["id"].as_str().expect("an id").to_owned();
                flagged.entry((*id).to_owned()).or_default().insert(rid);
            }
        }
        let paths: BTreeSet<&str> = findings
            .iter()
            .filter(|f| {
                f["rule"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("required/"))
            })
            .filter_map(|f| f["path"].as_str())
            .collect();
        for path in paths {
            *missing.entry(path.to_owned()).or_default() += 1;
        }
    }

    let s = summary_json(&[]);
    let totals = &s["totals"];
    assert_eq!(count(&totals["records"]), records.len());
    assert_eq!(count(&totals["checked"]), records.len());
    assert_eq!(count(&totals["unreadable"]), 0);
    assert_eq!(count(&totals["with_errors"]), with_errors);
    assert_eq!(count(&totals["with_warnings"]), with_warnings);
    assert!(with_errors > 0 && with_warnings > 0, "the sample has both");

    let reported: BTreeMap<String, (usize, usize)> = s["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id").to_owned(),
                (count(&r["records"]), count(&r["findings"])),
            )
        })
        .collect();
    assert_eq!(reported, rules);

    let groups: Vec<&str> = s["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut heat: BTreeMap<(String, String), usize> = BTreeMap::new();
    for row in s["breakdown"].as_array().expect("breakdown") {
        let center = row["value"].as_str().unwrap_or("").to_owned();
        for (group, n) in groups.iter().zip(row["groups"].as_array().expect("cells")) {
            if count(n) > 0 {
                heat.insert((center.clone(), (*group).to_owned()), count(n));
            }
        }
    }
    assert_eq!(heat, cells);

    let periods: BTreeMap<String, (usize, usize, usize)> = s["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| {
            (
                p["period"].as_str().expect("period").to_owned(),
                (
                    count(&p["records"]),
                    count(&p["with_errors"]),
                    count(&p["with_warnings"]),
                ),
            )
        })
        .collect();
    assert_eq!(periods, weeks);

    let items: BTreeMap<String, usize> = s["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| count(&i["missing"]) > 0)
        .map(|i| {
            (
                i["path"].as_str().expect("path").to_owned(),
                count(&i["missing"]),
            )
        })
        .collect();
    assert_eq!(items, missing);

    let cross: BTreeMap<String, BTreeSet<String>> = s["cross"]
        .as_array()
        .expect("cross")
        .iter()
        .map(|c| {
            (
                c["rule"].as_str().expect("rule").to_owned(),
                c["records"]
                    .as_array()
                    .expect("records")
                    .iter()
                    .map(|r| r["id"].as_str().expect("id").to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(cross, flagged);
    assert!(!cross.is_empty(), "the sample has probable duplicates");
}

/// Every value of every personal field in the sample (strings and numbers, as text).
fn personal_values() -> BTreeSet<String> {
    let rules = kakunin_rules::bundled("hersys").expect("pack");
    let schema = rules.schema();
    let mut out = BTreeSet::new();
    fn walk(
        value: &Value,
        pointer: &mut String,
        schema: &kakunin::schema::RecordSchema,
        out: &mut BTreeSet<String>,
    ) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(k);
                    walk(v, pointer, schema, out);
                    pointer.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    walk(v, pointer, schema, out);
                    pointer.truncate(len);
                }
            }
            Value::String(s) if schema.is_sensitive(pointer) && !s.trim().is_empty() => {
                out.insert(s.trim().to_owned());
            }
            Value::Number(n) if schema.is_sensitive(pointer) => {
                out.insert(n.to_string());
            }
            _ => {}
        }
    }
    for record in sample_records() {
        walk(&record, &mut String::new(), schema, &mut out);
    }
    out
}

/// The sample's personal values, found in a text all at once.
struct Personal {
    values: Vec<String>,
    matcher: aho_corasick::AhoCorasick,
    /// Values that are also words of the pack's own texts (`自宅` in a rule's documentation).
    in_pack_texts: BTreeSet<String>,
}

impl Personal {
    fn new() -> Personal {
        let values: Vec<String> = personal_values().into_iter().collect();
        let matcher = aho_corasick::AhoCorasick::new(&values).expect("patterns");
        let rules = kakunin_rules::bundled("hersys").expect("pack");
        let mut pack_texts = String::new();
        for rule in rules.rules() {
            for text in [
                &rule.title.ja,
                &rule.title.en,
                &rule.doc.ja,
                &rule.doc.en,
                &rule.doc.source,
            ] {
                pack_texts.push_str(text);
                pack_texts.push('\n');
            }
        }
        let mut personal = Personal {
            values,
            matcher,
            in_pack_texts: BTreeSet::new(),
        };
        personal.in_pack_texts = personal.found(&pack_texts);
        assert!(
            personal.in_pack_texts.len() < 5,
            "few values are also pack words: {:?}",
            personal.in_pack_texts
        );
        personal
    }

    fn found(&self, text: &str) -> BTreeSet<String> {
        self.matcher
            .find_overlapping_iter(text)
            .map(|m| self.values[m.pattern().as_usize()].clone())
            .collect()
    }

    /// Personal values in a report, leaving out those that are the pack's own words or the
    /// report's period labels (a baby born on a Monday shares the label of that week).
    fn leaked(&self, text: &str, summary: &Value) -> Vec<String> {
        let labels: BTreeSet<&str> = summary["periods"]
            .as_array()
            .expect("periods")
            .iter()
            .filter_map(|p| p["period"].as_str())
            .collect();
        self.found(text)
            .into_iter()
            .filter(|v| !self.in_pack_texts.contains(v) && !labels.contains(v.as_str()))
            .collect()
    }
}

#[test]
fn no_personal_value_reaches_the_report() {
    let personal = Personal::new();
    assert!(
        personal.values.len() > 5000,
        "the sample's personal values were found"
    );
    for locale in ["ja", "en"] {
        let summary = summary_json(&["--locale", locale]);
        for (format, text) in [
            ("html", report(&["--locale", locale])),
            ("json", summary.to_string()),
        ] {
            let leaked = personal.leaked(&text, &summary);
            assert!(
                leaked.is_empty(),
                "{format}/{locale} holds personal values: {leaked:?}"
            );
        }
    }
    // The test can fail: a report that held a name would be caught.
    let name = personal
        .values
        .iter()
        .find(|v| v.contains('\u{3000}'))
        .expect("a name");
    let summary = summary_json(&[]);
    assert_eq!(
        personal.leaked(&format!("<td>{name}</td>"), &summary),
        std::slice::from_ref(name)
    );
}

/// A personal field, and an object holding personal fields (its breakdown value would be the
/// object's JSON text: names, addresses, phones).
#[test]
fn personal_breakdown_field_is_refused() {
    for by in [
        "notification.patient.address",
        "notification.patient",
        "/notification/guardian",
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_kakunin"))
            .args(["report", SAMPLE, "--by", by, "--format", "json", "-o", "-"])
            .output()
            .expect("kakunin runs");
        assert_eq!(output.status.code(), Some(2), "{by}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("personal values"),
            "{by}"
        );
        assert!(output.stdout.is_empty(), "{by}");
    }
}

#[test]
fn report_sections_and_options() {
    let html = report(&["--locale", "en", "--period", "month", "--by", "prefecture"]);
    for section in [
        "headline",
        "rules",
        "heatmap",
        "trend",
        "completeness",
        "duplicates",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert!(html.contains("by month of diagnosis"));
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "nothing fetched"
    );
    let s = summary_json(&["--period", "month", "--by", "prefecture"]);
    assert_eq!(s["by"]["path"], "/prefecture");
    assert!(
        s["periods"]
            .as_array()
            .expect("periods")
            .iter()
            .all(|p| p["period"].as_str().is_some_and(|p| p.len() == 7))
    );
}

#[test]
fn reveal_writes_a_separate_findings_file() {
    let dir = std::env::temp_dir().join(format!("kakunin-report-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join("findings.csv");
    let html = dir.join("report.html");
    let csv_arg = csv.display().to_string();
    let html_arg = html.display().to_string();
    kakunin(&[
        "report", SAMPLE, "--as-of", AS_OF, "-o", &html_arg, "--reveal", &csv_arg,
    ]);
    let findings = std::fs::read_to_string(&csv).expect("the findings file");
    let page = std::fs::read_to_string(&html).expect("the report");
    assert!(findings.lines().count() > 100);
    let personal = Personal::new();
    assert!(!personal.found(&findings).is_empty(), "revealed");
    assert!(
        personal.leaked(&page, &summary_json(&[])).is_empty(),
        "not in the page"
    );
    assert_eq!(page, report(&[]), "the page does not depend on --reveal");
}

/// A report reads its breakdown field and dates from each record on the thread that checks it:
/// from a CSV file and with a narrow selection, whose rules read neither, the breakdown and the
/// periods must still be those of the same records as JSON Lines under the whole pack.
#[test]
fn breakdown_and_periods_come_from_fields_no_selected_rule_reads() {
    let dir = std::env::temp_dir().join(format!("kakunin-report-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (jsonl, csv) = (dir.join("r.jsonl"), dir.join("r.csv"));
    for (path, format) in [(&jsonl, "jsonl"), (&csv, "csv")] {
        let path = path.display().to_string();
        let args = [
            "sample", "--count", "600", "--seed", "11", "--format", format,
        ];
        kakunin(&[&args[..], &["--output", &path]].concat());
    }
    let summary = |file: &std::path::Path, extra: &[&str]| -> Value {
        let file = file.display().to_string();
        let mut args = vec![
            "report", &file, "--as-of", AS_OF, "--format", "json", "-o", "-",
        ];
        args.extend_from_slice(extra);
        serde_json::from_slice(&kakunin(&args).stdout).expect("the JSON summary parses")
    };
    let keyed = |s: &Value| {
        let rows = |key: &str, name: &str| -> Vec<(Value, Value)> {
            (s[key].as_array().expect(key).iter())
                .map(|row| (row[name].clone(), row["records"].clone()))
                .collect()
        };
        (
            rows("breakdown", "value"),
            rows("periods", "period"),
            s["undated"].clone(),
        )
    };
    let whole = keyed(&summary(&jsonl, &[]));
    assert!(
        whole.0.len() > 5,
        "health centres to break down by: {:?}",
        whole.0
    );
    assert!(whole.1.len() > 5, "periods: {:?}", whole.1);
    for extra in [
        &["--select", "formats"][..],
        &["--select", "codes", "--by", "prefecture"],
    ] {
        let expected = match extra.len() {
            2 => whole.clone(),
            _ => keyed(&summary(&jsonl, &["--by", "prefecture"])),
        };
        assert_eq!(
            keyed(&summary(&csv, extra)),
            read_as_codes(expected.clone()),
            "CSV {extra:?}"
        );
        assert_eq!(
            keyed(&summary(&jsonl, extra)),
            expected,
            "JSON Lines {extra:?}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A report's breakdown, its periods (each as value and records) and its undated count.
type Keyed = (Vec<(Value, Value)>, Vec<(Value, Value)>, Value);

/// A breakdown as the CSV reader makes it of the same records: it reads a prefecture's name as
/// its code (`福岡県` is `40`), where the records as JSON keep what was typed.
fn read_as_codes((breakdown, periods, undated): Keyed) -> Keyed {
    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    let codes = rules.codes_summary();
    let code_of = |name: &str| {
        (codes["prefecture"].as_object().into_iter().flatten())
            .find(|(_, labels)| labels["ja"] == name)
            .map(|(code, _)| code.clone())
    };
    let mut merged = std::collections::BTreeMap::<String, u64>::new();
    for (key, records) in breakdown {
        let key = key.as_str().unwrap_or_default();
        let key = code_of(key).unwrap_or_else(|| key.to_owned());
        *merged.entry(key).or_default() += records.as_u64().unwrap_or_default();
    }
    let breakdown = merged
        .into_iter()
        .map(|(key, n)| (Value::from(key), Value::from(n)))
        .collect();
    (breakdown, periods, undated)
}
