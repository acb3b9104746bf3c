//! The experiment: A/A, then one dimension at a time, scan-guided values,
//! group cells over the rest of the catalogues, attribution of what a group
//! cell changed, exploration of every dimension that changed the output, and
//! pairs of those dimensions. Cells run in parallel, each in its own sandbox,
//! within a wall-clock budget; what the budget left out is reported.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::diff::{self, Change, FlatRequest, Noise};
use crate::guide::{self, Guidance};
use crate::matrix::{Dim, RunConfig, Settings, Target, UNSET, fixed_catalogue};
use crate::run::{Helper, run_cell};
use crate::spec::{Ended, RunResult, SandboxFailure};
use plainsight_text::DiffKind;

/// How the experiment runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub helper: Helper,
    /// Cells run at once.
    pub jobs: usize,
    /// Wall-clock budget for all cells (the A/A pair always runs).
    pub budget: Duration,
    /// Where per-cell work directories are made.
    pub work_root: PathBuf,
    /// Most values explored per dimension that changed the output.
    pub max_values: usize,
    /// Group cells over the fixed catalogues.
    pub group_cells: usize,
    /// Scan-guided variables per group cell.
    pub env_group: usize,
}

/// One cell that ran.
#[derive(Debug)]
pub struct Cell {
    pub label: String,
    pub settings: Settings,
    pub result: RunResult,
    pub flat: Vec<FlatRequest>,
    pub changes: Vec<Change>,
    /// For a cell that changed two dimensions: what it changed compared
    /// with the cell that changed only one of them (the other one's effect
    /// while the first is held at its value).
    pub conditional: Vec<Conditional>,
}

/// The effect of one dimension while another is held at a value: a cell
/// that changed two dimensions, compared with the cell that changed only
/// `given` (its reference) instead of the baseline.
#[derive(Clone, Debug)]
pub struct Conditional {
    /// The dimension held, and its value.
    pub given: (Dim, String),
    /// The dimension varied from the reference, and its value.
    pub varied: (Dim, String),
    /// Index of the reference cell in [`Observed::cells`].
    pub reference: usize,
    pub changes: Vec<Change>,
}

impl Cell {
    pub fn provider_host(&self) -> &str {
        self.settings.get(&Dim::Host)
    }
}

/// Everything the experiment observed.
#[derive(Debug)]
pub struct Observed {
    pub baseline: Settings,
    pub cells: Vec<Cell>,
    pub noise: Noise,
    /// Changes between the two identical runs (imperceptible ones: a finding).
    pub aa_changes: Vec<Change>,
    /// Dimensions whose single-dimension cells changed the output, and
    /// those that changed it only while another was at a triggering value.
    pub changing: Vec<Dim>,
    /// (held dimension, varied dimension): the varied one changed the
    /// output only while the held one was at a triggering value.
    pub conjunctions: Vec<(Dim, Dim)>,
    /// Work left out by the budget, and other gaps.
    pub gaps: Vec<String>,
    /// Cells that were planned but left out by the budget, or whose
    /// sandbox failed: nothing of them is in `cells`.
    pub skipped: Vec<Skipped>,
    pub notes: Vec<String>,
    pub guidance: Guidance,
    pub wall: Duration,
}

/// A planned cell that produced nothing to compare.
#[derive(Debug)]
pub struct Skipped {
    pub label: String,
    pub settings: Settings,
    /// The sandbox step that failed; `None`: the budget left it out.
    pub failure: Option<SandboxFailure>,
}

/// Why the experiment could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExperimentError {
    #[error("sandbox step `{}` failed: {}", .0.step, .0.message)]
    Sandbox(SandboxFailure),
    #[error("{0}")]
    NoProviderTraffic(String),
}

/// Baseline settings for a run configuration.
pub fn baseline(cfg: &RunConfig) -> Settings {
    let host = default_host(cfg);
    let mut values = BTreeMap::new();
    for (d, vals) in fixed_catalogue(&host) {
        values.insert(d, vals[0].clone());
    }
    Settings { values }
}

fn default_host(cfg: &RunConfig) -> String {
    let url = if cfg.profile.default_base_url.is_empty() {
        crate::profile::generic_base(cfg.profile.family).1
    } else {
        cfg.profile.default_base_url
    };
    url.split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or("")
        .to_owned()
}

