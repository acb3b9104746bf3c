//! The history model: one entry per published version, and the timeline of
//! capabilities built from them. Serialisable with serde, so the JSON view,
//! the result cache and the web view (`serve`) all read the same thing.

use plainsight_core::{Finding, Rule, Severity, UnitOutcome};
use serde::{Deserialize, Serialize};

/// Version of the JSON layout below; bumped when a field changes meaning.
pub const SCHEMA: u32 = 1;

/// A whole history run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub schema: u32,
    /// `npm:<name>`.
    pub package: String,
    /// npm platform whose packages were scanned (`linux-x64`).
    pub platform: String,
    /// The plainsight build that produced the results (the cache key).
    pub tool_version: String,
    /// How the versions were chosen (`--versions`, `--since`, prereleases).
    pub selection: Selection,
    /// Every selected version, oldest first (semver order).
    pub versions: Vec<VersionEntry>,
    /// Capabilities matched by meaning across versions, most severe first.
    pub timeline: Vec<Capability>,
    /// The newest version `--fail-on` judges: the newest selected version
    /// that was published (scanned or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
    /// Run-wide problems (the registry document could not be read fully…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Throughput of this run; absent when rendered from a stored history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunStats>,
}

/// How versions were selected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prereleases: bool,
    /// Versions the registry lists in all (before selection).
    pub published: usize,
}

/// What happened to one version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Fetched, verified and scanned completely.
    Scanned,
    /// Scanned, but some unit was not analysed completely (too deep, syntax
    /// error, budget, limit; see `VersionEntry::incomplete`): a capability
    /// is known to be absent only where its module was analysed completely.
    Partial,
    /// Scanned, but the platform package it names for this platform could
    /// not be had: what was scanned is only part of what installs.
    MissingPlatform,
    /// Listed in the registry's `time` but without metadata: unpublished.
    Unpublished,
    /// The registry's metadata or tarball is unusable (no integrity, a
    /// tarball that does not match it, a malformed archive, a limit).
    Broken,
    /// Transport errors and timeouts persisted through every retry; not
    /// cached, tried again on the next run.
    Failed,
    /// Not reached: the run was interrupted, or another machine holds it.
    Pending,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scanned => "scanned",
            Status::Partial => "partial",
            Status::MissingPlatform => "missing-platform",
            Status::Unpublished => "unpublished",
            Status::Broken => "broken",
            Status::Failed => "failed",
            Status::Pending => "pending",
        }
    }

    /// Findings of this version are evidence of presence.
    pub fn has_findings(self) -> bool {
        matches!(
            self,
            Status::Scanned | Status::Partial | Status::MissingPlatform
        )
    }

    /// A finding missing from this version is evidence of absence (the
    /// whole of what installs was read).
    pub fn is_complete(self) -> bool {
        self == Status::Scanned
    }

    /// Final: the same on any rerun, so worth caching.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Scanned | Status::Partial | Status::MissingPlatform | Status::Broken
        )
    }
}

/// One package fetched for a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub integrity: String,
    /// Compressed bytes.
    pub bytes: u64,
}

/// What a user on the platform installs, as scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shipped {
    /// JavaScript (a bundle, or a package's sources).
    Javascript,
    /// A platform executable with embedded JavaScript (Bun, Node SEA, deno).
    Executable,
    /// Native code only (strings inventory).
    Native,
    /// Nothing scannable.
    Nothing,
}

/// One version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionEntry {
    pub version: String,
    /// Publish time from the registry (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    pub status: Status,
    /// Why the status is not `scanned` (error messages name the place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped: Option<Shipped>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<Package>,
    /// Findings in the usual model (`plainsight scan --format json`).
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Units not analysed completely, with the reasons (complete units are
    /// not listed: a native version has thousands).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<UnitOutcome>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    pub summary: Summary,
    /// Read from the result cache rather than scanned in this run.
    #[serde(default)]
    pub cached: bool,
    /// Who produced the result (machine and process), when cached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned_by: Option<String>,
    /// Download attempts this run needed (retries included).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if takes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl VersionEntry {
    pub fn new(version: &str, published: Option<String>, status: Status) -> VersionEntry {
        VersionEntry {
            version: version.to_string(),
            published,
            status,
            detail: None,
            shipped: None,
            packages: Vec::new(),
            findings: Vec::new(),
            incomplete: Vec::new(),
            notices: Vec::new(),
            summary: Summary::default(),
            cached: false,
            scanned_by: None,
            attempts: 0,
        }
    }
}

