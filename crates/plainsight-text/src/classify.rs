//! `classify(a, b)`: how would a reader perceive the difference between two strings?
//!
//! Alignment: strip the common prefix and suffix (char-wise), then diff the middle
//! with a character LCS. The LCS table is quadratic, so it is only built when the
//! middles are small (`MAX_DP_CELLS`); beyond that the whole middle is one coarse
//! span — callers compare short alternatives in code, but a 1 MB input must not
//! blow up. Each differing span is then judged on its own:
//!
//! 1. **FormatVariant** — the span touches a date: expand it over the surrounding
//!    digits and `-/.` separators in both strings; if both are dates with a common
//!    reading (`2026-11-21` / `21/11/2026`), it is the same value written another way.
//!    A *lone separator* change (`-` → `/`) is a format variant only when it sits
//!    between digits or template placeholders (`}` before, `{`/`$` after) in both
//!    strings, or when each whole string is a single date separator (a template
//!    piece like `` `${y}-${m}` ``'s quasi `-`). `a-b` vs `a/b` stays Visible.
//! 2. **InvisibleInsertion / Spacing / LookAlike** — canonicalise each side: drop
//!    invisible characters, collapse any run of whitespace (any kind) to one space,
//!    then take the UTS #39 skeleton. Equal canonical forms mean the difference is
//!    imperceptible; its kind is the most visible ingredient present (whitespace
//!    change > invisible > look-alike). Adding whitespace where there was none is
//!    only Spacing next to existing whitespace, at a line end (a trailing space),
//!    or when what was added is only spaces narrower than a word space (thin,
//!    hair, narrow no-break: `80%` vs `80\u{202F}%`); `ab` vs `a b` is Visible.
//! 3. Otherwise **Visible**.

use std::ops::Range;

use crate::chars::{is_invisible, is_narrow_space, skeleton};
use crate::dates;
use crate::{Classification, DiffKind, DiffSpan};

/// Largest LCS table (cells) built for the middle of two strings.
const MAX_DP_CELLS: usize = 1 << 20;

pub fn classify(a: &str, b: &str) -> Classification {
    if a == b {
        return Classification {
            kind: DiffKind::Identical,
            spans: Vec::new(),
        };
    }
    let raw = align(a, b);
    let mut spans: Vec<DiffSpan> = Vec::with_capacity(raw.len());
    for (ra, rb) in raw {
        // A previous span already widened over this one (date token).
        if let Some(last) = spans.last()
            && last.a.end >= ra.end
            && last.b.end >= rb.end
        {
            continue;
        }
        spans.push(judge(a, b, ra, rb));
    }
    let kind = spans
        .iter()
        .map(|s| s.kind)
        .max()
        .unwrap_or(DiffKind::Identical);
    Classification { kind, spans }
}

/// The common prefix's length and the two middles left once the common
/// prefix and suffix (whole characters) are cut off.
fn trim_common<'a>(a: &'a str, b: &'a str) -> (usize, &'a str, &'a str) {
    let prefix: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (ar, br) = (&a[prefix..], &b[prefix..]);
    let suffix: usize = ar
        .chars()
        .rev()
        .zip(br.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (am, bm) = (&ar[..ar.len() - suffix], &br[..br.len() - suffix]);
    (prefix, am, bm)
}

/// Differing regions as (range in a, range in b), in order.
pub(crate) fn align(a: &str, b: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let (prefix, am, bm) = trim_common(a, b);
    let coarse = || vec![(prefix..prefix + am.len(), prefix..prefix + bm.len())];
    if am.is_empty() || bm.is_empty() {
        return coarse();
    }
    let (na, nb) = (am.chars().count(), bm.chars().count());
    if (na + 1).saturating_mul(nb + 1) > MAX_DP_CELLS {
        return coarse();
    }
    // dp[i][j] = LCS length of ac[i..] and bc[j..]. It fits u16: the
    // length is at most min(na, nb), and (na + 1)(nb + 1) ≤ MAX_DP_CELLS
    // keeps that below 2^10. The table lives in a per-thread buffer reused
    // across calls (no page faults, no zeroing of a fresh megabyte per
    // pair); only the last row and column are read before being written.
    let width = nb + 1;
    SCRATCH.with_borrow_mut(|scratch| {
        let Scratch { dp, ac, bc } = scratch;
        ac.clear();
        ac.extend(am.char_indices().map(|(i, c)| (i + prefix, c)));
        bc.clear();
        bc.extend(bm.char_indices().map(|(i, c)| (i + prefix, c)));
        let cells = (na + 1) * width;
        if dp.len() < cells {
            dp.resize(cells, 0);
        }
        let dp = &mut dp[..cells];
        dp[na * width..].fill(0);
        for i in 0..na {
            dp[i * width + nb] = 0;
        }
        for i in (0..na).rev() {
            let ci = ac[i].1;
            let (row, next) = dp[i * width..(i + 2) * width].split_at_mut(width);
            for j in (0..nb).rev() {
                row[j] = if ci == bc[j].1 {
                    next[j + 1] + 1
                } else {
                    next[j].max(row[j + 1])
                };
            }
        }
        traceback(dp, width, ac, bc, prefix + am.len(), prefix + bm.len())
    })
}

