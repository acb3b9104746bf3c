//! Prints oxc's parse time of a file in milliseconds (the baseline issue
//! 14's target is stated against: a scan within 3× of it), one line, so
//! `scripts/bench-scan-cli.sh` can measure it in the same run as the scans.
//!
//!   cargo run --release -p plainsight-js --example parse_time -- FILE
#![allow(clippy::print_stdout)]

/// Same global allocator as the `plainsight` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let Some(p) = std::env::args().nth(1) else {
        eprintln!("usage: parse_time FILE");
        std::process::exit(2);
    };
    let src = match std::fs::read_to_string(&p) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("parse_time: {p}: {e}");
            std::process::exit(2);
        }
    };
    let t = std::time::Instant::now();
    let alloc = oxc_allocator::Allocator::default();
    let ret = oxc_parser::Parser::new(&alloc, &src, oxc_span::SourceType::unambiguous()).parse();
    let ms = t.elapsed().as_millis();
    std::hint::black_box(ret.program.body.len());
    println!("{ms}");
}
