//! A strict, iterative JSON scanner that yields every string with its place.
//!
//! Why not serde_json: a finding must point at the exact bytes of the file, but
//! serde_json does not expose where a string came from, and its escapes
//! (`\u2019`, surrogate pairs) change lengths. This scanner validates the whole
//! document per RFC 8259 and, for every string (object keys included), yields
//! its path, its raw span, the decoded text and an [`OffsetMap`] from decoded
//! to raw offsets.
//!
//! Design choices:
//! - **Iterative**, with an explicit container stack limited by `max_depth`, so
//!   100 000 `[` give [`ScanErrorKind::TooDeep`] instead of a stack overflow.
//! - **Strict**: no comments, no trailing commas, no raw control characters in
//!   strings, no invalid escapes, no leading zeros, invalid UTF-8 is an error
//!   with its offset (or U+FFFD in lossy mode). A leading UTF-8 BOM is skipped.
//! - **Lone surrogates** (`\ud800` not followed by a low surrogate) decode to
//!   U+FFFD, as browsers and serde_json's lossy mode do; they are counted on the
//!   string so callers can report them, since a valid encoder never writes one.
//! - Strings are found with `memchr` over `"` and `\`; each string's content
//!   is validated once, and a string without escapes (most of a request
//!   body: keys, roles, ids, plain prose) is borrowed from the input, not
//!   copied. Input the fast path does not accept goes through the run-by-run
//!   decoder, which orders errors by position and does lossy replacement.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::offsets::OffsetMap;
use crate::path::{JsonPath, PathSeg};

#[derive(Clone, Copy, Debug)]
pub struct ScanOptions {
    /// Deepest nesting of arrays and objects accepted.
    pub max_depth: usize,
    /// Replace invalid UTF-8 inside strings with U+FFFD instead of failing.
    pub lossy: bool,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            max_depth: 512,
            lossy: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringKind {
    /// An object member name; `path` ends with this key.
    Key,
    /// A string value.
    Value,
}

/// One string of a JSON document. A string without escapes (most of them)
/// borrows its text from the input; only decoded ones own theirs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonString<'a> {
    /// Path of the value (for a key: of the member it names); shared with the
    /// other strings below it.
    pub path: JsonPath,
    pub kind: StringKind,
    /// Raw bytes of the content, between the quotes, as offsets in the scanned
    /// input plus `base`.
    pub raw: Range<u64>,
    pub text: Cow<'a, str>,
    pub map: OffsetMap,
    /// `\uXXXX` escapes of unpaired surrogates, decoded as U+FFFD.
    pub lone_surrogates: usize,
}

impl JsonString<'_> {
    /// The same string, owning its text.
    pub fn into_owned(self) -> JsonString<'static> {
        JsonString {
            path: self.path,
            kind: self.kind,
            raw: self.raw,
            text: Cow::Owned(self.text.into_owned()),
            map: self.map,
            lone_surrogates: self.lone_surrogates,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanErrorKind {
    Syntax(String),
    TooDeep { limit: usize },
    InvalidUtf8,
}

/// A malformed document: what and where (raw offset plus `base`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    pub offset: u64,
    pub kind: ScanErrorKind,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ScanErrorKind::Syntax(m) => write!(f, "{m} at offset {}", self.offset),
            ScanErrorKind::TooDeep { limit } => {
                write!(
                    f,
                    "nested deeper than {limit} levels at offset {}",
                    self.offset
                )
            }
            ScanErrorKind::InvalidUtf8 => write!(f, "invalid UTF-8 at offset {}", self.offset),
        }
    }
}

impl std::error::Error for ScanError {}

/// The type of a JSON value, for shape checks (a HAR's `entries` must be an array).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl ValueKind {
    /// `an object`, `a string`, … for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::Object => "an object",
            ValueKind::Array => "an array",
            ValueKind::String => "a string",
            ValueKind::Number => "a number",
            ValueKind::Bool => "a boolean",
            ValueKind::Null => "null",
        }
    }
}

/// Scans one JSON document (`bytes`, whose first byte is at raw offset `base`)
/// and calls `sink` for every string in document order.
pub fn scan<'a>(
    bytes: &'a [u8],
    base: u64,
    opts: &ScanOptions,
    sink: &mut dyn FnMut(JsonString<'a>),
) -> Result<(), ScanError> {
    scan_shaped(bytes, base, opts, sink, &mut |_, _, _| {})
}

