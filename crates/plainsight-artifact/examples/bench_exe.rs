//! Benchmark: scan an executable that embeds JavaScript, the way `plainsight
//! scan` does — `plainsight_artifact::open` (memory-map, recognise, read the
//! module graph) then `plainsight_js::scan_source` on every JavaScript unit —
//! and time `grep -c "Bun!"` over the same file in the same run as the floor
//! (the cost of merely reading it once).
//!
//! ```sh
//! scripts/build-real-executables.sh /tmp/ps-exe      # downloads bun from npm
//! cargo build --release -p plainsight-artifact --example bench_exe
//! /usr/bin/time -v target/release/examples/bench_exe /tmp/ps-exe/agent-bun-large
//! ```
//!
//! Targets (issue): a 245 MB Bun executable in ≤ 1.5 s, peak RSS ≤ 1 GB.
#![allow(clippy::print_stdout)]

/// Same global allocator as the `plainsight` binary, so the figures match the CLI.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::Command;
use std::time::Instant;

use plainsight_artifact::{OpenOptions, UnitKind, open};
use plainsight_js::{ScanOptions, scan_source};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bench_exe <executable>");
        std::process::exit(2);
    };
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());

    let t = Instant::now();
    let grep = Command::new("grep").args(["-c", "Bun!", &path]).output();
    let grep_time = t.elapsed();

    let t0 = Instant::now();
    let art = match open(&path, &OpenOptions::default()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let t_open = t0.elapsed();
    let js: Vec<_> = art
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::JavaScript)
        .collect();
    let js_bytes: usize = js.iter().map(|u| u.data.len()).sum();

    let t1 = Instant::now();
    let (mut findings, mut errors) = (0, 0);
    for u in &js {
        let Ok(src) = std::str::from_utf8(u.data.bytes()) else {
            continue;
        };
        let out = scan_source(&u.path, &u.chain, src, &ScanOptions::default());
        findings += out.findings.len();
        errors += out.problems().len();
    }
    let t_scan = t1.elapsed();
    let total = t0.elapsed();

    println!("file           {path} ({:.1} MB)", size as f64 / 1e6);
    for n in &art.notices {
        println!("notice         {n}");
    }
    println!(
        "units          {} ({} JavaScript, {:.2} MB of JS)",
        art.units.len(),
        js.len(),
        js_bytes as f64 / 1e6
    );
    println!("open+extract   {:.3} s", t_open.as_secs_f64());
    println!(
        "JS scan        {:.3} s ({findings} findings, {errors} file errors)",
        t_scan.as_secs_f64()
    );
    println!("total          {:.3} s", total.as_secs_f64());
    match grep {
        Ok(o) => println!(
            "floor grep -c  {:.3} s (count {})",
            grep_time.as_secs_f64(),
            String::from_utf8_lossy(&o.stdout).trim()
        ),
        Err(e) => println!("floor grep -c  unavailable: {e}"),
    }
}
