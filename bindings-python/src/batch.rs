//! Batches: records from a Python iterable, a file or a frame, checked by the core's
//! `check_stream` on all cores with the GIL released, reported in input order.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kakunin::batch::{self, CrossPass, Item, Outcome};
use kakunin::input::{self, Format, Mapping};
use kakunin::{Counts, Fields, Finding, PackInfo, Plan, Report, RuleSet, Severity, Wanted};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList};
use serde_json::Value;

use crate::convert::{DateFields, Tape};
use crate::errors;
use crate::frame;
use crate::report::{PyReport, pack_dict};
use crate::table::{Columns, Data, Output};
use kakunin::summary::escape_html;

/// Where a batch's records come from.
pub enum Source<'a> {
    /// A Python iterable of records, pulled a block at a time (attached to the interpreter only
    /// while pulling), from a new iterator on each read: a one-shot iterator is read once, a list
    /// or a tuple once per read, each read converting only the fields it uses (the checking
    /// read those the plan reads).
    Python {
        records: Py<PyAny>,
        dates: Arc<DateFields>,
    },
    /// Records already read (a one-shot Python iterator held for the cross-record pass),
    /// shared by every read, which builds them as far as it reads.
    Buffered(Arc<[Tape]>),
    /// A file, read by the core's readers.
    File {
        path: PathBuf,
        format: Format,
        mapping: Option<&'a Mapping>,
    },
    /// A frame read into Arrow arrays.
    Frame(Arc<frame::Frame>),
}

/// How many Python records are converted per visit to the interpreter.
const PULL: usize = 1024;
/// How often (in records) a long run looks for Ctrl-C between outcomes.
const SIGNALS: usize = 1 << 16;
/// How often (in items) a source read on the calling thread looks for Ctrl-C: about once per
/// chunk the pool checks, as a record may take long (a script running to its limits).
const SIGNALS_READ: usize = 1 << 9;

/// Shared between the source (read on a thread of its own) and the caller: the first Python
/// error met while reading, or the caller's Ctrl-C, which stops the source.
#[derive(Clone, Default)]
struct ErrorCell(Arc<Stop>);

#[derive(Default)]
struct Stop {
    /// Whether `error` holds one: read for every item, so it does not take the lock.
    stopped: AtomicBool,
    error: Mutex<Option<PyErr>>,
}

impl ErrorCell {
    /// Keeps the first error.
    fn set(&self, e: PyErr) {
        lock(&self.0.error).get_or_insert(e);
        self.0.stopped.store(true, Ordering::Release);
    }

    fn is_set(&self) -> bool {
        self.0.stopped.load(Ordering::Acquire)
    }

    fn take(&self) -> Option<PyErr> {
        lock(&self.0.error).take()
    }
}

/// Records pulled from a Python iterator, converted while attached.
struct Pull<'a> {
    /// `None` once exhausted, or when the iterable gave no iterator (the error is in `error`).
    iter: Option<Py<PyIterator>>,
    /// What is converted of each record.
    fields: Fields<'a>,
    dates: &'a DateFields,
    ready: VecDeque<Tape>,
    error: ErrorCell,
}

impl<'a> Pull<'a> {
    /// A new iterator over `records` (a one-shot iterator is its own).
    fn new(
        records: &Py<PyAny>,
        fields: Fields<'a>,
        dates: &'a DateFields,
        error: ErrorCell,
    ) -> Self {
        let iter = Python::attach(|py| match records.bind(py).try_iter() {
            Ok(iter) => Some(iter.unbind()),
            Err(e) => {
                error.set(e);
                None
            }
        });
        Pull {
            iter,
            fields,
            dates,
            ready: VecDeque::new(),
            error,
        }
    }
}

