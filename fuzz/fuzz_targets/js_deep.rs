//! Deep syntax for the JavaScript front end: the input bytes choose a mix of
//! right- and left-nested chains (assignments, ternaries, arrows, unary and
//! binary operators, calls, members, brackets, templates, statements, and a
//! regex-or-division trap) and their lengths, up to tens of thousands of
//! levels. `scan_source` must never abort (stack overflow) or report a crash,
//! and a file over the depth limit must come back "too deep". The generator
//! is shared with the stable test `crates/plainsight-js/tests/deep_chains.rs`.
#![no_main]

#[path = "../../crates/plainsight-js/tests/deep/chains.rs"]
mod chains;

use libfuzzer_sys::fuzz_target;
use plainsight_core::{AnalysisStatus, IncompleteKind};
use plainsight_js::{ScanOptions, scan_source};

fuzz_target!(|data: &[u8]| {
    let Some((&run, data)) = data.split_first() else { return };
    let max_run = 16 + usize::from(run) * 64;
    let src = chains::mixed(data, max_run);
    let opts = ScanOptions { eval_steps: 20_000, ..ScanOptions::default() };
    let out = scan_source("deep.js", &[], &src, &opts);
    let unit = &out.units[0];
    assert!(unit.reasons.iter().all(|r| r.kind != IncompleteKind::Crash), "{unit:?}");
    let bound = plainsight_js::depth::bound(&src, plainsight_js::depth::Dialect::default());
    if bound > opts.max_depth {
        assert_eq!(unit.status, AnalysisStatus::NotAnalysed);
    }
});
