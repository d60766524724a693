//! rhai scripts: one hardened engine, compiled once per pack, and the host functions rules use.
//!
//! Scripts are for what the declarative vocabulary cannot say cleanly. They run with
//! deterministic limits (operations, depths, sizes: counts, never wall time) so every host stops
//! the same script at the same point; they cannot `eval`, import modules or do I/O, and they
//! get a copy of the fields they declared, so they cannot change the record.

use rhai::{
    AST, Array, Dynamic, Engine, EvalAltResult, FLOAT, FuncRegistration, INT, ImmutableString, Map,
    NativeCallContext, Position, Scope,
};
use serde_json::Value;

use crate::date::{Day, format_day, parse_date, parse_day, parse_timestamp, weekday};
use crate::error::{Error, ScriptErrorKind};

mod source;
pub(crate) use source::{ScriptReads, Step, reads, without_comments};

/// Limits of the hardened engine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Operations per script run.
    pub operations: u64,
    /// Function-call depth.
    pub call_levels: usize,
    /// Expression depth (statements, functions).
    pub expr_depth: usize,
    /// Longest string, in bytes.
    pub string_size: usize,
    /// Longest array.
    pub array_size: usize,
    /// Largest object map.
    pub map_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            operations: 200_000,
            call_levels: 16,
            expr_depth: 64,
            string_size: 64 * 1024,
            array_size: 10_000,
            map_size: 1_000,
        }
    }
}

/// Builds the one hardened engine every script runs in (production, tests and fuzzing alike).
pub fn hardened_engine(limits: &Limits) -> Engine {
    let mut engine = Engine::new_raw();
    // None of rhai's packages, only the functions `register_library` adds: a smaller engine is a
    // smaller download for the browser, and less for a script to reach. Operators on numbers,
    // strings and booleans are rhai's built-in ones.
    register_library(&mut engine);
    engine.disable_symbol("eval");
    engine.set_strict_variables(true);
    engine.set_max_operations(limits.operations);
    engine.set_max_call_levels(limits.call_levels);
    engine.set_max_expr_depths(limits.expr_depth, limits.expr_depth);
    engine.set_max_string_size(limits.string_size);
    engine.set_max_array_size(limits.array_size);
    engine.set_max_map_size(limits.map_size);
    engine.set_max_variables(256);
    engine.set_max_functions(64);
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    register_helpers(&mut engine);
    engine
}

type Outcome<T> = Result<T, Box<EvalAltResult>>;

