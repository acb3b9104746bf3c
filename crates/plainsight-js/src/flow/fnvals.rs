//! Where function values go: the call sites of every function of a
//! program, found once, including functions handed around as values.
//!
//! One flow-insensitive pass over the program (Andersen-style, restricted
//! to function values). Every function, arrow and class constructor is a
//! value; it flows through bindings (`const q = makeQuoter()`), returns of
//! the functions it is called from (factories), parameters (a callback
//! handed to a function of ours), properties by name (object literals,
//! class members, `o.p = f`; a join by name, so unproven), array elements,
//! imports and exports (ESM, CommonJS, bundler wrappers, as
//! `modules::exports_named` resolves them). A call's callee is such a
//! value: every function reaching it gets that call as a call site, its
//! parameters the call's arguments and the call's result its return — the
//! call graph is discovered while the values flow (on the fly), so a
//! closure returned by a factory that was itself passed as a callback is
//! still found. Functions handed to a built-in that calls back
//! (`xs.map(f)`, `p.then(f)`) get that call as a callback site.
//!
//! Bounded: a value holds at most `FlowLimits::max_fn_values` functions;
//! a function that would go beyond is *leaked* (it may be called where the
//! index cannot see), and its parameters are unknown inputs if the index
//! found no call of it. The work is linear in the program times that
//! bound, done once, and charged to the program's pool.

use rustc_hash::{FxHashMap, FxHashSet as HashSet};

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, AssignmentOperator, AssignmentTarget, BindingPattern, Class,
    ClassElement, Expression, MethodDefinitionKind, PropertyKind, SimpleAssignmentTarget,
};
use oxc_semantic::{NodeId, SymbolId};

use super::modules::{self, ExportVal};
use super::names::property_key_name;
use super::walk::{CallSite, Engine, imported, module_object};
use super::{FnRef, UnitId};

/// The call sites of the program's functions, by function.
pub(crate) struct CallIndex<'a> {
    pub sites: FxHashMap<(UnitId, NodeId), Vec<CallSite<'a>>>,
    /// Functions that reached a value holding more than
    /// `max_fn_values` functions: called, maybe, where the index cannot see.
    pub leaked: HashSet<(UnitId, NodeId)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Loc<'a> {
    Sym(UnitId, SymbolId),
    /// What a function returns.
    Ret(UnitId, NodeId),
    /// Values stored under a property name, anywhere (a join by name).
    Prop(&'a str),
    /// The value a call's callee denotes.
    Callee(UnitId, NodeId),
    /// The value a call evaluates to.
    Result(UnitId, NodeId),
    /// Argument `i` of a call.
    Arg(UnitId, NodeId, u32),
    /// Listeners of an event name (`e.on("name", f)`), of one emitter
    /// binding (`Some`) or of every emitter (`None`, a join by name).
    Event(Option<(UnitId, SymbolId)>, &'a str),
}

/// Marks a function that arrived only through a join by name.
const UNPROVEN: u32 = 1 << 31;

#[derive(Clone, Copy)]
enum Src {
    Fn(u32),
    /// A location; `true` if reading it is a join by name.
    Loc(u32, bool),
}

#[derive(Clone, Copy)]
enum Watch<'a> {
    /// Functions reaching a callee are called at `call`.
    Call {
        unit: UnitId,
        call: NodeId,
        first_arg: Option<usize>,
        unproven: bool,
        /// Index of the call's [`CallSlot`].
        slot: u32,
    },
    /// Functions reaching an argument of a built-in's call are called back
    /// with `source`'s elements / value.
    Callback {
        unit: UnitId,
        call: NodeId,
        source: &'a Expression<'a>,
    },
}

/// No location yet (a cache slot not filled).
const NONE: u32 = u32::MAX;

/// What a call's watch needs each time a function reaches its callee,
/// looked up once: where its arguments' locations are in
/// `Solver::arg_tab` (by position, [`NONE`] where an argument holds no
/// function) and its result's location, made on first use.
struct CallSlot {
    args_start: u32,
    args_len: u32,
    res: u32,
}

/// A function's simple parameters: position, binding, and the binding's
/// location once made ([`NONE`] before).
type Params = Vec<(u32, SymbolId, u32)>;

