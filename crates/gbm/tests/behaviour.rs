//! End-to-end behaviour of fitting, scoring, explaining and saving models.

mod common;

use common::{auc, synthetic};
use leadscore_gbm::{ColMatrix, GbmError, GbmModel, GbmParams};

fn params() -> GbmParams {
    GbmParams { num_trees: 40, num_leaves: 15, categorical: vec![2], ..Default::default() }
}

#[test]
fn shap_rows_sum_to_the_margin() {
    let (d, y) = synthetic(3000, 1);
    let x = ColMatrix::new(&d, 3000, 4).unwrap();
    let m = params().check(4).unwrap().fit(&x, &y, None).unwrap();
    let (shap, margin) = (m.shap(&x), m.predict_margin(&x));
    let worst = shap.chunks(5).zip(&margin).map(|(r, m)| (r.iter().sum::<f64>() - m).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-9, "worst |sum(shap) - margin| = {worst}");
    // The bias column is the same for every row, and x3 (pure noise) matters least.
    assert!(shap.chunks(5).all(|r| r[4] == shap[4]));
    let imp = m.feature_importance_gain();
    assert!(imp[3] < imp[0] && imp[3] < imp[1] && imp[3] < imp[2], "{imp:?}");
}

#[test]
fn missing_values_follow_the_learned_default_direction() {
    // y = [x > 5]; missing rows are all positives, so the split learns "missing goes with high x".
    let n = 400;
    let mut x: Vec<f64> = (0..n).map(|i| (i % 10) as f64).collect();
    let y: Vec<f64> = x.iter().map(|&v| if v >= 5.0 { 1.0 } else { 0.0 }).collect();
    for i in (0..n).filter(|i| i % 10 == 9) {
        x[i] = f64::NAN;
    }
    let p = GbmParams { num_trees: 1, num_leaves: 2, ..Default::default() }.check(1).unwrap();
    let m = p.fit(&ColMatrix::new(&x, n, 1).unwrap(), &y, None).unwrap();
    let probe = [f64::NAN, 8.0, 1.0];
    let s = m.predict_margin(&ColMatrix::new(&probe, 3, 1).unwrap());
    assert_eq!(s[0], s[1]);
    assert!(s[1] > s[2]);
    // Mirror: missing rows are negatives -> missing goes with low x.
    let y2: Vec<f64> = x.iter().map(|&v| if v >= 5.0 { 1.0 } else { 0.0 }).collect();
    let m = p.fit(&ColMatrix::new(&x, n, 1).unwrap(), &y2, None).unwrap();
    let s = m.predict_margin(&ColMatrix::new(&probe, 3, 1).unwrap());
    assert_eq!(s[0], s[2]);
}

#[test]
fn unseen_and_invalid_categories_go_right_without_error() {
    let (d, y) = synthetic(3000, 2);
    let x = ColMatrix::new(&d, 3000, 4).unwrap();
    let m = params().check(4).unwrap().fit(&x, &y, None).unwrap();
    // Same row with category 17 (never seen), -3, 2.5, 1e12 and missing: every categorical
    // split sends all of them right, so they score identically.
    let codes = [17.0, -3.0, 2.5, 1e12, f64::NAN];
    let mut probe = Vec::new();
    probe.extend([3.0; 5]);
    probe.extend([0.2; 5]);
    probe.extend(codes);
    probe.extend([0.5; 5]);
    let s = m.predict_margin(&ColMatrix::new(&probe, 5, 4).unwrap());
    assert!(s.iter().all(|v| *v == s[0] && v.is_finite()), "{s:?}");
    let shap = m.shap(&ColMatrix::new(&probe, 5, 4).unwrap());
    assert!(shap.iter().all(|v| v.is_finite()));
}

#[test]
fn same_seed_same_model_across_thread_counts() {
    let (d, y) = synthetic(2000, 3);
    let x = ColMatrix::new(&d, 2000, 4).unwrap();
    let p = |seed, n_threads| GbmParams {
        seed,
        n_threads,
        bagging_fraction: 0.7,
        bagging_freq: 1,
        feature_fraction: 0.75,
        ..params()
    };
    let a = p(5, 1).check(4).unwrap().fit(&x, &y, None).unwrap();
    let b = p(5, 2).check(4).unwrap().fit(&x, &y, None).unwrap();
    let c = p(6, 2).check(4).unwrap().fit(&x, &y, None).unwrap();
    assert_eq!(a.predict_margin(&x), b.predict_margin(&x));
    assert_ne!(a.predict_margin(&x), c.predict_margin(&x));
    // Bagged models still learn: training AUC well above chance.
    assert!(auc(&a.predict_margin(&x), &y) > 0.75);
}

#[test]
fn early_stopping_truncates_to_the_best_validation_round() {
    let (d, y) = synthetic(1500, 4);
    let (dv, yv) = synthetic(1500, 5);
    let (x, xv) = (ColMatrix::new(&d, 1500, 4).unwrap(), ColMatrix::new(&dv, 1500, 4).unwrap());
    let p = GbmParams {
        num_trees: 500,
        learning_rate: 0.3,
        num_leaves: 63,
        min_data_in_leaf: 5,
        early_stopping_rounds: Some(10),
        ..params()
    };
    let m = p.check(4).unwrap().fit(&x, &y, Some((&xv, &yv))).unwrap();
    let best = m.best_iteration().expect("early stopping records the best round");
    assert_eq!(m.num_trees(), best);
    let hist = m.valid_log_loss();
    assert!(best < 500 && hist.len() == best + 10, "best {best}, rounds run {}", hist.len());
    let min = hist.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(hist[best - 1], min);
    // The truncated model's validation loss is that minimum.
    let loss = leadscore_gbm::objective::log_loss_from_margin(&m.predict_margin(&xv), &yv);
    assert!((loss - min).abs() < 1e-12);
}

