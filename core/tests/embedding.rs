//! What a service embedding the crate relies on (the central system's write path): the types it
//! shares between threads, errors it can log and return as they are, the report's JSON shape,
//! and no personal value in anything it would log, whatever shape a record's personal fields
//! arrive in.

use std::sync::OnceLock;

use kakunin::{CheckOptions, Error, ListOptions, Locale, Report, RuleSet, Stage};
use serde_json::{Value, json};

fn hersys() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys");
        RuleSet::from_dir(&dir).expect("the HER-SYS pack compiles")
    })
}

fn sample_record() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample/hersys-sample.jsonl");
    let text = std::fs::read_to_string(path).expect("the bundled sample");
    serde_json::from_str(text.lines().next().expect("a first line")).expect("a record")
}

fn as_of(day: &str) -> CheckOptions {
    CheckOptions::default().with_as_of(day).expect("a date")
}

#[test]
fn what_a_service_shares_between_threads_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleSet>();
    assert_send_sync::<kakunin::Plan>();
    assert_send_sync::<CheckOptions>();
    assert_send_sync::<Report>();
    assert_send_sync::<kakunin::Finding>();
    assert_send_sync::<Error>();
    assert_send_sync::<kakunin::batch::Outcome>();
}

#[test]
fn option_errors_quote_a_long_value_by_its_first_characters() {
    let huge = "x".repeat(1_000_000);
    let long_key = json!({ huge.clone(): 1 });
    let errors = [
        CheckOptions::default().with_as_of(&huge).unwrap_err(),
        huge.parse::<Locale>().unwrap_err(),
        huge.parse::<Stage>().unwrap_err(),
        CheckOptions::from_json(&json!({"stage": huge})).unwrap_err(),
        CheckOptions::from_json(&json!({"tiers": ["hc", huge]})).unwrap_err(),
        huge.parse::<kakunin::Tier>().unwrap_err(),
        huge.parse::<kakunin::summary::Period>().unwrap_err(),
        CheckOptions::from_json(&long_key).unwrap_err(),
        ListOptions::parse(Some("2024-06-01"), Some(&huge)).unwrap_err(),
        hersys()
            .plan(&CheckOptions {
                select: vec![huge.clone()],
                ..CheckOptions::default()
            })
            .unwrap_err(),
    ];
    for error in errors {
        let shown = error.to_string();
        assert!(
            shown.len() < 2 * kakunin::MAX_QUOTED_CHARS + 100,
            "{}: {} bytes",
            error.kind(),
            shown.len()
        );
        assert!(shown.contains("xx…"), "{shown}");
    }
}

#[test]
fn short_option_errors_are_unchanged_and_typed() {
    let cases: [(Error, &str, &str); 5] = [
        (
            "city".parse::<kakunin::Tier>().unwrap_err(),
            "invalid-option",
            "invalid option tiers: `city` is not hc, pref or nat",
        ),
        (
            CheckOptions::default()
                .with_as_of("2021-02-30")
                .unwrap_err(),
            "invalid-option",
            "invalid option as_of: `2021-02-30` is not a YYYY-MM-DD date",
        ),
        (
            "fr".parse::<Locale>().unwrap_err(),
            "invalid-option",
            "invalid option locale: `fr` is not ja or en",
        ),
        (
            "final".parse::<Stage>().unwrap_err(),
            "invalid-option",
            "invalid option stage: `final` is not draft or submit",
        ),
        (
            hersys()
                .check(
                    &json!({}),
                    &CheckOptions {
                        ignore: vec!["nope".into()],
                        ..CheckOptions::default()
                    },
                )
                .unwrap_err(),
            "unknown-selector",
            "unknown rule or group `nope`",
        ),
    ];
    for (error, kind, shown) in cases {
        assert_eq!((error.kind(), error.to_string().as_str()), (kind, shown));
    }
    assert_eq!("draft".parse::<Stage>().ok(), Some(Stage::Draft));
    assert_eq!("submit".parse::<Stage>().ok(), Some(Stage::Submit));
    let from_json = CheckOptions::from_json(&json!({"stage": "draft"})).expect("options");
    assert_eq!(from_json.stage, Stage::Draft);
    let bad_tier = CheckOptions::from_json(&json!({"tiers": ["hc", "city"]})).unwrap_err();
    assert_eq!(
        bad_tier.to_string(),
        "invalid option tiers: `city` is not hc, pref or nat"
    );
}

