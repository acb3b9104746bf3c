//! What the guard does about findings in a request.
//!
//! Three modes, ordered by strength: `observe` (log and annotate; the
//! default), `normalize` (fold look-alikes to the document's dominant form
//! and strip invisibles, editing bytes inside the JSON strings), `block`
//! (answer with the provider's own error shape naming the characters and
//! where they are).
//!
//! Only **alerts** trigger a mode: findings at or above `alert_at` (default
//! `high`). The default is calibrated on captured traffic of real agents
//! (`tests/data/captures/`, see `tests/calibration.rs`): their clean requests
//! carry medium and low statistical hints (one typographic `’` in the
//! agent's own prompt among a hundred ASCII apostrophes, trailing spaces in
//! a tool description) that a guard must not alert on, or it is switched off
//! within a day; a look-alike inside a word or an invisible character is
//! high. The refinements below let a team move that line per rule or per
//! severity.
//!
//! ```toml
//! [policy]
//! mode = "observe"          # default for alerts
//! alert_at = "high"
//! [policy.severity]
//! critical = "block"        # mode for alerts of this severity
//! [policy.rules]
//! PS505 = "normalize"       # mode for this rule (its findings always alert)
//! PS510 = "ignore"          # never an alert, still logged
//! ```

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use plainsight_core::{Finding, Rule, Severity};
use serde::Deserialize;

/// What to do with a request that has alerts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    #[default]
    Observe,
    Normalize,
    Block,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Observe => "observe",
            Mode::Normalize => "normalize",
            Mode::Block => "block",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        match s.to_ascii_lowercase().as_str() {
            "observe" => Ok(Mode::Observe),
            "normalize" | "normalise" => Ok(Mode::Normalize),
            "block" => Ok(Mode::Block),
            _ => Err(format!(
                "unknown policy mode `{s}` (observe, normalize, block)"
            )),
        }
    }
}

/// A per-rule or per-severity setting: a mode, or `ignore`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Mode(Mode),
    Ignore,
}

impl FromStr for Setting {
    type Err = String;
    fn from_str(s: &str) -> Result<Setting, String> {
        if s.eq_ignore_ascii_case("ignore") {
            Ok(Setting::Ignore)
        } else {
            s.parse()
                .map(Setting::Mode)
                .map_err(|e: String| format!("{e} or ignore"))
        }
    }
}

/// The policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub mode: Mode,
    pub alert_at: Severity,
    pub by_severity: HashMap<Severity, Setting>,
    pub by_rule: HashMap<Rule, Setting>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            mode: Mode::Observe,
            alert_at: Severity::High,
            by_severity: HashMap::new(),
            by_rule: HashMap::new(),
        }
    }
}

/// The `[policy]` table of the config file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub mode: Option<String>,
    pub alert_at: Option<String>,
    #[serde(default)]
    pub severity: HashMap<String, String>,
    #[serde(default)]
    pub rules: HashMap<String, String>,
}

impl PolicyFile {
    /// Checks every name and value; errors say which key is wrong.
    pub fn into_policy(self) -> Result<Policy, String> {
        let mut p = Policy::default();
        if let Some(m) = self.mode {
            p.mode = m.parse().map_err(|e| format!("policy.mode: {e}"))?;
        }
        if let Some(a) = self.alert_at {
            p.alert_at = Severity::parse(&a)
                .ok_or_else(|| format!("policy.alert_at: unknown severity `{a}`"))?;
        }
        for (k, v) in self.severity {
            let sev = Severity::parse(&k)
                .ok_or_else(|| format!("policy.severity: unknown severity `{k}`"))?;
            let set = v.parse().map_err(|e| format!("policy.severity.{k}: {e}"))?;
            p.by_severity.insert(sev, set);
        }
        for (k, v) in self.rules {
            let rule =
                Rule::from_code(&k).ok_or_else(|| format!("policy.rules: unknown rule `{k}`"))?;
            let set = v.parse().map_err(|e| format!("policy.rules.{k}: {e}"))?;
            p.by_rule.insert(rule, set);
        }
        Ok(p)
    }
}

