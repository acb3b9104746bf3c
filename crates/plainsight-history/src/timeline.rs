//! From version entries to a timeline: findings grouped by
//! [`plainsight_core::diff::meaning_key`] — the identity `scan --baseline`
//! uses, so "appeared in 2.1.91" here and in a diff of 2.1.90 against
//! 2.1.91 are the same statement — and, per capability, the runs of
//! versions where it is present.
//!
//! Evidence is three-valued per capability and version: *found*; *absent*
//! (the version was read and the capability's module was analysed
//! completely, and the finding is not there); *unknown* (not read, read
//! only in part — a missing platform package — or its module not analysed
//! completely). A run of presence extends over unknown versions between two
//! findings (they are listed in [`Span::unknown`]) and ends at the first
//! version known to lack it, so a failed download or a budget that ran out
//! never splits a run, and never closes one either.

use std::collections::HashMap;

use plainsight_core::diff::{meaning_key, module_identity};
use plainsight_core::{Finding, Rule, Severity};

use crate::model::{Capability, ListSize, Span, Status, Summary, VersionEntry};

/// Build the timeline of `versions` (oldest first); `newest` is the index
/// of the version `--fail-on` judges.
pub fn build(versions: &[VersionEntry], newest: Option<usize>) -> Vec<Capability> {
    struct Acc<'a> {
        counts: Vec<u32>,
        /// Newest occurrence (message and location shown).
        latest: &'a Finding,
        severity: Severity,
    }
    let mut by_key: HashMap<String, Acc<'_>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        if !v.status.has_findings() {
            continue;
        }
        for f in &v.findings {
            let key = meaning_key(f);
            let acc = by_key.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                Acc {
                    counts: vec![0; versions.len()],
                    latest: f,
                    severity: f.severity,
                }
            });
            acc.counts[i] += 1;
            acc.latest = f;
            acc.severity = acc.severity.max(f.severity);
        }
    }
    let mut out: Vec<Capability> = order
        .into_iter()
        .filter_map(|key| {
            let acc = by_key.remove(&key)?;
            let module = module_identity(&acc.latest.location.path);
            let ev: Vec<Evidence> = versions
                .iter()
                .zip(&acc.counts)
                .map(|(v, &n)| evidence(v, &module, n))
                .collect();
            let (present, gone_in) = spans(versions, &ev);
            let first_seen = present.first()?.first.clone();
            let last_seen = present.last()?.last.clone();
            Some(Capability {
                rule: acc.latest.rule,
                severity: acc.severity,
                message: acc.latest.message.clone(),
                location: location(acc.latest),
                module,
                in_newest: newest.is_some_and(|n| acc.counts[n] > 0),
                present,
                first_seen,
                last_seen,
                gone_in,
                counts: acc.counts,
                key,
            })
        })
        .collect();
    // Most severe first; then by category (covert, obfuscation, probes,
    // egress), then when it first appeared.
    let pos = |v: &str| versions.iter().position(|e| e.version == v);
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.code().cmp(b.rule.code()))
            .then_with(|| pos(&a.first_seen).cmp(&pos(&b.first_seen)))
            .then_with(|| a.message.cmp(&b.message))
    });
    out
}

/// What one version says about one capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Evidence {
    Found,
    Absent,
    Unknown,
    /// Unpublished: not a version anyone installs.
    Skip,
}

/// The evidence of `v` for a capability of `module` found `count` times.
pub(crate) fn evidence(v: &VersionEntry, module: &str, count: u32) -> Evidence {
    if count > 0 {
        return Evidence::Found;
    }
    match v.status {
        Status::Unpublished => Evidence::Skip,
        Status::Scanned | Status::Partial
            if !v
                .incomplete
                .iter()
                .any(|u| module_identity(&u.path) == module) =>
        {
            Evidence::Absent
        }
        _ => Evidence::Unknown,
    }
}

