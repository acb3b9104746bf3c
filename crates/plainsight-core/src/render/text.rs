//! Human-readable output, for a terminal: the answer first, the evidence
//! next, the inventory last.
//!
//! Layout (what the pieces mean is decided in [`crate::verdict`]):
//! 1. **Verdict**: whether a covert channel was found and how it is wired
//!    (trigger → carrier → sink, one line each), which targeting lists were
//!    found and how big they are, any hidden text, and whether anything could
//!    not be analysed. For a version diff it speaks of what APPEARED, and
//!    names high findings the baseline already had.
//! 2. **Findings**, most severe first, then by location, each an
//!    annotate-snippets diagnostic: `severity[CODE]: message`, the location
//!    (`chain › path:line:col`, prompt part and JSON pointer), the code
//!    snippet (indented, outside annotate-snippets), the excerpt with the
//!    offending span labelled, named characters, decoded payload, notes, help.
//! 3. **Inventory**: endpoints and environment reads at low/info severity as
//!    tables (subject, kind, sites, files, first seen).
//! 4. What disappeared since the baseline, what the input layer did, the
//!    units not analysed completely (with their reasons), and the summary
//!    with the coverage, last.
//!
//! By default ([`Show::Findings`]) the whole report stays within
//! [`TextOptions::line_budget`] lines: diagnostics are added, most severe
//! first, while they fit (code snippets clipped); the rest are counted per
//! severity and rule on one line each; tables and lists end with "… N more".
//! [`Show::All`] (`-v`) prints every finding as a diagnostic, in full. JSON
//! and SARIF always carry the whole model.
//!
//! Security: everything that came from the scanned input (excerpt, message,
//! paths, payloads, notes) goes through [`chars`] escaping first, so no bidi
//! control, tag character, invisible or terminal escape sequence reaches the
//! terminal. The excerpt additionally names every non-ASCII character inside
//! the offending span (`Today⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩s`), because
//! a look-alike is by definition indistinguishable when printed as itself.
//! annotate-snippets normalises some characters itself; we do not rely on it.

use std::fmt::Write as _;
use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet};
use anstyle::{AnsiColor, Effects, Style};

use super::{Show, TextOptions};
use crate::chars::{self, escape, escape_multiline};
use crate::finding::{Finding, FlowStep, Location, Report, Severity};
use crate::verdict::{self, Headline, Table, Verdict};

/// Rule categories by code prefix, for the summary (see `codes.rs`).
const CATEGORIES: [(&str, &str); 6] = [
    ("PS1", "covert channels"),
    ("PS2", "obfuscation"),
    ("PS3", "environment probes"),
    ("PS4", "egress"),
    ("PS5", "text"),
    ("PS9", "known incidents"),
];

/// Distinct code points named per finding; a tag payload can involve dozens,
/// and its decoded text says more than the list (JSON/SARIF keep them all).
const MAX_CHAR_NOTES: usize = 6;

/// Caps of the bounded layout (verdict entries, snippet lines, brief
/// groups, table rows, notices and incomplete units).
const VERDICT_CHANNELS: usize = 3;
const VERDICT_ITEMS: usize = 3;
const SNIPPET_LINES: usize = 12;
const DECODED_CHARS: usize = 300;
const BRIEF_GROUPS: usize = 10;
const TABLE_ROWS: usize = 10;
const LIST_LINES: usize = 8;
/// Characters a message may take in a one-line entry before it is clipped.
const BRIEF_WIDTH: usize = 80;
/// Width of the label column of the verdict block.
const LABEL: usize = 13;

pub fn render(report: &Report, opts: TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let text = Layout::new(report, opts).render();
    out.write_all(text.as_bytes())
}

struct Layout<'r> {
    report: &'r Report,
    opts: TextOptions,
    verdict: Verdict<'r>,
    renderer: Renderer,
    /// `-v`: every finding as a full diagnostic, no caps.
    full: bool,
}

/// What the findings section showed, for the summary.
#[derive(Default)]
struct Shown {
    in_full: usize,
    in_brief: usize,
    in_tables: usize,
    below_min: usize,
}

impl<'r> Layout<'r> {
    fn new(report: &'r Report, opts: TextOptions) -> Layout<'r> {
        let renderer = if opts.color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        Layout {
            report,
            opts,
            verdict: Verdict::of(report),
            renderer,
            full: opts.show == Show::All,
        }
    }

    fn paint(&self, s: &str, style: Style) -> String {
        if self.opts.color {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    }

    fn bold(&self, s: &str) -> String {
        self.paint(s, Style::new().effects(Effects::BOLD))
    }

    fn severity_style(severity: Severity) -> Style {
        match severity {
            Severity::Critical | Severity::High => {
                AnsiColor::BrightRed.on_default().effects(Effects::BOLD)
            }
            Severity::Medium => AnsiColor::BrightYellow.on_default().effects(Effects::BOLD),
            Severity::Low | Severity::Info => Style::new(),
        }
    }

    /// The findings a section shows: `--min-severity` and up, most severe first.
    fn filtered<'a>(&self, findings: &'a [Finding]) -> Vec<&'a Finding> {
        verdict::by_severity(findings)
            .into_iter()
            .filter(|f| f.severity >= self.opts.min_severity)
            .collect()
    }

