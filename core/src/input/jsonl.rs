//! JSON Lines: one object per physical line.

use std::io::{BufRead, BufReader, Read};

use super::{Item, Unreadable, json};

/// Capacity of the line buffer kept between records; a buffer grown past
/// [`SHRINK_ABOVE`] by one huge line is given back so that one outlier does not pin its memory
/// for the rest of the run.
const KEEP: usize = 64 * 1024;
const SHRINK_ABOVE: usize = 16 * 1024 * 1024;

/// Reads lines into one reused buffer, so a record costs no allocation beyond its own `Value`.
pub(crate) struct JsonLines<R> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    line: u64,
    max: usize,
    done: bool,
}

impl<R: Read> JsonLines<R> {
    pub(crate) fn new(reader: R, max: usize) -> Self {
        JsonLines {
            reader: BufReader::with_capacity(KEEP, reader),
            buf: Vec::with_capacity(KEEP),
            line: 0,
            max,
            done: false,
        }
    }
}

impl<R: Read> Iterator for JsonLines<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        while !self.done {
            self.buf.clear();
            if self.buf.capacity() > SHRINK_ABOVE {
                self.buf.shrink_to(KEEP);
            }
            // `take` bounds how much one line may pull into memory.
            let limit = u64::try_from(self.max)
                .unwrap_or(u64::MAX)
                .saturating_add(1);
            let read = Read::take(&mut self.reader, limit).read_until(b'\n', &mut self.buf);
            match read {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    if let Some(item) = self.record() {
                        return Some(item);
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
}

impl<R: Read> JsonLines<R> {
    /// The item for the line in `buf`, or `None` for a blank line.
    fn record(&mut self) -> Option<Item> {
        let line = self.line;
        let mut bytes = self.buf.as_slice();
        match bytes.strip_suffix(b"\n") {
            Some(rest) => bytes = rest.strip_suffix(b"\r").unwrap_or(rest),
            None if bytes.len() > self.max => {
                // Too long: drop the rest of this line and go on with the next.
                let skipped = self.reader.skip_until(b'\n');
                if skipped.is_err() {
                    self.done = true;
                }
                return Some(Err(Unreadable {
                    line,
                    message: format!("line is longer than the limit of {} bytes", self.max),
                }));
            }
            None => {}
        }
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(json::parse_object(bytes, line, 1))
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
}
