//! The rows of one cross-record check, read back sorted by key.
//!
//! Up to [`IN_MEMORY`] rows are held in memory; beyond that each full buffer is sorted and
//! written to an anonymous temporary file, and the runs are merged as they are read. So the
//! pass holds about the same memory for ten million records as for a hundred thousand. Where
//! no run can be written (no temporary folder, a full disk, a host without files) the rows stay
//! in memory: nothing is lost, only the memory bound.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::error::Error;

/// One record's part in one cross-record check. Rows order by `first`, then `position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Row {
    /// `group`: the key's hash; `ascending`: `order_by` as bits that order like the number
    /// ([`order_bits`]).
    pub(crate) first: u64,
    /// The record's position in the batch.
    pub(crate) position: u32,
    /// `group` with `differ`: the compared fields' hash; `ascending`: the day; else 0.
    pub(crate) second: u64,
}

/// A number as bits whose unsigned order is the number's order (`f64::total_cmp`), with −0 and
/// +0 made one.
pub(crate) fn order_bits(number: f64) -> u64 {
    let bits = (number + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Rows held in memory before they are sorted and written out as a run: 256 Ki rows, 6 MiB a
/// check. A million records make four runs a check.
pub(crate) const IN_MEMORY: usize = 1 << 18;

/// The rows of one check as they are added.
#[derive(Debug)]
pub(crate) struct Rows {
    buffer: Vec<Row>,
    runs: Vec<disk::Run>,
    limit: usize,
    /// A run could not be written: the rest stays in memory.
    memory_only: bool,
}

impl Default for Rows {
    fn default() -> Self {
        Rows::with_limit(IN_MEMORY)
    }
}

impl Rows {
    /// Rows that are written out in runs of `limit` (tests use small runs).
    pub(crate) fn with_limit(limit: usize) -> Self {
        Rows {
            buffer: Vec::new(),
            runs: Vec::new(),
            limit: limit.max(1),
            memory_only: false,
        }
    }

    pub(crate) fn push(&mut self, row: Row) {
        self.buffer.push(row);
        if self.buffer.len() >= self.limit && !self.memory_only {
            self.buffer.sort_unstable();
            match disk::Run::write(&self.buffer) {
                Ok(run) => {
                    self.runs.push(run);
                    self.buffer.clear();
                }
                Err(_) => self.memory_only = true,
            }
        }
    }

    /// Every row, in order.
    pub(crate) fn sorted(mut self) -> Result<Sorted, Error> {
        self.buffer.sort_unstable();
        let mut sources = vec![Source::Memory(self.buffer.into_iter())];
        for run in self.runs {
            sources.push(Source::Disk(run.read().map_err(spill_error)?));
        }
        let mut heads = BinaryHeap::with_capacity(sources.len());
        for (i, source) in sources.iter_mut().enumerate() {
            if let Some(row) = source.next().transpose()? {
                heads.push(Reverse((row, i)));
            }
        }
        Ok(Sorted { sources, heads })
    }
}

fn spill_error(e: std::io::Error) -> Error {
    Error::Input {
        path: "temporary file of the cross-record pass".into(),
        message: e.to_string(),
    }
}

enum Source {
    Memory(std::vec::IntoIter<Row>),
    Disk(disk::Reader),
}

impl Source {
    fn next(&mut self) -> Option<Result<Row, Error>> {
        match self {
            Source::Memory(rows) => rows.next().map(Ok),
            Source::Disk(reader) => reader.next().map(|r| r.map_err(spill_error)),
        }
    }
}

/// The rows of a check in order, merged from memory and the runs on disk.
pub(crate) struct Sorted {
    sources: Vec<Source>,
    /// The next row of each source that has one.
    heads: BinaryHeap<Reverse<(Row, usize)>>,
}

impl Iterator for Sorted {
    type Item = Result<Row, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let Reverse((row, source)) = self.heads.pop()?;
        match self.sources[source].next() {
            Some(Ok(next)) => self.heads.push(Reverse((next, source))),
            Some(Err(e)) => return Some(Err(e)),
            None => {}
        }
        Some(Ok(row))
    }
}

#[cfg(feature = "files")]
mod disk {
    use std::fs::File;
    use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

    use super::Row;

    const ROW_BYTES: usize = 20;

    /// A sorted run in an anonymous temporary file (removed when it is dropped).
    #[derive(Debug)]
    pub(super) struct Run(File);

    impl Run {
        pub(super) fn write(rows: &[Row]) -> io::Result<Run> {
            let mut out = BufWriter::new(tempfile::tempfile()?);
            for row in rows {
                out.write_all(&row.first.to_le_bytes())?;
                out.write_all(&row.position.to_le_bytes())?;
                out.write_all(&row.second.to_le_bytes())?;
            }
            let mut file = out.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            Ok(Run(file))
        }

        pub(super) fn read(self) -> io::Result<Reader> {
            Ok(Reader(BufReader::new(self.0)))
        }
    }

    pub(super) struct Reader(BufReader<File>);

    impl Reader {
        pub(super) fn next(&mut self) -> Option<io::Result<Row>> {
            let mut bytes = [0u8; ROW_BYTES];
            match self.0.read_exact(&mut bytes) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return None,
                Err(e) => return Some(Err(e)),
            }
            let (first, rest) = bytes.split_at(8);
            let (position, second) = rest.split_at(4);
            let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
            Some(Ok(Row {
                first: word(first),
                position: u32::from_le_bytes(position.try_into().unwrap_or_default()),
                second: word(second),
            }))
        }
    }
}

