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

impl<R: Read> JsonLines<R> {
    /// The next non-blank line (without its line break or a leading BOM) and its number, or an
    /// unreadable line; `None` at the end.
    fn next_line(&mut self) -> Option<Result<(u64, &[u8]), Unreadable>> {
        while !self.done {
            self.buf.clear();
            if self.buf.capacity() > SHRINK_ABOVE {
                self.buf.shrink_to(KEEP);
            }
            // `take` bounds how much one line may pull into memory.
            let limit = u64::try_from(self.max)
                .unwrap_or(u64::MAX)
                .saturating_add(1);
            match Read::take(&mut self.reader, limit).read_until(b'\n', &mut self.buf) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    match self.trimmed() {
                        Ok(Some((start, end))) => {
                            return Some(Ok((self.line, &self.buf[start..end])));
                        }
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
    fn trimmed(&mut self) -> Result<Option<(usize, usize)>, Unreadable> {
        let line = self.line;
        let mut bytes = self.buf.as_slice();
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
        Ok(Some((start, bytes.len())))
    }
}

impl<R: Read> Iterator for JsonLines<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        Some(match self.next_line()? {
            Ok((line, bytes)) => json::parse_object(bytes, line, 1),
            Err(unreadable) => Err(unreadable),
        })
    }
}

/// JSON Lines read but not parsed: each line as a [`crate::batch::Item::Unparsed`], for the
/// threads that check it to parse ([`super::parse_json_line`] parses one).
pub struct UnparsedLines<R>(JsonLines<R>);

impl<R: Read> UnparsedLines<R> {
    pub(crate) fn new(reader: R, max: usize) -> Self {
        UnparsedLines(JsonLines::new(reader, max))
    }
}

impl<R: Read> Iterator for UnparsedLines<R> {
    type Item = crate::batch::Item;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.0.next_line()? {
            Ok((line, bytes)) => crate::batch::Item::Unparsed {
                line,
                bytes: bytes.to_vec(),
            },
            Err(bad) => crate::batch::Item::Unreadable {
                line: bad.line,
                message: bad.message,
            },
        })
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

    #[test]
    fn unparsed_lines_match_parsed_ones() {
        let data = b"\xEF\xBB\xBF{\"a\":1}\r\n\n  \n{\"b\":\n{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"c\":3}";
        let parsed: Vec<Item> = JsonLines::new(&data[..], 20).collect();
        let unparsed: Vec<Item> = UnparsedLines::new(&data[..], 20)
            .map(|item| match item {
                crate::batch::Item::Unparsed { line, bytes } => json::parse_object(&bytes, line, 1),
                crate::batch::Item::Unreadable { line, message } => {
                    Err(Unreadable { line, message })
                }
                crate::batch::Item::Record { .. }
                | crate::batch::Item::Shared { .. }
                | crate::batch::Item::Row { .. }
                | crate::batch::Item::Unbuilt { .. } => {
                    unreachable!("lines are read as they are")
                }
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
