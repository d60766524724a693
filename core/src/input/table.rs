//! CSV (and TSV) line lists: a header row, then one record per row.
//!
//! Text is decoded by [`Transcoder`](super::decode::Transcoder) (UTF-8, BOM, Shift_JIS), split
//! by the `csv` crate (quotes, embedded newlines, CRLF), and each row is laid into a record along
//! paths resolved once from the header row by a [`Mapping`].
//!
//! Line numbers are counted here, not taken from the `csv` crate: it dates a record from where
//! the previous one ended, which is a line early after a CRLF and after skipped blank lines.
//! Decoding keeps every newline byte, so counted lines are physical lines of the original file.

use std::collections::VecDeque;
use std::io::{self, Chain, Cursor, Read};
use std::sync::Arc;

use csv::{ByteRecord, ReaderBuilder};
use serde_json::Value;

use super::decode::Transcoder;
use super::mapping::{self, Cell, Layout, Reused};
use super::workbook::RowsOfLines;
use super::{InputRecord, Item, Mapping, Records, Unreadable};

const BUFFER: usize = 64 * 1024;
/// How much of the first line is looked at to choose between `,` and tab.
const FIRST_LINE: usize = 64 * 1024;

type Source<R> = Newlines<Chain<Cursor<Vec<u8>>, Transcoder<R>>>;

/// A CSV file whose header row has been read; the rows follow with [`CsvReader::records`].
///
/// Opening in two steps lets a caller look at the headers (to pick the pack whose mapping knows
/// them, see [`Mapping::matches_header`]) before committing to a mapping, without reading the
/// input twice, which standard input would not allow.
pub struct CsvReader {
    reader: csv::Reader<Source<Box<dyn Read + Send>>>,
    headers: Vec<String>,
    /// For a sheet read as CSV: the sheet's row of each line (see [`super::workbook`]).
    rows: Option<RowsOfLines>,
}

impl std::fmt::Debug for CsvReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvReader")
            .field("headers", &self.headers)
            .finish()
    }
}

impl CsvReader {
    /// Reads the header row. An empty input has no headers and no records; only a read error is
    /// an `Err`.
    pub fn new<R: Read + Send + 'static>(reader: R) -> Result<CsvReader, Unreadable> {
        let (reader, headers) = open(Box::new(reader) as Box<dyn Read + Send>)?;
        Ok(CsvReader {
            reader,
            headers,
            rows: None,
        })
    }

    /// Reads the header row of a workbook's first sheet (see the workbook reader): the sheet read
    /// as CSV, records numbered by their rows in the sheet.
    pub fn from_workbook<R: Read>(reader: R) -> Result<CsvReader, Unreadable> {
        super::workbook::open(reader).map(|(csv, _)| csv)
    }

    /// Numbers records by `rows`, the line each line of the text stands for.
    pub(crate) fn with_rows(self, rows: RowsOfLines) -> CsvReader {
        CsvReader {
            rows: Some(rows),
            ..self
        }
    }

    /// The header row, decoded and trimmed; empty headers stay in place as `""`.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The encoding the input was found to be in (`"UTF-8"`, `"Shift_JIS"`, `"UTF-16LE"`, ...),
    /// judged at the first non-ASCII byte; `None` while everything read so far is ASCII, where
    /// the choice does not matter yet.
    pub fn encoding(&self) -> Option<&'static str> {
        let (_, text) = self.reader.get_ref().inner.get_ref();
        text.encoding().map(|e| e.name())
    }

    /// The rows as records, columns placed by `mapping` (see [`read`](super::read)).
    pub fn records(self, mapping: Option<&Mapping>) -> Records {
        let layout = Layout::new(mapping, &self.headers);
        let notes = layout.notes().to_vec();
        Records {
            inner: super::Inner::Csv(Box::new(CsvRows {
                reader: self.reader,
                shape: Arc::new(Shape {
                    headers: self.headers,
                    layout,
                }),
                row: ByteRecord::new(),
                done: false,
                rows: self.rows,
            })),
            notes,
        }
    }
}

