//! The score ledger: every nightly run and every lead's score in it, kept in SQLite (embedded,
//! nothing to install: `--ledger models/ledger.db`) or PostgreSQL (`--ledger postgres://...`).
//!
//! Schema (version [`SCHEMA_VERSION`], created and migrated by [`open`]; see [`schema`]):
//! - `meta`: the schema version and who created the ledger;
//! - `runs`: one row per committed run: run id, run key (as-of date + model, see
//!   [`NewRun::run_key`]), started/finished (UTC), as-of date, model id and alias, bundle and
//!   rules paths, input file and its SHA-256, leads, rejects, leads reused from an earlier run
//!   (`--incremental`), the scoring settings that decide whether a stored score can be reused,
//!   and the run summary as JSON;
//! - `reasons`: a dictionary of the reasons seen (`column`, `value`), so a score row stores a
//!   reason as a small integer;
//! - `scores`: one row per lead per run, keyed by (run id, lead id): the input hash (FNV-1a
//!   over the model's input columns, [`crate::score`]), probability, percentile, grade, rule
//!   score, rule grade, rule status, and the top reasons as a flat JSON array
//!   `[reason_id, pp, reason_id, pp, ...]` (strongest up, then down; pp is the change in
//!   percentage points of conversion probability, to one decimal as the output file shows
//!   it; before version 4 pairs, `[[reason_id, pp], ...]`, still read), and for a run that records
//!   context columns the lead's row in the scored file and its context values (below). The
//!   view `scores_readable` (SQLite and PostgreSQL) spells the reasons and the context out;
//! - `context_values` (version 3): the dictionary of context values, as `reasons` is of
//!   reasons. `runs.context` names a run's recorded columns ([`context::RunContext`]): the
//!   `--keep-columns` columns (the account, value, currency and stage columns the roll-up
//!   reads) and, with rules, the rules' persona, stage and engagement score. Runs recorded
//!   before version 3 have none, and say so when a read needs them.
//!
//! One transaction per run: [`Backend::begin`] takes the ledger's write lock (SQLite `BEGIN
//! IMMEDIATE`; PostgreSQL an advisory lock), rows stream in batch by batch, and the run becomes
//! visible only at [`Backend::commit`]. A run killed at any moment leaves nothing of itself and
//! every earlier run intact. A second run into the same ledger while one is writing waits up to
//! [`LOCK_WAIT`], then is refused; runs never interleave.

pub mod changes;
pub mod codec;
pub mod context;
mod copy;
mod pairs;
mod postgres;
pub mod rows;
pub mod schema;
mod sqlite;
mod sqlite_read;
mod sqlite_write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use changes::{diff_runs, Change, ChangeKind, ChangeOptions};
pub use context::RunContext;
pub use rows::{NewReasons, NewScore, RawScore, ScoreKey, ScoreRow, StoredReason, StoredScore};

/// The ledger schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 4;

/// How long a run waits for another run's write lock before it is refused.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// The default SQLite ledger when `--ledger` is given without a value.
pub const DEFAULT_LEDGER: &str = "models/ledger.db";

