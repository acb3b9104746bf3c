//! One suite, two backends: every test runs on SQLite and on a real
//! PostgreSQL server started for this test binary (skipped, with the reason
//! printed, when the machine cannot start one).

#![allow(clippy::many_single_char_names)]

use std::sync::OnceLock;

use plainsight_core::{Finding, Location, Rule, Severity};
use plainsight_store::testing::TempPostgres;
use plainsight_store::{
    Action, Completion, DriftForm, Edit, Filter, NewExchange, OpenMode, Outcome, ResponseRecord,
    StoreError, StoreUrl, open, redactor,
};

fn pg() -> Option<&'static TempPostgres> {
    static PG: OnceLock<Result<TempPostgres, String>> = OnceLock::new();
    match PG.get_or_init(TempPostgres::start) {
        Ok(pg) => Some(pg),
        Err(why) => {
            eprintln!("skipped (PostgreSQL half): {why}");
            None
        }
    }
}

/// Runs `test` on a fresh SQLite store and a fresh PostgreSQL database.
fn both(name: &str, test: impl Fn(&StoreUrl)) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = StoreUrl::Sqlite(dir.path().join("audit.sqlite3"));
    test(&sqlite);
    if let Some(pg) = pg() {
        let url = pg.create_db(name).expect("create database");
        test(&StoreUrl::Postgres(url));
    }
}

fn exchange(uid: &str, t: i64, agent: &str, body: &str) -> NewExchange {
    NewExchange {
        uid: uid.into(),
        started_at_us: t,
        guard: "g1".into(),
        client_addr: "127.0.0.1:5555".into(),
        agent: agent.into(),
        session: Some("sess-1".into()),
        method: "POST".into(),
        path: "/v1/messages?beta=true".into(),
        upstream: "http://127.0.0.1:9/".into(),
        api: Some("anthropic.messages".into()),
        model: Some("claude-x".into()),
        request_headers: vec![
            (
                "x-api-key".into(),
                "sk-ant-api03-secretsecretsecret0123".into(),
            ),
            ("user-agent".into(), agent.into()),
        ],
        request_body: body.as_bytes().to_vec(),
        findings: Vec::new(),
        action: Some(Action::Forwarded),
        reason: None,
        edits: Vec::new(),
    }
}

fn finding(rule: Rule, sev: Severity) -> Finding {
    let mut f = Finding::new(rule, format!("{} here", rule.code()), Location::default());
    f.severity = sev;
    f
}

fn outcome(status: u16, text: &str) -> Outcome {
    Outcome {
        ended_at_us: 2_000,
        status: Some(status),
        latency_us: 1_000,
        first_byte_us: Some(300),
        response_headers: vec![("content-type".into(), "text/event-stream".into())],
        response: Some(ResponseRecord {
            text: text.into(),
            complete: true,
            ..ResponseRecord::default()
        }),
        response_bytes: 42,
        completion: Completion::Complete,
        findings: Vec::new(),
        error: None,
    }
}

#[test]
fn round_trip_with_outcome_and_findings() {
    both("round_trip", |url| {
        let mut s = open(url, OpenMode::Write).unwrap();
        assert_eq!(s.schema_version().unwrap(), 1);
        let red = redactor(&mut *s).unwrap();
        let mut x = exchange(
            "u1",
            1_000,
            "claude-cli/2.1.91",
            "{\"a\":\"Today\u{2b9}s\"}",
        );
        x.findings = vec![finding(Rule::ConfusableCharacter, Severity::High)];
        x.action = Some(Action::Normalized);
        x.edits = vec![Edit {
            place: "messages[0].content".into(),
            offset: 12,
            before: "\u{2b9}".into(),
            after: "'".into(),
        }];
        let ids = s.begin(&[red.seal_exchange(x.clone())]).unwrap();
        assert_eq!(ids.len(), 1);
        // Before the outcome: the row is there, without an outcome.
        let got = s.get(ids[0]).unwrap().unwrap();
        assert!(got.outcome.is_none());
        assert_eq!(got.request.request_body, x.request_body);
        assert_eq!(got.request.findings, x.findings);
        assert_eq!(got.request.edits, x.edits);
        assert_eq!(got.request.action, Some(Action::Normalized));
        // The key is redacted with a fingerprint.
        assert!(
            got.request.request_headers[0]
                .1
                .starts_with("[REDACTED:header-x-api-key:")
        );

        let mut o = outcome(200, "hello");
        o.findings = vec![finding(Rule::OddDateFormat, Severity::Medium)];
        s.finish(&[(ids[0], red.seal_outcome(o.clone()))], &[])
            .unwrap();
        let got = s.get(ids[0]).unwrap().unwrap();
        assert_eq!(got.outcome.as_ref().unwrap(), &o);
        assert_eq!(got.all_findings().count(), 2);
        assert!(s.get(ids[0] + 1000).unwrap().is_none());
        assert_eq!(s.count().unwrap(), 1);
    });
}

