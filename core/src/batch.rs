//! Many records: checked in parallel, reported in input order, every record accounted for, with
//! the cross-record rules run as a pass over compact keys.
//!
//! [`check_stream`] takes a *source*, a closure that opens the input afresh each time it is
//! called, and hands each record's [`Outcome`] to a sink in input order. With rules across
//! records selected (`identity/…` in HER-SYS) the source is called up to three times: a pass
//! for compact keys, a pass for the few records their findings name, and the checking pass;
//! without, once. A file is simply opened again; a one-shot stream (a socket, a pipe) is
//! buffered by the host and replayed. Records already in memory go to [`check_all`].
//!
//! A nightly re-check of a JSON Lines file:
//!
//! ```
//! use kakunin::batch::{self, Outcome};
//! use kakunin::input::{self, Format};
//! use kakunin::{CheckOptions, Error, RuleSet};
//!
//! # let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
//! let rules = RuleSet::from_dir(&root.join("rules/hersys"))?;
//! let plan = rules.plan(&CheckOptions::default().with_as_of("2024-06-01")?)?;
//! let path = root.join("data/sample/hersys-sample.jsonl");
//! let open = || -> Result<_, Error> {
//!     let file = input::open_file(&path)?; // Error::Input naming the file; gzip is read through
//!     // CSV: `Format::Csv` and the pack's mapping, `rules.csv_mapping()?.as_ref()`.
//!     Ok(input::read(file, Format::JsonLines, None).into_items())
//! };
//! let (mut checked, mut with_errors, mut duplicates) = (0, 0, 0);
//! batch::check_stream(&rules, &plan, open, |outcome| match outcome {
//!     Outcome::Checked { report, .. } => {
//!         checked += 1;
//!         with_errors += usize::from(!report.ok);
//!         duplicates += report.findings.iter().filter(|f| f.rule.starts_with("identity/")).count();
//!     }
//!     // Not a record (invalid JSON), or a rule could not judge it: reported, and the run goes on.
//!     Outcome::Unreadable { line, message, .. } => eprintln!("line {line}: {message}"),
//!     Outcome::Failed { line, error, .. } => eprintln!("line {line}: {error}"),
//! })?;
//! assert_eq!(checked, 2000);
//! assert!(with_errors > 0 && duplicates > 0);
//! # Ok::<(), kakunin::Error>(())
//! ```
//!
//! `check_stream` fails only when the source does (a file that cannot be opened again) or the
//! cross-record pass cannot write its temporary files ([`Error::Input`]); a record no rule could
//! judge, even a rule across records, is an [`Outcome::Failed`] of its own and the run goes on.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::check::{Kind, Raw};
use crate::cross::{self, CrossSpec, Entry, Participants};
use crate::error::{Error, Result};
use crate::finding::Report;
use crate::input::Reused;
use crate::path::FieldPath;
use crate::ruleset::{Plan, RuleSet};

#[cfg(all(feature = "files", feature = "parallel"))]
mod fold;
#[cfg(all(feature = "files", feature = "parallel"))]
pub use fold::{Folding, check_stream_folded, check_stream_folded_keeping};

/// One input item: a record with the line it starts on, or a record that could not be read.
#[derive(Debug, Clone)]
pub enum Item {
    /// A record (any JSON; a non-object is reported as a finding).
    Record {
        /// 1-based line where the record starts.
        line: u64,
        /// The record.
        value: Value,
    },
    /// A line of JSON Lines not parsed yet ([`crate::input::read_unparsed`]): the thread that
    /// checks it parses it, so parsing runs on every core instead of the reader's alone.
    Unparsed {
        /// 1-based line.
        line: u64,
        /// The line's bytes.
        bytes: Vec<u8>,
    },
    /// A record of a batch already in memory and shared by every read of it (a host's records
    /// held for the cross-record pass): each read borrows it instead of copying it.
    Shared {
        /// 1-based line where the record starts (0: none).
        line: u64,
        /// The batch.
        records: Arc<[Value]>,
        /// Which one.
        index: usize,
    },
    /// A record not built yet ([`Rows`]): the thread that checks it builds it, so building runs
    /// on every core and a record is checked while it is still in the cache.
    Row {
        /// 1-based line where the record starts (0: none, as for a frame's rows).
        line: u64,
        /// What builds it.
        rows: Arc<dyn Rows>,
        /// Which one.
        row: usize,
    },
    /// A record read but not built yet ([`Unbuilt`], such as a CSV row's cells): the thread
    /// that checks it builds it, so the reader only splits the input.
    Unbuilt {
        /// 1-based line where the record starts.
        line: u64,
        /// What builds it.
        record: Arc<dyn Unbuilt>,
    },
    /// Input that is not a record.
    Unreadable {
        /// 1-based line where it starts.
        line: u64,
        /// What is wrong, in one line.
        message: String,
    },
}

