//! Conditions (`when = {...}`): parsed from the rule file once into a tree that is evaluated
//! per record without any string parsing.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::date::{Day, parse_date, parse_day};
use crate::path::{FieldPath, is_absent};
use crate::schema::RecordSchema;
use crate::text::trim;
use crate::view::{Hit, View};

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Atom {
        path: FieldPath,
        test: Test,
    },
    Some {
        array: FieldPath,
        /// The array's elements (`array/*`, absolute), resolved with the rest.
        items: FieldPath,
        inner: Box<Cond>,
    },
    ReferenceDate {
        from: Option<Day>,
        until: Option<Day>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum Test {
    Present(bool),
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Compare(Cmp, Bound),
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    Number(f64),
    Date(Day),
}

/// What a condition needs from the world besides the record.
pub(crate) struct CondEnv {
    pub(crate) reference_date: Option<Day>,
}

const ATOM_TESTS: [&str; 9] = [
    "present", "eq", "ne", "in", "not_in", "lt", "le", "gt", "ge",
];

/// Compiles a condition. `named` holds `conditions.toml`; `relative` is set inside `some`.
pub(crate) fn compile(
    value: &Value,
    named: &BTreeMap<String, Value>,
    relative: bool,
    depth: usize,
) -> Result<Cond, String> {
    if depth > 32 {
        return Err("condition nested too deeply (a `ref` cycle?)".into());
    }
    let obj = value
        .as_object()
        .ok_or_else(|| format!("a condition must be a table, found {value}"))?;
    let only = |key: &str| -> Result<(), String> {
        match obj.keys().find(|k| *k != key) {
            Some(other) => Err(format!(
                "`{key}` cannot be combined with `{other}` in one condition"
            )),
            None => Ok(()),
        }
    };
    let list = |v: &Value| -> Result<Vec<Cond>, String> {
        v.as_array()
            .ok_or_else(|| "`all`/`any` take a list of conditions".to_owned())?
            .iter()
            .map(|c| compile(c, named, relative, depth + 1))
            .collect()
    };
    if let Some(v) = obj.get("all") {
        only("all")?;
        return Ok(Cond::All(list(v)?));
    }
    if let Some(v) = obj.get("any") {
        only("any")?;
        return Ok(Cond::Any(list(v)?));
    }
    if let Some(v) = obj.get("not") {
        only("not")?;
        return Ok(Cond::Not(Box::new(compile(v, named, relative, depth + 1)?)));
    }
    if let Some(v) = obj.get("ref") {
        only("ref")?;
        let name = v.as_str().ok_or("`ref` takes the name of a condition")?;
        let target = named
            .get(name)
            .ok_or_else(|| format!("unknown named condition `{name}`"))?;
        return compile(target, named, relative, depth + 1);
    }
    if let Some(v) = obj.get("reference_date") {
        only("reference_date")?;
        let day = |k: &str| -> Result<Option<Day>, String> {
            v.get(k)
                .map(|d| {
                    d.as_str()
                        .and_then(parse_date)
                        .ok_or_else(|| format!("`reference_date.{k}` must be a YYYY-MM-DD date"))
                })
                .transpose()
        };
        return Ok(Cond::ReferenceDate {
            from: day("from")?,
            until: day("until")?,
        });
    }
    if let Some(array) = obj.get("some") {
        let array = array.as_str().ok_or("`some` takes the path of an array")?;
        if let Some(other) = obj.keys().find(|k| *k != "some" && *k != "where") {
            return Err(format!("unknown key `{other}` in a `some` condition"));
        }
        let inner = obj.get("where").ok_or("`some` needs `where`")?;
        let array = parse_path(array, relative)?;
        let items = FieldPath::parse(&format!("{}/*", array.text))?;
        return Ok(Cond::Some {
            array,
            items,
            inner: Box::new(compile(inner, named, true, depth + 1)?),
        });
    }
    let path = obj.get("path").and_then(Value::as_str).ok_or_else(|| {
        format!(
            "unknown condition {value}: expected all, any, not, ref, some, reference_date or path"
        )
    })?;
    let path = parse_path(path, relative)?;
    let mut tests = obj.iter().filter(|(k, _)| *k != "path");
    let (name, arg) = tests
        .next()
        .ok_or_else(|| format!("condition on `{}` says nothing to test", path.text))?;
    if let Some((extra, _)) = tests.next() {
        return Err(format!(
            "one test per condition: `{name}` and `{extra}` (use `all`)"
        ));
    }
    let values = |v: &Value| {
        v.as_array()
            .cloned()
            .ok_or_else(|| format!("`{name}` takes a list"))
    };
    let test = match name.as_str() {
        "present" => Test::Present(arg.as_bool().ok_or("`present` takes true or false")?),
        "eq" => Test::Eq(arg.clone()),
        "ne" => Test::Ne(arg.clone()),
        "in" => Test::In(values(arg)?),
        "not_in" => Test::NotIn(values(arg)?),
        "lt" | "le" | "gt" | "ge" => {
            let cmp = match name.as_str() {
                "lt" => Cmp::Lt,
                "le" => Cmp::Le,
                "gt" => Cmp::Gt,
                _ => Cmp::Ge,
            };
            let bound = match arg {
                Value::Number(n) => Bound::Number(n.as_f64().unwrap_or(f64::NAN)),
                Value::String(s) => Bound::Date(
                    parse_date(s)
                        .ok_or_else(|| format!("`{name}` takes a number or a YYYY-MM-DD date"))?,
                ),
                _ => return Err(format!("`{name}` takes a number or a YYYY-MM-DD date")),
            };
            Test::Compare(cmp, bound)
        }
        other => {
            return Err(format!(
                "unknown test `{other}`; expected one of {}",
                ATOM_TESTS.join(", ")
            ));
        }
    };
    Ok(Cond::Atom { path, test })
}

fn parse_path(text: &str, relative: bool) -> Result<FieldPath, String> {
    if relative == text.starts_with('/') {
        return Err(if relative {
            format!(
                "`{text}`: paths inside `some … where` are relative to the element (no leading `/`)"
            )
        } else {
            format!("`{text}`: a path starts with `/`")
        });
    }
    FieldPath::parse(text)
}

impl Cond {
    /// Evaluates against a record's view. `bound` holds the indices of the array elements that
    /// enclosing `some` conditions are looking at (empty at the top).
    pub(crate) fn eval(&self, view: &View, bound: &[u32], env: &CondEnv) -> bool {
        match self {
            Cond::All(cs) => cs.iter().all(|c| c.eval(view, bound, env)),
            Cond::Any(cs) => cs.iter().any(|c| c.eval(view, bound, env)),
            Cond::Not(c) => !c.eval(view, bound, env),
            Cond::ReferenceDate { from, until } => env
                .reference_date
                .is_some_and(|d| from.is_none_or(|f| d >= f) && until.is_none_or(|u| d <= u)),
            Cond::Some { items, inner, .. } => {
                let depth = items.wildcards();
                view.hits_within(items, bound)
                    .iter()
                    .any(|element| inner.eval(view, &element.idx[..depth], env))
            }
            Cond::Atom { path, test } => {
                let mut hits = view.hits_within(path, bound).iter();
                match test {
                    Test::Present(want) => hits.any(|h| !is_absent(Some(h.value))) == *want,
                    _ => hits.any(|h| test.eval(h)),
                }
            }
        }
    }

    /// Sets the schema node of every path; relative paths inside `some` are resolved below their
    /// array. Returns the first path the schema does not have.
    pub(crate) fn resolve(&mut self, schema: &RecordSchema) -> Result<(), String> {
        self.resolve_under(schema, None)
    }

    /// [`Cond::resolve`] for a condition on the items of `prefix` (an array).
    pub(crate) fn resolve_under(
        &mut self,
        schema: &RecordSchema,
        prefix: Option<&FieldPath>,
    ) -> Result<(), String> {
        let absolute = |p: &FieldPath| match prefix {
            Some(pre) => p.under(pre),
            None => p.clone(),
        };
        let node_of = |p: &FieldPath| {
            schema
                .node_of(&p.text)
                .filter(|&n| n != 0)
                .map(|n| n as u32)
                .ok_or_else(|| schema.not_a_field(&p.text))
        };
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs
                .iter_mut()
                .try_for_each(|c| c.resolve_under(schema, prefix)),
            Cond::Not(c) => c.resolve_under(schema, prefix),
            Cond::ReferenceDate { .. } => Ok(()),
            Cond::Atom { path, .. } => {
                path.node = node_of(&absolute(path))?;
                Ok(())
            }
            Cond::Some {
                array,
                items,
                inner,
            } => {
                let array_abs = absolute(array);
                array.node = node_of(&array_abs)?;
                let items_abs = FieldPath::parse(&format!("{}/*", array_abs.text))?;
                items.node = node_of(&items_abs)?;
                items.segs = items_abs.segs;
                items.text = items_abs.text;
                inner.resolve_under(schema, Some(&array_abs))
            }
        }
    }

    /// Every absolute path the condition reads (for a finding's `paths` and the read-set).
    pub(crate) fn reads(&self, out: &mut Vec<FieldPath>) {
        self.reads_under(None, out);
    }

    fn reads_under(&self, prefix: Option<&FieldPath>, out: &mut Vec<FieldPath>) {
        let absolute = |p: &FieldPath| match prefix {
            Some(pre) => p.under(pre),
            None => p.clone(),
        };
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.reads_under(prefix, out)),
            Cond::Not(c) => c.reads_under(prefix, out),
            Cond::ReferenceDate { .. } => {}
            Cond::Atom { path, .. } => out.push(absolute(path)),
            Cond::Some { array, inner, .. } => {
                let array = absolute(array);
                out.push(array.clone());
                inner.reads_under(Some(&array), out);
            }
        }
    }

    /// Whether the condition can hold because something is absent (then it is a submit-stage
    /// rule: silent while a form is being drafted).
    pub(crate) fn tests_absence(&self) -> bool {
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().any(Cond::tests_absence),
            Cond::Not(c) => c.tests_presence_or_absence(),
            Cond::Atom {
                test: Test::Present(false),
                ..
            } => true,
            Cond::Some { inner, .. } => inner.tests_absence(),
            _ => false,
        }
    }

    fn tests_presence_or_absence(&self) -> bool {
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().any(Cond::tests_presence_or_absence),
            Cond::Not(c) => c.tests_presence_or_absence(),
            Cond::Atom {
                test: Test::Present(_),
                ..
            } => true,
            Cond::Some { .. } => true,
            _ => false,
        }
    }
}

impl Test {
    /// The test on one present-or-absent value (a `Present` test is decided by the caller).
    fn eval(&self, hit: &Hit) -> bool {
        let value = hit.value;
        if is_absent(Some(value)) {
            return matches!(self, Test::Present(false));
        }
        match self {
            Test::Present(want) => *want,
            Test::Eq(want) => same(value, want),
            Test::Ne(want) => !same(value, want),
            Test::In(list) => list.iter().any(|w| same(value, w)),
            Test::NotIn(list) => !list.iter().any(|w| same(value, w)),
            Test::Compare(cmp, bound) => {
                let ord = match bound {
                    Bound::Number(b) => value.as_f64().and_then(|v| v.partial_cmp(b)),
                    Bound::Date(b) => hit
                        .day
                        .or_else(|| value.as_str().and_then(parse_day))
                        .map(|d| d.cmp(b)),
                };
                ord.is_some_and(|o| match cmp {
                    Cmp::Lt => o.is_lt(),
                    Cmp::Le => o.is_le(),
                    Cmp::Gt => o.is_gt(),
                    Cmp::Ge => o.is_ge(),
                })
            }
        }
    }
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => trim(x) == trim(y),
        _ => a == b,
    }
}
