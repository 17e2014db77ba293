//! Incremental nights: a lead whose model inputs (its input hash) and scoring settings are
//! unchanged since an earlier run keeps that run's probability, percentile, grade and
//! reasons; only new and changed leads go through the model. Percentiles are positions in
//! the bundle's reference distribution, so a stored one is still valid; a within-run rank
//! would not be, and is refused.
//!
//! Where the earlier scores come from (a ledger) is the caller's business: this module only
//! says which settings must match ([`reuse_settings`]) and what is kept per lead
//! ([`super::StoredLead`], packed in [`StoredLeads`]). The rules are cheap and depend on the
//! date, so they are always run.

use std::sync::Arc;

use polars::prelude::*;

use super::stored::StoredLeads;
use super::{Clock, LeadIds, ModelScores, Ranking, ScorePlan, ScoreRunError, ScoreSummary, ScoredBatch};
use crate::bundle::{Bundle, GradeCuts};
use crate::data::typing::{LeadFrame, TypingError};
use crate::rng::FastMap;
use crate::scorer::BundleScorer;

/// A ledger's reason dictionary: reason id to (column, value). Ids are small and dense (given
/// in order from 1), so they index a vector; any other id (a ledger edited by hand) is looked
/// up in a map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReasonNames {
    names: Vec<Option<(String, String)>>,
    other: FastMap<i64, (String, String)>,
}

/// Ids below this index [`ReasonNames`]' vector.
const DENSE_IDS: i64 = 1 << 24;

impl ReasonNames {
    /// The dictionary of (id, column, value) entries.
    pub fn new(entries: impl IntoIterator<Item = (i64, String, String)>) -> ReasonNames {
        let mut me = ReasonNames::default();
        for (id, c, v) in entries {
            match usize::try_from(id) {
                Ok(i) if id < DENSE_IDS => {
                    if i >= me.names.len() {
                        me.names.resize(i + 1, None);
                    }
                    me.names[i] = Some((c, v));
                }
                _ => {
                    me.other.insert(id, (c, v));
                }
            }
        }
        me
    }

    /// The (column, value) of reason `id`.
    pub fn get(&self, id: i64) -> Option<(&str, &str)> {
        let found = match usize::try_from(id) {
            Ok(i) if id < DENSE_IDS => self.names.get(i).and_then(Option::as_ref),
            _ => self.other.get(&id),
        };
        found.map(|(c, v)| (c.as_str(), v.as_str()))
    }
}

/// The reasons of the leads of a batch that kept their stored score, still as the ledger
/// stored them, `[reason_id, pp, ...]` over [`StoredReasons::names`] (or a pre-schema-4
/// `[[reason_id, pp], ...]`). They stay encoded: the ledger stores them again as they are,
/// and the file renders them from the text (pp is kept to one decimal, as the file shows
/// it), so a reused lead costs no decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReasons {
    /// The ledger's reason dictionary.
    pub names: Arc<ReasonNames>,
    /// The stored scores the texts are in.
    pub store: Arc<StoredLeads>,
    /// Per lead of the batch: its record in `store` where it kept its stored score (its entry
    /// of [`ModelScores::reasons`] is then empty); `None` for a lead scored in this run.
    pub leads: Vec<Option<u32>>,
}

impl StoredReasons {
    /// Lead `i`'s stored reasons text, if it kept its stored score and that was explained.
    pub fn text(&self, i: usize) -> Option<&str> {
        self.leads.get(i).copied().flatten().and_then(|n| self.store.reasons(n))
    }
}

/// The scores an incremental run may reuse, by lead id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reuse {
    /// Where they come from, for the summary (e.g. "run 12 of models/ledger.db").
    pub source: String,
    /// By lead id, indexed.
    pub leads: Arc<StoredLeads>,
    /// The dictionary of the stored reasons.
    pub names: Arc<ReasonNames>,
    /// Seconds it took to read them (the `ledger_read` stage of the run's summary).
    pub seconds: f64,
}

/// The settings that must be equal for a stored score to be reused: the bundle (its short
/// id), the reasons asked for, the grades explained and the grade cut-offs.
pub fn reuse_settings(plan: &ScorePlan, bundle: Option<&Bundle>) -> String {
    let Some(b) = bundle else { return "rules only".to_string() };
    let cuts: &GradeCuts = plan.grades.as_ref().unwrap_or(&b.grades);
    let grades: Vec<&str> = plan.reasons_for.iter().map(|g| g.as_str()).collect();
    format!(
        "model {}; reasons {}; reasons-for {}; grade-cuts {:?},{:?},{:?}; percentiles {}",
        super::short_id(&b.checksum),
        plan.reasons,
        if grades.is_empty() { "all".to_string() } else { grades.join(",") },
        cuts.a,
        cuts.b,
        cuts.c,
        if plan.rank_in_run || b.reference.is_none() { "in-run" } else { "reference" }
    )
}

/// Checks an incremental run can reuse stored scores at all.
pub(super) fn check(plan: &ScorePlan, bundle: Option<&Bundle>) -> Result<(), ScoreRunError> {
    let why = match bundle {
        _ if plan.reuse.is_none() => return Ok(()),
        None => "it scores with rules only, which are always recomputed",
        Some(_) if plan.rank_in_run => "--rank-in-run percentiles change with every night's leads",
        Some(b) if b.reference.is_none() => {
            "the bundle has no reference distribution (saved before format 1.1), so its percentiles are within-run"
        }
        Some(_) => return Ok(()),
    };
    Err(ScoreRunError::Incremental { why: why.to_string() })
}

