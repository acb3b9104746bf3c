//! Carriers by kind: where imperceptible material can enter a string.
//!
//! One linear pass over a unit's node table finds
//! - **text carriers**: string literals and template text holding an
//!   invisible character (default-ignorable, tag, variation selector,
//!   interlinear annotation), a non-ASCII character whose UTS #39 skeleton is
//!   ASCII (a look-alike), or a space other than U+0020 — raw or escaped, the
//!   parser has decoded escapes — and `String.fromCharCode`/`fromCodePoint`
//!   of constants producing one;
//! - **computed code points**: `fromCodePoint(BASE + x)` / `BASE | x` /
//!   `BASE ^ x` with BASE in the tag, variation-selector, zero-width or
//!   look-alike blocks and x not constant: data encoded as invisible characters;
//! - **merge points of constant texts** that may differ imperceptibly even
//!   when every character is ASCII (a doubled space, a date separator, a field
//!   order): a conditional or `c && A || B` chain, the returns of one
//!   function, the writes of one variable, the values of an object or array
//!   literal, a `.replace(P, R)`;
//! - **formatters whose options are chosen**: `toLocale*String`, `Intl.*Format`
//!   with a locale or option decided by a condition.
//!
//! The pass also fills the unit's name index and module raw material, so the
//! engine costs one pass over the node table per unit. Nothing allocates for
//! a node that is none of these (the common case is a tag check).

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, AssignmentOperator, AssignmentTarget, BinaryOperator,
    BindingPattern, CallExpression, Expression, LogicalOperator, ObjectPropertyKind,
};
use oxc_semantic::{NodeId, SymbolId};
use oxc_span::GetSpan;

use super::modules::RawModule;
use super::names::NameEntries;
use super::walk::Test;
use super::{Control, FnRef, UnitId, nid};
use crate::context::Ctx;

#[derive(Clone, Debug)]
pub(crate) enum SeedKind<'a> {
    /// Imperceptible characters in constant text.
    Text,
    /// Code points computed from data into an invisible or look-alike block;
    /// `direct`: the arithmetic is an argument of `String.fromCodePoint`
    /// itself (else the value must be seen reaching one).
    Computed {
        data: &'a Expression<'a>,
        sample: char,
        direct: bool,
    },
    /// Constant texts that may differ imperceptibly meet here.
    Merge,
    /// A formatter whose locale or options are decided by these tests.
    Format(Vec<Test<'a>>),
    /// The same values in an order chosen by a test: `c ? [d, m] : [m, d]`,
    /// `c ? xs.toReversed() : xs`, `xs.sort(c ? byA : byB)` — field order as
    /// a format variant.
    Order(Test<'a>),
    /// Whitespace repeated a number of times *chosen among constants* by
    /// these tests: `" ".repeat(c ? 2 : 1)`, `s.padEnd(n, "\t")` with `n`
    /// bound to such a choice, `" ".repeat(flags[i])` with `flags` one of
    /// two constant tables. `fill` is the repeated text, `counts` the
    /// distinct constant counts (at least two). A count computed by
    /// arithmetic (a terminal width minus a length) is no such seed.
    Count {
        tests: Vec<Test<'a>>,
        fill: String,
        counts: Vec<u32>,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Seed<'a> {
    pub unit: UnitId,
    /// Walks start at these nodes (their values carry the seed).
    pub starts: Vec<NodeId>,
    /// The node shown as the carrier.
    pub node: NodeId,
    pub kind: SeedKind<'a>,
}

impl Seed<'_> {
    /// Intrinsic carriers (non-ASCII material) before ASCII merges: the order
    /// sites are analysed in when a unit-wide cap applies.
    pub fn rank(&self) -> u8 {
        match self.kind {
            SeedKind::Computed { .. } => 0,
            SeedKind::Text => 1,
            SeedKind::Format(_) | SeedKind::Count { .. } => 2,
            SeedKind::Merge => 3,
            SeedKind::Order(_) => 4,
        }
    }
}

/// A non-ASCII letter, digit, punctuation mark or modifier whose UTS #39
/// skeleton is one ASCII character: the stuff of words, where a reader takes
/// it for the ASCII one (`’` for `'`, Cyrillic `а` for `a`, fullwidth `：`).
/// Pictographic symbols (box drawing, arrows, bullets, math) and characters
/// standing for several ASCII ones (`…`) are visibly different glyphs in
/// running text and fill every terminal UI; they are not carriers.
/// Cached per code point (skeleton computation allocates).
fn lookalike(c: char) -> bool {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<char, bool>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|m| {
        if let Some(&v) = m.borrow().get(&c) {
            return v;
        }
        use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
        let wordish = matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter
                | GeneralCategoryGroup::Number
                | GeneralCategoryGroup::Punctuation
        ) || matches!(
            c.general_category(),
            unicode_properties::GeneralCategory::ModifierSymbol
        );
        let v = wordish
            && plainsight_text::chars::ascii_prototype(c).is_some_and(|p| p.chars().count() == 1);
        let mut m = m.borrow_mut();
        if m.len() < 65_536 {
            m.insert(c, v);
        }
        v
    })
}

/// Quotation marks a reader takes for `'` or `"` (`’`, `“`, `″`): UTS #39
/// maps the double ones to two apostrophes, so [`lookalike`] (one ASCII
/// character) leaves them out. Marks only: the letters among the double
/// ones (Hebrew double yod, modifier letters) spell words.
fn quote_like(c: char) -> bool {
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    if c.is_ascii() {
        return false;
    }
    if plainsight_text::chars::is_apostrophe_like(c) {
        return lookalike(c);
    }
    plainsight_text::chars::is_double_quote_like(c)
        && matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Punctuation | GeneralCategoryGroup::Symbol
        )
}

/// The carrier characters of a text, judged in context:
/// - invisible characters and unusual spaces always;
/// - apostrophe and quotation-mark look-alikes always (the text is read as
///   if they were `'` and `"`);
/// - a look-alike *letter* only inside a word that also has ASCII letters
///   (`Сlaude`), or standing alone: a whole word of Cyrillic or Greek is that
///   language, not a disguise;
/// - other look-alike marks (a dash, a middle dot) only in a short text that
///   can be an alternative by itself, not in running prose.
pub(crate) fn carrier_chars(s: &str) -> Vec<char> {
    if s.is_ascii() {
        return Vec::new();
    }
    // Most non-ASCII text holds no candidate at all: checked without allocating.
    if !s.chars().any(|c| {
        !c.is_ascii()
            && (plainsight_text::chars::is_invisible(c)
                || plainsight_text::chars::is_unusual_space(c)
                || quote_like(c)
                || lookalike(c))
    }) {
        return Vec::new();
    }
    let short = s.chars().count() <= 3;
    let mut v: Vec<char> = Vec::new();
    let mut word_start = 0usize;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            continue;
        }
        scan_word(&chars[word_start..i], &mut v);
        word_start = i + 1;
        if c.is_ascii() {
            continue;
        }
        if plainsight_text::chars::is_invisible(c) || plainsight_text::chars::is_unusual_space(c) {
            v.push(c);
        } else if quote_like(c) || (short && lookalike(c)) {
            v.push(c);
        }
    }
    scan_word(&chars[word_start..], &mut v);
    v.sort_unstable();
    v.dedup();
    v
}

/// Look-alike letters of one word: mixed with ASCII letters, or the word is
/// a single letter.
fn scan_word(word: &[char], out: &mut Vec<char>) {
    if word.iter().all(char::is_ascii) {
        return;
    }
    let mixed = word.iter().any(char::is_ascii_alphabetic) || word.len() == 1;
    if mixed {
        out.extend(
            word.iter()
                .copied()
                .filter(|&c| !c.is_ascii() && lookalike(c)),
        );
    }
}

