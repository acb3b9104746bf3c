//! Scan-guided dimensions and values: what the static scan of the same
//! artifact says the code reads and compares becomes part of the matrix.
//!
//! - PS202 decoded lists: hosts and domains become base-URL host values,
//!   IANA zones time-zone values, bare words host keywords.
//! - PS305 constants: by the kind of the value compared (endpoint, time
//!   zone/locale, identity) they become values of that dimension.
//! - PS30x reads: every environment variable read by name becomes a
//!   dimension of its own; system files read become file dimensions.
//!
//! Where conditions combine, hosts are synthesized that satisfy each alone
//! and together: under a listed domain with no listed keyword, containing a
//! keyword under no listed domain, both, neither.

use std::collections::BTreeSet;

use plainsight_core::{Finding, Rule};

/// What the scan contributes to the matrix.
#[derive(Clone, Debug, Default)]
pub struct Guidance {
    pub domains: Vec<String>,
    pub keywords: Vec<String>,
    pub zones: Vec<String>,
    pub locales: Vec<String>,
    pub identities: Vec<String>,
    /// Variables read by name, with constants they are compared against.
    pub env_vars: Vec<(String, Vec<String>)>,
    pub files: Vec<String>,
    /// The static findings that predict variation (PS1xx, PS202, PS305), for linking.
    pub predictions: Vec<Finding>,
    /// What the scan could not do (for the report).
    pub notes: Vec<String>,
}

fn looks_zone(s: &str) -> bool {
    const AREAS: &[&str] = &[
        "Africa/",
        "America/",
        "Antarctica/",
        "Arctic/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
        "Etc/",
    ];
    AREAS.iter().any(|a| s.starts_with(a)) && !s.contains(' ')
}

