//! Python objects to JSON values and back.
//!
//! A record from Python can hold anything: the conversion never fails and never panics. What
//! JSON has no place for becomes what a rule can report: `NaN`, `None`, `pd.NA` and `NaT` are
//! "not entered" (`null`); infinities and unknown objects become strings; a structure nested
//! deeper than [`MAX_DEPTH`] (or one that contains itself) is cut there. A record that is not a
//! mapping stays what it is, and the core reports it as `structure/not-an-object`.

use std::borrow::Cow;

use kakunin::Fields;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple,
};
use serde_json::{Map, Number, Value};

/// How deep a Python structure is followed. A record is a few levels deep; this only stops
/// self-referencing or hostile structures (the core's JSON reader stops at the same depth).
pub const MAX_DEPTH: usize = 128;

/// Converts any Python object to a JSON value (see the module docs).
pub fn to_value(obj: &Bound<'_, PyAny>) -> Value {
    convert(obj, 0)
}

/// Converts a record for checking with `plan`: only the fields its rules read (see
/// [`kakunin::Plan::fields`]); what is left out would change no finding. `None`: every field
/// (a summary reads fields no rule reads).
pub fn to_record(obj: &Bound<'_, PyAny>, plan: Option<&kakunin::Plan>) -> Value {
    match plan {
        Some(plan) => to_record_keeping(obj, plan.fields()),
        None => to_value(obj),
    }
}

/// Converts what `fields` keeps of a record: its dicts keep only the members, its lists and
/// tuples the parts of each element, that `fields` names; a list no field goes into stands in as
/// `null`, as for the core's JSON reader. A record that is not a dict is converted whole, so that
/// its finding can say what it is.
pub fn to_record_keeping(obj: &Bound<'_, PyAny>, fields: Fields<'_>) -> Value {
    match obj.cast::<PyDict>() {
        Ok(d) => keep(d.as_any(), fields, 0),
        Err(_) => to_value(obj),
    }
}

fn keep(obj: &Bound<'_, PyAny>, fields: Fields<'_>, depth: usize) -> Value {
    let Fields::Some(_) = fields else {
        return convert(obj, depth);
    };
    if depth > MAX_DEPTH {
        return convert(obj, depth);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return Value::Object(
            d.iter()
                .filter_map(|(k, v)| {
                    let key = key_cow(&k);
                    let member = fields.member(&key)?;
                    Some((key.into_owned(), keep(&v, member, depth + 1)))
                })
                .collect(),
        );
    }
    let elements = |items: &mut dyn Iterator<Item = Bound<'_, PyAny>>| match fields.elements() {
        Some(each) => Value::Array(items.map(|v| keep(&v, each, depth + 1)).collect()),
        None => Value::Null,
    };
    if let Ok(l) = obj.cast::<PyList>() {
        return elements(&mut l.iter());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return elements(&mut t.iter());
    }
    // A scalar (or another kind of mapping) where a rule reads inside an object or an array:
    // converted whole, as before any field was left out.
    convert(obj, depth)
}

fn convert(obj: &Bound<'_, PyAny>, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::String("<nested too deep>".into());
    }
    if obj.is_none() {
        return Value::Null;
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Value::String(s.to_string_lossy().into_owned());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        // Collected, not inserted one by one: the map is then built in one pass from its sorted
        // entries, and a record's keys usually come sorted already.
        return Value::Object(
            d.iter()
                .map(|(k, v)| (key_text(&k), convert(&v, depth + 1)))
                .collect(),
        );
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Value::Bool(b.is_true());
    }
    if obj.is_instance_of::<PyInt>() {
        return int_value(obj);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return float_value(f.value());
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return Value::Array(l.iter().map(|v| convert(&v, depth + 1)).collect());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return Value::Array(t.iter().map(|v| convert(&v, depth + 1)).collect());
    }
    // datetime before date: a datetime is a date.
    if obj.is_instance_of::<PyDateTime>() || obj.is_instance_of::<PyDate>() {
        if is_missing(obj) {
            return Value::Null;
        }
        return match obj.call_method0("isoformat") {
            Ok(s) => Value::String(s.to_string()),
            Err(_) => text(obj),
        };
    }
    if is_missing(obj) {
        return Value::Null;
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let mut map = Map::new();
        if let Ok(items) = m.items() {
            for item in items.iter() {
                if let Ok((k, v)) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>() {
                    map.insert(key_text(&k), convert(&v, depth + 1));
                }
            }
        }
        return Value::Object(map);
    }
    scalar(obj)
}

/// numpy and other scalars: booleans, integers (`__index__`), numbers (`__float__`); anything
/// else is its `str()`.
fn scalar(obj: &Bound<'_, PyAny>) -> Value {
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    if type_name == "datetime64" {
        // numpy's own date type: its text is ISO 8601, or `NaT`.
        return match text(obj) {
            Value::String(s) if s == "NaT" => Value::Null,
            other => other,
        };
    }
    if (type_name == "bool_" || type_name == "bool")
        && let Ok(b) = obj.is_truthy()
    {
        return Value::Bool(b);
    }
    if obj.hasattr("__index__").unwrap_or(false)
        && let Ok(i) = obj.call_method0("__index__")
    {
        return int_value(&i);
    }
    if obj.hasattr("__float__").unwrap_or(false)
        && !obj.is_instance_of::<PyString>()
        && let Ok(f) = obj
            .call_method0("__float__")
            .and_then(|f| f.extract::<f64>())
    {
        return float_value(f);
    }
    if let Ok(bytes) = obj.extract::<Vec<u8>>()
        && obj.hasattr("decode").unwrap_or(false)
    {
        return Value::String(String::from_utf8_lossy(&bytes).into_owned());
    }
    text(obj)
}

/// `pd.NA`, `pd.NaT`, `numpy.datetime64("NaT")` and the like: missing values of data libraries.
fn is_missing(obj: &Bound<'_, PyAny>) -> bool {
    let Ok(name) = obj.get_type().name() else {
        return false;
    };
    matches!(name.to_str(), Ok("NAType" | "NaTType"))
}

fn int_value(obj: &Bound<'_, PyAny>) -> Value {
    if let Ok(i) = obj.extract::<i64>() {
        return Value::from(i);
    }
    if let Ok(u) = obj.extract::<u64>() {
        return Value::from(u);
    }
    // Too large for 64 bits: a float keeps the magnitude for range checks.
    match obj.extract::<f64>() {
        Ok(f) => float_value(f),
        Err(_) => text(obj),
    }
}

/// `NaN` is pandas' "missing"; infinities have no JSON form and become strings a rule reports.
pub fn float_value(f: f64) -> Value {
    if f.is_nan() {
        return Value::Null;
    }
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None => Value::String(if f > 0.0 { "inf" } else { "-inf" }.into()),
    }
}

fn key_text(key: &Bound<'_, PyAny>) -> String {
    key_cow(key).into_owned()
}

/// A key as text: a string borrowed from Python where it can be, any other key its `str()`.
fn key_cow<'a>(key: &'a Bound<'_, PyAny>) -> Cow<'a, str> {
    match key.cast::<PyString>() {
        Ok(s) => s.to_string_lossy(),
        Err(_) => match text(key) {
            Value::String(s) => Cow::Owned(s),
            _ => Cow::Borrowed(""),
        },
    }
}

fn text(obj: &Bound<'_, PyAny>) -> Value {
    match obj.str() {
        Ok(s) => Value::String(s.to_string_lossy().into_owned()),
        Err(_) => Value::String(format!(
            "<{}>",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        )),
    }
}

/// A JSON value as plain Python objects (dict, list, str, int, float, bool, None).
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}
