//! Batch scoring: raw margins and probabilities, parallel over blocks of rows.
//!
//! A block of rows goes through each tree node by node rather than row by row: the root's
//! rows are split into its children's by one comparison each, reading one column, and so on
//! down to the leaves, each of which adds its value to the rows that reached it (the layout
//! of training's row partitions). No row waits on its own chain of node loads, and the split
//! has no data-dependent branch: with AVX-512 it handles 8 rows per step (gather their values,
//! compare, compress the row numbers of each side into place). Subtrees no row reaches are
//! skipped. Each row receives exactly one leaf value per tree, trees in model order, so
//! margins are bit-identical to the tree-by-tree definition
//! ([`GbmModel::predict_margin_reference`]). Values outside a mis-shaped matrix read as
//! missing, so scoring never panics.

use rayon::prelude::*;

use crate::matrix::ColMatrix;
use crate::model::GbmModel;
use crate::objective::sigmoid;
use crate::tree::Tree;

/// Rows per parallel work item: its row numbers and running sums stay in L1 cache.
const BLOCK: usize = 2048;

/// Copies rows `first..first + n` of `x` into a row-major buffer of `width` columns
/// (columns beyond `x` read as missing), so scoring walks one contiguous row at a time.
pub(crate) fn gather_rows(x: &ColMatrix, first: usize, n: usize, width: usize, buf: &mut Vec<f64>) {
    buf.clear();
    buf.resize(n * width, f64::NAN);
    if x.check_shape("x").is_ok() {
        for c in 0..width.min(x.n_cols) {
            let col = &x.data[c * x.n_rows + first..c * x.n_rows + first + n];
            for (i, &v) in col.iter().enumerate() {
                buf[i * width + c] = v;
            }
        }
    } else {
        for i in 0..n {
            for c in 0..width {
                buf[i * width + c] = x.get(first + i, c);
            }
        }
    }
}

/// Copies the rows `rows` of `x` (each `< x.n_rows`) into a row-major buffer of `width`
/// columns, as [`gather_rows`] does for a contiguous range.
pub(crate) fn gather_selected_rows(x: &ColMatrix, rows: &[usize], width: usize, buf: &mut Vec<f64>) {
    buf.clear();
    buf.resize(rows.len() * width, f64::NAN);
    for c in 0..width.min(x.n_cols) {
        for (i, &r) in rows.iter().enumerate() {
            buf[i * width + c] = x.get(r, c);
        }
    }
}

/// Adds `tree`'s output for the rows of a row-major `buf` (`width` columns) into `out`.
pub(crate) fn add_tree(tree: &Tree, buf: &[f64], width: usize, out: &mut [f64]) {
    for (row, o) in buf.chunks_exact(width).zip(out.iter_mut()) {
        *o += tree.predict(|c| row[c]);
    }
}

/// One block's columns, column-major: column `f`'s values for the block's rows are
/// `data[f * stride + offset..][..n]`; columns `>= n_cols` are missing.
struct Block<'a> {
    data: &'a [f64],
    stride: usize,
    offset: usize,
    n: usize,
    n_cols: usize,
}

impl Block<'_> {
    fn column(&self, f: usize) -> Option<&[f64]> {
        if f >= self.n_cols {
            return None;
        }
        self.data.get(f * self.stride + self.offset..)?.get(..self.n)
    }
}

/// Per-thread buffers of [`add_tree_partitioned`].
#[derive(Default)]
pub(crate) struct Partition {
    /// `0..n`: the root's rows, read and never written.
    all: Vec<u32>,
    /// Row numbers (within the block), ping-ponged between two buffers by depth parity.
    rows: [Vec<u32>; 2],
    /// Right-going rows of the node being split, before they are copied after the left ones.
    right: Vec<u32>,
    /// Nodes still to visit: (link, start, end, buffer holding their rows: 0 or 1 in `rows`,
    /// 2 for `all`).
    stack: Vec<(i32, u32, u32, u8)>,
}

