//! Human-readable output, for a terminal.
//!
//! Each finding is one annotate-snippets diagnostic: `severity[CODE]: message`,
//! the location (`chain › path:line:col`, the prompt part and JSON pointer),
//! the multi-line code snippet if any (indented, outside annotate-snippets),
//! the excerpt line with the offending span labelled, then the named
//! characters, decoded payload, notes and help. A summary by severity and rule
//! category, and the units that were not analysed completely (with the
//! reasons), close the report.
//!
//! Security: everything that came from the scanned input (excerpt, message,
//! paths, payloads, notes) goes through [`chars`] escaping first, so no bidi
//! control, tag character, invisible or terminal escape sequence reaches the
//! terminal. The excerpt additionally names every non-ASCII character inside
//! the offending span (`Today⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩s`), because
//! a look-alike is by definition indistinguishable when printed as itself.
//! annotate-snippets normalises some characters itself; we do not rely on it.

use std::fmt::Write as _;
use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet};
use anstyle::{AnsiColor, Effects, Style};

use super::TextOptions;
use crate::chars::{self, escape, escape_multiline};
use crate::finding::{Finding, Report, Severity};

/// Rule categories by code prefix, for the summary (see `codes.rs`).
const CATEGORIES: [(&str, &str); 6] = [
    ("PS1", "covert channels"),
    ("PS2", "obfuscation"),
    ("PS3", "environment probes"),
    ("PS4", "egress"),
    ("PS5", "text"),
    ("PS9", "known incidents"),
];

/// Distinct code points named per finding; a tag payload can involve dozens,
/// and its decoded text says more than the list (JSON/SARIF keep them all).
const MAX_CHAR_NOTES: usize = 6;

pub fn render(report: &Report, opts: TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for finding in &report.findings {
        let (head, evidence) = finding_parts(finding);
        let evidence_group =
            |e: Vec<Element<'static>>| Group::with_level(level(finding.severity)).elements(e);
        let rendered = if let Some(snippet) = &finding.snippet {
            // The code snippet goes right under the location, outside
            // annotate-snippets: it has no single span to label, and its own
            // line structure must be kept.
            let mut s = renderer.render(&[head]);
            s.push('\n');
            for line in escape_multiline(snippet).lines() {
                let _ = writeln!(s, "    │ {line}");
            }
            if !evidence.is_empty() {
                s.push_str(&renderer.render(&[evidence_group(evidence)]));
                s.push('\n');
            }
            s
        } else if finding.excerpt.is_some() {
            // The excerpt is in the coordinates of the decoded text, so it
            // must not be the primary snippet of the titled group.
            renderer.render(&[head, evidence_group(evidence)]) + "\n"
        } else {
            renderer.render(&[head.elements(evidence)]) + "\n"
        };
        out.write_all(collapse_double_gutters(&rendered).as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.write_all(summary(report, opts.color).as_bytes())
}

/// The title group ends with a gutter line and the evidence group starts with
/// one; two in a row say nothing, so keep one.
fn collapse_double_gutters(rendered: &str) -> String {
    let is_gutter = |line: &str| {
        // Compare without SGR colour sequences (`ESC [ … m`).
        let mut visible = String::new();
        let mut rest = line;
        while let Some(i) = rest.find('\u{1B}') {
            visible.push_str(&rest[..i]);
            rest = rest[i..].find('m').map_or("", |j| &rest[i + j + 1..]);
        }
        visible.push_str(rest);
        visible.trim() == "|"
    };
    let mut out = String::with_capacity(rendered.len());
    let mut previous_gutter = false;
    for line in rendered.split_inclusive('\n') {
        let gutter = is_gutter(line);
        if !(gutter && previous_gutter) {
            out.push_str(line);
        }
        previous_gutter = gutter;
    }
    out
}

fn level(severity: Severity) -> Level<'static> {
    let base = match severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium => Level::WARNING,
        Severity::Low => Level::NOTE,
        Severity::Info => Level::INFO,
    };
    base.with_name(severity.as_str())
}

