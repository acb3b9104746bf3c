//! Side-by-side differences, every differing span judged the way a reader
//! would see it.
//!
//! Two texts are aligned line by line (`similar`, Myers with a deadline),
//! and each pair of changed lines is handed to the text engine's
//! `classify`, which aligns the characters and says of each differing span
//! whether a reader would notice it: look-alike, invisible insertion,
//! spacing, format variant, or visible. Imperceptible spans get the loud
//! highlight; visible ones (a date that moved by a day) a quiet one.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use plainsight_text::{DiffKind, classify};
use similar::{DiffOp, TextDiff};

use crate::markup::{self, Mark, Markup, TextOptions};
use crate::prompt::Part;

/// Lines longer than this (bytes) are not aligned character by character.
const MAX_CLASSIFY: usize = 20_000;

/// One row of a side-by-side view.
pub struct DiffLine {
    pub left: Option<Markup>,
    pub right: Option<Markup>,
    /// `same`, `changed`, `del`, `ins`, `skip`.
    pub class: &'static str,
    /// For `skip`: how many equal lines are folded.
    pub skipped: usize,
}

/// The differences of one string.
pub struct DiffPart {
    pub name: String,
    pub lines: Vec<DiffLine>,
    /// Spans a reader would not notice.
    pub imperceptible: usize,
    /// The kinds found, for the part's heading.
    pub kinds: Vec<&'static str>,
}

/// The differences of two bodies, part by part.
pub struct PartsDiff {
    pub parts: Vec<DiffPart>,
    /// Parts equal on both sides.
    pub same: usize,
    pub only_left: Vec<String>,
    pub only_right: Vec<String>,
}

pub fn kind_name(k: DiffKind) -> &'static str {
    match k {
        DiffKind::Identical => "identical",
        DiffKind::LookAlike => "look-alike",
        DiffKind::InvisibleInsertion => "invisible",
        DiffKind::Spacing => "spacing",
        DiffKind::FormatVariant => "format",
        DiffKind::Visible => "visible",
    }
}

fn classes(k: DiffKind, side: Side) -> &'static str {
    match (side, k == DiffKind::Visible) {
        (Side::Left, true) => "del visible",
        (Side::Left, false) => "del imperceptible",
        (Side::Right, true) => "ins visible",
        (Side::Right, false) => "ins imperceptible",
    }
}

#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
}

const OPTS: TextOptions = TextOptions {
    multiline: false,
    hidden_only: false,
};

/// Aligns `a` and `b` and renders the changed lines with their spans marked.
pub fn diff_texts(a: &str, b: &str, name: &str) -> DiffPart {
    let diff = TextDiff::configure()
        .timeout(Duration::from_millis(500))
        .diff_lines(a, b);
    let old = diff.old_slices();
    let new = diff.new_slices();
    let line = |s: &str| s.strip_suffix('\n').unwrap_or(s).to_owned();
    let mut part = DiffPart {
        name: name.to_owned(),
        lines: Vec::new(),
        imperceptible: 0,
        kinds: Vec::new(),
    };
    let groups = diff.grouped_ops(1);
    let mut last_old = 0usize;
    for group in &groups {
        if let Some(first) = group.first() {
            let start = first.old_range().start;
            if start > last_old {
                part.lines.push(DiffLine {
                    left: None,
                    right: None,
                    class: "skip",
                    skipped: start - last_old,
                });
            }
        }
        for op in group {
            match *op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for i in 0..len {
                        part.lines.push(DiffLine {
                            left: Some(markup::text(&line(old[old_index + i]), OPTS)),
                            right: Some(markup::text(&line(new[new_index + i]), OPTS)),
                            class: "same",
                            skipped: 0,
                        });
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for i in 0..old_len {
                        part.lines.push(DiffLine {
                            left: Some(markup::marked(
                                &line(old[old_index + i]),
                                &[whole(&line(old[old_index + i]), "del visible")],
                                OPTS,
                            )),
                            right: None,
                            class: "del",
                            skipped: 0,
                        });
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for i in 0..new_len {
                        part.lines.push(DiffLine {
                            left: None,
                            right: Some(markup::marked(
                                &line(new[new_index + i]),
                                &[whole(&line(new[new_index + i]), "ins visible")],
                                OPTS,
                            )),
                            class: "ins",
                            skipped: 0,
                        });
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    for i in 0..old_len.max(new_len) {
                        let la = (i < old_len).then(|| line(old[old_index + i]));
                        let lb = (i < new_len).then(|| line(new[new_index + i]));
                        part.lines.push(pair(
                            la.as_deref(),
                            lb.as_deref(),
                            &mut part.imperceptible,
                            &mut part.kinds,
                        ));
                    }
                }
            }
        }
        if let Some(last) = group.last() {
            last_old = last.old_range().end;
        }
    }
    if last_old < old.len() && !groups.is_empty() {
        part.lines.push(DiffLine {
            left: None,
            right: None,
            class: "skip",
            skipped: old.len() - last_old,
        });
    }
    part
}

fn whole(s: &str, class: &'static str) -> Mark {
    Mark {
        range: 0..s.len(),
        class,
        title: String::new(),
        anchor: None,
    }
}

/// One changed line pair (or a line on one side only).
fn pair(
    a: Option<&str>,
    b: Option<&str>,
    imperceptible: &mut usize,
    kinds: &mut Vec<&'static str>,
) -> DiffLine {
    let (a, b) = match (a, b) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) => {
            return DiffLine {
                left: Some(markup::marked(a, &[whole(a, "del visible")], OPTS)),
                right: None,
                class: "del",
                skipped: 0,
            };
        }
        (None, Some(b)) => {
            return DiffLine {
                left: None,
                right: Some(markup::marked(b, &[whole(b, "ins visible")], OPTS)),
                class: "ins",
                skipped: 0,
            };
        }
        (None, None) => {
            return DiffLine {
                left: None,
                right: None,
                class: "same",
                skipped: 0,
            };
        }
    };
    let (la, lb) = marks_for(a, b, imperceptible, kinds);
    DiffLine {
        left: Some(markup::marked(a, &la, OPTS)),
        right: Some(markup::marked(b, &lb, OPTS)),
        class: "changed",
        skipped: 0,
    }
}

