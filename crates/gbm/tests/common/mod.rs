//! Shared helpers for the integration tests: fixture loading and small metrics.
#![allow(dead_code)]

use serde_json::Value;

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let s = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&s).unwrap()
}

/// A JSON array of numbers / nulls as f64 with NaN for null.
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect()
}

pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

pub fn auc(score: &[f64], y: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    // rank-sum with average ranks for ties
    let mut ranks = vec![0.0; score.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[idx[k]] = r;
        }
        i = j + 1;
    }
    let n_pos = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    let sum_pos: f64 = ranks.iter().zip(y).filter(|(_, &t)| t == 1.0).map(|(r, _)| r).sum();
    (sum_pos - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// Synthetic lead-like data, column-major, 4 columns: x0 numeric with 10% missing (missing
/// rows convert more), x1 numeric, x2 categorical codes 0..8, x3 noise.
pub fn synthetic(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut cols: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let x0: f64 = if rng.random::<f64>() < 0.1 { f64::NAN } else { rng.random::<f64>() * 10.0 };
        let x1: f64 = rng.random::<f64>() * 2.0 - 1.0;
        let x2 = rng.random_range(0..8u32) as f64;
        let x3: f64 = rng.random::<f64>();
        let logit = if x0.is_nan() { 1.5 } else { 0.4 * (x0 - 5.0) } + 2.0 * x1 * x1 - 0.7
            + if [1.0, 4.0, 6.0].contains(&x2) { 1.2 } else { -0.3 };
        y.push(if rng.random::<f64>() < 1.0 / (1.0 + (-logit).exp()) { 1.0 } else { 0.0 });
        for (c, v) in cols.iter_mut().zip([x0, x1, x2, x3]) {
            c.push(v);
        }
    }
    (cols.concat(), y)
}
