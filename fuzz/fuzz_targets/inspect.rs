//! The whole `inspect` pipeline (format sniffing, JSON / JSON Lines / HAR
//! decoding, text engine, position mapping) on arbitrary bytes: errors are
//! fine, panics are not, and every finding must lie inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plainsight_inspect::{InspectOptions, inspect};

fuzz_target!(|data: &[u8]| {
    for lossy in [false, true] {
        let opts = InspectOptions { lossy, max_depth: 64, ..InspectOptions::default() };
        let Ok(findings) = inspect("<fuzz>", data, &opts) else { continue };
        for f in findings {
            let (start, end) = (f.location.start, f.location.end);
            assert!(start.offset <= end.offset && end.offset <= data.len() as u64);
            assert!(start.line >= 1 && start.column >= 1);
            if let Some(ex) = f.excerpt {
                assert!(ex.start <= ex.end && ex.end <= ex.text.len());
                assert!(ex.text.is_char_boundary(ex.start) && ex.text.is_char_boundary(ex.end));
            }
        }
    }
});
