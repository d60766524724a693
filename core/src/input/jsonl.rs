//! JSON Lines: one object per physical line.

use std::io::{BufRead, BufReader, Read};
use std::ops::Range;

use super::{Item, Unreadable, json};

/// Capacity of a line buffer kept between records, and the largest a line's own buffer is made
/// before its length is known; a kept buffer grown past [`SHRINK_ABOVE`] by one huge line is
/// given back before the next line, so that one outlier does not pin its memory for the rest
/// of the run.
const KEEP: usize = 64 * 1024;
const SHRINK_ABOVE: usize = 16 * 1024 * 1024;

/// The lines of a reader, each read into a buffer the caller gives.
struct Lines<R> {
    reader: BufReader<R>,
    line: u64,
    max: usize,
    done: bool,
}

impl<R: Read> Lines<R> {
    fn new(reader: R, max: usize) -> Self {
        Lines {
            reader: BufReader::with_capacity(KEEP, reader),
            line: 0,
            max,
            done: false,
        }
    }

    /// Reads the next non-blank line into `buf` and says where its record lies there (without
    /// its line break or a leading BOM), with its number; or an unreadable line; `None` at the
    /// end. `buf` is cleared first, and given back when a huge line left it larger than
    /// [`SHRINK_ABOVE`].
    fn next_into(&mut self, buf: &mut Vec<u8>) -> Option<Result<(u64, Range<usize>), Unreadable>> {
        if buf.capacity() > SHRINK_ABOVE {
            *buf = Vec::with_capacity(KEEP);
        }
        while !self.done {
            buf.clear();
            // `take` bounds how much one line may pull into memory.
            let limit = u64::try_from(self.max)
                .unwrap_or(u64::MAX)
                .saturating_add(1);
            match Read::take(&mut self.reader, limit).read_until(b'\n', buf) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    match self.trimmed(buf) {
                        Ok(Some(record)) => return Some(Ok((self.line, record))),
                        Ok(None) => {}
                        Err(unreadable) => return Some(Err(unreadable)),
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(Unreadable {
                        line: self.line + 1,
                        message: format!("read error: {e}"),
                    }));
                }
            }
        }
        None
    }

    /// Where the record of the line in `buf` lies, or `None` for a blank line.
    fn trimmed(&mut self, buf: &[u8]) -> Result<Option<Range<usize>>, Unreadable> {
        let line = self.line;
        let mut bytes = buf;
        match bytes.strip_suffix(b"\n") {
            Some(rest) => bytes = rest.strip_suffix(b"\r").unwrap_or(rest),
            None if bytes.len() > self.max => {
                // Too long: drop the rest of this line and go on with the next.
                if self.reader.skip_until(b'\n').is_err() {
                    self.done = true;
                }
                return Err(Unreadable {
                    line,
                    message: format!("line is longer than the limit of {} bytes", self.max),
                });
            }
            None => {}
        }
        let start = if line == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if bytes[start..].iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        Ok(Some(start..bytes.len()))
    }
}

/// Reads lines into one reused buffer, so a record costs no allocation beyond its own `Value`.
pub(crate) struct JsonLines<R> {
    lines: Lines<R>,
    buf: Vec<u8>,
}

impl<R: Read> JsonLines<R> {
    pub(crate) fn new(reader: R, max: usize) -> Self {
        JsonLines {
            lines: Lines::new(reader, max),
            buf: Vec::with_capacity(KEEP),
        }
    }
}

impl<R: Read> Iterator for JsonLines<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        Some(match self.lines.next_into(&mut self.buf)? {
            Ok((line, record)) => json::parse_object(&self.buf[record], line, 1),
            Err(unreadable) => Err(unreadable),
        })
    }
}

/// JSON Lines read but not parsed: each line as a [`crate::batch::Item::Unparsed`], for the
/// threads that check it to parse ([`super::parse_json_line`] parses one). Each line is read
/// straight into the buffer it is handed over in.
pub struct UnparsedLines<R> {
    lines: Lines<R>,
    /// The length of the last line: the next buffer is made a little larger, so that a line
    /// like the one before costs one allocation.
    last: usize,
    /// For lines passed over by [`Iterator::nth`].
    skipped: Vec<u8>,
}