/// Where a ledger lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl Location {
    /// A `postgres://` / `postgresql://` URL, else an SQLite path.
    pub fn parse(s: &str) -> Location {
        let t = s.trim();
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            Location::Postgres(t.to_string())
        } else {
            Location::Sqlite(PathBuf::from(s))
        }
    }

    /// For messages: the path, or the URL with any password replaced by `***`.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(url) => redact(url),
        }
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    match rest.split_once('@') {
        Some((auth, host)) => match auth.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Errors of the ledger. Every one names the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database refused or failed.
    #[error("ledger {ledger}: {message}")]
    Database {
        /// The ledger.
        ledger: String,
        /// What went wrong, with what to do.
        message: String,
    },
    /// The file or database is not a leadscore ledger.
    #[error("ledger {ledger}: not a leadscore ledger ({why}); pass a new path to start a ledger, or the right file")]
    NotALedger {
        /// The ledger.
        ledger: String,
        /// What was found instead.
        why: String,
    },
    /// Written by a newer leadscore.
    #[error("ledger {ledger}: schema version {found} is newer than this leadscore reads ({SCHEMA_VERSION}); upgrade leadscore")]
    Newer {
        /// The ledger.
        ledger: String,
        /// Its version.
        found: i64,
    },
    /// Another run holds the write lock.
    #[error("ledger {ledger}: another run is writing to it (waited {waited} s); runs into one ledger never interleave: try again when it has finished, or wait longer with --ledger-wait SECONDS")]
    Locked {
        /// The ledger.
        ledger: String,
        /// Seconds waited.
        waited: u64,
    },
    /// The same night was already recorded.
    #[error("ledger {ledger}: run {key} is already recorded (run {run_id}, started {started}); pass --replace to score that night again, or a different --as-of")]
    Duplicate {
        /// The ledger.
        ledger: String,
        /// The run key.
        key: String,
        /// The recorded run.
        run_id: i64,
        /// When it started.
        started: String,
    },
    /// A lead id appears twice in one run.
    #[error("ledger {ledger}: lead id \"{lead}\" (data row {row}) appears more than once in this run; the ledger keeps one score per lead per night: remove the duplicate rows or pick another --id column")]
    DuplicateLead {
        /// The ledger.
        ledger: String,
        /// The id.
        lead: String,
        /// The later row.
        row: u64,
    },
    /// A lead without an id.
    #[error("ledger {ledger}: the lead on data row {row} has a blank id; the ledger tracks leads by id: fill it in or drop the row")]
    BlankId {
        /// The ledger.
        ledger: String,
        /// The row.
        row: u64,
    },
    /// A run that did not record a column a read needs (a run of an older leadscore, or one
    /// scored without the column kept).
    #[error("ledger {ledger}: run {run_id} ({run_key}) did not record column \"{column}\" (it recorded: {recorded}); {hint}")]
    NoContext {
        /// The ledger.
        ledger: String,
        /// The run.
        run_id: i64,
        /// Its key.
        run_key: String,
        /// The column asked for.
        column: String,
        /// What it recorded.
        recorded: String,
        /// What to do.
        hint: String,
    },
    /// A run id that does not exist.
    #[error("ledger {ledger}: no run {run}{hint}")]
    NoRun {
        /// The ledger.
        ledger: String,
        /// The run asked for.
        run: String,
        /// What exists.
        hint: String,
    },
    /// The ledger file does not exist (reading commands do not create one).
    #[error("ledger {ledger}: no such file; it is created by the first `leadscore score --ledger {ledger}`")]
    Missing {
        /// The ledger.
        ledger: String,
    },
}

/// Whether a ledger is opened to record a run or only to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Create and migrate if needed; runs can be recorded and pruned.
    Write,
    /// Must exist; nothing is changed.
    Read,
}

/// A run about to be recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    /// When it started (UTC, RFC 3339).
    pub started_at: String,
    /// The night it scores (YYYY-MM-DD).
    pub as_of: String,
    /// The bundle's short id, when a bundle scores.
    pub model_id: Option<String>,
    /// The alias the bundle was given by (e.g. `champion`), if any.
    pub model_alias: Option<String>,
    /// The bundle file.
    pub model_path: Option<String>,
    /// The rules file.
    pub rules_path: Option<String>,
    /// The input file.
    pub input_path: String,
    /// What decides whether a stored score can be reused (see [`crate::score::ScorePlan`]).
    pub settings: String,
    /// A shadow run (`score --shadow`): its key is `2026-12-01/shadow <model id>`.
    pub shadow: bool,
    /// The context columns the run records per lead (none: nothing but the scores).
    pub context: RunContext,
}

impl NewRun {
    /// The night and the scorer: `2026-12-01/model 3f2a9c01b7d4` (or `rules FILE` without a
    /// bundle). Recording the same key twice needs `--replace`.
    pub fn run_key(&self) -> String {
        match &self.model_id {
            Some(m) if self.shadow => format!("{}/shadow {m}", self.as_of),
            Some(m) => format!("{}/model {m}", self.as_of),
            None => format!("{}/rules {}", self.as_of, self.rules_path.as_deref().unwrap_or("")),
        }
    }
}

