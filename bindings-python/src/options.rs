//! Keyword arguments to the core's options: they are put in the JSON object that
//! `CheckOptions::from_json` (the one decoder every binding uses) reads.

use kakunin::{CheckOptions, ListOptions, Plan, RuleSet};
use pyo3::prelude::*;
use pyo3::types::{PyDate, PyDateTime, PyString};
use serde_json::{Map, Value};

use crate::errors::{self, IntoPy};

/// The check options as Python passes them.
pub struct Args<'a, 'py> {
    pub as_of: Option<&'a Bound<'py, PyAny>>,
    pub stage: &'a str,
    pub tiers: Option<&'a Bound<'py, PyAny>>,
    pub select: Option<&'a Bound<'py, PyAny>>,
    pub ignore: Option<&'a Bound<'py, PyAny>>,
    pub locale: &'a str,
    pub reveal: bool,
}

impl Args<'_, '_> {
    /// The options as the JSON object the core decodes.
    pub fn to_json(&self) -> PyResult<Value> {
        let mut map = Map::new();
        if let Some(as_of) = self.as_of.filter(|a| !a.is_none()) {
            map.insert("as_of".into(), Value::String(date_text(as_of)?));
        }
        map.insert("stage".into(), Value::String(self.stage.to_owned()));
        for (name, value) in [
            ("tiers", self.tiers),
            ("select", self.select),
            ("ignore", self.ignore),
        ] {
            if let Some(v) = value.filter(|v| !v.is_none()) {
                map.insert(name.into(), strings(name, v)?);
            }
        }
        map.insert("locale".into(), Value::String(self.locale.to_owned()));
        map.insert("reveal".into(), Value::Bool(self.reveal));
        Ok(Value::Object(map))
    }

    /// The core's options.
    pub fn options(&self) -> PyResult<CheckOptions> {
        CheckOptions::from_json(&self.to_json()?).py_err()
    }

    /// The core's plan (rule selection) for these options.
    pub fn plan(&self, rules: &RuleSet) -> PyResult<Plan> {
        rules.plan(&self.options()?).py_err()
    }
}

/// `rules(as_of=..., prefecture=...)` as the core's listing options, which judge them.
pub fn list_options(
    as_of: Option<&Bound<'_, PyAny>>,
    prefecture: Option<&Bound<'_, PyAny>>,
) -> PyResult<ListOptions> {
    let as_of = as_of.filter(|a| !a.is_none()).map(date_text).transpose()?;
    let prefecture = prefecture
        .filter(|p| !p.is_none())
        .map(|p| match p.cast::<PyString>() {
            Ok(s) => Ok(s.to_string_lossy().into_owned()),
            Err(_) => Err(errors::options(
                "prefecture",
                "must be a prefecture code string (01 to 47)",
            )),
        })
        .transpose()?;
    ListOptions::parse(as_of.as_deref(), prefecture.as_deref()).py_err()
}

/// `as_of` as `YYYY-MM-DD`: a string, a `datetime.date` or a `datetime.datetime` (its date).
fn date_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_string_lossy().into_owned());
    }
    let date = if value.is_instance_of::<PyDateTime>() {
        value.call_method0("date")?
    } else if value.is_instance_of::<PyDate>() {
        value.clone()
    } else {
        return Err(errors::options(
            "as_of",
            "must be a YYYY-MM-DD string or a datetime.date",
        ));
    };
    Ok(date.call_method0("isoformat")?.to_string())
}

/// A string, or an iterable of strings, as a JSON array.
fn strings(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::Array(vec![Value::String(
            s.to_string_lossy().into_owned(),
        )]));
    }
    let bad = || errors::options(name, "must be a string or a list of strings");
    let mut out = Vec::new();
    for item in value.try_iter().map_err(|_| bad())? {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| bad())?;
        out.push(Value::String(s.to_string_lossy().into_owned()));
    }
    Ok(Value::Array(out))
}