/// Blocks a computed code point may be aimed at: tags, variation selectors,
/// zero-width and format characters, and the blocks whose letters look like
/// Latin ones (Cyrillic, Greek, modifier letters, fullwidth forms).
pub(crate) fn aimed_block(base: u32) -> Option<char> {
    let c = match base {
        0xE0000..=0xE007F => 0xE0020.max(base),
        0xE0100..=0xE01EF | 0xFE00..=0xFE0F => base,
        0x200B..=0x200F | 0x2060..=0x2064 | 0xFEFF | 0x180E => base,
        // `0xDC00 + x` after a 0xDB40 high surrogate: the tag block.
        0xDC00..=0xDC7F => 0xE0020,
        0x02B0..=0x02FF | 0x0370..=0x03FF | 0x0400..=0x04FF | 0xFF00..=0xFF5E | 0x2000..=0x200A => {
            base
        }
        // Any other base that is itself a carrier by kind: an invisible, an
        // unusual space, or a non-ASCII character whose UTS #39 skeleton is
        // one ASCII character (mathematical digits and letters, say).
        _ => {
            let c = char::from_u32(base)?;
            let carrier = !c.is_ascii()
                && (plainsight_text::chars::is_invisible(c)
                    || plainsight_text::chars::is_unusual_space(c)
                    || lookalike(c));
            return carrier.then_some(c);
        }
    };
    char::from_u32(c)
}

/// Blocks whose every code point is invisible: a number aimed there can only
/// be meant as a hidden character.
fn is_invisible_block(base: u32) -> bool {
    matches!(base, 0xE0000..=0xE007F | 0xE0100..=0xE01EF | 0xFE00..=0xFE0F | 0x200B..=0x200F | 0x2060..=0x2064 | 0xFEFF)
}

pub(crate) struct UnitSeeds<'a> {
    pub seeds: Vec<Seed<'a>>,
    pub names: NameEntries<'a>,
    pub raw: RawModule<'a>,
}

/// The seed pass over one unit.
pub(crate) fn scan<'a>(ctx: &Ctx<'a>, u: UnitId) -> UnitSeeds<'a> {
    let nodes = ctx.semantic.nodes();
    let scoping = ctx.semantic.scoping();
    let mut out = UnitSeeds {
        seeds: Vec::new(),
        names: NameEntries::default(),
        raw: RawModule::default(),
    };
    let mut returns: Vec<(NodeId, &'a Expression<'a>)> = Vec::new();
    let mut writes: Vec<(SymbolId, &'a Expression<'a>)> = Vec::new();
    for node in nodes.iter() {
        let id = node.id();
        let kind = node.kind();
        out.names.node(kind);
        out.raw.node(ctx, kind);
        match kind {
            AstKind::StringLiteral(s) => {
                let chars = carrier_chars(&s.value);
                if !chars.is_empty() && is_value_position(nodes.parent_kind(id)) {
                    out.seeds.push(Seed {
                        unit: u,
                        starts: vec![id],
                        node: id,
                        kind: SeedKind::Text,
                    });
                }
            }
            AstKind::TemplateLiteral(t) => {
                let mut chars = Vec::new();
                for q in &t.quasis {
                    if let Some(c) = &q.value.cooked {
                        chars.extend(carrier_chars(c));
                    }
                }
                if !chars.is_empty() {
                    chars.sort_unstable();
                    chars.dedup();
                    out.seeds.push(Seed {
                        unit: u,
                        starts: vec![id],
                        node: id,
                        kind: SeedKind::Text,
                    });
                }
            }
            AstKind::ConditionalExpression(c) => {
                if matches!(nodes.parent_kind(id), AstKind::ConditionalExpression(p) if p.test.span() != c.span)
                {
                    continue; // part of the outer chain
                }
                if permuted(ctx, &c.consequent, &c.alternate) {
                    // Array literals: walked from their elements, so a
                    // destructuring (`const [a, b] = …`) finds them as elements.
                    let starts = match c.consequent.without_parentheses() {
                        Expression::ArrayExpression(a) => a
                            .elements
                            .iter()
                            .filter_map(ArrayExpressionElement::as_expression)
                            .map(nid)
                            .collect(),
                        _ => vec![id],
                    };
                    out.seeds.push(Seed {
                        unit: u,
                        starts,
                        node: id,
                        kind: SeedKind::Order(Test::Control(Control::Test(&c.test))),
                    });
                    continue;
                }
                let mut leaves = Vec::new();
                flatten_conditional(c, &mut leaves);
                merge_seed(ctx, u, id, &leaves, &mut out.seeds);
            }
            AstKind::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
                if let Expression::LogicalExpression(inner) = l.left.without_parentheses()
                    && inner.operator == LogicalOperator::And
                {
                    merge_seed(ctx, u, id, &[&inner.right, &l.right], &mut out.seeds);
                }
            }
            AstKind::ObjectExpression(o) if o.properties.len() >= 2 => {
                let leaves: Vec<&'a Expression<'a>> = o
                    .properties
                    .iter()
                    .filter_map(|p| match p {
                        ObjectPropertyKind::ObjectProperty(p) => Some(&p.value),
                        ObjectPropertyKind::SpreadProperty(_) => None,
                    })
                    .filter(|e| matches!(e.without_parentheses(), Expression::StringLiteral(_)))
                    .collect();
                if leaves.len() >= 2 && !is_char_keyed(o) {
                    merge_seed(ctx, u, id, &leaves, &mut out.seeds);
                }
            }
            AstKind::ArrayExpression(a) if a.elements.len() >= 2 => {
                let mut leaves: Vec<&'a Expression<'a>> = a
                    .elements
                    .iter()
                    .filter_map(ArrayExpressionElement::as_expression)
                    .filter(|e| matches!(e.without_parentheses(), Expression::StringLiteral(_)))
                    .collect();
                // The entries of `new Map([[k, "A"], [k2, "B"]])`: the values.
                if leaves.is_empty() {
                    leaves = map_entry_values(a);
                }
                if leaves.len() >= 2 {
                    merge_seed(ctx, u, id, &leaves, &mut out.seeds);
                }
            }
            AstKind::CallExpression(call) => call_seeds(ctx, u, id, call, &mut out.seeds),
            AstKind::BinaryExpression(b)
                if matches!(
                    b.operator,
                    BinaryOperator::Addition
                        | BinaryOperator::BitwiseOR
                        | BinaryOperator::BitwiseXOR
                ) && !matches!(nodes.parent_kind(id), AstKind::CallExpression(c) if crate::covert::from_char_code_callee(&c.callee).is_some()) =>
            {
                // `0xE0000 + c` anywhere (a callback, a helper): a code point
                // aimed at an invisible block, if it reaches `fromCodePoint`.
                if let Some(expr) = crate::covert::expr_of(ctx, id)
                    && let Some((base, data)) = aimed_arithmetic(ctx, expr)
                    && is_invisible_block(base)
                    && let Some(sample) = aimed_block(base)
                {
                    out.seeds.push(Seed {
                        unit: u,
                        starts: vec![id],
                        node: id,
                        kind: SeedKind::Computed {
                            data,
                            sample,
                            direct: false,
                        },
                    });
                }
            }
            AstKind::NewExpression(n) => {
                // `new Intl.DateTimeFormat(locale, options)` with chosen options.
                if let Some(m) = n.callee.without_parentheses().as_member_expression()
                    && matches!(
                        m.static_property_name(),
                        Some(
                            "DateTimeFormat" | "NumberFormat" | "RelativeTimeFormat" | "ListFormat"
                        )
                    )
                {
                    let tests = chosen_options(ctx, &n.arguments);
                    if !tests.is_empty() {
                        out.seeds.push(Seed {
                            unit: u,
                            starts: vec![id],
                            node: id,
                            kind: SeedKind::Format(tests),
                        });
                    }
                }
            }
            AstKind::ReturnStatement(r) => {
                if let Some(arg) = &r.argument
                    && is_stringish(arg)
                    && let Some(f) = nodes
                        .ancestor_ids(id)
                        .find(|&a| FnRef::is_fn(nodes.kind(a)))
                {
                    returns.push((f, arg));
                }
            }
            AstKind::VariableDeclarator(d) => {
                if let (BindingPattern::BindingIdentifier(b), Some(init)) = (&d.id, &d.init)
                    && is_stringish(init)
                    && ctx.symbol_is_mutated(b.symbol_id())
                {
                    writes.push((b.symbol_id(), init));
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
                    writes.push((sym, &a.right));
                }
            }
            _ => {}
        }
    }
    returns.sort_by_key(|r| r.0);
    for group in returns.chunk_by(|x, y| x.0 == y.0) {
        if group.len() >= 2 {
            let leaves: Vec<_> = group.iter().map(|g| g.1).collect();
            merge_seed(ctx, u, group[0].0, &leaves, &mut out.seeds);
        }
    }
    writes.sort_by_key(|w| w.0);
    for group in writes.chunk_by(|x, y| x.0 == y.0) {
        if group.len() >= 2 {
            let leaves: Vec<_> = group.iter().map(|g| g.1).collect();
            merge_seed(ctx, u, nid(leaves[0]), &leaves, &mut out.seeds);
        }
    }
    out
}

