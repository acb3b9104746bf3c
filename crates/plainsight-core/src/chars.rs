//! Naming code points for humans (`U+2019 RIGHT SINGLE QUOTATION MARK`) and
//! making hidden characters visible in output.
//!
//! Every renderer passes untrusted text (excerpts, messages, decoded payloads,
//! file names) through [`escape`] or [`make_visible_with`]: a report about
//! hidden characters must never itself emit a bidi control, a tag character
//! or an escape sequence to the terminal. [`Visible`] keeps a byte map from the
//! original to the escaped text so a label still lands under the right span.

use std::fmt::Write as _;
use std::ops::Range;

/// `U+2019` (at least four hex digits, upper case).
pub fn codepoint(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// The Unicode character name, or a descriptive label for code points that have
/// none (controls, tags, private use, unassigned).
pub fn name(c: char) -> String {
    if let Some(n) = unicode_names2::name(c) {
        return n.to_string();
    }
    if let Some(alias) = control_alias(c) {
        return alias.to_string();
    }
    let cp = c as u32;
    match cp {
        0x00..=0x1F | 0x7F..=0x9F => "CONTROL".to_string(),
        0xE0020..=0xE007E => format!("TAG {}", char::from_u32(cp - 0xE0000).unwrap_or('?')),
        0xE0100..=0xE01EF => format!("VARIATION SELECTOR-{}", cp - 0xE0100 + 17),
        0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x10_0000..=0x10_FFFD => "PRIVATE USE".to_string(),
        _ => "UNNAMED".to_string(),
    }
}

/// `⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩`, the visible form used in excerpts.
pub fn visible(c: char) -> String {
    format!("⟨{} {}⟩", codepoint(c), name(c))
}

/// Names for the C0 controls that can reach a report (Unicode gives controls no
/// `Name`, only aliases; these are the formal aliases from NameAliases.txt).
fn control_alias(c: char) -> Option<&'static str> {
    Some(match c {
        '\0' => "NULL",
        '\u{7}' => "BELL",
        '\u{8}' => "BACKSPACE",
        '\t' => "CHARACTER TABULATION",
        '\n' => "LINE FEED",
        '\u{B}' => "LINE TABULATION",
        '\u{C}' => "FORM FEED",
        '\r' => "CARRIAGE RETURN",
        '\u{1B}' => "ESCAPE",
        '\u{7F}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{9B}' => "CONTROL SEQUENCE INTRODUCER",
        _ => return None,
    })
}

/// True for characters a reader cannot see, or that change how a terminal shows
/// what follows: controls (C0/C1), format characters (bidi controls, zero-width
/// characters, tag characters, soft hyphen…), every space other than U+0020,
/// line/paragraph separators, variation selectors and the other
/// default-ignorable code points that are not format characters, blank-looking
/// letters (Hangul fillers, braille blank), private-use and unassigned code points.
///
/// Decided by General_Category rather than a list of known-bad characters, so a
/// character nobody has abused yet is still escaped.
pub fn is_hidden(c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    match c.general_category() {
        G::Control
        | G::Format
        | G::LineSeparator
        | G::ParagraphSeparator
        | G::SpaceSeparator
        | G::PrivateUse
        | G::Surrogate
        | G::Unassigned => true,
        // Default_Ignorable_Code_Point (DerivedCoreProperties.txt) outside Cf/Cn,
        // plus U+2800 which renders as a blank cell.
        _ => matches!(
            c,
            '\u{034F}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180D}'
                | '\u{180F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FFA0}'
                | '\u{E0100}'..='\u{E01EF}'
        ),
    }
}

/// A run of this many or more consecutive escaped characters is shown as one
/// escape with a count, so a 400-character tag payload does not fill the screen
/// (the payload itself is shown decoded elsewhere).
pub const RUN_COMPRESS_MIN: usize = 4;

/// One stretch of [`Visible::text`] and the original bytes it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Piece {
    orig: Range<usize>,
    vis: Range<usize>,
    /// Copied verbatim, so offsets inside map one to one.
    verbatim: bool,
}

/// Text with hidden characters replaced by `⟨U+XXXX NAME⟩`, and a map from byte
/// offsets of the original to byte offsets of the visible text, so a label on
/// an original span can be drawn under its visible form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visible {
    pub text: String,
    pieces: Vec<Piece>,
    orig_len: usize,
}

impl Visible {
    /// Visible offset where the original byte offset `i` starts (an offset
    /// inside an escaped character or run maps to the start of its escape).
    pub fn map_start(&self, i: usize) -> usize {
        if i >= self.orig_len {
            return self.text.len();
        }
        let k = self.pieces.partition_point(|p| p.orig.end <= i);
        let p = &self.pieces[k];
        if p.verbatim {
            p.vis.start + (i - p.orig.start)
        } else {
            p.vis.start
        }
    }

