//! Covert channels (PS101–PS105): an environment-derived value decides which of
//! several imperceptibly different texts the program produces.
//!
//! Design: **candidate sites first, then slice backwards.**
//! 1. One linear pass over the semantic nodes finds places that can yield two
//!    or more string alternatives — `?:` chains, `c && A || B`, lookups with a
//!    computed key into object/array tables (inline or bound to a constant),
//!    functions with several string `return`s (if/return chains, `switch`),
//!    variables assigned different strings on different paths, `.replace` /
//!    `.replaceAll` applied under a condition, `String.fromCharCode(c ? x : y)`,
//!    and invisible code points computed from data (`fromCodePoint(0xE0000 + c)`).
//!    The pass only looks at node kinds and literal children; nothing allocates
//!    unless a node is a candidate.
//! 2. Alternatives are rendered to strings (literals, templates, concatenation,
//!    char codes, constant bindings, then JS-B's bounded evaluator); parts that
//!    are not constant become `${n}` placeholders so `` `${y}/${m}` `` and
//!    `` `${y}-${m}` `` still compare. Pairs are judged by the text engine's
//!    [`plainsight_text::classify`]: only imperceptible differences survive
//!    (look-alike → PS101, invisible → PS102, spacing → PS103, format → PS104;
//!    an alphabet of distinct invisible characters → PS105). Visible
//!    differences (ordinary translations) end the analysis here, and so do
//!    kinds that are everyday code rather than carriers (see
//!    `covert_kind_holds`): ASCII-only look-alike pairs, line endings, tabs
//!    vs newlines, an optional separator present or not. Conditions that test
//!    one character of the data being transformed (escape/transliteration
//!    tables: `switch (ch)`, `T[ch]`, `ch === "'"`) are not deciders.
//! 3. Only then the deciding expressions are sliced backwards
//!    ([`crate::slice`]) to an environment read, and the site is followed
//!    forwards to a sink. Severity and confidence come from what was found:
//!    a targetable environment read (endpoint, time zone/locale, identity) is
//!    high confidence, critical when the text leaves the process; platform or
//!    generic variables, or an unknown origin, are reported only when the text
//!    reaches a sink, at lower confidence.

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, AssignmentOperator, AssignmentTarget, BinaryOperator,
    BindingPattern, CallExpression, Expression, LogicalOperator, ObjectPropertyKind,
};
use oxc_semantic::{NodeId, SymbolId};
use oxc_span::{GetSpan, Span};
use plainsight_core::{CharNote, Confidence, Finding, Flow, FlowStep, Rule, Severity};
use plainsight_text::{DiffKind, classify};

use crate::context::Ctx;
use crate::env::{EnvCategory, EnvRead};
use crate::eval::{Evaluator, Value};
use crate::slice::{EnvHit, FnRef, IndexEntries, Shared, Sink};
use crate::snippet;

/// Node budget for slicing one site (backward and forward together).
/// Longest backward path from a non-targetable (generic or platform)
/// environment read that still makes a covert-channel finding.
const GENERIC_ENV_MAX_HOPS: usize = 4;

const SLICE_BUDGET: u32 = 4000;
/// Up to this many alternatives every pair is compared; beyond it only pairs
/// with equal [`signature`]s (a necessary condition for an imperceptible
/// difference), so a table of thousands costs one signature each and no
/// alternative is ever dropped.
const ALL_PAIRS_MAX: usize = 48;

/// One place in the code that can produce several texts.
struct Site<'a> {
    node: NodeId,
    span: Span,
    alts: Vec<Alt>,
    deciders: Vec<&'a Expression<'a>>,
    /// Invisible code points computed from data (PS105 arithmetic form).
    computed_invisible: Option<char>,
}

struct Alt {
    text: String,
}

pub fn analyze(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let mut entries = IndexEntries::default();
    let sites = find_sites(ctx, &mut entries);
    if sites.is_empty() {
        return;
    }
    let shared = Shared::new(entries);
    let mut reported: Vec<u32> = Vec::new();
    for site in sites {
        if reported.contains(&site.span.start) {
            continue;
        }
        if let Some(f) = judge_site(ctx, &shared, &site) {
            reported.push(site.span.start);
            out.push(f);
        }
    }
}

