//! What the experiment observed, as the report's environment matrix
//! ([`plainsight_core::matrix::ProbeMatrix`], the `matrix` member of
//! `probe --format json`): the dimensions varied with the values tried, every
//! planned cell with what it set, how it ended, what it sent and every
//! imperceptible difference to the baseline. One model: the web view and the
//! static HTML report draw exactly this.

use std::collections::BTreeMap;

use plainsight_core::matrix::{CapturedRequest, Cell, CellStatus, Change, Dimension, ProbeMatrix};
use plainsight_text::DiffKind;

use crate::diff;
use crate::experiment::Observed;
use crate::findings::part_name;
use crate::matrix::{Dim, Settings};
use crate::record::Exchange;
use crate::spec::Ended;

/// The matrix of `obs`, cells in the order they were recorded (the
/// baseline and its repeat first), then the cells that produced nothing
/// (sandbox failed, or left out by the time budget).
pub fn probe_matrix(obs: &Observed) -> ProbeMatrix {
    let base = &obs.baseline;
    let planned = obs
        .cells
        .iter()
        .map(|c| &c.settings)
        .chain(obs.skipped.iter().map(|s| &s.settings));
    let dimensions = dimensions(base, planned);
    let mut cells: Vec<Cell> = obs
        .cells
        .iter()
        .map(|c| {
            let ended = c.result.ended.as_ref();
            let mut notes = Vec::new();
            if ended == Some(&Ended::TimedOut) {
                notes.push("the agent hit the time limit and was killed; what it sent until then was compared".to_owned());
            }
            if c.result.exchanges.is_empty() {
                notes.push("the agent sent nothing in this cell".to_owned());
            }
            if c.result.dropped_exchanges > 0 {
                notes.push(format!(
                    "{} exchange(s) beyond the limit were answered but not kept",
                    c.result.dropped_exchanges
                ));
            }
            Cell {
                label: c.label.clone(),
                settings: named(&c.settings, base),
                status: if ended == Some(&Ended::TimedOut) {
                    CellStatus::TimedOut
                } else {
                    CellStatus::Ran
                },
                note: (!notes.is_empty()).then(|| notes.join("; ")),
                requests: c.result.exchanges.iter().map(captured).collect(),
                changes: c.changes.iter().map(change).collect(),
            }
        })
        .collect();
    cells.extend(obs.skipped.iter().map(|s| Cell {
        label: s.label.clone(),
        settings: named(&s.settings, base),
        status: if s.failure.is_some() {
            CellStatus::Failed
        } else {
            CellStatus::NotRun
        },
        note: Some(match &s.failure {
            Some(f) => format!("sandbox step `{}` failed: {}", f.step, f.message),
            None => "left out by the time budget (--budget)".to_owned(),
        }),
        requests: Vec::new(),
        changes: Vec::new(),
    }));
    ProbeMatrix { dimensions, cells }
}

/// Every dimension some cell set away from the baseline, in the matrix's
/// own order, with the values tried (baseline first, then in cell order).
fn dimensions<'a>(base: &Settings, planned: impl Iterator<Item = &'a Settings>) -> Vec<Dimension> {
    let mut values: BTreeMap<Dim, Vec<String>> = BTreeMap::new();
    for s in planned {
        for (d, v) in s.changes_from(base) {
            let vals = values
                .entry(d.clone())
                .or_insert_with(|| vec![base.get(&d).to_owned()]);
            if !vals.contains(&v) {
                vals.push(v);
            }
        }
    }
    values
        .into_iter()
        .map(|(d, values)| Dimension {
            name: d.to_string(),
            baseline: base.get(&d).to_owned(),
            values,
        })
        .collect()
}

/// Dimension name → value for every dimension where `s` differs from `base`.
fn named(s: &Settings, base: &Settings) -> Vec<(String, String)> {
    s.changes_from(base)
        .into_iter()
        .map(|(d, v)| (d.to_string(), v))
        .collect()
}

