//! `plainsight scan`: any input (JS file, directory, archive, executable,
//! `npm:` spec) through the artifact layer, every unit through its analyzer,
//! optionally diffed against a baseline scan.
//!
//! Design decisions:
//! - **Parallel over inputs, then over units.** Inputs are opened on a work
//!   queue (`std::thread::scope`, one worker per core from
//!   `available_parallelism`, or `--jobs`), then every unit of every input
//!   goes through `plainsight_artifact::scan::scan_units` (biggest first,
//!   results in unit order; `history` scans each version the same way). The
//!   report is sorted, so the output does not depend on scheduling.
//! - **An input that cannot be opened is fatal** (exit 2, nothing on stdout):
//!   a missing package or a tarball that fails its integrity check must not
//!   look like a clean scan. Problems inside an input (one file that does not
//!   parse, is too deep, or ran out of a budget) are typed unit outcomes in
//!   the report, the scan goes on, and the exit code is 2 unless
//!   `--allow-incomplete`.

use std::io::IsTerminal;
use std::num::NonZeroUsize;
use std::sync::Arc;

use anyhow::Context as _;
use plainsight_artifact::{OpenOptions, Unit};
use plainsight_core::Report;
use plainsight_js::ScanOptions;

use super::{FetchArgs, LimitArgs, OutputArgs};
use crate::Outcome;

/// Scan agent code for covert channels, environment probes, hidden strings and egress.
///
/// INPUT is a JavaScript file, a directory, an archive (.tgz, .tar, .zip,
/// .vsix), an executable (Bun, Node SEA, deno, or any other: strings
/// inventory) or an npm package `npm:<name>[@<version|tag>]`. Nothing is
/// executed. With --baseline, only what appeared or disappeared since the
/// baseline is reported.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Inputs to scan: paths or npm:<name>[@<version|tag>].
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
    /// Compare with this older version (same input kinds; repeatable) and
    /// report what appeared and disappeared. The exit code follows appeared
    /// findings only.
    #[arg(long, value_name = "INPUT")]
    pub baseline: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let progress: Option<Arc<dyn plainsight_artifact::Progress>> =
        if std::io::stderr().is_terminal() {
            Some(Arc::new(crate::progress::Bars::stderr()))
        } else {
            None
        };
    let open = args.fetch.open_options(args.limits.artifact(), progress);
    let js = args.limits.js();
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        NonZeroUsize::get,
    );
    let mut report = scan_all(&args.inputs, &open, &js, jobs)?;
    if !args.baseline.is_empty() {
        let baseline = scan_all(&args.baseline, &open, &js, jobs).context("baseline")?;
        plainsight_core::diff::apply(&mut report, baseline);
    }
    args.output.finish(&report)
}

/// Open every input and scan every unit on `jobs` threads; a sorted report.
pub fn scan_all(
    inputs: &[String],
    open: &OpenOptions,
    js: &ScanOptions,
    jobs: usize,
) -> anyhow::Result<Report> {
    let mut report = Report {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs: inputs.to_vec(),
        ..Report::default()
    };
    let opened = plainsight_artifact::scan::par_map(jobs, inputs, |input| {
        plainsight_artifact::open(input, open)
    });
    let mut units: Vec<Unit> = Vec::new();
    for (input, artifact) in inputs.iter().zip(opened) {
        let artifact = artifact.map_err(anyhow::Error::new)?;
        if artifact.units.is_empty() {
            report.notices.push(format!(
                "{input}: nothing to scan (no JavaScript or executable found)"
            ));
        }
        // Most notices already start with the input's chain; name it for the rest.
        report.notices.extend(artifact.notices.into_iter().map(|n| {
            if n.starts_with(input.as_str()) {
                n
            } else {
                format!("{input}: {n}")
            }
        }));
        units.extend(artifact.units);
    }
    let scanned = plainsight_artifact::scan::scan_units(&units, js, jobs);
    report.findings = scanned.findings;
    report.units = scanned.units;
    report.notices.extend(scanned.notices);
    report.sort();
    Ok(report)
}
