//! A JSON array of records, streamed element by element.
//!
//! A scanner that knows strings, escapes and brackets finds where each top-level element starts
//! and ends; only that element's bytes are held and handed to serde_json. So a file of any size
//! reads in the memory of its largest record, a broken element costs only itself (the scan
//! resumes at the next top-level `,`), and a truncated file still yields every complete record.
//!
//! A file that starts with `{` rather than `[` is read as objects one after another (a single
//! pretty-printed record, or concatenated JSON), so `.json` files that are not arrays still work.

use std::io::{BufRead, BufReader, ErrorKind, Read};

use super::{Item, Unreadable, json};

const BUFFER: usize = 64 * 1024;
const SHRINK_ABOVE: usize = 16 * 1024 * 1024;

pub(crate) struct JsonArray<R> {
    reader: BufReader<R>,
    scan: Scanner,
}

impl<R: Read> JsonArray<R> {
    pub(crate) fn new(reader: R, max: usize) -> Self {
        JsonArray {
            reader: BufReader::with_capacity(BUFFER, reader),
            scan: Scanner::new(max),
        }
    }
}

impl<R: Read> Iterator for JsonArray<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if self.scan.state == State::Done {
                return None;
            }
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.scan.state = State::Done;
                    return Some(Err(Unreadable {
                        line: self.scan.line,
                        message: format!("read error: {e}"),
                    }));
                }
            };
            if buf.is_empty() {
                return self.scan.eof();
            }
            let (used, item) = self.scan.feed(buf);
            self.reader.consume(used);
            if item.is_some() {
                return item;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `[` (or the first `{`).
    Start,
    /// After `[` or `,`: an element or `]` comes next.
    BeforeElement {
        after_comma: bool,
    },
    /// Inside an element.
    InElement,
    /// After an element: `,` or `]` comes next (or another object, without an array).
    AfterElement,
    /// After the closing `]`: only whitespace may follow.
    AfterArray,
    Done,
}

struct Scanner {
    state: State,
    /// Inside `[ ... ]`, or reading objects one after another.
    array: bool,
    /// 1-based line and 0-based byte column of the next byte to scan.
    line: u64,
    column: u64,
    /// Bytes consumed so far, to recognize a byte-order mark only at the very start.
    offset: u64,
    max: usize,
    // The element being scanned.
    elem: Vec<u8>,
    elem_line: u64,
    elem_column: u64,
    first: bool,
    /// An element that is not an object or array: it ends at whitespace, `,` or `]`.
    scalar: bool,
    /// Open brackets. Mismatched closers pop back to their partner, so a missing bracket costs one
    /// element instead of throwing the rest of the file off.
    stack: Vec<u8>,
    in_string: bool,
    escaped: bool,
    oversize: bool,
    /// The last byte outside strings that was not whitespace, and whether only whitespace has
    /// been seen on the current line: together they spot a record that was cut off and followed
    /// by the next one (see `scan_element`).
    prev: u8,
    line_start: bool,
    cut_off: bool,
}

impl Scanner {
    fn new(max: usize) -> Self {
        Scanner {
            state: State::Start,
            array: true,
            line: 1,
            column: 0,
            offset: 0,
            max,
            elem: Vec::new(),
            elem_line: 1,
            elem_column: 1,
            first: false,
            scalar: false,
            stack: Vec::new(),
            in_string: false,
            escaped: false,
            oversize: false,
            prev: 0,
            line_start: false,
            cut_off: false,
        }
    }

    fn error(&self, line: u64, message: impl Into<String>) -> Option<Item> {
        Some(Err(Unreadable {
            line,
            message: message.into(),
        }))
    }

