//! `deno compile` executables.
//!
//! Older builds append `eszip` data and end the file with a 24-byte trailer
//! `"d3n0l4nd"`, eszip position (u64 BE), metadata position (u64 BE); newer
//! builds (libsui) put the payload in a section/resource named `d3n0l4nd`
//! (ELF: appended with the same trailer). We could not build a deno executable
//! on this machine to verify the eszip module table, so the payload region is
//! located here and its sources are found by carving (eszip v2 stores module
//! sources uncompressed); the report says so.

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

#[cfg(test)]
mod tests {
    use super::*;

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