    fn render(&self) -> String {
        let mut out = self.verdict_block();
        out.push('\n');
        if self.opts.show == Show::Verdict {
            let shown = Shown {
                below_min: self.report.findings.len(),
                ..Shown::default()
            };
            out.push_str(&self.summary(&shown));
            return out;
        }
        let all = self.filtered(&self.report.findings);
        let mut shown = Shown {
            below_min: self.report.findings.len() - all.len(),
            ..Shown::default()
        };
        let (diagnostics, inventory): (Vec<&Finding>, Vec<&Finding>) = if self.full {
            (all, Vec::new())
        } else {
            all.into_iter().partition(|f| !verdict::is_inventory(f))
        };
        shown.in_tables = inventory.len();
        // The sections after the findings are bounded on their own; the
        // diagnostics get what is left of the budget.
        let tables = self.inventory(inventory);
        let gone = self.disappeared();
        let lists = self.notices_and_incomplete();
        let summary_lines = count_lines(&self.summary(&Shown::default())) + 1;
        let budget = if self.full {
            usize::MAX
        } else {
            self.opts.line_budget.saturating_sub(
                count_lines(&out)
                    + count_lines(&tables)
                    + count_lines(&gone)
                    + count_lines(&lists)
                    + summary_lines
                    + BRIEF_GROUPS
                    + 6,
            )
        };
        out.push_str(&self.findings(&diagnostics, budget, &mut shown));
        for part in [&tables, &gone, &lists] {
            if !part.is_empty() {
                out.push_str(part);
                out.push('\n');
            }
        }
        out.push_str(&self.summary(&shown));
        out
    }

    // -- 1. verdict -------------------------------------------------------

    fn verdict_block(&self) -> String {
        let v = &self.verdict;
        let diff = self.report.baseline.as_ref();
        let mut s = String::new();
        let high = v.count_at_least(Severity::High);
        let (headline, style) = match (v.headline, diff.is_some()) {
            (Headline::CovertChannel, false) => (
                format!(
                    "COVERT CHANNEL: the environment chooses text a reader cannot tell apart ({})",
                    plural(v.channels.len(), "site")
                ),
                Self::severity_style(Severity::Critical),
            ),
            (Headline::CovertChannel, true) => (
                format!(
                    "COVERT CHANNEL APPEARED: the environment chooses text a reader cannot tell apart ({})",
                    plural(v.channels.len(), "site")
                ),
                Self::severity_style(Severity::Critical),
            ),
            (Headline::Review, d) => (
                format!(
                    "REVIEW: {} at high or above{}, no covert channel traced",
                    plural(high, "finding"),
                    if d { " appeared" } else { "" }
                ),
                Self::severity_style(Severity::High),
            ),
            (Headline::WorthALook, d) => (
                format!(
                    "nothing at high or above{}; {} at medium worth a look",
                    if d { " appeared" } else { "" },
                    v.count(Severity::Medium)
                ),
                Self::severity_style(Severity::Medium),
            ),
            (Headline::Clear, d) => (
                format!(
                    "nothing at medium or above{}",
                    if d { " appeared" } else { "" }
                ),
                Style::new(),
            ),
        };
        let label = match diff {
            Some(b) => format!("verdict since {}:", escape(&b.inputs.join(", "))),
            None => "verdict:".to_string(),
        };
        let _ = write!(s, "{} {}", self.bold(&label), self.paint(&headline, style));
        if v.incomplete.is_empty() {
            s.push('\n');
        } else {
            let _ = writeln!(
                s,
                " {}",
                self.paint(
                    "(INCOMPLETE: only what could be analysed)",
                    Self::severity_style(Severity::High)
                )
            );
        }
        let channels = if self.full {
            v.channels.len()
        } else {
            VERDICT_CHANNELS
        };
        for (i, f) in v.channels.iter().take(channels).enumerate() {
            self.channel(&mut s, i + 1, f);
        }
        if v.channels.len() > channels {
            let _ = writeln!(
                s,
                "  … {} more (under findings)",
                plural(v.channels.len() - channels, "channel")
            );
        }
        let groups: Vec<&verdict::TargetingGroup<'_>> = v.targeting.iter().collect();
        self.verdict_list(&mut s, "targeting", &groups, |g| targeting_line(g));
        self.verdict_list(&mut s, "hidden text", &v.hidden_text, brief);
        self.verdict_list(&mut s, "also high", &v.other_high, brief);
        if let Some(b) = diff {
            let kept: Vec<&Finding> = verdict::by_severity(&b.unchanged)
                .into_iter()
                .filter(|f| f.severity >= Severity::High)
                .collect();
            self.verdict_list(&mut s, "unchanged", &kept, brief);
        }
        let analysis = match (v.incomplete.first(), v.units) {
            (None, 0) => "no unit was reported as not analysed".to_string(),
            (None, n) => format!("complete: {} analysed", plural(n, "unit")),
            (Some(first), n) => self.paint(
                &format!(
                    "INCOMPLETE: {} of {n} units not analysed completely, first: {} (all listed below)",
                    v.incomplete.len(),
                    outcome_line(first, BRIEF_WIDTH)
                ),
                Self::severity_style(Severity::High),
            ),
        };
        let _ = writeln!(s, "  {:<LABEL$}{analysis}", "analysis");
        s
    }

