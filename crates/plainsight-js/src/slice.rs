//! Data-flow slicing on the oxc semantic model, for the covert-channel analyzer.
//!
//! **Backward** ([`Slicer::expr`]): from the expression that decides between
//! alternatives, follow where its value comes from — variable declarations and
//! assignments (the symbol's write references), parameters ← the arguments at
//! every call site of the function (through the function's symbol, or by
//! method name for `obj.m()` / `this.m()`), call results ← the callee's
//! `return`s, callbacks ← the receiver they are applied to (`bits.map(b => …)`),
//! object properties (field-insensitive: every `x.p = …` / `{p: …}` by name),
//! `await`, operators — until [`env::env_read`] recognises an environment read.
//!
//! **Forward** ([`Slicer::sink`]): from the site, follow the value up through
//! enclosing expressions, variables, returns (to callers) and arguments (into
//! parameters) until it lands in something that leaves the process.
//!
//! Both directions run on demand, only at the rare candidate sites, within a
//! node budget; the name-keyed property index is built lazily, at most once
//! per file, in one linear pass over the semantic nodes.
//!
//! **Bounds that keep slices meaningful on 10–20 MB bundles.** Unbounded,
//! field-insensitive slicing connects almost anything to some environment
//! read through 100+ hops (callbacks, `.value`/`.text`, parameters ← every
//! call site). So: a path is at most `ScanOptions::max_slice_hops` steps; a
//! parameter follows at most [`MAX_CALL_SITES`] call sites; a callback's
//! parameters come from its receiver only (`s.replace(re, fn)`: from `s`); a
//! property is followed by name only if the name is not generic
//! ([`GENERIC_PROPERTIES`], built-in members) and has at most
//! [`MAX_PROPERTY_WRITERS`] writers. Steps are kept as spans ([`Step`]) and
//! turned into text only for reported findings.

use std::cell::{Cell, OnceCell};
use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, ArrowFunctionBody, ArrowFunctionExpression, AssignmentTarget,
    BindingPattern, CallExpression, Expression, Function, ObjectPropertyKind,
    SimpleAssignmentTarget, Statement,
};
use oxc_semantic::{NodeId, SymbolId};
use oxc_span::{GetSpan, Span};

use crate::context::Ctx;
use crate::env::{EnvRead, env_read};

/// Object keys whose value is sent to a model or over the wire.
const SINK_KEYS: &[&str] = &[
    "system",
    "messages",
    "content",
    "prompt",
    "instructions",
    "input",
    "text",
    "body",
];
/// Calls that send or serialise their argument.
const SINK_CALLS: &[&str] = &["fetch", "request", "write", "send", "post", "stringify"];

/// Names of built-in methods and properties (String, Array, RegExp, URL,
/// Promise, Map…). A call or read of one of these is slicing through its
/// receiver and arguments — already followed — not into a same-named user
/// method somewhere in the bundle; skipping the field-insensitive look-up for
/// them keeps slices precise and usually avoids building the name index.
const BUILTIN_MEMBERS: &[&str] = &[
    "at",
    "catch",
    "charAt",
    "charCodeAt",
    "codePointAt",
    "concat",
    "endsWith",
    "entries",
    "every",
    "exec",
    "filter",
    "finally",
    "find",
    "findIndex",
    "flat",
    "flatMap",
    "forEach",
    "from",
    "get",
    "has",
    "host",
    "hostname",
    "href",
    "includes",
    "indexOf",
    "join",
    "keys",
    "lastIndexOf",
    "length",
    "localeCompare",
    "map",
    "match",
    "matchAll",
    "normalize",
    "origin",
    "padEnd",
    "padStart",
    "pathname",
    "pop",
    "port",
    "protocol",
    "push",
    "reduce",
    "repeat",
    "replace",
    "replaceAll",
    "reverse",
    "search",
    "set",
    "shift",
    "slice",
    "some",
    "sort",
    "splice",
    "split",
    "startsWith",
    "substr",
    "substring",
    "test",
    "then",
    "toLowerCase",
    "toString",
    "toUpperCase",
    "trim",
    "trimEnd",
    "trimStart",
    "unshift",
    "values",
];

/// Property names so common across libraries that joining their writes by
/// name says nothing about where one object's field came from.
const GENERIC_PROPERTIES: &[&str] = &[
    "body",
    "content",
    "data",
    "default",
    "error",
    "headers",
    "id",
    "key",
    "message",
    "name",
    "options",
    "prototype",
    "result",
    "source",
    "text",
    "type",
    "value",
];

/// A property written in more places than this is not followed by name.
const MAX_PROPERTY_WRITERS: usize = 8;
/// Call sites followed into one parameter.
const MAX_CALL_SITES: usize = 16;

/// An environment read reached by slicing, with the path that led there.
#[derive(Clone, Debug)]
pub struct EnvHit<'a> {
    pub read: EnvRead,
    /// Steps from the decider to the read, decider first.
    pub path: Vec<Step<'a>>,
}

