//! Gradient-boosted trees (our engine, `leadscore-gbm`) wired into leadscore: fitting with
//! early stopping and calibration, calibrated prediction, and TreeSHAP contributions.
//!
//! Fitting on the training rows it is given, by default ([`super::gbm_cv`]): the number of
//! trees by `inner_folds`-fold cross-validated early stopping, the calibrator (none, Platt,
//! isotonic or beta) by cross-validated log loss and Brier on the out-of-fold
//! probabilities ([`super::calibrate`]), then one refit on all of the rows.
//!
//! With `inner_folds = 0` (the behaviour before), or when an outcome has too few rows for
//! two folds:
//! 1. a stratified, seeded inner split holds out `inner_share` of them;
//! 2. trees are grown on the rest, with early stopping on the inner hold-out's log loss
//!    (the number of trees kept is recorded in the model);
//! 3. a calibrator (Platt or isotonic, chosen by cross-validated Brier on the inner
//!    hold-out) maps the trees' probabilities to calibrated ones. No refit.
//!
//! The outer hold-out that `train` evaluates on is never seen by any of these steps.
//!
//! Explanations are exact path-dependent TreeSHAP values on the log-odds of the (uncalibrated)
//! trees, one per input column; they sum, with the expected value, to the margin.

use leadscore_gbm::{CalibrationReport, Calibrator, ColMatrix, GbmError, GbmModel, GbmParams};
use serde::{Deserialize, Serialize};

pub use super::calibrate::CalibrationCandidate;
pub use super::gbm_settings::{FittingSettings, GbmSettings};
pub use super::gbm_cv::TreeChoice;
use crate::evaluation::split::stratified_holdout;
use crate::features::FeatureMatrix;

/// Errors while fitting the boosted trees.
#[derive(Debug, thiserror::Error)]
pub enum GbmFitError {
    /// The engine refused the parameters or failed.
    #[error("gbm: {0}")]
    Engine(#[from] GbmError),
    /// A monotone constraint names a column the model does not have.
    #[error("gbm.monotone: column \"{column}\" is not a model input (inputs: {inputs}); fix the name")]
    UnknownMonotone {
        /// The name given.
        column: String,
        /// The inputs.
        inputs: String,
    },
    /// A monotone constraint is not -1, 0 or +1.
    #[error("gbm.monotone: \"{column}\" = {value}: use +1 (never lowers the score), -1 (never raises it) or 0")]
    BadMonotone {
        /// Column.
        column: String,
        /// Value.
        value: i8,
    },
    /// A monotone constraint on a categorical column.
    #[error(
        "gbm.monotone: \"{0}\" is categorical; monotone constraints apply to numeric, yes/no and date columns only"
    )]
    CategoricalMonotone(String),
    /// inner_share out of range.
    #[error("gbm.inner_share = {0}: must be between 0.05 and 0.5")]
    InnerShare(f64),
    /// inner_folds out of range.
    #[error("gbm.inner_folds = {0}: must be 0 (one inner hold-out) or 2..=20")]
    InnerFolds(usize),
    /// time_budget out of range.
    #[error("--time-budget {0} (gbm.time_budget): must be a number of seconds between 1 and 86400")]
    TimeBudget(f64),
    /// search_trials out of range.
    #[error("gbm.search_trials = {0}: must be between 1 (no search) and 64")]
    SearchTrials(usize),
}

/// Calibration outcome, stored with the model (NaN-free for JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSummary {
    /// Rows the calibrator was fitted on.
    pub rows: usize,
    /// Brier score before calibration.
    pub uncalibrated_brier: f64,
    /// Cross-validated Brier of Platt scaling.
    pub platt_brier: Option<f64>,
    /// Cross-validated Brier of isotonic regression.
    pub isotonic_brier: Option<f64>,
    /// "none", "platt", "isotonic" or "beta" ("identity" in bundles before inner folds).
    pub chosen: String,
    /// Why calibration fell back to identity, if it did.
    pub note: Option<String>,
    /// Folds the candidates were cross-validated over on out-of-fold probabilities (0: the
    /// inner hold-out of bundles before).
    #[serde(default)]
    pub folds: usize,
    /// Every candidate's cross-validated log loss and Brier, none first (empty in bundles before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<CalibrationCandidate>,
}

