//! The `history` command's store: a result cache per (package, version,
//! platform, plainsight version), and a work queue that several machines
//! running the same `history` split between them by claiming rows.
//!
//! Kept apart from the audit [`Store`](crate::Store) trait: a different
//! reader, a different life cycle (a cache may be dropped at any time; an
//! audit log may not). Both live in one database with one migration list.
//!
//! How a run uses it:
//! 1. [`HistoryStore::results`] — what is cached for this run's key; only
//!    the other versions need work.
//! 2. [`HistoryStore::enqueue`] — one claim row per version still to scan
//!    (`INSERT … ON CONFLICT DO NOTHING`: every machine enqueues the same
//!    rows, nobody's are duplicated).
//! 3. [`HistoryStore::claim`] — the next row whose lease has expired (or
//!    was never taken) is leased to this owner. On PostgreSQL the candidate
//!    is selected `FOR UPDATE SKIP LOCKED`, so concurrent claimers on many
//!    machines never get the same row and never wait for each other; on
//!    SQLite (one machine, one writer at a time) the single `UPDATE` is
//!    atomic by itself.
//! 4. [`HistoryStore::renew`] while working (a heartbeat for all rows this
//!    owner holds), then [`HistoryStore::put_result`] — the result is
//!    written and the claim deleted in one transaction — or
//!    [`HistoryStore::release`] to give a row back (interrupted, or gave up
//!    after retries; `attempts` counts claims, so a version that fails
//!    everywhere stops being handed out).
//!
//! A machine that dies keeps its rows only until their lease runs out;
//! others then take them. Leases compare each machine's clock with the
//! others': skew of a few seconds is harmless against leases of minutes.

use std::path::PathBuf;
use std::time::Duration;

use crate::sql::{Conn, Owned, SqlStore, Val, now_us, transaction};
use crate::{Backend, StoreError, StoreUrl, pg, sql, sqlite};

/// The key of one history run: everything but the version.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunKey {
    /// npm package name (`@scope/name`).
    pub package: String,
    /// npm platform (`linux-x64`).
    pub platform: String,
    /// The plainsight build that produced the results: a different build
    /// may find different things, so it never reads another's results.
    pub tool_version: String,
}

/// One cached version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedResult {
    pub version: String,
    /// The caller's status word (`scanned`, `broken`, …).
    pub status: String,
    /// The caller's serialised result (JSON).
    pub body: String,
    pub scanned_at_us: i64,
    /// The owner that wrote it (machine and process).
    pub scanned_by: String,
}

/// Rows of a run that are neither cached nor claimable now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueState {
    /// Leased to some owner and not yet expired.
    pub leased: u64,
    /// Free to claim (never claimed, or the lease expired) and under the
    /// attempts limit.
    pub claimable: u64,
    /// Given up: claimed `max_attempts` times without a result.
    pub exhausted: u64,
}

/// The history cache and work queue (see the module docs).
pub trait HistoryStore: Send {
    fn backend(&self) -> Backend;

    /// Every cached result of `key`.
    fn results(&mut self, key: &RunKey) -> Result<Vec<CachedResult>, StoreError>;

    /// Caches one result and deletes its claim row, in one transaction.
    /// A result already there is replaced (a `--rescan`).
    fn put_result(&mut self, key: &RunKey, result: &CachedResult) -> Result<(), StoreError>;

    /// Adds claim rows for `versions` (in scan order) that have none yet.
    /// Rows given up on (`attempts >= max_attempts`) and not leased get
    /// their attempts reset: a new run tries them again.
    fn enqueue(
        &mut self,
        key: &RunKey,
        versions: &[String],
        max_attempts: u32,
    ) -> Result<(), StoreError>;

