//! The engine against the generator: on generated records, clean ones get no finding and each
//! injected mistake triggers every rule it declares (and a duplicate flags both records).

use std::collections::BTreeMap;

use kakunin::CheckOptions;
use kakunin::batch::{Outcome, check_all};

/// The HER-SYS pack and a plan of all its rules, judged on a fixed date.
fn hersys_whole_pack() -> (std::sync::Arc<kakunin::RuleSet>, kakunin::Plan) {
    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    let plan = rules
        .plan(
            &CheckOptions::default()
                .with_as_of("2024-06-01")
                .expect("date"),
        )
        .expect("plan");
    (rules, plan)
}

#[test]
fn clean_records_are_clean_and_every_injected_mistake_is_caught() {
    let (rules, plan) = hersys_whole_pack();
    let samples: Vec<_> = kakunin_sample::generate(&kakunin_sample::Config {
        seed: 2026,
        count: 5000,
        ..Default::default()
    })
    .collect();
    let records: Vec<_> = samples.iter().map(|s| s.record.clone()).collect();
    let outcomes = check_all(&rules, &plan, &records).expect("batch");
    let position: BTreeMap<String, usize> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r["id"].as_str()?.to_owned(), i)))
        .collect();
    let fired = |i: usize| -> Vec<String> {
        match &outcomes[i] {
            Outcome::Checked { report, .. } => {
                report.findings.iter().map(|f| f.rule.clone()).collect()
            }
            other => panic!("record {i} not checked: {other:?}"),
        }
    };
    // Records named as the source of a duplicate get the identity finding too.
    let partners: Vec<usize> = samples
        .iter()
        .filter_map(|s| {
            s.duplicate_of
                .as_ref()
                .and_then(|id| position.get(id).copied())
        })
        .collect();
    let mut problems = Vec::new();
    for (i, sample) in samples.iter().enumerate() {
        let rules_fired = fired(i);
        if sample.mistakes.is_empty() && !partners.contains(&i) && !rules_fired.is_empty() {
            problems.push(format!("clean record {i} got {rules_fired:?}"));
        }
        for expected in &sample.mistakes {
            if !rules_fired.iter().any(|r| r == expected) {
                problems.push(format!(
                    "record {i} ({:?}) should trigger {expected}, got {rules_fired:?}",
                    sample.kind
                ));
            }
        }
    }
    let with_mistakes = samples.iter().filter(|s| !s.mistakes.is_empty()).count();
    assert!(
        with_mistakes > 1000,
        "the sample has mistakes to find: {with_mistakes}"
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
}

/// `count` generated records of the seed `seed`.
fn generated_records(seed: u64, count: usize) -> Vec<serde_json::Value> {
    kakunin_sample::generate(&kakunin_sample::Config {
        seed,
        count,
        ..Default::default()
    })
    .map(|s| s.record)
    .collect()
}

/// Records a source builds when asked ([`kakunin::batch::Rows`]), here from records in memory.
#[derive(Debug)]
struct Built(Vec<serde_json::Value>);

impl kakunin::batch::Rows for Built {
    fn record(&self, row: usize) -> serde_json::Value {
        self.0[row].clone()
    }
}

#[test]
fn rows_built_by_the_checking_threads_are_checked_as_records_are() {
    use std::sync::Arc;

    use kakunin::batch::{Item, check_stream};

    let (rules, plan) = hersys_whole_pack();
    let records = generated_records(11, 600);
    let expected = check_all(&rules, &plan, &records).expect("batch");
    let rows = Arc::new(Built(records));
    let mut got = Vec::new();
    check_stream(
        &rules,
        &plan,
        || {
            let rows = rows.clone();
            Ok((0..rows.0.len()).map(move |row| Item::Row {
                line: 0,
                rows: rows.clone(),
                row,
            }))
        },
        |outcome| got.push(outcome),
    )
    .expect("batch");
    // The cross-record pass builds rows too: the batch must have duplicates for this to count.
    let shared = |outcomes: &[Outcome]| {
        outcomes
            .iter()
            .filter(|o| match o {
                Outcome::Checked { report, .. } => report
                    .findings
                    .iter()
                    .any(|f| f.rule.starts_with("identity/")),
                _ => false,
            })
            .count()
    };
    assert!(shared(&expected) > 0);
    assert_eq!(format!("{got:?}"), format!("{expected:?}"));
}

