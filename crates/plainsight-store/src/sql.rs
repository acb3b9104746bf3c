//! The store written once over a minimal connection trait, so SQLite and
//! PostgreSQL run the same statements (`?1`-style placeholders, rewritten to
//! `$1` for PostgreSQL) and the same tests.

use std::fmt::Write as _;

use plainsight_core::{Finding, Severity};

use crate::migrations::{MIGRATIONS, latest};
use crate::model::{
    Action, Completion, DriftForm, Edit, Exchange, ExchangeId, Filter, NewExchange, Outcome,
    ResponseRecord,
};
use crate::redact::Sealed;
use crate::{Backend, Store, StoreError};

/// A parameter.
#[derive(Clone, Copy, Debug)]
pub enum Val<'a> {
    Null,
    I64(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A column value read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owned {
    Null,
    I64(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl Owned {
    pub(crate) fn i64(&self) -> Option<i64> {
        match self {
            Owned::I64(v) => Some(*v),
            _ => None,
        }
    }

    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Owned::Text(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn into_text(self) -> String {
        match self {
            Owned::Text(s) => s,
            _ => String::new(),
        }
    }

    fn into_blob(self) -> Vec<u8> {
        match self {
            Owned::Blob(b) => b,
            Owned::Text(s) => s.into_bytes(),
            _ => Vec::new(),
        }
    }
}

fn opt_text(s: Option<&str>) -> Val<'_> {
    s.map_or(Val::Null, Val::Text)
}

fn opt_i64(v: Option<i64>) -> Val<'static> {
    v.map_or(Val::Null, Val::I64)
}

/// What a backend must provide: statements, queries, transactions.
pub trait Conn: Send {
    fn backend(&self) -> Backend;
    fn exec(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Val<'_>]) -> Result<Vec<Vec<Owned>>, StoreError>;
    /// Several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// Starts a write transaction that will not be refused at commit time
    /// for another writer (SQLite `BEGIN IMMEDIATE`).
    fn begin_write(&mut self) -> Result<(), StoreError>;
    /// Serialises migrations between processes (inside the transaction).
    fn lock_migrations(&mut self) -> Result<(), StoreError>;
    /// See [`Store::defer_checkpoints`].
    fn defer_checkpoints(&mut self) -> Result<bool, StoreError> {
        Ok(false)
    }
    /// See [`Store::checkpoint`].
    fn checkpoint(&mut self) -> Result<Checkpoint, StoreError> {
        Ok(Checkpoint::default())
    }
}

/// What one [`Store::checkpoint`] did (SQLite; zero elsewhere).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Frames in the write-ahead log.
    pub log_frames: i64,
    /// Frames of it now in the database file.
    pub checkpointed: i64,
}

/// Runs `f` in a write transaction: committed when it returns `Ok`,
/// rolled back otherwise.
pub(crate) fn transaction<C: Conn + ?Sized, T>(
    c: &mut C,
    f: impl FnOnce(&mut C) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    c.begin_write()?;
    match f(c) {
        Ok(v) => {
            c.exec("COMMIT", &[])?;
            Ok(v)
        }
        Err(e) => {
            let _ = c.exec("ROLLBACK", &[]);
            Err(e)
        }
    }
}

/// Applies missing migrations; refuses a schema newer than this binary.
pub fn migrate<C: Conn + ?Sized>(c: &mut C) -> Result<i64, StoreError> {
    let backend = c.backend();
    transaction(c, |c| {
        // Under the lock: two guards starting together must not both create.
        c.lock_migrations()?;
        c.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version    BIGINT PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at BIGINT NOT NULL
            )",
        )?;
        let rows = c.query("SELECT MAX(version) FROM schema_migrations", &[])?;
        let current = rows
            .first()
            .and_then(|r| r.first())
            .and_then(Owned::i64)
            .unwrap_or(0);
        if current > latest() {
            return Err(StoreError::SchemaTooNew {
                found: current,
                known: latest(),
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let sql = match backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            c.batch(sql).map_err(|e| StoreError::Migration {
                version: m.version,
                message: e.to_string(),
            })?;
            c.exec(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                &[Val::I64(m.version), Val::Text(m.name), Val::I64(now_us())],
            )?;
        }
        Ok(latest())
    })
}

pub(crate) fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// The store over any [`Conn`].
pub struct SqlStore<C: Conn> {
    pub(crate) conn: C,
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("store rows serialise")
}

fn severity_num(s: Severity) -> i64 {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0) as i64
}

/// An exchange's columns: the request row and, when it ended, its outcome
/// (migration 3 keeps outcomes in their own table, so the request row,
/// body included, is written once).
const EXCHANGE_COLUMNS: &str = "e.id, e.uid, e.started_at_us, e.guard, e.client_addr, e.agent, \
    e.session, e.method, e.path, e.upstream, e.api, e.model, e.request_headers, e.request_body, \
    e.action, e.reason, e.edits, o.ended_at_us, o.status, o.latency_us, o.first_byte_us, \
    o.response_headers, o.response, o.response_bytes, o.completion, o.outcome_error";

/// The tables [`EXCHANGE_COLUMNS`] come from.
const EXCHANGE_FROM: &str = "exchanges e LEFT JOIN outcomes o ON o.exchange_id = e.id";

impl<C: Conn> SqlStore<C> {
    fn insert_findings(
        c: &mut C,
        id: ExchangeId,
        first_seq: i64,
        stage: &str,
        findings: &[Finding],
    ) -> Result<(), StoreError> {
        for (i, f) in findings.iter().enumerate() {
            let detail = json(f);
            c.exec(
                "INSERT INTO findings (exchange_id, seq, stage, rule, severity, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &[
                    Val::I64(id),
                    Val::I64(first_seq + i as i64),
                    Val::Text(stage),
                    Val::Text(f.rule.code()),
                    Val::I64(severity_num(f.severity)),
                    Val::Text(&detail),
                ],
            )?;
        }
        Ok(())
    }

    /// Inserts one request row and its findings; with `skip_existing`, a
    /// row whose `uid` is already stored is left alone (`None`).
    fn insert_row(
        c: &mut C,
        x: &Sealed<NewExchange>,
        skip_existing: bool,
    ) -> Result<Option<ExchangeId>, StoreError> {
        let x = x.get();
        let headers = json(&x.request_headers);
        let edits = json(&x.edits);
        let action = x.action.unwrap_or(Action::Forwarded);
        let sql = if skip_existing {
            "INSERT INTO exchanges (uid, started_at_us, guard, client_addr, agent, \
             session, method, path, upstream, api, model, request_headers, request_body, \
             action, reason, edits) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
             ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (uid) DO NOTHING RETURNING id"
        } else {
            "INSERT INTO exchanges (uid, started_at_us, guard, client_addr, agent, \
             session, method, path, upstream, api, model, request_headers, request_body, \
             action, reason, edits) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
             ?11, ?12, ?13, ?14, ?15, ?16) RETURNING id"
        };
        let r = c.query(
            sql,
            &[
                Val::Text(&x.uid),
                Val::I64(x.started_at_us),
                Val::Text(&x.guard),
                Val::Text(&x.client_addr),
                Val::Text(&x.agent),
                opt_text(x.session.as_deref()),
                Val::Text(&x.method),
                Val::Text(&x.path),
                Val::Text(&x.upstream),
                opt_text(x.api.as_deref()),
                opt_text(x.model.as_deref()),
                Val::Text(&headers),
                Val::Blob(&x.request_body),
                Val::Text(action.as_str()),
                opt_text(x.reason.as_deref()),
                Val::Text(&edits),
            ],
        )?;
        let Some(id) = r.first().and_then(|r| r.first()).and_then(Owned::i64) else {
            return Ok(None);
        };
        Self::insert_findings(c, id, 0, "request", &x.findings)?;
        Ok(Some(id))
    }

    /// Writes journaled rows (see [`crate::journal`]) in one transaction,
    /// skipping any whose `uid` is already stored (ingested before a crash
    /// cut the journal's truncation short); returns how many were new.
    pub fn ingest(&mut self, rows: &[Sealed<NewExchange>]) -> Result<usize, StoreError> {
        transaction(&mut self.conn, |c| {
            let mut n = 0;
            for x in rows {
                n += usize::from(Self::insert_row(c, x, true)?.is_some());
            }
            Ok(n)
        })
    }

    fn insert_forms(c: &mut C, forms: &[Sealed<DriftForm>]) -> Result<(), StoreError> {
        for f in forms {
            let f = f.get();
            c.exec(
                "INSERT INTO drift_forms (agent, template, form, sample, agent_version, \
                 first_exchange, first_seen_us, guard) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (agent, template, form) DO NOTHING",
                &[
                    Val::Text(&f.agent),
                    Val::Text(&f.template),
                    Val::Text(&f.form),
                    Val::Text(&f.sample),
                    Val::Text(&f.agent_version),
                    Val::Text(&f.first_exchange),
                    Val::I64(f.first_seen_us),
                    Val::Text(&f.guard),
                ],
            )?;
        }
        Ok(())
    }

    fn load(&mut self, rows: Vec<Vec<Owned>>) -> Result<Vec<Exchange>, StoreError> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(exchange_of(row)?);
        }
        if out.is_empty() {
            return Ok(out);
        }
        // Findings of these rows in one query per 500 ids.
        for chunk_start in (0..out.len()).step_by(500) {
            let chunk = &out[chunk_start..(chunk_start + 500).min(out.len())];
            let ids: Vec<String> = chunk.iter().map(|x| x.id.to_string()).collect();
            let sql = format!(
                "SELECT exchange_id, stage, detail FROM findings WHERE exchange_id IN ({}) \
                 ORDER BY exchange_id, seq",
                ids.join(",")
            );
            let frows = self.conn.query(&sql, &[])?;
            for r in frows {
                let mut it = r.into_iter();
                let (Some(id), Some(stage), Some(detail)) = (it.next(), it.next(), it.next())
                else {
                    continue;
                };
                let id = id.i64().unwrap_or(-1);
                let f: Finding = serde_json::from_str(detail.text().unwrap_or("null"))
                    .map_err(|e| StoreError::Corrupt(format!("finding of exchange {id}: {e}")))?;
                let Some(x) = out[chunk_start..].iter_mut().find(|x| x.id == id) else {
                    continue;
                };
                match (stage.text(), &mut x.outcome) {
                    (Some("outcome"), Some(o)) => o.findings.push(f),
                    _ => x.request.findings.push(f),
                }
            }
        }
        Ok(out)
    }
}

