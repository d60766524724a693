//! Reading only some fields of a JSON record: the cross-record first pass needs a handful of
//! fields (keys, dates, the id) of every record, and building the whole record for them would
//! cost as much as the check itself. Everything else is skipped by the parser without being
//! built.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::path::{FieldPath, Seg, unescape_token};
use crate::text::key_position;

/// The fields to keep, as a tree of keys.
#[derive(Debug, Default)]
pub struct Wanted {
    /// The wanted keys in [`crate::text::length_first`] order: most keys of a record are not
    /// wanted, and a look-up compares bytes only with wanted keys of the same length.
    children: Vec<(Box<str>, Wanted)>,
    /// What is wanted of each element, for an array a path goes through with `*` (HER-SYS
    /// records keep most of their bulk in arrays of tests, stays and observations, of which a
    /// rule reads a date or two).
    items: Option<Box<Wanted>>,
    /// Keep this value whole (a path ends here).
    whole: bool,
}

impl Wanted {
    /// The tree of the given paths.
    pub(crate) fn of<'p>(paths: impl IntoIterator<Item = &'p FieldPath>) -> Wanted {
        let mut root = Wanted::default();
        for path in paths {
            let mut node = &mut root;
            for seg in path.segs.iter() {
                match seg {
                    Seg::Key(key) => node = node.child_mut(key),
                    Seg::Any => node = node.items.get_or_insert_default(),
                }
            }
            node.whole = true;
        }
        root
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
    fn child(&self, key: &str) -> Option<(&str, &Wanted)> {
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

    /// Parses `text` keeping only the wanted fields (the rest must still be valid JSON).
    pub(crate) fn parse(&self, text: &str) -> Result<Value, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Keep(self).deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }
}

/// The fields a read keeps, as a cursor that a host walks alongside its own objects while it
/// builds a record from them, keeping what [`Wanted::parse`] would keep of the same record as
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

/// Deserialises one value, keeping the wanted part.
struct Keep<'w>(&'w Wanted);

impl<'de> DeserializeSeed<'de> for Keep<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        if self.0.whole {
            return serde::Deserialize::deserialize(deserializer);
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keep<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept = Map::new();
        while let Some(wanted) = map.next_key_seed(Key(self.0))? {
            match wanted {
                Some((key, child)) => {
                    let value = map.next_value_seed(Keep(child))?;
                    kept.insert(key.to_owned(), value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(kept))
    }

    // Every element is kept, so that indices stay those of the record, each with only what is
    // wanted of it. An array no path goes through, and scalars where an object was wanted, are
    // not what any path reads: both stand in as `null`.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let Some(items) = self.0.items.as_deref() else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Value::Null);
        };
        let mut kept = Vec::new();
        while let Some(element) = seq.next_element_seed(Keep(items))? {
            kept.push(element);
        }
        Ok(Value::Array(kept))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_str<E>(self, _: &str) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// Reads an object key and says whether (and as what) it is wanted, without allocating for the
/// keys that are not.
struct Key<'w>(&'w Wanted);

impl<'de, 'w> DeserializeSeed<'de> for Key<'w> {
    type Value = Option<(&'w str, &'w Wanted)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'w> Visitor<'de> for Key<'w> {
    type Value = Option<(&'w str, &'w Wanted)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.child(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
