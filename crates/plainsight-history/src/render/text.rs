//! `--format text`: the verdict first, then the capabilities as a table
//! (most severe first, grouped by category), the versions as a table, the
//! versions that could not be read, and the run's throughput.
//!
//! Low and info capabilities (environment reads, endpoints) are many and
//! mostly constant; the table lists those that changed over the range and
//! counts the rest (`--format json` has all of them).

use std::fmt::Write as _;
use std::io::{self, Write};

use plainsight_core::Severity;
use plainsight_core::chars::escape;

use super::{bytes, category, category_spans, span_versions, spans_text, status_counts};
use crate::model::{History, Status, VersionEntry};

/// Options for the text view.
#[derive(Clone, Copy, Debug)]
pub struct TextOptions {
    pub color: bool,
    /// Terminal width the table's last column is cut to.
    pub width: usize,
}

impl Default for TextOptions {
    fn default() -> TextOptions {
        TextOptions {
            color: false,
            width: 120,
        }
    }
}

pub fn render(h: &History, opts: TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    header(h, &mut s);
    verdict(h, opts, &mut s);
    capabilities(h, opts, &mut s);
    versions(h, &mut s);
    problems(h, &mut s);
    if let Some(r) = &h.run {
        let _ = writeln!(s, "\nrun");
        let _ = writeln!(
            s,
            "  {} version(s) scanned now, {} from the cache, {} pending; wall {:.1} s",
            r.scanned, r.cached, r.pending, r.wall_secs
        );
        if r.scanned > 0 {
            let rate = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |r| format!("{r:.2}"));
            let _ = writeln!(
                s,
                "  download {}{} in {:.1} s of network time ({}/s per stream, {} stream(s)); \
                 fetch stage {} versions/s; scan stage {} versions/s ({}/s of units)",
                bytes(r.downloaded_bytes),
                if r.cache_bytes > 0 {
                    format!(" (+{} from the tarball cache)", bytes(r.cache_bytes))
                } else {
                    String::new()
                },
                r.network_secs,
                r.download_rate()
                    .map_or_else(|| "-".into(), |b| bytes(b as u64)),
                r.download_workers,
                rate(r.fetch_rate()),
                rate(r.scan_rate()),
                if r.scan_secs > 0.0 {
                    bytes((r.scanned_unit_bytes as f64 / r.scan_secs) as u64)
                } else {
                    "-".into()
                },
            );
        }
        if r.retries > 0 {
            let _ = writeln!(s, "  {} download retr(ies)", r.retries);
        }
    }
    for n in &h.notices {
        let _ = writeln!(s, "note: {}", escape(n));
    }
    out.write_all(s.as_bytes())
}

fn header(h: &History, s: &mut String) {
    let first = h.versions.first().map_or("-", |v| v.version.as_str());
    let last = h.versions.last().map_or("-", |v| v.version.as_str());
    let counts: Vec<String> = status_counts(h)
        .into_iter()
        .map(|(st, n)| format!("{n} {}", st.as_str()))
        .collect();
    let _ = writeln!(
        s,
        "{} on {}: {} version(s), {} … {} ({})",
        escape(&h.package),
        escape(&h.platform),
        h.versions.len(),
        escape(first),
        escape(last),
        counts.join(", ")
    );
    let mut sel = Vec::new();
    if let Some(r) = &h.selection.range {
        sel.push(format!("--versions {}", escape(r)));
    }
    if let Some(d) = &h.selection.since {
        sel.push(format!("--since {}", escape(d)));
    }
    if h.selection.prereleases {
        sel.push("prereleases included".into());
    }
    if !sel.is_empty() {
        let _ = writeln!(
            s,
            "  selected by {} of {} published",
            sel.join(", "),
            h.selection.published
        );
    }
    let _ = writeln!(s, "  plainsight {}", escape(&h.tool_version));
}

