//! leadscore-gbm's side of the Leads.csv cross-validation benchmark (`bench/leads_peers.sh`):
//! reads the matrix, categorical column list and fold ids written by
//! `bench/leads_peers.py prepare`, fits one model per fold with the peers' settings (200
//! trees, 31 leaves, learning rate 0.1 unless given, min 20 rows per leaf, native categoricals) and prints
//! one JSON line: mean and sd of the hold-out AUC over folds, mean Brier, mean fit seconds.
//!
//! `cargo run --release -p leadscore-gbm --example leads_cv -- bench/data/leads [threads] [learning_rate]`

use std::time::Instant;

use leadscore_gbm::{ColMatrix, GbmParams};

mod shared;
use shared::{auc, meta_int, meta_ints, read_f64};

/// Rows of column-major `x` (`n` rows, `k` columns) where `keep` holds, still column-major.
fn select(x: &[f64], n: usize, k: usize, keep: &[bool]) -> Vec<f64> {
    (0..k).flat_map(|c| x[c * n..(c + 1) * n].iter().zip(keep).filter(|(_, &m)| m).map(|(&v, _)| v)).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map(String::as_str).unwrap_or("bench/data/leads");
    let threads: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let learning_rate: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0.1);
    let meta = std::fs::read_to_string(format!("{dir}/meta.json")).expect("meta.json");
    let (n, k, n_folds) = (meta_int(&meta, "n_rows"), meta_int(&meta, "n_cols"), meta_int(&meta, "n_folds"));
    let categorical = meta_ints(&meta, "categorical");
    let x = read_f64(&format!("{dir}/x.f64"));
    let y = read_f64(&format!("{dir}/y.f64"));
    let fold = read_f64(&format!("{dir}/fold.f64"));
    assert_eq!((x.len(), y.len(), fold.len()), (n * k, n, n), "files disagree with meta.json");

    let (mut aucs, mut briers, mut fits) = (Vec::new(), Vec::new(), Vec::new());
    for f in 0..n_folds {
        let test: Vec<bool> = fold.iter().map(|&v| v as usize == f).collect();
        let train: Vec<bool> = test.iter().map(|t| !t).collect();
        let (xtr, xte) = (select(&x, n, k, &train), select(&x, n, k, &test));
        let ytr: Vec<f64> = y.iter().zip(&train).filter(|(_, &m)| m).map(|(&v, _)| v).collect();
        let yte: Vec<f64> = y.iter().zip(&test).filter(|(_, &m)| m).map(|(&v, _)| v).collect();
        let xtr_m = ColMatrix::new(&xtr, ytr.len(), k).expect("train shape");
        let xte_m = ColMatrix::new(&xte, yte.len(), k).expect("test shape");
        let params = GbmParams {
            num_trees: 200,
            num_leaves: 31,
            learning_rate,
            min_data_in_leaf: 20,
            n_threads: threads,
            categorical: categorical.clone(),
            ..Default::default()
        };
        let t = Instant::now();
        let model = params.check(k).expect("params").fit(&xtr_m, &ytr, None).expect("fit");
        fits.push(t.elapsed().as_secs_f64());
        let p = model.predict_proba(&xte_m);
        aucs.push(auc(&p, &yte));
        briers.push(p.iter().zip(&yte).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / yte.len() as f64);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let m = mean(&aucs);
    let sd = (aucs.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (aucs.len() as f64 - 1.0)).sqrt();
    println!(
        "{{\"engine\": \"leadscore-gbm\", \"auc_mean\": {m:.5}, \"auc_sd\": {sd:.5}, \"brier\": {:.5}, \"fit_s\": {:.4}, \"folds\": {n_folds}}}",
        mean(&briers),
        mean(&fits)
    );
}
