//! Page components shared by every page (and by pages other crates may add,
//! such as a history timeline): the layout, a finding card, a findings
//! summary. Each is a view model with its own template; `to_markup`
//! renders it through the same escaper as a page.

use askama::Template;
use plainsight_core::{Finding, Severity};

use crate::filters;
use crate::markup::{self, Mark, Markup, TextOptions};

/// One entry of the navigation bar.
#[derive(Clone, Debug)]
pub struct NavItem {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// What every page shares: title, where assets are, navigation.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub title: String,
    /// URL prefix of every link (`""` for `serve`, `/_plainsight` in the guard).
    pub base: String,
    pub css_href: String,
    pub js_href: String,
    /// Static reports: the style sheet inline (its hash is in the page's
    /// CSP meta element) and no script at all.
    pub inline_css: Option<Markup>,
    pub csp_meta: Option<String>,
    pub nav: Vec<NavItem>,
    /// `sqlite:/var/…`, `report.json`: what the view shows.
    pub source: String,
}

impl Layout {
    pub fn is_static(&self) -> bool {
        self.inline_css.is_some()
    }
}

/// Renders a template into markup (it was escaped while rendering).
pub fn render_markup<T: Template>(t: &T) -> Markup {
    match t.render() {
        Ok(s) => markup::from_template(s),
        Err(e) => markup::element("p", "error", &format!("rendering failed: {e}")),
    }
}

/// CSS class of a severity badge.
pub fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Info => "sev info",
        Severity::Low => "sev low",
        Severity::Medium => "sev medium",
        Severity::High => "sev high",
        Severity::Critical => "sev critical",
    }
}

/// One finding, with its evidence: message, place, excerpt with the span
/// marked, code snippet, characters named, decoded payload, notes, help.
#[derive(Template)]
#[template(path = "components/finding.html")]
pub struct FindingCard {
    /// Anchor (`f3`), so highlights can link to it and back.
    pub anchor: String,
    pub code: &'static str,
    pub rule_name: &'static str,
    pub severity: &'static str,
    pub severity_class: &'static str,
    pub confidence: &'static str,
    pub message: Markup,
    pub place: String,
    pub part: Option<String>,
    pub excerpt: Option<Markup>,
    pub excerpt_label: String,
    pub snippet: Option<Markup>,
    pub chars: Vec<Markup>,
    pub decoded: Vec<Markup>,
    pub notes: Vec<Markup>,
    pub help: Option<Markup>,
    /// Link to where the finding sits in the page's text (`#t-f3`).
    pub text_link: Option<String>,
    /// Extra links (compare with another exchange…).
    pub links: Vec<(String, String)>,
    /// `appeared`, `disappeared`, `unchanged` in a version diff.
    pub diff_state: Option<&'static str>,
}

impl FindingCard {
    pub fn new(f: &Finding, anchor: String) -> FindingCard {
        let opts = TextOptions::default();
        let excerpt = f.excerpt.as_ref().map(|x| {
            let mut m = markup::marked(
                &x.text,
                &[Mark {
                    range: x.start..x.end,
                    class: "hit",
                    title: x.label.clone(),
                    anchor: None,
                }],
                opts,
            );
            if x.clipped_start {
                m = Markup::concat([Markup::trusted("…"), m]);
            }
            if x.clipped_end {
                m = Markup::concat([m, Markup::trusted("…")]);
            }
            m
        });
        let decoded = f
            .decoded
            .as_deref()
            .map(|d| {
                d.lines()
                    .filter(|l| !l.trim().is_empty())
                    .take(200)
                    .map(|l| markup::text(l, opts))
                    .collect()
            })
            .unwrap_or_default();
        FindingCard {
            anchor,
            code: f.rule.code(),
            rule_name: f.rule.name(),
            severity: f.severity.as_str(),
            severity_class: severity_class(f.severity),
            confidence: f.confidence.as_str(),
            message: markup::text(&f.message, opts),
            place: f.location.display_chain(),
            part: f.location.part.clone(),
            excerpt_label: f
                .excerpt
                .as_ref()
                .map(|x| x.label.clone())
                .unwrap_or_default(),
            excerpt,
            snippet: f.snippet.as_deref().map(|s| {
                markup::text(
                    s,
                    TextOptions {
                        multiline: true,
                        ..opts
                    },
                )
            }),
            chars: f
                .chars
                .iter()
                .map(|c| {
                    let m = markup::char_badge(&c.codepoint, &c.name);
                    if c.count > 1 {
                        Markup::concat([
                            m,
                            markup::element("span", "count", &format!("×{}", c.count)),
                        ])
                    } else {
                        m
                    }
                })
                .collect(),
            decoded,
            notes: f.notes.iter().map(|n| markup::text(n, opts)).collect(),
            help: f.help.as_deref().map(|h| markup::text(h, opts)),
            text_link: None,
            links: Vec::new(),
            diff_state: None,
        }
    }

    pub fn to_markup(&self) -> Markup {
        render_markup(self)
    }
}

/// Findings grouped by rule: code, name, highest severity, count, cards.
#[derive(Template)]
#[template(path = "components/rule_groups.html")]
pub struct RuleGroups {
    pub groups: Vec<RuleGroup>,
}

pub struct RuleGroup {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub severity: &'static str,
    pub severity_class: &'static str,
    pub cards: Vec<Markup>,
}

impl RuleGroups {
    /// Groups `findings` by rule, most severe group first. `anchor` names
    /// each card (prefix + index), `state` marks appeared/disappeared ones.
    pub fn new(findings: &[(&Finding, Option<&'static str>)], prefix: &str) -> RuleGroups {
        let mut order: Vec<(Severity, &'static str)> = Vec::new();
        for (f, _) in findings {
            match order.iter_mut().find(|(_, c)| *c == f.rule.code()) {
                Some((s, _)) => *s = (*s).max(f.severity),
                None => order.push((f.severity, f.rule.code())),
            }
        }
        order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let groups = order
            .into_iter()
            .map(|(sev, code)| {
                let members: Vec<(usize, &(&Finding, Option<&'static str>))> = findings
                    .iter()
                    .enumerate()
                    .filter(|(_, (f, _))| f.rule.code() == code)
                    .collect();
                let rule = members[0].1.0.rule;
                RuleGroup {
                    code,
                    name: rule.name(),
                    summary: rule.summary(),
                    severity: sev.as_str(),
                    severity_class: severity_class(sev),
                    cards: members
                        .into_iter()
                        .map(|(i, (f, state))| {
                            let mut card = FindingCard::new(f, format!("{prefix}{i}"));
                            card.diff_state = *state;
                            card.to_markup()
                        })
                        .collect(),
                }
            })
            .collect();
        RuleGroups { groups }
    }

    pub fn to_markup(&self) -> Markup {
        render_markup(self)
    }
}
