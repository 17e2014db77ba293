//! Evaluation metrics for a binary lead-scoring model: how well do scores rank converted
//! leads above dead ones, and how honest are the probabilities?
//!
//! Every function takes the model output for a set of leads (`scores`: any real number,
//! higher = more likely to convert, or `probs`: probabilities in `[0, 1]`) and the
//! outcomes (`labels`: `true` = converted), checks them, and returns plain numbers or
//! serialisable tables. Nothing here formats text; printers render the tables.
//!
//! Definitions follow scikit-learn so numbers can be compared with an analyst's notebook:
//! tied scores are one threshold (average rank / trapezoid for the ROC AUC, one step for
//! average precision), log loss clips probabilities to `[1e-15, 1 - 1e-15]`, calibration
//! bins match `sklearn.calibration.calibration_curve(strategy="uniform")`. Reference values
//! come from `scripts/make_metric_fixtures.py` (`tests/fixtures/metrics/metrics.json`).
//!
//! Checks, in order: lengths match, the input is not empty, every value is finite (and a
//! probability lies in `[0, 1]`), and ranking metrics see both classes. Inputs that fail
//! return a [`MetricError`]; no function panics on user data.
//!
//! ```
//! # use leadscore::evaluation::metrics::roc_auc;
//! let scores = [0.9, 0.8, 0.8, 0.3];
//! let converted = [true, true, false, false];
//! assert_eq!(roc_auc(&scores, &converted).unwrap(), 0.875);
//! ```

use serde::{Deserialize, Serialize};

pub use super::lift::{conversions_at_k, decile_table, precision_recall_at_k, Decile};

pub use super::calibration::{
    brier, calibration_table, log_loss, CalibrationBin, CalibrationTable, LOG_LOSS_EPS, MAX_CALIBRATION_BINS,
};

/// Why a metric could not be computed from the given scores and labels.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// No leads were given.
    #[error("evaluation needs at least one lead, got none")]
    Empty,
    /// `scores` (or `probs`) and `labels` have different lengths.
    #[error("got {scores} scores but {labels} labels; pass one score per labelled lead")]
    LengthMismatch {
        /// Number of scores or probabilities.
        scores: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A ranking metric needs at least one lead of each outcome.
    #[error("evaluation needs both converted and dead leads: found {positives} converted, {negatives} dead")]
    OneClass {
        /// Number of converted leads.
        positives: usize,
        /// Number of dead leads.
        negatives: usize,
    },
    /// A score or probability is NaN or infinite.
    #[error("value at row {index} is NaN or infinite; drop or impute it before evaluating")]
    NotFinite {
        /// Zero-based position in the input.
        index: usize,
    },
    /// A probability lies outside `[0, 1]`.
    #[error("probability at row {index} is {value}, outside [0, 1]; pass calibrated probabilities, not raw scores")]
    ProbabilityOutOfRange {
        /// Zero-based position in the input.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A bin count, `k` or bootstrap count is outside what the input allows.
    #[error("{name} = {value} is invalid: {expected}")]
    InvalidParameter {
        /// Parameter name as written in the API (`n_bins`, `k`, `n_boot`, `level`).
        name: &'static str,
        /// The value given.
        value: f64,
        /// What would be accepted.
        expected: String,
    },
    /// DeLong's variance needs at least two leads of each outcome.
    #[error(
        "DeLong's test needs at least 2 converted and 2 dead leads: found {positives} converted, {negatives} dead"
    )]
    TooFewForVariance {
        /// Number of converted leads.
        positives: usize,
        /// Number of dead leads.
        negatives: usize,
    },
    /// The DeLong variance of the AUC difference is zero, so no z statistic exists
    /// (for example one scorer ties every lead and the other separates them perfectly).
    #[error("DeLong variance is zero (AUCs {auc_a} and {auc_b}); the test is undefined for this data")]
    ZeroVariance {
        /// AUC of the first scorer.
        auc_a: f64,
        /// AUC of the second scorer.
        auc_b: f64,
    },
}

/// Points of the ROC curve, one per distinct score plus a leading `(0, 0)` point.
///
/// Same as `sklearn.metrics.roc_curve(drop_intermediate=False)`: `thresholds` are the
/// distinct scores in decreasing order, preceded by `+inf`; point `i` classifies as
/// converted every lead with `score >= thresholds[i]`. (JSON has no infinity, so
/// serde_json writes the first threshold as `null`; use the vectors directly in Rust.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// False-positive rate (share of dead leads above the threshold).
    pub fpr: Vec<f64>,
    /// True-positive rate (share of converted leads above the threshold).
    pub tpr: Vec<f64>,
    /// Score thresholds, decreasing, the first being `f64::INFINITY`.
    pub thresholds: Vec<f64>,
}

