//! Character classes: what kind of hidden or look-alike character a code point is.
//!
//! Design: every detector asks one question per non-ASCII character — "what class
//! is it?" — so the answer must be cheap. ASCII never reaches this module (callers
//! skip ASCII in bulk). Scripts that dominate real text (CJK, kana, Hangul) are
//! answered by range checks before any table lookup; everything else goes through
//! the `unicode-script` / `unicode-security` tables.
//!
//! Default_Ignorable_Code_Point is listed here (from Unicode 16 `DerivedCoreProperties.txt`,
//! the same ranges `unicode-security` uses internally but does not export); a test
//! checks it against `unicode_security::skeleton`, which drops exactly these.

use unicode_script::{Script, UnicodeScript};

use crate::quote_lookalikes::{APOSTROPHE_LIKE, DOUBLE_QUOTE_LIKE};

/// Default_Ignorable_Code_Point ranges (inclusive), sorted.
const DEFAULT_IGNORABLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// True for Default_Ignorable_Code_Point characters.
pub fn is_default_ignorable(c: char) -> bool {
    let cp = c as u32;
    if cp < 0xAD {
        return false;
    }
    DEFAULT_IGNORABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Bidirectional formatting characters: embeddings, overrides, isolates, and marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Unicode tag characters U+E0000–E007F.
pub fn is_tag(c: char) -> bool {
    matches!(c, '\u{E0000}'..='\u{E007F}')
}

/// Variation selectors VS1–VS256.
pub fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// The byte a variation selector stands for in "VS smuggling": VS1–16 → 0–15,
/// VS17–256 → 16–255.
pub fn variation_selector_byte(c: char) -> Option<u8> {
    match c {
        '\u{FE00}'..='\u{FE0F}' => Some((c as u32 - 0xFE00) as u8),
        '\u{E0100}'..='\u{E01EF}' => Some((c as u32 - 0xE0100 + 16) as u8),
        _ => None,
    }
}

/// Characters a reader cannot see: default-ignorables plus the interlinear
/// annotation controls (Cf, not default-ignorable, but invisible when rendered).
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{FFF9}'..='\u{FFFB}') || is_default_ignorable(c)
}

/// Space characters other than U+0020 that render as blank space.
pub fn is_unusual_space(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Spaces narrower than a word space (Unicode 16.0 §6.2, table 6-2 "Unicode
/// Space Characters": six-per-em, thin, hair, and the narrow no-break space,
/// which is a thin space that does not break): inserted between two
/// characters they read as kerning, not as a gap.
pub fn is_narrow_space(c: char) -> bool {
    matches!(c, '\u{2006}' | '\u{2009}' | '\u{200A}' | '\u{202F}')
}

/// Apostrophe look-alikes (including ASCII `'`): the code points whose UTS #39
/// skeleton is `'`, from the generated [`crate::quote_lookalikes`] table.
pub fn is_apostrophe_like(c: char) -> bool {
    APOSTROPHE_LIKE.binary_search(&c).is_ok()
}

/// Double-quote look-alikes (including ASCII `"`): the code points whose UTS #39
/// skeleton is `''` (the skeleton of `"`), plus the low double quotation mark
/// `„` that opens a quotation in German and other typographies (its skeleton
/// is `,,`, but it is one style with `“`).
pub fn is_double_quote_like(c: char) -> bool {
    c == '\u{201E}' || DOUBLE_QUOTE_LIKE.binary_search(&c).is_ok()
}

/// The apostrophe and double-quote look-alike sets as computed from the UTS #39
/// data of `unicode-security` (what `scripts/gen-quote-lookalikes.sh` writes
/// into the generated table; a test checks that they agree).
pub fn compute_quote_lookalikes() -> (Vec<char>, Vec<char>) {
    let (mut single, mut double) = (Vec::new(), Vec::new());
    let mut buf = [0u8; 4];
    for c in (0u32..=0x0010_FFFF).filter_map(char::from_u32) {
        let mut sk = unicode_security::skeleton(c.encode_utf8(&mut buf));
        match (sk.next(), sk.next(), sk.next()) {
            (Some('\''), None, _) => single.push(c),
            (Some('\''), Some('\''), None) => double.push(c),
            _ => {}
        }
    }
    (single, double)
}

/// Coarse script families used for word-level judgements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Digits, punctuation, symbols, combining marks: take the script of their neighbours.
    Neutral,
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Cjk,
    Hangul,
    Arabic,
    Hebrew,
    Indic,
    Other,
}

impl Family {
    /// Scripts whose words legitimately use ZWJ/ZWNJ between letters.
    pub fn uses_joiners(self) -> bool {
        matches!(self, Family::Arabic | Family::Indic | Family::Other)
    }
    /// Right-to-left scripts, where bidi marks are ordinary.
    pub fn is_rtl(self) -> bool {
        matches!(self, Family::Arabic | Family::Hebrew)
    }
}

/// Script family of a character; fast for ASCII and CJK.
pub fn family(c: char) -> Family {
    let cp = c as u32;
    if cp < 0x80 {
        return if c.is_ascii_alphabetic() {
            Family::Latin
        } else {
            Family::Neutral
        };
    }
    match cp {
        0x3040..=0x30FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x3FFFF => {
            return Family::Cjk;
        }
        0xAC00..=0xD7A3 => return Family::Hangul,
        _ => {}
    }
    match c.script() {
        Script::Common | Script::Inherited | Script::Unknown => Family::Neutral,
        Script::Latin => Family::Latin,
        Script::Greek | Script::Coptic => Family::Greek,
        Script::Cyrillic => Family::Cyrillic,
        Script::Armenian => Family::Armenian,
        Script::Han | Script::Hiragana | Script::Katakana | Script::Bopomofo | Script::Yi => {
            Family::Cjk
        }
        Script::Hangul => Family::Hangul,
        Script::Arabic | Script::Syriac | Script::Thaana | Script::Nko => Family::Arabic,
        Script::Hebrew => Family::Hebrew,
        Script::Devanagari
        | Script::Bengali
        | Script::Gurmukhi
        | Script::Gujarati
        | Script::Oriya
        | Script::Tamil
        | Script::Telugu
        | Script::Kannada
        | Script::Malayalam
        | Script::Sinhala => Family::Indic,
        _ => Family::Other,
    }
}

/// True for CJK full-width/ideographic punctuation and forms (U+3000–303F, U+FF00–FFEF).
pub fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}' | '\u{30FB}' | '\u{30FC}')
}

