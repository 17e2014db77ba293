//! Benchmark driver for `bench/peers.sh`: trains on the first `n_train` rows of a dataset
//! written by `bench/gen_data.py`, scores the rest, explains 10k rows, prints one JSON line.
//!
//! `cargo run --release -p leadscore-gbm --example bench -- bench/data/200k [threads]`

use std::time::Instant;

use leadscore_gbm::{ColMatrix, GbmParams};

mod shared;
use shared::{auc, meta_int, read_f64};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map(String::as_str).unwrap_or("bench/data/200k");
    let threads: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let meta = std::fs::read_to_string(format!("{dir}/meta.json")).expect("meta.json");
    let (n, k, n_train) = (meta_int(&meta, "n_rows"), meta_int(&meta, "n_cols"), meta_int(&meta, "n_train"));
    let x = read_f64(&format!("{dir}/x.f64"));
    let y = read_f64(&format!("{dir}/y.f64"));
    let n_test = n - n_train;
    let mut xtr = Vec::with_capacity(n_train * k);
    let mut xte = Vec::with_capacity(n_test * k);
    for c in 0..k {
        xtr.extend_from_slice(&x[c * n..c * n + n_train]);
        xte.extend_from_slice(&x[c * n + n_train..(c + 1) * n]);
    }
    let (ytr, yte) = (&y[..n_train], &y[n_train..]);
    let xtr = ColMatrix::new(&xtr, n_train, k).expect("train shape");
    let xte_m = ColMatrix::new(&xte, n_test, k).expect("test shape");

    let params =
        GbmParams { num_trees: 200, num_leaves: 31, learning_rate: 0.1, n_threads: threads, ..Default::default() };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    let t = Instant::now();
    let model = params.check(k).expect("params").fit(&xtr, ytr, None).expect("fit");
    let fit_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let p = pool.install(|| model.predict_proba(&xte_m));
    let pred_s = t.elapsed().as_secs_f64();

    let n_shap = n_test.min(10_000);
    let xs: Vec<f64> = (0..k).flat_map(|c| xte[c * n_test..c * n_test + n_shap].iter().copied()).collect();
    let xs_m = ColMatrix::new(&xs, n_shap, k).expect("shap shape");
    let t = Instant::now();
    let shap = pool.install(|| model.shap(&xs_m));
    let shap_s = t.elapsed().as_secs_f64();
    assert_eq!(shap.len(), n_shap * (k + 1));

    let brier = p.iter().zip(yte).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / n_test as f64;
    println!(
        "{{\"engine\": \"leadscore-gbm\", \"fit_s\": {fit_s:.3}, \"predict_rows_per_s\": {:.0}, \"shap10k_s\": {shap_s:.3}, \"auc\": {:.5}, \"brier\": {:.5}}}",
        n_test as f64 / pred_s,
        auc(&p, yte),
        brier
    );
}