/// Checks lengths, emptiness and finiteness shared by every metric.
pub(crate) fn check_common(values: &[f64], labels: &[bool]) -> Result<(), MetricError> {
    if values.len() != labels.len() {
        return Err(MetricError::LengthMismatch { scores: values.len(), labels: labels.len() });
    }
    if values.is_empty() {
        return Err(MetricError::Empty);
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(MetricError::NotFinite { index }),
        None => Ok(()),
    }
}

/// Checks scores for a ranking metric and returns `(positives, negatives)`.
pub(crate) fn check_ranking(scores: &[f64], labels: &[bool]) -> Result<(usize, usize), MetricError> {
    check_common(scores, labels)?;
    let positives = labels.iter().filter(|&&y| y).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(MetricError::OneClass { positives, negatives });
    }
    Ok((positives, negatives))
}

/// Row indices sorted by score descending. The order inside a tie group is arbitrary
/// (input order); no statistic may depend on it, see [`TieGroups`].
/// Scores must already be checked finite; `total_cmp` then never sees NaN.
pub(crate) fn order_desc(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order
}

/// Cumulative `(threshold, true positives, false positives)` at each distinct score,
/// walking from the highest score down (sklearn's `_binary_clf_curve`).
fn cumulative_counts(scores: &[f64], labels: &[bool]) -> Vec<(f64, u64, u64)> {
    let order = order_desc(scores);
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    for (pos, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        // -0.0 == 0.0, so signed zeros form one threshold as in NumPy.
        let last_of_group = order.get(pos + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last_of_group {
            out.push((scores[i], tp, fp));
        }
    }
    out
}

/// Area under the ROC curve: the probability that a random converted lead scores above
/// a random dead one, ties counting one half. Equals `sklearn.metrics.roc_auc_score`.
///
/// O(n log n). The area is accumulated in integers (twice the number of correctly
/// ordered pairs, ties counting one), so the only rounding is the final division.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64, MetricError> {
    let (positives, negatives) = check_ranking(scores, labels)?;
    let mut twice_area: u128 = 0;
    let (mut prev_tp, mut prev_fp) = (0u64, 0u64);
    for (_, tp, fp) in cumulative_counts(scores, labels) {
        // Negatives in this tie group are beaten by all earlier positives and tie
        // with the positives in the group.
        twice_area += u128::from(fp - prev_fp) * u128::from(prev_tp + tp);
        prev_tp = tp;
        prev_fp = fp;
    }
    Ok(twice_area as f64 / (2.0 * positives as f64 * negatives as f64))
}

/// The full ROC curve; see [`RocCurve`] for the exact semantics.
pub fn roc_curve(scores: &[f64], labels: &[bool]) -> Result<RocCurve, MetricError> {
    let (positives, negatives) = check_ranking(scores, labels)?;
    let counts = cumulative_counts(scores, labels);
    let mut curve = RocCurve {
        fpr: Vec::with_capacity(counts.len() + 1),
        tpr: Vec::with_capacity(counts.len() + 1),
        thresholds: Vec::with_capacity(counts.len() + 1),
    };
    curve.fpr.push(0.0);
    curve.tpr.push(0.0);
    curve.thresholds.push(f64::INFINITY);
    for (threshold, tp, fp) in counts {
        curve.fpr.push(fp as f64 / negatives as f64);
        curve.tpr.push(tp as f64 / positives as f64);
        curve.thresholds.push(threshold);
    }
    Ok(curve)
}

