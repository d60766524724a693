use serde_json::json;

use super::*;
use crate::CheckOptions;
use crate::batch::Item;

fn hersys() -> RuleSet {
    RuleSet::from_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys"))
        .expect("the bundled pack compiles")
}

fn summarize(rules: &RuleSet, records: Vec<Value>, options: &SummaryOptions) -> Result<Summary> {
    let plan = rules.plan(&CheckOptions::default().with_as_of("2024-06-01")?)?;
    summarize_stream(
        rules,
        &plan,
        options,
        None,
        |_| {
            Ok(records.clone().into_iter().enumerate().map(|(i, value)| {
                if value.is_string() {
                    Item::Unreadable {
                        line: i as u64 + 1,
                        message: "not JSON".into(),
                    }
                } else {
                    Item::Record {
                        line: i as u64 + 1,
                        value,
                    }
                }
            }))
        },
        |_| {},
    )
}

#[test]
fn counts_records_groups_periods_and_missing_items() {
    let rules = hersys();
    let records = vec![
        json!({"id": "a", "health_center": "北", "notification": {"diagnosed_on": "2021-03-01"}}),
        json!({"id": "b", "health_center": "北", "notification": {"diagnosed_on": "2021-03-07"}}),
        json!({"id": "c", "health_center": "南", "notification": {"diagnosed_on": "2021-02-30"}}),
        json!("unreadable"),
    ];
    let s = summarize(&rules, records, &SummaryOptions::default()).expect("summary");
    assert_eq!(s.totals.records, 4);
    assert_eq!(s.totals.checked, 3);
    assert_eq!(s.totals.unreadable, 1);
    assert_eq!(
        s.by.as_ref().map(|b| b.path.as_str()),
        Some("/health_center")
    );
    let values: Vec<_> = s.breakdown.iter().map(|r| r.value.as_deref()).collect();
    assert_eq!(values, [Some("北"), Some("南")]);
    assert_eq!(s.breakdown[0].records, 2);
    // 2021-03-01 is a Monday and 03-07 the Sunday of the same week; 02-30 is no date.
    assert_eq!(s.periods.len(), 1);
    assert_eq!(s.periods[0].period, "2021-03-01");
    assert_eq!(s.periods[0].records, 2);
    assert_eq!(s.undated, 1);
    // Every record misses the patient's name: the item is counted once per record.
    let name = s
        .items
        .iter()
        .position(|i| i.path == "/notification/patient/name")
        .expect("the name is a required item");
    assert_eq!(s.items[name].missing, 3);
    assert_eq!(s.breakdown[0].missing[name], 2);
    let required = s
        .groups
        .iter()
        .position(|g| g == "required")
        .expect("group");
    assert_eq!(s.breakdown[0].groups[required], 2);
    assert!(s.rules.windows(2).all(|w| w[0].records >= w[1].records));
}

#[test]
fn months_and_no_breakdown_field() {
    let rules = hersys();
    let records = vec![
        json!({"id": "a", "notification": {"diagnosed_on": "2021-03-31"}}),
        json!({"id": "b", "notification": {"reported_on": "2021-04-01"}}),
    ];
    let options = SummaryOptions {
        by: Some("prefecture".into()),
        period: Period::Month,
    };
    let s = summarize(&rules, records, &options).expect("summary");
    let periods: Vec<_> = s.periods.iter().map(|p| p.period.as_str()).collect();
    assert_eq!(periods, ["2021-03", "2021-04"]);
    assert_eq!(s.breakdown.len(), 1);
    assert_eq!(s.breakdown[0].value, None);
}

