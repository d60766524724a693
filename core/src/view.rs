//! One record as the rules see it: walked once beside the record schema, every value filed under
//! its schema field, dates parsed once.
//!
//! Rules read the same fields many times (the `@dates` sets alone name twenty fields, read by
//! five rules). Looking each one up in the parsed JSON again costs a hashed key look-up per step;
//! here every compiled path already knows its schema field, so a read is an index.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::sync::OnceLock;

use serde_json::Value;

use crate::date::{Day, parse_day};
use crate::path::{FieldPath, Indices, MAX_WILDCARDS};
use crate::ruleset::{MAX_DEPTH, reaches_past_max};
use crate::schema::{MAX_SCHEMA_DEPTH, RecordSchema};
use crate::text::cmp_short;

const _: () = assert!(MAX_SCHEMA_DEPTH < MAX_DEPTH);

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
    /// Walks `record` beside `schema`, for a record known to be no deeper than [`MAX_DEPTH`]
    /// (one a JSON reader parsed: its recursion limit is the same). Keys the schema does not
    /// know are skipped: no rule can read them (paths are checked against the schema when a pack
    /// is loaded). With `only`, so are the nodes it does not mark (a plan's rules do not read
    /// them).
    pub(crate) fn new(schema: &RecordSchema, record: &'a Value, only: Option<&[bool]>) -> Self {
        Self::walk(schema, record, only, false).0
    }

    /// [`View::new`] for a record of unknown depth: `None` when a value of it lies deeper than
    /// [`MAX_DEPTH`]. The walk looks into what it skips as it goes, so the record is read once
    /// rather than walked for its depth first.
    ///
    /// Such a record comes from outside the engine's readers (a host's objects, a batch held in
    /// memory), most likely built some time before and no longer in the cache: the walk reads
    /// ahead (see [`touch_ahead`]). A record a reader has just built is in the cache, where
    /// reading ahead would only cost time.
    pub(crate) fn within_depth(
        schema: &RecordSchema,
        record: &'a Value,
        only: Option<&[bool]>,
    ) -> Option<Self> {
        let (view, too_deep) = Self::walk(schema, record, only, true);
        (!too_deep).then_some(view)
    }

    /// The view, and whether a value lies deeper than [`MAX_DEPTH`] (looked for only for a
    /// `foreign` record, which is also read ahead: see [`View::within_depth`]).
    fn walk(
        schema: &RecordSchema,
        record: &'a Value,
        only: Option<&[bool]>,
        foreign: bool,
    ) -> (Self, bool) {
        let Spare { mut spans, hits } = SPARE.with_borrow_mut(std::mem::take);
        let mut hits = recycled(hits);
        hits.reserve(256);
        let mut walk = Walk {
            schema,
            in_key_order: maps_iterate_in_key_order(),
            only,
            foreign,
            too_deep: false,
            out: &mut hits,
        };
        walk.object(0, record, [0; MAX_WILDCARDS], 0, 0);
        let too_deep = walk.too_deep;
        // A node's values lie together: a node outside arrays has one value, and the values of
        // one inside an array are all among the hits of its outermost array, which the walk
        // puts in node order as that array ends (see `Walk::file`). The hits as a whole need
        // not be in node order.
        // Spare spans are all empty: only the length is set.
        spans.resize(schema.node_count(), (0, 0));
        for (at, hit) in hits.iter().enumerate() {
            let span = &mut spans[hit.node as usize];
            if span.1 == 0 {
                span.0 = at as u32;
            }
            span.1 += 1;
        }
        (View { spans, hits }, too_deep)
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
    ///
    /// A node's values are in document order, which is the order of their indices, so those
    /// of one element lie together and are found by two binary searches: a condition asked of
    /// each item of an array costs n log n, not n² (a record of 100,000 tests took 25 s).
    pub(crate) fn hits_within(&self, path: &FieldPath, bound: &[u32]) -> &[Hit<'a>] {
        let hits = self.hits(path);
        if bound.is_empty() {
            return hits;
        }
        // `bound` is a prefix of some value's indices, so no longer than they are.
        let depth = bound.len().min(MAX_WILDCARDS);
        let element = |hit: &Hit| hit.idx[..depth].cmp(&bound[..depth]);
        let start = hits.partition_point(|h| element(h).is_lt());
        let len = hits[start..].partition_point(|h| element(h).is_eq());
        &hits[start..start + len]
    }
}

