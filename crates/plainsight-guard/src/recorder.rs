//! The audit writer: one store connection, written by one thread that
//! commits in groups.
//!
//! **SQLite**: a request appends its sealed row to the store's journal
//! ([`plainsight_store::journal`]) with one `write()` on its own thread —
//! durable against `kill -9` when it returns, the same class as the WAL
//! with `synchronous=NORMAL` — and is forwarded; the writer thread ingests
//! every row waiting into SQLite in one transaction (reading each body back
//! from the journal: rows wait for it without their bodies) and then empties
//! the journal. The request does not wait for the commit (~0.3–0.45 ms for a
//! 120 KB body) nor for the writer thread to wake. Whoever opens the store
//! next (a restart, `plainsight audit`) replays a journal whose writer is
//! gone. A store the writer cannot write fails the next requests closed;
//! rows already journaled stay in the journal until it can.
//!
//! **PostgreSQL**: a commit is a network round trip, which must not block
//! the async request path. Requests hand their sealed row to the writer
//! thread and wait (asynchronously) for the commit; the thread takes every
//! message waiting at that moment, writes all request rows in one
//! transaction, answers each, then writes the outcomes waiting. Under load
//! a burst of N requests costs one commit, not N; a lone request waits for
//! exactly one.
//!
//! Outcomes go through the writer thread on both backends (nobody waits for
//! them). A failed write is answered as an error (the guard then fails
//! closed, or open if told to), and the connection is reopened before the
//! next write (not sooner than 200 ms after a failed reopen). A second
//! thread runs drift detection on finished exchanges and passes their
//! outcomes on, so the model's work never delays a commit.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use plainsight_inspect::path::JsonPath;
use plainsight_store::journal::{Journal, Ticket};
use plainsight_store::{
    Backend, DriftForm, ExchangeId, NewExchange, OpenMode, Outcome, Redactor, Sealed, Store,
    StoreError, StoreUrl,
};
use tokio::sync::oneshot;

use crate::drift::{DriftModel, Observation};
use crate::events::{Event, EventSink, ExchangeEvent};

/// Rows taken per transaction at most.
const BATCH: usize = 256;

/// Journaled rows not yet ingested, in bytes, past which new requests wait
/// for the writer (memory stays bounded when the store is slower than the
/// traffic: at 64 MiB the benchmark's 16 streams took the guard to 130 MiB
/// of RSS).
const MAX_BACKLOG: usize = 16 << 20;

/// How a recorded exchange is named until the store gave it an id: a row
/// committed before `begin` returned (PostgreSQL) has its id; a journaled
/// one (SQLite) gets it when the writer ingests it, in journal order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowRef {
    Stored(ExchangeId),
    Journaled(u64),
}

/// The writer's state as requests see it.
#[derive(Default)]
struct Health {
    /// The last ingest failed: new requests fail closed until one succeeds.
    down: AtomicBool,
    why: Mutex<String>,
    /// Bytes of journaled rows not yet ingested.
    backlog: AtomicUsize,
    seq: AtomicU64,
    /// Journaled rows the writer has not taken yet. A request leaves its
    /// row here instead of sending it (which would wake the writer while
    /// the request is being forwarded: on two cores a context switch
    /// competing with the forward); the writer takes them whenever it
    /// wakes — for the row's inspection, its outcome, another message, or
    /// at the latest every [`RETRY_EVERY`]. The row is durable in the
    /// journal either way; nobody waits for its commit.
    parked: Mutex<Vec<Ingest>>,
    /// The writer thread has ended: nothing parked will be taken.
    writer_gone: AtomicBool,
}

impl Health {
    fn set_down(&self, why: &str) -> bool {
        why.clone_into(&mut self.why.lock().unwrap_or_else(PoisonError::into_inner));
        !self.down.swap(true, Ordering::SeqCst)
    }

