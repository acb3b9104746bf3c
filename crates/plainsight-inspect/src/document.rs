//! Turning an input into text segments with a way back to file bytes.
//!
//! A [`Document`] is what the text engine sees (a list of segments) plus what
//! is needed to put its answers back on the file: for each segment an
//! [`OffsetMap`] from decoded offsets to raw offsets, its JSON pointer and its
//! part name. Strings nested in strings (a HAR `postData.text` holding a JSON
//! request body) go through two maps: the inner map leads to an offset in the
//! decoded outer string (a [`Carrier`]), whose own map leads to the file.
//!
//! The same structure serves `--normalize`: each segment also knows the raw
//! span it was decoded from, so a changed string can be written back in place.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use crate::json::ValueKind;
use crate::json::{self, JsonString, ScanError, ScanErrorKind, ScanOptions, StringKind};
use crate::lines::LineIndex;
use crate::llm::{self, PartNamer};
use crate::offsets::{self, OffsetMap};
use crate::path::{self, JsonPath, PathSeg};
use crate::{InputFormat, InspectError, InspectOptions};

/// A string that holds a nested document (HAR bodies).
pub struct Carrier {
    pub text: String,
    /// Raw span of the string content in the file.
    pub raw: Range<u64>,
    pub map: OffsetMap,
}

pub struct Segment<'a> {
    pub text: Cow<'a, str>,
    pub map: OffsetMap,
    /// The carrier `map` leads into; `None` when it leads to the file.
    pub carrier: Option<usize>,
    /// Raw span decoded into `text` (file offsets, or offsets in the carrier's text).
    pub raw: Range<u64>,
    /// A JSON string (re-escape when rewriting) rather than plain text.
    pub json: bool,
    pub kind: StringKind,
    /// Path of the string in its JSON document (empty for plain text).
    pub path: JsonPath,
    /// `\uD800`-style escapes of unpaired surrogates in the string.
    pub lone_surrogates: usize,
    /// What the segment's document is: shared by all its strings.
    pub context: Option<Arc<Context>>,
}

/// Where a document sits and what it is, shared by its segments. Pointers,
/// part names and notes are only written out for segments with findings, so
/// a large document costs no string building per segment.
#[derive(Default)]
pub struct Context {
    /// Goes before part names: `line 3`, `entries[4].request`.
    pub prefix: Option<String>,
    /// Between prefix and path: `: ` or ` › `.
    pub joiner: &'static str,
    /// Pointer for every segment (a nested body's strings are all in one HAR string).
    pub pointer: Option<String>,
    /// The LLM API the document is a request body of, if recognised.
    pub namer: Option<PartNamer>,
    /// Notes for every finding here (e.g. the HAR exchange).
    pub notes: Vec<String>,
}

impl Segment<'_> {
    /// RFC 6901 pointer of the JSON string (JSON-like inputs only).
    pub fn pointer(&self) -> Option<String> {
        if let Some(p) = self.context.as_ref().and_then(|c| c.pointer.clone()) {
            return Some(p);
        }
        self.json.then(|| path::pointer(&self.path.to_vec()))
    }

    /// Human name of the part: `messages[3].content[1].text`, `line 2: model`,
    /// `entries[4].request › system`, `items[1]["na\u200bme"] (member name)`.
    pub fn part(&self) -> Option<String> {
        let prefix = self.context.as_ref().and_then(|c| c.prefix.as_deref());
        if !self.json {
            return prefix.map(str::to_string);
        }
        let mut part = path::part_name(&self.path.to_vec());
        if self.kind == StringKind::Key {
            part = Some(format!("{} (member name)", part.unwrap_or_default()));
        }
        match (prefix, part) {
            (None, p) => p,
            (Some(pre), None) => Some(pre.to_string()),
            (Some(pre), Some(p)) => {
                let joiner = self.context.as_ref().map_or("", |c| c.joiner);
                Some(format!("{pre}{joiner}{p}"))
            }
        }
    }

    /// Context for a reader: what the part is in an LLM API, odd escapes, the
    /// HAR exchange.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(c) = &self.context {
            notes.extend(
                c.namer
                    .as_ref()
                    .and_then(|n| n.describe(&self.path, self.kind)),
            );
        }
        if self.lone_surrogates > 0 {
            notes.push(format!(
                "the string holds {} unpaired surrogate escape(s) (\\uD800-\\uDFFF), decoded as U+FFFD; no valid encoder writes these",
                self.lone_surrogates
            ));
        }
        if let Some(c) = &self.context {
            notes.extend(c.notes.iter().cloned());
        }
        notes
    }
}

