//! Tables handed back to Python: findings and summaries, built as columns in Rust and made into
//! the caller's kind of table (pandas, polars, pyarrow) or a list of dicts.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors;
use crate::frame::Library;

/// What kind of table to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// A list of dicts, one per row.
    Dicts,
    Pandas,
    Polars,
    /// A `pyarrow.Table`.
    Arrow,
    /// A `pyarrow.RecordBatch`.
    ArrowBatch,
}

/// Every `output=` value and what it names; the error message lists them all, and so must the
/// stubs' `_Output` and the docstrings (tests/test_api.py compares them).
const OUTPUTS: [(&str, Output); 7] = [
    ("dicts", Output::Dicts),
    ("records", Output::Dicts),
    ("list", Output::Dicts),
    ("pandas", Output::Pandas),
    ("polars", Output::Polars),
    ("arrow", Output::Arrow),
    ("pyarrow", Output::Arrow),
];

impl Output {
    /// `output=` as given, or the caller's library when it passed a frame, or dicts.
    pub fn choose(output: Option<&str>, library: Option<Library>) -> PyResult<Output> {
        Ok(match (output, library) {
            (Some(name), _) => match OUTPUTS.iter().find(|(n, _)| *n == name) {
                Some((_, output)) => *output,
                None => {
                    let names: Vec<String> =
                        OUTPUTS.iter().map(|(n, _)| format!("`{n}`")).collect();
                    return Err(errors::options(
                        "output",
                        &format!("`{name}` is not one of {}", names.join(", ")),
                    ));
                }
            },
            (None, Some(Library::Pandas)) => Output::Pandas,
            (None, Some(Library::Polars | Library::PolarsLazy)) => Output::Polars,
            (None, Some(Library::ArrowTable | Library::ArrowStream)) => Output::Arrow,
            (None, Some(Library::ArrowBatch)) => Output::ArrowBatch,
            (None, None) => Output::Dicts,
        })
    }
}

/// The data of one column.
pub enum Data {
    Int(Vec<i64>),
    OptInt(Vec<Option<i64>>),
    Str(Vec<String>),
    OptStr(Vec<Option<String>>),
    StrList(Vec<Vec<String>>),
    Bool(Vec<bool>),
}

impl Data {
    fn len(&self) -> usize {
        match self {
            Data::Int(v) => v.len(),
            Data::OptInt(v) => v.len(),
            Data::Str(v) => v.len(),
            Data::OptStr(v) => v.len(),
            Data::StrList(v) => v.len(),
            Data::Bool(v) => v.len(),
        }
    }

    fn list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        match self {
            Data::Int(v) => PyList::new(py, v),
            Data::OptInt(v) => PyList::new(py, v),
            Data::Str(v) => PyList::new(py, v),
            Data::OptStr(v) => PyList::new(py, v),
            Data::StrList(v) => PyList::new(py, v),
            Data::Bool(v) => PyList::new(py, v),
        }
    }

    fn cell<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Data::Int(v) => v[i].into_pyobject(py)?.into_any(),
            Data::OptInt(v) => v[i].into_pyobject(py)?.into_any(),
            Data::Str(v) => v[i].as_str().into_pyobject(py)?.into_any(),
            Data::OptStr(v) => v[i].as_deref().into_pyobject(py)?.into_any(),
            Data::StrList(v) => PyList::new(py, &v[i])?.into_any(),
            Data::Bool(v) => v[i].into_pyobject(py)?.to_owned().into_any(),
        })
    }

    fn polars_type<'py>(&self, pl: &Bound<'py, PyModule>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Data::Int(_) | Data::OptInt(_) => pl.getattr("Int64")?,
            Data::Str(_) | Data::OptStr(_) => pl.getattr("String")?,
            Data::StrList(_) => pl.getattr("List")?.call1((pl.getattr("String")?,))?,
            Data::Bool(_) => pl.getattr("Boolean")?,
        })
    }

    fn arrow_type<'py>(&self, pa: &Bound<'py, PyModule>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Data::Int(_) | Data::OptInt(_) => pa.call_method0("int64")?,
            Data::Str(_) | Data::OptStr(_) => pa.call_method0("string")?,
            Data::StrList(_) => pa.call_method1("list_", (pa.call_method0("string")?,))?,
            Data::Bool(_) => pa.call_method0("bool_")?,
        })
    }
}

/// Named columns of equal length.
#[derive(Default)]
pub struct Columns {
    pub columns: Vec<(String, Data)>,
}

impl Columns {
    /// Adds a column.
    pub fn push(&mut self, name: impl Into<String>, data: Data) {
        self.columns.push((name.into(), data));
    }

    fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, d)| d.len())
    }

    /// The table in the requested form.
    pub fn to_python(&self, py: Python<'_>, output: Output) -> PyResult<Py<PyAny>> {
        match output {
            Output::Dicts => {
                let rows = PyList::empty(py);
                for i in 0..self.rows() {
                    let row = PyDict::new(py);
                    for (name, data) in &self.columns {
                        row.set_item(name, data.cell(py, i)?)?;
                    }
                    rows.append(row)?;
                }
                Ok(rows.into_any().unbind())
            }
            Output::Pandas => {
                let pd = py.import("pandas")?;
                let dict = PyDict::new(py);
                for (name, data) in &self.columns {
                    let list = data.list(py)?;
                    let column = match data {
                        Data::OptInt(_) => {
                            let kwargs = PyDict::new(py);
                            kwargs.set_item("dtype", "Int64")?;
                            pd.call_method("array", (list,), Some(&kwargs))?
                        }
                        _ => list.into_any(),
                    };
                    dict.set_item(name, column)?;
                }
                let kwargs = PyDict::new(py);
                kwargs.set_item(
                    "columns",
                    self.columns
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>(),
                )?;
                Ok(pd
                    .getattr("DataFrame")?
                    .call((dict,), Some(&kwargs))?
                    .unbind())
            }
            Output::Polars => {
                let pl = py.import("polars")?;
                let dict = PyDict::new(py);
                let schema = PyDict::new(py);
                for (name, data) in &self.columns {
                    dict.set_item(name, data.list(py)?)?;
                    schema.set_item(name, data.polars_type(&pl)?)?;
                }
                let kwargs = PyDict::new(py);
                kwargs.set_item("schema", schema)?;
                Ok(pl
                    .getattr("DataFrame")?
                    .call((dict,), Some(&kwargs))?
                    .unbind())
            }
            Output::Arrow | Output::ArrowBatch => {
                let pa = py.import("pyarrow")?;
                let arrays = PyList::empty(py);
                let fields = PyList::empty(py);
                for (name, data) in &self.columns {
                    let ty = data.arrow_type(&pa)?;
                    let kwargs = PyDict::new(py);
                    kwargs.set_item("type", &ty)?;
                    arrays.append(pa.call_method("array", (data.list(py)?,), Some(&kwargs))?)?;
                    fields.append(pa.call_method1("field", (name, ty))?)?;
                }
                let schema = pa.call_method1("schema", (fields,))?;
                let kwargs = PyDict::new(py);
                kwargs.set_item("schema", schema)?;
                let class = if output == Output::Arrow {
                    "Table"
                } else {
                    "RecordBatch"
                };
                Ok(pa
                    .getattr(class)?
                    .call_method("from_arrays", (arrays,), Some(&kwargs))?
                    .unbind())
            }
        }
    }
}