thread_local! {
    /// The buffers of the last view dropped on this thread, for the next one: a view lives for
    /// one record's check, and a fresh pair (the spans zeroed, one per schema node) cost as much
    /// as a small rule. The spans are left all empty.
    static SPARE: RefCell<Spare> = const {
        RefCell::new(Spare { spans: Vec::new(), hits: Vec::new() })
    };
}

/// A view's buffers, kept between views (see `SPARE`).
#[derive(Default)]
struct Spare {
    spans: Vec<(u32, u32)>,
    hits: Vec<Hit<'static>>,
}

/// An empty vector of hits, reusing the allocation of `hits` whatever the records they borrowed.
fn recycled<'b>(mut hits: Vec<Hit<'_>>) -> Vec<Hit<'b>> {
    hits.clear();
    // Collecting a vector's own iterator into one of the same layout keeps its allocation.
    hits.into_iter().map_while(|_| None).collect()
}

impl Drop for View<'_> {
    fn drop(&mut self) {
        let mut spans = std::mem::take(&mut self.spans);
        for hit in &self.hits {
            if let Some(span) = spans.get_mut(hit.node as usize) {
                *span = (0, 0);
            }
        }
        let hits = recycled(std::mem::take(&mut self.hits));
        // On a thread being torn down the buffers are simply freed.
        let _ = SPARE.try_with(|spare| *spare.borrow_mut() = Spare { spans, hits });
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
    /// Whether the record comes from outside the engine's readers (see [`View::within_depth`]):
    /// then values deeper than [`MAX_DEPTH`] are looked for, and each object's keys and texts
    /// are read ahead of the walk ([`touch_ahead`]).
    foreign: bool,
    /// Whether a value deeper than [`MAX_DEPTH`] was found.
    too_deep: bool,
    out: &'s mut Vec<Hit<'a>>,
}

