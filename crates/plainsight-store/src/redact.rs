//! Secrets out before anything is written.
//!
//! LiteLLM's long record of redaction bugs (keys in logs, spend tables, debug
//! output) comes from redacting in many places. Here there is one place: the
//! store's write methods accept only [`Sealed`] values, and the only way to
//! make one is [`Redactor::seal_exchange`] / [`Redactor::seal_outcome`] /
//! [`Redactor::seal_form`], which pass *every* string of the row (headers,
//! path, body, findings with their excerpts and notes, edits, the
//! reassembled response) through the same function.
//!
//! A secret is replaced by `[REDACTED:<kind>:<fingerprint>]`: the kind says
//! what it was, the fingerprint (12 hex digits of SHA-256 over the store's
//! redaction key and the secret) lets equal secrets be correlated across
//! exchanges and guards sharing a store without revealing them. The
//! replacement is plain ASCII without quotes or backslashes, so a JSON body
//! stays valid JSON.
//!
//! What is found, by kind rather than by vendor list where possible:
//! - credential headers (`Authorization`, `X-Api-Key`, `X-Goog-Api-Key`,
//!   cookies, any header named like a key, token, secret or password); the
//!   auth scheme (`Bearer`) is kept;
//! - credential query parameters (`?key=`, `access_token=`, …);
//! - provider keys (Anthropic `sk-ant-`, OpenAI `sk-`/`sk-proj-`, Google
//!   `AIza…`), cloud keys (AWS access key ids and secret keys next to their
//!   name), GitHub tokens (`ghp_`, `github_pat_`, …), npm tokens, Slack
//!   tokens, Stripe live keys, JSON Web Tokens;
//! - PEM private keys (the whole block, even with `\n` escaped in JSON);
//! - passwords in URLs (`scheme://user:password@host`; the user is kept).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

use regex::bytes::{Captures, Regex};
use sha2::{Digest, Sha256};

use crate::model::{DriftForm, Edit, NewExchange, Outcome};
use plainsight_core::Finding;

/// A value that went through [`Redactor`]: the only thing a store writes.
#[derive(Clone, Debug)]
pub struct Sealed<T>(T);

impl<T> Sealed<T> {
    pub fn get(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }

    /// A row read back from the journal, which holds only rows sealed
    /// before they were written.
    pub(crate) fn journaled(v: T) -> Sealed<T> {
        Sealed(v)
    }
}

impl Sealed<NewExchange> {
    /// A row recorded before its inspection finished (`observe` overlaps
    /// inspection with the upstream), completed by the inspection: its
    /// findings follow the row's own, and its reason and model replace the
    /// row's. Both halves were sealed, so the whole is.
    #[must_use]
    pub fn with_inspection(self, inspection: Sealed<NewExchange>) -> Sealed<NewExchange> {
        let (mut x, i) = (self.0, inspection.0);
        x.findings.extend(i.findings);
        x.reason = i.reason.or(x.reason);
        x.model = i.model.or(x.model);
        Sealed(x)
    }

    /// The row and its body apart (journaled: [`crate::journal::Journal::restore`]
    /// puts it back).
    #[must_use]
    pub(crate) fn take_body(self) -> (Sealed<NewExchange>, bytes::Bytes) {
        let mut x = self.0;
        let body = std::mem::take(&mut x.request_body);
        (Sealed(x), body)
    }

    /// The row with the body it was journaled with (read back from the
    /// journal, which only sealed rows are written to).
    pub(crate) fn set_body(&mut self, body: Vec<u8>) {
        self.0.request_body = body.into();
    }

    /// A row whose inspection never came (the guard stopped between
    /// forwarding it and recording the inspection): a PS621 finding says so,
    /// so the row does not read as clean.
    #[must_use]
    pub fn inspection_lost(self) -> Sealed<NewExchange> {
        let mut x = self.0;
        let mut f = Finding::new(
            plainsight_core::Rule::UninspectableRequest,
            format!(
                "{} {}: the request was forwarded while it was inspected, and the guard \
                 stopped before the inspection was recorded",
                x.method, x.path
            ),
            plainsight_core::Location::default(),
        );
        f.severity = plainsight_core::Severity::Medium;
        x.findings.push(f);
        Sealed(x)
    }
}

/// Finds and replaces secrets, with fingerprints keyed by the store.
#[derive(Clone)]
pub struct Redactor {
    key: Vec<u8>,
    patterns: Regex,
    url: Regex,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor { key: <hidden> }")
    }
}

