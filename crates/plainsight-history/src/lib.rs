//! `plainsight history npm:<name>`: every published version of a package,
//! scanned as a user on one platform would install it, into a timeline of
//! capabilities — "which versions are affected?" answered from the code.
//!
//! ```text
//! packument ─► select (npm semver, tags, dates) ─► cached? ── yes ─────────────────┐
//!                                                    │ no                           │
//!                                   enqueue claim rows in the store                 │
//!                                                    │                              │
//!   download workers (N): claim row ─► stream tarball(s): hash + inflate as        │
//!   bytes arrive ─► verified units in memory ─► bounded queue (Q versions)          │
//!                                                    │                              │
//!   scanner: scan_units (all cores) ─► VersionEntry ─► store (result + claim gone) ─┤
//!                                                                                   ▼
//!                                    entries, oldest first ─► timeline by meaning key
//! ```
//!
//! - **Bounded.** Downloads run ahead of scanning by at most the queue's
//!   capacity; each version's units are dropped once scanned, so memory
//!   does not grow with the number of versions.
//! - **Cached and shared.** Results are stored per (package, version,
//!   platform, plainsight build) in `plainsight-store` (SQLite by default,
//!   PostgreSQL for a team). Several machines running the same command
//!   split the versions by claiming rows there; nothing coordinates them
//!   but the database ([`plainsight_store::history`]).
//! - **Never aborted by one version.** Unpublished and broken versions,
//!   missing platform packages, registry errors and timeouts are statuses
//!   of their version; transport errors are retried with backoff.
//! - **Interruptible.** A cancel flag stops claiming and downloads at once;
//!   what was scanned is already stored, and the run returns what it has.
//!
//! This crate never prints; renderers ([`render`]) produce bytes.

pub mod model;
mod pipeline;
pub mod render;
pub mod select;
pub mod timeline;

pub use model::{Capability, History, RunStats, Status, VersionEntry};
pub use pipeline::{Observer, Options, Quiet, run};

/// Why a history run could not produce a history at all (per-version
/// problems are statuses, not errors).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{what}: {message}")]
    Selection { what: String, message: String },
    #[error("npm:{package}: {source}")]
    Registry {
        package: String,
        #[source]
        source: plainsight_artifact::ArtifactError,
    },
    #[error("npm:{package}: no version matches {what}")]
    Nothing { package: String, what: String },
    #[error("history store {store}: {source}")]
    Store {
        store: String,
        #[source]
        source: plainsight_store::StoreError,
    },
    #[error("history worker: {0}")]
    Worker(String),
}

/// The plainsight build results are keyed by: the package version, plus the
/// git commit (and a digest of uncommitted changes) when built from a
/// checkout, so a rebuilt analyzer never reads another build's results.
pub fn tool_version() -> String {
    match option_env!("PLAINSIGHT_BUILD") {
        Some(b) if !b.is_empty() => format!("{}+{b}", env!("CARGO_PKG_VERSION")),
        _ => env!("CARGO_PKG_VERSION").to_string(),
    }
}
