//! The scoring seam: one small trait, [`Scorer`], that every way of scoring leads implements,
//! so `score`, `evaluate` and `thresholds` work with any of them through `&dyn Scorer`.
//!
//! The engines themselves know nothing of this trait: the models ([`crate::models`]) see a
//! feature matrix, the rules engine ([`crate::rules`]) a batch of text cells. This module
//! adapts them:
//! - [`ModelScorer`]: one fitted model with the bundle's feature pipeline;
//! - [`BundleScorer`]: every model of a bundle, encoding each batch once for all of them; its
//!   scores are the primary model's, the others come as [`Scored::components`];
//! - [`crate::rules::RulesScorer`]: the points rules, with each lead's itemised
//!   [`Breakdown`] in [`Scored::breakdowns`].
//!
//! What a scorer returns is data ([`Scored`], [`Contribution`]); turning it into text is the
//! job of the sink that needs it ([`crate::present`]).

use leadscore_gbm::GbmError;
use serde::{Deserialize, Serialize};

use crate::bundle::segments::Route;
use crate::bundle::Bundle;
use crate::data::typing::{LeadFrame, TypingError};
pub use crate::evaluation::compare::ScoreKind;
pub use crate::explain::Contribution;
use crate::features::unseen_levels::UnseenLevels;
use crate::features::{Encoded, FittedPipeline};
use crate::models::FittedModel;
use crate::rules::{Breakdown, RulesScorer};

/// A probability of conversion, in `0..=1`: what a model scorer's scores are.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Probability(f64);

impl Probability {
    /// Wraps `p`, clamping tiny numerical excursions; `None` for NaN.
    pub fn new(p: f64) -> Option<Self> {
        (!p.is_nan()).then(|| Probability(p.clamp(0.0, 1.0)))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// Scores for a batch.
#[derive(Debug, Clone, Default)]
pub struct Scored {
    /// One score per lead, on the scale of [`Scorer::kind`].
    pub scores: Vec<f64>,
    /// Per lead, per-column contributions (empty when not requested).
    pub contributions: Vec<Vec<Contribution>>,
    /// Per input column, values never seen in training that were mapped to "other".
    pub unseen: Vec<(String, UnseenLevels)>,
    /// A composite scorer's parts: each model's own probabilities (a bundle with several
    /// models), in the bundle's order. Empty for a single model or rules.
    pub components: Vec<(String, Vec<f64>)>,
    /// A points scorer's itemised breakdown per lead (empty for models).
    pub breakdowns: Vec<Breakdown>,
    /// A routed bundle's route per lead: which segment's models scored it (`None`: the global
    /// model). Empty for every other scorer.
    pub routes: Vec<Route>,
}

/// Errors while scoring.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// The batch could not be read as the scorer's inputs.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// The boosted-tree engine refused the batch (shape mismatch).
    #[error("boosted trees: {0}")]
    Gbm(#[from] GbmError),
    /// A model gave a value that is not a probability (a damaged model).
    #[error("{model}: lead {row} got a probability that is not a number; the bundle is damaged, retrain it")]
    NotAProbability {
        /// The model.
        model: String,
        /// 1-based data row.
        row: usize,
    },
}

/// Anything that scores leads.
pub trait Scorer {
    /// Short name ("logistic", "gbm", "rules").
    fn name(&self) -> &str;
    /// What the scores are: probabilities of conversion, or points.
    fn kind(&self) -> ScoreKind;
    /// Scores every lead of `leads`; with `explain`, also per-column contributions.
    fn score(&self, leads: &LeadFrame, explain: bool) -> Result<Scored, ScoreError>;
}

/// A pipeline plus a model: scores raw leads.
pub struct ModelScorer<'a> {
    /// The fitted pipeline.
    pub pipeline: &'a FittedPipeline,
    /// The fitted model.
    pub model: &'a FittedModel,
}

impl Scorer for ModelScorer<'_> {
    fn name(&self) -> &str {
        self.model.name()
    }

    fn kind(&self) -> ScoreKind {
        ScoreKind::Probability
    }

    fn score(&self, leads: &LeadFrame, explain: bool) -> Result<Scored, ScoreError> {
        let enc = self.pipeline.transform(leads, None)?;
        self.score_encoded(leads, &enc, explain)
    }
}

