//! The value-flow engine behind the covert-channel analyzer (PS101–PS105).
//!
//! A covert channel is an environment-dependent choice between texts a reader
//! cannot tell apart, reaching outgoing text. The engine does not look for
//! shapes of such a choice; it follows *values* over the whole program of a
//! package and meets in the middle:
//!
//! - **Carriers first, by kind** ([`seeds`]): the rare places where
//!   imperceptible material enters a string — literals holding invisible,
//!   look-alike or unusual-space characters (raw or escaped), code points
//!   computed into the tag / variation-selector / zero-width / look-alike
//!   ranges, formatters whose options change a format — and the places where
//!   constant texts that differ imperceptibly meet (a conditional, a table, the
//!   returns of one function, the writes of one variable, a `.replace`).
//! - **Forward** ([`walk`]): from each carrier, the value is followed through
//!   everything JavaScript does with it — operators and templates, variables
//!   and destructuring, object and array literals (field by field), spread,
//!   `this` fields, parameters (with the call site kept, so a return goes back
//!   to the caller it came from), callbacks of the collection methods,
//!   `Map`/`Set`, promises and `await`, generators, tagged templates, exports
//!   and imports across the module graph ([`modules`]) — until it leaves the
//!   process (a request, a serialiser, a prompt-shaped object key) or is only
//!   printed locally. On the way every *decision* that selects it is recorded:
//!   the test of a conditional or `if`, a `switch` (also `switch (true)`), an
//!   early return, the key of a table look-up, the predicate of `find`, the
//!   data a code point or a repetition count is computed from.
//! - **Backward** ([`taint`]): each decision whose alternatives the text
//!   engine judges imperceptible is traced back to environment reads
//!   ([`crate::env`]), through data *and* control dependence, over one
//!   value-dependence graph per program built once and shared by every
//!   decision; function summaries (which parameters and which environment
//!   reads reach a return value) are facts of that graph, so each is
//!   computed once and applied per call site.
//!
//! Every walk is iterative or depth-bounded and runs within a per-site budget;
//! a site whose budget ran out is counted and makes its unit `partial` with a
//! reason of kind `budget` (file, place, how many sites), never silently
//! dropped. What could not be followed (an unknown callee, a property
//! joined by name only) makes a path *unproven*: it is reported at lower
//! confidence rather than not at all.

pub(crate) mod fnvals;
pub(crate) mod modules;
pub(crate) mod names;
pub(crate) mod seeds;
pub(crate) mod taint;
pub(crate) mod walk;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    ArrowFunctionBody, ArrowFunctionExpression, Expression, FormalParameters, Function, Statement,
};
use oxc_semantic::{NodeId, SymbolId};
use oxc_span::{GetSpan, Span};

use crate::context::Ctx;