/// [`scan`], also calling `shape` with the path, type and raw offset of every
/// value (containers included) as it starts.
pub fn scan_shaped<'a>(
    bytes: &'a [u8],
    base: u64,
    opts: &ScanOptions,
    sink: &mut dyn FnMut(JsonString<'a>),
    shape: &mut dyn FnMut(&JsonPath, ValueKind, u64),
) -> Result<(), ScanError> {
    Scanner {
        bytes,
        pos: 0,
        base,
        opts: *opts,
        run_by_run: false,
    }
    .run(sink, shape)
}

/// [`scan_all`] with every string decoded run by run (the decoder the fast
/// path falls back to, and the only one before it existed): the reference
/// the fast path is tested against. Same results, slower.
#[doc(hidden)]
pub fn scan_all_run_by_run<'a>(
    bytes: &'a [u8],
    base: u64,
    opts: &ScanOptions,
) -> Result<Vec<JsonString<'a>>, ScanError> {
    let mut out = Vec::new();
    Scanner {
        bytes,
        pos: 0,
        base,
        opts: *opts,
        run_by_run: true,
    }
    .run(&mut |s| out.push(s), &mut |_, _, _| {})?;
    Ok(out)
}

/// Convenience: all strings of a document.
pub fn scan_all<'a>(
    bytes: &'a [u8],
    base: u64,
    opts: &ScanOptions,
) -> Result<Vec<JsonString<'a>>, ScanError> {
    // A guess at the number of strings (a request body has one per 140
    // bytes or so), so a large document's list is not copied at every
    // doubling; bounded, so a huge document reserves no more than it
    // would reach anyway.
    let mut out = Vec::with_capacity((bytes.len() / 128).min(1 << 16));
    scan(bytes, base, opts, &mut |s| out.push(s))?;
    Ok(out)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: u64,
    opts: ScanOptions,
    /// Decode every string with [`Scanner::string_slow`] (tests).
    run_by_run: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The member names of one document, so a name repeated across objects
/// (`"type"`, `"text"`, `"role"`, …) shares one `Arc<str>` instead of
/// allocating (and later freeing) one per member: a small direct-mapped
/// cache. A miss costs only the allocation it would have saved, so a
/// document of distinct names is no slower; the key's text is the same
/// either way.
struct KeyCache([Option<Arc<str>>; KeyCache::SLOTS]);

impl KeyCache {
    const SLOTS: usize = 64;
    /// Longer names are not cached (comparing them costs more than it saves).
    const MAX_LEN: usize = 64;

    fn new() -> KeyCache {
        KeyCache([const { None }; KeyCache::SLOTS])
    }

    fn get(&mut self, key: &str) -> Arc<str> {
        let b = key.as_bytes();
        let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
            return Arc::from(key);
        };
        if b.len() > Self::MAX_LEN {
            return Arc::from(key);
        }
        let h = b
            .len()
            .wrapping_mul(0x9E37)
            .wrapping_add(usize::from(first).wrapping_mul(31))
            .wrapping_add(usize::from(last).wrapping_mul(131))
            .wrapping_add(usize::from(b[b.len() / 2]).wrapping_mul(7));
        let slot = &mut self.0[h % Self::SLOTS];
        match slot {
            Some(k) if **k == *key => Arc::clone(k),
            _ => {
                let k: Arc<str> = Arc::from(key);
                *slot = Some(Arc::clone(&k));
                k
            }
        }
    }
}

impl<'a> Scanner<'a> {
    fn err<T>(&self, at: usize, message: impl Into<String>) -> Result<T, ScanError> {
        Err(ScanError {
            offset: self.base + at as u64,
            kind: ScanErrorKind::Syntax(message.into()),
        })
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// `'x'`, `U+2019 '’'`, `byte 0xFF` or `end of input`, for messages.
    fn found(&self) -> String {
        let rest = &self.bytes[self.pos.min(self.bytes.len())..];
        let Some(&b) = rest.first() else {
            return "end of input".to_string();
        };
        if b.is_ascii_graphic() {
            return format!("'{}'", b as char);
        }
        if b.is_ascii() {
            return format!("U+{b:04X}");
        }
        let head = &rest[..rest.len().min(4)];
        let valid = match std::str::from_utf8(head) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
        };
        match valid.chars().next() {
            Some(c) => format!("U+{:04X} '{c}'", c as u32),
            None => format!("byte 0x{b:02X}"),
        }
    }

