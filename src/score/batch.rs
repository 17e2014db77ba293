//! What one batch of the nightly run produces, and where it goes.
//!
//! A [`ScoredBatch`] is typed data: lead ids, the primary model's probabilities,
//! percentiles and grades with each lead's chosen reasons as structured
//! [`Contribution`]s, every model's own probabilities, and the rules' itemised
//! [`Breakdown`]s. Nothing in it is formatted; a [`Sink`] renders what it needs (the file
//! sink writes text columns, a ledger would store numbers and JSON).
//!
//! All or nothing: a sink makes nothing visible while batches arrive. When every batch is
//! written, [`Sink::finish`] flushes and checks everything and hands back a [`Prepared`]
//! output; only when every sink of the run has finished does the run commit them all
//! ([`commit_all`]): staged files move into place together, then any transaction commits,
//! and if that fails the files are moved back.

use crate::accounts::value::LeadValues;
use crate::bundle::Grade;
use crate::data::output::{commit_all_then, OutputError, Staged};
use crate::explain::Contribution;
use crate::rules::Breakdown;
use crate::score::reuse::StoredReasons;
use crate::score::ScoreSummary;
use crate::scorer::Probability;

/// How the leads of a batch are identified.
#[derive(Debug, Clone, PartialEq)]
pub enum LeadIds {
    /// The id column of the data, under its own name (blank ids as `None`).
    Column {
        /// The column's name.
        name: String,
        /// One id per lead.
        values: Vec<Option<String>>,
    },
    /// No id column: leads are numbered by their 1-based data row (a `row` column).
    Rows,
}

/// The bundle's view of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelScores {
    /// The bundle's short id: the first 12 hex digits of its checksum.
    pub model_id: String,
    /// The primary model's name.
    pub primary: String,
    /// P(converted) from the primary model.
    pub probabilities: Vec<Probability>,
    /// Percentile of each lead (0–100).
    pub percentiles: Vec<f64>,
    /// Grade of each lead.
    pub grades: Vec<Grade>,
    /// Per lead, the chosen reasons: strongest pushes up, then down (empty for a lead not
    /// explained, or for every lead when none was asked for).
    pub reasons: Vec<Vec<Contribution>>,
    /// Every model's own probabilities when the bundle holds several, in the bundle's order.
    pub by_model: Vec<(String, Vec<f64>)>,
    /// A routed bundle's segment model of each lead (its segment's value, or `(global)`);
    /// empty for every other bundle.
    pub segments: Vec<String>,
    /// The reasons of the leads that kept a score stored in a ledger (`--incremental`),
    /// still as the ledger stored them; `None` when no lead of the batch did.
    pub stored_reasons: Option<StoredReasons>,
}

impl ModelScores {
    /// The scores of only the leads where `keep` holds.
    pub fn retain(&self, keep: &[bool]) -> ModelScores {
        fn pick<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
            v.iter().zip(keep).filter(|(_, &k)| k).map(|(x, _)| x.clone()).collect()
        }
        ModelScores {
            model_id: self.model_id.clone(),
            primary: self.primary.clone(),
            probabilities: pick(&self.probabilities, keep),
            percentiles: pick(&self.percentiles, keep),
            grades: pick(&self.grades, keep),
            reasons: if self.reasons.is_empty() { Vec::new() } else { pick(&self.reasons, keep) },
            by_model: self.by_model.iter().map(|(n, p)| (n.clone(), pick(p, keep))).collect(),
            segments: if self.segments.is_empty() { Vec::new() } else { pick(&self.segments, keep) },
            stored_reasons: self
                .stored_reasons
                .as_ref()
                .map(|s| StoredReasons { names: s.names.clone(), store: s.store.clone(), leads: pick(&s.leads, keep) }),
        }
    }
}

/// The money of a batch: each lead's value, currency and stage, and its expected value.
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    /// The values read.
    pub values: LeadValues,
    /// Per lead, `probability x value` (`None` where the value is blank).
    pub expected: Vec<Option<f64>>,
}