/// The keys and their order are what the docs of `Report` promise, and what the command, Python
/// and JS give.
#[test]
fn a_report_serializes_to_the_documented_shape_and_reads_back() {
    let mut record = sample_record();
    record["notification"]["reported_on"] = json!("2021-03-01");
    record["notification"]["accepted_on"] = json!("2021-03-02");
    let report = hersys()
        .check(&record, &as_of("2024-06-01"))
        .expect("judged");
    let text = serde_json::to_string(&report).expect("JSON");
    let value: Value = serde_json::from_str(&text).expect("JSON");
    let keys =
        |v: &Value| -> Vec<String> { v.as_object().expect("an object").keys().cloned().collect() };
    assert_eq!(
        keys(&value),
        ["counts", "findings", "ok", "pack", "reference_date"]
    );
    assert_eq!(keys(&value["pack"]), ["hash", "name", "version"]);
    assert_eq!(
        keys(&value["counts"]),
        ["acknowledged", "error", "info", "warning"]
    );
    let finding = &value["findings"][0];
    assert_eq!(
        keys(finding),
        [
            "acknowledged",
            "ctx",
            "help",
            "message",
            "path",
            "paths",
            "rule",
            "severity"
        ]
    );
    assert_eq!(finding["rule"], "dates/report-before-diagnosis");
    assert_eq!(finding["severity"], "error");
    assert_eq!(
        finding["paths"],
        json!(["/notification/diagnosed_on", "/notification/reported_on"])
    );
    assert_eq!(value["ok"], false);
    assert_eq!(value["reference_date"], "2021-03-11");
    // The fields in the order they are declared, which is the order serde writes them.
    assert!(
        text.starts_with(r#"{"pack":{"name":"hersys","version":"#),
        "{text}"
    );
    let read_back: Report = serde_json::from_str(&text).expect("a report");
    assert_eq!(read_back, report);
}

/// A batch's outcome carries the write decision beside the report, or the error, as a
/// service answers with one: the same keys for every outcome, `report` the report's own shape.
#[test]
fn an_outcome_serializes_with_its_write_decision_and_report_or_error() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys");
    let clean: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("examples/complete-2021.json")).expect("a base record"),
    )
    .expect("JSON");
    let mut refused = clean.clone();
    refused["id"] = json!("refused");
    refused["notification"]["reported_on"] = json!("2021-01-01");
    let plan = hersys().plan(&as_of("2024-06-01")).expect("a plan");
    let outcomes = kakunin::batch::check_all(hersys(), &plan, &[clean, refused]).expect("checked");
    let keys =
        |v: &Value| -> Vec<String> { v.as_object().expect("an object").keys().cloned().collect() };
    for (outcome, ok) in outcomes.iter().zip([true, false]) {
        let kakunin::batch::Outcome::Checked { report, id, .. } = outcome else {
            panic!("a record: {outcome:?}");
        };
        assert_eq!(outcome.ok(), ok);
        let text = serde_json::to_string(outcome).expect("JSON");
        let value: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(keys(&value), ["id", "line", "ok", "position", "report"]);
        assert_eq!(value["ok"], ok);
        assert_eq!(value["id"], json!(id));
        assert_eq!(value["position"], u64::from(!ok));
        assert_eq!(value["report"], serde_json::to_value(report).expect("JSON"));
        let read_back: Report = serde_json::from_value(value["report"].clone()).expect("a report");
        assert_eq!(&read_back, report);
        assert!(
            text.starts_with(&format!(
                r#"{{"position":{},"line":0,"id":"#,
                u64::from(!ok)
            )),
            "{text}"
        );
    }
    let unreadable = kakunin::batch::Outcome::Unreadable {
        position: 1,
        line: 2,
        message: "not JSON".into(),
    };
    assert_eq!(
        serde_json::to_string(&unreadable).expect("JSON"),
        r#"{"position":1,"line":2,"id":null,"ok":false,"error":{"kind":"input","message":"not JSON"}}"#
    );
    let error = Error::Script {
        rule: "g/r".into(),
        kind: kakunin::ScriptErrorKind::Limit,
        line: 3,
        column: 4,
        message: "too many operations".into(),
    };
    let failed = kakunin::batch::Outcome::Failed {
        position: 2,
        line: 3,
        id: Some("r3".into()),
        error: error.clone(),
    };
    assert!(!failed.ok() && !unreadable.ok());
    assert_eq!(
        serde_json::to_value(&failed).expect("JSON"),
        json!({"position": 2, "line": 3, "id": "r3", "ok": false,
               "error": {"kind": "script-limit", "message": error.to_string()}})
    );
}

/// Where a record's personal fields might be, and wrong shapes they arrive in from other
/// systems: every shape carries the marker `MK<n>Q` (or is a number a caller could log).
fn malformed_personal_values(marker: &str) -> Vec<Value> {
    vec![
        json!(marker),
        json!(format!("{marker}{}", "x".repeat(5_000))),
        json!(format!("{}{marker}", "x".repeat(150))),
        json!({"a": {"b": marker}}),
        json!([marker]),
        json!([{"n": marker}]),
        json!({ marker: 1 }),
        json!(format!("2021-01-01{marker}")),
        json!(format!("{marker}\n{marker}")),
        json!(98_765_432_109_i64),
        json!(-98_765.432_1),
    ]
}

