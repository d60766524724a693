//! One record as the rules see it: walked once beside the record schema, every value filed under
//! its schema field, dates parsed once.
//!
//! Rules read the same fields many times (the `@dates` sets alone name twenty fields, read by
//! five rules). Looking each one up in the parsed JSON again costs a hashed key look-up per step;
//! here every compiled path already knows its schema field, so a read is an index.

use std::cmp::Ordering;
use std::sync::OnceLock;

use serde_json::Value;

use crate::date::{Day, parse_day};
use crate::path::{FieldPath, Indices, MAX_WILDCARDS, within};
use crate::schema::RecordSchema;

/// A value of the record at one schema field, with the indices its array steps took.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit<'a> {
    pub(crate) value: &'a Value,
    pub(crate) idx: Indices,
    /// The value read as a day, for fields the schema formats as a date or date-time.
    pub(crate) day: Option<Day>,
    /// The schema node the value is filed under.
    node: u32,
}

/// Every value of a record that the schema knows, by schema field.
pub(crate) struct View<'a> {
    /// Per schema node: the range of `hits` holding its values, in document order.
    spans: Vec<(u32, u32)>,
    hits: Vec<Hit<'a>>,
}

impl<'a> View<'a> {
    /// Walks `record` beside `schema`. Keys the schema does not know are skipped: no rule can
    /// read them (paths are checked against the schema when a pack is loaded). With `only`, so
    /// are the nodes it does not mark (a plan's rules do not read them).
    pub(crate) fn new(schema: &RecordSchema, record: &'a Value, only: Option<&[bool]>) -> Self {
        let mut hits: Vec<Hit<'a>> = Vec::with_capacity(256);
        let mut walk = Walk {
            schema,
            in_key_order: maps_iterate_in_key_order(),
            only,
            out: &mut hits,
        };
        walk.object(0, record, [0; MAX_WILDCARDS], 0);
        // Nodes are numbered in the order of their paths, so a walk in key order files most
        // hits in node order already; only an array's elements interleave their fields. A
        // stable sort finds those runs and keeps document order within a node.
        hits.sort_by_key(|hit| hit.node);
        let mut spans = vec![(0u32, 0u32); schema.node_count()];
        for (at, hit) in hits.iter().enumerate() {
            let span = &mut spans[hit.node as usize];
            if span.1 == 0 {
                span.0 = at as u32;
            }
            span.1 += 1;
        }
        View { spans, hits }
    }

    /// Every value at a path (for a `*` path, one per array element that has it).
    pub(crate) fn hits(&self, path: &FieldPath) -> &[Hit<'a>] {
        match self.spans.get(path.node as usize) {
            Some(&(start, len)) => &self.hits[start as usize..(start + len) as usize],
            None => &[],
        }
    }

    /// The value at a path without `*` (the first one for a `*` path).
    pub(crate) fn get(&self, path: &FieldPath) -> Option<&'a Value> {
        self.hits(path).first().map(|h| h.value)
    }

    /// Each schema node with its values, in node order (node 0 is the record).
    pub(crate) fn by_node(&self) -> impl Iterator<Item = (usize, &[Hit<'a>])> {
        self.spans
            .iter()
            .enumerate()
            .map(|(node, &(start, len))| (node, &self.hits[start as usize..(start + len) as usize]))
    }

    /// The values at a path inside the array element whose indices start with `bound`.
    pub(crate) fn hits_within<'s>(
        &'s self,
        path: &FieldPath,
        bound: &'s [u32],
    ) -> impl Iterator<Item = &'s Hit<'a>> + 's {
        self.hits(path)
            .iter()
            .filter(move |h| within(&h.idx, bound))
    }
}

/// Whether serde_json's maps iterate in key order (a `BTreeMap`), or in insertion order when
/// some crate of the build turns on its `preserve_order` feature. Asked once; the walks that pair
/// a map's keys with sorted keys (here, and the refill of a table row) rely on it.
pub(crate) fn maps_iterate_in_key_order() -> bool {
    static SORTED: OnceLock<bool> = OnceLock::new();
    *SORTED.get_or_init(|| {
        let mut map = serde_json::Map::new();
        map.insert("b".into(), Value::Null);
        map.insert("a".into(), Value::Null);
        map.keys().next().is_some_and(|k| k == "a")
    })
}

struct Walk<'s, 'a> {
    schema: &'s RecordSchema,
    /// Whether a JSON object iterates its keys in order (see [`maps_iterate_in_key_order`]).
    in_key_order: bool,
    only: Option<&'s [bool]>,
    out: &'s mut Vec<Hit<'a>>,
}

impl<'a> Walk<'_, 'a> {
    fn wanted(&self, node: usize) -> bool {
        self.only.is_none_or(|only| only[node])
    }

    fn file(&mut self, node: usize, value: &'a Value, idx: Indices, depth: usize) {
        let day = match value {
            Value::String(s) if self.schema.node(node).dated => parse_day(s),
            _ => None,
        };
        self.out.push(Hit {
            value,
            idx,
            day,
            node: node as u32,
        });
        match value {
            Value::Object(_) => self.object(node, value, idx, depth),
            Value::Array(items) => {
                let Some(item_node) = self.schema.node(node).items.filter(|&n| self.wanted(n))
                else {
                    return;
                };
                if depth == MAX_WILDCARDS {
                    return; // deeper than any compiled path can reach
                }
                let mut idx = idx;
                for (i, item) in items.iter().enumerate() {
                    idx[depth] = u32::try_from(i).unwrap_or(u32::MAX);
                    self.file(item_node, item, idx, depth + 1);
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, node: usize, value: &'a Value, idx: Indices, depth: usize) {
        let Value::Object(fields) = value else {
            return;
        };
        let schema = self.schema;
        // serde_json's map iterates in key order, and the schema keeps a node's properties in
        // the same order, so one cursor pairs them: most keys cost a single comparison, not a
        // hash and a comparison. Built with serde_json's `preserve_order`, maps keep insertion
        // order instead, and keys are looked up.
        let mut properties = schema.node(node).children.as_slice();
        let in_key_order = self.in_key_order;
        for (key, child_value) in fields {
            let child = if in_key_order {
                let mut found = None;
                while let Some(((property, child), rest)) = properties.split_first() {
                    match (**property).cmp(key.as_str()) {
                        Ordering::Less => properties = rest,
                        Ordering::Equal => {
                            found = Some(*child);
                            properties = rest;
                            break;
                        }
                        Ordering::Greater => break,
                    }
                }
                found
            } else {
                schema.child(node, key)
            };
            if let Some(child) = child.filter(|&n| self.wanted(n)) {
                self.file(child, child_value, idx, depth);
            }
        }
    }
}
