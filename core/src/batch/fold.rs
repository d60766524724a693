//! One read of the input when cross-record rules are selected, for hosts that read files or
//! hold a list of records.
//!
//! The two-read flow ([`check_stream_reads`](super::check_stream_reads)) reads every record
//! once for its cross-record keys and again to check it, with the findings of those keys in
//! hand: a file is read, split and scanned twice, a fifth of the command's time on JSON Lines.
//! Here each record is read once: checked, and its keys taken from the record built for
//! checking. Its outcome cannot be handed over yet (a record further on may be its duplicate),
//! so it waits, in order, with what the host keeps of the record: in an anonymous temporary file,
//! where memory stays flat, or in memory for a host that keeps every outcome anyway
//! ([`Folding::in_memory`]). Once the input ends the cross-record findings are found, and the
//! outcomes are read back and handed over with them.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read as _, Seek, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{
    CHUNK, CrossPass, Item, Keep, Keys, Outcome, Read, check_keeping, check_stream_keeping,
    check_stream_pipelined_keeping, in_pool, next_chunk, par_map, read_ahead,
};
use crate::check::Raw;
use crate::error::{Error, Result};
use crate::finding::{Finding, Report};
use crate::ruleset::{Plan, RuleSet};

/// How a folded run reads its input and where its outcomes wait (see [`check_stream_folded`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Folding {
    /// A thread of its own reads the next chunk while the pool checks this one: worth it when
    /// reading costs more than handing over lines, as for the command.
    pub read_ahead_on_a_thread: bool,
    /// The outcomes wait in memory as they are, not encoded in a temporary file: for a host
    /// that keeps every outcome anyway (a batch handed back whole), which spares encoding and
    /// decoding each one. Memory then grows with the input.
    pub in_memory: bool,
}

/// [`check_stream_reads`](super::check_stream_reads) reading the input once (see the module
/// docs): `source` is asked for the checking read, then, when cross-record findings name
/// records, for the details read. `folding` says how (see [`Folding`]).
///
/// Falls back to the two reads when no cross-record rule is selected (one read is all there
/// is) or no temporary file can be made. Unlike the two reads, `source`'s checking read runs to
/// its end before the first outcome reaches `sink`: a host that holds something per item read
/// until its outcome arrives should not use this.
pub fn check_stream_folded<I, S>(
    rules: &RuleSet,
    plan: &Plan,
    source: S,
    folding: Folding,
    mut sink: impl FnMut(Outcome),
) -> Result<()>
where
    I: Iterator<Item = Item> + Send,
    S: FnMut(Read) -> Result<I>,
{
    let nothing: Keep<'_, ()> = &|_| ();
    check_stream_folded_keeping(rules, plan, source, folding, nothing, |o, _| sink(o))
}

/// [`check_stream_folded`] handing `sink`, with each outcome, what `keep` took of the record
/// checked, as [`check_stream_keeping`] does; what it takes waits with the outcome.
pub fn check_stream_folded_keeping<I, S, K>(
    rules: &RuleSet,
    plan: &Plan,
    source: S,
    folding: Folding,
    keep: Keep<'_, K>,
    sink: impl FnMut(Outcome, Option<K>),
) -> Result<()>
where
    I: Iterator<Item = Item> + Send,
    S: FnMut(Read) -> Result<I>,
    K: Serialize + DeserializeOwned + Send,
{
    let pass = CrossPass::new(rules, plan);
    if pass.is_needed() {
        if folding.in_memory {
            let held = Held(Vec::new());
            return fold(rules, plan, &pass, source, folding, held, keep, sink);
        }
        if let Ok(spill) = Spill::new() {
            return fold(rules, plan, &pass, source, folding, spill, keep, sink);
        }
    }
    if folding.read_ahead_on_a_thread {
        check_stream_pipelined_keeping(rules, plan, source, keep, sink)
    } else {
        check_stream_keeping(rules, plan, source, keep, sink)
    }
}

