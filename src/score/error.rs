//! What can stop a scoring run: each error names the file, column or flag and says what to do.

use std::path::PathBuf;

use crate::accounts::value::ValueError;
use crate::bundle::BundleError;
use crate::data::join::JoinError;
use crate::data::load::LoadError;
use crate::data::typing::TypingError;
use crate::rules::RulesError;
use crate::scorer::ScoreError;

use super::SinkError;

/// Errors while scoring.
#[derive(Debug, thiserror::Error)]
pub enum ScoreRunError {
    /// Bundle problem.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The --shadow bundle cannot shadow this run.
    #[error("--shadow {path}: {why}")]
    Shadow {
        /// The shadow bundle.
        path: PathBuf,
        /// Why not.
        why: String,
    },
    /// Input problem.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Value problem.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// Scoring problem.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// Output problem.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// More bad rows than `--max-bad-rows` allows.
    #[error("{path}: more than {max} rows have values that cannot be read (--max-bad-rows {max}); nothing was written. The one over the limit: {last}")]
    TooManyBadRows {
        /// The input.
        path: PathBuf,
        /// The limit.
        max: usize,
        /// The error of the row over the limit.
        last: String,
    },
    /// Empty input.
    #[error("{path}: no leads to score")]
    Empty {
        /// The input.
        path: PathBuf,
    },
    /// Rules problem.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// Neither a model nor rules.
    #[error("nothing to score with: pass --model BUNDLE, --rules FILE, or both")]
    NothingToScore,
    /// A batch size of 0.
    #[error("--batch-rows must be at least 1")]
    BatchRows,
    /// A within-run rank on a source that cannot be read twice.
    #[error("{path} is a pipe, which can be read only once, but {why} needs two passes over the leads; write the leads to a file first{hint}")]
    TwoPassesOnPipe {
        /// The input.
        path: PathBuf,
        /// Why two passes.
        why: String,
        /// What else to do.
        hint: String,
    },
    /// `--incremental` where stored scores cannot stay valid.
    #[error("--incremental cannot reuse stored scores: {why}; drop --incremental")]
    Incremental {
        /// Why.
        why: String,
    },
    /// `--keep-columns` names a column the file lacks.
    #[error("{path}: --keep-columns names column \"{column}\", which the file does not have (columns: {available})")]
    KeepColumn {
        /// The input.
        path: PathBuf,
        /// The column.
        column: String,
        /// Columns present.
        available: String,
    },
    /// A joined table problem.
    #[error(transparent)]
    Join(#[from] JoinError),
    /// A value column problem.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// `--value-column` with rules only: expected value needs a probability.
    #[error("--value-column needs --model: expected value is probability x value, and points are not a probability")]
    ValueNeedsModel,
}