pub struct Document<'a> {
    pub segments: Vec<Segment<'a>>,
    pub carriers: Vec<Carrier>,
}

impl Document<'_> {
    /// File offset of decoded offset `d` of segment `seg`.
    pub fn to_file(&self, seg: &Segment<'_>, d: usize) -> u64 {
        let r = seg.map.to_raw(d);
        match seg.carrier {
            None => r,
            Some(c) => self.carriers[c]
                .map
                .to_raw(usize::try_from(r).unwrap_or(usize::MAX)),
        }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes `bytes` into a document, detecting the format if asked to.
pub fn load<'a>(
    name: &str,
    bytes: &'a [u8],
    opts: &InspectOptions,
) -> Result<Document<'a>, InspectError> {
    let size = bytes.len() as u64;
    if size > opts.max_size {
        return Err(InspectError::TooLarge {
            name: name.to_string(),
            size,
            limit: opts.max_size,
        });
    }
    let scan_opts = ScanOptions {
        max_depth: opts.max_depth,
        lossy: opts.lossy,
    };
    let format = match opts.format {
        InputFormat::Auto => format_from_name(name),
        f => f,
    };
    match format {
        InputFormat::Text => text_document(name, bytes, opts.lossy),
        // A `.json` name that holds JSON Lines: say so only if it is not JSON.
        InputFormat::Json if opts.format == InputFormat::Auto => {
            match scan_top(bytes, &scan_opts) {
                Ok((strings, har)) => har_or_json(name, bytes, strings, &har, false, &scan_opts),
                Err(e) => jsonl_document(name, bytes, &scan_opts)
                    .ok()
                    .filter(|d| !d.segments.is_empty())
                    .ok_or_else(|| json_error(name, bytes, &e)),
            }
        }
        InputFormat::Json => {
            let strings =
                json::scan_all(bytes, 0, &scan_opts).map_err(|e| json_error(name, bytes, &e))?;
            Ok(json_document(strings))
        }
        InputFormat::Har => {
            let (strings, har) =
                scan_top(bytes, &scan_opts).map_err(|e| json_error(name, bytes, &e))?;
            har_or_json(name, bytes, strings, &har, true, &scan_opts)
        }
        InputFormat::Jsonl => jsonl_document(name, bytes, &scan_opts),
        InputFormat::Auto => {
            // Sniff: JSON if it parses, JSON Lines if every line does, text otherwise.
            let first = bytes
                .strip_prefix(BOM)
                .unwrap_or(bytes)
                .iter()
                .find(|b| !b.is_ascii_whitespace());
            if matches!(first, Some(b'{' | b'[')) {
                let err = match scan_top(bytes, &scan_opts) {
                    Ok((strings, har)) => {
                        return har_or_json(name, bytes, strings, &har, false, &scan_opts);
                    }
                    Err(e) => e,
                };
                if memchr::memchr(b'\n', bytes.trim_ascii()).is_some()
                    && let Ok(doc) = jsonl_document(name, bytes, &scan_opts)
                {
                    return Ok(doc);
                }
                // Input that opens like a JSON document and is not one is a broken
                // capture: say where it breaks (`--input-format text` reads it as text).
                if looks_like_json(bytes) {
                    return Err(json_error(name, bytes, &err));
                }
            }
            text_document(name, bytes, opts.lossy)
        }
    }
}

/// Does `bytes` open the way a JSON document does: `{` followed by `"` or `}`,
/// or `[` followed by a value that is not prose (`{`, `[`, `"`, `]`, a digit)?
/// Prose may start with `[` (a Markdown link) or `{` (a template), so only these
/// openings make a parse failure an error rather than a reason to read text.
fn looks_like_json(bytes: &[u8]) -> bool {
    let mut it = bytes
        .strip_prefix(BOM)
        .unwrap_or(bytes)
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace());
    matches!(
        (it.next(), it.next()),
        (Some(b'{'), Some(b'"' | b'}'))
            | (
                Some(b'['),
                Some(b'{' | b'[' | b'"' | b']' | b'-' | b'0'..=b'9')
            )
    )
}