const PERSONAL: [&str; 16] = [
    "/notification/physician/name",
    "/notification/physician/phone",
    "/notification/patient/name",
    "/notification/patient/name_kana",
    "/notification/patient/birth_date",
    "/notification/patient/address",
    "/notification/patient/phone",
    "/notification/patient/location_phone",
    "/notification/guardian/name",
    "/basic/name",
    "/basic/birth_date",
    "/basic/phone",
    "/whereabouts/0/place",
    // Whole objects of personal fields, replaced by a value of the wrong type.
    "/notification/patient",
    "/basic",
    "/whereabouts",
];

/// Sets the value at `pointer`, making the objects on the way (an index past an array's end
/// appends).
fn set(record: &mut Value, pointer: &str, value: Value) {
    let mut at = record;
    let mut keys = pointer.split('/').skip(1).peekable();
    while let Some(key) = keys.next() {
        let last = keys.peek().is_none();
        at = match (at, key.parse::<usize>()) {
            (Value::Array(items), Ok(index)) => {
                if index >= items.len() {
                    items.push(json!({}));
                }
                let slot = items.len().min(index + 1) - 1;
                &mut items[slot]
            }
            (slot, _) => {
                if !slot.is_object() {
                    *slot = json!({});
                }
                let fields = slot.as_object_mut().expect("an object");
                fields.entry(key).or_insert_with(|| json!({}))
            }
        };
        if last {
            *at = value;
            return;
        }
    }
}

/// Everything a service would log or return of one record's check alone and in a batch
/// (with a twin, so the rules across records run too).
fn logged(record: &Value, options: &CheckOptions) -> Vec<String> {
    let rules = hersys();
    let mut texts = Vec::new();
    match rules.check(record, options) {
        Ok(report) => {
            texts.push(serde_json::to_string(&report).expect("JSON"));
            texts.push(format!("{report:?}"));
        }
        Err(error) => texts.extend([error.to_string(), format!("{error:?}")]),
    }
    let mut twin = record.clone();
    twin["id"] = json!("twin");
    let plan = rules.plan(options).expect("a plan");
    match kakunin::batch::check_all(rules, &plan, &[record.clone(), twin]) {
        Ok(outcomes) => texts.extend(outcomes.iter().map(|o| format!("{o:?}"))),
        Err(error) => texts.push(error.to_string()),
    }
    texts
}

#[test]
fn no_personal_value_reaches_what_a_service_logs_whatever_its_shape() {
    let base = sample_record();
    let hidden = as_of("2024-06-01");
    let revealed = CheckOptions {
        reveal: true,
        ..hidden.clone()
    };
    let mut revealed_somewhere = 0;
    for (n, pointer) in PERSONAL.iter().enumerate() {
        let marker = format!("MK{n}Q");
        for value in malformed_personal_values(&marker) {
            let needle = match &value {
                Value::Number(number) => number.to_string(),
                _ => marker.clone(),
            };
            let mut record = base.clone();
            set(&mut record, pointer, value.clone());
            for text in logged(&record, &hidden) {
                assert!(
                    !text.contains(&needle),
                    "{pointer} = {value:.60}: {needle} in {text:.2000}"
                );
            }
            if logged(&record, &revealed)
                .iter()
                .any(|text| text.contains(&needle))
            {
                revealed_somewhere += 1;
            }
        }
    }
    // The search does find a value where the caller asked for values: the assertions above
    // would catch a leak.
    assert!(revealed_somewhere > 10, "{revealed_somewhere}");
}

#[test]
fn odd_dates_numbers_and_shapes_never_panic_nor_fail() {
    let base = sample_record();
    let odd = [
        json!("0000-01-01"),
        json!("9999-12-31"),
        json!("0000-00-00"),
        json!("-0001-01-01"),
        json!("+10000-01-01"),
        json!("2024-02-30"),
        json!("9999-12-31T23:59:59-23:59"),
        json!("0000-01-01T00:00:00+23:59"),
        json!("２０２４-０１-０１"),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e308),
        json!(-1e308),
        json!(5e-324),
        json!(-0.0),
        json!([["9999-12-31"]]),
        json!({"date": "0000-01-01"}),
    ];
    let dated = [
        "/notification/diagnosed_on",
        "/notification/reported_on",
        "/notification/onset_on",
        "/notification/patient/birth_date",
        "/notification/patient/age",
        "/notification/spo2",
        "/tests/0/sampled_on",
        "/observations/0/temperature",
        "/vaccinations",
        "/workflow/registered_at",
        "/record/care_end_on",
    ];
    let days = ["0001-01-01", "1970-01-01", "2024-06-01", "9999-12-31"];
    for day in days {
        for stage in [Stage::Draft, Stage::Submit] {
            let options = CheckOptions {
                stage,
                ..as_of(day)
            };
            for pointer in dated {
                for value in &odd {
                    let mut record = base.clone();
                    set(&mut record, pointer, value.clone());
                    let report = hersys().check(&record, &options);
                    assert!(report.is_ok(), "{pointer} = {value} on {day}: {report:?}");
                }
            }
        }
    }
    // Days a caller can set directly, far outside any calendar a rule knows.
    for day in [i32::MIN, -1_000_000_000, 0, 2_932_897, i32::MAX] {
        let options = CheckOptions {
            as_of: Some(day),
            ..CheckOptions::default()
        };
        assert!(hersys().check(&base, &options).is_ok(), "as_of {day}");
    }
}