    /// One channel: a header line, then trigger, carrier and sink.
    fn channel(&self, s: &mut String, n: usize, f: &Finding) {
        let style = Self::severity_style(f.severity);
        let _ = writeln!(
            s,
            "  {:<LABEL$}{} {} at {}",
            format!("channel {n}"),
            self.paint(&format!("{}[{}]", f.severity, f.rule.code()), style),
            f.rule.name(),
            escape(&f.location.display_chain())
        );
        let Some(flow) = &f.flow else {
            let _ = writeln!(s, "  {:<LABEL$}{}", "", clip(&f.message, BRIEF_WIDTH));
            return;
        };
        let step = |st: &FlowStep| {
            let mut t = escape(&st.what);
            if let Some(k) = &st.kind {
                let _ = write!(t, " ({})", escape(k));
            }
            if let Some(l) = &st.location {
                let _ = write!(t, " at {}", relative_location(l, &f.location));
            }
            t
        };
        let triggers = if flow.triggers.is_empty() {
            "not traced to an environment read".to_string()
        } else {
            flow.triggers
                .iter()
                .map(step)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(s, "    {:<11}{triggers}", "trigger");
        let _ = writeln!(s, "    {:<11}{}", "carrier", step(&flow.carrier));
        let sink = flow
            .sink
            .as_ref()
            .map_or_else(|| "not traced".to_string(), step);
        let _ = writeln!(s, "    {:<11}{sink}", "sink");
    }

    fn verdict_list<T>(
        &self,
        s: &mut String,
        label: &str,
        items: &[&T],
        line: impl Fn(&T) -> String,
    ) {
        if items.is_empty() {
            return;
        }
        let cap = if self.full {
            items.len()
        } else {
            VERDICT_ITEMS
        };
        for (i, f) in items.iter().take(cap).enumerate() {
            let l = if i == 0 { label } else { "" };
            let _ = writeln!(s, "  {l:<LABEL$}{}", line(f));
        }
        if items.len() > cap {
            let _ = writeln!(s, "  {:<LABEL$}… {} more", "", items.len() - cap);
        }
    }

    // -- 2. findings ------------------------------------------------------

    fn findings(&self, list: &[&Finding], budget: usize, shown: &mut Shown) -> String {
        let mut s = String::new();
        if list.is_empty() {
            return s;
        }
        let title = match &self.report.baseline {
            Some(b) => format!(
                "appeared since {}, most severe first:",
                escape(&b.inputs.join(", "))
            ),
            None => "findings, most severe first:".to_string(),
        };
        let _ = writeln!(s, "{}\n", self.bold(&title));
        let entries = if self.full {
            list.iter().map(|f| (*f, Vec::new())).collect()
        } else {
            fold_same_place(list)
        };
        let mut used = 0;
        let mut rest: Vec<&Finding> = Vec::new();
        for (f, also) in entries {
            if !rest.is_empty() {
                rest.push(f);
                rest.extend(also);
                continue;
            }
            let mut d = self.diagnostic(f);
            for a in &also {
                let _ = writeln!(
                    d,
                    " = also here: {}[{}] {}",
                    a.severity,
                    a.rule.code(),
                    clip(&a.message, BRIEF_WIDTH)
                );
            }
            let n = count_lines(&d) + 1;
            if used + n > budget {
                rest.push(f);
                rest.extend(also);
                continue;
            }
            used += n;
            s.push_str(&d);
            s.push('\n');
            shown.in_full += 1;
            shown.in_brief += also.len();
        }
        if !rest.is_empty() {
            shown.in_brief += rest.len();
            let _ = writeln!(
                s,
                "{}, in brief (-v shows each in full):",
                plural(rest.len(), "more finding")
            );
            s.push_str(&self.grouped(&rest, BRIEF_GROUPS));
            s.push('\n');
        }
        s
    }

    /// Findings counted per severity and rule, one line each, in order.
    fn grouped(&self, list: &[&Finding], cap: usize) -> String {
        let mut groups: Vec<(Severity, crate::Rule, Vec<&Finding>)> = Vec::new();
        for f in list {
            match groups
                .iter_mut()
                .find(|(sev, rule, _)| *sev == f.severity && *rule == f.rule)
            {
                Some(g) => g.2.push(f),
                None => groups.push((f.severity, f.rule, vec![f])),
            }
        }
        let mut s = String::new();
        for (sev, rule, fs) in groups.iter().take(cap) {
            let first = fs[0];
            let _ = writeln!(
                s,
                "  {:>5} × {} {}, first at {}: {}",
                fs.len(),
                self.paint(
                    &format!("{sev}[{}]", rule.code()),
                    Self::severity_style(*sev)
                ),
                rule.name(),
                short_location(&first.location),
                clip(&first.message, BRIEF_WIDTH / 2)
            );
        }
        if groups.len() > cap {
            let rest: usize = groups[cap..].iter().map(|g| g.2.len()).sum();
            let _ = writeln!(
                s,
                "  … {} in {} more groups",
                plural(rest, "finding"),
                groups.len() - cap
            );
        }
        s
    }

    fn diagnostic(&self, finding: &Finding) -> String {
        let (head, evidence) = finding_parts(finding, self.full);
        let evidence_group =
            |e: Vec<Element<'static>>| Group::with_level(level(finding.severity)).elements(e);
        let rendered = if let Some(snippet) = &finding.snippet {
            // The code snippet goes right under the location, outside
            // annotate-snippets: it has no single span to label, and its own
            // line structure must be kept.
            let mut s = self.renderer.render(&[head]);
            s.push('\n');
            let escaped = escape_multiline(snippet);
            let total = escaped.lines().count();
            let keep = if self.full { total } else { SNIPPET_LINES };
            for line in escaped.lines().take(keep) {
                let _ = writeln!(s, "    │ {line}");
            }
            if total > keep {
                let _ = writeln!(s, "    │ … {} more lines (-v)", total - keep);
            }
            if !evidence.is_empty() {
                s.push_str(&self.renderer.render(&[evidence_group(evidence)]));
                s.push('\n');
            }
            s
        } else if finding.excerpt.is_some() {
            // The excerpt is in the coordinates of the decoded text, so it
            // must not be the primary snippet of the titled group.
            self.renderer.render(&[head, evidence_group(evidence)]) + "\n"
        } else {
            self.renderer.render(&[head.elements(evidence)]) + "\n"
        };
        collapse_double_gutters(&rendered)
    }

    // -- 3. inventory -----------------------------------------------------

    fn inventory(&self, mut list: Vec<&Finding>) -> String {
        if list.is_empty() {
            return String::new();
        }
        // Report order, so a row's first finding is the earliest place.
        list.sort_by(|a, b| {
            (&a.location.chain, &a.location.path, a.location.start.offset).cmp(&(
                &b.location.chain,
                &b.location.path,
                b.location.start.offset,
            ))
        });
        let n = list.len();
        let tables = verdict::inventory(list);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} ({} as tables; -v shows each as a diagnostic):",
            self.bold("inventory"),
            plural(n, "finding")
        );
        for t in &tables {
            self.table(&mut s, t);
        }
        s
    }

    fn table(&self, s: &mut String, t: &Table<'_>) {
        let picked = if self.full {
            t.rows.iter().collect()
        } else {
            pick_rows(t, TABLE_ROWS)
        };
        let rows: Vec<[String; 5]> = picked
            .iter()
            .map(|r| {
                [
                    clip(&r.subject, 56),
                    verdict::kind_label(r.rule).to_string(),
                    r.occurrences.to_string(),
                    r.units.to_string(),
                    short_location(&r.first.location),
                ]
            })
            .collect();
        let header = [
            t.subject.to_string(),
            "kind".into(),
            "sites".into(),
            "files".into(),
            "first seen".into(),
        ];
        let width = |i: usize| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        };
        let w: Vec<usize> = (0..4).map(width).collect();
        let _ = writeln!(
            s,
            "  {}: {} {}",
            t.title,
            t.rows.len(),
            if t.rows.len() == 1 {
                "entry"
            } else {
                "entries"
            }
        );
        for (i, r) in std::iter::once(&header).chain(rows.iter()).enumerate() {
            let line = format!(
                "    {}  {}  {}  {}  {}",
                pad(&r[0], w[0]),
                pad(&r[1], w[1]),
                pad_left(&r[2], w[2]),
                pad_left(&r[3], w[3]),
                r[4]
            );
            let line = line.trim_end().to_string();
            let _ = writeln!(s, "{}", if i == 0 { self.bold(&line) } else { line });
        }
        if t.rows.len() > picked.len() {
            let hidden: Vec<&verdict::Row<'_>> = t
                .rows
                .iter()
                .filter(|r| !picked.iter().any(|p| std::ptr::eq(*p, *r)))
                .collect();
            let mut by_rule: Vec<(crate::Rule, usize)> = Vec::new();
            for r in &hidden {
                match by_rule.iter_mut().find(|(rule, _)| *rule == r.rule) {
                    Some(e) => e.1 += 1,
                    None => by_rule.push((r.rule, 1)),
                }
            }
            by_rule.sort();
            let parts: Vec<String> = by_rule
                .iter()
                .map(|(r, k)| format!("{} {k}", verdict::kind_label(*r)))
                .collect();
            let _ = writeln!(s, "    … {} more ({})", hidden.len(), parts.join(", "));
        }
    }

    // -- 4. disappeared, inputs, errors, summary --------------------------

    fn disappeared(&self) -> String {
        let Some(b) = &self.report.baseline else {
            return String::new();
        };
        let gone = self.filtered(&b.disappeared);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}",
            self.bold(&format!("disappeared since the baseline ({}):", gone.len()))
        );
        if gone.is_empty() {
            return s;
        }
        if self.full {
            s.push('\n');
            for f in &gone {
                s.push_str(&self.diagnostic(f));
                s.push('\n');
            }
        } else {
            s.push_str(&self.grouped(&gone, BRIEF_GROUPS));
        }
        s
    }

    fn notices_and_incomplete(&self) -> String {
        let mut s = String::new();
        let cap = |n: usize| if self.full { n } else { LIST_LINES };
        let notices = &self.report.notices;
        if !notices.is_empty() {
            let _ = writeln!(s, "{}", self.bold("inputs:"));
            for n in notices.iter().take(cap(notices.len())) {
                let _ = writeln!(s, "  {}", escape(n));
            }
            if notices.len() > cap(notices.len()) {
                let _ = writeln!(
                    s,
                    "  … {} more (-v, or --format json)",
                    notices.len() - cap(notices.len())
                );
            }
        }
        let incomplete = &self.verdict.incomplete;
        if !incomplete.is_empty() {
            let _ = writeln!(
                s,
                "{} {} of {} not analysed completely (results are incomplete):",
                self.paint("incomplete:", Self::severity_style(Severity::Critical)),
                incomplete.len(),
                plural(self.verdict.units, "unit")
            );
            let lines: Vec<String> = incomplete
                .iter()
                .flat_map(|u| {
                    let side = if u.baseline { "baseline " } else { "" };
                    u.reasons.iter().map(move |r| {
                        format!(
                            "  {side}{} [{}]: {}",
                            u.status.as_str().replace('-', " "),
                            r.kind,
                            escape(&r.message)
                        )
                    })
                })
                .collect();
            for l in lines.iter().take(cap(lines.len())) {
                let _ = writeln!(s, "{l}");
            }
            if lines.len() > cap(lines.len()) {
                let _ = writeln!(
                    s,
                    "  … {} more (-v, or --format json)",
                    lines.len() - cap(lines.len())
                );
            }
        }
        s
    }

    fn summary(&self, shown: &Shown) -> String {
        let report = self.report;
        let mut s = String::new();
        let n = report.findings.len();
        let label = if report.baseline.is_some() {
            "summary of what appeared:"
        } else {
            "summary:"
        };
        let _ = write!(s, "{} {}", self.bold(label), plural(n, "finding"));
        if n > 0 {
            let by_sev: Vec<String> = Severity::ALL
                .iter()
                .rev()
                .filter_map(|&sev| {
                    let k = self.verdict.count(sev);
                    (k > 0).then(|| {
                        format!(
                            "{k} {}",
                            self.paint(sev.as_str(), Self::severity_style(sev))
                        )
                    })
                })
                .collect();
            let _ = write!(s, " ({})", by_sev.join(", "));
        }
        let _ = writeln!(s, " in {}", plural(report.inputs.len(), "input"));
        let mut parts = Vec::new();
        if shown.in_full > 0 {
            parts.push(format!("{} in full", shown.in_full));
        }
        if shown.in_brief > 0 {
            parts.push(format!("{} in brief", shown.in_brief));
        }
        if shown.in_tables > 0 {
            parts.push(format!("{} in inventory tables", shown.in_tables));
        }
        if shown.below_min > 0 && self.opts.show != Show::Verdict {
            parts.push(format!(
                "{} below {} not shown",
                shown.below_min, self.opts.min_severity
            ));
        }
        if !parts.is_empty() && (shown.in_brief + shown.in_tables + shown.below_min > 0) {
            let _ = writeln!(s, "  shown: {}", parts.join(", "));
        }
        for (prefix, label) in CATEGORIES {
            let k = report
                .findings
                .iter()
                .filter(|f| f.rule.code().starts_with(prefix))
                .count();
            if k > 0 {
                let _ = writeln!(s, "  {prefix}xx {label}: {k}");
            }
        }
        match (self.verdict.incomplete.len(), self.verdict.units) {
            (_, 0) => {}
            (0, n) => {
                let _ = writeln!(s, "coverage: {} analysed completely", plural(n, "unit"));
            }
            (k, n) => {
                let _ = writeln!(
                    s,
                    "coverage: {} of {} analysed completely; {} {k} (listed above)",
                    n - k,
                    plural(n, "unit"),
                    self.paint("INCOMPLETE", Self::severity_style(Severity::Critical)),
                );
            }
        }
        if let Some(b) = &report.baseline {
            let _ = writeln!(
                s,
                "diff: {} appeared, {} disappeared, {} unchanged",
                n,
                b.disappeared.len(),
                b.unchanged.len()
            );
        }
        s
    }
}

