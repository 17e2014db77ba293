//! Parameters: [`GbmParams`] (unchecked, serde-friendly, LightGBM's defaults) become
//! [`ValidGbmParams`] through [`GbmParams::check`], the only type that can `fit`.

use serde::{Deserialize, Serialize};

use crate::error::{invalid, GbmError};

/// Deepest tree the engine grows or accepts from a file (bounds TreeSHAP's recursion).
pub const MAX_TREE_DEPTH: usize = 256;

/// Boosting parameters, named and defaulted as in LightGBM.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GbmParams {
    /// Boosting rounds (trees). Default 200.
    pub num_trees: usize,
    /// Shrinkage applied to every leaf value. Default 0.1.
    pub learning_rate: f64,
    /// Maximum leaves per tree (leaf-wise growth). Default 31.
    pub num_leaves: usize,
    /// Maximum depth; -1 = unlimited (still capped at [`MAX_TREE_DEPTH`]). Default -1.
    pub max_depth: i32,
    /// Minimum training rows per leaf. Default 20.
    pub min_data_in_leaf: usize,
    /// Minimum hessian sum per leaf. Default 1e-3.
    pub min_sum_hessian_in_leaf: f64,
    /// L2 regularisation on leaf values. Default 0.
    pub lambda_l2: f64,
    /// Minimum gain for a split. Default 0.
    pub min_gain_to_split: f64,
    /// Fraction of columns sampled per tree. Default 1.
    pub feature_fraction: f64,
    /// Fraction of rows sampled (bagging). Default 1.
    pub bagging_fraction: f64,
    /// Resample the bag every this many trees; 0 = no bagging. Default 0.
    pub bagging_freq: usize,
    /// Maximum value bins per column (a missing bin comes on top). Default 255.
    pub max_bins: usize,
    /// Stop when the validation log loss has not improved for this many rounds.
    pub early_stopping_rounds: Option<usize>,
    /// Seed for bagging and column sampling.
    pub seed: u64,
    /// Worker threads; 0 = rayon's default.
    pub n_threads: usize,
    /// Indices of categorical columns (integer codes `0, 1, 2, ...` stored as `f64`). A split
    /// sends a set of categories left and everything else right: missing values, negative or
    /// non-integer codes, categories too rare to get a bin, and categories never seen in
    /// training all go right. They are never an error.
    pub categorical: Vec<usize>,
    /// Empty, or one entry per column: -1 decreasing, 0 none, +1 increasing.
    pub monotone: Vec<i8>,
    /// Categorical columns with at most this many categories use one-vs-rest splits. Default 4.
    pub max_cat_to_onehot: usize,
    /// Maximum categories on the left side of a categorical split. Default 32.
    pub max_cat_threshold: usize,
    /// Smoothing added to the hessian when ordering categories; categories with fewer rows are not candidates. Default 10.
    pub cat_smooth: f64,
    /// Extra L2 for categorical splits. Default 10.
    pub cat_l2: f64,
    /// Minimum rows per category group in a categorical split. Default 100.
    pub min_data_per_group: usize,
}

impl Default for GbmParams {
    fn default() -> Self {
        GbmParams {
            num_trees: 200,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: -1,
            min_data_in_leaf: 20,
            min_sum_hessian_in_leaf: 1e-3,
            lambda_l2: 0.0,
            min_gain_to_split: 0.0,
            feature_fraction: 1.0,
            bagging_fraction: 1.0,
            bagging_freq: 0,
            max_bins: 255,
            early_stopping_rounds: None,
            seed: 0,
            n_threads: 0,
            categorical: Vec::new(),
            monotone: Vec::new(),
            max_cat_to_onehot: 4,
            max_cat_threshold: 32,
            cat_smooth: 10.0,
            cat_l2: 10.0,
            min_data_per_group: 100,
        }
    }
}