    fn run(
        &mut self,
        sink: &mut dyn FnMut(JsonString<'a>),
        shape: &mut dyn FnMut(&JsonPath, ValueKind, u64),
    ) -> Result<(), ScanError> {
        if self.bytes.starts_with(BOM) {
            self.pos = BOM.len();
        }
        // true = object, false = array
        let mut stack: Vec<bool> = Vec::new();
        let mut path = JsonPath::root();
        let mut keys = KeyCache::new();
        self.skip_ws();
        if self.pos >= self.bytes.len() {
            return self.err(self.pos, "empty document, expected a JSON value");
        }
        'value: loop {
            // A value is expected at `pos` (whitespace skipped); its path is `path`.
            let kind = match self.bytes.get(self.pos) {
                Some(b'{') => Some(ValueKind::Object),
                Some(b'[') => Some(ValueKind::Array),
                Some(b'"') => Some(ValueKind::String),
                Some(b'-' | b'0'..=b'9') => Some(ValueKind::Number),
                Some(b't' | b'f') => Some(ValueKind::Bool),
                Some(b'n') => Some(ValueKind::Null),
                _ => None,
            };
            if let Some(kind) = kind {
                shape(&path, kind, self.base + self.pos as u64);
            }
            match self.bytes.get(self.pos) {
                Some(&open @ (b'{' | b'[')) => {
                    if stack.len() >= self.opts.max_depth {
                        return Err(ScanError {
                            offset: self.base + self.pos as u64,
                            kind: ScanErrorKind::TooDeep {
                                limit: self.opts.max_depth,
                            },
                        });
                    }
                    self.pos += 1;
                    self.skip_ws();
                    let is_object = open == b'{';
                    let close = if is_object { b'}' } else { b']' };
                    if self.bytes.get(self.pos) == Some(&close) {
                        self.pos += 1;
                    } else {
                        stack.push(is_object);
                        if is_object {
                            self.member_name(&mut path, &mut keys, sink)?;
                        } else {
                            path = path.child(PathSeg::Index(0));
                        }
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let s = self.string(path.clone(), StringKind::Value)?;
                    sink(s);
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal("true")?,
                Some(b'f') => self.literal("false")?,
                Some(b'n') => self.literal("null")?,
                _ => {
                    return self.err(
                        self.pos,
                        format!("expected a JSON value, found {}", self.found()),
                    );
                }
            }
            // The value just ended; close containers until one wants another element.
            loop {
                self.skip_ws();
                let Some(&is_object) = stack.last() else {
                    if self.pos < self.bytes.len() {
                        return self.err(
                            self.pos,
                            format!("unexpected {} after the JSON value", self.found()),
                        );
                    }
                    return Ok(());
                };
                let next = path.last().and_then(PathSeg::index).map_or(0, |i| i + 1);
                path = path.parent();
                match (self.bytes.get(self.pos), is_object) {
                    (Some(b','), true) => {
                        self.pos += 1;
                        self.skip_ws();
                        self.member_name(&mut path, &mut keys, sink)?;
                        continue 'value;
                    }
                    (Some(b','), false) => {
                        self.pos += 1;
                        self.skip_ws();
                        path = path.child(PathSeg::Index(next));
                        if self.bytes.get(self.pos) == Some(&b']') {
                            return self.err(self.pos, "trailing comma before ']'");
                        }
                        continue 'value;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        self.pos += 1;
                        stack.pop();
                    }
                    (_, true) => {
                        return self.err(
                            self.pos,
                            format!(
                                "expected ',' or '}}' after object member, found {}",
                                self.found()
                            ),
                        );
                    }
                    (_, false) => {
                        return self.err(
                            self.pos,
                            format!(
                                "expected ',' or ']' after array element, found {}",
                                self.found()
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Parses `"name" :` (whitespace skipped before), pushes the key on `path`
    /// and leaves `pos` at the member's value.
    fn member_name(
        &mut self,
        path: &mut JsonPath,
        keys: &mut KeyCache,
        sink: &mut dyn FnMut(JsonString<'a>),
    ) -> Result<(), ScanError> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            let what = if self.bytes.get(self.pos) == Some(&b'}') {
                "trailing comma before '}'".to_string()
            } else {
                format!(
                    "expected a member name in double quotes, found {}",
                    self.found()
                )
            };
            return self.err(self.pos, what);
        }
        let mut key = self.string(JsonPath::root(), StringKind::Key)?;
        *path = path.child(PathSeg::Key(keys.get(&key.text)));
        key.path = path.clone();
        sink(key);
        self.skip_ws();
        if self.bytes.get(self.pos) != Some(&b':') {
            return self.err(
                self.pos,
                format!("expected ':' after member name, found {}", self.found()),
            );
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    fn literal(&mut self, word: &str) -> Result<(), ScanError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            self.err(self.pos, format!("invalid literal, expected `{word}`"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    return self.err(start, "invalid number: leading zero");
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.err(start, "invalid number: expected a digit"),
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return self.err(start, "invalid number: expected a digit after '.'");
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.err(start, "invalid number: expected a digit in the exponent");
            }
        }
        Ok(())
    }

    /// Parses the string whose opening quote is at `pos`.
    ///
    /// Fast path: find the closing quote (skipping escapes), then validate
    /// the whole content at once (UTF-8 and control characters; escapes are
    /// ASCII, so the content is valid exactly when every run between them
    /// is). A string without escapes is then borrowed as it is; one with
    /// escapes is decoded from slices of the validated text. Anything the
    /// fast path does not accept (no closing quote, invalid UTF-8, a control
    /// character) goes through [`Scanner::string_slow`], the run-by-run
    /// decoder, which gives the same result, error or lossy text as ever.
    fn string(&mut self, path: JsonPath, kind: StringKind) -> Result<JsonString<'a>, ScanError> {
        if self.run_by_run {
            return self.string_slow(path, kind);
        }
        let open = self.pos;
        let start = open + 1;
        let bytes = self.bytes;
        let mut i = start;
        let mut escapes = 0usize;
        let end = loop {
            let Some(rel) = memchr::memchr2(b'"', b'\\', &bytes[i..]) else {
                return self.string_slow(path, kind);
            };
            i += rel;
            if bytes[i] == b'"' {
                break i;
            }
            escapes += 1;
            i += 2;
            if i >= bytes.len() {
                return self.string_slow(path, kind);
            }
        };
        let content = &bytes[start..end];
        if first_control(content).is_some() {
            return self.string_slow(path, kind);
        }
        let Ok(valid) = std::str::from_utf8(content) else {
            return self.string_slow(path, kind);
        };
        let raw = self.base + start as u64..self.base + end as u64;
        if escapes == 0 {
            self.pos = end + 1;
            return Ok(JsonString {
                path,
                kind,
                raw,
                text: Cow::Borrowed(valid),
                map: OffsetMap::linear(self.base + start as u64),
                lone_surrogates: 0,
            });
        }
        let mut text = String::with_capacity(content.len());
        // An escape records at most two checkpoints (where it starts, where
        // it ends); `\\` counted above may overcount `\uD83D\uDE00` pairs.
        let mut map = OffsetMap::with_capacity(self.base + start as u64, 2 * escapes);
        let mut lone_surrogates = 0;
        // Offsets relative to `start`; every escape starts on an ASCII byte,
        // so each slice of `valid` between escapes is on char boundaries.
        let mut j = 0;
        loop {
            let Some(rel) = memchr::memchr2(b'"', b'\\', &content[j..]) else {
                text.push_str(&valid[j..]);
                break;
            };
            text.push_str(&valid[j..j + rel]);
            let at = start + j + rel;
            let (c, len) = self.escape(open, at, &mut lone_surrogates)?;
            let d = text.len();
            text.push(c);
            map.record(
                d,
                (at - start) as u64,
                text.len(),
                (at + len - start) as u64,
            );
            j += rel + len;
            if j >= content.len() {
                break;
            }
        }
        self.pos = end + 1;
        Ok(JsonString {
            path,
            kind,
            raw,
            text: Cow::Owned(text),
            map,
            lone_surrogates,
        })
    }

    /// The escape whose backslash is at `i` (in the string opened at
    /// `open`): the character and the escape's length in bytes.
    fn escape(
        &mut self,
        open: usize,
        i: usize,
        lone_surrogates: &mut usize,
    ) -> Result<(char, usize), ScanError> {
        Ok(match self.bytes.get(i + 1) {
            Some(b'"') => ('"', 2),
            Some(b'\\') => ('\\', 2),
            Some(b'/') => ('/', 2),
            Some(b'b') => ('\u{8}', 2),
            Some(b'f') => ('\u{c}', 2),
            Some(b'n') => ('\n', 2),
            Some(b'r') => ('\r', 2),
            Some(b't') => ('\t', 2),
            Some(b'u') => {
                let hi = self.hex4(i)?;
                match hi {
                    0xD800..=0xDBFF => {
                        let lo = if self.bytes.get(i + 6..i + 8) == Some(b"\\u") {
                            self.hex4(i + 6)
                                .ok()
                                .filter(|lo| (0xDC00..=0xDFFF).contains(lo))
                        } else {
                            None
                        };
                        if let Some(lo) = lo {
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            (
                                char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER),
                                12,
                            )
                        } else {
                            *lone_surrogates += 1;
                            (char::REPLACEMENT_CHARACTER, 6)
                        }
                    }
                    0xDC00..=0xDFFF => {
                        *lone_surrogates += 1;
                        (char::REPLACEMENT_CHARACTER, 6)
                    }
                    _ => (char::from_u32(hi).unwrap_or(char::REPLACEMENT_CHARACTER), 6),
                }
            }
            None => return self.err(open, "unterminated string"),
            Some(_) => {
                self.pos = i + 1;
                return self.err(
                    i,
                    format!("invalid escape sequence: backslash before {}", self.found()),
                );
            }
        })
    }

    /// The run-by-run decoder: validates and copies each run between
    /// escapes as it goes, so errors come in input order and lossy mode can
    /// replace invalid bytes. Used when the fast path in
    /// [`Scanner::string`] does not apply.
    fn string_slow(
        &mut self,
        path: JsonPath,
        kind: StringKind,
    ) -> Result<JsonString<'a>, ScanError> {
        let open = self.pos;
        let start = open + 1;
        let mut text = String::new();
        let mut map = OffsetMap::linear(self.base + start as u64);
        let mut lone_surrogates = 0;
        let mut i = start;
        loop {
            let Some(rel) = memchr::memchr2(b'"', b'\\', &self.bytes[i..]) else {
                // Report a raw control character first: it is the usual cause
                // (a newline inside a string) and nearer than the end of input.
                self.run_of_text(i, self.bytes.len(), start, &mut text, &mut map)?;
                return self.err(open, "unterminated string");
            };
            self.run_of_text(i, i + rel, start, &mut text, &mut map)?;
            i += rel;
            if self.bytes[i] == b'"' {
                break;
            }
            // An escape at i.
            let d = text.len();
            let (c, len) = self.escape(open, i, &mut lone_surrogates)?;
            text.push(c);
            map.record(d, (i - start) as u64, text.len(), (i + len - start) as u64);
            i += len;
        }
        self.pos = i + 1;
        Ok(JsonString {
            path,
            kind,
            raw: self.base + start as u64..self.base + i as u64,
            text: Cow::Owned(text),
            map,
            lone_surrogates,
        })
    }

    /// The four hex digits of the `\u` escape at `at`.
    fn hex4(&self, at: usize) -> Result<u32, ScanError> {
        let digits = self.bytes.get(at + 2..at + 6).unwrap_or_default();
        let parsed = std::str::from_utf8(digits)
            .ok()
            .filter(|s| s.len() == 4)
            .and_then(|s| {
                s.bytes()
                    .all(|b| b.is_ascii_hexdigit())
                    .then(|| u32::from_str_radix(s, 16).ok())
                    .flatten()
            });
        match parsed {
            Some(v) => Ok(v),
            None => self.err(at, "invalid \\u escape: expected four hex digits"),
        }
    }

    /// Appends raw string bytes `from..to` (no quote, no backslash) to `text`,
    /// validating UTF-8 and rejecting control characters.
    fn run_of_text(
        &self,
        from: usize,
        to: usize,
        start: usize,
        text: &mut String,
        map: &mut OffsetMap,
    ) -> Result<(), ScanError> {
        let run = &self.bytes[from..to];
        let ctl = first_control(run);
        let ok = &run[..ctl.unwrap_or(run.len())];
        match std::str::from_utf8(ok) {
            Ok(s) => text.push_str(s),
            Err(e) if !self.opts.lossy => {
                return Err(ScanError {
                    offset: self.base + (from + e.valid_up_to()) as u64,
                    kind: ScanErrorKind::InvalidUtf8,
                });
            }
            Err(_) => {
                let mut raw = from - start;
                for chunk in ok.utf8_chunks() {
                    text.push_str(chunk.valid());
                    raw += chunk.valid().len();
                    let bad = chunk.invalid();
                    if !bad.is_empty() {
                        let d = text.len();
                        text.push(char::REPLACEMENT_CHARACTER);
                        map.record(d, raw as u64, text.len(), (raw + bad.len()) as u64);
                        raw += bad.len();
                    }
                }
            }
        }
        if let Some(c) = ctl {
            return self.err(
                from + c,
                format!(
                    "control character U+{:04X} in string must be escaped",
                    run[c]
                ),
            );
        }
        Ok(())
    }
}

/// Position of the first byte below 0x20 (a raw control character, which a
/// JSON string may not hold). Eight bytes at a time: `(w - 0x20…) & !w &
/// 0x80…` has a byte's high bit set for every byte below 0x20 (a borrow
/// only comes from such a byte, so a lower false hit cannot happen before
/// the first true one); then the exact byte in that word.
fn first_control(run: &[u8]) -> Option<usize> {
    const LOW: u64 = 0x2020_2020_2020_2020;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = run.chunks_exact(8);
    let mut at = 0;
    for w in words.by_ref() {
        let v = u64::from_le_bytes(w.try_into().unwrap_or([0xff; 8]));
        if v.wrapping_sub(LOW) & !v & HIGH != 0 {
            return w.iter().position(|&b| b < 0x20).map(|i| at + i);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b < 0x20)
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_shared_and_exact() {
        // Many distinct names (slots collide), repeated ones, an escaped one
        // equal to a plain one, an empty one and one too long to cache.
        let long = "k".repeat(KeyCache::MAX_LEN + 1);
        let mut names: Vec<String> = (0..300).map(|i| format!("n{i}")).collect();
        names.extend(["type", "text", "type", "", "", "t\\u0079pe"].map(String::from));
        names.push(long.clone());
        names.push(long);
        let body: Vec<String> = names
            .iter()
            .map(|n| format!("{{\"{n}\": \"v\"}}"))
            .collect();
        let src = format!("[{}]", body.join(","));
        let strings = scan_all(src.as_bytes(), 0, &ScanOptions::default()).unwrap();
        let keys: Vec<&JsonString<'_>> = strings
            .iter()
            .filter(|s| s.kind == StringKind::Key)
            .collect();
        assert_eq!(keys.len(), names.len());
        for (k, name) in keys.iter().zip(&names) {
            let Some(PathSeg::Key(seg)) = k.path.last() else {
                panic!("key without a key path: {k:?}");
            };
            assert_eq!(**seg, *k.text);
            assert_eq!(*k.text, name.replace("\\u0079", "y"));
        }
        let seg = |i: usize| match keys[i].path.last() {
            Some(PathSeg::Key(k)) => k.clone(),
            _ => unreachable!(),
        };
        // "type" three times (once escaped): one allocation.
        assert!(Arc::ptr_eq(&seg(300), &seg(302)));
        assert!(Arc::ptr_eq(&seg(300), &seg(305)));
    }

    #[test]
    fn first_control_finds_the_first_one() {
        let naive = |b: &[u8]| b.iter().position(|&c| c < 0x20);
        let mut cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"plain ascii text that is long enough".to_vec(),
            "caf\u{e9} \u{2019} \u{ff}\u{80}".as_bytes().to_vec(),
            vec![0x80, 0x9f, 0xff, 0x20, 0x7f, 0x1f],
        ];
        for len in [1, 7, 8, 9, 15, 16, 17, 31] {
            for at in 0..len {
                for c in [0u8, 0x0a, 0x1f] {
                    let mut v = vec![b'a'; len];
                    v[at] = c;
                    if at + 2 < len {
                        v[at + 2] = 0x01;
                    }
                    cases.push(v);
                }
                let mut v: Vec<u8> = (0..len).map(|i| 0x80 | (i as u8 & 0x7f)).collect();
                v[at] = 0x19;
                cases.push(v);
            }
        }
        for c in &cases {
            assert_eq!(first_control(c), naive(c), "{c:?}");
        }
    }

    fn strings(src: &str) -> Vec<JsonString<'_>> {
        scan_all(src.as_bytes(), 0, &ScanOptions::default()).unwrap()
    }

    fn error(src: &[u8]) -> ScanError {
        scan_all(src, 0, &ScanOptions::default()).unwrap_err()
    }

    fn syntax(src: &[u8]) -> (u64, String) {
        match error(src) {
            ScanError {
                offset,
                kind: ScanErrorKind::Syntax(m),
            } => (offset, m),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn yields_keys_and_values_with_paths() {
        let got = strings(r#"{"a": ["x", {"b~/": "y"}, 1, true, null], "c": "z"}"#);
        let summary: Vec<_> = got
            .iter()
            .map(|s| {
                (
                    crate::path::pointer(&s.path.to_vec()),
                    s.kind,
                    s.text.as_ref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("/a".to_string(), StringKind::Key, "a"),
                ("/a/0".to_string(), StringKind::Value, "x"),
                ("/a/1/b~0~1".to_string(), StringKind::Key, "b~/"),
                ("/a/1/b~0~1".to_string(), StringKind::Value, "y"),
                ("/c".to_string(), StringKind::Key, "c"),
                ("/c".to_string(), StringKind::Value, "z"),
            ]
        );
    }

    #[test]
    fn decodes_escapes_and_maps_offsets() {
        let src = r#"["Today\u2019s \"date\" \ud83d\ude00!"]"#;
        let s = &strings(src)[0];
        assert_eq!(s.text, "Today\u{2019}s \"date\" \u{1F600}!");
        assert_eq!(
            &src[s.raw.start as usize..s.raw.end as usize],
            r#"Today\u2019s \"date\" \ud83d\ude00!"#
        );
        let raw = |d: usize| s.map.to_raw(d) as usize;
        // ’ at decoded 5..8 is raw 7..13
        assert_eq!(raw(5), 7);
        assert_eq!(raw(8), 13);
        assert_eq!(&src[raw(8)..raw(9)], "s");
        let smiley = s.text.find('\u{1F600}').unwrap();
        assert_eq!(&src[raw(smiley)..raw(smiley + 4)], r"\ud83d\ude00");
        assert_eq!(raw(s.text.len()), src.len() - 2);
    }

    #[test]
    fn offset_map_is_compact() {
        let long = format!(r#"["{}\n{}"]"#, "a".repeat(10_000), "b".repeat(10_000));
        let s = &strings(&long)[0];
        assert!(s.map.checkpoints() <= 2, "{}", s.map.checkpoints());
        assert_eq!(s.map.to_raw(10_001), 10_004);
    }

    #[test]
    fn agrees_with_serde_json_on_valid_documents() {
        let docs = [
            r#"{"k\u00e9y": "v\u0000\t\/", "n": [-0.5e+10, 0, 1E2], "s": "\ud83d\ude00 \u00e9 é"}"#,
            r#""top-level string""#,
            "[[], {}, [{}], \"\\\\\"]",
        ];
        for doc in docs {
            let ours: Vec<String> = strings(doc)
                .into_iter()
                .map(|s| s.text.into_owned())
                .collect();
            // Keys and string values in document order (serde_json is built with
            // `preserve_order`, so objects keep member order).
            let theirs: serde_json::Value = serde_json::from_str(doc).unwrap();
            let mut expect = Vec::new();
            let mut todo = vec![(None, &theirs)];
            while let Some((key, v)) = todo.pop() {
                expect.extend(key);
                match v {
                    serde_json::Value::String(s) => expect.push(s.clone()),
                    serde_json::Value::Array(a) => todo.extend(a.iter().rev().map(|v| (None, v))),
                    serde_json::Value::Object(o) => {
                        todo.extend(o.iter().rev().map(|(k, v)| (Some(k.clone()), v)));
                    }
                    _ => {}
                }
            }
            assert_eq!(ours, expect, "{doc}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        let e = error(deep.as_bytes());
        assert_eq!(
            e,
            ScanError {
                offset: 512,
                kind: ScanErrorKind::TooDeep { limit: 512 }
            }
        );
        let deep_obj = r#"{"a":"#.repeat(100_000);
        assert!(matches!(
            error(deep_obj.as_bytes()).kind,
            ScanErrorKind::TooDeep { .. }
        ));
        // exactly at the limit is fine
        let ok = format!("{}{}", "[".repeat(512), "]".repeat(512));
        assert!(scan_all(ok.as_bytes(), 0, &ScanOptions::default()).is_ok());
    }

    #[test]
    fn malformed_documents() {
        assert_eq!(syntax(b"").1, "empty document, expected a JSON value");
        assert_eq!(syntax(b"  ").0, 2);
        assert_eq!(
            syntax(br#"{"a": "b"#),
            (6, "unterminated string".to_string())
        );
        assert_eq!(
            syntax(br#"{"a": 1"#).1,
            "expected ',' or '}' after object member, found end of input"
        );
        assert_eq!(
            syntax(b"[1,]"),
            (3, "trailing comma before ']'".to_string())
        );
        assert_eq!(
            syntax(br#"{"a":1,}"#),
            (7, "trailing comma before '}'".to_string())
        );
        assert_eq!(
            syntax(br#"["\x"]"#),
            (
                2,
                "invalid escape sequence: backslash before 'x'".to_string()
            )
        );
        assert_eq!(
            syntax(br#"["\u12G4"]"#),
            (
                2,
                "invalid \\u escape: expected four hex digits".to_string()
            )
        );
        assert_eq!(
            syntax(br#"["\u12"]"#).1,
            "invalid \\u escape: expected four hex digits"
        );
        assert_eq!(
            syntax(b"[\"a\nb\"]"),
            (
                3,
                "control character U+000A in string must be escaped".to_string()
            )
        );
        assert_eq!(syntax(b"[\"a\0b\"]").0, 3);
        assert_eq!(
            syntax("[\"\\\u{2019}\"]".as_bytes()).1,
            "invalid escape sequence: backslash before U+2019 '\u{2019}'"
        );
        assert_eq!(syntax(b"[01]").1, "invalid number: leading zero");
        assert_eq!(
            syntax(b"[1.]").1,
            "invalid number: expected a digit after '.'"
        );
        assert_eq!(
            syntax(b"[1e]").1,
            "invalid number: expected a digit in the exponent"
        );
        assert_eq!(syntax(b"[-]").1, "invalid number: expected a digit");
        assert_eq!(syntax(b"[tru]").1, "invalid literal, expected `true`");
        assert_eq!(
            syntax(b"{} {}"),
            (3, "unexpected '{' after the JSON value".to_string())
        );
        assert_eq!(
            syntax(b"{'a': 1}").1,
            "expected a member name in double quotes, found '''"
        );
        assert_eq!(
            syntax(br#"{"a" 1}"#).1,
            "expected ':' after member name, found '1'"
        );
        assert_eq!(
            syntax("[\u{2019}]".as_bytes()).1,
            "expected a JSON value, found U+2019 '\u{2019}'"
        );
        assert_eq!(syntax(b"[\0]").1, "expected a JSON value, found U+0000");
        assert_eq!(syntax(b"\xff").1, "expected a JSON value, found byte 0xFF");
        assert_eq!(syntax(b"/* c */ 1").1, "expected a JSON value, found '/'");
        assert_eq!(syntax(br#"["\"#).1, "unterminated string");
    }

    #[test]
    fn lone_surrogates_decode_to_replacement_and_are_counted() {
        let s = &strings(r#"["a\ud800b", "\udc00", "\ud800\u0041"]"#);
        assert_eq!(s[0].text, "a\u{FFFD}b");
        assert_eq!(s[0].lone_surrogates, 1);
        assert_eq!(s[1].text, "\u{FFFD}");
        assert_eq!(s[2].text, "\u{FFFD}A");
        assert_eq!(s[2].lone_surrogates, 1);
    }

    #[test]
    fn invalid_utf8_in_strings() {
        let src = b"[\"ok\", \"ab\xffcd\"]";
        assert_eq!(
            error(src),
            ScanError {
                offset: 10,
                kind: ScanErrorKind::InvalidUtf8
            }
        );
        let lossy = scan_all(
            src,
            0,
            &ScanOptions {
                lossy: true,
                ..ScanOptions::default()
            },
        )
        .unwrap();
        assert_eq!(lossy[1].text, "ab\u{FFFD}cd");
        assert_eq!(lossy[1].map.to_raw(2), 10);
        assert_eq!(lossy[1].map.to_raw(5), 11);
        assert_eq!(lossy[1].map.to_raw(6), 12);
    }

    #[test]
    fn bom_and_base_offset() {
        let src = "\u{FEFF}{\"a\": \"\u{2019}\"}";
        let s = scan_all(src.as_bytes(), 100, &ScanOptions::default()).unwrap();
        assert_eq!(s[1].raw, 100 + 10..100 + 13);
        assert_eq!(s[1].map.to_raw(0), 110);
    }

    #[test]
    fn nul_escape_is_decoded() {
        assert_eq!(strings(r#"["a\u0000b"]"#)[0].text, "a\0b");
    }
}