/// The buffers of [`align`]: the LCS table and the characters of both
/// middles, reused by every call on a thread (no allocation per pair).
#[derive(Default)]
struct Scratch {
    dp: Vec<u16>,
    ac: Vec<(usize, char)>,
    bc: Vec<(usize, char)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Walks the LCS table from the top-left corner: the differing regions.
fn traceback<T: Copy + Into<u32>>(
    dp: &[T],
    width: usize,
    ac: &[(usize, char)],
    bc: &[(usize, char)],
    a_end: usize,
    b_end: usize,
) -> Vec<(Range<usize>, Range<usize>)> {
    let (na, nb) = (ac.len(), bc.len());
    let a_off = |i: usize| if i < na { ac[i].0 } else { a_end };
    let b_off = |j: usize| if j < nb { bc[j].0 } else { b_end };
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut open: Option<(usize, usize)> = None;
    while i < na || j < nb {
        if i < na
            && j < nb
            && ac[i].1 == bc[j].1
            && dp[i * width + j].into() == dp[(i + 1) * width + j + 1].into() + 1
        {
            if let Some((si, sj)) = open.take() {
                out.push((a_off(si)..a_off(i), b_off(sj)..b_off(j)));
            }
            i += 1;
            j += 1;
            continue;
        }
        if open.is_none() {
            open = Some((i, j));
        }
        if j >= nb || (i < na && dp[(i + 1) * width + j].into() >= dp[i * width + j + 1].into()) {
            i += 1;
        } else {
            j += 1;
        }
    }
    if let Some((si, sj)) = open {
        out.push((a_off(si)..a_off(na), b_off(sj)..b_off(nb)));
    }
    out
}

/// The alignment as it was computed before the table was reused and
/// narrowed: a fresh `u32` table per call. The reference [`align`] is
/// tested against.
#[cfg(test)]
pub(crate) fn align_reference(a: &str, b: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let (prefix, am, bm) = trim_common(a, b);
    let ac: Vec<(usize, char)> = am.char_indices().map(|(i, c)| (i + prefix, c)).collect();
    let bc: Vec<(usize, char)> = bm.char_indices().map(|(i, c)| (i + prefix, c)).collect();
    let coarse = vec![(prefix..prefix + am.len(), prefix..prefix + bm.len())];
    if ac.is_empty() || bc.is_empty() {
        return coarse;
    }
    let (na, nb) = (ac.len(), bc.len());
    if (na + 1).saturating_mul(nb + 1) > MAX_DP_CELLS {
        return coarse;
    }
    let width = nb + 1;
    let mut dp = vec![0u32; (na + 1) * width];
    for i in (0..na).rev() {
        for j in (0..nb).rev() {
            dp[i * width + j] = if ac[i].1 == bc[j].1 {
                dp[(i + 1) * width + j + 1] + 1
            } else {
                dp[(i + 1) * width + j].max(dp[i * width + j + 1])
            };
        }
    }
    // The walk itself is shared: only the table's type and reuse changed.
    traceback(&dp, width, &ac, &bc, prefix + am.len(), prefix + bm.len())
}

fn judge(a: &str, b: &str, ra: Range<usize>, rb: Range<usize>) -> DiffSpan {
    if let Some(span) = format_variant(a, b, &ra, &rb) {
        return span;
    }
    let kind = imperceptible_kind(a, b, &ra, &rb).unwrap_or(DiffKind::Visible);
    DiffSpan { a: ra, b: rb, kind }
}

fn is_date_sep(c: u8) -> bool {
    matches!(c, b'-' | b'/' | b'.')
}

fn format_variant(a: &str, b: &str, ra: &Range<usize>, rb: &Range<usize>) -> Option<DiffSpan> {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let dateish = |s: &[u8], r: &Range<usize>| {
        s[r.clone()]
            .iter()
            .all(|&c| c.is_ascii_digit() || is_date_sep(c))
    };
    if !dateish(ab, ra) || !dateish(bb, rb) {
        return None;
    }
    // Lone separator swap.
    if ra.len() == 1 && rb.len() == 1 && is_date_sep(ab[ra.start]) && is_date_sep(bb[rb.start]) {
        let whole = a.len() == 1 && b.len() == 1;
        let flanked = |s: &[u8], r: &Range<usize>| {
            let left = r.start.checked_sub(1).map(|i| s[i]);
            let right = s.get(r.end).copied();
            matches!(left, Some(c) if c.is_ascii_digit() || c == b'}')
                && matches!(right, Some(c) if c.is_ascii_digit() || c == b'{' || c == b'$')
        };
        if whole || (flanked(ab, ra) && flanked(bb, rb)) {
            return Some(DiffSpan {
                a: ra.clone(),
                b: rb.clone(),
                kind: DiffKind::FormatVariant,
            });
        }
    }
    // Whole date token around the span.
    let anchor = |s: &[u8], r: &Range<usize>| {
        (r.start.saturating_sub(1)..(r.end + 1).min(s.len())).find(|&i| s[i].is_ascii_digit())
    };
    let (pa, pb) = (anchor(ab, ra)?, anchor(bb, rb)?);
    let (ta, da) = dates::date_at(ab, pa)?;
    let (tb, db) = dates::date_at(bb, pb)?;
    if ta.start > ra.start || ta.end < ra.end || tb.start > rb.start || tb.end < rb.end {
        return None;
    }
    let rda = da.readings();
    if db.readings().iter().any(|r| rda.contains(r)) {
        return Some(DiffSpan {
            a: ta,
            b: tb,
            kind: DiffKind::FormatVariant,
        });
    }
    None
}

/// Canonical form: invisibles dropped, whitespace runs → one space, UTS #39 skeleton.
fn canon(s: &str) -> String {
    let mut t = String::with_capacity(s.len());
    let mut in_ws = false;
    for c in s.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            if !in_ws {
                t.push(' ');
            }
            in_ws = true;
        } else {
            t.push(c);
            in_ws = false;
        }
    }
    skeleton(&t)
}