/// Capture group names, in the order of the alternatives below: the kind
/// printed in the replacement. A group named `<kind>_v` marks the secret
/// part of a match whose rest (a name, a user) is kept.
const PATTERN: &str = r#"(?x)
    (?P<anthropic_key> (?-u:\b) sk-ant-[A-Za-z0-9_\-]{20,} )
  | (?P<openai_key> (?-u:\b) sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,} )
  | (?P<google_api_key> (?-u:\b) AIza[0-9A-Za-z_\-]{35} )
  | (?P<aws_access_key_id> (?-u:\b) (?:AKIA|ASIA)[0-9A-Z]{16} (?-u:\b) )
  | (?i: aws_?secret_?(?:access_?)?key ) [\\"']{0,2} \s* [:=] \s* [\\"']{0,2} (?P<aws_secret_key_v> [A-Za-z0-9/+]{40} ) (?-u:\b)
  | (?P<github_token> (?-u:\b) (?: gh[pousr]_[A-Za-z0-9]{36,255} | github_pat_[A-Za-z0-9_]{22,255} ) )
  | (?P<npm_token> (?-u:\b) npm_[A-Za-z0-9]{36} (?-u:\b) )
  | (?P<slack_token> (?-u:\b) xox[abposr]-[A-Za-z0-9\-]{10,} )
  | (?P<stripe_key> (?-u:\b) (?:sk|rk)_live_[A-Za-z0-9]{20,} )
  | (?P<jwt> (?-u:\b) eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,} )
  | (?P<private_key> -----BEGIN\x20(?:[A-Z0-9]+\x20){0,3}PRIVATE\x20KEY----- )
"#;

/// Passwords in URLs, apart from [`PATTERN`]: this is the one alternative
/// without a literal prefix, and in the same regex it kept the search from
/// skipping ahead with a literal prefilter (every byte of a 120 KB body went
/// through the automaton). Every match contains `://`, and has a bounded
/// length around it ([`URL_BEFORE`] before, [`URL_AFTER`] after), so it is
/// searched only in a window around each `://` (found with `memmem`). The
/// pattern has no look-around, so a window finds what a whole-text search
/// finds.
const URL_PATTERN: &str = r#"(?x)
    [A-Za-z][A-Za-z0-9+.\-]{1,20}:// [^\s:/@"'\\<>]{1,128} : (?P<url_password_v> [^\s/@"'\\<>]{1,256} ) @
"#;
/// Longest scheme of [`URL_PATTERN`].
const URL_BEFORE: usize = 21;
/// `://`, the longest user, `:`, the longest password, `@`.
const URL_AFTER: usize = 3 + 128 + 1 + 256 + 1;

const GROUPS: &[&str] = &[
    "anthropic_key",
    "openai_key",
    "google_api_key",
    "aws_access_key_id",
    "aws_secret_key_v",
    "github_token",
    "npm_token",
    "slack_token",
    "stripe_key",
    "jwt",
    "url_password_v",
    "private_key",
];

/// Headers whose whole value is a credential.
fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || [
        "key",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "auth",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Query parameters whose value is a credential.
fn is_secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "key",
        "token",
        "secret",
        "password",
        "signature",
        "sig",
        "auth",
    ]
    .iter()
    .any(|w| n == *w || n.ends_with(&format!("_{w}")) || n.ends_with(&format!("-{w}")))
}

impl Redactor {
    /// A redactor whose fingerprints are keyed by `key` (the store's
    /// redaction key: equal secrets correlate within one store only).
    pub fn new(key: &[u8]) -> Redactor {
        Redactor {
            key: key.to_vec(),
            patterns: Regex::new(PATTERN).expect("the secret patterns compile"),
            url: Regex::new(URL_PATTERN).expect("the URL pattern compiles"),
        }
    }

    /// `[REDACTED:kind:fingerprint]`
    pub fn replacement(&self, kind: &str, secret: &[u8]) -> String {
        let mut h = Sha256::new();
        h.update((self.key.len() as u64).to_le_bytes());
        h.update(&self.key);
        h.update(secret);
        let d = h.finalize();
        let mut fp = String::with_capacity(12);
        for b in &d[..6] {
            let _ = write!(fp, "{b:02x}");
        }
        format!(
            "[REDACTED:{}:{fp}]",
            kind.trim_end_matches("_v").replace('_', "-")
        )
    }

