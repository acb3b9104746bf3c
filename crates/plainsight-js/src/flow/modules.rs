//! The module graph of a package: which module a `require`/`import` denotes,
//! what each module exports, and who imports it.
//!
//! A *module* is a unit's top level, or a function that a bundler wrapped a
//! module in inside one unit:
//! - CommonJS `require("./a")` and ESM `import … from "./a"` / `export … from`
//!   / `import("./a")` between units, resolved like Node does for relative
//!   specifiers (`./a` → `a.js`, `a.mjs`, `a.cjs`, `a.ts`, `a/index.js`…;
//!   `./a.js` also finds `a.ts`).
//! - esbuild/Bun CommonJS wrappers: `var require_a = __commonJS({ "a.js"(exports,
//!   module) {…} })` or minified `var r = w((e, t) => {…})`, imported by calling
//!   the bound name. (esbuild hoists ES modules into one scope, so their
//!   bindings need nothing.)
//! - webpack and browserify module tables: an object or array whose values are
//!   module functions `(module, exports, require)` (browserify: `[fn, deps]`),
//!   imported by `require(id)` with a key of the table (browserify: through
//!   the module's dependency map).
//!
//! Getter objects that bundlers use to define exports (`__export(ns, { f: () =>
//! f })`, webpack's `__webpack_require__.d(exports, { f: () => f })`) are
//! understood by the walks as "field `f` of the first argument".
//!
//! Names are never trusted: a wrapper is recognised by its shape (a call whose
//! only argument is a one-parameter-list module function that writes
//! `module.exports`/`exports.x`), a table by its values.

use std::collections::HashMap;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, AssignmentTarget, BindingPattern, CallExpression, Expression,
    ObjectPropertyKind, PropertyKey,
};
use oxc_semantic::{NodeId, SymbolId};
use oxc_span::GetSpan;

use super::names::property_key_name;
use super::{FnRef, UnitId};
use crate::context::Ctx;

/// Index of a module in [`Graph::mods`]. Modules `0..units` are the units'
/// top levels; wrappers follow.
pub(crate) type ModId = u32;

pub(crate) struct Module<'a> {
    pub unit: UnitId,
    /// The wrapper function (None: the unit's top level).
    pub func: Option<FnRef<'a>>,
    /// `exports` and `module` parameters of a wrapper.
    pub exports_param: Option<SymbolId>,
    pub module_param: Option<SymbolId>,
    /// browserify: the wrapper's dependency map (specifier → table key).
    deps: Vec<(String, String)>,
    /// The key of this module in its table (webpack/browserify), if any.
    key: Option<String>,
    /// Which table (unit-local counter) the module belongs to.
    table: Option<u32>,
}

