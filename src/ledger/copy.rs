//! Scores into PostgreSQL by `COPY ... FROM STDIN (FORMAT binary)`: each value as its length
//! and bytes (integers and doubles big-endian, text as UTF-8, length -1 for none), so no
//! number is formatted or parsed as text and no text needs escaping.
//!
//! A batch's COPY runs on a thread of its own ([`Pending`]), which holds the connection until
//! the server has stored the batch: the server stores one batch while the next is scored. The
//! ledger waits for it ([`Pending::wait`]) before it uses the connection again, so everything
//! still happens in order in the run's one transaction, and a failed COPY fails the run.

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
    /// Starts copying `buf` ([`COPY_HEADER`], tuples of [`copy_row`], [`COPY_TRAILER`]) with `sql` on `client`'s connection.
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

/// The start of a binary COPY's data: its signature, no flags, no header extension.
pub(super) const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The end of a binary COPY's data.
pub(super) const COPY_TRAILER: &[u8] = &[0xff, 0xff];

/// A field that holds none (NULL): length -1.
const NULL_FIELD: &[u8] = &(-1i32).to_be_bytes();

/// The number of columns [`copy_row`] writes.
const COPY_FIELDS: i16 = 12;

/// One field of text: its length in bytes and its UTF-8 (length -1 for none).
fn copy_text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.extend_from_slice(NULL_FIELD),
        Some(s) => {
            // A value of 2 GB or more is beyond PostgreSQL's 1 GB field limit: sent as the
            // largest length, the server refuses the batch instead of misreading the stream.
            out.extend_from_slice(&i32::try_from(s.len()).unwrap_or(i32::MAX).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// One BIGINT field, big-endian (length -1 for none).
fn copy_bigint(out: &mut Vec<u8>, value: Option<i64>) {
    match value {
        Some(v) => {
            out.extend_from_slice(&8i32.to_be_bytes());
            out.extend_from_slice(&v.to_be_bytes());
        }
        None => out.extend_from_slice(NULL_FIELD),
    }
}

/// One DOUBLE PRECISION field: its IEEE 754 bits, big-endian (length -1 for none).
fn copy_double(out: &mut Vec<u8>, value: Option<f64>) {
    match value {
        Some(v) => {
            out.extend_from_slice(&8i32.to_be_bytes());
            out.extend_from_slice(&v.to_bits().to_be_bytes());
        }
        None => out.extend_from_slice(NULL_FIELD),
    }
}

/// One score as a tuple of PostgreSQL's binary COPY format, in the columns `run_id,
/// SCORE_COLUMNS, position, context`. The batch's data starts with [`COPY_HEADER`] and ends
/// with [`COPY_TRAILER`]. Binary spares both sides the numbers' text: the client formatting
/// three doubles a lead and the server parsing them, on the two cores they share.
pub(super) fn copy_row(buf: &mut Vec<u8>, run_id: i64, r: &NewScore, reasons: Option<&str>, ctx: Option<&str>) {
    buf.extend_from_slice(&COPY_FIELDS.to_be_bytes());
    copy_bigint(buf, Some(run_id));
    copy_text(buf, Some(r.lead_id));
    copy_bigint(buf, r.input_hash);
    copy_double(buf, r.probability);
    copy_double(buf, r.percentile);
    copy_text(buf, r.grade.map(Grade::as_str));
    copy_double(buf, r.rule_score);
    copy_text(buf, r.rule_grade.as_deref());
    copy_text(buf, r.status);
    copy_text(buf, reasons);
    // A data row number beyond i64 cannot occur (no file has 2^63 rows).
    copy_bigint(buf, r.position.map(|p| i64::try_from(p).unwrap_or(i64::MAX)));
    copy_text(buf, ctx);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::NewReasons;

    #[test]
    fn a_score_is_one_binary_tuple() {
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
        let mut want: Vec<u8> = vec![0, 12];
        want.extend([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7]);
        want.extend([0, 0, 0, 4]);
        want.extend(b"L\t1\\");
        want.extend([0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb]);
        // 0.1 is 0x3FB999999999999A.
        want.extend([0, 0, 0, 8, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]);
        want.extend([0xff, 0xff, 0xff, 0xff]);
        want.extend([0, 0, 0, 1, b'B']);
        want.extend([0xff, 0xff, 0xff, 0xff]);
        want.extend([0xff, 0xff, 0xff, 0xff]);
        want.extend([0, 0, 0, 3]);
        want.extend(b"mql");
        want.extend([0, 0, 0, 7]);
        want.extend(b"[1,2.0]");
        want.extend([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 3]);
        want.extend([0xff, 0xff, 0xff, 0xff]);
        assert_eq!(buf, want);
        assert_eq!(COPY_HEADER.len(), 19);
        assert_eq!(&COPY_HEADER[..11], b"PGCOPY\n\xff\r\n\0");
    }
}
