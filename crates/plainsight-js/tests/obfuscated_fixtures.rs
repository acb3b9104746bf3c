//! String-array obfuscation (PS203): see `fixtures/obfuscated/README.md`.

use std::collections::BTreeSet;
use std::path::Path;

use plainsight_core::{Rule, Severity};
use plainsight_js::{ScanOptions, scan_source};

fn scan(name: &str) -> (String, Vec<plainsight_core::Finding>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/obfuscated")
        .join(name);
    let src = std::fs::read_to_string(&path).unwrap();
    let out = scan_source(name, &[], &src, &ScanOptions::default());
    assert!(out.problems().is_empty(), "{name}: {:?}", out.problems());
    (src, out.findings)
}

/// What the analysis of a file amounts to: rule, severity and message.
fn meaning(findings: &[plainsight_core::Finding]) -> BTreeSet<(Rule, Severity, String)> {
    findings
        .iter()
        .filter(|f| f.rule != Rule::StringTable)
        .map(|f| (f.rule, f.severity, f.message.clone()))
        .collect()
}

#[test]
fn inlined_string_tables_give_what_the_original_gives() {
    let (_, original) = scan("original.js");
    let want = meaning(&original);
    assert!(
        want.iter()
            .any(|(r, s, _)| *r == Rule::CovertLookAlike && *s == Severity::Critical),
        "{want:?}"
    );
    for name in [
        "string-array-none.js",
        "string-array-base64.js",
        "string-array-rc4.js",
        "string-array-base64-wrappers.js",
        "string-array-rc4-chained-wrappers.js",
        "string-array-calls-transform.js",
        "heavy-flattened-split-rc4.js",
        "string-array-mixed-encodings.js",
        "string-array-calls-transform-wrappers.js",
        "split-strings-chunk1.js",
    ] {
        let (src, found) = scan(name);
        let tables: Vec<_> = found
            .iter()
            .filter(|f| f.rule == Rule::StringTable)
            .collect();
        assert_eq!(tables.len(), 1, "{name}: {found:#?}");
        assert!(
            tables[0].message.ends_with("decoded and inlined")
                && tables[0]
                    .notes
                    .iter()
                    .any(|n| n.contains("to satisfy its checksum"))
                // With one-letter split strings the table holds only the
                // checksum's numbers; the URL is a `+` chain of literals.
                && (name.starts_with("split-strings")
                    || tables[0]
                        .decoded
                        .as_deref()
                        .is_some_and(|d| d.contains("https://api.anthropic.com"))),
            "{name}: {:?}",
            tables[0]
        );
        let got = meaning(&found);
        // A list the obfuscator hid in the table is graded as hidden (PS305
        // high), where the original wrote it out (medium): the same finding,
        // at least as severe; a list split into one-letter strings is called
        // hidden in the message too.
        let missing: Vec<_> = want
            .iter()
            .filter(|m| m.0 != Rule::HardcodedEndpoint && !got.contains(m))
            .filter(|(rule, sev, msg)| {
                *rule != Rule::EnvTargeting
                    || !got.iter().any(|(r, s, m)| {
                        r == rule
                            && s >= sev
                            && (m == msg || m.replace("a hidden list", "a list") == *msg)
                    })
            })
            .collect();
        assert!(missing.is_empty(), "{name}: missing {missing:#?}");
        // Positions point into the obfuscated file: the environment read is
        // reported where `process[…]` is written.
        let read = found.iter().find(|f| f.rule == Rule::EnvEndpoint).unwrap();
        let at = read.location.start.offset as usize;
        assert!(
            src[at..].starts_with("process"),
            "{name}: {}",
            &src[at..at + 40]
        );
        assert!(
            read.notes.iter().any(|n| n.contains("after inlining")),
            "{name}: {:?}",
            read.notes
        );
    }
}

#[test]
fn a_string_array_with_plain_indexing_is_not_a_table() {
    let src = r#"
        const MESSAGES = ["Saving…", "Done", "Failed", "Retrying"];
        function label(i) { return MESSAGES[i]; }
        function table() { const rows = ["id", "name", "size"]; return rows; }
        function column(i) { return table()[i]; }
        console.log(label(1), column(2));
    "#;
    let out = scan_source("catalogue.js", &[], src, &ScanOptions::default());
    assert!(
        out.findings.iter().all(|f| f.rule != Rule::StringTable),
        "{:#?}",
        out.findings
    );
}