/// One batch of scored leads.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredBatch {
    /// The 1-based data row of each lead within the input file.
    pub rows: Vec<u64>,
    /// How the leads are identified.
    pub ids: LeadIds,
    /// Input columns passed through (`--keep-columns`), as text.
    pub context: Vec<(String, Vec<Option<String>>)>,
    /// Per lead, a hash of the model's input columns (empty unless the plan asks for it):
    /// equal hashes mean the model saw the same values.
    pub input_hashes: Vec<u64>,
    /// The bundle's scores, when a bundle was given.
    pub model: Option<ModelScores>,
    /// The rules' breakdown of each lead, when a rules file was given.
    pub rules: Option<Vec<Breakdown>>,
    /// A challenger's scores of the same leads (`--shadow`), never the run's `probability`.
    pub shadow: Option<ModelScores>,
    /// Each lead's value and expected value (`probability x value`), with `--value-column`.
    pub money: Option<Money>,
    /// When the run scored (UTC, RFC 3339).
    pub scored_at: String,
}

impl ScoredBatch {
    /// Leads in the batch.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the batch has no lead.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The batch with only the leads where `keep` holds.
    pub fn retain(self, keep: &[bool]) -> ScoredBatch {
        fn pick<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
            v.iter().zip(keep).filter(|(_, &k)| k).map(|(x, _)| x.clone()).collect()
        }
        ScoredBatch {
            rows: pick(&self.rows, keep),
            ids: match &self.ids {
                LeadIds::Column { name, values } => LeadIds::Column { name: name.clone(), values: pick(values, keep) },
                LeadIds::Rows => LeadIds::Rows,
            },
            context: self.context.iter().map(|(n, v)| (n.clone(), pick(v, keep))).collect(),
            input_hashes: if self.input_hashes.is_empty() { Vec::new() } else { pick(&self.input_hashes, keep) },
            model: self.model.as_ref().map(|m| m.retain(keep)),
            shadow: self.shadow.as_ref().map(|m| m.retain(keep)),
            rules: self.rules.as_ref().map(|r| pick(r, keep)),
            money: self.money.as_ref().map(|m| Money {
                values: LeadValues {
                    column: m.values.column.clone(),
                    values: pick(&m.values.values, keep),
                    currencies: pick(&m.values.currencies, keep),
                    stages: pick(&m.values.stages, keep),
                },
                expected: pick(&m.expected, keep),
            }),
            scored_at: self.scored_at,
        }
    }
}

/// Errors of a sink.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Writing a file failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Any other sink's failure, with its message (a database, say).
    #[error("{sink}: {message}")]
    Other {
        /// The sink (e.g. its path or URL).
        sink: String,
        /// What went wrong.
        message: String,
    },
}

/// A finished sink's output, complete but not yet visible.
#[derive(Default)]
pub struct Prepared {
    /// Files staged beside their targets.
    pub files: Vec<Staged>,
    /// A last step to run once the files are in place (e.g. committing a transaction); if it
    /// fails, the files are moved back.
    pub commit: Option<Box<dyn FnOnce() -> Result<(), SinkError>>>,
}

/// Where scored batches go.
pub trait Sink {
    /// What the sink writes to, for the run summary (e.g. the output path).
    fn name(&self) -> String;
    /// Takes one batch. Nothing becomes visible before the run commits.
    fn write(&mut self, batch: &ScoredBatch) -> Result<(), SinkError>;
    /// Flushes and checks everything written; what is returned is committed with the other
    /// sinks' outputs, or dropped (and cleaned up) if any sink failed. `summary` is the run's
    /// (complete but for the commit's own time).
    fn finish(self: Box<Self>, summary: &ScoreSummary) -> Result<Prepared, SinkError>;
}

/// Commits the prepared outputs of every sink of a run: all staged files move into place
/// together (all or none), then each sink's last step runs; if one fails, the files are
/// moved back (new ones removed, replaced ones restored) and the error is returned. A last
/// step that already ran cannot be undone, so a run has at most one sink with such a step.
pub fn commit_all(prepared: Vec<Prepared>) -> Result<(), SinkError> {
    let mut files = Vec::new();
    let mut steps = Vec::new();
    for p in prepared {
        files.extend(p.files);
        steps.extend(p.commit);
    }
    commit_all_then(files, || steps.into_iter().try_for_each(|step| step()))?
}
