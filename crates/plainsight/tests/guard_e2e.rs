//! `plainsight guard` and `plainsight audit` as a user runs them: the real
//! binary in front of a loopback mock provider, real HTTP clients, the
//! store on disk — including `kill -9` under load.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use plainsight_guard::mock::{MockConfig, MockProvider};
use plainsight_store::{Filter, OpenMode, StoreUrl};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the guard binary and waits until it listens.
fn start_guard(store: &Path, upstream: &str, extra: &[&str]) -> (Child, u16) {
    let port = free_port();
    let mut child = Command::cargo_bin("plainsight")
        .unwrap()
        .args([
            "guard",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--upstream",
            upstream,
            "--store",
            &format!("sqlite:{}", store.display()),
            "--name",
            "e2e",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100))
            && l.contains("listening on")
        {
            break;
        }
        assert!(Instant::now() < deadline, "guard did not start");
    }
    (child, port)
}

fn body(marker: &str) -> String {
    format!(
        r#"{{"model":"m","stream":true,"messages":[{{"role":"user","content":"request {marker}: {}"}}]}}"#,
        "It's a padded prompt line. ".repeat(40)
    )
}

#[test]
fn kill_9_under_load_loses_no_forwarded_request() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt
        .block_on(MockProvider::start(0, MockConfig::default()))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("audit.sqlite3");
    let (mut guard, port) = start_guard(&store, &mock.url(), &[]);

    let stop = Arc::new(AtomicBool::new(false));
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let stop = stop.clone();
            let client = client.clone();
            rt.spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) && i < 5_000 {
                    let marker = format!("m{t}x{i}");
                    let req = http::Request::post(format!("http://127.0.0.1:{port}/v1/messages"))
                        .header("anthropic-version", "2023-06-01")
                        .body(Full::new(Bytes::from(body(&marker))))
                        .unwrap();
                    match client.request(req).await {
                        Ok(r) => {
                            let _ = r.into_body().collect().await;
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                    }
                    i += 1;
                }
            })
        })
        .collect();
    // Let load build up, then kill -9 in the middle of it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while mock.count() < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    guard.kill().unwrap(); // SIGKILL
    guard.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async {
        for t in tasks {
            let _ = t.await;
        }
    });

    let forwarded: Vec<String> = mock
        .requests()
        .iter()
        .filter_map(|r| {
            let s = r.body_text.as_str();
            let at = s.find("request m")? + "request ".len();
            Some(s[at..].split(':').next()?.to_owned())
        })
        .collect();
    assert!(
        forwarded.len() >= 300,
        "load reached the mock ({})",
        forwarded.len()
    );
    // Rows still in the killed guard's journal (perhaps ingested already): opening the
    // store replays them (the count is what this run exercised).
    let pending: usize = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("-pending-"))
        .map(|e| plainsight_store::journal::read_records(&std::fs::read(e.path()).unwrap()).len())
        .sum();
    let mut s = plainsight_store::open(&StoreUrl::Sqlite(store.clone()), OpenMode::Read).unwrap();
    let rows = s.list(&Filter::default()).unwrap();
    let stored: std::collections::HashSet<String> = rows
        .iter()
        .filter_map(|x| {
            let b = String::from_utf8_lossy(&x.request.request_body).into_owned();
            let at = b.find("request m")? + "request ".len();
            Some(b[at..].split(':').next()?.to_owned())
        })
        .collect();
    let lost: Vec<&String> = forwarded.iter().filter(|m| !stored.contains(*m)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} forwarded requests have no row after kill -9: {:?}",
        lost.len(),
        forwarded.len(),
        &lost[..lost.len().min(10)]
    );
    eprintln!(
        "kill -9: {} requests forwarded, {} rows ({pending} still in the journal \
         at the kill), {} without outcome",
        forwarded.len(),
        rows.len(),
        rows.iter().filter(|x| x.outcome.is_none()).count()
    );
    drop(s);

    // A restart finds every row and goes on.
    let before = rows.len();
    let (mut guard, port) = start_guard(&store, &mock.url(), &[]);
    let status = rt.block_on(async {
        let req = http::Request::post(format!("http://127.0.0.1:{port}/v1/messages"))
            .header("anthropic-version", "2023-06-01")
            .body(Full::new(Bytes::from(body("after"))))
            .unwrap();
        client.request(req).await.unwrap().status()
    });
    assert_eq!(status, 200);
    let _ = Command::new("kill")
        .args(["-TERM", &guard.id().to_string()])
        .status();
    guard.wait().unwrap();
    let mut s = plainsight_store::open(&StoreUrl::Sqlite(store), OpenMode::Read).unwrap();
    assert_eq!(s.count().unwrap() as usize, before + 1);
}