/// The decoded header row of CSV input, for choosing a mapping before reading.
///
/// `reader` may be a prefix of the file (such as the bytes read for
/// [`Format::detect`](super::Format::detect)) as long as it holds the whole header row.
pub fn csv_headers<R: Read>(reader: R) -> Result<Vec<String>, Unreadable> {
    open(reader).map(|(_, headers)| headers)
}

/// Sets up decoding and the `csv` reader and reads the header row.
fn open<R: Read>(reader: R) -> Result<(csv::Reader<Source<R>>, Vec<String>), Unreadable> {
    let read_error = |e: io::Error| Unreadable {
        line: 1,
        message: format!("read error: {e}"),
    };
    let mut text = Transcoder::new(reader);
    // The first line decides the delimiter; it is read ahead and put back in front.
    let mut first = Vec::new();
    let mut chunk = [0u8; 4096];
    while first.len() < FIRST_LINE {
        let n = text.read(&mut chunk).map_err(read_error)?;
        let Some(got) = chunk.get(..n).filter(|got| !got.is_empty()) else {
            break;
        };
        first.extend_from_slice(got);
        if got.contains(&b'\n') {
            break;
        }
    }
    let delimiter = delimiter(&first);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(BUFFER)
        .from_reader(Newlines::new(Cursor::new(first).chain(text)));
    let mut row = ByteRecord::new();
    let headers = match reader.read_byte_record(&mut row) {
        Ok(true) => row
            .iter()
            .map(|cell| mapping::clean_header(&String::from_utf8_lossy(cell)).to_owned())
            .collect(),
        Ok(false) => Vec::new(),
        Err(e) => {
            return Err(Unreadable {
                line: 1,
                message: format!("cannot read the header row: {e}"),
            });
        }
    };
    Ok((reader, headers))
}

/// Tab when the first line has more tabs than commas (spreadsheet "text" exports), else comma.
fn delimiter(first: &[u8]) -> u8 {
    let line = first.split(|&b| b == b'\n').next().unwrap_or_default();
    let tabs = line.iter().filter(|&&b| b == b'\t').count();
    let commas = line.iter().filter(|&&b| b == b',').count();
    if tabs > commas { b'\t' } else { b',' }
}

/// The data rows of a CSV file.
pub(crate) struct CsvRows {
    reader: csv::Reader<Source<Box<dyn Read + Send>>>,
    /// Shared with the rows handed out unbuilt.
    pub(crate) shape: Arc<Shape>,
    /// Reused for every row: the `csv` crate refills it without allocating.
    row: ByteRecord,
    done: bool,
    /// What each line of the text stands for, when that is not itself (a workbook's rows).
    rows: Option<RowsOfLines>,
}

impl Iterator for CsvRows {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        let line = self.next_row()?;
        Some(line.and_then(|line| {
            build(&self.row, &self.shape)
                .map(|value| InputRecord { line, value })
                .map_err(|message| Unreadable { line, message })
        }))
    }
}

impl CsvRows {
    /// Reads the next row into `self.row`: the line it starts on.
    fn next_row(&mut self) -> Option<Result<u64, Unreadable>> {
        let line = self.next_line()?;
        let Some(rows) = &self.rows else {
            return Some(line);
        };
        let row = |line: u64| {
            let at = usize::try_from(line)
                .unwrap_or(usize::MAX)
                .saturating_sub(1);
            rows.get(at).copied().unwrap_or(line)
        };
        Some(line.map(row).map_err(|bad| Unreadable {
            line: row(bad.line),
            ..bad
        }))
    }

    /// [`CsvRows::next_row`] for the text's own lines.
    fn next_line(&mut self) -> Option<Result<u64, Unreadable>> {
        if self.done {
            return None;
        }
        match self.reader.read_byte_record(&mut self.row) {
            Ok(true) => {
                // The record's last line is that of its last byte (the terminator, or the last
                // cell at the end of input); newlines inside its cells say how many lines up it
                // started.
                let end = self.reader.position().byte().saturating_sub(1);
                let last_line = self.reader.get_mut().line_of(end);
                let inside = memchr::memchr_iter(b'\n', self.row.as_slice()).count() as u64;
                Some(Ok(last_line.saturating_sub(inside).max(1)))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                // Only an I/O error gets here (rows are read as bytes, ragged rows allowed), and
                // the stream cannot be trusted after one.
                self.done = true;
                let line = e
                    .position()
                    .map_or(self.reader.position().line(), |p| p.line());
                Some(Err(Unreadable {
                    line,
                    message: format!("read error: {e}"),
                }))
            }
        }
    }

