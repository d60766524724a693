//! The record's JSON Schema as kakunin uses it: which paths exist, their labels, their formats and
//! which of them hold personal values.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::path::{escape_token, unescape_token};

/// What the record schema says about one field (a path pattern with `*` for array items).
#[derive(Debug, Clone, Default)]
pub struct FieldInfo {
    /// Japanese label (`title`).
    pub label_ja: String,
    /// English label (`x-title-en`).
    pub label_en: String,
    /// `format`: `date`, `date-time`, or another.
    pub format: Option<String>,
    /// `x-sensitive`: a personal value that never leaves kakunin unless revealed.
    pub sensitive: bool,
    /// JSON types the schema allows (`string`, `number`, …), without `null`.
    pub types: Vec<String>,
    /// The same as bits (see [`type_bit`]), so a type test costs no string compare.
    pub(crate) type_mask: u8,
}

/// The bit of a JSON Schema type name in [`FieldInfo`]'s mask (0 for `null` and unknown names).
pub(crate) fn type_bit(name: &str) -> u8 {
    match name {
        "string" => 1,
        "number" => 2,
        "integer" => 4,
        "boolean" => 8,
        "array" => 16,
        "object" => 32,
        _ => 0,
    }
}

/// Every path of the record schema.
#[derive(Debug, Clone, Default)]
pub struct RecordSchema {
    /// The fields as a tree (node 0 is the record), walked beside a record without building any
    /// path string.
    nodes: Vec<Node>,
    /// Pattern → node, for look-ups by path (the record itself is `""`).
    node_index: BTreeMap<String, usize>,
}

/// A field of the schema tree: its info, its properties and its array items.
#[derive(Debug, Clone, Default)]
pub(crate) struct Node {
    pub(crate) info: FieldInfo,
    /// The node's path pattern (`/tests/*/method`).
    pub(crate) pattern: Box<str>,
    /// (JSON key, node) of each property, in key order.
    pub(crate) children: Vec<(Box<str>, usize)>,
    /// The same, by key: every key of every record is looked up here, and a hash costs less
    /// than the string compares of a search.
    by_key: FxHashMap<Box<str>, usize>,
    /// The node of the items, for an array.
    pub(crate) items: Option<usize>,
    /// Formatted as a date or date-time: its values are read as days once per record.
    pub(crate) dated: bool,
    /// The field is personal or has a personal field inside it (see [`RecordSchema::holds_personal`]).
    holds_personal: bool,
}

impl RecordSchema {
    /// Reads a JSON Schema document (objects through `properties`, arrays through `items`,
    /// local `$ref`s to `#/$defs/...`).
    pub fn from_json(doc: &Value) -> Result<Self, String> {
        let mut schema = RecordSchema::default();
        let mut fields = BTreeMap::new();
        walk(doc, doc, "", &FieldInfo::default(), &mut fields, 0)?;
        let root = FieldInfo {
            types: vec!["object".into()],
            type_mask: type_bit("object"),
            ..FieldInfo::default()
        };
        schema.nodes.push(Node {
            info: root,
            ..Node::default()
        });
        schema.node_index.insert(String::new(), 0);
        // Sorted order puts every parent before its children.
        for (pattern, info) in fields {
            let Some((parent, key)) = pattern.rsplit_once('/') else {
                continue;
            };
            let Some(&parent) = schema.node_index.get(parent) else {
                continue;
            };
            let index = schema.nodes.len();
            schema.nodes.push(Node {
                info,
                pattern: pattern.as_str().into(),
                ..Node::default()
            });
            let is_items = key == "*";
            let key = unescape_token(key).into_owned();
            schema.node_index.insert(pattern, index);
            if is_items {
                schema.nodes[parent].items = Some(index);
            } else {
                schema.nodes[parent].children.push((key.into(), index));
            }
        }
        for node in &mut schema.nodes {
            node.children.sort();
            node.by_key = node.children.iter().cloned().collect();
            node.dated = matches!(node.info.format.as_deref(), Some("date" | "date-time"));
        }
        // Children come after their parent: from the last node back, each is settled before
        // its parent looks at it.
        for index in (0..schema.nodes.len()).rev() {
            let node = &schema.nodes[index];
            let mut inner = node.children.iter().map(|(_, c)| *c).chain(node.items);
            let holds = node.info.sensitive || inner.any(|c| schema.nodes[c].holds_personal);
            schema.nodes[index].holds_personal = holds;
        }
        Ok(schema)
    }

    /// The path pattern of a node.
    pub(crate) fn pattern(&self, node: usize) -> &str {
        &self.nodes[node].pattern
    }

    /// How many nodes the tree has.
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The node of property `key` of `node`.
    pub(crate) fn child(&self, node: usize, key: &str) -> Option<usize> {
        self.nodes[node].by_key.get(key).copied()
    }