fn paint(text: &str, sev: Severity, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match sev {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn verdict(h: &History, opts: TextOptions, s: &mut String) {
    let _ = writeln!(s, "\nverdict");
    let newest = h.newest.as_deref().unwrap_or("-");
    let newest_entry = h.versions.iter().find(|v| v.version == newest);
    for (prefix, name) in [
        ("PS1", "covert channel"),
        ("PS2", "obfuscation / targeting list"),
    ] {
        let (spans, gone) = category_spans(h, prefix);
        if spans.is_empty() {
            let _ = writeln!(s, "  {name}: absent in every version read");
            continue;
        }
        let sev = h
            .timeline
            .iter()
            .filter(|c| c.rule.code().starts_with(prefix))
            .map(|c| c.severity)
            .max()
            .unwrap_or(Severity::Info);
        let first = &spans[0].first;
        let in_newest = h
            .timeline
            .iter()
            .any(|c| c.rule.code().starts_with(prefix) && c.in_newest);
        let mut line = format!(
            "{name}: present in {} ({} version(s))",
            escape(&spans_text(&spans)),
            span_versions(&spans)
        );
        let before = h
            .versions
            .iter()
            .take_while(|v| v.version != *first)
            .filter(|v| v.status.is_complete())
            .count();
        if before > 0 {
            let _ = write!(line, "; absent before {}", escape(first));
        }
        match (&gone, in_newest) {
            (_, true) => {
                let _ = write!(line, "; still present in the newest, {}", escape(newest));
            }
            (Some(g), false) => {
                let _ = write!(line, "; gone from {} on", escape(g));
            }
            (None, false) => {
                let _ = write!(
                    line,
                    "; not known after {}",
                    escape(&spans[spans.len() - 1].last)
                );
            }
        }
        let unknown: usize = spans.iter().map(|sp| sp.unknown.len()).sum();
        if unknown > 0 {
            let _ = write!(line, " ({unknown} version(s) inside could not be read)");
        }
        let _ = writeln!(s, "  {}", paint(&line, sev, opts.color));
    }
    if let Some(e) = newest_entry
        && !e.status.has_findings()
    {
        let _ = writeln!(
            s,
            "  newest version {} could not be analysed ({}): its state is unknown",
            escape(newest),
            e.status.as_str()
        );
    }
    // Targeting lists: sizes where they change.
    let mut last: Option<String> = None;
    let mut changes = Vec::new();
    for v in &h.versions {
        if !v.status.has_findings() {
            continue;
        }
        let sizes = lists(v);
        if last.as_deref() != Some(sizes.as_str()) {
            changes.push(format!("{}: {}", escape(&v.version), sizes));
            last = Some(sizes);
        }
    }
    if changes.len() > 1 || last.as_deref().is_some_and(|l| l != "none") {
        let _ = writeln!(s, "  decoded targeting lists (sizes, where they change):");
        for c in changes {
            let _ = writeln!(s, "    {c}");
        }
    }
}

/// `host names/domains 142, IANA time zones 2` or `none`.
fn lists(v: &VersionEntry) -> String {
    if v.summary.targeting_lists.is_empty() {
        return "none".into();
    }
    v.summary
        .targeting_lists
        .iter()
        .map(|l| format!("{} {}", escape(&l.kind), l.size))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Low and info capabilities that changed over the range get at most this
/// many rows (the most recent changes).
const LOW_ROWS: usize = 20;

fn capabilities(h: &History, opts: TextOptions, s: &mut String) {
    let (rows, hidden, more) = super::rows(h, LOW_ROWS);
    let shown_caps = super::grouped(rows);
    let _ = writeln!(
        s,
        "\ncapabilities ({} by meaning; most severe first)",
        h.timeline.len()
    );
    if h.timeline.is_empty() {
        let _ = writeln!(s, "  none");
        return;
    }
    let present: Vec<String> = shown_caps
        .iter()
        .map(|c| escape(&spans_text(&c.present)))
        .collect();
    let w_present = present
        .iter()
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(10, 40);
    let gone: Vec<String> = shown_caps
        .iter()
        .map(|c| {
            if c.in_newest {
                "(newest)".to_string()
            } else {
                c.gone_in.as_deref().map_or_else(|| "?".into(), escape)
            }
        })
        .collect();
    let w_gone = gone
        .iter()
        .map(|g| g.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let mut group = "";
    for ((c, p), g) in shown_caps.iter().zip(&present).zip(&gone) {
        let cat = category(c.rule.code());
        if cat != group {
            group = cat;
            let _ = writeln!(s, "  {cat}");
            let _ = writeln!(
                s,
                "    {:<8}  {:<5}  {:<w_present$}  {:<w_gone$}  what",
                "severity", "rule", "present in", "gone in"
            );
        }
        let module = c.location.rsplit(['/', '\\', ' ']).next().unwrap_or("");
        let what = format!("{} ({})", escape(&c.message), escape(module));
        let used = 4 + 8 + 2 + 5 + 2 + w_present + 2 + w_gone + 2;
        let room = opts.width.saturating_sub(used).max(30);
        let row = format!(
            "    {:<8}  {:<5}  {:<w_present$}  {:<w_gone$}  {}",
            c.severity.as_str(),
            c.rule.code(),
            clip(p, w_present),
            g,
            clip(&what, room)
        );
        let _ = writeln!(s, "{}", paint(&row, c.severity, opts.color));
    }
    if more > 0 {
        let _ = writeln!(
            s,
            "  and {more} more low/info capabilities that changed over the range \
             (the {LOW_ROWS} most recent changes are shown; --format json lists them)"
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            s,
            "  and {hidden} low/info capabilities present in every version read (--format json lists them)"
        );
    }
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut t: String = text.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// The columns that say what a version is (the verdict's columns): versions
/// alike in these share a row of the versions table; their other counts
/// (environment probes, endpoints, findings), which move with every
/// release of a large bundle, are shown as ranges.
#[derive(PartialEq, Eq)]
struct RowKey<'a> {
    status: Status,
    shipped: &'static str,
    covert: usize,
    obfusc: usize,
    lists: String,
    detail: Option<&'a str>,
}

fn shipped(v: &VersionEntry) -> &'static str {
    match v.shipped {
        Some(crate::model::Shipped::Javascript) => "js",
        Some(crate::model::Shipped::Executable) => "executable",
        Some(crate::model::Shipped::Native) => "native",
        Some(crate::model::Shipped::Nothing) => "nothing",
        None => "",
    }
}

fn row_key(v: &VersionEntry) -> RowKey<'_> {
    let read = v.status.has_findings();
    RowKey {
        status: v.status,
        shipped: shipped(v),
        covert: if read { v.summary.covert_channels } else { 0 },
        obfusc: if read {
            v.summary.obfuscation + v.summary.targeting_lists.len()
        } else {
            0
        },
        lists: if read { lists(v) } else { String::new() },
        // Versions that could not be read stay on their own rows when
        // their reasons differ.
        detail: if read { None } else { v.detail.as_deref() },
    }
}

/// `236` or `236–246`.
fn range(values: impl Iterator<Item = usize>) -> String {
    let (mut lo, mut hi) = (usize::MAX, 0);
    for n in values {
        lo = lo.min(n);
        hi = hi.max(n);
    }
    match (lo, hi) {
        (usize::MAX, _) => String::new(),
        (lo, hi) if lo == hi => lo.to_string(),
        (lo, hi) => format!("{lo}–{hi}"),
    }
}

fn versions(h: &History, s: &mut String) {
    // Runs of consecutive versions alike in what the verdict reads.
    let mut runs: Vec<&[VersionEntry]> = Vec::new();
    let mut start = 0;
    for i in 1..=h.versions.len() {
        if i == h.versions.len() || row_key(&h.versions[i]) != row_key(&h.versions[start]) {
            runs.push(&h.versions[start..i]);
            start = i;
        }
    }
    if runs.len() < h.versions.len() {
        let _ = writeln!(
            s,
            "\nversions (oldest first; {} versions in {} rows: consecutive versions with the same \
             status, packaging, covert channels, obfuscation and lists share a row)",
            h.versions.len(),
            runs.len()
        );
    } else {
        let _ = writeln!(s, "\nversions (oldest first)");
    }
    let w_version = runs
        .iter()
        .map(|r| versions_cell(r).chars().count())
        .max()
        .unwrap_or(0)
        .max(16);
    let _ = writeln!(
        s,
        "  {:<w_version$} {:<10} {:<16} {:<10} {:>6} {:>6} {:>9} {:>9} {:>9}  lists",
        "version",
        "published",
        "status",
        "shipped",
        "covert",
        "obfusc",
        "env",
        "endpoints",
        "findings"
    );
    for run in runs {
        let v = &run[0];
        let date = v
            .published
            .as_deref()
            .map_or("", |d| d.get(..10).unwrap_or(d));
        let cell = versions_cell(run);
        if v.status.has_findings() {
            let key = row_key(v);
            let _ = writeln!(
                s,
                "  {:<w_version$} {:<10} {:<16} {:<10} {:>6} {:>6} {:>9} {:>9} {:>9}  {}",
                cell,
                escape(date),
                v.status.as_str(),
                key.shipped,
                key.covert,
                key.obfusc,
                range(run.iter().map(|v| v.summary.environment_probes)),
                range(run.iter().map(|v| v.summary.endpoints)),
                range(run.iter().map(|v| v.summary.findings)),
                key.lists
            );
        } else {
            let _ = writeln!(
                s,
                "  {:<w_version$} {:<10} {:<16}",
                cell,
                escape(date),
                v.status.as_str()
            );
        }
    }
}

/// `2.1.91` or `2.1.91 … 2.1.97 (7)`.
fn versions_cell(run: &[VersionEntry]) -> String {
    match run {
        [] => String::new(),
        [one] => escape(&one.version),
        [first, .., last] => format!(
            "{} … {} ({})",
            escape(&first.version),
            escape(&last.version),
            run.len()
        ),
    }
}

fn problems(h: &History, s: &mut String) {
    let bad: Vec<&VersionEntry> = h
        .versions
        .iter()
        .filter(|v| v.status != Status::Scanned)
        .collect();
    if bad.is_empty() {
        return;
    }
    let _ = writeln!(s, "\nversions not read completely");
    for v in bad {
        let detail = v.detail.as_deref().unwrap_or("");
        let _ = writeln!(
            s,
            "  {} {}: {}",
            escape(&v.version),
            v.status.as_str(),
            escape(detail)
        );
        for u in v.incomplete.iter().take(3) {
            for r in &u.reasons {
                let _ = writeln!(
                    s,
                    "    {} {} [{}]: {}",
                    u.status.as_str(),
                    escape(&u.display()),
                    r.kind,
                    escape(&r.message)
                );
            }
        }
        if v.incomplete.len() > 3 {
            let _ = writeln!(s, "    … {} more unit(s)", v.incomplete.len() - 3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ListSize, Shipped, Summary};

    fn entry(v: &str, covert: usize, hosts: Option<usize>, endpoints: usize) -> VersionEntry {
        let mut e = VersionEntry::new(v, Some("2026-01-02T00:00:00Z".into()), Status::Scanned);
        e.shipped = Some(Shipped::Executable);
        e.summary = Summary {
            covert_channels: covert,
            targeting_lists: hosts
                .map(|size| ListSize {
                    kind: "host names/domains".into(),
                    size,
                })
                .into_iter()
                .collect(),
            endpoints,
            findings: covert + endpoints,
            ..Summary::default()
        };
        e
    }

    fn table(versions: Vec<VersionEntry>) -> String {
        let h = History {
            versions,
            ..History::default()
        };
        let mut s = String::new();
        super::versions(&h, &mut s);
        s
    }

    #[test]
    fn alike_versions_share_a_row_and_every_change_of_the_verdict_columns_starts_one() {
        let mut vs = vec![entry("1.0.0", 0, None, 10), entry("1.0.1", 0, None, 12)];
        vs.push(entry("1.1.0", 2, Some(146), 12));
        vs.push(entry("1.1.1", 2, Some(146), 13));
        vs.push(entry("1.1.2", 2, Some(147), 13));
        let mut broken = VersionEntry::new("1.1.3", None, Status::Broken);
        broken.detail = Some("integrity mismatch".into());
        vs.push(broken);
        vs.push(entry("1.2.0", 0, None, 14));
        let t = table(vs);
        let rows: Vec<&str> = t.lines().skip(3).collect();
        assert_eq!(rows.len(), 5, "{t}");
        assert!(t.contains("7 versions in 5 rows"), "{t}");
        assert!(rows[0].starts_with("  1.0.0 … 1.0.1 (2) "), "{t}");
        assert!(rows[0].contains(" 10–12 "), "{t}");
        assert!(rows[1].starts_with("  1.1.0 … 1.1.1 (2) "), "{t}");
        assert!(rows[1].ends_with("host names/domains 146"), "{t}");
        // A list that changes size is a new row, whatever else stayed.
        assert!(rows[2].starts_with("  1.1.2 "), "{t}");
        assert!(rows[2].ends_with("host names/domains 147"), "{t}");
        assert!(
            rows[3].starts_with("  1.1.3 ") && rows[3].contains("broken"),
            "{t}"
        );
        assert!(rows[4].starts_with("  1.2.0 "), "{t}");
    }

    #[test]
    fn versions_all_different_keep_one_row_each() {
        let t = table(vec![entry("1.0.0", 0, None, 1), entry("1.1.0", 1, None, 1)]);
        assert!(t.starts_with("\nversions (oldest first)\n"), "{t}");
        assert_eq!(t.lines().count(), 5, "{t}");
    }
}