/// Average precision, `Σ (R_k − R_{k−1}) · P_k` over distinct score thresholds in
/// decreasing order: sklearn's `average_precision_score`, the PR-AUC we report.
/// No interpolation: a tie group counts as one step.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Result<f64, MetricError> {
    let (positives, _) = check_ranking(scores, labels)?;
    let mut ap = 0.0;
    let mut prev_tp = 0u64;
    for (_, tp, fp) in cumulative_counts(scores, labels) {
        if tp > prev_tp {
            let recall_step = (tp - prev_tp) as f64 / positives as f64;
            ap += recall_step * (tp as f64 / (tp + fp) as f64);
        }
        prev_tp = tp;
    }
    Ok(ap)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::Value;

    /// `tests/fixtures/metrics/metrics.json`, written by `scripts/make_metric_fixtures.py`.
    pub(crate) fn fixture() -> Value {
        serde_json::from_str(include_str!("../../tests/fixtures/metrics/metrics.json")).expect("metrics.json parses")
    }

    /// A JSON number as f64 (`null`, the fixture's +inf threshold, becomes infinity).
    pub(crate) fn num(v: &Value) -> f64 {
        v.as_f64().unwrap_or(f64::INFINITY)
    }

    /// A JSON array of numbers.
    pub(crate) fn nums(v: &Value) -> Vec<f64> {
        v.as_array().expect("array").iter().map(num).collect()
    }

    /// A JSON array of booleans.
    pub(crate) fn bools(v: &Value) -> Vec<bool> {
        v.as_array().expect("array").iter().map(|b| b.as_bool().expect("bool")).collect()
    }

    /// Absolute tolerance against scikit-learn: both sides do the same arithmetic up to
    /// summation order, so agreement is at the level of a few ulps.
    const TOL: f64 = 1e-10;

    pub(crate) fn close(name: &str, got: f64, want: f64, tol: f64) {
        let diff = (got - want).abs();
        assert!(diff <= tol, "{name}: got {got:.17}, want {want:.17}, diff {diff:e}");
    }

    fn close_all(name: &str, got: impl IntoIterator<Item = f64>, want: &Value) {
        let (got, want): (Vec<f64>, Vec<f64>) = (got.into_iter().collect(), nums(want));
        assert_eq!(got.len(), want.len(), "{name}: length");
        for (i, (g, w)) in got.into_iter().zip(want).enumerate() {
            close(&format!("{name}[{i}]"), g, w, TOL);
        }
    }

    #[test]
    fn matches_sklearn_on_every_fixture_case() {
        let fx = fixture();
        let cases = fx["cases"].as_array().expect("cases");
        assert_eq!(cases.len(), 5);
        for c in cases {
            let name = c["name"].as_str().expect("name");
            let (s, p, y) = (nums(&c["scores"]), nums(&c["probs"]), bools(&c["labels"]));
            let table = calibration_table(&p, &y, 10).unwrap();
            for (what, got, want) in [
                ("roc_auc", roc_auc(&s, &y), &c["roc_auc"]),
                ("ap", average_precision(&s, &y), &c["average_precision"]),
                ("brier", brier(&p, &y), &c["brier"]),
                ("log_loss", log_loss(&p, &y), &c["log_loss"]),
                ("ece", Ok(table.ece), &c["calibration"]["ece"]),
            ] {
                close(&format!("{name} {what}"), got.unwrap(), num(want), TOL);
            }

            let (roc, want) = (roc_curve(&s, &y).unwrap(), &c["roc_curve"]);
            assert_eq!(roc.thresholds, nums(&want["thresholds"]), "{name}");
            close_all(&format!("{name} fpr"), roc.fpr, &want["fpr"]);
            close_all(&format!("{name} tpr"), roc.tpr, &want["tpr"]);

            let (bins, want) = (&table.bins, &c["calibration"]);
            let field = |f: fn(&CalibrationBin) -> f64| bins.iter().map(f);
            // Counts and edges are exact: same edges, same searchsorted rule.
            assert_eq!(field(|b| b.count as f64).collect::<Vec<_>>(), nums(&want["count"]));
            assert_eq!(field(|b| b.lower).collect::<Vec<_>>(), nums(&want["lower"]));
            assert_eq!(field(|b| b.upper).collect::<Vec<_>>(), nums(&want["upper"]));
            let (mean, observed) = (&want["mean_predicted"], &want["observed_rate"]);
            close_all(&format!("{name} mean"), field(|b| b.mean_predicted), mean);
            close_all(&format!("{name} observed"), field(|b| b.observed_rate), observed);
        }
    }

    #[test]
    fn hand_case_by_pencil() {
        // Converted 0.9, 0.8, 0.7, 0.6, 0.3; dead 0.8, 0.6, 0.6, 0.4, 0.1.
        // Pairs won: 5 + 4.5 + 4 + 3 + 1 = 17.5 of 25.
        let s = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.4, 0.3, 0.1];
        let y = [true, true, false, true, false, true, false, false, true, false];
        assert_eq!(roc_auc(&s, &y).unwrap(), 0.7);
        // Steps: 0.9 -> P 1 R .2; 0.8 -> P 2/3 R .4; 0.7 -> P 3/4 R .6;
        // 0.6 -> P 4/7 R .8; 0.3 -> P 5/9 R 1.
        let ap = 0.2 * (1.0 + 2.0 / 3.0 + 0.75 + 4.0 / 7.0 + 5.0 / 9.0);
        close("ap", average_precision(&s, &y).unwrap(), ap, 1e-15);
        assert_eq!(precision_recall_at_k(&s, &y, 4).unwrap(), (0.75, 0.6));
        // k = 2 cuts the 0.8 tie (one converted, one dead) in half: 1 + 1/2 expected hits.
        assert_eq!(precision_recall_at_k(&s, &y, 2).unwrap(), (0.75, 0.3));
        assert_eq!(conversions_at_k(&s, &y, 2).unwrap(), 1.5);

        let d = decile_table(&s, &y, 3).unwrap();
        assert_eq!(d.iter().map(|r| r.leads).collect::<Vec<_>>(), [4, 3, 3]);
        assert_eq!(d.iter().map(|r| r.conversions).collect::<Vec<_>>(), [3.0, 1.0, 1.0]);
        assert_eq!((d[0].max_score, d[0].min_score), (0.9, 0.7));
        assert_eq!((d[1].max_score, d[1].min_score), (0.6, 0.6));
        close("lift", d[0].lift, 0.75 / 0.5, 1e-15);
        assert_eq!(d[1].cumulative_leads, 7);
        close("gain", d[1].cumulative_gain, 0.8, 1e-15);
        assert_eq!(d[2].cumulative_gain, 1.0);
        assert_eq!(d[2].cumulative_conversions, 5.0);
    }

    #[test]
    fn ties_and_extremes() {
        let y = [true, false, true, false];
        assert_eq!(roc_auc(&[0.5; 4], &y).unwrap(), 0.5);
        assert_eq!(average_precision(&[0.5; 4], &y).unwrap(), 0.5);
        assert_eq!(roc_auc(&[4.0, 1.0, 3.0, 2.0], &y).unwrap(), 1.0);
        assert_eq!(roc_auc(&[1.0, 4.0, 2.0, 3.0], &y).unwrap(), 0.0);
        // Signed zeros are one threshold, as in NumPy.
        assert_eq!(roc_auc(&[0.0, -0.0, 1.0, -1.0], &y).unwrap(), 0.875);
        let roc = roc_curve(&[0.0, -0.0, 1.0, -1.0], &y).unwrap();
        assert_eq!(roc.fpr, [0.0, 0.0, 0.5, 1.0]);
        // A confident miss is clipped, not infinite: -ln(1e-15) / 2.
        let ll = log_loss(&[0.0, 1.0], &[true, true]).unwrap();
        close("clipped log loss", ll, -(1e-15f64).ln() / 2.0, 1e-12);
        assert_eq!(brier(&[1.0, 0.0], &[true, false]).unwrap(), 0.0);
        // Edges: 0.1 goes to [0, 0.1], 1.0 to the last bin.
        let cal = calibration_table(&[0.1, 0.1000001, 1.0], &[false, true, true], 10).unwrap();
        assert_eq!(cal.bins.iter().map(|b| (b.lower, b.count)).collect::<Vec<_>>(), [(0.0, 1), (0.1, 1), (0.9, 1)]);
    }

    fn err<T: std::fmt::Debug>(result: Result<T, MetricError>) -> MetricError {
        result.unwrap_err()
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        use MetricError::*;
        let (s, y) = ([0.1, 0.2], [true, false]);
        assert_eq!(err(roc_auc(&[], &[])), Empty);
        assert_eq!(err(roc_auc(&[0.1], &y)), LengthMismatch { scores: 1, labels: 2 });
        let one_class = err(roc_auc(&s, &[true, true]));
        assert_eq!(one_class, OneClass { positives: 2, negatives: 0 });
        let message = "evaluation needs both converted and dead leads: found 2 converted, 0 dead";
        assert_eq!(one_class.to_string(), message);
        assert_eq!(err(average_precision(&[0.1, f64::NAN], &y)), NotFinite { index: 1 });
        assert_eq!(err(decile_table(&[0.1, f64::INFINITY], &y, 2)), NotFinite { index: 1 });
        assert_eq!(err(log_loss(&[0.5, f64::NAN], &y)), NotFinite { index: 1 });
        let out_of_range = ProbabilityOutOfRange { index: 1, value: 1.5 };
        assert_eq!(err(brier(&[0.5, 1.5], &y)), out_of_range);
        assert!(matches!(err(calibration_table(&[-0.1], &[true], 10)), ProbabilityOutOfRange { .. }));
        for bad in [
            err(calibration_table(&s, &y, 0)),
            err(calibration_table(&s, &y, usize::MAX)),
            err(decile_table(&s, &y, 3)),
            err(decile_table(&s, &y, 0)),
            err(precision_recall_at_k(&s, &y, 0)),
            err(precision_recall_at_k(&s, &y, 3)),
        ] {
            assert!(matches!(bad, InvalidParameter { .. }), "{bad:?}");
        }
        // One class is fine for probability metrics.
        assert_eq!(brier(&[0.25], &[false]).unwrap(), 0.0625);
    }
}
