//! Aligning what two runs sent and judging every difference the way a reader
//! would (`plainsight_text::classify`).
//!
//! - **Flatten.** Each request becomes fields: `/path`, `/query/<name>`,
//!   `/header/<name>`, and for JSON bodies every string, number and boolean
//!   by JSON pointer under `/body` (other text bodies are one `/body` field),
//!   plus the key order of every object.
//! - **Align.** Requests are keyed by who they went to (`provider` for the
//!   cell's base-URL host, else the host), method, path template (numbers and
//!   ids masked) and body shape (sorted top-level keys), then matched by
//!   occurrence within the key.
//! - **Judge.** Equal pointers are compared string by string. Long strings
//!   are first aligned line by line, so two changes far apart are each seen.
//!   Each differing span is judged on its own; a span is *imperceptible*
//!   when classify calls it a look-alike swap, an invisible insertion, a
//!   spacing or a format variant. A second pass compares the strings with
//!   ASCII digit runs masked, so a separator change inside a date that also
//!   moved by a day (time zone) is still a format variant, while the day
//!   itself never is a finding.
//! - **Noise.** Spans that differ between two identical runs (A/A) are
//!   masked in every later comparison, by request, pointer and range.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;

use plainsight_text::{DiffKind, classify};
use serde_json::Value;

use crate::record::Exchange;

/// Headers never compared: transport framing and the host itself.
const SKIP_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    ":authority",
];

/// One request, flattened.
#[derive(Clone, Debug)]
pub struct FlatRequest {
    pub key: String,
    pub occ: usize,
    /// Index in the run's exchanges.
    pub index: usize,
    pub fields: Vec<(String, String)>,
    /// Object pointer → key order.
    pub orders: Vec<(String, Vec<String>)>,
}

fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for seg in path.split('/') {
        if !out.is_empty() || path.starts_with('/') {
            out.push('/');
        }
        let idish =
            seg.len() >= 8 && seg.chars().filter(char::is_ascii_digit).count() * 3 >= seg.len();
        if seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() || idish {
            out.push('*');
        } else {
            out.push_str(seg);
        }
    }
    out.replacen("//", "/", 1)
}

/// The field of `fields` with `p`'s shape (array indices aside) whose value
/// shares the most with `v` at its start and end, if that is at least half
/// of the shorter value.
fn moved_counterpart<'f>(p: &str, v: &str, fields: &'f [(String, String)]) -> Option<&'f str> {
    let shape = masked_positions(p);
    if shape == p {
        return None;
    }
    let shared = |a: &str, b: &str| {
        let pre = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
        let suf = a
            .bytes()
            .rev()
            .zip(b.bytes().rev())
            .take_while(|(x, y)| x == y)
            .count();
        (pre + suf).min(a.len().min(b.len()))
    };
    fields
        .iter()
        .filter(|(q, _)| masked_positions(q) == shape)
        .map(|(_, w)| (shared(v, w), w.as_str()))
        .filter(|(n, w)| *n * 2 >= v.len().min(w.len()) && *n > 0)
        .max_by_key(|(n, _)| *n)
        .map(|(_, w)| w)
}

/// A request key without its body shape: role, method, path template.
fn endpoint(key: &str) -> &str {
    key.rsplit_once(" [").map_or(key, |(e, _)| e)
}

