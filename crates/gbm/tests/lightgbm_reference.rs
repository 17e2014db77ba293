//! Checks against LightGBM (fixtures written by `scripts/make_fixtures.py`; the LightGBM
//! version is recorded in each fixture).

mod common;

use common::{fixture, floats, max_abs_diff};
use leadscore_gbm::{ColMatrix, GbmModel};

#[test]
fn imported_lightgbm_model_reproduces_raw_scores_and_pred_contrib() {
    let f = fixture("lightgbm_import.json");
    let model = GbmModel::from_lightgbm_dump(&f["dump"].to_string()).unwrap();
    let (n, k) = (f["n_rows"].as_u64().unwrap() as usize, f["n_cols"].as_u64().unwrap() as usize);
    let xs = floats(&f["x"]);
    let x = ColMatrix::new(&xs, n, k).unwrap();
    let raw = floats(&f["raw"]);
    let ours = model.predict_margin(&x);
    let d = max_abs_diff(&ours, &raw);
    eprintln!("raw score max |diff| vs LightGBM {}: {d:.2e}", f["lightgbm_version"]);
    assert!(d < 1e-9, "raw score max diff {d} (LightGBM {})", f["lightgbm_version"]);
    let contrib = floats(&f["contrib"]);
    let shap = model.shap(&x);
    let d = max_abs_diff(&shap, &contrib);
    eprintln!("pred_contrib max |diff|: {d:.2e}");
    assert!(d < 1e-9, "SHAP max diff {d}");
    let d = max_abs_diff(&model.shap_reference(&x), &contrib);
    assert!(d < 1e-9, "reference SHAP max diff {d}");
    // A few rows only, out of order: the same values as for the whole matrix.
    let rows = [n - 1, 5, 0];
    let some = model.explainer().shap_rows(&x, &rows).unwrap();
    for (j, &r) in rows.iter().enumerate() {
        let d = max_abs_diff(&some[j * (k + 1)..(j + 1) * (k + 1)], &contrib[r * (k + 1)..(r + 1) * (k + 1)]);
        assert!(d < 1e-9, "shap_rows row {r}: {d}");
    }
    for (row, m) in shap.chunks(k + 1).zip(&ours) {
        assert!((row.iter().sum::<f64>() - m).abs() < 1e-9);
    }
}

/// Imports a fixture's LightGBM dump and scores its rows (`x_key`: column-major, `n_key` rows).
fn imported(name: &str, x_key: &str, n_key: &str) -> (GbmModel, Vec<f64>, usize, usize) {
    let f = fixture(name);
    let model = GbmModel::from_lightgbm_dump(&f["dump"].to_string()).unwrap();
    let (n, k) = (f[n_key].as_u64().unwrap() as usize, f["n_cols"].as_u64().unwrap() as usize);
    (model, floats(&f[x_key]), n, k)
}

#[test]
fn imported_lightgbm_models_score_bit_identically_to_the_tree_by_tree_definition() {
    let cases = [
        ("lightgbm_import.json", "x", "n_rows"),
        ("lightgbm_default.json", "x_test", "n_test"),
        ("lightgbm_exact.json", "x_test", "n_test"),
        ("lightgbm_exact_nan.json", "x_test", "n_test"),
        ("lightgbm_exact_cat.json", "x_test", "n_test"),
    ];
    for (name, x_key, n_key) in cases {
        let (model, xs, n, k) = imported(name, x_key, n_key);
        let x = ColMatrix::new(&xs, n, k).unwrap();
        let (fast, reference) = (model.predict_margin(&x), model.predict_margin_reference(&x));
        let same = fast.iter().zip(&reference).all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "{name}: predict_margin differs from the tree-by-tree sum");
        assert_eq!(fast.len(), n);
    }
}