/// The few functions of rhai's array, map, string and math libraries that scripts use, with
/// rhai's own semantics (and purity: a method that changes its object cannot be called on the
/// read-only `record` or `members`).
fn register_library(engine: &mut Engine) {
    fn pure(name: &str) -> FuncRegistration {
        FuncRegistration::new(name)
            .in_global_namespace()
            .with_purity(true)
    }
    fn changes(name: &str) -> FuncRegistration {
        FuncRegistration::new(name)
            .in_global_namespace()
            .with_purity(false)
    }
    // Printing, with the texts of rhai's string library (`to_string` and `print`: strings as they
    // are, `()` as nothing; `to_debug` and `debug`: strings quoted, `()` as "()"; arrays and maps
    // as `[..]` / `#{..}` of their items' debug texts). Interpolation uses `to_string`.
    for name in ["to_string", "print"] {
        pure(name).register_into_engine(engine, |ctx: NativeCallContext, item: &mut Dynamic| {
            text_of(&ctx, item, false)
        });
    }
    for name in ["to_debug", "debug"] {
        pure(name).register_into_engine(engine, |ctx: NativeCallContext, item: &mut Dynamic| {
            text_of(&ctx, item, true)
        });
    }
    for name in ["print", "debug"] {
        pure(name).register_into_engine(engine, ImmutableString::new);
    }
    // What `for` loops over: arrays, ranges of integers, `s.chars()`.
    engine.register_iterator::<Array>();
    engine.register_iterator::<std::ops::Range<INT>>();
    engine.register_iterator::<std::ops::RangeInclusive<INT>>();
    engine.register_iterator::<Chars>();
    pure("chars").register_into_engine(engine, |string: &str| Chars(string.chars().collect()));
    // Arrays.
    changes("push").register_into_engine(engine, |array: &mut Array, item: Dynamic| {
        array.push(item);
    });
    pure("len").register_into_engine(engine, |array: &mut Array| {
        INT::try_from(array.len()).unwrap_or(INT::MAX)
    });
    pure("is_empty").register_into_engine(engine, |array: &mut Array| array.is_empty());
    pure("contains").register_into_engine(engine, array_contains);
    changes("sort").register_into_engine(engine, array_sort);
    // Object maps.
    pure("len").register_into_engine(engine, |map: &mut Map| {
        INT::try_from(map.len()).unwrap_or(INT::MAX)
    });
    pure("is_empty").register_into_engine(engine, |map: &mut Map| map.is_empty());
    pure("contains").register_into_engine(engine, |map: &mut Map, property: &str| {
        map.contains_key(property)
    });
    // Strings: `+` and `+=` with any value (its `to_string`); string with string or character
    // is built in.
    pure("+").register_into_engine(
        engine,
        |ctx: NativeCallContext, string: &mut ImmutableString, mut item: Dynamic| {
            let text = printed(&ctx, &mut item);
            if text.is_empty() {
                string.clone()
            } else {
                format!("{string}{text}").into()
            }
        },
    );
    pure("+").register_into_engine(
        engine,
        |ctx: NativeCallContext, item: &mut Dynamic, string: &str| -> ImmutableString {
            format!("{}{string}", printed(&ctx, item)).into()
        },
    );
    for name in ["+=", "append"] {
        changes(name).register_into_engine(
            engine,
            |ctx: NativeCallContext, string: &mut ImmutableString, mut item: Dynamic| {
                let text = printed(&ctx, &mut item);
                if !text.is_empty() {
                    *string = format!("{string}{text}").into();
                }
            },
        );
    }
    // Lengths in characters, as rhai counts them.
    pure("len").register_into_engine(engine, |string: &str| {
        INT::try_from(string.chars().count()).unwrap_or(INT::MAX)
    });
    pure("is_empty").register_into_engine(engine, |string: &str| string.is_empty());
    pure("contains").register_into_engine(engine, |string: &str, part: &str| string.contains(part));
    pure("contains").register_into_engine(engine, |string: &str, c: char| string.contains(c));
    pure("starts_with")
        .register_into_engine(engine, |string: &str, part: &str| string.starts_with(part));
    pure("starts_with").register_into_engine(engine, |string: &str, c: char| string.starts_with(c));
    pure("ends_with")
        .register_into_engine(engine, |string: &str, part: &str| string.ends_with(part));
    changes("trim").register_into_engine(engine, |string: &mut ImmutableString| {
        let trimmed = string.trim();
        if trimmed.len() != string.len() {
            *string = trimmed.into();
        }
    });
    changes("replace").register_into_engine(
        engine,
        |string: &mut ImmutableString, find: &str, substitute: &str| {
            if !string.is_empty() {
                *string = string.replace(find, substitute).into();
            }
        },
    );
    // Numbers.
    pure("floor").register_into_engine(engine, |x: FLOAT| x.floor());
    pure("to_int").register_into_engine(engine, |x: FLOAT| -> Outcome<INT> {
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        if x > INT::MAX as FLOAT || x < INT::MIN as FLOAT {
            Err(EvalAltResult::ErrorArithmetic(
                format!("Integer overflow: to_int({x})"),
                Position::NONE,
            )
            .into())
        } else {
            Ok(x.trunc() as INT)
        }
    });
}

/// A value printed as rhai's string library prints it: `debug` for `to_debug` / `debug`.
fn text_of(ctx: &NativeCallContext, item: &Dynamic, debug: bool) -> ImmutableString {
    let text = printed_text(item, debug);
    ctx.engine().map_type_name(&text).into()
}

fn printed_text(item: &Dynamic, debug: bool) -> String {
    if item.is_unit() {
        return if debug { "()".into() } else { String::new() };
    }
    if let Some(s) = item.read_lock::<ImmutableString>() {
        return if debug {
            format!("{:?}", s.as_str())
        } else {
            s.to_string()
        };
    }
    if let Ok(c) = item.as_char() {
        return c.to_string();
    }
    if let Some(items) = item.read_lock::<Array>() {
        let items: Vec<String> = items.iter().map(|x| printed_text(x, true)).collect();
        return format!("[{}]", items.join(", "));
    }
    if let Some(map) = item.read_lock::<Map>() {
        let entries: Vec<String> = map
            .iter()
            .map(|(k, v)| format!("{:?}: {}", k.as_str(), printed_text(v, true)))
            .collect();
        return format!("#{{{}}}", entries.join(", "));
    }
    if debug && !item.is_fnptr() {
        format!("{item:?}")
    } else {
        item.to_string()
    }
}

