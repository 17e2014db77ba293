//! Probability calibration on held-out rows: Platt scaling, isotonic regression or beta
//! calibration. [`Calibrator::fit_best`] chooses between Platt and isotonic by 2-fold
//! cross-validated Brier score; [`CalibrationMethod::fit`] fits one method, for callers that
//! choose by their own cross-validation (leadscore does, on out-of-fold predictions).
//!
//! Beta calibration (Kull, Silva Filho and Flach, 2017) fits
//! `P = sigmoid(a · ln p − b · ln(1 − p) + c)` by logistic regression on `ln p` and
//! `−ln(1 − p)`, with `a, b >= 0` (a negative one is dropped and the rest refitted, as the
//! authors' `betacal` does); it contains Platt (`a = b`) and the identity (`a = b = 1, c = 0`)
//! and, unlike a sigmoid of the logit, can bend the two ends differently.
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
    /// `sigmoid(a * ln p - b * ln(1 - p) + c)`, `a, b >= 0`.
    Beta {
        /// Weight on `ln p`.
        a: f64,
        /// Weight on `-ln(1 - p)`.
        b: f64,
        /// Intercept.
        c: f64,
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
    /// Beta calibration.
    Beta,
}

impl CalibrationMethod {
    /// Every method, the identity first.
    pub const ALL: [CalibrationMethod; 4] =
        [CalibrationMethod::Identity, CalibrationMethod::Platt, CalibrationMethod::Isotonic, CalibrationMethod::Beta];

    /// `"none"`, `"platt"`, `"isotonic"` or `"beta"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CalibrationMethod::Identity => "none",
            CalibrationMethod::Platt => "platt",
            CalibrationMethod::Isotonic => "isotonic",
            CalibrationMethod::Beta => "beta",
        }
    }

    /// Fits this method on raw probabilities `p` (each in 0..=1) and 0/1 labels `y` of the
    /// same length; the identity ignores them. The caller checks the inputs (both classes
    /// present for a meaningful fit; with one class the fit is finite but flat).
    ///
    /// Isotonic regression here shrinks each pooled block's rate towards the overall rate `r`
    /// by one pseudo-row, `(positives + r) / (rows + 1)`, so that no output is exactly 0 or 1: a plain isotonic map sends the lowest
    /// block of a few dead leads to 0, and one converted lead scored there costs a log loss of
    /// 34.5 (seen on 640 training rows: cross-validation chose isotonic, and the hold-out's
    /// log loss was worse than the base rate's). [`Calibrator::fit_best`] keeps the plain map.
    pub fn fit(self, p: &[f64], y: &[f64]) -> Calibrator {
        match self {
            CalibrationMethod::Identity => Calibrator::Identity,
            CalibrationMethod::Platt => fit_platt(p, y),
            CalibrationMethod::Isotonic => fit_isotonic_shrunk(p, y, 1.0),
            CalibrationMethod::Beta => fit_beta(p, y),
        }
    }
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
    fit_isotonic_shrunk(p, y, 0.0)
}