fn count_lines(s: &str) -> usize {
    s.lines().count()
}

/// At most `cap` rows of a table, shared fairly between its kinds (so 200
/// platform reads cannot push the one identity read out), in table order.
fn pick_rows<'t, 'r>(t: &'t Table<'r>, cap: usize) -> Vec<&'t verdict::Row<'r>> {
    let mut kinds: Vec<crate::Rule> = Vec::new();
    for r in &t.rows {
        if !kinds.contains(&r.rule) {
            kinds.push(r.rule);
        }
    }
    let per_kind = cap.div_ceil(kinds.len().max(1));
    let mut keep = vec![false; t.rows.len()];
    let mut taken = 0;
    for k in &kinds {
        for (i, _) in t
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.rule == *k)
            .take(per_kind)
        {
            if taken < cap {
                keep[i] = true;
                taken += 1;
            }
        }
    }
    // Room left (a kind with fewer rows): the next rows in order.
    for k in &mut keep {
        if taken >= cap {
            break;
        }
        if !*k {
            *k = true;
            taken += 1;
        }
    }
    t.rows
        .iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect()
}

/// `1 finding`, `3 findings`.
fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// At most `max` characters of untrusted `s`, the cut marked with `…`, then
/// escaped (cut first, so an escape is never cut in half).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return escape(s);
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    escape(&t)
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

