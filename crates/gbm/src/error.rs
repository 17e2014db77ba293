//! Errors of the boosting engine: one enum, structured fields, messages that name the
//! offending input and say what would be accepted.

use thiserror::Error;

/// Everything that can go wrong when checking parameters, fitting, importing or loading a model.
#[derive(Debug, Error)]
pub enum GbmError {
    /// A parameter is outside its allowed range.
    #[error("parameter `{name}` = {value} is invalid: expected {expected}")]
    InvalidParam {
        /// Parameter name as spelled in [`crate::GbmParams`].
        name: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// The allowed range or set.
        expected: &'static str,
    },
    /// `monotone` has neither zero nor one entry per column.
    #[error("parameter `monotone` has {found} entries but the data has {expected} columns: give one entry (-1, 0 or +1) per column, or leave it empty")]
    MonotoneLength {
        /// Number of columns.
        expected: usize,
        /// Number of entries given.
        found: usize,
    },
    /// A monotone constraint was put on a categorical column.
    #[error("parameter `monotone[{column}]` = {value} but column {column} is categorical: monotone constraints apply only to numeric columns, set it to 0")]
    MonotoneOnCategorical {
        /// Column index.
        column: usize,
        /// The constraint given.
        value: i8,
    },
    /// A categorical column index is out of range.
    #[error(
        "parameter `categorical` names column {column} but the data has {n_features} columns (indices 0..{n_features})"
    )]
    CategoricalOutOfRange {
        /// The index given.
        column: usize,
        /// Number of columns.
        n_features: usize,
    },
    /// A matrix's data length does not match its declared shape.
    #[error("{what}: data holds {found} values but n_rows x n_cols = {n_rows} x {n_cols}")]
    MatrixShape {
        /// Which matrix ("training matrix", "validation matrix", ...).
        what: &'static str,
        /// Length of the data slice.
        found: usize,
        /// Declared rows.
        n_rows: usize,
        /// Declared columns.
        n_cols: usize,
    },
    /// A matrix has the wrong number of columns.
    #[error("{what}: {found} columns, expected {expected} (the number the parameters were checked for)")]
    ColumnCount {
        /// Which matrix.
        what: &'static str,
        /// Expected column count.
        expected: usize,
        /// Actual column count.
        found: usize,
    },
    /// Label vector length differs from the row count.
    #[error("{what}: {found} labels for {expected} rows")]
    LabelCount {
        /// Which label vector.
        what: &'static str,
        /// Number of rows.
        expected: usize,
        /// Number of labels.
        found: usize,
    },
    /// A label is not 0.0 or 1.0.
    #[error("{what}: label at row {row} is {value}; labels must be 0.0 or 1.0")]
    BadLabel {
        /// Which label vector.
        what: &'static str,
        /// Row index.
        row: usize,
        /// The label found.
        value: f64,
    },
    /// Training data has no rows.
    #[error("training matrix has no rows")]
    NoRows,
    /// All training labels are equal, so there is nothing to learn.
    #[error("training labels are all {value}: both classes (0 and 1) are needed")]
    SingleClass {
        /// The only label present.
        value: f64,
    },
    /// Early stopping was requested without a validation set.
    #[error(
        "parameter `early_stopping_rounds` = {rounds} needs a validation set: pass `valid` to fit, or set it to None"
    )]
    EarlyStoppingWithoutValidation {
        /// The rounds requested.
        rounds: usize,
    },
    /// The rayon thread pool could not be built.
    #[error("could not start a thread pool with {n_threads} threads")]
    ThreadPool {
        /// Requested thread count.
        n_threads: usize,
        /// Cause.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    /// A row index asked for is not a row of the matrix.
    #[error("row {row} was asked for but the matrix has {n_rows} rows (rows are numbered from 0)")]
    RowOutOfRange {
        /// The index asked for.
        row: usize,
        /// Rows in the matrix.
        n_rows: usize,
    },
    /// A (deserialized or imported) model is structurally invalid.
    #[error("invalid model: tree {tree}: {reason}")]
    InvalidTree {
        /// Tree index.
        tree: usize,
        /// What is wrong.
        reason: String,
    },
    /// A model does not fit the data it is asked to score.
    #[error("invalid model: {reason}")]
    InvalidModel {
        /// What is wrong.
        reason: String,
    },
    /// A LightGBM `dump_model()` JSON could not be converted.
    #[error("LightGBM dump: {reason}")]
    LightGbmDump {
        /// What is wrong.
        reason: String,
    },
    /// JSON (de)serialization failed.
    #[error("model JSON could not be read or written")]
    Json(#[from] serde_json::Error),
}

pub(crate) fn invalid(name: &'static str, value: impl std::fmt::Display, expected: &'static str) -> GbmError {
    GbmError::InvalidParam { name, value: value.to_string(), expected }
}
