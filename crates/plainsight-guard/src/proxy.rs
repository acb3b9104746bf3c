//! The request path: route, read (bounded), inspect, judge, record, forward,
//! stream the answer back.
//!
//! Order matters and is the guarantee: the request row is **committed
//! before a byte goes upstream**; the answer streams back frame by frame as
//! it arrives (no buffering), copied on the side into a bounded
//! [`Reassembler`] for the log; the outcome is appended when the body ends,
//! errors, or the client goes away ([`TeeBody`]'s `Drop`). Dropping the
//! response body drops the upstream body, which closes that connection:
//! cancellation propagates both ways.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use plainsight_core::chars::make_visible;
use plainsight_core::{Finding, Location, Rule, Severity};
use plainsight_inspect::{InputFormat, InspectError, InspectOptions};
use plainsight_providers::{ErrorKind, Family, Reassembler, Route};
use plainsight_store::{Action, Completion, Edit, NewExchange, Outcome, ResponseRecord};
use tokio::sync::oneshot;

use crate::config::{Annotate, GuardConfig, StoreFailure, Upstream};
use crate::events::{Event, EventSink, ExchangeEvent};
use crate::policy::{Mode, Policy, Verdict};
use crate::recorder::{DeferredJob, Finished, Prompt, PromptSlot, Recorder, RowRef, prompt_of};
use crate::server::ClientAddr;

pub type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Everything a request needs, shared.
pub struct GuardState {
    pub cfg: GuardConfig,
    pub client: HttpClient,
    pub recorder: Arc<Recorder>,
    pub events: Arc<dyn EventSink>,
    uid_prefix: String,
    seq: AtomicU64,
    inspect: InspectOptions,
    /// No finding can make the policy block or normalize.
    observe_only: bool,
}

impl GuardState {
    pub fn new(
        cfg: GuardConfig,
        client: HttpClient,
        recorder: Arc<Recorder>,
        events: Arc<dyn EventSink>,
    ) -> GuardState {
        let inspect = InspectOptions {
            format: InputFormat::Json,
            max_size: cfg.max_inspect as u64,
            ..InspectOptions::default()
        };
        let cfg_observe_only = cfg.policy.observes_only();
        GuardState {
            cfg,
            client,
            recorder,
            events,
            uid_prefix: plainsight_store::random_hex(4).unwrap_or_else(|_| "00000000".into()),
            seq: AtomicU64::new(0),
            inspect,
            observe_only: cfg_observe_only,
        }
    }

    fn uid(&self, started_us: i64) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("{started_us:x}-{}-{n}", self.uid_prefix)
    }
}

/// Headers a proxy must not forward (RFC 9110 §7.6.1), plus `host`, set
/// from the upstream URL.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
    )
}

/// Header names agents use for a session id.
const SESSION_HEADERS: &[&str] = &[
    "x-claude-code-session-id",
    "session_id",
    "session-id",
    "x-session-id",
    "conversation_id",
    "x-conversation-id",
];

fn header_pairs(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Where a request goes.
struct Target<'a> {
    upstream: &'a Upstream,
    uri: Uri,
    route: Option<Route>,
}

/// Picks the upstream: a path prefix first, then the provider family of a
/// recognised API, then the default upstream (one without family or
/// prefix). Anything else is refused (the egress allowlist).
fn target<'a>(
    cfg: &'a GuardConfig,
    method: &Method,
    uri: &Uri,
    version: http::Version,
    family_hint: Option<Family>,
) -> Result<Target<'a>, String> {
    if method == Method::CONNECT {
        return Err(format!(
            "CONNECT {} refused: the guard is not a tunnel",
            uri.authority().map_or("?", |a| a.as_str())
        ));
    }
    // HTTP/2 always carries :scheme and :authority; in HTTP/1 an absolute
    // URI is a proxy request for another host.
    if version < http::Version::HTTP_2 && (uri.scheme().is_some() || uri.authority().is_some()) {
        return Err(format!(
            "{method} {uri} refused: proxy-style requests for other hosts are not forwarded"
        ));
    }
    let pq = uri.path_and_query().map_or("/", |p| p.as_str());
    let path = uri.path();
    for up in &cfg.upstreams {
        if let Some(p) = &up.prefix
            && (path == p || path.starts_with(&format!("{p}/")))
        {
            let rest = &pq[p.len()..];
            let rest = if rest.is_empty() || rest.starts_with('?') {
                format!("/{rest}")
            } else {
                rest.to_owned()
            };
            let route = plainsight_providers::recognise(method.as_str(), &rest, family_hint);
            return Ok(Target {
                upstream: up,
                uri: join(up, &rest)?,
                route,
            });
        }
    }
    let route = plainsight_providers::recognise(method.as_str(), pq, family_hint);
    let by_family = route.as_ref().and_then(|r| {
        cfg.upstreams
            .iter()
            .find(|u| u.prefix.is_none() && u.family == Some(r.api.family()))
    });
    let default = || {
        cfg.upstreams
            .iter()
            .find(|u| u.prefix.is_none() && u.family.is_none())
    };
    match by_family.or_else(default) {
        Some(up) => Ok(Target {
            upstream: up,
            uri: join(up, pq)?,
            route,
        }),
        None => Err(format!(
            "{method} {path} refused: no configured upstream for {}",
            route.as_ref().map_or("this path".to_owned(), |r| format!(
                "{} requests",
                r.api.family().as_str()
            ))
        )),
    }
}