/// A string literal whose value is used as a value (not an import source,
/// a property key, a directive or a regex flag argument).
fn is_value_position(parent: AstKind<'_>) -> bool {
    !matches!(
        parent,
        AstKind::ImportDeclaration(_)
            | AstKind::ExportAllDeclaration(_)
            | AstKind::ExportFromDeclaration(_)
            | AstKind::Directive(_)
            | AstKind::TSLiteralType(_)
    )
}

fn flatten_conditional<'a>(
    c: &'a oxc_ast::ast::ConditionalExpression<'a>,
    leaves: &mut Vec<&'a Expression<'a>>,
) {
    let mut stack = vec![&c.alternate, &c.consequent];
    while let Some(e) = stack.pop() {
        match e.without_parentheses() {
            Expression::ConditionalExpression(inner) => {
                stack.push(&inner.alternate);
                stack.push(&inner.consequent);
            }
            _ => leaves.push(e),
        }
    }
}

/// A merge seed when at least two leaves are constant text (or numbers in a
/// char-code context) and some pair may differ imperceptibly.
fn merge_seed<'a>(
    ctx: &Ctx<'a>,
    u: UnitId,
    site: NodeId,
    leaves: &[&'a Expression<'a>],
    seeds: &mut Vec<Seed<'a>>,
) {
    let constant = leaves
        .iter()
        .filter(|e| {
            is_stringish(e) || matches!(e.without_parentheses(), Expression::NumericLiteral(_))
        })
        .count();
    if constant < 2 {
        return;
    }
    let codes = crate::covert::char_code_context(ctx, site);
    // Literal leaves (the common case) are prefiltered without rendering.
    let lits: Option<Vec<String>> = leaves
        .iter()
        .map(|e| match e.without_parentheses() {
            Expression::StringLiteral(s) => Some(s.value.to_string()),
            Expression::NumericLiteral(n) if codes => {
                char::from_u32(n.value as u32).map(String::from)
            }
            _ => None,
        })
        .collect();
    // Non-ASCII alternatives that can be imperceptible hold a carrier
    // character and are seeds of their own; the merge seeds are for what is
    // only imperceptible relative to another ASCII text (a doubled space, a
    // date separator), so only ASCII leaves are compared here (cheaply).
    let lits = lits.map(|l| {
        if codes {
            l
        } else {
            l.into_iter().filter(|t| t.is_ascii()).collect::<Vec<_>>()
        }
    });
    let pass = match &lits {
        Some(l) if l.len() < 2 => false,
        Some(l) => {
            let refs: Vec<&str> = l.iter().map(String::as_str).collect();
            crate::covert::any_pair_may_be_imperceptible(&refs)
                || (refs.len() <= 16
                    && (0..refs.len()).any(|i| {
                        (i + 1..refs.len())
                            .any(|j| crate::covert::reordered_fields(refs[i], refs[j]))
                    }))
        }
        None => {
            let mut r = crate::covert::Renderer::cheap(ctx);
            let texts: Vec<String> = leaves
                .iter()
                .filter_map(|e| r.render(e, codes))
                .filter(|t| codes || t.is_ascii())
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            refs.len() >= 2
                && (crate::covert::any_pair_may_be_imperceptible(&refs)
                    || (0..refs.len()).any(|i| {
                        (i + 1..refs.len())
                            .any(|j| crate::covert::reordered_fields(refs[i], refs[j]))
                    }))
        }
    };
    if !pass {
        return;
    }
    seeds.push(Seed {
        unit: u,
        starts: leaves.iter().map(|e| nid(e)).collect(),
        node: site,
        kind: SeedKind::Merge,
    });
}

