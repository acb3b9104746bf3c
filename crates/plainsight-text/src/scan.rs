//! The per-segment character scan: PS501–PS507 and PS511, plus collection of the
//! non-ASCII quote uses the document-wide odd-one-out statistic needs.
//!
//! Design: text is overwhelmingly ASCII, and no ASCII byte can be invisible, a
//! look-alike or an unusual space, so the scan is only called for the blocks
//! the fused block pass (`block`) flags as holding a non-ASCII byte, and within
//! one it jumps from one non-ASCII byte to the next ([`next_non_ascii`]). The
//! scan is resumable ([`SegScan`]): a run or word may end past the block, and
//! the next call continues there. Ideographs, kana and Hangul syllables — the
//! bulk of CJK text — are skipped by `quiet_run_end`, which decides each
//! three-byte sequence from its bytes with one table row, without decoding.
//! Only what is left is classified, and context (neighbouring characters, the
//! word, the segment's scripts) is looked up lazily around it, so a finding
//! costs work proportional to its surroundings, not to the document.
//!
//! Legitimate uses are decided here from context (see `Legit`): emoji ZWJ
//! sequences and flag tags, VS15/VS16 after emoji, ideographic variation
//! sequences, ZWJ/ZWNJ between letters of joining scripts, bidi marks in RTL
//! text, NBSP in French punctuation and digit groups, full-width forms and the
//! ideographic space in CJK text.

use std::collections::HashMap;
use std::ops::Range;

use plainsight_core::{CharNote, Confidence, Rule, Severity};
use unicode_properties::{GeneralCategoryGroup, UnicodeEmoji, UnicodeGeneralCategory};
use unicode_script::{Script, UnicodeScript};

use crate::chars::{
    Family, ascii_prototype, family, is_apostrophe_like, is_bidi_control, is_cjk_punctuation,
    is_double_quote_like, is_invisible, is_tag, is_unusual_space, is_variation_selector,
};
use crate::oddone::QuoteUse;
use crate::payload;
use crate::{Options, TextFinding};

/// Index of the first non-ASCII byte at or after `i`, or `b.len()`.
///
/// 64-byte blocks are tested with an OR-reduction, which the compiler turns into
/// vector ORs and one sign-bit test per block; only the block holding a
/// non-ASCII byte is searched byte by byte.
#[inline]
pub fn next_non_ascii(b: &[u8], mut i: usize) -> usize {
    // In CJK text the next byte is usually non-ASCII already: no fold for it.
    if b.get(i).is_some_and(|&x| x >= 0x80) {
        return i;
    }
    while i + 64 <= b.len() {
        if b[i..i + 64].iter().fold(0u8, |acc, &x| acc | x) >= 0x80 {
            break;
        }
        i += 64;
    }
    while i < b.len() && b[i] < 0x80 {
        i += 1;
    }
    i
}

/// Build a finding with the rule's defaults.
pub(crate) fn finding(
    rule: Rule,
    segment: usize,
    span: Range<usize>,
    message: String,
    label: String,
) -> TextFinding {
    TextFinding {
        rule,
        severity: rule.default_severity(),
        confidence: Confidence::High,
        segment,
        span,
        message,
        label,
        chars: Vec::new(),
        decoded: None,
        notes: Vec::new(),
        help: None,
    }
}

/// One `CharNote` per distinct character of `s`, in order of first appearance.
pub(crate) fn char_notes(s: &str) -> Vec<CharNote> {
    let mut order: Vec<(char, usize)> = Vec::new();
    for c in s.chars() {
        match order.iter_mut().find(|(k, _)| *k == c) {
            Some((_, n)) => *n += 1,
            None => order.push((c, 1)),
        }
    }
    order
        .into_iter()
        .map(|(c, n)| CharNote::new(c, n))
        .collect()
}

/// `U+2019 RIGHT SINGLE QUOTATION MARK`
pub(crate) fn char_label(c: char) -> String {
    format!(
        "{} {}",
        plainsight_core::chars::codepoint(c),
        plainsight_core::chars::name(c)
    )
}

/// Short description of a run: the first character's label, plus `×n` / `+k more`.
fn run_label(s: &str) -> String {
    let notes = char_notes(s);
    let n = s.chars().count();
    let first = s.chars().next().map(char_label).unwrap_or_default();
    match (notes.len(), n) {
        (1, 1) => first,
        (1, n) => format!("{n}× {first}"),
        (k, n) => format!("{n} characters, {k} kinds ({first}, …)"),
    }
}

/// Why a character that looks suspicious is fine here.
#[derive(Clone, Copy, Debug)]
enum Legit {
    BomAtStart,
    EmojiZwj,
    FlagTags,
    EmojiPresentation,
    IdeographicVariation,
    StandardizedVariation,
    JoinerInScript(Family),
    MongolianSelector,
    BidiMarkInRtl,
    FrenchSpacing,
    DigitGrouping,
    CjkSpace,
    CjkFullwidth,
}