fn join(up: &Upstream, path_and_query: &str) -> Result<Uri, String> {
    format!("{}{}{}", up.origin, up.base_path, path_and_query)
        .parse()
        .map_err(|e| format!("forwarding to {}: {e}", up.url()))
}

/// A provider-shaped error response.
fn error_reply(family: Option<Family>, kind: ErrorKind, message: &str) -> Response<Body> {
    let e = plainsight_providers::error_response(family, kind, message, Some("plainsight_guard"));
    Response::builder()
        .status(e.status)
        .header(header::CONTENT_TYPE, e.content_type)
        .header("x-plainsight", "guard")
        .body(Body::from(e.body))
        .expect("a valid response")
}

fn finding(rule: Rule, message: String, part: Option<String>) -> Finding {
    Finding::new(
        rule,
        message,
        Location {
            path: "request".into(),
            part,
            ..Location::default()
        },
    )
}

/// Lines that say what an alert is and where, for a block message.
fn describe_alerts(findings: &[Finding], alerts: &[usize]) -> String {
    let mut parts = Vec::new();
    for &i in alerts.iter().take(5) {
        let f = &findings[i];
        let chars: Vec<String> = f
            .chars
            .iter()
            .map(|c| format!("{} {}", c.codepoint, c.name))
            .collect();
        let place = f
            .location
            .part
            .clone()
            .or_else(|| f.location.json_pointer.clone())
            .unwrap_or_else(|| "body".into());
        let excerpt = f.excerpt.as_ref().map_or(String::new(), |e| {
            format!(" in \"{}\"", make_visible(&e.text).text)
        });
        parts.push(format!(
            "{} {} at {} line {}:{}{}{}",
            f.rule.code(),
            f.rule.name(),
            place,
            f.location.start.line,
            f.location.start.column,
            if chars.is_empty() {
                String::new()
            } else {
                format!(" ({})", chars.join(", "))
            },
            excerpt
        ));
    }
    if alerts.len() > 5 {
        parts.push(format!("and {} more", alerts.len() - 5));
    }
    parts.join("; ")
}

