//! PostgreSQL, for teams: many guards on many machines write into one
//! database, and `plainsight audit` queries it there.
//!
//! The synchronous `postgres` client (tokio-postgres underneath, on its own
//! small runtime) is used from the guard's recorder threads, never from the
//! async request path. Statements are prepared once per connection.
//! Connections are made without TLS (`sslmode=disable` or `prefer`);
//! a database reached over an untrusted network should sit behind a TLS
//! tunnel until TLS is added here.

use std::collections::HashMap;
use std::error::Error;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};

use crate::sql::{Conn, Owned, Val};
use crate::{Backend, StoreError};

pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

fn err(e: &postgres::Error) -> StoreError {
    // `{e}` alone is "db error"; the source carries the server's message.
    let detail = e.source().map(ToString::to_string);
    StoreError::Postgres(match detail {
        Some(d) => format!("{e}: {d}"),
        None => e.to_string(),
    })
}

impl PgConn {
    pub fn connect(url: &str) -> Result<PgConn, StoreError> {
        let client = Client::connect(url, NoTls).map_err(|e| StoreError::Open {
            store: redact_url(url),
            message: err(&e).to_string(),
        })?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self
            .client
            .prepare(&dollar_placeholders(sql))
            .map_err(|e| err(&e))?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

/// `postgres://user:password@host/db` without the password, for messages.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((cred, host)) = rest.split_once('@')
    {
        let user = cred.split(':').next().unwrap_or("");
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

/// `?1` → `$1` (outside string literals).
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_str = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_str = !in_str;
        }
        if c == '?' && !in_str && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug)]
struct P<'a>(Val<'a>);

impl ToSql for P<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            Val::Null => Ok(IsNull::Yes),
            Val::I64(v) => match *ty {
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Val::Text(s) => s.to_sql(ty, out),
            Val::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8 | Type::INT4 | Type::INT2 | Type::TEXT | Type::VARCHAR | Type::BYTEA
        )
    }

    to_sql_checked!();
}

fn params<'a>(p: &'a [P<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    p.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Conn for PgConn {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn exec(&mut self, sql: &str, p: &[Val<'_>]) -> Result<u64, StoreError> {
        if p.is_empty() && !sql.contains('?') {
            // Transaction control and the like: no statement to prepare.
            return self.client.execute(sql, &[]).map_err(|e| err(&e));
        }
        let st = self.statement(sql)?;
        let vals: Vec<P<'_>> = p.iter().map(|v| P(*v)).collect();
        self.client
            .execute(&st, &params(&vals))
            .map_err(|e| err(&e))
    }

    fn query(&mut self, sql: &str, p: &[Val<'_>]) -> Result<Vec<Vec<Owned>>, StoreError> {
        let st = self.statement(sql)?;
        let vals: Vec<P<'_>> = p.iter().map(|v| P(*v)).collect();
        let rows = self
            .client
            .query(&st, &params(&vals))
            .map_err(|e| err(&e))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut r = Vec::with_capacity(row.len());
            for (i, col) in row.columns().iter().enumerate() {
                let v = match *col.type_() {
                    Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Owned::I64)),
                    Type::INT4 => row
                        .try_get::<_, Option<i32>>(i)
                        .map(|v| v.map(|v| Owned::I64(v.into()))),
                    Type::INT2 => row
                        .try_get::<_, Option<i16>>(i)
                        .map(|v| v.map(|v| Owned::I64(v.into()))),
                    Type::BYTEA => row
                        .try_get::<_, Option<Vec<u8>>>(i)
                        .map(|v| v.map(Owned::Blob)),
                    _ => row
                        .try_get::<_, Option<String>>(i)
                        .map(|v| v.map(Owned::Text)),
                }
                .map_err(|e| err(&e))?;
                r.push(v.unwrap_or(Owned::Null));
            }
            out.push(r);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(|e| err(&e))
    }

    fn begin_write(&mut self) -> Result<(), StoreError> {
        self.client.batch_execute("BEGIN").map_err(|e| err(&e))
    }

    fn lock_migrations(&mut self) -> Result<(), StoreError> {
        // Any constant: every plainsight migrating this database takes it.
        self.client
            .batch_execute("SELECT pg_advisory_xact_lock(7075846169)")
            .map_err(|e| err(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(
            dollar_placeholders("SELECT ?1, '?2', ?10 WHERE a LIKE ?3 ESCAPE '\\'"),
            "SELECT $1, '?2', $10 WHERE a LIKE $3 ESCAPE '\\'"
        );
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
