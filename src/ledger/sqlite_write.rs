//! Scores into SQLite on a thread of their own: [`SqliteLedger`](super::sqlite::SqliteLedger)
//! encodes a batch's reasons and context with its dictionaries, then hands the rows and the
//! connection to a thread that inserts them ([`Pending`]) while the next batch is scored. The
//! ledger waits for it ([`Pending::wait`]) before it uses the connection again, so the rows
//! still go into the run's one transaction in order, and a failed insert fails the run.

use std::thread::JoinHandle;

use rusqlite::{params, Connection, ErrorCode};

use super::sqlite::db_error;
use super::LedgerError;

/// One score as it is inserted, owned (it crosses to the insert thread).
pub(super) struct Row {
    /// The lead id.
    pub lead_id: String,
    /// The columns in the order of `SCORE_COLUMNS` after the lead id.
    pub input_hash: Option<i64>,
    pub probability: Option<f64>,
    pub percentile: Option<f64>,
    pub grade: Option<&'static str>,
    pub rule_score: Option<f64>,
    pub rule_grade: Option<String>,
    pub status: Option<String>,
    /// Encoded reasons.
    pub reasons: Option<String>,
    /// Its row in the scored file, and its encoded context.
    pub position: Option<i64>,
    pub context: Option<String>,
    /// Its data row, for a duplicate lead's message.
    pub data_row: u64,
}

/// A batch being inserted on its thread, which holds the connection.
pub(super) struct Pending {
    handle: JoinHandle<(Connection, Result<(), LedgerError>)>,
}

impl Pending {
    /// Starts inserting `rows` into run `run_id` with `sql` (the run id, then the columns of
    /// [`Row`] in order).
    pub(super) fn start(conn: Connection, ledger: String, sql: String, run_id: i64, rows: Vec<Row>) -> Pending {
        let handle = std::thread::spawn(move || {
            let result = insert(&conn, &ledger, &sql, run_id, &rows);
            (conn, result)
        });
        Pending { handle }
    }

    /// Waits for the batch: the connection back (none if the thread died) and the outcome.
    pub(super) fn wait(self, ledger: &str) -> (Option<Connection>, Result<(), LedgerError>) {
        match self.handle.join() {
            Ok((conn, result)) => (Some(conn), result),
            Err(_) => (
                None,
                Err(LedgerError::Database {
                    ledger: ledger.to_string(),
                    message: "the insert of a batch stopped unexpectedly; nothing of this run was kept".into(),
                }),
            ),
        }
    }
}

fn insert(conn: &Connection, ledger: &str, sql: &str, run_id: i64, rows: &[Row]) -> Result<(), LedgerError> {
    let mut insert = conn.prepare_cached(sql).map_err(|e| db_error(ledger, e))?;
    for r in rows {
        insert
            .execute(params![
                run_id,
                r.lead_id,
                r.input_hash,
                r.probability,
                r.percentile,
                r.grade,
                r.rule_score,
                r.rule_grade,
                r.status,
                r.reasons,
                r.position,
                r.context
            ])
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => {
                    LedgerError::DuplicateLead { ledger: ledger.to_string(), lead: r.lead_id.clone(), row: r.data_row }
                }
                _ => db_error(ledger, e),
            })?;
    }
    Ok(())
}
