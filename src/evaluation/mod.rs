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
        })
    }
}