impl<'a> Walk<'_, 'a> {
    fn wanted(&self, node: usize) -> bool {
        self.only.is_none_or(|only| only[node])
    }

    /// A value the walk does not go into, at nesting `level` (the record is 0): looked into for
    /// its depth alone.
    fn pass_over(&mut self, value: &Value, level: usize) {
        if self.foreign && !self.too_deep && reaches_past_max(value, level) {
            self.too_deep = true;
        }
    }

    /// Files `value` under `node`. `depth` counts the array steps taken (the indices in `idx`),
    /// `level` every step (the record is 0). A value filed lies no deeper than the schema's
    /// fields, far above [`MAX_DEPTH`]: only what the walk passes over can lie deeper.
    fn file(&mut self, node: usize, value: &'a Value, idx: Indices, depth: usize, level: usize) {
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
            Value::Object(_) => self.object(node, value, idx, depth, level),
            Value::Array(items) => {
                let item_node = self.schema.node(node).items.filter(|&n| self.wanted(n));
                // Deeper than any compiled path can reach when `depth` is at the limit.
                let Some(item_node) = item_node.filter(|_| depth < MAX_WILDCARDS) else {
                    return self.pass_over(value, level);
                };
                let mut idx = idx;
                let first = self.out.len();
                for (i, item) in items.iter().enumerate() {
                    idx[depth] = u32::try_from(i).unwrap_or(u32::MAX);
                    self.file(item_node, item, idx, depth + 1, level + 1);
                }
                // The elements interleave their fields' values: put together by node here,
                // where they are few, rather than by a sort of the whole record's hits. Stable,
                // so each node keeps its values in document order. Only the outermost array
                // sorts: the values of the arrays inside it are among its own.
                if depth == 0 {
                    self.out[first..].sort_by_key(|hit| hit.node);
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, node: usize, value: &'a Value, idx: Indices, depth: usize, level: usize) {
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
        if self.foreign {
            touch_ahead(fields);
        }
        for (key, child_value) in fields {
            let child = if in_key_order {
                let mut found = None;
                while let Some(((property, child), rest)) = properties.split_first() {
                    match cmp_short(property, key) {
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
            match child.filter(|&n| self.wanted(n)) {
                Some(child) => self.file(child, child_value, idx, depth, level + 1),
                None => self.pass_over(child_value, level + 1),
            }
        }
    }
}

/// Reads a byte of each key and text of an object, of the first key of each object in it and of
/// the first element of each array in it. Each of them is an allocation of its own: in a record
/// out of the cache, the walk would wait for memory at every one in turn. Loads that do not
/// depend on each other are in flight together, so the walk then finds them in the cache
/// (`check` on the 2,000 sample records held in memory: 28.5 → 24.5 ms).
fn touch_ahead(fields: &serde_json::Map<String, Value>) {
    let first = |text: &str| text.as_bytes().first().copied().unwrap_or(0);
    let touched = fields.iter().fold(0u8, |acc, (key, value)| {
        let inner = match value {
            Value::String(text) => first(text),
            Value::Object(map) => map.keys().next().map_or(0, |k| first(k)),
            Value::Array(items) => items.first().and_then(Value::as_str).map_or(0, first),
            _ => 0,
        };
        acc ^ first(key) ^ inner
    });
    std::hint::black_box(touched);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::{TOO_DEEP, deeper_than_max};
    use proptest::prelude::*;
    use serde_json::json;

    /// Objects with known and unknown keys, an array of objects, and a leaf.
    fn schema() -> RecordSchema {
        RecordSchema::from_json(&json!({
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "patient": {"type": "object", "properties": {
                    "name": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}}
                }},
                "tests": {"type": "array", "items": {"type": "object", "properties": {
                    "method": {"type": "string"}
                }}}
            }
        }))
        .expect("schema")
    }

    /// `levels` arrays around `inner`, built without recursion.
    fn nested(levels: usize, inner: Value) -> Value {
        (0..levels).fold(inner, |value, _| Value::Array(vec![value]))
    }

    /// Where a nested value goes, and the depth (the record is 0) its first array lies at.
    const PLACES: [(&str, usize); 7] = [
        ("/id", 1),             // a leaf holding a container
        ("/unknown", 1),        // a key the schema does not know
        ("/patient/name", 2),   // a leaf inside an object
        ("/patient/other", 2),  // an unknown key inside an object
        ("/patient/tags/0", 3), // an array's item that is a leaf
        ("/tests/0/method", 3), // a leaf inside an array's object
        ("/tests/0/x", 3),      // an unknown key there
    ];

    /// Each node's values as (JSON text, indices).
    fn filed(view: &View<'_>) -> Vec<(usize, Vec<(String, Indices)>)> {
        (view.by_node())
            .map(|(node, hits)| {
                (
                    node,
                    hits.iter().map(|h| (h.value.to_string(), h.idx)).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_view_made_after_another_on_its_thread_files_what_a_first_view_does() {
        let schema = schema();
        let full = json!({
            "id": "a", "patient": {"name": "n", "tags": ["t", "u", "v"]},
            "tests": [{"method": "m"}, {"method": "p"}]
        });
        let sparse = json!({"tests": [{"method": "q"}]});
        // On a thread of its own, the first view there: made with fresh buffers.
        let first = std::thread::scope(|s| {
            s.spawn(|| filed(&View::new(&schema, &sparse, None)))
                .join()
                .expect("the thread ends")
        });
        // Here, after a view that filed every node, whose buffers it reuses.
        drop(View::new(&schema, &full, None));
        assert_eq!(filed(&View::new(&schema, &sparse, None)), first);
    }

    #[test]
    fn a_node_finds_its_values_whatever_order_the_walk_meets_them_in() {
        // `a-b` is walked after `a` (its key sorts after), but numbered before `a`'s fields (its
        // path sorts before `/a/x`); the array's elements interleave `x` and `y`.
        let schema = RecordSchema::from_json(&json!({
            "type": "object",
            "properties": {
                "a": {"type": "array", "items": {"type": "object", "properties": {
                    "x": {"type": "integer"},
                    "y": {"type": "array", "items": {"type": "integer"}}
                }}},
                "a-b": {"type": "string"}
            }
        }))
        .expect("schema");
        let record = json!({
            "a": [{"x": 1, "y": [10, 11]}, {"y": [12]}, {"x": 3, "y": []}],
            "a-b": "t"
        });
        let filed = filed(&View::new(&schema, &record, None));
        let at = |node: usize| filed[node].1.clone();
        let a = schema.child(0, "a").expect("a");
        let element = schema.node(a).items.expect("elements");
        let x = schema.child(element, "x").expect("x");
        let y = schema.child(element, "y").expect("y");
        let y_item = schema.node(y).items.expect("y's items");
        let b = schema.child(0, "a-b").expect("a-b");
        assert!(b < x, "the test needs `a-b` numbered before `a`'s fields");
        let ix = |steps: &[u32]| {
            let mut idx = [0; MAX_WILDCARDS];
            idx[..steps.len()].copy_from_slice(steps);
            idx
        };
        assert_eq!(at(x), [("1".into(), ix(&[0])), ("3".into(), ix(&[2]))]);
        assert_eq!(
            at(y_item),
            [
                ("10".into(), ix(&[0, 0])),
                ("11".into(), ix(&[0, 1])),
                ("12".into(), ix(&[1, 0]))
            ]
        );
        assert_eq!(at(b), [("\"t\"".into(), ix(&[]))]);
    }

    proptest! {
        /// The values inside one element, found by binary search, are those whose indices
        /// start with the element's: for elements of the outer and of the inner array, present
        /// or not.
        #[test]
        fn hits_within_an_element_are_those_whose_indices_start_with_its(
            sizes in proptest::collection::vec(proptest::collection::vec(0..3usize, 0..4), 0..5),
        ) {
            let schema = RecordSchema::from_json(&json!({
                "type": "object",
                "properties": {"groups": {"type": "array", "items": {"type": "object", "properties": {
                    "items": {"type": "array", "items": {"type": "object", "properties": {
                        "v": {"type": "integer"}
                    }}}
                }}}}
            }))
            .expect("schema");
            // Group g has one item per entry of sizes[g]; an item of size 0 has no `v`.
            let groups: Vec<Value> = (sizes.iter())
                .map(|items| {
                    let items: Vec<Value> = (items.iter())
                        .map(|&n| if n == 0 { json!({}) } else { json!({"v": n}) })
                        .collect();
                    json!({"items": items})
                })
                .collect();
            let record = json!({"groups": groups});
            let view = View::new(&schema, &record, None);
            let mut path = FieldPath::parse("/groups/*/items/*/v").expect("a path");
            path.node = schema.node_of(&path.text).expect("in the schema") as u32;
            let all = view.hits(&path);
            let mut bounds: Vec<Vec<u32>> = vec![vec![]];
            for g in 0..=sizes.len() as u32 {
                bounds.push(vec![g]);
                for i in 0..4 {
                    bounds.push(vec![g, i]);
                }
            }
            for bound in bounds {
                let want: Vec<Indices> = (all.iter())
                    .filter(|h| h.idx.iter().zip(&bound).all(|(i, b)| i == b))
                    .map(|h| h.idx)
                    .collect();
                let got: Vec<Indices> = view.hits_within(&path, &bound).iter().map(|h| h.idx).collect();
                prop_assert_eq!(got, want, "bound {:?}", bound);
            }
        }
    }

    #[test]
    fn recycled_hits_keep_their_allocation() {
        let record = json!({"id": "a"});
        let mut hits = Vec::with_capacity(64);
        hits.push(Hit {
            value: &record,
            idx: [0; MAX_WILDCARDS],
            day: None,
            node: 0,
        });
        let capacity = hits.capacity();
        let hits: Vec<Hit<'static>> = recycled(hits);
        assert!(hits.is_empty());
        assert_eq!(hits.capacity(), capacity);
    }

    proptest! {
        /// The walk that looks into what it skips finds a value too deep exactly when a walk of
        /// the whole record does, whichever nodes a plan files.
        #[test]
        fn the_view_finds_a_value_too_deep_where_a_whole_walk_does(
            place in 0..PLACES.len(),
            past in -2i64..3,
            mark in any::<bool>(),
            only_mask in any::<u8>(),
        ) {
            let schema = schema();
            let (place, first) = PLACES[place];
            // Innermost value at MAX_DEPTH + past: a mark there does not count.
            let innermost = if mark { json!(TOO_DEEP) } else { json!(1) };
            let levels = (MAX_DEPTH as i64 + past - first as i64) as usize;
            let mut record = json!({
                "id": "x", "patient": {"name": "n", "tags": ["t"]},
                "tests": [{"method": "m"}]
            });
            let (parent, key) = place.rsplit_once('/').expect("a path");
            let deep = nested(levels, innermost);
            match record.pointer_mut(parent).expect("parent") {
                Value::Array(items) => items[key.parse::<usize>().expect("index")] = deep,
                Value::Object(map) => { map.insert(key.into(), deep); }
                _ => unreachable!(),
            }
            let only: Vec<bool> = (0..schema.node_count())
                .map(|node| node == 0 || only_mask & (1 << (node % 8)) != 0)
                .collect();
            for only in [None, Some(only.as_slice())] {
                let view = View::within_depth(&schema, &record, only);
                prop_assert_eq!(view.is_none(), deeper_than_max(&record), "{} {:?}", place, only);
            }
            // The oracle itself: past the limit by an array, or by the innermost value unless it
            // is a mark.
            prop_assert_eq!(deeper_than_max(&record), past >= 2 || past == 1 && !mark);
        }
    }
}