    /// Byte ranges of secrets in `bytes`, with their kind, in order and
    /// not overlapping (overlapping finds are merged, the larger wins).
    pub fn find(&self, bytes: &[u8]) -> Vec<(Range<usize>, &'static str)> {
        let mut out = Vec::new();
        if self.patterns.is_match(bytes) {
            push_matches(&self.patterns, bytes, 0, &mut out);
        }
        let mut urls = Vec::new();
        let mut window_end = 0;
        for at in memchr::memmem::find_iter(bytes, b"://") {
            if at < window_end {
                continue;
            }
            let start = at.saturating_sub(URL_BEFORE).max(window_end);
            let end = (at + URL_AFTER).min(bytes.len());
            // Windows may overlap a little: drop what an earlier one found.
            let before = urls.len();
            push_matches(&self.url, &bytes[start..end], start, &mut urls);
            // A user or password holds neither `:` nor `/`: the next `://`
            // lies after this window's last match, or starts a new one.
            window_end = match urls[before..].last() {
                Some((r, _)) => r.end,
                None => at + 1,
            };
        }
        if urls.is_empty() {
            return out;
        }
        out.extend(urls);
        out.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
        let mut merged: Vec<(Range<usize>, &'static str)> = Vec::with_capacity(out.len());
        for (r, kind) in out {
            match merged.last_mut() {
                Some((last, _)) if r.start < last.end => last.end = last.end.max(r.end),
                _ => merged.push((r, kind)),
            }
        }
        merged
    }

    /// Whether `bytes` may hold a secret (a quick test before [`find`]).
    fn may_hold(&self, bytes: &[u8]) -> bool {
        self.patterns.is_match(bytes)
            || (memchr::memmem::find(bytes, b"://").is_some() && self.url.is_match(bytes))
    }

    /// `bytes` with every secret replaced (borrowed when there was none).
    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let found = self.find(bytes);
        if found.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for (r, kind) in found {
            out.extend_from_slice(&bytes[at..r.start]);
            out.extend_from_slice(self.replacement(kind, &bytes[r.clone()]).as_bytes());
            at = r.end;
        }
        out.extend_from_slice(&bytes[at..]);
        Cow::Owned(out)
    }

