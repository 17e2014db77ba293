//! The PostgreSQL ledger (the `postgres` driver, no TLS: for a server on the same host or a
//! private network; put `sslmode` needs behind a local proxy). Tables are prefixed
//! `leadscore_` so the ledger can share a database. A run is one transaction holding an
//! advisory lock, so a second writer waits (up to [`LOCK_WAIT`]) and is then refused; scores
//! arrive by `COPY ... FROM STDIN`, one per batch.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::{Duration, Instant};

use postgres::{Client, Config, NoTls};

use super::changes::ChangeOptions;
use super::codec::Dictionary;
use super::context::{self, RunContext};
use super::copy::{copy_row, Pending, COPY_HEADER, COPY_TRAILER};
use super::pairs;
use super::schema::{migrations, Dialect};
use super::{
    redact, Backend, LedgerError, Mode, NewReasons, NewRun, NewScore, RawScore, RunFinish, RunRecord, ScoreRow,
    StoredScore, LOCK_WAIT, SCHEMA_VERSION,
};
use crate::bundle::Grade;

/// The advisory lock every writer of a leadscore ledger takes (an arbitrary constant).
const LOCK_KEY: i64 = 0x1ead_5c0e;

/// A PostgreSQL ledger.
pub struct PostgresLedger {
    url: String,
    /// The connection (none while a batch's COPY holds it: [`PostgresLedger::settle`]).
    client: Option<Client>,
    /// The last batch's COPY, still running ([`copy::Pending`]).
    pending: Option<Pending>,
    dictionary: Dictionary,
    /// The context values' dictionary ([`context`]).
    values: Dictionary,
    in_run: bool,
    wait: Duration,
    /// The schema version the connection reads (older only when opened to read).
    schema: i64,
    /// The context columns of the run being recorded.
    recording: Vec<String>,
}

const RUN_COLUMNS: &str = "run_id, run_key, started_at, finished_at, as_of, model_id, model_alias, model_path, rules_path, input_path, input_sha256, leads, rejects, reused, settings, summary";
const SCORE_COLUMNS: &str =
    "lead_id, input_hash, probability, percentile, grade, rule_score, rule_grade, status, reasons";

pub(super) fn pg_error(ledger: &str, e: postgres::Error) -> LedgerError {
    let message = match e.as_db_error() {
        Some(db) => format!("{}{}", db.message(), db.detail().map(|d| format!(" ({d})")).unwrap_or_default()),
        None => format!("{e}"),
    };
    LedgerError::Database { ledger: ledger.to_string(), message }
}

impl PostgresLedger {
    /// The committed runs' query: shadow runs or the others. A version 1 ledger opened to
    /// read (not migrated) has no `shadow_of` column and no shadow runs.
    fn runs_sql(&self, shadow: bool) -> String {
        let context = if self.schema < 3 { "NULL::text" } else { "context" };
        if self.schema < 2 {
            let none = if shadow { " AND 1 = 0" } else { "" };
            return format!(
                "SELECT {RUN_COLUMNS}, NULL::bigint, NULL::text FROM leadscore_runs WHERE finished_at IS NOT NULL{none} ORDER BY run_id"
            );
        }
        let which = if shadow { "NOT NULL" } else { "NULL" };
        format!("SELECT {RUN_COLUMNS}, shadow_of, {context} FROM leadscore_runs WHERE finished_at IS NOT NULL AND shadow_of IS {which} ORDER BY run_id")
    }