fn call_seeds<'a>(
    ctx: &Ctx<'a>,
    u: UnitId,
    id: NodeId,
    call: &'a CallExpression<'a>,
    seeds: &mut Vec<Seed<'a>>,
) {
    let callee = call.callee.without_parentheses();
    if crate::covert::from_char_code_callee(callee).is_some() {
        // Constant code points: a text carrier. Computed: data encoding.
        let mut ev = crate::eval::Evaluator::new(ctx);
        if let Some(crate::eval::Value::Str(s)) = ev.eval_call(call) {
            let chars = carrier_chars(&s);
            if !chars.is_empty() {
                seeds.push(Seed {
                    unit: u,
                    starts: vec![id],
                    node: id,
                    kind: SeedKind::Text,
                });
            }
            return;
        }
        for arg in call.arguments.iter().filter_map(Argument::as_expression) {
            let aimed = aimed_arithmetic(ctx, arg).and_then(|(base, data)| {
                let sample = aimed_block(base)?;
                // A low surrogate is the tag block only after the 0xDB40 high
                // surrogate; `0xDC00 | x` alone is any UTF-16 encoder.
                (!(0xDC00..=0xDFFF).contains(&base) || call.arguments.iter().any(|a| {
                    matches!(a.as_expression().map(Expression::without_parentheses), Some(Expression::NumericLiteral(n)) if n.value as u32 == 0xDB40)
                }))
                .then_some((sample, data))
            });
            // Or `fromCharCode(34 + 8186 * bit)`: a constant character shifted
            // by a scaled value onto a carrier — one bit of data per character.
            if let Some((sample, data)) = aimed.or_else(|| scaled_arithmetic(ctx, arg)) {
                seeds.push(Seed {
                    unit: u,
                    starts: vec![id],
                    node: id,
                    kind: SeedKind::Computed {
                        data,
                        sample,
                        direct: true,
                    },
                });
                return;
            }
        }
        return;
    }
    // Text decoded from constants: `decodeURIComponent("%E2%80%8B")`,
    // `JSON.parse('"\\u2019"')`, `Buffer.from("4oCZ", "base64").toString()`.
    if is_constant_decoding(callee, call)
        && let Some(crate::eval::Value::Str(s)) = crate::eval::Evaluator::new(ctx).eval_call(call)
    {
        if !carrier_chars(&s).is_empty() {
            seeds.push(Seed {
                unit: u,
                starts: vec![id],
                node: id,
                kind: SeedKind::Text,
            });
        }
        return;
    }
    let Some(m) = callee.as_member_expression() else {
        return;
    };
    let Some(name) = m.static_property_name() else {
        return;
    };
    match name {
        // A comparator chosen by a test: the same elements in another order.
        "sort" | "toSorted" => {
            if let Some(Expression::ConditionalExpression(c)) = call
                .arguments
                .first()
                .and_then(Argument::as_expression)
                .map(Expression::without_parentheses)
                && is_function_value(ctx, &c.consequent)
                && is_function_value(ctx, &c.alternate)
            {
                seeds.push(Seed {
                    unit: u,
                    starts: vec![id],
                    node: id,
                    kind: SeedKind::Order(Test::Control(Control::Test(&c.test))),
                });
            } else if let Some(test) = call
                .arguments
                .first()
                .and_then(Argument::as_expression)
                .and_then(|f| comparator_direction(ctx, f))
            {
                // One comparator whose sign is chosen: `(a, b) => dir * cmp(a, b)`.
                seeds.push(Seed {
                    unit: u,
                    starts: vec![id],
                    node: id,
                    kind: SeedKind::Order(test),
                });
            }
        }
        "replace" | "replaceAll" => {
            let (Some(pat), Some(rep)) = (
                call.arguments.first().and_then(Argument::as_expression),
                call.arguments.get(1).and_then(Argument::as_expression),
            ) else {
                return;
            };
            let pattern = match pat.without_parentheses() {
                Expression::RegExpLiteral(re) => {
                    super::walk::regex_literal_text(re.regex.pattern.text.as_str())
                }
                Expression::StringLiteral(s) => Some(s.value.to_string()),
                _ => None,
            };
            let Some(pattern) = pattern else { return };
            if !is_stringish(rep) {
                return;
            }
            let mut r = crate::covert::Renderer::cheap(ctx);
            let Some(replacement) = r.render(rep, false) else {
                return;
            };
            // A fold to plain text (`s.replace(/\u2212/g, "-")`, look-alikes
            // or invisibles replaced by ASCII or nothing) only ever takes the
            // carrier out: its output never gains one, whatever decides it.
            if !pattern.is_ascii() && replacement.is_ascii() {
                return;
            }
            if crate::covert::may_be_imperceptible(&pattern, &replacement)
                || crate::covert::reordered_fields(&pattern, &replacement)
                || (pattern.chars().count() == 1
                    && replacement.chars().count() == 1
                    && pattern != replacement
                    && {
                        let c = plainsight_text::classify(&pattern, &replacement);
                        c.is_imperceptible()
                    })
            {
                seeds.push(Seed {
                    unit: u,
                    starts: vec![nid(rep)],
                    node: id,
                    kind: SeedKind::Merge,
                });
            }
        }
        // Whitespace repeated a count chosen among constants.
        "repeat" | "padStart" | "padEnd" => {
            if let Some((tests, fill, counts)) = whitespace_count(ctx, name, m.object(), call) {
                seeds.push(Seed {
                    unit: u,
                    starts: vec![id],
                    node: id,
                    kind: SeedKind::Count {
                        tests,
                        fill,
                        counts,
                    },
                });
            }
        }
        // A formatter's options, or a number written with a chosen count of
        // digits (`n.toFixed(digits)`).
        "toLocaleDateString" | "toLocaleTimeString" | "toLocaleString" | "DateTimeFormat"
        | "NumberFormat" | "toFixed" | "toPrecision" | "toExponential" => {
            let tests = chosen_options(ctx, &call.arguments);
            if !tests.is_empty() {
                seeds.push(Seed {
                    unit: u,
                    starts: vec![id],
                    node: id,
                    kind: SeedKind::Format(tests),
                });
            }
        }
        _ => {}
    }
}

/// Two sides holding the same values in another order: array literals of the
/// same elements (by source text, at least two, not all constant), or an
/// array and its reversal (`xs.toReversed()` / `[...xs].reverse()` vs `xs`).
fn permuted(ctx: &Ctx<'_>, a: &Expression<'_>, b: &Expression<'_>) -> bool {
    let src = |e: &Expression<'_>| e.span().source_text(ctx.source);
    match (a.without_parentheses(), b.without_parentheses()) {
        (Expression::ArrayExpression(x), Expression::ArrayExpression(y)) => {
            if x.elements.len() != y.elements.len() || x.elements.len() < 2 {
                return false;
            }
            let texts = |v: &oxc_ast::ast::ArrayExpression<'_>| -> Option<Vec<String>> {
                v.elements
                    .iter()
                    .map(|e| {
                        let e = e.as_expression()?;
                        (!matches!(
                            e.without_parentheses(),
                            Expression::StringLiteral(_) | Expression::NumericLiteral(_)
                        ))
                        .then(|| src(e).split_whitespace().collect::<String>())
                    })
                    .collect()
            };
            let (Some(tx), Some(ty)) = (texts(x), texts(y)) else {
                return false;
            };
            if tx == ty {
                return false;
            }
            let (mut sx, mut sy) = (tx.clone(), ty.clone());
            sx.sort();
            sy.sort();
            sx == sy && {
                sx.dedup();
                sx.len() == tx.len()
            }
        }
        (x, y) => {
            reversal_of(ctx, x, y)
                || reversal_of(ctx, y, x)
                || indexed_permutation(ctx, x, y)
                || indexed_permutation(ctx, y, x)
                || key_order_permutation(ctx, x, y)
        }
    }
}

/// The two sides are the same list or record in another order that no
/// locale convention sets (a list against its sorted copy, objects merged
/// from the same parts in another order): a choice between them is a
/// choice of order alone. Used by the verdict too: unlike a date's parts
/// (`[d, m, y]` / `[m, d, y]`), such an order is never the user's own
/// convention, so the user's locale compared to choose it is a chooser.
pub(crate) fn key_order_permutation(ctx: &Ctx<'_>, a: &Expression<'_>, b: &Expression<'_>) -> bool {
    let (a, b) = (a.without_parentheses(), b.without_parentheses());
    sorted_copy(ctx, a, b) || sorted_copy(ctx, b, a) || {
        let (Some(x), Some(y)) = (merged_parts(ctx, a), merged_parts(ctx, b)) else {
            return false;
        };
        let (mut sx, mut sy) = (x.clone(), y.clone());
        sx.sort_unstable();
        sy.sort_unstable();
        x != y && sx == sy && {
            sx.dedup();
            sx.len() == x.len()
        }
    }
}

/// `r` is a sorted copy of the list `s` (an identifier or a static member):
/// `s.toSorted(…)`, `[...s].sort(…)`, `s.slice().sort(…)`,
/// `Array.from(s).sort(…)`, or a library's `sortBy(s)` / `_.sortBy(s, …)` /
/// `_.orderBy(s, …)`.
fn sorted_copy(ctx: &Ctx<'_>, r: &Expression<'_>, s: &Expression<'_>) -> bool {
    let src = |e: &Expression<'_>| e.span().source_text(ctx.source);
    let listish = |e: &Expression<'_>| {
        matches!(
            e,
            Expression::Identifier(_) | Expression::StaticMemberExpression(_)
        )
    };
    if !listish(s) {
        return false;
    }
    let Expression::CallExpression(c) = r else {
        return false;
    };
    let callee = c.callee.without_parentheses();
    let name = super::names::called_name(c);
    match name {
        Some("sortBy" | "orderBy") => c
            .arguments
            .first()
            .and_then(Argument::as_expression)
            .is_some_and(|x| src(x.without_parentheses()) == src(s)),
        Some(m @ ("toSorted" | "sort")) => {
            let Some(recv) = callee
                .as_member_expression()
                .map(|x| x.object().without_parentheses())
            else {
                return false;
            };
            let inner = match recv {
                Expression::ArrayExpression(a) if a.elements.len() == 1 => match &a.elements[0] {
                    ArrayExpressionElement::SpreadElement(sp) => sp.argument.without_parentheses(),
                    _ => return false,
                },
                Expression::CallExpression(k) => {
                    let Some(km) = k.callee.without_parentheses().as_member_expression() else {
                        return false;
                    };
                    match km.static_property_name() {
                        Some("slice") if k.arguments.is_empty() => {
                            km.object().without_parentheses()
                        }
                        Some("from")
                            if matches!(km.object().without_parentheses(), Expression::Identifier(o) if o.name == "Array")
                                && k.arguments.len() == 1 =>
                        {
                            match k.arguments[0].as_expression() {
                                Some(x) => x.without_parentheses(),
                                None => return false,
                            }
                        }
                        _ => return false,
                    }
                }
                // `s.sort()` sorts `s` itself; `toSorted` copies.
                e if m == "toSorted" => e,
                _ => return false,
            };
            listish(inner) && src(inner) == src(s)
        }
        _ => false,
    }
}

