//! Throughput of the document front end: how fast a large LLM request body is
//! scanned into segments with offset maps, and the whole `inspect` on it.
//!
//! `cargo bench -p plainsight-inspect --bench scan`

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use plainsight_inspect::json::{ScanOptions, scan_all};
use plainsight_inspect::{InspectOptions, document, inspect};

/// An Anthropic-style body of about `target` bytes: long messages with the
/// escapes real bodies have (newlines, quotes, `\u2019`, raw UTF-8).
fn body(target: usize) -> String {
    let mut s = String::from(
        r#"{"model":"m","max_tokens":1024,"system":[{"type":"text","text":"You are a coding agent.\nToday\u2019s date is 2026-11-21."}],"messages":["#,
    );
    let mut i = 0;
    while s.len() < target {
        if i > 0 {
            s.push(',');
        }
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        let _ = write!(
            s,
            r#"{{"role":"{role}","content":[{{"type":"text","text":"Step {i}: read \"src/main.rs\" and fix the bug.\nIt's in the parser — see line {i}. {}"}}]}}"#,
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(8)
        );
        i += 1;
    }
    s.push_str("]}");
    s
}

fn bench(c: &mut Criterion) {
    let doc = body(8 << 20);
    let mut g = c.benchmark_group("inspect-front-end");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.sample_size(10);
    g.bench_function("json::scan_all 8MiB body", |b| {
        b.iter(|| {
            scan_all(black_box(doc.as_bytes()), 0, &ScanOptions::default())
                .unwrap()
                .len()
        });
    });
    g.bench_function("document::load 8MiB body", |b| {
        b.iter(|| {
            document::load(
                "body.json",
                black_box(doc.as_bytes()),
                &InspectOptions::default(),
            )
            .unwrap()
            .segments
            .len()
        });
    });
    g.bench_function("inspect 8MiB body (with text engine)", |b| {
        b.iter(|| {
            inspect(
                "body.json",
                black_box(doc.as_bytes()),
                &InspectOptions::default(),
            )
            .unwrap()
            .len()
        });
    });
    g.finish();

    // Many findings on one long line: excerpts and columns must not rescan it.
    let mut dense = String::from("{\"system\": \"");
    while dense.len() < 2 << 20 {
        dense.push_str(&"word ".repeat(40));
        dense.push_str("\\u200b");
    }
    dense.push_str("\", \"messages\": []}");
    let mut g = c.benchmark_group("inspect-dense-findings");
    g.throughput(Throughput::Bytes(dense.len() as u64));
    g.sample_size(10);
    g.bench_function("inspect 2MiB line, 10k findings", |b| {
        b.iter(|| {
            inspect(
                "dense.json",
                black_box(dense.as_bytes()),
                &InspectOptions::default(),
            )
            .unwrap()
            .len()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