impl Legit {
    fn describe(self) -> String {
        match self {
            Legit::BomAtStart => "byte-order mark at the start of the text".into(),
            Legit::EmojiZwj => "zero width joiner inside an emoji ZWJ sequence".into(),
            Legit::FlagTags => "tag characters of an emoji subdivision flag".into(),
            Legit::EmojiPresentation => "emoji/text presentation selector after an emoji".into(),
            Legit::IdeographicVariation => "ideographic variation sequence".into(),
            Legit::StandardizedVariation => "standardized variation sequence".into(),
            Legit::JoinerInScript(f) => {
                format!("joiner between letters of a joining script ({f:?})")
            }
            Legit::MongolianSelector => "Mongolian free variation selector".into(),
            Legit::BidiMarkInRtl => "bidi mark in right-to-left text".into(),
            Legit::FrenchSpacing => "no-break space in French punctuation".into(),
            Legit::DigitGrouping => "no-break space grouping digits or before a unit".into(),
            Legit::CjkSpace => "ideographic space in CJK text".into(),
            Legit::CjkFullwidth => "full-width form in CJK text".into(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HiddenKind {
    Tag,
    Selector,
    Bidi,
    Other,
}

fn hidden_kind(c: char) -> HiddenKind {
    if is_tag(c) {
        HiddenKind::Tag
    } else if is_variation_selector(c) {
        HiddenKind::Selector
    } else if is_bidi_control(c) {
        HiddenKind::Bidi
    } else {
        HiddenKind::Other
    }
}

fn is_mark(c: char) -> bool {
    !c.is_ascii() && c.general_category_group() == GeneralCategoryGroup::Mark
}

fn is_word_char(c: char) -> bool {
    // Full-width ASCII variants (common in CJK text) map one to one onto ASCII:
    // no table lookups for them.
    if let Some(a) = (c as u32)
        .checked_sub(0xFEE0)
        .filter(|a| (0x21..=0x7E).contains(a))
    {
        return (a as u8).is_ascii_alphanumeric();
    }
    c.is_alphanumeric() || is_mark(c)
}

/// Emoji that can take a ZWJ or presentation selector (ASCII digits, `#`, `*` are
/// Emoji=Yes but only as keycap bases).
fn is_emojiish(c: char) -> bool {
    !c.is_ascii() && (c.is_emoji_char() || c.is_emoji_component())
}

/// Minimum run of distinct invisible characters treated as a possible binary payload.
pub const PAYLOAD_MIN_SYMBOLS: usize = 8;

/// Per-document scanning state.
pub(crate) struct Scanner<'o> {
    pub opts: &'o Options,
    pub out: Vec<TextFinding>,
    pub quotes: Vec<QuoteUse>,
    proto_cache: HashMap<char, Option<String>>,
}

/// Per-segment lazily computed context.
struct SegCtx<'a> {
    text: &'a str,
    index: usize,
    has_rtl: Option<bool>,
    /// (line start, line balanced?) of the last line checked for bidi balance.
    bidi_line: Option<(Range<usize>, bool)>,
}

/// Resumable scan of one segment.
pub(crate) struct SegScan<'a> {
    ctx: SegCtx<'a>,
    /// End of the last word analysed (a word is analysed once).
    word_end: usize,
    /// Everything before this byte has been scanned.
    pub pos: usize,
}

impl SegCtx<'_> {
    fn prev_char(&self, at: usize) -> Option<char> {
        self.text[..at].chars().next_back()
    }
    fn next_char(&self, at: usize) -> Option<char> {
        self.text[at..].chars().next()
    }
    /// Nearest non-space character before `at` (within 8 characters).
    fn prev_visible(&self, at: usize) -> Option<char> {
        self.text[..at]
            .chars()
            .rev()
            .take(8)
            .find(|c| !c.is_whitespace() && !is_invisible(*c))
    }
    fn next_visible(&self, at: usize) -> Option<char> {
        self.text[at..]
            .chars()
            .take(8)
            .find(|c| !c.is_whitespace() && !is_invisible(*c))
    }
    fn has_rtl(&mut self) -> bool {
        let text = self.text;
        *self
            .has_rtl
            .get_or_insert_with(|| text.chars().any(|c| !c.is_ascii() && family(c).is_rtl()))
    }
    fn line_bounds(&self, at: usize) -> Range<usize> {
        let b = self.text.as_bytes();
        let start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i);
        start..end
    }
    /// Are the embeddings, overrides and isolates on the line containing `at` closed?
    /// The answer is kept for the whole line: a megabyte line with a bidi
    /// control every few bytes is searched for its bounds once, not per control.
    fn bidi_balanced(&mut self, at: usize) -> bool {
        if let Some((line, ok)) = &self.bidi_line
            && line.contains(&at)
        {
            return *ok;
        }
        let line = self.line_bounds(at);
        let ok = bidi_balanced(&self.text[line.clone()]);
        self.bidi_line = Some((line, ok));
        ok
    }
}

