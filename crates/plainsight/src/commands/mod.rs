//! One module per subcommand, plus the option types they share.

pub mod audit;
pub mod guard;
pub mod history;
pub mod inspect;
pub mod probe;
pub mod rules;
pub mod scan;
pub mod serve;

use std::io::IsTerminal;

use clap::ValueEnum;
use plainsight_core::Severity;
use plainsight_core::render::{self, Format, Show, TextOptions};

/// `--format`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Human-readable, hidden characters made visible.
    #[default]
    Text,
    /// The report model as JSON.
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// GitHub Actions annotations (workflow commands), one line per finding.
    Github,
    /// One self-contained HTML page (inline hashed CSS, no script), for a
    /// review ticket.
    Html,
}

impl FormatArg {
    /// The core renderer, or `None` for HTML (rendered by plainsight-web).
    fn core(self) -> Option<Format> {
        match self {
            FormatArg::Text => Some(Format::Text),
            FormatArg::Json => Some(Format::Json),
            FormatArg::Sarif => Some(Format::Sarif),
            FormatArg::Github => Some(Format::Github),
            FormatArg::Html => None,
        }
    }
}

/// `--fail-on`, `--min-severity`
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// `--color`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorArg {
    pub fn enabled(self) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// Options every reporting subcommand takes.
#[derive(Clone, Debug, clap::Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = SeverityArg::Medium, value_name = "SEVERITY")]
    pub fail_on: SeverityArg,
    /// Colour the text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,
    /// How much of the report the text format shows.
    #[arg(long, value_enum, default_value_t = ShowArg::Findings, value_name = "WHAT")]
    pub show: ShowArg,
    /// Show every finding as a full diagnostic (same as --show info).
    #[arg(short = 'v', long, conflicts_with = "show")]
    pub verbose: bool,
    /// Leave out findings below this severity (every format; the exit code
    /// and the text verdict still count them).
    #[arg(long, value_enum, default_value_t = SeverityArg::Info, value_name = "SEVERITY")]
    pub min_severity: SeverityArg,
    /// Exit by the findings alone even when some unit could not be analysed
    /// completely (too deep, syntax error, budget, limit). Without it such a
    /// run exits 2: what was not looked at is not clean.
    #[arg(long)]
    pub allow_incomplete: bool,
}

/// `--show`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ShowArg {
    /// The verdict and the summary only.
    Verdict,
    /// The verdict, findings most severe first within a fixed line budget,
    /// endpoints and environment reads as tables, the summary.
    #[default]
    Findings,
    /// Every finding as a full diagnostic, endpoints and environment reads
    /// included; no line budget.
    Info,
}

impl OutputArgs {
    /// Render `report` into a buffer and decide the exit status.
    pub fn finish(&self, report: &plainsight_core::Report) -> anyhow::Result<crate::Outcome> {
        let mut stdout = Vec::new();
        let show = match (self.verbose, self.show) {
            (true, _) | (_, ShowArg::Info) => Show::All,
            (false, ShowArg::Findings) => Show::Findings,
            (false, ShowArg::Verdict) => Show::Verdict,
        };
        let opts = TextOptions {
            color: self.color.enabled(),
            show,
            min_severity: self.min_severity.into(),
            ..TextOptions::default()
        };
        if let Some(format) = self.format.core() {
            render::render(report, format, opts, &mut stdout)?;
        } else {
            let title = report.inputs.join(" ");
            stdout = plainsight_web::static_report(report, &title).into_bytes();
        }
        Ok(crate::Outcome {
            stdout,
            findings_over_threshold: report.count_at_least(self.fail_on.into()) > 0,
            incomplete: incomplete_summary(report),
            allow_incomplete: self.allow_incomplete,
        })
    }
}

/// One line for stderr when some unit was not analysed completely: how many,
/// and the first reason, so a log shows it even when stdout is a file.
fn incomplete_summary(report: &plainsight_core::Report) -> Option<String> {
    let incomplete: Vec<_> = report.incomplete().collect();
    let first = incomplete.first()?;
    let mut s = format!(
        "{} of {} unit{} not analysed completely",
        incomplete.len(),
        report.units.len(),
        if report.units.len() == 1 { "" } else { "s" }
    );
    if let Some(r) = first.reasons.first() {
        let _ = std::fmt::Write::write_fmt(
            &mut s,
            format_args!(
                "; first: {}{} [{}]: {}",
                if first.baseline { "baseline " } else { "" },
                first.status.as_str().replace('-', " "),
                r.kind,
                r.message
            ),
        );
    }
    Some(s)
}

/// Parse a byte count: a number with an optional binary suffix
/// (`K`, `M`, `G`, `T`, optionally followed by `B` or `iB`; `64M` = 64 MiB).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, suffix) = t.split_at(digits_end);
    if num.is_empty() {
        return Err(format!(
            "`{s}` is not a size (examples: 1048576, 512K, 64M, 4G)"
        ));
    }
    let n: u64 = num.parse().map_err(|_| format!("`{s}` is too large"))?;
    let shift = match suffix
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => {
            return Err(format!(
                "`{s}`: unknown size suffix `{suffix}` (use K, M, G or T)"
            ));
        }
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2MiB"), Ok(2 << 20));
        assert_eq!(parse_size("1GB"), Ok(1 << 30));
        assert!(parse_size("M").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("17179869184G").is_err());
    }
}