#[test]
fn records_that_are_not_objects_or_nest_deep_are_findings() {
    let mut deep = json!("MK");
    for _ in 0..10_000 {
        deep = Value::Array(vec![deep]);
    }
    let options = as_of("2024-06-01");
    for record in [json!(null), json!(7), json!("text"), json!([{}]), deep] {
        let report = hersys().check(&record, &options).expect("judged");
        assert!(!report.ok, "{:?}", report.findings);
        assert_eq!(report.findings[0].rule, kakunin::NOT_AN_OBJECT);
        // A deep value is dropped a level at a time, so the test's own stack survives it.
        let mut record = record;
        while let Value::Array(mut items) = record {
            record = items.pop().unwrap_or(Value::Null);
        }
    }
}

/// A service that reloads its pack and keeps a plan of the old one: today `check_with_plan`
/// indexes the other pack's rules by position and panics (view.rs) or runs the wrong rules.
/// A plan remembers the pack that made it; another pack's rule set refuses it with an error.
#[test]
fn a_plan_of_another_pack_is_refused_not_a_panic() {
    let opendata_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/opendata");
    let opendata = RuleSet::from_dir(&opendata_dir).expect("the open-data pack compiles");
    let stranger = opendata.plan(&CheckOptions::default()).expect("a plan");
    let outcome =
        std::panic::catch_unwind(|| hersys().check_with_plan(&sample_record(), &stranger));
    assert!(
        matches!(&outcome, Ok(Err(kakunin::Error::InvalidOption { name, .. })) if name == "plan"),
        "{outcome:?}"
    );
    // And the other way round: no longer the wrong rules, silently.
    let own = hersys().plan(&CheckOptions::default()).expect("a plan");
    assert!(opendata.check_with_plan(&sample_record(), &own).is_err());
    // A rule set compiled again from the same files (the same hash) takes the plan.
    let hersys_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys");
    let twin = RuleSet::from_dir(&hersys_dir).expect("the HER-SYS pack compiles");
    assert_eq!(
        twin.check_with_plan(&sample_record(), &own),
        hersys().check_with_plan(&sample_record(), &own)
    );
}

/// Request threads with options of their own share one rule set (and the selections' reads it
/// keeps between calls): each gets the reports it would get alone.
#[test]
fn threads_checking_with_their_own_options_get_the_reports_of_one_thread() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample/hersys-sample.jsonl");
    let text = std::fs::read_to_string(path).expect("the bundled sample");
    let records: Vec<Value> = text
        .lines()
        .take(300)
        .map(|line| serde_json::from_str(line).expect("a record"))
        .collect();
    let selections: Vec<CheckOptions> = [
        "dates",
        "required",
        "crosstab",
        "codes",
        "formats",
        "ranges",
        "scope",
        "structure",
    ]
    .iter()
    .enumerate()
    .map(|(n, group)| CheckOptions {
        select: if n % 4 == 3 {
            Vec::new()
        } else {
            vec![(*group).into()]
        },
        ignore: if n % 4 == 3 {
            vec![(*group).into()]
        } else {
            Vec::new()
        },
        locale: if n % 2 == 0 { Locale::Ja } else { Locale::En },
        ..as_of("2024-06-01")
    })
    .collect();
    let alone: Vec<Vec<Report>> = selections
        .iter()
        .map(|options| {
            records
                .iter()
                .map(|r| hersys().check(r, options).expect("judged"))
                .collect()
        })
        .collect();
    let together: Vec<Vec<Report>> = std::thread::scope(|scope| {
        let threads: Vec<_> = selections
            .iter()
            .map(|options| {
                let records = &records;
                scope.spawn(move || {
                    records
                        .iter()
                        .map(|r| hersys().check(r, options).expect("judged"))
                        .collect::<Vec<Report>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("no panic"))
            .collect()
    });
    assert_eq!(together, alone);
    assert!(
        alone
            .iter()
            .all(|reports| reports.iter().any(|r| !r.findings.is_empty()))
    );
}