impl<R: Read> UnparsedLines<R> {
    pub(crate) fn new(reader: R, max: usize) -> Self {
        UnparsedLines {
            lines: Lines::new(reader, max),
            last: 0,
            skipped: Vec::new(),
        }
    }
}

impl<R: Read> Iterator for UnparsedLines<R> {
    type Item = crate::batch::Item;

    fn next(&mut self) -> Option<Self::Item> {
        let mut bytes = Vec::with_capacity((self.last + self.last / 4).clamp(256, KEEP));
        Some(match self.lines.next_into(&mut bytes)? {
            Ok((line, record)) => {
                self.last = bytes.len();
                bytes.truncate(record.end);
                bytes.drain(..record.start);
                crate::batch::Item::Unparsed { line, bytes }
            }
            Err(bad) => crate::batch::Item::Unreadable {
                line: bad.line,
                message: bad.message,
            },
        })
    }

    /// Passes over `n` items without handing their lines over: a read that needs a few
    /// records (the details of a cross-record finding) costs little more than the file's I/O.
    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        for _ in 0..n {
            // An unreadable line is an item too: passed over all the same.
            let _line_or_unreadable = self.lines.next_into(&mut self.skipped)?;
        }
        self.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_lines_are_skipped_not_held() {
        let data = b"{\"a\":1}\n{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"b\":2}";
        let items: Vec<Item> = JsonLines::new(&data[..], 20).collect();
        assert_eq!(items.len(), 3);
        assert!(items[0].is_ok());
        let err = items[1].as_ref().err().map(|u| (u.line, u.message.clone()));
        assert_eq!(
            err,
            Some((2, "line is longer than the limit of 20 bytes".to_owned()))
        );
        assert_eq!(items[2].as_ref().ok().map(|r| r.line), Some(3));
    }

    /// An item as (line, bytes or message), to compare two reads of the same lines.
    fn seen(item: crate::batch::Item) -> (u64, Result<Vec<u8>, String>) {
        match item {
            crate::batch::Item::Unparsed { line, bytes } => (line, Ok(bytes)),
            crate::batch::Item::Unreadable { line, message } => (line, Err(message)),
            other => unreachable!("lines are read as they are: {other:?}"),
        }
    }

    proptest::proptest! {
        #[test]
        fn passing_over_lines_gives_the_items_reading_them_would(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("{\"a\":1}"),
                    proptest::strategy::Just(""),
                    proptest::strategy::Just("   "),
                    proptest::strategy::Just("{\"b\":2}\r"),
                    proptest::strategy::Just("{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}"),
                    proptest::strategy::Just("not json"),
                ],
                0..30,
            ),
            gaps in proptest::collection::vec(0usize..5, 0..12),
            bom in proptest::bool::ANY,
        ) {
            let mut data = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
            data.extend_from_slice(lines.join("\n").as_bytes());
            let every: Vec<_> = UnparsedLines::new(&data[..], 20).map(seen).collect();
            let mut skipping = UnparsedLines::new(&data[..], 20);
            let mut at = 0;
            for gap in gaps {
                let item = skipping.nth(gap).map(seen);
                proptest::prop_assert_eq!(item.as_ref(), every.get(at + gap));
                at += gap + 1;
                if item.is_none() {
                    break;
                }
            }
        }
    }

    #[test]
    fn unparsed_lines_match_parsed_ones() {
        let data = b"\xEF\xBB\xBF{\"a\":1}\r\n\n  \n{\"b\":\n{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"c\":3}";
        let parsed: Vec<Item> = JsonLines::new(&data[..], 20).collect();
        let unparsed: Vec<Item> = UnparsedLines::new(&data[..], 20)
            .map(|item| match seen(item) {
                (line, Ok(bytes)) => json::parse_object(&bytes, line, 1),
                (line, Err(message)) => Err(Unreadable { line, message }),
            })
            .collect();
        assert_eq!(parsed, unparsed);
        let lines: Vec<u64> = parsed
            .iter()
            .map(|i| i.as_ref().map_or_else(|u| u.line, |r| r.line))
            .collect();
        assert_eq!(lines, [1, 4, 5, 6]);
        assert!(parsed[0].is_ok() && parsed[1].is_err() && parsed[2].is_err());
    }
}
