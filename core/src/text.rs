//! Small text helpers on the hot path of `check`.

/// `str::trim`, answering at once for the usual value that neither starts nor ends with white
/// space. Rules trim every value they compare, date or code; `str::trim` goes through the
/// generic pattern machinery even when there is nothing to cut (a tenth of `check`'s time).
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    // Printable ASCII is never white space; only other bytes need a character decoded.
    let printable = |b: &u8| (b'!'..=b'~').contains(b);
    let bytes = text.as_bytes();
    if bytes.first().is_some_and(printable) && bytes.last().is_some_and(printable) {
        return text;
    }
    let kept = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
    if kept(text.chars().next()) && kept(text.chars().next_back()) {
        text
    } else {
        text.trim()
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
    use super::trim;

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
