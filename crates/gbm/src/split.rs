//! Split finding on one feature's histogram: gain formulas, leaf outputs and the numeric
//! threshold scan with a learned direction for missing values.
//!
//! Follows LightGBM's `FindBestThresholdSequentially`: a reverse scan (high bins to low,
//! missing rows counted on the left) and, for columns that had missing values in training,
//! a forward scan (missing rows on the right). A candidate must beat the parent's gain plus
//! `min_gain_to_split`; ties keep the first candidate found (reverse scan, higher threshold).

use crate::histogram::{FeatureHist, HistBin};
use crate::monotone::{respects, LeafBounds};

/// Split-finding settings taken from the checked parameters.
#[derive(Clone, Debug)]
pub(crate) struct SplitConfig {
    pub l2: f64,
    pub min_data_in_leaf: f64,
    pub min_sum_hessian: f64,
    pub min_gain_to_split: f64,
    pub max_cat_to_onehot: usize,
    pub max_cat_threshold: usize,
    pub cat_smooth: f64,
    pub cat_l2: f64,
    pub min_data_per_group: f64,
}

/// Gradient, hessian and row-count sums of a set of rows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Sums {
    pub g: f64,
    pub h: f64,
    pub n: f64,
}

impl Sums {
    #[inline]
    pub fn add(&mut self, b: &HistBin) {
        self.g += b.grad;
        self.h += b.hess;
        self.n += b.count;
    }
    #[inline]
    pub fn minus(&self, o: &Sums) -> Sums {
        Sums { g: self.g - o.g, h: self.h - o.h, n: self.n - o.n }
    }
}

/// How a chosen split sends a row's bin left.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SplitRule {
    /// Bins `<= bin` go left; the missing bin goes left iff `default_left`.
    Numeric { bin: u8, default_left: bool },
    /// Bins whose bit is set go left; everything else (incl. the "other" bin) goes right.
    Categorical { left_bins: [u64; 4] },
}

/// The best split found for a leaf.
#[derive(Clone, Debug)]
pub(crate) struct SplitCandidate {
    pub feature: usize,
    /// Improvement over the parent: children's gain minus parent's gain minus `min_gain_to_split`.
    pub gain: f64,
    pub rule: SplitRule,
    pub left: Sums,
    pub right: Sums,
    pub left_output: f64,
    pub right_output: f64,
}

impl SplitCandidate {
    /// LightGBM's ordering: higher gain, then lower feature index.
    pub fn better_than(&self, other: &SplitCandidate) -> bool {
        self.gain > other.gain || (self.gain == other.gain && self.feature < other.feature)
    }
}

/// Unconstrained Newton step `-G / (H + l2)`, clamped into `bounds`.
#[inline]
pub(crate) fn leaf_output(s: &Sums, l2: f64, bounds: &LeafBounds) -> f64 {
    let d = s.h + l2;
    let w = if d > 0.0 { -s.g / d } else { 0.0 };
    bounds.clamp(w)
}

#[inline]
fn leaf_gain(s: &Sums, l2: f64) -> f64 {
    let d = s.h + l2;
    if d > 0.0 {
        s.g * s.g / d
    } else {
        0.0
    }
}

#[inline]
fn gain_given_output(s: &Sums, l2: f64, w: f64) -> f64 {
    -(2.0 * s.g * w + (s.h + l2) * w * w)
}

/// Gain of a leaf before splitting (what a split must beat).
pub(crate) fn parent_gain(total: &Sums, l2: f64, bounds: &LeafBounds) -> f64 {
    if bounds.is_unbounded() {
        leaf_gain(total, l2)
    } else {
        gain_given_output(total, l2, leaf_output(total, l2, bounds))
    }
}

