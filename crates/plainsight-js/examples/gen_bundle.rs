//! Writes the benchmark bundle to a file, e.g. for measuring the release CLI:
//! `cargo run --release -p plainsight-js --example gen_bundle -- /tmp/bundle.js 13`
//! (size in MB; default 13). With `--time`, also scans it once and prints
//! parse / parse+semantic / full-scan timings and the full/parse ratio.
#![allow(clippy::print_stdout)]

/// Same global allocator as the `plainsight` binary, so the figures match the CLI.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/bundle_gen.rs"]
mod bundle_gen;

use std::time::Instant;

type Analyzer = fn(&plainsight_js::context::Ctx<'_>, &mut Vec<plainsight_core::Finding>);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .iter()
        .find(|a| !a.starts_with("--") && a.parse::<f64>().is_err())
        .cloned();
    let mb: f64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(13.0);
    // `--file PATH`: time an existing bundle (e.g. a real agent's) instead of a generated one.
    let existing = args
        .iter()
        .position(|a| a == "--file")
        .and_then(|i| args.get(i + 1));
    if let Some(f) = existing {
        let src = std::fs::read_to_string(f).expect("read --file");
        time(&src);
        return;
    }
    let src = bundle_gen::bundle((mb * 1_000_000.0) as usize);
    if let Some(p) = &path {
        std::fs::write(p, &src).expect("write bundle");
        println!("wrote {} bytes to {p}", src.len());
    }
    if args.iter().any(|a| a == "--time") {
        time(&src);
    }
}

fn time(src: &str) {
    {
        let opts = plainsight_js::ScanOptions::default();
        for round in 0..3 {
            let t = Instant::now();
            let alloc = oxc_allocator::Allocator::default();
            let ret =
                oxc_parser::Parser::new(&alloc, src, oxc_span::SourceType::unambiguous()).parse();
            let parse = t.elapsed();
            let sem = plainsight_js::build_semantic(&ret.program);
            let parse_sem = t.elapsed();
            drop(sem);
            drop(ret);
            drop(alloc);
            let t = Instant::now();
            let out = plainsight_js::scan_source("bundle.js", &[], src, &opts);
            let full = t.elapsed();
            // Per-analyzer breakdown on one shared parse (same steps as the driver).
            let alloc = oxc_allocator::Allocator::default();
            let ret =
                oxc_parser::Parser::new(&alloc, src, oxc_span::SourceType::unambiguous()).parse();
            let sem = plainsight_js::build_semantic(&ret.program);
            let t = Instant::now();
            let st = oxc_semantic::Stats::count(&ret.program);
            println!(
                "  stats pass {:.3}s: nodes {} scopes {} symbols {} references {} (source {} bytes)",
                t.elapsed().as_secs_f64(),
                st.nodes,
                st.scopes,
                st.symbols,
                st.references,
                src.len()
            );
            let t = Instant::now();
            let lines = plainsight_js::context::LineIndex::new(src);
            let mut phases = vec![("lines", t.elapsed())];
            let ctx = plainsight_js::context::Ctx::new(
                "bundle.js",
                &[],
                src,
                &ret.program,
                &sem.semantic,
                &lines,
                &opts,
            );
            let mut sink = Vec::new();

            let analyzers: [(&str, Analyzer); 4] = [
                ("covert", plainsight_js::covert::analyze),
                ("env", plainsight_js::env::analyze),
                ("hidden", plainsight_js::hidden::analyze),
                ("egress", plainsight_js::egress::analyze),
            ];
            for (name, f) in analyzers {
                let t = Instant::now();
                f(&ctx, &mut sink);
                phases.push((name, t.elapsed()));
            }
            let phases: Vec<String> = phases
                .iter()
                .map(|(n, d)| format!("{n} {:.3}s", d.as_secs_f64()))
                .collect();
            println!("  analyzers: {}", phases.join(", "));
            let ps1 = out
                .findings
                .iter()
                .filter(|f| f.rule.code().starts_with("PS1"))
                .count();
            println!(
                "round {round}: {:.1} MB parse {:.3}s  parse+semantic {:.3}s  full scan {:.3}s  full/parse {:.2}  findings {} (PS1xx {ps1}) errors {}",
                src.len() as f64 / 1e6,
                parse.as_secs_f64(),
                parse_sem.as_secs_f64(),
                full.as_secs_f64(),
                full.as_secs_f64() / parse.as_secs_f64(),
                out.findings.len(),
                out.problems().len()
            );
        }
    }
}