/// Records a source builds when asked, by row: a host's table whose columns are turned into
/// records by the threads that check them ([`Item::Row`]).
pub trait Rows: Send + Sync + std::fmt::Debug {
    /// The record of row `row`.
    fn record(&self, row: usize) -> Value;

    /// The record of row `row`, built into what the checking thread's last row left
    /// ([`Layout::build_into`](crate::input::Layout::build_into)).
    fn record_into(&self, row: usize, into: &mut Reused) {
        into.set(self.record(row));
    }
}

impl From<crate::input::Item> for Item {
    fn from(item: crate::input::Item) -> Item {
        match item {
            Ok(record) => Item::Record {
                line: record.line,
                value: record.value,
            },
            Err(bad) => Item::Unreadable {
                line: bad.line,
                message: bad.message,
            },
        }
    }
}

/// What an item holds once its deferred record is built: the one shape every pass reads.
pub(crate) enum Held<'a> {
    /// A record, held or just built.
    Record(Cow<'a, Value>),
    /// A line of JSON Lines not parsed yet: each pass parses only what it reads.
    Line(&'a [u8]),
    /// Not a record, and why.
    NotRecord(Cow<'a, str>),
}

impl Item {
    /// The 1-based line where the item starts.
    fn line(&self) -> u64 {
        match self {
            Item::Record { line, .. }
            | Item::Shared { line, .. }
            | Item::Unparsed { line, .. }
            | Item::Row { line, .. }
            | Item::Unbuilt { line, .. }
            | Item::Unreadable { line, .. } => *line,
        }
    }

    /// What the item holds, building a row or an unbuilt record here.
    pub(crate) fn held(&self) -> Held<'_> {
        match self {
            Item::Record { value, .. } => Held::Record(Cow::Borrowed(value)),
            Item::Shared { records, index, .. } => match records.get(*index) {
                Some(value) => Held::Record(Cow::Borrowed(value)),
                None => Held::NotRecord(Cow::Borrowed("no such record in the batch")),
            },
            Item::Row { rows, row, .. } => Held::Record(Cow::Owned(rows.record(*row))),
            Item::Unbuilt { record, .. } => match record.build() {
                Ok(value) => Held::Record(Cow::Owned(value)),
                Err(message) => Held::NotRecord(Cow::Owned(message)),
            },
            Item::Unparsed { bytes, .. } => Held::Line(bytes),
            Item::Unreadable { message, .. } => Held::NotRecord(Cow::Borrowed(message)),
        }
    }
}

/// A record its reader has read but not built ([`Item::Unbuilt`]).
pub trait Unbuilt: Send + Sync + std::fmt::Debug {
    /// The record, or why it cannot be read (in one line).
    fn build(&self) -> std::result::Result<Value, String>;

    /// The record, built into what the checking thread's last record left
    /// ([`Layout::build_into`](crate::input::Layout::build_into)).
    fn build_into(&self, into: &mut Reused) -> std::result::Result<(), String> {
        into.set(self.build()?);
        Ok(())
    }
}

/// What happened to one input item, in input order.
///
/// [`Outcome::ok`] is the write decision: only a record that was checked and has no `error`
/// finding may be written. Serialized with serde (`serde_json::to_string(&outcome)`), an
/// outcome is one object with the same keys whatever happened: where the item was
/// (`position`, 0-based, and `line`, 1-based, 0 for records without lines), the record's `id`
/// (`null` where it has none or was not read), that decision as `ok`, and then the [`Report`]
/// as `report` (the shape documented there) or, when there is none, what stopped it as
/// `error`, `{kind, message}` as a service gives an [`Error`] (an unreadable item's kind is
/// `input`):
///
/// ```json
/// {"position": 0, "line": 1, "id": "r1", "ok": false, "report": {"pack": {…}, "ok": false, …}}
/// {"position": 1, "line": 2, "id": null, "ok": false, "error": {"kind": "input", "message": "…"}}
/// {"position": 2, "line": 3, "id": "r3", "ok": false, "error": {"kind": "script-limit", "message": "rule …"}}
/// ```
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Checked.
    Checked {
        /// 0-based position in the input.
        position: usize,
        /// 1-based line where the record starts.
        line: u64,
        /// The record's id.
        id: Option<String>,
        /// The report.
        report: Report,
    },
    /// Not a record.
    Unreadable {
        /// 0-based position in the input.
        position: usize,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A rule failed on this record (a script broke its limits): the record is not judged.
    Failed {
        /// 0-based position in the input.
        position: usize,
        /// 1-based line.
        line: u64,
        /// The record's id.
        id: Option<String>,
        /// The error.
        error: Error,
    },
}

impl Outcome {
    /// The 0-based position in the input.
    pub fn position(&self) -> usize {
        match self {
            Outcome::Checked { position, .. }
            | Outcome::Unreadable { position, .. }
            | Outcome::Failed { position, .. } => *position,
        }
    }

    /// Whether the record may be written: it was checked and its report is [`Report::ok`]. An
    /// item that is no record, or a record a rule could not judge, may not.
    pub fn ok(&self) -> bool {
        matches!(self, Outcome::Checked { report, .. } if report.ok)
    }
}

/// An [`Outcome`] as JSON (see there), keys in this order.
#[derive(serde::Serialize)]
struct OutcomeJson<'a> {
    position: usize,
    line: u64,
    id: Option<&'a str>,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson<'a>>,
}