/// Unicode Bidirectional Algorithm pairing (simplified): embeddings/overrides are
/// closed by PDF, isolates by PDI (which also closes embeddings opened inside).
pub fn bidi_balanced(line: &str) -> bool {
    let mut stack: Vec<bool> = Vec::new(); // true = isolate
    for c in line.chars() {
        match c {
            '\u{202A}' | '\u{202B}' | '\u{202D}' | '\u{202E}' => stack.push(false),
            '\u{2066}'..='\u{2068}' => stack.push(true),
            '\u{202C}' if stack.last() == Some(&false) => {
                stack.pop();
            }
            '\u{2069}' => {
                if let Some(pos) = stack.iter().rposition(|&iso| iso) {
                    stack.truncate(pos);
                }
            }
            _ => {}
        }
    }
    stack.is_empty()
}

impl<'o> Scanner<'o> {
    pub fn new(opts: &'o Options) -> Scanner<'o> {
        Scanner {
            opts,
            out: Vec::new(),
            quotes: Vec::new(),
            proto_cache: HashMap::new(),
        }
    }

    fn prototype(&mut self, c: char) -> Option<String> {
        self.proto_cache
            .entry(c)
            .or_insert_with(|| ascii_prototype(c))
            .clone()
    }

    fn legit(&mut self, legit: Legit, rule: Rule, seg: usize, span: Range<usize>, text: &str) {
        if !self.opts.include_legitimate {
            return;
        }
        let s = &text[span.clone()];
        let mut f = finding(
            rule,
            seg,
            span,
            format!("Legitimate use: {}", legit.describe()),
            run_label(s),
        );
        f.severity = Severity::Info;
        f.confidence = Confidence::Low;
        f.chars = char_notes(s);
        f.notes
            .push("reported because legitimate uses were requested".into());
        self.out.push(f);
    }

    /// Start scanning one segment; feed it with [`Scanner::scan_to`].
    pub(crate) fn begin(text: &str, index: usize) -> SegScan<'_> {
        SegScan {
            ctx: SegCtx {
                text,
                index,
                has_rtl: None,
                bidi_line: None,
            },
            word_end: 0,
            pos: 0,
        }
    }

    /// Handle every non-ASCII character that starts at or after `s.pos` and
    /// before `limit`. A character run or word may end past `limit`; `s.pos`
    /// then points past it and the next call resumes there.
    pub(crate) fn scan_to(&mut self, s: &mut SegScan<'_>, limit: usize) {
        let text = s.ctx.text;
        let index = s.ctx.index;
        let b = text.as_bytes();
        let mut i = s.pos;
        loop {
            i = next_non_ascii(&b[..limit], i);
            if i >= limit {
                break;
            }
            // Kana, ideographs, Hangul syllables, ideographic punctuation: no
            // detector has anything to say. CJK text is mostly such runs, so they
            // are decoded straight from the bytes, with no per-character table.
            // (Only three-byte sequences can be quiet: no call for other scripts.)
            if b[i] & 0xF0 == 0xE0 {
                let quiet = quiet_run_end(b, i);
                if quiet > i {
                    i = quiet;
                    continue;
                }
            }
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            if is_invisible(c) {
                let end = run_end(text, i, is_invisible);
                self.hidden_run(&mut s.ctx, i..end);
                i = end;
                continue;
            }
            if is_unusual_space(c) {
                let end = run_end(text, i, is_unusual_space);
                self.space_run(&s.ctx, i..end);
                i = end;
                continue;
            }
            if (is_apostrophe_like(c) || is_double_quote_like(c))
                && let Some(q) =
                    QuoteUse::classify(&text[..i], c, s.ctx.next_char(i + c.len_utf8()), index, i)
            {
                self.quotes.push(q);
            }
            if is_word_char(c) {
                if i >= s.word_end {
                    s.word_end = self.word(&s.ctx, i);
                }
            } else if i >= s.word_end {
                self.punctuation(&s.ctx, i, c);
            }
            i += c.len_utf8();
        }
        s.pos = s.pos.max(i);
    }

    /// A maximal run of invisible characters, split into tags / selectors / bidi / other.
    fn hidden_run(&mut self, ctx: &mut SegCtx<'_>, run: Range<usize>) {
        let text = ctx.text;
        let mut start = run.start;
        while start < run.end {
            let kind = hidden_kind(text[start..].chars().next().unwrap_or_default());
            let end = start
                + text[start..run.end]
                    .char_indices()
                    .find(|&(_, c)| hidden_kind(c) != kind)
                    .map_or(run.end - start, |(k, _)| k);
            match kind {
                HiddenKind::Tag => self.tags(ctx, start..end),
                HiddenKind::Selector => self.selectors(ctx, start..end),
                HiddenKind::Bidi => self.bidi(ctx, start..end),
                HiddenKind::Other => self.invisibles(ctx, start..end),
            }
            start = end;
        }
    }

