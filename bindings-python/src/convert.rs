//! Python objects to JSON values and back.
//!
//! A record from Python can hold anything: the conversion never fails and never panics. What
//! JSON has no place for becomes what a rule can report: `NaN`, `None`, `pd.NA` and `NaT` are
//! "not entered" (`null`); numpy arrays, pandas Series and Arrow arrays are lists; infinities
//! and unknown objects become strings; a structure nested deeper than [`MAX_DEPTH`] (or one
//! that contains itself) is cut there. A record that is not a mapping stays what it is, and the
//! core reports it as `structure/not-an-object`.
//!
//! Every conversion reads the Python objects into a [`Tape`] first; a batch hands the tapes to
//! the threads that check the records, which build the values there.

use std::borrow::Cow;

use kakunin::Fields;
use kakunin::path::escape_token;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMapping, PySet,
    PyString, PyTuple,
};
use serde_json::{Number, Value};

/// How deep a Python structure is followed. A record is a few levels deep; this only stops
/// self-referencing or hostile structures (the core's JSON reader stops at the same depth).
pub const MAX_DEPTH: usize = 128;

/// Converts any Python object to a JSON value (see the module docs).
pub fn to_value(obj: &Bound<'_, PyAny>) -> Value {
    with_scratch(|tape| {
        tape.write(obj);
        tape.to_value()
    })
}

/// Converts a value that stands in a date field, such as a cell of a frame's date column: a
/// midnight `datetime` is its day, as it is inside a record.
pub fn to_date_value(obj: &Bound<'_, PyAny>) -> Value {
    with_scratch(|tape| {
        tape.convert(obj, &Place::root(&THE_VALUE_IS_A_DATE));
        tape.to_value()
    })
}

/// Converts a record for checking with `plan`: only the fields its rules read (see
/// [`kakunin::Plan::fields`]); what is left out would change no finding.
pub fn to_record(obj: &Bound<'_, PyAny>, plan: &kakunin::Plan, dates: &DateFields) -> Value {
    with_scratch(|tape| {
        tape.write_record(obj, plan.fields(), dates);
        tape.to_value()
    })
}

/// The record schema's date fields (`"format": "date"`), by path pattern: a Python `datetime`
/// at midnight there (what pandas' `to_dict` gives of a `parse_dates` column) is read as its
/// day, as a frame's midnight timestamp is.
#[derive(Debug, Default)]
pub struct DateFields(std::collections::HashSet<String>);

impl DateFields {
    pub fn of(schema: &kakunin::schema::RecordSchema) -> DateFields {
        DateFields(schema.with_format("date").map(str::to_owned).collect())
    }
}

/// Where a value being written lies in its record: its depth, and the path to it, followed
/// only when a date-time is met.
#[derive(Clone, Copy)]
struct Place<'a> {
    dates: &'a DateFields,
    parent: Option<&'a Place<'a>>,
    step: Step<'a>,
    depth: usize,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Item,
}

impl<'a> Place<'a> {
    fn root(dates: &'a DateFields) -> Place<'a> {
        Place {
            dates,
            parent: None,
            step: Step::Root,
            depth: 0,
        }
    }

    fn key(&'a self, key: &'a str) -> Place<'a> {
        self.child(Step::Key(key))
    }

    fn item(&'a self) -> Place<'a> {
        self.child(Step::Item)
    }

    fn child(&'a self, step: Step<'a>) -> Place<'a> {
        Place {
            dates: self.dates,
            parent: Some(self),
            step,
            depth: self.depth + 1,
        }
    }

    /// Whether the value here is a date field of the record schema.
    fn is_date(&self) -> bool {
        !self.dates.0.is_empty() && self.dates.0.contains(&self.pattern())
    }

    /// `/tests/*/sampled_on`.
    fn pattern(&self) -> String {
        let mut out = self.parent.map(Place::pattern).unwrap_or_default();
        match self.step {
            Step::Root => {}
            Step::Key(key) => {
                out.push('/');
                out.push_str(&escape_token(key));
            }
            Step::Item => out.push_str("/*"),
        }
        out
    }
}