// ---------------------------------------------------------------------------
// 1. Candidate sites
// ---------------------------------------------------------------------------

fn find_sites<'a>(ctx: &Ctx<'a>, entries: &mut IndexEntries<'a>) -> Vec<Site<'a>> {
    let nodes = ctx.semantic.nodes();
    let scoping = ctx.semantic.scoping();
    let mut r = Renderer::new(ctx);
    let mut sites = Vec::new();
    // (function, return) and (variable, assignment) pairs with stringish
    // values; grouped after the pass by sorting (cheaper than maps per node).
    let mut returns: Vec<(NodeId, NodeId, &'a Expression<'a>)> = Vec::new();
    let mut assigns: Vec<(SymbolId, NodeId, &'a Expression<'a>)> = Vec::new();
    for node in nodes.iter() {
        let id = node.id();
        entries.node(node.kind());
        match node.kind() {
            AstKind::ConditionalExpression(c) => {
                if matches!(nodes.parent_kind(id), AstKind::ConditionalExpression(p) if p.test.span() != c.span)
                {
                    continue; // flattened into the outer conditional
                }
                // The common case, two literal branches, is settled without allocating.
                if let (Expression::StringLiteral(a), Expression::StringLiteral(b)) = (
                    c.consequent.without_parentheses(),
                    c.alternate.without_parentheses(),
                ) && !may_be_imperceptible(&a.value, &b.value)
                {
                    continue;
                }
                let mut leaves = Vec::new();
                let mut tests = Vec::new();
                flatten_conditional(c, &mut leaves, &mut tests);
                sites.extend(choice_site(ctx, &mut r, id, c.span, &leaves, tests));
            }
            AstKind::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
                // `c && A || B`
                if let Expression::LogicalExpression(inner) = l.left.without_parentheses()
                    && inner.operator == LogicalOperator::And
                    && is_stringish(&inner.right)
                    && is_stringish(&l.right)
                {
                    let Some(alts) = r.alts(&[&inner.right, &l.right], false) else {
                        continue;
                    };
                    sites.push(Site {
                        node: id,
                        span: l.span,
                        alts,
                        deciders: vec![&inner.left],
                        computed_invisible: None,
                    });
                }
            }
            AstKind::ComputedMemberExpression(m) => {
                if is_stringish(&m.expression) || is_number(&m.expression) {
                    continue; // constant key: no choice
                }
                let Some(table) = table_of(ctx, &m.object) else {
                    continue;
                };
                if is_char_table(table) && !chosen_among_constants(ctx, &m.expression) {
                    continue; // a translation table keyed by the data's characters
                }
                // `T[k].p` selects a field of each row.
                let field = match nodes.parent_kind(id) {
                    AstKind::StaticMemberExpression(p) => Some(p.property.name.as_str()),
                    _ => None,
                };
                let vals = table_values(table, field);
                sites.extend(choice_site(
                    ctx,
                    &mut r,
                    id,
                    m.span,
                    &vals,
                    vec![&m.expression],
                ));
            }
            AstKind::CallExpression(call) => {
                if let Some(site) = replace_site(ctx, &mut r, id, call) {
                    sites.push(site);
                } else if let Some(site) = computed_invisible_site(id, call) {
                    sites.push(site);
                }
            }
            AstKind::ReturnStatement(ret) => {
                if let Some(arg) = &ret.argument
                    && is_stringish(arg)
                    && let Some(f) = nodes
                        .ancestor_ids(id)
                        .find(|&a| FnRef::is_fn(nodes.kind(a)))
                {
                    returns.push((f, id, arg));
                }
            }
            AstKind::VariableDeclarator(d) => {
                if let (BindingPattern::BindingIdentifier(b), Some(init)) = (&d.id, &d.init)
                    && is_stringish(init)
                    && ctx.symbol_is_mutated(b.symbol_id())
                {
                    assigns.push((b.symbol_id(), id, init));
                }
            }
            AstKind::AssignmentExpression(a) if a.operator == AssignmentOperator::Assign => {
                if let AssignmentTarget::AssignmentTargetIdentifier(t) = &a.left
                    && is_stringish(&a.right)
                    && let Some(sym) = t
                        .reference_id
                        .get()
                        .and_then(|r| scoping.get_reference(r).symbol_id())
                {
                    assigns.push((sym, id, &a.right));
                }
            }
            _ => {}
        }
    }
    returns.sort_unstable_by_key(|r| r.0);
    for group in returns.chunk_by(|x, y| x.0 == y.0) {
        if group.len() >= 2 {
            let f = group[0].0;
            let vals: Vec<(NodeId, &'a Expression<'a>)> =
                group.iter().map(|g| (g.1, g.2)).collect();
            sites.extend(path_site(ctx, &mut r, f, &vals, f));
        }
    }
    assigns.sort_unstable_by_key(|a| a.0);
    for group in assigns.chunk_by(|x, y| x.0 == y.0) {
        if group.len() >= 2 {
            let decl = scoping.symbol_declaration(group[0].0);
            let scope_fn = nodes
                .ancestor_ids(decl)
                .find(|&a| FnRef::is_fn(nodes.kind(a)))
                .unwrap_or(NodeId::ROOT);
            let vals: Vec<(NodeId, &'a Expression<'a>)> =
                group.iter().map(|g| (g.1, g.2)).collect();
            sites.extend(path_site(ctx, &mut r, vals[0].0, &vals, scope_fn));
        }
    }
    sites
}