    fn why(&self) -> String {
        self.why
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A journaled row on its way to the store.
struct Ingest {
    seq: u64,
    ticket: Ticket,
    bytes: usize,
    row: Sealed<NewExchange>,
    /// Forwarded while its inspection runs: held until the inspection
    /// arrives (so the row is written once, complete), at most
    /// [`HOLD_AT_MOST`].
    held_since: Option<Instant>,
}

/// How long a row waits for its inspection before it is stored without
/// (with a PS621 finding saying so).
const HOLD_AT_MOST: Duration = Duration::from_secs(30);

/// The store connection, shared by whoever writes (the writer thread, and
/// on SQLite the request path), reopened after a failure.
struct SharedConn {
    inner: Mutex<ConnState>,
    url: StoreUrl,
    deferred_checkpoints: bool,
    events: Arc<dyn EventSink>,
}

struct ConnState {
    store: Box<dyn Store>,
    broken: bool,
    /// After a failed reopen, no new attempt before this.
    retry_at: Option<Instant>,
}

impl SharedConn {
    /// Runs `f` on the connection (reopened first if the last write
    /// failed); a failure marks it for reopening.
    fn run<T>(&self, f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError>) -> Result<T, String> {
        let mut st = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if st.broken {
            if st.retry_at.is_some_and(|t| Instant::now() < t) {
                return Err("the audit store is unavailable (reconnecting)".into());
            }
            let reopened = plainsight_store::open(&self.url, OpenMode::Write).and_then(|mut s| {
                if self.deferred_checkpoints {
                    s.defer_checkpoints()?;
                }
                Ok(s)
            });
            match reopened {
                Ok(s) => {
                    st.store = s;
                    st.broken = false;
                    st.retry_at = None;
                    self.events.event(&Event::StoreRecovered);
                }
                Err(e) => {
                    st.retry_at = Some(Instant::now() + Duration::from_millis(200));
                    return Err(e.to_string());
                }
            }
        }
        f(&mut *st.store).map_err(|e| {
            st.broken = true;
            e.to_string()
        })
    }
}

enum Msg {
    Begin(
        Sealed<NewExchange>,
        oneshot::Sender<Result<ExchangeId, String>>,
    ),
    /// The inspection of a held row.
    Inspected(u64, Sealed<NewExchange>),
    /// An exchange event to emit once its row has an id.
    Announce(u64, Box<ExchangeEvent>),
    /// The outcome, newly learned forms, and drift findings (with the agent)
    /// to announce once the row has an id.
    Finish(
        RowRef,
        Sealed<Outcome>,
        Vec<Sealed<DriftForm>>,
        Vec<(String, plainsight_core::Finding)>,
    ),
    Flush(oneshot::Sender<()>),
}

/// An exchange that ended, on its way to drift detection and the store.
pub struct Finished {
    pub id: RowRef,
    pub uid: String,
    pub agent: String,
    pub started_at_us: i64,
    /// The request body's strings, when it carries a prompt (for drift
    /// detection).
    pub prompt: PromptSlot,
    /// The response copy, to be finished into `outcome.response`.
    pub reassembler: Option<plainsight_providers::Reassembler>,
    pub outcome: Outcome,
}

/// A finished exchange's prompt, for drift detection: known, or still
/// being decoded by an `observe` inspection the answer did not wait for
/// (`annotate = ready`). The drift thread waits for the latter (off the
/// request path); an inspection that panicked sends nothing, and drift then
/// learns nothing from that exchange, as from a body inspection refused.
///
/// `Deferred`: an `observe` inspection not started yet (the upstream
/// answered within `proxy::INSPECT_YIELD`); whoever takes the prompt runs
/// it — the drift thread, inline, when the exchange ends, so no thread is
/// woken for it on the way to the answer — and it is started in the
/// blocking pool if the slot is dropped or the answer keeps streaming.
#[derive(Debug)]
pub enum PromptSlot {
    Ready(Option<Prompt>),
    Later(oneshot::Receiver<Option<Prompt>>),
    Deferred(DeferredJob, oneshot::Receiver<Option<Prompt>>),
}

impl PromptSlot {
    /// The prompt, waiting for the inspection that decodes it if need be,
    /// or running it here (not on an async runtime's thread).
    pub fn wait(self) -> Option<Prompt> {
        match self {
            PromptSlot::Ready(p) => p,
            PromptSlot::Later(rx) => rx.blocking_recv().ok().flatten(),
            PromptSlot::Deferred(job, rx) => {
                job.run();
                rx.blocking_recv().ok().flatten()
            }
        }
    }

    /// A deferred inspection started now in the blocking pool (the slot
    /// then waits for it); any other slot as it is.
    #[must_use]
    pub fn start(self) -> PromptSlot {
        match self {
            PromptSlot::Deferred(job, rx) => {
                drop(job);
                PromptSlot::Later(rx)
            }
            other => other,
        }
    }

    pub fn is_deferred(&self) -> bool {
        matches!(self, PromptSlot::Deferred(..))
    }
}

/// An inspection to run exactly once: inline by [`DeferredJob::run`], or,
/// when dropped without running, started in the blocking pool (a thread of
/// its own outside a runtime) — an inspection is never lost because its
/// slot went away. A panic in it is caught; its row then gets the PS621
/// finding of an inspection that never arrived.
pub struct DeferredJob(Option<Box<dyn FnOnce() + Send>>);

impl std::fmt::Debug for DeferredJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeferredJob")
    }
}

