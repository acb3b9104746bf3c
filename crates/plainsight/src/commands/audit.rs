//! `plainsight audit`: query the guard's audit store (SQLite or
//! PostgreSQL): list and filter exchanges, show one with hidden characters
//! made visible, diff two, export as HAR or JSON Lines.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use base64::Engine as _;
use plainsight_core::chars::{codepoint, escape, make_visible_with};
use plainsight_core::{Report, Severity};
use plainsight_guard::drift::{differences, line_key};
use plainsight_store::{
    Action, Exchange, ExchangeId, Filter, OpenMode, Store, StoreUrl, format_time, parse_time,
};

use super::{ColorArg, SeverityArg};
use crate::Outcome;

/// Query the audit log written by `plainsight guard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// List exchanges, oldest first.
    List(ListArgs),
    /// Show one exchange in full, hidden characters made visible.
    Show(ShowArgs),
    /// Compare the prompts of two exchanges string by string.
    Diff(DiffArgs),
    /// Export exchanges as HAR 1.2 or JSON Lines.
    Export(ExportArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct StoreArg {
    /// Audit store: `sqlite:PATH` or `postgres://…` (default: the guard's default).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

impl StoreArg {
    fn open(&self) -> anyhow::Result<Box<dyn Store>> {
        let url = match &self.store {
            Some(s) => StoreUrl::parse(s)?,
            None => StoreUrl::default_sqlite(),
        };
        Ok(plainsight_store::open(&url, OpenMode::Read)?)
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only exchanges whose user agent contains this.
    #[arg(long)]
    pub agent: Option<String>,
    /// From this time on (`2026-11-28`, `2026-11-28T09:00:00Z`, Unix seconds).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only exchanges with a finding of this rule (`PS620`).
    #[arg(long, value_name = "CODE")]
    pub finding: Option<String>,
    /// Only exchanges with a finding at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<SeverityArg>,
    /// Only exchanges the guard handled this way.
    #[arg(long, value_name = "forwarded|normalized|blocked|refused")]
    pub action: Option<String>,
    /// At most this many.
    #[arg(long)]
    pub limit: Option<u64>,
}

impl FilterArgs {
    fn filter(&self) -> anyhow::Result<Filter> {
        let time = |s: &Option<String>, flag: &str| -> anyhow::Result<Option<i64>> {
            s.as_deref()
                .map(|t| {
                    parse_time(t).with_context(|| {
                        format!("--{flag} {t}: not a time (2026-11-28, 2026-11-28T09:00:00Z or Unix seconds)")
                    })
                })
                .transpose()
        };
        let rule = match &self.finding {
            Some(c) => Some(
                plainsight_core::Rule::from_code(c)
                    .with_context(|| format!("--finding {c}: unknown rule"))?
                    .code()
                    .to_owned(),
            ),
            None => None,
        };
        let action = self
            .action
            .as_deref()
            .map(str::parse::<Action>)
            .transpose()
            .map_err(anyhow::Error::msg)?;
        Ok(Filter {
            agent: self.agent.clone(),
            since_us: time(&self.since, "since")?,
            until_us: time(&self.until, "until")?,
            rule,
            min_severity: self.min_severity.map(Severity::from),
            action,
            limit: self.limit,
            ..Filter::default()
        })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Exchange id (`#12` or `12`).
    pub id: String,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Colour the findings.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub store: StoreArg,
    pub a: String,
    pub b: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Har,
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let stdout = match &args.command {
        AuditCommand::List(a) => list(a)?,
        AuditCommand::Show(a) => show(a)?,
        AuditCommand::Diff(a) => diff(a)?,
        AuditCommand::Export(a) => export(a)?,
    };
    Ok(Outcome {
        stdout,
        findings_over_threshold: false,
        incomplete: None,
        allow_incomplete: false,
    })
}

fn parse_id(s: &str) -> anyhow::Result<ExchangeId> {
    s.trim_start_matches('#')
        .parse()
        .with_context(|| format!("`{s}` is not an exchange id (a number, as `audit list` shows)"))
}

fn get(store: &mut dyn Store, id: &str) -> anyhow::Result<Exchange> {
    let n = parse_id(id)?;
    match store.get(n)? {
        Some(x) => Ok(x),
        None => bail!("no exchange #{n} in the store"),
    }
}

/// The exchange as JSON, its body as text (or base64 when not UTF-8).
pub fn json_view(x: &Exchange) -> serde_json::Value {
    let mut v = serde_json::to_value(x).expect("exchanges serialise");
    if let Some(obj) = v.as_object_mut() {
        if let Ok(s) = std::str::from_utf8(&x.request.request_body) {
            obj.insert("request_body".into(), serde_json::Value::String(s.into()));
        } else {
            obj.remove("request_body");
            obj.insert(
                "request_body_base64".into(),
                serde_json::Value::String(
                    base64::engine::general_purpose::STANDARD.encode(&x.request.request_body),
                ),
            );
        }
        obj.insert(
            "started_at".into(),
            serde_json::Value::String(format_time(x.request.started_at_us)),
        );
    }
    v
}

fn summary_line(x: &Exchange) -> String {
    let mut codes: Vec<String> = x
        .all_findings()
        .map(|f| format!("{} {}", f.rule.code(), f.severity))
        .collect();
    codes.dedup();
    let status = x
        .outcome
        .as_ref()
        .and_then(|o| o.status)
        .map_or_else(|| "---".to_owned(), |s| s.to_string());
    let ms = x.outcome.as_ref().map_or_else(
        || "open".to_owned(),
        |o| format!("{:.1} ms", o.latency_us as f64 / 1000.0),
    );
    format!(
        "#{} {} {} {} {} {} {} {}{}",
        x.id,
        format_time(x.request.started_at_us),
        if x.request.agent.is_empty() {
            "-"
        } else {
            &x.request.agent
        },
        x.request.method,
        x.request.path,
        status,
        x.request.action.map_or("?", Action::as_str),
        ms,
        if codes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", codes.join(", "))
        }
    )
}

fn list(a: &ListArgs) -> anyhow::Result<Vec<u8>> {
    let mut store = a.store.open()?;
    let xs = store.list(&a.filter.filter()?)?;
    let mut out = Vec::new();
    match a.format {
        ListFormat::Json => {
            let all: Vec<serde_json::Value> = xs.iter().map(json_view).collect();
            serde_json::to_writer_pretty(&mut out, &all)?;
            out.push(b'\n');
        }
        ListFormat::Text => {
            for x in &xs {
                out.extend_from_slice(escape(&summary_line(x)).as_bytes());
                out.push(b'\n');
            }
        }
    }
    Ok(out)
}

/// Every non-ASCII character named (look-alikes are visible characters).
fn written_out(s: &str) -> String {
    make_visible_with(s, 0..s.len(), false).text
}

fn named(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() {
                format!("`{c}`")
            } else {
                format!("{} {}", codepoint(c), plainsight_core::chars::name(c))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn visible(s: &str) -> String {
    make_visible_with(s, 0..0, true).text
}

#[allow(clippy::many_single_char_names)]
fn show(a: &ShowArgs) -> anyhow::Result<Vec<u8>> {
    let mut store = a.store.open()?;
    let x = get(&mut *store, &a.id)?;
    if a.format == ListFormat::Json {
        let mut out = serde_json::to_vec_pretty(&json_view(&x))?;
        out.push(b'\n');
        return Ok(out);
    }
    let r = &x.request;
    let mut s = String::new();
    let _ = writeln!(s, "{}", summary_line(&x));
    let _ = writeln!(
        s,
        "uid {} · guard {} · client {} · session {}",
        r.uid,
        r.guard,
        r.client_addr,
        r.session.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        s,
        "upstream {} · api {} · model {}",
        r.upstream,
        r.api.as_deref().unwrap_or("-"),
        r.model.as_deref().unwrap_or("-")
    );
    if let Some(reason) = &r.reason {
        let _ = writeln!(s, "policy: {reason}");
    }
    let _ = writeln!(s, "\nrequest headers:");
    for (k, v) in &r.request_headers {
        let _ = writeln!(s, "  {k}: {v}");
    }
    let _ = writeln!(s, "\nrequest body ({} bytes):", r.request_body.len());
    let body = String::from_utf8_lossy(&r.request_body);
    let _ = writeln!(s, "{}", visible(&body));
    for e in &r.edits {
        let _ = writeln!(
            s,
            "edit at byte {} ({}): {} → {}",
            e.offset, e.place, e.before, e.after
        );
    }
    match &x.outcome {
        None => {
            let _ = writeln!(
                s,
                "\nno outcome: the response did not end while the guard ran"
            );
        }
        Some(o) => {
            let _ = writeln!(
                s,
                "\nresponse: {} · {} · {} bytes · {:.1} ms{}",
                o.status.map_or_else(|| "-".into(), |v| v.to_string()),
                o.completion.as_str(),
                o.response_bytes,
                o.latency_us as f64 / 1000.0,
                o.first_byte_us.map_or(String::new(), |f| format!(
                    " (first byte {:.1} ms)",
                    f as f64 / 1000.0
                ))
            );
            if let Some(e) = &o.error {
                let _ = writeln!(s, "error: {e}");
            }
            if let Some(resp) = &o.response {
                if let Some(e) = &resp.error {
                    let _ = writeln!(s, "provider error: {e}");
                }
                let _ = writeln!(s, "text: {}", visible(&resp.text));
                if !resp.tool_calls.is_empty() {
                    let _ = writeln!(s, "tool calls: {}", resp.tool_calls.join(", "));
                }
            }
        }
    }
    // The text renderer escapes what it prints itself.
    let mut out = escape_keep_newlines(&s).into_bytes();
    let findings: Vec<_> = x.all_findings().cloned().collect();
    if !findings.is_empty() {
        out.extend_from_slice(b"\nfindings:\n");
        let report = Report {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            inputs: vec![format!("exchange #{}", x.id)],
            findings,
            ..Report::default()
        };
        plainsight_core::render::render(
            &report,
            plainsight_core::render::Format::Text,
            plainsight_core::render::TextOptions {
                color: a.color.enabled(),
                // one exchange: every finding in full, no line budget
                show: plainsight_core::render::Show::All,
                ..plainsight_core::render::TextOptions::default()
            },
            &mut out,
        )?;
    }
    Ok(out)
}

fn escape_keep_newlines(s: &str) -> String {
    s.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// Value strings of a JSON body by pointer (document order).
fn strings(body: &[u8]) -> Vec<(String, String)> {
    let opts = plainsight_inspect::InspectOptions {
        format: plainsight_inspect::InputFormat::Json,
        ..plainsight_inspect::InspectOptions::default()
    };
    match plainsight_inspect::document::load("body", body, &opts) {
        Ok(doc) => doc
            .segments
            .iter()
            .filter(|s| s.kind == plainsight_inspect::json::StringKind::Value)
            .map(|s| (s.pointer().unwrap_or_default(), s.text.to_string()))
            .collect(),
        Err(_) => vec![(String::new(), String::from_utf8_lossy(body).into_owned())],
    }
}

#[allow(clippy::many_single_char_names)]
fn diff(a: &DiffArgs) -> anyhow::Result<Vec<u8>> {
    let mut store = a.store.open()?;
    let x = get(&mut *store, &a.a)?;
    let y = get(&mut *store, &a.b)?;
    let sx = strings(&x.request.request_body);
    let sy = strings(&y.request.request_body);
    let mut s = String::new();
    let _ = writeln!(s, "--- #{} {}", x.id, summary_line(&x));
    let _ = writeln!(s, "+++ #{} {}", y.id, summary_line(&y));
    let mut same = 0usize;
    let mut imperceptible = 0usize;
    for (ptr, tx) in &sx {
        let Some((_, ty)) = sy.iter().find(|(p, _)| p == ptr) else {
            let _ = writeln!(s, "only in #{}: {ptr} ({} chars)", x.id, tx.chars().count());
            continue;
        };
        if tx == ty {
            same += 1;
            continue;
        }
        let _ = writeln!(s, "@@ {ptr}");
        let (lx, ly): (Vec<&str>, Vec<&str>) = (tx.lines().collect(), ty.lines().collect());
        if lx.len() == ly.len() {
            for (i, (a, b)) in lx.iter().zip(&ly).enumerate() {
                if a == b {
                    continue;
                }
                let kind = match (line_key(a), line_key(b)) {
                    // Same template, values apart: how it is written changed.
                    (Some(ka), Some(kb)) if ka.template == kb.template && ka.form != kb.form => {
                        imperceptible += 1;
                        let what: Vec<String> = differences(&ka.form_text, &kb.form_text)
                            .iter()
                            .map(|(x, y)| format!("{} → {}", named(x), named(y)))
                            .collect();
                        format!("IMPERCEPTIBLE same line, other form: {}", what.join(", "))
                    }
                    (Some(ka), Some(kb)) if ka.template == kb.template => "values only".to_owned(),
                    _ => {
                        let c = plainsight_text::classify(a, b);
                        if c.is_imperceptible() {
                            imperceptible += 1;
                            format!("IMPERCEPTIBLE {:?}", c.kind)
                        } else {
                            format!("{:?}", c.kind)
                        }
                    }
                };
                let _ = writeln!(s, "  line {} ({kind}):", i + 1);
                let _ = writeln!(s, "  - {}", written_out(a));
                let _ = writeln!(s, "  + {}", written_out(b));
            }
        } else {
            let _ = writeln!(s, "  {} lines → {} lines", lx.len(), ly.len());
            for a in lx.iter().filter(|l| !ly.contains(l)).take(20) {
                let _ = writeln!(s, "  - {}", visible(a));
            }
            for b in ly.iter().filter(|l| !lx.contains(l)).take(20) {
                let _ = writeln!(s, "  + {}", visible(b));
            }
        }
    }
    for (ptr, ty) in &sy {
        if !sx.iter().any(|(p, _)| p == ptr) {
            let _ = writeln!(s, "only in #{}: {ptr} ({} chars)", y.id, ty.chars().count());
        }
    }
    let _ = writeln!(
        s,
        "{same} strings identical; {imperceptible} line(s) differ imperceptibly"
    );
    Ok(escape_keep_newlines(&s).into_bytes())
}

fn header_list(h: &[(String, String)]) -> serde_json::Value {
    serde_json::Value::Array(
        h.iter()
            .map(|(k, v)| serde_json::json!({"name": k, "value": v}))
            .collect(),
    )
}

fn har_entry(x: &Exchange) -> serde_json::Value {
    let r = &x.request;
    let ct = |h: &[(String, String)]| {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map_or("application/octet-stream".to_owned(), |(_, v)| v.clone())
    };
    let body = String::from_utf8_lossy(&r.request_body);
    let o = x.outcome.as_ref();
    let total = o.map_or(-1.0, |o| o.latency_us as f64 / 1000.0);
    let wait = o
        .and_then(|o| o.first_byte_us)
        .map_or(-1.0, |f| f as f64 / 1000.0);
    serde_json::json!({
        "startedDateTime": format_time(r.started_at_us),
        "time": total,
        "request": {
            "method": r.method,
            "url": format!("{}{}", r.upstream, r.path),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": header_list(&r.request_headers),
            "queryString": [],
            "postData": {"mimeType": ct(&r.request_headers), "text": body},
            "headersSize": -1,
            "bodySize": r.request_body.len(),
        },
        "response": {
            "status": o.and_then(|o| o.status).unwrap_or(0),
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": header_list(o.map_or(&[][..], |o| &o.response_headers)),
            "content": {
                "size": o.map_or(0, |o| o.response_bytes),
                "mimeType": o.map_or(String::new(), |o| ct(&o.response_headers)),
                "text": o.and_then(|o| o.response.as_ref()).map_or("", |r| r.text.as_str()),
                "comment": "the answer's text as reassembled by plainsight guard, not the raw stream",
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": o.map_or(-1, |o| o.response_bytes as i64),
        },
        "cache": {},
        "timings": {"send": 0, "wait": wait, "receive": if total >= 0.0 && wait >= 0.0 { total - wait } else { -1.0 }},
        "_plainsight": {
            "id": x.id,
            "uid": r.uid,
            "guard": r.guard,
            "action": r.action.map(Action::as_str),
            "reason": r.reason,
            "findings": x.all_findings().map(|f| format!("{} {} {}", f.rule.code(), f.severity, f.message)).collect::<Vec<_>>(),
        },
    })
}

fn export(a: &ExportArgs) -> anyhow::Result<Vec<u8>> {
    let mut store = a.store.open()?;
    let xs = store.list(&a.filter.filter()?)?;
    let mut out = Vec::new();
    match a.format {
        ExportFormat::Jsonl => {
            for x in &xs {
                serde_json::to_writer(&mut out, &json_view(x))?;
                out.push(b'\n');
            }
        }
        ExportFormat::Har => {
            let har = serde_json::json!({
                "log": {
                    "version": "1.2",
                    "creator": {"name": "plainsight", "version": env!("CARGO_PKG_VERSION")},
                    "entries": xs.iter().map(har_entry).collect::<Vec<_>>(),
                }
            });
            serde_json::to_writer_pretty(&mut out, &har)?;
            out.push(b'\n');
        }
    }
    Ok(out)
}