struct Solver<'e, 'p, 'c, 'a> {
    eng: &'e Engine<'p, 'c, 'a>,
    cap: usize,
    /// Keyed by property and binding names the input chooses: hashed with
    /// aHash's per-process random key, so a crafted bundle cannot aim
    /// collisions at it (FxHash is unkeyed).
    locs: ahash::HashMap<Loc<'a>, u32>,
    sets: Vec<Vec<u32>>,
    succ: Vec<Vec<(u32, bool)>>,
    watch: Vec<Vec<Watch<'a>>>,
    fns: Vec<(UnitId, NodeId, FnRef<'a>)>,
    fn_index: FxHashMap<(UnitId, NodeId), u32>,
    /// By function: the location of what it returns, once made.
    ret_loc: Vec<u32>,
    /// By function: its simple parameters.
    params: Vec<Params>,
    calls: Vec<CallSlot>,
    arg_tab: Vec<u32>,
    queue: Vec<(u32, u32)>,
    leaked: HashSet<(UnitId, NodeId)>,
    /// By function: its call sites.
    sites: Vec<Vec<CallSite<'a>>>,
    /// (function, unit, call, callback?) → index in its site list.
    site_at: FxHashMap<(u32, UnitId, NodeId, bool), usize>,
    /// Calls `o.name(…)` whose callee nothing resolved: their callee locations
    /// by property name, joined with the functions stored under that name
    /// once the rest has flowed, when they are few.
    by_name: Vec<(&'a str, u32)>,
    steps: u64,
}

impl<'a> Engine<'_, '_, 'a> {
    /// The program's index of call sites, built on first use (charged to the
    /// pool; [`crate::covert`] builds it before the rounds, so no site's
    /// share pays for it).
    pub(crate) fn call_index(&self) -> std::rc::Rc<CallIndex<'a>> {
        if let Some(c) = self.calls.borrow().as_ref() {
            return c.clone();
        }
        let outer = self.take_cut();
        let c = std::rc::Rc::new(call_index(self));
        self.take_cut();
        if let Some(cut) = outer {
            self.note_cut(cut);
        }
        *self.calls.borrow_mut() = Some(c.clone());
        c
    }
}

/// One pass over every call, `new` and tagged template of the program, and
/// over every place a function value is stored, then the values flowed to
/// a fixpoint.
fn call_index<'a>(eng: &Engine<'_, '_, 'a>) -> CallIndex<'a> {
    let mut s = Solver {
        eng,
        cap: eng.limits().max_fn_values.max(1),
        locs: ahash::HashMap::default(),
        sets: Vec::new(),
        succ: Vec::new(),
        watch: Vec::new(),
        fns: Vec::new(),
        fn_index: FxHashMap::default(),
        ret_loc: Vec::new(),
        params: Vec::new(),
        calls: Vec::new(),
        arg_tab: Vec::new(),
        queue: Vec::new(),
        leaked: HashSet::default(),
        sites: Vec::new(),
        site_at: FxHashMap::default(),
        by_name: Vec::new(),
        steps: 0,
    };
    let prog = eng.prog;
    for u in 0..prog.units.len() {
        let u = u as UnitId;
        let nodes = prog.ctx(u).semantic.nodes();
        eng.charge(nodes.len() as u64 / 16);
        for node in nodes.iter() {
            s.node(u, node.id(), node.kind());
            // Propagate as we go, so the queue stays small.
            if s.queue.len() > 4096 {
                s.solve();
            }
        }
    }
    s.solve();
    // `o.name(…)` with `o` unknown: the functions stored under `name`
    // anywhere, when there are at most `max_writers` of them (a join by
    // name, unproven); more is a name too common to tell — those functions
    // may be called there, unseen.
    let max = eng.limits().max_writers;
    let by_name = std::mem::take(&mut s.by_name);
    for (name, cl) in by_name {
        let Some(&p) = s.locs.get(&Loc::Prop(name)) else {
            continue;
        };
        if s.sets[p as usize].len() <= max {
            s.edge(p, cl, true);
            s.solve();
        } else {
            for k in 0..s.sets[p as usize].len() {
                let (u, id, _) = s.fns[(s.sets[p as usize][k] & !UNPROVEN) as usize];
                s.leaked.insert((u, id));
            }
        }
    }
    s.solve();
    eng.charge(s.steps / 16);
    let mut sites = FxHashMap::default();
    for (f, list) in s.sites.into_iter().enumerate() {
        if !list.is_empty() {
            let (u, id, _) = s.fns[f];
            sites.insert((u, id), list);
        }
    }
    CallIndex {
        sites,
        leaked: s.leaked,
    }
}

