//! A ledger run read back as its scored file showed it: the columns a later read of the file
//! uses (the roll-up's), rebuilt from what the run recorded, with the file sink's own
//! formatting ([`super::file`]): the recorded context columns as text, `probability` rounded
//! to the run's `--precision`, `reasons` rendered as the file renders them, `rule_grade`, and
//! `scored_at`, one row per lead in the file's row order. A reader of this frame sees what
//! it would have read in that night's file.

use polars::prelude::*;

use super::file::round;
use crate::explain::Contribution;
use crate::ledger::{context_column, Backend, LedgerError, RunRecord, ScoreRow};
use crate::present::text::render_reasons_pp;

/// The name of the lead id column of [`scored_frame`] (no scored file has a column so named).
pub const LEAD_ID: &str = "(lead id)";

/// The frame of run `run` of `backend`. `need` lists the context columns the caller reads,
/// each with what to do when the run did not record it (an error naming the ledger, the run
/// and the columns it did record).
pub fn scored_frame(
    backend: &mut dyn Backend,
    run: &RunRecord,
    need: &[(&str, &str)],
) -> Result<DataFrame, LedgerError> {
    let ledger = backend.ledger();
    for (column, hint) in need {
        context_column(&ledger, run, column, hint)?;
    }
    let context = run.context.clone().unwrap_or_default();
    let mut rows: Vec<ScoreRow> = Vec::with_capacity(run.leads as usize);
    backend.scores(run.run_id, &mut |r| rows.push(r))?;
    // The file's row order (every lead of a run with context has its position).
    rows.sort_by_key(|r| r.position.unwrap_or(u64::MAX));
    let text = |f: &dyn Fn(&ScoreRow) -> Option<String>| rows.iter().map(f).collect::<Vec<Option<String>>>();
    let mut cols = vec![Column::new(LEAD_ID.into(), text(&|r| Some(r.lead_id.clone())))];
    for (k, name) in context.columns.iter().enumerate() {
        cols.push(Column::new(name.as_str().into(), text(&|r| r.context.get(k).cloned().flatten())));
    }
    let d = context.probability_decimals;
    if rows.iter().any(|r| r.probability.is_some()) {
        cols.push(Column::new("probability".into(), text(&|r| r.probability.map(|p| round(p, d).to_string()))));
        cols.push(Column::new("reasons".into(), text(&|r| Some(reasons_text(r)))));
    }
    if rows.iter().any(|r| r.rule_grade.is_some()) {
        cols.push(Column::new("rule_grade".into(), text(&|r| r.rule_grade.clone())));
    }
    cols.push(Column::new("scored_at".into(), vec![run.started_at.as_str(); rows.len()]));
    DataFrame::new_infer_height(cols).map_err(|e| LedgerError::Database {
        ledger,
        message: format!("run {}: its scores do not make a table: {e}", run.run_id),
    })
}

/// A lead's reasons as the scored file shows them.
fn reasons_text(r: &ScoreRow) -> String {
    let c: Vec<Contribution> = r
        .reasons
        .iter()
        .map(|s| Contribution { column: s.column.clone(), value: s.value.clone(), effect: 0.0, pp: Some(s.pp) })
        .collect();
    render_reasons_pp(&c)
}