impl DeferredJob {
    pub fn new(f: impl FnOnce() + Send + 'static) -> DeferredJob {
        DeferredJob(Some(Box::new(f)))
    }

    /// Runs it on this thread.
    pub fn run(mut self) {
        if let Some(f) = self.0.take() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        }
    }
}

impl Drop for DeferredJob {
    fn drop(&mut self) {
        let Some(f) = self.0.take() else {
            return;
        };
        let run = move || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        };
        match tokio::runtime::Handle::try_current() {
            // (A runtime shutting down drops it unrun: the row is then
            // stored with PS621, as when the guard stops mid-inspection.)
            Ok(h) => drop(h.spawn_blocking(run)),
            // Not on a runtime's thread: this thread may block.
            Err(_) => run(),
        }
    }
}

/// The strings of a request body that drift detection reads (value strings
/// of 12 bytes or more), as inspection decoded them. A string inspection
/// borrowed from the body (no escapes: most of them) is kept as its range
/// in the body, which is shared, not copied; only decoded strings are
/// owned. The drift thread makes the text (off the request path).
#[derive(Debug, Default)]
pub struct Prompt {
    body: bytes::Bytes,
    strings: Vec<(JsonPath, PromptText)>,
}

#[derive(Debug)]
enum PromptText {
    /// Raw bytes of the body, between the quotes, that are the text.
    Body(std::ops::Range<usize>),
    Decoded(String),
}

impl Prompt {
    /// Number of strings kept.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// How many strings are kept as ranges of the body (not copied).
    pub fn in_body(&self) -> usize {
        self.strings
            .iter()
            .filter(|(_, t)| matches!(t, PromptText::Body(_)))
            .count()
    }
}

/// The strings of a decoded body that drift detection reads: moved out of
/// the document or, for strings it borrowed from `body`, their ranges.
pub fn prompt_of(doc: plainsight_inspect::document::Document<'_>, body: &bytes::Bytes) -> Prompt {
    let strings = doc
        .segments
        .into_iter()
        .filter(|s| s.kind == plainsight_inspect::json::StringKind::Value && s.text.len() >= 12)
        .map(|s| {
            let text = match s.text {
                // Borrowed from this very body, at `raw` (the same bytes,
                // not just equal ones: a pointer comparison).
                std::borrow::Cow::Borrowed(t)
                    if s.carrier.is_none()
                        && body
                            .get(s.raw.start as usize..s.raw.end as usize)
                            .is_some_and(|r| std::ptr::eq(r, t.as_bytes())) =>
                {
                    PromptText::Body(s.raw.start as usize..s.raw.end as usize)
                }
                t => PromptText::Decoded(t.into_owned()),
            };
            (s.path, text)
        })
        .collect();
    Prompt {
        body: body.clone(),
        strings,
    }
}

/// The prompt's strings as drift detection reads them, borrowed from the
/// body where inspection borrowed them (no copy), each with its path (its
/// part name is written out only if a finding needs it). The drift thread
/// used [`with_parts`] before: a copy of every string and a part name for
/// each, per request, where only a finding needs one.
pub fn prompt_texts(prompt: &Prompt) -> Vec<(&JsonPath, std::borrow::Cow<'_, str>)> {
    prompt
        .strings
        .iter()
        .map(|(path, text)| {
            let text = match text {
                // Valid UTF-8: inspection borrowed it as text. (`from_utf8`
                // is the vectorised validator; the lossy one walks chunks.)
                PromptText::Body(r) => {
                    let raw = &prompt.body[r.clone()];
                    match std::str::from_utf8(raw) {
                        Ok(t) => std::borrow::Cow::Borrowed(t),
                        Err(_) => String::from_utf8_lossy(raw),
                    }
                }
                PromptText::Decoded(t) => std::borrow::Cow::Borrowed(t.as_str()),
            };
            (path, text)
        })
        .collect()
}

