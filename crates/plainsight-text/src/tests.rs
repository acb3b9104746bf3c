//! End-to-end tests of `analyze_document` on small hand-written inputs.

use std::fmt::Write as _;

use super::*;
use crate::payload::tests::encode_bits;

fn run(segments: &[&str]) -> Vec<TextFinding> {
    analyze_document(segments, &Options::default())
}

fn codes(segments: &[&str]) -> Vec<&'static str> {
    run(segments).iter().map(|f| f.rule.code()).collect()
}

fn prose(n: usize) -> String {
    "It's a plain line of prose, and it's fine.\n".repeat(n)
}

#[test]
fn clean_text_has_no_findings() {
    assert!(run(&[&prose(20)]).is_empty());
    assert!(run(&["", "a", "\n\n"]).is_empty());
}

#[test]
fn zero_width_space() {
    let f = run(&["Hello\u{200B}world"]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, Rule::InvisibleCharacter);
    assert_eq!(f[0].span, 5..8);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].chars[0].codepoint, "U+200B");
}

#[test]
fn adjacent_invisibles_are_one_finding() {
    let f = run(&["a\u{200B}\u{2060}\u{200B}b"]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].chars.len(), 2);
    assert_eq!(f[0].chars[0].count, 2);
}

#[test]
fn bom_only_at_start_is_fine() {
    assert!(run(&["\u{FEFF}text"]).is_empty());
    assert_eq!(codes(&["te\u{FEFF}xt"]), ["PS501"]);
    assert_eq!(codes(&["ok", "\u{FEFF}text"]), ["PS501"]);
}

#[test]
fn tags_decode_and_flags_pass() {
    let hidden: String = "ignore all"
        .chars()
        .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
        .collect();
    let f = run(&[&format!("Hi{hidden}!")]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, Rule::TagCharacters);
    assert_eq!(f[0].decoded.as_deref(), Some("ignore all"));
    assert_eq!(f[0].severity, Severity::Critical);
    // England flag: 🏴 + gbeng + CANCEL TAG.
    assert!(run(&["\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"]).is_empty());
}

#[test]
fn variation_selectors() {
    assert!(run(&["\u{2764}\u{FE0F} love"]).is_empty());
    assert!(run(&["\u{845B}\u{E0100}"]).is_empty());
    assert_eq!(codes(&["a\u{FE0F}b"]), ["PS503"]);
    let smuggled: String = "hi there"
        .bytes()
        .map(|b| {
            if b < 16 {
                char::from_u32(0xFE00 + u32::from(b)).unwrap()
            } else {
                char::from_u32(0xE0100 + u32::from(b) - 16).unwrap()
            }
        })
        .collect();
    let f = run(&[&format!("\u{1F600}{smuggled}")]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].decoded.as_deref(), Some("hi there"));
    assert_eq!(f[0].severity, Severity::Critical);
}

#[test]
fn bidi() {
    let f = run(&["if x \u{202E} y\n"]);
    assert_eq!(f[0].rule, Rule::BidiControl);
    assert_eq!(f[0].severity, Severity::Critical);
    let f = run(&["a \u{2066}b\u{2069} c"]);
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f.severity == Severity::High));
    assert!(run(&["\u{05E9}\u{05DC}\u{05D5}\u{05DD}\u{200F} 123"]).is_empty());
    assert_eq!(codes(&["plain\u{200F}text"]), ["PS504"]);
}

#[test]
fn lookalike_apostrophes_in_words() {
    for (alt, name) in [('\u{02BC}', "U+02BC"), ('\u{02B9}', "U+02B9")] {
        let f = run(&[&format!("Today{alt}s date is 2026-11-21.")]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].rule, Rule::ConfusableCharacter);
        assert!(f[0].label.starts_with(name));
        assert!(f[0].message.contains("imitates \"'\""), "{}", f[0].message);
    }
    // A typographic apostrophe on its own is typography, not a finding.
    assert!(run(&["Today\u{2019}s date is 2026-11-21."]).is_empty());
}

#[test]
fn cyrillic_in_latin_word() {
    let f = run(&["You \u{0430}re here"]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, Rule::ConfusableCharacter);
    assert_eq!(f[0].span, 4..6);
    assert!(f[0].message.contains("CYRILLIC SMALL LETTER A"));
    assert!(
        run(&["\u{041F}\u{0440}\u{0438}\u{0432}\u{0435}\u{0442} \u{043C}\u{0438}\u{0440}"])
            .is_empty()
    );
    assert!(run(&["\u{039A}\u{03B1}\u{03BB}\u{03B7}\u{03BC}\u{03AD}\u{03C1}\u{03B1}"]).is_empty());
}

