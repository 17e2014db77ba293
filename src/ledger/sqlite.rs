//! The SQLite ledger (embedded through `rusqlite` with the bundled library: nothing to
//! install). WAL journal, so `ledger runs` and `changes` read while a night is being written;
//! a run is one `BEGIN IMMEDIATE` transaction, so a second writer waits for the first (up to
//! [`LOCK_WAIT`]) and a killed run leaves only uncommitted WAL frames, which SQLite discards.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};

use super::changes::ChangeOptions;
use super::codec::Dictionary;
use super::context::{self, RunContext};
use super::pairs;
use super::schema::{migrations, Dialect};
use super::sqlite_read::{raw_of, stored_of, with_context};
use super::sqlite_write::{Pending, Row};
use super::{
    require_file, Backend, LedgerError, Mode, NewReasons, NewRun, NewScore, RawScore, RunFinish, RunRecord, ScoreRow,
    StoredScore, LOCK_WAIT, SCHEMA_VERSION,
};
use crate::bundle::Grade;

/// An SQLite ledger file.
pub struct SqliteLedger {
    path: PathBuf,
    /// The connection (none while a batch's insert holds it: [`SqliteLedger::settle`]).
    conn: Option<Connection>,
    /// The last batch's insert, still running ([`Pending`]).
    pending: Option<Pending>,
    dictionary: Dictionary,
    /// The context values' dictionary ([`context`]).
    values: Dictionary,
    in_run: bool,
    wait: std::time::Duration,
    /// The schema version the connection reads (older only when opened to read).
    schema: i64,
    /// The context columns of the run being recorded.
    recording: Vec<String>,
}

const RUN_COLUMNS: &str = "run_id, run_key, started_at, finished_at, as_of, model_id, model_alias, model_path, rules_path, input_path, input_sha256, leads, rejects, reused, settings, summary";
const SCORE_COLUMNS: &str =
    "lead_id, input_hash, probability, percentile, grade, rule_score, rule_grade, status, reasons";

impl SqliteLedger {
    /// The committed runs' query: shadow runs or the others. A version 1 ledger opened to
    /// read (not migrated) has no `shadow_of` column and no shadow runs.
    fn runs_sql(&self, shadow: bool) -> String {
        let context = if self.schema < 3 { "NULL" } else { "context" };
        if self.schema < 2 {
            let none = if shadow { " AND 1 = 0" } else { "" };
            return format!(
                "SELECT {RUN_COLUMNS}, NULL, NULL FROM runs WHERE finished_at IS NOT NULL{none} ORDER BY run_id"
            );
        }
        let which = if shadow { "NOT NULL" } else { "NULL" };
        format!("SELECT {RUN_COLUMNS}, shadow_of, {context} FROM runs WHERE finished_at IS NOT NULL AND shadow_of IS {which} ORDER BY run_id")
    }

    /// Opens (for [`Mode::Write`], creates) the ledger at `path`.
    pub fn open(path: &Path, mode: Mode) -> Result<SqliteLedger, LedgerError> {
        let ledger = path.display().to_string();
        if mode == Mode::Read {
            require_file(path)?;
        }
        if path.exists() && !path.is_file() {
            return Err(LedgerError::NotALedger { ledger, why: "it is a directory or device, not a file".into() });
        }
        if mode == Mode::Write {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.is_dir() {
                    return Err(LedgerError::Database {
                        ledger,
                        message: format!("the directory {} does not exist; create it first", dir.display()),
                    });
                }
            }
        }
        let flags = match mode {
            Mode::Write => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            Mode::Read => OpenFlags::SQLITE_OPEN_READ_ONLY,
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| db_error(&ledger, e))?;
        conn.busy_timeout(LOCK_WAIT).map_err(|e| db_error(&ledger, e))?;
        let mut me = SqliteLedger {
            path: path.to_path_buf(),
            conn: Some(conn),
            pending: None,
            dictionary: Dictionary::default(),
            values: Dictionary::default(),
            in_run: false,
            wait: LOCK_WAIT,
            schema: SCHEMA_VERSION,
            recording: Vec::new(),
        };
        let version = me.version()?;
        if version > SCHEMA_VERSION {
            return Err(LedgerError::Newer { ledger, found: version });
        }
        if mode == Mode::Write {
            me.conn().pragma_update(None, "journal_mode", "WAL").map_err(|e| db_error(&ledger, e))?;
            if version < SCHEMA_VERSION {
                me.migrate(version)?;
            }
        } else if version == 0 {
            return Err(LedgerError::NotALedger { ledger, why: "an empty SQLite database".into() });
        } else {
            me.schema = version;
        }
        // A night of millions of leads inserts into one B-tree: keep its pages in memory.
        me.conn().pragma_update(None, "cache_size", -262_144).map_err(|e| db_error(&ledger, e))?;
        Ok(me)
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn err(&self, e: rusqlite::Error) -> LedgerError {
        match db_error(&self.name(), e) {
            LedgerError::Locked { ledger, .. } => LedgerError::Locked { ledger, waited: self.wait.as_secs() },
            other => other,
        }
    }