/// Isotonic regression whose pooled blocks output `(sum + m · r) / (weight + m)`, `r` the
/// overall rate of `y` (`m = 0`: the plain block means).
fn fit_isotonic_shrunk(p: &[f64], y: &[f64], m: f64) -> Calibrator {
    let rate = y.iter().sum::<f64>() / y.len().max(1) as f64;
    let out = |s: f64, w: f64| (s + m * rate) / (w + m);
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
            // Compared as output (shrunk) values, so the outputs come out non-decreasing.
            if out(s1, w1) > out(s2, w2) {
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
            *v = out(s, w);
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

/// Logistic regression of `y` on the columns of `f` (row-major, `k` columns) plus an
/// intercept, by Newton's method with backtracking; returns the `k` weights and the intercept.
fn logistic_newton(f: &[f64], k: usize, y: &[f64]) -> Vec<f64> {
    let n = y.len();
    let d = k + 1;
    let row = |i: usize| &f[i * k..i * k + k];
    let margin = |w: &[f64], i: usize| row(i).iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + w[k];
    let sp = |z: f64| if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() };
    let loss = |w: &[f64]| -> f64 {
        (0..n)
            .map(|i| {
                let m = margin(w, i);
                y[i] * sp(-m) + (1.0 - y[i]) * sp(m)
            })
            .sum()
    };
    let n_pos = y.iter().sum::<f64>();
    let mut w = vec![0.0; d];
    w[k] = ((n_pos + 0.5) / (n as f64 - n_pos + 0.5)).ln();
    let mut current = loss(&w);
    for _ in 0..100 {
        let mut g = vec![0.0; d];
        let mut h = vec![0.0; d * d];
        for (i, &yi) in y.iter().enumerate().take(n) {
            let q = sigmoid(margin(&w, i));
            let (r, v) = (q - yi, q * (1.0 - q));
            let x: Vec<f64> = row(i).iter().copied().chain(std::iter::once(1.0)).collect();
            for a in 0..d {
                g[a] += r * x[a];
                for b in 0..d {
                    h[a * d + b] += v * x[a] * x[b];
                }
            }
        }
        if g.iter().all(|v| v.abs() < 1e-10) {
            break;
        }
        for a in 0..d {
            h[a * d + a] += 1e-12;
        }
        let Some(step) = solve(&mut h, &mut g, d) else { break };
        let mut t = 1.0;
        let mut improved = false;
        while t >= 1e-10 {
            let cand: Vec<f64> = w.iter().zip(&step).map(|(a, b)| a - t * b).collect();
            let l = loss(&cand);
            if l < current {
                w = cand;
                improved = current - l > 1e-13 * current.abs().max(1.0);
                current = l;
                break;
            }
            t /= 2.0;
        }
        if !improved {
            break;
        }
    }
    w
}

/// Solves `h · x = g` in place (Gaussian elimination with partial pivoting); `None` when singular.
fn solve(h: &mut [f64], g: &mut [f64], d: usize) -> Option<Vec<f64>> {
    for c in 0..d {
        let p = (c..d).max_by(|&a, &b| h[a * d + c].abs().total_cmp(&h[b * d + c].abs()))?;
        if h[p * d + c].abs() < 1e-300 {
            return None;
        }
        for j in 0..d {
            h.swap(c * d + j, p * d + j);
        }
        g.swap(c, p);
        for r in c + 1..d {
            let m = h[r * d + c] / h[c * d + c];
            for j in c..d {
                h[r * d + j] -= m * h[c * d + j];
            }
            g[r] -= m * g[c];
        }
    }
    let mut x = vec![0.0; d];
    for c in (0..d).rev() {
        let s: f64 = (c + 1..d).map(|j| h[c * d + j] * x[j]).sum();
        x[c] = (g[c] - s) / h[c * d + c];
    }
    Some(x)
}

/// `(ln p, -ln(1 - p))` with `p` clipped away from 0 and 1.
fn beta_features(p: f64) -> [f64; 2] {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    // ln(1 - p) rather than ln_1p(-p): the SQL export computes the same expression.
    [p.ln(), -(1.0 - p).ln()]
}

fn fit_beta(p: &[f64], y: &[f64]) -> Calibrator {
    let f: Vec<f64> = p.iter().flat_map(|&v| beta_features(v)).collect();
    let w = logistic_newton(&f, 2, y);
    if w[0] >= 0.0 && w[1] >= 0.0 {
        return Calibrator::Beta { a: w[0], b: w[1], c: w[2] };
    }
    // A negative weight would make the map non-monotone: drop that feature and refit.
    let keep = if w[0] < 0.0 { 1 } else { 0 };
    let single: Vec<f64> = f.chunks(2).map(|r| r[keep]).collect();
    let v = logistic_newton(&single, 1, y);
    let (wk, c) = if v[0] >= 0.0 {
        (v[0], v[1])
    } else {
        // Neither feature helps: the base rate for every lead.
        let n_pos = y.iter().sum::<f64>();
        (0.0, ((n_pos + 0.5) / (y.len() as f64 - n_pos + 0.5)).ln())
    };
    if keep == 0 {
        Calibrator::Beta { a: wk, b: 0.0, c }
    } else {
        Calibrator::Beta { a: 0.0, b: wk, c }
    }
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
            Calibrator::Beta { a, b, c } => {
                if p.is_nan() {
                    return p;
                }
                let [lp, l1p] = beta_features(p);
                sigmoid(a * lp + b * l1p + c)
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
    fn the_shrunk_isotonic_map_is_monotone_where_shrinking_would_reorder_blocks() {
        // Raw rates 0 (1 row) and 0 (10 rows) are in order, but shrunk towards the overall rate
        // 1/12 they are (1/12) / 2 and (1/12) / 11: they must pool into one block, (1/12) / 12.
        let mut p = vec![0.1];
        p.extend([0.2; 10]); // tied: pooled into one block of weight 10 first
        p.push(0.9);
        let mut y = vec![0.0; 11];
        y.push(1.0);
        let c = CalibrationMethod::Isotonic.fit(&p, &y);
        let grid: Vec<f64> = (0..=100).map(|i| c.apply(i as f64 / 100.0)).collect();
        assert!(grid.windows(2).all(|g| g[0] <= g[1]), "{c:?}");
        assert!((c.apply(0.1) - 1.0 / 144.0).abs() < 1e-15, "{c:?}");
    }

    #[test]
    fn the_shrunk_isotonic_map_never_outputs_0_or_1() {
        // Four single-row blocks already in order, overall rate 1/2: a dead lead's block gives
        // (0 + 1/2) / (1 + 1) = 1/4, a converted one's (1 + 1/2) / (1 + 1) = 3/4.
        let c = CalibrationMethod::Isotonic.fit(&[0.1, 0.2, 0.3, 0.4], &[0.0, 0.0, 1.0, 1.0]);
        assert_eq!(c, Calibrator::Isotonic { x: vec![0.1, 0.2, 0.3, 0.4], y: vec![0.25, 0.25, 0.75, 0.75] });
        assert_eq!((c.apply(0.0), c.apply(1.0)), (0.25, 0.75));
        assert_eq!(fit_isotonic(&[0.1, 0.2, 0.3, 0.4], &[0.0, 0.0, 1.0, 1.0]).apply(0.0), 0.0);
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
    fn beta_matches_scikit_learn_and_drops_a_negative_weight() {
        // Reference: scikit-learn LogisticRegression(C=inf, tol=1e-12) on (ln p, -ln(1-p)),
        // p = (i + 0.5) / 40, y = [u_i < p^0.6] with u_i = frac(i * 0.618...).
        let p: Vec<f64> = (0..40).map(|i| (i as f64 + 0.5) / 40.0).collect();
        let y: Vec<f64> =
            (0..40).map(|i| f64::from(((i as f64 * 0.618_033_988_749_894_9) % 1.0) < p[i].powf(0.6))).collect();
        let f: Vec<f64> = p.iter().flat_map(|&v| beta_features(v)).collect();
        let w = logistic_newton(&f, 2, &y);
        for (got, want) in w.iter().zip([-0.333_025_529_726_006_24, 2.612_940_973_116_638_4, -1.604_953_404_873_258]) {
            assert!((got - want).abs() < 1e-6, "{w:?}");
        }
        // a < 0 would make the map non-monotone: ln p is dropped and -ln(1-p) refitted
        // (scikit-learn on that column alone: 2.050326041116262, -0.8691832805166174).
        let Calibrator::Beta { a, b, c } = fit_beta(&p, &y) else { panic!("not beta") };
        assert_eq!(a, 0.0);
        assert!((b - 2.050_326_041_116_262).abs() < 1e-6 && (c + 0.869_183_280_516_617_4).abs() < 1e-6, "{b} {c}");
        let cal = Calibrator::Beta { a, b, c };
        let grid: Vec<f64> = (0..=100).map(|i| cal.apply(i as f64 / 100.0)).collect();
        assert!(grid.windows(2).all(|g| g[0] <= g[1]));
        // The identity is a beta map: a = b = 1, c = 0.
        assert!((Calibrator::Beta { a: 1.0, b: 1.0, c: 0.0 }.apply(0.3) - 0.3).abs() < 1e-12);
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
