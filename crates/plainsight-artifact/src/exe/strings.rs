//! Strings inventory of native executables (Go, Rust, C agents) that embed
//! no JavaScript we can read.
//!
//! One pass over the mapped bytes splits them into printable runs (ASCII;
//! Go packs its string data without separators, so tokens are cut out of runs
//! rather than taking whole C strings). From the runs come:
//! - environment variable names of the kinds that matter (endpoint, time
//!   zone/locale, identity, platform) — classified by `plainsight-js`'s own
//!   table so both analyzers agree (PS301–PS304);
//! - URLs (PS401, or PS402 when the host or path names telemetry), skipping
//!   XML/licence namespace URIs, which identify formats and are never fetched;
//! - base64/hex blobs of ≥ 24 characters that decode, directly or through a
//!   single-byte XOR, to readable text (PS201).
//!
//! Everything is reported at LOW confidence: a name in a binary says the
//! program *may* read it, not that it does. A binary has no lines, so a
//! finding's position is line 1, column = byte offset + 1.

use std::collections::BTreeMap;

use plainsight_core::codes::Rule;
use plainsight_core::{Confidence, Finding, Location, Position};
use plainsight_js::env::{EnvCategory, classify_env_var};
use plainsight_js::eval::{base64_decode, hex_decode};

use crate::Unit;

/// Shortest run considered (as `strings(1)` uses 4; 6 keeps noise down).
const MIN_RUN: usize = 6;
/// Shortest encoded blob considered.
const MIN_BLOB: usize = 24;
/// Longest blob decoded (longer ones are data, not hidden strings).
const MAX_BLOB: usize = 4096;
/// Findings per kind, so a huge binary cannot flood the report.
const MAX_PER_KIND: usize = 200;

/// URI hosts that name formats/namespaces/licences rather than endpoints.
const NAMESPACE_HOSTS: &[&str] = &[
    "www.w3.org",
    "w3.org",
    "schemas.xmlsoap.org",
    "schemas.openxmlformats.org",
    "schemas.microsoft.com",
    "purl.org",
    "ns.adobe.com",
    "www.apache.org",
    "opensource.org",
    "json-schema.org",
    "xmlns.com",
];

/// POSIX locale categories (the `LC_*` variables).
const LOCALE_CATEGORIES: &[&str] = &[
    "LC_ALL",
    "LC_ADDRESS",
    "LC_COLLATE",
    "LC_CTYPE",
    "LC_IDENTIFICATION",
    "LC_MEASUREMENT",
    "LC_MESSAGES",
    "LC_MONETARY",
    "LC_NAME",
    "LC_NUMERIC",
    "LC_PAPER",
    "LC_TELEPHONE",
    "LC_TIME",
];

/// Upper-case names of other kinds than environment variables: error codes,
/// protocol header/status constants.
fn is_constant_name(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "ERR_",
        "E_",
        "HPE_",
        "HTTP2_HEADER_",
        "HTTP_STATUS_",
        "STATUS_",
    ];
    const WORDS: &[&str] = &[
        "INVALID",
        "UNKNOWN",
        "MISSING",
        "ERROR",
        "FAILED",
        "UNSUPPORTED",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || name.split('_').any(|w| WORDS.contains(&w))
}

/// Example URLs kept per host.
const URLS_PER_HOST: usize = 3;

/// Host/path tokens that mark telemetry or analytics collection.
const TELEMETRY_TOKENS: &[&str] = &[
    "telemetry",
    "analytics",
    "metrics",
    "events",
    "track",
    "tracking",
    "collect",
    "ingest",
    "sentry",
    "segment",
    "statsig",
    "datadog",
    "amplitude",
    "mixpanel",
    "posthog",
    "honeycomb",
    "otlp",
    "beacon",
];

fn printable(c: u8) -> bool {
    (0x20..=0x7e).contains(&c) || c == b'\t'
}

