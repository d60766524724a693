//! Reading only some fields of a JSON record: the cross-record first pass needs a handful of
//! fields (keys, dates, the id) of every record, and building the whole record for them would
//! cost as much as the check itself. Everything else is skipped without being built
//! ([`crate::skim`]).

use serde_json::Value;

use crate::path::{FieldPath, Seg, unescape_token};
use crate::text::key_position;

/// The fields to keep, as a tree of keys.
#[derive(Debug, Default, Clone)]
pub struct Wanted {
    /// The wanted keys in [`crate::text::length_first`] order: most keys of a record are not
    /// wanted, and a look-up compares bytes only with wanted keys of the same length.
    pub(crate) children: Vec<(Box<str>, Wanted)>,
    /// What is wanted of each element, for an array a path goes through with `*` (HER-SYS
    /// records keep most of their bulk in arrays of tests, stays and observations, of which a
    /// rule reads a date or two).
    pub(crate) items: Option<Box<Wanted>>,
    /// Keep this value whole (a path ends here).
    pub(crate) whole: bool,
}

impl Wanted {
    /// The tree of the given paths.
    pub(crate) fn of<'p>(paths: impl IntoIterator<Item = &'p FieldPath>) -> Wanted {
        let mut root = Wanted::default();
        root.add(paths);
        root
    }

    /// Keeps the given paths too.
    pub(crate) fn add<'p>(&mut self, paths: impl IntoIterator<Item = &'p FieldPath>) {
        for path in paths {
            let mut node = &mut *self;
            for seg in path.segs.iter() {
                match seg {
                    Seg::Key(key) => node = node.child_mut(key),
                    Seg::Any => node = node.items.get_or_insert_default(),
                }
            }
            node.whole = true;
        }
    }

    /// Whether the value at a JSON Pointer is kept, whole or in part.
    pub(crate) fn wants_pointer(&self, pointer: &str) -> bool {
        self.wants_tokens(pointer, |token| token.bytes().all(|b| b.is_ascii_digit()))
    }

    /// Whether the values at a path pattern of the record schema (`/tests/*/method`) are kept,
    /// whole or in part.
    pub(crate) fn wants_pattern(&self, pattern: &str) -> bool {
        self.wants_tokens(pattern, |token| token == "*")
    }

    fn wants_tokens(&self, pointer: &str, is_element: impl Fn(&str) -> bool) -> bool {
        let mut node = self;
        for token in pointer.split('/').skip(1) {
            if node.whole {
                return true;
            }
            let token = unescape_token(token);
            match (node.child(&token), &node.items) {
                (Some((_, child)), _) => node = child,
                (None, Some(items)) if is_element(&token) => node = items,
                _ => return false,
            }
        }
        true
    }

    /// The wanted key `key`, with what is wanted under it.
    pub(crate) fn child(&self, key: &str) -> Option<(&str, &Wanted)> {
        let i = key_position(&self.children, key).ok()?;
        let (key, child) = &self.children[i];
        Some((key, child))
    }

    fn child_mut(&mut self, key: &str) -> &mut Wanted {
        let i = match key_position(&self.children, key) {
            Ok(i) => i,
            Err(i) => {
                self.children.insert(i, (key.into(), Wanted::default()));
                i
            }
        };
        &mut self.children[i].1
    }

    /// Parses `text` keeping only the wanted fields (the rest must still be valid JSON). An
    /// object keeps its wanted members; an array every element, so that indices stay those of
    /// the record, each with what is wanted of it; an array no path goes through, and a scalar
    /// where fields are wanted, are not what any path reads: both stand in as `null`.
    pub(crate) fn parse(&self, text: &str) -> Result<Value, serde_json::Error> {
        match crate::skim::read(text, self) {
            Some(value) => Ok(value),
            // Not JSON: serde_json says what is wrong, and where.
            None => serde_json::from_str(text),
        }
    }
}

/// The fields a read keeps, as a cursor that a host walks alongside its own objects while it
/// builds a record from them, keeping what `Wanted::parse` would keep of the same record as
/// JSON (see [`Plan::fields`](crate::Plan::fields)).
#[derive(Debug, Clone, Copy)]
pub enum Fields<'a> {
    /// This value whole.
    Whole,
    /// Some fields of this object, or of each element of this array.
    Some(&'a Wanted),
}

impl<'a> Fields<'a> {
    pub(crate) fn of(wanted: &'a Wanted) -> Self {
        if wanted.whole {
            Fields::Whole
        } else {
            Fields::Some(wanted)
        }
    }

