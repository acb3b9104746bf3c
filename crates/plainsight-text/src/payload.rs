//! Decoders for payloads hidden in invisible characters.
//!
//! * tag characters: U+E0020–E007E are ASCII shifted by 0xE0000;
//! * variation-selector smuggling: each selector is one byte (VS1–16 → 0–15,
//!   VS17–256 → 16–255);
//! * zero-width binary: a run over an alphabet of 2–4 distinct invisible
//!   characters. With 2 symbols each is a bit; with 4, two bits; with 3, one is
//!   taken as a separator between per-character bit groups, or all three as a
//!   base-3 digit is *not* tried (no known tool uses it). Every assignment of
//!   symbols to values is tried (at most 4! = 24), bytes are read MSB-first, and
//!   the candidate with the most printable UTF-8 wins. A candidate must be at
//!   least 90% printable to count as decoded: random noise almost never is.

use crate::chars::variation_selector_byte;

/// ASCII carried by tag characters (U+E0020–E007E); other tags are dropped.
pub fn decode_tags(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c as u32 {
            cp @ 0xE0020..=0xE007E => char::from_u32(cp - 0xE0000),
            _ => None,
        })
        .collect()
}

/// Bytes carried by a run of variation selectors, if they form printable UTF-8.
pub fn decode_variation_selectors(s: &str) -> Option<String> {
    let bytes: Vec<u8> = s.chars().filter_map(variation_selector_byte).collect();
    if bytes.len() < 2 {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    (printable_ratio(&text) >= 0.9).then_some(text)
}

/// Share of characters that are printable (not control, except tab/newline).
pub fn printable_ratio(s: &str) -> f64 {
    let mut total = 0usize;
    let mut good = 0usize;
    for c in s.chars() {
        total += 1;
        if !c.is_control() || c == '\n' || c == '\t' || c == '\r' {
            good += 1;
        }
    }
    if total == 0 {
        0.0
    } else {
        good as f64 / total as f64
    }
}

/// Decode a run of invisible characters as a binary payload. `symbols` are the
/// run's characters in order. Returns the best decoding that is ≥ 90% printable.
pub fn decode_zero_width(symbols: &[char]) -> Option<String> {
    let mut alphabet: Vec<char> = symbols.to_vec();
    alphabet.sort_unstable();
    alphabet.dedup();
    if !(2..=4).contains(&alphabet.len()) {
        return None;
    }
    let mut best: Option<((u32, u32, usize), String)> = None;
    let mut consider = |text: Option<String>| {
        if let Some(t) = text {
            let key = quality(&t);
            if key.0 >= 90 && best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, t));
            }
        }
    };
    if alphabet.len() == 2 {
        for perm in permutations(2) {
            consider(decode_fixed(symbols, &alphabet, &perm, 1));
        }
    }
    if alphabet.len() == 3 {
        for sep in 0..3 {
            let others: Vec<char> = (0..3).filter(|&k| k != sep).map(|k| alphabet[k]).collect();
            let stripped: Vec<char> = symbols
                .iter()
                .copied()
                .filter(|&c| c != alphabet[sep])
                .collect();
            for perm in permutations(2) {
                consider(decode_separated(symbols, alphabet[sep], &others, &perm));
                // The third symbol may also be mere padding between fixed-width bytes.
                consider(decode_fixed(&stripped, &others, &perm, 1));
            }
        }
    }
    // Two bits per symbol: an alphabet of three or four symbols (a short message
    // may not use all four values).
    if alphabet.len() >= 3 {
        for perm in permutations(4) {
            consider(decode_fixed(symbols, &alphabet, &perm[..alphabet.len()], 2));
        }
    }
    best.map(|(_, t)| t)
}

/// Ranking of a candidate decoding: printable share, then how much it looks like
/// prose (lower-case letters and spaces weigh most, other alphanumerics less),
/// then length.
fn quality(s: &str) -> (u32, u32, usize) {
    let total = s.chars().count().max(1);
    let texty: usize = s
        .chars()
        .map(|c| match c {
            'a'..='z' | ' ' => 2,
            c if c.is_alphanumeric() => 1,
            _ => 0,
        })
        .sum();
    (
        (printable_ratio(s) * 100.0) as u32,
        (texty * 50 / total) as u32,
        total,
    )
}

fn permutations(n: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur: Vec<u8> = (0..n as u8).collect();
    permute(&mut cur, 0, &mut out);
    out
}