    /// Connects (within 10 s unless the URL says otherwise) and, for [`Mode::Write`], creates
    /// or migrates the tables.
    pub fn open(url: &str, mode: Mode) -> Result<PostgresLedger, LedgerError> {
        let shown = redact(url);
        let mut config = Config::from_str(url).map_err(|e| LedgerError::Database {
            ledger: shown.clone(),
            message: format!("not a PostgreSQL URL ({e}); write it as postgres://user:password@host:port/database"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let client = config.connect(NoTls).map_err(|e| LedgerError::Database {
            ledger: shown.clone(),
            message: format!("cannot connect ({e}); check the server is running and the URL's host, port, user, password and database"),
        })?;
        let mut me = PostgresLedger {
            url: shown,
            client: Some(client),
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
            return Err(LedgerError::Newer { ledger: me.url.clone(), found: version });
        }
        match mode {
            Mode::Write if version < SCHEMA_VERSION => me.migrate(version)?,
            Mode::Read if version > 0 => me.schema = version,
            Mode::Read if version == 0 => {
                return Err(LedgerError::NotALedger {
                    ledger: me.url.clone(),
                    why: "the database has no leadscore tables yet".into(),
                })
            }
            _ => {}
        }
        Ok(me)
    }

    fn err(&self, e: postgres::Error) -> LedgerError {
        pg_error(&self.url, e)
    }

    fn version(&mut self) -> Result<i64, LedgerError> {
        let url = self.url.clone();
        let exists: bool = self
            .conn()
            .query_one("SELECT to_regclass('leadscore_meta') IS NOT NULL", &[])
            .map_err(|e| pg_error(&url, e))?
            .get(0);
        if !exists {
            return Ok(0);
        }
        let v = self
            .conn()
            .query_opt("SELECT value FROM leadscore_meta WHERE key = 'schema_version'", &[])
            .map_err(|e| pg_error(&url, e))?;
        v.and_then(|r| r.get::<_, String>(0).parse().ok()).ok_or_else(|| LedgerError::NotALedger {
            ledger: url,
            why: "its leadscore_meta table has no schema_version".into(),
        })
    }

    /// Takes the writers' advisory lock inside the open transaction, waiting up to the lock
    /// wait.
    fn lock(&mut self) -> Result<(), LedgerError> {
        let started = Instant::now();
        loop {
            let got: bool = self
                .conn()
                .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&LOCK_KEY])
                .map_err(|e| self.err(e))?
                .get(0);
            if got {
                return Ok(());
            }
            if started.elapsed() >= self.wait {
                return Err(LedgerError::Locked { ledger: self.url.clone(), waited: self.wait.as_secs() });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn migrate(&mut self, from: i64) -> Result<(), LedgerError> {
        self.conn().batch_execute("BEGIN").map_err(|e| self.err(e))?;
        let result = (|| {
            self.lock()?;
            // Another process may have migrated while we waited for the lock.
            let now = self.version()?;
            if now < SCHEMA_VERSION {
                let sql: String = migrations(Dialect::Postgres)[now.max(from) as usize..].concat();
                self.conn().batch_execute(&sql).map_err(|e| self.err(e))?;
                self.conn()
                    .execute(
                        "INSERT INTO leadscore_meta (key, value) VALUES ('schema_version', $1)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        &[&SCHEMA_VERSION.to_string()],
                    )
                    .map_err(|e| self.err(e))?;
                self.conn()
                    .execute(
                        "INSERT INTO leadscore_meta (key, value) VALUES ('created_by', $1) ON CONFLICT DO NOTHING",
                        &[&format!("leadscore {}", env!("CARGO_PKG_VERSION"))],
                    )
                    .map_err(|e| self.err(e))?;
            }
            self.conn().batch_execute("COMMIT").map_err(|e| self.err(e))
        })();
        if result.is_err() {
            let _ = self.conn().batch_execute("ROLLBACK");
        }
        result
    }

    fn load_dictionary(&mut self) -> Result<(), LedgerError> {
        let rows = self
            .conn()
            .query("SELECT reason_id, column_name, value FROM leadscore_reasons", &[])
            .map_err(|e| self.err(e))?;
        self.dictionary = Dictionary::from_entries(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))));
        if self.schema >= 3 {
            let rows = self
                .conn()
                .query("SELECT value_id, column_name, value FROM leadscore_context_values", &[])
                .map_err(|e| self.err(e))?;
            self.values = Dictionary::from_entries(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))));
        }
        Ok(())
    }

    /// A score row read in the order of `SCORE_COLUMNS`, its reasons decoded.
    fn row_of(&self, r: &postgres::Row) -> Result<ScoreRow, LedgerError> {
        let raw = raw_of(r, 0).ok_or_else(|| LedgerError::Database {
            ledger: self.url.clone(),
            message: "a score without a lead id".into(),
        })?;
        self.with_reasons(raw)
    }

    /// `raw` with its reasons decoded by the loaded dictionary.
    fn with_reasons(&self, raw: RawScore) -> Result<ScoreRow, LedgerError> {
        let reasons = self
            .dictionary
            .decode_stored(raw.reasons.as_deref())
            .map_err(|message| LedgerError::Database { ledger: self.url.clone(), message })?;
        Ok(ScoreRow { reasons, ..raw.row })
    }
}