/// Flattens every exchange of a run; `provider_host` is the cell's base-URL host.
pub fn flatten(exchanges: &[Exchange], provider_host: &str) -> Vec<FlatRequest> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(exchanges.len());
    for (index, ex) in exchanges.iter().enumerate() {
        let role = if ex.host.eq_ignore_ascii_case(provider_host) {
            "provider"
        } else {
            ex.host.as_str()
        };
        let json: Option<Value> = (!ex.body_base64 && !ex.body.is_empty())
            .then(|| serde_json::from_str(&ex.body).ok())
            .flatten();
        let shape = match &json {
            Some(Value::Object(m)) => {
                let mut ks: Vec<&str> = m.keys().map(String::as_str).collect();
                ks.sort_unstable();
                ks.join(",")
            }
            Some(_) => "json".to_owned(),
            None => String::new(),
        };
        let key = format!(
            "{role} {} {} [{shape}]",
            ex.method,
            template(ex.path_only())
        );
        let occ = counts.entry(key.clone()).or_default();
        let mut fields = Vec::new();
        let mut orders = Vec::new();
        fields.push(("/path".to_owned(), ex.path_only().to_owned()));
        if let Some((_, q)) = ex.path.split_once('?') {
            for kv in q.split('&') {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                fields.push((format!("/query/{k}"), v.to_owned()));
            }
        }
        for (k, v) in &ex.headers {
            let k = k.to_ascii_lowercase();
            if !SKIP_HEADERS.contains(&k.as_str()) {
                fields.push((format!("/header/{k}"), v.clone()));
            }
        }
        match &json {
            Some(v) => walk(v, &mut String::from("/body"), &mut fields, &mut orders),
            None if !ex.body_base64 && !ex.body.is_empty() => {
                fields.push(("/body".to_owned(), ex.body.clone()));
            }
            None => {}
        }
        out.push(FlatRequest {
            key,
            occ: *occ,
            index,
            fields,
            orders,
        });
        *occ += 1;
    }
    out
}

fn escape_token(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// The field that identifies the elements of an array of objects, if
/// every element has it as a string and no two share a value.
fn identity_key(a: &[Value]) -> Option<&'static str> {
    if a.len() < 2 {
        return None;
    }
    ["name", "id"].into_iter().find(|k| {
        let mut seen = HashSet::new();
        a.iter().all(|x| {
            x.get(*k)
                .and_then(Value::as_str)
                .is_some_and(|v| seen.insert(v))
        })
    })
}

fn walk(
    v: &Value,
    ptr: &mut String,
    fields: &mut Vec<(String, String)>,
    orders: &mut Vec<(String, Vec<String>)>,
) {
    match v {
        Value::String(s) => fields.push((ptr.clone(), s.clone())),
        Value::Number(n) => fields.push((ptr.clone(), n.to_string())),
        Value::Bool(b) => fields.push((ptr.clone(), b.to_string())),
        Value::Null => {}
        Value::Array(a) => {
            // Elements that name themselves (tool lists, function
            // declarations) are aligned by that name, not by position: a
            // list that gains or loses one entry must not pair unrelated
            // entries (whose texts then differ in everything, spacing too).
            let keyed = identity_key(a);
            for (i, x) in a.iter().enumerate() {
                let len = ptr.len();
                ptr.push('/');
                match keyed.and_then(|k| x.get(k)).and_then(Value::as_str) {
                    Some(id) => {
                        let _ = write!(ptr, "[{}={}]", keyed.unwrap_or(""), escape_token(id));
                    }
                    None => ptr.push_str(&i.to_string()),
                }
                walk(x, ptr, fields, orders);
                ptr.truncate(len);
            }
        }
        Value::Object(m) => {
            if m.len() > 1 {
                orders.push((ptr.clone(), m.keys().cloned().collect()));
            }
            for (k, x) in m {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&escape_token(k));
                walk(x, ptr, fields, orders);
                ptr.truncate(len);
            }
        }
    }
}

/// An imperceptible difference at one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub key: String,
    pub occ: usize,
    pub pointer: String,
    pub kind: DiffKind,
    /// Span in the baseline string, and the baseline string.
    pub a_span: Range<usize>,
    pub a: String,
    /// Span in the variant string, and the variant string.
    pub b_span: Range<usize>,
    pub b: String,
    /// Index of the exchanges in their runs.
    pub a_index: usize,
    pub b_index: usize,
}

impl Change {
    pub fn a_text(&self) -> &str {
        &self.a[self.a_span.clone()]
    }
    pub fn b_text(&self) -> &str {
        &self.b[self.b_span.clone()]
    }
}

/// What identical runs showed to vary.
#[derive(Clone, Debug, Default)]
pub struct Noise {
    /// (key, occ, pointer) → masked ranges of the baseline string.
    ranges: HashMap<(String, usize, String), Vec<Range<usize>>>,
    /// Pointers whose presence varied.
    fields: HashSet<(String, usize, String)>,
    /// Requests that appeared in one run only.
    requests: HashSet<(String, usize)>,
    /// Readable summary for the report.
    pub summary: Vec<String>,
}

