//! The JSON scanner on arbitrary bytes: it must never panic or overflow the
//! stack, and whatever it accepts must map back onto the input consistently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plainsight_inspect::json::{ScanOptions, StringKind, scan_all, scan_all_run_by_run};

fuzz_target!(|data: &[u8]| {
    for lossy in [false, true] {
        let opts = ScanOptions { max_depth: 64, lossy };
        let scanned = scan_all(data, 0, &opts);
        // The fast string path gives what the run-by-run decoder gives.
        assert_eq!(scanned, scan_all_run_by_run(data, 0, &opts));
        let Ok(strings) = scanned else { continue };
        for s in &strings {
            // The raw span is inside the input and between quotes.
            let (start, end) = (s.raw.start as usize, s.raw.end as usize);
            assert!(start >= 1 && end < data.len() && start <= end);
            assert_eq!(data[start - 1], b'"');
            assert_eq!(data[end], b'"');
            // The offset map sends the ends of the text to the ends of the span.
            assert_eq!(s.map.to_raw(0), s.raw.start);
            assert_eq!(s.map.to_raw(s.text.len()), s.raw.end);
            // Character boundaries map monotonically into the span.
            let mut last = s.raw.start;
            for (i, _) in s.text.char_indices() {
                let r = s.map.to_raw(i);
                assert!(r >= last && r <= s.raw.end);
                last = r;
            }
            // Without escapes or replacements the text is the raw bytes.
            if s.map.checkpoints() == 0 {
                assert_eq!(s.text.as_bytes(), &data[start..end]);
            }
            if s.kind == StringKind::Key {
                assert!(!s.path.is_empty());
            }
        }
    }
});
