//! Renderers: one file per output format, each a pure function of a [`Report`].

mod github;
mod json;
mod safe_json;
mod sarif;
mod text;

use std::borrow::Cow;
use std::io::{self, Write};

use crate::finding::{Report, Severity};

/// Pretty JSON with hidden characters escaped (what `--format json` writes),
/// for other commands' models (`history`).
pub use safe_json::write_pretty as write_json;

/// The SARIF log of `report` as a JSON value, for commands that add to it
/// (`history` puts each result's version ranges in its properties).
pub fn sarif_value(report: &Report) -> serde_json::Value {
    sarif::to_value(report)
}

/// Output formats the CLI can select with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable: the verdict first, findings most severe first,
    /// inventory as tables, hidden characters made visible.
    Text,
    /// The [`Report`] as JSON (stable field names, see `Finding`).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`), one per finding.
    Github,
}

/// How much of a report the text format shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Show {
    /// The verdict and the summary only.
    Verdict,
    /// The verdict, the findings most severe first within the line budget,
    /// the inventory as tables, the summary.
    #[default]
    Findings,
    /// Every finding as a full diagnostic, inventory included; no budget.
    All,
}

/// The default [`TextOptions::line_budget`]: the verdict is on the first
/// screen and the whole report a few screens long, whatever the input.
pub const DEFAULT_LINE_BUDGET: usize = 200;

/// Options for rendering. `min_severity` applies to every format; the
/// others to text only.
#[derive(Clone, Copy, Debug)]
pub struct TextOptions {
    /// Emit ANSI colours.
    pub color: bool,
    pub show: Show,
    /// Findings below this are left out (the text verdict still counts them).
    pub min_severity: Severity,
    /// Most lines the text report takes with [`Show::Findings`].
    pub line_budget: usize,
}

impl Default for TextOptions {
    fn default() -> TextOptions {
        TextOptions {
            color: false,
            show: Show::default(),
            min_severity: Severity::Info,
            line_budget: DEFAULT_LINE_BUDGET,
        }
    }
}

/// Render `report` in `format` to `out`.
pub fn render(
    report: &Report,
    format: Format,
    opts: TextOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    // The text renderer filters itself: its verdict is computed on
    // everything and its summary says what the filter left out.
    let filtered = || -> Cow<'_, Report> {
        if opts.min_severity > Severity::Info {
            Cow::Owned(at_least(report, opts.min_severity))
        } else {
            Cow::Borrowed(report)
        }
    };
    match format {
        Format::Text => text::render(report, opts, out),
        Format::Json => json::render(&filtered(), out),
        Format::Sarif => sarif::render(&filtered(), out),
        Format::Github => github::render(&filtered(), out),
    }
}

/// `report` with only the findings at or above `min` (the baseline's lists too).
pub fn at_least(report: &Report, min: Severity) -> Report {
    let keep = |v: &[crate::Finding]| -> Vec<crate::Finding> {
        v.iter().filter(|f| f.severity >= min).cloned().collect()
    };
    Report {
        findings: keep(&report.findings),
        baseline: report.baseline.as_ref().map(|b| crate::diff::Baseline {
            inputs: b.inputs.clone(),
            disappeared: keep(&b.disappeared),
            unchanged: keep(&b.unchanged),
        }),
        ..report.clone()
    }
}