struct Runner<'a> {
    cfg: &'a RunConfig,
    target: &'a Target,
    opts: &'a Options,
    deadline: Instant,
    seq: AtomicUsize,
    /// Wall time of every cell run so far (shared by the runners of one
    /// experiment): a cell is started only when a typical cell would end
    /// before the deadline, so the budget bounds the whole matrix.
    walls: &'a Mutex<Vec<Duration>>,
}

impl<'a> Runner<'a> {
    fn new(
        cfg: &'a RunConfig,
        target: &'a Target,
        opts: &'a Options,
        deadline: Instant,
        seq: usize,
        walls: &'a Mutex<Vec<Duration>>,
    ) -> Runner<'a> {
        Runner {
            cfg,
            target,
            opts,
            deadline,
            seq: AtomicUsize::new(seq),
            walls,
        }
    }

    /// The median wall time of the cells run so far.
    fn typical(&self) -> Duration {
        let mut w = crate::capture::lock(self.walls).clone();
        if w.is_empty() {
            return Duration::ZERO;
        }
        w.sort();
        w[w.len() / 2]
    }

    /// Runs cells in parallel; cells not started before the deadline are
    /// returned as `None` (unless `force`).
    fn batch(
        &self,
        cells: Vec<(String, Settings)>,
        force: bool,
    ) -> Vec<(String, Settings, Option<RunResult>)> {
        let forced = if force { cells.len() } else { 0 };
        self.batch_gated(cells, forced, &|_| true, &|| false)
    }

    /// [`Runner::batch`], where the first `forced` cells ignore the
    /// deadline and `hold`; `go_on` judges the first cell's result: when it
    /// says no, cells not yet started are left out (`None`); when `hold`
    /// says yes, the other cells not yet started are left out too (the
    /// caller runs them later, after more important ones).
    fn batch_gated(
        &self,
        cells: Vec<(String, Settings)>,
        forced: usize,
        go_on: &(dyn Fn(&RunResult) -> bool + Sync),
        hold: &(dyn Fn() -> bool + Sync),
    ) -> Vec<(String, Settings, Option<RunResult>)> {
        let stop = std::sync::atomic::AtomicBool::new(false);
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<RunResult>>> =
            Mutex::new((0..cells.len()).map(|_| None).collect());
        let workers = self.opts.jobs.max(1).min(cells.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some((_, settings)) = cells.get(i) else {
                            break;
                        };
                        if stop.load(Ordering::SeqCst)
                            || (i >= forced
                                && (hold() || Instant::now() + self.typical() >= self.deadline))
                        {
                            continue;
                        }
                        let n = self.seq.fetch_add(1, Ordering::SeqCst);
                        let dir = self.opts.work_root.join(format!("cell-{n}"));
                        let _ = std::fs::create_dir_all(&dir);
                        let spec = self.cfg.cell(self.target, settings);
                        let t0 = Instant::now();
                        let r = run_cell(&self.opts.helper, &spec, &dir);
                        crate::capture::lock(self.walls).push(t0.elapsed());
                        if std::env::var_os("PLAINSIGHT_PROBE_KEEP").is_none() {
                            let _ = std::fs::remove_dir_all(&dir);
                        }
                        if i == 0 && !go_on(&r) {
                            stop.store(true, Ordering::SeqCst);
                        }
                        crate::capture::lock(&results)[i] = Some(r);
                    }
                });
            }
        });
        let results = results
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cells
            .into_iter()
            .zip(results)
            .map(|((l, s), r)| (l, s, r))
            .collect()
    }
}

fn provider_requests(r: &RunResult) -> usize {
    r.exchanges
        .iter()
        .filter(|e| {
            e.api.as_deref().is_some_and(|a| {
                a.contains("messages")
                    || a.contains("chat")
                    || a.contains("responses")
                    || a.contains("generate")
            })
        })
        .count()
}