/// Format named by the file extension; `Auto` when the name says nothing.
fn format_from_name(name: &str) -> InputFormat {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") => InputFormat::Json,
        Some("jsonl" | "ndjson") => InputFormat::Jsonl,
        Some("har") => InputFormat::Har,
        _ => InputFormat::Auto,
    }
}

pub fn json_error(name: &str, bytes: &[u8], e: &ScanError) -> InspectError {
    let name = name.to_string();
    let pos = LineIndex::new(bytes).position(e.offset);
    match &e.kind {
        ScanErrorKind::InvalidUtf8 => InspectError::InvalidUtf8 {
            name,
            offset: e.offset,
        },
        ScanErrorKind::TooDeep { limit } => InspectError::TooDeep {
            name,
            line: pos.line,
            column: pos.column,
            limit: *limit,
        },
        ScanErrorKind::Syntax(m) => InspectError::Json {
            name,
            line: pos.line,
            column: pos.column,
            message: m.clone(),
        },
    }
}

/// A plain text file is one segment. A leading BOM is skipped (it marks the
/// encoding, it is not hidden content). Valid UTF-8 is borrowed, not copied.
fn text_document<'a>(
    name: &str,
    bytes: &'a [u8],
    lossy: bool,
) -> Result<Document<'a>, InspectError> {
    let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let body = &bytes[skip..];
    let (text, map) = match std::str::from_utf8(body) {
        Ok(s) => (Cow::Borrowed(s), OffsetMap::linear(skip as u64)),
        Err(e) if !lossy => {
            return Err(InspectError::InvalidUtf8 {
                name: name.to_string(),
                offset: (skip + e.valid_up_to()) as u64,
            });
        }
        Err(_) => {
            let (s, map) = offsets::decode_lossy(body, skip as u64);
            (Cow::Owned(s), map)
        }
    };
    Ok(Document {
        segments: vec![Segment {
            text,
            map,
            carrier: None,
            raw: skip as u64..bytes.len() as u64,
            json: false,
            kind: StringKind::Value,
            path: JsonPath::root(),
            lone_surrogates: 0,
            context: None,
        }],
        carriers: Vec::new(),
    })
}

fn json_segment<'a>(
    s: JsonString<'a>,
    carrier: Option<usize>,
    context: Option<&Arc<Context>>,
) -> Segment<'a> {
    Segment {
        text: s.text,
        map: s.map,
        carrier,
        raw: s.raw,
        json: true,
        kind: s.kind,
        path: s.path,
        lone_surrogates: s.lone_surrogates,
        context: context.cloned(),
    }
}

/// Segments for one JSON document's strings, in the given context (to which
/// the recognised LLM API, if any, is added).
fn push_json_strings<'a>(
    segments: &mut Vec<Segment<'a>>,
    strings: Vec<JsonString<'a>>,
    carrier: Option<usize>,
    mut context: Context,
) {
    context.namer = llm::detect(&strings).map(|kind| PartNamer::new(kind, &strings));
    let shared = (context.prefix.is_some()
        || context.pointer.is_some()
        || context.namer.is_some()
        || !context.notes.is_empty())
    .then(|| Arc::new(context));
    segments.extend(
        strings
            .into_iter()
            .map(|s| json_segment(s, carrier, shared.as_ref())),
    );
}