fn pad_left(s: &str, w: usize) -> String {
    let n = s.chars().count();
    format!("{}{s}", " ".repeat(w.saturating_sub(n)))
}

/// `path:line:col` without the container chain, the path cut from the left:
/// enough to find the place again next to the full diagnostic.
fn short_location(l: &Location) -> String {
    // A made-up path (`<strings inventory>`, `<sea main>`) says nothing
    // alone: name the container it stands for.
    let full = match l.chain.last() {
        Some(container) if l.path.starts_with('<') => {
            let name = container.rsplit(['/', '\\']).next().unwrap_or(container);
            format!("{name} › {}", l.path)
        }
        _ => l.path.clone(),
    };
    let n = full.chars().count();
    let path = if n > 40 {
        let tail: String = full.chars().skip(n - 39).collect();
        escape(&format!("…{tail}"))
    } else {
        escape(&full)
    };
    match (l.start.line, l.start.column) {
        (0, _) => path,
        (line, 0) => format!("{path}:{line}"),
        (line, col) => format!("{path}:{line}:{col}"),
    }
}

/// A step's place: `line:col` when it is in the finding's own file.
fn relative_location(l: &Location, of: &Location) -> String {
    if l.path == of.path && l.chain == of.chain && l.start.line > 0 {
        format!("{}:{}", l.start.line, l.start.column)
    } else {
        escape(&l.display_chain())
    }
}

