//! The JSON scanner's fast string path (find the closing quote, validate the
//! content once, borrow strings without escapes) against the run-by-run
//! decoder it falls back to: the same strings — text, raw span, offset map,
//! path, kind, lone surrogates — or the same error, on real agent captures,
//! on synthetic bodies carrying every kind of marker and escape, and on
//! thousands of mutations of both, strict and lossy.

use std::borrow::Cow;
use std::path::Path;

use plainsight_inspect::json::{ScanOptions, scan_all, scan_all_run_by_run};

fn options() -> [ScanOptions; 2] {
    [
        ScanOptions::default(),
        ScanOptions {
            lossy: true,
            ..ScanOptions::default()
        },
    ]
}

/// Both decoders on `bytes`; returns how many strings the fast path borrowed.
fn same(bytes: &[u8], what: &str) -> usize {
    let mut borrowed = 0;
    for opts in options() {
        let fast = scan_all(bytes, 7, &opts);
        let reference = scan_all_run_by_run(bytes, 7, &opts);
        assert_eq!(fast, reference, "{what} (lossy: {})", opts.lossy);
        if let Ok(v) = &fast {
            borrowed += v
                .iter()
                .filter(|s| matches!(s.text, Cow::Borrowed(_)))
                .count();
        }
    }
    borrowed
}

/// The request bodies of the calibration captures (real Claude Code, Codex,
/// Gemini CLI and opencode traffic), and each capture line itself.
fn captures() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plainsight-guard/tests/data/captures");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the captures directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "captures missing in {}", dir.display());
    for f in files {
        let text = std::fs::read_to_string(&f).expect("capture");
        for (n, line) in text.lines().enumerate() {
            let name = format!("{}:{}", f.display(), n + 1);
            let v: serde_json::Value = serde_json::from_str(line).expect("capture line");
            if let Some(body) = v["request_body"].as_str().filter(|b| !b.is_empty()) {
                out.push((format!("{name} request_body"), body.as_bytes().to_vec()));
            }
            out.push((name, line.as_bytes().to_vec()));
        }
    }
    out
}

/// Bodies built to hit every branch: look-alike apostrophes written raw and
/// as `\u` escapes, surrogate pairs, lone surrogates, every short escape,
/// invisibles, escapes at the very start and end, keys with escapes.
fn synthetic() -> Vec<(String, Vec<u8>)> {
    let texts = [
        "Today\u{2b9}s date is 2026/11/28",
        "Today's date is 2026-11-28",
        "Today\\u02b9s date is 2026/11/28",
        "Today\\u2019s \\\"date\\\" \\ud83d\\ude00!",
        "lone \\ud800 and \\udc00 and \\ud800\\u0041",
        "\\n\\t\\r\\b\\f\\/\\\\\\\"",
        "\\u0000",
        "zero\u{200b}width\u{2060}joiner \u{e0041}\u{e0042}",
        "caf\u{e9} \u{2019} \u{fe0f} \u{202e}rtl\u{202c}",
        "ends with escape\\n",
        "\\nstarts with escape",
        "",
        "plain ascii, long enough to be read by drift detection",
    ];
    let mut out = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let body = format!(
            "{{\"model\":\"m\",\"system\":[{{\"type\":\"text\",\"text\":\"{t}\"}}],\
             \"messages\":[{{\"role\":\"user\",\"content\":\"{t}\"}}],\"k\\u00e9y{i}\":\"{t}\"}}"
        );
        out.push((format!("synthetic {i}"), body.into_bytes()));
    }
    out
}

#[test]
fn fast_path_matches_run_by_run_on_real_and_synthetic_bodies() {
    let mut borrowed = 0;
    for (name, bytes) in captures().into_iter().chain(synthetic()) {
        borrowed += same(&bytes, &name);
    }
    assert!(
        borrowed > 1000,
        "the fast path borrowed only {borrowed} strings"
    );
}

#[test]
fn broken_strings_give_the_same_errors() {
    let cases: [&[u8]; 14] = [
        b"[\"unterminated",
        b"[\"unterminated \\",
        b"[\"bad escape \\x\"]",
        b"[\"bad \\u12\"]",
        b"[\"bad \\u12\"4\"]",
        b"[\"raw\ncontrol\"]",
        b"[\"ctl after escape \\n \x01\"]",
        b"[\"escape \\q then ctl \x01\"]",
        b"[\"invalid \xff utf8\"]",
        b"[\"invalid \xff then \\n escape\"]",
        b"[\"truncated \xe2\x80\"]",
        b"[\"escape \\n then invalid \xc3\"]",
        b"[\"\\ud800\\u\"]",
        b"{\"k\xff\": \"v\"}",
    ];
    for c in cases {
        same(c, &String::from_utf8_lossy(c));
    }
}

#[test]
fn mutated_bodies_give_the_same_strings_or_errors() {
    // Bytes that change how a string scans.
    const INTERESTING: &[u8] = b"\"\\u0dDn\x00\x01\x1f\x7f\x80\xbf\xc3\xe2\xed\xf0\xff ";
    let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
    let mut seeds: Vec<Vec<u8>> = synthetic().into_iter().map(|(_, b)| b).collect();
    // Captures are large: a few windows of each keep the test quick.
    for (_, b) in captures()
        .into_iter()
        .filter(|(n, _)| n.ends_with("request_body"))
    {
        for w in 0..3 {
            let at = (b.len() / 3) * w;
            seeds.push(b[at..(at + 4096).min(b.len())].to_vec());
        }
    }
    let mut cases = 0;
    for seed in &seeds {
        for _ in 0..40 {
            let mut m = seed.clone();
            for _ in 0..=rng.usize(..4) {
                if m.is_empty() {
                    break;
                }
                let at = rng.usize(..m.len());
                let b = INTERESTING[rng.usize(..INTERESTING.len())];
                match rng.usize(..3) {
                    0 => m[at] = b,
                    1 => m.insert(at, b),
                    _ => {
                        m.remove(at);
                    }
                }
            }
            // A window of a body is rarely a whole document: wrap it in a
            // string too, so the mutation lands inside one.
            let wrapped = [b"[\"".as_slice(), &m, b"\"]"].concat();
            same(&m, &format!("mutant of {} bytes", m.len()));
            same(&wrapped, "wrapped mutant");
            cases += 2;
        }
    }
    assert!(cases > 1000);
}