/// Budgets and limits of the flow engine. Every one of them, when reached,
/// makes the site being analysed *incomplete*: its unit is reported
/// `partial [budget]` naming the place and the limit, never clean. The
/// defaults are sized so that real agents' bundles (13 MB of minified
/// JavaScript) complete; see docs/ARCHITECTURE.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlowLimits {
    /// Steps of one carrier's forward walk near the carrier, before
    /// deciding whether it meets a choice worth following further.
    pub near_steps: u32,
    /// Steps of one carrier's forward walk in all.
    pub walk_steps: u32,
    /// Steps of the program's backward value-dependence graph (built once,
    /// shared by every decision), per KiB of its source.
    pub backward_steps_per_kb: u32,
    /// Read references of one binding followed.
    pub max_refs: usize,
    /// Call sites a return is followed to when its call is unknown.
    pub max_callers: usize,
    /// Values stored under one property name joined by name.
    pub max_writers: usize,
    /// Functions one value (a binding, a property name, a parameter, a
    /// return) holds in the backward side's index of call sites; a
    /// function beyond it may be called where the index does not see.
    pub max_fn_values: usize,
    /// The program's shared pool of steps, per KiB of its source: every
    /// site gets an equal share of what is left, in rounds whose step
    /// limits (and `max_writers`) grow fourfold, until every site is
    /// complete or the pool is spent. Only sites unfinished then are cut.
    pub pool_steps_per_kb: u32,
    /// Steps every carrier site has of its own in the first round, not
    /// drawn from the pool: each site is attempted with at least this much,
    /// however much other sites (decoys) spent, and the pool pays only for
    /// what a site needs beyond it. A site still unfinished then is cut.
    pub site_steps: u32,
    /// Longest carrier walk, on a way that is not proven (a join by name,
    /// an unknown call, a hub entered without a frame, a collapsed field
    /// path), that still makes a finding: past it the walk has mostly
    /// connected a text to an unrelated decision through guesses. A meeting
    /// it keeps out is not dropped silently: its unit is reported partial
    /// (`limit`), naming the place and this limit.
    pub unproven_walk_hops: u32,
    /// The program's pool for *coarse passes*, per KiB of its source. A
    /// site whose precise walk is still cut in a late round is finished by
    /// a field- and context-insensitive walk (one state per node, linear in
    /// the program; everything it reaches unproven), with an equal part of
    /// what is left of this pool. A site whose coarse pass runs out of it
    /// is cut (`coarse_steps_per_kb`).
    pub coarse_steps_per_kb: u32,
}

impl Default for FlowLimits {
    fn default() -> FlowLimits {
        FlowLimits {
            near_steps: 400,
            walk_steps: 4000,
            backward_steps_per_kb: 400,
            max_refs: 100_000,
            max_callers: 100_000,
            max_writers: 8,
            max_fn_values: 16,
            pool_steps_per_kb: 400,
            site_steps: 8000,
            unproven_walk_hops: 16,
            coarse_steps_per_kb: 400,
        }
    }
}

impl FlowLimits {
    /// The names [`FlowLimits::set`] takes, as in the incomplete outcomes.
    pub const NAMES: &'static [&'static str] = &[
        "near_steps",
        "walk_steps",
        "backward_steps_per_kb",
        "max_refs",
        "max_callers",
        "max_writers",
        "max_fn_values",
        "pool_steps_per_kb",
        "site_steps",
        "unproven_walk_hops",
        "coarse_steps_per_kb",
    ];

    /// Sets the limit called `name` (one of [`FlowLimits::NAMES`]); `false`
    /// if there is no such limit.
    pub fn set(&mut self, name: &str, value: u32) -> bool {
        match name {
            "near_steps" => self.near_steps = value,
            "walk_steps" => self.walk_steps = value,
            "backward_steps_per_kb" => self.backward_steps_per_kb = value,
            "max_refs" => self.max_refs = value as usize,
            "max_callers" => self.max_callers = value as usize,
            "max_writers" => self.max_writers = value as usize,
            "max_fn_values" => self.max_fn_values = value as usize,
            "pool_steps_per_kb" => self.pool_steps_per_kb = value,
            "site_steps" => self.site_steps = value,
            "unproven_walk_hops" => self.unproven_walk_hops = value,
            "coarse_steps_per_kb" => self.coarse_steps_per_kb = value,
            _ => return false,
        }
        true
    }
}

/// Index of a unit in the package being analysed.
pub(crate) type UnitId = u32;

/// The JavaScript units of one package, analysed together.
pub(crate) struct Program<'c, 'a> {
    pub units: &'c [&'c Ctx<'a>],
    pub graph: modules::Graph<'a>,
    pub names: Vec<names::NameIndex<'a>>,
}

impl<'c, 'a> Program<'c, 'a> {
    pub fn ctx(&self, u: UnitId) -> &'c Ctx<'a> {
        self.units[u as usize]
    }

