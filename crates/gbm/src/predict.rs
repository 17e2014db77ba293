//! Batch scoring: raw margins and probabilities, parallel over blocks of rows.
//!
//! Each block of rows is copied to a small row-major buffer, then scored tree by tree (the
//! tree's nodes stay in cache while the block's rows stream through). Values outside a mis-shaped matrix read as
//! missing, so scoring never panics.

use rayon::prelude::*;

use crate::matrix::ColMatrix;
use crate::model::GbmModel;
use crate::objective::sigmoid;
use crate::tree::Tree;

/// Rows per parallel work item.
const BLOCK: usize = 512;

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

/// Adds `tree`'s output for the rows of a row-major `buf` (`width` columns) into `out`.
pub(crate) fn add_tree(tree: &Tree, buf: &[f64], width: usize, out: &mut [f64]) {
    for (row, o) in buf.chunks_exact(width).zip(out.iter_mut()) {
        *o += tree.predict(|c| row[c]);
    }
}

impl GbmModel {
    /// Raw log-odds for every row of `x` (initial score plus every tree).
    ///
    /// Columns the model uses but `x` lacks read as missing.
    pub fn predict_margin(&self, x: &ColMatrix) -> Vec<f64> {
        let mut out = vec![self.init_score; x.n_rows];
        let width = self.n_features;
        out.par_chunks_mut(BLOCK).enumerate().for_each_init(Vec::new, |buf, (b, chunk)| {
            gather_rows(x, b * BLOCK, chunk.len(), width, buf);
            for t in &self.trees {
                add_tree(t, buf, width, chunk);
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
}