/// One hop of a backward slice. Spans only: line:column and wording are
/// produced by [`EnvHit::describe`] when a finding is actually reported, so
/// the many paths explored and abandoned cost no position look-ups or strings.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    Return { func: Span, call: Span },
    Variable { name: &'a str, at: Span },
    Assignment { name: &'a str, at: Span },
    Param { name: &'a str, func: Span },
    Callback { call: Span },
    Argument { call: Span },
    Property { name: &'a str, at: Span, set: Span },
}

impl EnvHit<'_> {
    /// The path as human-readable steps, decider first.
    pub fn describe(&self, ctx: &Ctx<'_>) -> Vec<String> {
        let pos = |span: Span| {
            let p = ctx.lines.position(ctx.source, span.start);
            format!("{}:{}", p.line, p.column)
        };
        self.path
            .iter()
            .map(|s| match *s {
                Step::Return { func, call } => {
                    format!("return of fn at {} ← call at {}", pos(func), pos(call))
                }
                Step::Variable { name, at } => format!("variable {name} at {}", pos(at)),
                Step::Assignment { name, at } => format!("assignment to {name} at {}", pos(at)),
                Step::Param { name, func } => format!("param {name} of fn at {}", pos(func)),
                Step::Callback { call } => format!("callback of call at {}", pos(call)),
                Step::Argument { call } => format!("argument at {}", pos(call)),
                Step::Property { name, at, set } => {
                    format!("property .{name} at {} set at {}", pos(at), pos(set))
                }
            })
            .collect()
    }
}

/// Where the varied text ends up.
#[derive(Clone, Debug)]
pub struct Sink {
    pub what: String,
    pub span: Span,
}

/// Name-keyed view of object properties, methods and method calls (built
/// lazily, once per file). One flat vector tagged by a name hash: building it
/// is a push per entry plus one sort (no maps, no per-key allocation), and
/// look-ups binary-search the hash.
#[derive(Default)]
struct Index<'a> {
    entries: Vec<(u32, &'a str, Entry<'a>)>,
}

#[derive(Clone, Copy)]
enum Entry<'a> {
    Value(&'a Expression<'a>),
    Method(FnRef<'a>),
    Call(&'a CallExpression<'a>),
}

impl<'a> Index<'a> {
    /// Entries named `name`, in source order. `entries` is sorted by hash
    /// (stably, so source order holds within one name): a binary search finds
    /// the run, so a look-up costs O(log n) however large the bundle.
    fn find<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Entry<'a>> + 's {
        let h = hash_name(name);
        let start = self.entries.partition_point(|(eh, _, _)| *eh < h);
        self.entries[start..]
            .iter()
            .take_while(move |(eh, _, _)| *eh == h)
            .filter(move |(_, n, _)| *n == name)
            .map(|(_, _, e)| *e)
    }
    fn values(&self, name: &str) -> Vec<&'a Expression<'a>> {
        self.find(name)
            .filter_map(|e| {
                if let Entry::Value(v) = e {
                    Some(v)
                } else {
                    None
                }
            })
            .take(MAX_PROPERTY_WRITERS + 1)
            .collect()
    }
    fn methods(&self, name: &str) -> Vec<FnRef<'a>> {
        self.find(name)
            .filter_map(|e| {
                if let Entry::Method(v) = e {
                    Some(v)
                } else {
                    None
                }
            })
            .take(8)
            .collect()
    }
    fn calls(&self, name: &str) -> Vec<&'a CallExpression<'a>> {
        self.find(name)
            .filter_map(|e| {
                if let Entry::Call(v) = e {
                    Some(v)
                } else {
                    None
                }
            })
            .take(64)
            .collect()
    }
}

/// A function-like node.
#[derive(Clone, Copy)]
pub enum FnRef<'a> {
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

    fn params(self) -> &'a oxc_ast::ast::FormalParameters<'a> {
        match self {
            FnRef::Function(f) => &f.params,
            FnRef::Arrow(f) => &f.params,
        }
    }

    pub fn is_fn(k: AstKind<'_>) -> bool {
        matches!(
            k,
            AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
        )
    }

    fn from_kind(k: AstKind<'a>) -> Option<FnRef<'a>> {
        match k {
            AstKind::Function(f) => Some(FnRef::Function(f)),
            AstKind::ArrowFunctionExpression(f) => Some(FnRef::Arrow(f)),
            _ => None,
        }
    }

    fn from_expr(e: &'a Expression<'a>) -> Option<FnRef<'a>> {
        match e.without_parentheses() {
            Expression::FunctionExpression(f) => Some(FnRef::Function(f)),
            Expression::ArrowFunctionExpression(f) => Some(FnRef::Arrow(f)),
            _ => None,
        }
    }

    /// The returned expressions (arrow expression bodies included), nested functions excluded.
    pub fn returns(self) -> Vec<&'a Expression<'a>> {
        let mut out = Vec::new();
        match self {
            FnRef::Function(f) => {
                if let Some(body) = &f.body {
                    collect_returns(&body.statements, &mut out);
                }
            }
            FnRef::Arrow(f) => match &f.body {
                ArrowFunctionBody::FunctionBody(body) => {
                    collect_returns(&body.statements, &mut out);
                }
                body => out.extend(body.as_expression()),
            },
        }
        out
    }
}

