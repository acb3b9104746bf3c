//! `plainsight serve` end to end: the real binary on loopback, a real
//! SQLite store written through the store's sealed write path, and a real
//! headless Chromium driving the pages (skipped, saying why, when Chromium
//! is not installed). Plus access control over plain HTTP and the
//! self-contained `--format html` report.

mod browser;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use browser::Browser;
use plainsight_core::matrix::{CapturedRequest, Cell, CellStatus, Change, Dimension, ProbeMatrix};
use plainsight_store::{OpenMode, StoreUrl};
use plainsight_web::sample;
use serde_json::json;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("plainsight")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A running `plainsight serve`; killed on drop.
struct Server {
    child: Child,
    /// As printed: `http://127.0.0.1:PORT/` (with `?token=…` when set).
    url: String,
    /// `http://127.0.0.1:PORT`
    origin: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        Server::start_env(args, &[])
    }

    fn start_env(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(bin());
        cmd.arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env_remove("PLAINSIGHT_SERVE_TOKEN");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start plainsight serve");
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in `{line}`"))
            .to_owned();
        let origin = url
            .trim_end_matches('/')
            .split("/?")
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        let origin = origin
            .split('?')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        Server { child, url, origin }
    }

    fn port(&self) -> u16 {
        self.origin.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 GET to 127.0.0.1:`port`: status, head, body.
fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        let _ = write!(req, "Host: 127.0.0.1:{port}\r\n");
    }
    for (k, v) in headers {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn sample_store(dir: &Path) -> (String, sample::SampleIds) {
    let path = dir.join("audit.sqlite3");
    let mut s = plainsight_store::open(&StoreUrl::Sqlite(path.clone()), OpenMode::Write).unwrap();
    let ids = sample::write(&mut *s).unwrap();
    (format!("sqlite:{}", path.display()), ids)
}

/// The browser; `None` (test skipped, said so) only when Chromium is not
/// installed. A Chromium that is there but fails is a test failure.
fn browser_or_skip() -> Option<Browser> {
    if browser::chromium().is_none() {
        eprintln!("skipped: chromium is not installed (apt-get install chromium; .ci/run does)");
        return None;
    }
    Some(Browser::start().unwrap_or_else(|e| panic!("chromium: {e}")))
}

/// JavaScript: is any hidden character in the page (text or attributes)?
const RAW_HIDDEN: &str = r"/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]|[\u{E0000}-\u{E007F}]/u.test(document.documentElement.outerHTML)";

fn network_free_errors(b: &Browser) -> Vec<String> {
    b.page_errors()
        .into_iter()
        .filter(|e| !e.contains("favicon") && !e.contains("Failed to load resource"))
        .collect()
}

#[test]
fn browser_audit_log_exchange_and_drift_view() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ids) = sample_store(dir.path());
    let server = Server::start(&["--store", &store, "--listen", "127.0.0.1:0"]);
    let Some(mut b) = browser_or_skip() else {
        return;
    };

    // The list: four exchanges, the look-alike's code point visible in its row.
    let resp = b.goto(&server.url).unwrap();
    let csp = resp["headers"]["content-security-policy"]
        .as_str()
        .or(resp["headers"]["Content-Security-Policy"].as_str())
        .unwrap_or_else(|| panic!("no CSP header: {resp}"));
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(b.eval("location.pathname").unwrap(), "/exchanges");
    assert_eq!(
        b.eval("document.querySelectorAll('#rows tr').length")
            .unwrap(),
        4
    );
    let row = format!(
        "document.querySelector('tr[data-id=\"{}\"] td.findings').textContent",
        ids.after
    );
    let cell = b.eval(&row).unwrap();
    assert!(cell.as_str().unwrap().contains("U+02B9"), "{cell}");
    assert_eq!(
        b.eval(RAW_HIDDEN).unwrap(),
        false,
        "raw hidden character in the list"
    );
    assert_eq!(b.eval("window.__pwned_ua === undefined").unwrap(), true);
    b.screenshot("list");

    // Open the hostile exchange by clicking its row's link.
    b.events.clear();
    b.eval(&format!(
        "document.querySelector('tr[data-id=\"{}\"] td.id a').click(); true",
        ids.hostile
    ))
    .unwrap();
    b.wait_event("Page.loadEventFired", Duration::from_secs(30))
        .unwrap();
    assert_eq!(
        b.eval("location.pathname").unwrap(),
        format!("/exchanges/{}", ids.hostile)
    );
    // Hidden characters as named badges.
    for (class, name) in [
        ("bidi", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("bidi", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("invisible", "U+200B ZERO WIDTH SPACE"),
        ("tag", "TAG LATIN CAPITAL LETTER I"),
    ] {
        let js = format!(
            "[...document.querySelectorAll('pre .cp.{class}')].some(e => e.textContent.includes('{name}'))"
        );
        assert_eq!(b.eval(&js).unwrap(), true, "no {class} badge for {name}");
    }
    // Inert: no script ran, no element came from the prompt, no raw bidi.
    assert_eq!(
        b.eval("[window.__pwned, window.__pwned_ua].every(v => v === undefined)")
            .unwrap(),
        true
    );
    assert_eq!(
        b.eval("document.querySelectorAll('main script, main img, main svg, main iframe, [onerror], [onload]').length").unwrap(),
        0
    );
    assert_eq!(
        b.eval("document.body.textContent.includes('<script>window.__pwned=1</script>')")
            .unwrap(),
        true,
        "the hostile markup is not shown as text"
    );
    assert_eq!(
        b.eval(RAW_HIDDEN).unwrap(),
        false,
        "raw hidden character in the detail page"
    );
    assert_eq!(
        b.eval(&format!(
            "document.documentElement.outerHTML.includes('{}')",
            sample::SECRET
        ))
        .unwrap(),
        false,
        "the redacted secret reached the page"
    );
    assert_eq!(
        b.eval("[...document.querySelectorAll('mark.redacted')].some(m => /\\[REDACTED:anthropic-key:[0-9a-f]{12}\\]/.test(m.textContent))").unwrap(),
        true,
        "no fingerprint badge"
    );
    let errors = network_free_errors(&b);
    assert!(errors.is_empty(), "page errors: {errors:?}");
    b.screenshot("hostile");

    // The drifted exchange: its finding beside the text, then the drift view.
    b.goto(&format!("{}/exchanges/{}", server.origin, ids.after))
        .unwrap();
    assert_eq!(
        b.eval("!!document.querySelector('pre mark.hit .cp.lookalike')")
            .unwrap(),
        true,
        "the finding's span is not marked in the prompt"
    );
    b.events.clear();
    b.eval(&format!(
        "document.querySelector('a[href=\"/compare?a={}&b={}\"]').click(); true",
        ids.before, ids.after
    ))
    .unwrap();
    b.wait_event("Page.loadEventFired", Duration::from_secs(30))
        .unwrap();
    assert_eq!(b.eval("location.pathname").unwrap(), "/compare");
    let marked = b
        .eval("[...document.querySelectorAll('td.r mark.ins.imperceptible')].map(m => m.textContent).join('|')")
        .unwrap();
    assert!(
        marked
            .as_str()
            .unwrap()
            .contains("U+02B9 MODIFIER LETTER PRIME"),
        "the swapped character is not marked: {marked}"
    );
    let left = b
        .eval("[...document.querySelectorAll('td.l mark.del.imperceptible')].map(m => m.textContent).join('|')")
        .unwrap();
    assert!(
        left.as_str().unwrap().contains('\''),
        "baseline side: {left}"
    );
    // The script: a button that walks the imperceptible differences.
    assert_eq!(
        b.eval("document.getElementById('next-diff').hidden")
            .unwrap(),
        false
    );
    b.eval("document.getElementById('next-diff').click(); true")
        .unwrap();
    assert_eq!(
        b.eval("!!document.querySelector('mark.imperceptible.current')")
            .unwrap(),
        true
    );
    let errors = network_free_errors(&b);
    assert!(errors.is_empty(), "page errors: {errors:?}");
    b.screenshot("compare");
}

#[test]
fn browser_live_rows_appear() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = sample_store(dir.path());
    let server = Server::start(&["--store", &store, "--listen", "127.0.0.1:0"]);
    let Some(mut b) = browser_or_skip() else {
        return;
    };
    b.goto(&server.url).unwrap();
    b.wait_for(
        "document.getElementById('live-status').classList.contains('connected')",
        Duration::from_secs(15),
    )
    .unwrap();
    // Another process (here: this test) writes an exchange into the store.
    let url = StoreUrl::parse(&store).unwrap();
    let mut s = plainsight_store::open(&url, OpenMode::Write).unwrap();
    let red = plainsight_store::redactor(&mut *s).unwrap();
    let x = sample::exchange(
        "live-1",
        sample::DAY2 + 600_000_000,
        "live-agent/9.9",
        sample::body("Today\u{2019}s date is 2026-11-28.", "hi"),
    );
    let id = s.begin(&[red.seal_exchange(x)]).unwrap()[0];
    b.wait_for(
        &format!("!!document.querySelector('#rows tr.new[data-id=\"{id}\"]')"),
        Duration::from_secs(20),
    )
    .unwrap();
    assert_eq!(
        b.eval("document.querySelector('#rows tr').dataset.id")
            .unwrap(),
        id.to_string(),
        "the new row is not at the top"
    );
    assert_eq!(
        b.eval("document.querySelectorAll('#rows tr').length")
            .unwrap(),
        5
    );
    let errors = network_free_errors(&b);
    assert!(errors.is_empty(), "page errors: {errors:?}");
}