/// Raw material collected by the seed pass, one per unit.
#[derive(Default)]
pub(crate) struct RawModule<'a> {
    /// `require("./x")`-shaped calls with a relative or table-key specifier.
    pub requires: Vec<(&'a CallExpression<'a>, &'a str)>,
    /// `import … from "./x"`, `export … from "./x"`, `import("./x")`: (node, specifier).
    pub imports: Vec<(NodeId, &'a str)>,
    /// Calls whose only argument may be a CommonJS wrapper: (declarator symbol, module function).
    pub wrappers: Vec<(SymbolId, FnRef<'a>)>,
    /// Module tables: rows (key, module function, browserify deps).
    pub tables: Vec<Vec<(String, FnRef<'a>, Vec<(String, String)>)>>,
    /// Does the unit use ESM export syntax?
    pub esm: bool,
}

impl<'a> RawModule<'a> {
    /// Looks at one node of the seed pass.
    #[inline]
    pub fn node(&mut self, ctx: &Ctx<'a>, kind: AstKind<'a>) {
        match kind {
            AstKind::CallExpression(c) => {
                if let Expression::Identifier(_) = c.callee.without_parentheses()
                    && c.arguments.len() == 1
                {
                    match c.arguments.first() {
                        Some(Argument::StringLiteral(s)) => {
                            self.requires.push((c, s.value.as_str()));
                        }
                        // webpack `__webpack_require__(123)`: a table key.
                        Some(Argument::NumericLiteral(n)) => {
                            if let Some(raw) = &n.raw {
                                self.requires.push((c, raw.as_str()));
                            }
                        }
                        _ => {}
                    }
                }
                if c.arguments.len() == 1
                    && let Some(f) = wrapper_fn(&c.arguments[0])
                    && let AstKind::VariableDeclarator(d) =
                        ctx.semantic.nodes().parent_kind(c.node_id.get())
                    && let BindingPattern::BindingIdentifier(b) = &d.id
                    && writes_module_exports(f)
                {
                    self.wrappers.push((b.symbol_id(), f));
                }
            }
            AstKind::ImportDeclaration(i) => {
                self.imports
                    .push((i.node_id.get(), i.source.value.as_str()));
            }
            AstKind::ExportFromDeclaration(e) => {
                self.esm = true;
                self.imports
                    .push((e.node_id.get(), e.source.value.as_str()));
            }
            AstKind::ExportAllDeclaration(e) => {
                self.esm = true;
                self.imports
                    .push((e.node_id.get(), e.source.value.as_str()));
            }
            AstKind::ImportExpression(i) => {
                if let Expression::StringLiteral(s) = i.source.without_parentheses() {
                    self.imports.push((i.node_id.get(), s.value.as_str()));
                }
            }
            AstKind::ExportDeclaration(_)
            | AstKind::ExportNamedDeclaration(_)
            | AstKind::ExportDefaultDeclaration(_) => self.esm = true,
            AstKind::ObjectExpression(o) if o.properties.len() >= 2 => {
                if let Some(ObjectPropertyKind::ObjectProperty(p)) = o.properties.first()
                    && module_row(&p.value).is_some()
                {
                    let rows: Vec<_> = o
                        .properties
                        .iter()
                        .filter_map(|p| match p {
                            ObjectPropertyKind::ObjectProperty(p) => {
                                let key = match &p.key {
                                    PropertyKey::NumericLiteral(n) => {
                                        crate::eval::num_to_string(n.value)
                                    }
                                    k => k.static_name()?.to_string(),
                                };
                                let (f, deps) = module_row(&p.value)?;
                                Some((key, f, deps))
                            }
                            ObjectPropertyKind::SpreadProperty(_) => None,
                        })
                        .collect();
                    if rows.len() >= 2 && rows.len() * 2 >= o.properties.len() {
                        self.tables.push(rows);
                    }
                }
            }
            AstKind::ArrayExpression(a) if a.elements.len() >= 2 => {
                if let Some(first) = a
                    .elements
                    .first()
                    .and_then(ArrayExpressionElement::as_expression)
                    && module_row(first).is_some()
                {
                    let rows: Vec<_> = a
                        .elements
                        .iter()
                        .enumerate()
                        .filter_map(|(i, el)| {
                            let (f, deps) = module_row(el.as_expression()?)?;
                            Some((i.to_string(), f, deps))
                        })
                        .collect();
                    if rows.len() >= 2 && rows.len() * 2 >= a.elements.len() {
                        self.tables.push(rows);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A module function of a table: `(module, exports, require) => {…}` with one
/// to three parameters, or browserify's `[function (require, module, exports) {…}, { "./a": 2 }]`.
fn module_row<'a>(e: &'a Expression<'a>) -> Option<(FnRef<'a>, Vec<(String, String)>)> {
    match e.without_parentheses() {
        Expression::ArrayExpression(a) if a.elements.len() == 2 => {
            let f = FnRef::from_expr(a.elements[0].as_expression()?)?;
            let Expression::ObjectExpression(deps) =
                a.elements[1].as_expression()?.without_parentheses()
            else {
                return None;
            };
            let deps = deps
                .properties
                .iter()
                .filter_map(|p| match p {
                    ObjectPropertyKind::ObjectProperty(p) => {
                        let k = p.key.static_name()?.to_string();
                        let v = match p.value.without_parentheses() {
                            Expression::NumericLiteral(n) => crate::eval::num_to_string(n.value),
                            Expression::StringLiteral(s) => s.value.to_string(),
                            _ => return None,
                        };
                        Some((k, v))
                    }
                    ObjectPropertyKind::SpreadProperty(_) => None,
                })
                .collect();
            (f.params().items.len() == 3).then_some((f, deps))
        }
        other => {
            let f = FnRef::from_expr(other)?;
            let n = f.params().items.len();
            ((1..=3).contains(&n)
                && f.params()
                    .items
                    .iter()
                    .all(|p| matches!(p.pattern, BindingPattern::BindingIdentifier(_))))
            .then_some((f, Vec::new()))
        }
    }
}

/// The function of a CommonJS wrapper call's argument: `{ "a.js"(exports, module) {…} }` or `(exports, module) => {…}`.
fn wrapper_fn<'a>(arg: &'a Argument<'a>) -> Option<FnRef<'a>> {
    let e = arg.as_expression()?;
    let f = match e.without_parentheses() {
        Expression::ObjectExpression(o) if o.properties.len() == 1 => match &o.properties[0] {
            ObjectPropertyKind::ObjectProperty(p) => FnRef::from_expr(&p.value)?,
            ObjectPropertyKind::SpreadProperty(_) => return None,
        },
        other => FnRef::from_expr(other)?,
    };
    let n = f.params().items.len();
    ((1..=2).contains(&n)).then_some(f)
}

/// Does a wrapper body use its parameters as `exports`/`module`: `p0.x = …`,
/// `p1.exports = …` (a cheap check on the first statements).
fn writes_module_exports(f: FnRef<'_>) -> bool {
    let params: Vec<&str> = f
        .params()
        .items
        .iter()
        .filter_map(|p| p.pattern.get_binding_identifier().map(|b| b.name.as_str()))
        .collect();
    let body = match f {
        FnRef::Function(func) => func.body.as_deref(),
        FnRef::Arrow(a) => match &a.body {
            oxc_ast::ast::ArrowFunctionBody::FunctionBody(b) => Some(&**b),
            _ => None,
        },
    };
    let Some(body) = body else { return false };
    body.statements.iter().take(64).any(|s| {
        let oxc_ast::ast::Statement::ExpressionStatement(es) = s else {
            return false;
        };
        let mut e = &es.expression;
        // `a = b = c`, `(0, x)` and sequences in minified code.
        for _ in 0..4 {
            match e.without_parentheses() {
                Expression::SequenceExpression(sq) => {
                    return sq.expressions.iter().any(|x| assigns_param_member(x, &params));
                }
                Expression::AssignmentExpression(a) if assigns_param_member_target(&a.left, &params) => return true,
                Expression::AssignmentExpression(a) => e = &a.right,
                Expression::CallExpression(c) => {
                    // `__export(exports, {…})`, `Object.defineProperty(exports, …)`
                    return c.arguments.first().and_then(Argument::as_expression).is_some_and(|a| {
                        matches!(a.without_parentheses(), Expression::Identifier(i) if params.contains(&i.name.as_str()))
                    });
                }
                _ => return false,
            }
        }
        false
    })
}

fn assigns_param_member(e: &Expression<'_>, params: &[&str]) -> bool {
    matches!(e.without_parentheses(), Expression::AssignmentExpression(a) if assigns_param_member_target(&a.left, params))
}

fn assigns_param_member_target(t: &AssignmentTarget<'_>, params: &[&str]) -> bool {
    let Some(m) = t.as_member_expression() else {
        return false;
    };
    let mut obj = m.object().without_parentheses();
    if let Expression::StaticMemberExpression(inner) = obj {
        obj = inner.object.without_parentheses();
    }
    matches!(obj, Expression::Identifier(i) if params.contains(&i.name.as_str()))
}

/// The module graph of a package.
pub(crate) struct Graph<'a> {
    pub mods: Vec<Module<'a>>,
    /// (unit, wrapper function node) → module.
    by_fn: HashMap<(UnitId, NodeId), ModId>,
    /// (unit, importing node) → imported module.
    edges: HashMap<(UnitId, NodeId), ModId>,
    /// Imported module → importing nodes (unit, node).
    importers: HashMap<ModId, Vec<(UnitId, NodeId)>>,
    /// (unit, wrapper binding symbol) → module (esbuild `require_x`).
    wrapper_syms: HashMap<(UnitId, SymbolId), ModId>,
    esm: Vec<bool>,
    /// Exports per module, computed on first use.
    pub(crate) exports: std::cell::RefCell<HashMap<ModId, ExportList<'a>>>,
}

type ExportList<'a> = std::rc::Rc<Vec<(Option<&'a str>, ExportVal<'a>)>>;

/// Node's resolution of a relative specifier against a unit path.
pub(crate) fn resolve_path(
    from: &str,
    spec: &str,
    paths: &HashMap<String, UnitId>,
) -> Option<UnitId> {
    if !(spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == "..") {
        return None;
    }
    let dir = match from.rfind('/') {
        Some(i) => &from[..i],
        None => "",
    };
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for seg in spec.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let base = parts.join("/");
    let base = if from.starts_with('/') && !base.starts_with('/') {
        format!("/{base}")
    } else {
        base
    };
    let stem = base
        .strip_suffix(".js")
        .or_else(|| base.strip_suffix(".mjs"))
        .or_else(|| base.strip_suffix(".cjs"))
        .unwrap_or(&base);
    let candidates = [
        base.clone(),
        format!("{base}.js"),
        format!("{base}.mjs"),
        format!("{base}.cjs"),
        format!("{base}.ts"),
        format!("{base}.tsx"),
        format!("{base}.jsx"),
        format!("{base}.mts"),
        format!("{base}.cts"),
        format!("{stem}.ts"),
        format!("{stem}.mts"),
        format!("{stem}.cts"),
        format!("{stem}.tsx"),
        format!("{base}/index.js"),
        format!("{base}/index.mjs"),
        format!("{base}/index.cjs"),
        format!("{base}/index.ts"),
    ];
    candidates.iter().find_map(|c| paths.get(c).copied())
}

impl<'a> Graph<'a> {
    pub fn build(units: &[&Ctx<'a>], raw: Vec<RawModule<'a>>) -> Graph<'a> {
        let paths: HashMap<String, UnitId> = units
            .iter()
            .enumerate()
            .map(|(i, c)| (c.path.replace('\\', "/"), i as UnitId))
            .collect();
        let mut g = Graph {
            mods: (0..units.len())
                .map(|u| Module {
                    unit: u as UnitId,
                    func: None,
                    exports_param: None,
                    module_param: None,
                    deps: Vec::new(),
                    key: None,
                    table: None,
                })
                .collect(),
            by_fn: HashMap::new(),
            edges: HashMap::new(),
            importers: HashMap::new(),
            wrapper_syms: HashMap::new(),
            esm: raw.iter().map(|r| r.esm).collect(),
            exports: std::cell::RefCell::new(HashMap::new()),
        };
        for (u, r) in raw.iter().enumerate() {
            let u = u as UnitId;
            let from = units[u as usize].path.replace('\\', "/");
            // Wrappers and tables first: requires inside them resolve through them.
            for &(sym, f) in &r.wrappers {
                let m = g.add_wrapper(u, f, 0, 1, None, None, Vec::new());
                g.wrapper_syms.insert((u, sym), m);
            }
            for (t, rows) in r.tables.iter().enumerate() {
                for (key, f, deps) in rows {
                    // webpack (module, exports, require); browserify (require, module, exports).
                    let (e, m) = if deps.is_empty() && rows.iter().all(|r| r.2.is_empty()) {
                        (1, 0)
                    } else {
                        (2, 1)
                    };
                    g.add_wrapper(u, *f, e, m, Some(key.clone()), Some(t as u32), deps.clone());
                }
            }
            for &(node, spec) in &r.imports {
                if let Some(target) = resolve_path(&from, spec, &paths) {
                    g.link(u, node, target);
                }
            }
            let tables = !r.tables.is_empty();
            for &(call, spec) in &r.requires {
                let node = call.node_id.get();
                if spec.starts_with('.') {
                    if let Some(target) = resolve_path(&from, spec, &paths) {
                        g.link(u, node, target);
                    }
                    continue;
                }
                // Table keys only mean modules in a unit that has module tables.
                if !tables {
                    continue;
                }
                // Inside a browserify module: its dependency map; webpack: a table key.
                let owner = g.module_of(units[u as usize], u, node);
                let key = g.mods[owner as usize]
                    .deps
                    .iter()
                    .find(|(s, _)| s == spec)
                    .map_or(spec, |(_, k)| k.as_str())
                    .to_string();
                let table = g.mods[owner as usize].table;
                if let Some(target) = g.find_key(u, table, &key) {
                    g.link(u, node, target);
                }
            }
        }
        // webpack `n(123)`: numeric keys of a table, called with a number.
        g
    }

    #[allow(clippy::too_many_arguments)]
    fn add_wrapper(
        &mut self,
        unit: UnitId,
        f: FnRef<'a>,
        exports_at: usize,
        module_at: usize,
        key: Option<String>,
        table: Option<u32>,
        deps: Vec<(String, String)>,
    ) -> ModId {
        let param = |i: usize| {
            f.params()
                .items
                .get(i)
                .and_then(|p| p.pattern.get_binding_identifier())
                .and_then(|b| b.symbol_id.get())
        };
        let id = self.mods.len() as ModId;
        self.mods.push(Module {
            unit,
            func: Some(f),
            exports_param: param(exports_at),
            module_param: param(module_at),
            deps,
            key,
            table,
        });
        self.by_fn.insert((unit, f.node_id()), id);
        id
    }

    fn find_key(&self, unit: UnitId, table: Option<u32>, key: &str) -> Option<ModId> {
        let mut found = None;
        for (i, m) in self.mods.iter().enumerate() {
            if m.unit == unit
                && m.key.as_deref() == Some(key)
                && (table.is_none() || m.table == table)
            {
                if found.is_some() {
                    return None; // ambiguous across tables
                }
                found = Some(i as ModId);
            }
        }
        found
    }

    fn link(&mut self, unit: UnitId, node: NodeId, target: ModId) {
        self.edges.insert((unit, node), target);
        self.importers.entry(target).or_default().push((unit, node));
    }

    /// The module a node of unit `u` belongs to (innermost wrapper, else the unit).
    pub fn module_of(&self, ctx: &Ctx<'_>, u: UnitId, node: NodeId) -> ModId {
        if self.by_fn.is_empty() {
            return u;
        }
        let nodes = ctx.semantic.nodes();
        for a in nodes.ancestor_ids(node) {
            if let Some(&m) = self.by_fn.get(&(u, a)) {
                return m;
            }
        }
        u
    }

    /// The module an importing node (`require` call, import declaration,
    /// `import()`, `export … from`) denotes.
    pub fn target(&self, u: UnitId, node: NodeId) -> Option<ModId> {
        self.edges.get(&(u, node)).copied()
    }

    /// Nodes that import module `m`.
    pub fn importers(&self, m: ModId) -> &[(UnitId, NodeId)] {
        self.importers.get(&m).map_or(&[], Vec::as_slice)
    }

    /// The wrapper module an esbuild `require_x` binding denotes.
    pub fn wrapper_of_symbol(&self, u: UnitId, sym: SymbolId) -> Option<ModId> {
        self.wrapper_syms.get(&(u, sym)).copied()
    }

    /// All wrapper bindings (to find `require_x()` calls).
    pub fn wrapper_symbols(&self) -> impl Iterator<Item = (UnitId, SymbolId, ModId)> + '_ {
        self.wrapper_syms.iter().map(|(&(u, s), &m)| (u, s, m))
    }

    pub fn is_esm(&self, m: ModId) -> bool {
        let md = &self.mods[m as usize];
        md.func.is_none() && self.esm.get(md.unit as usize).copied().unwrap_or(false)
    }

    /// Is `e` the exports object of module `m` (`exports`, `module.exports`,
    /// the wrapper's parameters)?
    pub fn is_exports_object(&self, ctx: &Ctx<'_>, m: ModId, e: &Expression<'_>) -> bool {
        match e.without_parentheses() {
            Expression::Identifier(id) => self.is_param_or_global(ctx, m, id, "exports"),
            Expression::StaticMemberExpression(s) => self.is_module_exports(ctx, m, s),
            _ => false,
        }
    }

    /// `module.exports` of module `m`.
    pub fn is_module_exports(
        &self,
        ctx: &Ctx<'_>,
        m: ModId,
        s: &oxc_ast::ast::StaticMemberExpression<'_>,
    ) -> bool {
        s.property.name == "exports"
            && matches!(s.object.without_parentheses(), Expression::Identifier(id) if self.is_param_or_global(ctx, m, id, "module"))
    }

    fn is_param_or_global(
        &self,
        ctx: &Ctx<'_>,
        m: ModId,
        id: &oxc_ast::ast::IdentifierReference<'_>,
        global: &str,
    ) -> bool {
        let md = &self.mods[m as usize];
        let sym = id
            .reference_id
            .get()
            .and_then(|r| ctx.semantic.scoping().get_reference(r).symbol_id());
        if md.func.is_none() {
            id.name == global && sym.is_none()
        } else {
            let p = if global == "exports" {
                md.exports_param
            } else {
                md.module_param
            };
            p.is_some() && sym == p
        }
    }
}

/// What an exported name of a module is bound to.
#[derive(Clone, Copy)]
pub(crate) enum ExportVal<'a> {
    /// A value expression (`exports.x = v`, `export default v`, `{x: v}` of `module.exports = {…}`).
    Expr(UnitId, &'a Expression<'a>),
    /// A local binding (`export const x`, `export { a as x }`, `export function x`).
    Sym(UnitId, SymbolId),
    /// The whole `module.exports = v` (a default import, or any name of it).
    Whole(UnitId, &'a Expression<'a>),
    /// Another module's export (`export { x } from`, `export * from`), and
    /// the name it has there when it is renamed (`export { a as x } from`).
    Re(ModId, Option<&'a str>),
}

/// Exports of module `m` named `name` (`None` = any name, including the
/// exports object as a whole). Computed once per module (one pass over its
/// nodes) and kept.
pub(crate) fn exports_named<'a>(
    units: &[&Ctx<'a>],
    g: &Graph<'a>,
    m: ModId,
    name: Option<&str>,
    out: &mut Vec<ExportVal<'a>>,
) {
    let all = {
        let cached = g.exports.borrow().get(&m).cloned();
        if let Some(all) = cached {
            all
        } else {
            let mut v = Vec::new();
            scan_exports(units, g, m, &mut v);
            let v = std::rc::Rc::new(v);
            g.exports.borrow_mut().insert(m, v.clone());
            v
        }
    };
    for (n, v) in all.iter() {
        let keep = match (name, n) {
            (None, _) => true,
            (Some(w), Some(n)) => w == *n,
            // `export * from`: any name may come from there.
            (Some(_), None) => matches!(v, ExportVal::Re(..)),
        };
        if keep {
            out.push(*v);
        }
    }
}

/// Every export of module `m` with its name (`None`: the whole exports object, `export *`).
fn scan_exports<'a>(
    units: &[&Ctx<'a>],
    g: &Graph<'a>,
    m: ModId,
    out: &mut Vec<(Option<&'a str>, ExportVal<'a>)>,
) {
    let md = &g.mods[m as usize];
    let u = md.unit;
    let ctx = units[u as usize];
    let nodes = ctx.semantic.nodes();
    let (first, span) = match md.func {
        Some(f) => (f.node_id().index(), f.span()),
        None => (0, ctx.program.span),
    };
    for i in first..nodes.len() {
        if out.len() > 4096 {
            break;
        }
        let id = NodeId::from_usize(i);
        let kind = nodes.kind(id);
        if kind.span().start > span.end {
            break;
        }
        match kind {
            AstKind::AssignmentExpression(a) => {
                let Some(target) = a.left.as_member_expression() else {
                    continue;
                };
                // `module.exports = v`
                if let oxc_ast::ast::MemberExpression::StaticMemberExpression(s) = target
                    && g.is_module_exports(ctx, m, s)
                {
                    out.push((None, ExportVal::Whole(u, &a.right)));
                    continue;
                }
                let (Some(prop), obj) = (target.static_property_name(), target.object()) else {
                    continue;
                };
                if g.is_exports_object(ctx, m, obj) {
                    out.push((Some(prop), ExportVal::Expr(u, &a.right)));
                }
            }
            AstKind::CallExpression(c) => {
                // `__export(exports, { x: () => v })`, `r.d(exports, {…})`,
                // `Object.defineProperty(exports, "x", { get: () => v, value: v })`.
                let Some(first) = c.arguments.first().and_then(Argument::as_expression) else {
                    continue;
                };
                if !g.is_exports_object(ctx, m, first) {
                    continue;
                }
                match (
                    c.arguments.get(1).and_then(Argument::as_expression),
                    c.arguments.get(2).and_then(Argument::as_expression),
                ) {
                    (Some(Expression::ObjectExpression(o)), None) => {
                        for p in &o.properties {
                            if let ObjectPropertyKind::ObjectProperty(p) = p
                                && let Some(k) = property_key_name(&p.key)
                            {
                                push_getter(u, Some(k), &p.value, out);
                            }
                        }
                    }
                    (
                        Some(Expression::StringLiteral(k)),
                        Some(Expression::ObjectExpression(desc)),
                    ) => {
                        for p in &desc.properties {
                            if let ObjectPropertyKind::ObjectProperty(p) = p
                                && p.key
                                    .static_name()
                                    .is_some_and(|k| k == "get" || k == "value")
                            {
                                push_getter(u, Some(k.value.as_str()), &p.value, out);
                            }
                        }
                    }
                    _ => {}
                }
            }
            AstKind::ExportDeclaration(e) if md.func.is_none() => {
                use oxc_ast::ast::Declaration;
                match &e.declaration {
                    Declaration::VariableDeclaration(v) => {
                        for d in &v.declarations {
                            if let BindingPattern::BindingIdentifier(b) = &d.id {
                                out.push((Some(b.name.as_str()), ExportVal::Sym(u, b.symbol_id())));
                            }
                        }
                    }
                    Declaration::FunctionDeclaration(f) => {
                        if let Some(b) = &f.id {
                            out.push((Some(b.name.as_str()), ExportVal::Sym(u, b.symbol_id())));
                        }
                    }
                    Declaration::ClassDeclaration(c) => {
                        if let Some(b) = &c.id {
                            out.push((Some(b.name.as_str()), ExportVal::Sym(u, b.symbol_id())));
                        }
                    }
                    _ => {}
                }
            }
            AstKind::ExportNamedDeclaration(e) if md.func.is_none() => {
                for s in &e.specifiers {
                    if let oxc_ast::ast::ModuleExportName::IdentifierReference(r) = &s.local
                        && let Some(sym) = r
                            .reference_id
                            .get()
                            .and_then(|r| ctx.semantic.scoping().get_reference(r).symbol_id())
                    {
                        out.push((Some(export_name(&s.exported)), ExportVal::Sym(u, sym)));
                    }
                }
            }
            AstKind::ExportDefaultDeclaration(e) if md.func.is_none() => {
                use oxc_ast::ast::ExportDefaultDeclarationKind as K;
                match &e.declaration {
                    K::FunctionDeclaration(f) => {
                        if let Some(b) = &f.id {
                            out.push((Some("default"), ExportVal::Sym(u, b.symbol_id())));
                        }
                    }
                    K::ClassDeclaration(c) => {
                        if let Some(b) = &c.id {
                            out.push((Some("default"), ExportVal::Sym(u, b.symbol_id())));
                        }
                    }
                    other => {
                        if let Some(x) = other.as_expression() {
                            out.push((Some("default"), ExportVal::Expr(u, x)));
                        }
                    }
                }
            }
            AstKind::ExportFromDeclaration(e) if md.func.is_none() => {
                if let Some(t) = g.target(u, e.node_id.get()) {
                    for sp in &e.specifiers {
                        let (exported, local) = (export_name(&sp.exported), export_name(&sp.local));
                        let rename = (local != exported).then_some(local);
                        out.push((Some(exported), ExportVal::Re(t, rename)));
                    }
                }
            }
            AstKind::ExportAllDeclaration(e) if md.func.is_none() => {
                if let Some(t) = g.target(u, e.node_id.get()) {
                    out.push((None, ExportVal::Re(t, None)));
                }
            }
            _ => {}
        }
    }
}

/// The value a getter-ish property yields: `() => v`, `function () { return v }`, or `v`.
fn push_getter<'a>(
    u: UnitId,
    name: Option<&'a str>,
    value: &'a Expression<'a>,
    out: &mut Vec<(Option<&'a str>, ExportVal<'a>)>,
) {
    match FnRef::from_expr(value) {
        Some(f) => out.extend(
            f.returns()
                .into_iter()
                .map(|r| (name, ExportVal::Expr(u, r))),
        ),
        None => out.push((name, ExportVal::Expr(u, value))),
    }
}

fn export_name<'a>(n: &oxc_ast::ast::ModuleExportName<'a>) -> &'a str {
    match n {
        oxc_ast::ast::ModuleExportName::IdentifierName(x) => x.name.as_str(),
        oxc_ast::ast::ModuleExportName::IdentifierReference(x) => x.name.as_str(),
        oxc_ast::ast::ModuleExportName::StringLiteral(x) => x.value.as_str(),
    }
}

/// Is this assignment target an export of module `m`: the exported name for
/// `exports.x = v` / `module.exports.x = v`, `Some(None)` for `module.exports = v`.
pub(crate) fn export_target<'a>(
    g: &Graph<'_>,
    ctx: &Ctx<'_>,
    m: ModId,
    target: &'a AssignmentTarget<'a>,
) -> Option<Option<&'a str>> {
    let member = target.as_member_expression()?;
    if let oxc_ast::ast::MemberExpression::StaticMemberExpression(s) = member
        && g.is_module_exports(ctx, m, s)
    {
        return Some(None);
    }
    let prop = member.static_property_name()?;
    g.is_exports_object(ctx, m, member.object())
        .then_some(Some(prop))
}
