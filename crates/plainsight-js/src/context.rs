//! What every JavaScript analyzer gets: the parsed program, its semantic model,
//! the source, and a way to turn oxc spans into plainsight locations.
//!
//! Analyzers are functions `fn analyze(ctx: &Ctx<'_>, out: &mut Vec<Finding>)`;
//! they never print and never touch the file system.

use oxc_ast::ast::Program;
use oxc_semantic::{ReferenceId, Semantic, SymbolFlags, SymbolId};
use oxc_span::Span;
use plainsight_core::{Location, Position};

use crate::ScanOptions;

/// Everything an analyzer may look at for one JavaScript source.
pub struct Ctx<'a> {
    /// How locations name this source (file path or module name inside a container).
    pub path: &'a str,
    /// Containers the source came from, outermost first.
    pub chain: &'a [String],
    pub source: &'a str,
    pub program: &'a Program<'a>,
    pub semantic: &'a Semantic<'a>,
    pub lines: &'a LineIndex,
    pub opts: &'a ScanOptions,
    /// One bit per symbol: written after its declaration (see [`Ctx::symbol_is_mutated`]).
    mutated: Vec<u64>,
    /// Constants and calls the covert analyzer's renderer has evaluated in
    /// this unit (see [`crate::eval::EvalCache`]).
    pub(crate) eval_cache: std::sync::Mutex<crate::eval::EvalCache>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        path: &'a str,
        chain: &'a [String],
        source: &'a str,
        program: &'a Program<'a>,
        semantic: &'a Semantic<'a>,
        lines: &'a LineIndex,
        opts: &'a ScanOptions,
    ) -> Ctx<'a> {
        let scoping = semantic.scoping();
        let mut mutated = vec![0u64; scoping.symbols_len().div_ceil(64)];
        for i in 0..scoping.references_len() {
            let r = scoping.get_reference(ReferenceId::from_usize(i));
            if r.is_write()
                && let Some(sym) = r.symbol_id()
                && let Some(word) = mutated.get_mut(sym.index() / 64)
            {
                *word |= 1 << (sym.index() % 64);
            }
        }
        Ctx {
            path,
            chain,
            source,
            program,
            semantic,
            lines,
            opts,
            mutated,
            eval_cache: std::sync::Mutex::default(),
        }
    }

    /// oxc's `Scoping::symbol_is_mutated` (not `const`, and some resolved
    /// reference writes it) in constant time. oxc walks the symbol's every
    /// reference per call, which on a minified bundle's module-level names
    /// (thousands of uses, asked about at every use) was 4% of a scan; here
    /// all references are walked once, when the context is made.
    pub fn symbol_is_mutated(&self, sym: SymbolId) -> bool {
        !self
            .semantic
            .scoping()
            .symbol_flags(sym)
            .contains(SymbolFlags::ConstVariable)
            && self
                .mutated
                .get(sym.index() / 64)
                .is_some_and(|w| w & (1 << (sym.index() % 64)) != 0)
    }
}