    fn tags(&mut self, ctx: &SegCtx<'_>, span: Range<usize>) {
        let s = &ctx.text[span.clone()];
        let prev = ctx.prev_char(span.start);
        let interior_ok = s
            .chars()
            .rev()
            .skip(1)
            .all(|c| matches!(c, '\u{E0030}'..='\u{E0039}' | '\u{E0061}'..='\u{E007A}'));
        // RGI subdivision flags: 🏴 + 2–6 lowercase/digit tags + CANCEL TAG.
        if prev == Some('\u{1F3F4}')
            && s.ends_with('\u{E007F}')
            && interior_ok
            && (3..=7).contains(&s.chars().count())
        {
            self.legit(
                Legit::FlagTags,
                Rule::TagCharacters,
                ctx.index,
                span,
                ctx.text,
            );
            return;
        }
        let decoded = payload::decode_tags(s);
        let n = s.chars().count();
        let mut f = finding(
            Rule::TagCharacters,
            ctx.index,
            span,
            format!("{n} invisible Unicode tag character(s) carrying hidden ASCII: {decoded:?}"),
            format!("{n} tag characters, decode to {decoded:?}"),
        );
        f.chars = char_notes(s);
        if decoded.is_empty() {
            f.severity = Severity::High;
            f.message =
                format!("{n} invisible Unicode tag character(s) outside an emoji flag sequence");
        } else {
            f.decoded = Some(decoded);
        }
        f.help = Some("Tag characters are invisible; outside emoji flags they only serve to hide text. Remove them and treat the decoded text as an injection attempt.".into());
        self.out.push(f);
    }

    fn selectors(&mut self, ctx: &SegCtx<'_>, span: Range<usize>) {
        let s = &ctx.text[span.clone()];
        let n = s.chars().count();
        let first = s.chars().next().unwrap_or_default();
        if n == 1
            && let Some(prev) = ctx.prev_char(span.start)
        {
            let legit = match first {
                '\u{FE0E}' | '\u{FE0F}'
                    if is_emojiish(prev) || matches!(prev, '0'..='9' | '#' | '*') =>
                {
                    Some(Legit::EmojiPresentation)
                }
                '\u{FE00}'..='\u{FE0D}' | '\u{E0100}'..='\u{E01EF}'
                    if family(prev) == Family::Cjk =>
                {
                    Some(Legit::IdeographicVariation)
                }
                '\u{FE00}'..='\u{FE0D}'
                    if !prev.is_ascii()
                        && (prev.general_category_group() == GeneralCategoryGroup::Symbol
                            || family(prev) == Family::Other) =>
                {
                    Some(Legit::StandardizedVariation)
                }
                _ => None,
            };
            if let Some(l) = legit {
                self.legit(l, Rule::VariationSelector, ctx.index, span, ctx.text);
                return;
            }
        }
        let decoded = payload::decode_variation_selectors(s);
        let mut f = finding(
            Rule::VariationSelector,
            ctx.index,
            span,
            format!("{n} variation selector(s) outside an emoji or ideographic variation sequence"),
            run_label(s),
        );
        f.chars = char_notes(s);
        if let Some(d) = decoded {
            f.severity = Severity::Critical;
            f.message = format!(
                "{n} variation selectors smuggling {} byte(s) of hidden text: {d:?}",
                d.len()
            );
            f.label = format!("{n} variation selectors, decode to {d:?}");
            f.decoded = Some(d);
        }
        f.help = Some("Variation selectors only modify the preceding emoji or ideograph; anywhere else they are invisible carriers. Remove them.".into());
        self.out.push(f);
    }

    fn bidi(&mut self, ctx: &mut SegCtx<'_>, span: Range<usize>) {
        let s = &ctx.text[span.clone()];
        let marks_only = s
            .chars()
            .all(|c| matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}'));
        if marks_only && ctx.has_rtl() {
            self.legit(
                Legit::BidiMarkInRtl,
                Rule::BidiControl,
                ctx.index,
                span,
                ctx.text,
            );
            return;
        }
        let balanced = ctx.bidi_balanced(span.start);
        let mut f = finding(
            Rule::BidiControl,
            ctx.index,
            span,
            format!(
                "bidirectional control character(s) {}",
                if marks_only {
                    "outside right-to-left text"
                } else {
                    "reorder how this text is displayed"
                }
            ),
            run_label(s),
        );
        f.chars = char_notes(s);
        if !balanced {
            f.severity = Severity::Critical;
            f.message.push_str("; an embedding, override or isolate on this line is never closed (Trojan Source: displayed order differs from logical order)");
            f.notes.push("unbalanced bidi controls on this line".into());
        } else if marks_only {
            f.severity = Severity::Medium;
        }
        f.help = Some("Remove bidi controls, or review the text in logical order (e.g. with the controls made visible).".into());
        self.out.push(f);
    }

