//! Backward: which environment reads can a decision depend on?
//!
//! A breadth-first search over *value dependencies*, from an expression back
//! to [`crate::env::env_read`]s. Data dependence (operands, arguments,
//! receivers, initialisers and assignments, fields, imports) and control
//! dependence (a variable written or a function returning under an `if`, a
//! `switch`, an early return or a loop over some collection depends on the
//! tests deciding that) are both followed.
//!
//! **Summaries.** A call is not followed into its callee's body each time:
//! the callee's [`Summary`] — the environment reads and the parameters its
//! return value depends on — is computed once (a nested search in which the
//! callee's own parameters are terminal) and applied at the call: reads are
//! taken as they are, and the arguments at the parameters the return depends
//! on are searched in place. So `pick(flag)` called with tainted and untainted
//! flags is tainted only where the flag is. A parameter reached without a
//! call in hand (a query started inside a function) uses the call frames the
//! forward walk recorded, else every call site the callee walk finds.
//!
//! Hops that are not proven — a property joined by name because its owner is
//! unknown, a call to something we cannot see — mark the reads found through
//! them as unproven; the analyzer lowers the confidence of such findings.

use rustc_hash::{FxHashMap, FxHashSet as HashSet};
use std::rc::Rc;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, BindingPattern, CallExpression, Expression,
    ObjectPropertyKind, PropertyKind,
};
use oxc_semantic::{NodeId, SymbolId};
use oxc_span::{GetSpan, Span};

use super::modules::{self, ExportVal, ModId};
use super::walk::{Engine, Frame, Test, imported, module_object, this_owner};
use super::{FnRef, UnitId, control_deps};
use crate::env::{EnvRead, env_read, env_read_field};

/// Reads collected per query.
const MAX_READS: usize = 8;
/// Longest backward path (steps) from a decision to a read.
const MAX_PATH: u16 = 24;
/// Joins by property name on one path.
const MAX_JOINS: u8 = 1;

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

/// What a function's return value depends on.
#[derive(Clone, Debug, Default)]
pub(crate) struct Summary<'a> {
    pub reads: Vec<Found<'a>>,
    /// Bit i: parameter i (bit 63: a rest parameter or `arguments`).
    pub params: u64,
    pub opaque: bool,
    pub exhausted: bool,
    /// The limit that cut this summary's search, if any.
    pub cut: Option<&'static str>,
    /// The round scale it was computed at (a cut summary is computed again
    /// in a later round with larger limits).
    pub scale: u32,
}

