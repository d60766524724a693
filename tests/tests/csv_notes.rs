//! The bundled packs' mappings against the headers real CSV files bring: the headers they were
//! written for read without a note; headers they do not know are named.

use std::io::Cursor;
use std::path::PathBuf;

use kakunin::Locale;
use kakunin::input::{CsvReader, Format, Mapping, read};

fn mapping(pack: &str) -> Mapping {
    let rules = kakunin_rules::bundled(pack).expect("bundled pack");
    rules.csv_mapping().expect("mapping").expect("mapping.toml")
}

/// The notes on a CSV file's header row, in English.
fn notes(pack: &str, csv: &str) -> Vec<String> {
    read(
        Cursor::new(csv.to_owned()),
        Format::Csv,
        Some(&mapping(pack)),
    )
    .notes()
    .iter()
    .map(|note| note.message(Locale::En))
    .collect()
}

#[test]
fn the_hersys_flat_csv_header_has_no_note() {
    // What `kakunin sample --format csv` writes: aliases and dotted paths only.
    let header = kakunin_sample::flat_headers().join(",");
    assert!(header.contains("notification.tests.0.method"));
    assert_eq!(
        notes("hersys", &format!("{header}\n")),
        Vec::<String>::new()
    );
}

#[test]
fn the_published_opendata_headers_have_no_note() {
    // Tokyo's header (退院済フラグ is an alias), and Gifu's two layouts, the second with four
    // unnamed trailing columns (data/external/*/PROVENANCE.md).
    let headers = [
        "No,全国地方公共団体コード,都道府県名,市区町村名,公表_年月日,曜日,発症_年月日,患者_居住地,\
         患者_年代,患者_性別,患者_属性,患者_状態,患者_症状,患者_渡航歴の有無フラグ,備考,退院済フラグ",
        "No,全国地方公共団体コード,都道府県名,市区町村名,公表_年月日,発症_年月日,患者_居住地,\
         患者_年代,患者_性別,患者_属性,患者_状態,患者_症状,患者_渡航歴の有無フラグ",
        "No,全国地方公共団体コード,都道府県名,市区町村名,公表_年月日,発症_年月日,患者_居住地,\
         患者_年代,患者_性別,患者_属性,患者_状態,患者_症状,患者_渡航歴の有無フラグ,,,,",
    ];
    for header in headers {
        assert_eq!(
            notes("opendata", &format!("\u{feff}{header}\r\n")),
            Vec::<String>::new(),
            "{header}"
        );
    }
}

/// The real files themselves, where this machine has them (outside the repository).
#[test]
fn the_published_opendata_files_have_no_note() {
    let root = std::env::var("KAKUNIN_EXTERNAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/work/shared/data/external"));
    let mapping = mapping("opendata");
    for name in [
        "tokyo-patients-20200404/130001_tokyo_covid19_patients.csv",
        "gifu-patients/210005_gifu_covid19_patients.csv",
        "gifu-patients/210005_gifu_covid19_patients_10000.csv",
    ] {
        let Ok(file) = std::fs::File::open(root.join(name)) else {
            println!("skipped: {name} is not on this machine");
            continue;
        };
        let csv = CsvReader::new(file).expect("header row");
        assert!(mapping.matches_header(csv.headers()) >= 13, "{name}");
        assert_eq!(csv.records(Some(&mapping)).notes(), [], "{name}");
    }
}

#[test]
fn dates_under_headers_hersys_does_not_know_are_named() {
    // The audit's file: the rules would report both dates missing; the note says why.
    assert_eq!(
        notes("hersys", "ID,報告日,診断日\nr1,2021-03-05,2021-03-02\n"),
        [
            "2 columns are not in the mapping; their cells are kept under their headers as keys, \
          not read as mapped fields: column 2 `報告日`, column 3 `診断日`"
        ]
    );
    let nothing = notes("opendata", "garbage text here\n");
    assert_eq!(nothing.len(), 1);
    assert!(
        nothing[0].starts_with("no column of the header row is in the mapping"),
        "{nothing:?}"
    );
}

#[test]
fn headers_naming_fields_of_the_record_are_read_onto_them_without_a_note() {
    // A table made of records: `tests` and `acknowledged` are top-level fields of the hersys
    // record schema, read onto those fields though the mapping, written for flat CSV, does not
    // list them. `vaccinations` is only `/notification/vaccinations`, so at the top it lands on
    // no field and is still named, as is a header the schema does not know at all.
    let csv = "id,報告日,tests,acknowledged,vaccinations,notification.diagnosed_on\n\
               r1,2021-03-05,\"[{\"\"method\"\":\"\"pcr\"\"}]\",\"[\"\"R001\"\"]\",\"[\"\"x\"\"]\",2021-03-02\n";
    let noted = notes("hersys", csv);
    assert_eq!(
        noted,
        [
            "2 columns are not in the mapping; their cells are kept under their headers as keys, \
             not read as mapped fields: column 2 `報告日`, column 5 `vaccinations`"
        ]
    );
    assert!(!noted[0].contains("R001") && !noted[0].contains("pcr"));
    let records: Vec<serde_json::Value> = read(
        Cursor::new(csv.to_owned()),
        Format::Csv,
        Some(&mapping("hersys")),
    )
    .map(|item| item.expect("record").value)
    .collect();
    assert_eq!(records[0]["tests"], "[{\"method\":\"pcr\"}]");
    assert_eq!(records[0]["acknowledged"], "[\"R001\"]");

    // A field's header alone is something in the mapping's place, and it still names its
    // unknown companions.
    assert_eq!(
        notes("hersys", "acknowledged,メモ\n"),
        [
            "column 2 `メモ` is not in the mapping; its cells are kept under the key `メモ`, not \
             read as a mapped field"
        ]
    );

    // A field's header that collides with an earlier column lands on no field: noted as before.
    assert_eq!(
        notes("hersys", "tests.0.method,tests\n"),
        [
            "column 2 `tests` collides with an earlier column; kept under the key `tests (2)`",
            "column 2 `tests` is not in the mapping; its cells are kept under the key `tests`, not \
             read as a mapped field"
        ]
    );
}
