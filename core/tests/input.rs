//! Batch readers: every format, encoding and kind of damage a real file brings, each record
//! accounted for with its line.

use std::io::Cursor;

use kakunin::Locale;
use kakunin::input::{Format, InputRecord, Item, Mapping, Note, Unreadable, read};
use serde_json::{Value, json};

/// Notes as their English text.
fn english(notes: &[Note]) -> Vec<String> {
    notes.iter().map(|n| n.message(Locale::En)).collect()
}

/// What a reader yielded, as (line, record) or (line, message), for compact assertions.
#[derive(Debug, PartialEq)]
enum Got {
    Ok(u64, Value),
    Bad(u64, String),
}

fn got(items: impl IntoIterator<Item = Item>) -> Vec<Got> {
    items
        .into_iter()
        .map(|item| match item {
            Ok(InputRecord { line, value }) => Got::Ok(line, value),
            Err(Unreadable { line, message }) => Got::Bad(line, message),
        })
        .collect()
}

fn read_bytes(data: impl Into<Vec<u8>>, format: Format, mapping: Option<&Mapping>) -> Vec<Got> {
    got(read(Cursor::new(data.into()), format, mapping))
}

fn lines(data: impl Into<Vec<u8>>) -> Vec<Got> {
    read_bytes(data, Format::JsonLines, None)
}

fn array(data: impl Into<Vec<u8>>) -> Vec<Got> {
    read_bytes(data, Format::JsonArray, None)
}

/// The lines of the unreadable items, and whether their messages contain `needle`.
fn bad_lines(items: &[Got]) -> Vec<u64> {
    items
        .iter()
        .filter_map(|g| match g {
            Got::Bad(line, _) => Some(*line),
            Got::Ok(..) => None,
        })
        .collect()
}

fn ok_lines(items: &[Got]) -> Vec<u64> {
    items
        .iter()
        .filter_map(|g| match g {
            Got::Ok(line, _) => Some(*line),
            Got::Bad(..) => None,
        })
        .collect()
}

fn message(items: &[Got], index: usize) -> &str {
    match items.get(index) {
        Some(Got::Bad(_, message)) => message,
        other => panic!("item {index} is not unreadable: {other:?}"),
    }
}