#[test]
fn list_filters_and_order() {
    both("list_filters", |url| {
        let mut s = open(url, OpenMode::Write).unwrap();
        let red = redactor(&mut *s).unwrap();
        let mut a = exchange("a", 3_000, "claude-cli/2.1.91 (external, cli)", "{}");
        a.findings = vec![finding(Rule::ConfusableCharacter, Severity::High)];
        let b = exchange("b", 1_000, "codex_cli_rs/0.171.0", "{}");
        let mut c = exchange("c", 2_000, "claude-cli/2.1.90", "{}");
        c.action = Some(Action::Blocked);
        c.findings = vec![finding(Rule::OddQuoteStyle, Severity::Medium)];
        // Two transactions: ids are not in time order.
        let ids_a = s.begin(&[red.seal_exchange(a)]).unwrap();
        let ids_bc = s
            .begin(&[red.seal_exchange(b), red.seal_exchange(c)])
            .unwrap();
        let uids = |xs: Vec<plainsight_store::Exchange>| {
            xs.into_iter().map(|x| x.request.uid).collect::<Vec<_>>()
        };
        assert_eq!(uids(s.list(&Filter::default()).unwrap()), ["b", "c", "a"]);
        let f = Filter {
            agent: Some("claude".into()),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["c", "a"]);
        // LIKE metacharacters are literal.
        let f = Filter {
            agent: Some("%".into()),
            ..Filter::default()
        };
        assert!(s.list(&f).unwrap().is_empty());
        let f = Filter {
            rule: Some("PS505".into()),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["a"]);
        let f = Filter {
            min_severity: Some(Severity::Medium),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["c", "a"]);
        let f = Filter {
            action: Some(Action::Blocked),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["c"]);
        let f = Filter {
            since_us: Some(1_500),
            until_us: Some(2_500),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["c"]);
        let f = Filter {
            after_id: Some(ids_a[0]),
            limit: Some(1),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["b"]);
        assert_eq!(ids_bc.len(), 2);
        // Latest written first, paging back by id; one row by uid.
        let f = Filter {
            newest_first: true,
            limit: Some(2),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["c", "b"]);
        let f = Filter {
            newest_first: true,
            before_id: Some(ids_bc[0]),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["a"]);
        let f = Filter {
            uid: Some("c".into()),
            ..Filter::default()
        };
        assert_eq!(uids(s.list(&f).unwrap()), ["c"]);
        let f = Filter {
            uid: Some("%".into()),
            ..Filter::default()
        };
        assert!(s.list(&f).unwrap().is_empty());
    });
}

#[test]
fn duplicate_uid_rolls_back_the_whole_batch() {
    both("dup_uid", |url| {
        let mut s = open(url, OpenMode::Write).unwrap();
        let red = redactor(&mut *s).unwrap();
        s.begin(&[red.seal_exchange(exchange("x", 1, "a", "{}"))])
            .unwrap();
        let e = s
            .begin(&[
                red.seal_exchange(exchange("y", 2, "a", "{}")),
                red.seal_exchange(exchange("x", 3, "a", "{}")),
            ])
            .unwrap_err();
        assert!(matches!(e, StoreError::Sqlite(_) | StoreError::Postgres(_)));
        assert_eq!(s.count().unwrap(), 1, "y must not be there");
        // The connection is usable after the failed transaction.
        s.begin(&[red.seal_exchange(exchange("z", 4, "a", "{}"))])
            .unwrap();
        assert_eq!(s.count().unwrap(), 2);
        // An outcome for a row that does not exist is an error.
        assert!(
            s.finish(&[(999_999, red.seal_outcome(outcome(200, "")))], &[])
                .is_err()
        );
    });
}

