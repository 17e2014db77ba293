//! Precomputed TreeSHAP tables: the per-tree speed-up for explaining many rows (the idea of
//! Fast TreeSHAP v2, Yang 2021), made bit-identical to the row-by-row algorithm.
//!
//! In path-dependent TreeSHAP ([`crate::treeshap`]) a row enters a tree's computation only
//! through which child it takes at each internal node: at a leaf, the contributions depend
//! on the tree and on one bit per node of the leaf's path (did the row go this leaf's way?).
//! So for every leaf and every such bit pattern the builder runs exactly the operations the
//! row-by-row recursion would run (same extends, unwinds and unwound sums, in the same order)
//! and stores the final `w * (o - z) * value` per unique path feature. Scoring a row then
//! walks the tree once, hot child first as the recursion does, and adds the stored values in
//! the same order: the same bits as [`crate::treeshap`], at a fraction of the work.
//!
//! A leaf at depth `d` needs `2^d` patterns, so a table is built only for trees whose leaves
//! are shallow enough and only when the rows to explain repay the build; other trees use the
//! recursion.

use crate::tree::Tree;
use crate::treeshap::{extend_path, path_len, unwind_path, unwound_path_sum, PathElement};

/// Deepest leaf (internal nodes on its path) for which a table is built.
const MAX_TABLE_DEPTH: usize = 20;
/// Most stored values per tree (8 MiB).
const MAX_ENTRIES: usize = 1 << 20;

/// One tree's contributions for every leaf and path pattern.
pub(crate) struct ShapTable {
    /// Per leaf: start of its block in `values` and its number of unique path features
    /// (the row length of the block; pattern `p` is row `p`).
    leaves: Vec<(usize, usize)>,
    /// Per leaf: start of its unique path features in `features`.
    feature_start: Vec<usize>,
    features: Vec<u32>,
    values: Vec<f64>,
    /// Per leaf: the internal nodes on its path from the root, as `node << 1 | went_left`.
    steps: Vec<Vec<u32>>,
}

/// For every leaf: its depth, the number of distinct features on its path, and its path
/// as `node << 1 | went_left` steps.
fn leaf_shapes(tree: &Tree) -> Vec<(usize, usize, Vec<u32>)> {
    fn walk(tree: &Tree, node: i32, steps: &mut Vec<u32>, out: &mut [(usize, usize, Vec<u32>)]) {
        if node < 0 {
            let mut distinct: Vec<u32> = steps.iter().map(|&s| tree.nodes[(s >> 1) as usize].feature).collect();
            distinct.sort_unstable();
            distinct.dedup();
            out[!node as usize] = (steps.len(), distinct.len(), steps.clone());
            return;
        }
        let n = &tree.nodes[node as usize];
        steps.push((node as u32) << 1 | 1);
        walk(tree, n.left, steps, out);
        steps.pop();
        steps.push((node as u32) << 1);
        walk(tree, n.right, steps, out);
        steps.pop();
    }
    let mut out = vec![(0, 0, Vec::new()); tree.leaf_value.len()];
    walk(tree, 0, &mut Vec::new(), &mut out);
    out
}

impl ShapTable {
    /// The table of `tree` (with its cover `fractions`, see `treeshap::cover_fractions`), or
    /// `None` when it would be too large or cost more to build than it saves on `n_rows` rows.
    pub(crate) fn build(tree: &Tree, fractions: &[[f64; 2]], n_rows: usize) -> Option<ShapTable> {
        if tree.nodes.is_empty() {
            return None;
        }
        let shapes = leaf_shapes(tree);
        let (mut entries, mut build_cost, mut row_cost) = (0usize, 0.0, 0.0);
        for &(depth, unique, _) in &shapes {
            if depth > MAX_TABLE_DEPTH {
                return None;
            }
            // Work at a leaf of the recursion: its path's extends plus the unwound sums.
            let leaf_work = ((unique + 1) * (unique + 1 + depth)) as f64;
            entries += unique << depth;
            build_cost += leaf_work * (1u64 << depth) as f64;
            row_cost += leaf_work;
        }
        if entries > MAX_ENTRIES || build_cost > 0.5 * n_rows as f64 * row_cost {
            return None;
        }
        let mut leaves = Vec::with_capacity(shapes.len());
        let mut feature_start = Vec::with_capacity(shapes.len());
        let (mut offset, mut n_features) = (0, 0);
        for &(depth, unique, _) in &shapes {
            leaves.push((offset, unique));
            feature_start.push(n_features);
            offset += unique << depth;
            n_features += unique;
        }
        let max_depth = shapes.iter().map(|s| s.0).max().unwrap_or(0);
        let steps = shapes.into_iter().map(|s| s.2).collect();
        let mut table =
            ShapTable { leaves, feature_start, features: vec![0; n_features], values: vec![0.0; offset], steps };
        let mut buf = vec![PathElement::default(); path_len(max_depth)];
        Builder { tree, fractions, buf: &mut buf, table: &mut table }.recurse(0, 0, 0, 1.0, 1.0, -1, 0);
        Some(table)
    }