/// JSON Lines of generated records, with lines that are not records between them, and half the
/// records in a duplicate pair acknowledging the duplicate warning.
fn lines_with_duplicates_and_bad_lines(count: usize) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let samples = kakunin_sample::generate(&kakunin_sample::Config {
        seed: 7,
        count,
        ..Default::default()
    });
    for (i, sample) in samples.enumerate() {
        let mut record = sample.record;
        if sample.duplicate_of.is_some() && i % 2 == 0 {
            record["acknowledged"] = serde_json::json!([
                {"rule": "identity/probable-duplicate", "reason": "same person, second visit"}
            ]);
        }
        lines.push(serde_json::to_vec(&record).expect("record"));
        match i % 400 {
            17 => lines.push(b"{\"id\": \"cut-short\",".to_vec()),
            18 => lines.push(b"42".to_vec()),
            19 => lines.push(vec![b'"', 0xff, b'"']),
            _ => {}
        }
    }
    lines
}

/// Lines of JSON Lines as a file's reader hands them over, each read anew.
fn unparsed(lines: &[Vec<u8>]) -> impl Iterator<Item = kakunin::batch::Item> + Send + use<> {
    let lines = lines.to_vec();
    lines
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| kakunin::batch::Item::Unparsed {
            line: i as u64 + 1,
            bytes,
        })
}

#[test]
fn one_read_of_a_file_gives_what_two_reads_give() {
    use kakunin::batch::{Folding, Read, check_stream_folded, check_stream_reads};

    let (rules, plan) = hersys_whole_pack();
    let lines = lines_with_duplicates_and_bad_lines(2000);
    // Read by read, as a file is: the details read passes over lines with `nth`.
    let source = |_: Read| -> kakunin::Result<_> { Ok(unparsed(&lines)) };
    let mut two_reads = Vec::new();
    check_stream_reads(&rules, &plan, source, |o| two_reads.push(o)).expect("two reads");
    // Each way of folding: read ahead or not, the outcomes waiting in a file or in memory.
    for (read_ahead_on_a_thread, in_memory) in [(false, false), (true, false), (false, true)] {
        let folding = Folding {
            read_ahead_on_a_thread,
            in_memory,
        };
        let mut one_read = Vec::new();
        check_stream_folded(&rules, &plan, source, folding, |o| one_read.push(o))
            .expect("one read");
        assert_eq!(one_read.len(), lines.len());
        for (two, one) in two_reads.iter().zip(&one_read) {
            assert_eq!(format!("{one:?}"), format!("{two:?}"), "{folding:?}");
        }
    }
    // The batch has what the folded read must get right: records that name others, warnings
    // they acknowledge, and lines that are no record.
    let findings = two_reads.iter().flat_map(|o| match o {
        Outcome::Checked { report, .. } => report.findings.iter().collect(),
        _ => Vec::new(),
    });
    let (mut named, mut acknowledged) = (0, 0);
    for f in findings.filter(|f| f.rule.starts_with("identity/")) {
        named += 1;
        acknowledged += usize::from(f.acknowledged);
    }
    let unreadable = two_reads
        .iter()
        .filter(|o| matches!(o, Outcome::Unreadable { .. }))
        .count();
    assert!(
        named > 10 && acknowledged > 0 && acknowledged < named,
        "{named} {acknowledged}"
    );
    assert_eq!(unreadable, 15);
}