impl From<CalibrationReport> for CalibrationSummary {
    fn from(r: CalibrationReport) -> Self {
        let finite = |v: f64| v.is_finite().then_some(v);
        CalibrationSummary {
            rows: r.n,
            uncalibrated_brier: r.uncalibrated_brier,
            platt_brier: finite(r.platt_brier),
            isotonic_brier: finite(r.isotonic_brier),
            chosen: format!("{:?}", r.chosen).to_lowercase(),
            note: r.fallback_reason,
            folds: 0,
            candidates: Vec::new(),
        }
    }
}

/// A fitted boosted-tree model with its calibrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmScorerModel {
    /// The trees.
    pub trees: GbmModel,
    /// Maps tree probabilities to calibrated probabilities.
    pub calibrator: Calibrator,
    /// How the calibrator was chosen.
    pub calibration: CalibrationSummary,
    /// Settings it was fitted with.
    pub settings: GbmSettings,
    /// Gain importance per input column.
    pub importance: Vec<f64>,
    /// How cross-validation chose the number of trees before the refit (absent for one inner
    /// hold-out, and in bundles before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree_choice: Option<TreeChoice>,
}

fn view(x: &FeatureMatrix) -> Result<ColMatrix<'_>, GbmError> {
    ColMatrix::new(&x.data, x.n_rows, x.n_cols())
}

impl GbmSettings {
    /// Checks every setting against the model's input columns (names, and which are
    /// categorical) before any data is fitted, so a bad value stops training at once.
    pub fn check(&self, names: &[String], categorical: &[usize]) -> Result<(), GbmFitError> {
        self.engine_params(names, categorical, 0)?.check(names.len())?;
        Ok(())
    }

    /// Turns the settings into engine params for input columns `names`.
    pub fn engine_params(&self, names: &[String], categorical: &[usize], seed: u64) -> Result<GbmParams, GbmFitError> {
        let fit = &self.fitting;
        if !(0.05..=0.5).contains(&fit.inner_share) {
            return Err(GbmFitError::InnerShare(fit.inner_share));
        }
        if fit.inner_folds == 1 || fit.inner_folds > 20 {
            return Err(GbmFitError::InnerFolds(fit.inner_folds));
        }
        if !(fit.time_budget.is_finite() && (1.0..=86400.0).contains(&fit.time_budget)) {
            return Err(GbmFitError::TimeBudget(fit.time_budget));
        }
        if !(1..=64).contains(&fit.search_trials) {
            return Err(GbmFitError::SearchTrials(fit.search_trials));
        }
        let mut monotone = vec![0i8; names.len()];
        for (col, &v) in &fit.monotone {
            let j = names
                .iter()
                .position(|n| n == col)
                .ok_or_else(|| GbmFitError::UnknownMonotone { column: col.clone(), inputs: names.join(", ") })?;
            if !(-1..=1).contains(&v) {
                return Err(GbmFitError::BadMonotone { column: col.clone(), value: v });
            }
            if v != 0 && categorical.contains(&j) {
                return Err(GbmFitError::CategoricalMonotone(col.clone()));
            }
            monotone[j] = v;
        }
        Ok(GbmParams {
            // 0 rounds is off, as in `[gbm]` (a library user may build the settings by hand).
            early_stopping_rounds: self.engine.early_stopping_rounds.filter(|&r| r > 0),
            seed,
            categorical: categorical.to_vec(),
            monotone: if fit.monotone.is_empty() { Vec::new() } else { monotone },
            ..self.engine.clone()
        })
    }