/// What is known of a run once every lead is in.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFinish {
    /// When it finished (UTC, RFC 3339).
    pub finished_at: String,
    /// SHA-256 of the input file (none for a pipe that was not hashed).
    pub input_sha256: Option<String>,
    /// Leads recorded.
    pub leads: u64,
    /// Rows rejected.
    pub rejects: u64,
    /// Leads whose stored score was reused.
    pub reused: u64,
    /// The run summary, JSON.
    pub summary: String,
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    /// The run id (increasing).
    pub run_id: i64,
    /// The run key.
    pub run_key: String,
    /// When it started.
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
    /// The night.
    pub as_of: String,
    /// The bundle's short id.
    pub model_id: Option<String>,
    /// The alias.
    pub model_alias: Option<String>,
    /// The bundle file.
    pub model_path: Option<String>,
    /// The rules file.
    pub rules_path: Option<String>,
    /// The input file.
    pub input_path: String,
    /// Its SHA-256.
    pub input_sha256: Option<String>,
    /// Leads.
    pub leads: u64,
    /// Rejects.
    pub rejects: u64,
    /// Leads reused.
    pub reused: u64,
    /// Reuse settings.
    pub settings: String,
    /// Summary JSON.
    #[serde(skip)]
    pub summary: String,
    /// For a shadow run (`score --shadow`), the night's primary run it shadows.
    pub shadow_of: Option<i64>,
    /// The context columns it recorded (none for a run recorded before schema version 3).
    pub context: Option<RunContext>,
}

/// What a ledger backend does. One implementation per database; the same test suite runs
/// against both.
pub trait Backend {
    /// The ledger, for messages.
    fn ledger(&self) -> String;
    /// How long [`Backend::begin`] and [`Backend::prune`] wait for another run's write lock
    /// (default [`LOCK_WAIT`]).
    fn set_lock_wait(&mut self, wait: Duration);
    /// Starts recording: takes the write lock (waiting up to the lock wait), opens the run's
    /// transaction, refuses (or with `replace` deletes, inside the same transaction) a run
    /// with the same key, and inserts the run. Returns the new run id.
    fn begin(&mut self, run: &NewRun, replace: bool) -> Result<i64, LedgerError>;
    /// Adds scores to the open run. `rows[i]` came from data row `data_rows[i]`.
    fn append(&mut self, run_id: i64, rows: &[NewScore], data_rows: &[u64]) -> Result<(), LedgerError>;
    /// Completes the run's row, then commits the transaction.
    fn commit(&mut self, run_id: i64, finish: &RunFinish) -> Result<(), LedgerError>;
    /// Adds a shadow run (a challenger scoring the same leads) to the open transaction of
    /// run `shadow_of`, refusing (or with `replace` deleting) a run with the same key.
    fn begin_shadow(&mut self, run: &NewRun, shadow_of: i64, replace: bool) -> Result<i64, LedgerError>;
    /// Completes a shadow run's row (committed with its night's run).
    fn finish_shadow(&mut self, run_id: i64, finish: &RunFinish) -> Result<(), LedgerError>;
    /// Every committed shadow run, oldest first ([`Backend::runs`] lists the others).
    fn shadow_runs(&mut self) -> Result<Vec<RunRecord>, LedgerError>;
    /// Every committed run that is not a shadow run, oldest first.
    fn runs(&mut self) -> Result<Vec<RunRecord>, LedgerError>;
    /// Every score of a run, in lead id order, with its position and context values.
    fn scores(&mut self, run_id: i64, each: &mut dyn FnMut(ScoreRow)) -> Result<(), LedgerError>;
    /// Every score of a run with its reasons still encoded, in no particular order, each
    /// borrowed from the database's row (for `--incremental`, which keeps millions of them).
    fn stored_scores(&mut self, run_id: i64, each: &mut dyn FnMut(StoredScore<'_>)) -> Result<(), LedgerError>;
    /// The reason dictionary: (reason id, column, value).
    fn reason_entries(&mut self) -> Result<Vec<(i64, String, String)>, LedgerError>;
    /// The leads of either run that `options` report ([`changes::reported`], decided on each
    /// pair's [`ScoreKey`]s as the database streams the two runs side by side), with their
    /// score in each (earlier, later), in no particular order; memory does not grow with the
    /// runs. Returns the number of leads in each run.
    fn score_pairs(
        &mut self,
        from: i64,
        to: i64,
        options: &ChangeOptions,
        each: &mut dyn FnMut(Option<RawScore>, Option<RawScore>),
    ) -> Result<(u64, u64), LedgerError>;
    /// The reasons of a [`RawScore`], decoded with the ledger's dictionary.
    fn decode(&mut self, raw: RawScore) -> Result<ScoreRow, LedgerError>;
    /// One lead's score in every run that has it: (run id, score), oldest first.
    fn lead_history(&mut self, lead: &str) -> Result<Vec<(i64, ScoreRow)>, LedgerError>;
    /// Deletes the runs (and their scores) whose as-of date is before `keep_from`, in one
    /// transaction. Returns (runs, scores) deleted.
    fn prune(&mut self, keep_from: &str) -> Result<(u64, u64), LedgerError>;
}

/// Opens the ledger at `location`: an SQLite file (created with the schema when `mode` is
/// [`Mode::Write`] and it does not exist) or a PostgreSQL database (tables created if
/// needed). A ledger of a newer schema, a file that is not a ledger, a read-only or locked
/// database, or a server that cannot be reached is an error naming it.
pub fn open(location: &Location, mode: Mode) -> Result<Box<dyn Backend>, LedgerError> {
    match location {
        Location::Sqlite(path) => Ok(Box::new(sqlite::SqliteLedger::open(path, mode)?)),
        Location::Postgres(url) => Ok(Box::new(postgres::PostgresLedger::open(url, mode)?)),
    }
}

/// The run a `--from` / `--to` / `--run` value names: a run id, `latest`, `previous`
/// (the one before the latest), or `latest-N`.
pub fn find_run<'a>(runs: &'a [RunRecord], which: &str, ledger: &str) -> Result<&'a RunRecord, LedgerError> {
    let w = which.trim();
    let from_end = match w {
        "latest" | "last" => Some(0),
        "previous" | "prev" => Some(1),
        _ => w.strip_prefix("latest-").and_then(|n| n.parse::<usize>().ok()),
    };
    let found = match from_end {
        Some(k) => runs.len().checked_sub(k + 1).map(|i| &runs[i]),
        None => w.parse::<i64>().ok().and_then(|id| runs.iter().find(|r| r.run_id == id)),
    };
    found.ok_or_else(|| LedgerError::NoRun {
        ledger: ledger.to_string(),
        run: w.to_string(),
        hint: match (runs.first(), runs.last()) {
            (Some(a), Some(b)) => {
                format!(" (it has {} runs, ids {} to {}; see `leadscore ledger runs`)", runs.len(), a.run_id, b.run_id)
            }
            _ => " (it has no runs yet)".to_string(),
        },
    })
}