/// Findings for a native unit (see the module docs).
pub fn native_findings(unit: &Unit) -> Vec<Finding> {
    let b = unit.data.bytes();
    let mut inv = Inventory::default();
    let mut i = 0;
    while i < b.len() {
        let Some(s) = b[i..].iter().position(|&c| printable(c)) else {
            break;
        };
        let start = i + s;
        let len = b[start..]
            .iter()
            .position(|&c| !printable(c))
            .unwrap_or(b.len() - start);
        i = start + len;
        let run = &b[start..start + len];
        // Short names such as TZ only count as a whole NUL-terminated C string.
        let c_string = start > 0 && b[start - 1] == 0 && b.get(start + len) == Some(&0);
        if len >= MIN_RUN || (c_string && len >= 2) {
            // `run` is printable ASCII, so this cannot fail.
            if let Ok(text) = std::str::from_utf8(run) {
                inv.run(text, start, c_string);
            }
        }
    }
    inv.into_findings(unit)
}

/// A host, and the telemetry word its URLs name (if any).
type HostKey = (String, Option<&'static str>);
/// First offset, count, example URLs.
type HostUse = (usize, usize, Vec<String>);

#[derive(Default)]
struct Inventory {
    /// name → (category, first offset, count)
    env: BTreeMap<String, (EnvCategory, usize, usize)>,
    urls: BTreeMap<HostKey, HostUse>,
    /// (offset, encoding, token, decoded, xor key)
    blobs: Vec<(usize, &'static str, String, String, Option<u8>)>,
}

impl Inventory {
    fn run(&mut self, text: &str, base: usize, c_string: bool) {
        if c_string && text.len() < MIN_RUN {
            // Short C strings ("TZ", "USER") are names only for the kinds that
            // identify where or who; "OS" and the like are too common.
            if classify_env_var(text).is_targetable() {
                self.env_name(text, base);
            }
            return;
        }
        let bytes = text.as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            let c = bytes[j];
            let rest = &text[j..];
            if (c == b'h' || c == b'w')
                && let Some((n, host)) = url_len(rest)
            {
                let url = &rest[..n];
                let key = (host.to_ascii_lowercase(), telemetry_token(url));
                let e = self.urls.entry(key).or_insert((base + j, 0, Vec::new()));
                e.1 += 1;
                if e.2.len() < URLS_PER_HOST && !e.2.iter().any(|u| u == url) {
                    e.2.push(url.to_string());
                }
                j += n;
                continue;
            }
            if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_') {
                // A token: maximal run of identifier / base64 characters.
                let mut n = rest
                    .bytes()
                    .position(|c| {
                        !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_' | b'-'))
                    })
                    .unwrap_or(rest.len());
                // Base64 padding ends a token; `=` elsewhere separates (`key=…`).
                n += rest[n..].bytes().take(2).take_while(|&c| c == b'=').count();
                let tok = &rest[..n];
                let boundary = j == 0 || !bytes[j - 1].is_ascii_alphanumeric();
                if boundary {
                    self.token(tok, base + j);
                }
                j += n.max(1);
                continue;
            }
            j += 1;
        }
    }

    fn token(&mut self, tok: &str, at: usize) {
        let t = tok.trim_end_matches(['=', '-']);
        if (MIN_BLOB..=MAX_BLOB).contains(&t.len())
            && let Some((enc, decoded, key)) = decode_blob(t)
        {
            if self.blobs.len() < MAX_PER_KIND {
                self.blobs.push((at, enc, tok.to_string(), decoded, key));
            }
            return;
        }
        // Environment names: upper-case runs inside the token. Go packs its
        // strings back to back ("mainANTHROPIC_BASE_URLinvalid"), so a run may
        // have swallowed the capital of the next CamelCase word: try without it.
        let b = t.as_bytes();
        let mut k = 0;
        while k < b.len() {
            let upper = |c: u8| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_';
            if !b[k].is_ascii_uppercase() || (k > 0 && upper(b[k - 1])) {
                k += 1;
                continue;
            }
            let n = b[k..]
                .iter()
                .position(|&c| !upper(c))
                .unwrap_or(b.len() - k);
            let name = t[k..k + n].trim_end_matches('_');
            let next_lower = b.get(k + n).is_some_and(u8::is_ascii_lowercase);
            if name.len() >= 3 {
                if next_lower
                    && name.len() > 3
                    && classify_env_var(&name[..name.len() - 1]) != EnvCategory::Other
                {
                    self.env_name(&name[..name.len() - 1], at + k);
                } else {
                    self.env_name(name, at + k);
                }
            }
            k += n.max(1);
        }
    }

    fn env_name(&mut self, name: &str, at: usize) {
        if !name
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
            || !name.as_bytes()[0].is_ascii_uppercase()
        {
            return;
        }
        // `LC_` is a prefix in the shared table; in binaries it catches torn
        // tokens, so only the POSIX locale categories count here.
        if name.starts_with("LC_") && !LOCALE_CATEGORIES.contains(&name) {
            return;
        }
        if is_constant_name(name) {
            return;
        }
        let cat = classify_env_var(name);
        if cat == EnvCategory::Other {
            return;
        }
        let e = self.env.entry(name.to_string()).or_insert((cat, at, 0));
        e.2 += 1;
    }

    fn into_findings(self, unit: &Unit) -> Vec<Finding> {
        let loc = |at: usize| {
            let p = Position {
                offset: at as u64,
                line: 1,
                column: u32::try_from(at + 1).unwrap_or(u32::MAX),
            };
            Location {
                chain: unit.chain.clone(),
                path: unit.path.clone(),
                start: p,
                end: p,
                ..Location::default()
            }
        };
        let low = |mut f: Finding| {
            f.confidence = Confidence::Low;
            f.notes.push(
                "from a strings inventory of a native executable: the program may read or use it"
                    .into(),
            );
            f
        };
        let mut out = Vec::new();
        for (name, (cat, at, count)) in self.env.into_iter().take(MAX_PER_KIND) {
            let (rule, what) = match cat {
                EnvCategory::Endpoint => (Rule::EnvEndpoint, "API endpoint / proxy configuration"),
                EnvCategory::TimeZone => (Rule::EnvTimeZone, "time zone / locale"),
                EnvCategory::Identity => (Rule::EnvIdentity, "host / user identity"),
                EnvCategory::Platform => (Rule::EnvPlatform, "platform"),
                // CI variable names are in every toolchain binary: not an inventory item.
                EnvCategory::Ci | EnvCategory::Other => continue,
            };
            let mut f = Finding::new(
                rule,
                format!(
                    "environment variable name {name} ({what}) in the binary at offset {at:#x}, {count}×"
                ),
                loc(at),
            );
            f.subject = Some(name.clone());
            f.occurrences = Some(count as u64);
            f.decoded = Some(name);
            out.push(low(f));
        }
        for ((host, tele), (at, count, examples)) in self.urls.into_iter().take(MAX_PER_KIND) {
            let rule = if tele.is_some() {
                Rule::TelemetryEndpoint
            } else {
                Rule::HardcodedEndpoint
            };
            let mut f = Finding::new(
                rule,
                format!("host {host} in {count} URL(s) in the binary, first at offset {at:#x}"),
                loc(at),
            );
            f.subject = Some(host.clone());
            f.occurrences = Some(count as u64);
            f.decoded = Some(host);
            if let Some(t) = tele {
                f.notes.push(format!("URL path or host names {t:?}"));
            }
            f.notes
                .extend(examples.into_iter().map(|u| format!("e.g. {u}")));
            out.push(low(f));
        }
        for (at, enc, tok, decoded, key) in self.blobs {
            let how = key.map_or(String::new(), |k| format!(" XOR {k:#04x}"));
            let shown: String = tok.chars().take(60).collect();
            let mut f = Finding::new(
                Rule::DecodedString,
                format!("{enc}{how} blob {shown}… decodes to readable text (offset {at:#x})"),
                loc(at),
            );
            f.decoded = Some(decoded);
            out.push(low(f));
        }
        out
    }
}