/// The score in columns `at..at + 9` (the order of `SCORE_COLUMNS`), if the lead is there.
fn raw_of(r: &postgres::Row, at: usize) -> Option<RawScore> {
    let lead_id: Option<String> = r.get(at);
    let grade: Option<String> = r.get(at + 4);
    Some(RawScore {
        row: ScoreRow {
            lead_id: lead_id?,
            input_hash: r.get(at + 1),
            probability: r.get(at + 2),
            percentile: r.get(at + 3),
            grade: grade.as_deref().and_then(Grade::parse),
            rule_score: r.get(at + 5),
            rule_grade: r.get(at + 6),
            status: r.get(at + 7),
            reasons: Vec::new(),
            position: None,
            context: Vec::new(),
        },
        reasons: r.get(at + 8),
    })
}

/// A run row; its context JSON is checked by the caller ([`runs_of`]).
fn run_of(r: &postgres::Row) -> Result<RunRecord, String> {
    Ok(RunRecord {
        run_id: r.get(0),
        run_key: r.get(1),
        started_at: r.get(2),
        finished_at: r.get::<_, Option<String>>(3).unwrap_or_default(),
        as_of: r.get(4),
        model_id: r.get(5),
        model_alias: r.get(6),
        model_path: r.get(7),
        rules_path: r.get(8),
        input_path: r.get(9),
        input_sha256: r.get(10),
        leads: r.get::<_, i64>(11).max(0) as u64,
        rejects: r.get::<_, i64>(12).max(0) as u64,
        reused: r.get::<_, i64>(13).max(0) as u64,
        settings: r.get(14),
        summary: r.get::<_, Option<String>>(15).unwrap_or_default(),
        shadow_of: r.get(16),
        context: RunContext::from_json(r.get::<_, Option<String>>(17).as_deref())?,
    })
}

/// The run rows, or the ledger's error for an unreadable one.
fn runs_of(ledger: &str, rows: &[postgres::Row]) -> Result<Vec<RunRecord>, LedgerError> {
    rows.iter()
        .map(|r| run_of(r).map_err(|message| LedgerError::Database { ledger: ledger.to_string(), message }))
        .collect()
}

impl Backend for PostgresLedger {
    fn ledger(&self) -> String {
        self.url.clone()
    }

    fn set_lock_wait(&mut self, wait: Duration) {
        self.wait = wait;
    }

    fn begin(&mut self, run: &NewRun, replace: bool) -> Result<i64, LedgerError> {
        self.settle()?;
        self.conn().batch_execute("BEGIN").map_err(|e| self.err(e))?;
        self.in_run = true;
        let result = (|| {
            self.lock()?;
            let id = self.insert_run(run, replace, None)?;
            self.load_dictionary()?;
            Ok(id)
        })();
        if result.is_err() {
            let _ = self.conn().batch_execute("ROLLBACK");
            self.in_run = false;
        }
        result
    }