#[test]
fn a_line_too_deep_to_read_makes_no_record_its_duplicate() {
    use kakunin::batch::{Read, check_stream_folded};

    let (rules, plan) = hersys_whole_pack();
    let record = generated_records(3, 1).remove(0);
    let mut copy = serde_json::to_string(&record).expect("record");
    // The same person again, with a field no rule reads nested past the readers' limit.
    copy.pop();
    copy.push_str(&format!(
        r#","id":"copy","junk":{}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    ));
    let lines = [
        serde_json::to_vec(&record).expect("record"),
        copy.into_bytes(),
    ];
    let source = |_: Read| -> kakunin::Result<_> { Ok(unparsed(&lines)) };
    let mut outcomes = Vec::new();
    let folding = kakunin::batch::Folding::default();
    check_stream_folded(&rules, &plan, source, folding, |o| outcomes.push(o)).expect("batch");
    assert!(
        matches!(&outcomes[1], Outcome::Unreadable { message, .. } if message.contains("deep")),
        "{:?}",
        outcomes[1]
    );
    let Outcome::Checked { report, .. } = &outcomes[0] else {
        panic!("{:?}", outcomes[0]);
    };
    assert_eq!(
        report.findings,
        vec![],
        "a record with no mistake, and no readable duplicate"
    );
}

/// Generated records as the flat CSV of `kakunin sample --format csv`, every cell quoted.
fn flat_csv(records: &[serde_json::Value]) -> Vec<u8> {
    let quoted = |cell: &str| format!("\"{}\"", cell.replace('"', "\"\""));
    let mut csv: Vec<String> = vec![
        kakunin_sample::flat_headers()
            .iter()
            .map(|h| quoted(h))
            .collect::<Vec<_>>()
            .join(","),
    ];
    for record in records {
        let row = kakunin_sample::flatten(record);
        csv.push(
            row.iter()
                .map(|(_, v)| quoted(v))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    (csv.join("\n") + "\n").into_bytes()
}

#[test]
fn screened_rows_of_a_table_get_the_findings_of_rows_built_whole() {
    use kakunin::batch::{CrossPass, Item, Read, check_stream_reads};
    use kakunin::input::{Format, Mapping, read};

    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    let mapping: Mapping = rules.csv_mapping().expect("mapping").expect("mapping");
    let records = generated_records(29, 3000);
    let csv = flat_csv(&records);
    let selections: [&[&str]; 6] = [
        // The benchmark's subset: formats, code lists and a range beside dates and scope rules.
        &[
            "required/dates",
            "codes/sex",
            "codes/case-class",
            "formats/date",
            "dates/report-before-diagnosis",
            "ranges/age-impossible",
            "ranges/age-mismatch",
            "codes/municipality",
            "scope/after-class5",
        ],
        &["formats", "codes", "ranges", "dates"],
        // A cross-record rule beside a screened one: its keys come from the lean rows.
        &["formats/date", "identity"],
        &["formats", "required"],
        // Only rules the screen judges: a clean row is checked with none.
        &[
            "formats",
            "codes/sex",
            "codes/case-class",
            "ranges/age-impossible",
        ],
        // Every rule but those that read every field.
        &[],
    ];
    for select in selections {
        let options = CheckOptions {
            select: select.iter().map(|s| (*s).to_owned()).collect(),
            ignore: vec!["structure".into()],
            ..CheckOptions::default()
                .with_as_of("2024-06-01")
                .expect("date")
        };
        let plan = rules.plan(&options).expect("plan");
        let pass = CrossPass::new(&rules, &plan);
        let outcomes = |screened: bool| {
            let mut got = Vec::new();
            check_stream_reads(
                &rules,
                &plan,
                |r: Read| {
                    let records = read(
                        std::io::Cursor::new(csv.clone()),
                        Format::Csv,
                        Some(&mapping),
                    );
                    Ok(if screened {
                        pass.built_for(records, r).into_items()
                    } else {
                        // Built whole as they are read: no screen.
                        Box::new(records.map(Item::from))
                    })
                },
                |outcome| got.push(outcome),
            )
            .expect("batch");
            got
        };
        let (whole, screened) = (outcomes(false), outcomes(true));
        assert_eq!(whole.len(), records.len());
        let with_findings = whole
            .iter()
            .filter(|o| matches!(o, Outcome::Checked { report, .. } if !report.findings.is_empty()))
            .count();
        assert!(
            with_findings > 50,
            "{select:?}: {with_findings} records with findings"
        );
        assert_eq!(format!("{screened:?}"), format!("{whole:?}"), "{select:?}");
    }
}

/// A flat CSV as an export writes it: code columns hold their Japanese labels, yes/no columns
/// 有/無. With the pack's mapping, each row is read as the same record the codes make.
#[test]
fn a_table_of_labels_gets_the_findings_of_the_same_table_in_codes() {
    use kakunin::input::{ColumnType, Format, read};

    let rules = kakunin_rules::bundled("hersys").expect("hersys");
    let mapping = rules.csv_mapping().expect("mapping").expect("mapping");
    let codes = rules.codes_summary();
    let records = generated_records(31, 600);
    let coded = String::from_utf8(flat_csv(&records)).expect("utf-8");
    let headers = kakunin_sample::flat_headers();
    // The list a column's codes come from, by the header's path.
    let list_of = |header: &str| match header {
        "notification.patient.sex" | "basic.sex" => Some("sex"),
        "notification.case_class" => Some("case_class"),
        "record.care_status" => Some("care_status"),
        h if h.ends_with("symptoms") => Some("symptoms"),
        _ => None,
    };
    let mut changed = 0;
    let mut labelled = String::new();
    for (n, line) in coded.lines().enumerate() {
        // Every cell is quoted and none holds a quote, a comma or a line break.
        let cells: Vec<&str> = line.split("\",\"").collect();
        assert_eq!(cells.len(), headers.len(), "line {n}");
        let row: Vec<String> = (cells.iter().zip(&headers))
            .map(|(cell, header)| {
                let cell = cell.trim_matches('"');
                let boolean = mapping
                    .column(header)
                    .is_some_and(|c| c.kind == ColumnType::Boolean);
                let label = match (n, list_of(header)) {
                    (0, _) => None,
                    (_, Some(list)) if !cell.is_empty() => Some(
                        cell.split(';')
                            .map(|code| codes[list][code]["ja"].as_str().unwrap_or(code))
                            .collect::<Vec<_>>()
                            .join(";"),
                    ),
                    _ if n > 0 && boolean && cell == "true" => Some("有".to_owned()),
                    _ if n > 0 && boolean && cell == "false" => Some("無".to_owned()),
                    _ => None,
                };
                changed += usize::from(label.as_deref().is_some_and(|l| l != cell));
                format!("\"{}\"", label.unwrap_or_else(|| cell.to_owned()))
            })
            .collect();
        labelled.push_str(&row.join(","));
        labelled.push('\n');
    }
    assert!(changed > 3000, "{changed} cells written as labels");
    assert!(labelled.contains("\"女\"") && labelled.contains("\"無\""));
    let options = CheckOptions::default()
        .with_as_of("2024-06-01")
        .expect("date");
    let plan = rules.plan(&options).expect("plan");
    let findings = |csv: &str| -> Vec<String> {
        let rows = read(
            std::io::Cursor::new(csv.as_bytes().to_vec()),
            Format::Csv,
            Some(&mapping),
        );
        let records: Vec<_> = rows.map(|r| r.expect("a readable row").value).collect();
        check_all(&rules, &plan, &records)
            .expect("batch")
            .iter()
            .map(|o| format!("{o:?}"))
            .collect()
    };
    let (from_codes, from_labels) = (findings(&coded), findings(&labelled));
    assert_eq!(from_codes.len(), records.len());
    assert_eq!(from_labels, from_codes);
}
