//! Boosted trees fitted the default way: the number of trees and the calibrator chosen by
//! k-fold cross-validation inside the training rows, then one refit on all of them.
//!
//! 1. The training rows are split into `inner_folds` stratified, seeded folds (fewer when the
//!    time budget says so: [`super::gbm_search`]).
//! 2. Per setting tried (the configured one, then a small seeded search when the budget
//!    allows; the lowest cross-validated log loss wins) and per fold, trees are grown on the other folds with the held fold's log loss tracked
//!    each round (early stopping ends a fold `early_stopping_rounds` after its best round;
//!    every tree grown is kept so that the curves can be compared).
//! 3. The number of trees is the minimum of the folds' mean validation log loss (as
//!    LightGBM's `cv` picks it), over the rounds every fold reached.
//! 4. Each fold model, cut to that many trees, predicts its held fold: out-of-fold raw
//!    probabilities for every training row, from which [`super::calibrate`] chooses the
//!    calibrator (none unless one lowers both cross-validated log loss and Brier).
//! 5. The trees are refitted on every training row with that many trees, and the calibrator
//!    is applied to their probabilities.
//!
//! Nothing here sees rows outside the ones it is given: `train`'s reported hold-out (or its
//! outer cross-validation fold) stays untouched by every choice.

use leadscore_gbm::{ColMatrix, GbmModel, ValidGbmParams};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::calibrate::choose_calibrator;
use super::gbm::{CalibrationSummary, GbmFitError, GbmScorerModel, GbmSettings};
pub use super::gbm_search::SearchTrial;
use crate::evaluation::split::{stratified_folds, Split};
use crate::features::FeatureMatrix;

/// How the number of trees was chosen, stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeChoice {
    /// Cross-validation folds inside the training rows.
    pub folds: usize,
    /// Trees kept: the minimum of the mean validation log loss over the folds (or the
    /// configured number when early stopping is off).
    pub chosen: usize,
    /// Each fold's own best number of trees, for the report.
    pub fold_best: Vec<usize>,
    /// The folds' mean validation log loss at `chosen` trees.
    pub cv_log_loss: f64,
    /// Rows the bundled trees were refitted on (every training row).
    pub refit_rows: usize,
    /// Every setting the search tried, the configured one first ([`super::gbm_search`]).
    #[serde(default)]
    pub trials: Vec<SearchTrial>,
    /// The position in `trials` of the one bundled.
    #[serde(default)]
    pub chosen_trial: usize,
    /// The time budget (seconds) the plan of folds and trials was made for.
    #[serde(default)]
    pub time_budget: f64,
}

/// The position of the first minimum of `curve` (0 when empty).
fn first_min(curve: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in curve.iter().enumerate() {
        if *v < curve[best] {
            best = i;
        }
    }
    best
}

/// The mean of the folds' curves over the rounds every fold reached.
fn mean_curve(curves: &[&[f64]]) -> Vec<f64> {
    let len = curves.iter().map(|c| c.len()).min().unwrap_or(0);
    (0..len).map(|r| curves.iter().map(|c| c[r]).sum::<f64>() / curves.len() as f64).collect()
}

fn view(x: &FeatureMatrix) -> Result<ColMatrix<'_>, GbmFitError> {
    Ok(ColMatrix::new(&x.data, x.n_rows, x.n_cols())?)
}

/// Folds that leave both outcomes on both sides: `inner_folds`, or fewer when one outcome has
/// fewer rows than that; `None` below 2 (the caller falls back to one inner hold-out).
pub fn usable_folds(settings: &GbmSettings, y: &[bool]) -> Option<usize> {
    let pos = y.iter().filter(|&&c| c).count();
    let k = settings.fitting.inner_folds.min(pos).min(y.len() - pos);
    (k >= 2).then_some(k)
}

/// One setting's cross-validation: its fold models (every tree kept), and the number of
/// trees chosen with the mean validation log loss there.
struct Trial {
    models: Vec<GbmModel>,
    chosen: usize,
    cv_log_loss: f64,
}