#[test]
fn audit_lists_shows_diffs_and_exports_what_the_guard_saw() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt
        .block_on(MockProvider::start(0, MockConfig::default()))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("audit.sqlite3");
    let (mut guard, port) = start_guard(&store, &mock.url(), &["--policy", "block"]);
    let send = |line: &str| {
        let body = format!(
            r#"{{"model":"m","messages":[{{"role":"user","content":"<system-reminder>\n{line}\nAlways answer in English, please.\n</system-reminder>"}}]}}"#
        );
        rt.block_on(async {
            let client: Client<HttpConnector, Full<Bytes>> =
                Client::builder(TokioExecutor::new()).build(HttpConnector::new());
            let req = http::Request::post(format!("http://127.0.0.1:{port}/v1/messages"))
                .header("anthropic-version", "2023-06-01")
                .header("user-agent", "claude-cli/2.1.91 (external, cli)")
                .header("x-api-key", "sk-ant-api03-e2eKeyThatMustNotBeLogged000")
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            let resp = client.request(req).await.unwrap();
            let status = resp.status().as_u16();
            // Read to the end, as an agent does: the exchange ends then.
            let _ = resp.into_body().collect().await;
            status
        })
    };
    assert_eq!(send("Today's date is 2026-11-27."), 200);
    // Drift learns forms in the order exchanges *end* (it reads the
    // exchange's outcome too). The client has the whole answer before the
    // guard's side of the exchange is done, so a second request sent at
    // once could, on a busy machine, end first and become "the earlier
    // form" (seen once under load 15: PS620 then sat on exchange 1). Wait
    // until the first exchange's outcome is stored — written after drift
    // has seen it.
    let url = StoreUrl::Sqlite(store.clone());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !plainsight_store::open(&url, OpenMode::Read)
        .and_then(|mut s| s.list(&Filter::default()))
        .is_ok_and(|rows| rows.iter().any(|x| x.outcome.is_some()))
    {
        assert!(
            Instant::now() < deadline,
            "the first exchange's outcome was never stored"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(send("Today\\u02b9s date is 2026/11/28."), 400, "blocked");
    let _ = Command::new("kill")
        .args(["-TERM", &guard.id().to_string()])
        .status();
    guard.wait().unwrap();
    let store_arg = format!("sqlite:{}", store.display());
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("plainsight")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };

    let (code, out, err) = run(&["audit", "list", "--store", &store_arg, "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["action"], "forwarded");
    assert_eq!(all[1]["action"], "blocked");
    assert!(!out.contains("e2eKeyThatMustNotBeLogged"));
    let codes: Vec<&str> = all[1]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"PS505"), "{codes:?}");
    // Drift is on the outcome of the second exchange.
    let drift = all[1]["outcome"]["findings"].as_array().unwrap();
    assert!(drift.iter().any(|f| f["rule"] == "PS620"), "{drift:?}");

    let (_, out, _) = run(&["audit", "list", "--store", &store_arg, "--finding", "PS620"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("#2 "));
    let (_, out, _) = run(&[
        "audit",
        "list",
        "--store",
        &store_arg,
        "--action",
        "forwarded",
    ]);
    assert!(out.starts_with("#1 "));

    let (code, out, err) = run(&[
        "audit", "show", "2", "--store", &store_arg, "--color", "never",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("⟨U+02B9 MODIFIER LETTER PRIME⟩"), "{out}");
    assert!(out.contains("PS620"));
    assert!(out.contains("[REDACTED:header-x-api-key:"));

    let (code, out, err) = run(&["audit", "diff", "1", "2", "--store", &store_arg]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("IMPERCEPTIBLE"), "{out}");
    assert!(out.contains("U+02B9"), "{out}");

    let (code, out, err) = run(&["audit", "export", "--store", &store_arg, "--format", "har"]);
    assert_eq!(code, Some(0), "{err}");
    let har = dir.path().join("export.har");
    std::fs::write(&har, &out).unwrap();
    // The export is a HAR that inspect reads: the marker is found again.
    let (code, out, _) = run(&["inspect", har.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("PS505"));

    let (_, out, _) = run(&[
        "audit", "export", "--store", &store_arg, "--format", "jsonl",
    ]);
    assert_eq!(out.lines().count(), 2);

    let (code, _, err) = run(&["audit", "show", "99", "--store", &store_arg]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no exchange #99"), "{err}");
    let (code, _, err) = run(&["audit", "list", "--store", "sqlite:/nonexistent/x.db"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("/nonexistent/x.db"), "{err}");
    let (code, _, err) = run(&[
        "audit",
        "list",
        "--store",
        &store_arg,
        "--since",
        "last tuesday",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--since"), "{err}");
}

#[test]
fn guard_refuses_to_start_without_upstream_or_with_bad_flags() {
    let out = Command::cargo_bin("plainsight")
        .unwrap()
        .args(["guard", "--store", "sqlite:/tmp/unused.sqlite3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--upstream"));
    let out = Command::cargo_bin("plainsight")
        .unwrap()
        .args([
            "guard",
            "--upstream",
            "ftp://x",
            "--store",
            "sqlite:/tmp/unused.sqlite3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ftp://x"));
}