fn captured(e: &Exchange) -> CapturedRequest {
    let default_port = match e.scheme.as_str() {
        "https" => 443,
        _ => 80,
    };
    let url = if e.port == default_port || e.port == 0 {
        format!("{}://{}{}", e.scheme, e.host, e.path)
    } else {
        format!("{}://{}:{}{}", e.scheme, e.host, e.port, e.path)
    };
    CapturedRequest {
        method: e.method.clone(),
        url,
        headers: e.headers.clone(),
        body: e.body.clone(),
        body_base64: e.body_base64,
    }
}

fn change(c: &diff::Change) -> Change {
    Change {
        request: c.b_index,
        pointer: c.pointer.clone(),
        part: c
            .pointer
            .starts_with("/body/")
            .then(|| part_name(&c.pointer)),
        kind: kind_name(c.kind).to_owned(),
        baseline: c.a.clone(),
        baseline_span: (c.a_span.start, c.a_span.end),
        variant: c.b.clone(),
        variant_span: (c.b_span.start, c.b_span.end),
    }
}

/// The words the matrix model uses for a kind of imperceptible difference.
pub fn kind_name(kind: DiffKind) -> &'static str {
    match kind {
        DiffKind::LookAlike => "look-alike",
        DiffKind::InvisibleInsertion => "invisible",
        DiffKind::Spacing => "spacing",
        DiffKind::FormatVariant => "format",
        DiffKind::Identical => "identical",
        DiffKind::Visible => "visible",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(Dim, &str)]) -> Settings {
        Settings {
            values: pairs
                .iter()
                .map(|(d, v)| (d.clone(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn dimensions_list_values_tried_baseline_first() {
        let base = settings(&[(Dim::TimeZone, "Etc/UTC"), (Dim::Locale, "C.UTF-8")]);
        let a = base.with(&Dim::TimeZone, "Asia/Shanghai");
        let b = base
            .with(&Dim::TimeZone, "Europe/Berlin")
            .with(&Dim::Locale, "de_DE.UTF-8");
        let c = base.with(&Dim::TimeZone, "Asia/Shanghai");
        let d = dimensions(&base, [&base, &a, &b, &c].into_iter());
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].name, "time zone");
        assert_eq!(d[0].baseline, "Etc/UTC");
        assert_eq!(d[0].values, ["Etc/UTC", "Asia/Shanghai", "Europe/Berlin"]);
        assert_eq!(d[1].name, "locale");
        assert_eq!(d[1].values, ["C.UTF-8", "de_DE.UTF-8"]);
        assert_eq!(
            named(&b, &base),
            [
                ("time zone".to_owned(), "Europe/Berlin".to_owned()),
                ("locale".to_owned(), "de_DE.UTF-8".to_owned())
            ]
        );
        assert!(named(&base, &base).is_empty());
    }

    #[test]
    fn change_keeps_spans_and_names_the_part() {
        let c = diff::Change {
            key: "POST /v1/messages".into(),
            occ: 0,
            pointer: "/body/system/0/text".into(),
            kind: DiffKind::LookAlike,
            a_span: 5..6,
            a: "Today's date".into(),
            b_span: 5..7,
            b: "Today\u{2b9}s date".into(),
            a_index: 0,
            b_index: 2,
        };
        let m = change(&c);
        assert_eq!(m.request, 2);
        assert_eq!(m.part.as_deref(), Some("system[0].text"));
        assert_eq!(m.kind, "look-alike");
        assert_eq!(m.baseline_text(), "'");
        assert_eq!(m.variant_text(), "\u{2b9}");
        let h = diff::Change {
            pointer: "/header/user-agent".into(),
            ..c
        };
        assert_eq!(change(&h).part, None);
    }

    #[test]
    fn url_omits_default_ports() {
        let e = Exchange {
            scheme: "https".into(),
            host: "api.anthropic.com".into(),
            port: 443,
            path: "/v1/messages?beta=true".into(),
            method: "POST".into(),
            ..Exchange::default()
        };
        assert_eq!(
            captured(&e).url,
            "https://api.anthropic.com/v1/messages?beta=true"
        );
        let e = Exchange { port: 8443, ..e };
        assert_eq!(
            captured(&e).url,
            "https://api.anthropic.com:8443/v1/messages?beta=true"
        );
    }
}
