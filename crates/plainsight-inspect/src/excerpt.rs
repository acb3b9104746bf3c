//! Excerpts: the decoded line a finding sits in, clipped around the span.
//!
//! Excerpts are cut from the DECODED text (the JSON string value, not its
//! escaped source), because that is what the model reads and what a reviewer
//! must judge; the file position is carried separately by the location. Lines
//! longer than [`MAX_CHARS`] are clipped on character boundaries, keeping up to
//! [`CONTEXT_BEFORE`] characters before the span.

use std::ops::Range;

use plainsight_core::Excerpt;

/// Longest excerpt, in characters.
pub const MAX_CHARS: usize = 120;
/// Characters kept before the span when clipping.
pub const CONTEXT_BEFORE: usize = 40;

/// The excerpt for byte `span` of `text`. The span is cut at the end of its
/// first line if it runs over. For many excerpts of one text use [`TextLines`].
pub fn excerpt(text: &str, span: Range<usize>, label: &str) -> Excerpt {
    TextLines::new(text).excerpt(span, label)
}

/// A text with its newline offsets, so that many excerpts of one long string
/// (thousands of findings on a megabyte line) cost a binary search each rather
/// than a scan of the text each.
pub struct TextLines<'t> {
    text: &'t str,
    newlines: Vec<usize>,
}

impl<'t> TextLines<'t> {
    pub fn new(text: &'t str) -> TextLines<'t> {
        TextLines {
            text,
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
        }
    }

    pub fn excerpt(&self, span: Range<usize>, label: &str) -> Excerpt {
        let text = self.text;
        let start = floor_boundary(text, span.start.min(text.len()));
        let end = floor_boundary(text, span.end.clamp(start, text.len()));
        let line_idx = self.newlines.partition_point(|&nl| nl < start);
        let line_start = if line_idx == 0 {
            0
        } else {
            self.newlines[line_idx - 1] + 1
        };
        let mut line_end = self.newlines.get(line_idx).copied().unwrap_or(text.len());
        if line_end > line_start && text.as_bytes()[line_end - 1] == b'\r' && start < line_end {
            line_end -= 1;
        }
        clip(text, line_idx + 1, line_start..line_end, start..end, label)
    }
}

/// Cuts `line` (a range of `text`) to MAX_CHARS characters around `span`.
fn clip(
    text: &str,
    line_no: usize,
    line: Range<usize>,
    span: Range<usize>,
    label: &str,
) -> Excerpt {
    let (line_start, line_end) = (line.start, line.end);
    let start = span.start;
    let end = span.end.min(line_end.max(start));

    // Clip to MAX_CHARS characters around the span.
    let line = &text[line_start..line_end];
    let (s, e) = (start - line_start, end - line_start);
    let (mut from, mut to) = (0, line.len());
    if line.chars().nth(MAX_CHARS).is_some() {
        from = back_chars(line, s, CONTEXT_BEFORE);
        to = forward_chars(line, from, MAX_CHARS);
        if to < e {
            // A span longer than the window: keep its start visible.
            to = e.min(forward_chars(line, s, MAX_CHARS));
            from = back_chars(line, to, MAX_CHARS).min(s);
        }
    }
    Excerpt {
        line: u32::try_from(line_no).unwrap_or(u32::MAX),
        text: line[from..to].to_string(),
        start: s - from,
        end: e.min(to) - from,
        label: label.to_string(),
        clipped_start: from > 0,
        clipped_end: to < line.len(),
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offset `n` characters before `at` (or 0).
fn back_chars(s: &str, at: usize, n: usize) -> usize {
    s[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// Byte offset `n` characters after `at` (or the end).
fn forward_chars(s: &str, at: usize, n: usize) -> usize {
    s[at..]
        .char_indices()
        .nth(n)
        .map_or(s.len(), |(i, _)| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_line_whole() {
        let text = "first line\nToday\u{2019}s date\r\nlast";
        let at = text.find('\u{2019}').unwrap();
        let ex = excerpt(text, at..at + 3, "look-alike");
        assert_eq!(ex.line, 2);
        assert_eq!(ex.text, "Today\u{2019}s date");
        assert_eq!(&ex.text[ex.start..ex.end], "\u{2019}");
        assert!(!ex.clipped_start && !ex.clipped_end);
        assert_eq!(ex.label, "look-alike");
    }

    #[test]
    fn long_line_clipped_on_char_boundaries() {
        let text = format!("{}X{}", "é".repeat(500), "ü".repeat(500));
        let at = text.find('X').unwrap();
        let ex = excerpt(&text, at..at + 1, "");
        assert_eq!(&ex.text[ex.start..ex.end], "X");
        assert_eq!(ex.text.chars().count(), MAX_CHARS);
        assert_eq!(ex.text[..ex.start].chars().count(), CONTEXT_BEFORE);
        assert!(ex.clipped_start && ex.clipped_end);
    }

    #[test]
    fn span_at_start_and_end_of_text() {
        let ex = excerpt("\u{200B}abc", 0..3, "");
        assert_eq!((ex.start, ex.end, ex.line), (0, 3, 1));
        let ex = excerpt("abc\u{200B}", 3..6, "");
        assert_eq!(&ex.text[ex.start..ex.end], "\u{200B}");
        let ex = excerpt("abc\n", 4..4, "");
        assert_eq!((ex.line, ex.text.as_str()), (2, ""));
    }

    #[test]
    fn span_over_line_end_is_cut() {
        let ex = excerpt("ab  \ncd", 2..6, "");
        assert_eq!((ex.text.as_str(), ex.start, ex.end), ("ab  ", 2, 4));
    }

    #[test]
    fn very_long_span() {
        let text = "\u{E0041}".repeat(400);
        let ex = excerpt(&text, 0..text.len(), "");
        assert_eq!(ex.start, 0);
        assert_eq!(ex.end, ex.text.len());
        assert!(ex.clipped_end && !ex.clipped_start);
    }

    #[test]
    fn out_of_range_span_is_clamped() {
        let ex = excerpt("abc", 10..20, "");
        assert_eq!((ex.start, ex.end), (3, 3));
    }
}
