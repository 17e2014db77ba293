//! Evaluation: metrics ([`metrics`]), statistical tests ([`stats`]), splits ([`split`]) and
//! the summary `train` prints and stores ([`Evaluation`]).

pub mod calibration;
pub mod charts;
pub mod compare;
pub mod html;
pub mod input;
pub mod metrics;
pub mod split;
pub mod stats;
pub mod summary;
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
            pr_auc: average_precision(probs, labels)?,
            log_loss: log_loss(probs, labels)?,
            brier: brier(probs, labels)?,
            deciles: decile_table(probs, labels, 10)?,
        })
    }

    /// A plain-text report: headline metrics and the decile lift table.
    pub fn render(&self, model: &str) -> String {
        let how = match &self.method {
            EvaluationMethod::Holdout { share } => format!("stratified hold-out, {:.0}% of history", share * 100.0),
            EvaluationMethod::TimeOrdered { share, column } => {
                format!("time-ordered hold-out: newest {:.0}% by \"{column}\"", share * 100.0)
            }
            EvaluationMethod::CrossValidation { folds, fold_auc } => {
                let mean = fold_auc.iter().sum::<f64>() / fold_auc.len() as f64;
                let sd = (fold_auc.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / fold_auc.len() as f64).sqrt();
                format!("{folds}-fold cross-validation (fold AUC {mean:.4} ± {sd:.4})")
            }
        };
        let mut s = format!(
            "{model}: {how}; {} leads, {} converted ({:.1}%)\n  AUC {:.4}   PR-AUC {:.4}   log loss {:.4}   Brier {:.4}\n",
            self.rows,
            self.conversions,
            100.0 * self.conversions as f64 / self.rows.max(1) as f64,
            self.auc,
            self.pr_auc,
            self.log_loss,
            self.brier
        );
        s.push_str(&render_deciles(&self.deciles));
        s
    }
}

/// A count that may be an expected value: whole numbers without decimals, others with one
/// (a tie group straddling a cut counts fractionally; see [`metrics::conversions_at_k`]).
pub fn fmt_count(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// An AUC interval as "lo–hi", or "n/a (too few)" when none was computed (too few leads of
/// a class for a bootstrap; see [`compare::MIN_CLASS_FOR_INTERVAL`]).
pub fn fmt_interval(ci: Option<[f64; 2]>) -> String {
    ci.map_or_else(|| "n/a (too few)".to_string(), |[lo, hi]| format!("{lo:.4}–{hi:.4}"))
}

/// The decile lift table as indented plain text, top decile first.
pub fn render_deciles(deciles: &[Decile]) -> String {
    let mut s = String::from("  decile  leads  converted   rate    lift  cum. gain\n");
    for d in deciles {
        s.push_str(&format!(
            "  {:>6} {:>6} {:>10} {:>6.1}% {:>6.2} {:>9.1}%\n",
            d.bin,
            d.leads,
            fmt_count(d.conversions),
            100.0 * d.conversion_rate,
            d.lift,
            100.0 * d.cumulative_gain
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_deciles_of_a_constant_model_do_not_depend_on_row_order() {
        // Regression: train stored deciles cut by row order, so a model giving every lead the
        // same probability showed lift in the top decile when converted rows came first.
        let y: Vec<bool> = (0..50).map(|i| i < 10).collect();
        let e = Evaluation::compute(EvaluationMethod::Holdout { share: 0.2 }, &[0.2; 50], &y).unwrap();
        assert!(e.deciles.iter().all(|d| d.conversions == 1.0 && d.lift == 1.0), "{:?}", e.deciles);
        assert!(render_deciles(&e.deciles).contains("       1      5          1   20.0%   1.00      10.0%"));
    }
}
