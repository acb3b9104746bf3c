//! Forward value flow: where does the value produced at a node go?
//!
//! A [`Walker`] starts from nodes whose value it tracks and moves up the
//! syntax tree, into the variables, fields, parameters and modules the value
//! is stored in, and back out through returns, one [`State`] per place. A
//! state carries
//! - a *field path* (the tracked value sits at `obj.a[i]…` of the value at
//!   hand: pushed when it is put into an object or array, popped when that
//!   field is read, so flows are field-sensitive where the program is);
//! - the *call frames* entered through parameters, so a return goes back to
//!   the call it came from (one level of context per frame; deeper calls are
//!   context-insensitive).
//!
//! Two modes share the moves:
//! - [`Mode::Carrier`] follows imperceptible text and reports the decisions
//!   that select it and the sinks it reaches;
//! - [`Mode::Callee`] followed a *function value* to the places it is called;
//!   nothing starts it any more: call sites come from the program-wide index
//!   of `fnvals` (function values followed once for the whole program).
//!
//! The walk is a breadth-first search over states with a visited set and a
//! step budget; it never recurses over the tree. A return without a frame
//! asks for the function's callers (from the index, memoised in the
//! [`Engine`]).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::rc::Rc;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, AssignmentOperator, AssignmentTarget, BinaryOperator, BindingPattern, CallExpression,
    Expression, LogicalOperator, PropertyKind,
};
use oxc_semantic::{NodeId, SymbolId};
use oxc_span::{GetSpan, Span};

use super::modules::{self, ExportVal, ModId};
use super::{Control, FnRef, Program, UnitId, nid};
use crate::context::Ctx;

/// Calls of one function a carrier walk keeps apart (one call frame each,
/// so a return goes back to its own call). Entered from more calls, the
/// function is walked once more without a frame, its returns going to every
/// caller, and what lies beyond is unproven: a hub called from hundreds of
/// places costs the walk one pass over its body instead of one per call, so
/// the walk ends (was: cut by the pool on Claude Code's `cli.js`).
const MAX_CONTEXTS: u32 = 8;

/// Deepest field path followed.
const MAX_FIELDS: usize = 4;
/// Precision, k-limited: distinct (field path, call frame) variants one
/// walk keeps apart at one node. Past `k` variants a further one keeps only
/// the field read next precise (`[Any, f]`: the rest of its path collapsed,
/// [`Field::Any`]; its frame kept); past `2k` its frame is dropped too
/// (context-insensitive: its returns go to every caller). Its way on is
/// unproven, and a sink reached only so is no evidence (an open end). A
/// sound over-approximation, not a cut: every use is still followed, and a
/// walk holds at most `2k` states per node plus one per field read next,
/// instead of one per field path and calling context (React compiler memo
/// arrays `$[n]` made 27 k states over 555 nodes of Claude Code's `cli.js`;
/// merge sites 13 states a node).
pub(crate) const MAX_FIELD_PATHS: u8 = 4;
/// Pushes (states offered to the walk, new or already seen) charged as one
/// step: a step that offers every reference of a binding is real work even
/// when most of them were seen.
const PUSHES_PER_STEP: u32 = 4;
/// Call frames kept (deeper calls are context-insensitive).
const MAX_FRAMES: usize = 8;
/// Conditional writes of a place listed as decisions when the tracked write
/// of it is unconditional (`other_writes` lists at most `max_writers`).
const MAX_CONTROLLED_WRITES: usize = 8;
/// Nodes of a class or object scanned for `this.x`.
pub(crate) const MAX_OWNER_SCAN: usize = 200_000;

/// Object keys whose value is sent to a model or over the wire.
pub(crate) const SINK_KEYS: &[&str] = &[
    "system",
    "messages",
    "content",
    "contents",
    "prompt",
    "instructions",
    "input",
    "text",
    "body",
    "parts",
    "systemInstruction",
    "system_prompt",
    "systemPrompt",
    "query",
];

/// Calls that send or serialise their argument.
const SINK_CALLS: &[&str] = &[
    "fetch",
    "request",
    "write",
    "send",
    "post",
    "put",
    "patch",
    "end",
    "stringify",
    "sendMessage",
    "postMessage",
    "generateContent",
];

/// The name an object literal's entry under a computed key (`{ [k]: v }`)
/// is tracked under: a static read of any name may be it (not a valid
/// identifier, so no real read is spelled so).
pub(crate) const COMPUTED_KEY: &str = "[computed]";

/// `{ [0]: v }`, `{ [i + 1]: v }`: a numeric key (an index, as an array's).
fn is_number_key(key: &oxc_ast::ast::PropertyKey<'_>) -> bool {
    matches!(
        key.as_expression().map(Expression::without_parentheses),
        Some(Expression::NumericLiteral(_) | Expression::BinaryExpression(_))
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Field<'a> {
    Name(&'a str),
    Elem,
    /// Field-insensitive (collapsed, see [`MAX_FIELD_PATHS`]): the value
    /// itself or anything reachable from it. Absorbs pushes; a pop or a
    /// read of any field leaves it in place.
    Any,
}

impl Field<'_> {
    /// An element, or possibly one (collapsed).
    pub fn is_elem_like(self) -> bool {
        matches!(self, Field::Elem | Field::Any)
    }
}

/// A field path, the next field read last: inline, copied with the state
/// (no allocation per state). Its first item may be [`Field::Any`]: the
/// fields below the ones kept, collapsed (k-limited access paths: the
/// fields read first stay precise, the rest is summarised).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct Fields<'a> {
    items: [Option<Field<'a>>; MAX_FIELDS],
    len: u8,
}

impl<'a> Fields<'a> {
    // Used by the callee mode, which nothing starts since call sites come
    // from `fnvals` (kept until that mode's branches are removed).
    #[allow(dead_code)]
    pub fn one(f: Field<'a>) -> Self {
        let mut x = Fields::default();
        x.push(f);
        x
    }
    /// The wholly collapsed, field-insensitive path.
    pub fn any() -> Self {
        let mut x = Fields::default();
        x.items[0] = Some(Field::Any);
        x.len = 1;
        x
    }
    /// Is this the wholly collapsed path (only [`Field::Any`])?
    pub fn is_any(&self) -> bool {
        self.len == 1 && self.items[0] == Some(Field::Any)
    }
    /// Does the path end in a collapsed part?
    pub fn has_any(&self) -> bool {
        self.len > 0 && self.items[0] == Some(Field::Any)
    }
    /// Empty, or wholly collapsed (which may be the value itself).
    pub fn maybe_empty(&self) -> bool {
        self.is_empty() || self.is_any()
    }
    /// The path with only the next field read kept precise, the rest
    /// collapsed: `[Any, top]` (an empty or wholly collapsed one as it is).
    pub fn collapsed_to_top(&self) -> Self {
        match self.last().copied() {
            Some(f) if f != Field::Any => {
                let mut x = Fields::any();
                x.items[1] = Some(f);
                x.len = 2;
                x
            }
            _ => *self,
        }
    }
    /// Pushes a field; past [`MAX_FIELDS`] the field read last is folded
    /// into the collapsed part (over-approximated, never dropped).
    pub fn push(&mut self, f: Field<'a>) {
        if f == Field::Any {
            *self = Fields::any();
            return;
        }
        if (self.len as usize) < MAX_FIELDS {
            self.items[self.len as usize] = Some(f);
            self.len += 1;
        } else {
            // [a, b, c, d] + e → [Any, c, d, e]
            let n = MAX_FIELDS;
            self.items.copy_within(2..n, 1);
            self.items[0] = Some(Field::Any);
            self.items[n - 1] = Some(f);
        }
    }
    /// Pops the field read next; the wholly collapsed path answers
    /// [`Field::Any`] and stays as it is.
    pub fn pop(&mut self) -> Option<Field<'a>> {
        if self.is_any() {
            return Some(Field::Any);
        }
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        self.items[self.len as usize].take()
    }
    pub fn last(&self) -> Option<&Field<'a>> {
        self.items[..self.len as usize]
            .last()
            .and_then(Option::as_ref)
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn clear(&mut self) {
        *self = Fields::default();
    }
    pub fn truncate(&mut self, n: usize) {
        while self.len() > n && !self.is_any() {
            self.pop();
        }
    }
    pub fn get(&self, i: usize) -> Option<Field<'a>> {
        if i < self.len() { self.items[i] } else { None }
    }
}

/// The call frames of a state: a persistent stack shared between states
/// (a push or pop allocates one node; a copy is a reference count).
#[derive(Clone, Debug, Default)]
pub(crate) struct FrameStack(Option<Rc<FrameNode>>);

#[derive(Debug)]
struct FrameNode {
    frame: Frame,
    parent: Option<Rc<FrameNode>>,
    depth: usize,
}

impl FrameStack {
    pub fn last(&self) -> Option<&Frame> {
        self.0.as_ref().map(|n| &n.frame)
    }
    pub fn pop(&mut self) -> Option<Frame> {
        let n = self.0.take()?;
        self.0.clone_from(&n.parent);
        Some(n.frame)
    }
    pub fn push(&mut self, frame: Frame) {
        let depth = self.len() + 1;
        self.0 = Some(Rc::new(FrameNode {
            frame,
            parent: self.0.take(),
            depth,
        }));
    }
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.depth)
    }
    /// Outermost first.
    pub fn to_vec(&self) -> Vec<Frame> {
        let mut v = Vec::with_capacity(self.len());
        let mut at = self.0.as_ref();
        while let Some(n) = at {
            v.push(n.frame);
            at = n.parent.as_ref();
        }
        v.reverse();
        v
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FrameKind {
    /// A user function entered through a parameter.
    User,
    /// `xs.map(cb)` and friends: cb's return is an element of the call's result.
    Map,
    /// `p.then(cb)`, `xs.reduce(cb)`: cb's return is the call's result.
    Result,
    /// `xs.forEach(cb)`: cb's return is dropped.
    Drop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Frame {
    pub unit: UnitId,
    pub call: NodeId,
    pub func: NodeId,
    pub kind: FrameKind,
}

/// How a state was reached from its predecessor (evidence).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Hop<'a> {
    Start,
    Up,
    Var(&'a str, Span),
    Param(&'a str, Span),
    Return(Span),
    Caller(Span),
    Field(&'a str, Span),

    Import(Span),
    Callback(Span),
    ByName(&'a str, Span),
    Unknown(Span),
    /// Into a function this walk already entered from
    /// [`MAX_CONTEXTS`] other calls: entered without its call frame, so its
    /// returns go to every caller (context merged; unproven).
    Merged(&'a str, Span),
    /// Returned by a function the runtime calls and put at a field of a
    /// result it builds, which field not known: a `Proxy`'s `get` trap
    /// (every property read through the proxy), a `JSON.parse` reviver
    /// (a value of the parsed tree). The field path is collapsed by what
    /// the runtime does, not by a budget: not unproven.
    Placed(Span),
}

impl Hop<'_> {
    pub fn unproven(self) -> bool {
        matches!(self, Hop::ByName(..) | Hop::Unknown(_) | Hop::Merged(..))
    }
}

pub(crate) struct State<'a> {
    pub unit: UnitId,
    pub node: NodeId,
    pub fields: Fields<'a>,
    pub frames: FrameStack,
    pub parent: u32,
    pub hop: Hop<'a>,
    /// Reached a node past [`MAX_FIELD_PATHS`] variants: its fields were
    /// collapsed to [`Field::Any`], so what lies beyond is unproven.
    pub collapsed: bool,
    /// A join by name ([`Hop::ByName`]) lies on the way here: a second one
    /// is not taken (see [`Walker::push`]).
    pub guessed: bool,
}

impl State<'_> {
    /// Is the way into this state unproven (a join by name, an unknown
    /// call, a merged context, a collapsed field path)?
    pub fn unproven(&self) -> bool {
        self.collapsed || self.hop.unproven()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    Carrier,
    Callee,
}

/// What decides between the tracked value and its alternatives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Test<'a> {
    Control(Control<'a>),
    /// `find`/`filter` predicate: its returns decide.
    Predicate(FnRef<'a>),
    /// A key, index or count computed from data.
    Key(&'a Expression<'a>),
    /// Code points computed from data (`fromCodePoint(0xE0000 + c)`), a repetition count.
    Data(&'a Expression<'a>),
    /// The tests deciding whether this node runs (its control dependences),
    /// listed when the decision is judged.
    Controls(NodeId),
}

impl Test<'_> {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Test::Control(Control::Test(_)) => "test",
            Test::Control(Control::Switch(_)) => "switch",
            Test::Control(Control::Loop(_)) => "loop",
            Test::Predicate(_) => "predicate",
            Test::Key(_) => "key",
            Test::Data(_) => "data",
            Test::Controls(_) => "controls",
        }
    }
}

/// The other side of a decision.
#[derive(Clone, Debug)]
pub(crate) enum Alts<'a> {
    /// Values produced on the other paths.
    Exprs(Vec<&'a Expression<'a>>),
    /// Nothing (the text is inserted or not).
    Empty,
    /// A `.replace` pattern's literal text.
    Text(String),
    /// Data encoded by construction (alphabet or arithmetic).
    Encoding,
}

#[derive(Clone, Debug)]
pub(crate) struct Decision<'a> {
    pub unit: UnitId,
    /// The merge point: conditional, function (its returns), variable
    /// declarator (its writes), table look-up, call.
    pub site: NodeId,
    pub test: Test<'a>,
    pub alts: Alts<'a>,
    /// The node whose value is the tracked side at the merge point.
    pub chosen: NodeId,
    /// The unit `chosen` is in: the tracked value may still be in the module
    /// it came from when the merge point is in the one importing it.
    pub chosen_unit: UnitId,
    /// Call frames entered on the way (outermost first), for the trace back.
    pub frames: Vec<Frame>,
    pub state: u32,
    /// Made by the seed itself (a computed code point, chosen formatter
    /// options), not found on the way.
    pub synthetic: bool,
    /// `chosen` holds the tracked value itself (no field path, not yet
    /// combined with anything): where it cannot be rendered (a parameter, a
    /// call's result), its text is the carrier's.
    pub whole: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct SinkHit {
    pub unit: UnitId,
    pub what: String,
    pub span: Span,
    /// Prose around the text, an export: not proof that it leaves the process.
    pub soft: bool,
}

/// A call site found by a callee walk.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallSite<'a> {
    pub unit: UnitId,
    pub call: NodeId,
    /// Index of the function's first parameter among the call's arguments
    /// (1 for `f.call(this, …)`); `None` for `f.apply(this, args)`.
    pub first_arg: Option<usize>,
    /// Passed to a built-in that calls it back (`xs.map(f)`, `p.then(f)`):
    /// the call, and the receiver whose elements / value become the parameters.
    pub callback_of: Option<&'a Expression<'a>>,
    pub unproven: bool,
}

#[derive(Default)]
pub(crate) struct Callers<'a> {
    pub sites: Vec<CallSite<'a>>,
}

/// Shared state of one analysis: the program and memo tables.
pub(crate) struct Engine<'p, 'c, 'a> {
    pub prog: &'p Program<'c, 'a>,
    callers: RefCell<HashMap<(UnitId, NodeId), Rc<Callers<'a>>>>,
    /// The program's value-dependence graph (the backward side), built once.
    pub(crate) backward: RefCell<super::taint::Graph<'a>>,
    /// Every call site of every function, function values followed
    /// (`fnvals`), built once: both sides' callers come from it.
    pub(crate) calls: RefCell<Option<Rc<super::fnvals::CallIndex<'a>>>>,
    /// `this.k` / `super.k` members of a class or object literal, by name.
    this_members: RefCell<HashMap<(UnitId, NodeId), ThisMembers<'a>>>,
    /// The limits in force: the configured ones scaled by the round (see
    /// [`Engine::set_round`]).
    limits: Cell<super::FlowLimits>,
    /// The configured limits.
    pub(crate) base: super::FlowLimits,
    /// The round's scale of the step limits (1, 4, 16, …).
    scale: Cell<u32>,
    /// Steps left in the whole program's pool (every walk, call-graph walk,
    /// backward search and summary step, and every bulk loop over program
    /// data, is charged to it).
    pool: Cell<u64>,
    /// Steps left to the site being analysed in this round (its share).
    share: Cell<u64>,
    /// Steps of its own left to the site being analysed (first round,
    /// `FlowLimits::site_steps`): spent before its share of the pool.
    own: Cell<u64>,
    /// Steps charged in all.
    pub(crate) spent: Cell<u64>,
    /// The first limit reached since [`Engine::take_cut`]: the site being
    /// analysed is incomplete.
    cut: Cell<Option<&'static str>>,
    /// Carrier-walk states whose whole downstream a *complete* site has
    /// already explored (decisions judged and traced, nothing cut), with
    /// what lies beyond them: a later site's walk that reaches one stops
    /// there and takes the summary (see [`Walker::push`]).
    shared: RefCell<HashMap<(UnitId, NodeId, u64), Beyond>>,
    /// The sinks [`Beyond`] summaries point at.
    shared_sinks: RefCell<Vec<SinkHit>>,
    /// The allocations of the last finished walk, emptied, for the next one
    /// (see [`WalkBufs`]).
    walk_bufs: RefCell<Option<WalkBufs<'a>>>,
    /// The site being analysed is finished by the coarse pass: its charges
    /// go to `coarse_left` (its share of the coarse pool), not to the pool.
    coarse: Cell<bool>,
    /// Steps left to the site's coarse pass.
    coarse_left: Cell<u64>,
    /// Steps left in the program's coarse pool
    /// (`FlowLimits::coarse_steps_per_kb`).
    coarse_pool: Cell<u64>,
}

/// A walk's tables, kept between walks: a carrier site's walk grows them to
/// up to a quarter of a million states (each round, each site), and growing
/// them afresh every time — doubling, copying, faulting in pages the
/// allocator had just returned to the system — was a tenth of a 13 MB
/// bundle's scan (profile of Claude Code's `cli.js`). Emptied, never
/// shared: every walk starts with nothing seen.
#[derive(Default)]
struct WalkBufs<'a> {
    states: Vec<State<'a>>,
    seen: HashSet<(UnitId, NodeId, u64)>,
    queue: VecDeque<u32>,
    events: Vec<(u32, Event<'a>)>,
    variants: HashMap<(UnitId, NodeId), u8>,
}

/// What lies downstream of a state a complete walk explored: the first hard
/// and soft sink (indices into the engine's shared sinks, `u32::MAX` none),
/// local output, a separator use, and whether any way out of it ends
/// somewhere unknown (`open`; else every way ends in a sink, local output or
/// a test that embeds none of the text).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Beyond {
    pub hard: u32,
    pub soft: u32,
    pub local: bool,
    pub format_use: bool,
    pub open: bool,
}