    /// Whether the value at a JSON Pointer (`/tests/0/method`) is kept, whole or in part: a
    /// reader that maps columns to pointers builds only the columns kept.
    pub fn wants_pointer(self, pointer: &str) -> bool {
        match self {
            Fields::Whole => true,
            Fields::Some(wanted) => wanted.wants_pointer(pointer),
        }
    }

    /// What is kept of the member `key` of an object here; `None`: nothing (leave it out).
    pub fn member(self, key: &str) -> Option<Fields<'a>> {
        match self {
            Fields::Whole => Some(Fields::Whole),
            Fields::Some(wanted) => wanted.child(key).map(|(_, child)| Fields::of(child)),
        }
    }

    /// What is kept of each element of an array here; `None`: nothing, and the array stands in
    /// as `null`. Every element of an array that is kept is kept, so that indices stay those of
    /// the record.
    pub fn elements(self) -> Option<Fields<'a>> {
        match self {
            Fields::Whole => Some(Fields::Whole),
            Fields::Some(wanted) => wanted.items.as_deref().map(Fields::of),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn wanted(paths: &[&str]) -> Wanted {
        let paths: Vec<FieldPath> = paths.iter().map(|p| FieldPath::parse(p).unwrap()).collect();
        Wanted::of(&paths)
    }

    #[test]
    fn keeps_only_the_wanted_fields() {
        let w = wanted(&["/id", "/a/b", "/a/list", "/k/deeper", "/k"]);
        let text = r#"{"id":"x","skip":{"deep":[1,2,{"k":"v"}]},"a":{"b":[1],"c":2,"list":[{"q":1}]},"k":{"deeper":1,"other":2},"z":"\u00e9"}"#;
        let value = w.parse(text).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"id": "x", "a": {"b": [1], "list": [{"q": 1}]}, "k": {"deeper": 1, "other": 2}})
        );
    }

    #[test]
    fn arrays_keep_every_element_with_its_wanted_part() {
        let w = wanted(&["/a/*/b", "/a/*/c/*", "/whole", "/whole/*/x"]);
        let text = r#"{"a":[{"b":1,"z":2},"text",{"c":[1,{"d":2}],"z":[3]},[4]],"whole":[{"x":1,"y":2}],"skip":[1,2]}"#;
        let expected = serde_json::json!({
            "a": [{"b": 1}, null, {"c": [1, {"d": 2}]}, null],
            "whole": [{"x": 1, "y": 2}],
        });
        assert_eq!(w.parse(text).unwrap(), expected);
        assert!(w.wants_pointer("/a/3/b"));
        assert!(w.wants_pointer("/a/0/c/2"));
        assert!(!w.wants_pointer("/a/0/z"));
        assert!(!w.wants_pointer("/a/b"));
        assert!(w.wants_pointer("/whole/0/y"));
    }

    /// What a host building records from its own objects keeps, walking [`Fields`].
    fn walk(value: &Value, fields: Fields<'_>) -> Value {
        match (fields, value) {
            (Fields::Whole, _) => value.clone(),
            (Fields::Some(_), Value::Object(map)) => Value::Object(
                map.iter()
                    .filter_map(|(k, v)| fields.member(k).map(|f| (k.clone(), walk(v, f))))
                    .collect(),
            ),
            (Fields::Some(_), Value::Array(items)) => match fields.elements() {
                Some(each) => Value::Array(items.iter().map(|v| walk(v, each)).collect()),
                None => Value::Null,
            },
            (Fields::Some(_), _) => Value::Null,
        }
    }

    #[test]
    fn walking_the_fields_keeps_what_parsing_keeps() {
        let text = r#"{"id":"x","skip":{"deep":[1,2,{"k":"v"}]},"a":[{"b":1,"z":2},"text",{"c":[1,{"d":2}],"z":[3]},[4]],"k":{"deeper":1,"other":2},"whole":[{"x":1,"y":2}],"n":[1,2]}"#;
        let record: Value = serde_json::from_str(text).unwrap();
        for paths in [
            &["/id", "/k/deeper", "/k"][..],
            &["/a/*/b", "/a/*/c/*", "/whole", "/whole/*/x"],
            &["/n/x", "/skip/deep/*/k"],
            &[],
        ] {
            let w = wanted(paths);
            assert_eq!(
                walk(&record, Fields::of(&w)),
                w.parse(text).unwrap(),
                "{paths:?}"
            );
        }
        assert_eq!(walk(&record, Fields::Whole), record);
    }

    #[test]
    fn unexpected_shapes_read_as_null_and_bad_json_fails() {
        let w = wanted(&["/a/b"]);
        assert_eq!(
            w.parse(r#"{"a":"text"}"#).unwrap(),
            serde_json::json!({"a": null})
        );
        assert_eq!(w.parse("[1,2]").unwrap(), Value::Null);
        assert!(w.parse(r#"{"a":{"b":1},"x":[1,}"#).is_err());
        assert!(w.parse(r#"{"a":{"b":1}} trailing"#).is_err());
    }

    /// Whether serde_json's own skipping accepts `text` as JSON.
    fn serde_accepts(text: &str) -> bool {
        serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    }

    #[test]
    fn the_skim_accepts_exactly_what_serde_accepts() {
        let w = wanted(&["/id", "/a/*/b"]);
        let deep = format!(r#"{{"x":{}{}}}"#, "[".repeat(5000), "]".repeat(5000));
        let cases = [
            r#"{"id":"x"}"#,
            r#"  {"id" : "x" , "n" : [ ] , "o" : { } }  "#,
            r#"{"n":[0,-0,1.5,-2e10,3E+2,4e-1,123456789012345678901234567890]}"#,
            r#"{"n":01}"#,
            r#"{"n":-}"#,
            r#"{"n":1.}"#,
            r#"{"n":.5}"#,
            r#"{"n":1e}"#,
            r#"{"n":1e+}"#,
            r#"{"n":+1}"#,
            r#"{"n":1x}"#,
            r#"{"t":[true,false,null]}"#,
            r#"{"t":tru}"#,
            r#"{"t":nul}"#,
            r#"{"t":truex}"#,
            "{\"s\":\"a\u{1}b\"}",
            "{\"s\":\"tab\tinside\"}",
            r#"{"s":"\u00e9\n\"\\\/\b\f\r\t"}"#,
            r#"{"s":"\ud800"}"#,
            r#"{"s":"\u12G4"}"#,
            r#"{"s":"\q"}"#,
            r#"{"s":"unterminated}"#,
            r#"{"s":"ends in a backslash\"#,
            r#"{"a":[1,]}"#,
            r#"{"a":[,1]}"#,
            r#"{"a":1,}"#,
            r#"{,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1}}"#,
            r#"{"a":1} x"#,
            r#"{1:2}"#,
            r#"{"a":[{"b":1},{"b":[1,{"c":"]"}]}]}"#,
            "",
            "   ",
            "[1,2]",
            "\"text\"",
            &deep,
        ];
        for text in cases {
            assert_eq!(
                crate::skim::read(text, &w).is_some(),
                serde_accepts(text),
                "{text}"
            );
        }
    }

    #[test]
    fn escaped_keys_are_matched_unescaped() {
        let w = wanted(&["/id"]);
        assert_eq!(
            w.parse(r#"{"\u0069d":"x","i\"d":1}"#).unwrap(),
            serde_json::json!({"id": "x"})
        );
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-c\"\\\\\u{1}\t é日]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec(("[a-e]|i\"d|é", inner), 0..5)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// On any JSON, and on JSON with one byte changed, the skim accepts what serde accepts
        /// and keeps what a whole parse, pruned by the wanted fields, would keep.
        #[test]
        fn the_skim_keeps_what_a_pruned_whole_parse_keeps(
            value in json(),
            pretty in any::<bool>(),
            change in proptest::option::of((any::<prop::sample::Index>(), prop::sample::select(
                vec!["", "\"", "\\", ",", ":", "{", "}", "[", "]", "0", "-", ".", "e", " ", "x", "\u{1}"],
            ))),
        ) {
            let mut text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            if let Some((at, byte)) = change {
                let at = at.index(text.len() + 1);
                let end = (at + 1).min(text.len());
                if text.is_char_boundary(at) && text.is_char_boundary(end) {
                    text.replace_range(at..end, byte);
                }
            }
            for paths in [&["/a", "/b/c"][..], &["/c/*/a", "/d/*/e/*", "/i\"d"], &["/a/*"], &[]] {
                let w = wanted(paths);
                let skimmed = crate::skim::read(&text, &w);
                let whole = serde_json::from_str::<Value>(&text);
                // Skipped values are only checked to be JSON (`1e999` is); kept values must
                // also parse (`1e999` does not), so the skim accepts between the two.
                prop_assert!(skimmed.is_none() || serde_accepts(&text), "{}", text);
                prop_assert!(whole.is_err() || skimmed.is_some(), "{}", text);
                if let (Some(kept), Ok(whole)) = (skimmed, whole) {
                    prop_assert_eq!(kept, walk(&whole, Fields::of(&w)), "{} {:?}", text, paths);
                }
            }
        }
    }
}