    /// Sets a path's node; `false` when the schema does not have the path.
    pub(crate) fn resolve(&self, path: &mut crate::path::FieldPath) -> bool {
        match self.node_of(&path.text) {
            Some(node) => {
                path.node = node as u32;
                true
            }
            None => false,
        }
    }

    /// The field at a pattern (`/tests/*/method`).
    pub fn field(&self, pattern: &str) -> Option<&FieldInfo> {
        self.node_of(pattern)
            .filter(|&i| i != 0)
            .map(|i| &self.nodes[i].info)
    }

    /// The tree node of a pattern (`""` is the record itself, node 0).
    pub(crate) fn node_of(&self, pattern: &str) -> Option<usize> {
        self.node_index.get(pattern).copied()
    }

    /// A node of the tree.
    pub(crate) fn node(&self, index: usize) -> &Node {
        &self.nodes[index]
    }

    /// Every path pattern, sorted.
    pub fn paths(&self) -> impl Iterator<Item = (&str, &FieldInfo)> {
        self.node_index
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, &i)| (k.as_str(), &self.nodes[i].info))
    }

    /// Patterns whose `format` is the given one (`date`, `date-time`).
    pub fn with_format<'a>(&'a self, format: &'a str) -> impl Iterator<Item = &'a str> {
        self.paths()
            .filter(move |(_, f)| f.format.as_deref() == Some(format))
            .map(|(p, _)| p)
    }

    /// Why a pack is refused a path the schema does not have (`/notification/patient/brith_date`),
    /// with the paths the author most likely meant where packs are read as written (the `toml`
    /// feature: a build that only loads the bundled packs carries no suggestions).
    pub(crate) fn not_a_field(&self, path: &str) -> String {
        format!(
            "`{path}` is not a field of the record schema{}",
            self.did_you_mean(path)
        )
    }

    /// " — did you mean `a`?" (or "`a`, `b` or `c`") for the paths [`RecordSchema::meant`] gives,
    /// or nothing.
    pub(crate) fn did_you_mean(&self, path: &str) -> String {
        #[cfg(feature = "toml")]
        if let Some((last, first)) = self.meant(path).split_last() {
            let quoted = |p: &&str| format!("`{p}`");
            return match first {
                [] => format!(" — did you mean `{last}`?"),
                _ => format!(
                    " — did you mean {} or `{last}`?",
                    first.iter().map(quoted).collect::<Vec<_>>().join(", ")
                ),
            };
        }
        let _ = path;
        String::new()
    }

    /// The paths of the schema that a path it does not have most likely meant, at most three.
    ///
    /// The path mended key by key down the schema's tree: a misspelt key becomes the closest of
    /// its object's keys (as a misspelt TOML key does), an index or other element marker of an
    /// array (`0`, `[]`) becomes `*`, a `*` left out is put back and one where there is no
    /// array is dropped. A dotted path (`notification.patient.birth_date`, as CSV headers write
    /// them) is read as its keys. Where mending changes the field's own (last) key and that key
    /// is a field elsewhere, or where it cannot mend the path, the path is taken to be in
    /// another table (`/notification/care_status` for `/record/care_status`): the fields whose
    /// own key is its last one (or the closest key there is), those sharing most of its keys
    /// first.
    #[cfg(feature = "toml")]
    pub(crate) fn meant(&self, path: &str) -> Vec<&str> {
        let dotted = !path.contains('/') && path.contains('.');
        let body = path.strip_prefix('/').unwrap_or(path);
        let keys: Vec<String> = if dotted {
            body.split('.')
                .map(|k| escape_token(k).into_owned())
                .collect()
        } else {
            body.split('/').map(str::to_owned).collect()
        };
        fn own_key(pattern: &str) -> Option<&str> {
            pattern.rsplit('/').find(|k| *k != "*")
        }
        let mended = self.mended(0, &keys).map(|node| self.pattern(node));
        let last = keys
            .iter()
            .rev()
            .find(|k| k.chars().any(char::is_alphabetic));
        let Some(last) = last else {
            return mended.into_iter().collect();
        };
        let elsewhere = |key: &str| -> Vec<&str> {
            let shared = |pattern: &str| {
                keys.iter()
                    .filter(|k| pattern.split('/').any(|p| p == *k))
                    .count()
            };
            let mut found: Vec<&str> = self
                .paths()
                .map(|(p, _)| p)
                .filter(|p| own_key(p) == Some(key) && !p.ends_with("/*"))
                .collect();
            found.sort_by_key(|p| (std::cmp::Reverse(shared(p)), p.len(), *p));
            found.truncate(3);
            found
        };
        match mended {
            Some(path) if own_key(path) == Some(last.as_str()) => vec![path],
            Some(path) => match elsewhere(last) {
                found if found.is_empty() => vec![path],
                found => found,
            },
            None => {
                let all_keys: std::collections::BTreeSet<&str> =
                    self.paths().filter_map(|(p, _)| own_key(p)).collect();
                let all_keys: Vec<&str> = all_keys.into_iter().collect();
                crate::pack::closest(last, &all_keys).map_or_else(Vec::new, elsewhere)
            }
        }
    }

    /// The node that `keys` lead to from `node`, each mended as [`RecordSchema::meant`] says.
    #[cfg(feature = "toml")]
    fn mended(&self, node: usize, keys: &[String]) -> Option<usize> {
        let Some((key, rest)) = keys.split_first() else {
            return (node != 0).then_some(node);
        };
        let here = &self.nodes[node];
        if key == "*" {
            return self.mended(here.items.unwrap_or(node), rest);
        }
        if let Some(child) = self.child(node, &unescape_token(key)) {
            return self.mended(child, rest);
        }
        if let Some(items) = here.items {
            return if key.chars().any(char::is_alphabetic) {
                self.mended(items, keys)
            } else {
                self.mended(items, rest)
            };
        }
        // Keys as path segments are written (escaped), as `key` is.
        let own: Vec<_> = here.children.iter().map(|(k, _)| escape_token(k)).collect();
        let own: Vec<&str> = own.iter().map(AsRef::as_ref).collect();
        let meant = crate::pack::closest(key, &own)?;
        self.mended(self.child(node, &unescape_token(meant))?, rest)
    }

    /// The label of a concrete pointer or pattern in a locale, falling back to its last key.
    pub fn label(&self, pointer: &str, locale: crate::Locale) -> String {
        let pattern = crate::path::pattern_of(pointer);
        match self.field(&pattern) {
            Some(f) => match locale {
                crate::Locale::Ja if !f.label_ja.is_empty() => f.label_ja.clone(),
                crate::Locale::En if !f.label_en.is_empty() => f.label_en.clone(),
                _ => last_key(&pattern),
            },
            None => last_key(&pattern),
        }
    }

    /// Whether a concrete pointer or pattern holds a personal value.
    pub fn is_sensitive(&self, pointer: &str) -> bool {
        self.field(&crate::path::pattern_of(pointer))
            .is_some_and(|f| f.sensitive)
    }

    /// Whether the value at a concrete pointer or pattern is personal or has personal values
    /// inside it, so that it may not be shown whole unless revealed: `/notification/patient` is
    /// an object holding the name, the address and the phone. A pointer the schema does not know
    /// is personal when it lies inside a personal field (`/notification/patient/name/family`).
    pub fn holds_personal(&self, pointer: &str) -> bool {
        let pattern = crate::path::pattern_of(pointer);
        if let Some(node) = self.node_of(&pattern) {
            return self.nodes[node].holds_personal;
        }
        let mut outer = pattern.as_str();
        while let Some((parent, _)) = outer.rsplit_once('/') {
            if let Some(node) = self.node_of(parent) {
                return self.nodes[node].info.sensitive;
            }
            outer = parent;
        }
        false
    }
}

