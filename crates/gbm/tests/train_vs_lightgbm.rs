//! Our trainer against LightGBM (version recorded in each fixture) on exactly-binnable data:
//! integer features with fewer distinct values than bins, no bagging, identical parameters,
//! LightGBM run with `min_data_in_bin=1, max_bin=255, feature_pre_filter=False,
//! boost_from_average=True, deterministic=True, force_col_wise=True`.
//!
//! What is reached, and why not more:
//! * With limits that both engines evaluate exactly (`min_data_in_leaf = 1`,
//!   `min_sum_hessian_in_leaf = 1`), all 40 trees are identical split for split (numeric,
//!   missing values, categorical) and hold-out raw scores agree to ~1.6e-8. The residual is
//!   LightGBM storing gradients and hessians as `float` (its `score_t`) while we keep `f64`:
//!   rounding our gradients to f32 (tried while writing this test) brings the comparisons
//!   to <= 5e-16. So the tolerance is 5e-8.
//! * Two kinds of tie are decided by float noise in LightGBM and are not reproduced: the
//!   missing-value side of a split in a leaf that had no missing values (we keep LightGBM's
//!   usual missing-left there) and which of two complementary category sets goes left.
//!   Neither changes a training partition.
//! * With `min_data_in_leaf = 20` the models separate after ~10 trees: LightGBM checks
//!   `min_data_in_leaf`, `min_data_per_group` and `cat_smooth` against row counts
//!   *estimated* from hessians (`round(hess * n / sum_hess)`; it grows 17-row leaves under
//!   `min_data_in_leaf = 20`), we count rows exactly. There the first 10 trees are checked
//!   to 5e-8 and the whole model on hold-out quality: AUC and log loss within 0.005.

mod common;

use common::{auc, fixture, floats, max_abs_diff};
use leadscore_gbm::objective::log_loss_from_margin;
use leadscore_gbm::{ColMatrix, GbmModel, GbmParams};
use serde_json::Value;

fn train_like_lightgbm(f: &Value) -> GbmModel {
    let p = &f["params"];
    let int = |k: &str| p[k].as_u64().unwrap() as usize;
    let params = GbmParams {
        num_trees: f["num_trees"].as_u64().unwrap() as usize,
        learning_rate: p["learning_rate"].as_f64().unwrap(),
        num_leaves: int("num_leaves"),
        min_data_in_leaf: int("min_data_in_leaf"),
        min_sum_hessian_in_leaf: p["min_sum_hessian_in_leaf"].as_f64().unwrap(),
        lambda_l2: p["lambda_l2"].as_f64().unwrap(),
        max_bins: int("max_bin"),
        categorical: f["categorical"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect(),
        max_cat_to_onehot: int("max_cat_to_onehot"),
        max_cat_threshold: int("max_cat_threshold"),
        cat_smooth: p["cat_smooth"].as_f64().unwrap(),
        cat_l2: p["cat_l2"].as_f64().unwrap(),
        min_data_per_group: int("min_data_per_group"),
        ..Default::default()
    };
    let k = f["n_cols"].as_u64().unwrap() as usize;
    let n = f["n_train"].as_u64().unwrap() as usize;
    let (xtr, ytr) = (floats(&f["x_train"]), floats(&f["y_train"]));
    params.check(k).unwrap().fit(&ColMatrix::new(&xtr, n, k).unwrap(), &ytr, None).unwrap()
}

/// Trains on the fixture, checks the first `same_trees` trees (`"all"` = the whole model)
/// against LightGBM's raw scores to 5e-8 and the whole model's hold-out AUC and log loss
/// to 0.005.
fn check(name: &str, same_trees: &str) {
    let f = fixture(name);
    let model = train_like_lightgbm(&f);
    let (nt, k) = (f["n_test"].as_u64().unwrap() as usize, f["n_cols"].as_u64().unwrap() as usize);
    let xte = floats(&f["x_test"]);
    let x = ColMatrix::new(&xte, nt, k).unwrap();
    let (ours, lgb, y) = (model.predict_margin(&x), floats(&f["raw_test"]), floats(&f["y_test"]));
    let (first, reference) = if same_trees == "all" {
        (ours.clone(), lgb.clone())
    } else {
        (model.truncated(same_trees.parse().unwrap()).predict_margin(&x), floats(&f["raw_test_first"][same_trees]))
    };
    let d = max_abs_diff(&first, &reference);
    let (auc_o, auc_l) = (auc(&ours, &y), auc(&lgb, &y));
    let (ll_o, ll_l) = (log_loss_from_margin(&ours, &y), log_loss_from_margin(&lgb, &y));
    eprintln!(
        "{name}: {same_trees} trees max |diff| {d:.2e}; AUC {auc_o:.4} vs {auc_l:.4}; log loss {ll_o:.4} vs {ll_l:.4}"
    );
    assert!(d < 5e-8, "{name}: {same_trees} trees differ by {d} from LightGBM {}", f["lightgbm_version"]);
    assert!((auc_o - auc_l).abs() < 0.005, "{name}: AUC {auc_o} vs LightGBM {auc_l}");
    assert!((ll_o - ll_l).abs() < 0.005, "{name}: log loss {ll_o} vs LightGBM {ll_l}");
}

#[test]
fn numeric_data_all_trees_match_lightgbm() {
    check("lightgbm_exact.json", "all");
}

#[test]
fn missing_values_all_trees_match_lightgbm() {
    check("lightgbm_exact_nan.json", "all");
}

#[test]
fn categorical_all_trees_match_lightgbm() {
    check("lightgbm_exact_cat.json", "all");
}

#[test]
fn default_min_data_in_leaf_first_10_trees_match_lightgbm() {
    check("lightgbm_default.json", "10");
}
