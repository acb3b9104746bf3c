//! The one central table of rule codes.
//!
//! Codes are stable: once released, a code keeps its meaning forever and is never
//! reused. Each rule's documentation lives in its own file, `rules/<CODE>.md`,
//! with fixed sections (*What it finds / Why it matters / Example / Legitimate
//! uses / References*); `plainsight rule <CODE>` prints it. A test snapshots the
//! whole table so codes and names cannot drift silently.
//!
//! Code ranges:
//! - `PS1xx` covert channels (environment-dependent imperceptible variation)
//! - `PS2xx` obfuscation (hidden strings, targeting lists)
//! - `PS3xx` environment probes
//! - `PS4xx` egress inventory
//! - `PS5xx` text steganalysis (hidden and look-alike characters)
//! - `PS6xx` observed at run time (`PS601`–`PS619`: probe — variation, disclosure,
//!   egress; `PS620`–`PS639`: guard — drift, uninspectable requests, egress)
//! - `PS9xx` named signatures of known incidents

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::finding::Severity;

macro_rules! rules {
    ($( $(#[$meta:meta])* $variant:ident = $code:literal, $name:literal, $sev:ident, $summary:literal; )*) => {
        /// A rule: stable code, kebab-case name, default severity, one-line summary, docs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Rule {
            $( $(#[$meta])* $variant, )*
        }

        impl Rule {
            /// Every rule, in code order.
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            /// Stable code such as `PS501`.
            pub fn code(self) -> &'static str {
                match self { $( Rule::$variant => $code, )* }
            }

            /// Kebab-case name such as `invisible-character`.
            pub fn name(self) -> &'static str {
                match self { $( Rule::$variant => $name, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Rule::$variant => Severity::$sev, )* }
            }

            /// One-line description.
            pub fn summary(self) -> &'static str {
                match self { $( Rule::$variant => $summary, )* }
            }

            /// Full Markdown documentation (`rules/<CODE>.md`).
            pub fn doc(self) -> &'static str {
                match self { $( Rule::$variant => include_str!(concat!("../rules/", $code, ".md")), )* }
            }
        }
    };
}

