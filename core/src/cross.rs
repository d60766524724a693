//! Rules across records (`group`, `ascending`): a second pass over compact keys.
//!
//! Each record contributes one row of 20 bytes per cross-record check (a hash or an order, its
//! position, a second value), never the whole record. The rows are sorted by key, in memory up to
//! a few MB and beyond that in runs on disk merged as they are read ([`rows`]), and one pass over
//! them finds the groups or the records out of order: n log n, and memory that does not grow
//! with the batch. What a finding needs beyond that (the ids of the other records, the values a
//! group script compares) is read afterwards for the few records that are in a group or named
//! by a finding.
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

mod rows;

use rows::{Row, Rows, order_bits};

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

    /// The field its findings are shown at.
    pub(crate) fn at(&self) -> &FieldPath {
        match self {
            CrossSpec::Group { at, .. } | CrossSpec::Ascending { at, .. } => at,
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

/// The records taking part in one check: 20 bytes a record, in memory up to a limit and then
/// in sorted runs on disk ([`rows`]), so the pass does not grow with the batch.
#[derive(Debug, Default)]
pub(crate) struct Participants(Rows);

impl Participants {
    /// Participants kept in memory up to `limit` rows (tests use small runs).
    #[cfg(test)]
    pub(crate) fn with_limit(limit: usize) -> Self {
        Participants(Rows::with_limit(limit))
    }

    pub(crate) fn push(&mut self, position: usize, entry: Entry) {
        // A batch of more than `u32::MAX` records is not supported by the cross-record pass:
        // later records take no part.
        let Ok(position) = u32::try_from(position) else {
            return;
        };
        let (first, second) = match entry {
            Entry::Group { key, compare } => (key, compare),
            Entry::Ascending { order, day } => (order_bits(order), u64::from(day as u32)),
        };
        self.0.push(Row {
            first,
            position,
            second,
        });
    }
}

/// What findings need of the records in a group or named by a finding: their ids, and the
/// fields group scripts are given. Only those values are kept of each record, as a short list
/// rather than a tree of maps (a tree of four fields costs about 2 KB a record).
pub(crate) struct Fetched {
    /// The fields group scripts are given, of every check.
    carried: Vec<FieldPath>,
    by_position: HashMap<usize, Details>,
}

struct Details {
    id: Box<str>,
    /// The values of `carried` (in its order) that the record has.
    values: Box<[Option<Value>]>,
}

impl Fetched {
    /// Details of the fields `carried` (repeats are kept once).
    pub(crate) fn new<'a>(carried: impl IntoIterator<Item = &'a FieldPath>) -> Self {
        let mut unique: Vec<FieldPath> = Vec::new();
        for path in carried {
            if !unique.iter().any(|p| p.text == path.text) {
                unique.push(path.clone());
            }
        }
        Fetched {
            carried: unique,
            by_position: HashMap::new(),
        }
    }

    /// Keeps a record's id and the carried fields it has (null counts as absent).
    pub(crate) fn insert(&mut self, position: usize, id: String, record: &Value) {
        let values = self
            .carried
            .iter()
            .map(|path| path.get(record).filter(|v| !v.is_null()).cloned())
            .collect();
        self.by_position.insert(
            position,
            Details {
                id: id.into(),
                values,
            },
        );
    }

    fn id(&self, position: usize) -> &str {
        self.by_position.get(&position).map_or("", |d| &d.id)
    }

    /// The value of a carried field of a fetched record.
    fn carried(&self, position: usize, path: &FieldPath) -> Option<&Value> {
        let slot = self.carried.iter().position(|p| p.text == path.text)?;
        self.by_position.get(&position)?.values[slot].as_ref()
    }
}

/// A member of a group: its position, and the hash of the fields `differ` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Member {
    position: usize,
    compare: u64,
}

/// The groups of a `group` check with more than one member, in order of their first member:
/// one pass over the rows sorted by key, holding one group at a time.
fn groups(rows: impl Iterator<Item = Result<Row, Error>>) -> Result<Vec<Vec<Member>>, Error> {
    let mut groups = Vec::new();
    let mut current: Vec<Member> = Vec::new();
    let mut key = None;
    for row in rows {
        let row = row?;
        if key != Some(row.first) {
            if current.len() > 1 {
                groups.push(std::mem::take(&mut current));
            }
            current.clear();
            key = Some(row.first);
        }
        current.push(Member {
            position: row.position as usize,
            compare: row.second,
        });
    }
    if current.len() > 1 {
        groups.push(current);
    }
    groups.sort_unstable();
    Ok(groups)
}

