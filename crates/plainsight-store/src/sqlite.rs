//! SQLite: one file, WAL, `synchronous=NORMAL`.
//!
//! In WAL mode with `synchronous=NORMAL` a commit is in the WAL file (the
//! operating system's cache) when `COMMIT` returns: a `kill -9` of the guard
//! loses nothing committed; only a power cut can lose the last transactions.
//! The WAL is fsynced at checkpoints. Readers (`plainsight audit`) do not
//! block the writer.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::sql::{Checkpoint, Conn, Owned, Val};

/// Log frames (pages) past which a checkpoint waits for writers so the log
/// starts over: 16,384 pages of 4 KiB = 64 MiB.
const RESTART_FRAMES: i64 = 16_384;
use crate::{Backend, StoreError};

pub struct SqliteConn {
    conn: Connection,
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(err)`
fn err(e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite(e.to_string())
}

impl SqliteConn {
    pub fn open(path: &Path, create: bool) -> Result<SqliteConn, StoreError> {
        if create
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                store: path.display().to_string(),
                message: format!("creating {}: {e}", dir.display()),
            })?;
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Open {
            store: path.display().to_string(),
            message: e.to_string(),
        })?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        let mode = wal_mode(&conn)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Open {
                store: path.display().to_string(),
                message: format!("cannot switch to WAL (journal mode {mode})"),
            });
        }
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
             PRAGMA journal_size_limit = 67108864;",
        )
        .map_err(err)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteConn { conn })
    }
}

/// How long a writer waits for another one's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Switches the connection to WAL and returns the journal mode now in force.
///
/// Switching a fresh database out of rollback mode needs an exclusive lock,
/// and SQLite answers `SQLITE_BUSY` at once, without calling the busy handler,
/// when two connections opening together would otherwise wait on each other
/// (guards started together on a new store). That answer is retried here with
/// a short backoff for as long as the busy timeout allows.
fn wal_mode(conn: &Connection) -> Result<String, StoreError> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(mode) => return Ok(mode),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(e) => return Err(err(e)),
        }
    }
}

fn bind<'a>(params: &[Val<'a>]) -> Vec<ToSqlOutput<'a>> {
    params
        .iter()
        .map(|p| {
            ToSqlOutput::Borrowed(match *p {
                Val::Null => ValueRef::Null,
                Val::I64(v) => ValueRef::Integer(v),
                Val::Text(s) => ValueRef::Text(s.as_bytes()),
                Val::Blob(b) => ValueRef::Blob(b),
            })
        })
        .collect()
}

impl Conn for SqliteConn {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn exec(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64, StoreError> {
        let mut st = self.conn.prepare_cached(sql).map_err(err)?;
        let n = st
            .execute(rusqlite::params_from_iter(bind(params)))
            .map_err(err)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val<'_>]) -> Result<Vec<Vec<Owned>>, StoreError> {
        let mut st = self.conn.prepare_cached(sql).map_err(err)?;
        let n = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(bind(params)))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let mut r = Vec::with_capacity(n);
            for i in 0..n {
                r.push(match row.get::<_, Value>(i).map_err(err)? {
                    Value::Null => Owned::Null,
                    Value::Integer(v) => Owned::I64(v),
                    Value::Real(v) => Owned::I64(v as i64),
                    Value::Text(s) => Owned::Text(s),
                    Value::Blob(b) => Owned::Blob(b),
                });
            }
            out.push(r);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql).map_err(err)
    }

    fn begin_write(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(err)
    }

    fn lock_migrations(&mut self) -> Result<(), StoreError> {
        // BEGIN IMMEDIATE already holds the database's write lock.
        Ok(())
    }

    fn defer_checkpoints(&mut self) -> Result<bool, StoreError> {
        self.conn
            .execute_batch("PRAGMA wal_autocheckpoint = 0")
            .map_err(err)?;
        Ok(true)
    }

    fn checkpoint(&mut self) -> Result<Checkpoint, StoreError> {
        let run = |mode: &str| {
            self.conn
                .query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
                    Ok(Checkpoint {
                        log_frames: r.get(1)?,
                        checkpointed: r.get(2)?,
                    })
                })
                .map_err(err)
        };
        let c = run("PASSIVE")?;
        if c.log_frames > RESTART_FRAMES {
            return run("RESTART");
        }
        Ok(c)
    }
}
