//! The Bun module-graph reader and the executable front door on arbitrary
//! bytes: errors and carving are fine, panics are not, and every module and
//! unit must lie inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plainsight_artifact::exe::{self, bun};
use plainsight_artifact::{Data, Limits};

fuzz_target!(|data: &[u8]| {
    // The raw reader, at every trailer the finder would pick.
    if let Some((at, _)) = bun::find_trailer(data, None) {
        if let Ok(g) = bun::parse_graph(data, at) {
            for m in &g.modules {
                assert!(m.contents.start <= m.contents.end && m.contents.end <= data.len());
            }
        }
    }
    // The same bytes behind an ELF magic, through `detect`.
    let mut file = b"\x7fELF\x02\x01\x01\0".to_vec();
    file.extend_from_slice(data);
    let len = file.len();
    if let Some(Ok(c)) = exe::detect("<fuzz>", &Data::from_vec(file), &Limits::default()) {
        for u in &c.units {
            assert!(
                u.data.len() <= len * 3,
                "conversions at most triple a module (U+FFFD)"
            );
            if u.kind == plainsight_artifact::UnitKind::JavaScript {
                assert!(std::str::from_utf8(u.data.bytes()).is_ok());
            }
        }
    }
});
