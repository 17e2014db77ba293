//! Score rows as the SQLite ledger reads them back: whole ([`raw_of`], [`with_context`]) or
//! borrowed for an incremental run ([`stored_of`]).

use super::codec::Dictionary;
use super::context;
use super::{RawScore, ScoreRow, StoredScore};
use crate::bundle::Grade;

/// The score in columns `at..at + 9` (the order of `SCORE_COLUMNS`), if the lead is there.
pub(super) fn raw_of(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Option<RawScore>> {
    let Some(lead_id) = r.get::<_, Option<String>>(at)? else { return Ok(None) };
    let grade: Option<String> = r.get(at + 4)?;
    Ok(Some(RawScore {
        row: ScoreRow {
            lead_id,
            input_hash: r.get(at + 1)?,
            probability: r.get(at + 2)?,
            percentile: r.get(at + 3)?,
            grade: grade.as_deref().and_then(Grade::parse),
            rule_score: r.get(at + 5)?,
            rule_grade: r.get(at + 6)?,
            status: r.get(at + 7)?,
            reasons: Vec::new(),
            position: None,
            context: Vec::new(),
        },
        reasons: r.get(at + 8)?,
    }))
}

/// A row of `lead_id, input_hash, probability, percentile, grade, reasons`, borrowed.
pub(super) fn stored_of<'r>(r: &'r rusqlite::Row) -> rusqlite::Result<StoredScore<'r>> {
    let text = |i: usize| -> rusqlite::Result<Option<&'r str>> {
        r.get_ref(i)?
            .as_str_or_null()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    };
    Ok(StoredScore {
        lead_id: text(0)?.unwrap_or_default(),
        input_hash: r.get(1)?,
        probability: r.get(2)?,
        percentile: r.get(3)?,
        grade: text(4)?.and_then(Grade::parse),
        reasons: text(5)?,
    })
}

/// The score of [`raw_of`] with its position and context (columns `at + 9`, `at + 10`).
pub(super) fn with_context(
    r: &rusqlite::Row,
    at: usize,
    values: &Dictionary,
    mut row: ScoreRow,
) -> rusqlite::Result<ScoreRow> {
    row.position = r.get::<_, Option<i64>>(at + 9)?.map(|p| p.max(0) as u64);
    let text: Option<String> = r.get(at + 10)?;
    row.context = context::decode(values, text.as_deref())
        .map_err(|m| rusqlite::Error::FromSqlConversionFailure(at + 10, rusqlite::types::Type::Text, m.into()))?;
    Ok(row)
}
