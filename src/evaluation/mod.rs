//! Evaluation maths: metrics ([`metrics`], [`calibration`]), statistical tests ([`stats`]),
//! splits ([`split`]), scorer comparisons ([`compare`]), threshold methods ([`thresholds`])
//! and the held-out summary `train` stores ([`Evaluation`]).
//!
//! Pure functions of scores and outcomes: nothing here reads files, knows a bundle or prints;
//! reading and scoring the leads is [`crate::evaluate`]'s job, text and HTML
//! [`crate::present`]'s.

pub mod calibration;
pub mod compare;
pub mod lift;
pub mod metrics;
pub mod pairs;
pub mod psi;
pub mod split;
pub mod stats;
pub mod thresholds;

use serde::{Deserialize, Serialize};

use metrics::{average_precision, brier, decile_table, log_loss, roc_auc, Decile, MetricError};

/// How the held-out predictions were obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum EvaluationMethod {
    /// One stratified, seeded hold-out.
    Holdout {
        /// Share held out.
        share: f64,
    },
    /// The newest leads held out, by a date column.
    TimeOrdered {
        /// Share held out.
        share: f64,
        /// The date column.
        column: String,
    },
    /// k-fold cross-validation; metrics pooled over out-of-fold predictions.
    CrossValidation {
        /// Number of folds.
        folds: usize,
        /// AUC of each fold.
        fold_auc: Vec<f64>,
    },
}

impl EvaluationMethod {
    /// The hold-out this method makes of labelled rows (`labels[k]` is row `k`'s outcome):
    /// stratified by outcome with `seed`, or the newest `share` by `days` (one day number per
    /// row, NaN for unknown; see [`split::time_ordered_holdout`]). `train` makes it, and
    /// `evaluate --heldout` and `thresholds --heldout` rebuild it through this one function.
    /// `None` for cross-validation (no single hold-out) or a time-ordered method without
    /// one day per row.
    pub fn holdout(&self, labels: &[bool], days: Option<&[f64]>, seed: u64) -> Option<split::Split> {
        match self {
            EvaluationMethod::Holdout { share } => Some(split::stratified_holdout(labels, *share, seed)),
            EvaluationMethod::TimeOrdered { share, .. } => {
                days.filter(|d| d.len() == labels.len()).map(|d| split::time_ordered_holdout(d, *share))
            }
            EvaluationMethod::CrossValidation { .. } => None,
        }
    }
}

/// Held-out performance of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// How the rows were held out.
    pub method: EvaluationMethod,
    /// Held-out leads.
    pub rows: usize,
    /// Converted among them.
    pub conversions: usize,
    /// Area under the ROC curve.
    pub auc: f64,
    /// Its 95% interval (DeLong); absent in bundles saved before format 1.1 and when a class
    /// has fewer than two leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc_ci: Option<[f64; 2]>,
    /// Area under the precision-recall curve (average precision).
    pub pr_auc: f64,
    /// Mean log loss.
    pub log_loss: f64,
    /// Brier score (mean squared error of the probability).
    pub brier: f64,
    /// Decile lift table, top decile first.
    pub deciles: Vec<Decile>,
    /// The same leads scored by the constant that knows only the training base rate (absent in
    /// bundles before format 1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_rate: Option<BaseRate>,
}

/// Predicting the training base rate for every lead: the model to beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseRate {
    /// The training rows' conversion rate (the constant predicted).
    pub rate: f64,
    /// Its log loss on the evaluated leads.
    pub log_loss: f64,
    /// Its Brier score on the evaluated leads.
    pub brier: f64,
}

/// Whether a model shows a usable signal: it must rank better than chance (its AUC interval
/// above 0.5) and predict better than the base rate (lower log loss and Brier).
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// Beats the base rate on every count.
    Usable,
    /// Does not: why, in words.
    Weak(Vec<String>),
    /// Not recorded (bundles before format 1.2 without an AUC interval).
    Unknown,
}

impl Evaluation {
    /// Computes every metric from held-out probabilities and outcomes.
    pub fn compute(method: EvaluationMethod, probs: &[f64], labels: &[bool]) -> Result<Evaluation, MetricError> {
        Ok(Evaluation {
            method,
            rows: labels.len(),
            conversions: labels.iter().filter(|&&y| y).count(),
            auc: roc_auc(probs, labels)?,
            auc_ci: stats::auc_delong_interval(probs, labels, 0.95).ok(),
            pr_auc: average_precision(probs, labels)?,
            log_loss: log_loss(probs, labels)?,
            brier: brier(probs, labels)?,
            deciles: decile_table(probs, labels, 10)?,
            base_rate: None,
        })
    }

    /// Records the constant prediction `rate` (the training base rate) on the same leads.
    pub fn with_base_rate(mut self, rate: f64, labels: &[bool]) -> Result<Evaluation, MetricError> {
        let constant = vec![rate; labels.len()];
        self.base_rate =
            Some(BaseRate { rate, log_loss: log_loss(&constant, labels)?, brier: brier(&constant, labels)? });
        Ok(self)
    }

    /// Usable, weak (with why) or unknown (older bundles record no base rate; their AUC
    /// interval alone is judged when present).
    pub fn signal(&self) -> Signal {
        let mut why = Vec::new();
        match self.auc_ci {
            Some([lo, hi]) if lo <= 0.5 => {
                why.push(format!("AUC {:.3} with 95% interval {lo:.3}–{hi:.3} includes 0.5 (chance)", self.auc))
            }
            None if self.base_rate.is_none() => return Signal::Unknown,
            _ => {}
        }
        if let Some(b) = &self.base_rate {
            if self.log_loss >= b.log_loss {
                why.push(format!("log loss {:.4} is no better than the base rate's {:.4}", self.log_loss, b.log_loss));
            }
            if self.brier >= b.brier {
                why.push(format!("Brier {:.4} is no better than the base rate's {:.4}", self.brier, b.brier));
            }
        }
        if why.is_empty() {
            Signal::Usable
        } else {
            Signal::Weak(why)
        }
    }
}
