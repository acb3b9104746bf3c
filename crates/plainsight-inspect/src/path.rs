//! Paths to JSON values, written two ways: RFC 6901 pointers for tools
//! (`/messages/3/content/1/text`) and readable part names for people
//! (`messages[3].content[1].text`).
//!
//! Part names quote keys that are not plain identifiers, JSON-style with every
//! non-ASCII character escaped, so a key that itself hides a character shows it
//! (`properties["na\u200bme"]`) instead of looking like an innocent name.

use std::fmt::Write as _;
use std::sync::Arc;

/// One step from a JSON value into a child. Keys are shared (`Arc`) because
/// every string below a member carries a copy of its path.
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