/// Adds `tree`'s output to every row of the block, node by node: each internal node splits the
/// rows that reached it into its children's (reading one column), and each leaf adds its value
/// to its rows. Each row still receives exactly one leaf value per tree, so with trees taken in
/// model order the sums are those of [`Tree::predict`], bit for bit.
fn add_tree_partitioned(tree: &Tree, block: &Block, out: &mut [f64], part: &mut Partition, wide: bool) {
    let n = block.n;
    if tree.nodes.is_empty() {
        let v = tree.leaf_value[0];
        out.iter_mut().for_each(|o| *o += v);
        return;
    }
    let Partition { all, rows, right, stack } = part;
    if all.len() != n {
        all.clear();
        all.extend(0..n as u32);
        for r in rows.iter_mut() {
            r.resize(n, 0);
        }
        right.resize(n, 0);
    }
    stack.clear();
    stack.push((0, 0, n as u32, 2));
    while let Some((link, s, e, parity)) = stack.pop() {
        let (s, e) = (s as usize, e as usize);
        if s == e {
            continue;
        }
        if link < 0 {
            let v = tree.leaf_value[!link as usize];
            let src = if parity == 2 { &all[s..e] } else { &rows[parity as usize][s..e] };
            for &r in src {
                // SAFETY: row numbers are `< n == out.len()` (they start as `0..n` and are
                // only moved between buffers).
                unsafe { *out.get_unchecked_mut(r as usize) += v };
            }
            continue;
        }
        let node = &tree.nodes[link as usize];
        let [a, b] = rows;
        let (src, dst, next) = match parity {
            0 => (&a[s..e], &mut b[s..e], 1),
            1 => (&b[s..e], &mut a[s..e], 0),
            _ => (&all[s..e], &mut a[s..e], 0),
        };
        let n_left = match block.column(node.feature as usize) {
            // A column the matrix lacks: every value is missing.
            None => {
                dst.copy_from_slice(src);
                if node.default_left {
                    e - s
                } else {
                    0
                }
            }
            Some(col) if node.cat.is_some() => split(src, dst, right, |r| tree.goes_left(node, col[r as usize])),
            // Few rows (most nodes deep in a leaf-wise tree): not worth the vector set-up.
            Some(col) => {
                let wide = wide && e - s >= 16;
                split_numeric(node.threshold, node.default_left, col, src, dst, right, parity == 2, wide)
            }
        };
        stack.push((node.right, (s + n_left) as u32, e as u32, next));
        stack.push((node.left, s as u32, (s + n_left) as u32, next));
    }
}

/// Writes the rows of `src` going left to the front of `dst` and the others after them;
/// returns how many go left.
fn split(src: &[u32], dst: &mut [u32], right: &mut [u32], goes_left: impl Fn(u32) -> bool) -> usize {
    let (mut lo, mut ro) = (0, 0);
    for &r in src {
        let l = goes_left(r);
        // Both writes, one cursor moves: no branch on the (unpredictable) side.
        dst[lo] = r;
        right[ro] = r;
        lo += l as usize;
        ro += !l as usize;
    }
    dst[lo..lo + ro].copy_from_slice(&right[..ro]);
    lo
}

/// [`split`] for a numeric node: `v <= threshold` goes left, a missing value goes to
/// `default_left`'s side. `wide`: the CPU has AVX-512 (checked by the caller); `root`: `src`
/// is `0..col.len()` (the root's rows), so values are read in order instead of gathered.
#[allow(clippy::too_many_arguments)]
fn split_numeric(
    threshold: f64,
    default_left: bool,
    col: &[f64],
    src: &[u32],
    dst: &mut [u32],
    right: &mut [u32],
    root: bool,
    wide: bool,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if wide && root {
        // SAFETY: as below; `src` is `0..n` with `n == col.len()`.
        return unsafe { split_numeric_avx512::<true>(threshold, default_left, col, src, dst, right) };
    }
    #[cfg(target_arch = "x86_64")]
    if wide {
        // SAFETY: `wide` is set only when the CPU supports AVX-512F and VL, and the row numbers
        // of a block are `< block.n == col.len()` (`add_tree_partitioned` starts from `0..n`
        // and only ever moves them between buffers).
        return unsafe { split_numeric_avx512::<false>(threshold, default_left, col, src, dst, right) };
    }
    let _ = (wide, root);
    split(src, dst, right, |r| {
        let v = col[r as usize];
        (v <= threshold) | (default_left & v.is_nan())
    })
}

