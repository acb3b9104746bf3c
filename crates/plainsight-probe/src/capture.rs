//! The capture server inside a sandbox: every TCP connection on every
//! listened port, TLS or not, through the capture proxy or not, becomes a
//! recorded [`Exchange`] answered by the mock provider (or a plausible empty
//! `200`), or a [`RawConnection`] when it is not HTTP.
//!
//! A connection's first byte decides: `0x16` is a TLS ClientHello (the SNI
//! picks the certificate, minted on the spot), an ASCII letter is HTTP/1 or
//! the HTTP/2 preface, anything else is kept as raw bytes. The capture proxy
//! answers `CONNECT` with `200` and runs the same sniffing inside the tunnel,
//! and serves absolute-form requests directly; everything recorded through it
//! is marked `via_proxy`, which is how a proxy bypass is told apart.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::Read as _;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use plainsight_providers::{MockBody, MockParams, family_from_headers, mock_reply, recognise};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::dns::AddressBook;
use crate::record::{DnsQuery, Exchange, RawConnection, ResponseRecord};
use crate::tls::Minter;

/// Largest response body kept in a record.
const MAX_RESPONSE_KEPT: usize = 64 * 1024;
/// How long a connection may stay silent before its first byte.
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(10);

/// State shared by every listener of one sandbox.
pub struct Shared {
    start: Instant,
    seq: AtomicU64,
    pub exchanges: Mutex<Vec<Exchange>>,
    pub raw: Mutex<Vec<RawConnection>>,
    pub dns: Mutex<Vec<DnsQuery>>,
    pub book: Mutex<AddressBook>,
    minter: Minter,
    reply_text: String,
    max_body: usize,
    max_exchanges: usize,
    pub dropped: AtomicUsize,
    /// Requests being handled right now (the helper waits for them at the end).
    pub in_flight: AtomicUsize,
}