impl Noise {
    fn masked(&self, key: &str, occ: usize, ptr: &str, span: &Range<usize>) -> bool {
        let k = (key.to_owned(), occ);
        if self.requests.contains(&k) {
            return true;
        }
        let f = (key.to_owned(), occ, ptr.to_owned());
        if self.fields.contains(&f) {
            return true;
        }
        self.ranges.get(&f).is_some_and(|rs| {
            rs.iter()
                .any(|r| r.start < span.end.max(span.start + 1) && span.start < r.end)
        })
    }

    /// Whether the field at `pointer` (array positions ignored) varied
    /// between the identical runs anywhere: for comparisons whose
    /// reference is not the baseline, where byte ranges and positions of
    /// the baseline do not apply.
    pub fn varies_at(&self, pointer: &str) -> bool {
        let m = masked_positions(pointer);
        self.ranges
            .keys()
            .chain(self.fields.iter())
            .any(|(_, _, p)| masked_positions(p) == m)
    }

    /// Learns the noise between `a` and `b`, two runs of the same cell.
    pub fn learn(&mut self, a: &[FlatRequest], b: &[FlatRequest]) {
        let bmap: HashMap<(&str, usize), &FlatRequest> =
            b.iter().map(|r| ((r.key.as_str(), r.occ), r)).collect();
        let amap: HashSet<(&str, usize)> = a.iter().map(|r| (r.key.as_str(), r.occ)).collect();
        for r in b {
            if !amap.contains(&(r.key.as_str(), r.occ)) {
                self.requests.insert((r.key.clone(), r.occ));
                self.summary.push(format!(
                    "request {} #{} appears in only one of two identical runs",
                    r.key,
                    r.occ + 1
                ));
            }
        }
        for ra in a {
            let Some(rb) = bmap.get(&(ra.key.as_str(), ra.occ)) else {
                self.requests.insert((ra.key.clone(), ra.occ));
                self.summary.push(format!(
                    "request {} #{} appears in only one of two identical runs",
                    ra.key,
                    ra.occ + 1
                ));
                continue;
            };
            let bf: HashMap<&str, &str> = rb
                .fields
                .iter()
                .map(|(p, v)| (p.as_str(), v.as_str()))
                .collect();
            let af: HashSet<&str> = ra.fields.iter().map(|(p, _)| p.as_str()).collect();
            for (p, _) in &rb.fields {
                if !af.contains(p.as_str()) {
                    self.fields.insert((ra.key.clone(), ra.occ, p.clone()));
                }
            }
            for (p, va) in &ra.fields {
                let Some(vb) = bf.get(p.as_str()) else {
                    self.fields.insert((ra.key.clone(), ra.occ, p.clone()));
                    continue;
                };
                if va == vb {
                    continue;
                }
                let spans = diff_spans(va, vb);
                let entry = self
                    .ranges
                    .entry((ra.key.clone(), ra.occ, p.clone()))
                    .or_default();
                for (r, _, _) in spans {
                    entry.push(widen(va, r));
                }
                self.summary.push(format!("{} {p}", ra.key));
            }
        }
        self.summary.sort();
        self.summary.dedup();
    }
}