/// The parts an object is merged from, in order, when it is nothing else:
/// `{ ...a, ...b }` (spreads only) or `Object.assign({}, a, b)`; two parts
/// at least, each an identifier or static member (by source text).
fn merged_parts(ctx: &Ctx<'_>, e: &Expression<'_>) -> Option<Vec<String>> {
    let src = |e: &Expression<'_>| e.span().source_text(ctx.source).to_string();
    let part = |e: &Expression<'_>| {
        let e = e.without_parentheses();
        matches!(
            e,
            Expression::Identifier(_) | Expression::StaticMemberExpression(_)
        )
        .then(|| src(e))
    };
    let parts: Vec<String> = match e {
        Expression::ObjectExpression(o) => o
            .properties
            .iter()
            .map(|p| match p {
                ObjectPropertyKind::SpreadProperty(sp) => part(&sp.argument),
                ObjectPropertyKind::ObjectProperty(_) => None,
            })
            .collect::<Option<_>>()?,
        Expression::CallExpression(c) => {
            let m = c.callee.without_parentheses().as_member_expression()?;
            if m.static_property_name() != Some("assign")
                || !matches!(m.object().without_parentheses(), Expression::Identifier(o) if o.name == "Object")
            {
                return None;
            }
            let (first, rest) = c.arguments.split_first()?;
            if !matches!(
                first.as_expression().map(Expression::without_parentheses),
                Some(Expression::ObjectExpression(o)) if o.properties.is_empty()
            ) {
                return None;
            }
            rest.iter()
                .map(|a| a.as_expression().and_then(part))
                .collect::<Option<_>>()?
        }
        _ => return None,
    };
    (parts.len() >= 2).then_some(parts)
}

/// `p` is an array literal of `s`'s own elements by constant index in
/// another order (`[xs[1], xs[0], xs[2]]`, every index below its length
/// once, not in order) and `s` is `xs`, `xs.slice()`, `[...xs]` or
/// `Array.from(xs)`: the same list permuted.
fn indexed_permutation(ctx: &Ctx<'_>, p: &Expression<'_>, s: &Expression<'_>) -> bool {
    let Expression::ArrayExpression(a) = p else {
        return false;
    };
    if a.elements.len() < 2 || a.elements.len() > 64 {
        return false;
    }
    let src = |e: &Expression<'_>| e.span().source_text(ctx.source);
    let mut base: Option<&str> = None;
    let mut seen = vec![false; a.elements.len()];
    let mut in_order = true;
    for (k, el) in a.elements.iter().enumerate() {
        let Some(Expression::ComputedMemberExpression(m)) =
            el.as_expression().map(Expression::without_parentheses)
        else {
            return false;
        };
        let Expression::NumericLiteral(n) = m.expression.without_parentheses() else {
            return false;
        };
        let i = n.value as usize;
        if n.value.fract() != 0.0 || n.value < 0.0 || i >= seen.len() || seen[i] {
            return false;
        }
        seen[i] = true;
        in_order &= i == k;
        let b = src(m.object.without_parentheses());
        if base.is_some_and(|x| x != b) {
            return false;
        }
        base = Some(b);
    }
    if in_order {
        return false;
    }
    let Some(base) = base else { return false };
    let copied = match s.without_parentheses() {
        Expression::CallExpression(c) if c.arguments.is_empty() => c
            .callee
            .without_parentheses()
            .as_member_expression()
            .filter(|m| m.static_property_name() == Some("slice"))
            .map(|m| m.object().without_parentheses()),
        Expression::CallExpression(c) if c.arguments.len() == 1 => c
            .callee
            .without_parentheses()
            .as_member_expression()
            .filter(|m| {
                m.static_property_name() == Some("from")
                    && matches!(m.object().without_parentheses(), Expression::Identifier(o) if o.name == "Array")
            })
            .and_then(|_| c.arguments[0].as_expression())
            .map(Expression::without_parentheses),
        Expression::ArrayExpression(x) if x.elements.len() == 1 => match &x.elements[0] {
            ArrayExpressionElement::SpreadElement(sp) => Some(sp.argument.without_parentheses()),
            _ => None,
        },
        e => Some(e),
    };
    copied.is_some_and(|e| {
        matches!(
            e,
            Expression::Identifier(_) | Expression::StaticMemberExpression(_)
        ) && src(e) == base
            // A list of another length is not the same list.
            && !matches!(
                crate::covert::const_init(ctx, e).map(Expression::without_parentheses),
                Some(Expression::ArrayExpression(l)) if l.elements.len() != a.elements.len()
            )
    })
}

/// `r` is `s.toReversed()`, `s.reverse()`, `[...s].reverse()` or
/// `s.slice().reverse()` of the same `s`.
fn reversal_of(ctx: &Ctx<'_>, r: &Expression<'_>, s: &Expression<'_>) -> bool {
    let Expression::CallExpression(c) = r else {
        return false;
    };
    let Some(m) = c.callee.without_parentheses().as_member_expression() else {
        return false;
    };
    if !matches!(m.static_property_name(), Some("reverse" | "toReversed")) {
        return false;
    }
    let mut inner = m.object().without_parentheses();
    match inner {
        Expression::ArrayExpression(a) if a.elements.len() == 1 => {
            if let Some(ArrayExpressionElement::SpreadElement(sp)) = a.elements.first() {
                inner = sp.argument.without_parentheses();
            }
        }
        Expression::CallExpression(sl)
            if sl
                .callee
                .without_parentheses()
                .as_member_expression()
                .is_some_and(|x| x.static_property_name() == Some("slice"))
                && sl.arguments.is_empty() =>
        {
            if let Some(x) = sl.callee.without_parentheses().as_member_expression() {
                inner = x.object().without_parentheses();
            }
        }
        _ => {}
    }
    let src = |e: &Expression<'_>| e.span().source_text(ctx.source);
    matches!(
        inner,
        Expression::Identifier(_) | Expression::StaticMemberExpression(_)
    ) && src(inner) == src(s.without_parentheses())
}

