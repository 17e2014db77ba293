//! Exact path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2), as in LightGBM's
//! `pred_contrib`: the reference implementation.
//!
//! Node cover is the number of training rows that reached the node. For each row the
//! contributions of one tree sum to `f(x) - E[f]`, with `E[f]` the cover-weighted mean leaf
//! value; the bias column holds the initial score plus every tree's `E[f]`, so each row
//! of the output sums to the margin.
//!
//! [`GbmModel::shap`] uses [`crate::ShapExplainer`], which computes the same values with
//! less work per row; this recursion is kept as [`GbmModel::shap_reference`], the definition
//! the explainer is tested against, and as the explainer's fallback for trees with more
//! distinct features on one path than its quadrature covers. Row-independent cover fractions
//! are computed once per tree, and extending a path by a `one_fraction` of 0 or 1 (the only
//! values path-dependent TreeSHAP produces) skips the multiplications that cannot change a
//! weight.

use rayon::prelude::*;

use crate::matrix::ColMatrix;
use crate::model::GbmModel;
use crate::predict::gather_rows;
use crate::tree::Tree;

#[derive(Clone, Copy, Default)]
pub(crate) struct PathElement {
    pub(crate) feature: i64,
    pub(crate) zero_fraction: f64,
    pub(crate) one_fraction: f64,
    pub(crate) pweight: f64,
}

/// `RECIP[i] = 1 / i`: TreeSHAP's weights divide by small integers in its innermost loops.
const RECIP: [f64; MAX_PATH + 2] = {
    let mut t = [0.0; MAX_PATH + 2];
    let mut i = 1;
    while i < t.len() {
        t[i] = 1.0 / i as f64;
        i += 1;
    }
    t
};

/// Longest unique path: the depth limit plus the root element.
const MAX_PATH: usize = crate::params::MAX_TREE_DEPTH + 1;

pub(crate) fn extend_path(
    path: &mut [PathElement],
    unique_depth: usize,
    zero_fraction: f64,
    one_fraction: f64,
    feature: i64,
) {
    path[unique_depth] =
        PathElement { feature, zero_fraction, one_fraction, pweight: if unique_depth == 0 { 1.0 } else { 0.0 } };
    let inv = RECIP[unique_depth + 1];
    let path = &mut path[..=unique_depth];
    // Path-dependent TreeSHAP only ever extends with `one_fraction` 0 or 1. Weights are finite
    // and >= 0, so `0 * w` adds +0 (a no-op) and `1 * w` is `w`: the special cases give the
    // same bits as the general formula, with less work.
    if one_fraction == 0.0 {
        for i in (0..unique_depth).rev() {
            path[i].pweight = zero_fraction * path[i].pweight * (unique_depth - i) as f64 * inv;
        }
    } else if one_fraction == 1.0 {
        for i in (0..unique_depth).rev() {
            path[i + 1].pweight += path[i].pweight * (i + 1) as f64 * inv;
            path[i].pweight = zero_fraction * path[i].pweight * (unique_depth - i) as f64 * inv;
        }
    } else {
        for i in (0..unique_depth).rev() {
            path[i + 1].pweight += one_fraction * path[i].pweight * (i + 1) as f64 * inv;
            path[i].pweight = zero_fraction * path[i].pweight * (unique_depth - i) as f64 * inv;
        }
    }
}

pub(crate) fn unwind_path(path: &mut [PathElement], unique_depth: usize, path_index: usize) {
    let one_fraction = path[path_index].one_fraction;
    let zero_fraction = path[path_index].zero_fraction;
    let mut next_one_portion = path[unique_depth].pweight;
    let d1 = (unique_depth + 1) as f64;
    if one_fraction != 0.0 {
        let c = d1 / one_fraction;
        let z = zero_fraction * RECIP[unique_depth + 1];
        for i in (0..unique_depth).rev() {
            let tmp = path[i].pweight;
            path[i].pweight = next_one_portion * c * RECIP[i + 1];
            next_one_portion = tmp - path[i].pweight * z * (unique_depth - i) as f64;
        }
    } else {
        let c = d1 / zero_fraction;
        for i in (0..unique_depth).rev() {
            path[i].pweight = path[i].pweight * c * RECIP[unique_depth - i];
        }
    }
    for i in path_index..unique_depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

pub(crate) fn unwound_path_sum(path: &[PathElement], unique_depth: usize, path_index: usize) -> f64 {
    let path = &path[..=unique_depth];
    let recip = &RECIP[..=unique_depth + 1];
    let one_fraction = path[path_index].one_fraction;
    let zero_fraction = path[path_index].zero_fraction;
    let d1 = (unique_depth + 1) as f64;
    let mut total = 0.0;
    if one_fraction != 0.0 {
        let mut next_one_portion = path[unique_depth].pweight;
        let c = d1 / one_fraction;
        let z = zero_fraction * RECIP[unique_depth + 1];
        for i in (0..unique_depth).rev() {
            let tmp = next_one_portion * c * recip[i + 1];
            total += tmp;
            next_one_portion = path[i].pweight - tmp * z * (unique_depth - i) as f64;
        }
    } else {
        let c = d1 / zero_fraction;
        for i in (0..unique_depth).rev() {
            total += path[i].pweight * c * recip[unique_depth - i];
        }
    }
    total
}

/// One row's walk through one tree: the inputs and the per-thread buffers the recursion shares.
struct Walk<'a> {
    tree: &'a Tree,
    /// Per internal node: the share of its cover going left and right (row-independent).
    fractions: &'a [[f64; 2]],
    row: &'a [f64],
    phi: &'a mut [f64],
    /// Nested unique paths, one per recursion level (`path_len(depth)` elements).
    buf: &'a mut [PathElement],
}

