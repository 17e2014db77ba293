//! The ledger's tables, as migrations: `MIGRATIONS[k]` takes a ledger from schema version `k`
//! to `k + 1` (version 0 is an empty database). Opening a ledger for writing applies the
//! missing steps in one transaction and records the version in `meta`; a ledger newer than
//! [`super::SCHEMA_VERSION`] is refused, never changed.
//!
//! Run ids only grow (SQLite `AUTOINCREMENT`, PostgreSQL `BIGSERIAL`): a replaced or pruned
//! run's id is never given to another run. The two dialects differ only where they must: SQLite keeps `scores` as a `WITHOUT ROWID`
//! table (the key is the row, no second copy of it in an index) and stores the input hash as
//! an 8-byte integer; PostgreSQL uses `BIGINT`, `DOUBLE PRECISION`, text reasons (small
//! arrays read back whole) and the "C" collation for lead ids, so both order leads by their
//! bytes and `changes` can walk two runs side by side.

/// Which SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The steps from version `k` to `k + 1`, per dialect.
pub fn migrations(dialect: Dialect) -> Vec<&'static str> {
    match dialect {
        Dialect::Sqlite => vec![SQLITE_V1, SQLITE_V2, SQLITE_V3, SQLITE_V4],
        Dialect::Postgres => vec![POSTGRES_V1, POSTGRES_V2, POSTGRES_V3, POSTGRES_V4],
    }
}

/// Version 4: a score's reasons are stored as one flat JSON array `[reason_id, pp, reason_id,
/// pp, ...]` instead of pairs `[[reason_id, pp], ...]`: 2 bytes less per reason, 12 per lead
/// with 3 reasons each way ([`super::codec`]). Stored rows are not rewritten: both forms are
/// read, and the readable view spells out either (a pair is an array element; in the flat
/// form the ids are the even positions and each pp follows its id).
const SQLITE_V4: &str = "
DROP VIEW scores_readable;
CREATE VIEW scores_readable AS
SELECT s.run_id, s.lead_id, s.probability, s.percentile, s.grade, s.rule_score, s.rule_grade, s.status,
       (SELECT json_group_array(json_object('column', r.column_name, 'value', r.value, 'pp',
               CASE j.type WHEN 'array' THEN json_extract(j.value, '$[1]')
                           ELSE json_extract(s.reasons, '$[' || (j.key + 1) || ']') END))
          FROM json_each(s.reasons) j
          JOIN reasons r ON r.reason_id = CASE j.type WHEN 'array' THEN json_extract(j.value, '$[0]') ELSE j.value END
         WHERE j.type = 'array' OR j.key % 2 = 0) AS reasons,
       s.position,
       (SELECT json_group_object(v.column_name, v.value)
          FROM json_each(s.context) j JOIN context_values v ON v.value_id = j.value) AS context
  FROM scores s;
