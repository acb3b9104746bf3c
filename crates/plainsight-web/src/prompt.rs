//! A request body as prompt parts, and findings placed on the text they
//! point at.
//!
//! The body is read with the same JSON scanner `inspect` uses, so part
//! names (`system[0].text`, `messages[3].content[1].text`) and pointers
//! match the findings' locations exactly. A finding is placed on its part by
//! JSON pointer, and inside the part by its excerpt (line number, line text,
//! span); the byte offsets of the body are the fallback. Excerpts are used
//! first because the stored body is the *redacted* one: a secret replaced
//! before a finding's place moves every offset after it.

use std::ops::Range;

use plainsight_core::Finding;
use plainsight_inspect::json::{ScanOptions, StringKind, scan_all};
use plainsight_inspect::path;

/// One string of the body.
#[derive(Clone, Debug)]
pub struct Part {
    /// `messages[0].content[1].text` (or `body` for a non-JSON body).
    pub name: String,
    /// RFC 6901 pointer (`/messages/0/content/1/text`), empty for a
    /// non-JSON body.
    pub pointer: String,
    pub text: String,
    /// Raw byte range of the string in the body.
    pub raw: Range<u64>,
    map: Option<plainsight_inspect::offsets::OffsetMap>,
}

/// How a body was read.
#[derive(Clone, Debug)]
pub struct Body {
    pub parts: Vec<Part>,
    /// Why the body is not shown as parts (not JSON, not UTF-8), if so.
    pub note: Option<String>,
}

/// Most JSON nesting read for display (deeper bodies are shown as text).
const MAX_DEPTH: usize = 256;

/// Splits a body into its strings; a body that is not JSON is one part.
pub fn parts(body: &[u8]) -> Body {
    if body.is_empty() {
        return Body {
            parts: Vec::new(),
            note: Some("empty body".into()),
        };
    }
    let opts = ScanOptions {
        max_depth: MAX_DEPTH,
        lossy: true,
    };
    match scan_all(body, 0, &opts) {
        Ok(strings) => Body {
            parts: strings
                .into_iter()
                .filter(|s| s.kind == StringKind::Value)
                .map(|s| {
                    let steps = s.path.to_vec();
                    (s, steps)
                })
                .map(|(s, steps)| Part {
                    name: path::part_name(&steps).unwrap_or_else(|| "(root)".into()),
                    pointer: path::pointer(&steps),
                    text: s.text.into_owned(),
                    raw: s.raw,
                    map: Some(s.map),
                })
                .collect(),
            note: None,
        },
        Err(e) => {
            let text = String::from_utf8_lossy(body).into_owned();
            Body {
                parts: vec![Part {
                    name: "body".into(),
                    pointer: String::new(),
                    raw: 0..body.len() as u64,
                    text,
                    map: None,
                }],
                note: Some(format!("not read as JSON ({e}); shown as text")),
            }
        }
    }
}

impl Part {
    /// Decoded offset of raw offset `raw` (first char boundary at or after it).
    fn decoded(&self, raw: u64) -> Option<usize> {
        if raw < self.raw.start || raw > self.raw.end {
            return None;
        }
        let Some(map) = &self.map else {
            return usize::try_from(raw - self.raw.start).ok();
        };
        // The map is monotonic: binary search over char boundaries.
        let bounds: Vec<usize> = self
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(self.text.len()))
            .collect();
        let k = bounds.partition_point(|&d| map.to_raw(d) < raw);
        bounds.get(k).copied()
    }

    /// Where `f` sits in this part's text, if it points here.
    pub fn span_of(&self, f: &Finding) -> Option<Range<usize>> {
        let here = match &f.location.json_pointer {
            Some(p) => *p == self.pointer,
            None => self.pointer.is_empty(),
        };
        if !here {
            return None;
        }
        if let Some(x) = &f.excerpt
            && let Some(r) = by_excerpt(&self.text, x)
        {
            return Some(r);
        }
        let (s, e) = (f.location.start.offset, f.location.end.offset);
        let start = self.decoded(s)?;
        let end = self.decoded(e.max(s)).unwrap_or(start).max(start);
        Some(start..end)
    }
}

/// The excerpt's span found in `text`: on its line when the line matches,
/// else the first place the excerpt's text occurs.
fn by_excerpt(text: &str, x: &plainsight_core::Excerpt) -> Option<Range<usize>> {
    if x.text.is_empty() || x.end < x.start || x.text.get(x.start..x.end).is_none() {
        return None;
    }
    let mut line_start = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        if i + 1 == x.line as usize
            && let Some(at) = line.find(&x.text)
        {
            let s = line_start + at + x.start;
            return Some(s..line_start + at + x.end);
        }
        line_start += line.len() + 1;
    }
    text.find(&x.text).map(|at| at + x.start..at + x.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plainsight_core::{Excerpt, Location, Position, Rule};

    #[test]
    fn parts_and_findings_by_excerpt_and_by_offset() {
        let body = r#"{"system":[{"type":"text","text":"Today\u2019s date\nis x"}],"messages":[{"role":"user","content":"hi\u200b"}]}"#;
        let b = parts(body.as_bytes());
        assert!(b.note.is_none());
        let names: Vec<&str> = b.parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "system[0].type",
                "system[0].text",
                "messages[0].role",
                "messages[0].content"
            ]
        );
        let sys = &b.parts[1];
        assert_eq!(sys.pointer, "/system/0/text");
        assert_eq!(sys.text, "Today\u{2019}s date\nis x");
        let mut f = Finding::new(
            Rule::ConfusableCharacter,
            "x",
            Location {
                json_pointer: Some("/system/0/text".into()),
                ..Location::default()
            },
        );
        f.excerpt = Some(Excerpt {
            line: 1,
            text: "Today\u{2019}s date".into(),
            start: 5,
            end: 8,
            ..Excerpt::default()
        });
        assert_eq!(sys.span_of(&f), Some(5..8));
        assert_eq!(b.parts[3].span_of(&f), None);
        // Without an excerpt: the raw offsets (the escape `\u200b` is 6 raw bytes).
        let raw = body.find("\\u200b").unwrap() as u64;
        let mut g = Finding::new(
            Rule::InvisibleCharacter,
            "x",
            Location {
                json_pointer: Some("/messages/0/content".into()),
                start: Position {
                    offset: raw,
                    line: 1,
                    column: 1,
                },
                end: Position {
                    offset: raw + 6,
                    line: 1,
                    column: 1,
                },
                ..Location::default()
            },
        );
        g.excerpt = None;
        assert_eq!(b.parts[3].span_of(&g), Some(2..5));
    }

    #[test]
    fn non_json_is_one_part() {
        let b = parts(b"plain <text>\xff");
        assert_eq!(b.parts.len(), 1);
        assert_eq!(b.parts[0].name, "body");
        assert!(b.note.is_some());
        assert!(parts(b"").parts.is_empty());
    }
}
