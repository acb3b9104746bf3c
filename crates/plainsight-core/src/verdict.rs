//! What a report means, before what it lists: the verdict, the order of the
//! findings, and the inventory grouped into tables. Every text report uses
//! this (scan, inspect, and the `probe` and `history` reports to come), and
//! so does anything else that shows a report to a person.
//!
//! Design decisions:
//! - **Roles, not codes.** Each rule plays one [`Role`] in a report: a
//!   *channel* (the environment chooses text a reader cannot tell apart),
//!   *hidden text* (invisible or look-alike characters found in text itself),
//!   a *targeting list*, *inventory* (what the code reads and where it
//!   connects) or other *evidence* (decoded strings, obfuscation). The verdict
//!   leads with channels, then hidden text and targeting lists, then whether
//!   everything could be analysed (the units' typed outcomes). A rule added later gets its role from its
//!   code range until it is named here.
//! - **The verdict is computed on every finding**, whatever a renderer then
//!   filters (`--min-severity`) or folds into tables: a display choice must
//!   not change the answer.
//! - **Inventory is data, not diagnostics.** Endpoints and environment reads
//!   at low or info severity are grouped by their subject (`Finding::subject`,
//!   else the message with numbers masked) into [`Table`]s: one row per host
//!   or source with counts and the first place seen. An inventory finding
//!   raised above low by its analyzer is a diagnostic like any other.
//! - **Pure data.** Nothing here formats; renderers decide the look.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::codes::Rule;
use crate::finding::{Finding, Report, Severity, UnitOutcome};

/// The part a rule's findings play in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The environment decides between variants of outgoing text that a
    /// reader cannot tell apart (or data is encoded into invisible text).
    Channel,
    /// Invisible, look-alike or odd-one-out characters in text itself.
    HiddenText,
    /// A list of hosts, zones, organisations… that the code hides or
    /// compares the environment with.
    TargetingList,
    /// What the code reads and where it connects, for the record.
    Inventory,
    /// Everything else: decoded strings, obfuscation, signatures.
    Evidence,
}

impl Role {
    pub fn of(rule: Rule) -> Role {
        match rule {
            Rule::CovertLookAlike
            | Rule::CovertInvisible
            | Rule::CovertSpacing
            | Rule::CovertFormat
            | Rule::CovertEncoding
            // observed at run time: probe's variation by environment or
            // between identical runs, guard's drift of a repeated line
            | Rule::RuntimeLookAlike
            | Rule::RuntimeInvisible
            | Rule::RuntimeSpacing
            | Rule::RuntimeFormat
            | Rule::RuntimeUnprompted
            | Rule::DriftLineForm => Role::Channel,
            Rule::TargetingList | Rule::EnvTargeting => Role::TargetingList,
            Rule::EnvEndpoint
            | Rule::EnvTimeZone
            | Rule::EnvIdentity
            | Rule::EnvPlatform
            | Rule::HardcodedEndpoint
            | Rule::TelemetryEndpoint
            | Rule::EnvDisclosure
            | Rule::RuntimeEgress
            | Rule::ProxyBypass
            | Rule::BaseUrlIgnored
            | Rule::TlsRefused
            | Rule::NonHttpConnection
            | Rule::EgressRefused => Role::Inventory,
            Rule::DecodedString | Rule::StringTable => Role::Evidence,
            Rule::InvisibleCharacter
            | Rule::TagCharacters
            | Rule::VariationSelector
            | Rule::BidiControl
            | Rule::ConfusableCharacter
            | Rule::MixedScriptWord
            | Rule::UnusualSpace
            | Rule::OddQuoteStyle
            | Rule::OddDateFormat
            | Rule::OddWhitespace
            | Rule::ZeroWidthPayload => Role::HiddenText,
            #[allow(unreachable_patterns)] // `Rule` grows; new codes get their range's role.
            other => match other.code().get(..3) {
                Some("PS1") => Role::Channel,
                Some("PS5") => Role::HiddenText,
                _ => Role::Evidence,
            },
        }
    }
}

