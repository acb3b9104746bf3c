//! Issue 8: no input may abort the process. A million-deep chain of any kind
//! is reported "too deep" (not analysed) without parsing; a chain just below
//! the limit is parsed and analysed on the analysis stack; mixed chains
//! never crash and never exceed the depth bound the stack is sized for.

#[path = "deep/chains.rs"]
mod chains;

use oxc_ast_visit::Visit;
use plainsight_core::{AnalysisStatus, IncompleteKind};
use plainsight_js::{ScanOptions, scan_source};

#[test]
fn a_million_deep_chain_of_any_kind_is_too_deep_not_an_abort() {
    for kind in chains::KINDS {
        let (src, name) = chains::chain(kind, 1_000_000);
        let t = std::time::Instant::now();
        let out = scan_source(name, &[], &src, &ScanOptions::default());
        let unit = &out.units[0];
        assert_eq!(unit.status, AnalysisStatus::NotAnalysed, "{kind}: {unit:?}");
        assert_eq!(unit.reasons[0].kind, IncompleteKind::TooDeep, "{kind}");
        assert!(
            unit.reasons[0].message.contains("nesting deeper than 6000"),
            "{kind}: {}",
            unit.reasons[0].message
        );
        assert!(t.elapsed().as_secs() < 30, "{kind}: {:?}", t.elapsed());
    }
}

#[test]
fn chains_below_the_limit_are_analysed() {
    // 1,000 levels of each kind: within the default limit (6,000) even for
    // kinds that count up to four per level (`function f(){`), deeper than
    // real code needs (Claude Code's 13 MB cli.js bounds at 1,138 in all).
    for kind in chains::KINDS {
        let (src, name) = chains::chain(kind, 1_000);
        let out = scan_source(name, &[], &src, &ScanOptions::default());
        let unit = &out.units[0];
        assert!(
            unit.reasons
                .iter()
                .all(|r| !matches!(r.kind, IncompleteKind::TooDeep | IncompleteKind::Crash)),
            "{kind}: {unit:?}"
        );
        assert_ne!(unit.status, AnalysisStatus::NotAnalysed, "{kind}: {unit:?}");
    }
}

/// Depth of oxc's syntax tree, counted by its own visitor.
struct Depth {
    now: usize,
    max: usize,
}

impl<'a> Visit<'a> for Depth {
    fn enter_node(&mut self, _: oxc_ast::AstKind<'a>) {
        self.now += 1;
        self.max = self.max.max(self.now);
    }
    fn leave_node(&mut self, _: oxc_ast::AstKind<'a>) {
        self.now -= 1;
    }
}

fn tree_depth(src: &str) -> usize {
    let src = src.to_string();
    std::thread::Builder::new()
        .stack_size(2 << 30)
        .spawn(move || {
            let alloc = oxc_allocator::Allocator::default();
            let ret = oxc_parser::Parser::new(&alloc, &src, oxc_span::SourceType::cjs()).parse();
            let mut d = Depth { now: 0, max: 0 };
            d.visit_program(&ret.program);
            d.max
        })
        .unwrap()
        .join()
        .unwrap()
}

/// The same inputs as the `js_deep` fuzz target, from a fixed generator.
#[test]
fn mixed_chains_never_crash_and_stay_within_the_bound() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let opts = ScanOptions::default();
    for round in 0..60 {
        let len = 2 + (next() % 24) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let max_run = if round % 3 == 0 { 4000 } else { 400 };
        let src = chains::mixed(&data, max_run);
        let out = scan_source("mixed.js", &[], &src, &opts);
        let unit = &out.units[0];
        assert!(
            unit.reasons.iter().all(|r| r.kind != IncompleteKind::Crash),
            "{data:?}: {unit:?}"
        );
        // The bound the stack is sized for covers the real tree: every node
        // owns a token, up to a small constant factor (AST wrappers).
        let bound = plainsight_js::depth::bound(&src, plainsight_js::depth::Dialect::default());
        let real = tree_depth(&src);
        assert!(
            real <= 3 * bound as usize + 16,
            "{data:?}: tree {real} > 3 × bound {bound}"
        );
    }
}