/// Per lead of a batch: the record of the stored score to reuse, if its id is known and its
/// input hash unchanged.
pub(super) fn matches(reuse: &Reuse, ids: &[Option<String>], hashes: &[u64]) -> Vec<Option<u32>> {
    let store = &reuse.leads;
    ids.iter()
        .zip(hashes)
        .map(|(id, h)| id.as_deref().and_then(|id| store.find(id)).filter(|&n| store.lead(n).input_hash == *h))
        .collect()
}

/// The batch's model scores from the stored ones (`stored`, records of `reuse`) and the
/// freshly scored rest (`fresh`, in row order of the leads not reused). `by_model` is left
/// empty: a ledger keeps only the primary model's scores.
pub(super) fn merge(stored: &[Option<u32>], fresh: ModelScores, reuse: &Reuse) -> ModelScores {
    let n = stored.len();
    let store = &reuse.leads;
    let mut out = ModelScores {
        model_id: fresh.model_id,
        primary: fresh.primary,
        probabilities: Vec::with_capacity(n),
        percentiles: Vec::with_capacity(n),
        grades: Vec::with_capacity(n),
        reasons: Vec::new(),
        by_model: Vec::new(),
        segments: Vec::new(),
        stored_reasons: None,
    };
    let any_stored = stored.iter().flatten().any(|&s| store.reasons(s).is_some());
    let has_reasons = !fresh.reasons.is_empty() || any_stored;
    let mut fresh_reasons = fresh.reasons.into_iter();
    let mut f = fresh.probabilities.into_iter().zip(fresh.percentiles).zip(fresh.grades);
    for s in stored {
        match s {
            Some(s) => {
                let s = store.lead(*s);
                out.probabilities.push(s.probability);
                out.percentiles.push(s.percentile);
                out.grades.push(s.grade);
                if has_reasons {
                    out.reasons.push(Vec::new());
                }
            }
            None => {
                let ((p, pct), g) = f.next().expect("one fresh score per lead not reused");
                out.probabilities.push(p);
                out.percentiles.push(pct);
                out.grades.push(g);
                if has_reasons {
                    out.reasons.push(fresh_reasons.next().unwrap_or_default());
                }
            }
        }
    }
    if any_stored {
        out.stored_reasons =
            Some(StoredReasons { names: Arc::clone(&reuse.names), store: Arc::clone(store), leads: stored.to_vec() });
    }
    out
}

/// [`model_scores`] for an incremental run: leads whose input hash matches their stored
/// score keep it; the rest are scored (a frame of just their rows). An error in that frame
/// is reported from the whole batch, so it names the right data row.
#[allow(clippy::too_many_arguments)]
pub(super) fn incremental(
    plan: &ScorePlan,
    bundle: &Bundle,
    scorer: &BundleScorer,
    grades: &GradeCuts,
    ranking: &Ranking,
    frame: &LeadFrame,
    reuse: &Reuse,
    batch: &ScoredBatch,
    summary: &mut ScoreSummary,
    clock: &mut Clock,
) -> Result<ModelScores, ScoreRunError> {
    let ids: Vec<Option<String>> = match &batch.ids {
        LeadIds::Column { values, .. } => values.clone(),
        LeadIds::Rows => vec![None; batch.len()],
    };
    let stored = matches(reuse, &ids, &batch.input_hashes);
    let fresh: Vec<IdxSize> = (0..stored.len()).filter(|&i| stored[i].is_none()).map(|i| i as IdxSize).collect();
    summary.reused += stored.len() - fresh.len();
    if fresh.len() == stored.len() {
        return super::model_scores(plan, bundle, scorer, grades, ranking, frame, summary, clock);
    }
    let sub = frame.df.take(&IdxCa::from_vec("rows".into(), fresh)).map_err(|source| TypingError::Polars {
        path: plan.data.clone(),
        column: "(rows to score)".into(),
        source,
    })?;
    let sub_frame = LeadFrame { df: &sub, path: frame.path, first_row: frame.first_row };
    let scored = match super::model_scores(plan, bundle, scorer, grades, ranking, &sub_frame, summary, clock) {
        Ok(m) => m,
        Err(e) => {
            return Err(super::model_scores(plan, bundle, scorer, grades, ranking, frame, summary, clock)
                .err()
                .unwrap_or(e))
        }
    };
    Ok(merge(&stored, scored, reuse))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_names_find_dense_and_stray_ids() {
        let names = ReasonNames::new([
            (1, "title".to_string(), "Director".to_string()),
            (3, "country".to_string(), "DE".to_string()),
            (1 << 40, "stray".to_string(), "x".to_string()),
        ]);
        assert_eq!(names.get(1), Some(("title", "Director")));
        assert_eq!(names.get(3), Some(("country", "DE")));
        assert_eq!(names.get(1 << 40), Some(("stray", "x")));
        assert_eq!(names.get(2), None);
        assert_eq!(names.get(-1), None);
        assert_eq!(names.get(99), None);
    }
}