fn value(items: &[Got], index: usize) -> &Value {
    match items.get(index) {
        Some(Got::Ok(_, value)) => value,
        other => panic!("item {index} is not a record: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON Lines

#[test]
fn jsonl_reads_records_with_their_lines() {
    let data = "\u{feff}{\"id\": 1}\r\n\r\n   \n{\"id\": 2}\n{\"id\": 3}";
    assert_eq!(
        lines(data),
        vec![
            Got::Ok(1, json!({"id": 1})),
            Got::Ok(4, json!({"id": 2})),
            Got::Ok(5, json!({"id": 3}))
        ]
    );
    assert_eq!(lines(""), vec![]);
    assert_eq!(lines("\n\n"), vec![]);
}

#[test]
fn jsonl_broken_line_does_not_stop_the_run() {
    let data = "{\"a\": 1}\n{\"a\": 2 \"b\": 3}\n{\"a\": \n{\"a\": 4}\n{\"a\": 5}} \n{\"a\": 6}\n";
    let items = lines(data);
    assert_eq!(ok_lines(&items), vec![1, 4, 6]);
    assert_eq!(bad_lines(&items), vec![2, 3, 5]);
    assert_eq!(
        message(&items, 1),
        "invalid JSON at column 9: expected `,` or `}`"
    );
    assert!(
        message(&items, 2).starts_with("invalid JSON at column"),
        "{}",
        message(&items, 2)
    );
    assert!(
        message(&items, 4).contains("trailing characters"),
        "{}",
        message(&items, 4)
    );
}

#[test]
fn jsonl_values_that_are_not_objects_are_unreadable() {
    let items = lines("[1, 2]\n\"text\"\n42\nnull\ntrue\n{}\n");
    assert_eq!(bad_lines(&items), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        message(&items, 0),
        "record is not a JSON object (found an array)"
    );
    assert_eq!(
        message(&items, 1),
        "record is not a JSON object (found a string)"
    );
    assert_eq!(
        message(&items, 2),
        "record is not a JSON object (found a number)"
    );
    assert_eq!(
        message(&items, 3),
        "record is not a JSON object (found null)"
    );
    assert_eq!(
        message(&items, 4),
        "record is not a JSON object (found a boolean)"
    );
    assert_eq!(items.get(5), Some(&Got::Ok(6, json!({}))));
}

#[test]
fn jsonl_invalid_utf8_costs_only_its_line() {
    let mut data = b"{\"a\": \"ok\"}\n{\"a\": \"".to_vec();
    data.extend_from_slice(b"\xff\xfe\"}\n{\"a\": \"\xe5\xb2\x90\"}\n");
    let items = lines(data);
    assert_eq!(bad_lines(&items), vec![2]);
    assert_eq!(message(&items, 1), "invalid UTF-8 at column 8");
    assert_eq!(value(&items, 2), &json!({"a": "岐"}));
}

#[test]
fn jsonl_deep_nesting_is_unreadable_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_in_object = format!("{{\"a\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let unclosed = "{\"a\":".repeat(10_000);
    let data = format!("{deep}\n{deep_in_object}\n{unclosed}\n{{\"ok\": true}}\n");
    let items = lines(data);
    assert_eq!(bad_lines(&items), vec![1, 2, 3]);
    assert!(message(&items, 0).ends_with("nested more than 128 levels deep"));
    assert!(message(&items, 1).ends_with("nested more than 128 levels deep"));
    assert_eq!(items.get(3), Some(&Got::Ok(4, json!({"ok": true}))));
}

#[test]
fn jsonl_ten_megabyte_string() {
    let big = "あ".repeat(10 * 1024 * 1024 / 3);
    let data = format!("{{\"note\": \"{big}\"}}\n{{\"id\": 2}}\n");
    let items = lines(data);
    assert_eq!(ok_lines(&items), vec![1, 2]);
    assert_eq!(
        value(&items, 0)
            .get("note")
            .and_then(Value::as_str)
            .map(str::len),
        Some(big.len())
    );
}

// ---------------------------------------------------------------------------------------------
// JSON array

#[test]
fn array_streams_elements_with_their_start_lines() {
    let data = "\u{feff}[\n  {\"id\": 1,\n   \"tests\": [{\"m\": \"pcr\"}]},\n\n  {\"id\": \"a,]}\\\"{\"}\n]\n";
    assert_eq!(
        array(data),
        vec![
            Got::Ok(2, json!({"id": 1, "tests": [{"m": "pcr"}]})),
            Got::Ok(5, json!({"id": "a,]}\"{"}))
        ]
    );
    assert_eq!(array("[]"), vec![]);
    assert_eq!(array(" [ ] \n"), vec![]);
    assert_eq!(array(""), vec![]);
    assert_eq!(
        array("[{},{}]"),
        vec![Got::Ok(1, json!({})), Got::Ok(1, json!({}))]
    );
}

#[test]
fn array_broken_element_costs_only_itself() {
    let data = "[\n{\"a\": 1},\n{\"a\": 2,, \"b\": 3},\n{\"a\": [1, 2},\n{\"a\": 4},\n[1],\n7,\n\"s\",\n{\"a\": 5}\n]";
    let items = array(data);
    assert_eq!(ok_lines(&items), vec![2, 5, 9]);
    assert_eq!(bad_lines(&items), vec![3, 4, 6, 7, 8]);
    assert_eq!(
        message(&items, 1),
        "invalid JSON at column 9: key must be a string"
    );
    assert_eq!(
        message(&items, 4),
        "record is not a JSON object (found an array)"
    );
    assert_eq!(
        message(&items, 5),
        "record is not a JSON object (found a number)"
    );
    assert_eq!(
        message(&items, 6),
        "record is not a JSON object (found a string)"
    );
}

#[test]
fn array_error_positions_point_into_the_file() {
    let data = "[\n  {\n    \"a\": 1\n    \"b\": 2\n  }\n]";
    let items = array(data);
    assert_eq!(bad_lines(&items), vec![2]);
    assert_eq!(
        message(&items, 0),
        "invalid JSON at line 4 column 5: expected `,` or `}`"
    );
    let items = array("[{\"a\": 1}, {\"a\" 1}]");
    assert_eq!(
        message(&items, 1),
        "invalid JSON at column 17: expected `:`"
    );
}

#[test]
fn array_truncated_mid_record_keeps_the_complete_ones() {
    let data = "[\n{\"id\": 1},\n{\"id\": 2},\n{\"id\": 3, \"name\": \"山";
    let items = array(data);
    assert_eq!(ok_lines(&items), vec![2, 3]);
    assert_eq!(bad_lines(&items), vec![4]);
    assert_eq!(
        message(&items, 2),
        "the file ends inside this record (truncated?)"
    );

    // Cut between records: nothing is lost, but the damage is still reported once.
    let items = array("[\n{\"id\": 1},\n{\"id\": 2},\n");
    assert_eq!(ok_lines(&items), vec![2, 3]);
    assert_eq!(bad_lines(&items), vec![4]);
    assert!(message(&items, 2).contains("closing `]`"));
}

#[test]
fn array_record_cut_off_by_the_next_one_is_resynchronized() {
    // A writer died mid-record and appending went on: only the cut record is lost.
    let data = "[\n{\"id\": 1, \"name\": \"abc\n{\"id\": 2},\n{\"id\": 3, \"tests\": [\n{\"m\": 1}]},\n{\"id\": 4}\n]\n";
    let items = array(data);
    assert_eq!(ok_lines(&items), vec![3, 4, 6]);
    assert_eq!(bad_lines(&items), vec![2]);
    assert!(message(&items, 0).starts_with("the record is cut off"));
}

#[test]
fn array_structure_errors_are_reported_and_reading_goes_on() {
    let items = array("[{\"a\": 1} {\"a\": 2}, , {\"a\": 3},]");
    assert_eq!(ok_lines(&items), vec![1, 1, 1]);
    assert_eq!(items.len(), 6);
    assert!(message(&items, 1).contains("expected `,` or `]`"));
    assert!(message(&items, 3).contains("empty element"));
    assert!(message(&items, 5).contains("before the closing `]`"));

    let items = array("[{\"a\": 1}] trailing");
    assert_eq!(ok_lines(&items), vec![1]);
    assert!(message(&items, 1).contains("after the closing `]`"));

    let items = array("id,name\n1,x\n");
    assert_eq!(bad_lines(&items), vec![1]);
    assert_eq!(items.len(), 1);
}

#[test]
fn json_object_files_without_an_array() {
    // A single pretty-printed record, and objects one after another.
    let items = array("{\n  \"id\": 1\n}\n");
    assert_eq!(items, vec![Got::Ok(1, json!({"id": 1}))]);
    let items = array("{\"id\": 1}\n{\"id\": 2\n{\"id\": 3}\n");
    assert_eq!(ok_lines(&items), vec![1, 3]);
    assert_eq!(bad_lines(&items), vec![2]);
}

#[test]
fn array_deep_nesting_and_big_strings() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let big = "x".repeat(10 * 1024 * 1024);
    let data = format!("[{deep}, {{\"a\": {deep}}}, {{\"note\": \"{big}\"}}, {{\"id\": 4}}]");
    let items = array(data);
    assert_eq!(bad_lines(&items), vec![1, 1]);
    assert!(message(&items, 0).ends_with("nested more than 128 levels deep"));
    assert_eq!(
        value(&items, 2)
            .get("note")
            .and_then(Value::as_str)
            .map(str::len),
        Some(big.len())
    );
    assert_eq!(value(&items, 3), &json!({"id": 4}));
    // Never closed: still one unreadable, no crash.
    let items = array(format!("[{}", "[".repeat(100_000)));
    assert_eq!(bad_lines(&items), vec![1]);
}

#[test]
fn records_can_be_sent_to_another_thread() {
    fn is_send<T: Send>(_: &T) {}
    let records = read(Cursor::new(b"{}\n".to_vec()), Format::JsonLines, None);
    is_send(&records);
    let handle = std::thread::spawn(move || records.count());
    assert_eq!(handle.join().ok(), Some(1));
}

// ---------------------------------------------------------------------------------------------
// CSV (needs the `files` feature: the csv and encoding_rs crates)

#[cfg(feature = "files")]
mod csv_files {
    use super::*;

    use std::io::Read;
    use std::path::{Path, PathBuf};

    use kakunin::input::Records;

    fn csv(data: impl Into<Vec<u8>>, mapping: Option<&Mapping>) -> Vec<Got> {
        read_bytes(data, Format::Csv, mapping)
    }

    const OPENDATA_MAPPING: &str = r#"
[[column]]
header = "No"
path = "/No"
type = "integer"

[[column]]
header = "公表_年月日"
path = "/公表_年月日"

[[column]]
header = "患者_退院済フラグ"
aliases = ["退院済フラグ"]
path = "/患者_退院済フラグ"
type = "string"

[[column]]
header = "年齢"
path = "/patient/age"
type = "number"

[[column]]
header = "入院"
path = "/patient/hospitalized"
type = "boolean"

[[column]]
header = "症状"
path = "/patient/symptoms"
type = "list"
"#;

    fn opendata_mapping() -> Mapping {
        Mapping::from_toml(OPENDATA_MAPPING).expect("the test mapping is valid")
    }

    #[test]
    fn csv_utf8_lf() {
        let data = "No,都道府県名,公表_年月日\n1,岐阜県,2020-02-26\n2,岐阜県,2020-03-01\n";
        assert_eq!(
            csv(data, None),
            vec![
                Got::Ok(
                    2,
                    json!({"No": "1", "都道府県名": "岐阜県", "公表_年月日": "2020-02-26"})
                ),
                Got::Ok(
                    3,
                    json!({"No": "2", "都道府県名": "岐阜県", "公表_年月日": "2020-03-01"})
                ),
            ]
        );
    }

    #[test]
    fn csv_utf8_with_bom_and_crlf() {
        let data = "\u{feff}No,都道府県名\r\n1,東京都\r\n2,東京都";
        assert_eq!(
            csv(data, Some(&opendata_mapping())),
            vec![
                Got::Ok(2, json!({"No": 1, "都道府県名": "東京都"})),
                Got::Ok(3, json!({"No": 2, "都道府県名": "東京都"})),
            ]
        );
    }

    fn shift_jis(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!unmappable, "test text must be encodable in Shift_JIS");
        bytes.into_owned()
    }

    #[test]
    fn csv_shift_jis() {
        let text = "No,都道府県名,患者_居住地\r\n\"10,001\",岐阜県,岐阜市\r\n2,岐阜県,ｶﾀｶﾅ①\r\n";
        let bytes = shift_jis(text);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the bytes really are Shift_JIS"
        );
        let items = csv(bytes, Some(&opendata_mapping()));
        assert_eq!(
            items,
            vec![
                Got::Ok(
                    2,
                    json!({"No": "10,001", "都道府県名": "岐阜県", "患者_居住地": "岐阜市"})
                ),
                Got::Ok(
                    3,
                    json!({"No": 2, "都道府県名": "岐阜県", "患者_居住地": "ｶﾀｶﾅ①"})
                ),
            ]
        );
    }

    /// A reader that hands out a few bytes per call, so that characters straddle every boundary.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let rest = self.data.get(self.at..).unwrap_or_default();
            let n = self.step.min(out.len()).min(rest.len());
            out[..n].copy_from_slice(&rest[..n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn csv_shift_jis_streams_across_buffer_boundaries() {
        // Long enough to cross the decoder's and the csv crate's buffers many times, with an ASCII
        // prefix longer than the encoding sniffing window, and odd read sizes.
        let mut text = String::from("id,name,note\n");
        for i in 0..3000 {
            text.push_str(&format!("{i},plain,ascii only\n"));
        }
        let names = ["岐阜県", "ｶﾀｶﾅ", "髙橋", "（調査中）", "①②"];
        for i in 3000..10_000 {
            let name = names[i % names.len()];
            text.push_str(&format!("{i},{name},\"複数行\n{name}\"\n"));
        }
        let bytes = shift_jis(&text);
        for step in [7, 8191, 1 << 20] {
            let reader = Trickle {
                data: bytes.clone(),
                at: 0,
                step,
            };
            let mut count = 0;
            let mut expected_line = 2;
            for item in read(reader, Format::Csv, None) {
                let record = item.expect("every row reads");
                assert_eq!(record.line, expected_line);
                if count >= 3000 {
                    let name = names[count % names.len()];
                    assert_eq!(record.value["name"], json!(name), "row {count}");
                    assert_eq!(record.value["note"], json!(format!("複数行\n{name}")));
                }
                expected_line += if count >= 3000 { 2 } else { 1 };
                count += 1;
            }
            assert_eq!(count, 10_000, "step {step}");
        }
    }

    #[test]
    fn csv_quoted_newlines_keep_physical_line_numbers() {
        let data = "id,note,n\r\n1,\"two\r\nlines\",x\r\n2,\"three\nlines\nhere\",y\n3,plain,z\n\n4,\"\",w\n";
        let items = csv(data, None);
        assert_eq!(ok_lines(&items), vec![2, 4, 7, 9]);
        assert_eq!(
            value(&items, 0),
            &json!({"id": "1", "note": "two\r\nlines", "n": "x"})
        );
        assert_eq!(value(&items, 3), &json!({"id": "4", "n": "w"}));
    }

    #[test]
    fn csv_ragged_rows_are_unreadable_with_counts() {
        let data = "a,b,c\n1,2,3\n1,2\n1,2,3,4,5\n4,5,6\n";
        let items = csv(data, None);
        assert_eq!(ok_lines(&items), vec![2, 5]);
        assert_eq!(bad_lines(&items), vec![3, 4]);
        assert_eq!(message(&items, 1), "row has 2 cells, header has 3");
        assert_eq!(message(&items, 2), "row has 5 cells, header has 3");
    }

    #[test]
    fn csv_mapping_types_aliases_and_absent_cells() {
        let data = "No,退院済フラグ,年齢,入院,症状,公表_年月日,notification.diagnosed_on,tests.0.method,tests.1.method,備考,,\n\
                7,1,36.5,true,発熱;咳,2020-04-01,2020-03-30,PCR,抗原,,,\n\
                x7,,unknown,はい,,,,,antigen,メモ,,\n";
        let items = csv(data, Some(&opendata_mapping()));
        assert_eq!(
            items,
            vec![
                Got::Ok(
                    2,
                    json!({
                        "No": 7,
                        "患者_退院済フラグ": "1",
                        "patient": {"age": 36.5, "hospitalized": true, "symptoms": ["発熱", "咳"]},
                        "公表_年月日": "2020-04-01",
                        "notification": {"diagnosed_on": "2020-03-30"},
                        "tests": [{"method": "PCR"}, {"method": "抗原"}]
                    })
                ),
                Got::Ok(
                    3,
                    json!({
                        "No": "x7",
                        "patient": {"age": "unknown", "hospitalized": true},
                        "tests": [null, {"method": "antigen"}],
                        "備考": "メモ"
                    })
                ),
            ]
        );
    }

    #[test]
    fn csv_without_mapping_uses_dotted_paths() {
        let data = "id,notification.reported_on,tests.0.sampled_on,No.,メモ.txt\n1,2021-01-02,2021-01-01,5,a\n";
        assert_eq!(
            csv(data, None),
            vec![Got::Ok(
                2,
                json!({
                    "id": "1",
                    "notification": {"reported_on": "2021-01-02"},
                    "tests": [{"sampled_on": "2021-01-01"}],
                    "No.": "5",
                    "メモ.txt": "a"
                })
            )]
        );
    }

    #[test]
    fn csv_tab_separated() {
        let data = "No\t公表_年月日\tnote\n1\t2020-04-01\ta,b\n";
        assert_eq!(
            csv(data, Some(&opendata_mapping())),
            vec![Got::Ok(
                2,
                json!({"No": 1, "公表_年月日": "2020-04-01", "note": "a,b"})
            )]
        );
    }

    #[test]
    fn csv_invalid_utf8_costs_only_its_row() {
        let mut data = "id,name\n1,岐阜県岐阜市\n2,".as_bytes().to_vec();
        data.extend_from_slice(b"\xff\xfe\n3,ok\n");
        let items = csv(data, None);
        assert_eq!(ok_lines(&items), vec![2, 4]);
        assert_eq!(bad_lines(&items), vec![3]);
        assert_eq!(message(&items, 1), "invalid UTF-8 in column 2 `name`");
    }

    #[test]
    fn csv_empty_inputs() {
        assert_eq!(csv("", None), vec![]);
        assert_eq!(csv("\u{feff}", None), vec![]);
        assert_eq!(csv("a,b\n", None), vec![]);
        assert_eq!(csv("a,b\n,\n", None), vec![Got::Ok(2, json!({}))]);
    }

    #[test]
    fn csv_headers_first_then_records() {
        let bytes = shift_jis("No,公表_年月日,退院済フラグ,,\n1,2020-04-01,1,,\n");
        let head = kakunin::input::csv_headers(&bytes[..20]).expect("headers read");
        assert_eq!(head.first().map(String::as_str), Some("No"));

        let reader = kakunin::input::CsvReader::new(Cursor::new(bytes)).expect("headers read");
        assert_eq!(
            reader.headers(),
            ["No", "公表_年月日", "退院済フラグ", "", ""]
        );
        assert_eq!(reader.encoding(), Some("Shift_JIS"));
        let mapping = opendata_mapping();
        assert_eq!(mapping.matches_header(reader.headers()), 3);
        assert_eq!(Mapping::default().matches_header(reader.headers()), 0);
        let records: Records = reader.records(Some(&mapping));
        assert!(records.notes().is_empty());
        assert_eq!(
            got(records),
            vec![Got::Ok(
                2,
                json!({"No": 1, "公表_年月日": "2020-04-01", "患者_退院済フラグ": "1"})
            )]
        );
    }

    #[test]
    fn csv_header_and_alias_both_present_are_kept_apart() {
        let data = "患者_退院済フラグ,退院済フラグ\n1,0\n";
        let records = read(Cursor::new(data), Format::Csv, Some(&opendata_mapping()));
        assert_eq!(records.notes().len(), 1);
        assert_eq!(
            got(records),
            vec![Got::Ok(
                2,
                json!({"患者_退院済フラグ": "1", "退院済フラグ": "0"})
            )]
        );
    }

    #[test]
    fn csv_headers_the_mapping_does_not_know_are_noted() {
        // Report and diagnosis dates under headers the mapping does not know: the rows read, and
        // the note says why no mapped date field is filled.
        let data = "No,報告日,診断日\n1,2021-03-05,2021-03-02\n";
        let records = read(Cursor::new(data), Format::Csv, Some(&opendata_mapping()));
        assert_eq!(
            records.notes(),
            [Note::NotMapped {
                columns: vec![(2, "報告日".into()), (3, "診断日".into())],
                count: 2
            }]
        );
        assert_eq!(
            english(records.notes()),
            [
                "2 columns are not in the mapping; their cells are kept under their headers as keys, \
              not read as mapped fields: column 2 `報告日`, column 3 `診断日`"
            ]
        );
        assert_eq!(
            got(records),
            vec![Got::Ok(
                2,
                json!({"No": 1, "報告日": "2021-03-05", "診断日": "2021-03-02"})
            )]
        );
    }

    #[test]
    fn csv_whose_header_row_maps_nothing_is_noted_plainly() {
        let nothing = "no column of the header row is in the mapping, so no record has any mapped \
                       field: most likely the wrong file or the wrong pack, or a file that is not \
                       CSV (such as JSON Lines named .csv)";
        let mapping = opendata_mapping();
        let records = read(
            Cursor::new("garbage text here\nr1\n"),
            Format::Csv,
            Some(&mapping),
        );
        assert_eq!(english(records.notes()), [nothing]);
        assert_eq!(
            got(records),
            vec![Got::Ok(2, json!({"garbage text here": "r1"}))]
        );
        // A header line alone reads no record, and still says why nothing would map.
        let records = read(
            Cursor::new("garbage text here\n"),
            Format::Csv,
            Some(&mapping),
        );
        assert_eq!(english(records.notes()), [nothing]);
        assert_eq!(records.count(), 0);
        // JSON Lines named .csv: the first record's text is not put in the note.
        let jsonl = "{\"No\": 1, \"患者_居住地\": \"岐阜市\"}\n{\"No\": 2}\n";
        let records = read(Cursor::new(jsonl), Format::Csv, Some(&mapping));
        assert_eq!(english(records.notes()), [nothing]);
        // An empty file has no header row to judge.
        let records = read(Cursor::new(""), Format::Csv, Some(&mapping));
        assert!(records.notes().is_empty());
    }

    #[test]
    fn mapping_lists_its_headers() {
        let mapping = opendata_mapping();
        let headers: Vec<&str> = mapping.headers().collect();
        assert!(headers.contains(&"患者_退院済フラグ") && headers.contains(&"退院済フラグ"));
        assert_eq!(
            mapping.column(" 退院済フラグ ").map(|c| c.path.as_str()),
            Some("/患者_退院済フラグ")
        );
    }

    // All formats
    /// Damaged copies of valid inputs (bytes flipped, cut, duplicated) read by every reader: no
    /// panic, and every reader comes to an end.
    #[test]
    fn damaged_inputs_never_panic() {
        let samples: Vec<Vec<u8>> = vec![
            b"[\n{\"a\": [1, {\"b\": \"x\\\"y\"}]},\n{\"c\": null}\n]\n".to_vec(),
            b"{\"a\": 1}\r\n{\"b\": [true, false]}\n".to_vec(),
            "No,名前,notification.x\r\n1,\"a\r\nb\",2\r\n"
                .as_bytes()
                .to_vec(),
            shift_jis("No,名前\n\"1,000\",岐阜\n"),
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mapping = opendata_mapping();
        let interesting = b"[]{}\",:\\\n\r \t\xEF\xBB\xBF\x82\xff0a.;";
        for round in 0..3000 {
            let mut data = samples[round % samples.len()].clone();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % (data.len() + 1);
                match next() % 4 {
                    0 if at < data.len() => {
                        data[at] = interesting[(next() as usize) % interesting.len()]
                    }
                    1 => data.truncate(at),
                    2 => data.insert(at, interesting[(next() as usize) % interesting.len()]),
                    _ => {
                        let tail = data.get(at..).unwrap_or_default().to_vec();
                        data.extend_from_slice(&tail);
                    }
                }
            }
            for format in [Format::JsonLines, Format::JsonArray, Format::Csv] {
                let items = read(Cursor::new(data.clone()), format, Some(&mapping)).count();
                assert!(
                    items <= data.len() + 1,
                    "{format}: {items} items from {} bytes",
                    data.len()
                );
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Real published files (data/external, outside the repository): skipped when absent.

    fn external(relative: &str) -> Option<PathBuf> {
        let roots = [
            std::env::var("KAKUNIN_EXTERNAL_DATA")
                .ok()
                .map(PathBuf::from),
            Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/external")),
            Some(PathBuf::from("/work/shared/data/external")),
        ];
        let found = roots
            .into_iter()
            .flatten()
            .map(|root| root.join(relative))
            .find(|p| p.is_file());
        if found.is_none() {
            println!("skipped: data/external/{relative} is not on this machine");
        }
        found
    }

    /// Data rows counted by the csv crate alone, on the raw bytes (the delimiter and quotes are
    /// ASCII in Shift_JIS too), as an independent check of the reader's count.
    fn count_rows(path: &Path) -> usize {
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_path(path)
            .expect("open the file");
        reader.byte_records().filter(Result::is_ok).count()
    }

    fn read_file(path: &Path, mapping: &Mapping) -> Vec<Got> {
        let file = std::fs::File::open(path).expect("open the file");
        got(read(file, Format::Csv, Some(mapping)))
    }

    #[test]
    fn gifu_shift_jis_files_read_completely() {
        for name in [
            "gifu-patients/210005_gifu_covid19_patients.csv",
            "gifu-patients/210005_gifu_covid19_patients_10000.csv",
        ] {
            let Some(path) = external(name) else {
                continue;
            };
            let rows = count_rows(&path);
            let items = read_file(&path, &opendata_mapping());
            assert_eq!(bad_lines(&items), Vec::<u64>::new(), "{name}");
            assert_eq!(items.len(), rows, "{name}");
            assert!(rows >= 10_000, "{name}");
            let first = value(&items, 0);
            assert_eq!(first["都道府県名"], json!("岐阜県"));
            assert!(
                first["公表_年月日"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("202"))
            );
            // No carries a thousands separator from 1,000 on: it stays a string for a rule to see.
            let last = value(&items, items.len() - 1);
            assert!(
                last["No"].as_str().is_some_and(|n| n.contains(',')),
                "{:?}",
                last["No"]
            );
            // The trailing unnamed columns of the second file are dropped.
            assert!(first.as_object().is_some_and(|o| !o.contains_key("")));
            assert_eq!(ok_lines(&items).last().copied(), Some(rows as u64 + 1));
        }
    }

    #[test]
    fn tokyo_utf8_bom_crlf_file_reads_completely() {
        let Some(path) = external("tokyo-patients-20200404/130001_tokyo_covid19_patients.csv")
        else {
            return;
        };
        let rows = count_rows(&path);
        let items = read_file(&path, &opendata_mapping());
        assert_eq!(bad_lines(&items), Vec::<u64>::new());
        assert_eq!(items.len(), rows);
        let first = value(&items, 0);
        assert_eq!(first["No"], json!(1));
        assert_eq!(first["都道府県名"], json!("東京都"));
        // Tokyo's 退院済フラグ lands where the recommended 患者_退院済フラグ goes.
        assert!(
            items
                .iter()
                .any(|g| matches!(g, Got::Ok(_, v) if v.get("患者_退院済フラグ").is_some()))
        );
        assert!(
            items
                .iter()
                .all(|g| matches!(g, Got::Ok(_, v) if v.get("退院済フラグ").is_none()))
        );
    }
}

/// A workbook kept as a line list by hand (`data/line-list.xlsx`, written with its CSV twin by
/// `data/make_workbook.py`): its first sheet reads as the same records as the CSV, numbered by
/// their rows in the sheet.
#[cfg(feature = "files")]
mod workbooks {
    use std::path::Path;

    use kakunin::input::{CsvReader, Records, open_file};

    use super::*;

    fn data(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name)
    }

    fn hersys_mapping() -> Mapping {
        let text = include_str!("../../rules/hersys/mapping.toml");
        Mapping::from_toml(text).expect("the bundled mapping is valid")
    }

    fn open(name: &str, format: Format, mapping: Option<&Mapping>) -> Records {
        read(
            open_file(&data(name)).expect("fixture opens"),
            format,
            mapping,
        )
    }

    #[test]
    fn a_sheet_reads_as_its_csv_export_numbered_by_its_rows() {
        let mapping = hersys_mapping();
        for mapping in [None, Some(&mapping)] {
            let sheet: Vec<Got> = got(open("line-list.xlsx", Format::Workbook, mapping));
            let csv: Vec<Got> = got(open("line-list.csv", Format::Csv, mapping));
            assert_eq!(sheet.len(), 24);
            let values = |gots: &[Got]| -> Vec<Value> {
                gots.iter()
                    .map(|g| match g {
                        Got::Ok(_, v) => v.clone(),
                        Got::Bad(line, message) => panic!("line {line}: {message}"),
                    })
                    .collect()
            };
            assert_eq!(values(&sheet), values(&csv));
            // Title and blank row above the header (row 3); a blank row after the twelfth
            // record; a line break inside a cell of the third moves no row.
            let rows: Vec<u64> = (sheet.iter())
                .map(|g| match g {
                    Got::Ok(line, _) | Got::Bad(line, _) => *line,
                })
                .collect();
            let want: Vec<u64> = (4..=15).chain(17..=28).collect();
            assert_eq!(rows, want);
        }
        let typed = got(open(
            "line-list.xlsx",
            Format::Workbook,
            Some(&hersys_mapping()),
        ));
        let Got::Ok(_, first) = &typed[0] else {
            panic!("{typed:?}")
        };
        // A date cell is the day's text; a number cell in a number column is a number.
        assert!(
            first["notification"]["diagnosed_on"]
                .as_str()
                .is_some_and(|d| d.len() == 10)
        );
        assert!(
            first["notification"]["patient"]["age"].is_number(),
            "{first}"
        );
    }

    #[test]
    fn what_was_chosen_of_the_workbook_is_noted() {
        let records = open("line-list.xlsx", Format::Workbook, None);
        assert_eq!(
            records.notes()[..2],
            [
                Note::FirstSheet {
                    sheet: "患者一覧".into(),
                    sheets: 2
                },
                Note::HeaderRow {
                    sheet: "患者一覧".into(),
                    row: 3
                }
            ]
        );
        let notes = english(records.notes()).join("\n");
        assert!(
            notes.contains("sheet `患者一覧` read, the first of 2 sheets"),
            "{notes}"
        );
        assert!(notes.contains("row 3 is the header"), "{notes}");
        let reader = CsvReader::from_workbook(open_file(&data("line-list.xlsx")).expect("opens"))
            .expect("a workbook");
        assert_eq!(reader.headers().first().map(String::as_str), Some("id"));
    }

    #[test]
    fn bytes_that_are_not_a_workbook_are_one_unreadable_record() {
        let items = read_bytes("id,age\n1,2\n", Format::Workbook, None);
        assert!(
            matches!(&items[..], [Got::Bad(1, message)] if message.contains("not a workbook")),
            "{items:?}"
        );
    }
}
