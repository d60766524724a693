//! kakunin for Python: the native module `kakunin._kakunin`.
//!
//! The bindings hold no rule logic. They convert Python objects, files and frames into the
//! core's records, call the core (`RuleSet::check`, `batch::check_stream`) with the interpreter
//! released, and convert what comes back. Options are decoded by `CheckOptions::from_json`, as in
//! every binding; engine errors become `kakunin.KakuninError` subclasses carrying the core's
//! `kind()`; problems in records are findings.

mod batch;
mod convert;
mod errors;
mod frame;
mod options;
mod report;
mod summary;
mod table;

// Batches build and drop many small values per record: mimalloc's thread-local free lists cost a
// fraction of the system allocator's (Python's own objects keep Python's allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::sync::Arc;

use kakunin::input::{Format, Mapping};
use kakunin::summary::{field_pointer, key_text};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMapping, PyString, PyTuple};

use crate::batch::{FindingRows, Key, PyBatch, Row, Source, Summary};
use crate::convert::{DateFields, Tape};
use crate::errors::IntoPy;
use crate::frame::Library;
use crate::options::Args;
use crate::report::{PyFinding, PyReport, pack_dict};
use crate::table::Output;

/// A pack compiled once: immutable, shareable between threads.
///
/// Make one with ``RuleSet.bundled("hersys")`` (or ``"opendata"``) or
/// ``RuleSet.from_path(folder)`` and keep it: compiling is where all the cost that does not
/// depend on the records is paid. Every check method takes the same keyword options:
///
/// - ``as_of``: "today" (``"YYYY-MM-DD"`` or a ``datetime.date``) for future dates and elapsed
///   times; default: today in Japan;
/// - ``stage``: ``"submit"`` (everything) or ``"draft"`` (a form being filled: absent fields
///   are not reported);
/// - ``tiers``: only rules owned by these tiers (``"hc"``, ``"pref"``, ``"nat"``);
/// - ``select`` / ``ignore``: rule ids or groups (``"dates"``, ``"dates/late-report"``);
/// - ``locale``: ``"ja"`` (default) or ``"en"`` messages;
/// - ``reveal``: show personal values in ``ctx`` and messages (hidden by default).
///
/// >>> import kakunin
/// >>> rules = kakunin.RuleSet.bundled("hersys")
/// >>> rules.name
/// 'hersys'
/// >>> report = rules.check({"id": "r1"}, as_of="2024-06-01", locale="en")
/// >>> report.ok
/// False
#[pyclass(frozen, module = "kakunin._kakunin", name = "RuleSet")]
pub struct PyRuleSet {
    rules: Arc<kakunin::RuleSet>,
    mapping: Option<Mapping>,
    dates: Arc<DateFields>,
}

impl PyRuleSet {
    fn new(rules: Arc<kakunin::RuleSet>) -> PyResult<Self> {
        let mapping = rules.csv_mapping().py_err()?;
        let dates = Arc::new(DateFields::of(rules.schema()));
        Ok(PyRuleSet {
            rules,
            mapping,
            dates,
        })
    }

    /// Runs a batch detached from the interpreter and keeps every outcome.
    fn run_batch(
        &self,
        py: Python<'_>,
        plan: &kakunin::Plan,
        source: &Source<'_>,
        lines: bool,
        notes: Vec<String>,
    ) -> PyResult<PyBatch> {
        let rules = &*self.rules;
        let mut rows = Vec::new();
        py.detach(|| {
            batch::drive(
                rules,
                plan,
                source,
                None::<&(dyn Fn(&_) + Sync)>,
                batch::Kept::Every,
                |outcome, _| {
                    rows.push(Row::from_outcome(outcome, lines));
                },
            )
        })
        .map_err(batch::Failure::into_py)?;
        Ok(PyBatch {
            pack: Arc::new(rules.info().clone()),
            rows,
            notes,
        })
    }

