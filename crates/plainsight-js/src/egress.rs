//! Egress inventory (PS401 hardcoded-endpoint, PS402 telemetry-endpoint).
//!
//! Every string literal and template-literal quasi is searched for absolute
//! URLs (`http(s)://`, `ws(s)://`) and every literal that *is* a host name is
//! taken as a bare host. Findings are deduplicated per origin (scheme, host,
//! port) — a bundle may mention the same API host hundreds of times — with
//! the count and a few example URLs in the notes.
//!
//! Telemetry is judged by kind: tokens of the host labels and path segments
//! (`telemetry`, `analytics`, `metrics`, `collect`, `track`, `ingest`, OTLP
//! paths such as `/v1/traces`) and the ingestion-host families of common
//! analytics/error-reporting vendors. URLs are parsed with the `url` crate
//! (WHATWG rules: IPv6 literals, userinfo, ports); host names are judged by
//! the Public Suffix List (`hidden::is_domain`). Not inventoried: loopback and
//! documentation hosts (RFC 2606/6761 names), and the hosts of XML/JSON-schema
//! namespaces and licences, which name documents rather than places data goes.

use std::collections::BTreeMap;

use oxc_ast::AstKind;
use oxc_span::Span;
use plainsight_core::{Finding, Rule};

use crate::context::Ctx;
use crate::hidden::is_domain;

/// Example URLs kept per origin.
const EXAMPLES: usize = 3;

pub fn analyze(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let mut pass = Pass::new();
    for node in ctx.semantic.nodes().iter() {
        pass.node(node);
    }
    pass.finish(ctx, out);
}

/// The egress analysis as one step of a shared pass over the node table
/// (see `crate::analyze_source`): only literals matter here.
pub(crate) struct Pass {
    v: EgressVisitor,
}

impl Pass {
    pub(crate) fn new() -> Pass {
        Pass {
            v: EgressVisitor {
                origins: BTreeMap::new(),
                scheme_sep: memchr::memmem::Finder::new(b"://"),
            },
        }
    }

    #[inline]
    pub(crate) fn node(&mut self, node: &oxc_semantic::AstNode<'_>) {
        match node.kind() {
            AstKind::StringLiteral(lit) => self.v.scan_text(lit.value.as_str(), lit.span, false),
            AstKind::TemplateElement(q) => {
                if let Some(c) = &q.value.cooked {
                    self.v.scan_text(c.as_str(), q.span, !q.tail);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn finish(self, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let v = self.v;
        let mut found: Vec<(String, Origin)> = v.origins.into_iter().collect();
        found.sort_by_key(|(_, o)| o.first.start);
        for (origin, o) in found {
            let rule = if o.telemetry {
                Rule::TelemetryEndpoint
            } else {
                Rule::HardcodedEndpoint
            };
            let what = if o.telemetry {
                "telemetry/analytics endpoint"
            } else {
                "hard-coded endpoint"
            };
            let mut f = Finding::new(rule, format!("{what} {origin}"), ctx.location(o.first));
            f.notes
                .push(format!("{} occurrence(s) in this file", o.count));
            for ex in &o.examples {
                f.notes.push(format!("e.g. {ex}"));
            }
            f.decoded = None;
            f.occurrences = Some(o.count as u64);
            f.subject = Some(origin);
            out.push(f);
        }
    }
}

struct Origin {
    first: Span,
    count: usize,
    examples: Vec<String>,
    telemetry: bool,
}

struct EgressVisitor {
    origins: BTreeMap<String, Origin>,
    /// Built once: this runs on every string literal of a bundle.
    scheme_sep: memchr::memmem::Finder<'static>,
}

impl EgressVisitor {
    /// `open_end`: the text is a template quasi followed by an expression,
    /// so a URL running to its end has an incomplete host (`https://a.${b}`).
    fn scan_text(&mut self, text: &str, span: Span, open_end: bool) {
        if self.scheme_sep.find(text.as_bytes()).is_some() {
            for url in find_urls(text) {
                let at_end =
                    url.as_ptr() as usize + url.len() == text.as_ptr() as usize + text.len();
                if open_end
                    && at_end
                    && !url.split_once("://").is_some_and(|(_, r)| r.contains('/'))
                {
                    continue;
                }
                self.add_url(url, span);
            }
            return;
        }
        // A literal that is exactly a host name.
        if text.len() <= 253 && is_bare_host(text) {
            let host = text.to_ascii_lowercase();
            if skipped_host(&host) {
                return;
            }
            let telemetry = telemetry_like(&host, "");
            self.record(host, span, None, telemetry);
        }
    }

    /// An absolute URL, parsed by the WHATWG URL standard (`url` crate):
    /// userinfo dropped, IPv4 and IPv6 literals kept, default ports elided.
    fn add_url(&mut self, url: &str, span: Span) {
        let Ok(parsed) = url::Url::parse(url) else {
            return;
        };
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) => {
                let d = d.to_ascii_lowercase();
                if !is_domain(&d) || !host_chars_ok(&d) {
                    return;
                }
                d
            }
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => format!("[{a}]"),
            None => return,
        };
        if skipped_host(&host) || skipped_url(&host, parsed.path()) {
            return;
        }
        let origin = match parsed.port() {
            Some(p) => format!("{}://{host}:{p}", parsed.scheme()),
            None => format!("{}://{host}", parsed.scheme()),
        };
        let telemetry = telemetry_like(&host, parsed.path());
        self.record(origin, span, Some(url), telemetry);
    }

    fn record(&mut self, origin: String, span: Span, url: Option<&str>, telemetry: bool) {
        let o = self.origins.entry(origin).or_insert_with(|| Origin {
            first: span,
            count: 0,
            examples: Vec::new(),
            telemetry: false,
        });
        o.count += 1;
        o.telemetry |= telemetry;
        if let Some(u) = url
            && !o.examples.iter().any(|e| e == u)
        {
            let u = crate::hidden::clip(u, 200);
            // The URL that made the origin telemetry-like is shown first.
            if telemetry
                && !o
                    .examples
                    .first()
                    .is_some_and(|e| telemetry_like(&o_host(e), o_path(e)))
            {
                o.examples.insert(0, u);
                o.examples.truncate(EXAMPLES);
            } else if o.examples.len() < EXAMPLES {
                o.examples.push(u);
            }
        }
    }
}

/// A literal that is exactly a host name. Stricter than [`is_domain`]:
/// dotted identifiers (`otel.sdk.span.live`, `cloud.account.id`) abound in
/// bundles, so a bare host needs one of the common TLDs and few labels.
fn is_bare_host(text: &str) -> bool {
    const COMMON: &[&str] = &[
        "com", "net", "org", "io", "ai", "dev", "app", "gov", "edu", "cloud", "co", "us", "uk",
        "cn", "de", "jp",
    ];
    if text.starts_with(['.', '*']) || !is_domain(text) {
        return false;
    }
    let labels = text.split('.').count();
    let tld = text.rsplit('.').next().unwrap_or("");
    labels <= 5 && COMMON.contains(&tld)
}

/// Host of an absolute URL (lower case), for re-judging kept examples.
fn o_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let auth = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hp = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    hp.split(':').next().unwrap_or("").to_ascii_lowercase()
}

fn o_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find(['/', '?', '#']).map_or("", |i| &rest[i..])
}

