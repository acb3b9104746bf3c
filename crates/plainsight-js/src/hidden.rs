//! Hidden strings (PS201 decoded-string, PS202 targeting-list).
//!
//! Two complementary searches, both in one pass over the program:
//! 1. **Decoder call sites.** Calls whose callee *decodes*: builtins (`atob`,
//!    `Buffer.from(…, "base64"|"hex")`, `String.fromCharCode(…)`,
//!    `decodeURIComponent`), `.join`/`.toString`/`.map` chains that contain a
//!    decoding operation (`.split("").reverse().join("")`, `.map(c =>
//!    String.fromCharCode(c ^ k))`), and calls of user functions whose body is
//!    decoder-shaped (uses `charCodeAt`/`fromCharCode`/`atob`/`Buffer.from`/
//!    `parseInt`), with constant arguments. Only these candidates reach the
//!    bounded [`Evaluator`] — demand-driven, so a 13 MB bundle costs one walk
//!    plus a handful of evaluations. Successful evaluation stops the descent
//!    (the outermost decoding is the one reported).
//! 2. **Encoded literals.** Base64/hex string literals whose bytes, as is or
//!    XORed with one key byte, are printable domain-like or word-like text
//!    (lower confidence: nothing in the code was seen decoding them). The
//!    255 XOR keys are tried on a byte histogram first, so the cost per literal
//!    does not grow with the key space. Images, fonts, wasm and archives are
//!    recognised by magic bytes and skipped.
//!
//! A decoded value that is a list of ≥ 2 host names/domains or IANA time-zone
//! names — as an array, or a string split on `,;|` or whitespace — is a
//! targeting list (PS202, high). Organisation names are not judged on their
//! own: without a domain or zone beside them there is no kind to reason about.

use std::collections::HashMap;

use oxc_ast::AstKind;
use oxc_ast::ast::{Argument, CallExpression, Expression, StringLiteral};
use oxc_codegen::{Codegen, Context, Gen, GenExpr};
use oxc_span::GetSpan;

use oxc_syntax::precedence::Precedence;
use plainsight_core::{Confidence, Finding, Incomplete, IncompleteKind, Rule, Severity, ValueList};

use crate::context::Ctx;
use crate::eval::{CalleeFn, Evaluator, Value, base64_decode, callee_function, hex_decode};

/// Most evaluations attempted per file (candidate sites are rare; this bounds
/// adversarial inputs with millions of them).
const MAX_EVALS: usize = 5_000;
/// Total interpreter steps per file, in units of `ScanOptions::eval_steps`.
const FILE_STEP_BUDGETS: u64 = 5;
/// The first round gives every call site this share of `eval_steps`: real
/// decoders finish well within it, so a few sites that never finish cannot
/// starve the others (they get the full budget in the second round, while
/// the file's budget lasts).
const FIRST_ROUND_SHARE: u64 = 16;
/// Most PS201 findings per file; further decodings are counted in a summary.
const MAX_DECODED_FINDINGS: usize = 200;
/// Encoded literals longer than this are data, not hidden names.
const MAX_LITERAL: usize = 4096;
const MIN_LITERAL: usize = 12;
/// Longest excerpt line kept in snippets.
const SNIPPET_LINE: usize = 160;
const SNIPPET_LINES: usize = 40;

pub fn analyze(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let mut pass = Pass::new(ctx);
    for node in ctx.semantic.nodes().iter() {
        pass.node(node);
    }
    pass.finish(out, &mut Vec::new());
}

/// The hidden-string analysis as one step of a shared pass over the node
/// table (see `crate::analyze_source`). The pass only collects decoder-shaped
/// call sites and encoded-looking literals; [`Pass::finish`] evaluates the
/// sites with fair budgets (see [`Pass::evaluate`]) and then judges the
/// literals that no decoded call covers.
pub(crate) struct Pass<'c, 'a> {
    v: HiddenVisitor<'c, 'a>,
    calls: Vec<&'a CallExpression<'a>>,
    literals: Vec<&'a StringLiteral<'a>>,
}

