//! The run: select versions, take what the cache has, claim the rest from
//! the store's work queue, download ahead of scanning on a bounded queue,
//! scan, store, and assemble the history.
//!
//! Threads (plain `std::thread`, no async runtime: the work is a few
//! blocking HTTP streams and CPU-bound scans):
//! - `downloads` workers: claim a row, fetch and verify the version (with
//!   retries and backoff), and put the opened units on a `sync_channel` of
//!   capacity `queue`. A full queue blocks them: that is the bound.
//! - one scanner: scans each version on `jobs` threads, writes the result to
//!   the store (which deletes the claim) and reports it.
//! - one heartbeat: renews this owner's leases while the run is alive, so a
//!   version waiting in the queue is not taken over by another machine.
//! - the caller's thread: collects results, watches the cancel flag, and
//!   when a round is over asks the store whether rows are left (expired
//!   leases of a machine that died, versions another machine is still
//!   scanning) — waiting for those so every machine ends with the whole
//!   timeline.
//!
//! On cancel the caller's thread returns at once: claims in flight are
//! released, downloads stop at their next read, and a scan in progress is
//! abandoned with the process (its version simply was not stored).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use plainsight_artifact::npm::{NpmConfig, Opened, Registry, RegistryOptions, VersionMeta};
use plainsight_artifact::{ArtifactError, Limits, OpenOptions, Progress, UnitKind};
use plainsight_core::Report;
use plainsight_js::ScanOptions;
use plainsight_store::StoreUrl;
use plainsight_store::history::{self as store, CachedResult, HistoryStore, RunKey};

use crate::HistoryError;
use crate::model::{History, Package, RunStats, SCHEMA, Selection, Shipped, Status, VersionEntry};
use crate::select::{self, Criteria};
use crate::timeline;

/// Everything a run needs.
#[derive(Clone)]
pub struct Options {
    /// npm package name (without `npm:`).
    pub package: String,
    /// npm platform (`linux-x64`).
    pub platform: String,
    pub criteria: Criteria,
    pub npm: NpmConfig,
    /// Tarball cache: read when it has a tarball; written only with
    /// `keep_tarballs`.
    pub cache_dir: Option<PathBuf>,
    pub keep_tarballs: bool,
    pub limits: Limits,
    pub js: ScanOptions,
    pub store: StoreUrl,
    /// The cache key's plainsight build ([`crate::tool_version`]).
    pub tool_version: String,
    /// Concurrent downloads, and verified versions waiting for the scanner
    /// beyond those (the channel's capacity): at most `downloads + queue + 1`
    /// versions are in memory at once.
    pub downloads: usize,
    pub queue: usize,
    /// Scan threads per version.
    pub jobs: usize,
    /// Retries of a transport failure within one claim, and the first
    /// backoff (doubled each time, at most a minute).
    pub retries: u32,
    pub retry_delay: Duration,
    /// Claims of one version (on any machine) before it is given up on.
    pub claims: u32,
    /// How long a claim holds without a heartbeat.
    pub lease: Duration,
    /// How often to look again while other machines hold rows.
    pub poll: Duration,
    /// Ignore (and replace) cached results.
    pub rescan: bool,
    /// This process, as the store knows it (`host/pid/random`).
    pub owner: String,
}

impl Options {
    /// Defaults for everything but what names the run.
    pub fn new(package: &str, platform: &str, store: StoreUrl) -> Options {
        let jobs = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Options {
            package: package.to_string(),
            platform: platform.to_string(),
            criteria: Criteria::default(),
            npm: NpmConfig::from_environment(None),
            cache_dir: plainsight_artifact::cache::Cache::default_dir(),
            keep_tarballs: false,
            limits: Limits::default(),
            js: ScanOptions::default(),
            store,
            tool_version: crate::tool_version(),
            downloads: 2,
            queue: 1,
            jobs,
            retries: 3,
            retry_delay: Duration::from_secs(2),
            claims: 2,
            lease: Duration::from_mins(10),
            poll: Duration::from_secs(5),
            rescan: false,
            owner: default_owner(),
        }
    }
}

