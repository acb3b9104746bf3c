//! Listening: plain TCP or TLS (rustls on ring, HTTP/2 and HTTP/1.1 by
//! ALPN), one axum router, graceful shutdown.
//!
//! The router's fallback is the proxy, so every path is forwarded unless a
//! page claims it: the web view (`guard --ui`) will mount its pages under
//! one reserved prefix ([`UI_PREFIX`]) on the same router.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::GuardError;
use crate::config::TlsFiles;
use crate::proxy::{GuardState, handle};

/// The client's address, for every listener kind.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, PlainListener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, PlainListener>) -> ClientAddr {
        *stream.remote_addr()
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> ClientAddr {
        *stream.remote_addr()
    }
}

/// Plain TCP for `axum::serve`, `TCP_NODELAY` on, addresses as [`ClientAddr`].
pub struct PlainListener(pub TcpListener);

impl axum::serve::Listener for PlainListener {
    type Io = TcpStream;
    type Addr = ClientAddr;

    async fn accept(&mut self) -> (TcpStream, ClientAddr) {
        loop {
            match self.0.accept().await {
                Ok((s, a)) => {
                    let _ = s.set_nodelay(true);
                    return (s, ClientAddr(a));
                }
                // Out of file descriptors and the like: wait, as axum does.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<ClientAddr> {
        self.0.local_addr().map(ClientAddr)
    }
}

/// Paths under this prefix are reserved for the guard's own pages.
pub const UI_PREFIX: &str = "/_plainsight";

/// The guard's router: the proxy as fallback, room for pages.
pub fn router(state: Arc<GuardState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// Loads a certificate chain and key (PEM) into a rustls server config.
pub fn tls_config(files: &TlsFiles) -> Result<rustls::ServerConfig, GuardError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| GuardError::Tls(format!("{what}: {e}"));
    let certs: Vec<_> = rustls_pemfile::certs(&mut io::BufReader::new(
        std::fs::File::open(&files.cert).map_err(|e| bad(&files.cert.display().to_string(), &e))?,
    ))
    .collect::<Result<_, _>>()
    .map_err(|e| bad(&files.cert.display().to_string(), &e))?;
    if certs.is_empty() {
        return Err(GuardError::Tls(format!(
            "{}: no certificate in the file",
            files.cert.display()
        )));
    }
    let key = rustls_pemfile::private_key(&mut io::BufReader::new(
        std::fs::File::open(&files.key).map_err(|e| bad(&files.key.display().to_string(), &e))?,
    ))
    .map_err(|e| bad(&files.key.display().to_string(), &e))?
    .ok_or_else(|| {
        GuardError::Tls(format!(
            "{}: no private key in the file",
            files.key.display()
        ))
    })?;
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| bad("TLS versions", &e))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| bad("certificate and key", &e))?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// A TLS listener for `axum::serve`: handshakes run in their own tasks, so
/// a slow client cannot hold up accepting others.
pub struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, ClientAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, cfg: rustls::ServerConfig) -> io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(Arc::new(cfg));
        let (tx, rx) = mpsc::channel(128);
        tokio::spawn(async move {
            loop {
                let Ok((sock, addr)) = tcp.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = sock.set_nodelay(true);
                let acceptor = acceptor.clone();
                let tx2 = tx.clone();
                tokio::spawn(async move {
                    let hs = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(sock));
                    if let Ok(Ok(tls)) = hs.await {
                        let _ = tx2.send((tls, ClientAddr(addr))).await;
                    }
                });
                if tx.is_closed() {
                    return;
                }
            }
        });
        Ok(TlsListener { rx, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = ClientAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(c) => c,
            // The accept loop only ends when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<ClientAddr> {
        Ok(ClientAddr(self.local))
    }
}