/// Return arguments of a statement list, descending into nested statements but
/// not into expressions (so nested functions are excluded).
fn collect_returns<'a>(stmts: &'a [Statement<'a>], out: &mut Vec<&'a Expression<'a>>) {
    for s in stmts {
        collect_returns_stmt(s, out);
    }
}

fn collect_returns_stmt<'a>(s: &'a Statement<'a>, out: &mut Vec<&'a Expression<'a>>) {
    match s {
        Statement::ReturnStatement(r) => out.extend(r.argument.as_ref()),
        Statement::BlockStatement(b) => collect_returns(&b.body, out),
        Statement::IfStatement(i) => {
            collect_returns_stmt(&i.consequent, out);
            if let Some(a) = &i.alternate {
                collect_returns_stmt(a, out);
            }
        }
        Statement::SwitchStatement(sw) => {
            for c in &sw.cases {
                collect_returns(&c.consequent, out);
            }
        }
        Statement::TryStatement(t) => {
            collect_returns(&t.block.body, out);
            if let Some(h) = &t.handler {
                collect_returns(&h.body.body, out);
            }
            if let Some(f) = &t.finalizer {
                collect_returns(&f.body, out);
            }
        }
        Statement::ForStatement(f) => collect_returns_stmt(&f.body, out),
        Statement::ForInStatement(f) => collect_returns_stmt(&f.body, out),
        Statement::ForOfStatement(f) => collect_returns_stmt(&f.body, out),
        Statement::WhileStatement(w) => collect_returns_stmt(&w.body, out),
        Statement::DoWhileStatement(w) => collect_returns_stmt(&w.body, out),
        Statement::LabeledStatement(l) => collect_returns_stmt(&l.body, out),
        _ => {}
    }
}

pub struct Slicer<'c, 'a> {
    ctx: &'c Ctx<'a>,
    shared: &'c Shared<'a>,
    budget: u32,
    seen: HashSet<(u8, u32)>,
    /// Slicing stopped at something it could not see through (unknown global
    /// call, parameter without callers, budget): the decider may still depend
    /// on the environment.
    pub opaque: bool,
    /// Forward walks that ended in local output (console, stdout/stderr).
    local_hits: u32,
    /// Longest backward path followed (`ScanOptions::max_slice_hops`).
    max_hops: usize,
    /// When set, every environment read reached is recorded here and the
    /// search goes on (to name all sources of a reported site).
    collected: Option<Vec<EnvRead>>,
}

impl Slicer<'_, '_> {
    /// Did a forward walk show the text being printed locally (and nothing else found)?
    pub fn printed_locally(&self) -> bool {
        self.local_hits > 0
    }
}

/// Shared per-file state for slicers.
#[derive(Default)]
pub struct Shared<'a> {
    /// Index entries gathered by the candidate pass, sorted on first use.
    pending: Cell<IndexEntries<'a>>,
    /// Properties and methods by name.
    index: OnceCell<Index<'a>>,
    /// Method calls by name: the most numerous entries, needed only when a
    /// slice reaches a method's parameter or return, so sorted separately.
    call_index: OnceCell<Index<'a>>,
}

impl<'a> Shared<'a> {
    /// `entries` must have seen every node of the file, in node order.
    pub fn new(entries: IndexEntries<'a>) -> Shared<'a> {
        Shared {
            pending: Cell::new(entries),
            index: OnceCell::new(),
            call_index: OnceCell::new(),
        }
    }

    pub fn slicer<'c>(&'c self, ctx: &'c Ctx<'a>, budget: u32) -> Slicer<'c, 'a> {
        Slicer {
            ctx,
            shared: self,
            budget,
            seen: HashSet::new(),
            opaque: false,
            local_hits: 0,
            max_hops: ctx.opts.max_slice_hops,
            collected: None,
        }
    }

    fn index(&self) -> &Index<'a> {
        self.index.get_or_init(|| {
            let mut p = self.pending.take();
            let ix = Index::sorted(std::mem::take(&mut p.props));
            self.pending.set(p);
            ix
        })
    }

    fn call_index(&self) -> &Index<'a> {
        self.call_index.get_or_init(|| {
            let mut p = self.pending.take();
            let ix = Index::sorted(std::mem::take(&mut p.calls));
            self.pending.set(p);
            ix
        })
    }
}

impl<'c, 'a> Slicer<'c, 'a> {
    fn index(&self) -> &'c Index<'a> {
        self.shared.index()
    }

    fn call_index(&self) -> &'c Index<'a> {
        self.shared.call_index()
    }

    fn spend(&mut self) -> bool {
        if self.budget == 0 {
            self.opaque = true;
            return false;
        }
        self.budget -= 1;
        true
    }

