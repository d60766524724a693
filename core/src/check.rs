//! The declarative vocabulary: each kind of check compiled from its rule-file table, and
//! evaluated on one record.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;

use crate::condition::{Cond, CondEnv};
use crate::date::{Day, civil_from_days, format_day, parse_date, parse_day, parse_timestamp};
use crate::error::Error;
use crate::pack::CheckSpec;
use crate::path::{FieldPath, Indices, MAX_WILDCARDS, is_absent};
use crate::ruleset::{quoted, quoted_text};
use crate::schema::RecordSchema;
use crate::script::{self, Script};
use crate::text::{CharSet, trim};
use crate::view::View;

/// A finding before it gets its rule's message: where, what was involved, with which values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Raw {
    pub(crate) path: String,
    pub(crate) paths: Vec<String>,
    pub(crate) ctx: BTreeMap<String, Value>,
    /// ctx keys holding personal values (nulled unless revealed).
    pub(crate) hidden: Vec<String>,
    pub(crate) variant: Option<String>,
}

/// Everything a check may look at besides its own definition.
pub(crate) struct Env<'a> {
    pub(crate) view: &'a View<'a>,
    pub(crate) as_of: Day,
    pub(crate) cond: CondEnv,
    pub(crate) schema: &'a RecordSchema,
    pub(crate) engine: &'a rhai::Engine,
    pub(crate) rule: &'a str,
}

/// A `date-order` check: each day of the earlier operands against each of the later ones.
#[derive(Debug, Clone)]
pub(crate) struct DateOrder {
    earlier: Vec<Operand>,
    later: Vec<Operand>,
    /// How many leading `*` each pair of operands shares (earlier-major): their values pair only
    /// within the same element of those arrays. Fixed by the paths, so worked out once.
    shared: Box<[u8]>,
    /// Allowed gaps, in days, inclusive.
    days: (i64, Option<i64>),
    /// Gaps below this are left to another rule.
    ignore_below: Option<i64>,
    at_earlier: bool,
}

impl DateOrder {
    /// Whether `gap` days from an earlier day to a later one are fine (or left to another rule).
    fn allows(&self, gap: i64) -> bool {
        let (min, max) = self.days;
        (gap >= min && max.is_none_or(|m| gap <= m)) || self.ignore_below.is_some_and(|b| gap < b)
    }
}

/// A date-order operand.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Field(FieldPath),
    Literal(Day),
    AsOf,
    ReferenceDate,
}

/// Problems a municipality code can have, in the order they are looked for.
pub(crate) const MUNICIPALITY_PROBLEMS: [&str; 5] =
    ["format", "check-digit", "prefix", "prefecture", "unknown"];

/// A table of codes with the periods each was in force.
/// A period a code was in force (inclusive; `None` = open).
pub(crate) type Period = (Option<Day>, Option<Day>);

#[derive(Debug, Clone, Default)]
pub(crate) struct CodeTable {
    pub(crate) periods: FxHashMap<String, Vec<Period>>,
    /// prefecture name → 2-digit code
    pub(crate) prefecture_codes: FxHashMap<String, String>,
}

/// The engine of `pattern` checks (see the `regex` feature).
#[cfg(feature = "regex")]
type Regex = regex::Regex;
#[cfg(not(feature = "regex"))]
type Regex = regex_lite::Regex;

/// Compiles a `pattern` check's regex, anchored at both ends. Every host must match a pattern
/// the same way, and native hosts use the regex crate where the browser uses regex-lite: so a
/// pattern must be one regex-lite accepts, without the escapes and flags whose meaning differs
/// between them (`\d \w \s \b` and their negations are Unicode-aware in one, ASCII in the
/// other; `(?i)` folds case differently). Write the class out instead (`[0-9]`).
fn compile_regex(pattern: &str) -> Result<Regex, String> {
    portable_regex(pattern)?;
    let anchored = format!("^(?:{pattern})$");
    let bad = |e: &dyn std::fmt::Display| format!("bad regex: {e}");
    // The browser's engine must take it, whichever engine this host uses.
    let lite = regex_lite::Regex::new(&anchored).map_err(|e| bad(&e))?;
    #[cfg(feature = "regex")]
    let regex = {
        drop(lite);
        regex::Regex::new(&anchored).map_err(|e| bad(&e))?
    };
    #[cfg(not(feature = "regex"))]
    let regex = lite;
    Ok(regex)
}

