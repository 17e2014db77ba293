//! [`ShapExplainer`]: exact path-dependent TreeSHAP in O(nodes x points) per tree and row,
//! with no per-row recursion and no per-leaf tables.
//!
//! # The formulation
//!
//! For a leaf `l` whose path splits on the distinct features `U` (`n = |U|`), path-dependent
//! TreeSHAP ([`crate::treeshap`], Lundberg et al. 2018) gives feature `f` in `U`
//!
//! ```text
//! phi_f += v_l (s_f - z_f) sum_{S in U\{f}} |S|! (n-|S|-1)! / n!  prod_{j in S} s_j  prod_{j in U\S\{f}} z_j
//! ```
//!
//! with `s_j` = 1 if the row satisfies every condition on `j` along the path (else 0) and
//! `z_j` the product of the cover fractions of those conditions. The Shapley weight is a Beta
//! integral, `|S|!(n-|S|-1)!/n! = int_0^1 t^|S| (1-t)^(n-|S|-1) dt`, so the sum is
//! `int_0^1 P_l(t) / q_f(t) dt` with `q_j(t) = z_j + (s_j - z_j) t` and `P_l = prod_{j in U} q_j`
//! (Linear TreeSHAP, Yu et al. 2022). `P_l / q_f` has degree `n - 1`, so Gauss-Legendre
//! quadrature with `M >= n / 2` points integrates it exactly: every polynomial becomes its
//! values at `M` points, a short vector.
//!
//! A feature split several times on a path is handled by telescoping: writing
//! `h(s, z) = (s - z) / q(t)`, the leaf's factor `(s_f - z_f) / q_f` is the sum, over the
//! splits on `f` along the path, of the change in `h` that split makes (from the state
//! `(s, z)` before it to the state after). Each change belongs to one edge of the tree and
//! depends on the row only through two bits (did the row satisfy `f` so far, does it take this
//! edge), so for every edge and each of the 3 possible cases the explainer precomputes, once
//! per model:
//! - `ratio`: the factor by which the edge changes `P` (`q_f after / q_f before`), and
//! - `dh`: the change in `h`, premultiplied by the quadrature weights.
//!
//! A row then costs, per tree, one pass down the internal nodes (level by level: `P` at every
//! internal node, one vector multiply per edge) and one pass up (`S_c`, the sum of `v_l P_l`
//! over the leaves below `c`; then `phi_f += dh_e . S_c` for every edge `e` into `c`, kept as
//! a vector per feature until all trees are done). A leaf never gets its own `P` or `S`: its
//! value is folded into its edge's coefficients. Four rows go through a tree together, the
//! vectors are 4, 8 or 16 values (the fewest points exact for the tree's deepest path), and
//! everything is branch-free arithmetic over a few kilobytes.
//!
//! The results agree with the recursion to rounding (about 1e-15 relative; the tests pin
//! 1e-9), not bit for bit: the sums run in a different order.
//!
//! Trees with more than 32 distinct features on one path (possible only for very deep trees
//! on wide data) fall back to the recursion.

use rayon::prelude::*;

use crate::error::GbmError;
use crate::matrix::ColMatrix;
use crate::model::GbmModel;
use crate::predict::{gather_rows, gather_selected_rows};
use crate::tree::Tree;
use crate::treeshap::{cover_fractions, path_len, tree_shap, PathElement};

/// Most distinct features on a path that the quadrature (16 points at most) handles exactly.
const MAX_UNIQUE: usize = 32;
/// Rows explained together, tree by tree (a tree's coefficients stay in cache).
const BLOCK: usize = 512;
/// `prev` of an edge whose feature was not split on above it.
const NONE: u32 = u32::MAX;

