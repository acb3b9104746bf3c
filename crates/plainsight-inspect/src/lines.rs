//! File byte offset → 1-based line and column.
//!
//! The index of newline offsets is built once per file with `memchr`; a lookup
//! is a binary search for the line plus a count of characters from the line
//! start (column counts Unicode scalar values, as SARIF `unicodeCodePoints`
//! does). Minified JSON puts megabytes on one line, and findings do not arrive
//! in increasing order (a word's finding ends after the look-alike inside it
//! starts; notes point back at a document's first use), so counting from the
//! line start or from the previous lookup would make many findings on one long
//! line cost time in the square of its length. Instead the index also keeps the
//! number of characters before every [`CHECKPOINT`]-th byte: a column is a
//! difference of two prefix counts, each a table lookup plus at most
//! `CHECKPOINT` bytes counted. The index is built on first use: most inputs
//! have no finding and never need it; and the character counts only as far
//! into the file as a lookup needs (a request body's findings are mostly in
//! its system prompt, at the start).

use std::cell::{OnceCell, RefCell};

use plainsight_core::Position;

/// Bytes between character-count checkpoints.
const CHECKPOINT: usize = 4096;

pub struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Computed on first lookup.
    index: OnceCell<Index>,
}

struct Index {
    /// Offsets of every `\n`.
    newlines: Vec<usize>,
    /// Characters in `bytes[..k * CHECKPOINT]`, for every `k` counted so far.
    chars_before: RefCell<Vec<usize>>,
}

impl<'a> LineIndex<'a> {
    pub fn new(bytes: &'a [u8]) -> LineIndex<'a> {
        LineIndex {
            bytes,
            index: OnceCell::new(),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index {
            newlines: memchr::memchr_iter(b'\n', self.bytes).collect(),
            chars_before: RefCell::new(vec![0]),
        })
    }

    /// Characters in `bytes[..offset]`.
    fn chars_to(&self, offset: usize) -> usize {
        let k = offset / CHECKPOINT;
        let mut before = self.index().chars_before.borrow_mut();
        while before.len() <= k {
            let i = before.len() - 1;
            let n = before[i] + count_chars(&self.bytes[i * CHECKPOINT..(i + 1) * CHECKPOINT]);
            before.push(n);
        }
        before[k] + count_chars(&self.bytes[k * CHECKPOINT..offset])
    }

    /// Position of byte `offset` (clamped to the file length).
    pub fn position(&self, offset: u64) -> Position {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let newlines = &self.index().newlines;
        let line_no = newlines.partition_point(|&nl| nl < offset);
        let line_start = if line_no == 0 {
            0
        } else {
            newlines[line_no - 1] + 1
        };
        let line = u32::try_from(line_no + 1).unwrap_or(u32::MAX);
        let column = self.chars_to(offset) - self.chars_to(line_start) + 1;
        Position {
            offset: offset as u64,
            line,
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

/// Characters in `bytes`: every byte that is not a UTF-8 continuation byte
/// starts one (an invalid byte counts as one, like its U+FFFD replacement).
///
/// Counted in `u8` lanes over chunks of at most 255 bytes (so a lane cannot
/// overflow), then widened: the compiler vectorises the byte loop (16–32
/// bytes per step), where counting straight into a `usize` per byte did not.
/// A finding late in a 120 KB single-line body counts ~100 KB for its
/// column, three findings per request made it 12 % of the guard's
/// inspection.
fn count_chars(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| {
            // Not a continuation byte (0x80..=0xBF) ⇔ as i8, at least -0x40.
            let n = chunk
                .iter()
                .fold(0u8, |n, &b| n.wrapping_add(u8::from(b as i8 >= -0x40)));
            usize::from(n)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "ab\nc’d\n\nxyz";
        let idx = LineIndex::new(text.as_bytes());
        let p = |o: u64| {
            let p = idx.position(o);
            (p.line, p.column)
        };
        assert_eq!(p(0), (1, 1));
        assert_eq!(p(2), (1, 3)); // the newline itself
        assert_eq!(p(3), (2, 1));
        assert_eq!(p(4), (2, 2)); // ’
        assert_eq!(p(7), (2, 3)); // d, after the 3-byte ’
        assert_eq!(p(9), (3, 1));
        assert_eq!(p(12), (4, 3));
        // going backwards still works (cursor is only a shortcut)
        assert_eq!(p(4), (2, 2));
        assert_eq!(p(1), (1, 2));
        // past the end clamps
        assert_eq!(idx.position(1000).offset, text.len() as u64);
    }

    #[test]
    fn count_chars_counts_every_byte_that_starts_a_character() {
        let naive = |b: &[u8]| b.iter().filter(|&&c| (c & 0xC0) != 0x80).count();
        // Every byte value, in runs longer than a chunk, at every length.
        let mut bytes: Vec<u8> = (0..=255u8).cycle().take(3 * 255 + 17).collect();
        let mut x = 0x9E37_79B9u32;
        bytes.extend((0..2_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        }));
        bytes.extend(std::iter::repeat_n(0x80u8, 600));
        bytes.extend(std::iter::repeat_n(b'a', 600));
        for end in 0..bytes.len() {
            assert_eq!(count_chars(&bytes[..end]), naive(&bytes[..end]), "{end}");
        }
    }

    #[test]
    fn columns_on_a_long_line_in_any_order() {
        let text = format!("x\n{}", "é".repeat(10_000));
        let idx = LineIndex::new(text.as_bytes());
        let col = |i: usize| idx.position((2 + i * 2) as u64).column;
        for i in (0..10_000).step_by(7).chain((0..10_000).rev().step_by(13)) {
            assert_eq!(col(i), i as u32 + 1);
        }
        assert_eq!(idx.position(text.len() as u64).column, 10_001);
    }
}
