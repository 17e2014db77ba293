//! Scores into PostgreSQL by `COPY ... FROM STDIN`, as lines of its text format
//! (tab-separated, `\N` for none, backslash escapes for tab, newline, carriage return and
//! backslash; numbers as Rust's `{:?}` writes them, the shortest text that reads back as the
//! same value).
//!
//! A batch's COPY runs on a thread of its own ([`Pending`]), which holds the connection until
//! the server has stored the batch: the server stores one batch while the next is scored. The
//! ledger waits for it ([`Pending::wait`]) before it uses the connection again, so everything
//! still happens in order in the run's one transaction, and a failed COPY fails the run.

use std::fmt::Debug;
use std::io::Write;
use std::thread::JoinHandle;

use postgres::Client;

use super::{LedgerError, NewScore};
use crate::bundle::Grade;

/// Why a COPY failed.
enum CopyFailed {
    /// Sending the rows.
    Io(std::io::Error),
    /// The server refused them.
    Db(postgres::Error),
}

/// A batch's COPY on its thread, with what names a duplicate lead's row if the server refuses
/// one.
pub(super) struct Pending {
    handle: JoinHandle<(Client, Result<(), CopyFailed>)>,
    /// The batch's lead ids, one a line.
    ids: String,
    /// Their data rows.
    rows: Vec<u64>,
}

impl Pending {
    /// Starts copying `buf` (lines of [`copy_row`]) with `sql` on `client`'s connection.
    pub(super) fn start(mut client: Client, sql: String, buf: Vec<u8>, leads: &[NewScore], rows: &[u64]) -> Pending {
        let mut ids = String::with_capacity(leads.len() * 12);
        for r in leads {
            ids.push_str(r.lead_id);
            ids.push('\n');
        }
        let handle = std::thread::spawn(move || {
            let result = copy(&mut client, &sql, &buf);
            (client, result)
        });
        Pending { handle, ids, rows: rows.to_vec() }
    }

    /// Waits for the COPY: the connection back (none if the thread died), and its outcome as
    /// the ledger's error (a lead id the run already has as [`LedgerError::DuplicateLead`]).
    pub(super) fn wait(self, ledger: &str) -> (Option<Client>, Result<(), LedgerError>) {
        let Pending { handle, ids, rows } = self;
        let database = |message: String| LedgerError::Database { ledger: ledger.to_string(), message };
        match handle.join() {
            Err(_) => {
                (None, Err(database("the COPY of a batch stopped unexpectedly; nothing of this run was kept".into())))
            }
            Ok((client, Ok(()))) => (Some(client), Ok(())),
            Ok((client, Err(CopyFailed::Io(e)))) => (Some(client), Err(database(format!("COPY failed: {e}")))),
            Ok((client, Err(CopyFailed::Db(e)))) => (Some(client), Err(refused(ledger, e, &ids, &rows))),
        }
    }
}

fn copy(client: &mut Client, sql: &str, buf: &[u8]) -> Result<(), CopyFailed> {
    let mut writer = client.copy_in(sql).map_err(CopyFailed::Db)?;
    writer.write_all(buf).map_err(CopyFailed::Io)?;
    writer.finish().map(|_| ()).map_err(CopyFailed::Db)
}

/// The ledger's error for a COPY the server refused: a lead id already in the run names the
/// lead and its data row.
fn refused(ledger: &str, e: postgres::Error, ids: &str, rows: &[u64]) -> LedgerError {
    let unique = e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION);
    let detail = e.as_db_error().and_then(|d| d.detail().map(str::to_string)).unwrap_or_default();
    // "Key (run_id, lead_id)=(3, L0001) already exists."
    let lead = detail
        .split_once(")=(")
        .and_then(|(_, rest)| rest.split_once(", "))
        .map(|(_, l)| l.trim_end_matches(" already exists.").trim_end_matches(')').to_string());
    match (unique, lead) {
        (true, Some(lead)) => {
            let row =
                ids.lines().collect::<Vec<_>>().iter().rposition(|l| *l == lead).and_then(|i| rows.get(i).copied());
            LedgerError::DuplicateLead { ledger: ledger.to_string(), lead, row: row.unwrap_or(0) }
        }
        _ => super::postgres::pg_error(ledger, e),
    }
}

/// One value of text (`\N` for none).
pub(super) fn copy_text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.extend_from_slice(b"\\N"),
        Some(s) => {
            for b in s.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
}

/// One number (`\N` for none).
fn copy_number<T: Debug>(out: &mut Vec<u8>, value: Option<T>) {
    match value {
        Some(v) => {
            let _ = write!(out, "{v:?}");
        }
        None => out.extend_from_slice(b"\\N"),
    }
}

/// One score as a line in the columns `run_id, SCORE_COLUMNS, position, context`.
pub(super) fn copy_row(buf: &mut Vec<u8>, run_id: i64, r: &NewScore, reasons: Option<&str>, ctx: Option<&str>) {
    let _ = write!(buf, "{run_id}\t");
    copy_text(buf, Some(r.lead_id));
    buf.push(b'\t');
    copy_number(buf, r.input_hash);
    buf.push(b'\t');
    copy_number(buf, r.probability);
    buf.push(b'\t');
    copy_number(buf, r.percentile);
    buf.push(b'\t');
    copy_text(buf, r.grade.map(Grade::as_str));
    buf.push(b'\t');
    copy_number(buf, r.rule_score);
    buf.push(b'\t');
    copy_text(buf, r.rule_grade.as_deref());
    buf.push(b'\t');
    copy_text(buf, r.status);
    buf.push(b'\t');
    copy_text(buf, reasons);
    buf.push(b'\t');
    copy_number(buf, r.position);
    buf.push(b'\t');
    copy_text(buf, ctx);
    buf.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::NewReasons;

    #[test]
    fn a_score_is_one_escaped_line() {
        let r = NewScore {
            lead_id: "L\t1\\",
            input_hash: Some(-5),
            probability: Some(0.1),
            percentile: None,
            grade: Some(Grade::B),
            rule_score: None,
            rule_grade: None,
            status: Some("mql"),
            reasons: NewReasons::None,
            position: Some(3),
            context: Vec::new(),
        };
        let mut buf = Vec::new();
        copy_row(&mut buf, 7, &r, Some("[1,2.0]"), None);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "7\tL\\t1\\\\\t-5\t0.1\t\\N\tB\t\\N\t\\N\tmql\t[1,2.0]\t3\t\\N\n"
        );
    }
}
