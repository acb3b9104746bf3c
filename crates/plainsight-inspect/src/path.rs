//! Paths to JSON values, written two ways: RFC 6901 pointers for tools
//! (`/messages/3/content/1/text`) and readable part names for people
//! (`messages[3].content[1].text`).
//!
//! Part names quote keys that are not plain identifiers, JSON-style with every
//! non-ASCII character escaped, so a key that itself hides a character shows it
//! (`properties["na\u200bme"]`) instead of looking like an innocent name.

use std::fmt::Write as _;
use std::sync::Arc;

/// One step from a JSON value into a child.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathSeg {
    Key(Arc<str>),
    Index(usize),
}

impl PathSeg {
    pub fn key(&self) -> Option<&str> {
        match self {
            PathSeg::Key(k) => Some(k),
            PathSeg::Index(_) => None,
        }
    }

    pub fn index(&self) -> Option<usize> {
        match self {
            PathSeg::Index(i) => Some(*i),
            PathSeg::Key(_) => None,
        }
    }
}

/// The path of a JSON value, shared by every string below it: a persistent
/// list whose nodes hold their parent, so a string's path costs one reference
/// count whatever the depth. (A copied `Vec` per string made a document nested
/// `n` deep cost memory in `n²`.) Dropped iteratively: a path a million deep
/// must not overflow the stack when it goes.
#[derive(Clone, Default)]
pub struct JsonPath(Option<Arc<PathNode>>);

struct PathNode {
    seg: PathSeg,
    parent: JsonPath,
    len: usize,
}

impl JsonPath {
    /// The path of the root value.
    pub fn root() -> JsonPath {
        JsonPath(None)
    }

    /// This path extended by one step.
    #[must_use]
    pub fn child(&self, seg: PathSeg) -> JsonPath {
        JsonPath(Some(Arc::new(PathNode {
            seg,
            parent: self.clone(),
            len: self.len() + 1,
        })))
    }

    /// The path one step up (the root's parent is the root).
    #[must_use]
    pub fn parent(&self) -> JsonPath {
        self.0
            .as_ref()
            .map(|n| n.parent.clone())
            .unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn last(&self) -> Option<&PathSeg> {
        self.0.as_ref().map(|n| &n.seg)
    }

    /// Step `i` from the root (walks from the end: cheap near the end).
    pub fn get(&self, i: usize) -> Option<&PathSeg> {
        let mut up = self.len().checked_sub(i + 1)?;
        let mut node = self.0.as_deref()?;
        while up > 0 {
            node = node.parent.0.as_deref()?;
            up -= 1;
        }
        Some(&node.seg)
    }

    /// The steps from the root.
    pub fn to_vec(&self) -> Vec<PathSeg> {
        let mut v = Vec::with_capacity(self.len());
        let mut node = self.0.as_deref();
        while let Some(n) = node {
            v.push(n.seg.clone());
            node = n.parent.0.as_deref();
        }
        v.reverse();
        v
    }
}

impl From<Vec<PathSeg>> for JsonPath {
    fn from(segs: Vec<PathSeg>) -> JsonPath {
        segs.into_iter()
            .fold(JsonPath::root(), |p, seg| p.child(seg))
    }
}

impl PartialEq for JsonPath {
    fn eq(&self, other: &JsonPath) -> bool {
        let (mut a, mut b) = (self.0.as_ref(), other.0.as_ref());
        loop {
            match (a, b) {
                (None, None) => return true,
                (Some(x), Some(y)) if Arc::ptr_eq(x, y) => return true,
                (Some(x), Some(y)) if x.len == y.len && x.seg == y.seg => {
                    a = x.parent.0.as_ref();
                    b = y.parent.0.as_ref();
                }
                _ => return false,
            }
        }
    }
}

impl Eq for JsonPath {}

impl std::fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
    }
}

impl Drop for JsonPath {
    fn drop(&mut self) {
        let mut next = self.0.take();
        while let Some(node) = next {
            next = Arc::into_inner(node).and_then(|mut n| n.parent.0.take());
        }
    }
}

/// RFC 6901 pointer: `""` for the root, `~` → `~0`, `/` → `~1`.
pub fn pointer(path: &[PathSeg]) -> String {
    let mut s = String::new();
    for seg in path {
        s.push('/');
        match seg {
            PathSeg::Key(k) => {
                for c in k.chars() {
                    match c {
                        '~' => s.push_str("~0"),
                        '/' => s.push_str("~1"),
                        c => s.push(c),
                    }
                }
            }
            PathSeg::Index(i) => {
                let _ = write!(s, "{i}");
            }
        }
    }
    s
}

/// Readable path: `messages[3].content[1].text`; `None` for the root.
pub fn part_name(path: &[PathSeg]) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    let mut s = String::new();
    for seg in path {
        match seg {
            PathSeg::Index(i) => {
                let _ = write!(s, "[{i}]");
            }
            PathSeg::Key(k) if is_identifier(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathSeg::Key(k) => {
                s.push('[');
                push_quoted_ascii(&mut s, k);
                s.push(']');
            }
        }
    }
    Some(s)
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
}

/// `"…"` with quotes, backslashes, controls and all non-ASCII escaped as `\uXXXX`.
fn push_quoted_ascii(s: &mut String, k: &str) {
    s.push('"');
    for c in k.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            ' '..='~' => s.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(s, "\\u{unit:04x}");
                }
            }
        }
    }
    s.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> PathSeg {
        PathSeg::Key(s.into())
    }

    #[test]
    fn shared_paths() {
        let a = JsonPath::root().child(k("a"));
        let b = a.child(PathSeg::Index(2)).child(k("c"));
        assert_eq!(b.len(), 3);
        assert_eq!(b.get(0), Some(&k("a")));
        assert_eq!(b.get(1), Some(&PathSeg::Index(2)));
        assert_eq!(b.get(2), Some(&k("c")));
        assert_eq!(b.get(3), None);
        assert_eq!(b.parent().parent(), a);
        assert_eq!(b, JsonPath::from(vec![k("a"), PathSeg::Index(2), k("c")]));
        assert_ne!(b, a);
        // A very deep path is dropped without recursion.
        let mut deep = JsonPath::root();
        for i in 0..1_000_000 {
            deep = deep.child(PathSeg::Index(i));
        }
        assert_eq!(deep.len(), 1_000_000);
        drop(deep);
    }

    #[test]
    fn pointer_escapes_per_rfc6901() {
        assert_eq!(pointer(&[]), "");
        assert_eq!(
            pointer(&[k("a/b"), PathSeg::Index(0), k("m~n"), k("")]),
            "/a~1b/0/m~0n/"
        );
    }

    #[test]
    fn part_names() {
        assert_eq!(part_name(&[]), None);
        assert_eq!(
            part_name(&[
                k("messages"),
                PathSeg::Index(3),
                k("content"),
                PathSeg::Index(1),
                k("text")
            ])
            .unwrap(),
            "messages[3].content[1].text"
        );
        assert_eq!(part_name(&[PathSeg::Index(2), k("x")]).unwrap(), "[2].x");
        assert_eq!(
            part_name(&[k("props"), k("na\u{200b}me")]).unwrap(),
            "props[\"na\\u200bme\"]"
        );
        assert_eq!(part_name(&[k("a b")]).unwrap(), "[\"a b\"]");
        assert_eq!(
            part_name(&[k("x"), k("\u{1F600}")]).unwrap(),
            "x[\"\\ud83d\\ude00\"]"
        );
    }
}
