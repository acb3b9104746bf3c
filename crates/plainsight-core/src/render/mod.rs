//! Renderers: one file per output format, each a pure function of a [`Report`].

mod github;
mod json;
mod safe_json;
mod sarif;
mod text;

use std::io::{self, Write};

use crate::finding::Report;

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
    /// Human-readable, with excerpts and hidden characters made visible.
    Text,
    /// The [`Report`] as JSON (stable field names, see `Finding`).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`), one per finding.
    Github,
}

/// Options for the human text renderer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// Emit ANSI colours.
    pub color: bool,
}

/// Render `report` in `format` to `out`.
pub fn render(
    report: &Report,
    format: Format,
    opts: TextOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        // Notices and version diffs get sections around the plain report.
        Format::Text if !report.notices.is_empty() || report.baseline.is_some() => {
            crate::diff::render_text(report, opts, out)
        }
        Format::Text => text::render(report, opts, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
    }
}