/// Below this many rows the folds and settings are fitted side by side, each fit on one
/// thread: on so few rows the engine's own parallel loops cost more in synchronisation than
/// they save (Leads.csv, 7,392 rows: 1.7 million futex calls and 7 s of system time in one
/// `train`). The models are the same bits either way (the engine is deterministic whatever
/// its thread count).
pub const SIDE_BY_SIDE_ROWS: usize = 100_000;

/// Grows one model on the training side of `f`, tracking the held side's log loss.
fn fit_fold(params: &ValidGbmParams, x: &FeatureMatrix, y01: &[f64], f: &Split) -> Result<GbmModel, GbmFitError> {
    let (xt, xv) = (x.select_rows(&f.train), x.select_rows(&f.test));
    let yt: Vec<f64> = f.train.iter().map(|&i| y01[i]).collect();
    let yv: Vec<f64> = f.test.iter().map(|&i| y01[i]).collect();
    Ok(params.fit_keeping_all_trees(&view(&xt)?, &yt, Some((&view(&xv)?, &yv)))?)
}

impl GbmSettings {
    /// The number of trees read off the folds' mean validation curve (module docs), for this
    /// setting's fold models.
    fn score_trial(&self, models: Vec<GbmModel>, y01: &[f64], folds: &[Split]) -> Trial {
        let curves: Vec<&[f64]> = models.iter().map(|m| m.valid_log_loss()).collect();
        let mean = mean_curve(&curves);
        let chosen = match (self.engine.early_stopping_rounds.filter(|&r| r > 0), mean.is_empty()) {
            (None, _) => self.engine.num_trees,
            (_, true) => 1,
            _ => first_min(&mean) + 1,
        };
        let cv_log_loss = match mean.get(chosen.saturating_sub(1)) {
            Some(&v) => v,
            // No fold could grow a tree: each fold model predicts its training base rate.
            None => {
                let per_fold = folds.iter().map(|f| {
                    let rate = f.train.iter().map(|&i| y01[i]).sum::<f64>() / f.train.len() as f64;
                    let ll = |t: f64| if t == 1.0 { -rate.ln() } else { -(1.0 - rate).ln() };
                    f.test.iter().map(|&i| ll(y01[i])).sum::<f64>() / f.test.len() as f64
                });
                per_fold.sum::<f64>() / folds.len() as f64
            }
        };
        Trial { models, chosen, cv_log_loss }
    }

