//! Reading the wanted fields of a JSON text and skipping the rest in one pass.
//!
//! The cross-record pass reads every line of a file for a handful of fields. Through serde,
//! each key and scalar it skips still goes through a visitor, which costs about as much per
//! line as the rest of that pass together. Here the skipped part is only scanned: strings eight
//! bytes at a time, the rest byte by byte. It is still validated as serde_json's own skipping
//! (`IgnoredAny`) validates it, so a text is accepted here exactly when serde would accept it;
//! the values kept are parsed by serde_json itself, which gives them the same numbers, escapes
//! and nesting limit as a whole parse.

use serde_json::{Map, Value};

use crate::sparse::Wanted;

/// The wanted part of `text` (as [`Wanted::parse`] documents it), or `None` when the text is
/// not JSON or a kept value is nested too deep for serde_json.
pub(crate) fn read(text: &str, wanted: &Wanted) -> Option<Value> {
    let mut skim = Skim {
        text,
        bytes: text.as_bytes(),
        at: 0,
        open: Vec::new(),
    };
    let value = skim.value(wanted)?;
    skim.whitespace();
    (skim.at == skim.bytes.len()).then_some(value)
}

/// A container being skipped: an object's members, or an array's elements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Object,
    Array,
}

struct Skim<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// The next byte to read.
    at: usize,
    /// The containers the skip is inside, innermost last (a stack, not recursion: skipped
    /// values may nest as deep as the line is long).
    open: Vec<Open>,
}