/// The store's `tool_version` key: the plainsight build and the analysis
/// limits. A result computed with `--max-depth 64` (some file not analysed)
/// must not answer a run with the default depth, and the other way round.
fn cache_version(opts: &Options) -> String {
    let limits = format!("{:?}|{:?}", opts.limits, opts.js);
    let h = limits.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}+l{:08x}", opts.tool_version, h & 0xffff_ffff)
}

/// `host/pid/random`: unique per process, readable in the store.
pub fn default_owner() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    let rand = plainsight_store::random_hex(3).unwrap_or_default();
    format!("{host}/{}/{rand}", std::process::id())
}

/// What a run reports while it goes (a progress bar, logs). Called from
/// worker threads.
#[allow(unused_variables)]
pub trait Observer: Send + Sync {
    /// `todo` versions need work; `cached` came from the store.
    fn planned(&self, todo: usize, cached: usize) {}
    /// `n` more compressed bytes arrived.
    fn bytes(&self, n: u64) {}
    /// A version was claimed and its download starts.
    fn started(&self, version: &str) {}
    /// A version is done (scanned, broken, failed).
    fn finished(&self, entry: &VersionEntry) {}
    /// A transport failure; trying again after `wait`.
    fn retry(&self, version: &str, attempt: u32, wait: Duration, error: &str) {}
    /// Other machines hold `leased` rows; waiting for them.
    fn waiting(&self, leased: u64) {}
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {}

/// Forwards the artifact layer's byte counts to the observer.
struct Bytes {
    observer: Arc<dyn Observer>,
    total: AtomicU64,
}

impl Progress for Bytes {
    fn start(&self, _label: &str, _total: Option<u64>) {}
    fn advance(&self, n: u64) {
        self.total.fetch_add(n, Ordering::Relaxed);
        self.observer.bytes(n);
    }
    fn finish(&self) {}
}

/// One version, downloaded (or not) by a worker, on its way to the scanner.
struct Downloaded {
    version: String,
    published: Option<String>,
    attempts: u32,
    opened: Result<Opened, (Status, String)>,
}

/// What the workers tell the caller's thread.
enum Event {
    Claimed(String),
    Done(Box<VersionEntry>),
    Problem(String),
}

#[derive(Default)]
struct Counters {
    network_us: AtomicU64,
    fetch_us: AtomicU64,
    scan_us: AtomicU64,
    unit_bytes: AtomicU64,
    cache_bytes: AtomicU64,
    retries: AtomicU64,
}

struct Shared {
    opts: Options,
    key: RunKey,
    registry: Registry,
    open: OpenOptions,
    cancel: Arc<AtomicBool>,
    observer: Arc<dyn Observer>,
    /// Version → (metadata or why it is unusable, publish time), for every
    /// version in the packument: a claimed row may come from another
    /// machine's wider selection of the same key.
    metas: HashMap<String, (Result<VersionMeta, String>, Option<String>)>,
    counters: Counters,
}

/// Run a history. `cancel` stops it (what is done is kept and returned);
/// `observer` sees progress.
pub fn run(
    opts: &Options,
    cancel: &Arc<AtomicBool>,
    observer: &Arc<dyn Observer>,
) -> Result<History, HistoryError> {
    let started = Instant::now();
    let bytes = Arc::new(Bytes {
        observer: Arc::clone(observer),
        total: AtomicU64::new(0),
    });
    let registry = Registry::new(
        opts.npm.clone(),
        &RegistryOptions {
            cache_dir: opts.cache_dir.clone(),
            write_cache: opts.keep_tarballs,
            max_tarball: opts.limits.max_file_size,
            progress: Some(Arc::clone(&bytes) as Arc<dyn Progress>),
            cancel: Some(Arc::clone(cancel)),
        },
    );
    let mut notices = registry.setup_notices.clone();
    let doc = packument(opts, &registry, cancel, &**observer)?;
    let selected = select::select(&doc, &opts.criteria)?;
    if selected.is_empty() {
        return Err(HistoryError::Nothing {
            package: opts.package.clone(),
            what: describe(&opts.criteria),
        });
    }
    let key = RunKey {
        package: opts.package.clone(),
        platform: opts.platform.clone(),
        tool_version: cache_version(opts),
    };
    let store_err = |e| HistoryError::Store {
        store: opts.store.display(),
        source: e,
    };
    let mut db = store::open(&opts.store).map_err(store_err)?;

    // What needs no download: unpublished versions, unusable metadata.
    let published_at = |v: &str| {
        doc.time
            .iter()
            .find(|(k, _)| k == v)
            .map(|(_, t)| t.clone())
    };
    let metas: HashMap<String, (Result<VersionMeta, String>, Option<String>)> = doc
        .versions
        .iter()
        .map(|(v, m)| {
            let meta = VersionMeta::from_json(&spec(opts, v), m).map_err(|e| e.to_string());
            (v.clone(), (meta, published_at(v)))
        })
        .collect();
    let mut fixed: HashMap<String, VersionEntry> = HashMap::new();
    for s in &selected {
        let problem = match metas.get(&s.version) {
            None => Some((
                Status::Unpublished,
                "listed in the registry's time but without metadata".to_string(),
            )),
            Some((Err(e), _)) => Some((Status::Broken, e.clone())),
            Some((Ok(_), _)) => None,
        };
        if let Some((status, detail)) = problem {
            let mut e = VersionEntry::new(&s.version, s.published.clone(), status);
            e.detail = Some(detail);
            fixed.insert(s.version.clone(), e);
        }
    }
    let run_start_us = now_us();
    let cached = if opts.rescan {
        HashMap::new()
    } else {
        load_cached(&mut *db, &key, &mut notices).map_err(store_err)?
    };
    // Newest first: an interrupted run has the versions people run now.
    let queue: Vec<String> = selected
        .iter()
        .rev()
        .filter(|s| !fixed.contains_key(&s.version) && !cached.contains_key(&s.version))
        .map(|s| s.version.clone())
        .collect();
    observer.planned(
        queue.len(),
        selected
            .iter()
            .filter(|s| cached.contains_key(&s.version))
            .count(),
    );
    db.enqueue(&key, &queue, opts.claims).map_err(store_err)?;

    let shared = Arc::new(Shared {
        opts: opts.clone(),
        key: key.clone(),
        registry,
        open: OpenOptions {
            limits: opts.limits.clone(),
            platform: Some(opts.platform.clone()),
            ..OpenOptions::default()
        },
        cancel: Arc::clone(cancel),
        observer: Arc::clone(observer),
        metas,
        counters: Counters::default(),
    });
    let heartbeat_stop = Arc::new(AtomicBool::new(false));
    let heartbeat = spawn_heartbeat(&shared, &heartbeat_stop);

    let mut produced: HashMap<String, VersionEntry> = HashMap::new();
    let mut in_flight: HashSet<String> = HashSet::new();
    let mut elsewhere: HashSet<String> = HashSet::new();
    'rounds: loop {
        // The key's queue is shared with other machines, whose selections
        // may be wider: its rows are only worth claiming or waiting for
        // while a version of this selection is among them. A rerun of a
        // range that is all cached answers at once even while another
        // machine scans a wider range of the same key.
        let ours_missing = selected.iter().any(|s| {
            !fixed.contains_key(&s.version)
                && !cached.contains_key(&s.version)
                && !produced.contains_key(&s.version)
                && !elsewhere.contains(&s.version)
        });
        if !ours_missing {
            break;
        }
        let rx = spawn_round(&shared);
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(Event::Claimed(v)) => {
                    in_flight.insert(v);
                }
                Ok(Event::Done(e)) => {
                    in_flight.remove(&e.version);
                    observer.finished(&e);
                    produced.insert(e.version.clone(), *e);
                }
                Ok(Event::Problem(p)) => notices.push(p),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if cancel.load(Ordering::Relaxed) {
                break 'rounds;
            }
        }
        // The round is over: all our claims are settled. What is left is
        // someone else's, or free again (a dead machine's expired lease).
        let state = db.queue_state(&key, opts.claims).map_err(store_err)?;
        if state.claimable > 0 {
            continue;
        }
        if state.leased == 0 {
            break;
        }
        observer.waiting(state.leased);
        let until = Instant::now() + opts.poll;
        // Versions of ours another machine finished count as done: the
        // rows still leased may all be versions we do not need.
        // (With --rescan, old results do not count.)
        if !opts.rescan {
            elsewhere.extend(db.result_versions(&key).map_err(store_err)?);
        }
        while Instant::now() < until {
            if cancel.load(Ordering::Relaxed) {
                break 'rounds;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    heartbeat_stop.store(true, Ordering::Relaxed);
    let interrupted = cancel.load(Ordering::Relaxed);
    if interrupted {
        for v in &in_flight {
            if let Err(e) = db.release(&key, &opts.owner, v) {
                notices.push(format!("{v}: claim not released: {e}"));
            }
        }
    } else if let Some(h) = heartbeat {
        let _ = h.join();
    }

    // Everything the store has now (other machines' results included);
    // with --rescan, only what was produced during this run.
    let mut stored = load_cached(&mut *db, &key, &mut notices).map_err(store_err)?;
    if opts.rescan {
        stored.retain(|_, (_, at)| *at >= run_start_us);
    }
    let exhausted = if interrupted {
        0
    } else {
        db.queue_state(&key, opts.claims).map_or(0, |s| s.exhausted)
    };
    let mut versions = Vec::with_capacity(selected.len());
    for s in &selected {
        let entry = if let Some(e) = fixed.remove(&s.version) {
            e
        } else if let Some(e) = produced.remove(&s.version) {
            e
        } else if let Some((mut e, at)) = stored.remove(&s.version) {
            e.published.clone_from(&s.published);
            // Scanned during this run by another machine: not "cached".
            e.cached = at < run_start_us;
            e
        } else {
            let mut e = VersionEntry::new(&s.version, s.published.clone(), Status::Pending);
            e.detail = Some(if interrupted {
                "not scanned: interrupted".into()
            } else if exhausted > 0 {
                e.status = Status::Failed;
                format!("given up after {} claims on all machines", opts.claims)
            } else {
                "not scanned".into()
            });
            e
        };
        versions.push(entry);
    }
    let newest = versions
        .iter()
        .rposition(|e| e.status != Status::Unpublished);
    let timeline = timeline::build(&versions, newest);
    let c = &shared.counters;
    let secs = |us: &AtomicU64| us.load(Ordering::Relaxed) as f64 / 1e6;
    let run = RunStats {
        wall_secs: started.elapsed().as_secs_f64(),
        scanned: versions
            .iter()
            .filter(|e| !e.cached && e.status.is_final())
            .count(),
        cached: versions.iter().filter(|e| e.cached).count(),
        pending: versions
            .iter()
            .filter(|e| e.status == Status::Pending)
            .count(),
        downloaded_bytes: bytes.total.load(Ordering::Relaxed),
        cache_bytes: c.cache_bytes.load(Ordering::Relaxed),
        network_secs: secs(&c.network_us),
        fetch_secs: secs(&c.fetch_us),
        scan_secs: secs(&c.scan_us),
        scanned_unit_bytes: c.unit_bytes.load(Ordering::Relaxed),
        download_workers: opts.downloads.max(1),
        retries: c.retries.load(Ordering::Relaxed) as u32,
    };
    if interrupted {
        notices.push(format!(
            "interrupted: {} version(s) not scanned; what was scanned is stored",
            run.pending
        ));
    }
    Ok(History {
        schema: SCHEMA,
        package: format!("npm:{}", opts.package),
        platform: opts.platform.clone(),
        tool_version: opts.tool_version.clone(),
        selection: Selection {
            range: opts.criteria.range.clone(),
            since: opts.criteria.since.clone(),
            prereleases: opts.criteria.prereleases,
            published: doc.versions.len(),
        },
        newest: newest.map(|i| versions[i].version.clone()),
        versions,
        timeline,
        notices,
        run: Some(run),
    })
}

fn spec(opts: &Options, version: &str) -> String {
    format!("{}@{version}", opts.package)
}

fn describe(c: &Criteria) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &c.range {
        parts.push(format!("--versions {r}"));
    }
    if let Some(s) = &c.since {
        parts.push(format!("--since {s}"));
    }
    if parts.is_empty() {
        "the selection (only prereleases? add --prerelease)".into()
    } else {
        parts.join(" ")
    }
}

/// The packument, retried on transport failures. A registry that leaves
/// `time` out of the abbreviated document is asked for the full one when
/// `--since` needs it.
fn packument(
    opts: &Options,
    registry: &Registry,
    cancel: &AtomicBool,
    observer: &dyn Observer,
) -> Result<plainsight_artifact::npm::Packument, HistoryError> {
    let fetch = |full: bool| {
        with_retries(opts, cancel, observer, "packument", || {
            registry.packument(&opts.package, full)
        })
        .map(|(doc, _)| doc)
        .map_err(|(source, _)| HistoryError::Registry {
            package: opts.package.clone(),
            source,
        })
    };
    let doc = fetch(false)?;
    if doc.versions.is_empty() {
        return Err(HistoryError::Registry {
            package: opts.package.clone(),
            source: ArtifactError::Package {
                spec: opts.package.clone(),
                message: "registry metadata has no versions".into(),
            },
        });
    }
    if opts.criteria.since.is_some() && doc.time.is_empty() {
        return fetch(true);
    }
    Ok(doc)
}

/// Transport failures (and integrity mismatches, which a proxy or a cut
/// stream can cause) are worth another try.
fn retryable(e: &ArtifactError) -> bool {
    matches!(
        e,
        ArtifactError::Registry { .. } | ArtifactError::Integrity { .. }
    )
}

/// `f` until it succeeds, fails for good, or `opts.retries` retries with
/// doubling backoff are spent; with the attempts made either way.
fn with_retries<T>(
    opts: &Options,
    cancel: &AtomicBool,
    observer: &dyn Observer,
    what: &str,
    mut f: impl FnMut() -> Result<T, ArtifactError>,
) -> Result<(T, u32), (ArtifactError, u32)> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f() {
            Ok(v) => return Ok((v, attempt)),
            Err(e)
                if retryable(&e) && attempt <= opts.retries && !cancel.load(Ordering::Relaxed) =>
            {
                let wait = opts
                    .retry_delay
                    .saturating_mul(1 << (attempt - 1).min(10))
                    .min(Duration::from_mins(1));
                observer.retry(what, attempt, wait, &e.to_string());
                let until = Instant::now() + wait;
                while Instant::now() < until && !cancel.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50).min(wait));
                }
            }
            Err(e) => return Err((e, attempt)),
        }
    }
}