/// Part names for prompt strings (`messages[3].content[1].text`), as
/// [`plainsight_inspect::document::Segment::part`] names a top-level JSON
/// document's strings.
pub fn with_parts(prompt: Prompt) -> Vec<(String, String)> {
    let Prompt { body, strings } = prompt;
    strings
        .into_iter()
        .map(|(path, text)| {
            let text = match text {
                // Valid UTF-8: inspection borrowed it as text.
                PromptText::Body(r) => String::from_utf8_lossy(&body[r]).into_owned(),
                PromptText::Decoded(t) => t,
            };
            (
                plainsight_inspect::path::part_name(&path.to_vec()).unwrap_or_default(),
                text,
            )
        })
        .collect()
}

/// The prompt's strings with their part names (drift detection's input),
/// decoded from the body.
pub fn prompt_strings(body: &[u8]) -> Vec<(String, String)> {
    let opts = plainsight_inspect::InspectOptions {
        format: plainsight_inspect::InputFormat::Json,
        ..plainsight_inspect::InspectOptions::default()
    };
    let body = bytes::Bytes::copy_from_slice(body);
    let Ok(doc) = plainsight_inspect::document::load("request", &body, &opts) else {
        return Vec::new();
    };
    let prompt = prompt_of(doc, &body);
    with_parts(prompt)
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
    tx: Option<Sender<Msg>>,
    /// SQLite: requests append their rows here; the writer ingests them.
    journal: Option<Arc<Journal>>,
    health: Arc<Health>,
    events: Arc<dyn EventSink>,
    drift_tx: Option<SyncSender<DriftMsg>>,
    /// Finished exchanges handed to the drift thread and not yet done.
    drift_busy: Arc<AtomicUsize>,
    /// Finished exchanges on their way to [`Recorder::finish`] from a task
    /// of their own ([`Recorder::handing_over`]); `flush` waits for them.
    handing: AtomicUsize,
    stop_checkpoints: Option<mpsc::Sender<()>>,
    redactor: Arc<Redactor>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Stopped after the writer, so its last commits are checkpointed too.
    checkpointer: Mutex<Option<JoinHandle<()>>>,
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

        // Checkpoints of SQLite's write-ahead log run on their own thread
        // and connection, not inside the commit a request waits for.
        let (stop_ckpt, ckpt_rx) = mpsc::channel::<()>();
        let mut checkpointer = None;
        if url_backend(url) == Backend::Sqlite
            && let Ok(mut c) = plainsight_store::open(url, OpenMode::Write)
            && store.defer_checkpoints()?
        {
            let ev = events.clone();
            checkpointer = Some(
                std::thread::Builder::new()
                    .name("plainsight-checkpoint".into())
                    .spawn(move || checkpoint_thread(&mut *c, &ckpt_rx, &*ev))
                    .map_err(|e| {
                        StoreError::Unavailable(format!("starting the checkpoint thread: {e}"))
                    })?,
            );
        }

        // SQLite: this process's journal, created after `open` replayed
        // those of writers that are gone.
        let journal = match url {
            StoreUrl::Sqlite(path) => Some(Arc::new(Journal::create(path)?)),
            StoreUrl::Postgres(_) => None,
        };
        let conn = Arc::new(SharedConn {
            deferred_checkpoints: checkpointer.is_some(),
            inner: Mutex::new(ConnState {
                store,
                broken: false,
                retry_at: None,
            }),
            url: url.clone(),
            events: events.clone(),
        });
        let health = Arc::new(Health::default());
        let (tx, rx) = mpsc::channel::<Msg>();
        let (drift_tx, drift_rx) = mpsc::sync_channel::<DriftMsg>(4096);
        let drift_busy = Arc::new(AtomicUsize::new(0));
        let busy = drift_busy.clone();
        let ev = events.clone();
        let (j, h) = (journal.clone(), health.clone());
        let writer = std::thread::Builder::new()
            .name("plainsight-audit-writer".into())
            .spawn(move || writer(&conn, &rx, &*ev, j.as_deref(), &h))
            .map_err(|e| StoreError::Unavailable(format!("starting the writer thread: {e}")))?;
        let tx2 = tx.clone();
        let red = redactor.clone();
        let name = guard_name.to_owned();
        let drift = std::thread::Builder::new()
            .name("plainsight-drift".into())
            .spawn(move || drift_thread(model, drift_store, &drift_rx, &tx2, &red, &name, &busy))
            .map_err(|e| StoreError::Unavailable(format!("starting the drift thread: {e}")))?;
        Ok(Recorder {
            tx: Some(tx),
            journal,
            health,
            events,
            drift_tx: Some(drift_tx),
            drift_busy,
            handing: AtomicUsize::new(0),
            stop_checkpoints: Some(stop_ckpt),
            redactor,
            threads: Mutex::new(vec![writer, drift]),
            checkpointer: Mutex::new(checkpointer),
        })
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Writes the request half; returns once it is durable: committed
    /// (PostgreSQL), or journaled (SQLite), which survives `kill -9` and is
    /// in the store for whoever opens it next.
    pub async fn begin(&self, row: NewExchange) -> Result<RowRef, String> {
        self.begin_with(row, false).await
    }

    /// Whether rows can be recorded before their inspection finished
    /// ([`Recorder::begin_pending`]): on a journaled store.
    pub fn overlaps_inspection(&self) -> bool {
        self.journal.is_some()
    }

    /// Like [`Recorder::begin`], for a row forwarded while it is
    /// inspected (`observe` only); [`Recorder::inspected`] completes it.
    /// The store writes the row once, complete; if the guard stops before
    /// the inspection is recorded, the row gets a PS621 finding saying so.
    pub async fn begin_pending(&self, row: NewExchange) -> Result<RowRef, String> {
        if self.journal.is_none() {
            return Err("rows are recorded before inspection only on a journaled store".into());
        }
        self.begin_with(row, true).await
    }

    /// The inspection of a row begun with [`Recorder::begin_pending`]:
    /// `inspection` carries its `uid`, findings, reason and model. Journaled
    /// (so a restart joins it to the row), then handed to the writer.
    pub fn inspected(&self, row: RowRef, inspection: NewExchange) {
        let RowRef::Journaled(seq) = row else {
            return;
        };
        let sealed = self.redactor.seal_exchange(inspection);
        let sealed = match self.journal.as_ref().map(|j| j.append_inspection(sealed)) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                self.events.event(&Event::StoreError(e.to_string()));
                return;
            }
            None => return,
        };
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Inspected(seq, sealed));
        }
    }

    async fn begin_with(&self, row: NewExchange, pending: bool) -> Result<RowRef, String> {
        let sealed = self.redactor.seal_exchange(row);
        let stopped = || "the audit writer has stopped".to_owned();
        let tx = self.tx.as_ref().ok_or_else(stopped)?;
        if let Some(journal) = &self.journal {
            let h = &*self.health;
            // The writer cannot write the store: fail closed (rows already
            // journaled stay there until it can).
            let down = || {
                h.down
                    .load(Ordering::SeqCst)
                    .then(|| format!("the audit store is unavailable: {}", h.why()))
            };
            if let Some(e) = down() {
                return Err(e);
            }
            while h.backlog.load(Ordering::SeqCst) > MAX_BACKLOG {
                tokio::time::sleep(Duration::from_millis(1)).await;
                if let Some(e) = down() {
                    return Err(e);
                }
            }
            let bytes = sealed.get().request_body.len() + 1024;
            if h.writer_gone.load(Ordering::SeqCst) {
                return Err(stopped());
            }
            let then = |ticket, row| {
                let seq = h.seq.fetch_add(1, Ordering::SeqCst);
                h.backlog.fetch_add(bytes, Ordering::SeqCst);
                h.parked
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Ingest {
                        seq,
                        ticket,
                        bytes,
                        row,
                        held_since: pending.then(Instant::now),
                    });
                Ok(RowRef::Journaled(seq))
            };
            let appended = if pending {
                journal.append_pending(sealed, then)
            } else {
                journal.append(sealed, then)
            };
            return appended
                .map_err(|e| e.to_string())
                .and_then(|r| r)
                .inspect_err(|e| self.events.event(&Event::StoreError(e.clone())));
        }
        let (done, wait) = oneshot::channel();
        tx.send(Msg::Begin(sealed, done)).map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?.map(RowRef::Stored)
    }

    /// Emits an exchange event with its row's id: now if the row has one,
    /// else once the writer stored it.
    pub fn announce(&self, row: Option<RowRef>, mut event: ExchangeEvent) {
        match row {
            Some(RowRef::Journaled(seq)) => {
                if let Some(tx) = &self.tx
                    && tx.send(Msg::Announce(seq, Box::new(event.clone()))).is_ok()
                {
                    return;
                }
                event.id = None;
            }
            Some(RowRef::Stored(id)) => event.id = Some(id),
            None => event.id = None,
        }
        self.events.event(&Event::Exchange(Box::new(event)));
    }

    /// Hands a finished exchange to drift detection, then the store. Never
    /// blocks the caller (it runs in `Drop` of response bodies): when the
    /// drift queue is full, the outcome is written without drift detection.
    /// A deferred inspection runs on the drift thread when it is idle (no
    /// thread woken for it); behind other exchanges it starts in the
    /// blocking pool now, so concurrent exchanges are inspected in
    /// parallel, not one after another.
    pub fn finish(&self, mut f: Finished) {
        let Some(drift) = &self.drift_tx else {
            return;
        };
        if self.drift_busy.fetch_add(1, Ordering::SeqCst) > 0 && f.prompt.is_deferred() {
            f.prompt = f.prompt.start();
        }
        if let Err(e) = drift.try_send(DriftMsg::Finished(Box::new(f))) {
            self.drift_busy.fetch_sub(1, Ordering::SeqCst);
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
    pub fn finish_plain(&self, id: RowRef, o: Outcome) {
        let sealed = self.redactor.seal_outcome(o);
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Finish(id, sealed, Vec::new(), Vec::new()));
        }
    }

    /// Says a finished exchange is on its way to [`Recorder::handed_over`]
    /// (from a task spawned for it): `flush` waits for it.
    pub fn handing_over(&self) {
        self.handing.fetch_add(1, Ordering::SeqCst);
    }

    /// [`Recorder::finish`] for an exchange announced by
    /// [`Recorder::handing_over`].
    pub fn handed_over(&self, f: Finished) {
        self.finish(f);
        self.handing.fetch_sub(1, Ordering::SeqCst);
    }

    /// Waits until everything handed over so far is written (exchanges on
    /// their way from a task of their own included, up to 5 s).
    pub async fn flush(&self) {
        let Some(drift) = &self.drift_tx else {
            return;
        };
        let until = Instant::now() + Duration::from_secs(5);
        while self.handing.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
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
        self.stop_checkpoints.take();
        if let Some(h) = self.checkpointer.lock().expect("not poisoned").take() {
            let _ = h.join();
        }
    }
}

