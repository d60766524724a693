//! Hostile data through the input readers and the batch checker: deep nesting, 100 MB lines,
//! invalid UTF-8, NUL bytes, numbers out of range, impossible dates, files cut off mid-record.
//! Each is a finding or an unreadable item naming its line, and every other record of the batch
//! is still checked.

use std::io::Cursor;

use kakunin::batch::{Item, Outcome, check_stream};
use kakunin::input::{Format, read};
use kakunin::{CheckOptions, Report};
use serde_json::{Value, json};

/// The options of every check here; the same good record appears more than once in these
/// batches, and the duplicate rules are not the point.
fn options() -> CheckOptions {
    CheckOptions {
        ignore: vec!["identity".into()],
        ..CheckOptions::default()
            .with_as_of("2024-06-01")
            .expect("date")
    }
}

fn base() -> Value {
    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    serde_json::from_str(
        rules
            .files()
            .get("examples/complete-2021.json")
            .expect("base"),
    )
    .expect("JSON")
}

/// What happened to each item of a file, in order: the report, or the unreadable item's line.
#[derive(Debug)]
enum Got {
    Report(Box<Report>),
    Unreadable(u64, String),
}

fn check_bytes(bytes: Vec<u8>, format: Format) -> Vec<Got> {
    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    let plan = rules.plan(&options()).expect("plan");
    let mut got = Vec::new();
    check_stream(
        &rules,
        &plan,
        || {
            Ok(
                read(Cursor::new(bytes.clone()), format, None).map(|item| match item {
                    Ok(r) => Item::Record {
                        line: r.line,
                        value: r.value,
                    },
                    Err(bad) => Item::Unreadable {
                        line: bad.line,
                        message: bad.message,
                    },
                }),
            )
        },
        |outcome| {
            got.push(match outcome {
                Outcome::Checked { report, .. } => Got::Report(Box::new(report)),
                Outcome::Unreadable { line, message, .. } => Got::Unreadable(line, message),
                Outcome::Failed { error, .. } => panic!("no record makes a rule fail: {error}"),
            })
        },
    )
    .expect("the batch runs");
    got
}

fn lines(records: &[Vec<u8>]) -> Vec<u8> {
    records.join(&b'\n')
}

fn good_line() -> Vec<u8> {
    base().to_string().into_bytes()
}

fn assert_clean(got: &Got) {
    match got {
        Got::Report(r) => assert!(r.findings.is_empty(), "{:?}", r.findings),
        Got::Unreadable(line, m) => panic!("line {line} unreadable: {m}"),
    }
}

fn assert_unreadable(got: &Got, expected_line: u64) {
    match got {
        Got::Unreadable(line, message) => {
            assert_eq!(*line, expected_line, "{message}");
            assert!(!message.is_empty());
        }
        Got::Report(r) => panic!("expected line {expected_line} unreadable, got {r:?}"),
    }
}

fn rules_of(got: &Got) -> Vec<&str> {
    match got {
        Got::Report(r) => r.findings.iter().map(|f| f.rule.as_str()).collect(),
        Got::Unreadable(line, m) => panic!("line {line} unreadable: {m}"),
    }
}

#[test]
fn a_100_mb_line_is_checked() {
    let mut huge = base();
    huge["notification"]["onset_on"] = json!("9".repeat(100 * 1024 * 1024));
    let got = check_bytes(
        lines(&[good_line(), huge.to_string().into_bytes(), good_line()]),
        Format::JsonLines,
    );
    assert_eq!(got.len(), 3);
    assert_clean(&got[0]);
    assert_clean(&got[2]);
    let Got::Report(report) = &got[1] else {
        panic!("the 100 MB record is read")
    };
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule == "formats/date")
        .expect("the bad date is found");
    // The bad date is quoted cut short, in ctx and in the message alike.
    let quoted = finding.ctx["value"].as_str().expect("the value, as text");
    assert_eq!(quoted.chars().count(), kakunin::MAX_QUOTED_CHARS + 1);
    assert!(quoted.ends_with('…'));
    assert!(finding.message.contains(quoted));
    let size = serde_json::to_string(report).expect("JSON").len();
    assert!(size < 64 * 1024, "the report is {size} bytes");
}