    /// The symbol an identifier reference resolves to in unit `u`.
    pub fn symbol_of(
        &self,
        u: UnitId,
        id: &oxc_ast::ast::IdentifierReference<'_>,
    ) -> Option<SymbolId> {
        let r = id.reference_id.get()?;
        self.ctx(u).semantic.scoping().get_reference(r).symbol_id()
    }

    /// line:column of an offset in unit `u`, prefixed with the unit's path
    /// when the program has more than one unit.
    pub fn pos(&self, u: UnitId, span: Span) -> String {
        let ctx = self.ctx(u);
        let p = ctx.lines.position(ctx.source, span.start);
        if self.units.len() > 1 {
            format!("{}:{}:{}", ctx.path, p.line, p.column)
        } else {
            format!("{}:{}", p.line, p.column)
        }
    }
}

/// The node id of an expression (every expression is a node of the semantic table).
pub(crate) fn nid(e: &Expression<'_>) -> NodeId {
    AstKind::from_expression(e).node_id()
}

/// A function-like node.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FnRef<'a> {
    Function(&'a Function<'a>),
    Arrow(&'a ArrowFunctionExpression<'a>),
}

impl<'a> FnRef<'a> {
    pub fn span(self) -> Span {
        match self {
            FnRef::Function(f) => f.span,
            FnRef::Arrow(f) => f.span,
        }
    }

    pub fn node_id(self) -> NodeId {
        match self {
            FnRef::Function(f) => f.node_id.get(),
            FnRef::Arrow(f) => f.node_id.get(),
        }
    }

    pub fn params(self) -> &'a FormalParameters<'a> {
        match self {
            FnRef::Function(f) => &f.params,
            FnRef::Arrow(f) => &f.params,
        }
    }

    pub fn is_generator(self) -> bool {
        matches!(self, FnRef::Function(f) if f.generator)
    }

    pub fn is_fn(k: AstKind<'_>) -> bool {
        matches!(
            k,
            AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
        )
    }

    pub fn from_kind(k: AstKind<'a>) -> Option<FnRef<'a>> {
        match k {
            AstKind::Function(f) => Some(FnRef::Function(f)),
            AstKind::ArrowFunctionExpression(f) => Some(FnRef::Arrow(f)),
            _ => None,
        }
    }

    pub fn from_expr(e: &'a Expression<'a>) -> Option<FnRef<'a>> {
        match e.without_parentheses() {
            Expression::FunctionExpression(f) => Some(FnRef::Function(f)),
            Expression::ArrowFunctionExpression(f) => Some(FnRef::Arrow(f)),
            _ => None,
        }
    }

    /// The returned expressions (arrow expression bodies included), nested
    /// functions excluded. Iterative over nested statements.
    pub fn returns(self) -> Vec<&'a Expression<'a>> {
        let mut out = Vec::new();
        let stmts: &'a [Statement<'a>] = match self {
            FnRef::Function(f) => match &f.body {
                Some(b) => &b.statements,
                None => return out,
            },
            FnRef::Arrow(f) => match &f.body {
                ArrowFunctionBody::FunctionBody(b) => &b.statements,
                body => {
                    out.extend(body.as_expression());
                    return out;
                }
            },
        };
        let mut stack: Vec<&'a Statement<'a>> = stmts.iter().rev().collect();
        while let Some(s) = stack.pop() {
            if out.len() > 256 {
                break;
            }
            match s {
                Statement::ReturnStatement(r) => out.extend(r.argument.as_ref()),
                Statement::BlockStatement(b) => stack.extend(b.body.iter().rev()),
                Statement::IfStatement(i) => {
                    stack.extend(i.alternate.as_ref());
                    stack.push(&i.consequent);
                }
                Statement::SwitchStatement(sw) => {
                    for c in sw.cases.iter().rev() {
                        stack.extend(c.consequent.iter().rev());
                    }
                }
                Statement::TryStatement(t) => {
                    if let Some(f) = &t.finalizer {
                        stack.extend(f.body.iter().rev());
                    }
                    if let Some(h) = &t.handler {
                        stack.extend(h.body.body.iter().rev());
                    }
                    stack.extend(t.block.body.iter().rev());
                }
                Statement::ForStatement(f) => stack.push(&f.body),
                Statement::ForInStatement(f) => stack.push(&f.body),
                Statement::ForOfStatement(f) => stack.push(&f.body),
                Statement::WhileStatement(w) => stack.push(&w.body),
                Statement::DoWhileStatement(w) => stack.push(&w.body),
                Statement::LabeledStatement(l) => stack.push(&l.body),
                _ => {}
            }
        }
        out
    }
}

