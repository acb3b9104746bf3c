//! Odd-one-out statistics over a whole document (all segments): PS508 quote and
//! apostrophe style, PS509 date format, PS510 trailing/doubled spaces.
//!
//! A covert channel that flips one character per message cannot be seen in one
//! message, but it makes that message inconsistent with itself: forty `'` and one
//! `’`, ten `2026-11-21` and one `2026/11/21`. Each statistic groups the uses by
//! form; when the majority form has at least `odd_one_out_min_majority` uses and
//! another form is rare (≤ 1/4 of the majority), every use of the rare form is
//! reported with a note naming the majority and where it is.
//!
//! Speed: the ASCII side is fed by the fused block pass (`block`): only blocks
//! flagged as holding a date candidate (a digit followed by `-`, `.` or `/` —
//! every numeric date has one) or a blank before a blank or line end get
//! [`DocStats::block_details`], which finds the positions with SWAR masks over
//! 8-byte words. Frequent bytes (`'` in prose) are never visited, only
//! *counted*, and only once another form of their class exists
//! ([`DocStats::note_quotes`]); positions are looked up at report time, and only
//! for a form that can be reported (or must be named as the majority).
//! Non-ASCII quote forms come from the character scan, tallied as count + first
//! uses, never stored per use.

use std::ops::Range;

use plainsight_core::{CharNote, Rule, Severity};

use crate::block::BLOCK;
use crate::dates::{self, Order};
use crate::scan::{char_label, finding};
use crate::{Options, TextFinding};

/// Whitespace statistics need more lines than quote statistics: short documents
/// have too few lines to call a single trailing space odd.
const MIN_LINES_FOR_WHITESPACE: usize = 8;
/// Most lines with trailing (or doubled) spaces that still count as odd ones out.
const MAX_ODD_WHITESPACE_LINES: usize = 2;
/// Most findings one statistic reports per minority form.
const MAX_REPORTS_PER_FORM: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QuoteClass {
    /// Apostrophe between two letters: `Today's`.
    Apostrophe,
    /// A double quotation mark.
    DoubleQuote,
}

#[derive(Clone, Debug)]
pub(crate) struct QuoteUse {
    class: QuoteClass,
    form: char,
    ch: char,
    segment: usize,
    pos: usize,
}

impl QuoteUse {
    /// Classify the quote-like `c` at byte `pos`; `before` is the text before it and
    /// `next` the character after it. `None` for uses that carry no style signal
    /// (a single quote outside a word may be an apostrophe or a quotation mark).
    pub(crate) fn classify(
        before: &str,
        c: char,
        next: Option<char>,
        segment: usize,
        pos: usize,
    ) -> Option<QuoteUse> {
        let prev = before.chars().next_back();
        // Some look-alikes are letters of a script (Hebrew yod, N'Ko high tone):
        // next to letters of their own script they are those letters, not
        // quotes; between letters of another script they stand in for one.
        let fam = crate::chars::family(c);
        let own = |x: Option<char>| {
            fam != crate::chars::Family::Neutral
                && x.is_some_and(|x| crate::chars::family(x) == fam)
        };
        if own(prev) || own(next) {
            return None;
        }
        if crate::chars::is_double_quote_like(c) {
            // Curly quotes come in pairs of different code points; they are one style.
            let form = if matches!(c, '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}') {
                '\u{201C}'
            } else {
                c
            };
            return Some(QuoteUse {
                class: QuoteClass::DoubleQuote,
                form,
                ch: c,
                segment,
                pos,
            });
        }
        if prev.is_some_and(char::is_alphabetic) && next.is_some_and(char::is_alphabetic) {
            return Some(QuoteUse {
                class: QuoteClass::Apostrophe,
                form: c,
                ch: c,
                segment,
                pos,
            });
        }
        None
    }
}

#[derive(Clone, Debug)]
struct DateUse {
    describe: String,
    text: String,
    segment: usize,
    span: Range<usize>,
}

#[derive(Clone, Debug)]
struct WsUse {
    segment: usize,
    span: Range<usize>,
}

