//! Choosing a calibrator for the boosted trees from out-of-fold predictions.
//!
//! Input: every training row's raw probability from the fold model that did not see it, and
//! the folds that made them. Each candidate (none, Platt, isotonic, beta) is scored by
//! cross-validation over the same folds: fitted on the other folds' out-of-fold
//! probabilities, applied to this fold's, and the log loss and Brier score pooled over every
//! row. A calibrator is shipped only when it lowers *both* against none (strong boosted trees
//! are often calibrated already, and a calibrator that does not help only adds steps or
//! bends); among those, the lowest log loss wins. The winner is then refitted on every
//! out-of-fold probability.

use leadscore_gbm::{CalibrationMethod, Calibrator};
use serde::{Deserialize, Serialize};

use crate::evaluation::calibration::{brier, log_loss};
use crate::evaluation::split::Split;

/// One candidate's cross-validated scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationCandidate {
    /// `"none"`, `"platt"`, `"isotonic"` or `"beta"`.
    pub method: String,
    /// Cross-validated log loss on the out-of-fold probabilities.
    pub log_loss: f64,
    /// Cross-validated Brier score on the out-of-fold probabilities.
    pub brier: f64,
}

/// The method chosen, its candidates' scores (none first), and the calibrator refitted on all
/// of `oof`. `oof` and `y` are indexed like the rows `folds` split; every row is in exactly
/// one fold's `test`.
pub fn choose_calibrator(
    oof: &[f64],
    y: &[bool],
    folds: &[Split],
) -> (CalibrationMethod, Vec<CalibrationCandidate>, Calibrator) {
    let y01: Vec<f64> = y.iter().map(|&c| f64::from(u8::from(c))).collect();
    let mut candidates = Vec::new();
    for method in CalibrationMethod::ALL {
        let mut calibrated = vec![0.0; oof.len()];
        for f in folds {
            let fit_p: Vec<f64> = f.train.iter().map(|&i| oof[i]).collect();
            let fit_y: Vec<f64> = f.train.iter().map(|&i| y01[i]).collect();
            let c = method.fit(&fit_p, &fit_y);
            for &i in &f.test {
                calibrated[i] = c.apply(oof[i]).clamp(0.0, 1.0);
            }
        }
        // Finite probabilities in 0..=1 with labels of the same length: the metrics cannot fail.
        let ll = log_loss(&calibrated, y).unwrap_or(f64::INFINITY);
        let br = brier(&calibrated, y).unwrap_or(f64::INFINITY);
        candidates.push((method, CalibrationCandidate { method: method.as_str().into(), log_loss: ll, brier: br }));
    }
    let none = candidates[0].1.clone();
    let chosen = candidates
        .iter()
        .skip(1)
        .filter(|(_, c)| c.log_loss < none.log_loss && c.brier < none.brier)
        .min_by(|a, b| a.1.log_loss.total_cmp(&b.1.log_loss))
        .map_or(CalibrationMethod::Identity, |(m, _)| *m);
    let calibrator = chosen.fit(oof, &y01);
    (chosen, candidates.into_iter().map(|(_, c)| c).collect(), calibrator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::split::stratified_folds;

    fn sigmoid(z: f64) -> f64 {
        1.0 / (1.0 + (-z).exp())
    }

    /// 4000 rows: a score on an even grid and outcomes drawn at `truth(score)` with a fixed
    /// low-discrepancy sequence (no random generator needed).
    fn rows(truth: impl Fn(f64) -> f64) -> (Vec<f64>, Vec<bool>) {
        let n = 4000;
        let p: Vec<f64> = (0..n).map(|i| 0.02 + 0.96 * ((i * 7919) % n) as f64 / n as f64).collect();
        let u = |i: usize| ((i as f64 + 0.5) * 0.618_033_988_749_895).fract();
        let y = p.iter().enumerate().map(|(i, &s)| u(i) < truth(s)).collect();
        (p, y)
    }

    #[test]
    fn calibrated_scores_keep_no_calibrator_and_none_scores_as_the_plain_metrics() {
        let (p, y) = rows(|s| s);
        let folds = stratified_folds(&y, 5, 1);
        let (m, cands, c) = choose_calibrator(&p, &y, &folds);
        assert_eq!(m, CalibrationMethod::Identity, "{cands:?}");
        assert_eq!(c, Calibrator::Identity);
        // "none" is scored on the probabilities themselves: the plain log loss and Brier.
        assert_eq!(cands[0].method, "none");
        assert!((cands[0].log_loss - log_loss(&p, &y).unwrap()).abs() < 1e-12);
        assert!((cands[0].brier - brier(&p, &y).unwrap()).abs() < 1e-12);
        assert_eq!(cands.iter().map(|c| c.method.as_str()).collect::<Vec<_>>(), ["none", "platt", "isotonic", "beta"]);
    }

    #[test]
    fn over_confident_scores_get_a_calibrator_that_lowers_both_metrics() {
        // The truth is a flattened version of the score: the score is over-confident.
        let (p, y) = rows(|s| sigmoid(0.4 * (s / (1.0 - s)).ln()));
        let folds = stratified_folds(&y, 5, 1);
        let (m, cands, c) = choose_calibrator(&p, &y, &folds);
        assert!(matches!(m, CalibrationMethod::Platt | CalibrationMethod::Beta), "{cands:?}");
        let chosen = cands.iter().find(|c| c.method == m.as_str()).unwrap();
        assert!(chosen.log_loss < cands[0].log_loss - 0.01 && chosen.brier < cands[0].brier, "{cands:?}");
        // The refitted map flattens: a confident 0.95 comes down towards the truth (≈ 0.76).
        let at = c.apply(0.95);
        assert!((at - sigmoid(0.4 * 19f64.ln())).abs() < 0.05, "{at}");
    }
}
