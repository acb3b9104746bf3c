//! A cheap, conservative nesting-depth precheck run before oxc sees a file.
//!
//! oxc's parser (and any recursive visitor after it) recurses once per level of
//! syntactic nesting, and a stack overflow aborts the whole process — no other
//! file of the scan would be reported. So before parsing we scan the bytes once
//! and measure the deepest nesting of `(`, `[`, `{` (and template `${`) outside
//! strings, comments and regular-expression literals, plus runs of prefix
//! operators (`!!!!x`, `- - -x`), which also recurse in the parser. A file deeper
//! than the limit is reported "too deep" and skipped.
//!
//! The scanner is a tokenizer in miniature: it is not exact about regular
//! expressions (the `/`-is-division-or-regex question is answered from the
//! previous significant byte, like most syntax highlighters do), but an error
//! there only misjudges the brackets inside that one regex literal.

/// Where nesting first exceeded the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooDeep {
    /// Byte offset of the bracket (or operator) that crossed the limit.
    pub offset: usize,
}

/// Returns `Some` when `source` nests deeper than `max_depth`.
pub fn check(source: &str, max_depth: u32) -> Option<TooDeep> {
    let b = source.as_bytes();
    let max = max_depth as usize;
    // Stack of open brackets; `T` marks a `${` opened inside a template literal,
    // whose matching `}` returns to template mode.
    let mut stack: Vec<u8> = Vec::new();
    let mut i = 0usize;
    // Last significant (non-space, non-comment) byte, to tell regex from division.
    let mut prev: u8 = b'(';
    let mut prefix_run = 0usize;
    while i < b.len() {
        let c = b[i];
        // Fast path: identifiers, numbers and most operators do not nest.
        if PLAIN[usize::from(c)] {
            while i < b.len() && PLAIN[usize::from(b[i])] {
                i += 1;
            }
            prev = b[i - 1];
            prefix_run = 0;
            continue;
        }
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'/' if regex_allowed_after(prev) => {
                i = skip_regex(b, i);
                prev = b'a';
                prefix_run = 0;
                continue;
            }
            b'\'' | b'"' => {
                i = skip_string(b, i, c);
                prev = b'a';
                prefix_run = 0;
                continue;
            }
            b'`' => {
                match skip_template(b, i + 1) {
                    (next, true) => {
                        stack.push(b'T');
                        if stack.len() > max {
                            return Some(TooDeep { offset: next - 2 });
                        }
                        prev = b'(';
                        i = next;
                    }
                    (next, false) => {
                        prev = b'a';
                        i = next;
                    }
                }
                prefix_run = 0;
                continue;
            }
            b'(' | b'[' | b'{' => {
                stack.push(c);
                if stack.len() + prefix_run > max {
                    return Some(TooDeep { offset: i });
                }
            }
            // The `}` closing a template `${`: back inside the template literal.
            b'}' if stack.last() == Some(&b'T') => {
                stack.pop();
                match skip_template(b, i + 1) {
                    (next, true) => {
                        stack.push(b'T');
                        prev = b'(';
                        i = next;
                    }
                    (next, false) => {
                        prev = b'a';
                        i = next;
                    }
                }
                prefix_run = 0;
                continue;
            }
            b')' | b']' | b'}' => {
                stack.pop();
            }
            b'!' | b'~' | b'+' | b'-' => {
                // Unary operators nest in the parser; binary ones do not, but
                // counting a run of them is harmless (real code never has thousands).
                prefix_run += 1;
                if stack.len() + prefix_run > max {
                    return Some(TooDeep { offset: i });
                }
                prev = c;
                i += 1;
                continue;
            }
            _ => {}
        }
        prefix_run = 0;
        prev = c;
        i += 1;
    }
    None
}

/// Bytes that never open, close or hide nesting (everything but whitespace,
/// brackets, quotes, `/` and the prefix operators).
static PLAIN: [bool; 256] = {
    let mut t = [true; 256];
    let special = b" \t\n\r()[]{}'\"`/!~+-";
    let mut k = 0;
    while k < special.len() {
        t[special[k] as usize] = false;
        k += 1;
    }
    t
};

/// After these bytes a `/` starts a regular expression rather than a division.
fn regex_allowed_after(prev: u8) -> bool {
    matches!(
        prev,
        b'(' | b','
            | b'='
            | b':'
            | b'['
            | b'!'
            | b'&'
            | b'|'
            | b'?'
            | b'{'
            | b'}'
            | b';'
            | b'+'
            | b'-'
            | b'*'
            | b'%'
            | b'<'
            | b'>'
            | b'~'
            | b'^'
    )
}

fn skip_string(b: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    // Jump between the only bytes that matter (strings are a large share of a bundle).
    while let Some(n) = b
        .get(i..)
        .and_then(|rest| memchr::memchr3(quote, b'\\', b'\n', rest))
    {
        i += n;
        if b[i] == b'\\' {
            i += 2;
        } else {
            return i + 1;
        }
    }
    b.len()
}

/// Skips template text from `i`; returns the offset after the closing backtick
/// (`false`) or after a `${` (`true`).
fn skip_template(b: &[u8], mut i: usize) -> (usize, bool) {
    while let Some(n) = b
        .get(i..)
        .and_then(|rest| memchr::memchr3(b'`', b'\\', b'$', rest))
    {
        i += n;
        match b[i] {
            b'\\' => i += 2,
            b'`' => return (i + 1, false),
            _ if b.get(i + 1) == Some(&b'{') => return (i + 2, true),
            _ => i += 1,
        }
    }
    (b.len(), false)
}

fn skip_regex(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'[' => {
                in_class = true;
                i += 1;
            }
            b']' => {
                in_class = false;
                i += 1;
            }
            b'/' if !in_class => return i + 1,
            b'\n' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_count_outside_strings_comments_regex() {
        assert_eq!(check("f((((x))))", 4), None);
        assert_eq!(check("f((((x))))", 3), Some(TooDeep { offset: 4 }));
        let in_string = format!(
            "x = '{}' + \"{}\" // {}\n/* {} */",
            "(".repeat(50),
            "[".repeat(50),
            "{".repeat(50),
            "(".repeat(50)
        );
        assert_eq!(check(&in_string, 3), None);
        assert_eq!(check(r"x = /\(((((/g.test(s)", 3), None);
        assert_eq!(check("a = b / (c) / d", 1), None);
    }

    #[test]
    fn templates_and_prefix_runs() {
        assert_eq!(check("`a ${ `b ${ c } d` } e`", 2), None);
        assert_eq!(
            check("`a ${ `b ${ c } d` } e`", 1),
            Some(TooDeep { offset: 9 })
        );
        let bangs = format!("x = {}y", "!".repeat(100));
        assert!(check(&bangs, 50).is_some());
        assert_eq!(check(&bangs, 200), None);
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(check(&deep, 2000), Some(TooDeep { offset: 2000 }));
    }
}
