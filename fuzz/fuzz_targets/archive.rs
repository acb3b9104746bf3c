//! The archive readers (gzip, tar, zip, nesting, `package.json` bins) on
//! arbitrary bytes with small limits: errors are fine, panics are not, and
//! nothing returned may exceed the limits it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plainsight_artifact::{Data, Limits, OpenOptions, UnitKind, open_bytes};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_total_uncompressed: 1 << 20,
        max_entries: 64,
        max_ratio: 50,
        max_file_size: 256 << 10,
    };
    let opts = OpenOptions {
        limits: limits.clone(),
        ..OpenOptions::default()
    };
    let Ok(artifact) = open_bytes("fuzz.tgz", Data::from_vec(data.to_vec()), &opts) else {
        return;
    };
    let mut total = 0u64;
    for u in &artifact.units {
        if u.kind == UnitKind::JavaScript {
            assert!(
                std::str::from_utf8(u.data.bytes()).is_ok(),
                "JS units are UTF-8"
            );
        }
        if !u.chain.is_empty() {
            // Came out of an archive: bounded by the limits.
            assert!(u.data.len() as u64 <= 3 * limits.max_file_size);
            total += u.data.len() as u64;
        }
    }
    // Lossy UTF-8 repair can grow a unit (1 byte → 3), nothing else can.
    assert!(total <= 3 * limits.max_total_uncompressed);
});
