//! The audit store: every exchange the guard sees, written in two steps,
//! behind one trait with two backends.
//!
//! - **SQLite** (default; one embedded file in WAL mode with
//!   `synchronous=NORMAL`): one guard per laptop.
//! - **PostgreSQL**: many guards on many machines write into one database,
//!   and queries run there.
//!
//! Both run the same statements ([`sql`]) after the same versioned
//! [`migrations`], and one test suite (`tests/store.rs`) runs against both.
//!
//! Why the trait looks like this:
//! - **Batches.** [`Store::begin`] and [`Store::finish`] take slices: the
//!   guard's recorder commits every row waiting at that moment in one
//!   transaction (group commit), so a burst costs one commit, and a lone
//!   request still waits for exactly one.
//! - **Committed means forwarded.** `begin` returns only after its
//!   transaction committed; the guard forwards a request only then. The
//!   outcome is appended by `finish` when the response ends, so a row
//!   without an outcome is a request that was forwarded and whose answer
//!   the guard did not see end (it was killed, or is still streaming).
//! - **Sealed rows only.** Write methods take [`redact::Sealed`] values,
//!   which only [`Redactor`] makes: nothing reaches a table without passing
//!   the one redaction function.
//! - **Synchronous, `&mut self`.** A store value is one connection. The
//!   guard runs its writes on dedicated threads (never on the async request
//!   path), `plainsight audit` is a plain command, and the web view will
//!   hold one per worker. Queries ([`Store::list`], [`Store::get`]) are the
//!   seam the `serve` pages will use.
//!
//! The `history` command's result cache and work queue live in the same
//! database behind their own trait, [`history::HistoryStore`].

pub mod history;
pub mod journal;
pub mod migrations;
mod model;
mod pg;
pub mod redact;
pub mod sql;
mod sqlite;
pub mod testing;

use std::fmt::Write as _;
use std::path::PathBuf;

pub use model::{
    Action, Completion, DriftForm, Edit, Exchange, ExchangeId, Filter, NewExchange, Outcome,
    ResponseRecord,
};
pub use redact::{Redactor, Sealed};
pub use sql::Checkpoint;

/// Which database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Why the store failed. Names the store (passwords removed) where it can.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("store `{0}`: not a store URL (use sqlite:PATH or postgres://…)")]
    BadUrl(String),
    #[error("opening store {store}: {message}")]
    Open { store: String, message: String },
    #[error(
        "store schema version {found} is newer than this plainsight knows ({known}); upgrade plainsight"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("store migration {version} failed: {message}")]
    Migration { version: i64, message: String },
    #[error("sqlite: {0}")]
    Sqlite(String),
    #[error("postgres: {0}")]
    Postgres(String),
    #[error("store data is corrupt: {0}")]
    Corrupt(String),
    #[error("store is unavailable: {0}")]
    Unavailable(String),
}

/// One connection to an audit store.
pub trait Store: Send {
    fn backend(&self) -> Backend;

    /// The schema version in the database.
    fn schema_version(&mut self) -> Result<i64, StoreError>;

    /// A value of the `meta` table, set to `init` if it is not there yet
    /// (the first writer wins, every other reads its value).
    fn meta(&mut self, key: &str, init: &str) -> Result<String, StoreError>;

    /// Writes the request halves in one transaction and returns their ids
    /// once it committed.
    fn begin(&mut self, rows: &[Sealed<NewExchange>]) -> Result<Vec<ExchangeId>, StoreError>;

    /// Appends outcomes (and newly learned drift forms) in one transaction.
    fn finish(
        &mut self,
        rows: &[(ExchangeId, Sealed<Outcome>)],
        forms: &[Sealed<DriftForm>],
    ) -> Result<(), StoreError>;

    /// Drift forms learned so far (by any guard) with a sequence number
    /// above `after`, in order.
    fn drift_forms(&mut self, after: i64) -> Result<Vec<(i64, DriftForm)>, StoreError>;

    /// Exchanges matching `filter`, oldest first, with their findings.
    fn list(&mut self, filter: &Filter) -> Result<Vec<Exchange>, StoreError>;

    fn get(&mut self, id: ExchangeId) -> Result<Option<Exchange>, StoreError>;

    fn count(&mut self) -> Result<u64, StoreError>;

    /// Stops this connection from checkpointing the write-ahead log inside
    /// its own commits (SQLite's automatic checkpoint runs in the commit
    /// that crosses 1,000 pages, and that request waits for it). Whoever
    /// calls this must call [`Store::checkpoint`] from another connection,
    /// or the log grows without bound. Returns `false` where there is
    /// nothing to defer (PostgreSQL).
    fn defer_checkpoints(&mut self) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// Copies committed log pages into the database without waiting for
    /// writers (SQLite `wal_checkpoint(PASSIVE)`); when the log has grown
    /// past 64 MiB regardless (writers never paused), waits for them once
    /// (`RESTART`) so it starts over. A no-op on PostgreSQL.
    fn checkpoint(&mut self) -> Result<sql::Checkpoint, StoreError> {
        Ok(sql::Checkpoint::default())
    }
}