/// The short name of an inventory rule's kind, for a table column.
pub fn kind_label(rule: Rule) -> &'static str {
    match rule {
        Rule::EnvEndpoint => "endpoint config",
        Rule::EnvTimeZone => "time zone/locale",
        Rule::EnvIdentity => "host/user identity",
        Rule::EnvPlatform => "platform",
        Rule::HardcodedEndpoint => "endpoint",
        Rule::TelemetryEndpoint => "telemetry",
        Rule::EnvDisclosure => "disclosed (observed)",
        Rule::RuntimeEgress => "egress (observed)",
        Rule::ProxyBypass => "proxy bypass (observed)",
        Rule::BaseUrlIgnored => "base URL ignored (observed)",
        Rule::TlsRefused => "TLS refused (observed)",
        Rule::NonHttpConnection => "non-HTTP (observed)",
        Rule::EgressRefused => "egress refused (guard)",
        other => other.name(),
    }
}

/// True when a finding is shown as a row of an inventory table rather than
/// as a diagnostic of its own (unless the reader asks for every diagnostic).
pub fn is_inventory(f: &Finding) -> bool {
    Role::of(f.rule) == Role::Inventory && f.severity <= Severity::Low
}

/// The one-line answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Headline {
    /// Nothing at medium or above.
    Clear,
    /// Findings at medium, none above.
    WorthALook,
    /// Findings at high or above, but no channel was traced.
    Review,
    /// At least one channel.
    CovertChannel,
}

/// What a report means (module docs).
#[derive(Clone, Debug)]
pub struct Verdict<'r> {
    pub headline: Headline,
    /// Channel findings, most severe first, then by location.
    pub channels: Vec<&'r Finding>,
    /// Hidden-text findings at medium or above, most severe first.
    pub hidden_text: Vec<&'r Finding>,
    /// Targeting lists at medium or above, most severe first, one entry
    /// per list: the findings about the same values (the literal that hides
    /// them, the call that decodes them, the comparison that uses them)
    /// together.
    pub targeting: Vec<TargetingGroup<'r>>,
    /// Other findings at high or above (neither channel, hidden text nor list).
    pub other_high: Vec<&'r Finding>,
    /// Findings per severity, indexed by `Severity as usize` (info = 0).
    pub counts: [usize; 5],
    /// The units not analysed completely (a file that does not parse, one
    /// too deep or too large, a budget spent), with their reasons, the
    /// baseline's included. Non-empty means the verdict covers only part of
    /// the input.
    pub incomplete: Vec<&'r UnitOutcome>,
    /// Units looked at (both sides of a diff).
    pub units: usize,
}

impl<'r> Verdict<'r> {
    pub fn of(report: &'r Report) -> Verdict<'r> {
        let ordered = by_severity(&report.findings);
        let mut counts = [0; 5];
        for f in &report.findings {
            counts[f.severity as usize] += 1;
        }
        let pick = |pred: &dyn Fn(&Finding) -> bool| -> Vec<&'r Finding> {
            ordered.iter().copied().filter(|f| pred(f)).collect()
        };
        let channels = pick(&|f| Role::of(f.rule) == Role::Channel);
        let hidden_text =
            pick(&|f| Role::of(f.rule) == Role::HiddenText && f.severity >= Severity::Medium);
        let targeting = group_lists(pick(&|f| {
            Role::of(f.rule) == Role::TargetingList && f.severity >= Severity::Medium
        }));
        let other_high = pick(&|f| {
            matches!(Role::of(f.rule), Role::Evidence | Role::Inventory)
                && f.severity >= Severity::High
        });
        let max = report.max_severity();
        let headline = if !channels.is_empty() {
            Headline::CovertChannel
        } else if max >= Some(Severity::High) {
            Headline::Review
        } else if max == Some(Severity::Medium) {
            Headline::WorthALook
        } else {
            Headline::Clear
        };
        Verdict {
            headline,
            channels,
            hidden_text,
            targeting,
            other_high,
            counts,
            incomplete: report.incomplete().collect(),
            units: report.units.len(),
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.counts[severity as usize]
    }

    /// Findings at or above `severity`.
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.counts[severity as usize..].iter().sum()
    }
}

/// The findings about one list of values (see [`Verdict::targeting`]).
#[derive(Clone, Debug)]
pub struct TargetingGroup<'r> {
    /// Most severe first; the first one names the list.
    pub findings: Vec<&'r Finding>,
}