/// `s` without its invisible characters; without any (`has_invisible`
/// false) the text itself, not a copy.
fn visible(s: &str, has_invisible: bool) -> std::borrow::Cow<'_, str> {
    if has_invisible {
        s.chars()
            .filter(|&c| !is_invisible(c))
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

fn imperceptible_kind(a: &str, b: &str, ra: &Range<usize>, rb: &Range<usize>) -> Option<DiffKind> {
    let (sa, sb) = (&a[ra.clone()], &b[rb.clone()]);
    let has_invisible = sa.chars().chain(sb.chars()).any(is_invisible);
    let (va, vb) = (visible(sa, has_invisible), visible(sb, has_invisible));
    if va == vb {
        // Only invisibles differ.
        return Some(if has_invisible {
            DiffKind::InvisibleInsertion
        } else {
            DiffKind::Identical
        });
    }
    // Pure whitespace insertion: Spacing only next to whitespace, at a line
    // end, or when only narrow spaces were added.
    let ws_only = |s: &str| s.chars().all(char::is_whitespace);
    if va.is_empty() || vb.is_empty() {
        let (empty_s, pos, other) = if va.is_empty() {
            (a, ra.start, &vb)
        } else {
            (b, rb.start, &va)
        };
        if !ws_only(other) {
            return None;
        }
        let before = empty_s[..pos].chars().next_back();
        let after = empty_s[pos..].chars().find(|&c| !is_invisible(c));
        let ok = before.is_some_and(char::is_whitespace)
            || after.is_none_or(char::is_whitespace)
            || other.chars().all(is_narrow_space);
        return ok.then_some(DiffKind::Spacing);
    }
    if canon(sa) != canon(sb) {
        return None;
    }
    let ws_differs = sa
        .chars()
        .filter(|c| c.is_whitespace())
        .ne(sb.chars().filter(|c| c.is_whitespace()));
    Some(if ws_differs {
        DiffKind::Spacing
    } else if has_invisible {
        DiffKind::InvisibleInsertion
    } else {
        DiffKind::LookAlike
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(a: &str, b: &str) -> DiffKind {
        let k = classify(a, b).kind;
        assert_eq!(
            classify(b, a).kind,
            k,
            "classify must be symmetric in kind for {a:?} / {b:?}"
        );
        k
    }

    #[test]
    fn identical() {
        assert_eq!(kind("same", "same"), DiffKind::Identical);
        assert!(classify("same", "same").spans.is_empty());
        assert!(!classify("x", "x").is_imperceptible());
    }

    #[test]
    fn lookalikes() {
        for alt in ["Today\u{2019}s", "Today\u{02BC}s", "Today\u{02B9}s"] {
            assert_eq!(kind("Today's", alt), DiffKind::LookAlike, "{alt}");
        }
        assert_eq!(
            kind("Today\u{2019}s", "Today\u{02BC}s"),
            DiffKind::LookAlike
        );
        assert_eq!(kind("are", "\u{0430}re"), DiffKind::LookAlike);
        assert_eq!(kind("'", "\u{2019}"), DiffKind::LookAlike);
        assert_eq!(kind("caf\u{E9}", "cafe\u{301}"), DiffKind::LookAlike);
        let c = classify("Today's date", "Today\u{2019}s date");
        assert_eq!(
            c.spans,
            vec![DiffSpan {
                a: 5..6,
                b: 5..8,
                kind: DiffKind::LookAlike
            }]
        );
        assert!(c.is_imperceptible());
    }

    #[test]
    fn invisible_insertions() {
        assert_eq!(kind("Hello", "Hello\u{200B}"), DiffKind::InvisibleInsertion);
        assert_eq!(kind("Hello", "He\u{200D}llo"), DiffKind::InvisibleInsertion);
        assert_eq!(
            kind("ok", "ok\u{E0041}\u{E0042}"),
            DiffKind::InvisibleInsertion
        );
        assert_eq!(kind("a\u{200B}", "a\u{200C}"), DiffKind::InvisibleInsertion);
        // Invisible plus look-alike in one span: the more visible ingredient wins.
        assert_eq!(
            kind("x'y", "x\u{200B}\u{2019}y"),
            DiffKind::InvisibleInsertion
        );
    }

    #[test]
    fn spacing() {
        assert_eq!(kind("a b", "a\u{00A0}b"), DiffKind::Spacing);
        assert_eq!(kind("a b", "a  b"), DiffKind::Spacing);
        assert_eq!(kind("end", "end "), DiffKind::Spacing);
        assert_eq!(kind("line\nnext", "line \nnext"), DiffKind::Spacing);
        assert_eq!(kind("a b", "a\u{3000}b"), DiffKind::Spacing);
        assert_eq!(kind("ab", "a b"), DiffKind::Visible);
        // Narrower than a word space, inserted where there was none.
        assert_eq!(kind("80%", "80\u{202F}%"), DiffKind::Spacing);
        assert_eq!(kind("guidelines", "guide\u{200A}lines"), DiffKind::Spacing);
        assert_eq!(kind("ab", "a\u{2009}b"), DiffKind::Spacing);
        // A no-break space is as wide as a word space; an ideographic one wider.
        assert_eq!(kind("80%", "80\u{00A0}%"), DiffKind::Visible);
        assert_eq!(kind("ab", "a\u{3000}b"), DiffKind::Visible);
        assert_eq!(kind("ab", "a\u{2009}x"), DiffKind::Visible);
    }

    #[test]
    fn format_variants() {
        assert_eq!(kind("2026-11-21", "2026/11/21"), DiffKind::FormatVariant);
        assert_eq!(kind("2026-11-21", "21/11/2026"), DiffKind::FormatVariant);
        assert_eq!(kind("2026-11-21", "11/21/2026"), DiffKind::FormatVariant);
        assert_eq!(
            kind("Date: 2026-11-21.", "Date: 21.11.2026."),
            DiffKind::FormatVariant
        );
        assert_eq!(kind("-", "/"), DiffKind::FormatVariant);
        assert_eq!(kind("{y}-{m}-{d}", "{y}/{m}/{d}"), DiffKind::FormatVariant);
        assert_eq!(kind("${y}-${m}", "${y}/${m}"), DiffKind::FormatVariant);
        assert_eq!(kind("a-b", "a/b"), DiffKind::Visible);
        assert_eq!(kind("2026-11-21", "2026-11-22"), DiffKind::Visible);
        let c = classify("on 2026-11-21 at", "on 21/11/2026 at");
        assert_eq!(c.spans.len(), 1);
        assert_eq!(c.spans[0].a, 3..13);
    }

    #[test]
    fn visible() {
        assert_eq!(kind("yes", "no"), DiffKind::Visible);
        assert_eq!(kind("en", "fr"), DiffKind::Visible);
        assert_eq!(kind("", "x"), DiffKind::Visible);
        // One visible change among imperceptible ones makes the whole thing visible.
        assert_eq!(
            kind("Today's date is", "Today\u{2019}s time is"),
            DiffKind::Visible
        );
        assert!(!classify("yes", "no").is_imperceptible());
    }

    #[test]
    fn several_spans() {
        let c = classify(
            "Today's date is 2026-11-21",
            "Today\u{2019}s date is 2026/11/21",
        );
        assert_eq!(c.kind, DiffKind::FormatVariant);
        let kinds: Vec<_> = c.spans.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            vec![
                DiffKind::LookAlike,
                DiffKind::FormatVariant,
                DiffKind::FormatVariant
            ]
        );
    }

    #[test]
    fn large_inputs_fall_back_to_one_span() {
        let a = "x".repeat(1 << 20);
        let mut b = a.clone();
        b.replace_range(10..11, "\u{0445}");
        b.replace_range(b.len() - 10..b.len() - 9, "\u{0445}");
        let c = classify(&a, &b);
        assert_eq!(c.kind, DiffKind::LookAlike);
        assert_eq!(c.spans.len(), 1);
    }
}
