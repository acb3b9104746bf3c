//! `inspect --normalize`: rewrite only the strings that change.
//!
//! The output is the input with replacements spliced in at the raw spans the
//! segments came from, so structure, whitespace, key order, number spelling and
//! untouched escapes stay byte-identical. A changed JSON string is re-escaped
//! minimally (quotes, backslashes, control characters; other characters are
//! written as UTF-8). A changed string inside a HAR body is spliced into the
//! decoded body first, and the body is then re-escaped into its HAR string.
//!
//! The text engine normalizes one text at a time and picks the dominant quote
//! style from that text, so the string values are handed to it joined by
//! newlines and its edits are cut back per string. (A document-level
//! `normalize` in the engine would make the joint unnecessary.)

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::Range;

use plainsight_core::{CharNote, Finding};
use plainsight_text::{Edit, Normalized, Policy};

use crate::document::{self, Document, Segment};
use crate::excerpt::TextLines;
use crate::json::StringKind;
use crate::lines::LineIndex;
use crate::{InspectError, InspectOptions};

type Splice = (Range<u64>, Vec<u8>);

pub fn normalize(
    name: &str,
    bytes: &[u8],
    opts: &InspectOptions,
    policy: &Policy,
    keep: &dyn Fn(&str) -> bool,
) -> Result<(Vec<u8>, Vec<Finding>), InspectError> {
    let doc = document::load(name, bytes, opts)?;
    Ok(rewrite(name, bytes, &doc, keep, |text| {
        plainsight_text::normalize(text, policy)
    }))
}

/// Splices the normalized form of every changed value segment of `doc` into
/// `bytes`. `normalize_text` is the text engine's normalizer (a parameter so the
/// splicing can be tested on its own).
fn rewrite(
    name: &str,
    bytes: &[u8],
    doc: &Document<'_>,
    keep: &dyn Fn(&str) -> bool,
    normalize_text: impl Fn(&str) -> Normalized,
) -> (Vec<u8>, Vec<Finding>) {
    let lines = LineIndex::new(bytes);
    let mut findings = Vec::new();
    let mut file_splices: Vec<Splice> = Vec::new();
    let mut carrier_splices: Vec<Vec<Splice>> = vec![Vec::new(); doc.carriers.len()];
    // All string values are normalized as ONE text, joined by newlines, so the
    // dominant quote style and the odd-one-out statistics are document-wide,
    // as they are for `inspect`: a lone `’` in a prompt written with `'` is
    // folded even when its JSON string holds no other apostrophe.
    let values: Vec<&Segment<'_>> = doc
        .segments
        .iter()
        .filter(|s| s.kind == StringKind::Value)
        .filter(|s| !s.pointer().is_some_and(|p| keep(&p)))
        .collect();
    let mut joined = String::new();
    let mut starts = Vec::with_capacity(values.len());
    for seg in &values {
        if !joined.is_empty() {
            joined.push('\n');
        }
        starts.push(joined.len());
        joined.push_str(&seg.text);
    }
    let n = normalize_text(&joined);
    let mut edits_of: Vec<Vec<Edit>> = vec![Vec::new(); values.len()];
    for e in n.edits {
        let i = starts
            .partition_point(|&s| s <= e.span.start)
            .saturating_sub(1);
        let (start, len) = (starts[i], values[i].text.len());
        // An edit across the joint belongs to no string: leave it out.
        if e.span.end <= start + len {
            edits_of[i].push(Edit {
                span: e.span.start - start..e.span.end - start,
                ..e
            });
        }
    }
    for (seg, edits) in values.into_iter().zip(edits_of) {
        // A lossily decoded text file is written back decoded (U+FFFD for bad bytes).
        let redecoded = !seg.json && matches!(seg.text, Cow::Owned(_));
        if edits.is_empty() && !redecoded {
            continue;
        }
        let text_lines = TextLines::new(&seg.text);
        findings.extend(
            edits
                .iter()
                .map(|e| edit_finding(name, doc, seg, &lines, &text_lines, e)),
        );
        let text = apply(&seg.text, &edits);
        let new = if seg.json {
            escape_json(&text)
        } else {
            text.into_bytes()
        };
        match seg.carrier {
            None => file_splices.push((seg.raw.clone(), new)),
            Some(c) => carrier_splices[c].push((seg.raw.clone(), new)),
        }
    }
    for (carrier, splices) in doc.carriers.iter().zip(carrier_splices) {
        if splices.is_empty() {
            continue;
        }
        let body = splice(carrier.text.as_bytes(), splices);
        // Splices are whole strings on character boundaries, so this is UTF-8.
        let body = String::from_utf8_lossy(&body);
        file_splices.push((carrier.raw.clone(), escape_json(&body)));
    }
    (splice(bytes, file_splices), findings)
}