impl TargetingGroup<'_> {
    /// The environment sources compared with the list (PS305 subjects).
    pub fn compared_with(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for f in &self.findings {
            if let Some(s) = f.subject.as_deref()
                && !v.contains(&s)
            {
                v.push(s);
            }
        }
        v
    }

    /// Whether any finding says the code hid the list.
    pub fn hidden(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.list.as_ref().is_some_and(|l| l.hidden))
    }
}

/// The values of a list finding, sorted: one per line of `decoded`, or
/// comma-separated on one line.
pub fn list_values(f: &Finding) -> Vec<&str> {
    let Some(d) = f.decoded.as_deref() else {
        return Vec::new();
    };
    let mut v: Vec<&str> = if d.contains('\n') {
        d.lines().map(str::trim).collect()
    } else {
        d.split(", ").map(str::trim).collect()
    };
    v.retain(|s| !s.is_empty());
    v.sort_unstable();
    v.dedup();
    v
}

fn group_lists(findings: Vec<&Finding>) -> Vec<TargetingGroup<'_>> {
    let mut groups: Vec<(Vec<&str>, TargetingGroup<'_>)> = Vec::new();
    for f in findings {
        let values = list_values(f);
        match groups
            .iter_mut()
            .find(|(v, _)| !values.is_empty() && *v == values)
        {
            Some((_, g)) => g.findings.push(f),
            None => groups.push((values, TargetingGroup { findings: vec![f] })),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// Findings most severe first; within a severity by input, location and rule
/// (the order of [`Report::sort`]), so equal reports print equally.
pub fn by_severity(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by(|a, b| {
        (
            Reverse(a.severity),
            &a.location.chain,
            &a.location.path,
            a.location.start.offset,
            a.rule.code(),
        )
            .cmp(&(
                Reverse(b.severity),
                &b.location.chain,
                &b.location.path,
                b.location.start.offset,
                b.rule.code(),
            ))
    });
    v
}

/// One inventory table: the rows of one family of rules.
#[derive(Clone, Debug)]
pub struct Table<'r> {
    /// `endpoints`, `environment reads`, or the rule category for others.
    pub title: &'static str,
    /// What the subject column holds: `host`, `source`, `subject`.
    pub subject: &'static str,
    /// By kind (what can single a user out first), then most occurrences.
    pub rows: Vec<Row<'r>>,
    /// Findings folded into this table.
    pub findings: usize,
}

/// One subject of an inventory table.
#[derive(Clone, Debug)]
pub struct Row<'r> {
    /// The host, origin or environment source.
    pub subject: String,
    pub rule: Rule,
    /// Sites in all units (a finding without a count stands for one).
    pub occurrences: u64,
    /// Units (files, modules) it appears in.
    pub units: usize,
    /// The first finding in report order (its location is "first seen").
    pub first: &'r Finding,
}

/// Group inventory findings into tables (module docs). `findings` should be
/// in report order, so each row's `first` is the earliest place.
pub fn inventory<'r>(findings: impl IntoIterator<Item = &'r Finding>) -> Vec<Table<'r>> {
    let mut tables: Vec<Table<'r>> = Vec::new();
    // (table title, rule, subject) → row index in that table.
    let mut index: HashMap<(&'static str, Rule, String), usize> = HashMap::new();
    for f in findings {
        let (title, subject_label) = family(f.rule);
        let t = tables
            .iter()
            .position(|t| t.title == title)
            .unwrap_or_else(|| {
                tables.push(Table {
                    title,
                    subject: subject_label,
                    rows: Vec::new(),
                    findings: 0,
                });
                tables.len() - 1
            });
        let subject = subject_of(f);
        let table = &mut tables[t];
        table.findings += 1;
        let n = f.occurrences.unwrap_or(1).max(1);
        if let Some(&r) = index.get(&(title, f.rule, subject.clone())) {
            let row = &mut table.rows[r];
            row.occurrences += n;
            row.units += 1;
        } else {
            index.insert((title, f.rule, subject.clone()), table.rows.len());
            table.rows.push(Row {
                subject,
                rule: f.rule,
                occurrences: n,
                units: 1,
                first: f,
            });
        }
    }
    for t in &mut tables {
        t.rows.sort_by(|a, b| {
            (
                kind_rank(a.rule),
                Reverse(a.occurrences),
                Reverse(a.units),
                &a.subject,
            )
                .cmp(&(
                    kind_rank(b.rule),
                    Reverse(b.occurrences),
                    Reverse(b.units),
                    &b.subject,
                ))
        });
    }
    tables.sort_by_key(|t| t.title);
    tables
}

