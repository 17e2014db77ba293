//! Two runs side by side, for `changes` ([`super::Backend::score_pairs`]): which leads of
//! either run [`reported`] reports, decided on the fields it compares as the database hands
//! the rows over, so only the few reported rows are read whole.
//!
//! - SQLite: both runs are stored in lead id order (the `scores` key is (run id, lead id)), so
//!   two scans of the key walk them in step, a merge in Rust: no lookup per lead, and the
//!   compared fields are read in place without allocating.
//! - PostgreSQL: the database joins the runs (a merge join over the key; a hash join of two
//!   runs of millions of leads would spill to disk) and returns only the pairs that may be
//!   reported (a looser test than [`reported`]'s in SQL, then [`reported`] itself), so the
//!   unchanged leads never cross the connection.

use std::cmp::Ordering;

use postgres::Client;
use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::Connection;

use super::changes::{reported, ChangeOptions};
use super::{RawScore, ScoreKey};
use crate::bundle::Grade;

/// The SQLite scan: see the module docs. Columns of `select` (one run, `?1`, in lead id
/// order) are those [`super::sqlite`]'s `raw_of` reads.
pub(super) fn sqlite(
    conn: &Connection,
    select: &str,
    from: i64,
    to: i64,
    options: &ChangeOptions,
    raw: &dyn Fn(&rusqlite::Row) -> rusqlite::Result<Option<RawScore>>,
    each: &mut dyn FnMut(Option<RawScore>, Option<RawScore>),
) -> rusqlite::Result<(u64, u64)> {
    let (mut sa, mut sb) = (conn.prepare(select)?, conn.prepare(select)?);
    let (mut a, mut b) = (sa.query([from])?, sb.query([to])?);
    a.advance()?;
    b.advance()?;
    let mut counts = (0u64, 0u64);
    loop {
        let (ra, rb) = (a.get(), b.get());
        let ka = ra.map(sqlite_key).transpose()?;
        let kb = rb.map(sqlite_key).transpose()?;
        let order = match (&ka, &kb) {
            (None, None) => return Ok(counts),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => x.lead_id.as_bytes().cmp(y.lead_id.as_bytes()),
        };
        let (ka, kb, ra, rb) = match order {
            Ordering::Less => (ka, None, ra, None),
            Ordering::Greater => (None, kb, None, rb),
            Ordering::Equal => (ka, kb, ra, rb),
        };
        if !reported(ka, kb, options).is_empty() {
            let ra = ra.map(raw).transpose()?.flatten();
            let rb = rb.map(raw).transpose()?.flatten();
            each(ra, rb);
        }
        if order != Ordering::Greater {
            counts.0 += 1;
            a.advance()?;
        }
        if order != Ordering::Less {
            counts.1 += 1;
            b.advance()?;
        }
    }
}

/// The compared fields of a row in `SCORE_COLUMNS` order (lead id 0, probability 2, grade 4,
/// status 7), borrowed from the row.
fn sqlite_key<'r>(r: &'r rusqlite::Row) -> rusqlite::Result<ScoreKey<'r>> {
    let text = |i: usize| -> rusqlite::Result<Option<&'r str>> {
        r.get_ref(i)?
            .as_str_or_null()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    };
    Ok(ScoreKey {
        lead_id: text(0)?.unwrap_or_default(),
        probability: r.get(2)?,
        grade: text(4)?.and_then(Grade::parse),
        status: text(7)?,
    })
}

