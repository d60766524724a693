//! Batch input: JSON Lines, JSON array and CSV files turned into records, one at a time.
//!
//! Every reader streams: memory stays proportional to the largest record, never to the file, so
//! a prefectural line list of millions of rows reads like a small one. Each item is either a
//! record with the physical line it starts on, or an [`Unreadable`] naming that line and what is
//! wrong; a bad record never stops the run, because every input record must be accounted for
//! (DESIGN.md, "Batch"). No input makes a reader panic.
//!
//! ```
//! use kakunin::input::{read, Format};
//!
//! let data = "{\"id\": \"a\"}\nnot json\n{\"id\": \"b\"}\n";
//! let items: Vec<_> = read(std::io::Cursor::new(data), Format::JsonLines, None).collect();
//! assert_eq!(items.len(), 3);
//! assert!(items[1].is_err());
//! ```

mod json;
mod json_array;
mod jsonl;
mod mapping;
mod note;

#[cfg(feature = "files")]
mod decode;
#[cfg(feature = "files")]
mod open;
#[cfg(feature = "files")]
mod table;
#[cfg(feature = "files")]
mod workbook;

use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use serde_json::Value;

pub use jsonl::UnparsedLines;
pub use mapping::{Cell, Column, ColumnScreen, ColumnType, Labels, Layout, Mapping, Reused};
pub use note::Note;
#[cfg(feature = "files")]
pub use note::{FileKind, OpenError, Unopened};
#[cfg(feature = "files")]
pub use open::{open_file, unpacked};
#[cfg(feature = "files")]
pub use table::{CsvReader, csv_headers};

/// The largest record (a JSON line, array element or object) a reader will hold in memory.
///
/// Records of 100 MB are fine; the cap exists so that a wrong `--format` on a multi-gigabyte file
/// (which then looks like one endless line) ends in an [`Unreadable`] rather than exhausting
/// memory.
pub const MAX_RECORD_BYTES: usize = 1 << 30;

/// How much of the start of a file [`Format::of_reader`] reads to tell its format: enough for
/// a CSV header row hundreds of columns wide, and for the first line of JSON Lines.
pub const HEAD_BYTES: usize = 64 * 1024;

/// The layout of a batch file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
    /// A JSON array of objects (`.json`); also a single object or objects one after another.
    JsonArray,
    /// A table with a header row (`.csv`, `.tsv`), columns mapped to record paths by a [`Mapping`].
    Csv,
    /// An Excel workbook or OpenDocument spreadsheet (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`):
    /// its first sheet, read as [`Format::Csv`] (see [`read`]).
    Workbook,
}

impl Format {
    /// The format of a file, from its extension and, where that is missing or ambiguous, from the
    /// first bytes of its content (`head`; a few KB are plenty).
    ///
    /// `.json` files in the wild hold an array, a single object or JSON Lines, so for them the
    /// content decides between [`Format::JsonArray`] and [`Format::JsonLines`]. A `.csv` file
    /// whose first line is a whole JSON object is JSON Lines saved under the wrong name (no CSV
    /// header starts with `{` and ends with `}`): read as CSV, its first record would become the
    /// header and its personal values column names.
    pub fn detect(path: &Path, head: &[u8]) -> Format {
        match Format::from_extension(path) {
            Some(Format::JsonArray) => match sniff(head) {
                Format::Csv => Format::JsonArray,
                json => json,
            },
            Some(Format::Csv) => match sniff(head) {
                Format::JsonLines => Format::JsonLines,
                _ => Format::Csv,
            },
            Some(format) => format,
            None => sniff(head),
        }
    }

    /// The format of the file at `path`: `explicit` when given (a user's `--format`), otherwise
    /// what its name and first bytes say ([`Format::of_reader`]). The file is opened either way
    /// ([`open_file`]), so a missing, unreadable or refused file is an error here, before any
    /// record is read.
    ///
    /// ```
    /// use kakunin::input::{Format, Unopened};
    ///
    /// let missing = Format::of_file("no/such.csv".as_ref(), None).unwrap_err();
    /// assert!(matches!(missing.why, Unopened::Missing));
    /// ```
    #[cfg(feature = "files")]
    pub fn of_file(path: &Path, explicit: Option<Format>) -> Result<Format, OpenError> {
        let file = open_file(path)?;
        Ok(explicit.unwrap_or_else(|| Format::of_reader(path, file)))
    }

