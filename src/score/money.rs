//! The run's joined tables and money: the joiner built from the bundle's recorded joins, each
//! batch's values and expected values, and the pipeline totals of the summary.

use super::{Money, ScorePlan, ScoreRunError, ScoreSummary, ScoredBatch};
use std::path::Path;

use polars::prelude::DataFrame;

use crate::accounts::value::{read_values, LeadValues, PipelineValue};
use crate::bundle::Bundle;
use crate::data::join::{JoinSpec, Joiner};
use crate::data::typing::LeadFrame;

/// The joiner of a run (none without joins), checked against what the bundle recorded.
pub(super) fn joiner(
    specs: &[JoinSpec],
    bundle: Option<&Bundle>,
    summary: &mut ScoreSummary,
) -> Result<Option<Joiner>, ScoreRunError> {
    if specs.is_empty() {
        return Ok(None);
    }
    let j = Joiner::load(specs)?;
    if let Some(b) = bundle {
        summary.warnings.extend(j.check_against(&b.joins)?);
    }
    Ok(Some(j))
}

/// The run's pipeline totals, with `--value-column`; expected value needs a model.
pub(super) fn pipeline(plan: &ScorePlan, bundle: Option<&Bundle>) -> Result<Option<PipelineValue>, ScoreRunError> {
    match (&plan.value, bundle) {
        (None, _) => Ok(None),
        (Some(_), None) => Err(ScoreRunError::ValueNeedsModel),
        (Some(v), Some(_)) => Ok(Some(PipelineValue::new(v))),
    }
}

/// The batch with the run's joined tables.
pub(super) fn joined(
    joiner: Option<&mut Joiner>,
    df: DataFrame,
    path: &Path,
    first_row: usize,
) -> Result<DataFrame, ScoreRunError> {
    Ok(match joiner {
        Some(j) => j.apply(df, path, first_row)?,
        None => df,
    })
}

/// A batch's money columns, with `--value-column` (read before anything else of the batch,
/// so a missing or bad value column is named as such).
pub(super) fn values(plan: &ScorePlan, frame: &LeadFrame) -> Result<Option<LeadValues>, ScoreRunError> {
    Ok(plan.value.as_ref().map(|spec| read_values(frame, spec)).transpose()?)
}

/// A batch's values with their expected values (probability x value).
pub(super) fn of_batch(values: Option<LeadValues>, batch: &ScoredBatch) -> Option<Money> {
    let (values, m) = (values?, batch.model.as_ref()?);
    let p: Vec<f64> = m.probabilities.iter().map(|p| p.get()).collect();
    Some(Money { expected: values.expected(&p), values })
}

/// Adds a (filtered) batch to the pipeline totals. Without a stage column, leads are grouped
/// by the rules' stage when a rules file scored them.
pub(super) fn add(pv: Option<&mut PipelineValue>, batch: &ScoredBatch) {
    let (Some(pv), Some(money), Some(m)) = (pv, &batch.money, &batch.model) else { return };
    let p: Vec<f64> = m.probabilities.iter().map(|p| p.get()).collect();
    let grades: Vec<&str> = m.grades.iter().map(|g| g.as_str()).collect();
    let stages: Option<Vec<String>> = match (&pv.stage_column, &batch.rules) {
        (None, Some(r)) => Some(r.iter().map(|b| b.stage.clone()).collect()),
        _ => None,
    };
    pv.add(&money.values, &p, &grades, stages.as_deref());
}

/// Puts the joins' reports (and their warnings) and the pipeline totals into the summary.
pub(super) fn finish(
    summary: &mut ScoreSummary,
    joiner: Option<&Joiner>,
    pipeline: Option<PipelineValue>,
    rules: bool,
) {
    if let Some(j) = joiner {
        summary.joins = j.reports();
        summary.warnings.extend(summary.joins.iter().flat_map(|r| r.warnings()));
    }
    if let Some(mut pv) = pipeline {
        if pv.stage_column.is_none() && rules {
            pv.stage_column = Some("stage (rules)".to_string());
        }
        summary.pipeline = Some(pv);
    }
}
