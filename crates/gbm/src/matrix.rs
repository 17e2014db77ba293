//! [`ColMatrix`]: the column-major `f64` view every model in this crate reads.
//!
//! `data[col * n_rows + row]`; `NaN` is a missing value. Categorical columns hold integer
//! codes `0, 1, 2, ...` stored as `f64`.

use crate::error::GbmError;

/// Column-major `f64` matrix view; `NaN` = missing.
///
/// Categorical columns hold integer codes `0..k` as `f64` (`NaN` = missing). The fields are
/// public so callers can build one from any buffer; [`ColMatrix::new`] checks the shape.
#[derive(Clone, Copy, Debug)]
pub struct ColMatrix<'a> {
    /// Values, column after column: `data[col * n_rows + row]`.
    pub data: &'a [f64],
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
}

impl<'a> ColMatrix<'a> {
    /// A view over `data`, checking that it holds exactly `n_rows * n_cols` values.
    pub fn new(data: &'a [f64], n_rows: usize, n_cols: usize) -> Result<Self, GbmError> {
        let m = ColMatrix { data, n_rows, n_cols };
        m.check_shape("matrix")?;
        Ok(m)
    }

    /// Errors unless `data.len() == n_rows * n_cols`.
    pub fn check_shape(&self, what: &'static str) -> Result<(), GbmError> {
        match self.n_rows.checked_mul(self.n_cols) {
            Some(n) if n == self.data.len() => Ok(()),
            _ => Err(GbmError::MatrixShape { what, found: self.data.len(), n_rows: self.n_rows, n_cols: self.n_cols }),
        }
    }

    /// Value at (`row`, `col`); anything outside the matrix reads as missing (`NaN`), so a
    /// mis-shaped view can give wrong scores but never a panic.
    #[inline]
    pub fn get(&self, row: usize, col: usize) -> f64 {
        if col >= self.n_cols || row >= self.n_rows {
            return f64::NAN;
        }
        self.data.get(col.wrapping_mul(self.n_rows).wrapping_add(row)).copied().unwrap_or(f64::NAN)
    }

    /// Column `col` as a slice, if the shape allows it.
    pub fn column(&self, col: usize) -> Option<&'a [f64]> {
        let start = col.checked_mul(self.n_rows)?;
        let end = start.checked_add(self.n_rows)?;
        if col >= self.n_cols {
            return None;
        }
        self.data.get(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_major_indexing_and_out_of_range_reads_missing() {
        // 3 rows x 2 cols: col0 = [1,2,3], col1 = [4,5,6]
        let d = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let m = ColMatrix::new(&d, 3, 2).unwrap();
        assert_eq!(m.get(2, 0), 3.0);
        assert_eq!(m.get(0, 1), 4.0);
        assert!(m.get(3, 0).is_nan());
        assert!(m.get(0, 2).is_nan());
        assert_eq!(m.column(1), Some(&d[3..6]));
        assert!(ColMatrix::new(&d, 4, 2).is_err());
        let bad = ColMatrix { data: &d, n_rows: usize::MAX, n_cols: 3 };
        assert!(bad.check_shape("x").is_err());
        assert!(bad.get(5, 2).is_nan() || bad.get(5, 2).is_finite());
    }
}