impl<'c, 'a> Pass<'c, 'a> {
    pub(crate) fn new(ctx: &'c Ctx<'a>) -> Pass<'c, 'a> {
        Pass {
            v: HiddenVisitor {
                ctx,
                eval: Evaluator::new(ctx),
                evals: 0,
                decoder_fns: HashMap::new(),
                decoded: 0,
                suppressed: 0,
                out: Vec::new(),
                consumed: std::collections::HashSet::new(),
            },
            calls: Vec::new(),
            literals: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn node(&mut self, node: &oxc_semantic::AstNode<'a>) {
        match node.kind() {
            AstKind::CallExpression(c) if self.v.is_candidate(c) => self.calls.push(c),
            AstKind::StringLiteral(lit)
                if (MIN_LITERAL..=MAX_LITERAL).contains(&lit.value.len()) =>
            {
                self.literals.push(lit);
            }
            _ => {}
        }
    }

    /// Evaluate, judge, and report; `incomplete` gets a reason when a budget
    /// ran out before every decoder call site was decided.
    pub(crate) fn finish(mut self, out: &mut Vec<Finding>, incomplete: &mut Vec<Incomplete>) {
        let decoded = self.evaluate(incomplete);
        // Literals inside a decoded call were reported with it.
        let mut reach = 0u32;
        let covered: Vec<(u32, u32)> = decoded
            .iter()
            .map(|s| {
                reach = reach.max(s.end);
                (s.start, reach)
            })
            .collect();
        for lit in std::mem::take(&mut self.literals) {
            let i = covered.partition_point(|&(start, _)| start <= lit.span.start);
            if i > 0 && covered[i - 1].1 >= lit.span.end {
                continue;
            }
            self.v.check_literal(lit);
        }
        let mut v = self.v;
        if v.suppressed > 0
            && let Some(last) = v
                .out
                .iter_mut()
                .rev()
                .find(|f| f.rule == Rule::DecodedString)
        {
            last.notes.push(format!(
                "{} further decoded strings in this file not reported individually",
                v.suppressed
            ));
        }
        out.append(&mut v.out);
    }

    /// Evaluate the candidate call sites, fairly: live code first and code
    /// that cannot run (`if (0) …`, `false && …`) last; in a first round every
    /// site gets a share of the step budget, and only the sites that ran out
    /// get the full budget in a second round, while the file's budget lasts.
    /// A site nested in a decoded one is not evaluated (the outermost
    /// decoding is reported). Returns the decoded spans, sorted.
    fn evaluate(&mut self, incomplete: &mut Vec<Incomplete>) -> Vec<oxc_span::Span> {
        let ctx = self.v.ctx;
        let mut order: Vec<(bool, usize)> = self
            .calls
            .iter()
            .enumerate()
            .map(|(i, c)| (is_dead(ctx, c), i))
            .collect();
        order.sort_unstable();
        let full = ctx.opts.eval_steps;
        let file_budget = full.saturating_mul(FILE_STEP_BUDGETS);
        let mut decoded: Vec<oxc_span::Span> = Vec::new();
        let inside_decoded = |decoded: &[oxc_span::Span], c: &CallExpression<'_>| {
            decoded
                .iter()
                .any(|d| d.start <= c.span.start && c.span.end <= d.end)
        };
        let mut pending: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
        let mut starved: Vec<usize> = Vec::new();
        for share in [full / FIRST_ROUND_SHARE, full] {
            let mut next = Vec::new();
            for i in pending {
                let c = self.calls[i];
                if inside_decoded(&decoded, c) {
                    continue;
                }
                let left = file_budget.saturating_sub(self.v.eval.steps_spent);
                if left == 0 || self.v.evals >= MAX_EVALS {
                    starved.push(i);
                    continue;
                }
                match self.v.try_decode(c, share.min(left).max(1)) {
                    Decode::Decoded => decoded.push(c.span),
                    Decode::OutOfBudget => next.push(i),
                    Decode::No => {}
                }
            }
            pending = next;
        }
        starved.extend(pending);
        if let Some(&first) = starved.iter().min_by_key(|&&i| self.calls[i].span.start) {
            incomplete.push(Incomplete::new(
                IncompleteKind::Budget,
                format!(
                    "{}: evaluation budget ran out on {} decoder call site{} \
                     ({} steps per site, {} per file); strings they decode were not recovered",
                    ctx.place(self.calls[first].span),
                    starved.len(),
                    if starved.len() == 1 { "" } else { "s" },
                    full,
                    file_budget
                ),
            ));
        }
        decoded.sort_unstable_by_key(|s| s.start);
        decoded
    }
}

/// What evaluating one call site gave.
enum Decode {
    Decoded,
    OutOfBudget,
    No,
}

/// Code that cannot run: the branch of an `if`/`?:` whose test is a
/// constant of the other truth value, or the right side of `false && …` /
/// `true || …`, up to the enclosing function.
fn is_dead(ctx: &Ctx<'_>, c: &CallExpression<'_>) -> bool {
    let nodes = ctx.semantic.nodes();
    let id = c.node_id.get();
    if id.index() >= nodes.len() {
        return false;
    }
    let inside = |outer: oxc_span::Span| outer.start <= c.span.start && c.span.end <= outer.end;
    for a in nodes.ancestors(id) {
        match a.kind() {
            AstKind::IfStatement(s) => match constant_truth(&s.test) {
                Some(false) if inside(s.consequent.span()) => return true,
                Some(true) if s.alternate.as_ref().is_some_and(|e| inside(e.span())) => {
                    return true;
                }
                _ => {}
            },
            AstKind::ConditionalExpression(e) => match constant_truth(&e.test) {
                Some(false) if inside(e.consequent.span()) => return true,
                Some(true) if inside(e.alternate.span()) => return true,
                _ => {}
            },
            AstKind::LogicalExpression(l) if inside(l.right.span()) => {
                match (l.operator, constant_truth(&l.left)) {
                    (oxc_syntax::operator::LogicalOperator::And, Some(false))
                    | (oxc_syntax::operator::LogicalOperator::Or, Some(true)) => return true,
                    _ => {}
                }
            }
            AstKind::Function(_) | AstKind::ArrowFunctionExpression(_) => return false,
            _ => {}
        }
    }
    false
}

/// The truth value of a constant test (`0`, `false`, `!0`, `void 0`, `""`…).
fn constant_truth(e: &Expression<'_>) -> Option<bool> {
    match e.without_parentheses() {
        Expression::BooleanLiteral(b) => Some(b.value),
        Expression::NumericLiteral(n) => Some(n.value != 0.0 && !n.value.is_nan()),
        Expression::NullLiteral(_) => Some(false),
        Expression::StringLiteral(s) => Some(!s.value.is_empty()),
        Expression::UnaryExpression(u) => match u.operator {
            oxc_syntax::operator::UnaryOperator::LogicalNot => {
                constant_truth(&u.argument).map(|t| !t)
            }
            oxc_syntax::operator::UnaryOperator::Void => Some(false),
            _ => None,
        },
        _ => None,
    }
}

struct HiddenVisitor<'c, 'a> {
    ctx: &'c Ctx<'a>,
    eval: Evaluator<'c, 'a>,
    evals: usize,
    /// Function span start → is its body decoder-shaped?
    decoder_fns: HashMap<u32, bool>,
    decoded: usize,
    suppressed: usize,
    out: Vec<Finding>,
    /// Literals already decoded by a call of the program.
    consumed: std::collections::HashSet<String>,
}

/// Source tokens of decoding operations.
const DECODER_TOKENS: &[&str] = &[
    "fromCharCode",
    "fromCodePoint",
    "charCodeAt",
    "atob",
    "Buffer.from",
    "reverse()",
    "decodeURIComponent",
    "unescape",
    "parseInt",
];

/// [`DECODER_TOKENS`] as prebuilt SIMD searchers: `str::contains` builds a
/// searcher per call, and this runs on many call sites of a bundle.
static DECODER_FINDERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
    std::sync::LazyLock::new(|| {
        DECODER_TOKENS
            .iter()
            .map(|t| memchr::memmem::Finder::new(t.as_bytes()))
            .collect()
    });

fn has_decoder_token(text: &str) -> bool {
    DECODER_FINDERS
        .iter()
        .any(|f| f.find(text.as_bytes()).is_some())
}

impl<'a> HiddenVisitor<'_, 'a> {
    /// Is this call decoder-shaped (worth evaluating)?
    fn is_candidate(&mut self, c: &CallExpression<'a>) -> bool {
        if c.arguments.is_empty() && !matches!(callee_name(c), Some("join" | "toString")) {
            return false;
        }
        match c.callee.without_parentheses() {
            Expression::Identifier(id) => {
                if crate::env::symbol_of(self.ctx, id).is_none() {
                    return matches!(id.name.as_str(), "atob" | "decodeURIComponent" | "unescape");
                }
                self.is_decoder_fn(&c.callee) && has_constant_arg(c)
            }
            Expression::StaticMemberExpression(m) => {
                let name = m.property.name.as_str();
                if let Expression::Identifier(obj) = m.object.without_parentheses()
                    && crate::env::symbol_of(self.ctx, obj).is_none()
                {
                    return match (obj.name.as_str(), name) {
                        ("String", "fromCharCode" | "fromCodePoint") => true,
                        ("Buffer", "from") => {
                            matches!(c.arguments.get(1), Some(Argument::StringLiteral(s)) if matches!(s.value.as_str(), "base64" | "hex" | "base64url"))
                        }
                        _ => false,
                    };
                }
                // A method of a class of the program: decoder-shaped like a function.
                if let Some(f) = crate::eval::method_of_receiver(self.ctx, &m.object, name) {
                    return f.span.size() < 8192
                        && has_decoder_token(self.ctx.text(f.span))
                        && has_constant_arg(c);
                }
                if matches!(
                    name,
                    "join" | "toString" | "map" | "replace" | "replaceAll" | "apply" | "call"
                ) {
                    let text = self.ctx.text(c.span);
                    // Decoder chains are short; the cap keeps nested chains from
                    // rescanning large callbacks (no quadratic blow-up).
                    if text.len() < 8192 && has_decoder_token(text) {
                        return true;
                    }
                    // `s.replace(/./g, flip)`, `xs.map(dec)`: the decoding is in a
                    // named callback.
                    return matches!(name, "map" | "replace" | "replaceAll")
                        && c.arguments.iter().any(|a| {
                            matches!(a, Argument::Identifier(_))
                                && a.as_expression().is_some_and(|e| self.is_decoder_fn(e))
                        });
                }
                false
            }
            _ => false,
        }
    }

