//! `plainsight guard`: a gateway between agents and providers.
//!
//! Teams point their agents' base URL at the guard; the guard forwards each
//! request to a configured upstream (the egress allowlist), streams the
//! answer back untouched, inspects every request with the text engine,
//! applies a [`policy`], and writes an audit log ([`plainsight_store`]):
//!
//! ```text
//! agent ──► router (axum; pages may mount under /_plainsight)
//!            └─ proxy::handle: route ─► read body (bounded) ─► inspect ─► policy
//!                 ─► recorder.begin (sealed: redacted; COMMITTED) ─► forward (hyper, rustls)
//!                 ◄─ TeeBody: frames passed through as they come, copied to a Reassembler
//!                 ─► recorder.finish ─► drift thread (PS620) ─► writer thread (outcome)
//! ```
//!
//! Design choices, briefly (details in each module and in
//! `docs/ARCHITECTURE.md`):
//! - **Commit before forward.** Nothing reaches an upstream without its row
//!   committed (SQLite WAL with `synchronous=NORMAL` survives `kill -9`); a
//!   store that cannot write fails closed unless told to fail open.
//! - **The hot path does only what the decision needs**: bounded read,
//!   inspection, the policy, redaction, one group commit. Reassembly of the
//!   answer is a copy on the side; parsing it, and drift detection, run on
//!   their own thread after the body ended.
//! - **Provider-shaped errors**: an agent refused by the guard shows the
//!   reason the way it shows any provider error.

pub mod config;
pub mod drift;
pub mod events;
pub mod mock;
pub mod policy;
pub mod proxy;
pub mod recorder;
pub mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{Annotate, GuardConfig, StoreFailure, Upstream};
pub use events::{Event, EventSink, ExchangeEvent, NoEvents};
pub use policy::{Mode, Policy};

/// Why the guard could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    #[error("{place}: {message}")]
    Config { place: String, message: String },
    #[error("listening on {addr}: {message}")]
    Listen { addr: SocketAddr, message: String },
    #[error("TLS: {0}")]
    Tls(String),
    #[error(transparent)]
    Store(#[from] plainsight_store::StoreError),
}

/// The HTTP client for upstreams: HTTP/1.1 and HTTP/2 (ALPN) over rustls
/// with the ring provider and Mozilla's roots, plain HTTP for loopback
/// mocks; `TCP_NODELAY`, pooled keep-alive connections.
pub fn client() -> Result<proxy::HttpClient, GuardError> {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| GuardError::Tls(e.to_string()))?
    .with_root_certificates(rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    })
    .with_no_client_auth();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .build(https))
}

/// A running guard.
pub struct RunningGuard {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    recorder: Arc<recorder::Recorder>,
}

impl std::fmt::Debug for RunningGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningGuard")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Opens the store, binds the listener and starts serving.
pub async fn start(
    cfg: GuardConfig,
    events: Arc<dyn EventSink>,
) -> Result<RunningGuard, GuardError> {
    cfg.validate()?;
    let store = cfg.store.clone();
    let name = cfg.name.clone();
    let max_templates = cfg.max_templates;
    let ev = events.clone();
    let recorder = tokio::task::spawn_blocking(move || {
        recorder::Recorder::start(&store, &name, max_templates, ev)
    })
    .await
    .map_err(|e| GuardError::Config {
        place: "store".into(),
        message: e.to_string(),
    })??;
    let recorder = Arc::new(recorder);
    let tls = cfg.tls.as_ref().map(server::tls_config).transpose()?;
    let listener = TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| GuardError::Listen {
            addr: cfg.listen,
            message: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| GuardError::Listen {
        addr: cfg.listen,
        message: e.to_string(),
    })?;
    let state = Arc::new(proxy::GuardState::new(
        cfg,
        client()?,
        recorder.clone(),
        events.clone(),
    ));
    let app = server::router(state).into_make_service_with_connect_info::<server::ClientAddr>();
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = async {
        let _ = stopped.await;
    };
    let tls_on = tls.is_some();
    let task = if let Some(cfg) = tls {
        let l = server::TlsListener::new(listener, cfg).map_err(|e| GuardError::Listen {
            addr,
            message: e.to_string(),
        })?;
        tokio::spawn(async move {
            let _ = axum::serve(l, app).with_graceful_shutdown(shutdown).await;
        })
    } else {
        let l = server::PlainListener(listener);
        tokio::spawn(async move {
            let _ = axum::serve(l, app).with_graceful_shutdown(shutdown).await;
        })
    };
    events.event(&Event::Listening { addr, tls: tls_on });
    Ok(RunningGuard {
        addr,
        stop: Some(stop),
        task,
        recorder,
    })
}

impl RunningGuard {
    /// Waits until everything recorded so far is written (tests, shutdown).
    pub async fn flush(&self) {
        self.recorder.flush().await;
    }

    /// Stops accepting, lets running exchanges end (up to `grace`), writes
    /// what is queued.
    pub async fn shutdown(mut self, grace: Duration) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = tokio::time::timeout(grace, &mut self.task).await;
        self.recorder.flush().await;
    }

    /// Serves until the task ends (it ends only through `shutdown`).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}