/// Runs the whole experiment. `guidance` is computed on its own thread
/// (the scan) while the first cells run.
pub fn run(
    cfg: &RunConfig,
    target: &Target,
    guidance: impl FnOnce() -> Guidance + Send,
    opts: &Options,
) -> Result<Observed, ExperimentError> {
    let started = Instant::now();
    let base = baseline(cfg);
    std::thread::scope(|s| {
        // The guiding scan runs while the first cells do.
        let scan = s.spawn(guidance);
        let mut obs = Observed {
            baseline: base.clone(),
            cells: Vec::new(),
            noise: Noise::default(),
            aa_changes: Vec::new(),
            changing: Vec::new(),
            conjunctions: Vec::new(),
            gaps: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
            guidance: Guidance::default(),
            wall: Duration::ZERO,
        };
        let deadline = started + opts.budget;
        // The A/A pair and the first one-dimension cells in one batch, the
        // baseline first. If the baseline gets no provider turn over an
        // https:// base URL (the agent refuses the interception, or its TLS
        // stack hangs), the cells not yet started are dropped and the batch
        // runs again with a plain-http base URL; the report says so.
        let fixed = fixed_catalogue(&default_host(cfg));
        let mut batch1: Vec<(String, Settings)> = vec![
            ("baseline".into(), base.clone()),
            ("baseline (repeat)".into(), base.clone()),
        ];
        for (d, vals) in &fixed {
            if let Some(v) = vals.get(1) {
                batch1.push((format!("{d} = {v}"), base.with(d, v)));
            }
        }
        let https = cfg.base_scheme == "https";
        let turn = |r: &RunResult| r.error.is_some() || provider_requests(r) > 0 || !https;
        let mut used = cfg.clone();
        let walls = Mutex::new(Vec::new());
        // The A/A pair always runs; the one-dimension cells fill the time
        // the guiding scan takes, and those not started when it is done
        // wait until the scan-guided cells have run.
        let hold = || scan.is_finished();
        let mut done = Runner::new(&used, target, opts, deadline, 0, &walls).batch_gated(
            batch1.clone(),
            2,
            &turn,
            &hold,
        );
        let first_ok = done
            .first()
            .and_then(|(_, _, r)| r.as_ref())
            .is_some_and(turn);
        if !first_ok {
            let mut alt = cfg.clone();
            "http".clone_into(&mut alt.base_scheme);
            let retry = Runner::new(&alt, target, opts, deadline, 1000, &walls).batch_gated(
                batch1,
                2,
                &|_| true,
                &hold,
            );
            if retry
                .first()
                .and_then(|(_, _, r)| r.as_ref())
                .is_some_and(|r| provider_requests(r) > 0)
            {
                obs.notes.push(
                    "the agent made no provider request with an https:// base URL inside the sandbox; \
                     the base URL is plain http:// in every cell (hard-coded HTTPS hosts are still intercepted)"
                        .to_owned(),
                );
                used = alt;
                done = retry;
            }
        }
        let cfg = &used;
        let runner = Runner::new(cfg, target, opts, deadline, 2000, &walls);
        let mut done = done.into_iter();
        let (_, _, a1) = done.next().expect("baseline");
        let a1 = a1.unwrap_or_default();
        let (_, _, a2) = done.next().expect("repeat");
        let a2 = a2.unwrap_or_default();
        for r in [&a1, &a2] {
            if let Some(e) = &r.error {
                return Err(ExperimentError::Sandbox(e.clone()));
            }
        }
        if provider_requests(&a1) == 0 {
            let how = match &a1.ended {
                Some(Ended::TimedOut) => "timed out".to_owned(),
                Some(Ended::Exited(c)) => format!("exited with {c}"),
                None => "did not start".to_owned(),
            };
            let hosts: BTreeSet<&str> = a1
                .exchanges
                .iter()
                .map(|e| e.host.as_str())
                .chain(a1.dns.iter().map(|d| d.name.as_str()))
                .collect();
            return Err(ExperimentError::NoProviderTraffic(format!(
                "the agent made no provider request in the baseline run ({how}; hosts contacted: {}); nothing can be compared, the run is not clean.\nagent stderr: {}\nagent stdout: {}",
                if hosts.is_empty() {
                    "none".to_owned()
                } else {
                    hosts.into_iter().collect::<Vec<_>>().join(", ")
                },
                tail(&a1.stderr, 1200),
                tail(&a1.stdout, 600),
            )));
        }
        let base_host = base.get(&Dim::Host).to_owned();
        let f1 = diff::flatten(&a1.exchanges, &base_host);
        let f2 = diff::flatten(&a2.exchanges, &base_host);
        obs.aa_changes = diff::compare(&f1, &f2, &Noise::default());
        obs.noise.learn(&f1, &f2);
        obs.notes.extend(a1.notes.iter().cloned());
        let base_flat = f1.clone();
        let push_cell =
            |obs: &mut Observed, label: String, settings: Settings, r: Option<RunResult>| {
                let Some(r) = r else {
                    obs.gaps
                        .push(format!("cell not run (time budget): {label}"));
                    obs.skipped.push(Skipped {
                        label,
                        settings,
                        failure: None,
                    });
                    return;
                };
                if let Some(e) = &r.error {
                    obs.gaps.push(format!(
                        "cell {label}: sandbox step `{}` failed: {}",
                        e.step, e.message
                    ));
                    obs.skipped.push(Skipped {
                        label,
                        settings,
                        failure: Some(e.clone()),
                    });
                    return;
                }
                if r.ended == Some(Ended::TimedOut) {
                    obs.gaps.push(format!(
                        "cell {label}: the agent hit the time limit and was killed"
                    ));
                }
                if provider_requests(&r) == 0 {
                    obs.gaps.push(format!(
                        "cell {label}: no provider request was made (nothing to compare)"
                    ));
                }
                let flat = diff::flatten(&r.exchanges, settings.get(&Dim::Host));
                let changes = diff::compare(&base_flat, &flat, &obs.noise);
                let conditional = conditional_comparisons(obs, &base, &settings, &flat);
                obs.cells.push(Cell {
                    label,
                    settings,
                    result: r,
                    flat,
                    changes,
                    conditional,
                });
            };
        push_cell(&mut obs, "baseline".into(), base.clone(), Some(a1));
        push_cell(&mut obs, "baseline (repeat)".into(), base.clone(), Some(a2));
        let mut deferred: Vec<(String, Settings)> = Vec::new();
        for (label, settings, r) in done {
            match r {
                Some(r) => push_cell(&mut obs, label, settings, Some(r)),
                None => deferred.push((label, settings)),
            }
        }

        // The scan's guidance.
        let g = scan.join().unwrap_or_default();
        obs.guidance = g.clone();
        let mut catalogue: Vec<(Dim, Vec<String>)> = fixed;
        let guided_hosts = guide::synthesize_hosts(&g);
        for (d, vals) in &mut catalogue {
            let extra: Vec<String> = match d {
                Dim::Host => guided_hosts.clone(),
                Dim::TimeZone => g.zones.clone(),
                Dim::Locale => g.locales.clone(),
                Dim::HostName | Dim::User => g
                    .identities
                    .iter()
                    .filter(|s| !s.contains('.') || *d == Dim::HostName)
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            // Guided values go right after the baseline.
            let mut merged = vec![vals[0].clone()];
            for v in extra.into_iter().chain(vals.iter().skip(1).cloned()) {
                if !merged.contains(&v) {
                    merged.push(v);
                }
            }
            *vals = merged;
        }
        let already: BTreeSet<String> = cfg
            .base_url_env
            .iter()
            .map(|(k, _)| k)
            .chain(cfg.key_env.iter())
            .cloned()
            .collect();
        let env_dims: Vec<(Dim, Vec<String>)> = g
            .env_vars
            .iter()
            .filter(|(n, _)| !already.contains(n) && !SET_BY_MATRIX.contains(&n.as_str()))
            .map(|(n, consts)| {
                let mut vals = vec![UNSET.to_owned()];
                vals.extend(consts.iter().cloned());
                vals.push(alt_value(n));
                vals.dedup();
                (Dim::Env(n.clone()), vals)
            })
            .collect();
        let file_dims: Vec<(Dim, Vec<String>)> = g
            .files
            .iter()
            .map(|p| {
                (
                    Dim::File(p.clone()),
                    vec![
                        UNSET.to_owned(),
                        format!("# plainsight probe alternative content for {p}\nID=plainsight\n"),
                    ],
                )
            })
            .collect();

        // Guided one-dimension cells: every guided host and zone.
        let mut cells: Vec<(String, Settings)> = Vec::new();
        for (d, _) in &catalogue {
            let guided: Vec<&String> = match d {
                Dim::Host => guided_hosts.iter().collect(),
                Dim::TimeZone => g.zones.iter().collect(),
                Dim::Locale => g.locales.iter().collect(),
                _ => Vec::new(),
            };
            // One value per class of synthesized host (they come
            // interleaved), a few of each other guided list: the rest of
            // the guided values are explored later if the dimension
            // changes anything.
            for v in guided.into_iter().take(GUIDED_FIRST.min(opts.max_values)) {
                // (Whether it ran is what counts: the catalogue's second
                // value is a guided one now, not the one the first batch ran.)
                let s = base.with(d, v);
                if !obs.cells.iter().any(|c| c.settings == s)
                    && !deferred.iter().any(|(_, x)| *x == s)
                {
                    cells.push((format!("{d} = {v}"), base.with(d, v)));
                }
            }
        }
        for (label, settings, r) in runner.batch(std::mem::take(&mut cells), false) {
            push_cell(&mut obs, label, settings, r);
        }
        // The one-dimension cells the scan's end held back.
        for (label, settings, r) in runner.batch(deferred, false) {
            push_cell(&mut obs, label, settings, r);
        }
        // What changed so far is explored first: it is what names the triggering values.
        let all_dims: Vec<(Dim, Vec<String>)> = catalogue
            .iter()
            .chain(env_dims.iter())
            .chain(file_dims.iter())
            .cloned()
            .collect();
        let mut changing = changing_dims(&obs, &base);
        // A dimension may change the output only while another is at a
        // triggering value: the others are run again with it held.
        conjunction_rounds(
            &runner,
            &mut obs,
            &base,
            &changing,
            &catalogue,
            opts.max_values,
            &push_cell,
        );
        explore_and_pair(
            &runner,
            &mut obs,
            &base,
            &changing,
            &all_dims,
            opts.max_values,
            &push_cell,
        );

        // Group cells: every fixed dimension at its k-th value at once.
        for k in 2..2 + opts.group_cells {
            let mut s = base.clone();
            let mut any = false;
            for (d, vals) in &catalogue {
                if *d == Dim::Proxy {
                    continue;
                }
                if let Some(v) = vals.get(k) {
                    s = s.with(d, v);
                    any = true;
                }
            }
            if any && !obs.cells.iter().any(|c| c.settings == s) {
                cells.push((format!("group {k}"), s));
            }
        }
        // Scan-guided variables and files, in groups.
        let var_dims: Vec<&(Dim, Vec<String>)> = env_dims.iter().chain(file_dims.iter()).collect();
        for (gi, chunk) in var_dims.chunks(opts.env_group.max(1)).enumerate() {
            for pick in 1..=2 {
                let mut s = base.clone();
                let mut any = false;
                for (d, vals) in chunk {
                    if let Some(v) = vals.get(pick).or_else(|| vals.last()) {
                        s = s.with(d, v);
                        any = true;
                    }
                }
                if any && !cells.iter().any(|(_, c)| *c == s) {
                    cells.push((format!("variables group {} value {pick}", gi + 1), s));
                }
            }
        }
        for (label, settings, r) in runner.batch(cells, false) {
            push_cell(&mut obs, label, settings, r);
        }

        // Attribute what multi-dimension cells changed.
        let unexplained: Vec<(Settings, Vec<(Dim, String)>)> = obs
            .cells
            .iter()
            .filter(|c| c.settings.changes_from(&base).len() > 1)
            .filter(|c| {
                c.changes
                    .iter()
                    .any(|ch| !explained(&obs, &base, &changing, ch))
            })
            .map(|c| (c.settings.clone(), c.settings.changes_from(&base)))
            .collect();
        let mut attrib = Vec::new();
        for (_, dims) in &unexplained {
            for (d, v) in dims {
                let s = base.with(d, v);
                if !obs.cells.iter().any(|c| c.settings == s)
                    && !attrib.iter().any(|(_, x)| *x == s)
                {
                    attrib.push((format!("{d} = {v}"), s));
                }
            }
        }
        for (label, settings, r) in runner.batch(attrib, false) {
            push_cell(&mut obs, label, settings, r);
        }
        let before = changing.clone();
        changing = changing_dims(&obs, &base);
        for (_, dims) in &unexplained {
            if !dims.iter().any(|(d, _)| changing.contains(d)) {
                let names: Vec<String> = dims.iter().map(|(d, v)| format!("{d} = {v}")).collect();
                obs.notes.push(format!(
                    "a combination of dimensions changed the output where no single one did: {}",
                    names.join(", ")
                ));
            }
        }
        let fresh: Vec<Dim> = changing
            .iter()
            .filter(|d| !before.contains(d))
            .cloned()
            .collect();
        if !fresh.is_empty() {
            explore_and_pair(
                &runner,
                &mut obs,
                &base,
                &changing,
                &all_dims,
                opts.max_values,
                &push_cell,
            );
        }
        let mut conj: Vec<(Dim, Dim)> = conjunctions(&obs, &base)
            .into_iter()
            .map(|(a, _, b, _)| (a, b))
            .collect();
        conj.sort();
        conj.dedup();
        for (_, b) in &conj {
            if !changing.contains(b) {
                changing.push(b.clone());
            }
        }
        obs.conjunctions = conj;
        obs.changing = changing;
        obs.wall = started.elapsed();
        Ok(obs)
    })
}

/// Records a finished (or skipped) cell.
type PushCell<'a> = dyn Fn(&mut Observed, String, Settings, Option<RunResult>) + 'a;

/// A place in what was sent: request key, occurrence, pointer, span start.
pub type Site = (String, usize, String, usize);

/// What `settings` (a cell about to be recorded) changed compared with
/// each recorded cell that changed only one of its two dimensions.
fn conditional_comparisons(
    obs: &Observed,
    base: &Settings,
    settings: &Settings,
    flat: &[FlatRequest],
) -> Vec<Conditional> {
    let dims = settings.changes_from(base);
    if dims.len() != 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, (given, gv)) in dims.iter().enumerate() {
        let (varied, vv) = &dims[1 - i];
        let reference = base.with(given, gv);
        let Some(ri) = obs.cells.iter().position(|c| c.settings == reference) else {
            continue;
        };
        out.push(Conditional {
            given: (given.clone(), gv.clone()),
            varied: (varied.clone(), vv.clone()),
            reference: ri,
            changes: diff::compare(&obs.cells[ri].flat, flat, &obs.noise)
                .into_iter()
                .filter(|c| !obs.noise.varies_at(&c.pointer))
                .collect(),
        });
    }
    out
}