/// Uses of one form: how many, and the first [`MAX_REPORTS_PER_FORM`] of them.
/// Keeping counts rather than every use keeps memory flat and needs no sort:
/// each form comes from one source (ASCII pass or character scan) in document order.
struct Tally<K, U> {
    key: K,
    count: usize,
    uses: Vec<U>,
}

struct Tallies<K, U>(Vec<Tally<K, U>>);

impl<K, U> Default for Tallies<K, U> {
    fn default() -> Self {
        Tallies(Vec::new())
    }
}

impl<K: PartialEq + Copy, U> Tallies<K, U> {
    fn add(&mut self, key: K, make: impl FnOnce() -> U) {
        let k = if let Some(k) = self.0.iter().position(|t| t.key == key) {
            k
        } else {
            self.0.push(Tally {
                key,
                count: 0,
                uses: Vec::new(),
            });
            self.0.len() - 1
        };
        let t = &mut self.0[k];
        t.count += 1;
        if t.uses.len() < MAX_REPORTS_PER_FORM {
            t.uses.push(make());
        }
    }

    /// Call `report(use, majority_first_use, majority_count)` for each kept use
    /// of every rare form.
    fn odd_ones(&self, min_majority: usize, mut report: impl FnMut(&U, &U, usize)) {
        let Some(maj) = self.0.iter().max_by_key(|t| t.count) else {
            return;
        };
        if maj.count < min_majority.max(1) {
            return;
        }
        let Some(first) = maj.uses.first() else {
            return;
        };
        for t in &self.0 {
            if t.key == maj.key || !is_rare(t.count, maj.count) {
                continue;
            }
            for u in &t.uses {
                report(u, first, maj.count);
            }
        }
    }
}

/// A form used `count` times is an odd one out next to a majority used
/// `majority` times: at most a quarter as often. [`Tallies::odd_ones`] and
/// the ASCII-quote lookup of `DocStats` both decide by it.
fn is_rare(count: usize, majority: usize) -> bool {
    count * 4 <= majority
}

/// `'` between two ASCII letters (or next to a non-ASCII byte, usually a letter
/// such as `é`).
fn is_ascii_apostrophe_at(b: &[u8], i: usize) -> bool {
    let letter = |x: u8| (x | 0x20).wrapping_sub(b'a') < 26 || x >= 0x80;
    i > 0 && i + 1 < b.len() && b[i] == b'\'' && letter(b[i - 1]) && letter(b[i + 1])
}

/// Blanks before the line end at `end` (a `\n` or the segment end), if any.
fn trailing_span(b: &[u8], end: usize) -> Option<Range<usize>> {
    let mut e = end;
    if e > 0 && b[e - 1] == b'\r' {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && is_blank(b[s - 1]) {
        s -= 1;
    }
    (s < e).then_some(s..e)
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// 0x80 in every byte of `word` equal to `c`, 0 elsewhere (exact: no false
/// positives from borrows, unlike the classic `haszero` trick).
#[inline]
fn eq_mask(word: u64, c: u8) -> u64 {
    const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let t = word ^ (u64::from(c) * 0x0101_0101_0101_0101);
    !(((t & LO7) + LO7) | t | LO7)
}

/// 0x80 in every byte of `word` within `lo..=hi` (both ASCII, `lo` ≥ 1). The
/// high bit is cleared before adding so no carry crosses bytes; bytes ≥ 0x80
/// are masked out at the end.
#[inline]
fn in_range(word: u64, lo: u8, hi: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let t = word & !HIGH;
    let ge_lo = t + ONES * u64::from(0x80 - lo);
    let gt_hi = t + ONES * u64::from(0x7F - hi);
    ge_lo & !gt_hi & !word & HIGH
}

/// Word `k` of a block window (bytes `8k..8k + 8`) and the word one byte later.
#[inline]
fn words(win: &[u8; BLOCK + 8], k: usize) -> (u64, u64) {
    let at = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&win[i..i + 8]);
        u64::from_le_bytes(w)
    };
    (at(8 * k), at(8 * k + 1))
}

/// Per word of the block, the digits followed by a date separator (a pure
/// function of the window, computed for all words before any is visited).
#[inline]
fn date_masks(win: &[u8; BLOCK + 8]) -> [u64; BLOCK / 8] {
    std::array::from_fn(|k| {
        let (x, y) = words(win, k);
        in_range(x, b'0', b'9') & in_range(y, b'-', b'/')
    })
}