/// The folded run proper, its outcomes waiting in `store`.
#[allow(clippy::too_many_arguments)]
fn fold<I, S, K, W>(
    rules: &RuleSet,
    plan: &Plan,
    pass: &CrossPass,
    mut source: S,
    folding: Folding,
    store: W,
    keep: Keep<'_, K>,
    mut sink: impl FnMut(Outcome, Option<K>),
) -> Result<()>
where
    I: Iterator<Item = Item> + Send,
    S: FnMut(Read) -> Result<I>,
    K: Serialize + DeserializeOwned + Send,
    W: Store<K>,
{
    let items = source(Read::Check)?;
    let (observed, store) = check_and_store(
        rules,
        plan,
        pass,
        items,
        keep,
        store,
        folding.read_ahead_on_a_thread,
    );
    let store = store.map_err(spill_error)?;
    let mut cross = pass.findings(observed, &mut source)?;
    let mut waiting = store.read_back().map_err(spill_error)?;

    // Read back a chunk at a time, each outcome with its cross-record findings; the pool turns
    // them back into outcomes while the next chunk is read.
    let mut position = 0;
    let mut lost: Option<io::Error> = None;
    let next = || {
        let mut chunk = Vec::with_capacity(CHUNK);
        while lost.is_none() && chunk.len() < CHUNK {
            match waiting.next() {
                Some(Ok(entry)) => {
                    chunk.push((position, entry, cross.take(position)));
                    position += 1;
                }
                None => break,
                Some(Err(e)) => lost = Some(e),
            }
        }
        chunk
    };
    in_pool(
        next,
        |chunk| {
            par_map(chunk, |(p, entry, cross)| {
                unspill::<K, W>(rules, plan, p, entry, cross)
            })
        },
        &mut |(outcome, kept)| sink(outcome, kept),
    );
    match lost {
        Some(e) => Err(spill_error(e)),
        None => Ok(()),
    }
}

/// The checking read: every item checked in the pool, its keys added to what the pass observed
/// and its outcome put in `store`, in order.
fn check_and_store<I: Iterator<Item = Item> + Send, K: Serialize + Send, W: Store<K>>(
    rules: &RuleSet,
    plan: &Plan,
    pass: &CrossPass,
    items: I,
    keep: Keep<'_, K>,
    mut store: W,
    read_ahead_on_a_thread: bool,
) -> (super::Observed, io::Result<W>) {
    let mut observed = pass.observed();
    let mut failed: Option<io::Error> = None;
    let check = |chunk: Vec<(usize, Item)>| {
        par_map(chunk, |(position, item)| {
            let (outcome, kept) =
                check_keeping(rules, plan, position, item, Ok(Vec::new()), |record| {
                    let cross = (pass.keys(record), rules.acknowledged_rules(record));
                    (cross, keep(record))
                });
            // An item that is not a record takes no part in the cross-record rules.
            let ((keys, acknowledged), kept) = match kept {
                Some((cross, kept)) => (cross, Some(kept)),
                None => (Default::default(), None),
            };
            let entry = W::entry(Frame(Spilled::of(outcome, acknowledged), kept));
            (position, entry, keys)
        })
    };
    let mut keep = |(position, entry, keys): (usize, W::Entry, Keys)| {
        observed.add(position, keys);
        if failed.is_none()
            && let Err(e) = store.push(entry)
        {
            failed = Some(e);
        }
    };
    if read_ahead_on_a_thread {
        std::thread::scope(|scope| {
            let chunks = read_ahead(scope, items);
            in_pool(|| chunks.recv().unwrap_or_default(), check, &mut keep);
        });
    } else {
        let mut items = items.enumerate();
        in_pool(|| next_chunk(&mut items), check, &mut keep);
    }
    (observed, failed.map_or(Ok(store), Err))
}

/// The outcome at `position` read back, with its cross-record findings, and what was kept of
/// its record.
fn unspill<K, W: Store<K>>(
    rules: &RuleSet,
    plan: &Plan,
    position: usize,
    entry: W::Entry,
    cross: Result<Vec<(usize, Raw)>, Error>,
) -> (Outcome, Option<K>) {
    match W::frame(entry) {
        Ok(Frame(spilled, kept)) => (outcome_of(rules, plan, position, spilled, cross), kept),
        // Only a temporary file changed under the run could do this; the record is still
        // accounted for.
        Err(e) => {
            let outcome = Outcome::Failed {
                position,
                line: 0,
                id: None,
                error: spill_error(e),
            };
            (outcome, None)
        }
    }
}

/// The outcome a [`Spilled`] stands for, with its cross-record findings.
fn outcome_of(
    rules: &RuleSet,
    plan: &Plan,
    position: usize,
    spilled: Spilled,
    cross: Result<Vec<(usize, Raw)>, Error>,
) -> Outcome {
    match spilled {
        Spilled::Checked(line, id, reference_date, findings, acknowledged) => match cross {
            Ok(cross) => {
                let report = Report::new(rules.info.clone(), reference_date, findings);
                Outcome::Checked {
                    position,
                    line,
                    id,
                    report: rules.with_cross(report, cross, plan.options(), &acknowledged),
                }
            }
            // A cross-record script failed on the record's group: as in the two reads, the
            // record is not judged.
            Err(error) => Outcome::Failed {
                position,
                line,
                id,
                error,
            },
        },
        Spilled::Unreadable(line, message) => Outcome::Unreadable {
            position,
            line,
            message,
        },
        Spilled::Failed(line, id, error) => Outcome::Failed {
            position,
            line,
            id,
            error,
        },
    }
}

fn spill_error(e: io::Error) -> Error {
    Error::Input {
        path: "temporary file of the outcomes".into(),
        message: e.to_string(),
    }
}

