//! The audit writer: one thread that owns the store connection and commits
//! in groups.
//!
//! Requests hand their sealed row to the thread and wait (asynchronously)
//! for the commit; the thread takes every message waiting at that moment,
//! writes all request rows in one transaction, answers each, then writes
//! the outcomes waiting. Under load a burst of N requests costs one commit,
//! not N; a lone request waits for exactly one. The store is never touched
//! from the async request path.
//!
//! A failed write is answered as an error (the guard then fails closed, or
//! open if told to), and the connection is reopened before the next batch.
//! A second thread runs drift detection on finished exchanges and passes
//! their outcomes on, so the model's work never delays a commit.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use plainsight_store::{
    DriftForm, ExchangeId, NewExchange, OpenMode, Outcome, Redactor, Sealed, Store, StoreError,
    StoreUrl,
};
use tokio::sync::oneshot;

use crate::drift::{DriftModel, Observation};
use crate::events::{Event, EventSink};

/// Rows taken per transaction at most.
const BATCH: usize = 256;

enum Msg {
    Begin(
        Sealed<NewExchange>,
        oneshot::Sender<Result<ExchangeId, String>>,
    ),
    Finish(ExchangeId, Sealed<Outcome>, Vec<Sealed<DriftForm>>),
    Flush(oneshot::Sender<()>),
}

/// An exchange that ended, on its way to drift detection and the store.
pub struct Finished {
    pub id: ExchangeId,
    pub uid: String,
    pub agent: String,
    pub started_at_us: i64,
    /// The request body, when it carries a prompt (for drift detection).
    pub body: Option<bytes::Bytes>,
    /// The response copy, to be finished into `outcome.response`.
    pub reassembler: Option<plainsight_providers::Reassembler>,
    pub outcome: Outcome,
}

/// The prompt's strings with their part names (drift detection's input).
pub fn prompt_strings(body: &[u8]) -> Vec<(String, String)> {
    let opts = plainsight_inspect::InspectOptions {
        format: plainsight_inspect::InputFormat::Json,
        ..plainsight_inspect::InspectOptions::default()
    };
    let Ok(doc) = plainsight_inspect::document::load("request", body, &opts) else {
        return Vec::new();
    };
    doc.segments
        .iter()
        .filter(|s| s.kind == plainsight_inspect::json::StringKind::Value && s.text.len() >= 12)
        .map(|s| (s.part().unwrap_or_default(), s.text.to_string()))
        .collect()
}

fn response_record(r: plainsight_providers::Reassembler) -> plainsight_store::ResponseRecord {
    let r = r.finish();
    plainsight_store::ResponseRecord {
        text: r.text,
        complete: r.complete,
        error: r.error,
        model: r.model,
        stop_reason: r.stop_reason,
        input_tokens: r.input_tokens,
        output_tokens: r.output_tokens,
        tool_calls: r.tool_calls,
        events: r.events,
        truncated: r.truncated,
    }
}

enum DriftMsg {
    Finished(Box<Finished>),
    Flush(oneshot::Sender<()>),
}

