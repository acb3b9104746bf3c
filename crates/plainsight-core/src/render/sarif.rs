//! `--format sarif`: SARIF 2.1.0, for code-scanning dashboards.
//!
//! Design decisions:
//! - `tool.driver.rules` lists every rule of `Rule::ALL` (not only those that
//!   fired), with the Markdown doc as `help`, so viewers can explain any result
//!   and `ruleIndex` is stable across runs.
//! - `run.columnKind` is `unicodeCodePoints`, matching `Position::column`.
//! - The physical location is the file as named by the user (or the module
//!   name inside a container); the container chain, prompt part, JSON pointer,
//!   decoded payload and code snippet go to result `properties` under
//!   `plainsight/…` keys, where SARIF has no dedicated field.
//! - Text that came from the input (messages, snippets) is escaped as in the
//!   text renderer: SARIF viewers render it, and must not hide what we found.
//! - `partialFingerprints` hashes rule, chain, path, part and byte offset with
//!   FNV-1a (stable across Rust releases, unlike `DefaultHasher`).
//! - Every unit not analysed completely is an error-level
//!   `toolExecutionNotification` (descriptor `plainsight/<kind>`, the unit's
//!   path as its location), and then `executionSuccessful` is `false`.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::chars::{escape, escape_multiline, make_visible_with};
use crate::codes::Rule;
use crate::finding::{Finding, Report, Severity};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://example.invalid/plainsight";

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    super::safe_json::write_pretty(&to_value(report), out)
}

