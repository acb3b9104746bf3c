//! `plainsight inspect` as a library: turns a document (plain text, JSON, JSON
//! Lines, HAR, Anthropic / OpenAI request bodies) into text segments with a map
//! back to file positions, runs the text engine over them, and returns findings
//! located by file offset, line:column, JSON pointer and prompt part.
//!
//! The pipeline, one module per step:
//! 1. [`document`] decodes the input into segments (one per JSON string, keys
//!    included; one for a text file), each with an [`offsets::OffsetMap`] back
//!    to raw bytes. JSON is read by the strict iterative scanner in [`json`]
//!    because serde_json cannot say where a string was in the file.
//! 2. `plainsight_text::analyze_document` looks at all segments of the document
//!    at once, so odd-one-out statistics span the whole prompt.
//! 3. Each answer (segment, decoded span) is mapped back to file bytes, then to
//!    line:column with [`lines::LineIndex`]; the excerpt ([`excerpt`]) is cut
//!    from the decoded text, which is what the model reads.
//!
//! Format detection (`InputFormat::Auto`): the extension decides when it says
//! something (`.json`, `.jsonl`/`.ndjson`, `.har`; a `.json` holding JSON Lines
//! is read as JSON Lines); otherwise input starting with `{` or `[` is JSON if
//! it parses, JSON Lines if every line does; input that opens like a JSON
//! document (`{"`, `[{`, `["`, …) but does not parse is an error with the
//! line:column where it breaks (`--input-format text` reads it as text anyway);
//! anything else is plain text. A JSON document with `log.entries` is a HAR: its request and
//! response bodies are inspected (as nested JSON when they are), not its
//! headers. Request bodies of the Anthropic Messages, OpenAI Chat Completions
//! and Responses APIs are recognised by shape ([`llm`]) and their prompt parts
//! named in notes.
//!
//! Positions in `--lossy` mode: each invalid UTF-8 sequence becomes one U+FFFD
//! whose span covers exactly the bad bytes; everything else maps one to one.

pub mod document;
pub mod excerpt;
pub mod json;
pub mod lines;
pub mod llm;
mod normalize;
pub mod offsets;
pub mod path;

use plainsight_core::{Finding, Location};
use plainsight_text::TextFinding;

use crate::document::{Document, Segment};
use crate::excerpt::TextLines;
use crate::lines::LineIndex;

/// Input formats; `Auto` sniffs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InputFormat {
    #[default]
    Auto,
    Text,
    Json,
    Jsonl,
    Har,
}

#[derive(Clone, Debug)]
pub struct InspectOptions {
    pub format: InputFormat,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    pub lossy: bool,
    /// Largest input accepted, in bytes.
    pub max_size: u64,
    /// Deepest JSON nesting accepted.
    pub max_depth: usize,
    pub text: plainsight_text::Options,
}

impl Default for InspectOptions {
    fn default() -> InspectOptions {
        InspectOptions {
            format: InputFormat::Auto,
            lossy: false,
            max_size: 4 << 30,
            max_depth: 512,
            text: plainsight_text::Options::default(),
        }
    }
}

/// Why an input could not be inspected. Always names the input and the place.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    #[error("{name}: invalid UTF-8 at byte offset {offset} (use --lossy to replace it)")]
    InvalidUtf8 { name: String, offset: u64 },
    #[error("{name}:{line}:{column}: malformed JSON: {message}")]
    Json {
        name: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{name}: {size} bytes is over the limit of {limit} bytes (--max-size)")]
    TooLarge { name: String, size: u64, limit: u64 },
    #[error("{name}:{line}:{column}: not a valid HAR: {pointer} {message}")]
    InvalidHar {
        name: String,
        line: u32,
        column: u32,
        /// RFC 6901 pointer of the offending value.
        pointer: String,
        message: String,
    },
    #[error("{name}:{line}:{column}: JSON nested deeper than {limit} levels (--max-depth)")]
    TooDeep {
        name: String,
        line: u32,
        column: u32,
        limit: usize,
    },
}

/// Inspect one input. `name` is how locations name it (`<stdin>` for standard input).
pub fn inspect(
    name: &str,
    bytes: &[u8],
    opts: &InspectOptions,
) -> Result<Vec<Finding>, InspectError> {
    inspect_document(name, bytes, opts).map(|(findings, _)| findings)
}