/// Handle to the writer and drift threads. Dropping it writes what is
/// queued and stops them.
pub struct Recorder {
    tx: Option<SyncSender<Msg>>,
    drift_tx: Option<SyncSender<DriftMsg>>,
    redactor: Arc<Redactor>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    /// Opens the store (creating and migrating it), learns the drift forms
    /// stored so far, and starts the threads.
    pub fn start(
        url: &StoreUrl,
        guard_name: &str,
        max_templates: usize,
        events: Arc<dyn EventSink>,
    ) -> Result<Recorder, StoreError> {
        let mut store = plainsight_store::open(url, OpenMode::Write)?;
        let redactor = Arc::new(plainsight_store::redactor(&mut *store)?);
        let mut model = DriftModel::new(max_templates);
        model.absorb(store.drift_forms(0)?);
        // Drift has its own connection: it refreshes forms other guards
        // wrote without waiting behind the writer.
        let drift_store = plainsight_store::open(url, OpenMode::Write)?;

        let (tx, rx) = mpsc::sync_channel::<Msg>(4096);
        let (drift_tx, drift_rx) = mpsc::sync_channel::<DriftMsg>(4096);
        let url2 = url.clone();
        let ev = events.clone();
        let writer = std::thread::Builder::new()
            .name("plainsight-audit-writer".into())
            .spawn(move || writer(store, &url2, &rx, &*ev))
            .map_err(|e| StoreError::Unavailable(format!("starting the writer thread: {e}")))?;
        let tx2 = tx.clone();
        let red = redactor.clone();
        let name = guard_name.to_owned();
        let drift = std::thread::Builder::new()
            .name("plainsight-drift".into())
            .spawn(move || drift_thread(model, drift_store, &drift_rx, &tx2, &red, &name, &*events))
            .map_err(|e| StoreError::Unavailable(format!("starting the drift thread: {e}")))?;
        Ok(Recorder {
            tx: Some(tx),
            drift_tx: Some(drift_tx),
            redactor,
            threads: Mutex::new(vec![writer, drift]),
        })
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Writes the request half; returns once it is committed.
    pub async fn begin(&self, row: NewExchange) -> Result<ExchangeId, String> {
        let sealed = self.redactor.seal_exchange(row);
        let (done, wait) = oneshot::channel();
        let stopped = || "the audit writer has stopped".to_owned();
        self.tx
            .as_ref()
            .ok_or_else(stopped)?
            .send(Msg::Begin(sealed, done))
            .map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?
    }

    /// Hands a finished exchange to drift detection, then the store. Never
    /// blocks the caller (it runs in `Drop` of response bodies): when the
    /// drift queue is full, the outcome is written without drift detection.
    pub fn finish(&self, f: Finished) {
        let Some(drift) = &self.drift_tx else {
            return;
        };
        if let Err(e) = drift.try_send(DriftMsg::Finished(Box::new(f))) {
            let (mpsc::TrySendError::Full(DriftMsg::Finished(f))
            | mpsc::TrySendError::Disconnected(DriftMsg::Finished(f))) = e
            else {
                return;
            };
            let mut f = *f;
            f.outcome.response = f.reassembler.take().map(response_record);
            self.finish_plain(f.id, f.outcome);
        }
    }

    /// Writes an outcome without drift detection (refused and local replies).
    pub fn finish_plain(&self, id: ExchangeId, o: Outcome) {
        let sealed = self.redactor.seal_outcome(o);
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Finish(id, sealed, Vec::new()));
        }
    }

    /// Waits until everything handed over so far is written.
    pub async fn flush(&self) {
        let Some(drift) = &self.drift_tx else {
            return;
        };
        let (done, wait) = oneshot::channel();
        if drift.send(DriftMsg::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Closing the drift channel stops the drift thread, which drops the
        // last writer sender, which stops the writer after its queue.
        self.drift_tx.take();
        self.tx.take();
        let handles: Vec<_> = std::mem::take(&mut *self.threads.lock().expect("not poisoned"));
        for h in handles {
            let _ = h.join();
        }
    }
}