    /// [`Format::detect`] on the first [`HEAD_BYTES`] of `reader` (as [`unpacked`] gives it:
    /// decompressed), the input named `name` (`-` for standard input). What was read before a
    /// read error (a gzip stream cut short) still tells the format: the reader of the records
    /// meets the error again and reports it as an unreadable record of its line.
    pub fn of_reader(name: &Path, reader: impl Read) -> Format {
        let mut head = Vec::with_capacity(HEAD_BYTES);
        let _ = reader.take(HEAD_BYTES as u64).read_to_end(&mut head);
        Format::detect(name, &head)
    }

    /// The format named by a file's extension alone (case-insensitive), if it names one; for a
    /// compressed file (`cases.csv.gz`), the extension before `.gz`.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gz" => Format::from_extension(Path::new(path.file_stem()?)),
            "jsonl" | "ndjson" | "jsonlines" => Some(Format::JsonLines),
            "json" => Some(Format::JsonArray),
            "csv" | "tsv" => Some(Format::Csv),
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Some(Format::Workbook),
            _ => None,
        }
    }

    /// The short name used on command lines and in reports: `jsonl`, `json`, `csv` or `xlsx`.
    pub fn name(self) -> &'static str {
        match self {
            Format::JsonLines => "jsonl",
            Format::JsonArray => "json",
            Format::Csv => "csv",
            Format::Workbook => "xlsx",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Accepts the names a user is likely to type for `--format`.
    fn from_str(s: &str) -> Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "jsonlines" | "json-lines" => Ok(Format::JsonLines),
            "json" | "json-array" => Ok(Format::JsonArray),
            "csv" | "tsv" => Ok(Format::Csv),
            "xlsx" | "xls" | "ods" | "excel" | "workbook" => Ok(Format::Workbook),
            _ => Err(format!(
                "unknown input format `{}` (expected jsonl, json, csv or xlsx)",
                crate::ruleset::quoted_text(s)
            )),
        }
    }
}

/// Guesses the format from content: `[` is an array, `{` is JSON Lines when the first line holds
/// a whole object (otherwise a pretty-printed object, read by the array reader), anything else CSV.
fn sniff(head: &[u8]) -> Format {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(rest) = start.and_then(|i| head.get(i..)) else {
        return Format::Csv;
    };
    match rest.first() {
        Some(b'[') => Format::JsonArray,
        Some(b'{') => {
            let first_line = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
            if first_line.trim_ascii_end().ends_with(b"}") {
                Format::JsonLines
            } else {
                Format::JsonArray
            }
        }
        _ => Format::Csv,
    }
}

/// One record read from a batch file.
#[derive(Debug, Clone, PartialEq)]
pub struct InputRecord {
    /// 1-based physical line on which the record starts (in CSV the header is line 1), so a user
    /// can open the file at the right place even when quoted cells span lines.
    pub line: u64,
    /// The record, always a JSON object.
    pub value: Value,
}

/// A record that could not be read; the run goes on after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct Unreadable {
    /// 1-based physical line on which the unreadable record starts.
    pub line: u64,
    /// One line of English saying what is wrong, e.g. `row has 5 cells, header has 16`.
    pub message: String,
}

/// What a batch reader yields: a record, or why one could not be read.
pub type Item = Result<InputRecord, Unreadable>;

/// The records of a batch file, in file order.
///
/// A named type rather than a boxed iterator so that the per-record call is static; it is `Send`,
/// so a reader can feed a parallel checker from another thread.
pub struct Records {
    inner: Inner,
    notes: Vec<Note>,
}

enum Inner {
    Lines(jsonl::JsonLines<Box<dyn Read + Send>>),
    Array(json_array::JsonArray<Box<dyn Read + Send>>),
    #[cfg(feature = "files")]
    Csv(Box<table::CsvRows>),
    /// A reader that failed before its first record: yields that one failure.
    Failed(Option<Unreadable>),
}

impl Records {
    /// Notes about decisions the reader made that a user should know of, such as a CSV column
    /// whose path collides with another's and is kept under its header instead; each says
    /// itself in either language ([`Note::message`]).
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// Builds of each record only `fields`, where the reader can leave the rest out (the
    /// columns of CSV; JSON is read whole): what a plan's rules read ([`crate::Plan::fields`]),
    /// or what one read of a batch uses ([`crate::batch::CrossPass::fields`]). Records are
    /// built whole unless this is called, for callers that read fields no rule reads.
    #[cfg(feature = "files")]
    pub fn keeping(mut self, fields: crate::Fields<'_>) -> Records {
        if let Inner::Csv(rows) = &mut self.inner {
            // Before any row is handed out, so the shape is not shared yet and is not copied.
            std::sync::Arc::make_mut(&mut rows.shape)
                .layout
                .keep_fields(fields);
        }
        self
    }