/// One version at a glance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// PS1xx findings.
    pub covert_channels: usize,
    /// PS202 findings: each decoded list, its kind and size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targeting_lists: Vec<ListSize>,
    /// Other PS2xx findings (decoded strings, string tables).
    pub obfuscation: usize,
    /// PS3xx findings.
    pub environment_probes: usize,
    /// PS4xx findings (origins).
    pub endpoints: usize,
    pub findings: usize,
    /// Most severe finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_severity: Option<Severity>,
}

/// A decoded targeting list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSize {
    /// What the list holds, from the finding (`hosts`, `time zones`…).
    pub kind: String,
    pub size: usize,
}

/// Versions a capability is present in, as runs of consecutive versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub first: String,
    pub last: String,
    /// Versions inside the run where it was found.
    pub found: usize,
    /// Versions inside the run where neither presence nor absence is known
    /// (failed, broken, pending, a missing platform package, or the
    /// capability's module not analysed completely).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}

/// One capability (findings with the same meaning key) across versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capability {
    /// `plainsight_core::diff::meaning_key` — the identity `--baseline` uses.
    pub key: String,
    pub rule: Rule,
    /// Highest severity it had in any version.
    pub severity: Severity,
    /// The message of its newest occurrence.
    pub message: String,
    /// Where it sits in its newest occurrence (`chain › path`).
    pub location: String,
    /// Its module's file name (part of its identity): a version whose
    /// unit of that name was not analysed completely says nothing about
    /// its absence.
    pub module: String,
    /// Runs of versions with the finding, oldest first.
    pub present: Vec<Span>,
    /// Version where it first appeared / last appeared.
    pub first_seen: String,
    pub last_seen: String,
    /// The first complete version after `last_seen` without it (absent
    /// when it is still in the newest version, or nothing complete follows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone_in: Option<String>,
    /// Present in the newest version.
    pub in_newest: bool,
    /// Occurrences per version, aligned with `History::versions` (0 where
    /// absent or not known; see `Span::unknown`).
    pub counts: Vec<u32>,
}

/// Throughput of one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    pub wall_secs: f64,
    /// Versions scanned in this run / read from the cache / left pending.
    pub scanned: usize,
    pub cached: usize,
    pub pending: usize,
    /// Compressed bytes read from the network, and from the local tarball
    /// cache instead.
    pub downloaded_bytes: u64,
    pub cache_bytes: u64,
    /// Summed over download workers: time inside network reads, and the
    /// wall time of fetch stages (inflating included).
    pub network_secs: f64,
    pub fetch_secs: f64,
    /// Summed time of the scan stage, and the bytes of units it scanned.
    pub scan_secs: f64,
    pub scanned_unit_bytes: u64,
    pub download_workers: usize,
    pub retries: u32,
}

impl RunStats {
    /// Bytes per second of network time, per worker (the link's rate).
    pub fn download_rate(&self) -> Option<f64> {
        (self.network_secs > 0.0).then(|| self.downloaded_bytes as f64 / self.network_secs)
    }

    /// Versions per second the scan stage sustains.
    pub fn scan_rate(&self) -> Option<f64> {
        (self.scan_secs > 0.0).then(|| self.scanned as f64 / self.scan_secs)
    }

    /// Versions per second the fetch stage sustains (all workers together).
    pub fn fetch_rate(&self) -> Option<f64> {
        (self.fetch_secs > 0.0)
            .then(|| self.scanned as f64 * self.download_workers.max(1) as f64 / self.fetch_secs)
    }
}
