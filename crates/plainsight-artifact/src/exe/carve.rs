//! Carving: find JavaScript-looking regions in bytes whose structure could not
//! be read (unknown Bun layout, deno eszip, corrupted payloads).
//!
//! One pass splits the bytes into runs of text (printable ASCII, tab/CR/LF and
//! bytes ≥ 0x80, trimmed to valid UTF-8); a run is kept when it is long enough
//! and dense in JavaScript tokens. Regions are bounded in count and total size
//! so a hostile file cannot make us emit millions of units.

use std::ops::Range;

use memchr::memmem;

/// Bounds on what carving emits.
#[derive(Clone, Copy, Debug)]
pub struct CarveLimits {
    pub min_len: usize,
    pub max_regions: usize,
    pub max_total: usize,
}

impl Default for CarveLimits {
    fn default() -> CarveLimits {
        CarveLimits {
            min_len: 256,
            max_regions: 256,
            max_total: 256 << 20,
        }
    }
}

fn texty(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\r' | 0x20..=0x7e | 0x80..)
}

/// JavaScript token hits per KiB that make a run count as code.
const MIN_TOKENS_PER_KIB: usize = 4;

const TOKENS: &[&[u8]] = &[
    b"function",
    b"=>",
    b"require(",
    b"const ",
    b"let ",
    b"var ",
    b"return",
    b"this.",
    b"typeof ",
    b"export ",
    b"import ",
];

/// Score a text run: JavaScript tokens per KiB, with braces/semicolons required.
fn looks_like_js(t: &[u8]) -> bool {
    let hits: usize = TOKENS
        .iter()
        .map(|tok| memmem::find_iter(t, tok).count())
        .sum();
    let punct = t
        .iter()
        .filter(|&&c| matches!(c, b'{' | b'}' | b';' | b'(' | b')'))
        .count();
    let kib = t.len().div_ceil(1024);
    hits >= 3 && hits >= MIN_TOKENS_PER_KIB * kib && punct * 50 >= t.len()
}

/// JavaScript-looking regions of `b`, as ranges into it, each valid UTF-8.
pub fn carve(b: &[u8], limits: CarveLimits) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut i = 0;
    while i < b.len() && out.len() < limits.max_regions && total < limits.max_total {
        // Skip non-text, then take the text run.
        let Some(s) = b[i..].iter().position(|&c| texty(c)) else {
            break;
        };
        let start = i + s;
        let len = b[start..]
            .iter()
            .position(|&c| !texty(c))
            .unwrap_or(b.len() - start);
        i = start + len;
        if len < limits.min_len {
            continue;
        }
        // Split the run at invalid UTF-8 and judge each valid piece.
        let mut run = start..start + len;
        while run.len() >= limits.min_len {
            let piece = match std::str::from_utf8(&b[run.clone()]) {
                Ok(_) => run.clone(),
                Err(e) => run.start..run.start + e.valid_up_to(),
            };
            if piece.len() >= limits.min_len && looks_like_js(&b[piece.clone()]) {
                let take = piece.len().min(limits.max_total - total);
                let end = floor_char_boundary(b, piece.start, piece.start + take);
                total += end - piece.start;
                out.push(piece.start..end);
                if out.len() >= limits.max_regions || total >= limits.max_total {
                    break;
                }
            }
            // Skip the invalid byte that ended this piece.
            run.start = piece.end + 1;
        }
    }
    out
}

/// Largest `end' ≤ end` that does not split a UTF-8 sequence started after `start`.
fn floor_char_boundary(b: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && end < b.len() && (b[end] & 0xc0) == 0x80 {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn js() -> Vec<u8> {
        let mut s = String::new();
        for i in 0..20 {
            let _ = writeln!(
                s,
                "function f{i}(a) {{ const b = a + {i}; return b => b * 2; }}"
            );
        }
        s.into_bytes()
    }

    #[test]
    fn finds_js_between_binary() {
        let mut b = vec![0u8, 1, 2, 0xff, 0xfe];
        let at = b.len();
        b.extend(js());
        b.extend([0, 0, 0xc3]);
        b.extend(b"just some english prose that is long enough to be a run but is not javascript at all. ".repeat(5));
        let r = carve(&b, CarveLimits::default());
        assert_eq!(r, vec![at..at + js().len()]);
        assert!(std::str::from_utf8(&b[r[0].clone()]).is_ok());
    }

    #[test]
    fn bounded_by_limits() {
        let mut b = Vec::new();
        for _ in 0..10 {
            b.extend(js());
            b.push(0);
        }
        let lim = CarveLimits {
            max_regions: 3,
            ..CarveLimits::default()
        };
        assert_eq!(carve(&b, lim).len(), 3);
        let lim = CarveLimits {
            max_total: 1000,
            ..CarveLimits::default()
        };
        let r = carve(&b, lim);
        assert!(r.iter().map(ExactSizeIterator::len).sum::<usize>() <= 1000);
    }

    #[test]
    fn invalid_utf8_inside_a_run_splits_it() {
        let mut b = js();
        b.push(0xff);
        b.extend(js());
        let r = carve(&b, CarveLimits::default());
        assert_eq!(r.len(), 2);
        for x in r {
            assert!(std::str::from_utf8(&b[x]).is_ok());
        }
    }
}