impl<'p, 'c, 'a> Engine<'p, 'c, 'a> {
    pub fn new(prog: &'p Program<'c, 'a>) -> Self {
        let base = prog.units.first().map(|c| c.opts.flow).unwrap_or_default();
        Engine {
            prog,
            callers: RefCell::new(HashMap::default()),
            backward: RefCell::new(super::taint::Graph::default()),
            calls: RefCell::new(None),
            this_members: RefCell::new(HashMap::default()),
            limits: Cell::new(base),
            base,
            scale: Cell::new(1),
            pool: Cell::new(u64::MAX),
            share: Cell::new(u64::MAX),
            own: Cell::new(0),
            spent: Cell::new(0),
            cut: Cell::new(None),
            shared: RefCell::new(HashMap::default()),
            shared_sinks: RefCell::new(Vec::new()),
            walk_bufs: RefCell::new(None),
            coarse: Cell::new(false),
            coarse_left: Cell::new(0),
            coarse_pool: Cell::new(0),
        }
    }

    /// Records the states of a complete carrier walk with what lies beyond
    /// each (`beyond(k)` for state `k`; sink indices are the walk's events).
    pub fn share_walk(&self, w: &Walker<'_, '_, '_, 'a>, beyond: impl Fn(usize) -> Option<Beyond>) {
        let mut shared = self.shared.borrow_mut();
        let mut sinks = self.shared_sinks.borrow_mut();
        let mut moved: HashMap<u32, u32> = HashMap::default();
        let mut remap = |e: u32, sinks: &mut Vec<SinkHit>| -> u32 {
            if e == u32::MAX {
                return e;
            }
            *moved.entry(e).or_insert_with(|| {
                let Event::Sink(h) = &w.events[e as usize].1 else {
                    return u32::MAX;
                };
                sinks.push(h.clone());
                (sinks.len() - 1) as u32
            })
        };
        for (k, st) in w.states.iter().enumerate() {
            let salt = if st.guessed { GUESSED_SALT } else { 0 };
            let key = (st.unit, st.node, fields_key(&st.fields, &st.frames) ^ salt);
            if shared.contains_key(&key) {
                continue;
            }
            let Some(mut b) = beyond(k) else { continue };
            b.hard = remap(b.hard, &mut sinks);
            b.soft = remap(b.soft, &mut sinks);
            shared.insert(key, b);
        }
    }

    /// The limits in force this round.
    pub fn limits(&self) -> super::FlowLimits {
        self.limits.get()
    }

    /// The round's scale of the step limits.
    pub fn scale(&self) -> u32 {
        self.scale.get()
    }

    /// Starts a round: step limits (and the writers joined by name) are the
    /// configured ones times `scale`. Memoised call graphs cut
    /// at a smaller scale are computed again when next asked for.
    pub fn set_round(&self, scale: u32) {
        let b = self.base;
        let mut l = b;
        l.walk_steps = b.walk_steps.saturating_mul(scale);
        l.max_writers = b.max_writers.saturating_mul(scale as usize);
        self.limits.set(l);
        self.scale.set(scale);
    }

    /// Sets the program's pool of steps.
    pub fn set_pool(&self, steps: u64) {
        self.pool.set(steps);
    }

    /// Steps left in the program's pool.
    pub fn pool_left(&self) -> u64 {
        self.pool.get()
    }

    /// Gives the next site `steps` of the pool at most.
    pub fn set_share(&self, steps: u64) {
        self.share.set(steps);
    }

    /// What is left of the site's share of the pool.
    pub fn share_left(&self) -> u64 {
        self.share.get()
    }

    /// Steps of its own left to the site being analysed.
    pub fn own_left(&self) -> u64 {
        self.own.get()
    }

    /// Can the site being analysed still spend a step?
    pub fn can_spend(&self) -> bool {
        if self.coarse.get() {
            return self.coarse_left.get() > 0;
        }
        self.own.get() > 0 || (self.pool.get() > 0 && self.share.get() > 0)
    }

    /// Sets the program's coarse pool (steps of every site's coarse pass).
    pub fn set_coarse_pool(&self, steps: u64) {
        self.coarse_pool.set(steps);
    }

    /// Steps left in the coarse pool.
    pub fn coarse_pool_left(&self) -> u64 {
        self.coarse_pool.get()
    }

    /// From here on the site being analysed is charged to a coarse pass of
    /// at most `steps`, drawn from the coarse pool.
    pub fn begin_coarse(&self, steps: u64) {
        let steps = steps.min(self.coarse_pool.get());
        self.coarse_pool.set(self.coarse_pool.get() - steps);
        self.coarse_left.set(steps);
        self.coarse.set(true);
    }

    /// Ends the site's coarse pass; what it did not use goes back to the
    /// coarse pool.
    pub fn end_coarse(&self) {
        if self.coarse.replace(false) {
            let left = self.coarse_left.replace(0);
            self.coarse_pool.set(self.coarse_pool.get() + left);
        }
    }

    /// Leaves the coarse pass's accounting for a while (the backward
    /// graph's work is paid from its own budget); `true` if it was on.
    pub fn suspend_coarse(&self) -> bool {
        self.coarse.replace(false)
    }

    /// Back to the coarse pass's accounting after [`Engine::suspend_coarse`].
    pub fn resume_coarse(&self, on: bool) {
        self.coarse.set(on);
    }

    /// Is the site being analysed in its coarse pass?
    pub fn is_coarse(&self) -> bool {
        self.coarse.get()
    }

    /// Gives the next site `steps` of its own (not drawn from the pool).
    pub fn set_own(&self, steps: u64) {
        self.own.set(steps);
    }

    /// Takes what it can of `n` from the site's own steps; the rest.
    fn charge_own(&self, n: u64) -> u64 {
        let own = self.own.get();
        let take = own.min(n);
        self.own.set(own - take);
        self.spent.set(self.spent.get() + take);
        n - take
    }

    /// Charges `n` steps to the site's own steps, then to the pool and the
    /// site's share of it; `false` (and a cut) when all are spent.
    pub fn charge(&self, n: u64) -> bool {
        if self.coarse.get() {
            let left = self.coarse_left.get();
            if left == 0 {
                self.note_cut("coarse_steps_per_kb");
                return false;
            }
            self.coarse_left.set(left.saturating_sub(n));
            self.spent.set(self.spent.get() + n);
            return true;
        }
        if self.own.get() > 0 {
            let rest = self.charge_own(n);
            if rest == 0 {
                return true;
            }
            self.charge_quiet(rest);
            return true;
        }
        let (pool, share) = (self.pool.get(), self.share.get());
        if pool == 0 || share == 0 {
            self.note_cut("flow_pool");
            return false;
        }
        self.pool.set(pool.saturating_sub(n));
        self.share.set(share.saturating_sub(n));
        self.spent.set(self.spent.get() + n);
        true
    }

    /// Charges `n` steps without deciding anything: the next
    /// [`Engine::charge`] sees what is left.
    pub fn charge_quiet(&self, n: u64) {
        if self.coarse.get() {
            self.coarse_left
                .set(self.coarse_left.get().saturating_sub(n));
            self.spent.set(self.spent.get() + n);
            return;
        }
        let n = self.charge_own(n);
        if n == 0 {
            return;
        }
        self.pool.set(self.pool.get().saturating_sub(n));
        self.share.set(self.share.get().saturating_sub(n));
        self.spent.set(self.spent.get() + n);
    }

    /// A limit was reached: what is being analysed is incomplete.
    pub fn note_cut(&self, limit: &'static str) {
        if self.cut.get().is_none() {
            self.cut.set(Some(limit));
        }
    }

    /// The limit reached since the last call, if any.
    pub fn take_cut(&self) -> Option<&'static str> {
        self.cut.take()
    }

    /// Read references of a symbol (their IdentifierReference nodes), at
    /// most `max_refs` of them (more is a cut).
    pub fn read_refs(&self, ctx: &Ctx<'_>, sym: SymbolId) -> Vec<NodeId> {
        let max = self.limits().max_refs;
        let mut v: Vec<NodeId> = ctx
            .semantic
            .scoping()
            .get_resolved_references(sym)
            .filter(|r| r.is_read())
            .map(oxc_semantic::Reference::node_id)
            .take(max.saturating_add(1))
            .collect();
        if v.len() > max {
            v.truncate(max);
            self.note_cut("max_refs");
        }
        // Following them is charged by the states they become; listing
        // them is charged here, one step per 16.
        self.charge(v.len() as u64 / 16);
        v
    }

    /// The call sites of `callers` to follow (at most `max_callers`; more,
    /// or a call-graph walk that did not finish, is a cut).
    pub fn caller_sites<'r>(&self, callers: &'r Callers<'a>) -> &'r [CallSite<'a>] {
        let max = self.limits().max_callers;
        if callers.sites.len() > max {
            self.note_cut("max_callers");
            &callers.sites[..max]
        } else {
            &callers.sites
        }
    }

    /// Every place function `f` (node `fid` of unit `u`) is called: from
    /// the program-wide index of call sites (`fnvals`), function values
    /// followed; no call-graph walk.
    pub fn callers(&self, u: UnitId, fid: NodeId, _f: FnRef<'a>) -> Rc<Callers<'a>> {
        if let Some(c) = self.callers.borrow().get(&(u, fid)) {
            return c.clone();
        }
        let index = self.call_index();
        let r = Rc::new(Callers {
            sites: index.sites.get(&(u, fid)).cloned().unwrap_or_default(),
        });
        self.callers.borrow_mut().insert((u, fid), r.clone());
        r
    }
}

type ThisMembers<'a> = Rc<HashMap<&'a str, Vec<NodeId>>>;

impl<'a> Engine<'_, '_, 'a> {
    /// The `this.k` members whose `this` is `owner`, by name: one scan of
    /// the owner's nodes (at most [`MAX_OWNER_SCAN`]), kept.
    pub(crate) fn this_members_of(&self, u: UnitId, owner: NodeId) -> ThisMembers<'a> {
        if let Some(m) = self.this_members.borrow().get(&(u, owner)) {
            return m.clone();
        }
        let ctx = self.prog.ctx(u);
        let nodes = ctx.semantic.nodes();
        let span = nodes.kind(owner).span();
        let mut map: HashMap<&'a str, Vec<NodeId>> = HashMap::default();
        let start = owner.index() + 1;
        let end = nodes.len().min(start + MAX_OWNER_SCAN);
        for idx in start..end {
            let id = NodeId::from_usize(idx);
            let kind = nodes.kind(id);
            if kind.span().start > span.end {
                break;
            }
            let (object, name) = match kind {
                AstKind::StaticMemberExpression(m) => (&m.object, m.property.name.as_str()),
                AstKind::PrivateFieldExpression(m) => (&m.object, m.field.name.as_str()),
                _ => continue,
            };
            if matches!(
                object.without_parentheses(),
                Expression::ThisExpression(_) | Expression::Super(_)
            ) && this_owner(ctx, id) == Some(owner)
            {
                map.entry(name).or_default().push(id);
            }
        }
        let m = Rc::new(map);
        self.this_members.borrow_mut().insert((u, owner), m.clone());
        m
    }
}

