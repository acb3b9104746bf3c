//! Backward: which environment reads can a decision depend on?
//!
//! One **value-dependence graph per program**, built once and shared by
//! every decision, instead of one search per decision. Nodes are the values
//! the analysis distinguishes ([`Val`]: expressions, with the field read
//! from them; bindings; call results; function returns; parameters;
//! control dependence of a node; fields of a class or object literal;
//! exports; writes of a property joined by name); an edge goes from a value
//! to a value it depends on, tagged with the [`StepKind`] shown in a path,
//! whether it is a join by name (unproven) and whether it passes a
//! comparison. Data dependence (operands, arguments, receivers, initialisers
//! and assignments, fields, imports) and control dependence (a variable
//! written or a function returning under an `if`, a `switch`, an early
//! return or a loop over some collection depends on the tests deciding
//! that) are both edges.
//!
//! The graph is built on demand, backward from the decisions asked about,
//! each node expanded once for the whole program; only nodes within
//! [`MAX_PATH`] steps (and one join by name) of some decision are expanded.
//! **Facts** then flow the other way, from each [`env_read`] (and each
//! parameter) to everything that depends on it, in order of distance, once:
//! a node keeps at most [`MAX_READS`] reads, each with the flags of the best
//! path per kind (proven or not, compared or not) and a predecessor, so the
//! path from a decision back to a read is read off the graph.
//!
//! **Function summaries are facts too.** A parameter is a source of its own
//! fact; a call's result depends on the callee's return node through an
//! *enter* edge that consumes the callee's parameter facts: parameter `i`
//! reaching the return turns on the edge from that call to its argument `i`
//! only. So `pick(flag)` called with tainted and untainted flags is tainted
//! only where the flag is, recursion is a cycle of the fixpoint, and no
//! summary is ever computed twice or nested. A parameter fact that reaches
//! a decision is resolved when the decision is asked about: through the call
//! frames the forward walk recorded, else through every call site of the
//! function (an *up* node, whose own parameter facts go up in turn).
//!
//! **A parameter fact does not cross a join by name.** Where one would (a
//! write `o.k = p` joined to a read of `.k` whose owner is unknown, a call
//! joined to its callee by name), the node beyond the join depends on the
//! parameter's *up* node instead (every call site of its function): what a
//! decision there would resolve the fact to, computed once at the join and
//! shared by everything beyond it. Carried on as an unproven fact it went
//! to every dependent within [`MAX_PATH`] steps of every reader of the name
//! (up to [`MAX_PARAMS`] of them per node): 70 % of the propagation's work
//! on Claude Code's `cli.js`, for reads that are unproven either way.
//!
//! Hops that are not proven — a property joined by name because its owner is
//! unknown, a call to something we cannot see — mark the reads found through
//! them as unproven; the analyzer lowers the confidence of such findings.
//!
//! **Cost.** Every node is expanded once and every fact improves a node at
//! most [`MAX_PATH`] times per kind, so the whole graph costs a bounded
//! multiple of the part of the program within reach of the decisions, no
//! matter how many decisions there are. Its work is charged to its own
//! budget, `backward_steps_per_kb` per KiB of the program (not to a site's
//! share: the graph is shared, so decoy sites cannot starve it, nor it
//! them); a node it could not expand is a cut that every decision depending
//! on it reports.

use rustc_hash::{FxHashMap, FxHashSet as HashSet};
use std::collections::VecDeque;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, BindingPattern, CallExpression, Expression,
    ObjectPropertyKind, PropertyKey, PropertyKind, SimpleAssignmentTarget,
};
use oxc_semantic::{NodeId, SymbolId};
use oxc_span::{GetSpan, Span};

use super::modules::{self, ExportVal, ModId};
use super::walk::{CallSite, Engine, Frame, Test, imported, module_object, this_owner};
use super::{FnRef, UnitId, control_deps};
use crate::env::{EnvRead, env_read, env_read_field};

/// Reads kept per node (and per query).
const MAX_READS: usize = 8;
/// Parameter facts kept per node (more: the node is opaque).
const MAX_PARAMS: usize = 32;
/// Longest backward path (steps) from a decision to a read.
const MAX_PATH: u16 = 24;