/// Cached results of `key`, by version. Rows that no longer parse (a
/// layout from another build under the same key) are skipped with a notice.
fn load_cached(
    db: &mut dyn HistoryStore,
    key: &RunKey,
    notices: &mut Vec<String>,
) -> Result<HashMap<String, (VersionEntry, i64)>, plainsight_store::StoreError> {
    let mut out = HashMap::new();
    for r in db.results(key)? {
        match serde_json::from_str::<VersionEntry>(&r.body) {
            Ok(mut e) => {
                e.cached = true;
                e.scanned_by = Some(r.scanned_by);
                out.insert(r.version, (e, r.scanned_at_us));
            }
            Err(e) => notices.push(format!(
                "{}: cached result unreadable ({e}); not used",
                r.version
            )),
        }
    }
    Ok(out)
}

fn spawn_heartbeat(
    shared: &Arc<Shared>,
    stop: &Arc<AtomicBool>,
) -> Option<std::thread::JoinHandle<()>> {
    let (shared, stop) = (Arc::clone(shared), Arc::clone(stop));
    let interval = (shared.opts.lease / 3).max(Duration::from_millis(100));
    std::thread::Builder::new()
        .name("history-heartbeat".into())
        .spawn(move || {
            let Ok(mut db) = store::open(&shared.opts.store) else {
                return;
            };
            let mut last = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if last.elapsed() >= interval {
                    let _ = db.renew(&shared.key, &shared.opts.owner, shared.opts.lease);
                    last = Instant::now();
                }
            }
        })
        .ok()
}

