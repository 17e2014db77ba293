//! L2-regularised logistic regression, fitted with linfa-logistic (L-BFGS) on the
//! standardised design matrix.
//!
//! Objective (as linfa-logistic and scikit-learn define it, with `C = 1 / l2`):
//! `sum_i log(1 + exp(-y_i (b + w·x_i))) + l2/2 · |w|²`, intercept not penalised.
//!
//! Label order: linfa-logistic calls the *larger* label the positive class. We pass
//! `converted` as `true` (> `false`), check `labels().pos` after fitting, and store the
//! coefficients so that [`LogisticModel::predict_proba`] is always P(converted).
//!
//! Stopping: scikit-learn's `tol` applies to the gradient of the *mean* loss; linfa's
//! `gradient_tolerance` applies to the gradient of the *summed* loss, which is `n` times
//! larger. We pass `tolerance · n` so that both stop at the same point.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, ArrayView2, ShapeBuilder};
use serde::{Deserialize, Serialize};

use crate::features::{FeatureMatrix, FittedPipeline};
use crate::params::ParamError;

/// Errors while fitting.
#[derive(Debug, thiserror::Error)]
pub enum LogisticError {
    /// linfa-logistic refused or failed.
    #[error("logistic regression failed: {0}")]
    Linfa(#[from] linfa_logistic::error::Error),
    /// Shapes disagree.
    #[error("logistic regression: {rows} rows but {labels} labels")]
    Shape {
        /// Matrix rows.
        rows: usize,
        /// Labels given.
        labels: usize,
    },
    /// The solver returned a non-finite coefficient.
    #[error("logistic regression diverged (non-finite coefficient); increase logistic.l2")]
    Diverged,
}

/// Hyper-parameters (`[logistic]` in the config), unchecked; only [`ValidLogisticParams`]
/// from [`LogisticParams::check`] can fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogisticParams {
    /// L2 penalty on the standardised coefficients (scikit-learn's `1 / C`), > 0.
    pub l2: f64,
    /// Iteration cap for the L-BFGS solver, >= 1.
    pub max_iterations: u64,
    /// Stopping tolerance on the gradient of the mean log loss (scikit-learn's `tol`), > 0.
    pub tolerance: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams { l2: 1.0, max_iterations: 200, tolerance: 1e-4 }
    }
}

impl LogisticParams {
    /// Checks every range.
    pub fn check(self) -> Result<ValidLogisticParams, ParamError> {
        if !(self.l2.is_finite() && self.l2 > 0.0) {
            return Err(ParamError::new("l2", self.l2, "must be a number > 0"));
        }
        if self.max_iterations == 0 {
            return Err(ParamError::new("max_iterations", 0, "must be >= 1"));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(ParamError::new("tolerance", self.tolerance, "must be > 0"));
        }
        Ok(ValidLogisticParams(self))
    }
}

/// Checked hyper-parameters: the only kind that can [`ValidLogisticParams::fit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidLogisticParams(LogisticParams);

impl ValidLogisticParams {
    /// The parameters.
    pub fn params(&self) -> &LogisticParams {
        &self.0
    }
}

/// A fitted logistic regression on the design matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// One coefficient per design column (standardised scale).
    pub coefficients: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
    /// The parameters it was fitted with.
    pub params: LogisticParams,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Below this many rows the warm start costs more than it saves.
const WARM_START_MIN_ROWS: usize = 50_000;

impl ValidLogisticParams {
    /// Warm start for large data: the same objective solved on every 8th row (penalty scaled
    /// by the sampling share, so both objectives have the same optimum in expectation). The
    /// full solve then starts near the optimum and needs far fewer L-BFGS iterations over
    /// all rows. Deterministic: the rows are fixed, not random.
    fn warm_start(&self, x: &FeatureMatrix, y: &[bool]) -> Result<Option<Array1<f64>>, LogisticError> {
        if x.n_rows < WARM_START_MIN_ROWS {
            return Ok(None);
        }
        let idx: Vec<usize> = (0..x.n_rows).step_by(8).collect();
        let sub = x.select_rows(&idx);
        let sub_y: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
        if sub_y.iter().all(|&c| c) || sub_y.iter().all(|&c| !c) {
            return Ok(None);
        }
        let view = ArrayView2::from_shape((sub.n_rows, sub.n_cols()).f(), &sub.data)
            .map_err(|_| LogisticError::Shape { rows: sub.n_rows, labels: sub_y.len() })?;
        let share = sub.n_rows as f64 / x.n_rows as f64;
        let fitted = LogisticRegression::default()
            .alpha(self.0.l2 * share)
            .with_intercept(true)
            .max_iterations(self.0.max_iterations)
            .gradient_tolerance(self.0.tolerance * sub.n_rows as f64)
            .fit(&DatasetBase::new(view, Array1::from_vec(sub_y)))?;
        let mut init: Vec<f64> = fitted.params().to_vec();
        init.push(fitted.intercept());
        Ok(Some(Array1::from_vec(init)))
    }

