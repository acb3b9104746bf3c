//! `--format html`: one self-contained page (inline CSS and SVG, no script,
//! no font or CDN) that a reviewer can read at a glance and attach to a
//! ticket: the verdict, then a chart with versions along the x axis and
//! capabilities along the y axis — a bar where a capability is present, a
//! light cell where a version was read and it is absent, a hatched cell
//! where the version could not be read — then the versions as a table.
//!
//! Hovering a bar or a version shows its details (SVG `<title>`). Low and
//! info capabilities present in every version are left out of the chart,
//! as in the text view, and counted.

use std::fmt::Write as _;
use std::io::{self, Write};

use plainsight_core::Severity;
use plainsight_core::chars::escape;

use super::{bytes, category, category_spans, span_versions, spans_text, status_counts};
use crate::model::{Capability, History, Status};
use crate::timeline::{Evidence, evidence};

const LABEL_W: usize = 460;
const ROW_H: usize = 16;
const HEAD_H: usize = 90;

/// Text for HTML: hidden characters made visible, then markup escaped.
fn h(s: &str) -> String {
    let visible = escape(s);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn color(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "#b3001b",
        Severity::High => "#e4572e",
        Severity::Medium => "#f3a712",
        Severity::Low => "#4f86c6",
        Severity::Info => "#8fa3b8",
    }
}

fn status_color(s: Status) -> &'static str {
    match s {
        Status::Scanned => "#d9e3d0",
        Status::Partial => "#e8e0b0",
        Status::MissingPlatform => "#f1d78a",
        Status::Unpublished => "#ffffff",
        Status::Broken => "#c0392b",
        Status::Failed => "#8e44ad",
        Status::Pending => "#bbbbbb",
    }
}

pub fn render(hist: &History, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    let title = format!("{} on {} — plainsight history", hist.package, hist.platform);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>\n",
        h(&title)
    );
    let _ = write!(s, "<h1>{}</h1>\n<p class=\"sub\">", h(&title));
    let counts: Vec<String> = status_counts(hist)
        .into_iter()
        .map(|(st, n)| format!("{n} {}", st.as_str()))
        .collect();
    let _ = write!(
        s,
        "{} version(s): {}. plainsight {}.",
        hist.versions.len(),
        h(&counts.join(", ")),
        h(&hist.tool_version)
    );
    if let Some(r) = &hist.selection.range {
        let _ = write!(s, " Selected by <code>--versions {}</code>.", h(r));
    }
    s.push_str("</p>\n");
    verdict(hist, &mut s);
    chart(hist, &mut s);
    table(hist, &mut s);
    s.push_str("</body></html>\n");
    out.write_all(s.as_bytes())
}

fn verdict(hist: &History, s: &mut String) {
    s.push_str("<section class=\"verdict\"><h2>Verdict</h2><ul>");
    for (prefix, name) in [
        ("PS1", "Covert channel"),
        ("PS2", "Obfuscation / targeting list"),
    ] {
        let (spans, gone) = category_spans(hist, prefix);
        if spans.is_empty() {
            let _ = write!(
                s,
                "<li class=\"ok\">{name}: absent in every version read.</li>"
            );
            continue;
        }
        let in_newest = hist
            .timeline
            .iter()
            .any(|c| c.rule.code().starts_with(prefix) && c.in_newest);
        let _ = write!(
            s,
            "<li class=\"bad\"><b>{name}</b>: present in <b>{}</b> ({} version(s))",
            h(&spans_text(&spans)),
            span_versions(&spans)
        );
        if in_newest {
            let _ = write!(
                s,
                "; <b>still present in the newest, {}</b>",
                h(hist.newest.as_deref().unwrap_or("-"))
            );
        } else if let Some(g) = gone {
            let _ = write!(s, "; gone from {} on", h(&g));
        }
        s.push_str(".</li>");
    }
    s.push_str("</ul></section>\n");
}

/// Low and info capabilities that changed get at most this many rows of
/// the chart (the most recent changes).
const LOW_ROWS: usize = 60;

