//! The deno ≥ 2.2 payload reader (`d3n0l4nd` module table + VFS) on arbitrary
//! bytes: errors are fine, panics are not, and every module range must lie
//! inside the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plainsight_artifact::exe::deno;

fuzz_target!(|data: &[u8]| {
    // Half the inputs get the magic so the parser gets past it.
    let owned: Vec<u8>;
    let b = if data.first().is_some_and(|b| b & 1 == 1) {
        owned = [&deno::MAGIC[..], &data[1..]].concat();
        &owned[..]
    } else {
        data
    };
    match deno::parse_payload(b, 0..b.len()) {
        Ok(p) => {
            for m in &p.modules {
                for r in [Some(&m.source), m.transpiled.as_ref(), m.source_map.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    assert!(r.start <= r.end && r.end <= b.len(), "{m:?}");
                }
            }
        }
        Err(e) => assert!(e.offset <= b.len(), "{e:?}"),
    }
    let _ = deno::sui_payload(b, 0..b.len());
    let _ = deno::locate(b, None);
});