pub(crate) enum Event<'a> {
    Decision(Decision<'a>),
    /// The value became a character (`String.fromCodePoint(…)`).
    CodePoint,
    /// The value is a separator put into text (`join(sep)`, `replace(re, sep)`).
    FormatUse,
    Sink(SinkHit),
    /// Printed on the local terminal.
    Local,
    /// Handed to a test that answers with a boolean or a position
    /// (`re.test(v)`, `s.includes(v)`, a condition): none of its text goes on.
    Consumed,
    /// The walk stopped here for a reason other than an end it knows (a
    /// state already visited, a use it does not follow): what lies beyond
    /// is not known to hold none of the text.
    Open,
    /// Callee mode (no longer started): a call of the tracked function.
    #[allow(dead_code)]
    Call(CallSite<'a>),
}

pub(crate) struct Walker<'e, 'p, 'c, 'a> {
    eng: &'e Engine<'p, 'c, 'a>,
    mode: Mode,
    pub states: Vec<State<'a>>,
    seen: HashSet<(UnitId, NodeId, u64)>,
    queue: VecDeque<u32>,
    budget: u32,
    pub exhausted: bool,
    pub events: Vec<(u32, Event<'a>)>,
    /// States where the walk joined one a complete earlier site explored.
    pub joined: u32,
    /// Per function entered through a user call: the calls kept apart so far.
    contexts: HashMap<(UnitId, NodeId), u32>,
    context_calls: HashSet<(UnitId, NodeId, NodeId)>,
    /// Entries with the context merged ([`Hop::Merged`]).
    pub merged: u32,
    /// Distinct precise (fields, frame) variants per node (k-limited by
    /// [`MAX_FIELD_PATHS`]).
    variants: HashMap<(UnitId, NodeId), u8>,
    /// States whose fields were collapsed.
    pub collapsed: u32,
    /// Pushes offered so far (charged one step per [`PUSHES_PER_STEP`]).
    pushes: u32,
    /// The program's coarse walk (see [`Walker::coarse`]): every state
    /// pushed is field- and context-insensitive, one per node.
    coarse: bool,
    /// The coarse walk's seen set: its key is the node and whether a join
    /// by name lies on the way, so a flat table per unit (bit 0: without,
    /// bit 1: with) instead of hashing a million states into `seen`.
    coarse_seen: Vec<Vec<u8>>,
    /// The walk follows an order carrier: the elements' positions carry
    /// it, so a field read of a tracked element (`item.title` in
    /// `sorted.map(item => …)`) keeps it.
    pub order: bool,
}

impl Drop for Walker<'_, '_, '_, '_> {
    /// Hands the walk's tables, emptied, to the next walk.
    fn drop(&mut self) {
        let mut b = WalkBufs {
            states: std::mem::take(&mut self.states),
            seen: std::mem::take(&mut self.seen),
            queue: std::mem::take(&mut self.queue),
            events: std::mem::take(&mut self.events),
            variants: std::mem::take(&mut self.variants),
        };
        b.states.clear();
        b.seen.clear();
        b.queue.clear();
        b.events.clear();
        b.variants.clear();
        *self.eng.walk_bufs.borrow_mut() = Some(b);
    }
}

/// Mixed into a state's key when a join by name lies on its way.
const GUESSED_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

fn fields_key(fields: &Fields<'_>, frames: &FrameStack) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    fields.hash(&mut h);
    frames.last().hash(&mut h);
    h.finish()
}

impl<'e, 'p, 'c, 'a> Walker<'e, 'p, 'c, 'a> {
    pub fn new(eng: &'e Engine<'p, 'c, 'a>, mode: Mode, budget: u32) -> Self {
        let b = eng.walk_bufs.borrow_mut().take().unwrap_or_default();
        Walker {
            eng,
            mode,
            states: b.states,
            seen: b.seen,
            queue: b.queue,
            budget,
            exhausted: false,
            events: b.events,
            joined: 0,
            contexts: HashMap::default(),
            context_calls: HashSet::default(),
            merged: 0,
            variants: b.variants,
            collapsed: 0,
            pushes: 0,
            coarse: false,
            coarse_seen: Vec::new(),
            order: false,
        }
    }

    fn ctx(&self, u: UnitId) -> &'c Ctx<'a> {
        self.eng.prog.ctx(u)
    }

    /// Track the value of `node` in unit `u` from here.
    pub fn start(&mut self, u: UnitId, node: NodeId, fields: Fields<'a>) {
        self.push(u32::MAX, u, node, fields, FrameStack::default(), Hop::Start);
    }

    fn push(
        &mut self,
        parent: u32,
        unit: UnitId,
        node: NodeId,
        fields: Fields<'a>,
        mut frames: FrameStack,
        hop: Hop<'a>,
    ) {
        // Offering a state is work too (hashing, the seen set), also when
        // it was seen: charged to the walk's budget and the pool.
        self.pushes += 1;
        if self.pushes.is_multiple_of(PUSHES_PER_STEP) {
            self.budget = self.budget.saturating_sub(1);
            self.eng.charge_quiet(1);
        }
        // One guess per way, as on the backward side: a way that already
        // went through a join by name (a property or a return matched by
        // name alone) does not take a second one. Past it the carrier meets
        // decisions only by two coincidences of names (Gemini CLI: an HTML
        // entity table reached a proxy test in another chunk by two
        // returns to callers found by name, 22-37 hops, every meeting kept
        // out by `unproven_walk_hops`: walked for nothing, then the review
        // was partial). The way is an open end, not a cut.
        let parent_guessed = parent != u32::MAX && self.states[parent as usize].guessed;
        let byname = matches!(hop, Hop::ByName(..));
        if byname && parent_guessed {
            if self.mode == Mode::Carrier
                && !matches!(self.events.last(), Some((p, Event::Open)) if *p == parent)
            {
                self.event(parent, Event::Open);
            }
            return;
        }
        let guessed = parent_guessed || byname;
        let mut fields = fields;
        if self.coarse {
            // Field- and context-insensitive: one state per node (two: with
            // and without a join by name on the way).
            fields = Fields::any();
            frames = FrameStack::default();
        }
        // A state with a join by name on its way is another state than the
        // same one without (what lies beyond differs: one join fewer left).
        let salt = if guessed { GUESSED_SALT } else { 0 };
        let mut key = (unit, node, fields_key(&fields, &frames) ^ salt);
        // A state is collapsed when its fields are, or its predecessor's
        // were (what lies beyond is unproven); everything the coarse pass
        // reaches is.
        let mut collapsed = self.coarse
            || parent != u32::MAX && {
                let p = &self.states[parent as usize];
                p.collapsed
                    || (fields.has_any() && !p.fields.has_any() && !matches!(hop, Hop::Placed(_)))
            };
        if !self.coarse && !self.seen.contains(&key) {
            // k-limited precision: past MAX_FIELD_PATHS variants at this
            // node, only the field read next is kept precise (the frame
            // kept); past twice as many, the frame is dropped too (its
            // returns go to every caller): at most 2k states a node plus
            // one per field read next.
            let n = self.variants.entry((unit, node)).or_default();
            if *n >= MAX_FIELD_PATHS {
                fields = fields.collapsed_to_top();
                if *n >= 2 * MAX_FIELD_PATHS {
                    frames = FrameStack::default();
                }
                let k = (unit, node, fields_key(&fields, &frames) ^ salt);
                if k != key {
                    key = k;
                    collapsed = true;
                }
            }
            if !self.seen.contains(&key) {
                *n = n.saturating_add(1);
                if collapsed {
                    self.collapsed += 1;
                }
            }
        }
        let fresh = if self.coarse {
            self.coarse_insert(unit, node, guessed)
        } else {
            self.seen.insert(key)
        };
        if !fresh {
            if parent != u32::MAX
                && self.mode == Mode::Carrier
                && !matches!(self.events.last(), Some((p, Event::Open)) if *p == parent)
            {
                self.event(parent, Event::Open);
            }
            return;
        }
        let i = self.states.len() as u32;
        self.states.push(State {
            unit,
            node,
            fields,
            frames,
            parent,
            hop,
            collapsed,
            guessed,
        });
        // A complete earlier site explored everything beyond this state:
        // its decisions are judged and traced; take what lies beyond.
        if self.mode == Mode::Carrier {
            let b = self.eng.shared.borrow().get(&key).copied();
            if let Some(b) = b {
                self.joined += 1;
                let sinks = self.eng.shared_sinks.borrow();
                for e in [b.hard, b.soft] {
                    if let Some(h) = sinks.get(e as usize).filter(|_| !collapsed) {
                        self.events.push((i, Event::Sink(h.clone())));
                    }
                }
                drop(sinks);
                if b.local {
                    self.event(i, Event::Local);
                }
                if b.format_use {
                    self.event(i, Event::FormatUse);
                }
                self.event(i, if b.open { Event::Open } else { Event::Consumed });
                return;
            }
        }
        self.queue.push_back(i);
    }

    /// The coarse walk's `seen.insert` (see [`Walker::coarse_seen`]).
    fn coarse_insert(&mut self, unit: UnitId, node: NodeId, guessed: bool) -> bool {
        let u = unit as usize;
        if self.coarse_seen.len() <= u {
            self.coarse_seen.resize_with(u + 1, Vec::new);
        }
        let t = &mut self.coarse_seen[u];
        if t.is_empty() {
            t.resize(self.eng.prog.ctx(unit).semantic.nodes().len(), 0);
        }
        let bit = 1u8 << u8::from(guessed);
        let Some(b) = t.get_mut(node.index()) else {
            return self.seen.insert((unit, node, u64::from(bit)));
        };
        let fresh = *b & bit == 0;
        *b |= bit;
        fresh
    }

    /// Same fields and frames as state `i`, at another node.
    fn next(&mut self, i: u32, unit: UnitId, node: NodeId, hop: Hop<'a>) {
        let st = &self.states[i as usize];
        let (f, fr) = (st.fields, st.frames.clone());
        self.push(i, unit, node, f, fr, hop);
    }

    fn next_fields(
        &mut self,
        i: u32,
        unit: UnitId,
        node: NodeId,
        fields: Fields<'a>,
        hop: Hop<'a>,
    ) {
        let fr = self.states[i as usize].frames.clone();
        self.push(i, unit, node, fields, fr, hop);
    }

    fn event(&mut self, i: u32, e: Event<'a>) {
        self.events.push((i, e));
    }

    /// Runs until the queue is empty or the budget is spent; `exhausted`
    /// says which. States left in the queue are kept: [`Walker::extend`]
    /// goes on from them.
    pub fn run(&mut self) {
        while self.budget > 0 {
            if self.queue.is_empty() || !self.eng.charge(1) {
                break;
            }
            let Some(i) = self.queue.pop_front() else {
                break;
            };
            self.budget -= 1;
            self.step(i);
        }
        self.exhausted = !self.queue.is_empty();
    }

    /// The program's *coarse walk*: one walk for the whole program, to
    /// which every carrier site whose precise walk stays cut adds its
    /// carrier ([`Walker::start`]) and which goes on from where it stopped.
    /// Every state it pushes is field-insensitive ([`Field::Any`]) and
    /// context-insensitive (no call frame: returns go to every caller;
    /// methods are joined by name however many there are), so it holds at
    /// most one state per node of the program: linear in the program, not
    /// in the sites. Everything it reaches is unproven (collapsed): a
    /// decision met so is reported at lower confidence, a sink reached
    /// only so is an open end; and a coarse state is never the carrier's
    /// whole value, so its decisions are judged without the carrier's own
    /// text (the same for every site). Its steps are charged to the
    /// engine's coarse budget ([`Engine::begin_coarse`]).
    pub fn coarse(eng: &'e Engine<'p, 'c, 'a>) -> Self {
        let mut w = Walker::new(eng, Mode::Carrier, u32::MAX);
        w.coarse = true;
        w
    }

    /// Steps until the queue is empty or the engine's coarse budget is
    /// spent (then `exhausted`).
    pub fn run_coarse(&mut self) {
        self.budget = u32::MAX;
        self.run();
    }

    /// More budget for a walk that stopped.
    pub fn extend(&mut self, budget: u32) {
        self.budget += budget;
        self.run();
    }

    /// The hops from the start to state `i`, start first.
    pub fn path(&self, mut i: u32) -> Vec<(UnitId, Hop<'a>)> {
        let mut out = Vec::new();
        while (i as usize) < self.states.len() && out.len() < 64 {
            let st = &self.states[i as usize];
            out.push((st.unit, st.hop));
            i = st.parent;
        }
        out.reverse();
        out
    }

    /// The node the walk that reached state `i` started from.
    pub fn origin(&self, i: u32) -> NodeId {
        self.origin_state(i).map_or(NodeId::ROOT, |st| st.node)
    }

    /// The state the walk to state `i` started from (its carrier).
    fn origin_state(&self, mut i: u32) -> Option<&State<'a>> {
        let mut found = None;
        for _ in 0..256 {
            let Some(st) = self.states.get(i as usize) else {
                break;
            };
            found = Some(st);
            i = st.parent;
        }
        found
    }

    /// Any hop on the way to state `i` that is a join by name or an unknown call?
    pub fn unproven(&self, mut i: u32) -> bool {
        let mut n = 0;
        while (i as usize) < self.states.len() && n < 256 {
            let st = &self.states[i as usize];
            if st.unproven() {
                return true;
            }
            i = st.parent;
            n += 1;
        }
        false
    }

    // -----------------------------------------------------------------------
    // Starts
    // -----------------------------------------------------------------------

    /// Callee mode: start from a function wherever it is defined.
    // The callee mode's start; nothing starts it since call sites come from
    // `fnvals` (kept until that mode's branches are removed).
    #[allow(dead_code)]
    pub fn start_function(&mut self, u: UnitId, fid: NodeId, f: FnRef<'a>) {
        let ctx = self.ctx(u);
        let nodes = ctx.semantic.nodes();
        let parent = nodes.parent_id(fid);
        match nodes.kind(parent) {
            AstKind::MethodDefinition(m) => {
                let name = super::names::property_key_name(&m.key);
                let class_body = nodes.parent_id(parent);
                let class = nodes.parent_id(class_body);
                let is_ctor = m.kind == oxc_ast::ast::MethodDefinitionKind::Constructor;
                let fields = match (is_ctor, name) {
                    (true, _) => Fields::default(),
                    (false, Some(n)) => Fields::one(Field::Name(n)),
                    (false, None) => return,
                };
                if let Some(n) = name.filter(|_| !is_ctor) {
                    // `this.m()` / `super.m()` inside the class.
                    self.this_members(u, class, n, fields, u32::MAX, true);
                }
                self.push(
                    u32::MAX,
                    u,
                    class,
                    fields,
                    FrameStack::default(),
                    Hop::Start,
                );
                self.class_value(u32::MAX, u, class, fields);
            }
            _ => {
                if let FnRef::Function(func) = f
                    && func.is_declaration()
                    && let Some(id) = &func.id
                {
                    self.binding_value(u32::MAX, u, id.symbol_id(), Fields::default(), id.span);
                    self.exported_decl(u32::MAX, u, parent, id.name.as_str(), Fields::default());
                } else {
                    self.push(
                        u32::MAX,
                        u,
                        fid,
                        Fields::default(),
                        FrameStack::default(),
                        Hop::Start,
                    );
                }
            }
        }
    }

    /// A class declaration's value: its binding's references (and export).
    fn class_value(&mut self, i: u32, u: UnitId, class: NodeId, fields: Fields<'a>) {
        let ctx = self.ctx(u);
        let nodes = ctx.semantic.nodes();
        if let AstKind::Class(c) = nodes.kind(class)
            && c.is_declaration()
            && let Some(id) = &c.id
        {
            self.binding_value(i, u, id.symbol_id(), fields, id.span);
            self.exported_decl(i, u, nodes.parent_id(class), id.name.as_str(), fields);
        }
    }

    // -----------------------------------------------------------------------
    // One step
    // -----------------------------------------------------------------------

    fn step(&mut self, i: u32) {
        let (u, n) = {
            let st = &self.states[i as usize];
            (st.unit, st.node)
        };
        let ctx = self.ctx(u);
        let nodes = ctx.semantic.nodes();
        if n == NodeId::ROOT || n.index() >= nodes.len() {
            return;
        }
        let p = nodes.parent_id(n);
        let pk = nodes.kind(p);
        let child_span = nodes.kind(n).span();
        let is = |e: &Expression<'_>| nid(e) == n;
        // Empty, or collapsed (which may be the value itself).
        let fields_empty = self.states[i as usize].fields.maybe_empty();
        match pk {
            AstKind::ParenthesizedExpression(_)
            | AstKind::TSAsExpression(_)
            | AstKind::TSSatisfiesExpression(_)
            | AstKind::TSNonNullExpression(_)
            | AstKind::TSTypeAssertion(_)
            | AstKind::AwaitExpression(_)
            | AstKind::ChainExpression(_) => self.next(i, u, p, Hop::Up),
            // The spread itself: its parent decides (array, object, call).
            AstKind::SpreadElement(_) => self.next(i, u, p, Hop::Up),
            AstKind::SequenceExpression(s) if s.expressions.last().is_some_and(is) => {
                self.next(i, u, p, Hop::Up);
            }
            AstKind::ConditionalExpression(c) => {
                if is(&c.test) {
                    self.event(i, Event::Consumed);
                    return;
                }
                let other = if is(&c.consequent) {
                    &c.alternate
                } else {
                    &c.consequent
                };
                self.decision(
                    i,
                    u,
                    p,
                    Test::Control(Control::Test(&c.test)),
                    Alts::Exprs(vec![other]),
                    n,
                );
                self.next(i, u, p, Hop::Up);
            }
            AstKind::LogicalExpression(l) => {
                if is(&l.right) {
                    let alts = if l.operator == LogicalOperator::And {
                        Alts::Empty
                    } else {
                        Alts::Exprs(vec![&l.left])
                    };
                    self.decision(i, u, p, Test::Control(Control::Test(&l.left)), alts, n);
                } else if l.operator != LogicalOperator::And {
                    // `marks[tz] || "'"`, `pick() ?? "'"`: the left value is
                    // taken when it is there; the right side is the alternative.
                    self.decision(
                        i,
                        u,
                        p,
                        Test::Control(Control::Test(&l.left)),
                        Alts::Exprs(vec![&l.right]),
                        n,
                    );
                }
                self.next(i, u, p, Hop::Up);
            }
            AstKind::BinaryExpression(b)
                if b.operator == BinaryOperator::Addition && fields_empty =>
            {
                if self.mode == Mode::Carrier {
                    let other = if is(&b.left) { &b.right } else { &b.left };
                    if let Expression::StringLiteral(s) = other.without_parentheses()
                        && is_prose(&s.value)
                    {
                        self.sink(i, u, "string concatenation with prose", b.span, true);
                    }
                }
                self.next(i, u, p, Hop::Up);
            }
            AstKind::TemplateLiteral(t) => {
                if !fields_empty {
                    return;
                }
                if self.mode == Mode::Carrier {
                    let text: String = t
                        .quasis
                        .iter()
                        .filter_map(|q| q.value.cooked.as_ref())
                        .map(oxc_ast::ast::Str::as_str)
                        .collect::<Vec<_>>()
                        .join(" ");
                    if is_prose(&text) {
                        self.sink(i, u, "template literal with prose", t.span, true);
                    }
                }
                // A tagged template hands its values to the tag function.
                if let AstKind::TaggedTemplateExpression(tt) = nodes.parent_kind(p)
                    && let Some(idx) = t.expressions.iter().position(is)
                {
                    let resolved =
                        self.into_callees(i, u, nodes.parent_id(p), &tt.tag, idx + 1, None);
                    if !resolved {
                        self.next(i, u, nodes.parent_id(p), Hop::Up);
                    }
                    return;
                }
                self.next(i, u, p, Hop::Up);
            }
            AstKind::CallExpression(c) => {
                if is(&c.callee) {
                    if self.mode == Mode::Callee && fields_empty {
                        self.event(
                            i,
                            Event::Call(CallSite {
                                unit: u,
                                call: p,
                                first_arg: Some(0),
                                callback_of: None,
                                unproven: self.unproven(i),
                            }),
                        );
                    }
                    return;
                }
                let Some(idx) = c.arguments.iter().position(|a| a.span() == child_span) else {
                    return;
                };
                self.argument(i, u, p, c, idx);
            }
            AstKind::NewExpression(ne) => {
                if is(&ne.callee) {
                    if self.mode == Mode::Carrier && !self.states[i as usize].fields.is_empty() {
                        // An instance carries the class's fields and getters.
                        self.next(i, u, p, Hop::Up);
                    }
                    if self.mode == Mode::Callee {
                        if fields_empty {
                            self.event(
                                i,
                                Event::Call(CallSite {
                                    unit: u,
                                    call: p,
                                    first_arg: Some(0),
                                    callback_of: None,
                                    unproven: self.unproven(i),
                                }),
                            );
                        } else {
                            // The instance carries the prototype's methods.
                            self.next(i, u, p, Hop::Up);
                        }
                    }
                    return;
                }
                let Some(idx) = ne.arguments.iter().position(|a| a.span() == child_span) else {
                    return;
                };
                if self.mode == Mode::Callee {
                    return;
                }
                let resolved = self.into_callees(i, u, p, &ne.callee, idx, None);
                if !resolved {
                    // `new Map(entries)`, `new Set(xs)`, `new URL(s)`: the value lives on in the object.
                    let st = &self.states[i as usize];
                    let mut f = st.fields;
                    if let Expression::Identifier(id) = ne.callee.without_parentheses()
                        && id.name == "Map"
                        && f.len() >= 2
                    {
                        // [[k, v], …] → map value.
                        f.truncate(f.len() - 1);
                    }
                    self.next_fields(i, u, p, f, Hop::Up);
                }
            }
            AstKind::StaticMemberExpression(m) if is(&m.object) => {
                self.member(i, u, p, m.property.name.as_str());
            }
            // A tag function is called by its tagged template.
            AstKind::TaggedTemplateExpression(t)
                if is(&t.tag) && self.mode == Mode::Callee && fields_empty =>
            {
                self.event(
                    i,
                    Event::Call(CallSite {
                        unit: u,
                        call: p,
                        first_arg: Some(0),
                        callback_of: None,
                        unproven: self.unproven(i),
                    }),
                );
            }
            AstKind::PrivateFieldExpression(m) if is(&m.object) => {
                self.member(i, u, p, m.field.name.as_str());
            }
            AstKind::ComputedMemberExpression(m) => {
                if !is(&m.object) {
                    return;
                }
                if let Some(name) = m.static_property_name() {
                    self.member(i, u, p, name.as_str());
                    return;
                }
                if let AstKind::CallExpression(call) = nodes.parent_kind(p)
                    && nid(&call.callee) == p
                {
                    return; // `x[k]()`: a dynamic method call
                }
                let mut f = self.states[i as usize].fields;
                if f.pop().is_some() {
                    // A field chosen by data: a table look-up; the entry the
                    // value came from is the chosen side.
                    let table = table_alternatives(ctx, &m.object, n);
                    let origin = self.origin(i);
                    self.decision(i, u, p, Test::Key(&m.expression), table, origin);
                    self.next_fields(i, u, p, f, Hop::Up);
                }
            }
            AstKind::VariableDeclarator(d) if d.init.as_ref().is_some_and(is) => {
                let fields = self.states[i as usize].fields;
                // `const [a = "'"] = c ? ["ʻ"] : []`: a default crossed on the
                // way to the tracked element is taken where the value lacks
                // it, so it is the other side, decided by the value itself.
                if let Some(init) = &d.init {
                    for dflt in crossed_defaults(&d.id, &fields) {
                        self.decision(
                            i,
                            u,
                            p,
                            Test::Control(Control::Test(init)),
                            Alts::Exprs(vec![dflt]),
                            n,
                        );
                    }
                }
                self.bind(i, u, &d.id, fields, d.span);
                // `export const x = …`
                if let BindingPattern::BindingIdentifier(b) = &d.id {
                    let decl = nodes.parent_id(p);
                    let fields = self.states[i as usize].fields;
                    self.exported_decl(i, u, nodes.parent_id(decl), b.name.as_str(), fields);
                }
            }
            AstKind::AssignmentExpression(a) => {
                if !is(&a.right) {
                    return;
                }
                self.assignment(i, u, p, a.operator, &a.left);
                if !matches!(nodes.parent_kind(p), AstKind::ExpressionStatement(_)) {
                    self.next(i, u, p, Hop::Up);
                }
            }
            AstKind::ObjectProperty(prop) => {
                if !is(&prop.value) {
                    return;
                }
                if prop.kind == PropertyKind::Get {
                    return;
                }
                let key = if prop.computed {
                    match &prop.key {
                        oxc_ast::ast::PropertyKey::StringLiteral(s) => Some(s.value.as_str()),
                        _ => None,
                    }
                } else {
                    super::names::property_key_name(&prop.key)
                };
                let obj = nodes.parent_id(p);
                if self.mode == Mode::Carrier
                    && let Some(k) = key
                    && SINK_KEYS.contains(&k)
                {
                    self.sink(i, u, &format!("object key `{k}`"), prop.span, false);
                }
                let mut f = self.states[i as usize].fields;
                f.push(match key {
                    Some(k) => Field::Name(k),
                    // `{ [k]: v }`: read back under any name.
                    None if prop.computed && !is_number_key(&prop.key) => Field::Name(COMPUTED_KEY),
                    None => Field::Elem,
                });
                self.next_fields(i, u, obj, f, Hop::Up);
                // `this.k` inside the object's own methods.
                if let Some(k) = key {
                    let f2 = self.states[i as usize].fields;
                    self.this_members(u, obj, k, f2, i, false);
                }
            }
            AstKind::ArrayExpression(_) => {
                let mut f = self.states[i as usize].fields;
                // `[...xs]` keeps the elements where they are.
                if !matches!(nodes.kind(n), AstKind::SpreadElement(_)) {
                    f.push(Field::Elem);
                }
                self.next_fields(i, u, p, f, Hop::Up);
            }
            // `{ ...o }` keeps the fields.
            AstKind::ObjectExpression(o) if matches!(nodes.kind(n), AstKind::SpreadElement(_)) => {
                // `{ ...base, ...(c ? { k: "‐" } : {}) }`: the earlier
                // properties of the tracked field are the other side.
                if let Some(Field::Name(k)) = self.states[i as usize].fields.last().copied()
                    && let AstKind::SpreadElement(sp) = nodes.kind(n)
                {
                    let before = o
                        .properties
                        .iter()
                        .take_while(|q| q.span() != sp.span)
                        .filter_map(|q| match q {
                            oxc_ast::ast::ObjectPropertyKind::SpreadProperty(x) => {
                                Some(&x.argument)
                            }
                            oxc_ast::ast::ObjectPropertyKind::ObjectProperty(x)
                                if x.kind == oxc_ast::ast::PropertyKind::Init
                                    && super::names::property_key_name(&x.key) == Some(k) =>
                            {
                                Some(&x.value)
                            }
                            _ => None,
                        });
                    let mut alts = Vec::new();
                    for e in before {
                        if matches!(
                            e.without_parentheses(),
                            Expression::ObjectExpression(_) | Expression::Identifier(_)
                        ) {
                            alts.extend(overridden_values(ctx, std::iter::once(e), k));
                        } else {
                            alts.push(e);
                        }
                    }
                    if !alts.is_empty() {
                        let chosen = self.origin_state(i).map_or(n, |r| r.node);
                        self.decision(
                            i,
                            u,
                            p,
                            Test::Control(Control::Test(&sp.argument)),
                            Alts::Exprs(alts),
                            chosen,
                        );
                    }
                }
                self.next(i, u, p, Hop::Up);
            }
            AstKind::ReturnStatement(_) => {
                if let Some((fid, f)) = super::enclosing_fn(ctx, p) {
                    self.returned(i, u, p, fid, f, n);
                }
            }
            AstKind::ArrowFunctionExpression(a) if a.get_expression().is_some_and(is) => {
                self.returned(i, u, n, p, FnRef::Arrow(a), n);
            }
            AstKind::YieldExpression(y) => {
                // `if (c) yield "\u200C"`: whether it is yielded at all is
                // decided by the tests around the yield.
                self.control(i, u, p, p, &Alts::Empty, n);
                if let Some((fid, f)) = super::enclosing_fn(ctx, p) {
                    let mut fl = self.states[i as usize].fields;
                    // `yield* it` yields the elements of `it`: they are this
                    // generator's elements as they are (no element level added).
                    if !y.delegate {
                        fl.push(Field::Elem);
                    }
                    let callers = self.eng.callers(u, fid, f);
                    for s in self.eng.caller_sites(&callers) {
                        if s.callback_of.is_none() {
                            self.push(
                                i,
                                s.unit,
                                s.call,
                                fl,
                                FrameStack::default(),
                                Hop::Caller(span_of(self.ctx(s.unit), s.call)),
                            );
                        }
                    }
                }
            }
            AstKind::ExportDefaultDeclaration(_) => {
                let m = self.eng.prog.graph.module_of(ctx, u, p);
                let fields = self.states[i as usize].fields;
                self.export(i, m, Some("default"), fields, span_of(ctx, p));
            }
            AstKind::PropertyDefinition(pd) => {
                if pd.value.as_ref().is_some_and(is)
                    && let Some(k) = super::names::property_key_name(&pd.key)
                {
                    // A class field: `this.k` in the class, and `inst.k`.
                    let class = nodes.parent_id(nodes.parent_id(p));
                    let mut f = self.states[i as usize].fields;
                    self.this_members(u, class, k, f, i, false);
                    f.push(Field::Name(k));
                    self.next_fields(i, u, class, f, Hop::Field(k, pd.span));
                    self.class_value(i, u, class, f);
                }
            }
            AstKind::FormalParameter(fp) if fp.initializer.as_deref().is_some_and(is) => {
                let fields = self.states[i as usize].fields;
                self.bind(i, u, &fp.pattern, fields, fp.span);
            }
            AstKind::AssignmentPattern(ap) if is(&ap.right) => {
                let fields = self.states[i as usize].fields;
                self.bind(i, u, &ap.left, fields, ap.span);
            }
            AstKind::ForOfStatement(f) if is(&f.right) => {
                let mut fl = self.states[i as usize].fields;
                if fl.pop().is_some_and(Field::is_elem_like)
                    && let oxc_ast::ast::ForStatementLeft::VariableDeclaration(v) = &f.left
                    && let Some(d) = v.declarations.first()
                {
                    self.bind(i, u, &d.id, fl, d.span);
                }
            }

            AstKind::IfStatement(s) if is(&s.test) => self.event(i, Event::Consumed),
            AstKind::ClassBody(_) | AstKind::MethodDefinition(_) => {}
            _ => {}
        }
    }

    fn sink(&mut self, i: u32, u: UnitId, what: &str, span: Span, soft: bool) {
        // Through a collapsed field path the text may be anywhere in the
        // value: that is no evidence that it leaves (a container filled in
        // a loop collapses and then matches every read). The way is open,
        // not a sink.
        if self.states[i as usize].collapsed {
            self.event(i, Event::Open);
            return;
        }
        self.event(
            i,
            Event::Sink(SinkHit {
                unit: u,
                what: what.to_string(),
                span,
                soft,
            }),
        );
    }

    fn decision(
        &mut self,
        i: u32,
        u: UnitId,
        site: NodeId,
        test: Test<'a>,
        alts: Alts<'a>,
        chosen: NodeId,
    ) {
        if self.mode != Mode::Carrier {
            return;
        }
        // Listing the other sides costs one step per 256 of them: a table
        // of thousands met at every step of a walk is real work, but a
        // pointer per entry, where a walk step costs ~5 µs (1.3 M states in
        // ~7 s on Claude Code's cli.js); one per 16 spent a 5 MB web bundle's
        // whole pool on listing the same table for each of its entries.
        if let Alts::Exprs(v) = &alts {
            self.eng.charge(v.len() as u64 / 256);
        }
        let st = &self.states[i as usize];
        let frames = st.frames.to_vec();
        let whole = chosen == st.node && st.fields.is_empty();
        // `chosen` is the tracked node, the carrier the walk started from, or
        // a node of the merge point's own unit.
        let chosen_unit = if chosen == st.node {
            st.unit
        } else {
            let root = self.origin_state(i);
            match root {
                Some(r) if r.node == chosen => r.unit,
                _ => u,
            }
        };
        self.event(
            i,
            Event::Decision(Decision {
                unit: u,
                site,
                test,
                alts,
                chosen,
                chosen_unit,
                frames,
                state: i,
                synthetic: false,
                whole,
            }),
        );
    }

    /// Control decisions of a write or return at `at` (the merge point `site`).
    fn control(
        &mut self,
        i: u32,
        u: UnitId,
        at: NodeId,
        site: NodeId,
        alts: &Alts<'a>,
        chosen: NodeId,
    ) {
        if self.mode != Mode::Carrier {
            return;
        }
        // The tests themselves are listed only for a decision judged
        // imperceptible (most writes and returns are not in question).
        let ctx = self.ctx(u);
        if may_be_controlled(ctx, at) {
            self.decision(i, u, site, Test::Controls(at), alts.clone(), chosen);
        } else if let Alts::Exprs(others) = alts {
            // The tracked write is unconditional, but another write of the
            // same place is not (`let m = A; if (env) m = B;`): that write's
            // tests choose between the two.
            for w in others
                .iter()
                .map(|e| nid(e))
                .filter(|&w| may_be_controlled(ctx, w))
                .take(MAX_CONTROLLED_WRITES)
            {
                self.decision(i, u, site, Test::Controls(w), alts.clone(), chosen);
            }
        }
    }

    // -----------------------------------------------------------------------
    // Members, calls, bindings
    // -----------------------------------------------------------------------

    /// The tracked value is the object of `.name` at member node `m`.
    fn member(&mut self, i: u32, u: UnitId, m: NodeId, name: &'a str) {
        let ctx = self.ctx(u);
        let nodes = ctx.semantic.nodes();
        let gp = nodes.parent_id(m);
        if let AstKind::CallExpression(call) = nodes.kind(gp)
            && nid(&call.callee) == m
        {
            self.method_call(i, u, gp, call, name, m);
            return;
        }
        if let AstKind::ChainExpression(_) = nodes.kind(gp)
            && let AstKind::CallExpression(call) = nodes.parent_kind(gp)
            && nid(&call.callee) == gp
        {
            self.method_call(i, u, nodes.parent_id(gp), call, name, m);
            return;
        }
        let mut f = self.states[i as usize].fields;
        match f.last() {
            Some(Field::Name(k)) if *k == name => {
                f.pop();
                self.next_fields(i, u, m, f, Hop::Up);
            }
            Some(Field::Elem) if name.bytes().all(|b| b.is_ascii_digit()) => {
                f.pop();
                self.next_fields(i, u, m, f, Hop::Up);
            }
            // An object literal's entry under a key computed at run time
            // (`{ [k]: v }`, as a `reduce` building a map writes it) read
            // by name (`o.Job`): the key may be that name.
            Some(Field::Name(k)) if *k == COMPUTED_KEY => {
                f.pop();
                self.next_fields(i, u, m, f, Hop::Up);
            }
            // `module.exports` of a required module's exports object, `x.default` interop.
            Some(Field::Name(_)) if name == "default" => self.next(i, u, m, Hop::Up),
            // Collapsed: any field may hold it.
            Some(Field::Any) => self.next(i, u, m, Hop::Up),
            None if self.order => self.next(i, u, m, Hop::Up),
            _ => {}
        }
    }

    /// The tracked value is the receiver of `recv.name(…)`.
    fn method_call(
        &mut self,
        i: u32,
        u: UnitId,
        call_id: NodeId,
        call: &'a CallExpression<'a>,
        name: &'a str,
        member: NodeId,
    ) {
        let mut f = self.states[i as usize].fields;
        let top = f.last().copied();
        if self.mode == Mode::Callee {
            match (top, name) {
                (Some(Field::Name(k)), _) if k == name => {
                    f.pop();
                    if f.is_empty() {
                        self.event(
                            i,
                            Event::Call(CallSite {
                                unit: u,
                                call: call_id,
                                first_arg: Some(0),
                                callback_of: None,
                                unproven: self.unproven(i),
                            }),
                        );
                    }
                }
                (None, "call") => self.event(
                    i,
                    Event::Call(CallSite {
                        unit: u,
                        call: call_id,
                        first_arg: Some(1),
                        callback_of: None,
                        unproven: self.unproven(i),
                    }),
                ),
                (None, "apply") => self.event(
                    i,
                    Event::Call(CallSite {
                        unit: u,
                        call: call_id,
                        first_arg: None,
                        callback_of: None,
                        unproven: self.unproven(i),
                    }),
                ),
                (None, "bind") => self.next(i, u, call_id, Hop::Up),
                // Collapsed: any method may be it (unproven, as the state is).
                (Some(Field::Any), _) => {
                    self.event(
                        i,
                        Event::Call(CallSite {
                            unit: u,
                            call: call_id,
                            first_arg: Some(0),
                            callback_of: None,
                            unproven: true,
                        }),
                    );
                    return;
                }
                // A collection of functions: its elements go on to callbacks
                // and results as in carrier mode.
                (Some(Field::Elem), _)
                    if matches!(
                        name,
                        "map"
                            | "flatMap"
                            | "forEach"
                            | "reduce"
                            | "reduceRight"
                            | "filter"
                            | "find"
                            | "findLast"
                            | "slice"
                            | "concat"
                            | "reverse"
                            | "sort"
                            | "at"
                            | "values"
                    ) => {}
                _ => return,
            }
            if !matches!(top, Some(Field::Elem)) {
                return;
            }
        }
        let arg = |k: usize| call.arguments.get(k).and_then(Argument::as_expression);
        let span = call.span;
        let Some(recv) = call
            .callee
            .without_parentheses()
            .as_member_expression()
            .map(oxc_ast::ast::MemberExpression::object)
        else {
            return;
        };
        match name {
            "concat" | "padStart" | "padEnd" | "trim" | "trimStart" | "trimEnd" | "trimLeft"
            | "trimRight" | "toUpperCase" | "toLowerCase" | "toLocaleUpperCase"
            | "toLocaleLowerCase" | "normalize" | "slice" | "substring" | "substr" | "replace"
            | "replaceAll" | "toString" | "valueOf" | "toWellFormed" | "flat" | "reverse"
            | "sort" | "toSorted" | "toReversed" | "values" | "entries" | "catch" | "finally"
            | "charAt" | "fill" | "with" | "format" | "formatToParts" | "formatRange" => {
                self.next(i, u, call_id, Hop::Up);
            }
            "at" => {
                if f.pop().is_some_and(Field::is_elem_like)
                    && let Some(k) = arg(0)
                {
                    let alts = table_alternatives(self.ctx(u), recv, member);
                    let origin = self.origin(i);
                    self.decision(i, u, call_id, Test::Key(k), alts, origin);
                }
                self.next_fields(i, u, call_id, f, Hop::Up);
            }
            "repeat" => {
                if let Some(k) = arg(0)
                    && !matches!(k.without_parentheses(), Expression::NumericLiteral(_))
                {
                    let chosen = self.states[i as usize].node;
                    self.decision(i, u, call_id, Test::Data(k), Alts::Encoding, chosen);
                }
                self.next(i, u, call_id, Hop::Up);
            }
            "split" => {
                if f.maybe_empty() {
                    f.push(Field::Elem);
                    self.next_fields(i, u, call_id, f, Hop::Up);
                }
            }
            "join" => {
                if top.is_some_and(Field::is_elem_like) {
                    f.pop();
                }
                if f.maybe_empty() {
                    self.next_fields(i, u, call_id, f, Hop::Up);
                }
            }
            "get" => {
                if f.pop().is_some()
                    && let Some(k) = arg(0)
                {
                    let alts = table_alternatives(self.ctx(u), recv, member);
                    let origin = self.origin(i);
                    self.decision(i, u, call_id, Test::Key(k), alts, origin);
                    self.next_fields(i, u, call_id, f, Hop::Up);
                }
            }
            "map" | "flatMap" | "forEach" | "reduce" | "reduceRight" | "then" => {
                let (cb_at, kind, elem) = match name {
                    "map" | "flatMap" => (0, FrameKind::Map, true),
                    "forEach" => (0, FrameKind::Drop, true),
                    "reduce" | "reduceRight" => (0, FrameKind::Result, true),
                    _ => (0, FrameKind::Result, false),
                };
                let param = usize::from(name.starts_with("reduce"));
                let mut inner = f;
                if elem && !inner.pop().is_some_and(Field::is_elem_like) {
                    // Not an array we know the elements of: the string's characters, say.
                    inner.clear();
                }
                let Some(cb) = arg(cb_at) else { return };
                let fns = self.functions_of(u, cb);
                if fns.is_empty() {
                    // `xs.map(String)`: a built-in callback keeps the values.
                    self.next(i, u, call_id, Hop::Up);
                    return;
                }
                for (fu, fid, func) in fns {
                    let frame = Frame {
                        unit: u,
                        call: call_id,
                        func: fid,
                        kind,
                    };
                    self.into_param(i, fu, func, param, inner, Some(frame), Hop::Callback(span));
                }
            }
            "filter" | "find" | "findLast" => {
                if let Some(cb) = arg(0) {
                    let alts = table_alternatives(self.ctx(u), recv, member);
                    let origin = self.origin(i);
                    for (_, _, func) in self.functions_of(u, cb) {
                        self.decision(i, u, call_id, Test::Predicate(func), alts.clone(), origin);
                    }
                }
                if name != "filter" {
                    f.pop();
                }
                self.next_fields(i, u, call_id, f, Hop::Up);
            }
            _ => {
                // A user method of the tracked object, or an unknown method on text.
                if matches!(top, Some(Field::Name(_))) {
                    return;
                }
                if f.maybe_empty() && !is_predicate_method(name) {
                    self.next(i, u, call_id, Hop::Unknown(span));
                } else if f.is_empty() {
                    // `v.includes(x)`, `v.startsWith(x)`: a test of the text.
                    self.event(i, Event::Consumed);
                }
            }
        }
    }

    /// Functions an expression denotes (inline, bound, imported, methods by name).
    fn functions_of(&self, u: UnitId, e: &'a Expression<'a>) -> Vec<(UnitId, NodeId, FnRef<'a>)> {
        callee_functions(self.eng, u, e)
    }

    /// Into the parameter `idx` of the user functions `callee` denotes.
    /// Returns whether any was found.
    fn into_callees(
        &mut self,
        i: u32,
        u: UnitId,
        call: NodeId,
        callee: &'a Expression<'a>,
        idx: usize,
        frame_kind: Option<FrameKind>,
    ) -> bool {
        let mut callee = callee;
        let mut idx = idx;
        // `f.call(thisArg, a, b)`
        if let Expression::StaticMemberExpression(m) = callee.without_parentheses()
            && m.property.name == "call"
        {
            if idx == 0 {
                return true;
            }
            idx -= 1;
            callee = &m.object;
        }
        let mut fns = self.functions_of_callee(u, callee);
        // `new mod.C(x)`, `new C(x)` with `C` imported: the constructor of
        // the class the other module exports.
        if fns.is_empty()
            && matches!(
                self.ctx(u).semantic.nodes().kind(call),
                AstKind::NewExpression(_)
            )
            && let Some((cu, cnode)) = super::taint::class_of_unit(self.eng.prog, u, callee)
            && cu != u
            && let AstKind::Class(c) = self.ctx(cu).semantic.nodes().kind(cnode)
            && let Some(f) = constructor_of(c)
        {
            fns.push((cu, f.node_id(), f));
        }
        if fns.is_empty() {
            return false;
        }
        let fields = self.states[i as usize].fields;
        let span = span_of(self.ctx(u), call);
        for (fu, fid, f) in fns {
            let frame = Frame {
                unit: u,
                call,
                func: fid,
                kind: frame_kind.unwrap_or(FrameKind::User),
            };
            self.into_param(i, fu, f, idx, fields, Some(frame), Hop::Param("", span));
        }
        true
    }

    /// Callees including class constructors (`new C(…)`).
    fn functions_of_callee(
        &self,
        u: UnitId,
        callee: &'a Expression<'a>,
    ) -> Vec<(UnitId, NodeId, FnRef<'a>)> {
        let prog = self.eng.prog;
        let ctx = self.ctx(u);
        if let Expression::Identifier(id) = callee.without_parentheses()
            && let Some(sym) = prog.symbol_of(u, id)
        {
            let decl = ctx.semantic.scoping().symbol_declaration(sym);
            let nodes = ctx.semantic.nodes();
            if decl.index() < nodes.len()
                && let AstKind::Class(c) = nodes.kind(decl)
            {
                return constructor_of(c)
                    .map(|f| vec![(u, f.node_id(), f)])
                    .unwrap_or_default();
            }
            if let AstKind::VariableDeclarator(d) = nodes.kind(decl)
                && let Some(Expression::ClassExpression(c)) = d
                    .init
                    .as_ref()
                    .map(oxc_ast::ast::Expression::without_parentheses)
            {
                return constructor_of(c)
                    .map(|f| vec![(u, f.node_id(), f)])
                    .unwrap_or_default();
            }
        }
        self.functions_of(u, callee)
    }

    /// The tracked value becomes parameter `idx` of `f`.
    #[allow(clippy::too_many_arguments)]
    fn into_param(
        &mut self,
        i: u32,
        fu: UnitId,
        f: FnRef<'a>,
        idx: usize,
        fields: Fields<'a>,
        frame: Option<Frame>,
        hop: Hop<'a>,
    ) {
        let params = f.params();
        let mut frames = self.states[i as usize].frames.clone();
        let mut hop = hop;
        if let Some(fr) = frame
            && frames.len() < MAX_FRAMES
        {
            if self.mode == Mode::Carrier
                && fr.kind == FrameKind::User
                && self.merge_context(fu, f.node_id(), fr.call)
            {
                frames = FrameStack::default();
                let at = match hop {
                    Hop::Param(_, s) => s,
                    _ => f.span(),
                };
                hop = Hop::Merged("", at);
                self.merged += 1;
            } else {
                frames.push(fr);
            }
        }
        if let Some(p) = params.items.get(idx) {
            let syms = bind_targets(&p.pattern, &fields);
            for (sym, fl, name, span) in syms {
                let hop = match hop {
                    Hop::Param(_, s) => Hop::Param(name, s),
                    Hop::Merged(_, s) => Hop::Merged(name, s),
                    h => h,
                };
                for r in self.eng.read_refs(self.ctx(fu), sym) {
                    self.push(i, fu, r, fl, frames.clone(), hop);
                }
                let _ = span;
            }
        } else if let Some(rest) = &params.rest
            && let Some(b) = rest.rest.argument.get_binding_identifier()
        {
            let mut fl = fields;
            fl.push(Field::Elem);
            for r in self.eng.read_refs(self.ctx(fu), b.symbol_id()) {
                self.push(i, fu, r, fl, frames.clone(), hop);
            }
        }
    }

    /// Is function `fid` entered from `call` once too many (its calls kept
    /// apart are [`MAX_CONTEXTS`] already)? Then it is entered without a frame.
    fn merge_context(&mut self, u: UnitId, fid: NodeId, call: NodeId) -> bool {
        if self.context_calls.contains(&(u, fid, call)) {
            return false;
        }
        let n = self.contexts.entry((u, fid)).or_default();
        if *n >= MAX_CONTEXTS {
            return true;
        }
        *n += 1;
        self.context_calls.insert((u, fid, call));
        false
    }

    /// The tracked value is argument `idx` of call `c` (node `call`).
    fn argument(&mut self, i: u32, u: UnitId, call: NodeId, c: &'a CallExpression<'a>, idx: usize) {
        let ctx = self.ctx(u);
        let callee_name = match c.callee.without_parentheses() {
            Expression::Identifier(id) => Some(id.name.as_str()),
            e => e
                .as_member_expression()
                .and_then(oxc_ast::ast::MemberExpression::static_property_name),
        };
        let receiver = c
            .callee
            .without_parentheses()
            .as_member_expression()
            .map(oxc_ast::ast::MemberExpression::object);
        if self.mode == Mode::Callee {
            // Handed to a user function: wherever it calls its parameter.
            if self.into_callees(i, u, call, &c.callee, idx, None) {
                return;
            }
            // Handed to a built-in that calls it back: with the receiver's
            // elements (`xs.map(f)`), or a static helper's first argument's
            // (`Array.from(xs, f)`).
            if let Some(recv) = receiver
                && self.states[i as usize].fields.maybe_empty()
            {
                let source = match recv.without_parentheses() {
                    Expression::Identifier(g)
                        if matches!(
                            g.name.as_str(),
                            "Array" | "Object" | "Promise" | "Reflect"
                        ) && self.eng.prog.symbol_of(u, g).is_none() =>
                    {
                        c.arguments
                            .first()
                            .and_then(Argument::as_expression)
                            .unwrap_or(recv)
                    }
                    _ => recv,
                };
                self.event(
                    i,
                    Event::Call(CallSite {
                        unit: u,
                        call,
                        first_arg: Some(0),
                        callback_of: Some(source),
                        unproven: false,
                    }),
                );
            }
            // `__export(ns, { f: () => f })`-style getter objects are values, not calls.
            return;
        }
        if is_terminal_output(ctx, &c.callee) {
            self.event(i, Event::Local);
            return;
        }
        if let Some(n) = callee_name
            && SINK_CALLS.contains(&n)
        {
            self.sink(i, u, &format!("argument of `{n}(…)`"), c.span, false);
            return;
        }
        match (callee_name, receiver) {
            (Some("push" | "unshift" | "add"), Some(recv)) => {
                let f = self.states[i as usize].fields;
                self.store(i, u, recv, f, Field::Elem, call);
                return;
            }
            (Some("set"), Some(recv)) if idx == 1 => {
                let f = self.states[i as usize].fields;
                self.store(i, u, recv, f, Field::Elem, call);
                return;
            }
            (Some("replace" | "replaceAll"), Some(_)) => {
                if idx == 1 {
                    self.event(i, Event::FormatUse);
                    let alts = match c
                        .arguments
                        .first()
                        .and_then(Argument::as_expression)
                        .map(Expression::without_parentheses)
                    {
                        Some(Expression::StringLiteral(s)) => Alts::Text(s.value.to_string()),
                        Some(Expression::RegExpLiteral(re)) => {
                            regex_literal_text(re.regex.pattern.text.as_str())
                                .map_or(Alts::Empty, Alts::Text)
                        }
                        _ => Alts::Empty,
                    };
                    let chosen = self.states[i as usize].node;
                    self.control(i, u, call, call, &alts, chosen);
                    self.next(i, u, call, Hop::Up);
                }
                return;
            }
            (Some("join" | "concat" | "padStart" | "padEnd"), Some(_)) => {
                if callee_name == Some("join") {
                    self.event(i, Event::FormatUse);
                }
                // The fill of `s.padEnd(n, fill)`: how many copies of it are
                // put in depends on `n`, a repetition count as in `repeat`.
                if idx == 1
                    && matches!(callee_name, Some("padStart" | "padEnd"))
                    && let Some(n) = c.arguments.first().and_then(Argument::as_expression)
                    && !matches!(n.without_parentheses(), Expression::NumericLiteral(_))
                {
                    let chosen = self.states[i as usize].node;
                    self.decision(i, u, call, Test::Data(n), Alts::Encoding, chosen);
                }
                self.next(i, u, call, Hop::Up);
                return;
            }
            (Some("assign"), Some(Expression::Identifier(o))) if o.name == "Object" && idx >= 1 => {
                // Later sources override earlier ones: where the tracked
                // source lacks the field, an earlier source's value of it
                // is taken — the other side, decided by the tracked source.
                if let Some(Field::Name(k)) = self.states[i as usize].fields.last().copied()
                    && let Some(tracked) = c.arguments.get(idx).and_then(Argument::as_expression)
                {
                    let earlier = c.arguments[..idx]
                        .iter()
                        .filter_map(Argument::as_expression);
                    let alts = overridden_values(ctx, earlier, k);
                    if !alts.is_empty() {
                        // The field's own value: the carrier the walk began at.
                        let chosen = self
                            .origin_state(i)
                            .map_or(self.states[i as usize].node, |r| r.node);
                        self.decision(
                            i,
                            u,
                            call,
                            Test::Control(Control::Test(tracked)),
                            Alts::Exprs(alts),
                            chosen,
                        );
                    }
                }
                if let Some(t) = c.arguments.first().and_then(Argument::as_expression) {
                    let f = self.states[i as usize].fields;
                    if let Some(top) = f.last().copied() {
                        let mut f2 = f;
                        f2.pop();
                        self.store(i, u, t, f2, top, call);
                    }
                }
                self.next(i, u, call, Hop::Up);
                return;
            }
            // Built-ins that keep the value, reshaping its container.
            (Some(name), Some(Expression::Identifier(o)))
                if matches!(
                    o.name.as_str(),
                    "Object" | "Array" | "Promise" | "String" | "JSON" | "Reflect"
                ) && self.eng.prog.symbol_of(u, o).is_none() =>
            {
                let mut f = self.states[i as usize].fields;
                match (o.name.as_str(), name) {
                    ("Object", "values") => {
                        if matches!(f.last(), Some(Field::Name(_))) {
                            f.pop();
                            f.push(Field::Elem);
                        }
                    }
                    ("Object", "entries") => {
                        if matches!(f.last(), Some(Field::Name(_))) {
                            f.pop();
                            f.push(Field::Elem);
                            f.push(Field::Elem);
                        }
                    }
                    ("Object", "fromEntries") => {
                        if f.len() >= 2 {
                            f.pop();
                        }
                    }
                    ("Object", "keys") | ("JSON", "parse") => return,
                    ("String", "fromCharCode" | "fromCodePoint") => {
                        self.event(i, Event::CodePoint);
                        f.clear();
                    }
                    ("String", "raw")
                    | ("Object", "freeze" | "seal" | "create")
                    | ("Array", "from" | "of")
                    | ("Promise", "resolve" | "all" | "allSettled" | "race" | "any")
                    | ("Reflect", "get") => {}
                    _ => {
                        self.next(i, u, call, Hop::Unknown(c.span));
                        return;
                    }
                }
                self.next_fields(i, u, call, f, Hop::Up);
                return;
            }
            // `String(x)`, `structuredClone(x)`.
            (
                Some("String" | "structuredClone" | "encodeURIComponent" | "encodeURI" | "escape"),
                None,
            ) if matches!(c.callee.without_parentheses(), Expression::Identifier(g) if self.eng.prog.symbol_of(u, g).is_none()) =>
            {
                self.next(i, u, call, Hop::Up);
                return;
            }
            _ => {}
        }
        if self.into_callees(i, u, call, &c.callee, idx, None) {
            return;
        }
        // `s.includes(x)`, `s.indexOf(x)`, `re.test(x)`: a test of the
        // receiver against the value answers with a boolean or a position,
        // which embeds none of the value's text.
        if let (Some(n), Some(_)) = (callee_name, receiver)
            && is_predicate_method(n)
            && !matches!(n, "some" | "every" | "findIndex")
        {
            self.event(i, Event::Consumed);
            return;
        }
        // Unknown or built-in callee: the result may embed the value.
        self.next(i, u, call, Hop::Unknown(c.span));
    }

    /// The tracked value (at `fields`) is stored at `field` of the object `recv`.
    fn store(
        &mut self,
        i: u32,
        u: UnitId,
        recv: &'a Expression<'a>,
        fields: Fields<'a>,
        field: Field<'a>,
        at: NodeId,
    ) {
        let mut f = fields;
        f.push(field);
        let span = span_of(self.ctx(u), at);
        match recv.without_parentheses() {
            Expression::Identifier(id) => {
                if let Some(sym) = self.eng.prog.symbol_of(u, id) {
                    // Conditional pushes are decisions too.
                    let chosen = self.states[i as usize].node;
                    self.control(i, u, at, at, &Alts::Empty, chosen);
                    self.binding_value(i, u, sym, f, span);
                }
            }
            Expression::ThisExpression(_) => {}
            Expression::StaticMemberExpression(m) => {
                let k = m.property.name.as_str();
                if matches!(
                    m.object.without_parentheses(),
                    Expression::ThisExpression(_)
                ) {
                    if let Some(owner) = this_owner(self.ctx(u), nid(recv)) {
                        self.this_members(u, owner, k, f, i, false);
                    }
                } else {
                    self.store(i, u, &m.object, f, Field::Name(k), at);
                }
            }
            _ => {}
        }
    }

    /// Every read of `sym` (and its importers, and exports), with `fields`.
    fn binding_value(&mut self, i: u32, u: UnitId, sym: SymbolId, fields: Fields<'a>, span: Span) {
        let ctx = self.ctx(u);
        let name: &'a str = ctx.semantic.scoping().symbol_name(sym);
        let frames = if i == u32::MAX {
            FrameStack::default()
        } else {
            self.states[i as usize].frames.clone()
        };
        for r in self.eng.read_refs(ctx, sym) {
            self.push(i, u, r, fields, frames.clone(), Hop::Var(name, span));
        }
        // An esbuild CommonJS wrapper binding: its calls return the module's exports.
        let _ = self.eng.prog.graph.wrapper_of_symbol(u, sym);
    }

    /// `export const x` / `export function x` / `export class x` at declaration `decl_parent`.
    fn exported_decl(
        &mut self,
        i: u32,
        u: UnitId,
        decl_parent: NodeId,
        name: &'a str,
        fields: Fields<'a>,
    ) {
        let ctx = self.ctx(u);
        let nodes = ctx.semantic.nodes();
        if decl_parent.index() >= nodes.len() {
            return;
        }
        match nodes.kind(decl_parent) {
            AstKind::ExportDeclaration(e) => self.export(i, u, Some(name), fields, e.span),
            AstKind::ExportDefaultDeclaration(e) => {
                self.export(i, u, Some("default"), fields, e.span);
            }
            _ => {
                // `export { x as y }` elsewhere: a reference whose parent is an export specifier.
            }
        }
    }

    /// The tracked value is bound by a pattern (declaration, parameter default, `for…of`).
    fn bind(
        &mut self,
        i: u32,
        u: UnitId,
        pattern: &'a BindingPattern<'a>,
        fields: Fields<'a>,
        span: Span,
    ) {
        let ctx = self.ctx(u);
        for (sym, fl, _, _) in bind_targets(pattern, &fields) {
            let decl = ctx.semantic.scoping().symbol_declaration(sym);
            let chosen = self.states[i as usize].node;
            let alts = other_writes(ctx, sym, chosen);
            self.control(i, u, decl, decl, &alts, chosen);
            if let Alts::Exprs(v) = &alts
                && !v.is_empty()
            {
                // The variable's values meet here: its other writes are the alternatives.
                let _ = v;
            }
            self.binding_value(i, u, sym, fl, span);
        }
    }

    fn assignment(
        &mut self,
        i: u32,
        u: UnitId,
        at: NodeId,
        op: AssignmentOperator,
        left: &'a AssignmentTarget<'a>,
    ) {
        let ctx = self.ctx(u);
        let fields = self.states[i as usize].fields;
        let chosen = self.states[i as usize].node;
        let span = span_of(ctx, at);
        match left {
            AssignmentTarget::AssignmentTargetIdentifier(id) => {
                let Some(sym) = self.eng.prog.symbol_of(u, id) else {
                    return;
                };
                let alts = if op != AssignmentOperator::Assign {
                    Alts::Empty
                } else if let Some(own) = self_reference(ctx, sym, chosen) {
                    // `s = s.replace(…)`, `s = s + "\u200B"`: the other side is `s` unchanged.
                    Alts::Exprs(vec![own])
                } else {
                    other_writes(ctx, sym, chosen)
                };
                let site = ctx.semantic.scoping().symbol_declaration(sym);
                self.control(i, u, at, site, &alts, chosen);
                self.binding_value(i, u, sym, fields, span);
            }
            t => {
                let Some(m) = t.as_member_expression() else {
                    return;
                };
                let g = &self.eng.prog.graph;
                let module = g.module_of(ctx, u, at);
                if let Some(name) = modules::export_target(g, ctx, module, left) {
                    self.export(i, module, name, fields, span);
                    return;
                }
                // `this.#k = v`: a private name is as exact as a static one
                // (class-scoped), read back as `this.#k` in the class.
                let private = match m {
                    oxc_ast::ast::MemberExpression::PrivateFieldExpression(pf) => {
                        Some(pf.field.name.as_str())
                    }
                    _ => None,
                };
                let Some(k) = m.static_property_name().or(private) else {
                    // `obj[k] = v`: a table built at run time.
                    if let Some(top) = Some(Field::Elem) {
                        self.store(i, u, m.object(), fields, top, at);
                    }
                    return;
                };
                let alts = member_alternatives(ctx, m.object(), k, chosen);
                self.control(i, u, at, at, &alts, chosen);
                match m.object().without_parentheses() {
                    Expression::ThisExpression(_) => {
                        if let Some(owner) = this_owner(ctx, at) {
                            self.this_members(u, owner, k, fields, i, false);
                            let mut f = fields;
                            f.push(Field::Name(k));
                            self.next_fields(i, u, owner, f, Hop::Field(k, span));
                            if matches!(ctx.semantic.nodes().kind(owner), AstKind::Class(_)) {
                                self.class_value(i, u, owner, f);
                            }
                        }
                    }
                    obj @ (Expression::Identifier(_) | Expression::StaticMemberExpression(_)) => {
                        self.store(i, u, obj, fields, Field::Name(k), at);
                    }
                    // An owner we cannot resolve: the flow is not followed by name
                    // (the backward trace joins by name, marked unproven).
                    _ => {}
                }
            }
        }
    }

    /// Reads of `this.k` (or calls `this.k()` in callee mode) inside a class or
    /// object literal `owner`: continue from each such member node.
    fn this_members(
        &mut self,
        u: UnitId,
        owner: NodeId,
        k: &'a str,
        fields: Fields<'a>,
        i: u32,
        callee: bool,
    ) {
        let ctx = self.ctx(u);
        let nodes = ctx.semantic.nodes();
        let span = nodes.kind(owner).span();
        let frames = if i == u32::MAX {
            FrameStack::default()
        } else {
            self.states[i as usize].frames.clone()
        };
        let _ = span;
        let members = self.eng.this_members_of(u, owner);
        for &id in members.get(k).map_or(&[][..], Vec::as_slice) {
            let m_span = nodes.kind(id).span();
            if callee {
                if let AstKind::CallExpression(c) = nodes.parent_kind(id)
                    && c.callee.span() == m_span
                {
                    self.event(
                        if i == u32::MAX { 0 } else { i },
                        Event::Call(CallSite {
                            unit: u,
                            call: nodes.parent_id(id),
                            first_arg: Some(0),
                            callback_of: None,
                            unproven: false,
                        }),
                    );
                }
            } else if !matches!(nodes.parent_kind(id), AstKind::AssignmentExpression(a) if a.left.span() == m_span)
            {
                self.push(i, u, id, fields, frames.clone(), Hop::Field(k, m_span));
            }
        }
    }

    /// The tracked value is returned by `f` (return statement `ret`).
    fn returned(
        &mut self,
        i: u32,
        u: UnitId,
        ret: NodeId,
        fid: NodeId,
        f: FnRef<'a>,
        chosen: NodeId,
    ) {
        let ctx = self.ctx(u);
        if self.mode == Mode::Carrier {
            let others: Vec<&'a Expression<'a>> = f
                .returns()
                .into_iter()
                .filter(|e| nid(e) != chosen)
                .collect();
            let alts = if others.is_empty() {
                Alts::Empty
            } else {
                Alts::Exprs(others)
            };
            self.control(i, u, ret, fid, &alts, chosen);
        }
        let span = f.span();
        let mut frames = self.states[i as usize].frames.clone();
        let mut fields = self.states[i as usize].fields;
        if let Some(top) = frames.last().copied()
            && top.func == fid
        {
            frames.pop();
            match top.kind {
                FrameKind::Drop => return,
                FrameKind::Map => fields.push(Field::Elem),
                FrameKind::User | FrameKind::Result => {}
            }
            self.push(i, top.unit, top.call, fields, frames, Hop::Return(span));
            return;
        }
        if f.is_generator() {
            fields.push(Field::Elem);
        }
        // A getter in an object handed to a define-exports call (`__export(ns, { k: () => v })`,
        // `Object.defineProperty(o, "k", { get: … })`): field k of the first argument.
        let nodes = ctx.semantic.nodes();
        if let AstKind::ObjectProperty(p) = nodes.parent_kind(fid)
            && let Some(k) = super::names::property_key_name(&p.key)
        {
            let obj = nodes.parent_id(nodes.parent_id(fid));
            // The `get` trap of a `Proxy`'s handler (`new Proxy(t, { get(t,
            // k) { … } })`): what it returns is every property read through
            // the proxy.
            if k == "get" && proxy_of_get_trap(ctx, fid).is_some() {
                let mut f2 = fields;
                f2.push(Field::Any);
                self.push(
                    i,
                    u,
                    nodes.parent_id(obj),
                    f2,
                    FrameStack::default(),
                    Hop::Placed(span),
                );
                return;
            }
            if let AstKind::CallExpression(c) = nodes.parent_kind(obj)
                && c.arguments.len() >= 2
                && c.arguments
                    .iter()
                    .skip(1)
                    .any(|a| a.span() == nodes.kind(obj).span())
                && let Some(target) = c.arguments.first().and_then(Argument::as_expression)
            {
                let key = if k == "get" || k == "value" {
                    match c
                        .arguments
                        .get(1)
                        .and_then(Argument::as_expression)
                        .map(Expression::without_parentheses)
                    {
                        Some(Expression::StringLiteral(s)) => s.value.as_str(),
                        _ => return,
                    }
                } else {
                    k
                };
                let g = &self.eng.prog.graph;
                let m = g.module_of(ctx, u, fid);
                if g.is_exports_object(ctx, m, target) {
                    self.export(i, m, Some(key), fields, span);
                } else {
                    self.store(i, u, target, fields, Field::Name(key), nodes.parent_id(obj));
                }
                return;
            }
            if p.kind == PropertyKind::Get {
                // A getter: reading `.k` of the object returns the value.
                let mut f2 = fields;
                f2.push(Field::Name(k));
                self.next_fields(i, u, obj, f2, Hop::Field(k, p.span));
                self.this_members(u, obj, k, fields, i, false);
                return;
            }
        }
        if let AstKind::MethodDefinition(m) = nodes.parent_kind(fid)
            && m.kind == oxc_ast::ast::MethodDefinitionKind::Get
            && let Some(k) = super::names::property_key_name(&m.key)
        {
            let class = nodes.parent_id(nodes.parent_id(nodes.parent_id(fid)));
            self.this_members(u, class, k, fields, i, false);
            let mut f2 = fields;
            f2.push(Field::Name(k));
            self.next_fields(i, u, class, f2, Hop::Field(k, m.span));
            self.class_value(i, u, class, f2);
            return;
        }
        let callers = self.eng.callers(u, fid, f);
        for s in self.eng.caller_sites(&callers) {
            if s.callback_of.is_some() {
                // A built-in calling back: its result holds the callback's returns.
                let cctx = self.ctx(s.unit);
                let method = match cctx.semantic.nodes().kind(s.call) {
                    AstKind::CallExpression(c) => c
                        .callee
                        .without_parentheses()
                        .as_member_expression()
                        .and_then(oxc_ast::ast::MemberExpression::static_property_name),
                    _ => None,
                };
                let mut fl = fields;
                match method {
                    Some("map" | "flatMap" | "from") => fl.push(Field::Elem),
                    // `JSON.parse(text, reviver)`: what the reviver returns
                    // is some value of the parsed tree, at a depth not known.
                    Some("parse") if is_json_parse(cctx, s.call) => {
                        fl.push(Field::Any);
                        self.push(
                            i,
                            s.unit,
                            s.call,
                            fl,
                            FrameStack::default(),
                            Hop::Placed(span),
                        );
                        continue;
                    }
                    Some(
                        "then" | "catch" | "finally" | "reduce" | "reduceRight" | "replace"
                        | "replaceAll",
                    ) => {}
                    _ => continue,
                }
                self.push(
                    i,
                    s.unit,
                    s.call,
                    fl,
                    FrameStack::default(),
                    Hop::Return(span),
                );
                continue;
            }
            // A setter's `o.k = v` evaluates to `v`, and `e.emit(…)` to a
            // boolean: neither holds what the function returns.
            match self.ctx(s.unit).semantic.nodes().kind(s.call) {
                AstKind::AssignmentExpression(_) => continue,
                AstKind::CallExpression(c)
                    if c.callee
                        .without_parentheses()
                        .as_member_expression()
                        .and_then(oxc_ast::ast::MemberExpression::static_property_name)
                        == Some("emit") =>
                {
                    continue;
                }
                _ => {}
            }
            if !s.unproven {
                self.callee_choice(i, s.unit, s.call, fid, chosen);
            }
            let hop = if s.unproven {
                Hop::ByName("", span)
            } else {
                Hop::Return(span)
            };
            self.push(i, s.unit, s.call, fields, FrameStack::default(), hop);
        }
    }

    /// The function returning the tracked value was picked at the call from
    /// a table of functions (`[fmtA, fmtB][i](x)`, `({ us: f, eu: g })[k](d)`,
    /// `handlers.get(k)(x)`, `const f = T[k]; f(x)`, `(c ? f : g)(x)`): the
    /// other functions' returns are the alternatives, the key or test the
    /// decision.
    fn callee_choice(&mut self, i: u32, cu: UnitId, call: NodeId, fid: NodeId, chosen: NodeId) {
        if self.mode != Mode::Carrier {
            return;
        }
        let ctx = self.ctx(cu);
        let AstKind::CallExpression(c) = ctx.semantic.nodes().kind(call) else {
            return;
        };
        let mut callee = c.callee.without_parentheses();
        if matches!(callee, Expression::Identifier(_))
            && let Some(init) = crate::covert::const_init(ctx, callee)
        {
            callee = init.without_parentheses();
        }
        let (test, table): (Test<'a>, Vec<&'a Expression<'a>>) = match callee {
            Expression::ComputedMemberExpression(m)
                if !matches!(
                    m.expression.without_parentheses(),
                    Expression::StringLiteral(_) | Expression::NumericLiteral(_)
                ) =>
            {
                match table_alternatives(ctx, &m.object, call) {
                    Alts::Exprs(v) => (Test::Key(&m.expression), v),
                    _ => return,
                }
            }
            Expression::CallExpression(g)
                if g.callee
                    .without_parentheses()
                    .as_member_expression()
                    .and_then(oxc_ast::ast::MemberExpression::static_property_name)
                    == Some("get")
                    && g.arguments.len() == 1 =>
            {
                let (Some(m), Some(k)) = (
                    g.callee.without_parentheses().as_member_expression(),
                    g.arguments[0].as_expression(),
                ) else {
                    return;
                };
                match table_alternatives(ctx, m.object(), call) {
                    Alts::Exprs(v) => (Test::Key(k), v),
                    _ => return,
                }
            }
            Expression::ConditionalExpression(cd) => (
                Test::Control(Control::Test(&cd.test)),
                vec![&cd.consequent, &cd.alternate],
            ),
            _ => return,
        };
        let mut others: Vec<&'a Expression<'a>> = Vec::new();
        for e in table.into_iter().take(MAX_CALLEE_TABLE) {
            for (fu, f_id, f) in callee_functions(self.eng, cu, e) {
                // Rendered in the call's unit: alternatives elsewhere are left out.
                if f_id != fid && fu == cu {
                    others.extend(f.returns());
                }
            }
        }
        if !others.is_empty() {
            self.decision(i, cu, call, test, Alts::Exprs(others), chosen);
        }
    }

    /// The tracked value is export `name` of module `m` (`None`: the exports object itself).
    fn export(&mut self, i: u32, m: ModId, name: Option<&'a str>, fields: Fields<'a>, span: Span) {
        self.export_depth(i, m, name, fields, span, 0);
    }

    fn export_depth(
        &mut self,
        i: u32,
        m: ModId,
        name: Option<&'a str>,
        fields: Fields<'a>,
        span: Span,
        depth: u8,
    ) {
        let prog = self.eng.prog;
        let g = &prog.graph;
        let mut reached = false;
        let mut f_ns = fields;
        if let Some(n) = name {
            f_ns.push(Field::Name(n));
        }
        let importers: Vec<(UnitId, NodeId)> = g.importers(m).to_vec();
        for (iu, node) in importers {
            let ctx = prog.ctx(iu);
            let nodes = ctx.semantic.nodes();
            match nodes.kind(node) {
                AstKind::CallExpression(_) | AstKind::ImportExpression(_) => {
                    reached = true;
                    self.push(i, iu, node, f_ns, FrameStack::default(), Hop::Import(span));
                }
                AstKind::ImportDeclaration(d) => {
                    let Some(specs) = &d.specifiers else { continue };
                    for s in specs {
                        use oxc_ast::ast::ImportDeclarationSpecifier as S;
                        let (sym, fl) = match s {
                            S::ImportSpecifier(sp) => {
                                let imported = sp.imported.name();
                                match name {
                                    Some(n) if imported == n => (sp.local.symbol_id(), fields),
                                    None => {
                                        let mut f = fields;
                                        f.push(Field::Name(sp.imported.name().as_str()));
                                        // `module.exports = { k: v }` + `import { k }`: pop if it matches.
                                        if f.len() >= 2 && f.get(f.len() - 2) == f.get(f.len() - 1)
                                        {
                                            f.truncate(f.len() - 2);
                                            (sp.local.symbol_id(), f)
                                        } else {
                                            continue;
                                        }
                                    }
                                    _ => continue,
                                }
                            }
                            S::ImportDefaultSpecifier(sp) => match name {
                                Some("default") => (sp.local.symbol_id(), fields),
                                None => (sp.local.symbol_id(), fields),
                                Some(_) if !g.is_esm(m) => (sp.local.symbol_id(), f_ns),
                                _ => continue,
                            },
                            S::ImportNamespaceSpecifier(sp) => (sp.local.symbol_id(), f_ns),
                        };
                        reached = true;
                        self.binding_value(i, iu, sym, fl, span);
                    }
                }
                AstKind::ExportFromDeclaration(e) if depth < 4 => {
                    for s in &e.specifiers {
                        if name.is_some_and(|n| s.local.name() == n) {
                            reached = true;
                            let exported: &'a str = match &s.exported {
                                oxc_ast::ast::ModuleExportName::IdentifierName(x) => {
                                    x.name.as_str()
                                }
                                oxc_ast::ast::ModuleExportName::IdentifierReference(x) => {
                                    x.name.as_str()
                                }
                                oxc_ast::ast::ModuleExportName::StringLiteral(x) => {
                                    x.value.as_str()
                                }
                            };
                            self.export_depth(i, iu, Some(exported), fields, span, depth + 1);
                        }
                    }
                }
                AstKind::ExportAllDeclaration(_) if depth < 4 => {
                    reached = true;
                    self.export_depth(i, iu, name, fields, span, depth + 1);
                }
                _ => {}
            }
        }
        // esbuild `require_x()` calls of a wrapper module.
        let wrappers: Vec<(UnitId, SymbolId)> = g
            .wrapper_symbols()
            .filter(|&(_, _, wm)| wm == m)
            .map(|(u, s, _)| (u, s))
            .collect();
        for (wu, sym) in wrappers {
            let ctx = prog.ctx(wu);
            let nodes = ctx.semantic.nodes();
            for r in self.eng.read_refs(ctx, sym) {
                if let AstKind::CallExpression(c) = nodes.parent_kind(r)
                    && nid(&c.callee) == r
                {
                    reached = true;
                    self.push(
                        i,
                        wu,
                        nodes.parent_id(r),
                        f_ns,
                        FrameStack::default(),
                        Hop::Import(span),
                    );
                }
            }
        }
        if !reached && self.mode == Mode::Carrier && i != u32::MAX {
            let unit = g.mods[m as usize].unit;
            self.sink(i, unit, "a module export", span, true);
        }
    }
}