/// A decoded string at the very place of a more severe finding (the
/// literal or call behind a targeting list) is the same fact: it is named
/// on one line under that finding instead of repeated in full.
fn fold_same_place<'a>(list: &[&'a Finding]) -> Vec<(&'a Finding, Vec<&'a Finding>)> {
    let place = |f: &Finding| {
        (
            f.location.chain.clone(),
            f.location.path.clone(),
            f.location.start.offset,
        )
    };
    let mut out: Vec<(&Finding, Vec<&Finding>)> = Vec::new();
    for f in list {
        if verdict::Role::of(f.rule) == verdict::Role::Evidence
            && let Some(e) = out
                .iter_mut()
                .find(|(p, _)| p.severity > f.severity && place(p) == place(f))
        {
            e.1.push(f);
            continue;
        }
        out.push((f, Vec::new()));
    }
    out
}

/// One list of the verdict: `142 hosts, hidden in the code, compared with
/// process.env.X (high PS202, PS305 at cli.js:1:2)`.
fn targeting_line(g: &verdict::TargetingGroup<'_>) -> String {
    let first = g.findings[0];
    let mut t = match &first.list {
        Some(l) => format!("{} {}", l.count, escape(&l.kind)),
        None => clip(&first.message, BRIEF_WIDTH),
    };
    if g.hidden() {
        t.push_str(", hidden in the code");
    }
    let compared = g.compared_with();
    if !compared.is_empty() {
        let _ = write!(t, ", compared with {}", escape(&compared.join(" and ")));
    }
    let mut codes: Vec<&str> = Vec::new();
    for f in &g.findings {
        if !codes.contains(&f.rule.code()) {
            codes.push(f.rule.code());
        }
    }
    let _ = write!(
        t,
        " ({} {} at {})",
        first.severity,
        codes.join(", "),
        short_location(&first.location)
    );
    t
}