/// Parameters that passed [`GbmParams::check`] for a given number of columns.
#[derive(Clone, Debug)]
pub struct ValidGbmParams {
    pub(crate) params: GbmParams,
    pub(crate) n_features: usize,
    pub(crate) is_categorical: Vec<bool>,
    /// One entry per column (zeros when no constraints were given).
    pub(crate) monotone: Vec<i8>,
    /// Effective depth limit (`max_depth`, or [`MAX_TREE_DEPTH`] when unlimited).
    pub(crate) depth_limit: usize,
}

impl ValidGbmParams {
    /// The checked parameters.
    pub fn params(&self) -> &GbmParams {
        &self.params
    }
    /// Number of columns these parameters were checked for.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
}

fn check_finite_range(
    name: &'static str,
    v: f64,
    lo: f64,
    lo_incl: bool,
    hi: f64,
    expected: &'static str,
) -> Result<(), GbmError> {
    let lo_ok = if lo_incl { v >= lo } else { v > lo };
    if v.is_finite() && lo_ok && v <= hi {
        Ok(())
    } else {
        Err(invalid(name, v, expected))
    }
}

impl GbmParams {
    /// Checks every parameter against its range for data with `n_features` columns.
    pub fn check(self, n_features: usize) -> Result<ValidGbmParams, GbmError> {
        let p = &self;
        if n_features == 0 {
            return Err(invalid("n_features", 0, "at least 1 column"));
        }
        if p.num_trees == 0 {
            return Err(invalid("num_trees", p.num_trees, ">= 1"));
        }
        check_finite_range("learning_rate", p.learning_rate, 0.0, false, f64::MAX, "a finite number > 0")?;
        if !(2..=131_072).contains(&p.num_leaves) {
            return Err(invalid("num_leaves", p.num_leaves, "2..=131072"));
        }
        let depth_limit = match p.max_depth {
            -1 => MAX_TREE_DEPTH,
            d if d >= 1 && d as usize <= MAX_TREE_DEPTH => d as usize,
            d => return Err(invalid("max_depth", d, "-1 (unlimited) or 1..=256")),
        };
        if p.min_data_in_leaf == 0 {
            return Err(invalid("min_data_in_leaf", 0, ">= 1"));
        }
        check_finite_range(
            "min_sum_hessian_in_leaf",
            p.min_sum_hessian_in_leaf,
            0.0,
            true,
            f64::MAX,
            "a finite number >= 0",
        )?;
        check_finite_range("lambda_l2", p.lambda_l2, 0.0, true, f64::MAX, "a finite number >= 0")?;
        check_finite_range("min_gain_to_split", p.min_gain_to_split, 0.0, true, f64::MAX, "a finite number >= 0")?;
        check_finite_range("feature_fraction", p.feature_fraction, 0.0, false, 1.0, "0 < feature_fraction <= 1")?;
        check_finite_range("bagging_fraction", p.bagging_fraction, 0.0, false, 1.0, "0 < bagging_fraction <= 1")?;
        if !(2..=255).contains(&p.max_bins) {
            return Err(invalid("max_bins", p.max_bins, "2..=255"));
        }
        if p.early_stopping_rounds == Some(0) {
            return Err(invalid("early_stopping_rounds", 0, "None or >= 1"));
        }
        if p.n_threads > 1024 {
            return Err(invalid("n_threads", p.n_threads, "0 (rayon default) ..= 1024"));
        }
        if p.max_cat_to_onehot == 0 {
            return Err(invalid("max_cat_to_onehot", 0, ">= 1"));
        }
        if p.max_cat_threshold == 0 {
            return Err(invalid("max_cat_threshold", 0, ">= 1"));
        }
        check_finite_range("cat_smooth", p.cat_smooth, 0.0, true, f64::MAX, "a finite number >= 0")?;
        check_finite_range("cat_l2", p.cat_l2, 0.0, true, f64::MAX, "a finite number >= 0")?;
        if p.min_data_per_group == 0 {
            return Err(invalid("min_data_per_group", 0, ">= 1"));
        }
        let mut is_categorical = vec![false; n_features];
        for &c in &p.categorical {
            if c >= n_features {
                return Err(GbmError::CategoricalOutOfRange { column: c, n_features });
            }
            is_categorical[c] = true;
        }
        let monotone = if p.monotone.is_empty() {
            vec![0; n_features]
        } else if p.monotone.len() != n_features {
            return Err(GbmError::MonotoneLength { expected: n_features, found: p.monotone.len() });
        } else {
            for (j, &m) in p.monotone.iter().enumerate() {
                if !(-1..=1).contains(&m) {
                    return Err(GbmError::InvalidParam {
                        name: "monotone",
                        value: format!("{m} (at column {j})"),
                        expected: "-1, 0 or +1 per column",
                    });
                }
                if m != 0 && is_categorical[j] {
                    return Err(GbmError::MonotoneOnCategorical { column: j, value: m });
                }
            }
            p.monotone.clone()
        };
        Ok(ValidGbmParams { params: self, n_features, is_categorical, monotone, depth_limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(p: GbmParams, n: usize) -> String {
        p.check(n).unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_lightgbms_and_pass() {
        let p = GbmParams::default();
        assert_eq!((p.num_trees, p.num_leaves, p.max_depth, p.min_data_in_leaf, p.max_bins), (200, 31, -1, 20, 255));
        assert_eq!((p.learning_rate, p.min_sum_hessian_in_leaf, p.cat_smooth, p.cat_l2), (0.1, 1e-3, 10.0, 10.0));
        let v = p.check(3).unwrap();
        assert_eq!(v.monotone, vec![0, 0, 0]);
        assert_eq!(v.depth_limit, MAX_TREE_DEPTH);
    }

    #[test]
    fn bad_values_are_rejected_with_name_value_and_range() {
        let m = msg(GbmParams { learning_rate: 0.0, ..Default::default() }, 2);
        assert_eq!(m, "parameter `learning_rate` = 0 is invalid: expected a finite number > 0");
        let m = msg(GbmParams { num_leaves: 1, ..Default::default() }, 2);
        assert_eq!(m, "parameter `num_leaves` = 1 is invalid: expected 2..=131072");
        let m = msg(GbmParams { bagging_fraction: 1.5, ..Default::default() }, 2);
        assert_eq!(m, "parameter `bagging_fraction` = 1.5 is invalid: expected 0 < bagging_fraction <= 1");
        let m = msg(GbmParams { learning_rate: f64::NAN, ..Default::default() }, 2);
        assert!(m.contains("learning_rate` = NaN"), "{m}");
        let m = msg(GbmParams { max_depth: 0, ..Default::default() }, 2);
        assert!(m.contains("max_depth` = 0"), "{m}");
        let m = msg(GbmParams { max_bins: 1000, ..Default::default() }, 2);
        assert!(m.contains("max_bins` = 1000"), "{m}");
        let m = msg(GbmParams { early_stopping_rounds: Some(0), ..Default::default() }, 2);
        assert!(m.contains("early_stopping_rounds"), "{m}");
    }

    #[test]
    fn monotone_and_categorical_are_checked_against_columns() {
        let m = msg(GbmParams { monotone: vec![1, 0, -1], ..Default::default() }, 2);
        assert!(m.contains("has 3 entries but the data has 2 columns"), "{m}");
        let m = msg(GbmParams { monotone: vec![1, 2], ..Default::default() }, 2);
        assert!(m.contains("`monotone` = 2 (at column 1)"), "{m}");
        let m = msg(GbmParams { monotone: vec![0, 1], categorical: vec![1], ..Default::default() }, 2);
        assert!(m.contains("`monotone[1]` = 1 but column 1 is categorical"), "{m}");
        let m = msg(GbmParams { categorical: vec![5], ..Default::default() }, 2);
        assert!(m.contains("column 5 but the data has 2 columns"), "{m}");
    }

    #[test]
    fn params_deserialize_with_defaults_and_reject_unknown_fields() {
        let p: GbmParams = serde_json::from_str(r#"{"num_leaves": 7}"#).unwrap();
        assert_eq!(p, GbmParams { num_leaves: 7, ..Default::default() });
        assert!(serde_json::from_str::<GbmParams>(r#"{"num_leafs": 7}"#).is_err());
    }
}