    /// Screens CSV rows for `plan`, the plan they are checked with
    /// ([`Layout::screen_for`]): a row that the rules judging values alone accept is built
    /// without the columns only they read. Call it after [`Records::keeping`], on the read
    /// whose records are checked.
    #[cfg(feature = "files")]
    pub fn screened_for(mut self, rules: &crate::RuleSet, plan: &crate::Plan) -> Records {
        if let Inner::Csv(rows) = &mut self.inner {
            std::sync::Arc::make_mut(&mut rows.shape)
                .layout
                .screen_for(rules, plan);
        }
        self
    }

    /// Builds of each record only `fields` (without CSV, every reader builds records whole).
    #[cfg(not(feature = "files"))]
    pub fn keeping(self, _fields: crate::Fields<'_>) -> Records {
        self
    }

    /// The records as batch items: CSV rows as their cells, built into records by the threads
    /// that check them (a reader that only splits rows keeps up with more checking threads);
    /// records of other formats as read.
    pub fn into_items(self) -> Box<dyn Iterator<Item = crate::batch::Item> + Send> {
        match self.inner {
            #[cfg(feature = "files")]
            Inner::Csv(rows) => Box::new(rows.unbuilt()),
            inner => Box::new(
                Records {
                    inner,
                    notes: self.notes,
                }
                .map(crate::batch::Item::from),
            ),
        }
    }

    fn failed(unreadable: Unreadable) -> Records {
        Records {
            inner: Inner::Failed(Some(unreadable)),
            notes: Vec::new(),
        }
    }
}

impl Iterator for Records {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        match &mut self.inner {
            Inner::Lines(lines) => lines.next(),
            Inner::Array(array) => array.next(),
            #[cfg(feature = "files")]
            Inner::Csv(rows) => rows.next(),
            Inner::Failed(failure) => failure.take().map(Err),
        }
    }
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.inner {
            Inner::Lines(_) => "jsonl",
            Inner::Array(_) => "json",
            #[cfg(feature = "files")]
            Inner::Csv(_) => "csv",
            Inner::Failed(_) => "failed",
        };
        f.debug_struct("Records").field("format", &kind).finish()
    }
}

/// Reads records from `reader` in the given format.
///
/// `mapping` only matters for CSV (headers to record paths and types); without one every header
/// is kept as is, dotted headers (`notification.diagnosed_on`) becoming nested paths. To choose a
/// mapping by the headers first (pack detection), open the file with [`CsvReader::new`] instead.
///
/// The reader is buffered here; pass a plain `File`.
pub fn read<R: Read + Send + 'static>(
    reader: R,
    format: Format,
    mapping: Option<&Mapping>,
) -> Records {
    let reader: Box<dyn Read + Send> = Box::new(reader);
    match format {
        Format::JsonLines => Records {
            inner: Inner::Lines(jsonl::JsonLines::new(reader, MAX_RECORD_BYTES)),
            notes: Vec::new(),
        },
        Format::JsonArray => Records {
            inner: Inner::Array(json_array::JsonArray::new(reader, MAX_RECORD_BYTES)),
            notes: Vec::new(),
        },
        Format::Csv => read_csv(reader, mapping),
        Format::Workbook => read_workbook(reader, mapping),
    }
}

/// JSON Lines split into lines but not parsed, for parsing on the threads that check them.
pub fn read_unparsed<R: Read + Send + 'static>(reader: R) -> UnparsedLines<Box<dyn Read + Send>> {
    UnparsedLines::new(Box::new(reader), MAX_RECORD_BYTES)
}

/// Parses one line of JSON Lines (as [`read_unparsed`] gives it) into a record.
pub fn parse_json_line(bytes: &[u8], line: u64) -> Item {
    json::parse_object(bytes, line, 1)
}

/// `bytes` as text, validated with SIMD where the CPU has it; std's error (with the position
/// of the first bad byte) when they are not UTF-8.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes))
}

/// [`parse_json_line`] building only the fields a plan's rules read.
pub fn parse_json_line_for(bytes: &[u8], line: u64, plan: &crate::Plan) -> Item {
    json::parse_object_with(bytes, line, 1, |text| plan.parse_record(text))
}

#[cfg(feature = "files")]
fn read_csv(reader: Box<dyn Read + Send>, mapping: Option<&Mapping>) -> Records {
    match CsvReader::new(reader) {
        Ok(csv) => csv.records(mapping),
        Err(unreadable) => Records::failed(unreadable),
    }
}

#[cfg(feature = "files")]
fn read_workbook(reader: Box<dyn Read + Send>, mapping: Option<&Mapping>) -> Records {
    workbook::read(reader, mapping)
}