#[test]
fn mixed_script_word_without_lookalike() {
    // Latin + Cyrillic letter with no ASCII look-alike (Д).
    let f = run(&["abc\u{0414}ef"]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, Rule::MixedScriptWord);
    assert_eq!(f[0].span, 0..7);
}

#[test]
fn fullwidth_colon() {
    assert_eq!(codes(&["Note\u{FF1A} hello"]), ["PS505"]);
    assert!(run(&["\u{6CE8}\u{610F}\u{FF1A}\u{4ECA}\u{65E5}"]).is_empty());
}

#[test]
fn spaces() {
    assert_eq!(codes(&["two\u{00A0}words"]), ["PS507"]);
    assert!(run(&["Bonjour\u{00A0}: merci\u{202F}!"]).is_empty());
    assert!(run(&["\u{65E5}\u{672C}\u{3000}\u{8A9E}"]).is_empty());
    assert_eq!(codes(&["a\u{2003}b"]), ["PS507"]);
}

#[test]
fn emoji_zwj_and_joiners_are_fine() {
    assert!(run(&["family \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"]).is_empty());
    assert!(run(&["\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}"]).is_empty());
    // Persian: می‌خواهم with ZWNJ.
    assert!(run(&["\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}"]).is_empty());
    // Hindi: क्‍ष with ZWJ after virama.
    assert!(run(&["\u{0915}\u{094D}\u{200D}\u{0937}"]).is_empty());
    // ZWNJ between Latin letters is not legitimate.
    assert_eq!(codes(&["ab\u{200C}cd"]), ["PS501"]);
}

#[test]
fn zero_width_payload_decodes() {
    let bits = encode_bits("exfil", '\u{200B}', '\u{200C}');
    let f = run(&[&format!("Nothing to see{bits} here")]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule, Rule::ZeroWidthPayload);
    assert_eq!(f[0].decoded.as_deref(), Some("exfil"));
    assert_eq!(f[0].severity, Severity::Critical);
}

#[test]
fn odd_apostrophe() {
    let text = format!("{}Today\u{2019}s date is here.\n", prose(5));
    let f = run(&[&text]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule, Rule::OddQuoteStyle);
    assert!(f[0].notes[0].contains("×10"), "{:?}", f[0].notes);
    // Across segments too.
    let p = prose(5);
    assert_eq!(codes(&[&p, "Today\u{2019}s"]), ["PS508"]);
    // Consistent typographic apostrophes: nothing.
    assert!(run(&[&prose(5).replace('\'', "\u{2019}")]).is_empty());
}

#[test]
fn ascii_apostrophes_are_looked_up_as_far_as_reported() {
    // Majority ASCII: the note names the first in-word `'` (the `'` that
    // opens the text is outside a word and counted, not named).
    let text = format!("'x' {}Today\u{2019}s\n", prose(3));
    let f = run(&[&text]);
    assert_eq!(f.len(), 1, "{f:?}");
    let first = text.find("It's").unwrap() + 2;
    assert!(
        f[0].notes[0].contains(&format!("first in segment 0 at byte {first}")),
        "{:?}",
        f[0].notes
    );
    // Rare ASCII among typographic ones: every ASCII use is reported, in
    // document order, across segments.
    let typo = prose(4).replace('\'', "\u{2019}");
    let a = "Bob's here.";
    let b = "Ann's too.";
    let f = run(&[a, &typo, b]);
    let odd: Vec<_> = f.iter().filter(|f| f.rule == Rule::OddQuoteStyle).collect();
    assert_eq!(odd.len(), 2, "{f:?}");
    assert_eq!((odd[0].segment, odd[0].span.clone()), (0, 3..4));
    assert_eq!((odd[1].segment, odd[1].span.clone()), (2, 3..4));
    assert!(odd[0].notes[0].contains("\u{d7}8"), "{:?}", odd[0].notes);
    // Neither rare nor the majority: nothing reported either way.
    let f = run(&[
        &prose(2),
        &"Ann\u{2019}s Bob\u{2019}s Cy\u{2019}s\n".repeat(2),
    ]);
    assert!(f.iter().all(|f| f.rule != Rule::OddQuoteStyle), "{f:?}");
}

