//! `plainsight rules` (the table of all rule codes) and `plainsight rule
//! <CODE|name>` (one rule's documentation).

use std::fmt::Write as _;

use anyhow::bail;
use plainsight_core::Rule;

use crate::Outcome;

/// List every rule: code, name, default severity, summary.
#[derive(Debug, clap::Args)]
pub struct ListArgs {}

/// Print one rule's documentation (what it finds, why it matters, examples).
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Rule code (`PS505`) or name (`confusable-character`).
    #[arg(value_name = "CODE|NAME")]
    pub rule: String,
}

pub fn list(_args: &ListArgs) -> Outcome {
    let name_w = Rule::ALL.iter().map(|r| r.name().len()).max().unwrap_or(4);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<6} {:<name_w$} {:<8} SUMMARY",
        "CODE", "NAME", "SEVERITY"
    );
    for r in Rule::ALL {
        let _ = writeln!(
            s,
            "{:<6} {:<name_w$} {:<8} {}",
            r.code(),
            r.name(),
            r.default_severity().as_str(),
            r.summary()
        );
    }
    Outcome {
        stdout: s.into_bytes(),
        findings_over_threshold: false,
        incomplete: None,
        allow_incomplete: false,
    }
}

pub fn show(args: &ShowArgs) -> anyhow::Result<Outcome> {
    let Some(rule) = Rule::from_code(args.rule.trim()) else {
        bail!("unknown rule `{}` (see `plainsight rules`)", args.rule);
    };
    let mut doc = rule.doc().to_string();
    if !doc.ends_with('\n') {
        doc.push('\n');
    }
    Ok(Outcome {
        stdout: doc.into_bytes(),
        findings_over_threshold: false,
        incomplete: None,
        allow_incomplete: false,
    })
}
