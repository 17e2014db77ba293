//! The flattened decision tree used for scoring and explanation.
//!
//! Internal nodes are compact structs holding RAW thresholds (not bins), so scoring needs no
//! binner. Child links follow LightGBM's convention: `>= 0` is an internal node index,
//! `< 0` is `!leaf_index`. Node 0 is the root; a tree without internal nodes is one leaf.
//! Split gains and node covers (training rows per node, as LightGBM's `internal_count` /
//! `leaf_count`) sit in side arrays: only importance and TreeSHAP read them.

use serde::{Deserialize, Serialize};

use crate::binning::category_code;
use crate::params::MAX_TREE_DEPTH;

/// One internal node.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Column tested.
    pub(crate) feature: u32,
    /// Numeric nodes: `value <= threshold` goes left. Unused for categorical nodes.
    #[serde(with = "crate::serde_float")]
    pub(crate) threshold: f64,
    /// Left child (`>= 0` internal node, `< 0` = `!leaf`).
    pub(crate) left: i32,
    /// Right child.
    pub(crate) right: i32,
    /// Where a missing value (`NaN`) goes.
    pub(crate) default_left: bool,
    /// Categorical nodes: `(start, len)` of the sorted left-category codes in `Tree::cat_codes`.
    pub(crate) cat: Option<(u32, u32)>,
}

/// Where a child link of a [`NodeView`] leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Child {
    /// Another internal node (index for [`Tree::node`]).
    Node(usize),
    /// A leaf (index into [`Tree::leaf_values`]).
    Leaf(usize),
}

impl Child {
    fn of(link: i32) -> Child {
        if link < 0 {
            Child::Leaf(!link as usize)
        } else {
            Child::Node(link as usize)
        }
    }
}

/// The test of an internal node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SplitTest<'a> {
    /// `value <= threshold` goes left.
    Numeric {
        /// The raw threshold.
        threshold: f64,
    },
    /// A value whose category code is in `left` (sorted) goes left; any other value
    /// (unseen codes, non-integers, negatives) goes right.
    Categorical {
        /// The left category codes, strictly increasing.
        left: &'a [u32],
    },
}

/// A read-only view of one internal node, for exporters (e.g. to SQL): routing a row by these
/// views gives exactly [`Tree`]'s own prediction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeView<'a> {
    /// The column tested.
    pub feature: usize,
    /// The test.
    pub test: SplitTest<'a>,
    /// Where a missing value (NaN) goes: left when true.
    pub default_left: bool,
    /// Left child.
    pub left: Child,
    /// Right child.
    pub right: Child,
}

/// A fitted regression tree in flattened form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) split_gain: Vec<f64>,
    pub(crate) internal_count: Vec<f64>,
    pub(crate) cat_codes: Vec<u32>,
    pub(crate) leaf_value: Vec<f64>,
    pub(crate) leaf_count: Vec<f64>,
}

impl Tree {
    /// A tree that is a single leaf.
    pub(crate) fn leaf(value: f64, count: f64) -> Tree {
        Tree {
            nodes: vec![],
            split_gain: vec![],
            internal_count: vec![],
            cat_codes: vec![],
            leaf_value: vec![value],
            leaf_count: vec![count],
        }
    }

    /// Appends a left-category set (sorted, deduplicated); returns its `(start, len)`.
    pub(crate) fn push_categories(&mut self, mut codes: Vec<u32>) -> (u32, u32) {
        codes.sort_unstable();
        codes.dedup();
        let start = self.cat_codes.len() as u32;
        let len = codes.len() as u32;
        self.cat_codes.extend(codes);
        (start, len)
    }

    /// Number of leaves.
    pub fn num_leaves(&self) -> usize {
        self.leaf_value.len()
    }