/// A comparator (literal, or a binding of one) whose result's sign is set
/// by something other than its two elements: `(a, b) => dir * cmp(a, b)`,
/// `(a, b) => asc ? x : -x`. The value that flips it decides the order.
fn comparator_direction<'a>(ctx: &Ctx<'a>, f: &'a Expression<'a>) -> Option<Test<'a>> {
    let f = crate::covert::const_init(ctx, f).unwrap_or(f);
    let (params, fr) = match f.without_parentheses() {
        Expression::ArrowFunctionExpression(a) => (&a.params, FnRef::Arrow(a)),
        Expression::FunctionExpression(x) => (&x.params, FnRef::Function(x)),
        _ => return None,
    };
    let names: Vec<&str> = params
        .items
        .iter()
        .filter_map(|p| p.pattern.get_binding_identifier().map(|b| b.name.as_str()))
        .collect();
    let rets = fr.returns();
    if names.len() != 2 || rets.len() != 1 {
        return None;
    }
    let ret = rets[0];
    // A value that does not name the elements: a binding declared outside
    // the comparator (not a parameter, not a local computed from them), or
    // a field of one.
    let scoping = ctx.semantic.scoping();
    let fspan = f.span();
    let free = |e: &Expression<'_>| {
        let mut root = e.without_parentheses();
        while let Some(m) = root.as_member_expression() {
            if m.is_computed() {
                return false;
            }
            root = m.object().without_parentheses();
        }
        let Expression::Identifier(i) = root else {
            return false;
        };
        if names.contains(&i.name.as_str()) {
            return false;
        }
        let Some(sym) = i
            .reference_id
            .get()
            .and_then(|r| scoping.get_reference(r).symbol_id())
        else {
            return false;
        };
        let decl = ctx
            .semantic
            .nodes()
            .kind(scoping.symbol_declaration(sym))
            .span();
        !(fspan.start <= decl.start && decl.end <= fspan.end)
    };
    match ret.without_parentheses() {
        Expression::BinaryExpression(b) if b.operator == BinaryOperator::Multiplication => {
            [&b.left, &b.right]
                .into_iter()
                .find(|e| free(e))
                .map(Test::Key)
        }
        Expression::ConditionalExpression(c)
            if free(&c.test)
                || matches!(c.test.without_parentheses(), Expression::BinaryExpression(t)
                    if [&t.left, &t.right].into_iter().all(|e| free(e) || is_constant_literal(e))) =>
        {
            Some(Test::Control(Control::Test(&c.test)))
        }
        _ => None,
    }
}

fn is_constant_literal(e: &Expression<'_>) -> bool {
    matches!(
        e.without_parentheses(),
        Expression::StringLiteral(_)
            | Expression::NumericLiteral(_)
            | Expression::BooleanLiteral(_)
    )
}

/// A function: a literal one or a binding of one.
fn is_function_value(ctx: &Ctx<'_>, e: &Expression<'_>) -> bool {
    let e = crate::covert::const_init(ctx, e).unwrap_or(e);
    matches!(
        e.without_parentheses(),
        Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_)
    ) || matches!(e.without_parentheses(), Expression::Identifier(i)
        if i.reference_id.get()
            .and_then(|r| ctx.semantic.scoping().get_reference(r).symbol_id())
            .is_some_and(|s| matches!(ctx.semantic.nodes().kind(ctx.semantic.scoping().symbol_declaration(s)), AstKind::Function(_))))
}

/// `[[k, "A"], [k2, "B"]]` (the argument of `new Map(…)`): the string values.
fn map_entry_values<'a>(a: &'a oxc_ast::ast::ArrayExpression<'a>) -> Vec<&'a Expression<'a>> {
    let v: Vec<&'a Expression<'a>> = a
        .elements
        .iter()
        .map_while(|e| match e.as_expression()?.without_parentheses() {
            Expression::ArrayExpression(kv) if kv.elements.len() == 2 => {
                match kv.elements[1].as_expression()? {
                    v @ Expression::StringLiteral(_) => Some(v),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();
    if v.len() == a.elements.len() {
        v
    } else {
        Vec::new()
    }
}

/// A decoding call whose inputs are all literals.
fn is_constant_decoding(callee: &Expression<'_>, call: &CallExpression<'_>) -> bool {
    let literal_args = |args: &[Argument<'_>]| {
        !args.is_empty()
            && args.iter().all(|a| {
                matches!(a, Argument::StringLiteral(_) | Argument::NumericLiteral(_))
                    || matches!(a, Argument::TemplateLiteral(t) if t.expressions.is_empty())
            })
    };
    match callee {
        Expression::Identifier(i) => {
            matches!(
                i.name.as_str(),
                "decodeURIComponent" | "decodeURI" | "unescape" | "atob"
            ) && literal_args(&call.arguments)
        }
        e => {
            let Some(m) = e.as_member_expression() else {
                return false;
            };
            match (m.static_property_name(), m.object().without_parentheses()) {
                (Some("parse"), Expression::Identifier(o)) if o.name == "JSON" => {
                    literal_args(&call.arguments)
                }
                // `Buffer.from("…", "hex").toString()`, `Buffer.from([0xe2, 0x80, 0x8b]).toString()`
                (Some("toString"), Expression::CallExpression(inner)) => {
                    let byte_array = |args: &[Argument<'_>]| {
                        matches!(args.first(), Some(Argument::ArrayExpression(a))
                            if !a.elements.is_empty() && a.elements.len() <= 64
                                && a.elements.iter().all(|e| matches!(e, ArrayExpressionElement::NumericLiteral(_))))
                    };
                    inner
                        .callee
                        .without_parentheses()
                        .as_member_expression()
                        .is_some_and(|im| {
                            im.static_property_name() == Some("from")
                                && matches!(im.object().without_parentheses(), Expression::Identifier(b) if b.name == "Buffer")
                        })
                        && (literal_args(&inner.arguments) || byte_array(&inner.arguments))
                        && (literal_args(&call.arguments) || call.arguments.is_empty())
                }
                _ => false,
            }
        }
    }
}

/// Tests that choose a formatter's locale or options among constants:
/// `d.toLocaleDateString(t ? "en-GB" : "en-US")`, `{ hour12: zone === x }`,
/// or a binding initialised with one.
fn chosen_options<'a>(
    ctx: &Ctx<'a>,
    args: &'a oxc_allocator::Vec<'a, Argument<'a>>,
) -> Vec<Test<'a>> {
    let mut out = Vec::new();
    let mut stack: Vec<(&'a Expression<'a>, u8)> = args
        .iter()
        .filter_map(Argument::as_expression)
        .map(|e| (e, 0))
        .collect();
    while let Some((e, depth)) = stack.pop() {
        if depth > 3 || out.len() >= 8 {
            continue;
        }
        match e.without_parentheses() {
            Expression::ConditionalExpression(c)
                if is_constant(&c.consequent) && is_constant(&c.alternate) =>
            {
                out.push(Test::Control(Control::Test(&c.test)));
            }
            Expression::LogicalExpression(l) if is_constant(&l.right) => {
                out.push(Test::Control(Control::Test(&l.left)));
            }
            Expression::BinaryExpression(b) if b.operator.is_equality() => {
                // `{ hour12: zone === "…" }`: the option is a comparison.
                out.push(Test::Key(e));
                let _ = b;
            }
            Expression::CallExpression(c)
                if c.callee
                    .without_parentheses()
                    .as_member_expression()
                    .and_then(oxc_ast::ast::MemberExpression::static_property_name)
                    .is_some_and(|n| {
                        matches!(
                            n,
                            "includes" | "startsWith" | "endsWith" | "some" | "has" | "test"
                        )
                    }) =>
            {
                out.push(Test::Key(e));
            }
            Expression::ObjectExpression(o) => {
                for p in &o.properties {
                    if let ObjectPropertyKind::ObjectProperty(p) = p {
                        stack.push((&p.value, depth + 1));
                    }
                }
            }
            Expression::Identifier(_) => match crate::covert::const_init(ctx, e) {
                Some(init)
                    if matches!(
                        init.without_parentheses(),
                        Expression::ObjectExpression(_)
                            | Expression::ConditionalExpression(_)
                            | Expression::LogicalExpression(_)
                    ) =>
                {
                    stack.push((init, depth + 1));
                    // An options object may also be filled in later (`opts.hour12 = …` under a test).
                    out.push(Test::Key(e));
                }
                Some(init) => stack.push((init, depth + 1)),
                // A binding written on several paths: traced, and kept only
                // when the environment is compared on the way (a choice, not
                // the user's own locale passed along).
                None => out.push(Test::Key(e)),
            },
            Expression::StaticMemberExpression(_) | Expression::CallExpression(_) => {
                out.push(Test::Key(e));
            }
            _ => {}
        }
    }
    out
}

/// `WS.repeat(n)`, `s.padStart(n)`, `s.padEnd(n, WS)` with `WS` constant
/// whitespace and `n` a choice among constant counts ([`count_choice`]):
/// the tests, the repeated text and the distinct counts.
fn whitespace_count<'a>(
    ctx: &Ctx<'a>,
    name: &str,
    recv: &'a Expression<'a>,
    call: &'a CallExpression<'a>,
) -> Option<(Vec<Test<'a>>, String, Vec<u32>)> {
    let arg = |k: usize| call.arguments.get(k).and_then(Argument::as_expression);
    let fill = match name {
        "repeat" => match recv.without_parentheses() {
            Expression::StringLiteral(s) => s.value.to_string(),
            _ => return None,
        },
        _ => match arg(1).map(Expression::without_parentheses) {
            None => " ".to_string(),
            Some(Expression::StringLiteral(s)) => s.value.to_string(),
            Some(_) => return None,
        },
    };
    if fill.is_empty() || !fill.chars().all(char::is_whitespace) {
        return None;
    }
    let n = arg(0)?;
    if matches!(n.without_parentheses(), Expression::NumericLiteral(_)) {
        return None;
    }
    let mut tests = Vec::new();
    let mut counts = Vec::new();
    if !count_choice(ctx, n, 0, &mut tests, &mut counts) || tests.is_empty() {
        return None;
    }
    counts.sort_unstable();
    counts.dedup();
    (counts.len() >= 2).then_some((tests, fill, counts))
}

