//! Audit-log pages: the exchange list (with live rows), one exchange in
//! full, and two exchanges side by side.

use std::fmt::Write as _;

use askama::Template;
use plainsight_core::{Finding, Severity};
use plainsight_store::{Action, Exchange, ExchangeId, Filter};
use serde::Deserialize;

use crate::components::{FindingCard, Layout, severity_class};
use crate::diffview::{self, DiffPart};
use crate::filters;
use crate::markup::{self, Mark, Markup, TextOptions};
use crate::prompt;

/// Rows per page of the list.
pub const PAGE: u64 = 100;

/// The list's filters, as query parameters (all optional, all narrow).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub agent: String,
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub until: String,
    /// Page back: rows below this id.
    pub before: Option<ExchangeId>,
    /// Live rows: rows above this id.
    pub after: Option<ExchangeId>,
}

impl ListQuery {
    /// The store filter, or what is wrong with a parameter.
    pub fn filter(&self) -> Result<Filter, String> {
        let nonempty = |s: &str| {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        };
        let time = |name: &str, s: &str| -> Result<Option<i64>, String> {
            match nonempty(s) {
                None => Ok(None),
                Some(t) => plainsight_store::parse_time(&t).map(Some).ok_or_else(|| {
                    format!("{name}: `{t}` is not a date (2026-11-28, 2026-11-28T09:00:00Z or Unix seconds)")
                }),
            }
        };
        Ok(Filter {
            agent: nonempty(&self.agent),
            rule: nonempty(&self.rule).map(|r| r.to_ascii_uppercase()),
            min_severity: match nonempty(&self.severity) {
                None => None,
                Some(s) => {
                    Some(Severity::parse(&s).ok_or_else(|| format!("severity: unknown `{s}`"))?)
                }
            },
            action: match nonempty(&self.action) {
                None => None,
                Some(a) => Some(a.parse::<Action>()?),
            },
            since_us: time("since", &self.since)?,
            until_us: time("until", &self.until)?,
            before_id: self.before,
            after_id: self.after,
            newest_first: true,
            limit: Some(PAGE),
            ..Filter::default()
        })
    }

