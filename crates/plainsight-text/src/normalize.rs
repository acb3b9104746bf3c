//! `normalize`: the canonical form of a text, with every change kept as evidence.
//!
//! Design: normalisation is driven by the findings of [`crate::analyze_document`]
//! on the text, not by a separate character map. That way it strips and folds
//! exactly what the engine reports, and keeps exactly what the engine deems a
//! legitimate use (emoji ZWJ sequences, flag tags, French no-break spaces, CJK
//! full-width punctuation…), with no second definition that could drift.
//!
//! Quote-like look-alikes fold to the document's *dominant* form rather than to
//! ASCII: a text written with `’` throughout keeps `’`, and only the odd `ʼ` is
//! changed. Dates and whitespace statistics (PS509/PS510) are not rewritten: the
//! right form is a matter of style, not of hidden content.

use crate::chars::{ascii_prototype, is_apostrophe_like, is_double_quote_like, is_unusual_space};
use crate::{Edit, Normalized, Options, Policy, Rule, analyze_document};

pub fn normalize(text: &str, policy: &Policy) -> Normalized {
    let findings = analyze_document(&[text], &Options::default());
    let apostrophe = dominant(text, true);
    let dquote = dominant(text, false);
    let mut edits: Vec<Edit> = Vec::new();
    for f in &findings {
        let original = &text[f.span.clone()];
        let replacement = match f.rule {
            Rule::InvisibleCharacter
            | Rule::TagCharacters
            | Rule::VariationSelector
            | Rule::BidiControl
            | Rule::ZeroWidthPayload
                if policy.strip_invisibles =>
            {
                String::new()
            }
            Rule::UnusualSpace if policy.fold_spaces => original
                .chars()
                .map(|c| if is_unusual_space(c) { ' ' } else { c })
                .collect(),
            Rule::ConfusableCharacter | Rule::OddQuoteStyle if policy.fold_lookalikes => {
                let Some(c) = original.chars().next() else {
                    continue;
                };
                if is_apostrophe_like(c) {
                    apostrophe.to_string()
                } else if is_double_quote_like(c) {
                    curly_or_straight(dquote, text[..f.span.start].chars().next_back()).to_string()
                } else if let Some(p) = ascii_prototype(c) {
                    p
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        if replacement == original {
            continue;
        }
        edits.push(Edit {
            span: f.span.clone(),
            original: original.to_string(),
            replacement,
            rule: f.rule,
        });
    }
    // One finding per span is enough (a look-alike apostrophe can be both PS505 and PS508).
    edits.sort_by_key(|e| (e.span.start, std::cmp::Reverse(e.span.end)));
    let mut kept: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        if kept.last().is_none_or(|k| e.span.start >= k.span.end) {
            kept.push(e);
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in &kept {
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.replacement);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    Normalized {
        text: out,
        edits: kept,
    }
}

/// The most used apostrophe between letters (`apostrophes`) or double quote, or
/// ASCII. Only the two typographic conventions compete (`'`/`’`, `"`/`“”`):
/// modifier letters, primes and full-width forms are never the right target.
fn dominant(text: &str, apostrophes: bool) -> char {
    let mut counts: Vec<(char, usize)> = Vec::new();
    let mut prev: Option<char> = None;
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        let hit = if apostrophes {
            matches!(c, '\'' | '\u{2019}')
                && prev.is_some_and(char::is_alphabetic)
                && it.peek().is_some_and(|n| n.is_alphabetic())
        } else {
            matches!(c, '"' | '\u{201C}' | '\u{201D}')
        };
        if hit {
            // Curly double quotes count as one style.
            let k = if matches!(c, '\u{201D}') {
                '\u{201C}'
            } else {
                c
            };
            match counts.iter_mut().find(|(x, _)| *x == k) {
                Some((_, n)) => *n += 1,
                None => counts.push((k, 1)),
            }
        }
        prev = Some(c);
    }
    let default = if apostrophes { '\'' } else { '"' };
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map_or(default, |(c, _)| c)
}

/// For a curly dominant style, pick the opening or closing mark by position.
fn curly_or_straight(dominant: char, prev: Option<char>) -> char {
    if dominant != '\u{201C}' {
        return dominant;
    }
    if prev.is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '{')) {
        '\u{201C}'
    } else {
        '\u{201D}'
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_strips() {
        let n = normalize(
            "Today\u{02BC}s da\u{200B}te is\u{00A0}here, y\u{043E}u see",
            &Policy::default(),
        );
        assert_eq!(n.text, "Today's date is here, you see");
        assert_eq!(n.edits.len(), 4);
        assert_eq!(n.edits[0].original, "\u{02BC}");
        assert_eq!(n.edits[0].replacement, "'");
        assert_eq!(n.edits[0].span, 5..7);
        assert_eq!(n.edits[1].rule, Rule::InvisibleCharacter);
    }

    #[test]
    fn keeps_legitimate_uses() {
        let s = "\u{1F468}\u{200D}\u{1F469} Bonjour\u{00A0}! \u{65E5}\u{FF1A}\u{672C}";
        let n = normalize(s, &Policy::default());
        assert_eq!(n.text, s);
        assert!(n.edits.is_empty());
    }

    #[test]
    fn dominant_quote_form_wins() {
        let s = "It\u{2019}s and it\u{2019}s and it\u{2019}s and that\u{02BC}s";
        let n = normalize(s, &Policy::default());
        assert_eq!(
            n.text,
            "It\u{2019}s and it\u{2019}s and it\u{2019}s and that\u{2019}s"
        );
        assert_eq!(n.edits.len(), 1);
    }

    #[test]
    fn policy_switches() {
        let s = "a\u{200B}b\u{00A0}c";
        let p = Policy {
            strip_invisibles: false,
            ..Policy::default()
        };
        assert_eq!(normalize(s, &p).text, "a\u{200B}b c");
        let p = Policy {
            fold_spaces: false,
            ..Policy::default()
        };
        assert_eq!(normalize(s, &p).text, "ab\u{00A0}c");
    }
}