impl ModelScorer<'_> {
    /// [`Scorer::score`] for a batch already encoded by this scorer's pipeline.
    pub fn score_encoded(&self, leads: &LeadFrame, enc: &Encoded, explain: bool) -> Result<Scored, ScoreError> {
        let scores = self.model.predict(enc)?;
        let contributions = if explain { self.contributions(leads, enc, None)? } else { Vec::new() };
        Ok(Scored { scores, contributions, unseen: unseen(self.pipeline, enc), ..Scored::default() })
    }

    /// Per lead, per input column: the effect on the log-odds, with the lead's value and the
    /// effect in percentage points of conversion probability (see [`points_per_log_odds`]).
    /// Row `i` of `enc` is row `rows[i]` of `leads` (with `rows`; else row `i`).
    fn contributions(
        &self,
        leads: &LeadFrame,
        enc: &Encoded,
        rows: Option<&[usize]>,
    ) -> Result<Vec<Vec<Contribution>>, ScoreError> {
        let texts: Vec<_> = self.pipeline.columns.iter().map(|c| leads.text(&c.name, "")).collect::<Result<_, _>>()?;
        let effects = self.model.effects(self.pipeline, enc)?;
        Ok(effects
            .per_column
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let slope = points_per_log_odds(self.model, effects.base, row.iter().sum());
                let at = rows.map_or(i, |r| r[i]);
                row.into_iter()
                    .enumerate()
                    .map(|(src, effect)| Contribution {
                        column: self.pipeline.columns[src].name.clone(),
                        value: self.pipeline.missing.clean(texts[src].get(at)).unwrap_or("(missing)").to_string(),
                        effect,
                        pp: Some(effect * slope),
                    })
                    .collect()
            })
            .collect())
    }
}

/// Percentage points of conversion probability per unit of log-odds for a lead whose effects
/// sum to `total` on top of the average lead's log-odds `base`: the slope of the chord of the
/// probability curve from the average lead (`p0 = P(base)`) to this lead
/// (`p = P(base + total)`), `100 (p - p0) / total`, where `P` is the model's own map from
/// log-odds to probability (the logistic function, and for boosted trees their calibrator).
///
/// Each reason's percentage points are its log-odds effect times this slope, so the points of
/// all of a lead's columns add up to `100 (p - p0)`: how far this lead's probability is from
/// an average lead's, shared out in proportion to the log-odds each column contributed. A
/// reason keeps its sign and its rank among the lead's reasons. For a lead at the average
/// (`total` = 0) the tangent's slope is used.
pub fn points_per_log_odds(model: &FittedModel, base: f64, total: f64) -> f64 {
    const TINY: f64 = 1e-9;
    if total.abs() > TINY {
        100.0 * (model.probability_at(base + total) - model.probability_at(base)) / total
    } else {
        100.0 * (model.probability_at(base + TINY) - model.probability_at(base - TINY)) / (2.0 * TINY)
    }
}

/// Per input column of `pipeline`, the batch's values never seen in training.
fn unseen(pipeline: &FittedPipeline, enc: &Encoded) -> Vec<(String, UnseenLevels)> {
    let columns = pipeline.columns.iter().zip(&enc.unseen);
    columns.filter(|(_, u)| u.count > 0).map(|(c, u)| (c.name.clone(), u.clone())).collect()
}

/// Every model of a bundle: each batch is encoded once (the models share the pipeline), the
/// primary model's probabilities are the scores and its contributions the explanation, and
/// with several models each one's probabilities come as [`Scored::components`].
pub struct BundleScorer<'a> {
    bundle: &'a Bundle,
    primary: usize,
}

impl<'a> BundleScorer<'a> {
    /// The scorer of `bundle`.
    pub fn new(bundle: &'a Bundle) -> Self {
        let primary = bundle.models.iter().position(|m| m.model.kind() == bundle.primary).unwrap_or(0);
        BundleScorer { bundle, primary }
    }

    /// The primary model alone (no other model is run); routed by segment like the bundle.
    pub fn primary(&self) -> KindScorer<'a> {
        KindScorer { bundle: self.bundle, k: self.primary }
    }

    /// Every model of the bundle on its own, in the bundle's order; each routed by segment
    /// like the bundle (a segment's lead scored by that segment's model of the same kind).
    pub fn models(&self) -> Vec<KindScorer<'a>> {
        (0..self.bundle.models.len()).map(|k| KindScorer { bundle: self.bundle, k }).collect()
    }

    fn model(&self, k: usize) -> ModelScorer<'a> {
        ModelScorer { pipeline: &self.bundle.pipeline, model: &self.bundle.models[k].model }
    }
}

/// One model kind of a bundle: the bundle's model of that kind, or for a routed bundle each
/// lead's segment model of that kind ([`crate::bundle::segments`]).
pub struct KindScorer<'a> {
    bundle: &'a Bundle,
    k: usize,
}

impl Scorer for KindScorer<'_> {
    fn name(&self) -> &str {
        self.bundle.models[self.k].model.name()
    }

    fn kind(&self) -> ScoreKind {
        ScoreKind::Probability
    }

    fn score(&self, leads: &LeadFrame, explain: bool) -> Result<Scored, ScoreError> {
        let Some(seg) = self.bundle.routing() else {
            let model = &self.bundle.models[self.k].model;
            return ModelScorer { pipeline: &self.bundle.pipeline, model }.score(leads, explain);
        };
        let enc = self.bundle.pipeline.transform(leads, None)?;
        let routes = seg.routes(leads, &self.bundle.pipeline.missing)?;
        BundleScorer { bundle: self.bundle, primary: self.k }.score_routed(leads, &enc, routes, explain, false)
    }
}