impl Iterator for Pull<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.ready.is_empty() {
            self.pull(0, PULL);
        }
        self.take()
    }

    /// Passes over `n` records without converting them, and converts only the one after: the
    /// details read of the cross-record rules wants a few records of the batch, and converting
    /// every one up to each of them (or a block past it) cost the interpreter's thread a fifth
    /// of a whole check's time.
    fn nth(&mut self, n: usize) -> Option<Item> {
        let ready = n.min(self.ready.len());
        self.ready.drain(..ready);
        if self.ready.is_empty() {
            self.pull(n - ready, 1);
        }
        self.take()
    }
}

impl Pull<'_> {
    /// Passes over `skip` records of the Python iterator, then converts up to `count` into
    /// `ready`, while attached.
    fn pull(&mut self, skip: usize, count: usize) {
        let Some(pulling) = self.iter.take() else {
            return;
        };
        Python::attach(|py| {
            let mut iter = pulling.into_bound(py);
            for i in 0..skip + count {
                match iter.next() {
                    Some(Ok(obj)) if i >= skip => {
                        let tape =
                            Tape::of_record(&obj, self.fields, self.dates, self.ready.back());
                        self.ready.push_back(tape);
                    }
                    Some(Ok(_)) => {}
                    // The iterator is done with, and released here, while attached.
                    end => {
                        if let Some(Err(e)) = end {
                            self.error.set(e);
                        }
                        return;
                    }
                }
            }
            self.iter = Some(iter.unbind());
        });
    }

    /// The next converted record, built by the thread that checks it (see `Tape`).
    fn take(&mut self) -> Option<Item> {
        self.ready.pop_front().map(|tape| Item::Unbuilt {
            line: 0,
            record: Arc::new(tape),
        })
    }
}

/// Stops a source once an error is kept: the caller's Ctrl-C, or the Python source's own.
struct Stoppable<I> {
    inner: I,
    error: ErrorCell,
    /// Items handed over, to look for Ctrl-C every [`SIGNALS_READ`] of them.
    read: usize,
}

impl<I: Iterator> Iterator for Stoppable<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        // Read on the calling thread, a file's checking read sees Ctrl-C here, even when the
        // outcomes come only after the whole file is read (`check_stream_folded`).
        self.read += 1;
        if self.read.is_multiple_of(SIGNALS_READ) {
            look_for_ctrl_c(&self.error);
        }
        if self.error.is_set() {
            return None;
        }
        self.inner.next()
    }

    /// Forwarded, so that a file's reader passes over the lines a read does not need.
    fn nth(&mut self, n: usize) -> Option<I::Item> {
        if self.error.is_set() {
            return None;
        }
        self.inner.nth(n)
    }
}

/// Whether the plan selects cross-record rules (the source is then read more than once).
pub fn needs_two_passes(rules: &RuleSet, plan: &Plan) -> bool {
    CrossPass::new(rules, plan).is_needed()
}

/// What the sink of a batch keeps of the outcomes it is handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Every one (a batch handed back whole): they may as well wait in memory, as they are,
    /// for the cross-record findings, rather than be encoded in a temporary file and decoded.
    Every,
    /// What they add up to (a summary, the findings alone): they wait in a temporary file, and
    /// memory stays flat.
    Little,
}