/// Symbols a pattern binds from a value at `fields`, with the fields left for each.
/// The values of property `k` in objects merged before the tracked one
/// (object literals, inline or a constant's initializer).
fn overridden_values<'a>(
    ctx: &Ctx<'a>,
    earlier: impl Iterator<Item = &'a Expression<'a>>,
    k: &str,
) -> Vec<&'a Expression<'a>> {
    let mut out = Vec::new();
    for e in earlier {
        let obj = match e.without_parentheses() {
            Expression::ObjectExpression(o) => Some(&**o),
            x => match crate::covert::const_init(ctx, x).map(Expression::without_parentheses) {
                Some(Expression::ObjectExpression(o)) => Some(&**o),
                _ => None,
            },
        };
        let Some(o) = obj else { continue };
        for q in &o.properties {
            if let oxc_ast::ast::ObjectPropertyKind::ObjectProperty(x) = q
                && x.kind == oxc_ast::ast::PropertyKind::Init
                && super::names::property_key_name(&x.key) == Some(k)
            {
                out.push(&x.value);
            }
        }
        if out.len() > 8 {
            break;
        }
    }
    out
}

/// The defaults (`[a = d]`, `{k = d}`) of the patterns the tracked field
/// path crosses on its way into `pattern`: each is taken instead of the
/// tracked value where the destructured value lacks it.
fn crossed_defaults<'a>(
    pattern: &'a BindingPattern<'a>,
    fields: &Fields<'a>,
) -> Vec<&'a Expression<'a>> {
    let mut out = Vec::new();
    let mut stack: Vec<(&'a BindingPattern<'a>, Fields<'a>, bool)> =
        vec![(pattern, *fields, false)];
    while let Some((p, f, inner)) = stack.pop() {
        if out.len() > 8 || stack.len() > 64 {
            break;
        }
        match p {
            BindingPattern::BindingIdentifier(_) => {}
            BindingPattern::AssignmentPattern(a) => {
                if inner {
                    out.push(&a.right);
                }
                stack.push((&a.left, f, inner));
            }
            BindingPattern::ObjectPattern(_) | BindingPattern::ArrayPattern(_) => {
                let (entered, f2) = entered_by(p, f);
                stack.extend(entered.into_iter().map(|e| (e, f2, true)));
            }
        }
    }
    out
}

/// The sub-patterns a tracked field path `f` enters from an object or array
/// pattern, and the path left inside them: `{k: p}` gives `p` when `f`'s
/// last field is `k`, `[p, q]` gives every element when it is element-like;
/// nothing otherwise (rest patterns are the callers' business).
fn entered_by<'a>(
    p: &'a BindingPattern<'a>,
    f: Fields<'a>,
) -> (Vec<&'a BindingPattern<'a>>, Fields<'a>) {
    let mut inner = f;
    inner.pop();
    let entered = match (p, f.last().copied()) {
        (BindingPattern::ObjectPattern(o), Some(Field::Name(top))) => o
            .properties
            .iter()
            .filter(|prop| prop.key.static_name().is_some_and(|k| k == top))
            .map(|prop| &prop.value)
            .collect(),
        (BindingPattern::ArrayPattern(a), Some(l)) if l.is_elem_like() => {
            a.elements.iter().flatten().collect()
        }
        _ => Vec::new(),
    };
    (entered, inner)
}

