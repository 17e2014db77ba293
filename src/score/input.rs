//! What a batch carries from the input besides the scores: the lead ids, the
//! `--keep-columns` context columns, and with `--open-only` which rows are still open.

use polars::prelude::*;

use super::{LeadIds, ScorePlan, ScoreRunError, ScoreSummary};
use crate::bundle::Bundle;
use crate::data::typing::{column_list, LeadFrame, TypingError};

/// A context column of a batch: its name and its text per lead.
pub(super) type ContextColumn = (String, Vec<Option<String>>);

/// The `--keep-columns` columns of a batch, as text.
pub(super) fn context_columns(frame: &LeadFrame, plan: &ScorePlan) -> Result<Vec<ContextColumn>, ScoreRunError> {
    plan.keep_columns
        .iter()
        .map(|c| {
            let text = frame.text(c, "").map_err(|_| ScoreRunError::KeepColumn {
                path: plan.data.clone(),
                column: c.clone(),
                available: column_list(frame.df),
            })?;
            Ok((c.clone(), text.iter().map(|v| v.map(str::to_string)).collect()))
        })
        .collect()
}

/// With `--open-only` and the bundle's target column in the file: per row, whether it has no
/// outcome yet (blank, or with the bundle's dead values set, neither converted nor dead).
/// `None` when every row is scored.
pub(super) fn open_rows(
    plan: &ScorePlan,
    bundle: Option<&Bundle>,
    frame: &LeadFrame,
    summary: &mut ScoreSummary,
) -> Result<Option<Vec<bool>>, ScoreRunError> {
    let Some(b) = bundle.filter(|_| plan.open_only) else { return Ok(None) };
    let Ok(text) = frame.text(&b.target.column, "") else {
        if summary.batches == 0 {
            summary.warnings.push(format!(
                "{}: --open-only: the file has no column \"{}\" (the bundle's target), so every row was scored",
                plan.data.display(),
                b.target.column
            ));
        }
        return Ok(None);
    };
    let known = |v: &str, list: &[String]| list.iter().any(|x| x.trim().eq_ignore_ascii_case(v));
    Ok(Some(
        text.iter()
            .map(|cell| match b.pipeline.missing.clean(cell) {
                None => true,
                Some(v) => {
                    !b.target.negative.is_empty() && !known(v, &b.target.positive) && !known(v, &b.target.negative)
                }
            })
            .collect(),
    ))
}

/// The ids of a batch (warning once, in the summary, when the expected id column is absent).
pub(super) fn lead_ids(
    df: &DataFrame,
    plan: &ScorePlan,
    id: Option<&str>,
    summary: &mut ScoreSummary,
) -> Result<LeadIds, ScoreRunError> {
    Ok(match id_source(df, plan, id)? {
        IdSource::Column(c) => LeadIds::Column {
            name: c.name().to_string(),
            values: c
                .str()
                .map_err(|source| TypingError::Polars {
                    path: plan.data.clone(),
                    column: c.name().to_string(),
                    source,
                })?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect(),
        },
        IdSource::Absent(id) => {
            if summary.batches == 0 {
                summary.warnings.push(format!(
                    "{}: id column \"{id}\" not found (columns: {}); leads are identified by their data row in a \"row\" \
                     column instead. Pass --id COLUMN to name the id column",
                    plan.data.display(),
                    column_list(df)
                ));
            }
            LeadIds::Rows
        }
        IdSource::None => LeadIds::Rows,
    })
}

/// Where the output's id column comes from.
pub(super) enum IdSource<'a> {
    /// The id column of the data.
    Column(&'a Column),
    /// The bundle's or rules file's id column, absent from the data: rows are numbered.
    Absent(&'a str),
    /// No id column anywhere: rows are numbered (documented behaviour).
    None,
}

/// The id column for a batch. An id column named with `--id` must exist: silently numbering
/// rows instead would hand the user a file they cannot join back to their leads.
pub(super) fn id_source<'a>(
    df: &'a DataFrame,
    plan: &ScorePlan,
    id: Option<&'a str>,
) -> Result<IdSource<'a>, TypingError> {
    let Some(id) = id else { return Ok(IdSource::None) };
    match df.column(id) {
        Ok(c) => Ok(IdSource::Column(c)),
        Err(_) if plan.id.is_some() => Err(TypingError::MissingColumn {
            path: plan.data.clone(),
            column: id.to_string(),
            available: column_list(df),
            hint: "pass --id with one of these columns".to_string(),
        }),
        Err(_) => Ok(IdSource::Absent(id)),
    }
}

/// Per row, FNV-1a over the model's input columns (name, then value, or a marker when the
/// value or the whole column is missing): the same text gives the same hash, any change to a
/// column the model reads changes it. The ledger keeps it so `--incremental` can tell which
/// leads are unchanged.
pub(super) fn input_hashes(frame: &LeadFrame, columns: &[&str]) -> Vec<u64> {
    use crate::rng::{fnv1a_from, FNV_OFFSET};
    let mut hashes = vec![FNV_OFFSET; frame.height()];
    for name in columns {
        let text = frame.df.column(name).ok().and_then(|c| c.str().ok());
        for (i, h) in hashes.iter_mut().enumerate() {
            *h = fnv1a_from(*h, name.as_bytes());
            *h = match text.and_then(|t| t.get(i)) {
                Some(v) => fnv1a_from(fnv1a_from(*h, &[0x1f]), v.as_bytes()),
                None => fnv1a_from(*h, &[0x1e, 0xff]),
            };
            *h = fnv1a_from(*h, &[0x1e]);
        }
    }
    hashes
}