/// The entries of a local table some of which are functions (an array or
/// object literal, a binding of one, a Map filled by `set` or built from
/// pairs), at most [`MAX_TABLE`]: a callee picked from it by a computed key
/// is one of them. Every entry must be a function or a name, and at least
/// one must be known to be a function.
pub(crate) fn function_table<'a>(
    ctx: &crate::context::Ctx<'a>,
    obj: &'a Expression<'a>,
) -> Option<Vec<&'a Expression<'a>>> {
    let super::walk::Alts::Exprs(v) =
        super::walk::table_alternatives(ctx, obj, NodeId::from_usize(0))
    else {
        return None;
    };
    let literal_fn = |e: &Expression<'_>| {
        matches!(
            e.without_parentheses(),
            Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_)
        )
    };
    // A name declared as a function, or a constant holding a function literal.
    let names_fn = |e: &'a Expression<'a>| {
        let Expression::Identifier(i) = e.without_parentheses() else {
            return false;
        };
        let scoping = ctx.semantic.scoping();
        let declared_fn = i
            .reference_id
            .get()
            .and_then(|r| scoping.get_reference(r).symbol_id())
            .is_some_and(|s| {
                matches!(
                    ctx.semantic.nodes().kind(scoping.symbol_declaration(s)),
                    AstKind::Function(_)
                )
            });
        declared_fn || crate::covert::const_init(ctx, e).is_some_and(literal_fn)
    };
    let fn_or_name = |e: &&'a Expression<'a>| {
        literal_fn(e) || matches!(e.without_parentheses(), Expression::Identifier(_))
    };
    (v.len() <= MAX_TABLE
        && v.iter().any(|e| literal_fn(e) || names_fn(e))
        && v.iter().all(fn_or_name))
    .then_some(v)
}

/// Entries of a function table followed.
const MAX_TABLE: usize = 32;

/// The constructor of a class, if it has one.
fn ctor<'a>(c: &'a Class<'a>) -> Option<FnRef<'a>> {
    c.body.body.iter().find_map(|e| match e {
        ClassElement::MethodDefinition(m) if m.kind == MethodDefinitionKind::Constructor => {
            Some(FnRef::Function(&m.value))
        }
        _ => None,
    })
}