    fn invisibles(&mut self, ctx: &SegCtx<'_>, span: Range<usize>) {
        let s = &ctx.text[span.clone()];
        let chars: Vec<char> = s.chars().collect();
        let prev = ctx.prev_char(span.start);
        let next = ctx.next_char(span.end);
        if chars.len() == 1 {
            let c = chars[0];
            let legit = match c {
                '\u{FEFF}' if ctx.index == 0 && span.start == 0 => Some(Legit::BomAtStart),
                // VS16 or a tag CANCEL may end the emoji before the joiner.
                '\u{200D}'
                    if prev.is_some_and(|p| {
                        is_emojiish(p) || matches!(p, '\u{FE0F}' | '\u{E007F}')
                    }) && next.is_some_and(is_emojiish) =>
                {
                    Some(Legit::EmojiZwj)
                }
                '\u{200C}' | '\u{200D}' => match (prev, next) {
                    (Some(p), Some(n)) if is_word_char(p) && is_word_char(n) => {
                        let fam = if family(p) == Family::Neutral {
                            family(n)
                        } else {
                            family(p)
                        };
                        fam.uses_joiners().then_some(Legit::JoinerInScript(fam))
                    }
                    _ => None,
                },
                '\u{180B}'..='\u{180D}' | '\u{180F}'
                    if prev.is_some_and(|p| p.script() == Script::Mongolian) =>
                {
                    Some(Legit::MongolianSelector)
                }
                _ => None,
            };
            if let Some(l) = legit {
                self.legit(l, Rule::InvisibleCharacter, ctx.index, span, ctx.text);
                return;
            }
        }
        let mut distinct = chars.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if chars.len() >= PAYLOAD_MIN_SYMBOLS && distinct.len() >= 2 {
            // Decode a bounded prefix (a multiple of 8 symbols): enough to show what it says.
            let decoded = payload::decode_zero_width(&chars[..chars.len().min(1 << 14)]);
            let mut f = finding(
                Rule::ZeroWidthPayload,
                ctx.index,
                span.clone(),
                match &decoded {
                    Some(d) => format!(
                        "{} invisible characters over a {}-symbol alphabet encode hidden text: {d:?}",
                        chars.len(),
                        distinct.len()
                    ),
                    None => format!(
                        "{} invisible characters over a {}-symbol alphabet look like an encoded payload (not decoded)",
                        chars.len(),
                        distinct.len()
                    ),
                },
                format!(
                    "{} zero-width symbols{}",
                    chars.len(),
                    decoded
                        .as_ref()
                        .map(|d| format!(", decode to {d:?}"))
                        .unwrap_or_default()
                ),
            );
            if decoded.is_none() {
                f.severity = Severity::High;
                f.confidence = Confidence::Medium;
            }
            f.decoded = decoded;
            f.chars = char_notes(s);
            f.help = Some("Zero-width characters in a pattern like this carry data. Remove them and check where the text came from.".into());
            self.out.push(f);
            return;
        }
        let mut f = finding(
            Rule::InvisibleCharacter,
            ctx.index,
            span,
            format!("invisible character(s) in text: {}", run_label(s)),
            run_label(s),
        );
        f.chars = char_notes(s);
        match chars[0] {
            '\u{00AD}'
                if chars.len() == 1
                    && prev.is_some_and(char::is_alphabetic)
                    && next.is_some_and(char::is_alphabetic) =>
            {
                // Soft hyphens are a real (if rare) hyphenation hint inside words.
                f.severity = Severity::Low;
                f.confidence = Confidence::Medium;
            }
            '\u{FEFF}' => f.severity = Severity::Medium,
            _ => {}
        }
        f.help = Some("Remove the invisible character(s); a reader cannot see them, but a model or a comparison does.".into());
        self.out.push(f);
    }

    fn space_run(&mut self, ctx: &SegCtx<'_>, span: Range<usize>) {
        let s = &ctx.text[span.clone()];
        let first = s.chars().next().unwrap_or(' ');
        let single = s.chars().count() == 1;
        let prev = ctx.prev_char(span.start);
        let next = ctx.next_char(span.end);
        let legit = match first {
            '\u{3000}'
                if cjk_near(ctx.prev_visible(span.start))
                    || cjk_near(ctx.next_visible(span.end)) =>
            {
                Some(Legit::CjkSpace)
            }
            '\u{00A0}' | '\u{202F}'
                if single
                    && (matches!(next, Some(':' | ';' | '!' | '?' | '»' | '%' | '€'))
                        || prev == Some('«')) =>
            {
                Some(Legit::FrenchSpacing)
            }
            '\u{00A0}' | '\u{202F}' | '\u{2009}'
                if single
                    && prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(char::is_alphanumeric) =>
            {
                Some(Legit::DigitGrouping)
            }
            _ => None,
        };
        if let Some(l) = legit {
            self.legit(l, Rule::UnusualSpace, ctx.index, span, ctx.text);
            return;
        }
        let mut f = finding(
            Rule::UnusualSpace,
            ctx.index,
            span,
            format!("{} where an ASCII space is expected", run_label(s)),
            run_label(s),
        );
        f.chars = char_notes(s);
        if matches!(first, '\u{2028}' | '\u{2029}') {
            f.severity = Severity::Medium;
            f.message = format!(
                "{}: a line break some readers show and others ignore",
                run_label(s)
            );
        }
        f.help = Some(
            "Replace with an ordinary space (U+0020) unless the typography requires it.".into(),
        );
        self.out.push(f);
    }