/// A condition on the joined rows `a` (earlier) and `b` (later) that holds for every pair
/// [`reported`] reports (and perhaps a few more, which it then drops).
pub(super) fn may_report_sql(o: &ChangeOptions) -> String {
    let mut both = Vec::new();
    if let Some(min) = o.min_jump {
        // `reported`: round(|d| * 100) >= round(min * 100) with d in points, i.e.
        // |pb - pa| >= (k - 0.5) / 10000 for k = round(min * 100) >= 1; a little looser here.
        let k = (min * 100.0).round();
        if k >= 1.0 {
            both.push(format!("abs(b.probability - a.probability) >= {:e}", (k - 0.5) / 10_000.0 * (1.0 - 1e-9)));
        } else {
            both.push("b.probability <> a.probability".to_string());
        }
    }
    if o.grades {
        both.push("a.grade IS DISTINCT FROM b.grade".to_string());
    }
    if o.status {
        both.push("a.status IS DISTINCT FROM b.status".to_string());
    }
    let mut any = Vec::new();
    if o.new_and_gone {
        any.push("a.lead_id IS NULL OR b.lead_id IS NULL".to_string());
    }
    if !both.is_empty() {
        any.push(format!("(a.lead_id IS NOT NULL AND b.lead_id IS NOT NULL AND ({}))", both.join(" OR ")));
    }
    if any.is_empty() {
        "FALSE".to_string()
    } else {
        any.join(" OR ")
    }
}

/// The PostgreSQL join: see the module docs. `columns(t)` lists `SCORE_COLUMNS` of table
/// alias `t`; `raw(row, at)` reads a score from column `at` on.
#[allow(clippy::too_many_arguments)]
pub(super) fn postgres(
    client: &mut Client,
    columns: &dyn Fn(&str) -> String,
    from: i64,
    to: i64,
    options: &ChangeOptions,
    raw: &dyn Fn(&postgres::Row, usize) -> Option<RawScore>,
    each: &mut dyn FnMut(Option<RawScore>, Option<RawScore>),
) -> Result<(u64, u64), postgres::Error> {
    use postgres::fallible_iterator::FallibleIterator;
    let mut tx = client.transaction()?;
    // Two runs of millions of leads: walk the key in step rather than hash one of them.
    tx.batch_execute("SET LOCAL enable_hashjoin = off")?;
    let counted = tx.query_one(
        "SELECT count(*) FILTER (WHERE run_id = $1), count(*) FILTER (WHERE run_id = $2) FROM leadscore_scores WHERE run_id IN ($1, $2)",
        &[&from, &to],
    )?;
    let counts = (counted.get::<_, i64>(0).max(0) as u64, counted.get::<_, i64>(1).max(0) as u64);
    let sql = format!(
        "SELECT {}, {} FROM (SELECT * FROM leadscore_scores WHERE run_id = $1) a
         FULL OUTER JOIN (SELECT * FROM leadscore_scores WHERE run_id = $2) b ON a.lead_id = b.lead_id
         WHERE {}",
        columns("a"),
        columns("b"),
        may_report_sql(options)
    );
    let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&from, &to];
    let mut it = tx.query_raw(&sql, params)?;
    while let Some(r) = it.next()? {
        let (a, b) = (raw(&r, 0), raw(&r, 9));
        if !reported(a.as_ref().map(|x| x.row.key()), b.as_ref().map(|x| x.row.key()), options).is_empty() {
            each(a, b);
        }
    }
    drop(it);
    tx.commit()?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_test_is_looser_than_reported() {
        let o = ChangeOptions { min_jump: Some(5.0), grades: false, status: false, new_and_gone: false, why: 3 };
        let sql = may_report_sql(&o);
        assert!(sql.starts_with("(a.lead_id IS NOT NULL AND b.lead_id IS NOT NULL AND (abs("), "{sql}");
        // 4.995 points is reported at 5 (hundredths of a point, rounded); the SQL bound is below it.
        let bound: f64 = sql.split(">= ").nth(1).unwrap().trim_end_matches(')').parse().unwrap();
        assert!(bound < 0.04995 && bound > 0.0499, "{bound}");
        let key = |p: f64| ScoreKey { lead_id: "a", probability: Some(p), grade: None, status: None };
        assert!(!reported(Some(key(0.2)), Some(key(0.25)), &o).is_empty());
        assert!(reported(Some(key(0.2)), Some(key(0.249)), &o).is_empty());
        let none = ChangeOptions { min_jump: None, grades: false, status: false, new_and_gone: false, why: 3 };
        assert_eq!(may_report_sql(&none), "FALSE");
        let zero = ChangeOptions { min_jump: Some(0.0), ..o };
        assert!(may_report_sql(&zero).contains("b.probability <> a.probability"));
    }
}