fn last_key(pattern: &str) -> String {
    pattern
        .rsplit('/')
        .find(|s| *s != "*")
        .unwrap_or(pattern)
        .to_owned()
}

fn resolve<'a>(root: &'a Value, node: &'a Value, depth: usize) -> Result<&'a Value, String> {
    match node.get("$ref").and_then(Value::as_str) {
        None => Ok(node),
        Some(_) if depth > 32 => Err("`$ref` chain too deep".into()),
        Some(reference) => {
            let target = reference
                .strip_prefix('#')
                .and_then(|p| root.pointer(p))
                .ok_or_else(|| {
                    format!(
                        "cannot resolve `$ref` {reference} (only local references are supported)"
                    )
                })?;
            resolve(root, target, depth + 1)
        }
    }
}

/// How deep a record schema's fields may nest (a record's own values may go deeper, up to
/// [`MAX_DEPTH`](crate::ruleset::MAX_DEPTH)).
pub(crate) const MAX_SCHEMA_DEPTH: usize = 24;

fn walk(
    root: &Value,
    node: &Value,
    path: &str,
    parent: &FieldInfo,
    out: &mut BTreeMap<String, FieldInfo>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_SCHEMA_DEPTH {
        return Err(format!(
            "{path}: schema nested too deeply (recursive `$ref`?)"
        ));
    }
    let node = resolve(root, node, 0)?;
    let text = |key: &str| node.get(key).and_then(Value::as_str).map(str::to_owned);
    let types: Vec<String> = match node.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let info = FieldInfo {
        label_ja: text("title").unwrap_or_default(),
        label_en: text("x-title-en").unwrap_or_default(),
        format: text("format"),
        sensitive: parent.sensitive
            || node
                .get("x-sensitive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        type_mask: types.iter().map(|t| type_bit(t)).fold(0, |a, b| a | b),
        types: types.into_iter().filter(|t| t != "null").collect(),
    };
    if !path.is_empty() {
        out.insert(path.to_owned(), info.clone());
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (key, child) in props {
            let escaped = escape_token(key);
            walk(
                root,
                child,
                &format!("{path}/{escaped}"),
                &info,
                out,
                depth + 1,
            )?;
        }
    }
    if let Some(items) = node.get("items") {
        walk(root, items, &format!("{path}/*"), &info, out, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_values_are_held_by_their_field_what_is_inside_it_and_what_holds_it() {
        let schema = RecordSchema::from_json(&json!({
            "type": "object",
            "properties": {
                "patient": {"type": "object", "properties": {
                    "name": {"type": "string", "x-sensitive": true},
                    "sex": {"type": "string"}
                }},
                "contacts": {"type": "array", "items": {"type": "object", "properties": {
                    "phone": {"type": "string", "x-sensitive": true}
                }}},
                "health_center": {"type": "string"}
            }
        }))
        .expect("schema");
        for personal in [
            "/patient/name",
            "/patient",
            "",
            "/contacts",
            "/contacts/3",
            "/contacts/*/phone",
            "/patient/name/family",
        ] {
            assert!(schema.holds_personal(personal), "{personal}");
        }
        for not_personal in [
            "/patient/sex",
            "/health_center",
            "/patient/unknown",
            "/unknown",
        ] {
            assert!(!schema.holds_personal(not_personal), "{not_personal}");
        }
    }
}

#[cfg(all(test, feature = "toml"))]
mod meant {
    use super::*;

    fn hersys() -> RecordSchema {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../rules/hersys/record.schema.json"
        );
        let text = std::fs::read_to_string(path).expect("the HER-SYS record schema");
        RecordSchema::from_json(&serde_json::from_str(&text).expect("JSON")).expect("a schema")
    }

    #[test]
    fn a_path_is_mended_key_by_key() {
        let schema = hersys();
        for (written, meant) in [
            // A misspelt key, anywhere along the path, case aside.
            (
                "/notification/patient/brith_date",
                "/notification/patient/birth_date",
            ),
            ("/notifcation/diagnosed_on", "/notification/diagnosed_on"),
            ("/Notification/Diagnosed_On", "/notification/diagnosed_on"),
            ("/tests/*/sampled", "/tests/*/sampled_on"),
            // Array markers: an index or another marker, a `*` left out, one too many.
            ("/tests/0/method", "/tests/*/method"),
            ("/tests/[]/method", "/tests/*/method"),
            ("/tests/method", "/tests/*/method"),
            ("/notification/patient/*/name", "/notification/patient/name"),
            ("/record/care_status/*", "/record/care_status"),
            // Dotted, as CSV headers are written.
            (
                "notification.patient.brith_date",
                "/notification/patient/birth_date",
            ),
            ("tests.0.method", "/tests/*/method"),
            // A field of another table.
            ("/notification/care_status", "/record/care_status"),
            ("/notification/tests/*/resulted_on", "/tests/*/resulted_on"),
        ] {
            assert_eq!(schema.meant(written), [meant], "{written}");
        }
        // Fields of the same name in several tables, those sharing most of its keys first.
        assert_eq!(
            schema.meant("/died_on"),
            ["/record/died_on", "/notification/died_on"]
        );
        assert_eq!(
            schema.meant("/birthdate"),
            ["/basic/birth_date", "/notification/patient/birth_date"]
        );
        assert!(schema.meant("/notification/patient/name/family").is_empty());
        assert!(schema.meant("/nothing_like_it").is_empty());
    }

    #[test]
    fn the_message_names_what_was_meant() {
        let schema = hersys();
        assert_eq!(
            schema.not_a_field("/notification/patient/brith_date"),
            "`/notification/patient/brith_date` is not a field of the record schema — did you mean `/notification/patient/birth_date`?"
        );
        assert_eq!(
            schema.not_a_field("/died_on"),
            "`/died_on` is not a field of the record schema — did you mean `/record/died_on` or `/notification/died_on`?"
        );
        assert_eq!(
            schema.not_a_field("/xyzzy"),
            "`/xyzzy` is not a field of the record schema"
        );
        // A long path or one of many keys is answered, and quickly: mending never branches.
        let long = format!("/notification/{}", "x/".repeat(10_000));
        assert!(schema.meant(&long).is_empty());
        let huge_key = format!("/notification/{}", "y".repeat(100_000));
        assert!(schema.meant(&huge_key).len() <= 3);
    }
}
