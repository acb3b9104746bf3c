//! Maps byte offsets in decoded text back to byte offsets in the raw input.
//!
//! Decoding changes lengths: the JSON escape `\u2019` is six raw bytes for three
//! decoded ones, a surrogate pair is twelve raw bytes for four, and in `--lossy`
//! mode an invalid UTF-8 sequence of one to three bytes becomes the three bytes
//! of U+FFFD. Between such places decoded and raw bytes correspond one to one,
//! so the map only records a checkpoint at the start and the end of each
//! length-changing piece and interpolates linearly in between. A string without
//! escapes costs no checkpoint at all, which keeps multi-megabyte prompts cheap.

/// Decoded offset → raw offset, piecewise linear.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// Raw offset of decoded offset 0.
    base: u64,
    /// `(decoded, raw - base)` pairs, strictly increasing in both components.
    checkpoints: Vec<(usize, u64)>,
}

impl OffsetMap {
    /// The identity map shifted by `base` (text copied verbatim from `base`).
    pub fn linear(base: u64) -> OffsetMap {
        OffsetMap {
            base,
            checkpoints: Vec::new(),
        }
    }

    /// [`OffsetMap::linear`], with room for `n` checkpoints.
    pub(crate) fn with_capacity(base: u64, n: usize) -> OffsetMap {
        OffsetMap {
            base,
            checkpoints: Vec::with_capacity(n),
        }
    }

    /// Records that decoded bytes `decoded_start..decoded_end` came from raw
    /// bytes `raw_start..raw_end` (raw offsets relative to the base). Calls must
    /// come in increasing order.
    pub(crate) fn record(
        &mut self,
        decoded_start: usize,
        raw_start: u64,
        decoded_end: usize,
        raw_end: u64,
    ) {
        // Calls come in order, so the position before this piece follows
        // from the last checkpoint (no search).
        let before = self
            .checkpoints
            .last()
            .map_or(decoded_start as u64, |&(d, r)| {
                r + (decoded_start - d) as u64
            });
        debug_assert_eq!(before, self.to_raw_rel(decoded_start));
        if before != raw_start {
            self.checkpoints.push((decoded_start, raw_start));
        }
        self.checkpoints.push((decoded_end, raw_end));
    }

    fn to_raw_rel(&self, decoded: usize) -> u64 {
        let i = self.checkpoints.partition_point(|&(d, _)| d <= decoded);
        match i.checked_sub(1).map(|j| self.checkpoints[j]) {
            None => decoded as u64,
            Some((d, r)) => r + (decoded - d) as u64,
        }
    }

    /// Raw offset of decoded offset `decoded`. Offsets on character boundaries
    /// map exactly; an offset inside an escaped character maps inside its escape.
    pub fn to_raw(&self, decoded: usize) -> u64 {
        self.base + self.to_raw_rel(decoded)
    }

    /// Number of checkpoints (for tests of compactness).
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }
}

/// Decodes `bytes` as UTF-8, replacing each invalid sequence (as cut by
/// [`slice::utf8_chunks`], i.e. the "maximal subpart" rule of the Unicode
/// standard, like `String::from_utf8_lossy`) with one U+FFFD. The map sends the
/// replacement's start to the first bad byte and its end past the last one, so
/// a finding on a replacement covers exactly the bytes that were bad.
pub fn decode_lossy(bytes: &[u8], base: u64) -> (String, OffsetMap) {
    let mut text = String::with_capacity(bytes.len());
    let mut map = OffsetMap::linear(base);
    let mut raw = 0u64;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        raw += chunk.valid().len() as u64;
        let bad = chunk.invalid();
        if !bad.is_empty() {
            let d = text.len();
            text.push(char::REPLACEMENT_CHARACTER);
            map.record(d, raw, text.len(), raw + bad.len() as u64);
            raw += bad.len() as u64;
        }
    }
    (text, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_map_is_shift() {
        let m = OffsetMap::linear(10);
        assert_eq!(m.to_raw(0), 10);
        assert_eq!(m.to_raw(5), 15);
        assert_eq!(m.checkpoints(), 0);
    }

    #[test]
    fn escape_changes_length() {
        // raw: a\u2019b  (a=0, escape 1..7, b=7); decoded: a ’ b (a=0, ’=1..4, b=4)
        let mut m = OffsetMap::linear(100);
        m.record(1, 1, 4, 7);
        assert_eq!(m.to_raw(0), 100);
        assert_eq!(m.to_raw(1), 101);
        assert_eq!(m.to_raw(4), 107);
        assert_eq!(m.to_raw(5), 108);
        // start checkpoint elided: it equals the linear position
        assert_eq!(m.checkpoints(), 1);
    }

    #[test]
    fn adjacent_escapes_share_checkpoints() {
        // raw: \n\t (0..2, 2..4) decoded: 0..1, 1..2
        let mut m = OffsetMap::linear(0);
        m.record(0, 0, 1, 2);
        m.record(1, 2, 2, 4);
        assert_eq!(m.checkpoints(), 2);
        assert_eq!(m.to_raw(1), 2);
        assert_eq!(m.to_raw(2), 4);
    }

    #[test]
    fn lossy_maps_replacement_to_bad_bytes() {
        let bytes = b"ab\xff\xfecd\xe2\x80";
        let (text, map) = decode_lossy(bytes, 3);
        assert_eq!(text, "ab\u{FFFD}\u{FFFD}cd\u{FFFD}");
        assert_eq!(map.to_raw(2), 5);
        assert_eq!(map.to_raw(5), 6); // second replacement starts at raw 3
        assert_eq!(map.to_raw(8), 7); // 'c'
        assert_eq!(map.to_raw(10), 9); // third replacement at the truncated sequence
        assert_eq!(map.to_raw(13), 11); // end of input
    }
}
