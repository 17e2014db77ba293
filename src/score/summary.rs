//! What a scoring run did: counts, warnings and time per stage, printed as text
//! ([`crate::present::score`]) or JSON (`score --json`, `--log`).

use std::collections::BTreeMap;

use serde::Serialize;

/// What a run did, printed as text or JSON.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreSummary {
    /// Input file.
    pub input: String,
    /// Output file.
    pub output: String,
    /// Bundle used.
    pub model: String,
    /// Primary model name.
    pub primary: String,
    /// Leads scored.
    pub leads: usize,
    /// Batches processed.
    pub batches: usize,
    /// Leads per grade.
    pub grades: BTreeMap<String, usize>,
    /// Mean probability.
    pub mean_probability: f64,
    /// Per column, values never seen in training (scored as "other").
    pub unseen_categories: BTreeMap<String, usize>,
    /// What the rules did, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<RulesSummary>,
    /// Things the user should know (e.g. the id column is missing and rows are numbered).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The bundle's short id (first 12 hex digits of its checksum), written on every row.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model_id: String,
    /// When the run scored (UTC, RFC 3339), written on every row.
    pub scored_at: String,
    /// How `percentile` was computed: against the bundle's reference distribution (the same
    /// for a lead every night) or within this run.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub percentiles: String,
    /// Rows of the file left out because they already have an outcome (`--open-only`).
    #[serde(skip_serializing_if = "is_zero")]
    pub closed_rows_skipped: usize,
    /// Leads given reasons (all, or those of the grades asked for with `--reasons-for`).
    pub leads_explained: usize,
    /// Per column, leads whose value is missing where training never saw it missing: such a
    /// "(missing)" is not offered as a reason.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub missing_never_seen: BTreeMap<String, usize>,
    /// Seconds per stage: `read` (reading and splitting the file), `score` (typing, encoding
    /// and predicting), `explain` (reasons; when every lead is explained, scoring and explaining
    /// are one call and all of it counts here), `write` (the sinks), `commit`.
    pub seconds: BTreeMap<String, f64>,
    /// SHA-256 of the input file, when the run hashed it (for a ledger).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_sha256: Option<String>,
    /// Leads whose stored score was reused (`--incremental`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused_from: Option<String>,
    /// Leads reused.
    #[serde(skip_serializing_if = "is_zero")]
    pub reused: usize,
    /// What each joined table did (blank and unmatched keys, near-duplicate spellings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<crate::data::join::JoinReport>,
    /// Pipeline value by grade and stage, per currency (`--value-column`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<crate::accounts::value::PipelineValue>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The rules part of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RulesSummary {
    /// Rules file.
    pub file: String,
    /// As-of date.
    pub as_of: String,
    /// Activity events read, and leads that had any.
    pub activity_events: usize,
    /// Leads in the activity log.
    pub activity_leads: usize,
    /// Leads per status (sql, mql, lead, disqualified).
    pub status: BTreeMap<String, usize>,
    /// Leads per grade (A1…D4).
    pub grades: BTreeMap<String, usize>,
    /// Mean rule score.
    pub mean_score: f64,
}
