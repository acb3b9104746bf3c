//! The findings model shared by every plainsight analyzer, the central rule
//! registry, and the renderers that turn a [`Report`] into text, JSON or SARIF.
//!
//! Analyzers never print: they produce [`Finding`]s. The binary collects them
//! into a [`Report`] and hands it to exactly one renderer (see [`render`]).
//! Keeping the model apart from the output formats is what lets a new format
//! be one file, and lets every format be snapshot-tested on the same report.

pub mod chars;
pub mod codes;
pub mod diff;
pub mod finding;
pub mod matrix;
pub mod render;
pub mod size;
pub mod verdict;

pub use codes::Rule;
pub use finding::{
    AnalysisStatus, CharNote, Confidence, Excerpt, Finding, Flow, FlowStep, Incomplete,
    IncompleteKind, Location, Position, Report, Severity, UnitOutcome, ValueList,
};
