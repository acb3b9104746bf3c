//! The artifact layer: turns any input the user names (a path to a JS file,
//! directory, archive or executable, or an `npm:` spec) into [`Unit`]s, each
//! with its location chain, for the analyzers. [`open`] is the whole API for
//! one input; [`npm::Registry`] serves many versions of a package (`history`),
//! and [`scan::scan_units`] hands units to their analyzers.
//!
//! Design decisions:
//! - **Bytes are shared, not copied.** Files are memory-mapped once ([`Data`]);
//!   units from an executable borrow slices of that one mapping. Archive
//!   entries are inflated into owned buffers, but only entries that can hold
//!   something to scan (JS, nested archives, executables, `package.json`,
//!   extensionless `bin` candidates) are kept.
//! - **Kind by content, not by name.** Archives are recognised by magic (gzip
//!   `1f 8b`, zip `PK\x03\x04`, `ustar` at 257), executables by ELF/PE/Mach-O
//!   magic; names only decide among text files (`.js/.mjs/.cjs`, a node
//!   shebang, or a `bin` entry of the enclosing `package.json`).
//! - **Nothing runs, nothing is extracted.** Archives are streamed in memory;
//!   path-traversal names are reported in [`Artifact::notices`] and skipped,
//!   the way npm's tar refuses them. Limits are checked while bytes are
//!   inflated, so a bomb is stopped mid-stream.
//! - **Errors name the input and the place** (entry, offset), see
//!   [`ArtifactError`]; hostile input never panics (fuzzed: `fuzz/fuzz_targets/archive.rs`).
//! - **The network is only touched for `npm:` specs** ([`npm`]); tarballs are
//!   verified against `dist.integrity` before a byte of them is parsed, and
//!   cached by that integrity.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use thiserror::Error;

mod archive;
pub mod cache;
mod dir;
pub mod exe;
mod input;
pub mod integrity;
pub mod layout;
mod limits;
pub mod npm;
pub mod scan;

/// Shared, cheaply sliceable bytes: a whole file (often memory-mapped) or a
/// buffer, plus the range of it this unit covers. A 245 MB executable is mapped
/// once and every embedded module borrows its slice; nothing is copied.
#[derive(Clone)]
pub struct Data {
    backing: Arc<dyn AsRef<[u8]> + Send + Sync>,
    range: Range<usize>,
}

impl Data {
    pub fn from_vec(v: Vec<u8>) -> Data {
        let len = v.len();
        Data {
            backing: Arc::new(v),
            range: 0..len,
        }
    }

    pub fn from_backing(backing: Arc<dyn AsRef<[u8]> + Send + Sync>) -> Data {
        let len = (*backing).as_ref().len();
        Data {
            backing,
            range: 0..len,
        }
    }

    /// A sub-range (relative to this slice), clamped to its bounds.
    #[must_use]
    pub fn slice(&self, r: Range<usize>) -> Data {
        let len = self.range.len();
        let (s, e) = (r.start.min(len), r.end.min(len));
        Data {
            backing: Arc::clone(&self.backing),
            range: self.range.start + s..self.range.start + e.max(s),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &(*self.backing).as_ref()[self.range.clone()]
    }

    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Data({} bytes)", self.len())
    }
}

/// What kind of content a unit holds, i.e. which analyzer gets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    /// JavaScript source (UTF-8; Bun's Latin-1 sources already converted).
    JavaScript,
    /// A native executable (or other binary) with no recognised embedded JS:
    /// gets a strings inventory at lower confidence.
    Native,
}

/// One thing to analyze.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Containers, outermost first: e.g. `["npm:@scope/agent@2.1.0", "package/bin/agent"]`.
    pub chain: Vec<String>,
    /// Name of the unit inside its innermost container (or the file path):
    /// e.g. `/$bunfs/root/cli.js`.
    pub path: String,
    pub kind: UnitKind,
    pub data: Data,
}

/// Limits that keep hostile inputs bounded. All configurable from the CLI.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Total uncompressed bytes read out of one archive.
    pub max_total_uncompressed: u64,
    /// Entries in one archive.
    pub max_entries: usize,
    /// Largest uncompressed / compressed ratio accepted (decompression bombs).
    pub max_ratio: u64,
    /// Largest single file considered.
    pub max_file_size: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_total_uncompressed: 2 << 30,
            max_entries: 100_000,
            max_ratio: 200,
            max_file_size: 1 << 30,
        }
    }
}

/// Download progress, implemented by the CLI (e.g. with indicatif). This
/// crate has no terminal code; it only reports bytes.
pub trait Progress: Send + Sync {
    /// A transfer begins; `total_bytes` when the server announced a length.
    fn start(&self, label: &str, total_bytes: Option<u64>);
    /// `n` more bytes arrived.
    fn advance(&self, n: u64);
    /// The transfer ended (successfully or not).
    fn finish(&self);
}