/// How often the log is checkpointed (SQLite's automatic checkpoint would
/// run every 1,000 pages, ~30 requests of 120 KB).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

fn checkpoint_thread(store: &mut dyn Store, stop: &Receiver<()>, events: &dyn EventSink) {
    let mut failing = false;
    loop {
        let stopping = !matches!(
            stop.recv_timeout(CHECKPOINT_EVERY),
            Err(RecvTimeoutError::Timeout)
        );
        match store.checkpoint() {
            Ok(_) => failing = false,
            Err(e) if !failing => {
                failing = true;
                events.event(&Event::StoreError(format!(
                    "checkpointing the audit log: {e}"
                )));
            }
            Err(_) => {}
        }
        if stopping {
            return;
        }
    }
}

/// How long the writer waits before retrying rows the store refused.
const RETRY_EVERY: Duration = Duration::from_millis(200);

/// Journaled rows given ids, kept until their outcome arrives (bounded:
/// an exchange whose outcome never comes is forgotten eventually).
const MAX_IDS: usize = 100_000;

/// Says the writer has ended when dropped (a panic included).
struct WriterGone<'a>(&'a Health);

impl Drop for WriterGone<'_> {
    fn drop(&mut self) {
        self.0.writer_gone.store(true, Ordering::SeqCst);
    }
}