/// Per word of the block, the blanks followed by a space or a line end.
#[inline]
fn blank_masks(win: &[u8; BLOCK + 8]) -> [u64; BLOCK / 8] {
    std::array::from_fn(|k| {
        let (x, y) = words(win, k);
        (eq_mask(x, b' ') | eq_mask(x, b'\t'))
            & (eq_mask(y, b' ') | eq_mask(y, b'\n') | eq_mask(y, b'\r'))
    })
}

/// Byte offsets (from `base`) of the bytes flagged in a mask.
fn byte_positions(mut m: u64, base: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if m == 0 {
            return None;
        }
        let k = (m.trailing_zeros() / 8) as usize;
        m &= m - 1;
        Some(base + k)
    })
}

/// Scan state carried across the blocks of one segment.
#[derive(Default)]
pub(crate) struct BlockState {
    date_from: usize,
    doubled_from: usize,
    last_doubled_line: Option<usize>,
    /// Start of the line of the last doubled-space candidate, and how far the
    /// segment has been searched for line ends to know it.
    line_start: usize,
    line_searched_to: usize,
    /// Line ends preceded by a blank.
    line_end_blanks: usize,
    /// A blank before a blank or a line end was flagged in the segment.
    blank_pair: bool,
}

/// Document-wide statistics, filled segment by segment.
#[derive(Default)]
pub(crate) struct DocStats {
    /// Non-ASCII quote forms, from the character scan.
    quotes: Tallies<(QuoteClass, char), QuoteUse>,
    /// ASCII forms are only counted; their positions are looked up at report
    /// time in the rare case they are needed.
    ascii_apostrophes: usize,
    ascii_double_quotes: usize,
    /// Whether `'` / `"` are being counted: from the first non-ASCII form of
    /// the class on (the prefix is counted with memchr at that moment).
    counting: [bool; 2],
    dates: Tallies<(u8, Order), DateUse>,
    trailing_lines: usize,
    /// Segments that may hold trailing blanks (see [`DocStats::end_segment`]),
    /// the only ones their positions are looked up in.
    blank_segments: Vec<usize>,
    segments_seen: usize,
    doubled: Vec<WsUse>,
    doubled_lines: usize,
}

/// Occurrences of `c` in `b`: byte lanes over chunks of 255 (a lane cannot
/// overflow), which the compiler vectorises. Frequent bytes (line ends in a
/// prompt, `'` in prose) made `memchr_iter(..).count()` stop at every one.
fn count_byte(b: &[u8], c: u8) -> usize {
    b.chunks(255)
        .map(|ch| usize::from(ch.iter().fold(0u8, |n, &x| n + u8::from(x == c))))
        .sum()
}

/// Lines in the document (counted only when a whitespace statistic needs it).
fn count_lines(segments: &[&str]) -> usize {
    segments
        .iter()
        .map(|s| count_byte(s.as_bytes(), b'\n') + usize::from(!s.is_empty() && !s.ends_with('\n')))
        .sum()
}

impl DocStats {
    /// Record a quote use found by the character scan.
    pub(crate) fn add_quote(&mut self, q: QuoteUse) {
        self.quotes.add((q.class, q.form), || q);
    }

    /// Note quotes just found by the character scan in segment `segment`, which
    /// has been scanned up to byte `upto`. ASCII quotes matter only when another
    /// form of their class exists: `'` is one of the most frequent bytes of
    /// English prose, so it is counted (every U+0027, not only those between
    /// letters: in-word positions are looked up when reporting) from the first
    /// other form on, the prefix at once with memchr's vectorised count.
    pub(crate) fn note_quotes(
        &mut self,
        found: &[QuoteUse],
        segments: &[&str],
        segment: usize,
        upto: usize,
    ) {
        for q in found {
            let k = usize::from(q.class == QuoteClass::DoubleQuote);
            if self.counting[k] {
                continue;
            }
            self.counting[k] = true;
            let c = [b'\'', b'"'][k];
            let mut n: usize = segments[..segment]
                .iter()
                .map(|s| count_byte(s.as_bytes(), c))
                .sum();
            n += count_byte(&segments[segment].as_bytes()[..upto], c);
            *[&mut self.ascii_apostrophes, &mut self.ascii_double_quotes][k] += n;
        }
    }

