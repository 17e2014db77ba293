//! What the benchmark examples share: readers for the raw `f64` files and flat `meta.json`
//! written by `bench/gen_data.py` and `bench/leads_peers.py`, and a rank AUC.
#![allow(dead_code)] // each example uses part of it

/// Little-endian `f64`s of a file.
pub fn read_f64(path: &str) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect()
}

/// The integer `"key": N` in `meta` (the file is ours and flat).
pub fn meta_int(meta: &str, key: &str) -> usize {
    let at = meta.find(&format!("\"{key}\"")).unwrap_or_else(|| panic!("meta.json lacks {key}"));
    let rest = &meta[at + key.len() + 3..];
    rest.trim_start().split(|c: char| !c.is_ascii_digit()).next().and_then(|s| s.parse().ok()).expect("integer")
}

/// The integers of the array `"key": [...]` in `meta`.
pub fn meta_ints(meta: &str, key: &str) -> Vec<usize> {
    let at = meta.find(&format!("\"{key}\"")).unwrap_or_else(|| panic!("meta.json lacks {key}"));
    let rest = &meta[at + key.len() + 2..];
    let open = rest.find('[').expect("array");
    let close = rest.find(']').expect("array end");
    rest[open + 1..close].split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

/// Rank AUC with ties averaged (as scikit-learn's `roc_auc_score`).
pub fn auc(score: &[f64], y: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let (mut rank_sum, mut n_pos, mut i) = (0.0, 0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if y[k] == 1.0 {
                rank_sum += r;
                n_pos += 1.0;
            }
        }
        i = j + 1;
    }
    let n_neg = y.len() as f64 - n_pos;
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}