/// [`inspect`], also handing back the decoded document (every string of it,
/// decoded, with its path), for a caller that reads the text again (the
/// guard's drift detection) without decoding the input a second time.
pub fn inspect_document<'a>(
    name: &str,
    bytes: &'a [u8],
    opts: &InspectOptions,
) -> Result<(Vec<Finding>, Document<'a>), InspectError> {
    let doc = document::load(name, bytes, opts)?;
    let texts: Vec<&str> = doc.segments.iter().map(|s| s.text.as_ref()).collect();
    let found = plainsight_text::analyze_document(&texts, &opts.text);
    let lines = LineIndex::new(bytes);
    // Findings come sorted by segment: index the current segment's lines once.
    let mut current: Option<(usize, TextLines<'_>)> = None;
    let mut findings = Vec::with_capacity(found.len());
    for tf in found {
        let Some(seg) = doc.segments.get(tf.segment) else {
            continue;
        };
        if current.as_ref().is_none_or(|(i, _)| *i != tf.segment) {
            current = Some((tf.segment, TextLines::new(&seg.text)));
        }
        if let Some((_, text_lines)) = &current {
            findings.extend(to_finding(name, &doc, &lines, text_lines, tf));
        }
    }
    drop(current);
    Ok((findings, doc))
}

/// Puts a text-engine answer back on the file.
fn to_finding(
    name: &str,
    doc: &Document<'_>,
    lines: &LineIndex<'_>,
    text_lines: &TextLines<'_>,
    tf: TextFinding,
) -> Option<Finding> {
    let seg = doc.segments.get(tf.segment)?;
    let mut notes: Vec<String> = tf
        .notes
        .into_iter()
        .map(|n| place_segment_refs(n, name, doc, lines))
        .collect();
    notes.extend(seg.notes());
    Some(Finding {
        rule: tf.rule,
        severity: tf.severity,
        confidence: tf.confidence,
        message: tf.message,
        location: location(name, doc, seg, lines, &tf.span),
        excerpt: Some(text_lines.excerpt(tf.span, &tf.label)),
        snippet: None,
        chars: tf.chars,
        decoded: tf.decoded,
        notes,
        help: tf.help,
        ..Finding::new(tf.rule, String::new(), plainsight_core::Location::default())
    })
}

/// The engine can only name places as `segment N at byte M` (its own input
/// coordinates); rewrite that into a file position and part, which is what a
/// reader can find. Notes in any other shape are kept as they are.
fn place_segment_refs(
    note: String,
    name: &str,
    doc: &Document<'_>,
    lines: &LineIndex<'_>,
) -> String {
    const MARK: &str = "in segment ";
    let Some(at) = note.find(MARK) else {
        return note;
    };
    let rest = &note[at + MARK.len()..];
    let seg_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = rest[seg_digits..].strip_prefix(" at byte ") else {
        return note;
    };
    let byte_digits = after.bytes().take_while(u8::is_ascii_digit).count();
    let (Ok(segment), Ok(byte)) = (
        rest[..seg_digits].parse::<usize>(),
        after[..byte_digits].parse::<usize>(),
    ) else {
        return note;
    };
    let Some(seg) = doc.segments.get(segment) else {
        return note;
    };
    let pos = lines.position(doc.to_file(seg, byte));
    let place = match &seg.part() {
        Some(part) => format!("at {name}:{}:{} ({part})", pos.line, pos.column),
        None => format!("at {name}:{}:{}", pos.line, pos.column),
    };
    let end = at + MARK.len() + seg_digits + " at byte ".len() + byte_digits;
    format!("{}{place}{}", &note[..at], &note[end..])
}

fn location(
    name: &str,
    doc: &Document<'_>,
    seg: &Segment<'_>,
    lines: &LineIndex<'_>,
    span: &std::ops::Range<usize>,
) -> Location {
    Location {
        chain: Vec::new(),
        path: name.to_string(),
        start: lines.position(doc.to_file(seg, span.start)),
        end: lines.position(doc.to_file(seg, span.end.max(span.start))),
        json_pointer: seg.pointer(),
        part: seg.part(),
    }
}

/// `inspect --normalize`: the input with every string normalized (for JSON-like
/// inputs the structure is kept and only string values change), plus the edits.
///
/// Member names are left alone (renaming a key changes what the document
/// means); strings without edits keep their original escapes byte for byte.
pub fn normalize(
    name: &str,
    bytes: &[u8],
    opts: &InspectOptions,
    policy: &plainsight_text::Policy,
) -> Result<(Vec<u8>, Vec<Finding>), InspectError> {
    normalize::normalize(name, bytes, opts, policy, &|_| false)
}

/// [`normalize`], leaving alone every JSON string whose pointer `keep`
/// accepts (guard keeps signed fields such as thinking blocks byte for
/// byte: rewriting one half of a signed pair makes providers answer 400).
pub fn normalize_except(
    name: &str,
    bytes: &[u8],
    opts: &InspectOptions,
    policy: &plainsight_text::Policy,
    keep: &dyn Fn(&str) -> bool,
) -> Result<(Vec<u8>, Vec<Finding>), InspectError> {
    normalize::normalize(name, bytes, opts, policy, keep)
}

#[cfg(test)]
mod tests {
    use plainsight_core::{CharNote, Confidence, Position, Rule, Severity};

    use super::*;

    fn engine_says(segment: usize, span: std::ops::Range<usize>) -> TextFinding {
        TextFinding {
            rule: Rule::ConfusableCharacter,
            severity: Severity::Medium,
            confidence: Confidence::High,
            segment,
            span,
            message: "look-alike".into(),
            label: "U+2019".into(),
            chars: vec![CharNote::new('\u{2019}', 1)],
            decoded: None,
            notes: vec!["engine note".into()],
            help: Some("help".into()),
        }
    }

    #[test]
    fn text_finding_is_put_back_on_the_file() {
        let src = "{\n  \"system\": \"Line one\\nToday\\u2019s date\",\n  \"messages\": []\n}";
        let doc = document::load("b.json", src.as_bytes(), &InspectOptions::default()).unwrap();
        let seg = doc
            .segments
            .iter()
            .position(|s| s.text.contains('\u{2019}'))
            .unwrap();
        let at = doc.segments[seg].text.find('\u{2019}').unwrap();
        let lines = LineIndex::new(src.as_bytes());
        let f = to_finding(
            "b.json",
            &doc,
            &lines,
            &TextLines::new(&doc.segments[seg].text),
            engine_says(seg, at..at + 3),
        )
        .unwrap();
        let raw = src.find("\\u2019").unwrap() as u64;
        assert_eq!(
            f.location.start,
            Position {
                offset: raw,
                line: 2,
                column: 29
            }
        );
        assert_eq!(f.location.end.offset, raw + 6);
        assert_eq!(f.location.json_pointer.as_deref(), Some("/system"));
        assert_eq!(f.location.part.as_deref(), Some("system"));
        let ex = f.excerpt.unwrap();
        // The excerpt is the decoded second line of the string.
        assert_eq!((ex.line, ex.text.as_str()), (2, "Today\u{2019}s date"));
        assert_eq!(&ex.text[ex.start..ex.end], "\u{2019}");
        assert_eq!(ex.label, "U+2019");
        assert_eq!(
            f.notes,
            ["engine note", "Anthropic Messages request: system prompt"]
        );
        assert_eq!(
            (f.rule, f.severity, f.help.as_deref()),
            (Rule::ConfusableCharacter, Severity::Medium, Some("help"))
        );
        // Engine coordinates in notes become file positions.
        let mut tf = engine_says(seg, at..at + 3);
        tf.notes = vec![
            format!("majority form U+0027 ×3, first in segment {seg} at byte 5, see"),
            "in segment 999 at byte 1".into(),
            "in segment x".into(),
        ];
        let f = to_finding(
            "b.json",
            &doc,
            &lines,
            &TextLines::new(&doc.segments[seg].text),
            tf,
        )
        .unwrap();
        assert_eq!(
            f.notes[..3],
            [
                "majority form U+0027 ×3, first at b.json:2:19 (system), see",
                "in segment 999 at byte 1",
                "in segment x"
            ]
        );
        // A segment index out of range is dropped, not a panic.
        assert!(
            to_finding(
                "b.json",
                &doc,
                &lines,
                &TextLines::new(&doc.segments[seg].text),
                engine_says(999, 0..1)
            )
            .is_none()
        );
    }
}