/// An error as a service answers with it: `{kind, message}`.
#[derive(serde::Serialize)]
struct ErrorJson<'a> {
    kind: &'a str,
    message: Cow<'a, str>,
}

impl serde::Serialize for Outcome {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let ok = self.ok();
        let json = match self {
            Outcome::Checked {
                position,
                line,
                id,
                report,
            } => OutcomeJson {
                position: *position,
                line: *line,
                id: id.as_deref(),
                ok,
                report: Some(report),
                error: None,
            },
            Outcome::Unreadable {
                position,
                line,
                message,
            } => OutcomeJson {
                position: *position,
                line: *line,
                id: None,
                ok,
                report: None,
                error: Some(ErrorJson {
                    kind: "input",
                    message: Cow::Borrowed(message),
                }),
            },
            Outcome::Failed {
                position,
                line,
                id,
                error,
            } => OutcomeJson {
                position: *position,
                line: *line,
                id: id.as_deref(),
                ok,
                report: None,
                error: Some(ErrorJson {
                    kind: error.kind(),
                    message: Cow::Owned(error.to_string()),
                }),
            },
        };
        json.serialize(serializer)
    }
}

/// Findings of the cross-record pass, waiting to be attached to their records: one list in
/// order of position (records are taken in input order) of compact entries, each made a finding
/// when its record is taken.
#[derive(Debug, Default)]
pub struct CrossFindings {
    /// (position, check slot, finding), sorted by position.
    found: Vec<(usize, usize, cross::Waiting)>,
    /// How many of `found` were taken.
    taken: usize,
    /// Per check slot: its rule and the field its findings are shown at.
    checks: Vec<(usize, FieldPath)>,
    /// Records whose group a cross-record script failed on.
    failed: HashMap<usize, Error>,
}

impl CrossFindings {
    /// The findings of a record; positions are taken in increasing order.
    fn take(&mut self, position: usize) -> Result<Vec<(usize, Raw)>, Error> {
        let rest = &mut self.found[self.taken..];
        let skipped = rest.partition_point(|(p, ..)| *p < position);
        let here = rest[skipped..].partition_point(|(p, ..)| *p == position);
        let start = self.taken + skipped;
        self.taken = start + here;
        let checks = &self.checks;
        let findings = self.found[start..self.taken]
            .iter_mut()
            .map(|(_, slot, waiting)| {
                let (rule, at) = &checks[*slot];
                (*rule, std::mem::take(waiting).into_raw(at))
            })
            .collect();
        match self.failed.remove(&position) {
            Some(e) => Err(e),
            None => Ok(findings),
        }
    }
}

/// A record's entries for the cross-record checks it takes part in, by check slot.
type Keys = Vec<(usize, Entry)>;

/// The first pass: collects each record's compact keys for the selected cross-record rules.
pub struct CrossPass<'r> {
    rules: &'r RuleSet,
    plan: &'r Plan,
    checks: Vec<(usize, &'r CrossSpec)>,
    /// The fields this pass reads of every record, so unparsed lines are parsed for those alone.
    wanted: crate::sparse::Wanted,
    /// The fields findings need of the records in a group or named by a finding.
    details: crate::sparse::Wanted,
}