/// What waits for one item: its outcome, and what the host kept of its record.
#[derive(Serialize, Deserialize)]
struct Frame<K>(Spilled, Option<K>);

/// Where the outcomes of the checking read wait, in order, for the cross-record findings.
trait Store<K>: Sized {
    /// A frame as it waits, made on the thread that checked its item.
    type Entry: Send;
    /// The entries, read back in the order they were put.
    type Back: Iterator<Item = io::Result<Self::Entry>>;

    fn entry(frame: Frame<K>) -> Self::Entry;
    fn push(&mut self, entry: Self::Entry) -> io::Result<()>;
    fn read_back(self) -> io::Result<Self::Back>;
    /// The frame an entry read back stands for, made on a thread of the pool.
    fn frame(entry: Self::Entry) -> io::Result<Frame<K>>;
}

/// Frames held in memory as they are, in blocks of [`CHUNK`]: each block is freed once read
/// back, so the frames and the outcomes the host makes of them are not both held whole.
struct Held<K>(Vec<Vec<Frame<K>>>);

/// The frames of a [`Held`], read back in order.
type HeldBack<K> = std::iter::Map<
    std::iter::Flatten<std::vec::IntoIter<Vec<Frame<K>>>>,
    fn(Frame<K>) -> io::Result<Frame<K>>,
>;

impl<K: Send> Store<K> for Held<K> {
    type Entry = Frame<K>;
    type Back = HeldBack<K>;

    fn entry(frame: Frame<K>) -> Frame<K> {
        frame
    }

    fn push(&mut self, frame: Frame<K>) -> io::Result<()> {
        match self.0.last_mut() {
            Some(block) if block.len() < CHUNK => block.push(frame),
            _ => {
                let mut block = Vec::with_capacity(CHUNK);
                block.push(frame);
                self.0.push(block);
            }
        }
        Ok(())
    }

    fn read_back(self) -> io::Result<HeldBack<K>> {
        Ok(self.0.into_iter().flatten().map(Ok))
    }

    fn frame(frame: Frame<K>) -> io::Result<Frame<K>> {
        Ok(frame)
    }
}

/// An outcome as it waits: its position is its place in the store, and the pack that judged it
/// is the run's.
#[derive(Serialize, Deserialize)]
enum Spilled {
    /// Line, id, reference date, findings, acknowledged rules.
    Checked(
        u64,
        Option<String>,
        Option<String>,
        Vec<Finding>,
        Vec<String>,
    ),
    /// Line, what is wrong.
    Unreadable(u64, String),
    /// Line, id, the error.
    Failed(u64, Option<String>, Error),
}

impl Spilled {
    fn of(outcome: Outcome, acknowledged: Vec<String>) -> Spilled {
        match outcome {
            Outcome::Checked {
                line, id, report, ..
            } => Spilled::Checked(
                line,
                id,
                report.reference_date,
                report.findings,
                acknowledged,
            ),
            Outcome::Unreadable { line, message, .. } => Spilled::Unreadable(line, message),
            Outcome::Failed {
                line, id, error, ..
            } => Spilled::Failed(line, id, error),
        }
    }
}

/// Outcomes in an anonymous temporary file (removed by the system when closed), each a frame:
/// its length as 4 bytes, then its bytes.
struct Spill(BufWriter<File>);

impl Spill {
    fn new() -> io::Result<Spill> {
        Ok(Spill(BufWriter::with_capacity(
            1 << 20,
            tempfile::tempfile()?,
        )))
    }
}

impl<K: Serialize + DeserializeOwned> Store<K> for Spill {
    type Entry = Vec<u8>;
    type Back = Frames;

    fn entry(frame: Frame<K>) -> Vec<u8> {
        // Strings, numbers and JSON values only, and the host's keys (plain data): serializing
        // cannot fail.
        serde_json::to_vec(&frame).unwrap_or_default()
    }

    fn push(&mut self, frame: Vec<u8>) -> io::Result<()> {
        let len = u32::try_from(frame.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "outcome over 4 GB"))?;
        self.0.write_all(&len.to_le_bytes())?;
        self.0.write_all(&frame)
    }

    fn read_back(self) -> io::Result<Frames> {
        let mut file = self.0.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(Frames(BufReader::with_capacity(1 << 20, file)))
    }

    fn frame(bytes: Vec<u8>) -> io::Result<Frame<K>> {
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// The frames of a [`Spill`], read back in order.
struct Frames(BufReader<File>);

impl Iterator for Frames {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<io::Result<Vec<u8>>> {
        self.next_frame().transpose()
    }
}

impl Frames {
    fn next_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut len = [0u8; 4];
        match self.0.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut frame = vec![0u8; u32::from_le_bytes(len) as usize];
        self.0.read_exact(&mut frame)?;
        Ok(Some(frame))
    }
}