    /// A Python iterable as a batch source: streamed, and read again for the cross-record rules
    /// when it is a list or a tuple; a one-shot iterator (a generator, a file...) is copied into
    /// tapes and held, because those rules need to read the records more than once. Only the
    /// fields the plan reads are copied (a summary's plan reads its fields too).
    fn python_source(
        &self,
        records: &Bound<'_, PyAny>,
        plan: &kakunin::Plan,
    ) -> PyResult<Source<'static>> {
        let dates = self.dates.clone();
        if records.cast::<PyMapping>().is_ok() || records.cast::<PyString>().is_ok() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "check_many takes an iterable of records (a list of dicts, a generator...); \
                 use check() for one record",
            ));
        }
        if records.cast::<PyBytes>().is_ok() || records.cast::<PyByteArray>().is_ok() {
            // Iterated, bytes are numbers: each would be an unreadable "record".
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "records given as bytes: pass a file's path as str or pathlib.Path, or the \
                 records as an iterable of dicts",
            ));
        }
        let iter = records.try_iter()?;
        let reread = records.cast::<PyList>().is_ok() || records.cast::<PyTuple>().is_ok();
        if batch::needs_two_passes(&self.rules, plan) && !reread {
            let mut tapes: Vec<Tape> = Vec::new();
            for item in iter {
                let tape = Tape::of_record(&item?, plan.fields(), &dates, tapes.last());
                tapes.push(tape);
            }
            Ok(Source::Buffered(tapes.into()))
        } else {
            Ok(Source::Python {
                records: records.clone().unbind(),
                dates,
            })
        }
    }

    /// What the reader of a file decides that a user should know: for CSV, about its header row;
    /// for a workbook, also which sheet and row it read. In `locale`, the language of the
    /// findings.
    fn file_notes(
        &self,
        path: &std::path::Path,
        format: Format,
        locale: kakunin::Locale,
    ) -> Vec<String> {
        if !matches!(format, Format::Csv | Format::Workbook) {
            return Vec::new();
        }
        // Reading a table's records reads its header row (a workbook's sheet) and no row yet.
        let Ok(file) = kakunin::input::open_file(path) else {
            return Vec::new();
        };
        let records = kakunin::input::read(file, format, self.mapping.as_ref());
        records.notes().iter().map(|n| n.message(locale)).collect()
    }

    /// Runs `f` over the records of `data` (a file path, a frame or an iterable of records, as
    /// `summary` and `summarize` take it), with the frame's library when it is a frame.
    fn with_source<R>(
        &self,
        data: &Bound<'_, PyAny>,
        format: Option<&str>,
        plan: &kakunin::Plan,
        f: impl FnOnce(&Source<'_>, Option<Library>) -> PyResult<R>,
    ) -> PyResult<R> {
        let is_path =
            data.cast::<PyString>().is_ok() || data.hasattr("__fspath__").unwrap_or(false);
        let frame = if is_path {
            None
        } else {
            read_frame(data, None, &|h: &str| {
                frame::date_column(&self.rules, self.mapping.as_ref(), h)
            })?
        };
        if let Some((library, table)) = frame {
            let notes = table.notes(self.mapping.as_ref(), plan.options().locale);
            errors::warn_notes(data.py(), None, &notes)?;
            let fplan = frame::Plan::new(&self.rules, self.mapping.as_ref(), table.names())
                .screened_for(&self.rules, plan);
            let source = Source::Frame(Arc::new(frame::Frame::new(table, fplan)));
            f(&source, Some(library))
        } else if is_path {
            let path: PathBuf = data.extract()?;
            if !path.is_file() {
                return Err(errors::input(&path.display().to_string(), "no such file"));
            }
            let format = batch::file_format(&path, format)?;
            let notes = self.file_notes(&path, format, plan.options().locale);
            errors::warn_notes(data.py(), Some(&path), &notes)?;
            let source = Source::File {
                path,
                format,
                mapping: self.mapping.as_ref(),
            };
            f(&source, None)
        } else {
            f(&self.python_source(data, plan)?, None)
        }
    }

    /// The summary keys named by `by`.
    fn keys(&self, by: &Bound<'_, PyAny>, reveal: bool) -> PyResult<Vec<Key>> {
        let names: Vec<String> = if let Ok(s) = by.cast::<PyString>() {
            vec![s.to_string()]
        } else {
            by.extract()
                .map_err(|_| errors::options("by", "must be a string or a list of strings"))?
        };
        names
            .into_iter()
            .map(|name| match name.as_str() {
                "rule" => Ok(Key::Rule),
                "severity" => Ok(Key::Severity),
                field => {
                    let pointer = field_pointer(field, self.mapping.as_ref());
                    if !reveal && self.rules.schema().holds_personal(&pointer) {
                        return Err(errors::options(
                            "by",
                            &format!(
                                "`{field}` holds personal values; a summary by it would publish them \
                                 (pass reveal=True to allow it)"
                            ),
                        ));
                    }
                    Ok(Key::Field(field.to_owned(), pointer))
                }
            })
            .collect()
    }
}