    /// Visible offset where an original range ending at `i` ends (an offset
    /// inside an escape maps to the end of that escape).
    pub fn map_end(&self, i: usize) -> usize {
        if i == 0 {
            return 0;
        }
        if i >= self.orig_len {
            return self.text.len();
        }
        let k = self.pieces.partition_point(|p| p.orig.end < i);
        let p = &self.pieces[k];
        if p.verbatim {
            p.vis.start + (i - p.orig.start)
        } else {
            p.vis.end
        }
    }

    /// [`Visible::map_start`]..[`Visible::map_end`]; an empty original range
    /// stays empty.
    pub fn map_range(&self, r: Range<usize>) -> Range<usize> {
        let start = self.map_start(r.start);
        if r.end <= r.start {
            return start..start;
        }
        start..self.map_end(r.end).max(start)
    }
}

/// [`make_visible_with`] without extra characters to name.
pub fn make_visible(s: &str) -> Visible {
    make_visible_with(s, 0..0, false)
}

/// Escape every hidden character of `s` (see [`is_hidden`]); additionally every
/// non-ASCII character inside `name_range` (the offending span of an excerpt, so
/// the look-alike `’` in `Today’s` is named too). With `keep_newlines`, `\n` and
/// `\t` stay as they are (multi-line code snippets); `\t` is expanded to 4 spaces
/// because terminals disagree about tab stops.
pub fn make_visible_with(s: &str, name_range: Range<usize>, keep_newlines: bool) -> Visible {
    let mut text = String::with_capacity(s.len());
    let mut pieces: Vec<Piece> = Vec::new();
    let escape_here = |i: usize, c: char| {
        if keep_newlines && (c == '\n' || c == '\t') {
            return false;
        }
        is_hidden(c) || (!c.is_ascii() && name_range.contains(&i))
    };
    let mut iter = s.char_indices().peekable();
    let mut verbatim_start: Option<(usize, usize)> = None;
    while let Some((i, c)) = iter.next() {
        if !escape_here(i, c) {
            if keep_newlines && c == '\t' {
                if let Some((o, v)) = verbatim_start.take() {
                    pieces.push(Piece {
                        orig: o..i,
                        vis: v..text.len(),
                        verbatim: true,
                    });
                }
                let v = text.len();
                text.push_str("    ");
                pieces.push(Piece {
                    orig: i..i + 1,
                    vis: v..text.len(),
                    verbatim: false,
                });
                continue;
            }
            if verbatim_start.is_none() {
                verbatim_start = Some((i, text.len()));
            }
            text.push(c);
            continue;
        }
        if let Some((o, v)) = verbatim_start.take() {
            pieces.push(Piece {
                orig: o..i,
                vis: v..text.len(),
                verbatim: true,
            });
        }
        // Gather the run of consecutive escaped characters.
        let mut end = i + c.len_utf8();
        let mut count = 1usize;
        let mut all_same = true;
        while let Some(&(j, d)) = iter.peek() {
            if !escape_here(j, d) {
                break;
            }
            all_same &= d == c;
            count += 1;
            end = j + d.len_utf8();
            iter.next();
        }
        let v = text.len();
        if count >= RUN_COMPRESS_MIN {
            let more = if all_same { "" } else { "…" };
            let _ = write!(text, "⟨{} {} {more}×{count}⟩", codepoint(c), name(c));
            pieces.push(Piece {
                orig: i..end,
                vis: v..text.len(),
                verbatim: false,
            });
        } else {
            // Short runs: one escape per character, each its own piece so a
            // label can point at exactly one of them.
            let mut o = i;
            for d in s[i..end].chars() {
                let vs = text.len();
                text.push_str(&visible(d));
                pieces.push(Piece {
                    orig: o..o + d.len_utf8(),
                    vis: vs..text.len(),
                    verbatim: false,
                });
                o += d.len_utf8();
            }
        }
    }
    if let Some((o, v)) = verbatim_start {
        pieces.push(Piece {
            orig: o..s.len(),
            vis: v..text.len(),
            verbatim: true,
        });
    }
    Visible {
        text,
        pieces,
        orig_len: s.len(),
    }
}

/// `s` with hidden characters escaped; for messages, notes, paths, payloads.
pub fn escape(s: &str) -> String {
    if !s.chars().any(is_hidden) {
        return s.to_string();
    }
    make_visible(s).text
}