/// Kinds a reviewer looks at first come first in a table: what can tell
/// who or where the user is (endpoint configuration, time zone, identity)
/// and where data goes out (telemetry), then the rest.
fn kind_rank(rule: Rule) -> u8 {
    match rule {
        Rule::TelemetryEndpoint | Rule::EnvEndpoint => 0,
        Rule::EnvTimeZone => 1,
        Rule::EnvIdentity => 2,
        _ => 3,
    }
}

fn family(rule: Rule) -> (&'static str, &'static str) {
    match rule.code().get(..3) {
        Some("PS4") => ("endpoints", "host"),
        Some("PS3") => ("environment reads", "source"),
        _ => ("other", "subject"),
    }
}

/// The grouping key: the analyzer's subject, else the message with numbers
/// and minified names masked (see [`crate::diff::canonical`]).
pub fn subject_of(f: &Finding) -> String {
    match &f.subject {
        Some(s) => s.clone(),
        None => crate::diff::canonical(&f.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, Position};

    fn at(path: &str, offset: u64) -> Location {
        Location {
            path: path.into(),
            start: Position {
                offset,
                line: 1,
                column: offset as u32 + 1,
            },
            ..Location::default()
        }
    }

    fn f(rule: Rule, sev: Severity, subject: Option<&str>, path: &str, offset: u64) -> Finding {
        let mut f = Finding::new(
            rule,
            format!("about {subject:?} at {offset}"),
            at(path, offset),
        );
        f.severity = sev;
        f.subject = subject.map(str::to_string);
        f
    }

    #[test]
    fn every_rule_has_a_role_and_channels_are_the_covert_range() {
        for r in Rule::ALL {
            let role = Role::of(*r);
            if r.code().starts_with("PS1") {
                assert_eq!(role, Role::Channel, "{r:?}");
            }
            if r.code().starts_with("PS5") {
                assert_eq!(role, Role::HiddenText);
            }
        }
        // run-time observations of a channel head the verdict like static ones
        for r in [
            Rule::RuntimeLookAlike,
            Rule::RuntimeInvisible,
            Rule::RuntimeSpacing,
            Rule::RuntimeFormat,
            Rule::RuntimeUnprompted,
            Rule::DriftLineForm,
        ] {
            assert_eq!(Role::of(r), Role::Channel, "{r:?}");
        }
    }

    #[test]
    fn headline_follows_the_worst_finding_and_channels() {
        let mut report = Report::default();
        assert_eq!(Verdict::of(&report).headline, Headline::Clear);
        report
            .findings
            .push(f(Rule::DecodedString, Severity::Medium, None, "a.js", 1));
        assert_eq!(Verdict::of(&report).headline, Headline::WorthALook);
        report
            .findings
            .push(f(Rule::TargetingList, Severity::High, None, "a.js", 2));
        let v = Verdict::of(&report);
        assert_eq!(v.headline, Headline::Review);
        assert_eq!(v.targeting.len(), 1);
        assert_eq!(v.targeting[0].findings.len(), 1);
        report
            .findings
            .push(f(Rule::CovertFormat, Severity::High, None, "a.js", 3));
        report.units.push(UnitOutcome::analysed(Vec::new(), "a.js"));
        report.units.push(UnitOutcome::not_analysed(
            Vec::new(),
            "b.js",
            crate::Incomplete::new(crate::IncompleteKind::TooDeep, "b.js: too deep"),
        ));
        let v = Verdict::of(&report);
        assert_eq!(v.headline, Headline::CovertChannel);
        assert_eq!(v.incomplete.len(), 1);
        assert_eq!(v.incomplete[0].path, "b.js");
        assert_eq!(v.units, 2);
        assert_eq!(v.count_at_least(Severity::High), 2);
    }

    #[test]
    fn findings_about_one_list_are_one_entry() {
        let mut hidden = f(Rule::TargetingList, Severity::High, None, "a.js", 1);
        hidden.decoded = Some("b.example\na.example".into());
        hidden.list = Some(crate::ValueList {
            kind: "hosts".into(),
            count: 2,
            hidden: true,
        });
        let mut compared = f(
            Rule::EnvTargeting,
            Severity::High,
            Some("process.env.BASE_URL"),
            "a.js",
            9,
        );
        compared.decoded = Some("a.example, b.example".into());
        let mut other = f(Rule::EnvTargeting, Severity::Medium, Some("TZ"), "a.js", 20);
        other.decoded = Some("Asia/Tehran, Asia/Kabul".into());
        let report = Report {
            findings: vec![hidden, compared, other],
            ..Report::default()
        };
        let v = Verdict::of(&report);
        assert_eq!(v.targeting.len(), 2);
        assert_eq!(v.targeting[0].findings.len(), 2);
        assert!(v.targeting[0].hidden());
        assert_eq!(v.targeting[0].compared_with(), ["process.env.BASE_URL"]);
        assert!(!v.targeting[1].hidden());
    }

    #[test]
    fn severity_first_then_location() {
        let fs = vec![
            f(Rule::EnvPlatform, Severity::Info, None, "a.js", 1),
            f(Rule::CovertLookAlike, Severity::Critical, None, "b.js", 9),
            f(Rule::DecodedString, Severity::Medium, None, "a.js", 5),
            f(Rule::CovertLookAlike, Severity::Critical, None, "a.js", 7),
        ];
        let order: Vec<(Severity, &str)> = by_severity(&fs)
            .iter()
            .map(|f| (f.severity, f.location.path.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (Severity::Critical, "a.js"),
                (Severity::Critical, "b.js"),
                (Severity::Medium, "a.js"),
                (Severity::Info, "a.js"),
            ]
        );
    }

    #[test]
    fn inventory_groups_by_subject_with_counts() {
        let mut fs = [
            f(
                Rule::HardcodedEndpoint,
                Severity::Info,
                Some("https://a.example"),
                "x.js",
                1,
            ),
            f(
                Rule::HardcodedEndpoint,
                Severity::Info,
                Some("https://a.example"),
                "y.js",
                1,
            ),
            f(
                Rule::TelemetryEndpoint,
                Severity::Info,
                Some("https://t.example"),
                "x.js",
                2,
            ),
            f(
                Rule::EnvTimeZone,
                Severity::Low,
                Some("process.env.TZ"),
                "x.js",
                3,
            ),
            // No subject: grouped by the message with numbers masked.
            f(Rule::EnvPlatform, Severity::Info, None, "x.js", 4),
            f(Rule::EnvPlatform, Severity::Info, None, "y.js", 40),
        ];
        fs[1].occurrences = Some(5);
        let tables = inventory(fs.iter().filter(|f| is_inventory(f)));
        let titles: Vec<&str> = tables.iter().map(|t| t.title).collect();
        assert_eq!(titles, ["endpoints", "environment reads"]);
        let e = &tables[0];
        assert_eq!(e.findings, 3);
        // Telemetry first (where data goes out), then by occurrences.
        assert_eq!(e.rows[0].rule, Rule::TelemetryEndpoint);
        assert_eq!(e.rows[1].subject, "https://a.example");
        assert_eq!((e.rows[1].occurrences, e.rows[1].units), (6, 2));
        assert_eq!(e.rows[1].first.location.path, "x.js");
        let env = &tables[1];
        assert_eq!(env.rows.len(), 2, "{:#?}", env.rows);
        let platform = env
            .rows
            .iter()
            .find(|r| r.rule == Rule::EnvPlatform)
            .unwrap();
        assert_eq!(platform.units, 2);
        // Raised above low: a diagnostic, not a row.
        assert!(!is_inventory(&f(
            Rule::TelemetryEndpoint,
            Severity::Medium,
            None,
            "x.js",
            1
        )));
    }
}