/// JSON pointers of strings normalisation must not touch: everything inside
/// an object that carries a signature or encrypted content (Anthropic
/// thinking blocks, OpenAI reasoning items): rewriting one half of a signed
/// pair makes the provider answer 400.
fn signed_prefixes(body: &[u8]) -> Vec<String> {
    fn walk(v: &serde_json::Value, ptr: &mut String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if m.contains_key("signature")
                    || m.contains_key("encrypted_content")
                    || m.get("type").and_then(|t| t.as_str()) == Some("redacted_thinking")
                {
                    out.push(ptr.clone());
                    return;
                }
                for (k, v) in m {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(v, ptr, out);
                    ptr.truncate(len);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    walk(v, ptr, out);
                    ptr.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        walk(&v, &mut String::new(), &mut out);
    }
    out
}

/// What the policy made of one request body.
#[derive(Debug)]
pub struct Judged {
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    pub action: Action,
    pub reason: Option<String>,
    pub edits: Vec<Edit>,
    /// The body to forward when it differs from the one received.
    pub forward: Option<Bytes>,
    /// The body's strings as inspection decoded them (what drift
    /// detection reads, so the body is not decoded twice).
    pub prompt: Prompt,
    /// Whether inspection read the body (a JSON document within
    /// `max_inspect`); `model` is only known then.
    pub inspected: bool,
    /// The top-level `model` string, from inspection's strings (the body
    /// is not parsed again for it).
    pub model: Option<String>,
}

/// The top-level `"model"` string of a request body, from its decoded
/// strings (what `plainsight_providers::request_meta` reads with serde).
fn model_of(doc: &plainsight_inspect::document::Document<'_>) -> Option<String> {
    doc.segments
        .iter()
        .find(|s| {
            s.kind == plainsight_inspect::json::StringKind::Value
                && s.carrier.is_none()
                && s.path.len() == 1
                && s.path
                    .last()
                    .and_then(plainsight_inspect::path::PathSeg::key)
                    == Some("model")
        })
        .map(|s| s.text.to_string())
}

/// The request-body path: inspection, the policy's verdict, and for
/// `normalize` the edited body (signed fields left alone). Pure: no I/O.
pub fn judge_body(
    body: &Bytes,
    policy: &Policy,
    opts: &InspectOptions,
    method: &Method,
    path: &str,
) -> Judged {
    let mut findings = Vec::new();
    let mut prompt = Prompt::default();
    let mut inspected = false;
    let mut model = None;
    if !body.is_empty() {
        match plainsight_inspect::inspect_document("request", body, opts) {
            Ok((f, doc)) => {
                findings = f;
                inspected = true;
                model = model_of(&doc);
                prompt = prompt_of(doc, body);
            }
            Err(e) => findings.push(uninspectable(&e, method, path)),
        }
    }
    let verdict = policy.judge(&findings);
    let mut out = Judged {
        findings: Vec::new(),
        verdict: Verdict::default(),
        action: Action::Forwarded,
        reason: None,
        edits: Vec::new(),
        forward: None,
        prompt,
        inspected,
        model,
    };
    if !verdict.alerts.is_empty() {
        let described = describe_alerts(&findings, &verdict.alerts);
        match verdict.mode {
            Mode::Observe => out.reason = Some(format!("observed: {described}")),
            Mode::Block => {
                out.action = Action::Blocked;
                out.reason = Some(format!("blocked: {described}"));
            }
            Mode::Normalize => {
                let keep = signed_prefixes(body);
                let is_kept = |p: &str| {
                    keep.iter().any(|k| {
                        p == k || (p.starts_with(k.as_str()) && p[k.len()..].starts_with('/'))
                    })
                };
                match plainsight_inspect::normalize_except(
                    "request",
                    body,
                    opts,
                    &plainsight_text::Policy::default(),
                    &is_kept,
                ) {
                    Ok((edited, edits)) if !edits.is_empty() => {
                        out.edits = edits.iter().map(edit_of).collect();
                        out.forward = Some(Bytes::from(edited));
                        out.action = Action::Normalized;
                        out.reason = Some(format!(
                            "normalized ({} edits): {described}",
                            out.edits.len()
                        ));
                    }
                    Ok(_) => {
                        out.reason = Some(format!(
                            "normalize found nothing it may fold; forwarded as received: {described}"
                        ));
                    }
                    Err(e) => {
                        out.reason = Some(format!(
                            "normalize failed ({e}); forwarded as received: {described}"
                        ));
                    }
                }
            }
        }
    }
    out.findings = findings;
    out.verdict = verdict;
    out
}

/// The request handler (axum fallback: every path not claimed by a page).
pub async fn handle(
    State(st): State<Arc<GuardState>>,
    ConnectInfo(ClientAddr(client)): ConnectInfo<ClientAddr>,
    req: Request<Body>,
) -> Response<Body> {
    match exchange(st, client, req).await {
        Ok(r) | Err(r) => r,
    }
}

/// One exchange; `Err` is an early answer (the store failed closed).
async fn exchange(
    st: Arc<GuardState>,
    client: std::net::SocketAddr,
    req: Request<Body>,
) -> Result<Response<Body>, Response<Body>> {
    let t0 = Instant::now();
    let started_us = now_us();
    let uid = st.uid(started_us);
    let (parts, body) = req.into_parts();
    let headers = header_pairs(&parts.headers);
    let hint = plainsight_providers::family_from_headers(
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let agent = parts
        .headers
        .get(header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let session = SESSION_HEADERS.iter().find_map(|h| {
        parts
            .headers
            .get(*h)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    });
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |p| p.as_str().to_owned());
    let mut row = NewExchange {
        uid: uid.clone(),
        started_at_us: started_us,
        guard: st.cfg.name.clone(),
        client_addr: client.to_string(),
        agent: agent.clone(),
        session,
        method: parts.method.to_string(),
        path: path.clone(),
        upstream: String::new(),
        api: None,
        model: None,
        request_headers: headers,
        request_body: Bytes::new(),
        findings: Vec::new(),
        action: None,
        reason: None,
        edits: Vec::new(),
    };

    // Route (the egress allowlist).
    let target = match target(&st.cfg, &parts.method, &parts.uri, parts.version, hint) {
        Ok(t) => t,
        Err(why) => {
            row.findings
                .push(finding(Rule::EgressRefused, why.clone(), None));
            return Ok(refuse(&st, row, hint, ErrorKind::Permission, &why, t0).await);
        }
    };
    row.upstream = target.upstream.url();
    row.api = target.route.as_ref().map(|r| r.api.as_str().to_owned());
    let family = target.route.as_ref().map(|r| r.api.family()).or(hint);

    // Read the body, bounded.
    let body = match Limited::new(body, st.cfg.max_body).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                let why = format!(
                    "request body over the guard's limit of {} bytes (max_body)",
                    st.cfg.max_body
                );
                return Ok(refuse(&st, row, family, ErrorKind::TooLarge, &why, t0).await);
            }
            // The client went away while sending: nothing to forward.
            let why = format!("reading the request body: {e}");
            return Ok(refuse(&st, row, family, ErrorKind::InvalidRequest, &why, t0).await);
        }
    };
    let carries_prompt = target
        .route
        .as_ref()
        .is_some_and(|r| r.api.carries_prompt());
    let method_s = row.method.clone();
    let label = Label {
        uid: &uid,
        method: &method_s,
        path: &path,
        agent: &agent,
    };
    // An `observe`-only policy on a journaled store forwards the request
    // while it is inspected: the row is journaled first (durable before
    // anything is forwarded), inspection runs beside the upstream round trip
    // (the response head waits for it only with `annotate = wait`, for
    // `x-plainsight-alerts`). The inspection completes the row before the
    // store writes it. Any policy that can block or normalize inspects
    // first, as below.
    let overlap = st.observe_only && !body.is_empty() && st.recorder.overlaps_inspection();
    let (id, forward_body, inspection) = if overlap {
        row.action = Some(Action::Forwarded);
        row.request_body = body.clone();
        let id = match st.recorder.begin_pending(row).await {
            Ok(id) => Some(id),
            Err(e) => store_failed(&st, family, &path, e).map_err(|r| *r)?,
        };
        let job = Beside {
            st: st.clone(),
            body: body.clone(),
            method: parts.method.clone(),
            path: path.clone(),
            uid: uid.clone(),
            route: target.route.clone(),
            carries_prompt,
            id,
        };
        (id, body.clone(), Inspection::Beside(job))
    } else {
        // Inspect and judge (the same function the fuzz target drives).
        let mut judged = judge_body(&body, &st.cfg.policy, &st.inspect, &parts.method, &path);
        if let Some(r) = &target.route {
            // The model name comes from inspection's strings; a body inspection
            // did not read (over `max_inspect`, not JSON) is parsed for it.
            row.model = if judged.inspected {
                judged.model.take().or_else(|| r.path_model.clone())
            } else {
                plainsight_providers::request_meta(r, &body).model
            };
        }
        row.findings = std::mem::take(&mut row.findings)
            .into_iter()
            .chain(judged.findings)
            .collect();
        let action = judged.action;
        row.reason = judged.reason;
        row.edits = judged.edits;
        let forward_body = judged.forward.unwrap_or_else(|| body.clone());
        row.action = Some(action);
        row.request_body = body.clone();
        let settled = Settled {
            alerts: alerts_of(&row.findings, &judged.verdict),
            findings: row.findings.len(),
            edits: row.edits.len(),
            reason: row.reason.clone(),
            action,
            prompt: carries_prompt.then_some(judged.prompt),
        };

        // Record: durable before anything is forwarded.
        let id = match st.recorder.begin(row).await {
            Ok(id) => Some(id),
            Err(e) => store_failed(&st, family, &path, e).map_err(|r| *r)?,
        };
        announce(&st, id, &label, &settled);

        if action == Action::Blocked {
            let msg = format!(
                "plainsight guard blocked this request: it carries characters that can hide a \
                 signal. {}",
                settled.reason.as_deref().unwrap_or("")
            );
            let resp = error_reply(family, ErrorKind::InvalidRequest, &msg);
            if let Some(id) = id {
                // Drift still learns from a blocked request: the day a marker
                // appears is worth knowing even when it was stopped.
                st.recorder.finish(Finished {
                    id,
                    uid,
                    agent,
                    started_at_us: started_us,
                    prompt: PromptSlot::Ready(settled.prompt),
                    reassembler: None,
                    outcome: local_outcome(&resp, &msg, t0, started_us),
                });
            }
            return Ok(resp);
        }
        (id, forward_body, Inspection::Done(settled))
    };

    // Forward.
    let mut up = Request::builder()
        .method(parts.method.clone())
        .uri(target.uri.clone())
        .version(http::Version::HTTP_11);
    if let Some(h) = up.headers_mut() {
        for (k, v) in &parts.headers {
            if hop_by_hop(k) || k == header::CONTENT_LENGTH {
                continue;
            }
            // Reassembly needs the bytes the provider sends, not gzip.
            if k == header::ACCEPT_ENCODING && target.route.is_some() {
                continue;
            }
            h.append(k.clone(), v.clone());
        }
        if !forward_body.is_empty() || parts.method == Method::POST {
            h.insert(
                header::CONTENT_LENGTH,
                HeaderValue::from(forward_body.len()),
            );
        }
    }
    let up = match up.body(Full::new(forward_body)) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("plainsight guard: cannot forward: {e}");
            let resp = error_reply(family, ErrorKind::BadGateway, &msg);
            inspection.settle(&st, id, &label).await;
            if let Some(id) = id {
                st.recorder
                    .finish_plain(id, failed_outcome(&resp, &msg, t0, started_us));
            }
            return Ok(resp);
        }
    };
    let (resp, inspection) = forward(&st, up, inspection, id, &label).await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            let msg = format!(
                "plainsight guard: upstream {} failed: {e}",
                target.upstream.url(),
            );
            let resp = error_reply(family, ErrorKind::BadGateway, &msg);
            inspection.settle(&st, id, &label).await;
            if let Some(id) = id {
                st.recorder
                    .finish_plain(id, failed_outcome(&resp, &msg, t0, started_us));
            }
            return Ok(resp);
        }
    };
    let (alerts, prompt, pending, start_by) = inspection.at_head(&st, id, &label).await;
    let (mut rparts, rbody) = resp.into_parts();
    let response_headers = header_pairs(&rparts.headers);
    rparts.headers.retain_hop_by_hop();
    if pending {
        rparts.headers.insert(
            "x-plainsight-inspection",
            HeaderValue::from_static("pending"),
        );
    }
    if !alerts.is_empty() {
        let codes: Vec<&str> = alerts.iter().map(|f| f.rule.code()).collect();
        if let Ok(v) = HeaderValue::from_str(&format!("{} ({})", alerts.len(), codes.join(", "))) {
            rparts.headers.insert("x-plainsight-alerts", v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&uid) {
        rparts.headers.insert("x-plainsight-exchange", v);
    }
    let content_type = rparts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let reassembler = target
        .route
        .as_ref()
        .map(|r| Reassembler::new(r.api, &content_type, 8 << 20));
    let tee = TeeBody {
        inner: rbody,
        reassembler,
        bytes: 0,
        first_byte_us: None,
        status: rparts.status,
        t0,
        done: None,
        start_by,
        finish: id.map(|id| FinishCtx {
            id,
            uid,
            agent,
            started_us,
            headers: response_headers,
            recorder: st.recorder.clone(),
            prompt,
        }),
    };
    Ok(Response::from_parts(rparts, Body::new(tee)))
}

/// Sends `up` while an `observe` inspection runs beside it. With
/// `annotate = ready` (the default) nothing waits for the inspection: the
/// answer goes back as soon as the upstream's head arrives, and the
/// inspection completes the row, announces its alerts and hands drift its
/// prompt when it is done. It runs in the blocking pool from
/// [`INSPECT_YIELD`] after the forward began if the head is not in by then
/// (any real provider); an upstream that answers sooner gets it deferred
/// to the end of the exchange, where the drift thread, woken for the
/// outcome anyway, runs it inline before reading its prompt (or to the
/// first frame after `INSPECT_YIELD` of an answer that keeps streaming).
/// On a loopback
/// upstream that answers in a fraction of a millisecond this took the
/// inspection (~0.55 ms of CPU for a 120 KB body) off the way to the first
/// byte; in front of a provider the head comes long after the inspection
/// ended, and the alerts header is there as with `wait`.
///
/// With `annotate = wait`, on a multi-threaded runtime the inspection runs on this request's own worker
/// ([`tokio::task::block_in_place`]: the worker's other tasks, the forward
/// among them, move to another thread meanwhile), so the request is
/// inspected from the first instant and its result needs no hand-off back;
/// running it in the blocking pool cost two thread wake-ups on the path to
/// the response head, which a loaded machine turned into milliseconds.
/// Elsewhere (a current-thread runtime) the blocking pool does it. Other
/// inspections were done before forwarding and are handed back as they are.
async fn forward(
    st: &Arc<GuardState>,
    up: Request<Full<Bytes>>,
    inspection: Inspection,
    id: Option<RowRef>,
    label: &Label<'_>,
) -> (Result<Response<hyper::body::Incoming>, String>, Inspection) {
    let sent = |r: Result<_, hyper_util::client::legacy::Error>| r.map_err(|e| error_chain(&e));
    let multi = tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread;
    match inspection {
        Inspection::Beside(job) if st.cfg.annotate == Annotate::Ready => {
            let (tx, rx) = oneshot::channel();
            let (alerts_tx, alerts_rx) = oneshot::channel();
            let (st2, label) = (st.clone(), label.owned());
            let work = DeferredJob::new(move || {
                let mut s = job.run();
                announce(&st2, id, &label.as_label(), &s);
                let _ = tx.send(s.prompt.take());
                let _ = alerts_tx.send(s.alerts);
            });
            let mut slot = PromptSlot::Deferred(work, rx);
            // The forward first: the inspection starts after `INSPECT_YIELD`
            // in the blocking pool if the upstream's head is not in by then;
            // if it is, it waits for the exchange to end (see `TeeBody`).
            let start_by = Instant::now() + INSPECT_YIELD;
            let req = st.client.request(up);
            tokio::pin!(req);
            let resp = tokio::select! {
                biased;
                r = &mut req => r,
                () = tokio::time::sleep_until(start_by.into()) => {
                    slot = slot.start();
                    req.await
                }
            };
            (sent(resp), Inspection::Detached(slot, alerts_rx, start_by))
        }
        Inspection::Beside(job) if multi => {
            // Dropping the exchange (the client went away) drops the
            // forward with it, as when it was awaited in place.
            let mut fwd = AbortOnDrop(tokio::spawn(st.client.request(up)));
            // A panic in inspection leaves the row to be stored with a
            // PS621 finding, as one in the blocking pool does.
            let settled = tokio::task::block_in_place(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run()))
            })
            .unwrap_or_else(|_| Settled::lost());
            announce(st, id, label, &settled);
            let resp = match (&mut fwd.0).await {
                Ok(r) => sent(r),
                Err(e) => Err(format!("the forward task failed: {e}")),
            };
            (resp, Inspection::Done(settled))
        }
        Inspection::Beside(job) => {
            let task = tokio::task::spawn_blocking(move || job.run());
            (sent(st.client.request(up).await), Inspection::Running(task))
        }
        done => (sent(st.client.request(up).await), done),
    }
}