impl Shared {
    pub fn new(
        minter: Minter,
        reply_text: String,
        max_body: usize,
        max_exchanges: usize,
    ) -> Shared {
        Shared {
            start: Instant::now(),
            seq: AtomicU64::new(0),
            exchanges: Mutex::new(Vec::new()),
            raw: Mutex::new(Vec::new()),
            dns: Mutex::new(Vec::new()),
            book: Mutex::new(AddressBook::default()),
            minter,
            reply_text,
            max_body,
            max_exchanges,
            dropped: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn name_of(&self, ip: IpAddr) -> Option<String> {
        let v4 = match ip {
            IpAddr::V4(a) => a,
            IpAddr::V6(a) => a.to_ipv4_mapped()?,
        };
        lock(&self.book).name_of(v4).map(str::to_owned)
    }

    fn record_raw(&self, r: RawConnection) {
        let mut raw = lock(&self.raw);
        if raw.len() < self.max_exchanges {
            raw.push(r);
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where a connection came in and what is known about its destination.
#[derive(Clone, Debug)]
struct ConnCtx {
    dest: SocketAddr,
    /// Name behind the destination (DNS answer, CONNECT target).
    host_hint: Option<String>,
    port: u16,
    via_proxy: bool,
    sni: Option<String>,
    tls: bool,
}

/// Accepts connections on `listener` for as long as the runtime lives.
pub async fn serve(shared: Arc<Shared>, listener: TcpListener, proxy: bool) {
    loop {
        let Ok((stream, _peer)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let dest = stream
                .local_addr()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
            let ctx = ConnCtx {
                dest,
                host_hint: shared.name_of(dest.ip()),
                port: dest.port(),
                via_proxy: false,
                sni: None,
                tls: false,
            };
            if proxy {
                serve_http(shared, stream, ctx, true).await;
            } else {
                sniff(shared, stream, ctx).await;
            }
        });
    }
}

/// Decides TLS / HTTP / raw from the first bytes and serves accordingly.
fn sniff<S>(
    shared: Arc<Shared>,
    mut stream: S,
    ctx: ConnCtx,
) -> Pin<Box<dyn Future<Output = ()> + Send>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    Box::pin(async move {
        let mut first = vec![0u8; 1];
        let n = match tokio::time::timeout(FIRST_BYTE_TIMEOUT, stream.read(&mut first)).await {
            Ok(Ok(n)) => n,
            _ => 0,
        };
        if n == 0 {
            return;
        }
        let stream = Prefixed::new(first.clone(), stream);
        if first[0] == 0x16 {
            serve_tls(shared, stream, ctx).await;
        } else if first[0].is_ascii_uppercase() {
            serve_http(shared, stream, ctx, false).await;
        } else {
            raw_connection(shared, stream, ctx, "not-http".to_owned()).await;
        }
    })
}

async fn serve_tls<S>(shared: Arc<Shared>, stream: S, mut ctx: ConnCtx)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let acceptor =
        tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), stream);
    let start = match tokio::time::timeout(FIRST_BYTE_TIMEOUT, acceptor).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            shared.record_raw(RawConnection {
                dest: ctx.dest.to_string(),
                host: ctx.host_hint.clone(),
                via_proxy: ctx.via_proxy,
                what: format!("tls-client-hello-unreadable: {e}"),
                first_bytes: String::new(),
            });
            return;
        }
        Err(_) => return,
    };
    let hello = start.client_hello();
    let sni = hello.server_name().map(str::to_owned);
    let alpn: Vec<Vec<u8>> = hello
        .alpn()
        .map(|it| it.map(<[u8]>::to_vec).collect())
        .unwrap_or_default();
    let name = sni
        .clone()
        .or_else(|| ctx.host_hint.clone())
        .unwrap_or_else(|| ctx.dest.ip().to_string());
    let config = match shared.minter.config_for(&name, &alpn) {
        Ok(c) => c,
        Err(e) => {
            shared.record_raw(RawConnection {
                dest: ctx.dest.to_string(),
                host: Some(name),
                via_proxy: ctx.via_proxy,
                what: format!("tls-certificate-not-minted: {e}"),
                first_bytes: String::new(),
            });
            return;
        }
    };
    match start.into_stream(config).await {
        Ok(tls) => {
            ctx.sni = sni;
            ctx.tls = true;
            serve_http(shared, tls, ctx, false).await;
        }
        Err(e) => shared.record_raw(RawConnection {
            dest: ctx.dest.to_string(),
            host: Some(name),
            via_proxy: ctx.via_proxy,
            what: format!(
                "tls-handshake-failed: {e} (the client does not trust the sandbox CA: certificate pinning or its own trust store)"
            ),
            first_bytes: String::new(),
        }),
    }
}

async fn raw_connection<S>(shared: Arc<Shared>, mut stream: S, ctx: ConnCtx, what: String)
where
    S: AsyncRead + Unpin,
{
    let mut buf = vec![0u8; 4096];
    let mut have = 0;
    while have < buf.len() {
        match tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf[have..])).await
        {
            Ok(Ok(n)) if n > 0 => have += n,
            _ => break,
        }
    }
    buf.truncate(have);
    shared.record_raw(RawConnection {
        dest: ctx.dest.to_string(),
        host: ctx.host_hint.clone(),
        via_proxy: ctx.via_proxy,
        what,
        first_bytes: printable(&buf),
    });
}

/// Bytes as text with everything outside printable ASCII escaped.
pub fn printable(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for &c in b {
        if (0x20..0x7f).contains(&c) {
            s.push(c as char);
        } else {
            let _ = write!(s, "\\x{c:02x}");
        }
    }
    s
}

async fn serve_http<S>(shared: Arc<Shared>, stream: S, ctx: ConnCtx, proxy: bool)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
        let shared = Arc::clone(&shared);
        let ctx = ctx.clone();
        async move { Ok::<_, Infallible>(handle(shared, ctx, req, proxy).await) }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let _ = builder
        .serve_connection_with_upgrades(TokioIo::new(stream), svc)
        .await;
}

type Body = Full<Bytes>;

async fn handle(
    shared: Arc<Shared>,
    ctx: ConnCtx,
    req: Request<Incoming>,
    proxy: bool,
) -> Response<Body> {
    shared.in_flight.fetch_add(1, Ordering::SeqCst);
    let resp = handle_inner(&shared, ctx, req, proxy).await;
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    resp
}