    /// Analyse the word containing the non-ASCII word character at `at`; returns
    /// the word's end so it is analysed once.
    fn word(&mut self, ctx: &SegCtx<'_>, at: usize) -> usize {
        let text = ctx.text;
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_word_char(c) || is_lm_apostrophe(c))
            .last()
            .map_or(at, |(k, _)| k);
        let end = text[at..]
            .char_indices()
            .find(|&(_, c)| !(is_word_char(c) || is_lm_apostrophe(c)))
            .map_or(text.len(), |(k, _)| at + k);
        let word = &text[start..end];
        let shown = clip(word);
        // Count letters per script family.
        let mut fams: Vec<(Family, usize)> = Vec::new();
        let mut ascii_letters = 0usize;
        for c in word.chars() {
            let f = family(c);
            if c.is_ascii_alphabetic() {
                ascii_letters += 1;
            }
            if matches!(f, Family::Neutral | Family::Cjk | Family::Hangul) || !c.is_alphabetic() {
                continue;
            }
            match fams.iter_mut().find(|(k, _)| *k == f) {
                Some((_, n)) => *n += 1,
                None => fams.push((f, 1)),
            }
        }
        let dominant = fams
            .iter()
            .max_by_key(|(_, n)| *n)
            .map_or(Family::Neutral, |(f, _)| *f);
        let mixed = fams.len() >= 2 && !is_unit_symbol(word);
        // Characters of the word that imitate ASCII inside a Latin word.
        let mut lookalikes: Vec<(Range<usize>, char, String)> = Vec::new();
        let mut foreign_other = false;
        for (k, c) in word.char_indices() {
            if c.is_ascii() {
                continue;
            }
            let f = family(c);
            let foreign = mixed
                && f != dominant
                && !matches!(f, Family::Neutral | Family::Cjk | Family::Hangul)
                && c.is_alphabetic();
            // Non-ASCII Latin letters of real orthographies (é, ı, ß…) are not suspects.
            let latin_suspect =
                f == Family::Latin && !matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF);
            let neutral_suspect = f == Family::Neutral && ascii_letters > 0 && c.is_alphabetic();
            // Full-width Latin letters are ordinary in CJK text.
            if matches!(c as u32, 0xFF01..=0xFF5E)
                && (cjk_near(ctx.prev_visible(start)) || cjk_near(ctx.next_visible(end)))
            {
                self.legit(
                    Legit::CjkFullwidth,
                    Rule::ConfusableCharacter,
                    ctx.index,
                    start + k..start + k + c.len_utf8(),
                    ctx.text,
                );
                continue;
            }
            let suspect = match dominant {
                Family::Latin => foreign || latin_suspect || neutral_suspect,
                Family::Neutral => neutral_suspect,
                _ => false,
            };
            if suspect && let Some(p) = self.prototype(c) {
                lookalikes.push((start + k..start + k + c.len_utf8(), c, p));
                continue;
            }
            if foreign {
                foreign_other = true;
            }
        }
        // Adjacent look-alikes (a whole full-width or homoglyph word) are one finding.
        let mut groups: Vec<Vec<&(Range<usize>, char, String)>> = Vec::new();
        for l in &lookalikes {
            match groups.last_mut() {
                Some(g) if g.last().is_some_and(|p| p.0.end == l.0.start) => g.push(l),
                _ => groups.push(vec![l]),
            }
        }
        let more = groups.len().saturating_sub(MAX_PER_WORD);
        for (k, g) in groups.into_iter().take(MAX_PER_WORD).enumerate() {
            let span = g[0].0.start..g[g.len() - 1].0.end;
            let proto: String = g.iter().map(|l| l.2.as_str()).collect();
            let first = g[0].1;
            let what = if g.len() == 1 {
                char_label(first)
            } else {
                format!(
                    "{} look-alike characters ({}, …)",
                    g.len(),
                    char_label(first)
                )
            };
            let mut f = finding(
                Rule::ConfusableCharacter,
                ctx.index,
                span.clone(),
                format!(
                    "{what} imitate{} {proto:?} in the Latin word {shown:?}",
                    if g.len() == 1 { "s" } else { "" }
                ),
                format!("{what}, imitates {proto}"),
            );
            f.chars = char_notes(&ctx.text[span]);
            if first.is_alphabetic() || ascii_letters > 0 {
                f.severity = Severity::High;
            }
            for l in &g {
                f.notes.push(format!(
                    "UTS #39 skeleton of {} is {:?}",
                    char_label(l.1),
                    l.2
                ));
            }
            if k + 1 == MAX_PER_WORD && more > 0 {
                f.notes.push(format!(
                    "{more} more look-alike run(s) in this word not reported"
                ));
            }
            f.help = Some(format!(
                "Replace with {proto:?}; a reader sees no difference, a program does."
            ));
            self.out.push(f);
        }
        if mixed && (foreign_other || lookalikes.is_empty()) {
            let names: Vec<String> = fams.iter().map(|(f, n)| format!("{f:?} ×{n}")).collect();
            let foreign: String = word
                .chars()
                .filter(|&c| {
                    c.is_alphabetic()
                        && family(c) != dominant
                        && !matches!(family(c), Family::Neutral | Family::Cjk | Family::Hangul)
                })
                .collect();
            let mut f = finding(
                Rule::MixedScriptWord,
                ctx.index,
                start..end,
                format!(
                    "the word {shown:?} mixes letters of different scripts ({})",
                    names.join(", ")
                ),
                format!("mixes {}", names.join(" + ")),
            );
            f.chars = char_notes(&foreign);
            f.help = Some("A word normally uses one script; check whether letters were swapped for look-alikes.".into());
            self.out.push(f);
        }
        end
    }

    /// A non-letter, non-space, non-invisible character outside any word.
    fn punctuation(&mut self, ctx: &SegCtx<'_>, at: usize, c: char) {
        let cp = c as u32;
        // General punctuation and Latin-1 signs (’ “ ” – — … « ») are typography;
        // quotes among them are judged by the odd-one-out statistic (PS508).
        if matches!(cp, 0x00A1..=0x00BF | 0x2000..=0x206F) {
            return;
        }
        // Context first (cheap), the UTS #39 prototype only for what is left.
        let span = at..at + c.len_utf8();
        let prev = ctx.prev_char(at);
        let next = ctx.next_char(span.end);
        let fullwidth = matches!(cp, 0xFF01..=0xFF5E);
        if fullwidth {
            if cjk_near(ctx.prev_visible(at)) || cjk_near(ctx.next_visible(span.end)) {
                self.legit(
                    Legit::CjkFullwidth,
                    Rule::ConfusableCharacter,
                    ctx.index,
                    span,
                    ctx.text,
                );
                return;
            }
        } else if !(prev.is_some_and(|p| p.is_ascii_alphanumeric())
            || next.is_some_and(|n| n.is_ascii_alphanumeric()))
        {
            // Symbols standing apart (math, Armenian or Greek punctuation in their own
            // text) are not imitating anything in Latin text.
            return;
        }
        let Some(proto) = self.prototype(c) else {
            return;
        };
        let mut f = finding(
            Rule::ConfusableCharacter,
            ctx.index,
            span,
            format!("{} imitates {proto:?} in Latin text", char_label(c)),
            format!("{}, imitates {proto}", char_label(c)),
        );
        f.chars = vec![CharNote::new(c, 1)];
        f.notes.push(format!(
            "UTS #39 skeleton of {} is {proto:?}",
            char_label(c)
        ));
        f.help = Some(format!("Replace it with {proto:?}."));
        self.out.push(f);
    }
}

