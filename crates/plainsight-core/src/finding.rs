//! The findings model: what an analyzer reports, where, and with what evidence.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::Rule;

/// How bad a finding is if it is what it looks like. Ordered: `Info < … < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the analyzer is that the finding is real (as opposed to a legitimate use).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A point in an input file. `line` and `column` are 1-based; `column` counts
/// Unicode scalar values (SARIF `columnKind: unicodeCodePoints`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Position {
    /// Byte offset from the start of the file.
    pub offset: u64,
    pub line: u32,
    pub column: u32,
}

/// Where a finding sits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Containers the file was found in, outermost first, e.g.
    /// `["npm:@scope/agent@2.1.0", "package/bin/agent"]`. Empty for a plain file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
    /// File path as the user named it, or `<stdin>`, or the module name inside a container.
    pub path: String,
    pub start: Position,
    pub end: Position,
    /// RFC 6901 pointer of the JSON string the finding sits in (JSON-like inputs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_pointer: Option<String>,
    /// Human name of the prompt part, e.g. `system[0].text`, `messages[3].content[1].text`,
    /// `tools[2].description` for recognised LLM request bodies, or `entries[4].request` for HAR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

impl Location {
    /// `chain › path:line:column`, the way the text renderer and SARIF messages show it.
    pub fn display_chain(&self) -> String {
        let mut s = String::new();
        for c in &self.chain {
            s.push_str(c);
            s.push_str(" › ");
        }
        s.push_str(&self.path);
        s.push(':');
        s.push_str(&self.start.line.to_string());
        s.push(':');
        s.push_str(&self.start.column.to_string());
        s
    }
}

/// One line of the text the finding sits in (after decoding, e.g. the JSON string
/// value, not its escaped source), with the exact offending span. Renderers make
/// hidden characters visible in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt {
    /// 1-based line number of `text` inside the unit it was taken from.
    pub line: u32,
    /// The line, without its terminator. Long lines are clipped around the span;
    /// `clipped_start`/`clipped_end` say whether text was cut on either side.
    pub text: String,
    /// Byte range of the offending span inside `text`.
    pub start: usize,
    pub end: usize,
    /// Short label shown under the span.
    pub label: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clipped_start: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clipped_end: bool,
}

/// One code point involved in a finding, named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharNote {
    /// `U+2019`
    pub codepoint: String,
    /// `RIGHT SINGLE QUOTATION MARK`
    pub name: String,
    /// How many times it occurs in the finding's span.
    pub count: usize,
}

impl CharNote {
    pub fn new(c: char, count: usize) -> CharNote {
        CharNote {
            codepoint: crate::chars::codepoint(c),
            name: crate::chars::name(c),
            count,
        }
    }
}

/// A single result of an analyzer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    pub location: Location,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<Excerpt>,
    /// A readable multi-line code excerpt (e.g. the few functions involved in a
    /// covert channel, pretty-printed from a minified bundle, with decoded constants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// The code points involved, named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chars: Vec<CharNote>,
    /// A decoded payload (tag-character ASCII, zero-width bits, decoded strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
    /// Further evidence lines (e.g. where the majority form is used).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// For a channel: what decides, what carries, where it goes
    /// (trigger → carrier → sink), so a report can say it in one line each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    /// For a finding about a list of values (a decoded targeting list, the
    /// constants an environment value is compared with): what the values
    /// are, how many, and whether the code hid them. The values themselves
    /// are in `decoded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<ValueList>,
    /// What an inventory finding is about, as a short grouping key: the
    /// endpoint origin (`https://api.example.com`), the environment source
    /// (`process.env.TZ`). Reports group findings with equal subjects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// How many sites this one finding stands for, when an analyzer
    /// aggregates (a bundle reads `process.env.X` at 300 places).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<u64>,
}

/// How a channel is wired: the values that decide (trigger), what varies in
/// the output (carrier), and where the output goes (sink). Static analysis
/// fills it from a data-flow slice; a dynamic observation from the
/// environment variable that was varied and the request field that changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// What decides, e.g. `process.env.ANTHROPIC_BASE_URL`; several when
    /// more than one value feeds the decision. Empty: not traced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<FlowStep>,
    /// What varies: the alternatives a reader cannot tell apart.
    pub carrier: FlowStep,
    /// Where the varied text goes (a prompt key, a request body), if traced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink: Option<FlowStep>,
}

/// One end of a [`Flow`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowStep {
    /// `process.env.TZ`, `U+0027 APOSTROPHE / U+2019 RIGHT SINGLE QUOTATION MARK`,
    /// ``object key `system` ``.
    pub what: String,
    /// The kind of `what`, e.g. `time zone / locale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A list of values a finding is about (see [`Finding::list`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueList {
    /// What the values are, plural: `hosts`, `time zones`, `UTC offsets`,
    /// `locales`, `user names`, `values`.
    pub kind: String,
    pub count: usize,
    /// The code hid the list (encoded, XORed, in a string table): it was
    /// decoded to be seen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

impl Finding {
    /// A finding with the rule's default severity and high confidence.
    pub fn new(rule: Rule, message: impl Into<String>, location: Location) -> Finding {
        Finding {
            rule,
            severity: rule.default_severity(),
            confidence: Confidence::High,
            message: message.into(),
            location,
            excerpt: None,
            snippet: None,
            chars: Vec::new(),
            decoded: None,
            notes: Vec::new(),
            help: None,
            flow: None,
            list: None,
            subject: None,
            occurrences: None,
        }
    }
}

