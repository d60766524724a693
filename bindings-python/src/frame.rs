//! Data frames (pandas, polars, pyarrow) as records.
//!
//! Columns are read as Arrow arrays through the Arrow PyCapsule interface (no copy for polars
//! and pyarrow), whatever their physical type: `string`, `large_string`, `string_view` and
//! dictionary-encoded strings read the same. A pandas column that Arrow cannot take (an `object`
//! column mixing types) is read as Python objects instead, so bad cells become findings.
//!
//! Each column is mapped to a record path exactly as a CSV column of the same header would be
//! (the core's `input::Layout`, with the pack's `mapping.toml`): a string cell is placed as the
//! CSV reader places a cell (empty means "not entered", mapped types converted), a typed cell
//! (numbers, booleans, dates, lists, structs) as its JSON value; nulls and `NaN` are left out.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayAccessor, ArrayRef, LargeStringArray, RecordBatchReader, StringArray,
    StringViewArray,
};
use arrow_schema::{DataType, TimeUnit};
use kakunin::input::{Cell, ColumnScreen, Layout, Mapping, Reused};
use kakunin::path::escape_token;
use kakunin::schema::FieldInfo;
use kakunin::{RuleSet, date};
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3_arrow::input::{AnyArray, AnyRecordBatch};
use serde_json::{Map, Value};

use crate::convert::{self, MAX_DEPTH, float_value};
use crate::errors;

/// Which library a frame came from; findings go back in the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    Pandas,
    Polars,
    /// A polars `LazyFrame`: collected, with only the columns read; findings as a polars frame.
    PolarsLazy,
    ArrowTable,
    ArrowBatch,
    /// Any other object with `__arrow_c_stream__` (a `pyarrow.RecordBatchReader`, a DuckDB
    /// relation...): read whole as the stream it gives; findings as a `pyarrow.Table`.
    ArrowStream,
}

impl Library {
    /// The library of a frame, from its type's module and name.
    pub fn of(frame: &Bound<'_, PyAny>) -> Option<Library> {
        let ty = frame.get_type();
        let module = ty.module().ok()?.to_string();
        let name = ty.name().ok()?.to_string();
        let root = module.split('.').next().unwrap_or_default();
        match (root, name.as_str()) {
            ("pandas", "DataFrame") => Some(Library::Pandas),
            ("polars", "DataFrame") => Some(Library::Polars),
            ("polars", "LazyFrame") => Some(Library::PolarsLazy),
            ("pyarrow", "Table") => Some(Library::ArrowTable),
            ("pyarrow", "RecordBatch") => Some(Library::ArrowBatch),
            _ => None,
        }
    }
}

/// The cells of one column over one part of the table.
enum Cells {
    /// Text, the usual column: its kind is settled once here, not asked of the array per cell.
    Text(Text),
    Arrow(ArrayRef),
    Values(Arc<Vec<Value>>, usize),
}

/// An Arrow text column of any offset width.
enum Text {
    Utf8(StringArray),
    Large(LargeStringArray),
    View(StringViewArray),
}

impl Cells {
    fn arrow(array: ArrayRef) -> Cells {
        match array.data_type() {
            DataType::Utf8 => Cells::Text(Text::Utf8(array.as_string::<i32>().clone())),
            DataType::LargeUtf8 => Cells::Text(Text::Large(array.as_string::<i64>().clone())),
            DataType::Utf8View => Cells::Text(Text::View(array.as_string_view().clone())),
            _ => Cells::Arrow(array),
        }
    }
}

impl Text {
    fn cell(&self, row: usize) -> Option<Cell<'_>> {
        match self {
            Text::Utf8(array) => text_cell(array, row),
            Text::Large(array) => text_cell(array, row),
            Text::View(array) => text_cell(array, row),
        }
    }

    /// [`rejected_rows`] with the array's kind matched once for the whole run, not once a cell.
    fn rejected(&self, rows: Range<usize>, rejected: u128, judge: &ColumnScreen<'_>) -> u128 {
        match self {
            Text::Utf8(array) => rejected_rows(rows, rejected, judge, |row| text_cell(array, row)),
            Text::Large(array) => rejected_rows(rows, rejected, judge, |row| text_cell(array, row)),
            Text::View(array) => rejected_rows(rows, rejected, judge, |row| text_cell(array, row)),
        }
    }
}

