//! Covert channels (PS101–PS105): an environment-derived value decides which of
//! several imperceptibly different texts the program produces, and the text
//! leaves the process.
//!
//! Design: **carriers first, then value flow** (the engine is [`crate::flow`]):
//! 1. One pass per unit finds carriers by kind ([`crate::flow::seeds`]):
//!    imperceptible literals, computed invisible code points, formatters with
//!    chosen options, and merge points of constant texts that may differ
//!    imperceptibly.
//! 2. Each carrier's value is followed forward over the package's module
//!    graph ([`crate::flow::walk`]); the decisions that select it and the
//!    sinks it reaches are recorded on the way.
//! 3. A decision counts when its two sides — the carrier's text and what the
//!    other paths produce — are judged imperceptibly different by the text
//!    engine's [`plainsight_text::classify`] (look-alike → PS101, invisible →
//!    PS102, spacing → PS103, format → PS104; an alphabet of invisible
//!    characters or code points computed from data → PS105), and kinds that
//!    are everyday code rather than carriers are set aside
//!    (`covert_kind_holds`: ASCII-only look-alikes, line endings, an optional
//!    separator; tests on one character of the data being transformed, as in
//!    escape and transliteration tables).
//! 4. Only then its test is traced back to environment reads
//!    ([`crate::flow::taint`]). Severity and confidence follow what was
//!    *proven*: a targetable read (endpoint, time zone/locale, identity, CI)
//!    on a path with no join by name or unknown call is high confidence,
//!    critical when the text reaches a sink; unproven paths, generic or
//!    platform variables near the choice, and unknown origins with a sink are
//!    reported lower rather than dropped.

use std::collections::HashMap;
use std::rc::Rc;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, BinaryOperator, BindingPattern, CallExpression, Expression,
    LogicalOperator, ObjectPropertyKind, UnaryOperator,
};
use oxc_semantic::NodeId;
use oxc_span::{GetSpan, Span};
use plainsight_core::{
    CharNote, Confidence, Finding, Flow, FlowStep, Incomplete, IncompleteKind, Rule, Severity,
};
use plainsight_text::{DiffKind, classify};

use crate::context::Ctx;
use crate::env::EnvCategory;
use crate::eval::{Evaluator, Value};
use crate::flow::seeds::is_stringish;
use crate::flow::seeds::{self, Seed, SeedKind};
use crate::flow::taint::{Found, StepKind, Taint};
use crate::flow::walk::{Alts, Decision, Engine, Event, Hop, Mode, Test, Walker};
use crate::flow::{Control, Program, UnitId, modules, names, nid};
use crate::snippet;

/// Longest backward path from a targetable read, on a path that is not
/// proven (a join by name, an unknown call), that still makes a finding.
const UNPROVEN_MAX_HOPS: usize = 6;
/// Longest backward path from a non-targetable (generic or platform)
/// environment read that still makes a covert-channel finding.
const GENERIC_ENV_MAX_HOPS: usize = 4;
/// Up to this many distinct texts every pair is compared; beyond it only
/// pairs with equal [`signature`]s (a necessary condition for an
/// imperceptible difference), so a table of thousands costs one signature
/// each and no alternative is ever dropped.
const ALL_PAIRS_MAX: usize = 48;

/// What the covert-channel analysis of a program produced.
#[derive(Default)]
pub(crate) struct Output {
    /// Findings per unit, in the order of the units given.
    pub findings: Vec<Vec<Finding>>,
    /// Why the analysis of each unit is not complete (a flow budget ran
    /// out while following one of its values), in the order of the units.
    pub incomplete: Vec<Vec<Incomplete>>,
    /// The program's budget (its pool and every site's own steps) and how
    /// much of it was spent.
    pub pool: u64,
    pub spent: u64,
}

/// PS1xx over one unit.
pub fn analyze(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let mut o = analyze_program(&[ctx]);
    out.append(&mut o.findings[0]);
}

