//! `RuleSet.summarize(...)`'s result: the core's quality summary (`kakunin::summary`), its tables
//! as pandas, polars, Arrow or dicts, and the same HTML page and JSON as `kakunin report`.

use std::path::PathBuf;

use kakunin::summary::Summary;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;
use crate::table::{Columns, Data, Output};

/// A quality report of a batch: counts, rates, rule ids and record ids only (no personal value),
/// the same numbers as ``kakunin report``.
///
/// Tables (``rules()``, ``breakdown()``, ``groups()``, ``periods()``, ``completeness()``,
/// ``duplicates()``) come as the frame's library when ``summarize`` was given a frame, else as
/// ``output=`` says: ``"dicts"`` (or ``"records"``, ``"list"``; the default), ``"pandas"``,
/// ``"polars"``, ``"arrow"`` (or ``"pyarrow"``).
/// ``to_html(path)`` writes the very file ``kakunin report`` writes; in a notebook the summary
/// displays as that report.
///
/// >>> import kakunin
/// >>> rules = kakunin.RuleSet.bundled("hersys")
/// >>> records = [{"id": "a", "health_center": "北保健所", "notification": {"diagnosed_on": "2021-03-01"}},
/// ...            {"id": "b", "health_center": "南保健所", "notification": {"diagnosed_on": "2021-02-30"}}]
/// >>> summary = rules.summarize(records, as_of="2024-06-01")
/// >>> summary.totals["records"], summary.totals["with_errors"]
/// (2, 2)
/// >>> [(r["value"], r["records"]) for r in summary.breakdown()]
/// [('北保健所', 1), ('南保健所', 1)]
/// >>> [(p["period"], p["records"]) for p in summary.periods()]
/// [('2021-03-01', 1)]
#[pyclass(frozen, module = "kakunin._kakunin", name = "Summary")]
pub struct PySummary {
    pub inner: Summary,
    pub output: Output,
}

impl PySummary {
    fn table(&self, py: Python<'_>, output: Option<&str>, columns: Columns) -> PyResult<Py<PyAny>> {
        let output = match output {
            Some(_) => Output::choose(output, None)?,
            None => self.output,
        };
        columns.to_python(py, output)
    }

    /// Each breakdown row's value, repeated `times` times per row.
    fn values(&self, times: usize) -> Data {
        Data::OptStr(
            self.inner
                .breakdown
                .iter()
                .flat_map(|r| std::iter::repeat_n(r.value.clone(), times))
                .collect(),
        )
    }
}

fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[pymethods]
impl PySummary {
    /// Headline counts: ``records``, ``checked``, ``unreadable``, ``failed``,
    /// ``with_errors``, ``with_warnings``, ``with_findings``.
    #[getter]
    fn totals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = &self.inner.totals;
        let d = PyDict::new(py);
        for (k, v) in [
            ("records", t.records),
            ("checked", t.checked),
            ("unreadable", t.unreadable),
            ("failed", t.failed),
            ("with_errors", t.with_errors),
            ("with_warnings", t.with_warnings),
            ("with_findings", t.with_findings),
        ] {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// The JSON Pointer of the field counts are broken down by (``None``: no breakdown).
    #[getter]
    fn by(&self) -> Option<&str> {
        self.inner.by.as_ref().map(|b| b.path.as_str())
    }

    /// Rules with findings, most records affected first: ``rule``, ``group``, ``severity``,
    /// ``title``, ``records`` (records with a finding of the rule), ``findings``.
    #[pyo3(signature = (output=None))]
    fn rules(&self, py: Python<'_>, output: Option<&str>) -> PyResult<Py<PyAny>> {
        let rows = &self.inner.rules;
        let mut c = Columns::default();
        let text = |f: fn(&kakunin::summary::RuleRow) -> &str| {
            Data::Str(rows.iter().map(|r| f(r).to_owned()).collect())
        };
        c.push("rule", text(|r| &r.id));
        c.push("group", text(|r| &r.group));
        c.push("severity", text(|r| r.severity));
        c.push("title", text(|r| &r.title));
        c.push(
            "records",
            Data::Int(rows.iter().map(|r| int(r.records)).collect()),
        );
        c.push(
            "findings",
            Data::Int(rows.iter().map(|r| int(r.findings)).collect()),
        );
        self.table(py, output, c)
    }

    /// One row per value of the breakdown field (``value``; None: not entered): ``records``,
    /// ``with_errors``, ``with_warnings``, ``failed``.
    #[pyo3(signature = (output=None))]
    fn breakdown(&self, py: Python<'_>, output: Option<&str>) -> PyResult<Py<PyAny>> {
        let rows = &self.inner.breakdown;
        let mut c = Columns::default();
        c.push("value", self.values(1));
        let count = |f: fn(&kakunin::summary::BreakdownRow) -> usize| {
            Data::Int(rows.iter().map(|r| int(f(r))).collect())
        };
        c.push("records", count(|r| r.records));
        c.push("with_errors", count(|r| r.with_errors));
        c.push("with_warnings", count(|r| r.with_warnings));
        c.push("failed", count(|r| r.failed));
        self.table(py, output, c)
    }

    /// The heat map as a tidy table: ``value``, ``group``, ``records`` (of the value),
    /// ``affected`` (of them, records with a finding of the group).
    #[pyo3(signature = (output=None))]
    fn groups(&self, py: Python<'_>, output: Option<&str>) -> PyResult<Py<PyAny>> {
        let s = &self.inner;
        let n = s.groups.len();
        let mut c = Columns::default();
        c.push("value", self.values(n));
        c.push(
            "group",
            Data::Str(s.breakdown.iter().flat_map(|_| s.groups.clone()).collect()),
        );
        c.push(
            "records",
            Data::Int(
                s.breakdown
                    .iter()
                    .flat_map(|r| std::iter::repeat_n(int(r.records), n))
                    .collect(),
            ),
        );
        c.push(
            "affected",
            Data::Int(
                s.breakdown
                    .iter()
                    .flat_map(|r| r.groups.iter().map(|&g| int(g)))
                    .collect(),
            ),
        );
        self.table(py, output, c)
    }

    /// Records by week or month of reference (diagnosis) date: ``period``, ``records``,
    /// ``with_errors``, ``with_warnings``.
    #[pyo3(signature = (output=None))]
    fn periods(&self, py: Python<'_>, output: Option<&str>) -> PyResult<Py<PyAny>> {
        let rows = &self.inner.periods;
        let mut c = Columns::default();
        c.push(
            "period",
            Data::Str(rows.iter().map(|p| p.period.clone()).collect()),
        );
        let count = |f: fn(&kakunin::summary::PeriodRow) -> usize| {
            Data::Int(rows.iter().map(|p| int(f(p))).collect())
        };
        c.push("records", count(|p| p.records));
        c.push("with_errors", count(|p| p.with_errors));
        c.push("with_warnings", count(|p| p.with_warnings));
        self.table(py, output, c)
    }

    /// Completeness of the required items as a tidy table: ``value``, ``item`` (its path),
    /// ``label``, ``records`` (of the value), ``missing`` (of them, records missing the item
    /// where it is required).
    #[pyo3(signature = (output=None))]
    fn completeness(&self, py: Python<'_>, output: Option<&str>) -> PyResult<Py<PyAny>> {
        let s = &self.inner;
        let n = s.items.len();
        let per_item = |f: fn(&kakunin::summary::RequiredItem) -> &str| {
            Data::Str(
                s.breakdown
                    .iter()
                    .flat_map(|_| s.items.iter().map(|i| f(i).to_owned()))
                    .collect(),
            )
        };
        let mut c = Columns::default();
        c.push("value", self.values(n));
        c.push("item", per_item(|i| &i.path));
        c.push("label", per_item(|i| &i.label));
        c.push(
            "records",
            Data::Int(
                s.breakdown
                    .iter()
                    .flat_map(|r| std::iter::repeat_n(int(r.records), n))
                    .collect(),
            ),
        );
        c.push(
            "missing",
            Data::Int(
                s.breakdown
                    .iter()
                    .flat_map(|r| r.missing.iter().map(|&m| int(m)))
                    .collect(),
            ),
        );
        self.table(py, output, c)
    }

    /// Records flagged by the cross-record rules (probable duplicates): ``rule``, ``id``,
    /// ``others`` (ids of the records it was matched with).
    #[pyo3(signature = (output=None))]
    fn duplicates(&self, py: Python<'_>, output: Option<&str>) -> PyResult<Py<PyAny>> {
        let flagged: Vec<(&str, &kakunin::summary::Flagged)> = self
            .inner
            .cross
            .iter()
            .flat_map(|c| c.records.iter().map(move |f| (c.rule.as_str(), f)))
            .collect();
        let mut c = Columns::default();
        c.push(
            "rule",
            Data::Str(flagged.iter().map(|(r, _)| (*r).to_owned()).collect()),
        );
        c.push(
            "id",
            Data::Str(flagged.iter().map(|(_, f)| f.id.clone()).collect()),
        );
        c.push(
            "others",
            Data::StrList(flagged.iter().map(|(_, f)| f.others.clone()).collect()),
        );
        self.table(py, output, c)
    }

    /// The summary as JSON, exactly as ``kakunin report --format json`` writes it.
    fn to_json(&self) -> String {
        self.inner.to_json() + "\n"
    }

    /// The summary as nested dicts and lists.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (self.inner.to_json(),))
    }

    /// The report as one self-contained HTML page, byte for byte what ``kakunin report``
    /// writes; written to ``path`` when given (then returns None), else returned.
    #[pyo3(signature = (path=None))]
    fn to_html(&self, py: Python<'_>, path: Option<PathBuf>) -> PyResult<Option<String>> {
        let html = self.inner.to_html();
        match path {
            None => Ok(Some(html)),
            Some(path) => {
                py.detach(|| std::fs::write(&path, html))
                    .map_err(|e| errors::input(&path.display().to_string(), &e.to_string()))?;
                Ok(None)
            }
        }
    }

    fn _repr_html_(&self) -> String {
        self.inner.to_html_fragment()
    }

    fn __repr__(&self) -> String {
        let t = &self.inner.totals;
        format!(
            "Summary(records={}, with_errors={}, with_warnings={}, unreadable={}, rules={})",
            t.records,
            t.with_errors,
            t.with_warnings,
            t.unreadable + t.failed,
            self.inner.rules.len()
        )
    }
}