/// Start one round of workers and the scanner; the receiver disconnects
/// when all of them are done.
fn spawn_round(shared: &Arc<Shared>) -> mpsc::Receiver<Event> {
    let (events, rx) = mpsc::channel();
    let (to_scan, scan_rx) = mpsc::sync_channel::<Downloaded>(shared.opts.queue);
    for i in 0..shared.opts.downloads.max(1) {
        let (sh, ev, ts) = (Arc::clone(shared), events.clone(), to_scan.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("history-download-{i}"))
            .spawn(move || download_worker(&sh, &ev, &ts));
        if let Err(e) = spawned {
            let _ = events.send(Event::Problem(format!("download worker not started: {e}")));
        }
    }
    drop(to_scan);
    let sh = Arc::clone(shared);
    let ev = events.clone();
    let spawned = std::thread::Builder::new()
        .name("history-scan".into())
        .spawn(move || scanner(&sh, &ev, &scan_rx));
    if let Err(e) = spawned {
        // The workers' sends fail and they stop; their claims come back
        // as claimable once released or expired.
        let _ = events.send(Event::Problem(format!("scanner not started: {e}")));
    }
    rx
}

fn download_worker(
    shared: &Shared,
    events: &mpsc::Sender<Event>,
    to_scan: &mpsc::SyncSender<Downloaded>,
) {
    let opts = &shared.opts;
    let mut db = match store::open(&opts.store) {
        Ok(db) => db,
        Err(e) => {
            let _ = events.send(Event::Problem(format!("download worker: {e}")));
            return;
        }
    };
    while !shared.cancel.load(Ordering::Relaxed) {
        let version = match db.claim(&shared.key, &opts.owner, opts.lease, opts.claims) {
            Ok(Some(v)) => v,
            Ok(None) => return,
            Err(e) => {
                let _ = events.send(Event::Problem(format!("claiming a version: {e}")));
                return;
            }
        };
        let _ = events.send(Event::Claimed(version.clone()));
        let (meta, published) = match shared.metas.get(&version) {
            Some((Ok(meta), published)) => (meta, published),
            // Another machine's row this run cannot read: published after
            // this run read the registry, or metadata it finds unusable.
            other => {
                let status = if other.is_some() {
                    Status::Broken
                } else {
                    Status::Failed
                };
                let detail = match other {
                    Some((Err(e), _)) => e.clone(),
                    _ => "not in the registry metadata this run read".into(),
                };
                let item = Downloaded {
                    version,
                    published: None,
                    attempts: 0,
                    opened: Err((status, detail)),
                };
                if to_scan.send(item).is_err() {
                    return;
                }
                continue;
            }
        };
        shared.observer.started(&version);
        let t = Instant::now();
        let spec = spec(opts, &version);
        let result = with_retries(opts, &shared.cancel, &*shared.observer, &version, || {
            shared
                .registry
                .open_version(&spec, meta, &opts.platform, &shared.open)
        });
        shared
            .counters
            .fetch_us
            .fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
        let (opened, attempts) = match result {
            Ok((o, n)) => {
                for p in &o.packages {
                    if p.from_cache {
                        shared
                            .counters
                            .cache_bytes
                            .fetch_add(p.bytes, Ordering::Relaxed);
                    }
                    shared
                        .counters
                        .network_us
                        .fetch_add(p.network.as_micros() as u64, Ordering::Relaxed);
                }
                shared
                    .counters
                    .retries
                    .fetch_add(u64::from(n - 1), Ordering::Relaxed);
                (Ok(o), n)
            }
            Err((e, n)) => {
                shared
                    .counters
                    .retries
                    .fetch_add(u64::from(n - 1), Ordering::Relaxed);
                let status = if matches!(e, ArtifactError::Registry { .. }) {
                    Status::Failed
                } else {
                    Status::Broken
                };
                (Err((status, e.to_string())), n)
            }
        };
        if shared.cancel.load(Ordering::Relaxed) {
            return;
        }
        let item = Downloaded {
            version,
            published: published.clone(),
            attempts,
            opened,
        };
        if to_scan.send(item).is_err() {
            return;
        }
    }
}