#[cfg(not(feature = "files"))]
fn read_csv(_reader: Box<dyn Read + Send>, _mapping: Option<&Mapping>) -> Records {
    without_files("CSV")
}

#[cfg(not(feature = "files"))]
fn read_workbook(_reader: Box<dyn Read + Send>, _mapping: Option<&Mapping>) -> Records {
    without_files("Workbook")
}

#[cfg(not(feature = "files"))]
fn without_files(what: &str) -> Records {
    Records::failed(Unreadable {
        line: 1,
        message: format!("{what} input needs kakunin built with the `files` feature"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_by_extension_then_content() {
        let p = Path::new;
        assert_eq!(Format::detect(p("a.jsonl"), b"["), Format::JsonLines);
        assert_eq!(Format::detect(p("a.NDJSON"), b""), Format::JsonLines);
        assert_eq!(Format::detect(p("a.csv"), b"{"), Format::Csv);
        assert_eq!(Format::detect(p("a.csv"), b"[ID],x\n"), Format::Csv);
        assert_eq!(
            Format::detect(
                p("a.csv"),
                b"\xEF\xBB\xBF{\"id\": \"r1\"}\n{\"id\": \"r2\"}\n"
            ),
            Format::JsonLines
        );
        assert_eq!(Format::detect(p("a.tsv"), b""), Format::Csv);
        assert_eq!(
            Format::detect(p("a.CSV.gz"), b"{\"id\": 1}\n"),
            Format::JsonLines
        );
        assert_eq!(
            Format::detect(p("a.jsonl.gz"), b"id,age\n"),
            Format::JsonLines
        );
        assert_eq!(Format::detect(p("a.gz"), b"id,age\n"), Format::Csv);
        assert_eq!(Format::detect(p("a.json"), b"  [{}]"), Format::JsonArray);
        assert_eq!(
            Format::detect(p("a.json"), b"{\"a\":1}\n{\"a\":2}\n"),
            Format::JsonLines
        );
        assert_eq!(
            Format::detect(p("a.json"), b"{\n  \"a\": 1\n}\n"),
            Format::JsonArray
        );
        assert_eq!(Format::detect(p("a.json"), b"garbage"), Format::JsonArray);
        assert_eq!(
            Format::detect(p("data"), b"\xEF\xBB\xBF[{}]"),
            Format::JsonArray
        );
        assert_eq!(Format::detect(p("data"), b"{\"a\":1}"), Format::JsonLines);
        assert_eq!(
            Format::detect(p("data.txt"), "No,名前\n1,a".as_bytes()),
            Format::Csv
        );
        assert_eq!(Format::detect(p("-"), b""), Format::Csv);
    }

    /// What a batch item stands for, built: the line and the record or the message.
    fn built(item: crate::batch::Item) -> (u64, Result<Value, String>) {
        use crate::batch::Item;
        match item {
            Item::Record { line, value } => (line, Ok(value)),
            Item::Unbuilt { line, record } => (line, record.build()),
            Item::Unreadable { line, message } => (line, Err(message)),
            Item::Unparsed { line, .. } | Item::Row { line, .. } | Item::Shared { line, .. } => {
                (line, Err("unexpected".into()))
            }
        }
    }

    #[test]
    #[cfg(feature = "files")]
    fn csv_rows_built_later_are_the_records_read() {
        // BOM, CRLF, a quoted cell with a newline, a ragged row, an empty cell, a mapped
        // (dotted) column.
        let data = "\u{feff}id,basic.sex,note\r\na,male,\"two\r\nlines\"\r\nb,female\r\nc,,x\r\n";
        let read = || {
            super::read(
                std::io::Cursor::new(data.as_bytes().to_vec()),
                Format::Csv,
                None,
            )
        };
        let now: Vec<_> = read().map(|item| built(item.into())).collect();
        let later: Vec<_> = read()
            .into_items()
            .map(|item| {
                assert!(
                    !matches!(item, crate::batch::Item::Record { .. }),
                    "{item:?}"
                );
                built(item)
            })
            .collect();
        assert_eq!(now, later);
        assert_eq!(
            now.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
            [2, 4, 5]
        );
        assert!(now[1].1.is_err() && now[2].1.is_ok());
    }

    #[test]
    fn format_names_round_trip() {
        for f in [Format::JsonLines, Format::JsonArray, Format::Csv] {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert!("xml".parse::<Format>().is_err());
        // A caller's value is quoted by its first characters, not echoed whole.
        let error = "x".repeat(1 << 20).parse::<Format>().unwrap_err();
        assert!(
            error.len() < 400 && error.contains('…'),
            "{} bytes",
            error.len()
        );
    }
}