impl<'t> Skim<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Skips white space, then takes `byte`.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.whitespace();
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// The value here, keeping what `wanted` asks for. An object keeps its wanted members; an
    /// array every element, each with what is wanted of it; a scalar where fields are wanted,
    /// and an array no path goes through, stand in as `null`.
    fn value(&mut self, wanted: &Wanted) -> Option<Value> {
        self.whitespace();
        if wanted.whole {
            return self.parsed();
        }
        match self.peek()? {
            b'{' => self.object(wanted),
            b'[' => match wanted.items.as_deref() {
                Some(items) => self.array(items),
                None => self.skip().map(|()| Value::Null),
            },
            _ => self.skip().map(|()| Value::Null),
        }
    }

    fn object(&mut self, wanted: &Wanted) -> Option<Value> {
        let mut kept = Map::new();
        self.entries(b'}', |skim| {
            let key = skim.key()?;
            skim.expect(b':')?;
            match wanted.child(&key) {
                Some((key, child)) => {
                    let value = skim.value(child)?;
                    kept.insert(key.to_owned(), value);
                    Some(())
                }
                None => skim.skip(),
            }
        })?;
        Some(Value::Object(kept))
    }

    fn array(&mut self, items: &Wanted) -> Option<Value> {
        let mut kept = Vec::new();
        self.entries(b']', |skim| {
            kept.push(skim.value(items)?);
            Some(())
        })?;
        Some(Value::Array(kept))
    }

    /// Reads the members or elements of the container here with `each`, from its opening
    /// bracket to `close`, checking the commas between them.
    fn entries(&mut self, close: u8, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.at += 1; // the opening bracket
        if self.closes_at_once(close) {
            return Some(());
        }
        loop {
            each(self)?;
            self.whitespace();
            match self.peek()? {
                b',' => self.at += 1,
                byte if byte == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Just after an opening bracket: whether the container is empty, its `close` taken.
    fn closes_at_once(&mut self, close: u8) -> bool {
        self.whitespace();
        let empty = self.peek() == Some(close);
        if empty {
            self.at += 1;
        }
        empty
    }

    /// An object key, unescaped (borrowed from the text when it has no escapes).
    fn key(&mut self) -> Option<std::borrow::Cow<'t, str>> {
        self.expect(b'"')?;
        let start = self.at;
        let escaped = self.string_body()?;
        let raw = self.text.get(start..self.at - 1)?;
        if escaped {
            // Rare: serde_json unescapes it, as a whole parse would.
            let quoted = self.text.get(start - 1..self.at)?;
            serde_json::from_str::<String>(quoted).ok().map(Into::into)
        } else {
            Some(raw.into())
        }
    }

    /// A kept value, parsed by serde_json from here; the skim goes on after it.
    fn parsed(&mut self) -> Option<Value> {
        let rest = self.text.get(self.at..)?;
        let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        let value = values.next()?.ok()?;
        self.at += values.byte_offset();
        Some(value)
    }

    /// Skips one value, checking it is JSON.
    fn skip(&mut self) -> Option<()> {
        self.open.clear();
        loop {
            // A value starts here.
            self.whitespace();
            match self.peek()? {
                b'{' => {
                    self.at += 1;
                    if !self.closes_at_once(b'}') {
                        self.open.push(Open::Object);
                        self.member_name()?;
                        continue;
                    }
                }
                b'[' => {
                    self.at += 1;
                    if !self.closes_at_once(b']') {
                        self.open.push(Open::Array);
                        continue;
                    }
                }
                b'"' => {
                    self.at += 1;
                    self.string_body()?;
                }
                b'-' => {
                    self.at += 1;
                    self.number()?;
                }
                b'0'..=b'9' => self.number()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => return None,
            }
            // A value ended: close what it ends, or go on to the next member or element.
            loop {
                let Some(&open) = self.open.last() else {
                    return Some(());
                };
                self.whitespace();
                match (self.peek()?, open) {
                    (b',', Open::Object) => {
                        self.at += 1;
                        self.member_name()?;
                        break;
                    }
                    (b',', Open::Array) => {
                        self.at += 1;
                        break;
                    }
                    (b'}', Open::Object) | (b']', Open::Array) => {
                        self.at += 1;
                        self.open.pop();
                    }
                    _ => return None,
                }
            }
        }
    }

    /// Skips a member's name and its colon.
    fn member_name(&mut self) -> Option<()> {
        self.expect(b'"')?;
        self.string_body()?;
        self.expect(b':')
    }

    /// Skips a string's characters and its closing quote (the opening one is read); says
    /// whether it had escapes. Control characters are refused, as JSON requires.
    fn string_body(&mut self) -> Option<bool> {
        let mut escaped = false;
        loop {
            self.at += special_offset(self.bytes.get(self.at..)?);
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                // Below 0x20: a control character.
                _ => return None,
            }
        }
    }

    /// Skips an escape (at its backslash). As in serde_json's skipping, `\u` takes any four hex
    /// digits: whether they make a character is for the parse that keeps the string.
    fn escape(&mut self) -> Option<()> {
        let kind = *self.bytes.get(self.at + 1)?;
        self.at += 2;
        match kind {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(()),
            b'u' => {
                let hex = self.bytes.get(self.at..self.at + 4)?;
                self.at += 4;
                hex.iter().all(u8::is_ascii_hexdigit).then_some(())
            }
            _ => None,
        }
    }

    /// Skips a number's digits (after any minus sign): no leading zeros, digits after a
    /// decimal point and in an exponent.
    fn number(&mut self) -> Option<()> {
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.at_least_one_digit()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.at_least_one_digit()?;
        }
        // A digit straight after a leading zero (`01`) is not JSON.
        (!self.peek().is_some_and(|b| b.is_ascii_digit())).then_some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn at_least_one_digit(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let here = self.bytes.get(self.at..self.at + word.len())?;
        self.at += word.len();
        (here == word).then_some(())
    }
}

/// The offset of the first byte in `bytes` that ends a run of plain string characters: a
/// quote, a backslash or a control character (`bytes.len()` when there is none). Eight bytes
/// are tested at once: most of a record's bytes are inside strings.
fn special_offset(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `word` that is below `n` (for `n` ≤ 0x80); a byte's borrow
    // can only mark the bytes above a real match, so the lowest mark is exact.
    let below = |word: u64, n: u64| word.wrapping_sub(ONES * n) & !word & HIGHS;
    let mut offset = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let word = u64::from_le_bytes(eight);
        let marks = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if marks != 0 {
            return offset + (marks.trailing_zeros() / 8) as usize;
        }
        offset += 8;
    }
    offset
        + bytes[offset..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(bytes.len() - offset)
}