/// Reads a frame of any supported library.
fn read_frame(
    frame: &Bound<'_, PyAny>,
    wanted: Option<&dyn Fn(&str) -> bool>,
    date_column: &dyn Fn(&str) -> bool,
) -> PyResult<Option<(Library, frame::Table)>> {
    let library = match Library::of(frame) {
        Some(l) => l,
        None if frame.hasattr("__arrow_c_stream__")? => Library::ArrowStream,
        None => return Ok(None),
    };
    Ok(Some((
        library,
        frame::Table::read(frame, library, wanted, date_column)?,
    )))
}

#[pymethods]
impl PyRuleSet {
    /// A pack that ships with kakunin: ``"hersys"`` (the HER-SYS case record) or
    /// ``"opendata"`` (the published 陽性患者属性 line list). Compiled once per process. Another
    /// name (names are lower case) raises ``OptionsError``, as an unknown option does.
    ///
    /// >>> kakunin.RuleSet.bundled("opendata").name
    /// 'opendata'
    #[staticmethod]
    fn bundled(py: Python<'_>, name: &str) -> PyResult<Self> {
        let rules = py.detach(|| kakunin_rules::bundled(name)).py_err()?;
        PyRuleSet::new(rules)
    }

    /// A pack folder (``pack.toml``, rule files, schema...), validated and compiled. A malformed
    /// pack (a bad rule file, schema or code list, or a file it needs, such as ``pack.toml``,
    /// absent) raises ``PackError`` naming the file, the rule and what is wrong; a path that is
    /// not a folder, or a folder that cannot be read, raises ``InputError``, as the core does.
    #[staticmethod]
    fn from_path(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        if !path.is_dir() {
            return Err(errors::input(
                &path.display().to_string(),
                "not a pack folder",
            ));
        }
        let rules = py.detach(|| kakunin::RuleSet::from_dir(&path)).py_err()?;
        PyRuleSet::new(Arc::new(rules))
    }

    /// The pack's name.
    #[getter]
    fn name(&self) -> &str {
        &self.rules.info().name
    }

    /// The pack's version.
    #[getter]
    fn version(&self) -> &str {
        &self.rules.info().version
    }

    /// SHA-256 of the pack's files: names exactly which rules judged a record.
    #[getter]
    fn hash(&self) -> &str {
        &self.rules.info().hash
    }