/// Writing a value, not a record: no field is a date field.
static NO_DATES: std::sync::LazyLock<DateFields> = std::sync::LazyLock::new(DateFields::default);

/// Writing a date field's value alone: the value is the root, whose pattern is empty.
static THE_VALUE_IS_A_DATE: std::sync::LazyLock<DateFields> =
    std::sync::LazyLock::new(|| DateFields([String::new()].into()));

/// A tape of this thread's, emptied, for a conversion that builds its value at once.
fn with_scratch<T>(f: impl FnOnce(&mut Tape) -> T) -> T {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Tape> = std::cell::RefCell::default();
    }
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut tape) => {
            tape.clear();
            let out = f(&mut tape);
            // One huge record would otherwise keep its memory for as long as the thread lives.
            if tape.bytes() > KEPT_SCRATCH {
                *tape = Tape::default();
            }
            out
        }
        Err(_) => f(&mut Tape::default()),
    })
}

/// A scratch tape larger than this (in bytes) is not kept for the next conversion, nor is a
/// record larger than this taken as the size of the next.
const KEPT_SCRATCH: usize = 1 << 16;

/// A Python object read into two flat buffers while attached to the interpreter: the JSON
/// value it stands for, as tokens in document order and the text of its strings and keys
/// end to end.
///
/// Reading a record this way costs the interpreter's thread its walk of the Python objects and
/// a copy of their text. A JSON value would also cost it an allocation per string, key, object
/// and array (about 200 for a HER-SYS record) and the building of every map: while the
/// interpreter is held, no other thread can read Python objects, so in a batch that thread
/// limits every core. A tape is built into its value by the thread that checks the record,
/// without the interpreter, which also frees the value where it was allocated.
#[derive(Debug, Default)]
pub struct Tape {
    tokens: Vec<Token>,
    text: String,
}

#[derive(Debug, Clone, Copy)]
enum Token {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    /// Finite: written through [`float_value`].
    Float(f64),
    /// A string or an object's key: the text from the previous one's end to this end.
    Text(usize),
    /// An object of this many members, each a key's `Text` then its value.
    Object(usize),
    /// An array of this many elements.
    Array(usize),
}

impl Tape {
    /// A new tape of what `fields` keeps of a record ([`Tape::write_record`]), made with room
    /// for `like`'s tokens and text: the record before it in a batch, which this one most likely
    /// resembles.
    pub fn of_record(
        obj: &Bound<'_, PyAny>,
        fields: Fields<'_>,
        dates: &DateFields,
        like: Option<&Tape>,
    ) -> Tape {
        let mut tape = like.map(Tape::sized_like).unwrap_or_default();
        tape.write_record(obj, fields, dates);
        tape
    }

    /// An empty tape with room for `like`'s tokens and text (unless `like` is huge).
    fn sized_like(like: &Tape) -> Tape {
        if like.bytes() > KEPT_SCRATCH {
            return Tape::default();
        }
        Tape {
            tokens: Vec::with_capacity(like.tokens.len()),
            text: String::with_capacity(like.text.len()),
        }
    }

    /// The memory the tape holds.
    fn bytes(&self) -> usize {
        self.tokens.capacity() * std::mem::size_of::<Token>() + self.text.capacity()
    }

    fn clear(&mut self) {
        self.tokens.clear();
        self.text.clear();
    }

    /// Writes any Python object (see the module docs).
    fn write(&mut self, obj: &Bound<'_, PyAny>) {
        self.convert(obj, &Place::root(&NO_DATES));
    }

    /// Writes what `fields` keeps of a record: its dicts keep only the members, its lists and
    /// tuples the parts of each element, that `fields` names; a list no field goes into stands
    /// in as `null`, as for the core's JSON reader. A record that is not a dict is written whole,
    /// so that its finding can say what it is.
    fn write_record(&mut self, obj: &Bound<'_, PyAny>, fields: Fields<'_>, dates: &DateFields) {
        let root = Place::root(dates);
        match obj.cast::<PyDict>() {
            Ok(d) => self.keep(d.as_any(), fields, &root),
            Err(_) => self.convert(obj, &root),
        }
    }

    /// The JSON value written.
    pub fn to_value(&self) -> Value {
        self.reader().value()
    }