    /// Count the ASCII quotes of a block not yet counted (see [`DocStats::note_quotes`]).
    #[inline]
    pub(crate) fn count_quotes(&mut self, block: &[u8]) {
        if self.counting[0] {
            self.ascii_apostrophes += crate::block::count(block, b'\'');
        }
        if self.counting[1] {
            self.ascii_double_quotes += crate::block::count(block, b'"');
        }
    }

    /// True when [`DocStats::count_quotes`] has work to do.
    #[inline]
    pub(crate) fn counting_quotes(&self) -> bool {
        self.counting[0] | self.counting[1]
    }

    /// End of a segment: a line without `\n` at the end can have trailing blanks too.
    pub(crate) fn end_segment(&mut self, text: &str, st: &BlockState) {
        let b = text.as_bytes();
        self.trailing_lines += st.line_end_blanks;
        let mut last_line = false;
        if !b.is_empty() && b.last() != Some(&b'\n') {
            last_line = trailing_span(b, b.len()).is_some();
            self.trailing_lines += usize::from(last_line);
        }
        // A line end with blanks before it is a blank before `\n` or
        // `\r\n`, which the block pass flags: only such segments (and those
        // whose last line has trailing blanks) can hold trailing blanks.
        if st.blank_pair || last_line {
            self.blank_segments.push(self.segments_seen);
        }
        self.segments_seen += 1;
    }