fn chart(hist: &History, s: &mut String) {
    let (rows, hidden, more) = super::rows(hist, LOW_ROWS);
    let caps = super::grouped(rows);
    let n = hist.versions.len().max(1);
    let cell = if n > 300 {
        4
    } else if n > 120 {
        7
    } else {
        14
    };
    let grid_w = n * cell;
    let width = LABEL_W + grid_w + 20;
    // One row of version status, a gap, then one row per capability with a
    // header row per category.
    let mut rows = 0;
    let mut last_cat = "";
    for c in &caps {
        let cat = category(c.rule.code());
        if cat != last_cat {
            rows += 1;
            last_cat = cat;
        }
        rows += 1;
    }
    let height = HEAD_H + ROW_H * 2 + rows * ROW_H + 30;
    let _ = write!(
        s,
        "<section><h2>Timeline</h2><p class=\"legend\">\
         <span style=\"background:{}\"></span>critical \
         <span style=\"background:{}\"></span>high \
         <span style=\"background:{}\"></span>medium \
         <span style=\"background:{}\"></span>low \
         <span style=\"background:{}\"></span>info \
         <span class=\"absent\"></span>read, absent \
         <span class=\"unknown\"></span>not read</p>\
         <div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         role=\"img\" aria-label=\"versions by capabilities\">\
         <defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#fff\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#bbb\" stroke-width=\"2\"/></pattern></defs>",
        color(Severity::Critical),
        color(Severity::High),
        color(Severity::Medium),
        color(Severity::Low),
        color(Severity::Info),
    );
    // Version labels: every version when they fit, else where minor
    // versions change and every tenth.
    let mut last_minor = String::new();
    for (i, v) in hist.versions.iter().enumerate() {
        let minor: String = v
            .version
            .splitn(3, '.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        let label = cell >= 12 || minor != last_minor || i % 10 == 0 || i + 1 == n;
        last_minor = minor;
        if !label {
            continue;
        }
        let x = LABEL_W + i * cell + cell / 2;
        let _ = write!(
            s,
            "<text class=\"v\" transform=\"translate({x},{}) rotate(-60)\">{}</text>",
            HEAD_H - 4,
            h(&v.version)
        );
    }
    // Status row.
    let y0 = HEAD_H;
    let _ = write!(
        s,
        "<text class=\"l\" x=\"4\" y=\"{}\">version status</text>",
        y0 + ROW_H - 4
    );
    for (i, v) in hist.versions.iter().enumerate() {
        let x = LABEL_W + i * cell;
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{y0}\" width=\"{cell}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"0.5\">\
             <title>{} — {}{}{}</title></rect>",
            ROW_H - 2,
            status_color(v.status),
            h(&v.version),
            v.status.as_str(),
            v.published
                .as_deref()
                .map(|p| format!(", published {}", h(p.get(..10).unwrap_or(p))))
                .unwrap_or_default(),
            v.detail
                .as_deref()
                .map(|d| format!(": {}", h(d)))
                .unwrap_or_default(),
        );
    }
    let mut y = y0 + ROW_H * 2;
    let mut last_cat = "";
    for c in &caps {
        let cat = category(c.rule.code());
        if cat != last_cat {
            last_cat = cat;
            let _ = write!(
                s,
                "<text class=\"cat\" x=\"4\" y=\"{}\">{}</text>",
                y + ROW_H - 4,
                h(cat)
            );
            y += ROW_H;
        }
        row(hist, c, y, cell, s);
        y += ROW_H;
    }
    s.push_str("</svg></div>");
    if more > 0 {
        let _ = write!(
            s,
            "<p class=\"note\">{more} more low/info capabilities that changed are not charted \
             (the {LOW_ROWS} most recent changes are; the JSON view lists them all).</p>"
        );
    }
    if hidden > 0 {
        let _ = write!(
            s,
            "<p class=\"note\">{hidden} low/info capabilities present in every version read are not charted (the JSON view lists them).</p>"
        );
    }
    s.push_str("</section>\n");
}

