//! Where the guard's time goes, stage by stage, for one request body:
//! `guard_stages BODY.json [N] [STORE_URL]`. Runs each stage of the request
//! path N times in one thread (no network, no scheduler hops) and prints the
//! median and p99 of each: what the CPU costs, apart from what the machine's
//! scheduling adds. `scripts/bench-gateway.sh` measures the whole path.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use bytes::Bytes;
use http::Method;
use plainsight_guard::Policy;
use plainsight_guard::drift::{DriftModel, Observation};
use plainsight_inspect::{InputFormat, InspectOptions};
use plainsight_store::{NewExchange, OpenMode, StoreUrl};

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        let _ = writeln!(
            std::io::stderr(),
            "usage: guard_stages BODY.json [N] [STORE_URL]"
        );
        std::process::exit(2);
    };
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = args.get(2).map_or_else(
        || StoreUrl::Sqlite(dir.path().join("audit.sqlite3")),
        |s| StoreUrl::parse(s).expect("store URL"),
    );
    let body = Bytes::from(std::fs::read(file).expect("body file"));
    let mut store = plainsight_store::open(&url, OpenMode::Write).expect("store");
    // As the guard does: the log is checkpointed from another connection,
    // outside the commit (and outside the timing here).
    let mut checkpointer = plainsight_store::open(&url, OpenMode::Write).expect("store");
    let deferred = store.defer_checkpoints().expect("defer checkpoints");
    let redactor = plainsight_store::redactor(&mut *store).expect("redactor");
    // As the guard does on SQLite: the row is journaled on the request path
    // and ingested by the writer thread (timed apart, off the path).
    let journal = match &url {
        StoreUrl::Sqlite(p) => {
            Some(plainsight_store::journal::Journal::create(p).expect("journal"))
        }
        StoreUrl::Postgres(_) => None,
    };
    let policy = Policy::default();
    let opts = InspectOptions {
        format: InputFormat::Json,
        ..InspectOptions::default()
    };
    let mut model_now = DriftModel::new(10_000);
    let mut model_before = DriftModel::new(10_000);
    let route = plainsight_providers::recognise("POST", "/v1/messages", None).expect("route");
    let mut t: Vec<(&str, Vec<f64>)> = [
        "inspect+policy",
        "model name",
        "row build",
        "redact (seal)",
        "durable write (SQLite: journal append; PostgreSQL: commit)",
        "total hot path",
        "prompt_strings (drift thread)",
        "  of inspect: decode (JSON scan, segments)",
        "  of inspect: text engine (analyze_document)",
        "drift thread, per request: observe (prompt_texts)",
        "drift thread, per request: observe (with_parts, before)",
        "writer thread, per request: SQLite ingest (commit, off the path)",
    ]
    .into_iter()
    .map(|s| (s, Vec::new()))
    .collect();
    for i in 0..n {
        let t0 = Instant::now();
        let mut judged = plainsight_guard::proxy::judge_body(
            &body,
            &policy,
            &opts,
            &Method::POST,
            "/v1/messages",
        );
        let t1 = Instant::now();
        let prompt = std::mem::take(&mut judged.prompt);
        // As the guard does: the model from inspection's strings, a parse
        // only for a body inspection did not read.
        let model = if judged.inspected {
            judged.model.take()
        } else {
            plainsight_providers::request_meta(&route, &body).model
        };
        let t2 = Instant::now();
        let row = NewExchange {
            uid: format!("stage-{i}"),
            started_at_us: 0,
            guard: "stages".into(),
            client_addr: "127.0.0.1:1".into(),
            agent: "claude-cli/2.1.91".into(),
            session: None,
            method: "POST".into(),
            path: "/v1/messages".into(),
            upstream: "http://127.0.0.1:1".into(),
            api: Some(route.api.as_str().into()),
            model,
            request_headers: vec![
                (
                    "x-api-key".into(),
                    "sk-ant-api03-0000000000000000000000000".into(),
                ),
                ("content-type".into(), "application/json".into()),
            ],
            request_body: body.clone(),
            findings: judged.findings,
            action: Some(judged.action),
            reason: judged.reason,
            edits: judged.edits,
        };
        let t3 = Instant::now();
        let sealed = redactor.seal_exchange(row);
        let t4 = Instant::now();
        let journaled = if let Some(j) = &journal {
            Some(j.append(sealed, |t, row| (t, row)).expect("journal"))
        } else {
            store.begin(&[sealed]).expect("commit");
            None
        };
        let t5 = Instant::now();
        // The writer thread's share (one row per transaction here; the
        // guard takes every row waiting at once).
        if let (Some(j), Some((ticket, row))) = (&journal, journaled) {
            store.begin(&[row]).expect("commit");
            j.ingested(&[ticket]).expect("journal");
        }
        let t5b = Instant::now();
        let strings = plainsight_guard::recorder::prompt_strings(&body);
        let t6 = Instant::now();
        std::hint::black_box(strings);
        if deferred && i % 8 == 7 {
            checkpointer.checkpoint().expect("checkpoint");
        }
        // Inspection's two halves, apart (not part of the total).
        let t7 = Instant::now();
        let doc = plainsight_inspect::document::load("request", &body, &opts).expect("JSON");
        let t8 = Instant::now();
        let texts: Vec<&str> = doc.segments.iter().map(|s| s.text.as_ref()).collect();
        std::hint::black_box(plainsight_text::analyze_document(&texts, &opts.text));
        let t9 = Instant::now();
        // What the drift thread does per request with the prompt
        // inspection kept (the model has seen this body before: every line
        // is known after the first run), now and as it was.
        macro_rules! obs {
            ($strings:expr) => {
                Observation {
                    agent: "claude-cli/2.1.91",
                    exchange: "stages",
                    at_us: 0,
                    guard: "stages",
                    strings: $strings,
                }
            };
        }
        let t10 = Instant::now();
        let texts = plainsight_guard::recorder::prompt_texts(&prompt);
        std::hint::black_box(model_now.observe(&obs!(&texts)));
        drop(texts);
        let t11 = Instant::now();
        let before = plainsight_guard::recorder::prompt_of(doc, &body);
        let t12 = Instant::now();
        let parts = plainsight_guard::recorder::with_parts(before);
        std::hint::black_box(model_before.observe(&obs!(&parts)));
        drop(parts);
        let t13 = Instant::now();
        drop(prompt);
        for (k, (a, b)) in [
            (t0, t1),
            (t1, t2),
            (t2, t3),
            (t3, t4),
            (t4, t5),
            (t0, t5),
            (t5b, t6),
            (t7, t8),
            (t8, t9),
            (t10, t11),
            (t12, t13),
            (t5, t5b),
        ]
        .into_iter()
        .enumerate()
        {
            t[k].1.push((b - a).as_secs_f64() * 1e3);
        }
    }
    let mut out = format!(
        "{} bytes, {n} runs, store {}\n\n| stage | p50 ms | p99 ms |\n|---|---|---|\n",
        body.len(),
        url.display()
    );
    for (name, v) in &mut t {
        let _ = writeln!(out, "| {name} | {:.3} | {:.3} |", pct(v, 0.5), pct(v, 0.99));
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
}