    /// Leases the next claimable version to `owner` until now + `lease`.
    fn claim(
        &mut self,
        key: &RunKey,
        owner: &str,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Option<String>, StoreError>;

    /// Extends every lease `owner` holds in `key`; returns how many.
    fn renew(&mut self, key: &RunKey, owner: &str, lease: Duration) -> Result<u64, StoreError>;

    /// Gives `version` back (lease cleared) if `owner` still holds it.
    fn release(&mut self, key: &RunKey, owner: &str, version: &str) -> Result<(), StoreError>;

    /// What is left in the queue of `key`.
    fn queue_state(&mut self, key: &RunKey, max_attempts: u32) -> Result<QueueState, StoreError>;

    /// The versions of `key` that have a result (without their bodies).
    fn result_versions(&mut self, key: &RunKey) -> Result<Vec<String>, StoreError>;
}

/// `$XDG_CACHE_HOME/plainsight/history.sqlite3`, else
/// `~/.cache/plainsight/history.sqlite3`, else `./plainsight-history.sqlite3`:
/// a cache, beside the tarball cache.
pub fn default_url() -> StoreUrl {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        });
    match base {
        Some(b) => StoreUrl::Sqlite(b.join("plainsight").join("history.sqlite3")),
        None => StoreUrl::Sqlite(PathBuf::from("plainsight-history.sqlite3")),
    }
}

/// Opens (creating a SQLite file if needed) and migrates a store for `history`.
pub fn open(url: &StoreUrl) -> Result<Box<dyn HistoryStore>, StoreError> {
    Ok(match url {
        StoreUrl::Sqlite(path) => {
            let mut c = sqlite::SqliteConn::open(path, true)?;
            sql::migrate(&mut c)?;
            Box::new(SqlStore { conn: c })
        }
        StoreUrl::Postgres(u) => {
            let mut c = pg::PgConn::connect(u)?;
            sql::migrate(&mut c)?;
            Box::new(SqlStore { conn: c })
        }
    })
}

const KEY: &str = "package = ?1 AND platform = ?2 AND tool_version = ?3";

fn key_vals(k: &RunKey) -> [Val<'_>; 3] {
    [
        Val::Text(&k.package),
        Val::Text(&k.platform),
        Val::Text(&k.tool_version),
    ]
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 2)
}

fn count(rows: &[Vec<Owned>]) -> u64 {
    rows.first()
        .and_then(|r| r.first())
        .and_then(Owned::i64)
        .unwrap_or(0)
        .max(0) as u64
}

impl<C: Conn> HistoryStore for SqlStore<C> {
    fn backend(&self) -> Backend {
        self.conn.backend()
    }

    fn results(&mut self, key: &RunKey) -> Result<Vec<CachedResult>, StoreError> {
        let rows = self.conn.query(
            &format!(
                "SELECT version, status, body, scanned_at_us, scanned_by \
                 FROM history_results WHERE {KEY}"
            ),
            &key_vals(key),
        )?;
        rows.into_iter()
            .map(|r| {
                let mut it = r.into_iter();
                let mut next = || it.next().unwrap_or(Owned::Null);
                let (v, s, b, t, by) = (next(), next(), next(), next(), next());
                Ok(CachedResult {
                    version: v.into_text(),
                    status: s.into_text(),
                    body: b.into_text(),
                    scanned_at_us: t.i64().ok_or_else(|| {
                        StoreError::Corrupt("history_results.scanned_at_us".into())
                    })?,
                    scanned_by: by.into_text(),
                })
            })
            .collect()
    }

    fn put_result(&mut self, key: &RunKey, r: &CachedResult) -> Result<(), StoreError> {
        transaction(&mut self.conn, |c| {
            let [p, pl, t] = key_vals(key);
            c.exec(
                "INSERT INTO history_results \
                 (package, platform, tool_version, version, status, body, scanned_at_us, scanned_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (package, platform, tool_version, version) DO UPDATE SET \
                 status = excluded.status, body = excluded.body, \
                 scanned_at_us = excluded.scanned_at_us, scanned_by = excluded.scanned_by",
                &[
                    p,
                    pl,
                    t,
                    Val::Text(&r.version),
                    Val::Text(&r.status),
                    Val::Text(&r.body),
                    Val::I64(r.scanned_at_us),
                    Val::Text(&r.scanned_by),
                ],
            )?;
            c.exec(
                &format!("DELETE FROM history_claims WHERE {KEY} AND version = ?4"),
                &[p, pl, t, Val::Text(&r.version)],
            )?;
            Ok(())
        })
    }

