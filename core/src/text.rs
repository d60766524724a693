//! Small text helpers on the hot path of `check`.

/// `str::trim`, answering at once for the usual value that neither starts nor ends with white
/// space. Rules trim every value they compare, date or code; `str::trim` goes through the
/// generic pattern machinery even when there is nothing to cut (a tenth of `check`'s time).
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    if starts_unspaced(text) && ends_unspaced(text) {
        return text;
    }
    let kept = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
    if kept(text.chars().next()) && kept(text.chars().next_back()) {
        text
    } else {
        text.trim()
    }
}

/// Whether a text is empty or all white space ("not entered"), answered from its first
/// character for nearly every text.
#[inline]
pub(crate) fn is_blank(text: &str) -> bool {
    !starts_unspaced(text) && text.chars().all(char::is_whitespace)
}

/// Printable ASCII: never white space.
const fn printable(byte: u8) -> bool {
    matches!(byte, b'!'..=b'~')
}

/// Whether the text's first character is there and is not white space, told from its bytes
/// without decoding it for the usual cases: printable ASCII, and the characters from U+3001 on
/// (Japanese text: a first byte of 0xE3 followed by anything but 0x80, or 0xE4 and above).
/// `false` also means "not known". Past ASCII, white space is U+0085, U+00A0, U+1680,
/// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.
#[inline]
fn starts_unspaced(text: &str) -> bool {
    match *text.as_bytes() {
        [first, ..] if printable(first) || first >= 0xE4 => true,
        [0xE3, second, ..] => second != 0x80,
        _ => false,
    }
}

/// [`starts_unspaced`] for the last character.
#[inline]
fn ends_unspaced(text: &str) -> bool {
    match *text.as_bytes() {
        [.., last] if printable(last) => true,
        // The last character is three bytes long exactly when a three-byte lead byte starts the
        // last three (the text is valid UTF-8); a four-byte character is never white space.
        [.., 0xE4..=0xEF, _, _] | [.., 0xF0..=0xF4, _, _, _] => true,
        [.., 0xE3, second, _] => second != 0x80,
        _ => false,
    }
}

/// `a.cmp(b)` for short texts such as a record's keys, eight bytes at a time in registers: the
/// walks that pair a record's keys with the schema's compare every key, and a call to `memcmp`
/// for each cost more than the comparison itself.
#[inline]
pub(crate) fn cmp_short(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while let (Some(x), Some(y)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        if x != y {
            return u64::from_be_bytes(*x).cmp(&u64::from_be_bytes(*y));
        }
        (a, b) = (&a[8..], &b[8..]);
    }
    // One side has fewer than eight bytes left. Padded with zeros, the first eight bytes order
    // the two wherever they differ; where they do not, the shorter side is a prefix of the
    // other.
    let padded = |bytes: &[u8]| {
        (bytes.iter().take(8).enumerate())
            .fold(0u64, |word, (i, &b)| word | u64::from(b) << (56 - 8 * i))
    };
    padded(a).cmp(&padded(b)).then(a.len().cmp(&b.len()))
}

/// A small set of characters, asked once per character of a value: the characters a pattern
/// check ignores (a phone number's hyphens and spaces, a dozen of them). ASCII members are bits
/// of a mask, so a value in ASCII is judged without scanning the list.
#[derive(Debug, Clone, Default)]
pub(crate) struct CharSet {
    ascii: u128,
    other: Box<[char]>,
}

impl CharSet {
    pub(crate) fn new(chars: &str) -> Self {
        let (ascii, other): (Vec<char>, Vec<char>) = chars.chars().partition(char::is_ascii);
        CharSet {
            ascii: ascii.iter().fold(0, |mask, &c| mask | 1 << (c as u32)),
            other: other.into(),
        }
    }

    #[inline]
    pub(crate) fn contains(&self, c: char) -> bool {
        match u32::from(c) {
            code @ 0..128 => self.ascii & 1 << code != 0,
            _ => self.other.contains(&c),
        }
    }

    /// `text` without the set's characters (borrowed when it has none of them).
    pub(crate) fn remove_from<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        if !text.contains(|c| self.contains(c)) {
            return text.into();
        }
        // A run at a time between the removed characters, not a character at a time.
        let mut kept = String::with_capacity(text.len());
        text.split(|c| self.contains(c))
            .for_each(|run| kept.push_str(run));
        kept.into()
    }
}

/// Orders keys by length, then bytes: a binary search over keys in this order compares bytes only
/// between keys of the same length (the schema's and the parser's key look-ups).
pub(crate) fn length_first(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Where `key` is among `entries` kept in [`length_first`] order (`Err`: where it would go).
pub(crate) fn key_position<T>(entries: &[(Box<str>, T)], key: &str) -> Result<usize, usize> {
    entries.binary_search_by(|(k, _)| length_first(k, key))
}

#[cfg(test)]
mod tests {
    use super::{CharSet, cmp_short, is_blank, trim};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn short_texts_compare_as_str_cmp(
            a in "[a\\x00\\x01é_]{0,20}",
            b in "[a\\x00\\x01é_]{0,20}",
        ) {
            prop_assert_eq!(cmp_short(&a, &b), a.cmp(&b));
            prop_assert_eq!(cmp_short(&a, &a), std::cmp::Ordering::Equal);
            let longer = format!("{a}{b}");
            prop_assert_eq!(cmp_short(&a, &longer), a.as_str().cmp(longer.as_str()));
        }

        /// ASCII and wider characters, in the set and not: removed exactly as a filter of
        /// every character would remove them.
        #[test]
        fn a_char_set_removes_what_a_filter_removes(
            set in "[-\\x00\\x7f ー　a]{0,5}",
            text in "[-\\x00\\x7f ー　a0９]{0,20}",
        ) {
            let chars = CharSet::new(&set);
            let filtered: String = text.chars().filter(|c| !set.contains(*c)).collect();
            prop_assert_eq!(chars.remove_from(&text), filtered);
            for c in text.chars() {
                prop_assert_eq!(chars.contains(c), set.contains(c));
            }
        }

        /// Texts that start or end with each kind of character the fast paths tell apart:
        /// ASCII, white space past ASCII (two and three bytes), Japanese text on either side of
        /// U+3000, and four-byte characters.
        #[test]
        fn trims_and_finds_blanks_as_str_trim(
            text in "[ a~\t\u{85}\u{a0}\u{3000}\u{3001}\u{2029}\u{205f}\u{1680}ア東𠀋é]{0,6}",
        ) {
            prop_assert_eq!(trim(&text), text.trim());
            prop_assert_eq!(is_blank(&text), text.trim().is_empty());
        }
    }

    #[test]
    fn trims_exactly_as_str_trim() {
        for text in [
            "",
            " ",
            "a",
            " a",
            "a ",
            " a ",
            "\u{3000}東京都\u{3000}",
            "東京都",
            "東京都\u{3000}",
            "\u{a0}x",
            "x\u{2029}",
            "\t2024-01-02\n",
            "2024-01-02",
            "é",
            " é ",
            "a\u{85}",
            "\u{1680}x",
            "~!",
            "\u{7f}",
            "x\r",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }
}