";
const POSTGRES_V4: &str = "
DROP VIEW leadscore_scores_readable;
CREATE VIEW leadscore_scores_readable AS
SELECT s.run_id, s.lead_id, s.probability, s.percentile, s.grade, s.rule_score, s.rule_grade, s.status,
       (SELECT json_agg(json_build_object('column', r.column_name, 'value', r.value, 'pp',
               CASE json_typeof(j.value) WHEN 'array' THEN (j.value->>1)::float8
                                         ELSE (s.reasons::json->>(j.n::int))::float8 END) ORDER BY j.n)
          FROM json_array_elements(s.reasons::json) WITH ORDINALITY j(value, n)
          JOIN leadscore_reasons r ON r.reason_id = CASE json_typeof(j.value) WHEN 'array' THEN (j.value->>0)::bigint
                                                                             ELSE (j.value#>>'{}')::bigint END
         WHERE json_typeof(j.value) = 'array' OR j.n % 2 = 1) AS reasons,
       s.position,
       (SELECT json_object_agg(v.column_name, v.value)
          FROM json_array_elements_text(s.context::json) j JOIN leadscore_context_values v ON v.value_id = j.value::bigint) AS context
  FROM leadscore_scores s;
";

/// Version 3: context columns ([`super::context`]): the run's recorded columns
/// (`runs.context`), each lead's row in the scored file and its values as ids into a
/// dictionary (`scores.position`, `scores.context`, `context_values`). Added columns are NULL
/// for the runs before, which read as runs without context. The readable view gains the
/// position and the context spelled out as a JSON object.
const SQLITE_V3: &str = "
ALTER TABLE runs ADD COLUMN context TEXT;
ALTER TABLE scores ADD COLUMN position INTEGER;
ALTER TABLE scores ADD COLUMN context TEXT;
CREATE TABLE context_values (
    value_id INTEGER PRIMARY KEY,
    column_name TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (column_name, value)
);
DROP VIEW scores_readable;
CREATE VIEW scores_readable AS
SELECT s.run_id, s.lead_id, s.probability, s.percentile, s.grade, s.rule_score, s.rule_grade, s.status,
       (SELECT json_group_array(json_object('column', r.column_name, 'value', r.value, 'pp', json_extract(j.value, '$[1]')))
          FROM json_each(s.reasons) j JOIN reasons r ON r.reason_id = json_extract(j.value, '$[0]')) AS reasons,
       s.position,
       (SELECT json_group_object(v.column_name, v.value)
          FROM json_each(s.context) j JOIN context_values v ON v.value_id = j.value) AS context
  FROM scores s;
";
const POSTGRES_V3: &str = "
ALTER TABLE leadscore_runs ADD COLUMN context TEXT;
ALTER TABLE leadscore_scores ADD COLUMN position BIGINT;
ALTER TABLE leadscore_scores ADD COLUMN context TEXT;
CREATE TABLE leadscore_context_values (
    value_id BIGINT PRIMARY KEY,
    column_name TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (column_name, value)
);
DROP VIEW leadscore_scores_readable;
CREATE VIEW leadscore_scores_readable AS
SELECT s.run_id, s.lead_id, s.probability, s.percentile, s.grade, s.rule_score, s.rule_grade, s.status,
       (SELECT json_agg(json_build_object('column', r.column_name, 'value', r.value, 'pp', (j.value->>1)::float8))
          FROM json_array_elements(s.reasons::json) j JOIN leadscore_reasons r ON r.reason_id = (j.value->>0)::bigint) AS reasons,
       s.position,
       (SELECT json_object_agg(v.column_name, v.value)
          FROM json_array_elements_text(s.context::json) j JOIN leadscore_context_values v ON v.value_id = j.value::bigint) AS context
  FROM leadscore_scores s;
";

/// Version 2: shadow runs (`score --shadow`): a run scored by a challenger beside the
/// night's primary run, in the same transaction, pointing to it.
const SQLITE_V2: &str = "ALTER TABLE runs ADD COLUMN shadow_of INTEGER;";
const POSTGRES_V2: &str = "ALTER TABLE leadscore_runs ADD COLUMN shadow_of BIGINT;";

const SQLITE_V1: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_key TEXT NOT NULL UNIQUE,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    as_of TEXT NOT NULL,
    model_id TEXT,
    model_alias TEXT,
    model_path TEXT,
    rules_path TEXT,
    input_path TEXT NOT NULL,
    input_sha256 TEXT,
    leads INTEGER NOT NULL DEFAULT 0,
    rejects INTEGER NOT NULL DEFAULT 0,
    reused INTEGER NOT NULL DEFAULT 0,
    settings TEXT NOT NULL,
    summary TEXT
);
CREATE INDEX runs_as_of ON runs (as_of);
CREATE TABLE reasons (
    reason_id INTEGER PRIMARY KEY,
    column_name TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (column_name, value)
);
CREATE TABLE scores (
    run_id INTEGER NOT NULL,
    lead_id TEXT NOT NULL,
    input_hash INTEGER,
    probability REAL,
    percentile REAL,
    grade TEXT,
    rule_score REAL,
    rule_grade TEXT,
    status TEXT,
    reasons TEXT,
    PRIMARY KEY (run_id, lead_id)
) WITHOUT ROWID;
CREATE VIEW scores_readable AS
SELECT s.run_id, s.lead_id, s.probability, s.percentile, s.grade, s.rule_score, s.rule_grade, s.status,
       (SELECT json_group_array(json_object('column', r.column_name, 'value', r.value, 'pp', json_extract(j.value, '$[1]')))
          FROM json_each(s.reasons) j JOIN reasons r ON r.reason_id = json_extract(j.value, '$[0]')) AS reasons
  FROM scores s;
";

const POSTGRES_V1: &str = "
CREATE TABLE IF NOT EXISTS leadscore_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE leadscore_runs (
    run_id BIGSERIAL PRIMARY KEY,
    run_key TEXT NOT NULL UNIQUE,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    as_of TEXT NOT NULL,
    model_id TEXT,
    model_alias TEXT,
    model_path TEXT,
    rules_path TEXT,
    input_path TEXT NOT NULL,
    input_sha256 TEXT,
    leads BIGINT NOT NULL DEFAULT 0,
    rejects BIGINT NOT NULL DEFAULT 0,
    reused BIGINT NOT NULL DEFAULT 0,
    settings TEXT NOT NULL,
    summary TEXT
);
CREATE INDEX leadscore_runs_as_of ON leadscore_runs (as_of);
CREATE TABLE leadscore_reasons (
    reason_id BIGINT PRIMARY KEY,
    column_name TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (column_name, value)
);
CREATE TABLE leadscore_scores (
    run_id BIGINT NOT NULL,
    lead_id TEXT COLLATE \"C\" NOT NULL,
    input_hash BIGINT,
    probability DOUBLE PRECISION,
    percentile DOUBLE PRECISION,
    grade TEXT,
    rule_score DOUBLE PRECISION,
    rule_grade TEXT,
    status TEXT,
    reasons TEXT,
    PRIMARY KEY (run_id, lead_id)
);
CREATE VIEW leadscore_scores_readable AS
SELECT s.run_id, s.lead_id, s.probability, s.percentile, s.grade, s.rule_score, s.rule_grade, s.status,
       (SELECT json_agg(json_build_object('column', r.column_name, 'value', r.value, 'pp', (j.value->>1)::float8))
          FROM json_array_elements(s.reasons::json) j JOIN leadscore_reasons r ON r.reason_id = (j.value->>0)::bigint) AS reasons
  FROM leadscore_scores s;
";