    /// The schema version: 0 for an empty database; an error for anything else that is not a
    /// ledger.
    fn version(&self) -> Result<i64, LedgerError> {
        let ledger = self.name();
        let tables: Vec<String> = self
            .conn()
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| db_error(&ledger, e))?;
        if tables.is_empty() {
            return Ok(0);
        }
        if !tables.iter().any(|t| t == "meta") {
            let shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
            return Err(LedgerError::NotALedger {
                ledger,
                why: format!("an SQLite database with tables {} and no `meta` table", shown.join(", ")),
            });
        }
        let v: Option<String> = self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0))
            .optional()
            .map_err(|e| db_error(&ledger, e))?;
        v.and_then(|v| v.parse().ok())
            .ok_or_else(|| LedgerError::NotALedger { ledger, why: "its `meta` table has no schema_version".into() })
    }

    fn migrate(&mut self, from: i64) -> Result<(), LedgerError> {
        let steps = migrations(Dialect::Sqlite);
        let sql: String = steps[from as usize..].concat();
        let batch = format!(
            "BEGIN IMMEDIATE;{sql}
             INSERT INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}')
               ON CONFLICT (key) DO UPDATE SET value = excluded.value;
             INSERT OR IGNORE INTO meta (key, value) VALUES ('created_by', 'leadscore {}');
             COMMIT;",
            env!("CARGO_PKG_VERSION")
        );
        self.conn().execute_batch(&batch).map_err(|e| {
            let _ = self.conn().execute_batch("ROLLBACK");
            self.err(e)
        })
    }

    fn load_dictionary(&mut self) -> Result<(), LedgerError> {
        let entries: Vec<(i64, String, String)> = self
            .conn()
            .prepare("SELECT reason_id, column_name, value FROM reasons")
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
            .map_err(|e| self.err(e))?;
        self.dictionary = Dictionary::from_entries(entries);
        if self.schema >= 3 {
            let entries: Vec<(i64, String, String)> = self
                .conn()
                .prepare("SELECT value_id, column_name, value FROM context_values")
                .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
                .map_err(|e| self.err(e))?;
            self.values = Dictionary::from_entries(entries);
        }
        Ok(())
    }

    /// A score row read in the order of `SCORE_COLUMNS`, its reasons decoded.
    fn row_of(&self, r: &rusqlite::Row) -> Result<ScoreRow, LedgerError> {
        let raw = raw_of(r, 0).map_err(|e| self.err(e))?;
        let raw = raw.ok_or_else(|| LedgerError::Database {
            ledger: self.name(),
            message: "a score without a lead id".into(),
        })?;
        self.with_reasons(raw)
    }

    /// `raw` with its reasons decoded by the loaded dictionary.
    fn with_reasons(&self, raw: RawScore) -> Result<ScoreRow, LedgerError> {
        let reasons = self
            .dictionary
            .decode_stored(raw.reasons.as_deref())
            .map_err(|message| LedgerError::Database { ledger: self.name(), message })?;
        Ok(ScoreRow { reasons, ..raw.row })
    }
}

