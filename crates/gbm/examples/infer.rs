//! Inference benchmark driver for `bench/infer_peers.sh`: imports the LightGBM model that
//! `bench/infer_model.py` trained (`DIR/dump.json`), then times predict on the hold-out rows
//! and TreeSHAP on the first `n_shap` of them, on 1 and 2 threads, printing one JSON line
//! per measurement (best of `REPEAT`, default 5) with a hash of the output bits and, where
//! `bench/infer_peers.py` saved LightGBM's outputs for the same rows, the largest difference.
//!
//! `cargo run --release -p leadscore-gbm --example infer -- bench/data/200000x30 [n_shap=10000]`

use std::time::Instant;

use leadscore_gbm::{ColMatrix, GbmModel, ShapExplainer};

mod shared;
use shared::{meta_int, read_f64};

/// FNV-1a over the bits of `v`.
fn hash(v: &[f64]) -> u64 {
    v.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| (h ^ x.to_bits()).wrapping_mul(0x100_0000_01b3))
}

/// `, "max_diff": D` against LightGBM's output saved by `bench/infer_peers.py` in `path`, if any.
fn diff_vs(path: &str, ours: &[f64]) -> String {
    match std::fs::metadata(path) {
        Ok(_) => {
            let theirs = read_f64(path);
            if theirs.len() != ours.len() {
                return String::new();
            }
            let d = ours.iter().zip(&theirs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            format!(", \"max_diff\": {d:.3e}")
        }
        Err(_) => String::new(),
    }
}

/// CPU seconds this process has used (user + system, from `/proc/self/stat`; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // Clock ticks of 1/100 s (the Linux USER_HZ).
    (tick(11) + tick(12)) / 100.0
}

/// Best wall-clock seconds of `repeat` runs of `f`, mean CPU seconds per run (which a
/// loaded machine inflates far less than wall-clock), and the last output.
fn best<T>(repeat: usize, f: impl Fn() -> T) -> (f64, f64, T) {
    let mut out = None;
    let mut best = f64::INFINITY;
    let cpu = cpu_seconds();
    for _ in 0..repeat {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, (cpu_seconds() - cpu) / repeat as f64, out.expect("repeat >= 1"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map(String::as_str).expect("usage: infer DIR [n_shap]");
    let n_shap: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let repeat: usize = std::env::var("REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let meta = std::fs::read_to_string(format!("{dir}/meta.json")).expect("meta.json");
    let (n, k, n_train) = (meta_int(&meta, "n_rows"), meta_int(&meta, "n_cols"), meta_int(&meta, "n_train"));
    let x = read_f64(&format!("{dir}/x.f64"));
    let n_test = n - n_train;
    let xte: Vec<f64> = (0..k).flat_map(|c| x[c * n + n_train..(c + 1) * n].iter().copied()).collect();
    let xte = ColMatrix::new(&xte, n_test, k).expect("test shape");
    let n_shap = n_shap.min(n_test);
    let xs: Vec<f64> = (0..k).flat_map(|c| xte.data[c * n_test..c * n_test + n_shap].iter().copied()).collect();
    let xs = ColMatrix::new(&xs, n_shap, k).expect("shap shape");

    let dump = std::fs::read_to_string(format!("{dir}/dump.json")).expect("dump.json");
    let model = GbmModel::from_lightgbm_dump(&dump).expect("import");
    let engine = "leadscore-gbm";
    let trees = model.num_trees();
    // `ONLY=predict` / `ONLY=shap` and `THREADS=n` narrow the run (for profiling).
    let only = std::env::var("ONLY").unwrap_or_default();
    let thread_counts: Vec<usize> = match std::env::var("THREADS").ok().and_then(|s| s.parse().ok()) {
        Some(t) => vec![t],
        None => vec![1, 2],
    };
    for threads in thread_counts {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        if only != "shap" {
            let (s, cpu, p) = best(repeat, || pool.install(|| model.predict_proba(&xte)));
            println!(
            "{{\"engine\": \"{engine}\", \"what\": \"predict\", \"threads\": {threads}, \"rows\": {n_test}, \"trees\": {trees}, \"seconds\": {s:.4}, \"rows_per_s\": {:.0}, \"cpu_rows_per_s\": {:.0}, \"hash\": \"{:016x}\"{}}}",
            n_test as f64 / s,
            n_test as f64 / cpu,
            hash(&p),
            diff_vs(&format!("{dir}/lightgbm_predict.f64"), &p)
        );
        }
        if only == "predict" {
            continue;
        }
        let (build_s, _, explainer) = best(repeat, || pool.install(|| ShapExplainer::new(&model)));
        let (s, cpu, phi) = best(repeat, || pool.install(|| explainer.shap(&xs)));
        println!(
            "{{\"engine\": \"{engine}\", \"what\": \"shap\", \"threads\": {threads}, \"rows\": {n_shap}, \"trees\": {trees}, \"seconds\": {s:.4}, \"rows_per_s\": {:.0}, \"cpu_rows_per_s\": {:.0}, \"build_s\": {build_s:.4}, \"hash\": \"{:016x}\"{}}}",
            n_shap as f64 / s,
            n_shap as f64 / cpu,
            hash(&phi),
            diff_vs(&format!("{dir}/lightgbm_shap.f64"), &phi)
        );
    }
}