/// The policy's verdict on one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The strongest mode among the alerts (`Observe` without alerts).
    pub mode: Mode,
    /// Indexes of the findings that are alerts.
    pub alerts: Vec<usize>,
}

impl Policy {
    /// The mode a finding calls for, if it is an alert.
    pub fn alert_mode(&self, f: &Finding) -> Option<Mode> {
        match self.by_rule.get(&f.rule) {
            Some(Setting::Ignore) => return None,
            Some(Setting::Mode(m)) => return Some(*m),
            None => {}
        }
        if f.severity < self.alert_at {
            return None;
        }
        match self.by_severity.get(&f.severity) {
            Some(Setting::Ignore) => None,
            Some(Setting::Mode(m)) => Some(*m),
            None => Some(self.mode),
        }
    }

    /// Whether no finding can make this policy do more than observe (no
    /// `block` or `normalize` anywhere): then the request may be forwarded
    /// while it is inspected.
    pub fn observes_only(&self) -> bool {
        let observes = |s: &Setting| matches!(s, Setting::Ignore | Setting::Mode(Mode::Observe));
        self.mode == Mode::Observe
            && self.by_rule.values().all(observes)
            && self.by_severity.values().all(observes)
    }

    pub fn judge(&self, findings: &[Finding]) -> Verdict {
        let mut v = Verdict::default();
        for (i, f) in findings.iter().enumerate() {
            if let Some(m) = self.alert_mode(f) {
                v.alerts.push(i);
                v.mode = v.mode.max(m);
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use plainsight_core::Location;

    use super::*;

    fn f(rule: Rule, sev: Severity) -> Finding {
        let mut f = Finding::new(rule, "m", Location::default());
        f.severity = sev;
        f
    }

    #[test]
    fn default_alerts_on_high_only() {
        let p = Policy::default();
        let v = p.judge(&[
            f(Rule::OddQuoteStyle, Severity::Medium),
            f(Rule::OddWhitespace, Severity::Low),
        ]);
        assert!(v.alerts.is_empty());
        assert_eq!(v.mode, Mode::Observe);
        let v = p.judge(&[
            f(Rule::OddQuoteStyle, Severity::Medium),
            f(Rule::ConfusableCharacter, Severity::High),
        ]);
        assert_eq!(v.alerts, [1]);
    }

    #[test]
    fn refinements_by_rule_and_severity() {
        let file: PolicyFile = toml::from_str(
            r#"
mode = "normalize"
alert_at = "medium"
[severity]
critical = "block"
low = "block"
[rules]
PS508 = "ignore"
PS510 = "block"
"#,
        )
        .unwrap();
        let p = file.into_policy().unwrap();
        // A rule setting wins over severity and threshold.
        let v = p.judge(&[f(Rule::OddWhitespace, Severity::Low)]);
        assert_eq!((v.mode, v.alerts.len()), (Mode::Block, 1));
        let v = p.judge(&[f(Rule::OddQuoteStyle, Severity::High)]);
        assert!(v.alerts.is_empty());
        let v = p.judge(&[f(Rule::ConfusableCharacter, Severity::Medium)]);
        assert_eq!(v.mode, Mode::Normalize);
        let v = p.judge(&[
            f(Rule::ConfusableCharacter, Severity::Medium),
            f(Rule::TagCharacters, Severity::Critical),
        ]);
        assert_eq!((v.mode, v.alerts.len()), (Mode::Block, 2));
        // Below the threshold a severity setting does not apply.
        let v = p.judge(&[f(Rule::UnusualSpace, Severity::Low)]);
        assert!(v.alerts.is_empty());
    }

    #[test]
    fn bad_config_names_the_key() {
        let bad = |s: &str| {
            toml::from_str::<PolicyFile>(s)
                .map_err(|e| e.to_string())
                .and_then(PolicyFile::into_policy)
                .unwrap_err()
        };
        assert!(bad("mode = \"loud\"").contains("policy.mode"));
        assert!(bad("[rules]\nPS999 = \"block\"").contains("PS999"));
        assert!(bad("[rules]\nPS505 = \"shout\"").contains("policy.rules.PS505"));
        assert!(bad("[severity]\nhuge = \"block\"").contains("huge"));
        assert!(bad("colour = 1").contains("colour"));
    }
}