/// Marks of the differing spans of `a` and `b`, each titled with its kind.
pub fn marks_for(
    a: &str,
    b: &str,
    imperceptible: &mut usize,
    kinds: &mut Vec<&'static str>,
) -> (Vec<Mark>, Vec<Mark>) {
    if a.len() > MAX_CLASSIFY || b.len() > MAX_CLASSIFY {
        return (vec![whole(a, "del visible")], vec![whole(b, "ins visible")]);
    }
    let c = classify(a, b);
    let mut la = Vec::new();
    let mut lb = Vec::new();
    for s in &c.spans {
        let name = kind_name(s.kind);
        if s.kind != DiffKind::Visible {
            *imperceptible += 1;
        }
        if !kinds.contains(&name) {
            kinds.push(name);
        }
        let title = if s.kind == DiffKind::Visible {
            "visible difference".to_owned()
        } else {
            format!("{name}: a reader would not see this difference")
        };
        if !s.a.is_empty() {
            la.push(Mark {
                range: s.a.clone(),
                class: classes(s.kind, Side::Left),
                title: title.clone(),
                anchor: None,
            });
        }
        if !s.b.is_empty() {
            lb.push(Mark {
                range: s.b.clone(),
                class: classes(s.kind, Side::Right),
                title,
                anchor: None,
            });
        }
    }
    (la, lb)
}

/// Parts of two bodies matched by JSON pointer; the changed ones diffed.
pub fn compare_parts(a: &[Part], b: &[Part]) -> PartsDiff {
    let by_ptr: HashMap<&str, &Part> = b.iter().map(|p| (p.pointer.as_str(), p)).collect();
    let in_a: HashSet<&str> = a.iter().map(|p| p.pointer.as_str()).collect();
    let mut out = PartsDiff {
        parts: Vec::new(),
        same: 0,
        only_left: Vec::new(),
        only_right: Vec::new(),
    };
    for p in a {
        match by_ptr.get(p.pointer.as_str()) {
            Some(q) if q.text == p.text => out.same += 1,
            Some(q) => out.parts.push(diff_texts(&p.text, &q.text, &p.name)),
            None => out.only_left.push(p.name.clone()),
        }
    }
    out.only_right = b
        .iter()
        .filter(|p| !in_a.contains(p.pointer.as_str()))
        .map(|p| p.name.clone())
        .collect();
    // Parts with imperceptible differences first.
    out.parts
        .sort_by_key(|p| std::cmp::Reverse(p.imperceptible.min(1)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_swapped_apostrophe_and_the_separator() {
        let a = "You are an agent.\nToday's date is 2026-11-27.\nBe brief.";
        let b = "You are an agent.\nToday\u{2B9}s date is 2026/11/28.\nBe brief.";
        let d = diff_texts(a, b, "system[0].text");
        assert!(d.imperceptible >= 1, "{:?}", d.kinds);
        assert!(d.kinds.contains(&"look-alike"), "{:?}", d.kinds);
        let changed: Vec<&DiffLine> = d.lines.iter().filter(|l| l.class == "changed").collect();
        assert_eq!(changed.len(), 1);
        let right = changed[0].right.as_ref().unwrap().as_str();
        assert!(
            right.contains("<mark class=\"ins imperceptible\"")
                && right.contains("⟨U+02B9 MODIFIER LETTER PRIME⟩"),
            "{right}"
        );
        let left = changed[0].left.as_ref().unwrap().as_str();
        assert!(left.contains("<mark class=\"del imperceptible\""), "{left}");
        // The equal lines around it are context.
        assert!(d.lines.iter().any(|l| l.class == "same"));
    }

    #[test]
    fn invisible_insertion_and_one_sided_lines() {
        let d = diff_texts("abc\nx", "ab\u{200B}c\nx\ny", "p");
        assert!(d.kinds.contains(&"invisible"), "{:?}", d.kinds);
        assert!(d.lines.iter().any(|l| l.class == "ins"));
        let all: String = d
            .lines
            .iter()
            .filter_map(|l| l.right.as_ref())
            .map(Markup::as_str)
            .collect();
        assert!(all.contains("⟨U+200B ZERO WIDTH SPACE⟩"), "{all}");
        assert!(!all.contains('\u{200B}'));
    }

    #[test]
    fn long_equal_runs_fold() {
        let a = (0..50).fold(String::new(), |mut s, i| {
            use std::fmt::Write as _;
            let _ = writeln!(s, "line {i}");
            s
        });
        let b = a.replace("line 25\n", "line\u{A0}25\n");
        let d = diff_texts(&a, &b, "p");
        assert!(d.lines.iter().any(|l| l.class == "skip" && l.skipped > 20));
        assert!(d.lines.len() < 10);
        assert!(d.kinds.contains(&"spacing"), "{:?}", d.kinds);
    }
}