    /// ``{"name", "version", "hash"}``.
    #[getter]
    fn pack<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        pack_dict(py, self.rules.info())
    }

    /// Every rule, sorted by id, as ``kakunin rules list --format json`` and the JS binding's
    /// ``list()`` give it (the core's ``Rule::summary``): dicts with ``id``, ``group``,
    /// ``severity``, ``tiers``, ``title`` (Japanese), ``title_en``, ``stage`` (``"draft"``: runs
    /// while a form is filled; ``"submit"``: only on submission), ``cross_record`` (looks across
    /// the records of a batch), ``checks`` (the kinds of its checks) and ``applies``: its
    /// effective period, ``{"from", "until", "prefectures"}`` (days as ``"YYYY-MM-DD"`` or
    /// ``None`` for open; ``prefectures`` maps a 2-digit prefecture code to its own
    /// ``{"from", "until"}``).
    ///
    /// With ``as_of`` (``"YYYY-MM-DD"`` or a ``datetime.date``), only the rules in force on that
    /// day, as ``check`` would run them for a record of that reference date; with
    /// ``prefecture`` too (``"01"`` to ``"47"``), for a record of that prefecture, whose
    /// periods may differ. Raises ``OptionsError`` for a bad date, an unknown prefecture code,
    /// or a prefecture without ``as_of``.
    ///
    /// >>> [r["id"] for r in kakunin.RuleSet.bundled("hersys").rules() if r["cross_record"]]
    /// ['identity/duplicate-hersys-id', 'identity/probable-duplicate']
    /// >>> [r["applies"] for r in rules.rules() if r["id"] == "scope/not-notifiable"][0]["from"]
    /// '2022-09-26'
    /// >>> def in_force(prefecture):
    /// ...     listed = rules.rules(as_of="2022-09-10", prefecture=prefecture)
    /// ...     return "scope/not-notifiable" in [r["id"] for r in listed]
    /// >>> in_force("04"), in_force("13")  # Miyagi narrowed notification early
    /// (True, False)
    #[pyo3(signature = (*, as_of=None, prefecture=None))]
    fn rules<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'_, PyAny>>,
        prefecture: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let options = options::list_options(as_of, prefecture)?;
        let listed: Vec<serde_json::Value> = self
            .rules
            .list(&options)
            .into_iter()
            .map(kakunin::Rule::summary)
            .collect();
        Ok(convert::to_py(py, &listed.into())?.cast_into::<PyList>()?)
    }

    /// Every field of the record schema, sorted by path, as the JS binding's ``fields()`` gives
    /// it: dicts with ``path`` (a JSON Pointer pattern; ``*`` stands for array items),
    /// ``title`` (Japanese), ``title_en``, ``format`` (``"date"``, ``"date-time"``... or
    /// ``None``), ``sensitive`` (a personal value: never in messages, ``ctx`` or summaries
    /// unless ``reveal``) and ``types`` (the JSON types allowed, without ``null``). For
    /// labelling a form or a table from the pack itself.
    ///
    /// >>> [f for f in rules.fields() if f["path"] == "/notification/onset_on"][0]["format"]
    /// 'date'
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let fields = serde_json::Value::from(self.rules.fields_summary());
        Ok(convert::to_py(py, &fields)?.cast_into::<PyList>()?)
    }

    /// The pack's code lists, as the JS binding's ``codes()`` gives them: list name → code →
    /// ``{"ja", "en"}`` labels.
    ///
    /// >>> rules.codes()["sex"]["male"]
    /// {'en': 'Male', 'ja': '男'}
    fn codes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let codes = self.rules.codes_summary();
        Ok(convert::to_py(py, &codes)?.cast_into::<PyDict>()?)
    }

    /// Checks one record (a dict or any mapping) and returns its ``Report``.
    ///
    /// Anything can be passed: a value that is not a mapping is reported as the finding
    /// ``structure/not-an-object``, a field of the wrong type as ``structure/type``; ``None``
    /// and ``NaN`` are "not entered". Rules across records (``identity/``) need a batch and stay
    /// silent here. Raises ``OptionsError`` for a bad option and ``ScriptError`` when a rule's
    /// script breaks its limits.
    ///
    /// >>> report = rules.check({"id": "r1", "notification": {"diagnosed_on": "2021-03-02",
    /// ...     "reported_on": "2021-03-01"}}, as_of="2024-06-01", select="dates", locale="en")
    /// >>> [(f.rule, f.path) for f in report.findings]
    /// [('dates/report-before-diagnosis', '/notification/reported_on')]
    #[pyo3(signature = (record, *, as_of=None, stage="submit", tiers=None, select=None, ignore=None, locale="ja", reveal=false))]
    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        py: Python<'_>,
        record: &Bound<'_, PyAny>,
        as_of: Option<&Bound<'_, PyAny>>,
        stage: &str,
        tiers: Option<&Bound<'_, PyAny>>,
        select: Option<&Bound<'_, PyAny>>,
        ignore: Option<&Bound<'_, PyAny>>,
        locale: &str,
        reveal: bool,
    ) -> PyResult<PyReport> {
        let plan = Args {
            as_of,
            stage,
            tiers,
            select,
            ignore,
            locale,
            reveal,
        }
        .plan(&self.rules)?;
        let value = convert::to_record(record, &plan, &self.dates);
        let rules = &*self.rules;
        let (report, id) = py.detach(|| {
            (
                rules.check_with_plan(&value, &plan),
                rules.record_id(&value),
            )
        });
        Ok(PyReport {
            inner: report.py_err()?,
            id,
            position: 0,
            line: None,
        })
    }

    /// Checks many records from any iterable (a list, a generator, a file of dicts...) on all
    /// cores, and returns a ``Batch`` with one entry per record, in input order.
    ///
    /// The records are streamed: pulled and copied a block at a time (only the fields the
    /// selected rules read), then built and checked with the interpreter released. When a
    /// selected rule looks across records (``identity/``), a list or a tuple is read once more,
    /// for the few records those rules' findings name (the others are passed over); a one-shot
    /// iterable (a generator) is copied once and held in memory. Pass ``ignore="identity"`` to
    /// stream a generator in constant memory.
    ///
    /// >>> same_id = [{"id": "a", "hersys_id": "1", "notification": {"patient": {"sex": "male"}}},
    /// ...            {"id": "b", "hersys_id": "1", "notification": {"patient": {"sex": "female"}}}]
    /// >>> batch = rules.check_many(same_id, as_of="2024-06-01", select="identity")
    /// >>> [f.rule for r in batch.reports() for f in r.findings]
    /// ['identity/duplicate-hersys-id', 'identity/duplicate-hersys-id']
    #[pyo3(signature = (records, *, as_of=None, stage="submit", tiers=None, select=None, ignore=None, locale="ja", reveal=false))]
    #[allow(clippy::too_many_arguments)]
    fn check_many(
        &self,
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        as_of: Option<&Bound<'_, PyAny>>,
        stage: &str,
        tiers: Option<&Bound<'_, PyAny>>,
        select: Option<&Bound<'_, PyAny>>,
        ignore: Option<&Bound<'_, PyAny>>,
        locale: &str,
        reveal: bool,
    ) -> PyResult<PyBatch> {
        let plan = Args {
            as_of,
            stage,
            tiers,
            select,
            ignore,
            locale,
            reveal,
        }
        .plan(&self.rules)?;
        let source = self.python_source(records, &plan)?;
        self.run_batch(py, &plan, &source, false, Vec::new())
    }

    /// Checks a file of records: JSON Lines, a JSON array, or CSV (UTF-8, UTF-8 with BOM or
    /// Shift_JIS; CRLF or LF; headers mapped to record paths by the pack's ``mapping.toml``, or
    /// dotted paths such as ``notification.diagnosed_on``). ``format`` (``"jsonl"``, ``"json"``,
    /// ``"csv"``) is detected from the extension and content when left out.
    ///
    /// The file is streamed and checked on all cores with the interpreter released. Every
    /// record is accounted for: a line that is not JSON or a CSV row with the wrong number of
    /// cells is an *unreadable* entry with its line number, and the run goes on. A file that
    /// cannot be opened raises ``InputError``.
    #[pyo3(signature = (path, format=None, *, as_of=None, stage="submit", tiers=None, select=None, ignore=None, locale="ja", reveal=false))]
    #[allow(clippy::too_many_arguments)]
    fn check_file(
        &self,
        py: Python<'_>,
        path: PathBuf,
        format: Option<&str>,
        as_of: Option<&Bound<'_, PyAny>>,
        stage: &str,
        tiers: Option<&Bound<'_, PyAny>>,
        select: Option<&Bound<'_, PyAny>>,
        ignore: Option<&Bound<'_, PyAny>>,
        locale: &str,
        reveal: bool,
    ) -> PyResult<PyBatch> {
        let plan = Args {
            as_of,
            stage,
            tiers,
            select,
            ignore,
            locale,
            reveal,
        }
        .plan(&self.rules)?;
        if !path.is_file() {
            return Err(errors::input(&path.display().to_string(), "no such file"));
        }
        let format = batch::file_format(&path, format)?;
        let notes = self.file_notes(&path, format, plan.options().locale);
        errors::warn_notes(py, Some(&path), &notes)?;
        let source = Source::File {
            path,
            format,
            mapping: self.mapping.as_ref(),
        };
        self.run_batch(py, &plan, &source, true, notes)
    }

    /// Checks every row of a data frame and returns the findings as a table of the same
    /// library: a pandas ``DataFrame`` for pandas, a polars ``DataFrame`` for a polars
    /// ``DataFrame`` or ``LazyFrame`` (collected with only the columns the rules read), a
    /// ``pyarrow.Table`` (or ``RecordBatch``) for Arrow and for any other object with
    /// ``__arrow_c_stream__`` (a ``pyarrow.RecordBatchReader``...); ``output=`` chooses another:
    /// ``"dicts"`` (or ``"records"``, ``"list"``), ``"pandas"``, ``"polars"``, ``"arrow"`` (or
    /// ``"pyarrow"``).
    ///
    /// One row per finding: ``position`` (0-based row of the frame), ``id``, ``line`` (None:
    /// frames have no lines), ``rule``, ``severity``, ``path``, ``paths``, ``message``,
    /// ``acknowledged``. A row that could not be judged is one row with ``rule`` None.
    ///
    /// Columns are mapped to record fields as CSV headers are: by the pack's mapping
    /// (``保健所``, ``報告年月日``...) or as dotted paths (``notification.diagnosed_on``,
    /// ``tests.0.method``). Text columns of any Arrow type (``string``, ``large_string``,
    /// ``string_view``, dictionary-encoded) are read as CSV cells; numbers in text fields as a
    /// CSV cell's text (``1.0`` as ``1``), elsewhere as their values, as are booleans, dates and
    /// lists; nulls and ``NaN`` are "not entered". Read CSV files into pandas with
    /// ``dtype=str`` (or use ``check_file``) to judge exactly what the file says: pandas drops
    /// leading zeros.
    ///
    /// >>> import pyarrow as pa
    /// >>> table = pa.table({"id": ["a"], "notification.diagnosed_on": ["2021-13-01"]})
    /// >>> found = rules.check_frame(table, as_of="2024-06-01", select="formats")
    /// >>> found.column("rule").to_pylist(), found.column("path").to_pylist()
    /// (['formats/date'], ['/notification/diagnosed_on'])
    #[pyo3(signature = (frame, *, output=None, as_of=None, stage="submit", tiers=None, select=None, ignore=None, locale="ja", reveal=false))]
    #[allow(clippy::too_many_arguments)]
    fn check_frame(
        &self,
        py: Python<'_>,
        frame: &Bound<'_, PyAny>,
        output: Option<&str>,
        as_of: Option<&Bound<'_, PyAny>>,
        stage: &str,
        tiers: Option<&Bound<'_, PyAny>>,
        select: Option<&Bound<'_, PyAny>>,
        ignore: Option<&Bound<'_, PyAny>>,
        locale: &str,
        reveal: bool,
    ) -> PyResult<Py<PyAny>> {
        let plan = Args {
            as_of,
            stage,
            tiers,
            select,
            ignore,
            locale,
            reveal,
        }
        .plan(&self.rules)?;
        // Only the columns the selected rules read are converted.
        let mapping = self.mapping.as_ref();
        let wanted = |header: &str| frame::column_read(&plan, mapping, header);
        let date_column = |header: &str| frame::date_column(&self.rules, mapping, header);
        let Some((library, table)) = read_frame(frame, Some(&wanted), &date_column)? else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "check_frame takes a pandas or polars DataFrame, a polars LazyFrame, a pyarrow Table or \
                 RecordBatch, or any object with __arrow_c_stream__; got {}",
                frame.get_type().name()?
            )));
        };
        let output = Output::choose(output, Some(library))?;
        errors::warn_notes(py, None, &table.notes(mapping, plan.options().locale))?;
        let fplan = frame::Plan::new(&self.rules, self.mapping.as_ref(), table.names())
            .screened_for(&self.rules, &plan);
        let rules = &*self.rules;
        let mut rows = FindingRows::default();
        let source = Source::Frame(Arc::new(frame::Frame::new(table, fplan)));
        py.detach(|| {
            batch::drive(
                rules,
                &plan,
                &source,
                None::<&(dyn Fn(&_) + Sync)>,
                batch::Kept::Little,
                |outcome, _| {
                    rows.add(&Row::from_outcome(outcome, false));
                },
            )
        })
        .map_err(batch::Failure::into_py)?;
        drop(source);
        rows.into_columns().to_python(py, output)
    }

    /// Counts over a batch, grouped ``by`` rule, severity and any record field (for example
    /// ``"health_center"``, a mapped header such as ``"保健所"``, a dotted path or a JSON
    /// Pointer): a table of counts that holds no personal values (a field the record schema marks
    /// personal is refused unless ``reveal=True``).
    ///
    /// ``data`` is what ``check_many``, ``check_file`` (a path) or ``check_frame`` take. Columns:
    /// the ``by`` keys, then ``records`` (records in the group: all of them when ``by`` names
    /// only fields, those with such a finding when it names ``rule`` or ``severity``),
    /// ``unjudged`` (unreadable or failed records), ``findings``, ``error``, ``warning``,
    /// ``info``, ``acknowledged``. The table is of the frame's library, or ``output=``:
    /// ``"dicts"`` (or ``"records"``, ``"list"``; the default for files and iterables),
    /// ``"pandas"``, ``"polars"``, ``"arrow"`` (or ``"pyarrow"``).
    ///
    /// >>> records = [{"id": "a", "health_center": "北保健所"}, {"id": "b", "health_center": "北保健所",
    /// ...     "notification": {"diagnosed_on": "2021-02-30"}}]
    /// >>> rows = rules.summary(records, by="health_center", as_of="2024-06-01", select="formats")
    /// >>> [(r["health_center"], r["records"], r["error"]) for r in rows]
    /// [('北保健所', 2, 1)]
    #[pyo3(signature = (data, *, by=None, format=None, output=None, as_of=None, stage="submit", tiers=None, select=None, ignore=None, locale="ja", reveal=false))]
    #[allow(clippy::too_many_arguments)]
    fn summary(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        by: Option<&Bound<'_, PyAny>>,
        format: Option<&str>,
        output: Option<&str>,
        as_of: Option<&Bound<'_, PyAny>>,
        stage: &str,
        tiers: Option<&Bound<'_, PyAny>>,
        select: Option<&Bound<'_, PyAny>>,
        ignore: Option<&Bound<'_, PyAny>>,
        locale: &str,
        reveal: bool,
    ) -> PyResult<Py<PyAny>> {
        let plan = Args {
            as_of,
            stage,
            tiers,
            select,
            ignore,
            locale,
            reveal,
        }
        .plan(&self.rules)?;
        let keys = match by {
            Some(by) => self.keys(by, reveal)?,
            None => vec![Key::Rule],
        };
        let mut summary = Summary::new(keys);
        let fields = summary.fields();
        // The records are built with the fields counted by, which the rules may not read.
        let plan = plan.also_reading_pointers(fields.iter().map(String::as_str));
        let rules = &*self.rules;
        let output = self.with_source(data, format, &plan, |source, library| {
            let output = Output::choose(output, library)?;
            py.detach(|| {
                let read = |record: &serde_json::Value| -> Vec<Option<String>> {
                    fields.iter().map(|p| key_text(record.pointer(p))).collect()
                };
                // Counts by rule or severity alone read no record field: the records are then
                // parsed by the checking threads for the fields the rules read, not whole as
                // they are read.
                let read = (!fields.is_empty()).then_some(&read as &(dyn Fn(&_) -> _ + Sync));
                batch::drive(
                    rules,
                    &plan,
                    source,
                    read,
                    batch::Kept::Little,
                    |outcome, values| {
                        summary.add(&Row::from_outcome(outcome, false), values);
                    },
                )
            })
            .map_err(batch::Failure::into_py)?;
            Ok(output)
        })?;
        summary.into_columns().to_python(py, output)
    }

    /// A quality report of a batch — the numbers and the page of ``kakunin report``: records
    /// with errors and warnings, rules by records affected, rule groups × ``by`` (default
    /// ``health_center``), error and warning rates by ``period`` (``"week"`` or ``"month"``) of
    /// diagnosis, completeness of the required items, and the records the cross-record rules
    /// flagged. Returns a ``Summary``; ``summary.to_html(path)`` writes the report.
    ///
    /// ``data`` is what ``summary`` takes: a file path, a frame or an iterable of records.
    /// ``by`` names a record field as ``summary`` does; a personal field raises
    /// ``OptionsError`` (a report is for publication: there is no ``reveal``).
    #[pyo3(signature = (data, *, by=None, period="week", format=None, output=None, as_of=None, stage="submit", tiers=None, select=None, ignore=None, locale="ja"))]
    #[allow(clippy::too_many_arguments)]
    fn summarize(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        by: Option<String>,
        period: &str,
        format: Option<&str>,
        output: Option<&str>,
        as_of: Option<&Bound<'_, PyAny>>,
        stage: &str,
        tiers: Option<&Bound<'_, PyAny>>,
        select: Option<&Bound<'_, PyAny>>,
        ignore: Option<&Bound<'_, PyAny>>,
        locale: &str,
    ) -> PyResult<summary::PySummary> {
        let plan = Args {
            as_of,
            stage,
            tiers,
            select,
            ignore,
            locale,
            reveal: false,
        }
        .plan(&self.rules)?;
        let options = kakunin::summary::SummaryOptions {
            by,
            period: period.parse().py_err()?,
        };
        let rules = &*self.rules;
        let mut summarizer =
            kakunin::summary::Summarizer::new(rules, &plan, &options, self.mapping.as_ref())
                .py_err()?;
        let reader = summarizer.key_reader();
        let plan = reader.plan_reading_keys(&plan);
        let output = self.with_source(data, format, &plan, |source, library| {
            let output = Output::choose(output, library)?;
            py.detach(|| {
                let read = |record: &serde_json::Value| reader.read(record);
                batch::drive(
                    rules,
                    &plan,
                    source,
                    Some(&read),
                    batch::Kept::Little,
                    |outcome, keys| {
                        summarizer.add(&outcome, keys);
                    },
                )
            })
            .map_err(batch::Failure::into_py)?;
            Ok(output)
        })?;
        Ok(summary::PySummary {
            inner: summarizer.finish(),
            output,
        })
    }

    fn __repr__(&self) -> String {
        let info = self.rules.info();
        format!(
            "RuleSet(name='{}', version='{}', rules={})",
            info.name,
            info.version,
            self.rules.rules().len()
        )
    }
}

