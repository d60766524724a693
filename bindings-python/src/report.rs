//! `Finding` and `Report`: the core's types, read-only, comparable to plain dicts.

use kakunin::summary::escape_html;
use kakunin::{Finding, Report};
use pyo3::basic::CompareOp;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping};

use crate::convert;

/// The keys of a finding, in the order the core writes them.
pub const FINDING_KEYS: [&str; 8] = [
    "rule",
    "severity",
    "message",
    "path",
    "paths",
    "ctx",
    "help",
    "acknowledged",
];

/// One problem found in a record.
///
/// The keys are the same in Rust, Python and JS: ``rule``, ``severity``, ``message``, ``path``
/// (the JSON Pointer of the field to show the alert on), ``paths`` (every field involved),
/// ``ctx`` (the values the message was rendered from; personal values are ``None`` unless
/// ``reveal=True``), ``help`` (the rule's title) and ``acknowledged``. Read them as attributes or
/// as keys; a finding equals the plain dict with the same keys and values.
///
/// >>> import kakunin
/// >>> rules = kakunin.RuleSet.bundled("hersys")
/// >>> f = rules.check({"id": "x"}, as_of="2024-06-01", select="required/dates").findings[0]
/// >>> f.rule, f["severity"], f.path
/// ('required/dates', 'error', '/notification/diagnosed_on')
/// >>> f == f.to_dict()
/// True
#[pyclass(frozen, module = "kakunin._kakunin", name = "Finding")]
pub struct PyFinding {
    pub inner: Finding,
}

impl PyFinding {
    fn get<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let f = &self.inner;
        Ok(Some(match key {
            "rule" => f.rule.as_str().into_pyobject(py)?.into_any(),
            "severity" => f.severity.as_str().into_pyobject(py)?.into_any(),
            "message" => f.message.as_str().into_pyobject(py)?.into_any(),
            "path" => f.path.as_str().into_pyobject(py)?.into_any(),
            "paths" => PyList::new(py, &f.paths)?.into_any(),
            "ctx" => {
                let dict = PyDict::new(py);
                for (k, v) in &f.ctx {
                    dict.set_item(k, convert::to_py(py, v)?)?;
                }
                dict.into_any()
            }
            "help" => f.help.as_str().into_pyobject(py)?.into_any(),
            "acknowledged" => pyo3::types::PyBool::new(py, f.acknowledged)
                .to_owned()
                .into_any(),
            _ => return Ok(None),
        }))
    }
}

#[pymethods]
impl PyFinding {
    /// Rule id, ``group/name``.
    #[getter]
    fn rule(&self) -> &str {
        &self.inner.rule
    }

    /// ``"error"``, ``"warning"`` or ``"info"``.
    #[getter]
    fn severity(&self) -> &'static str {
        self.inner.severity.as_str()
    }

    /// The message, in the locale of the check.
    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }

    /// JSON Pointer of the field to show the alert on (``""`` for the whole record).
    #[getter]
    fn path(&self) -> &str {
        &self.inner.path
    }

    /// Every field the rule involved.
    #[getter]
    fn paths(&self) -> Vec<String> {
        self.inner.paths.clone()
    }

    /// The values the message was rendered from.
    #[getter]
    fn ctx<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self
            .get(py, "ctx")?
            .unwrap_or_else(|| py.None().into_bound(py)))
    }

    /// The rule's title, in the locale of the check.
    #[getter]
    fn help(&self) -> &str {
        &self.inner.help
    }

    /// Whether the record acknowledges this warning.
    #[getter]
    fn acknowledged(&self) -> bool {
        self.inner.acknowledged
    }

    /// The finding as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for key in FINDING_KEYS {
            dict.set_item(key, self.get(py, key)?)?;
        }
        Ok(dict)
    }

    /// The keys, as a dict has them.
    fn keys(&self) -> Vec<&'static str> {
        FINDING_KEYS.to_vec()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        self.get(py, key)?
            .ok_or_else(|| PyKeyError::new_err(key.to_owned()))
    }

    fn __contains__(&self, key: &str) -> bool {
        FINDING_KEYS.contains(&key)
    }

    fn __len__(&self) -> usize {
        FINDING_KEYS.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, FINDING_KEYS)?
            .try_iter()
            .map(Bound::into_any)
    }

    fn __richcmp__<'py>(
        &self,
        py: Python<'py>,
        other: &Bound<'py, PyAny>,
        op: CompareOp,
    ) -> PyResult<Py<PyAny>> {
        let equal = if let Ok(other) = other.cast::<PyFinding>() {
            Some(self.inner == other.get().inner)
        } else if other.cast::<PyMapping>().is_ok() {
            Some(self.to_dict(py)?.eq(other)?)
        } else {
            None
        };
        equality(py, op, equal)
    }

    fn __repr__(&self) -> String {
        let f = &self.inner;
        format!(
            "Finding(rule={:?}, severity={:?}, path={:?}, message={:?})",
            f.rule,
            f.severity.as_str(),
            f.path,
            f.message
        )
    }
}