impl Walk<'_> {
    /// Recursive step. `buf[offset..]` is this call's path; the parent's path (of length
    /// `unique_depth`) sits right before it and is copied in.
    fn recurse(
        &mut self,
        node: i32,
        unique_depth: usize,
        parent_offset: usize,
        parent_zero_fraction: f64,
        parent_one_fraction: f64,
        parent_feature: i64,
    ) {
        let offset = parent_offset + unique_depth;
        if unique_depth > 0 {
            let (head, tail) = self.buf.split_at_mut(offset);
            tail[..unique_depth].copy_from_slice(&head[parent_offset..parent_offset + unique_depth]);
        }
        let path = &mut self.buf[offset..];
        extend_path(path, unique_depth, parent_zero_fraction, parent_one_fraction, parent_feature);

        let tree = self.tree;
        if node < 0 {
            let value = tree.leaf_value[!node as usize];
            for i in 1..=unique_depth {
                let w = unwound_path_sum(path, unique_depth, i);
                let el = path[i];
                self.phi[el.feature as usize] += w * (el.one_fraction - el.zero_fraction) * value;
            }
            return;
        }
        let n = &tree.nodes[node as usize];
        let [left_fraction, right_fraction] = self.fractions[node as usize];
        let (hot, cold, hot_zero_fraction, cold_zero_fraction) = if tree.goes_left(n, self.row[n.feature as usize]) {
            (n.left, n.right, left_fraction, right_fraction)
        } else {
            (n.right, n.left, right_fraction, left_fraction)
        };
        let mut incoming_zero_fraction = 1.0;
        let mut incoming_one_fraction = 1.0;
        let mut unique_depth = unique_depth;
        // If this feature was already split on along the path, undo that split so it is redone here.
        let f = n.feature as i64;
        if let Some(pi) = (1..=unique_depth).find(|&i| path[i].feature == f) {
            incoming_zero_fraction = path[pi].zero_fraction;
            incoming_one_fraction = path[pi].one_fraction;
            unwind_path(path, unique_depth, pi);
            unique_depth -= 1;
        }
        self.recurse(
            hot,
            unique_depth + 1,
            offset,
            hot_zero_fraction * incoming_zero_fraction,
            incoming_one_fraction,
            f,
        );
        self.recurse(cold, unique_depth + 1, offset, cold_zero_fraction * incoming_zero_fraction, 0.0, f);
    }
}

/// Adds one tree's SHAP values for a row (all model columns) into `phi` (length
/// `n_features + 1`). `buf` must hold `path_len(depth)` elements.
pub(crate) fn tree_shap(tree: &Tree, fractions: &[[f64; 2]], row: &[f64], phi: &mut [f64], buf: &mut [PathElement]) {
    if !tree.nodes.is_empty() {
        Walk { tree, fractions, row, phi, buf }.recurse(0, 0, 0, 1.0, 1.0, -1);
    }
}

/// Per internal node of `tree`: `[cover(left) / cover, cover(right) / cover]`.
pub(crate) fn cover_fractions(tree: &Tree) -> Vec<[f64; 2]> {
    tree.nodes
        .iter()
        .zip(&tree.internal_count)
        .map(|(n, &w)| [tree.cover(n.left) / w, tree.cover(n.right) / w])
        .collect()
}

/// Path buffer length for a tree of depth `depth`: the nested paths of lengths 1..=depth+1.
pub(crate) fn path_len(depth: usize) -> usize {
    (depth + 2) * (depth + 3) / 2
}