/// Is `e` a choice among constant counts? Its leaves must all be small
/// non-negative integer literals, reached through conditionals (their tests
/// are collected), never-reassigned bindings, an element of a constant
/// table or of tables chosen by a conditional (`(c ? [1, 0] : [0, 0])[i]`:
/// the index is a key), or a call of a function of this unit whose every
/// return is such a choice (the call is traced as a key: its returns'
/// conditions reach it). Any arithmetic, parameter or unknown value makes
/// it no choice: layout computed from widths is not a seed by construction.
fn count_choice<'a>(
    ctx: &Ctx<'a>,
    e: &'a Expression<'a>,
    depth: u8,
    tests: &mut Vec<Test<'a>>,
    counts: &mut Vec<u32>,
) -> bool {
    if depth > 4 || tests.len() > 8 || counts.len() > 32 {
        return false;
    }
    match e.without_parentheses() {
        Expression::NumericLiteral(n) => {
            let ok = n.value >= 0.0 && n.value.fract() == 0.0 && n.value <= 64.0;
            if ok {
                counts.push(n.value as u32);
            }
            ok
        }
        Expression::ConditionalExpression(_) | Expression::Identifier(_) => {
            through_choice(ctx, e, depth, tests, counts, count_choice)
        }
        Expression::ComputedMemberExpression(m) => {
            let before = tests.len();
            if !count_table(ctx, &m.object, depth + 1, tests, counts) {
                return false;
            }
            if tests.len() == before {
                // One constant table: the index picks the count.
                tests.push(Test::Key(&m.expression));
            }
            true
        }
        Expression::CallExpression(call) if call.arguments.is_empty() => {
            let Some(f) = local_function(ctx, &call.callee) else {
                return false;
            };
            let returns = f.returns();
            let mut inner = Vec::new();
            if returns.is_empty()
                || !returns
                    .iter()
                    .all(|r| count_choice(ctx, r, depth + 1, &mut inner, counts))
            {
                return false;
            }
            tests.push(Test::Key(e));
            true
        }
        _ => false,
    }
}

type CountFn<'a> = fn(&Ctx<'a>, &'a Expression<'a>, u8, &mut Vec<Test<'a>>, &mut Vec<u32>) -> bool;

/// `c ? x : y` (both sides, the test kept) and a constant binding (its
/// initialiser), each judged by `f`.
fn through_choice<'a>(
    ctx: &Ctx<'a>,
    e: &'a Expression<'a>,
    depth: u8,
    tests: &mut Vec<Test<'a>>,
    counts: &mut Vec<u32>,
    f: CountFn<'a>,
) -> bool {
    match e.without_parentheses() {
        Expression::ConditionalExpression(c) => {
            tests.push(Test::Control(Control::Test(&c.test)));
            f(ctx, &c.consequent, depth + 1, tests, counts)
                && f(ctx, &c.alternate, depth + 1, tests, counts)
        }
        _ => match crate::covert::const_init(ctx, e) {
            Some(init) => f(ctx, init, depth + 1, tests, counts),
            None => false,
        },
    }
}

/// A table of constant counts, or tables of them chosen by conditionals.
fn count_table<'a>(
    ctx: &Ctx<'a>,
    e: &'a Expression<'a>,
    depth: u8,
    tests: &mut Vec<Test<'a>>,
    counts: &mut Vec<u32>,
) -> bool {
    if depth > 4 {
        return false;
    }
    match e.without_parentheses() {
        Expression::ArrayExpression(a) => {
            !a.elements.is_empty()
                && a.elements.iter().all(|x| {
                    x.as_expression()
                        .is_some_and(|x| count_choice(ctx, x, depth + 1, tests, counts))
                })
        }
        Expression::ConditionalExpression(_) | Expression::Identifier(_) => {
            through_choice(ctx, e, depth, tests, counts, count_table)
        }
        _ => false,
    }
}

/// The function a callee names in this unit: a function declaration or a
/// never-reassigned binding of a function expression or arrow.
fn local_function<'a>(ctx: &Ctx<'a>, callee: &'a Expression<'a>) -> Option<FnRef<'a>> {
    let Expression::Identifier(id) = callee.without_parentheses() else {
        return None;
    };
    let scoping = ctx.semantic.scoping();
    let sym = scoping.get_reference(id.reference_id.get()?).symbol_id()?;
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    match ctx.semantic.nodes().kind(scoping.symbol_declaration(sym)) {
        AstKind::Function(f) => Some(FnRef::Function(f)),
        AstKind::VariableDeclarator(d) => d.init.as_ref().and_then(FnRef::from_expr),
        _ => None,
    }
}

fn is_constant(e: &Expression<'_>) -> bool {
    is_constant_literal(e)
        || matches!(e.without_parentheses(), Expression::Identifier(_))
        || matches!(e.without_parentheses(), Expression::UnaryExpression(u) if matches!(u.argument.without_parentheses(), Expression::NumericLiteral(_)))
}

/// `BASE + x`, `BASE | x`, `x ^ BASE`, with BASE a constant (literal or
/// constant binding) and x not: (BASE, x).
fn aimed_arithmetic<'a>(ctx: &Ctx<'a>, e: &'a Expression<'a>) -> Option<(u32, &'a Expression<'a>)> {
    let Expression::BinaryExpression(b) = e.without_parentheses() else {
        return None;
    };
    if !matches!(
        b.operator,
        BinaryOperator::Addition | BinaryOperator::BitwiseOR | BinaryOperator::BitwiseXOR
    ) {
        return None;
    }
    let num = |x: &'a Expression<'a>| numeric_constant(ctx, x, true);
    match (num(&b.left), num(&b.right)) {
        (Some(n), None) => Some((n as u32, &b.right)),
        (None, Some(n)) => Some((n as u32, &b.left)),
        _ => None,
    }
}

/// A number written in the program: a literal, a binding of one, or (with
/// `through_params`) a parameter every call passes the same constant.
fn numeric_constant<'a>(ctx: &Ctx<'a>, x: &'a Expression<'a>, through_params: bool) -> Option<f64> {
    match x.without_parentheses() {
        Expression::NumericLiteral(n) => Some(n.value),
        Expression::Identifier(id) => {
            match crate::covert::const_init(ctx, x).map(Expression::without_parentheses) {
                Some(Expression::NumericLiteral(n)) => Some(n.value),
                Some(_) => None,
                None if through_params => param_constant(ctx, id),
                None => None,
            }
        }
        _ => None,
    }
}