/// Why a unit was not analysed completely. The kinds are closed over what
/// can go wrong, so a renderer or a policy can decide by kind; the message
/// says the rest (input, place, limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum IncompleteKind {
    /// Nested deeper than the configured depth limit.
    TooDeep,
    /// Did not parse (part of it, or all of it).
    Syntax,
    /// The analyzer failed on this unit (a bug in plainsight).
    Crash,
    /// An analysis budget ran out (evaluator steps, slicing), so something
    /// the analyzer started was not finished.
    Budget,
    /// A size, count or memory limit kept (part of) the unit out.
    Limit,
    /// The bytes could not be read or decoded.
    Unreadable,
}

impl IncompleteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IncompleteKind::TooDeep => "too-deep",
            IncompleteKind::Syntax => "syntax",
            IncompleteKind::Crash => "crash",
            IncompleteKind::Budget => "budget",
            IncompleteKind::Limit => "limit",
            IncompleteKind::Unreadable => "unreadable",
        }
    }
}

impl fmt::Display for IncompleteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason a unit's analysis is incomplete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incomplete {
    pub kind: IncompleteKind,
    /// What happened, naming the input and the place
    /// (`pkg.tgz › package/cli.js:1:2005: nesting deeper than 2000 levels`).
    pub message: String,
}

impl Incomplete {
    pub fn new(kind: IncompleteKind, message: impl Into<String>) -> Incomplete {
        Incomplete {
            kind,
            message: message.into(),
        }
    }
}

/// How far the analysis of one unit got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnalysisStatus {
    /// Every analyzer ran to the end on the whole unit.
    Analysed,
    /// Findings are reported, but part of the unit or part of the analysis
    /// was skipped (`reasons` says which).
    Partial,
    /// Nothing of the unit was analysed (`reasons` says why).
    NotAnalysed,
}

impl AnalysisStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AnalysisStatus::Analysed => "analysed",
            AnalysisStatus::Partial => "partial",
            AnalysisStatus::NotAnalysed => "not-analysed",
        }
    }
}

impl fmt::Display for AnalysisStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed outcome of one unit (a file, an archive entry, a module inside an
/// executable, an inspected document). A unit that could not be looked at is
/// never silently clean: it is here with `NotAnalysed` or `Partial` and the
/// reasons, every renderer shows it, and the CLI's exit code follows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitOutcome {
    /// Containers, outermost first (as in [`Location::chain`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
    pub path: String,
    pub status: AnalysisStatus,
    /// Empty exactly when `status` is `Analysed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Incomplete>,
    /// The unit belongs to the baseline side of a version diff.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
}

impl UnitOutcome {
    /// A unit analysed in full.
    pub fn analysed(chain: Vec<String>, path: impl Into<String>) -> UnitOutcome {
        UnitOutcome {
            chain,
            path: path.into(),
            status: AnalysisStatus::Analysed,
            reasons: Vec::new(),
            baseline: false,
        }
    }

    /// A unit nothing of which was analysed.
    pub fn not_analysed(
        chain: Vec<String>,
        path: impl Into<String>,
        reason: Incomplete,
    ) -> UnitOutcome {
        UnitOutcome {
            chain,
            path: path.into(),
            status: AnalysisStatus::NotAnalysed,
            reasons: vec![reason],
            baseline: false,
        }
    }

    /// Record that part of the analysis was skipped; a `NotAnalysed` unit stays so.
    pub fn degrade(&mut self, reason: Incomplete) {
        if self.status == AnalysisStatus::Analysed {
            self.status = AnalysisStatus::Partial;
        }
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }

    pub fn is_complete(&self) -> bool {
        self.status == AnalysisStatus::Analysed
    }

    /// `chain › path`, for messages.
    pub fn display(&self) -> String {
        let mut s = String::new();
        for c in &self.chain {
            s.push_str(c);
            s.push_str(" › ");
        }
        s.push_str(&self.path);
        s
    }
}

/// Everything one run produced, ready for a renderer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub tool_version: String,
    /// The inputs as named on the command line.
    pub inputs: Vec<String>,
    pub findings: Vec<Finding>,
    /// The outcome of every unit looked at (see [`UnitOutcome`]); the units
    /// that were not analysed completely are what [`Report::incomplete`] lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<UnitOutcome>,
    /// What the input layer did, per input: platform package fetched,
    /// executable layout parsed or carved, entries skipped…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Set by `scan --baseline`: `findings` then holds only the findings that
    /// APPEARED since the baseline; see [`crate::diff`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::diff::Baseline>,
    /// Set by `probe`: the environment matrix that was run, cell by cell
    /// (what each cell set, what it sent, how that differed from the
    /// baseline); see [`crate::matrix`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<crate::matrix::ProbeMatrix>,
}

impl Report {
    /// Sort findings by input, then position, then rule, and units by
    /// place, so output is stable.
    pub fn sort(&mut self) {
        self.units
            .sort_by(|a, b| (a.baseline, &a.chain, &a.path).cmp(&(b.baseline, &b.chain, &b.path)));
        self.findings.sort_by(|a, b| {
            (
                &a.location.chain,
                &a.location.path,
                a.location.start.offset,
                a.rule.code(),
            )
                .cmp(&(
                    &b.location.chain,
                    &b.location.path,
                    b.location.start.offset,
                    b.rule.code(),
                ))
        });
    }

    /// Units that were not analysed completely, in report order.
    pub fn incomplete(&self) -> impl Iterator<Item = &UnitOutcome> {
        self.units.iter().filter(|u| !u.is_complete())
    }

    /// Is any unit (of either side of a diff) incomplete?
    pub fn is_incomplete(&self) -> bool {
        self.incomplete().next().is_some()
    }

    /// Highest severity present, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Count of findings at or above `threshold`.
    pub fn count_at_least(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= threshold)
            .count()
    }
}