fn writer(mut store: Box<dyn Store>, url: &StoreUrl, rx: &Receiver<Msg>, events: &dyn EventSink) {
    let mut broken = false;
    while let Ok(first) = rx.recv() {
        let mut msgs = vec![first];
        while msgs.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => msgs.push(m),
                Err(_) => break,
            }
        }
        if broken {
            match plainsight_store::open(url, OpenMode::Write) {
                Ok(s) => {
                    store = s;
                    broken = false;
                    events.event(&Event::StoreRecovered);
                }
                Err(e) => {
                    fail_all(msgs, &e.to_string());
                    std::thread::sleep(Duration::from_millis(200));
                    continue;
                }
            }
        }
        let mut begins = Vec::new();
        let mut replies = Vec::new();
        let mut finishes = Vec::new();
        let mut forms = Vec::new();
        let mut flushes = Vec::new();
        for m in msgs {
            match m {
                Msg::Begin(row, reply) => {
                    begins.push(row);
                    replies.push(reply);
                }
                Msg::Finish(id, o, f) => {
                    finishes.push((id, o));
                    forms.extend(f);
                }
                Msg::Flush(done) => flushes.push(done),
            }
        }
        if !begins.is_empty() {
            match store.begin(&begins) {
                Ok(ids) => {
                    for (reply, id) in replies.into_iter().zip(ids) {
                        let _ = reply.send(Ok(id));
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    events.event(&Event::StoreError(msg.clone()));
                    for reply in replies {
                        let _ = reply.send(Err(msg.clone()));
                    }
                    broken = true;
                }
            }
        }
        if (!finishes.is_empty() || !forms.is_empty())
            && let Err(e) = store.finish(&finishes, &forms)
        {
            events.event(&Event::StoreError(format!(
                "writing {} outcome(s): {e}",
                finishes.len()
            )));
            broken = true;
        }
        for f in flushes {
            let _ = f.send(());
        }
    }
}

fn fail_all(msgs: Vec<Msg>, why: &str) {
    for m in msgs {
        match m {
            Msg::Begin(_, reply) => {
                let _ = reply.send(Err(why.to_owned()));
            }
            Msg::Flush(done) => {
                let _ = done.send(());
            }
            Msg::Finish(..) => {}
        }
    }
}

fn drift_thread(
    mut model: DriftModel,
    mut store: Box<dyn Store>,
    rx: &Receiver<DriftMsg>,
    tx: &SyncSender<Msg>,
    redactor: &Redactor,
    guard: &str,
    events: &dyn EventSink,
) {
    let refresh_every = Duration::from_secs(5);
    let mut last_refresh = Instant::now();
    loop {
        let msg = match rx.recv_timeout(refresh_every) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                refresh(&mut model, &mut *store, &mut last_refresh);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if last_refresh.elapsed() >= refresh_every {
            refresh(&mut model, &mut *store, &mut last_refresh);
        }
        let mut f = match msg {
            DriftMsg::Finished(f) => f,
            DriftMsg::Flush(done) => {
                let _ = tx.send(Msg::Flush(done));
                continue;
            }
        };
        if let Some(r) = f.reassembler.take() {
            f.outcome.response = Some(response_record(r));
        }
        let strings = f
            .body
            .take()
            .map(|b| prompt_strings(&b))
            .unwrap_or_default();
        let (findings, learned) = model.observe(&Observation {
            agent: &f.agent,
            exchange: &f.uid,
            at_us: f.started_at_us,
            guard,
            strings: &strings,
        });
        for d in &findings {
            events.event(&Event::Drift {
                id: f.id,
                agent: f.agent.clone(),
                finding: Box::new(redacted_finding(redactor, d)),
            });
        }
        f.outcome.findings.extend(findings);
        let forms = learned.into_iter().map(|d| redactor.seal_form(d)).collect();
        let f = *f;
        let _ = tx.send(Msg::Finish(f.id, redactor.seal_outcome(f.outcome), forms));
    }
}

fn redacted_finding(redactor: &Redactor, f: &plainsight_core::Finding) -> plainsight_core::Finding {
    let o = Outcome {
        ended_at_us: 0,
        status: None,
        latency_us: 0,
        first_byte_us: None,
        response_headers: Vec::new(),
        response: None,
        response_bytes: 0,
        completion: plainsight_store::Completion::Local,
        findings: vec![f.clone()],
        error: None,
    };
    redactor
        .seal_outcome(o)
        .into_inner()
        .findings
        .pop()
        .unwrap_or_else(|| f.clone())
}

fn refresh(model: &mut DriftModel, store: &mut dyn Store, last: &mut Instant) {
    *last = Instant::now();
    if let Ok(forms) = store.drift_forms(model.seen_seq) {
        model.absorb(forms);
    }
}
