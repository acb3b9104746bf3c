//! Versioned schema migrations, the same versions for both backends.
//!
//! Each migration has one SQL text per dialect; they differ only in types
//! (`INTEGER PRIMARY KEY` / identity columns, `BLOB` / `BYTEA`). A store
//! records what it applied in `schema_migrations`; opening a store applies
//! the missing ones in one transaction (PostgreSQL under an advisory lock,
//! so guards starting together do not race; SQLite under `BEGIN
//! IMMEDIATE`). A store whose schema is newer than this binary is refused.
//!
//! To extend the store, append a migration with the next version; never
//! edit one that has shipped. Each feature keeps its migrations in its own
//! block below (`history` after the audit log), so two branches that both
//! append renumber one constant at a merge.

/// One schema step.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration, in order. Versions are 1, 2, 3, … without gaps.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
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
    },
    HISTORY_RESULTS,
    OUTCOMES_APART,
];

// ---- history (`plainsight history`): the per-version result cache and the
// work queue several machines claim rows from. See `crate::history`. ----

/// Results keyed by (package, version, platform, plainsight version); claims
/// are the work queue of one history run (one row per version still to
/// scan, leased to one machine at a time).
const HISTORY_RESULTS: Migration = Migration {
    version: 2,
    name: "history: per-version result cache and row claims",
    sqlite: r"
CREATE TABLE history_results (
    package       TEXT NOT NULL,
    version       TEXT NOT NULL,
    platform      TEXT NOT NULL,
    tool_version  TEXT NOT NULL,
    status        TEXT NOT NULL,
    body          TEXT NOT NULL,
    scanned_at_us INTEGER NOT NULL,
    scanned_by    TEXT NOT NULL,
    PRIMARY KEY (package, platform, tool_version, version)
);
CREATE TABLE history_claims (
    package        TEXT NOT NULL,
    version        TEXT NOT NULL,
    platform       TEXT NOT NULL,
    tool_version   TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    owner          TEXT,
    lease_until_us INTEGER NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (package, platform, tool_version, version)
);
CREATE INDEX history_claims_next ON history_claims (package, platform, tool_version, seq);
",
    postgres: r"
CREATE TABLE history_results (
    package       TEXT NOT NULL,
    version       TEXT NOT NULL,
    platform      TEXT NOT NULL,
    tool_version  TEXT NOT NULL,
    status        TEXT NOT NULL,
    body          TEXT NOT NULL,
    scanned_at_us BIGINT NOT NULL,
    scanned_by    TEXT NOT NULL,
    PRIMARY KEY (package, platform, tool_version, version)
);
CREATE TABLE history_claims (
    package        TEXT NOT NULL,
    version        TEXT NOT NULL,
    platform       TEXT NOT NULL,
    tool_version   TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    owner          TEXT,
    lease_until_us BIGINT NOT NULL DEFAULT 0,
    attempts       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (package, platform, tool_version, version)
);
CREATE INDEX history_claims_next ON history_claims (package, platform, tool_version, seq);
",
};

// ---- audit log, continued. ----

/// Outcomes in their own table. Appending an outcome used to `UPDATE` the
/// exchange row, and SQLite rewrites a whole record on update, request
/// body and overflow pages included: every exchange wrote its body twice
/// (to the WAL, then at checkpoint). Now the request row is written once
/// and never touched again; the outcome is a small row of its own,
/// inserted when the response ends (append-only, like the log it is).
/// Existing outcomes are moved over.
const OUTCOMES_APART: Migration = Migration {
    version: 3,
    name: "audit log: outcomes apart from the request row (the body is written once)",
    sqlite: r"
CREATE TABLE outcomes (
    exchange_id      INTEGER PRIMARY KEY REFERENCES exchanges (id),
    ended_at_us      INTEGER NOT NULL,
    status           INTEGER,
    latency_us       INTEGER NOT NULL,
    first_byte_us    INTEGER,
    response_headers TEXT NOT NULL,
    response         TEXT,
    response_bytes   INTEGER NOT NULL,
    completion       TEXT NOT NULL,
    outcome_error    TEXT
);
INSERT INTO outcomes (exchange_id, ended_at_us, status, latency_us, first_byte_us,
    response_headers, response, response_bytes, completion, outcome_error)
SELECT id, ended_at_us, status, COALESCE(latency_us, 0), first_byte_us,
    COALESCE(response_headers, '[]'), response, COALESCE(response_bytes, 0), completion,
    outcome_error
FROM exchanges WHERE ended_at_us IS NOT NULL AND completion IS NOT NULL;
ALTER TABLE exchanges DROP COLUMN ended_at_us;
ALTER TABLE exchanges DROP COLUMN status;
ALTER TABLE exchanges DROP COLUMN latency_us;
ALTER TABLE exchanges DROP COLUMN first_byte_us;
ALTER TABLE exchanges DROP COLUMN response_headers;
ALTER TABLE exchanges DROP COLUMN response;
ALTER TABLE exchanges DROP COLUMN response_bytes;
ALTER TABLE exchanges DROP COLUMN completion;
ALTER TABLE exchanges DROP COLUMN outcome_error;
",
    postgres: r"
CREATE TABLE outcomes (
    exchange_id      BIGINT PRIMARY KEY REFERENCES exchanges (id),
    ended_at_us      BIGINT NOT NULL,
    status           BIGINT,
    latency_us       BIGINT NOT NULL,
    first_byte_us    BIGINT,
    response_headers TEXT NOT NULL,
    response         TEXT,
    response_bytes   BIGINT NOT NULL,
    completion       TEXT NOT NULL,
    outcome_error    TEXT
);
INSERT INTO outcomes (exchange_id, ended_at_us, status, latency_us, first_byte_us,
    response_headers, response, response_bytes, completion, outcome_error)
SELECT id, ended_at_us, status, COALESCE(latency_us, 0), first_byte_us,
    COALESCE(response_headers, '[]'), response, COALESCE(response_bytes, 0), completion,
    outcome_error
FROM exchanges WHERE ended_at_us IS NOT NULL AND completion IS NOT NULL;
ALTER TABLE exchanges DROP COLUMN ended_at_us;
ALTER TABLE exchanges DROP COLUMN status;
ALTER TABLE exchanges DROP COLUMN latency_us;
ALTER TABLE exchanges DROP COLUMN first_byte_us;
ALTER TABLE exchanges DROP COLUMN response_headers;
ALTER TABLE exchanges DROP COLUMN response;
ALTER TABLE exchanges DROP COLUMN response_bytes;
ALTER TABLE exchanges DROP COLUMN completion;
ALTER TABLE exchanges DROP COLUMN outcome_error;
",
};

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