    fn is_decoder_fn(&mut self, callee: &Expression<'a>) -> bool {
        let Some(f) = callee_function(self.ctx, callee) else {
            return false;
        };
        let span = match f {
            CalleeFn::Func(f) => f.span,
            CalleeFn::Arrow(a) => a.span,
        };
        let ctx = self.ctx;
        *self.decoder_fns.entry(span.start).or_insert_with(|| {
            // Small functions only: decoders are a few lines; a module-sized
            // function that happens to call atob somewhere is not one.
            span.size() < 8192 && has_decoder_token(ctx.text(span))
        })
    }

    fn try_decode(&mut self, c: &CallExpression<'a>, steps: u64) -> Decode {
        self.evals += 1;
        let Some(value) = self.eval.eval_call_with(c, steps) else {
            return if self.eval.exhausted {
                Decode::OutOfBudget
            } else {
                Decode::No
            };
        };
        if self.judge_decoded(c, &value) {
            Decode::Decoded
        } else {
            Decode::No
        }
    }

    fn judge_decoded(&mut self, c: &CallExpression<'a>, value: &Value) -> bool {
        let decoded = self.judge_value(c, value);
        if decoded {
            // The literals this call decoded (inline or through a constant)
            // are not judged again on their own: a second, wrongly keyed XOR
            // reading of the same bytes is garbage, not a finding.
            for a in &c.arguments {
                if let Some(v) = self.constant_literal(a) {
                    self.consumed.insert(v);
                }
            }
        }
        decoded
    }