/// PS1xx over the units of one package together: one module graph, flows
/// across modules. Findings are placed in the unit holding the decision.
pub(crate) fn analyze_program<'a>(units: &[&Ctx<'a>]) -> Output {
    let t_start = std::time::Instant::now();
    let mut all_seeds: Vec<Seed<'a>> = Vec::new();
    let mut name_indexes = Vec::with_capacity(units.len());
    let mut raws = Vec::with_capacity(units.len());
    for (u, ctx) in units.iter().enumerate() {
        let s = seeds::scan(ctx, u as UnitId);
        all_seeds.extend(s.seeds);
        name_indexes.push(names::NameIndex::new(s.names));
        raws.push(s.raw);
    }
    let mut out = Output {
        findings: (0..units.len()).map(|_| Vec::new()).collect(),
        incomplete: (0..units.len()).map(|_| Vec::new()).collect(),
        pool: 0,
        spent: 0,
    };
    if all_seeds.is_empty() {
        return out;
    }
    let t_seeds = t_start.elapsed();
    let tm = std::time::Instant::now();
    let graph = modules::Graph::build(units, raws);
    let t_modules = tm.elapsed();
    let prog = Program {
        units,
        graph,
        names: name_indexes,
    };
    let eng = Engine::new(&prog);
    all_seeds.sort_by_key(Seed::rank);
    let stats = std::env::var_os("PLAINSIGHT_FLOW_STATS").is_some();
    let t0 = std::time::Instant::now();
    let mut st = Stats::default();
    let mut reports: HashMap<(UnitId, NodeId), Report> = HashMap::new();
    let mut judged_cache: JudgedCache = HashMap::new();
    let mut taint_cache: TaintCache = HashMap::new();
    let mut render_cache: RenderCache = HashMap::new();
    let mut big_cache: BigCache = HashMap::new();
    // One pool of steps for the whole program, proportional to its size:
    // every site gets a share of it in rounds (see `FlowLimits::pool_steps_per_kb`).
    let bytes: u64 = units.iter().map(|c| c.source.len() as u64).sum();
    let pool = pool_steps(&eng.base, bytes);
    eng.set_pool(pool);
    // Every call site of every function, once, before any site's share.
    let tc = std::time::Instant::now();
    eng.call_index();
    let t_calls = tc.elapsed();
    // The cuts of each site's last attempt: (1 = carrier walk / 2 = a
    // decision's sources, place, limit reached).
    let mut cuts: Vec<Vec<(u32, Span, &'static str)>> = vec![Vec::new(); all_seeds.len()];
    let mut pending: Vec<usize> = (0..all_seeds.len()).collect();
    // Sites whose coarse pass ran out of its budget: cut for good.
    let mut given_up: Vec<usize> = Vec::new();
    let mut per_round: Vec<usize> = Vec::new();
    eng.set_coarse_pool(coarse_steps(&eng.base, bytes));
    // The program's coarse walk, shared by every site finished coarsely,
    // and the sites in it whose reach it has not yet explored to the end.
    let mut cw = Walker::coarse(&eng);
    let mut coarse_waiting: Vec<usize> = Vec::new();
    let mut scale = 1u32;
    let mut rounds = 0u32;
    loop {
        rounds += 1;
        eng.set_round(scale);
        // From `COARSE_SCALE` on, in the last round and once the pool is
        // spent, a site whose precise walk is cut again is finished by the
        // coarse pass: re-walking an exploding site at a larger scale only
        // multiplies its states.
        let coarse_round = scale >= COARSE_SCALE || scale >= MAX_SCALE || eng.pool_left() == 0;
        let mut next = Vec::new();
        let mut to_coarse = Vec::new();
        let mut left = pending.len() as u64;
        for &i in &pending {
            // The site's share: an equal part of what is left; what it does
            // not use goes to the sites after it and to the next round.
            let share = (eng.pool_left() / left.max(1)).max(1);
            left -= 1;
            eng.set_share(share);
            // Every site is attempted in the first round with steps of its
            // own, whatever the sites before it spent; later rounds are
            // paid from the pool only.
            let first = rounds == 1;
            eng.set_own(if first {
                u64::from(eng.base.site_steps)
            } else {
                0
            });
            let seed = &all_seeds[i];
            if !first && eng.pool_left() == 0 {
                if coarse_round && eng.coarse_pool_left() > 0 {
                    to_coarse.push(i);
                    continue;
                }
                if cuts[i].is_empty() {
                    let span = prog.ctx(seed.unit).semantic.nodes().kind(seed.node).span();
                    cuts[i].push((1, span, "flow_pool"));
                }
                next.push(i);
                continue;
            }
            let a = attempt(
                &prog,
                &eng,
                seed,
                &mut judged_cache,
                &mut taint_cache,
                &mut render_cache,
                &mut big_cache,
                &mut reports,
                &mut st,
            );
            if a.cuts.is_empty() {
                cuts[i].clear();
            } else {
                cuts[i] = a.cuts;
                if coarse_round && a.walk_cut && eng.coarse_pool_left() > 0 {
                    to_coarse.push(i);
                } else {
                    next.push(i);
                }
            }
        }
        // The coarse passes of the round: each site adds its carrier to the
        // program's coarse walk and lets it go on with an equal part of what
        // is left of the coarse pool (decoys cannot spend a later site's
        // part). The precise walk's findings are kept. When the walk's queue
        // is empty, every site added so far is complete.
        let mut left = to_coarse.len() as u64;
        for &i in &to_coarse {
            let steps = (eng.coarse_pool_left() / left.max(1)).max(1);
            left -= 1;
            let (c, done) = coarse_pass(
                &prog,
                &eng,
                &mut cw,
                &all_seeds[i],
                steps,
                &mut judged_cache,
                &mut taint_cache,
                &mut render_cache,
                &mut big_cache,
                &mut reports,
                &mut st,
            );
            if c.is_empty() {
                coarse_waiting.push(i);
            } else {
                // Cut even coarsely: not attempted again.
                cuts[i] = c;
                given_up.push(i);
            }
            if done {
                for j in coarse_waiting.drain(..) {
                    cuts[j].clear();
                }
            }
        }
        pending = next;
        per_round.push(pending.len());
        if pending.is_empty() || scale >= MAX_SCALE || (coarse_round && eng.pool_left() == 0) {
            break;
        }
        scale = scale.saturating_mul(4);
    }
    eng.set_share(u64::MAX);
    eng.set_own(0);
    // Sites whose coarse reach was not explored to the end: cut.
    for &i in &coarse_waiting {
        let span = prog
            .ctx(all_seeds[i].unit)
            .semantic
            .nodes()
            .kind(all_seeds[i].node)
            .span();
        cuts[i] = vec![(1, span, "coarse_steps_per_kb")];
    }
    given_up.append(&mut coarse_waiting);
    st.coarse_states = cw.states.len();
    drop(cw);
    let mut exhausted: Vec<(UnitId, u32, Span, &'static str)> = Vec::new();
    pending.extend(given_up);
    for &i in &pending {
        for &(k, span, limit) in &cuts[i] {
            exhausted.push((all_seeds[i].unit, k, span, limit));
        }
    }
    // Steps of the pool, of each site's own first-round steps and of the
    // coarse pool (the
    // backward graph has its own budget, `backward_steps_per_kb`, and is
    // not paid from either).
    out.pool = pool
        + u64::from(eng.base.site_steps) * all_seeds.len() as u64
        + coarse_steps(&eng.base, bytes);
    out.spent = eng.spent.get() - eng.backward.borrow().stats().2;
    let (walk_states, decisions_n, judged_n, taint_t) =
        (st.walk_states, st.decisions, st.judged, st.taint);
    if stats {
        eprintln!(
            "flow stats: {rounds} rounds (last scale {scale}), pool {pool}, spent {}, {} sites cut",
            eng.spent.get(),
            pending.len()
        );
    }
    if stats {
        let mut kinds = [0usize; 5];
        for sd in &all_seeds {
            kinds[sd.rank() as usize] += 1;
        }
        eprintln!("flow stats: seeds computed/text/format/merge/spacing+order {kinds:?}");
        eprintln!(
            "flow stats: sites pending after each round {per_round:?}; {} finished by the coarse pass ({} coarse states), coarse pool left {}",
            st.coarse_sites,
            st.coarse_states,
            eng.coarse_pool_left()
        );
        let (n, e, s, ups) = eng.backward.borrow().stats();
        eprintln!("flow stats: backward graph {n} nodes, {e} edges, {s} steps; up nodes {ups:?}");
        let g = eng.backward.borrow();
        eprintln!(
            "flow stats: phases: seeds {t_seeds:?}, module graph {t_modules:?}, call index {t_calls:?}, backward graph {:?} ({} entries pushed over edges, {} stale skipped)",
            g.time, g.pushed, g.stale
        );
        eprintln!(
            "flow stats: {} seeds, {walk_states} walk states ({} joined shared ones, {} entries merged, {} collapsed), {decisions_n} decisions, {judged_n} judged, taint {taint_t:?}, total {:?}",
            all_seeds.len(),
            st.joined,
            st.merged,
            st.collapsed,
            t0.elapsed()
        );
    }
    let mut keys: Vec<_> = reports.keys().copied().collect();
    keys.sort_unstable();
    // Meetings kept out by `unproven_walk_hops`, per unit: (count, first place).
    let mut walk_cuts: Vec<(usize, Option<Span>)> = vec![(0, None); units.len()];
    let walk_hops = eng.base.unproven_walk_hops as usize;
    for key in keys {
        let r = reports.remove(&key).expect("key");
        match finding(&prog, key, r, walk_hops) {
            Verdict::Finding(f) => out.findings[key.0 as usize].push(*f),
            Verdict::WalkCut(span) => {
                let c = &mut walk_cuts[key.0 as usize];
                c.0 += 1;
                if c.1.is_none_or(|s| span.start < s.start) {
                    c.1 = Some(span);
                }
            }
            Verdict::None => {}
        }
    }
    // An unproven carrier path longer than `unproven_walk_hops` makes no
    // finding (Gemini CLI: an HTML entity table tied to a URL test 23–26
    // hops on through a merged hub), but the review says so: the unit is
    // partial, naming the place and the limit that kept it out.
    for (u, &(n, first)) in walk_cuts.iter().enumerate() {
        let Some(span) = first else { continue };
        let ctx = prog.ctx(u as UnitId);
        let at = ctx.lines.position(ctx.source, span.start);
        out.incomplete[u].push(Incomplete::new(
            IncompleteKind::Limit,
            format!(
                "{}{}:{}:{}: {n} meeting{} of a carrier and an environment-dependent decision not reported: the carrier's path is unproven and longer than {walk_hops} hops (limits reached: unproven_walk_hops)",
                chain_prefix(ctx.chain),
                ctx.path,
                at.line,
                at.column,
                if n == 1 { "" } else { "s" },
            ),
        ));
    }
    exhausted.sort_unstable_by_key(|e| (e.0, e.1, e.2.start));
    for (u, group) in exhausted
        .chunk_by(|a, b| a.0 == b.0 && a.1 == b.1)
        .map(|g| (g[0].0, g))
    {
        let ctx = prog.ctx(u);
        let first = ctx.lines.position(ctx.source, group[0].2.start);
        let what = if group[0].1 == 1 {
            "carrier sites whose value flow was not followed to the end"
        } else {
            "decisions whose environment sources were not all traced"
        };
        let mut limits: Vec<&str> = group.iter().map(|e| e.3).collect();
        limits.sort_unstable();
        limits.dedup();
        out.incomplete[u as usize].push(Incomplete::new(
            IncompleteKind::Budget,
            format!(
                "{}{}:{}:{}: covert-channel analysis budget ran out at {} {what} (limits reached: {})",
                chain_prefix(ctx.chain),
                ctx.path,
                first.line,
                first.column,
                group.len(),
                limits.join(", "),
            ),
        ));
    }
    out
}

/// Largest scale of the step limits a round reaches (64 times the configured
/// ones: a walk of 256,000 states at the defaults), which bounds the memory of
/// one site's walk; the pool bounds the total work.
const MAX_SCALE: u32 = 64;

type JudgedCache = HashMap<(UnitId, NodeId, UnitId, NodeId, u64, bool), Option<Judged>>;

/// Backward searches done, by unit, test and frames: the result, what cut
/// it, the round scale it ran at (a cut one is searched again in a later,
/// larger round) and whether it was already searched again this round
/// after a cut by the pool.
type TaintCache<'a> = HashMap<
    (UnitId, (u8, NodeId), Vec<crate::flow::walk::Frame>),
    (Taint<'a>, Option<&'static str>, u32, bool),
>;

/// A test's identity: its kind and node.
fn test_key(t: &Test<'_>) -> (u8, NodeId) {
    match t {
        Test::Control(Control::Test(e)) => (0, nid(e)),
        Test::Control(Control::Switch(e)) => (1, nid(e)),
        Test::Control(Control::Loop(e)) => (2, nid(e)),
        Test::Predicate(f) => (3, f.node_id()),
        Test::Key(e) => (4, nid(e)),
        Test::Data(e) => (5, nid(e)),
        Test::Controls(n) => (6, *n),
    }
}

#[derive(Default)]
struct Stats {
    walk_states: usize,
    joined: usize,
    merged: usize,
    collapsed: usize,
    coarse_sites: usize,
    coarse_states: usize,
    decisions: usize,
    judged: usize,
    taint: std::time::Duration,
}

/// The round scale from which a site whose precise walk is cut is finished
/// by the coarse pass (the second round: a site still cut at four times the
/// configured limits is, on real bundles, a merge site whose value spreads
/// over thousands of functions, and larger scales only multiply its states).
const COARSE_SCALE: u32 = 4;

/// The program's coarse pool: `coarse_steps_per_kb` per KiB of source, at
/// least `walk_steps` times 64 (none when it is 0).
fn coarse_steps(l: &crate::flow::FlowLimits, bytes: u64) -> u64 {
    let floor = if l.coarse_steps_per_kb == 0 {
        0
    } else {
        u64::from(l.walk_steps) * 64
    };
    (u64::from(l.coarse_steps_per_kb) * bytes.div_ceil(1024)).max(floor)
}

/// The program's pool of steps: `pool_steps_per_kb` per KiB of source, at
/// least `walk_steps` times 64.
fn pool_steps(l: &crate::flow::FlowLimits, bytes: u64) -> u64 {
    (u64::from(l.pool_steps_per_kb) * bytes.div_ceil(1024)).max(u64::from(l.walk_steps) * 64)
}

/// One attempt at one carrier site with the limits of the round: its walk,
/// the decisions met, their sources. Findings go to `reports` (a later,
/// larger attempt only adds to them). Returns what cut the attempt (no cut
/// when it is complete).
#[allow(clippy::too_many_arguments)]
fn attempt<'a>(
    prog: &Program<'_, 'a>,
    eng: &Engine<'_, '_, 'a>,
    seed: &Seed<'a>,
    judged_cache: &mut JudgedCache,
    taint_cache: &mut TaintCache<'a>,
    render_cache: &mut RenderCache,
    big_cache: &mut BigCache,
    reports: &mut HashMap<(UnitId, NodeId), Report<'a>>,
    st: &mut Stats,
) -> Attempt {
    let limits = eng.limits();
    let mut cuts = Vec::new();
    eng.take_cut();
    // Near the carrier first: the choice between imperceptible variants
    // is made close to them. Only a carrier met by such a choice is
    // followed further (to its sinks and any further decisions).
    let mut w = Walker::new(eng, Mode::Carrier, limits.near_steps);
    w.order = matches!(seed.kind, SeedKind::Order(_));
    for &s in &seed.starts {
        w.start(seed.unit, s, crate::flow::walk::Fields::default());
        // An order carrier is in the elements' positions: each element is
        // followed too, so `sorted.map(f).join(…)` keeps the order.
        if matches!(seed.kind, SeedKind::Order(_)) {
            let mut f = crate::flow::walk::Fields::default();
            f.push(crate::flow::walk::Field::Elem);
            w.start(seed.unit, s, f);
        }
    }
    w.run();
    if w.exhausted
        && eng.can_spend()
        && !matches!(
            seed.kind,
            SeedKind::Computed { .. }
                | SeedKind::Format(_)
                | SeedKind::Order(_)
                | SeedKind::Count { .. }
        )
    {
        let ds = Downstream::new(&w);
        let any = w.events.iter().any(|(_, ev)| {
            let Event::Decision(d) = ev else { return false };
            let jkey = judge_key(seed, d);
            let judged = if let Some(j) = judged_cache.get(&jkey) {
                j.clone()
            } else {
                let j = judge_decision(prog, seed, d, render_cache, big_cache);
                judged_cache.insert(jkey, j.clone());
                j
            };
            judged.is_some() || format_choice(prog, &ds, d).is_some()
        });
        if !any {
            return Attempt {
                cuts,
                walk_cut: false,
            };
        }
    }
    if w.exhausted {
        w.extend(limits.walk_steps.saturating_sub(limits.near_steps));
    }
    st.walk_states += w.states.len();
    let code_point = w.events.iter().any(|(_, e)| matches!(e, Event::CodePoint));
    let seed_decisions = synthesized(seed, code_point);
    let inner = eng.take_cut();
    let cut = if w.exhausted && inner.is_none() {
        Some("walk_steps")
    } else {
        inner
    };
    if let Some(limit) = cut {
        let ctx = prog.ctx(seed.unit);
        cuts.push((1, ctx.semantic.nodes().kind(seed.node).span(), limit));
    }
    let mut decisions: Vec<Decision<'a>> = seed_decisions;
    for (_, ev) in &w.events {
        if let Event::Decision(d) = ev {
            decisions.push(d.clone());
        }
    }
    let ds = Downstream::new(&w);
    let dbg = std::env::var_os("PLAINSIGHT_FLOW_DEBUG").is_some();
    if dbg {
        eprintln!(
            "seed {:?} at {:?}: {} states, {} events, exhausted {}",
            seed.kind,
            seed.node,
            w.states.len(),
            w.events.len(),
            w.exhausted
        );
    }
    if dbg && w.states.len() > 20_000 {
        debug_walk(prog, &w);
    }
    decide(
        prog,
        eng,
        seed,
        &w,
        &ds,
        decisions,
        judged_cache,
        taint_cache,
        render_cache,
        big_cache,
        reports,
        st,
        &mut cuts,
    );
    // A complete walk: later sites that reach one of its states need not
    // walk on from there (their decisions beyond were judged and traced,
    // nothing was cut). Only states reached on a proven way and whose
    // downstream does not depend on this carrier are offered.
    if cuts.is_empty() && !w.exhausted {
        let mut unproven = vec![false; w.states.len()];
        for k in 0..w.states.len() {
            let s = &w.states[k];
            let up = unproven.get(s.parent as usize).copied().unwrap_or(false);
            unproven[k] = up || s.unproven();
        }
        eng.share_walk(&w, |k| (!unproven[k] && !ds.own[k]).then(|| ds.beyond(k)));
    }
    st.joined += w.joined as usize;
    st.merged += w.merged as usize;
    st.collapsed += w.collapsed as usize;
    Attempt {
        cuts,
        walk_cut: w.exhausted,
    }
}

/// Judges each decision a walk met (its two sides by the text engine),
/// traces the tests of a judged one back to environment reads and records
/// the candidate finding in `reports`; a decision whose sources were not
/// all traced adds a cut (kind 2) to `cuts`.
#[allow(clippy::too_many_arguments)]
fn decide<'a>(
    prog: &Program<'_, 'a>,
    eng: &Engine<'_, '_, 'a>,
    seed: &Seed<'a>,
    w: &Walker<'_, '_, '_, 'a>,
    ds: &Downstream,
    decisions: Vec<Decision<'a>>,
    judged_cache: &mut JudgedCache,
    taint_cache: &mut TaintCache<'a>,
    render_cache: &mut RenderCache,
    big_cache: &mut BigCache,
    reports: &mut HashMap<(UnitId, NodeId), Report<'a>>,
    st: &mut Stats,
    cuts: &mut Vec<(u32, Span, &'static str)>,
) {
    let dbg = std::env::var_os("PLAINSIGHT_FLOW_DEBUG").is_some();
    for d in decisions {
        if dbg {
            eprintln!(
                "  decision site {:?} test {:?} alts {:?}",
                d.site,
                d.test.kind_name(),
                d.alts
            );
        }
        let key = (d.unit, d.site);
        if reports.get(&key).is_some_and(|r| r.complete) {
            continue;
        }
        // A text that only ever meets tests (`re.test(t)`, `s.includes(t)`)
        // never leaves: which variant it holds is no channel.
        if !w.exhausted && ds.consumed(&d) {
            continue;
        }
        st.decisions += 1;
        // The same merge point is met by many carriers: judged once.
        let jkey = judge_key(seed, &d);
        let judged = if let Some(j) = judged_cache.get(&jkey) {
            j.clone()
        } else {
            // Judging the sides is charged one step per 8 of them (their
            // constant texts are rendered once and kept); a large side
            // already rendered and grouped costs only the carrier's texts.
            if let Alts::Exprs(v) = &d.alts {
                let grouped = v.len() > ALL_PAIRS_MAX
                    && big_cache
                        .get(&(
                            d.unit,
                            alts_hash(v),
                            char_code_context(prog.ctx(d.unit), d.site),
                        ))
                        .is_some_and(Option::is_some);
                eng.charge(if grouped { 1 } else { v.len() as u64 / 8 });
            }
            let j = judge_decision(prog, seed, &d, render_cache, big_cache);
            judged_cache.insert(jkey, j.clone());
            j
        };
        // Separators chosen for text (digit grouping, date parts): a format
        // variant when the walk saw them put between fields.
        let judged = judged.or_else(|| format_choice(prog, ds, &d));
        let Some(j) = judged else {
            continue;
        };
        let mut tests = expand_tests(prog.ctx(d.unit), &d.test, &j);
        drop_sanitiser_guards(prog.ctx(d.unit), &d, &j, &mut tests);
        if tests.is_empty() {
            continue;
        }
        st.judged += 1;
        let tt = std::time::Instant::now();
        eng.take_cut();
        let mut taint = Taint::default();
        let mut cached_cut = None;
        for t in &tests {
            // One backward search per test, frames and round: the carriers
            // of one table meet the same look-up, and each searching again
            // spent their budgets (and the pool) on the same work.
            let tkey = (d.unit, test_key(t), d.frames.clone());
            let more = match taint_cache.get(&tkey) {
                // Cut by the pool (another site's budget): searched again
                // once a round with a later site's own steps.
                Some((more, cut, scale, retried))
                    if cut.is_none()
                        || (*scale >= eng.scale()
                            && (*cut != Some("flow_pool") || *retried || !eng.can_spend())) =>
                {
                    if cached_cut.is_none() {
                        cached_cut = *cut;
                    }
                    more.clone()
                }
                prior => {
                    let retried = prior.is_some_and(|p| p.2 >= eng.scale());
                    let outer = eng.take_cut();
                    let more = eng.taint(d.unit, t, &d.frames);
                    let inner = eng.take_cut();
                    let cut = if more.exhausted && inner.is_none() {
                        Some("backward_steps_per_kb")
                    } else {
                        inner
                    };
                    if let Some(c) = outer.or(cut) {
                        eng.note_cut(c);
                    }
                    taint_cache.insert(tkey, (more.clone(), cut, eng.scale(), retried));
                    more
                }
            };
            for r in more.reads {
                if !taint
                    .reads
                    .iter()
                    .any(|x| x.unit == r.unit && x.read.span == r.read.span)
                {
                    taint.reads.push(r);
                }
            }
            taint.opaque |= more.opaque;
            taint.exhausted |= more.exhausted;
        }
        st.taint += tt.elapsed();
        // A read that reaches the test only through the string whose slice
        // is another side of the same choice (`dirname(p)`: `"/"`, `"."` or
        // `p.slice(0, i)`) chooses how that string is cut, not a variant.
        // A read that reaches a field-order test only through the values
        // being ordered (`cmp(x, y) > 0 ? [y, x] : [x, y]`) puts them in
        // their own order: a sort, which shows nothing the values do not.
        if d.synthetic && matches!(seed.kind, SeedKind::Order(_)) {
            drop_reads_through(
                &mut taint,
                d.unit,
                &permuted_bindings(prog.ctx(d.unit), seed.node),
            );
        }
        if j.rule != Rule::CovertEncoding {
            drop_reads_through(&mut taint, d.unit, &sliced_bindings(prog.ctx(d.unit), &d));
        }
        if dbg {
            eprintln!(
                "    judged {:?} {:?}/{:?}; reads {:?} opaque {}",
                j.rule,
                j.a,
                j.b,
                taint
                    .reads
                    .iter()
                    .map(|r| (
                        &r.read.what,
                        r.unproven,
                        r.compared,
                        r.data_path,
                        r.path.len(),
                        &r.with,
                        r.digest
                    ))
                    .collect::<Vec<_>>(),
                taint.opaque
            );
            if std::env::var_os("PLAINSIGHT_FLOW_PATHS").is_some() {
                for r in &taint.reads {
                    eprintln!(
                        "      path of {}: {:?}",
                        r.read.what,
                        r.path
                            .iter()
                            .map(|s| (s.kind, s.span.start))
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
        let inner = eng.take_cut().or(cached_cut);
        let cut = if taint.exhausted && inner.is_none() {
            Some("backward_steps_per_kb")
        } else {
            inner
        };
        if let Some(limit) = cut {
            cuts.push((
                2,
                prog.ctx(d.unit).semantic.nodes().kind(d.site).span(),
                limit,
            ));
        }
        let sinks = ds.sink(w, &d);
        let local = ds.local(&d);
        let walk_unproven = w.unproven(d.state);
        let cand = Candidate {
            judged: j,
            taint,
            sink: sinks,
            local,
            walk_unproven,
            decision: d,
            path: Vec::new(),
        };
        let cand = Candidate {
            path: describe_walk(prog, w, cand.decision.state),
            ..cand
        };
        merge_candidate(reports, key, cand);
    }
}

/// A site's coarse pass: its carrier joins the program's coarse walk
/// ([`Walker::coarse`]), which goes on with at most `steps` of the coarse
/// pool; the decisions it meets are judged and traced as a precise walk's
/// (all unproven). Returns the cuts of the site's own decisions (kind 2;
/// the walk running out is not one of them) and whether the coarse walk's
/// queue is empty: everything reachable from every carrier added so far
/// was explored.
#[allow(clippy::too_many_arguments)]
fn coarse_pass<'a>(
    prog: &Program<'_, 'a>,
    eng: &Engine<'_, '_, 'a>,
    cw: &mut Walker<'_, '_, '_, 'a>,
    seed: &Seed<'a>,
    steps: u64,
    judged_cache: &mut JudgedCache,
    taint_cache: &mut TaintCache<'a>,
    render_cache: &mut RenderCache,
    big_cache: &mut BigCache,
    reports: &mut HashMap<(UnitId, NodeId), Report<'a>>,
    st: &mut Stats,
) -> (Vec<(u32, Span, &'static str)>, bool) {
    st.coarse_sites += 1;
    eng.take_cut();
    eng.begin_coarse(steps);
    let from = cw.events.len();
    for &s in &seed.starts {
        cw.start(seed.unit, s, crate::flow::walk::Fields::default());
    }
    cw.run_coarse();
    // Running out of the coarse budget is not this site's cut yet: a later
    // site's part may finish the walk. Another limit inside it is.
    let inner = eng.take_cut().filter(|&c| c != "coarse_steps_per_kb");
    let mut cuts = Vec::new();
    if let Some(limit) = inner {
        let ctx = prog.ctx(seed.unit);
        cuts.push((1, ctx.semantic.nodes().kind(seed.node).span(), limit));
    }
    let decisions: Vec<Decision<'a>> = cw.events[from..]
        .iter()
        .filter_map(|(_, ev)| match ev {
            Event::Decision(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    if !decisions.is_empty() {
        // Only this site's decisions are asked about: what lies beyond their
        // states (all later in the shared walk than the first of them).
        let base = decisions
            .iter()
            .map(|d| d.state as usize)
            .min()
            .unwrap_or(0);
        let ds = Downstream::from_state(cw, base);
        decide(
            prog,
            eng,
            seed,
            cw,
            &ds,
            decisions,
            judged_cache,
            taint_cache,
            render_cache,
            big_cache,
            reports,
            st,
            &mut cuts,
        );
    }
    eng.end_coarse();
    (cuts, !cw.exhausted)
}

/// What one attempt at a site left undone.
struct Attempt {
    /// What cut it (empty when it is complete): (1 = carrier walk / 2 = a
    /// decision's sources, place, limit reached).
    cuts: Vec<(u32, Span, &'static str)>,
    /// Its carrier walk was cut (by its steps or the pool).
    walk_cut: bool,
}

/// `PLAINSIGHT_FLOW_DEBUG`: where a large walk's states are.
pub(crate) fn debug_walk(prog: &Program<'_, '_>, w: &Walker<'_, '_, '_, '_>) {
    let mut nodes: HashMap<(UnitId, NodeId), usize> = HashMap::new();
    let mut fns: HashMap<(UnitId, Option<NodeId>), (usize, std::collections::HashSet<u64>)> =
        HashMap::new();
    let mut hops: HashMap<&'static str, usize> = HashMap::new();
    for st in &w.states {
        *nodes.entry((st.unit, st.node)).or_default() += 1;
        let f = crate::flow::enclosing_fn(prog.ctx(st.unit), st.node).map(|x| x.0);
        let e = fns.entry((st.unit, f)).or_default();
        e.0 += 1;
        e.1.insert(st.frames.last().map_or(0, |fr| fr.call.index() as u64));
        let h = match st.hop {
            Hop::Start => "start",
            Hop::Up => "up",
            Hop::Var(..) => "var",
            Hop::Param(..) => "param",
            Hop::Return(_) => "return",
            Hop::Caller(_) => "caller",
            Hop::Field(..) => "field",
            Hop::Import(_) => "import",
            Hop::Callback(_) => "callback",
            Hop::ByName(..) => "byname",
            Hop::Unknown(_) => "unknown",
            Hop::Merged(..) => "merged",
            Hop::Placed(_) => "placed",
        };
        *hops.entry(h).or_default() += 1;
    }
    eprintln!(
        "  big walk: {} states, {} distinct nodes, {} functions, hops {hops:?}",
        w.states.len(),
        nodes.len(),
        fns.len()
    );
    let mut v: Vec<_> = fns.into_iter().collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1.0));
    for ((u, f), (n, frames)) in v.into_iter().take(12) {
        let at = f.map_or(String::from("top"), |f| {
            prog.pos(u, prog.ctx(u).semantic.nodes().kind(f).span())
        });
        eprintln!("    fn at {at}: {n} states, {} top frames", frames.len());
    }
}

fn chain_prefix(chain: &[String]) -> String {
    chain.iter().fold(String::new(), |mut s, c| {
        s.push_str(c);
        s.push_str(" › ");
        s
    })
}

/// Decisions a seed brings by construction (computed code points, formatter options).
fn synthesized<'a>(seed: &Seed<'a>, reached_code_point: bool) -> Vec<Decision<'a>> {
    let direct_or_reached =
        matches!(seed.kind, SeedKind::Computed { direct: true, .. }) || reached_code_point;
    // A decision at the seed itself, between encodings of the same value.
    let at_seed = |test| Decision {
        unit: seed.unit,
        site: seed.node,
        test,
        alts: Alts::Encoding,
        chosen: seed.node,
        chosen_unit: seed.unit,
        frames: Vec::new(),
        state: 0,
        synthetic: true,
        whole: false,
    };
    match &seed.kind {
        SeedKind::Computed { data, .. } if direct_or_reached => vec![at_seed(Test::Data(data))],
        SeedKind::Order(test) => vec![at_seed(*test)],
        SeedKind::Format(tests) | SeedKind::Count { tests, .. } => {
            tests.iter().map(|t| at_seed(*t)).collect()
        }
        _ => Vec::new(),
    }
}

/// The other side of a synthetic field-order decision.
const ORDER: &str = "field order";

/// One judged, traced decision.
struct Candidate<'a> {
    judged: Judged,
    taint: Taint<'a>,
    sink: Option<crate::flow::walk::SinkHit>,
    local: bool,
    walk_unproven: bool,
    decision: Decision<'a>,
    /// The carrier's way to the decision (readable).
    path: Vec<String>,
}

/// Everything known about one decision site.
struct Report<'a> {
    best: Candidate<'a>,
    chars: Vec<char>,
    alts: Vec<String>,
    sources: Vec<Found<'a>>,
    /// A targetable, proven read with a hard sink was found: nothing to add.
    complete: bool,
}

fn rank_candidate(c: &Candidate<'_>) -> (u8, u8, u8) {
    let best = best_read(&c.taint);
    let read_rank = match best {
        Some(f) if f.read.category.is_targetable() && !f.unproven => 3,
        Some(f) if f.read.category.is_targetable() => 2,
        Some(_) => 1,
        None => 0,
    };
    let sink_rank = match &c.sink {
        Some(s) if !s.soft => 2,
        Some(_) => 1,
        None => 0,
    };
    (read_rank, sink_rank, u8::from(!c.walk_unproven))
}

fn merge_candidate<'a>(
    reports: &mut HashMap<(UnitId, NodeId), Report<'a>>,
    key: (UnitId, NodeId),
    c: Candidate<'a>,
) {
    let rank = rank_candidate(&c);
    let complete = rank.0 == 3 && rank.1 == 2 && rank.2 == 1;
    match reports.get_mut(&key) {
        None => {
            let chars = c.judged.chars.clone();
            let alts = vec![c.judged.a.clone(), c.judged.b.clone()];
            let sources = c.taint.reads.clone();
            reports.insert(
                key,
                Report {
                    best: c,
                    chars,
                    alts,
                    sources,
                    complete,
                },
            );
        }
        Some(r) => {
            if c.judged.rule == r.best.judged.rule {
                r.chars.extend(c.judged.chars.iter().copied());
                r.chars.sort_unstable();
                r.chars.dedup();
                for t in [&c.judged.a, &c.judged.b] {
                    if !r.alts.contains(t) {
                        r.alts.push(t.clone());
                    }
                }
            }
            // Only the triggers of the same kind of choice are named
            // together: another carrier's choice of another kind at this
            // site has its own triggers, and their union is no trigger.
            let same_kind = c.judged.rule == r.best.judged.rule;
            if same_kind {
                for s in &c.taint.reads {
                    if !r
                        .sources
                        .iter()
                        .any(|x| x.unit == s.unit && x.read.span == s.read.span)
                    {
                        r.sources.push(s.clone());
                    }
                }
            }
            if rank > rank_candidate(&r.best) {
                if !same_kind {
                    r.chars = c.judged.chars.clone();
                    r.alts = vec![c.judged.a.clone(), c.judged.b.clone()];
                    r.sources = c.taint.reads.clone();
                }
                r.best = c;
            }
            r.complete |= complete;
        }
    }
}

/// What lies downstream of each state of a walk (a sink, local output, a
/// separator put into text), computed once per walk: each event marks its
/// state and its ancestors (up to 256 hops, stopping at one already marked),
/// so asking it for every decision costs nothing more (scanning every event
/// per decision was quadratic on large walks).
struct Downstream {
    /// The first state covered: the tables below are indexed by state minus
    /// `base` (a coarse pass asks only about its own states, which come
    /// after every earlier site's in the program's coarse walk, and whose
    /// descendants are later still).
    base: usize,
    format_use: Vec<bool>,
    local: Vec<bool>,
    /// The first hard / soft sink event downstream, by index (`u32::MAX`: none).
    hard: Vec<u32>,
    soft: Vec<u32>,
    /// Some way out of the state ends somewhere the walk does not know
    /// (else every way ends in a sink, local output, or a test that embeds
    /// none of the text).
    open: Vec<bool>,
    /// A decision downstream was judged with the walk's own carrier (a table
    /// entry it started from, its text where the side cannot be rendered):
    /// what lies beyond is not the same for another carrier.
    own: Vec<bool>,
}

impl Downstream {
    fn new(w: &Walker<'_, '_, '_, '_>) -> Self {
        Downstream::from_state(w, 0)
    }

    /// What lies downstream of states `base..` only: exact for them, since a
    /// state's descendants were all pushed after it. A coarse pass needs only
    /// its own decisions' states; the program's coarse walk holds every
    /// earlier site's states too (Claude Code `cli.js`: ~0.55 M), and going
    /// over all of them again for each coarse site was ~12 % of the scan.
    fn from_state(w: &Walker<'_, '_, '_, '_>, base: usize) -> Self {
        let n = w.states.len().saturating_sub(base);
        let mut d = Downstream {
            base,
            format_use: vec![false; n],
            local: vec![false; n],
            hard: vec![u32::MAX; n],
            soft: vec![u32::MAX; n],
            open: vec![false; n],
            own: vec![false; n],
        };
        // Marks state `s` and its ancestors from `base` on (each at most once
        // per mark): linear in the states.
        let mark = |v: &mut Vec<bool>, mut s: u32| {
            while (s as usize) >= base
                && let Some(st) = w.states.get(s as usize)
            {
                if std::mem::replace(&mut v[s as usize - base], true) || st.parent == s {
                    break;
                }
                s = st.parent;
            }
        };
        let mut has_child = vec![false; n];
        let mut ends = vec![false; n];
        for st in &w.states[base.min(w.states.len())..] {
            if let Some(c) = (st.parent as usize)
                .checked_sub(base)
                .and_then(|p| has_child.get_mut(p))
            {
                *c = true;
            }
        }
        // The carrier each state's walk started from, computed once (asking
        // `Walker::origin` per decision climbed up to 256 parents each time:
        // most of this function's time on `cli.js`). Depth is kept so that a
        // state deeper than `origin`'s own horizon still asks it.
        let mut origin: Vec<(NodeId, u32)> = Vec::with_capacity(n);
        // (origin, depth) by climbing, as `Walker::origin` does (at most 256
        // states; deeper: `u32::MAX`, and `Walker::origin` is asked).
        let climb = |mut i: usize| -> (NodeId, u32) {
            let mut depth = 0u32;
            let mut node = w.states[i].node;
            for _ in 0..256 {
                let Some(st) = w.states.get(i) else {
                    return (node, depth - 1);
                };
                node = st.node;
                depth += 1;
                i = st.parent as usize;
            }
            if w.states.get(i).is_none() {
                (node, depth - 1)
            } else {
                (node, u32::MAX)
            }
        };
        for k in 0..n {
            let i = base + k;
            let p = w.states[i].parent as usize;
            let o = if p < i && p >= base && origin[p - base].1 < 254 {
                let (po, pd) = origin[p - base];
                (po, pd + 1)
            } else {
                climb(i)
            };
            origin.push(o);
        }
        for (i, ev) in &w.events {
            let Some(k) = (*i as usize).checked_sub(base).filter(|&k| k < n) else {
                continue;
            };
            match ev {
                Event::Sink(_) | Event::Local | Event::Consumed => ends[k] = true,
                Event::Open => mark(&mut d.open, *i),
                Event::Decision(dec)
                    if dec.whole
                        || (!dec.synthetic
                            && dec.chosen
                                == if origin[k].1 == u32::MAX {
                                    w.origin(*i)
                                } else {
                                    origin[k].0
                                }) =>
                {
                    mark(&mut d.own, *i);
                }
                _ => {}
            }
        }
        for k in 0..n {
            if !has_child[k] && !ends[k] {
                mark(&mut d.open, (base + k) as u32);
            }
        }
        for (e, (i, ev)) in w.events.iter().enumerate() {
            let mut s = *i;
            for _ in 0..256 {
                if (s as usize) < base {
                    break;
                }
                let Some(st) = w.states.get(s as usize) else {
                    break;
                };
                let k = s as usize - base;
                let fresh = match ev {
                    Event::FormatUse => !std::mem::replace(&mut d.format_use[k], true),
                    Event::Local => !std::mem::replace(&mut d.local[k], true),
                    Event::Sink(h) => {
                        let slot = if h.soft {
                            &mut d.soft[k]
                        } else {
                            &mut d.hard[k]
                        };
                        let fresh = *slot == u32::MAX;
                        if fresh {
                            *slot = e as u32;
                        }
                        fresh
                    }
                    _ => false,
                };
                if !fresh || st.parent == s {
                    break;
                }
                s = st.parent;
            }
        }
        d
    }

    /// Index of state `k` in the tables (`None`: before `base`).
    fn at(&self, k: usize) -> Option<usize> {
        k.checked_sub(self.base)
    }

    /// The first hard sink downstream of the decision (else a soft one).
    fn sink(
        &self,
        w: &Walker<'_, '_, '_, '_>,
        d: &Decision<'_>,
    ) -> Option<crate::flow::walk::SinkHit> {
        let k = self.at(d.state as usize)?;
        let e = [self.hard.get(k), self.soft.get(k)]
            .into_iter()
            .flatten()
            .copied()
            .find(|&e| e != u32::MAX)?;
        match &w.events[e as usize].1 {
            Event::Sink(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn local(&self, d: &Decision<'_>) -> bool {
        self.at(d.state as usize)
            .and_then(|k| self.local.get(k))
            .copied()
            .unwrap_or(false)
    }

    /// Every way the decision's text goes ends in a test that embeds none
    /// of it (no sink, no output, nothing unknown): it never leaves.
    fn consumed(&self, d: &Decision<'_>) -> bool {
        let Some(k) = self.at(d.state as usize) else {
            return false;
        };
        k < self.open.len()
            && !self.open[k]
            && !self.local[k]
            && self.hard[k] == u32::MAX
            && self.soft[k] == u32::MAX
    }

    /// What lies beyond state `k`, for [`Engine::share_walk`].
    fn beyond(&self, k: usize) -> crate::flow::walk::Beyond {
        crate::flow::walk::Beyond {
            hard: self.hard[k],
            soft: self.soft[k],
            local: self.local[k],
            format_use: self.format_use[k],
            open: self.open[k],
        }
    }

    fn format_use(&self, d: &Decision<'_>) -> bool {
        self.at(d.state as usize)
            .and_then(|k| self.format_use.get(k))
            .copied()
            .unwrap_or(false)
    }
}

/// The carrier's way from its start to state `i`, as readable hops.
fn describe_walk(prog: &Program<'_, '_>, w: &Walker<'_, '_, '_, '_>, i: u32) -> Vec<String> {
    let path = w.path(i);
    let mut out = Vec::new();
    for (k, &(u, h)) in path.iter().enumerate() {
        // A hop that leaves a function or module is placed where it left
        // (the call, the function, the export): the unit of the state before
        // it. The others are placed in the state's own unit.
        let from = if k > 0 { path[k - 1].0 } else { u };
        out.push(match h {
            Hop::Start | Hop::Up => continue,
            Hop::Var(n, s) => format!("variable {n} at {}", prog.pos(u, s)),
            Hop::Param("", s) => {
                format!("parameter (call at {})", prog.pos(from, s))
            }
            Hop::Param(n, s) => format!("parameter {n} (call at {})", prog.pos(from, s)),
            Hop::Return(s) => format!("returned by fn at {}", prog.pos(from, s)),
            Hop::Caller(s) => format!("caller at {}", prog.pos(u, s)),
            Hop::Field(n, s) => format!("field .{n} at {}", prog.pos(u, s)),
            Hop::Import(s) => format!(
                "imported from {} (exported at {})",
                prog.ctx(from).path,
                prog.pos(from, s)
            ),
            Hop::Callback(s) => format!("callback of call at {}", prog.pos(from, s)),
            Hop::ByName("", s) => {
                format!(
                    "returned by fn at {} to a caller found by name (unproven)",
                    prog.pos(from, s)
                )
            }
            Hop::ByName(n, s) => {
                format!("property .{n} by name at {} (unproven)", prog.pos(u, s))
            }
            Hop::Unknown(s) => format!("through unknown call at {} (unproven)", prog.pos(u, s)),
            Hop::Merged(n, s) => format!(
                "parameter {n} (call at {}; one of many calls of that function, merged: unproven)",
                prog.pos(from, s)
            ),
            Hop::Placed(s) => format!(
                "returned by fn at {} into the value the runtime builds (a proxy's properties, a parsed tree)",
                prog.pos(from, s)
            ),
        });
    }
    out
}

/// The expression a node is (its parent knows it as a child expression).
pub(crate) fn expr_of<'a>(ctx: &Ctx<'a>, node: NodeId) -> Option<&'a Expression<'a>> {
    let nodes = ctx.semantic.nodes();
    if node.index() >= nodes.len() || node == NodeId::ROOT {
        return None;
    }
    let is = |e: &Expression<'_>| nid(e) == node;
    let pick = |e: &'a Expression<'a>| is(e).then_some(e);
    match nodes.parent_kind(node) {
        AstKind::ConditionalExpression(c) => pick(&c.consequent)
            .or_else(|| pick(&c.alternate))
            .or_else(|| pick(&c.test)),
        AstKind::LogicalExpression(l) => pick(&l.left).or_else(|| pick(&l.right)),
        AstKind::BinaryExpression(b) => pick(&b.left).or_else(|| pick(&b.right)),
        AstKind::VariableDeclarator(d) => d.init.as_ref().and_then(pick),
        AstKind::AssignmentExpression(a) => pick(&a.right),
        AstKind::ReturnStatement(r) => r.argument.as_ref().and_then(pick),
        AstKind::ArrowFunctionExpression(a) => a.get_expression().and_then(pick),
        AstKind::CallExpression(c) => pick(&c.callee).or_else(|| {
            c.arguments
                .iter()
                .filter_map(Argument::as_expression)
                .find(|e| is(e))
        }),
        AstKind::NewExpression(c) => c
            .arguments
            .iter()
            .filter_map(Argument::as_expression)
            .find(|e| is(e)),
        AstKind::ObjectProperty(p) => pick(&p.value),
        AstKind::ArrayExpression(a) => a
            .elements
            .iter()
            .filter_map(ArrayExpressionElement::as_expression)
            .find(|e| is(e)),
        AstKind::TemplateLiteral(t) => t.expressions.iter().find(|e| is(e)),
        AstKind::ParenthesizedExpression(p) => pick(&p.expression),
        AstKind::SequenceExpression(s) => s.expressions.iter().find(|e| is(e)),
        AstKind::AwaitExpression(a) => pick(&a.argument),
        AstKind::SpreadElement(s) => pick(&s.argument),
        AstKind::ExpressionStatement(s) => pick(&s.expression),
        AstKind::ComputedMemberExpression(m) => pick(&m.object).or_else(|| pick(&m.expression)),
        AstKind::StaticMemberExpression(m) => pick(&m.object),
        AstKind::ChainExpression(_) => None,
        AstKind::ExportDefaultDeclaration(e) => e.declaration.as_expression().and_then(pick),
        AstKind::FormalParameter(p) => p.initializer.as_deref().and_then(pick),
        AstKind::AssignmentPattern(p) => pick(&p.right),
        AstKind::TaggedTemplateExpression(t) => pick(&t.tag),
        AstKind::UnaryExpression(u) => pick(&u.argument),
        AstKind::PropertyDefinition(p) => p.value.as_ref().and_then(pick),
        AstKind::YieldExpression(y) => y.argument.as_ref().and_then(pick),
        AstKind::SwitchStatement(s) => pick(&s.discriminant),
        AstKind::SwitchCase(c) => c.test.as_ref().and_then(pick),
        AstKind::IfStatement(s) => pick(&s.test),
        _ => None,
    }
}

/// A choice between ways of writing the same fields: separators put
/// between fields (digit grouping, date parts), or the same numeric fields
/// computed another way (a 12-hour clock, padding) in the same template.
fn format_choice(prog: &Program<'_, '_>, ds: &Downstream, d: &Decision<'_>) -> Option<Judged> {
    let format_use = ds.format_use(d);
    if format_use && let Some(j) = separator_choice(prog, d) {
        return Some(j);
    }
    let ctx = prog.ctx(d.unit);
    if d.chosen_unit != d.unit {
        return None;
    }
    let chosen = expr_of(ctx, d.chosen)?;
    let Alts::Exprs(v) = &d.alts else { return None };
    let other = v.iter().find(|o| same_fields_differently(ctx, chosen, o))?;
    // Chosen by the value being formatted itself (`q < 1 ? `${(q / 1e3).toFixed(1)}s`
    // : `${Math.floor(q / 1e3)}s``: precision by magnitude), not by anything
    // else: whatever decides the value shows in it, no variant is hidden.
    if chosen_by_own_fields(ctx, d, chosen, other) {
        return None;
    }
    let mut r = Renderer::new(ctx);
    let a = r.render(chosen, false).unwrap_or_default();
    let b = r.render(other, false).unwrap_or_default();
    Some(Judged {
        rule: Rule::CovertFormat,
        a,
        b,
        chars: Vec::new(),
    })
}

/// Every test deciding between two templates reads only the variables the
/// templates format (and constants).
fn chosen_by_own_fields(
    ctx: &Ctx<'_>,
    d: &Decision<'_>,
    a: &Expression<'_>,
    b: &Expression<'_>,
) -> bool {
    let mut fields = Vec::new();
    for t in [a, b] {
        let Expression::TemplateLiteral(t) = t.without_parentheses() else {
            return false;
        };
        for e in &t.expressions {
            if !numeric_field(e, &mut fields, 0) {
                return false;
            }
        }
    }
    let tests: Vec<&Expression<'_>> = match &d.test {
        Test::Control(c) => vec![c.expr()],
        Test::Controls(n) => crate::flow::control_deps(ctx, *n)
            .into_iter()
            .map(Control::expr)
            .collect(),
        _ => return false,
    };
    if tests.is_empty() {
        return false;
    }
    tests.into_iter().all(|t| {
        let mut vars = Vec::new();
        test_vars(t, &mut vars, 0) && vars.iter().all(|v| fields.contains(v))
    })
}

/// The variables of a test of numbers (comparisons, arithmetic, logic);
/// `false` for anything else (a call, a property of something).
fn test_vars<'a>(e: &'a Expression<'_>, vars: &mut Vec<&'a str>, depth: u8) -> bool {
    if depth > 8 {
        return false;
    }
    match e.without_parentheses() {
        Expression::Identifier(i) => {
            vars.push(i.name.as_str());
            true
        }
        Expression::NumericLiteral(_) | Expression::NullLiteral(_) => true,
        Expression::BinaryExpression(b) => {
            test_vars(&b.left, vars, depth + 1) && test_vars(&b.right, vars, depth + 1)
        }
        Expression::LogicalExpression(l) => {
            test_vars(&l.left, vars, depth + 1) && test_vars(&l.right, vars, depth + 1)
        }
        Expression::UnaryExpression(u) => test_vars(&u.argument, vars, depth + 1),
        _ => false,
    }
}

/// Two templates with the same text around their values, where each value
/// that differs is the same variables put through number formatting
/// (`${h % 12 || 12}` vs `${h}`, `${String(m).padStart(2, "0")}` vs `${m}`).
fn same_fields_differently(ctx: &Ctx<'_>, a: &Expression<'_>, b: &Expression<'_>) -> bool {
    let (Expression::TemplateLiteral(x), Expression::TemplateLiteral(y)) =
        (a.without_parentheses(), b.without_parentheses())
    else {
        return false;
    };
    if x.expressions.len() != y.expressions.len()
        || x.quasis.len() != y.quasis.len()
        || x.quasis
            .iter()
            .zip(&y.quasis)
            .any(|(p, q)| p.value.raw != q.value.raw)
    {
        return false;
    }
    let mut differ = 0;
    for (p, q) in x.expressions.iter().zip(&y.expressions) {
        if ctx.text(p.span()) == ctx.text(q.span()) {
            continue;
        }
        let (mut ip, mut iq) = (Vec::new(), Vec::new());
        if !numeric_field(p, &mut ip, 0) || !numeric_field(q, &mut iq, 0) {
            return false;
        }
        ip.sort_unstable();
        ip.dedup();
        iq.sort_unstable();
        iq.dedup();
        if ip.is_empty() || ip != iq {
            return false;
        }
        differ += 1;
    }
    differ > 0
}

/// An expression of variables, numbers, arithmetic and number formatting
/// calls; collects the variables.
fn numeric_field<'a>(e: &'a Expression<'_>, vars: &mut Vec<&'a str>, depth: u8) -> bool {
    if depth > 8 {
        return false;
    }
    match e.without_parentheses() {
        Expression::Identifier(i) => {
            vars.push(i.name.as_str());
            true
        }
        Expression::NumericLiteral(_) | Expression::StringLiteral(_) => true,
        Expression::BinaryExpression(b) => {
            numeric_field(&b.left, vars, depth + 1) && numeric_field(&b.right, vars, depth + 1)
        }
        Expression::LogicalExpression(l) => {
            numeric_field(&l.left, vars, depth + 1) && numeric_field(&l.right, vars, depth + 1)
        }
        Expression::UnaryExpression(u) => numeric_field(&u.argument, vars, depth + 1),
        Expression::CallExpression(c) => {
            let ok_args = c.arguments.iter().all(|a| {
                a.as_expression()
                    .is_some_and(|x| numeric_field(x, vars, depth + 1))
            });
            match c.callee.without_parentheses() {
                Expression::Identifier(f) => matches!(f.name.as_str(), "String" | "Number") && ok_args,
                callee => callee.as_member_expression().is_some_and(|m| {
                    matches!(m.static_property_name(), Some("padStart" | "padEnd" | "toString" | "toFixed" | "slice" | "floor" | "round" | "trunc"))
                        && (matches!(m.object().without_parentheses(), Expression::Identifier(o) if o.name == "Math")
                            || numeric_field(m.object(), vars, depth + 1))
                }) && ok_args,
            }
        }
        _ => false,
    }
}

/// Both sides single separators (`,` `.` `'` `-` `/` `:` a space or a
/// no-break space): judged as a format variant (the caller knows the value
/// is put between fields of text).
fn separator_choice(prog: &Program<'_, '_>, d: &Decision<'_>) -> Option<Judged> {
    let ctx = prog.ctx(d.unit);
    let mut r = Renderer::new(ctx);
    let mut a = Vec::new();
    Renderer::new(prog.ctx(d.chosen_unit)).alternatives(
        expr_of(prog.ctx(d.chosen_unit), d.chosen)?,
        false,
        &mut a,
    );
    let Alts::Exprs(v) = &d.alts else { return None };
    let mut b = Vec::new();
    for e in v {
        r.alternatives(e, false, &mut b);
    }
    dedup_texts(&mut a);
    dedup_texts(&mut b);
    let sep = |t: &String| {
        let mut cs = t.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if matches!(c, ',' | '.' | '\'' | '-' | '/' | ':' | ' ' | '_' | '\u{A0}' | '\u{202F}' | '\u{2009}' | '\u{2019}'))
    };
    if a.is_empty() || b.is_empty() || !a.iter().chain(&b).all(sep) {
        return None;
    }
    let x = a.iter().find(|x| b.iter().any(|y| y != *x))?;
    let y = b.iter().find(|y| *y != x)?;
    let mut chars: Vec<char> = x.chars().chain(y.chars()).collect();
    chars.sort_unstable();
    chars.dedup();
    Some(Judged {
        rule: Rule::CovertFormat,
        a: x.clone(),
        b: y.clone(),
        chars,
    })
}

