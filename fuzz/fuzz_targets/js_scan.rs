//! The JavaScript front end on arbitrary UTF-8: depth precheck, oxc parse with
//! recovery, semantic model, and every analyzer (covert slicing, evaluator,
//! env, egress). It must never panic or overflow the stack; small limits keep
//! each run fast.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plainsight_js::{ScanOptions, scan_source};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let opts = ScanOptions { max_depth: 500, eval_steps: 20_000, eval_max_output: 1 << 16, ..ScanOptions::default() };
    let out = scan_source("fuzz.js", &[], src, &opts);
    assert_eq!(out.files, 1);
    for f in &out.findings {
        assert!(f.location.start.offset <= src.len() as u64);
    }
});