    /// Fits on `x` (column-major) and `y` (true = converted).
    pub fn fit(&self, x: &FeatureMatrix, y: &[bool]) -> Result<LogisticModel, LogisticError> {
        if x.n_rows != y.len() {
            return Err(LogisticError::Shape { rows: x.n_rows, labels: y.len() });
        }
        let view = ArrayView2::from_shape((x.n_rows, x.n_cols()).f(), &x.data)
            .map_err(|_| LogisticError::Shape { rows: x.n_rows, labels: y.len() })?;
        let targets = Array1::from_vec(y.to_vec());
        let dataset = DatasetBase::new(view, targets);
        let mut solver = LogisticRegression::default()
            .alpha(self.0.l2)
            .with_intercept(true)
            .max_iterations(self.0.max_iterations)
            .gradient_tolerance(self.0.tolerance * x.n_rows as f64);
        if let Some(init) = self.warm_start(x, y)? {
            solver = solver.initial_params(init);
        }
        let fitted = solver.fit(&dataset)?;
        // linfa's positive class is the larger label; we passed converted = true.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        let coefficients: Vec<f64> = fitted.params().iter().map(|w| sign * w).collect();
        let intercept = sign * fitted.intercept();
        if !intercept.is_finite() || coefficients.iter().any(|w| !w.is_finite()) {
            return Err(LogisticError::Diverged);
        }
        Ok(LogisticModel { coefficients, intercept, params: self.0 })
    }
}

/// Largest standardised value a term of the margin uses: a lead's value farther than this
/// many standard deviations from the training mean counts as this far. Without it, two
/// extreme values (1e308 in one column, -1e308 in another) made terms of +inf and -inf, and
/// the probability NaN. Training values never come near it (a standardised value of n rows
/// is at most √(n−1)), and any lead this far out is saturated at 0 or 1 anyway.
pub const MAX_STANDARDISED: f64 = 1e9;

fn term(w: f64, v: f64) -> f64 {
    w * v.clamp(-MAX_STANDARDISED, MAX_STANDARDISED)
}

impl LogisticModel {
    /// Log-odds of conversion per row (finite: see [`MAX_STANDARDISED`]).
    pub fn margins(&self, x: &FeatureMatrix) -> Vec<f64> {
        let mut z = vec![self.intercept; x.n_rows];
        for (j, &w) in self.coefficients.iter().enumerate() {
            if w == 0.0 {
                continue;
            }
            for (zi, &v) in z.iter_mut().zip(x.column(j)) {
                *zi += term(w, v);
            }
        }
        z
    }

    /// P(converted) per row.
    pub fn predict_proba(&self, x: &FeatureMatrix) -> Vec<f64> {
        self.margins(x).into_iter().map(sigmoid).collect()
    }