/// Widens a range to the whole token around it (letters, digits, `-_.:+`),
/// so an id that differs in a few characters is masked whole.
fn widen(s: &str, r: Range<usize>) -> Range<usize> {
    let tok = |c: char| c.is_alphanumeric() || "-_.:+/=".contains(c);
    let start = s[..r.start]
        .char_indices()
        .rev()
        .find(|(_, c)| !tok(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = s[r.end..]
        .char_indices()
        .find(|(_, c)| !tok(*c))
        .map_or(s.len(), |(i, _)| r.end + i);
    start.min(r.start)..end.max(r.end)
}

/// Lines longer than this total are compared line by line first.
const LINE_ALIGN_OVER: usize = 4096;

/// Differing spans of `a` and `b` with their kinds (any kind).
pub fn diff_spans(a: &str, b: &str) -> Vec<(Range<usize>, Range<usize>, DiffKind)> {
    if a == b {
        return Vec::new();
    }
    if a.len() + b.len() > LINE_ALIGN_OVER && (a.contains('\n') || b.contains('\n')) {
        let mut out = Vec::new();
        for (ra, rb) in line_hunks(a, b) {
            for (sa, sb, kind) in spans_of(&a[ra.clone()], &b[rb.clone()]) {
                out.push((
                    ra.start + sa.start..ra.start + sa.end,
                    rb.start + sb.start..rb.start + sb.end,
                    kind,
                ));
            }
        }
        return out;
    }
    spans_of(a, b)
}

/// `classify`'s spans, except that two texts which differ visibly in most
/// of their length on both sides are one visible change: they are
/// different texts, not one text with an edit, and the spacing or
/// punctuation that happens to differ between them signals nothing. (An
/// edit inside mostly equal text keeps every span, so a look-alike next to
/// a visible change is still seen.)
type Span = (Range<usize>, Range<usize>, DiffKind);

fn spans_of(a: &str, b: &str) -> Vec<Span> {
    let spans: Vec<Span> = classify(a, b)
        .spans
        .into_iter()
        .map(|s| (s.a, s.b, s.kind))
        .collect();
    let visible = |side: fn(&Span) -> usize| -> usize {
        spans
            .iter()
            .filter(|x| x.2 == DiffKind::Visible)
            .map(side)
            .sum()
    };
    let (va, vb) = (visible(|x| x.0.len()), visible(|x| x.1.len()));
    if !a.is_empty() && !b.is_empty() && va * 2 > a.len() && vb * 2 > b.len() {
        return vec![(0..a.len(), 0..b.len(), DiffKind::Visible)];
    }
    spans
}

/// Byte ranges of lines that differ, hunk by hunk (LCS on lines; a hunk
/// with as many lines on both sides is split into line pairs).
#[allow(clippy::many_single_char_names)] // the LCS indices read as in the literature
fn line_hunks(a: &str, b: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let la = line_ranges(a);
    let lb = line_ranges(b);
    let (n, m) = (la.len(), lb.len());
    if n.saturating_mul(m) > 4_000_000 {
        return vec![(0..a.len(), 0..b.len())];
    }
    let eq = |i: usize, j: usize| a[la[i].clone()] == b[lb[j].clone()];
    let w = m + 1;
    let mut dp = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[i * w + j] = if eq(i, j) {
                dp[(i + 1) * w + j + 1] + 1
            } else {
                dp[(i + 1) * w + j].max(dp[i * w + j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut open: Option<(usize, usize)> = None;
    let close =
        |si: usize, sj: usize, i: usize, j: usize, out: &mut Vec<(Range<usize>, Range<usize>)>| {
            if i - si == j - sj {
                for k in 0..i - si {
                    out.push((la[si + k].clone(), lb[sj + k].clone()));
                }
            } else {
                let ra = if si < i {
                    la[si].start..la[i - 1].end
                } else {
                    la.get(si).map_or(a.len(), |r| r.start)..la.get(si).map_or(a.len(), |r| r.start)
                };
                let rb = if sj < j {
                    lb[sj].start..lb[j - 1].end
                } else {
                    lb.get(sj).map_or(b.len(), |r| r.start)..lb.get(sj).map_or(b.len(), |r| r.start)
                };
                out.push((ra, rb));
            }
        };
    while i < n || j < m {
        if i < n && j < m && eq(i, j) && dp[i * w + j] == dp[(i + 1) * w + j + 1] + 1 {
            if let Some((si, sj)) = open.take() {
                close(si, sj, i, j, &mut out);
            }
            i += 1;
            j += 1;
            continue;
        }
        if open.is_none() {
            open = Some((i, j));
        }
        if j >= m || (i < n && dp[(i + 1) * w + j] >= dp[i * w + j + 1]) {
            i += 1;
        } else {
            j += 1;
        }
    }
    if let Some((si, sj)) = open {
        close(si, sj, n, m, &mut out);
    }
    out
}

fn line_ranges(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '\n' {
            out.push(start..i);
            start = i + 1;
        }
    }
    out.push(start..s.len());
    out
}

/// `s` with every run of ASCII digits replaced by one `0`, and for each byte
/// of the result the byte offset it came from.
fn digit_shape(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len() + 1);
    let mut in_digits = false;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('0');
                map.push(i);
            }
            in_digits = true;
            continue;
        }
        in_digits = false;
        out.push(c);
        for k in 0..c.len_utf8() {
            map.push(i + k);
        }
    }
    map.push(s.len());
    (out, map)
}

