//! What the guard tells its operator. The library never prints: the CLI
//! implements [`EventSink`] and decides what to show (by default only
//! alerts, blocks, drift and store trouble: quiet on clean traffic).

use std::net::SocketAddr;

use plainsight_core::Finding;
use plainsight_store::{Action, ExchangeId};

/// One exchange, once the policy decided.
#[derive(Clone, Debug)]
pub struct ExchangeEvent {
    pub id: Option<ExchangeId>,
    pub uid: String,
    pub method: String,
    pub path: String,
    pub agent: String,
    pub action: Action,
    pub reason: Option<String>,
    /// Findings the policy counts as alerts.
    pub alerts: Vec<Finding>,
    /// All findings (alerts included).
    pub findings: usize,
    pub edits: usize,
}

#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    Listening {
        addr: SocketAddr,
        tls: bool,
    },
    Exchange(Box<ExchangeEvent>),
    Drift {
        id: ExchangeId,
        agent: String,
        finding: Box<Finding>,
    },
    /// A write failed; what happens to requests depends on `store_failure`.
    StoreError(String),
    StoreRecovered,
    /// Forwarded without an audit row (`store_failure = "open"`).
    FailedOpen {
        path: String,
        error: String,
    },
}

/// Receives events; called from request tasks and writer threads.
pub trait EventSink: Send + Sync {
    fn event(&self, e: &Event);
}

/// Drops every event.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn event(&self, _: &Event) {}
}