/// The function a node belongs to (innermost), if any.
pub(crate) fn enclosing_fn<'a>(ctx: &Ctx<'a>, node: NodeId) -> Option<(NodeId, FnRef<'a>)> {
    let nodes = ctx.semantic.nodes();
    nodes
        .ancestor_ids(node)
        .find_map(|id| FnRef::from_kind(nodes.kind(id)).map(|f| (id, f)))
}

/// The function a symbol denotes when it is bound to one: a declaration or
/// `const f = (…) => …` / `function (…) {…}`.
pub(crate) fn function_of_symbol<'a>(ctx: &Ctx<'a>, sym: SymbolId) -> Option<FnRef<'a>> {
    let nodes = ctx.semantic.nodes();
    let decl = ctx.semantic.scoping().symbol_declaration(sym);
    if decl.index() >= nodes.len() {
        return None;
    }
    match nodes.kind(decl) {
        AstKind::Function(f) => Some(FnRef::Function(f)),
        AstKind::VariableDeclarator(d) => d.init.as_ref().and_then(FnRef::from_expr),
        _ => None,
    }
}

/// Does the statement always leave the block (`return`, `throw`, `break`, `continue`)?
pub(crate) fn always_exits(s: &Statement<'_>) -> bool {
    match s {
        Statement::ReturnStatement(_)
        | Statement::ThrowStatement(_)
        | Statement::BreakStatement(_)
        | Statement::ContinueStatement(_) => true,
        Statement::BlockStatement(b) => b.body.last().is_some_and(always_exits),
        Statement::IfStatement(i) => {
            always_exits(&i.consequent) && i.alternate.as_ref().is_some_and(always_exits)
        }
        _ => false,
    }
}

/// A test that decides whether `node` runs or which value it produces: the
/// enclosing `if`/`?:`/`&&`/`switch`/loop tests and the early exits before
/// it, up to the enclosing function. Iterative over ancestors; at most
/// `MAX_CONTROL` tests.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Control<'a> {
    /// A boolean-ish test (`if`, `?:`, `&&`/`||`/`??`, loop condition, `case` of `switch (true)`).
    Test(&'a Expression<'a>),
    /// The discriminant of a `switch` whose case was taken.
    Switch(&'a Expression<'a>),
    /// The collection a `for…of`/`for…in` iterates (the number of iterations).
    Loop(&'a Expression<'a>),
}

impl<'a> Control<'a> {
    pub fn expr(self) -> &'a Expression<'a> {
        match self {
            Control::Test(e) | Control::Switch(e) | Control::Loop(e) => e,
        }
    }
}

const MAX_CONTROL: usize = 16;