impl<'r> CrossPass<'r> {
    /// A pass for the cross-record rules the plan selects.
    pub fn new(rules: &'r RuleSet, plan: &'r Plan) -> Self {
        let checks: Vec<(usize, &CrossSpec)> = rules
            .rules()
            .iter()
            .enumerate()
            .filter(|(i, r)| r.cross && plan.is_selected(*i))
            .flat_map(|(i, r)| {
                r.checks.iter().filter_map(move |c| match &c.kind {
                    Kind::Cross(spec) => Some((i, spec)),
                    _ => None,
                })
            })
            .collect();
        let wanted = crate::sparse::Wanted::of(
            checks
                .iter()
                .flat_map(|(_, spec)| spec.key_reads())
                .chain(rules.placement_fields()),
        );
        let details = crate::sparse::Wanted::of(
            checks
                .iter()
                .flat_map(|(_, spec)| spec.carried())
                .chain(rules.id_field()),
        );
        CrossPass {
            rules,
            plan,
            checks,
            wanted,
            details,
        }
    }

    /// Whether any cross-record rule is selected (otherwise one pass is enough).
    pub fn is_needed(&self) -> bool {
        !self.checks.is_empty()
    }

    /// The fields `read` uses of each record: the cross-record reads a few, the checking read
    /// what the plan's rules read ([`Plan::fields`]). A host that builds records from its own
    /// objects on each read builds only these.
    pub fn fields(&self, read: Read) -> crate::sparse::Fields<'_> {
        match read {
            Read::Keys => crate::sparse::Fields::of(&self.wanted),
            Read::Details => crate::sparse::Fields::of(&self.details),
            Read::Check => self.plan.fields(),
        }
    }

    /// `records` set to build what `read` uses of each ([`CrossPass::fields`]); on the checking
    /// read, with their rows screened for the plan ([`crate::input::Layout::screen_for`]).
    #[cfg(feature = "files")]
    pub fn built_for(&self, records: crate::input::Records, read: Read) -> crate::input::Records {
        let records = records.keeping(self.fields(read));
        match read {
            Read::Check => records.screened_for(self.rules, self.plan),
            Read::Keys | Read::Details => records,
        }
    }

    /// A record's compact keys for each cross-record check (by slot); needs only `&self`, so
    /// the records of a chunk are read in parallel.
    fn keys(&self, record: &Value) -> Keys {
        if !record.is_object() {
            return Vec::new();
        }
        let day = self.rules.reference_date(record, self.plan.as_of());
        let pref = self.rules.prefecture_of(record);
        let mut keys = Vec::new();
        for (slot, (rule, spec)) in self.checks.iter().enumerate() {
            if !self.rules.rules()[*rule]
                .applies
                .in_force(day, pref.as_deref())
            {
                continue;
            }
            if let Some(entry) = cross::entry(spec, record) {
                keys.push((slot, entry));
            }
        }
        keys
    }

    /// Nothing observed yet, for each check of the pass.
    fn observed(&self) -> Observed {
        Observed(
            self.checks
                .iter()
                .map(|_| Participants::default())
                .collect(),
        )
    }

    /// The keys of one item (an unparsed line is parsed here; an unreadable one has none).
    fn item_keys(&self, item: Item) -> Keys {
        match item.held() {
            Held::Record(record) => self.keys(&record),
            // Only the fields the pass reads are built; a line that is not valid UTF-8 and JSON
            // takes no part (the second pass reports it).
            Held::Line(bytes) => match crate::input::utf8(bytes)
                .ok()
                .and_then(|text| self.wanted.parse(text).ok())
            {
                Some(record) => self.keys(&record),
                None => Vec::new(),
            },
            Held::NotRecord(_) => Vec::new(),
        }
    }

    /// What each check finds among what was observed (in `checks` order).
    fn find(&self, observed: Observed) -> Result<Vec<cross::Found>> {
        self.checks
            .iter()
            .zip(observed.0)
            .map(|((_, spec), participants)| cross::find(spec, participants))
            .collect()
    }

    /// The positions of the records whose details the findings need (in a group, or named by
    /// a finding), sorted.
    fn needed(found: &[cross::Found]) -> Vec<usize> {
        let mut needed: Vec<usize> = found.iter().flat_map(cross::Found::needed).collect();
        needed.sort_unstable();
        needed.dedup();
        needed
    }

    /// What the findings need of the `needed` records (sorted positions) among `items`: their
    /// ids and carried fields, an unparsed line parsed for those alone.
    ///
    /// The items between are passed over with [`Iterator::nth`], which a source can make
    /// cheap (JSON Lines do not hand over the lines they pass).
    fn details(&self, needed: &[usize], mut items: impl Iterator<Item = Item>) -> cross::Fetched {
        let mut fetched =
            cross::Fetched::new(self.checks.iter().flat_map(|(_, spec)| spec.carried()));
        // The position of the item `items` gives next.
        let mut next = 0;
        for &position in needed {
            let Some(item) = items.nth(position - next) else {
                break;
            };
            next = position + 1;
            let record = match item.held() {
                Held::Record(record) => record,
                Held::Line(bytes) => match crate::input::utf8(bytes)
                    .ok()
                    .and_then(|text| self.details.parse(text).ok())
                {
                    Some(record) => Cow::Owned(record),
                    None => continue,
                },
                Held::NotRecord(_) => continue,
            };
            let id = self
                .rules
                .record_id(&record)
                .unwrap_or_else(|| format!("#{}", position + 1));
            fetched.insert(position, id, &record);
        }
        fetched
    }

    /// The findings of the cross-record rules among what the keys read observed. Another read
    /// fetches the few records the findings name: their lines alone are parsed.
    fn findings<I, S>(&self, observed: Observed, source: &mut S) -> Result<CrossFindings>
    where
        I: Iterator<Item = Item>,
        S: FnMut(Read) -> Result<I>,
    {
        let found = self.find(observed)?;
        let needed = CrossPass::needed(&found);
        let fetched = if needed.is_empty() {
            self.details(&needed, std::iter::empty())
        } else {
            self.details(&needed, source(Read::Details)?)
        };
        self.finish_with(found, &fetched)
    }

    /// Runs the cross-record rules over what was observed, with the details of the records
    /// their findings need.
    fn finish_with(
        &self,
        found_by_check: Vec<cross::Found>,
        fetched: &cross::Fetched,
    ) -> Result<CrossFindings> {
        let mut found = CrossFindings {
            checks: (self.checks.iter())
                .map(|(rule, spec)| (*rule, spec.at().clone()))
                .collect(),
            ..CrossFindings::default()
        };
        for (slot, ((rule, spec), found_here)) in self.checks.iter().zip(found_by_check).enumerate()
        {
            let id = &self.rules.rules()[*rule].id;
            let (findings, failed) =
                cross::evaluate(spec, id, &self.rules.engine, found_here, fetched);
            found.failed.extend(failed);
            found.found.extend(
                findings
                    .into_iter()
                    .map(|(position, waiting)| (position, slot, waiting)),
            );
        }
        // Stable: a record's findings stay in the order of its checks.
        found.found.sort_by_key(|(position, ..)| *position);
        Ok(found)
    }
}