/// Like [`escape`] but keeps line breaks (and expands tabs): for multi-line code snippets.
pub fn escape_multiline(s: &str) -> String {
    make_visible_with(s, 0..0, true).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_marks() {
        assert_eq!(codepoint('\u{2019}'), "U+2019");
        assert_eq!(name('\u{2019}'), "RIGHT SINGLE QUOTATION MARK");
        assert_eq!(name('\u{200B}'), "ZERO WIDTH SPACE");
        assert_eq!(codepoint('\u{E0041}'), "U+E0041");
        assert_eq!(visible('\u{2BC}'), "⟨U+02BC MODIFIER LETTER APOSTROPHE⟩");
    }

    #[test]
    fn hidden_by_category_not_by_list() {
        for c in [
            '\u{200B}',
            '\u{202E}',
            '\u{2066}',
            '\u{E0041}',
            '\u{FE0F}',
            '\u{E0100}',
            '\u{A0}',
            '\u{3000}',
        ] {
            assert!(is_hidden(c), "{}", visible(c));
        }
        for c in [
            '\u{1B}',
            '\n',
            '\u{85}',
            '\u{2028}',
            '\u{AD}',
            '\u{3164}',
            '\u{E000}',
            '\u{50000}',
        ] {
            assert!(is_hidden(c), "{}", visible(c));
        }
        for c in ['a', ' ', '\u{2019}', 'é', '中', '。', '😀', '\u{301}'] {
            assert!(!is_hidden(c), "{}", visible(c));
        }
        assert_eq!(name('\u{1B}'), "ESCAPE");
    }

    #[test]
    fn names_the_lookalike_in_span_and_maps_labels() {
        let s = "Today\u{2019}s date is 2026/11/21";
        let v = make_visible_with(s, 5..8, false);
        assert_eq!(
            v.text,
            "Today⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩s date is 2026/11/21"
        );
        assert_eq!(
            &v.text[v.map_range(5..8)],
            "⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩"
        );
        let slash = s.find('/').unwrap();
        assert_eq!(&v.text[v.map_range(slash..slash + 1)], "/");
        assert_eq!(&v.text[v.map_range(0..5)], "Today");
        // Outside the span a curly apostrophe is ordinary text.
        assert_eq!(make_visible(s).text, s);
    }

    #[test]
    fn escapes_hidden_everywhere_and_compresses_runs() {
        let tags: String = "HELLO"
            .chars()
            .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
            .collect();
        let s = format!("a\u{202E}b{tags}c\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}d");
        let v = make_visible(&s);
        assert_eq!(
            v.text,
            "a⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩b⟨U+E0048 TAG LATIN CAPITAL LETTER H …×5⟩c⟨U+200B ZERO WIDTH SPACE ×5⟩d"
        );
        assert!(!v.text.chars().any(is_hidden));
        // A span inside a compressed run covers the whole run's escape.
        let t = s.find('\u{E0048}').unwrap();
        assert_eq!(
            &v.text[v.map_range(t + 4..t + 8)],
            "⟨U+E0048 TAG LATIN CAPITAL LETTER H …×5⟩"
        );
        assert_eq!(v.map_range(3..3), v.map_start(3)..v.map_start(3));
        assert_eq!(
            escape("line\nbreak\u{1B}[31m"),
            "line⟨U+000A LINE FEED⟩break⟨U+001B ESCAPE⟩[31m"
        );
        assert_eq!(
            escape_multiline("a\n\tb\u{2066}"),
            "a\n    b⟨U+2066 LEFT-TO-RIGHT ISOLATE⟩"
        );
    }

    #[test]
    fn map_is_total_on_arbitrary_text() {
        // Deterministic pseudo-random strings over a hostile alphabet; every
        // original range must map to a valid range of the visible text.
        let alphabet = [
            'a',
            ' ',
            '\u{2019}',
            '\u{200B}',
            '\u{E0041}',
            '\u{202E}',
            '中',
            '\n',
            '\u{FE0F}',
            '😀',
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..300 {
            let mut s = String::new();
            for _ in 0..(seed % 23) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            for a in 0..=s.len() {
                for b in a..=s.len() {
                    let v = make_visible_with(&s, a..b, false);
                    let r = v.map_range(a..b);
                    assert!(r.start <= r.end && r.end <= v.text.len(), "{s:?} {a}..{b}");
                    assert!(
                        v.text.is_char_boundary(r.start) || !s.is_char_boundary(a),
                        "{s:?} {a}"
                    );
                    assert!(
                        v.text.is_char_boundary(r.end) || !s.is_char_boundary(b),
                        "{s:?} {b}"
                    );
                    assert!(!v.text.chars().any(is_hidden), "{s:?}");
                }
            }
        }
    }
}