#[test]
fn drift_forms_are_shared_and_unique() {
    both("drift_forms", |url| {
        let mut s = open(url, OpenMode::Write).unwrap();
        let red = redactor(&mut *s).unwrap();
        let form = |t: &str, f: &str| DriftForm {
            agent: "claude-cli".into(),
            template: t.into(),
            form: f.into(),
            sample: format!("Today{f}s date"),
            agent_version: "claude-cli/2.1.91".into(),
            first_exchange: "u1".into(),
            first_seen_us: 5,
            guard: "g1".into(),
        };
        s.finish(
            &[],
            &[
                red.seal_form(form("t1", "'")),
                red.seal_form(form("t1", "\u{2b9}")),
            ],
        )
        .unwrap();
        // A second guard learning the same form again changes nothing.
        let mut s2 = open(url, OpenMode::Write).unwrap();
        s2.finish(&[], &[red.seal_form(form("t1", "'"))]).unwrap();
        let all = s.drift_forms(0).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].1, form("t1", "\u{2b9}"));
        assert!(s.drift_forms(all[1].0).unwrap().is_empty());
        assert_eq!(s.drift_forms(all[0].0).unwrap().len(), 1);
    });
}

#[test]
fn migrations_are_idempotent_and_newer_schemas_refused() {
    both("migrations", |url| {
        let mut s = open(url, OpenMode::Write).unwrap();
        let key1 = redactor(&mut *s).unwrap().replacement("k", b"secret");
        drop(s);
        // Reopening applies nothing and keeps the redaction key.
        let mut s = open(url, OpenMode::Read).unwrap();
        assert_eq!(s.schema_version().unwrap(), 1);
        assert_eq!(redactor(&mut *s).unwrap().replacement("k", b"secret"), key1);
        drop(s);
        // A schema from the future is refused with both versions named.
        match url {
            StoreUrl::Sqlite(p) => {
                let c = rusqlite_connection(p);
                c.execute("INSERT INTO schema_migrations VALUES (99, 'future', 0)", [])
                    .unwrap();
            }
            StoreUrl::Postgres(u) => {
                let mut c = postgres::Client::connect(u, postgres::NoTls).unwrap();
                c.batch_execute("INSERT INTO schema_migrations VALUES (99, 'future', 0)")
                    .unwrap();
            }
        }
        let e = open(url, OpenMode::Read).err().unwrap();
        assert!(
            matches!(
                e,
                StoreError::SchemaTooNew {
                    found: 99,
                    known: 1
                }
            ),
            "{e}"
        );
    });
}

fn rusqlite_connection(p: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(p).unwrap()
}

#[test]
fn read_mode_needs_an_existing_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = StoreUrl::Sqlite(dir.path().join("none.sqlite3"));
    let e = open(&url, OpenMode::Read).err().unwrap().to_string();
    assert!(
        e.contains("none.sqlite3") && e.contains("no such file"),
        "{e}"
    );
    assert!(StoreUrl::parse("mysql://x").is_err());
    assert_eq!(
        StoreUrl::parse("sqlite:/tmp/a.db").unwrap(),
        StoreUrl::Sqlite("/tmp/a.db".into())
    );
    assert!(matches!(
        StoreUrl::parse("postgresql://u:p@h/db").unwrap(),
        StoreUrl::Postgres(_)
    ));
    let e = plainsight_store::open(
        &StoreUrl::Postgres("postgres://u:hunter2@127.0.0.1:1/db".into()),
        OpenMode::Write,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        !e.contains("hunter2") && e.contains("u:***@127.0.0.1:1"),
        "{e}"
    );
}

#[test]
fn concurrent_writers_on_one_store() {
    both("concurrent", |url| {
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let url = url.clone();
                std::thread::spawn(move || {
                    let mut s = open(&url, OpenMode::Write).unwrap();
                    let red = redactor(&mut *s).unwrap();
                    for i in 0..25 {
                        let ids = s
                            .begin(&[red.seal_exchange(exchange(
                                &format!("t{t}-{i}"),
                                i,
                                "a",
                                "{}",
                            ))])
                            .unwrap();
                        s.finish(&[(ids[0], red.seal_outcome(outcome(200, "ok")))], &[])
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let mut s = open(url, OpenMode::Read).unwrap();
        let all = s.list(&Filter::default()).unwrap();
        assert_eq!(all.len(), 100);
        assert!(all.iter().all(|x| x.outcome.is_some()));
    });
}
