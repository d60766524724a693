//! Rules across records (`group`, `ascending`): a second pass over compact keys.
//!
//! Each record contributes a few hashes and small values per cross-record check, never the whole
//! record, so the pass is linear in the number of records (`ascending` sorts: n log n). What a
//! finding needs beyond that (the ids of the other records, the values a group script compares)
//! is read afterwards for the few records that are in a group or named by a finding.
//! Keys are compared by 64-bit hash; a false match needs a hash collision (about 1 in 10¹⁰ for a
//! million records), which is documented rather than paid for with full keys.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use serde_json::Value;

use crate::check::{CompileEnv, Raw};
use crate::date::{Day, parse_day};
use crate::error::Error;
use crate::pack::CheckSpec;
use crate::path::{FieldPath, is_absent};
use crate::script::{self, Script};
use crate::text::trim;

/// The most other record ids listed in one finding's ctx (`count` says how many there are).
const MAX_LISTED: usize = 10;

#[derive(Debug, Clone)]
pub(crate) enum Mode {
    Duplicate,
    Differ(Vec<FieldPath>),
    Script {
        script: Script,
        carry: Vec<FieldPath>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum CrossSpec {
    Group {
        key: Vec<FieldPath>,
        mode: Mode,
        at: FieldPath,
    },
    Ascending {
        order_by: FieldPath,
        value: FieldPath,
        at: FieldPath,
    },
}

impl CrossSpec {
    /// The fields the check reads of every record: its keys.
    pub(crate) fn key_reads(&self) -> Vec<&FieldPath> {
        match self {
            CrossSpec::Group { key, mode, .. } => {
                let mut reads: Vec<&FieldPath> = key.iter().collect();
                if let Mode::Differ(fields) = mode {
                    reads.extend(fields);
                }
                reads
            }
            CrossSpec::Ascending {
                order_by, value, ..
            } => vec![order_by, value],
        }
    }

    /// Whether a group script makes the findings (and may add ctx of its own).
    pub(crate) fn is_scripted(&self) -> bool {
        matches!(
            self,
            CrossSpec::Group {
                mode: Mode::Script { .. },
                ..
            }
        )
    }

    /// The fields a group script is given of the records of a group.
    pub(crate) fn carried(&self) -> &[FieldPath] {
        match self {
            CrossSpec::Group {
                mode: Mode::Script { carry, .. },
                ..
            } => carry,
            _ => &[],
        }
    }

    pub(crate) fn compile(spec: &CheckSpec, env: &CompileEnv) -> Result<Self, Error> {
        let err = |m: &str| Error::pack(env.file, Some(env.rule), m);
        let single = |p: &FieldPath| {
            if p.wildcards() > 0 {
                Err(err("cross-record checks read single fields (no `*`)"))
            } else {
                Ok(())
            }
        };
        let at = env.path(
            spec.at
                .as_deref()
                .ok_or_else(|| err("a cross-record check needs `at`"))?,
        )?;
        if spec.kind == "ascending" {
            let order_by = env.path(
                spec.order_by
                    .as_deref()
                    .ok_or_else(|| err("an `ascending` check needs `order_by`"))?,
            )?;
            let value = env.path(
                spec.value
                    .as_deref()
                    .ok_or_else(|| err("an `ascending` check needs `value`"))?,
            )?;
            single(&order_by)?;
            single(&value)?;
            return Ok(CrossSpec::Ascending {
                order_by,
                value,
                at,
            });
        }
        if spec.key.is_empty() {
            return Err(err("a `group` check needs `key`"));
        }
        let key = spec
            .key
            .iter()
            .map(|p| env.path(p))
            .collect::<Result<Vec<_>, _>>()?;
        key.iter().try_for_each(single)?;
        let mode = match spec.mode.as_deref() {
            Some("duplicate") => Mode::Duplicate,
            Some("differ") => {
                if spec.compare.is_empty() {
                    return Err(err("`mode = \"differ\"` needs `compare`"));
                }
                Mode::Differ(
                    spec.compare
                        .iter()
                        .map(|p| env.path(p))
                        .collect::<Result<_, _>>()?,
                )
            }
            Some("script") => {
                let file = spec
                    .script
                    .as_deref()
                    .ok_or_else(|| err("`mode = \"script\"` needs `script`"))?;
                let source = (env.scripts)(file).ok_or_else(|| {
                    err(&format!("script file `{file}` not found beside the rule"))
                })?;
                let script = script::compile(env.engine, env.rule, file, source)?;
                let carry = spec
                    .carry
                    .iter()
                    .map(|p| env.path(p))
                    .collect::<Result<Vec<_>, _>>()?;
                Mode::Script { script, carry }
            }
            _ => {
                return Err(err(
                    "a `group` check needs `mode`: duplicate, differ or script",
                ));
            }
        };
        Ok(CrossSpec::Group { key, mode, at })
    }
}

/// Hashes values; with `squeeze`, strings without any white space, so that ヤマダ　タロウ and
/// ヤマダ タロウ share a key (spacing in a name is how it was typed, not who it is).
fn hash_values<'a>(values: impl Iterator<Item = Option<&'a Value>>, squeeze: bool) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for v in values {
        match v {
            Some(Value::String(s)) if squeeze => {
                for c in s.chars().filter(|c| !c.is_whitespace()) {
                    c.hash(&mut h);
                }
            }
            Some(Value::String(s)) => trim(s).hash(&mut h),
            Some(other) => other.to_string().hash(&mut h),
            None => 0u8.hash(&mut h),
        }
        0xffu8.hash(&mut h);
    }
    h.finish()
}

