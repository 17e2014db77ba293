//! Categorical splits, LightGBM-style.
//!
//! With at most `max_cat_to_onehot` categories, each category is tried alone on the left
//! (one-vs-rest). Otherwise categories with at least `cat_smooth` rows are sorted by
//! `sum_grad / (sum_hess + cat_smooth)` and prefixes of that order are scanned from both
//! ends, up to `max_cat_threshold` categories, with `lambda_l2 + cat_l2` regularising the
//! child outputs and `min_data_per_group` rows required per step and on the right.
//!
//! The left side is a set of categories; everything else goes right: the "other" bin
//! (missing, rare, negative or non-integer codes) and, at prediction time, any category
//! never seen in training.

use crate::histogram::FeatureHist;
use crate::monotone::LeafBounds;
use crate::split::{big_enough, parent_gain, split_gain, SplitCandidate, SplitConfig, SplitRule, Sums};

fn set_bit(bits: &mut [u64; 4], b: usize) {
    bits[b / 64] |= 1u64 << (b % 64);
}

/// Best categorical split on a feature with `n_cats` category bins (`0..n_cats`).
pub(crate) fn best_categorical(
    feature: usize,
    hist: &FeatureHist,
    n_cats: usize,
    total: &Sums,
    cfg: &SplitConfig,
    bounds: &LeafBounds,
) -> Option<SplitCandidate> {
    let min_gain_shift = parent_gain(total, cfg.l2, bounds) + cfg.min_gain_to_split;
    let mut best_gain = f64::NEG_INFINITY;
    let mut best: Option<SplitCandidate> = None;
    let mut consider = |gain: f64, wl: f64, wr: f64, left: Sums, right: Sums, bits: [u64; 4]| {
        if gain > min_gain_shift && gain > best_gain {
            best_gain = gain;
            best = Some(SplitCandidate {
                feature,
                gain: gain - min_gain_shift,
                rule: SplitRule::Categorical { left_bins: bits },
                left,
                right,
                left_output: wl,
                right_output: wr,
            });
        }
    };
    if n_cats <= cfg.max_cat_to_onehot {
        for t in 0..n_cats {
            let mut left = Sums::default();
            left.add(&hist.bin(t));
            let right = total.minus(&left);
            if !big_enough(&left, cfg) || !big_enough(&right, cfg) {
                continue;
            }
            if let Some((gain, wl, wr)) = split_gain(&left, &right, cfg.l2, bounds, 0) {
                let mut bits = [0u64; 4];
                set_bit(&mut bits, t);
                consider(gain, wl, wr, left, right, bits);
            }
        }
        return best;
    }
    let mut order: Vec<usize> =
        (0..n_cats).filter(|&t| hist.count(t) > 0 && f64::from(hist.count(t)) >= cfg.cat_smooth).collect();
    let ctr = |t: usize| {
        let b = hist.bin(t);
        b.grad / (b.hess + cfg.cat_smooth)
    };
    order.sort_by(|&a, &b| ctr(a).total_cmp(&ctr(b)));
    let used = order.len();
    let max_num_cat = cfg.max_cat_threshold.min(used.div_ceil(2));
    let l2 = cfg.l2 + cfg.cat_l2;
    for reverse in [false, true] {
        let mut left = Sums::default();
        let mut in_group = 0.0;
        let mut bits = [0u64; 4];
        for i in 0..used.min(max_num_cat) {
            let t = if reverse { order[used - 1 - i] } else { order[i] };
            left.add(&hist.bin(t));
            in_group += f64::from(hist.count(t));
            set_bit(&mut bits, t);
            if !big_enough(&left, cfg) {
                continue;
            }
            let right = total.minus(&left);
            if !big_enough(&right, cfg) || right.n < cfg.min_data_per_group {
                break;
            }
            if in_group < cfg.min_data_per_group {
                continue;
            }
            in_group = 0.0;
            if let Some((gain, wl, wr)) = split_gain(&left, &right, l2, bounds, 0) {
                consider(gain, wl, wr, left, right, bits);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::tests::{cfg, hist_of};

    fn bins_of(s: &SplitCandidate) -> Vec<usize> {
        match &s.rule {
            SplitRule::Categorical { left_bins } => {
                (0..256).filter(|b| left_bins[b / 64] >> (b % 64) & 1 == 1).collect()
            }
            _ => panic!("not categorical"),
        }
    }

    #[test]
    fn one_vs_rest_for_few_categories() {
        // 3 categories + other bin; category 1 is the odd one out.
        let bins = [(1.0, 1.0, 5.0), (-6.0, 2.0, 5.0), (1.0, 1.0, 5.0), (1.0, 1.0, 5.0)];
        let total = Sums { g: -3.0, h: 5.0, n: 20.0 };
        let s = best_categorical(0, &hist_of(&bins), 3, &total, &cfg(1.0), &LeafBounds::NONE).unwrap();
        assert_eq!(bins_of(&s), vec![1]);
        // gain = 36/2 + 9/3 - 9/5
        assert!((s.gain - (18.0 + 3.0 - 1.8)).abs() < 1e-12);
        assert_eq!(s.left_output, 3.0);
    }

    #[test]
    fn sorted_scan_groups_categories_by_gradient_ratio() {
        // 6 categories, 20 rows each: ratios put {0, 3, 5} negative, {1, 2, 4} positive.
        let g = [-8.0, 6.0, 7.0, -9.0, 5.0, -7.0];
        let bins: Vec<(f64, f64, f64)> = g.iter().map(|&g| (g, 5.0, 20.0)).collect();
        let total = Sums { g: g.iter().sum(), h: 30.0, n: 120.0 };
        let mut c = cfg(1.0);
        c.cat_l2 = 0.0;
        let s = best_categorical(0, &hist_of(&bins), 6, &total, &c, &LeafBounds::NONE).unwrap();
        assert_eq!(bins_of(&s), vec![0, 3, 5]);
        // left G=-24,H=15; right G=18,H=15; parent G=-6,H=30.
        assert!((s.gain - (576.0 / 15.0 + 324.0 / 15.0 - 36.0 / 30.0)).abs() < 1e-12);
        // cat_l2 shrinks the outputs: -(-24)/(15+10).
        c.cat_l2 = 10.0;
        let s = best_categorical(0, &hist_of(&bins), 6, &total, &c, &LeafBounds::NONE).unwrap();
        assert_eq!(s.left_output, 24.0 / 25.0);
        // min_data_per_group larger than any feasible group: no split.
        c.min_data_per_group = 100.0;
        assert!(best_categorical(0, &hist_of(&bins), 6, &total, &c, &LeafBounds::NONE).is_none());
    }
}
