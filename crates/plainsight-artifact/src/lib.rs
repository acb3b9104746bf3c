//! The artifact layer: turns any input the user names (a path to a JS file,
//! directory, archive or executable, or an `npm:` spec) into a stream of
//! [`Unit`]s, each with its location chain, for the analyzers. It never writes
//! extracted content outside a temp dir, never executes anything, and enforces
//! [`Limits`]. (Being written.)

use std::ops::Range;
use std::sync::Arc;

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
        Data { backing: Arc::new(v), range: 0..len }
    }

    pub fn from_backing(backing: Arc<dyn AsRef<[u8]> + Send + Sync>) -> Data {
        let len = (*backing).as_ref().len();
        Data { backing, range: 0..len }
    }

    /// A sub-range (relative to this slice), clamped to its bounds.
    pub fn slice(&self, r: Range<usize>) -> Data {
        let len = self.range.len();
        let (s, e) = (r.start.min(len), r.end.min(len));
        Data { backing: Arc::clone(&self.backing), range: self.range.start + s..self.range.start + e.max(s) }
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
        Limits { max_total_uncompressed: 2 << 30, max_entries: 100_000, max_ratio: 200, max_file_size: 1 << 30 }
    }
}