/// `rejected` with the rows of `rows` (at most [`SCREEN_BLOCK`], bits from the first) whose
/// cell `judge` refuses; rows already rejected are not judged again.
fn rejected_rows<'c>(
    rows: Range<usize>,
    mut rejected: u128,
    judge: &ColumnScreen<'_>,
    cell: impl Fn(usize) -> Option<Cell<'c>>,
) -> u128 {
    for (bit, row) in rows.enumerate() {
        if rejected & 1 << bit == 0 && !judge.accepts(cell(row).as_ref()) {
            rejected |= 1 << bit;
        }
    }
    rejected
}

/// Row `row` of a text column (`None`: null or past the end).
fn text_cell<'a>(array: impl ArrayAccessor<Item = &'a str>, row: usize) -> Option<Cell<'a>> {
    (row < array.len() && array.is_valid(row)).then(|| Cell::Text(array.value(row)))
}

/// A run of rows in which every column is one Arrow array (or a slice of Python values).
struct Part {
    len: usize,
    columns: Vec<Cells>,
}

/// A frame read into Rust: column names and the data, in parts of aligned rows.
pub struct Table {
    names: Vec<String>,
    /// Every column of the frame, read or not: the reader's notes are about these.
    headers: Vec<String>,
    parts: Vec<Part>,
}

/// A whole column as it came in.
enum Column {
    Arrow(Vec<ArrayRef>),
    Values(Arc<Vec<Value>>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Arrow(chunks) => chunks.iter().map(|c| c.len()).sum(),
            Column::Values(v) => v.len(),
        }
    }
}

impl Table {
    /// Reads a frame of a known library: the columns whose header `wanted` accepts (every
    /// column when it is `None`). Columns left out are not converted at all.
    /// `date_column` tells which headers name a date field: a pandas column of Python objects
    /// is converted here, and a midnight timestamp in it is a day.
    pub fn read(
        frame: &Bound<'_, PyAny>,
        library: Library,
        wanted: Option<&dyn Fn(&str) -> bool>,
        date_column: &dyn Fn(&str) -> bool,
    ) -> PyResult<Table> {
        match library {
            Library::Pandas => Table::from_pandas(frame, wanted, date_column),
            // Its columns cannot be chosen without knowing its library.
            Library::ArrowStream => Table::from_arrow(frame),
            Library::Polars | Library::PolarsLazy | Library::ArrowTable | Library::ArrowBatch => {
                let headers = arrow_frame_names(frame)?;
                let mut frame = match wanted {
                    Some(wanted) => project(frame, &headers, wanted)?,
                    None => frame.clone(),
                };
                if library == Library::PolarsLazy {
                    frame = frame.call_method0("collect")?;
                }
                if matches!(library, Library::Polars | Library::PolarsLazy) {
                    frame = polars_without_null_columns(&frame)?;
                }
                let source = if frame.hasattr("__arrow_c_stream__")?
                    || frame.hasattr("__arrow_c_array__")?
                {
                    frame
                } else {
                    // Older polars: through pyarrow.
                    frame.call_method0("to_arrow")?
                };
                Ok(Table {
                    headers,
                    ..Table::from_arrow(&source)?
                })
            }
        }
    }

    /// The column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// What the reader decided about the frame's columns that a user should know, as for a
    /// CSV file's header row (the core's `Layout::notes`): about every column, read or not.
    /// A column named after a field of the record (`tests` holding lists, `notification`
    /// holding structs) is that field, and the core places it without a note. In `locale`,
    /// the language of the findings.
    pub fn notes(&self, mapping: Option<&Mapping>, locale: kakunin::Locale) -> Vec<String> {
        let layout = Layout::new(mapping, &self.headers);
        layout.notes().iter().map(|n| n.message(locale)).collect()
    }