/// A real scan report (v2 against v1) with a probe matrix added.
fn report_with_matrix(dir: &Path) -> PathBuf {
    let out = Command::new(bin())
        .current_dir(fixtures())
        .args([
            "scan",
            "scan/v2",
            "--baseline",
            "scan/v1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let base = "Today's date is 2026-11-27.";
    let prime = "Today\u{2B9}s date is 2026-11-27.";
    let body = |t: &str| json!({"system": [{"type": "text", "text": t}]}).to_string();
    let req = |t: &str| CapturedRequest {
        method: "POST".into(),
        url: "https://api.example.com/v1/messages?beta=true".into(),
        headers: vec![("user-agent".into(), "agent/2.0 \u{202E}kcab".into())],
        body: body(t),
        body_base64: false,
    };
    let matrix = ProbeMatrix {
        dimensions: vec![Dimension {
            name: "time zone".into(),
            baseline: "Etc/UTC".into(),
            values: vec![
                "Etc/UTC".into(),
                "Asia/Shanghai".into(),
                "Europe/Berlin".into(),
            ],
        }],
        cells: vec![
            Cell {
                label: "baseline".into(),
                requests: vec![req(base)],
                ..Cell::default()
            },
            Cell {
                label: "time zone = Asia/Shanghai".into(),
                settings: vec![("time zone".into(), "Asia/Shanghai".into())],
                requests: vec![req(prime)],
                changes: vec![Change {
                    request: 0,
                    pointer: "/body/system/0/text".into(),
                    part: Some("system[0].text".into()),
                    kind: "look-alike".into(),
                    baseline: base.into(),
                    baseline_span: (5, 6),
                    variant: prime.into(),
                    variant_span: (5, 7),
                }],
                ..Cell::default()
            },
            Cell {
                label: "time zone = Europe/Berlin".into(),
                settings: vec![("time zone".into(), "Europe/Berlin".into())],
                status: CellStatus::Ran,
                requests: vec![req(base)],
                ..Cell::default()
            },
        ],
    };
    report["matrix"] = serde_json::to_value(&matrix).unwrap();
    let path = dir.join("report.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
    path
}

#[test]
fn browser_report_matrix_and_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = report_with_matrix(dir.path());
    let server = Server::start(&[path.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    let Some(mut b) = browser_or_skip() else {
        return;
    };
    b.goto(&server.url).unwrap();
    assert_eq!(b.eval("location.pathname").unwrap(), "/report");
    // Findings grouped by rule, appeared since the baseline, decoded list shown.
    let groups = b
        .eval("[...document.querySelectorAll('.rule-group h3 code')].map(c => c.textContent)")
        .unwrap();
    for code in ["PS202", "PS305", "PS302"] {
        assert!(groups.to_string().contains(code), "{groups}");
    }
    assert_eq!(
        b.eval("document.querySelectorAll('article.state-appeared').length")
            .unwrap(),
        4
    );
    assert_eq!(
        b.eval("document.querySelectorAll('details.decoded li').length > 0")
            .unwrap(),
        true
    );
    b.screenshot("report");
    // The matrix: the time zone that triggers the variant stands out.
    b.goto(&format!("{}/matrix", server.origin)).unwrap();
    assert_eq!(
        b.eval("[...document.querySelectorAll('td.gcell.variant .value')].map(v => v.textContent).join()").unwrap(),
        "Asia/Shanghai"
    );
    b.screenshot("matrix");
    b.events.clear();
    b.eval("document.querySelector('td.gcell.variant a').click(); true")
        .unwrap();
    b.wait_event("Page.loadEventFired", Duration::from_secs(30))
        .unwrap();
    assert_eq!(b.eval("location.pathname").unwrap(), "/matrix/cells/1");
    let ins = b
        .eval("[...document.querySelectorAll('.changes mark.ins.imperceptible')].map(m => m.textContent).join('|')")
        .unwrap();
    assert!(ins.as_str().unwrap().contains("U+02B9"), "{ins}");
    assert_eq!(
        b.eval("[...document.querySelectorAll('.request .cp.bidi')].some(e => e.textContent.includes('U+202E'))").unwrap(),
        true
    );
    assert_eq!(b.eval(RAW_HIDDEN).unwrap(), false);
    let errors = network_free_errors(&b);
    assert!(errors.is_empty(), "page errors: {errors:?}");
    b.screenshot("cell");
}

#[test]
fn loopback_checks_the_host_header() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ids) = sample_store(dir.path());
    let server = Server::start(&["--store", &store, "--listen", "127.0.0.1:0"]);
    let port = server.port();
    let (status, head, body) = get(port, &format!("/exchanges/{}", ids.hostile), &[]);
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'none'"),
        "{head}"
    );
    assert!(head.contains("x-content-type-options: nosniff"));
    assert!(head.contains("cache-control: no-store"));
    assert!(!body.contains('\u{202E}'));
    // A page that rebound its name to 127.0.0.1 does not get the log.
    let (status, _, _) = get(port, "/exchanges", &[("Host", "evil.example:80")]);
    assert_eq!(status, 421);
    let (status, _, _) = get(
        port,
        "/exchanges",
        &[("Host", &format!("localhost:{port}"))],
    );
    assert_eq!(status, 200);
    // Unknown pages and ids: a page, not a crash.
    assert_eq!(get(port, "/exchanges/999999", &[]).0, 404);
    assert_eq!(get(port, "/exchanges/abc", &[]).0, 400);
    assert_eq!(get(port, "/exchanges?severity=bogus", &[]).0, 200);
    assert_eq!(get(port, "/report", &[]).0, 404);
}

#[test]
fn off_loopback_a_token_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = sample_store(dir.path());
    // Bound on every address (reached here over loopback only): a token is made up.
    let server = Server::start(&["--store", &store, "--listen", "0.0.0.0:0"]);
    let token = server
        .url
        .split("token=")
        .nth(1)
        .expect("a token in the URL")
        .to_owned();
    assert!(token.len() >= 32);
    let port = server.port();
    let (status, _, body) = get(port, "/exchanges", &[]);
    assert_eq!(status, 401, "{body}");
    assert_eq!(get(port, "/exchanges?token=wrong", &[]).0, 401);
    let (status, head, _) = get(port, &format!("/exchanges?agent=claude&token={token}"), &[]);
    assert_eq!(status, 303);
    assert!(head.contains("location: /exchanges?agent=claude"), "{head}");
    assert!(
        head.contains("httponly") && head.contains("samesite=strict"),
        "{head}"
    );
    let cookie = format!("plainsight_token_{port}={token}");
    assert_eq!(get(port, "/exchanges", &[("Cookie", &cookie)]).0, 200);
    let bearer = format!("Bearer {token}");
    assert_eq!(
        get(port, "/exchanges", &[("Authorization", &bearer)]).0,
        200
    );
    // A token from the environment, on loopback too.
    let t = "0123456789abcdef-given";
    let server = Server::start_env(
        &["--store", &store, "--listen", "127.0.0.1:0"],
        &[("PLAINSIGHT_SERVE_TOKEN", t)],
    );
    assert!(server.url.ends_with(&format!("token={t}")));
    assert_eq!(get(server.port(), "/exchanges", &[]).0, 401);
}

