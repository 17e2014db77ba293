//! Splitting labelled leads for honest evaluation.
//!
//! - [`stratified_holdout`]: each class is shuffled (seeded) and the same share of each is
//!   held out, so the hold-out has the history's conversion rate.
//! - [`time_ordered_holdout`]: the newest share of leads (by a date column) is held out —
//!   lead data drifts, and a model must work on leads newer than those it learned from.
//! - [`stratified_folds`]: k folds, each with the history's conversion rate.

use rand::seq::SliceRandom;

use crate::rng::chacha;

/// Indices (into the labelled rows) of training and held-out rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Rows to fit on.
    pub train: Vec<usize>,
    /// Rows to evaluate on.
    pub test: Vec<usize>,
}

fn shuffled_classes(labels: &[bool], seed: u64) -> [Vec<usize>; 2] {
    let mut rng = chacha(seed, 0);
    let mut pos: Vec<usize> = (0..labels.len()).filter(|&i| labels[i]).collect();
    let mut neg: Vec<usize> = (0..labels.len()).filter(|&i| !labels[i]).collect();
    pos.shuffle(&mut rng);
    neg.shuffle(&mut rng);
    [pos, neg]
}

/// Holds out `share` of each class (at least one of each when possible).
pub fn stratified_holdout(labels: &[bool], share: f64, seed: u64) -> Split {
    let mut split = Split { train: Vec::new(), test: Vec::new() };
    for class in shuffled_classes(labels, seed) {
        let k = ((class.len() as f64 * share).round() as usize)
            .clamp(1.min(class.len()), class.len().saturating_sub(1).max(1));
        split.test.extend_from_slice(&class[..k.min(class.len())]);
        split.train.extend_from_slice(&class[k.min(class.len())..]);
    }
    split.train.sort_unstable();
    split.test.sort_unstable();
    split
}

/// Holds out the newest `share` of rows by `dates` (days; NaN = unknown, treated as oldest).
/// Ties are broken by row order, so the split is deterministic.
pub fn time_ordered_holdout(dates: &[f64], share: f64) -> Split {
    let mut order: Vec<usize> = (0..dates.len()).collect();
    let key = |i: usize| if dates[i].is_nan() { f64::NEG_INFINITY } else { dates[i] };
    order.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
    let k = ((dates.len() as f64) * share).round() as usize;
    let cut = dates.len() - k.min(dates.len());
    let mut split = Split { train: order[..cut].to_vec(), test: order[cut..].to_vec() };
    split.train.sort_unstable();
    split.test.sort_unstable();
    split
}

/// k stratified folds: returns, per fold, the split with that fold held out.
pub fn stratified_folds(labels: &[bool], k: usize, seed: u64) -> Vec<Split> {
    let mut fold_of = vec![0usize; labels.len()];
    for class in shuffled_classes(labels, seed) {
        for (r, &i) in class.iter().enumerate() {
            fold_of[i] = r % k;
        }
    }
    (0..k)
        .map(|f| Split {
            train: (0..labels.len()).filter(|&i| fold_of[i] != f).collect(),
            test: (0..labels.len()).filter(|&i| fold_of[i] == f).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<bool> {
        (0..1000).map(|i| i % 4 == 0).collect()
    }

    #[test]
    fn holdout_keeps_the_conversion_rate_and_is_seeded() {
        let y = labels();
        let s = stratified_holdout(&y, 0.2, 1);
        assert_eq!(s.test.len(), 200);
        assert_eq!(s.test.iter().filter(|&&i| y[i]).count(), 50);
        assert_eq!(s.train.len() + s.test.len(), 1000);
        assert_eq!(s, stratified_holdout(&y, 0.2, 1));
        assert_ne!(s, stratified_holdout(&y, 0.2, 2));
    }

    #[test]
    fn time_split_holds_out_the_newest() {
        let d = vec![5.0, 1.0, f64::NAN, 9.0, 3.0];
        let s = time_ordered_holdout(&d, 0.4);
        assert_eq!(s.test, vec![0, 3]);
        assert_eq!(s.train, vec![1, 2, 4]);
    }

    #[test]
    fn folds_partition_the_rows() {
        let y = labels();
        let folds = stratified_folds(&y, 5, 3);
        let mut seen = vec![0; y.len()];
        for f in &folds {
            assert_eq!(f.test.iter().filter(|&&i| y[i]).count(), 50);
            for &i in &f.test {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1));
    }
}
