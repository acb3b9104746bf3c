//! What the capture server records: every HTTP exchange, every name looked
//! up, every connection that was not HTTP or failed its TLS handshake.

use serde::{Deserialize, Serialize};

/// One HTTP request the agent made and the answer it got.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// Order of arrival within the run (request headers complete).
    pub seq: u64,
    /// Milliseconds since the capture server started.
    pub t_ms: u64,
    pub method: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Host the request was for: the `Host` header, else the TLS SNI, else
    /// the name the destination address was handed out for.
    pub host: String,
    pub port: u16,
    /// Path and query, as sent.
    pub path: String,
    pub http_version: String,
    pub headers: Vec<(String, String)>,
    /// The body after content decoding (gzip, deflate), as text when it is
    /// UTF-8; else base64 in `body_base64`.
    pub body: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_base64: bool,
    /// Bytes of the body as received (before content decoding).
    pub body_size: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    /// A content encoding that could not be decoded (body kept as received).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undecoded_encoding: Option<String>,
    /// Arrived through the capture proxy (CONNECT tunnel or absolute-form request).
    pub via_proxy: bool,
    /// TLS SNI, when the connection was TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Destination the agent connected to (inside the sandbox).
    pub dest: String,
    /// Provider API recognised (`anthropic.messages`, …), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    pub response: ResponseRecord,
}

/// The answer given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// One DNS question the sandbox's resolver answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsQuery {
    pub name: String,
    /// Record type (`A`, `AAAA`, `HTTPS`, or the number).
    pub qtype: String,
    /// Address handed out, if any.
    pub answer: Option<String>,
}

/// A connection that did not carry HTTP we could read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawConnection {
    pub dest: String,
    /// Name the destination stands for (DNS answer or SNI), if known.
    pub host: Option<String>,
    pub via_proxy: bool,
    /// What happened: `tls-handshake-failed: …`, `not-http`, …
    pub what: String,
    /// First bytes the agent sent, made printable.
    pub first_bytes: String,
}

impl Exchange {
    /// A header value by name (case-insensitive), first occurrence.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without its query string.
    pub fn path_only(&self) -> &str {
        self.path.split_once('?').map_or(&self.path, |(p, _)| p)
    }
}
