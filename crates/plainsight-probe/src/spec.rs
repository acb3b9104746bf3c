//! What one sandboxed run is given ([`CellSpec`]) and what it hands back
//! ([`RunResult`]). Both cross a process boundary (the parent writes the
//! spec, the re-exec'd helper writes the result), so they are plain serde
//! data: nothing in them is interpreted by the agent.

use serde::{Deserialize, Serialize};

use crate::record::{DnsQuery, Exchange, RawConnection};

/// A file the sandbox shows the agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileContent {
    /// Regular file with these bytes (UTF-8 text in practice).
    Text(String),
    /// A symbolic link to this target.
    Symlink(String),
}

/// Everything the helper needs to build one sandbox and run the agent once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CellSpec {
    /// The agent command line, as seen inside the sandbox.
    pub argv: Vec<String>,
    /// Working directory inside the sandbox.
    pub cwd: String,
    /// The complete environment (the agent starts from an empty one).
    pub env: Vec<(String, String)>,
    /// Host name (UTS namespace and `/etc/hostname`).
    pub hostname: String,
    /// The user the agent runs as (uid 1000 inside; `/etc/passwd`, `HOME`).
    pub user: String,
    /// Files under `/etc` to replace or add (path relative to `/etc`).
    pub etc: Vec<(String, FileContent)>,
    /// Files in the user's home (path relative to the home directory).
    pub home: Vec<(String, FileContent)>,
    /// Host directories made visible inside at the same path, if they would
    /// otherwise be hidden by the sandbox's own `/tmp` and `/home`.
    pub keep_paths: Vec<String>,
    /// MAC address of the sandbox's one network interface, if any.
    pub mac: Option<String>,
    /// Name of that interface.
    pub iface: String,
    /// TCP ports the capture server listens on (every address: a local
    /// route sends every destination to loopback).
    pub ports: Vec<u16>,
    /// Port of the capture proxy (also listened on), when the run sets proxy variables.
    pub proxy_port: Option<u16>,
    /// PEM of the run's CA certificate and key; leaf certificates are minted per SNI.
    pub ca_cert_pem: String,
    pub ca_key_pem: String,
    /// What the mock provider answers.
    pub reply_text: String,
    /// Wall-clock limit of the agent run, milliseconds.
    pub timeout_ms: u64,
    /// Largest request body kept, bytes (the rest is counted, not kept).
    pub max_body: usize,
    /// Most bytes of the agent's stdout/stderr kept.
    pub max_output: usize,
    /// Most exchanges recorded in one run.
    pub max_exchanges: usize,
}

/// How the agent's run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ended {
    /// Exit status (or 128 + signal).
    Exited(i32),
    /// Killed at the wall-clock limit, with its whole process tree.
    TimedOut,
}

/// What one sandboxed run produced.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunResult {
    /// `None` when the sandbox could not be built (then `error` says which step failed).
    pub ended: Option<Ended>,
    pub error: Option<SandboxFailure>,
    pub exchanges: Vec<Exchange>,
    pub dns: Vec<DnsQuery>,
    /// Connections that were not HTTP, or whose TLS handshake failed.
    pub raw: Vec<RawConnection>,
    pub stdout: String,
    pub stderr: String,
    /// Things the sandbox could not do and the run went on without
    /// (e.g. no network interface for the MAC dimension).
    pub notes: Vec<String>,
    /// Wall time of the agent run, milliseconds.
    pub wall_ms: u64,
    /// Exchanges beyond `max_exchanges` that were answered but not kept.
    pub dropped_exchanges: usize,
}

/// A sandbox step that failed, named as in `docs/ARCHITECTURE.md`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxFailure {
    pub step: String,
    pub message: String,
    /// The kernel or the machine refused (namespaces unavailable); callers
    /// skip rather than fail.
    pub refused: bool,
}
