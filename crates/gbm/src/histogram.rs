//! Gradient histograms: per feature and bin, the sums of gradient, hessian and row count
//! over the rows of one leaf.
//!
//! Built column by column in parallel (rayon over features); each feature's bins are summed
//! sequentially in row order, so results do not depend on the thread count. The tree grower
//! builds only the smaller child of a split and gets its sibling by subtraction.

use rayon::prelude::*;

/// Sums over the rows falling in one bin.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct HistBin {
    pub grad: f64,
    pub hess: f64,
    pub count: f64,
}

/// One bin array per feature; bins are indexed by the `u8` bin code, so no bounds checks.
pub(crate) type FeatureHist = [HistBin; 256];

/// A zeroed bin array, allocated directly on the heap (`Box::new([..; 256])` would build
/// 6 KiB on the stack and copy it).
pub(crate) fn zeroed() -> Box<FeatureHist> {
    vec![HistBin::default(); 256].into_boxed_slice().try_into().expect("exactly 256 bins")
}

/// Histogram of one leaf. Features not sampled for the current tree hold `None`.
pub(crate) struct Histogram {
    pub feats: Vec<Option<Box<FeatureHist>>>,
}

/// Builds the histogram of the rows `rows` (ascending row ids) for the `used` features.
/// `gh[i]` holds gradient and hessian of `rows[i]` (gathered once per leaf, so the inner
/// loop reads them sequentially). With `rows = None` the leaf holds every row in order.
pub(crate) fn build(cols: &[Vec<u8>], used: &[bool], rows: Option<&[u32]>, gh: &[[f32; 2]]) -> Histogram {
    let feats = cols
        .par_iter()
        .zip(used.par_iter())
        .map(|(col, &u)| {
            if !u {
                return None;
            }
            let mut h = zeroed();
            match rows {
                Some(rows) => {
                    for (&r, g) in rows.iter().zip(gh) {
                        let e = &mut h[col[r as usize] as usize];
                        e.grad += f64::from(g[0]);
                        e.hess += f64::from(g[1]);
                        e.count += 1.0;
                    }
                }
                None => {
                    for (&b, g) in col.iter().zip(gh) {
                        let e = &mut h[b as usize];
                        e.grad += f64::from(g[0]);
                        e.hess += f64::from(g[1]);
                        e.count += 1.0;
                    }
                }
            }
            Some(h)
        })
        .collect();
    Histogram { feats }
}

/// Turns the parent's histogram into the larger child's: `parent - smaller`. Features the
/// smaller child did not build are dropped.
pub(crate) fn subtract_into(parent: &mut Histogram, smaller: &Histogram) {
    parent.feats.par_iter_mut().zip(smaller.feats.par_iter()).for_each(|(p, s)| match (p.as_mut(), s.as_ref()) {
        (Some(ph), Some(s)) => {
            for (a, b) in ph.iter_mut().zip(s.iter()) {
                a.grad -= b.grad;
                a.hess -= b.hess;
                a.count -= b.count;
            }
        }
        _ => *p = None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_per_bin_and_subtraction_gives_the_sibling() {
        let cols = vec![vec![0u8, 1, 1, 2], vec![3u8, 3, 0, 0]];
        let gh_all: [[f32; 2]; 4] = [[1.0, 0.5], [2.0, 0.25], [-1.0, 0.5], [4.0, 1.0]];
        let all = build(&cols, &[true, true], None, &gh_all);
        let f0 = all.feats[0].as_ref().unwrap();
        assert_eq!(f0[1], HistBin { grad: 1.0, hess: 0.75, count: 2.0 });
        assert_eq!(f0[2], HistBin { grad: 4.0, hess: 1.0, count: 1.0 });
        // Left child = rows {0, 2}; right = parent - left = rows {1, 3}.
        let left = build(&cols, &[true, true], Some(&[0, 2]), &[gh_all[0], gh_all[2]]);
        let mut right = build(&cols, &[true, true], None, &gh_all);
        subtract_into(&mut right, &left);
        let direct = build(&cols, &[true, true], Some(&[1, 3]), &[gh_all[1], gh_all[3]]);
        for f in 0..2 {
            assert_eq!(right.feats[f].as_ref().unwrap()[..4], direct.feats[f].as_ref().unwrap()[..4]);
        }
        let skip = build(&cols, &[false, true], None, &gh_all);
        assert!(skip.feats[0].is_none());
    }
}