    fn enqueue(
        &mut self,
        key: &RunKey,
        versions: &[String],
        max_attempts: u32,
    ) -> Result<(), StoreError> {
        let now = now_us();
        transaction(&mut self.conn, |c| {
            let [p, pl, t] = key_vals(key);
            for (seq, v) in versions.iter().enumerate() {
                c.exec(
                    "INSERT INTO history_claims \
                     (package, platform, tool_version, version, seq, owner, lease_until_us, attempts) \
                     VALUES (?1, ?2, ?3, ?4, ?5, NULL, 0, 0) \
                     ON CONFLICT (package, platform, tool_version, version) DO UPDATE SET \
                     seq = excluded.seq, attempts = 0 \
                     WHERE history_claims.attempts >= ?6 AND history_claims.lease_until_us < ?7",
                    &[
                        p,
                        pl,
                        t,
                        Val::Text(v),
                        Val::I64(seq as i64),
                        Val::I64(i64::from(max_attempts)),
                        Val::I64(now),
                    ],
                )?;
            }
            Ok(())
        })
    }

    fn claim(
        &mut self,
        key: &RunKey,
        owner: &str,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Option<String>, StoreError> {
        let now = now_us();
        // SKIP LOCKED: a row another machine is claiming right now is
        // passed over, not waited for (PostgreSQL). SQLite serialises
        // writers, so the one statement is enough there.
        let lock = match self.conn.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let [p, pl, t] = key_vals(key);
        let rows = self.conn.query(
            &format!(
                "UPDATE history_claims SET owner = ?4, lease_until_us = ?5, attempts = attempts + 1 \
                 WHERE {KEY} AND version = (\
                   SELECT version FROM history_claims \
                   WHERE {KEY} AND lease_until_us < ?6 AND attempts < ?7 \
                   ORDER BY seq, version LIMIT 1{lock}) \
                 RETURNING version"
            ),
            &[
                p,
                pl,
                t,
                Val::Text(owner),
                Val::I64(now.saturating_add(micros(lease))),
                Val::I64(now),
                Val::I64(i64::from(max_attempts)),
            ],
        )?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .map(Owned::into_text))
    }

    fn renew(&mut self, key: &RunKey, owner: &str, lease: Duration) -> Result<u64, StoreError> {
        let [p, pl, t] = key_vals(key);
        self.conn.exec(
            &format!("UPDATE history_claims SET lease_until_us = ?5 WHERE {KEY} AND owner = ?4"),
            &[
                p,
                pl,
                t,
                Val::Text(owner),
                Val::I64(now_us().saturating_add(micros(lease))),
            ],
        )
    }

    fn release(&mut self, key: &RunKey, owner: &str, version: &str) -> Result<(), StoreError> {
        let [p, pl, t] = key_vals(key);
        self.conn.exec(
            &format!(
                "UPDATE history_claims SET owner = NULL, lease_until_us = 0 \
                 WHERE {KEY} AND version = ?4 AND owner = ?5"
            ),
            &[p, pl, t, Val::Text(version), Val::Text(owner)],
        )?;
        Ok(())
    }

    fn queue_state(&mut self, key: &RunKey, max_attempts: u32) -> Result<QueueState, StoreError> {
        let now = now_us();
        let [p, pl, t] = key_vals(key);
        let max = Val::I64(i64::from(max_attempts));
        let leased = count(&self.conn.query(
            &format!("SELECT COUNT(*) FROM history_claims WHERE {KEY} AND lease_until_us >= ?4"),
            &[p, pl, t, Val::I64(now)],
        )?);
        let claimable = count(&self.conn.query(
            &format!(
                "SELECT COUNT(*) FROM history_claims \
                 WHERE {KEY} AND lease_until_us < ?4 AND attempts < ?5"
            ),
            &[p, pl, t, Val::I64(now), max],
        )?);
        let exhausted = count(&self.conn.query(
            &format!(
                "SELECT COUNT(*) FROM history_claims \
                 WHERE {KEY} AND lease_until_us < ?4 AND attempts >= ?5"
            ),
            &[p, pl, t, Val::I64(now), max],
        )?);
        Ok(QueueState {
            leased,
            claimable,
            exhausted,
        })
    }

    fn result_versions(&mut self, key: &RunKey) -> Result<Vec<String>, StoreError> {
        let rows = self.conn.query(
            &format!("SELECT version FROM history_results WHERE {KEY}"),
            &key_vals(key),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .map(Owned::into_text)
            .collect())
    }
}
