//! Field paths: JSON Pointers with `*` for "every element of this array", resolved once.

use std::borrow::Cow;

use serde_json::Value;

use crate::text::is_blank;

/// A key written as a JSON Pointer token (`~` as `~0`, `/` as `~1`).
pub fn escape_token(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

/// The key a JSON Pointer token stands for (the reverse of [`escape_token`]).
pub fn unescape_token(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Seg {
    Key(Box<str>),
    Any,
}

/// A compiled path such as `/tests/*/sampled_on`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FieldPath {
    pub(crate) text: Box<str>,
    pub(crate) segs: Box<[Seg]>,
    /// The record-schema node of this path, set when a pack is compiled ([`NO_NODE`] until then):
    /// a read in a [`crate::view::View`] is then an index.
    pub(crate) node: u32,
}

/// The node of a path the schema has not resolved.
pub(crate) const NO_NODE: u32 = u32::MAX;

/// Array indices bound to the `*` segments of a path, outermost first.
pub(crate) type Indices = [u32; MAX_WILDCARDS];
pub(crate) const MAX_WILDCARDS: usize = 4;

impl FieldPath {
    /// Parses `/a/b/*/c`. Relative paths (no leading `/`, used inside `some`) are accepted too.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || text == "/" {
            return Err(format!("`{text}` is not a field path"));
        }
        let body = text.strip_prefix('/').unwrap_or(text);
        let mut segs = Vec::new();
        for raw in body.split('/') {
            if raw.is_empty() {
                return Err(format!("`{text}` has an empty segment"));
            }
            if raw == "*" {
                segs.push(Seg::Any);
            } else {
                segs.push(Seg::Key(unescape_token(raw).into()));
            }
        }
        if segs.iter().filter(|s| **s == Seg::Any).count() > MAX_WILDCARDS {
            return Err(format!(
                "`{text}` has more than {MAX_WILDCARDS} `*` segments"
            ));
        }
        let canonical = if text.starts_with('/') {
            text.to_owned()
        } else {
            format!("/{text}")
        };
        Ok(FieldPath {
            text: canonical.into(),
            segs: segs.into(),
            node: NO_NODE,
        })
    }

    pub(crate) fn wildcards(&self) -> usize {
        self.segs.iter().filter(|s| **s == Seg::Any).count()
    }

    /// The path up to (and including) its `n`-th wildcard, for pairing elements of one array.
    pub(crate) fn wildcard_prefix(&self, n: usize) -> Option<&[Seg]> {
        let mut seen = 0;
        for (i, seg) in self.segs.iter().enumerate() {
            if *seg == Seg::Any {
                if seen == n {
                    return Some(&self.segs[..=i]);
                }
                seen += 1;
            }
        }
        None
    }

    /// The first value at this path, for paths without wildcards (the common case).
    pub(crate) fn get<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        let mut cur = root;
        for seg in self.segs.iter() {
            match seg {
                Seg::Key(k) => cur = cur.as_object()?.get(&**k)?,
                Seg::Any => return None,
            }
        }
        Some(cur)
    }

    /// The concrete JSON Pointer of a hit: `*` replaced by the bound indices.
    pub(crate) fn pointer(&self, idx: &Indices) -> String {
        if self.wildcards() == 0 {
            return self.text.to_string();
        }
        let mut out = String::with_capacity(self.text.len() + 4);
        let mut n = 0;
        for seg in self.segs.iter() {
            out.push('/');
            match seg {
                Seg::Key(k) => out.push_str(&escape_token(k)),
                Seg::Any => {
                    out.push_str(&idx[n].to_string());
                    n += 1;
                }
            }
        }
        out
    }

    /// This path with `prefix` (an array element path) in front: `some` conditions use
    /// relative paths inside the element.
    pub(crate) fn under(&self, prefix: &FieldPath) -> FieldPath {
        let mut segs: Vec<Seg> = prefix.segs.to_vec();
        segs.push(Seg::Any);
        segs.extend(self.segs.iter().cloned());
        let text = format!("{}/*{}", prefix.text, self.text);
        FieldPath {
            text: text.into(),
            segs: segs.into(),
            node: NO_NODE,
        }
    }
}

/// The concrete pointer of a pattern (`/tests/*/on`) with its `*` replaced by `idx`.
pub(crate) fn pointer_at(pattern: &str, idx: &Indices) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut n = 0;
    for seg in pattern.split('/').skip(1) {
        out.push('/');
        if seg == "*" {
            out.push_str(&idx.get(n).copied().unwrap_or(0).to_string());
            n += 1;
        } else {
            out.push_str(seg);
        }
    }
    out
}

/// Turns a concrete pointer (`/tests/3/method`) into its schema pattern (`/tests/*/method`).
pub fn pattern_of(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for seg in pointer.split('/').skip(1) {
        out.push('/');
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push('*');
        } else {
            out.push_str(seg);
        }
    }
    out
}

/// "Not entered": missing, `null`, a blank string or an empty array.
pub(crate) fn is_absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => is_blank(s),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_of_patterns() {
        let path = FieldPath::parse("/tests/*/on").unwrap();
        assert_eq!(path.pointer(&[2, 0, 0, 0]), "/tests/2/on");
        assert_eq!(pointer_at("/a/*/b/*", &[1, 3, 0, 0]), "/a/1/b/3");
        assert_eq!(pattern_of("/tests/12/on"), "/tests/*/on");
    }

    #[test]
    fn absence() {
        assert!(is_absent(None));
        assert!(is_absent(Some(&json!(null))));
        assert!(is_absent(Some(&json!("  "))));
        assert!(is_absent(Some(&json!([]))));
        assert!(!is_absent(Some(&json!(0))));
        assert!(!is_absent(Some(&json!(false))));
    }
}
