//! `PLAINSIGHT_BUILD`: the git commit this crate is built from, plus a digest
//! of uncommitted changes to tracked files, so `history`'s result cache is
//! keyed by the exact analyzer build (see `tool_version`). Outside a git
//! checkout (a published crate) it is empty and the package version alone is
//! the key.

use std::process::Command;

fn git(args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// FNV-1a: enough to tell two working trees apart, and no dependency.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn main() {
    let mut build = String::new();
    if let Some(head) = git(&["rev-parse", "--short=12", "HEAD"]) {
        build.push('g');
        build.push_str(String::from_utf8_lossy(&head).trim());
        // Every source of the workspace decides what a scan finds.
        if let Some(diff) = git(&["diff", "HEAD", "--", "../../crates", "../../Cargo.lock"])
            && !diff.is_empty()
        {
            build.push_str(&format!(".dirty{:08x}", fnv(&diff) as u32));
        }
        for p in ["HEAD", "index"] {
            if let Some(path) = git(&["rev-parse", "--git-path", p]) {
                let path = String::from_utf8_lossy(&path).trim().to_string();
                println!("cargo:rerun-if-changed={path}");
            }
        }
        println!("cargo:rerun-if-changed=../../crates");
    }
    println!("cargo:rustc-env=PLAINSIGHT_BUILD={build}");
}