/// Absolute URLs with a network scheme inside `text`.
fn find_urls(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(text.as_bytes(), b"://") {
        let start = text[..at]
            .rfind(|c: char| !c.is_ascii_alphabetic())
            .map_or(0, |i| i + 1);
        let scheme = &text[start..at];
        if !matches!(
            scheme.to_ascii_lowercase().as_str(),
            "http" | "https" | "ws" | "wss"
        ) {
            continue;
        }
        // An IPv6 literal host: its brackets are part of the URL.
        let from = if text[at + 3..].starts_with('[') {
            text[at..].find(']').map_or(at, |i| at + i + 1)
        } else {
            at
        };
        let end = text[from..]
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '"' | '\'' | '`' | '<' | '>' | '\\' | '{' | '}' | '|' | '^' | ')' | ']'
                    )
            })
            .map_or(text.len(), |i| from + i);
        let url = text[start..end].trim_end_matches(['.', ',', ';', ':']);
        out.push(url);
    }
    out
}

fn host_chars_ok(host: &str) -> bool {
    host.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'[' | b']'))
}

/// Loopback, documentation and reserved names (RFC 2606, RFC 6761).
fn skipped_host(host: &str) -> bool {
    const EXACT: &[&str] = &[
        "localhost",
        "127.0.0.1",
        "0.0.0.0",
        "[::1]",
        "[::]",
        "example.com",
        "example.org",
        "example.net",
    ];
    const SUFFIX: &[&str] = &[
        ".example.com",
        ".example.org",
        ".example.net",
        ".example",
        ".test",
        ".invalid",
        ".localhost",
        ".local",
    ];
    EXACT.contains(&host) || SUFFIX.iter().any(|s| host.ends_with(s))
}

/// Hosts whose URLs identify documents (XML namespaces, JSON schemas,
/// licences) rather than places data goes, and the licence texts of the
/// licence stewards. Judged by host: a path that merely contains `/schema`
/// or `/license` on any other host is egress.
fn skipped_url(host: &str, path: &str) -> bool {
    const LICENCE_STEWARDS: &[&str] = &[
        "www.apache.org",
        "apache.org",
        "www.gnu.org",
        "gnu.org",
        "opensource.org",
        "www.mozilla.org",
    ];
    const HOSTS: &[&str] = &[
        "www.w3.org",
        "w3.org",
        "json-schema.org",
        "schemas.xmlsoap.org",
        "purl.org",
        "spdx.org",
        "creativecommons.org",
    ];
    if LICENCE_STEWARDS.contains(&host) && path.starts_with("/licenses/") {
        return true;
    }
    HOSTS.contains(&host) || host.ends_with(".w3.org")
}