fn bind_targets<'a>(
    pattern: &'a BindingPattern<'a>,
    fields: &Fields<'a>,
) -> Vec<(SymbolId, Fields<'a>, &'a str, Span)> {
    let mut out = Vec::new();
    let mut stack: Vec<(&'a BindingPattern<'a>, Fields<'a>)> = vec![(pattern, *fields)];
    while let Some((p, f)) = stack.pop() {
        if out.len() > 64 {
            break;
        }
        match p {
            BindingPattern::BindingIdentifier(b) => {
                if let Some(s) = b.symbol_id.get() {
                    out.push((s, f, b.name.as_str(), b.span));
                }
            }
            BindingPattern::AssignmentPattern(a) => stack.push((&a.left, f)),
            BindingPattern::ObjectPattern(o) => {
                if f.is_any() {
                    // Collapsed: every property may hold it.
                    for prop in &o.properties {
                        stack.push((&prop.value, f));
                    }
                    if let Some(rest) = &o.rest {
                        stack.push((&rest.argument, f));
                    }
                    continue;
                }
                if !matches!(f.last(), Some(Field::Name(_))) {
                    continue;
                }
                let (entered, f2) = entered_by(p, f);
                stack.extend(entered.into_iter().map(|e| (e, f2)));
                if let Some(rest) = &o.rest {
                    stack.push((&rest.argument, f));
                }
            }
            BindingPattern::ArrayPattern(a) => {
                if !f.last().is_some_and(|l| l.is_elem_like()) {
                    continue;
                }
                let (entered, f2) = entered_by(p, f);
                stack.extend(entered.into_iter().map(|e| (e, f2)));
                if let Some(rest) = &a.rest {
                    stack.push((&rest.argument, f));
                }
            }
        }
    }
    out
}

/// Could a test (a conditional, a loop, an early return) decide whether the
/// code at `at` runs? Looks no further out than the enclosing function.
fn may_be_controlled(ctx: &Ctx<'_>, at: NodeId) -> bool {
    let nodes = ctx.semantic.nodes();
    if at.index() >= nodes.len() {
        return false;
    }
    nodes
        .ancestor_ids(at)
        .take_while(|&a| !FnRef::is_fn(nodes.kind(a)))
        .any(|a| {
            matches!(
                nodes.kind(a),
                AstKind::IfStatement(_)
                    | AstKind::SwitchCase(_)
                    | AstKind::ConditionalExpression(_)
                    | AstKind::LogicalExpression(_)
                    | AstKind::WhileStatement(_)
                    | AstKind::DoWhileStatement(_)
                    | AstKind::ForStatement(_)
                    | AstKind::ForOfStatement(_)
                    | AstKind::ForInStatement(_)
                    | AstKind::BlockStatement(_)
                    | AstKind::FunctionBody(_)
            )
        })
}

/// A read of `sym` inside the value written to it (`s = s.replace(…)`): the
/// value before the write, which is the other side of a conditional write.
fn self_reference<'a>(ctx: &Ctx<'a>, sym: SymbolId, written: NodeId) -> Option<&'a Expression<'a>> {
    let nodes = ctx.semantic.nodes();
    let span = nodes.kind(written).span();
    ctx.semantic
        .scoping()
        .get_resolved_references(sym)
        .filter(|r| r.is_read())
        .find(|r| span.contains_inclusive(nodes.kind(r.node_id()).span()))
        .and_then(|r| crate::covert::expr_of(ctx, r.node_id()))
}