/// Most look-alike findings reported for one word (a megabyte "word" of
/// alternating scripts must not yield a finding per letter).
const MAX_PER_WORD: usize = 20;

/// A word as shown in messages: at most 40 characters.
fn clip(word: &str) -> String {
    match word.char_indices().nth(40) {
        Some((k, _)) => format!("{}…", &word[..k]),
        None => word.to_string(),
    }
}

/// Kana, ideographs, Hangul syllables, ideographic punctuation (not U+3000, a
/// space) and half-width kana: characters no detector reports in any context.
#[inline]
#[allow(clippy::needless_bitwise_bool)] // branch-free on purpose
const fn is_quiet(cp: u32) -> bool {
    (cp.wrapping_sub(0x3001) <= 0x303F - 0x3001)
        | (cp.wrapping_sub(0x3041) <= 0x30FF - 0x3041)
        | (cp.wrapping_sub(0x3400) <= 0x4DBF - 0x3400)
        | (cp.wrapping_sub(0x4E00) <= 0x9FFF - 0x4E00)
        | (cp.wrapping_sub(0xAC00) <= 0xD7A3 - 0xAC00)
        | (cp.wrapping_sub(0xFF61) <= 0xFF9F - 0xFF61)
}

/// For each 64-code-point block of U+0000–U+FFFF (the block a three-byte
/// sequence's first two bytes select), the quiet code points as a range of the
/// third byte: `(lo, span)`, quiet iff `third - lo <= span` (wrapping). Every
/// block's quiet set is one contiguous range (checked when the table is built);
/// a block without any is `(0, 0x7F)`, which no continuation byte satisfies.
const QUIET_THIRD_BYTE: [(u8, u8); 1024] = {
    let mut t = [(0u8, 0x7Fu8); 1024];
    let mut k = 0;
    while k < 1024 {
        let (mut first, mut last, mut n) = (64u32, 0u32, 0u32);
        let mut j = 0;
        while j < 64 {
            if is_quiet(((k as u32) << 6) | j) {
                if first == 64 {
                    first = j;
                }
                last = j;
                n += 1;
            }
            j += 1;
        }
        if n > 0 {
            assert!(
                n == last - first + 1,
                "quiet set of a block is not contiguous"
            );
            t[k] = ((0x80 + first) as u8, (last - first) as u8);
        }
        k += 1;
    }
    t
};