/// What one record contributes to one cross-record check.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Group { key: u64, compare: u64 },
    Ascending { order: f64, day: Day },
}

/// Extracts a record's entry for a check (`None`: it does not take part).
pub(crate) fn entry(spec: &CrossSpec, record: &Value) -> Option<Entry> {
    match spec {
        CrossSpec::Group { key, mode, .. } => {
            let values: Vec<Option<&Value>> = key.iter().map(|p| p.get(record)).collect();
            if values.iter().any(|v| is_absent(*v)) {
                return None;
            }
            let compare = match mode {
                Mode::Differ(fields) => hash_values(fields.iter().map(|p| p.get(record)), false),
                Mode::Duplicate | Mode::Script { .. } => 0,
            };
            Some(Entry::Group {
                key: hash_values(values.into_iter(), true),
                compare,
            })
        }
        CrossSpec::Ascending {
            order_by, value, ..
        } => {
            let order = match order_by.get(record)? {
                Value::Number(n) => n.as_f64()?,
                Value::String(s) => {
                    let plain: String = trim(s).chars().filter(|c| *c != ',').collect();
                    if plain.is_empty() || !plain.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    plain.parse().ok()?
                }
                _ => return None,
            };
            let day = parse_day(value.get(record)?.as_str()?.trim())?;
            Some(Entry::Ascending { order, day })
        }
    }
}

/// The records taking part in one check, column by column: 12 bytes a record for a `group`
/// check (20 with `differ`), 20 for `ascending`. This is what the cross-record pass holds for
/// every record of a batch, so it is kept as small as the checks allow.
#[derive(Debug, Default)]
pub(crate) struct Participants {
    /// Positions in the batch (a batch of more than `u32::MAX` records is not supported by the
    /// cross-record pass: later records take no part).
    positions: Vec<u32>,
    /// `group`: the key's hash; `ascending`: `order_by`.
    first: Vec<u64>,
    /// `group` with `differ`: the compared fields' hash; `ascending`: the day. Empty when a
    /// check has no second value.
    second: Vec<u64>,
}

impl Participants {
    pub(crate) fn push(&mut self, position: usize, entry: Entry) {
        let Ok(position) = u32::try_from(position) else {
            return;
        };
        self.positions.push(position);
        match entry {
            Entry::Group { key, compare } => {
                self.first.push(key);
                // Only `differ` compares: a zero second column stays unallocated until then.
                if compare != 0 || !self.second.is_empty() {
                    self.second.resize(self.positions.len() - 1, 0);
                    self.second.push(compare);
                }
            }
            Entry::Ascending { order, day } => {
                self.first.push(order.to_bits());
                self.second.push(u64::from(day as u32));
            }
        }
    }

    fn len(&self) -> usize {
        self.positions.len()
    }

    fn position(&self, i: usize) -> usize {
        self.positions[i] as usize
    }

    fn second(&self, i: usize) -> u64 {
        self.second.get(i).copied().unwrap_or(0)
    }
}

/// What findings need of a record that is in a group or named by a finding: its id, and the
/// fields group scripts are given (the rest of the record is not kept).
pub(crate) struct Details {
    pub(crate) id: Box<str>,
    pub(crate) record: Value,
}

/// Details by position.
pub(crate) type Fetched = HashMap<usize, Details>;

fn id_of(fetched: &Fetched, position: usize) -> &str {
    fetched.get(&position).map_or("", |d| &d.id)
}

