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
    let doc = document::load(name, bytes, opts)?;
    let texts: Vec<&str> = doc.segments.iter().map(|s| s.text.as_ref()).collect();
    let found = plainsight_text::analyze_document(&texts, &opts.text);
    let lines = LineIndex::new(bytes);
    Ok(found
        .into_iter()
        .filter_map(|tf| to_finding(name, &doc, &lines, tf))
        .collect())
}

/// Puts a text-engine answer back on the file.
fn to_finding(
    name: &str,
    doc: &Document<'_>,
    lines: &LineIndex<'_>,
    tf: TextFinding,
) -> Option<Finding> {
    let seg = doc.segments.get(tf.segment)?;
    let mut notes = tf.notes;
    notes.extend(seg.notes.iter().cloned());
    Some(Finding {
        rule: tf.rule,
        severity: tf.severity,
        confidence: tf.confidence,
        message: tf.message,
        location: location(name, doc, seg, lines, &tf.span),
        excerpt: Some(excerpt::excerpt(&seg.text, tf.span, &tf.label)),
        snippet: None,
        chars: tf.chars,
        decoded: tf.decoded,
        notes,
        help: tf.help,
    })
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
        json_pointer: seg.pointer.clone(),
        part: seg.part.clone(),
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
    normalize::normalize(name, bytes, opts, policy)
}
