//! Batch scoring: raw margins and probabilities, parallel over blocks of rows.
//!
//! Scoring first compiles the trees into one flat node array ([`Forest`]): 24-byte nodes,
//! leaves stored as nodes that point at themselves (so a row that reached its leaf can keep
//! stepping harmlessly), and the missing-value direction folded into a branch-free child
//! choice. Each block of rows is copied to a small row-major buffer, then scored tree by
//! tree (the tree's nodes stay in cache while the block's rows stream through), several rows
//! in lock step so their independent node loads overlap instead of waiting on one another.
//! Per row, trees are added in model order, exactly as [`Tree::predict`] would, so margins
//! are bit-identical to the tree-by-tree definition. Values outside a mis-shaped matrix read
//! as missing, so scoring never panics.

use rayon::prelude::*;

use crate::matrix::ColMatrix;
use crate::model::GbmModel;
use crate::objective::sigmoid;
use crate::tree::Tree;

/// Rows per parallel work item (the row-major copy of a block stays in L1/L2 cache).
const BLOCK: usize = 256;

/// Rows walked through a tree in lock step.
const LANES: usize = 8;

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

/// Node flag: a missing value goes left.
const DEFAULT_LEFT: u32 = 1;
/// Node flag: categorical split, decided by [`Tree::goes_left`] on the original node.
const CATEGORICAL: u32 = 2;
/// Node flag: a leaf (both children point at the node itself; `value` is the leaf value).
const LEAF: u32 = 4;

/// One node of a [`Forest`]. Internal: `value` is the threshold (`v <= value` goes left).
#[derive(Clone, Copy)]
struct FlatNode {
    value: f64,
    /// Column tested; for a categorical node, its index in `Forest::cat_nodes` instead.
    feature: u32,
    flags: u32,
    /// Absolute indices of the left and right child in `Forest::nodes`.
    kids: [u32; 2],
}

/// The child of numeric (or leaf) `node` that value `v` goes to (a leaf goes to itself).
#[inline(always)]
fn step_numeric(node: &FlatNode, v: f64) -> u32 {
    // NaN compares false, so `v <= t` alone sends it right; `dl & is_nan` sends it left.
    let dl = node.flags & DEFAULT_LEFT != 0;
    let left = (v <= node.value) | (dl & v.is_nan());
    node.kids[!left as usize]
}

/// Every tree of a model in one node array, compiled for scoring.
pub(crate) struct Forest<'a> {
    nodes: Vec<FlatNode>,
    /// Root of each tree, in model order.
    roots: Vec<u32>,
    /// Categorical nodes as `(tree, node, feature)` in the model, so the hot node stays 24 bytes.
    cat_nodes: Vec<(u32, u32, u32)>,
    /// Row width the trees need: one more than the highest numeric feature tested (and >= 1,
    /// since leaves read column 0).
    min_width: usize,
    trees: &'a [Tree],
}