/// Alternatives reached on different control paths (returns of one function,
/// values of one variable): the deciders are the conditions on those paths.
fn path_site<'a>(
    ctx: &Ctx<'a>,
    r: &mut Renderer<'_, 'a>,
    node: NodeId,
    vals: &[(NodeId, &'a Expression<'a>)],
    stop: NodeId,
) -> Option<Site<'a>> {
    let leaves: Vec<&'a Expression<'a>> = vals.iter().map(|(_, e)| *e).collect();
    let alts = r.alts(&leaves, false)?;
    let mut deciders = Vec::new();
    for (at, _) in vals {
        conditions_between(ctx, *at, stop, &mut deciders);
    }
    Some(Site {
        node,
        span: ctx.semantic.nodes().kind(node).span(),
        alts,
        deciders,
        computed_invisible: None,
    })
}

/// Tests of the if/switch/?:/&& constructs between `from` and `stop`.
fn conditions_between<'a>(
    ctx: &Ctx<'a>,
    from: NodeId,
    stop: NodeId,
    out: &mut Vec<&'a Expression<'a>>,
) {
    let nodes = ctx.semantic.nodes();
    for id in nodes.ancestor_ids(from) {
        if id == stop {
            break;
        }
        match nodes.kind(id) {
            AstKind::IfStatement(s) if !is_char_test(ctx, &s.test) => push_unique(out, &s.test),
            AstKind::SwitchStatement(s) if !is_char_switch(ctx, s) => {
                push_unique(out, &s.discriminant);
            }
            AstKind::ConditionalExpression(c) if !is_char_test(ctx, &c.test) => {
                push_unique(out, &c.test);
            }
            AstKind::LogicalExpression(l) => push_unique(out, &l.left),
            AstKind::WhileStatement(w) => push_unique(out, &w.test),
            AstKind::Function(_) | AstKind::ArrowFunctionExpression(_) => break,
            _ => {}
        }
    }
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
/// same translation-table shape written as an if/return chain.
fn is_char_test(ctx: &Ctx<'_>, e: &Expression<'_>) -> bool {
    match e.without_parentheses() {
        Expression::BinaryExpression(b) if b.operator.is_equality() => {
            (is_single_char(&b.left) && !chosen_among_constants(ctx, &b.right))
                || (is_single_char(&b.right) && !chosen_among_constants(ctx, &b.left))
        }
        Expression::LogicalExpression(l) => {
            is_char_test(ctx, &l.left) && is_char_test(ctx, &l.right)
        }
        _ => false,
    }
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

fn push_unique<'a>(out: &mut Vec<&'a Expression<'a>>, e: &'a Expression<'a>) {
    if !out.iter().any(|x| x.span() == e.span()) {
        out.push(e);
    }
}

/// A site choosing among `leaves` (the branches of a conditional, the rows
/// of a table) by `deciders`: needs two constant-looking leaves, and
/// alternatives the renderer can produce (as char codes when the choice feeds
/// `String.fromCharCode`).
fn choice_site<'a>(
    ctx: &Ctx<'a>,
    r: &mut Renderer<'_, 'a>,
    id: NodeId,
    span: Span,
    leaves: &[&'a Expression<'a>],
    deciders: Vec<&'a Expression<'a>>,
) -> Option<Site<'a>> {
    if leaves
        .iter()
        .filter(|e| is_stringish(e) || is_number(e))
        .count()
        < 2
    {
        return None;
    }
    let alts = r.alts(leaves, char_code_context(ctx, id))?;
    Some(Site {
        node: id,
        span,
        alts,
        deciders,
        computed_invisible: None,
    })
}