/// Whether a cell that changed only `dim` showed a change of `kind` at `pointer`.
pub fn shows_alone(
    obs: &Observed,
    base: &Settings,
    dim: &Dim,
    pointer: &str,
    kind: DiffKind,
) -> bool {
    single_cells(obs, base).into_iter().any(|(d, c)| {
        d == *dim
            && c.changes
                .iter()
                .any(|ch| ch.pointer == pointer && ch.kind == kind)
    })
}

/// (held dimension, its value, varied dimension, its value) of every
/// comparison where the varied dimension changed something it does not
/// change alone.
pub fn conjunctions(obs: &Observed, base: &Settings) -> Vec<(Dim, String, Dim, String)> {
    let mut out = Vec::new();
    for c in &obs.cells {
        for cond in &c.conditional {
            if cond
                .changes
                .iter()
                .any(|ch| !shows_alone(obs, base, &cond.varied.0, &ch.pointer, ch.kind))
            {
                let t = (
                    cond.given.0.clone(),
                    cond.given.1.clone(),
                    cond.varied.0.clone(),
                    cond.varied.1.clone(),
                );
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// Conjunctions of two conditions. Round 1: with the first triggering
/// value of each changing dimension held, every other dimension at its
/// first alternative (scan-guided values come first in the catalogue).
/// Round 2, for each dimension that changed something only while another
/// was held: its further values with the trigger held, and the converse —
/// the held dimension's other values (the other triggering ones first)
/// with the varied one at the value that showed the change. Dimensions
/// that showed nothing under a trigger are not explored further.
fn conjunction_rounds(
    runner: &Runner<'_>,
    obs: &mut Observed,
    base: &Settings,
    changing: &[Dim],
    catalogue: &[(Dim, Vec<String>)],
    max_values: usize,
    push_cell: &PushCell<'_>,
) {
    let vals_of = |d: &Dim| -> Vec<String> {
        catalogue
            .iter()
            .find(|(x, _)| x == d)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // Triggering values of each changing dimension, one per distinct variant.
    let mut triggers: Vec<(Dim, Vec<String>)> = Vec::new();
    for d in changing {
        let mut seen: Vec<BTreeSet<(String, String)>> = Vec::new();
        let mut vals = Vec::new();
        for (x, c) in single_cells(obs, base) {
            if x != *d || c.changes.is_empty() {
                continue;
            }
            let sig: BTreeSet<(String, String)> = c
                .changes
                .iter()
                .map(|ch| (ch.pointer.clone(), ch.b_text().to_owned()))
                .collect();
            if !seen.contains(&sig) {
                seen.push(sig);
                vals.push(c.settings.get(d).to_owned());
            }
        }
        triggers.push((d.clone(), vals));
    }
    let mut cells: Vec<(String, Settings)> = Vec::new();
    let add = |cells: &mut Vec<(String, Settings)>, obs: &Observed, label: String, s: Settings| {
        if s != *base
            && !obs.cells.iter().any(|c| c.settings == s)
            && !cells.iter().any(|(_, x)| *x == s)
        {
            cells.push((label, s));
        }
    };
    for (a, avals) in &triggers {
        let Some(av) = avals.first() else { continue };
        for (b, bvals) in catalogue {
            if b == a {
                continue;
            }
            if let Some(bv) = bvals.get(1) {
                add(
                    &mut cells,
                    obs,
                    format!("{b} = {bv} while {a} = {av}"),
                    base.with(a, av).with(b, bv),
                );
            }
        }
    }
    for (label, settings, r) in runner.batch(std::mem::take(&mut cells), false) {
        push_cell(obs, label, settings, r);
    }
    let found = conjunctions(obs, base);
    let mut done_pairs: Vec<(Dim, Dim)> = Vec::new();
    for (a, av, b, bv) in &found {
        if done_pairs.contains(&(a.clone(), b.clone()))
            || done_pairs.contains(&(b.clone(), a.clone()))
        {
            continue;
        }
        done_pairs.push((a.clone(), b.clone()));
        // The converse first: which values of the held dimension enable it.
        let mut avals: Vec<String> = triggers
            .iter()
            .find(|(x, _)| x == a)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        for (x, c) in single_cells(obs, base) {
            if x == *a {
                avals.push(c.settings.get(a).to_owned());
            }
        }
        avals.extend(vals_of(a).into_iter().skip(1));
        let mut n = 0;
        for v in avals {
            if n >= max_values {
                break;
            }
            if v == *av {
                continue;
            }
            let before = cells.len();
            add(
                &mut cells,
                obs,
                format!("{a} = {v} while {b} = {bv}"),
                base.with(a, &v).with(b, bv),
            );
            n += cells.len() - before;
        }
        for v in vals_of(b)
            .iter()
            .skip(1)
            .filter(|v| *v != bv)
            .take(max_values.saturating_sub(1))
        {
            add(
                &mut cells,
                obs,
                format!("{b} = {v} while {a} = {av}"),
                base.with(a, av).with(b, v),
            );
        }
    }
    for (label, settings, r) in runner.batch(cells, false) {
        push_cell(obs, label, settings, r);
    }
}

/// Explores every value of each changing dimension, then pairs of them.
fn explore_and_pair(
    runner: &Runner<'_>,
    obs: &mut Observed,
    base: &Settings,
    changing: &[Dim],
    all_dims: &[(Dim, Vec<String>)],
    max_values: usize,
    push_cell: &PushCell<'_>,
) {
    let mut explore = Vec::new();
    for d in changing {
        let vals = all_dims
            .iter()
            .find(|(x, _)| x == d)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        for v in vals.iter().skip(1).take(max_values) {
            let s = base.with(d, v);
            if !obs.cells.iter().any(|c| c.settings == s) && !explore.iter().any(|(_, x)| *x == s) {
                explore.push((format!("{d} = {v}"), s));
            }
        }
    }
    for (label, settings, r) in runner.batch(explore, false) {
        push_cell(obs, label, settings, r);
    }
    let mut pairs = Vec::new();
    for (i, d1) in changing.iter().enumerate() {
        for d2 in changing.iter().skip(i + 1) {
            let t1 = triggering_values(obs, base, d1);
            let t2 = triggering_values(obs, base, d2);
            for v1 in t1.iter().take(2) {
                for v2 in t2.iter().take(2) {
                    let s = base.with(d1, v1).with(d2, v2);
                    if !obs.cells.iter().any(|c| c.settings == s)
                        && !pairs.iter().any(|(_, x)| *x == s)
                    {
                        pairs.push((format!("{d1} = {v1} and {d2} = {v2}"), s));
                    }
                }
            }
        }
    }
    for (label, settings, r) in runner.batch(pairs, false) {
        push_cell(obs, label, settings, r);
    }
}

/// Guided values per dimension run before anything is known to change:
/// one synthesized host of each class (domain, keyword, both, neither).
const GUIDED_FIRST: usize = 4;

/// Variables the matrix sets itself (their own dimensions).
const SET_BY_MATRIX: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "TERM",
    "HOSTNAME",
    "TZ",
    "LANG",
    "LC_ALL",
    "LC_MESSAGES",
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "https_proxy",
    "http_proxy",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
];

/// A plausible alternative value for a variable, by its name's kind.
fn alt_value(name: &str) -> String {
    let n = name.to_ascii_uppercase();
    if n.ends_with("_URL")
        || n.ends_with("_ENDPOINT")
        || n.ends_with("_HOST")
        || n.contains("BASE_URL")
    {
        "https://gateway.example.net".to_owned()
    } else if n.contains("PROXY") {
        format!(
            "http://{}:{}",
            crate::matrix::PROXY_HOST,
            crate::matrix::PROXY_PORT
        )
    } else if n.contains("TZ") || n.contains("TIMEZONE") {
        "Asia/Tokyo".to_owned()
    } else if n.contains("LANG") || n.contains("LOCALE") {
        "ja_JP.UTF-8".to_owned()
    } else if n.contains("USER") || n.contains("NAME") {
        "probe-user".to_owned()
    } else {
        "1".to_owned()
    }
}

/// Cells that changed exactly one dimension from the baseline, by dimension.
fn single_cells<'a>(obs: &'a Observed, base: &Settings) -> Vec<(Dim, &'a Cell)> {
    obs.cells
        .iter()
        .filter_map(|c| {
            let ch = c.settings.changes_from(base);
            (ch.len() == 1).then(|| (ch[0].0.clone(), c))
        })
        .collect()
}

fn changing_dims(obs: &Observed, base: &Settings) -> Vec<Dim> {
    let mut out: Vec<Dim> = single_cells(obs, base)
        .into_iter()
        .filter(|(_, c)| !c.changes.is_empty())
        .map(|(d, _)| d)
        .collect();
    out.sort();
    out.dedup();
    out
}

fn site(ch: &Change) -> Site {
    (ch.key.clone(), ch.occ, ch.pointer.clone(), ch.a_span.start)
}

fn explained(obs: &Observed, base: &Settings, changing: &[Dim], ch: &Change) -> bool {
    let s = site(ch);
    single_cells(obs, base)
        .into_iter()
        .any(|(d, c)| changing.contains(&d) && c.changes.iter().any(|x| site(x) == s))
}

/// Values of `d` whose single-dimension cell changed the output.
pub fn triggering_values(obs: &Observed, base: &Settings, d: &Dim) -> Vec<String> {
    single_cells(obs, base)
        .into_iter()
        .filter(|(x, c)| x == d && !c.changes.is_empty())
        .map(|(_, c)| c.settings.get(d).to_owned())
        .collect()
}

/// Last `n` characters of `s`.
pub fn tail(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        return s.trim().to_owned();
    }
    format!("…{}", s.chars().skip(count - n).collect::<String>().trim())
}

/// For the findings: per site, what each cell showed there.
pub fn sites(obs: &Observed) -> HashMap<Site, Vec<(usize, &Change)>> {
    let mut out: HashMap<_, Vec<(usize, &Change)>> = HashMap::new();
    for (i, c) in obs.cells.iter().enumerate() {
        for ch in &c.changes {
            out.entry(site(ch)).or_default().push((i, ch));
        }
    }
    out
}