    /// `text` with every secret replaced, plus a map from old to new byte
    /// offsets (for excerpt spans).
    pub fn redact_str(&self, text: &str) -> (String, OffsetShift) {
        let found = self.find(text.as_bytes());
        let mut shift = OffsetShift(Vec::new());
        if found.is_empty() {
            return (text.to_owned(), shift);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (r, kind) in found {
            // Secret patterns are ASCII, so their ends are char boundaries.
            out.push_str(&text[at..r.start]);
            let rep = self.replacement(kind, &text.as_bytes()[r.clone()]);
            shift.0.push((r.clone(), out.len()..out.len() + rep.len()));
            out.push_str(&rep);
            at = r.end;
        }
        out.push_str(&text[at..]);
        (out, shift)
    }

    fn text(&self, s: &mut String) {
        if self.may_hold(s.as_bytes()) {
            *s = self.redact_str(s).0;
        }
    }

    fn header(&self, name: &str, value: &mut String) {
        if is_secret_header(name) {
            let (scheme, secret) = match value.split_once(' ') {
                Some((s, rest))
                    if ["bearer", "basic", "token", "digest"]
                        .iter()
                        .any(|k| s.eq_ignore_ascii_case(k)) =>
                {
                    (format!("{s} "), rest.trim())
                }
                _ => (String::new(), value.as_str()),
            };
            if secret.is_empty() {
                return;
            }
            let kind = format!("header_{}", name.to_ascii_lowercase().replace('-', "_"));
            *value = format!("{scheme}{}", self.replacement(&kind, secret.as_bytes()));
        } else {
            self.text(value);
        }
    }

    /// A path with credential query parameters and secrets replaced.
    pub fn path(&self, path: &str) -> String {
        let (p, q) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let mut out = self.redact_str(p).0;
        if let Some(q) = q {
            out.push('?');
            for (i, kv) in q.split('&').enumerate() {
                if i > 0 {
                    out.push('&');
                }
                match kv.split_once('=') {
                    Some((k, v)) if is_secret_param(k) && !v.is_empty() => {
                        out.push_str(k);
                        out.push('=');
                        let kind = format!("param_{}", k.to_ascii_lowercase());
                        out.push_str(&self.replacement(&kind, v.as_bytes()));
                    }
                    _ => out.push_str(&self.redact_str(kv).0),
                }
            }
        }
        out
    }

    fn finding(&self, f: &mut Finding) {
        self.text(&mut f.message);
        self.text(&mut f.location.path);
        if let Some(e) = &mut f.excerpt
            && self.may_hold(e.text.as_bytes())
        {
            let (text, shift) = self.redact_str(&e.text);
            e.start = shift.map(e.start);
            e.end = shift.map(e.end).max(e.start);
            e.text = text;
        }
        for s in f
            .snippet
            .iter_mut()
            .chain(f.decoded.iter_mut())
            .chain(f.help.iter_mut())
            .chain(f.notes.iter_mut())
            .chain(f.location.chain.iter_mut())
        {
            self.text(s);
        }
    }

    fn edit(&self, e: &mut Edit) {
        self.text(&mut e.before);
        self.text(&mut e.after);
        self.text(&mut e.place);
    }

    /// The request half, every string redacted.
    pub fn seal_exchange(&self, mut x: NewExchange) -> Sealed<NewExchange> {
        for (name, value) in &mut x.request_headers {
            self.header(name, value);
        }
        x.path = self.path(&x.path);
        if let Cow::Owned(b) = self.redact_bytes(&x.request_body) {
            x.request_body = b.into();
        }
        for s in [
            &mut x.agent,
            &mut x.upstream,
            &mut x.client_addr,
            &mut x.guard,
        ]
        .into_iter()
        .chain(x.session.iter_mut())
        .chain(x.reason.iter_mut())
        .chain(x.model.iter_mut())
        {
            self.text(s);
        }
        x.upstream = self.path(&x.upstream);
        for f in &mut x.findings {
            self.finding(f);
        }
        for e in &mut x.edits {
            self.edit(e);
        }
        Sealed(x)
    }

    /// The outcome half, every string redacted.
    pub fn seal_outcome(&self, mut o: Outcome) -> Sealed<Outcome> {
        for (name, value) in &mut o.response_headers {
            self.header(name, value);
        }
        if let Some(r) = &mut o.response {
            self.text(&mut r.text);
            for s in r
                .error
                .iter_mut()
                .chain(r.model.iter_mut())
                .chain(r.stop_reason.iter_mut())
                .chain(r.tool_calls.iter_mut())
            {
                self.text(s);
            }
        }
        if let Some(s) = &mut o.error {
            self.text(s);
        }
        for f in &mut o.findings {
            self.finding(f);
        }
        Sealed(o)
    }

    /// A learned line form, redacted.
    pub fn seal_form(&self, mut d: DriftForm) -> Sealed<DriftForm> {
        self.text(&mut d.sample);
        self.text(&mut d.agent);
        self.text(&mut d.agent_version);
        Sealed(d)
    }
}

/// Old → new offsets after replacements.
#[derive(Clone, Debug, Default)]
pub struct OffsetShift(Vec<(Range<usize>, Range<usize>)>);

impl OffsetShift {
    /// Where old offset `i` is now; inside a replaced secret, the start of
    /// its replacement.
    pub fn map(&self, i: usize) -> usize {
        let mut delta: isize = 0;
        for (old, new) in &self.0 {
            if i < old.start {
                break;
            }
            if i < old.end {
                return new.start;
            }
            delta = new.end as isize - old.end as isize;
        }
        (i as isize + delta).max(0) as usize
    }
}

/// Appends the secrets `re` finds in `hay` (a window starting at `offset`
/// of the text) to `out`, not overlapping.
fn push_matches(
    re: &Regex,
    hay: &[u8],
    offset: usize,
    out: &mut Vec<(Range<usize>, &'static str)>,
) {
    let mut last_end = 0;
    for caps in re.captures_iter(hay) {
        let Some((range, kind)) = secret_of(&caps, hay) else {
            continue;
        };
        if range.start < last_end {
            continue;
        }
        if kind == "openai_key" && !looks_random(&hay[range.clone()]) {
            continue;
        }
        last_end = range.end;
        out.push((range.start + offset..range.end + offset, kind));
    }
}

fn secret_of(caps: &Captures<'_>, bytes: &[u8]) -> Option<(Range<usize>, &'static str)> {
    for &g in GROUPS {
        if let Some(m) = caps.name(g) {
            let mut r = m.range();
            if g == "private_key" {
                r.end = private_key_end(bytes, r.start);
            }
            return Some((r, g));
        }
    }
    None
}

/// End of a PEM private key block starting at `start`: after its `-----END
/// … PRIVATE KEY-----` line; without one (cut, or a different encoding),
/// the end of the enclosing string or at most 16 KiB.
fn private_key_end(bytes: &[u8], start: usize) -> usize {
    const MAX: usize = 16 << 10;
    let limit = (start + MAX).min(bytes.len());
    let window = &bytes[start..limit];
    if let Some(end) = memchr::memmem::find(window, b"-----END ") {
        let after = &window[end + 9..];
        if let Some(close) = memchr::memmem::find(after, b"PRIVATE KEY-----") {
            return start + end + 9 + close + "PRIVATE KEY-----".len();
        }
    }
    // No end marker: up to an unescaped quote (the end of a JSON string).
    let mut i = start;
    while i < limit {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    limit
}

/// Whether a token looks generated (digits and both cases), not a word-ish
/// identifier that happens to start like a key.
fn looks_random(tok: &[u8]) -> bool {
    tok.iter().any(u8::is_ascii_digit)
        && tok.iter().any(u8::is_ascii_uppercase)
        && tok.iter().any(u8::is_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        Redactor::new(b"test key")
    }

    fn redacted(s: &str) -> String {
        String::from_utf8(r().redact_bytes(s.as_bytes()).into_owned()).unwrap()
    }

    /// The windowed URL search finds exactly what one search of both
    /// patterns over the whole text found, wherever the URLs fall (window
    /// edges, runs of `://`, long texts, URLs next to keys).
    #[test]
    fn url_windows_find_what_a_whole_search_finds() {
        let whole = Regex::new(&format!(
            "{}|{}",
            PATTERN.trim_end(),
            URL_PATTERN.trim_start_matches("(?x)")
        ))
        .unwrap();
        let red = r();
        let pieces = [
            "https://user:pa55word@host/x ",
            "postgres://admin:hunter2secret@db.internal:5432/x",
            "a://u:p@b://u:q@",
            "://://:x@",
            "see https://docs.example.com/a/b for more ",
            "git+ssh://git:tok@github.com ",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "ftp://anonymous:@host ",
            "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 ",
            "\"http://u:secret\"@h ",
            "Here is the file, line by line. ",
            "h://u:",
            "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp",
            "@ ",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..400 {
            let mut text = String::new();
            for _ in 0..12 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let mut old = Vec::new();
            let mut last_end = 0;
            for caps in whole.captures_iter(text.as_bytes()) {
                let Some((range, kind)) = secret_of(&caps, text.as_bytes()) else {
                    continue;
                };
                if range.start >= last_end {
                    last_end = range.end;
                    old.push((range, kind));
                }
            }
            assert_eq!(red.find(text.as_bytes()), old, "{text}");
        }
    }

    #[test]
    fn kinds() {
        let cases = [
            (
                "key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AA end",
                "anthropic-key",
            ),
            (
                "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFGH",
                "openai-key",
            ),
            ("AIzaSyA1234567890abcdefghijklmnopqrstuv", "google-api-key"),
            ("id AKIAIOSFODNN7EXAMPLE here", "aws-access-key-id"),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "aws-secret-key",
            ),
            (
                "\\\"AWS_SECRET_ACCESS_KEY\\\":\\\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\\\"",
                "aws-secret-key",
            ),
            ("ghp_0123456789abcdefghijklmnopqrstuvwxyz", "github-token"),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
                "github-token",
            ),
            ("npm_0123456789abcdefghijklmnopqrstuvwxyz", "npm-token"),
            ("xoxb-123456789012-abcdefghij", "slack-token"),
            ("sk_live_0123456789abcdefghijklmn", "stripe-key"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "jwt",
            ),
            (
                "postgres://admin:hunter2secret@db.internal:5432/x",
                "url-password",
            ),
        ];
        for (input, kind) in cases {
            let out = redacted(input);
            assert!(
                out.contains(&format!("[REDACTED:{kind}:")),
                "{input} → {out}"
            );
        }
        let out = redacted("postgres://admin:hunter2secret@db.internal:5432/x");
        assert!(out.starts_with("postgres://admin:[REDACTED:url-password:"));
        assert!(out.ends_with("@db.internal:5432/x"));
        assert!(!out.contains("hunter2"));
        let out = redacted("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert!(out.starts_with("aws_secret_access_key = [REDACTED:aws-secret-key:"));
    }

    #[test]
    fn private_key_in_json_string() {
        let body = r#"{"content":"here: -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc==\n-----END RSA PRIVATE KEY-----\n done"}"#;
        let out = redacted(body);
        assert!(!out.contains("MIIEow"), "{out}");
        assert!(out.contains("[REDACTED:private-key:"));
        assert!(out.ends_with(r#"\n done"}"#));
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
        // Cut off: up to the end of the string.
        let body = r#"{"a":"-----BEGIN PRIVATE KEY-----\nMIIE","b":1}"#;
        let out = redacted(body);
        assert!(!out.contains("MIIE"));
        assert!(out.ends_with(r#"","b":1}"#), "{out}");
    }

    #[test]
    fn prose_is_left_alone() {
        for s in [
            "the task-management-system-overview-of-the-project is long",
            "risk-assessment-and-mitigation-strategies-for-the-project",
            "see https://example.com/a:b@c for details",
            "AKIA is a prefix; AKIAIOSFODNN7EXAMPLEX is too long",
            "Today's date is 2026-11-28.",
        ] {
            assert_eq!(redacted(s), s);
        }
        assert!(matches!(
            r().redact_bytes(b"nothing here"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn fingerprints_correlate_within_a_key_only() {
        let a = r().replacement("openai_key", b"sk-1");
        assert_eq!(a, r().replacement("openai_key", b"sk-1"));
        assert_ne!(a, r().replacement("openai_key", b"sk-2"));
        assert_ne!(
            a,
            Redactor::new(b"other").replacement("openai_key", b"sk-1")
        );
        assert!(a.starts_with("[REDACTED:openai-key:"));
        assert_eq!(a.len(), "[REDACTED:openai-key:]".len() + 12);
    }

    #[test]
    fn headers_and_paths() {
        let x = NewExchange {
            request_headers: vec![
                ("Authorization".into(), "Bearer sk-abc".into()),
                ("x-api-key".into(), "sk-ant-xyz".into()),
                ("X-Goog-Api-Key".into(), "AIza-short".into()),
                ("user-agent".into(), "claude-cli/2.1.91".into()),
                ("x-stainless-arch".into(), "x64".into()),
                ("cookie".into(), "sid=1".into()),
            ],
            path: "/v1beta/models/m:generateContent?alt=sse&key=AIzaXYZ&x=1".into(),
            upstream: "https://user:pw@up.example/v1".into(),
            ..NewExchange::default()
        };
        let s = r().seal_exchange(x);
        let h = &s.get().request_headers;
        assert!(h[0].1.starts_with("Bearer [REDACTED:header-authorization:"));
        assert!(h[1].1.starts_with("[REDACTED:header-x-api-key:"));
        assert!(h[2].1.starts_with("[REDACTED:header-x-goog-api-key:"));
        assert_eq!(h[3].1, "claude-cli/2.1.91");
        assert_eq!(h[4].1, "x64");
        assert!(h[5].1.starts_with("[REDACTED:header-cookie:"));
        let p = &s.get().path;
        assert!(p.starts_with("/v1beta/models/m:generateContent?alt=sse&key=[REDACTED:param-key:"));
        assert!(p.ends_with("&x=1"));
        assert!(!s.get().upstream.contains("pw@"));
    }

    #[test]
    fn excerpt_spans_follow_the_text() {
        use plainsight_core::{Excerpt, Location, Rule};
        let text = "k=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123 Today\u{2b9}s";
        let at = text.find('\u{2b9}').unwrap();
        let mut f = Finding::new(Rule::ConfusableCharacter, "m", Location::default());
        f.excerpt = Some(Excerpt {
            line: 1,
            text: text.into(),
            start: at,
            end: at + 2,
            label: String::new(),
            clipped_start: false,
            clipped_end: false,
        });
        let x = NewExchange {
            findings: vec![f],
            ..NewExchange::default()
        };
        let s = r().seal_exchange(x);
        let e = s.get().findings[0].excerpt.as_ref().unwrap();
        assert!(!e.text.contains("AbCdEf"));
        assert_eq!(&e.text[e.start..e.end], "\u{2b9}");
    }
}