impl Ctx<'_> {
    /// The plainsight location of an oxc span.
    pub fn location(&self, span: Span) -> Location {
        Location {
            chain: self.chain.to_vec(),
            path: self.path.to_string(),
            start: self.lines.position(self.source, span.start),
            end: self.lines.position(self.source, span.end),
            json_pointer: None,
            part: None,
        }
    }

    /// `chain › path:line:column` of a span's start, for messages.
    pub fn place(&self, span: Span) -> String {
        let p = self.lines.position(self.source, span.start);
        let mut s = String::new();
        for c in self.chain {
            s.push_str(c);
            s.push_str(" › ");
        }
        s.push_str(self.path);
        let _ = std::fmt::Write::write_fmt(&mut s, format_args!(":{}:{}", p.line, p.column));
        s
    }

    /// Source text of a span (empty if the span is out of range).
    pub fn text(&self, span: Span) -> &str {
        self.source
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// Byte offset → line:column for large files, including 10+ MB single-line
/// bundles. Besides line starts it keeps a checkpoint every `STRIDE` bytes with
/// the character column there, so a column costs at most `STRIDE` bytes of
/// counting however long the line is.
#[derive(Debug, Default)]
pub struct LineIndex {
    /// (byte offset, 1-based line, 0-based char column) at every line start and every STRIDE bytes.
    checkpoints: Vec<(u32, u32, u32)>,
}

const STRIDE: usize = 4096;

impl LineIndex {
    pub fn new(source: &str) -> LineIndex {
        let bytes = source.as_bytes();
        let mut checkpoints = Vec::with_capacity(bytes.len() / STRIDE + 16);
        let mut line = 1u32;
        let mut line_start = 0usize;
        checkpoints.push((0, 1, 0));
        let add_strides = |from: usize, to: usize, line: u32, cps: &mut Vec<(u32, u32, u32)>| {
            // Checkpoints inside the line [from, to): one every STRIDE bytes, on char boundaries.
            let mut col = 0u32;
            let mut prev = from;
            let mut at = from + STRIDE;
            while at < to {
                while !source.is_char_boundary(at) {
                    at += 1;
                }
                col += count_chars(&bytes[prev..at]);
                cps.push((at as u32, line, col));
                prev = at;
                at += STRIDE;
            }
        };
        for nl in memchr::memchr_iter(b'\n', bytes) {
            add_strides(line_start, nl, line, &mut checkpoints);
            line += 1;
            line_start = nl + 1;
            checkpoints.push((line_start as u32, line, 0));
        }
        add_strides(line_start, bytes.len(), line, &mut checkpoints);
        LineIndex { checkpoints }
    }

    /// Position of byte `offset` (clamped to the source length).
    pub fn position(&self, source: &str, offset: u32) -> Position {
        let offset = offset.min(source.len() as u32);
        let i = match self.checkpoints.binary_search_by_key(&offset, |c| c.0) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (at, line, col) = self.checkpoints.get(i).copied().unwrap_or((0, 1, 0));
        let end = offset as usize;
        let start = (at as usize).min(end);
        let col = col + count_chars(source.as_bytes().get(start..end).unwrap_or(&[]));
        Position {
            offset: u64::from(offset),
            line,
            column: col + 1,
        }
    }
}

/// Unicode scalar values in a UTF-8 byte slice (bytes that are not continuation bytes).
fn count_chars(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32
}

#[cfg(test)]
mod tests {

    #[test]
    fn symbol_is_mutated_agrees_with_oxc() {
        let src = "var a = 1; a = 2; let b = 3; const c = 4; var d; d++; \
                   function f(p, q) { p = 1; return q; } let [e, g] = [1, 2]; g += 1; \
                   for (var i in {}) {} ({ h: b } = {}); class K {} K = null;";
        crate::env::testing::with_ctx(src, |ctx| {
            let scoping = ctx.semantic.scoping();
            let mut mutated = 0;
            for sym in scoping.symbol_ids() {
                assert_eq!(
                    ctx.symbol_is_mutated(sym),
                    scoping.symbol_is_mutated(sym),
                    "{}",
                    scoping.symbol_name(sym)
                );
                mutated += usize::from(ctx.symbol_is_mutated(sym));
            }
            assert!(mutated >= 6, "{mutated}");
        });
    }
    use super::*;

    #[test]
    fn positions_on_short_and_long_lines() {
        let src = "ab\n’x\ny";
        let li = LineIndex::new(src);
        assert_eq!(
            li.position(src, 0),
            Position {
                offset: 0,
                line: 1,
                column: 1
            }
        );
        assert_eq!(
            li.position(src, 3),
            Position {
                offset: 3,
                line: 2,
                column: 1
            }
        );
        // after the 3-byte ’ comes x at column 2
        assert_eq!(
            li.position(src, 6),
            Position {
                offset: 6,
                line: 2,
                column: 2
            }
        );
        assert_eq!(
            li.position(src, 8),
            Position {
                offset: 8,
                line: 3,
                column: 1
            }
        );

        let long = format!("{}é{}", "a".repeat(10_000), "b".repeat(10_000));
        let li = LineIndex::new(&long);
        // the first b is byte 10_002, char column 10_002 (1-based)
        assert_eq!(li.position(&long, 10_002).column, 10_002);
        assert_eq!(li.position(&long, 15_000).column, 15_000);
    }
}