/// Runs of presence, and the first version known to lack the capability
/// after its last presence.
pub(crate) fn spans(versions: &[VersionEntry], ev: &[Evidence]) -> (Vec<Span>, Option<String>) {
    let mut out: Vec<Span> = Vec::new();
    let mut open: Option<Span> = None;
    let mut pending_unknown: Vec<String> = Vec::new();
    let mut gone_in = None;
    for (v, e) in versions.iter().zip(ev) {
        match e {
            Evidence::Found => {
                match &mut open {
                    Some(span) => {
                        span.unknown.append(&mut pending_unknown);
                        span.last.clone_from(&v.version);
                        span.found += 1;
                    }
                    None => {
                        open = Some(Span {
                            first: v.version.clone(),
                            last: v.version.clone(),
                            found: 1,
                            unknown: Vec::new(),
                        });
                    }
                }
                gone_in = None;
            }
            Evidence::Absent => {
                if let Some(span) = open.take() {
                    out.push(span);
                    gone_in = Some(v.version.clone());
                }
                pending_unknown.clear();
            }
            Evidence::Unknown if open.is_some() => pending_unknown.push(v.version.clone()),
            Evidence::Unknown | Evidence::Skip => {}
        }
    }
    out.extend(open);
    (out, gone_in)
}

fn location(f: &Finding) -> String {
    let mut s = f.location.chain.join(" › ");
    if !s.is_empty() {
        s.push_str(" › ");
    }
    s.push_str(&f.location.path);
    s
}

/// The per-version summary of `findings`.
pub fn summarize(findings: &[Finding]) -> Summary {
    let mut s = Summary {
        findings: findings.len(),
        max_severity: findings.iter().map(|f| f.severity).max(),
        ..Summary::default()
    };
    for f in findings {
        let code = f.rule.code();
        match code.as_bytes().get(2) {
            Some(b'1') => s.covert_channels += 1,
            Some(b'2') if f.rule == Rule::TargetingList => s.targeting_lists.push(ListSize {
                kind: list_kind(&f.message),
                size: f
                    .decoded
                    .as_deref()
                    .map_or(0, |d| d.lines().filter(|l| !l.trim().is_empty()).count()),
            }),
            Some(b'2') => s.obfuscation += 1,
            Some(b'3') => s.environment_probes += 1,
            Some(b'4') => s.endpoints += 1,
            _ => {}
        }
    }
    s
}

