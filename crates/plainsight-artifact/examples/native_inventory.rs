//! Print the strings inventory of a native executable (what
//! `exe::native_findings` reports), with counts per rule and timing — used to
//! check the noise level on real Go/Rust binaries.
//!
//! ```sh
//! cargo run --release -p plainsight-artifact --example native_inventory -- /usr/bin/kubectl
//! ```
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::Instant;

use plainsight_artifact::{OpenOptions, UnitKind, exe, open};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: native_inventory <executable> [--all]");
        std::process::exit(2);
    };
    let all = std::env::args().any(|a| a == "--all");
    let t = Instant::now();
    let art = match open(&path, &OpenOptions::default()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    for n in &art.notices {
        println!("notice: {n}");
    }
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut findings = Vec::new();
    for u in art.units.iter().filter(|u| u.kind == UnitKind::Native) {
        findings.extend(exe::native_findings(u));
    }
    let elapsed = t.elapsed();
    for f in &findings {
        *per_rule.entry(f.rule.code()).or_default() += 1;
    }
    for (i, f) in findings.iter().enumerate() {
        if all || i < 40 {
            println!("{} {}", f.rule.code(), f.message);
            if let Some(d) = &f.decoded {
                println!("      decoded: {d}");
            }
        }
    }
    println!("{per_rule:?} in {:.3} s", elapsed.as_secs_f64());
}
