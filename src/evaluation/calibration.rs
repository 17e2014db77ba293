//! Probability metrics: log loss, Brier score and the calibration (reliability) table with
//! its expected calibration error. Unlike the ranking metrics in [`super::metrics`], these
//! work with one class present. Re-exported from `metrics`, where callers find every metric.

use serde::{Deserialize, Serialize};

use super::metrics::{check_common, MetricError};

/// Lower clip applied to probabilities before taking logarithms in [`log_loss`].
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Most bins [`calibration_table`] accepts; finer bins hold too few leads to mean anything.
pub const MAX_CALIBRATION_BINS: usize = 10_000;

/// One non-empty bin of a [`CalibrationTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge; the bin holds probabilities `> lower` (`>= 0` for the first bin).
    pub lower: f64,
    /// Upper edge; the bin holds probabilities `<= upper`.
    pub upper: f64,
    /// Leads whose probability falls in the bin.
    pub count: usize,
    /// Mean predicted probability in the bin.
    pub mean_predicted: f64,
    /// Observed conversion rate in the bin.
    pub observed_rate: f64,
}

/// Reliability table and expected calibration error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationTable {
    /// Non-empty bins in increasing probability order (empty bins are omitted, as
    /// sklearn's `calibration_curve` does; the edges show where the gaps are).
    pub bins: Vec<CalibrationBin>,
    /// Expected calibration error: `Σ count/n · |observed_rate − mean_predicted|`.
    pub ece: f64,
}

/// Checks that every value is a probability in `[0, 1]`.
fn check_probs(probs: &[f64], labels: &[bool]) -> Result<(), MetricError> {
    check_common(probs, labels)?;
    match probs.iter().position(|p| !(0.0..=1.0).contains(p)) {
        Some(index) => Err(MetricError::ProbabilityOutOfRange { index, value: probs[index] }),
        None => Ok(()),
    }
}

/// Mean cross-entropy of probabilities against outcomes, natural log.
///
/// Probabilities are clipped to `[1e-15, 1 − 1e-15]` first so a confident miss costs
/// about 34.5 nats rather than infinity. Works with one class present. Errors on NaN
/// (`NotFinite`) or a value outside `[0, 1]` (`ProbabilityOutOfRange`).
pub fn log_loss(probs: &[f64], labels: &[bool]) -> Result<f64, MetricError> {
    check_probs(probs, labels)?;
    let total: f64 = probs
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            if y {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    Ok(total / probs.len() as f64)
}

/// Brier score: mean squared difference between probability and outcome (0 = perfect).
/// Works with one class present.
pub fn brier(probs: &[f64], labels: &[bool]) -> Result<f64, MetricError> {
    check_probs(probs, labels)?;
    let total: f64 = probs.iter().zip(labels).map(|(&p, &y)| (f64::from(u8::from(y)) - p).powi(2)).sum();
    Ok(total / probs.len() as f64)
}

/// Reliability table over `n_bins` equal-width bins of `[0, 1]` and the expected
/// calibration error.
///
/// Bin edges are `i / n_bins` (computed as `i * (1 / n_bins)`, as `numpy.linspace` does);
/// a probability goes to the bin whose upper edge is the first edge `>=` it, so bins are
/// `[0, e1]`, `(e1, e2]`, …, `(e_{n-1}, 1]` and `1.0` lands in the last bin — the same
/// assignment as `sklearn.calibration.calibration_curve(strategy="uniform")`.
/// Works with one class present. Requires `1 <= n_bins <= MAX_CALIBRATION_BINS`.
pub fn calibration_table(probs: &[f64], labels: &[bool], n_bins: usize) -> Result<CalibrationTable, MetricError> {
    check_probs(probs, labels)?;
    if n_bins == 0 || n_bins > MAX_CALIBRATION_BINS {
        return Err(MetricError::InvalidParameter {
            name: "n_bins",
            value: n_bins as f64,
            expected: format!("between 1 and {MAX_CALIBRATION_BINS} (10 is usual)"),
        });
    }
    let step = 1.0 / n_bins as f64;
    let edges: Vec<f64> = (0..=n_bins).map(|i| if i == n_bins { 1.0 } else { i as f64 * step }).collect();
    let interior = &edges[1..n_bins];
    let mut count = vec![0usize; n_bins];
    let mut sum_p = vec![0.0; n_bins];
    let mut sum_y = vec![0usize; n_bins];
    for (&p, &y) in probs.iter().zip(labels) {
        // Number of interior edges strictly below p = numpy.searchsorted(side="left").
        let bin = interior.partition_point(|&e| e < p);
        count[bin] += 1;
        sum_p[bin] += p;
        sum_y[bin] += usize::from(y);
    }
    let n = probs.len() as f64;
    let mut ece = 0.0;
    let mut bins = Vec::new();
    for b in (0..n_bins).filter(|&b| count[b] > 0) {
        let c = count[b] as f64;
        let (mean_predicted, observed_rate) = (sum_p[b] / c, sum_y[b] as f64 / c);
        ece += c / n * (observed_rate - mean_predicted).abs();
        bins.push(CalibrationBin {
            lower: edges[b],
            upper: edges[b + 1],
            count: count[b],
            mean_predicted,
            observed_rate,
        });
    }
    Ok(CalibrationTable { bins, ece })
}