/// The other values written to `sym` (its initializer and assignments), for
/// the alternatives of a write.
pub(crate) fn other_writes<'a>(ctx: &Ctx<'a>, sym: SymbolId, chosen: NodeId) -> Alts<'a> {
    let nodes = ctx.semantic.nodes();
    let scoping = ctx.semantic.scoping();
    let mut v: Vec<&'a Expression<'a>> = Vec::new();
    let decl = scoping.symbol_declaration(sym);
    if decl.index() < nodes.len()
        && let AstKind::VariableDeclarator(d) = nodes.kind(decl)
        && let Some(init) = &d.init
        && nid(init) != chosen
        && matches!(d.id, BindingPattern::BindingIdentifier(_))
    {
        v.push(init);
    }
    for r in scoping
        .get_resolved_references(sym)
        .filter(|r| r.is_write())
    {
        if let AstKind::AssignmentExpression(a) = nodes.parent_kind(r.node_id())
            && a.operator == AssignmentOperator::Assign
            && nid(&a.right) != chosen
        {
            v.push(&a.right);
        }
    }
    if v.is_empty() {
        Alts::Empty
    } else {
        Alts::Exprs(v)
    }
}

/// The other values a field `obj.k` holds: a class's static or instance
/// field initialiser, the object literal's property, other `obj.k = …` writes.
fn member_alternatives<'a>(
    ctx: &Ctx<'a>,
    obj: &'a Expression<'a>,
    k: &str,
    chosen: NodeId,
) -> Alts<'a> {
    let nodes = ctx.semantic.nodes();
    let scoping = ctx.semantic.scoping();
    let mut v: Vec<&'a Expression<'a>> = Vec::new();
    let owner = match obj.without_parentheses() {
        Expression::ThisExpression(_) => this_owner(ctx, nid(obj)),
        Expression::Identifier(id) => {
            let sym = id
                .reference_id
                .get()
                .and_then(|r| scoping.get_reference(r).symbol_id());
            if let Some(sym) = sym {
                for r in scoping.get_resolved_references(sym) {
                    let parent = nodes.parent_id(r.node_id());
                    if let AstKind::StaticMemberExpression(m) = nodes.kind(parent)
                        && m.property.name == k
                        && let AstKind::AssignmentExpression(a) = nodes.parent_kind(parent)
                        && a.left.span() == m.span
                        && nid(&a.right) != chosen
                    {
                        v.push(&a.right);
                    }
                }
                let decl = scoping.symbol_declaration(sym);
                match nodes.kind(decl) {
                    AstKind::Class(_) => Some(decl),
                    AstKind::VariableDeclarator(d) => {
                        d.init.as_ref().map(|i| nid(i.without_parentheses()))
                    }
                    _ => None,
                }
            } else {
                None
            }
        }
        _ => None,
    };
    if let Some(o) = owner {
        match nodes.kind(o) {
            AstKind::Class(c) => {
                for el in &c.body.body {
                    if let oxc_ast::ast::ClassElement::PropertyDefinition(p) = el
                        && super::names::property_key_name(&p.key) == Some(k)
                        && let Some(x) = &p.value
                    {
                        v.push(x);
                    }
                }
            }
            AstKind::ObjectExpression(ob) => {
                for p in &ob.properties {
                    if let oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p) = p
                        && super::names::property_key_name(&p.key) == Some(k)
                        && nid(&p.value) != chosen
                    {
                        v.push(&p.value);
                    }
                }
            }
            _ => {}
        }
    }
    if v.is_empty() {
        Alts::Empty
    } else {
        Alts::Exprs(v)
    }
}

