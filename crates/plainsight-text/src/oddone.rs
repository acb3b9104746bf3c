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
//! Speed: the ASCII side is found with memchr-family searches on bytes that are
//! rare in prose (`'`/`"`, the digits `1`/`2` every four-digit year 1000–2999
//! contains, `\n`, and the pair `"  "`), so a clean document costs a few passes
//! at memory speed. Non-ASCII quote forms come from the character scan.

use std::ops::Range;

use memchr::{memchr_iter, memchr2_iter, memmem};
use plainsight_core::{CharNote, Rule, Severity};

use crate::dates::{self, Order};
use crate::scan::{char_label, finding};
use crate::{Options, TextFinding};

/// Whitespace statistics need more lines than quote statistics: short documents
/// have too few lines to call a single trailing space odd.
const MIN_LINES_FOR_WHITESPACE: usize = 8;
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
    form: (u8, Order),
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

/// Document-wide statistics, filled segment by segment.
#[derive(Default)]
pub(crate) struct DocStats {
    pub quotes: Vec<QuoteUse>,
    dates: Vec<DateUse>,
    trailing: Vec<WsUse>,
    doubled: Vec<WsUse>,
    lines: usize,
}

impl DocStats {
    /// Collect the ASCII side of every statistic for one segment.
    pub(crate) fn collect_ascii(&mut self, text: &str, segment: usize) {
        let b = text.as_bytes();
        self.collect_quotes(text, segment);
        self.collect_dates(text, segment);
        self.collect_whitespace(b, segment);
    }

    fn collect_quotes(&mut self, text: &str, segment: usize) {
        let b = text.as_bytes();
        for i in memchr2_iter(b'\'', b'"', b) {
            let c = b[i] as char;
            let next = text[i + 1..].chars().next();
            if let Some(q) = QuoteUse::classify(&text[..i], c, next, segment, i) {
                self.quotes.push(q);
            }
        }
    }

    fn collect_dates(&mut self, text: &str, segment: usize) {
        let b = text.as_bytes();
        let mut skip_to = 0usize;
        for i in memchr2_iter(b'1', b'2', b) {
            if i < skip_to {
                continue;
            }
            // Skip the whole digit/separator run whatever it turns out to be.
            let mut end = i;
            while end < b.len() && (b[end].is_ascii_digit() || matches!(b[end], b'-' | b'/' | b'.'))
            {
                end += 1;
            }
            skip_to = end;
            if let Some((span, d)) = dates::date_at(b, i) {
                skip_to = skip_to.max(span.end);
                self.dates.push(DateUse {
                    form: d.form(),
                    describe: d.describe(),
                    text: text[span.clone()].to_string(),
                    segment,
                    span,
                });
            }
        }
    }

    fn collect_whitespace(&mut self, b: &[u8], segment: usize) {
        let is_blank = |c: u8| c == b' ' || c == b'\t';
        let count_line = |end: usize, this: &mut DocStats| {
            let mut e = end;
            if e > 0 && b[e - 1] == b'\r' {
                e -= 1;
            }
            let mut s = e;
            while s > 0 && is_blank(b[s - 1]) {
                s -= 1;
            }
            if s < e {
                this.trailing.push(WsUse {
                    segment,
                    span: s..e,
                });
            }
            this.lines += 1;
        };
        for nl in memchr_iter(b'\n', b) {
            count_line(nl, self);
        }
        if !b.is_empty() && b.last() != Some(&b'\n') {
            count_line(b.len(), self);
        }
        let finder = memmem::Finder::new(b"  ");
        let mut from = 0;
        let mut last_line_start = usize::MAX;
        while let Some(k) = finder.find(&b[from..]) {
            let h = from + k;
            let mut end = h;
            while end < b.len() && b[end] == b' ' {
                end += 1;
            }
            from = end;
            let line_start = memchr::memrchr(b'\n', &b[..h]).map_or(0, |p| p + 1);
            let indentation = b[line_start..h].iter().all(|&c| is_blank(c));
            let trailing = end == b.len() || matches!(b[end], b'\n' | b'\r' | b'\t');
            if indentation || trailing || line_start == last_line_start {
                continue;
            }
            last_line_start = line_start;
            self.doubled.push(WsUse {
                segment,
                span: h..end,
            });
        }
    }