/// The ASCII string a non-ASCII character imitates per UTS #39, if its skeleton is
/// entirely ASCII (and not empty). `None` for ASCII input and for characters whose
/// skeleton is themselves or non-ASCII.
pub fn ascii_prototype(c: char) -> Option<String> {
    if c.is_ascii() || is_default_ignorable(c) {
        return None;
    }
    // Ideographs and Hangul syllables have no ASCII look-alikes; skip the NFD work.
    if matches!(family(c), Family::Cjk | Family::Hangul) && !is_cjk_punctuation(c) {
        return None;
    }
    let mut buf = [0u8; 4];
    let sk: String = unicode_security::skeleton(c.encode_utf8(&mut buf)).collect();
    if !sk.is_empty() && sk.is_ascii() {
        Some(sk)
    } else {
        None
    }
}

/// The UTS #39 skeleton of `s` (what `unicode_security::skeleton` yields),
/// as a string. Used by `classify` and the covert analyzer.
///
/// Fast path: an ASCII character is a canonical starter that decomposes to
/// itself, and its skeleton is made of starters too (`m` → `rn`, `%` →
/// `°/₀`; a test checks all 128 against combining marks on either side), so
/// the normalisations on either side of the prototype mapping never reorder
/// anything across it. The skeleton of a string is therefore the
/// skeletons of its ASCII characters (a 128-entry table computed once from
/// the same UTS #39 data) and of its maximal non-ASCII runs (through
/// `unicode_security`) laid end to end. An ASCII-only string costs one table
/// load per byte and no normalisation.
pub fn skeleton(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_skeleton(s, &mut out);
    out
}

/// Appends the skeleton of `s` to `out` (see [`skeleton`]).
pub fn push_skeleton(text: &str, out: &mut String) {
    let table = ascii_skeletons();
    let bytes = text.as_bytes();
    // Bytes [copied, i) are ASCII characters whose skeleton is themselves,
    // not yet written.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte < 0x80 {
            let entry = &table[usize::from(byte)];
            if !entry.identity {
                out.push_str(&text[copied..i]);
                out.push_str(&entry.skeleton);
                copied = i + 1;
            }
            i += 1;
            continue;
        }
        out.push_str(&text[copied..i]);
        let end = bytes[i..]
            .iter()
            .position(|&x| x < 0x80)
            .map_or(bytes.len(), |n| i + n);
        out.extend(unicode_security::skeleton(&text[i..end]));
        i = end;
        copied = end;
    }
    out.push_str(&text[copied..]);
}

/// Skeleton of one ASCII character.
struct AsciiSkeleton {
    skeleton: String,
    /// The skeleton is the character itself.
    identity: bool,
}

/// The skeletons of the 128 ASCII characters, computed once from the UTS #39
/// data of `unicode-security` (so they can never disagree with it).
fn ascii_skeletons() -> &'static [AsciiSkeleton] {
    static TABLE: std::sync::OnceLock<Vec<AsciiSkeleton>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0u8..128)
            .map(|b| {
                let c = char::from(b);
                let mut buf = [0u8; 4];
                let skeleton: String =
                    unicode_security::skeleton(c.encode_utf8(&mut buf)).collect();
                let identity = skeleton.len() == 1 && skeleton.as_bytes()[0] == b;
                AsciiSkeleton { skeleton, identity }
            })
            .collect()
    })
}