/// Refuses the regex syntax that regex-lite and the regex crate read differently.
fn portable_regex(pattern: &str) -> Result<(), String> {
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(e) = chars.next().filter(|e| "dDwWsSbBpP".contains(*e)) {
                    return Err(format!(
                        "regex `{pattern}`: `\\{e}` means different characters in the browser and \
                         natively; write the class out (for example `[0-9]`)"
                    ));
                }
            }
            '(' if chars.peek() == Some(&'?') => {
                let flags: String = chars
                    .clone()
                    .skip(1)
                    .take_while(|f| f.is_ascii_alphabetic() || *f == '-')
                    .collect();
                if flags.contains(['i', 'u']) {
                    return Err(format!(
                        "regex `{pattern}`: the flags `i` and `u` fold or class characters \
                         differently in the browser and natively"
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Required {
        fields: Vec<RequiredField>,
    },
    DateOrder(DateOrder),
    Codes {
        fields: Vec<FieldPath>,
        list: Arc<FxHashSet<String>>,
        /// The list's name in `codes.toml`, where its labels are.
        name: Box<str>,
    },
    Range {
        fields: Vec<FieldPath>,
        min: Option<f64>,
        max: Option<f64>,
    },
    Pattern {
        fields: Vec<FieldPath>,
        regex: Regex,
        ignore: CharSet,
    },
    Format {
        fields: Vec<FieldPath>,
        timestamp: bool,
    },
    Equal {
        pairs: Vec<(FieldPath, FieldPath)>,
    },
    Condition {
        at: FieldPath,
        paths: Vec<String>,
    },
    Municipality {
        field: FieldPath,
        report: Vec<&'static str>,
        table: Option<Arc<CodeTable>>,
        prefecture_name: Option<FieldPath>,
    },
    /// A stated age (whole years, and months under one year) against the one a birth date
    /// gives on a date.
    Age {
        birth: FieldPath,
        on: FieldPath,
        years: FieldPath,
        months: Option<FieldPath>,
    },
    /// Each item of an array has a counterpart in another with the same keys.
    Matched(Box<Matched>),
    /// A condition judged on each item of arrays (`each`).
    ItemCondition(Vec<ItemCondition>),
    /// The items of an array, ranked by an integer key, are dated in that order.
    ItemOrder(ItemOrder),
    Script {
        script: Script,
        reads: Vec<FieldPath>,
    },
    /// Every present value has a JSON type its schema allows.
    Types,
    /// Across records: handled by the batch's second pass, silent in `check`.
    Cross(crate::cross::CrossSpec),
}

/// See [`Kind::ItemCondition`]: one array's items, with the condition and the paths resolved
/// below them.
#[derive(Debug, Clone)]
pub(crate) struct ItemCondition {
    items: FieldPath,
    when: Cond,
    at: FieldPath,
    paths: Vec<FieldPath>,
    ctx: Vec<(String, FieldPath)>,
}

impl ItemCondition {
    pub(crate) fn tests_absence(&self) -> bool {
        self.when.tests_absence()
    }
}

/// Compiles a `condition` check with `each`: everything else in it is relative to an item.
fn compile_each(spec: &CheckSpec, env: &CompileEnv) -> Result<Kind, Error> {
    let when = need(env, "condition", "when", spec.when.as_ref())?;
    let at = need(env, "condition", "at", spec.at.as_ref())?;
    let mut per_array = Vec::new();
    for array in &spec.each {
        let item = |relative: &str| env.path(&format!("{array}/*/{relative}"));
        let mut cond = crate::condition::compile(when, env.named, true, 0)
            .map_err(|m| env.err(format!("`when`: {m}")))?;
        let array_path = env.path(array)?;
        cond.resolve_under(env.schema, Some(&array_path))
            .map_err(|m| env.err(m))?;
        let at = item(at)?;
        let mut paths: Vec<FieldPath> = spec
            .paths
            .iter()
            .map(|p| item(p))
            .collect::<Result<_, _>>()?;
        if !paths.iter().any(|p| p.text == at.text) {
            paths.push(at.clone());
        }
        per_array.push(ItemCondition {
            items: env.path(&format!("{array}/*"))?,
            when: cond,
            at,
            paths,
            ctx: spec
                .ctx
                .iter()
                .map(|(key, p)| Ok((key.clone(), item(p)?)))
                .collect::<Result<_, Error>>()?,
        });
    }
    Ok(Kind::ItemCondition(per_array))
}

fn item_conditions(env: &Env, arrays: &[ItemCondition], out: &mut Vec<Raw>) {
    for array in arrays {
        let depth = array.items.wildcards();
        for item in env.view.hits(&array.items) {
            let bound = &item.idx[..depth];
            if !array.when.eval(env.view, bound, &env.cond) {
                continue;
            }
            let at = array.at.pointer(&item.idx);
            let mut raw = Raw {
                path: at.clone(),
                paths: array.paths.iter().map(|p| p.pointer(&item.idx)).collect(),
                ..Raw::default()
            };
            raw.ctx.insert("field".into(), Value::String(at));
            for (key, path) in &array.ctx {
                let value = env.view.hits_within(path, bound).first();
                hidden_if(env.schema, &path.text, key, &mut raw.hidden);
                raw.ctx
                    .insert(key.clone(), value.map_or(Value::Null, |h| h.value.clone()));
            }
            out.push(raw);
        }
    }
}

/// See [`Kind::Matched`].
#[derive(Debug, Clone)]
pub(crate) struct Matched {
    /// `each/*`, the items that need a counterpart, and which of them do (relative `when`).
    items: FieldPath,
    when: Option<Cond>,
    /// `among/*`, where counterparts are, and which of them count (relative `having`).
    among: FieldPath,
    having: Option<Cond>,
    /// (ctx key, key in an item, key in a counterpart)
    keys: Vec<(String, FieldPath, FieldPath)>,
    at: FieldPath,
}

fn compile_matched(spec: &CheckSpec, env: &CompileEnv) -> Result<Kind, Error> {
    let k = "matched";
    let [each] = spec.each.as_slice() else {
        return Err(env.err("a `matched` check needs `each` with one array"));
    };
    let among = need(env, k, "among", spec.among.as_ref())?;
    let relative = |cond: Option<&Value>, array: &str| -> Result<Option<Cond>, Error> {
        let Some(cond) = cond else {
            return Ok(None);
        };
        let mut cond = crate::condition::compile(cond, env.named, true, 0)
            .map_err(|m| env.err(format!("`when`/`having`: {m}")))?;
        cond.resolve_under(env.schema, Some(&env.path(array)?))
            .map_err(|m| env.err(m))?;
        Ok(Some(cond))
    };
    let keys = nonempty(env, k, "keys", &spec.keys)?
        .iter()
        .map(|key| {
            Ok((
                key.clone(),
                env.path(&format!("{each}/*/{key}"))?,
                env.path(&format!("{among}/*/{key}"))?,
            ))
        })
        .collect::<Result<_, Error>>()?;
    Ok(Kind::Matched(Box::new(Matched {
        items: env.path(&format!("{each}/*"))?,
        when: relative(spec.when.as_ref(), each)?,
        among: env.path(&format!("{among}/*"))?,
        having: relative(spec.having.as_ref(), among)?,
        keys,
        at: env.path(need(env, k, "at", spec.at.as_ref())?)?,
    })))
}

/// The `matched` check. An item takes part when `when` holds and all its keys are present (and
/// readable, for dates). A counterpart matches when each key agrees: dates as days (a
/// counterpart's unreadable date might be the same one and matches, formats/date reports it),
/// other values as [`crate::condition::same`].
fn matched(env: &Env, m: &Matched, out: &mut Vec<Raw>) {
    let (item_depth, among_depth) = (m.items.wildcards(), m.among.wildcards());
    let mut candidates: Option<Vec<&[u32]>> = None;
    for item in env.view.hits(&m.items) {
        let bound = &item.idx[..item_depth];
        if m.when
            .as_ref()
            .is_some_and(|w| !w.eval(env.view, bound, &env.cond))
        {
            continue;
        }
        let values: Option<Vec<_>> = m
            .keys
            .iter()
            .map(|(_, key, _)| {
                let hit = env.view.hits_within(key, bound).first()?;
                let dated = env.schema.node(key.node as usize).dated;
                (!is_absent(Some(hit.value)) && (!dated || hit.day.is_some())).then_some(hit)
            })
            .collect();
        let Some(values) = values else {
            continue;
        };
        let candidates = candidates.get_or_insert_with(|| {
            env.view
                .hits(&m.among)
                .iter()
                .map(|c| &c.idx[..among_depth])
                .filter(|b| {
                    m.having
                        .as_ref()
                        .is_none_or(|h| h.eval(env.view, b, &env.cond))
                })
                .collect()
        });
        let agrees = |other: &[u32]| {
            m.keys.iter().zip(&values).all(|((_, _, key), mine)| {
                let Some(theirs) = env.view.hits_within(key, other).first() else {
                    return false;
                };
                match mine.day {
                    Some(day) => {
                        theirs.day == Some(day)
                            || (theirs.day.is_none() && !is_absent(Some(theirs.value)))
                    }
                    None => crate::condition::same(mine.value, theirs.value),
                }
            })
        };
        if candidates.iter().any(|c| agrees(c)) {
            continue;
        }
        let pointer = m.items.pointer(&item.idx);
        let mut raw = Raw {
            path: m.at.text.to_string(),
            paths: vec![pointer.clone(), m.at.text.to_string()],
            ..Raw::default()
        };
        raw.ctx.insert("item".into(), Value::String(pointer));
        for ((name, key, _), hit) in m.keys.iter().zip(&values) {
            let value = match (hit.day, hit.value) {
                (Some(day), _) => Value::String(format_day(day)),
                (None, Value::String(s)) => Value::String(quoted_text(trim(s))),
                (None, other) => quoted(other),
            };
            hidden_if(env.schema, &key.text, name, &mut raw.hidden);
            raw.ctx.insert(name.clone(), value);
        }
        out.push(raw);
    }
}

/// See [`Kind::ItemOrder`]: `by` and `date` are `array/*/by` and `array/*/date`.
#[derive(Debug, Clone)]
pub(crate) struct ItemOrder {
    by: FieldPath,
    date: FieldPath,
    /// `earlier_<by>` and `later_<by>`, the ctx keys of the ranks.
    rank_keys: [String; 2],
    min_days: i64,
}

/// A required field; a `*` path is required in each element that exists, so it keeps the path
/// of those elements and its own key.
#[derive(Debug, Clone)]
pub(crate) struct RequiredField {
    field: FieldPath,
    element: Option<(FieldPath, Box<str>)>,
}

impl RequiredField {
    /// The required path (`/tests/*/method`).
    pub(crate) fn path(&self) -> &str {
        &self.field.text
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// The message variant this check's findings use (`None`: the rule's message).
    pub(crate) variant: Option<String>,
    pub(crate) when: Option<Cond>,
    pub(crate) ctx: Vec<(String, FieldPath)>,
    pub(crate) kind: Kind,
}

/// What compiling a check needs from its pack.
pub(crate) struct CompileEnv<'a> {
    pub(crate) rule: &'a str,
    pub(crate) file: &'a str,
    pub(crate) schema: &'a RecordSchema,
    pub(crate) named: &'a BTreeMap<String, Value>,
    pub(crate) codes: &'a BTreeMap<String, Arc<FxHashSet<String>>>,
    pub(crate) tables: &'a BTreeMap<String, Arc<CodeTable>>,
    pub(crate) engine: &'a rhai::Engine,
    pub(crate) scripts: &'a dyn Fn(&str) -> Option<&'a str>,
    pub(crate) variants: &'a [String],
}

impl CompileEnv<'_> {
    fn err(&self, message: impl Into<String>) -> Error {
        Error::pack(self.file, Some(self.rule), message)
    }

    /// A path that must exist in the record schema.
    pub(crate) fn path(&self, text: &str) -> Result<FieldPath, Error> {
        let mut path = FieldPath::parse(text).map_err(|m| self.err(m))?;
        if !text.starts_with('/') {
            return Err(self.err(format!(
                "`{text}`: a path starts with `/`{}",
                self.schema.did_you_mean(text)
            )));
        }
        if self.schema.field(&path.text).is_none() || !self.schema.resolve(&mut path) {
            return Err(self.err(self.schema.not_a_field(&path.text)));
        }
        Ok(path)
    }

    /// Field lists with `@dates` / `@timestamps` expanded and `exclude` removed.
    fn fields(&self, texts: &[String], exclude: &[String]) -> Result<Vec<FieldPath>, Error> {
        let mut out = Vec::new();
        for text in texts {
            let expanded: Vec<String> = match text.as_str() {
                "@dates" => self.schema.with_format("date").map(str::to_owned).collect(),
                "@timestamps" => self
                    .schema
                    .with_format("date-time")
                    .map(str::to_owned)
                    .collect(),
                t if t.starts_with('@') => {
                    return Err(self.err(format!("unknown path set `{t}` (@dates, @timestamps)")));
                }
                t => vec![t.to_owned()],
            };
            for p in expanded {
                if !exclude.contains(&p) {
                    out.push(self.path(&p)?);
                }
            }
        }
        for e in exclude {
            self.path(e)?;
        }
        Ok(out)
    }

    fn operands(&self, texts: &[String], exclude: &[String]) -> Result<Vec<Operand>, Error> {
        let mut out = Vec::new();
        for text in texts {
            match text.as_str() {
                "$as_of" => out.push(Operand::AsOf),
                "$reference_date" => out.push(Operand::ReferenceDate),
                t if t.starts_with('/') || t.starts_with('@') => {
                    out.extend(
                        self.fields(std::slice::from_ref(&t.to_owned()), exclude)?
                            .into_iter()
                            .map(Operand::Field),
                    );
                }
                t => out.push(Operand::Literal(parse_date(t).ok_or_else(|| {
                    self.err(format!(
                        "`{t}` is neither a path, $as_of, $reference_date nor a YYYY-MM-DD date"
                    ))
                })?)),
            }
        }
        if out.is_empty() {
            return Err(self.err("a date-order check needs `earlier` and `later`"));
        }
        Ok(out)
    }
}

fn need<'a, T>(env: &CompileEnv, kind: &str, key: &str, v: Option<&'a T>) -> Result<&'a T, Error> {
    v.ok_or_else(|| env.err(format!("a `{kind}` check needs `{key}`")))
}