/// [`split_numeric`], eight rows per step: gather their values, compare, and compress the row
/// numbers of each side into place.
///
/// # Safety
/// The CPU supports AVX-512F and VL, and every entry of `src` is `< col.len()`; with `ROOT`,
/// `src` is `0..col.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
unsafe fn split_numeric_avx512<const ROOT: bool>(
    threshold: f64,
    default_left: bool,
    col: &[f64],
    src: &[u32],
    dst: &mut [u32],
    right: &mut [u32],
) -> usize {
    use std::arch::x86_64::*;
    let len = src.len();
    assert!(dst.len() == len && right.len() >= len);
    let t = _mm512_set1_pd(threshold);
    let dl: __mmask8 = if default_left { 0xff } else { 0 };
    let (mut lo, mut ro, mut i) = (0usize, 0usize, 0usize);
    let iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    while i + 8 <= len {
        // SAFETY: `i + 8 <= len` for the load; every gathered index is `< col.len()` (the
        // caller's contract); the stores write 8 lanes at `lo` and `ro`, both `<= i`, so
        // within `len`.
        unsafe {
            let (idx, v) = if ROOT {
                (_mm256_add_epi32(iota, _mm256_set1_epi32(i as i32)), _mm512_loadu_pd(col.as_ptr().add(i)))
            } else {
                let idx = _mm256_loadu_si256(src.as_ptr().add(i) as *const __m256i);
                (idx, _mm512_i32gather_pd::<8>(idx, col.as_ptr()))
            };
            let le = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(v, t);
            let nan = _mm512_cmp_pd_mask::<_CMP_UNORD_Q>(v, v);
            let left = le | (nan & dl);
            let l = _mm256_maskz_compress_epi32(left, idx);
            let r = _mm256_maskz_compress_epi32(!left, idx);
            _mm256_storeu_si256(dst.as_mut_ptr().add(lo) as *mut __m256i, l);
            _mm256_storeu_si256(right.as_mut_ptr().add(ro) as *mut __m256i, r);
            let nl = left.count_ones() as usize;
            lo += nl;
            ro += 8 - nl;
        }
        i += 8;
    }
    for &r in &src[i..] {
        let v = col[r as usize];
        let l = (v <= threshold) | (default_left & v.is_nan());
        dst[lo] = r;
        right[ro] = r;
        lo += l as usize;
        ro += !l as usize;
    }
    dst[lo..lo + ro].copy_from_slice(&right[..ro]);
    lo
}

/// Whether this CPU can run the AVX-512 split.
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl GbmModel {
    /// Raw log-odds for every row of `x` (initial score plus every tree).
    ///
    /// Columns the model uses but `x` lacks read as missing.
    pub fn predict_margin(&self, x: &ColMatrix) -> Vec<f64> {
        self.predict_margin_with(x, has_avx512())
    }

    /// [`GbmModel::predict_margin`], with the AVX-512 split (`wide`, only where the CPU has it)
    /// or the portable one.
    pub(crate) fn predict_margin_with(&self, x: &ColMatrix, wide: bool) -> Vec<f64> {
        let wide = wide && has_avx512();
        let mut out = vec![self.init_score; x.n_rows];
        let shaped = x.check_shape("x").is_ok();
        let width = self.n_features;
        out.par_chunks_mut(BLOCK).enumerate().for_each_init(
            || (Partition::default(), Vec::new()),
            |(part, copy), (b, chunk)| {
                let (first, n) = (b * BLOCK, chunk.len());
                let block = if shaped {
                    Block { data: x.data, stride: x.n_rows, offset: first, n, n_cols: x.n_cols }
                } else {
                    // A mis-shaped view: copy what can be read (the rest reads as missing).
                    copy.clear();
                    copy.extend((0..width).flat_map(|c| (0..n).map(move |i| x.get(first + i, c))));
                    Block { data: copy, stride: n, offset: 0, n, n_cols: width }
                };
                for tree in &self.trees {
                    add_tree_partitioned(tree, &block, chunk, part, wide);
                }
            },
        );
        out
    }

    /// Raw log-odds by the definition, row by row and tree by tree (each row walks each tree): what
    /// [`GbmModel::predict_margin`] is tested against, bit for bit. Slow; for cross-checks.
    pub fn predict_margin_reference(&self, x: &ColMatrix) -> Vec<f64> {
        (0..x.n_rows)
            .into_par_iter()
            .map(|i| self.trees.iter().fold(self.init_score, |m, t| m + t.predict(|c| x.get(i, c))))
            .collect()
    }

    /// `P(y = 1)` for every row: the sigmoid of [`GbmModel::predict_margin`].
    pub fn predict_proba(&self, x: &ColMatrix) -> Vec<f64> {
        let mut m = self.predict_margin(x);
        m.par_iter_mut().for_each(|v| *v = sigmoid(*v));
        m
    }
}