/// Children's gain and outputs, or `None` when the monotone direction is violated.
#[inline]
pub(crate) fn split_gain(
    left: &Sums,
    right: &Sums,
    l2: f64,
    bounds: &LeafBounds,
    direction: i8,
) -> Option<(f64, f64, f64)> {
    let wl = leaf_output(left, l2, bounds);
    let wr = leaf_output(right, l2, bounds);
    if direction == 0 && bounds.is_unbounded() {
        return Some((leaf_gain(left, l2) + leaf_gain(right, l2), wl, wr));
    }
    if !respects(direction, wl, wr) {
        return None;
    }
    Some((gain_given_output(left, l2, wl) + gain_given_output(right, l2, wr), wl, wr))
}

/// Whether a side holds enough rows and hessian.
#[inline]
pub(crate) fn big_enough(s: &Sums, cfg: &SplitConfig) -> bool {
    s.n >= cfg.min_data_in_leaf && s.h >= cfg.min_sum_hessian
}

/// Best threshold on a numeric feature with `n_value_bins` value bins (the missing bin is
/// `n_value_bins`). `has_missing` says whether the column had missing values in training.
#[allow(clippy::too_many_arguments)]
pub(crate) fn best_numeric(
    feature: usize,
    hist: &FeatureHist,
    n_value_bins: usize,
    has_missing: bool,
    total: &Sums,
    cfg: &SplitConfig,
    bounds: &LeafBounds,
    direction: i8,
) -> Option<SplitCandidate> {
    let min_gain_shift = parent_gain(total, cfg.l2, bounds) + cfg.min_gain_to_split;
    let mut best: Option<(f64, u8, bool, Sums, Sums, f64, f64)> = None;
    let mut best_gain = f64::NEG_INFINITY;
    // Reverse scan: right side accumulates bins from the top; missing rows stay on the left.
    let mut right = Sums::default();
    for t in (1..n_value_bins).rev() {
        right.add(&hist.bin(t));
        // An empty bin repeats the previous partition and gain, which cannot win a strict
        // comparison: skip the gain computation (deep leaves leave most bins empty).
        if hist.count(t) == 0 || !big_enough(&right, cfg) {
            continue;
        }
        let left = total.minus(&right);
        if !big_enough(&left, cfg) {
            break;
        }
        if let Some((gain, wl, wr)) = split_gain(&left, &right, cfg.l2, bounds, direction) {
            if gain > min_gain_shift && gain > best_gain {
                best_gain = gain;
                best = Some((gain, (t - 1) as u8, true, left, right, wl, wr));
            }
        }
    }
    // Forward scan: left side accumulates bins from the bottom; missing rows go right. Only
    // when this leaf holds missing rows: otherwise both scans see the same partitions and a
    // rounding-level gain difference would pick the missing side at random (LightGBM keeps
    // missing-left there too).
    if has_missing && hist.count(n_value_bins) > 0 {
        let mut left = Sums::default();
        for t in 0..n_value_bins {
            left.add(&hist.bin(t));
            if hist.count(t) == 0 || !big_enough(&left, cfg) {
                continue;
            }
            let right = total.minus(&left);
            if !big_enough(&right, cfg) {
                break;
            }
            if let Some((gain, wl, wr)) = split_gain(&left, &right, cfg.l2, bounds, direction) {
                if gain > min_gain_shift && gain > best_gain {
                    best_gain = gain;
                    best = Some((gain, t as u8, false, left, right, wl, wr));
                }
            }
        }
    }
    best.map(|(gain, bin, default_left, left, right, left_output, right_output)| SplitCandidate {
        feature,
        gain: gain - min_gain_shift,
        rule: SplitRule::Numeric { bin, default_left },
        left,
        right,
        left_output,
        right_output,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn cfg(min_data: f64) -> SplitConfig {
        SplitConfig {
            l2: 0.0,
            min_data_in_leaf: min_data,
            min_sum_hessian: 0.0,
            min_gain_to_split: 0.0,
            max_cat_to_onehot: 4,
            max_cat_threshold: 32,
            cat_smooth: 10.0,
            cat_l2: 10.0,
            min_data_per_group: 1.0,
        }
    }

    pub(crate) fn hist_of(bins: &[(f64, f64, f64)]) -> Box<FeatureHist> {
        let mut h = crate::histogram::zeroed();
        for (i, &(g, hs, n)) in bins.iter().enumerate() {
            h.set(i, g, hs, n as u32);
        }
        h
    }

    fn total(bins: &[(f64, f64, f64)]) -> Sums {
        bins.iter().fold(Sums::default(), |mut s, &(g, h, n)| {
            s.add(&HistBin { grad: g, hess: h, count: n });
            s
        })
    }

    #[test]
    fn picks_the_threshold_with_the_hand_computed_best_gain() {
        // Bins: (G, H, n). Splitting after bin 1: left G=-4,H=2 -> 8; right G=4,H=2 -> 8; parent 0.
        let bins = [(-2.0, 1.0, 4.0), (-2.0, 1.0, 4.0), (3.0, 1.0, 4.0), (1.0, 1.0, 4.0), (0.0, 0.0, 0.0)];
        let s = best_numeric(0, &hist_of(&bins), 4, false, &total(&bins), &cfg(1.0), &LeafBounds::NONE, 0).unwrap();
        assert_eq!(s.rule, SplitRule::Numeric { bin: 1, default_left: true });
        assert_eq!(s.gain, 16.0);
        assert_eq!((s.left_output, s.right_output), (2.0, -2.0));
        // min_data_in_leaf = 9 forbids every split (each side would hold at most 8 rows... or 12 vs 4).
        assert!(best_numeric(0, &hist_of(&bins), 4, false, &total(&bins), &cfg(9.0), &LeafBounds::NONE, 0).is_none());
    }

    #[test]
    fn missing_rows_go_to_the_side_that_gains_more() {
        // Values: bin0 G=-3, bin1 G=+3; missing (bin 2) has G=+3 -> belongs with bin1 (right).
        let bins = [(-3.0, 1.0, 5.0), (3.0, 1.0, 5.0), (3.0, 1.0, 5.0)];
        let s = best_numeric(0, &hist_of(&bins), 2, true, &total(&bins), &cfg(1.0), &LeafBounds::NONE, 0).unwrap();
        assert_eq!(s.rule, SplitRule::Numeric { bin: 0, default_left: false });
        assert_eq!(s.right.n, 10.0);
        // Missing with G=-3 belongs with bin0: reverse scan, missing left.
        let bins = [(-3.0, 1.0, 5.0), (3.0, 1.0, 5.0), (-3.0, 1.0, 5.0)];
        let s = best_numeric(0, &hist_of(&bins), 2, true, &total(&bins), &cfg(1.0), &LeafBounds::NONE, 0).unwrap();
        assert_eq!(s.rule, SplitRule::Numeric { bin: 0, default_left: true });
        assert_eq!(s.left.n, 10.0);
    }

    #[test]
    fn monotone_direction_rejects_wrong_way_splits_and_clamps() {
        // Increasing target in the bins: fine for +1, rejected for -1.
        let bins = [(2.0, 1.0, 5.0), (-2.0, 1.0, 5.0)];
        let t = total(&bins);
        let up = best_numeric(0, &hist_of(&bins), 2, false, &t, &cfg(1.0), &LeafBounds::NONE, 1).unwrap();
        assert_eq!((up.left_output, up.right_output), (-2.0, 2.0));
        assert!(best_numeric(0, &hist_of(&bins), 2, false, &t, &cfg(1.0), &LeafBounds::NONE, -1).is_none());
        let b = LeafBounds { min: -1.0, max: 1.0 };
        let c = best_numeric(0, &hist_of(&bins), 2, false, &t, &cfg(1.0), &b, 1).unwrap();
        assert_eq!((c.left_output, c.right_output), (-1.0, 1.0));
        // gain given clamped outputs: -(2*2*(-1) + 1*1) * 2 sides = 3 + 3 = 6 over parent 0.
        assert_eq!(c.gain, 6.0);
    }
}