/// How long an `observe` inspection (`annotate = ready`) yields the cores
/// to its own forward before it starts, unless the upstream's head comes
/// sooner. An upstream that answers within this is on the same machine or
/// next to it: the answer would say `pending` either way (inspecting 120 KB
/// takes ~0.5 ms of CPU), and running the inspection beside the forward
/// made the request compete with it for the cores — starting it at the head
/// took 0.35–0.6 ms off the loopback benchmark's added p50 (round 11).
/// In front of a provider, whose first byte takes tens to hundreds of
/// milliseconds, the inspection still ends long before the head. When the
/// head comes first, starting the inspection there still woke a thread
/// beside the answer being written; since round 12 it waits for the end.
const INSPECT_YIELD: Duration = Duration::from_millis(1);

/// A spawned task aborted when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An `observe` inspection of a request forwarded while it runs: it
/// completes the journaled row and says what to announce.
struct Beside {
    st: Arc<GuardState>,
    body: Bytes,
    method: Method,
    path: String,
    uid: String,
    route: Option<Route>,
    carries_prompt: bool,
    id: Option<RowRef>,
}

impl Beside {
    fn run(self) -> Settled {
        let Beside {
            st,
            body,
            method,
            path,
            uid,
            route,
            carries_prompt,
            id,
        } = self;
        let mut judged = judge_body(&body, &st.cfg.policy, &st.inspect, &method, &path);
        let model = route.as_ref().and_then(|r| {
            if judged.inspected {
                judged.model.take().or_else(|| r.path_model.clone())
            } else {
                plainsight_providers::request_meta(r, &body).model
            }
        });
        let settled = Settled {
            alerts: alerts_of(&judged.findings, &judged.verdict),
            findings: judged.findings.len(),
            edits: 0,
            reason: judged.reason.clone(),
            action: judged.action,
            prompt: carries_prompt.then_some(judged.prompt),
        };
        if let Some(id) = id {
            st.recorder.inspected(
                id,
                NewExchange {
                    uid,
                    findings: judged.findings,
                    reason: judged.reason,
                    model,
                    ..NewExchange::default()
                },
            );
        }
        settled
    }
}