fn json_document(strings: Vec<JsonString<'_>>) -> Document<'_> {
    let mut segments = Vec::with_capacity(strings.len());
    push_json_strings(&mut segments, strings, None, Context::default());
    Document {
        segments,
        carriers: Vec::new(),
    }
}

/// What a document's shape says about it being a HAR (HTTP Archive 1.2):
/// whether it has `log.entries`, and the first value whose type breaks the
/// parts of the format inspection relies on.
#[derive(Default)]
struct HarShape {
    has_entries: bool,
    problem: Option<HarProblem>,
}

struct HarProblem {
    pointer: String,
    expected: ValueKind,
    found: ValueKind,
    offset: u64,
}

impl HarShape {
    /// Called for every value of the document as it starts.
    fn value(&mut self, path: &JsonPath, found: ValueKind, offset: u64) {
        // Only the first few levels have a shape HAR defines; deeper values
        // (a request header's parts, a nested body) are not looked at.
        if path.len() < 2 || path.len() > 6 || path.get(0).and_then(PathSeg::key) != Some("log") {
            return;
        }
        let steps = path.to_vec();
        let key = |i: usize| steps.get(i).and_then(PathSeg::key);
        let is_index = |i: usize| steps.get(i).and_then(PathSeg::index).is_some();
        if key(1) != Some("entries") {
            return;
        }
        let expected = match steps.len() {
            2 => {
                self.has_entries = true;
                ValueKind::Array
            }
            3 => ValueKind::Object,
            4 if matches!(key(3), Some("request" | "response")) => ValueKind::Object,
            5 if matches!(
                (key(3), key(4)),
                (Some("request"), Some("postData")) | (Some("response"), Some("content"))
            ) =>
            {
                ValueKind::Object
            }
            5 if key(3) == Some("request") && matches!(key(4), Some("method" | "url")) => {
                ValueKind::String
            }
            6 if matches!(
                (key(3), key(4), key(5)),
                (Some("request"), Some("postData"), Some("text"))
                    | (Some("response"), Some("content"), Some("text" | "encoding"))
            ) =>
            {
                ValueKind::String
            }
            _ => return,
        };
        // An entry is an element of the array, not a member of an object
        // posing as one (that is reported at `entries` itself).
        if steps.len() >= 3 && !is_index(2) {
            return;
        }
        if found != expected && self.problem.is_none() {
            self.problem = Some(HarProblem {
                pointer: path::pointer(&steps),
                expected,
                found,
                offset,
            });
        }
    }
}

/// The strings of a top-level document, with what its shape says about HAR.
fn scan_top<'a>(
    bytes: &'a [u8],
    opts: &ScanOptions,
) -> Result<(Vec<JsonString<'a>>, HarShape), ScanError> {
    let mut strings = Vec::new();
    let mut har = HarShape::default();
    json::scan_shaped(bytes, 0, opts, &mut |s| strings.push(s), &mut |p, k, o| {
        har.value(p, k, o);
    })?;
    Ok((strings, har))
}

/// Where a HAR keeps message bodies: `log.entries[i].request.postData.text`
/// and `log.entries[i].response.content.text`. Returns the entry index and the
/// side (`request` / `response`).
fn har_body(path: &JsonPath) -> Option<(usize, &'static str)> {
    if path.len() != 6 {
        return None;
    }
    let [log, entries, i, side, holder, text]: [PathSeg; 6] = path.to_vec().try_into().ok()?;
    if log.key() != Some("log") || entries.key() != Some("entries") || text.key() != Some("text") {
        return None;
    }
    let side = match (side.key()?, holder.key()?) {
        ("request", "postData") => "request",
        ("response", "content") => "response",
        _ => return None,
    };
    Some((i.index()?, side))
}