impl Scorer for BundleScorer<'_> {
    fn name(&self) -> &str {
        self.bundle.primary.as_str()
    }

    fn kind(&self) -> ScoreKind {
        ScoreKind::Probability
    }

    fn score(&self, leads: &LeadFrame, explain: bool) -> Result<Scored, ScoreError> {
        let enc = self.bundle.pipeline.transform(leads, None)?;
        if let Some(seg) = self.bundle.routing() {
            let routes = seg.routes(leads, &self.bundle.pipeline.missing)?;
            return self.score_routed(leads, &enc, routes, explain, true);
        }
        let models: Vec<ModelScorer> = (0..self.bundle.models.len()).map(|k| self.model(k)).collect();
        let mut main = models[self.primary].score_encoded(leads, &enc, explain)?;
        if models.len() > 1 {
            for (k, m) in models.iter().enumerate() {
                let probs = if k == self.primary { main.scores.clone() } else { m.model.predict(&enc)? };
                main.components.push((m.name().to_string(), probs));
            }
        }
        Ok(main)
    }
}

impl BundleScorer<'_> {
    /// A routed bundle's scores: the batch is encoded once, then each route's leads go to
    /// their models (the segment's, or the global ones), and the results are put back in
    /// the batch's order. With `all`, every model kind runs (its probabilities as
    /// components); else only the primary one.
    fn score_routed(
        &self,
        leads: &LeadFrame,
        enc: &Encoded,
        routes: Vec<Route>,
        explain: bool,
        all: bool,
    ) -> Result<Scored, ScoreError> {
        let n = routes.len();
        let mut by_route: std::collections::BTreeMap<Route, Vec<usize>> = std::collections::BTreeMap::new();
        for (i, &r) in routes.iter().enumerate() {
            by_route.entry(r).or_default().push(i);
        }
        let names: Vec<&str> = self.bundle.models.iter().map(|m| m.model.name()).collect();
        let mut probs = vec![vec![f64::NAN; n]; names.len()];
        let mut contributions = if explain { vec![Vec::new(); n] } else { Vec::new() };
        for (&route, rows) in &by_route {
            let sub = if rows.len() == n { None } else { Some(enc.select_rows(rows)) };
            let sub = sub.as_ref().unwrap_or(enc);
            for (k, model) in self.bundle.models_for(route).into_iter().enumerate() {
                if !all && k != self.primary {
                    continue;
                }
                for (&i, p) in rows.iter().zip(model.predict(sub)?) {
                    probs[k][i] = p;
                }
                if explain && k == self.primary {
                    let m = ModelScorer { pipeline: &self.bundle.pipeline, model };
                    for (&i, c) in rows.iter().zip(m.contributions(leads, sub, Some(rows))?) {
                        contributions[i] = c;
                    }
                }
            }
        }
        let scores = probs[self.primary].clone();
        let components = if all && names.len() > 1 {
            names.iter().map(|s| s.to_string()).zip(probs).collect()
        } else {
            Vec::new()
        };
        let unseen = unseen(&self.bundle.pipeline, enc);
        Ok(Scored { scores, contributions, unseen, components, routes, ..Scored::default() })
    }
}

impl Scorer for RulesScorer<'_> {
    fn name(&self) -> &str {
        "rules"
    }

    fn kind(&self) -> ScoreKind {
        ScoreKind::Points
    }

    fn score(&self, leads: &LeadFrame, explain: bool) -> Result<Scored, ScoreError> {
        let breakdowns = self.evaluate(leads)?;
        let scores = breakdowns.iter().map(|b| b.total).collect();
        let contributions =
            if explain { breakdowns.iter().map(crate::rules::engine::contributions).collect() } else { Vec::new() };
        Ok(Scored { scores, contributions, breakdowns, ..Scored::default() })
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use chrono::NaiveDate;

    use super::*;
    use crate::data::load::read_table;
    use crate::rules::RulesPlan;

    fn rules_fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules").join(name)
    }

    #[test]
    fn scorer_trait_gives_totals_and_contributions() {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let plan =
            RulesPlan::load(&rules_fixture("rules.toml"), Some(&rules_fixture("activities.csv")), as_of, None).unwrap();
        let path = rules_fixture("leads.csv");
        let df = read_table(&path).unwrap();
        let s = plan.scorer();
        assert_eq!((s.name(), s.kind()), ("rules", ScoreKind::Points));
        let scored = s.score(&LeadFrame { df: &df, path: &path, first_row: 1 }, true).unwrap();
        assert_eq!(scored.scores.len(), 4);
        assert_eq!(scored.scores[2], 0.0);
        assert_eq!(
            scored.contributions[1][0],
            Contribution { column: "seniority = student".into(), value: "student".into(), effect: 15.0, pp: None }
        );
    }
}
