//! Quantile binning: each training column becomes a `u8` bin column.
//!
//! Numeric columns get at most `max_bins` value bins with raw upper bounds (a split at bin
//! `t` becomes the raw threshold `upper[t]`, so trees never need the binner to predict) and
//! one extra bin for missing values. Categorical columns get one bin per category (the
//! `max_bins - 1` most frequent), plus one "other" bin holding missing, rare and invalid
//! codes; the other bin always goes right.

use rand::seq::index::sample;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::matrix::ColMatrix;

/// Rows sampled to find numeric bin bounds (LightGBM's `bin_construct_sample_cnt`).
const BIN_SAMPLE_ROWS: usize = 200_000;

/// Largest category code accepted; larger codes are treated as unseen.
pub(crate) const MAX_CATEGORY_CODE: f64 = 2_147_483_647.0;

/// The category code of a value, or `None` for missing, negative, non-integer or huge values.
#[inline]
pub(crate) fn category_code(v: f64) -> Option<u32> {
    if (0.0..=MAX_CATEGORY_CODE).contains(&v) && v.fract() == 0.0 {
        Some(v as u32)
    } else {
        None
    }
}

/// How one column maps raw values to bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FeatureBins {
    /// Numeric column: value bin `i` holds `upper[i-1] < v <= upper[i]`; bin `upper.len()` is missing.
    Numeric {
        /// Inclusive upper bound of each value bin; the last is `+inf`.
        #[serde(with = "crate::serde_float::vec")]
        upper: Vec<f64>,
        /// Whether training rows had missing values in this column.
        has_missing: bool,
    },
    /// Categorical column: bin `i` holds code `codes[i]`; bin `codes.len()` is "other" (missing, rare, invalid).
    Categorical {
        /// Category code of each bin, most frequent first.
        codes: Vec<u32>,
    },
}

impl FeatureBins {
    /// Number of value bins (excluding the missing / other bin).
    pub fn n_value_bins(&self) -> usize {
        match self {
            FeatureBins::Numeric { upper, .. } => upper.len(),
            FeatureBins::Categorical { codes } => codes.len(),
        }
    }
}

/// Training data as bins: one `u8` column per feature.
pub(crate) struct BinnedData {
    pub cols: Vec<Vec<u8>>,
    pub bins: Vec<FeatureBins>,
}

/// Midpoint of `a < b` that is `>= a` and `< b`.
fn cut_between(a: f64, b: f64) -> f64 {
    let m = a + (b - a) / 2.0;
    if m >= a && m < b {
        m
    } else {
        a
    }
}

/// Upper bounds for at most `max_bins` bins over the sorted non-missing `values`.
pub(crate) fn numeric_upper_bounds(values: &mut [f64], max_bins: usize) -> Vec<f64> {
    values.sort_unstable_by(|a, b| a.total_cmp(b));
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &v in values.iter() {
        match distinct.last_mut() {
            Some((d, c)) if *d == v => *c += 1,
            _ => distinct.push((v, 1)),
        }
    }
    let mut upper = Vec::new();
    if distinct.len() <= max_bins {
        for w in distinct.windows(2) {
            upper.push(cut_between(w[0].0, w[1].0));
        }
    } else {
        // Greedy quantiles: close a bin once it holds its share of the rows still to place,
        // re-spreading the remainder so a heavy value does not starve the later bins.
        let mut remaining_rows = values.len();
        let mut remaining_bins = max_bins;
        let mut target = remaining_rows as f64 / remaining_bins as f64;
        let mut acc = 0usize;
        for i in 0..distinct.len() - 1 {
            acc += distinct[i].1;
            let left_after = distinct.len() - 1 - i;
            if acc as f64 >= target || left_after < remaining_bins {
                upper.push(cut_between(distinct[i].0, distinct[i + 1].0));
                remaining_rows -= acc;
                remaining_bins -= 1;
                acc = 0;
                if remaining_bins == 1 {
                    break;
                }
                target = remaining_rows as f64 / remaining_bins as f64;
            }
        }
    }
    upper.push(f64::INFINITY);
    upper
}

/// Bin of a numeric value given `upper` bounds; missing goes to `upper.len()`.
#[inline]
pub(crate) fn numeric_bin(upper: &[f64], v: f64) -> u8 {
    if v.is_nan() {
        upper.len() as u8
    } else {
        upper.partition_point(|&u| u < v) as u8
    }
}