/// What inspection decided, as the rest of the exchange needs it.
struct Settled {
    alerts: Vec<Finding>,
    findings: usize,
    edits: usize,
    reason: Option<String>,
    action: Action,
    prompt: Option<Prompt>,
}

impl Settled {
    /// An inspection that panicked: the row is stored with a PS621 finding
    /// (its inspection never arrives).
    fn lost() -> Settled {
        Settled {
            alerts: Vec::new(),
            findings: 0,
            edits: 0,
            reason: None,
            action: Action::Forwarded,
            prompt: None,
        }
    }
}

/// Inspection done before forwarding, to run beside the upstream, or
/// running beside it in the blocking pool — awaited before the response
/// head, or not (`Detached`: it announces itself and sends drift its
/// prompt).
enum Inspection {
    Done(Settled),
    Beside(Beside),
    Running(tokio::task::JoinHandle<Settled>),
    /// Drift's prompt (the inspection itself while it is deferred), its
    /// alerts once it is done, and when a deferred one is due to start.
    Detached(PromptSlot, oneshot::Receiver<Vec<Finding>>, Instant),
}

impl Inspection {
    /// What the response head says, and drift's prompt: the alerts and
    /// prompt of an inspection that ended (awaited unless it is detached),
    /// or for a detached one still running, none yet and `pending`.
    async fn at_head(
        self,
        st: &GuardState,
        id: Option<RowRef>,
        label: &Label<'_>,
    ) -> (Vec<Finding>, PromptSlot, bool, Option<Instant>) {
        match self {
            // Done: its alerts. Still running or deferred: `pending` (and
            // so is one that panicked: its row gets PS621, never silence
            // that reads as clean).
            Inspection::Detached(prompt, mut alerts, start_by) => {
                let start_by = prompt.is_deferred().then_some(start_by);
                match alerts.try_recv() {
                    Ok(a) => (a, prompt, false, start_by),
                    Err(_) => (Vec::new(), prompt, true, start_by),
                }
            }
            other => {
                let s = other.settle(st, id, label).await;
                (s.alerts, PromptSlot::Ready(s.prompt), false, None)
            }
        }
    }

