//! A loopback mock provider for tests, benchmarks and capturing real agents
//! (not a production component): answers every API `plainsight-providers`
//! knows with its exact reply shape, streams SSE piece by piece, and keeps
//! every request it received.
//!
//! Test hooks, by request header: `x-mock-status: 529` answers with that
//! status in the provider's error shape; `x-mock-delay-ms: 50` waits before
//! each streamed piece (time to first byte, cancellation);
//! `x-mock-head-delay-ms: 50` waits before the response head (a provider's
//! time to answer).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use bytes::Bytes;
use http::{Request, Response, header};
use http_body_util::BodyExt;
use plainsight_providers::{ErrorKind, MockBody, MockParams, family_from_headers, recognise};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// One request the mock received.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Captured {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Bytes,
    /// The body as text (lossy), for capture files.
    pub body_text: String,
}

/// What the mock says.
#[derive(Clone, Debug)]
pub struct MockConfig {
    pub text: String,
    /// Write each request as `NNNN.json` here (capturing real agents).
    pub capture_dir: Option<PathBuf>,
    /// Keep requests in memory (tests).
    pub keep: bool,
}

impl Default for MockConfig {
    fn default() -> MockConfig {
        MockConfig {
            text: "OK".into(),
            capture_dir: None,
            keep: true,
        }
    }
}

struct MockState {
    cfg: MockConfig,
    seen: Mutex<Vec<Captured>>,
    count: AtomicU64,
}

/// A running mock; stops when dropped.
pub struct MockProvider {
    pub addr: SocketAddr,
    state: Arc<MockState>,
    stop: Option<oneshot::Sender<()>>,
}

impl MockProvider {
    /// Starts on `127.0.0.1:port` (0 = any free port).
    pub async fn start(port: u16, cfg: MockConfig) -> std::io::Result<MockProvider> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(MockState {
            cfg,
            seen: Mutex::new(Vec::new()),
            count: AtomicU64::new(0),
        });
        let app = Router::new().fallback(reply).with_state(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let listener = axum::serve::ListenerExt::tap_io(listener, |s| {
            let _ = s.set_nodelay(true);
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(MockProvider {
            addr,
            state,
            stop: Some(stop),
        })
    }

    /// The base URL agents and guards point at.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Captured> {
        self.state.seen.lock().expect("not poisoned").clone()
    }

    pub fn count(&self) -> u64 {
        self.state.count.load(Ordering::Relaxed)
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn reply(State(st): State<Arc<MockState>>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
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
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let n = st.count.fetch_add(1, Ordering::Relaxed);
    let captured = Captured {
        method: parts.method.to_string(),
        path: path.clone(),
        headers: headers.clone(),
        body_text: String::from_utf8_lossy(&body).into_owned(),
        body: body.clone(),
    };
    if let Some(dir) = &st.cfg.capture_dir {
        let _ = std::fs::create_dir_all(dir);
        if let Ok(json) = serde_json::to_vec_pretty(&captured) {
            let _ = std::fs::write(dir.join(format!("{n:04}.json")), json);
        }
    }
    if st.cfg.keep {
        st.seen.lock().expect("not poisoned").push(captured);
    }
    let hint = family_from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let delay = header("x-mock-delay-ms")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    if let Some(d) = header("x-mock-head-delay-ms").and_then(|v| v.parse::<u64>().ok()) {
        tokio::time::sleep(Duration::from_millis(d)).await;
    }
    let Some(route) = recognise(parts.method.as_str(), &path, hint) else {
        return json(plainsight_providers::error_response(
            hint,
            ErrorKind::NotFound,
            "mock: unknown path",
            None,
        ));
    };
    if let Some(status) = header("x-mock-status").and_then(|v| v.parse::<u16>().ok()) {
        let kind = match status {
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            413 => ErrorKind::TooLarge,
            429 => ErrorKind::RateLimited,
            500 => ErrorKind::Internal,
            502 => ErrorKind::BadGateway,
            503 | 529 => ErrorKind::Unavailable,
            _ => ErrorKind::InvalidRequest,
        };
        let mut e = plainsight_providers::error_response(
            Some(route.api.family()),
            kind,
            "mock: error on request",
            None,
        );
        e.status = status;
        return json(e);
    }
    let params = MockParams {
        text: &st.cfg.text,
        id_seed: n + 1,
        ..MockParams::default()
    };
    let r = plainsight_providers::mock_reply(&route, &body, &params);
    let builder = Response::builder()
        .status(r.status)
        .header(header::CONTENT_TYPE, r.content_type);
    match r.body {
        MockBody::Full(b) => builder.body(Body::from(b)).expect("valid response"),
        MockBody::Stream(parts) => {
            let stream = futures_stream(parts, delay);
            builder
                .header(header::CACHE_CONTROL, "no-cache")
                .body(Body::from_stream(stream))
                .expect("valid response")
        }
    }
}

fn futures_stream(
    parts: Vec<Vec<u8>>,
    delay: Option<Duration>,
) -> impl tokio_stream_like::Stream<Item = Result<Bytes, Infallible>> {
    tokio_stream_like::from_parts(parts, delay)
}

fn json(e: plainsight_providers::ErrorResponse) -> Response<Body> {
    Response::builder()
        .status(e.status)
        .header(header::CONTENT_TYPE, e.content_type)
        .body(Body::from(e.body))
        .expect("valid response")
}

/// A minimal stream of pieces with an optional pause before each (no
/// futures crate needed for one stream type).
mod tokio_stream_like {
    use std::convert::Infallible;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use bytes::Bytes;
    pub use futures_core::Stream;

    pub struct Parts {
        pieces: std::vec::IntoIter<Vec<u8>>,
        delay: Option<Duration>,
        sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    }

    pub fn from_parts(parts: Vec<Vec<u8>>, delay: Option<Duration>) -> Parts {
        Parts {
            pieces: parts.into_iter(),
            delay,
            sleep: None,
        }
    }

    impl Stream for Parts {
        type Item = Result<Bytes, Infallible>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            if let Some(d) = self.delay {
                if self.sleep.is_none() {
                    self.sleep = Some(Box::pin(tokio::time::sleep(d)));
                }
                if let Some(s) = &mut self.sleep
                    && s.as_mut().poll(cx).is_pending()
                {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            Poll::Ready(self.pieces.next().map(|p| Ok(Bytes::from(p))))
        }
    }
}