/// The values of a table looked up by a computed key: the other entries of
/// the object or array literal the object expression resolves to.
/// Entries of a table of functions looked at for a callee choice.
const MAX_CALLEE_TABLE: usize = 32;

pub(crate) fn table_alternatives<'a>(
    ctx: &Ctx<'a>,
    obj: &'a Expression<'a>,
    chosen: NodeId,
) -> Alts<'a> {
    // `Object.values(T)`: T's values.
    let obj = match obj.without_parentheses() {
        Expression::CallExpression(c)
            if c.callee
                .without_parentheses()
                .as_member_expression()
                .is_some_and(|m| m.static_property_name() == Some("values") && matches!(m.object().without_parentheses(), Expression::Identifier(o) if o.name == "Object")) =>
        {
            match c.arguments.first().and_then(Argument::as_expression) {
                Some(t) => t,
                None => return Alts::Encoding,
            }
        }
        _ => obj,
    };
    // A Map filled with `.set(k, v)` calls on its binding: those values.
    if let Expression::Identifier(id) = obj.without_parentheses()
        && let Some(sym) = id
            .reference_id
            .get()
            .and_then(|r| ctx.semantic.scoping().get_reference(r).symbol_id())
    {
        let nodes = ctx.semantic.nodes();
        let mut v: Vec<&'a Expression<'a>> = Vec::new();
        for r in ctx.semantic.scoping().get_resolved_references(sym) {
            let parent = nodes.parent_id(r.node_id());
            if let AstKind::StaticMemberExpression(m) = nodes.kind(parent)
                && m.property.name == "set"
                && let AstKind::CallExpression(c) = nodes.parent_kind(parent)
                && let Some(x) = c.arguments.get(1).and_then(Argument::as_expression)
            {
                v.push(x);
            }
        }
        if v.len() >= 2 {
            return Alts::Exprs(v);
        }
    }
    let mut table = match obj.without_parentheses() {
        t @ (Expression::ObjectExpression(_)
        | Expression::ArrayExpression(_)
        | Expression::NewExpression(_)) => Some(t),
        Expression::Identifier(id) => crate::env::const_init(ctx, id),
        _ => None,
    };
    // `new Map([[k, v], …])`: the values.
    let mut pairs = false;
    if let Some(Expression::NewExpression(n)) = table.map(Expression::without_parentheses) {
        table = n.arguments.first().and_then(Argument::as_expression);
        pairs = true;
    }
    let Some(table) = table else {
        return Alts::Encoding;
    };
    if pairs {
        let Expression::ArrayExpression(a) = table.without_parentheses() else {
            return Alts::Encoding;
        };
        let v: Vec<&'a Expression<'a>> = a
            .elements
            .iter()
            .filter_map(oxc_ast::ast::ArrayExpressionElement::as_expression)
            .filter_map(|p| match p.without_parentheses() {
                Expression::ArrayExpression(kv) => kv
                    .elements
                    .get(1)
                    .and_then(oxc_ast::ast::ArrayExpressionElement::as_expression),
                _ => None,
            })
            .collect();
        return if v.len() >= 2 {
            Alts::Exprs(v)
        } else {
            Alts::Encoding
        };
    }
    let mut v = Vec::new();
    match table.without_parentheses() {
        Expression::ObjectExpression(o) => {
            for p in &o.properties {
                if let oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p) = p {
                    v.push(&p.value);
                }
            }
        }
        Expression::ArrayExpression(a) => {
            v.extend(
                a.elements
                    .iter()
                    .filter_map(oxc_ast::ast::ArrayExpressionElement::as_expression),
            );
        }
        _ => return Alts::Encoding,
    }
    let _ = chosen;
    match v.len() {
        0 => Alts::Encoding,
        // One entry: the look-up finds it or nothing.
        1 => Alts::Empty,
        _ => Alts::Exprs(v),
    }
}

/// The class or object literal whose `this` is seen at `node` (through
/// arrows, up to the first non-arrow function).
pub(crate) fn this_owner(ctx: &Ctx<'_>, node: NodeId) -> Option<NodeId> {
    let nodes = ctx.semantic.nodes();
    for id in nodes.ancestor_ids(node) {
        match nodes.kind(id) {
            AstKind::Function(_) => {
                let p = nodes.parent_id(id);
                return match nodes.kind(p) {
                    AstKind::MethodDefinition(_) => Some(nodes.parent_id(nodes.parent_id(p))),
                    AstKind::ObjectProperty(_) => Some(nodes.parent_id(p)),
                    _ => None,
                };
            }
            AstKind::PropertyDefinition(_) => return Some(nodes.parent_id(nodes.parent_id(id))),
            AstKind::StaticBlock(_) => return Some(nodes.parent_id(nodes.parent_id(id))),
            _ => {}
        }
    }
    None
}

/// The class whose `#name` a private member expression at `node` names:
/// the nearest enclosing class that declares `#name` (private names are
/// class-scoped and exact, so no join by name is needed).
pub(crate) fn private_owner(ctx: &Ctx<'_>, node: NodeId, name: &str) -> Option<NodeId> {
    let nodes = ctx.semantic.nodes();
    nodes.ancestor_ids(node).find(|&id| match nodes.kind(id) {
        AstKind::Class(c) => c.body.body.iter().any(|el| {
            let key = match el {
                oxc_ast::ast::ClassElement::PropertyDefinition(p) => &p.key,
                oxc_ast::ast::ClassElement::MethodDefinition(m) => &m.key,
                oxc_ast::ast::ClassElement::AccessorProperty(a) => &a.key,
                _ => return false,
            };
            matches!(key, oxc_ast::ast::PropertyKey::PrivateIdentifier(p) if p.name == name)
        }),
        _ => false,
    })
}

/// Methods named `name` of a class or object literal.
pub(crate) fn owner_methods<'a>(ctx: &Ctx<'a>, owner: NodeId, name: &str) -> Vec<FnRef<'a>> {
    let nodes = ctx.semantic.nodes();
    match nodes.kind(owner) {
        AstKind::Class(c) => c
            .body
            .body
            .iter()
            .filter_map(|el| match el {
                oxc_ast::ast::ClassElement::MethodDefinition(m)
                    if super::names::property_key_name(&m.key) == Some(name) =>
                {
                    Some(FnRef::Function(&m.value))
                }
                oxc_ast::ast::ClassElement::PropertyDefinition(p)
                    if super::names::property_key_name(&p.key) == Some(name) =>
                {
                    p.value.as_ref().and_then(FnRef::from_expr)
                }
                _ => None,
            })
            .collect(),
        AstKind::ObjectExpression(o) => o
            .properties
            .iter()
            .filter_map(|p| match p {
                oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p)
                    if super::names::property_key_name(&p.key) == Some(name) =>
                {
                    FnRef::from_expr(&p.value)
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn constructor_of<'a>(c: &'a oxc_ast::ast::Class<'a>) -> Option<FnRef<'a>> {
    c.body.body.iter().find_map(|el| match el {
        oxc_ast::ast::ClassElement::MethodDefinition(m)
            if m.kind == oxc_ast::ast::MethodDefinitionKind::Constructor =>
        {
            Some(FnRef::Function(&m.value))
        }
        _ => None,
    })
}

/// The callee of an indirect call `(0, m.f)(…)` / `(0, f)(…)`: the last
/// operand of a sequence whose other operands are literals; any other
/// callee as it is.
pub(crate) fn indirect_callee<'e, 'a>(e: &'e Expression<'a>) -> &'e Expression<'a> {
    match e.without_parentheses() {
        Expression::SequenceExpression(s)
            if s.expressions.len() >= 2
                && s.expressions[..s.expressions.len() - 1].iter().all(|x| {
                    matches!(
                        x.without_parentheses(),
                        Expression::NumericLiteral(_)
                            | Expression::StringLiteral(_)
                            | Expression::BooleanLiteral(_)
                            | Expression::NullLiteral(_)
                    )
                }) =>
        {
            s.expressions[s.expressions.len() - 1].without_parentheses()
        }
        e => e,
    }
}

/// Functions an expression denotes: an inline function, a binding of one,
/// an imported one, a function exported by a module (`require("./a").f`,
/// `ns.f`, webpack/esbuild wrappers), `this.m` in a class or object literal,
/// else methods of that name in the unit (by name, at most `max_writers`).
pub(crate) fn callee_functions<'a>(
    eng: &Engine<'_, '_, 'a>,
    u: UnitId,
    e: &'a Expression<'a>,
) -> Vec<(UnitId, NodeId, FnRef<'a>)> {
    let prog = eng.prog;
    let ctx = prog.ctx(u);
    let e = match e.without_parentheses() {
        Expression::StaticMemberExpression(m)
            if matches!(m.property.name.as_str(), "call" | "apply" | "bind") =>
        {
            &m.object
        }
        _ => e,
    };
    match e.without_parentheses() {
        Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_) => {
            FnRef::from_expr(e)
                .map(|f| vec![(u, f.node_id(), f)])
                .unwrap_or_default()
        }
        Expression::Identifier(id) => {
            let Some(sym) = prog.symbol_of(u, id) else {
                return Vec::new();
            };
            if let Some(f) = super::function_of_symbol(ctx, sym) {
                return vec![(u, f.node_id(), f)];
            }
            // `const f = T[k]; f()`: a function picked from a table.
            if let Some(Expression::ComputedMemberExpression(m)) =
                crate::covert::const_init(ctx, e).map(Expression::without_parentheses)
            {
                return table_functions(ctx, u, &m.object);
            }
            let mut out = Vec::new();
            for (_, v) in imported(prog, u, sym) {
                export_functions(prog, v, None, &mut out, 0);
            }
            out
        }
        Expression::StaticMemberExpression(m) => {
            let name = m.property.name.as_str();
            if matches!(
                m.object.without_parentheses(),
                Expression::ThisExpression(_)
            ) && let Some(owner) = this_owner(ctx, nid(e))
            {
                let mut found = owner_methods(ctx, owner, name);
                if !found.is_empty() {
                    // Virtual dispatch: `this.m()` in a base class may run
                    // an override of a subclass declared in this unit.
                    found.extend(subclass_overrides(eng, u, owner, name));
                    return found.into_iter().map(|f| (u, f.node_id(), f)).collect();
                }
            }
            if let Some(md) = module_object(prog, u, &m.object) {
                let mut vals = Vec::new();
                modules::exports_named(prog.units, &prog.graph, md, Some(name), &mut vals);
                if vals.is_empty() {
                    modules::exports_named(prog.units, &prog.graph, md, None, &mut vals);
                    vals.retain(|v| matches!(v, ExportVal::Whole(..)));
                }
                let mut out = Vec::new();
                for v in vals {
                    export_functions(prog, v, Some(name), &mut out, 0);
                }
                return out;
            }
            if super::names::BUILTIN_MEMBERS.contains(&name) {
                return Vec::new();
            }
            // The coarse pass joins every method of the name (unproven, like
            // all it reaches): a site's coarse walk enters each body once.
            let max = if eng.is_coarse() {
                usize::MAX
            } else {
                eng.limits().max_writers
            };
            let Some(methods) = prog.names[u as usize].methods(name, max) else {
                eng.note_cut("max_writers");
                return Vec::new();
            };
            methods.into_iter().map(|f| (u, f.node_id(), f)).collect()
        }
        // `T[k](x)` with a key that is not constant.
        Expression::ComputedMemberExpression(m)
            if !matches!(
                m.expression.without_parentheses(),
                Expression::StringLiteral(_) | Expression::NumericLiteral(_)
            ) =>
        {
            table_functions(ctx, u, &m.object)
        }
        _ => Vec::new(),
    }
}

/// Most functions a table picked from by a computed key may hold for its
/// call to be resolved to them (a bundler's module table is not this).
const MAX_TABLE_FUNCTIONS: usize = 16;

/// The functions of a small constant table (an object or array literal,
/// inline or bound to a never-reassigned variable) whose every entry is a
/// function written there or a binding of one; none otherwise.
fn table_functions<'a>(
    ctx: &Ctx<'a>,
    u: UnitId,
    t: &'a Expression<'a>,
) -> Vec<(UnitId, NodeId, FnRef<'a>)> {
    let t = match t.without_parentheses() {
        Expression::Identifier(_) => match crate::covert::const_init(ctx, t) {
            Some(i) => i.without_parentheses(),
            None => return Vec::new(),
        },
        t => t,
    };
    let mut values: Vec<&'a Expression<'a>> = Vec::new();
    match t {
        Expression::ObjectExpression(o) => {
            for p in &o.properties {
                match p {
                    oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p)
                        if p.kind == PropertyKind::Init =>
                    {
                        values.push(&p.value);
                    }
                    _ => return Vec::new(),
                }
            }
        }
        Expression::ArrayExpression(a) => {
            for el in &a.elements {
                match el.as_expression() {
                    Some(x) => values.push(x),
                    None => return Vec::new(),
                }
            }
        }
        _ => return Vec::new(),
    }
    if values.is_empty() || values.len() > MAX_TABLE_FUNCTIONS {
        return Vec::new();
    }
    let mut out = Vec::new();
    for v in values {
        let f = match v.without_parentheses() {
            Expression::Identifier(id) => ctx
                .semantic
                .scoping()
                .get_reference(match id.reference_id.get() {
                    Some(r) => r,
                    None => return Vec::new(),
                })
                .symbol_id()
                .and_then(|s| super::function_of_symbol(ctx, s)),
            x => FnRef::from_expr(x),
        };
        match f {
            Some(f) => out.push((u, f.node_id(), f)),
            None => return Vec::new(),
        }
    }
    out
}

/// Methods named `name` of classes of unit `u` that extend `base` (directly
/// or through up to three local classes): what `this.name()` in `base` may
/// dispatch to. Looked up in the unit's name index, so only units that
/// declare a method of that name pay anything.
fn subclass_overrides<'a>(
    eng: &Engine<'_, '_, 'a>,
    u: UnitId,
    base: NodeId,
    name: &str,
) -> Vec<FnRef<'a>> {
    let prog = eng.prog;
    let ctx = prog.ctx(u);
    let nodes = ctx.semantic.nodes();
    let Some(all) = prog.names[u as usize].methods(name, eng.limits().max_writers) else {
        return Vec::new();
    };
    let extends_base = |mut class: NodeId| {
        for _ in 0..4 {
            let AstKind::Class(c) = nodes.kind(class) else {
                return false;
            };
            let Some(sup) = &c.heritage else {
                return false;
            };
            match super::taint::class_of(prog, u, &sup.expression) {
                Some(s) if s == base => return true,
                Some(s) => class = s,
                None => return false,
            }
        }
        false
    };
    all.into_iter()
        .filter(|f| {
            let id = f.node_id();
            id.index() < nodes.len()
                && nodes
                    .ancestor_ids(id)
                    .take(4)
                    .find(|&a| matches!(nodes.kind(a), AstKind::Class(_)))
                    .is_some_and(|c| c != base && extends_base(c))
        })
        .collect()
}

