//! The reasons of one batch: for the leads to explain (`--reasons-for`), their contributions,
//! with "(missing)" left out for columns never missing in training and `[features.groups]`
//! merged, then the strongest each way.

use polars::prelude::*;

use super::{ScorePlan, ScoreRunError, ScoreSummary, MIN_REASON_EFFECT};
use crate::bundle::{Bundle, Grade};
use crate::data::typing::{LeadFrame, TypingError};
use crate::explain::{top_reasons, Contribution};
use crate::features::groups;
use crate::scorer::{BundleScorer, Scorer};

/// Reasons for the leads to explain (the others get none): the strongest pushes up, then down,
/// leaving out "(missing)" for a column that was never missing in training.
pub(super) fn explain(
    plan: &ScorePlan,
    bundle: &Bundle,
    scorer: &BundleScorer,
    frame: &LeadFrame,
    grades: &[Grade],
    all_contributions: Vec<Vec<Contribution>>,
    summary: &mut ScoreSummary,
) -> Result<Vec<Vec<Contribution>>, ScoreRunError> {
    if plan.reasons == 0 {
        return Ok(Vec::new());
    }
    let chosen: Vec<usize> =
        (0..grades.len()).filter(|&i| plan.reasons_for.is_empty() || plan.reasons_for.contains(&grades[i])).collect();
    summary.leads_explained += chosen.len();
    let mut out = vec![Vec::new(); grades.len()];
    if chosen.is_empty() {
        return Ok(out);
    }
    let never_missing: Vec<&str> =
        bundle.pipeline.columns.iter().filter(|c| c.missing_share == Some(0.0)).map(|c| c.name.as_str()).collect();
    let contributions = if all_contributions.len() == grades.len() {
        all_contributions
    } else if chosen.len() == grades.len() {
        scorer.score(frame, true)?.contributions
    } else {
        // Only the chosen leads, through the same trait: a frame of just their rows.
        let idx = IdxCa::from_vec("rows".into(), chosen.iter().map(|&i| i as IdxSize).collect());
        let sub = frame.df.take(&idx).map_err(|source| TypingError::Polars {
            path: plan.data.clone(),
            column: "(rows to explain)".into(),
            source,
        })?;
        let sub_frame = LeadFrame { df: &sub, path: frame.path, first_row: frame.first_row };
        scorer.score(&sub_frame, true)?.contributions
    };
    for (&i, mut c) in chosen.iter().zip(contributions) {
        c.retain(|x| {
            let drop = x.value == "(missing)" && never_missing.contains(&x.column.as_str());
            if drop {
                *summary.missing_never_seen.entry(x.column.clone()).or_default() += 1;
            }
            !drop
        });
        let c = groups::merge(&bundle.pipeline.groups, c);
        out[i] = top_reasons(&c, plan.reasons, MIN_REASON_EFFECT).into_iter().cloned().collect();
    }
    Ok(out)
}
