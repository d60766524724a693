//! Streaming text decoding for CSV: UTF-8 (with or without BOM), Shift_JIS and UTF-16 (BOM).
//!
//! Japanese line lists come as UTF-8 or Shift_JIS (cp932) with no label saying which. The choice
//! is made lazily: ASCII is the same in both, so bytes pass through until the first non-ASCII
//! byte, and a window from there decides (valid UTF-8 means UTF-8, anything else Shift_JIS). A
//! file whose first rows are ASCII is therefore still judged on real text.
//!
//! Shift_JIS goes through one stateful `encoding_rs` decoder fed chunk by chunk, so a two-byte
//! character split across reads decodes correctly and memory stays constant. UTF-8 is passed
//! through untouched; invalid bytes in it are caught per cell by the CSV reader, so only the row
//! that holds them is lost.

use std::io::{self, ErrorKind, Read};

use encoding_rs::{CoderResult, Decoder, Encoding, SHIFT_JIS, UTF_8};

const CHUNK: usize = 64 * 1024;
/// How many bytes from the first non-ASCII byte the encoding is judged on.
const WINDOW: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing read yet: look for a byte-order mark.
    Start,
    /// ASCII so far.
    Sniff,
    Utf8,
    Decode,
}

/// A reader that yields UTF-8 from UTF-8, Shift_JIS or UTF-16 input, without a byte-order mark.
pub(crate) struct Transcoder<R> {
    inner: R,
    /// Raw input; `raw[pos..end]` is read but not yet consumed.
    raw: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    mode: Mode,
    decoder: Option<Box<Decoder>>,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    flushed: bool,
}

impl<R: Read> Transcoder<R> {
    pub(crate) fn new(inner: R) -> Self {
        Transcoder {
            inner,
            raw: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            mode: Mode::Start,
            decoder: None,
            out: Vec::new(),
            out_pos: 0,
            out_len: 0,
            flushed: false,
        }
    }