fn run_of(r: &rusqlite::Row) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        run_id: r.get(0)?,
        run_key: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        as_of: r.get(4)?,
        model_id: r.get(5)?,
        model_alias: r.get(6)?,
        model_path: r.get(7)?,
        rules_path: r.get(8)?,
        input_path: r.get(9)?,
        input_sha256: r.get(10)?,
        leads: r.get::<_, i64>(11)?.max(0) as u64,
        rejects: r.get::<_, i64>(12)?.max(0) as u64,
        reused: r.get::<_, i64>(13)?.max(0) as u64,
        settings: r.get(14)?,
        summary: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
        shadow_of: r.get(16)?,
        context: RunContext::from_json(r.get::<_, Option<String>>(17)?.as_deref())
            .map_err(|m| rusqlite::Error::FromSqlConversionFailure(17, rusqlite::types::Type::Text, m.into()))?,
    })
}

/// The ledger's error for an SQLite failure, saying what to do.
pub(super) fn db_error(ledger: &str, e: rusqlite::Error) -> LedgerError {
    let code = e.sqlite_error_code();
    let ledger = ledger.to_string();
    match code {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            LedgerError::Locked { ledger, waited: LOCK_WAIT.as_secs() }
        }
        Some(ErrorCode::NotADatabase) => LedgerError::NotALedger { ledger, why: "the file is not an SQLite database".into() },
        Some(ErrorCode::ReadOnly) => LedgerError::Database {
            ledger,
            message: "the database is read-only (file or directory permissions, or a read-only mount); nothing was written: give a writable path".into(),
        },
        Some(ErrorCode::DiskFull) => LedgerError::Database { ledger, message: "the disk is full; nothing of this run was kept".into() },
        Some(ErrorCode::CannotOpen) => {
            LedgerError::Database { ledger, message: format!("cannot open the file ({e}); check the path and its permissions") }
        }
        _ => LedgerError::Database { ledger, message: e.to_string() },
    }
}

impl Backend for SqliteLedger {
    fn ledger(&self) -> String {
        self.name()
    }

    fn set_lock_wait(&mut self, wait: std::time::Duration) {
        self.wait = wait;
        if let Some(c) = &self.conn {
            let _ = c.busy_timeout(wait);
        }
    }

    fn begin(&mut self, run: &NewRun, replace: bool) -> Result<i64, LedgerError> {
        self.settle()?;
        self.conn().execute_batch("BEGIN IMMEDIATE").map_err(|e| self.err(e))?;
        self.in_run = true;
        let id = self.insert_run(run, replace, None);
        if id.is_err() {
            let _ = self.conn().execute_batch("ROLLBACK");
            self.in_run = false;
        }
        let id = id?;
        self.load_dictionary()?;
        Ok(id)
    }

    fn begin_shadow(&mut self, run: &NewRun, shadow_of: i64, replace: bool) -> Result<i64, LedgerError> {
        self.settle()?;
        if !self.in_run {
            return Err(LedgerError::Database {
                ledger: self.name(),
                message: "a shadow run needs the night's run open".into(),
            });
        }
        self.insert_run(run, replace, Some(shadow_of))
    }

    fn finish_shadow(&mut self, run_id: i64, f: &RunFinish) -> Result<(), LedgerError> {
        self.settle()?;
        self.update_run(run_id, f)
    }

    fn shadow_runs(&mut self) -> Result<Vec<RunRecord>, LedgerError> {
        self.settle()?;
        self.conn()
            .prepare(&self.runs_sql(true))
            .and_then(|mut s| s.query_map([], run_of)?.collect())
            .map_err(|e| self.err(e))
    }

    fn append(&mut self, run_id: i64, rows: &[NewScore], data_rows: &[u64]) -> Result<(), LedgerError> {
        self.settle()?;
        let name = self.name();
        let mut owned = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let reasons = match &r.reasons {
                NewReasons::None => None,
                NewReasons::Pairs(p) if p.is_empty() => None,
                NewReasons::Pairs(p) => Some(self.dictionary.encode_pairs(p)),
                NewReasons::Encoded(text) => Some(text.to_string()),
            };
            let context =
                (!r.context.is_empty()).then(|| context::encode(&mut self.values, &self.recording, &r.context));
            owned.push(Row {
                lead_id: r.lead_id.to_string(),
                input_hash: r.input_hash,
                probability: r.probability,
                percentile: r.percentile,
                grade: r.grade.map(Grade::as_str),
                rule_score: r.rule_score,
                rule_grade: r.rule_grade.clone(),
                status: r.status.map(str::to_string),
                reasons,
                position: r.position.map(|p| p as i64),
                context,
                data_row: data_rows.get(i).copied().unwrap_or(0),
            });
        }
        let new = [
            ("reasons", "reason_id", self.dictionary.take_new()),
            ("context_values", "value_id", self.values.take_new()),
        ];
        for (table, key, entries) in new {
            for (id, column, value) in entries {
                self.conn()
                    .prepare_cached(&format!("INSERT INTO {table} ({key}, column_name, value) VALUES (?1, ?2, ?3)"))
                    .and_then(|mut s| s.execute(params![id, column, value]))
                    .map_err(|e| db_error(&name, e))?;
            }
        }
        let sql = format!(
            "INSERT INTO scores (run_id, {SCORE_COLUMNS}, position, context) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        );
        let conn = self.conn.take().expect("settled above");
        self.pending = Some(Pending::start(conn, name, sql, run_id, owned));
        Ok(())
    }