    /// The string a call argument is, written inline or bound to a constant.
    fn constant_literal(&self, a: &Argument<'a>) -> Option<String> {
        match a {
            Argument::StringLiteral(s) => Some(s.value.to_string()),
            Argument::Identifier(id) => {
                let sym = crate::env::symbol_of(self.ctx, id)?;
                if self.ctx.symbol_is_mutated(sym) {
                    return None;
                }
                match crate::env::declaration_node(self.ctx, sym)?.kind() {
                    AstKind::VariableDeclarator(d) => {
                        match d.init.as_ref()?.without_parentheses() {
                            Expression::StringLiteral(s) => Some(s.value.to_string()),
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn judge_value(&mut self, c: &CallExpression<'a>, value: &Value) -> bool {
        let inputs = literal_inputs(c);
        let strings: Vec<String> = match value {
            Value::Str(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => return false,
        };
        // Judged as a whole: most items readable (one item with a planted
        // control character or garbage does not hide the others).
        let readable = strings.iter().filter(|s| is_readable(s)).count();
        if strings.is_empty() || readable * 4 < strings.len() * 3 || readable == 0 {
            return false;
        }
        if strings.iter().all(|s| inputs.iter().any(|i| i == s)) {
            // Nothing was hidden: the "decoder" returned its input.
            return false;
        }
        if is_encoding_call(c) || strings.iter().all(|s| words_visible(s, &inputs)) {
            // The call encodes text a reader can see (`.toString("base64")`,
            // `btoa(x)`), or only rearranges it (`"_" + "__esModule"`):
            // every word of the result is in its arguments.
            return false;
        }
        // Punctuation built from char codes (`"-->"` kept out of a bundle's
        // source) hides no word: evidence, not a finding to review.
        let wordless = strings.iter().all(|s| {
            s.chars()
                .all(|ch| ch.is_ascii_punctuation() || ch.is_whitespace())
        });
        let display = match value {
            Value::Str(s) => s.clone(),
            _ => format!(
                "[{}]",
                strings
                    .iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let list = targeting_items(&strings);
        let mut snippet = self.decoder_snippet(c);
        snippet.push_str(&clip_lines(&print_call(c), 4));
        let usage = self.usage_notes(c);
        if let Some(items) = list {
            let mut f = Finding::new(
                Rule::TargetingList,
                format!(
                    "hidden list of {} decoded at run time: {}",
                    items.kind,
                    summarize(&items.items)
                ),
                self.ctx.location(c.span),
            );
            f.severity = Severity::High;
            f.list = Some(ValueList {
                kind: items.kind.to_string(),
                count: items.items.len(),
                hidden: true,
            });
            f.decoded = Some(items.items.join("\n"));
            f.snippet = Some(snippet.clone());
            f.notes.clone_from(&usage);
            self.out.push(f);
        }
        self.decoded += 1;
        if self.decoded > MAX_DECODED_FINDINGS {
            self.suppressed += 1;
            return true;
        }
        let mut f = Finding::new(
            Rule::DecodedString,
            format!("string decoded at run time: {}", clip(&display, 120)),
            self.ctx.location(c.span),
        );
        f.decoded = Some(display);
        f.snippet = Some(snippet);
        f.notes = usage;
        if wordless {
            f.severity = Severity::Low;
            f.notes
                .push("graded low: punctuation only, no word was hidden".into());
        }
        self.out.push(f);
        true
    }

    /// The decoder function, pretty-printed (user decoders only).
    fn decoder_snippet(&self, c: &CallExpression<'a>) -> String {
        let mut s = String::new();
        // The outermost user function involved: the callee, or the callee of
        // the receiver chain (`dec(x).split(",")`).
        let mut e = &c.callee;
        for _ in 0..4 {
            if let Some(f) = callee_function(self.ctx, e) {
                let text = match f {
                    CalleeFn::Func(f) => {
                        let mut cg = Codegen::new();
                        f.print(&mut cg, Context::empty());
                        cg.into_source_text()
                    }
                    CalleeFn::Arrow(a) => {
                        let mut cg = Codegen::new();
                        a.print_expr(&mut cg, Precedence::Lowest, Context::empty());
                        cg.into_source_text()
                    }
                };
                s.push_str("// decoder\n");
                s.push_str(&clip_lines(&text, SNIPPET_LINES));
                s.push_str("\n// call\n");
                return s;
            }
            match e.without_parentheses() {
                Expression::CallExpression(inner) => e = &inner.callee,
                other => match other.as_member_expression() {
                    Some(m) => e = m.object(),
                    None => break,
                },
            }
        }
        s
    }

    /// Where the decoded value goes: the binding it initialises and its first uses.
    fn usage_notes(&self, c: &CallExpression<'a>) -> Vec<String> {
        let mut notes = Vec::new();
        let nodes = self.ctx.semantic.nodes();
        let id = c.node_id.get();
        if id.index() >= nodes.len() {
            return notes;
        }
        // Climb through wrapping calls/members (`dec(x).split(",")`) to the declarator.
        for ancestor in nodes.ancestors(id).take(6) {
            match ancestor.kind() {
                AstKind::VariableDeclarator(d) => {
                    if let oxc_ast::ast::BindingPattern::BindingIdentifier(b) = &d.id
                        && let Some(sym) = b.symbol_id.get()
                    {
                        notes.push(format!("assigned to `{}`", b.name));
                        for r in self.ctx.semantic.symbol_references(sym).take(3) {
                            let span = self.ctx.semantic.reference_span(r);
                            let pos = self.ctx.lines.position(self.ctx.source, span.start);
                            notes.push(format!("used at {}:{}", pos.line, pos.column));
                        }
                    }
                    break;
                }
                AstKind::ObjectProperty(p) => {
                    if let Some(k) = p.key.static_name() {
                        notes.push(format!("stored in property `{k}`"));
                    }
                    break;
                }
                AstKind::ReturnStatement(_) => {
                    notes.push("returned to the caller".into());
                    break;
                }
                AstKind::ExpressionStatement(_) | AstKind::Function(_) => break,
                _ => {}
            }
        }
        notes
    }

    /// Encoded literals decoded by us (no decoder seen in the code).
    fn check_literal(&mut self, lit: &StringLiteral<'a>) {
        let s = lit.value.as_str();
        if self.consumed.contains(s) {
            return;
        }
        if s.len() < MIN_LITERAL || s.len() > MAX_LITERAL {
            return;
        }
        let Some((bytes, enc)) = decode_literal(s) else {
            return;
        };
        if has_binary_magic(&bytes) {
            return;
        }
        let Some((text, key)) = best_plaintext(&bytes) else {
            return;
        };
        let items: Vec<String> = vec![text.clone()];
        let list = targeting_items(&split_list(&text)).or_else(|| targeting_items(&items));
        let how = match key {
            0 => enc.to_string(),
            k => format!("{enc} XOR 0x{k:02x}"),
        };
        if let Some(l) = list {
            let mut f = Finding::new(
                Rule::TargetingList,
                format!(
                    "{how} literal hides a list of {}: {}",
                    l.kind,
                    summarize(&l.items)
                ),
                self.ctx.location(lit.span),
            );
            f.severity = Severity::High;
            f.confidence = Confidence::Medium;
            f.list = Some(ValueList {
                kind: l.kind.to_string(),
                count: l.items.len(),
                hidden: true,
            });
            f.decoded = Some(l.items.join("\n"));
            f.snippet = Some(clip(self.ctx.text(lit.span), SNIPPET_LINE));
            self.out.push(f);
        }
        let mut f = Finding::new(
            Rule::DecodedString,
            format!("{how} literal decodes to {}", clip(&text, 120)),
            self.ctx.location(lit.span),
        );
        f.confidence = if key == 0 {
            Confidence::Low
        } else {
            Confidence::Medium
        };
        f.decoded = Some(text);
        f.snippet = Some(clip(self.ctx.text(lit.span), SNIPPET_LINE));
        f.notes.push(format!(
            "decoded by plainsight ({how}); no decoder call was resolved for this literal"
        ));
        self.decoded += 1;
        if self.decoded > MAX_DECODED_FINDINGS {
            self.suppressed += 1;
            return;
        }
        self.out.push(f);
    }
}

fn callee_name<'b>(c: &'b CallExpression<'_>) -> Option<&'b str> {
    c.callee
        .without_parentheses()
        .as_member_expression()?
        .static_property_name()
}

/// At least one argument is a literal (or array of literals) worth decoding.
fn has_constant_arg(c: &CallExpression<'_>) -> bool {
    c.arguments.iter().any(|a| match a {
        Argument::StringLiteral(s) => s.value.len() >= 2,
        Argument::ArrayExpression(arr) => arr.elements.len() >= 2,
        Argument::NumericLiteral(_) | Argument::Identifier(_) => true,
        _ => false,
    })
}

/// A call whose result is an *encoding* of its input (the reader sees the
/// input): `x.toString("base64" | "base64url" | "hex")`, `btoa(x)`,
/// `encodeURIComponent(x)`, `encodeURI(x)`, `escape(x)`, `JSON.stringify(x)`.
fn is_encoding_call(c: &CallExpression<'_>) -> bool {
    let callee = c.callee.without_parentheses();
    let name = crate::flow::names::called_name(c);
    match name {
        Some("toString") => matches!(
            c.arguments.first(),
            Some(Argument::StringLiteral(s)) if matches!(s.value.as_str(), "base64" | "base64url" | "hex")
        ),
        Some("btoa" | "encodeURIComponent" | "encodeURI" | "escape") => true,
        Some("stringify") => callee.as_member_expression().is_some_and(|m| {
            matches!(m.object().without_parentheses(), Expression::Identifier(o) if o.name == "JSON")
        }),
        _ => false,
    }
}

/// Every word (run of ≥ 3 letters or digits) of `s` occurs in the call's
/// literal arguments, and there is at least one.
fn words_visible(s: &str, inputs: &[String]) -> bool {
    let mut any = false;
    for w in s
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
    {
        if !inputs.iter().any(|i| i.contains(w)) {
            return false;
        }
        any = true;
    }
    any
}

/// String literal arguments as written (to tell "decoded" from "passed through").
fn literal_inputs(c: &CallExpression<'_>) -> Vec<String> {
    c.arguments
        .iter()
        .filter_map(|a| match a {
            Argument::StringLiteral(s) => Some(s.value.to_string()),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Text kinds
// ---------------------------------------------------------------------------

/// Printable text a human could read: no control characters other than
/// whitespace, no replacement characters, mostly letters/digits/punctuation.
/// Printable text a human could read: mostly letters, digits, punctuation
/// and spaces, no replacement characters. A control or format character
/// (ESC, U+202E) does not disqualify text on its own — one planted in one
/// item must not hide a whole list; the renderers make it visible — it
/// only counts against the proportion, so XOR garbage stays out.
pub(crate) fn is_readable(s: &str) -> bool {
    if s.chars().count() < 2 {
        return false;
    }
    let mut good = 0usize;
    let mut total = 0usize;
    for c in s.chars() {
        total += 1;
        if c == '\u{FFFD}' {
            return false;
        }
        if c.is_alphanumeric() || c.is_ascii_punctuation() || c.is_whitespace() {
            good += 1;
        }
    }
    good * 10 >= total * 9
}

/// Extensions that make `name.ext` a file, not a host.
const FILE_EXTENSIONS: &[&str] = &[
    "js",
    "mjs",
    "cjs",
    "ts",
    "tsx",
    "jsx",
    "json",
    "md",
    "txt",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "ico",
    "html",
    "htm",
    "css",
    "map",
    "exe",
    "dll",
    "so",
    "dylib",
    "yml",
    "yaml",
    "toml",
    "lock",
    "log",
    "sh",
    "py",
    "rs",
    "go",
    "zip",
    "gz",
    "tar",
    "tgz",
    "xml",
    "csv",
    "pdf",
    "wasm",
    "node",
    "bin",
    "dat",
    "db",
    "sql",
    "woff",
    "woff2",
    "ttf",
    "env",
    "prototype",
    "length",
    "call",
    "apply",
    "bind",
    "then",
    "default",
    "exports",
    "min",
];

/// Special-use and private names that are not in the Public Suffix List but
/// name hosts: the IANA Special-Use Domain Names registry (RFC 2606
/// `example`/`test`/`invalid`/`localhost`, RFC 6762 `local`, RFC 8375
/// `home.arpa`), ICANN's private-use `internal` (2024), and the names ICANN
/// withdrew for collision with private networks (`corp`, `home`, `mail`).
const SPECIAL_USE: &[&str] = &[
    "example",
    "test",
    "invalid",
    "localhost",
    "local",
    "arpa",
    "internal",
    "corp",
    "home",
    "mail",
];

/// `api.example.com`, `.corp.example`, `*.example.co.uk`: ASCII labels, ≥ 2
/// of them, and a suffix the Public Suffix List knows (or a special-use
/// name). The suffix decides, not a hand list: a new gTLD (`.codes`,
/// `.chat`, `.fun`, `.vip`) is a domain the day it is delegated.
pub(crate) fn is_domain(s: &str) -> bool {
    let s = s
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.');
    // Cheap rejections first: this runs on every string literal of a bundle.
    if s.len() < 4 || s.len() > 253 || !s.contains('.') {
        return false;
    }
    // Host names are written in lower case; `Foo.Bar` is a property path.
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return false;
    }
    let mut tld = "";
    for l in s.split('.') {
        if l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-') {
            return false;
        }
        tld = l;
    }
    if !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    if SPECIAL_USE.contains(&tld) {
        return true;
    }
    // A registrable name under a known public suffix (`co.uk` alone is not one).
    psl::domain(s.as_bytes()).is_some_and(|d| d.suffix().is_known())
}

/// [`is_domain`], except names whose last label is also a common file
/// extension (`install.sh`, `main.rs`, `setup.py`): alone they are more
/// likely files; beside unambiguous domains in a list they are hosts.
pub(crate) fn is_unambiguous_domain(s: &str) -> bool {
    is_domain(s) && !FILE_EXTENSIONS.contains(&s.rsplit('.').next().unwrap_or(""))
}

/// IANA time-zone names (`Area/City`, links included), by the tz database
/// (see `tz_names.rs`, generated by `scripts/gen-tz-names.sh`).
pub(crate) fn is_timezone(s: &str) -> bool {
    s.contains('/') && crate::tz_names::TZ_NAMES.binary_search(&s).is_ok()
}

/// A recognised list of targets.
pub(crate) struct TargetList {
    pub kind: &'static str,
    pub items: Vec<String>,
}

/// ≥ 2 host names/domains or time-zone names among `items` (each item may
/// itself be a separated list); `None` otherwise.
pub(crate) fn targeting_items(items: &[String]) -> Option<TargetList> {
    let mut flat: Vec<String> = Vec::new();
    for it in items {
        flat.extend(split_list(it));
    }
    let domains: Vec<String> = flat.iter().filter(|s| is_domain(s)).cloned().collect();
    let zones: Vec<String> = flat.iter().filter(|s| is_timezone(s)).cloned().collect();
    // Most of the list must be targets: a sentence mentioning two hosts is
    // not a list; and one of them must be unambiguous (not `a.sh, b.py`).
    let hits = domains.len() + zones.len();
    if hits < 2
        || hits * 2 < flat.len()
        || (zones.is_empty() && !domains.iter().any(|d| is_unambiguous_domain(d)))
    {
        return None;
    }
    let kind = match (domains.is_empty(), zones.is_empty()) {
        (false, true) => "host names/domains",
        (true, false) => "time zones",
        _ => "host names/domains and time zones",
    };
    let mut all = domains;
    all.extend(zones);
    Some(TargetList { kind, items: all })
}

/// Splits a decoded string used as a packed list (`a.com,b.com`, `a|b`, lines).
pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '|', '\n', ' ', '\t'])
        .map(|p| p.trim().trim_matches(|c| c == '"' || c == '\''))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn summarize(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    let more = items.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} (+{more} more)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

// ---------------------------------------------------------------------------
// Encoded literals
// ---------------------------------------------------------------------------

/// Bytes of a literal that is plausibly base64 or hex (not an identifier or prose).
fn decode_literal(s: &str) -> Option<(Vec<u8>, &'static str)> {
    let b = s.as_bytes();
    if b.len().is_multiple_of(2) && b.len() >= 16 && b.iter().all(u8::is_ascii_hexdigit) {
        return Some((hex_decode(s)?, "hex"));
    }
    let body = s.trim_end_matches('=');
    if !body
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    {
        return None;
    }
    // Identifiers and words are alphanumeric too: demand base64 shape —
    // a length that is a multiple of 4 and a mix of classes.
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let upper = body.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = body.bytes().filter(u8::is_ascii_lowercase).count();
    let digit_or_sym = body.len() - upper - lower;
    if upper == 0 || lower == 0 || (digit_or_sym == 0 && !s.ends_with('=')) {
        return None;
    }
    Some((base64_decode(s)?, "base64"))
}

/// Images, fonts, wasm, archives: base64 data, not hidden text.
fn has_binary_magic(b: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"\x89PNG",
        b"GIF8",
        b"\xFF\xD8\xFF",
        b"wOFF",
        b"wOF2",
        b"\0asm",
        b"\x1F\x8B",
        b"PK\x03\x04",
        b"%PDF",
        b"RIFF",
        b"OTTO",
        b"\0\x01\0\0",
        b"BM",
        b"\0\0\x01\0",
        b"<svg",
        b"<?xml",
    ];
    MAGIC.iter().any(|m| b.starts_with(m))
}

/// The best printable reading of `bytes`, as is (key 0) or XORed with one key
/// byte: must be domain-like, zone-like, URL-like or word-like.
fn best_plaintext(bytes: &[u8]) -> Option<(String, u8)> {
    if bytes.len() < 4 {
        return None;
    }
    let mut hist = [0usize; 256];
    for &b in bytes {
        hist[b as usize] += 1;
    }
    for key in 0..=255u8 {
        // All bytes must map to printable ASCII: checked on the histogram.
        let printable = hist
            .iter()
            .enumerate()
            .all(|(b, &n)| n == 0 || matches!((b as u8) ^ key, 0x20..=0x7E | b'\n' | b'\t'));
        if !printable {
            continue;
        }
        let text: String = bytes.iter().map(|&b| char::from(b ^ key)).collect();
        if looks_meaningful(&text, key != 0) {
            return Some((text, key));
        }
    }
    None
}

/// Domain/zone/URL-like, or (for XOR-hidden text only) word-like.
fn looks_meaningful(t: &str, allow_words: bool) -> bool {
    let parts = split_list(t);
    if parts.iter().any(|p| {
        is_unambiguous_domain(p)
            || is_timezone(p)
            || p.starts_with("http://")
            || p.starts_with("https://")
    }) {
        return true;
    }
    allow_words && word_like(t)
}

/// Prose or identifiers: letters dominate, words of plausible length with vowels.
fn word_like(t: &str) -> bool {
    let letters = t.bytes().filter(u8::is_ascii_alphabetic).count();
    if letters * 10 < t.len() * 8 {
        return false;
    }
    let words: Vec<&str> = t
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return false;
    }
    words.iter().all(|w| {
        let vowels = w.bytes().filter(|b| b"aeiouyAEIOUY".contains(b)).count();
        w.len() <= 20 && vowels * 5 >= w.len() && vowels * 5 <= w.len() * 4
    }) && words.iter().map(|w| w.len()).sum::<usize>() / words.len() >= 3
}

// ---------------------------------------------------------------------------
// Snippets
// ---------------------------------------------------------------------------

fn print_call(c: &CallExpression<'_>) -> String {
    let mut cg = Codegen::new();
    c.print_expr(&mut cg, Precedence::Lowest, Context::empty());
    cg.into_source_text()
}

/// The innermost function around `node` (if small enough to read),
/// pretty-printed: minified bundles are one line, so the excerpt is rebuilt
/// by oxc_codegen rather than cut from the source.
pub(crate) fn enclosing_function(ctx: &Ctx<'_>, node: oxc_semantic::NodeId) -> Option<String> {
    let nodes = ctx.semantic.nodes();
    if node.index() >= nodes.len() {
        return None;
    }
    for n in nodes.ancestors(node) {
        let text = match n.kind() {
            AstKind::Function(f) if f.span.size() < 8192 => {
                let mut cg = Codegen::new();
                f.print(&mut cg, Context::empty());
                cg.into_source_text()
            }
            AstKind::ArrowFunctionExpression(a) if a.span.size() < 8192 => {
                let mut cg = Codegen::new();
                a.print_expr(&mut cg, Precedence::Lowest, Context::empty());
                cg.into_source_text()
            }
            AstKind::Function(_) | AstKind::ArrowFunctionExpression(_) => return None,
            _ => continue,
        };
        return Some(clip_lines(&text, SNIPPET_LINES));
    }
    None
}

/// Keeps the first `max` lines, each clipped to [`SNIPPET_LINE`] characters.
pub(crate) fn clip_lines(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, line) in s.lines().enumerate() {
        if i == max {
            out.push_str("…\n");
            break;
        }
        out.push_str(&clip(line, SNIPPET_LINE));
        out.push('\n');
    }
    out
}

pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::testing::with_ctx;
    use crate::eval::base64_encode;

    fn findings(src: &str) -> Vec<Finding> {
        with_ctx(src, |ctx| {
            let mut out = Vec::new();
            analyze(ctx, &mut out);
            out
        })
    }

    #[test]
    fn encoding_or_rearranging_visible_text_hides_nothing() {
        for src in [
            // The encode direction: the reader sees the input.
            "const k = Buffer.from('not a secret', 'utf-8').toString('hex');",
            "const L = 'LOCAL'; const a = Buffer.from(`${L}:${L}`).toString('base64');",
            "const t = btoa('user:password');",
            // Every word of the result is in the arguments.
            "function esc(n) { return n.length >= 2 && n.charCodeAt(0) === 95 && n.charCodeAt(1) === 95 ? '_' + n : n; } const k = esc('__esModule');",
        ] {
            let f = findings(src);
            assert!(
                !f.iter()
                    .any(|f| f.rule == Rule::DecodedString && f.severity >= Severity::Medium),
                "{src}: {f:#?}"
            );
        }
        // Punctuation from char codes: low.
        let f = findings("const ARROW = String.fromCharCode(45, 45, 62);");
        let d: Vec<&Finding> = f.iter().filter(|f| f.rule == Rule::DecodedString).collect();
        assert_eq!(d.len(), 1, "{f:#?}");
        assert_eq!(d[0].severity, Severity::Low);
        // A word that was not visible still counts.
        let f = findings(
            "const v = String.fromCharCode(84, 90); const w = atob('QU5USFJPUElDX0JBU0VfVVJM');",
        );
        let d: Vec<&str> = f
            .iter()
            .filter(|f| f.rule == Rule::DecodedString && f.severity == Severity::Medium)
            .filter_map(|f| f.decoded.as_deref())
            .collect();
        assert_eq!(d, ["TZ", "ANTHROPIC_BASE_URL"], "{f:#?}");
    }

    fn decoded(src: &str, rule: Rule) -> Vec<String> {
        findings(src)
            .into_iter()
            .filter(|f| f.rule == rule)
            .filter_map(|f| f.decoded)
            .collect()
    }

    #[test]
    fn kinds() {
        assert!(is_domain("api.example.com"));
        assert!(is_domain(".corp.example.co.uk"));
        assert!(!is_domain("index.js"));
        assert!(!is_domain("process.env"));
        assert!(!is_domain("Object.prototype"));
        // Issue 8: new gTLDs the old hand list did not know.
        for d in [
            "aicoding.sh",
            "right.codes",
            "api.expansion.chat",
            "api.ruyun.fun",
            "collect-host.vip",
        ] {
            assert!(is_domain(d), "{d}");
        }
        assert!(!is_domain("co.uk") && !is_domain("span.op") && !is_domain("a.notatld"));
        assert!(!is_unambiguous_domain("install.sh"));
        assert!(is_timezone("America/Indiana/Knox") && is_timezone("Asia/Calcutta"));
        assert!(!is_timezone("Europe/Atlantis") && !is_timezone("text/plain"));
        assert!(is_timezone("Europe/Kyiv"));
        assert!(is_timezone("America/Argentina/Buenos_Aires"));
        assert!(!is_timezone("text/plain"));
        assert!(targeting_items(&["a.example.com,b.example.org".into()]).is_some());
        assert!(
            targeting_items(&["see a.example.com and b.example.org for help on this".into()])
                .is_none()
        );
    }

    #[test]
    fn builtin_decoders() {
        let b64 = base64_encode(b"internal.example.com");
        assert_eq!(
            decoded(
                &format!("const h = atob('{b64}'); use(h);"),
                Rule::DecodedString
            ),
            ["internal.example.com"]
        );
        assert_eq!(
            decoded(
                "const s = 'moc.elpmaxe.ipa'.split('').reverse().join(''); f(s)",
                Rule::DecodedString
            ),
            ["api.example.com"]
        );
        assert_eq!(
            decoded(
                "f(String.fromCharCode(104, 111, 115, 116, 110, 97, 109, 101))",
                Rule::DecodedString
            ),
            ["hostname"]
        );
        assert_eq!(
            decoded(
                "f(Buffer.from('6170692e6578616d706c652e636f6d', 'hex').toString())",
                Rule::DecodedString
            ),
            ["api.example.com"]
        );
    }

    #[test]
    fn user_xor_decoder_yields_targeting_list() {
        let plain = "corp-a.example.com,corp-b.example.net,Europe/Kyiv";
        let enc = base64_encode(&plain.bytes().map(|b| b ^ 0x5A).collect::<Vec<_>>());
        let src = format!(
            "function q(s, k) {{ const b = atob(s); let o = ''; for (let i = 0; i < b.length; i++) o += String.fromCharCode(b.charCodeAt(i) ^ k); return o; }}\n\
             const L = q('{enc}', 90).split(',');\n\
             if (L.includes(host)) x();"
        );
        let f = findings(&src);
        let list = f
            .iter()
            .find(|f| f.rule == Rule::TargetingList)
            .expect("PS202");
        assert_eq!(
            list.decoded.as_deref(),
            Some("corp-a.example.com\ncorp-b.example.net\nEurope/Kyiv")
        );
        assert!(
            list.snippet.as_deref().unwrap().contains("charCodeAt"),
            "{:?}",
            list.snippet
        );
        assert!(
            list.notes.iter().any(|n| n.contains("assigned to `L`")),
            "{:?}",
            list.notes
        );
        assert!(f.iter().any(|f| f.rule == Rule::DecodedString));
    }

    #[test]
    fn a_control_character_in_one_item_does_not_hide_the_list() {
        // Issue 8: one ESC (or U+202E) in one item suppressed PS201/PS202.
        for planted in ["\u{1b}", "\u{202e}"] {
            let plain =
                format!("corp-a.example.com,corp{planted}-b.example.net,corp-c.example.org");
            let b64 = base64_encode(plain.as_bytes());
            let f = findings(&format!("const L = atob('{b64}').split(','); use(L);"));
            let list = f
                .iter()
                .find(|f| f.rule == Rule::TargetingList)
                .unwrap_or_else(|| panic!("{planted:?}: {f:#?}"));
            assert!(
                list.decoded
                    .as_deref()
                    .unwrap()
                    .contains("corp-c.example.org")
            );
            assert!(f.iter().any(|f| f.rule == Rule::DecodedString));
        }
    }

    #[test]
    fn a_literal_decoded_by_the_program_is_not_decoded_again() {
        // Issue 8: a second, wrongly keyed XOR reading of the same literal
        // was reported as its own finding full of garbage.
        let plain = "corp-a.example.com,corp-b.example.net,Europe/Kyiv";
        let enc = base64_encode(&plain.bytes().map(|b| b ^ 0x5A).collect::<Vec<_>>());
        let src = format!(
            "const E = '{enc}';\n\
             function q(s, k) {{ const b = atob(s); let o = ''; for (let i = 0; i < b.length; i++) o += String.fromCharCode(b.charCodeAt(i) ^ k); return o; }}\n\
             const L = q(E, 90).split(',');\n"
        );
        let f = findings(&src);
        assert!(f.iter().any(|f| f.rule == Rule::TargetingList), "{f:#?}");
        let literal: Vec<_> = f.iter().filter(|f| f.message.contains("literal")).collect();
        assert!(literal.is_empty(), "{literal:#?}");
    }

    #[test]
    fn xor_hidden_literal_found_without_decoder() {
        let enc = base64_encode(
            &"Asia/Shanghai Asia/Hong_Kong"
                .bytes()
                .map(|b| b ^ 0x13)
                .collect::<Vec<_>>(),
        );
        let f = findings(&format!("const T = '{enc}';"));
        let list = f
            .iter()
            .find(|f| f.rule == Rule::TargetingList)
            .expect("PS202 from literal");
        assert_eq!(
            list.decoded.as_deref(),
            Some("Asia/Shanghai\nAsia/Hong_Kong")
        );
    }

    #[test]
    fn many_runaway_decoders_cost_bounded_time() {
        // 2000 calls of a decoder that never terminates: the per-file step
        // budget stops the pass long before 2000 full budgets are spent.
        let mut src = String::from(
            "function d(s) { let o = ''; while (true) { o = String.fromCharCode(s.charCodeAt(0)); } return o; }\n",
        );
        for i in 0..2000 {
            src.push_str("d('k");
            src.push_str(&i.to_string());
            src.push_str("');\n");
        }
        let t = std::time::Instant::now();
        assert!(findings(&src).is_empty());
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    }

    #[test]
    fn benign_base64_and_strings_are_quiet() {
        // A PNG header in base64, an i18n table, identifiers, a random token.
        let png = base64_encode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10");
        let src = format!(
            "const img = 'data:image/png;base64,{png}'; const raw = '{png}';\n\
             const t = {{ en: 'Hello', fr: 'Bonjour' }};\n\
             const id = 'getElementById'; const tok = 'Qm9aX3Jr7a9ZkLmN0pQr';\n\
             const s = 'abc'.toUpperCase(); const j = ['a', 'b'].join('-');"
        );
        let f = findings(&src);
        assert!(f.is_empty(), "{f:#?}");
    }
}