/// One finding as annotate-snippets pieces: the titled group with the file
/// location (and prompt part), and the evidence elements (excerpt, named
/// characters, decoded payload, notes, help) for the caller to place.
fn finding_parts(f: &Finding) -> (Group<'static>, Vec<Element<'static>>) {
    let loc = &f.location;
    let mut title = escape(&f.message);
    if f.confidence != crate::finding::Confidence::High {
        let _ = write!(title, " ({} confidence)", f.confidence);
    }
    // Origin adds `:line:col` itself, so build the chain and path only.
    let mut origin_path = String::new();
    for c in &loc.chain {
        origin_path.push_str(&escape(c));
        origin_path.push_str(" › ");
    }
    origin_path.push_str(&escape(&loc.path));
    let mut head = level(f.severity)
        .primary_title(title)
        .id(f.rule.code())
        .element(origin(origin_path, loc.start.line, loc.start.column));
    let mut context = Vec::new();
    if let Some(part) = &loc.part {
        context.push(format!("part: {}", escape(part)));
    }
    if let Some(ptr) = &loc.json_pointer {
        context.push(format!("json pointer: {}", escape(ptr)));
    }
    if !context.is_empty() {
        head = head.element(Level::NOTE.no_name().message(context.join(", ")));
    }
    let mut evidence: Vec<Element<'static>> = Vec::new();
    if let Some(ex) = &f.excerpt {
        // A span from a buggy analyzer must degrade, not panic: clamp it and
        // widen it to character boundaries.
        let start = ex.text.floor_char_boundary(ex.start.min(ex.text.len()));
        let end = ex
            .text
            .ceil_char_boundary(ex.end.clamp(start, ex.text.len()));
        let vis = chars::make_visible_with(&ex.text, start..end, false);
        let mut span = vis.map_range(start..end);
        let mut source = vis.text;
        if ex.clipped_start {
            source.insert(0, '…');
            let shift = '…'.len_utf8();
            span = span.start + shift..span.end + shift;
        }
        if ex.clipped_end {
            source.push('…');
        }
        evidence.push(
            Snippet::source(source)
                .line_start(ex.line.max(1) as usize)
                .annotation(AnnotationKind::Primary.span(span).label(escape(&ex.label)))
                .into(),
        );
    }
    if !f.chars.is_empty() {
        let mut named: Vec<String> = f
            .chars
            .iter()
            .take(MAX_CHAR_NOTES)
            .map(|c| {
                let n = format!("{} {}", escape(&c.codepoint), escape(&c.name));
                if c.count > 1 {
                    format!("{n} ×{}", c.count)
                } else {
                    n
                }
            })
            .collect();
        if f.chars.len() > MAX_CHAR_NOTES {
            named.push(format!("… {} more", f.chars.len() - MAX_CHAR_NOTES));
        }
        evidence.push(
            Level::NOTE
                .no_name()
                .message(format!("characters: {}", named.join(", ")))
                .into(),
        );
    }
    if let Some(decoded) = &f.decoded {
        evidence.push(
            Level::NOTE
                .no_name()
                .message(format!("decoded: {}", escape(decoded)))
                .into(),
        );
    }
    for note in &f.notes {
        evidence.push(Level::NOTE.message(escape(note)).into());
    }
    if let Some(help) = &f.help {
        evidence.push(Level::HELP.message(escape(help)).into());
    }
    (head, evidence)
}

/// Line and column are 1-based; 0 means unknown (e.g. a whole-file finding),
/// and then only the path is shown.
fn origin(path: String, line: u32, column: u32) -> Origin<'static> {
    match (line, column) {
        (0, _) => Origin::path(path),
        (l, 0) => Origin::path(path).line(l as usize),
        (l, c) => Origin::path(path).line(l as usize).char_column(c as usize),
    }
}