fn scanner(shared: &Shared, events: &mpsc::Sender<Event>, rx: &mpsc::Receiver<Downloaded>) {
    let opts = &shared.opts;
    let mut db = store::open(&opts.store);
    if let Err(e) = &db {
        let _ = events.send(Event::Problem(format!(
            "results not stored (store unavailable: {e})"
        )));
    }
    for d in rx {
        if shared.cancel.load(Ordering::Relaxed) {
            return;
        }
        let mut entry = VersionEntry::new(&d.version, d.published.clone(), Status::Scanned);
        entry.attempts = d.attempts;
        entry.scanned_by = Some(opts.owner.clone());
        match d.opened {
            Ok(opened) => {
                let t = Instant::now();
                scan_version(shared, &mut entry, opened);
                shared
                    .counters
                    .scan_us
                    .fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
            }
            Err((status, detail)) => {
                entry.status = status;
                entry.detail = Some(detail);
            }
        }
        if shared.cancel.load(Ordering::Relaxed) {
            return;
        }
        if let Ok(db) = &mut db {
            let stored = if entry.status.is_final() {
                let body = serde_json::to_string(&entry).unwrap_or_default();
                db.put_result(
                    &shared.key,
                    &CachedResult {
                        version: entry.version.clone(),
                        status: entry.status.as_str().into(),
                        body,
                        scanned_at_us: now_us(),
                        scanned_by: opts.owner.clone(),
                    },
                )
            } else {
                db.release(&shared.key, &opts.owner, &entry.version)
            };
            if let Err(e) = stored {
                entry
                    .notices
                    .push(format!("result not stored in the history store: {e}"));
            }
        }
        if events.send(Event::Done(Box::new(entry))).is_err() {
            return;
        }
    }
}

