//! Naming code points for humans: `U+2019 RIGHT SINGLE QUOTATION MARK`.

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
}