#[derive(Clone, Copy)]
enum Val<'a> {
    Expr(UnitId, &'a Expression<'a>, Option<&'a str>),
    Sym(UnitId, SymbolId, Option<&'a str>),
    /// A call of a known function: apply its summary.
    Call(
        UnitId,
        &'a CallExpression<'a>,
        UnitId,
        NodeId,
        FnRef<'a>,
        usize,
    ),
    /// Parameter `idx` of a function, from its call sites.
    Param(UnitId, NodeId, FnRef<'a>, usize, Option<&'a str>),
    /// The tests deciding whether a node runs.
    Ctrl(UnitId, NodeId),
    /// `this.k` of a class or object literal.
    Owner(UnitId, NodeId, &'a str, Option<&'a str>),
    Export(ModId, Option<&'a str>, Option<&'a str>),
    /// Every write of `.k` in the unit.
    Name(UnitId, &'a str),
}

struct Item<'a> {
    val: Val<'a>,
    parent: u32,
    step: Option<Step<'a>>,
    unproven: bool,
    /// The value passed a comparison or test on the way (a decision, not a copy).
    compared: bool,
    /// Steps from the start, and joins by name among them.
    depth: u16,
    joins: u8,
    /// Call frames still applicable (a prefix of the query's frames).
    frames: u8,
}

/// One backward search.
struct Search<'e, 'p, 'c, 'a> {
    eng: &'e Engine<'p, 'c, 'a>,
    items: Vec<Item<'a>>,
    seen: HashSet<(u8, UnitId, usize, usize)>,
    queue: std::collections::VecDeque<u32>,
    budget: u32,
    frames: Vec<Frame>,
    /// The next items added are behind a comparison.
    cmp_next: bool,
    /// Constants compared (and whether a digest was taken) at an item: the
    /// trigger of reads found beyond it.
    notes: FxHashMap<u32, (Vec<String>, bool)>,
    /// Summarising this function: its parameters are terminal.
    summarising: Option<(UnitId, NodeId)>,
    out: Summary<'a>,
}

impl<'a> Engine<'_, '_, 'a> {
    /// The environment reads a decision depends on.
    pub(crate) fn taint(&self, u: UnitId, test: &Test<'a>, frames: &[Frame]) -> Taint<'a> {
        let mut s = Search::new(self, self.limits().query_steps, frames.to_vec(), None);
        match *test {
            Test::Control(c) => s.seed(Val::Expr(u, c.expr(), None)),
            Test::Key(e) | Test::Data(e) => s.seed(Val::Expr(u, e, None)),
            Test::Controls(at) => s.seed(Val::Ctrl(u, at)),
            Test::Predicate(f) => {
                for r in f.returns() {
                    s.seed(Val::Expr(u, r, None));
                }
            }
        }
        s.run();
        Taint {
            reads: s.out.reads,
            opaque: s.out.opaque,
            exhausted: s.out.exhausted,
        }
    }

    /// The summary of function `f` (node `fid` of unit `u`), memoised.
    pub(crate) fn summary(&self, u: UnitId, fid: NodeId, f: FnRef<'a>) -> Rc<Summary<'a>> {
        if let Some(s) = self.summaries.borrow().get(&(u, fid))
            && (s.cut.is_none() || s.scale >= self.scale())
        {
            if let Some(c) = s.cut {
                self.note_cut(c);
            }
            return s.clone();
        }
        if self.summary_nesting.get() >= self.limits().max_summary_nesting {
            self.note_cut("max_summary_nesting");
            return Rc::new(Summary {
                opaque: true,
                ..Summary::default()
            });
        }
        // Recursion sees an empty summary while this one is computed.
        self.summaries
            .borrow_mut()
            .insert((u, fid), Rc::new(Summary::default()));
        self.summary_nesting.set(self.summary_nesting.get() + 1);
        let outer = self.take_cut();
        let mut s = Search::new(
            self,
            self.limits().summary_steps,
            Vec::new(),
            Some((u, fid)),
        );
        for r in f.returns() {
            s.seed(Val::Expr(u, r, None));
            // Which return is taken depends on the tests around it.
            s.seed(Val::Ctrl(u, super::nid(r)));
        }
        s.run();
        self.summary_nesting.set(self.summary_nesting.get() - 1);
        let inner = self.take_cut();
        s.out.cut = if s.out.exhausted && inner.is_none() {
            Some("summary_steps")
        } else {
            inner
        };
        s.out.scale = self.scale();
        if let Some(c) = outer {
            self.note_cut(c);
        }
        if let Some(c) = s.out.cut {
            self.note_cut(c);
        }
        let out = Rc::new(s.out);
        self.summaries.borrow_mut().insert((u, fid), out.clone());
        out
    }
}

impl<'e, 'p, 'c, 'a> Search<'e, 'p, 'c, 'a> {
    fn new(
        eng: &'e Engine<'p, 'c, 'a>,
        budget: u32,
        frames: Vec<Frame>,
        summarising: Option<(UnitId, NodeId)>,
    ) -> Self {
        Search {
            eng,
            items: Vec::new(),
            seen: HashSet::default(),
            notes: FxHashMap::default(),
            queue: std::collections::VecDeque::new(),
            budget,
            frames,
            cmp_next: false,
            summarising,
            out: Summary::default(),
        }
    }

    fn seed(&mut self, val: Val<'a>) {
        let f = self.frames.len() as u8;
        self.add(val, u32::MAX, None, false, f);
    }

    fn key(val: &Val<'a>) -> (u8, UnitId, usize, usize) {
        let field = |f: Option<&str>| f.map_or(0, |s| super::names::hash_name(s) as usize + 1);
        match *val {
            Val::Expr(u, e, f) => (0, u, std::ptr::from_ref(e) as usize, field(f)),
            Val::Sym(u, s, f) => (1, u, s.index(), field(f)),
            Val::Call(u, c, _, fid, _, _) => (2, u, std::ptr::from_ref(c) as usize, fid.index()),
            Val::Param(u, fid, _, i, f) => (3, u, fid.index(), i ^ (field(f) << 8)),
            Val::Ctrl(u, n) => (4, u, n.index(), 0),
            Val::Owner(u, o, k, f) => (5, u, o.index(), field(Some(k)) ^ (field(f) << 20)),
            Val::Export(m, n, f) => (6, m, field(n), field(f)),
            Val::Name(u, k) => (7, u, field(Some(k)), 0),
        }
    }

    fn add(
        &mut self,
        val: Val<'a>,
        parent: u32,
        step: Option<Step<'a>>,
        unproven: bool,
        frames: u8,
    ) {
        let (pd, pj) = self
            .items
            .get(parent as usize)
            .map_or((0, 0), |p| (p.depth, p.joins));
        let depth = pd + u16::from(step.is_some());
        let joins = pj
            + u8::from(matches!(
                step,
                Some(Step {
                    kind: StepKind::ByName(_),
                    ..
                })
            ));
        // Long chains and repeated joins by name connect everything to
        // everything in a large bundle: a decision is not "chosen by" what
        // only reaches it that way.
        if depth > MAX_PATH || joins > MAX_JOINS {
            self.out.opaque = true;
            return;
        }
        let compared = self.cmp_next
            || matches!(
                step,
                Some(Step {
                    kind: StepKind::Condition,
                    ..
                })
            )
            || self.items.get(parent as usize).is_some_and(|p| p.compared);
        // A node is visited again when reached by a better path: proven
        // after unproven, carrying the value itself after only through a
        // comparison (both matter to the verdict).
        let key = Self::key(&val);
        let mark = |unproven: bool, compared: bool| {
            (
                key.0 | if unproven { 0x80 } else { 0 } | if compared { 0x40 } else { 0 },
                key.1,
                key.2,
                key.3,
            )
        };
        let covered = [(false, false), (false, true), (true, false), (true, true)]
            .into_iter()
            .filter(|&(u, c)| u <= unproven && c <= compared)
            .any(|(u, c)| self.seen.contains(&mark(u, c)));
        if covered {
            return;
        }
        // Every item a search adds is charged (a visit may add thousands).
        if !self.eng.charge(1) {
            self.out.exhausted = true;
            self.out.opaque = true;
            return;
        }
        self.seen.insert(mark(unproven, compared));
        let i = self.items.len() as u32;
        self.items.push(Item {
            val,
            parent,
            step,
            unproven,
            compared,
            depth,
            joins,
            frames,
        });
        self.queue.push_back(i);
    }

    /// Follow from item `i` to `val`.
    fn to(&mut self, i: u32, val: Val<'a>, step: Option<Step<'a>>) {
        let (unproven, frames) = {
            let it = &self.items[i as usize];
            (it.unproven, it.frames)
        };
        let unproven = unproven
            || matches!(
                step,
                Some(Step {
                    kind: StepKind::ByName(_),
                    ..
                })
            );
        self.add(val, i, step, unproven, frames);
    }

    fn run(&mut self) {
        while let Some(i) = self.queue.pop_front() {
            if self.out.reads.len() >= MAX_READS {
                break;
            }
            if self.budget == 0 || !self.eng.charge(1) {
                self.out.exhausted = true;
                self.out.opaque = true;
                break;
            }
            self.budget -= 1;
            self.visit(i);
        }
    }

    fn path(&self, mut i: u32) -> Vec<Step<'a>> {
        let mut out = Vec::new();
        while (i as usize) < self.items.len() && out.len() < 64 {
            let it = &self.items[i as usize];
            if let Some(s) = it.step {
                out.push(s);
            }
            i = it.parent;
        }
        out.reverse();
        out
    }

    fn found(&mut self, i: u32, u: UnitId, read: EnvRead) {
        let unproven = self.items[i as usize].unproven;
        if let Some(k) = self
            .out
            .reads
            .iter()
            .position(|r| r.unit == u && r.read.span == read.span && r.read.what == read.what)
        {
            // A proven path to a read found before through an unproven one wins.
            if self.out.reads[k].unproven && !unproven {
                self.out.reads[k].path = self.path(i);
                self.out.reads[k].unproven = false;
            }
            let compared = self.items[i as usize].compared;
            self.out.reads[k].compared |= compared;
            self.out.reads[k].data_path |= !compared;
            return;
        }
        let path = self.path(i);
        let compared = self.items[i as usize].compared;
        let (with, digest) = self.trigger(i);
        self.out.reads.push(Found {
            unit: u,
            read,
            path,
            unproven,
            compared,
            data_path: !compared,
            with,
            digest,
        });
    }

    /// The comparisons noted on the way from item `i` back to the start.
    fn trigger(&self, mut i: u32) -> (Vec<String>, bool) {
        let mut with: Vec<String> = Vec::new();
        let mut digest = false;
        for _ in 0..256 {
            if let Some((v, d)) = self.notes.get(&i) {
                digest |= *d;
                for c in v {
                    if with.len() < 16 && !with.contains(c) {
                        with.push(c.clone());
                    }
                }
            }
            let Some(it) = self.items.get(i as usize) else {
                break;
            };
            i = it.parent;
        }
        (with, digest)
    }

    fn note(&mut self, i: u32, constants: impl IntoIterator<Item = String>, digest: bool) {
        let e = self.notes.entry(i).or_default();
        e.1 |= digest;
        for c in constants {
            if e.0.len() < 16 && !e.0.contains(&c) {
                e.0.push(c);
            }
        }
    }

    fn visit(&mut self, i: u32) {
        let val = self.items[i as usize].val;
        match val {
            Val::Expr(u, e, field) => self.expr(i, u, e, field),
            Val::Sym(u, sym, field) => self.sym(i, u, sym, field),
            Val::Call(u, call, fu, fid, f, first) => {
                self.call_summary(i, u, call, fu, fid, f, first);
            }
            Val::Param(u, fid, f, idx, fl) => self.param(i, u, fid, f, idx, fl),
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
                let vals = self.eng.prog.names[u as usize].values(k, self.eng.limits().max_writers);
                if vals.is_none() {
                    self.out.opaque = true;
                    self.eng.note_cut("max_writers");
                }
                if let Some(vals) = vals {
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
                    self.out.opaque = true;
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
                if let Some(owner) = this_owner(ctx, super::nid(e)) {
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
                    self.to(i, Val::Expr(u, &m.expression, None), None);
                }
            }
            Expression::CallExpression(c) => self.call(i, u, c, field),
            Expression::NewExpression(n) => {
                if let Some(class) = class_of(prog, u, &n.callee) {
                    if let Some(k) = field {
                        self.to(
                            i,
                            Val::Owner(u, class, k, None),
                            step(StepKind::Field(k), n.span),
                        );
                    }
                    if let AstKind::Class(cl) = ctx.semantic.nodes().kind(class)
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
                self.to(i, Val::Expr(u, &l.left, field), None);
                self.to(i, Val::Expr(u, &l.right, field), None);
            }
            Expression::ConditionalExpression(c) => {
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
                    let sm = self.eng.summary(u, f.node_id(), f);
                    self.apply_reads(i, &sm, u, f.span(), StepKind::Return);
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

    /// Remember what a tainted value may be compared with (for the trigger).
    fn note_comparison(&mut self, i: u32, e: &'a Expression<'a>) {
        if let Expression::BinaryExpression(b) = e.without_parentheses()
            && b.operator.is_equality()
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
            if matches!(name, "digest" | "update") {
                self.note(i, [], true);
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
        let fns = callees(self.eng, u, &c.callee);
        if !fns.is_empty() {
            let first = match member.and_then(oxc_ast::ast::MemberExpression::static_property_name)
            {
                Some("call") => 1,
                _ => 0,
            };
            for (fu, fid, f) in fns {
                let at = Step {
                    unit: fu,
                    kind: StepKind::Return,
                    span: f.span(),
                };
                self.to(i, Val::Call(u, c, fu, fid, f, first), Some(at));
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
            )
        });
        if let Some(m) = member {
            self.to(i, Val::Expr(u, m.object(), None), None);
        } else if !matches!(c.callee.without_parentheses(), Expression::Identifier(_)) {
            self.to(i, Val::Expr(u, &c.callee, None), None);
        } else if let Expression::Identifier(id) = c.callee.without_parentheses() {
            if prog.symbol_of(u, id).is_none() {
                if !is_pure_global(id.name.as_str()) {
                    self.out.opaque = true;
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
                let s = self.eng.summary(u, f.node_id(), f);
                self.apply_reads(i, &s, u, f.span(), StepKind::Callback);
                continue;
            }
            self.to(i, Val::Expr(u, x, None), step(StepKind::Arg, x.span()));
        }
        self.cmp_next = false;
    }

    fn apply_reads(
        &mut self,
        i: u32,
        s: &Summary<'a>,
        fu: UnitId,
        fspan: Span,
        kind: StepKind<'a>,
    ) {
        let prefix = {
            let mut p = self.path(i);
            if !matches!(p.last(), Some(last) if last.unit == fu && last.span == fspan) {
                p.push(Step {
                    unit: fu,
                    kind,
                    span: fspan,
                });
            }
            p
        };
        let unproven = self.items[i as usize].unproven;
        let here = self.trigger(i);
        for r in &s.reads {
            if self.out.reads.len() >= MAX_READS {
                break;
            }
            if self
                .out
                .reads
                .iter()
                .any(|x| x.read.span == r.read.span && x.unit == r.unit)
            {
                continue;
            }
            let mut path = prefix.clone();
            path.extend(r.path.iter().copied());
            self.out.reads.push(Found {
                unit: r.unit,
                read: r.read.clone(),
                path,
                unproven: unproven || r.unproven,
                compared: r.compared || self.items[i as usize].compared,
                data_path: r.data_path && !self.items[i as usize].compared,
                with: {
                    let mut w = r.with.clone();
                    for c in &here.0 {
                        if w.len() < 16 && !w.contains(c) {
                            w.push(c.clone());
                        }
                    }
                    w
                },
                digest: r.digest || here.1,
            });
        }
        self.out.opaque |= s.opaque;
    }

    #[allow(clippy::too_many_arguments)]
    fn call_summary(
        &mut self,
        i: u32,
        u: UnitId,
        call: &'a CallExpression<'a>,
        fu: UnitId,
        fid: NodeId,
        f: FnRef<'a>,
        first: usize,
    ) {
        if self.summarising == Some((fu, fid)) {
            return; // direct recursion
        }
        let s = self.eng.summary(fu, fid, f);
        self.apply_reads(i, &s, fu, f.span(), StepKind::Return);
        for idx in 0..64usize {
            if s.params & (1u64 << idx) == 0 {
                continue;
            }
            if idx == 63 {
                for a in call.arguments.iter().filter_map(Argument::as_expression) {
                    self.to(
                        i,
                        Val::Expr(u, a, None),
                        Some(Step {
                            unit: u,
                            kind: StepKind::Arg,
                            span: a.span(),
                        }),
                    );
                }
                continue;
            }
            if let Some(a) = call
                .arguments
                .get(idx + first)
                .and_then(Argument::as_expression)
            {
                self.to(
                    i,
                    Val::Expr(u, a, None),
                    Some(Step {
                        unit: u,
                        kind: StepKind::Arg,
                        span: a.span(),
                    }),
                );
            }
        }
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
                        AstKind::ForInStatement(f) => self.to(
                            i,
                            Val::Expr(u, &f.right, None),
                            step(StepKind::Var(name), d.span),
                        ),
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
                    self.out.opaque = true;
                }
            }
            AstKind::CatchParameter(_) => return,
            // A function used as a value (handed on and called later): its results.
            AstKind::Function(f) => {
                let f = FnRef::Function(f);
                let sm = self.eng.summary(u, f.node_id(), f);
                self.apply_reads(i, &sm, u, f.span(), StepKind::Return);
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
            self.eng.note_cut("max_refs");
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
            ExportVal::Re(m) => self.to(i, Val::Export(m, field, None), None),
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
            let f = if matches!(v, ExportVal::Whole(..)) {
                name.or(field)
            } else {
                field
            };
            self.export_val(i, v, f, Span::default());
        }
    }

    fn param(
        &mut self,
        i: u32,
        u: UnitId,
        fid: NodeId,
        f: FnRef<'a>,
        idx: usize,
        field: Option<&'a str>,
    ) {
        if self.summarising == Some((u, fid)) {
            self.out.params |= 1u64 << idx.min(63);
            return;
        }
        // The forward walk's frames: the argument at the call it came through.
        let nframes = self.items[i as usize].frames as usize;
        if let Some(j) = self.frames[..nframes.min(self.frames.len())]
            .iter()
            .rposition(|fr| fr.func == fid && fr.unit == u)
        {
            let fr = self.frames[j];
            let ctx = self.eng.prog.ctx(fr.unit);
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
            if fr.kind == super::walk::FrameKind::User {
                if let Some(a) = args
                    .and_then(|a| a.get(idx))
                    .and_then(Argument::as_expression)
                {
                    let (unproven, ()) = (self.items[i as usize].unproven, ());
                    self.add(
                        Val::Expr(fr.unit, a, field),
                        i,
                        Some(Step {
                            unit: fr.unit,
                            kind: StepKind::Arg,
                            span: a.span(),
                        }),
                        unproven,
                        j as u8,
                    );
                }
            } else if let Some(r) = recv {
                let unproven = self.items[i as usize].unproven;
                self.add(
                    Val::Expr(fr.unit, r, None),
                    i,
                    Some(Step {
                        unit: fr.unit,
                        kind: StepKind::Callback,
                        span: r.span(),
                    }),
                    unproven,
                    j as u8,
                );
            }
            return;
        }
        let callers = self.eng.callers(u, fid, f);
        if callers.sites.is_empty() || !callers.complete {
            self.out.opaque = true;
        }
        for s in self.eng.caller_sites(&callers) {
            let ctx = self.eng.prog.ctx(s.unit);
            let nodes = ctx.semantic.nodes();
            if let Some(recv) = s.callback_of {
                self.to(
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
                AstKind::CallExpression(c) => &c.arguments,
                AstKind::NewExpression(n) => &n.arguments,
                AstKind::TaggedTemplateExpression(t) => {
                    // tag(strings, ...values)
                    if idx >= 1
                        && let Some(x) = t.quasi.expressions.get(idx - 1)
                    {
                        self.to(
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
                    self.to(
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
                for a in args.iter().skip(first).filter_map(Argument::as_expression) {
                    self.to(
                        i,
                        Val::Expr(s.unit, a, field),
                        Some(Step {
                            unit: s.unit,
                            kind: StepKind::Arg,
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
                self.to(
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
                            let f = FnRef::Function(&m.value);
                            for r in f.returns() {
                                self.to(i, Val::Expr(u, r, None), step(StepKind::Return, m.span));
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
                                self.to(i, Val::Expr(u, r, None), step(StepKind::Return, p.span));
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

/// Functions a callee expression denotes (bound, inline, imported, `this.m`, methods by name).
fn callees<'a>(
    eng: &Engine<'_, '_, 'a>,
    u: UnitId,
    callee: &'a Expression<'a>,
) -> Vec<(UnitId, NodeId, FnRef<'a>)> {
    super::walk::callee_functions(eng, u, callee)
}

/// The class node `new X(…)` instantiates, if X is a local class.
fn class_of(prog: &super::Program<'_, '_>, u: UnitId, callee: &Expression<'_>) -> Option<NodeId> {
    let Expression::Identifier(id) = callee.without_parentheses() else {
        return None;
    };
    let sym = prog.symbol_of(u, id)?;
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

/// Is the object of a member expression something whose fields we can follow
/// exactly (a local object literal, `this`, a module)?
fn owner_is_known(prog: &super::Program<'_, '_>, u: UnitId, obj: &Expression<'_>) -> bool {
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
