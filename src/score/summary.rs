//! What a scoring run did: counts, warnings and time per stage, printed as text
//! ([`crate::present::score`]) or JSON (`score --json`, `--log`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{shadow, short_id, ScorePlan, ScoredBatch, Sink};
use crate::bundle::{Bundle, Grade};
use crate::evaluation::Signal;
use crate::features::unseen_levels::UnseenLevels;
use crate::rules::RulesPlan;

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
    /// Per column, leads with a value never seen in training (scored as "other").
    pub unseen_categories: BTreeMap<String, usize>,
    /// Per column, those values, most frequent first, with their leads.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unseen_values: BTreeMap<String, UnseenLevels>,
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
    /// Rows set aside for values that cannot be read (`--max-bad-rows`).
    pub rejects: usize,
    /// The first 20 of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<super::rejects::Reject>,
    /// Input columns whose missing rate tonight is at least 20 points from training's
    /// (e.g. 0% -> 68%: a broken export, or a column filled in only after contact).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_rate_moved: Vec<super::availability::MissingRateMoved>,
    /// The shadow bundle's part (`--shadow`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow: Option<super::shadow::ShadowSummary>,
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
    /// A routed bundle's leads per segment model (`(global)`: the global model's).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub segments: BTreeMap<String, usize>,
    /// Segment values training never saw (scored by the global model), with their leads; at
    /// most [`MAX_UNSEEN_SEGMENTS`] values are named, the rest count under `(other values)`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unseen_segments: BTreeMap<String, usize>,
}

/// Most unseen segment values a summary names.
pub const MAX_UNSEEN_SEGMENTS: usize = 50;

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

pub(super) fn new_summary(
    plan: &ScorePlan,
    bundle: Option<&Bundle>,
    rules: Option<&RulesPlan>,
    sinks: &[Box<dyn Sink>],
) -> ScoreSummary {
    let mut summary = ScoreSummary {
        input: plan.data.display().to_string(),
        output: sinks.iter().map(|s| s.name()).collect::<Vec<_>>().join(", "),
        model: plan.model.as_ref().map(|m| m.display().to_string()).unwrap_or_default(),
        primary: bundle.map(|b| b.primary.to_string()).unwrap_or_else(|| "rules".into()),
        leads: 0,
        batches: 0,
        grades: if bundle.is_some() {
            Grade::ALL.iter().map(|g| (g.to_string(), 0)).collect()
        } else {
            BTreeMap::new()
        },
        mean_probability: 0.0,
        unseen_categories: BTreeMap::new(),
        unseen_values: BTreeMap::new(),
        rules: rules.map(|r| RulesSummary {
            file: r.rules.path.display().to_string(),
            as_of: plan.rules.as_ref().map(|x| x.as_of.to_string()).unwrap_or_default(),
            activity_events: r.activities.as_ref().map_or(0, |a| a.events),
            activity_leads: r.activities.as_ref().map_or(0, |a| a.leads()),
            status: BTreeMap::new(),
            grades: BTreeMap::new(),
            mean_score: 0.0,
        }),
        warnings: Vec::new(),
        model_id: bundle.map(|b| short_id(&b.checksum)).unwrap_or_default(),
        scored_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        percentiles: String::new(),
        closed_rows_skipped: 0,
        leads_explained: 0,
        missing_never_seen: BTreeMap::new(),
        seconds: BTreeMap::new(),
        input_sha256: None,
        reused: 0,
        reused_from: plan.reuse.as_ref().map(|r| r.source.clone()),
        shadow: None,
        missing_rate_moved: Vec::new(),
        rejects: 0,
        rejected: Vec::new(),
        joins: Vec::new(),
        pipeline: None,
        segments: BTreeMap::new(),
        unseen_segments: BTreeMap::new(),
    };
    if let Some(Signal::Weak(why)) = bundle.map(|b| b.scoring_evaluation().signal()) {
        summary.warnings.push(format!(
            "{}: its primary model showed no usable signal in training ({}); its probabilities, percentiles and grades are close to arbitrary",
            plan.model.as_ref().map(|m| m.display().to_string()).unwrap_or_default(),
            why.join("; ")
        ));
    }
    summary
}

/// Counts a batch's grades (and the shadow's) into the summary; returns the sum of its
/// probabilities.
pub(super) fn count_grades(summary: &mut ScoreSummary, batch: &ScoredBatch) -> f64 {
    for g in batch.model.iter().flat_map(|m| &m.grades) {
        *summary.grades.entry(g.to_string()).or_default() += 1;
    }
    for s in batch.model.iter().flat_map(|m| &m.segments) {
        *summary.segments.entry(s.clone()).or_default() += 1;
    }
    if let Some(s) = summary.shadow.as_mut() {
        shadow::count(s, batch);
    }
    batch.model.iter().flat_map(|m| &m.probabilities).map(|p| p.get()).sum::<f64>()
}

/// The mean probability (primary and shadow) over the scored leads and the mean rule score
/// over the rows read.
pub(super) fn means(summary: &mut ScoreSummary, sum_p: f64, sum_rules: f64, seen: usize) {
    if summary.leads == 0 {
        return;
    }
    summary.mean_probability = sum_p / summary.leads as f64;
    let leads = summary.leads as f64;
    if let Some(s) = summary.shadow.as_mut() {
        s.mean_probability = s.sum / leads;
    }
    if let Some(rs) = summary.rules.as_mut() {
        rs.mean_score = sum_rules / seen as f64;
    }
}