/// What a targeting list holds, from its finding's message ("hidden list of
/// host names/domains decoded at run time: …" → `host names/domains`).
fn list_kind(message: &str) -> String {
    let Some(i) = message.find("list of ") else {
        return "items".into();
    };
    let rest = &message[i + "list of ".len()..];
    let end = [" decoded", ":"]
        .iter()
        .filter_map(|t| rest.find(t))
        .min()
        .unwrap_or(rest.len());
    let kind = rest[..end].trim();
    if kind.is_empty() {
        "items".into()
    } else {
        kind.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plainsight_core::Location;

    fn finding(rule: Rule, msg: &str, path: &str) -> Finding {
        Finding::new(
            rule,
            msg,
            Location {
                path: path.into(),
                ..Location::default()
            },
        )
    }

    fn entry(v: &str, status: Status, findings: Vec<Finding>) -> VersionEntry {
        let mut e = VersionEntry::new(v, None, status);
        e.summary = summarize(&findings);
        e.findings = findings;
        e
    }

    #[test]
    fn runs_unknowns_and_gone_in() {
        let covert = || {
            finding(
                Rule::CovertLookAlike,
                "U+0027 / U+2019 chosen by process.env.TZ",
                "package/cli.js",
            )
        };
        let moved = || {
            // The same channel after the switch to an executable.
            finding(
                Rule::CovertLookAlike,
                "U+0027 / U+2019 chosen by process.env.TZ",
                "/$bunfs/root/src/cli.js",
            )
        };
        let vs = vec![
            entry("1.0.0", Status::Scanned, vec![]),
            entry("1.1.0", Status::Scanned, vec![covert()]),
            entry("1.2.0", Status::Failed, vec![]),
            entry("1.3.0", Status::Scanned, vec![moved()]),
            entry("1.3.1", Status::Unpublished, vec![]),
            entry("1.4.0", Status::MissingPlatform, vec![]),
            entry("1.5.0", Status::Scanned, vec![]),
            entry("1.6.0", Status::Scanned, vec![]),
        ];
        let t = build(&vs, Some(7));
        assert_eq!(t.len(), 1);
        let c = &t[0];
        assert_eq!(
            c.present,
            [Span {
                first: "1.1.0".into(),
                last: "1.3.0".into(),
                found: 2,
                unknown: vec!["1.2.0".into()],
            }]
        );
        assert_eq!(
            (c.first_seen.as_str(), c.last_seen.as_str()),
            ("1.1.0", "1.3.0")
        );
        // 1.4.0 lacked its platform package: not evidence of absence.
        assert_eq!(c.gone_in.as_deref(), Some("1.5.0"));
        assert!(!c.in_newest);
        assert_eq!(c.counts, [0, 1, 0, 1, 0, 0, 0, 0]);
        assert_eq!(c.module, "cli.js");
        assert!(c.location.ends_with("/$bunfs/root/src/cli.js"));
    }

    #[test]
    fn an_incomplete_module_is_not_evidence_of_absence_but_another_one_is() {
        let covert = || {
            finding(
                Rule::CovertLookAlike,
                "U+0027 / U+2019 by TZ",
                "package/cli.js",
            )
        };
        let incomplete = |path: &str| {
            let mut u = plainsight_core::UnitOutcome::analysed(vec![], path);
            u.degrade(plainsight_core::Incomplete::new(
                plainsight_core::IncompleteKind::Budget,
                "evaluator budget",
            ));
            u
        };
        let mut budget_in_cli = entry("1.1.0", Status::Partial, vec![]);
        budget_in_cli.incomplete = vec![incomplete("package/cli.js")];
        let mut budget_elsewhere = entry("1.2.0", Status::Partial, vec![]);
        budget_elsewhere.incomplete = vec![incomplete("package/vendor/other.js")];
        let vs = vec![
            entry("1.0.0", Status::Scanned, vec![covert()]),
            budget_in_cli,
            budget_elsewhere,
        ];
        let t = build(&vs, Some(2));
        assert_eq!(t[0].present[0].last, "1.0.0");
        assert_eq!(t[0].gone_in.as_deref(), Some("1.2.0"));
    }

    #[test]
    fn reappearing_capabilities_have_two_runs_and_order_is_by_severity() {
        let env = || {
            finding(
                Rule::EnvTimeZone,
                "reads time zone `process.env.TZ`",
                "a.js",
            )
        };
        let covert = || finding(Rule::CovertInvisible, "ZWSP inserted by TZ", "a.js");
        let vs = vec![
            entry("1.0.0", Status::Scanned, vec![env()]),
            entry("1.1.0", Status::Scanned, vec![env(), covert()]),
            entry("1.2.0", Status::Scanned, vec![env()]),
            entry("1.3.0", Status::Scanned, vec![env(), covert()]),
        ];
        let t = build(&vs, Some(3));
        assert_eq!(t[0].rule, Rule::CovertInvisible);
        assert_eq!(t[0].present.len(), 2);
        assert!(t[0].in_newest && t[0].gone_in.is_none());
        assert_eq!(t[1].present.len(), 1);
        assert_eq!(t[1].present[0].found, 4);
    }

    #[test]
    fn summaries_count_by_category_and_size_lists() {
        let mut list = finding(
            Rule::TargetingList,
            "hidden list of host names/domains decoded at run time: a.example, b.example",
            "a.js",
        );
        list.decoded = Some("a.example\nb.example\nc.example\n".into());
        let mut zones = finding(
            Rule::TargetingList,
            "base64 literal hides a list of IANA time zones: Asia/Shanghai",
            "a.js",
        );
        zones.decoded = Some("Asia/Shanghai".into());
        let s = summarize(&[
            list,
            zones,
            finding(Rule::CovertInvisible, "x", "a.js"),
            finding(Rule::DecodedString, "x", "a.js"),
            finding(Rule::EnvEndpoint, "x", "a.js"),
            finding(Rule::HardcodedEndpoint, "x", "a.js"),
        ]);
        assert_eq!(
            s.targeting_lists,
            [
                ListSize {
                    kind: "host names/domains".into(),
                    size: 3
                },
                ListSize {
                    kind: "IANA time zones".into(),
                    size: 1
                }
            ]
        );
        assert_eq!(
            (
                s.covert_channels,
                s.obfuscation,
                s.environment_probes,
                s.endpoints,
                s.findings
            ),
            (1, 1, 1, 1, 6)
        );
        assert_eq!(s.max_severity, Some(Severity::Critical));
        assert_eq!(list_kind("no list here"), "items");
    }
}
