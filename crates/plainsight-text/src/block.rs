//! The fused block pass: one look at every byte of a segment, 64 bytes at a time.
//!
//! Text is overwhelmingly ASCII and almost every ASCII byte is uninteresting:
//! only non-ASCII bytes (character scan), a digit followed by a date separator
//! (PS509 date candidates) and a blank followed by a blank or a line end
//! (PS510 trailing and doubled spaces) deserve work. [`flags`] computes all three
//! for a block in one branch-free fold that the compiler turns into vector code
//! (SSE2 on the baseline target, no `unsafe`); callers do byte-level work only in
//! the blocks it flags. A coarse test (one minimum and one OR per byte) runs
//! first; only blocks it cannot rule out get the exact flags.
//!
//! Frequent bytes (the `'` of English prose) are never flagged, only
//! counted, and only when a statistic needs them ([`count`]).

/// Block size in bytes: large enough to amortise the horizontal reductions at
/// the end of each fold, small enough that a flagged block's scalar work stays cheap.
pub(crate) const BLOCK: usize = 128;
/// A byte ≥ 0x80.
pub(crate) const NON_ASCII: u8 = 0x80;
/// A digit followed by `-`, `.` or `/`.
pub(crate) const DATE: u8 = 1;
/// A space or tab followed by a space, `\n` or `\r`.
pub(crate) const BLANK_PAIR: u8 = 2;

/// The cheap first look at a block: its OR (bit 7 says non-ASCII) and whether
/// it may hold a date candidate or a blank pair. The second is a superset test
/// in one unsigned minimum per byte: a digit maps to `x - '0'` < 10, and two
/// adjacent bytes ≤ 0x20 (blanks, line ends) to `max(x, y) - 0x17` < 10, all
/// else to ≥ 10. Six vector instructions per 16 bytes; prose almost never passes.
#[inline]
fn coarse(w: &[u8; BLOCK + 1]) -> (u8, bool) {
    let (or, min) = w[..BLOCK]
        .iter()
        .zip(&w[1..])
        .fold((0u8, u8::MAX), |(or, min), (&x, &y)| {
            let digit = x.wrapping_sub(b'0');
            let low_pair = x.max(y).saturating_sub(0x17);
            (or | x, min.min(digit.min(low_pair)))
        });
    (or, min < 10)
}

/// The exact date-candidate and blank-pair flags of a block that passed [`coarse`].
#[inline]
#[allow(clippy::needless_bitwise_bool)] // branch-free on purpose: it vectorises
fn exact(w: &[u8; BLOCK + 1]) -> u8 {
    let mut acc = 0u8;
    for (&x, &y) in w[..BLOCK].iter().zip(&w[1..]) {
        // `-` `.` `/` are 0x2D..=0x2F: one range test.
        let date = (x.wrapping_sub(b'0') < 10) & (y.wrapping_sub(b'-') < 3);
        let blank = ((x == b' ') | (x == b'\t')) & ((y == b' ') | (y == b'\n') | (y == b'\r'));
        acc |= u8::from(date) | (u8::from(blank) << 1);
    }
    acc
}

/// Which of the rare things block `w[..BLOCK]` holds; `w[BLOCK]` is the first
/// byte of the next block (0 at the end of the segment) so that pairs straddling
/// two blocks are flagged in the first.
#[inline]
pub(crate) fn flags(w: &[u8; BLOCK + 1]) -> u8 {
    let (or, maybe) = coarse(w);
    let mut f = or & NON_ASCII;
    if maybe {
        f |= exact(w);
    }
    f
}
/// Flags of the block starting at `at` in `b` (the last block is zero-padded).
#[inline]
pub(crate) fn block_flags(b: &[u8], at: usize) -> u8 {
    if let Some(w) = b
        .get(at..=at + BLOCK)
        .and_then(|w| <&[u8; BLOCK + 1]>::try_from(w).ok())
    {
        return flags(w);
    }
    let rest = &b[at.min(b.len())..];
    if rest.len() <= SHORT {
        return short_flags(rest);
    }
    let mut pad = [0u8; BLOCK + 1];
    let n = rest.len().min(BLOCK + 1);
    pad[..n].copy_from_slice(&rest[..n]);
    flags(&pad)
}

/// Tails up to this long are flagged byte by byte ([`short_flags`]): most
/// strings of a request body are member names and short values, and a
/// zero-padded copy of a whole block costs more than looking at their bytes
/// (zero padding also passes [`coarse`], so the exact fold ran too).
const SHORT: usize = 32;

