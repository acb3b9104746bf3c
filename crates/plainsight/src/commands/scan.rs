//! `plainsight scan`: JavaScript files and directories through the JS analyzer.
//! Per-file problems (syntax errors, files too deep or too large) do not stop
//! the scan; they are listed in the report's errors.

use std::path::Path;

use plainsight_core::Report;
use plainsight_js::ScanOptions;

use super::{OutputArgs, parse_size};
use crate::Outcome;

/// Scan JavaScript for covert channels, environment probes, hidden strings and egress.
///
/// Takes .js/.mjs/.cjs files or directories of them. The code is parsed and
/// analysed, never executed. Files that cannot be analysed (syntax errors, too
/// deep, too large) are listed as errors and the scan goes on.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Largest JavaScript file scanned (suffixes K, M, G, T); larger files are
    /// reported as errors and skipped.
    #[arg(long, value_parser = parse_size, default_value = "256M", value_name = "BYTES")]
    pub max_file_size: u64,
    /// Deepest syntactic nesting accepted before a file is reported as too deep.
    #[arg(long, default_value_t = 2000, value_name = "N")]
    pub max_depth: u32,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let opts = ScanOptions {
        max_file_size: args.max_file_size,
        max_depth: args.max_depth,
        ..ScanOptions::default()
    };
    let mut report = Report {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        ..Report::default()
    };
    for path in &args.paths {
        let out = plainsight_js::scan_path(Path::new(path), &opts)?;
        report.inputs.push(path.clone());
        report.findings.extend(out.findings);
        report
            .errors
            .extend(out.errors.into_iter().map(|e| e.message));
    }
    report.sort();
    args.output.finish(&report)
}
