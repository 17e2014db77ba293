//! Joined tables: many-to-one left joins of a lead file with lookup tables (a CRM export's
//! opportunities with its accounts and products), applied identically at train and score.
//!
//! A join is declared in the training config and recorded in the bundle, so `score`,
//! `evaluate` and `thresholds` apply the same joins to the leads they read:
//!
//! ```toml
//! [[data.join]]
//! file = "accounts.csv"      # relative to the config file's directory
//! on = "account"             # or left_on = "..." and right_on = "..."
//! [[data.join]]
//! file = "products.csv"
//! on = "product"
//! normalise = "loose"        # exact | trim (default) | case | loose
//! unmatched = "warn"         # warn (default: counted, named) | error
//! ```
//!
//! Flow: [`JoinTable::load`] reads a table whole (at most [`MAX_JOIN_ROWS`] rows, every
//! column as text), indexes it by its normalised key and refuses a key that appears twice
//! (the join would no longer be many-to-one). [`Joiner::apply`] takes a batch of leads and
//! appends, per table in order, the table's other columns (with the spec's `prefix`) for the
//! matching row, or blanks; a later join may use columns an earlier one added. Blank keys on
//! the left (a deal with no account) and keys that match nothing are counted per table, with
//! examples and their first data row, in a [`JoinReport`]. Unmatched keys whose loose form
//! (case, spaces and punctuation dropped) equals a key of the table are reported as
//! near-duplicate spellings (`GTXPro` in the leads, `GTX Pro` in products.csv).
//!
//! Key normalisation ([`KeyNormalise`]): `exact` compares the text as is; `trim` (default)
//! drops surrounding blanks; `case` also ignores letter case; `loose` also drops every
//! character that is not a letter or a digit.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::load::LoadError;

mod table;

pub use table::{JoinReport, JoinTable, Joiner};

/// Most rows a joined table may have: a lookup table (accounts, products) is read whole into
/// memory, so a lead file named here by mistake is refused instead of exhausting memory.
pub const MAX_JOIN_ROWS: usize = 2_000_000;

/// How keys are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyNormalise {
    /// Byte for byte.
    Exact,
    /// Surrounding blanks dropped.
    #[default]
    Trim,
    /// Trimmed, case ignored.
    Case,
    /// Case ignored, everything but letters and digits dropped (`GTX Pro` = `gtxpro`).
    Loose,
}

impl KeyNormalise {
    /// The comparable form of `key`; `None` for a blank key.
    pub fn apply(self, key: &str) -> Option<String> {
        let k = match self {
            KeyNormalise::Exact => key.to_string(),
            KeyNormalise::Trim => key.trim().to_string(),
            KeyNormalise::Case => key.trim().to_lowercase(),
            KeyNormalise::Loose => loose(key),
        };
        (!k.trim().is_empty()).then_some(k)
    }
}

/// Lower case, letters and digits only: the form two spellings of one name share.
pub fn loose(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// What a key that matches no row of the table does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unmatched {
    /// Counted and named in the run's warnings; the joined columns stay blank.
    #[default]
    Warn,
    /// An error naming the key and its row.
    Error,
}

/// One `[[data.join]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinSpec {
    /// The table (CSV, Parquet or NDJSON).
    pub file: PathBuf,
    /// Key column with the same name on both sides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// Key column of the leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_on: Option<String>,
    /// Key column of the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_on: Option<String>,
    /// How keys are compared.
    #[serde(default)]
    pub normalise: KeyNormalise,
    /// What an unmatched key does.
    #[serde(default)]
    pub unmatched: Unmatched,
    /// Put before the table's column names (e.g. `"account_"`), when they clash with the leads'.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
}

impl JoinSpec {
    /// The key columns (leads, table), or an error when neither `on` nor both of
    /// `left_on`/`right_on` are given.
    pub fn keys(&self) -> Result<(String, String), JoinError> {
        match (&self.on, &self.left_on, &self.right_on) {
            (Some(on), None, None) => Ok((on.clone(), on.clone())),
            (None, Some(l), Some(r)) => Ok((l.clone(), r.clone())),
            _ => Err(JoinError::Spec { file: self.file.clone() }),
        }
    }

    /// The spec with `file` resolved against `base` (the config file's directory) when relative.
    pub fn resolved(&self, base: Option<&Path>) -> JoinSpec {
        let mut s = self.clone();
        if let Some(b) = base.filter(|_| self.file.is_relative()) {
            s.file = b.join(&self.file);
        }
        s
    }
}