    fn first_seen(&mut self, tag: u8, at: u32) -> bool {
        self.seen.insert((tag, at))
    }

    /// Every environment read the value of `e` derives from (within the
    /// budget and hop limit), each once. Run only for sites being reported.
    pub fn all_reads(&mut self, e: &'a Expression<'a>) -> Vec<EnvRead> {
        let mut path = Vec::new();
        self.collected.get_or_insert_with(Vec::new);
        self.expr(e, &mut path);
        self.collected.take().unwrap_or_default()
    }

    /// Backward: does the value of `e` derive from an environment read?
    pub fn expr(&mut self, e: &'a Expression<'a>, path: &mut Vec<Step<'a>>) -> Option<EnvHit<'a>> {
        if path.len() >= self.max_hops {
            // A value that only reaches the environment through many hops
            // (callbacks, parameters of widely called helpers, properties)
            // is not a choice the code makes by that environment value.
            self.opaque = true;
            return None;
        }
        if !self.spend() {
            return None;
        }
        if let Some(read) = env_read(self.ctx, e) {
            if let Some(all) = &mut self.collected {
                if !all.iter().any(|r| r.span == read.span) {
                    all.push(read);
                }
                return None;
            }
            return Some(EnvHit {
                read,
                path: path.clone(),
            });
        }
        let e = e.without_parentheses();
        match e {
            Expression::Identifier(id) => {
                let sym = id
                    .reference_id
                    .get()
                    .and_then(|r| self.ctx.semantic.scoping().get_reference(r).symbol_id());
                if let Some(sym) = sym {
                    return self.symbol(sym, path);
                }
                // Unknown global (not an environment read): pure built-ins are not opaque.
                if !matches!(
                    id.name.as_str(),
                    "undefined"
                        | "Math"
                        | "JSON"
                        | "String"
                        | "Number"
                        | "Object"
                        | "Array"
                        | "Boolean"
                        | "Date"
                ) {
                    self.opaque = true;
                }
                None
            }
            Expression::StaticMemberExpression(m) => {
                if let Some(h) = self.expr(&m.object, path) {
                    return Some(h);
                }
                self.property(m.property.name.as_str(), m.span, path)
            }
            Expression::ComputedMemberExpression(m) => self
                .expr(&m.object, path)
                .or_else(|| self.expr(&m.expression, path)),
            Expression::PrivateFieldExpression(m) => self
                .expr(&m.object, path)
                .or_else(|| self.property(m.field.name.as_str(), m.span, path)),
            Expression::CallExpression(call) => self.call(call, path),
            Expression::NewExpression(n) => self
                .args(&n.arguments, path)
                .or_else(|| self.expr(&n.callee, path)),
            Expression::AwaitExpression(a) => self.expr(&a.argument, path),
            Expression::UnaryExpression(u) => self.expr(&u.argument, path),
            Expression::BinaryExpression(b) => self
                .expr(&b.left, path)
                .or_else(|| self.expr(&b.right, path)),
            Expression::LogicalExpression(b) => self
                .expr(&b.left, path)
                .or_else(|| self.expr(&b.right, path)),
            Expression::ConditionalExpression(c) => self
                .expr(&c.test, path)
                .or_else(|| self.expr(&c.consequent, path))
                .or_else(|| self.expr(&c.alternate, path)),
            Expression::TemplateLiteral(t) => t.expressions.iter().find_map(|x| self.expr(x, path)),
            Expression::TaggedTemplateExpression(t) => {
                t.quasi.expressions.iter().find_map(|x| self.expr(x, path))
            }
            Expression::SequenceExpression(s) => {
                s.expressions.last().and_then(|x| self.expr(x, path))
            }
            Expression::AssignmentExpression(a) => self.expr(&a.right, path),
            Expression::ArrayExpression(a) => a.elements.iter().find_map(|el| match el {
                ArrayExpressionElement::SpreadElement(s) => self.expr(&s.argument, path),
                el => el.as_expression().and_then(|x| self.expr(x, path)),
            }),
            // A callback's result depends on what its body reads (closures).
            Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => {
                let f = FnRef::from_expr(e)?;
                if !self.first_seen(1, f.span().start) {
                    return None;
                }
                f.returns().into_iter().find_map(|r| self.expr(r, path))
            }
            Expression::ObjectExpression(o) => o.properties.iter().find_map(|p| match p {
                ObjectPropertyKind::ObjectProperty(p) => self.expr(&p.value, path),
                ObjectPropertyKind::SpreadProperty(s) => self.expr(&s.argument, path),
            }),
            Expression::ChainExpression(c) => match &c.expression {
                oxc_ast::ast::ChainElement::CallExpression(call) => self.call(call, path),
                other => other
                    .as_member_expression()
                    .and_then(|m| self.expr(m.object(), path)),
            },
            Expression::YieldExpression(y) => y.argument.as_ref().and_then(|x| self.expr(x, path)),
            _ => None,
        }
    }

    fn args(&mut self, args: &'a [Argument<'a>], path: &mut Vec<Step<'a>>) -> Option<EnvHit<'a>> {
        args.iter()
            .filter_map(Argument::as_expression)
            .find_map(|a| self.expr(a, path))
    }

    fn call(
        &mut self,
        call: &'a CallExpression<'a>,
        path: &mut Vec<Step<'a>>,
    ) -> Option<EnvHit<'a>> {
        // The callee's returns first: that is where a helper like `getHost()` reads.
        for f in self.callees(&call.callee) {
            if !self.first_seen(1, f.span().start) {
                continue;
            }
            path.push(Step::Return {
                func: f.span(),
                call: call.span,
            });
            for r in f.returns() {
                if let Some(h) = self.expr(r, path) {
                    return Some(h);
                }
            }
            path.pop();
        }
        if let Some(m) = call.callee.without_parentheses().as_member_expression() {
            if let Some(h) = self.expr(m.object(), path) {
                return Some(h);
            }
        } else if !matches!(call.callee.without_parentheses(), Expression::Identifier(_))
            && let Some(h) = self.expr(&call.callee, path)
        {
            return Some(h);
        }
        self.args(&call.arguments, path)
    }