/// Where `column` is among the columns `run` recorded, or an error naming the ledger, the
/// run, what it did record, and what to do (`hint`).
pub fn context_column(ledger: &str, run: &RunRecord, column: &str, hint: &str) -> Result<usize, LedgerError> {
    let found = run.context.as_ref().and_then(|c| c.index_of(column));
    found.ok_or_else(|| LedgerError::NoContext {
        ledger: ledger.to_string(),
        run_id: run.run_id,
        run_key: run.run_key.clone(),
        column: column.to_string(),
        recorded: match &run.context {
            None => "no context columns: it was recorded before leadscore kept them (ledger schema 3)".to_string(),
            Some(c) if c.is_empty() => "no context columns: it was scored without --keep-columns or rules".to_string(),
            Some(c) => c.columns.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(", "),
        },
        hint: hint.to_string(),
    })
}

/// Whether `path` exists as a file, for reading commands.
pub(crate) fn require_file(path: &Path) -> Result<(), LedgerError> {
    if path.exists() {
        Ok(())
    } else {
        Err(LedgerError::Missing { ledger: path.display().to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_passwords_are_hidden() {
        assert_eq!(Location::parse("models/l.db"), Location::Sqlite("models/l.db".into()));
        let pg = Location::parse("postgres://u:secret@localhost:5432/db");
        assert_eq!(pg.display(), "postgres://u:***@localhost:5432/db");
        assert_eq!(Location::parse("postgresql://localhost/db").display(), "postgresql://localhost/db");
    }

    #[test]
    fn runs_are_found_by_id_or_position() {
        let run = |id: i64| RunRecord {
            run_id: id,
            run_key: String::new(),
            started_at: String::new(),
            finished_at: String::new(),
            as_of: String::new(),
            model_id: None,
            model_alias: None,
            model_path: None,
            rules_path: None,
            input_path: String::new(),
            input_sha256: None,
            leads: 0,
            rejects: 0,
            reused: 0,
            settings: String::new(),
            summary: String::new(),
            shadow_of: None,
            context: None,
        };
        let runs = vec![run(3), run(5), run(9)];
        assert_eq!(find_run(&runs, "latest", "l").unwrap().run_id, 9);
        assert_eq!(find_run(&runs, "previous", "l").unwrap().run_id, 5);
        assert_eq!(find_run(&runs, "latest-2", "l").unwrap().run_id, 3);
        assert_eq!(find_run(&runs, "5", "l").unwrap().run_id, 5);
        let e = find_run(&runs, "4", "l").unwrap_err().to_string();
        assert!(e.contains("ids 3 to 9"), "{e}");
        assert!(find_run(&runs, "latest-3", "l").is_err());
    }
}