fn map_back(map: &[usize], r: &Range<usize>, orig_len: usize) -> Range<usize> {
    let s = map.get(r.start).copied().unwrap_or(orig_len);
    let e = if r.end == r.start {
        s
    } else {
        map.get(r.end).copied().unwrap_or(orig_len)
    };
    s..e.max(s)
}

/// Imperceptible spans between `a` and `b`.
pub fn imperceptible(a: &str, b: &str) -> Vec<(Range<usize>, Range<usize>, DiffKind)> {
    let mut out: Vec<(Range<usize>, Range<usize>, DiffKind)> = diff_spans(a, b)
        .into_iter()
        .filter(|(_, _, k)| !matches!(k, DiffKind::Identical | DiffKind::Visible))
        .collect();
    if a.bytes().any(|c| c.is_ascii_digit()) {
        let (sa, ma) = digit_shape(a);
        let (sb, mb) = digit_shape(b);
        if sa != sb {
            for (ra, rb, k) in diff_spans(&sa, &sb) {
                if matches!(k, DiffKind::Identical | DiffKind::Visible) {
                    continue;
                }
                let (oa, ob) = (map_back(&ma, &ra, a.len()), map_back(&mb, &rb, b.len()));
                if !out.iter().any(|(x, _, _)| {
                    x.start < oa.end.max(oa.start + 1) && oa.start < x.end.max(x.start + 1)
                }) {
                    out.push((oa, ob, k));
                }
            }
        }
    }
    out.sort_by_key(|(r, _, _)| r.start);
    out
}

/// Every unmasked imperceptible change from `base` to `other`.
pub fn compare(base: &[FlatRequest], other: &[FlatRequest], noise: &Noise) -> Vec<Change> {
    let omap: HashMap<(&str, usize), &FlatRequest> =
        other.iter().map(|r| ((r.key.as_str(), r.occ), r)).collect();
    // A request whose body gained or lost a top-level field in the variant
    // (a provider host that gets fewer beta features) is still the same
    // request: those without an exact counterpart pair by endpoint, in order.
    let bkeys: HashSet<(&str, usize)> = base.iter().map(|r| (r.key.as_str(), r.occ)).collect();
    let mut spare: HashMap<&str, std::collections::VecDeque<&FlatRequest>> = HashMap::new();
    for r in other {
        if !bkeys.contains(&(r.key.as_str(), r.occ)) {
            spare.entry(endpoint(&r.key)).or_default().push_back(r);
        }
    }
    let mut out = Vec::new();
    for ra in base {
        let rb = match omap.get(&(ra.key.as_str(), ra.occ)) {
            Some(rb) => *rb,
            None => match spare
                .get_mut(endpoint(&ra.key))
                .and_then(std::collections::VecDeque::pop_front)
            {
                Some(rb) => rb,
                None => continue,
            },
        };
        let bf: HashMap<&str, &str> = rb
            .fields
            .iter()
            .map(|(p, v)| (p.as_str(), v.as_str()))
            .collect();
        for (p, va) in &ra.fields {
            // A field whose array position moved (one message more before
            // it) pairs with the most similar field of the same shape.
            let Some(vb) = bf
                .get(p.as_str())
                .copied()
                .or_else(|| moved_counterpart(p, va, &rb.fields))
            else {
                continue;
            };
            if va == vb {
                continue;
            }
            for (sa, sb, kind) in imperceptible(va, vb) {
                if noise.masked(&ra.key, ra.occ, p, &sa) {
                    continue;
                }
                out.push(Change {
                    key: ra.key.clone(),
                    occ: ra.occ,
                    pointer: p.clone(),
                    kind,
                    a_span: sa,
                    a: va.clone(),
                    b_span: sb,
                    b: (*vb).to_owned(),
                    a_index: ra.index,
                    b_index: rb.index,
                });
            }
        }
        // Same keys, another order: a format variant of the object.
        let bo: HashMap<&str, &Vec<String>> =
            rb.orders.iter().map(|(p, k)| (p.as_str(), k)).collect();
        for (p, ka) in &ra.orders {
            let Some(kb) = bo.get(p.as_str()) else {
                continue;
            };
            if ka != *kb && {
                let (mut x, mut y) = (ka.clone(), (*kb).clone());
                x.sort();
                y.sort();
                x == y
            } {
                let field = format!("{p}#order");
                if noise.masked(&ra.key, ra.occ, &field, &(0..1))
                    || noise.masked(&ra.key, ra.occ, p, &(0..1))
                {
                    continue;
                }
                let (a, b) = (ka.join(","), kb.join(","));
                out.push(Change {
                    key: ra.key.clone(),
                    occ: ra.occ,
                    pointer: field,
                    kind: DiffKind::FormatVariant,
                    a_span: 0..a.len(),
                    b_span: 0..b.len(),
                    a,
                    b,
                    a_index: ra.index,
                    b_index: rb.index,
                });
            }
        }
    }
    out
}