/// What the keys of a read observed: each record's entries, by check slot (the pass itself only
/// reads, so records are read for it in parallel while this grows on one thread).
struct Observed(Vec<Participants>);

impl Observed {
    fn add(&mut self, position: usize, keys: Keys) {
        for (slot, entry) in keys {
            self.0[slot].push(position, entry);
        }
    }
}

/// An item waiting to be checked: its position, the item, its cross-record findings.
type Pending = (usize, Item, Result<Vec<(usize, Raw)>, Error>);

/// How many items a worker takes at a time: large enough to amortise the hand-off, small enough
/// to keep memory flat.
const CHUNK: usize = 512;

/// The next [`CHUNK`] items (fewer at the end), in a vector allocated once: `collect` would
/// start small and grow, as a source that may stop early promises no length.
fn next_chunk<T>(items: &mut impl Iterator<Item = T>) -> Vec<T> {
    let mut chunk = Vec::with_capacity(CHUNK);
    chunk.extend(items.take(CHUNK));
    chunk
}

/// Checks a stream of items and hands each outcome to `sink` in input order.
///
/// `source` is called once, or up to three times when cross-record rules are selected (a first
/// pass reads only compact keys, a second only the records the cross-record findings name).
/// Hosts with a one-shot stream buffer it and replay it.
pub fn check_stream<I, S>(
    rules: &RuleSet,
    plan: &Plan,
    mut source: S,
    sink: impl FnMut(Outcome),
) -> Result<()>
where
    I: Iterator<Item = Item>,
    S: FnMut() -> Result<I>,
{
    check_stream_reads(rules, plan, |_| source(), sink)
}

/// Which read of the source a call is for (see [`check_stream_reads`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// The cross-record pass's keys of every record.
    Keys,
    /// The records the cross-record findings name (the others may be skipped unparsed).
    Details,
    /// The checking pass: each item becomes one outcome, in order.
    Check,
}