    fn commit(&mut self, run_id: i64, f: &RunFinish) -> Result<(), LedgerError> {
        self.settle()?;
        self.update_run(run_id, f)?;
        self.conn().execute_batch("COMMIT").map_err(|e| self.err(e))?;
        self.in_run = false;
        Ok(())
    }

    fn runs(&mut self) -> Result<Vec<RunRecord>, LedgerError> {
        self.settle()?;
        self.conn()
            .prepare(&self.runs_sql(false))
            .and_then(|mut s| s.query_map([], run_of)?.collect())
            .map_err(|e| self.err(e))
    }

    fn scores(&mut self, run_id: i64, each: &mut dyn FnMut(ScoreRow)) -> Result<(), LedgerError> {
        self.settle()?;
        self.load_dictionary()?;
        let name = self.name();
        let extra = if self.schema < 3 { "NULL, NULL" } else { "position, context" };
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {SCORE_COLUMNS}, {extra} FROM scores WHERE run_id = ?1 ORDER BY lead_id"))
            .map_err(|e| db_error(&name, e))?;
        let mut rows = stmt.query([run_id]).map_err(|e| db_error(&name, e))?;
        while let Some(r) = rows.next().map_err(|e| db_error(&name, e))? {
            let row = self.row_of(r)?;
            each(with_context(r, 0, &self.values, row).map_err(|e| db_error(&name, e))?);
        }
        Ok(())
    }

    fn stored_scores(&mut self, run_id: i64, each: &mut dyn FnMut(StoredScore<'_>)) -> Result<(), LedgerError> {
        self.settle()?;
        let name = self.name();
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT lead_id, input_hash, probability, percentile, grade, reasons FROM scores WHERE run_id = ?1",
            )
            .map_err(|e| db_error(&name, e))?;
        let mut rows = stmt.query([run_id]).map_err(|e| db_error(&name, e))?;
        while let Some(r) = rows.next().map_err(|e| db_error(&name, e))? {
            let s = stored_of(r).map_err(|e| db_error(&name, e))?;
            each(s);
        }
        Ok(())
    }

    fn reason_entries(&mut self) -> Result<Vec<(i64, String, String)>, LedgerError> {
        self.settle()?;
        self.conn()
            .prepare("SELECT reason_id, column_name, value FROM reasons")
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
            .map_err(|e| self.err(e))
    }

    fn score_pairs(
        &mut self,
        from: i64,
        to: i64,
        options: &ChangeOptions,
        each: &mut dyn FnMut(Option<RawScore>, Option<RawScore>),
    ) -> Result<(u64, u64), LedgerError> {
        self.settle()?;
        let select = format!("SELECT {SCORE_COLUMNS} FROM scores WHERE run_id = ?1 ORDER BY lead_id");
        pairs::sqlite(self.conn(), &select, from, to, options, &|r| raw_of(r, 0), each).map_err(|e| self.err(e))
    }

    fn decode(&mut self, raw: RawScore) -> Result<ScoreRow, LedgerError> {
        self.settle()?;
        if self.dictionary.is_empty() {
            self.load_dictionary()?;
        }
        self.with_reasons(raw)
    }