    /// Functions a callee may denote: a local binding, an inline function, or
    /// methods of that name anywhere (field-insensitive).
    fn callees(&mut self, callee: &'a Expression<'a>) -> Vec<FnRef<'a>> {
        match callee.without_parentheses() {
            Expression::Identifier(id) => {
                let Some(sym) = id
                    .reference_id
                    .get()
                    .and_then(|r| self.ctx.semantic.scoping().get_reference(r).symbol_id())
                else {
                    return Vec::new();
                };
                self.function_of_symbol(sym).into_iter().collect()
            }
            e @ (Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_)) => {
                FnRef::from_expr(e).into_iter().collect()
            }
            Expression::StaticMemberExpression(m)
                if !BUILTIN_MEMBERS.contains(&m.property.name.as_str()) =>
            {
                self.index().methods(m.property.name.as_str())
            }
            _ => Vec::new(),
        }
    }

    fn function_of_symbol(&self, sym: SymbolId) -> Option<FnRef<'a>> {
        let nodes = self.ctx.semantic.nodes();
        let decl = self.ctx.semantic.scoping().symbol_declaration(sym);
        match nodes.kind(decl) {
            AstKind::Function(f) => Some(FnRef::Function(f)),
            AstKind::VariableDeclarator(d) => d.init.as_ref().and_then(FnRef::from_expr),
            _ => None,
        }
    }

    fn symbol(&mut self, sym: SymbolId, path: &mut Vec<Step<'a>>) -> Option<EnvHit<'a>> {
        if !self.first_seen(0, sym.index() as u32) {
            return None;
        }
        let ctx = self.ctx;
        let scoping = ctx.semantic.scoping();
        let nodes = ctx.semantic.nodes();
        let name: &'a str = scoping.symbol_name(sym);
        let decl = scoping.symbol_declaration(sym);
        // Walk up from the declaration node to the construct that binds it.
        for (i, id) in std::iter::once(decl)
            .chain(nodes.ancestor_ids(decl))
            .enumerate()
        {
            if i > 6 {
                break;
            }
            match nodes.kind(id) {
                AstKind::VariableDeclarator(d) => {
                    if let Some(init) = &d.init {
                        path.push(Step::Variable { name, at: d.span });
                        if let Some(h) = self.expr(init, path) {
                            return Some(h);
                        }
                        path.pop();
                    }
                    break;
                }
                AstKind::FormalParameter(p) => {
                    if let Some(h) = self.parameter(id, p.span, name, path) {
                        return Some(h);
                    }
                    break;
                }
                AstKind::Function(_) | AstKind::Class(_) => return None,
                AstKind::ImportDeclaration(_) | AstKind::CatchClause(_) => {
                    self.opaque = true;
                    return None;
                }
                AstKind::ForOfStatement(f) => {
                    return self.expr(&f.right, path);
                }
                AstKind::ForInStatement(f) => {
                    return self.expr(&f.right, path);
                }
                _ => {}
            }
        }
        // Later assignments to the same variable.
        for r in scoping.get_resolved_references(sym) {
            if !r.is_write() {
                continue;
            }
            for id in nodes.ancestor_ids(r.node_id()).take(3) {
                if let AstKind::AssignmentExpression(a) = nodes.kind(id) {
                    path.push(Step::Assignment { name, at: a.span });
                    if let Some(h) = self.expr(&a.right, path) {
                        return Some(h);
                    }
                    path.pop();
                    break;
                }
            }
        }
        None
    }

    /// A parameter: the arguments at every call site of its function.
    fn parameter(
        &mut self,
        param_node: NodeId,
        span: Span,
        name: &'a str,
        path: &mut Vec<Step<'a>>,
    ) -> Option<EnvHit<'a>> {
        let nodes = self.ctx.semantic.nodes();
        let Some((fn_id, f)) = nodes
            .ancestor_ids(param_node)
            .take(3)
            .find_map(|id| FnRef::from_kind(nodes.kind(id)).map(|f| (id, f)))
        else {
            self.opaque = true;
            return None;
        };
        let idx = f.params().items.iter().position(|p| p.span == span);
        let Some(idx) = idx else {
            self.opaque = true;
            return None;
        };
        path.push(Step::Param {
            name,
            func: f.span(),
        });
        let mut calls: Vec<&'a CallExpression<'a>> = Vec::new();
        let parent = nodes.parent_id(fn_id);
        match nodes.kind(parent) {
            // An inline callback: its arguments come from the receiver it is applied to.
            AstKind::CallExpression(call)
                if call.arguments.iter().any(|a| a.span() == f.span()) =>
            {
                let receiver = call
                    .callee
                    .without_parentheses()
                    .as_member_expression()
                    .map(oxc_ast::ast::MemberExpression::object);
                if let Some(recv) = receiver {
                    // `s.replace(re, fn)`, `xs.map(fn)`: the callback's parameters
                    // are data from the receiver, now followed; the call's other
                    // arguments do not feed them.
                    path.push(Step::Callback { call: call.span });
                    if let Some(h) = self.expr(recv, path) {
                        return Some(h);
                    }
                    path.pop();
                } else {
                    // Passed to a plain function we cannot see into.
                    self.opaque = true;
                }
            }
            other => self.calls_of_binding(other, &mut calls),
        }
        self.calls_of_own_name(f, &mut calls);
        if calls.is_empty() {
            self.opaque = true;
        }
        for call in calls.into_iter().take(MAX_CALL_SITES) {
            if let Some(arg) = call.arguments.get(idx).and_then(Argument::as_expression) {
                path.push(Step::Argument { call: call.span });
                if let Some(h) = self.expr(arg, path) {
                    return Some(h);
                }
                path.pop();
            }
        }
        path.pop();
        None
    }

    fn calls_of_symbol(&self, sym: SymbolId, out: &mut Vec<&'a CallExpression<'a>>) {
        let nodes = self.ctx.semantic.nodes();
        for r in self.ctx.semantic.scoping().get_resolved_references(sym) {
            if let AstKind::CallExpression(c) = nodes.parent_kind(r.node_id())
                && matches!(c.callee.without_parentheses(), Expression::Identifier(id) if id.node_id() == r.node_id())
            {
                out.push(c);
            }
        }
    }

    fn calls_by_name(&self, name: &str, out: &mut Vec<&'a CallExpression<'a>>) {
        out.extend(self.call_index().calls(name));
    }

    /// Field-insensitive property: every value stored under this name —
    /// only for names specific enough to mean one object's field. A name
    /// written in many places (`value`, `text`, `type`, `options`…) joins
    /// unrelated objects, and one slice through it reaches half the bundle.
    fn property(
        &mut self,
        name: &'a str,
        at: Span,
        path: &mut Vec<Step<'a>>,
    ) -> Option<EnvHit<'a>> {
        if BUILTIN_MEMBERS.contains(&name)
            || GENERIC_PROPERTIES.contains(&name)
            || !self.first_seen(2, hash_name(name))
        {
            return None;
        }
        let values = self.index().values(name);
        if values.len() > MAX_PROPERTY_WRITERS {
            return None;
        }
        for v in values {
            path.push(Step::Property {
                name,
                at,
                set: v.span(),
            });
            if let Some(h) = self.expr(v, path) {
                return Some(h);
            }
            path.pop();
        }
        None
    }

    /// Forward: does the value produced at `node` reach a sink?
    pub fn sink(&mut self, node: NodeId) -> Option<Sink> {
        let ctx = self.ctx;
        let nodes = ctx.semantic.nodes();
        // A function's alternatives (its returns) travel through its calls.
        if let Some(f) = FnRef::from_kind(nodes.kind(node)) {
            return self.fn_sink(f, node);
        }
        let mut child = node;
        // Prose around the value: a sink unless the text is then only printed locally.
        let mut soft: Option<Sink> = None;
        let local_before = self.local_hits;
        let settle = |r: Option<Sink>, soft: Option<Sink>, local_hits: u32| -> Option<Sink> {
            if r.is_none() && local_hits > local_before {
                None
            } else {
                r.or(soft)
            }
        };
        for id in nodes.ancestor_ids(node) {
            if !self.spend() {
                return soft;
            }
            match nodes.kind(id) {
                AstKind::ObjectProperty(p) => {
                    if let Some(k) = p.key.static_name()
                        && SINK_KEYS.contains(&k.as_ref())
                    {
                        return Some(Sink {
                            what: format!("object key `{k}`"),
                            span: p.span,
                        });
                    }
                }
                AstKind::TemplateLiteral(t) => {
                    let text: String = t
                        .quasis
                        .iter()
                        .filter_map(|q| q.value.cooked.as_ref())
                        .map(oxc_ast::ast::Str::as_str)
                        .collect::<Vec<_>>()
                        .join(" ");
                    if is_prose(&text) && soft.is_none() {
                        soft = Some(Sink {
                            what: "template literal with prose".into(),
                            span: t.span,
                        });
                    }
                }
                AstKind::BinaryExpression(b) => {
                    for side in [&b.left, &b.right] {
                        if let Expression::StringLiteral(s) = side.without_parentheses()
                            && is_prose(&s.value)
                            && soft.is_none()
                        {
                            soft = Some(Sink {
                                what: "string concatenation with prose".into(),
                                span: b.span,
                            });
                        }
                    }
                }
                AstKind::CallExpression(c) => {
                    if is_terminal_output(&c.callee) {
                        // Printed locally: prose that only reaches the terminal leaves nothing behind.
                        self.local_hits += 1;
                        return None;
                    }
                    let name = match c.callee.without_parentheses() {
                        Expression::Identifier(i) => Some(i.name.as_str()),
                        e => e
                            .as_member_expression()
                            .and_then(oxc_ast::ast::MemberExpression::static_property_name),
                    };
                    if let Some(n) = name
                        && SINK_CALLS.contains(&n)
                    {
                        return Some(Sink {
                            what: format!("argument of `{n}(…)`"),
                            span: c.span,
                        });
                    }
                    // Into the parameters of local functions.
                    let child_span = nodes.kind(child).span();
                    if let Some(pos) = c
                        .arguments
                        .iter()
                        .position(|a| a.span().contains_inclusive(child_span))
                    {
                        for f in self.callees(&c.callee) {
                            if let Some(p) = f.params().items.get(pos)
                                && let BindingPattern::BindingIdentifier(b) = &p.pattern
                                && let Some(s) = self.symbol_sink(b.symbol_id())
                            {
                                return Some(s);
                            }
                            if self.local_hits > local_before {
                                return None;
                            }
                        }
                    }
                }
                AstKind::VariableDeclarator(d) => {
                    let r = match &d.id {
                        BindingPattern::BindingIdentifier(b) => self.symbol_sink(b.symbol_id()),
                        _ => None,
                    };
                    return settle(r, soft, self.local_hits);
                }
                AstKind::AssignmentExpression(a) => {
                    return match &a.left {
                        AssignmentTarget::AssignmentTargetIdentifier(i) => {
                            let sym = i.reference_id.get().and_then(|r| {
                                ctx.semantic.scoping().get_reference(r).symbol_id()
                            })?;
                            self.symbol_sink(sym)
                        }
                        t => {
                            let name = t
                                .as_member_expression()
                                .and_then(oxc_ast::ast::MemberExpression::static_property_name)?;
                            SINK_KEYS.contains(&name).then(|| Sink {
                                what: format!("property `.{name}`"),
                                span: a.span,
                            })
                        }
                    };
                }
                AstKind::ReturnStatement(_) => {
                    let r = self.returned_sink(id);
                    return settle(r, soft, self.local_hits);
                }
                AstKind::ArrowFunctionExpression(f) if f.get_expression().is_some() => {
                    let r = self.fn_sink(FnRef::Arrow(f), id);
                    return settle(r, soft, self.local_hits);
                }
                k if is_statement_or_function(k) => return soft,
                _ => {}
            }
            child = id;
        }
        soft
    }

    fn symbol_sink(&mut self, sym: SymbolId) -> Option<Sink> {
        if !self.first_seen(3, sym.index() as u32) {
            return None;
        }
        let refs: Vec<NodeId> = self
            .ctx
            .semantic
            .scoping()
            .get_resolved_references(sym)
            .filter(|r| r.is_read())
            .map(oxc_semantic::Reference::node_id)
            .take(64)
            .collect();
        refs.into_iter().find_map(|r| self.sink(r))
    }

    fn returned_sink(&mut self, ret: NodeId) -> Option<Sink> {
        let nodes = self.ctx.semantic.nodes();
        let (fid, f) = nodes
            .ancestor_ids(ret)
            .find_map(|id| FnRef::from_kind(nodes.kind(id)).map(|f| (id, f)))?;
        self.fn_sink(f, fid)
    }

    /// Call sites of a function through what its parent binds it to: a
    /// variable, or a property or method name.
    fn calls_of_binding(&mut self, parent: AstKind<'a>, calls: &mut Vec<&'a CallExpression<'a>>) {
        match parent {
            AstKind::VariableDeclarator(d) => {
                if let BindingPattern::BindingIdentifier(b) = &d.id {
                    self.calls_of_symbol(b.symbol_id(), calls);
                }
            }
            AstKind::ObjectProperty(p) => {
                if let Some(n) = p.key.static_name() {
                    self.calls_by_name(&n, calls);
                }
            }
            AstKind::MethodDefinition(m) => {
                if let Some(n) = m.key.static_name() {
                    self.calls_by_name(&n, calls);
                }
            }
            _ => {}
        }
    }

    /// Call sites of a function declaration or expression through its own name.
    fn calls_of_own_name(&mut self, f: FnRef<'a>, calls: &mut Vec<&'a CallExpression<'a>>) {
        if let FnRef::Function(func) = f
            && let Some(b) = &func.id
        {
            self.calls_of_symbol(b.symbol_id(), calls);
        }
    }

    /// The calls of a function, then onward from each call's result.
    fn fn_sink(&mut self, f: FnRef<'a>, fid: NodeId) -> Option<Sink> {
        if !self.first_seen(4, f.span().start) {
            return None;
        }
        let nodes = self.ctx.semantic.nodes();
        let mut calls = Vec::new();
        match nodes.parent_kind(fid) {
            // Immediately invoked or passed as a callback: continue from that call.
            AstKind::CallExpression(c) => calls.push(c),
            // A returned closure: its result flows where the outer function's calls go.
            AstKind::ReturnStatement(_) => return self.returned_sink(nodes.parent_id(fid)),
            other => self.calls_of_binding(other, &mut calls),
        }
        self.calls_of_own_name(f, &mut calls);
        calls
            .into_iter()
            .take(64)
            .find_map(|c| self.sink(c.node_id()))
    }
}

