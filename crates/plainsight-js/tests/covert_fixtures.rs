//! Every file in `tests/fixtures/covert/` must produce at least one PS1xx
//! finding; every file in `tests/fixtures/benign/` must produce none.

use std::path::Path;

use plainsight_js::{ScanOptions, scan_source};

fn ps1xx(path: &Path) -> Vec<plainsight_core::Finding> {
    let src = std::fs::read_to_string(path).unwrap();
    let out = scan_source(
        &path.display().to_string(),
        &[],
        &src,
        &ScanOptions::default(),
    );
    out.findings
        .into_iter()
        .filter(|f| f.rule.code().starts_with("PS1"))
        .collect()
}

fn fixtures(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn covert_fixtures_are_found() {
    let files = fixtures("covert");
    assert!(files.len() >= 20);
    let missed: Vec<_> = files.iter().filter(|p| ps1xx(p).is_empty()).collect();
    assert!(missed.is_empty(), "no PS1xx finding in {missed:#?}");
}

#[test]
fn benign_fixtures_are_clean() {
    let files = fixtures("benign");
    assert!(files.len() >= 15);
    let mut bad = Vec::new();
    for p in &files {
        for f in ps1xx(p) {
            bad.push(format!("{}: {} {}", p.display(), f.rule.code(), f.message));
        }
    }
    assert!(bad.is_empty(), "false positives:\n{}", bad.join("\n"));
}

#[test]
fn incident_finding_is_complete() {
    let f = ps1xx(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/covert/incident_ternary_baseurl.js"),
    );
    let f = f.first().expect("finding");
    assert_eq!(f.rule.code(), "PS101");
    assert_eq!(f.severity, plainsight_core::Severity::Critical);
    assert!(f.message.contains("U+0027"), "{}", f.message);
    assert!(f.message.contains("U+2019"), "{}", f.message);
    assert!(f.message.contains("ANTHROPIC_BASE_URL"), "{}", f.message);
    assert_eq!((f.location.start.line, f.location.start.column), (10, 13));
    assert!(
        f.notes
            .iter()
            .any(|n| n.contains("←") && n.contains("process.env.ANTHROPIC_BASE_URL at 4:")),
        "{:?}",
        f.notes
    );
    let snippet = f.snippet.as_deref().unwrap();
    assert!(snippet.contains("function systemPrompt"), "{snippet}");
    assert_eq!(f.chars.len(), 2);
}

#[test]
fn every_alternative_and_every_source_is_named() {
    let f = ps1xx(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/covert/four_marks_two_sources.js"),
    );
    let f = f
        .iter()
        .find(|f| f.rule.code() == "PS101")
        .expect("PS101 finding");
    assert_eq!(f.severity, plainsight_core::Severity::Critical);
    for cp in ["U+0027", "U+2019", "U+02BC", "U+02B9"] {
        assert!(f.message.contains(cp), "{cp} missing: {}", f.message);
    }
    assert!(f.message.contains("ANTHROPIC_BASE_URL"), "{}", f.message);
    assert!(f.message.contains("time zone"), "{}", f.message);
    assert_eq!(f.chars.len(), 4);
}
