//! File byte offset → 1-based line and column.
//!
//! The index of newline offsets is built once per file with `memchr`; a lookup
//! is a binary search for the line plus a count of characters from the line
//! start (column counts Unicode scalar values, as SARIF `unicodeCodePoints`
//! does). Minified JSON puts megabytes on one line, so the column count resumes
//! from the previous lookup when offsets arrive in increasing order on the same
//! line, which is how findings arrive. The index itself is built on first use:
//! most inputs have no finding and never need it.

use std::cell::{Cell, OnceCell};

use plainsight_core::Position;

pub struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Offsets of every `\n`, computed on first lookup.
    newlines: OnceCell<Vec<usize>>,
    /// Last lookup: (offset, line, column).
    cursor: Cell<(usize, u32, u32)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(bytes: &'a [u8]) -> LineIndex<'a> {
        LineIndex {
            bytes,
            newlines: OnceCell::new(),
            cursor: Cell::new((0, 1, 1)),
        }
    }

    /// Position of byte `offset` (clamped to the file length).
    pub fn position(&self, offset: u64) -> Position {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let newlines = self
            .newlines
            .get_or_init(|| memchr::memchr_iter(b'\n', self.bytes).collect());
        let line_no = newlines.partition_point(|&nl| nl < offset);
        let line_start = if line_no == 0 {
            0
        } else {
            newlines[line_no - 1] + 1
        };
        let line = u32::try_from(line_no + 1).unwrap_or(u32::MAX);
        let (c_off, c_line, c_col) = self.cursor.get();
        let (from, col0) = if c_line == line && c_off >= line_start && c_off <= offset {
            (c_off, c_col)
        } else {
            (line_start, 1)
        };
        let column = col0.saturating_add(count_chars(&self.bytes[from..offset]));
        self.cursor.set((offset, line, column));
        Position {
            offset: offset as u64,
            line,
            column,
        }
    }
}

/// Characters in `bytes`: every byte that is not a UTF-8 continuation byte
/// starts one (an invalid byte counts as one, like its U+FFFD replacement).
fn count_chars(bytes: &[u8]) -> u32 {
    let n = bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count();
    u32::try_from(n).unwrap_or(u32::MAX)
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
    fn cursor_resumes_on_long_line() {
        let text = "é".repeat(1000);
        let idx = LineIndex::new(text.as_bytes());
        for i in (0..1000).step_by(7) {
            assert_eq!(idx.position((i * 2) as u64).column, i as u32 + 1);
        }
    }
}
