//! Leaf-wise tree growth on binned data.
//!
//! Start from one leaf holding the bagged rows; repeatedly split the leaf whose best split
//! gains most (LightGBM's order: gain, then lower feature, then lower leaf index) until
//! `num_leaves` leaves or no leaf can split. Rows of a leaf are a contiguous range of one
//! index array, stably partitioned on each split. Only the smaller child's histogram is
//! built; the larger one is the parent's minus it. As in LightGBM, a feature with no valid
//! split in a leaf is not searched again in that leaf's descendants (`is_splittable`), which
//! saves histogram work and keeps trees identical to LightGBM's.

use rayon::prelude::*;

use crate::binning::{BinnedData, FeatureBins};
use crate::categorical::best_categorical;
use crate::histogram::{self, Histogram};
use crate::monotone::LeafBounds;
use crate::split::{best_numeric, leaf_output, SplitCandidate, SplitConfig, SplitRule, Sums};
use crate::tree::{Node, Tree};

/// Per-tree growth settings.
pub(crate) struct GrowConfig<'a> {
    pub split: &'a SplitConfig,
    pub monotone: &'a [i8],
    pub num_leaves: usize,
    pub depth_limit: usize,
    pub learning_rate: f64,
}

struct Leaf {
    start: usize,
    len: usize,
    sums: Sums,
    output: f64,
    depth: usize,
    bounds: LeafBounds,
    hist: Option<Histogram>,
    best: Option<SplitCandidate>,
    /// Features with at least one valid split in this leaf; only these are tried in its
    /// children (LightGBM's `is_splittable` pruning: a feature that cannot split a leaf is
    /// not searched below it).
    splittable: Vec<bool>,
    /// Internal node pointing at this leaf, and whether as its left child.
    parent: Option<(usize, bool)>,
}

/// A grown tree plus, per leaf, the range of `rows` it holds (for the score update).
pub(crate) struct Grown {
    pub tree: Tree,
    pub leaf_ranges: Vec<(usize, usize)>,
}

fn splittable(leaf: &Leaf, cfg: &GrowConfig) -> bool {
    leaf.depth < cfg.depth_limit && leaf.sums.n >= 2.0 * cfg.split.min_data_in_leaf
}

/// Best split of a leaf over the features present in `hist`, and which of them had any
/// valid split at all (LightGBM's `is_splittable`).
fn find_best(
    data: &BinnedData,
    hist: &Histogram,
    leaf: &Leaf,
    cfg: &GrowConfig,
) -> (Option<SplitCandidate>, Vec<bool>) {
    let mut best: Option<SplitCandidate> = None;
    let mut splittable = vec![false; hist.feats.len()];
    for (f, h) in hist.feats.iter().enumerate() {
        let Some(h) = h else { continue };
        let cand = match &data.bins[f] {
            FeatureBins::Numeric { upper, has_missing } => {
                best_numeric(f, h, upper.len(), *has_missing, &leaf.sums, cfg.split, &leaf.bounds, cfg.monotone[f])
            }
            FeatureBins::Categorical { codes } => {
                best_categorical(f, h, codes.len(), &leaf.sums, cfg.split, &leaf.bounds)
            }
        };
        if let Some(c) = cand {
            splittable[f] = true;
            if best.as_ref().is_none_or(|b| c.better_than(b)) {
                best = Some(c);
            }
        }
    }
    (best, splittable)
}

fn build_hist(data: &BinnedData, used: &[bool], rows: &[u32], gh: &[[f32; 2]], whole: bool) -> Histogram {
    if whole {
        histogram::build(&data.cols, used, None, gh)
    } else {
        let local: Vec<[f32; 2]> = if rows.len() >= 2 * PAR_CHUNK {
            rows.par_iter().map(|&r| gh[r as usize]).collect()
        } else {
            rows.iter().map(|&r| gh[r as usize]).collect()
        };
        histogram::build(&data.cols, used, Some(rows), &local)
    }
}

/// Rows per parallel chunk when gathering a large leaf's gradients.
const PAR_CHUNK: usize = 1 << 16;

/// Leaves at least this large are partitioned in parallel chunks.
const PAR_PARTITION_MIN: usize = 1 << 15;

/// Stable partition of `rows` by `goes_left` without a data-dependent branch (the side a row
/// takes is as unpredictable as a coin, so a branch would mispredict half the time): each row
/// is written to both outputs and only the cursor of its side advances. Returns the left count.
fn partition_seq(rows: &mut [u32], scratch: &mut Vec<u32>, goes_left: &(impl Fn(u32) -> bool + Sync)) -> usize {
    scratch.clear();
    scratch.resize(rows.len() + 1, 0);
    let (mut w, mut s) = (0, 0);
    for i in 0..rows.len() {
        let r = rows[i];
        let left = goes_left(r);
        rows[w] = r; // w <= i: row i has been read
        scratch[s] = r;
        w += left as usize;
        s += !left as usize;
    }
    rows[w..].copy_from_slice(&scratch[..s]);
    w
}