/// Requests of `base` that have no counterpart in `other`, and the reverse.
pub fn unmatched(base: &[FlatRequest], other: &[FlatRequest]) -> (Vec<String>, Vec<String>) {
    let a: HashSet<(&str, usize)> = base.iter().map(|r| (r.key.as_str(), r.occ)).collect();
    let b: HashSet<(&str, usize)> = other.iter().map(|r| (r.key.as_str(), r.occ)).collect();
    let only_a = base
        .iter()
        .filter(|r| !b.contains(&(r.key.as_str(), r.occ)))
        .map(|r| r.key.clone())
        .collect();
    let only_b = other
        .iter()
        .filter(|r| !a.contains(&(r.key.as_str(), r.occ)))
        .map(|r| r.key.clone())
        .collect();
    (only_a, only_b)
}

/// A JSON pointer with its array positions written as `*`:
/// `/body/messages/1/content/0/text` → `/body/messages/*/content/*/text`.
pub fn masked_positions(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|t| {
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(a: &str, b: &str) -> Vec<(String, String, DiffKind)> {
        imperceptible(a, b)
            .into_iter()
            .map(|(ra, rb, k)| (a[ra].to_owned(), b[rb].to_owned(), k))
            .collect()
    }

    #[test]
    fn apostrophe_lookalike_is_imperceptible() {
        let k = kinds(
            "Today's date is 2026-11-28.",
            "Today\u{2bc}s date is 2026-11-28.",
        );
        assert_eq!(k.len(), 1);
        assert_eq!(k[0].2, DiffKind::LookAlike);
        assert_eq!(k[0].1, "\u{2bc}");
    }

    #[test]
    fn separator_change_with_a_day_shift_is_a_format_variant() {
        let k = kinds("Today's date is 2026-11-28.", "Today's date is 2026/11/29.");
        assert!(
            k.iter()
                .any(|(_, _, kind)| *kind == DiffKind::FormatVariant),
            "{k:?}"
        );
        // A day shift alone is not a finding.
        assert!(kinds("Today's date is 2026-11-28.", "Today's date is 2026-11-29.").is_empty());
        // Nor is a visible word change.
        assert!(kinds("Hello Alice", "Hello Bob").is_empty());
    }

    #[test]
    fn long_strings_find_changes_far_apart() {
        let body: String = (0..400)
            .map(|i| "line ".to_owned() + &i.to_string() + " of the system prompt\n")
            .collect();
        let a = format!("Today's date\n{body}end it's here");
        let b = format!("Today\u{2019}s date\n{body}end it\u{200b}'s here");
        let k = kinds(&a, &b);
        assert_eq!(k.len(), 2, "{k:?}");
    }

    #[test]
    fn noise_is_masked_by_range() {
        let ex = |body: &str| Exchange {
            method: "POST".into(),
            host: "api.x".into(),
            path: "/v1/messages".into(),
            body: body.into(),
            ..Exchange::default()
        };
        let a = flatten(&[ex(r#"{"m":"id 1a2b3c4d Today's"}"#)], "api.x");
        let a2 = flatten(&[ex(r#"{"m":"id 9f8e7d6c Today's"}"#)], "api.x");
        let b = flatten(&[ex(r#"{"m":"id 5555aaaa Today’s"}"#)], "api.x");
        let mut noise = Noise::default();
        noise.learn(&a, &a2);
        let ch = compare(&a, &b, &noise);
        assert_eq!(ch.len(), 1, "{ch:?}");
        assert_eq!(ch[0].pointer, "/body/m");
        assert_eq!(ch[0].b_text(), "’");
    }

    #[test]
    fn named_elements_align_by_name_and_unrelated_texts_are_visible() {
        let ex = |body: &str| Exchange {
            method: "POST".into(),
            host: "h".into(),
            path: "/v1/messages".into(),
            body: body.into(),
            ..Exchange::default()
        };
        // One tool fewer with another host: the rest still pair by name.
        let a = flatten(
            &[ex(
                r#"{"tools":[{"name":"Read","description":"Reads a file.  Use it."},{"name":"Edit","description":"Edits a file's text."}]}"#,
            )],
            "h",
        );
        let b = flatten(
            &[ex(
                r#"{"tools":[{"name":"Edit","description":"Edits a file's text."}]}"#,
            )],
            "h",
        );
        assert!(compare(&a, &b, &Noise::default()).is_empty());
        assert!(
            a[0].fields
                .iter()
                .any(|(p, _)| p == "/body/tools/[name=Edit]/description")
        );
        // A look-alike inside a named element is still found, and named.
        let c = flatten(
            &[ex(
                r#"{"tools":[{"name":"Read","description":"Reads a file.  Use it."},{"name":"Edit","description":"Edits a file\u2019s text."}]}"#,
            )],
            "h",
        );
        let ch = compare(&a, &c, &Noise::default());
        assert_eq!(ch.len(), 1, "{ch:?}");
        assert_eq!(ch[0].pointer, "/body/tools/[name=Edit]/description");
        // Two different texts are one visible change, whatever spacing differs.
        assert!(
            kinds(
                "- Example: fetch these tools  by name",
                "Optional: a name for the worktree."
            )
            .is_empty()
        );
        // A look-alike beside a small visible change in the same line still counts.
        let k = kinds(
            "Today's date is 2026-11-28 for alice.",
            "Today\u{2bc}s date is 2026-11-28 for bob.",
        );
        assert!(
            k.iter().any(|(_, _, kind)| *kind == DiffKind::LookAlike),
            "{k:?}"
        );
    }

    #[test]
    fn a_request_with_fewer_top_level_fields_is_still_compared() {
        let ex = |body: &str| Exchange {
            method: "POST".into(),
            host: "h".into(),
            path: "/v1/messages".into(),
            body: body.into(),
            ..Exchange::default()
        };
        let a = flatten(&[ex(r#"{"beta":{"x":1},"m":"Today's date"}"#)], "h");
        let b = flatten(&[ex(r#"{"m":"Today\u02b9s date"}"#)], "h");
        assert_ne!(a[0].key, b[0].key);
        let ch = compare(&a, &b, &Noise::default());
        assert_eq!(ch.len(), 1, "{ch:?}");
        assert_eq!(ch[0].kind, DiffKind::LookAlike);
        assert_eq!(ch[0].pointer, "/body/m");
    }

    #[test]
    fn a_field_whose_array_position_moved_is_still_compared() {
        let ex = |body: &str| Exchange {
            method: "POST".into(),
            host: "h".into(),
            path: "/v1/messages".into(),
            body: body.into(),
            ..Exchange::default()
        };
        let a = flatten(
            &[ex(
                r#"{"messages":[{"role":"user","content":"deferred tools"},{"role":"user","content":[{"type":"text","text":"Today's date is 2026-11-27."}]}]}"#,
            )],
            "h",
        );
        let b = flatten(
            &[ex(
                r#"{"messages":[{"role":"user","content":[{"type":"text","text":"Today\u02b9s date is 2026-11-27."}]}]}"#,
            )],
            "h",
        );
        let ch = compare(&a, &b, &Noise::default());
        assert_eq!(ch.len(), 1, "{ch:?}");
        assert_eq!(ch[0].kind, DiffKind::LookAlike);
    }

    #[test]
    fn key_order_is_a_format_variant() {
        let ex = |body: &str| Exchange {
            method: "POST".into(),
            host: "h".into(),
            path: "/x".into(),
            body: body.into(),
            ..Exchange::default()
        };
        let a = flatten(&[ex(r#"{"a":1,"b":2}"#)], "h");
        let b = flatten(&[ex(r#"{"b":2,"a":1}"#)], "h");
        let ch = compare(&a, &b, &Noise::default());
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].pointer, "/body#order");
    }
}