/// `not analysed [too-deep]: x.js: too deep`, clipped.
fn outcome_line(u: &crate::UnitOutcome, width: usize) -> String {
    let side = if u.baseline { "baseline " } else { "" };
    match u.reasons.first() {
        Some(r) => format!(
            "{side}{} [{}]: {}",
            u.status.as_str().replace('-', " "),
            r.kind,
            clip(&r.message, width)
        ),
        None => format!(
            "{side}{}: {}",
            u.status.as_str().replace('-', " "),
            clip(&u.display(), width)
        ),
    }
}

/// `severity[CODE] path:line:col message`, one line.
fn brief(f: &Finding) -> String {
    format!(
        "{}[{}] {} (at {})",
        f.severity,
        f.rule.code(),
        clip(&f.message, BRIEF_WIDTH),
        short_location(&f.location)
    )
}

/// The title group ends with a gutter line and the evidence group starts with
/// one; two in a row say nothing, so keep one.
fn collapse_double_gutters(rendered: &str) -> String {
    let is_gutter = |line: &str| {
        // Compare without SGR colour sequences (`ESC [ … m`).
        let mut visible = String::new();
        let mut rest = line;
        while let Some(i) = rest.find('\u{1B}') {
            visible.push_str(&rest[..i]);
            rest = rest[i..].find('m').map_or("", |j| &rest[i + j + 1..]);
        }
        visible.push_str(rest);
        visible.trim() == "|"
    };
    let mut out = String::with_capacity(rendered.len());
    let mut previous_gutter = false;
    for line in rendered.split_inclusive('\n') {
        let gutter = is_gutter(line);
        if !(gutter && previous_gutter) {
            out.push_str(line);
        }
        previous_gutter = gutter;
    }
    out
}

fn level(severity: Severity) -> Level<'static> {
    let base = match severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium => Level::WARNING,
        Severity::Low => Level::NOTE,
        Severity::Info => Level::INFO,
    };
    base.with_name(severity.as_str())
}