#[test]
fn every_uts39_apostrophe_lookalike_is_odd_one_out() {
    // U+201B and U+2035 have the skeleton `'` under UTS #39 like U+2019, U+02BC
    // and U+02B9; the old hand list missed them, so the channel's bit was lost.
    for alt in [
        '\u{201B}', '\u{2035}', '\u{2019}', '\u{02BC}', '\u{02B9}', '\u{055A}',
    ] {
        let text = format!("{}Today{alt}s date is here.\n", prose(5));
        let f = run(&[&text]);
        let odd: Vec<_> = f.iter().filter(|f| f.rule == Rule::OddQuoteStyle).collect();
        assert_eq!(odd.len(), 1, "U+{:04X}: {f:?}", alt as u32);
        let at = text.find(alt).unwrap();
        assert_eq!(odd[0].span, at..at + alt.len_utf8());
    }
    // A letter whose skeleton is `'` inside a word of its own script is that
    // letter (Hebrew yod), not an apostrophe.
    let hebrew = format!(
        "{}\u{05E9}\u{05D9}\u{05E8} \u{05D0}\u{05D9}\u{05DA}\n",
        prose(5)
    );
    assert!(
        run(&[&hebrew])
            .iter()
            .all(|f| f.rule != Rule::OddQuoteStyle),
        "{:?}",
        run(&[&hebrew])
    );
}

#[test]
fn odd_date() {
    let mut text = String::new();
    for d in 10..20 {
        writeln!(text, "Today's date is 2026-11-{d}.").unwrap();
    }
    text.push_str("Today's date is 2026/11/21.\n");
    let f = run(&[&text]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule, Rule::OddDateFormat);
    assert_eq!(&text[f[0].span.clone()], "2026/11/21");
    assert!(f[0].message.contains("YYYY-MM-DD"));
}

#[test]
fn odd_whitespace() {
    let mut text = prose(12);
    text.push_str("A line with a trailing space. \nAnd  a doubled one.\n");
    let f = run(&[&text]);
    let c: Vec<_> = f.iter().map(|f| f.rule.code()).collect();
    assert_eq!(c, ["PS510", "PS510"], "{f:?}");
    // Indentation is not doubling.
    let code = "fn x() {\n    let a = 1;\n}\n".repeat(5);
    assert!(run(&[&code]).is_empty());
}

#[test]
fn include_legitimate_reports_info() {
    let opts = Options {
        include_legitimate: true,
        ..Options::default()
    };
    let f = analyze_document(&["\u{2764}\u{FE0F}"], &opts);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
}

#[test]
fn sorted_by_segment_and_offset() {
    let f = run(&["b\u{200B}", "a\u{200B}c\u{00A0}d"]);
    let keys: Vec<_> = f.iter().map(|f| (f.segment, f.span.start)).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    assert_eq!(keys.len(), 3);
}

/// Deterministic xorshift64* generator: no dependency, reproducible failures.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Characters that exercise every detector and every legitimate-use rule.
const ALPHABET: &[char] = &[
    'a',
    'b',
    'T',
    's',
    ' ',
    ' ',
    '\n',
    '\r',
    '\t',
    '\'',
    '"',
    '-',
    '/',
    '.',
    ':',
    '!',
    '1',
    '2',
    '0',
    '9',
    '{',
    '}',
    '$',
    '«',
    '\u{00A0}',
    '\u{202F}',
    '\u{3000}',
    '\u{2003}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{2060}',
    '\u{FEFF}',
    '\u{00AD}',
    '\u{180E}',
    '\u{E0041}',
    '\u{E0067}',
    '\u{E007F}',
    '\u{1F3F4}',
    '\u{FE0F}',
    '\u{FE00}',
    '\u{E0100}',
    '\u{202E}',
    '\u{202C}',
    '\u{2066}',
    '\u{2069}',
    '\u{200F}',
    '\u{2019}',
    '\u{201C}',
    '\u{02BC}',
    '\u{02B9}',
    '\u{0430}',
    '\u{03BF}',
    '\u{0414}',
    '\u{FF1A}',
    '\u{FF21}',
    '\u{4E2D}',
    '\u{3042}',
    '\u{D55C}',
    '\u{0645}',
    '\u{05E9}',
    '\u{0915}',
    '\u{094D}',
    '\u{1F468}',
    '\u{2764}',
    '\u{0301}',
    '\u{1D41A}',
    '\u{FFF9}',
    '\u{10FFFF}',
    '\u{1F1E6}',
];

fn random_string(rng: &mut XorShift, max_len: usize) -> String {
    let len = rng.below(max_len + 1);
    (0..len)
        .map(|_| {
            if rng.below(8) == 0 {
                // Any scalar value.
                char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{FFFD}')
            } else {
                ALPHABET[rng.below(ALPHABET.len())]
            }
        })
        .collect()
}

