//! Excel workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`) and OpenDocument spreadsheets (`.ods`):
//! HER-SYS exports its line lists as CSV or Excel, and health centres keep theirs in Excel.
//!
//! The first sheet is read as a CSV export of it would be, and then by the CSV reader, so a
//! sheet's columns are mapped, typed and noted exactly as a CSV file's:
//! - the header is the first row with two or more cells filled (a title row above it, typical
//!   of a line list kept by hand, is passed over);
//! - each cell is the text Excel's own CSV export writes: a date as `2021-03-12` (with its time
//!   when it has one), a whole number without `.0`, `TRUE`/`FALSE`, an error as `#N/A`;
//! - rows with no cell filled are passed over (a sheet's used range often runs past its data);
//! - a record's line is its row in the sheet, as the spreadsheet numbers rows.
//!
//! Unlike CSV, a workbook is read whole into memory before its first record (its formats are
//! archives, not streams): fine for the line lists people keep in Excel, tens of thousands of
//! rows; a file of millions of records is better exported as CSV.

use std::io::{Cursor, Read};
use std::sync::Arc;

use calamine::{Data, Reader};

use super::table::CsvReader;
use super::{Mapping, Note, Records, Unreadable};

/// A workbook's first sheet, read as CSV ([`CsvReader`]), with what a user should know of the
/// choices made (which sheet, which row is the header).
pub(crate) fn open(mut reader: impl Read) -> Result<(CsvReader, Vec<Note>), Unreadable> {
    let unreadable = |message: String| Unreadable { line: 1, message };
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(format!("read error: {e}")))?;
    // The workbook formats are parsed by a library: should it panic on a malformed file, that
    // file is unreadable and the run goes on.
    let (name, sheets, range) = std::panic::catch_unwind(|| first_sheet(&bytes))
        .unwrap_or_else(|_| Err("the workbook could not be read: its reader failed on it".into()))
        .map_err(unreadable)?;
    let mut notes = Vec::new();
    if sheets > 1 {
        notes.push(Note::FirstSheet {
            sheet: name.clone(),
            sheets,
        });
    }
    let (csv, rows, header_row) = as_csv(&range);
    if header_row > 1 {
        notes.push(Note::HeaderRow {
            sheet: name,
            row: header_row,
        });
    }
    let reader = CsvReader::new(Cursor::new(csv))?.with_rows(rows.into());
    Ok((reader, notes))
}

/// The first sheet of a workbook: its name, how many sheets there are, and its cells.
fn first_sheet(bytes: &[u8]) -> Result<(String, usize, calamine::Range<Data>), String> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("not a workbook this reader knows: {e}"))?;
    let names = book.sheet_names();
    let first = names.first().ok_or("the workbook has no sheet")?;
    let range = book
        .worksheet_range(first)
        .map_err(|e| format!("sheet `{first}`: {e}"))?;
    Ok((first.clone(), names.len(), range))
}

/// Reads a workbook's first sheet as records (see the module's documentation).
pub(crate) fn read(reader: impl Read, mapping: Option<&Mapping>) -> Records {
    match open(reader) {
        Ok((csv, notes)) => {
            let mut records = csv.records(mapping);
            // What the sheet's reading decided comes before what its header row did.
            records.notes.splice(0..0, notes);
            records
        }
        Err(unreadable) => Records::failed(unreadable),
    }
}

/// The sheet as CSV text; the sheet row (1-based) of each line of that text; and the row of
/// the header.
fn as_csv(range: &calamine::Range<Data>) -> (Vec<u8>, Vec<u64>, u64) {
    // Rows of the sheet above the used range are empty and not in it.
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row)) + 1;
    let filled = |row: &[Data]| row.iter().filter(|c| !is_empty(c)).count();
    let header_at = range.rows().position(|row| filled(row) >= 2).unwrap_or(0);
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut rows_of_lines = Vec::new();
    for (at, row) in range.rows().enumerate().skip(header_at) {
        if at > header_at && filled(row) == 0 {
            continue;
        }
        let sheet_row = first_row + at as u64;
        // Every line of the row's text (a cell may hold line breaks) is on that row.
        let breaks: usize = row.iter().map(line_breaks).sum();
        rows_of_lines.extend(std::iter::repeat_n(sheet_row, breaks + 1));
        // Writing to memory cannot fail.
        let _ = out.write_record(row.iter().map(text));
    }
    let csv = out.into_inner().unwrap_or_default();
    (csv, rows_of_lines, first_row + header_at as u64)
}

fn is_empty(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The line breaks a cell's text holds (each starts a line of the CSV written).
fn line_breaks(cell: &Data) -> usize {
    match cell {
        Data::String(s) => memchr::memchr_iter(b'\n', s.as_bytes()).count(),
        _ => 0,
    }
}

/// A cell as the text a CSV export of the sheet holds.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(when) if when.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = when.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        // A duration (a time of day alone): its number, as a general-format cell shows it.
        Data::DateTime(when) => number(when.as_f64()),
        Data::Error(e) => e.to_string(),
    }
}

/// A number as Excel's general format writes it: a whole number without `.0`.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// The sheet row of each line, shared by the rows handed out.
pub(crate) type RowsOfLines = Arc<[u64]>;
