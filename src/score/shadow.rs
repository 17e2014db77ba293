//! Shadow scoring (`score --model champion --shadow challenger`): a second bundle scores the
//! same leads in the same pass. Its probability, percentile (against its own reference) and
//! grade (by its own cut-offs) travel in [`ScoredBatch::shadow`]; the file sink writes them
//! only with `--all-models` (`shadow_probability`, `shadow_grade`), the ledger records them
//! as a shadow run beside the night's run, and they never become `probability`. No reasons
//! are computed for the shadow.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{short_id, ModelScores, ScoreRunError, ScoredBatch};
use crate::bundle::Bundle;
use crate::data::typing::LeadFrame;
use crate::scorer::{BundleScorer, Probability, ScoreError, Scorer};

/// What the shadow did in a run, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ShadowSummary {
    /// The shadow bundle.
    pub model: String,
    /// Its short id.
    pub model_id: String,
    /// Leads per shadow grade.
    pub grades: BTreeMap<String, usize>,
    /// Mean shadow probability.
    pub mean_probability: f64,
    /// Leads whose grade differs between the primary and the shadow.
    pub grade_changes: usize,
    /// The sum of the shadow's probabilities so far (for the mean).
    #[serde(skip)]
    pub sum: f64,
}

/// The loaded shadow bundle.
pub struct Shadow {
    /// Its path.
    pub path: PathBuf,
    /// The bundle.
    pub bundle: Bundle,
}

impl Shadow {
    /// The shadow bundle read from `path`, checked: it must differ from the primary and
    /// carry a reference distribution (a shadow is never ranked within the run).
    pub fn new(path: &std::path::Path, bundle: Bundle, primary: Option<&Bundle>) -> Result<Shadow, ScoreRunError> {
        let shadow_error = |why: String| ScoreRunError::Shadow { path: path.to_path_buf(), why };
        let Some(primary) = primary else {
            return Err(shadow_error("--shadow needs --model: a shadow scores beside a primary bundle".into()));
        };
        if primary.checksum == bundle.checksum {
            return Err(shadow_error(format!(
                "it is the --model bundle itself (model_id {}); shadow a different bundle",
                short_id(&bundle.checksum)
            )));
        }
        if bundle.reference.is_none() {
            return Err(shadow_error(
                "it has no reference distribution (trained before format 1.1), so its percentiles would change from night to night; retrain it".into(),
            ));
        }
        Ok(Shadow { path: path.to_path_buf(), bundle })
    }

    /// The shadow's scores of a batch (no reasons).
    pub fn scores(&self, scorer: &BundleScorer, frame: &LeadFrame) -> Result<ModelScores, ScoreRunError> {
        let scored = scorer.score(frame, false)?;
        let probabilities = scored
            .scores
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                Probability::new(p).ok_or_else(|| ScoreError::NotAProbability {
                    model: format!("shadow {}", self.bundle.primary),
                    row: frame.first_row + i,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let b = &self.bundle;
        let route = |i: usize| scored.routes.get(i).copied().flatten();
        let percentile = |i: usize, p: f64| {
            b.reference_for(route(i)).or(b.reference.as_ref()).expect("checked at load").percentile(p)
        };
        Ok(ModelScores {
            model_id: short_id(&b.checksum),
            primary: b.primary.to_string(),
            percentiles: scored.scores.iter().enumerate().map(|(i, &p)| percentile(i, p)).collect(),
            grades: scored.scores.iter().enumerate().map(|(i, &p)| b.grades_for(route(i)).grade(p)).collect(),
            probabilities,
            reasons: Vec::new(),
            by_model: Vec::new(),
            segments: Vec::new(),
            stored_reasons: None,
        })
    }

    /// An empty summary for this shadow.
    pub fn summary(&self) -> ShadowSummary {
        ShadowSummary {
            model: self.path.display().to_string(),
            model_id: short_id(&self.bundle.checksum),
            ..ShadowSummary::default()
        }
    }
}

/// Counts a written batch into the shadow summary.
pub fn count(summary: &mut ShadowSummary, batch: &ScoredBatch) {
    let (Some(s), Some(m)) = (&batch.shadow, &batch.model) else { return };
    for (g, primary) in s.grades.iter().zip(&m.grades) {
        *summary.grades.entry(g.to_string()).or_default() += 1;
        summary.grade_changes += usize::from(g != primary);
    }
    summary.sum += s.probabilities.iter().map(|p| p.get()).sum::<f64>();
}