fn nonempty<'a>(
    env: &CompileEnv,
    kind: &str,
    key: &str,
    v: &'a [String],
) -> Result<&'a [String], Error> {
    if v.is_empty() {
        return Err(env.err(format!("a `{kind}` check needs `{key}`")));
    }
    Ok(v)
}

/// Compiles one `[[check]]` table.
pub(crate) fn compile(spec: &CheckSpec, env: &CompileEnv) -> Result<Check, Error> {
    if !spec.each.is_empty() && spec.kind != "matched" {
        if spec.kind != "condition" {
            return Err(env.err("`each` belongs to a `condition` or `matched` check"));
        }
        return Ok(Check {
            variant: spec.variant.clone(),
            when: None,
            ctx: Vec::new(),
            kind: compile_each(spec, env)?,
        });
    }
    // A `matched` check's `when` is about its items, compiled with it.
    let when = spec
        .when
        .as_ref()
        .filter(|_| spec.kind != "matched")
        .map(|w| {
            let mut cond = crate::condition::compile(w, env.named, false, 0)
                .map_err(|m| env.err(format!("`when`: {m}")))?;
            cond.resolve(env.schema).map_err(|m| env.err(m))?;
            Ok::<_, Error>(cond)
        })
        .transpose()?;
    let ctx = spec
        .ctx
        .iter()
        .map(|(k, p)| Ok((k.clone(), env.path(p)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let k = spec.kind.as_str();
    let kind = match k {
        "required" => Kind::Required {
            fields: env
                .fields(nonempty(env, k, "fields", &spec.fields)?, &spec.exclude)?
                .into_iter()
                .map(|field| {
                    let element = match (field.wildcards(), field.segs.last()) {
                        (0, _) => None,
                        (_, Some(crate::path::Seg::Key(key))) => {
                            let text = &field.text[..field.text.len() - key.len() - 1];
                            Some((env.path(text)?, key.clone()))
                        }
                        _ => {
                            return Err(env.err(format!(
                                "`{}`: a required path ends with a key",
                                field.text
                            )));
                        }
                    };
                    Ok(RequiredField { field, element })
                })
                .collect::<Result<_, Error>>()?,
        },
        "date-order" => {
            let earlier =
                env.operands(nonempty(env, k, "earlier", &spec.earlier)?, &spec.exclude)?;
            let later = env.operands(nonempty(env, k, "later", &spec.later)?, &spec.exclude)?;
            let shared = (earlier.iter())
                .flat_map(|e| later.iter().map(move |l| shared_wildcards(e, l) as u8))
                .collect();
            Kind::DateOrder(DateOrder {
                earlier,
                later,
                shared,
                // With only an upper bound the check is about gaps, not order: no lower bound.
                days: (
                    spec.min_days
                        .unwrap_or(if spec.max_days.is_some() { i64::MIN } else { 0 }),
                    spec.max_days,
                ),
                ignore_below: spec.ignore_below_days,
                at_earlier: match spec.at.as_deref() {
                    None | Some("later") => false,
                    Some("earlier") => true,
                    Some(other) => {
                        return Err(env.err(format!(
                            "`at` of a date-order check is \"earlier\" or \"later\", not `{other}`"
                        )));
                    }
                },
            })
        }
        "codes" => {
            let name = need(env, k, "list", spec.list.as_ref())?;
            let list = env
                .codes
                .get(name)
                .cloned()
                .ok_or_else(|| env.err(format!("unknown code list `{name}`")))?;
            Kind::Codes {
                fields: env.fields(nonempty(env, k, "fields", &spec.fields)?, &[])?,
                list,
                name: name.as_str().into(),
            }
        }
        "range" => {
            if spec.min.is_none() && spec.max.is_none() {
                return Err(env.err("a `range` check needs `min` or `max`"));
            }
            Kind::Range {
                fields: env.fields(nonempty(env, k, "fields", &spec.fields)?, &[])?,
                min: spec.min,
                max: spec.max,
            }
        }
        "pattern" => {
            let re = need(env, k, "regex", spec.regex.as_ref())?;
            let regex = compile_regex(re).map_err(|e| env.err(e))?;
            Kind::Pattern {
                fields: env.fields(nonempty(env, k, "fields", &spec.fields)?, &[])?,
                regex,
                ignore: CharSet::new(spec.ignore.as_deref().unwrap_or("")),
            }
        }
        "format" => Kind::Format {
            fields: env.fields(nonempty(env, k, "fields", &spec.fields)?, &spec.exclude)?,
            timestamp: match need(env, k, "format", spec.format.as_ref())?.as_str() {
                "date" => false,
                "date-time" => true,
                other => return Err(env.err(format!("unknown format `{other}` (date, date-time)"))),
            },
        },
        "equal" => {
            if spec.pairs.is_empty() {
                return Err(env.err("an `equal` check needs `pairs`"));
            }
            let pairs = spec
                .pairs
                .iter()
                .map(|[a, b]| {
                    let (a, b) = (env.path(a)?, env.path(b)?);
                    if a.wildcards() + b.wildcards() > 0 {
                        return Err(env.err("`equal` compares single fields (no `*`)"));
                    }
                    Ok((a, b))
                })
                .collect::<Result<_, Error>>()?;
            Kind::Equal { pairs }
        }
        "condition" => {
            let cond = when
                .as_ref()
                .ok_or_else(|| env.err("a `condition` check needs `when`"))?;
            let at = env.path(need(env, k, "at", spec.at.as_ref())?)?;
            let paths = if spec.paths.is_empty() {
                let mut reads = Vec::new();
                cond.reads(&mut reads);
                reads.iter().map(|p| container(&p.text)).collect()
            } else {
                spec.paths
                    .iter()
                    .map(|p| env.path(p).map(|p| container(&p.text)))
                    .collect::<Result<_, _>>()?
            };
            let mut paths: Vec<String> = paths;
            paths.push(at.text.to_string());
            paths.sort();
            paths.dedup();
            Kind::Condition { at, paths }
        }
        "municipality-code" => {
            let field = env.path(need(env, k, "field", spec.field.as_ref())?)?;
            let mut report = Vec::new();
            for r in nonempty(env, k, "report", &spec.report)? {
                let known = MUNICIPALITY_PROBLEMS
                    .iter()
                    .find(|p| *p == r)
                    .ok_or_else(|| {
                        env.err(format!(
                            "unknown problem `{r}` ({})",
                            MUNICIPALITY_PROBLEMS.join(", ")
                        ))
                    })?;
                report.push(*known);
            }
            let table = spec
                .table
                .as_ref()
                .map(|t| {
                    env.tables
                        .get(t)
                        .cloned()
                        .ok_or_else(|| env.err(format!("unknown table `{t}`")))
                })
                .transpose()?;
            if table.is_none()
                && report
                    .iter()
                    .any(|r| matches!(*r, "unknown" | "prefecture"))
            {
                return Err(env.err("`unknown` and `prefecture` problems need a `table`"));
            }
            let prefecture_name = spec
                .prefecture_name
                .as_ref()
                .map(|p| env.path(p))
                .transpose()?;
            Kind::Municipality {
                field,
                report,
                table,
                prefecture_name,
            }
        }
        "age" => Kind::Age {
            birth: env.path(need(env, k, "birth", spec.birth.as_ref())?)?,
            on: env.path(need(env, k, "on", spec.on.as_ref())?)?,
            years: env.path(need(env, k, "years", spec.years.as_ref())?)?,
            months: spec.months.as_ref().map(|p| env.path(p)).transpose()?,
        },
        "matched" => compile_matched(spec, env)?,
        "item-order" => {
            let array = need(env, k, "array", spec.array.as_ref())?;
            let by = need(env, k, "by", spec.by.as_ref())?;
            let date = need(env, k, "date", spec.date.as_ref())?;
            Kind::ItemOrder(ItemOrder {
                by: env.path(&format!("{array}/*/{by}"))?,
                date: env.path(&format!("{array}/*/{date}"))?,
                rank_keys: [format!("earlier_{by}"), format!("later_{by}")],
                min_days: spec.min_days.unwrap_or(0),
            })
        }
        "script" => {
            let file = need(env, k, "script", spec.script.as_ref())?;
            let source = (env.scripts)(file).ok_or_else(|| {
                env.err(format!("script file `{file}` not found beside the rule"))
            })?;
            let script = script::compile(env.engine, env.rule, file, source)?;
            let reads = nonempty(env, k, "reads", &spec.reads)?
                .iter()
                .map(|p| env.path(p))
                .collect::<Result<Vec<_>, _>>()?;
            if reads.iter().any(|p| p.wildcards() > 0) {
                return Err(env.err("`reads` name whole fields or arrays (no `*`)"));
            }
            Kind::Script { script, reads }
        }
        "types" => Kind::Types,
        "group" | "ascending" => Kind::Cross(crate::cross::CrossSpec::compile(spec, env)?),
        other => {
            return Err(env.err(format!(
                "unknown check kind `{other}` (required, date-order, codes, range, pattern, format, equal, condition, municipality-code, age, item-order, matched, script, group, ascending)"
            )));
        }
    };
    if let Some(v) = &spec.variant
        && !env.variants.contains(v)
    {
        return Err(env.err(format!(
            "check variant `{v}` is not in the rule's [variants]"
        )));
    }
    Ok(Check {
        variant: spec.variant.clone(),
        when,
        ctx,
        kind,
    })
}

/// The field a form can highlight for a path: itself, or the array holding a `*` path.
fn container(pattern: &str) -> String {
    match pattern.find("/*") {
        Some(i) => pattern[..i].to_owned(),
        None => pattern.to_owned(),
    }
}

fn hidden_if(schema: &RecordSchema, pointer: &str, key: &str, hidden: &mut Vec<String>) {
    if schema.holds_personal(pointer) {
        hidden.push(key.to_owned());
    }
}

impl Kind {
    /// The fields of a check that judges each value on its own (codes, range, pattern,
    /// format); `None` for the other kinds.
    pub(crate) fn value_fields(&self) -> Option<&[FieldPath]> {
        match self {
            Kind::Codes { fields, .. }
            | Kind::Range { fields, .. }
            | Kind::Pattern { fields, .. }
            | Kind::Format { fields, .. } => Some(fields),
            _ => None,
        }
    }

    /// Whether a check that judges each value on its own (codes, range, pattern, format) finds
    /// fault with `value`, with the day the view read it as (a date field's text); `false` for
    /// the other kinds. For a string, the judgement of [`Kind::rejects_text`].
    pub(crate) fn rejects(&self, value: &Value, day: Option<Day>) -> bool {
        if let Value::String(text) = value {
            return self.rejects_text(text, day);
        }
        match self {
            Kind::Range { min, max, .. } => value.as_f64().is_some_and(|n| {
                min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) || n.is_nan()
            }),
            Kind::Pattern { .. } => self.rejects_text(&value.to_string(), None),
            // A code or a date is text.
            Kind::Codes { .. } | Kind::Format { .. } => true,
            _ => false,
        }
    }

    /// [`Kind::rejects`] for a string value.
    pub(crate) fn rejects_text(&self, text: &str, day: Option<Day>) -> bool {
        self.rejects_trimmed(trim(text), day)
    }

    /// [`Kind::rejects_text`] for a text already trimmed, as every kind judges it, without
    /// building a value (the screen of a table's rows judges their cells as text, trimming
    /// each once: [`crate::screen`]).
    pub(crate) fn rejects_trimmed(&self, text: &str, day: Option<Day>) -> bool {
        match self {
            Kind::Codes { list, .. } => !list.contains(text),
            Kind::Pattern { regex, ignore, .. } => !regex.is_match(&ignore.remove_from(text)),
            Kind::Format { timestamp, .. } => !match day {
                // The view read a date field's text as a day already: as a date when it is
                // ten characters long, as a timestamp otherwise.
                Some(_) => (text.len() == 10) != *timestamp,
                None if *timestamp => parse_timestamp(text).is_some(),
                None => parse_date(text).is_some(),
            },
            // A string is not a number: no range judges it.
            _ => false,
        }
    }

    /// The finding on a value the check [`rejects`](Kind::rejects).
    fn value_finding(&self, schema: &RecordSchema, ptr: &str, value: &Value) -> Raw {
        let mut raw = value_raw(schema, ptr, value);
        if let Kind::Range { min, max, .. } = self {
            raw.ctx
                .insert("min".into(), min.map_or(Value::Null, number));
            raw.ctx
                .insert("max".into(), max.map_or(Value::Null, number));
        }
        raw
    }
}

impl Check {
    /// The ctx keys this check's findings carry, so a pack whose message names a key no check
    /// fills is refused when it loads; `None` for a script, whose findings carry what it says.
    pub(crate) fn ctx_keys(&self) -> Option<Vec<String>> {
        let fixed: &[&str] = match &self.kind {
            Kind::Required { .. } => &["field"],
            Kind::DateOrder(_) => &["earlier_field", "earlier", "later_field", "later", "days"],
            Kind::Codes { .. } | Kind::Pattern { .. } | Kind::Format { .. } => &["field", "value"],
            Kind::Range { .. } => &["field", "value", "min", "max"],
            Kind::Equal { .. } => &["field", "other_field", "value", "other"],
            Kind::Condition { .. } => &["field"],
            Kind::Municipality { .. } => &["field", "value", "problem"],
            Kind::Age { .. } => &["field", "value", "expected", "on"],
            Kind::Types => &["field", "value", "expected", "found"],
            Kind::ItemCondition(_) => &["field"],
            Kind::Script { .. } => return None,
            Kind::Cross(spec) if spec.is_scripted() => return None,
            Kind::Cross(_) => &["other", "count"],
            Kind::ItemOrder(_) | Kind::Matched(_) => &[],
        };
        let mut keys: Vec<String> = fixed.iter().map(|k| (*k).to_owned()).collect();
        keys.extend(self.ctx.iter().map(|(k, _)| k.clone()));
        match &self.kind {
            Kind::ItemCondition(arrays) => {
                keys.extend(
                    arrays
                        .iter()
                        .flat_map(|a| a.ctx.iter().map(|(k, _)| k.clone())),
                );
            }
            Kind::ItemOrder(order) => {
                keys.extend(order.rank_keys.iter().cloned());
                keys.extend(["earlier", "later", "days"].map(str::to_owned));
            }
            Kind::Matched(m) => {
                keys.push("item".into());
                keys.extend(m.keys.iter().map(|(name, _, _)| name.clone()));
            }
            _ => {}
        }
        Some(keys)
    }

    /// Adds the fields this check reads to `out`, so a plan can parse only those; `false` when
    /// it reads every field the schema knows (`Types`). Paths inside arrays stand for their
    /// whole array: relative conditions read below it.
    pub(crate) fn reads(&self, out: &mut Vec<FieldPath>) -> bool {
        if let Some(when) = &self.when {
            when.reads(out);
        }
        out.extend(self.ctx.iter().map(|(_, p)| p.clone()));
        match &self.kind {
            Kind::Required { fields } => {
                for f in fields {
                    out.push(f.field.clone());
                    out.extend(f.element.iter().map(|(p, _)| p.clone()));
                }
            }
            Kind::DateOrder(DateOrder { earlier, later, .. }) => {
                out.extend(earlier.iter().chain(later).filter_map(|op| match op {
                    Operand::Field(p) => Some(p.clone()),
                    Operand::Literal(_) | Operand::AsOf | Operand::ReferenceDate => None,
                }));
            }
            Kind::Codes { fields, .. }
            | Kind::Range { fields, .. }
            | Kind::Pattern { fields, .. }
            | Kind::Format { fields, .. } => out.extend(fields.iter().cloned()),
            Kind::Equal { pairs } => {
                out.extend(pairs.iter().flat_map(|(a, b)| [a.clone(), b.clone()]));
            }
            Kind::Condition { .. } => {}
            // What the cross-record pass reads of each record, for readers that hand it records
            // built by the plan.
            Kind::Cross(spec) => {
                out.extend(spec.key_reads().into_iter().cloned());
                out.extend(spec.carried().iter().cloned());
            }
            Kind::Municipality {
                field,
                prefecture_name,
                ..
            } => out.extend(std::iter::once(field).chain(prefecture_name).cloned()),
            Kind::Age {
                birth,
                on,
                years,
                months,
            } => out.extend([birth, on, years].into_iter().chain(months).cloned()),
            Kind::ItemOrder(order) => out.extend([order.by.clone(), order.date.clone()]),
            Kind::Matched(m) => out.extend([m.items.clone(), m.among.clone(), m.at.clone()]),
            Kind::ItemCondition(arrays) => {
                for array in arrays {
                    out.push(array.items.clone());
                    out.extend(array.ctx.iter().map(|(_, p)| p.clone()));
                }
            }
            Kind::Script { reads, .. } => out.extend(reads.iter().cloned()),
            Kind::Types => return false,
        }
        true
    }

    /// Runs the check on `env.record`, pushing its findings.
    pub(crate) fn eval(
        &self,
        env: &Env,
        variants: &[String],
        out: &mut Vec<Raw>,
    ) -> Result<(), Error> {
        if let Some(when) = &self.when
            && !when.eval(env.view, &[], &env.cond)
        {
            return Ok(());
        }
        let start = out.len();
        match &self.kind {
            Kind::Required { fields } => required(fields, env.view, out),
            Kind::DateOrder(order) => date_order(env, order, out),
            Kind::Codes { fields, .. }
            | Kind::Range { fields, .. }
            | Kind::Pattern { fields, .. }
            | Kind::Format { fields, .. } => each_present(
                fields,
                env.view,
                &mut |ptr, value, day| {
                    self.kind
                        .rejects(value, day)
                        .then(|| self.kind.value_finding(env.schema, &ptr(), value))
                },
                out,
            ),
            Kind::Equal { pairs } => {
                for (a, b) in pairs {
                    let (va, vb) = (env.view.get(a), env.view.get(b));
                    if is_absent(va) || is_absent(vb) {
                        continue;
                    }
                    if let (Some(va), Some(vb)) = (va, vb)
                        && !crate::condition::same(va, vb)
                    {
                        let mut raw = Raw {
                            path: b.text.to_string(),
                            paths: vec![a.text.to_string(), b.text.to_string()],
                            ..Raw::default()
                        };
                        raw.ctx
                            .insert("field".into(), Value::String(a.text.to_string()));
                        raw.ctx
                            .insert("other_field".into(), Value::String(b.text.to_string()));
                        raw.ctx.insert("value".into(), quoted(va));
                        raw.ctx.insert("other".into(), quoted(vb));
                        hidden_if(env.schema, &a.text, "value", &mut raw.hidden);
                        hidden_if(env.schema, &b.text, "other", &mut raw.hidden);
                        out.push(raw);
                    }
                }
            }
            Kind::Condition { at, paths } => {
                let mut raw = Raw {
                    path: at.text.to_string(),
                    paths: paths.clone(),
                    ..Raw::default()
                };
                raw.ctx
                    .insert("field".into(), Value::String(at.text.to_string()));
                out.push(raw);
            }
            Kind::Municipality {
                field,
                report,
                table,
                prefecture_name,
            } => {
                if let Some(value) = env.view.get(field).filter(|v| !is_absent(Some(v))) {
                    let pref_name = prefecture_name
                        .as_ref()
                        .and_then(|p| env.view.get(p))
                        .and_then(Value::as_str);
                    if let Some(problem) = municipality_problem(
                        value,
                        table.as_deref(),
                        pref_name,
                        env.cond.reference_date,
                    ) && report.contains(&problem)
                    {
                        let mut raw = value_raw(env.schema, &field.text, value);
                        raw.ctx
                            .insert("problem".into(), Value::String(problem.into()));
                        if variants.iter().any(|v| v == problem) {
                            raw.variant = Some(problem.to_owned());
                        }
                        out.push(raw);
                    }
                }
            }
            Kind::Age {
                birth,
                on,
                years,
                months,
            } => age(env, [birth, on], years, months.as_ref(), out),
            Kind::ItemOrder(order) => item_order(env, order, out),
            Kind::Matched(m) => matched(env, m, out),
            Kind::ItemCondition(arrays) => item_conditions(env, arrays, out),
            Kind::Script { script, reads } => run_script(env, script, reads, variants, out)?,
            Kind::Types => types(env.schema, env.view, out),
            Kind::Cross(_) => {}
        }
        if let Some(v) = &self.variant {
            for raw in &mut out[start..] {
                raw.variant.get_or_insert_with(|| v.clone());
            }
        }
        if !self.ctx.is_empty() {
            for raw in &mut out[start..] {
                for (key, path) in &self.ctx {
                    let value = env.view.get(path).map_or(Value::Null, quoted);
                    hidden_if(env.schema, &path.text, key, &mut raw.hidden);
                    raw.ctx.insert(key.clone(), value);
                }
            }
        }
        Ok(())
    }
}

/// The JSON type of a value, in JSON Schema's words.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a value's JSON type is one a field's mask allows (an integer is also a number; a
/// whole number written as `36.0` is also an integer).
fn type_allowed(mask: u8, value: &Value) -> bool {
    use crate::schema::type_bit;
    if mask == 0 {
        return true;
    }
    let bits = match value {
        Value::Null => return true,
        Value::Bool(_) => type_bit("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => type_bit("integer") | type_bit("number"),
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
            type_bit("integer") | type_bit("number")
        }
        Value::Number(_) => type_bit("number"),
        Value::String(_) => type_bit("string"),
        Value::Array(_) => type_bit("array"),
        Value::Object(_) => type_bit("object"),
    };
    mask & bits != 0
}

/// Reports values of a type the schema does not allow (`"age": "thirty"`). The view holds only
/// what the schema knows, and nothing below a value of the wrong type (its fields are not the
/// schema's); absent values are left alone.
fn types(schema: &RecordSchema, view: &View, out: &mut Vec<Raw>) {
    for (node, hits) in view.by_node().skip(1) {
        let info = &schema.node(node).info;
        for hit in hits {
            // The type first: it is cheaper, and nearly every value has the right one.
            if type_allowed(info.type_mask, hit.value) || is_absent(Some(hit.value)) {
                continue;
            }
            let pointer = crate::path::pointer_at(schema.pattern(node), &hit.idx);
            let mut raw = value_raw(schema, &pointer, hit.value);
            raw.ctx
                .insert("expected".into(), Value::String(info.types.join("|")));
            raw.ctx
                .insert("found".into(), Value::String(json_type(hit.value).into()));
            out.push(raw);
        }
    }
}

fn number(n: f64) -> Value {
    match whole(n) {
        Some(i) => Value::from(i),
        None => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
    }
}

/// A number without a fraction as an integer, within the range where a float holds every
/// integer exactly.
fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
}

/// An integer value: `2`, or `2.0` as a spreadsheet or a frame column with blanks writes it (the
/// schema's `integer` allows both).
fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().and_then(whole))
}