#[test]
fn serve_errors_name_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"findings\": [}").unwrap();
    let out = Command::new(bin())
        .args(["serve", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json:1:") && err.contains("not a plainsight JSON report"),
        "{err}"
    );
    let out = Command::new(bin())
        .args([
            "serve",
            "--store",
            &format!("sqlite:{}", dir.path().join("none.sqlite3").display()),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));
    let out = Command::new(bin())
        .args(["serve", "--listen", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn scan_format_html_is_self_contained() {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let out = Command::new(bin())
        .current_dir(fixtures())
        .args([
            "scan",
            "scan/v2",
            "--baseline",
            "scan/v1",
            "--format",
            "html",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<script"),
        "a static report carries no script"
    );
    assert!(!html.contains("<link"), "a static report loads nothing");
    // The inline style is allowed by its hash, and by nothing else.
    let css = html
        .split("<style>")
        .nth(1)
        .unwrap()
        .split("</style>")
        .next()
        .unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()));
    let meta = html
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .unwrap();
    let meta = meta.split('"').next().unwrap().replace("&#39;", "'");
    assert!(
        meta.starts_with(&format!("default-src 'none'; style-src 'sha256-{hash}';")),
        "CSP meta does not allow exactly the inline style: {meta}"
    );
    for code in ["PS202", "PS305"] {
        assert!(html.contains(code));
    }
    assert!(html.contains("state-appeared"));
    // In a browser, from a file: the style applies (its hash matches the
    // policy), nothing is blocked or loaded.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, &html).unwrap();
    let Some(mut b) = browser_or_skip() else {
        return;
    };
    b.goto(&format!("file://{}", file.display())).unwrap();
    assert_eq!(
        b.eval("getComputedStyle(document.querySelector('nav.top')).backgroundColor")
            .unwrap(),
        "rgb(17, 24, 39)",
        "the inline style did not apply"
    );
    let errors = b.page_errors();
    assert!(errors.is_empty(), "page errors: {errors:?}");
    b.screenshot("static-report");
}

/// A running `plainsight guard --ui`; killed on drop.
struct Guard {
    child: Child,
    /// The guard's own listener: `127.0.0.1:PORT`.
    port: u16,
    /// The web view, as printed.
    ui: String,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the real guard in front of `upstream`, writing `store`, with its
/// web view on a second listener (`--ui ui`).
fn start_guard_ui(store: &Path, upstream: &str, ui: &str) -> Guard {
    let port = free_port();
    let mut child = Command::new(bin())
        .args(["guard", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--upstream", upstream, "--name", "e2e", "--ui", ui])
        .arg("--store")
        .arg(format!("sqlite:{}", store.display()))
        .env_remove("PLAINSIGHT_SERVE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start plainsight guard");
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_mins(1);
    let mut seen = Vec::new();
    let ui = loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(l) if l.contains("web view on") => {
                break l
                    .split_whitespace()
                    .find(|w| w.starts_with("http://"))
                    .unwrap()
                    .to_owned();
            }
            Ok(l) => seen.push(l),
            Err(_) => {}
        }
        assert!(
            std::time::Instant::now() < deadline,
            "guard --ui did not start: {seen:?}"
        );
    };
    Guard { child, port, ui }
}

/// One Anthropic Messages request through the guard, as an agent sends it.
fn post_messages(port: u16, system: &str) -> u16 {
    let body = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "system": [{"type": "text", "text": system}],
        "messages": [{"role": "user", "content": "Summarise the repository layout."}],
    })
    .to_string();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!(
        "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: claude-cli/2.1.91 (external, cli)\r\nContent-Type: application/json\r\nanthropic-version: 2023-06-01\r\nx-api-key: sk-ant-api03-{}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        "Zq7".repeat(30),
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn browser_guard_ui_shows_what_the_real_guard_logged() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt
        .block_on(plainsight_guard::mock::MockProvider::start(
            0,
            plainsight_guard::mock::MockConfig::default(),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("audit.sqlite3");
    let guard = start_guard_ui(&store, &mock.url(), "127.0.0.1:0");
    assert!(guard.ui.starts_with("http://127.0.0.1:"), "{}", guard.ui);
    // One clean request, then the same agent with U+02B9 in "Today's".
    let clean = "You are a coding agent.\nToday's date is 2026-11-27.";
    let marked = "You are a coding agent.\nToday\u{2B9}s date is 2026-11-27.";
    assert_eq!(post_messages(guard.port, clean), 200);
    assert_eq!(post_messages(guard.port, marked), 200);
    assert_eq!(mock.requests().len(), 2, "both were forwarded");
    let origin = guard.ui.trim_end_matches('/').to_owned();
    let ui_port: u16 = origin.rsplit(':').next().unwrap().parse().unwrap();
    // The same pages as `serve`: the guard's UI answers with the CSP.
    let (status, head, _) = get(ui_port, "/exchanges", &[]);
    assert_eq!(status, 200);
    assert!(head.contains("content-security-policy: default-src 'none'"));
    let Some(mut b) = browser_or_skip() else {
        return;
    };
    b.goto(&guard.ui).unwrap();
    assert_eq!(b.eval("location.pathname").unwrap(), "/exchanges");
    let ids = b
        .eval("[...document.querySelectorAll('#rows tr')].map(r => Number(r.dataset.id))")
        .unwrap();
    let ids: Vec<i64> = serde_json::from_value(ids).unwrap();
    assert_eq!(ids.len(), 2, "{ids:?}");
    // Newest first: the marked one, whose code point shows without a click.
    let (marked_id, clean_id) = (ids[0], ids[1]);
    let findings = |b: &mut Browser, id: i64| {
        b.eval(&format!(
            "document.querySelector('tr[data-id=\"{id}\"] td.findings').textContent"
        ))
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
    };
    let m = findings(&mut b, marked_id);
    assert!(m.contains("U+02B9"), "marked row: {m}");
    let c = findings(&mut b, clean_id);
    assert!(!c.contains("U+02B9"), "clean row: {c}");
    // The API key never reaches the page; the store holds its fingerprint.
    assert_eq!(
        b.eval("document.documentElement.outerHTML.includes('Zq7Zq7')")
            .unwrap(),
        false
    );
    b.screenshot("guard-list");
    // The marked exchange: the prime is a named badge in the prompt.
    b.goto(&format!("{origin}/exchanges/{marked_id}")).unwrap();
    assert_eq!(
        b.eval("[...document.querySelectorAll('pre .cp.lookalike')].some(e => e.textContent.includes('U+02B9 MODIFIER LETTER PRIME'))").unwrap(),
        true
    );
    // The drift view from its link to the previous exchange of the agent.
    b.events.clear();
    b.eval(&format!(
        "document.querySelector('a[href=\"/compare?a={clean_id}&b={marked_id}\"]').click(); true"
    ))
    .unwrap();
    b.wait_event("Page.loadEventFired", Duration::from_secs(30))
        .unwrap();
    assert_eq!(b.eval("location.pathname").unwrap(), "/compare");
    let ins = b
        .eval("[...document.querySelectorAll('td.r mark.ins.imperceptible')].map(m => m.textContent).join('|')")
        .unwrap();
    assert!(
        ins.as_str()
            .unwrap()
            .contains("U+02B9 MODIFIER LETTER PRIME"),
        "the swapped character is not marked: {ins}"
    );
    let del = b
        .eval("[...document.querySelectorAll('td.l mark.del.imperceptible')].map(m => m.textContent).join('|')")
        .unwrap();
    assert_eq!(del.as_str().unwrap(), "'", "baseline side: {del}");
    let errors = network_free_errors(&b);
    assert!(errors.is_empty(), "page errors: {errors:?}");
    b.screenshot("guard-compare");
    drop(guard);
    drop(mock);
}

#[test]
fn guard_ui_off_loopback_requires_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("audit.sqlite3");
    // No request goes upstream here; the upstream is never contacted.
    let guard = start_guard_ui(&store, "http://127.0.0.1:9", "0.0.0.0:0");
    let token = guard
        .ui
        .split("token=")
        .nth(1)
        .expect("a token in the printed URL")
        .to_owned();
    assert!(token.len() >= 32, "{}", guard.ui);
    let port: u16 = guard
        .ui
        .split("://")
        .nth(1)
        .unwrap()
        .split(['/', '?'])
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, guard.port, "a listener of its own");
    assert_eq!(get(port, "/exchanges", &[]).0, 401);
    let bearer = format!("Bearer {token}");
    let (status, _, body) = get(port, "/exchanges", &[("Authorization", &bearer)]);
    assert_eq!(status, 200);
    assert!(body.contains("id=\"rows\""), "{body}");
}

#[test]
fn browser_real_probe_report_matrix() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipped: node is not installed");
        return;
    }
    let agents =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plainsight-probe/tests/fixtures/agents");
    // The real probe on a fixture agent whose date separator follows the
    // time zone.
    let out = Command::new(bin())
        .current_dir(&agents)
        .args([
            "probe",
            "--format",
            "json",
            "--budget",
            "20",
            "--timeout",
            "60",
        ])
        .args(["--no-scan", "--base-url-env", "ANTHROPIC_BASE_URL"])
        .args(["--", "node", "covert_tz_date.js", "hi"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("could not be built") {
        eprintln!("skipped: the kernel refused the probe's sandbox: {err}");
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cells = report["matrix"]["cells"].as_array().expect("matrix cells");
    assert_eq!(cells[0]["label"], "baseline");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.json");
    std::fs::write(&path, &out.stdout).unwrap();
    let server = Server::start(&[path.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    let Some(mut b) = browser_or_skip() else {
        return;
    };
    b.goto(&server.url).unwrap();
    assert_eq!(b.eval("location.pathname").unwrap(), "/report");
    let groups = b
        .eval(
            "[...document.querySelectorAll('.rule-group h3 code')].map(c => c.textContent).join()",
        )
        .unwrap();
    assert!(groups.as_str().unwrap().contains("PS604"), "{groups}");
    b.goto(&format!("{}/matrix", server.origin)).unwrap();
    // Every cell that produced the variant is an Asia/ zone, and Asia/Shanghai
    // (the first value tried) is one of them.
    let variant_values: Vec<String> = serde_json::from_value(
        b.eval("[...document.querySelectorAll('td.gcell.variant .value')].map(v => v.textContent)")
            .unwrap(),
    )
    .unwrap();
    assert!(
        variant_values.iter().any(|v| v == "Asia/Shanghai"),
        "{variant_values:?}"
    );
    assert!(
        variant_values.iter().all(|v| v.starts_with("Asia/")),
        "{variant_values:?}"
    );
    assert_eq!(
        b.eval("[...document.querySelectorAll('table.grid tr th')].some(h => h.textContent.trim() === 'locale')").unwrap(),
        true,
        "the grid has a row for the locale"
    );
    assert_eq!(
        // The locale's own row of the grid (group cells, which set every
        // dimension at once, are listed under Combinations).
        b.eval("[...document.querySelectorAll('table.grid tr')].some(r => r.querySelector('th')?.textContent.trim() === 'locale' && r.querySelector('td.gcell.variant'))").unwrap(),
        false,
        "the locale did not change what was sent"
    );
    b.screenshot("probe-matrix");
    b.events.clear();
    b.eval("[...document.querySelectorAll('td.gcell.variant')].find(c => c.textContent.includes('Asia/Shanghai')).querySelector('a').click(); true")
        .unwrap();
    b.wait_event("Page.loadEventFired", Duration::from_secs(30))
        .unwrap();
    assert!(
        b.eval("location.pathname")
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with("/matrix/cells/")
    );
    let ins = b
        .eval("[...document.querySelectorAll('.changes td.r mark.ins.imperceptible')].map(m => m.textContent).join('|')")
        .unwrap();
    assert!(ins.as_str().unwrap().contains('/'), "{ins}");
    let del = b
        .eval("[...document.querySelectorAll('.changes td.l mark.del.imperceptible')].map(m => m.textContent).join('|')")
        .unwrap();
    assert!(del.as_str().unwrap().contains('-'), "{del}");
    let errors = network_free_errors(&b);
    assert!(errors.is_empty(), "page errors: {errors:?}");
}

#[test]
fn report_units_not_analysed_never_look_clean() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("agent");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("broken.js"), "const x = ;\n").unwrap();
    std::fs::write(src.join("fine.js"), "console.log('hello');\n").unwrap();
    let scan = |format: &str| {
        Command::new(bin())
            .current_dir(dir.path())
            .args(["scan", "--format", format, "agent"])
            .output()
            .unwrap()
    };
    let out = scan("json");
    assert_eq!(out.status.code(), Some(2), "an incomplete scan is an error");
    let path = dir.path().join("r.json");
    std::fs::write(&path, &out.stdout).unwrap();
    let server = Server::start(&[path.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    let (status, _, page) = get(server.port(), "/report", &[]);
    assert_eq!(status, 200);
    assert!(page.contains("Not a clean result"), "{page}");
    assert!(page.contains("1 not analysed</strong>"), "{page}");
    assert!(page.contains("1 analysed in full"), "{page}");
    assert!(page.contains("broken.js"), "{page}");
    assert!(page.contains("<code>syntax</code>"), "{page}");
    assert!(
        !page.contains("<p class=\"empty\">No finding.</p>"),
        "{page}"
    );
    // The static page says the same.
    let html = String::from_utf8(scan("html").stdout).unwrap();
    assert!(html.contains("Not a clean result"));
    // A complete scan with no finding is the one that says so plainly.
    std::fs::remove_file(src.join("broken.js")).unwrap();
    let html = String::from_utf8(scan("html").stdout).unwrap();
    assert!(html.contains("<p class=\"empty\">No finding.</p>"));
    assert!(!html.contains("Not a clean result"));
}