/// Where a store is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl StoreUrl {
    /// `sqlite:PATH`, `sqlite://PATH`, `postgres://…`, `postgresql://…`, or a
    /// bare path (SQLite).
    pub fn parse(s: &str) -> Result<StoreUrl, StoreError> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(s.to_owned()));
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .unwrap_or(s);
        if path.is_empty() || path.contains("://") {
            return Err(StoreError::BadUrl(pg::redact_url(s)));
        }
        Ok(StoreUrl::Sqlite(PathBuf::from(path)))
    }

    /// The default: `$XDG_DATA_HOME/plainsight/audit.sqlite3`, else
    /// `~/.local/share/plainsight/audit.sqlite3`, else `./plainsight-audit.sqlite3`.
    pub fn default_sqlite() -> StoreUrl {
        let base = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| PathBuf::from(h).join(".local/share"))
            });
        match base {
            Some(b) => StoreUrl::Sqlite(b.join("plainsight").join("audit.sqlite3")),
            None => StoreUrl::Sqlite(PathBuf::from("plainsight-audit.sqlite3")),
        }
    }

    /// For messages: the path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            StoreUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
            StoreUrl::Postgres(u) => pg::redact_url(u),
        }
    }
}

/// How to open a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the database if needed and apply missing migrations (writers).
    Write,
    /// The database must exist (readers such as `plainsight audit`);
    /// migrations are applied if missing, so an old store stays readable.
    Read,
}

/// Opens a store and brings its schema up to date.
pub fn open(url: &StoreUrl, mode: OpenMode) -> Result<Box<dyn Store>, StoreError> {
    let mut store: Box<dyn Store> = match url {
        StoreUrl::Sqlite(path) => {
            if mode == OpenMode::Read && !path.exists() {
                return Err(StoreError::Open {
                    store: url.display(),
                    message: "no such file (a guard creates it on first start)".into(),
                });
            }
            let mut c = sqlite::SqliteConn::open(path, mode == OpenMode::Write)?;
            sql::migrate(&mut c)?;
            let mut s = sql::SqlStore { conn: c };
            // Rows journaled by a writer that is gone (killed) are stored
            // now: whoever opens the store next finds every one.
            journal::replay(path, &mut |rows| s.ingest(rows))?;
            Box::new(s)
        }
        StoreUrl::Postgres(u) => {
            let mut c = pg::PgConn::connect(u)?;
            sql::migrate(&mut c)?;
            Box::new(sql::SqlStore { conn: c })
        }
    };
    let _ = store.schema_version()?;
    Ok(store)
}

/// The store's redaction key (created by the first writer), as a
/// [`Redactor`]: every guard on one store fingerprints secrets alike.
pub fn redactor(store: &mut dyn Store) -> Result<Redactor, StoreError> {
    let init = random_hex(32)?;
    let key = store.meta("redaction_key", &init)?;
    Ok(Redactor::new(key.as_bytes()))
}

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> Result<String, StoreError> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| StoreError::Unavailable(format!("reading /dev/urandom: {e}")))?;
    let mut hex = String::with_capacity(2 * n);
    for b in buf {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

#[allow(clippy::many_single_char_names)]
/// `2026-11-28T09:12:03.123456Z` for a Unix time in microseconds (UTC).
pub fn format_time(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[allow(clippy::many_single_char_names)] // y, m, d, h: the calendar's own names
/// Parses `2026-11-28`, `2026-11-28T09:12:03Z` (fraction optional) or a
/// Unix time in seconds, into Unix microseconds (UTC).
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<i64>() {
        return secs.checked_mul(1_000_000);
    }
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim_end_matches('Z'))),
        None => (s, None),
    };
    let mut it = date.splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    // Years beyond four digits are refused rather than overflowed.
    if !(0..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // days_from_civil
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    // Checked: the text may come from a query string (`9999999999-01-01`).
    let mut us = days.checked_mul(86_400_000_000)?;
    if let Some(t) = time {
        let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
        let mut p = hms.splitn(3, ':');
        let h: i64 = p.next()?.parse().ok()?;
        let mi: i64 = p.next().unwrap_or("0").parse().ok()?;
        let se: i64 = p.next().unwrap_or("0").parse().ok()?;
        if h > 23 || mi > 59 || se > 60 {
            return None;
        }
        us = us.checked_add((h * 3600 + mi * 60 + se) * 1_000_000)?;
        if !frac.is_empty() {
            let digits: String = frac.chars().take(6).collect();
            let n: i64 = digits.parse().ok()?;
            us = us.checked_add(n * 10_i64.pow(6 - digits.len() as u32))?;
        }
    }
    Some(us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format_time(1_795_854_723_000_001),
            "2026-11-28T08:32:03.000001Z"
        );
        for t in [0, 1_795_854_723_000_001, 951_782_400_000_000] {
            assert_eq!(parse_time(&format_time(t)), Some(t));
        }
        assert_eq!(parse_time("2026-11-28"), parse_time("2026-11-28T00:00:00Z"));
        assert_eq!(parse_time("60"), Some(60_000_000));
        assert_eq!(parse_time("2026-13-01"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("99999999999-01-01"), None);
        assert_eq!(parse_time("99999999999-01-01T23:59:59.9Z"), None);
        assert_eq!(parse_time("-5"), Some(-5_000_000));
        assert_eq!(
            parse_time("2026-11-28T09:00:00.5Z"),
            Some(parse_time("2026-11-28T09:00:00Z").unwrap() + 500_000)
        );
    }
}
