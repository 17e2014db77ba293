//! Cross-check: leadscore's logistic regression (linfa-logistic) against an independent Rust
//! implementation, smartcore's `LogisticRegression`, which minimises the same objective
//! (summed log loss + alpha/2 |w|², intercept not penalised), and against scikit-learn's
//! reference values in the fixture (scripts/make_lr_fixture.py).

use leadscore::features::FeatureMatrix;
use leadscore::models::logistic::LogisticParams;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

#[test]
fn linfa_smartcore_and_scikit_learn_agree() {
    let f: serde_json::Value = serde_json::from_str(include_str!("../fixtures/logistic_sklearn.json")).unwrap();
    let n = f["n_rows"].as_u64().unwrap() as usize;
    let p = f["n_cols"].as_u64().unwrap() as usize;
    let data: Vec<f64> = f["x_column_major"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let y: Vec<bool> = f["y"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() == 1).collect();
    let rows: Vec<Vec<f64>> = (0..n).map(|i| (0..p).map(|j| data[j * n + i]).collect()).collect();
    let xs = DenseMatrix::from_2d_vec(&rows).unwrap();
    let ys: Vec<i32> = y.iter().map(|&c| c as i32).collect();
    let x = FeatureMatrix { n_rows: n, names: (0..p).map(|j| format!("x{j}")).collect(), data };
    let fits = f["fits"].as_array().unwrap();
    assert!(!fits.is_empty(), "the fixture has no fits");
    for fit in fits {
        let l2 = fit["l2"].as_f64().unwrap();
        let ours = LogisticParams { l2, max_iterations: 1000, tolerance: 1e-9 }.check().unwrap().fit(&x, &y).unwrap();
        let sc = LogisticRegression::fit(&xs, &ys, LogisticRegressionParameters::default().with_alpha(l2)).unwrap();
        for j in 0..p {
            let w_sc = *sc.coefficients().get((0, j));
            let w_sk = fit["coef"][j].as_f64().unwrap();
            assert!(
                (ours.coefficients[j] - w_sc).abs() < 1e-3,
                "l2 {l2} coef {j}: linfa {} smartcore {w_sc}",
                ours.coefficients[j]
            );
            assert!(
                (ours.coefficients[j] - w_sk).abs() < 1e-5,
                "l2 {l2} coef {j}: linfa {} sklearn {w_sk}",
                ours.coefficients[j]
            );
        }
        let b_sc = *sc.intercept().get((0, 0));
        assert!((ours.intercept - b_sc).abs() < 1e-3, "l2 {l2}: intercept linfa {} smartcore {b_sc}", ours.intercept);
    }
}