#[test]
fn save_load_predict_is_bit_identical() {
    let (d, y) = synthetic(2000, 6);
    let x = ColMatrix::new(&d, 2000, 4).unwrap();
    let m =
        GbmParams { bagging_fraction: 0.8, bagging_freq: 2, ..params() }.check(4).unwrap().fit(&x, &y, None).unwrap();
    let json = serde_json::to_string_pretty(&m).unwrap();
    let back: GbmModel = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
    let (a, b) = (m.predict_margin(&x), back.predict_margin(&x));
    assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
    assert!(m.shap(&x).iter().zip(back.shap(&x)).all(|(p, q)| p.to_bits() == q.to_bits()));
    back.validate(4).unwrap();
}

#[test]
fn corrupted_or_mismatched_models_are_rejected() {
    let (d, y) = synthetic(500, 7);
    let x = ColMatrix::new(&d, 500, 4).unwrap();
    let m = params().check(4).unwrap().fit(&x, &y, None).unwrap();
    assert!(matches!(m.validate(3), Err(GbmError::InvalidModel { .. })));
    let mut v: serde_json::Value = serde_json::from_str(&m.to_json().unwrap()).unwrap();
    v["trees"][0]["nodes"][0]["left"] = serde_json::json!(0); // root points at itself
    let e = serde_json::from_value::<GbmModel>(v.clone()).unwrap_err().to_string();
    assert!(e.contains("tree 0") && e.contains("reached twice"), "{e}");
    let mut v2: serde_json::Value = serde_json::from_str(&m.to_json().unwrap()).unwrap();
    v2["trees"][1]["nodes"][0]["feature"] = serde_json::json!(40);
    let e = serde_json::from_value::<GbmModel>(v2).unwrap_err().to_string();
    assert!(e.contains("column 40"), "{e}");
    let mut v3: serde_json::Value = serde_json::from_str(&m.to_json().unwrap()).unwrap();
    v3["trees"][0]["leaf_value"] = serde_json::json!([1.0]);
    assert!(serde_json::from_value::<GbmModel>(v3).is_err());
}

#[test]
fn bad_training_input_is_an_error_not_a_panic() {
    let (d, y) = synthetic(100, 8);
    let x = ColMatrix::new(&d, 100, 4).unwrap();
    let v = params().check(4).unwrap();
    let mut bad = y.clone();
    bad[3] = 2.0;
    assert_eq!(
        v.fit(&x, &bad, None).unwrap_err().to_string(),
        "training labels: label at row 3 is 2; labels must be 0.0 or 1.0"
    );
    assert!(matches!(v.fit(&x, &y[..99], None), Err(GbmError::LabelCount { .. })));
    assert!(matches!(v.fit(&x, &vec![1.0; 100], None), Err(GbmError::SingleClass { .. })));
    let x3 = ColMatrix::new(&d[..300], 100, 3).unwrap();
    assert!(matches!(v.fit(&x3, &y, None), Err(GbmError::ColumnCount { .. })));
    let es = GbmParams { early_stopping_rounds: Some(5), ..params() }.check(4).unwrap();
    assert!(matches!(es.fit(&x, &y, None), Err(GbmError::EarlyStoppingWithoutValidation { rounds: 5 })));
    let bad_shape = ColMatrix { data: &d, n_rows: 99, n_cols: 4 };
    assert!(matches!(v.fit(&bad_shape, &y[..99], None), Err(GbmError::MatrixShape { .. })));
    // Infinite feature values are just large values.
    let mut inf = d.clone();
    inf[5] = f64::INFINITY;
    inf[6] = f64::NEG_INFINITY;
    let m = v.fit(&ColMatrix::new(&inf, 100, 4).unwrap(), &y, None).unwrap();
    GbmModel::from_json(&m.to_json().unwrap()).unwrap();
}

#[test]
fn huge_category_codes_cost_no_memory_and_score_normally() {
    // Codes up to 2^31 - 1 are valid; left sets are stored as sorted code lists, not bitsets.
    let n = 600;
    let codes = [3.0, 2_000_000_000.0, 2_147_483_647.0];
    let x: Vec<f64> = (0..n).map(|i| codes[i % 3]).collect();
    let y: Vec<f64> = (0..n).map(|i| if i % 3 == 1 { 1.0 } else { 0.0 }).collect();
    let p = GbmParams { num_trees: 5, categorical: vec![0], min_data_per_group: 10, ..Default::default() };
    let m = p.check(1).unwrap().fit(&ColMatrix::new(&x, n, 1).unwrap(), &y, None).unwrap();
    assert!(m.to_json().unwrap().len() < 20_000);
    let s = m.predict_margin(&ColMatrix::new(&codes, 3, 1).unwrap());
    assert!(s[1] > s[0] && s[1] > s[2], "{s:?}");
}
