//! Errors of the rules engine: reading and checking a rules file, and reading the
//! activity log. Every message names the file, and for the rules file the line.

use std::fmt;
use std::path::PathBuf;

use polars::prelude::PolarsError;

use crate::data::limited::ReadError;
use crate::data::load::LoadError;

/// One problem found while checking a rules file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based line in the rules file.
    pub line: usize,
    /// The item: `fit rule 2`, `[score]`, ...
    pub item: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.item, self.message)
    }
}

/// The problems of one file, one per line when displayed.
#[derive(Debug, Clone, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Errors of the rules engine.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The rules file cannot be read.
    #[error("{path}: cannot read the rules file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The rules file could not be read whole (missing, a FIFO nobody writes to, not UTF-8,
    /// larger than [`super::set::MAX_FILE_BYTES`]).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The rules file is larger than we accept.
    #[error("{path}: the rules file is {bytes} bytes; the limit is {limit} (a rules file is a page or two of TOML)")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// TOML syntax, an unknown field or a value of the wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The TOML parser's message.
        message: String,
    },
    /// The file parsed, but its content is inconsistent.
    #[error("{path}: {} problem(s):\n{problems}", problems.0.len())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Each problem with its line.
        problems: Problems,
    },
    /// Activity rules without an activity log.
    #[error("{path}: line {line} scores events of the activity log; pass --activities FILE")]
    NeedsActivities {
        /// The rules file.
        path: PathBuf,
        /// Line of the first activity rule.
        line: usize,
    },
    /// The activity log needs the leads' id column.
    #[error(
        "{path}: joining the activity log needs the leads' id column; set [score] id = \"...\" or pass --id COLUMN"
    )]
    NeedsId {
        /// The rules file.
        path: PathBuf,
    },
    /// The activity log could not be read.
    #[error("activity log: {0}")]
    Load(#[from] LoadError),
    /// A column the activity log needs is absent.
    #[error("{path}: activity log has no column \"{column}\" (columns: {available}); name it in the rules file's [activities] table")]
    ActivityColumn {
        /// The log.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// Columns present.
        available: String,
    },
    /// Timestamps that do not parse.
    #[error("{path}: {count} timestamp(s) in column \"{column}\" are blank or do not read as \"{format}\" (first: \"{example}\"{}); fix those rows, or set [activities] timestamp_format", row.map(|r| format!(", row {r}")).unwrap_or_default())]
    BadTimestamps {
        /// The log.
        path: PathBuf,
        /// The column.
        column: String,
        /// Expected strftime format.
        format: String,
        /// How many failed.
        count: usize,
        /// The first one.
        example: String,
        /// 1-based data row of the first one, when it could be located.
        row: Option<usize>,
    },
    /// Polars failed aggregating the log.
    #[error("{path}: aggregating the activity log: {source}")]
    Polars {
        /// The log.
        path: PathBuf,
        /// Polars' error.
        source: PolarsError,
    },
    /// The leads file could not be read.
    #[error(transparent)]
    Leads(LoadError),
    /// A column of the leads file is missing or unreadable.
    #[error(transparent)]
    LeadValues(#[from] crate::data::typing::TypingError),
    /// Explaining a lead without an id column to find it by.
    #[error("{path}: set [score] id = \"...\" or pass --id-column to find lead {id}")]
    NoIdColumn {
        /// The rules file.
        path: PathBuf,
        /// The lead asked for.
        id: String,
    },
    /// No lead has the id asked for.
    #[error("{path}: no lead with {column} = \"{id}\"")]
    NoSuchLead {
        /// The leads file.
        path: PathBuf,
        /// The id column.
        column: String,
        /// The id asked for.
        id: String,
    },
}