    /// Per input column, the sum of `coefficient × standardised value` over its design
    /// columns for row `i`: the column's push on the log-odds relative to an average
    /// training lead. Sorted by source column.
    pub fn contributions(&self, pipeline: &FittedPipeline, x: &FeatureMatrix, i: usize) -> Vec<(usize, f64)> {
        let mut out = vec![0.0; pipeline.columns.len()];
        for (j, d) in pipeline.design.iter().enumerate() {
            out[d.source] += term(self.coefficients[j], x.column(j)[i]);
        }
        out.into_iter().enumerate().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny hand-made set for label-order and optimality checks.
    fn fixture() -> (FeatureMatrix, Vec<bool>) {
        let x1 = [0.5, -1.2, 0.3, 2.0, -0.7, 1.1, -0.2, 0.9, -1.5, 0.4];
        let x2 = [1.0, 0.0, -1.0, 0.5, 2.0, -0.5, 1.5, -2.0, 0.0, 1.0];
        let y = [true, false, false, true, false, true, true, false, false, true];
        let mut data = x1.to_vec();
        data.extend_from_slice(&x2);
        (FeatureMatrix { n_rows: 10, names: vec!["a".into(), "b".into()], data }, y.to_vec())
    }

    #[test]
    fn two_opposite_extreme_values_give_a_probability_not_nan() {
        // Found by the property test (tests/cli/properties.rs): 1.8e308 in one column and
        // -1e308 in another standardise to +inf and -inf, and inf - inf made the margin NaN.
        let m = LogisticModel {
            coefficients: vec![0.5, 0.7],
            intercept: -1.0,
            params: LogisticParams { l2: 1.0, max_iterations: 10, tolerance: 1e-6 },
        };
        let x = FeatureMatrix {
            n_rows: 3,
            names: vec!["a".into(), "b".into()],
            data: vec![f64::INFINITY, 1.0, 1e300, f64::NEG_INFINITY, 2.0, -1e300],
        };
        let p = m.predict_proba(&x);
        // 0.5 * 1e9 - 0.7 * 1e9 < 0: the larger coefficient wins, as it would at any finite
        // distance; ordinary values are untouched.
        assert_eq!(p[0], 0.0);
        assert_eq!(p[1], sigmoid(-1.0 + 0.5 + 1.4));
        assert_eq!(p[2], 0.0);
    }

    #[test]
    fn probability_is_of_converted_whatever_linfa_calls_positive() {
        let (x, y) = fixture();
        let p = LogisticParams { l2: 1.0, max_iterations: 1000, tolerance: 1e-10 }.check().unwrap();
        let m = p.fit(&x, &y).unwrap();
        // x1 is strongly associated with conversion: its coefficient must be positive.
        assert!(m.coefficients[0] > 0.0);
        let probs = m.predict_proba(&x);
        let mean_pos: f64 = probs.iter().zip(&y).filter(|(_, &c)| c).map(|(p, _)| p).sum::<f64>() / 5.0;
        let mean_neg: f64 = probs.iter().zip(&y).filter(|(_, &c)| !c).map(|(p, _)| p).sum::<f64>() / 5.0;
        assert!(mean_pos > mean_neg);
        // Flipping the labels flips the model exactly (label order does not change the fit).
        let flipped: Vec<bool> = y.iter().map(|c| !c).collect();
        let f = p.fit(&x, &flipped).unwrap();
        for (a, b) in m.coefficients.iter().zip(&f.coefficients) {
            assert!((a + b).abs() < 1e-6, "{a} vs {b}");
        }
        assert!((m.intercept + f.intercept).abs() < 1e-6);
    }

    #[test]
    fn matches_scikit_learn_coefficients() {
        // Reference: scripts/make_lr_fixture.py (scikit-learn LogisticRegression, C = 1/l2, tol 1e-12).
        let f: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/logistic_sklearn.json")).unwrap();
        let n = f["n_rows"].as_u64().unwrap() as usize;
        let p = f["n_cols"].as_u64().unwrap() as usize;
        let data: Vec<f64> = f["x_column_major"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let y: Vec<bool> = f["y"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() == 1).collect();
        let x = FeatureMatrix { n_rows: n, names: (0..p).map(|j| format!("x{j}")).collect(), data };
        let fits = f["fits"].as_array().unwrap();
        assert!(!fits.is_empty(), "the fixture has no fits");
        for fit in fits {
            let l2 = fit["l2"].as_f64().unwrap();
            let m = LogisticParams { l2, max_iterations: 1000, tolerance: 1e-9 }.check().unwrap().fit(&x, &y).unwrap();
            for (j, w) in fit["coef"].as_array().unwrap().iter().enumerate() {
                let w = w.as_f64().unwrap();
                assert!(
                    (m.coefficients[j] - w).abs() < 1e-5,
                    "l2 {l2}: coef {j}: ours {} sklearn {w}",
                    m.coefficients[j]
                );
            }
            let b = fit["intercept"].as_f64().unwrap();
            assert!((m.intercept - b).abs() < 1e-5, "l2 {l2}: intercept ours {} sklearn {b}", m.intercept);
            let probs = m.predict_proba(&x);
            for (pi, r) in probs.iter().zip(fit["proba"].as_array().unwrap()) {
                assert!((pi - r.as_f64().unwrap()).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn gradient_of_the_objective_vanishes_at_the_fit() {
        // First-order optimality: X^T (p - y) + l2 w = 0 and sum(p - y) = 0.
        let (x, y) = fixture();
        let p = LogisticParams { l2: 0.7, max_iterations: 1000, tolerance: 1e-10 }.check().unwrap();
        let m = p.fit(&x, &y).unwrap();
        let probs = m.predict_proba(&x);
        let r: Vec<f64> = probs.iter().zip(&y).map(|(p, &c)| p - c as u8 as f64).collect();
        assert!(r.iter().sum::<f64>().abs() < 1e-6);
        for j in 0..2 {
            let g: f64 = x.column(j).iter().zip(&r).map(|(a, b)| a * b).sum::<f64>() + 0.7 * m.coefficients[j];
            assert!(g.abs() < 1e-6, "gradient {j} = {g}");
        }
    }
}