/// Length of a URL at the start of `s` with a plausible host, and the host.
fn url_len(s: &str) -> Option<(usize, &str)> {
    let scheme = ["https://", "http://", "wss://", "ws://"]
        .into_iter()
        .find(|p| s.starts_with(p))?;
    let n = s
        .bytes()
        .position(|c| {
            c <= b' '
                || matches!(
                    c,
                    b'"' | b'\''
                        | b'`'
                        | b'<'
                        | b'>'
                        | b')'
                        | b']'
                        | b'\\'
                        | b'{'
                        | b'}'
                        | b'|'
                        | b'^'
                )
        })
        .unwrap_or(s.len());
    let n = n.min(glued_at(&s[..n]));
    let url = s[..n].trim_end_matches(['.', ',', ';', ':']);
    let rest = &url[scheme.len()..];
    let host = rest
        .split(['/', ':', '?', '#'])
        .next()?
        .rsplit('@')
        .next()?;
    let labels: Vec<&str> = host.split('.').collect();
    let tld = labels.last()?;
    let ok_chars = host
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-');
    let named = labels.len() >= 2
        && tld.len() >= 2
        && tld.bytes().all(|c| c.is_ascii_alphabetic())
        && labels.iter().all(|l| !l.is_empty());
    let ip = host.parse::<std::net::Ipv4Addr>().is_ok();
    let local = host == "localhost";
    if !ok_chars
        || !(named || ip || local)
        || NAMESPACE_HOSTS.contains(&host.to_ascii_lowercase().as_str())
    {
        return None;
    }
    Some((url.len(), host))
}