/// The UTS #39 skeleton exactly as `unicode_security` computes it (the
/// reference the fast [`skeleton`] is tested against).
#[cfg(test)]
pub(crate) fn skeleton_reference(s: &str) -> String {
    unicode_security::skeleton(s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ignorable_matches_skeleton_dropping() {
        // UTS #39 (Unicode 15.1+) drops exactly the default-ignorables from skeletons.
        // Exceptions are none; if this fails after a dependency update, the table above
        // needs refreshing from DerivedCoreProperties.txt.
        let mut mismatches = Vec::new();
        for cp in 0u32..=0x0010_FFFF {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let mut buf = [0u8; 4];
            let empty = unicode_security::skeleton(c.encode_utf8(&mut buf))
                .next()
                .is_none();
            if empty != is_default_ignorable(c) {
                mismatches.push(cp);
            }
        }
        assert!(
            mismatches.is_empty(),
            "mismatching code points: {mismatches:X?}"
        );
    }

    #[test]
    fn quote_lookalike_tables_match_uts39() {
        // The generated tables are the UTS #39 data in use; after a dependency
        // update that changes it, run scripts/gen-quote-lookalikes.sh.
        let (single, double) = compute_quote_lookalikes();
        assert_eq!(APOSTROPHE_LIKE, single.as_slice());
        assert_eq!(DOUBLE_QUOTE_LIKE, double.as_slice());
        // Look-alikes the old hand list missed.
        for c in [
            '\u{201B}', '\u{2035}', '\u{2019}', '\u{02BC}', '\u{02B9}', '\u{FF07}',
        ] {
            assert!(is_apostrophe_like(c), "{c:?}");
        }
        assert!(is_double_quote_like('\u{201C}') && is_double_quote_like('\u{2033}'));
        assert!(!is_apostrophe_like('a') && !is_double_quote_like('\''));
    }

    #[test]
    fn classes() {
        assert!(is_invisible('\u{200B}'));
        assert!(is_invisible('\u{FFF9}'));
        assert!(!is_invisible('a'));
        assert!(is_bidi_control('\u{202E}'));
        assert!(is_tag('\u{E0041}'));
        assert_eq!(variation_selector_byte('\u{FE0F}'), Some(15));
        assert_eq!(variation_selector_byte('\u{E0100}'), Some(16));
        assert_eq!(variation_selector_byte('\u{E01EF}'), Some(255));
        assert!(is_unusual_space('\u{00A0}'));
        assert!(!is_unusual_space(' '));
    }

    #[test]
    fn ascii_skeletons_are_starters() {
        // The fast path of `skeleton` relies on this (see its doc): an
        // ASCII character's skeleton (`%` → `°/₀`, `m` → `rn`) never joins
        // a combining mark before or after it in canonical reordering.
        let marks = (0x300u32..0x370)
            .chain(0x1AB0..0x1B00)
            .chain(0x20D0..0x2100)
            .chain([0x0E31, 0x05B0, 0x093C, 0x3099]);
        for m in marks.filter_map(char::from_u32) {
            for b in 0u8..128 {
                let a = char::from(b);
                for s in [
                    format!("{a}{m}\u{316}"),
                    format!("{m}{a}\u{316}{m}"),
                    format!("\u{e9}{a}{m}"),
                ] {
                    assert_eq!(skeleton(&s), skeleton_reference(&s), "{s:?}");
                }
            }
        }
        assert_eq!(skeleton("m0|%"), skeleton_reference("m0|%"));
        assert!(ascii_skeletons().iter().any(|t| !t.identity));
    }

    #[test]
    fn skeleton_fast_path_matches_reference_on_every_char() {
        // Each scalar value alone and between ASCII neighbours that map
        // (`m` → `rn`) and that do not.
        for cp in (0u32..=0x0010_FFFF).step_by(7).chain(0..0x3000) {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for s in [c.to_string(), format!("m{c}a"), format!("{c}\u{301}0{c}")] {
                assert_eq!(skeleton(&s), skeleton_reference(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn prototypes() {
        assert_eq!(ascii_prototype('\u{2019}').as_deref(), Some("'"));
        assert_eq!(ascii_prototype('\u{02BC}').as_deref(), Some("'"));
        assert_eq!(ascii_prototype('\u{02B9}').as_deref(), Some("'"));
        assert_eq!(ascii_prototype('\u{0430}').as_deref(), Some("a"));
        assert_eq!(ascii_prototype('\u{03BF}').as_deref(), Some("o"));
        assert_eq!(ascii_prototype('\u{FF1A}').as_deref(), Some(":"));
        assert_eq!(ascii_prototype('é'), None);
        assert_eq!(ascii_prototype('中'), None);
        assert_eq!(ascii_prototype('a'), None);
    }

    #[test]
    fn families() {
        assert_eq!(family('a'), Family::Latin);
        assert_eq!(family('é'), Family::Latin);
        assert_eq!(family('а'), Family::Cyrillic);
        assert_eq!(family('ο'), Family::Greek);
        assert_eq!(family('中'), Family::Cjk);
        assert_eq!(family('か'), Family::Cjk);
        assert_eq!(family('한'), Family::Hangul);
        assert_eq!(family('ب'), Family::Arabic);
        assert_eq!(family('क'), Family::Indic);
        assert_eq!(family('1'), Family::Neutral);
    }
}