    /// Number of internal nodes (0 for a single-leaf tree, whose only leaf is leaf 0).
    pub fn num_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Internal node `i` (node 0 is the root); `None` past the end.
    pub fn node(&self, i: usize) -> Option<NodeView<'_>> {
        let n = self.nodes.get(i)?;
        let test = match n.cat {
            None => SplitTest::Numeric { threshold: n.threshold },
            Some((start, len)) => SplitTest::Categorical {
                left: self.cat_codes.get(start as usize..start as usize + len as usize).unwrap_or(&[]),
            },
        };
        Some(NodeView {
            feature: n.feature as usize,
            test,
            default_left: n.default_left,
            left: Child::of(n.left),
            right: Child::of(n.right),
        })
    }

    /// The leaf values (the learning rate already applied).
    pub fn leaf_values(&self) -> &[f64] {
        &self.leaf_value
    }

    /// Training rows (cover) that reached each leaf, by leaf number.
    pub fn leaf_counts(&self) -> &[f64] {
        &self.leaf_count
    }

    /// Training rows (cover) that reached each internal node, by node number.
    pub fn internal_counts(&self) -> &[f64] {
        &self.internal_count
    }

    /// Whether `v` goes to the left child of node `n`.
    #[inline]
    pub(crate) fn goes_left(&self, n: &Node, v: f64) -> bool {
        if v.is_nan() {
            return n.default_left;
        }
        match n.cat {
            None => v <= n.threshold,
            // Sorted code lists (a trained left set holds at most `max_cat_threshold` codes)
            // keep memory bounded whatever the code values, unlike a bitset.
            Some((start, len)) => {
                match (category_code(v), self.cat_codes.get(start as usize..start as usize + len as usize)) {
                    (Some(c), Some(codes)) => codes.binary_search(&c).is_ok(),
                    _ => false,
                }
            }
        }
    }

    /// Index of the leaf a row lands in; `value(col)` reads the row.
    #[inline]
    pub(crate) fn leaf_index(&self, value: impl Fn(usize) -> f64) -> usize {
        if self.nodes.is_empty() {
            return 0;
        }
        let mut i = 0usize;
        loop {
            let n = &self.nodes[i];
            let next = if self.goes_left(n, value(n.feature as usize)) { n.left } else { n.right };
            if next < 0 {
                return !next as usize;
            }
            i = next as usize;
        }
    }

    /// Raw output for a row.
    #[inline]
    pub(crate) fn predict(&self, value: impl Fn(usize) -> f64) -> f64 {
        self.leaf_value[self.leaf_index(value)]
    }

    /// Mean output over the training rows (cover-weighted), TreeSHAP's base value.
    pub(crate) fn expected_value(&self) -> f64 {
        if self.nodes.is_empty() {
            return self.leaf_value[0];
        }
        let total = self.internal_count[0];
        self.leaf_value.iter().zip(&self.leaf_count).map(|(v, c)| v * c / total).sum()
    }

    /// Cover of a child link.
    #[inline]
    pub(crate) fn cover(&self, child: i32) -> f64 {
        if child < 0 {
            self.leaf_count[!child as usize]
        } else {
            self.internal_count[child as usize]
        }
    }

    /// Depth of the deepest leaf (0 for a single leaf). Call only on validated trees.
    pub(crate) fn max_depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(0i32, 0usize)];
        if self.nodes.is_empty() {
            return 0;
        }
        while let Some((c, d)) = stack.pop() {
            if c < 0 {
                deepest = deepest.max(d);
            } else {
                let n = &self.nodes[c as usize];
                stack.push((n.left, d + 1));
                stack.push((n.right, d + 1));
            }
        }
        deepest
    }

    /// Structural check: array lengths agree, every link is in range, each node and leaf is
    /// reached exactly once from the root (so no cycles), depth is bounded, features are
    /// `< n_features`, category lists are in range and sorted, values are finite.
    pub(crate) fn validate(&self, n_features: usize) -> Result<(), String> {
        let n_int = self.nodes.len();
        let n_leaves = self.leaf_value.len();
        if n_leaves != n_int + 1 {
            return Err(format!("{n_leaves} leaves for {n_int} internal nodes (expected {})", n_int + 1));
        }
        if self.leaf_count.len() != n_leaves || self.split_gain.len() != n_int || self.internal_count.len() != n_int {
            return Err("per-node arrays have inconsistent lengths".into());
        }
        if n_int > i32::MAX as usize / 2 {
            return Err("too many nodes".into());
        }
        if let Some(v) = self.leaf_value.iter().find(|v| !v.is_finite()) {
            return Err(format!("leaf value {v} is not finite"));
        }
        if self.leaf_count.iter().chain(&self.internal_count).any(|c| !c.is_finite() || *c < 0.0) {
            return Err("node counts must be finite and >= 0".into());
        }
        if self.split_gain.iter().any(|g| g.is_nan()) {
            return Err("split gain is NaN".into());
        }
        for (i, n) in self.nodes.iter().enumerate() {
            if n.feature as usize >= n_features {
                return Err(format!("node {i} splits on column {} but the model has {n_features} columns", n.feature));
            }
            match n.cat {
                None if n.threshold.is_nan() => return Err(format!("node {i} has a NaN threshold")),
                Some((s, l)) => match self.cat_codes.get(s as usize..s as usize + l as usize) {
                    None => {
                        return Err(format!(
                            "node {i}: category list {s}..{s}+{l} is out of range (pool holds {})",
                            self.cat_codes.len()
                        ))
                    }
                    Some(codes) if codes.windows(2).any(|w| w[0] >= w[1]) => {
                        return Err(format!("node {i}: category list is not strictly increasing"))
                    }
                    Some(_) => {}
                },
                None => {}
            }
        }
        if n_int == 0 {
            return Ok(());
        }
        let mut seen_node = vec![false; n_int];
        let mut seen_leaf = vec![false; n_leaves];
        let mut stack = vec![(0i32, 0usize)];
        while let Some((c, depth)) = stack.pop() {
            if depth > MAX_TREE_DEPTH {
                return Err(format!("deeper than {MAX_TREE_DEPTH} levels"));
            }
            if c < 0 {
                let l = !c as usize;
                if l >= n_leaves {
                    return Err(format!("link to leaf {l} but the tree has {n_leaves} leaves"));
                }
                if std::mem::replace(&mut seen_leaf[l], true) {
                    return Err(format!("leaf {l} is reached twice"));
                }
            } else {
                let i = c as usize;
                if i >= n_int {
                    return Err(format!("link to node {i} but the tree has {n_int} internal nodes"));
                }
                if std::mem::replace(&mut seen_node[i], true) {
                    return Err(format!("node {i} is reached twice (cycle or shared subtree)"));
                }
                stack.push((self.nodes[i].left, depth + 1));
                stack.push((self.nodes[i].right, depth + 1));
            }
        }
        // n_int + 1 leaves and n_int nodes, each reached at most once from 2 * n_int links,
        // so every one of them was reached.
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// x0 <= 1.5 (missing right) ? leaf0 : (x1 in {1, 3} ? leaf1 : leaf2)
    pub(crate) fn sample_tree() -> Tree {
        Tree {
            nodes: vec![
                Node { feature: 0, threshold: 1.5, left: -1, right: 1, default_left: false, cat: None },
                Node { feature: 1, threshold: 0.0, left: !1, right: !2, default_left: false, cat: Some((0, 2)) },
            ],
            split_gain: vec![2.0, 1.0],
            internal_count: vec![10.0, 6.0],
            cat_codes: vec![1, 3],
            leaf_value: vec![-1.0, 0.5, 2.0],
            leaf_count: vec![4.0, 2.0, 4.0],
        }
    }

    #[test]
    fn routing_numeric_missing_and_categories() {
        let t = sample_tree();
        assert_eq!(t.predict(|c| [1.0, 0.0][c]), -1.0);
        assert_eq!(t.predict(|c| [f64::NAN, 3.0][c]), 0.5);
        assert_eq!(t.predict(|c| [2.0, 1.0][c]), 0.5);
        // unseen (7), negative, non-integer, missing categories all go right
        for v in [7.0, 2.0, -1.0, 1.5, f64::NAN, 1e300] {
            assert_eq!(t.predict(|c| [2.0, v][c]), 2.0, "code {v}");
        }
        assert_eq!(t.expected_value(), (-4.0 + 1.0 + 8.0) / 10.0);
        assert_eq!(t.max_depth(), 2);
        assert!(t.validate(2).is_ok());
    }

    #[test]
    fn node_views_describe_the_sample_tree() {
        let t = sample_tree();
        assert_eq!(t.num_nodes(), 2);
        assert_eq!(
            t.node(0),
            Some(NodeView {
                feature: 0,
                test: SplitTest::Numeric { threshold: 1.5 },
                default_left: false,
                left: Child::Leaf(0),
                right: Child::Node(1),
            })
        );
        let n1 = t.node(1).unwrap();
        assert_eq!(n1.test, SplitTest::Categorical { left: &[1, 3] });
        assert_eq!((n1.left, n1.right), (Child::Leaf(1), Child::Leaf(2)));
        assert_eq!(t.node(2), None);
        assert_eq!(t.leaf_values(), &[-1.0, 0.5, 2.0]);
    }

    #[test]
    fn validate_rejects_corruption() {
        let mut t = sample_tree();
        t.nodes[1].right = 0; // cycle back to root
        assert!(t.validate(2).unwrap_err().contains("reached twice"));
        let mut t = sample_tree();
        t.nodes[1].left = !7;
        assert!(t.validate(2).unwrap_err().contains("leaf 7"));
        let t = sample_tree();
        assert!(t.validate(1).unwrap_err().contains("column 1"));
        let mut t = sample_tree();
        t.nodes[1].cat = Some((1, 5));
        assert!(t.validate(2).unwrap_err().contains("category list"));
        let mut t = sample_tree();
        t.cat_codes = vec![3, 1];
        assert!(t.validate(2).unwrap_err().contains("strictly increasing"));
        let mut t = sample_tree();
        t.leaf_value.pop();
        assert!(t.validate(2).is_err());
        let mut t = sample_tree();
        t.leaf_value[0] = f64::NAN;
        assert!(t.validate(2).is_err());
    }
}