/// Hosts without files (the browser) keep every row in memory.
#[cfg(not(feature = "files"))]
mod disk {
    use std::io;

    use super::Row;

    #[derive(Debug)]
    pub(super) enum Run {}

    pub(super) enum Reader {}

    impl Run {
        pub(super) fn write(_: &[Row]) -> io::Result<Run> {
            Err(io::ErrorKind::Unsupported.into())
        }

        pub(super) fn read(self) -> io::Result<Reader> {
            match self {}
        }
    }

    impl Reader {
        pub(super) fn next(&mut self) -> Option<io::Result<Row>> {
            match *self {}
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn rows_from(keys: &[(u8, u8)]) -> Vec<Row> {
        keys.iter()
            .enumerate()
            .map(|(i, &(first, second))| Row {
                first: u64::from(first),
                position: i as u32,
                second: u64::from(second),
            })
            .collect()
    }

    proptest! {
        /// However the rows are split into runs, they come back as one sort would give them.
        #[test]
        fn runs_merge_to_the_sorted_rows(
            keys in proptest::collection::vec((any::<u8>(), any::<u8>()), 0..200),
            limit in 1usize..40,
        ) {
            let rows = rows_from(&keys);
            let mut spilled = Rows::with_limit(limit);
            rows.iter().for_each(|&r| spilled.push(r));
            let merged: Vec<Row> = spilled.sorted().unwrap().collect::<Result<_, _>>().unwrap();
            let mut expected = rows;
            expected.sort_unstable();
            prop_assert_eq!(merged, expected);
        }

        #[test]
        fn order_bits_order_like_the_numbers(a in any::<f64>(), b in any::<f64>()) {
            prop_assume!(!a.is_nan() && !b.is_nan());
            prop_assert_eq!(order_bits(a).cmp(&order_bits(b)), (a + 0.0).total_cmp(&(b + 0.0)));
        }
    }

    #[cfg(feature = "files")]
    #[test]
    fn a_full_buffer_goes_to_disk() {
        let mut rows = Rows::with_limit(4);
        rows_from(&[(3, 0), (1, 0), (2, 0), (1, 1), (0, 0)])
            .into_iter()
            .for_each(|r| rows.push(r));
        assert_eq!((rows.runs.len(), rows.buffer.len()), (1, 1));
        let firsts: Vec<u64> = rows.sorted().unwrap().map(|r| r.unwrap().first).collect();
        assert_eq!(firsts, [0, 1, 1, 2, 3]);
    }
}