/// [`check_stream`] telling the source which read each call is for, so a host that follows
/// the outcomes (a summary) can look at the items of the checking read alone.
pub fn check_stream_reads<I, S>(
    rules: &RuleSet,
    plan: &Plan,
    source: S,
    mut sink: impl FnMut(Outcome),
) -> Result<()>
where
    I: Iterator<Item = Item>,
    S: FnMut(Read) -> Result<I>,
{
    check_stream_keeping(rules, plan, source, &|_| (), |outcome, _| sink(outcome))
}

/// What a host takes of each record, on the thread that checks it (see
/// [`check_stream_keeping`]).
pub type Keep<'k, K> = &'k (dyn Fn(&Value) -> K + Sync);

/// [`check_stream_reads`] handing `sink`, with each outcome, what `keep` took of the record
/// checked (`None` for an item that is not a record): fields no rule need read, such as a
/// summary's breakdown and date. They are taken from the record the checking thread builds
/// anyway, not by reading each item a second time on the thread that reads the input.
///
/// `keep` sees the record as it was built for checking, as far as `plan` reads it: a line of
/// JSON Lines is parsed, and a source may build rows ([`crate::input::Records::keeping`]), only
/// that far. A host that takes fields no rule reads makes the plan read them too (as
/// [`crate::summary::KeyReader::plan_reading_keys`] does).
pub fn check_stream_keeping<I, S, K: Send>(
    rules: &RuleSet,
    plan: &Plan,
    mut source: S,
    keep: Keep<'_, K>,
    mut sink: impl FnMut(Outcome, Option<K>),
) -> Result<()>
where
    I: Iterator<Item = Item>,
    S: FnMut(Read) -> Result<I>,
{
    let mut cross = cross_findings(rules, plan, &mut source, in_chunks)?;
    let mut pending = source(Read::Check)?
        .enumerate()
        .map(|(position, item)| (position, item, cross.take(position)));
    check_chunks(rules, plan, || next_chunk(&mut pending), keep, &mut sink);
    Ok(())
}

/// Checks the chunks `next` gives until it gives an empty one, handing the outcomes to `sink`
/// in order.
fn check_chunks<K: Send>(
    rules: &RuleSet,
    plan: &Plan,
    next: impl FnMut() -> Vec<Pending>,
    keep: Keep<'_, K>,
    sink: &mut dyn FnMut(Outcome, Option<K>),
) {
    in_pool(
        next,
        |chunk| {
            par_map(chunk, |(p, item, cross)| {
                check_keeping(rules, plan, p, item, cross, keep)
            })
        },
        &mut |(outcome, kept)| sink(outcome, kept),
    );
}

/// Hands each chunk `next` gives to `work`, until an empty one, and what it makes to `sink`, in
/// order. The pool works on one chunk while the calling thread reads the next and hands over
/// the previous one; `next` and `sink` stay on the calling thread (a host's source and sink may
/// be neither `Send` nor `Sync`).
#[cfg(feature = "parallel")]
fn in_pool<T: Send, U: Send>(
    mut next: impl FnMut() -> Vec<T>,
    work: impl Fn(Vec<T>) -> Vec<U> + Send,
    sink: &mut dyn FnMut(U),
) {
    use std::sync::mpsc::sync_channel;

    std::thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = sync_channel::<Vec<T>>(1);
        let (done_tx, done_rx) = sync_channel::<Vec<U>>(1);
        scope.spawn(move || {
            for chunk in chunk_rx {
                if done_tx.send(work(chunk)).is_err() {
                    return;
                }
            }
        });
        // One chunk is worked on while the next is read: after handing chunk N over, what
        // chunk N-1 made is waited for.
        let mut in_flight = false;
        loop {
            let chunk = next();
            let more = !chunk.is_empty();
            if more && chunk_tx.send(chunk).is_err() {
                return;
            }
            if in_flight {
                let Ok(done) = done_rx.recv() else {
                    return;
                };
                done.into_iter().for_each(&mut *sink);
            }
            if !more {
                return;
            }
            in_flight = true;
        }
    });
}

#[cfg(not(feature = "parallel"))]
fn in_pool<T, U>(
    mut next: impl FnMut() -> Vec<T>,
    work: impl Fn(Vec<T>) -> Vec<U>,
    sink: &mut dyn FnMut(U),
) {
    loop {
        let chunk = next();
        if chunk.is_empty() {
            return;
        }
        work(chunk).into_iter().for_each(&mut *sink);
    }
}