/// Where the next string starts when Go packed one right after a URL: an
/// env-style name (`…/v1/OTEL_EXPORTER_…`) or a capital right after a file
/// extension (`README.mdContainer`, `page.htmlThe`).
fn glued_at(u: &str) -> usize {
    let b = u.as_bytes();
    let path_start = u.find("//").map_or(0, |i| i + 2);
    for i in path_start + 1..b.len() {
        if !b[i].is_ascii_uppercase() {
            continue;
        }
        let tail = &b[i..];
        let caps = tail
            .iter()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            .count();
        if caps >= 2
            && tail.get(caps) == Some(&b'_')
            && tail.get(caps + 1).is_some_and(u8::is_ascii_uppercase)
        {
            return i;
        }
        let ext = b[..i]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_lowercase())
            .count();
        if (1..=5).contains(&ext) && i > ext && b[i - ext - 1] == b'.' {
            return i;
        }
    }
    b.len()
}

/// The telemetry token a URL's host or path names, as a whole word
/// ("datatracker" is not "track").
fn telemetry_token(url: &str) -> Option<&'static str> {
    let lower = url.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    TELEMETRY_TOKENS
        .iter()
        .copied()
        .find(|t| words.iter().any(|w| w == t))
}

/// How much `b` reads like names or prose: the share of bytes that are
/// lower-case letters, digits, spaces or the punctuation of hosts, paths and
/// lists. XOR with a wrong key maps letters to letters too, but scatters
/// punctuation, so the right key scores highest.
fn text_score(b: &[u8]) -> f64 {
    let good = b
        .iter()
        .filter(|&&c| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, b' ' | b'.' | b',' | b'-' | b'_' | b':' | b'/' | b'@')
        })
        .count();
    good as f64 / b.len().max(1) as f64
}

/// Readable text: printable, mostly letters, some variety, scoring as text.
fn readable(b: &[u8]) -> bool {
    if b.len() < 8 || !b.iter().all(|&c| printable(c) || c == b'\n') {
        return false;
    }
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let mut seen = [false; 128];
    for &c in b {
        seen[c as usize] = true;
    }
    // Character tables ("abcdefgh…") are data, not hidden text.
    let steps = b
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    steps * 2 < b.len()
        && letters * 2 >= b.len()
        && seen.iter().filter(|s| **s).count() >= 6
        && text_score(b) >= 0.85
}