/// Gauss-Legendre nodes and weights on `[0, 1]` (Newton's method on the Legendre polynomial).
pub(crate) fn gauss_legendre(m: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut t, mut w) = (vec![0.0; m], vec![0.0; m]);
    for i in 0..m.div_ceil(2) {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (m as f64 + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=m {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            let p = if m == 1 { x } else { p1 };
            let pm1 = if m == 1 { 1.0 } else { p0 };
            dp = m as f64 * (x * p - pm1) / (x * x - 1.0);
            let dx = p / dp;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        // On [-1, 1]: nodes +-x, weight 2 / ((1 - x^2) P'(x)^2); mapped to [0, 1].
        let wt = 2.0 / ((1.0 - x * x) * dp * dp);
        t[i] = (1.0 - x) / 2.0;
        t[m - 1 - i] = (1.0 + x) / 2.0;
        w[i] = wt / 2.0;
        w[m - 1 - i] = wt / 2.0;
    }
    (t, w)
}

/// One tree laid out for the explainer: its internal nodes breadth first (root first, a parent
/// before its children), each with two child slots (`2 * i` left, `2 * i + 1` right).
struct TreePlan {
    /// Per internal node: its index in `Tree::nodes`.
    node: Vec<u32>,
    /// Per internal node: the split (copied from the tree, so the hot loop reads 16 bytes).
    feature: Vec<u32>,
    threshold: Vec<f64>,
    /// Per internal node: bit 0 = a missing value goes left, bit 1 = categorical split.
    flags: Vec<u8>,
    /// Per internal node: the nearest node at or above it whose incoming edge splits on this
    /// node's feature (the edge that decides whether the row still satisfies the feature), or
    /// `NONE`.
    prev: Vec<u32>,
    /// Per child slot: the internal child's position, or `NONE` for a leaf.
    child: Vec<u32>,
    /// Per child slot, 6 vectors of `points` values for the cases 0, 1, 2 (see the module
    /// docs). An internal child: `ratio[0..3]` then `dh[0..3]`. A leaf child of value `v`,
    /// folded into its parent: `v * ratio[0..3]` then `v * dh * ratio[0..3]`.
    coef: Vec<f64>,
    /// Quadrature points of this tree: 4, 8 or 16, the fewest exact for its deepest path.
    points: usize,
}

/// How one tree is explained.
enum Plan {
    /// A single leaf: only the bias.
    Leaf,
    Fast(TreePlan),
    /// Too many distinct features on some path for the quadrature: the recursion.
    Recursion {
        fractions: Vec<[f64; 2]>,
        path: usize,
    },
}

/// Distinct features on the deepest-in-features path of `tree`.
fn max_unique(tree: &Tree) -> usize {
    fn walk(tree: &Tree, node: i32, feats: &mut Vec<u32>) -> usize {
        if node < 0 {
            let mut d = feats.clone();
            d.sort_unstable();
            d.dedup();
            return d.len();
        }
        let n = &tree.nodes[node as usize];
        feats.push(n.feature);
        let m = walk(tree, n.left, feats).max(walk(tree, n.right, feats));
        feats.pop();
        m
    }
    if tree.nodes.is_empty() {
        0
    } else {
        walk(tree, 0, &mut Vec::new())
    }
}

/// `h(s, z) = (s - z) / (z + (s - z) t)`; 0 when `s = z = 0` (such a path adds nothing).
fn h(s: f64, z: f64, t: f64) -> f64 {
    let q = z + (s - z) * t;
    if q == 0.0 {
        0.0
    } else {
        (s - z) / q
    }
}

/// `q(s, z) = z + (s - z) t`.
fn q(s: f64, z: f64, t: f64) -> f64 {
    z + (s - z) * t
}

impl TreePlan {
    fn new(tree: &Tree, t: &[f64], w: &[f64]) -> TreePlan {
        let m = t.len();
        let fractions = cover_fractions(tree);
        // The internal nodes level by level (breadth first), each with its parent's position
        // and its side: the nodes of one level depend only on the level above, so their
        // vector chains overlap.
        let mut order: Vec<(usize, u32, usize)> = vec![(0, NONE, 0)]; // (node, parent position, side)
        let mut next = 0;
        while next < order.len() {
            let n = &tree.nodes[order[next].0];
            for (side, link) in [n.left, n.right].into_iter().enumerate() {
                if link >= 0 {
                    order.push((link as usize, next as u32, side));
                }
            }
            next += 1;
        }
        let count = order.len();
        let mut plan = TreePlan {
            node: order.iter().map(|o| o.0 as u32).collect(),
            feature: order.iter().map(|o| tree.nodes[o.0].feature).collect(),
            threshold: order.iter().map(|o| tree.nodes[o.0].threshold).collect(),
            flags: order
                .iter()
                .map(|o| tree.nodes[o.0].default_left as u8 | (tree.nodes[o.0].cat.is_some() as u8) << 1)
                .collect(),
            prev: vec![NONE; count],
            child: vec![NONE; 2 * count],
            coef: vec![0.0; 2 * count * 6 * m],
            points: m,
        };
        // z of the feature of the edge into each internal node, after that edge.
        let mut z_after = vec![1.0; count];
        for (me, &(i, parent, side)) in order.iter().enumerate() {
            if parent != NONE {
                plan.child[2 * parent as usize + side] = me as u32;
            }
            let f = tree.nodes[i].feature;
            // The edge into `a` splits on the feature of `a`'s parent.
            let mut a = me;
            while order[a].1 != NONE {
                let pa = order[a].1 as usize;
                if tree.nodes[order[pa].0].feature == f {
                    plan.prev[me] = a as u32;
                    break;
                }
                a = pa;
            }
            let z_before = if plan.prev[me] == NONE { 1.0 } else { z_after[plan.prev[me] as usize] };
            let n = &tree.nodes[i];
            for (s, link) in [n.left, n.right].into_iter().enumerate() {
                let z = z_before * fractions[i][s];
                let slot = &mut plan.coef[(2 * me + s) * 6 * m..(2 * me + s + 1) * 6 * m];
                // Leaves fold their value in; internal children get it from below.
                let v = if link < 0 { tree.leaf_value[!link as usize] } else { 1.0 };
                for (j, (&tj, &wj)) in t.iter().zip(w).enumerate() {
                    // case 0: satisfied so far and takes this edge; 1: satisfied so far, takes
                    // the other edge; 2: failed above (P changes by the cover fraction only).
                    let qb1 = q(1.0, z_before, tj);
                    let qb0 = q(0.0, z_before, tj);
                    let ratio = |qa: f64, qb: f64| if qa == 0.0 { 0.0 } else { qa / qb };
                    let r = [ratio(q(1.0, z, tj), qb1), ratio(q(0.0, z, tj), qb1), ratio(q(0.0, z, tj), qb0)];
                    let dh = [
                        wj * (h(1.0, z, tj) - h(1.0, z_before, tj)),
                        wj * (h(0.0, z, tj) - h(1.0, z_before, tj)),
                        wj * (h(0.0, z, tj) - h(0.0, z_before, tj)),
                    ];
                    for c in 0..3 {
                        if link < 0 {
                            slot[c * m + j] = v * r[c];
                            slot[(3 + c) * m + j] = v * dh[c] * r[c];
                        } else {
                            slot[c * m + j] = r[c];
                            slot[(3 + c) * m + j] = dh[c];
                        }
                    }
                }
                if link >= 0 {
                    // The state after this edge, which the edges below the child start from.
                    z_after_child(&mut z_after, &order, me, s, z);
                }
            }
        }
        plan
    }
}

/// Records `z` for the internal child on side `side` of the node at position `me` (found by
/// scanning forward: children come after their parent).
fn z_after_child(z_after: &mut [f64], order: &[(usize, u32, usize)], me: usize, side: usize, z: f64) {
    if let Some(c) = (me + 1..order.len()).find(|&c| order[c].1 == me as u32 && order[c].2 == side) {
        z_after[c] = z;
    }
}

mod kernel;

use kernel::*;

/// TreeSHAP for one model, precomputed once and reused for any number of batches.
///
/// Building costs a few microseconds per tree and `6 * M * 8` bytes per edge (`M` = 4, 8 or
/// 16 quadrature points, chosen for the tree's deepest path; 23 KiB for a 31-leaf tree at
/// `M = 8`), so build one per model and call [`ShapExplainer::shap`] or
/// [`ShapExplainer::shap_rows`] for each batch.
///
/// ```
/// # use leadscore_gbm::{ColMatrix, GbmParams, ShapExplainer};
/// # let n = 200;
/// # let mut data: Vec<f64> = (0..n).map(|i| (i % 10) as f64).collect();
/// # data.extend((0..n).map(|i| ((i * 7) % 13) as f64));
/// # let y: Vec<f64> = (0..n).map(|i| if i % 10 >= 5 { 1.0 } else { 0.0 }).collect();
/// # let x = ColMatrix::new(&data, n, 2)?;
/// # let model = GbmParams { num_trees: 20, num_leaves: 4, ..Default::default() }.check(2)?.fit(&x, &y, None)?;
/// let explainer = ShapExplainer::new(&model);
/// // Only rows 3 and 17: one row of n_features + 1 values each, in the order asked.
/// let some = explainer.shap_rows(&x, &[3, 17])?;
/// let all = explainer.shap(&x);
/// assert!((some[3] - all[17 * 3]).abs() < 1e-12);
/// # Ok::<(), leadscore_gbm::GbmError>(())
/// ```
pub struct ShapExplainer<'m> {
    model: &'m GbmModel,
    /// Most quadrature points of any tree (0 when no tree needs the fast kernel): the width of
    /// the per-feature sums.
    points: usize,
    plans: Vec<Plan>,
    bias: f64,
    /// Most internal nodes in one fast tree.
    max_nodes: usize,
    /// The kernel compilation to run.
    pub(crate) simd: Simd,
}