#[cfg(test)]
mod tests {
    use crate::matrix::ColMatrix;
    use crate::model::tests::sample_model;

    #[test]
    fn margins_add_the_init_score_and_proba_is_the_sigmoid() {
        let m = sample_model();
        // rows: (1, 0) -> -1; (NaN, 3) -> 0.5; (2, 9) -> 2
        let d = [1.0, f64::NAN, 2.0, 0.0, 3.0, 9.0];
        let x = ColMatrix::new(&d, 3, 2).unwrap();
        assert_eq!(m.predict_margin(&x), vec![-0.75, 0.75, 2.25]);
        let p = m.predict_proba(&x);
        assert!((p[0] - 1.0 / (1.0 + 0.75f64.exp())).abs() < 1e-15);
        // A matrix missing column 1: that column reads as missing -> right branch of the category split.
        let x1 = ColMatrix::new(&d[..3], 3, 1).unwrap();
        assert_eq!(m.predict_margin(&x1), vec![-0.75, 2.25, 2.25]);
        // A mis-shaped view does not panic.
        let bad = ColMatrix { data: &d[..4], n_rows: 3, n_cols: 2 };
        assert_eq!(m.predict_margin(&bad).len(), 3);
    }

    /// Bitwise equality of every margin, with both splits.
    fn assert_same_bits(model: &crate::GbmModel, x: &ColMatrix, what: &str) {
        let want = model.predict_margin_reference(x);
        for wide in [false, true] {
            let got = model.predict_margin_with(x, wide);
            assert_eq!(got.len(), want.len());
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g.to_bits(), w.to_bits(), "{what}, wide {wide}, row {i}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn random_forests_score_bit_identically_to_the_tree_by_tree_definition() {
        use crate::shap_explainer::tests::{model_of, random_rows, random_tree};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for case in 0..30 {
            let k = rng.random_range(1..12);
            let is_cat: Vec<bool> = (0..k).map(|_| rng.random::<f64>() < 0.25).collect();
            let trees = (0..rng.random_range(1..40)).map(|_| {
                let (leaves, chain) = (rng.random_range(1..64), rng.random::<f64>() < 0.1);
                random_tree(&mut rng, &is_cat, leaves, chain)
            });
            let mut model = model_of(trees.collect(), &is_cat);
            model.init_score = rng.random::<f64>() - 0.5;
            // Several blocks and a partial one; rows with missing values and unseen categories.
            let n = [1, 7, 8, 9, 300, super::BLOCK + 17][case % 6];
            let x = random_rows(&mut rng, &is_cat, n);
            assert_same_bits(&model, &ColMatrix::new(&x, n, k).unwrap(), &format!("case {case}"));
            // The last column absent: it reads as missing.
            if k > 1 {
                assert_same_bits(&model, &ColMatrix::new(&x[..n * (k - 1)], n, k - 1).unwrap(), "fewer columns");
            }
            // A mis-shaped view.
            assert_same_bits(&model, &ColMatrix { data: &x[..x.len() - 1], n_rows: n, n_cols: k }, "mis-shaped");
        }
    }

    #[test]
    fn mixed_model_scores_the_same_bits_as_tree_by_tree_scoring() {
        let (model, probe, k) = crate::treeshap::tests::mixed_model();
        let n = probe.len() / k;
        // Column-major copy of the probe rows (not a multiple of the 8-row step).
        let cols: Vec<f64> = (0..k).flat_map(|c| probe.chunks(k).map(move |r| r[c])).collect();
        let x = ColMatrix::new(&cols, n, k).unwrap();
        let got = model.predict_margin(&x);
        for (row, g) in probe.chunks(k).zip(&got) {
            let want = model.trees.iter().fold(model.init_score, |s, t| s + t.predict(|c| row[c]));
            assert_eq!(g.to_bits(), want.to_bits(), "{row:?}");
        }
        assert_same_bits(&model, &x, "mixed model");
    }
}