/// The groups of a `group` check with more than one member (indices into `participants`), in
/// order: sorting (key, index) pairs finds them with 12 bytes a record, where a map of vectors
/// would allocate for every record.
fn groups(participants: &Participants) -> Vec<Vec<usize>> {
    let mut keyed: Vec<(u64, u32)> = participants
        .first
        .iter()
        .enumerate()
        .filter_map(|(i, &key)| Some((key, u32::try_from(i).ok()?)))
        .collect();
    keyed.sort_unstable();
    let mut groups: Vec<Vec<usize>> = keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
        .map(|run| run.iter().map(|&(_, i)| i as usize).collect())
        .collect();
    groups.sort_unstable();
    groups
}

/// The records of an `ascending` check dated before one with a smaller `order_by`: (record,
/// the record holding the latest earlier date), as indices into `participants`.
fn out_of_order(participants: &Participants) -> Vec<(usize, usize)> {
    let mut order: Vec<(f64, Day, usize)> = (0..participants.len())
        .map(|i| {
            let day = participants.second(i) as u32 as Day;
            (f64::from_bits(participants.first[i]), day, i)
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut found = Vec::new();
    // The latest date among records with a strictly smaller `order_by`, and who has it.
    let mut latest: Option<(Day, usize)> = None;
    for run in order.chunk_by(|a, b| a.0 == b.0) {
        for &(_, day, who) in run {
            if let Some((max, holder)) = latest
                && day < max
            {
                found.push((who, holder));
            }
        }
        for &(_, day, who) in run {
            if latest.is_none_or(|(max, _)| day > max) {
                latest = Some((day, who));
            }
        }
    }
    found
}

/// What a check found among its participants (indices into them), before any record's
/// details are read: computed once, it says whose details are needed and then makes the
/// findings.
pub(crate) enum Found {
    /// `group`: the groups with more than one member.
    Groups(Vec<Vec<usize>>),
    /// `ascending`: (record, the record holding the latest earlier date).
    OutOfOrder(Vec<(usize, usize)>),
}

/// What a check finds among its participants.
pub(crate) fn find(spec: &CrossSpec, participants: &Participants) -> Found {
    match spec {
        CrossSpec::Group { .. } => Found::Groups(groups(participants)),
        CrossSpec::Ascending { .. } => Found::OutOfOrder(out_of_order(participants)),
    }
}

impl Found {
    /// The positions whose [`Details`] the findings need.
    pub(crate) fn needed<'a>(
        &'a self,
        participants: &'a Participants,
    ) -> Box<dyn Iterator<Item = usize> + 'a> {
        let position = |i: usize| participants.position(i);
        match self {
            Found::Groups(groups) => Box::new(groups.iter().flatten().map(move |&i| position(i))),
            Found::OutOfOrder(pairs) => Box::new(pairs.iter().map(move |&(_, h)| position(h))),
        }
    }
}

fn others_ctx(ids: &[&str]) -> BTreeMap<String, Value> {
    let mut ctx = BTreeMap::new();
    ctx.insert(
        "other".into(),
        Value::Array(
            ids.iter()
                .take(MAX_LISTED)
                .map(|s| Value::String((*s).to_owned()))
                .collect(),
        ),
    );
    ctx.insert("count".into(), Value::from(ids.len()));
    ctx
}

fn raw_at(at: &FieldPath, ctx: BTreeMap<String, Value>) -> Raw {
    Raw {
        path: at.text.to_string(),
        paths: vec![at.text.to_string()],
        ctx,
        ..Raw::default()
    }
}

/// Findings by position, and the positions whose group failed.
pub(crate) type Evaluated = (Vec<(usize, Raw)>, Vec<(usize, Error)>);

/// Runs one cross-record check over its participants; returns (position, finding) pairs, and
/// the records of groups whose script failed (each group fails alone; the batch goes on).
pub(crate) fn evaluate(
    spec: &CrossSpec,
    rule: &str,
    engine: &rhai::Engine,
    participants: &Participants,
    found: Found,
    fetched: &Fetched,
) -> Evaluated {
    let mut out = Vec::new();
    let mut failed = Vec::new();
    match (spec, found) {
        (CrossSpec::Group { mode, at, .. }, Found::Groups(groups)) => {
            for members in groups {
                if let Err(e) = group_findings(
                    mode,
                    rule,
                    engine,
                    at,
                    (participants, fetched),
                    &members,
                    &mut out,
                ) {
                    failed.extend(
                        members
                            .iter()
                            .map(|&m| (participants.position(m), e.clone())),
                    );
                }
            }
        }
        (CrossSpec::Ascending { at, .. }, Found::OutOfOrder(pairs)) => {
            for (who, holder) in pairs {
                let holder = id_of(fetched, participants.position(holder));
                out.push((
                    participants.position(who),
                    raw_at(at, others_ctx(&[holder])),
                ));
            }
        }
        // `find` answers a check with what its kind finds: no other pairing occurs.
        _ => {}
    }
    (out, failed)
}