fn exchange_of(row: Vec<Owned>) -> Result<Exchange, StoreError> {
    let mut it = row.into_iter();
    let mut next = || it.next().unwrap_or(Owned::Null);
    let id = next().i64().unwrap_or(0);
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        StoreError::Corrupt(format!("exchange {id}: {what}: {e}"))
    };
    let uid = next().into_text();
    let started_at_us = next().i64().unwrap_or(0);
    let guard = next().into_text();
    let client_addr = next().into_text();
    let agent = next().into_text();
    let session = next().text().map(str::to_owned);
    let method = next().into_text();
    let path = next().into_text();
    let upstream = next().into_text();
    let api = next().text().map(str::to_owned);
    let model = next().text().map(str::to_owned);
    let request_headers: Vec<(String, String)> =
        serde_json::from_str(&next().into_text()).map_err(|e| corrupt("request headers", &e))?;
    let request_body = next().into_blob();
    let action_text = next().into_text();
    let action: Action = action_text
        .parse()
        .map_err(|e: String| corrupt("action", &e))?;
    let reason = next().text().map(str::to_owned);
    let edits: Vec<Edit> =
        serde_json::from_str(&next().into_text()).map_err(|e| corrupt("edits", &e))?;
    let ended_at_us = next().i64();
    let status = next().i64();
    let latency_us = next().i64();
    let first_byte_us = next().i64();
    let response_headers = next();
    let response = next();
    let response_bytes = next().i64();
    let completion = next();
    let outcome_error = next().text().map(str::to_owned);
    let outcome = match (ended_at_us, completion.text().and_then(Completion::parse)) {
        (Some(ended_at_us), Some(completion)) => Some(Outcome {
            ended_at_us,
            status: status.map(|s| s as u16),
            latency_us: latency_us.unwrap_or(0),
            first_byte_us,
            response_headers: match response_headers.text() {
                Some(t) => serde_json::from_str(t).map_err(|e| corrupt("response headers", &e))?,
                None => Vec::new(),
            },
            response: match response.text() {
                Some(t) => Some(
                    serde_json::from_str::<ResponseRecord>(t)
                        .map_err(|e| corrupt("response", &e))?,
                ),
                None => None,
            },
            response_bytes: response_bytes.unwrap_or(0) as u64,
            completion,
            findings: Vec::new(),
            error: outcome_error,
        }),
        _ => None,
    };
    Ok(Exchange {
        id,
        request: NewExchange {
            uid,
            started_at_us,
            guard,
            client_addr,
            agent,
            session,
            method,
            path,
            upstream,
            api,
            model,
            request_headers,
            request_body: request_body.into(),
            findings: Vec::new(),
            action: Some(action),
            reason,
            edits,
        },
        outcome,
    })
}