pub(crate) fn control_deps<'a>(ctx: &Ctx<'a>, node: NodeId) -> Vec<Control<'a>> {
    let nodes = ctx.semantic.nodes();
    let mut out: Vec<Control<'a>> = Vec::new();
    let mut child = node;
    for id in nodes.ancestor_ids(node) {
        if out.len() >= MAX_CONTROL {
            break;
        }
        let child_span = nodes.kind(child).span();
        match nodes.kind(id) {
            AstKind::IfStatement(s) if !s.test.span().contains_inclusive(child_span) => {
                out.push(Control::Test(&s.test));
            }
            AstKind::ConditionalExpression(c) if !c.test.span().contains_inclusive(child_span) => {
                out.push(Control::Test(&c.test));
            }
            AstKind::LogicalExpression(l) if l.right.span().contains_inclusive(child_span) => {
                out.push(Control::Test(&l.left));
            }
            AstKind::SwitchCase(c) => {
                if let Some(t) = &c.test
                    && !t.span().contains_inclusive(child_span)
                    && let AstKind::SwitchStatement(sw) = nodes.parent_kind(id)
                {
                    if constant_discriminant(&sw.discriminant) {
                        out.push(Control::Test(t));
                    } else {
                        out.push(Control::Switch(&sw.discriminant));
                    }
                }
                // Earlier cases that exit decide too (`switch (true) { case a: return x; … }`).
                if let AstKind::SwitchStatement(sw) = nodes.parent_kind(id) {
                    for c2 in &sw.cases {
                        if c2.span.start >= child_span.start || out.len() >= MAX_CONTROL {
                            break;
                        }
                        if let Some(t) = &c2.test
                            && c2.consequent.last().is_some_and(always_exits)
                        {
                            if constant_discriminant(&sw.discriminant) {
                                out.push(Control::Test(t));
                            } else {
                                out.push(Control::Switch(&sw.discriminant));
                            }
                        }
                    }
                }
            }
            AstKind::WhileStatement(w) if w.body.span().contains_inclusive(child_span) => {
                out.push(Control::Test(&w.test));
            }
            AstKind::DoWhileStatement(w) if w.body.span().contains_inclusive(child_span) => {
                out.push(Control::Test(&w.test));
            }
            AstKind::ForStatement(f) if f.body.span().contains_inclusive(child_span) => {
                if let Some(t) = &f.test {
                    out.push(Control::Test(t));
                }
            }
            AstKind::ForOfStatement(f) if f.body.span().contains_inclusive(child_span) => {
                out.push(Control::Loop(&f.right));
            }
            AstKind::ForInStatement(f) if f.body.span().contains_inclusive(child_span) => {
                out.push(Control::Loop(&f.right));
            }
            AstKind::BlockStatement(b) => early_exits(&b.body, child_span, &mut out),
            AstKind::FunctionBody(b) => {
                early_exits(&b.statements, child_span, &mut out);
                break;
            }
            AstKind::Program(p) => {
                early_exits(&p.body, child_span, &mut out);
                break;
            }
            k if FnRef::is_fn(k) => break,
            _ => {}
        }
        child = id;
    }
    out
}

/// `switch (true)`, `switch (!0)`: the cases are the tests.
fn constant_discriminant(e: &Expression<'_>) -> bool {
    let mut e = e.without_parentheses();
    // `!0`, `!![]`: negations of constants, as minifiers and obfuscators write `true`.
    for _ in 0..4 {
        match e {
            Expression::BooleanLiteral(_) => return true,
            Expression::UnaryExpression(u)
                if u.operator == oxc_syntax::operator::UnaryOperator::LogicalNot =>
            {
                e = u.argument.without_parentheses();
                if matches!(
                    e,
                    Expression::NumericLiteral(_)
                        | Expression::ArrayExpression(_)
                        | Expression::ObjectExpression(_)
                        | Expression::StringLiteral(_)
                ) {
                    return true;
                }
            }
            _ => return false,
        }
    }
    false
}

/// `if (t) return …;` statements before `span` in a block: their tests decide
/// whether anything after them runs.
fn early_exits<'a>(stmts: &'a [Statement<'a>], span: Span, out: &mut Vec<Control<'a>>) {
    let before = stmts.partition_point(|s| s.span().end <= span.start);
    for s in stmts[..before].iter().rev().take(32) {
        if out.len() >= MAX_CONTROL {
            break;
        }
        if let Statement::IfStatement(i) = s
            && (always_exits(&i.consequent) || i.alternate.as_ref().is_some_and(always_exits))
        {
            out.push(Control::Test(&i.test));
        }
    }
}

#[cfg(test)]
mod tests;