/// How [`open`] behaves. `Default` gives default limits, the npm registry
/// from the environment, this machine's platform and the user cache dir.
#[derive(Clone, Default)]
pub struct OpenOptions {
    pub limits: Limits,
    /// Registry base URL for `npm:` specs; overrides `npm_config_registry`
    /// and `.npmrc`.
    pub registry: Option<String>,
    /// npm platform `<os>-<arch>` (`linux-x64`, `darwin-arm64`, `win32-x64`…)
    /// used to pick platform packages; default: this machine.
    pub platform: Option<String>,
    /// Tarball cache; default `$XDG_CACHE_HOME/plainsight` or `~/.cache/plainsight`.
    pub cache_dir: Option<PathBuf>,
    pub progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("limits", &self.limits)
            .field("registry", &self.registry)
            .field("platform", &self.platform)
            .field("cache_dir", &self.cache_dir)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Everything found in one input.
#[derive(Clone, Debug, Default)]
pub struct Artifact {
    pub units: Vec<Unit>,
    /// What was done and skipped, for the report: fetched platform packages,
    /// executable layouts parsed, traversal names skipped, limits on single
    /// files…
    pub notices: Vec<String>,
}

/// Why an input could not be opened. Every variant names the input (its
/// location chain, joined with ` › `) and the place inside it.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum ArtifactError {
    /// The OS error is part of the message, not a `source`: an error
    /// reporter that prints the chain (`{:#}`) would print it twice.
    #[error("{input}: {error}")]
    Io {
        input: String,
        error: std::io::Error,
    },
    #[error("{input}: no such file or directory (npm packages are named npm:<name>[@<version>])")]
    NotFound { input: String },
    /// A corrupt or truncated archive; `place` is an entry name or offset.
    #[error("{input}: malformed {format} at {place}: {message}")]
    Malformed {
        input: String,
        format: &'static str,
        place: String,
        message: String,
    },
    /// A [`Limits`] value was exceeded (decompression bomb, too many entries…).
    #[error("{input}: {what} limit exceeded{}: {value} > {limit}", at_place(place))]
    Limit {
        input: String,
        place: String,
        what: &'static str,
        value: u64,
        limit: u64,
    },
    /// A malformed executable (names input and offset itself).
    #[error(transparent)]
    Exe(#[from] exe::ExeError),
    #[error("{spec}: invalid npm package spec: {message}")]
    NpmSpec { spec: String, message: String },
    #[error("{spec}: request to {url} failed: {message}")]
    Registry {
        spec: String,
        url: String,
        message: String,
    },
    /// The package, version or tag does not exist, or its metadata lacks what we need.
    #[error("{spec}: {message}")]
    Package { spec: String, message: String },
    /// The tarball is not what the registry metadata promised: refused unread.
    #[error(
        "{spec}: integrity mismatch for {url}: expected {expected}, got {actual}; refusing to read it"
    )]
    Integrity {
        spec: String,
        url: String,
        expected: String,
        actual: String,
    },
    #[error("cache {}: {error}", path.display())]
    Cache {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// Open `input`: an `npm:` spec, or a path to a file (JS, archive or
/// executable, recognised by content) or directory.
pub fn open(input: &str, opts: &OpenOptions) -> Result<Artifact, ArtifactError> {
    if let Some(spec) = input.strip_prefix("npm:") {
        return npm::open(spec, opts);
    }
    input::open_path(std::path::Path::new(input), input, opts)
}

/// Open bytes already in memory (stdin, an embedder's buffer, the fuzzer)
/// named `name`, exactly as [`open`] would open a file holding them.
pub fn open_bytes(name: &str, data: Data, opts: &OpenOptions) -> Result<Artifact, ArtifactError> {
    let len = data.len() as u64;
    if len > opts.limits.max_file_size {
        return Err(ArtifactError::Limit {
            input: name.to_string(),
            place: "file size".into(),
            what: "file size",
            value: len,
            limit: opts.limits.max_file_size,
        });
    }
    let mut c = input::Collector::new(opts);
    c.blob(&[], name, data, input::Hint::Explicit, 0, None)?;
    Ok(c.out)
}

/// ` at <place>`, or nothing when the place is the whole input.
fn at_place(place: &str) -> String {
    if place.is_empty() || place == "file size" {
        String::new()
    } else {
        format!(" at {place}")
    }
}

/// Join a chain for messages: `pkg.tgz › package/cli.js`.
pub(crate) fn display_chain(chain: &[String]) -> String {
    chain.join(" › ")
}