    /// Turn the statistics into findings.
    pub(crate) fn report(mut self, opts: &Options, segments: &[&str], out: &mut Vec<TextFinding>) {
        self.quotes.sort_by_key(|q| (q.segment, q.pos));
        for class in [QuoteClass::Apostrophe, QuoteClass::DoubleQuote] {
            let uses: Vec<&QuoteUse> = self.quotes.iter().filter(|q| q.class == class).collect();
            odd_one_out(
                &uses,
                |q| q.form,
                opts.odd_one_out_min_majority,
                |q, maj, maj_n, first| {
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
                            char_label(maj.form)
                        ),
                        format!("{} among {maj_n}× {:?}", char_label(q.ch), maj.form),
                    );
                    f.chars = vec![CharNote::new(q.ch, 1)];
                    f.notes.push(format!(
                        "majority form {} ×{maj_n}, first in segment {} at byte {}",
                        char_label(maj.form),
                        first.segment,
                        first.pos
                    ));
                    if matches!(q.ch, '\u{02BC}' | '\u{02B9}' | '\u{02BB}' | '\u{02BD}') {
                        f.severity = Severity::High;
                    }
                    f.help = Some("One character unlike all the others may be a signal planted in the text; compare where this text came from.".into());
                    out.push(f);
                },
            );
        }
        odd_one_out(
            &self.dates.iter().collect::<Vec<_>>(),
            |d| d.form,
            opts.odd_one_out_min_majority,
            |d, maj, maj_n, first| {
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
                    maj.describe, first.text, first.segment, first.span.start
                ));
                f.help = Some("A date formatted unlike the rest of the document can encode a bit of information; check what produced it.".into());
                out.push(f);
            },
        );
        let min_lines = opts.odd_one_out_min_majority.max(MIN_LINES_FOR_WHITESPACE);
        for (uses, what) in [(&self.trailing, "trailing"), (&self.doubled, "doubled")] {
            let lines_with = uses.len();
            let lines_without = self.lines.saturating_sub(lines_with);
            if lines_with == 0 || lines_without < min_lines || lines_with * 4 > lines_without {
                continue;
            }
            for u in uses.iter().take(MAX_REPORTS_PER_FORM) {
                let n = u.span.len();
                let mut f = finding(
                    Rule::OddWhitespace,
                    u.segment,
                    u.span.clone(),
                    format!(
                        "{n} {what} space(s) on this line; {lines_without} of {} lines have none",
                        self.lines
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

/// Group `uses` by `key`; call `report(use, majority_example, majority_count, first_majority_use)`
/// for each use of a rare form.
fn odd_one_out<T, K: PartialEq + Copy>(
    uses: &[&T],
    key: impl Fn(&T) -> K,
    min_majority: usize,
    mut report: impl FnMut(&T, &T, usize, &T),
) {
    let mut groups: Vec<(K, usize, usize)> = Vec::new(); // key, count, first index
    for (i, u) in uses.iter().enumerate() {
        let k = key(u);
        match groups.iter_mut().find(|(g, _, _)| *g == k) {
            Some((_, n, _)) => *n += 1,
            None => groups.push((k, 1, i)),
        }
    }
    let Some(&(maj_key, maj_n, maj_first)) = groups.iter().max_by_key(|(_, n, _)| *n) else {
        return;
    };
    if maj_n < min_majority.max(1) {
        return;
    }
    let maj = uses[maj_first];
    for &(k, n, _) in &groups {
        if k == maj_key || n * 4 > maj_n {
            continue;
        }
        for u in uses
            .iter()
            .filter(|u| key(u) == k)
            .take(MAX_REPORTS_PER_FORM)
        {
            report(u, maj, maj_n, maj);
        }
    }
}