    /// Byte-level work in a block flagged by [`crate::block::flags`]: date
    /// candidates (a digit followed by a separator — every numeric date has
    /// one) and blanks before a blank or a line end.
    pub(crate) fn block_details(
        &mut self,
        text: &str,
        segment: usize,
        block: Range<usize>,
        flags: u8,
        st: &mut BlockState,
    ) {
        let b = text.as_bytes();
        // The block plus one byte of lookahead, whole words: borrowed in place,
        // copied (zero-padded) only at the end of the segment.
        let mut pad = [0u8; BLOCK + 8];
        let win: &[u8; BLOCK + 8] = match b
            .get(block.start..block.start + BLOCK + 8)
            .and_then(|w| w.try_into().ok())
        {
            Some(w) if block.len() == BLOCK => w,
            _ => {
                let with_next = &b[block.start..(block.end + 1).min(b.len())];
                pad[..with_next.len()].copy_from_slice(with_next);
                &pad
            }
        };
        if flags & crate::block::DATE != 0 {
            for (w, m) in date_masks(win).into_iter().enumerate() {
                for i in byte_positions(m, block.start + w * 8) {
                    if i >= st.date_from {
                        let mut skip = i + 1;
                        self.date_at(text, i, segment, &mut skip);
                        st.date_from = skip;
                    }
                }
            }
        }
        if flags & crate::block::BLANK_PAIR != 0 {
            st.blank_pair = true;
            for (w, m) in blank_masks(win).into_iter().enumerate() {
                for i in byte_positions(m, block.start + w * 8) {
                    match (b[i], b.get(i + 1), b.get(i + 2)) {
                        // Count the line end once, at the last blank before it.
                        (_, Some(b'\n'), _) | (_, Some(b'\r'), Some(b'\n')) => {
                            st.line_end_blanks += 1;
                        }
                        (b' ', Some(b' '), _) if i >= st.doubled_from => {
                            st.doubled_from = self.doubled_at(b, i, segment, st);
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// A run of two or more spaces starting at `h`; records it when it is one
    /// extra space between two words. Returns the run end.
    fn doubled_at(&mut self, b: &[u8], h: usize, segment: usize, st: &mut BlockState) -> usize {
        let mut end = h;
        while end < b.len() && b[end] == b' ' {
            end += 1;
        }
        // Only one extra space between two words is a candidate bit. Longer runs
        // align columns (tables, code), and two spaces after `.`/`?`/`!`/`:` are a
        // sentence-spacing style; both are layout a reader sees.
        let between_words = end - h == 2
            && h > 0
            && (b[h - 1].is_ascii_alphanumeric() || b[h - 1] == b',' || b[h - 1] >= 0x80)
            && b.get(end)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c >= 0x80);
        // The line start, searched back only to the last place looked at: on a
        // megabyte line with many doubled spaces, each search would otherwise
        // go back to the line start again (quadratic).
        let from = st.line_searched_to.min(h);
        if let Some(p) = memchr::memrchr(b'\n', &b[from..h]) {
            st.line_start = from + p + 1;
        }
        st.line_searched_to = h;
        let line_start = st.line_start;
        if between_words && st.last_doubled_line != Some(line_start) {
            st.last_doubled_line = Some(line_start);
            self.doubled_lines += 1;
            if self.doubled.len() < MAX_REPORTS_PER_FORM {
                self.doubled.push(WsUse {
                    segment,
                    span: h..end,
                });
            }
        }
        end
    }

    /// All quote tallies: the scanned non-ASCII forms plus the ASCII forms, with
    /// ASCII positions looked up only when another form of the class exists
    /// (a single form can never be odd).
    fn quote_tallies(&self, segments: &[&str]) -> Tallies<(QuoteClass, char), QuoteUse> {
        let mut all = Tallies::default();
        for t in &self.quotes.0 {
            all.0.push(Tally {
                key: t.key,
                count: t.count,
                uses: t.uses.clone(),
            });
        }
        for (class, ch, count) in [
            (QuoteClass::Apostrophe, '\'', self.ascii_apostrophes),
            (QuoteClass::DoubleQuote, '"', self.ascii_double_quotes),
        ] {
            // The most uses of another form of the class (none: a single
            // form can never be odd).
            let Some(others) = self
                .quotes
                .0
                .iter()
                .filter(|t| t.key.0 == class)
                .map(|t| t.count)
                .max()
            else {
                continue;
            };
            if count == 0 {
                continue;
            }
            // The ASCII uses `Tallies::odd_ones` reads, and no more: the
            // ASCII tally comes last and the majority is the last of the
            // highest count, so with `count >= others` only its first use
            // (named as the majority); reported as rare only when
            // `is_rare(count, others)`; otherwise none. Looking up all of
            // them stopped at every `'` of an English prompt.
            let wanted = if count >= others {
                1
            } else if is_rare(count, others) {
                MAX_REPORTS_PER_FORM
            } else {
                0
            };
            let mut uses = Vec::new();
            'segs: for (si, seg) in segments.iter().enumerate() {
                if uses.len() >= wanted {
                    break;
                }
                let b = seg.as_bytes();
                for i in memchr::memchr_iter(ch as u8, b) {
                    if class == QuoteClass::DoubleQuote || is_ascii_apostrophe_at(b, i) {
                        uses.push(QuoteUse {
                            class,
                            form: ch,
                            ch,
                            segment: si,
                            pos: i,
                        });
                        if uses.len() >= wanted {
                            break 'segs;
                        }
                    }
                }
            }
            all.0.push(Tally {
                key: (class, ch),
                count,
                uses,
            });
        }
        all
    }

    fn date_at(&mut self, text: &str, i: usize, segment: usize, skip: &mut usize) {
        let b = text.as_bytes();
        // Skip the whole digit/separator run whatever it turns out to be.
        let mut end = i;
        while end < b.len() && (b[end].is_ascii_digit() || matches!(b[end], b'-' | b'/' | b'.')) {
            end += 1;
        }
        *skip = end;
        if let Some((span, d)) = dates::date_at(b, i) {
            *skip = end.max(span.end);
            self.dates.add(d.form(), || DateUse {
                describe: d.describe(),
                text: text[span.clone()].to_string(),
                segment,
                span,
            });
        }
    }

    /// Turn the statistics into findings.
    pub(crate) fn report(self, opts: &Options, segments: &[&str], out: &mut Vec<TextFinding>) {
        let min = opts.odd_one_out_min_majority;
        // Apostrophes and double quotes are separate statistics.
        let quotes = self.quote_tallies(segments);
        for class in [QuoteClass::Apostrophe, QuoteClass::DoubleQuote] {
            let mut one = Tallies::<(QuoteClass, char), &QuoteUse>::default();
            for t in quotes.0.iter().filter(|t| t.key.0 == class) {
                one.0.push(Tally {
                    key: t.key,
                    count: t.count,
                    uses: t.uses.iter().collect(),
                });
            }
            one.odd_ones(min, |q, maj, maj_n| {
                out.push(quote_finding(class, q, maj, maj_n));
            });
        }
        self.dates.odd_ones(min, |d, maj, maj_n| {
            let mut f = finding(
                Rule::OddDateFormat,
                d.segment,
                d.span.clone(),
                format!(
                    "date {} is written {} while {maj_n} other dates in this document are written {} (e.g. {})",
                    d.text, d.describe, maj.describe, maj.text
                ),
                format!("{} among {maj_n}× {}", d.describe, maj.describe),
            );
            f.notes.push(format!(
                "majority form {} ×{maj_n}, first {} in segment {} at byte {}",
                maj.describe, maj.text, maj.segment, maj.span.start
            ));
            f.help = Some(
                "A date formatted unlike the rest of the document can encode a bit of information; check what produced it."
                    .into(),
            );
            out.push(f);
        });
        let min_lines = min.max(MIN_LINES_FOR_WHITESPACE);
        // Lines are counted (a pass over the document) only for a statistic
        // that can report: one or two lines with the blanks.
        let mut lines = None;
        for what in ["trailing", "doubled"] {
            let lines_with = if what == "trailing" {
                self.trailing_lines
            } else {
                self.doubled_lines
            };
            // An odd one out is one or two lines among many. Hand-written text
            // (READMEs, docs) has trailing or doubled spaces scattered on many
            // lines: that is sloppiness, not a marker, and is not reported.
            if lines_with == 0 || lines_with > MAX_ODD_WHITESPACE_LINES {
                continue;
            }
            let lines = *lines.get_or_insert_with(|| count_lines(segments));
            let lines_without = lines.saturating_sub(lines_with);
            if lines_without < min_lines || lines_with * 4 > lines_without {
                continue;
            }
            let uses = if what == "trailing" {
                trailing_uses(segments, &self.blank_segments)
            } else {
                self.doubled.clone()
            };
            for u in &uses {
                let n = u.span.len();
                let mut f = finding(
                    Rule::OddWhitespace,
                    u.segment,
                    u.span.clone(),
                    format!(
                        "{n} {what} space(s) on this line; {lines_without} of {lines} lines have none"
                    ),
                    format!("{n} {what} space(s)"),
                );
                f.notes.push(format!(
                    "{lines_with} line(s) with {what} spaces, {lines_without} without"
                ));
                if segments
                    .get(u.segment)
                    .is_some_and(|s| s[u.span.clone()].contains('\t'))
                {
                    f.notes.push("includes tab characters".into());
                }
                f.help = Some(
                    "Whitespace unlike the rest of the document can carry hidden bits; remove it."
                        .into(),
                );
                out.push(f);
            }
        }
    }
}

/// Positions of trailing blanks, looked up only when they are to be reported.
fn trailing_uses(segments: &[&str], candidates: &[usize]) -> Vec<WsUse> {
    let mut out = Vec::new();
    for &si in candidates {
        let Some(seg) = segments.get(si) else {
            continue;
        };
        let b = seg.as_bytes();
        let last = (!b.is_empty() && b.last() != Some(&b'\n')).then_some(b.len());
        for end in memchr::memchr_iter(b'\n', b).chain(last) {
            if let Some(span) = trailing_span(b, end) {
                out.push(WsUse { segment: si, span });
                if out.len() >= MAX_REPORTS_PER_FORM {
                    return out;
                }
            }
        }
    }
    out
}

fn quote_finding(class: QuoteClass, q: &QuoteUse, maj: &QuoteUse, maj_n: usize) -> TextFinding {
    let what = if class == QuoteClass::Apostrophe {
        "apostrophe"
    } else {
        "quotation mark"
    };
    let len = q.ch.len_utf8();
    let mut f = finding(
        Rule::OddQuoteStyle,
        q.segment,
        q.pos..q.pos + len,
        format!(
            "{what} {} differs from the {maj_n} other {what}s in this document, written {}",
            char_label(q.ch),
            char_label(maj.ch)
        ),
        format!("{} among {maj_n}× {:?}", char_label(q.ch), maj.ch),
    );
    f.chars = vec![CharNote::new(q.ch, 1)];
    f.notes.push(format!(
        "majority form {} ×{maj_n}, first in segment {} at byte {}",
        char_label(maj.ch),
        maj.segment,
        maj.pos
    ));
    // A letter (modifier letters such as U+02BC, a letter of another script)
    // standing in for an apostrophe is no typographic choice.
    if q.ch.is_alphabetic() {
        f.severity = Severity::High;
    }
    f.help = Some(
        "One character unlike all the others may be a signal planted in the text; compare where this text came from."
            .into(),
    )
    ;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whitespace half of `analyze_document`'s block pass.
    fn block_pass(segments: &[&str]) -> DocStats {
        let mut stats = DocStats::default();
        for (i, seg) in segments.iter().enumerate() {
            let b = seg.as_bytes();
            let mut st = BlockState::default();
            let mut at = 0;
            while at < b.len() {
                let end = (at + BLOCK).min(b.len());
                let flags = crate::block::block_flags(b, at);
                if flags & (crate::block::DATE | crate::block::BLANK_PAIR) != 0 {
                    stats.block_details(seg, i, at..end, flags, &mut st);
                }
                at = end;
            }
            stats.end_segment(seg, &st);
        }
        stats
    }

    #[test]
    fn trailing_blanks_are_found_in_the_candidate_segments_only() {
        const BYTES: &[u8] = b"  \t\n\r\na1-.x";
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut found = 0;
        for _ in 0..400 {
            let segs: Vec<String> = (0..rnd(12))
                .map(|_| {
                    let len = [0, 1, 2, 5, 40, 127, 128, 129, 300][rnd(9)];
                    (0..len).map(|_| BYTES[rnd(BYTES.len())] as char).collect()
                })
                .collect();
            let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
            let stats = block_pass(&segs);
            let all: Vec<usize> = (0..segs.len()).collect();
            let want = trailing_uses(&segs, &all);
            let got = trailing_uses(&segs, &stats.blank_segments);
            assert_eq!(
                got.iter()
                    .map(|u| (u.segment, u.span.clone()))
                    .collect::<Vec<_>>(),
                want.iter()
                    .map(|u| (u.segment, u.span.clone()))
                    .collect::<Vec<_>>(),
                "{segs:?}"
            );
            found += want.len();
        }
        assert!(found > 100);
    }

    #[test]
    #[allow(clippy::naive_bytecount)] // the naive count is the reference
    fn byte_counts_are_exact() {
        for len in [
            0, 1, 31, 32, 33, 254, 255, 256, 511, 1000, 8159, 8160, 8161, 20000,
        ] {
            let v: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'a' })
                .collect();
            assert_eq!(
                count_byte(&v, b'\n'),
                v.iter().filter(|&&b| b == b'\n').count()
            );
            let all = vec![b'\''; len];
            assert_eq!(count_byte(&all, b'\''), len);
        }
    }

    #[test]
    fn swar_masks_match_byte_tests() {
        // Every byte value in every lane, next to neighbours that could borrow or carry.
        for v in 0..=255u8 {
            for lane in 0..8 {
                let mut bytes = [0xFFu8, 0x00, 0x30, 0x39, 0x2D, 0x80, b' ', b'9'];
                bytes[lane] = v;
                let w = u64::from_le_bytes(bytes);
                let at = |m: u64| (m >> (lane * 8)) & 0x80 != 0;
                assert_eq!(at(in_range(w, b'0', b'9')), v.is_ascii_digit(), "{v:#x}");
                assert_eq!(at(in_range(w, b'-', b'/')), matches!(v, b'-' | b'.' | b'/'));
                assert_eq!(at(eq_mask(w, b' ')), v == b' ');
            }
        }
        let pos: Vec<usize> =
            byte_positions(in_range(u64::from_le_bytes(*b"a1b22c3d"), b'0', b'9'), 10).collect();
        assert_eq!(pos, [11, 13, 14, 16]);
    }
}
