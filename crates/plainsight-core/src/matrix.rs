//! The probe's environment matrix as data: which cells ran with which
//! settings, what each sent, and how it differed from the baseline.
//!
//! `plainsight probe` fills it in (`plainsight_probe::view` builds it from
//! what the experiment observed) and `--format json` writes it as the
//! report's `matrix` member ([`crate::Report::matrix`]); the web view
//! draws it as a grid of dimensions × values, each cell showing the variant
//! it produced, and opens a cell to its captured requests and their diff to
//! the baseline. Spans are byte ranges into the strings they accompany.
//! Strings are the agent's own bytes: renderers must escape them.

use serde::{Deserialize, Serialize};

/// The whole experiment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeMatrix {
    /// Dimensions that were varied, in display order.
    pub dimensions: Vec<Dimension>,
    /// Every cell that was planned, in the order it ran (the baseline first).
    pub cells: Vec<Cell>,
}

/// One thing about the environment the matrix varied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimension {
    /// `time zone`, `base-URL host`, `$HTTPS_PROXY`, …
    pub name: String,
    /// The value every other cell keeps.
    pub baseline: String,
    /// Values tried, baseline first.
    pub values: Vec<String>,
}

/// How a cell ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellStatus {
    /// The agent ran and its requests were compared.
    #[default]
    Ran,
    /// The agent hit the time limit (what it sent until then was compared).
    TimedOut,
    /// The sandbox or the agent failed; nothing to compare.
    Failed,
    /// Left out (time budget).
    NotRun,
}

impl CellStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Ran => "ran",
            CellStatus::TimedOut => "timed-out",
            CellStatus::Failed => "failed",
            CellStatus::NotRun => "not-run",
        }
    }
}

/// One point of the matrix.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// `baseline`, `time zone = Asia/Shanghai`, `group 2`, …
    pub label: String,
    /// Dimension name → value, for the dimensions where the cell differs
    /// from the baseline (empty for the baseline and its repeat).
    pub settings: Vec<(String, String)>,
    pub status: CellStatus,
    /// Why it failed, or what else to know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the agent sent in this cell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<CapturedRequest>,
    /// Imperceptible differences to the baseline (run-to-run noise masked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// One request the agent sent, as captured.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedRequest {
    pub method: String,
    /// `https://host/path?query` as sent.
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The body as text (base64 when `body_base64`).
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_base64: bool,
}

/// One difference between a baseline string and the same string in a cell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Index into the cell's `requests`.
    pub request: usize,
    /// JSON pointer of the string (`/body/system/0/text`, `/header/user-agent`).
    pub pointer: String,
    /// Prompt part name (`system[0].text`), when the pointer is in a body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// `look-alike`, `invisible`, `spacing`, `format`.
    pub kind: String,
    /// The baseline string and the byte span that differs in it.
    pub baseline: String,
    pub baseline_span: (usize, usize),
    /// The cell's string and the byte span that differs in it.
    pub variant: String,
    pub variant_span: (usize, usize),
}

impl Change {
    /// The differing text of the baseline (empty if the span is not valid).
    pub fn baseline_text(&self) -> &str {
        self.baseline
            .get(self.baseline_span.0..self.baseline_span.1)
            .unwrap_or("")
    }

    /// The differing text of the cell (empty if the span is not valid).
    pub fn variant_text(&self) -> &str {
        self.variant
            .get(self.variant_span.0..self.variant_span.1)
            .unwrap_or("")
    }
}
