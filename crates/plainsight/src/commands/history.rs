//! `plainsight history npm:<name>`: every published version scanned into a
//! timeline. Argument parsing, progress, Ctrl-C and exit codes only; the
//! run is `plainsight_history::run`, the views `plainsight_history::render`.
//!
//! - **Exit code** follows the newest version of the selection (`--fail-on`
//!   as in `scan`), so `history` works as a CI gate. When that version
//!   could not be analysed completely (broken, failed, pending, partial,
//!   missing its platform package) the report is still printed and the exit
//!   code is 2 unless `--allow-incomplete`, as for `scan`: an unread version
//!   is never clean.
//! - **Ctrl-C** stops claiming and downloading at once; what was scanned is
//!   already in the store, and the partial timeline is printed (exit 2, the
//!   review is incomplete). A second Ctrl-C exits immediately.

use std::io::IsTerminal;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context as _;
use clap::ValueEnum;
use plainsight_artifact::npm::{NpmConfig, Spec, check_platform, host_platform};
use plainsight_history::render::{self, Format, TextOptions};
use plainsight_history::select::Criteria;
use plainsight_history::{Options, Status};
use plainsight_store::StoreUrl;

use super::{ColorArg, LimitArgs, SeverityArg};
use crate::Outcome;

/// Scan every published version of an npm package into a timeline.
///
/// Answers "which versions are affected?": each capability (covert channel,
/// targeting list, environment probe, endpoint), matched by meaning across
/// versions as `scan --baseline` matches it, with the versions it is
/// present in. Each version is scanned as a user on --platform installs it:
/// the JavaScript where that shipped, the platform executable where the
/// package moved to one. Results are cached per version, so a rerun only
/// scans what is new.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The package: npm:<name> (npm:@scope/name).
    #[arg(value_name = "PACKAGE")]
    pub package: String,
    /// Platform whose packages are scanned, as <os>-<arch> (default: this machine).
    #[arg(long, value_name = "OS-ARCH")]
    pub platform: Option<String>,
    /// Versions: an npm range (">=2.1.80 <2.1.211", "2.1.80 - 2.1.210", "^2"),
    /// a version, or a dist-tag. "A..B" is read as "A - B".
    #[arg(long, value_name = "RANGE")]
    pub versions: Option<String>,
    /// Only versions published on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Include prerelease versions.
    #[arg(long)]
    pub prerelease: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
    /// Exit with 1 when the newest version has a finding at or above this severity.
    #[arg(long, value_enum, default_value_t = SeverityArg::Medium, value_name = "SEVERITY")]
    pub fail_on: SeverityArg,
    /// Colour the text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,
    /// Exit by the newest version's findings even when it could not be
    /// analysed completely (or the run was interrupted).
    #[arg(long)]
    pub allow_incomplete: bool,
    /// npm registry (default: npm_config_registry / .npmrc / registry.npmjs.org).
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// Result store: a SQLite path or postgres://… shared by a team; machines
    /// running the same history split the versions through it
    /// (default: ~/.cache/plainsight/history.sqlite3).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// Tarball cache, read when it has a version (default: ~/.cache/plainsight).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Also write downloaded tarballs to the cache (default: results only).
    #[arg(long)]
    pub keep_tarballs: bool,
    /// Scan again even what the store has for this plainsight build.
    #[arg(long)]
    pub rescan: bool,
    /// Concurrent downloads.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub downloads: usize,
    /// Verified versions waiting for the scanner, beyond the downloads.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub queue: usize,
    /// Scan threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
    /// Retries of a registry error or timeout, per version.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub retries: u32,
    /// First retry delay in milliseconds (doubled each retry).
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    pub retry_delay: u64,
    /// How long a claimed version stays with this machine without a heartbeat, in seconds.
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    pub lease: u64,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `--format` of `history`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// Verdict, capabilities and versions as tables.
    #[default]
    Text,
    /// The history model: `versions` (status, findings) and the `timeline`.
    Json,
    /// SARIF 2.1.0: each capability as a result, with its version ranges.
    Sarif,
    /// A self-contained page: versions × capabilities chart.
    Html,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let name = args
        .package
        .strip_prefix("npm:")
        .with_context(|| format!("{}: history takes npm:<name>", args.package))?;
    let spec = Spec::parse(name)?;
    if spec.reference.is_some() {
        anyhow::bail!(
            "{}: name the package without a version; select versions with --versions",
            args.package
        );
    }
    let platform = args.platform.clone().unwrap_or_else(host_platform);
    check_platform(name, &platform)?;
    let store = match &args.store {
        Some(s) => StoreUrl::parse(s)?,
        None => plainsight_store::history::default_url(),
    };
    let mut opts = Options::new(&spec.name, &platform, store);
    opts.criteria = Criteria {
        range: args.versions.clone(),
        since: args.since.clone(),
        prereleases: args.prerelease,
    };
    opts.npm = NpmConfig::from_environment(args.registry.as_deref());
    if let Some(d) = &args.cache_dir {
        opts.cache_dir = Some(d.clone());
    }
    opts.keep_tarballs = args.keep_tarballs;
    opts.rescan = args.rescan;
    opts.limits = args.limits.artifact();
    opts.js = args.limits.js();
    opts.downloads = args.downloads.max(1);
    opts.queue = args.queue;
    if let Some(j) = args.jobs {
        opts.jobs = j.get();
    }
    opts.retries = args.retries;
    opts.retry_delay = Duration::from_millis(args.retry_delay);
    opts.lease = Duration::from_secs(args.lease.max(1));

    let cancel = Arc::new(AtomicBool::new(false));
    // First Ctrl-C: set the flag (the run stops and returns what it has);
    // a second one, with the flag already set: exit at once.
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&cancel))?;
        signal_hook::flag::register(sig, Arc::clone(&cancel))?;
    }
    let observer: Arc<dyn plainsight_history::Observer> = if std::io::stderr().is_terminal() {
        Arc::new(crate::progress::HistoryBar::stderr())
    } else {
        Arc::new(plainsight_history::Quiet)
    };
    let history = plainsight_history::run(&opts, &cancel, &observer)?;
    drop(observer);

    let mut stdout = Vec::new();
    let format = match args.format {
        HistoryFormat::Text => Format::Text,
        HistoryFormat::Json => Format::Json,
        HistoryFormat::Sarif => Format::Sarif,
        HistoryFormat::Html => Format::Html,
    };
    let text = TextOptions {
        color: args.color.enabled(),
        width: terminal_width(),
    };
    render::render(&history, format, text, &mut stdout)?;

    // The gate: the newest version of the selection.
    let threshold: plainsight_core::Severity = args.fail_on.into();
    let newest = history
        .newest
        .as_deref()
        .and_then(|n| history.versions.iter().find(|v| v.version == n));
    let over = newest.is_some_and(|v| v.findings.iter().any(|f| f.severity >= threshold));
    let incomplete = if cancel.load(std::sync::atomic::Ordering::Relaxed) {
        let pending = history
            .versions
            .iter()
            .filter(|v| v.status == Status::Pending)
            .count();
        Some(format!("interrupted; {pending} version(s) not scanned"))
    } else {
        match newest {
            None => Some("no published version in the selection".to_string()),
            Some(v) if v.status != Status::Scanned => Some(format!(
                "newest version {} {}: {}",
                v.version,
                v.status.as_str(),
                v.detail.as_deref().unwrap_or("")
            )),
            Some(_) => None,
        }
    };
    Ok(Outcome {
        stdout,
        findings_over_threshold: over,
        incomplete,
        allow_incomplete: args.allow_incomplete,
    })
}

/// `COLUMNS`, else 120.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 60)
        .unwrap_or(120)
}