    fn from_arrow(source: &Bound<'_, PyAny>) -> PyResult<Table> {
        let batches: AnyRecordBatch = source.extract()?;
        let reader = batches.into_reader()?;
        let names: Vec<String> = reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut parts = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| errors::input("<frame>", &e.to_string()))?;
            parts.push(Part {
                len: batch.num_rows(),
                columns: batch.columns().iter().cloned().map(Cells::arrow).collect(),
            });
        }
        Ok(Table {
            headers: names.clone(),
            names,
            parts,
        })
    }

    fn from_pandas(
        frame: &Bound<'_, PyAny>,
        wanted: Option<&dyn Fn(&str) -> bool>,
        date_column: &dyn Fn(&str) -> bool,
    ) -> PyResult<Table> {
        let py = frame.py();
        let all_names = column_names(frame)?;
        let pyarrow = py.import("pyarrow").ok();
        let iloc = frame.getattr("iloc")?;
        let mut names = Vec::with_capacity(all_names.len());
        let mut columns = Vec::with_capacity(all_names.len());
        for (index, name) in all_names.iter().enumerate() {
            if wanted.is_some_and(|wanted| !wanted(name)) {
                continue;
            }
            let key = (pyo3::types::PySlice::full(py), index);
            let series = iloc.get_item(key)?;
            columns.push(pandas_column(pyarrow.as_ref(), &series, date_column(name))?);
            names.push(name.clone());
        }
        let rows: usize = frame.len()?;
        Table::align(names, columns, rows, all_names)
    }

    /// Cuts the columns at every chunk boundary of any of them, so that each part has one
    /// array per column.
    fn align(
        names: Vec<String>,
        columns: Vec<Column>,
        rows: usize,
        headers: Vec<String>,
    ) -> PyResult<Table> {
        if let Some((name, c)) = names.iter().zip(&columns).find(|(_, c)| c.len() != rows) {
            return Err(errors::input(
                "<frame>",
                &format!("column `{name}` has {} rows, the frame {rows}", c.len()),
            ));
        }
        let mut cuts = vec![0, rows];
        for c in &columns {
            if let Column::Arrow(chunks) = c {
                let mut at = 0;
                for chunk in chunks {
                    at += chunk.len();
                    cuts.push(at);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut parts = Vec::new();
        for window in cuts.windows(2) {
            let (start, end) = (window[0], window[1]);
            if start == end {
                continue;
            }
            let cells = columns
                .iter()
                .map(|c| match c {
                    Column::Values(v) => Cells::Values(v.clone(), start),
                    Column::Arrow(chunks) => {
                        let mut at = 0;
                        for chunk in chunks {
                            if start < at + chunk.len() {
                                return Cells::arrow(chunk.slice(start - at, end - start));
                            }
                            at += chunk.len();
                        }
                        Cells::Values(Arc::new(Vec::new()), 0)
                    }
                })
                .collect();
            parts.push(Part {
                len: end - start,
                columns: cells,
            });
        }
        Ok(Table {
            names,
            headers,
            parts,
        })
    }
}

/// A pandas or polars frame's column names as text.
fn column_names(frame: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    texts(&frame.getattr("columns")?)
}

/// The items of a Python iterable as their `str()`.
fn texts(items: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    items
        .try_iter()?
        .map(|c| c.and_then(|c| Ok(c.str()?.to_string())))
        .collect()
}

/// A polars or pyarrow frame's column names.
fn arrow_frame_names(frame: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    // pyarrow names its columns `column_names` (its `columns` are the arrays); polars gives
    // them from its schema, which a `LazyFrame` resolves without collecting.
    match frame.getattr("column_names") {
        Ok(names) => texts(&names),
        Err(_) => texts(
            &frame
                .call_method0("collect_schema")?
                .call_method0("names")?,
        ),
    }
}

/// A polars or pyarrow frame with only the wanted columns of `names`, its columns (the frame
/// itself when it keeps them all, or when its names repeat and a selection by name would be
/// ambiguous).
fn project<'py>(
    frame: &Bound<'py, PyAny>,
    names: &[String],
    wanted: &dyn Fn(&str) -> bool,
) -> PyResult<Bound<'py, PyAny>> {
    let kept: Vec<&String> = names.iter().filter(|n| wanted(n)).collect();
    let unique = kept.iter().collect::<std::collections::HashSet<_>>().len() == kept.len();
    if kept.len() == names.len() || !unique {
        return Ok(frame.clone());
    }
    frame.call_method1("select", (kept,))
}

/// polars exports an array of type `Null` (a column never filled, or `[]` in every row) with a
/// buffer the Arrow C interface does not expect: such a frame goes through pyarrow, which
/// exports it as the interface says.
fn polars_without_null_columns<'py>(frame: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let schema = frame.getattr("schema")?.str()?.to_string();
    if schema.contains("Null") {
        return frame.call_method0("to_arrow");
    }
    Ok(frame.clone())
}