/// The pack's rule examples as the core makes them (`kakunin::examples::cases`), as JSON: a list
/// of ``{"id", "rule", "records", "batch", "options", "expect"}`` (or ``{"id", "error"}`` for an
/// example that could not be built). The Python test runner judges them through the public API.
#[pyfunction]
fn _example_cases(rules: &Bound<'_, PyRuleSet>) -> String {
    let cases: Vec<serde_json::Value> = kakunin::examples::cases(&rules.get().rules)
        .into_iter()
        .map(|c| match c {
            Ok(case) => serde_json::to_value(case).unwrap_or(serde_json::Value::Null),
            Err((id, error)) => serde_json::json!({"id": id, "error": error}),
        })
        .collect();
    serde_json::to_string(&cases).unwrap_or_default()
}

/// The native module.
#[pymodule(gil_used = false)]
fn _kakunin(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyRuleSet>()?;
    m.add_class::<PyReport>()?;
    m.add_class::<PyFinding>()?;
    m.add_class::<PyBatch>()?;
    m.add_class::<summary::PySummary>()?;
    m.add("KakuninError", py.get_type::<errors::KakuninError>())?;
    m.add("PackError", py.get_type::<errors::PackError>())?;
    m.add("ScriptError", py.get_type::<errors::ScriptError>())?;
    m.add("InputError", py.get_type::<errors::InputError>())?;
    m.add("OptionsError", py.get_type::<errors::OptionsError>())?;
    m.add("KakuninWarning", py.get_type::<errors::KakuninWarning>())?;
    m.add_function(wrap_pyfunction!(_example_cases, m)?)?;
    Ok(())
}