fn summary(report: &Report, color: bool) -> String {
    let bold = Style::new().effects(Effects::BOLD);
    let paint = |s: &str, style: Style| {
        if color {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    };
    let mut s = String::new();
    let n = report.findings.len();
    let _ = write!(
        s,
        "{} {n} finding{}",
        paint("summary:", bold),
        if n == 1 { "" } else { "s" }
    );
    if n > 0 {
        let by_sev: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|&sev| {
                let k = report.findings.iter().filter(|f| f.severity == sev).count();
                (k > 0).then(|| {
                    let style = match sev {
                        Severity::Critical | Severity::High => {
                            AnsiColor::BrightRed.on_default().effects(Effects::BOLD)
                        }
                        Severity::Medium => {
                            AnsiColor::BrightYellow.on_default().effects(Effects::BOLD)
                        }
                        Severity::Low | Severity::Info => Style::new(),
                    };
                    format!("{k} {}", paint(sev.as_str(), style))
                })
            })
            .collect();
        let _ = write!(s, " ({})", by_sev.join(", "));
    }
    let _ = writeln!(
        s,
        " in {} input{}",
        report.inputs.len(),
        if report.inputs.len() == 1 { "" } else { "s" }
    );
    for (prefix, label) in CATEGORIES {
        let k = report
            .findings
            .iter()
            .filter(|f| f.rule.code().starts_with(prefix))
            .count();
        if k > 0 {
            let _ = writeln!(s, "  {prefix}xx {label}: {k}");
        }
    }
    let incomplete: Vec<_> = report.incomplete().collect();
    if !incomplete.is_empty() {
        let _ = writeln!(
            s,
            "{} {} of {} unit{} not analysed completely (results are incomplete):",
            paint(
                "incomplete:",
                AnsiColor::BrightRed.on_default().effects(Effects::BOLD)
            ),
            incomplete.len(),
            report.units.len(),
            if report.units.len() == 1 { "" } else { "s" }
        );
        for u in incomplete {
            let side = if u.baseline { "baseline " } else { "" };
            for r in &u.reasons {
                let _ = writeln!(
                    s,
                    "  {side}{} [{}]: {}",
                    u.status.as_str().replace('-', " "),
                    r.kind,
                    escape(&r.message)
                );
            }
        }
    } else if !report.units.is_empty() {
        let n = report.units.len();
        let _ = writeln!(
            s,
            "coverage: {n} unit{} analysed completely",
            if n == 1 { "" } else { "s" }
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rule;
    use crate::finding::{Excerpt, Location};

    fn render_one(f: Finding) -> String {
        let report = Report {
            findings: vec![f],
            ..Report::default()
        };
        let mut out = Vec::new();
        render(&report, TextOptions::default(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn bad_spans_degrade_instead_of_panicking() {
        for (start, end) in [(6, 7), (7, 2), (100, 200), (0, 0)] {
            let mut f = Finding::new(Rule::ConfusableCharacter, "m", Location::default());
            f.excerpt = Some(Excerpt {
                line: 0,
                text: "abc d\u{2019}\u{200B}e".into(),
                start,
                end,
                label: String::new(),
                ..Excerpt::default()
            });
            let s = render_one(f);
            assert!(s.contains("⟨U+200B ZERO WIDTH SPACE⟩"), "{s}");
        }
    }

    #[test]
    fn long_char_lists_are_cut() {
        let mut f = Finding::new(Rule::TagCharacters, "m", Location::default());
        f.chars = ('a'..='z')
            .map(|c| crate::CharNote::new(char::from_u32(0xE0000 + c as u32).unwrap(), 1))
            .collect();
        let s = render_one(f);
        assert!(s.contains("… 20 more"), "{s}");
        assert!(!s.contains("TAG LATIN SMALL LETTER Z"), "{s}");
    }

    #[test]
    fn double_gutters_collapse_with_or_without_colour() {
        let plain = "a\n  |\n  |\n1 | x\n  |\n";
        assert_eq!(collapse_double_gutters(plain), "a\n  |\n1 | x\n  |\n");
        let styled = "  \u{1B}[1m\u{1B}[94m|\u{1B}[0m\n  \u{1B}[1m\u{1B}[94m|\u{1B}[0m\nx\n";
        assert_eq!(
            collapse_double_gutters(styled),
            "  \u{1B}[1m\u{1B}[94m|\u{1B}[0m\nx\n"
        );
        assert_eq!(collapse_double_gutters("| a\n| a\n"), "| a\n| a\n");
    }
}