#[test]
fn never_panics_on_random_text() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let opts_all = Options {
        include_legitimate: true,
        odd_one_out_min_majority: 1,
    };
    for round in 0..3000 {
        let a = random_string(&mut rng, 48);
        let b = random_string(&mut rng, 48);
        // Mutations of `a` hit the interesting (nearly equal) cases of classify.
        let mut c: Vec<char> = a.chars().collect();
        if !c.is_empty() {
            let k = rng.below(c.len());
            c[k] = ALPHABET[rng.below(ALPHABET.len())];
        }
        let c: String = c.into_iter().collect();
        for opts in [&Options::default(), &opts_all] {
            for f in analyze_document(&[&a, &b, &c], opts) {
                let seg = [&a, &b, &c][f.segment];
                assert!(
                    f.span.start <= f.span.end && f.span.end <= seg.len(),
                    "round {round}: {f:?}"
                );
                assert!(
                    seg.is_char_boundary(f.span.start) && seg.is_char_boundary(f.span.end),
                    "round {round}"
                );
            }
        }
        for (x, y) in [(&a, &b), (&a, &c)] {
            let cl = classify(x, y);
            assert_eq!(
                cl.kind == DiffKind::Identical,
                x == y,
                "round {round}: {x:?} {y:?}"
            );
            for s in &cl.spans {
                assert!(
                    x.is_char_boundary(s.a.start)
                        && x.is_char_boundary(s.a.end)
                        && s.a.end <= x.len()
                );
                assert!(
                    y.is_char_boundary(s.b.start)
                        && y.is_char_boundary(s.b.end)
                        && s.b.end <= y.len()
                );
            }
        }
        let n = normalize(&a, &Policy::default());
        // Replaying the edits on the original gives the normalized text.
        let mut replay = String::new();
        let mut at = 0;
        for e in &n.edits {
            replay.push_str(&a[at..e.span.start]);
            assert_eq!(&a[e.span.clone()], e.original);
            replay.push_str(&e.replacement);
            at = e.span.end;
        }
        replay.push_str(&a[at..]);
        assert_eq!(replay, n.text, "round {round}");
    }
}

#[test]
fn odd_whitespace_crlf_and_tabs() {
    let mut text = "A plain line of prose here.\r\n".repeat(12);
    text.push_str("Trailing tab here.\t\r\n");
    let f = run(&[&text]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule, Rule::OddWhitespace);
    assert_eq!(&text[f[0].span.clone()], "\t");
    // Consistent trailing blanks on every line are a style, not an odd one.
    assert!(run(&[&"Styled line.  \n".repeat(12)]).is_empty());
}

#[test]
fn lookalike_runs_and_units() {
    // A whole full-width word is one finding naming what it imitates.
    let f = run(&["let s = \"\u{FF28}\u{FF45}\u{FF4C}\u{FF4C}\u{FF4F}\";"]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].message.contains("\"Hello\""), "{}", f[0].message);
    assert_eq!(f[0].chars.len(), 4);
    // SI units with Greek letters are not mixed-script words.
    assert!(run(&["took 7.3 \u{03BC}s and 10 k\u{03A9}"]).is_empty());
    // URL path dates are not dates.
    let mut t = "Released 2026-01-02.\n".repeat(5);
    t.push_str("See https://blog.example/2024/05/06/post.html\n");
    assert!(run(&[&t]).is_empty());
    // Aligned columns and sentence spacing are not doubled spaces.
    let mut t = "| Crate   | License |\nSentence one.  Sentence two.\n".repeat(6);
    t.push_str("just one  extra space\n");
    let f = run(&[&t]);
    assert_eq!(
        f.iter().map(|f| f.rule.code()).collect::<Vec<_>>(),
        ["PS510"],
        "{f:?}"
    );
}

#[test]
fn huge_mixed_word_is_bounded() {
    let word = "ab\u{0430}".repeat(200_000);
    let f = run(&[&word]);
    assert_eq!(f.len(), 20);
    assert!(f.iter().all(|f| f.message.len() < 400));
    assert!(f[19].notes.iter().any(|n| n.contains("more look-alike")));
}