/// The records of an `ascending` check dated before one with a smaller `order_by`: (record,
/// the record holding the latest earlier date), as positions. One pass over the rows sorted by
/// `order_by`, holding the records of one `order_by` value at a time.
fn out_of_order(
    rows: impl Iterator<Item = Result<Row, Error>>,
) -> Result<Vec<(usize, usize)>, Error> {
    let mut found = Vec::new();
    // The latest date among records with a strictly smaller `order_by`, and who has it.
    let mut latest: Option<(Day, u32)> = None;
    // Records of one `order_by` are judged against the earlier ones before any of them counts.
    let mut close = |run: &mut Vec<Row>| {
        let day = |row: &Row| row.second as u32 as Day;
        for row in run.iter() {
            if let Some((max, holder)) = latest
                && day(row) < max
            {
                found.push((row.position as usize, holder as usize));
            }
        }
        for row in run.iter() {
            if latest.is_none_or(|(max, _)| day(row) > max) {
                latest = Some((day(row), row.position));
            }
        }
        run.clear();
    };
    let mut same_order: Vec<Row> = Vec::new();
    for row in rows {
        let row = row?;
        if same_order.first().is_some_and(|r| r.first != row.first) {
            close(&mut same_order);
        }
        same_order.push(row);
    }
    close(&mut same_order);
    Ok(found)
}

/// What a check found among its participants (positions in the batch), before any record's
/// details are read: computed once, it says whose details are needed and then makes the
/// findings.
pub(crate) enum Found {
    /// `group`: the groups with more than one member.
    Groups(Vec<Vec<Member>>),
    /// `ascending`: (record, the record holding the latest earlier date).
    OutOfOrder(Vec<(usize, usize)>),
}

/// What a check finds among its participants.
pub(crate) fn find(spec: &CrossSpec, participants: Participants) -> Result<Found, Error> {
    let rows = participants.0.sorted()?;
    Ok(match spec {
        CrossSpec::Group { .. } => Found::Groups(groups(rows)?),
        CrossSpec::Ascending { .. } => Found::OutOfOrder(out_of_order(rows)?),
    })
}

impl Found {
    /// The positions whose ids and carried fields ([`Fetched`]) the findings need.
    pub(crate) fn needed(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        match self {
            Found::Groups(groups) => Box::new(groups.iter().flatten().map(|m| m.position)),
            Found::OutOfOrder(pairs) => Box::new(pairs.iter().map(|&(_, holder)| holder)),
        }
    }
}

/// A cross-record finding waiting for its record to be checked, kept small: a batch may hold
/// tens of thousands of them, and a finding's ctx map alone costs about 600 bytes. It becomes a
/// finding ([`Waiting::into_raw`]) when its record is taken.
#[derive(Debug, Default)]
pub(crate) struct Waiting {
    /// The ids of the first [`MAX_LISTED`] other records.
    listed: Box<[Box<str>]>,
    /// How many other records there are.
    count: usize,
    /// Numbers and flags a group script added to the ctx.
    extra: Box<[(Box<str>, Value)]>,
}

