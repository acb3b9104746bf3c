//! Renderers of a [`History`]: one file per format, each a pure function of
//! the model (the web view renders the same model).
//!
//! Every string that came from a package (messages, paths, versions, error
//! texts) is passed through `plainsight_core::chars::escape` (text, HTML)
//! or the hidden-character-safe JSON writer (JSON, SARIF) before it is
//! written.

mod html;
mod sarif;
mod text;

use std::io::{self, Write};

use crate::model::{Capability, History, Span, Status};

pub use text::TextOptions;

/// Output formats of `history`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Html,
}

/// Render `h` in `format`.
pub fn render(
    h: &History,
    format: Format,
    opts: TextOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(h, opts, out),
        Format::Json => plainsight_core::render::write_json(h, out),
        Format::Sarif => sarif::render(h, out),
        Format::Html => html::render(h, out),
    }
}

/// A category of capabilities: a rule-code prefix and its name.
pub(crate) const CATEGORIES: &[(&str, &str)] = &[
    ("PS1", "covert channels"),
    ("PS2", "obfuscation and targeting lists"),
    ("PS3", "environment probes"),
    ("PS4", "egress"),
    ("PS5", "text steganalysis"),
    ("PS6", "observed at run time"),
    ("PS9", "named signatures"),
];

pub(crate) fn category(code: &str) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(p, _)| code.starts_with(p))
        .map_or("other", |(_, n)| n)
}

/// Capabilities grouped by category, the most severe group first (ties in
/// category order: covert channels before obfuscation before probes…),
/// most severe first inside a group; the timeline's order otherwise.
pub(crate) fn grouped(mut caps: Vec<&Capability>) -> Vec<&Capability> {
    let rank = |code: &str| {
        CATEGORIES
            .iter()
            .position(|(p, _)| code.starts_with(p))
            .unwrap_or(CATEGORIES.len())
    };
    let mut worst: Vec<Option<plainsight_core::Severity>> = vec![None; CATEGORIES.len() + 1];
    for c in &caps {
        let w = &mut worst[rank(c.rule.code())];
        *w = (*w).max(Some(c.severity));
    }
    caps.sort_by(|a, b| {
        let (ra, rb) = (rank(a.rule.code()), rank(b.rule.code()));
        worst[rb]
            .cmp(&worst[ra])
            .then(ra.cmp(&rb))
            .then(b.severity.cmp(&a.severity))
    });
    caps
}

/// Did a low/info capability change over the range (absent from some
/// version read)?
fn changed(c: &Capability, read: usize) -> bool {
    c.counts.iter().filter(|n| **n > 0).count() < read
}

/// The rows of the capabilities table: medium and above always; low and
/// info only when they changed, the `low_rows` most recent changes (a
/// history of hundreds of releases of a large bundle moves hundreds of
/// endpoints and probes).
/// Also how many low/info rows were left out because they never changed,
/// and how many changed ones did not fit.
pub(crate) fn rows(h: &History, low_rows: usize) -> (Vec<&Capability>, usize, usize) {
    let read = h
        .versions
        .iter()
        .filter(|v| v.status.has_findings())
        .count();
    let at: std::collections::HashMap<&str, usize> = h
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| (v.version.as_str(), i))
        .collect();
    let last_change = |c: &Capability| {
        let appeared = at.get(c.first_seen.as_str()).copied().unwrap_or(0);
        let gone = c
            .gone_in
            .as_deref()
            .and_then(|g| at.get(g).copied())
            .unwrap_or(0);
        appeared.max(gone)
    };
    let mut rows: Vec<&Capability> = Vec::new();
    let mut low: Vec<&Capability> = Vec::new();
    let mut constant = 0;
    for c in &h.timeline {
        if c.severity >= plainsight_core::Severity::Medium {
            rows.push(c);
        } else if changed(c, read) {
            low.push(c);
        } else {
            constant += 1;
        }
    }
    // Stable: the timeline's order among changes at the same version.
    low.sort_by_key(|c| std::cmp::Reverse(last_change(c)));
    let more = low.len().saturating_sub(low_rows);
    low.truncate(low_rows);
    rows.extend(low);
    (rows, constant, more)
}