/// [`flags`] of the last bytes of a segment (what follows them counts as 0),
/// one byte at a time: the same tests as [`exact`] plus the OR.
#[inline]
fn short_flags(rest: &[u8]) -> u8 {
    let mut f = 0u8;
    for (i, &x) in rest.iter().enumerate() {
        let y = rest.get(i + 1).copied().unwrap_or(0);
        f |= x & NON_ASCII;
        if x.is_ascii_digit() && matches!(y, b'-' | b'.' | b'/') {
            f |= DATE;
        }
        if matches!(x, b' ' | b'\t') && matches!(y, b' ' | b'\n' | b'\r') {
            f |= BLANK_PAIR;
        }
    }
    f
}

/// Occurrences of `c` in a block of at most [`BLOCK`] bytes (byte lanes: a
/// block is short enough that the count cannot overflow).
#[inline]
pub(crate) fn count(block: &[u8], c: u8) -> usize {
    debug_assert!(block.len() <= BLOCK);
    usize::from(block.iter().fold(0u8, |n, &x| n + u8::from(x == c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(s: &str) -> u8 {
        block_flags(s.as_bytes(), 0)
    }

    #[test]
    fn flags_name_what_the_block_holds() {
        assert_eq!(of("plain words, nothing rare here."), 0);
        assert_eq!(of("on 2026-11-21"), DATE);
        assert_eq!(
            of("v2 and 3 apples"),
            0,
            "digits alone are not date candidates"
        );
        assert_eq!(of("pi is 3.14"), DATE);
        assert_eq!(of("two  spaces"), BLANK_PAIR);
        assert_eq!(of("trailing \nnext"), BLANK_PAIR);
        assert_eq!(of("trailing\t\r\n"), BLANK_PAIR);
        assert_eq!(of("caf\u{e9}"), NON_ASCII);
        assert_eq!(of("x 1/2  caf\u{e9}"), NON_ASCII | DATE | BLANK_PAIR);
        // A blank at the end of a segment is no pair (handled by the caller).
        assert_eq!(of("end "), 0);
    }

    #[test]
    fn pairs_straddling_blocks_are_flagged_in_the_first() {
        // The digit is the block's last byte, the separator the next block's first.
        let s = "a".repeat(BLOCK - 1) + "1-2";
        assert_eq!(block_flags(s.as_bytes(), 0), DATE);
        let s = "a".repeat(BLOCK) + "-2";
        assert_eq!(block_flags(s.as_bytes(), 0), 0);
        let mut t = "a".repeat(BLOCK - 1);
        t.push_str(" \n");
        assert_eq!(block_flags(t.as_bytes(), 0), BLANK_PAIR);
        assert_eq!(block_flags(t.as_bytes(), BLOCK), 0);
    }

    #[test]
    fn short_tails_are_flagged_as_padded_blocks_are() {
        let padded = |rest: &[u8]| {
            let mut pad = [0u8; BLOCK + 1];
            pad[..rest.len()].copy_from_slice(rest);
            flags(&pad)
        };
        // Every pair of interesting bytes, at the start, middle and end.
        let alphabet = [
            b'a', b'1', b'-', b'.', b'/', b' ', b'\t', b'\n', b'\r', 0xC3, 0,
        ];
        for &x in &alphabet {
            for &y in &alphabet {
                for len in [2, 3, 17, SHORT] {
                    for at in [0, (len - 2) / 2, len - 2] {
                        let mut v = vec![b'z'; len];
                        v[at] = x;
                        v[at + 1] = y;
                        assert_eq!(short_flags(&v), padded(&v), "{v:?}");
                        assert_eq!(short_flags(&v[..=at]), padded(&v[..=at]), "{v:?}");
                    }
                }
            }
        }
        assert_eq!(short_flags(b""), padded(b""));
        assert_eq!(
            block_flags(b"x 1/2  caf\xc3\xa9", 0),
            NON_ASCII | DATE | BLANK_PAIR
        );
    }

    #[test]
    fn counts_in_a_block() {
        assert_eq!(count(b"it's Bob's", b'\''), 2);
        assert_eq!(count(&[b'\''; BLOCK], b'\''), BLOCK);
        assert_eq!(count(b"", b'\''), 0);
    }
}