fn flatten_conditional<'a>(
    c: &'a oxc_ast::ast::ConditionalExpression<'a>,
    leaves: &mut Vec<&'a Expression<'a>>,
    tests: &mut Vec<&'a Expression<'a>>,
) {
    tests.push(&c.test);
    for branch in [&c.consequent, &c.alternate] {
        match branch.without_parentheses() {
            // Recursion is bounded by the depth precheck; every leaf is kept.
            Expression::ConditionalExpression(inner) => {
                flatten_conditional(inner, leaves, tests);
            }
            _ => leaves.push(branch),
        }
    }
}

/// A literal string, template, concatenation involving one, or char-code call.
fn is_stringish(e: &Expression<'_>) -> bool {
    match e.without_parentheses() {
        Expression::StringLiteral(_) => true,
        Expression::TemplateLiteral(t) => t.quasis.iter().any(|q| !q.value.raw.is_empty()),
        Expression::BinaryExpression(b) => {
            b.operator == BinaryOperator::Addition
                && (is_stringish(&b.left) || is_stringish(&b.right))
        }
        Expression::CallExpression(c) => {
            from_char_code_callee(&c.callee).is_some() || is_join_call(c)
        }
        _ => false,
    }
}

fn is_number(e: &Expression<'_>) -> bool {
    matches!(e.without_parentheses(), Expression::NumericLiteral(_))
}

fn is_join_call(c: &CallExpression<'_>) -> bool {
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
fn from_char_code_callee(callee: &Expression<'_>) -> Option<&'static str> {
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
fn char_code_context(ctx: &Ctx<'_>, id: NodeId) -> bool {
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

/// An object or array literal, inline or bound to a never-reassigned variable.
fn table_of<'a>(ctx: &Ctx<'a>, e: &'a Expression<'a>) -> Option<&'a Expression<'a>> {
    match e.without_parentheses() {
        t @ (Expression::ObjectExpression(_) | Expression::ArrayExpression(_)) => Some(t),
        Expression::Identifier(id) => {
            // Cheap shape checks before the mutation check of `const_init`:
            // `x[i]` on a parameter or a call result is by far the common case.
            let scoping = ctx.semantic.scoping();
            let sym = scoping.get_reference(id.reference_id.get()?).symbol_id()?;
            let AstKind::VariableDeclarator(d) =
                ctx.semantic.nodes().kind(scoping.symbol_declaration(sym))
            else {
                return None;
            };
            let init = d.init.as_ref()?.without_parentheses();
            (matches!(
                init,
                Expression::ObjectExpression(_) | Expression::ArrayExpression(_)
            ) && matches!(d.id, BindingPattern::BindingIdentifier(_))
                && !ctx.symbol_is_mutated(sym))
            .then_some(init)
        }
        _ => None,
    }
}

fn table_values<'a>(table: &'a Expression<'a>, field: Option<&str>) -> Vec<&'a Expression<'a>> {
    let rows: Vec<&'a Expression<'a>> = match table {
        Expression::ObjectExpression(o) => o
            .properties
            .iter()
            .filter_map(|p| match p {
                ObjectPropertyKind::ObjectProperty(p) => Some(&p.value),
                ObjectPropertyKind::SpreadProperty(_) => None,
            })
            .collect(),
        Expression::ArrayExpression(a) => a
            .elements
            .iter()
            .filter_map(ArrayExpressionElement::as_expression)
            .collect(),
        _ => Vec::new(),
    };
    match field {
        None => rows,
        Some(f) => rows
            .into_iter()
            .filter_map(|row| match row.without_parentheses() {
                Expression::ObjectExpression(o) => o.properties.iter().find_map(|p| match p {
                    ObjectPropertyKind::ObjectProperty(p)
                        if p.key.static_name().as_deref() == Some(f) =>
                    {
                        Some(&p.value)
                    }
                    _ => None,
                }),
                _ => None,
            })
            .collect(),
    }
}

/// The initializer of a never-reassigned variable.
fn const_init<'a>(ctx: &Ctx<'a>, e: &Expression<'a>) -> Option<&'a Expression<'a>> {
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
/// normalisation, not a choice.
fn replace_site<'a>(
    ctx: &Ctx<'a>,
    r: &mut Renderer<'_, 'a>,
    id: NodeId,
    call: &'a CallExpression<'a>,
) -> Option<Site<'a>> {
    let m = call.callee.without_parentheses().as_member_expression()?;
    if !matches!(m.static_property_name()?, "replace" | "replaceAll") {
        return None;
    }
    let pat = call.arguments.first()?.as_expression()?;
    let rep = call.arguments.get(1)?.as_expression()?;
    let pattern = match pat.without_parentheses() {
        Expression::RegExpLiteral(re) => regex_literal_text(re.regex.pattern.text.as_str())?,
        Expression::StringLiteral(s) => s.value.to_string(),
        _ => return None,
    };
    if !is_stringish(rep) {
        return None;
    }
    r.holes.clear(); // placeholders are numbered per site
    let replacement = r.render(rep, false)?;
    let mut deciders = Vec::new();
    let nodes = ctx.semantic.nodes();
    let stop = nodes
        .ancestor_ids(id)
        .find(|&a| FnRef::is_fn(nodes.kind(a)))
        .unwrap_or(NodeId::ROOT);
    conditions_between(ctx, id, stop, &mut deciders);
    if deciders.is_empty() {
        return None;
    }
    Some(Site {
        node: id,
        span: call.span,
        alts: vec![Alt { text: pattern }, Alt { text: replacement }],
        deciders,
        computed_invisible: None,
    })
}