/// A HAR is inspected where the prompts are: request and response bodies,
/// each parsed as a nested JSON document when it is one. Base64-encoded
/// response bodies (`content.encoding: "base64"`) are binary and skipped.
///
/// A document with `log.entries` (or any document read as HAR, by `.har` name
/// or `--input-format har`) whose shape breaks HAR where inspection looks
/// (`entries` not an array, a body `text` not a string) is an error naming the
/// place: skipping it would report the capture clean without reading it.
fn har_or_json<'a>(
    name: &str,
    bytes: &[u8],
    strings: Vec<JsonString<'a>>,
    har: &HarShape,
    must_be_har: bool,
    opts: &ScanOptions,
) -> Result<Document<'a>, InspectError> {
    if !har.has_entries && !must_be_har {
        return Ok(json_document(strings));
    }
    let invalid = |pointer: String, offset: u64, message: String| {
        let pos = LineIndex::new(bytes).position(offset);
        InspectError::InvalidHar {
            name: name.to_string(),
            line: pos.line,
            column: pos.column,
            pointer,
            message,
        }
    };
    if !har.has_entries {
        return Err(invalid(
            "/log/entries".into(),
            0,
            "missing: a HAR keeps its exchanges in the array log.entries".into(),
        ));
    }
    if let Some(p) = &har.problem {
        return Err(invalid(
            p.pointer.clone(),
            p.offset,
            format!(
                "is {}, HAR 1.2 requires {}",
                p.found.describe(),
                p.expected.describe()
            ),
        ));
    }
    let base64_responses: HashSet<usize> = strings
        .iter()
        .filter(|s| {
            s.kind == StringKind::Value
                && s.text == "base64"
                && s.path.len() == 6
                && s.path.get(3).and_then(PathSeg::key) == Some("response")
                && s.path.get(5).and_then(PathSeg::key) == Some("encoding")
        })
        .filter_map(|s| s.path.get(2)?.index())
        .collect();
    // `POST https://…` per entry, so a finding says which exchange it is in.
    let mut requests: HashMap<usize, (String, String)> = HashMap::new();
    for s in &strings {
        if s.path.len() != 5 {
            continue;
        }
        if let (Ok([log, entries, i, req, field]), StringKind::Value) =
            (<[PathSeg; 5]>::try_from(s.path.to_vec()), s.kind)
            && log.key() == Some("log")
            && entries.key() == Some("entries")
            && req.key() == Some("request")
            && let Some(i) = i.index()
        {
            let slot = requests.entry(i).or_default();
            match field.key() {
                Some("method") => slot.0 = s.text.to_string(),
                Some("url") => slot.1 = s.text.to_string(),
                _ => {}
            }
        }
    }
    let mut doc = Document {
        segments: Vec::new(),
        carriers: Vec::new(),
    };
    for s in strings {
        if s.kind != StringKind::Value {
            continue;
        }
        let Some((entry, side)) = har_body(&s.path) else {
            continue;
        };
        if side == "response" && base64_responses.contains(&entry) {
            continue;
        }
        let prefix = format!("entries[{entry}].{side}");
        let pointer = path::pointer(&s.path.to_vec());
        let exchange = requests.get(&entry).map(|(method, url)| {
            format!("HAR entry {entry}: {method} {url}")
                .trim_end()
                .to_string()
        });
        let carrier = doc.carriers.len();
        // The nested strings borrow from the carrier's text, which the
        // document owns: they own their text instead.
        let inner = json::scan_all(s.text.as_bytes(), 0, opts).map(|v| {
            v.into_iter()
                .map(JsonString::into_owned)
                .collect::<Vec<_>>()
        });
        let text_len = s.text.len() as u64;
        doc.carriers.push(Carrier {
            text: s.text.into_owned(),
            raw: s.raw,
            map: s.map,
        });
        // The pointer must lead into the file: it names the HAR string; the
        // part names the place inside the nested body.
        let context = Context {
            prefix: Some(prefix),
            joiner: " › ",
            pointer: Some(pointer),
            namer: None,
            notes: exchange.into_iter().collect(),
        };
        match inner {
            Ok(inner) => push_json_strings(&mut doc.segments, inner, Some(carrier), context),
            Err(_) => doc.segments.push(Segment {
                text: Cow::Owned(doc.carriers[carrier].text.clone()),
                map: OffsetMap::linear(0),
                carrier: Some(carrier),
                raw: 0..text_len,
                json: false,
                kind: StringKind::Value,
                path: JsonPath::root(),
                lone_surrogates: 0,
                context: Some(Arc::new(context)),
            }),
        }
    }
    Ok(doc)
}