rules! {
    /// An environment-derived value chooses between alternatives of outgoing text that differ only by look-alike characters.
    CovertLookAlike = "PS101", "covert-lookalike-choice", Critical, "Environment-dependent choice between look-alike characters in outgoing text";
    /// An environment-derived value decides whether invisible characters are inserted.
    CovertInvisible = "PS102", "covert-invisible-insertion", Critical, "Environment-dependent insertion of invisible characters";
    /// An environment-derived value chooses between spacing variants.
    CovertSpacing = "PS103", "covert-spacing-variation", High, "Environment-dependent spacing variation (NBSP, doubled or trailing spaces)";
    /// An environment-derived value chooses between format variants of the same value.
    CovertFormat = "PS104", "covert-format-variation", High, "Environment-dependent format variant (date separator or field order)";
    /// Environment-derived data encoded into invisible characters.
    CovertEncoding = "PS105", "covert-invisible-encoding", Critical, "Environment data encoded into invisible characters (tags, zero-width bits)";
    /// A string decoded at run time from an encoding.
    DecodedString = "PS201", "decoded-string", Medium, "String hidden by an encoding and decoded at run time";
    /// A decoded list of hosts, domains, time zones or organisations.
    TargetingList = "PS202", "targeting-list", High, "Hidden list of hosts, domains, time zones or organisations";
    /// Strings hidden in a table behind an index accessor (string-array obfuscation).
    StringTable = "PS203", "string-table", Medium, "Strings hidden in an encoded, rotated table behind an index accessor (obfuscation)";
    /// Reads of API endpoint or proxy configuration.
    EnvEndpoint = "PS301", "env-endpoint-config", Info, "Reads API endpoint or proxy configuration";
    /// Reads of time zone, UTC offset or locale.
    EnvTimeZone = "PS302", "env-timezone-locale", Low, "Reads time zone, UTC offset or locale";
    /// Reads of host or user identity.
    EnvIdentity = "PS303", "env-host-identity", Low, "Reads host or user identity (hostname, user, interfaces, MAC)";
    /// Reads of the platform.
    EnvPlatform = "PS304", "env-platform", Info, "Reads platform, architecture or OS release";
    /// An environment value compared against a constant list.
    EnvTargeting = "PS305", "env-compared-to-list", High, "Environment value compared against a constant list (targeting logic)";
    /// A hard-coded URL or host.
    HardcodedEndpoint = "PS401", "hardcoded-endpoint", Info, "Hard-coded URL or host";
    /// A telemetry-like endpoint.
    TelemetryEndpoint = "PS402", "telemetry-endpoint", Info, "Telemetry or analytics endpoint";
    /// Default-ignorable / zero-width characters inside text.
    InvisibleCharacter = "PS501", "invisible-character", High, "Invisible or default-ignorable character in text";
    /// Unicode tag characters (U+E0000 block) outside emoji flag sequences.
    TagCharacters = "PS502", "tag-characters", Critical, "Unicode tag characters smuggling hidden ASCII";
    /// Variation selectors outside emoji / ideographic variation sequences.
    VariationSelector = "PS503", "variation-selector", High, "Variation selectors outside emoji or ideographic sequences";
    /// Bidirectional controls, unbalanced ones rated higher.
    BidiControl = "PS504", "bidi-control", High, "Bidirectional control characters (Trojan Source)";
    /// A look-alike of an ASCII character inside Latin text.
    ConfusableCharacter = "PS505", "confusable-character", Medium, "Look-alike (UTS #39 confusable) character in Latin text";
    /// A word mixing scripts.
    MixedScriptWord = "PS506", "mixed-script-word", Medium, "Word mixing letters of different scripts";
    /// Non-ASCII space where ASCII space is the norm.
    UnusualSpace = "PS507", "unusual-space", Low, "Unusual space character where ASCII space is the norm";
    /// Minority apostrophe/quote style within one document.
    OddQuoteStyle = "PS508", "odd-quote-style", Medium, "Apostrophe or quote style differing from the rest of the document";
    /// Minority date format within one document.
    OddDateFormat = "PS509", "odd-date-format", Medium, "Date written with a different separator or order than the rest of the document";
    /// Minority whitespace pattern within one document.
    OddWhitespace = "PS510", "odd-whitespace", Low, "Trailing or doubled spaces on a line unlike the rest of the document";
    /// Runs of distinct invisible characters encoding bits.
    ZeroWidthPayload = "PS511", "zero-width-payload", Critical, "Zero-width characters encoding a binary payload";
    /// Text the agent sent changed by look-alike characters when one environment dimension changed.
    RuntimeLookAlike = "PS601", "runtime-lookalike-variation", Critical, "Outgoing text changes by look-alike characters with the environment (observed)";
    /// Invisible characters appeared or disappeared with the environment.
    RuntimeInvisible = "PS602", "runtime-invisible-variation", Critical, "Invisible characters in outgoing text change with the environment (observed)";
    /// Spacing changed with the environment.
    RuntimeSpacing = "PS603", "runtime-spacing-variation", High, "Spacing in outgoing text changes with the environment (observed)";
    /// The same value was written another way with the environment.
    RuntimeFormat = "PS604", "runtime-format-variation", High, "Format of a value in outgoing text changes with the environment (observed)";
    /// Imperceptible variation between two identical runs.
    RuntimeUnprompted = "PS605", "variation-between-identical-runs", High, "Outgoing text changes imperceptibly between identical runs";
    /// An environment value visibly sent out.
    EnvDisclosure = "PS606", "environment-disclosure", Low, "Environment value sent out in visible text (observed)";
    /// A host other than the provider contacted at run time.
    RuntimeEgress = "PS607", "runtime-egress", Info, "Connection to a host other than the configured provider (observed)";
    /// A connection that did not go through the configured proxy.
    ProxyBypass = "PS608", "proxy-bypass", High, "Connection bypassed the configured proxy (observed)";
    /// A provider API call to a host other than the configured base URL.
    BaseUrlIgnored = "PS609", "base-url-ignored", Medium, "Provider API called on a host other than the configured base URL (observed)";
    /// A TLS client refused the sandbox's certificate.
    TlsRefused = "PS610", "tls-interception-refused", Info, "TLS handshake refused the sandbox certificate (pinning or own trust store)";
    /// A static prediction of variation that the run did not confirm.
    PredictionUnconfirmed = "PS611", "prediction-not-confirmed", Info, "Covert channel predicted by the scan not observed at run time";
    /// Cells that could not run or compare: the review is incomplete.
    ProbeCoverageGap = "PS612", "probe-coverage-gap", Medium, "Part of the environment matrix could not be run or compared";
    /// A connection that did not carry HTTP.
    NonHttpConnection = "PS613", "non-http-connection", Low, "Connection carrying something other than HTTP (observed)";
    /// A templated line an agent keeps sending changed form imperceptibly (guard).
    DriftLineForm = "PS620", "drift-line-form", High, "A line the agent sends again and again changed form imperceptibly (look-alike, invisible, spacing or date format)";
    /// A request body the guard could not inspect (guard).
    UninspectableRequest = "PS621", "uninspectable-request", Medium, "Request body could not be inspected (malformed JSON, invalid UTF-8 or over the inspection limit)";
    /// A request to a destination outside the configured upstreams (guard).
    EgressRefused = "PS622", "egress-refused", Medium, "Request for a destination outside the guard's upstream allowlist";
}

impl Rule {
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(code) || r.name().eq_ignore_ascii_case(code))
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        let s = String::deserialize(d)?;
        Rule::from_code(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule code {s}")))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_and_names_unique() {
        let codes: HashSet<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        let names: HashSet<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(codes.len(), Rule::ALL.len());
        assert_eq!(names.len(), Rule::ALL.len());
    }

    #[test]
    fn every_rule_has_complete_docs() {
        for r in Rule::ALL {
            let doc = r.doc();
            assert!(
                doc.starts_with(&format!("# {} {}", r.code(), r.name())),
                "{} doc header",
                r.code()
            );
            for section in ["## What it finds", "## Why it matters", "## Example"] {
                assert!(
                    doc.contains(section),
                    "{} lacks section {section}",
                    r.code()
                );
            }
        }
    }

    #[test]
    fn table_snapshot() {
        use std::fmt::Write as _;
        let mut table = String::new();
        for r in Rule::ALL {
            let _ = writeln!(
                table,
                "{} {} {} {}",
                r.code(),
                r.name(),
                r.default_severity(),
                r.summary()
            );
        }
        insta::assert_snapshot!(table);
    }
}