/// Text in a non-Latin script, already readable once decoded (base64 of
/// UTF-8 Thai, Tamil, Chinese… as localisation data carries it). Not hidden
/// ASCII: a single-byte XOR turns the lead bytes of its multi-byte sequences
/// (0xE0…) into spaces and letters, so every such string would "read" under
/// some key (GitHub Copilot CLI's runtime.node: 200 such blobs).
fn is_non_ascii_text(b: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(b) else {
        return false;
    };
    // ASCII XORed into valid multi-byte UTF-8 needs a separator before
    // every two letters (" ab cd"), which host names, zones and keys are not.
    let all = s.chars().count();
    let non_ascii = s.chars().filter(|c| !c.is_ascii()).count();
    non_ascii * 2 >= all && s.chars().all(|c| !c.is_control() || c.is_whitespace())
}

/// Character tables ("abcdefgh…", 0x21 0x22 0x23…) are data, not hidden text;
/// XOR keeps them tables, so this is checked on the raw bytes too.
fn is_table(b: &[u8]) -> bool {
    let steps = b
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    steps * 2 >= b.len()
}

/// Decode a base64 or hex token into readable text, directly or by the single
/// XOR key under which it reads best.
fn decode_blob(t: &str) -> Option<(&'static str, String, Option<u8>)> {
    let hex = t.len().is_multiple_of(2) && t.bytes().all(|c| c.is_ascii_hexdigit());
    let (enc, bytes) = if hex {
        ("hex", hex_decode(t)?)
    } else {
        // Base64 needs mixed character classes; plain words and identifiers are not blobs.
        let upper = t.bytes().any(|c| c.is_ascii_uppercase());
        let lower = t.bytes().any(|c| c.is_ascii_lowercase());
        let digit = t
            .bytes()
            .any(|c| c.is_ascii_digit() || c == b'+' || c == b'/');
        if !(upper && lower && digit) {
            return None;
        }
        ("base64", base64_decode(t)?)
    };
    if is_table(&bytes) || is_non_ascii_text(&bytes) {
        return None;
    }
    // A plain decoding that reads is the answer: an XOR key that scores a
    // little higher (no capitals) would only garble it.
    if readable(&bytes) {
        return Some((enc, String::from_utf8_lossy(&bytes).into_owned(), None));
    }
    let mut best: Option<(f64, u8, Vec<u8>)> = None;
    for key in 1..=255u8 {
        // Early exit on the first unprintable byte keeps this cheap.
        if !bytes
            .iter()
            .all(|&c| printable(c ^ key) || c ^ key == b'\n')
        {
            continue;
        }
        let x: Vec<u8> = bytes.iter().map(|&c| c ^ key).collect();
        let score = text_score(&x);
        if readable(&x) && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, key, x));
        }
    }
    let (_, key, x) = best?;
    Some((enc, String::from_utf8_lossy(&x).into_owned(), Some(key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Data, UnitKind};

    fn unit(b: Vec<u8>) -> Unit {
        Unit {
            chain: vec!["agent".into()],
            path: "agent".into(),
            kind: UnitKind::Native,
            data: Data::from_vec(b),
        }
    }

    fn synthetic() -> Vec<u8> {
        let mut b = b"\x7fELF\x02\x01\x01\0\0\0\x90\x90".to_vec();
        // Go-style packed string data, then C strings.
        b.extend_from_slice(b"\x01\x02runtime.mainANTHROPIC_BASE_URLinvalid argumentHTTPS_PROXY\0");
        b.extend_from_slice(
            b"\0TZ\0\0https://telemetry.example.net/v1/events\0http://www.w3.org/2000/svg\0",
        );
        // Torn and too-common names; a docs URL whose host contains "track";
        // a character table that XORs into the alphabet.
        b.extend_from_slice(
            b"\0ERR_INVALID_URL\0LC_MESSAL9\0OS\0https://datatracker.ietf.org/doc/html/rfc6901\0",
        );
        b.extend_from_slice(b"\x002122232425262728292a2b2c2d2e2f30313233\0");
        // Go packs strings back to back: a URL runs into the next constant.
        b.extend_from_slice(b"\0https://index.docker.io/v1/OTEL_EXPORTER_OTLP_ENDPOINTunknown\0");
        // "corp.example" XOR 0x05, base64: the incident's hiding shape.
        let hidden: Vec<u8> = b"corp.example,bank.example".iter().map(|c| c ^ 5).collect();
        b.extend_from_slice(b"\0key=");
        b.extend_from_slice(plainsight_js::eval::base64_encode(&hidden).as_bytes());
        b.extend_from_slice(
            b"\0ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\0",
        );
        b.extend_from_slice(b"\0e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\0https://api.example.com:8443/v1\0");
        b
    }

    /// Base64 of UTF-8 Thai/Tamil text (localisation data in a native
    /// module) is not hidden ASCII under some XOR key; hidden ASCII still is.
    #[test]
    fn base64_of_non_latin_text_is_not_an_xor_blob() {
        use base64::Engine as _;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        for text in ["ออนไลน์ออนไลน์", "தமிழ்நாடு அரசு", "在线服务器状态"]
        {
            let t = b64(text.as_bytes());
            assert_eq!(decode_blob(&t), None, "{text} {t}");
        }
        let hidden: Vec<u8> = b"sankuai.com,baidu.com,163.com"
            .iter()
            .map(|c| c ^ 0xc0)
            .collect();
        // Read as it is when it reads: not garbled by a key that scores higher.
        assert_eq!(
            decode_blob(&b64(b" Herausforderungen")),
            Some(("base64", " Herausforderungen".to_string(), None))
        );
        let (enc, decoded, key) = decode_blob(&b64(&hidden)).unwrap();
        assert_eq!(
            (enc, decoded.as_str(), key),
            ("base64", "sankuai.com,baidu.com,163.com", Some(0xc0))
        );
    }

    #[test]
    fn inventory_of_a_synthetic_binary() {
        let f = native_findings(&unit(synthetic()));
        let has = |rule: Rule, needle: &str| {
            f.iter()
                .any(|x| x.rule == rule && x.message.contains(needle))
        };
        assert!(has(Rule::EnvEndpoint, "ANTHROPIC_BASE_URL"), "{f:#?}");
        assert!(has(Rule::EnvEndpoint, "HTTPS_PROXY"));
        assert!(has(Rule::EnvTimeZone, " TZ "));
        assert!(has(Rule::TelemetryEndpoint, "host telemetry.example.net"));
        assert!(has(Rule::HardcodedEndpoint, "host api.example.com"));
        assert!(
            has(Rule::HardcodedEndpoint, "host index.docker.io"),
            "glued name cut off the URL"
        );
        assert!(has(Rule::EnvEndpoint, "OTEL_EXPORTER_OTLP_ENDPOINT "));
        assert!(
            has(Rule::HardcodedEndpoint, "host datatracker.ietf.org"),
            "whole words only: {f:#?}"
        );
        assert!(!f.iter().any(|x| x.message.contains("LC_MESSA")
            || x.message.contains(" OS ")
            || x.message.contains("INVALID_URL")));
        assert!(
            !f.iter().any(|x| x.message.contains("w3.org")),
            "namespace URIs are not endpoints"
        );
        let blob: Vec<_> = f.iter().filter(|x| x.rule == Rule::DecodedString).collect();
        assert_eq!(blob.len(), 1, "only the XOR-hidden list decodes: {blob:#?}");
        assert_eq!(
            blob[0].decoded.as_deref(),
            Some("corp.example,bank.example")
        );
        assert!(blob[0].message.contains("XOR 0x05"));
        assert!(f.iter().all(|x| x.confidence == Confidence::Low));
        let tz = f.iter().find(|x| x.message.contains(" TZ ")).unwrap();
        assert_eq!(tz.location.chain, vec!["agent".to_string()]);
        assert!(tz.location.start.offset > 0);
    }

    #[test]
    fn random_bytes_yield_little_and_never_panic() {
        // Deterministic pseudo-random bytes (xorshift).
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let b: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let f = native_findings(&unit(b));
        assert!(f.len() < 5, "{f:#?}");
    }
}