/// One finding as annotate-snippets pieces: the titled group with the file
/// location (and prompt part), and the evidence elements (excerpt, named
/// characters, decoded payload, notes, help) for the caller to place.
fn finding_parts(f: &Finding, full: bool) -> (Group<'static>, Vec<Element<'static>>) {
    let loc = &f.location;
    let mut title = escape(&f.message);
    if f.confidence != crate::finding::Confidence::High {
        let _ = write!(title, " ({} confidence)", f.confidence);
    }
    // Origin adds `:line:col` itself, so build the chain and path only.
    let mut origin_path = String::new();
    for c in &loc.chain {
        origin_path.push_str(&escape(c));
        origin_path.push_str(" › ");
    }
    origin_path.push_str(&escape(&loc.path));
    let mut head = level(f.severity)
        .primary_title(title)
        .id(f.rule.code())
        .element(origin(origin_path, loc.start.line, loc.start.column));
    let mut context = Vec::new();
    if let Some(part) = &loc.part {
        context.push(format!("part: {}", escape(part)));
    }
    if let Some(ptr) = &loc.json_pointer {
        context.push(format!("json pointer: {}", escape(ptr)));
    }
    if !context.is_empty() {
        head = head.element(Level::NOTE.no_name().message(context.join(", ")));
    }
    let mut evidence: Vec<Element<'static>> = Vec::new();
    if let Some(ex) = &f.excerpt {
        // A span from a buggy analyzer must degrade, not panic: clamp it and
        // widen it to character boundaries.
        let start = ex.text.floor_char_boundary(ex.start.min(ex.text.len()));
        let end = ex
            .text
            .ceil_char_boundary(ex.end.clamp(start, ex.text.len()));
        let vis = chars::make_visible_with(&ex.text, start..end, false);
        let mut span = vis.map_range(start..end);
        let mut source = vis.text;
        if ex.clipped_start {
            source.insert(0, '…');
            let shift = '…'.len_utf8();
            span = span.start + shift..span.end + shift;
        }
        if ex.clipped_end {
            source.push('…');
        }
        evidence.push(
            Snippet::source(source)
                .line_start(ex.line.max(1) as usize)
                .annotation(AnnotationKind::Primary.span(span).label(escape(&ex.label)))
                .into(),
        );
    }
    if !f.chars.is_empty() {
        let mut named: Vec<String> = f
            .chars
            .iter()
            .take(MAX_CHAR_NOTES)
            .map(|c| {
                let n = format!("{} {}", escape(&c.codepoint), escape(&c.name));
                if c.count > 1 {
                    format!("{n} ×{}", c.count)
                } else {
                    n
                }
            })
            .collect();
        if f.chars.len() > MAX_CHAR_NOTES {
            named.push(format!("… {} more", f.chars.len() - MAX_CHAR_NOTES));
        }
        evidence.push(
            Level::NOTE
                .no_name()
                .message(format!("characters: {}", named.join(", ")))
                .into(),
        );
    }
    if let Some(decoded) = &f.decoded {
        // A list's values are one per line: shown as a list. Long payloads
        // are cut unless the reader asked for everything.
        let text = if f.list.is_some() && decoded.contains('\n') {
            decoded.lines().collect::<Vec<_>>().join(", ")
        } else {
            decoded.clone()
        };
        let n = text.chars().count();
        let shown = if full || n <= DECODED_CHARS {
            escape(&text)
        } else {
            format!(
                "{} ({} more characters; -v or --format json shows all)",
                clip(&text, DECODED_CHARS),
                n - DECODED_CHARS + 1
            )
        };
        evidence.push(
            Level::NOTE
                .no_name()
                .message(format!("decoded: {shown}"))
                .into(),
        );
    }
    for note in &f.notes {
        evidence.push(Level::NOTE.message(escape(note)).into());
    }
    if let Some(help) = &f.help {
        evidence.push(Level::HELP.message(escape(help)).into());
    }
    (head, evidence)
}

/// Line and column are 1-based; 0 means unknown (e.g. a whole-file finding),
/// and then only the path is shown.
fn origin(path: String, line: u32, column: u32) -> Origin<'static> {
    match (line, column) {
        (0, _) => Origin::path(path),
        (l, 0) => Origin::path(path).line(l as usize),
        (l, c) => Origin::path(path).line(l as usize).char_column(c as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rule;
    use crate::finding::{Excerpt, Location};

    fn render_one(f: Finding) -> String {
        let report = Report {
            findings: vec![f],
            ..Report::default()
        };
        let mut out = Vec::new();
        render(&report, TextOptions::default(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn bad_spans_degrade_instead_of_panicking() {
        for (start, end) in [(6, 7), (7, 2), (100, 200), (0, 0)] {
            let mut f = Finding::new(Rule::ConfusableCharacter, "m", Location::default());
            f.excerpt = Some(Excerpt {
                line: 0,
                text: "abc d\u{2019}\u{200B}e".into(),
                start,
                end,
                label: String::new(),
                ..Excerpt::default()
            });
            let s = render_one(f);
            assert!(s.contains("⟨U+200B ZERO WIDTH SPACE⟩"), "{s}");
        }
    }

    #[test]
    fn long_char_lists_are_cut() {
        let mut f = Finding::new(Rule::TagCharacters, "m", Location::default());
        f.chars = ('a'..='z')
            .map(|c| crate::CharNote::new(char::from_u32(0xE0000 + c as u32).unwrap(), 1))
            .collect();
        let s = render_one(f);
        assert!(s.contains("… 20 more"), "{s}");
        assert!(!s.contains("TAG LATIN SMALL LETTER Z"), "{s}");
    }

    #[test]
    fn double_gutters_collapse_with_or_without_colour() {
        let plain = "a\n  |\n  |\n1 | x\n  |\n";
        assert_eq!(collapse_double_gutters(plain), "a\n  |\n1 | x\n  |\n");
        let styled = "  \u{1B}[1m\u{1B}[94m|\u{1B}[0m\n  \u{1B}[1m\u{1B}[94m|\u{1B}[0m\nx\n";
        assert_eq!(
            collapse_double_gutters(styled),
            "  \u{1B}[1m\u{1B}[94m|\u{1B}[0m\nx\n"
        );
        assert_eq!(collapse_double_gutters("| a\n| a\n"), "| a\n| a\n");
    }
}