/// What judging a decision depends on: the merge point, the chosen side and
/// the other side (not the test, nor the carrier that led there).
/// The alternatives of a decision, hashed by node.
fn alts_hash(v: &[&Expression<'_>]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    v.len().hash(&mut h);
    for e in v {
        nid(e).hash(&mut h);
    }
    h.finish()
}

/// What a decision's judgement depends on. A decision that holds the
/// tracked value itself where it cannot be rendered (`whole`: a parameter,
/// a call's result) is judged with the carrier's own texts, so the carrier
/// is part of the key: without it the first carrier to reach a shared
/// parameter (a byte-order mark) lent its texts to every later carrier
/// reaching it (a table of hex digits), with their unrelated triggers.
fn judge_key(seed: &Seed<'_>, d: &Decision<'_>) -> (UnitId, NodeId, UnitId, NodeId, u64, bool) {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    if d.whole && matches!(seed.kind, SeedKind::Text | SeedKind::Merge) {
        (seed.unit, seed.node).hash(&mut h);
    }
    match &d.alts {
        Alts::Exprs(v) => {
            0u8.hash(&mut h);
            for e in v {
                nid(e).hash(&mut h);
            }
        }
        Alts::Empty => 1u8.hash(&mut h),
        Alts::Text(t) => {
            2u8.hash(&mut h);
            t.hash(&mut h);
        }
        Alts::Encoding => 3u8.hash(&mut h),
    }
    std::mem::discriminant(&d.test).hash(&mut h);

    (
        d.unit,
        d.site,
        d.chosen_unit,
        d.chosen,
        h.finish(),
        d.synthetic,
    )
}

/// The tests of a judged decision, one by one: the control dependences of a
/// write or return are listed now; tests on one character of the data being
/// transformed (escape and transliteration tables) are set aside unless the
/// data is mapped onto invisible characters.
fn expand_tests<'a>(ctx: &Ctx<'a>, t: &Test<'a>, j: &Judged) -> Vec<Test<'a>> {
    let all = match t {
        Test::Controls(at) => crate::flow::control_deps(ctx, *at)
            .into_iter()
            .map(Test::Control)
            .collect(),
        t => vec![*t],
    };
    all.into_iter()
        .filter(|t| j.rule == Rule::CovertEncoding || !is_data_character_test(ctx, t))
        .collect()
}

/// The texts on both sides of a decision, judged.
/// Constant texts of expressions, by (unit, expression, code-point context).
type RenderCache = HashMap<(UnitId, usize, bool), Rc<Vec<String>>>;

/// The other side of a decision with more than [`ALL_PAIRS_MAX`] constant
/// texts (a table met by each of its entries' carriers), rendered,
/// deduplicated and grouped by [`signature`] once: judging one carrier
/// against it then costs the carrier's texts, not the table's (judging
/// every entry of a table of thousands against the rest was quadratic: 34 s
/// on one 5 MB web bundle).
struct BigSide {
    texts: Vec<String>,
    index: HashMap<String, usize>,
    groups: HashMap<Sig, Vec<usize>>,
    all_invisible: bool,
}

/// Per decision unit, the alternatives (node ids, hashed) and the
/// char-code context: the big side, or `None` when it is small or not all
/// constant (judged the ordinary way).
type BigCache = HashMap<(UnitId, u64, bool), Option<Rc<BigSide>>>;

/// `judge(a, big.texts, false)` in time linear in `a`: the pairs that can be
/// imperceptible share a signature, so only `a`'s groups are looked at.
fn judge_big(a: &[String], big: &BigSide) -> Option<Judged> {
    let mut distinct: Vec<&str> = big.texts.iter().map(String::as_str).collect();
    let from = distinct.len();
    for t in a {
        if !big.index.contains_key(t) && !distinct[from..].contains(&t.as_str()) {
            distinct.push(t);
        }
    }
    if distinct.len() < 2 || a.is_empty() {
        return None;
    }
    if big.all_invisible && distinct[from..].iter().all(|s| is_invisible_symbol(s)) {
        let mut chars: Vec<char> = distinct.iter().flat_map(|s| s.chars()).collect();
        chars.sort_unstable();
        chars.dedup();
        return Some(Judged {
            rule: Rule::CovertEncoding,
            a: distinct[0].into(),
            b: distinct[1].into(),
            chars,
        });
    }
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut seen_a: Vec<&str> = Vec::new();
    for x in a {
        if seen_a.contains(&x.as_str()) {
            continue;
        }
        seen_a.push(x);
        if let Some(g) = big.groups.get(&signature(x)) {
            for &j in g {
                let y = big.texts[j].as_str();
                if y != x {
                    pairs.push((x.as_str(), y));
                }
            }
        }
    }
    judge_pairs(pairs.into_iter())
}

fn judge_decision<'a>(
    prog: &Program<'_, 'a>,
    seed: &Seed<'a>,
    d: &Decision<'a>,
    cache: &mut RenderCache,
    big: &mut BigCache,
) -> Option<Judged> {
    let ctx = prog.ctx(d.unit);

    let codes = char_code_context(ctx, d.site);
    let mut r = Renderer::new(ctx);
    let mut a: Vec<String> = Vec::new();
    match &seed.kind {
        SeedKind::Computed { sample, .. } if d.synthetic => {
            return Some(Judged {
                rule: Rule::CovertEncoding,
                a: String::new(),
                b: String::new(),
                chars: vec![*sample],
            });
        }
        // Field order: judged like a formatter's options (a locale's own
        // order is i18n; a zone, host or user compared is a choice).
        SeedKind::Order(_) if d.synthetic => {
            return Some(Judged {
                rule: Rule::CovertFormat,
                a: String::new(),
                b: ORDER.to_string(),
                chars: Vec::new(),
            });
        }
        SeedKind::Format(_) if d.synthetic => {
            return Some(Judged {
                rule: Rule::CovertFormat,
                a: String::new(),
                b: String::new(),
                chars: Vec::new(),
            });
        }
        // Whitespace repeated a chosen number of times: the fewest and the
        // most copies are the two sides.
        SeedKind::Count { fill, counts, .. } if d.synthetic => {
            let lo = counts.first().copied().unwrap_or(0) as usize;
            let hi = counts.last().copied().unwrap_or(0) as usize;
            let mut chars: Vec<char> = fill.chars().collect();
            chars.sort_unstable();
            chars.dedup();
            return Some(Judged {
                rule: Rule::CovertSpacing,
                a: fill.repeat(lo),
                b: fill.repeat(hi),
                chars,
            });
        }
        _ => {}
    }
    // The tracked side may still be in the module it came from.
    let chosen_ctx = prog.ctx(d.chosen_unit);
    // A side that is a binding, a field or another module's export is
    // rendered where its constant text is.
    // Constant texts (no `${n}` placeholder, whose numbering belongs to one
    // renderer) are kept per expression: the entries of a table met by many
    // carriers are rendered once, not once per carrier.
    let mut side =
        |unit: UnitId, e: &'a Expression<'a>, r: &mut Renderer<'_, 'a>, out: &mut Vec<String>| {
            let key = (unit, std::ptr::from_ref(e) as usize, codes);
            if let Some(t) = cache.get(&key) {
                out.extend(t.iter().cloned());
                return;
            }
            let from = out.len();
            // A name the other side already holds as a placeholder
            // (`c ? "\u{200B}" + text : text`) is the same value on both
            // sides: rendered as that placeholder, not resolved to one
            // caller's constant while the other side keeps the name.
            if unit == d.unit
                && let Expression::Identifier(id) = e.without_parentheses()
                && r.holes.contains(&id.name.as_str())
            {
                let mut t = String::new();
                r.hole(e.without_parentheses(), &mut t);
                out.push(t);
                return;
            }
            let resolved = crate::flow::walk::resolve_constant(prog, unit, e);
            match resolved {
                Some((cu, ce)) if cu != d.unit => {
                    Renderer::new(prog.ctx(cu)).alternatives(ce, codes, out);
                }
                Some((_, ce)) => r.alternatives(ce, codes, out),
                None if unit != d.unit => Renderer::new(prog.ctx(unit)).alternatives(e, codes, out),
                None => r.alternatives(e, codes, out),
            }
            if out[from..].iter().all(|t| !t.contains("${")) {
                cache.insert(key, Rc::new(out[from..].to_vec()));
            }
        };
    // A table of records (`{ dash: "\u2013", … }`) chosen by a key: the
    // sides are the field the carrier sits in, read from each record.
    let projected = field_projection(prog, seed, d);
    match expr_of(chosen_ctx, d.chosen) {
        _ if projected.is_some() => {
            if let Some((e, _)) = &projected {
                side(d.unit, e, &mut r, &mut a);
            }
        }
        Some(e) => side(d.chosen_unit, e, &mut r, &mut a),
        None if d.chosen.index() < chosen_ctx.semantic.nodes().len() => {
            // A template whose text carries the seed.
            if let AstKind::TemplateLiteral(t) = chosen_ctx.semantic.nodes().kind(d.chosen) {
                let mut s = String::new();
                for q in &t.quasis {
                    s.push_str(q.value.cooked.as_deref().unwrap_or(q.value.raw.as_str()));
                }
                a.push(s);
            }
        }
        None => {}
    }
    // The tracked value itself, where the program only names it (a
    // parameter, a call's result, a binding written elsewhere): the
    // carrier's own texts.
    if d.whole
        && matches!(seed.kind, SeedKind::Text | SeedKind::Merge)
        && a.iter().all(|t| is_hole(t))
    {
        let sctx = prog.ctx(seed.unit);
        let mut sr = Renderer::new(sctx);
        let mut texts = Vec::new();
        for &s in &seed.starts {
            if let Some(e) = expr_of(sctx, s) {
                sr.alternatives(e, char_code_context(sctx, s), &mut texts);
            }
        }
        if !texts.is_empty() && !texts.iter().any(|t| t.contains("${")) {
            a = texts;
        }
    }
    dedup_texts(&mut a);
    let mut b: Vec<String> = Vec::new();
    if let Some((_, v)) = &projected {
        for e in v {
            side(d.unit, e, &mut r, &mut b);
        }
        dedup_texts(&mut b);
        let j = judge(&a, &b, false)?;
        return Some(j);
    }
    match &d.alts {
        Alts::Exprs(v) if v.len() > ALL_PAIRS_MAX => {
            let key = (d.unit, alts_hash(v), codes);
            let bigside = if let Some(x) = big.get(&key) {
                x.clone()
            } else {
                {
                    for e in v {
                        side(d.unit, e, &mut r, &mut b);
                    }
                    dedup_texts(&mut b);
                    let x = (!b.iter().any(|t| t.contains("${"))).then(|| {
                        let texts = std::mem::take(&mut b);
                        let index = texts
                            .iter()
                            .enumerate()
                            .map(|(i, t)| (t.clone(), i))
                            .collect();
                        let mut groups: HashMap<Sig, Vec<usize>> = HashMap::new();
                        for (i, t) in texts.iter().enumerate() {
                            groups.entry(signature(t)).or_default().push(i);
                        }
                        let all_invisible = texts.iter().all(|t| is_invisible_symbol(t));
                        Rc::new(BigSide {
                            texts,
                            index,
                            groups,
                            all_invisible,
                        })
                    });
                    big.insert(key, x.clone());
                    x
                }
            };
            if let Some(bs) = bigside {
                return judge_big(&a, &bs).map(|mut j| {
                    if matches!(d.test, Test::Data(_)) && j.rule == Rule::CovertInvisible {
                        j.rule = Rule::CovertEncoding;
                    }
                    j
                });
            }
            if b.is_empty() {
                for e in v {
                    side(d.unit, e, &mut r, &mut b);
                }
                dedup_texts(&mut b);
            }
        }
        Alts::Exprs(v) => {
            for e in v {
                side(d.unit, e, &mut r, &mut b);
            }
            dedup_texts(&mut b);
        }
        Alts::Empty => b.push(String::new()),
        Alts::Text(t) => b.push(t.clone()),
        Alts::Encoding => {
            // Unknown alternatives: an invisible alphabet is encoding by itself.
            if !a.is_empty() && a.iter().all(|s| is_invisible_symbol(s)) {
                let mut chars: Vec<char> = a.iter().flat_map(|s| s.chars()).collect();
                chars.sort_unstable();
                chars.dedup();
                return Some(Judged {
                    rule: Rule::CovertEncoding,
                    a: a[0].clone(),
                    b: String::new(),
                    chars,
                });
            }
            return None;
        }
    }
    // `String.fromCharCode(0x6f + (c ? 0x350 : 0))`: numeric sides shifted
    // by constant arithmetic into a char code are characters.
    if !codes && let Some(steps) = char_code_arith(ctx, d.site) {
        let as_char = |t: &mut String| {
            if let Ok(n) = t.parse::<f64>()
                && let Some(c) = apply_arith(&steps, n)
            {
                *t = c.to_string();
            }
        };
        a.iter_mut().for_each(as_char);
        b.iter_mut().for_each(as_char);
    }
    // `c ? s.replace(P, R) : s`, `s.split(P).join(R)`: the change itself.
    let mut j = match judge(&a, &b, false).or_else(|| trailing_whitespace(ctx, d.site, &a, &b)) {
        Some(j) => j,
        None if d.chosen_unit == d.unit => {
            let chosen = expr_of(chosen_ctx, d.chosen)?;
            let Alts::Exprs(v) = &d.alts else { return None };
            v.iter()
                .find_map(|other| {
                    let (p, r) = transform_of(ctx, chosen, other)?;
                    judge(&r, &p, false)
                })
                .or_else(|| seed_transform(ctx, seed, d, v))?
        }
        None => return None,
    };

    // A repetition count or a key chosen by data over invisible text encodes it.
    if matches!(d.test, Test::Data(_)) && j.rule == Rule::CovertInvisible {
        j.rule = Rule::CovertEncoding;
    }
    Some(j)
}