impl GbmModel {
    /// TreeSHAP by the recursion of Lundberg et al. (row by row, tree by tree): the same
    /// output as [`GbmModel::shap`] to rounding, several times slower. For cross-checks.
    pub fn shap_reference(&self, x: &ColMatrix) -> Vec<f64> {
        let k = self.n_features;
        let width = k + 1;
        let bias = self.init_score + self.trees.iter().map(Tree::expected_value).sum::<f64>();
        let max_depth = self.trees.iter().map(Tree::max_depth).max().unwrap_or(0);
        let fractions: Vec<Vec<[f64; 2]>> = self.trees.iter().map(cover_fractions).collect();
        let mut out = vec![0.0; x.n_rows * width];
        const ROWS: usize = 256;
        out.par_chunks_mut(width * ROWS).enumerate().for_each_init(
            || (Vec::new(), vec![PathElement::default(); path_len(max_depth)]),
            |(rows, path), (b, chunk)| {
                let n = chunk.len() / width;
                gather_rows(x, b * ROWS, n, k, rows);
                for (i, phi) in chunk.chunks_mut(width).enumerate() {
                    let row = &rows[i * k..(i + 1) * k];
                    for (t, fr) in self.trees.iter().zip(&fractions) {
                        tree_shap(t, fr, row, phi, path);
                    }
                    phi[k] = bias;
                }
            },
        );
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::matrix::ColMatrix;
    use crate::model::tests::sample_model;
    use crate::model::GbmModel;
    use crate::params::GbmParams;

    /// A model with numeric, missing and categorical splits and features split repeatedly on
    /// one path, plus probe rows (row-major) that hit every kind of branch.
    pub(crate) fn mixed_model() -> (GbmModel, Vec<f64>, usize) {
        let (n, k) = (600, 4);
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut x = vec![0.0; n * k];
        let mut y = vec![0.0; n];
        for i in 0..n {
            let a = next() * 4.0;
            let b = if next() < 0.1 { f64::NAN } else { next() * 2.0 - 1.0 };
            let c = (next() * 6.0).floor();
            let d = next();
            x[i] = a;
            x[n + i] = b;
            x[2 * n + i] = c;
            x[3 * n + i] = d;
            let logit =
                (a - 2.0).sin() * 2.0 + if b.is_nan() { 1.0 } else { b } + [1.0, -1.0, 0.5, 0.0, -0.5, 2.0][c as usize];
            y[i] = if next() < 1.0 / (1.0 + (-logit).exp()) { 1.0 } else { 0.0 };
        }
        let m = ColMatrix::new(&x, n, k).unwrap();
        let params = GbmParams {
            num_trees: 8,
            num_leaves: 12,
            min_data_in_leaf: 5,
            categorical: vec![2],
            max_cat_to_onehot: 2,
            min_data_per_group: 5,
            ..Default::default()
        };
        let model = params.check(k).unwrap().fit(&m, &y, None).unwrap();
        let mut probe = Vec::new();
        for i in 0..n {
            probe.extend((0..k).map(|c| x[c * n + i]));
        }
        // Missing everywhere, an unseen category, a non-integer category.
        probe.extend([f64::NAN; 4]);
        probe.extend([1.0, 0.3, 17.0, 0.5]);
        probe.extend([3.0, f64::NAN, 2.5, 0.1]);
        (model, probe, k)
    }

    #[test]
    fn hand_computed_shap_for_the_sample_tree() {
        // Tree: x0 <= 1.5 ? -1 (4 rows) : (x1 in {1,3} ? 0.5 (2 rows) : 2 (4 rows)); init 0.25.
        // E[f] = 0.5. Row (2, 1) -> 0.5. Exact Shapley values with path-dependent expectations:
        //   f({})     = 0.5,  f({x0}) = (2*0.5 + 4*2)/6 = 1.5,
        //   f({x1})   = 0.4*(-1) + 0.6*0.5 = -0.1,  f({x0,x1}) = 0.5
        //   phi0 = ((1.5 - 0.5) + (0.5 - -0.1)) / 2 = 0.8, phi1 = ((-0.1 - 0.5) + (0.5 - 1.5)) / 2 = -0.8
        let m = sample_model();
        let d = [2.0, 1.0];
        let x = ColMatrix::new(&d, 1, 2).unwrap();
        let s = m.shap_reference(&x);
        assert!(s.iter().zip(m.shap(&x)).all(|(a, b)| (a - b).abs() < 1e-12));
        let expect = [0.8, -0.8, 0.75];
        for (a, b) in s.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{s:?}");
        }
        assert!((s.iter().sum::<f64>() - m.predict_margin(&x)[0]).abs() < 1e-12);
    }
}