    /// What `fields` keeps of the JSON value written, as [`Tape::write_record`] would have
    /// written it.
    pub fn to_value_keeping(&self, fields: Fields<'_>) -> Value {
        self.reader().value_keeping(fields)
    }

    fn reader(&self) -> Reader<'_> {
        Reader {
            tokens: self.tokens.iter(),
            text: &self.text,
            at: 0,
        }
    }

    fn push_text(&mut self, text: &str) {
        self.text.push_str(text);
        self.tokens.push(Token::Text(self.text.len()));
    }

    /// Writes a container's token, its parts by `parts`, which returns how many it wrote, and
    /// the count into the token.
    fn container(&mut self, token: fn(usize) -> Token, parts: impl FnOnce(&mut Self) -> usize) {
        let at = self.tokens.len();
        self.tokens.push(token(0));
        let count = parts(self);
        self.tokens[at] = token(count);
    }

    fn keep(&mut self, obj: &Bound<'_, PyAny>, fields: Fields<'_>, place: &Place<'_>) {
        let Fields::Some(_) = fields else {
            return self.convert(obj, place);
        };
        if place.depth > MAX_DEPTH {
            return self.convert(obj, place);
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return self.container(Token::Object, |tape| {
                let mut members = 0;
                for (k, v) in d.iter() {
                    let key = key_cow(&k);
                    if let Some(member) = fields.member(&key) {
                        tape.push_text(&key);
                        tape.keep(&v, member, &place.key(&key));
                        members += 1;
                    }
                }
                members
            });
        }
        let mut elements =
            |items: &mut dyn Iterator<Item = Bound<'_, PyAny>>| match fields.elements() {
                Some(each) => self.container(Token::Array, |tape| {
                    let item = place.item();
                    items.map(|v| tape.keep(&v, each, &item)).count()
                }),
                None => self.tokens.push(Token::Null),
            };
        if let Ok(l) = obj.cast::<PyList>() {
            return elements(&mut l.iter());
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return elements(&mut t.iter());
        }
        // A scalar (or another kind of mapping) where a rule reads inside an object or an
        // array: converted whole, as before any field was left out.
        self.convert(obj, place)
    }

    fn convert(&mut self, obj: &Bound<'_, PyAny>, place: &Place<'_>) {
        if place.depth > MAX_DEPTH {
            return self.push_text("<nested too deep>");
        }
        if obj.is_none() {
            return self.tokens.push(Token::Null);
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return self.push_text(&s.to_string_lossy());
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return self.container(Token::Object, |tape| {
                d.iter()
                    .map(|(k, v)| {
                        let key = key_cow(&k);
                        tape.push_text(&key);
                        tape.convert(&v, &place.key(&key));
                    })
                    .count()
            });
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return self.tokens.push(Token::Bool(b.is_true()));
        }
        if obj.is_instance_of::<PyInt>() {
            return self.int(obj);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return self.float(f.value());
        }
        if let Ok(l) = obj.cast::<PyList>() {
            let item = place.item();
            return self.container(Token::Array, |tape| {
                l.iter().map(|v| tape.convert(&v, &item)).count()
            });
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            let item = place.item();
            return self.container(Token::Array, |tape| {
                t.iter().map(|v| tape.convert(&v, &item)).count()
            });
        }
        // A set is a list without an order: sorted where its items compare, so the findings'
        // item paths do not change with the interpreter's string hashing (JS reads a Set as an
        // array too).
        if obj.is_instance_of::<PySet>() || obj.is_instance_of::<PyFrozenSet>() {
            let listed = obj
                .try_iter()
                .and_then(|items| PyList::new(obj.py(), items.collect::<PyResult<Vec<_>>>()?));
            if let Ok(items) = listed {
                // Items that do not compare stay in whatever order the failed sort leaves (all
                // of them kept).
                let _ = items.sort();
                return self.convert(items.as_any(), place);
            }
        }
        // datetime before date: a datetime is a date.
        if obj.is_instance_of::<PyDateTime>() || obj.is_instance_of::<PyDate>() {
            if is_missing(obj) {
                return self.tokens.push(Token::Null);
            }
            if obj.is_instance_of::<PyDateTime>()
                && place.is_date()
                && let Some(day) = midnight_day(obj)
            {
                return self.push_text(&day);
            }
            return match obj.call_method0("isoformat") {
                Ok(s) => self.push_text(&s.to_string()),
                Err(_) => self.push_text(&str_text(obj)),
            };
        }
        if is_missing(obj) {
            return self.tokens.push(Token::Null);
        }
        if let Ok(m) = obj.cast::<PyMapping>() {
            return self.container(Token::Object, |tape| {
                let Ok(items) = m.items() else {
                    return 0;
                };
                let mut members = 0;
                for item in items.iter() {
                    if let Ok((k, v)) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>() {
                        let key = key_cow(&k);
                        tape.push_text(&key);
                        tape.convert(&v, &place.key(&key));
                        members += 1;
                    }
                }
                members
            });
        }
        // numpy arrays, pandas Series, Arrow arrays: a list column's cells in
        // `df.to_dict("records")` (parquet, pyarrow dtypes) are arrays, not lists.
        if (obj.hasattr("__array__").unwrap_or(false)
            || obj.hasattr("__arrow_c_array__").unwrap_or(false))
            && let Ok(items) = obj.call_method0("tolist")
            && items.is_instance_of::<PyList>()
        {
            return self.convert(&items, place);
        }
        self.scalar(obj, place)
    }

    /// numpy and other scalars: booleans, integers (`__index__`), numbers (`__float__`);
    /// anything else is its `str()`.
    fn scalar(&mut self, obj: &Bound<'_, PyAny>, place: &Place<'_>) {
        let type_name = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        if type_name == "datetime64" {
            // numpy's own date type: its text is ISO 8601 (without an offset), or `NaT`.
            return match str_text(obj) {
                s if s == "NaT" => self.tokens.push(Token::Null),
                s => match s.split_once('T') {
                    Some((day, time))
                        if place.is_date() && time.bytes().all(|b| b"0:.".contains(&b)) =>
                    {
                        self.push_text(day)
                    }
                    _ => self.push_text(&s),
                },
            };
        }
        if (type_name == "bool_" || type_name == "bool")
            && let Ok(b) = obj.is_truthy()
        {
            return self.tokens.push(Token::Bool(b));
        }
        if obj.hasattr("__index__").unwrap_or(false)
            && let Ok(i) = obj.call_method0("__index__")
        {
            return self.int(&i);
        }
        if obj.hasattr("__float__").unwrap_or(false)
            && !obj.is_instance_of::<PyString>()
            && let Ok(f) = obj
                .call_method0("__float__")
                .and_then(|f| f.extract::<f64>())
        {
            return self.float(f);
        }
        if let Ok(bytes) = obj.extract::<Vec<u8>>()
            && obj.hasattr("decode").unwrap_or(false)
        {
            return self.push_text(&String::from_utf8_lossy(&bytes));
        }
        self.push_text(&str_text(obj))
    }

    fn int(&mut self, obj: &Bound<'_, PyAny>) {
        if let Ok(i) = obj.extract::<i64>() {
            return self.tokens.push(Token::Int(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return self.tokens.push(Token::UInt(u));
        }
        // Too large for 64 bits: a float keeps the magnitude for range checks.
        match obj.extract::<f64>() {
            Ok(f) => self.float(f),
            Err(_) => self.push_text(&str_text(obj)),
        }
    }

    fn float(&mut self, f: f64) {
        match float_value(f) {
            Value::Number(_) => self.tokens.push(Token::Float(f)),
            Value::String(s) => self.push_text(&s),
            _ => self.tokens.push(Token::Null),
        }
    }
}

impl kakunin::batch::Unbuilt for Tape {
    fn build(&self) -> Result<Value, String> {
        Ok(self.to_value())
    }
}

/// Reads a tape's tokens back into a JSON value.
struct Reader<'t> {
    tokens: std::slice::Iter<'t, Token>,
    text: &'t str,
    /// Where the next text starts.
    at: usize,
}