fn writer(
    conn: &SharedConn,
    rx: &Receiver<Msg>,
    events: &dyn EventSink,
    journal: Option<&Journal>,
    health: &Health,
) {
    // Journaled rows the store has not taken yet (after a failure, retried
    // first), and messages that wait for one of them.
    // (seq, ticket, bytes) of each row in `rows`, in the same order.
    let mut ingests: Vec<(u64, Ticket, usize)> = Vec::new();
    let mut rows: Vec<Sealed<NewExchange>> = Vec::new();
    let queue = |ingests: &mut Vec<(u64, Ticket, usize)>,
                 rows: &mut Vec<Sealed<NewExchange>>,
                 i: Ingest| {
        ingests.push((i.seq, i.ticket, i.bytes));
        rows.push(i.row);
    };
    let mut held: BTreeMap<u64, Ingest> = BTreeMap::new();
    let mut later: Vec<Msg> = Vec::new();
    let mut ids: BTreeMap<u64, ExchangeId> = BTreeMap::new();
    // Requests stop parking rows once this is set, however the loop ends.
    let _gone = WriterGone(health);
    let mut open = true;
    while open || !later.is_empty() || !held.is_empty() {
        let mut msgs = std::mem::take(&mut later);
        // Always with a timeout: rows parked by requests are taken then at
        // the latest (nothing wakes the writer for them).
        let first = match rx.recv_timeout(RETRY_EVERY) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                open = false;
                None
            }
        };
        if let Some(m) = first {
            msgs.push(m);
            while msgs.len() < BATCH {
                match rx.try_recv() {
                    Ok(m) => msgs.push(m),
                    Err(_) => break,
                }
            }
        }
        // Rows parked before any message just received was sent are seen
        // here (the park happens before the request is forwarded, so before
        // its inspection, announcement or outcome can be sent).
        let parked =
            std::mem::take(&mut *health.parked.lock().unwrap_or_else(PoisonError::into_inner));
        for i in parked {
            if i.held_since.is_some() {
                held.insert(i.seq, i);
            } else {
                queue(&mut ingests, &mut rows, i);
            }
        }
        let mut begins = Vec::new();
        let mut replies = Vec::new();
        let mut rest = Vec::new();
        for m in msgs {
            match m {
                Msg::Begin(row, reply) => {
                    begins.push(row);
                    replies.push(reply);
                }
                Msg::Inspected(seq, inspection) => {
                    if let Some(mut i) = held.remove(&seq) {
                        i.row = i.row.with_inspection(inspection);
                        queue(&mut ingests, &mut rows, i);
                    }
                }
                m => rest.push(m),
            }
        }
        // Rows whose inspection does not come (or, when stopping, has not
        // come) are stored saying so.
        let overdue: Vec<u64> = held
            .iter()
            .filter(|(_, i)| !open || i.held_since.is_some_and(|t| t.elapsed() > HOLD_AT_MOST))
            .map(|(&seq, _)| seq)
            .collect();
        for seq in overdue {
            if let Some(mut i) = held.remove(&seq) {
                i.row = i.row.inspection_lost();
                queue(&mut ingests, &mut rows, i);
            }
        }
        if !begins.is_empty() {
            match conn.run(|s| s.begin(&begins)) {
                Ok(ids) => {
                    for (reply, id) in replies.into_iter().zip(ids) {
                        let _ = reply.send(Ok(id));
                    }
                }
                Err(msg) => {
                    events.event(&Event::StoreError(msg.clone()));
                    for reply in replies {
                        let _ = reply.send(Err(msg.clone()));
                    }
                }
            }
        }
        if !ingests.is_empty() {
            // Bodies wait in the journal, not in memory: read back now
            // (kept after a failed commit, for the retry).
            let restored = match journal {
                Some(j) => ingests
                    .iter()
                    .zip(rows.iter_mut())
                    .filter(|(_, r)| r.get().request_body.is_empty())
                    .try_for_each(|(i, r)| j.restore(&i.1, r))
                    .map_err(|e| e.to_string()),
                None => Ok(()),
            };
            match restored.and_then(|()| conn.run(|s| s.begin(&rows))) {
                Ok(new_ids) => {
                    rows.clear();
                    let tickets: Vec<Ticket> = ingests.iter().map(|i| i.1).collect();
                    let bytes: usize = ingests.iter().map(|i| i.2).sum();
                    for (i, id) in ingests.drain(..).zip(new_ids) {
                        ids.insert(i.0, id);
                    }
                    while ids.len() > MAX_IDS {
                        ids.pop_first();
                    }
                    health.backlog.fetch_sub(bytes, Ordering::SeqCst);
                    health.down.store(false, Ordering::SeqCst);
                    if let Some(j) = journal
                        && let Err(e) = j.ingested(&tickets)
                    {
                        events.event(&Event::StoreError(e.to_string()));
                    }
                }
                Err(msg) => {
                    if health.set_down(&msg) {
                        events.event(&Event::StoreError(format!(
                            "{msg}; {} journaled row(s) kept for later",
                            ingests.len()
                        )));
                    }
                }
            }
        }
        let mut finishes = Vec::new();
        let mut forms = Vec::new();
        let mut flushes = Vec::new();
        // A journaled row's id: known, or not yet (its ingest failed: the
        // message waits), or never (forgotten: dropped).
        let pending = |seq: u64, ingests: &[(u64, Ticket, usize)]| {
            held.contains_key(&seq) || ingests.iter().any(|i| i.0 == seq)
        };
        for m in rest {
            match m {
                Msg::Announce(seq, mut ev) => match ids.get(&seq) {
                    Some(&id) => {
                        ev.id = Some(id);
                        events.event(&Event::Exchange(ev));
                    }
                    None if pending(seq, &ingests) && open => later.push(Msg::Announce(seq, ev)),
                    None => events.event(&Event::Exchange(ev)),
                },
                Msg::Finish(r, o, f, drift) => {
                    let id = match r {
                        RowRef::Stored(id) => Some(id),
                        RowRef::Journaled(seq) => ids.remove(&seq),
                    };
                    match id {
                        Some(id) => {
                            for (agent, finding) in drift {
                                events.event(&Event::Drift {
                                    id,
                                    agent,
                                    finding: Box::new(finding),
                                });
                            }
                            finishes.push((id, o));
                            forms.extend(f);
                        }
                        None if matches!(r, RowRef::Journaled(s) if pending(s, &ingests))
                            && open =>
                        {
                            later.push(Msg::Finish(r, o, f, drift));
                        }
                        None => forms.extend(f),
                    }
                }
                Msg::Flush(done) => flushes.push(done),
                Msg::Begin(..) | Msg::Inspected(..) => {}
            }
        }
        if (!finishes.is_empty() || !forms.is_empty())
            && let Err(e) = conn.run(|s| s.finish(&finishes, &forms))
        {
            events.event(&Event::StoreError(format!(
                "writing {} outcome(s): {e}",
                finishes.len()
            )));
        }
        for f in flushes {
            let _ = f.send(());
        }
        if !open && !ingests.is_empty() && later.is_empty() {
            // Stopping with rows the store refused: they stay journaled,
            // for whoever opens the store next.
            break;
        }
    }
}

