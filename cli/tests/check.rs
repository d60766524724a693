//! `kakunin check` end to end: every input record accounted for, exit status as the findings
//! say, the formats programs read, pack detection.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn kakunin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kakunin"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kakunin runs");
    if let Some(bytes) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes)
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("kakunin finishes")
}

fn base_record() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rules/hersys/examples/complete-2021.json"
    ))
    .expect("base record");
    serde_json::from_str(&text).expect("base record is JSON")
}

fn jsonl(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kakunin-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

#[test]
fn hostile_file_is_checked_to_the_end_with_every_line_accounted_for() {
    let good = base_record();
    let mut wrong_types = good.clone();
    wrong_types["notification"]["patient"]["age"] = json!("thirty");
    wrong_types["notification"]["spo2"] = json!([1, 2]);
    wrong_types["notification"]["symptoms"] = json!("fever");
    wrong_types["id"] = json!("wrong-types");
    let mut absurd = good.clone();
    absurd["notification"]["diagnosed_on"] = json!("2021-02-30");
    absurd["notification"]["reported_on"] = json!("+002021-01-01");
    absurd["notification"]["onset_on"] = json!("9999-12-31");
    absurd["id"] = json!("absurd-dates");
    let mut huge = good.clone();
    huge["notification"]["patient"]["occupation"] = json!("x".repeat(10 * 1024 * 1024));
    huge["id"] = json!("huge-string");
    let nested = format!(
        "{{\"id\": \"nested\", \"tests\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let lines = [
        good.to_string(),
        "{\"id\": \"broken\", \"notification\": {".to_owned(),
        wrong_types.to_string(),
        absurd.to_string(),
        huge.to_string(),
        nested,
        "42".to_owned(),
        "\"just a string\"".to_owned(),
        json!({"id": "empty"}).to_string(),
        good.to_string(),
    ];
    let path = temp_file("hostile.jsonl", lines.join("\n").as_bytes());
    let out = kakunin(
        &[
            "check",
            path.to_str().expect("path"),
            "--format",
            "jsonl",
            "--as-of",
            "2024-06-01",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "errors were found, so exit 1; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results = jsonl(&out);
    assert_eq!(
        results.len(),
        lines.len(),
        "one output object per input line"
    );
    for (i, r) in results.iter().enumerate() {
        assert_eq!(
            r["line"],
            json!(i + 1),
            "outputs in input order with their line numbers"
        );
    }
    assert_eq!(results[0]["ok"], json!(true));
    assert_eq!(results[9]["ok"], json!(true));
    for unreadable in [1, 5, 6, 7] {
        assert!(
            results[unreadable]["error"].is_string(),
            "line {} is reported unreadable: {}",
            unreadable + 1,
            results[unreadable]
        );
    }
    let rules_of = |r: &Value| {
        r["findings"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(|f| f["rule"].as_str().unwrap_or("").to_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    assert_eq!(results[3]["ok"], json!(false));
    assert_eq!(results[2]["id"], json!("wrong-types"));
    assert_eq!(results[4]["id"], json!("huge-string"));
    assert!(
        rules_of(&results[8])
            .iter()
            .any(|r| r.starts_with("required/")),
        "an empty record misses required items"
    );
    // The 10 MB value is personal-free but must not be copied into findings.
    assert!(
        out.stdout.len() < 1024 * 1024,
        "output does not echo the 10 MB string"
    );
}

#[test]
fn clean_records_exit_zero_and_stdin_works() {
    let good = base_record().to_string();
    // The same record twice is a probable duplicate: leave the identity rules out here.
    let out = kakunin(
        &[
            "check",
            "-",
            "--format",
            "jsonl",
            "--as-of",
            "2024-06-01",
            "--ignore",
            "identity",
        ],
        Some(format!("{good}\n{good}\n").as_bytes()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results = jsonl(&out);
    assert_eq!(results.len(), 2);
    assert!(
        results
            .iter()
            .all(|r| r["ok"] == json!(true) && r["findings"] == json!([]))
    );
}

#[test]
fn bad_arguments_and_missing_files_exit_two_with_a_reason() {
    let out = kakunin(&["check", "/nonexistent/file.jsonl"], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "kakunin: /nonexistent/file.jsonl: ファイルがありません\n"
    );
    let out = kakunin(
        &["check", "/nonexistent/file.jsonl", "--locale", "en"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "kakunin: /nonexistent/file.jsonl: no such file\n"
    );
    let path = temp_file("one.jsonl", base_record().to_string().as_bytes());
    let out = kakunin(
        &[
            "check",
            path.to_str().expect("path"),
            "--select",
            "no-such-group",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-group"));
    let out = kakunin(
        &[
            "check",
            path.to_str().expect("path"),
            "--pack",
            "/nonexistent-pack",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_output_is_one_document_and_csv_one_row_per_finding() {
    let mut bad = base_record();
    bad["notification"]["reported_on"] = json!("2021-08-01");
    let path = temp_file(
        "bad.jsonl",
        format!("{}\n{}\n", bad, base_record()).as_bytes(),
    );
    let p = path.to_str().expect("path");
    let out = kakunin(
        &["check", p, "--format", "json", "--as-of", "2024-06-01"],
        None,
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json output parses");
    assert_eq!(doc["records"].as_array().map(Vec::len), Some(2));
    assert_eq!(doc["summary"]["records_read"], json!(2));
    assert_eq!(doc["pack"]["name"], json!("hersys"));
    let findings = doc["records"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == json!("dates/report-before-diagnosis"))
    );

    let out = kakunin(
        &["check", p, "--format", "csv", "--as-of", "2024-06-01"],
        None,
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("file,line,id,rule,severity"));
    let all_findings: usize = doc["records"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["findings"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(rows.len() - 1, all_findings, "one CSV row per finding");
}

/// The text output, in `locale`, of one record reported before its diagnosis.
fn text_of_a_report_before_diagnosis(locale: &str) -> String {
    let mut bad = base_record();
    bad["notification"]["reported_on"] = json!("2021-08-01");
    let path = temp_file(
        &format!("text-{locale}.jsonl"),
        format!("{bad}\n").as_bytes(),
    );
    let path = path.to_str().expect("path");
    let args = ["check", path, "--as-of", "2024-06-01", "--locale", locale];
    String::from_utf8(kakunin(&args, None).stdout).expect("utf-8")
}

#[test]
fn text_output_groups_findings_by_field_and_ends_with_a_summary() {
    let text = text_of_a_report_before_diagnosis("en");
    assert!(text.contains("line 1 · sample-2021-0001"), "{text}");
    assert!(text.contains("  /notification/reported_on\n"), "{text}");
    assert!(text.contains("dates/report-before-diagnosis"));
    assert!(
        text.contains("1 records read: 1 checked, 0 unreadable"),
        "{text}"
    );
    assert!(!text.contains("\x1b["), "no colour when not on a terminal");
}

#[test]
fn personal_values_stay_out_of_output_unless_revealed() {
    let mut bad = base_record();
    bad["basic"]["name"] = json!("山田 花子");
    let path = temp_file("privacy.jsonl", format!("{bad}\n").as_bytes());
    let p = path.to_str().expect("path");
    let hidden = kakunin(
        &["check", p, "--format", "jsonl", "--as-of", "2024-06-01"],
        None,
    );
    let shown = kakunin(
        &[
            "check",
            p,
            "--format",
            "jsonl",
            "--as-of",
            "2024-06-01",
            "--reveal",
        ],
        None,
    );
    let hidden = String::from_utf8_lossy(&hidden.stdout);
    for personal in ["山田", "090-1234-5678", "1985-04-12", "西新宿四丁目"] {
        assert!(!hidden.contains(personal), "`{personal}` leaked: {hidden}");
    }
    // With reveal the caller asked for the values, so a differing name may appear.
    assert!(String::from_utf8_lossy(&shown.stdout).len() >= hidden.len());
}

#[test]
fn opendata_csv_in_shift_jis_is_detected_and_checked() {
    let rows = "No,全国地方公共団体コード,都道府県名,市区町村名,公表_年月日,曜日,発症_年月日,患者_居住地,患者_年代,患者_性別,患者_属性,患者_状態,患者_症状,患者_渡航歴の有無フラグ,備考,退院済フラグ\r\n\
1,130001,東京都,,2020-03-02,月,,,40代,男性,,,,0,,1\r\n\
2,130001,東京都,,2020-03-02,火,,,90代,不明,,,,0,,\r\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(rows);
    let path = temp_file("opendata.csv", &bytes);
    let out = kakunin(
        &[
            "check",
            path.to_str().expect("path"),
            "--format",
            "jsonl",
            "--as-of",
            "2024-06-01",
        ],
        None,
    );
    let results = jsonl(&out);
    assert_eq!(results.len(), 2, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(results[0]["line"], json!(2), "the header is line 1");
    assert_eq!(results[0]["id"], json!("1"));
    assert_eq!(results[1]["line"], json!(3));
    assert_eq!(results[0]["findings"], json!([]), "{}", results[0]);
    assert_eq!(
        results[1]["ok"],
        json!(false),
        "a wrong weekday is an error: {}",
        results[1]
    );
}

#[test]
fn records_split_over_several_files_get_the_findings_of_one_file() {
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/sample/hersys-sample.jsonl"
    ))
    .expect("bundled sample");
    let lines: Vec<&str> = sample.lines().collect();
    // Parts of unequal length, so that cross-record groups span the files.
    let bounds = [0, 500, 1300, 1990, lines.len()];
    let parts: Vec<String> = bounds
        .windows(2)
        .map(|w| &lines[w[0]..w[1]])
        .enumerate()
        .map(|(i, part)| {
            let path = temp_file(&format!("part-{i}.jsonl"), part.join("\n").as_bytes());
            path.to_string_lossy().into_owned()
        })
        .collect();
    let whole = temp_file("whole.jsonl", sample.as_bytes());
    let common = ["--as-of", "2026-11-01", "--format", "jsonl"];
    let mut args: Vec<&str> = vec!["check"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(common);
    let split = jsonl(&kakunin(&args, None));
    let mut args = vec!["check", whole.to_str().expect("utf-8 path")];
    args.extend(common);
    let one = jsonl(&kakunin(&args, None));
    let findings = |rows: &[Value]| -> Vec<(Value, Value)> {
        rows.iter()
            .map(|row| (row["id"].clone(), row["findings"].clone()))
            .collect()
    };
    assert_eq!(split.len(), lines.len());
    assert_eq!(findings(&split), findings(&one));
    // Each record is named by its own file and line, though its outcome is handed over only
    // once every file is read, and the records that findings name are read again.
    for (i, row) in split.iter().enumerate() {
        let part = bounds.partition_point(|&b| b <= i) - 1;
        assert_eq!(row["file"], json!(parts[part]), "record {i}");
        assert_eq!(row["line"], json!(i - bounds[part] + 1), "record {i}");
    }
    let cross = one
        .iter()
        .flat_map(|row| row["findings"].as_array().into_iter().flatten())
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("identity/"))
        })
        .count();
    assert!(cross > 0, "the sample has records that name others");
}

#[test]
fn without_a_temporary_folder_a_file_is_read_twice_to_the_same_findings() {
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/sample/hersys-sample.jsonl"
    );
    let args = [
        "check",
        sample,
        "--as-of",
        "2026-11-01",
        "--format",
        "jsonl",
    ];
    let run = |tmpdir: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kakunin"));
        command.args(args);
        if let Some(dir) = tmpdir {
            command.env("TMPDIR", dir);
        }
        command.output().expect("kakunin runs")
    };
    // The outcomes wait in a temporary file; where none can be made, the keys are read first
    // and the records checked on a second read, as before.
    let folded = run(None);
    let missing = std::env::temp_dir().join("kakunin-no-such-folder");
    let two_reads = run(Some(missing.to_str().expect("utf-8 path")));
    assert_eq!(two_reads.status.code(), folded.status.code());
    assert!(
        two_reads.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&two_reads.stderr)
    );
    let rows = jsonl(&folded);
    assert_eq!(rows.len(), 2000);
    assert_eq!(jsonl(&two_reads), rows);
}

#[test]
fn an_output_file_that_is_an_input_is_refused_and_the_input_kept() {
    let text = format!("{}\n", base_record());
    let path = temp_file("overwrite.jsonl", text.as_bytes());
    let p = path.to_str().expect("path");
    for (args, says) in [
        (
            vec!["check", p, "--format", "jsonl", "-o", p],
            "出力先が入力ファイルです",
        ),
        (vec!["report", p, "-o", p], "出力先が入力ファイルです"),
        (
            vec!["check", p, "--locale", "en", "--format", "jsonl", "-o", p],
            "would overwrite an input",
        ),
        (
            vec!["report", p, "--locale", "en", "-o", p],
            "would overwrite an input",
        ),
    ] {
        let out = kakunin(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read_to_string(&path).expect("input"), text);
    }
    // A folder given as an input is named as one.
    let dir = path.parent().expect("folder").to_str().expect("path");
    let out = kakunin(&["check", dir], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("フォルダーです"));
    let out = kakunin(&["check", dir, "--locale", "en"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a folder"));
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    let mut bad = base_record();
    bad["notification"]["reported_on"] = json!("2021-08-01");
    let lines: String = (0..20_000).map(|_| format!("{bad}\n")).collect();
    let path = temp_file("many.jsonl", lines.as_bytes());
    for args in [
        vec!["check", path.to_str().expect("path"), "--format", "jsonl"],
        // More than a pipe holds, so the write after the reader left fails.
        vec!["sample", "--count", "2000"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kakunin"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kakunin runs");
        let mut first = [0u8; 1];
        std::io::Read::read_exact(child.stdout.as_mut().expect("stdout"), &mut first)
            .expect("some output");
        // The reader goes away after one byte, like `head -c 1`.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("kakunin finishes");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        // `check` exits as the records judged so far say (all have an error); the others, 0.
        let expected = if args[0] == "check" { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "{args:?}");
    }
}

#[test]
fn what_a_reader_notes_about_a_file_reaches_the_user_and_json_says_the_date_judged() {
    let sample = kakunin(&["sample", "--count", "2", "--format", "csv"], None);
    let text = String::from_utf8(sample.stdout).expect("utf-8");
    // A second column for the report date, under its path: it collides with the first.
    let doubled: String = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let extra = if i == 0 {
                "notification.reported_on"
            } else {
                "2021-03-01"
            };
            format!("{line},{extra}\n")
        })
        .collect();
    let path = temp_file("collide.csv", doubled.as_bytes());
    // The notes are in the language of the findings: Japanese unless told.
    for (locale, word, says) in [
        (
            "ja",
            "注意",
            "列目「notification.reported_on」は前の列と読み込み先が重なるため",
        ),
        ("en", "note", "`notification.reported_on` collides"),
    ] {
        let out = kakunin(
            &[
                "check",
                path.to_str().expect("path"),
                "--format",
                "json",
                "--as-of",
                "2024-06-01",
                "--locale",
                locale,
            ],
            None,
        );
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json output parses");
        assert_eq!(doc["as_of"], json!("2024-06-01"));
        let notes = doc["notes"].as_array().cloned().unwrap_or_default();
        assert_eq!(notes.len(), 1, "{notes:?}");
        let note = notes[0].as_str().unwrap_or_default();
        assert!(note.contains(says), "{note}");
        assert!(note.starts_with(path.to_str().expect("path")), "{note}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, format!("kakunin: {word}: {note}\n"));
    }
}

#[test]
fn gzip_files_are_read_through_and_archives_refused_with_what_to_do() {
    use std::io::Write as _;
    let sample = kakunin(&["sample", "--count", "40", "--format", "csv"], None).stdout;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&sample).expect("written to memory");
    let gzip = gzip.finish().expect("written to memory");
    let plain = temp_file("forty.csv", &sample);
    let packed = temp_file("forty.csv.gz", &gzip);
    let findings = |path: &std::path::Path| {
        let out = kakunin(
            &["check", path.to_str().expect("path"), "--format", "jsonl"],
            None,
        );
        (
            out.status.code(),
            String::from_utf8(out.stdout).expect("utf-8"),
        )
    };
    let (status, lines) = findings(&packed);
    assert_eq!(lines.lines().count(), 40);
    assert_eq!((status, lines), findings(&plain));
    // From standard input too.
    let out = kakunin(&["check", "-", "--format", "jsonl"], Some(&gzip));
    assert_eq!(String::from_utf8_lossy(&out.stdout), findings(&plain).1);

    // A gzip stream cut short: what came before is checked, the rest is one unreadable record.
    let cut = temp_file("cut.csv.gz", &gzip[..gzip.len() * 2 / 3]);
    let (_, lines) = findings(&cut);
    let last = lines.lines().last().unwrap_or_default();
    assert!(last.contains("\"error\":\"read error"), "{last}");
    assert!(lines.lines().count() > 1, "{lines}");

    let archive = temp_file("cases.zip", b"PK\x03\x04\x14\x00\x06\x00rest of an archive");
    let archive = archive.to_str().expect("path");
    let out = kakunin(&["check", archive, "--locale", "en"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cases.zip: a ZIP archive"), "{stderr}");
    assert!(stderr.contains("extract the file"), "{stderr}");
    assert!(out.stdout.is_empty());
    let out = kakunin(&["check", archive], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cases.zip: ZIP 圧縮ファイルです。中のファイルを取り出してから"),
        "{stderr}"
    );
    // Standard input is refused alike.
    let out = kakunin(&["check", "-"], Some(b"%PDF-1.7\n"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("kakunin: -: PDF 文書です"), "{stderr}");
    // Named as a workbook, it is given to the workbook reader, which cannot read it: one
    // unreadable record, and the run goes on.
    let broken = temp_file(
        "broken.xlsx",
        b"PK\x03\x04\x14\x00\x06\x00rest of a workbook",
    );
    let (_, lines) = findings(&broken);
    assert!(
        lines.starts_with("{\"line\":1,\"error\":\"not a workbook"),
        "{lines}"
    );
    assert_eq!(lines.lines().count(), 1);
}

#[test]
fn a_workbook_is_checked_as_its_csv_export_with_lines_as_sheet_rows() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/");
    let jsonl = |name: &str| {
        let path = format!("{data}{name}");
        let out = kakunin(
            &["check", &path, "--format", "jsonl", "--locale", "en"],
            None,
        );
        let lines: Vec<Value> = (out.stdout.split(|&b| b == b'\n'))
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("a JSON line"))
            .collect();
        (
            out.status.code(),
            lines,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (status, sheet, notes) = jsonl("line-list.xlsx");
    let (csv_status, csv, _) = jsonl("line-list.csv");
    assert_eq!(status, csv_status);
    let without_line = |lines: &[Value]| -> Vec<Value> {
        let mut lines = lines.to_vec();
        lines.iter_mut().for_each(|l| {
            l.as_object_mut().map(|o| o.remove("line"));
        });
        lines
    };
    assert_eq!(without_line(&sheet), without_line(&csv));
    assert!(
        sheet.iter().any(|l| l["ok"] == json!(false)),
        "some record has an error"
    );
    assert_eq!(
        sheet[0]["line"],
        json!(4),
        "the sheet's row, below its title and header"
    );
    assert!(notes.contains("row 3 is the header"), "{notes}");
}

#[test]
fn a_file_without_records_is_noted_wherever_it_comes() {
    let sample = kakunin(&["sample", "--count", "2"], None);
    let records = temp_file("two.jsonl", &sample.stdout);
    let empty = temp_file("empty.jsonl", b"");
    let header_only = temp_file("header-only.csv", b"id,notification.reported_on\n");
    let paths = [&empty, &records, &header_only].map(|p| p.to_str().expect("path"));
    for (locale, word, says) in [
        ("en", "note", "no records in the file"),
        ("ja", "注意", "ファイルに記録がありません"),
    ] {
        let mut args = vec!["check", "--format", "json", "--locale", locale];
        args.extend(paths);
        let out = kakunin(&args, None);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json output parses");
        assert_eq!(doc["summary"]["records_read"], json!(2), "{doc}");
        let notes = doc["notes"].as_array().cloned().unwrap_or_default();
        let want = [paths[0], paths[2]].map(|p| json!(format!("{p}: {says}")));
        assert_eq!(notes, want);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("kakunin: {word}: {}: {says}\n", paths[0])),
            "{stderr}"
        );
    }
}

#[test]
fn japanese_text_output_names_each_field_and_counts_in_japanese() {
    let text = text_of_a_report_before_diagnosis("ja");
    assert!(
        text.contains("1 行目 · sample-2021-0001  エラー 1 件"),
        "{text}"
    );
    assert!(
        text.contains("  報告年月日  /notification/reported_on\n"),
        "{text}"
    );
    assert!(
        text.contains("    エラー  dates/report-before-diagnosis"),
        "{text}"
    );
    assert!(!text.contains("line 1"), "{text}");
}

#[test]
fn what_the_command_says_on_its_own_follows_the_locale_japanese_by_default() {
    let path = temp_file("said.jsonl", format!("{}\n", base_record()).as_bytes());
    let p = path.to_str().expect("path");
    // (arguments, the whole line said in Japanese, and in English with `--locale en`)
    let cases: [(Vec<&str>, String, String); 6] = [
        (
            vec!["check", p, "--as-of", "2024-02-30"],
            "--as-of の `2024-02-30` は正しい日付ではありません（YYYY-MM-DD で指定してください）"
                .into(),
            "invalid option as_of: `2024-02-30` is not a YYYY-MM-DD date".into(),
        ),
        (
            vec!["check", p, "--input-format", "xml"],
            "入力形式 `xml` は使えません（jsonl、json、csv、xlsx のいずれかを指定してください）"
                .into(),
            "unknown input format `xml` (expected jsonl, json, csv or xlsx)".into(),
        ),
        (
            vec!["check", p, "--select", "no-such-group"],
            "ルールまたはグループ `no-such-group` はこのパックにありません（--select、--ignore）"
                .into(),
            "unknown rule or group `no-such-group`".into(),
        ),
        (
            vec!["check", p, "--pack", "no-such-pack"],
            "パック `no-such-pack` がありません（同梱のパック hersys、opendata でも、フォルダーでもありません）".into(),
            "no pack `no-such-pack`: not a bundled pack (hersys, opendata) nor a folder".into(),
        ),
        (
            vec!["report", "/no/such.csv", "-o", "-"],
            "/no/such.csv: ファイルがありません".into(),
            "/no/such.csv: no such file".into(),
        ),
        (
            vec!["rules", "list", "--pack", "no-such-pack"],
            "パック `no-such-pack` がありません（同梱のパック hersys、opendata でも、フォルダーでもありません）".into(),
            "no pack `no-such-pack`: not a bundled pack (hersys, opendata) nor a folder".into(),
        ),
    ];
    for (args, ja, en) in cases {
        let out = kakunin(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("kakunin: {ja}\n")
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        let out = kakunin(&[&args[..], &["--locale", "en"]].concat(), None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("kakunin: {en}\n")
        );
    }

    // A workbook's notes; and the summary table's severities in the run's language.
    let book = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/data/line-list.xlsx"
    );
    let out = kakunin(&["check", book, "--summary", "--as-of", "2024-06-01"], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kakunin: 注意: ")
            && stderr.contains("2 シートのうち最初のシート「患者一覧」を読み込みました")
            && stderr.contains("3 行目を見出し行としました"),
        "{stderr}"
    );
    assert!(!stderr.contains("note:"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let table: Vec<&str> = stdout
        .lines()
        .skip(2)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(!table.is_empty(), "{stdout}");
    assert!(
        table
            .iter()
            .all(|l| ["エラー", "警告", "情報"].iter().any(|w| l.contains(w))),
        "{stdout}"
    );
    let out = kakunin(
        &[
            "check",
            book,
            "--summary",
            "--as-of",
            "2024-06-01",
            "--locale",
            "en",
        ],
        None,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(" error ") && !stdout.contains("エラー"),
        "{stdout}"
    );
}