/// The characters of a string, for `for c in s.chars()`.
#[derive(Clone)]
struct Chars(Vec<char>);

impl IntoIterator for Chars {
    type Item = char;
    type IntoIter = std::vec::IntoIter<char>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A value as text, as rhai's string library prints it: its `to_string`, else its display form.
fn printed(ctx: &NativeCallContext, item: &mut Dynamic) -> ImmutableString {
    match ctx.call_native_fn_raw("to_string", true, &mut [item]) {
        Ok(text) if text.is_string() => text.into_immutable_string().unwrap_or_default(),
        Ok(other) => ctx.engine().map_type_name(other.type_name()).into(),
        Err(_) => ctx.engine().map_type_name(&item.to_string()).into(),
    }
}

/// `array.contains(value)`: `==` on each element, as rhai's array library does it.
fn array_contains(ctx: NativeCallContext, array: &mut Array, value: Dynamic) -> Outcome<bool> {
    for item in array {
        let equal = ctx
            .call_native_fn_raw("==", true, &mut [item, &mut value.clone()])
            .or_else(|err| match *err {
                EvalAltResult::ErrorFunctionNotFound(ref sig, ..)
                    if sig.starts_with("==") && item.type_id() != value.type_id() =>
                {
                    Ok(Dynamic::FALSE)
                }
                _ => Err(err),
            })?;
        if equal.as_bool().unwrap_or(false) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `array.sort()`: elements of one type (integers, numbers, strings, characters, booleans) in
/// ascending order, as rhai's array library sorts them.
fn array_sort(array: &mut Array) -> Outcome<()> {
    use std::any::TypeId;
    use std::cmp::Ordering;
    let Some(first) = array.first() else {
        return Ok(());
    };
    let type_id = first.type_id();
    if array.iter().any(|a| a.type_id() != type_id) {
        return Err(EvalAltResult::ErrorFunctionNotFound(
            "elements of different types cannot be sorted".into(),
            Position::NONE,
        )
        .into());
    }
    // One comparison for every type (one instance of the sort in the module, not one per type).
    fn ordered<T: Ord + Default>(a: Result<T, &str>, b: Result<T, &str>) -> Ordering {
        a.unwrap_or_default().cmp(&b.unwrap_or_default())
    }
    let compare: fn(&Dynamic, &Dynamic) -> Ordering = if type_id == TypeId::of::<INT>() {
        |a, b| ordered(a.as_int(), b.as_int())
    } else if type_id == TypeId::of::<FLOAT>() {
        |a, b| {
            let (a, b) = (
                a.as_float().unwrap_or_default(),
                b.as_float().unwrap_or_default(),
            );
            a.partial_cmp(&b).unwrap_or(Ordering::Equal)
        }
    } else if type_id == TypeId::of::<ImmutableString>() {
        |a, b| match (
            a.read_lock::<ImmutableString>(),
            b.read_lock::<ImmutableString>(),
        ) {
            (Some(a), Some(b)) => a.as_str().cmp(b.as_str()),
            _ => Ordering::Equal,
        }
    } else if type_id == TypeId::of::<char>() {
        |a, b| ordered(a.as_char(), b.as_char())
    } else if type_id == TypeId::of::<bool>() {
        |a, b| ordered(a.as_bool(), b.as_bool())
    } else if type_id == TypeId::of::<()>() {
        return Ok(());
    } else {
        return Err(EvalAltResult::ErrorFunctionNotFound(
            format!("elements of {} cannot be sorted", first.type_name()),
            Position::NONE,
        )
        .into());
    };
    array.sort_by(compare);
    Ok(())
}

fn day_or_unit(day: Option<Day>) -> Dynamic {
    day.map_or(Dynamic::UNIT, |d| Dynamic::from_int(i64::from(d)))
}

fn as_day(value: &Dynamic) -> Option<Day> {
    if let Ok(n) = value.as_int() {
        return Day::try_from(n).ok();
    }
    value
        .read_lock::<rhai::ImmutableString>()
        .and_then(|s| parse_day(s.as_str()))
}

fn register_helpers(engine: &mut Engine) {
    // date(s): day number of a YYYY-MM-DD date or the day of a timestamp; () when invalid.
    engine.register_fn("date", |v: Dynamic| day_or_unit(as_day(&v)));
    engine.register_fn("is_date", |v: Dynamic| {
        v.read_lock::<rhai::ImmutableString>()
            .is_some_and(|s| parse_date(s.as_str()).is_some())
    });
    engine.register_fn("days_between", |a: Dynamic, b: Dynamic| {
        match (as_day(&a), as_day(&b)) {
            (Some(a), Some(b)) => Dynamic::from_int(i64::from(b) - i64::from(a)),
            _ => Dynamic::UNIT,
        }
    });
    engine.register_fn("date_str", |n: i64| {
        Day::try_from(n).map(format_day).unwrap_or_default()
    });
    engine.register_fn("weekday", |v: Dynamic| {
        as_day(&v).map_or(Dynamic::UNIT, |d| Dynamic::from_int(i64::from(weekday(d))))
    });
    engine.register_fn("timestamp_hours", |a: Dynamic, b: Dynamic| {
        let secs = |v: &Dynamic| {
            v.read_lock::<rhai::ImmutableString>()
                .and_then(|s| parse_timestamp(s.as_str()))
                .map(|(_, s)| s)
        };
        match (secs(&a), secs(&b)) {
            (Some(a), Some(b)) => Dynamic::from_float((b - a) as f64 / 3600.0),
            _ => Dynamic::UNIT,
        }
    });
    engine.register_fn("is_present", |v: Dynamic| is_present(&v));
    engine.register_fn("in_list", |list: Array, v: Dynamic| {
        list.iter()
            .any(|item| item.type_id() == v.type_id() && item.to_string() == v.to_string())
    });
}

fn is_present(v: &Dynamic) -> bool {
    if v.is_unit() {
        return false;
    }
    if let Some(s) = v.read_lock::<rhai::ImmutableString>() {
        return !crate::text::is_blank(&s);
    }
    if let Some(a) = v.read_lock::<Array>() {
        return !a.is_empty();
    }
    true
}

/// The variables every script finds in its scope (`members` for group scripts).
pub const SCRIPT_VARIABLES: [&str; 4] = ["record", "as_of", "reference_date", "members"];

/// A compiled script of one rule.
#[derive(Debug, Clone)]
pub(crate) struct Script {
    pub(crate) ast: AST,
    /// The script file's path in the pack.
    pub(crate) file: String,
}

pub(crate) fn compile(
    engine: &Engine,
    rule: &str,
    file: &str,
    source: &str,
) -> Result<Script, Error> {
    // Strict variables: the names a script is given are declared at compile time, so a typo in
    // any other name is refused when the pack loads, not when a record reaches it.
    // (Declared as variables, not constants: the optimiser would fold a constant's placeholder
    // value into the AST.)
    let mut scope = Scope::new();
    for name in SCRIPT_VARIABLES {
        scope.push(name, Dynamic::UNIT);
    }
    let ast = engine.compile_with_scope(&scope, source).map_err(|e| {
        let pos = e.position();
        let (line, column) = (pos.line().unwrap_or(0), pos.position().unwrap_or(0));
        let hint = match e.err_type() {
            rhai::ParseErrorType::VariableUndefined(_) => {
                " (a script is given `record`, `as_of` and `reference_date`, a group script `members`; any other name is declared with `let` first)"
            }
            // rhai notices a missing `;` or `)` where the next line starts.
            rhai::ParseErrorType::MissingToken(..) if column == 1 && line > 1 => {
                " (or at the end of the line before)"
            }
            _ => "",
        };
        Error::pack(
            script_path(rule, file),
            Some(rule),
            format!(
                "script does not compile at line {line}, column {column}: {}{hint}",
                e.err_type()
            ),
        )
    })?;
    Ok(Script {
        ast,
        file: script_path(rule, file),
    })
}

/// The script's path in the pack: it lies beside its rule, in the rule's group folder.
fn script_path(rule: &str, file: &str) -> String {
    match rule.split_once('/') {
        Some((group, _)) => format!("{group}/{file}"),
        None => file.to_owned(),
    }
}

/// Runs a script with `vars` in its scope and returns what it returned.
pub(crate) fn run(
    engine: &Engine,
    script: &Script,
    rule: &str,
    vars: Vec<(&'static str, Dynamic)>,
) -> Result<Dynamic, Error> {
    let mut scope = Scope::new();
    for (name, value) in vars {
        scope.push_constant(name, value);
    }
    engine
        .eval_ast_with_scope::<Dynamic>(&mut scope, &script.ast)
        .map_err(|e| script_error(rule, &e))
}

pub(crate) fn script_error(rule: &str, e: &EvalAltResult) -> Error {
    let kind = match e.unwrap_inner() {
        EvalAltResult::ErrorTooManyOperations(_)
        | EvalAltResult::ErrorStackOverflow(_)
        | EvalAltResult::ErrorDataTooLarge(..)
        | EvalAltResult::ErrorTooManyVariables(_)
        | EvalAltResult::ErrorTooManyModules(_) => ScriptErrorKind::Limit,
        EvalAltResult::ErrorParsing(rhai::ParseErrorType::ExprTooDeep, _) => ScriptErrorKind::Limit,
        _ => ScriptErrorKind::Runtime,
    };
    let pos: Position = e.position();
    Error::Script {
        rule: rule.to_owned(),
        kind,
        line: pos.line().unwrap_or(0),
        column: pos.position().unwrap_or(0),
        message: e.unwrap_inner().to_string(),
    }
}

/// Puts `value` under `map` where `path` (its keys; `*` steps are skipped) says, making maps on
/// the way: the copies scripts see hold their fields nested as in the record, and a container
/// the record has the wrong type for becomes a map.
pub(crate) fn insert_at(map: &mut Map, path: &crate::path::FieldPath, value: Dynamic) {
    let keys: Vec<&str> = path
        .segs
        .iter()
        .filter_map(|s| match s {
            crate::path::Seg::Key(k) => Some(&**k),
            crate::path::Seg::Any => None,
        })
        .collect();
    insert_nested(map, &keys, value);
}

fn insert_nested(map: &mut Map, keys: &[&str], value: Dynamic) {
    match keys {
        [] => {}
        [last] => {
            map.insert((*last).into(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry((*first).into())
                .or_insert_with(|| Dynamic::from_map(Map::new()));
            if !entry.is_map() {
                *entry = Dynamic::from_map(Map::new());
            }
            if let Some(mut inner) = entry.write_lock::<Map>() {
                insert_nested(&mut inner, rest, value);
            }
        }
    }
}

/// JSON to rhai, for the copy of the record a script sees.
pub(crate) fn to_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i),
            None => Dynamic::from_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Dynamic::from(s.clone()),
        Value::Array(items) => Dynamic::from_array(items.iter().map(to_dynamic).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.as_str().into(), to_dynamic(v));
            }
            Dynamic::from_map(out)
        }
    }
}

/// rhai to JSON, for what a script returns in `ctx`.
pub(crate) fn to_json(value: &Dynamic) -> Value {
    if value.is_unit() {
        return Value::Null;
    }
    if let Ok(b) = value.as_bool() {
        return Value::Bool(b);
    }
    if let Ok(i) = value.as_int() {
        return Value::from(i);
    }
    if let Ok(f) = value.as_float() {
        return serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number);
    }
    if let Some(s) = value.read_lock::<rhai::ImmutableString>() {
        return Value::String(s.to_string());
    }
    if let Some(a) = value.read_lock::<Array>() {
        return Value::Array(a.iter().map(to_json).collect());
    }
    if let Some(m) = value.read_lock::<Map>() {
        return Value::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect());
    }
    Value::String(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::packages::{BasicStringPackage, Package};

    /// The functions registered here print as rhai's own string library does.
    #[test]
    fn printing_matches_rhai_string_library() {
        let ours = hardened_engine(&Limits::default());
        let mut theirs = Engine::new_raw();
        theirs.register_global_module(BasicStringPackage::new().as_shared_module());
        let values = [
            "()",
            "true",
            "42",
            "-7",
            "1.5",
            "2.0",
            "1e30",
            "0.1 + 0.2",
            "'x'",
            "\"text\"",
            "\"quote \\\" and 日本\"",
            "[]",
            "[1, \"a\", 'c', (), 2.5, [true, #{}]]",
            "#{}",
            "#{b: 1, a: \"x\", \"キー\": [(), 'z'], m: #{n: 1.0}}",
        ];
        for value in values {
            for script in [
                format!("to_string({value})"),
                format!("to_debug({value})"),
                format!("`<${{{value}}}>`"),
                format!("print({value})"),
                format!("debug({value})"),
            ] {
                let a = ours.eval::<Dynamic>(&script).map(|d| d.to_string());
                let b = theirs.eval::<Dynamic>(&script).map(|d| d.to_string());
                assert!(b.is_ok(), "{script}: {b:?}");
                assert_eq!(a.ok(), b.ok(), "{script}");
            }
        }
        for script in ["\"a\" + 1", "1 + \"a\"", "\"a\" + ()", "\"a\" + [1, 'b']"] {
            let a = ours.eval::<Dynamic>(script).map(|d| d.to_string());
            assert!(a.is_ok(), "{script}");
        }
    }
}