/// The functions an export value is (a function, a binding of one, a
/// property `name` of an exported object literal, a re-export).
fn export_functions<'a>(
    prog: &Program<'_, 'a>,
    v: ExportVal<'a>,
    name: Option<&str>,
    out: &mut Vec<(UnitId, NodeId, FnRef<'a>)>,
    depth: u8,
) {
    if depth > 4 || out.len() > 8 {
        return;
    }
    let of_expr =
        |su: UnitId, x: &'a Expression<'a>, out: &mut Vec<(UnitId, NodeId, FnRef<'a>)>| match x
            .without_parentheses()
        {
            Expression::Identifier(id) => {
                if let Some(s) = prog.symbol_of(su, id)
                    && let Some(f) = super::function_of_symbol(prog.ctx(su), s)
                {
                    out.push((su, f.node_id(), f));
                }
            }
            other => {
                if let Some(f) = FnRef::from_expr(other) {
                    out.push((su, f.node_id(), f));
                }
            }
        };
    match v {
        ExportVal::Sym(su, s) => {
            if let Some(f) = super::function_of_symbol(prog.ctx(su), s) {
                out.push((su, f.node_id(), f));
            }
        }
        ExportVal::Expr(su, x) => of_expr(su, x, out),
        ExportVal::Whole(su, x) => match (name, x.without_parentheses()) {
            (Some(n), Expression::ObjectExpression(o)) => {
                for p in &o.properties {
                    if let oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p) = p
                        && super::names::property_key_name(&p.key) == Some(n)
                    {
                        of_expr(su, &p.value, out);
                    }
                }
            }
            (None, _) => of_expr(su, x, out),
            _ => {}
        },
        ExportVal::Re(m, rn) => {
            let name = rn.or(name);
            let mut vals = Vec::new();
            modules::exports_named(prog.units, &prog.graph, m, name, &mut vals);
            for v in vals {
                export_functions(prog, v, name, out, depth + 1);
            }
        }
    }
}

/// Follow a value expression to the constant text it stands for, through
/// bindings, object fields, imports and module exports: `marks.space.tight`
/// with `marks = require("./marks")` → the literal in `marks.js`. `None`
/// when it is not a constant (the caller renders it as it is).
pub(crate) fn resolve_constant<'a>(
    prog: &Program<'_, 'a>,
    u: UnitId,
    e: &'a Expression<'a>,
) -> Option<(UnitId, &'a Expression<'a>)> {
    let mut cur = (u, e);
    let mut fields: Vec<&'a str> = Vec::new();
    for _ in 0..16 {
        let (cu, ce) = cur;
        let ctx = prog.ctx(cu);
        match ce.without_parentheses() {
            x @ (Expression::StringLiteral(_)
            | Expression::NumericLiteral(_)
            | Expression::TemplateLiteral(_)
            | Expression::BinaryExpression(_)
            | Expression::ConditionalExpression(_)) => {
                return fields.is_empty().then_some((cu, x));
            }
            Expression::ObjectExpression(o) => {
                let k = fields.pop()?;
                let v = o.properties.iter().find_map(|p| match p {
                    oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p)
                        if super::names::property_key_name(&p.key) == Some(k) =>
                    {
                        Some(&p.value)
                    }
                    _ => None,
                })?;
                cur = (cu, v);
            }
            Expression::StaticMemberExpression(m) => {
                if let Some(md) = module_object(prog, cu, &m.object) {
                    let v = export_value(prog, md, m.property.name.as_str())?;
                    cur = v;
                } else {
                    fields.push(m.property.name.as_str());
                    cur = (cu, &m.object);
                }
            }
            Expression::Identifier(id) => {
                let sym = prog.symbol_of(cu, id)?;
                if let Some(init) = crate::env::const_init(ctx, id) {
                    cur = (cu, init);
                    continue;
                }
                let (_, v) = imported(prog, cu, sym).into_iter().next()?;
                match v {
                    ExportVal::Expr(su, x) | ExportVal::Whole(su, x) => cur = (su, x),
                    ExportVal::Sym(su, s) => {
                        let sctx = prog.ctx(su);
                        let nodes = sctx.semantic.nodes();
                        let decl = sctx.semantic.scoping().symbol_declaration(s);
                        let AstKind::VariableDeclarator(d) = nodes.kind(decl) else {
                            return None;
                        };
                        cur = (su, d.init.as_ref()?);
                    }
                    ExportVal::Re(..) => return None,
                }
            }
            Expression::CallExpression(c) => {
                if let Some(r) = super_method_return(prog, cu, c) {
                    cur = (cu, r);
                    continue;
                }
                let md = module_of_call(prog, cu, c)?;
                let k = fields.pop()?;
                cur = export_value(prog, md, k)?;
            }
            _ => return None,
        }
    }
    None
}

/// `super.m()` without arguments, in a class whose base is a local class
/// with one method `m` returning one expression: that expression (the text
/// an override falls back to, `c ? "\u2013" : super.connector()`).
fn super_method_return<'a>(
    prog: &Program<'_, 'a>,
    u: UnitId,
    c: &'a oxc_ast::ast::CallExpression<'a>,
) -> Option<&'a Expression<'a>> {
    let Expression::StaticMemberExpression(m) = c.callee.without_parentheses() else {
        return None;
    };
    if !matches!(m.object, Expression::Super(_)) || !c.arguments.is_empty() {
        return None;
    }
    let ctx = prog.ctx(u);
    let nodes = ctx.semantic.nodes();
    let class = nodes
        .ancestor_ids(c.node_id.get())
        .find(|&a| matches!(nodes.kind(a), AstKind::Class(_)))?;
    let AstKind::Class(cl) = nodes.kind(class) else {
        return None;
    };
    let base = super::taint::class_of(prog, u, &cl.heritage.as_ref()?.expression)?;
    let [f] = owner_methods(ctx, base, m.property.name.as_str())[..] else {
        return None;
    };
    let [r] = f.returns()[..] else {
        return None;
    };
    Some(r)
}

/// The expression export `k` of module `m` is bound to (first one).
fn export_value<'a>(
    prog: &Program<'_, 'a>,
    m: ModId,
    k: &str,
) -> Option<(UnitId, &'a Expression<'a>)> {
    let mut vals = Vec::new();
    modules::exports_named(prog.units, &prog.graph, m, Some(k), &mut vals);
    if vals.is_empty() {
        modules::exports_named(prog.units, &prog.graph, m, None, &mut vals);
    }
    match vals.into_iter().next()? {
        ExportVal::Expr(su, x) => Some((su, x)),
        ExportVal::Whole(su, x) => object_property(x, k).map(|v| (su, v)),
        ExportVal::Sym(su, s) => {
            let sctx = prog.ctx(su);
            let decl = sctx.semantic.scoping().symbol_declaration(s);
            match sctx.semantic.nodes().kind(decl) {
                AstKind::VariableDeclarator(d) => d.init.as_ref().map(|i| (su, i)),
                _ => None,
            }
        }
        ExportVal::Re(..) => None,
    }
}

/// The value of property `k` of an object literal (`{ k: v }`, `{ k }`).
fn object_property<'a>(x: &'a Expression<'a>, k: &str) -> Option<&'a Expression<'a>> {
    let Expression::ObjectExpression(o) = x.without_parentheses() else {
        return None;
    };
    o.properties.iter().find_map(|p| match p {
        oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p)
            if p.kind == oxc_ast::ast::PropertyKind::Init
                && super::names::property_key_name(&p.key) == Some(k) =>
        {
            Some(&p.value)
        }
        _ => None,
    })
}

/// Export `k` of module `m` as an importer binding it by name sees it: the
/// named exports, else — a CommonJS module, `module.exports = { k: v }` —
/// the property's own value (`v`), else (when `whole`) the whole exports
/// value when it is not an object literal.
pub(crate) fn exports_by_name<'a>(
    prog: &Program<'_, 'a>,
    m: ModId,
    k: &str,
    whole: bool,
) -> Vec<ExportVal<'a>> {
    let mut vals = Vec::new();
    modules::exports_named(prog.units, &prog.graph, m, Some(k), &mut vals);
    if !vals.is_empty() {
        return vals;
    }
    modules::exports_named(prog.units, &prog.graph, m, None, &mut vals);
    vals.into_iter()
        .filter_map(|v| match v {
            ExportVal::Whole(su, x) => match object_property(x, k) {
                Some(p) => Some(ExportVal::Expr(su, p)),
                None if whole
                    && !matches!(x.without_parentheses(), Expression::ObjectExpression(_)) =>
                {
                    Some(v)
                }
                None => None,
            },
            _ => None,
        })
        .collect()
}

/// What an imported binding is bound to.
pub(crate) fn imported<'a>(
    prog: &Program<'_, 'a>,
    u: UnitId,
    sym: SymbolId,
) -> Vec<(UnitId, ExportVal<'a>)> {
    let ctx = prog.ctx(u);
    let nodes = ctx.semantic.nodes();
    let decl = ctx.semantic.scoping().symbol_declaration(sym);
    if decl.index() >= nodes.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    match nodes.kind(decl) {
        AstKind::ImportSpecifier(s) => {
            let imp = nodes.parent_id(decl);
            if let Some(m) = prog.graph.target(u, imp) {
                let vals = exports_by_name(prog, m, s.imported.name().as_str(), true);
                out.extend(vals.into_iter().map(|v| (u, v)));
            }
        }
        AstKind::ImportDefaultSpecifier(_) => {
            let imp = nodes.parent_id(decl);
            if let Some(m) = prog.graph.target(u, imp) {
                let mut vals = Vec::new();
                modules::exports_named(prog.units, &prog.graph, m, Some("default"), &mut vals);
                if vals.is_empty() {
                    modules::exports_named(prog.units, &prog.graph, m, None, &mut vals);
                    vals.retain(|v| matches!(v, ExportVal::Whole(..)));
                }
                out.extend(vals.into_iter().map(|v| (u, v)));
            }
        }
        AstKind::VariableDeclarator(d) => {
            // `const { f } = require("./a")`, `const f = require("./a")`.
            if let Some(init) = &d.init
                && let Some(m) = module_object(prog, u, init)
            {
                let mut vals = Vec::new();
                match &d.id {
                    BindingPattern::BindingIdentifier(_) => {
                        modules::exports_named(prog.units, &prog.graph, m, None, &mut vals);
                        vals.retain(|v| matches!(v, ExportVal::Whole(..)));
                    }
                    BindingPattern::ObjectPattern(o) => {
                        for p in &o.properties {
                            if let BindingPattern::BindingIdentifier(b) = &p.value
                                && b.symbol_id.get() == Some(sym)
                                && let Some(k) = p.key.static_name()
                            {
                                // Not the whole exports value: that is not `k`.
                                vals.extend(exports_by_name(prog, m, &k, false));
                            }
                        }
                    }
                    _ => {}
                }
                out.extend(vals.into_iter().map(|v| (u, v)));
            }
        }
        _ => {}
    }
    out
}

/// The module an expression's value is the exports object of: `require("./a")`,
/// `require_a()`, `await import("./a")`, a namespace import, a binding of one.
pub(crate) fn module_object(
    prog: &Program<'_, '_>,
    u: UnitId,
    e: &Expression<'_>,
) -> Option<ModId> {
    let ctx = prog.ctx(u);
    let g = &prog.graph;
    match e.without_parentheses() {
        Expression::CallExpression(c) => module_of_call(prog, u, c),
        Expression::AwaitExpression(a) => module_object(prog, u, &a.argument),
        Expression::ImportExpression(i) => g.target(u, i.node_id.get()),
        Expression::StaticMemberExpression(m) if m.property.name == "default" => {
            module_object(prog, u, &m.object)
        }
        Expression::Identifier(id) => {
            let sym = prog.symbol_of(u, id)?;
            let nodes = ctx.semantic.nodes();
            let decl = ctx.semantic.scoping().symbol_declaration(sym);
            if decl.index() >= nodes.len() {
                return None;
            }
            match nodes.kind(decl) {
                AstKind::ImportNamespaceSpecifier(_) => g.target(u, nodes.parent_id(decl)),
                AstKind::VariableDeclarator(d)
                    if matches!(d.id, BindingPattern::BindingIdentifier(_)) =>
                {
                    let init = d.init.as_ref()?;
                    if matches!(init.without_parentheses(), Expression::Identifier(_)) {
                        return None;
                    }
                    module_object(prog, u, init)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The module a call returns the exports object of (`require("./a")`,
/// `require_a()`, `__toESM(require("./a"))`).
pub(crate) fn module_of_call(
    prog: &Program<'_, '_>,
    u: UnitId,
    c: &CallExpression<'_>,
) -> Option<ModId> {
    let g = &prog.graph;
    if let Some(m) = g.target(u, c.node_id.get()) {
        return Some(m);
    }
    if let Expression::Identifier(id) = c.callee.without_parentheses()
        && let Some(sym) = prog.symbol_of(u, id)
        && let Some(m) = g.wrapper_of_symbol(u, sym)
    {
        return Some(m);
    }
    // `__toESM(require("./a"))`
    if c.arguments.len() <= 2
        && let Some(Expression::CallExpression(inner)) = c
            .arguments
            .first()
            .and_then(Argument::as_expression)
            .map(Expression::without_parentheses)
    {
        return module_of_call(prog, u, inner);
    }
    None
}

fn span_of(ctx: &Ctx<'_>, node: NodeId) -> Span {
    let nodes = ctx.semantic.nodes();
    if node.index() < nodes.len() {
        nodes.kind(node).span()
    } else {
        Span::default()
    }
}

/// Methods whose result is a boolean, a number or a position: the text itself goes no further.
fn is_predicate_method(name: &str) -> bool {
    matches!(
        name,
        "includes"
            | "indexOf"
            | "lastIndexOf"
            | "startsWith"
            | "endsWith"
            | "test"
            | "match"
            | "matchAll"
            | "localeCompare"
            | "has"
            | "some"
            | "every"
            | "search"
            | "codePointAt"
            | "charCodeAt"
            | "findIndex"
            | "exec"
    )
}

/// `console.*(…)`, `process.stdout.write(…)`, `process.stderr.write(…)`: text
/// shown to the local user, which is not egress.
fn is_terminal_output(_ctx: &Ctx<'_>, callee: &Expression<'_>) -> bool {
    let Some(m) = callee.without_parentheses().as_member_expression() else {
        return false;
    };
    match m.object().without_parentheses() {
        Expression::Identifier(i) => i.name == "console",
        Expression::StaticMemberExpression(o) => {
            matches!(o.property.name.as_str(), "stdout" | "stderr")
                && matches!(o.object.without_parentheses(), Expression::Identifier(p) if p.name == "process")
        }
        _ => false,
    }
}

/// Two or more words of letters: text a person reads.
pub(crate) fn is_prose(s: &str) -> bool {
    s.split(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
        .filter(|w| w.chars().count() >= 2 && w.chars().all(char::is_alphabetic))
        .count()
        >= 2
}

/// The literal text a simple regex pattern matches (`'`, `\u2019`, `[’‘]` → its first member).
/// The `new Proxy(target, { get(t, k) { … } })` whose handler's `get` trap
/// is function `fid` (a method or a function-valued property of a handler
/// written in the call).
pub(crate) fn proxy_of_get_trap<'a>(
    ctx: &Ctx<'a>,
    fid: NodeId,
) -> Option<&'a oxc_ast::ast::NewExpression<'a>> {
    let nodes = ctx.semantic.nodes();
    let AstKind::ObjectProperty(p) = nodes.parent_kind(fid) else {
        return None;
    };
    if super::names::property_key_name(&p.key) != Some("get") {
        return None;
    }
    let obj = nodes.parent_id(nodes.parent_id(fid));
    let AstKind::NewExpression(n) = nodes.parent_kind(obj) else {
        return None;
    };
    (is_global_named(ctx, &n.callee, "Proxy")
        && n.arguments
            .get(1)
            .is_some_and(|a| a.span() == nodes.kind(obj).span()))
    .then_some(n)
}

/// Is `e` the global `name` (no binding of that name in scope)?
pub(crate) fn is_global_named(ctx: &Ctx<'_>, e: &Expression<'_>, name: &str) -> bool {
    matches!(e.without_parentheses(), Expression::Identifier(o) if o.name == name
    && o.reference_id.get().is_none_or(|r| {
        ctx.semantic.scoping().get_reference(r).symbol_id().is_none()
    }))
}

/// Is this call `JSON.parse(…)` (the global, not a binding of that name)?
fn is_json_parse(ctx: &Ctx<'_>, call: NodeId) -> bool {
    let AstKind::CallExpression(c) = ctx.semantic.nodes().kind(call) else {
        return false;
    };
    c.callee
        .without_parentheses()
        .as_member_expression()
        .is_some_and(|m| {
            m.static_property_name() == Some("parse")
                && matches!(m.object().without_parentheses(),
                Expression::Identifier(o) if o.name == "JSON"
                    && o.reference_id.get().is_none_or(|r| {
                        ctx.semantic.scoping().get_reference(r).symbol_id().is_none()
                    }))
        })
}

pub(crate) fn regex_literal_text(p: &str) -> Option<String> {
    if let Some(inner) = p.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        if inner.starts_with('^') {
            return None;
        }
        return regex_atoms(inner).and_then(|v| v.first().map(ToString::to_string));
    }
    let atoms = regex_atoms(p)?;
    (!atoms.is_empty() && atoms.len() <= 16).then(|| atoms.into_iter().collect())
}

/// Literal characters of a pattern without operators, escapes decoded.
fn regex_atoms(p: &str) -> Option<Vec<char>> {
    let mut out = Vec::new();
    let mut it = p.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next()? {
                'u' => {
                    let hex: String = if it.peek() == Some(&'{') {
                        it.next();
                        it.by_ref().take_while(|&c| c != '}').collect()
                    } else {
                        it.by_ref().take(4).collect()
                    };
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                'x' => {
                    let hex: String = it.by_ref().take(2).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                c if c.is_ascii_punctuation() => out.push(c),
                // A word boundary matches no character: `/\bfor\b/` is "for".
                'b' | 'B' => {}
                _ => return None,
            },
            '.' | '*' | '+' | '?' | '(' | ')' | '|' | '^' | '$' | '{' | '}' | '[' | ']' => {
                return None;
            }
            c => out.push(c),
        }
    }
    Some(out)
}