fn row(hist: &History, cap: &Capability, y: usize, cell: usize, s: &mut String) {
    let module = cap.location.rsplit(['/', '\\', ' ']).next().unwrap_or("");
    let label = format!("{} {}", cap.rule.code(), cap.message);
    let short: String = if label.chars().count() > 70 {
        let mut t: String = label.chars().take(69).collect();
        t.push('…');
        t
    } else {
        label.clone()
    };
    let _ = write!(
        s,
        "<text class=\"l\" x=\"4\" y=\"{}\"><title>{} ({}) — {}</title>{}</text>",
        y + ROW_H - 4,
        h(&label),
        h(module),
        h(&cap.location),
        h(&short)
    );
    // Background per version: known absent, unknown (hatched), or not a
    // version (unpublished).
    let ev: Vec<Evidence> = hist
        .versions
        .iter()
        .zip(&cap.counts)
        .map(|(v, &n)| evidence(v, &cap.module, n))
        .collect();
    let mut start = 0;
    while start < ev.len() {
        let mut end = start;
        while end < ev.len() && ev[end] == ev[start] {
            end += 1;
        }
        let fill = match ev[start] {
            Evidence::Absent | Evidence::Found => "#eef1f4",
            Evidence::Unknown => "url(#hatch)",
            Evidence::Skip => "#ffffff",
        };
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>",
            LABEL_W + start * cell,
            y + 1,
            (end - start) * cell,
            ROW_H - 3
        );
        start = end;
    }
    // Presence: one bar per run of versions with the finding.
    let mut start = 0;
    while start < cap.counts.len() {
        if cap.counts[start] == 0 {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < cap.counts.len() && cap.counts[end] > 0 {
            end += 1;
        }
        let (a, b) = (
            &hist.versions[start].version,
            &hist.versions[end - 1].version,
        );
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" rx=\"1\">\
             <title>{} {}: present in {}{}</title></rect>",
            LABEL_W + start * cell,
            y + 1,
            (end - start) * cell,
            ROW_H - 3,
            color(cap.severity),
            cap.severity.as_str(),
            h(cap.rule.code()),
            h(a),
            if a == b {
                String::new()
            } else {
                format!("–{}", h(b))
            }
        );
        start = end;
    }
}

fn table(hist: &History, s: &mut String) {
    s.push_str(
        "<section><h2>Versions</h2><table><thead><tr><th>version</th><th>published</th>\
         <th>status</th><th>shipped</th><th>size</th><th>covert</th><th>targeting lists</th>\
         <th>obfuscation</th><th>env probes</th><th>endpoints</th><th>findings</th><th>detail</th>\
         </tr></thead><tbody>",
    );
    for v in hist.versions.iter().rev() {
        let m = &v.summary;
        let lists: Vec<String> = m
            .targeting_lists
            .iter()
            .map(|l| format!("{} {}", h(&l.kind), l.size))
            .collect();
        let size: u64 = v.packages.iter().map(|p| p.bytes).sum();
        let shipped = v
            .shipped
            .map(|s| format!("{s:?}").to_lowercase())
            .unwrap_or_default();
        let cls = if m.covert_channels > 0 {
            " class=\"bad\""
        } else {
            ""
        };
        let _ = write!(
            s,
            "<tr{cls}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h(&v.version),
            h(v.published
                .as_deref()
                .map_or("", |p| p.get(..10).unwrap_or(p))),
            v.status.as_str(),
            h(&shipped),
            if size > 0 { bytes(size) } else { String::new() },
            m.covert_channels,
            lists.join(", "),
            m.obfuscation,
            m.environment_probes,
            m.endpoints,
            m.findings,
            h(v.detail.as_deref().unwrap_or("")),
        );
    }
    s.push_str("</tbody></table></section>\n");
}

const CSS: &str = "body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d2733}\
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.sub{color:#566}\
.verdict li.bad{color:#8b0016}.verdict li.ok{color:#2d6a2d}\
.scroll{overflow-x:auto;border:1px solid #dde;padding:4px;background:#fff}\
svg text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#223}svg text.cat{font-weight:bold;fill:#556}\
svg text.v{font-size:9px;fill:#556}\
.legend span{display:inline-block;width:12px;height:10px;margin:0 4px 0 10px;vertical-align:middle}\
.legend .absent{background:#eef1f4}.legend .unknown{background:repeating-linear-gradient(45deg,#fff 0 2px,#bbb 2px 4px)}\
table{border-collapse:collapse;font-size:12px}td,th{border-bottom:1px solid #e4e7eb;padding:2px 8px;text-align:left}\
tr.bad td{background:#fbe9ea}.note{color:#667;font-size:12px}";