fn group_findings(
    mode: &Mode,
    rule: &str,
    engine: &rhai::Engine,
    at: &FieldPath,
    (all, fetched): (&Participants, &Fetched),
    members: &[usize],
    out: &mut Vec<(usize, Raw)>,
) -> Result<(), Error> {
    let id = |m: usize| id_of(fetched, all.position(m));
    let compare_of = |i: usize| all.second(i);
    match mode {
        Mode::Duplicate | Mode::Differ(_) => {
            let differ = matches!(mode, Mode::Differ(_));
            for &m in members {
                let others: Vec<&str> = members
                    .iter()
                    .filter(|&&o| o != m && (!differ || compare_of(o) != compare_of(m)))
                    .map(|&o| id(o))
                    .collect();
                if !others.is_empty() {
                    out.push((all.position(m), raw_at(at, others_ctx(&others))));
                }
            }
        }
        Mode::Script { script, .. } => {
            let list: rhai::Array = members
                .iter()
                .enumerate()
                .map(|(i, &m)| {
                    let mut map = rhai::Map::new();
                    map.insert("index".into(), rhai::Dynamic::from_int(i as i64));
                    map.insert("id".into(), rhai::Dynamic::from(id(m).to_owned()));
                    let mut copy = rhai::Map::new();
                    if let (Some(details), Mode::Script { carry: paths, .. }) =
                        (fetched.get(&all.position(m)), mode)
                    {
                        for path in paths {
                            if let Some(value) = path.get(&details.record).filter(|v| !v.is_null())
                            {
                                script::insert_at(&mut copy, path, script::to_dynamic(value));
                            }
                        }
                    }
                    map.insert("record".into(), rhai::Dynamic::from_map(copy));
                    rhai::Dynamic::from_map(map)
                })
                .collect();
            let result = script::run(
                engine,
                script,
                rule,
                vec![("members", rhai::Dynamic::from_array(list))],
            )?;
            let bad = |m: &str| Error::Script {
                rule: rule.to_owned(),
                kind: crate::error::ScriptErrorKind::Runtime,
                line: 0,
                column: 0,
                message: m.to_owned(),
            };
            let items = if result.is_unit() {
                Vec::new()
            } else {
                result
                    .into_array()
                    .map_err(|_| bad("a group script returns an array of #{member, other} maps"))?
            };
            let mut per_member: BTreeMap<usize, (Vec<&str>, BTreeMap<String, Value>)> =
                BTreeMap::new();
            for item in items {
                let map = item
                    .read_lock::<rhai::Map>()
                    .map(|m| m.clone())
                    .ok_or_else(|| bad("a group script returns maps"))?;
                let index = |k: &str| -> Result<usize, Error> {
                    let i = map
                        .get(k)
                        .and_then(|v| v.as_int().ok())
                        .ok_or_else(|| bad(&format!("`{k}` is a member index")))?;
                    usize::try_from(i)
                        .ok()
                        .filter(|&i| i < members.len())
                        .ok_or_else(|| bad(&format!("`{k}` = {i} is not a member index")))
                };
                let (member, other) = (index("member")?, index("other")?);
                let entry = per_member.entry(member).or_default();
                entry.0.push(id(members[other]));
                if let Some(ctx) = map
                    .get("ctx")
                    .and_then(|c| c.read_lock::<rhai::Map>().map(|m| m.clone()))
                {
                    // Only numbers and flags: a group's records hold personal values (names,
                    // birth dates) that a script must not copy into a finding.
                    for (k, v) in ctx {
                        let value = script::to_json(&v);
                        if value.is_number() || value.is_boolean() {
                            entry.1.insert(k.to_string(), value);
                        }
                    }
                }
            }
            for (member, (mut others, extra)) in per_member {
                others.sort_unstable();
                others.dedup();
                let mut ctx = others_ctx(&others);
                for (k, v) in extra {
                    ctx.entry(k).or_insert(v);
                }
                out.push((all.position(members[member]), raw_at(at, ctx)));
            }
        }
    }
    Ok(())
}