fn permute(v: &mut Vec<u8>, k: usize, out: &mut Vec<Vec<u8>>) {
    if k == v.len() {
        out.push(v.clone());
        return;
    }
    for i in k..v.len() {
        v.swap(k, i);
        permute(v, k + 1, out);
        v.swap(k, i);
    }
}

/// Fixed-width: `bits` bits per symbol, value of `alphabet[i]` is `perm[i]`.
fn decode_fixed(symbols: &[char], alphabet: &[char], perm: &[u8], bits: u32) -> Option<String> {
    let total_bits = symbols.len() * bits as usize;
    // Encoders emit whole bytes; leftover bits mean this reading is wrong.
    if total_bits < 8 || !total_bits.is_multiple_of(8) {
        return None;
    }
    let mut bytes = Vec::with_capacity(total_bits / 8);
    let (mut acc, mut nacc) = (0u32, 0u32);
    for c in symbols {
        let idx = alphabet.iter().position(|a| a == c)?;
        acc = (acc << bits) | u32::from(perm[idx]);
        nacc += bits;
        if nacc >= 8 {
            nacc -= 8;
            bytes.push((acc >> nacc) as u8);
            acc &= (1 << nacc) - 1;
        }
    }
    String::from_utf8(bytes).ok()
}

/// Separator-delimited groups of bits, each group one character code.
fn decode_separated(symbols: &[char], sep: char, bitsyms: &[char], perm: &[u8]) -> Option<String> {
    let mut out = String::new();
    for group in symbols.split(|&c| c == sep).filter(|g| !g.is_empty()) {
        if group.len() > 21 {
            return None;
        }
        let mut v = 0u32;
        for c in group {
            let idx = bitsyms.iter().position(|a| a == c)?;
            v = (v << 1) | u32::from(perm[idx]);
        }
        out.push(char::from_u32(v)?);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Encode `text` as zero-width bits, MSB first, with `zero`/`one` symbols.
    pub(crate) fn encode_bits(text: &str, zero: char, one: char) -> String {
        let mut s = String::new();
        for b in text.bytes() {
            for k in (0..8).rev() {
                s.push(if (b >> k) & 1 == 1 { one } else { zero });
            }
        }
        s
    }

    #[test]
    fn tags_decode() {
        assert_eq!(decode_tags("\u{E0068}\u{E0069}\u{E007F}"), "hi");
    }

    #[test]
    fn variation_selectors_decode() {
        let s: String = "hi!"
            .bytes()
            .map(|b| {
                if b < 16 {
                    char::from_u32(0xFE00 + u32::from(b)).unwrap()
                } else {
                    char::from_u32(0xE0100 + u32::from(b) - 16).unwrap()
                }
            })
            .collect();
        assert_eq!(decode_variation_selectors(&s).as_deref(), Some("hi!"));
        assert_eq!(decode_variation_selectors("\u{FE0F}"), None);
    }

    #[test]
    fn binary_both_assignments() {
        let s: Vec<char> = encode_bits("secret", '\u{200B}', '\u{200C}')
            .chars()
            .collect();
        assert_eq!(decode_zero_width(&s).as_deref(), Some("secret"));
        let s: Vec<char> = encode_bits("secret", '\u{200C}', '\u{200B}')
            .chars()
            .collect();
        assert_eq!(decode_zero_width(&s).as_deref(), Some("secret"));
    }

    #[test]
    fn separated_groups() {
        // "Hi" as 1001000 / 1101001 with ZWJ separators.
        let mut s = String::new();
        for b in "Hi".bytes() {
            for bit in format!("{b:b}").chars() {
                s.push(if bit == '1' { '\u{200C}' } else { '\u{200B}' });
            }
            s.push('\u{200D}');
        }
        let v: Vec<char> = s.chars().collect();
        assert_eq!(decode_zero_width(&v).as_deref(), Some("Hi"));
    }

    #[test]
    fn two_bits_per_symbol() {
        let alpha = ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}'];
        let mut v = Vec::new();
        for b in "ok".bytes() {
            for k in (0..4).rev() {
                v.push(alpha[usize::from((b >> (k * 2)) & 3)]);
            }
        }
        assert_eq!(decode_zero_width(&v).as_deref(), Some("ok"));
    }

    #[test]
    fn noise_does_not_decode() {
        let v: Vec<char> = "\u{200B}\u{200C}".repeat(8).chars().collect();
        // 0101… = 'U' repeated is printable; a constant pattern of 1s is not.
        assert!(decode_zero_width(&v).is_some());
        let v = vec!['\u{200B}'; 16];
        assert_eq!(decode_zero_width(&v), None);
    }
}