/// The result of checking one record.
///
/// ``findings`` are sorted by path, then rule; ``ok`` is true when no finding is an ``error``
/// (the record may be written); ``counts`` counts findings by severity (acknowledged warnings
/// apart); ``pack`` names the pack, version and content hash that judged the record.
///
/// >>> import kakunin
/// >>> rules = kakunin.RuleSet.bundled("hersys")
/// >>> report = rules.check({"id": "x"}, as_of="2024-06-01", select="required/dates")
/// >>> report.ok, report.counts["error"], report.pack["name"]
/// (False, 2, 'hersys')
/// >>> report.to_dict()["findings"][0]["path"]
/// '/notification/diagnosed_on'
#[pyclass(frozen, module = "kakunin._kakunin", name = "Report")]
pub struct PyReport {
    pub inner: Report,
    /// The record's id, where the pack names one.
    pub id: Option<String>,
    /// 0-based position in a batch (0 for a single record).
    pub position: usize,
    /// 1-based line in a file, where the record came from one.
    pub line: Option<u64>,
}

impl PyReport {
    fn value(&self) -> serde_json::Value {
        serde_json::to_value(&self.inner).unwrap_or(serde_json::Value::Null)
    }
}

#[pymethods]
impl PyReport {
    /// Findings, sorted by path, then rule.
    #[getter]
    fn findings(&self) -> Vec<PyFinding> {
        self.inner
            .findings
            .iter()
            .map(|f| PyFinding { inner: f.clone() })
            .collect()
    }

    /// Whether the record may be written: no ``error`` finding.
    #[getter]
    fn ok(&self) -> bool {
        self.inner.ok
    }