fn value_raw(schema: &RecordSchema, ptr: &str, value: &Value) -> Raw {
    let mut raw = Raw {
        path: ptr.to_owned(),
        paths: vec![ptr.to_owned()],
        ..Raw::default()
    };
    raw.ctx
        .insert("field".into(), Value::String(ptr.to_owned()));
    raw.ctx.insert("value".into(), quoted(value));
    hidden_if(schema, ptr, "value", &mut raw.hidden);
    raw
}

/// Judges one present value, with the day the view read it as (a date field's value); gets a way
/// to build its pointer (only needed for a finding).
type ValueCheck<'f> = dyn FnMut(&dyn Fn() -> String, &Value, Option<Day>) -> Option<Raw> + 'f;

fn each_present(fields: &[FieldPath], view: &View, f: &mut ValueCheck, out: &mut Vec<Raw>) {
    // The pointer is built only for a finding: most values are fine.
    for field in fields {
        for hit in view.hits(field) {
            if !is_absent(Some(hit.value))
                && let Some(raw) = f(&|| field.pointer(&hit.idx), hit.value, hit.day)
            {
                out.push(raw);
            }
        }
    }
}

fn required(fields: &[RequiredField], view: &View, out: &mut Vec<Raw>) {
    let missing = |ptr: String, out: &mut Vec<Raw>| {
        let mut raw = Raw {
            path: ptr.clone(),
            paths: vec![ptr.clone()],
            ..Raw::default()
        };
        raw.ctx.insert("field".into(), Value::String(ptr));
        out.push(raw);
    };
    for RequiredField { field, element } in fields {
        match element {
            None => {
                if is_absent(view.get(field)) {
                    missing(field.text.to_string(), out);
                }
            }
            Some((element, key)) => {
                for hit in view.hits(element) {
                    if is_absent(hit.value.as_object().and_then(|o| o.get(&**key))) {
                        missing(format!("{}/{}", element.pointer(&hit.idx), key), out);
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
struct DayHit<'a> {
    day: Day,
    /// The value as written; `None` for literals and `$as_of` (formatted only for a finding).
    text: Option<&'a str>,
    /// The array indices of a field's value; `None` for literals and `$as_of`.
    idx: Option<Indices>,
}

/// A day one operand of a date-order check stands for in this record: which operand, and which
/// of its field's values ([`FIXED`] for a literal or `$as_of`). Plain numbers, so that a list of
/// them can be kept between records (`OPERAND_DAYS`).
#[derive(Clone, Copy)]
struct OperandDay {
    op: u32,
    value: u32,
    day: Day,
}

/// [`OperandDay::value`] of a day that is not a field's.
const FIXED: u32 = u32::MAX;

thread_local! {
    /// The days of a date-order check's operands, gathered once per check (see [`date_order`]);
    /// kept between checks, so that the twenty or so date-order checks of a record allocate
    /// nothing.
    static OPERAND_DAYS: RefCell<Vec<OperandDay>> = const { RefCell::new(Vec::new()) };
}

/// Adds the days each operand stands for in this record: one for a literal or `$as_of`, one per
/// readable value of a field.
fn operand_days(env: &Env, ops: &[Operand], out: &mut Vec<OperandDay>) {
    for (op, operand) in (0u32..).zip(ops) {
        let fixed = match operand {
            Operand::Literal(d) => Some(*d),
            Operand::AsOf => Some(env.as_of),
            Operand::ReferenceDate => env.cond.reference_date,
            Operand::Field(path) => {
                for (value, hit) in (0u32..).zip(env.view.hits(path)) {
                    let Some(text) = hit.value.as_str() else {
                        continue;
                    };
                    if let Some(day) = hit.day.or_else(|| parse_day(text)) {
                        out.push(OperandDay { op, value, day });
                    }
                }
                continue;
            }
        };
        if let Some(day) = fixed {
            out.push(OperandDay {
                op,
                value: FIXED,
                day,
            });
        }
    }
}

/// The value behind a day [`operand_days`] gathered from `ops`.
fn day_hit<'a>(env: &Env<'a>, ops: &[Operand], at: OperandDay) -> DayHit<'a> {
    let hit = match &ops[at.op as usize] {
        Operand::Field(path) => env.view.hits(path).get(at.value as usize),
        _ => None,
    };
    DayHit {
        day: at.day,
        text: hit.and_then(|h| h.value.as_str()),
        idx: hit.map(|h| h.idx),
    }
}

/// How many leading `*` two operands share (the same array), so their elements are paired.
fn shared_wildcards(a: &Operand, b: &Operand) -> usize {
    let (Operand::Field(a), Operand::Field(b)) = (a, b) else {
        return 0;
    };
    let same_array = |n: usize| match (a.wildcard_prefix(n), b.wildcard_prefix(n)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    (0..MAX_WILDCARDS).take_while(|&n| same_array(n)).count()
}

fn date_order(env: &Env, order: &DateOrder, out: &mut Vec<Raw>) {
    let DateOrder {
        earlier,
        later,
        shared,
        at_earlier,
        ..
    } = order;
    let describe = |op: &Operand, hit: &DayHit| -> (String, bool) {
        match (op, hit.idx) {
            (Operand::Field(p), Some(idx)) => (p.pointer(&idx), env.schema.is_sensitive(&p.text)),
            (Operand::AsOf, _) => ("$as_of".into(), false),
            (Operand::ReferenceDate, _) => ("$reference_date".into(), false),
            _ => (
                hit.text.map_or_else(|| format_day(hit.day), str::to_owned),
                false,
            ),
        }
    };
    // Each operand's days are gathered once, then paired: the `@dates` sets name dozens of
    // fields, most of them empty in a record, and each meets every operand of the other side.
    OPERAND_DAYS.with_borrow_mut(|days| {
        days.clear();
        operand_days(env, earlier, days);
        let split = days.len();
        if split == 0 {
            return;
        }
        operand_days(env, later, days);
        let (earlier_days, later_days) = days.split_at(split);
        for &e_at in earlier_days {
            for &l_at in later_days {
                let gap = i64::from(l_at.day) - i64::from(e_at.day);
                if order.allows(gap) {
                    continue;
                }
                let (e_op, l_op) = (&earlier[e_at.op as usize], &later[l_at.op as usize]);
                let (e, l) = (day_hit(env, earlier, e_at), day_hit(env, later, l_at));
                let common = shared[e_at.op as usize * later.len() + l_at.op as usize] as usize;
                if common > 0 {
                    let (Some(ei), Some(li)) = (e.idx, l.idx) else {
                        continue;
                    };
                    if ei[..common] != li[..common] {
                        continue;
                    }
                }
                let (e_field, e_sensitive) = describe(e_op, &e);
                let (l_field, l_sensitive) = describe(l_op, &l);
                if e_field == l_field {
                    continue;
                }
                let mut raw = Raw {
                    path: if *at_earlier {
                        e_field.clone()
                    } else {
                        l_field.clone()
                    },
                    ..Raw::default()
                };
                raw.paths = [&e_field, &l_field]
                    .into_iter()
                    .filter(|p| p.starts_with('/'))
                    .cloned()
                    .collect();
                if !raw.path.starts_with('/') {
                    raw.path = raw.paths.first().cloned().unwrap_or_default();
                }
                raw.ctx
                    .insert("earlier_field".into(), Value::String(e_field));
                raw.ctx.insert(
                    "earlier".into(),
                    Value::String(e.text.map_or_else(|| format_day(e.day), str::to_owned)),
                );
                raw.ctx.insert("later_field".into(), Value::String(l_field));
                raw.ctx.insert(
                    "later".into(),
                    Value::String(l.text.map_or_else(|| format_day(l.day), str::to_owned)),
                );
                raw.ctx.insert("days".into(), Value::from(gap));
                if e_sensitive {
                    raw.hidden.push("earlier".into());
                }
                if l_sensitive {
                    raw.hidden.push("later".into());
                }
                out.push(raw);
            }
        }
    });
}

/// Whole months completed from `birth` to `on`: a birthday counts on its day, and someone born
/// on the 29th–31st completes the month on the next month's 1st when the month is shorter.
fn months_between(birth: Day, on: Day) -> i64 {
    let (by, bm, bd) = civil_from_days(birth);
    let (y, m, d) = civil_from_days(on);
    let months = i64::from(y - by) * 12 + i64::from(m) - i64::from(bm);
    if d < bd { months - 1 } else { months }
}

/// The `age` check. Silent when a date is missing or unreadable (formats/date's finding), when
/// the birth date is after the date (dates/before-birth's), and when the stated age is not a
/// number of the type the schema allows (structure/type's).
fn age(
    env: &Env,
    [birth, on]: [&FieldPath; 2],
    years: &FieldPath,
    months: Option<&FieldPath>,
    out: &mut Vec<Raw>,
) {
    let date = |p: &FieldPath| env.view.get(p)?.as_str().and_then(parse_date);
    let (Some(born), Some(day)) = (date(birth), date(on)) else {
        return;
    };
    let completed = months_between(born, day);
    if completed < 0 {
        return;
    }
    let stated = |p: &FieldPath| {
        let value = env.view.get(p)?;
        let allowed = type_allowed(env.schema.node(p.node as usize).info.type_mask, value);
        Some((value, value.as_f64().filter(|_| allowed)?))
    };
    let mut report = |field: &FieldPath, value: &Value, expected: i64, variant: Option<&str>| {
        let mut raw = value_raw(env.schema, &field.text, value);
        raw.paths = vec![
            field.text.to_string(),
            birth.text.to_string(),
            on.text.to_string(),
        ];
        raw.ctx.insert("expected".into(), Value::from(expected));
        raw.ctx.insert("on".into(), Value::String(format_day(day)));
        raw.variant = variant.map(str::to_owned);
        out.push(raw);
    };
    let Some((value, age)) = stated(years) else {
        return;
    };
    let whole_years = completed / 12;
    if age != whole_years as f64 {
        report(years, value, whole_years, None);
        return;
    }
    if whole_years == 0
        && let Some(months) = months
        && let Some((value, stated_months)) = stated(months)
        && stated_months != completed as f64
    {
        report(months, value, completed, Some("months"));
    }
}

/// The `item-order` check. Items take part when their rank is an integer and their date is
/// valid. Each is compared with the latest-dated item of the nearest lower rank that takes part
/// (the first in the array among equals), so an undated item does not hide an error between its
/// neighbours; items of equal rank are not compared with each other. One finding at most per
/// item: were it paired with every item of the lower rank, a record of 20,000 doses, alternately
/// first and second on one day, would give 100 million findings.
fn item_order(env: &Env, order: &ItemOrder, out: &mut Vec<Raw>) {
    let depth = order.by.wildcards();
    // (rank, day, date as written, the item's date hit)
    let ranked: Vec<(i64, Day, &str, &crate::view::Hit)> = env
        .view
        .hits(&order.by)
        .iter()
        .filter_map(|by| {
            let rank = whole_number(by.value)?;
            let date = env
                .view
                .hits_within(&order.date, &by.idx[..depth])
                .first()?;
            let text = date.value.as_str()?;
            Some((rank, parse_date(text)?, text, date))
        })
        .collect();
    // Each rank's latest-dated item (the first of equals), in rank order: each item finds the
    // nearest lower rank's by binary search.
    let mut latest: Vec<&(i64, Day, &str, &crate::view::Hit)> = Vec::new();
    let mut by_rank: Vec<_> = ranked.iter().collect();
    by_rank.sort_by_key(|item| item.0);
    for item in by_rank {
        match latest.last_mut() {
            Some(last) if last.0 == item.0 => {
                if item.1 > last.1 {
                    *last = item;
                }
            }
            _ => latest.push(item),
        }
    }
    for later in &ranked {
        let lower = latest.partition_point(|item| item.0 < later.0);
        let Some(earlier) = lower.checked_sub(1).map(|at| latest[at]) else {
            continue;
        };
        let days = i64::from(later.1) - i64::from(earlier.1);
        if days >= order.min_days {
            continue;
        }
        let (earlier_path, later_path) = (
            order.date.pointer(&earlier.3.idx),
            order.date.pointer(&later.3.idx),
        );
        let mut raw = Raw {
            path: later_path.clone(),
            paths: vec![earlier_path, later_path],
            ..Raw::default()
        };
        let [earlier_rank, later_rank] = &order.rank_keys;
        raw.ctx.insert(earlier_rank.clone(), Value::from(earlier.0));
        raw.ctx
            .insert("earlier".into(), Value::String(earlier.2.to_owned()));
        raw.ctx.insert(later_rank.clone(), Value::from(later.0));
        raw.ctx
            .insert("later".into(), Value::String(later.2.to_owned()));
        raw.ctx.insert("days".into(), Value::from(days));
        out.push(raw);
    }
}

/// The first problem of a municipality code, or `None` when it is sound.
pub(crate) fn municipality_problem(
    value: &Value,
    table: Option<&CodeTable>,
    prefecture_name: Option<&str>,
    on: Option<Day>,
) -> Option<&'static str> {
    let text: Cow<str> = match value {
        Value::String(s) => Cow::Borrowed(trim(s)),
        Value::Number(n) => Cow::Owned(n.to_string()),
        _ => return Some("format"),
    };
    let bytes = text.as_bytes();
    if bytes.len() != 6 || !bytes.iter().all(u8::is_ascii_digit) {
        return Some("format");
    }
    let d: Vec<u32> = bytes.iter().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = d.iter().zip([6, 5, 4, 3, 2]).map(|(x, w)| x * w).sum();
    if (11 - sum % 11) % 10 != d[5] {
        return Some("check-digit");
    }
    let prefix = &text[..2];
    if !matches!(prefix.parse::<u32>(), Ok(1..=47)) {
        return Some("prefix");
    }
    if let (Some(table), Some(name)) = (table, prefecture_name)
        && let Some(code) = table.prefecture_codes.get(trim(name))
        && code != prefix
    {
        return Some("prefecture");
    }
    if let Some(table) = table {
        let in_force = table.periods.get(text.as_ref()).is_some_and(|periods| {
            periods.iter().any(|(from, until)| {
                on.is_none_or(|d| from.is_none_or(|f| d >= f) && until.is_none_or(|u| d <= u))
            })
        });
        if !in_force {
            return Some("unknown");
        }
    }
    None
}

/// Builds the read-only copy a script sees: only its `reads`, nested as in the record, and
/// shaped by the record schema so a script never meets a surprise: a field declared an object is
/// always a map, an array always an array, and a value of the wrong type reads as `()` (not
/// entered). Garbage in a record is the structure and format rules' to report, never a script
/// failure.
fn script_record(schema: &RecordSchema, view: &View, reads: &[FieldPath]) -> rhai::Map {
    let mut root = rhai::Map::new();
    for path in reads {
        let copy = typed_copy(schema, Some(path.node as usize), view.get(path));
        script::insert_at(&mut root, path, copy);
    }
    root
}

fn declared(info: &crate::schema::FieldInfo, ty: &str) -> bool {
    info.type_mask & crate::schema::type_bit(ty) != 0
}

/// A value as its schema node declares it (see [`script_record`]); `None`: a key the schema does
/// not know, copied as it is.
fn typed_copy(schema: &RecordSchema, node: Option<usize>, value: Option<&Value>) -> rhai::Dynamic {
    let Some(node_index) = node else {
        return value.map_or(rhai::Dynamic::UNIT, script::to_dynamic);
    };
    let node = schema.node(node_index);
    if declared(&node.info, "object") {
        let mut map = rhai::Map::new();
        let fields = match value {
            Some(Value::Object(fields)) => Some(fields),
            _ => None,
        };
        if let Some(fields) = fields {
            for (k, v) in fields {
                let child = schema.child(node_index, k);
                map.insert(k.as_str().into(), typed_copy(schema, child, Some(v)));
            }
        }
        // Objects the record leaves out are still maps, so `record.a.b` never fails.
        for (key, child) in &node.children {
            if declared(&schema.node(*child).info, "object") && !map.contains_key(&**key) {
                map.insert((&**key).into(), typed_copy(schema, Some(*child), None));
            }
        }
        return rhai::Dynamic::from_map(map);
    }
    if declared(&node.info, "array") {
        let items = match value {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| typed_copy(schema, node.items, Some(v)))
                .collect(),
            _ => rhai::Array::new(),
        };
        return rhai::Dynamic::from_array(items);
    }
    match value {
        Some(v) if type_allowed(node.info.type_mask, v) && !v.is_null() => script::to_dynamic(v),
        _ => rhai::Dynamic::UNIT,
    }
}

fn run_script(
    env: &Env,
    script: &Script,
    reads: &[FieldPath],
    variants: &[String],
    out: &mut Vec<Raw>,
) -> Result<(), Error> {
    let record = rhai::Dynamic::from_map(script_record(env.schema, env.view, reads));
    let reference = env
        .cond
        .reference_date
        .map_or(rhai::Dynamic::UNIT, |d| rhai::Dynamic::from(format_day(d)));
    let result = script::run(
        env.engine,
        script,
        env.rule,
        vec![
            ("record", record),
            ("as_of", rhai::Dynamic::from(format_day(env.as_of))),
            ("reference_date", reference),
        ],
    )?;
    let items: Vec<rhai::Dynamic> = if result.is_unit() {
        Vec::new()
    } else if result.is_array() {
        result.into_array().unwrap_or_default()
    } else if result.is_map() || result.is_string() {
        vec![result]
    } else if let Ok(b) = result.as_bool() {
        if b {
            return Err(bad_return(
                env.rule,
                "a script returns findings (an array of maps), not `true`",
            ));
        }
        Vec::new()
    } else {
        return Err(bad_return(
            env.rule,
            &format!(
                "a script returns an array of findings, not {}",
                result.type_name()
            ),
        ));
    };
    let mut personal: Option<Vec<Value>> = None;
    for item in items {
        // Personal values a script might copy into ctx are recognised by value and hidden
        // (collected only once a script reports something: most records report nothing).
        if personal.is_none() {
            let mut values = Vec::new();
            for path in reads {
                collect_sensitive(env.schema, path, env.view, &mut values);
            }
            personal = Some(values);
        }
        let raw = script_finding(
            env,
            &item,
            variants,
            personal.as_deref().unwrap_or_default(),
        )?;
        out.push(raw);
    }
    Ok(())
}

fn bad_return(rule: &str, message: &str) -> Error {
    Error::Script {
        rule: rule.to_owned(),
        kind: crate::error::ScriptErrorKind::Runtime,
        line: 0,
        column: 0,
        message: message.to_owned(),
    }
}

fn collect_sensitive(schema: &RecordSchema, path: &FieldPath, view: &View, out: &mut Vec<Value>) {
    let Some(value) = view.get(path) else {
        return;
    };
    let mut stack = vec![(path.text.to_string(), value)];
    while let Some((ptr, v)) = stack.pop() {
        match v {
            Value::Object(map) => stack.extend(map.iter().map(|(k, v)| (format!("{ptr}/{k}"), v))),
            Value::Array(items) => stack.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{ptr}/{i}"), v)),
            ),
            leaf if schema.is_sensitive(&ptr) && !is_absent(Some(leaf)) => out.push(leaf.clone()),
            _ => {}
        }
    }
}

fn script_finding(
    env: &Env,
    item: &rhai::Dynamic,
    variants: &[String],
    personal: &[Value],
) -> Result<Raw, Error> {
    let as_map = |d: &rhai::Dynamic| d.read_lock::<rhai::Map>().map(|m| m.clone());
    let map = match as_map(item) {
        Some(m) => m,
        None if item.is_string() => {
            let mut m = rhai::Map::new();
            m.insert("path".into(), item.clone());
            m
        }
        None => {
            return Err(bad_return(
                env.rule,
                "each finding a script returns is a map with `path`",
            ));
        }
    };
    let text = |d: &rhai::Dynamic| {
        d.read_lock::<rhai::ImmutableString>()
            .map(|s| s.to_string())
    };
    let pointer = |p: String| -> Result<String, Error> {
        if !p.starts_with('/') || env.schema.field(&crate::path::pattern_of(&p)).is_none() {
            return Err(bad_return(
                env.rule,
                &format!("finding path `{p}` is not a field of the record"),
            ));
        }
        Ok(p)
    };
    let path = pointer(
        map.get("path")
            .and_then(text)
            .ok_or_else(|| bad_return(env.rule, "a finding needs a string `path`"))?,
    )?;
    let mut raw = Raw {
        path: path.clone(),
        ..Raw::default()
    };
    if let Some(paths) = map.get("paths") {
        let list = paths
            .read_lock::<rhai::Array>()
            .map(|a| a.clone())
            .ok_or_else(|| bad_return(env.rule, "`paths` is an array of strings"))?;
        for p in list {
            raw.paths.push(pointer(text(&p).ok_or_else(|| {
                bad_return(env.rule, "`paths` is an array of strings")
            })?)?);
        }
    }
    if raw.paths.is_empty() {
        raw.paths.push(path);
    }
    if let Some(ctx) = map.get("ctx") {
        let ctx = as_map(ctx).ok_or_else(|| bad_return(env.rule, "`ctx` is a map"))?;
        for (k, v) in ctx {
            let value = script::to_json(&v);
            if personal.iter().any(|p| crate::condition::same(p, &value)) {
                raw.hidden.push(k.to_string());
            }
            raw.ctx.insert(k.to_string(), value);
        }
    }
    if let Some(v) = map.get("variant") {
        let v = text(v).ok_or_else(|| bad_return(env.rule, "`variant` is a string"))?;
        if !variants.contains(&v) {
            return Err(bad_return(
                env.rule,
                &format!("unknown message variant `{v}`"),
            ));
        }
        raw.variant = Some(v);
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::compile_regex;

    #[test]
    fn patterns_keep_to_what_both_regex_engines_read_alike() {
        for ok in [
            "[0-9]{6,7}",
            "[ァ-ヺー・ 　]+",
            r"a\.b",
            r"[^、,\r\n]*",
            "(?:ab)+",
            r"\\d",
        ] {
            assert!(compile_regex(ok).is_ok(), "{ok}");
        }
        for refused in [r"\d+", r"[\w-]+", r"\bword", r"\S", "(?i)abc", "(?u:x)"] {
            assert!(compile_regex(refused).is_err(), "{refused}");
        }
        assert!(compile_regex("[0-9").is_err());
        let re = compile_regex("[0-9]{2}").expect("compiles");
        assert!(re.is_match("12") && !re.is_match("123") && !re.is_match("x12"));
    }
}