impl<C: Conn> Store for SqlStore<C> {
    fn backend(&self) -> Backend {
        self.conn.backend()
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        let rows = self
            .conn
            .query("SELECT MAX(version) FROM schema_migrations", &[])?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Owned::i64)
            .unwrap_or(0))
    }

    fn meta(&mut self, key: &str, init: &str) -> Result<String, StoreError> {
        self.conn.exec(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            &[Val::Text(key), Val::Text(init)],
        )?;
        let rows = self
            .conn
            .query("SELECT value FROM meta WHERE key = ?1", &[Val::Text(key)])?;
        rows.into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .map(Owned::into_text)
            .ok_or_else(|| StoreError::Corrupt(format!("meta {key} missing after insert")))
    }

    fn begin(&mut self, rows: &[Sealed<NewExchange>]) -> Result<Vec<ExchangeId>, StoreError> {
        transaction(&mut self.conn, |c| {
            let mut ids = Vec::with_capacity(rows.len());
            for x in rows {
                let id = Self::insert_row(c, x, false)?
                    .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?;
                ids.push(id);
            }
            Ok(ids)
        })
    }

    fn finish(
        &mut self,
        rows: &[(ExchangeId, Sealed<Outcome>)],
        forms: &[Sealed<DriftForm>],
    ) -> Result<(), StoreError> {
        transaction(&mut self.conn, |c| {
            for (id, o) in rows {
                let o = o.get();
                let headers = json(&o.response_headers);
                let response = o.response.as_ref().map(json);
                // Appended, never an UPDATE of the request row: SQLite
                // would rewrite the whole record, body included.
                let known = c.query("SELECT 1 FROM exchanges WHERE id = ?1", &[Val::I64(*id)])?;
                if known.is_empty() {
                    return Err(StoreError::Corrupt(format!(
                        "outcome for exchange {id}, which is not in the store"
                    )));
                }
                c.exec(
                    "INSERT INTO outcomes (exchange_id, ended_at_us, status, latency_us, \
                     first_byte_us, response_headers, response, response_bytes, completion, \
                     outcome_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                     ON CONFLICT (exchange_id) DO NOTHING",
                    &[
                        Val::I64(*id),
                        Val::I64(o.ended_at_us),
                        opt_i64(o.status.map(i64::from)),
                        Val::I64(o.latency_us),
                        opt_i64(o.first_byte_us),
                        Val::Text(&headers),
                        opt_text(response.as_deref()),
                        Val::I64(o.response_bytes as i64),
                        Val::Text(o.completion.as_str()),
                        opt_text(o.error.as_deref()),
                    ],
                )?;
                if !o.findings.is_empty() {
                    let next = c.query(
                        "SELECT COUNT(*) FROM findings WHERE exchange_id = ?1",
                        &[Val::I64(*id)],
                    )?;
                    let first = next
                        .first()
                        .and_then(|r| r.first())
                        .and_then(Owned::i64)
                        .unwrap_or(0);
                    Self::insert_findings(c, *id, first, "outcome", &o.findings)?;
                }
            }
            Self::insert_forms(c, forms)
        })
    }

    fn drift_forms(&mut self, after: i64) -> Result<Vec<(i64, DriftForm)>, StoreError> {
        let rows = self.conn.query(
            "SELECT id, agent, template, form, sample, agent_version, first_exchange, \
             first_seen_us, guard FROM drift_forms WHERE id > ?1 ORDER BY id",
            &[Val::I64(after)],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let mut it = r.into_iter();
                let mut next = || it.next().unwrap_or(Owned::Null);
                let id = next().i64().unwrap_or(0);
                (
                    id,
                    DriftForm {
                        agent: next().into_text(),
                        template: next().into_text(),
                        form: next().into_text(),
                        sample: next().into_text(),
                        agent_version: next().into_text(),
                        first_exchange: next().into_text(),
                        first_seen_us: next().i64().unwrap_or(0),
                        guard: next().into_text(),
                    },
                )
            })
            .collect())
    }

    fn list(&mut self, filter: &Filter) -> Result<Vec<Exchange>, StoreError> {
        let mut sql = format!("SELECT {EXCHANGE_COLUMNS} FROM {EXCHANGE_FROM} WHERE 1 = 1");
        let agent_like = filter.agent.as_ref().map(|a| {
            let escaped = a
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        // Each clause with `?#` for its parameter's number.
        let mut clauses: Vec<(&str, Val<'_>)> = Vec::new();
        if let Some(a) = &agent_like {
            clauses.push((" AND e.agent LIKE ?# ESCAPE '\\'", Val::Text(a)));
        }
        if let Some(v) = filter.since_us {
            clauses.push((" AND e.started_at_us >= ?#", Val::I64(v)));
        }
        if let Some(v) = filter.until_us {
            clauses.push((" AND e.started_at_us < ?#", Val::I64(v)));
        }
        if let Some(r) = &filter.rule {
            clauses.push((
                " AND EXISTS (SELECT 1 FROM findings f WHERE f.exchange_id = e.id AND f.rule = ?#)",
                Val::Text(r),
            ));
        }
        if let Some(s) = filter.min_severity {
            clauses.push((
                " AND EXISTS (SELECT 1 FROM findings f WHERE f.exchange_id = e.id \
                 AND f.severity >= ?#)",
                Val::I64(severity_num(s)),
            ));
        }
        if let Some(a) = filter.action {
            clauses.push((" AND e.action = ?#", Val::Text(a.as_str())));
        }
        if let Some(v) = filter.after_id {
            clauses.push((" AND e.id > ?#", Val::I64(v)));
        }
        if let Some(v) = filter.before_id {
            clauses.push((" AND e.id < ?#", Val::I64(v)));
        }
        if let Some(u) = &filter.uid {
            clauses.push((" AND e.uid = ?#", Val::Text(u)));
        }
        let mut params = Vec::with_capacity(clauses.len());
        for (i, (clause, v)) in clauses.into_iter().enumerate() {
            sql.push_str(&clause.replace("?#", &format!("?{}", i + 1)));
            params.push(v);
        }
        sql.push_str(if filter.newest_first {
            " ORDER BY e.id DESC"
        } else {
            " ORDER BY e.started_at_us, e.id"
        });
        if let Some(l) = filter.limit {
            let _ = write!(sql, " LIMIT {l}");
        }
        let rows = self.conn.query(&sql, &params)?;
        self.load(rows)
    }

    fn get(&mut self, id: ExchangeId) -> Result<Option<Exchange>, StoreError> {
        let rows = self.conn.query(
            &format!("SELECT {EXCHANGE_COLUMNS} FROM {EXCHANGE_FROM} WHERE e.id = ?1"),
            &[Val::I64(id)],
        )?;
        Ok(self.load(rows)?.into_iter().next())
    }

    fn defer_checkpoints(&mut self) -> Result<bool, StoreError> {
        self.conn.defer_checkpoints()
    }

    fn checkpoint(&mut self) -> Result<Checkpoint, StoreError> {
        self.conn.checkpoint()
    }

    fn count(&mut self) -> Result<u64, StoreError> {
        let rows = self.conn.query("SELECT COUNT(*) FROM exchanges", &[])?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Owned::i64)
            .unwrap_or(0) as u64)
    }
}