    /// Findings by severity: ``error``, ``warning`` (unacknowledged), ``info``, ``acknowledged``.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.inner.counts;
        let dict = PyDict::new(py);
        dict.set_item("error", c.error)?;
        dict.set_item("warning", c.warning)?;
        dict.set_item("info", c.info)?;
        dict.set_item("acknowledged", c.acknowledged)?;
        Ok(dict)
    }

    /// ``{"name", "version", "hash"}`` of the pack that judged the record.
    #[getter]
    fn pack<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        pack_dict(py, &self.inner.pack)
    }

    /// The record's reference date (it decides which rules were in force).
    #[getter]
    fn reference_date(&self) -> Option<&str> {
        self.inner.reference_date.as_deref()
    }

    /// The record's id, where the pack names one (``/id`` for HER-SYS, ``No`` for open data).
    #[getter]
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// 0-based position of the record in its batch (0 for ``check``).
    #[getter]
    fn position(&self) -> usize {
        self.position
    }

    /// 1-based line of the file the record starts on, where it came from a file.
    #[getter]
    fn line(&self) -> Option<u64> {
        self.line
    }

    /// The report as plain dicts and lists, keyed as the core's JSON.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &self.value())
    }

    /// The report as JSON, exactly as the core serializes it.
    #[pyo3(signature = (indent=None))]
    fn to_json(&self, indent: Option<usize>) -> String {
        match indent {
            None => serde_json::to_string(&self.inner).unwrap_or_default(),
            Some(n) => {
                let mut out = Vec::new();
                let pad = vec![b' '; n];
                let fmt = serde_json::ser::PrettyFormatter::with_indent(&pad);
                let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
                let _ = serde::Serialize::serialize(&self.inner, &mut ser);
                String::from_utf8(out).unwrap_or_default()
            }
        }
    }

    fn __richcmp__<'py>(
        &self,
        py: Python<'py>,
        other: &Bound<'py, PyAny>,
        op: CompareOp,
    ) -> PyResult<Py<PyAny>> {
        let equal = if let Ok(other) = other.cast::<PyReport>() {
            Some(self.inner == other.get().inner)
        } else if other.cast::<PyMapping>().is_ok() {
            Some(self.to_dict(py)?.eq(other)?)
        } else {
            None
        };
        equality(py, op, equal)
    }

    fn __repr__(&self) -> String {
        let c = &self.inner.counts;
        format!(
            "Report(ok={}, error={}, warning={}, info={}, pack='{} {}')",
            if self.inner.ok { "True" } else { "False" },
            c.error,
            c.warning,
            c.info,
            self.inner.pack.name,
            self.inner.pack.version
        )
    }

    /// A table of the findings, for notebooks.
    fn _repr_html_(&self) -> String {
        report_html(&self.inner, self.id.as_deref())
    }
}

/// `{"name", "version", "hash"}`.
pub fn pack_dict<'py>(py: Python<'py>, pack: &kakunin::PackInfo) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("name", &pack.name)?;
    dict.set_item("version", &pack.version)?;
    dict.set_item("hash", &pack.hash)?;
    Ok(dict)
}

fn report_html(report: &Report, id: Option<&str>) -> String {
    let c = &report.counts;
    let mut html = String::new();
    html.push_str("<div class=\"kakunin-report\">");
    html.push_str(&format!(
        "<p><strong>{}</strong>{} — {} {} · error {} · warning {} · info {}{}</p>",
        if report.ok { "✓ ok" } else { "✗ not ok" },
        id.map(|i| format!(" <code>{}</code>", escape_html(i)))
            .unwrap_or_default(),
        escape_html(&report.pack.name),
        escape_html(&report.pack.version),
        c.error,
        c.warning,
        c.info,
        if c.acknowledged > 0 {
            format!(" · acknowledged {}", c.acknowledged)
        } else {
            String::new()
        }
    ));
    if !report.findings.is_empty() {
        html.push_str(
            "<table><thead><tr><th>severity</th><th>rule</th><th>path</th><th>message</th></tr></thead><tbody>",
        );
        for f in &report.findings {
            let severity = if f.acknowledged {
                "acknowledged"
            } else {
                f.severity.as_str()
            };
            html.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                severity,
                escape_html(&f.rule),
                escape_html(&f.path),
                escape_html(&f.message)
            ));
        }
        html.push_str("</tbody></table>");
    }
    html.push_str("</div>");
    html
}

/// The answer to `==` / `!=` given whether the two sides are equal (`None`: not comparable), and
/// `NotImplemented` to every other comparison.
fn equality(py: Python<'_>, op: CompareOp, equal: Option<bool>) -> PyResult<Py<PyAny>> {
    Ok(match (op, equal) {
        (CompareOp::Eq, Some(e)) => e.into_pyobject(py)?.to_owned().into_any().unbind(),
        (CompareOp::Ne, Some(e)) => (!e).into_pyobject(py)?.to_owned().into_any().unbind(),
        _ => py.NotImplemented(),
    })
}