    /// Fits by cross-validation inside `x` under the time budget's plan (at most `max_folds`
    /// folds), a small search over settings when the budget allows, and a refit on all of
    /// `x` (module docs).
    pub(super) fn fit_cv(
        &self,
        x: &FeatureMatrix,
        y: &[bool],
        categorical: &[usize],
        seed: u64,
        max_folds: usize,
    ) -> Result<GbmScorerModel, GbmFitError> {
        let plan = super::gbm_search::plan(self, x.n_rows, x.n_cols(), max_folds);
        let k = plan.folds;
        let folds = stratified_folds(y, k, seed ^ 0x6762_6d00);
        let y01: Vec<f64> = y.iter().map(|&c| f64::from(u8::from(c))).collect();
        let settings = super::gbm_search::trials(self, plan.trials, seed);
        let small = x.n_rows < SIDE_BY_SIDE_ROWS;
        let params: Vec<ValidGbmParams> = settings
            .iter()
            .map(|s| {
                let p = s.engine_params(&x.names, categorical, seed)?;
                let p = if small { leadscore_gbm::GbmParams { n_threads: 1, ..p } } else { p };
                Ok(p.check(x.n_cols())?)
            })
            .collect::<Result<_, GbmFitError>>()?;
        let jobs: Vec<(usize, usize)> = (0..settings.len()).flat_map(|t| (0..k).map(move |f| (t, f))).collect();
        let fit = |&(t, f): &(usize, usize)| fit_fold(&params[t], x, &y01, &folds[f]);
        let mut models: Vec<GbmModel> = if small {
            jobs.par_iter().map(fit).collect::<Result<_, _>>()?
        } else {
            jobs.iter().map(fit).collect::<Result<_, _>>()?
        };
        let mut best: Option<(usize, Trial)> = None;
        let mut tried = Vec::new();
        for (i, s) in settings.iter().enumerate() {
            let rest = models.split_off(k);
            let t = s.score_trial(std::mem::replace(&mut models, rest), &y01, &folds);
            tried.push(SearchTrial {
                num_leaves: s.engine.num_leaves,
                min_data_in_leaf: s.engine.min_data_in_leaf,
                lambda_l2: s.engine.lambda_l2,
                feature_fraction: s.engine.feature_fraction,
                trees: t.chosen,
                cv_log_loss: t.cv_log_loss,
            });
            if best.as_ref().is_none_or(|(_, b)| t.cv_log_loss < b.cv_log_loss) {
                best = Some((i, t));
            }
        }
        let (winner, trial) = best.expect("at least one setting is tried");
        let chosen_settings = &settings[winner];
        let chosen = trial.chosen;
        let mut oof = vec![0.0; y.len()];
        for (f, m) in folds.iter().zip(&trial.models) {
            let xv = x.select_rows(&f.test);
            for (&i, p) in f.test.iter().zip(m.truncated(chosen).predict_proba(&view(&xv)?)) {
                oof[i] = p;
            }
        }
        let (method, candidates, calibrator) = choose_calibrator(&oof, y, &folds);
        let params = chosen_settings.engine_params(&x.names, categorical, seed)?;
        let refit =
            leadscore_gbm::GbmParams { num_trees: chosen, early_stopping_rounds: None, ..params }.check(x.n_cols())?;
        let trees = refit.fit(&view(x)?, &y01, None)?;
        let find = |m: &str| candidates.iter().find(|c| c.method == m).map(|c| c.brier);
        let calibration = CalibrationSummary {
            rows: y.len(),
            uncalibrated_brier: candidates[0].brier,
            platt_brier: find("platt"),
            isotonic_brier: find("isotonic"),
            chosen: method.as_str().into(),
            note: None,
            folds: k,
            candidates,
        };
        let tree_choice = TreeChoice {
            folds: k,
            chosen,
            fold_best: trial.models.iter().map(|m| first_min(m.valid_log_loss()) + 1).collect(),
            cv_log_loss: trial.cv_log_loss,
            refit_rows: y.len(),
            trials: tried,
            chosen_trial: winner,
            time_budget: self.fitting.time_budget,
        };
        let importance = trees.feature_importance_gain();
        Ok(GbmScorerModel {
            trees,
            calibrator,
            calibration,
            settings: chosen_settings.clone(),
            importance,
            tree_choice: Some(tree_choice),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::gbm::FittingSettings;

    #[test]
    fn the_number_of_trees_is_the_minimum_of_the_mean_curve_over_common_rounds() {
        let a = [0.60, 0.50, 0.45, 0.47, 0.49];
        let b = [0.62, 0.52, 0.50, 0.44];
        let mean = mean_curve(&[&a, &b]);
        assert_eq!(mean.len(), 4);
        assert!((mean[2] - 0.475).abs() < 1e-12 && (mean[3] - 0.455).abs() < 1e-12);
        // Round 4 (index 3) has the lowest mean, though fold a's own best is round 3.
        assert_eq!(first_min(&mean) + 1, 4);
        assert_eq!(first_min(&a) + 1, 3);
        // Ties keep the first (fewer trees).
        assert_eq!(first_min(&[0.5, 0.4, 0.4]), 1);
        assert_eq!(first_min(&[]), 0);
    }

    #[test]
    fn folds_shrink_to_the_rarer_outcome_and_stop_below_two() {
        let s = GbmSettings::default();
        let y = |pos: usize, n: usize| (0..n).map(|i| i < pos).collect::<Vec<_>>();
        assert_eq!(usable_folds(&s, &y(40, 100)), Some(5));
        assert_eq!(usable_folds(&s, &y(3, 100)), Some(3));
        assert_eq!(usable_folds(&s, &y(1, 100)), None);
        assert_eq!(usable_folds(&GbmSettings { fitting: FittingSettings { inner_folds: 0, ..s.fitting }, ..s }, &y(40, 100)), None);
    }
}