/// `K + M * x` / `K + x * M` / `K | x << S` with constants `K` and `M`
/// (`1 << S`): data scaled onto the character `K + M`. When that character
/// is a carrier (an invisible, an unusual space, a look-alike or a quote
/// mark) while `K` is not, the arithmetic switches an ordinary character to
/// its imperceptible twin by the value of `x`. Returns the carrier reached
/// and `x`.
fn scaled_arithmetic<'a>(
    ctx: &Ctx<'a>,
    e: &'a Expression<'a>,
) -> Option<(char, &'a Expression<'a>)> {
    let Expression::BinaryExpression(b) = e.without_parentheses() else {
        return None;
    };
    if !matches!(
        b.operator,
        BinaryOperator::Addition | BinaryOperator::BitwiseOR
    ) {
        return None;
    }
    let num = |x: &'a Expression<'a>| numeric_constant(ctx, x, false);
    let (k, scaled) = match (num(&b.left), num(&b.right)) {
        (Some(k), None) => (k, &b.right),
        (None, Some(k)) => (k, &b.left),
        _ => return None,
    };
    let Expression::BinaryExpression(m) = scaled.without_parentheses() else {
        return None;
    };
    let (factor, data) = match m.operator {
        BinaryOperator::Multiplication => match (num(&m.left), num(&m.right)) {
            (Some(f), None) => (f, &m.right),
            (None, Some(f)) => (f, &m.left),
            _ => return None,
        },
        BinaryOperator::ShiftLeft => (2f64.powi(num(&m.right)?.clamp(0.0, 20.0) as i32), &m.left),
        _ => return None,
    };
    if !(k >= 0.0 && factor > 0.0 && k + factor <= f64::from(0x0010_FFFF)) {
        return None;
    }
    let base = char::from_u32(k as u32)?;
    let c = char::from_u32((k + factor) as u32)?;
    let carrier = |c: char| {
        !c.is_ascii()
            && (plainsight_text::chars::is_invisible(c)
                || plainsight_text::chars::is_unusual_space(c)
                || quote_like(c)
                || lookalike(c))
    };
    (!carrier(base) && carrier(c)).then_some((c, data))
}

/// A parameter that every direct call of its function passes the same
/// number to (`const tag = makeEncoder(0xE0000)` → `base` in `makeEncoder`).
fn param_constant(ctx: &Ctx<'_>, id: &oxc_ast::ast::IdentifierReference<'_>) -> Option<f64> {
    let scoping = ctx.semantic.scoping();
    let nodes = ctx.semantic.nodes();
    let sym = scoping.get_reference(id.reference_id.get()?).symbol_id()?;
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    let decl = scoping.symbol_declaration(sym);
    let AstKind::FormalParameter(p) = nodes.kind(decl) else {
        return None;
    };
    let (fid, f) = super::enclosing_fn(ctx, decl)?;
    let idx = f.params().items.iter().position(|x| x.span == p.span)?;
    // The function's own name, or the variable it is assigned to.
    let binding = match f {
        FnRef::Function(func) if func.id.is_some() => {
            func.id.as_ref().and_then(|b| b.symbol_id.get())
        }
        _ => match nodes.parent_kind(fid) {
            AstKind::VariableDeclarator(d) => {
                d.id.get_binding_identifier()
                    .and_then(|b| b.symbol_id.get())
            }
            _ => None,
        },
    }?;
    let mut value = None;
    for r in scoping.get_resolved_references(binding) {
        let AstKind::CallExpression(c) = nodes.parent_kind(r.node_id()) else {
            continue;
        };
        if nid(&c.callee) != r.node_id() {
            continue;
        }
        let Some(Expression::NumericLiteral(n)) = c
            .arguments
            .get(idx)
            .and_then(Argument::as_expression)
            .map(Expression::without_parentheses)
        else {
            return None;
        };
        if value.is_some_and(|v| v != n.value) {
            return None;
        }
        value = Some(n.value);
    }
    value
}

/// An object literal whose keys are all single characters (`{ n: "\n", t: "\t" }`): an escape table.
fn is_char_keyed(o: &oxc_ast::ast::ObjectExpression<'_>) -> bool {
    o.properties.iter().all(|p| match p {
        ObjectPropertyKind::ObjectProperty(p) => {
            p.key.static_name().is_some_and(|k| k.chars().count() == 1)
        }
        ObjectPropertyKind::SpreadProperty(_) => false,
    })
}

/// A literal string, template with text, concatenation involving one, or char-code call.
pub(crate) fn is_stringish(e: &Expression<'_>) -> bool {
    match e.without_parentheses() {
        Expression::StringLiteral(_) => true,
        Expression::TemplateLiteral(t) => t.quasis.iter().any(|q| !q.value.raw.is_empty()),
        Expression::BinaryExpression(b) => {
            b.operator == BinaryOperator::Addition
                && (is_stringish(&b.left) || is_stringish(&b.right))
        }
        Expression::CallExpression(c) => {
            crate::covert::from_char_code_callee(&c.callee).is_some()
                || crate::covert::is_join_call(c)
        }
        Expression::SequenceExpression(s) => s.expressions.last().is_some_and(is_stringish),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts of the first `repeat`/`padStart`/`padEnd` seed in `src`.
    fn counts(src: &str) -> Option<Vec<u32>> {
        crate::env::testing::with_ctx(src, |ctx| {
            ctx.semantic.nodes().iter().find_map(|n| match n.kind() {
                AstKind::CallExpression(call) => {
                    let m = call.callee.as_member_expression()?;
                    let name = m.static_property_name()?;
                    whitespace_count(ctx, name, m.object(), call).map(|(_, _, c)| c)
                }
                _ => None,
            })
        })
    }

    #[test]
    fn whitespace_counts_chosen_among_constants() {
        assert_eq!(counts("f(' '.repeat(c ? 2 : 1));"), Some(vec![1, 2]));
        assert_eq!(
            counts("const t = c ? [0, 2] : [0, 0]; f(' '.repeat(t[i]));"),
            Some(vec![0, 2])
        );
        assert_eq!(
            counts("function g() { if (a) return 3; return b ? 2 : 1; } f(' '.repeat(g()));"),
            Some(vec![1, 2, 3])
        );
        assert_eq!(counts("f(s.padEnd(c ? 4 : 8, '\\t'));"), Some(vec![4, 8]));
        // Arithmetic on widths, parameters, text fills, one count: no seed.
        assert_eq!(counts("f(' '.repeat(cols - s.length));"), None);
        assert_eq!(counts("f(' '.repeat(Math.max(1, w)));"), None);
        assert_eq!(counts("f((x) => ' '.repeat(x));"), None);
        assert_eq!(counts("f('ab'.repeat(c ? 2 : 1));"), None);
        assert_eq!(counts("f(' '.repeat(c ? 2 : 2));"), None);
        assert_eq!(counts("f(s.padEnd(c ? 4 : 8, '.'));"), None);
    }

    #[test]
    fn typographic_quotes_are_carriers_hebrew_letters_are_not() {
        assert_eq!(carrier_chars("\u{201C}"), vec!['\u{201C}']);
        assert_eq!(
            carrier_chars("say \u{201C}hi\u{201D} twice"),
            vec!['\u{201C}', '\u{201D}']
        );
        assert_eq!(carrier_chars("it\u{2019}s"), vec!['\u{2019}']);
        // Letters among UTS #39's double-quote look-alikes spell words.
        assert!(carrier_chars("\u{05D0}\u{05F2}\u{05D1} \u{05D2}").is_empty());
        assert!(carrier_chars("plain ascii \"quoted\"").is_empty());
    }
}