/// Runs a batch: every outcome, in input order, goes to `sink` with what `read` took of its
/// record (when given), on the thread that checked it; a caller that reads fields no rule reads
/// passes a plan that reads them too (`KeyReader::plan_reading_keys`). Called detached from the
/// interpreter, on the interpreter's main thread (where Ctrl-C is seen). A Python source is
/// attached to the interpreter only while it pulls records, while the pool checks the records
/// before. `kept` says what `sink` keeps, which decides where outcomes wait for the
/// cross-record findings.
pub fn drive<K: Send + serde::Serialize + serde::de::DeserializeOwned>(
    rules: &RuleSet,
    plan: &Plan,
    source: &Source<'_>,
    read: Option<&(dyn Fn(&Value) -> K + Sync)>,
    kept: Kept,
    mut sink: impl FnMut(Outcome, Option<K>),
) -> Result<(), Failure> {
    let error = ErrorCell::default();
    let cross = CrossPass::new(rules, plan);
    let cross = &cross;
    type Items<'i> = Box<dyn Iterator<Item = Item> + Send + 'i>;
    let open = |pass: batch::Read| -> kakunin::Result<Items<'_>> {
        // Stopped (Ctrl-C): the reads still to come have nothing to give, and the file is not
        // opened again (a pipe would wait for a writer that is gone).
        if error.is_set() {
            return Ok(Box::new(std::iter::empty()));
        }
        let items: Items<'_> = match source {
            Source::Python { records, dates } => {
                let fields = cross.fields(pass);
                Box::new(Pull::new(records, fields, dates, error.clone()))
            }
            Source::Buffered(tapes) => {
                let keep = match cross.fields(pass) {
                    Fields::Some(wanted) if !matches!(pass, batch::Read::Check) => {
                        Some(wanted.clone())
                    }
                    _ => None,
                };
                let rows: Arc<dyn batch::Rows> = Arc::new(HeldTapes {
                    tapes: tapes.clone(),
                    keep,
                });
                Box::new((0..tapes.len()).map(move |row| Item::Row {
                    line: 0,
                    rows: rows.clone(),
                    row,
                }))
            }
            Source::File {
                path,
                format,
                mapping,
            } => {
                let file = input::open_file(path)?;
                // JSON Lines are parsed and CSV rows built by the threads that check them, as
                // far as the plan reads (a summary's plan reads its fields too).
                match format {
                    input::Format::JsonLines => Box::new(input::read_unparsed(file)),
                    _ => cross
                        .built_for(input::read(file, *format, *mapping), pass)
                        .into_items(),
                }
            }
            // Rows are built by the threads that check them, each read building only the
            // columns it uses (a summary's plan reads its fields too).
            Source::Frame(frame) => {
                let rows: Arc<dyn batch::Rows> = match pass {
                    batch::Read::Check => frame.clone(),
                    pass => Arc::new(frame.keeping(cross.fields(pass))),
                };
                Box::new((0..frame.rows()).map(move |row| Item::Row {
                    line: 0,
                    rows: rows.clone(),
                    row,
                }))
            }
        };
        Ok(Box::new(Stoppable {
            inner: items,
            error: error.clone(),
            read: 0,
        }))
    };
    let mut outcomes = 0usize;
    let each = |outcome: Outcome, kept: Option<Option<K>>| {
        sink(outcome, kept.flatten());
        // Ctrl-C is looked for between outcomes as well as between items read (`Stoppable`).
        outcomes += 1;
        if outcomes.is_multiple_of(SIGNALS) {
            look_for_ctrl_c(&error);
        }
    };
    let keep = |record: &Value| read.map(|read| read(record));
    let result = match source {
        // A file or a list of records is read once: Python records are converted once, not
        // once for the cross-record keys and again to be checked. Read on this thread, which
        // sees Ctrl-C (see `Stoppable`), while the pool checks the chunk before; a reader
        // thread of its own would only compete with the pool for the cores (CSV 9 % slower on
        // two cores).
        Source::Python { .. } | Source::File { .. } => {
            let folding = batch::Folding {
                read_ahead_on_a_thread: false,
                in_memory: matches!(kept, Kept::Every),
            };
            batch::check_stream_folded_keeping(rules, plan, open, folding, &keep, each)
        }
        _ => batch::check_stream_keeping(rules, plan, open, &keep, each),
    };
    if let Some(e) = error.take() {
        return Err(Failure::Python(e));
    }
    result.map_err(Failure::Core)
}

/// A one-shot iterator's records, held as tapes for the reads of a batch: each builds them on
/// the thread that checks them, the cross-record pass only the fields it reads (`keep`; `None`:
/// what the tape holds, which the checking read reads).
#[derive(Debug)]
struct HeldTapes {
    tapes: Arc<[Tape]>,
    keep: Option<Wanted>,
}

impl batch::Rows for HeldTapes {
    fn record(&self, row: usize) -> Value {
        match (self.tapes.get(row), &self.keep) {
            (Some(tape), Some(wanted)) => tape.to_value_keeping(Fields::Some(wanted)),
            (Some(tape), None) => tape.to_value(),
            (None, _) => Value::Null,
        }
    }
}