/// The fused block pass must find what straddles a block boundary: slide each
/// planted thing across two boundaries, one byte at a time.
#[test]
fn findings_at_every_offset_across_block_boundaries() {
    let majority = "Dates 2026-11-10, 2026-11-11, 2026-11-12, 2026-11-13 it's.\n".repeat(5);
    let cases: [(&str, Rule, &str); 5] = [
        ("on 2026/11/21 ok", Rule::OddDateFormat, "2026/11/21"),
        ("Today\u{2019}s here", Rule::OddQuoteStyle, "\u{2019}"),
        ("a\u{200B}b", Rule::InvisibleCharacter, "\u{200B}"),
        ("trailing \n", Rule::OddWhitespace, " "),
        ("one  two", Rule::OddWhitespace, "  "),
    ];
    for (planted, rule, shown) in cases {
        for pad in 0..2 * crate::block::BLOCK + 8 {
            let mut text = majority.clone();
            text.push_str(&"x".repeat(pad));
            text.push(' ');
            text.push_str(planted);
            text.push('\n');
            text.push_str(&"Plain line.\n".repeat(12));
            let f = run(&[&text]);
            let hit: Vec<_> = f.iter().filter(|f| f.rule == rule).collect();
            assert_eq!(hit.len(), 1, "{planted:?} after {pad} bytes: {f:?}");
            assert_eq!(&text[hit[0].span.clone()], shown, "{planted:?} after {pad}");
        }
    }
    // The other form first: the ASCII apostrophes after it are counted block by
    // block, in this segment and the next.
    for pad in 0..crate::block::BLOCK + 8 {
        let first = format!("{} Today\u{2019}s here.\n{majority}", "x".repeat(pad));
        let f = run(&[&first, &majority]);
        assert_eq!(f.len(), 1, "after {pad}: {f:?}");
        assert!(f[0].notes[0].contains("×10"), "{:?}", f[0].notes);
    }
}

/// A random string and mutations of it: the nearly equal pairs `classify`
/// sees from code (a look-alike, an invisible, a separator swapped in).
fn mutated(rng: &mut XorShift, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    for _ in 0..=rng.below(3) {
        let k = rng.below(c.len() + 1);
        let x = ALPHABET[rng.below(ALPHABET.len())];
        match rng.below(3) {
            0 if k < c.len() => c[k] = x,
            1 if k < c.len() => {
                c.remove(k);
            }
            _ => c.insert(k, x),
        }
    }
    c.into_iter().collect()
}

/// ASCII-heavy text like a bundle's strings, with the occasional non-ASCII
/// character from the alphabet (look-alikes, invisibles, marks, tags) and
/// `\u` escapes written out as text (what a surrogate pair looks like in
/// source).
fn code_like(rng: &mut XorShift, max_len: usize) -> String {
    const WORDS: &[&str] = &[
        "Today's date is ",
        "${y}-${m}-${d}",
        "mode",
        "rn",
        "l0I1|",
        " ",
        "\\uD83D\\uDE00",
        "\\u200B",
        "0",
        "\n",
    ];
    let mut s = String::new();
    let target = rng.below(max_len + 1);
    while s.len() < target {
        if rng.below(4) == 0 {
            s.push(ALPHABET[rng.below(ALPHABET.len())]);
        } else {
            s.push_str(WORDS[rng.below(WORDS.len())]);
        }
    }
    s
}

#[test]
fn skeleton_fast_path_matches_reference_on_random_text() {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    for round in 0..20_000 {
        let s = if round % 2 == 0 {
            random_string(&mut rng, 40)
        } else {
            code_like(&mut rng, 80)
        };
        let m = mutated(&mut rng, &s);
        for x in [&s, &m] {
            assert_eq!(
                crate::chars::skeleton(x),
                crate::chars::skeleton_reference(x),
                "round {round}: {x:?}"
            );
        }
    }
}

#[test]
fn align_matches_reference_on_random_pairs() {
    let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
    for round in 0..20_000 {
        let a = if round % 2 == 0 {
            random_string(&mut rng, 48)
        } else {
            code_like(&mut rng, 120)
        };
        let b = if rng.below(4) == 0 {
            random_string(&mut rng, 48)
        } else {
            mutated(&mut rng, &a)
        };
        assert_eq!(
            crate::classify::align(&a, &b),
            crate::classify::align_reference(&a, &b),
            "round {round}: {a:?} {b:?}"
        );
    }
    // Around the table limit, after a large table left the buffer dirty.
    let long = "ab\u{2019}c ".repeat(200);
    for (a, b) in [
        (
            long.clone(),
            long.replace('\'', "\u{2019}").replace('c', "\u{0441}"),
        ),
        ("x".repeat(1000), format!("y{}", "x".repeat(1000))),
        ("xy".to_string(), "yx".to_string()),
        (long.clone(), long[..long.len() / 2].to_string()),
    ] {
        assert_eq!(
            crate::classify::align(&a, &b),
            crate::classify::align_reference(&a, &b)
        );
    }
}
