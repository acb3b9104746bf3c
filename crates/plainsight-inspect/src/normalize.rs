//! `inspect --normalize`: rewrite only the strings that change.
//!
//! The output is the input with replacements spliced in at the raw spans the
//! segments came from, so structure, whitespace, key order, number spelling and
//! untouched escapes stay byte-identical. A changed JSON string is re-escaped
//! minimally (quotes, backslashes, control characters; other characters are
//! written as UTF-8). A changed string inside a HAR body is spliced into the
//! decoded body first, and the body is then re-escaped into its HAR string.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::Range;

use plainsight_core::{CharNote, Finding};
use plainsight_text::{Edit, Policy};

use crate::document::{self, Document, Segment};
use crate::json::StringKind;
use crate::lines::LineIndex;
use crate::{InspectError, InspectOptions};

type Splice = (Range<u64>, Vec<u8>);

pub fn normalize(
    name: &str,
    bytes: &[u8],
    opts: &InspectOptions,
    policy: &Policy,
) -> Result<(Vec<u8>, Vec<Finding>), InspectError> {
    let doc = document::load(name, bytes, opts)?;
    let lines = LineIndex::new(bytes);
    let mut findings = Vec::new();
    let mut file_splices: Vec<Splice> = Vec::new();
    let mut carrier_splices: Vec<Vec<Splice>> = vec![Vec::new(); doc.carriers.len()];
    for seg in &doc.segments {
        if seg.kind == StringKind::Key {
            continue;
        }
        let n = plainsight_text::normalize(&seg.text, policy);
        // A lossily decoded text file is written back decoded (U+FFFD for bad bytes).
        let redecoded = !seg.json && matches!(seg.text, Cow::Owned(_));
        if n.edits.is_empty() && !redecoded {
            continue;
        }
        findings.extend(
            n.edits
                .iter()
                .map(|e| edit_finding(name, &doc, seg, &lines, e)),
        );
        let new = if seg.json {
            escape_json(&n.text)
        } else {
            n.text.into_bytes()
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
    Ok((splice(bytes, file_splices), findings))
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
                format!("'{c}'")
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
    f.excerpt = Some(crate::excerpt::excerpt(
        &seg.text,
        e.span.clone(),
        "normalized",
    ));
    f.notes.clone_from(&seg.notes);
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

    #[test]
    fn describe_names_hidden_characters() {
        assert_eq!(describe("'"), "'''");
        assert_eq!(describe("\u{2019}"), "⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩");
        assert!(describe(&"\u{E0041}".repeat(10)).ends_with("… (10 characters)"));
    }
}