impl Waiting {
    fn new(others: &[&str], extra: BTreeMap<String, Value>) -> Self {
        Waiting {
            listed: others
                .iter()
                .take(MAX_LISTED)
                .map(|&id| id.into())
                .collect(),
            count: others.len(),
            extra: extra.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }

    /// The finding, shown at `at`: ctx `other` (the listed ids), `count`, and the script's
    /// additions.
    pub(crate) fn into_raw(self, at: &FieldPath) -> Raw {
        let mut ctx = BTreeMap::new();
        let listed = self.listed.into_vec().into_iter();
        ctx.insert(
            "other".into(),
            Value::Array(listed.map(|id| Value::String(id.into())).collect()),
        );
        ctx.insert("count".into(), Value::from(self.count));
        for (k, v) in self.extra {
            ctx.entry(k.into()).or_insert(v);
        }
        Raw {
            path: at.text.to_string(),
            paths: vec![at.text.to_string()],
            ctx,
            ..Raw::default()
        }
    }
}

/// Findings by position, and the positions whose group failed.
pub(crate) type Evaluated = (Vec<(usize, Waiting)>, Vec<(usize, Error)>);

/// Runs one cross-record check over its participants; returns (position, finding) pairs, and
/// the records of groups whose script failed (each group fails alone; the batch goes on).
pub(crate) fn evaluate(
    spec: &CrossSpec,
    rule: &str,
    engine: &rhai::Engine,
    found: Found,
    fetched: &Fetched,
) -> Evaluated {
    let mut out = Vec::new();
    let mut failed = Vec::new();
    match (spec, found) {
        (CrossSpec::Group { mode, .. }, Found::Groups(groups)) => {
            let each = |members: &[Member]| {
                let mut found = Vec::new();
                let result = group_findings(mode, rule, engine, fetched, members, &mut found);
                (found, result.err())
            };
            for ((found, error), members) in per_group(&groups, each).into_iter().zip(&groups) {
                out.extend(found);
                if let Some(e) = error {
                    failed.extend(members.iter().map(|m| (m.position, e.clone())));
                }
            }
        }
        (CrossSpec::Ascending { .. }, Found::OutOfOrder(pairs)) => {
            for (who, holder) in pairs {
                let holder = fetched.id(holder);
                out.push((who, Waiting::new(&[holder], BTreeMap::new())));
            }
        }
        // `find` answers a check with what its kind finds: no other pairing occurs.
        _ => {}
    }
    (out, failed)
}

/// `each` of the groups, in group order. Groups are independent, and a group script (rhai)
/// costs far more than handing a group to another thread: with threads, they run in parallel.
#[cfg(feature = "parallel")]
fn per_group<T: Send>(groups: &[Vec<Member>], each: impl Fn(&[Member]) -> T + Sync) -> Vec<T> {
    use rayon::prelude::*;
    groups.par_iter().map(|members| each(members)).collect()
}

#[cfg(not(feature = "parallel"))]
fn per_group<T>(groups: &[Vec<Member>], each: impl Fn(&[Member]) -> T) -> Vec<T> {
    groups.iter().map(|members| each(members)).collect()
}

fn group_findings(
    mode: &Mode,
    rule: &str,
    engine: &rhai::Engine,
    fetched: &Fetched,
    members: &[Member],
    out: &mut Vec<(usize, Waiting)>,
) -> Result<(), Error> {
    let id = |m: &Member| fetched.id(m.position);
    match mode {
        Mode::Duplicate | Mode::Differ(_) => {
            let differ = matches!(mode, Mode::Differ(_));
            for m in members {
                let others: Vec<&str> = members
                    .iter()
                    .filter(|o| o.position != m.position && (!differ || o.compare != m.compare))
                    .map(id)
                    .collect();
                if !others.is_empty() {
                    out.push((m.position, Waiting::new(&others, BTreeMap::new())));
                }
            }
        }
        Mode::Script { script, .. } => {
            let list: rhai::Array = members
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let mut map = rhai::Map::new();
                    map.insert("index".into(), rhai::Dynamic::from_int(i as i64));
                    map.insert("id".into(), rhai::Dynamic::from(id(m).to_owned()));
                    let mut copy = rhai::Map::new();
                    if let Mode::Script { carry: paths, .. } = mode {
                        for path in paths {
                            if let Some(value) = fetched.carried(m.position, path) {
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
                entry.0.push(id(&members[other]));
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
                out.push((members[member].position, Waiting::new(&others, extra)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    fn rows(participants: Participants) -> rows::Sorted {
        participants.0.sorted().unwrap()
    }

    proptest! {
        /// Groups are the keys shared by more than one record, in order of their first member,
        /// however the rows were split into runs.
        #[test]
        fn groups_are_the_shared_keys(
            keys in proptest::collection::vec(0u64..12, 0..120),
            limit in 1usize..30,
        ) {
            let mut participants = Participants::with_limit(limit);
            for (position, &key) in keys.iter().enumerate() {
                participants.push(position, Entry::Group { key, compare: key * 7 });
            }
            let found = groups(rows(participants)).unwrap();
            let mut by_key: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
            for (position, &key) in keys.iter().enumerate() {
                by_key.entry(key).or_default().push(position);
            }
            let mut expected: Vec<Vec<usize>> =
                by_key.into_values().filter(|members| members.len() > 1).collect();
            expected.sort_unstable();
            let positions: Vec<Vec<usize>> = found
                .iter()
                .map(|group| group.iter().map(|m| m.position).collect())
                .collect();
            prop_assert_eq!(positions, expected);
            for member in found.iter().flatten() {
                prop_assert_eq!(member.compare, keys[member.position] * 7);
            }
        }

        /// A record is out of order when a record with a smaller `order_by` has a later day;
        /// the finding names the first record (by `order_by`, then position) with the latest
        /// such day.
        #[test]
        fn out_of_order_names_the_latest_earlier_record(
            entries in proptest::collection::vec((0u8..20, 0u32..15), 0..80),
            limit in 1usize..30,
        ) {
            let mut participants = Participants::with_limit(limit);
            for (position, &(order, day)) in entries.iter().enumerate() {
                participants.push(position, Entry::Ascending { order: f64::from(order), day: day as Day });
            }
            let found = out_of_order(rows(participants)).unwrap();
            let mut by_order: Vec<usize> = (0..entries.len()).collect();
            by_order.sort_by_key(|&i| (entries[i].0, i));
            let mut expected = Vec::new();
            for &who in &by_order {
                let holder = by_order
                    .iter()
                    .filter(|&&o| entries[o].0 < entries[who].0)
                    .fold(None::<usize>, |best, &o| match best {
                        Some(b) if entries[b].1 >= entries[o].1 => Some(b),
                        _ => Some(o),
                    });
                if let Some(holder) = holder.filter(|&h| entries[h].1 > entries[who].1) {
                    expected.push((who, holder));
                }
            }
            prop_assert_eq!(found, expected);
        }
    }
}
