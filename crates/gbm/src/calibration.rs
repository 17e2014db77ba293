//! Probability calibration on held-out rows: Platt scaling or isotonic regression,
//! chosen by 2-fold cross-validated Brier score.
//!
//! Platt fits `P = sigmoid(a * logit(p) + b)` by Newton's method with backtracking on
//! Platt's smoothed targets (`(N+ + 1) / (N+ + 2)` and `1 / (N- + 2)`), which keeps the fit
//! finite on separable data. Isotonic regression is pool-adjacent-violators on the sorted
//! scores (tied scores pooled first); it predicts by linear interpolation between fitted
//! points and clamps outside them, like scikit-learn's `IsotonicRegression(out_of_bounds="clip")`.

use rand::seq::SliceRandom;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::objective::sigmoid;

/// A fitted map from raw probability to calibrated probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Calibrator {
    /// Returns its input.
    Identity,
    /// `sigmoid(a * logit(p) + b)`.
    Platt {
        /// Slope on the logit.
        a: f64,
        /// Intercept.
        b: f64,
    },
    /// Piecewise-linear non-decreasing map through `(x[i], y[i])`, flat outside.
    Isotonic {
        /// Increasing input knots.
        x: Vec<f64>,
        /// Non-decreasing outputs at the knots.
        y: Vec<f64>,
    },
}

/// Which calibrator [`Calibrator::fit_best`] chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalibrationMethod {
    /// Not calibrated (too few or degenerate rows).
    Identity,
    /// Platt scaling.
    Platt,
    /// Isotonic regression.
    Isotonic,
}

/// Outcome of [`Calibrator::fit_best`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// Rows used.
    pub n: usize,
    /// Brier score of the uncalibrated probabilities.
    pub uncalibrated_brier: f64,
    /// 2-fold cross-validated Brier score of Platt scaling (NaN if not fitted).
    pub platt_brier: f64,
    /// 2-fold cross-validated Brier score of isotonic regression (NaN if not fitted).
    pub isotonic_brier: f64,
    /// The method refitted on all rows.
    pub chosen: CalibrationMethod,
    /// Why calibration fell back to identity, if it did.
    pub fallback_reason: Option<String>,
}

/// Mean squared difference between probabilities and 0/1 labels.
pub fn brier(p: &[f64], y: &[f64]) -> f64 {
    p.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / p.len().max(1) as f64
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).ln()
}