/// One JSON document per non-blank line; part names start with `line N: `.
fn jsonl_document<'a>(
    name: &str,
    bytes: &'a [u8],
    opts: &ScanOptions,
) -> Result<Document<'a>, InspectError> {
    let mut segments = Vec::new();
    let mut start = 0usize;
    let mut line_no = 1usize;
    while start <= bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &bytes[start..end];
        let blank = line.iter().all(u8::is_ascii_whitespace)
            || (start == 0
                && line
                    .strip_prefix(BOM)
                    .is_some_and(|l| l.iter().all(u8::is_ascii_whitespace)));
        if !blank {
            let strings = json::scan_all(line, start as u64, opts)
                .map_err(|e| json_error(name, bytes, &e))?;
            let context = Context {
                prefix: Some(format!("line {line_no}")),
                joiner: ": ",
                ..Context::default()
            };
            push_json_strings(&mut segments, strings, None, context);
        }
        start = end + 1;
        line_no += 1;
    }
    Ok(Document {
        segments,
        carriers: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(name: &str, s: &str) -> Document<'static> {
        let leaked: &'static [u8] = Box::leak(s.as_bytes().to_vec().into_boxed_slice());
        load(name, leaked, &InspectOptions::default()).unwrap()
    }

    #[test]
    fn format_sniffing() {
        let d = load_str("<stdin>", "{\"a\": \"b\"}");
        assert_eq!(d.segments.len(), 2);
        assert!(d.segments[1].json);
        let d = load_str("<stdin>", "{\"a\": \"b\"}\n{\"a\": \"c\"}\n");
        assert_eq!(d.segments[3].part().as_deref(), Some("line 2: a"));
        let d = load_str("<stdin>", "{ not json }");
        assert_eq!(d.segments.len(), 1);
        assert!(!d.segments[0].json);
        let d = load_str("notes.txt", "plain");
        assert_eq!(d.segments[0].text, "plain");
    }

    #[test]
    fn sniffed_json_that_breaks_is_an_error_with_its_place() {
        let e = load(
            "<stdin>",
            b"{\"system\": \"x\",\n \"messages\": [",
            &InspectOptions::default(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().starts_with("<stdin>:2:"), "{e}");
        let e = load("<stdin>", b"[{\"a\": 1},", &InspectOptions::default())
            .err()
            .unwrap();
        assert!(matches!(e, InspectError::Json { .. }), "{e}");
        // Prose that merely starts with a bracket is text.
        let d = load_str("<stdin>", "[link](https://example.com) and {braces}");
        assert!(!d.segments[0].json);
    }

    #[test]
    fn json_extension_means_errors_are_reported() {
        let e = load("x.json", b"{\n  \"a\": tru\n}", &InspectOptions::default())
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "x.json:2:8: malformed JSON: invalid literal, expected `true`"
        );
    }

    #[test]
    fn json_name_with_json_lines_inside() {
        let d = load_str("log.json", "{\"a\": \"b\"}\n{\"a\": \"c\"}\n");
        assert_eq!(d.segments[3].part().as_deref(), Some("line 2: a"));
        // Forced JSON stays strict.
        let opts = InspectOptions {
            format: InputFormat::Json,
            ..InspectOptions::default()
        };
        let e = load("log.json", b"{}\n{}\n", &opts).err().unwrap();
        assert_eq!(
            e.to_string(),
            "log.json:2:1: malformed JSON: unexpected '{' after the JSON value"
        );
    }

    #[test]
    fn too_large() {
        let opts = InspectOptions {
            max_size: 3,
            ..InspectOptions::default()
        };
        let e = load("f", b"abcd", &opts).err().unwrap();
        assert!(matches!(
            e,
            InspectError::TooLarge {
                size: 4,
                limit: 3,
                ..
            }
        ));
    }

    #[test]
    fn text_bom_and_invalid_utf8() {
        let d = load_str("t.txt", "\u{FEFF}hi");
        assert_eq!(d.segments[0].text, "hi");
        assert_eq!(d.to_file(&d.segments[0], 0), 3);
        let e = load("t.txt", b"ok\nb\xffd", &InspectOptions::default())
            .err()
            .unwrap();
        assert!(
            matches!(e, InspectError::InvalidUtf8 { offset: 4, .. }),
            "{e}"
        );
        let opts = InspectOptions {
            lossy: true,
            ..InspectOptions::default()
        };
        let d = load("t.txt", b"ok\nb\xffd", &opts).unwrap();
        assert_eq!(d.segments[0].text, "ok\nb\u{FFFD}d");
        assert_eq!(d.to_file(&d.segments[0], 4), 4);
        assert_eq!(d.to_file(&d.segments[0], 7), 5);
    }

    #[test]
    fn har_nested_maps_through_two_levels() {
        // postData.text holds an escaped JSON body with an escaped ’.
        let har = r#"{"log":{"entries":[{"request":{"postData":{"text":"{\"system\":\"It\\u2019s\",\"messages\":[]}"}}}]}}"#;
        let d = load_str("cap.har", har);
        let seg = d
            .segments
            .iter()
            .find(|s| s.text.contains('\u{2019}'))
            .unwrap();
        assert_eq!(seg.part().as_deref(), Some("entries[0].request › system"));
        assert_eq!(
            seg.pointer().as_deref(),
            Some("/log/entries/0/request/postData/text")
        );
        let at = d.to_file(seg, 2) as usize;
        let end = d.to_file(seg, 5) as usize;
        assert_eq!(&har[at..end], r"\\u2019");
        assert_eq!(seg.notes(), ["Anthropic Messages request: system prompt"]);
    }

    #[test]
    fn malformed_har_is_an_error_with_its_pointer() {
        let opts = InspectOptions::default();
        for (har, pointer, found) in [
            (
                r#"{"log":{"entries":{"request":{}}}}"#,
                "/log/entries",
                "an object",
            ),
            (r#"{"log":{"entries":"x"}}"#, "/log/entries", "a string"),
            (
                r#"{"log":{"entries":[{"request":{"postData":{"text":7}}}]}}"#,
                "/log/entries/0/request/postData/text",
                "a number",
            ),
            (
                r#"{"log":{"entries":[{"response":{"content":{"text":{"a":"b"}}}}]}}"#,
                "/log/entries/0/response/content/text",
                "an object",
            ),
            (
                r#"{"log":{"entries":[{"response":{"content":"hi"}}]}}"#,
                "/log/entries/0/response/content",
                "a string",
            ),
            (r#"{"log":{"entries":[1]}}"#, "/log/entries/0", "a number"),
            (
                r#"{"log":{"entries":[{"request":{"postData":{"text":"ok"}}},{"request":null}]}}"#,
                "/log/entries/1/request",
                "null",
            ),
        ] {
            for name in ["cap.har", "cap.json", "cap"] {
                let Err(e) = load(name, har.as_bytes(), &opts) else {
                    panic!("{name}: {har} accepted");
                };
                let msg = e.to_string();
                assert!(matches!(e, InspectError::InvalidHar { .. }), "{msg}");
                assert!(msg.starts_with(&format!("{name}:1:")), "{msg}");
                assert!(msg.contains(&format!("{pointer} is {found}")), "{msg}");
            }
        }
        // Read as HAR (by name), a document without log.entries is no HAR.
        let e = load("cap.har", br#"{"log":{}}"#, &opts).err().unwrap();
        assert!(e.to_string().contains("/log/entries missing"), "{e}");
        // Other JSON that merely has a `log` member is not judged as HAR.
        assert!(load("x.json", br#"{"log":{"level":"debug"}}"#, &opts).is_ok());
        // A valid HAR with empty entries is fine.
        assert!(load("cap.har", br#"{"log":{"entries":[]}}"#, &opts).is_ok());
    }

    #[test]
    fn har_non_json_body_is_text() {
        let har = r#"{"log":{"entries":[{"response":{"content":{"text":"data: a\u200bb\n"}}},{"response":{"content":{"text":"AAAA","encoding":"base64"}}}]}}"#;
        let d = load_str("cap.har", har);
        assert_eq!(d.segments.len(), 1);
        let seg = &d.segments[0];
        assert_eq!(seg.part().as_deref(), Some("entries[0].response"));
        assert_eq!(
            &har[d.to_file(seg, 7) as usize..d.to_file(seg, 10) as usize],
            r"\u200b"
        );
    }

    #[test]
    fn jsonl_errors_name_file_line() {
        let e = load(
            "x.jsonl",
            b"{\"a\":1}\n\n{\"a\":}\n",
            &InspectOptions::default(),
        )
        .err()
        .unwrap();
        assert_eq!(
            e.to_string(),
            "x.jsonl:3:6: malformed JSON: expected a JSON value, found '}'"
        );
    }

    #[test]
    fn too_deep_has_position() {
        let e = load(
            "d.json",
            "[".repeat(100_000).as_bytes(),
            &InspectOptions::default(),
        )
        .err()
        .unwrap();
        assert!(
            matches!(
                e,
                InspectError::TooDeep {
                    line: 1,
                    column: 513,
                    limit: 512,
                    ..
                }
            ),
            "{e}"
        );
    }
}
