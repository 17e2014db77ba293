//! A lead's score as it goes into a ledger ([`NewScore`], borrowed from the scored batch) and
//! as it comes back: whole ([`ScoreRow`], reasons decoded), with its reasons still encoded
//! ([`RawScore`], [`StoredScore`]), or only the fields `changes` compares ([`ScoreKey`]).

use serde::Serialize;

use crate::bundle::Grade;

/// One reason as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredReason {
    /// The input column.
    pub column: String,
    /// The lead's value.
    pub value: String,
    /// Change in percentage points of conversion probability (one decimal).
    pub pp: f64,
}

/// One lead's score in one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRow {
    /// The lead id.
    pub lead_id: String,
    /// FNV-1a of the model's input columns (as a signed 64-bit integer), with a bundle.
    pub input_hash: Option<i64>,
    /// P(converted).
    pub probability: Option<f64>,
    /// Percentile.
    pub percentile: Option<f64>,
    /// Grade.
    pub grade: Option<Grade>,
    /// Rule score.
    pub rule_score: Option<f64>,
    /// Rule grade (A1..D4).
    pub rule_grade: Option<String>,
    /// Rule status (sql, mql, lead, disqualified).
    pub status: Option<String>,
    /// Top reasons, strongest up then down.
    pub reasons: Vec<StoredReason>,
    /// Its 1-based row in the run's scored file, when the run records context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// Its context values, aligned with the run's [`RunContext::columns`] (empty when the run
    /// records none; read only by [`Backend::scores`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<Option<String>>,
}

/// A score read with its reasons still encoded (`[reason_id, pp, ...]`), for passes over
/// whole runs that decode only the few rows they report.
#[derive(Debug, Clone, PartialEq)]
pub struct RawScore {
    /// The score, with `reasons` empty.
    pub row: ScoreRow,
    /// The encoded reasons.
    pub reasons: Option<String>,
}

/// A score about to be recorded, borrowed from the scored batch (nothing is copied on the way
/// into the database).
#[derive(Debug, Clone, PartialEq)]
pub struct NewScore<'a> {
    /// The lead id.
    pub lead_id: &'a str,
    /// See [`ScoreRow::input_hash`].
    pub input_hash: Option<i64>,
    /// P(converted).
    pub probability: Option<f64>,
    /// Percentile.
    pub percentile: Option<f64>,
    /// Grade.
    pub grade: Option<Grade>,
    /// Rule score.
    pub rule_score: Option<f64>,
    /// Rule grade (A1..D4).
    pub rule_grade: Option<String>,
    /// Rule status.
    pub status: Option<&'a str>,
    /// Top reasons.
    pub reasons: NewReasons<'a>,
    /// See [`ScoreRow::position`].
    pub position: Option<u64>,
    /// See [`ScoreRow::context`].
    pub context: Vec<Option<String>>,
}

/// A new score's reasons.
#[derive(Debug, Clone, PartialEq)]
pub enum NewReasons<'a> {
    /// None (not explained, or no reasons asked for).
    None,
    /// (column, value, pp), strongest up then down, encoded with the ledger's dictionary.
    Pairs(Vec<(&'a str, &'a str, f64)>),
    /// Already encoded by this ledger (`[reason_id, pp, ...]`): a score reused from an
    /// earlier run of it (`--incremental`), stored as it was.
    Encoded(&'a str),
}

/// The fields of a score that decide whether `changes` reports it, read in place from the
/// database's row ([`Backend::score_pairs`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreKey<'a> {
    /// The lead id.
    pub lead_id: &'a str,
    /// P(converted).
    pub probability: Option<f64>,
    /// Grade.
    pub grade: Option<Grade>,
    /// Rule status.
    pub status: Option<&'a str>,
}

impl ScoreRow {
    /// The fields `changes` compares.
    pub fn key(&self) -> ScoreKey<'_> {
        ScoreKey {
            lead_id: &self.lead_id,
            probability: self.probability,
            grade: self.grade,
            status: self.status.as_deref(),
        }
    }
}

/// A stored score as an incremental run reads it to reuse ([`Backend::stored_scores`]),
/// borrowed from the database's row, reasons still encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredScore<'a> {
    /// The lead id.
    pub lead_id: &'a str,
    /// Its input hash.
    pub input_hash: Option<i64>,
    /// P(converted).
    pub probability: Option<f64>,
    /// Percentile.
    pub percentile: Option<f64>,
    /// Grade.
    pub grade: Option<Grade>,
    /// `[reason_id, pp, ...]` over [`Backend::reason_entries`].
    pub reasons: Option<&'a str>,
}