    /// The filters as a query string (for paging and live links), without
    /// `before`/`after`.
    pub fn query_string(&self) -> String {
        let mut s = String::new();
        for (k, v) in [
            ("agent", &self.agent),
            ("rule", &self.rule),
            ("severity", &self.severity),
            ("action", &self.action),
            ("since", &self.since),
            ("until", &self.until),
        ] {
            if !v.trim().is_empty() {
                if !s.is_empty() {
                    s.push('&');
                }
                let _ = write!(s, "{k}={}", percent(v.trim()));
            }
        }
        s
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `2026-11-28 09:12:03Z` for Unix microseconds (UTC): the store's
/// timestamp to the second, for a reader.
pub fn format_time(us: i64) -> String {
    let full = plainsight_store::format_time(us);
    // `2026-11-28T09:12:03.123456Z` → `2026-11-28 09:12:03Z`
    match full.split_once('.') {
        Some((secs, _)) => format!("{}Z", secs.replacen('T', " ", 1)),
        None => full,
    }
}

/// A finding in the list: its code, severity and the code points involved.
pub struct Chip {
    pub code: &'static str,
    pub severity_class: &'static str,
    pub title: String,
    pub codepoints: Vec<String>,
    pub count: usize,
}

/// One row of the list.
pub struct Row {
    pub id: ExchangeId,
    pub href: String,
    pub time: String,
    pub agent: String,
    pub method: String,
    pub path: String,
    pub upstream: String,
    pub model: String,
    pub status: String,
    pub status_class: &'static str,
    pub action: &'static str,
    pub chips: Vec<Chip>,
    pub row_class: &'static str,
}

fn chips<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<Chip> {
    let mut out: Vec<Chip> = Vec::new();
    for f in findings {
        let cps: Vec<String> = f.chars.iter().map(|c| c.codepoint.clone()).collect();
        match out.iter_mut().find(|c| c.code == f.rule.code()) {
            Some(c) => {
                c.count += 1;
                for cp in cps {
                    if !c.codepoints.contains(&cp) {
                        c.codepoints.push(cp);
                    }
                }
            }
            None => out.push(Chip {
                code: f.rule.code(),
                severity_class: severity_class(f.severity),
                title: format!("{} ({}): {}", f.rule.name(), f.severity, f.message),
                codepoints: cps,
                count: 1,
            }),
        }
    }
    for c in &mut out {
        c.codepoints.truncate(6);
    }
    out
}

impl Row {
    pub fn new(x: &Exchange, base: &str) -> Row {
        let r = &x.request;
        let status = x.outcome.as_ref().and_then(|o| o.status);
        let max = x.all_findings().map(|f| f.severity).max();
        Row {
            id: x.id,
            href: format!("{base}/exchanges/{}", x.id),
            time: format_time(r.started_at_us),
            agent: r.agent.clone(),
            method: r.method.clone(),
            path: r.path.clone(),
            upstream: r.upstream.clone(),
            model: r.model.clone().unwrap_or_default(),
            status: match (&x.outcome, status) {
                (None, _) => "…".into(),
                (Some(_), Some(s)) => s.to_string(),
                (Some(o), None) => o.completion.as_str().replace('_', " "),
            },
            status_class: match status {
                Some(200..=299) => "ok",
                Some(_) => "bad",
                None => "pending",
            },
            action: r.action.map_or("-", Action::as_str),
            chips: chips(x.all_findings()),
            row_class: match max {
                Some(Severity::Critical | Severity::High) => "alert",
                Some(Severity::Medium) => "warn",
                _ => "",
            },
        }
    }
}

/// The rows alone (the live update fetches these).
#[derive(Template)]
#[template(path = "exchange_rows.html")]
pub struct Rows {
    pub rows: Vec<Row>,
}

impl Rows {
    pub fn to_markup(&self) -> Markup {
        crate::components::render_markup(self)
    }
}

#[derive(Template)]
#[template(path = "exchanges.html")]
pub struct ListPage {
    pub layout: Layout,
    pub q: ListQuery,
    pub error: Option<String>,
    pub rows: Rows,
    pub total: u64,
    /// Link to the page of older rows.
    pub older: Option<String>,
    pub newest_link: Option<String>,
    /// Highest id shown (live rows come after it).
    pub max_id: ExchangeId,
    pub live: bool,
    pub rows_url: String,
    pub events_url: String,
    pub severities: [&'static str; 5],
    pub actions: [&'static str; 4],
}

impl ListPage {
    pub fn new(
        layout: Layout,
        q: ListQuery,
        rows: &[Exchange],
        total: u64,
        error: Option<String>,
    ) -> ListPage {
        let base = layout.base.clone();
        let qs = q.query_string();
        let sep = if qs.is_empty() { "" } else { "&" };
        let older = (rows.len() as u64 == PAGE)
            .then(|| {
                rows.last()
                    .map(|x| format!("{base}/exchanges?{qs}{sep}before={}", x.id))
            })
            .flatten();
        let live = q.before.is_none();
        ListPage {
            newest_link: q.before.map(|_| format!("{base}/exchanges?{qs}")),
            max_id: rows.iter().map(|x| x.id).max().unwrap_or(0),
            rows_url: format!("{base}/exchanges/rows?{qs}"),
            events_url: format!("{base}/events"),
            rows: Rows {
                rows: rows.iter().map(|x| Row::new(x, &base)).collect(),
            },
            older,
            total,
            error,
            live,
            q,
            layout,
            severities: ["info", "low", "medium", "high", "critical"],
            actions: ["forwarded", "normalized", "blocked", "refused"],
        }
    }
}

/// One prompt part, rendered.
pub struct PartView {
    pub name: String,
    pub pointer: String,
    pub text: Markup,
    pub len: usize,
    /// Findings, hidden characters or look-alikes in it.
    pub flagged: bool,
    pub findings: Vec<String>,
}

/// A header, rendered.
pub struct HeaderView {
    pub name: String,
    pub value: Markup,
}

pub struct EditView {
    pub place: String,
    pub offset: u64,
    pub before: Markup,
    pub after: Markup,
}

pub struct ResponseView {
    pub status: String,
    pub completion: String,
    pub latency: String,
    pub headers: Vec<HeaderView>,
    pub text: Option<Markup>,
    pub facts: Vec<(String, String)>,
    pub tool_calls: Vec<Markup>,
    pub error: Option<Markup>,
}

#[derive(Template)]
#[template(path = "exchange.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: ExchangeId,
    pub facts: Vec<(&'static str, Markup)>,
    pub cards: Vec<Markup>,
    pub parts: Vec<PartView>,
    pub quiet_parts: Vec<PartView>,
    pub body_note: Option<String>,
    pub headers: Vec<HeaderView>,
    pub edits: Vec<EditView>,
    pub response: Option<ResponseView>,
    pub compare: Vec<(String, String)>,
}

/// Marks for the redacted secrets in a text: `[REDACTED:kind:fingerprint]`.
pub fn redaction_marks(s: &str) -> Vec<Mark> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find("[REDACTED:") {
        let start = from + i;
        let Some(len) = s[start..].find(']') else {
            break;
        };
        let end = start + len + 1;
        let inner = &s[start + 10..end - 1];
        let (kind, fp) = inner.split_once(':').unwrap_or((inner, ""));
        out.push(Mark {
            range: start..end,
            class: "redacted",
            title: format!(
                "{kind} redacted before it was stored; fingerprint {fp} (equal secrets share it)"
            ),
            anchor: None,
        });
        from = end;
    }
    out
}

fn header_views(h: &[(String, String)]) -> Vec<HeaderView> {
    h.iter()
        .map(|(k, v)| HeaderView {
            name: k.clone(),
            value: markup::marked(
                v,
                &redaction_marks(v),
                TextOptions {
                    hidden_only: true,
                    ..TextOptions::default()
                },
            ),
        })
        .collect()
}

fn has_marked_chars(s: &str) -> bool {
    s.chars()
        .any(|c| c != '\n' && c != '\t' && markup::CharKind::of(c).is_some())
}

/// Parts shorter than this with nothing to see go into the compact table.
const QUIET_LEN: usize = 60;

impl DetailPage {
    pub fn new(layout: Layout, x: &Exchange, compare: Vec<(String, String)>) -> DetailPage {
        let r = &x.request;
        let t = |s: &str| markup::text(s, TextOptions::default());
        let mut facts: Vec<(&'static str, Markup)> = vec![
            ("time", t(&format_time(r.started_at_us))),
            ("agent", t(&r.agent)),
            ("request", t(&format!("{} {}", r.method, r.path))),
            ("upstream", t(&r.upstream)),
        ];
        if let Some(a) = &r.api {
            facts.push(("API", t(a)));
        }
        if let Some(m) = &r.model {
            facts.push(("model", t(m)));
        }
        facts.push((
            "policy action",
            t(&match (&r.action, &r.reason) {
                (Some(a), Some(why)) => format!("{a}: {why}"),
                (Some(a), None) => a.to_string(),
                (None, _) => "-".into(),
            }),
        ));
        if let Some(s) = &r.session {
            facts.push(("session", t(s)));
        }
        facts.push(("guard", t(&r.guard)));
        facts.push(("client", t(&r.client_addr)));
        facts.push(("uid", t(&r.uid)));

        let findings: Vec<&Finding> = x.all_findings().collect();
        let body = prompt::parts(&r.request_body);
        let mut placed: Vec<Option<String>> = vec![None; findings.len()];
        let mut parts = Vec::new();
        let mut quiet_parts = Vec::new();
        for p in &body.parts {
            let mut marks = redaction_marks(&p.text);
            let mut names = Vec::new();
            for (i, f) in findings.iter().enumerate() {
                if let Some(span) = p.span_of(f) {
                    let anchor = format!("t-f{i}");
                    if placed[i].is_none() {
                        placed[i] = Some(anchor.clone());
                    }
                    // An empty span (an insertion point) still gets a mark.
                    let span = if span.is_empty() {
                        span.start..(span.start + 1).min(p.text.len())
                    } else {
                        span
                    };
                    marks.push(Mark {
                        range: span,
                        class: "hit",
                        title: format!("{} {}: {}", f.rule.code(), f.severity, f.message),
                        anchor: Some(anchor),
                    });
                    names.push(format!("f{i}"));
                }
            }
            let flagged = !names.is_empty() || has_marked_chars(&p.text);
            let view = PartView {
                name: p.name.clone(),
                pointer: p.pointer.clone(),
                text: markup::marked(
                    &p.text,
                    &marks,
                    TextOptions {
                        multiline: true,
                        ..TextOptions::default()
                    },
                ),
                len: p.text.chars().count(),
                flagged,
                findings: names,
            };
            if !flagged && view.len < QUIET_LEN && !p.text.contains('\n') {
                quiet_parts.push(view);
            } else {
                parts.push(view);
            }
        }
        let cards = findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut c = FindingCard::new(f, format!("f{i}"));
                c.text_link = placed[i].as_ref().map(|a| format!("#{a}"));
                c.to_markup()
            })
            .collect();
        let response = x.outcome.as_ref().map(|o| {
            let mut facts = Vec::new();
            if let Some(rr) = &o.response {
                for (k, v) in [
                    ("model", rr.model.clone()),
                    ("stop reason", rr.stop_reason.clone()),
                    ("input tokens", rr.input_tokens.map(|n| n.to_string())),
                    ("output tokens", rr.output_tokens.map(|n| n.to_string())),
                ] {
                    if let Some(v) = v {
                        facts.push((k.to_owned(), v));
                    }
                }
                facts.push(("events".into(), rr.events.to_string()));
                if rr.truncated {
                    facts.push(("truncated".into(), "yes (over the capture limit)".into()));
                }
            }
            facts.push(("response bytes".into(), o.response_bytes.to_string()));
            if let Some(fb) = o.first_byte_us {
                facts.push(("first byte".into(), format!("{:.1} ms", fb as f64 / 1000.0)));
            }
            ResponseView {
                status: o.status.map_or_else(|| "-".into(), |s| s.to_string()),
                completion: o.completion.as_str().replace('_', " "),
                latency: format!("{:.1} ms", o.latency_us as f64 / 1000.0),
                headers: header_views(&o.response_headers),
                text: o.response.as_ref().map(|rr| {
                    markup::marked(
                        &rr.text,
                        &redaction_marks(&rr.text),
                        TextOptions {
                            multiline: true,
                            ..TextOptions::default()
                        },
                    )
                }),
                facts,
                tool_calls: o
                    .response
                    .iter()
                    .flat_map(|rr| rr.tool_calls.iter())
                    .map(|c| markup::text(c, TextOptions::default()))
                    .collect(),
                error: o
                    .error
                    .as_deref()
                    .or(o.response.as_ref().and_then(|rr| rr.error.as_deref()))
                    .map(|e| markup::text(e, TextOptions::default())),
            }
        });
        DetailPage {
            layout,
            id: x.id,
            facts,
            cards,
            parts,
            quiet_parts,
            body_note: body.note,
            headers: header_views(&r.request_headers),
            edits: r
                .edits
                .iter()
                .map(|e| EditView {
                    place: e.place.clone(),
                    offset: e.offset,
                    before: markup::text(&e.before, TextOptions::default()),
                    after: markup::text(&e.after, TextOptions::default()),
                })
                .collect(),
            response,
            compare,
        }
    }
}

/// Exchange uids a drift finding names (`… first in exchange <uid> at …`).
pub fn named_exchanges(f: &Finding) -> Vec<String> {
    let mut out = Vec::new();
    for n in &f.notes {
        let mut words = n.split_whitespace().peekable();
        while let Some(w) = words.next() {
            if w == "exchange"
                && let Some(uid) = words.peek()
            {
                let uid =
                    uid.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_');
                if !uid.is_empty() && !out.iter().any(|u| u == uid) {
                    out.push(uid.to_owned());
                }
            }
        }
    }
    out
}

/// Two exchanges side by side.
#[derive(Template)]
#[template(path = "compare.html")]
pub struct ComparePage {
    pub layout: Layout,
    pub left: (ExchangeId, String, String),
    pub right: (ExchangeId, String, String),
    pub left_href: String,
    pub right_href: String,
    pub parts: Vec<DiffPart>,
    pub same_parts: usize,
    pub only_left: Vec<String>,
    pub only_right: Vec<String>,
    pub imperceptible: usize,
}

impl ComparePage {
    pub fn new(layout: Layout, a: &Exchange, b: &Exchange) -> ComparePage {
        let base = layout.base.clone();
        let pa = prompt::parts(&a.request.request_body);
        let pb = prompt::parts(&b.request.request_body);
        let d = diffview::compare_parts(&pa.parts, &pb.parts);
        let side = |x: &Exchange| {
            (
                x.id,
                format_time(x.request.started_at_us),
                x.request.agent.clone(),
            )
        };
        ComparePage {
            left_href: format!("{base}/exchanges/{}", a.id),
            right_href: format!("{base}/exchanges/{}", b.id),
            left: side(a),
            right: side(b),
            imperceptible: d.parts.iter().map(|p| p.imperceptible).sum(),
            parts: d.parts,
            same_parts: d.same,
            only_left: d.only_left,
            only_right: d.only_right,
            layout,
        }
    }
}
