//! "Quiet on clean traffic", measured on what real agents send
//! (`tests/data/captures/`, see its README): the default policy raises no
//! alert on any clean request of Claude Code, Codex, Gemini CLI or opencode,
//! and alerts on Claude Code's marked one; drift detection, having seen the
//! clean request, names the marked one's changed line.

use std::path::PathBuf;

use plainsight_core::Severity;
use plainsight_guard::Policy;
use plainsight_guard::drift::{DriftModel, Observation};
use plainsight_inspect::{InputFormat, InspectOptions};

struct Captured {
    file: String,
    agent: String,
    uid: String,
    api: Option<String>,
    body: Vec<u8>,
}

fn captures() -> Vec<Captured> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            // What the agent sent, and nothing of the capture script (whose
            // remaining lines once reached the agents' standard input).
            assert!(
                !line.contains("kill -TERM $guard") && !line.contains("wait $guard"),
                "{name}: capture script text in a captured request"
            );
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            out.push(Captured {
                file: name.clone(),
                agent: v["agent"].as_str().unwrap_or("").to_owned(),
                uid: v["uid"].as_str().unwrap().to_owned(),
                api: v["api"].as_str().map(str::to_owned),
                body: v["request_body"].as_str().unwrap_or("").as_bytes().to_vec(),
            });
        }
    }
    assert!(out.len() >= 8, "captures present");
    out
}

fn opts() -> InspectOptions {
    InspectOptions {
        format: InputFormat::Json,
        ..InspectOptions::default()
    }
}

fn prompt_requests() -> Vec<Captured> {
    captures()
        .into_iter()
        .filter(|c| !c.body.is_empty() && c.api.is_some())
        .collect()
}

#[test]
fn default_policy_is_quiet_on_clean_agents_and_alerts_on_the_marker() {
    let policy = Policy::default();
    let mut agents = std::collections::BTreeSet::new();
    for c in prompt_requests() {
        let findings = plainsight_inspect::inspect("request", &c.body, &opts()).unwrap();
        let verdict = policy.judge(&findings);
        let by_sev = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        eprintln!(
            "{} {}: {} bytes, findings high {} medium {} low {}, alerts {}",
            c.file,
            c.api.as_deref().unwrap_or(""),
            c.body.len(),
            by_sev(Severity::High),
            by_sev(Severity::Medium),
            by_sev(Severity::Low),
            verdict.alerts.len()
        );
        if c.file.contains("-clean") {
            agents.insert(c.file.split('-').next().unwrap().to_owned());
            assert!(
                verdict.alerts.is_empty(),
                "{}: clean request alerts: {:?}",
                c.file,
                verdict
                    .alerts
                    .iter()
                    .map(|&i| &findings[i].message)
                    .collect::<Vec<_>>()
            );
        } else if c.api.as_deref() == Some("anthropic.messages") {
            assert!(!verdict.alerts.is_empty(), "{}: the marker alerts", c.file);
            assert!(
                verdict
                    .alerts
                    .iter()
                    .any(|&i| findings[i].chars.iter().any(|n| n.codepoint == "U+02B9"))
            );
        }
    }
    // Every agent family is represented.
    for a in ["claude", "codex", "gemini", "opencode"] {
        assert!(agents.contains(a), "{a} captured: {agents:?}");
    }
}

fn strings(body: &[u8]) -> Vec<(String, String)> {
    let doc = plainsight_inspect::document::load("request", body, &opts()).unwrap();
    doc.segments
        .iter()
        .filter(|s| s.kind == plainsight_inspect::json::StringKind::Value)
        .map(|s| (s.part().unwrap_or_default(), s.text.to_string()))
        .collect()
}

#[test]
fn drift_names_the_day_the_marker_appears() {
    let reqs = prompt_requests();
    let mut model = DriftModel::new(1_000_000);
    let mut observe = |c: &Captured| {
        model
            .observe(&Observation {
                agent: &c.agent,
                exchange: &c.uid,
                at_us: 1,
                guard: "calibration",
                strings: &strings(&c.body),
            })
            .0
    };
    // Every clean capture, twice (an A/A run): no drift.
    for _ in 0..2 {
        for c in reqs.iter().filter(|c| c.file.contains("-clean")) {
            let f = observe(c);
            assert!(f.is_empty(), "{}: {:?}", c.file, f[0].message);
        }
    }
    let marked = reqs
        .iter()
        .find(|c| c.file.contains("-marked") && c.api.as_deref() == Some("anthropic.messages"))
        .unwrap();
    let f = observe(marked);
    assert_eq!(
        f.len(),
        1,
        "{:?}",
        f.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    let msg = &f[0].message;
    assert!(msg.contains("U+02B9 MODIFIER LETTER PRIME"), "{msg}");
    assert!(msg.contains("`-` → `/`"), "{msg}");
    let ex = f[0].excerpt.as_ref().unwrap();
    assert!(
        ex.text.starts_with("Today\u{2b9}s date is 2026/11/28"),
        "{}",
        ex.text
    );
}

/// What the request path reads from inspection's strings instead of parsing
/// the body again: the model name (`request_meta` parsed it with serde) and
/// the prompt handed to drift detection (strings borrowed from the body are
/// kept as ranges of it) — the same as before, on every captured request.
#[test]
fn model_and_prompt_from_inspection_match_a_separate_decode() {
    let mut models = 0;
    let (mut in_body, mut kept) = (0, 0);
    for c in captures() {
        if c.body.is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&c.body).unwrap();
        let body = bytes::Bytes::from(c.body.clone());
        let j = plainsight_guard::proxy::judge_body(
            &body,
            &Policy::default(),
            &opts(),
            &http::Method::POST,
            "/",
        );
        assert!(j.inspected, "{} {}", c.file, c.uid);
        let route = plainsight_providers::recognise("POST", "/v1/messages", None).unwrap();
        let meta = plainsight_providers::request_meta(&route, &c.body);
        assert_eq!(j.model, meta.model, "{} {}", c.file, c.uid);
        assert_eq!(j.model.as_deref(), v["model"].as_str());
        models += usize::from(j.model.is_some());
        // Reference: every value string of 12 bytes or more, decoded run by run.
        let reference: Vec<(String, String)> = plainsight_inspect::json::scan_all_run_by_run(
            &c.body,
            0,
            &plainsight_inspect::json::ScanOptions::default(),
        )
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == plainsight_inspect::json::StringKind::Value && s.text.len() >= 12)
        .map(|s| {
            (
                plainsight_inspect::path::part_name(&s.path.to_vec()).unwrap_or_default(),
                s.text.into_owned(),
            )
        })
        .collect();
        assert!(!reference.is_empty());
        // Strings without escapes are kept as ranges of the body.
        assert!(j.prompt.in_body() <= j.prompt.len());
        in_body += j.prompt.in_body();
        kept += j.prompt.len();
        assert_eq!(
            plainsight_guard::recorder::with_parts(j.prompt),
            reference,
            "{} {}",
            c.file,
            c.uid
        );
    }
    assert!(models >= 5, "{models} captured requests name a model");
    assert!(
        in_body * 2 > kept,
        "only {in_body} of {kept} prompt strings kept as ranges of the body"
    );
}