/// The first pass, when cross-record rules are selected: compact keys of every record.
fn cross_findings<I, S>(
    rules: &RuleSet,
    plan: &Plan,
    source: &mut S,
    chunked: Chunker<I>,
) -> Result<CrossFindings>
where
    I: Iterator<Item = Item>,
    S: FnMut(Read) -> Result<I>,
{
    let cross_pass = CrossPass::new(rules, plan);
    if !cross_pass.is_needed() {
        return Ok(CrossFindings::default());
    }
    let mut observed = cross_pass.observed();
    chunked(source(Read::Keys)?, &mut |chunk| {
        let keys = par_map(chunk, |(position, item)| {
            (position, cross_pass.item_keys(item))
        });
        for (position, keys) in keys {
            observed.add(position, keys);
        }
    });
    cross_pass.findings(observed, source)
}

/// [`check_stream`] as a pipeline: a reader thread reads the next chunk while the pool checks
/// this one and the calling thread hands the previous one to `sink`, so a file costs about the
/// largest of the three, not their sum.
#[cfg(feature = "parallel")]
pub fn check_stream_pipelined<I, S>(
    rules: &RuleSet,
    plan: &Plan,
    mut source: S,
    mut sink: impl FnMut(Outcome),
) -> Result<()>
where
    I: Iterator<Item = Item> + Send,
    S: FnMut() -> Result<I>,
{
    check_stream_pipelined_keeping(
        rules,
        plan,
        |_| source(),
        &|_| (),
        |outcome, _| sink(outcome),
    )
}

/// [`check_stream_keeping`] as a pipeline (see [`check_stream_pipelined`]), the source told
/// which read each call is for (see [`Read`]).
#[cfg(feature = "parallel")]
pub fn check_stream_pipelined_keeping<I, S, K: Send>(
    rules: &RuleSet,
    plan: &Plan,
    mut source: S,
    keep: Keep<'_, K>,
    mut sink: impl FnMut(Outcome, Option<K>),
) -> Result<()>
where
    I: Iterator<Item = Item> + Send,
    S: FnMut(Read) -> Result<I>,
{
    let mut cross = cross_findings(rules, plan, &mut source, in_chunks_read_ahead)?;
    let items = source(Read::Check)?;
    std::thread::scope(|scope| {
        let chunks = read_ahead(scope, items);
        // The reader's channel ends with the input; an empty chunk tells `check_chunks` so.
        let next = || {
            chunks.recv().map_or_else(
                |_| Vec::new(),
                |chunk| {
                    chunk
                        .into_iter()
                        .map(|(p, item)| (p, item, cross.take(p)))
                        .collect()
                },
            )
        };
        check_chunks(rules, plan, next, keep, &mut sink);
    });
    Ok(())
}

/// Hands the items of a read to `each`, numbered by position, [`CHUNK`] at a time.
type Chunker<I> = fn(I, &mut dyn FnMut(Vec<(usize, Item)>));

fn in_chunks<I: Iterator<Item = Item>>(items: I, each: &mut dyn FnMut(Vec<(usize, Item)>)) {
    let mut items = items.enumerate().peekable();
    while items.peek().is_some() {
        each(next_chunk(&mut items));
    }
}

/// [`in_chunks`] with the next chunk read on another thread while `each` works on this one.
#[cfg(feature = "parallel")]
fn in_chunks_read_ahead<I: Iterator<Item = Item> + Send>(
    items: I,
    each: &mut dyn FnMut(Vec<(usize, Item)>),
) {
    std::thread::scope(|scope| read_ahead(scope, items).into_iter().for_each(each));
}

/// Reads `items` on a thread of `scope`, in chunks numbered by position. Two chunks wait at
/// most: enough to keep the reader busy, and memory stays flat whatever the input's length.
#[cfg(feature = "parallel")]
fn read_ahead<'scope, I: Iterator<Item = Item> + Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    items: I,
) -> std::sync::mpsc::Receiver<Vec<(usize, Item)>> {
    let (chunk_tx, chunk_rx) = std::sync::mpsc::sync_channel(2);
    scope.spawn(move || {
        let mut chunk = Vec::with_capacity(CHUNK);
        for entry in items.enumerate() {
            chunk.push(entry);
            if chunk.len() == CHUNK
                && chunk_tx
                    .send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))
                    .is_err()
            {
                return;
            }
        }
        if !chunk.is_empty() {
            let _ = chunk_tx.send(chunk);
        }
    });
    chunk_rx
}