impl<'t> Reader<'t> {
    fn value(&mut self) -> Value {
        let token = self.tokens.next();
        self.value_of(token)
    }

    /// Mirrors [`Tape::keep`] on the Python objects.
    fn value_keeping(&mut self, fields: Fields<'_>) -> Value {
        let Fields::Some(_) = fields else {
            return self.value();
        };
        match self.tokens.next() {
            Some(&Token::Object(members)) => Value::Object(
                (0..members)
                    .filter_map(|_| {
                        let key = self.key();
                        match fields.member(key) {
                            Some(member) => Some((key.to_owned(), self.value_keeping(member))),
                            None => {
                                self.skip();
                                None
                            }
                        }
                    })
                    .collect(),
            ),
            Some(&Token::Array(elements)) => match fields.elements() {
                Some(each) => {
                    Value::Array((0..elements).map(|_| self.value_keeping(each)).collect())
                }
                None => {
                    (0..elements).for_each(|_| self.skip());
                    Value::Null
                }
            },
            token => self.value_of(token),
        }
    }

    fn value_of(&mut self, token: Option<&Token>) -> Value {
        match token {
            None | Some(Token::Null) => Value::Null,
            Some(&Token::Bool(b)) => Value::Bool(b),
            Some(&Token::Int(i)) => Value::from(i),
            Some(&Token::UInt(u)) => Value::from(u),
            Some(&Token::Float(f)) => float_value(f),
            Some(&Token::Text(end)) => Value::String(self.text(end).to_owned()),
            Some(&Token::Object(members)) => Value::Object(
                (0..members)
                    .map(|_| (self.key().to_owned(), self.value()))
                    .collect(),
            ),
            Some(&Token::Array(elements)) => {
                Value::Array((0..elements).map(|_| self.value()).collect())
            }
        }
    }