fn scan_version(shared: &Shared, entry: &mut VersionEntry, opened: Opened) {
    let opts = &shared.opts;
    let units = &opened.artifact.units;
    let unit_bytes: u64 = units.iter().map(|u| u.data.len() as u64).sum();
    shared
        .counters
        .unit_bytes
        .fetch_add(unit_bytes, Ordering::Relaxed);
    let scanned = plainsight_artifact::scan::scan_units(units, &opts.js, opts.jobs.max(1));
    let platform_prefix = opened.packages.get(1).map(|p| format!("npm:{}@", p.name));
    let from_platform_js = units.iter().any(|u| {
        u.kind == UnitKind::JavaScript
            && platform_prefix
                .as_deref()
                .is_some_and(|p| u.chain.first().is_some_and(|c| c.starts_with(p)))
    });
    entry.shipped = Some(if from_platform_js {
        Shipped::Executable
    } else if units.iter().any(|u| u.kind == UnitKind::JavaScript) {
        Shipped::Javascript
    } else if units.is_empty() {
        Shipped::Nothing
    } else {
        Shipped::Native
    });
    entry.packages = opened
        .packages
        .iter()
        .map(|p| Package {
            name: p.name.clone(),
            version: p.version.clone(),
            integrity: p.integrity.clone(),
            bytes: p.bytes,
        })
        .collect();
    if let Some(missing) = opened.missing_platform {
        entry.status = Status::MissingPlatform;
        entry.detail = Some(missing);
    }
    if units.is_empty() {
        entry
            .notices
            .push("nothing to scan (no JavaScript or executable found)".into());
    }
    let mut report = Report {
        findings: scanned.findings,
        ..Report::default()
    };
    report.sort();
    entry.summary = timeline::summarize(&report.findings);
    entry.findings = report.findings;
    entry.incomplete = scanned
        .units
        .into_iter()
        .filter(|u| !u.is_complete())
        .collect();
    if !entry.incomplete.is_empty() && entry.status == Status::Scanned {
        entry.status = Status::Partial;
        entry.detail = Some(format!(
            "{} unit(s) not analysed completely",
            entry.incomplete.len()
        ));
    }
    entry.notices.extend(opened.artifact.notices);
    entry.notices.extend(scanned.notices);
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}