/// One pandas column: Arrow when pyarrow takes it (numbers, strings, categoricals, dates),
/// Python objects otherwise (such as a column mixing timestamps and text), converted as values
/// of a date field when `date_field` is set.
fn pandas_column(
    pyarrow: Option<&Bound<'_, PyModule>>,
    series: &Bound<'_, PyAny>,
    date_field: bool,
) -> PyResult<Column> {
    if let Some(pa) = pyarrow {
        let kwargs = pyo3::types::PyDict::new(series.py());
        kwargs.set_item("from_pandas", true)?;
        if let Ok(array) = pa.call_method("array", (series,), Some(&kwargs))
            && let Ok(any) = array.extract::<AnyArray>()
            && let Ok(chunked) = any.into_chunked_array()
        {
            let (chunks, _) = chunked.into_inner();
            return Ok(Column::Arrow(chunks));
        }
    }
    let list = series.call_method0("tolist")?;
    let list = list.cast::<PyList>()?;
    let convert = if date_field {
        convert::to_date_value
    } else {
        convert::to_value
    };
    Ok(Column::Values(Arc::new(
        list.iter().map(|v| convert(&v)).collect(),
    )))
}

/// The record schema's field a column is read into.
fn column_field<'r>(
    rules: &'r RuleSet,
    mapping: Option<&Mapping>,
    header: &str,
) -> Option<&'r FieldInfo> {
    (rules.schema()).field(&kakunin::path::pattern_of(&target_pointer(mapping, header)))
}

fn is_date(field: Option<&FieldInfo>) -> bool {
    field.is_some_and(|f| f.format.as_deref() == Some("date"))
}

/// Whether the column `header` is read into a date field.
pub fn date_column(rules: &RuleSet, mapping: Option<&Mapping>, header: &str) -> bool {
    is_date(column_field(rules, mapping, header))
}

/// How the columns of a table become records.
#[derive(Clone)]
pub struct Plan {
    layout: Layout,
    /// Per column: whether its field is a date (a midnight timestamp is written as a date).
    date_field: Vec<bool>,
    /// Per column: whether its field is text alone (a number is written as the text a CSV
    /// cell would hold: pandas reads `1` as an integer, and as `1.0` in a column with blanks).
    text_field: Vec<bool>,
}

impl Plan {
    /// Resolves the table's headers with the pack's mapping.
    pub fn new(rules: &RuleSet, mapping: Option<&Mapping>, names: &[String]) -> Plan {
        let layout = Layout::new(mapping, names);
        let fields: Vec<_> = (names.iter())
            .map(|n| column_field(rules, mapping, n))
            .collect();
        let date_field = fields.iter().map(|f| is_date(*f)).collect();
        let text_field = (fields.iter())
            .map(|f| f.is_some_and(|f| f.types == ["string"]))
            .collect();
        Plan {
            layout,
            date_field,
            text_field,
        }
    }

    /// Screens the rows for `plan`, the plan they are checked with
    /// ([`Layout::screen_for`]).
    pub fn screened_for(mut self, rules: &RuleSet, plan: &kakunin::Plan) -> Plan {
        self.layout.screen_for(rules, plan);
        self
    }
}

/// Whether a column of this header holds a field the check plan reads.
pub fn column_read(plan: &kakunin::Plan, mapping: Option<&Mapping>, header: &str) -> bool {
    plan.reads_pointer(&target_pointer(mapping, header))
}

/// The record path a header maps to (for the date hint and the column choice; collisions are
/// the layout's).
fn target_pointer(mapping: Option<&Mapping>, header: &str) -> String {
    let header = header.trim().trim_start_matches('\u{feff}').trim();
    if let Some(column) = mapping.and_then(|m| m.column(header)) {
        return column.path.clone();
    }
    if header.contains('.') {
        let parts: Vec<&str> = header.split('.').collect();
        if parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }) {
            return parts
                .iter()
                .map(|p| format!("/{}", escape_token(p)))
                .collect();
        }
    }
    format!("/{}", escape_token(header))
}

/// A frame with the plan that turns its rows into records: the checking threads build each
/// record from the columns as they check it ([`kakunin::batch::Item::Row`]).
pub struct Frame {
    pub table: Arc<Table>,
    pub plan: Plan,
    /// The first row of each part, to find a row's part.
    starts: Vec<usize>,
    /// With a screen ([`Plan::screened_for`]): per part, per block of [`SCREEN_BLOCK`] rows,
    /// the rows with a cell the screen rejects (bit `i`: the block's row `i`). Judged by the
    /// first thread to build a row of the block, a column at a time.
    rejected: Vec<Vec<OnceLock<u128>>>,
}

