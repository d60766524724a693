//! Parsing one record's bytes, shared by the JSON Lines and JSON array readers, so that both say
//! the same thing, in the same words, about the same mistake.

use serde_json::Value;

use super::{InputRecord, Item, Unreadable};

/// Parses `bytes` as one JSON object that starts at physical `line`, byte column `column`
/// (1-based). Error positions are translated back to the file's lines and columns.
pub(crate) fn parse_object(bytes: &[u8], line: u64, column: u64) -> Item {
    parse_object_with(bytes, line, column, |text| serde_json::from_str(text))
}

/// [`parse_object`] with another parser of the text (one that builds only some fields).
pub(crate) fn parse_object_with(
    bytes: &[u8],
    line: u64,
    column: u64,
    parse: impl FnOnce(&str) -> serde_json::Result<Value>,
) -> Item {
    // Validating UTF-8 up front gives a clearer message than serde_json's, and `from_str` then
    // skips its own check, so this costs nothing overall.
    let text = match super::utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let message = format!("invalid UTF-8 {}", position(at, line, column));
            return Err(Unreadable { line, message });
        }
    };
    match parse(text) {
        Ok(value @ Value::Object(_)) => Ok(InputRecord { line, value }),
        Ok(other) => Err(Unreadable {
            line,
            message: format!("record is not a JSON object (found {})", kind(&other)),
        }),
        Err(e) => Err(Unreadable {
            line,
            message: describe(&e, line, column),
        }),
    }
}

/// serde_json's message without its own "at line L column C" (which counts from the record, not
/// the file), prefixed with the position in the file.
fn describe(e: &serde_json::Error, line: u64, column: u64) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let bare = full.strip_suffix(&suffix).unwrap_or(&full);
    let bare = if bare == "recursion limit exceeded" {
        "nested more than 128 levels deep"
    } else {
        bare
    };
    if e.line() == 0 {
        return format!("invalid JSON: {bare}");
    }
    let err_line = line.saturating_add((e.line() as u64).saturating_sub(1));
    let err_column = if e.line() == 1 {
        column.saturating_add(e.column() as u64).saturating_sub(1)
    } else {
        e.column() as u64
    };
    if err_line == line {
        format!("invalid JSON at column {err_column}: {bare}")
    } else {
        format!("invalid JSON at line {err_line} column {err_column}: {bare}")
    }
}

/// "at column C" or "at line L column C" for the byte just after `before`.
fn position(before: &[u8], line: u64, column: u64) -> String {
    let newlines = before.iter().filter(|&&b| b == b'\n').count() as u64;
    match before.iter().rposition(|&b| b == b'\n') {
        None => format!("at column {}", column.saturating_add(before.len() as u64)),
        Some(nl) => format!(
            "at line {} column {}",
            line.saturating_add(newlines),
            before.len() - nl
        ),
    }
}

/// The JSON type of a value, with its article, for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(bytes: &[u8], line: u64, column: u64) -> String {
        match parse_object(bytes, line, column) {
            Ok(r) => panic!("expected an error, got {r:?}"),
            Err(u) => u.message,
        }
    }

    #[test]
    fn positions_are_in_file_coordinates() {
        assert_eq!(
            message(br#"{"a": 1 "b": 2}"#, 7, 1),
            "invalid JSON at column 9: expected `,` or `}`"
        );
        assert_eq!(
            message(br#"{"a": 1 "b": 2}"#, 7, 5),
            "invalid JSON at column 13: expected `,` or `}`"
        );
        assert_eq!(
            message(b"{\n  \"a\": 1\n  \"b\": 2}", 3, 5),
            "invalid JSON at line 5 column 3: expected `,` or `}`"
        );
        assert_eq!(
            message(b"{\"a\": \"\xff\"}", 2, 1),
            "invalid UTF-8 at column 8"
        );
        assert_eq!(
            message(b"{\n\"a\": \"\xff\"}", 2, 1),
            "invalid UTF-8 at line 3 column 7"
        );
        assert_eq!(
            message(b"[1]", 1, 1),
            "record is not a JSON object (found an array)"
        );
        assert_eq!(
            message(b"null", 1, 1),
            "record is not a JSON object (found null)"
        );
    }

    #[test]
    fn deep_nesting_is_named() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(message(deep.as_bytes(), 1, 1).ends_with("nested more than 128 levels deep"));
    }
}