    /// Fits trees and calibrator on `x` (tree matrix) and `y` (module docs).
    pub fn fit(
        &self,
        x: &FeatureMatrix,
        y: &[bool],
        categorical: &[usize],
        seed: u64,
    ) -> Result<GbmScorerModel, GbmFitError> {
        if let Some(k) = super::gbm_cv::usable_folds(self, y) {
            return self.fit_cv(x, y, categorical, seed, k);
        }
        let params = self.engine_params(&x.names, categorical, seed)?.check(x.n_cols())?;
        let inner = stratified_holdout(y, self.fitting.inner_share, seed ^ 0x6762_6d00);
        let xt = x.select_rows(&inner.train);
        let xv = x.select_rows(&inner.test);
        let yt: Vec<f64> = inner.train.iter().map(|&i| y[i] as u8 as f64).collect();
        let yv: Vec<f64> = inner.test.iter().map(|&i| y[i] as u8 as f64).collect();
        let trees = params.fit(&view(&xt)?, &yt, Some((&view(&xv)?, &yv)))?;
        let raw = trees.predict_proba(&view(&xv)?);
        let (calibrator, report) = Calibrator::fit_best(&raw, &yv, seed);
        let importance = trees.feature_importance_gain();
        Ok(GbmScorerModel {
            trees,
            calibrator,
            calibration: report.into(),
            settings: self.clone(),
            importance,
            tree_choice: None,
        })
    }
}

impl GbmScorerModel {
    /// Calibrated P(converted) per row of the tree matrix.
    pub fn predict_proba(&self, x: &FeatureMatrix) -> Result<Vec<f64>, GbmError> {
        Ok(self.trees.predict_proba(&view(x)?).into_iter().map(|p| self.calibrator.apply(p)).collect())
    }

    /// TreeSHAP values, row-major `n_rows × (n_cols + 1)` (last = expected value).
    pub fn shap(&self, x: &FeatureMatrix) -> Result<Vec<f64>, GbmError> {
        Ok(self.trees.shap(&view(x)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 600 rows: converted when x0 is high (noisy); x1 is categorical codes 0..3, code 2 converts more.
    fn data() -> (FeatureMatrix, Vec<bool>) {
        let n = 600;
        let mut x0 = Vec::new();
        let mut x1 = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let a = ((i * 37) % 100) as f64 / 10.0;
            let c = (i % 4) as f64;
            let noise = ((i * 7919) % 10) as f64 / 10.0;
            x0.push(if i % 17 == 0 { f64::NAN } else { a });
            x1.push(c);
            y.push(a / 10.0 + if c == 2.0 { 0.3 } else { 0.0 } + noise * 0.5 > 0.9);
        }
        let mut data = x0;
        data.extend(x1);
        (FeatureMatrix { n_rows: n, names: vec!["x0".into(), "x1".into()], data }, y)
    }

    #[test]
    fn contributions_sum_to_the_trees_log_odds_and_probabilities_are_calibrated_maps() {
        let (x, y) = data();
        let mut s = GbmSettings::default();
        (s.engine.num_trees, s.engine.min_data_in_leaf) = (60, 10);
        let m = s.fit(&x, &y, &[1], 3).unwrap();
        let shap = m.shap(&x).unwrap();
        let raw = m.trees.predict_proba(&ColMatrix::new(&x.data, x.n_rows, 2).unwrap());
        for i in 0..x.n_rows {
            let sum: f64 = shap[i * 3..i * 3 + 3].iter().sum();
            let logit = (raw[i] / (1.0 - raw[i])).ln();
            assert!((sum - logit).abs() < 1e-6, "row {i}: {sum} vs {logit}");
        }
        let p = m.predict_proba(&x).unwrap();
        for (a, b) in p.iter().zip(&raw) {
            assert_eq!(*a, m.calibrator.apply(*b));
            assert!((0.0..=1.0).contains(a));
        }
        assert_eq!(m.importance.len(), 2);
        assert!(m.importance[0] > 0.0);
    }

    #[test]
    fn same_seed_same_model() {
        let (x, y) = data();
        let mut s = GbmSettings::default();
        s.engine.num_trees = 30;
        assert_eq!(s.fit(&x, &y, &[1], 9).unwrap(), s.fit(&x, &y, &[1], 9).unwrap());
    }
}