fn fit_categorical(col: &[f64], max_bins: usize) -> FeatureBins {
    let mut codes: Vec<u32> = col.iter().filter_map(|&v| category_code(v)).collect();
    codes.sort_unstable();
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for c in codes {
        match counts.last_mut() {
            Some((d, n)) if *d == c => *n += 1,
            _ => counts.push((c, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.truncate(max_bins - 1);
    FeatureBins::Categorical { codes: counts.into_iter().map(|(c, _)| c).collect() }
}

fn bin_categorical(codes: &[u32], col: &[f64]) -> Vec<u8> {
    let mut lookup: Vec<(u32, u8)> = codes.iter().enumerate().map(|(b, &c)| (c, b as u8)).collect();
    lookup.sort_unstable();
    let other = codes.len() as u8;
    col.iter()
        .map(|&v| match category_code(v) {
            Some(c) => match lookup.binary_search_by_key(&c, |e| e.0) {
                Ok(i) => lookup[i].1,
                Err(_) => other,
            },
            None => other,
        })
        .collect()
}

/// Fits bins on the training matrix (shape already checked) and bins it, column-parallel.
pub(crate) fn bin_training(x: &ColMatrix, is_categorical: &[bool], max_bins: usize, seed: u64) -> BinnedData {
    let n = x.n_rows;
    let sample_rows: Option<Vec<usize>> = if n > BIN_SAMPLE_ROWS {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9E37_79B9_7F4A_7C15);
        let mut idx = sample(&mut rng, n, BIN_SAMPLE_ROWS).into_vec();
        idx.sort_unstable();
        Some(idx)
    } else {
        None
    };
    let per_col: Vec<(FeatureBins, Vec<u8>)> = (0..x.n_cols)
        .into_par_iter()
        .map(|j| {
            let col = &x.data[j * n..(j + 1) * n];
            if is_categorical[j] {
                let fb = fit_categorical(col, max_bins);
                let binned = match &fb {
                    FeatureBins::Categorical { codes } => bin_categorical(codes, col),
                    FeatureBins::Numeric { .. } => unreachable!("fit_categorical returns Categorical"),
                };
                (fb, binned)
            } else {
                let mut vals: Vec<f64> = match &sample_rows {
                    Some(idx) => idx.iter().map(|&i| col[i]).filter(|v| !v.is_nan()).collect(),
                    None => col.iter().copied().filter(|v| !v.is_nan()).collect(),
                };
                let upper = numeric_upper_bounds(&mut vals, max_bins);
                let binned: Vec<u8> = col.iter().map(|&v| numeric_bin(&upper, v)).collect();
                let has_missing = col.iter().any(|v| v.is_nan());
                (FeatureBins::Numeric { upper, has_missing }, binned)
            }
        })
        .collect();
    let (bins, cols) = per_col.into_iter().unzip();
    BinnedData { cols, bins }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_midpoint_bounds() {
        let mut v = vec![3.0, 1.0, 2.0, 2.0, 1.0];
        assert_eq!(numeric_upper_bounds(&mut v, 255), vec![1.5, 2.5, f64::INFINITY]);
        let upper = [1.5, 2.5, f64::INFINITY];
        assert_eq!(numeric_bin(&upper, 1.0), 0);
        assert_eq!(numeric_bin(&upper, 1.5), 0);
        assert_eq!(numeric_bin(&upper, 2.0), 1);
        assert_eq!(numeric_bin(&upper, 1e9), 2);
        assert_eq!(numeric_bin(&upper, f64::NAN), 3);
    }

    #[test]
    fn many_values_become_equal_count_bins() {
        // 0..1000 into 4 bins: quartiles cut after 249, 499, 749.
        let mut v: Vec<f64> = (0..1000).map(f64::from).collect();
        let u = numeric_upper_bounds(&mut v, 4);
        assert_eq!(u, vec![249.5, 499.5, 749.5, f64::INFINITY]);
        // A heavy value takes a bin of its own and the rest is re-spread.
        let mut v: Vec<f64> = std::iter::repeat_n(0.0, 600).chain((1..=400).map(f64::from)).collect();
        let u = numeric_upper_bounds(&mut v, 3);
        assert_eq!(u, vec![0.5, 200.5, f64::INFINITY]);
    }

    #[test]
    fn categories_ranked_by_frequency_and_invalid_codes_go_to_other() {
        let col = [2.0, 2.0, 7.0, f64::NAN, -1.0, 2.5, 7.0, 2.0, 9.0];
        let fb = fit_categorical(&col, 3);
        assert_eq!(fb, FeatureBins::Categorical { codes: vec![2, 7] });
        assert_eq!(bin_categorical(&[2, 7], &col), vec![0, 0, 1, 2, 2, 2, 1, 0, 2]);
        assert_eq!(category_code(3.0), Some(3));
        assert_eq!(category_code(-0.5), None);
        assert_eq!(category_code(1e12), None);
    }

    #[test]
    fn bin_training_marks_missing_and_bins_columns() {
        let data = [1.0, f64::NAN, 3.0, 0.0, 1.0, 1.0];
        let x = ColMatrix::new(&data, 3, 2).unwrap();
        let b = bin_training(&x, &[false, true], 255, 0);
        assert_eq!(b.cols[0], vec![0, 2, 1]);
        assert_eq!(b.bins[0], FeatureBins::Numeric { upper: vec![2.0, f64::INFINITY], has_missing: true });
        assert_eq!(b.bins[1], FeatureBins::Categorical { codes: vec![1, 0] });
        assert_eq!(b.cols[1], vec![1, 0, 0]);
    }
}