#[test]
fn refuses_personal_and_unknown_breakdown_fields() {
    let rules = hersys();
    for (by, expected) in [
        ("notification.patient.name", "personal"),
        ("/notification/patient/phone", "personal"),
        // Objects holding personal fields: the breakdown value would be their JSON text.
        ("notification.patient", "personal"),
        ("/notification", "personal"),
        ("no_such_field", "not a field"),
    ] {
        let options = SummaryOptions {
            by: Some(by.into()),
            period: Period::Week,
        };
        let err = summarize(&rules, Vec::new(), &options).expect_err(by);
        assert!(err.to_string().contains(expected), "{by}: {err}");
    }
    // A field name of a megabyte is quoted by its first characters, as every option is.
    let options = SummaryOptions {
        by: Some("x".repeat(1_000_000)),
        period: Period::Week,
    };
    let err = summarize(&rules, Vec::new(), &options).expect_err("a megabyte name");
    assert!(
        err.to_string().len() < 2 * crate::MAX_QUOTED_CHARS + 100,
        "{err}"
    );
    assert!(err.to_string().contains("xx…"), "{err}");
}

#[test]
fn duplicates_list_record_ids_only() {
    let rules = hersys();
    let patient =
        json!({"name_kana": "ヌマジリ　ハナコ", "birth_date": "1971-07-13", "sex": "female"});
    let records = vec![
        json!({"id": "a", "hersys_id": "1", "notification": {"diagnosed_on": "2021-03-01", "patient": patient}}),
        json!({"id": "b", "hersys_id": "2", "notification": {"diagnosed_on": "2021-03-05", "patient": patient}}),
    ];
    let s = summarize(&rules, records, &SummaryOptions::default()).expect("summary");
    let row = s
        .cross
        .iter()
        .find(|c| c.rule == "identity/probable-duplicate")
        .expect("probable duplicates are listed");
    let ids: Vec<_> = row
        .records
        .iter()
        .map(|f| (f.id.as_str(), f.others.clone()))
        .collect();
    assert_eq!(
        ids,
        [("a", vec!["b".to_owned()]), ("b", vec!["a".to_owned()])]
    );
    let html = s.to_html();
    for personal in ["ヌマジリ", "1971-07-13"] {
        assert!(!html.contains(personal), "{personal} is not in the page");
        assert!(
            !s.to_json().contains(personal),
            "{personal} is not in the JSON"
        );
    }
    assert!(html.contains("<li data-id=\"a\">a ↔ b</li>"));
}

#[test]
fn html_escapes_values_and_is_deterministic() {
    let rules = hersys();
    let records = vec![json!({"id": "<x>", "health_center": "<script>alert(1)</script>"})];
    let s = summarize(&rules, records.clone(), &SummaryOptions::default()).expect("summary");
    let html = s.to_html();
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;"));
    let again = summarize(&rules, records, &SummaryOptions::default()).expect("summary");
    assert_eq!(html, again.to_html());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing fetched"
    );
}

#[test]
fn english_labels() {
    let rules = hersys();
    let plan = rules
        .plan(&CheckOptions {
            locale: Locale::En,
            ..CheckOptions::default()
        })
        .expect("plan");
    let summarizer = Summarizer::new(&rules, &plan, &SummaryOptions::default(), None).expect("ok");
    let s = summarizer.finish();
    let html = s.to_html();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Rules by records affected"));
    assert_eq!(s.totals, Totals::default());
}

#[test]
fn periods_of_the_first_and_last_days_start_and_are_named_without_wrapping() {
    for day in [Day::MIN, Day::MIN + 3, -1, 0, Day::MAX - 6, Day::MAX] {
        for period in [Period::Week, Period::Month] {
            let start = period.start(day);
            assert!(start <= day, "{period:?} of {day}");
            assert!(!period.label(start).is_empty());
        }
    }
    assert_eq!(Period::Week.start(Day::MIN), Day::MIN);
    assert_eq!(
        Period::Month.label(Period::Month.start(Day::MAX)),
        "5881580-07"
    );
    assert_eq!(
        Period::Month.label(Period::Month.start(Day::MIN)),
        "-5877641-06"
    );
    let day = parse_day("2021-03-17").expect("a date");
    assert_eq!(Period::Month.label(Period::Month.start(day)), "2021-03");
    assert_eq!(Period::Week.label(Period::Week.start(day)), "2021-03-15");
}