/// Host label and path tokens that name telemetry or analytics ingestion.
fn telemetry_like(host: &str, path: &str) -> bool {
    // Whole-word tokens; broad words (`events`, `stats`) are left out: they
    // name ordinary REST resources far more often than collectors.
    const TOKENS: &[&str] = &[
        "telemetry",
        "analytics",
        "metrics",
        "collect",
        "collector",
        "track",
        "tracking",
        "tracker",
        "log",
        "logs",
        "logging",
        "ingest",
        "beacon",
        "traces",
        "otel",
        "otlp",
        "rum",
        "pixel",
    ];
    /// Ingestion-host families of common analytics / error-reporting vendors.
    const VENDORS: &[&str] = &[
        "segment",
        "sentry",
        "statsig",
        "statsigapi",
        "datadoghq",
        "posthog",
        "mixpanel",
        "amplitude",
        "honeycomb",
        "newrelic",
        "nr-data",
        "bugsnag",
        "rollbar",
        "heapanalytics",
        "fullstory",
        "hotjar",
        "google-analytics",
        "googletagmanager",
        "doubleclick",
        "applicationinsights",
        "appcenter",
        "launchdarkly",
        "split",
    ];
    let labels: Vec<&str> = host.split('.').collect();
    // A vendor's documentation site is not its collector.
    if labels.first().is_some_and(|l| {
        matches!(
            *l,
            "docs" | "doc" | "developer" | "developers" | "help" | "support"
        )
    }) {
        return false;
    }
    // The registrable part and subdomains: vendor names appear as labels.
    if labels.iter().any(|l| VENDORS.contains(l)) {
        return true;
    }
    let tokens = labels.iter().flat_map(|l| l.split(['-', '_'])).chain(
        path.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| !t.is_empty()),
    );
    tokens
        .map(str::to_ascii_lowercase)
        .any(|t| TOKENS.contains(&t.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::testing::with_ctx;

    fn findings(src: &str) -> Vec<Finding> {
        with_ctx(src, |ctx| {
            let mut out = Vec::new();
            analyze(ctx, &mut out);
            out
        })
    }

    #[test]
    fn urls_are_deduplicated_per_origin() {
        let src = "fetch('https://api.vendor.ai/v1/messages'); fetch(`https://api.vendor.ai/v1/models?x=${q}`);\n\
                   const h = 'cdn.vendor-assets.net'; const ws = new WebSocket('wss://rt.vendor.ai:8443/s');";
        let f = findings(src);
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "hard-coded endpoint https://api.vendor.ai",
                "hard-coded endpoint cdn.vendor-assets.net",
                "hard-coded endpoint wss://rt.vendor.ai:8443"
            ],
            "{f:#?}"
        );
        assert!(
            f[0].notes[0].starts_with("2 occurrence"),
            "{:?}",
            f[0].notes
        );
        assert!(f.iter().all(|f| f.rule == Rule::HardcodedEndpoint));
    }

    #[test]
    fn telemetry_by_kind() {
        for url in [
            "https://o123.ingest.sentry.io/api/1/envelope/",
            "https://statsig.anthropic-like.com/v1/rgstr",
            "https://api.segment.io/v1/batch",
            "https://http-intake.logs.datadoghq.com/api/v2/logs",
            "https://otel.vendor.dev/v1/traces",
            "https://vendor.dev/api/telemetry",
            "https://eu.i.posthog.com/capture",
        ] {
            let f = findings(&format!("post('{url}')"));
            assert_eq!(f.len(), 1, "{url}");
            assert_eq!(f[0].rule, Rule::TelemetryEndpoint, "{url}");
        }
        let f = findings("post('https://api.vendor.dev/v1/login')");
        assert_eq!(f[0].rule, Rule::HardcodedEndpoint);
    }

    #[test]
    fn new_tlds_ipv6_and_schema_paths_are_egress() {
        // Issue 8: hand-listed TLDs dropped these, IPv6 literals were
        // dropped, and any path containing `/schema` or `/license` was skipped.
        let src = "fetch('https://aicoding.sh/v1'); fetch('https://right.codes/api');\n\
                   fetch('http://[2001:db8::1]:8080/x'); fetch('https://api.vendor.dev/schema/upload');\n\
                   fetch('https://collect-host.vip/license-check');";
        let f = findings(src);
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        for origin in [
            "https://aicoding.sh",
            "https://right.codes",
            "http://[2001:db8::1]:8080",
            "https://api.vendor.dev",
            "https://collect-host.vip",
        ] {
            assert!(
                msgs.iter().any(|m| m.ends_with(origin)),
                "{origin}: {msgs:?}"
            );
        }
    }

    #[test]
    fn documents_and_reserved_hosts_are_skipped() {
        let src = "const ns = 'http://www.w3.org/2000/svg'; const s = { $schema: 'https://json-schema.org/draft-07/schema#' };\n\
                   const l = 'https://www.apache.org/licenses/LICENSE-2.0'; fetch('http://localhost:3000/x');\n\
                   fetch('https://api.example.com/v1'); const f = 'index.js'; const p = 'process.env';";
        let f = findings(src);
        assert!(f.is_empty(), "{f:#?}");
    }
}