    fn begin_shadow(&mut self, run: &NewRun, shadow_of: i64, replace: bool) -> Result<i64, LedgerError> {
        self.settle()?;
        if !self.in_run {
            return Err(LedgerError::Database {
                ledger: self.url.clone(),
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
        let sql = self.runs_sql(true);
        let rows = self.conn().query(&sql, &[]).map_err(|e| self.err(e))?;
        runs_of(&self.url, &rows)
    }

    fn append(&mut self, run_id: i64, rows: &[NewScore], data_rows: &[u64]) -> Result<(), LedgerError> {
        self.settle()?;
        let mut buf = Vec::with_capacity(COPY_HEADER.len() + rows.len() * 144);
        buf.extend_from_slice(COPY_HEADER);
        for r in rows {
            let reasons = match &r.reasons {
                NewReasons::None => None,
                NewReasons::Pairs(p) if p.is_empty() => None,
                NewReasons::Pairs(p) => Some(Cow::Owned(self.dictionary.encode_pairs(p))),
                NewReasons::Encoded(text) => Some(Cow::Borrowed(*text)),
            };
            let ctx = (!r.context.is_empty()).then(|| context::encode(&mut self.values, &self.recording, &r.context));
            copy_row(&mut buf, run_id, r, reasons.as_deref(), ctx.as_deref());
        }
        buf.extend_from_slice(COPY_TRAILER);
        let new = [
            ("leadscore_reasons", "reason_id", self.dictionary.take_new()),
            ("leadscore_context_values", "value_id", self.values.take_new()),
        ];
        for (table, key, entries) in new {
            for (id, column, value) in entries {
                self.conn()
                    .execute(
                        &format!("INSERT INTO {table} ({key}, column_name, value) VALUES ($1, $2, $3)"),
                        &[&id, &column, &value],
                    )
                    .map_err(|e| self.err(e))?;
            }
        }
        let copy =
            format!("COPY leadscore_scores (run_id, {SCORE_COLUMNS}, position, context) FROM STDIN (FORMAT binary)");
        let client = self.client.take().expect("settled above");
        self.pending = Some(Pending::start(client, copy, buf, rows, data_rows));
        Ok(())
    }

    fn commit(&mut self, run_id: i64, f: &RunFinish) -> Result<(), LedgerError> {
        self.settle()?;
        self.update_run(run_id, f)?;
        self.conn().batch_execute("COMMIT").map_err(|e| self.err(e))?;
        self.in_run = false;
        Ok(())
    }

    fn runs(&mut self) -> Result<Vec<RunRecord>, LedgerError> {
        self.settle()?;
        let sql = self.runs_sql(false);
        let rows = self.conn().query(&sql, &[]).map_err(|e| self.err(e))?;
        runs_of(&self.url, &rows)
    }

    fn scores(&mut self, run_id: i64, each: &mut dyn FnMut(ScoreRow)) -> Result<(), LedgerError> {
        self.settle()?;
        self.load_dictionary()?;
        self.scores_paged(run_id, each)
    }

    fn stored_scores(&mut self, run_id: i64, each: &mut dyn FnMut(StoredScore<'_>)) -> Result<(), LedgerError> {
        self.settle()?;
        use postgres::fallible_iterator::FallibleIterator;
        let url = self.url.clone();
        let sql = "SELECT lead_id, input_hash, probability, percentile, grade, reasons FROM leadscore_scores WHERE run_id = $1";
        let params: [&(dyn postgres::types::ToSql + Sync); 1] = [&run_id];
        let mut it = self.conn().query_raw(sql, params).map_err(|e| pg_error(&url, e))?;
        while let Some(r) = it.next().map_err(|e| pg_error(&url, e))? {
            let grade: Option<&str> = r.get(4);
            each(StoredScore {
                lead_id: r.get(0),
                input_hash: r.get(1),
                probability: r.get(2),
                percentile: r.get(3),
                grade: grade.and_then(Grade::parse),
                reasons: r.get(5),
            });
        }
        Ok(())
    }

    fn reason_entries(&mut self) -> Result<Vec<(i64, String, String)>, LedgerError> {
        self.settle()?;
        let rows = self
            .conn()
            .query("SELECT reason_id, column_name, value FROM leadscore_reasons", &[])
            .map_err(|e| self.err(e))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    fn score_pairs(
        &mut self,
        from: i64,
        to: i64,
        options: &ChangeOptions,
        each: &mut dyn FnMut(Option<RawScore>, Option<RawScore>),
    ) -> Result<(u64, u64), LedgerError> {
        self.settle()?;
        let cols = |t: &str| SCORE_COLUMNS.split(", ").map(|c| format!("{t}.{c}")).collect::<Vec<_>>().join(", ");
        pairs::postgres(self.conn(), &cols, from, to, options, &raw_of, each).map_err(|e| pg_error(&self.url, e))
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
        let rows = self
            .conn()
            .query(
                &format!("SELECT {SCORE_COLUMNS}, s.run_id FROM leadscore_scores s JOIN leadscore_runs r USING (run_id) WHERE lead_id = $1 AND r.finished_at IS NOT NULL ORDER BY run_id"),
                &[&lead],
            )
            .map_err(|e| self.err(e))?;
        rows.iter().map(|r| Ok((r.get::<_, i64>(9), self.row_of(r)?))).collect()
    }

    fn prune(&mut self, keep_from: &str) -> Result<(u64, u64), LedgerError> {
        self.settle()?;
        self.conn().batch_execute("BEGIN").map_err(|e| self.err(e))?;
        let result = (|| {
            self.lock()?;
            let scores = self
                .conn()
                .execute(
                    "DELETE FROM leadscore_scores WHERE run_id IN (SELECT run_id FROM leadscore_runs WHERE as_of < $1)",
                    &[&keep_from],
                )
                .map_err(|e| self.err(e))?;
            let runs = self
                .conn()
                .execute("DELETE FROM leadscore_runs WHERE as_of < $1", &[&keep_from])
                .map_err(|e| self.err(e))?;
            self.conn().batch_execute("COMMIT").map_err(|e| self.err(e))?;
            Ok((runs, scores))
        })();
        if result.is_err() {
            let _ = self.conn().batch_execute("ROLLBACK");
        }
        result
    }
}

impl PostgresLedger {
    /// Inserts a run in the open transaction, refusing (or with `replace` deleting, with its
    /// shadow runs) one with the same key.
    fn insert_run(&mut self, run: &NewRun, replace: bool, shadow_of: Option<i64>) -> Result<i64, LedgerError> {
        let key = run.run_key();
        let existing = self
            .conn()
            .query_opt("SELECT run_id, started_at FROM leadscore_runs WHERE run_key = $1", &[&key])
            .map_err(|e| self.err(e))?;
        if let Some(row) = existing {
            let (run_id, started): (i64, String) = (row.get(0), row.get(1));
            if !replace {
                return Err(LedgerError::Duplicate { ledger: self.url.clone(), key, run_id, started });
            }
            self.conn()
                .execute(
                    "DELETE FROM leadscore_scores WHERE run_id IN (SELECT run_id FROM leadscore_runs WHERE run_id = $1 OR shadow_of = $1)",
                    &[&run_id],
                )
                .and_then(|_| self.conn().execute("DELETE FROM leadscore_runs WHERE run_id = $1 OR shadow_of = $1", &[&run_id]))
                .map_err(|e| self.err(e))?;
        }
        let row = self
            .conn()
            .query_one(
                "INSERT INTO leadscore_runs (run_key, started_at, as_of, model_id, model_alias, model_path, rules_path, input_path, settings, shadow_of, context)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING run_id",
                &[&key, &run.started_at, &run.as_of, &run.model_id, &run.model_alias, &run.model_path, &run.rules_path, &run.input_path, &run.settings, &shadow_of, &run.context.to_json()],
            )
            .map_err(|e| self.err(e))?;
        if shadow_of.is_none() {
            self.recording = run.context.columns.clone();
        }
        Ok(row.get(0))
    }

    /// Completes a run's row.
    fn update_run(&mut self, run_id: i64, f: &RunFinish) -> Result<(), LedgerError> {
        self.conn()
            .execute(
                "UPDATE leadscore_runs SET finished_at = $2, input_sha256 = $3, leads = $4, rejects = $5, reused = $6, summary = $7 WHERE run_id = $1",
                &[&run_id, &f.finished_at, &f.input_sha256, &(f.leads as i64), &(f.rejects as i64), &(f.reused as i64), &f.summary],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every score of a run, 50,000 at a time in lead id order (keyset pagination: lead ids
    /// are never blank, so the first page starts after "").
    fn scores_paged(&mut self, run_id: i64, each: &mut dyn FnMut(ScoreRow)) -> Result<(), LedgerError> {
        const PAGE: usize = 50_000;
        let extra = if self.schema < 3 { "NULL::bigint, NULL::text" } else { "position, context" };
        let sql = format!(
            "SELECT {SCORE_COLUMNS}, {extra} FROM leadscore_scores WHERE run_id = $1 AND lead_id > $2 ORDER BY lead_id LIMIT {PAGE}"
        );
        let mut after = String::new();
        loop {
            let rows = self.conn().query(&sql, &[&run_id, &after]).map_err(|e| self.err(e))?;
            let Some(last) = rows.last() else { return Ok(()) };
            after = last.get(0);
            for r in &rows {
                let mut row = self.row_of(r)?;
                row.position = r.get::<_, Option<i64>>(9).map(|p| p.max(0) as u64);
                row.context = context::decode(&self.values, r.get::<_, Option<String>>(10).as_deref())
                    .map_err(|message| LedgerError::Database { ledger: self.url.clone(), message })?;
                each(row);
            }
            if rows.len() < PAGE {
                return Ok(());
            }
        }
    }
}

impl PostgresLedger {
    /// The connection; [`PostgresLedger::settle`] has given it back.
    fn conn(&mut self) -> &mut Client {
        self.client.as_mut().expect("a ledger method settles a running COPY before it uses the connection")
    }

    /// Waits for the last batch's COPY to finish and takes the connection back; its error is
    /// the run's.
    fn settle(&mut self) -> Result<(), LedgerError> {
        if let Some(p) = self.pending.take() {
            let (client, result) = p.wait(&self.url);
            self.client = client;
            result?;
        }
        match self.client {
            Some(_) => Ok(()),
            None => Err(LedgerError::Database {
                ledger: self.url.clone(),
                message: "the connection was lost while a batch was being copied; nothing of this run was kept".into(),
            }),
        }
    }
}

impl Drop for PostgresLedger {
    fn drop(&mut self) {
        let _ = self.settle();
        if let (true, Some(c)) = (self.in_run, self.client.as_mut()) {
            let _ = c.batch_execute("ROLLBACK");
        }
    }
}
