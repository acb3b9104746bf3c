//! `plainsight scan` for JavaScript, on oxc. (Being written.)
//!
//! Public API used by the CLI and, later, by the artifact layer (which hands
//! in JS modules it found inside tarballs and executables with a location chain).

use std::path::Path;

use plainsight_core::Finding;

pub mod context;
pub mod covert;
pub mod egress;
pub mod env;
pub mod eval;
pub mod hidden;

/// Limits and budgets for one scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Largest JS file scanned, in bytes.
    pub max_file_size: u64,
    /// Deepest syntactic nesting accepted before a file is reported "too deep".
    pub max_depth: u32,
    /// Step budget of the bounded evaluator, per evaluation.
    pub eval_steps: u64,
    /// Largest string the evaluator may build, in bytes.
    pub eval_max_output: usize,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions { max_file_size: 256 << 20, max_depth: 2000, eval_steps: 200_000, eval_max_output: 1 << 20 }
    }
}

/// A per-file problem that did not stop the scan (syntax error, too deep, unreadable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// `path:line:column: message` style, naming the file and place.
    pub message: String,
}

/// What a scan produced.
#[derive(Clone, Debug, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub errors: Vec<FileError>,
    /// Files scanned.
    pub files: usize,
}

/// A failure that stops the scan of this input altogether (e.g. path does not exist).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Scan one JavaScript source. `path` names it in locations; `chain` lists the
/// containers it came from (outermost first; empty for a plain file).
pub fn scan_source(path: &str, chain: &[String], source: &str, opts: &ScanOptions) -> ScanOutput {
    let _ = (path, chain, source, opts);
    todo!("scan_source")
}

/// Scan a `.js`/`.mjs`/`.cjs` file or a directory of them.
pub fn scan_path(path: &Path, opts: &ScanOptions) -> Result<ScanOutput, ScanError> {
    let _ = (path, opts);
    todo!("scan_path")
}