#[derive(Clone, Copy, Debug)]
pub(crate) enum StepKind<'a> {
    Var(&'a str),
    Assign(&'a str),
    Param(&'a str),
    Arg,
    Return,
    Field(&'a str),
    Condition,
    Import,
    ByName(&'a str),
    Callback,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Step<'a> {
    pub unit: UnitId,
    pub kind: StepKind<'a>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub(crate) struct Found<'a> {
    pub unit: UnitId,
    pub read: EnvRead,
    /// From the decision back to the read.
    pub path: Vec<Step<'a>>,
    pub unproven: bool,
    /// The read is compared or tested on the way to the decision (the
    /// decision is a choice about it, not its value passed along).
    pub compared: bool,
    /// Some path carries the read's value itself (no comparison on the way):
    /// the decision passes the value along rather than choosing on it.
    pub data_path: bool,
    /// Constants it is compared with on the way (the trigger), if any.
    pub with: Vec<String>,
    /// A digest of it is what is compared: the trigger values cannot be recovered.
    pub digest: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Taint<'a> {
    pub reads: Vec<Found<'a>>,
    /// Something on the way could not be seen through (unknown global call,
    /// parameter without callers).
    pub opaque: bool,
    pub exhausted: bool,
}

#[derive(Clone, Copy)]
enum Val<'a> {
    Expr(UnitId, &'a Expression<'a>, Option<&'a str>),
    Sym(UnitId, SymbolId, Option<&'a str>),
    /// A call of a known function: its return (the field read from it, if
    /// any: `const { k } = f(x)` depends on what `f` returns under `k`
    /// only), the arguments at the parameters the return depends on.
    Call(
        UnitId,
        &'a CallExpression<'a>,
        UnitId,
        NodeId,
        FnRef<'a>,
        usize,
        Option<&'a str>,
    ),
    /// Parameter `idx` of a function: the source of a parameter fact.
    Param(UnitId, NodeId, FnRef<'a>, usize, Option<&'a str>),
    /// Parameter `idx` of a function, from every call site (no call in hand).
    Up(UnitId, NodeId, usize, Option<&'a str>),
    /// What a function returns (its return values and the tests deciding
    /// them), or the field of it read at a call.
    Ret(UnitId, NodeId, FnRef<'a>, Option<&'a str>),
    /// The tests deciding whether a node runs.
    Ctrl(UnitId, NodeId),
    /// `this.k` of a class or object literal.
    Owner(UnitId, NodeId, &'a str, Option<&'a str>),
    Export(ModId, Option<&'a str>, Option<&'a str>),
    /// Every write of `.k` in the unit.
    Name(UnitId, &'a str),
}

/// A node's identity: its kind, unit and two exact numbers. Property names
/// enter as ids from the graph's interner ([`Graph::name`]), never as hashes:
/// two values with colliding hashes would be one node, and the second
/// one's own dependencies would never be expanded.
type Key = (u8, UnitId, u64, u64);

/// What flows from a source to the values depending on it.
#[derive(Clone)]
enum Fact<'a> {
    Read(UnitId, EnvRead),
    /// Parameter `idx` (63: a rest parameter or `arguments`) of function `fid`.
    Param(UnitId, NodeId, FnRef<'a>, usize, Option<&'a str>),
}

/// How facts cross an edge.
#[derive(Clone, Copy)]
enum Via<'a> {
    Plain,
    /// Into a function's return: its own parameter facts do not cross; at a
    /// call (`Some`) each turns on the edge to the argument it stands for.
    Enter {
        unit: UnitId,
        fid: NodeId,
        call: Option<(UnitId, &'a CallExpression<'a>, usize)>,
    },
    /// From an `Up` node to an argument at a call site: parameter facts of
    /// the caller go up to the caller's call sites in turn.
    Up,
}

/// What propagation reads of an edge, kept apart from [`EdgeInfo`] so the
/// inner loops touch 12 bytes per edge, not the whole step and crossing.
#[derive(Clone, Copy)]
struct Edge {
    from: u32,
    to: u32,
    weight: u16,
    byname: bool,
    cmp: bool,
}

/// The rest of an edge: the step shown in a path and how facts cross it.
struct EdgeInfo<'a> {
    step: Option<Step<'a>>,
    via: Via<'a>,
}

/// A fact known at a node, per kind of path (bit 0: unproven, bit 1: compared).
#[derive(Clone, Copy)]
struct Entry {
    fact: u32,
    kind: u8,
    /// The fact is a parameter's (kept here so propagation need not look
    /// the fact up).
    param: bool,
    dist: u16,
    /// The edge it came over and the entry at that edge's target
    /// (`u32::MAX`: the node is the fact's source).
    edge: u32,
    prev: u32,
    /// Its index in [`Graph::dists`] (its distance, kept apart too).
    gid: u32,
}

/// An entry to push over an edge, with what crossing it reads: the entry's
/// fact, kind and distance when queued and the edge's ends, weight and
/// flags. Popping one touches the node it goes to and one `u16` of
/// [`Graph::dists`], not the node it comes from nor the edge (each a cache
/// miss on a large graph: the propagation's inner loop was bound by them).
#[derive(Clone, Copy)]
struct Push {
    e: u32,
    /// The entry's index at the edge's target, and in [`Graph::dists`].
    k: u32,
    gid: u32,
    from: u32,
    fact: u32,
    weight: u16,
    kind: u8,
    /// Bit 0: a parameter's fact; 1: the edge is a join by name; 2: it
    /// passes a comparison.
    bits: u8,
}

impl Push {
    fn new(e: u32, ed: &Edge, k: u32, en: &Entry) -> Push {
        Push {
            e,
            k,
            gid: en.gid,
            from: ed.from,
            fact: en.fact,
            weight: ed.weight,
            kind: en.kind,
            bits: u8::from(en.param) | (u8::from(ed.byname) << 1) | (u8::from(ed.cmp) << 2),
        }
    }
}

const OPAQUE: u8 = 1;
const CUT: u8 = 2;
const UNEXPLORED: u16 = u16::MAX;

struct Node {
    expanded: bool,
    /// Fewest steps from a decision asked about, without / with a join by name.
    lab: [u16; 2],
    out: Vec<u32>,
    /// The edges into it, each with a copy of the edge (propagation
    /// pushes over every one: reading `Graph::edges` for each was a cache
    /// miss per edge and entry).
    inn: Vec<(u32, Edge)>,
    flags: u8,
    /// The first cut among the nodes it depends on (itself included).
    cut: Option<&'static str>,
    /// A limit met expanding this node, and the round scale then: expanded
    /// again in a later round with larger limits.
    own_cut: Option<(&'static str, u32)>,
    /// Constants compared (and whether a digest was taken) here.
    notes: Option<Box<(Vec<String>, bool)>>,
    entries: Vec<Entry>,
    /// Distinct read and parameter facts among `entries` (capped at
    /// [`MAX_READS`] / [`MAX_PARAMS`] when a new one arrives).
    reads: u8,
    params: u8,
}

/// The program's value-dependence graph (see the module documentation).
#[derive(Default)]
pub(crate) struct Graph<'a> {
    nodes: Vec<Node>,
    /// By node, parallel to `nodes`: what it stands for (read only when it
    /// is expanded, so kept out of the nodes propagation walks over).
    vals: Vec<Val<'a>>,
    index: FxHashMap<Key, u32>,
    /// Property names seen, by content (`Key`s hold their ids). Keyed by
    /// the input's own strings, so hashed with std's randomly keyed SipHash.
    names: std::collections::HashMap<Box<str>, u64>,
    edges: Vec<Edge>,
    /// By edge, parallel to `edges`.
    edge_info: Vec<EdgeInfo<'a>>,
    linked: HashSet<(u32, u32)>,
    facts: Vec<Fact<'a>>,
    fact_index: FxHashMap<Key, u32>,
    explore: VecDeque<u32>,
    /// Entries to push over an edge, by the distance they arrive at.
    buckets: Vec<VecDeque<Push>>,
    /// Every entry's distance, by [`Entry::gid`]: read when an entry is
    /// popped to tell whether it got nearer since it was queued.
    dists: Vec<u16>,
    /// No bucket below this one holds anything (so `pop` need not look at
    /// them: it was a scan of every bucket per entry pushed).
    lo: usize,
    /// Propagation work (for `PLAINSIGHT_FLOW_STATS`): entries pushed over
    /// an edge, and those skipped because the entry got nearer since.
    pub(crate) pushed: u64,
    pub(crate) stale: u64,
    /// Time spent building and propagating (for `PLAINSIGHT_FLOW_STATS`).
    pub(crate) time: std::time::Duration,
    flag_queue: Vec<u32>,
    budget: Option<u64>,
    /// Steps spent in all.
    pub spent: u64,
    /// Up nodes expanded and the steps their call-graph walks took.
    ups: (u64, u64),
    /// The round scale nodes cut at a smaller one were expanded again for.
    repaired: u32,
}

impl<'a> Graph<'a> {
    /// Nodes, edges and steps spent so far (for `PLAINSIGHT_FLOW_STATS`).
    pub(crate) fn stats(&self) -> (usize, usize, u64, (u64, u64)) {
        (self.nodes.len(), self.edges.len(), self.spent, self.ups)
    }

    /// Room for the graph of a program of `bytes` bytes, made once: grown
    /// by doubling instead, its tables were copied and their pages faulted
    /// in again at every step (a tenth of the backward graph's time on a
    /// 13 MB bundle). A large bundle's graph has about a node per 20 bytes
    /// (Claude Code's `cli.js`: 0.64 M nodes, 0.92 M edges for 13 MB); room
    /// for one per 16, at most 4 M, is address space the system hands out
    /// page by page as it is written, not memory taken up front.
    fn presize(&mut self, bytes: u64) {
        let n = usize::try_from(bytes / 16)
            .unwrap_or(usize::MAX)
            .min(1 << 22);
        self.nodes.reserve(n);
        self.vals.reserve(n);
        self.index.reserve(n);
        self.edges.reserve(n + n / 2);
        self.edge_info.reserve(n + n / 2);
        self.linked.reserve(n + n / 2);
    }

    /// The id of a property name (1-based; 0 is "no name"), exact.
    fn name(&mut self, s: Option<&str>) -> u64 {
        let Some(s) = s else { return 0 };
        if let Some(&i) = self.names.get(s) {
            return i;
        }
        let i = self.names.len() as u64 + 1;
        self.names.insert(s.into(), i);
        i
    }

    fn key(&mut self, val: &Val<'_>) -> Key {
        // Ids and indices are below 2^32 (names, parameters, symbols), so
        // two of them packed in a u64 stay exact.
        match *val {
            Val::Expr(u, e, f) => (0, u, std::ptr::from_ref(e) as u64, self.name(f)),
            Val::Sym(u, s, f) => (1, u, s.index() as u64, self.name(f)),
            Val::Call(u, c, _, fid, _, _, f) => (
                2,
                u,
                std::ptr::from_ref(c) as u64,
                fid.index() as u64 | (self.name(f) << 32),
            ),
            Val::Param(u, fid, _, i, f) => {
                (3, u, fid.index() as u64, i as u64 | (self.name(f) << 32))
            }
            Val::Ctrl(u, n) => (4, u, n.index() as u64, 0),
            Val::Owner(u, o, k, f) => (
                5,
                u,
                o.index() as u64,
                self.name(Some(k)) | (self.name(f) << 32),
            ),
            Val::Export(m, n, f) => (6, m, self.name(n), self.name(f)),
            Val::Name(u, k) => (7, u, self.name(Some(k)), 0),
            Val::Ret(u, fid, _, f) => (8, u, fid.index() as u64, self.name(f)),
            Val::Up(u, fid, i, f) => (9, u, fid.index() as u64, i as u64 | (self.name(f) << 32)),
        }
    }

    fn node(&mut self, val: Val<'a>) -> u32 {
        let k = self.key(&val);
        if let Some(&i) = self.index.get(&k) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.vals.push(val);
        self.nodes.push(Node {
            expanded: false,
            lab: [UNEXPLORED; 2],
            out: Vec::new(),
            inn: Vec::new(),
            flags: 0,
            cut: None,
            own_cut: None,
            notes: None,
            entries: Vec::new(),
            reads: 0,
            params: 0,
        });
        self.index.insert(k, i);
        i
    }

    /// A decision (or a value standing for one) asked about: explored from here.
    fn root(&mut self, val: Val<'a>) -> u32 {
        let i = self.node(val);
        if self.nodes[i as usize].lab[0] != 0 {
            self.nodes[i as usize].lab[0] = 0;
            self.explore.push_back(i);
        }
        i
    }

    fn set_flags(&mut self, i: u32, flags: u8, cut: Option<&'static str>) {
        let n = &mut self.nodes[i as usize];
        if n.flags & flags == flags {
            return;
        }
        n.flags |= flags;
        if n.cut.is_none() {
            n.cut = cut;
        }
        self.flag_queue.push(i);
        while let Some(j) = self.flag_queue.pop() {
            let (f, c) = (self.nodes[j as usize].flags, self.nodes[j as usize].cut);
            for k in 0..self.nodes[j as usize].inn.len() {
                let from = self.nodes[j as usize].inn[k].1.from;
                let p = &mut self.nodes[from as usize];
                if p.flags & f != f {
                    p.flags |= f;
                    if p.cut.is_none() {
                        p.cut = c;
                    }
                    self.flag_queue.push(from);
                }
            }
        }
    }

    fn fact(&mut self, f: Fact<'a>) -> u32 {
        let k = match &f {
            Fact::Read(u, r) => (
                0,
                *u,
                u64::from(r.span.start) | (u64::from(r.span.end) << 32),
                self.name(Some(&r.what)),
            ),
            Fact::Param(u, fid, _, i, fl) => (
                1,
                *u,
                fid.index() as u64,
                *i as u64 | (self.name(*fl) << 32),
            ),
        };
        if let Some(&i) = self.fact_index.get(&k) {
            return i;
        }
        let i = self.facts.len() as u32;
        self.facts.push(f);
        self.fact_index.insert(k, i);
        i
    }

    /// Node `i` is the source of fact `f`.
    fn source(&mut self, i: u32, f: Fact<'a>) {
        let param = matches!(f, Fact::Param(..));
        let f = self.fact(f);
        let n = &self.nodes[i as usize];
        if n.entries.iter().any(|x| x.fact == f && x.kind == 0) {
            return;
        }
        let known = n.entries.iter().any(|x| x.fact == f);
        self.insert(i, f, param, known, 0, 0, u32::MAX, u32::MAX);
    }

    /// A new entry at node `i` (`known`: the node has the fact already, by
    /// another kind of path).
    #[allow(clippy::too_many_arguments)]
    fn insert(
        &mut self,
        i: u32,
        fact: u32,
        param: bool,
        known: bool,
        kind: u8,
        dist: u16,
        edge: u32,
        prev: u32,
    ) {
        let n = &mut self.nodes[i as usize];
        if !known {
            if param {
                n.params = n.params.saturating_add(1);
            } else {
                n.reads = n.reads.saturating_add(1);
            }
        }
        let k = n.entries.len() as u32;
        let gid = self.dists.len() as u32;
        n.entries.push(Entry {
            fact,
            kind,
            param,
            dist,
            edge,
            prev,
            gid,
        });
        self.dists.push(dist);
        self.spread(i, k);
    }

    /// Entry `k` of node `i` is new or nearer: push it to what depends on `i`.
    fn spread(&mut self, i: u32, k: u32) {
        let n = &self.nodes[i as usize];
        let en = n.entries[k as usize];
        for &(e, ed) in &n.inn {
            let d = usize::from((en.dist + ed.weight).min(MAX_PATH + 1));
            if self.buckets.len() <= d {
                self.buckets.resize_with(d + 1, VecDeque::new);
            }
            self.buckets[d].push_back(Push::new(e, &ed, k, &en));
            self.lo = self.lo.min(d);
        }
    }

    fn enqueue(&mut self, d: u16, p: Push) {
        let d = usize::from(d.min(MAX_PATH + 1));
        if self.buckets.len() <= d {
            self.buckets.resize_with(d + 1, VecDeque::new);
        }
        self.buckets[d].push_back(p);
        self.lo = self.lo.min(d);
    }

    /// The nearest entry to push, with the distance it was queued at.
    fn pop(&mut self) -> Option<(u16, Push)> {
        while self.lo < self.buckets.len() {
            if let Some(p) = self.buckets[self.lo].pop_front() {
                return Some((self.lo as u16, p));
            }
            self.lo += 1;
        }
        None
    }

    /// Fact entry `p.k` of edge `p.e`'s target crosses to its source
    /// (queued at distance `queued`).
    fn relax(&mut self, queued: u16, p: Push) -> Option<Activation<'a>> {
        let Push {
            e,
            k,
            gid,
            from,
            fact,
            weight,
            kind,
            bits,
        } = p;
        let (byname, cmp) = (bits & 2 != 0, bits & 4 != 0);
        // The entry as it is now: fact, kind and kind of fact never change,
        // its distance may have shrunk since it was queued.
        let en = Entry {
            fact,
            kind,
            param: bits & 1 != 0,
            dist: self.dists[gid as usize],
            edge: 0,
            prev: 0,
            gid,
        };
        self.pushed += 1;
        // The entry got nearer since it was queued: it was queued again at
        // its new distance, and that (popped first: buckets go nearest
        // first) did everything this would — skipping it changes nothing.
        if (en.dist + weight).min(MAX_PATH + 1) < queued {
            self.stale += 1;
            return None;
        }
        if en.param
            && let Fact::Param(pu, pfid, pf, idx, field) = self.facts[en.fact as usize]
        {
            // Every call site of the parameter's function, at that distance.
            let up = |dist, step| {
                Activation::Up(from, Val::Up(pu, pfid, idx, field), pf, idx, pu, dist, step)
            };
            match self.edge_info[e as usize].via {
                Via::Enter { unit, fid, call } if unit == pu && fid == pfid => {
                    let inside = (en.kind & 2 != 0).then(|| (self.edges[e as usize].to, k));
                    return call.map(|(cu, c, first)| {
                        Activation::Arg(from, cu, c, first, idx, inside, field)
                    });
                }
                Via::Up => return Some(up(en.dist + 1, None)),
                _ => {}
            }
            // A join by name: resolved here, through every call site (see
            // the module documentation), the join's step shown in the path.
            if byname {
                if en.dist + weight > MAX_PATH {
                    self.set_flags(from, OPAQUE, None);
                    return None;
                }
                return Some(up(en.dist + weight, self.edge_info[e as usize].step));
            }
        }
        if en.kind & 1 != 0 && byname {
            return None; // a second join by name
        }
        let kind = en.kind | u8::from(byname) | (u8::from(cmp) << 1);
        let dist = en.dist + weight;
        if dist > MAX_PATH {
            self.set_flags(from, OPAQUE, None);
            return None;
        }
        let n = &mut self.nodes[from as usize];
        // One pass: the entry of this fact and kind, and whether the node
        // knows the fact at all (hub nodes hold up to a hundred entries;
        // this scan is the propagation's inner loop).
        let mut known = false;
        let mut at = None;
        for (x, y) in n.entries.iter().enumerate() {
            if y.fact == en.fact {
                known = true;
                if y.kind == kind {
                    at = Some(x);
                    break;
                }
            }
        }
        if let Some(x) = at {
            if n.entries[x].dist <= dist {
                return None;
            }
            n.entries[x].dist = dist;
            self.dists[n.entries[x].gid as usize] = dist;
            n.entries[x].edge = e;
            n.entries[x].prev = k;
            self.spread(from, x as u32);
            return None;
        }
        if !known {
            let held = if en.param { n.params } else { n.reads };
            if usize::from(held) >= if en.param { MAX_PARAMS } else { MAX_READS } {
                if en.param {
                    self.set_flags(from, OPAQUE, None);
                }
                return None;
            }
        }
        self.insert(from, en.fact, en.param, known, kind, dist, e, k);
        None
    }

    /// The fewest steps to node `to` over edge `e` improved: explore on.
    fn relabel(&mut self, e: u32) {
        let ed = &self.edges[e as usize];
        let (from, to, w, byname) = (ed.from, ed.to, ed.weight, ed.byname);
        let mut improved = false;
        for j in 0..2 {
            let l = self.nodes[from as usize].lab[j];
            if l == UNEXPLORED {
                continue;
            }
            let j2 = j + usize::from(byname);
            if j2 > 1 {
                continue;
            }
            let d = l + w;
            if d > MAX_PATH {
                self.set_flags(from, OPAQUE, None);
                continue;
            }
            if d < self.nodes[to as usize].lab[j2] {
                self.nodes[to as usize].lab[j2] = d;
                improved = true;
            }
        }
        if improved {
            self.explore.push_back(to);
        }
    }

    /// Adds the edge from node `from` to the node of `val`.
    fn link(
        &mut self,
        from: u32,
        val: Val<'a>,
        step: Option<Step<'a>>,
        cmp: bool,
        via: Via<'a>,
        weight: Option<u16>,
    ) {
        let to = self.node(val);
        if from == to || !self.linked.insert((from, to)) {
            return;
        }
        let byname = matches!(
            step,
            Some(Step {
                kind: StepKind::ByName(_),
                ..
            })
        );
        let cmp = cmp
            || matches!(
                step,
                Some(Step {
                    kind: StepKind::Condition,
                    ..
                })
            );
        let e = self.edges.len() as u32;
        let weight = weight.unwrap_or(u16::from(step.is_some()));
        self.edges.push(Edge {
            from,
            to,
            weight,
            byname,
            cmp,
        });
        self.edge_info.push(EdgeInfo { step, via });
        self.nodes[from as usize].out.push(e);
        self.nodes[to as usize]
            .inn
            .push((e, self.edges[e as usize]));
        self.relabel(e);
        let tf = self.nodes[to as usize].flags;
        if tf != 0 {
            let c = self.nodes[to as usize].cut;
            self.set_flags(from, tf, c);
        }
        let ed = self.edges[e as usize];
        for k in 0..self.nodes[to as usize].entries.len() {
            let en = self.nodes[to as usize].entries[k];
            self.enqueue(en.dist + weight, Push::new(e, &ed, k as u32, &en));
        }
    }

    fn note(&mut self, i: u32, constants: impl IntoIterator<Item = String>, digest: bool) {
        let e = self.nodes[i as usize]
            .notes
            .get_or_insert_with(|| Box::new((Vec::new(), false)));
        e.1 |= digest;
        for c in constants {
            if e.0.len() < 16 && !e.0.contains(&c) {
                e.0.push(c);
            }
        }
    }

    /// The steps from entry `k` of node `i` back to its fact's source, and
    /// the constants compared on the way.
    fn path(&self, mut i: u32, mut k: u32) -> (Vec<Step<'a>>, Vec<String>, bool) {
        let mut steps = Vec::new();
        let mut with: Vec<String> = Vec::new();
        let mut digest = false;
        for _ in 0..=4 * usize::from(MAX_PATH) + 64 {
            let n = &self.nodes[i as usize];
            if let Some(notes) = &n.notes {
                digest |= notes.1;
                for c in &notes.0 {
                    if with.len() < 16 && !with.contains(c) {
                        with.push(c.clone());
                    }
                }
            }
            let en = n.entries[k as usize];
            if en.edge == u32::MAX {
                break;
            }
            if let Some(s) = self.edge_info[en.edge as usize].step {
                steps.push(s);
            }
            i = self.edges[en.edge as usize].to;
            k = en.prev;
        }
        (steps, with, digest)
    }
}

/// What crossing an edge turned on.
enum Activation<'a> {
    /// From a call node: the argument at parameter `idx` (63: all); with
    /// the callee-side entry (node, index) when the callee compares the
    /// parameter on the way to its return.
    Arg(
        u32,
        UnitId,
        &'a CallExpression<'a>,
        usize,
        usize,
        Option<(u32, u32)>,
        // The field of the parameter the callee reads (`env.AWS_REGION`
        // with `env` the parameter): read from the argument alike.
        Option<&'a str>,
    ),
    /// From an up node, or across a join by name (its step): the call
    /// sites of the function whose parameter the value depends on (with the
    /// step's distance).
    Up(
        u32,
        Val<'a>,
        FnRef<'a>,
        usize,
        UnitId,
        u16,
        Option<Step<'a>>,
    ),
}

/// A query's result before it is turned into [`Found`]s.
struct Hit<'a> {
    fact: u32,
    path: Vec<Step<'a>>,
    with: Vec<String>,
    digest: bool,
    unproven: bool,
    compared: bool,
    data_path: bool,
}

impl<'a> Engine<'_, '_, 'a> {
    /// The environment reads a decision depends on.
    pub(crate) fn taint(&self, u: UnitId, test: &Test<'a>, frames: &[Frame]) -> Taint<'a> {
        let mut g = self.backward.borrow_mut();
        if g.budget.is_none() {
            let bytes: u64 = self.prog.units.iter().map(|c| c.source.len() as u64).sum();
            g.budget = Some(
                u64::from(self.base.backward_steps_per_kb).saturating_mul(bytes.div_ceil(1024)),
            );
            g.presize(bytes);
        }
        let mut seeds = Vec::new();
        match *test {
            Test::Control(c) => seeds.push(Val::Expr(u, c.expr(), None)),
            Test::Key(e) | Test::Data(e) => seeds.push(Val::Expr(u, e, None)),
            Test::Controls(at) => seeds.push(Val::Ctrl(u, at)),
            Test::Predicate(f) => {
                for r in f.returns() {
                    seeds.push(Val::Expr(u, r, None));
                }
            }
        }
        let mut x = Expand {
            eng: self,
            g: &mut g,
            cmp_next: false,
        };
        x.repair();
        let roots: Vec<u32> = seeds.into_iter().map(|v| x.g.root(v)).collect();
        x.run();
        let mut out = Taint::default();
        let mut hits: Vec<Hit<'a>> = Vec::new();
        for r in roots {
            x.collect(r, frames, frames.len(), 0, &mut hits, &mut out);
        }
        let g = &*x.g;
        // Nearest first, proven before unproven.
        hits.sort_by_key(|h| (h.unproven, h.path.len()));
        for h in hits {
            let Fact::Read(ru, read) = &g.facts[h.fact as usize] else {
                continue;
            };
            if let Some(f) = out
                .reads
                .iter_mut()
                .find(|f| f.unit == *ru && f.read.span == read.span && f.read.what == read.what)
            {
                f.compared |= h.compared;
                f.data_path |= h.data_path;
                continue;
            }
            if out.reads.len() >= MAX_READS {
                continue;
            }
            out.reads.push(Found {
                unit: *ru,
                read: read.clone(),
                path: h.path,
                unproven: h.unproven,
                compared: h.compared,
                data_path: h.data_path,
                with: h.with,
                digest: h.digest,
            });
        }
        out
    }
}

struct Expand<'e, 'p, 'c, 'a, 'g> {
    eng: &'e Engine<'p, 'c, 'a>,
    g: &'g mut Graph<'a>,
    /// The next edges added pass a comparison.
    cmp_next: bool,
}

impl<'a> Expand<'_, '_, '_, 'a, '_> {
    /// Explores and propagates until nothing changes. The engine's pool is
    /// the graph's budget meanwhile (call-graph walks made for the graph are
    /// the graph's work), with no site share: what the graph learns is kept
    /// for every later decision.
    fn run(&mut self) {
        // The graph's work is paid from its own budget, not from the
        // asking site's own steps (`site_steps`) nor its share.
        let (pool, share, own) = (
            self.eng.pool_left(),
            self.eng.share_left(),
            self.eng.own_left(),
        );
        self.eng.set_own(0);
        self.eng.set_pool(self.g.budget.unwrap_or(u64::MAX));
        self.eng.set_share(u64::MAX);
        // Nor from a coarse pass's part of the coarse pool.
        let coarse = self.eng.suspend_coarse();
        let before = self.eng.spent.get();
        let t0 = std::time::Instant::now();
        self.explore_all();
        self.g.time += t0.elapsed();
        self.eng.resume_coarse(coarse);
        let used = self.eng.spent.get() - before;
        self.g.budget = Some(self.eng.pool_left());
        self.g.spent += used;
        self.eng.set_pool(pool);
        self.eng.set_share(share);
        self.eng.set_own(own);
    }

    fn explore_all(&mut self) {
        loop {
            if let Some(i) = self.g.explore.pop_front() {
                if self.g.nodes[i as usize].expanded {
                    for x in 0..self.g.nodes[i as usize].out.len() {
                        let e = self.g.nodes[i as usize].out[x];
                        self.g.relabel(e);
                    }
                } else if self.eng.charge(1) {
                    self.g.nodes[i as usize].expanded = true;
                    // A limit met while expanding a node (a call-graph walk
                    // cut, the budget spent) cuts every decision depending on it.
                    let outer = self.eng.take_cut();
                    self.visit(i);
                    let inner = self.eng.take_cut().map(|c| {
                        if c == "flow_pool" {
                            "backward_steps_per_kb"
                        } else {
                            c
                        }
                    });
                    if let Some(c) = outer {
                        self.eng.note_cut(c);
                    }
                    if let Some(c) = inner {
                        self.cut(i, c);
                    }
                } else {
                    // Left unexpanded: everything depending on it is cut.
                    self.g.nodes[i as usize].expanded = true;
                    self.cut(i, "backward_steps_per_kb");
                }
                continue;
            }
            let Some((queued, p)) = self.g.pop() else {
                break;
            };
            match self.g.relax(queued, p) {
                None => {}
                Some(Activation::Arg(from, cu, c, first, idx, inside, field)) => {
                    // The callee compares the parameter before returning
                    // (`isListed(h)`, `t.charAt(0) === BOM`): the constants
                    // it is compared with are the caller's trigger too, and
                    // the argument reaches the call by a comparison.
                    if let Some((to, k)) = inside {
                        let (_, with, digest) = self.g.path(to, k);
                        self.g.note(from, with, digest);
                    }
                    let args: Vec<&'a Expression<'a>> = if idx == 63 {
                        c.arguments
                            .iter()
                            .filter_map(Argument::as_expression)
                            .collect()
                    } else {
                        c.arguments
                            .get(idx + first)
                            .and_then(Argument::as_expression)
                            .into_iter()
                            .collect()
                    };
                    for a in args {
                        let step = Step {
                            unit: cu,
                            kind: StepKind::Arg,
                            span: a.span(),
                        };
                        self.g.link(
                            from,
                            Val::Expr(cu, a, field),
                            Some(step),
                            inside.is_some(),
                            Via::Plain,
                            None,
                        );
                    }
                }
                Some(Activation::Up(from, val, f, idx, pu, w, joined)) => {
                    // Callers of callers with no call in hand: every
                    // caller's argument is joined, context-insensitively —
                    // exact for a function called from one place, else
                    // like a join by name, not a proven path.
                    let (name, span) = param_name(f, idx);
                    let one = match val {
                        Val::Up(_, fid, ..) => Some(self.eng.call_index()).is_some_and(|c| {
                            !c.leaked.contains(&(pu, fid))
                                && c.sites.get(&(pu, fid)).is_some_and(|s| s.len() == 1)
                        }),
                        _ => false,
                    };
                    let step = joined.unwrap_or(Step {
                        unit: pu,
                        kind: if one {
                            StepKind::Param(name)
                        } else {
                            StepKind::ByName(name)
                        },
                        span,
                    });
                    self.g
                        .link(from, val, Some(step), false, Via::Plain, Some(w));
                }
            }
        }
    }

    /// The facts at node `i` as hits; parameter facts resolved through the
    /// frames `frames[..nframes]`, else through every call site.
    fn collect(
        &mut self,
        i: u32,
        frames: &[Frame],
        nframes: usize,
        depth: usize,
        hits: &mut Vec<Hit<'a>>,
        out: &mut Taint<'a>,
    ) {
        let n = &self.g.nodes[i as usize];
        out.opaque |= n.flags & OPAQUE != 0;
        if n.flags & CUT != 0 {
            self.eng.note_cut(n.cut.unwrap_or("backward_steps"));
        }
        let entries = n.entries.clone();
        // Per fact, its best path (proven first, then nearest) and the kinds seen.
        let mut best: Vec<(u32, u32)> = Vec::new();
        for (k, en) in entries.iter().enumerate() {
            match best.iter_mut().find(|(f, _)| *f == en.fact) {
                Some((_, b)) => {
                    let bb = entries[*b as usize];
                    if (en.kind & 1, en.dist) < (bb.kind & 1, bb.dist) {
                        *b = k as u32;
                    }
                }
                None => best.push((en.fact, k as u32)),
            }
        }
        for (fact, k) in best {
            let en = entries[k as usize];
            let kinds = entries.iter().filter(|x| x.fact == fact).map(|x| x.kind);
            let (compared, data_path) = kinds.fold((false, false), |(c, d), kd| {
                (c || kd & 2 != 0, d || kd & 2 == 0)
            });
            let (path, with, digest) = self.g.path(i, k);
            let hit = Hit {
                fact,
                path,
                with,
                digest,
                unproven: en.kind & 1 != 0,
                compared,
                data_path,
            };
            match self.g.facts[fact as usize] {
                Fact::Read(..) => hits.push(hit),
                Fact::Param(pu, fid, _, idx, field) => {
                    if depth > 8 {
                        out.opaque = true;
                        continue;
                    }
                    let mut sub = Vec::new();
                    self.resolve(pu, fid, idx, field, frames, nframes, depth, &mut sub, out);
                    for s in sub {
                        let mut path = hit.path.clone();
                        path.extend(s.path);
                        let mut with = hit.with.clone();
                        for c in s.with {
                            if with.len() < 16 && !with.contains(&c) {
                                with.push(c);
                            }
                        }
                        hits.push(Hit {
                            fact: s.fact,
                            path,
                            with,
                            digest: hit.digest || s.digest,
                            unproven: hit.unproven || s.unproven,
                            compared: hit.compared || s.compared,
                            data_path: hit.data_path && s.data_path,
                        });
                    }
                }
            }
        }
    }

    /// A parameter reached from a decision: the argument at the call the
    /// forward walk came through, else the arguments at every call site.
    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &mut self,
        u: UnitId,
        fid: NodeId,
        idx: usize,
        field: Option<&'a str>,
        frames: &[Frame],
        nframes: usize,
        depth: usize,
        hits: &mut Vec<Hit<'a>>,
        out: &mut Taint<'a>,
    ) {
        let prog = self.eng.prog;
        if let Some(j) = frames[..nframes.min(frames.len())]
            .iter()
            .rposition(|fr| fr.func == fid && fr.unit == u)
        {
            let fr = frames[j];
            let ctx = prog.ctx(fr.unit);
            let nodes = ctx.semantic.nodes();
            let (args, recv): (
                Option<&'a oxc_allocator::Vec<'a, Argument<'a>>>,
                Option<&'a Expression<'a>>,
            ) = match nodes.kind(fr.call) {
                AstKind::CallExpression(c) => (
                    Some(&c.arguments),
                    c.callee
                        .without_parentheses()
                        .as_member_expression()
                        .map(oxc_ast::ast::MemberExpression::object),
                ),
                AstKind::NewExpression(n) => (Some(&n.arguments), None),
                _ => (None, None),
            };
            let (val, kind, span) = if fr.kind == super::walk::FrameKind::User {
                let Some(a) = args
                    .and_then(|a| a.get(idx))
                    .and_then(Argument::as_expression)
                else {
                    return;
                };
                (Val::Expr(fr.unit, a, field), StepKind::Arg, a.span())
            } else if let Some(r) = recv {
                (Val::Expr(fr.unit, r, None), StepKind::Callback, r.span())
            } else {
                return;
            };
            let r = self.g.root(val);
            self.run();
            let mut sub = Vec::new();
            self.collect(r, frames, j, depth + 1, &mut sub, out);
            let step = Step {
                unit: fr.unit,
                kind,
                span,
            };
            for mut s in sub {
                s.path.insert(0, step);
                hits.push(s);
            }
            return;
        }
        let r = self.g.root(Val::Up(u, fid, idx, field));
        self.run();
        self.collect(r, frames, 0, depth + 1, hits, out);
    }
}

/// The name and place of parameter `idx` of `f` (for a path).
fn param_name(f: FnRef<'_>, idx: usize) -> (&str, Span) {
    let params = f.params();
    match params.items.get(idx) {
        Some(p) => match &p.pattern {
            BindingPattern::BindingIdentifier(b) => (b.name.as_str(), p.span),
            _ => ("", p.span),
        },
        None => ("", params.span),
    }
}

impl<'a> Expand<'_, '_, '_, 'a, '_> {
    fn to(&mut self, i: u32, val: Val<'a>, step: Option<Step<'a>>) {
        self.g.link(i, val, step, self.cmp_next, Via::Plain, None);
    }

    fn found(&mut self, i: u32, u: UnitId, read: EnvRead) {
        self.g.source(i, Fact::Read(u, read));
    }

    fn note(&mut self, i: u32, constants: impl IntoIterator<Item = String>, digest: bool) {
        self.g.note(i, constants, digest);
    }

    fn opaque(&mut self, i: u32) {
        self.g.set_flags(i, OPAQUE, None);
    }

    fn cut(&mut self, i: u32, limit: &'static str) {
        let n = &mut self.g.nodes[i as usize];
        if n.own_cut.is_none() {
            n.own_cut = Some((limit, self.eng.scale()));
        }
        self.g.set_flags(i, CUT | OPAQUE, Some(limit));
        self.eng.note_cut(limit);
    }

    /// A later round: nodes cut by a limit that grew are expanded again
    /// (their edges so far stay; new ones are added), and what is cut is
    /// computed afresh.
    fn repair(&mut self) {
        let scale = self.eng.scale();
        if scale <= self.g.repaired.max(1) {
            return;
        }
        self.g.repaired = scale;
        let again: Vec<u32> = (0..self.g.nodes.len() as u32)
            .filter(|&i| {
                self.g.nodes[i as usize]
                    .own_cut
                    .is_some_and(|(c, s)| s < scale && c != "backward_steps_per_kb")
            })
            .collect();
        if again.is_empty() {
            return;
        }
        for &i in &again {
            self.g.nodes[i as usize].own_cut = None;
        }
        // The graph's work is paid from its own budget, not from the
        // asking site's own steps (`site_steps`) nor its share.
        let (pool, share, own) = (
            self.eng.pool_left(),
            self.eng.share_left(),
            self.eng.own_left(),
        );
        self.eng.set_own(0);
        self.eng.set_pool(self.g.budget.unwrap_or(u64::MAX));
        self.eng.set_share(u64::MAX);
        let before = self.eng.spent.get();
        for &i in &again {
            let outer = self.eng.take_cut();
            self.visit(i);
            let inner = self.eng.take_cut().map(|c| {
                if c == "flow_pool" {
                    "backward_steps_per_kb"
                } else {
                    c
                }
            });
            if let Some(c) = outer {
                self.eng.note_cut(c);
            }
            if let Some(c) = inner {
                self.cut(i, c);
            }
        }
        self.g.spent += self.eng.spent.get() - before;
        self.g.budget = Some(self.eng.pool_left());
        self.eng.set_pool(pool);
        self.eng.set_share(share);
        self.eng.set_own(own);
        // Cuts afresh: only what depends on a node still cut.
        for n in &mut self.g.nodes {
            n.flags &= !CUT;
            n.cut = None;
        }
        for i in 0..self.g.nodes.len() as u32 {
            if let Some((c, _)) = self.g.nodes[i as usize].own_cut {
                self.g.set_flags(i, CUT, Some(c));
            }
        }
        self.eng.take_cut();
    }

    /// A function's results, used as a value (its parameters are not ours).
    fn results(&mut self, i: u32, u: UnitId, f: FnRef<'a>, kind: StepKind<'a>) {
        let step = Step {
            unit: u,
            kind,
            span: f.span(),
        };
        self.g.link(
            i,
            Val::Ret(u, f.node_id(), f, None),
            Some(step),
            self.cmp_next,
            Via::Enter {
                unit: u,
                fid: f.node_id(),
                call: None,
            },
            None,
        );
    }

    /// An argument at a call site, for a parameter reached without a call in hand.
    fn to_up(&mut self, i: u32, val: Val<'a>, step: Option<Step<'a>>) {
        self.g.link(i, val, step, false, Via::Up, None);
    }

    fn visit(&mut self, i: u32) {
        let val = self.g.vals[i as usize];
        match val {
            Val::Expr(u, e, field) => self.expr(i, u, e, field),
            Val::Sym(u, sym, field) => self.sym(i, u, sym, field),
            Val::Call(u, call, fu, fid, f, first, field) => {
                self.g.link(
                    i,
                    Val::Ret(fu, fid, f, field),
                    None,
                    false,
                    Via::Enter {
                        unit: fu,
                        fid,
                        call: Some((u, call, first)),
                    },
                    None,
                );
            }
            Val::Param(u, fid, f, idx, fl) => self.g.source(i, Fact::Param(u, fid, f, idx, fl)),
            Val::Up(u, fid, idx, fl) => self.up(i, u, fid, idx, fl),
            Val::Ret(u, _, f, field) => {
                for r in f.returns() {
                    self.to(i, Val::Expr(u, r, field), None);
                    // Which return is taken depends on the tests around it.
                    self.to(i, Val::Ctrl(u, super::nid(r)), None);
                }
            }
            Val::Ctrl(u, node) => {
                let ctx = self.eng.prog.ctx(u);
                for c in control_deps(ctx, node) {
                    let span = c.expr().span();
                    self.to(
                        i,
                        Val::Expr(u, c.expr(), None),
                        Some(Step {
                            unit: u,
                            kind: StepKind::Condition,
                            span,
                        }),
                    );
                }
            }
            Val::Owner(u, owner, k, f) => self.owner(i, u, owner, k, f),
            Val::Export(m, name, field) => self.export(i, m, name, field),
            Val::Name(u, k) => {
                // Every writer, once for the whole program (the node is shared).
                let vals = self.eng.prog.names[u as usize].values(k, usize::MAX);
                if let Some(vals) = vals {
                    self.eng.charge(vals.len() as u64 / 16);
                    for v in vals {
                        self.to(
                            i,
                            Val::Expr(u, v, None),
                            Some(Step {
                                unit: u,
                                kind: StepKind::ByName(k),
                                span: v.span(),
                            }),
                        );
                    }
                }
            }
        }
    }

    fn expr(&mut self, i: u32, u: UnitId, e: &'a Expression<'a>, field: Option<&'a str>) {
        let prog = self.eng.prog;
        let ctx = prog.ctx(u);
        let read = match field {
            None => env_read(ctx, e),
            Some(k) => env_read_field(ctx, e, k).or_else(|| env_read(ctx, e)),
        };
        if let Some(read) = read {
            self.found(i, u, read);
            return;
        }
        let step = |kind: StepKind<'a>, span: Span| {
            Some(Step {
                unit: u,
                kind,
                span,
            })
        };
        match e.without_parentheses() {
            Expression::Identifier(id) => {
                if let Some(sym) = prog.symbol_of(u, id) {
                    self.to(i, Val::Sym(u, sym, field), None);
                } else if !matches!(
                    id.name.as_str(),
                    "undefined"
                        | "NaN"
                        | "Infinity"
                        | "Math"
                        | "JSON"
                        | "String"
                        | "Number"
                        | "Object"
                        | "Reflect"
                        | "Array"
                        | "Boolean"
                        | "Date"
                        | "Symbol"
                        | "RegExp"
                        | "Promise"
                        | "Map"
                        | "Set"
                        | "Buffer"
                        | "URL"
                        | "Intl"
                        | "crypto"
                        | "parseInt"
                        | "parseFloat"
                        | "encodeURIComponent"
                        | "decodeURIComponent"
                        | "atob"
                        | "btoa"
                        | "TextEncoder"
                        | "TextDecoder"
                ) {
                    self.opaque(i);
                }
            }
            Expression::StaticMemberExpression(m) => {
                let k = m.property.name.as_str();
                if let Expression::ThisExpression(_) = m.object.without_parentheses() {
                    if let Some(owner) = this_owner(ctx, super::nid(e)) {
                        self.to(
                            i,
                            Val::Owner(u, owner, k, field),
                            step(StepKind::Field(k), m.span),
                        );
                    }
                    return;
                }
                // `require("./a").k`, `ns.k`.
                if let Some(md) = module_object(prog, u, &m.object) {
                    self.to(
                        i,
                        Val::Export(md, Some(k), field),
                        step(StepKind::Import, m.span),
                    );
                    return;
                }
                // `C.k` of a class `C`: its static fields and accessors.
                if let Some(class) = class_of(prog, u, &m.object) {
                    self.to(
                        i,
                        Val::Owner(u, class, k, field),
                        step(StepKind::Field(k), m.span),
                    );
                    return;
                }
                let owner_known = owner_is_known(prog, u, &m.object);
                self.to(
                    i,
                    Val::Expr(u, &m.object, Some(k)),
                    step(StepKind::Field(k), m.span),
                );
                if !owner_known && field.is_none() {
                    self.to(i, Val::Name(u, k), None);
                }
            }
            Expression::PrivateFieldExpression(m) => {
                let k = m.field.name.as_str();
                // `#k` is the field of the class that declares it, whatever
                // the receiver (`this.#k`, `C.#k`, `other.#k`): its writes
                // are in that class, found exactly (the key keeps its `#`).
                let hashed = ctx
                    .source
                    .get(m.field.span.start as usize..m.field.span.end as usize)
                    .filter(|h| h.strip_prefix('#') == Some(k));
                if let Some(h) = hashed
                    && let Some(owner) = super::walk::private_owner(ctx, super::nid(e), k)
                {
                    self.to(
                        i,
                        Val::Owner(u, owner, h, field),
                        step(StepKind::Field(k), m.span),
                    );
                } else if let Some(owner) = this_owner(ctx, super::nid(e)) {
                    self.to(
                        i,
                        Val::Owner(u, owner, k, field),
                        step(StepKind::Field(k), m.span),
                    );
                }
                self.to(i, Val::Expr(u, &m.object, None), None);
            }
            Expression::ComputedMemberExpression(m) => {
                let k: Option<&'a str> = match m.expression.without_parentheses() {
                    Expression::StringLiteral(s) => Some(s.value.as_str()),
                    _ => None,
                };
                if let Some(k) = k {
                    self.to(
                        i,
                        Val::Expr(u, &m.object, Some(k)),
                        step(StepKind::Field(k), m.span),
                    );
                } else {
                    self.to(i, Val::Expr(u, &m.object, None), None);
                    // A key looked up in a constant table of numbers or
                    // flags (`LEVELS[term]`) is compared with its keys:
                    // the lookup is a switch, the value a parameter chosen.
                    let keys = scalar_table_keys(ctx, &m.object);
                    if let Some(keys) = keys.clone() {
                        self.note(i, keys, false);
                    }
                    self.cmp_next = keys.is_some();
                    self.to(i, Val::Expr(u, &m.expression, None), None);
                    self.cmp_next = false;
                }
            }
            Expression::CallExpression(c) => self.call(i, u, c, field),
            // A property read through a `Proxy` with a `get` trap is what
            // the trap returns; without one, the target's property.
            Expression::NewExpression(n)
                if super::walk::is_global_named(ctx, &n.callee, "Proxy")
                    && n.arguments.len() >= 2 =>
            {
                let handler = n.arguments[1].as_expression();
                let handler = handler.map(|h| crate::covert::const_init(ctx, h).unwrap_or(h));
                let trap = match handler.map(Expression::without_parentheses) {
                    Some(Expression::ObjectExpression(o)) => o.properties.iter().find_map(|p| {
                        let ObjectPropertyKind::ObjectProperty(p) = p else {
                            return None;
                        };
                        (super::names::property_key_name(&p.key) == Some("get"))
                            .then(|| FnRef::from_expr(&p.value))
                            .flatten()
                    }),
                    _ => None,
                };
                if let Some(f) = trap {
                    for r in f.returns() {
                        self.to(i, Val::Expr(u, r, None), step(StepKind::Return, f.span()));
                    }
                } else {
                    if let Some(t) = n.arguments[0].as_expression() {
                        self.to(i, Val::Expr(u, t, field), None);
                    }
                    if handler.is_some_and(|h| {
                        !matches!(h.without_parentheses(), Expression::ObjectExpression(_))
                    }) {
                        self.opaque(i);
                    }
                }
            }
            Expression::NewExpression(n) => {
                if let Some((cu, class)) = class_of_unit(prog, u, &n.callee) {
                    if let Some(k) = field {
                        self.to(
                            i,
                            Val::Owner(cu, class, k, None),
                            step(StepKind::Field(k), n.span),
                        );
                    }
                    if let AstKind::Class(cl) = prog.ctx(cu).semantic.nodes().kind(class)
                        && let Some(ctor) = super::walk::constructor_of(cl)
                        && field.is_none()
                    {
                        // The instance as a whole: what its constructor stores.
                        let _ = ctor;
                    }
                }
                for a in n.arguments.iter().filter_map(Argument::as_expression) {
                    self.to(i, Val::Expr(u, a, None), step(StepKind::Arg, n.span));
                }
            }
            Expression::AwaitExpression(a) => self.to(i, Val::Expr(u, &a.argument, field), None),
            Expression::ChainExpression(c) => {
                match &c.expression {
                    oxc_ast::ast::ChainElement::CallExpression(call) => {
                        self.call(i, u, call, field)
                    }
                    other => {
                        if let Some(m) = other.as_member_expression() {
                            match m.static_property_name() {
                                Some(_) => {
                                    let k: &'a str = if let oxc_ast::ast::MemberExpression::StaticMemberExpression(s) = m {
                                    s.property.name.as_str()
                                } else {
                                    self.to(i, Val::Expr(u, m.object(), None), None);
                                    return;
                                };
                                    if let Some(read) = env_read_field(ctx, m.object(), k) {
                                        self.found(i, u, read);
                                        return;
                                    }
                                    self.to(
                                        i,
                                        Val::Expr(u, m.object(), Some(k)),
                                        step(StepKind::Field(k), m.span()),
                                    );
                                    if !owner_is_known(prog, u, m.object()) {
                                        self.to(i, Val::Name(u, k), None);
                                    }
                                }
                                None => self.to(i, Val::Expr(u, m.object(), None), None),
                            }
                        }
                    }
                }
            }
            Expression::UnaryExpression(x) => {
                self.cmp_next = x.operator == oxc_syntax::operator::UnaryOperator::LogicalNot;
                self.to(i, Val::Expr(u, &x.argument, None), None);
                self.cmp_next = false;
            }
            Expression::UpdateExpression(_) => {}
            Expression::BinaryExpression(b) => {
                self.note_comparison(i, e);
                self.cmp_next = b.operator.is_equality()
                    || b.operator.is_compare()
                    || matches!(
                        b.operator,
                        oxc_syntax::operator::BinaryOperator::In
                            | oxc_syntax::operator::BinaryOperator::Instanceof
                    );
                self.to(i, Val::Expr(u, &b.left, None), None);
                self.to(i, Val::Expr(u, &b.right, None), None);
                self.cmp_next = false;
            }
            Expression::LogicalExpression(l) => {
                // `h === a || h === b`, `typeof t === "string" && t[0] === m`:
                // comparisons of one value joined are one test, whichever
                // comparison a path passes through.
                if field.is_none() {
                    self.note_joined_comparisons(i, e);
                }
                self.to(i, Val::Expr(u, &l.left, field), None);
                self.to(i, Val::Expr(u, &l.right, field), None);
            }
            Expression::ConditionalExpression(c) => {
                // `c ? { a: x } : {}` read as `.k`: neither side defines `k`,
                // so the test decides nothing about it.
                let lacks = |x: &Expression<'_>, k: &str| match x.without_parentheses() {
                    Expression::ObjectExpression(o) => o.properties.iter().all(|p| match p {
                        ObjectPropertyKind::ObjectProperty(p) => {
                            super::names::property_key_name(&p.key).is_some_and(|n| n != k)
                        }
                        ObjectPropertyKind::SpreadProperty(_) => false,
                    }),
                    _ => false,
                };
                if let Some(k) = field
                    && lacks(&c.consequent, k)
                    && lacks(&c.alternate, k)
                {
                    return;
                }
                self.to(
                    i,
                    Val::Expr(u, &c.test, None),
                    step(StepKind::Condition, c.test.span()),
                );
                self.to(i, Val::Expr(u, &c.consequent, field), None);
                self.to(i, Val::Expr(u, &c.alternate, field), None);
            }
            Expression::TemplateLiteral(t) => {
                for x in &t.expressions {
                    self.to(i, Val::Expr(u, x, None), None);
                }
            }
            Expression::TaggedTemplateExpression(t) => {
                for x in &t.quasi.expressions {
                    self.to(i, Val::Expr(u, x, None), None);
                }
            }
            Expression::SequenceExpression(s) => {
                if let Some(x) = s.expressions.last() {
                    self.to(i, Val::Expr(u, x, field), None);
                }
            }
            Expression::AssignmentExpression(a) => self.to(i, Val::Expr(u, &a.right, field), None),
            Expression::ArrayExpression(a) => {
                for el in &a.elements {
                    match el {
                        ArrayExpressionElement::SpreadElement(s) => {
                            self.to(i, Val::Expr(u, &s.argument, None), None);
                        }
                        el => {
                            if let Some(x) = el.as_expression() {
                                self.to(i, Val::Expr(u, x, None), None);
                            }
                        }
                    }
                }
            }
            Expression::ObjectExpression(o) => {
                for p in &o.properties {
                    match p {
                        ObjectPropertyKind::ObjectProperty(p) => {
                            let name = super::names::property_key_name(&p.key);
                            if field.is_some() && name.is_some() && name != field {
                                continue;
                            }
                            if p.kind == PropertyKind::Get
                                && let Some(f) = FnRef::from_expr(&p.value)
                            {
                                for r in f.returns() {
                                    self.to(
                                        i,
                                        Val::Expr(u, r, None),
                                        step(StepKind::Return, f.span()),
                                    );
                                }
                                continue;
                            }
                            if let Some(f) = FnRef::from_expr(&p.value)
                                && field.is_none()
                            {
                                let _ = f;
                                continue; // methods are not data
                            }
                            self.to(
                                i,
                                Val::Expr(u, &p.value, None),
                                name.and_then(|n| step(StepKind::Field(n), p.span)),
                            );
                        }
                        ObjectPropertyKind::SpreadProperty(s) => {
                            self.to(i, Val::Expr(u, &s.argument, field), None);
                        }
                    }
                }
            }
            Expression::YieldExpression(y) => {
                if let Some(x) = &y.argument {
                    self.to(i, Val::Expr(u, x, None), None);
                }
            }
            Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_) => {
                if let Some(f) = FnRef::from_expr(e) {
                    self.results(i, u, f, StepKind::Return);
                }
            }
            Expression::ImportExpression(im) => {
                if let Some(m) = prog.graph.target(u, im.node_id.get()) {
                    self.to(
                        i,
                        Val::Export(m, field, None),
                        step(StepKind::Import, im.span),
                    );
                }
            }
            Expression::TSAsExpression(x) => self.to(i, Val::Expr(u, &x.expression, field), None),
            Expression::TSSatisfiesExpression(x) => {
                self.to(i, Val::Expr(u, &x.expression, field), None);
            }
            Expression::TSNonNullExpression(x) => {
                self.to(i, Val::Expr(u, &x.expression, field), None);
            }
            Expression::TSTypeAssertion(x) => self.to(i, Val::Expr(u, &x.expression, field), None),
            Expression::ThisExpression(_) => {
                if let Some(k) = field
                    && let Some(owner) = this_owner(ctx, super::nid(e))
                {
                    self.to(i, Val::Owner(u, owner, k, None), None);
                }
            }
            _ => {}
        }
    }

    /// The comparisons of a `&&`/`||` chain, noted at the chain when every
    /// one compares the same variable (its base name); comparisons of
    /// different values are noted only where a path passes them.
    fn note_joined_comparisons(&mut self, i: u32, e: &'a Expression<'a>) {
        fn base<'b>(mut x: &'b Expression<'b>) -> Option<&'b str> {
            for _ in 0..16 {
                x = match x.without_parentheses() {
                    Expression::Identifier(id) => return Some(id.name.as_str()),
                    Expression::UnaryExpression(u) => &u.argument,
                    Expression::CallExpression(c) => &c.callee,
                    Expression::ChainExpression(c) => match c.expression.as_member_expression() {
                        Some(m) => m.object(),
                        None => return None,
                    },
                    x => match x.as_member_expression() {
                        Some(m) => m.object(),
                        None => return None,
                    },
                };
            }
            None
        }
        let mut todo = vec![e];
        let mut leaves: Vec<&'a Expression<'a>> = Vec::new();
        let mut root: Option<&str> = None;
        while let Some(x) = todo.pop() {
            if leaves.len() >= 32 {
                return;
            }
            match x.without_parentheses() {
                Expression::LogicalExpression(l) => {
                    todo.push(&l.right);
                    todo.push(&l.left);
                }
                b @ Expression::BinaryExpression(bx)
                    if bx.operator.is_equality() || bx.operator.is_compare() =>
                {
                    let subject = if bx.right.is_literal() {
                        &bx.left
                    } else {
                        &bx.right
                    };
                    let Some(r) = base(subject) else { return };
                    if root.is_some_and(|x| x != r) {
                        return;
                    }
                    root = Some(r);
                    leaves.push(b);
                }
                _ => {}
            }
        }
        if leaves.len() >= 2 {
            for b in leaves {
                self.note_comparison(i, b);
            }
        }
    }

    /// Remember what a tainted value may be compared with (for the trigger).
    fn note_comparison(&mut self, i: u32, e: &'a Expression<'a>) {
        if let Expression::BinaryExpression(b) = e.without_parentheses()
            && (b.operator.is_equality() || b.operator.is_compare())
        {
            let mut v = Vec::new();
            for side in [&b.left, &b.right] {
                match side.without_parentheses() {
                    Expression::StringLiteral(s) => v.push(s.value.to_string()),
                    Expression::NumericLiteral(n) => v.push(crate::eval::num_to_string(n.value)),
                    _ => {}
                }
            }
            self.note(i, v, false);
        }
    }

    fn call(&mut self, i: u32, u: UnitId, c: &'a CallExpression<'a>, field: Option<&'a str>) {
        let prog = self.eng.prog;
        let ctx = prog.ctx(u);
        let step = |kind: StepKind<'a>, span: Span| {
            Some(Step {
                unit: u,
                kind,
                span,
            })
        };
        // `require("./a")` and friends: the module's exports.
        if let Some(m) = super::walk::module_of_call(prog, u, c) {
            self.to(
                i,
                Val::Export(m, field, None),
                step(StepKind::Import, c.span),
            );
            return;
        }
        let member = c.callee.without_parentheses().as_member_expression();
        let method = member.and_then(oxc_ast::ast::MemberExpression::static_property_name);
        // Trigger constants: `LIST.includes(x)`, `x.endsWith("…")`, `LIST.some(…)`.
        if let (Some(m), Some(name)) = (member, method) {
            if matches!(
                name,
                "includes"
                    | "indexOf"
                    | "has"
                    | "some"
                    | "find"
                    | "filter"
                    | "every"
                    | "findIndex"
                    | "lastIndexOf"
            ) && let Some(list) = crate::env::constant_list(ctx, m.object())
            {
                self.note(i, list, false);
            }
            if matches!(
                name,
                "endsWith" | "startsWith" | "includes" | "test" | "match"
            ) && let Some(Argument::StringLiteral(s)) = c.arguments.first()
            {
                self.note(i, [s.value.to_string()], false);
            }
            // A pattern is a constant too: `/^Asia\//.test(x)`, `RE.exec(x)`,
            // `x.match(/…/)`, `x.search(/…/)`.
            let pattern = match name {
                "test" | "exec" => regex_constant(ctx, m.object()),
                "match" | "matchAll" | "search" => c
                    .arguments
                    .first()
                    .and_then(Argument::as_expression)
                    .and_then(|a| regex_constant(ctx, a)),
                _ => None,
            };
            if let Some(p) = pattern {
                self.note(i, [p], false);
            }
            if matches!(name, "digest" | "update") {
                self.note(i, [], true);
            }
            // `PROFILES.get(lang)` on a constant `Map` of numbers or flags:
            // a lookup compared with the table's keys (as `T[k]` above).
            if name == "get"
                && let Some(keys) = scalar_table_keys(ctx, m.object())
            {
                self.note(i, keys, false);
                self.cmp_next = true;
                for a in &c.arguments {
                    if let Some(x) = a.as_expression() {
                        self.to(i, Val::Expr(u, x, None), step(StepKind::Arg, x.span()));
                    }
                }
                self.cmp_next = false;
                return;
            }
        }
        // `os.userInfo()` where `os` is a builtin module behind a bundler's
        // module table or another unit's `module.exports = require("os")`.
        if let (Some(m), Some(name)) = (member, method)
            && let Some(md) = module_object(prog, u, m.object())
        {
            let mut vals = Vec::new();
            modules::exports_named(prog.units, &prog.graph, md, None, &mut vals);
            for v in vals {
                if let ExportVal::Whole(eu, x) = v
                    && let Some(read) = crate::env::builtin_module_call(prog.ctx(eu), x, name, c)
                {
                    self.found(i, u, read);
                    return;
                }
            }
        }
        // A method of a value a Node built-in made (`createHash("sha1")
        // .update(h)`) is the built-in's, whatever methods of that name
        // the program defines (a bundle with its own `update` methods).
        let (fns, byname) = if member.is_some_and(|m| crate::env::is_builtin_value(ctx, m.object()))
        {
            (Vec::new(), None)
        } else {
            callees(self.eng, u, &c.callee)
        };
        if !fns.is_empty() {
            let first = match member.and_then(oxc_ast::ast::MemberExpression::static_property_name)
            {
                Some("call") => 1,
                _ => 0,
            };
            for (fu, fid, f) in fns {
                let at = Step {
                    unit: fu,
                    kind: byname.map_or(StepKind::Return, StepKind::ByName),
                    span: f.span(),
                };
                // Field-sensitive only where the callee returns object
                // literals (`return { a, b }`), whose field is one step
                // away: a node per field read of every call would multiply
                // the graph of a large bundle (Kilo Code's 32 MB unit grew
                // from 6.4 GB to over 17 GB with it).
                let field = field.filter(|_| {
                    let rs = f.returns();
                    !rs.is_empty()
                        && rs.iter().all(|r| {
                            matches!(r.without_parentheses(), Expression::ObjectExpression(_))
                        })
                });
                self.to(i, Val::Call(u, c, fu, fid, f, first, field), Some(at));
            }
            return;
        }
        // `Object.assign(t, a, b).k`: `k` of each argument, not all of them.
        if let (Some(k), Some(m), Some("assign")) = (field, member, method)
            && matches!(m.object().without_parentheses(), Expression::Identifier(o) if o.name == "Object" && prog.symbol_of(u, o).is_none())
        {
            for a in &c.arguments {
                match a {
                    Argument::SpreadElement(s) => self.to(i, Val::Expr(u, &s.argument, None), None),
                    a => {
                        if let Some(x) = a.as_expression() {
                            let at = Step {
                                unit: u,
                                kind: StepKind::Arg,
                                span: x.span(),
                            };
                            self.to(i, Val::Expr(u, x, Some(k)), Some(at));
                        }
                    }
                }
            }
            return;
        }
        // Built-ins and unknown callees: the receiver and the arguments; a
        // callback's result (`xs.some(d => h.endsWith(d))`) through its summary.
        // A predicate (`includes`, `endsWith`, `test`, …) compares.
        self.cmp_next = method.is_some_and(|n| {
            matches!(
                n,
                "includes"
                    | "startsWith"
                    | "endsWith"
                    | "test"
                    | "some"
                    | "every"
                    | "has"
                    | "match"
                    | "indexOf"
                    | "lastIndexOf"
                    | "find"
                    | "findIndex"
                    | "localeCompare"
                    | "search"
                    | "hasOwnProperty"
                    | "propertyIsEnumerable"
            )
        }) || enumerates_names(prog, u, member, method);
        if let Some(m) = member {
            self.to(i, Val::Expr(u, m.object(), None), None);
        } else if !matches!(c.callee.without_parentheses(), Expression::Identifier(_)) {
            self.to(i, Val::Expr(u, &c.callee, None), None);
        } else if let Expression::Identifier(id) = c.callee.without_parentheses() {
            if prog.symbol_of(u, id).is_none() {
                if !is_pure_global(id.name.as_str()) {
                    self.opaque(i);
                }
            } else {
                // Calling a function held in a variable or parameter
                // (`cb()`, an obfuscator's proxy `f(a, b)`): what it returns,
                // whichever function it is.
                self.to(i, Val::Expr(u, &c.callee, None), None);
            }
        }
        for a in &c.arguments {
            let Some(x) = a.as_expression() else {
                if let Argument::SpreadElement(s) = a {
                    self.to(i, Val::Expr(u, &s.argument, None), None);
                }
                continue;
            };
            if let Some(f) = FnRef::from_expr(x) {
                self.results(i, u, f, StepKind::Callback);
                continue;
            }
            self.to(i, Val::Expr(u, x, None), step(StepKind::Arg, x.span()));
        }
        self.cmp_next = false;
    }

    fn sym(&mut self, i: u32, u: UnitId, sym: SymbolId, field: Option<&'a str>) {
        let prog = self.eng.prog;
        let ctx = prog.ctx(u);
        let scoping = ctx.semantic.scoping();
        let nodes = ctx.semantic.nodes();
        let name: &'a str = scoping.symbol_name(sym);
        let decl = scoping.symbol_declaration(sym);
        if decl.index() >= nodes.len() {
            return;
        }
        let step = |kind: StepKind<'a>, span: Span| {
            Some(Step {
                unit: u,
                kind,
                span,
            })
        };
        match nodes.kind(decl) {
            AstKind::VariableDeclarator(d) => {
                if let Some(init) = &d.init {
                    match &d.id {
                        BindingPattern::BindingIdentifier(_) => {
                            self.to(
                                i,
                                Val::Expr(u, init, field),
                                step(StepKind::Var(name), d.span),
                            );
                        }
                        pattern => {
                            let key = destructured_key(pattern, sym);
                            self.to(
                                i,
                                Val::Expr(u, init, key),
                                step(StepKind::Var(name), d.span),
                            );
                        }
                    }
                } else if let AstKind::VariableDeclaration(_) = nodes.parent_kind(decl) {
                    // `for (const x of xs)`: an element of xs.
                    let decl_stmt = nodes.parent_id(decl);
                    match nodes.parent_kind(decl_stmt) {
                        AstKind::ForOfStatement(f) => self.to(
                            i,
                            Val::Expr(u, &f.right, None),
                            step(StepKind::Var(name), d.span),
                        ),
                        // `for (const k in o)`: the names `o` has (a
                        // presence test of each, as `Object.keys`).
                        AstKind::ForInStatement(f) => {
                            self.cmp_next = true;
                            self.to(
                                i,
                                Val::Expr(u, &f.right, None),
                                step(StepKind::Var(name), d.span),
                            );
                            self.cmp_next = false;
                        }
                        _ => {}
                    }
                }
            }
            AstKind::FormalParameter(p) => {
                if let Some(init) = &p.initializer {
                    self.to(
                        i,
                        Val::Expr(u, init, field),
                        step(StepKind::Param(name), p.span),
                    );
                }
                if let Some((fid, f)) = super::enclosing_fn(ctx, decl) {
                    let idx = f
                        .params()
                        .items
                        .iter()
                        .position(|x| x.span == p.span)
                        .unwrap_or(0);
                    self.to(
                        i,
                        Val::Param(u, fid, f, idx, field),
                        step(StepKind::Param(name), p.span),
                    );
                }
            }
            AstKind::FormalParameterRest(_) | AstKind::BindingRestElement(_) => {
                if let Some((fid, f)) = super::enclosing_fn(ctx, decl) {
                    self.to(
                        i,
                        Val::Param(u, fid, f, 63, None),
                        step(StepKind::Param(name), nodes.kind(decl).span()),
                    );
                }
            }
            AstKind::ImportSpecifier(_)
            | AstKind::ImportDefaultSpecifier(_)
            | AstKind::ImportNamespaceSpecifier(_) => {
                if let AstKind::ImportNamespaceSpecifier(_) = nodes.kind(decl)
                    && let Some(m) = prog.graph.target(u, nodes.parent_id(decl))
                {
                    self.to(
                        i,
                        Val::Export(m, field, None),
                        step(StepKind::Import, nodes.kind(decl).span()),
                    );
                    return;
                }
                for (_, v) in imported(prog, u, sym) {
                    self.export_val(i, v, field, nodes.kind(decl).span());
                }
                if imported(prog, u, sym).is_empty() {
                    // A package outside this program (or a builtin module).
                    self.opaque(i);
                }
            }
            AstKind::CatchParameter(_) => return,
            // A function used as a value (handed on and called later): its results.
            AstKind::Function(f) => {
                let f = FnRef::Function(f);
                self.results(i, u, f, StepKind::Return);
                return;
            }
            _ => {}
        }
        // Later writes: `x = v`, `x.k = v`, `x.push(v)`, and the tests deciding them.
        let max = self.eng.limits().max_refs;
        let refs: Vec<&oxc_semantic::Reference> = scoping
            .get_resolved_references(sym)
            .take(max.saturating_add(1))
            .collect();
        if refs.len() > max {
            self.cut(i, "max_refs");
        }
        self.eng.charge(refs.len() as u64 / 16);
        for r in refs.into_iter().take(max) {
            let rid = r.node_id();
            let parent = nodes.parent_id(rid);
            match nodes.kind(parent) {
                AstKind::AssignmentExpression(a) if r.is_write() => {
                    self.to(
                        i,
                        Val::Expr(u, &a.right, field),
                        step(StepKind::Assign(name), a.span),
                    );
                    self.to(i, Val::Ctrl(u, parent), None);
                }
                AstKind::StaticMemberExpression(m) => {
                    let k = m.property.name.as_str();
                    if field.is_some_and(|f| f != k) {
                        continue;
                    }
                    let gp = nodes.parent_id(parent);
                    match nodes.kind(gp) {
                        AstKind::AssignmentExpression(a) if a.left.span() == m.span => {
                            self.to(
                                i,
                                Val::Expr(u, &a.right, None),
                                step(StepKind::Field(k), a.span),
                            );
                            self.to(i, Val::Ctrl(u, gp), None);
                        }
                        AstKind::CallExpression(c)
                            if field.is_none()
                                && c.callee.span() == m.span
                                && matches!(
                                    k,
                                    "push" | "unshift" | "set" | "add" | "append" | "concat"
                                ) =>
                        {
                            for a in c.arguments.iter().filter_map(Argument::as_expression) {
                                self.to(i, Val::Expr(u, a, None), step(StepKind::Arg, a.span()));
                            }
                            self.to(i, Val::Ctrl(u, gp), None);
                        }
                        _ => {}
                    }
                }
                // `x[i] = v` (an array or typed array filled by index): `v`
                // is one of the values `x` holds, whichever element is read
                // later. Only for a binding made as an array: objects filled
                // by computed keys are every minified bundle's caches, and
                // linking those grew Claude Code's backward graph by a sixth
                // (1.16x the scan) for no finding.
                AstKind::ComputedMemberExpression(m)
                    if m.object.without_parentheses().span() == nodes.kind(rid).span()
                        && array_binding(ctx, sym) =>
                {
                    let gp = nodes.parent_id(parent);
                    if let AstKind::AssignmentExpression(a) = nodes.kind(gp)
                        && a.left.span() == m.span
                    {
                        self.to(
                            i,
                            Val::Expr(u, &a.right, None),
                            step(StepKind::Assign(name), a.span),
                        );
                        self.to(i, Val::Ctrl(u, gp), None);
                    }
                }
                _ => {}
            }
        }
    }

    fn export_val(&mut self, i: u32, v: ExportVal<'a>, field: Option<&'a str>, span: Span) {
        let step = |u: UnitId| {
            Some(Step {
                unit: u,
                kind: StepKind::Import,
                span,
            })
        };
        match v {
            ExportVal::Expr(eu, x) => self.to(i, Val::Expr(eu, x, field), step(eu)),
            ExportVal::Sym(su, s) => self.to(i, Val::Sym(su, s, field), step(su)),
            ExportVal::Whole(eu, x) => self.to(i, Val::Expr(eu, x, field), step(eu)),
            ExportVal::Re(m, rn) => self.to(i, Val::Export(m, rn.or(field), None), None),
        }
    }

    fn export(&mut self, i: u32, m: ModId, name: Option<&'a str>, field: Option<&'a str>) {
        let prog = self.eng.prog;
        let mut vals = Vec::new();
        modules::exports_named(prog.units, &prog.graph, m, name, &mut vals);
        if vals.is_empty() && name.is_some() {
            // `module.exports = { k: v }` read as `.k`.
            modules::exports_named(prog.units, &prog.graph, m, None, &mut vals);
            vals.retain(|v| matches!(v, ExportVal::Whole(..)));
            for v in vals {
                self.export_val(i, v, name, Span::default());
            }
            return;
        }
        for v in vals {
            if let ExportVal::Re(m, rn) = v {
                // `export { a as x } from "./m"`: `a` of `m`.
                self.to(i, Val::Export(m, rn.or(name), field), None);
                continue;
            }
            let f = if matches!(v, ExportVal::Whole(..)) {
                name.or(field)
            } else {
                field
            };
            self.export_val(i, v, f, Span::default());
        }
    }

    /// Parameter `idx` of a function from every call site of it.
    #[allow(clippy::too_many_arguments)]
    fn up(&mut self, i: u32, u: UnitId, fid: NodeId, idx: usize, field: Option<&'a str>) {
        let index = self.eng.call_index();
        let sites: Vec<CallSite<'a>> = index.sites.get(&(u, fid)).cloned().unwrap_or_default();
        // No call of it is known (only ever handed to code we do not see, or
        // stored where more functions meet than the index follows): what
        // its parameters hold is unknown.
        if sites.is_empty() {
            // A `Proxy`'s `get` trap, called by the proxy on each property
            // read: its target is the proxy's target, its key a property
            // name written in the program, its receiver the proxy.
            if let Some(n) = super::walk::proxy_of_get_trap(self.eng.prog.ctx(u), fid) {
                if idx == 0
                    && let Some(t) = n.arguments.first().and_then(Argument::as_expression)
                {
                    self.to_up(
                        i,
                        Val::Expr(u, t, field),
                        Some(Step {
                            unit: u,
                            kind: StepKind::Arg,
                            span: t.span(),
                        }),
                    );
                }
                return;
            }
            self.opaque(i);
        }
        self.g.ups.0 += 1;
        self.g.ups.1 += sites.len() as u64;
        self.eng.charge(sites.len() as u64 / 16);
        for s in &sites {
            let ctx = self.eng.prog.ctx(s.unit);
            let nodes = ctx.semantic.nodes();
            if let Some(recv) = s.callback_of {
                // The index an array method passes its callback is a
                // position, not a value of the array: a test on it (`i < 4`)
                // chooses by place whatever the elements hold.
                if is_index_param(nodes.kind(s.call), idx) {
                    continue;
                }
                self.to_up(
                    i,
                    Val::Expr(s.unit, recv, None),
                    Some(Step {
                        unit: s.unit,
                        kind: StepKind::Callback,
                        span: recv.span(),
                    }),
                );
                continue;
            }
            let args = match nodes.kind(s.call) {
                // `o.k = v` calling a setter `set k(v)`.
                AstKind::AssignmentExpression(a) => {
                    if idx == 0 {
                        let kind = if s.unproven {
                            StepKind::ByName("")
                        } else {
                            StepKind::Arg
                        };
                        self.to_up(
                            i,
                            Val::Expr(s.unit, &a.right, field),
                            Some(Step {
                                unit: s.unit,
                                kind,
                                span: a.right.span(),
                            }),
                        );
                    }
                    continue;
                }
                AstKind::CallExpression(c) => &c.arguments,
                AstKind::NewExpression(n) => &n.arguments,
                AstKind::TaggedTemplateExpression(t) => {
                    // tag(strings, ...values)
                    if idx >= 1
                        && let Some(x) = t.quasi.expressions.get(idx - 1)
                    {
                        self.to_up(
                            i,
                            Val::Expr(s.unit, x, field),
                            Some(Step {
                                unit: s.unit,
                                kind: StepKind::Arg,
                                span: x.span(),
                            }),
                        );
                    }
                    continue;
                }
                _ => continue,
            };
            let Some(first) = s.first_arg else {
                // `f.apply(this, args)`
                if let Some(a) = args.get(1).and_then(Argument::as_expression) {
                    self.to_up(
                        i,
                        Val::Expr(s.unit, a, field),
                        Some(Step {
                            unit: s.unit,
                            kind: StepKind::Arg,
                            span: a.span(),
                        }),
                    );
                }
                continue;
            };
            if idx == 63 {
                // A rest parameter or `arguments` with no call in hand
                // gathers every argument of every caller of a forwarding
                // wrapper: a join, like one by name, not a proven path.
                for a in args.iter().skip(first).filter_map(Argument::as_expression) {
                    self.to_up(
                        i,
                        Val::Expr(s.unit, a, field),
                        Some(Step {
                            unit: s.unit,
                            kind: StepKind::ByName(""),
                            span: a.span(),
                        }),
                    );
                }
            } else if let Some(a) = args.get(idx + first).and_then(Argument::as_expression) {
                let kind = if s.unproven {
                    StepKind::ByName("")
                } else {
                    StepKind::Arg
                };
                self.to_up(
                    i,
                    Val::Expr(s.unit, a, field),
                    Some(Step {
                        unit: s.unit,
                        kind,
                        span: a.span(),
                    }),
                );
            }
        }
    }

    fn owner(&mut self, i: u32, u: UnitId, owner: NodeId, k: &'a str, field: Option<&'a str>) {
        let ctx = self.eng.prog.ctx(u);
        let nodes = ctx.semantic.nodes();
        let _span = nodes.kind(owner).span();
        let step = |kind: StepKind<'a>, span: Span| {
            Some(Step {
                unit: u,
                kind,
                span,
            })
        };
        if let Some(name) = k.strip_prefix('#') {
            self.private_owner_writes(i, u, owner, name, field);
            return;
        }
        // Fields, getters and object-literal values named k.
        match nodes.kind(owner) {
            AstKind::Class(c) => {
                for el in &c.body.body {
                    match el {
                        oxc_ast::ast::ClassElement::PropertyDefinition(p)
                            if super::names::property_key_name(&p.key) == Some(k) =>
                        {
                            if let Some(v) = &p.value {
                                self.to(
                                    i,
                                    Val::Expr(u, v, field),
                                    step(StepKind::Field(k), p.span),
                                );
                            }
                        }
                        oxc_ast::ast::ClassElement::MethodDefinition(m)
                            if super::names::property_key_name(&m.key) == Some(k)
                                && m.kind == oxc_ast::ast::MethodDefinitionKind::Get =>
                        {
                            // A getter read as `o.k.f`: `f` of what it returns.
                            let f = FnRef::Function(&m.value);
                            for r in f.returns() {
                                self.to(i, Val::Expr(u, r, field), step(StepKind::Return, m.span));
                            }
                        }
                        _ => {}
                    }
                }
            }
            AstKind::ObjectExpression(o) => {
                for p in &o.properties {
                    if let ObjectPropertyKind::ObjectProperty(p) = p
                        && super::names::property_key_name(&p.key) == Some(k)
                    {
                        if let (PropertyKind::Get, Some(f)) = (p.kind, FnRef::from_expr(&p.value)) {
                            for r in f.returns() {
                                self.to(i, Val::Expr(u, r, field), step(StepKind::Return, p.span));
                            }
                        } else {
                            self.to(
                                i,
                                Val::Expr(u, &p.value, field),
                                step(StepKind::Field(k), p.span),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
        // `this.k = v` inside the owner.
        let members = self.eng.this_members_of(u, owner);
        for &id in members.get(k).map_or(&[][..], Vec::as_slice) {
            let parent = nodes.parent_id(id);
            if let AstKind::AssignmentExpression(a) = nodes.kind(parent)
                && a.left.span() == nodes.kind(id).span()
            {
                self.to(
                    i,
                    Val::Expr(u, &a.right, field),
                    step(StepKind::Field(k), a.span),
                );
                self.to(i, Val::Ctrl(u, parent), None);
            }
        }
        // `inst.k = v` outside: by name.
        self.to(i, Val::Name(u, k), None);
    }
}

impl<'a> Expand<'_, '_, '_, 'a, '_> {
    /// Private field `#name` of class `owner`: its declaration's value and
    /// every assignment of `#name` in the class (on any receiver), exactly.
    fn private_owner_writes(
        &mut self,
        i: u32,
        u: UnitId,
        owner: NodeId,
        name: &'a str,
        field: Option<&'a str>,
    ) {
        let ctx = self.eng.prog.ctx(u);
        let nodes = ctx.semantic.nodes();
        let AstKind::Class(c) = nodes.kind(owner) else {
            return;
        };
        for el in &c.body.body {
            if let oxc_ast::ast::ClassElement::PropertyDefinition(p) = el
                && matches!(&p.key, PropertyKey::PrivateIdentifier(x) if x.name == name)
                && let Some(v) = &p.value
            {
                self.to(
                    i,
                    Val::Expr(u, v, field),
                    Some(Step {
                        unit: u,
                        kind: StepKind::Field(name),
                        span: p.span,
                    }),
                );
            }
        }
        let span = c.span;
        let start = owner.index() + 1;
        let end = nodes.len().min(start + super::walk::MAX_OWNER_SCAN);
        self.eng.charge((end - start) as u64 / 64);
        for idx in start..end {
            let id = NodeId::from_usize(idx);
            let kind = nodes.kind(id);
            if kind.span().start > span.end {
                break;
            }
            let AstKind::AssignmentExpression(a) = kind else {
                continue;
            };
            if let Some(SimpleAssignmentTarget::PrivateFieldExpression(m)) =
                a.left.as_simple_assignment_target()
                && m.field.name == name
                && super::walk::private_owner(ctx, id, name) == Some(owner)
            {
                self.to(
                    i,
                    Val::Expr(u, &a.right, field),
                    Some(Step {
                        unit: u,
                        kind: StepKind::Field(name),
                        span: a.span,
                    }),
                );
                self.to(i, Val::Ctrl(u, id), None);
            }
        }
    }
}

/// `Object.keys(o)`, `Object.getOwnPropertyNames(o)`, `Reflect.ownKeys(o)`,
/// `Object.hasOwn(o, k)`: what comes out is which names `o` has, not
/// what it holds — a presence test of each name, however the result is
/// used after (counted, filtered, folded into a bitmask). A value derived
/// from it is a choice about the object (which variables are set), not
/// the object's data passed along.
fn enumerates_names(
    prog: &super::Program<'_, '_>,
    u: UnitId,
    member: Option<&oxc_ast::ast::MemberExpression<'_>>,
    method: Option<&str>,
) -> bool {
    let (Some(m), Some(name)) = (member, method) else {
        return false;
    };
    let Expression::Identifier(g) = m.object().without_parentheses() else {
        return false;
    };
    if prog.symbol_of(u, g).is_some() {
        return false;
    }
    matches!(
        (g.name.as_str(), name),
        ("Object", "keys" | "getOwnPropertyNames" | "hasOwn") | ("Reflect", "ownKeys")
    )
}

/// Functions a callee expression denotes (bound, inline, imported, `this.m`, methods by name).
///
/// Methods found by name only (the receiver is unknown) are all of them,
/// however many: the graph is shared, so each is followed once for the
/// program; more than `max_writers` of them is a join by name (unproven),
/// not a call we can tell.
fn callees<'a>(
    eng: &Engine<'_, '_, 'a>,
    u: UnitId,
    callee: &'a Expression<'a>,
) -> (Vec<(UnitId, NodeId, FnRef<'a>)>, Option<&'a str>) {
    // `(0, m.f)(…)`: how tsc, esbuild and Babel call an imported binding
    // without `this` — a call of `m.f` itself (the leading operands are
    // side-effect-free literals), so its result is `f`'s return, not an
    // unknown call's mix of its arguments. Backward only: the forward walk
    // reaches such a call's result through the call index already, and
    // entering every such callee from its arguments multiplied its states
    // on large compiled bundles.
    let callee = super::walk::indirect_callee(callee);
    let outer = eng.take_cut();
    let fns = super::walk::callee_functions(eng, u, callee);
    let inner = eng.take_cut();
    if let Some(c) = outer {
        eng.note_cut(c);
    }
    if inner == Some("max_writers") {
        let e = match callee.without_parentheses() {
            Expression::StaticMemberExpression(m)
                if matches!(m.property.name.as_str(), "call" | "apply" | "bind") =>
            {
                &m.object
            }
            e => e,
        };
        if let Expression::StaticMemberExpression(m) = e.without_parentheses() {
            let name = m.property.name.as_str();
            let all = eng.prog.names[u as usize]
                .methods(name, usize::MAX)
                .unwrap_or_default();
            return (
                all.into_iter().map(|f| (u, f.node_id(), f)).collect(),
                Some(name),
            );
        }
    } else if let Some(c) = inner {
        eng.note_cut(c);
    }
    (fns, None)
}

/// The class node `new X(…)` instantiates, if X is a local class.
pub(crate) fn class_of(
    prog: &super::Program<'_, '_>,
    u: UnitId,
    callee: &Expression<'_>,
) -> Option<NodeId> {
    let Expression::Identifier(id) = callee.without_parentheses() else {
        return None;
    };
    class_declared_by(prog, u, prog.symbol_of(u, id)?)
}

/// The class node a binding declares: `class X {}` or `const X = class {}`.
fn class_declared_by(prog: &super::Program<'_, '_>, u: UnitId, sym: SymbolId) -> Option<NodeId> {
    let ctx = prog.ctx(u);
    let nodes = ctx.semantic.nodes();
    let decl = ctx.semantic.scoping().symbol_declaration(sym);
    if decl.index() >= nodes.len() {
        return None;
    }
    match nodes.kind(decl) {
        AstKind::Class(_) => Some(decl),
        AstKind::VariableDeclarator(d) => match d.init.as_ref()?.without_parentheses() {
            Expression::ClassExpression(c) => Some(c.node_id.get()),
            _ => None,
        },
        _ => None,
    }
}

/// The class `new X(…)` instantiates with the unit that declares it: a local
/// class, or one imported from another module (`new mod.X()` with `mod =
/// require("./x")`, `const { X } = require(…)`, `import { X } from …`,
/// `exports.X = X`, `export class X`, a re-export).
pub(crate) fn class_of_unit(
    prog: &super::Program<'_, '_>,
    u: UnitId,
    callee: &Expression<'_>,
) -> Option<(UnitId, NodeId)> {
    if let Some(c) = class_of(prog, u, callee) {
        return Some((u, c));
    }
    let vals: Vec<ExportVal<'_>> = match callee.without_parentheses() {
        Expression::Identifier(id) => {
            let sym = prog.symbol_of(u, id)?;
            imported(prog, u, sym).into_iter().map(|(_, v)| v).collect()
        }
        Expression::StaticMemberExpression(m) => {
            let md = module_object(prog, u, &m.object)?;
            super::walk::exports_by_name(prog, md, m.property.name.as_str(), false)
        }
        _ => return None,
    };
    vals.into_iter().find_map(|v| exported_class(prog, v, 0))
}

/// The class an export value is (`ExportVal::Re` followed a few hops).
fn exported_class(
    prog: &super::Program<'_, '_>,
    v: ExportVal<'_>,
    depth: u8,
) -> Option<(UnitId, NodeId)> {
    match v {
        ExportVal::Sym(su, s) => class_declared_by(prog, su, s).map(|c| (su, c)),
        ExportVal::Expr(su, x) | ExportVal::Whole(su, x) => match x.without_parentheses() {
            Expression::ClassExpression(c) => Some((su, c.node_id.get())),
            e => class_of(prog, su, e).map(|c| (su, c)),
        },
        ExportVal::Re(m, rn) if depth < 4 => {
            let mut vals = Vec::new();
            modules::exports_named(prog.units, &prog.graph, m, rn, &mut vals);
            vals.into_iter()
                .find_map(|v| exported_class(prog, v, depth + 1))
        }
        ExportVal::Re(..) => None,
    }
}

/// Is the object of a member expression something whose fields we can follow
/// exactly (a local object literal, `this`, a module)?
pub(crate) fn owner_is_known(
    prog: &super::Program<'_, '_>,
    u: UnitId,
    obj: &Expression<'_>,
) -> bool {
    match obj.without_parentheses() {
        Expression::ThisExpression(_) | Expression::ObjectExpression(_) => true,
        Expression::Identifier(id) => {
            let Some(sym) = prog.symbol_of(u, id) else {
                return true;
            };
            let ctx = prog.ctx(u);
            let nodes = ctx.semantic.nodes();
            let decl = ctx.semantic.scoping().symbol_declaration(sym);
            decl.index() < nodes.len()
                && match nodes.kind(decl) {
                    AstKind::VariableDeclarator(d) => d.init.as_ref().is_some_and(|i| {
                        matches!(
                            i.without_parentheses(),
                            Expression::ObjectExpression(_)
                                | Expression::NewExpression(_)
                                | Expression::CallExpression(_)
                        )
                    }),
                    AstKind::ImportSpecifier(_)
                    | AstKind::ImportDefaultSpecifier(_)
                    | AstKind::ImportNamespaceSpecifier(_) => true,
                    _ => false,
                }
        }
        _ => false,
    }
}

fn is_pure_global(name: &str) -> bool {
    matches!(
        name,
        "String"
            | "Number"
            | "Boolean"
            | "parseInt"
            | "parseFloat"
            | "encodeURIComponent"
            | "decodeURIComponent"
            | "encodeURI"
            | "decodeURI"
            | "atob"
            | "btoa"
            | "escape"
            | "unescape"
            | "isNaN"
            | "isFinite"
            | "Array"
            | "Object"
            | "Symbol"
            | "BigInt"
            | "require"
            | "structuredClone"
    )
}

/// The property key a symbol is bound under in a destructuring pattern.
fn destructured_key<'a>(pattern: &'a BindingPattern<'a>, sym: SymbolId) -> Option<&'a str> {
    let BindingPattern::ObjectPattern(obj) = pattern else {
        return None;
    };
    for prop in &obj.properties {
        let target = match &prop.value {
            BindingPattern::AssignmentPattern(a) => &a.left,
            v => v,
        };
        if let BindingPattern::BindingIdentifier(b) = target
            && b.symbol_id.get() == Some(sym)
        {
            return super::names::property_key_name(&prop.key);
        }
    }
    None
}

/// A regular expression literal, or a binding of one, written as `/pattern/flags`.
fn regex_constant<'a>(ctx: &crate::context::Ctx<'a>, e: &'a Expression<'a>) -> Option<String> {
    let e = crate::covert::const_init(ctx, e).unwrap_or(e);
    match e.without_parentheses() {
        Expression::RegExpLiteral(r) => {
            Some(format!("/{}/{}", r.regex.pattern.text, r.regex.flags))
        }
        _ => None,
    }
}

/// Is parameter `idx` of a callback handed to this call the element's
/// index (`xs.map((x, i) => …)`, `xs.reduce((acc, x, i) => …)`)?
fn is_index_param(call: AstKind<'_>, idx: usize) -> bool {
    let AstKind::CallExpression(c) = call else {
        return false;
    };
    let Some(m) = c
        .callee
        .without_parentheses()
        .as_member_expression()
        .and_then(oxc_ast::ast::MemberExpression::static_property_name)
    else {
        return false;
    };
    match m {
        "map" | "forEach" | "filter" | "some" | "every" | "find" | "findIndex" | "findLast"
        | "findLastIndex" | "flatMap" => idx == 1,
        "reduce" | "reduceRight" => idx == 2,
        _ => false,
    }
}

/// Is `sym` a binding made as an array: `[…]`, `new Array(n)`, `Array(n)`,
/// `Array.from(…)` / `Array.of(…)`, a typed array (`new Uint8Array(n)`), or
/// one of these through `.fill(…)` / `.map(…)` / `.slice(…)` / `.concat(…)`?
fn array_binding(ctx: &crate::context::Ctx<'_>, sym: SymbolId) -> bool {
    fn array_expr(e: &Expression<'_>) -> bool {
        let named_array = |callee: &Expression<'_>| {
            matches!(callee.without_parentheses(), Expression::Identifier(id)
                if id.name.as_str() == "Array" || id.name.as_str().ends_with("Array"))
        };
        match e.without_parentheses() {
            Expression::ArrayExpression(_) => true,
            Expression::NewExpression(n) => named_array(&n.callee),
            Expression::CallExpression(c) => {
                if named_array(&c.callee) {
                    return true;
                }
                let Some(m) = c.callee.without_parentheses().as_member_expression() else {
                    return false;
                };
                match m.static_property_name() {
                    Some("from" | "of") => named_array(m.object()),
                    Some("fill" | "map" | "slice" | "concat" | "filter") => array_expr(m.object()),
                    _ => false,
                }
            }
            _ => false,
        }
    }
    let decl = ctx.semantic.scoping().symbol_declaration(sym);
    let nodes = ctx.semantic.nodes();
    if decl.index() >= nodes.len() {
        return false;
    }
    match nodes.kind(decl) {
        AstKind::VariableDeclarator(d) => d.init.as_ref().is_some_and(array_expr),
        _ => false,
    }
}

/// The keys of a constant table whose values are all numbers or booleans
/// (an object literal, or `new Map([[k, v], …])`, directly or through a
/// constant binding), at least two entries: a lookup in it picks a
/// parameter by key — a switch over the keys — not text the key names.
/// Tables of text (translations, format strings) are not this.
fn scalar_table_keys(ctx: &crate::context::Ctx<'_>, t: &Expression<'_>) -> Option<Vec<String>> {
    let t = crate::covert::const_init(ctx, t)?;
    let scalar = |v: &Expression<'_>| match v.without_parentheses() {
        Expression::NumericLiteral(_) | Expression::BooleanLiteral(_) => true,
        Expression::UnaryExpression(x) => {
            matches!(
                x.argument.without_parentheses(),
                Expression::NumericLiteral(_)
            )
        }
        _ => false,
    };
    let mut keys = Vec::new();
    match t.without_parentheses() {
        Expression::ObjectExpression(o) => {
            for p in &o.properties {
                let oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p) = p else {
                    return None;
                };
                if !scalar(&p.value) {
                    return None;
                }
                keys.push(p.key.static_name()?.to_string());
            }
        }
        Expression::NewExpression(n) if matches!(n.callee.without_parentheses(), Expression::Identifier(id) if id.name == "Map") =>
        {
            let Some(Expression::ArrayExpression(a)) =
                n.arguments.first().and_then(Argument::as_expression)
            else {
                return None;
            };
            for el in &a.elements {
                let Some(Expression::ArrayExpression(kv)) = el.as_expression() else {
                    return None;
                };
                let (Some(k), Some(v)) = (
                    kv.elements.first().and_then(|e| e.as_expression()),
                    kv.elements.get(1).and_then(|e| e.as_expression()),
                ) else {
                    return None;
                };
                let Expression::StringLiteral(k) = k.without_parentheses() else {
                    return None;
                };
                if kv.elements.len() != 2 || !scalar(v) {
                    return None;
                }
                keys.push(k.value.to_string());
            }
        }
        _ => return None,
    }
    (keys.len() >= 2).then_some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two property names whose 32-bit FNV-1a hashes collide (found by a
    /// birthday search) are two nodes, not one: a node's identity holds
    /// the name's exact id, so input cannot merge a value into another
    /// whose dependencies are then never expanded.
    #[test]
    fn colliding_names_stay_distinct_nodes() {
        let (a, b) = ("k7e827", "ka4bb0");
        assert_eq!(
            super::super::names::hash_name(a),
            super::super::names::hash_name(b)
        );
        let mut g = Graph::default();
        let na = g.node(Val::Name(0, a));
        let nb = g.node(Val::Name(0, b));
        assert_ne!(na, nb);
        assert_eq!(g.node(Val::Name(0, a)), na);
        assert_ne!(g.key(&Val::Name(0, a)), g.key(&Val::Name(0, b)));
    }
}