/// The carrier is the value of field `k` of a record literal
/// (`{ dash: "\u2013", dialect: "pg" }`) and every alternative met is a
/// record too (`HINTS[zone] || DEFAULT`, a table of records chosen by a
/// key): the sides are the carrier and field `k` of each alternative (one
/// without it is left out). Records are otherwise not rendered.
fn field_projection<'a>(
    prog: &Program<'_, 'a>,
    seed: &Seed<'a>,
    d: &Decision<'a>,
) -> Option<(&'a Expression<'a>, Vec<&'a Expression<'a>>)> {
    let Alts::Exprs(v) = &d.alts else {
        return None;
    };
    if !matches!(seed.kind, SeedKind::Text) || seed.unit != d.unit || v.is_empty() {
        return None;
    }
    let ctx = prog.ctx(d.unit);
    let nodes = ctx.semantic.nodes();
    let start = *seed.starts.first()?;
    if start.index() >= nodes.len() {
        return None;
    }
    let carrier = expr_of(ctx, start)?;
    // A table of tuples (`[['"', '"'], ['\u201c', '\u201d']][i]`): the
    // carrier's position in each tuple.
    if let AstKind::ArrayExpression(arr) = nodes.parent_kind(start) {
        let pos = arr
            .elements
            .iter()
            .position(|e| e.as_expression().is_some_and(|x| nid(x) == start))?;
        let plain = |a: &oxc_ast::ast::ArrayExpression<'_>| {
            a.elements
                .iter()
                .take(pos + 1)
                .all(|e| e.as_expression().is_some())
        };
        if !plain(arr) {
            return None;
        }
        let mut out = Vec::new();
        for e in v {
            let x = const_init(ctx, e).unwrap_or(e);
            let Expression::ArrayExpression(o) = x.without_parentheses() else {
                return None;
            };
            if !plain(o) {
                return None;
            }
            out.extend(o.elements.get(pos).and_then(|e| e.as_expression()));
        }
        return (!out.is_empty()).then_some((carrier, out));
    }
    let AstKind::ObjectProperty(p) = nodes.parent_kind(start) else {
        return None;
    };
    if p.computed || nid(&p.value) != start {
        return None;
    }
    let key = crate::flow::names::property_key_name(&p.key)?;
    let mut out = Vec::new();
    for e in v {
        let x = const_init(ctx, e).unwrap_or(e);
        let Expression::ObjectExpression(o) = x.without_parentheses() else {
            return None;
        };
        out.extend(o.properties.iter().find_map(|p| match p {
            oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p)
                if !p.computed && crate::flow::names::property_key_name(&p.key) == Some(key) =>
            {
                Some(&p.value)
            }
            _ => None,
        }));
    }
    (!out.is_empty()).then_some((carrier, out))
}

/// `s.replace(/[/_]/g, "-")`: several characters folded onto one separator
/// normalise the text (a slug, an identifier); which of them the input held
/// is erased. The tests guarding that call on the very value it normalises
/// (`if (!s || seen.has(s)) continue`) decide whether there is text to
/// sanitise, not which separator it gets: they are set aside, so only a
/// test on something else (`if (corp) s = s.replace(…)`) makes it a choice.
fn drop_sanitiser_guards<'a>(
    ctx: &Ctx<'a>,
    d: &Decision<'a>,
    j: &Judged,
    tests: &mut Vec<Test<'a>>,
) {
    if j.rule != Rule::CovertFormat || !matches!(d.alts, Alts::Text(_)) {
        return;
    }
    let Some(recv) = class_fold_receiver(ctx, d.site) else {
        return;
    };
    let scoping = ctx.semantic.scoping();
    let nodes = ctx.semantic.nodes();
    let mut root = recv.without_parentheses();
    while let Some(m) = root.as_member_expression() {
        root = m.object().without_parentheses();
    }
    let Expression::Identifier(id) = root else {
        return;
    };
    let Some(sym) = id
        .reference_id
        .get()
        .and_then(|r| scoping.get_reference(r).symbol_id())
    else {
        return;
    };
    let uses: Vec<Span> = scoping
        .get_resolved_references(sym)
        .take(256)
        .map(|r| nodes.kind(r.node_id()).span())
        .collect();
    let decl = nodes.kind(scoping.symbol_declaration(sym)).span();
    tests.retain(|t| {
        let Test::Control(c) = t else { return true };
        // The collection the value is taken from (`for (const s of refs)`):
        // how many values there are, not which separator they get.
        if let Control::Loop(e) = c {
            let owner = match nodes.parent_kind(nid(e)) {
                AstKind::ForOfStatement(f) => Some(f.left.span()),
                AstKind::ForInStatement(f) => Some(f.left.span()),
                _ => None,
            };
            if owner.is_some_and(|l| l.contains_inclusive(decl)) {
                return false;
            }
        }
        let span = c.expr().span();
        !uses.iter().any(|u| span.contains_inclusive(*u))
    });
}

/// The receiver of a `.replace`/`.replaceAll` call at `site` whose pattern
/// is a character class of two or more characters (`/[/_]/g`, `/[\s.]+/g`).
fn class_fold_receiver<'a>(ctx: &Ctx<'a>, site: NodeId) -> Option<&'a Expression<'a>> {
    let AstKind::CallExpression(c) = ctx.semantic.nodes().kind(site) else {
        return None;
    };
    let m = c.callee.without_parentheses().as_member_expression()?;
    if !matches!(m.static_property_name(), Some("replace" | "replaceAll")) {
        return None;
    }
    let Some(Expression::RegExpLiteral(re)) = c
        .arguments
        .first()
        .and_then(Argument::as_expression)
        .map(Expression::without_parentheses)
    else {
        return None;
    };
    let p = re.regex.pattern.text.as_str();
    let inner = p
        .strip_prefix('[')
        .and_then(|x| x.split_once(']'))
        .map(|(inner, _)| inner)?;
    if inner.starts_with('^') {
        return None;
    }
    (class_members(inner) >= 2).then(|| m.object())
}

/// Members of a character class's body, an escape (`\s`, `\u2019`,
/// `\u{1F600}`, `\x2d`) counting as one.
fn class_members(inner: &str) -> usize {
    let mut members = 0usize;
    let mut it = inner.chars();
    while let Some(ch) = it.next() {
        if ch == '\\' {
            match it.next() {
                Some('u') => {
                    let rest = it.as_str();
                    let skip = if rest.starts_with('{') {
                        rest.find('}').map_or(rest.len(), |k| k + 1)
                    } else {
                        4
                    };
                    it = rest.get(skip.min(rest.len())..).unwrap_or("").chars();
                }
                Some('x') => {
                    it.next();
                    it.next();
                }
                _ => {}
            }
        }
        members += 1;
    }
    members
}

/// Drops the reads whose path to a decision passes through one of `own`,
/// the declarations of bindings in `unit` (a parameter or a variable):
/// reads that reach the test only through the values the decision is about.
fn drop_reads_through(taint: &mut Taint<'_>, unit: UnitId, own: &[Span]) {
    if own.is_empty() {
        return;
    }
    taint.reads.retain(|r| {
        !r.path.iter().any(|s| {
            s.unit == unit
                && matches!(s.kind, StepKind::Param(_) | StepKind::Var(_))
                && own.contains(&s.span)
        })
    });
}

/// The span of the declaration of the binding `id` refers to.
fn declaration_span(ctx: &Ctx<'_>, id: &oxc_ast::ast::IdentifierReference<'_>) -> Option<Span> {
    let scoping = ctx.semantic.scoping();
    let sym = scoping.get_reference(id.reference_id.get()?).symbol_id()?;
    Some(
        ctx.semantic
            .nodes()
            .kind(scoping.symbol_declaration(sym))
            .span(),
    )
}

/// Declarations (spans, as the backward graph's steps name them) of the
/// bindings a side of decision `d` is a slice of (`p.slice(0, i)`,
/// `p.substring(…)`, `p.substr(…)`).
fn sliced_bindings(ctx: &Ctx<'_>, d: &Decision<'_>) -> Vec<Span> {
    let Alts::Exprs(v) = &d.alts else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in v.iter().take(16) {
        let Expression::CallExpression(c) = e.without_parentheses() else {
            continue;
        };
        let Some(m) = c.callee.without_parentheses().as_member_expression() else {
            continue;
        };
        if !matches!(
            m.static_property_name(),
            Some("slice" | "substring" | "substr")
        ) {
            continue;
        }
        let Expression::Identifier(id) = m.object().without_parentheses() else {
            continue;
        };
        if let Some(span) = declaration_span(ctx, id)
            && !out.contains(&span)
        {
            out.push(span);
        }
    }
    out
}

/// The declarations of the bindings a field-order seed permutes: the
/// identifiers among the elements of `c ? [b, a] : [a, b]`, or the sequence
/// of `c ? xs.toReversed() : xs` (`[...xs].reverse()`, `xs.slice().reverse()`).
fn permuted_bindings(ctx: &Ctx<'_>, site: NodeId) -> Vec<Span> {
    let AstKind::ConditionalExpression(c) = ctx.semantic.nodes().kind(site) else {
        return Vec::new();
    };
    fn idents<'b>(e: &'b Expression<'b>, out: &mut Vec<&'b oxc_ast::ast::IdentifierReference<'b>>) {
        match e.without_parentheses() {
            Expression::Identifier(id) => out.push(id),
            Expression::ArrayExpression(a) => {
                for el in &a.elements {
                    match el {
                        oxc_ast::ast::ArrayExpressionElement::SpreadElement(s) => {
                            idents(&s.argument, out);
                        }
                        el => {
                            if let Some(Expression::Identifier(id)) =
                                el.as_expression().map(Expression::without_parentheses)
                            {
                                out.push(id);
                            }
                        }
                    }
                }
            }
            Expression::CallExpression(call) => {
                if let Some(m) = call.callee.without_parentheses().as_member_expression() {
                    idents(m.object(), out);
                }
            }
            _ => {}
        }
    }
    let mut ids = Vec::new();
    idents(&c.consequent, &mut ids);
    idents(&c.alternate, &mut ids);
    let mut out = Vec::new();
    for id in ids {
        if let Some(span) = declaration_span(ctx, id)
            && !out.contains(&span)
        {
            out.push(span);
        }
    }
    out
}

/// `base.replace(P, R)` / `.replaceAll` / `base.split(P).join(R)` where
/// `base` is the same text as `other`: the patterns and their replacements.
/// A function replacement (`base.replace(/[eo]/, (c) => T[c])`) is its
/// returned texts (a look-up in a constant table: the table's values), a
/// character class the characters it matches. A splice (`base.slice(0, k)
/// + C + base.slice(k)`, `` `${base}${C}` ``, `base + C`): the text
/// inserted into `other` against nothing.
fn transform_of<'a>(
    ctx: &Ctx<'a>,
    chosen: &'a Expression<'a>,
    other: &'a Expression<'a>,
) -> Option<(Vec<String>, Vec<String>)> {
    let text = |e: &Expression<'_>| -> Option<String> {
        match e.without_parentheses() {
            Expression::StringLiteral(s) => Some(s.value.to_string()),
            Expression::RegExpLiteral(re) => {
                crate::flow::walk::regex_literal_text(re.regex.pattern.text.as_str())
            }
            Expression::TemplateLiteral(t) if t.expressions.is_empty() => t
                .quasis
                .first()
                .and_then(|q| q.value.cooked.as_ref())
                .map(ToString::to_string),
            e => match Evaluator::new(ctx).eval(e) {
                Some(Value::Str(s)) => Some(s),
                _ => None,
            },
        }
    };
    let same = |e: &Expression<'_>| {
        ctx.text(e.without_parentheses().span()) == ctx.text(other.without_parentheses().span())
    };
    if let Some(inserted) = splice_of(ctx, chosen, &same) {
        return Some((vec![String::new()], vec![inserted]));
    }
    let Expression::CallExpression(c) = chosen.without_parentheses() else {
        return None;
    };
    let m = c.callee.without_parentheses().as_member_expression()?;
    match m.static_property_name()? {
        "replace" | "replaceAll" if same(m.object()) => {
            let pat = c.arguments.first()?.as_expression()?;
            let rep = c.arguments.get(1)?.as_expression()?;
            let p = match (text(pat), pat.without_parentheses()) {
                (Some(p), _) => vec![p],
                (None, Expression::RegExpLiteral(re)) => {
                    class_chars(re.regex.pattern.text.as_str())?
                }
                _ => return None,
            };
            let r = match (text(rep), crate::flow::FnRef::from_expr(rep)) {
                (Some(r), _) => vec![r],
                (None, Some(f)) => replacement_texts(ctx, f)?,
                _ => return None,
            };
            Some((p, r))
        }
        "join" => {
            let Expression::CallExpression(split) = m.object().without_parentheses() else {
                return None;
            };
            let sm = split.callee.without_parentheses().as_member_expression()?;
            if sm.static_property_name()? != "split" || !same(sm.object()) {
                return None;
            }
            let p = text(split.arguments.first()?.as_expression()?)?;
            let r = text(c.arguments.first()?.as_expression()?)?;
            Some((vec![p], vec![r]))
        }
        _ => None,
    }
}

/// The constant text a concatenation or template inserts among pieces of
/// `base` (`base.slice(0, k) + C + base.slice(k)`, `base + C`): present
/// only when at least one piece is `base` or a slice of it and every other
/// piece is constant.
fn splice_of<'a>(
    ctx: &Ctx<'a>,
    e: &'a Expression<'a>,
    same: &dyn Fn(&Expression<'_>) -> bool,
) -> Option<String> {
    let mut parts: Vec<&'a Expression<'a>> = Vec::new();
    let mut consts: Vec<String> = Vec::new();
    match e.without_parentheses() {
        Expression::BinaryExpression(_) => {
            let mut stack = vec![e];
            while let Some(x) = stack.pop() {
                match x.without_parentheses() {
                    Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                        stack.push(&b.right);
                        stack.push(&b.left);
                    }
                    x => parts.push(x),
                }
            }
        }
        Expression::TemplateLiteral(t) => {
            consts.extend(
                t.quasis
                    .iter()
                    .map(|q| q.value.cooked.as_deref().unwrap_or("").to_string()),
            );
            parts.extend(t.expressions.iter());
        }
        _ => return None,
    }
    let piece_of_base = |x: &Expression<'_>| match x.without_parentheses() {
        x if same(x) => true,
        Expression::CallExpression(c) => c
            .callee
            .without_parentheses()
            .as_member_expression()
            .is_some_and(|m| {
                matches!(
                    m.static_property_name(),
                    Some("slice" | "substring" | "substr" | "charAt" | "at")
                ) && same(m.object())
            }),
        _ => false,
    };
    let mut pieces = 0;
    for x in parts {
        if piece_of_base(x) {
            pieces += 1;
        } else {
            match Evaluator::new(ctx).eval(x) {
                Some(Value::Str(s)) => consts.push(s),
                _ => return None,
            }
        }
    }
    let inserted: String = consts.concat();
    (pieces > 0 && !inserted.is_empty()).then_some(inserted)
}

/// The characters a plain character class matches (`[eo]`, `[\u0065]`);
/// none for a negated class, a range or anything else.
fn class_chars(p: &str) -> Option<Vec<String>> {
    let inner = p.strip_prefix('[')?.strip_suffix(']')?;
    if inner.starts_with('^') || inner.contains('-') || inner.contains('[') {
        return None;
    }
    let mut out = Vec::new();
    for ch in inner.chars().filter(|c| *c != '\\') {
        if !ch.is_alphanumeric() && !ch.is_ascii_punctuation() {
            return None;
        }
        out.push(ch.to_string());
    }
    // Escapes (`\u0065`) are not decoded here: a class with one is refused.
    (!inner.contains('\\') && !out.is_empty() && out.len() <= 32).then_some(out)
}