/// `console.*(…)`, `process.stdout.write(…)`, `process.stderr.write(…)`: text
/// shown to the local user, which is not egress.
fn is_terminal_output(callee: &Expression<'_>) -> bool {
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

fn is_statement_or_function(k: AstKind<'_>) -> bool {
    matches!(
        k,
        AstKind::ExpressionStatement(_)
            | AstKind::IfStatement(_)
            | AstKind::SwitchStatement(_)
            | AstKind::ForStatement(_)
            | AstKind::WhileStatement(_)
            | AstKind::DoWhileStatement(_)
            | AstKind::Function(_)
            | AstKind::ArrowFunctionExpression(_)
            | AstKind::Program(_)
            | AstKind::Class(_)
    )
}

/// Two or more words of letters: text a person reads.
pub fn is_prose(s: &str) -> bool {
    s.split(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
        .filter(|w| w.chars().count() >= 2 && w.chars().all(char::is_alphabetic))
        .count()
        >= 2
}

fn hash_name(s: &str) -> u32 {
    s.bytes().fold(2_166_136_261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}

/// Name-keyed entries collected while another analysis walks the node table
/// (the covert candidate pass), so the index costs no pass of its own: a push
/// per property, method, member assignment and method call; sorting is left to
/// first use.
#[derive(Default)]
pub struct IndexEntries<'a> {
    props: Vec<(u32, &'a str, Entry<'a>)>,
    calls: Vec<(u32, &'a str, Entry<'a>)>,
}

impl<'a> IndexEntries<'a> {
    #[inline]
    pub fn node(&mut self, kind: AstKind<'a>) {
        let mut push = |name: &'a str, e: Entry<'a>| self.props.push((hash_name(name), name, e));
        match kind {
            AstKind::CallExpression(c) => {
                if let Expression::StaticMemberExpression(m) = c.callee.without_parentheses() {
                    let name = m.property.name.as_str();
                    self.calls.push((hash_name(name), name, Entry::Call(c)));
                }
            }
            AstKind::ObjectProperty(p) if !p.computed => {
                if let Some(name) = property_key_name(&p.key) {
                    match FnRef::from_expr(&p.value) {
                        Some(f) => push(name, Entry::Method(f)),
                        None => push(name, Entry::Value(&p.value)),
                    }
                }
            }
            AstKind::MethodDefinition(m) if !m.computed => {
                if let Some(name) = property_key_name(&m.key) {
                    push(name, Entry::Method(FnRef::Function(&m.value)));
                }
            }
            AstKind::PropertyDefinition(p) if !p.computed => {
                if let (Some(name), Some(v)) = (property_key_name(&p.key), &p.value) {
                    push(name, Entry::Value(v));
                }
            }
            AstKind::AssignmentExpression(a) => {
                if let AssignmentTarget::StaticMemberExpression(m) = &a.left {
                    push(m.property.name.as_str(), Entry::Value(&a.right));
                } else if let Some(SimpleAssignmentTarget::PrivateFieldExpression(m)) =
                    a.left.as_simple_assignment_target()
                {
                    push(m.field.name.as_str(), Entry::Value(&a.right));
                }
            }
            _ => {}
        }
    }
}

impl<'a> Index<'a> {
    /// A stable sort by hash keeps entries of one name in source order.
    fn sorted(mut entries: Vec<(u32, &'a str, Entry<'a>)>) -> Index<'a> {
        entries.sort_by_key(|e| e.0);
        Index { entries }
    }
}

fn property_key_name<'a>(k: &oxc_ast::ast::PropertyKey<'a>) -> Option<&'a str> {
    match k {
        oxc_ast::ast::PropertyKey::StaticIdentifier(i) => Some(i.name.as_str()),
        oxc_ast::ast::PropertyKey::PrivateIdentifier(i) => Some(i.name.as_str()),
        oxc_ast::ast::PropertyKey::StringLiteral(s) => Some(s.value.as_str()),
        _ => None,
    }
}
