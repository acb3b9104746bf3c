//! The request-body path on mutated inputs, on stable (the cargo-fuzz
//! target `fuzz/fuzz_targets/guard_request.rs` does the same under
//! libFuzzer): truncations, bit flips, spliced look-alikes, invisibles and
//! structure, from small real request bodies. No panic; JSON stays JSON
//! through normalisation and redaction; the drift model takes anything.

use bytes::Bytes;
use plainsight_guard::drift::{DriftModel, Observation};
use plainsight_guard::proxy::judge_body;
use plainsight_guard::recorder::prompt_strings;
use plainsight_guard::{Mode, Policy};
use plainsight_inspect::{InputFormat, InspectOptions};
use plainsight_store::{NewExchange, Redactor};

fn seeds() -> Vec<Vec<u8>> {
    let mut out = vec![
        br#"{"model":"m","stream":true,"system":"It's fine. Don't. It's ok.","messages":[{"role":"user","content":[{"type":"text","text":"Today\u02b9s date is 2026/11/28.\nkey sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123"},{"type":"thinking","thinking":"It\u02b9s","signature":"s"}]}]}"#.to_vec(),
        br#"{"contents":[{"role":"user","parts":[{"text":"Hi\u200b there, it's me. It's you. It's us."}]}]}"#.to_vec(),
        br#"[1,2,{"a":"-----BEGIN PRIVATE KEY-----\nMIIE"}]"#.to_vec(),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures");
    for f in [
        "gemini-cli-0.61.0-clean.jsonl",
        "opencode-1.18.33-clean.jsonl",
    ] {
        for line in std::fs::read_to_string(dir.join(f)).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let b = v["request_body"].as_str().unwrap_or("");
            if !b.is_empty() && b.len() < 5_000 {
                out.push(b.as_bytes().to_vec());
            }
        }
    }
    out
}

const INSERTS: &[&str] = &[
    "\u{2b9}",
    "\u{2019}",
    "\u{200b}",
    "\u{e0041}",
    "\u{202e}",
    "\u{a0}",
    "\u{fe0f}",
    "\"",
    "\\",
    "\\u02b9",
    "\\ud800",
    "{",
    "]",
    "\n",
    "sk-ant-api03-XXXXXXXXXXXXXXXXXXXXXXXX1",
    "://u:p@h",
];

fn mutate(seed: &[u8], r: &mut fastrand::Rng) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..=r.usize(..3) {
        let at = r.usize(..=b.len());
        match r.usize(..5) {
            0 => b.truncate(at),
            1 if !b.is_empty() => {
                let i = r.usize(..b.len().max(1));
                b[i] ^= 1 << r.usize(..8);
            }
            2 => {
                let ins = INSERTS[r.usize(..INSERTS.len())].as_bytes();
                b.splice(at..at, ins.iter().copied());
            }
            3 if at < b.len() => {
                let end = (at + r.usize(..64)).min(b.len());
                let dup = b[at..end].to_vec();
                b.splice(at..at, dup);
            }
            _ => {
                let end = (at + r.usize(..16)).min(b.len());
                b.drain(at..end);
            }
        }
    }
    b
}

#[test]
fn mutated_request_bodies_never_panic_and_stay_json() {
    let opts = InspectOptions {
        format: InputFormat::Json,
        ..InspectOptions::default()
    };
    let red = Redactor::new(b"k");
    let mut model = DriftModel::new(10_000);
    let mut r = fastrand::Rng::with_seed(0x9e37_79b9_7f4a_7c15);
    let seeds = seeds();
    let mut normalized = 0;
    for i in 0..1_500 {
        let seed = &seeds[i % seeds.len()];
        let data = mutate(seed, &mut r);
        let was_json = serde_json::from_slice::<serde_json::Value>(&data).is_ok();
        let body = Bytes::from(data.clone());
        for mode in [Mode::Normalize, Mode::Block] {
            let policy = Policy {
                mode,
                alert_at: plainsight_core::Severity::Low,
                ..Policy::default()
            };
            let j = judge_body(&body, &policy, &opts, &http::Method::POST, "/v1/messages");
            if let Some(out) = &j.forward {
                normalized += 1;
                if was_json {
                    assert!(
                        serde_json::from_slice::<serde_json::Value>(out).is_ok(),
                        "normalised JSON broke: {}",
                        String::from_utf8_lossy(&data)
                    );
                }
            }
        }
        let sealed = red.seal_exchange(NewExchange {
            request_body: data.clone().into(),
            ..NewExchange::default()
        });
        if was_json {
            assert!(
                serde_json::from_slice::<serde_json::Value>(&sealed.get().request_body).is_ok(),
                "redaction broke JSON: {}",
                String::from_utf8_lossy(&data)
            );
        }
        let strings = prompt_strings(&data);
        let _ = model.observe(&Observation {
            agent: "mut/1",
            exchange: &i.to_string(),
            at_us: i as i64,
            guard: "g",
            strings: &strings,
        });
    }
    assert!(
        normalized > 50,
        "the normalize path was exercised ({normalized})"
    );
}