/// The texts a replacement function returns: constant returns, and the
/// values of a constant table it looks the match up in (`(c) => T[c]`,
/// `T[c] || c`). None when any return is something else.
fn replacement_texts<'a>(ctx: &Ctx<'a>, f: crate::flow::FnRef<'a>) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut stack: Vec<&'a Expression<'a>> = f.returns();
    let mut n = 0;
    while let Some(e) = stack.pop() {
        n += 1;
        if n > 64 {
            return None;
        }
        match e.without_parentheses() {
            Expression::ComputedMemberExpression(m) => {
                let t = table_of(ctx, &m.object)?;
                match t.without_parentheses() {
                    Expression::ObjectExpression(o) => {
                        for p in &o.properties {
                            let ObjectPropertyKind::ObjectProperty(p) = p else {
                                return None;
                            };
                            stack.push(&p.value);
                        }
                    }
                    Expression::ArrayExpression(a) => {
                        for el in &a.elements {
                            stack.push(el.as_expression()?);
                        }
                    }
                    _ => return None,
                }
            }
            // `T[c] || c`: the unchanged match is no variant.
            Expression::LogicalExpression(l) => stack.push(&l.left),
            Expression::ConditionalExpression(c) => {
                stack.push(&c.consequent);
                stack.push(&c.alternate);
            }
            x => match Evaluator::new(ctx).eval(x) {
                Some(Value::Str(s)) => out.push(s),
                _ => {
                    // The match itself (`(c) => c`) changes nothing.
                    if !matches!(x, Expression::Identifier(_)) {
                        return None;
                    }
                }
            },
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The carrier is the replacement of a `s.replace(P, "…")` whose result
/// reached the decision through a store (a `Map` cache, a field), and the
/// decision's other side is `s` itself: the change is `P` → the carrier.
fn seed_transform(
    ctx: &Ctx<'_>,
    seed: &Seed<'_>,
    d: &Decision<'_>,
    others: &[&Expression<'_>],
) -> Option<Judged> {
    if seed.unit != d.unit || !matches!(seed.kind, SeedKind::Text) {
        return None;
    }
    let nodes = ctx.semantic.nodes();
    let start = *seed.starts.first()?;
    if start.index() >= nodes.len() {
        return None;
    }
    let AstKind::CallExpression(call) = nodes.parent_kind(start) else {
        return None;
    };
    if call
        .arguments
        .get(1)
        .and_then(Argument::as_expression)
        .map(nid)
        != Some(start)
    {
        return None;
    }
    let chosen = expr_of(ctx, nodes.parent_id(start))?;
    others.iter().find_map(|other| {
        let (p, r) = transform_of(ctx, chosen, other)?;
        judge(&r, &p, false)
    })
}

/// A test on one character of the data being transformed (`ch === "'"`,
/// `switch (ch)` over single characters, `T[ch]` in a char-keyed table): an
/// escape or transliteration table, not a choice made by the environment.
fn is_data_character_test(ctx: &Ctx<'_>, t: &Test<'_>) -> bool {
    match t {
        Test::Control(Control::Test(e)) => is_char_test(ctx, e),
        Test::Control(Control::Switch(e)) => {
            let nodes = ctx.semantic.nodes();
            let id = nid(e);
            match nodes.parent_kind(id) {
                AstKind::SwitchStatement(s) => is_char_switch(ctx, s),
                _ => false,
            }
        }
        Test::Key(e) => {
            let nodes = ctx.semantic.nodes();
            match nodes.parent_kind(nid(e)) {
                AstKind::ComputedMemberExpression(m) => {
                    table_of(ctx, &m.object).is_some_and(is_char_table)
                        && !chosen_among_constants(ctx, e)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// An object or array literal, inline or bound to a never-reassigned variable.
fn table_of<'a>(ctx: &Ctx<'a>, e: &'a Expression<'a>) -> Option<&'a Expression<'a>> {
    match e.without_parentheses() {
        t @ (Expression::ObjectExpression(_) | Expression::ArrayExpression(_)) => Some(t),
        Expression::Identifier(_) => const_init(ctx, e).filter(|i| {
            matches!(
                i.without_parentheses(),
                Expression::ObjectExpression(_) | Expression::ArrayExpression(_)
            )
        }),
        _ => None,
    }
}

/// The order reads are reported in: targetable before other kinds, proven
/// before unproven (among unproven ones the shorter way first: severity
/// depends on it), then by place in the source (unit, offset) — so which
/// of several equally good triggers leads does not depend on the order the
/// backward graph happened to reach them in.
fn read_order(f: &Found<'_>) -> (bool, bool, usize, UnitId, u32) {
    (
        !f.read.category.is_targetable(),
        f.unproven,
        if f.unproven { f.path.len() } else { 0 },
        f.unit,
        f.read.span.start,
    )
}

/// A count of the machine's processors or bytes of memory, compared (not
/// passed along), with numbers only where the constants are seen:
/// `os.cpus().length <= 1`, `n < MIN_CORES`.
fn machine_threshold(h: &Found<'_>) -> bool {
    h.read.category == EnvCategory::Platform
        && matches!(
            h.read.what.as_str(),
            "os.cpus()" | "os.availableParallelism()" | "os.totalmem()" | "os.freemem()"
        )
        && h.compared
        && !h.data_path
        && h.with.iter().all(|w| w.parse::<f64>().is_ok())
}

/// The environment read a report leads with: the first in [`read_order`].
fn best_read<'t, 'a>(t: &'t Taint<'a>) -> Option<&'t Found<'a>> {
    t.reads.iter().min_by_key(|f| read_order(f))
}

/// What a report at one site comes to.
enum Verdict {
    Finding(Box<Finding>),
    /// Not reported: no channel.
    None,
    /// Not reported only because the carrier's unproven path is longer
    /// than `unproven_walk_hops` (the site's place).
    WalkCut(Span),
}

fn finding(
    prog: &Program<'_, '_>,
    key: (UnitId, NodeId),
    r: Report<'_>,
    walk_hops: usize,
) -> Verdict {
    let site_span = prog.ctx(key.0).semantic.nodes().kind(key.1).span();
    match finding_at(prog, key, r, walk_hops) {
        Ok(Some(f)) => Verdict::Finding(Box::new(f)),
        Ok(None) => Verdict::None,
        Err(WalkTooLong) => Verdict::WalkCut(site_span),
    }
}

/// The carrier's unproven path is longer than `unproven_walk_hops`.
struct WalkTooLong;

fn finding_at(
    prog: &Program<'_, '_>,
    (u, site): (UnitId, NodeId),
    r: Report<'_>,
    walk_hops: usize,
) -> Result<Option<Finding>, WalkTooLong> {
    let c = &r.best;
    let ctx = prog.ctx(u);
    let j = &c.judged;
    // A read compared only with the carrier's own characters is a test
    // for the carrier already in the text (`t.charAt(0) === "\u{FEFF}"`,
    // then the mark put back): the text's own mark preserved, not a choice
    // about the read. A read compared with anything else still chooses.
    // (`typeof t === "string"` on the way asks what the value is, not which.)
    let tests_carrier = |h: &Found<'_>| {
        let carrier = |w: &String| !w.is_empty() && w.chars().all(|ch| r.chars.contains(&ch));
        h.with.iter().any(carrier)
            && h.with
                .iter()
                .all(|w| carrier(w) || crate::eval::is_typeof_name(w))
    };
    let mut hit = c
        .taint
        .reads
        .iter()
        .filter(|h| !tests_carrier(h))
        .min_by_key(|f| read_order(f));
    if hit.is_none() && !c.taint.reads.is_empty() {
        return Ok(None);
    }
    let strong = matches!(
        j.rule,
        Rule::CovertLookAlike | Rule::CovertInvisible | Rule::CovertEncoding
    ) || (!c.decision.synthetic && width_space_swap(j));
    let hard_sink = c.sink.as_ref().is_some_and(|s| !s.soft);
    let sink = c.sink.as_ref();
    let local_only = sink.is_none() && c.local;
    let proven = |f: &Found<'_>| !f.unproven && !c.walk_unproven;
    // A formatter whose locale or options come from the environment is i18n
    // unless the environment is compared on the way (a choice among formats).
    // The user's language matched against the languages a program supports
    // (locale negotiation) picks the locale the rest of its text is in: that
    // comparison is i18n too, as is a setting of the program's own (a
    // variable of no targetable kind); a zone, host or user compared is not.
    // The read that makes it a choice is the one the finding is judged on:
    // a locale passed along on a proven path does not make a zone joined
    // in over an unproven one a proven choice. And a read compared only
    // with values of another kind than its own (a zone with a language tag,
    // a resolved-options object with a numbering system) is not targeted
    // by that comparison: the path that met them is not a choice about it.
    // A read of a targetable kind (not the user's locale) compared with
    // constants of its own kind: a choice about it.
    let compared_choice = |h: &Found<'_>| {
        h.compared
            && !h.data_path
            && h.read.category.is_targetable()
            && !crate::env::is_locale_source(&h.read.what)
            && (h.digest || h.with.is_empty() || crate::env::compared_fits(&h.read, &h.with))
    };
    if j.rule == Rule::CovertFormat && j.a.is_empty() {
        let chooser = r
            .sources
            .iter()
            .chain(hit)
            .filter(|h| compared_choice(h))
            .min_by_key(|f| read_order(f));
        // The user's language looked up in a table that sends several
        // languages to a locale of yet another language (`zh`, `ru` →
        // `en-GB`) is not negotiation: the table picks a format for a
        // class of users. The user's locale on a proven path is then the
        // chooser.
        let remap = || {
            r.sources
                .iter()
                .chain(hit)
                .filter(|h| {
                    proven(h)
                        && h.read.category.is_targetable()
                        && crate::env::is_locale_source(&h.read.what)
                })
                .min_by_key(|f| read_order(f))
                .filter(|_| {
                    hard_sink && remapped_locale_arg(prog.ctx(c.decision.unit), c.decision.site)
                })
        };
        // The user's language (or any targetable read) compared with
        // constants (`/^(ru|uk)_/`, a table of languages, `=== "gregory"`)
        // to pick an option of a formatter that writes in a fixed
        // convention anyway — its locale a constant (`new
        // Intl.NumberFormat("en-US", opts)`) or none at all (`toFixed`) —
        // or an order no convention sets (a list or its sorted copy,
        // objects merged in another order) is not the text written the
        // user's way: the user's own locale would be passed. It picks a
        // variant for a class of users, on a proven path to a request
        // (round 8c, `fixed_convention_format`, `conventionless_order`).
        let fixed = || {
            r.sources
                .iter()
                .chain(hit)
                .filter(|h| {
                    proven(h) && h.compared && !h.data_path && h.read.category.is_targetable()
                })
                .min_by_key(|f| read_order(f))
                .filter(|_| {
                    hard_sink
                        && (fixed_convention_format(prog.ctx(c.decision.unit), c.decision.site)
                            || conventionless_order(prog.ctx(c.decision.unit), c.decision.site))
                })
        };
        match chooser.or_else(remap).or_else(fixed) {
            None => return Ok(None),
            Some(h) => hit = Some(h),
        }
    }
    // Tabs for spaces, CRLF for LF and a count of spaces chosen among
    // constants are how code is laid out on one platform or another, by
    // one setting or another: a channel only when a read of a targetable
    // kind (not the user's locale) is compared with constants to choose
    // it, on a proven path, and the text leaves in a request.
    if strict_spacing(j, c.decision.synthetic) {
        let chooser = r
            .sources
            .iter()
            .chain(hit)
            .filter(|h| compared_choice(h) && proven(h))
            .min_by_key(|f| read_order(f));
        match chooser {
            Some(h) if hard_sink => hit = Some(h),
            _ => return Ok(None),
        }
    }
    // A hand-written format (`"DD.MM.YYYY"` / `"MM/DD/YYYY"`) looked up by
    // the user's own locale is the date written the way the user reads it:
    // i18n, unless the locale is compared on the way (a listed region).
    if j.rule == Rule::CovertFormat
        && !j.a.is_empty()
        && hit.is_some()
        && r.sources
            .iter()
            .chain(hit)
            .all(|h| crate::env::is_locale_source(&h.read.what) && !h.compared)
    {
        return Ok(None);
    }
    // Text that is only printed on the local terminal is not egress; a CI
    // runner switching to plain output is ordinary, so CI choices need a sink.
    if local_only || (hit.is_some_and(|h| h.read.category == EnvCategory::Ci) && !hard_sink) {
        return Ok(None);
    }
    let (severity, confidence) = match hit {
        Some(h) if h.read.category.is_targetable() && proven(h) => match (sink, strong, local_only)
        {
            (Some(_), _, _) => (Severity::Critical, Confidence::High),
            // Locale-driven spacing or date format for display is ordinary
            // i18n: not reported unless the text is seen leaving the process.
            (None, false, _) if h.read.category == EnvCategory::TimeZone => return Ok(None),
            (None, true, false) => (Severity::High, Confidence::High),
            (None, true, true) | (None, false, false) => (Severity::Medium, Confidence::Medium),
            (None, false, true) => return Ok(None),
        },
        // A path that is not proven (a join by name, an unknown call): the
        // carrier and a targeted decision meet, reported lower.
        // Only a short one: in a large bundle a long chain through a join by
        // name or an unknown call connects almost anything to anything. And
        // only one guess: when the carrier reaches the decision through a
        // join by name too, the two meet only by two coincidences of names.
        Some(h)
            if h.read.category.is_targetable()
                && (sink.is_some() || strong)
                && !local_only
                && !(h.unproven && c.walk_unproven)
                && h.path.len() <= UNPROVEN_MAX_HOPS =>
        {
            if c.walk_unproven && c.path.len() > walk_hops {
                if std::env::var_os("PLAINSIGHT_FLOW_DEBUG").is_some() {
                    eprintln!(
                        "walk too long: {} site {:?} ({} hops): {:#?}",
                        ctx.path,
                        site,
                        c.path.len(),
                        c.path
                    );
                }
                return Err(WalkTooLong);
            }
            (Severity::Medium, Confidence::Low)
        }
        // A variable of any other kind (terminal, platform, cloud, a setting)
        // compared with constants on a proven path, choosing between
        // look-alike, invisible or encoded variants of text that is sent:
        // that is a channel whatever the variable says about the user; the
        // kind only decides how sure the targeting is (high, not critical).
        // Format choices stay with the targetable kinds: a platform's or a
        // setting's own date or number format is ordinary.
        Some(h) if hard_sink && proven(h) && strong && h.compared && !h.data_path => {
            (Severity::High, Confidence::Medium)
        }
        // The machine's size (cores, memory) compared with a number picks a
        // class of machine (a one-core sandbox, a large build host): a
        // choice about where the agent runs, not portability, when the
        // text is sent and the path is proven and short.
        Some(h)
            if hard_sink
                && proven(h)
                && machine_threshold(h)
                && h.path.len() <= GENERIC_ENV_MAX_HOPS =>
        {
            (Severity::High, Confidence::Medium)
        }
        // A generic or platform variable decides: only worth a look when it is
        // close to the choice and the text is sent.
        Some(h) if hard_sink && proven(h) && h.path.len() <= GENERIC_ENV_MAX_HOPS => {
            (Severity::Medium, Confidence::Medium)
        }
        None if c.taint.opaque
            && strong
            && hard_sink
            && j.rule != Rule::CovertEncoding
            && prose_like(j) =>
        {
            (Severity::Medium, Confidence::Low)
        }
        _ => return Ok(None),
    };
    let what = match j.rule {
        Rule::CovertEncoding if j.a.is_empty() && j.b.is_empty() => format!(
            "{} code points computed from data (from {})",
            if r.chars
                .iter()
                .all(|&c| plainsight_text::chars::is_invisible(c))
            {
                "invisible"
            } else {
                "imperceptible"
            },
            describe_chars(&r.chars)
        ),
        Rule::CovertEncoding => format!(
            "data encoded as invisible characters {}",
            describe_chars(&r.chars)
        ),
        Rule::CovertInvisible => format!("invisible {} inserted or not", describe_chars(&r.chars)),
        Rule::CovertFormat if j.a.is_empty() && j.b == ORDER => {
            "field order (the same values permuted)".to_string()
        }
        Rule::CovertFormat if j.a.is_empty() => {
            "formatter options (locale, separators, clock)".to_string()
        }
        Rule::CovertFormat => format!("format variant \"{}\" / \"{}\"", escape(&j.a), escape(&j.b)),
        _ => describe_chars(&r.chars),
    };
    let by = match hit {
        Some(h) => {
            let mut parts = vec![format!(
                "{} ({})",
                h.read.what,
                category_label(h.read.category)
            )];
            for s in &r.sources {
                let p = format!("{} ({})", s.read.what, category_label(s.read.category));
                if !parts.contains(&p)
                    && (s.read.category.is_targetable() || !h.read.category.is_targetable())
                {
                    parts.push(p);
                }
            }
            parts.join(" and ")
        }
        None => "a value of unknown origin".to_string(),
    };
    let mut message = format!("{what} chosen by {by}");
    if let Some(s) = sink {
        message.push_str("; reaches ");
        message.push_str(&s.what);
    }
    let site_span = ctx.semantic.nodes().kind(site).span();
    let mut f = Finding::new(j.rule, message, ctx.location(site_span));
    f.flow = Some(channel_flow(
        prog,
        (u, site_span),
        &what,
        hit,
        &r.sources,
        sink,
    ));
    f.severity = severity;
    f.confidence = confidence;
    f.chars = r.chars.iter().map(|&ch| CharNote::new(ch, 1)).collect();
    if let Some(h) = hit {
        let mut steps = vec![format!("site {}", prog.pos(u, site_span))];
        steps.extend(describe_taint(prog, h));
        steps.push(format!(
            "{} at {}",
            h.read.what,
            prog.pos(h.unit, h.read.span)
        ));
        f.notes.push(steps.join(" ← "));
        // The trigger: what the value is compared with, if that can be recovered.
        let mut compared = h.with.clone();
        compared.dedup();
        if h.digest {
            f.notes.push(format!(
                "trigger: {} compared as a digest; the triggering values cannot be recovered",
                h.read.what
            ));
        } else if !compared.is_empty() {
            f.notes.push(format!(
                "trigger: {} compared with {}",
                h.read.what,
                compared
                    .iter()
                    .take(12)
                    .map(|s| format!("\"{}\"", escape(s)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else {
            f.notes.push(format!(
                "trigger: {} (the values it is compared with are computed, not constants)",
                h.read.what
            ));
        }
        if h.unproven || c.walk_unproven {
            f.notes.push("path not proven: it joins a property by name, passes an unknown call or a collapsed field path; confidence lowered".into());
        }
    }
    if !c.path.is_empty() {
        let seed_pos = prog.pos(c.decision.unit, site_span);
        f.notes.push(format!(
            "carrier → {} → decision at {seed_pos}",
            c.path.join(" → ")
        ));
    }
    if !j.a.is_empty() || !j.b.is_empty() {
        let mut shown: Vec<String> = Vec::new();
        for t in r.alts.iter().chain([&j.a, &j.b]) {
            let e = format!("\"{}\"", escape(t));
            if !shown.contains(&e) {
                shown.push(e);
            }
        }
        f.notes.push(format!("alternatives: {}", shown.join(" | ")));
    }
    if let Some(s) = sink {
        f.notes
            .push(format!("sink: {} at {}", s.what, prog.pos(s.unit, s.span)));
    }
    let (printed_span, mut text) = snippet::around(ctx, site);
    if let Some(h) = hit
        && (h.unit != u || !printed_span.contains_inclusive(h.read.span))
    {
        let hctx = prog.ctx(h.unit);
        if let Some(env_node) = node_at(hctx, h.read.span) {
            let (_, env_text) = snippet::around(hctx, env_node);
            text.push_str("\n// …");
            if h.unit != u {
                text.push_str(&format!(" {}", hctx.path));
            }
            text.push('\n');
            text.push_str(&env_text);
        }
    }
    let header = format!(
        "// {}: {}\n",
        j.rule.code(),
        if j.a.is_empty() && j.b.is_empty() {
            describe_chars(&r.chars)
        } else {
            format!("\"{}\" vs \"{}\"", escape(&j.a), escape(&j.b))
        }
    );
    f.snippet = Some(header + &text);
    f.help = Some("An environment-dependent choice between texts a reader cannot tell apart can tag outgoing text; review why the text varies.".into());
    Ok(Some(f))
}

/// The channel as trigger → carrier → sink, for the report's verdict.
fn channel_flow(
    prog: &Program<'_, '_>,
    (u, site_span): (UnitId, Span),
    carrier: &str,
    hit: Option<&Found<'_>>,
    sources: &[Found<'_>],
    sink: Option<&crate::flow::walk::SinkHit>,
) -> Flow {
    let mut triggers: Vec<FlowStep> = Vec::new();
    // The leading read first, then the others in [`read_order`].
    let mut rest: Vec<&Found<'_>> = sources.iter().collect();
    rest.sort_by_key(|f| read_order(f));
    for h in hit.into_iter().chain(rest) {
        if !triggers.iter().any(|t| t.what == h.read.what) {
            triggers.push(FlowStep {
                what: h.read.what.clone(),
                kind: Some(category_label(h.read.category).to_string()),
                location: Some(prog.ctx(h.unit).location(h.read.span)),
            });
        }
    }
    Flow {
        triggers,
        carrier: FlowStep {
            what: carrier.to_string(),
            kind: None,
            location: Some(prog.ctx(u).location(site_span)),
        },
        sink: sink.map(|s| FlowStep {
            what: s.what.clone(),
            kind: None,
            location: Some(prog.ctx(s.unit).location(s.span)),
        }),
    }
}

fn describe_taint(prog: &Program<'_, '_>, h: &Found<'_>) -> Vec<String> {
    h.path
        .iter()
        .map(|s| {
            let at = prog.pos(s.unit, s.span);
            match s.kind {
                StepKind::Var(n) => format!("variable {n} at {at}"),
                StepKind::Assign(n) => format!("assignment to {n} at {at}"),
                StepKind::Param(n) => format!("param {n} at {at}"),
                StepKind::Arg => format!("argument at {at}"),
                StepKind::Return => format!("return of fn at {at}"),
                StepKind::Field(n) => format!("property .{n} at {at}"),
                StepKind::Condition => format!("condition at {at}"),
                StepKind::Import => format!("import at {at}"),
                StepKind::ByName(n) => format!("property .{n} joined by name at {at}"),
                StepKind::Callback => format!("callback at {at}"),
            }
        })
        .collect()
}

/// Alternatives that are words of text, not lone symbols or identifiers.
fn prose_like(j: &Judged) -> bool {
    crate::flow::walk::is_prose(&j.a) || crate::flow::walk::is_prose(&j.b)
}

/// A `switch` whose cases are single characters, on a character of the data
/// being transformed: an escape/unescape or transliteration table. The output
/// follows the data, not a choice made by the environment.
fn is_char_switch(ctx: &Ctx<'_>, s: &oxc_ast::ast::SwitchStatement<'_>) -> bool {
    let mut tests = s.cases.iter().filter_map(|c| c.test.as_ref()).peekable();
    tests.peek().is_some()
        && tests.all(is_single_char)
        && !chosen_among_constants(ctx, &s.discriminant)
}

/// `x === "c"` (or `==`, `!==`, `!=`) against one character of the data: the
/// same translation-table shape written as an if/return chain. A character
/// code compared with a number (`s.charCodeAt(i) === 47`, through a variable
/// that only ever holds such codes) is the same test: a path or text parser
/// looking at its input's characters (`dirname` returning `"/"` or `"."`),
/// whose output follows the data, not a choice made by the environment. So
/// is a variable that holds such a test (`let root = c === 47`), its negation
/// and the last expression of a sequence (`(c = s.charCodeAt(i), c === 47)`).
fn is_char_test(ctx: &Ctx<'_>, e: &Expression<'_>) -> bool {
    char_test(ctx, e, 0)
}

fn char_test(ctx: &Ctx<'_>, e: &Expression<'_>, depth: u8) -> bool {
    if depth > 4 {
        return false;
    }
    match e.without_parentheses() {
        Expression::BinaryExpression(b) if b.operator.is_equality() => {
            (is_single_char(&b.left) && !chosen_among_constants(ctx, &b.right))
                || (is_single_char(&b.right) && !chosen_among_constants(ctx, &b.left))
                || (is_char_code_number(&b.right) && is_char_code(ctx, &b.left))
                || (is_char_code_number(&b.left) && is_char_code(ctx, &b.right))
        }
        Expression::LogicalExpression(l) => {
            char_test(ctx, &l.left, depth + 1) && char_test(ctx, &l.right, depth + 1)
        }
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
            char_test(ctx, &u.argument, depth + 1)
        }
        Expression::SequenceExpression(s) => s
            .expressions
            .last()
            .is_some_and(|l| char_test(ctx, l, depth + 1)),
        e @ Expression::Identifier(_) => {
            const_init(ctx, e).is_some_and(|i| char_test(ctx, i, depth + 1))
        }
        _ => false,
    }
}

/// A number that can be a UTF-16 code unit or a code point.
fn is_char_code_number(e: &Expression<'_>) -> bool {
    matches!(e.without_parentheses(), Expression::NumericLiteral(n) if n.value >= 0.0 && n.value <= 1_114_111.0 && n.value.fract() == 0.0)
}

/// `s.charCodeAt(i)` / `s.codePointAt(i)`, or a variable every write of
/// which is one (at most 8 writes).
fn is_char_code(ctx: &Ctx<'_>, e: &Expression<'_>) -> bool {
    let call = |e: &Expression<'_>| {
        let Expression::CallExpression(c) = e.without_parentheses() else {
            return false;
        };
        c.callee
            .without_parentheses()
            .as_member_expression()
            .and_then(oxc_ast::ast::MemberExpression::static_property_name)
            .is_some_and(|n| matches!(n, "charCodeAt" | "codePointAt"))
    };
    if call(e) {
        return true;
    }
    let Expression::Identifier(id) = e.without_parentheses() else {
        return false;
    };
    let scoping = ctx.semantic.scoping();
    let Some(sym) = id
        .reference_id
        .get()
        .and_then(|r| scoping.get_reference(r).symbol_id())
    else {
        return false;
    };
    let nodes = ctx.semantic.nodes();
    let mut writes = 0usize;
    if let AstKind::VariableDeclarator(d) = nodes.kind(scoping.symbol_declaration(sym))
        && let Some(init) = &d.init
    {
        if !call(init) {
            return false;
        }
        writes += 1;
    }
    for r in scoping
        .get_resolved_references(sym)
        .filter(|r| r.is_write())
    {
        match nodes.parent_kind(r.node_id()) {
            AstKind::AssignmentExpression(a)
                if a.operator == oxc_syntax::operator::AssignmentOperator::Assign
                    && call(&a.right) =>
            {
                writes += 1;
            }
            _ => return false,
        }
        if writes > 8 {
            return false;
        }
    }
    writes > 0
}

/// A key that the code itself picks among constants (`k = c ? "b" : "a"`),
/// as opposed to a character read out of the data being transformed. A
/// char-keyed table indexed by such a key is a choice, not a translation.
fn chosen_among_constants(ctx: &Ctx<'_>, e: &Expression<'_>) -> bool {
    // `c ? "b" : "a"`, `c && "b" || "a"`, a literal, or a local helper's
    // result; `s[i]`, `s.charAt(i)`, parameters and `env || ""` are data.
    let chosen = |e: &Expression<'_>| match e.without_parentheses() {
        Expression::ConditionalExpression(_) | Expression::StringLiteral(_) => true,
        Expression::LogicalExpression(l) => matches!(
            l.left.without_parentheses(),
            Expression::LogicalExpression(a) if a.operator == LogicalOperator::And && is_stringish(&a.right)
        ),
        Expression::CallExpression(c) => {
            matches!(c.callee.without_parentheses(), Expression::Identifier(_))
        }
        _ => false,
    };
    if chosen(e) {
        return true;
    }
    let Expression::Identifier(id) = e.without_parentheses() else {
        return false;
    };
    let scoping = ctx.semantic.scoping();
    let Some(sym) = id
        .reference_id
        .get()
        .and_then(|r| scoping.get_reference(r).symbol_id())
    else {
        return false;
    };
    match ctx.semantic.nodes().kind(scoping.symbol_declaration(sym)) {
        AstKind::VariableDeclarator(d) => d.init.as_ref().is_some_and(chosen),
        _ => false,
    }
}

fn is_single_char(e: &Expression<'_>) -> bool {
    matches!(e.without_parentheses(), Expression::StringLiteral(s) if s.value.chars().count() == 1)
}

/// An object table whose keys are all single characters (`{ n: "\n", t: "\t" }`).
fn is_char_table(table: &Expression<'_>) -> bool {
    let Expression::ObjectExpression(o) = table.without_parentheses() else {
        return false;
    };
    o.properties.len() >= 2
        && o.properties.iter().all(|p| match p {
            ObjectPropertyKind::ObjectProperty(p) => {
                p.key.static_name().is_some_and(|k| k.chars().count() == 1)
            }
            ObjectPropertyKind::SpreadProperty(_) => false,
        })
}

fn is_number(e: &Expression<'_>) -> bool {
    matches!(e.without_parentheses(), Expression::NumericLiteral(_))
}

pub(crate) fn is_join_call(c: &CallExpression<'_>) -> bool {
    c.callee
        .without_parentheses()
        .as_member_expression()
        .and_then(oxc_ast::ast::MemberExpression::static_property_name)
        == Some("join")
        && c.arguments
            .first()
            .and_then(Argument::as_expression)
            .is_some_and(is_stringish)
}

/// `String.fromCharCode` / `String.fromCodePoint`.
pub(crate) fn from_char_code_callee(callee: &Expression<'_>) -> Option<&'static str> {
    let m = callee.without_parentheses().as_member_expression()?;
    if !matches!(m.object().without_parentheses(), Expression::Identifier(i) if i.name == "String")
    {
        return None;
    }
    match m.static_property_name()? {
        "fromCharCode" => Some("fromCharCode"),
        "fromCodePoint" => Some("fromCodePoint"),
        _ => None,
    }
}

/// Is the node an argument of `String.fromCharCode(…)` (numbers are char codes)?
pub(crate) fn char_code_context(ctx: &Ctx<'_>, id: NodeId) -> bool {
    let nodes = ctx.semantic.nodes();
    nodes
        .ancestor_ids(id)
        .take(3)
        .find_map(|a| match nodes.kind(a) {
            AstKind::CallExpression(c) => Some(from_char_code_callee(&c.callee).is_some()),
            AstKind::ParenthesizedExpression(_) => None,
            _ => Some(false),
        })
        .unwrap_or(false)
}

/// `String.fromCharCode(K + x)` / `(x - K) + L` …: the additions and
/// subtractions of constants between the number at `id` and a char-code
/// argument (at most 4 levels), each as (constant, sign of the constant,
/// sign of the value). `None` when the number does not reach one that way.
pub(crate) fn char_code_arith(ctx: &Ctx<'_>, id: NodeId) -> Option<Vec<(f64, f64, f64)>> {
    let nodes = ctx.semantic.nodes();
    let mut steps = Vec::new();
    let mut cur = id;
    for _ in 0..8 {
        let p = nodes.parent_id(cur);
        match nodes.kind(p) {
            AstKind::ParenthesizedExpression(_) => {}
            AstKind::BinaryExpression(b)
                if matches!(
                    b.operator,
                    BinaryOperator::Addition | BinaryOperator::Subtraction
                ) && steps.len() < 4 =>
            {
                let left = nid(&b.left) == cur;
                let other = if left { &b.right } else { &b.left };
                let Some(Value::Num(k)) = Evaluator::new(ctx).eval(other) else {
                    return None;
                };
                let minus = b.operator == BinaryOperator::Subtraction;
                // v + k, k + v, v - k, k - v
                let (ks, vs) = match (left, minus) {
                    (_, false) => (1.0, 1.0),
                    (true, true) => (-1.0, 1.0),
                    (false, true) => (1.0, -1.0),
                };
                steps.push((k, ks, vs));
            }
            AstKind::CallExpression(c) => {
                return (from_char_code_callee(&c.callee).is_some() && !steps.is_empty())
                    .then_some(steps);
            }
            // `const shift = c ? K : 0; … shift + 0x61`: a constant binding
            // read once is its value at that read.
            AstKind::VariableDeclarator(d) if d.init.as_ref().is_some_and(|i| nid(i) == cur) => {
                let BindingPattern::BindingIdentifier(b) = &d.id else {
                    return None;
                };
                let sym = b.symbol_id.get()?;
                if ctx.symbol_is_mutated(sym) {
                    return None;
                }
                let mut refs = ctx.semantic.scoping().get_resolved_references(sym);
                let r = refs.next()?;
                if refs.next().is_some() {
                    return None;
                }
                cur = r.node_id();
                continue;
            }
            _ => return None,
        }
        cur = p;
    }
    None
}

/// The character [`char_code_arith`]'s steps make of `n`.
fn apply_arith(steps: &[(f64, f64, f64)], n: f64) -> Option<char> {
    let v = steps.iter().fold(n, |v, &(k, ks, vs)| vs * v + ks * k);
    (v >= 0.0 && v.fract() == 0.0)
        .then(|| char::from_u32(v as u32))
        .flatten()
}

/// The initializer of a never-reassigned variable.
pub(crate) fn const_init<'a>(ctx: &Ctx<'a>, e: &Expression<'a>) -> Option<&'a Expression<'a>> {
    let Expression::Identifier(id) = e.without_parentheses() else {
        return None;
    };
    let scoping = ctx.semantic.scoping();
    let sym = scoping.get_reference(id.reference_id.get()?).symbol_id()?;
    let init = match ctx.semantic.nodes().kind(scoping.symbol_declaration(sym)) {
        AstKind::VariableDeclarator(d) if matches!(d.id, BindingPattern::BindingIdentifier(_)) => {
            d.init.as_ref()?
        }
        _ => return None,
    };
    (!ctx.symbol_is_mutated(sym)).then_some(init)
}

/// `s.replace(P, R)` / `replaceAll` under a condition, where the pattern and
/// its replacement differ imperceptibly. Applied unconditionally it is

/// A rendered text that is one placeholder and nothing else.
/// The function declaring parameter `sym`, and the parameter's position
/// (plain identifier parameters only).
/// The function whose first parameter `id` names, when that binding is
/// never reassigned (a callback's match, a trap's target).
fn first_param_of(ctx: &Ctx<'_>, id: &oxc_ast::ast::IdentifierReference<'_>) -> Option<NodeId> {
    let sym = crate::env::symbol_of(ctx, id)?;
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    match param_position(ctx, sym)? {
        (f, 0) => Some(f),
        _ => None,
    }
}

fn param_position(ctx: &Ctx<'_>, sym: oxc_semantic::SymbolId) -> Option<(NodeId, usize)> {
    let node = crate::env::declaration_node(ctx, sym)?;
    let AstKind::FormalParameter(p) = node.kind() else {
        return None;
    };
    if !matches!(p.pattern, BindingPattern::BindingIdentifier(_)) {
        return None;
    }
    let nodes = ctx.semantic.nodes();
    let f = nodes.ancestor_ids(node.id()).take(3).find(|&a| {
        matches!(
            nodes.kind(a),
            AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
        )
    })?;
    let params = match nodes.kind(f) {
        AstKind::Function(g) => &g.params,
        AstKind::ArrowFunctionExpression(a) => &a.params,
        _ => return None,
    };
    let idx = params.items.iter().position(|x| x.span == p.span)?;
    Some((f, idx))
}

/// The uses of function node `f` as a value: the function expression in
/// place, or every reference to the name it is declared or bound under
/// (`function swap(m) {…}`, `const swap = (m) => …`). None when it has a
/// name and some use is not a plain reference.
fn function_uses(ctx: &Ctx<'_>, f: NodeId) -> Option<Vec<NodeId>> {
    let nodes = ctx.semantic.nodes();
    let sym = match nodes.kind(f) {
        AstKind::Function(g) if g.id.is_some() => g.id.as_ref().and_then(|i| i.symbol_id.get()),
        _ => match nodes.parent_kind(f) {
            AstKind::VariableDeclarator(d) => {
                d.id.get_binding_identifier()
                    .and_then(|b| b.symbol_id.get())
            }
            _ => return Some(vec![f]),
        },
    }?;
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    let scoping = ctx.semantic.scoping();
    let refs = scoping.get_resolved_reference_ids(sym);
    if refs.len() > 16 {
        return None;
    }
    Some(
        refs.iter()
            .map(|r| scoping.get_reference(*r).node_id())
            .collect(),
    )
}

/// The texts a constant pattern of `replace` matches: a string, a regex of
/// literal characters, a plain character class (one text per character),
/// directly or through a never-reassigned binding. None for anything else
/// (and for a case-insensitive regex, whose matches are more than written).
fn pattern_texts(ctx: &Ctx<'_>, e: &Expression<'_>, depth: u8) -> Option<Vec<String>> {
    match e.without_parentheses() {
        Expression::StringLiteral(s) if !s.value.is_empty() => Some(vec![s.value.to_string()]),
        Expression::RegExpLiteral(re) => {
            if re.regex.flags.to_string().contains('i') {
                return None;
            }
            let p = re.regex.pattern.text.as_str();
            class_chars(p)
                .or_else(|| crate::flow::walk::regex_literal_text(p).map(|t| vec![t]))
                .filter(|v| v.iter().all(|t| !t.is_empty()))
        }
        Expression::Identifier(_) if depth < 4 => {
            pattern_texts(ctx, const_init(ctx, e)?, depth + 1)
        }
        _ => None,
    }
}

/// The texts the match parameter of a replacement callback holds
/// (`s.replace(/o/g, (m) => c ? "\u043e" : m)`, `function swap(ch) {…}`
/// passed to `replaceAll("'", swap)`): what the call's constant pattern
/// matches. Every use of the callback must be the replacement argument of a
/// `replace`/`replaceAll` call with such a pattern; the texts are their union.
fn replace_match_texts(
    ctx: &Ctx<'_>,
    id: &oxc_ast::ast::IdentifierReference<'_>,
) -> Option<Vec<String>> {
    let f = first_param_of(ctx, id)?;
    let nodes = ctx.semantic.nodes();
    let mut out: Vec<String> = Vec::new();
    for u in function_uses(ctx, f)? {
        let AstKind::CallExpression(c) = nodes.parent_kind(u) else {
            return None;
        };
        let m = c.callee.without_parentheses().as_member_expression()?;
        if !matches!(m.static_property_name(), Some("replace" | "replaceAll")) {
            return None;
        }
        let rep = c.arguments.get(1)?.as_expression()?;
        if rep.span() != nodes.kind(u).span() {
            return None;
        }
        for t in pattern_texts(ctx, c.arguments.first()?.as_expression()?, 0)? {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The constant key an expression holds at `at`: a constant, or a name
/// narrowed by an enclosing equality test whose branch `at` lies in
/// (`if (prop === "dash") { … Reflect.get(target, prop) … }`,
/// `k == "a" ? o[k] : …`).
fn narrowed_key(ctx: &Ctx<'_>, key: &Expression<'_>, at: &Expression<'_>) -> Option<String> {
    if let Some(Value::Str(s)) = Evaluator::new(ctx).eval(key) {
        return Some(s);
    }
    let Expression::Identifier(k) = key.without_parentheses() else {
        return None;
    };
    let sym = crate::env::symbol_of(ctx, k)?;
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    // In the branch taken when `test` holds: the equality itself, or one
    // conjunct of an `&&` chain (`k === "dash" && on`).
    fn equal_to(
        ctx: &Ctx<'_>,
        sym: oxc_semantic::SymbolId,
        test: &Expression<'_>,
        depth: u8,
    ) -> Option<String> {
        let b = match test.without_parentheses() {
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::And && depth < 8 => {
                return equal_to(ctx, sym, &l.left, depth + 1)
                    .or_else(|| equal_to(ctx, sym, &l.right, depth + 1));
            }
            Expression::BinaryExpression(b) => b,
            _ => return None,
        };
        if !matches!(
            b.operator,
            BinaryOperator::StrictEquality | BinaryOperator::Equality
        ) {
            return None;
        }
        let is_key = |x: &Expression<'_>| {
            matches!(x.without_parentheses(), Expression::Identifier(i)
                if crate::env::symbol_of(ctx, i) == Some(sym))
        };
        let lit = |x: &Expression<'_>| match x.without_parentheses() {
            Expression::StringLiteral(s) => Some(s.value.to_string()),
            _ => None,
        };
        if is_key(&b.left) {
            lit(&b.right)
        } else if is_key(&b.right) {
            lit(&b.left)
        } else {
            None
        }
    }
    let node = nid(at);
    let nodes = ctx.semantic.nodes();
    if node.index() >= nodes.len() {
        return None;
    }
    let at = at.span();
    let inside = |outer: Span| outer.start <= at.start && at.end <= outer.end;
    for a in nodes.ancestor_ids(node).take(64) {
        match nodes.kind(a) {
            AstKind::IfStatement(i) if inside(i.consequent.span()) => {
                if let Some(v) = equal_to(ctx, sym, &i.test, 0) {
                    return Some(v);
                }
            }
            AstKind::ConditionalExpression(c) if inside(c.consequent.span()) => {
                if let Some(v) = equal_to(ctx, sym, &c.test, 0) {
                    return Some(v);
                }
            }
            _ => {}
        }
    }
    None
}

/// The constant record an object expression names: a never-reassigned
/// binding of an object literal, or the `target` parameter of a `get` trap
/// of a handler given to `new Proxy(record, handler)` (inline or bound).
fn record_of<'a>(ctx: &Ctx<'a>, e: &Expression<'a>, depth: u8) -> Option<&'a Expression<'a>> {
    if depth > 4 {
        return None;
    }
    let Expression::Identifier(id) = e.without_parentheses() else {
        return None;
    };
    if let Some(init) = const_init(ctx, e) {
        return match init.without_parentheses() {
            Expression::ObjectExpression(_) => Some(init),
            Expression::Identifier(_) => record_of(ctx, init, depth + 1),
            _ => None,
        };
    }
    let f = first_param_of(ctx, id)?;
    let nodes = ctx.semantic.nodes();
    // The trap: `get(t, k) {…}` or `get: (t, k) => …` in an object literal.
    let prop = nodes
        .ancestor_ids(f)
        .take(3)
        .find(|&a| matches!(nodes.kind(a), AstKind::ObjectProperty(_)))?;
    let AstKind::ObjectProperty(p) = nodes.kind(prop) else {
        return None;
    };
    if p.key.static_name().as_deref() != Some("get") {
        return None;
    }
    let handler = nodes.parent_id(prop);
    let AstKind::ObjectExpression(_) = nodes.kind(handler) else {
        return None;
    };
    let uses = match nodes.parent_kind(handler) {
        AstKind::VariableDeclarator(d) => {
            let hs = d.id.get_binding_identifier()?.symbol_id.get()?;
            if ctx.symbol_is_mutated(hs) {
                return None;
            }
            let scoping = ctx.semantic.scoping();
            scoping
                .get_resolved_reference_ids(hs)
                .iter()
                .take(16)
                .map(|r| scoping.get_reference(*r).node_id())
                .collect()
        }
        _ => vec![handler],
    };
    let mut found = None;
    for u in uses {
        let AstKind::NewExpression(n) = nodes.parent_kind(u) else {
            return None;
        };
        let Expression::Identifier(c) = n.callee.without_parentheses() else {
            return None;
        };
        if c.name != "Proxy" || crate::env::symbol_of(ctx, c).is_some() {
            return None;
        }
        if n.arguments.get(1)?.as_expression()?.span() != nodes.kind(u).span() {
            return None;
        }
        let t = record_of(ctx, n.arguments.first()?.as_expression()?, depth + 1)?;
        if found.is_some_and(|x: &Expression<'_>| x.span() != t.span()) {
            return None;
        }
        found = Some(t);
    }
    found
}

/// A reflective or computed read of a constant record under a constant or
/// narrowed key (`Reflect.get(target, prop)` in a Proxy trap under
/// `prop === "dash"`, `o[k]` under `k === "a"`): the field's value.
fn narrowed_field<'a>(ctx: &Ctx<'a>, e: &'a Expression<'a>) -> Option<&'a Expression<'a>> {
    let (obj, key) = match e.without_parentheses() {
        Expression::CallExpression(c) => {
            let m = c.callee.without_parentheses().as_member_expression()?;
            if m.static_property_name()? != "get" {
                return None;
            }
            let Expression::Identifier(r) = m.object().without_parentheses() else {
                return None;
            };
            if r.name != "Reflect" || crate::env::symbol_of(ctx, r).is_some() {
                return None;
            }
            (
                c.arguments.first()?.as_expression()?,
                c.arguments.get(1)?.as_expression()?,
            )
        }
        Expression::ComputedMemberExpression(m) => (&m.object, &m.expression),
        _ => return None,
    };
    let rec = record_of(ctx, obj, 0)?;
    let k = narrowed_key(ctx, key, e)?;
    let Expression::ObjectExpression(o) = rec.without_parentheses() else {
        return None;
    };
    let mut value = None;
    for p in &o.properties {
        let ObjectPropertyKind::ObjectProperty(p) = p else {
            // A spread may hold the key too.
            return None;
        };
        if p.key.static_name().as_deref() == Some(k.as_str()) {
            value = Some(&p.value);
        }
    }
    value
}

fn is_hole(t: &str) -> bool {
    t.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A number as JavaScript prints it (integers without a fraction).
fn js_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Drops repeated texts, keeping the first of each (linear).
fn dedup_texts(v: &mut Vec<String>) {
    if v.len() < 2 {
        return;
    }
    let mut seen: std::collections::HashSet<String> =
        std::collections::HashSet::with_capacity(v.len());
    v.retain(|t| seen.insert(t.clone()));
}

/// Renders an expression to the text it produces, with `${n}` placeholders for
/// non-constant parts (`n` numbers distinct source texts).
/// At most this many bytes of evaluated values are kept per unit between
/// renderings (a unit's [`crate::eval::EvalCache`]).
const EVAL_CACHE_BYTES: usize = 64 << 20;

pub(crate) struct Renderer<'c, 'a> {
    ctx: &'c Ctx<'a>,
    holes: Vec<&'a str>,
    /// No bounded evaluator: literals and constant bindings only (the seed
    /// pass renders many leaves; judging renders few).
    cheap: bool,
}

impl<'c, 'a> Renderer<'c, 'a> {
    pub(crate) fn new(ctx: &'c Ctx<'a>) -> Self {
        Renderer {
            ctx,
            holes: Vec::new(),
            cheap: false,
        }
    }

    pub(crate) fn cheap(ctx: &'c Ctx<'a>) -> Self {
        Renderer {
            ctx,
            holes: Vec::new(),
            cheap: true,
        }
    }

    /// The texts an expression may produce: conditionals and `c && A || B`
    /// chains are expanded into their branches, everything else rendered
    /// once (`${n}` for what is not constant). Every text is kept (no cap
    /// a decoy table could push a variant past); the number is bounded by the
    /// size of the expression, and [`judge`] compares large sets linearly.
    pub(crate) fn alternatives(
        &mut self,
        e: &'a Expression<'a>,
        codes: bool,
        out: &mut Vec<String>,
    ) {
        // Duplicates among this expression's texts are dropped here; across
        // calls the caller drops them once ([`dedup_texts`]): seeding this
        // set with `out` made a long list of sides quadratic.
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            match e.without_parentheses() {
                Expression::ConditionalExpression(c) => {
                    stack.push(&c.alternate);
                    stack.push(&c.consequent);
                }
                Expression::LogicalExpression(l) => match l.left.without_parentheses() {
                    Expression::LogicalExpression(inner)
                        if inner.operator == LogicalOperator::And
                            && l.operator == LogicalOperator::Or =>
                    {
                        stack.push(&l.right);
                        stack.push(&inner.right);
                    }
                    _ if l.operator == LogicalOperator::And => {
                        stack.push(&l.right);
                        if seen.insert(String::new()) {
                            out.push(String::new());
                        }
                    }
                    _ => {
                        stack.push(&l.right);
                        stack.push(&l.left);
                    }
                },
                // A list whose elements are joined or spread into text.
                Expression::ArrayExpression(a) => {
                    let mut t = String::new();
                    for el in a
                        .elements
                        .iter()
                        .filter_map(ArrayExpressionElement::as_expression)
                    {
                        if let Some(x) = self.render(el, codes) {
                            t.push_str(&x);
                        }
                    }
                    if seen.insert(t.clone()) {
                        out.push(t);
                    }
                }
                // A replacement callback's match where its pattern is a
                // class: each character it matches.
                Expression::Identifier(id)
                    if !self.cheap
                        && let Some(v) = replace_match_texts(self.ctx, id)
                        && v.len() > 1 =>
                {
                    for t in v {
                        if seen.insert(t.clone()) {
                            out.push(t);
                        }
                    }
                }
                _ => {
                    if let Some(t) = self.render(e, codes)
                        && seen.insert(t.clone())
                    {
                        out.push(t);
                    }
                }
            }
        }
    }

    /// `None` when nothing in the expression is constant text.
    pub(crate) fn render(&mut self, e: &'a Expression<'a>, char_codes: bool) -> Option<String> {
        let mut out = String::new();
        self.into(e, &mut out, char_codes, 0).then_some(out)
    }

    fn into(&mut self, e: &'a Expression<'a>, out: &mut String, codes: bool, depth: u32) -> bool {
        if depth > 16 || out.len() > 4096 {
            self.hole(e, out);
            return false;
        }
        match e.without_parentheses() {
            Expression::StringLiteral(s) => {
                out.push_str(&s.value);
                true
            }
            Expression::NumericLiteral(n) => {
                if codes && let Some(c) = char::from_u32(n.value as u32) {
                    out.push(c);
                } else {
                    out.push_str(&js_number(n.value));
                }
                true
            }
            Expression::TemplateLiteral(t) => {
                for (i, q) in t.quasis.iter().enumerate() {
                    out.push_str(q.value.cooked.as_deref().unwrap_or(q.value.raw.as_str()));
                    if let Some(x) = t.expressions.get(i) {
                        self.into(x, out, false, depth + 1);
                    }
                }
                true
            }
            // `(sideEffect(), " ")`, as minifiers write an alternative: the
            // value is the last expression's.
            Expression::SequenceExpression(s) => match s.expressions.last() {
                Some(last) => self.into(last, out, codes, depth + 1),
                None => false,
            },
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                let l = self.into(&b.left, out, false, depth + 1);
                let r = self.into(&b.right, out, false, depth + 1);
                l || r
            }
            Expression::CallExpression(c) if from_char_code_callee(&c.callee).is_some() => {
                let mut any = false;
                for a in c.arguments.iter().filter_map(Argument::as_expression) {
                    let mut s = String::new();
                    if self.into(a, &mut s, true, depth + 1) && s.chars().count() == 1 {
                        out.push_str(&s);
                        any = true;
                    } else {
                        self.hole(a, out);
                    }
                }
                any
            }
            Expression::CallExpression(c) if is_join_call(c) => {
                let Some(m) = c.callee.without_parentheses().as_member_expression() else {
                    return false;
                };
                let sep = c.arguments.first().and_then(Argument::as_expression);
                if let (Expression::ArrayExpression(arr), Some(sep)) =
                    (m.object().without_parentheses(), sep)
                {
                    let mut sep_s = String::new();
                    self.into(sep, &mut sep_s, false, depth + 1);
                    for (i, el) in arr
                        .elements
                        .iter()
                        .filter_map(ArrayExpressionElement::as_expression)
                        .enumerate()
                    {
                        if i > 0 {
                            out.push_str(&sep_s);
                        }
                        self.into(el, out, false, depth + 1);
                    }
                } else {
                    // `parts.join("/")`: the separator is the literal part.
                    self.hole(m.object(), out);
                    if let Some(sep) = sep {
                        self.into(sep, out, false, depth + 1);
                    }
                    self.hole(m.object(), out);
                }
                true
            }
            Expression::Identifier(id) => {
                if let Some(init) = const_init(self.ctx, e)
                    && (is_stringish(init) || is_number(init))
                {
                    return self.into(init, out, codes, depth + 1);
                }
                // A replacement callback's match: the one text its pattern matches.
                if !self.cheap
                    && let Some(v) = replace_match_texts(self.ctx, id)
                    && let [t] = v.as_slice()
                {
                    out.push_str(t);
                    return true;
                }
                self.evaluated(e, out, codes)
            }
            Expression::CallExpression(_) | Expression::ComputedMemberExpression(_)
                if !self.cheap
                    && let Some(f) = narrowed_field(self.ctx, e) =>
            {
                self.into(f, out, codes, depth + 1)
            }
            Expression::CallExpression(_)
            | Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_) => self.evaluated(e, out, codes),
            _ => {
                self.hole(e, out);
                false
            }
        }
    }

    /// Constant by JS-B's bounded evaluator, else a placeholder.
    fn evaluated(&mut self, e: &'a Expression<'a>, out: &mut String, codes: bool) -> bool {
        if self.cheap {
            self.hole(e, out);
            return false;
        }
        // One evaluator's learning per unit, handed from each to the next
        // (see `EvalCache`): judging reads the same constant tables again
        // and again. Past `EVAL_CACHE_BYTES` it starts afresh.
        let cache = self
            .ctx
            .eval_cache
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default();
        let mut ev = Evaluator::with_cache(self.ctx, cache);
        let v = ev.eval(e);
        let cache = ev.into_cache();
        if cache.bytes <= EVAL_CACHE_BYTES
            && let Ok(mut c) = self.ctx.eval_cache.lock()
        {
            *c = cache;
        }
        match v {
            Some(Value::Str(s)) => {
                out.push_str(&s);
                true
            }
            Some(Value::Num(n)) if codes => {
                if let Some(c) = char::from_u32(n as u32) {
                    out.push(c);
                }
                true
            }
            Some(Value::Num(n)) => {
                out.push_str(&js_number(n));
                true
            }
            _ => {
                self.hole(e, out);
                false
            }
        }
    }

    fn hole(&mut self, e: &'a Expression<'a>, out: &mut String) {
        let src: &'a str = self.ctx.source;
        let span = e.span();
        let text = src
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        let n = self
            .holes
            .iter()
            .position(|h| *h == text)
            .unwrap_or_else(|| {
                self.holes.push(text);
                self.holes.len() - 1
            });
        out.push_str("${");
        out.push_str(&n.to_string());
        out.push('}');
    }
}

// ---------------------------------------------------------------------------
// 3. Judgement, slicing, reporting
// ---------------------------------------------------------------------------

/// The chosen pair and what kind of difference it is.
#[derive(Clone, Debug)]
pub(crate) struct Judged {
    pub rule: Rule,
    pub a: String,
    pub b: String,
    pub chars: Vec<char>,
}

/// Judge every pair of distinct texts (tests and merges without sides).
#[cfg(test)]
fn judge_alternatives(texts: &[&str]) -> Option<Judged> {
    let t: Vec<String> = texts.iter().map(|s| (*s).to_string()).collect();
    judge(&t, &[], true)
}

/// Judge a decision: the texts on the chosen side `a` against the other
/// side `b` (pairs across the sides only); with `all_pairs`, every pair of `a`.
pub(crate) fn judge(a: &[String], b: &[String], all_pairs: bool) -> Option<Judged> {
    let mut distinct: Vec<&str> = Vec::new();
    let mut in_a: Vec<bool> = Vec::new();
    let mut in_b: Vec<bool> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::default();
    for (s, is_a) in a
        .iter()
        .map(|s| (s, true))
        .chain(b.iter().map(|s| (s, false)))
    {
        let i = *index.entry(s.as_str()).or_insert_with(|| {
            distinct.push(s);
            in_a.push(false);
            in_b.push(false);
            distinct.len() - 1
        });
        if is_a {
            in_a[i] = true;
        } else {
            in_b[i] = true;
        }
    }
    if distinct.len() < 2 {
        return None;
    }
    let crosses = |i: usize, j: usize| all_pairs || (in_a[i] && in_b[j]) || (in_b[i] && in_a[j]);
    // An alphabet of distinct invisible characters: data encoded as invisibles.
    let all_invisible = distinct.iter().all(|s| is_invisible_symbol(s));
    if all_invisible {
        let mut chars: Vec<char> = distinct.iter().flat_map(|s| s.chars()).collect();
        chars.sort_unstable();
        chars.dedup();
        return Some(Judged {
            rule: Rule::CovertEncoding,
            a: distinct[0].into(),
            b: distinct[1].into(),
            chars,
        });
    }
    // Small sets: every pair (a visible pair may still be a reordered
    // format); large ones: the pairs that can be imperceptible, so no
    // alternative is dropped and the cost stays linear.
    let pairs: Vec<(usize, usize)> = if distinct.len() <= ALL_PAIRS_MAX {
        (0..distinct.len())
            .flat_map(|i| (i + 1..distinct.len()).map(move |j| (i, j)))
            .collect()
    } else {
        candidate_pairs(&distinct)
    };
    judge_pairs(
        pairs
            .into_iter()
            .filter(|&(i, j)| crosses(i, j))
            .map(|(i, j)| (distinct[i], distinct[j])),
    )
}

/// The best imperceptible (or reordered) pair among `pairs`, with the
/// characters of every pair of its kind.
fn judge_pairs<'s>(pairs: impl Iterator<Item = (&'s str, &'s str)>) -> Option<Judged> {
    let mut best: Option<(u8, Judged)> = None;
    {
        for (a, b) in pairs {
            if !may_be_imperceptible(a, b) {
                if let Some(chars) = dash_swap(a, b) {
                    match &mut best {
                        Some((4, j)) => {
                            j.chars.extend(chars);
                            j.chars.sort_unstable();
                            j.chars.dedup();
                        }
                        Some((r, _)) if *r > 4 => {}
                        _ => {
                            best = Some((
                                4,
                                Judged {
                                    rule: Rule::CovertLookAlike,
                                    a: a.into(),
                                    b: b.into(),
                                    chars,
                                },
                            ));
                        }
                    }
                    continue;
                }
                if reordered_fields(a, b) && best.is_none() {
                    best = Some((
                        1,
                        Judged {
                            rule: Rule::CovertFormat,
                            a: a.into(),
                            b: b.into(),
                            chars: separators(a, b),
                        },
                    ));
                }
                continue; // a visible difference, known without aligning
            }
            let c = classify(a, b);
            if !c.is_imperceptible() {
                if reordered_fields(a, b) {
                    let chars = separators(a, b);
                    if best.is_none() {
                        best = Some((
                            1,
                            Judged {
                                rule: Rule::CovertFormat,
                                a: a.into(),
                                b: b.into(),
                                chars,
                            },
                        ));
                    }
                }
                continue;
            }
            let (rank, rule) = match c.kind {
                DiffKind::LookAlike => (4, Rule::CovertLookAlike),
                DiffKind::InvisibleInsertion => (3, Rule::CovertInvisible),
                DiffKind::Spacing => (2, Rule::CovertSpacing),
                DiffKind::FormatVariant => (1, Rule::CovertFormat),
                _ => continue,
            };
            if best.as_ref().is_some_and(|(r, _)| *r > rank) {
                continue;
            }
            let mut chars: Vec<char> = Vec::new();
            for s in &c.spans {
                chars.extend(a.get(s.a.clone()).unwrap_or("").chars());
                chars.extend(b.get(s.b.clone()).unwrap_or("").chars());
            }
            chars.sort_unstable();
            chars.dedup();
            if !covert_kind_holds(rule, a, b, &chars) {
                continue;
            }
            // Same kind as the pair already chosen: the site's other
            // alternatives are named too (all four apostrophes, not two).
            if let Some((r, j)) = &mut best
                && *r == rank
            {
                j.chars.extend(chars);
                j.chars.sort_unstable();
                j.chars.dedup();
                continue;
            }
            best = Some((
                rank,
                Judged {
                    rule,
                    a: a.into(),
                    b: b.into(),
                    chars,
                },
            ));
        }
    }
    best.map(|(_, j)| j)
}

/// Typographic dashes of one length class swapped for each other (en dash
/// `–`, em dash `—`, figure dash, horizontal bar, minus sign, small em
/// dash): UTS #39 gives them different skeletons (`-`, `ー`, …), but in
/// running text a reader takes any of them for "the dash" — the same
/// punctuation, not a different word. Hyphens (`‐`, `‑`) already share
/// `-`'s skeleton. Only substitutions in place, every other character equal;
/// the differing dashes, sorted, when that is the whole difference.
fn dash_swap(a: &str, b: &str) -> Option<Vec<char>> {
    let dash = |c: char| {
        matches!(
            c,
            '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' | '\u{FE58}'
        )
    };
    if a.is_ascii() || b.is_ascii() {
        return None;
    }
    let mut chars = Vec::new();
    let (mut x, mut y) = (a.chars(), b.chars());
    loop {
        match (x.next(), y.next()) {
            (None, None) => break,
            (Some(p), Some(q)) if p == q => {}
            (Some(p), Some(q)) if dash(p) && dash(q) => chars.extend([p, q]),
            _ => return None,
        }
    }
    if chars.is_empty() {
        return None;
    }
    chars.sort_unstable();
    chars.dedup();
    Some(chars)
}

/// The kind-specific conditions under which an imperceptible pair can be a
/// covert carrier rather than an everyday escape or layout table.
///
/// * Look-alike: at least one differing character is non-ASCII. ASCII pairs
///   (`'`/`` ` ``, `l`/`1`) are distinct glyphs in code fonts and fill every
///   escape/unescape table in real bundles.
/// * Spacing: only horizontal spaces differ (NBSP, narrow NBSP, other Unicode
///   spaces, U+0020) and neither alternative is empty — a doubled or trailing
///   space in text, or a Unicode space in place of U+0020. Line endings
///   (`\r\n`/`\n`), tabs vs newlines (indentation, serialisers) and a lone
///   space vs nothing (optional separators) are layout choices; a lone space
///   narrower than a word space (thin, hair, narrow no-break) vs nothing is
///   not a separator anyone reads — it is kept.
fn covert_kind_holds(rule: Rule, a: &str, b: &str, chars: &[char]) -> bool {
    match rule {
        Rule::CovertLookAlike => chars.iter().any(|c| !c.is_ascii()),
        Rule::CovertSpacing => {
            let horizontal = |c: &char| {
                c.is_whitespace()
                    && !matches!(
                        c,
                        '\t' | '\n' | '\r' | '\u{B}' | '\u{C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
                    )
            };
            let narrow = |c: &char| plainsight_text::chars::is_narrow_space(*c);
            !chars.is_empty()
                && ((chars.iter().all(horizontal)
                    && ((!a.is_empty() && !b.is_empty()) || chars.iter().all(narrow)))
                    || layout_spacing(a, b, chars))
        }
        _ => true,
    }
}

/// The locale argument of the formatter at `site` (`d.toLocaleDateString(loc)`,
/// `new Intl.DateTimeFormat(loc)`) is a look-up in a constant table that
/// sends languages to locales of another language ([`remapping_table`]),
/// directly or through a never-reassigned binding and `||` / `??` defaults.
fn remapped_locale_arg(ctx: &Ctx<'_>, site: NodeId) -> bool {
    let args = match ctx.semantic.nodes().kind(site) {
        AstKind::CallExpression(c) => &c.arguments,
        AstKind::NewExpression(n) => &n.arguments,
        _ => return false,
    };
    let Some(mut e) = args.first().and_then(Argument::as_expression) else {
        return false;
    };
    for _ in 0..6 {
        e = match e.without_parentheses() {
            Expression::LogicalExpression(l) => &l.left,
            Expression::Identifier(_) => match const_init(ctx, e) {
                Some(init) => init,
                None => return false,
            },
            Expression::ComputedMemberExpression(m) => {
                return const_init(ctx, &m.object).is_some_and(|t| remapping_table(ctx, t));
            }
            Expression::CallExpression(c) => {
                let Some(m) = c.callee.without_parentheses().as_member_expression() else {
                    return false;
                };
                return m.static_property_name() == Some("get")
                    && const_init(ctx, m.object()).is_some_and(|t| remapping_table(ctx, t));
            }
            _ => return false,
        };
    }
    false
}

/// The choice at `site` is between one list or record and the same in an
/// order no locale convention sets (a list and its sorted copy, objects
/// merged from the same parts in another order; seeds.rs
/// `key_order_permutation`).
fn conventionless_order(ctx: &Ctx<'_>, site: NodeId) -> bool {
    match ctx.semantic.nodes().kind(site) {
        AstKind::ConditionalExpression(c) => {
            crate::flow::seeds::key_order_permutation(ctx, &c.consequent, &c.alternate)
        }
        _ => false,
    }
}

/// The formatter at `site` writes in a convention fixed in the source:
/// `n.toFixed(d)` / `toPrecision` / `toExponential` (no locale at all), or
/// `new Intl.NumberFormat("en-US", o)`, `Intl.DateTimeFormat(["en-GB"], o)`,
/// `d.toLocaleDateString("de-DE", o)` whose locale argument is constant
/// text (directly or through a constant binding). A formatter given no
/// locale (`undefined`, or none) writes the user's own: not this.
fn fixed_convention_format(ctx: &Ctx<'_>, site: NodeId) -> bool {
    let (callee, args) = match ctx.semantic.nodes().kind(site) {
        AstKind::CallExpression(c) => (&c.callee, &c.arguments),
        AstKind::NewExpression(n) => (&n.callee, &n.arguments),
        _ => return false,
    };
    let name = match callee.without_parentheses() {
        Expression::Identifier(id) => Some(id.name.as_str()),
        e => e
            .as_member_expression()
            .and_then(oxc_ast::ast::MemberExpression::static_property_name),
    };
    match name {
        Some("toFixed" | "toPrecision" | "toExponential") => true,
        Some(
            "DateTimeFormat" | "NumberFormat" | "RelativeTimeFormat" | "ListFormat"
            | "toLocaleDateString" | "toLocaleTimeString" | "toLocaleString",
        ) => {
            let Some(mut e) = args.first().and_then(Argument::as_expression) else {
                return false;
            };
            if let Some(init) = const_init(ctx, e) {
                e = init;
            }
            let text = |e: &Expression<'_>| match e.without_parentheses() {
                Expression::StringLiteral(s) => !s.value.is_empty(),
                Expression::TemplateLiteral(t) => {
                    t.expressions.is_empty() && t.quasis.iter().any(|q| !q.value.raw.is_empty())
                }
                _ => false,
            };
            match e.without_parentheses() {
                Expression::ArrayExpression(a) => {
                    !a.elements.is_empty()
                        && a.elements
                            .iter()
                            .all(|el| el.as_expression().is_some_and(text))
                }
                e => text(e),
            }
        }
        _ => false,
    }
}

/// A constant table (object literal, or `new Map([[k, v], …])`) from
/// language tags to locale tags where two different languages are sent to
/// locales of one third language (`{ ru: "en-GB", uk: "en-GB" }`). Aliases
/// (`no` → `nb`, `iw` → `he`) and a language's own regions (`pt` →
/// `pt-BR`) map each language to its own: not this.
fn remapping_table(ctx: &Ctx<'_>, t: &Expression<'_>) -> bool {
    let _ = ctx;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let lit = |e: &Expression<'_>| match e.without_parentheses() {
        Expression::StringLiteral(s) => Some(s.value.to_string()),
        _ => None,
    };
    match t.without_parentheses() {
        Expression::ObjectExpression(o) => {
            for p in &o.properties {
                if let ObjectPropertyKind::ObjectProperty(p) = p
                    && let (Some(k), Some(v)) = (p.key.static_name(), lit(&p.value))
                {
                    pairs.push((k.to_string(), v));
                }
            }
        }
        Expression::NewExpression(n) if matches!(n.callee.without_parentheses(), Expression::Identifier(id) if id.name == "Map") => {
            if let Some(Expression::ArrayExpression(a)) =
                n.arguments.first().and_then(Argument::as_expression)
            {
                for el in &a.elements {
                    if let Some(Expression::ArrayExpression(kv)) = el.as_expression()
                        && let (Some(k), Some(v)) = (
                            kv.elements
                                .first()
                                .and_then(|x| x.as_expression())
                                .and_then(lit),
                            kv.elements
                                .get(1)
                                .and_then(|x| x.as_expression())
                                .and_then(lit),
                        )
                    {
                        pairs.push((k, v));
                    }
                }
            }
        }
        _ => return false,
    }
    let lang = |s: &str| -> Option<String> {
        crate::env::is_language_tag(s).then(|| {
            s.split(['-', '_'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
    };
    let langs: Vec<(String, String)> = pairs
        .iter()
        .filter_map(|(k, v)| Some((lang(k)?, lang(v)?)))
        .collect();
    if langs.len() < 2 || langs.len() * 2 < pairs.len() {
        return false;
    }
    langs.iter().enumerate().any(|(i, (k1, v1))| {
        k1 != v1
            && langs[i + 1..]
                .iter()
                .any(|(k2, v2)| k2 != k1 && v2 == v1 && k2 != v2)
    })
}

/// A layout whitespace pair: a tab in place of spaces (`"\t"` / `"    "`) or
/// a carriage return inserted before line feeds (`"\r\n"` / `"\n"`), both
/// sides non-empty. Indentation styles and line endings are everyday
/// choices (by platform, by a setting), so such a pair is only reported
/// when a targetable read compared with constants chooses it on a proven
/// path to a request ([`strict_spacing`]).
fn layout_spacing(a: &str, b: &str, chars: &[char]) -> bool {
    if a.is_empty() || b.is_empty() || chars.is_empty() {
        return false;
    }
    let tabs = chars.contains(&'\t') && chars.iter().all(|&c| matches!(c, '\t' | ' '));
    let crlf = chars == ['\r'] && a.contains('\n') && b.contains('\n');
    tabs || crlf
}

/// A space of another width (en, em, thin, hair, six-per-em, … U+2000–
/// U+200A, medium mathematical U+205F) in place of a word space or beside
/// one, every other difference a horizontal space too: no layout, platform
/// or setting calls for it (unlike tabs, CRLF, a count of spaces or the
/// no-break spaces typography and formatters use), so it is judged as
/// imperceptible as a look-alike letter.
fn width_space_swap(j: &Judged) -> bool {
    let width = |c: char| matches!(c, '\u{2000}'..='\u{200A}' | '\u{205F}');
    j.rule == Rule::CovertSpacing
        && j.chars.iter().any(|&c| width(c))
        && j.chars.iter().all(|&c| c == ' ' || width(c))
}

/// Spacing that is only a carrier when the environment is compared to
/// choose it: a [`layout_spacing`] pair, whitespace repeated a count
/// chosen among constants (a synthetic decision of a `Count` seed), or
/// [`trailing_whitespace`] against nothing.
fn strict_spacing(j: &Judged, synthetic: bool) -> bool {
    j.rule == Rule::CovertSpacing
        && (synthetic
            || j.chars.iter().any(|&c| matches!(c, '\t' | '\r'))
            || ((j.a.is_empty() || j.b.is_empty())
                && !j
                    .chars
                    .iter()
                    .all(|&c| plainsight_text::chars::is_narrow_space(c))))
}

/// A string literal or template whose text starts with a line break.
fn line_break_first(e: &Expression<'_>) -> bool {
    match e.without_parentheses() {
        Expression::StringLiteral(s) => s.value.starts_with(['\n', '\r']),
        Expression::TemplateLiteral(t) => t.quasis.first().is_some_and(|q| {
            q.value
                .cooked
                .as_deref()
                .is_some_and(|c| c.starts_with(['\n', '\r']))
        }),
        _ => false,
    }
}

/// Whitespace against nothing (`c ? "\t" : ""`, `c ? "\u3000" : ""`) where
/// the choice ends a line: appended as the last operand of a
/// concatenation or template, or just before a line break — directly, or
/// through the binding the choice initialises (`pad` in `line + (i === 0 ?
/// pad : "")`). Trailing whitespace shows in no rendering, whatever its
/// width; elsewhere a tab or a wide space against nothing is layout
/// (indentation, an optional separator) and stays unjudged. A lone U+0020
/// is left out: an optional space before more text is everyday code.
/// Judged [`strict_spacing`]: reported only when a targetable read is
/// compared to choose it on a proven path to a request.
fn trailing_whitespace(ctx: &Ctx<'_>, site: NodeId, a: &[String], b: &[String]) -> Option<Judged> {
    let (ws, other) = match (a, b) {
        ([x], [y]) if y.is_empty() => (x, y),
        ([y], [x]) if y.is_empty() => (x, y),
        _ => return None,
    };
    let ok = !ws.is_empty()
        && ws
            .chars()
            .all(|c| c.is_whitespace() && !matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}'))
        && ws.chars().any(|c| c != ' ');
    if !ok || site.index() >= ctx.semantic.nodes().len() {
        return None;
    }
    let nodes = ctx.semantic.nodes();
    // The node the chosen value is used as: the choice itself, or a
    // reference to the binding it initialises.
    let mut uses = vec![site];
    if let AstKind::VariableDeclarator(dcl) = nodes.parent_kind(site)
        && let Some(sym) = dcl
            .id
            .get_binding_identifier()
            .and_then(|b| b.symbol_id.get())
        && !ctx.symbol_is_mutated(sym)
    {
        let scoping = ctx.semantic.scoping();
        uses.extend(
            scoping
                .get_resolved_references(sym)
                .take(4)
                .map(oxc_semantic::Reference::node_id),
        );
    }
    let ends_line = |mut at: NodeId| -> bool {
        for _ in 0..4 {
            let parent = nodes.parent_id(at);
            let span = nodes.kind(at).span();
            match nodes.kind(parent) {
                AstKind::ParenthesizedExpression(_) => at = parent,
                // `c ? pad : ""`: the used side of another choice.
                AstKind::ConditionalExpression(c) if c.test.span() != span => at = parent,
                AstKind::BinaryExpression(bin)
                    if bin.operator == BinaryOperator::Addition && bin.right.span() == span =>
                {
                    // Nothing appended after it, or a line break.
                    let mut up = parent;
                    while let AstKind::ParenthesizedExpression(_) = nodes.parent_kind(up) {
                        up = nodes.parent_id(up);
                    }
                    let upspan = nodes.kind(up).span();
                    return match nodes.parent_kind(up) {
                        AstKind::BinaryExpression(next)
                            if next.operator == BinaryOperator::Addition
                                && next.left.span() == upspan =>
                        {
                            line_break_first(&next.right)
                        }
                        AstKind::BinaryExpression(next)
                            if matches!(next.operator, BinaryOperator::Addition) =>
                        {
                            false
                        }
                        _ => true,
                    };
                }
                AstKind::BinaryExpression(bin)
                    if bin.operator == BinaryOperator::Addition && bin.left.span() == span =>
                {
                    return line_break_first(&bin.right);
                }
                AstKind::TemplateLiteral(t) => {
                    let Some(k) = t.expressions.iter().position(|x| x.span() == span) else {
                        return false;
                    };
                    let Some(q) = t.quasis.get(k + 1) else {
                        return false;
                    };
                    let text = q.value.cooked.as_deref().unwrap_or(q.value.raw.as_str());
                    return text.starts_with(['\n', '\r'])
                        || (text.is_empty() && k + 1 == t.expressions.len());
                }
                _ => return false,
            }
        }
        false
    };
    if !uses.into_iter().any(ends_line) {
        return None;
    }
    let mut chars: Vec<char> = ws.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    let (a, b) = if a.first().is_some_and(|x| x == ws) {
        (ws.clone(), other.clone())
    } else {
        (other.clone(), ws.clone())
    };
    Some(Judged {
        rule: Rule::CovertSpacing,
        a,
        b,
        chars,
    })
}

/// Could any two distinct strings of `lits` differ imperceptibly (or encode
/// data as an alphabet of invisibles)?
pub(crate) fn any_pair_may_be_imperceptible(lits: &[&str]) -> bool {
    if lits.iter().any(|s| is_invisible_symbol(s)) {
        return true;
    }
    // ASCII texts first by the length of their signature (no allocation):
    // only texts sharing one can share a signature.
    let mut lens: Vec<(usize, &str)> = lits
        .iter()
        .map(|s| {
            (
                if s.is_ascii() {
                    ascii_signature_len(s)
                } else {
                    usize::MAX
                },
                *s,
            )
        })
        .collect();
    lens.sort_unstable();
    lens.dedup_by(|a, b| a.1 == b.1);
    // Asked once, not per text: per text it made this quadratic (5 % of a
    // 13 MB bundle's scan, merge seeds of thousands of texts).
    let any_non_ascii = lits.iter().any(|s| !s.is_ascii());
    let candidates: Vec<&str> = lens
        .iter()
        .enumerate()
        .filter(|&(i, (l, _))| {
            any_non_ascii
                || lens.get(i + 1).is_some_and(|n| n.0 == *l)
                || (i > 0 && lens[i - 1].0 == *l)
        })
        .map(|(_, (_, s))| *s)
        .collect();
    // Signatures once per distinct text (`lens` is deduplicated), then equal
    // signatures found by hashing: linear in the number of texts.
    let mut sigs: std::collections::HashSet<Sig> =
        std::collections::HashSet::with_capacity(candidates.len());
    candidates.into_iter().any(|s| !sigs.insert(signature(s)))
}

/// The pairs of `alts` (indices) that may differ imperceptibly: all pairs of
/// a small set; of a large one, those with equal [`signature`]s (grouped by
/// hashing), so the cost stays linear in the number of alternatives.
fn candidate_pairs(alts: &[&str]) -> Vec<(usize, usize)> {
    let n = alts.len();
    if n <= ALL_PAIRS_MAX {
        return (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .filter(|&(i, j)| may_be_imperceptible(alts[i], alts[j]))
            .collect();
    }
    let mut groups: HashMap<Sig, Vec<usize>> = HashMap::new();
    for (i, a) in alts.iter().enumerate() {
        groups.entry(signature(a)).or_default().push(i);
    }
    let mut pairs: Vec<(usize, usize)> = groups
        .values()
        .flat_map(|g| {
            g.iter()
                .enumerate()
                .flat_map(move |(k, &i)| g[k + 1..].iter().map(move |&j| (i, j)))
        })
        .filter(|&(i, j)| alts[i] != alts[j])
        .collect();
    pairs.sort_unstable();
    pairs
}

pub(crate) fn is_invisible_symbol(s: &str) -> bool {
    !s.is_empty() && s.chars().all(plainsight_text::chars::is_invisible)
}

/// Cheap necessary condition for `classify(a, b).is_imperceptible()`: equal
/// [`signature`]s, checked first by length (no allocation for ASCII).
pub(crate) fn may_be_imperceptible(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    if a.is_ascii() && b.is_ascii() && ascii_signature_len(a) != ascii_signature_len(b) {
        return false;
    }
    signature(a) == signature(b)
}

/// Skeleton of each ASCII character (UTS #39 maps a few: `1`/`I`/`|` → `l`,
/// `0` → `O`, `m` → `rn`…), computed once.
fn ascii_skeletons() -> &'static [String] {
    static ASCII: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ASCII.get_or_init(|| {
        (0u8..128)
            .map(|b| {
                plainsight_text::chars::skeleton(&char::from(b).to_string())
                    .chars()
                    .filter(|&c| kept(c))
                    .collect()
            })
            .collect()
    })
}

/// Characters that count in a signature (see [`signature`]).
fn kept(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_ascii_digit()
        || matches!(c, '-' | '/' | '.' | ',' | ':')
        || plainsight_text::chars::is_invisible(c))
}

fn ascii_signature_len(s: &str) -> usize {
    let table = ascii_skeletons();
    s.bytes()
        .filter(|&b| kept(char::from(b)))
        .map(|b| table[usize::from(b)].len())
        .sum()
}

/// See [`signature`]. Values live briefly on the stack, one or two at a time,
/// so the inline histogram is cheaper than boxing it.
#[derive(PartialEq, Eq, Hash)]
#[allow(clippy::large_enum_variant)]
enum Sig {
    /// Histogram of skeleton characters, when they are all ASCII.
    Ascii([u16; 128]),
    /// Sorted skeleton characters otherwise.
    Other(Vec<char>),
}

/// A cheap necessary condition for an imperceptible difference, computed once
/// per alternative: the multiset of UTS #39 skeleton characters once
/// whitespace, invisibles, digits and date separators are set aside. Texts a
/// reader cannot tell apart have equal signatures (look-alikes share
/// skeletons, invisibles and spacing are dropped, a reordered date keeps its
/// digits), so [`classify`] — which aligns and allocates — runs only on pairs
/// that pass.
fn signature(s: &str) -> Sig {
    let mut hist = [0u16; 128];
    let mut add = |c: char| -> bool {
        if c.is_ascii() {
            let e = &mut hist[c as usize];
            *e = e.saturating_add(1);
            true
        } else {
            false
        }
    };
    if s.is_ascii() {
        let table = ascii_skeletons();
        for b in s.bytes().filter(|&b| kept(char::from(b))) {
            for c in table[usize::from(b)].chars() {
                add(c);
            }
        }
        return Sig::Ascii(hist);
    }
    let f: String = s.chars().filter(|&c| kept(c)).collect();
    let sk: Vec<char> = plainsight_text::chars::skeleton(&f)
        .chars()
        .filter(|&c| kept(c))
        .collect();
    if sk.iter().all(|&c| add(c)) {
        return Sig::Ascii(hist);
    }
    let mut v = sk;
    v.sort_unstable();
    Sig::Other(v)
}

/// The same non-constant fields (`${n}` placeholders) joined in another order
/// and/or with other date separators: `${d}/${m}/${y}` vs `${y}-${m}-${d}`.
pub(crate) fn reordered_fields(a: &str, b: &str) -> bool {
    if token_format_variant(a, b) {
        return true;
    }
    fn split(s: &str) -> Option<(Vec<&str>, String)> {
        let mut holes = Vec::new();
        let mut rest = String::new();
        let mut s = s;
        while let Some(i) = s.find("${") {
            rest.push_str(&s[..i]);
            let end = s[i..].find('}')? + i;
            holes.push(&s[i..=end]);
            s = &s[end + 1..];
        }
        rest.push_str(s);
        Some((holes, rest))
    }
    let (Some((mut ha, ra)), Some((mut hb, rb))) = (split(a), split(b)) else {
        return false;
    };
    let seps = |r: &str| !r.is_empty() && r.chars().all(|c| matches!(c, '-' | '/' | '.' | ' '));
    if ha.len() < 2 || !seps(&ra) || !seps(&rb) {
        return false;
    }
    ha.sort_unstable();
    hb.sort_unstable();
    ha == hb && a != b
}

/// Hand-written date/time token formats of the same fields in another order,
/// with other separators or another padding: `"DD.MM.YYYY"` / `"YYYY-MM-DD"`,
/// `"HH:mm"` / `"H:mm"`. Each text is runs of one token letter (`Y M D d H h
/// m s A a`) between separators (`- / . : space ,`); at least two runs, the
/// same letters in both.
fn token_format_variant(a: &str, b: &str) -> bool {
    fn letters(s: &str) -> Option<Vec<char>> {
        if s.len() > 32 {
            return None;
        }
        let mut runs: Vec<char> = Vec::new();
        let mut prev: Option<char> = None;
        for c in s.chars() {
            match c {
                'Y' | 'M' | 'D' | 'd' | 'H' | 'h' | 'm' | 's' | 'A' | 'a' => {
                    match prev {
                        Some(p) if p == c => {}
                        // Two token runs must be separated ("MMDD" is a word).
                        Some(_) => return None,
                        None => runs.push(c),
                    }
                    prev = Some(c);
                }
                '-' | '/' | '.' | ':' | ' ' | ',' => {
                    // A text that starts with a separator is not a format.
                    if prev.is_none() && runs.is_empty() {
                        return None;
                    }
                    prev = None;
                }
                _ => return None,
            }
        }
        if runs.len() < 2 {
            return None;
        }
        let mut sorted = runs.clone();
        sorted.sort_unstable();
        sorted.dedup();
        // Each field once: `"DD.MM.YYYY"`, not `"a a a"`.
        (sorted.len() == runs.len()).then_some(sorted)
    }
    a != b && letters(a).is_some_and(|x| letters(b).is_some_and(|y| x == y))
}

fn separators(a: &str, b: &str) -> Vec<char> {
    let mut v: Vec<char> = a
        .chars()
        .chain(b.chars())
        .filter(|c| matches!(c, '-' | '/' | '.'))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn category_label(c: EnvCategory) -> &'static str {
    match c {
        EnvCategory::Endpoint => "API endpoint / proxy configuration",
        EnvCategory::TimeZone => "time zone / locale",
        EnvCategory::Identity => "host / user identity",
        EnvCategory::Platform => "platform",
        EnvCategory::Ci => "CI / automation environment",
        EnvCategory::Other => "environment variable",
    }
}

fn describe_chars(chars: &[char]) -> String {
    chars
        .iter()
        .map(|&c| {
            format!(
                "{} {}",
                plainsight_core::chars::codepoint(c),
                plainsight_core::chars::name(c)
            )
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c.to_string()
            } else {
                format!("\\u{{{:X}}}", c as u32)
            }
        })
        .collect()
}

/// The innermost semantic node with exactly this span (for snippets of env reads).
fn node_at(ctx: &Ctx<'_>, span: Span) -> Option<NodeId> {
    // Demand-driven: one scan of the node table per finding with a remote env read.
    ctx.semantic
        .nodes()
        .iter()
        .filter(|n| n.kind().span() == span)
        .last()
        .map(oxc_semantic::AstNode::id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::walk::regex_literal_text;
    use std::fmt::Write as _;

    #[test]
    fn token_formats_of_the_same_fields_are_variants() {
        assert!(reordered_fields("DD.MM.YYYY", "YYYY-MM-DD"));
        assert!(reordered_fields("HH:mm", "H:mm"));
        assert!(reordered_fields("MM/DD/YYYY", "DD/MM/YYYY"));
        // Other fields, one field, words, the same text: no variant.
        assert!(!reordered_fields("HH:mm", "HH:mm:ss"));
        assert!(!reordered_fields("YYYY", "YY"));
        assert!(!reordered_fields("Hello", "Hallo"));
        assert!(!reordered_fields("MMDD", "DDMM"));
        assert!(!reordered_fields("DD.MM.YYYY", "DD.MM.YYYY"));
    }

    /// Covert-channel analysis of `src` with flow limits changed by `set`.
    fn analyse_with(src: &str, set: &[(&str, u32)]) -> Output {
        use oxc_allocator::Allocator;
        use oxc_parser::Parser;
        use oxc_semantic::SemanticBuilder;
        use oxc_span::SourceType;
        let alloc = Allocator::default();
        let ret = Parser::new(&alloc, src, SourceType::mjs()).parse();
        let program = alloc.alloc(ret.program);
        let sem = SemanticBuilder::new()
            .with_build_nodes(true)
            .build(program)
            .semantic;
        let lines = crate::context::LineIndex::new(src);
        let mut opts = crate::ScanOptions::default();
        for (k, v) in set {
            assert!(opts.flow.set(k, *v), "{k}");
        }
        let ctx = Ctx::new("t.js", &[], src, program, &sem, &lines, &opts);
        analyze_program(&[&ctx])
    }

    /// `remapping_table` on the initialiser of the first declaration of `src`.
    fn remaps(src: &str) -> bool {
        crate::env::testing::with_ctx(src, |ctx| {
            let init = ctx.semantic.nodes().iter().find_map(|n| match n.kind() {
                AstKind::VariableDeclarator(d) => d.init.as_ref(),
                _ => None,
            });
            init.is_some_and(|e| remapping_table(ctx, e))
        })
    }

    #[test]
    fn language_tables_remap_only_across_languages() {
        assert!(remaps(
            "const T = { ru: 'en-GB', uk: 'en-GB', en: 'en-US' };"
        ));
        assert!(remaps(
            "const T = new Map([['zh', 'en-GB'], ['fa', 'en-GB']]);"
        ));
        // Own regions, aliases, one entry, not language tags: not a remap.
        assert!(!remaps(
            "const T = { pt: 'pt-BR', zh: 'zh-CN', en: 'en-US' };"
        ));
        assert!(!remaps(
            "const T = { no: 'nb', iw: 'he', in: 'id', ji: 'yi' };"
        ));
        assert!(!remaps("const T = { ru: 'en-GB' };"));
        assert!(!remaps(
            "const T = { red: '#f00', green: '#0f0', blue: '#f00' };"
        ));
    }

    #[test]
    fn class_members_count_escapes_as_one() {
        assert_eq!(class_members("/_"), 2);
        assert_eq!(class_members("\\u2019"), 1);
        assert_eq!(class_members("\\u{1F600}"), 1);
        assert_eq!(class_members("\\x2d."), 2);
        assert_eq!(class_members("\\s."), 2);
        assert_eq!(class_members("\\u2019'"), 2);
    }

    /// A carrier's value returned out of a method to its callers found by
    /// name (a call on a receiver nothing resolves), `joins` times over, after
    /// `pad` plain calls, then picked by a test of the base URL's host and
    /// sent. Generated (the shape Gemini CLI's bundle has: a parser's entity
    /// table returned out through two callers found by name).
    fn joined_by_name_twice(joins: usize, pad: usize) -> String {
        use std::fmt::Write;
        let mut s = String::from(
            "const TABLE = { shy: \"\\u00ad\", amp: \"&\", lt: \"<\", gt: \">\" };\n\
             function entity(n) { const hit = TABLE[n]; return hit; }\n",
        );
        let mut prev = "entity(t)".to_string();
        for k in 0..pad {
            writeln!(
                s,
                "function step{k}(t) {{ const v{k} = {prev}; return v{k}; }}"
            )
            .unwrap();
            prev = format!("step{k}(t)");
        }
        writeln!(s, "function inner(t) {{ const w = {prev}; return w; }}").unwrap();
        s.push_str("const codec0 = { decodeEntity0(t) { const r = inner(t); return r; } };\n");
        for j in 1..joins {
            writeln!(
                s,
                "const codec{j} = {{ decodeEntity{j}(t) {{ const lib = globalThis[t]; const q{j} = lib.decodeEntity{}(\"shy\"); return q{j}; }} }};",
                j - 1
            )
            .unwrap();
        }
        writeln!(
            s,
            "const top = globalThis[process.argv[3]];\n\
             const got = top.decodeEntity{}(\"shy\");\n\
             const host = new URL(process.env.OPENAI_BASE_URL || \"https://api.example\").host;\n\
             const path = host === \"proxy.example.org\" ? got : \"\";\n\
             fetch(\"https://api.example/v1?q=\" + path, {{ method: \"POST\", body: \"{{}}\" }});",
            joins - 1
        )
        .unwrap();
        s
    }

    /// One guess per carrier way, as on the backward side: a way that went
    /// through a return to callers found by name does not take a second.
    /// With one such join the meeting is still reported (medium, low
    /// confidence), and a long chain with one join is still cut by
    /// `unproven_walk_hops`, naming it; with two, the carrier meets the
    /// decision only by two coincidences of names: no finding and, long or
    /// short, nothing left partial (before, a long one made the unit partial
    /// and a short one a medium finding).
    #[test]
    fn second_join_by_name_is_not_followed() {
        let sev = |o: &Output| {
            o.findings[0]
                .iter()
                .filter(|f| f.rule.code().starts_with("PS1"))
                .map(|f| (f.severity, f.confidence))
                .collect::<Vec<_>>()
        };
        let hops_cut = |o: &Output| {
            o.incomplete[0]
                .iter()
                .any(|i| i.message.contains("unproven_walk_hops"))
        };
        let one = analyse_with(&joined_by_name_twice(1, 0), &[]);
        assert_eq!(sev(&one), vec![(Severity::Medium, Confidence::Low)]);
        assert!(one.incomplete[0].is_empty(), "{:?}", one.incomplete[0]);
        let one_long = analyse_with(&joined_by_name_twice(1, 12), &[]);
        assert!(sev(&one_long).is_empty() && hops_cut(&one_long));
        for pad in [0, 12] {
            let two = analyse_with(&joined_by_name_twice(2, pad), &[]);
            assert!(sev(&two).is_empty(), "pad {pad}: {:?}", sev(&two));
            assert!(
                two.incomplete[0].is_empty(),
                "pad {pad}: {:?}",
                two.incomplete[0]
            );
        }
        let three = analyse_with(&joined_by_name_twice(3, 0), &[]);
        assert!(sev(&three).is_empty() && three.incomplete[0].is_empty());
    }

    /// A parameter written to a property joined by name reaches a decision
    /// reading that name elsewhere: the join resolves it through the
    /// parameter's call sites (taint: a parameter fact does not cross a
    /// join, its up node stands beyond it), so the environment read passed
    /// to the writer is found (unproven: medium, low) and its twin, the
    /// writer called with a constant, stays quiet.
    #[test]
    fn parameter_joined_by_name_resolves_through_its_callers() {
        let src = |arg: &str| {
            format!(
                "const cfg = {{}};\n\
                 function remember(v) {{ cfg.mode = v; }}\n\
                 remember({arg});\n\
                 function get(o) {{ const m = o.mode; return m; }}\n\
                 const got = get(globalThis[process.argv[2]]);\n\
                 const sep = got === \"corp.example.org\" ? \"\\u200B\" : \"\";\n\
                 fetch(\"https://api.example/v1?q=\" + \"hello\" + sep, {{ method: \"POST\", body: \"{{}}\" }});\n"
            )
        };
        let ps1 = |o: &Output| {
            o.findings[0]
                .iter()
                .filter(|f| f.rule.code().starts_with("PS1"))
                .map(|f| (f.severity, f.confidence, f.message.clone()))
                .collect::<Vec<_>>()
        };
        let found = analyse_with(&src("process.env.CORP_HOST"), &[]);
        let f = ps1(&found);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0, f[0].1), (Severity::Medium, Confidence::Low));
        assert!(f[0].2.contains("process.env.CORP_HOST"), "{}", f[0].2);
        assert!(found.incomplete[0].is_empty(), "{:?}", found.incomplete[0]);
        let quiet = analyse_with(&src("\"corp.example.org\""), &[]);
        assert!(ps1(&quiet).is_empty(), "{:?}", ps1(&quiet));
        assert!(quiet.incomplete[0].is_empty(), "{:?}", quiet.incomplete[0]);
    }

    /// An unproven carrier path longer than `unproven_walk_hops` makes no
    /// finding, but is not dropped silently: the unit is partial (`limit`),
    /// naming the place and the limit. Raised with `--flow-limit`, the same
    /// meeting is reported (unproven: medium, low confidence).
    #[test]
    fn long_unproven_walk_is_a_limit_not_silence() {
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/benign/long_unproven_walk_entity_table.js"
        ))
        .unwrap();
        let out = analyse_with(&src, &[]);
        assert!(out.findings[0].is_empty(), "{:?}", out.findings[0]);
        let cut: Vec<_> = out.incomplete[0]
            .iter()
            .filter(|i| i.kind == IncompleteKind::Limit)
            .collect();
        assert_eq!(cut.len(), 1, "{:?}", out.incomplete[0]);
        assert!(
            cut[0].message.starts_with("t.js:")
                && cut[0].message.contains("unproven_walk_hops")
                && cut[0].message.contains("longer than 16 hops"),
            "{}",
            cut[0].message
        );
        let out = analyse_with(&src, &[("unproven_walk_hops", 64)]);
        assert!(
            !out.findings[0].is_empty()
                && out.findings[0]
                    .iter()
                    .all(|f| f.severity <= Severity::Medium && f.confidence == Confidence::Low),
            "{:?}",
            out.findings[0]
                .iter()
                .map(|f| (f.rule, f.severity, f.confidence))
                .collect::<Vec<_>>()
        );
        assert!(
            !out.incomplete[0]
                .iter()
                .any(|i| i.message.contains("unproven_walk_hops")),
            "{:?}",
            out.incomplete[0]
        );
    }

    /// Small limits under which the precise walk of a carrier spread
    /// through a hub (forty callers) is cut even at the second round.
    const SMALL: &[(&str, u32)] = &[
        ("walk_steps", 40),
        ("near_steps", 20),
        ("pool_steps_per_kb", 1),
        ("site_steps", 0),
    ];

    fn fixture(rel: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/{rel}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// A look-alike chosen by the host name, then spread through a hub:
    /// at small limits the precise walk is cut and the coarse pass finishes
    /// the site — still reported, but the sink it reaches only coarsely is
    /// no evidence (high, not critical), and the unit is complete. At the
    /// default limits the same channel is proven (critical).
    #[test]
    fn coarse_pass_completes_a_spread_covert_site() {
        let src = fixture("covert/coarse_hub_spread_hostname.js");
        let out = analyse_with(&src, SMALL);
        assert!(out.incomplete[0].is_empty(), "{:?}", out.incomplete[0]);
        let f: Vec<_> = out.findings[0]
            .iter()
            .map(|f| (f.rule, f.severity, f.confidence))
            .collect();
        assert_eq!(
            f,
            vec![(Rule::CovertLookAlike, Severity::High, Confidence::High)],
            "{f:?}"
        );
        let out = analyse_with(&src, &[]);
        assert!(out.incomplete[0].is_empty(), "{:?}", out.incomplete[0]);
        assert!(
            out.findings[0]
                .iter()
                .any(|f| f.rule == Rule::CovertLookAlike && f.severity == Severity::Critical),
            "{:?}",
            out.findings[0]
        );
    }

    /// The same spread, the variant chosen by the program's own setting:
    /// the coarse pass finishes the site, nothing is reported, complete.
    #[test]
    fn coarse_pass_completes_a_spread_benign_site_quietly() {
        let src = fixture("benign/coarse_hub_spread_setting.js");
        for set in [SMALL, &[]] {
            let out = analyse_with(&src, set);
            assert!(out.findings[0].is_empty(), "{:?}", out.findings[0]);
            assert!(out.incomplete[0].is_empty(), "{:?}", out.incomplete[0]);
        }
    }

    /// A coarse pass out of its own budget still cuts the site: partial
    /// (budget), naming `coarse_steps_per_kb`, never clean.
    #[test]
    fn coarse_pass_out_of_budget_cuts_the_site() {
        // A coarse pool smaller than the value's reach (a hub called from
        // 3,000 functions): the coarse pass runs out, and the site is cut
        // naming `coarse_steps_per_kb`.
        let mut src = String::from(
            "const host = require(\"os\").hostname();\n\
             const q = host.endsWith(\".corp\") ? \"\\u2019\" : \"'\";\n\
             function hub(x) { return x; }\n",
        );
        for i in 0..3000 {
            writeln!(
                src,
                "function f{i}() {{ const v = hub(q) + \" {i}\"; return v; }}"
            )
            .unwrap();
        }
        let mut set = SMALL.to_vec();
        set.push(("coarse_steps_per_kb", 1));
        let out = analyse_with(&src, &set);
        assert!(
            out.incomplete[0]
                .iter()
                .any(|i| i.kind == IncompleteKind::Budget
                    && i.message.contains("carrier sites")
                    && i.message.contains("coarse_steps_per_kb")),
            "{:?}",
            out.incomplete[0]
        );
    }

    /// Hundreds of decoy carriers, each chosen by a test and each followed
    /// down one long shared chain, in front of one real channel: the pool is
    /// shared fairly, so the decoys cannot spend the real site's share; the
    /// real channel is found, total work stays within the pool, and the
    /// decoys left unfinished make the unit partial (never clean).
    #[test]
    fn decoys_cannot_starve_the_real_site_and_work_stays_within_the_pool() {
        let mut src = String::new();
        let n = 300;
        for i in 0..n {
            writeln!(
                src,
                "const d{i} = Math.random() > 0.5 ? \"\\u2019\" : \"'\";"
            )
            .unwrap();
        }
        src.push_str("let c0 = \"\"");
        for i in 0..n {
            write!(src, " + d{i}").unwrap();
        }
        src.push_str(";\n");
        for k in 1..3000 {
            writeln!(src, "const c{k} = c{} + \" {k}\";", k - 1).unwrap();
        }
        src.push_str(
            "const host = new URL(process.env.OPENAI_BASE_URL).host;\n\
             const q = host.endsWith(\".corp\") ? \"\\u2019\" : \"'\";\n\
             fetch(\"https://api.example/v1\", { method: \"POST\", body: \"It\" + q + \"s\" });\n",
        );
        // A pool far smaller than the decoys need (300 × 3,000 steps), and
        // steps of their own each far too few to finish one. With the coarse
        // pass the decoys are finished coarsely (complete, nothing reported:
        // their choice is random, not the environment's), and the real site
        // is still found.
        let out = analyse_with(
            &src,
            &[
                ("pool_steps_per_kb", 1),
                ("walk_steps", 1000),
                ("site_steps", 200),
            ],
        );
        assert!(out.spent <= out.pool + 64, "{} > {}", out.spent, out.pool);
        assert!(out.incomplete[0].is_empty(), "{:?}", out.incomplete[0]);
        assert!(
            out.findings[0]
                .iter()
                .any(|f| f.rule == Rule::CovertLookAlike
                    && f.severity == Severity::Critical
                    && f.message.contains("OPENAI_BASE_URL")),
            "{:#?}",
            out.findings[0]
        );
        // Without the coarse pass the decoys are cut by the pool (partial),
        // and still cannot starve the real site.
        let out = analyse_with(
            &src,
            &[
                ("pool_steps_per_kb", 1),
                ("walk_steps", 1000),
                ("site_steps", 200),
                ("coarse_steps_per_kb", 0),
            ],
        );
        assert!(out.spent <= out.pool + 64, "{} > {}", out.spent, out.pool);
        assert!(out.pool < 300 * 3000, "{}", out.pool);
        let f = out.findings[0]
            .iter()
            .find(|f| f.rule == Rule::CovertLookAlike && f.message.contains("OPENAI_BASE_URL"))
            .unwrap_or_else(|| panic!("{:#?}", out.findings[0]));
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            out.incomplete[0]
                .iter()
                .any(|r| r.kind == IncompleteKind::Budget && r.message.contains("flow_pool")),
            "{:?}",
            out.incomplete[0]
        );
    }

    /// A site whose flow is longer than the first round's limits but within
    /// the pool is finished in a later round: complete, not cut.
    #[test]
    fn leftover_pool_finishes_a_long_site_in_later_rounds() {
        let mut src = String::from(
            "const host = new URL(process.env.OPENAI_BASE_URL).host;\n\
             const q = host.endsWith(\".corp\") ? \"\\u2019\" : \"'\";\n\
             const v0 = \"It\" + q + \"s\";\n\
             fetch(\"https://api.example/v1\", { method: \"POST\", body: v0 });\n",
        );
        for i in 1..6000 {
            writeln!(src, "const v{i} = v{} + \" {i}\";", i - 1).unwrap();
        }
        let out = analyse_with(&src, &[]);
        assert!(out.incomplete[0].is_empty(), "{:?}", out.incomplete[0]);
        assert!(
            out.findings[0]
                .iter()
                .any(|f| f.rule == Rule::CovertLookAlike && f.severity == Severity::Critical),
            "{:#?}",
            out.findings[0]
        );
        // The same file with a pool too small for it: partial, naming the place.
        let out = analyse_with(
            &src,
            &[
                ("pool_steps_per_kb", 1),
                ("walk_steps", 100),
                ("coarse_steps_per_kb", 0),
            ],
        );
        assert!(out.spent <= out.pool + 64, "{} > {}", out.spent, out.pool);
        assert!(
            out.incomplete[0]
                .iter()
                .any(|r| r.kind == IncompleteKind::Budget
                    && r.message.starts_with("t.js:2:")
                    && r.message.contains("flow_pool")),
            "{:?}",
            out.incomplete[0]
        );
    }

    #[test]
    fn prefilter_never_rejects_an_imperceptible_pair() {
        let pairs = [
            ("Today's date", "Today\u{2019}s date"),
            ("Claude", "\u{421}laude"),
            ("You are Claude", "You are Claude\u{200B}"),
            ("Today is 1", "Today is\u{A0}1"),
            ("a  b", "a b"),
            ("2026-11-21", "2026/11/21"),
            ("2026-11-21", "21.11.2026"),
        ];
        for (a, b) in pairs {
            assert!(classify(a, b).is_imperceptible(), "{a:?} {b:?}");
            assert!(may_be_imperceptible(a, b), "prefilter rejected {a:?} {b:?}");
        }
        assert!(!may_be_imperceptible("Loading files", "Saving files"));
        assert!(!may_be_imperceptible("same", "same"));
    }

    #[test]
    fn judge_picks_the_kind_and_names_the_characters() {
        let alts = |v: &[&'static str]| v.to_vec();
        let j = judge_alternatives(&alts(&["It's", "It\u{2019}s", "Its"])).unwrap();
        assert_eq!(j.rule, Rule::CovertLookAlike);
        assert_eq!(j.chars, vec!['\'', '\u{2019}']);
        let j = judge_alternatives(&alts(&["\u{200B}", "\u{200C}"])).unwrap();
        assert_eq!(j.rule, Rule::CovertEncoding);
        let j = judge_alternatives(&alts(&["${0}/${1}/${2}", "${2}-${1}-${0}"])).unwrap();
        assert_eq!(j.rule, Rule::CovertFormat);
        assert!(judge_alternatives(&alts(&["Press Enter", "Appuyez sur Entrée"])).is_none());
        assert!(judge_alternatives(&alts(&["${0} files", "${1} files"])).is_none());
    }

    #[test]
    fn escape_and_layout_tables_are_not_carriers() {
        let alts = |v: &[&'static str]| v.to_vec();
        for pair in [
            ["'", "`"],
            ["\t", "\n"],
            ["\r", ""],
            ["\t", ""],
            ["key:\n${0}", "key: ${0}"],
            ["\u{A0}", ""],
            ["", " "],
        ] {
            assert!(judge_alternatives(&alts(&pair)).is_none(), "{pair:?}");
        }
        for (pair, rule) in [
            (["Today is\u{A0}${0}", "Today is ${0}"], Rule::CovertSpacing),
            (["  ", " "], Rule::CovertSpacing),
            (["\u{A0}", " "], Rule::CovertSpacing),
            (["'", "\u{2019}"], Rule::CovertLookAlike),
        ] {
            assert_eq!(
                judge_alternatives(&alts(&pair)).map(|j| j.rule),
                Some(rule),
                "{pair:?}"
            );
            assert!(!judge_alternatives(&alts(&pair)).is_some_and(|j| strict_spacing(&j, false)));
        }
        // Layout pairs are spacing only under a compared, targeted choice.
        for pair in [
            ["\r\n", "\n"],
            ["a\r\nb", "a\nb"],
            ["\t", "    "],
            ["\t${0}", "  ${0}"],
        ] {
            let j = judge_alternatives(&alts(&pair));
            assert!(
                j.as_ref()
                    .is_some_and(|j| j.rule == Rule::CovertSpacing && strict_spacing(j, false)),
                "{pair:?}: {j:?}"
            );
        }
    }

    #[test]
    fn regex_text() {
        assert_eq!(regex_literal_text("'").as_deref(), Some("'"));
        assert_eq!(regex_literal_text(r"\u2019").as_deref(), Some("\u{2019}"));
        assert_eq!(regex_literal_text(r"\u{2019}").as_deref(), Some("\u{2019}"));
        assert_eq!(regex_literal_text("-").as_deref(), Some("-"));
        assert_eq!(regex_literal_text(r"\/").as_deref(), Some("/"));
        assert_eq!(regex_literal_text("a.b"), None);
        // Word boundaries match no character.
        assert_eq!(regex_literal_text(r"\bfor\b").as_deref(), Some("for"));
    }

    #[test]
    fn dash_swaps_are_look_alikes() {
        let j = judge(&["a \u{2013} b".into()], &["a \u{2014} b".into()], false).unwrap();
        assert_eq!(j.rule, Rule::CovertLookAlike);
        assert_eq!(j.chars, vec!['\u{2013}', '\u{2014}']);
        assert!(dash_swap("x\u{2015}y", "x\u{2014}y").is_some());
        // A hyphen against a dash is visible (length); other changes too.
        assert!(dash_swap("a - b", "a \u{2014} b").is_none());
        assert!(dash_swap("a \u{2013} b", "c \u{2014} b").is_none());
        assert!(dash_swap("a \u{2013} b", "a \u{2013} b").is_none());
    }
}
