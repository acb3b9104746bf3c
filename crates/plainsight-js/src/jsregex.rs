//! JavaScript regular expressions for the bounded evaluator, on the `regex`
//! crate.
//!
//! Decoders use regexes for the boring parts: `s.replace(/[a-z]/gi, rot)`,
//! `hex.match(/../g)`, `s.split(/\s*,\s*/)`. We run them with the `regex`
//! crate, whose matching time is linear in the input whatever the pattern (a
//! scanned bundle chooses the pattern, so a backtracking engine would be a
//! denial-of-service hazard), with explicit size and nesting limits.
//!
//! JavaScript and `regex` agree on the syntax decoders use (classes, ranges,
//! `.`, quantifiers, groups, `\uXXXX`). What differs is refused rather than
//! approximated — backreferences, look-around, the sticky flag — so an
//! evaluation that needs them fails instead of guessing. Translated:
//! `\d`/`\w` (ASCII in JavaScript, Unicode in `regex`), `[^]` (anything) and
//! `\/`.

use regex::{Regex, RegexBuilder};

/// Longest pattern accepted (decoder patterns are a few characters).
const MAX_PATTERN: usize = 1024;

/// A compiled JavaScript regex.
#[derive(Debug)]
pub struct JsRegex {
    pub re: Regex,
    /// The `g` flag: `replace` and `match` act on every match.
    pub global: bool,
}

/// Compile `/source/flags`; `None` for what we do not support.
pub fn compile(source: &str, flags: &str) -> Option<JsRegex> {
    if source.len() > MAX_PATTERN {
        return None;
    }
    let (mut global, mut icase, mut multi, mut dotall) = (false, false, false, false);
    for f in flags.chars() {
        match f {
            'g' => global = true,
            'i' => icase = true,
            'm' => multi = true,
            's' => dotall = true,
            // Unicode and indices change nothing for what we evaluate.
            'u' | 'v' | 'd' => {}
            // Sticky matching (`y`) and anything unknown: refuse.
            _ => return None,
        }
    }
    let re = RegexBuilder::new(&translate(source)?)
        .case_insensitive(icase)
        .multi_line(multi)
        .dot_matches_new_line(dotall)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .ok()?;
    Some(JsRegex { re, global })
}

/// JavaScript pattern → `regex` pattern, or `None` for unsupported syntax.
fn translate(js: &str) -> Option<String> {
    let mut out = String::with_capacity(js.len() + 8);
    let mut chars = js.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let e = chars.next()?;
                match e {
                    'd' => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                    'D' if !in_class => out.push_str("[^0-9]"),
                    'w' => out.push_str(if in_class {
                        "0-9A-Za-z_"
                    } else {
                        "[0-9A-Za-z_]"
                    }),
                    'W' if !in_class => out.push_str("[^0-9A-Za-z_]"),
                    // Backreferences (`\1`, `\k<name>`) need backtracking;
                    // `\D`/`\W` inside a class and control escapes are rare.
                    '1'..='9' | 'k' | 'c' | 'D' | 'W' => return None,
                    // Escaped characters that need no escape in `regex`, or
                    // that it does not accept escaped (`\/`, `\-` outside a class).
                    '/' | '"' | '\'' | '`' | '@' | '#' | '%' | ',' | ';' | ':' | '=' | '!'
                    | '<' | '>' | '_' => out.push(e),
                    '0' => out.push_str("\\x00"),
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if !in_class => {
                if chars.peek() == Some(&'^') {
                    chars.next();
                    if chars.peek() == Some(&']') {
                        // `[^]`: any character.
                        chars.next();
                        out.push_str(r"[\s\S]");
                        continue;
                    }
                    out.push_str("[^");
                } else if chars.peek() == Some(&']') {
                    // `[]` matches nothing.
                    chars.next();
                    out.push_str(r"[^\s\S]");
                    continue;
                } else {
                    out.push('[');
                }
                in_class = true;
            }
            // A literal `[` inside a class is ordinary in JavaScript; `regex`
            // would read `[[` as a nested class.
            '[' => out.push_str(r"\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '(' if !in_class && chars.peek() == Some(&'?') => {
                let mut look = chars.clone();
                look.next();
                match look.next() {
                    Some(':') => out.push('('),
                    Some('<') if !matches!(look.peek(), Some('=' | '!')) => out.push('('),
                    // Look-ahead and look-behind.
                    _ => return None,
                }
            }
            // `&&`, `--` and `~~` are class operators in `regex`, plain text in JavaScript.
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && chars.peek() == Some(&'-') => out.push_str(r"\-"),
            _ => out.push(c),
        }
    }
    (!in_class).then_some(out)
}