fn url_backend(url: &StoreUrl) -> Backend {
    match url {
        StoreUrl::Sqlite(_) => Backend::Sqlite,
        StoreUrl::Postgres(_) => Backend::Postgres,
    }
}

fn drift_thread(
    mut model: DriftModel,
    mut store: Box<dyn Store>,
    rx: &Receiver<DriftMsg>,
    tx: &Sender<Msg>,
    redactor: &Redactor,
    guard: &str,
    busy: &AtomicUsize,
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
        let prompt = std::mem::replace(&mut f.prompt, PromptSlot::Ready(None))
            .wait()
            .unwrap_or_default();
        let strings = prompt_texts(&prompt);
        let (findings, learned) = model.observe(&Observation {
            agent: &f.agent,
            exchange: &f.uid,
            at_us: f.started_at_us,
            guard,
            strings: &strings,
        });
        // Announced by the writer, with the row's id.
        let announce = findings
            .iter()
            .map(|d| (f.agent.clone(), redacted_finding(redactor, d)))
            .collect();
        f.outcome.findings.extend(findings);
        let forms = learned.into_iter().map(|d| redactor.seal_form(d)).collect();
        let f = *f;
        busy.fetch_sub(1, Ordering::SeqCst);
        let _ = tx.send(Msg::Finish(
            f.id,
            redactor.seal_outcome(f.outcome),
            forms,
            announce,
        ));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> (DeferredJob, std::sync::mpsc::Receiver<String>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let job = DeferredJob::new(move || {
            let _ = tx.send(std::thread::current().name().unwrap_or("").to_owned());
        });
        (job, rx)
    }

    #[test]
    fn a_deferred_job_runs_once_wherever_it_goes() {
        // Run inline: here, once.
        let (j, rx) = job();
        j.run();
        assert_eq!(
            rx.try_recv().unwrap(),
            std::thread::current().name().unwrap_or("")
        );
        assert!(rx.try_recv().is_err());
        // Dropped off a runtime: run by the dropping thread.
        let (j, rx) = job();
        drop(j);
        assert!(rx.try_recv().is_ok());
        // Dropped on a runtime: started in its blocking pool.
        let rt = tokio::runtime::Builder::new_current_thread()
            .thread_name("test-blocking")
            .build()
            .unwrap();
        let (j, rx) = job();
        rt.block_on(async move { drop(j) });
        let on = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(on, "test-blocking");
        // A slot's deferred job runs when the slot is waited on or started.
        let (tx, prx) = oneshot::channel();
        let slot = PromptSlot::Deferred(
            DeferredJob::new(move || {
                let _ = tx.send(Some(Prompt::default()));
            }),
            prx,
        );
        assert!(slot.is_deferred());
        assert!(slot.wait().is_some());
    }

    #[test]
    fn a_panicking_deferred_job_is_contained() {
        let j = DeferredJob::new(|| panic!("inspection bug"));
        j.run();
        let (tx, prx) = oneshot::channel::<Option<Prompt>>();
        let slot = PromptSlot::Deferred(
            DeferredJob::new(move || {
                let _keep = tx;
                panic!("inspection bug");
            }),
            prx,
        );
        // Drift learns nothing from it; the thread goes on.
        assert!(slot.wait().is_none());
    }
}