fn fit_platt(p: &[f64], y: &[f64]) -> Calibrator {
    let f: Vec<f64> = p.iter().map(|&v| logit(v)).collect();
    let n_pos = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    let (hi, lo) = ((n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0));
    let t: Vec<f64> = y.iter().map(|&v| if v == 1.0 { hi } else { lo }).collect();
    let loss = |a: f64, b: f64| -> f64 {
        f.iter()
            .zip(&t)
            .map(|(&fi, &ti)| {
                let m = a * fi + b;
                // t * softplus(-m) + (1 - t) * softplus(m)
                let sp = |z: f64| if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() };
                ti * sp(-m) + (1.0 - ti) * sp(m)
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((n_pos + 1.0) / (n_neg + 1.0)).ln());
    let mut current = loss(a, b);
    for _ in 0..100 {
        let (mut g1, mut g2, mut h11, mut h12, mut h22) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
        for (&fi, &ti) in f.iter().zip(&t) {
            let q = sigmoid(a * fi + b);
            let d = q - ti;
            let w = q * (1.0 - q);
            g1 += d * fi;
            g2 += d;
            h11 += w * fi * fi;
            h12 += w * fi;
            h22 += w;
        }
        if g1.abs() < 1e-10 && g2.abs() < 1e-10 {
            break;
        }
        let det = h11 * h22 - h12 * h12;
        if det.abs() < 1e-300 {
            break;
        }
        let da = -(h22 * g1 - h12 * g2) / det;
        let db = -(h11 * g2 - h12 * g1) / det;
        let mut step = 1.0;
        let mut improved = false;
        while step >= 1e-10 {
            let (na, nb) = (a + step * da, b + step * db);
            let l = loss(na, nb);
            if l < current + 1e-4 * step * (g1 * da + g2 * db) {
                a = na;
                b = nb;
                current = l;
                improved = true;
                break;
            }
            step /= 2.0;
        }
        if !improved {
            break;
        }
    }
    Calibrator::Platt { a, b }
}

fn fit_isotonic(p: &[f64], y: &[f64]) -> Calibrator {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    // Blocks of (x, weighted mean y, weight); tied x pooled first.
    let mut xs: Vec<f64> = Vec::new();
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new(); // (sum y, weight, first x index)
    for &i in &idx {
        if xs.last() == Some(&p[i]) {
            let b = blocks.last_mut().expect("block exists for the last x");
            b.0 += y[i];
            b.1 += 1.0;
        } else {
            xs.push(p[i]);
            blocks.push((y[i], 1.0, xs.len() - 1));
        }
    }
    // Pool adjacent violators over the per-x blocks.
    let mut stack: Vec<(f64, f64, usize, usize)> = Vec::new(); // (sum, weight, first, last) x indices
    for (s, w, k) in blocks {
        stack.push((s, w, k, k));
        while stack.len() >= 2 {
            let (s2, w2, _, l2) = stack[stack.len() - 1];
            let (s1, w1, f1, _) = stack[stack.len() - 2];
            if s1 / w1 > s2 / w2 {
                stack.pop();
                let last = stack.len() - 1;
                stack[last] = (s1 + s2, w1 + w2, f1, l2);
            } else {
                break;
            }
        }
    }
    let mut fitted = vec![0.0; xs.len()];
    for (s, w, f, l) in stack {
        for v in &mut fitted[f..=l] {
            *v = s / w;
        }
    }
    // Drop knots strictly inside a flat run: interpolation is unchanged.
    let (mut kx, mut ky) = (Vec::new(), Vec::new());
    for i in 0..xs.len() {
        let flat_inside = i > 0 && i + 1 < xs.len() && fitted[i - 1] == fitted[i] && fitted[i + 1] == fitted[i];
        if !flat_inside {
            kx.push(xs[i]);
            ky.push(fitted[i]);
        }
    }
    Calibrator::Isotonic { x: kx, y: ky }
}

impl Calibrator {
    /// Calibrated probability for raw probability `p` (a missing `p` stays missing).
    pub fn apply(&self, p: f64) -> f64 {
        match self {
            Calibrator::Identity => p,
            Calibrator::Platt { a, b } => {
                if p.is_nan() {
                    p
                } else {
                    sigmoid(a * logit(p) + b)
                }
            }
            Calibrator::Isotonic { x, y } => {
                if p.is_nan() || x.is_empty() || x.len() != y.len() {
                    return p;
                }
                let k = x.partition_point(|&v| v < p);
                if k == 0 {
                    y[0]
                } else if k == x.len() {
                    y[x.len() - 1]
                } else {
                    let (x0, x1, y0, y1) = (x[k - 1], x[k], y[k - 1], y[k]);
                    y0 + (y1 - y0) * (p - x0) / (x1 - x0)
                }
            }
        }
    }

    /// Chooses Platt or isotonic by 2-fold cross-validated Brier score on these held-out
    /// rows (`p` = raw probabilities, `y` = 0/1 labels; folds from `seed`), then refits the
    /// winner on all rows. Ties go to Platt (fewer parameters). Falls back to
    /// [`Calibrator::Identity`] with a reason when the rows cannot support a fit (fewer than
    /// 4 rows, one class per fold, lengths differ, probabilities outside 0..=1 or labels
    /// other than 0/1).
    pub fn fit_best(p: &[f64], y: &[f64], seed: u64) -> (Calibrator, CalibrationReport) {
        let fallback = |reason: String| {
            let uncal = if p.len() == y.len() { brier(p, y) } else { f64::NAN };
            (
                Calibrator::Identity,
                CalibrationReport {
                    n: p.len(),
                    uncalibrated_brier: uncal,
                    platt_brier: f64::NAN,
                    isotonic_brier: f64::NAN,
                    chosen: CalibrationMethod::Identity,
                    fallback_reason: Some(reason),
                },
            )
        };
        if p.len() != y.len() {
            return fallback(format!("{} probabilities but {} labels", p.len(), y.len()));
        }
        if p.len() < 4 {
            return fallback(format!("only {} rows; need at least 4", p.len()));
        }
        if let Some(v) = p.iter().find(|v| !(0.0..=1.0).contains(*v)) {
            return fallback(format!("probability {v} is outside 0..=1"));
        }
        if let Some(v) = y.iter().find(|&&v| v != 0.0 && v != 1.0) {
            return fallback(format!("label {v} is not 0 or 1"));
        }
        let mut idx: Vec<usize> = (0..p.len()).collect();
        idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let (fa, fb) = idx.split_at(p.len() / 2);
        let pick = |ix: &[usize]| -> (Vec<f64>, Vec<f64>) {
            (ix.iter().map(|&i| p[i]).collect(), ix.iter().map(|&i| y[i]).collect())
        };
        let ((pa, ya), (pb, yb)) = (pick(fa), pick(fb));
        let both_classes = |v: &[f64]| v.contains(&0.0) && v.contains(&1.0);
        if !both_classes(&ya) || !both_classes(&yb) {
            return fallback("a cross-validation fold holds a single class".into());
        }
        let cv = |fit: fn(&[f64], &[f64]) -> Calibrator| -> f64 {
            let (ca, cb) = (fit(&pa, &ya), fit(&pb, &yb));
            let err_b: f64 = pb.iter().zip(&yb).map(|(&v, &t)| (ca.apply(v) - t).powi(2)).sum();
            let err_a: f64 = pa.iter().zip(&ya).map(|(&v, &t)| (cb.apply(v) - t).powi(2)).sum();
            (err_a + err_b) / p.len() as f64
        };
        let platt_brier = cv(fit_platt);
        let isotonic_brier = cv(fit_isotonic);
        let (cal, chosen) = if isotonic_brier < platt_brier {
            (fit_isotonic(p, y), CalibrationMethod::Isotonic)
        } else {
            (fit_platt(p, y), CalibrationMethod::Platt)
        };
        let report = CalibrationReport {
            n: p.len(),
            uncalibrated_brier: brier(p, y),
            platt_brier,
            isotonic_brier,
            chosen,
            fallback_reason: None,
        };
        (cal, report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn platt_matches_the_hand_computed_two_group_solution() {
        // logit(p) = -1 for 4 rows (1 positive), +1 for 4 rows (3 positive). Smoothed targets
        // 5/6 and 1/6 make the group means 1/3 and 2/3, so sigmoid(-a+b) = 1/3 and
        // sigmoid(a+b) = 2/3: a = ln 2, b = 0.
        let lo = sigmoid(-1.0);
        let hi = sigmoid(1.0);
        let p = [lo, lo, lo, lo, hi, hi, hi, hi];
        let y = [1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let Calibrator::Platt { a, b } = fit_platt(&p, &y) else { panic!("not Platt") };
        assert!((a - 2f64.ln()).abs() < 1e-9 && b.abs() < 1e-9, "a={a} b={b}");
        let c = Calibrator::Platt { a, b };
        assert!((c.apply(hi) - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn isotonic_pools_violators_and_interpolates() {
        let c = fit_isotonic(&[0.3, 0.1, 0.4, 0.2], &[0.0, 0.0, 1.0, 1.0]);
        assert_eq!(c, Calibrator::Isotonic { x: vec![0.1, 0.2, 0.3, 0.4], y: vec![0.0, 0.5, 0.5, 1.0] });
        assert_eq!(c.apply(0.25), 0.5);
        assert!((c.apply(0.15) - 0.25).abs() < 1e-15);
        assert_eq!((c.apply(0.0), c.apply(0.99)), (0.0, 1.0));
        // Tied scores are pooled before PAVA.
        let c = fit_isotonic(&[0.5, 0.5, 0.7], &[1.0, 0.0, 1.0]);
        assert_eq!(c, Calibrator::Isotonic { x: vec![0.5, 0.7], y: vec![0.5, 1.0] });
    }

    #[test]
    fn isotonic_output_is_monotone_on_random_data() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let p: Vec<f64> = (0..500).map(|_| rng.random::<f64>()).collect();
        let y: Vec<f64> = p.iter().map(|&v| f64::from(rng.random::<f64>() < v)).collect();
        let c = fit_isotonic(&p, &y);
        let grid: Vec<f64> = (0..=1000).map(|i| c.apply(i as f64 / 1000.0)).collect();
        assert!(grid.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn fit_best_picks_the_lower_cross_validated_brier() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        // A logistic distortion of the scores: Platt's model is exactly right.
        let p: Vec<f64> = (0..2000).map(|_| rng.random::<f64>() * 0.98 + 0.01).collect();
        let y: Vec<f64> = p.iter().map(|&v| f64::from(rng.random::<f64>() < sigmoid(2.0 * logit(v) + 0.5))).collect();
        let (c, r) = Calibrator::fit_best(&p, &y, 1);
        assert_eq!(r.chosen, CalibrationMethod::Platt, "{r:?}");
        assert!(r.platt_brier <= r.isotonic_brier && matches!(c, Calibrator::Platt { .. }));
        // A step: P(y=1) jumps from 0.1 to 0.9 at p = 0.6, which no sigmoid of logit(p) follows.
        let y: Vec<f64> = p.iter().map(|&v| f64::from(rng.random::<f64>() < if v > 0.6 { 0.9 } else { 0.1 })).collect();
        let (c, r) = Calibrator::fit_best(&p, &y, 1);
        assert_eq!(r.chosen, CalibrationMethod::Isotonic, "{r:?}");
        assert!(r.isotonic_brier < r.platt_brier && matches!(c, Calibrator::Isotonic { .. }));
        assert!(r.isotonic_brier < r.uncalibrated_brier);
    }

    #[test]
    fn degenerate_input_falls_back_to_identity() {
        let (c, r) = Calibrator::fit_best(&[0.2, 0.4], &[0.0, 1.0], 0);
        assert_eq!((c, r.chosen), (Calibrator::Identity, CalibrationMethod::Identity));
        assert!(r.fallback_reason.unwrap().contains("only 2 rows"));
        let (_, r) = Calibrator::fit_best(&[0.2, 1.4, 0.1, 0.3], &[0.0, 1.0, 0.0, 1.0], 0);
        assert!(r.fallback_reason.unwrap().contains("1.4"));
        assert_eq!(Calibrator::Identity.apply(0.3), 0.3);
    }
}
