//! Fixed workload for instruction-count profiling (`valgrind --tool=callgrind`): fit, predict
//! and TreeSHAP on a dataset written by `bench/gen_data.py`, one stage at a time, printing a
//! hash of every output bit so an optimisation that changes any result shows up.
//!
//! ```text
//! cargo build --release -p leadscore-gbm --example profile
//! valgrind --tool=callgrind target/release/examples/profile DIR [stages=fit,predict,shap] [n_shap=1000] [trees=50]
//! callgrind_annotate --inclusive=yes callgrind.out.PID | grep -E 'fit|predict_margin|shap'
//! ```
//! `MODEL=path` caches the fitted model between runs. One thread (deterministic counts); wall-clock numbers belong to `bench/peers.sh`.

use leadscore_gbm::{ColMatrix, GbmParams};

mod shared;
use shared::{meta_int, read_f64};

/// FNV-1a over the bits of `v`.
fn hash(v: &[f64]) -> u64 {
    v.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| (h ^ x.to_bits()).wrapping_mul(0x100_0000_01b3))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map(String::as_str).expect("usage: profile DIR [stages] [n_shap] [trees]");
    let stages = args.get(2).map(String::as_str).unwrap_or("fit,predict,shap");
    let n_shap: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let trees: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(50);
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
    let xtr = ColMatrix::new(&xtr, n_train, k).expect("train shape");
    let xte_m = ColMatrix::new(&xte, n_test, k).expect("test shape");
    let params = GbmParams { num_trees: trees, num_leaves: 31, learning_rate: 0.1, n_threads: 1, ..Default::default() };
    // `MODEL=path`: load the model from `path` if it exists (skipping the fit), else save it there.
    let cached = std::env::var("MODEL").ok();
    let model = match cached.as_deref().and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(json) => leadscore_gbm::GbmModel::from_json(&json).expect("model"),
        None => params.check(k).expect("params").fit(&xtr, &y[..n_train], None).expect("fit"),
    };
    let json = model.to_json().expect("json");
    if let Some(p) = cached {
        std::fs::write(p, &json).expect("write model");
    }
    let h = json.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    println!("model {h:016x}");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    if stages.contains("predict") {
        let m = pool.install(|| model.predict_margin(&xte_m));
        println!("predict {} rows {:016x}", n_test, hash(&m));
    }
    if stages.contains("time") {
        // Wall-clock, best of 5, on `THREADS` threads (default 2).
        let threads = std::env::var("THREADS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let best = |f: &dyn Fn()| {
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    f();
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let p = best(&|| drop(pool.install(|| model.predict_margin(&xte_m))));
        let n_shap = n_shap.min(n_test);
        let xs: Vec<f64> = (0..k).flat_map(|c| xte[c * n_test..c * n_test + n_shap].iter().copied()).collect();
        let xs_m = ColMatrix::new(&xs, n_shap, k).expect("shap shape");
        let s = best(&|| drop(pool.install(|| model.shap(&xs_m))));
        println!("time: predict {:.0} rows/s, shap {n_shap} rows {s:.3} s", n_test as f64 / p);
    }
    if stages.contains("shap") {
        let n_shap = n_shap.min(n_test);
        let xs: Vec<f64> = (0..k).flat_map(|c| xte[c * n_test..c * n_test + n_shap].iter().copied()).collect();
        let xs_m = ColMatrix::new(&xs, n_shap, k).expect("shap shape");
        let s = pool.install(|| model.shap(&xs_m));
        println!("shap {} rows {:016x}", n_shap, hash(&s));
    }
}