impl<'a> Solver<'_, '_, '_, 'a> {
    fn func(&mut self, u: UnitId, f: FnRef<'a>) -> u32 {
        let n = self.fns.len() as u32;
        *self.fn_index.entry((u, f.node_id())).or_insert_with(|| {
            self.fns.push((u, f.node_id(), f));
            self.ret_loc.push(NONE);
            self.sites.push(Vec::new());
            let mut ps = Vec::new();
            for (j, p) in f.params().items.iter().enumerate() {
                let b = match &p.pattern {
                    BindingPattern::BindingIdentifier(b) => b,
                    BindingPattern::AssignmentPattern(a) => match &a.left {
                        BindingPattern::BindingIdentifier(b) => b,
                        _ => continue,
                    },
                    _ => continue,
                };
                if let Some(sym) = b.symbol_id.get() {
                    ps.push((j as u32, sym, NONE));
                }
            }
            self.params.push(ps);
            n
        })
    }

    fn loc(&mut self, l: Loc<'a>) -> u32 {
        if let Some(&i) = self.locs.get(&l) {
            return i;
        }
        let i = self.sets.len() as u32;
        self.locs.insert(l, i);
        self.sets.push(Vec::new());
        self.succ.push(Vec::new());
        self.watch.push(Vec::new());
        if let Loc::Sym(u, sym) = l {
            self.seed_sym(u, sym, i);
        }
        i
    }

    /// A binding's own function (a declaration, `const f = () => …`, a
    /// class's constructor) and, for an import, what the module exports.
    fn seed_sym(&mut self, u: UnitId, sym: SymbolId, i: u32) {
        let prog = self.eng.prog;
        let ctx = prog.ctx(u);
        if let Some(f) = super::function_of_symbol(ctx, sym) {
            let f = self.func(u, f);
            self.add(i, f);
            return;
        }
        let nodes = ctx.semantic.nodes();
        let decl = ctx.semantic.scoping().symbol_declaration(sym);
        if decl.index() >= nodes.len() {
            return;
        }
        if let AstKind::Class(c) = nodes.kind(decl) {
            if let Some(f) = ctor(c) {
                let f = self.func(u, f);
                self.add(i, f);
            }
            return;
        }
        for (_, v) in imported(prog, u, sym) {
            let srcs = self.export_val(v);
            self.flow(&srcs, i);
        }
    }

    fn export_val(&mut self, v: ExportVal<'a>) -> Vec<Src> {
        match v {
            ExportVal::Expr(u, x) | ExportVal::Whole(u, x) => self.eval(u, x),
            ExportVal::Sym(u, s) => vec![Src::Loc(self.loc(Loc::Sym(u, s)), false)],
            ExportVal::Re(m, rn) => {
                let prog = self.eng.prog;
                let mut vals = Vec::new();
                if let Some(n) = rn {
                    modules::exports_named(prog.units, &prog.graph, m, Some(n), &mut vals);
                }
                let mut out = Vec::new();
                for v in vals.into_iter().take(8) {
                    if !matches!(v, ExportVal::Re(..)) {
                        out.extend(self.export_val(v));
                    }
                }
                out
            }
        }
    }

    fn add(&mut self, loc: u32, entry: u32) {
        let f = entry & !UNPROVEN;
        let set = &mut self.sets[loc as usize];
        if let Some(x) = set.iter_mut().find(|x| **x & !UNPROVEN == f) {
            if *x & UNPROVEN != 0 && entry & UNPROVEN == 0 {
                *x = entry;
                self.queue.push((loc, entry));
            }
            return;
        }
        if set.len() >= self.cap {
            let (u, id, _) = self.fns[f as usize];
            self.leaked.insert((u, id));
            return;
        }
        set.push(entry);
        self.queue.push((loc, entry));
    }

    fn edge(&mut self, from: u32, to: u32, by_name: bool) {
        if from == to {
            return;
        }
        self.succ[from as usize].push((to, by_name));
        for k in 0..self.sets[from as usize].len() {
            let e = self.sets[from as usize][k];
            self.add(to, if by_name { e | UNPROVEN } else { e });
        }
    }

    fn on(&mut self, loc: u32, w: Watch<'a>) {
        self.watch[loc as usize].push(w);
        for k in 0..self.sets[loc as usize].len() {
            let e = self.sets[loc as usize][k];
            self.fire(w, e);
        }
    }

    fn flow(&mut self, srcs: &[Src], to: u32) {
        for &s in srcs {
            match s {
                Src::Fn(f) => self.add(to, f),
                Src::Loc(l, by_name) => self.edge(l, to, by_name),
            }
        }
    }

    fn solve(&mut self) {
        while let Some((loc, e)) = self.queue.pop() {
            self.steps += 1;
            for k in 0..self.succ[loc as usize].len() {
                let (to, by_name) = self.succ[loc as usize][k];
                self.add(to, if by_name { e | UNPROVEN } else { e });
            }
            for k in 0..self.watch[loc as usize].len() {
                let w = self.watch[loc as usize][k];
                self.fire(w, e);
            }
        }
    }

    fn site(&mut self, f: u32, s: CallSite<'a>) {
        let key = (f, s.unit, s.call, s.callback_of.is_some());
        let list = &mut self.sites[f as usize];
        if let Some(&k) = self.site_at.get(&key) {
            list[k].unproven &= s.unproven;
        } else {
            self.site_at.insert(key, list.len());
            list.push(s);
        }
    }

    fn fire(&mut self, w: Watch<'a>, entry: u32) {
        let f = entry & !UNPROVEN;
        let by_name = entry & UNPROVEN != 0;
        match w {
            Watch::Callback { unit, call, source } => self.site(
                f,
                CallSite {
                    unit,
                    call,
                    first_arg: Some(0),
                    callback_of: Some(source),
                    unproven: by_name,
                },
            ),
            Watch::Call {
                unit,
                call,
                first_arg,
                unproven,
                slot,
            } => {
                self.site(
                    f,
                    CallSite {
                        unit,
                        call,
                        first_arg,
                        callback_of: None,
                        unproven: unproven || by_name,
                    },
                );
                let (fu, fid, _) = self.fns[f as usize];
                let mut ret = self.ret_loc[f as usize];
                if ret == NONE {
                    ret = self.loc(Loc::Ret(fu, fid));
                    self.ret_loc[f as usize] = ret;
                }
                let mut res = self.calls[slot as usize].res;
                if res == NONE {
                    res = self.loc(Loc::Result(unit, call));
                    self.calls[slot as usize].res = res;
                }
                self.edge(ret, res, by_name);
                let Some(first) = first_arg else { return };
                let (start, len) = {
                    let c = &self.calls[slot as usize];
                    (c.args_start as usize, c.args_len as usize)
                };
                for k in 0..self.params[f as usize].len() {
                    let (j, sym, to) = self.params[f as usize][k];
                    let i = j as usize + first;
                    if i >= len {
                        // Parameters come in order: none further has an argument.
                        break;
                    }
                    let arg = self.arg_tab[start + i];
                    if arg == NONE {
                        continue;
                    }
                    let to = if to == NONE {
                        let l = self.loc(Loc::Sym(fu, sym));
                        self.params[f as usize][k].2 = l;
                        l
                    } else {
                        to
                    };
                    self.edge(arg, to, by_name);
                }
            }
        }
    }

    /// The functions and locations an expression's value may be.
    fn eval(&mut self, u: UnitId, e: &'a Expression<'a>) -> Vec<Src> {
        let prog = self.eng.prog;
        let mut out = Vec::new();
        let mut stack: Vec<(UnitId, &'a Expression<'a>)> = vec![(u, e)];
        let mut budget = 64u32;
        while let Some((u, e)) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            match e.without_parentheses() {
                x
                @ (Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_)) => {
                    if let Some(f) = FnRef::from_expr(x) {
                        out.push(Src::Fn(self.func(u, f)));
                    }
                }
                Expression::ClassExpression(c) => {
                    if let Some(f) = ctor(c) {
                        out.push(Src::Fn(self.func(u, f)));
                    }
                }
                Expression::Identifier(r) => {
                    if let Some(sym) = prog.symbol_of(u, r) {
                        out.push(Src::Loc(self.loc(Loc::Sym(u, sym)), false));
                    }
                }
                Expression::ConditionalExpression(c) => {
                    stack.push((u, &c.consequent));
                    stack.push((u, &c.alternate));
                }
                Expression::LogicalExpression(l) => {
                    stack.push((u, &l.left));
                    stack.push((u, &l.right));
                }
                Expression::SequenceExpression(s) => {
                    if let Some(x) = s.expressions.last() {
                        stack.push((u, x));
                    }
                }
                Expression::AssignmentExpression(a) => stack.push((u, &a.right)),
                Expression::AwaitExpression(a) => stack.push((u, &a.argument)),
                Expression::TSAsExpression(a) => stack.push((u, &a.expression)),
                Expression::TSSatisfiesExpression(a) => stack.push((u, &a.expression)),
                Expression::TSNonNullExpression(a) => stack.push((u, &a.expression)),
                Expression::CallExpression(c) => match c.callee.without_parentheses() {
                    // `f.bind(…)` is `f`.
                    Expression::StaticMemberExpression(m) if m.property.name == "bind" => {
                        stack.push((u, &m.object));
                    }
                    // `handlers.get(k)` of a Map filled with functions: its values.
                    Expression::StaticMemberExpression(m)
                        if m.property.name == "get"
                            && c.arguments.len() == 1
                            && let Some(v) = function_table(prog.ctx(u), &m.object) =>
                    {
                        stack.extend(v.into_iter().map(|x| (u, x)));
                    }
                    _ => out.push(Src::Loc(self.loc(Loc::Result(u, c.node_id.get())), false)),
                },
                Expression::StaticMemberExpression(m) => {
                    let name = m.property.name.as_str();
                    if let Some(md) = module_object(prog, u, &m.object) {
                        // `m.f` of `module.exports = { f }` is `f` itself.
                        let vals = super::walk::exports_by_name(prog, md, name, false);
                        if !vals.is_empty() {
                            for v in vals {
                                let srcs = self.export_val(v);
                                out.extend(srcs);
                            }
                            continue;
                        }
                    }
                    // A property of a local object literal: its value
                    // itself (other writes of the name join by name).
                    if let Some(Expression::ObjectExpression(o)) =
                        crate::covert::const_init(prog.ctx(u), &m.object)
                            .map(Expression::without_parentheses)
                    {
                        for p in &o.properties {
                            if let oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p) = p
                                && p.kind == PropertyKind::Init
                                && property_key_name(&p.key) == Some(name)
                            {
                                stack.push((u, &p.value));
                            }
                        }
                    }
                    out.push(Src::Loc(self.loc(Loc::Prop(name)), true));
                }
                Expression::ComputedMemberExpression(m) => {
                    let name = match m.expression.without_parentheses() {
                        Expression::StringLiteral(s) => s.value.as_str(),
                        _ => "[]",
                    };
                    // `[fmtA, fmtB][i]`, `({ us: f, eu: g })[k]`, `T[k]` of a
                    // local table: its entries themselves.
                    if name == "[]"
                        && let Some(v) = function_table(prog.ctx(u), &m.object)
                    {
                        stack.extend(v.into_iter().map(|x| (u, x)));
                        continue;
                    }
                    out.push(Src::Loc(self.loc(Loc::Prop(name)), true));
                }
                _ => {}
            }
        }
        out
    }

    /// A place a value is stored, read or called.
    fn node(&mut self, u: UnitId, id: NodeId, kind: AstKind<'a>) {
        let prog = self.eng.prog;
        match kind {
            AstKind::VariableDeclarator(d) => {
                let Some(init) = &d.init else { return };
                match &d.id {
                    BindingPattern::BindingIdentifier(b) => {
                        let Some(sym) = b.symbol_id.get() else { return };
                        let srcs = self.eval(u, init);
                        if !srcs.is_empty() {
                            let to = self.loc(Loc::Sym(u, sym));
                            self.flow(&srcs, to);
                        }
                    }
                    // `const { f } = require("./a")` is an import.
                    _ if module_object(prog, u, init).is_some() => {}
                    BindingPattern::ObjectPattern(o) => {
                        for p in &o.properties {
                            let (Some(k), BindingPattern::BindingIdentifier(b)) =
                                (property_key_name(&p.key), &p.value)
                            else {
                                continue;
                            };
                            let Some(sym) = b.symbol_id.get() else {
                                continue;
                            };
                            let from = self.loc(Loc::Prop(k));
                            let to = self.loc(Loc::Sym(u, sym));
                            self.edge(from, to, true);
                        }
                    }
                    _ => {}
                }
            }
            AstKind::AssignmentExpression(a) => {
                if a.operator == AssignmentOperator::Assign
                    && let AssignmentTarget::StaticMemberExpression(m) = &a.left
                {
                    self.setter_sites(u, id, &m.object, m.property.name.as_str());
                }
                let to = match &a.left {
                    AssignmentTarget::AssignmentTargetIdentifier(r) => {
                        let Some(sym) = prog.symbol_of(u, r) else {
                            return;
                        };
                        Loc::Sym(u, sym)
                    }
                    AssignmentTarget::StaticMemberExpression(m) => {
                        Loc::Prop(m.property.name.as_str())
                    }
                    AssignmentTarget::ComputedMemberExpression(m) => {
                        match m.expression.without_parentheses() {
                            Expression::StringLiteral(s) => Loc::Prop(s.value.as_str()),
                            _ => Loc::Prop("[]"),
                        }
                    }
                    _ => {
                        if let Some(SimpleAssignmentTarget::PrivateFieldExpression(m)) =
                            a.left.as_simple_assignment_target()
                        {
                            Loc::Prop(m.field.name.as_str())
                        } else {
                            return;
                        }
                    }
                };
                let srcs = self.eval(u, &a.right);
                if !srcs.is_empty() {
                    let to = self.loc(to);
                    self.flow(&srcs, to);
                }
            }
            AstKind::ObjectProperty(p) if p.kind == PropertyKind::Init => {
                let Some(k) = property_key_name(&p.key) else {
                    return;
                };
                let srcs = self.eval(u, &p.value);
                if !srcs.is_empty() {
                    let to = self.loc(Loc::Prop(k));
                    self.flow(&srcs, to);
                }
            }
            AstKind::ArrayExpression(a) => {
                for el in &a.elements {
                    let Some(x) = ArrayExpressionElement::as_expression(el) else {
                        continue;
                    };
                    let srcs = self.eval(u, x);
                    if !srcs.is_empty() {
                        let to = self.loc(Loc::Prop("[]"));
                        self.flow(&srcs, to);
                    }
                }
            }
            AstKind::MethodDefinition(m) if m.kind == MethodDefinitionKind::Method => {
                if let Some(k) = property_key_name(&m.key) {
                    let f = self.func(u, FnRef::Function(&m.value));
                    let to = self.loc(Loc::Prop(k));
                    self.add(to, f);
                }
            }
            AstKind::PropertyDefinition(p) => {
                if let (Some(k), Some(v)) = (property_key_name(&p.key), &p.value) {
                    let srcs = self.eval(u, v);
                    if !srcs.is_empty() {
                        let to = self.loc(Loc::Prop(k));
                        self.flow(&srcs, to);
                    }
                }
            }
            AstKind::ReturnStatement(r) => {
                let Some(x) = &r.argument else { return };
                let nodes = prog.ctx(u).semantic.nodes();
                let Some(f) = nodes
                    .ancestor_ids(id)
                    .find(|&a| FnRef::is_fn(nodes.kind(a)))
                else {
                    return;
                };
                let srcs = self.eval(u, x);
                if !srcs.is_empty() {
                    let to = self.loc(Loc::Ret(u, f));
                    self.flow(&srcs, to);
                }
            }
            AstKind::ArrowFunctionExpression(a) => {
                if let Some(x) = a.get_expression() {
                    let srcs = self.eval(u, x);
                    if !srcs.is_empty() {
                        let to = self.loc(Loc::Ret(u, id));
                        self.flow(&srcs, to);
                    }
                }
            }
            AstKind::CallExpression(c) => self.call(u, id, &c.callee, Some(&c.arguments)),
            AstKind::NewExpression(n) => self.call(u, id, &n.callee, Some(&n.arguments)),
            AstKind::TaggedTemplateExpression(t) => self.call(u, id, &t.tag, None),
            _ => {}
        }
    }

    fn call(
        &mut self,
        u: UnitId,
        id: NodeId,
        callee: &'a Expression<'a>,
        args: Option<&'a oxc_allocator::Vec<'a, Argument<'a>>>,
    ) {
        let eng = self.eng;
        let prog = eng.prog;
        // The functions the forward walk resolves the callee to (bindings,
        // imports, exports, `this.m`, methods by name up to `max_writers`;
        // more is a join by name that proves nothing).
        let outer = eng.take_cut();
        let mut fns = super::walk::callee_functions(eng, u, callee);
        let by_name = eng.take_cut() == Some("max_writers");
        if let Some(c) = outer {
            eng.note_cut(c);
        }
        if by_name {
            fns.clear();
        }
        let member = callee.without_parentheses().as_member_expression();
        let method = member.and_then(oxc_ast::ast::MemberExpression::static_property_name);
        let first_arg = match method {
            Some("call") => Some(1),
            Some("apply") => None,
            _ => Some(0),
        };
        let unproven = matches!(
            callee.without_parentheses(),
            Expression::StaticMemberExpression(m)
                if !matches!(m.object.without_parentheses(), Expression::ThisExpression(_))
                    && module_object(prog, u, &m.object).is_none()
                    && !super::taint::owner_is_known(prog, u, &m.object)
        );
        let resolved = !fns.is_empty();
        // Arguments first, so the callee's parameters find them.
        let mut arg_locs = Vec::new();
        let args_start = self.arg_tab.len();
        for (i, a) in args.into_iter().flatten().enumerate() {
            self.arg_tab.push(NONE);
            let Some(x) = a.as_expression() else { continue };
            let srcs = self.eval(u, x);
            if srcs.is_empty() {
                continue;
            }
            let l = self.loc(Loc::Arg(u, id, i as u32));
            self.flow(&srcs, l);
            self.arg_tab[args_start + i] = l;
            arg_locs.push(l);
        }
        let slot = self.calls.len() as u32;
        self.calls.push(CallSlot {
            args_start: args_start as u32,
            args_len: (self.arg_tab.len() - args_start) as u32,
            res: NONE,
        });
        let cl = self.loc(Loc::Callee(u, id));
        for (fu, _, f) in fns {
            let f = self.func(fu, f);
            self.add(cl, if unproven { f | UNPROVEN } else { f });
        }
        // The callee as a value: a binding, a factory's result, a parameter,
        // a property by name (only when nothing better resolved it).
        let value = match callee.without_parentheses() {
            Expression::StaticMemberExpression(m)
                if matches!(m.property.name.as_str(), "call" | "apply") =>
            {
                Some(&m.object)
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_)
                if resolved =>
            {
                None
            }
            Expression::StaticMemberExpression(m)
                if module_object(prog, u, &m.object).is_none() =>
            {
                self.by_name.push((m.property.name.as_str(), cl));
                None
            }
            Expression::ComputedMemberExpression(m) => {
                if let Expression::StringLiteral(k) = m.expression.without_parentheses() {
                    self.by_name.push((k.value.as_str(), cl));
                    None
                } else {
                    // A local table of functions indexed by a computed key.
                    function_table(prog.ctx(u), &m.object).map(|_| callee)
                }
            }
            e => Some(e),
        };
        if let Some(v) = value {
            let srcs = self.eval(u, v);
            self.flow(&srcs, cl);
        }
        self.on(
            cl,
            Watch::Call {
                unit: u,
                call: id,
                first_arg,
                unproven,
                slot,
            },
        );
        let listener = match (member, args) {
            (Some(m), Some(args)) => self.event_call(u, id, m, args, slot),
            _ => false,
        };
        // Functions handed to a built-in (a method we do not resolve) are
        // called back by it.
        if let Some(m) = member.filter(|_| !resolved && !listener && method != Some("call")) {
            let recv = m.object();
            let source = match recv.without_parentheses() {
                Expression::Identifier(g)
                    if matches!(g.name.as_str(), "Array" | "Object" | "Promise" | "Reflect")
                        && prog.symbol_of(u, g).is_none() =>
                {
                    args.and_then(|a| a.first())
                        .and_then(Argument::as_expression)
                        .unwrap_or(recv)
                }
                _ => recv,
            };
            for l in arg_locs {
                self.on(
                    l,
                    Watch::Callback {
                        unit: u,
                        call: id,
                        source,
                    },
                );
            }
        }
    }

    /// `o.name = v` is a call of a setter `set name(v)` (object literal or
    /// class): the setters of the name found as `o.name(…)` would be
    /// (`this`'s own class, else by name up to `max_writers`), proven when
    /// the receiver is known as it is for a call.
    fn setter_sites(&mut self, u: UnitId, id: NodeId, obj: &'a Expression<'a>, name: &'a str) {
        let prog = self.eng.prog;
        let ctx = prog.ctx(u);
        let nodes = ctx.semantic.nodes();
        // The receiver's own object literal or class, when it is known.
        let owner = match obj.without_parentheses() {
            Expression::ThisExpression(_) => super::walk::this_owner(ctx, id),
            o => match crate::covert::const_init(ctx, o).map(Expression::without_parentheses) {
                Some(Expression::ObjectExpression(x)) => Some(x.node_id.get()),
                Some(Expression::NewExpression(n)) => super::taint::class_of(prog, u, &n.callee),
                _ => None,
            },
        };
        let own = owner
            .map(|o| super::walk::owner_methods(ctx, o, name))
            .filter(|v| !v.is_empty());
        let (found, unproven) = match own {
            Some(v) => (v, false),
            None => match prog.names[u as usize].methods(name, self.eng.limits().max_writers) {
                Some(v) => (v, !super::taint::owner_is_known(prog, u, obj)),
                None => return,
            },
        };
        for f in found {
            let is_setter = match nodes.parent_kind(f.node_id()) {
                AstKind::MethodDefinition(m) => m.kind == MethodDefinitionKind::Set,
                AstKind::ObjectProperty(p) => p.kind == PropertyKind::Set,
                _ => false,
            };
            if is_setter {
                let f = self.func(u, f);
                self.site(
                    f,
                    CallSite {
                        unit: u,
                        call: id,
                        first_arg: Some(0),
                        callback_of: None,
                        unproven,
                    },
                );
            }
        }
    }

    /// Event emitters: `e.on("name", f)` (`once`, `addListener`,
    /// `prepend…`) stores a listener under the event name; `e.emit("name",
    /// …args)` calls every listener of the name with `args`. Proven when
    /// both go through the same binding of the emitter, else a join by
    /// the event's name. True for a listener's registration (the emitter
    /// calls it: not a built-in's callback).
    fn event_call(
        &mut self,
        u: UnitId,
        id: NodeId,
        m: &'a oxc_ast::ast::MemberExpression<'a>,
        args: &'a oxc_allocator::Vec<'a, Argument<'a>>,
        slot: u32,
    ) -> bool {
        let Some(method) = m.static_property_name() else {
            return false;
        };
        let listen = matches!(
            method,
            "on" | "once" | "addListener" | "prependListener" | "prependOnceListener"
        );
        if !listen && method != "emit" {
            return false;
        }
        let name = match args.first().and_then(Argument::as_expression) {
            Some(Expression::StringLiteral(s)) => s.value.as_str(),
            Some(Expression::TemplateLiteral(t)) if t.expressions.is_empty() => {
                match t.quasis.first().and_then(|q| q.value.cooked) {
                    Some(c) => c.as_str(),
                    None => return false,
                }
            }
            _ => return false,
        };
        let prog = self.eng.prog;
        let emitter = match m.object().without_parentheses() {
            Expression::Identifier(r) => prog.symbol_of(u, r).map(|s| (u, s)),
            _ => None,
        };
        let any = self.loc(Loc::Event(None, name));
        if listen {
            let Some(f) = args.get(1).and_then(Argument::as_expression) else {
                return false;
            };
            let srcs = self.eval(u, f);
            if let Some(e) = emitter {
                let exact = self.loc(Loc::Event(Some(e), name));
                self.flow(&srcs, exact);
                self.edge(exact, any, true);
            } else {
                for s in srcs {
                    match s {
                        Src::Fn(f) => self.add(any, f | UNPROVEN),
                        Src::Loc(l, _) => self.edge(l, any, true),
                    }
                }
            }
            return true;
        }
        let watch = |unproven| Watch::Call {
            unit: u,
            call: id,
            first_arg: Some(1),
            unproven,
            slot,
        };
        if let Some(e) = emitter {
            let exact = self.loc(Loc::Event(Some(e), name));
            self.on(exact, watch(false));
        }
        self.on(any, watch(true));
        false
    }
}
