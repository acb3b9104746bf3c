//! The gateway end to end, in process: a loopback mock provider, the guard
//! in front of it, real HTTP clients (HTTP/1.1 and HTTP/2), a real store.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use plainsight_guard::mock::{MockConfig, MockProvider};
use plainsight_guard::{Annotate, GuardConfig, Mode, NoEvents, RunningGuard, Upstream};
use plainsight_store::{Action, Completion, Filter, OpenMode, StoreUrl};

const MARKED: &str = r#"{"model":"claude-x","stream":true,"max_tokens":100,"system":[{"type":"text","text":"You are a coding agent. It's your job to help. Don't guess. It's fine to ask."}],"messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>\nToday\u02b9s date is 2026/11/28.\n</system-reminder>"},{"type":"text","text":"Hello there, what's new? It's a test."}]},{"role":"assistant","content":[{"type":"thinking","thinking":"It\u02b9s signed","signature":"sig=="},{"type":"text","text":"Fine."}]}]}"#;

fn clean() -> String {
    MARKED
        .replace(
            "Today\\u02b9s date is 2026/11/28",
            "Today's date is 2026-11-27",
        )
        .replace("It\\u02b9s signed", "It's signed")
}

struct Setup {
    mock: MockProvider,
    guard: Option<RunningGuard>,
    store: StoreUrl,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn new(configure: impl FnOnce(&mut GuardConfig)) -> Setup {
        let mock = MockProvider::start(
            0,
            MockConfig {
                text: "Hello from the mock".into(),
                ..MockConfig::default()
            },
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = StoreUrl::Sqlite(dir.path().join("audit.sqlite3"));
        let mut cfg = GuardConfig::new(store.clone());
        cfg.listen = "127.0.0.1:0".parse().unwrap();
        cfg.name = "test-guard".into();
        cfg.upstreams = vec![Upstream::parse(&mock.url()).unwrap()];
        configure(&mut cfg);
        let guard = plainsight_guard::start(cfg, Arc::new(NoEvents))
            .await
            .unwrap();
        Setup {
            mock,
            guard: Some(guard),
            store,
            dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.guard.as_ref().unwrap().addr)
    }

    async fn flush(&self) {
        self.guard.as_ref().unwrap().flush().await;
    }

    fn rows(&self) -> Vec<plainsight_store::Exchange> {
        let mut s = plainsight_store::open(&self.store, OpenMode::Read).unwrap();
        s.list(&Filter::default()).unwrap()
    }
}

fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// The answer carries the inspection's alerts (the marked request's PS505),
/// not `x-plainsight-inspection: pending`.
fn assert_alerted(headers: &http::HeaderMap) {
    let alerts = headers["x-plainsight-alerts"].to_str().unwrap();
    assert!(alerts.contains("PS505"), "{alerts}");
    assert!(!headers.contains_key("x-plainsight-inspection"));
}

/// The stored row says it was forwarded under `observe`.
fn assert_observed(x: &plainsight_store::Exchange) {
    let reason = x.request.reason.as_deref().unwrap();
    assert!(reason.starts_with("observed:"), "{reason}");
}

async fn post(
    url: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, http::HeaderMap, Bytes) {
    let mut req = Request::post(url)
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .header("user-agent", "claude-cli/2.1.91 (external, cli)");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client()
        .request(req.body(Full::new(Bytes::from(body.to_owned()))).unwrap())
        .await
        .unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_through_unchanged_and_logs_the_answer() {
    let s = Setup::new(|_| {}).await;
    let direct = post(&format!("{}/v1/messages", s.mock.url()), &clean(), &[]).await;
    let via = post(&s.url("/v1/messages?beta=true"), &clean(), &[]).await;
    assert_eq!(via.0, StatusCode::OK);
    // Byte for byte, but for the message id (the mock numbers its replies).
    let id = |b: &Bytes| {
        let s = String::from_utf8(b.to_vec()).unwrap();
        let at = s.find("msg_").unwrap();
        format!("{}{}", &s[..at], &s[at + 28..])
    };
    assert_eq!(
        id(&via.2),
        id(&direct.2),
        "the SSE stream passes byte for byte"
    );
    assert_eq!(via.1["content-type"], "text/event-stream");
    assert!(via.1.contains_key("x-plainsight-exchange"));
    assert!(
        !via.1.contains_key("x-plainsight-alerts"),
        "clean: no alert"
    );
    // The mock received exactly what the agent sent.
    let got = s.mock.requests();
    assert_eq!(got[1].body, Bytes::from(clean()));
    assert_eq!(got[1].path, "/v1/messages?beta=true");
    s.flush().await;
    let rows = s.rows();
    assert_eq!(rows.len(), 1);
    let x = &rows[0];
    assert_eq!(x.request.action, Some(Action::Forwarded));
    assert_eq!(x.request.api.as_deref(), Some("anthropic.messages"));
    assert_eq!(x.request.model.as_deref(), Some("claude-x"));
    assert_eq!(x.request.request_body, clean().as_bytes());
    let o = x.outcome.as_ref().expect("outcome written");
    assert_eq!(o.completion, Completion::Complete);
    assert_eq!(o.status, Some(200));
    let r = o.response.as_ref().unwrap();
    assert_eq!(r.text, "Hello from the mock");
    assert!(r.complete);
    assert!(o.first_byte_us.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_annotates_and_forwards_the_marker() {
    let s = Setup::new(|c| c.annotate = Annotate::Wait).await;
    let (status, headers, _) = post(&s.url("/v1/messages"), MARKED, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_alerted(&headers);
    assert_eq!(s.mock.count(), 1);
    s.flush().await;
    let x = &s.rows()[0];
    assert_observed(x);
    assert!(x.request.findings.iter().any(|f| f.rule.code() == "PS505"));
}

/// The default `annotate = ready`: the answer does not wait for the
/// inspection. In front of an upstream slower than inspection (as every
/// provider is) the alerts header is there; against one that answers at
/// once, the answer carries either the alerts or `x-plainsight-inspection:
/// pending`, never neither; the stored row is complete either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_answers_without_waiting_for_inspection() {
    let s = Setup::new(|_| {}).await;
    let (status, headers, _) = post(
        &s.url("/v1/messages"),
        MARKED,
        &[("x-mock-head-delay-ms", "300")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_alerted(&headers);
    for _ in 0..20 {
        let (status, headers, _) = post(&s.url("/v1/messages"), MARKED, &[]).await;
        assert_eq!(status, StatusCode::OK);
        match (
            headers.get("x-plainsight-alerts"),
            headers.get("x-plainsight-inspection"),
        ) {
            (Some(a), None) => assert!(a.to_str().unwrap().contains("PS505")),
            (None, Some(p)) => assert_eq!(p, "pending"),
            other => panic!("alerts xor pending, got {other:?}"),
        }
    }
    assert_eq!(s.mock.count(), 21);
    s.flush().await;
    let rows = s.rows();
    assert_eq!(rows.len(), 21);
    for x in &rows {
        assert!(x.request.findings.iter().any(|f| f.rule.code() == "PS505"));
        assert_observed(x);
        assert_eq!(x.request.model.as_deref(), Some("claude-x"));
        assert!(x.outcome.is_some());
    }
}

/// An upstream that answers at once and then streams slowly: the
/// inspection was deferred past the head (round 12), and must not wait for
/// the end of the answer: it starts with the first frame after
/// `INSPECT_YIELD`, so the row is stored, complete, while the answer is
/// still streaming.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_stream_does_not_hold_back_its_inspection() {
    let s = Setup::new(|_| {}).await;
    let req = Request::post(s.url("/v1/messages"))
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .header("user-agent", "claude-cli/2.1.91 (external, cli)")
        .header("x-mock-delay-ms", "150")
        .body(Full::new(Bytes::from(MARKED)))
        .unwrap();
    let resp = client().request(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert!(first.is_data());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = s.rows();
        if rows
            .first()
            .is_some_and(|x| x.request.findings.iter().any(|f| f.rule.code() == "PS505"))
        {
            assert!(rows[0].outcome.is_none(), "the answer has not ended");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the inspection waited for the end of the answer"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The answer is still streaming, and ends whole.
    let rest = body.collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&rest).contains("message_stop"));
    s.flush().await;
    let x = &s.rows()[0];
    assert_observed(x);
    assert_eq!(x.outcome.as_ref().unwrap().completion, Completion::Complete);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_answers_in_the_provider_shape_and_forwards_nothing() {
    let s = Setup::new(|c| c.policy.mode = Mode::Block).await;
    let (status, _, body) = post(&s.url("/v1/messages"), MARKED, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("U+02B9 MODIFIER LETTER PRIME"), "{msg}");
    assert!(msg.contains("messages[0].content[0].text"), "{msg}");
    assert_eq!(s.mock.count(), 0, "nothing forwarded");
    // A clean request passes.
    let (status, _, _) = post(&s.url("/v1/messages"), &clean(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    // OpenAI-shaped refusal for an OpenAI request.
    let chat = r#"{"model":"m","messages":[{"role":"user","content":"Today\u02b9s date. It's fine. It's ok. It's here."}]}"#;
    let resp = client()
        .request(
            Request::post(s.url("/v1/chat/completions"))
                .header("authorization", "Bearer sk-test")
                .body(Full::new(Bytes::from(chat)))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let v: serde_json::Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(v["error"]["code"], "plainsight_guard");
    s.flush().await;
    let rows = s.rows();
    assert_eq!(rows[0].request.action, Some(Action::Blocked));
    assert_eq!(
        rows[0].outcome.as_ref().unwrap().completion,
        Completion::Local
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normalize_edits_in_place_and_leaves_signed_blocks() {
    let s = Setup::new(|c| c.policy.mode = Mode::Normalize).await;
    let (status, _, _) = post(&s.url("/v1/messages"), MARKED, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let sent = &s.mock.requests()[0];
    let expected = MARKED.replacen("Today\\u02b9s", "Today's", 1);
    assert_eq!(
        std::str::from_utf8(&sent.body).unwrap(),
        expected,
        "only the marker changed, the signed thinking block kept its U+02B9"
    );
    let cl = sent
        .headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .unwrap();
    assert_eq!(cl.1, expected.len().to_string());
    s.flush().await;
    let x = &s.rows()[0];
    assert_eq!(x.request.action, Some(Action::Normalized));
    assert_eq!(x.request.edits.len(), 1);
    // The row keeps the body as received.
    assert_eq!(x.request.request_body, MARKED.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_allowlist_refuses_and_logs() {
    let s = Setup::new(|c| {
        c.upstreams[0].family = Some(plainsight_providers::Family::Anthropic);
    })
    .await;
    let resp = client()
        .request(
            Request::get(s.url("/telemetry/collect"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.mock.count(), 0);
    s.flush().await;
    let x = &s.rows()[0];
    assert_eq!(x.request.action, Some(Action::Refused));
    assert_eq!(x.request.findings[0].rule.code(), "PS622");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_errors_pass_through_verbatim() {
    let s = Setup::new(|_| {}).await;
    let direct = post(
        &format!("{}/v1/messages", s.mock.url()),
        &clean(),
        &[("x-mock-status", "529")],
    )
    .await;
    let via = post(
        &s.url("/v1/messages"),
        &clean(),
        &[("x-mock-status", "529")],
    )
    .await;
    assert_eq!(via.0.as_u16(), 529);
    assert_eq!(via.2, direct.2);
    s.flush().await;
    let x = &s.rows()[0];
    let o = x.outcome.as_ref().unwrap();
    assert_eq!(o.status, Some(529));
    assert!(o.response.as_ref().unwrap().error.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_upstream_is_a_provider_shaped_502() {
    let s = Setup::new(|c| {
        c.upstreams = vec![Upstream::parse("http://127.0.0.1:9").unwrap()];
    })
    .await;
    let (status, _, body) = post(&s.url("/v1/messages"), &clean(), &[]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["type"], "error");
    s.flush().await;
    let o = s.rows()[0].outcome.clone().unwrap();
    assert_eq!(o.completion, Completion::UpstreamFailed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_across_requests_is_named() {
    let s = Setup::new(|_| {}).await;
    post(&s.url("/v1/messages"), &clean(), &[]).await;
    s.flush().await;
    post(&s.url("/v1/messages"), MARKED, &[]).await;
    s.flush().await;
    let rows = s.rows();
    assert!(rows[0].outcome.as_ref().unwrap().findings.is_empty());
    let drift: Vec<_> = rows[1]
        .outcome
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .filter(|f| f.rule.code() == "PS620")
        .collect();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(drift[0].message.contains("U+02B9"), "{}", drift[0].message);
    assert!(
        drift[0].message.contains("`-` → `/`"),
        "{}",
        drift[0].message
    );
    assert!(drift[0].notes[0].contains(&rows[0].request.uid));
    // A restarted guard still knows the forms: the marker is not new.
    let mut s = s;
    let cfg_store = s.store.clone();
    s.guard
        .take()
        .unwrap()
        .shutdown(Duration::from_secs(1))
        .await;
    let mut cfg = GuardConfig::new(cfg_store);
    cfg.listen = "127.0.0.1:0".parse().unwrap();
    cfg.upstreams = vec![Upstream::parse(&s.mock.url()).unwrap()];
    s.guard = Some(
        plainsight_guard::start(cfg, Arc::new(NoEvents))
            .await
            .unwrap(),
    );
    post(&s.url("/v1/messages"), MARKED, &[]).await;
    s.flush().await;
    let rows = s.rows();
    assert_eq!(rows.len(), 3);
    assert!(
        !rows[2]
            .outcome
            .as_ref()
            .unwrap()
            .findings
            .iter()
            .any(|f| f.rule.code() == "PS620")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_store_file() {
    let s = Setup::new(|_| {}).await;
    let key = "sk-ant-api03-Zy9xW8vU7tS6rQ5pO4nM3lK2jI1hG0fE";
    let gh = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
    let body = clean().replace(
        "Hello there",
        &format!("my token is {gh} and db postgres://me:Sup3rS3cret@db/x"),
    );
    post(
        &s.url("/v1/messages?key=AIzaSyA1234567890abcdefghijklmnopqrstuv"),
        &body,
        &[
            ("x-api-key", key),
            (
                "authorization",
                "Bearer sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789",
            ),
        ],
    )
    .await;
    s.flush().await;
    // The upstream got the real credentials.
    let sent = &s.mock.requests()[0];
    assert!(
        sent.headers
            .iter()
            .any(|(k, v)| k == "x-api-key" && v == key)
    );
    // The store has none of them, in any file (the journal included).
    let dir = s.dir.path();
    let mut journals = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        journals += usize::from(path.to_string_lossy().contains("-pending-"));
        let bytes = std::fs::read(path).unwrap();
        for secret in [
            key,
            gh,
            "Sup3rS3cret",
            "AIzaSyA1234567890",
            "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789",
        ] {
            assert!(
                memchr::memmem::find(&bytes, secret.as_bytes()).is_none(),
                "{secret} in the store"
            );
        }
    }
    assert_eq!(journals, 1, "the guard's journal was read too");
    let x = &s.rows()[0];
    assert!(x.request.path.contains("key=[REDACTED:param-key:"));
    let body = String::from_utf8(x.request.request_body.to_vec()).unwrap();
    assert!(body.contains("[REDACTED:github-token:"));
    serde_json::from_str::<serde_json::Value>(&body).expect("still JSON");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_clients_and_cancellation() {
    let s = Setup::new(|_| {}).await;
    // HTTP/2 with prior knowledge (h2c).
    let h2: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build(HttpConnector::new());
    let resp = h2
        .request(
            Request::post(s.url("/v1/messages"))
                .header("anthropic-version", "2023-06-01")
                .body(Full::new(Bytes::from(clean())))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.version(), http::Version::HTTP_2);
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(body.ends_with(b"data: {\"type\":\"message_stop\"}\n\n"));
    // A client that goes away mid-stream: the outcome says so.
    let resp = client()
        .request(
            Request::post(s.url("/v1/messages"))
                .header("anthropic-version", "2023-06-01")
                .header("x-mock-delay-ms", "200")
                .body(Full::new(Bytes::from(clean())))
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = resp.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert!(first.data_ref().is_some());
    drop(body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.flush().await;
    let rows = s.rows();
    assert_eq!(
        rows[1].outcome.as_ref().unwrap().completion,
        Completion::ClientCancelled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_uninspectable_bodies() {
    let s = Setup::new(|c| c.max_body = 1000).await;
    let (status, _, body) = post(&s.url("/v1/messages"), &"x".repeat(2000), &[]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(String::from_utf8_lossy(&body).contains("max_body"));
    let (status, _, _) = post(&s.url("/v1/messages"), "{\"model\": ", &[]).await;
    // Forwarded (observe), but never called clean.
    assert_eq!(status, StatusCode::OK);
    s.flush().await;
    let rows = s.rows();
    assert_eq!(rows[0].request.action, Some(Action::Refused));
    assert_eq!(rows[1].request.findings[0].rule.code(), "PS621");
}

/// Many guards, one PostgreSQL: rows from both, drift learned by one is
/// known to the next, and a database that goes away fails closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guards_share_one_postgres_and_fail_closed_without_it() {
    let pg = match tokio::task::spawn_blocking(plainsight_store::testing::TempPostgres::start)
        .await
        .unwrap()
    {
        Ok(pg) => pg,
        Err(why) => {
            eprintln!("skipped: PostgreSQL unavailable: {why}");
            return;
        }
    };
    let (pg, url) = tokio::task::spawn_blocking(move || {
        let url = pg.create_db("guards").unwrap();
        (pg, url)
    })
    .await
    .unwrap();
    let store = StoreUrl::Postgres(url);
    let mock = MockProvider::start(0, MockConfig::default()).await.unwrap();
    let start = |name: &'static str| {
        let mut cfg = GuardConfig::new(store.clone());
        cfg.listen = "127.0.0.1:0".parse().unwrap();
        cfg.name = name.into();
        cfg.upstreams = vec![Upstream::parse(&mock.url()).unwrap()];
        plainsight_guard::start(cfg, Arc::new(NoEvents))
    };
    let a = start("laptop-a").await.unwrap();
    let (status, _, _) = post(&format!("http://{}/v1/messages", a.addr), &clean(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    a.flush().await;
    // Guard B starts after A learned the clean form: the marker is drift on B.
    let b = start("laptop-b").await.unwrap();
    post(&format!("http://{}/v1/messages", b.addr), MARKED, &[]).await;
    b.flush().await;
    let rows = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            let mut s = plainsight_store::open(&store, OpenMode::Read).unwrap();
            s.list(&Filter::default()).unwrap()
        })
        .await
        .unwrap()
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].request.guard, "laptop-a");
    assert_eq!(rows[1].request.guard, "laptop-b");
    let drift = rows[1]
        .outcome
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .any(|f| f.rule.code() == "PS620");
    assert!(drift, "guard B knew guard A's form");
    // The database goes away: requests are refused, not forwarded unlogged.
    let before = mock.count();
    tokio::task::spawn_blocking(move || drop(pg)).await.unwrap();
    let (status, _, body) = post(&format!("http://{}/v1/messages", b.addr), &clean(), &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(String::from_utf8_lossy(&body).contains("audit store"));
    assert_eq!(mock.count(), before, "nothing forwarded without its row");
    a.shutdown(Duration::from_secs(1)).await;
    b.shutdown(Duration::from_secs(1)).await;
}

/// SQLite (journaled): a store that refuses writes fails the following
/// requests closed, the rows already journaled are not lost, and once the
/// store takes writes again they are stored and requests pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_store_that_refuses_writes_fails_closed_and_loses_nothing() {
    let s = Setup::new(|_| {}).await;
    let path = s.dir.path().join("audit.sqlite3");
    let admin = rusqlite::Connection::open(&path).unwrap();
    admin
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON exchanges \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
        )
        .unwrap();
    // Journaled, so forwarded; the writer then finds the store refusing.
    let (status, _, _) = post(&s.url("/v1/messages"), &clean(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let before = s.mock.count();
        let (status, _, body) = post(&s.url("/v1/messages"), &clean(), &[]).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(String::from_utf8_lossy(&body).contains("audit store"));
            assert_eq!(s.mock.count(), before, "refused, not forwarded");
            break true;
        }
        assert!(std::time::Instant::now() < deadline, "never failed closed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(refused);
    let forwarded = s.mock.count();
    admin.execute_batch("DROP TRIGGER refuse").unwrap();
    // The writer retries: every forwarded row is stored, and requests pass.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, _) = post(&s.url("/v1/messages"), &clean(), &[]).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.flush().await;
    let rows = s.rows();
    assert_eq!(
        rows.len() as u64,
        forwarded + 1,
        "every forwarded request has its row, refused ones none"
    );
}
