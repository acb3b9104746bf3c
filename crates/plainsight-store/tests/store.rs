//! One suite, two backends: every test runs on SQLite and on a real
//! PostgreSQL server started for this test binary (skipped, with the reason
//! printed, when the machine cannot start one).

#![allow(clippy::many_single_char_names)]

use std::sync::OnceLock;

use plainsight_core::{Finding, Location, Rule, Severity};
use plainsight_store::migrations::latest;
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
        request_body: body.as_bytes().to_vec().into(),
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
        assert_eq!(s.schema_version().unwrap(), latest());
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
        assert_eq!(s.schema_version().unwrap(), latest());
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
                    known
                } if known == latest()
            ),
            "{e}"
        );
    });
}

/// A store written before migration 3 (outcomes in the exchange row) keeps
/// its outcomes; the request row is written once from then on, and a log
/// checkpointed from another connection still reads back whole.
#[test]
fn outcomes_move_to_their_own_table() {
    use std::fmt::Write as _;

    use plainsight_store::migrations::MIGRATIONS;
    both("outcomes_apart", |url| {
        let mut old = String::from(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
             applied_at BIGINT NOT NULL);",
        );
        for m in &MIGRATIONS[..2] {
            old.push_str(match url {
                StoreUrl::Sqlite(_) => m.sqlite,
                StoreUrl::Postgres(_) => m.postgres,
            });
            let _ = write!(
                old,
                "INSERT INTO schema_migrations VALUES ({}, 'old', 0);",
                m.version
            );
        }
        let body = match url {
            StoreUrl::Sqlite(_) => "X'7B7D'",
            StoreUrl::Postgres(_) => "'\\x7b7d'::bytea",
        };
        let _ = write!(
            old,
            "INSERT INTO exchanges (uid, started_at_us, guard, client_addr, agent, method, path, \
             upstream, request_headers, request_body, action, edits, ended_at_us, status, \
             latency_us, first_byte_us, response_headers, response, response_bytes, completion, \
             outcome_error) VALUES ('done', 1, 'g', 'c', 'a', 'POST', '/', 'u', '[]', {body}, \
             'forwarded', '[]', 5, 200, 4, 2, '[]', NULL, 42, 'complete', NULL); \
             INSERT INTO exchanges (uid, started_at_us, guard, client_addr, agent, method, path, \
             upstream, request_headers, request_body, action, edits) VALUES ('open', 2, 'g', \
             'c', 'a', 'POST', '/', 'u', '[]', {body}, 'forwarded', '[]');"
        );
        match url {
            StoreUrl::Sqlite(p) => rusqlite_connection(p).execute_batch(&old).unwrap(),
            StoreUrl::Postgres(u) => postgres::Client::connect(u, postgres::NoTls)
                .unwrap()
                .batch_execute(&old)
                .unwrap(),
        }
        let mut s = open(url, OpenMode::Write).unwrap();
        assert_eq!(s.schema_version().unwrap(), latest());
        let all = s.list(&Filter::default()).unwrap();
        assert_eq!(all.len(), 2);
        let o = all[0].outcome.as_ref().expect("the old outcome moved");
        assert_eq!(
            (o.status, o.latency_us, o.first_byte_us, o.response_bytes),
            (Some(200), 4, Some(2), 42)
        );
        assert_eq!(o.completion, Completion::Complete);
        assert_eq!(all[0].request.request_body, &b"{}"[..]);
        assert!(all[1].outcome.is_none());
        // New outcomes are appended, once; one for a row not in the store
        // is refused.
        let red = redactor(&mut *s).unwrap();
        s.finish(&[(all[1].id, red.seal_outcome(outcome(201, "x")))], &[])
            .unwrap();
        s.finish(&[(all[1].id, red.seal_outcome(outcome(500, "y")))], &[])
            .unwrap();
        let got = s.get(all[1].id).unwrap().unwrap();
        assert_eq!(got.outcome.unwrap().status, Some(201));
        let e = s
            .finish(
                &[(all[1].id + 99, red.seal_outcome(outcome(200, "z")))],
                &[],
            )
            .unwrap_err();
        assert!(e.to_string().contains("not in the store"), "{e}");
        // Checkpoints from a second connection while the first defers its own.
        let deferred = s.defer_checkpoints().unwrap();
        assert_eq!(deferred, matches!(url, StoreUrl::Sqlite(_)));
        let mut c = open(url, OpenMode::Write).unwrap();
        let big = "x".repeat(100_000);
        for i in 0..20 {
            s.begin(&[red.seal_exchange(exchange(&format!("big{i}"), 10 + i, "a", &big))])
                .unwrap();
        }
        let ck = c.checkpoint().unwrap();
        if deferred {
            assert!(ck.log_frames >= 20 * 24, "{ck:?}");
            assert_eq!(ck.checkpointed, ck.log_frames, "{ck:?}");
        }
        drop(s);
        let mut s = open(url, OpenMode::Read).unwrap();
        assert_eq!(s.count().unwrap(), 22);
        let x = s
            .list(&Filter {
                uid: Some("big19".into()),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(x[0].request.request_body.len(), big.len());
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

// ---- history: result cache and row claims ----

mod history {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use plainsight_store::history::{self, CachedResult, QueueState, RunKey};

    use super::both;

    fn key(tool: &str) -> RunKey {
        RunKey {
            package: "@s/agent".into(),
            platform: "linux-x64".into(),
            tool_version: tool.into(),
        }
    }

    fn result(v: &str, by: &str) -> CachedResult {
        CachedResult {
            version: v.into(),
            status: "scanned".into(),
            body: format!("{{\"version\":\"{v}\"}}"),
            scanned_at_us: 7,
            scanned_by: by.into(),
        }
    }

    fn versions(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("1.0.{i}")).collect()
    }

    const LEASE: Duration = Duration::from_mins(10);

    #[test]
    fn results_are_keyed_by_plainsight_version_and_replace() {
        both("hist_results", |url| {
            let mut s = history::open(url).unwrap();
            s.put_result(&key("a"), &result("1.0.0", "m1")).unwrap();
            s.put_result(&key("a"), &result("1.0.1", "m1")).unwrap();
            assert!(s.results(&key("b")).unwrap().is_empty());
            let mut other = key("a");
            other.platform = "darwin-arm64".into();
            assert!(s.results(&other).unwrap().is_empty());
            // A rescan replaces the row.
            let mut r = result("1.0.0", "m2");
            r.status = "broken".into();
            s.put_result(&key("a"), &r).unwrap();
            let mut got = s.results(&key("a")).unwrap();
            got.sort_by(|a, b| a.version.cmp(&b.version));
            assert_eq!(got, vec![r, result("1.0.1", "m1")]);
        });
    }

    #[test]
    fn claims_follow_order_leases_and_attempts() {
        both("hist_claims", |url| {
            let mut s = history::open(url).unwrap();
            let k = key("a");
            s.enqueue(&k, &versions(3), 2).unwrap();
            // Enqueuing again (a second machine) adds nothing.
            s.enqueue(&k, &versions(3), 2).unwrap();
            assert_eq!(
                s.queue_state(&k, 2).unwrap(),
                QueueState {
                    leased: 0,
                    claimable: 3,
                    exhausted: 0
                }
            );
            assert_eq!(
                s.claim(&k, "m1", LEASE, 2).unwrap().as_deref(),
                Some("1.0.0")
            );
            assert_eq!(
                s.claim(&k, "m2", LEASE, 2).unwrap().as_deref(),
                Some("1.0.1")
            );
            // A result deletes the claim row.
            s.put_result(&k, &result("1.0.0", "m1")).unwrap();
            assert_eq!(s.queue_state(&k, 2).unwrap().leased, 1);
            // m2 gives its row back; it is claimable again, once more.
            s.release(&k, "m1", "1.0.1").unwrap(); // not m1's: no effect
            assert_eq!(s.queue_state(&k, 2).unwrap().leased, 1);
            s.release(&k, "m2", "1.0.1").unwrap();
            assert_eq!(
                s.claim(&k, "m1", LEASE, 2).unwrap().as_deref(),
                Some("1.0.1")
            );
            s.release(&k, "m1", "1.0.1").unwrap();
            // Claimed twice (max 2): exhausted, no longer handed out.
            assert_eq!(
                s.claim(&k, "m1", LEASE, 2).unwrap().as_deref(),
                Some("1.0.2")
            );
            assert_eq!(s.claim(&k, "m1", LEASE, 2).unwrap(), None);
            let st = s.queue_state(&k, 2).unwrap();
            assert_eq!((st.leased, st.claimable, st.exhausted), (1, 0, 1));
            // A new run re-enqueues: the exhausted row is tried again.
            s.enqueue(&k, &versions(3)[1..], 2).unwrap();
            assert_eq!(
                s.claim(&k, "m3", LEASE, 2).unwrap().as_deref(),
                Some("1.0.1")
            );
            // Renew extends only the owner's rows.
            assert_eq!(s.renew(&k, "m1", LEASE).unwrap(), 1);
            assert_eq!(s.renew(&k, "nobody", LEASE).unwrap(), 0);
        });
    }

    #[test]
    fn expired_leases_are_taken_over() {
        both("hist_expiry", |url| {
            let mut s = history::open(url).unwrap();
            let k = key("a");
            s.enqueue(&k, &versions(1), 3).unwrap();
            assert!(s.claim(&k, "dead", Duration::ZERO, 3).unwrap().is_some());
            std::thread::sleep(Duration::from_millis(5));
            // The dead machine's lease ran out: another owner takes the row,
            // and the dead one's renewals no longer touch it.
            assert_eq!(
                s.claim(&k, "live", LEASE, 3).unwrap().as_deref(),
                Some("1.0.0")
            );
            assert_eq!(s.renew(&k, "dead", LEASE).unwrap(), 0);
            assert_eq!(s.claim(&k, "other", LEASE, 3).unwrap(), None);
        });
    }

    #[test]
    fn concurrent_claimers_split_the_versions() {
        both("hist_concurrent", |url| {
            let k = key("a");
            history::open(url)
                .unwrap()
                .enqueue(&k, &versions(60), 3)
                .unwrap();
            let threads: Vec<_> = (0..4)
                .map(|t| {
                    let (url, k) = (url.clone(), k.clone());
                    std::thread::spawn(move || {
                        let mut s = history::open(&url).unwrap();
                        let owner = format!("m{t}");
                        let mut mine = Vec::new();
                        while let Some(v) = s.claim(&k, &owner, LEASE, 3).unwrap() {
                            s.put_result(&k, &result(&v, &owner)).unwrap();
                            mine.push(v);
                        }
                        mine
                    })
                })
                .collect();
            let all: Vec<String> = threads
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect();
            let unique: BTreeSet<&String> = all.iter().collect();
            assert_eq!(all.len(), 60, "every version claimed exactly once");
            assert_eq!(unique.len(), 60);
            let mut s = history::open(url).unwrap();
            assert_eq!(s.results(&k).unwrap().len(), 60);
            assert_eq!(s.queue_state(&k, 3).unwrap(), QueueState::default());
        });
    }

    #[test]
    fn result_versions_lists_what_is_stored() {
        both("hist_result_versions", |url| {
            let mut s = history::open(url).unwrap();
            let k = key("a");
            assert!(s.result_versions(&k).unwrap().is_empty());
            s.put_result(&k, &result("1.0.1", "m1")).unwrap();
            s.put_result(&k, &result("1.0.0", "m2")).unwrap();
            let mut got = s.result_versions(&k).unwrap();
            got.sort();
            assert_eq!(got, ["1.0.0", "1.0.1"]);
        });
    }
}

/// SQLite: rows journaled by a writer that died before ingesting them
/// (`kill -9`) are in the store for whoever opens it next — a reader
/// included —, once each, findings included, even when some of them had
/// been ingested before the crash; a live writer's journal is left alone.
#[test]
fn journaled_rows_of_a_dead_writer_are_found_by_the_next_open() {
    use plainsight_store::journal::Journal;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.sqlite3");
    let url = StoreUrl::Sqlite(path.clone());
    let mut s = open(&url, OpenMode::Write).unwrap();
    let red = redactor(&mut *s).unwrap();
    let mut x = exchange("j1", 10, "agent-a", "{\"a\":\"Today\u{2b9}s\"}");
    x.findings = vec![finding(Rule::ConfusableCharacter, Severity::High)];
    let rows = [
        red.seal_exchange(x),
        red.seal_exchange(exchange("j2", 11, "agent-a", &"p".repeat(150_000))),
        red.seal_exchange(exchange("j3", 12, "agent-b", "{}")),
    ];
    // j1 was ingested before the crash; the journal was not emptied yet.
    s.begin(std::slice::from_ref(&rows[0])).unwrap();
    let journal = Journal::create(&path).unwrap();
    for r in &rows {
        journal.append(r.clone(), |_, _| ()).unwrap();
    }
    // Alive: a reader does not take its rows.
    let mut reader = open(&url, OpenMode::Read).unwrap();
    assert_eq!(reader.count().unwrap(), 1);
    drop(reader);
    let pending = journal.path();
    drop(journal); // the writer is gone: its lock with it
    assert!(pending.exists());
    let mut reader = open(&url, OpenMode::Read).unwrap();
    let got = reader.list(&Filter::default()).unwrap();
    let uids: Vec<&str> = got.iter().map(|x| x.request.uid.as_str()).collect();
    assert_eq!(uids, ["j1", "j2", "j3"]);
    assert_eq!(
        got[0].request.findings.len(),
        1,
        "stored once, findings too"
    );
    assert_eq!(got[1].request.request_body.len(), 150_000);
    assert!(
        !got[0].request.request_headers[0].1.contains("secretsecret"),
        "journaled rows are sealed"
    );
    assert!(!pending.exists(), "a replayed journal is deleted");
    drop(reader);
    assert_eq!(open(&url, OpenMode::Read).unwrap().count().unwrap(), 3);
}
