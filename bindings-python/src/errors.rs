//! Engine errors as Python exceptions: `kakunin.KakuninError` and one subclass per kind of
//! failure, each carrying the core's `kind()` (the same string in every binding).
//!
//! Problems *in a record* are never exceptions: they are findings.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyUserWarning};
use pyo3::prelude::*;

create_exception!(
    kakunin,
    KakuninError,
    PyException,
    "Something stopped kakunin from judging records. `kind` is the core's name for it."
);
create_exception!(
    kakunin,
    PackError,
    KakuninError,
    "A pack (rule files, schema, code lists, mapping) is malformed, or a file it needs (such as \
     `pack.toml`) is absent. A pack folder that does not exist is an `InputError`; an unknown \
     bundled pack, an `OptionsError`."
);
create_exception!(
    kakunin,
    ScriptError,
    KakuninError,
    "A rule's rhai script broke one of its limits (`kind == \"script-limit\"`) or failed."
);
create_exception!(
    kakunin,
    InputError,
    KakuninError,
    "An input could not be read at all (a missing file, a folder given for a file, a pack \
     folder that does not exist). Unreadable *rows* are not errors: they are reported in the \
     batch."
);
create_exception!(
    kakunin,
    OptionsError,
    KakuninError,
    "An option kakunin does not understand: a bad `as_of`, an unknown rule or group in \
     `select`/`ignore`, an unknown format or output, an unknown bundled pack."
);

create_exception!(
    kakunin,
    KakuninWarning,
    PyUserWarning,
    "What a reader decided that a user should know: a column that maps to no field (or to none \
     at all: the wrong pack or the wrong file), or two columns for one field, in the call's \
     `locale` as its findings are (Japanese unless `locale=\"en\"`). The same text is in \
     `Batch.notes`."
);

/// Warns a `KakuninWarning` per note of a reader, naming the file it read (`None`: a frame),
/// at the caller's line. An error when warnings are made errors.
pub fn warn_notes(
    py: Python<'_>,
    file: Option<&std::path::Path>,
    notes: &[String],
) -> PyResult<()> {
    let category = py.get_type::<KakuninWarning>();
    for note in notes {
        let text = match file {
            Some(file) => format!("{}: {note}", file.display()),
            None => note.clone(),
        };
        // A header may hold a NUL, which a C string cannot.
        let text = std::ffi::CString::new(text.replace('\0', "\\0")).unwrap_or_default();
        PyErr::warn(py, category.as_any(), &text, 1)?;
    }
    Ok(())
}

/// Converts a core error into the matching Python exception, with `kind` and the details the
/// core gives (`rule`, `file`, `line`, `column`, `path`) as attributes.
pub fn to_py(py: Python<'_>, error: &kakunin::Error) -> PyErr {
    let message = error.to_string();
    let err = match error {
        kakunin::Error::Pack { .. } => PackError::new_err(message),
        kakunin::Error::Script { .. } => ScriptError::new_err(message),
        kakunin::Error::Input { .. } => InputError::new_err(message),
        _ => OptionsError::new_err(message),
    };
    let value = err.value(py);
    let _ = value.setattr("kind", error.kind());
    match error {
        kakunin::Error::Pack { file, rule, .. } => {
            let _ = value.setattr("file", file);
            let _ = value.setattr("rule", rule.as_deref());
        }
        kakunin::Error::Script {
            rule, line, column, ..
        } => {
            let _ = value.setattr("rule", rule);
            let _ = value.setattr("line", line);
            let _ = value.setattr("column", column);
        }
        kakunin::Error::Input { path, .. } => {
            let _ = value.setattr("path", path);
        }
        _ => {}
    }
    err
}

/// An `OptionsError` (kind `invalid-option`) raised by the binding itself, for an argument whose
/// Python type is wrong before the core sees it.
pub fn options(name: &str, message: &str) -> PyErr {
    Python::attach(|py| {
        to_py(
            py,
            &kakunin::Error::InvalidOption {
                name: name.into(),
                message: message.into(),
            },
        )
    })
}

/// An `InputError` (kind `input`) for a path that cannot be read.
pub fn input(path: &str, message: &str) -> PyErr {
    Python::attach(|py| {
        to_py(
            py,
            &kakunin::Error::Input {
                path: path.into(),
                message: message.into(),
            },
        )
    })
}

/// Shorthand: a core result into a Python result.
pub trait IntoPy<T> {
    /// Maps the error to its Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for kakunin::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(|e| Python::attach(|py| to_py(py, &e)))
    }
}