/// `text` with the (sorted, disjoint) edits made.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.replacement);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `bytes` with each range replaced; ranges must not overlap.
fn splice(bytes: &[u8], mut splices: Vec<Splice>) -> Vec<u8> {
    splices.sort_by_key(|(r, _)| r.start);
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0usize;
    for (range, new) in splices {
        let (s, e) = (range.start as usize, range.end as usize);
        out.extend_from_slice(&bytes[at..s]);
        out.extend_from_slice(&new);
        at = e;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

/// The content of a JSON string literal for `s` (without the quotes).
pub fn escape_json(s: &str) -> Vec<u8> {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.into_bytes()
}

fn describe(s: &str) -> String {
    const SHOWN: usize = 6;
    let n = s.chars().count();
    if n == 0 {
        return "nothing".to_string();
    }
    let mut d: String = s
        .chars()
        .take(SHOWN)
        .map(|c| {
            if c.is_ascii_graphic() {
                format!("`{c}`")
            } else {
                plainsight_core::chars::visible(c)
            }
        })
        .collect();
    if n > SHOWN {
        let _ = write!(d, "… ({n} characters)");
    }
    d
}

fn edit_finding(
    name: &str,
    doc: &Document<'_>,
    seg: &Segment<'_>,
    lines: &LineIndex<'_>,
    text_lines: &TextLines<'_>,
    e: &Edit,
) -> Finding {
    let message = if e.replacement.is_empty() {
        format!("normalized: removed {}", describe(&e.original))
    } else {
        format!(
            "normalized: replaced {} with {}",
            describe(&e.original),
            describe(&e.replacement)
        )
    };
    let mut f = Finding::new(
        e.rule,
        message,
        crate::location(name, doc, seg, lines, &e.span),
    );
    let distinct: BTreeSet<char> = e.original.chars().collect();
    f.chars = distinct
        .into_iter()
        .map(|c| CharNote::new(c, e.original.chars().filter(|&x| x == c).count()))
        .collect();
    f.excerpt = Some(text_lines.excerpt(e.span.clone(), "normalized"));
    f.notes = seg.notes();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_round_trips_through_the_scanner() {
        let s = "q\"b\\s/ n\nr\rt\tc\u{1}\u{1f}d\u{7f}’\u{2028}\u{1F600}";
        let lit = [b"[\"".as_slice(), &escape_json(s), b"\"]"].concat();
        let back = crate::json::scan_all(&lit, 0, &crate::json::ScanOptions::default()).unwrap();
        assert_eq!(back[0].text, s);
        let parsed: Vec<String> = serde_json::from_slice(&lit).unwrap();
        assert_eq!(parsed[0], s);
    }

    #[test]
    fn splice_keeps_untouched_bytes() {
        let out = splice(
            b"0123456789",
            vec![(5..7, b"xy".to_vec()), (1..2, b"".to_vec())],
        );
        assert_eq!(out, b"0234xy789");
    }

    /// A stand-in normalizer: folds ’ to ' and strips U+200B.
    fn fake(text: &str) -> Normalized {
        let mut out = String::new();
        let mut edits = Vec::new();
        for (i, c) in text.char_indices() {
            match c {
                '\u{2019}' => {
                    edits.push(Edit {
                        span: i..i + 3,
                        original: c.to_string(),
                        replacement: "'".into(),
                        rule: plainsight_core::Rule::ConfusableCharacter,
                    });
                    out.push('\'');
                }
                '\u{200B}' => edits.push(Edit {
                    span: i..i + 3,
                    original: c.to_string(),
                    replacement: String::new(),
                    rule: plainsight_core::Rule::InvisibleCharacter,
                }),
                c => out.push(c),
            }
        }
        Normalized { text: out, edits }
    }

    fn run(name: &str, src: &str) -> (String, Vec<Finding>) {
        let doc = document::load(name, src.as_bytes(), &InspectOptions::default()).unwrap();
        let (out, edits) = rewrite(name, src.as_bytes(), &doc, &|_| false, fake);
        (String::from_utf8(out).unwrap(), edits)
    }

    #[test]
    fn kept_pointers_are_left_byte_for_byte() {
        let src = r#"{"a":"It\u2019s","b":{"thinking":"It\u2019s","signature":"x"}}"#;
        let doc = document::load("k.json", src.as_bytes(), &InspectOptions::default()).unwrap();
        let keep = |p: &str| p.starts_with("/b/");
        let (out, edits) = rewrite("k.json", src.as_bytes(), &doc, &keep, fake);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":"It's","b":{"thinking":"It\u2019s","signature":"x"}}"#
        );
        assert_eq!(edits.len(), 1);
    }

    #[test]
    fn json_rewrite_keeps_structure_and_other_escapes() {
        let src = "{ \"k\u{200B}\" : [\"It\\u2019s \\\"q\\\"\",\n  \"keep\\u00e9\", 1.50 ] }";
        let (out, edits) = run("a.json", src);
        // The key is left alone, the changed string is re-escaped, the
        // unchanged one keeps its escape.
        assert_eq!(
            out,
            "{ \"k\u{200B}\" : [\"It's \\\"q\\\"\",\n  \"keep\\u00e9\", 1.50 ] }"
        );
        assert_eq!(edits.len(), 1);
        let at = src.find("\\u2019").unwrap() as u64;
        assert_eq!(edits[0].location.start.offset, at);
        assert_eq!(edits[0].location.end.offset, at + 6);
        assert_eq!(
            edits[0].location.json_pointer.as_deref(),
            Some("/k\u{200B}/0")
        );
        assert_eq!(
            edits[0].message,
            "normalized: replaced ⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩ with `'`"
        );
        assert_eq!(edits[0].chars[0].codepoint, "U+2019");
    }

    #[test]
    fn har_rewrite_goes_through_both_levels() {
        let src = r#"{"log":{"entries":[{"request":{"postData":{"text":"{\"system\":\"It\\u2019s\",\"n\":1}"}},"response":{"content":{"text":"a\u200bb"}}}]}}"#;
        let (out, edits) = run("c.har", src);
        assert_eq!(
            out,
            r#"{"log":{"entries":[{"request":{"postData":{"text":"{\"system\":\"It's\",\"n\":1}"}},"response":{"content":{"text":"ab"}}}]}}"#
        );
        assert_eq!(edits.len(), 2);
        let raw =
            |f: &Finding| &src[f.location.start.offset as usize..f.location.end.offset as usize];
        assert_eq!(raw(&edits[0]), r"\\u2019");
        assert_eq!(raw(&edits[1]), r"\u200b");
        assert_eq!(
            edits[0].location.part.as_deref(),
            Some("entries[0].request › system")
        );
    }

    #[test]
    fn text_rewrite_keeps_bom_and_lossy_replaces() {
        let (out, _) = run("t.txt", "\u{FEFF}It\u{2019}s");
        assert_eq!(out, "\u{FEFF}It's");
        let opts = InspectOptions {
            lossy: true,
            ..InspectOptions::default()
        };
        let bytes = b"a\xffb";
        let doc = document::load("t.txt", bytes, &opts).unwrap();
        let (out, edits) = rewrite("t.txt", bytes, &doc, &|_| false, fake);
        assert_eq!(out, "a\u{FFFD}b".as_bytes());
        assert!(edits.is_empty());
    }

    #[test]
    fn describe_names_hidden_characters() {
        assert_eq!(describe("'"), "`'`");
        assert_eq!(describe("\u{2019}"), "⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩");
        assert!(describe(&"\u{E0041}".repeat(10)).ends_with("… (10 characters)"));
    }
}