/// Rows judged together by the screen: a column's cells of a block lie together, where a row's
/// cells lie as far apart as the columns do. Few enough that the two threads checking a chunk
/// of rows seldom wait for each other's block.
const SCREEN_BLOCK: usize = 128;

impl Frame {
    pub fn new(table: Table, plan: Plan) -> Frame {
        let table = Arc::new(table);
        let starts = table
            .parts
            .iter()
            .scan(0, |next, part| {
                let start = *next;
                *next += part.len;
                Some(start)
            })
            .collect();
        Frame::with_plan(table, plan, starts)
    }

    fn with_plan(table: Arc<Table>, plan: Plan, starts: Vec<usize>) -> Frame {
        let rejected = if plan.layout.column_screens().is_empty() {
            Vec::new()
        } else {
            (table.parts.iter())
                .map(|part| {
                    (0..part.len.div_ceil(SCREEN_BLOCK))
                        .map(|_| OnceLock::new())
                        .collect()
                })
                .collect()
        };
        Frame {
            table,
            plan,
            starts,
            rejected,
        }
    }

    /// The same rows, building only `fields` of each record: a read of a batch that uses a
    /// few fields (the cross-record keys) builds only their columns.
    pub fn keeping(&self, fields: kakunin::Fields<'_>) -> Frame {
        let mut plan = self.plan.clone();
        plan.layout.keep_fields(fields);
        Frame::with_plan(self.table.clone(), plan, self.starts.clone())
    }

    /// How many rows the frame has.
    pub fn rows(&self) -> usize {
        self.table.parts.iter().map(|p| p.len).sum()
    }
}

impl Frame {
    /// The part holding row `row`, its index, and the row's index in it.
    fn part_of(&self, row: usize) -> Option<(usize, &Part, usize)> {
        // The last part starting at or before `row`.
        let part = self
            .starts
            .partition_point(|&start| start <= row)
            .saturating_sub(1);
        Some((part, self.table.parts.get(part)?, row - self.starts[part]))
    }

    /// Whether the screen accepts every screened cell of row `row` of part `index`; `None`
    /// without a screen.
    fn accepted(&self, index: usize, part: &Part, row: usize) -> Option<bool> {
        let block = self.rejected.get(index)?.get(row / SCREEN_BLOCK)?;
        let rejected = block.get_or_init(|| {
            let first = row - row % SCREEN_BLOCK;
            let rows = first..(first + SCREEN_BLOCK).min(part.len);
            let mut rejected = 0u128;
            for judge in self.plan.layout.column_screens() {
                rejected = match part.columns.get(judge.column) {
                    Some(Cells::Text(text)) => text.rejected(rows.clone(), rejected, &judge),
                    _ => rejected_rows(rows.clone(), rejected, &judge, |row| {
                        cell(&self.plan, part, judge.column, row)
                    }),
                };
            }
            rejected
        });
        Some(rejected & 1 << (row % SCREEN_BLOCK) == 0)
    }
}

impl kakunin::batch::Rows for Frame {
    fn record(&self, row: usize) -> Value {
        match self.part_of(row) {
            Some((_, part, row)) => record(&self.plan, part, row),
            None => Value::Object(Map::new()),
        }
    }

    fn record_into(&self, row: usize, into: &mut Reused) {
        let Some((index, part, row)) = self.part_of(row) else {
            return into.set(Value::Object(Map::new()));
        };
        // Without a screen, a row is built whole, as one the screen rejects. An accepted row is
        // built without the cells only the screened rules read: they are not fetched.
        let accepted = self.accepted(index, part, row).unwrap_or(false);
        let cell = |column| cell(&self.plan, part, column, row);
        self.plan.layout.build_judged_with(cell, accepted, into);
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("columns", &self.table.names)
            .field("rows", &self.rows())
            .finish()
    }
}

fn record(plan: &Plan, part: &Part, row: usize) -> Value {
    Value::Object(
        plan.layout
            .build_with(|column| cell(plan, part, column, row)),
    )
}

