//! Times leadscore's logistic regression (linfa-logistic L-BFGS) on a matrix written by
//! `bench/logistic_peers.py`: raw little-endian f64, column-major, then one byte per label.
//! Prints one JSON line: fit seconds, iterations are not exposed by linfa, hold-out AUC.
//!
//! cargo run --release --example bench_logistic -- FILE N_ROWS N_COLS L2 TOL

use std::time::Instant;

use leadscore::evaluation::metrics::roc_auc;
use leadscore::features::FeatureMatrix;
use leadscore::models::logistic::LogisticParams;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 6 {
        eprintln!("usage: bench_logistic FILE N_ROWS N_COLS L2 TOL");
        std::process::exit(2);
    }
    let (n, p): (usize, usize) = (a[2].parse().unwrap(), a[3].parse().unwrap());
    let l2: f64 = a[4].parse().unwrap();
    let tol: f64 = a[5].parse().unwrap();
    let bytes = std::fs::read(&a[1]).unwrap();
    let data: Vec<f64> =
        bytes[..n * p * 8].chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    let y: Vec<bool> = bytes[n * p * 8..].iter().map(|&b| b == 1).collect();
    // First 80% fit, last 20% hold-out (the Python side does the same).
    let cut = n * 4 / 5;
    let x = FeatureMatrix { n_rows: n, names: (0..p).map(|j| format!("x{j}")).collect(), data };
    let train: Vec<usize> = (0..cut).collect();
    let test: Vec<usize> = (cut..n).collect();
    let xt = x.select_rows(&train);
    let xv = x.select_rows(&test);
    let params = LogisticParams { l2, max_iterations: 1000, tolerance: tol }.check().expect("valid parameters");
    let t = Instant::now();
    let m = params.fit(&xt, &y[..cut]).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let auc = roc_auc(&m.predict_proba(&xv), &y[cut..]).unwrap();
    println!("{{\"fit_seconds\": {secs:.4}, \"auc\": {auc:.6}, \"intercept\": {:.6}}}", m.intercept);
}