#[test]
fn invalid_utf8_and_nul_bytes() {
    let mut nul_in_string = base();
    nul_in_string["notification"]["onset_on"] = json!("2021-08-07\u{0}");
    let got = check_bytes(
        lines(&[
            good_line(),
            b"{\"id\": \"\xff\xfe bad utf-8\"}".to_vec(),
            b"{\"id\": \"a\"\x00}".to_vec(),
            nul_in_string.to_string().into_bytes(),
            b"\x00\x00\x00".to_vec(),
            good_line(),
        ]),
        Format::JsonLines,
    );
    assert_eq!(got.len(), 6);
    assert_clean(&got[0]);
    assert_unreadable(&got[1], 2);
    assert_unreadable(&got[2], 3);
    assert!(
        rules_of(&got[3]).contains(&"formats/date"),
        "a NUL inside a date is a finding"
    );
    assert_unreadable(&got[4], 5);
    assert_clean(&got[5]);
}

#[test]
fn numbers_out_of_range_and_impossible_dates() {
    let got = check_bytes(
        lines(&[
            br#"{"notification": {"patient": {"age": 1e400}}}"#.to_vec(),
            br#"{"notification": {"patient": {"age": 123456789012345678901234567890}}}"#.to_vec(),
            br#"{"notification": {"patient": {"age": -1e308}, "spo2": 1.7976931348623157e308}}"#
                .to_vec(),
            br#"{"notification": {"diagnosed_on": "2021-02-30", "reported_on": "+002021-01-01"}}"#
                .to_vec(),
            good_line(),
        ]),
        Format::JsonLines,
    );
    assert_eq!(got.len(), 5);
    // 1e400 has no f64: the line is reported, not silently turned into infinity.
    assert_unreadable(&got[0], 1);
    assert!(rules_of(&got[1]).contains(&"ranges/age-impossible"));
    assert!(rules_of(&got[2]).contains(&"ranges/age-impossible"));
    assert!(rules_of(&got[2]).contains(&"ranges/spo2-impossible"));
    let dates = rules_of(&got[3]);
    assert_eq!(
        dates.iter().filter(|r| **r == "formats/date").count(),
        2,
        "{dates:?}"
    );
    assert_clean(&got[4]);
}

#[test]
fn deeply_nested_records() {
    // Deeper than the JSON reader's recursion limit: an unreadable line, not a stack overflow.
    let deep_text = format!(
        "{{\"tests\": {}{}}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let got = check_bytes(
        lines(&[deep_text.into_bytes(), good_line()]),
        Format::JsonLines,
    );
    assert_unreadable(&got[0], 1);
    assert_clean(&got[1]);
    // Built in memory, where no reader limits the depth (a regression: this overflowed the
    // stack): cut at the readers' depth, so it is judged like any record nested just past it.
    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    let with_deep = |levels: usize| {
        let mut record = base();
        record["notification"]["tests"] = nested(levels);
        record["observations"] = nested(levels);
        record
    };
    let (deepest, just_past) = (with_deep(50_000), with_deep(200));
    let report = rules.check(&deepest, &options()).expect("checked");
    assert!(report.findings.iter().any(|f| f.rule == "structure/type"));
    assert_eq!(
        report,
        rules.check(&just_past, &options()).expect("checked")
    );
    dismantle(deepest);
}

/// `levels` objects and arrays nested alternately (`{"a": [{"a": [... "x"]}]}`), built without
/// recursion (`json!` would serialise the inner value recursively).
fn nested(levels: usize) -> Value {
    let mut value = json!("x");
    for _ in 0..levels / 2 {
        let mut map = serde_json::Map::new();
        map.insert("a".into(), Value::Array(vec![value]));
        value = Value::Object(map);
    }
    value
}

/// Drops a record holding [`nested`] values level by level (dropping a `Value` recurses).
fn dismantle(record: Value) {
    let mut stack = vec![record];
    while let Some(value) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[test]
fn files_cut_off_mid_record() {
    let good = good_line();
    let cut = &good[..good.len() / 2];
    let got = check_bytes(lines(&[good.clone(), cut.to_vec()]), Format::JsonLines);
    assert_eq!(got.len(), 2);
    assert_clean(&got[0]);
    assert_unreadable(&got[1], 2);

    let array = format!(
        "[{},\n{}",
        String::from_utf8_lossy(&good),
        String::from_utf8_lossy(cut)
    );
    let got = check_bytes(array.into_bytes(), Format::JsonArray);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_clean(&got[0]);
    assert!(matches!(got[1], Got::Unreadable(2, _)), "{got:?}");

    let csv = "id,notification.diagnosed_on\na,2021-08-10\nb,\"2021-08-1";
    let got = check_bytes(csv.as_bytes().to_vec(), Format::Csv);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(!rules_of(&got[0]).contains(&"formats/date"));
    // A quoted cell cut off by the end of the file ends there (as in every CSV reader): the
    // truncated date is a finding.
    assert!(rules_of(&got[1]).contains(&"formats/date"), "{got:?}");
}
