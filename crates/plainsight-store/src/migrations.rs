//! Versioned schema migrations, the same versions for both backends.
//!
//! Each migration has one SQL text per dialect; they differ only in types
//! (`INTEGER PRIMARY KEY` / identity columns, `BLOB` / `BYTEA`). A store
//! records what it applied in `schema_migrations`; opening a store applies
//! the missing ones in one transaction (PostgreSQL under an advisory lock,
//! so guards starting together do not race; SQLite under `BEGIN
//! IMMEDIATE`). A store whose schema is newer than this binary is refused.
//!
//! To extend the store (the `history` command's per-version result cache
//! and its row-claiming table, say), append a migration with the next
//! version; never edit one that has shipped.

/// One schema step.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration, in order. Versions are 1, 2, 3, … without gaps.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "audit log: exchanges, findings, drift forms, meta",
    sqlite: r"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE exchanges (
    id               INTEGER PRIMARY KEY,
    uid              TEXT NOT NULL UNIQUE,
    started_at_us    INTEGER NOT NULL,
    guard            TEXT NOT NULL,
    client_addr      TEXT NOT NULL,
    agent            TEXT NOT NULL,
    session          TEXT,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    upstream         TEXT NOT NULL,
    api              TEXT,
    model            TEXT,
    request_headers  TEXT NOT NULL,
    request_body     BLOB NOT NULL,
    action           TEXT NOT NULL,
    reason           TEXT,
    edits            TEXT NOT NULL,
    ended_at_us      INTEGER,
    status           INTEGER,
    latency_us       INTEGER,
    first_byte_us    INTEGER,
    response_headers TEXT,
    response         TEXT,
    response_bytes   INTEGER,
    completion       TEXT,
    outcome_error    TEXT
);
CREATE INDEX exchanges_started ON exchanges (started_at_us, id);
CREATE INDEX exchanges_agent ON exchanges (agent);
CREATE TABLE findings (
    exchange_id INTEGER NOT NULL REFERENCES exchanges (id),
    seq         INTEGER NOT NULL,
    stage       TEXT NOT NULL,
    rule        TEXT NOT NULL,
    severity    INTEGER NOT NULL,
    detail      TEXT NOT NULL,
    PRIMARY KEY (exchange_id, seq)
);
CREATE INDEX findings_rule ON findings (rule, exchange_id);
CREATE TABLE drift_forms (
    id             INTEGER PRIMARY KEY,
    agent          TEXT NOT NULL,
    template       TEXT NOT NULL,
    form           TEXT NOT NULL,
    sample         TEXT NOT NULL,
    agent_version  TEXT NOT NULL,
    first_exchange TEXT NOT NULL,
    first_seen_us  INTEGER NOT NULL,
    guard          TEXT NOT NULL,
    UNIQUE (agent, template, form)
);
",
    postgres: r"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE exchanges (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid              TEXT NOT NULL UNIQUE,
    started_at_us    BIGINT NOT NULL,
    guard            TEXT NOT NULL,
    client_addr      TEXT NOT NULL,
    agent            TEXT NOT NULL,
    session          TEXT,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    upstream         TEXT NOT NULL,
    api              TEXT,
    model            TEXT,
    request_headers  TEXT NOT NULL,
    request_body     BYTEA NOT NULL,
    action           TEXT NOT NULL,
    reason           TEXT,
    edits            TEXT NOT NULL,
    ended_at_us      BIGINT,
    status           BIGINT,
    latency_us       BIGINT,
    first_byte_us    BIGINT,
    response_headers TEXT,
    response         TEXT,
    response_bytes   BIGINT,
    completion       TEXT,
    outcome_error    TEXT
);
CREATE INDEX exchanges_started ON exchanges (started_at_us, id);
CREATE INDEX exchanges_agent ON exchanges (agent);
CREATE TABLE findings (
    exchange_id BIGINT NOT NULL REFERENCES exchanges (id),
    seq         BIGINT NOT NULL,
    stage       TEXT NOT NULL,
    rule        TEXT NOT NULL,
    severity    BIGINT NOT NULL,
    detail      TEXT NOT NULL,
    PRIMARY KEY (exchange_id, seq)
);
CREATE INDEX findings_rule ON findings (rule, exchange_id);
CREATE TABLE drift_forms (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent          TEXT NOT NULL,
    template       TEXT NOT NULL,
    form           TEXT NOT NULL,
    sample         TEXT NOT NULL,
    agent_version  TEXT NOT NULL,
    first_exchange TEXT NOT NULL,
    first_seen_us  BIGINT NOT NULL,
    guard          TEXT NOT NULL,
    UNIQUE (agent, template, form)
);
",
}];

/// The schema version this binary knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_dense_and_both_dialects_define_the_same_tables() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
            let tables = |sql: &str| {
                sql.split("CREATE ")
                    .skip(1)
                    .map(|s| s.split('(').next().unwrap().trim().to_owned())
                    .collect::<Vec<_>>()
            };
            assert_eq!(tables(m.sqlite), tables(m.postgres), "{}", m.name);
        }
    }
}