    fn lead_history(&mut self, lead: &str) -> Result<Vec<(i64, ScoreRow)>, LedgerError> {
        self.settle()?;
        self.load_dictionary()?;
        let name = self.name();
        let runs: Vec<i64> = self.runs()?.iter().map(|r| r.run_id).collect();
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {SCORE_COLUMNS} FROM scores WHERE run_id = ?1 AND lead_id = ?2"))
            .map_err(|e| db_error(&name, e))?;
        let mut out = Vec::new();
        for run_id in runs {
            let mut rows = stmt.query(params![run_id, lead]).map_err(|e| db_error(&name, e))?;
            if let Some(r) = rows.next().map_err(|e| db_error(&name, e))? {
                out.push((run_id, self.row_of(r)?));
            }
        }
        Ok(out)
    }

    fn prune(&mut self, keep_from: &str) -> Result<(u64, u64), LedgerError> {
        self.settle()?;
        self.conn().execute_batch("BEGIN IMMEDIATE").map_err(|e| self.err(e))?;
        let result = (|| {
            let scores = self.conn().execute(
                "DELETE FROM scores WHERE run_id IN (SELECT run_id FROM runs WHERE as_of < ?1)",
                [keep_from],
            )?;
            let runs = self.conn().execute("DELETE FROM runs WHERE as_of < ?1", [keep_from])?;
            self.conn().execute_batch("COMMIT")?;
            Ok((runs as u64, scores as u64))
        })();
        result.map_err(|e| {
            let _ = self.conn().execute_batch("ROLLBACK");
            self.err(e)
        })
    }
}

impl SqliteLedger {
    /// Inserts a run in the open transaction, refusing (or with `replace` deleting) one with
    /// the same key.
    fn insert_run(&mut self, run: &NewRun, replace: bool, shadow_of: Option<i64>) -> Result<i64, LedgerError> {
        let key = run.run_key();
        let existing: Option<(i64, String)> = self
            .conn()
            .query_row("SELECT run_id, started_at FROM runs WHERE run_key = ?1", [&key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some((run_id, started)) = existing {
            if !replace {
                return Err(LedgerError::Duplicate { ledger: self.name(), key, run_id, started });
            }
            self.conn()
                .execute(
                    "DELETE FROM scores WHERE run_id IN (SELECT run_id FROM runs WHERE run_id = ?1 OR shadow_of = ?1)",
                    [run_id],
                )
                .and_then(|_| self.conn().execute("DELETE FROM runs WHERE run_id = ?1 OR shadow_of = ?1", [run_id]))
                .map_err(|e| self.err(e))?;
        }
        self.conn()
            .execute(
                "INSERT INTO runs (run_key, started_at, as_of, model_id, model_alias, model_path, rules_path, input_path, settings, shadow_of, context)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    key,
                    run.started_at,
                    run.as_of,
                    run.model_id,
                    run.model_alias,
                    run.model_path,
                    run.rules_path,
                    run.input_path,
                    run.settings,
                    shadow_of,
                    run.context.to_json()
                ],
            )
            .map_err(|e| self.err(e))?;
        if shadow_of.is_none() {
            self.recording = run.context.columns.clone();
        }
        Ok(self.conn().last_insert_rowid())
    }

    /// Completes a run's row.
    fn update_run(&mut self, run_id: i64, f: &RunFinish) -> Result<(), LedgerError> {
        self.conn()
            .execute(
                "UPDATE runs SET finished_at = ?2, input_sha256 = ?3, leads = ?4, rejects = ?5, reused = ?6, summary = ?7 WHERE run_id = ?1",
                params![run_id, f.finished_at, f.input_sha256, f.leads as i64, f.rejects as i64, f.reused as i64, f.summary],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

impl SqliteLedger {
    /// The connection; [`SqliteLedger::settle`] has given it back.
    fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("a ledger method settles a running insert before it uses the connection")
    }

    /// Waits for the last batch's insert to finish and takes the connection back; its error is
    /// the run's.
    fn settle(&mut self) -> Result<(), LedgerError> {
        if let Some(p) = self.pending.take() {
            let (conn, result) = p.wait(&self.name());
            self.conn = conn;
            result?;
        }
        match self.conn {
            Some(_) => Ok(()),
            None => Err(LedgerError::Database {
                ledger: self.name(),
                message: "the connection was lost while a batch was being inserted; nothing of this run was kept"
                    .into(),
            }),
        }
    }
}

impl Drop for SqliteLedger {
    fn drop(&mut self) {
        let _ = self.settle();
        if let (true, Some(c)) = (self.in_run, self.conn.as_ref()) {
            let _ = c.execute_batch("ROLLBACK");
        }
    }
}