/// `$`-patterns of a JavaScript replacement string: `$$`, `$&`, `` $` ``,
/// `$'`, `$1`…`$99`, `$<name>`.
pub fn expand(rep: &str, caps: &regex::Captures<'_>, whole: &str) -> String {
    let m = caps.get(0).map_or(0..0, |m| m.range());
    let mut out = String::with_capacity(rep.len());
    let b = rep.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' || i + 1 == b.len() {
            let ch = rep[i..].chars().next().unwrap_or('$');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        match b[i + 1] {
            b'$' => {
                out.push('$');
                i += 2;
            }
            b'&' => {
                out.push_str(&whole[m.clone()]);
                i += 2;
            }
            b'`' => {
                out.push_str(&whole[..m.start]);
                i += 2;
            }
            b'\'' => {
                out.push_str(&whole[m.end..]);
                i += 2;
            }
            b'0'..=b'9' => {
                // Two digits if that names a group, else one.
                let one = usize::from(b[i + 1] - b'0');
                let two = b
                    .get(i + 2)
                    .filter(|d| d.is_ascii_digit())
                    .map(|d| one * 10 + usize::from(d - b'0'));
                let (n, used) = match two {
                    Some(t) if t >= 1 && t < caps.len() => (t, 3),
                    _ => (one, 2),
                };
                if n >= 1 && n < caps.len() {
                    out.push_str(caps.get(n).map_or("", |g| g.as_str()));
                    i += used;
                } else {
                    out.push('$');
                    i += 1;
                }
            }
            b'<' if let Some(end) = rep[i + 2..].find('>') => {
                let name = &rep[i + 2..i + 2 + end];
                out.push_str(caps.name(name).map_or("", |g| g.as_str()));
                i += 3 + end;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

/// The matches `replace` and `match` act on: every one with `g`, else the
/// first. After an empty match both JavaScript and `regex` move on by one
/// character.
pub fn matches<'r, 's>(
    re: &'r JsRegex,
    s: &'s str,
) -> impl Iterator<Item = regex::Captures<'s>> + use<'r, 's> {
    let n = if re.global { usize::MAX } else { 1 };
    re.re.captures_iter(s).take(n)
}

/// `s.split(re)`: pieces between matches, with capture groups spliced in;
/// an empty match at the start or end does not split.
pub fn split(re: &JsRegex, s: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut last = 0;
    for caps in re.re.captures_iter(s) {
        let m = caps.get(0).map_or(0..0, |m| m.range());
        if m.is_empty() && (m.start == 0 || m.start == s.len()) {
            continue;
        }
        out.push(Some(s[last..m.start].to_string()));
        for g in caps.iter().skip(1) {
            out.push(g.map(|g| g.as_str().to_string()));
        }
        last = m.end;
    }
    out.push(Some(s[last..].to_string()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(re: &str, flags: &str, s: &str) -> Vec<String> {
        let r = compile(re, flags).unwrap();
        matches(&r, s).map(|c| c[0].to_string()).collect()
    }

    #[test]
    fn decoder_patterns() {
        assert_eq!(all("..", "g", "616263"), ["61", "62", "63"]);
        assert_eq!(all("[a-z]", "gi", "aB1"), ["a", "B"]);
        assert_eq!(
            all(r"\d+", "g", "a12b٣4"),
            ["12", "4"],
            "\\d is ASCII in JS"
        );
        assert_eq!(all(r"\w", "g", "é_x"), ["_", "x"]);
        assert_eq!(all("[^]", "g", "a\n"), ["a", "\n"]);
        assert_eq!(all(r"[\/\-]", "g", "a/b-c"), ["/", "-"]);
        assert_eq!(all("[[]", "g", "a[b"), ["["]);
        assert_eq!(all(r"%([0-9A-F]{2})", "g", "%41%42"), ["%41", "%42"]);
        assert_eq!(all("a", "", "aaa"), ["a"], "without g, one match");
        assert_eq!(all(r"(?<h>..)", "g", "abcd"), ["ab", "cd"]);
    }

    #[test]
    fn unsupported_is_refused() {
        for (re, flags) in [
            (r"(a)\1", ""),
            ("(?=a)", ""),
            ("(?<!a)b", ""),
            ("a", "y"),
            ("a", "q"),
            ("[a", ""),
            (r"\cA", ""),
        ] {
            assert!(compile(re, flags).is_none(), "{re} /{flags}");
        }
        assert!(compile(&"a".repeat(2000), "").is_none());
        // A pattern whose automaton would be huge is refused by the size limit.
        assert!(compile(r"(?:.{1000}){100}", "").is_none());
    }

    #[test]
    fn replacement_patterns() {
        let r = compile("(b)(c)?", "").unwrap();
        let s = "abcd";
        let caps = r.re.captures(s).unwrap();
        assert_eq!(
            expand("[$1|$2|$&|$`|$'|$$|$9|$]", &caps, s),
            "[b|c|bc|a|d|$|$9|$]"
        );
        let r = compile("(?<x>b)", "").unwrap();
        let caps = r.re.captures(s).unwrap();
        assert_eq!(expand("<$<x>>", &caps, s), "<b>");
    }

    #[test]
    fn split_like_javascript() {
        let r = compile(r"\s*,\s*", "").unwrap();
        assert_eq!(
            split(&r, "a , b,c"),
            [Some("a".into()), Some("b".into()), Some("c".into())]
        );
        let r = compile("", "").unwrap();
        assert_eq!(
            split(&r, "abc"),
            [Some("a".into()), Some("b".into()), Some("c".into())]
        );
        let r = compile("(-)", "").unwrap();
        assert_eq!(
            split(&r, "a-b"),
            [Some("a".into()), Some("-".into()), Some("b".into())]
        );
    }
}