/// What a bundle records of a joined table: the spec as applied and the table as trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRecord {
    /// The join (its `file` resolved to the path training read).
    pub spec: JoinSpec,
    /// SHA-256 of the table at training.
    pub sha256: String,
    /// The table's columns (key first), at training.
    pub columns: Vec<String>,
    /// The table's rows, at training.
    pub rows: usize,
}

/// Errors of a join.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    /// The table could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Neither `on` nor `left_on` + `right_on`.
    #[error("join of {file}: give either on = \"COLUMN\" or both left_on and right_on")]
    Spec {
        /// The table.
        file: PathBuf,
    },
    /// A key column is missing from one side.
    #[error("{file}: join key column \"{column}\" not found (columns: {available}); {hint}")]
    MissingKey {
        /// The file lacking it.
        file: PathBuf,
        /// The column.
        column: String,
        /// Its columns.
        available: String,
        /// What to do.
        hint: String,
    },
    /// The same key twice in a table: the join would copy leads.
    #[error("{file}: key \"{key}\" of column \"{column}\" appears in rows {first} and {second}; a joined table needs one row per key (remove the duplicate, or choose a finer key)")]
    DuplicateKey {
        /// The table.
        file: PathBuf,
        /// The key column.
        column: String,
        /// The key as written.
        key: String,
        /// 1-based data rows.
        first: usize,
        /// 1-based data rows.
        second: usize,
    },
    /// A key of the leads that matches no row, with `unmatched = "error"`.
    #[error("{leads}: column \"{column}\", row {row}: \"{key}\" matches no row of {file}{hint}; add it there, or set unmatched = \"warn\" in the join")]
    Unmatched {
        /// The leads.
        leads: PathBuf,
        /// The left key column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// The key.
        key: String,
        /// The table.
        file: PathBuf,
        /// A near-duplicate spelling, when there is one.
        hint: String,
    },
    /// A column of the table that the leads already have.
    #[error("{file}: column \"{column}\" is also a column of {leads}; set prefix = \"...\" in the join to rename the table's columns")]
    Clash {
        /// The table.
        file: PathBuf,
        /// The column.
        column: String,
        /// The leads.
        leads: PathBuf,
    },
    /// A table over [`MAX_JOIN_ROWS`].
    #[error("{file}: more than {max} rows; a joined table is a lookup table read whole into memory: check that the join names the right file")]
    TooLarge {
        /// The table.
        file: PathBuf,
        /// The limit.
        max: usize,
    },
    /// `--join FILE` that the bundle's joins do not name.
    #[error("--join {file}: the bundle joins no table of that file name (it joins: {recorded}); --join replaces a recorded table by one with the same file name")]
    NotRecorded {
        /// The file given.
        file: PathBuf,
        /// The recorded tables.
        recorded: String,
    },
    /// A table lacks a column it had at training.
    #[error("{file}: column \"{column}\" was in this table when the model was trained but is not now (columns: {available}); restore it or retrain")]
    Schema {
        /// The table.
        file: PathBuf,
        /// The column.
        column: String,
        /// Its columns now.
        available: String,
    },
    /// Polars refused to assemble the joined batch.
    #[error("{file}: {source}")]
    Polars {
        /// The table.
        file: PathBuf,
        /// Polars' error.
        source: PolarsError,
    },
}

/// The specs to apply again for a bundle's recorded joins: each table at its recorded path,
/// unless `tables` (`score --join FILE`) gives one with the same file name. A table given
/// that no join records is an error, so a typo is not silently ignored.
pub fn specs_for(records: &[JoinRecord], tables: &[PathBuf]) -> Result<Vec<JoinSpec>, JoinError> {
    let name = |p: &Path| p.file_name().map(|n| n.to_os_string());
    for t in tables {
        if !records.iter().any(|r| name(&r.spec.file) == name(t)) {
            return Err(JoinError::NotRecorded {
                file: t.clone(),
                recorded: records.iter().map(|r| r.spec.file.display().to_string()).collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(records
        .iter()
        .map(|r| {
            let mut s = r.spec.clone();
            if let Some(t) = tables.iter().find(|t| name(t) == name(&r.spec.file)) {
                s.file = t.clone();
            }
            s
        })
        .collect())
}
