//! Report pages: a `scan` (or `probe`) report with its version diff and
//! analysis outcomes, and the probe matrix as a grid with one page per cell.

use std::collections::BTreeMap;

use askama::Template;
use plainsight_core::matrix::{CellStatus, Change, ProbeMatrix};
use plainsight_core::{AnalysisStatus, Finding, Report, Severity};
use serde::Deserialize;

use crate::components::{Layout, RuleGroups, severity_class};
use crate::diffview;
use crate::filters;
use crate::markup::{self, Mark, Markup, TextOptions};
use crate::prompt;

/// A report file: what `plainsight scan|probe --format json` writes. The
/// probe's environment matrix, when there is one, is the report's own
/// `matrix` member ([`Report::matrix`]).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReportFile {
    #[serde(flatten)]
    pub report: Report,
}

/// Why a report file cannot be shown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("{name}:{line}:{column}: not a plainsight JSON report: {message}")]
    Parse {
        name: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl ReportFile {
    /// Parses a report (`name` is for the error message).
    pub fn parse(name: &str, bytes: &[u8]) -> Result<ReportFile, ReportError> {
        serde_json::from_slice(bytes).map_err(|e| ReportError::Parse {
            name: name.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    }
}

/// A unit that was not analysed completely.
pub struct UnitView {
    pub place: String,
    pub status: &'static str,
    pub baseline: bool,
    pub reasons: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "report.html", blocks = ["content"])]
pub struct ReportPage {
    pub layout: Layout,
    pub inputs: Vec<String>,
    pub tool_version: String,
    pub counts: Vec<(&'static str, &'static str, usize)>,
    pub total: usize,
    pub baseline_inputs: Option<Vec<String>>,
    pub appeared: usize,
    pub disappeared: usize,
    pub unchanged: usize,
    pub units_total: usize,
    /// Units analysed in full, partly, not at all.
    pub units_analysed: usize,
    pub units_partial: usize,
    pub units_not_analysed: usize,
    pub units_incomplete: Vec<UnitView>,
    pub notices: Vec<Markup>,
    pub groups: Markup,
    pub gone_groups: Markup,
    pub matrix_href: Option<String>,
}

impl ReportPage {
    /// The page of `r`; `has_matrix` links the probe's matrix.
    pub fn new(layout: Layout, r: &Report, has_matrix: bool) -> ReportPage {
        let diff = r.baseline.as_ref();
        let state = diff.map(|_| "appeared");
        let findings: Vec<(&Finding, Option<&'static str>)> =
            r.findings.iter().map(|f| (f, state)).collect();
        let gone: Vec<(&Finding, Option<&'static str>)> = diff
            .map(|b| {
                b.disappeared
                    .iter()
                    .map(|f| (f, Some("disappeared")))
                    .collect()
            })
            .unwrap_or_default();
        let counts = Severity::ALL
            .iter()
            .rev()
            .map(|s| {
                (
                    s.as_str(),
                    severity_class(*s),
                    r.findings.iter().filter(|f| f.severity == *s).count(),
                )
            })
            .collect();
        let count = |st: AnalysisStatus| r.units.iter().filter(|u| u.status == st).count();
        ReportPage {
            inputs: r.inputs.clone(),
            tool_version: r.tool_version.clone(),
            counts,
            total: r.findings.len(),
            baseline_inputs: diff.map(|b| b.inputs.clone()),
            appeared: if diff.is_some() { r.findings.len() } else { 0 },
            disappeared: diff.map_or(0, |b| b.disappeared.len()),
            unchanged: diff.map_or(0, |b| b.unchanged.len()),
            units_total: r.units.len(),
            units_analysed: count(AnalysisStatus::Analysed),
            units_partial: count(AnalysisStatus::Partial),
            units_not_analysed: count(AnalysisStatus::NotAnalysed),
            units_incomplete: r
                .incomplete()
                .map(|u| UnitView {
                    place: u.display(),
                    status: u.status.as_str(),
                    baseline: u.baseline,
                    reasons: u
                        .reasons
                        .iter()
                        .map(|x| (x.kind.as_str().to_owned(), x.message.clone()))
                        .collect(),
                })
                .collect(),
            notices: r
                .notices
                .iter()
                .map(|n| markup::text(n, TextOptions::default()))
                .collect(),
            groups: RuleGroups::new(&findings, "f").to_markup(),
            gone_groups: RuleGroups::new(&gone, "d").to_markup(),
            matrix_href: has_matrix.then(|| {
                if layout.is_static() {
                    "#matrix".to_owned()
                } else {
                    format!("{}/matrix", layout.base)
                }
            }),
            layout,
        }
    }
}

/// What a cell produced, by the text of its changes.
fn signature(changes: &[Change]) -> Vec<(String, String)> {
    let mut s: Vec<(String, String)> = changes
        .iter()
        .map(|c| (c.pointer.clone(), c.variant_text().to_owned()))
        .collect();
    s.sort();
    s.dedup();
    s
}

/// One variant: the outgoing text a set of cells produced.
pub struct VariantView {
    pub id: usize,
    pub label: String,
    /// `part: baseline → variant`, hidden characters named.
    pub changes: Vec<(String, Markup, Markup)>,
    pub cells: usize,
}

pub struct GridCell {
    pub value: String,
    pub href: Option<String>,
    /// `baseline`, `v1`…, `failed`, `not-run`, `untested`.
    pub class: String,
    pub label: String,
    pub is_baseline: bool,
}

pub struct GridRow {
    pub dimension: String,
    pub baseline: String,
    pub cells: Vec<GridCell>,
    pub changed: bool,
}

pub struct ComboView {
    pub label: String,
    pub settings: String,
    pub href: String,
    pub class: String,
    pub variant: String,
}

#[derive(Template)]
#[template(path = "matrix.html", blocks = ["content"])]
pub struct MatrixPage {
    pub layout: Layout,
    pub rows: Vec<GridRow>,
    pub variants: Vec<VariantView>,
    pub combos: Vec<ComboView>,
    pub cells_run: usize,
    pub cells_total: usize,
}

/// Variant number per cell (0 = same as baseline), and the variants.
/// A variant: its signature and the first cell that produced it.
type Variant = (Vec<(String, String)>, usize);

fn variants(m: &ProbeMatrix) -> (Vec<usize>, Vec<Variant>) {
    let mut list: Vec<Variant> = Vec::new();
    let mut of_cell = Vec::with_capacity(m.cells.len());
    for (i, c) in m.cells.iter().enumerate() {
        let sig = signature(&c.changes);
        if sig.is_empty() {
            of_cell.push(0);
            continue;
        }
        let n = if let Some(k) = list.iter().position(|(s, _)| *s == sig) {
            k + 1
        } else {
            list.push((sig, i));
            list.len()
        };
        of_cell.push(n);
    }
    (of_cell, list)
}

fn cell_class(status: CellStatus, variant: usize) -> String {
    match status {
        CellStatus::Failed => "failed".into(),
        CellStatus::NotRun => "not-run".into(),
        _ if variant == 0 => "baseline".into(),
        _ => format!("variant v{}", (variant - 1) % 8 + 1),
    }
}

fn cell_label(status: CellStatus, variant: usize) -> String {
    match status {
        CellStatus::Failed => "failed".into(),
        CellStatus::NotRun => "not run".into(),
        CellStatus::TimedOut if variant == 0 => "as baseline (timed out)".into(),
        _ if variant == 0 => "as baseline".into(),
        _ => format!("V{variant}"),
    }
}

impl MatrixPage {
    pub fn new(layout: Layout, m: &ProbeMatrix) -> MatrixPage {
        let base = layout.base.clone();
        let (of_cell, vars) = variants(m);
        let is_static = layout.is_static();
        let href = |i: usize| {
            if is_static {
                format!("#cell-{i}")
            } else {
                format!("{base}/matrix/cells/{i}")
            }
        };
        let rows = m
            .dimensions
            .iter()
            .map(|d| {
                let cells: Vec<GridCell> = d
                    .values
                    .iter()
                    .map(|v| {
                        let is_baseline = *v == d.baseline;
                        let found = m.cells.iter().enumerate().find(|(_, c)| {
                            if is_baseline {
                                c.settings.is_empty()
                            } else {
                                c.settings.len() == 1
                                    && c.settings[0].0 == d.name
                                    && c.settings[0].1 == *v
                            }
                        });
                        match found {
                            Some((i, c)) => GridCell {
                                value: v.clone(),
                                href: Some(href(i)),
                                class: cell_class(c.status, of_cell[i]),
                                label: cell_label(c.status, of_cell[i]),
                                is_baseline,
                            },
                            None => GridCell {
                                value: v.clone(),
                                href: None,
                                class: "untested".into(),
                                label: "not tried alone".into(),
                                is_baseline,
                            },
                        }
                    })
                    .collect();
                GridRow {
                    dimension: d.name.clone(),
                    baseline: d.baseline.clone(),
                    changed: cells.iter().any(|c| c.class.starts_with("variant")),
                    cells,
                }
            })
            .collect();
        let variants = vars
            .iter()
            .enumerate()
            .map(|(k, (_, first))| {
                let c = &m.cells[*first];
                VariantView {
                    id: k + 1,
                    label: format!("V{}", k + 1),
                    changes: c
                        .changes
                        .iter()
                        .map(|ch| {
                            (
                                ch.part.clone().unwrap_or_else(|| ch.pointer.clone()),
                                markup::text(ch.baseline_text(), TextOptions::default()),
                                markup::text(ch.variant_text(), TextOptions::default()),
                            )
                        })
                        .collect(),
                    cells: of_cell.iter().filter(|v| **v == k + 1).count(),
                }
            })
            .collect();
        let combos = m
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.settings.len() > 1)
            .map(|(i, c)| ComboView {
                label: c.label.clone(),
                settings: c
                    .settings
                    .iter()
                    .map(|(d, v)| format!("{d} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                href: href(i),
                class: cell_class(c.status, of_cell[i]),
                variant: cell_label(c.status, of_cell[i]),
            })
            .collect();
        MatrixPage {
            rows,
            variants,
            combos,
            cells_run: m
                .cells
                .iter()
                .filter(|c| matches!(c.status, CellStatus::Ran | CellStatus::TimedOut))
                .count(),
            cells_total: m.cells.len(),
            layout,
        }
    }
}

pub struct ChangeView {
    pub part: String,
    pub pointer: String,
    pub kind: String,
    pub baseline: Markup,
    pub variant: Markup,
}

pub struct RequestView {
    pub anchor: String,
    pub line: String,
    pub headers: Vec<(String, Markup)>,
    pub parts: Vec<(String, Markup, bool)>,
    pub body_note: Option<String>,
}

#[derive(Template)]
#[template(path = "cell.html", blocks = ["content"])]
pub struct CellPage {
    pub layout: Layout,
    pub label: String,
    pub settings: Vec<(String, String)>,
    pub status: &'static str,
    pub note: Option<String>,
    pub changes: Vec<ChangeView>,
    pub requests: Vec<RequestView>,
    pub matrix_href: String,
}

impl CellPage {
    #[allow(clippy::many_single_char_names)]
    pub fn new(layout: Layout, m: &ProbeMatrix, index: usize) -> Option<CellPage> {
        let c = m.cells.get(index)?;
        let mut by_ptr: BTreeMap<(usize, &str), Vec<&Change>> = BTreeMap::new();
        for ch in &c.changes {
            by_ptr
                .entry((ch.request, ch.pointer.as_str()))
                .or_default()
                .push(ch);
        }
        let changes = c
            .changes
            .iter()
            .map(|ch| {
                let (mut la, mut lb) = (Vec::new(), Vec::new());
                let mut n = 0;
                let mut kinds = Vec::new();
                let (a, b) = (&ch.baseline, &ch.variant);
                // Mark the recorded span; let classify add the rest of the line's view.
                la.push(Mark {
                    range: ch.baseline_span.0..ch.baseline_span.1,
                    class: "del imperceptible",
                    title: format!("{}: baseline", ch.kind),
                    anchor: None,
                });
                lb.push(Mark {
                    range: ch.variant_span.0..ch.variant_span.1,
                    class: "ins imperceptible",
                    title: format!("{}: this cell", ch.kind),
                    anchor: None,
                });
                let (ea, eb) = window(a, ch.baseline_span, b, ch.variant_span);
                let (xa, xb) =
                    diffview::marks_for(&a[ea.clone()], &b[eb.clone()], &mut n, &mut kinds);
                let shift = |ms: Vec<Mark>, by: usize| {
                    ms.into_iter()
                        .map(|mut m| {
                            m.range = m.range.start + by..m.range.end + by;
                            m
                        })
                        .collect::<Vec<_>>()
                };
                la.extend(shift(xa, ea.start));
                lb.extend(shift(xb, eb.start));
                let clip = |s: &str, r: &std::ops::Range<usize>, marks: &[Mark]| {
                    let local: Vec<Mark> = marks
                        .iter()
                        .map(|m| Mark {
                            range: m.range.start.saturating_sub(r.start)
                                ..m.range.end.saturating_sub(r.start),
                            ..m.clone()
                        })
                        .collect();
                    markup::marked(&s[r.clone()], &local, TextOptions::default())
                };
                ChangeView {
                    part: ch.part.clone().unwrap_or_else(|| ch.pointer.clone()),
                    pointer: ch.pointer.clone(),
                    kind: ch.kind.clone(),
                    baseline: clip(a, &ea, &la),
                    variant: clip(b, &eb, &lb),
                }
            })
            .collect();
        let requests = c
            .requests
            .iter()
            .enumerate()
            .map(|(ri, r)| {
                let body = if r.body_base64 {
                    prompt::Body {
                        parts: Vec::new(),
                        note: Some(format!("binary body ({} bytes of base64)", r.body.len())),
                    }
                } else {
                    prompt::parts(r.body.as_bytes())
                };
                let parts = body
                    .parts
                    .iter()
                    .map(|p| {
                        let ptr = format!("/body{}", p.pointer);
                        let marks: Vec<Mark> = by_ptr
                            .get(&(ri, ptr.as_str()))
                            .map(|chs| {
                                chs.iter()
                                    .filter(|ch| ch.variant == p.text)
                                    .map(|ch| Mark {
                                        range: ch.variant_span.0..ch.variant_span.1,
                                        class: "ins imperceptible",
                                        title: format!("{} (differs from the baseline)", ch.kind),
                                        anchor: None,
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        let changed = !marks.is_empty();
                        (
                            p.name.clone(),
                            markup::marked(
                                &p.text,
                                &marks,
                                TextOptions {
                                    multiline: true,
                                    ..TextOptions::default()
                                },
                            ),
                            changed,
                        )
                    })
                    .collect();
                RequestView {
                    anchor: format!("r{ri}"),
                    line: format!("{} {}", r.method, r.url),
                    headers: r
                        .headers
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                markup::text(
                                    v,
                                    TextOptions {
                                        hidden_only: true,
                                        ..TextOptions::default()
                                    },
                                ),
                            )
                        })
                        .collect(),
                    parts,
                    body_note: body.note,
                }
            })
            .collect();
        Some(CellPage {
            label: c.label.clone(),
            settings: c.settings.clone(),
            status: c.status.as_str(),
            note: c.note.clone(),
            changes,
            requests,
            matrix_href: if layout.is_static() {
                "#matrix".to_owned()
            } else {
                format!("{}/matrix", layout.base)
            },
            layout,
        })
    }
}

/// The line(s) around two spans, so a change is shown in context without
/// the whole prompt (both clipped to char boundaries, at most ~240 bytes
/// either side).
fn window(
    a: &str,
    sa: (usize, usize),
    b: &str,
    sb: (usize, usize),
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    fn around(s: &str, span: (usize, usize)) -> std::ops::Range<usize> {
        let (mut st, mut en) = (
            span.0.min(s.len()),
            span.1.min(s.len()).max(span.0.min(s.len())),
        );
        let line_start = s[..st].rfind('\n').map_or(0, |i| i + 1);
        let line_end = s[en..].find('\n').map_or(s.len(), |i| en + i);
        st = line_start.max(st.saturating_sub(240));
        en = line_end.min(en + 240);
        while !s.is_char_boundary(st) {
            st -= 1;
        }
        while !s.is_char_boundary(en) {
            en += 1;
        }
        st..en
    }
    (around(a, sa), around(b, sb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plainsight_core::matrix::{CapturedRequest, Cell, Dimension};

    pub fn sample_matrix() -> ProbeMatrix {
        let base = "Today's date is 2026-11-27.";
        let body = |t: &str| {
            serde_json::json!({"system": [{"type": "text", "text": t}], "messages": []}).to_string()
        };
        let change = |t: &str, at: usize, len: usize| Change {
            request: 0,
            pointer: "/body/system/0/text".into(),
            part: Some("system[0].text".into()),
            kind: "look-alike".into(),
            baseline: base.into(),
            baseline_span: (5, 6),
            variant: t.into(),
            variant_span: (at, at + len),
        };
        let req = |t: &str| CapturedRequest {
            method: "POST".into(),
            url: "https://api.example.com/v1/messages".into(),
            headers: vec![("user-agent".into(), "agent/1.0 \u{202E}x".into())],
            body: body(t),
            body_base64: false,
        };
        let prime = "Today\u{2B9}s date is 2026-11-27.";
        ProbeMatrix {
            dimensions: vec![
                Dimension {
                    name: "time zone".into(),
                    baseline: "Etc/UTC".into(),
                    values: vec![
                        "Etc/UTC".into(),
                        "Asia/Shanghai".into(),
                        "Europe/Berlin".into(),
                    ],
                },
                Dimension {
                    name: "locale".into(),
                    baseline: "en_US.UTF-8".into(),
                    values: vec!["en_US.UTF-8".into(), "ja_JP.UTF-8".into()],
                },
            ],
            cells: vec![
                Cell {
                    label: "baseline".into(),
                    requests: vec![req(base)],
                    ..Cell::default()
                },
                Cell {
                    label: "time zone = Asia/Shanghai".into(),
                    settings: vec![("time zone".into(), "Asia/Shanghai".into())],
                    requests: vec![req(prime)],
                    changes: vec![change(prime, 5, 2)],
                    ..Cell::default()
                },
                Cell {
                    label: "time zone = Europe/Berlin".into(),
                    settings: vec![("time zone".into(), "Europe/Berlin".into())],
                    requests: vec![req(base)],
                    ..Cell::default()
                },
                Cell {
                    label: "locale = ja_JP.UTF-8".into(),
                    settings: vec![("locale".into(), "ja_JP.UTF-8".into())],
                    status: CellStatus::Failed,
                    note: Some("sandbox step `net` failed".into()),
                    ..Cell::default()
                },
            ],
        }
    }

    #[test]
    fn grid_shows_which_value_made_the_variant() {
        let m = sample_matrix();
        let p = MatrixPage::new(Layout::default(), &m);
        assert_eq!(p.rows.len(), 2);
        let tz = &p.rows[0];
        assert!(tz.changed);
        let classes: Vec<&str> = tz.cells.iter().map(|c| c.class.as_str()).collect();
        assert_eq!(classes, ["baseline", "variant v1", "baseline"]);
        assert_eq!(p.rows[1].cells[1].class, "failed");
        assert_eq!(p.variants.len(), 1);
        assert!(p.variants[0].changes[0].2.as_str().contains("U+02B9"));
        let html = p.render().unwrap();
        assert!(html.contains("/matrix/cells/1"), "{html}");
    }

    #[test]
    fn cell_page_marks_the_change_and_names_hidden_characters() {
        let m = sample_matrix();
        let p = CellPage::new(Layout::default(), &m, 1).unwrap();
        assert_eq!(p.changes.len(), 1);
        assert!(p.changes[0].variant.as_str().contains("ins imperceptible"));
        assert!(
            p.changes[0]
                .variant
                .as_str()
                .contains("⟨U+02B9 MODIFIER LETTER PRIME⟩")
        );
        let html = p.render().unwrap();
        assert!(html.contains("⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩"));
        assert!(!html.contains('\u{202E}'));
        assert!(CellPage::new(Layout::default(), &m, 99).is_none());
    }
}