impl<'m> ShapExplainer<'m> {
    /// Precomputes the per-edge coefficients of every tree of `model`.
    pub fn new(model: &'m GbmModel) -> ShapExplainer<'m> {
        let uniques: Vec<usize> = model.trees.iter().map(max_unique).collect();
        let rules: Vec<(Vec<f64>, Vec<f64>)> = [4, 8, 16].iter().map(|&m| gauss_legendre(m)).collect();
        let plans: Vec<Plan> = model
            .trees
            .par_iter()
            .zip(&uniques)
            .map(|(tree, &u)| match u {
                0 => Plan::Leaf,
                1..=8 => Plan::Fast(TreePlan::new(tree, &rules[0].0, &rules[0].1)),
                9..=16 => Plan::Fast(TreePlan::new(tree, &rules[1].0, &rules[1].1)),
                17..=MAX_UNIQUE => Plan::Fast(TreePlan::new(tree, &rules[2].0, &rules[2].1)),
                _ => Plan::Recursion { fractions: cover_fractions(tree), path: path_len(tree.max_depth()) },
            })
            .collect();
        let points = plans.iter().map(|p| if let Plan::Fast(tp) = p { tp.points } else { 0 }).max().unwrap_or(0);
        let max_nodes = plans.iter().map(|p| if let Plan::Fast(tp) = p { tp.node.len() } else { 0 }).max().unwrap_or(0);
        let bias = model.init_score + model.trees.iter().map(Tree::expected_value).sum::<f64>();
        ShapExplainer { model, points, plans, bias, max_nodes, simd: Simd::detect() }
    }

    /// Exact TreeSHAP contributions for every row of `x`: row-major `n_rows x (n_features + 1)`,
    /// the last column the expected value (bias); each row sums to the model's margin.
    /// Columns the model uses but `x` lacks read as missing.
    pub fn shap(&self, x: &ColMatrix) -> Vec<f64> {
        self.run(x.n_rows, |first, n, buf| gather_rows(x, first, n, self.model.n_features, buf))
    }

    /// As [`ShapExplainer::shap`], for the rows `rows` of `x` only (in that order, repeats
    /// allowed): one output row per entry. Errors if an index is not a row of `x`.
    pub fn shap_rows(&self, x: &ColMatrix, rows: &[usize]) -> Result<Vec<f64>, GbmError> {
        if let Some(&row) = rows.iter().find(|&&r| r >= x.n_rows) {
            return Err(GbmError::RowOutOfRange { row, n_rows: x.n_rows });
        }
        Ok(self.run(rows.len(), |first, n, buf| {
            gather_selected_rows(x, &rows[first..first + n], self.model.n_features, buf)
        }))
    }

    fn run(&self, n_rows: usize, gather: impl Fn(usize, usize, &mut Vec<f64>) + Sync) -> Vec<f64> {
        match self.points {
            0 | 4 => self.run_m::<4>(n_rows, gather),
            8 => self.run_m::<8>(n_rows, gather),
            _ => self.run_m::<16>(n_rows, gather),
        }
    }

    fn run_m<const M: usize>(&self, n_rows: usize, gather: impl Fn(usize, usize, &mut Vec<f64>) + Sync) -> Vec<f64> {
        let k = self.model.n_features;
        let width = k + 1;
        let max_path = self.plans.iter().map(|p| if let Plan::Recursion { path, .. } = p { *path } else { 0 }).max();
        let mut out = vec![0.0; n_rows * width];
        // Up to `BLOCK` rows per work item (more rows share each tree's coefficients while they
        // are in cache), but small batches still split across the threads.
        let block = n_rows.div_ceil(rayon::current_num_threads().max(1)).next_multiple_of(LANES).clamp(LANES, BLOCK);
        out.par_chunks_mut(width * block).enumerate().for_each_init(
            || {
                let path = vec![PathElement::default(); max_path.unwrap_or(0)];
                let nodes = self.max_nodes;
                let scratch = Scratch { m4: ScratchM::new(nodes), m8: ScratchM::new(nodes), m16: ScratchM::new(nodes) };
                (Vec::new(), Vec::new(), scratch, path)
            },
            |(rows, acc, scratch, path), (b, chunk)| {
                let n = chunk.len() / width;
                gather(b * block, n, rows);
                // Padded to whole lanes with missing values (explained, then dropped).
                let padded = n.div_ceil(LANES) * LANES;
                rows.resize(padded * k, f64::NAN);
                acc.clear();
                acc.resize(padded * k, [0.0; M]);
                self.block::<M>(rows, n, chunk, acc, scratch, path);
                for (i, phi) in chunk.chunks_mut(width).enumerate() {
                    for (p, a) in phi.iter_mut().zip(&acc[i * k..(i + 1) * k]) {
                        *p += a.iter().sum::<f64>();
                    }
                    phi[k] = self.bias;
                }
            },
        );
        out
    }

    /// The block's rows (row-major in `rows`), tree by tree.
    fn block<const M: usize>(
        &self,
        rows: &[f64],
        n: usize,
        out: &mut [f64],
        acc: &mut [[f64; M]],
        scratch: &mut Scratch,
        path: &mut [PathElement],
    ) {
        match self.simd {
            // SAFETY: `Simd::detect` chose these only where the CPU has the features.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => unsafe { self.block_avx512::<M>(rows, n, out, acc, scratch, path) },
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => unsafe { self.block_avx2::<M>(rows, n, out, acc, scratch, path) },
            Simd::Portable => self.block_portable::<M>(rows, n, out, acc, scratch, path),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn block_avx512<const M: usize>(
        &self,
        rows: &[f64],
        n: usize,
        out: &mut [f64],
        acc: &mut [[f64; M]],
        scratch: &mut Scratch,
        path: &mut [PathElement],
    ) {
        self.block_portable::<M>(rows, n, out, acc, scratch, path)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block_avx2<const M: usize>(
        &self,
        rows: &[f64],
        n: usize,
        out: &mut [f64],
        acc: &mut [[f64; M]],
        scratch: &mut Scratch,
        path: &mut [PathElement],
    ) {
        self.block_portable::<M>(rows, n, out, acc, scratch, path)
    }

    #[inline(always)]
    fn block_portable<const M: usize>(
        &self,
        rows: &[f64],
        n: usize,
        out: &mut [f64],
        acc: &mut [[f64; M]],
        scratch: &mut Scratch,
        path: &mut [PathElement],
    ) {
        let k = self.model.n_features;
        let width = k + 1;
        for (plan, tree) in self.plans.iter().zip(&self.model.trees) {
            match plan {
                Plan::Leaf => {}
                Plan::Fast(tp) => {
                    for i in (0..n).step_by(LANES) {
                        let (rows, acc) = (&rows[i * k..], &mut acc[i * k..]);
                        match tp.points {
                            4 => add_tree::<4, M>(tp, tree, rows, k, acc, &mut scratch.m4),
                            8 => add_tree::<8, M>(tp, tree, rows, k, acc, &mut scratch.m8),
                            _ => add_tree::<16, M>(tp, tree, rows, k, acc, &mut scratch.m16),
                        }
                    }
                }
                Plan::Recursion { fractions, .. } => {
                    for i in 0..n {
                        let phi = &mut out[i * width..(i + 1) * width];
                        tree_shap(tree, fractions, &rows[i * k..(i + 1) * k], phi, path);
                    }
                }
            }
        }
    }
}

impl GbmModel {
    /// A [`ShapExplainer`] for this model: build it once, explain any number of batches.
    pub fn explainer(&self) -> ShapExplainer<'_> {
        ShapExplainer::new(self)
    }

    /// Exact TreeSHAP contributions, row-major `n_rows x (n_features + 1)`; the last column
    /// is the expected value (bias). Each row sums to [`GbmModel::predict_margin`].
    ///
    /// Builds a [`ShapExplainer`] for the call; to explain several batches, build one with
    /// [`GbmModel::explainer`] and reuse it.
    pub fn shap(&self, x: &ColMatrix) -> Vec<f64> {
        self.explainer().shap(x)
    }

    /// As [`GbmModel::shap`] for the rows `rows` of `x` only (see [`ShapExplainer::shap_rows`]).
    pub fn shap_rows(&self, x: &ColMatrix, rows: &[usize]) -> Result<Vec<f64>, GbmError> {
        self.explainer().shap_rows(x, rows)
    }
}

#[cfg(test)]
pub(crate) mod tests;
