//! `deno compile` executables.
//!
//! Older builds append `eszip` data and end the file with a 24-byte trailer
//! `"d3n0l4nd"`, eszip position (u64 BE), metadata position (u64 BE); newer
//! builds (libsui) put the payload in a section/resource named `d3n0l4nd`;
//! on Linux, deno 2.x (verified on 2.9.6) writes it as an ELF note named `SUI`
//! (type 0x53554901) in a `.note.sui` section, whose descriptor is a u16
//! length, the name `d3n0l4nd`, then the payload (which itself starts with the
//! magic, metadata JSON and the eszip). The eszip module table is not parsed:
//! the payload region is located here and its sources are found by carving
//! (eszip stores module sources uncompressed); the report says so.

use std::ops::Range;

pub const MAGIC: &[u8; 8] = b"d3n0l4nd";

/// The payload region of a deno executable, and how it was found.
pub fn locate(b: &[u8], section: Option<Range<usize>>) -> Option<(Range<usize>, &'static str)> {
    if let Some(sec) = section {
        return Some((sec, "section d3n0l4nd"));
    }
    let t = b.len().checked_sub(24)?;
    if &b[t..t + 8] != MAGIC {
        return None;
    }
    let be = |at: usize| usize::try_from(u64::from_be_bytes(b[at..at + 8].try_into().ok()?)).ok();
    let eszip = be(t + 8)?;
    // The metadata follows the eszip; both lie before the trailer.
    let meta = be(t + 16)?;
    if eszip <= meta && meta <= t {
        Some((eszip..t, "d3n0l4nd trailer"))
    } else {
        Some((0..t, "d3n0l4nd trailer (positions out of bounds)"))
    }
}

/// The payload inside a libsui `SUI` ELF note descriptor: `desc` is the
/// descriptor's range in `b`. `None` unless it names `d3n0l4nd`.
pub fn sui_payload(b: &[u8], desc: Range<usize>) -> Option<Range<usize>> {
    let d = b.get(desc.clone())?;
    let n = usize::from(u16::from_le_bytes(d.get(..2)?.try_into().ok()?));
    (d.get(2..2 + n)? == MAGIC).then(|| desc.start + 2 + n..desc.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sui_descriptor_names_the_deno_payload() {
        let mut b = b"ELF....".to_vec();
        let start = b.len();
        b.extend_from_slice(&8u16.to_le_bytes());
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(b"d3n0l4nd{\"argv\":[]}console.log(1)");
        let end = b.len();
        assert_eq!(sui_payload(&b, start..end), Some(start + 10..end));
        // Another libsui section name is not deno's.
        b[start + 2] = b'x';
        assert_eq!(sui_payload(&b, start..end), None);
        assert_eq!(sui_payload(&b, start..start + 1), None);
    }

    #[test]
    fn trailer_positions_are_checked() {
        let mut b = vec![0u8; 100];
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&40u64.to_be_bytes());
        b.extend_from_slice(&90u64.to_be_bytes());
        assert_eq!(locate(&b, None), Some((40..100, "d3n0l4nd trailer")));
        let n = b.len();
        b[n - 16..n - 8].copy_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(locate(&b, None).unwrap().0, 0..100);
        assert_eq!(locate(&b[..20], None), None);
        assert_eq!(
            locate(b"plain executable bytes without the marker", None),
            None
        );
    }
}