/// The cell of column `index` in row `row` of `part`.
fn cell<'p>(plan: &Plan, part: &'p Part, index: usize, row: usize) -> Option<Cell<'p>> {
    let text_field = plan.text_field.get(index).copied().unwrap_or(false);
    match part.columns.get(index)? {
        Cells::Text(text) => text.cell(row),
        Cells::Arrow(array) => {
            let date_field = plan.date_field.get(index).copied().unwrap_or(false);
            match arrow_cell(array.as_ref(), row, date_field)? {
                Cell::Value(Value::Number(n)) if text_field => Some(number_text(&n)),
                cell => Some(cell),
            }
        }
        Cells::Values(values, offset) => match values.get(offset + row)? {
            Value::String(text) => Some(Cell::Text(text)),
            Value::Number(n) if text_field => Some(number_text(n)),
            other => Some(Cell::Value(other.clone())),
        },
    }
}

/// A number in a text field, as a CSV cell would hold it: a whole number without `.0`.
fn number_text(n: &serde_json::Number) -> Cell<'static> {
    let text = match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 2f64.powi(53) => {
            format!("{}", f as i64)
        }
        _ => n.to_string(),
    };
    Cell::Value(Value::String(text))
}

/// One top-level cell: text as a CSV cell, anything else as its JSON value.
fn arrow_cell(array: &dyn Array, row: usize, date_field: bool) -> Option<Cell<'_>> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(Cell::Text(array.as_string::<i32>().value(row))),
        DataType::LargeUtf8 => Some(Cell::Text(array.as_string::<i64>().value(row))),
        DataType::Utf8View => Some(Cell::Text(array.as_string_view().value(row))),
        DataType::Dictionary(_, _) => {
            let dict = array.as_any_dictionary_opt()?;
            let key = dictionary_key(dict, row)?;
            arrow_cell(dict.values().as_ref(), key, date_field)
        }
        _ => Some(Cell::Value(value(array, row, date_field, 0))),
    }
}

/// The index into a dictionary's values of row `row`.
fn dictionary_key(dict: &dyn arrow_array::AnyDictionaryArray, row: usize) -> Option<usize> {
    let keys = dict.keys();
    let key = match keys.data_type() {
        DataType::Int8 => usize::try_from(keys.as_primitive::<Int8Type>().value(row)).ok(),
        DataType::Int16 => usize::try_from(keys.as_primitive::<Int16Type>().value(row)).ok(),
        DataType::Int32 => usize::try_from(keys.as_primitive::<Int32Type>().value(row)).ok(),
        DataType::Int64 => usize::try_from(keys.as_primitive::<Int64Type>().value(row)).ok(),
        DataType::UInt8 => Some(usize::from(keys.as_primitive::<UInt8Type>().value(row))),
        DataType::UInt16 => Some(usize::from(keys.as_primitive::<UInt16Type>().value(row))),
        DataType::UInt32 => usize::try_from(keys.as_primitive::<UInt32Type>().value(row)).ok(),
        DataType::UInt64 => usize::try_from(keys.as_primitive::<UInt64Type>().value(row)).ok(),
        _ => None,
    }?;
    (key < dict.values().len()).then_some(key)
}