/// The literal text a simple regex pattern matches (`'`, `\u2019`, `[’‘]` → its first member).
fn regex_literal_text(p: &str) -> Option<String> {
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

/// A number as JavaScript prints it (integers without a fraction).
fn js_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// `String.fromCodePoint(0xE0000 + x)`, `fromCharCode(0xDB40, 0xDC00 + x)`,
/// `0xE0000 | x`: invisible code points computed from data.
fn computed_invisible_site<'a>(id: NodeId, call: &'a CallExpression<'a>) -> Option<Site<'a>> {
    from_char_code_callee(&call.callee)?;
    for arg in call.arguments.iter().filter_map(Argument::as_expression) {
        let Expression::BinaryExpression(b) = arg.without_parentheses() else {
            continue;
        };
        if !matches!(
            b.operator,
            BinaryOperator::Addition | BinaryOperator::BitwiseOR
        ) {
            continue;
        }
        let (base, data) = match (b.left.without_parentheses(), b.right.without_parentheses()) {
            (Expression::NumericLiteral(n), d) | (d, Expression::NumericLiteral(n))
                if !is_number(d) =>
            {
                (n.value, d)
            }
            _ => continue,
        };
        let base = base as u32;
        // Tag block, its low surrogate (0xDC00 after a 0xDB40 high one), variation selectors.
        let c = match base {
            0xE0000..=0xE007F => char::from_u32(base.max(0xE0020)),
            0xDC00 if call.arguments.iter().any(|a| matches!(a.as_expression().map(Expression::without_parentheses), Some(Expression::NumericLiteral(n)) if n.value as u32 == 0xDB40)) => char::from_u32(0xE0020),
            0xFE00 | 0xE0100 => char::from_u32(base),
            _ => None,
        };
        if let Some(c) = c {
            return Some(Site {
                node: id,
                span: call.span,
                alts: Vec::new(),
                deciders: vec![data],
                computed_invisible: Some(c),
            });
        }
    }
    None
}

// ---------------------------------------------------------------------------
// 2. Alternatives as text
// ---------------------------------------------------------------------------

/// Renders an expression to the text it produces, with `${n}` placeholders for
/// non-constant parts (`n` numbers distinct source texts).
struct Renderer<'c, 'a> {
    ctx: &'c Ctx<'a>,
    holes: Vec<&'a str>,
}

impl<'c, 'a> Renderer<'c, 'a> {
    fn new(ctx: &'c Ctx<'a>) -> Self {
        Renderer {
            ctx,
            holes: Vec::new(),
        }
    }

    /// The alternatives of a site, or `None` when they cannot differ
    /// imperceptibly. Plain string literals — by far the most common leaves —
    /// are prefiltered by [`signature`] without rendering or allocating.
    fn alts(&mut self, leaves: &[&'a Expression<'a>], char_codes: bool) -> Option<Vec<Alt>> {
        if !char_codes {
            let mut lits: Vec<&str> = Vec::with_capacity(leaves.len());
            for e in leaves {
                if let Expression::StringLiteral(s) = e.without_parentheses() {
                    lits.push(s.value.as_str());
                } else {
                    lits.clear();
                    break;
                }
            }
            if !lits.is_empty() && !any_pair_may_be_imperceptible(&lits) {
                return None;
            }
        }
        self.holes.clear(); // placeholders are numbered per site
        let alts: Vec<Alt> = leaves
            .iter()
            .filter_map(|e| self.render(e, char_codes))
            .map(|text| Alt { text })
            .collect();
        (alts.len() >= 2).then_some(alts)
    }

    /// `None` when nothing in the expression is constant text.
    fn render(&mut self, e: &'a Expression<'a>, char_codes: bool) -> Option<String> {
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
            Expression::Identifier(_) => {
                if let Some(init) = const_init(self.ctx, e)
                    && (is_stringish(init) || is_number(init))
                {
                    return self.into(init, out, codes, depth + 1);
                }
                self.evaluated(e, out, codes)
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
        match Evaluator::new(self.ctx).eval(e) {
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
struct Judged {
    rule: Rule,
    a: String,
    b: String,
    chars: Vec<char>,
}

fn judge_alternatives(alts: &[Alt]) -> Option<Judged> {
    let mut seen = std::collections::HashSet::new();
    let distinct: Vec<&str> = alts
        .iter()
        .map(|a| a.text.as_str())
        .filter(|t| seen.insert(*t))
        .collect();
    if distinct.len() < 2 {
        return None;
    }
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
    let mut best: Option<(u8, Judged)> = None;
    // Small sets: every pair (a visible pair may still be a reordered
    // format); large ones: the pairs that can be imperceptible.
    let pairs: Vec<(usize, usize)> = if distinct.len() <= ALL_PAIRS_MAX {
        (0..distinct.len())
            .flat_map(|i| (i + 1..distinct.len()).map(move |j| (i, j)))
            .collect()
    } else {
        candidate_pairs(&distinct)
    };
    {
        for (i, j) in pairs {
            let (a, b) = (distinct[i], distinct[j]);
            if !may_be_imperceptible(a, b) {
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
///   space vs nothing (optional separators) are layout choices.
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
            !chars.is_empty() && chars.iter().all(horizontal) && !a.is_empty() && !b.is_empty()
        }
        _ => true,
    }
}

/// Could any two distinct strings of `lits` differ imperceptibly (or encode
/// data as an alphabet of invisibles)?
fn any_pair_may_be_imperceptible(lits: &[&str]) -> bool {
    if lits.iter().any(|s| is_invisible_symbol(s)) {
        return true;
    }
    !candidate_pairs(lits).is_empty()
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
    let mut groups: std::collections::HashMap<Sig, Vec<usize>> = std::collections::HashMap::new();
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

fn is_invisible_symbol(s: &str) -> bool {
    !s.is_empty() && s.chars().all(plainsight_text::chars::is_invisible)
}

/// Cheap necessary condition for `classify(a, b).is_imperceptible()`: equal
/// [`signature`]s, checked first by length (no allocation for ASCII).
fn may_be_imperceptible(a: &str, b: &str) -> bool {
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
fn reordered_fields(a: &str, b: &str) -> bool {
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

fn judge_site<'a>(ctx: &Ctx<'a>, shared: &Shared<'a>, site: &Site<'a>) -> Option<Finding> {
    let judged = match site.computed_invisible {
        Some(c) => Judged {
            rule: Rule::CovertEncoding,
            a: String::new(),
            b: String::new(),
            chars: vec![c],
        },
        None => judge_alternatives(&site.alts)?,
    };
    // Backward: prefer a targetable read among all deciders.
    let mut slicer = shared.slicer(ctx, SLICE_BUDGET);
    let mut hit: Option<EnvHit> = None;
    for d in &site.deciders {
        let mut path = Vec::new();
        if let Some(h) = slicer.expr(d, &mut path) {
            let better = hit.as_ref().is_none_or(|old| {
                !old.read.category.is_targetable() && h.read.category.is_targetable()
            });
            if better {
                hit = Some(h);
            }
            if hit
                .as_ref()
                .is_some_and(|h| h.read.category.is_targetable())
            {
                break;
            }
        }
    }
    let opaque = slicer.opaque;
    let mut forward = shared.slicer(ctx, SLICE_BUDGET);
    let sink = forward.sink(site.node);
    let local_only = sink.is_none() && forward.printed_locally();
    let imperceptible_strong = matches!(
        judged.rule,
        Rule::CovertLookAlike | Rule::CovertInvisible | Rule::CovertEncoding
    );
    let (severity, confidence) = match (&hit, &sink) {
        (Some(h), Some(_)) if h.read.category.is_targetable() => {
            (Severity::Critical, Confidence::High)
        }
        (Some(h), None) if h.read.category.is_targetable() => {
            // Locale-driven spacing or date format for display is ordinary
            // i18n: reported lower without a sink, not at all when the text is
            // only printed to the local terminal.
            match (imperceptible_strong, local_only) {
                (true, false) => (Severity::High, Confidence::High),
                (true, true) | (false, false) => (Severity::Medium, Confidence::Medium),
                (false, true) => return None,
            }
        }
        // A generic or platform variable decides: only worth a look when it is
        // close to the choice. Deep paths from such variables are configuration
        // plumbing (on claude-code 2.1.330: TSC_WATCHFILE reaching a
        // toLocaleTimeString normaliser, CLAUDE_CODE_EXTRA_BODY a BOM strip).
        (Some(h), Some(_)) if h.path.len() <= GENERIC_ENV_MAX_HOPS => {
            (Severity::Medium, Confidence::Medium)
        }
        (None, Some(_))
            if opaque
                && imperceptible_strong
                && judged.rule != Rule::CovertEncoding
                && prose_like(&judged) =>
        {
            (Severity::Medium, Confidence::Low)
        }
        _ => return None,
    };
    // Reported: now name every environment source the deciding conditions
    // reach (endpoint AND time zone), not just the first one found.
    let mut sources: Vec<EnvRead> = Vec::new();
    if hit.is_some() {
        for d in &site.deciders {
            for r in shared.slicer(ctx, SLICE_BUDGET).all_reads(d) {
                if !sources.iter().any(|s| s.span == r.span) {
                    sources.push(r);
                }
            }
        }
    }
    Some(finding(
        ctx,
        site,
        &judged,
        hit.as_ref(),
        &sources,
        sink.as_ref(),
        (severity, confidence),
    ))
}

/// Alternatives that are words of text, not lone symbols or identifiers.
fn prose_like(j: &Judged) -> bool {
    crate::slice::is_prose(&j.a) || crate::slice::is_prose(&j.b)
}

fn category_label(c: EnvCategory) -> &'static str {
    match c {
        EnvCategory::Endpoint => "API endpoint / proxy configuration",
        EnvCategory::TimeZone => "time zone / locale",
        EnvCategory::Identity => "host / user identity",
        EnvCategory::Platform => "platform",
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

fn finding<'a>(
    ctx: &Ctx<'a>,
    site: &Site<'a>,
    j: &Judged,
    hit: Option<&EnvHit>,
    sources: &[EnvRead],
    sink: Option<&Sink>,
    (severity, confidence): (Severity, Confidence),
) -> Finding {
    let what = match j.rule {
        Rule::CovertEncoding if site.computed_invisible.is_some() => {
            format!(
                "invisible code points computed from data (from {})",
                describe_chars(&j.chars)
            )
        }
        Rule::CovertEncoding => format!(
            "data encoded as invisible characters {}",
            describe_chars(&j.chars)
        ),
        Rule::CovertInvisible => format!("invisible {} inserted or not", describe_chars(&j.chars)),
        Rule::CovertFormat => format!("format variant \"{}\" / \"{}\"", escape(&j.a), escape(&j.b)),
        _ => describe_chars(&j.chars),
    };
    let by = match hit {
        Some(h) => {
            let mut parts = vec![format!(
                "{} ({})",
                h.read.what,
                category_label(h.read.category)
            )];
            for r in sources {
                let p = format!("{} ({})", r.what, category_label(r.category));
                if !parts.contains(&p) {
                    parts.push(p);
                }
            }
            parts.join(" and ")
        }
        None => "a value of unknown origin".to_string(),
    };
    let flow = channel_flow(ctx, site, &what, hit, sources, sink);
    let mut message = format!("{what} chosen by {by}");
    if let Some(s) = sink {
        message.push_str("; reaches ");
        message.push_str(&s.what);
    }
    let mut f = Finding::new(j.rule, message, ctx.location(site.span));
    f.severity = severity;
    f.confidence = confidence;
    f.chars = j.chars.iter().map(|&c| CharNote::new(c, 1)).collect();
    let pos = |span: Span| {
        let p = ctx.lines.position(ctx.source, span.start);
        format!("{}:{}", p.line, p.column)
    };
    if let Some(h) = hit {
        let mut steps = vec![format!("site {}", pos(site.span))];
        steps.extend(h.describe(ctx));
        steps.push(format!("{} at {}", h.read.what, pos(h.read.span)));
        f.notes.push(steps.join(" ← "));
    }
    if !j.a.is_empty() || !j.b.is_empty() {
        // Every alternative of the site, not only the pair that was judged.
        let mut shown: Vec<String> = Vec::new();
        for t in [&j.a, &j.b]
            .into_iter()
            .chain(site.alts.iter().map(|a| &a.text))
        {
            let e = format!("\"{}\"", escape(t));
            if !shown.contains(&e) {
                shown.push(e);
            }
        }
        f.notes.push(format!("alternatives: {}", shown.join(" | ")));
    }
    if let Some(s) = sink {
        f.notes.push(format!("sink: {} at {}", s.what, pos(s.span)));
    }
    let (printed_span, mut text) = snippet::around(ctx, site.node);
    if let Some(h) = hit
        && !printed_span.contains_inclusive(h.read.span)
        && let Some(env_node) = node_at(ctx, h.read.span)
    {
        let (_, env_text) = snippet::around(ctx, env_node);
        text.push_str("\n// …\n");
        text.push_str(&env_text);
    }
    let header = format!(
        "// {}: {}\n",
        j.rule.code(),
        if j.a.is_empty() {
            describe_chars(&j.chars)
        } else {
            format!("\"{}\" vs \"{}\"", escape(&j.a), escape(&j.b))
        }
    );
    f.snippet = Some(header + &text);
    f.help = Some("An environment-dependent choice between texts a reader cannot tell apart can tag outgoing text; review why the text varies.".into());
    f.flow = Some(flow);
    f
}

/// The channel as trigger → carrier → sink, for the report's verdict.
fn channel_flow(
    ctx: &Ctx<'_>,
    site: &Site<'_>,
    carrier: &str,
    hit: Option<&EnvHit>,
    sources: &[EnvRead],
    sink: Option<&Sink>,
) -> Flow {
    let read = |r: &EnvRead| FlowStep {
        what: r.what.clone(),
        kind: Some(category_label(r.category).to_string()),
        location: Some(ctx.location(r.span)),
    };
    let mut triggers: Vec<FlowStep> = Vec::new();
    for r in hit.map(|h| &h.read).into_iter().chain(sources) {
        if !triggers.iter().any(|t| t.what == r.what) {
            triggers.push(read(r));
        }
    }
    Flow {
        triggers,
        carrier: FlowStep {
            what: carrier.to_string(),
            kind: None,
            location: Some(ctx.location(site.span)),
        },
        sink: sink.map(|s| FlowStep {
            what: s.what.clone(),
            kind: None,
            location: Some(ctx.location(s.span)),
        }),
    }
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
        let alts = |v: &[&str]| {
            v.iter()
                .map(|t| Alt {
                    text: (*t).to_string(),
                })
                .collect::<Vec<_>>()
        };
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
        let alts = |v: &[&str]| {
            v.iter()
                .map(|t| Alt {
                    text: (*t).to_string(),
                })
                .collect::<Vec<_>>()
        };
        for pair in [
            ["'", "`"],
            ["\t", "\n"],
            ["\r\n", "\n"],
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
    }
}