/// `2.1.91–2.1.197, 2.1.200` for spans.
pub(crate) fn spans_text(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| {
            if s.first == s.last {
                s.first.clone()
            } else {
                format!("{}–{}", s.first, s.last)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where any capability whose code starts with `prefix` is present, as
/// spans over `h.versions`: found where one is found, absent where every
/// one is known absent, unknown otherwise (see `timeline`).
pub(crate) fn category_spans(h: &History, prefix: &str) -> (Vec<Span>, Option<String>) {
    use crate::timeline::{Evidence, evidence, spans};
    let caps: Vec<&Capability> = h
        .timeline
        .iter()
        .filter(|c| c.rule.code().starts_with(prefix))
        .collect();
    if caps.is_empty() {
        return (Vec::new(), None);
    }
    let ev: Vec<Evidence> = h
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let each: Vec<Evidence> = caps
                .iter()
                .map(|c| evidence(v, &c.module, c.counts.get(i).copied().unwrap_or(0)))
                .collect();
            if each.contains(&Evidence::Found) {
                Evidence::Found
            } else if each.iter().all(|e| *e == Evidence::Absent) {
                Evidence::Absent
            } else if each.contains(&Evidence::Skip) {
                Evidence::Skip
            } else {
                Evidence::Unknown
            }
        })
        .collect();
    spans(&h.versions, &ev)
}

/// Versions in spans (found + unknown).
pub(crate) fn span_versions(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.found).sum()
}

/// How many versions have each status.
pub(crate) fn status_counts(h: &History) -> Vec<(Status, usize)> {
    let all = [
        Status::Scanned,
        Status::Partial,
        Status::MissingPlatform,
        Status::Unpublished,
        Status::Broken,
        Status::Failed,
        Status::Pending,
    ];
    all.into_iter()
        .map(|s| (s, h.versions.iter().filter(|v| v.status == s).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// `1.5 GB`, `312 KB`.
pub(crate) fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.1} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0} KB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VersionEntry;
    use plainsight_core::{Rule, Severity};

    fn cap(
        name: &str,
        severity: Severity,
        counts: Vec<u32>,
        first: &str,
        gone: Option<&str>,
    ) -> Capability {
        Capability {
            key: name.into(),
            rule: Rule::EnvTimeZone,
            severity,
            message: name.into(),
            location: format!("x › {name}.js"),
            module: format!("{name}.js"),
            present: Vec::new(),
            first_seen: first.into(),
            last_seen: first.into(),
            gone_in: gone.map(str::to_string),
            in_newest: gone.is_none(),
            counts,
        }
    }

    #[test]
    fn low_rows_are_capped_to_the_most_recent_changes_and_counted() {
        let versions: Vec<VersionEntry> = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
            .iter()
            .map(|v| VersionEntry::new(v, None, Status::Scanned))
            .collect();
        let timeline = vec![
            cap("always", Severity::Low, vec![1, 1, 1, 1], "1.0.0", None),
            cap(
                "old",
                Severity::Low,
                vec![1, 0, 0, 0],
                "1.0.0",
                Some("1.1.0"),
            ),
            cap("recent", Severity::Low, vec![0, 0, 0, 1], "1.3.0", None),
            cap(
                "middle",
                Severity::Info,
                vec![0, 1, 0, 0],
                "1.1.0",
                Some("1.2.0"),
            ),
            cap(
                "channel",
                Severity::Critical,
                vec![1, 1, 1, 1],
                "1.0.0",
                None,
            ),
        ];
        let h = History {
            versions,
            timeline,
            ..History::default()
        };
        let (shown, constant, more) = rows(&h, 2);
        let names: Vec<&str> = shown.iter().map(|c| c.message.as_str()).collect();
        assert_eq!(names, ["channel", "recent", "middle"]);
        assert_eq!((constant, more), (1, 1));
        let (all, _, more) = rows(&h, 10);
        assert_eq!((all.len(), more), (4, 0));
    }
}