    /// The result; for an inspection that ran beside the upstream, the
    /// exchange is announced now (it was announced before forwarding
    /// otherwise).
    async fn settle(self, st: &GuardState, id: Option<RowRef>, label: &Label<'_>) -> Settled {
        match self {
            Inspection::Done(s) => s,
            // Not forwarded after all (the request could not be built):
            // the row still gets its inspection.
            Inspection::Beside(job) => {
                let s = tokio::task::spawn_blocking(move || job.run())
                    .await
                    .unwrap_or_else(|_| Settled::lost());
                announce(st, id, label, &s);
                s
            }
            Inspection::Running(task) => {
                // A panic in inspection leaves the row to be stored with a
                // PS621 finding (its inspection never arrives).
                let s = task.await.unwrap_or_else(|_| Settled::lost());
                announce(st, id, label, &s);
                s
            }
            // It announces itself and completes its row; started now if it
            // was deferred (dropping the slot starts it), not awaited: the
            // exchange is answered locally (the upstream failed).
            Inspection::Detached(prompt, ..) => {
                drop(prompt);
                Settled::lost()
            }
        }
    }
}

fn alerts_of(findings: &[Finding], verdict: &crate::policy::Verdict) -> Vec<Finding> {
    verdict
        .alerts
        .iter()
        .filter_map(|&i| findings.get(i).cloned())
        .collect()
}

/// Tells the operator about an exchange with alerts or an action.
/// Who and what an exchange is, as the operator's event names it.
struct Label<'r> {
    uid: &'r str,
    method: &'r str,
    path: &'r str,
    agent: &'r str,
}

impl Label<'_> {
    fn owned(&self) -> OwnedLabel {
        OwnedLabel {
            uid: self.uid.to_owned(),
            method: self.method.to_owned(),
            path: self.path.to_owned(),
            agent: self.agent.to_owned(),
        }
    }
}

/// A [`Label`] a detached inspection takes along.
struct OwnedLabel {
    uid: String,
    method: String,
    path: String,
    agent: String,
}

impl OwnedLabel {
    fn as_label(&self) -> Label<'_> {
        Label {
            uid: &self.uid,
            method: &self.method,
            path: &self.path,
            agent: &self.agent,
        }
    }
}

fn announce(st: &GuardState, id: Option<RowRef>, label: &Label<'_>, s: &Settled) {
    if s.alerts.is_empty() && s.action == Action::Forwarded {
        return;
    }
    st.recorder.announce(
        id,
        ExchangeEvent {
            id: None,
            uid: label.uid.to_owned(),
            method: label.method.to_owned(),
            path: label.path.to_owned(),
            agent: label.agent.to_owned(),
            action: s.action,
            reason: s.reason.clone(),
            alerts: s.alerts.clone(),
            findings: s.findings,
            edits: s.edits,
        },
    );
}

