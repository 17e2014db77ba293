//! Scorers: everything that turns a batch of leads into a score per lead.
//!
//! [`Scorer`] is the one small trait that logistic regression, boosted trees and the rules
//! engine implement, so `score` and evaluation work with any of them. A model scorer
//! ([`ModelScorer`]) pairs the fitted feature pipeline with a fitted model; the models
//! themselves ([`logistic::LogisticModel`]) see only the column-major matrix.

pub mod gbm;
pub mod logistic;

use serde::{Deserialize, Serialize};

use crate::data::typing::{LeadFrame, TypingError};
use crate::features::FittedPipeline;

/// A probability of conversion, in `0..=1`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
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

/// One item of an explanation: a feature (in the user's terms) and its effect on the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The input column.
    pub column: String,
    /// The lead's value of it, as text ("(missing)" when missing).
    pub value: String,
    /// Effect on the score (log-odds for models, points for rules).
    pub effect: f64,
}

/// Scores for a batch.
#[derive(Debug, Clone, Default)]
pub struct Scored {
    /// One score per lead; probabilities for models.
    pub scores: Vec<f64>,
    /// Per lead, per-column contributions (empty when not requested).
    pub contributions: Vec<Vec<Contribution>>,
    /// Per input column, values never seen in training that were mapped to "other".
    pub unseen: Vec<(String, usize)>,
}

/// Errors while scoring.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// The batch could not be read as the model's inputs.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// The boosted-tree engine refused the batch (shape mismatch).
    #[error("boosted trees: {0}")]
    Gbm(#[from] leadscore_gbm::GbmError),
}

/// Anything that scores leads.
pub trait Scorer {
    /// Short name ("logistic", "gbm", "rules").
    fn name(&self) -> &str;
    /// Whether scores are probabilities of conversion (else points).
    fn is_probability(&self) -> bool;
    /// Scores every lead of `leads`; with `explain`, also per-column contributions.
    fn score(&self, leads: &LeadFrame, explain: bool) -> Result<Scored, ScoreError>;
}

/// A fitted model of any kind, as stored in the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FittedModel {
    /// L2-regularised logistic regression on the design matrix.
    Logistic(logistic::LogisticModel),
    /// Calibrated gradient-boosted trees on the tree matrix.
    Gbm(Box<gbm::GbmScorerModel>),
}

impl FittedModel {
    /// The model's short name.
    pub fn name(&self) -> &'static str {
        match self {
            FittedModel::Logistic(_) => "logistic",
            FittedModel::Gbm(_) => "gbm",
        }
    }

    /// P(converted) for encoded rows.
    pub fn predict(&self, enc: &crate::features::Encoded) -> Result<Vec<f64>, ScoreError> {
        Ok(match self {
            FittedModel::Logistic(m) => m.predict_proba(&enc.design),
            FittedModel::Gbm(m) => m.predict_proba(&enc.tree)?,
        })
    }

    /// Per row, per input column: the effect on the log-odds.
    fn effects(&self, pipeline: &FittedPipeline, enc: &crate::features::Encoded) -> Result<Vec<Vec<f64>>, ScoreError> {
        let n = enc.design.n_rows;
        Ok(match self {
            FittedModel::Logistic(m) => {
                (0..n).map(|i| m.contributions(pipeline, &enc.design, i).into_iter().map(|c| c.1).collect()).collect()
            }
            FittedModel::Gbm(m) => {
                let p = enc.tree.n_cols();
                let shap = m.shap(&enc.tree)?;
                (0..n).map(|i| shap[i * (p + 1)..i * (p + 1) + p].to_vec()).collect()
            }
        })
    }
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

    fn is_probability(&self) -> bool {
        true
    }

    fn score(&self, leads: &LeadFrame, explain: bool) -> Result<Scored, ScoreError> {
        let enc = self.pipeline.transform(leads, None)?;
        self.score_encoded(leads, &enc, explain)
    }
}

impl ModelScorer<'_> {
    /// [`Scorer::score`] for a batch already encoded by this scorer's pipeline, so that the
    /// models of one bundle (which share the pipeline) parse each batch once.
    pub fn score_encoded(
        &self,
        leads: &LeadFrame,
        enc: &crate::features::Encoded,
        explain: bool,
    ) -> Result<Scored, ScoreError> {
        let unseen = self
            .pipeline
            .columns
            .iter()
            .zip(&enc.unseen)
            .filter(|(_, &n)| n > 0)
            .map(|(c, &n)| (c.name.clone(), n))
            .collect();
        let scores = self.model.predict(enc)?;
        let contributions = if explain {
            let texts: Vec<_> =
                self.pipeline.columns.iter().map(|c| leads.text(&c.name, "")).collect::<Result<_, _>>()?;
            self.model
                .effects(self.pipeline, enc)?
                .into_iter()
                .enumerate()
                .map(|(i, row)| {
                    row.into_iter()
                        .enumerate()
                        .map(|(src, effect)| Contribution {
                            column: self.pipeline.columns[src].name.clone(),
                            value: self.pipeline.missing.clean(texts[src].get(i)).unwrap_or("(missing)").to_string(),
                            effect,
                        })
                        .collect()
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Scored { scores, contributions, unseen })
    }
}