fn looks_host(s: &str) -> bool {
    let s = s.trim_start_matches('.').trim_start_matches("*.");
    s.contains('.')
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && s.rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

fn looks_keyword(s: &str) -> bool {
    (3..=32).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn backticked(msg: &str) -> Option<&str> {
    let a = msg.find('`')?;
    let rest = &msg[a + 1..];
    let b = rest.find('`')?;
    Some(&rest[..b])
}

/// Variable name in `process.env.NAME`, `process.env["NAME"]`, `Deno.env.get("NAME")`, `$NAME`.
fn env_name(what: &str) -> Option<String> {
    let rest = what
        .split_once("env.")
        .map(|(_, r)| r)
        .or_else(|| what.split_once("env[").map(|(_, r)| r))
        .or_else(|| what.strip_prefix('$'))?;
    let name: String = rest
        .trim_start_matches(['"', '\'', '`'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty() && name.chars().next().is_some_and(|c| !c.is_ascii_digit())).then_some(name)
}

/// Reads the scan's findings.
pub fn from_findings(findings: &[Finding]) -> Guidance {
    let mut g = Guidance::default();
    let mut domains = BTreeSet::new();
    let mut keywords = BTreeSet::new();
    let mut zones = BTreeSet::new();
    let mut locales = BTreeSet::new();
    let mut identities = BTreeSet::new();
    let mut env: std::collections::BTreeMap<String, BTreeSet<String>> =
        std::collections::BTreeMap::default();
    let mut files = BTreeSet::new();
    for f in findings {
        let code = f.rule.code();
        let decoded: Vec<String> = f
            .decoded
            .as_deref()
            .map(|d| {
                d.split(['\n', ','])
                    .map(|s| s.trim().trim_matches(['"', '\'']).to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        match f.rule {
            Rule::TargetingList => {
                for item in &decoded {
                    if looks_zone(item) {
                        zones.insert(item.clone());
                    } else if looks_host(item) {
                        domains.insert(
                            item.trim_start_matches("*.")
                                .trim_start_matches('.')
                                .to_ascii_lowercase(),
                        );
                    } else if looks_keyword(item) {
                        keywords.insert(item.to_ascii_lowercase());
                    }
                }
                g.predictions.push(f.clone());
            }
            Rule::EnvTargeting => {
                let msg = f.message.to_ascii_lowercase();
                for item in &decoded {
                    if looks_zone(item) {
                        zones.insert(item.clone());
                    } else if msg.starts_with("endpoint")
                        || msg.contains("url")
                        || msg.contains("host") && !msg.contains("hostname")
                    {
                        if looks_host(item) {
                            domains.insert(item.to_ascii_lowercase());
                        } else if looks_keyword(item) {
                            keywords.insert(item.to_ascii_lowercase());
                        }
                    } else if msg.contains("locale") || msg.contains("language") {
                        locales.insert(item.clone());
                    } else if msg.contains("time zone") || msg.contains("timezone") {
                        // Offsets or zone prefixes: the catalogue covers offsets; prefixes stay as data.
                        if item.contains('/') {
                            zones.insert(item.clone());
                        }
                    } else if looks_keyword(item) || looks_host(item) {
                        identities.insert(item.clone());
                    }
                    if let Some(name) = backticked(&f.message).and_then(env_name) {
                        env.entry(name).or_default().insert(item.clone());
                    }
                }
                g.predictions.push(f.clone());
            }
            _ if code.starts_with("PS1") => g.predictions.push(f.clone()),
            _ if code.starts_with("PS30") => {
                let Some(what) = backticked(&f.message) else {
                    continue;
                };
                if let Some(name) = env_name(what) {
                    env.entry(name).or_default();
                }
                for tok in what.split(['\'', '"', '`', '(', ')', ' ']) {
                    if (tok.starts_with("/etc/") || tok.starts_with("~/"))
                        && tok.len() > 5
                        && !tok.contains('*')
                    {
                        files.insert(tok.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    g.domains = domains.into_iter().collect();
    g.keywords = keywords
        .into_iter()
        .filter(|k| !g.domains.iter().any(|d| d == k))
        .collect();
    g.zones = zones.into_iter().collect();
    g.locales = locales.into_iter().collect();
    g.identities = identities.into_iter().collect();
    g.env_vars = env
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect();
    g.files = files.into_iter().collect();
    g
}

/// Hosts exercising every combination of the guided conditions, the ones
/// most likely to trigger first: under each listed domain (no keyword),
/// containing each keyword (no listed domain), both, neither.
pub fn synthesize_hosts(g: &Guidance) -> Vec<String> {
    if g.domains.is_empty() && g.keywords.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    let mut push = |h: String| {
        if !out.contains(&h) {
            out.push(h);
        }
    };
    let under = |h: &str| {
        g.domains
            .iter()
            .any(|d| h == d || h.ends_with(&format!(".{d}")))
    };
    let has_kw = |h: &str| g.keywords.iter().any(|k| h.contains(k.as_str()));
    for d in &g.domains {
        let h = format!("api.{d}");
        push(h);
    }
    for k in &g.keywords {
        let h = format!("{k}-gateway.example.net");
        if !under(&h) {
            push(h);
        }
    }
    if let (Some(d), Some(k)) = (
        g.domains.first(),
        g.keywords
            .iter()
            .find(|k| !g.domains.first().is_some_and(|d| d.contains(k.as_str()))),
    ) {
        push(format!("{k}.{d}"));
    }
    let neither = "llm.example.net".to_owned();
    if !under(&neither) && !has_kw(&neither) {
        push(neither);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use plainsight_core::Location;

    #[test]
    fn lists_and_reads_become_values_and_dimensions() {
        let mut list = Finding::new(
            Rule::TargetingList,
            "hidden list of hosts decoded at run time",
            Location::default(),
        );
        list.decoded = Some("moonshot.ai\ndeepseek.com\nAsia/Shanghai\nqwen".into());
        let read = Finding::new(
            Rule::EnvEndpoint,
            "reads endpoint configuration `process.env.FOO_BASE_URL`",
            Location::default(),
        );
        let g = from_findings(&[list, read]);
        assert_eq!(g.domains, ["deepseek.com", "moonshot.ai"]);
        assert_eq!(g.zones, ["Asia/Shanghai"]);
        assert_eq!(g.keywords, ["qwen"]);
        assert_eq!(g.env_vars[0].0, "FOO_BASE_URL");
        let hosts = synthesize_hosts(&g);
        assert!(hosts.contains(&"api.moonshot.ai".to_owned()));
        assert!(hosts.contains(&"qwen-gateway.example.net".to_owned()));
        assert!(hosts.contains(&"qwen.deepseek.com".to_owned()));
        assert!(hosts.contains(&"llm.example.net".to_owned()));
    }
}