    /// Moves the position past `b`.
    fn step(&mut self, b: u8) {
        self.offset += 1;
        if b == b'\n' {
            self.line += 1;
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    fn begin_element(&mut self) {
        self.elem.clear();
        if self.elem.capacity() > SHRINK_ABOVE {
            self.elem.shrink_to(BUFFER);
        }
        self.elem_line = self.line;
        self.elem_column = self.column + 1;
        self.first = true;
        self.scalar = false;
        self.stack.clear();
        self.in_string = false;
        self.escaped = false;
        self.oversize = false;
        self.prev = 0;
        self.line_start = false;
        self.cut_off = false;
        self.state = State::InElement;
    }

    /// Scans `buf` until an item is ready or the buffer is used up; returns how many bytes it
    /// consumed and the item, if any.
    fn feed(&mut self, buf: &[u8]) -> (usize, Option<Item>) {
        let mut i = 0;
        while let Some(&b) = buf.get(i) {
            match self.state {
                State::Done => return (buf.len(), None),
                State::Start => {
                    let bom = b"\xEF\xBB\xBF";
                    if self.offset < 3 && bom.get(self.offset as usize) == Some(&b) {
                        // Part of a byte-order mark; columns start after it.
                        self.offset += 1;
                        i += 1;
                        continue;
                    }
                    match b {
                        b'[' => {
                            self.state = State::BeforeElement { after_comma: false };
                            self.step(b);
                            i += 1;
                        }
                        b'{' => {
                            self.array = false;
                            self.begin_element();
                        }
                        _ if b.is_ascii_whitespace() => {
                            self.step(b);
                            i += 1;
                        }
                        _ => {
                            self.state = State::Done;
                            let message =
                                "expected a JSON array of records (`[`) or an object (`{`)";
                            return (i, self.error(self.line, message));
                        }
                    }
                }
                State::BeforeElement { after_comma } => match b {
                    _ if b.is_ascii_whitespace() => {
                        self.step(b);
                        i += 1;
                    }
                    b']' => {
                        let line = self.line;
                        self.state = State::AfterArray;
                        self.step(b);
                        i += 1;
                        if after_comma {
                            return (
                                i,
                                self.error(line, "invalid JSON: a `,` before the closing `]`"),
                            );
                        }
                    }
                    b',' => {
                        let line = self.line;
                        self.state = State::BeforeElement { after_comma: true };
                        self.step(b);
                        i += 1;
                        return (
                            i,
                            self.error(
                                line,
                                "invalid JSON: an empty element (`,` without a record)",
                            ),
                        );
                    }
                    _ => self.begin_element(),
                },
                State::InElement => {
                    let (used, done) = self.scan_element(buf.get(i..).unwrap_or_default());
                    i += used;
                    if done {
                        return (i, self.finish_element());
                    }
                }
                State::AfterElement => match b {
                    _ if b.is_ascii_whitespace() => {
                        self.step(b);
                        i += 1;
                    }
                    b',' if self.array => {
                        self.state = State::BeforeElement { after_comma: true };
                        self.step(b);
                        i += 1;
                    }
                    b']' if self.array => {
                        self.state = State::AfterArray;
                        self.step(b);
                        i += 1;
                    }
                    _ => {
                        let line = self.line;
                        self.begin_element();
                        if self.array {
                            let message =
                                "invalid JSON: expected `,` or `]` after the previous record";
                            return (i, self.error(line, message));
                        }
                    }
                },
                State::AfterArray => {
                    if b.is_ascii_whitespace() {
                        self.step(b);
                        i += 1;
                    } else {
                        self.state = State::Done;
                        return (
                            i,
                            self.error(self.line, "invalid JSON: data after the closing `]`"),
                        );
                    }
                }
            }
        }
        (i, None)
    }

    /// Scans element bytes from the start of `buf`; returns how many it consumed and whether the
    /// element ended. The bytes are copied into `elem` in one piece per buffer.
    fn scan_element(&mut self, buf: &[u8]) -> (usize, bool) {
        let mut i = 0;
        let mut done = false;
        while let Some(&b) = buf.get(i) {
            if self.first {
                self.first = false;
                match b {
                    b'{' | b'[' => self.stack.push(b),
                    b'"' => {
                        self.scalar = true;
                        self.in_string = true;
                    }
                    _ => self.scalar = true,
                }
                self.prev = b;
            } else if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' || b == b'\n' {
                    // A raw newline cannot be inside a JSON string: the string is broken, and
                    // ending it here keeps one bad quote from swallowing the rest of the file.
                    self.in_string = false;
                    self.prev = b'"';
                }
            } else if self.stack.is_empty()
                && self.scalar
                && (b.is_ascii_whitespace() || b == b',' || b == b']')
            {
                done = true;
                break;
            } else if b == b'{' && self.line_start && !self.may_open() {
                // An object opening a line where no value may stand: the record before it was
                // cut off (a writer that died mid-record, files glued together). Ending the broken
                // record here saves the records after it.
                self.cut_off = true;
                done = true;
                break;
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.stack.push(b),
                    b'}' | b']' => {
                        let open = if b == b'}' { b'{' } else { b'[' };
                        if let Some(depth) = self.stack.iter().rposition(|&o| o == open) {
                            self.stack.truncate(depth);
                            if self.stack.is_empty() && !self.scalar {
                                self.step(b);
                                i += 1;
                                done = true;
                                break;
                            }
                        }
                    }
                    _ => {}
                }
                if !b.is_ascii_whitespace() {
                    self.prev = b;
                }
            }
            if b == b'\n' {
                self.line_start = true;
            } else if !b.is_ascii_whitespace() {
                self.line_start = false;
            }
            self.step(b);
            i += 1;
        }
        let piece = buf.get(..i).unwrap_or_default();
        if self.elem.len().saturating_add(piece.len()) > self.max {
            self.oversize = true;
        }
        if !self.oversize {
            self.elem.extend_from_slice(piece);
        }
        (i, done)
    }

    /// Whether valid JSON may have a value start here: after `:` in an object, after `[` or `,`
    /// in an array.
    fn may_open(&self) -> bool {
        match self.stack.last() {
            Some(b'{') => self.prev == b':',
            Some(b'[') => self.prev == b'[' || self.prev == b',',
            _ => true,
        }
    }

    fn finish_element(&mut self) -> Option<Item> {
        self.state = State::AfterElement;
        if self.cut_off {
            // The next record follows without a separator; do not report that a second time.
            self.state = if self.array {
                State::BeforeElement { after_comma: false }
            } else {
                State::AfterElement
            };
            let message = format!(
                "the record is cut off: another record starts on line {} before it ends",
                self.line
            );
            return self.error(self.elem_line, message);
        }
        if self.oversize {
            let message = format!("record is longer than the limit of {} bytes", self.max);
            return self.error(self.elem_line, message);
        }
        Some(json::parse_object(
            &self.elem,
            self.elem_line,
            self.elem_column,
        ))
    }

    /// What the end of the input means in the current state.
    fn eof(&mut self) -> Option<Item> {
        match self.state {
            State::InElement if self.scalar && self.stack.is_empty() && !self.in_string => {
                self.finish_element()
            }
            State::InElement => {
                self.state = State::Done;
                let message = "the file ends inside this record (truncated?)";
                self.error(self.elem_line, message)
            }
            State::BeforeElement { .. } | State::AfterElement if self.array => {
                self.state = State::Done;
                let message = "the file ends before the closing `]` of the array (truncated?)";
                self.error(self.line, message)
            }
            _ => {
                self.state = State::Done;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `data` one byte at a time, the worst case for state kept across buffers.
    fn bytewise(data: &[u8]) -> Vec<Item> {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                match (self.0.split_first(), out.first_mut()) {
                    (Some((&b, rest)), Some(slot)) => {
                        *slot = b;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        let mut array = JsonArray::new(OneByte(data), 1 << 20);
        array.reader = BufReader::with_capacity(1, OneByte(data));
        array.collect()
    }

    fn summary(items: &[Item]) -> Vec<(u64, bool)> {
        items
            .iter()
            .map(|i| match i {
                Ok(r) => (r.line, true),
                Err(u) => (u.line, false),
            })
            .collect()
    }

    #[test]
    fn state_survives_one_byte_buffers() {
        let data = "\u{feff}[\n {\"a\": \"x,]}\\\"\"},\n {\"b\": [1, {\"c\": 2}]}\n]\n";
        let items = bytewise(data.as_bytes());
        assert_eq!(summary(&items), vec![(2, true), (3, true)]);
    }

    #[test]
    fn oversized_elements_are_reported_and_skipped() {
        let data = b"[{\"a\": \"0123456789012345678901234567890123456789\"}, {\"b\": 1}]";
        let items: Vec<Item> = JsonArray::new(&data[..], 16).collect();
        assert_eq!(summary(&items), vec![(1, false), (1, true)]);
        let message = items[0].as_ref().err().map(|u| u.message.as_str());
        assert_eq!(message, Some("record is longer than the limit of 16 bytes"));
    }
}