/// Keeps the caller's Ctrl-C in `error`, which stops the source. Python sees signals on its
/// main thread alone: called on another thread, this finds none.
fn look_for_ctrl_c(error: &ErrorCell) {
    if let Err(e) = Python::attach(|py| py.check_signals()) {
        error.set(e);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Why a batch stopped.
pub enum Failure {
    Core(kakunin::Error),
    Python(PyErr),
}

impl Failure {
    /// The Python exception.
    pub fn into_py(self) -> PyErr {
        match self {
            Failure::Core(e) => Python::attach(|py| errors::to_py(py, &e)),
            Failure::Python(e) => e,
        }
    }
}

/// The format `format=` names, or else the one the file's extension and first bytes tell
/// (the core's `Format::of_file`, as the command detects it); a file that cannot be opened
/// raises `InputError`.
pub fn file_format(path: &Path, format: Option<&str>) -> PyResult<Format> {
    let explicit = format
        .map(|f| f.parse().map_err(|e: String| errors::options("format", &e)))
        .transpose()?;
    Format::of_file(path, explicit)
        .map_err(|e| Python::attach(|py| errors::to_py(py, &kakunin::Error::from(e))))
}

/// What happened to one record, kept compactly (the pack is kept once per batch).
pub enum State {
    Checked {
        ok: bool,
        counts: Counts,
        reference_date: Option<String>,
        findings: Vec<Finding>,
    },
    Unreadable(String),
    Failed {
        kind: &'static str,
        message: String,
    },
}

/// One record of a batch.
pub struct Row {
    pub position: usize,
    pub line: Option<u64>,
    pub id: Option<String>,
    pub state: State,
}

impl Row {
    /// Keeps an outcome (lines are `None` where the input has none).
    pub fn from_outcome(outcome: Outcome, lines: bool) -> Row {
        let line = |l: u64| (lines && l > 0).then_some(l);
        match outcome {
            Outcome::Checked {
                position,
                line: l,
                id,
                report,
            } => Row {
                position,
                line: line(l),
                id,
                state: State::Checked {
                    ok: report.ok,
                    counts: report.counts,
                    reference_date: report.reference_date,
                    findings: report.findings,
                },
            },
            Outcome::Unreadable {
                position,
                line: l,
                message,
            } => Row {
                position,
                line: line(l),
                id: None,
                state: State::Unreadable(message),
            },
            Outcome::Failed {
                position,
                line: l,
                id,
                error,
            } => Row {
                position,
                line: line(l),
                id,
                state: State::Failed {
                    kind: error.kind(),
                    message: error.to_string(),
                },
            },
        }
    }
}

/// One row per finding (and one per record that could not be read or judged, with no rule):
/// the table `check_frame` returns and `Batch.findings()` makes.
#[derive(Default)]
pub struct FindingRows {
    position: Vec<i64>,
    id: Vec<Option<String>>,
    line: Vec<Option<i64>>,
    rule: Vec<Option<String>>,
    severity: Vec<Option<String>>,
    path: Vec<Option<String>>,
    paths: Vec<Vec<String>>,
    message: Vec<String>,
    acknowledged: Vec<bool>,
}

impl FindingRows {
    /// Adds the rows of one record.
    pub fn add(&mut self, row: &Row) {
        let position = i64::try_from(row.position).unwrap_or(i64::MAX);
        let line = row.line.and_then(|l| i64::try_from(l).ok());
        let mut push = |rule: Option<&str>,
                        severity: Option<&str>,
                        path: Option<&str>,
                        paths: Vec<String>,
                        message: &str,
                        acknowledged: bool| {
            self.position.push(position);
            self.id.push(row.id.clone());
            self.line.push(line);
            self.rule.push(rule.map(str::to_owned));
            self.severity.push(severity.map(str::to_owned));
            self.path.push(path.map(str::to_owned));
            self.paths.push(paths);
            self.message.push(message.to_owned());
            self.acknowledged.push(acknowledged);
        };
        match &row.state {
            State::Checked { findings, .. } => {
                for f in findings {
                    push(
                        Some(&f.rule),
                        Some(f.severity.as_str()),
                        Some(&f.path),
                        f.paths.clone(),
                        &f.message,
                        f.acknowledged,
                    );
                }
            }
            State::Unreadable(message) => {
                push(None, Some("error"), None, Vec::new(), message, false);
            }
            State::Failed { message, .. } => {
                push(None, Some("error"), None, Vec::new(), message, false);
            }
        }
    }

    /// The rows as named columns.
    pub fn into_columns(self) -> Columns {
        let mut c = Columns::default();
        c.push("position", Data::Int(self.position));
        c.push("id", Data::OptStr(self.id));
        c.push("line", Data::OptInt(self.line));
        c.push("rule", Data::OptStr(self.rule));
        c.push("severity", Data::OptStr(self.severity));
        c.push("path", Data::OptStr(self.path));
        c.push("paths", Data::StrList(self.paths));
        c.push("message", Data::Str(self.message));
        c.push("acknowledged", Data::Bool(self.acknowledged));
        c
    }
}

/// What a summary groups by.
#[derive(Debug, Clone)]
pub enum Key {
    Rule,
    Severity,
    /// A record field: the name as given, and its JSON Pointer.
    Field(String, String),
}

/// The counts of one summary row.
#[derive(Default, Clone, Copy)]
struct Tally {
    records: i64,
    unjudged: i64,
    findings: i64,
    error: i64,
    warning: i64,
    info: i64,
    acknowledged: i64,
}

impl Tally {
    fn count(&mut self, f: &Finding) {
        self.findings += 1;
        match (f.severity, f.acknowledged) {
            (Severity::Error, _) => self.error += 1,
            (Severity::Warning, true) => self.acknowledged += 1,
            (Severity::Warning, false) => self.warning += 1,
            (Severity::Info, _) => self.info += 1,
        }
    }
}

/// Counts over a batch by rule, severity and record fields. Counts only: no value leaves the
/// records except those of the fields grouped by (and personal fields are refused for that).
pub struct Summary {
    keys: Vec<Key>,
    by_finding: bool,
    rows: BTreeMap<Vec<Option<String>>, Tally>,
}

impl Summary {
    /// A summary grouped by `keys`.
    pub fn new(keys: Vec<Key>) -> Summary {
        let by_finding = keys.iter().any(|k| matches!(k, Key::Rule | Key::Severity));
        Summary {
            keys,
            by_finding,
            rows: BTreeMap::new(),
        }
    }

    /// The pointers of the record fields grouped by, in order.
    pub fn fields(&self) -> Vec<String> {
        self.keys
            .iter()
            .filter_map(|k| match k {
                Key::Field(_, p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    /// Counts one record.
    pub fn add(&mut self, row: &Row, fields: Option<Vec<Option<String>>>) {
        let mut fields = fields.unwrap_or_default().into_iter();
        let record_key: Vec<Option<String>> = self
            .keys
            .iter()
            .map(|k| match k {
                Key::Field(..) => fields.next().flatten(),
                _ => None,
            })
            .collect();
        let key_for = |f: Option<&Finding>| -> Vec<Option<String>> {
            self.keys
                .iter()
                .zip(&record_key)
                .map(|(k, v)| match (k, f) {
                    (Key::Rule, Some(f)) => Some(f.rule.clone()),
                    (Key::Severity, Some(f)) => Some(f.severity.as_str().to_owned()),
                    (Key::Severity, None) => Some("error".to_owned()),
                    (Key::Rule, None) => None,
                    (Key::Field(..), _) => v.clone(),
                })
                .collect()
        };
        match &row.state {
            State::Checked { findings, .. } => {
                if self.by_finding {
                    let mut seen: Vec<Vec<Option<String>>> = Vec::new();
                    for f in findings {
                        let key = key_for(Some(f));
                        let tally = self.rows.entry(key.clone()).or_default();
                        tally.count(f);
                        if !seen.contains(&key) {
                            tally.records += 1;
                            seen.push(key);
                        }
                    }
                } else {
                    let tally = self.rows.entry(record_key).or_default();
                    tally.records += 1;
                    for f in findings {
                        tally.count(f);
                    }
                }
            }
            State::Unreadable(_) | State::Failed { .. } => {
                let tally = self.rows.entry(key_for(None)).or_default();
                tally.records += 1;
                tally.unjudged += 1;
            }
        }
    }

    /// The summary as columns: one per key, then the counts.
    pub fn into_columns(self) -> Columns {
        let mut keys: Vec<Vec<Option<String>>> = vec![Vec::new(); self.keys.len()];
        let mut tallies = Vec::new();
        for (key, tally) in self.rows {
            for (column, v) in keys.iter_mut().zip(key) {
                column.push(v);
            }
            tallies.push(tally);
        }
        let mut c = Columns::default();
        for (k, values) in self.keys.iter().zip(keys) {
            let name = match k {
                Key::Rule => "rule".to_owned(),
                Key::Severity => "severity".to_owned(),
                Key::Field(name, _) => name.clone(),
            };
            c.push(name, Data::OptStr(values));
        }
        let count = |f: fn(&Tally) -> i64| Data::Int(tallies.iter().map(f).collect());
        c.push("records", count(|t| t.records));
        c.push("unjudged", count(|t| t.unjudged));
        c.push("findings", count(|t| t.findings));
        c.push("error", count(|t| t.error));
        c.push("warning", count(|t| t.warning));
        c.push("info", count(|t| t.info));
        c.push("acknowledged", count(|t| t.acknowledged));
        c
    }
}

/// The outcome of `check_many` or `check_file`: one entry per input record, in input order.
///
/// >>> import kakunin
/// >>> rules = kakunin.RuleSet.bundled("hersys")
/// >>> batch = rules.check_many([{"id": "a"}, "not a record"], as_of="2024-06-01")
/// >>> len(batch), batch.ok
/// (2, False)
/// >>> batch.reports()[1].findings[0].rule
/// 'structure/not-an-object'
#[pyclass(frozen, module = "kakunin._kakunin", name = "Batch")]
pub struct PyBatch {
    pub pack: Arc<PackInfo>,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

#[pymethods]
impl PyBatch {
    fn __len__(&self) -> usize {
        self.rows.len()
    }

    /// Records read (checked, unreadable or failed).
    #[getter]
    fn records(&self) -> usize {
        self.rows.len()
    }

    /// Records checked.
    #[getter]
    fn checked(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.state, State::Checked { .. }))
            .count()
    }

    /// Records that could not be read (bad JSON, a ragged CSV row...).
    #[getter]
    fn unreadable(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.state, State::Unreadable(_)))
            .count()
    }

    /// Records a rule failed on (a script broke its limits): not judged.
    #[getter]
    fn failed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.state, State::Failed { .. }))
            .count()
    }

    /// True when every record was checked and none has an ``error`` finding.
    #[getter]
    fn ok(&self) -> bool {
        self.rows
            .iter()
            .all(|r| matches!(r.state, State::Checked { ok: true, .. }))
    }

    /// Findings over the batch by severity.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let mut total = Counts::default();
        for r in &self.rows {
            if let State::Checked { counts, .. } = &r.state {
                total.error += counts.error;
                total.warning += counts.warning;
                total.info += counts.info;
                total.acknowledged += counts.acknowledged;
            }
        }
        let dict = PyDict::new(py);
        dict.set_item("error", total.error)?;
        dict.set_item("warning", total.warning)?;
        dict.set_item("info", total.info)?;
        dict.set_item("acknowledged", total.acknowledged)?;
        Ok(dict)
    }

    /// ``{"name", "version", "hash"}`` of the pack that judged the batch.
    #[getter]
    fn pack<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        pack_dict(py, &self.pack)
    }

    /// What the reader decided that a user should know (a CSV column kept under another key),
    /// in the ``locale`` of the check.
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    /// A ``Report`` per checked record, in input order (with ``position``, ``line``, ``id``).
    fn reports(&self) -> Vec<PyReport> {
        self.rows
            .iter()
            .filter_map(|r| match &r.state {
                State::Checked {
                    ok,
                    counts,
                    reference_date,
                    findings,
                } => Some(PyReport {
                    inner: Report {
                        pack: self.pack.clone(),
                        reference_date: reference_date.clone(),
                        ok: *ok,
                        counts: *counts,
                        findings: findings.clone(),
                    },
                    id: r.id.clone(),
                    position: r.position,
                    line: r.line,
                }),
                _ => None,
            })
            .collect()
    }

    /// The records that could not be read or judged: dicts with ``position``, ``line``, ``id``,
    /// ``kind`` (``"unreadable"``, or the core's error kind such as ``"script-limit"``) and
    /// ``message``.
    fn problems<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for r in &self.rows {
            let (kind, message) = match &r.state {
                State::Checked { .. } => continue,
                State::Unreadable(m) => ("unreadable", m.as_str()),
                State::Failed { kind, message } => (*kind, message.as_str()),
            };
            let d = PyDict::new(py);
            d.set_item("position", r.position)?;
            d.set_item("line", r.line)?;
            d.set_item("id", r.id.as_deref())?;
            d.set_item("kind", kind)?;
            d.set_item("message", message)?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// One row per finding: ``position, id, line, rule, severity, path, paths, message,
    /// acknowledged``; a record that could not be read or judged is one row with ``rule`` None.
    /// ``output``: ``"dicts"`` (or ``"records"``, ``"list"``; the default), ``"pandas"``,
    /// ``"polars"``, ``"arrow"`` (or ``"pyarrow"``).
    #[pyo3(signature = (output=None))]
    fn findings(&self, py: Python<'_>, output: Option<&str>) -> PyResult<Py<PyAny>> {
        let output = Output::choose(output, None)?;
        let mut rows = FindingRows::default();
        for r in &self.rows {
            rows.add(r);
        }
        rows.into_columns().to_python(py, output)
    }

    fn __repr__(&self) -> String {
        format!(
            "Batch(records={}, checked={}, unreadable={}, failed={}, ok={}, pack='{} {}')",
            self.rows.len(),
            self.checked(),
            self.unreadable(),
            self.failed(),
            if self.ok() { "True" } else { "False" },
            self.pack.name,
            self.pack.version
        )
    }

    /// Counts by rule, for notebooks.
    fn _repr_html_(&self) -> String {
        let mut by_rule: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
        for r in &self.rows {
            if let State::Checked { findings, .. } = &r.state {
                let mut seen = Vec::new();
                for f in findings {
                    let e = by_rule
                        .entry((f.rule.as_str(), f.severity.as_str()))
                        .or_default();
                    e.0 += 1;
                    if !seen.contains(&f.rule.as_str()) {
                        e.1 += 1;
                        seen.push(f.rule.as_str());
                    }
                }
            }
        }
        let mut html = format!(
            "<div class=\"kakunin-batch\"><p><strong>{}</strong> — {} records: {} checked, {} unreadable, {} failed ({} {})</p>",
            if self.ok() { "✓ ok" } else { "✗ not ok" },
            self.rows.len(),
            self.checked(),
            self.unreadable(),
            self.failed(),
            escape_html(&self.pack.name),
            escape_html(&self.pack.version)
        );
        if !by_rule.is_empty() {
            html.push_str("<table><thead><tr><th>rule</th><th>severity</th><th>findings</th><th>records</th></tr></thead><tbody>");
            for ((rule, severity), (findings, records)) in by_rule {
                html.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape_html(rule),
                    severity,
                    findings,
                    records
                ));
            }
            html.push_str("</tbody></table>");
        }
        html.push_str("</div>");
        html
    }
}