/// End of the run of [`is_quiet`] characters starting at byte `i` (`i` itself
/// when none starts there). All quiet characters are three-byte sequences, and
/// `b` is valid UTF-8 (it comes from a `&str`), so a lead byte `0xE_` is always
/// followed by two continuation bytes: the first two select a row of
/// [`QUIET_THIRD_BYTE`], the third is compared with it. No decoding, and every
/// character takes the same path, so the branches are predicted (kana and
/// ideographs alternate unpredictably: a branch on the range cost a
/// misprediction per character). Not inlined: inside the large scan loop the
/// index and slice lived on the stack; on its own the loop keeps them in registers.
#[inline(never)]
fn quiet_run_end(b: &[u8], mut i: usize) -> usize {
    while let Some(&[l, c1, c2]) = b.get(i..i + 3) {
        if l & 0xF0 != 0xE0 {
            break;
        }
        let (lo, span) = QUIET_THIRD_BYTE[(usize::from(l & 0x0F) << 6) | usize::from(c1 & 0x3F)];
        if c2.wrapping_sub(lo) > span {
            break;
        }
        i += 3;
    }
    i
}

/// SI units written with Greek letters: `μs`, `µm`, `kΩ`, `MΩ`.
fn is_unit_symbol(word: &str) -> bool {
    let short_ascii =
        |s: &str| (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic());
    if let Some(rest) = word
        .strip_prefix('\u{03BC}')
        .or_else(|| word.strip_prefix('\u{00B5}'))
    {
        return short_ascii(rest);
    }
    if let Some(rest) = word
        .strip_suffix('\u{03A9}')
        .or_else(|| word.strip_suffix('\u{2126}'))
    {
        return rest.is_empty() || (rest.len() <= 2 && short_ascii(rest));
    }
    false
}

/// Modifier letters that imitate apostrophes/primes are letters (Lm), so they
/// glue to the word they sit in: `Todayʼs` is one word.
fn is_lm_apostrophe(c: char) -> bool {
    matches!(c, '\u{02B9}'..='\u{02BC}')
}

fn cjk_near(c: Option<char>) -> bool {
    // Range tests first: they decide the usual neighbours without a script lookup.
    c.is_some_and(|c| {
        is_quiet(c as u32)
            || is_cjk_punctuation(c)
            || matches!(family(c), Family::Cjk | Family::Hangul)
    })
}

fn run_end(text: &str, start: usize, pred: impl Fn(char) -> bool) -> usize {
    text[start..]
        .char_indices()
        .find(|&(_, c)| !pred(c))
        .map_or(text.len(), |(k, _)| start + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_skip() {
        let s = "a".repeat(40) + "é" + "b";
        assert_eq!(next_non_ascii(s.as_bytes(), 0), 40);
        assert_eq!(next_non_ascii(b"abc", 0), 3);
        let s = "x".repeat(9) + "é";
        assert_eq!(next_non_ascii(s.as_bytes(), 0), 9);
        assert_eq!(next_non_ascii(s.as_bytes(), 3), 9);
    }

    #[test]
    fn quiet_runs_decode_from_bytes() {
        let s = "漢字かなカナ한글、。x";
        assert_eq!(quiet_run_end(s.as_bytes(), 0), s.len() - 1);
        // U+3000 (a space) and U+4DC0 (a hexagram symbol) are not quiet.
        assert_eq!(quiet_run_end("漢\u{3000}字".as_bytes(), 0), 3);
        assert_eq!(quiet_run_end("\u{4DC0}".as_bytes(), 0), 0);
        assert_eq!(quiet_run_end("é漢".as_bytes(), 0), 0);
        assert_eq!(quiet_run_end("漢é".as_bytes(), 0), 3);
        // Every three-byte character agrees with the per-char definition.
        for cp in 0x800..=0xFFFF_u32 {
            if let Some(c) = char::from_u32(cp) {
                let mut buf = [0u8; 4];
                let enc = c.encode_utf8(&mut buf).as_bytes();
                assert_eq!(quiet_run_end(enc, 0) == 3, is_quiet(cp), "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn bidi_balance() {
        assert!(bidi_balanced("a\u{202E}b\u{202C}c"));
        assert!(!bidi_balanced("a\u{202E}b"));
        assert!(bidi_balanced("\u{2066}x\u{202B}y\u{2069}"));
        assert!(!bidi_balanced("\u{2067}x"));
    }
}