    /// The rows as cells, each built into a record by the thread that checks it.
    pub(crate) fn unbuilt(mut self) -> impl Iterator<Item = crate::batch::Item> {
        std::iter::from_fn(move || {
            Some(match self.next_row()? {
                Ok(line) => crate::batch::Item::Unbuilt {
                    line,
                    record: Arc::new(CsvRow {
                        cells: self.row.clone(),
                        shape: self.shape.clone(),
                    }),
                },
                Err(bad) => crate::batch::Item::Unreadable {
                    line: bad.line,
                    message: bad.message,
                },
            })
        })
    }
}

/// What turns a row's cells into a record: the header row and where each column goes.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    headers: Vec<String>,
    pub(crate) layout: Layout,
}

/// A row's cells, to be built into a record ([`crate::batch::Item::Unbuilt`]).
#[derive(Debug)]
struct CsvRow {
    cells: ByteRecord,
    shape: Arc<Shape>,
}

impl crate::batch::Unbuilt for CsvRow {
    fn build(&self) -> Result<Value, String> {
        build(&self.cells, &self.shape)
    }

    fn build_into(&self, into: &mut Reused) -> Result<(), String> {
        let cells = cells(&self.cells, &self.shape)?;
        self.shape.layout.build_into(cells, into);
        Ok(())
    }
}

/// The record of one row, or why it is not one.
fn build(row: &ByteRecord, shape: &Shape) -> Result<Value, String> {
    Ok(Value::Object(shape.layout.build(cells(row, shape)?)))
}

/// The cells of one row the layout keeps, or why the row is not a record.
fn cells<'r>(row: &'r ByteRecord, shape: &Shape) -> Result<Vec<Option<Cell<'r>>>, String> {
    let Shape { headers, layout } = shape;
    let cells = row.len();
    if cells != headers.len() {
        return Err(format!(
            "row has {cells} cells, header has {}",
            headers.len()
        ));
    }
    let mut texts = Vec::with_capacity(cells);
    texts.resize_with(cells, || None);
    // Only the columns the layout keeps: a read that builds a few fields of a wide table looks
    // at a few of its cells.
    for &index in layout.kept() {
        let Some(cell) = row.get(index).filter(|cell| !cell.is_empty()) else {
            continue;
        };
        let Ok(text) = super::utf8(cell) else {
            let header = headers.get(index).map_or("", String::as_str);
            return Err(format!("invalid UTF-8 in column {} `{header}`", index + 1));
        };
        texts[index] = Some(Cell::Text(text));
    }
    Ok(texts)
}

/// Passes bytes through and remembers where the newlines are, so the line of any byte offset the
/// `csv` crate reports can be told. Offsets are asked for in increasing order, so only newlines
/// not yet passed are kept: at most one buffer's worth.
struct Newlines<R> {
    inner: R,
    /// Offset of the next byte read.
    offset: u64,
    /// Newlines before the last offset asked about.
    passed: u64,
    /// Offsets of the newlines read but not yet passed.
    ahead: VecDeque<u64>,
}

impl<R> Newlines<R> {
    fn new(inner: R) -> Self {
        Newlines {
            inner,
            offset: 0,
            passed: 0,
            ahead: VecDeque::new(),
        }
    }

    /// The 1-based line of the byte at `offset`: one more than the newlines before it.
    fn line_of(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|&nl| nl < offset) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

impl<R: Read> Read for Newlines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = buf.get(..n).unwrap_or_default();
        let base = self.offset;
        self.ahead
            .extend(memchr::memchr_iter(b'\n', got).map(|i| base + i as u64));
        self.offset += n as u64;
        Ok(n)
    }
}
