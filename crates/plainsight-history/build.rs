//! `PLAINSIGHT_BUILD`: a digest of the sources that decide what a scan of a
//! version finds (the analyzers, the artifact layer, the findings model,
//! this crate's stored layout, the locked dependencies), committed and
//! uncommitted, so `history`'s result cache is keyed by the analysis build
//! (see `tool_version`). Changes elsewhere (renderers, the CLI, other
//! commands) keep the cache valid. Outside a git checkout (a published
//! crate) it is empty and the package version alone is the key.

use std::process::Command;

/// What a stored result depends on, relative to the workspace root.
const ANALYSIS: &[&str] = &[
    "crates/plainsight-js",
    "crates/plainsight-text",
    "crates/plainsight-artifact/src",
    "crates/plainsight-core/src/finding.rs",
    "crates/plainsight-core/src/codes.rs",
    "crates/plainsight-core/src/chars.rs",
    "crates/plainsight-history/src/model.rs",
    "crates/plainsight-history/src/pipeline.rs",
    "Cargo.lock",
];

fn git(args: &[&str]) -> Option<Vec<u8>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// FNV-1a: enough to tell two source trees apart, and no dependency.
fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn main() {
    let mut build = String::new();
    let mut args = vec!["ls-tree", "-r", "HEAD", "--"];
    args.extend(ANALYSIS);
    if let Some(tree) = git(&args) {
        let mut h = fnv(0xcbf2_9ce4_8422_2325, &tree);
        let mut diff = vec!["diff", "HEAD", "--"];
        diff.extend(ANALYSIS);
        if let Some(d) = git(&diff) {
            h = fnv(h, &d);
        }
        build = format!("a{:012x}", h & 0xffff_ffff_ffff);
        for p in ["HEAD", "index"] {
            if let Some(path) = git(&["rev-parse", "--git-path", p]) {
                let path = String::from_utf8_lossy(&path).trim().to_string();
                let path = if std::path::Path::new(&path).is_absolute() {
                    path
                } else {
                    format!("../../{path}")
                };
                println!("cargo:rerun-if-changed={path}");
            }
        }
        for p in ANALYSIS {
            println!("cargo:rerun-if-changed=../../{p}");
        }
    }
    println!("cargo:rustc-env=PLAINSIGHT_BUILD={build}");
}