/// The JSON value of one Arrow cell. Never panics: an index out of range or a type without a
/// JSON form gives `null` or its text.
pub fn value(array: &dyn Array, i: usize, date_field: bool, depth: usize) -> Value {
    if i >= array.len() || array.is_null(i) || depth > MAX_DEPTH {
        return Value::Null;
    }
    macro_rules! int {
        ($t:ty) => {
            Value::from(array.as_primitive::<$t>().value(i))
        };
    }
    match array.data_type() {
        DataType::Null => Value::Null,
        DataType::Boolean => Value::Bool(array.as_boolean().value(i)),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float16 => float_value(array.as_primitive::<Float16Type>().value(i).to_f64()),
        DataType::Float32 => float_value(f64::from(array.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => float_value(array.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => Value::String(array.as_string::<i32>().value(i).to_owned()),
        DataType::LargeUtf8 => Value::String(array.as_string::<i64>().value(i).to_owned()),
        DataType::Utf8View => Value::String(array.as_string_view().value(i).to_owned()),
        DataType::Binary => {
            Value::String(String::from_utf8_lossy(array.as_binary::<i32>().value(i)).into_owned())
        }
        DataType::LargeBinary => {
            Value::String(String::from_utf8_lossy(array.as_binary::<i64>().value(i)).into_owned())
        }
        DataType::Date32 => Value::String(date::format_day(
            array.as_primitive::<Date32Type>().value(i),
        )),
        DataType::Date64 => {
            let ms = array.as_primitive::<Date64Type>().value(i);
            let day = ms.div_euclid(86_400_000);
            match i32::try_from(day) {
                Ok(day) => Value::String(date::format_day(day)),
                Err(_) => Value::Null,
            }
        }
        DataType::Timestamp(unit, tz) => {
            let (per_second, raw) = match unit {
                TimeUnit::Second => (1, array.as_primitive::<TimestampSecondType>().value(i)),
                TimeUnit::Millisecond => (
                    1_000,
                    array.as_primitive::<TimestampMillisecondType>().value(i),
                ),
                TimeUnit::Microsecond => (
                    1_000_000,
                    array.as_primitive::<TimestampMicrosecondType>().value(i),
                ),
                TimeUnit::Nanosecond => (
                    1_000_000_000,
                    array.as_primitive::<TimestampNanosecondType>().value(i),
                ),
            };
            timestamp(raw, per_second, tz.as_deref(), date_field)
        }
        DataType::Dictionary(_, _) => match array.as_any_dictionary_opt() {
            Some(dict) => match dictionary_key(dict, i) {
                Some(key) => value(dict.values().as_ref(), key, date_field, depth + 1),
                None => Value::Null,
            },
            None => Value::Null,
        },
        DataType::List(_) => list(array.as_list::<i32>().value(i).as_ref(), depth),
        DataType::LargeList(_) => list(array.as_list::<i64>().value(i).as_ref(), depth),
        DataType::ListView(_) => list(array.as_list_view::<i32>().value(i).as_ref(), depth),
        DataType::LargeListView(_) => list(array.as_list_view::<i64>().value(i).as_ref(), depth),
        DataType::FixedSizeList(_, _) => list(array.as_fixed_size_list().value(i).as_ref(), depth),
        DataType::Struct(fields) => {
            let s = array.as_struct();
            let mut map = Map::new();
            for (field, column) in fields.iter().zip(s.columns()) {
                let v = value(column.as_ref(), i, false, depth + 1);
                if !v.is_null() {
                    map.insert(field.name().clone(), v);
                }
            }
            Value::Object(map)
        }
        _ => display(array, i),
    }
}

fn list(items: &dyn Array, depth: usize) -> Value {
    Value::Array(
        (0..items.len())
            .map(|j| value(items, j, false, depth + 1))
            .collect(),
    )
}

/// A cell of a type without a JSON form (decimals, times, durations...) as Arrow writes it;
/// a decimal that reads as a number becomes one.
fn display(array: &dyn Array, i: usize) -> Value {
    let options = arrow_cast::display::FormatOptions::default();
    let text = match arrow_cast::display::ArrayFormatter::try_new(array, &options) {
        Ok(f) => f.value(i).to_string(),
        Err(_) => return Value::Null,
    };
    if matches!(
        array.data_type(),
        DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..)
    ) && let Ok(f) = text.parse::<f64>()
    {
        return float_value(f);
    }
    Value::String(text)
}

/// An Arrow timestamp as ISO 8601: with its offset when the column has a time zone, without
/// one otherwise. A midnight timestamp in a date field is written as the date (pandas has no
/// date type: `parse_dates` gives midnight timestamps).
fn timestamp(raw: i64, per_second: i64, tz: Option<&str>, date_field: bool) -> Value {
    let seconds = raw.div_euclid(per_second);
    let fraction = raw.rem_euclid(per_second);
    let nanos = u32::try_from(fraction * (1_000_000_000 / per_second)).unwrap_or(0);
    let Some(utc) = chrono::DateTime::from_timestamp(seconds, nanos) else {
        return Value::Null;
    };
    let (local, offset) = match tz {
        None => (utc.naive_utc(), None),
        Some(tz) => match tz.parse::<arrow_array::timezone::Tz>() {
            Ok(zone) => {
                let at = utc.with_timezone(&zone);
                (at.naive_local(), Some(at.format("%:z").to_string()))
            }
            Err(_) => (utc.naive_utc(), Some("+00:00".to_owned())),
        },
    };
    let midnight = local.time() == chrono::NaiveTime::MIN;
    if date_field && midnight {
        return Value::String(local.format("%Y-%m-%d").to_string());
    }
    let mut text = local.format("%Y-%m-%dT%H:%M:%S").to_string();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        text.push('.');
        text.push_str(frac.trim_end_matches('0'));
    }
    if let Some(offset) = offset {
        text.push_str(if offset == "+00:00" { "Z" } else { &offset });
    }
    Value::String(text)
}
