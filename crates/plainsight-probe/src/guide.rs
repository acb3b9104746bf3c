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

/// Items of a decoded string shown as a JSON-like array (`["a", "b"]`) or
/// a separated list (`a,b`); empty when it is neither.
fn decoded_list(d: &str) -> Vec<String> {
    let t = d.trim();
    let inner = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(t);
    if !inner.contains(',') {
        return Vec::new();
    }
    inner
        .split(',')
        .map(|s| s.trim().trim_matches(['"', '\'']).trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
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
            // A decoded string that is a list (`["a", "b", …]` or `a,b,…`)
            // but not recognised as hosts or zones by the scan: its words
            // may be what host names are searched for (`host.includes(k)`).
            Rule::DecodedString => {
                let items = decoded_list(f.decoded.as_deref().unwrap_or(""));
                if items.len() >= 3 && items.iter().all(|s| looks_keyword(s)) {
                    let words: Vec<String> = items
                        .iter()
                        .filter(|s| s.chars().any(|c| c.is_ascii_alphabetic()))
                        .map(|s| s.to_ascii_lowercase())
                        .collect();
                    if words.len() * 4 >= items.len() * 3 {
                        keywords.extend(words);
                    }
                } else if items.len() >= 2 {
                    for item in &items {
                        if looks_zone(item) {
                            zones.insert(item.clone());
                        } else if looks_host(item) {
                            domains.insert(item.trim_start_matches('.').to_ascii_lowercase());
                        }
                    }
                }
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

/// Hosts exercising every combination of the guided conditions (under a
/// listed domain with no listed keyword, containing a keyword under no
/// listed domain, both, neither), each host checked against both lists.
/// Interleaved by class, so the first few cells already reach every
/// combination the code can tell apart; more of each class follow.
pub fn synthesize_hosts(g: &Guidance) -> Vec<String> {
    if g.domains.is_empty() && g.keywords.is_empty() {
        return Vec::new();
    }
    let under = |h: &str| {
        g.domains
            .iter()
            .any(|d| h == d || h.ends_with(&format!(".{d}")))
    };
    let has_kw = |h: &str| g.keywords.iter().any(|k| h.contains(k.as_str()));
    // [domain only, keyword only, both, neither]
    let mut classes: [Vec<String>; 4] = Default::default();
    let mut put = |h: String| {
        let class = match (under(&h), has_kw(&h)) {
            (true, false) => 0,
            (false, true) => 1,
            (true, true) => 2,
            (false, false) => 3,
        };
        if !classes.iter().any(|c| c.contains(&h)) {
            classes[class].push(h);
        }
    };
    for d in &g.domains {
        put(format!("api.{d}"));
    }
    for k in &g.keywords {
        put(format!("{k}-gateway.example.net"));
    }
    // Both: a keyword as the first label under a listed domain (pairs
    // walk both lists so several domains and keywords are covered).
    let n = g.domains.len().max(g.keywords.len()).min(8);
    for i in 0..n {
        if let (Some(d), Some(k)) = (
            g.domains.get(i % g.domains.len().max(1)),
            g.keywords.get(i % g.keywords.len().max(1)),
        ) {
            put(format!("{k}.{d}"));
        }
    }
    put("llm.example.net".to_owned());
    put("llm-gateway.example.org".to_owned());
    let mut out = Vec::new();
    let longest = classes.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        for c in &classes {
            if let Some(h) = c.get(i) {
                out.push(h.clone());
            }
        }
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

    #[test]
    fn decoded_word_lists_are_keywords_and_hosts_cover_every_class_first() {
        let mut domains = Finding::new(
            Rule::TargetingList,
            "hidden list of host names/domains decoded at run time",
            Location::default(),
        );
        domains.decoded = Some("alpha.com\nbeta.org\ngamma.net".into());
        let mut words = Finding::new(
            Rule::DecodedString,
            "string decoded at run time",
            Location::default(),
        );
        words.decoded = Some(r#"["lynx", "otter", "heron", "01x"]"#.into());
        let mut prose = Finding::new(
            Rule::DecodedString,
            "string decoded at run time",
            Location::default(),
        );
        prose.decoded = Some("Hello there, general reader".into());
        let g = from_findings(&[domains, words, prose]);
        assert_eq!(g.keywords, ["01x", "heron", "lynx", "otter"]);
        let hosts = synthesize_hosts(&g);
        let under = |h: &str| g.domains.iter().any(|d| h.ends_with(&format!(".{d}")));
        let kw = |h: &str| g.keywords.iter().any(|k| h.contains(k.as_str()));
        let first: Vec<(bool, bool)> = hosts.iter().take(4).map(|h| (under(h), kw(h))).collect();
        assert_eq!(
            first,
            [(true, false), (false, true), (true, true), (false, false)],
            "{hosts:?}"
        );
    }
}
