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
