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
use std::path::PathBuf;
use std::sync::Arc;

use clap::ValueEnum;
use plainsight_artifact::{Limits, OpenOptions};
use plainsight_core::Severity;
use plainsight_core::render::{self, Format, Show, TextOptions};
pub use plainsight_core::size::parse_size;
use plainsight_js::ScanOptions;

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

/// Where packages come from: the options every command that opens `npm:`
/// inputs shares (`scan`, `probe`).
#[derive(Debug, Clone, clap::Args)]
pub struct FetchArgs {
    /// npm registry for npm: inputs (default: npm_config_registry / .npmrc / registry.npmjs.org).
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// Platform whose optional packages (native executables) are fetched, as <os>-<arch>.
    #[arg(long, value_name = "OS-ARCH")]
    pub platform: Option<String>,
    /// Where downloaded tarballs are cached (default: ~/.cache/plainsight).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

impl FetchArgs {
    /// Options for `plainsight_artifact::open` with these sources and `limits`.
    pub fn open_options(
        &self,
        limits: Limits,
        progress: Option<Arc<dyn plainsight_artifact::Progress>>,
    ) -> OpenOptions {
        OpenOptions {
            limits,
            registry: self.registry.clone(),
            platform: self.platform.clone(),
            cache_dir: self.cache_dir.clone(),
            progress,
        }
    }
}

/// The limits of reading and analysing untrusted input, shared by every
/// command that scans (`scan`, `history`): one definition, so a limit added
/// for one is configurable in all.
#[derive(Debug, Clone, clap::Args)]
#[allow(clippy::struct_field_names)] // the field names are the flags' names
pub struct LimitArgs {
    /// Largest single file, tarball or archive entry considered (suffixes K, M, G, T).
    #[arg(long, value_parser = parse_size, default_value = "1G", value_name = "BYTES")]
    pub max_file_size: u64,
    /// Most uncompressed bytes read out of one archive.
    #[arg(long, value_parser = parse_size, default_value = "2G", value_name = "BYTES")]
    pub max_total_size: u64,
    /// Most entries read from one archive.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub max_entries: usize,
    /// Largest uncompressed/compressed ratio accepted (decompression bombs).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub max_ratio: u64,
    /// Deepest JavaScript syntax tree accepted (a bound computed before
    /// parsing) before a file is reported as too deep and not analysed.
    #[arg(long, default_value_t = 6000, value_name = "N")]
    pub max_depth: u32,
    /// Most memory the analysis of one JavaScript file may be expected to
    /// take (estimated at 120 bytes per byte of source); a larger file is reported
    /// as not analysed (limit) instead of exhausting memory (suffixes K, M, G, T).
    #[arg(long, value_parser = parse_size, default_value = "8G", value_name = "BYTES")]
    pub max_unit_memory: u64,
    /// Most JavaScript (bytes) of modules that import each other analysed as
    /// one program for covert-channel flows; a larger group is analysed module
    /// by module, with a notice.
    #[arg(long, value_parser = parse_size, default_value = "256M", value_name = "BYTES")]
    pub max_group_size: u64,
    /// A budget or limit of the covert-channel flow engine, as `NAME=N`
    /// (repeatable): near_steps, walk_steps, max_refs, max_callers,
    /// max_writers (first-round limits of each site; later rounds raise
    /// them), max_fn_values (functions one value holds in the program's
    /// call-site index), pool_steps_per_kb (the file's shared pool),
    /// backward_steps_per_kb (the program's backward graph), site_steps
    /// (steps each site has of its own in the first round, whatever other
    /// sites spent), unproven_walk_hops (longest unproven carrier path still
    /// reported), coarse_steps_per_kb (the file's pool for coarse passes: a
    /// site whose precise walk stays cut is finished field- and
    /// context-insensitively, everything it reaches unproven). A site still
    /// cut when the pools are spent, or a meeting kept out by
    /// unproven_walk_hops, makes its unit partial, never clean.
    #[arg(long, value_name = "NAME=N", value_parser = parse_flow_limit)]
    pub flow_limit: Vec<(String, u32)>,
}

impl LimitArgs {
    /// Limits of the artifact layer (archives, files).
    pub fn artifact(&self) -> Limits {
        Limits {
            max_total_uncompressed: self.max_total_size,
            max_entries: self.max_entries,
            max_ratio: self.max_ratio,
            max_file_size: self.max_file_size,
        }
    }

    /// Options of the JavaScript analyzers.
    pub fn js(&self) -> ScanOptions {
        ScanOptions {
            max_file_size: self.max_file_size,
            max_depth: self.max_depth,
            max_unit_memory: self.max_unit_memory,
            max_group_bytes: self.max_group_size,
            flow: self.flow(),
            ..ScanOptions::default()
        }
    }

    /// The flow engine's budgets: the defaults with every `--flow-limit` applied.
    pub fn flow(&self) -> plainsight_js::FlowLimits {
        let mut flow = plainsight_js::FlowLimits::default();
        for (name, value) in &self.flow_limit {
            flow.set(name, *value);
        }
        flow
    }
}

fn parse_flow_limit(s: &str) -> Result<(String, u32), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=N, got `{s}`"))?;
    if !plainsight_js::FlowLimits::NAMES.contains(&name) {
        return Err(format!(
            "no flow limit `{name}` (one of: {})",
            plainsight_js::FlowLimits::NAMES.join(", ")
        ));
    }
    let value = value
        .parse::<u32>()
        .map_err(|e| format!("`{value}`: {e}"))?;
    Ok((name.to_string(), value))
}