impl<'a> Forest<'a> {
    /// Compiles trees whose links are in range (as `GbmModel` guarantees by validation);
    /// `None` if a link is out of range, so the unchecked reads in `add_all` stay sound
    /// whatever the trees hold.
    pub(crate) fn new(trees: &'a [Tree]) -> Option<Forest<'a>> {
        let total: usize = trees.iter().map(|t| t.nodes.len() + t.leaf_value.len()).sum();
        let mut nodes = Vec::with_capacity(total);
        let mut roots = Vec::with_capacity(trees.len());
        let mut cat_nodes = Vec::new();
        let mut min_width = 1;
        for (ti, t) in trees.iter().enumerate() {
            let base = nodes.len();
            let (n_int, n_leaves) = (t.nodes.len(), t.leaf_value.len());
            if n_leaves == 0 || u32::try_from(base + n_int + n_leaves).is_err() {
                return None;
            }
            // Internal nodes first (root = node 0), then the leaves.
            let link = |c: i32| {
                let i = if c >= 0 { c as usize } else { n_int + !c as usize };
                (i < n_int + n_leaves).then_some((base + i) as u32)
            };
            roots.push(base as u32);
            for (ni, n) in t.nodes.iter().enumerate() {
                let mut flags = if n.default_left { DEFAULT_LEFT } else { 0 };
                let mut feature = n.feature;
                if n.cat.is_some() {
                    flags |= CATEGORICAL;
                    feature = cat_nodes.len() as u32;
                    cat_nodes.push((ti as u32, ni as u32, n.feature));
                } else {
                    min_width = min_width.max(n.feature as usize + 1);
                }
                nodes.push(FlatNode { value: n.threshold, feature, flags, kids: [link(n.left)?, link(n.right)?] });
            }
            for &v in &t.leaf_value {
                let me = nodes.len() as u32;
                nodes.push(FlatNode { value: v, feature: 0, flags: LEAF, kids: [me, me] });
            }
        }
        Some(Forest { nodes, roots, cat_nodes, min_width, trees })
    }

    /// Adds every tree's output, in model order, to each row of the row-major `buf`
    /// (`width` columns; `out.len()` rows).
    pub(crate) fn add_all(&self, buf: &[f64], width: usize, out: &mut [f64]) {
        assert!(width >= self.min_width && buf.len() >= out.len() * width, "row buffer too small");
        if self.cat_nodes.is_empty() {
            self.add_all_inner::<false>(buf, width, out);
        } else {
            self.add_all_inner::<true>(buf, width, out);
        }
    }

    #[inline(always)]
    fn add_all_inner<const CAT: bool>(&self, buf: &[f64], width: usize, out: &mut [f64]) {
        let n = out.len();
        for &root in &self.roots {
            let mut r = 0;
            while r + LANES <= n {
                let mut at = [root; LANES];
                let base: [usize; LANES] = std::array::from_fn(|l| (r + l) * width);
                loop {
                    let mut all_leaves = LEAF;
                    for l in 0..LANES {
                        // SAFETY: `at[l]` is a root or a child link, all `< nodes.len()` (checked
                        // in `Forest::new`); row `r + l < out.len()`, so `base[l] + width <=
                        // buf.len()` (asserted in `add_all`), and a numeric or leaf node's
                        // feature is `< min_width <= width`.
                        let node = unsafe { self.nodes.get_unchecked(at[l] as usize) };
                        all_leaves &= node.flags;
                        at[l] = if CAT && node.flags & CATEGORICAL != 0 {
                            self.step_categorical(node, &buf[base[l]..base[l] + width])
                        } else {
                            step_numeric(node, unsafe { *buf.get_unchecked(base[l] + node.feature as usize) })
                        };
                    }
                    if all_leaves != 0 {
                        break;
                    }
                }
                for l in 0..LANES {
                    out[r + l] += self.nodes[at[l] as usize].value;
                }
                r += LANES;
            }
            for (row, o) in buf[r * width..].chunks_exact(width).zip(&mut out[r..]) {
                let mut a = root;
                loop {
                    let node = &self.nodes[a as usize];
                    if node.flags & LEAF != 0 {
                        break;
                    }
                    a = if CAT && node.flags & CATEGORICAL != 0 {
                        self.step_categorical(node, row)
                    } else {
                        step_numeric(node, row[node.feature as usize])
                    };
                }
                *o += self.nodes[a as usize].value;
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn step_categorical(&self, node: &FlatNode, row: &[f64]) -> u32 {
        let (t, ni, f) = self.cat_nodes[node.feature as usize];
        let tree = &self.trees[t as usize];
        let v = row.get(f as usize).copied().unwrap_or(f64::NAN);
        let left = tree.goes_left(&tree.nodes[ni as usize], v);
        node.kids[!left as usize]
    }
}

impl GbmModel {
    /// Raw log-odds for every row of `x` (initial score plus every tree).
    ///
    /// Columns the model uses but `x` lacks read as missing.
    pub fn predict_margin(&self, x: &ColMatrix) -> Vec<f64> {
        let mut out = vec![self.init_score; x.n_rows];
        let forest = Forest::new(&self.trees);
        let width = match &forest {
            Some(f) => self.n_features.max(f.min_width),
            None => self.n_features,
        };
        out.par_chunks_mut(BLOCK).enumerate().for_each_init(Vec::new, |buf, (b, chunk)| {
            gather_rows(x, b * BLOCK, chunk.len(), width, buf);
            match &forest {
                Some(f) => f.add_all(buf, width, chunk),
                // Unreachable for a validated model; the tree-by-tree path checks every read.
                None => self.trees.iter().for_each(|t| add_tree(t, buf, width.max(1), chunk)),
            }
        });
        out
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

    #[test]
    fn compiled_forest_gives_the_same_bits_as_tree_by_tree_scoring() {
        let (model, probe, k) = crate::treeshap::tests::mixed_model();
        let n = probe.len() / k;
        // Column-major copy of the probe rows (not a multiple of the lane width).
        let cols: Vec<f64> = (0..k).flat_map(|c| probe.chunks(k).map(move |r| r[c])).collect();
        let got = model.predict_margin(&ColMatrix::new(&cols, n, k).unwrap());
        for (row, g) in probe.chunks(k).zip(&got) {
            let want = model.trees.iter().fold(model.init_score, |s, t| s + t.predict(|c| row[c]));
            assert_eq!(g.to_bits(), want.to_bits(), "{row:?}");
        }
    }
}