/// Stable partition of `rows` by `goes_left`; returns the left count. Large leaves are
/// partitioned in parallel chunks whose left and right parts are then concatenated in
/// order, so the result is the same whatever the thread count.
fn partition(rows: &mut [u32], scratch: &mut Vec<u32>, goes_left: impl Fn(u32) -> bool + Sync) -> usize {
    let n = rows.len();
    if n < PAR_PARTITION_MIN || rayon::current_num_threads() < 2 {
        return partition_seq(rows, scratch, &goes_left);
    }
    let chunk = n.div_ceil(4 * rayon::current_num_threads()).max(PAR_PARTITION_MIN / 4);
    let lefts: Vec<usize> =
        rows.par_chunks_mut(chunk).map_init(Vec::new, |tmp, c| partition_seq(c, tmp, &goes_left)).collect();
    scratch.clear();
    scratch.reserve(n);
    for (c, &nl) in rows.chunks(chunk).zip(&lefts) {
        scratch.extend_from_slice(&c[..nl]);
    }
    let n_left = scratch.len();
    for (c, &nl) in rows.chunks(chunk).zip(&lefts) {
        scratch.extend_from_slice(&c[nl..]);
    }
    rows.copy_from_slice(scratch);
    n_left
}

/// Grows one tree. `rows` holds the bagged row ids in ascending order (`whole` = all rows,
/// unbagged) and is reordered so each leaf's rows are contiguous. `gh[r]` = (grad, hess) of
/// row `r`. Returns `None` when the root cannot be split.
pub(crate) fn grow(
    data: &BinnedData,
    gh: &[[f32; 2]],
    rows: &mut [u32],
    whole: bool,
    used: &[bool],
    cfg: &GrowConfig,
) -> Option<Grown> {
    let mut sums = Sums::default();
    for &r in rows.iter() {
        let [g, h] = gh[r as usize];
        sums.g += f64::from(g);
        sums.h += f64::from(h);
    }
    sums.n = rows.len() as f64;
    let root_hist = build_hist(data, used, rows, gh, whole);
    let mut root = Leaf {
        start: 0,
        len: rows.len(),
        sums,
        output: leaf_output(&sums, cfg.split.l2, &LeafBounds::NONE),
        depth: 0,
        bounds: LeafBounds::NONE,
        hist: None,
        best: None,
        splittable: Vec::new(),
        parent: None,
    };
    if splittable(&root, cfg) {
        (root.best, root.splittable) = find_best(data, &root_hist, &root, cfg);
    }
    root.hist = Some(root_hist);
    let mut leaves = vec![root];
    let mut tree = Tree::leaf(0.0, 0.0);
    let mut scratch = Vec::new();

    while leaves.len() < cfg.num_leaves {
        let mut pick: Option<usize> = None;
        for (i, l) in leaves.iter().enumerate() {
            if let Some(b) = &l.best {
                if pick.is_none_or(|p| b.better_than(leaves[p].best.as_ref().expect("picked leaf has a split"))) {
                    pick = Some(i);
                }
            }
        }
        let Some(li) = pick else { break };
        let cand = leaves[li].best.take().expect("picked leaf has a split");
        let (start, len) = (leaves[li].start, leaves[li].len);
        let f = cand.feature;
        let col = &data.cols[f];
        let n_left = match &cand.rule {
            SplitRule::Numeric { bin, default_left } => {
                let missing = data.bins[f].n_value_bins() as u8;
                let (bin, dl) = (*bin, *default_left);
                partition(&mut rows[start..start + len], &mut scratch, |r| {
                    let b = col[r as usize];
                    if b == missing {
                        dl
                    } else {
                        b <= bin
                    }
                })
            }
            SplitRule::Categorical { left_bins } => partition(&mut rows[start..start + len], &mut scratch, |r| {
                let b = col[r as usize] as usize;
                left_bins[b / 64] >> (b % 64) & 1 == 1
            }),
        };

        // Record the split as a raw-threshold node.
        let node_idx = tree.nodes.len();
        let (threshold, default_left, cat) = match (&cand.rule, &data.bins[f]) {
            (SplitRule::Numeric { bin, default_left }, FeatureBins::Numeric { upper, .. }) => {
                (upper[*bin as usize], *default_left, None)
            }
            (SplitRule::Categorical { left_bins }, FeatureBins::Categorical { codes }) => {
                let left_codes: Vec<u32> =
                    (0..codes.len()).filter(|b| left_bins[b / 64] >> (b % 64) & 1 == 1).map(|b| codes[b]).collect();
                (0.0, false, Some(tree.push_categories(left_codes)))
            }
            _ => unreachable!("split rule matches the feature kind"),
        };
        let new_leaf = leaves.len();
        tree.nodes.push(Node {
            feature: f as u32,
            threshold,
            left: !(li as i32),
            right: !(new_leaf as i32),
            default_left,
            cat,
        });
        tree.split_gain.push(cand.gain);
        tree.internal_count.push(len as f64);
        if let Some((p, is_left)) = leaves[li].parent {
            if is_left {
                tree.nodes[p].left = node_idx as i32;
            } else {
                tree.nodes[p].right = node_idx as i32;
            }
        }

        let parent = &mut leaves[li];
        let depth = parent.depth + 1;
        let (lb, rb) = parent.bounds.children(cfg.monotone[f], cand.left_output, cand.right_output);
        let mut parent_hist = parent.hist.take();
        let mut left = Leaf {
            start,
            len: n_left,
            sums: cand.left,
            output: cand.left_output,
            depth,
            bounds: lb,
            hist: None,
            best: None,
            splittable: Vec::new(),
            parent: Some((node_idx, true)),
        };
        let mut right = Leaf {
            start: start + n_left,
            len: len - n_left,
            sums: cand.right,
            output: cand.right_output,
            depth,
            bounds: rb,
            hist: None,
            best: None,
            splittable: Vec::new(),
            parent: Some((node_idx, false)),
        };
        let (sl, sr) = (splittable(&left, cfg), splittable(&right, cfg));
        if sl || sr {
            let left_smaller = left.len <= right.len;
            let small = if left_smaller { &left } else { &right };
            let child_used = std::mem::take(&mut parent.splittable);
            let small_hist = build_hist(data, &child_used, &rows[small.start..small.start + small.len], gh, false);
            let large_hist = parent_hist.take().map(|mut p| {
                histogram::subtract_into(&mut p, &small_hist);
                p
            });
            let (lh, rh) = if left_smaller { (Some(small_hist), large_hist) } else { (large_hist, Some(small_hist)) };
            if sl {
                if let Some(h) = &lh {
                    (left.best, left.splittable) = find_best(data, h, &left, cfg);
                }
            }
            if sr {
                if let Some(h) = &rh {
                    (right.best, right.splittable) = find_best(data, h, &right, cfg);
                }
            }
            // Keep a histogram only where a later split will subtract from it.
            left.hist = if left.best.is_some() { lh } else { None };
            right.hist = if right.best.is_some() { rh } else { None };
        }
        leaves[li] = left;
        leaves.push(right);
    }

    if leaves.len() == 1 {
        return None;
    }
    tree.leaf_value = leaves.iter().map(|l| l.output * cfg.learning_rate).collect();
    tree.leaf_count = leaves.iter().map(|l| l.len as f64).collect();
    let leaf_ranges = leaves.iter().map(|l| (l.start, l.len)).collect();
    Some(Grown { tree, leaf_ranges })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binning::bin_training;
    use crate::matrix::ColMatrix;
    use crate::split::tests::cfg;

    #[test]
    fn grows_the_hand_computed_two_split_tree() {
        // x0 in 0..8; gradients: rows with x0 < 4 have g = -1, others g = +1, except x0 = 7 with g = +3.
        let x: Vec<f64> = (0..8).map(f64::from).collect();
        let gh: Vec<[f32; 2]> = (0..8)
            .map(|i| {
                [
                    if i < 4 {
                        -1.0
                    } else if i == 7 {
                        3.0
                    } else {
                        1.0
                    },
                    1.0,
                ]
            })
            .collect();
        let m = ColMatrix::new(&x, 8, 1).unwrap();
        let data = bin_training(&m, &[false], 255, 0);
        let sc = cfg(1.0);
        let gc = GrowConfig { split: &sc, monotone: &[0], num_leaves: 3, depth_limit: 10, learning_rate: 0.5 };
        let mut rows: Vec<u32> = (0..8).collect();
        let g = grow(&data, &gh, &mut rows, true, &[true], &gc).unwrap();
        let t = &g.tree;
        // Root splits at 3.5 (gain: 16/4 + 36/4 - 4/8 = 12.5), then right leaf splits x0 <= 6.5.
        assert_eq!(t.nodes[0].threshold, 3.5);
        assert_eq!(t.split_gain[0], 12.5);
        assert_eq!(t.nodes[1].threshold, 6.5);
        // Leaves: left 1/1 * 0.5, right-left -3/3 * 0.5, right-right -3 * 0.5.
        assert_eq!(t.leaf_value, vec![0.5, -0.5, -1.5]);
        assert_eq!(t.leaf_count, vec![4.0, 3.0, 1.0]);
        assert_eq!(g.leaf_ranges, vec![(0, 4), (4, 3), (7, 1)]);
        assert!(t.validate(1).is_ok());
    }

    #[test]
    fn partition_is_stable() {
        let mut rows = [0u32, 1, 2, 3, 4, 5];
        let n = partition(&mut rows, &mut Vec::new(), |r| r % 2 == 1);
        assert_eq!((n, rows), (3, [1, 3, 5, 0, 2, 4]));
        // The parallel path (large leaves) gives the same stable order.
        let mut big: Vec<u32> = (0..300_000).collect();
        let n = partition(&mut big, &mut Vec::new(), |r| r % 3 == 0);
        assert_eq!(n, 100_000);
        assert!(big[..n].windows(2).all(|w| w[0] < w[1] && w[1] % 3 == 0));
        assert!(big[n..].windows(2).all(|w| w[0] < w[1]) && big[n..].iter().all(|r| r % 3 != 0));
    }
}
