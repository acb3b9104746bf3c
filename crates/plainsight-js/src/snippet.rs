//! Readable evidence from minified code: the function (or statement) around a
//! node, pretty-printed with oxc_codegen instead of a slice of a 13 MB line.
//!
//! We pick the outermost enclosing function or statement whose source is still
//! small (`MAX_SOURCE` bytes) up to the first enclosing function, print only
//! that node, and clip the result to `MAX_LINES`. Printing happens only for
//! findings, so its cost does not matter for scan time.

use oxc_ast::AstKind;
use oxc_codegen::{Codegen, CodegenOptions, CommentOptions, Context, Gen, GenExpr};
use oxc_semantic::NodeId;
use oxc_span::{GetSpan, Span};
use oxc_syntax::precedence::Precedence;

use crate::context::Ctx;

/// Largest source span pretty-printed as one excerpt.
const MAX_SOURCE: u32 = 6000;
/// Longest printed excerpt, in lines.
const MAX_LINES: usize = 60;

/// The span of the node printed for `node`, and its printed text.
pub fn around(ctx: &Ctx<'_>, node: NodeId) -> (Span, String) {
    let nodes = ctx.semantic.nodes();
    let mut best: Option<AstKind<'_>> = None;
    for id in std::iter::once(node).chain(nodes.ancestor_ids(node)) {
        let k = nodes.kind(id);
        if k.span().size() > MAX_SOURCE {
            break;
        }
        let is_fn = matches!(
            k,
            AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
        );
        if printable(k) {
            best = Some(k);
        }
        // Stop at the first function that is a declaration or a method: it names the code.
        if is_fn && !matches!(nodes.parent_kind(id), AstKind::CallExpression(_)) {
            break;
        }
    }
    if let Some(text) = best.and_then(print) {
        (best.map_or(Span::default(), |k| k.span()), clip(&text))
    } else {
        let span = nodes.kind(node).span();
        (span, clip(&source_window(ctx, span)))
    }
}

fn printable(k: AstKind<'_>) -> bool {
    matches!(
        k,
        AstKind::Function(_)
            | AstKind::ArrowFunctionExpression(_)
            | AstKind::VariableDeclaration(_)
            | AstKind::ExpressionStatement(_)
            | AstKind::ReturnStatement(_)
            | AstKind::IfStatement(_)
            | AstKind::SwitchStatement(_)
    )
}

fn print(k: AstKind<'_>) -> Option<String> {
    let mut p = Codegen::new().with_options(CodegenOptions {
        comments: CommentOptions::disabled(),
        ..CodegenOptions::default()
    });
    let c = Context::default();
    match k {
        AstKind::Function(f) => f.print(&mut p, c),
        AstKind::ArrowFunctionExpression(f) => f.gen_expr(&mut p, Precedence::Lowest, c),
        AstKind::VariableDeclaration(s) => s.print(&mut p, c),
        AstKind::ExpressionStatement(s) => s.print(&mut p, c),
        AstKind::ReturnStatement(s) => s.print(&mut p, c),
        AstKind::IfStatement(s) => s.print(&mut p, c),
        AstKind::SwitchStatement(s) => s.print(&mut p, c),
        _ => return None,
    }
    Some(p.into_source_text())
}

fn clip(text: &str) -> String {
    let text = text.trim_end();
    let n = text.lines().count();
    if n <= MAX_LINES {
        return text.to_string();
    }
    let mut out: String = text.lines().take(MAX_LINES).collect::<Vec<_>>().join("\n");
    out.push_str("\n// … ");
    out.push_str(&(n - MAX_LINES).to_string());
    out.push_str(" more lines");
    out
}

/// Raw source around a span, when nothing printable is small enough.
fn source_window(ctx: &Ctx<'_>, span: Span) -> String {
    let s = ctx.source;
    let mut a = (span.start as usize).saturating_sub(200);
    let mut b = (span.end as usize + 200).min(s.len()).max(a);
    while !s.is_char_boundary(a) {
        a -= 1;
    }
    while !s.is_char_boundary(b) {
        b += 1;
    }
    let mut out = String::new();
    if a > 0 {
        out.push('…');
    }
    out.push_str(&s[a..b]);
    if b < s.len() {
        out.push('…');
    }
    out
}