    /// The encoding chosen so far: `None` while the input has been pure ASCII.
    pub(crate) fn encoding(&self) -> Option<&'static Encoding> {
        match self.mode {
            Mode::Start | Mode::Sniff => None,
            Mode::Utf8 => Some(UTF_8),
            Mode::Decode => self.decoder.as_ref().map(|d| d.encoding()),
        }
    }

    /// Reads until at least `want` unconsumed raw bytes are buffered, or the input ends. The
    /// buffer is allocated once; a reader that trickles bytes costs no re-zeroing per read.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.end - self.pos >= want || self.eof {
            return Ok(());
        }
        if self.pos > 0 {
            self.raw.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        let size = CHUNK.max(want);
        if self.raw.len() < size {
            self.raw.resize(size, 0);
        }
        while !self.eof && self.end - self.pos < want {
            let got = match self.raw.get_mut(self.end..) {
                Some(spare) if !spare.is_empty() => self.inner.read(spare),
                _ => Ok(0),
            };
            match got {
                Ok(0) => self.eof = true,
                Ok(n) => self.end = (self.end + n).min(self.raw.len()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The buffered raw bytes not yet consumed.
    fn pending(&self) -> &[u8] {
        self.raw.get(self.pos..self.end).unwrap_or_default()
    }

    /// Copies buffered raw bytes (at most `limit`) to `buf`.
    fn copy_raw(&mut self, buf: &mut [u8], limit: usize) -> usize {
        let avail = self.pending();
        let n = limit.min(avail.len()).min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        n
    }

    /// Decodes the next chunk into `out`.
    fn decode_more(&mut self) -> io::Result<()> {
        self.fill(1)?;
        if self.out.len() < CHUNK {
            self.out.resize(CHUNK, 0);
        }
        let last = self.eof;
        let Some(decoder) = self.decoder.as_mut() else {
            self.flushed = true;
            return Ok(());
        };
        let src = self.raw.get(self.pos..self.end).unwrap_or_default();
        let (result, read, written, _) = decoder.decode_to_utf8(src, &mut self.out, last);
        self.pos += read;
        self.out_pos = 0;
        self.out_len = written;
        if last && result == CoderResult::InputEmpty {
            self.flushed = true;
        }
        Ok(())
    }
}

/// Whether `window` reads as UTF-8: its multi-byte characters are mostly valid. A few invalid
/// bytes in a UTF-8 file (one corrupted cell) must not make the whole file Shift_JIS mojibake,
/// while Shift_JIS text almost never forms valid UTF-8 sequences (its lead bytes 0x81-0x9F are
/// UTF-8 continuation bytes). A sequence cut off by the window's end counts for neither.
fn looks_like_utf8(window: &[u8]) -> bool {
    let leads = |valid: &[u8]| valid.iter().filter(|&&b| b >= 0xC0).count();
    let (mut good, mut bad) = (0usize, 0usize);
    let mut rest = window;
    loop {
        match std::str::from_utf8(rest) {
            Ok(_) => {
                good += leads(rest);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                good += leads(valid);
                match e.error_len() {
                    Some(len) => {
                        bad += 1;
                        rest = after.get(len..).unwrap_or_default();
                    }
                    None => break,
                }
            }
        }
    }
    bad == 0 || good >= 3 * bad
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.mode {
                Mode::Start => {
                    self.fill(3)?;
                    let head = self.pending();
                    self.mode = match Encoding::for_bom(head) {
                        Some((encoding, bom)) => {
                            self.pos += bom;
                            if encoding == UTF_8 {
                                Mode::Utf8
                            } else {
                                self.decoder =
                                    Some(Box::new(encoding.new_decoder_without_bom_handling()));
                                Mode::Decode
                            }
                        }
                        None => Mode::Sniff,
                    };
                }
                Mode::Sniff => {
                    self.fill(1)?;
                    let avail = self.pending();
                    if avail.is_empty() {
                        return Ok(0);
                    }
                    let ascii = avail
                        .iter()
                        .position(|b| !b.is_ascii())
                        .unwrap_or(avail.len());
                    if ascii > 0 {
                        return Ok(self.copy_raw(buf, ascii));
                    }
                    self.fill(WINDOW)?;
                    let window = self.pending();
                    let window = window.get(..WINDOW).unwrap_or(window);
                    if looks_like_utf8(window) {
                        self.mode = Mode::Utf8;
                    } else {
                        self.decoder = Some(Box::new(SHIFT_JIS.new_decoder_without_bom_handling()));
                        self.mode = Mode::Decode;
                    }
                }
                Mode::Utf8 => {
                    if self.pos < self.end {
                        return Ok(self.copy_raw(buf, usize::MAX));
                    }
                    if self.eof {
                        return Ok(0);
                    }
                    match self.inner.read(buf) {
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        result => return result,
                    }
                }
                Mode::Decode => {
                    if self.out_pos < self.out_len {
                        let ready = self.out.get(self.out_pos..self.out_len).unwrap_or_default();
                        let n = ready.len().min(buf.len());
                        if let (Some(dst), Some(src)) = (buf.get_mut(..n), ready.get(..n)) {
                            dst.copy_from_slice(src);
                        }
                        self.out_pos += n;
                        return Ok(n);
                    }
                    if self.flushed {
                        return Ok(0);
                    }
                    self.decode_more()?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out `step` bytes at a time, to split characters across reads.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            let (head, rest) = self.data.split_at(n);
            out[..n].copy_from_slice(head);
            self.data = rest;
            Ok(n)
        }
    }

    fn decode_all(data: &[u8], step: usize, read_size: usize) -> (String, Option<&'static str>) {
        let mut t = Transcoder::new(Trickle { data, step });
        let mut text = Vec::new();
        let mut buf = vec![0; read_size];
        loop {
            let n = t.read(&mut buf).expect("reading from memory");
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
        }
        (
            String::from_utf8(text).expect("output is UTF-8"),
            t.encoding().map(|e| e.name()),
        )
    }

    #[test]
    fn shift_jis_split_anywhere_decodes_whole() {
        let original = format!("{}\n岐阜県,ｶﾀｶﾅ,①\n", "a,".repeat(5000));
        let (sjis, _, bad) = SHIFT_JIS.encode(&original);
        assert!(!bad);
        for step in [1, 2, 3, 7, 4096] {
            for read_size in [1, 3, 8192] {
                let (text, enc) = decode_all(&sjis, step, read_size);
                assert_eq!(text, original, "step {step}, read size {read_size}");
                assert_eq!(enc, Some("Shift_JIS"));
            }
        }
    }

    #[test]
    fn encoding_is_judged_by_most_characters() {
        let sjis = SHIFT_JIS.encode("岐阜県,（調査中）,ｶﾀｶﾅ,10代,男性").0;
        assert!(!looks_like_utf8(&sjis));
        assert!(looks_like_utf8("岐阜県,（調査中）".as_bytes()));
        let mut damaged = "岐阜県,岐阜市,10代,".as_bytes().to_vec();
        damaged.extend_from_slice(b"\xff\xfe,");
        assert!(looks_like_utf8(&damaged));
        assert!(looks_like_utf8(&"岐".as_bytes()[..2]));
    }

    #[test]
    fn utf8_passes_through_and_boms_are_dropped() {
        assert_eq!(
            decode_all("No,名前\n".as_bytes(), 1, 2),
            ("No,名前\n".into(), Some("UTF-8"))
        );
        assert_eq!(
            decode_all(b"\xEF\xBB\xBFa,b\n", 1, 2),
            ("a,b\n".into(), Some("UTF-8"))
        );
        assert_eq!(decode_all(b"a,b\n", 5, 64), ("a,b\n".into(), None));
        assert_eq!(decode_all(b"", 5, 64), (String::new(), None));
        let mut le = vec![0xFF, 0xFE];
        for unit in "名前,a\n".encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode_all(&le, 3, 5), ("名前,a\n".into(), Some("UTF-16LE")));
    }
}
