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
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use plainsight_artifact::{Limits, OpenOptions, Unit};
use plainsight_core::Report;
use plainsight_js::ScanOptions;

use super::{OutputArgs, parse_size};
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
    /// npm registry for npm: inputs (default: npm_config_registry / .npmrc / registry.npmjs.org).
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// Platform whose optional packages (native executables) are fetched, as <os>-<arch>.
    #[arg(long, value_name = "OS-ARCH")]
    pub platform: Option<String>,
    /// Where downloaded tarballs are cached (default: ~/.cache/plainsight).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Largest single file or archive entry considered (suffixes K, M, G, T).
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
    /// Most JavaScript (bytes) of modules that import each other analysed as
    /// one program for covert-channel flows; a larger group is analysed module
    /// by module, with a notice.
    #[arg(long, value_parser = parse_size, default_value = "256M", value_name = "BYTES")]
    pub max_group_size: u64,
    /// Most memory the analysis of one JavaScript file may be expected to
    /// take (estimated at 120 bytes per byte of source); a larger file is reported
    /// as not analysed (limit) instead of exhausting memory (suffixes K, M, G, T).
    #[arg(long, value_parser = parse_size, default_value = "8G", value_name = "BYTES")]
    pub max_unit_memory: u64,
    /// A budget or limit of the covert-channel flow engine, as `NAME=N`
    /// (repeatable): near_steps, walk_steps, callee_steps, max_refs,
    /// max_callers, max_writers, max_callee_nesting (first-round limits of
    /// each site; later rounds raise them), max_fn_values (functions one
    /// value holds in the program's call-site index), pool_steps_per_kb (the
    /// file's shared pool), backward_steps_per_kb (the program's backward
    /// graph), site_steps (steps each site has of its own in the first round,
    /// whatever other sites spent). A site still cut when the pool is spent
    /// makes its unit partial, never clean.
    #[arg(long, value_name = "NAME=N", value_parser = parse_flow_limit)]
    pub flow_limit: Vec<(String, u32)>,
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
    let open = OpenOptions {
        limits: Limits {
            max_total_uncompressed: args.max_total_size,
            max_entries: args.max_entries,
            max_ratio: args.max_ratio,
            max_file_size: args.max_file_size,
        },
        registry: args.registry.clone(),
        platform: args.platform.clone(),
        cache_dir: args.cache_dir.clone(),
        progress,
    };
    let mut flow = plainsight_js::FlowLimits::default();
    for (name, value) in &args.flow_limit {
        flow.set(name, *value);
    }
    let js = ScanOptions {
        flow,
        max_file_size: args.max_file_size,
        max_depth: args.max_depth,
        max_group_bytes: args.max_group_size,
        max_unit_memory: args.max_unit_memory,
        ..ScanOptions::default()
    };
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