async fn handle_inner(
    shared: &Arc<Shared>,
    ctx: ConnCtx,
    req: Request<Incoming>,
    proxy: bool,
) -> Response<Body> {
    if req.method() == hyper::Method::CONNECT {
        let authority = req
            .uri()
            .authority()
            .map(|a| (a.host().to_owned(), a.port_u16().unwrap_or(443)));
        let Some((host, port)) = authority else {
            return simple(400, "text/plain", "CONNECT needs host:port");
        };
        let shared2 = Arc::clone(shared);
        let dest = ctx.dest;
        tokio::spawn(async move {
            if let Ok(up) = hyper::upgrade::on(req).await {
                let inner = ConnCtx {
                    dest,
                    host_hint: Some(host),
                    port,
                    via_proxy: true,
                    sni: None,
                    tls: false,
                };
                sniff(shared2, TokioIo::new(up), inner).await;
            }
        });
        return simple(200, "text/plain", "");
    }
    let seq = shared.seq.fetch_add(1, Ordering::SeqCst);
    let t_ms = shared.start.elapsed().as_millis() as u64;
    let (parts, body) = req.into_parts();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let absolute = parts.uri.scheme().is_some() && parts.uri.host().is_some();
    let via_proxy = ctx.via_proxy || (proxy && absolute);
    let host_header = parts.uri.host().map(str::to_owned).or_else(|| {
        parts
            .headers
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(|h| {
                h.rsplit_once(':')
                    .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
                    .map_or(h, |(n, _)| n)
                    .to_owned()
            })
    });
    let host = host_header
        .or_else(|| ctx.sni.clone())
        .or_else(|| ctx.host_hint.clone())
        .unwrap_or_else(|| ctx.dest.ip().to_string());
    let port = if absolute {
        parts.uri.port_u16().unwrap_or(80)
    } else {
        ctx.port
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let scheme = if absolute {
        parts.uri.scheme_str().unwrap_or("http").to_owned()
    } else if ctx.tls {
        "https".to_owned()
    } else {
        "http".to_owned()
    };
    // Body, bounded.
    let mut raw = Vec::new();
    let mut size: u64 = 0;
    let mut truncated = false;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            size += data.len() as u64;
            let room = shared.max_body.saturating_sub(raw.len());
            if data.len() > room {
                truncated = true;
            }
            raw.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    let encoding = parts
        .headers
        .get(hyper::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let (decoded, undecoded) = decode_body(&raw, encoding.as_deref(), shared.max_body);
    let hint = family_from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let route = recognise(parts.method.as_str(), &path, hint);
    let (status, content_type, reply_body) = match &route {
        Some(route) => {
            let params = MockParams {
                text: &shared.reply_text,
                id_seed: 1,
                ..MockParams::default()
            };
            let r = mock_reply(route, &decoded, &params);
            let bytes = match r.body {
                MockBody::Full(b) => b,
                MockBody::Stream(parts) => parts.concat(),
            };
            (r.status, r.content_type, bytes)
        }
        None => (200, "application/json", b"{}".to_vec()),
    };
    let head = parts.method == hyper::Method::HEAD;
    let (body_text, body_base64) = match String::from_utf8(decoded) {
        Ok(s) => (s, false),
        Err(e) => {
            use base64::Engine as _;
            (
                base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
                true,
            )
        }
    };
    let ex = Exchange {
        seq,
        t_ms,
        method: parts.method.as_str().to_owned(),
        scheme,
        host,
        port,
        path,
        http_version: format!("{:?}", parts.version),
        headers,
        body: body_text,
        body_base64,
        body_size: size,
        body_truncated: truncated,
        undecoded_encoding: undecoded,
        via_proxy,
        sni: ctx.sni.clone(),
        dest: ctx.dest.to_string(),
        api: route.as_ref().map(|r| r.api.as_str().to_owned()),
        response: ResponseRecord {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: String::from_utf8_lossy(&reply_body[..reply_body.len().min(MAX_RESPONSE_KEPT)])
                .into_owned(),
        },
    };
    {
        let mut all = lock(&shared.exchanges);
        if all.len() < shared.max_exchanges {
            all.push(ex);
        } else {
            shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
    let mut resp = Response::builder()
        .status(status)
        .header(hyper::header::CONTENT_TYPE, content_type);
    if content_type == "text/event-stream" {
        resp = resp.header(hyper::header::CACHE_CONTROL, "no-cache");
    }
    if status == 200 && route.is_some() {
        resp = resp.header("request-id", "req_mock_0001");
    }
    let body = if head {
        Bytes::new()
    } else {
        Bytes::from(reply_body)
    };
    resp.body(Full::new(body))
        .unwrap_or_else(|_| simple(500, "text/plain", ""))
}

fn simple(status: u16, ct: &str, body: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    if let Ok(v) = hyper::header::HeaderValue::from_str(ct) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// Undoes `gzip`/`deflate` content coding, bounded by `limit`; other codings
/// are kept as received and named.
pub fn decode_body(raw: &[u8], encoding: Option<&str>, limit: usize) -> (Vec<u8>, Option<String>) {
    let Some(enc) = encoding
        .map(str::trim)
        .filter(|e| !e.is_empty() && *e != "identity")
    else {
        return (raw.to_vec(), None);
    };
    let mut out = Vec::new();
    let ok = match enc {
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(raw)
            .take(limit as u64)
            .read_to_end(&mut out)
            .is_ok(),
        "deflate" => {
            let zlib = flate2::read::ZlibDecoder::new(raw)
                .take(limit as u64)
                .read_to_end(&mut out)
                .is_ok();
            zlib || {
                out.clear();
                flate2::read::DeflateDecoder::new(raw)
                    .take(limit as u64)
                    .read_to_end(&mut out)
                    .is_ok()
            }
        }
        _ => false,
    };
    if ok {
        (out, None)
    } else {
        (raw.to_vec(), Some(enc.to_owned()))
    }
}

/// A stream that first yields bytes already read from it.
struct Prefixed<S> {
    prefix: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    fn new(prefix: Vec<u8>, inner: S) -> Prefixed<S> {
        Prefixed {
            prefix,
            at: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.at < self.prefix.len() {
            let n = (self.prefix.len() - self.at).min(buf.remaining());
            let at = self.at;
            buf.put_slice(&self.prefix[at..at + n]);
            self.at += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The DNS responder on UDP and TCP port 53 of `addr`.
pub async fn serve_dns_udp(shared: Arc<Shared>, sock: tokio::net::UdpSocket) {
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
            continue;
        };
        let (reply, rec) = {
            let mut book = lock(&shared.book);
            crate::dns::respond(&buf[..n], &mut book)
        };
        if let Some(rec) = rec {
            lock(&shared.dns).push(rec);
        }
        if let Some(reply) = reply {
            let _ = sock.send_to(&reply, peer).await;
        }
    }
}

/// DNS over TCP (length-prefixed messages).
pub async fn serve_dns_tcp(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt as _;
            loop {
                let mut len = [0u8; 2];
                if s.read_exact(&mut len).await.is_err() {
                    return;
                }
                let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
                if s.read_exact(&mut msg).await.is_err() {
                    return;
                }
                let (reply, rec) = {
                    let mut book = lock(&shared.book);
                    crate::dns::respond(&msg, &mut book)
                };
                if let Some(rec) = rec {
                    lock(&shared.dns).push(rec);
                }
                let Some(reply) = reply else { return };
                let mut out = (reply.len() as u16).to_be_bytes().to_vec();
                out.extend_from_slice(&reply);
                if s.write_all(&out).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Binds `port` on every address (dual-stack where IPv6 exists).
pub fn bind_any(port: u16) -> std::io::Result<std::net::TcpListener> {
    match std::net::TcpListener::bind(("::", port)) {
        Ok(l) => Ok(l),
        Err(_) => std::net::TcpListener::bind(("0.0.0.0", port)),
    }
}

/// Kept for the tests: a connection's destination as a plain stream.
pub type Stream = TcpStream;
