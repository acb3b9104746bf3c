//! What the store keeps: one row per exchange, written in two steps (the
//! request before it is forwarded, the outcome when the response ends), the
//! findings of both steps, and the line forms drift detection has learned.

use std::fmt;
use std::str::FromStr;

use plainsight_core::{Finding, Severity};
use serde::{Deserialize, Serialize};

/// Row id of an exchange in one store (SQLite rowid / PostgreSQL identity).
pub type ExchangeId = i64;

/// What the guard did with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Forwarded as received (findings, if any, logged and annotated).
    Forwarded,
    /// Forwarded after look-alikes were folded and invisibles stripped.
    Normalized,
    /// Answered with an error in the provider's shape; not forwarded.
    Blocked,
    /// Not forwarded for another reason: upstream outside the allowlist,
    /// body over the limit, unreadable request.
    Refused,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Forwarded,
        Action::Normalized,
        Action::Blocked,
        Action::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Forwarded => "forwarded",
            Action::Normalized => "normalized",
            Action::Blocked => "blocked",
            Action::Refused => "refused",
        }
    }

    /// Whether the request went on to the upstream.
    pub fn is_forwarded(self) -> bool {
        matches!(self, Action::Forwarded | Action::Normalized)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Action, String> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown action `{s}` (forwarded, normalized, blocked, refused)")
            })
    }
}

/// One edit `normalize` made to a forwarded body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    /// Prompt part or JSON pointer of the string.
    pub place: String,
    /// Byte offset in the request body as received.
    pub offset: u64,
    /// What was there and what replaced it, hidden characters written out.
    pub before: String,
    pub after: String,
}

/// The request half of an exchange, as the guard saw it before forwarding.
/// Secrets are removed by [`crate::Redactor::seal`] before any of it is
/// written; the store accepts only sealed rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewExchange {
    /// Unique across every guard writing into the same store.
    pub uid: String,
    /// Unix time in microseconds when the request arrived.
    pub started_at_us: i64,
    /// Which guard wrote it (`--name`, default host name and listen address).
    pub guard: String,
    pub client_addr: String,
    /// The agent: its `User-Agent`.
    pub agent: String,
    /// A session id the agent sent in its headers, if any.
    pub session: Option<String>,
    pub method: String,
    /// Path and query as received.
    pub path: String,
    /// Base URL of the upstream it went (or would have gone) to.
    pub upstream: String,
    /// Provider API (`anthropic.messages`), if recognised.
    pub api: Option<String>,
    pub model: Option<String>,
    pub request_headers: Vec<(String, String)>,
    /// The body as received (before any normalisation). Shared, not
    /// copied: the guard forwards the same buffer it records (a 120 KB
    /// body copied per request was a copy and an allocation on the request
    /// path). Serialised as the `Vec<u8>` it was before.
    #[serde(with = "body_bytes")]
    pub request_body: bytes::Bytes,
    pub findings: Vec<Finding>,
    pub action: Option<Action>,
    /// Why the action was taken (the policy's reason, or the refusal).
    pub reason: Option<String>,
    pub edits: Vec<Edit>,
}

/// `request_body` (de)serialised exactly as a `Vec<u8>` was.
mod body_bytes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(b: &bytes::Bytes, s: S) -> Result<S::Ok, S::Error> {
        b.as_ref().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bytes::Bytes, D::Error> {
        Vec::<u8>::deserialize(d).map(bytes::Bytes::from)
    }
}

/// How an exchange ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    /// The response body ended normally.
    Complete,
    /// The client went away before the response ended.
    ClientCancelled,
    /// The upstream could not be reached, or its body broke off.
    UpstreamFailed,
    /// Answered by the guard itself (block, refusal).
    Local,
}

impl Completion {
    pub fn as_str(self) -> &'static str {
        match self {
            Completion::Complete => "complete",
            Completion::ClientCancelled => "client_cancelled",
            Completion::UpstreamFailed => "upstream_failed",
            Completion::Local => "local",
        }
    }

    pub fn parse(s: &str) -> Option<Completion> {
        [
            Completion::Complete,
            Completion::ClientCancelled,
            Completion::UpstreamFailed,
            Completion::Local,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The response, reassembled from what passed through (a copy: nothing was
/// held back from the client).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub text: String,
    pub complete: bool,
    pub error: Option<String>,
    pub model: Option<String>,
    pub stop_reason: Option<String>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub tool_calls: Vec<String>,
    pub events: usize,
    pub truncated: bool,
}

/// The second half of an exchange, appended when the response ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub ended_at_us: i64,
    pub status: Option<u16>,
    /// Microseconds from the request's arrival to the response's end.
    pub latency_us: i64,
    /// Microseconds from arrival to the response's first body byte.
    pub first_byte_us: Option<i64>,
    pub response_headers: Vec<(String, String)>,
    pub response: Option<ResponseRecord>,
    pub response_bytes: u64,
    pub completion: Completion,
    /// Findings only the outcome can add (drift across requests).
    pub findings: Vec<Finding>,
    pub error: Option<String>,
}

/// A stored exchange, both halves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub id: ExchangeId,
    #[serde(flatten)]
    pub request: NewExchange,
    /// `None` while the response is still running, or when the guard died
    /// before it ended (the row still proves the request was forwarded).
    pub outcome: Option<Outcome>,
}

impl Exchange {
    /// Request findings, then outcome findings.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.request
            .findings
            .iter()
            .chain(self.outcome.iter().flat_map(|o| o.findings.iter()))
    }
}

/// One form of a templated line, as drift detection learned it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftForm {
    /// Agent key (product of the user agent, version dropped).
    pub agent: String,
    /// Hash of the line's template (variable parts masked, look-alikes folded).
    pub template: String,
    /// Hash of this exact form (code points of everything not masked).
    pub form: String,
    /// The line as first seen in this form (redacted like everything else).
    pub sample: String,
    /// The agent version (user agent) that first sent it.
    pub agent_version: String,
    pub first_exchange: String,
    pub first_seen_us: i64,
    pub guard: String,
}

/// `plainsight audit list` filters; every field narrows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Substring of the user agent.
    pub agent: Option<String>,
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
    /// A rule code (`PS620`) that must be among the findings.
    pub rule: Option<String>,
    /// Findings at or above this severity.
    pub min_severity: Option<Severity>,
    pub action: Option<Action>,
    /// Only rows with an id above this (paging, oldest first).
    pub after_id: Option<ExchangeId>,
    /// Only rows with an id below this (paging back, newest first).
    pub before_id: Option<ExchangeId>,
    /// The exchange with this uid (what drift findings name).
    pub uid: Option<String>,
    /// Latest written first (by id, highest first; with `limit`: the
    /// latest rows, with `before_id`: the page before), instead of oldest
    /// first by time.
    pub newest_first: bool,
    pub limit: Option<u64>,
}
