//! `cargo bench -p plainsight-js --bench scan` — scan time of a generated
//! ~13 MB minified bundle against oxc's own parse time on the same input:
//! (a) parse only, (b) parse + semantic, (c) the full `scan_source`.
//! Targets: (c) ≤ 0.5 s and ≤ 3× (a). For a one-shot printout of the three
//! timings and the ratio use
//! `cargo run --release -p plainsight-js --example gen_bundle -- 13 --time`
//! (or `-- --time --file bundle.js` for a real bundle).
//!
//! Figures (2-core machine, load ≈ 2; this bench, 2026-11-21, after
//! mimalloc, the shared node pass and the two-thread split):
//! - generated 13 MB: parse 110.7 ms, parse+semantic 249 ms, full scan
//!   307 ms (full/parse 2.78).
//! - `gen_bundle -- 13 --time` (3 rounds, same process): parse 0.12–0.17 s,
//!   full 0.31–0.40 s (full/parse 2.1–3.3; the parse baseline reuses warm
//!   memory, the scan runs on fresh threads).
//! - Release CLI, interleaved runs of the previous and the current binary
//!   (median of 10): generated 13 MB 0.53 → 0.35 s, Claude Code 1.0.100
//!   `cli.js` (9.2 MB) 0.60 → 0.40 s; peak RSS 329 / 304 MB.
//! - Before (same machine, glibc malloc, four node passes): full 0.62–0.84 s.
//!
//! Semantic analysis alone costs about one parse, so the ≤ 3× target leaves
//! about one parse for all analyzers together.

mod bundle_gen;

/// Same global allocator as the `plainsight` binary, so the figures match the CLI.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use oxc_allocator::Allocator;
use oxc_span::SourceType;
use plainsight_js::{ScanOptions, scan_source};

fn bench(c: &mut Criterion) {
    let mb: f64 = std::env::var("PLAINSIGHT_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(13.0);
    let src = bundle_gen::bundle((mb * 1_000_000.0) as usize);
    let mut g = c.benchmark_group(format!("bundle_{mb}MB"));
    g.sample_size(10);
    g.bench_function("a_parse", |b| {
        b.iter(|| {
            let alloc = Allocator::default();
            let ret =
                oxc_parser::Parser::new(&alloc, black_box(&src), SourceType::unambiguous()).parse();
            black_box(ret.program.body.len())
        });
    });
    g.bench_function("b_parse_semantic", |b| {
        b.iter(|| {
            let alloc = Allocator::default();
            let ret =
                oxc_parser::Parser::new(&alloc, black_box(&src), SourceType::unambiguous()).parse();
            let sem = oxc_semantic::SemanticBuilder::new()
                .with_build_nodes(true)
                .build(&ret.program);
            black_box(sem.semantic.nodes().len())
        });
    });
    let opts = ScanOptions::default();
    g.bench_function("c_full_scan", |b| {
        b.iter(|| {
            let out = scan_source("bundle.js", &[], black_box(&src), &opts);
            assert!(
                out.findings.iter().any(|f| f.rule.code() == "PS101"),
                "planted channel not found"
            );
            black_box(out.findings.len())
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
