//! The Node SEA blob reader on arbitrary bytes: errors are fine, panics are
//! not, and the main script and every asset must lie inside the blob.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plainsight_artifact::exe::sea;

fuzz_target!(|data: &[u8]| {
    // Half the inputs get a valid magic so the parser gets past it.
    let owned: Vec<u8>;
    let blob = if data.first().is_some_and(|b| b & 1 == 1) {
        owned = [&sea::MAGIC.to_le_bytes()[..], &data[1..]].concat();
        &owned[..]
    } else {
        data
    };
    if let Ok(b) = sea::parse_blob(blob) {
        assert!(b.main.start <= b.main.end && b.main.end <= blob.len());
        for (_, r) in &b.assets {
            assert!(r.start <= r.end && r.end <= blob.len());
        }
    }
    let _ = sea::find_by_magic(blob);
    let _ = sea::fuse(blob);
});
