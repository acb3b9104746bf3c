//! `--format sarif`: one result per capability, its newest occurrence as the
//! location, built by the core SARIF renderer (rules, escaping,
//! fingerprints as `scan` has them), plus:
//! - `baselineState`: `new` when it appeared in the newest version,
//!   `unchanged` when it is in the newest version and older ones, `absent`
//!   when it is gone from the newest version;
//! - `properties["plainsight/history"]`: the version runs it is present in,
//!   first and last versions, where it went away;
//! - the run's `properties["plainsight/history"]`: package, platform,
//!   newest version and every version's status; versions that could not be
//!   read are tool execution notifications.

use std::io::{self, Write};

use plainsight_core::diff::meaning_key;
use plainsight_core::{Finding, Incomplete, IncompleteKind, Report, UnitOutcome};
use serde_json::{Value, json};

use super::spans_text;
use crate::model::{Capability, History};

pub fn render(h: &History, out: &mut dyn Write) -> io::Result<()> {
    plainsight_core::render::write_json(&to_value(h), out)
}

/// The newest finding of `c` (the one its message and location come from).
fn representative<'a>(h: &'a History, c: &Capability) -> Option<&'a Finding> {
    let i = c.counts.iter().rposition(|n| *n > 0)?;
    h.versions[i]
        .findings
        .iter()
        .rev()
        .find(|f| meaning_key(f) == c.key)
}

pub(crate) fn to_value(h: &History) -> Value {
    let caps: Vec<(&Capability, &Finding)> = h
        .timeline
        .iter()
        .filter_map(|c| representative(h, c).map(|f| (c, f)))
        .collect();
    let report = Report {
        tool_version: h.tool_version.clone(),
        inputs: vec![h.package.clone()],
        findings: caps.iter().map(|(_, f)| (*f).clone()).collect(),
        // Versions not read, and units not analysed completely, as the
        // core renderer reports incomplete units.
        units: h
            .versions
            .iter()
            .flat_map(|v| {
                let unread = (!v.status.has_findings() && v.status != crate::Status::Unpublished)
                    .then(|| {
                        UnitOutcome::not_analysed(
                            vec![format!("{}@{}", h.package, v.version)],
                            "",
                            Incomplete::new(
                                IncompleteKind::Unreadable,
                                format!(
                                    "{}: {}",
                                    v.status.as_str(),
                                    v.detail.as_deref().unwrap_or("")
                                ),
                            ),
                        )
                    });
                unread.into_iter().chain(v.incomplete.iter().cloned())
            })
            .collect(),
        notices: h.notices.clone(),
        baseline: None,
        matrix: None,
    };
    let mut sarif = plainsight_core::render::sarif_value(&report);
    let newest = h.newest.clone().unwrap_or_default();
    if let Some(results) = sarif
        .pointer_mut("/runs/0/results")
        .and_then(Value::as_array_mut)
    {
        for (r, (c, _)) in results.iter_mut().zip(&caps) {
            r["baselineState"] = json!(if !c.in_newest {
                "absent"
            } else if c.first_seen == newest {
                "new"
            } else {
                "unchanged"
            });
            let props = r
                .as_object_mut()
                .map(|o| o.entry("properties").or_insert_with(|| json!({})));
            if let Some(p) = props {
                p["plainsight/history"] = json!({
                    "presentIn": spans_text(&c.present),
                    "firstSeen": c.first_seen,
                    "lastSeen": c.last_seen,
                    "goneIn": c.gone_in,
                    "inNewest": c.in_newest,
                    "versions": c.counts.iter().filter(|n| **n > 0).count(),
                });
            }
        }
    }
    if let Some(run) = sarif.pointer_mut("/runs/0").and_then(Value::as_object_mut) {
        let versions: Vec<Value> = h
            .versions
            .iter()
            .map(|v| json!({ "version": v.version, "status": v.status.as_str() }))
            .collect();
        let props = run.entry("properties").or_insert_with(|| json!({}));
        props["plainsight/history"] = json!({
            "package": h.package,
            "platform": h.platform,
            "newest": h.newest,
            "versions": versions,
        });
    }
    sarif
}