    /// Adds the tree's contributions for `row` into `phi`, exactly as `treeshap::tree_shap`.
    ///
    /// First every node's decision and every leaf's pattern, touching each leaf's stored
    /// values as it goes (branch-free, so the processor fetches the scattered table rows in
    /// parallel); then the hot-first walk that adds them in the recursion's order.
    pub(crate) fn add(&self, tree: &Tree, row: &[f64], phi: &mut [f64], scratch: &mut ShapScratch) {
        let ShapScratch { left, pattern } = scratch;
        left.clear();
        left.extend(tree.nodes.iter().map(|n| tree.goes_left(n, row[n.feature as usize])));
        pattern.clear();
        let mut touch = 0.0;
        for (leaf, steps) in self.steps.iter().enumerate() {
            let p = steps.iter().fold(0usize, |p, &s| p * 2 + (left[(s >> 1) as usize] == (s & 1 == 1)) as usize);
            let (offset, unique) = self.leaves[leaf];
            touch += self.values.get(offset + p * unique).copied().unwrap_or(0.0);
            pattern.push(p);
        }
        std::hint::black_box(touch);
        self.walk(tree, left, pattern, phi, 0);
    }

    fn walk(&self, tree: &Tree, left: &[bool], pattern: &[usize], phi: &mut [f64], node: i32) {
        if node < 0 {
            let leaf = !node as usize;
            let (offset, unique) = self.leaves[leaf];
            let start = offset + pattern[leaf] * unique;
            let features = &self.features[self.feature_start[leaf]..][..unique];
            for (&f, &v) in features.iter().zip(&self.values[start..start + unique]) {
                phi[f as usize] += v;
            }
            return;
        }
        let n = &tree.nodes[node as usize];
        let (hot, cold) = if left[node as usize] { (n.left, n.right) } else { (n.right, n.left) };
        self.walk(tree, left, pattern, phi, hot);
        self.walk(tree, left, pattern, phi, cold);
    }
}

/// Per-thread buffers for [`ShapTable::add`].
#[derive(Default)]
pub(crate) struct ShapScratch {
    left: Vec<bool>,
    pattern: Vec<usize>,
}

/// Fills a [`ShapTable`]: the recursion of `treeshap::Walk`, but following both the hot and
/// the cold branch into every child, with the pattern bits recording which one it took.
struct Builder<'a> {
    tree: &'a Tree,
    fractions: &'a [[f64; 2]],
    buf: &'a mut [PathElement],
    table: &'a mut ShapTable,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &mut self,
        node: i32,
        unique_depth: usize,
        parent_offset: usize,
        parent_zero_fraction: f64,
        parent_one_fraction: f64,
        parent_feature: i64,
        pattern: usize,
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
            let leaf = !node as usize;
            let value = tree.leaf_value[leaf];
            let (start, unique) = self.table.leaves[leaf];
            debug_assert_eq!(unique, unique_depth);
            let values = &mut self.table.values[start + pattern * unique..][..unique];
            let features = &mut self.table.features[self.table.feature_start[leaf]..][..unique];
            for i in 1..=unique_depth {
                let w = unwound_path_sum(path, unique_depth, i);
                let el = path[i];
                values[i - 1] = w * (el.one_fraction - el.zero_fraction) * value;
                features[i - 1] = el.feature as u32;
            }
            return;
        }
        let n = &tree.nodes[node as usize];
        let [left_fraction, right_fraction] = self.fractions[node as usize];
        let mut incoming_zero_fraction = 1.0;
        let mut incoming_one_fraction = 1.0;
        let mut unique_depth = unique_depth;
        let f = n.feature as i64;
        if let Some(pi) = (1..=unique_depth).find(|&i| path[i].feature == f) {
            incoming_zero_fraction = path[pi].zero_fraction;
            incoming_one_fraction = path[pi].one_fraction;
            unwind_path(path, unique_depth, pi);
            unique_depth -= 1;
        }
        for (child, fraction) in [(n.left, left_fraction), (n.right, right_fraction)] {
            let z = fraction * incoming_zero_fraction;
            self.recurse(child, unique_depth + 1, offset, z, incoming_one_fraction, f, pattern * 2 + 1);
            self.recurse(child, unique_depth + 1, offset, z, 0.0, f, pattern * 2);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::matrix::ColMatrix;
    use crate::model::GbmModel;
    use crate::params::GbmParams;
    use crate::treeshap::{cover_fractions, tree_shap};

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
    fn tables_give_the_same_bits_as_the_recursion() {
        let (model, probe, k) = mixed_model();
        let mut built = 0;
        let mut scratch = ShapScratch::default();
        for tree in &model.trees {
            let fractions = cover_fractions(tree);
            // Enough rows that every table is worth building.
            let Some(table) = ShapTable::build(tree, &fractions, 1 << 30) else { continue };
            built += 1;
            let mut buf = vec![PathElement::default(); path_len(tree.max_depth())];
            for row in probe.chunks(k) {
                let (mut a, mut b) = (vec![0.5; k + 1], vec![0.5; k + 1]);
                tree_shap(tree, &fractions, row, &mut a, &mut buf);
                table.add(tree, row, &mut b, &mut scratch);
                assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()), "{row:?}: {a:?} vs {b:?}");
            }
        }
        assert_eq!(built, model.trees.len());
        // A repeated feature on some path (the unwind branch) and a categorical split occur.
        let repeats = model.trees.iter().any(|t| leaf_shapes(t).iter().any(|(d, u, _)| d > u));
        assert!(repeats && model.trees.iter().any(|t| t.nodes.iter().any(|n| n.cat.is_some())));
    }

    #[test]
    fn tables_are_skipped_when_too_few_rows_would_use_them() {
        let (model, _, _) = mixed_model();
        let tree = &model.trees[0];
        assert!(ShapTable::build(tree, &cover_fractions(tree), 1).is_none());
    }
}