    /// An object member's key.
    fn key(&mut self) -> &'t str {
        match self.tokens.next() {
            Some(&Token::Text(end)) => self.text(end),
            _ => "",
        }
    }

    /// Passes over a value, without recursion.
    fn skip(&mut self) {
        let mut values = 1usize;
        while values > 0 {
            values -= 1;
            match self.tokens.next() {
                Some(&Token::Text(end)) => self.at = end,
                Some(&Token::Object(members)) => values += 2 * members,
                Some(&Token::Array(elements)) => values += elements,
                Some(_) => {}
                None => return,
            }
        }
    }

    fn text(&mut self, end: usize) -> &'t str {
        let text = self.text.get(self.at..end).unwrap_or_default();
        self.at = end;
        text
    }
}

/// The day of a `datetime` (or `pd.Timestamp`) at midnight, its own time zone's: `None` at any
/// other time.
fn midnight_day(obj: &Bound<'_, PyAny>) -> Option<String> {
    let zero = |name: &str| obj.getattr(name).and_then(|v| v.extract::<i64>()).ok() == Some(0);
    let midnight = ["hour", "minute", "second", "microsecond"].into_iter().all(zero)
        // pandas' timestamps count nanoseconds too.
        && (!obj.hasattr("nanosecond").unwrap_or(false) || zero("nanosecond"));
    midnight
        .then(|| obj.call_method0("date")?.call_method0("isoformat"))
        .and_then(Result::ok)
        .map(|day| day.to_string())
}

/// `pd.NA`, `pd.NaT`, `numpy.datetime64("NaT")` and the like: missing values of data libraries.
fn is_missing(obj: &Bound<'_, PyAny>) -> bool {
    let Ok(name) = obj.get_type().name() else {
        return false;
    };
    matches!(name.to_str(), Ok("NAType" | "NaTType"))
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

/// A key as text: a string borrowed from Python where it can be, any other key its `str()`.
fn key_cow<'a>(key: &'a Bound<'_, PyAny>) -> Cow<'a, str> {
    match key.cast::<PyString>() {
        Ok(s) => s.to_string_lossy(),
        Err(_) => Cow::Owned(str_text(key)),
    }
}

/// An object's `str()`, or its type's name in angle brackets when that fails.
fn str_text(obj: &Bound<'_, PyAny>) -> String {
    match obj.str() {
        Ok(s) => s.to_string_lossy().into_owned(),
        Err(_) => format!(
            "<{}>",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ),
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