/// The SARIF log as a JSON value.
pub(crate) fn to_value(report: &Report) -> Value {
    let rules: Vec<Value> = Rule::ALL.iter().map(|&r| rule_descriptor(r)).collect();
    let mut results: Vec<Value> = report.findings.iter().map(result).collect();
    // A version diff (`scan --baseline`): appeared findings are `new`, the
    // others come from `Report::baseline`.
    if let Some(b) = &report.baseline {
        for r in &mut results {
            r["baselineState"] = json!("new");
        }
        for (list, state) in [(&b.unchanged, "unchanged"), (&b.disappeared, "absent")] {
            results.extend(list.iter().map(|f| {
                let mut r = result(f);
                r["baselineState"] = json!(state);
                r
            }));
        }
    }
    let notifications: Vec<Value> = report
        .incomplete()
        .flat_map(|u| {
            u.reasons.iter().map(move |r| {
                let mut n = json!({
                    "level": "error",
                    "message": { "text": escape(&r.message) },
                    "descriptor": { "id": format!("plainsight/{}", r.kind) },
                    "locations": [{
                        "physicalLocation": { "artifactLocation": { "uri": uri(&u.path) } },
                    }],
                    "properties": {
                        "plainsight/status": u.status.as_str(),
                        "plainsight/kind": r.kind.as_str(),
                    },
                });
                if !u.chain.is_empty() {
                    n["properties"]["plainsight/chain"] =
                        json!(u.chain.iter().map(|c| escape(c)).collect::<Vec<_>>());
                }
                if u.baseline {
                    n["properties"]["plainsight/baseline"] = json!(true);
                }
                n
            })
        })
        .chain(
            report
                .notices
                .iter()
                .map(|n| json!({ "level": "note", "message": { "text": escape(n) } })),
        )
        .collect();
    let version = if report.tool_version.is_empty() {
        env!("CARGO_PKG_VERSION")
    } else {
        &report.tool_version
    };
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "plainsight",
                "version": version,
                "semanticVersion": version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "invocations": [{
                // A run that could not analyse everything did not succeed,
                // whatever it found: a dashboard must not show it as clean.
                "executionSuccessful": !report.is_incomplete(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn category(rule: Rule) -> &'static str {
    match rule.code().as_bytes().get(2) {
        Some(b'1') => "covert-channel",
        Some(b'2') => "obfuscation",
        Some(b'3') => "environment-probe",
        Some(b'4') => "egress",
        Some(b'5') => "text",
        _ => "known-incident",
    }
}

fn rule_descriptor(rule: Rule) -> Value {
    json!({
        "id": rule.code(),
        "name": rule.name(),
        "shortDescription": { "text": rule.summary() },
        "fullDescription": { "text": rule.summary(), "markdown": rule.doc() },
        "help": { "text": rule.summary(), "markdown": rule.doc() },
        "defaultConfiguration": { "level": level(rule.default_severity()) },
        "properties": {
            "tags": ["security", category(rule)],
            "plainsight/defaultSeverity": rule.default_severity().as_str(),
        },
    })
}

fn result(f: &Finding) -> Value {
    let loc = &f.location;
    let rule_index = Rule::ALL.iter().position(|&r| r == f.rule).unwrap_or(0);

    let mut region = Map::new();
    if loc.start.line >= 1 {
        region.insert("startLine".into(), json!(loc.start.line));
        region.insert("startColumn".into(), json!(loc.start.column.max(1)));
        if loc.end.line >= loc.start.line {
            region.insert("endLine".into(), json!(loc.end.line));
            let end_col = if loc.end.line == loc.start.line {
                loc.end.column.max(loc.start.column.max(1))
            } else {
                loc.end.column.max(1)
            };
            region.insert("endColumn".into(), json!(end_col));
        }
    }
    region.insert("byteOffset".into(), json!(loc.start.offset));
    region.insert(
        "byteLength".into(),
        json!(loc.end.offset.saturating_sub(loc.start.offset)),
    );
    // `region.snippet` is the region's own text; the whole excerpt line goes
    // to `contextRegion` (both with hidden characters named, as in the text
    // renderer: a viewer would otherwise show nothing).
    let mut context_region = None;
    if let Some(ex) = &f.excerpt {
        let start = ex.text.floor_char_boundary(ex.start.min(ex.text.len()));
        let end = ex
            .text
            .ceil_char_boundary(ex.end.clamp(start, ex.text.len()));
        let visible = make_visible_with(&ex.text, start..end, false);
        let span = visible.map_range(start..end);
        region.insert("snippet".into(), json!({ "text": &visible.text[span] }));
        let mut context = Map::new();
        if loc.start.line >= 1 {
            context.insert("startLine".into(), json!(loc.start.line));
            context.insert("endLine".into(), json!(loc.end.line.max(loc.start.line)));
        }
        context.insert("snippet".into(), json!({ "text": visible.text }));
        context_region = Some(Value::Object(context));
    } else if let Some(snippet) = &f.snippet {
        region.insert(
            "snippet".into(),
            json!({ "text": escape_multiline(snippet) }),
        );
    }

    let mut physical = json!({
        "artifactLocation": { "uri": uri(&loc.path) },
        "region": region,
    });
    if let Some(context) = context_region {
        physical["contextRegion"] = context;
    }
    if loc.path == "<stdin>" {
        // Not a file: keep it out of `uri` so viewers don't try to open it.
        physical["artifactLocation"] =
            json!({ "uri": "stdin", "description": { "text": "standard input" } });
    }
    let mut location = json!({ "physicalLocation": physical });
    if loc.part.is_some() || loc.json_pointer.is_some() {
        let mut logical = Map::new();
        if let Some(part) = &loc.part {
            logical.insert("name".into(), json!(escape(part)));
        }
        if let Some(ptr) = &loc.json_pointer {
            logical.insert("fullyQualifiedName".into(), json!(escape(ptr)));
        }
        logical.insert("kind".into(), json!("member"));
        location["logicalLocations"] = json!([logical]);
    }

    let mut props = Map::new();
    props.insert("plainsight/severity".into(), json!(f.severity.as_str()));
    props.insert("plainsight/confidence".into(), json!(f.confidence.as_str()));
    if !loc.chain.is_empty() {
        props.insert(
            "plainsight/chain".into(),
            json!(loc.chain.iter().map(|c| escape(c)).collect::<Vec<_>>()),
        );
        props.insert(
            "plainsight/location".into(),
            json!(escape(&loc.display_chain())),
        );
    }
    if let Some(part) = &loc.part {
        props.insert("plainsight/part".into(), json!(escape(part)));
    }
    if let Some(ptr) = &loc.json_pointer {
        props.insert("plainsight/jsonPointer".into(), json!(escape(ptr)));
    }
    if let Some(decoded) = &f.decoded {
        props.insert("plainsight/decoded".into(), json!(escape(decoded)));
    }
    if let Some(snippet) = &f.snippet {
        props.insert(
            "plainsight/snippet".into(),
            json!(escape_multiline(snippet)),
        );
    }
    if !f.chars.is_empty() {
        let chars: Vec<Value> = f
            .chars
            .iter()
            .map(|c| json!({ "codepoint": c.codepoint, "name": c.name, "count": c.count }))
            .collect();
        props.insert("plainsight/chars".into(), json!(chars));
    }
    if !f.notes.is_empty() {
        props.insert(
            "plainsight/notes".into(),
            json!(f.notes.iter().map(|n| escape(n)).collect::<Vec<_>>()),
        );
    }
    if let Some(help) = &f.help {
        props.insert("plainsight/help".into(), json!(escape(help)));
    }

    json!({
        "ruleId": f.rule.code(),
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": escape(&f.message) },
        "locations": [location],
        "partialFingerprints": { "plainsight/v1": fingerprint(f) },
        "properties": props,
    })
}

/// A relative URI reference for a path: `\` becomes `/`, and every byte outside
/// RFC 3986 unreserved characters and `/` is percent-encoded (so spaces, `#`,
/// `?`, `%`, non-ASCII and hidden characters survive any viewer).
pub(crate) fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    // An absolute POSIX path becomes a file URI; others stay relative.
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// FNV-1a 64 over the fields that identify a finding's place and kind.
fn fingerprint(f: &Finding) -> String {
    let loc = &f.location;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes.iter().chain(std::iter::once(&0xFF)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(f.rule.code().as_bytes());
    for c in &loc.chain {
        feed(c.as_bytes());
    }
    feed(loc.path.as_bytes());
    feed(loc.part.as_deref().unwrap_or("").as_bytes());
    feed(&loc.start.offset.to_le_bytes());
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("examples/request.json"), "examples/request.json");
        assert_eq!(uri("a b/c#d?.json"), "a%20b/c%23d%3F.json");
        assert_eq!(uri("dir\\x.js"), "dir/x.js");
        assert_eq!(uri("/tmp/é"), "file:///tmp/%C3%A9");
        assert_eq!(uri("evil\u{202E}"), "evil%E2%80%AE");
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }
}