/// Checks one item: its outcome, and what `keep` takes of the record built for checking
/// (`None` for an item that is not a record).
fn check_keeping<K>(
    rules: &RuleSet,
    plan: &Plan,
    position: usize,
    item: Item,
    cross: Result<Vec<(usize, Raw)>, Error>,
    keep: impl Fn(&Value) -> K,
) -> (Outcome, Option<K>) {
    let line = item.line();
    let judge = |record: &Value,
                 plan: &Plan,
                 cross: Result<Vec<(usize, Raw)>, Error>,
                 within_depth: bool| {
        let kept = keep(record);
        let id = rules.record_id(record);
        let checked = cross.and_then(|cross| {
            if within_depth {
                rules.check_within_depth(record, plan, cross)
            } else {
                rules.check_planned(record, plan, cross)
            }
        });
        let outcome = match checked {
            Ok(report) => Outcome::Checked {
                position,
                line,
                id,
                report,
            },
            Err(error) => Outcome::Failed {
                position,
                line,
                id,
                error,
            },
        };
        (outcome, Some(kept))
    };
    // A row a layout built from text is shallow by construction: no walk to find out. A row
    // its screen built lean is checked with the plan that leaves the screened rules out.
    let check_built =
        |into: &Reused, cross| judge(into.record(), into.plan(plan), cross, into.within_depth());
    let unreadable = |message| {
        let outcome = Outcome::Unreadable {
            position,
            line,
            message,
        };
        (outcome, None)
    };
    match item {
        // A row is built into the record the thread built last.
        Item::Row { rows, row, .. } => reusing(|into| {
            rows.record_into(row, into);
            check_built(into, cross)
        }),
        Item::Unbuilt { record, .. } => reusing(|into| match record.build_into(into) {
            Ok(()) => check_built(into, cross),
            Err(message) => unreadable(message),
        }),
        item => match item.held() {
            Held::Record(record) => judge(&record, plan, cross, false),
            // Parsed here, by a reader whose recursion limit is the checks' depth limit.
            Held::Line(bytes) => match crate::input::parse_json_line_for(bytes, line, plan) {
                Ok(record) => judge(&record.value, plan, cross, true),
                Err(bad) => unreadable(bad.message),
            },
            Held::NotRecord(message) => unreadable(message.into_owned()),
        },
    }
}

thread_local! {
    /// The record the thread built last, kept for the next one it builds ([`Reused`]).
    static REUSED: std::cell::RefCell<Reused> = std::cell::RefCell::default();
}

/// `f` with the thread's [`Reused`] record (a new one, should it be in use already).
fn reusing<T>(f: impl FnOnce(&mut Reused) -> T) -> T {
    REUSED.with(|kept| match kept.try_borrow_mut() {
        Ok(mut reused) => f(&mut reused),
        Err(_) => f(&mut Reused::default()),
    })
}

/// `f` over the items of a chunk, on the pool when there is one, in order.
#[cfg(feature = "parallel")]
fn par_map<T: Send, U: Send>(chunk: Vec<T>, f: impl Fn(T) -> U + Sync + Send) -> Vec<U> {
    use rayon::prelude::*;
    chunk.into_par_iter().map(f).collect()
}

#[cfg(not(feature = "parallel"))]
fn par_map<T, U>(chunk: Vec<T>, f: impl Fn(T) -> U) -> Vec<U> {
    chunk.into_iter().map(f).collect()
}

/// Checks records already in memory (a batch from a form, an example, a test), the rules
/// across records included: one [`Outcome`] per record, in order.
///
/// ```
/// # let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/hersys"));
/// use kakunin::{CheckOptions, RuleSet, batch::{self, Outcome}};
/// use serde_json::json;
///
/// let rules = RuleSet::from_dir(dir)?;
/// let plan = rules.plan(&CheckOptions { select: vec!["identity/duplicate-hersys-id".into()], ..Default::default() })?;
/// // One HER-SYS ID given to two different patients.
/// let patient = |id, sex| json!({"id": id, "hersys_id": "1234567", "notification": {"patient": {"sex": sex}}});
/// for outcome in batch::check_all(&rules, &plan, &[patient("a", "male"), patient("b", "female")])? {
///     let Outcome::Checked { report, .. } = outcome else { unreachable!("both are records") };
///     assert!(!report.ok, "each names the other");
/// }
/// # Ok::<(), kakunin::Error>(())
/// ```
pub fn check_all(rules: &RuleSet, plan: &Plan, records: &[Value]) -> Result<Vec<Outcome>> {
    let mut out = Vec::with_capacity(records.len());
    // Copied once and shared by every read (the cross-record rules read the batch up to three
    // times), rather than copied by each.
    let shared: Arc<[Value]> = records.into();
    check_stream(
        rules,
        plan,
        || {
            let records = shared.clone();
            Ok((0..records.len()).map(move |index| Item::Shared {
                line: 0,
                records: records.clone(),
                index,
            }))
        },
        |o| out.push(o),
    )?;
    Ok(out)
}