/// The store could not take the row: fail closed (an answer in the
/// provider's shape), or open (forward without a row, and say so).
fn store_failed(
    st: &GuardState,
    family: Option<Family>,
    path: &str,
    e: String,
) -> Result<Option<RowRef>, Box<Response<Body>>> {
    match st.cfg.store_failure {
        StoreFailure::Closed => Err(Box::new(error_reply(
            family,
            ErrorKind::Unavailable,
            &format!(
                "plainsight guard: the audit store is unavailable ({e}); requests are \
                 not forwarded unlogged (store_failure = closed)"
            ),
        ))),
        StoreFailure::Open => {
            st.events.event(&Event::FailedOpen {
                path: path.to_owned(),
                error: e,
            });
            Ok(None)
        }
    }
}

trait RetainHopByHop {
    fn retain_hop_by_hop(&mut self);
}

impl RetainHopByHop for HeaderMap {
    fn retain_hop_by_hop(&mut self) {
        let names: Vec<HeaderName> = self.keys().filter(|k| hop_by_hop(k)).cloned().collect();
        for n in names {
            self.remove(n);
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

fn uninspectable(e: &InspectError, method: &Method, path: &str) -> Finding {
    let mut f = finding(
        Rule::UninspectableRequest,
        format!("{method} {path}: request body could not be inspected: {e}"),
        None,
    );
    f.severity = Severity::Medium;
    f.help = Some(
        "A body the guard cannot read is never reported as clean; the policy decides whether \
         it passes (policy.rules.PS621)."
            .into(),
    );
    f
}

fn edit_of(f: &Finding) -> Edit {
    let (before, after) = f
        .notes
        .iter()
        .find_map(|n| n.split_once(" → "))
        .map_or_else(
            || (f.message.clone(), String::new()),
            |(a, b)| (a.to_owned(), b.to_owned()),
        );
    Edit {
        place: f
            .location
            .part
            .clone()
            .or_else(|| f.location.json_pointer.clone())
            .unwrap_or_default(),
        offset: f.location.start.offset,
        before,
        after,
    }
}

fn local_outcome(resp: &Response<Body>, msg: &str, t0: Instant, started: i64) -> Outcome {
    Outcome {
        ended_at_us: now_us(),
        status: Some(resp.status().as_u16()),
        latency_us: t0.elapsed().as_micros() as i64,
        first_byte_us: None,
        response_headers: header_pairs(resp.headers()),
        response: Some(ResponseRecord {
            error: Some(msg.to_owned()),
            complete: true,
            ..ResponseRecord::default()
        }),
        response_bytes: 0,
        completion: Completion::Local,
        findings: Vec::new(),
        error: None,
    }
    .with_start(started)
}

fn failed_outcome(resp: &Response<Body>, msg: &str, t0: Instant, started: i64) -> Outcome {
    let mut o = local_outcome(resp, msg, t0, started);
    o.completion = Completion::UpstreamFailed;
    o.error = Some(msg.to_owned());
    o
}

trait WithStart {
    fn with_start(self, started: i64) -> Self;
}

impl WithStart for Outcome {
    fn with_start(mut self, started: i64) -> Outcome {
        self.ended_at_us = self.ended_at_us.max(started);
        self
    }
}

/// Records a refused request (no upstream, too large) and answers it.
async fn refuse(
    st: &GuardState,
    mut row: NewExchange,
    family: Option<Family>,
    kind: ErrorKind,
    why: &str,
    t0: Instant,
) -> Response<Body> {
    row.action = Some(Action::Refused);
    row.reason = Some(why.to_owned());
    let started = row.started_at_us;
    let event = ExchangeEvent {
        id: None,
        uid: row.uid.clone(),
        method: row.method.clone(),
        path: row.path.clone(),
        agent: row.agent.clone(),
        action: Action::Refused,
        reason: Some(why.to_owned()),
        alerts: row.findings.clone(),
        findings: row.findings.len(),
        edits: 0,
    };
    let msg = format!("plainsight guard: {why}");
    let resp = error_reply(family, kind, &msg);
    match st.recorder.begin(row).await {
        Ok(id) => {
            // Announced first: the writer names the row by its id until
            // its outcome arrives.
            st.recorder.announce(Some(id), event);
            st.recorder
                .finish_plain(id, local_outcome(&resp, &msg, t0, started));
        }
        Err(e) => {
            st.events.event(&Event::StoreError(e));
            st.events.event(&Event::Exchange(Box::new(event)));
        }
    }
    resp
}

struct FinishCtx {
    id: RowRef,
    uid: String,
    agent: String,
    started_us: i64,
    headers: Vec<(String, String)>,
    recorder: Arc<Recorder>,
    prompt: PromptSlot,
}

/// The upstream body, passed through frame by frame, copied into the
/// reassembler on the way; the outcome is recorded exactly once, when the
/// body ends, fails, or is dropped unfinished (client gone).
struct TeeBody {
    inner: hyper::body::Incoming,
    reassembler: Option<Reassembler>,
    bytes: u64,
    first_byte_us: Option<i64>,
    status: StatusCode,
    t0: Instant,
    done: Option<Completion>,
    /// A deferred `observe` inspection (the upstream answered within
    /// `INSPECT_YIELD`) runs on the drift thread when the exchange ends —
    /// nothing is woken for it while the answer is on its way — or starts
    /// in the blocking pool with the first frame after this, for an answer
    /// that keeps streaming.
    start_by: Option<Instant>,
    finish: Option<FinishCtx>,
}

impl TeeBody {
    fn record(&mut self, completion: Completion, error: Option<String>) {
        self.done = Some(completion);
        let Some(ctx) = self.finish.take() else {
            return;
        };
        let outcome = Outcome {
            ended_at_us: now_us(),
            status: Some(self.status.as_u16()),
            latency_us: self.t0.elapsed().as_micros() as i64,
            first_byte_us: self.first_byte_us,
            response_headers: ctx.headers,
            response: None,
            response_bytes: self.bytes,
            completion,
            findings: Vec::new(),
            error,
        };
        // Parsing (the reassembled JSON, the prompt for drift) happens on
        // the drift thread: the last frame is not held back for it.
        let finished = HandOver(Some((
            ctx.recorder,
            Finished {
                id: ctx.id,
                uid: ctx.uid,
                agent: ctx.agent,
                started_at_us: ctx.started_us,
                prompt: ctx.prompt,
                reassembler: self.reassembler.take(),
                outcome,
            },
        )));
        // Handed over from a task of its own, which runs once the
        // connection's task has written and flushed the answer's end: the
        // drift thread (and the inspection it may run) is not woken while
        // the last bytes are on their way.
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                if let Some((r, _)) = &finished.0 {
                    r.handing_over();
                }
                drop(h.spawn(async move { drop(finished) }));
            }
            Err(_) => {
                if let Some((r, f)) = finished.into_inner() {
                    r.finish(f);
                }
            }
        }
    }
}

/// A finished exchange handed to the recorder when dropped — by its task,
/// or, if the runtime drops that task unrun (shutting down), then.
struct HandOver(Option<(Arc<Recorder>, Finished)>);

impl HandOver {
    fn into_inner(mut self) -> Option<(Arc<Recorder>, Finished)> {
        self.0.take()
    }
}

impl Drop for HandOver {
    fn drop(&mut self) {
        if let Some((recorder, f)) = self.0.take() {
            recorder.handed_over(f);
        }
    }
}

impl HttpBody for TeeBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    if this.first_byte_us.is_none() {
                        this.first_byte_us = Some(this.t0.elapsed().as_micros() as i64);
                    }
                    this.bytes += d.len() as u64;
                    if let Some(at) = this.start_by
                        && Instant::now() >= at
                    {
                        this.start_by = None;
                        if let Some(ctx) = &mut this.finish {
                            ctx.prompt =
                                std::mem::replace(&mut ctx.prompt, PromptSlot::Ready(None)).start();
                        }
                    }
                    if let Some(r) = &mut this.reassembler {
                        r.push(d);
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.record(Completion::UpstreamFailed, Some(error_chain(&e)));
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                if this.done.is_none() {
                    this.record(Completion::Complete, None);
                }
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for TeeBody {
    fn drop(&mut self) {
        if self.done.is_none() {
            if self.inner.is_end_stream() {
                self.record(Completion::Complete, None);
            } else {
                self.record(Completion::ClientCancelled, None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plainsight_store::StoreUrl;

    fn cfg(ups: &[&str]) -> GuardConfig {
        let mut c = GuardConfig::new(StoreUrl::Sqlite("/dev/null".into()));
        c.upstreams = ups.iter().map(|u| Upstream::parse(u).unwrap()).collect();
        c
    }

    fn go(c: &GuardConfig, m: &str, p: &str, hint: Option<Family>) -> Result<String, String> {
        let uri: Uri = p.parse().unwrap();
        target(c, &m.parse().unwrap(), &uri, http::Version::HTTP_11, hint)
            .map(|t| t.uri.to_string())
    }

    #[test]
    fn routing() {
        let c = cfg(&[
            "anthropic=https://api.anthropic.com",
            "openai=https://api.openai.com",
            "/int=http://10.0.0.1:8080/llm",
        ]);
        assert_eq!(
            go(&c, "POST", "/v1/messages?beta=true", None).unwrap(),
            "https://api.anthropic.com/v1/messages?beta=true"
        );
        assert_eq!(
            go(&c, "POST", "/v1/responses", None).unwrap(),
            "https://api.openai.com/v1/responses"
        );
        assert_eq!(
            go(&c, "POST", "/int/v1/chat/completions", None).unwrap(),
            "http://10.0.0.1:8080/llm/v1/chat/completions"
        );
        assert_eq!(
            go(&c, "GET", "/int?x=1", None).unwrap(),
            "http://10.0.0.1:8080/llm/?x=1"
        );
        // Gemini has no upstream, and there is no default: refused.
        let e = go(&c, "POST", "/v1beta/models/g:generateContent", None).unwrap_err();
        assert!(e.contains("gemini"), "{e}");
        // Unknown paths without a default upstream are refused.
        assert!(go(&c, "GET", "/metrics", None).is_err());
        assert!(go(&c, "GET", "http://evil.example/x", None).is_err());
        assert!(go(&c, "CONNECT", "evil.example:443", None).is_err());
        // A default upstream takes what nothing else claims.
        let c = cfg(&["http://127.0.0.1:9/base/"]);
        assert_eq!(
            go(&c, "GET", "/anything", None).unwrap(),
            "http://127.0.0.1:9/base/anything"
        );
    }

    #[test]
    fn signed_fields_are_found() {
        let body = br#"{"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"s"},{"type":"text","text":"y"}]},{"type":"reasoning","encrypted_content":"e"}]}"#;
        assert_eq!(
            signed_prefixes(body),
            ["/messages/0/content/0", "/messages/1"]
        );
        assert!(signed_prefixes(b"not json").is_empty());
    }
}
