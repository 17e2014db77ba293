//! Feature building: from typed lead columns to the plain column-major matrices models see.
//!
//! Flow: [`schema::resolve_columns`] decides each input column's kind (config, then
//! inference); [`pipeline::FittedPipeline::fit`] learns medians, levels and scales on
//! training rows only; [`pipeline::FittedPipeline::transform`] turns any batch of leads into
//! an [`Encoded`] pair of matrices:
//! - `design`: for linear models — numeric values median-imputed plus a missing indicator,
//!   categoricals one-hot (kept levels, "other", "missing"), every column standardised with
//!   training mean and standard deviation;
//! - `tree`: for boosted trees — one column per input column, raw values with NaN for
//!   missing, categoricals as integer codes (`levels.len()` = "other").

pub mod groups;
pub mod personal;
pub mod pipeline;
pub mod profile;
pub mod schema;
pub mod unseen_levels;

pub use pipeline::{Encoded, FittedPipeline};

/// A column-major matrix of `f64` with one name per column.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    /// Number of rows.
    pub n_rows: usize,
    /// Column names, in the user's terms.
    pub names: Vec<String>,
    /// Values: column `j` is `data[j * n_rows .. (j + 1) * n_rows]`.
    pub data: Vec<f64>,
}

impl FeatureMatrix {
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Column `j` as a slice.
    pub fn column(&self, j: usize) -> &[f64] {
        &self.data[j * self.n_rows..(j + 1) * self.n_rows]
    }

    /// The rows `idx` (in that order) as a new matrix.
    pub fn select_rows(&self, idx: &[usize]) -> FeatureMatrix {
        let mut data = Vec::with_capacity(idx.len() * self.n_cols());
        for j in 0..self.n_cols() {
            let col = self.column(j);
            data.extend(idx.iter().map(|&i| col[i]));
        }
        FeatureMatrix { n_rows: idx.len(), names: self.names.clone(), data }
    }
}

impl Encoded {
    /// The rows `idx` (in that order) of both matrices; the unseen values stay the batch's.
    pub fn select_rows(&self, idx: &[usize]) -> Encoded {
        Encoded { design: self.design.select_rows(idx), tree: self.tree.select_rows(idx), unseen: self.unseen.clone() }
    }
}

/// `[features]` in the config: how categorical columns are encoded, unchecked.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureParams {
    /// A category needs this many training rows to get its own level; rarer ones become "other".
    pub min_category_count: usize,
    /// At most this many levels per categorical column (the most frequent), >= 1.
    pub max_categories: usize,
    /// `[features.groups]`: columns offered as one reason, by group name ([`groups`]).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub groups: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for FeatureParams {
    fn default() -> Self {
        FeatureParams { min_category_count: 10, max_categories: 50, groups: Default::default() }
    }
}

impl FeatureParams {
    /// Checks every range.
    pub fn check(&self) -> Result<(), crate::params::ParamError> {
        if self.max_categories < 1 {
            return Err(crate::params::ParamError::new("max_categories", 0, "must be >= 1"));
        }
        Ok(())
    }
}
