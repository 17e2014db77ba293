//! The nightly batch: score every lead of a file with a bundle, a rules file or both, in
//! bounded memory, and hand each scored batch to the run's sinks.
//!
//! Data flows one way, each room entered once: read a batch ([`BatchReader`]) → every
//! scorer of the run through the one trait ([`Scorer`]: the bundle's [`BundleScorer`], which
//! encodes the batch once for all its models, and the rules' scorer) → one typed
//! [`ScoredBatch`] (ids, probabilities, percentiles, grades, chosen reasons as structured
//! contributions, every model's probabilities, rule breakdowns, the model id) → every
//! [`Sink`] of the run (the file of [`crate::sinks::FileSink`]; a ledger is another).
//! Formatting happens in the sink that needs it. The run commits every sink's output
//! together or none ([`batch::commit_all`]).
//!
//! `percentile` is the share of this run's leads scoring at or below a lead (0–100), so the
//! model's probabilities are first computed once over the whole file (a first streaming pass,
//! keeping one `f64` per lead); memory is one batch plus 8 bytes per lead.
//!
//! Ids: the id column under its own name (the bundle's, else the rules file's `[score] id`, or
//! `--id`); without one, or, with a warning, when the file lacks the bundle's, leads are
//! numbered by their 1-based data row. An id column named with `--id` must exist.
//!
//! With a rules file ([`crate::rules`]) the activity log is aggregated once, before the
//! passes, into one entry per lead; without a bundle only the rules run (one pass).

pub mod batch;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

pub use batch::{LeadIds, ModelScores, Prepared, ScoredBatch, Sink, SinkError};

use crate::bundle::{Bundle, BundleError, Grade, GradeCuts};
use crate::data::load::{BatchReader, LoadError};
use crate::data::typing::{column_list, LeadFrame, TypingError};
use crate::explain::top_reasons;
use crate::rules::{RulesError, RulesPlan};
use crate::scorer::{BundleScorer, Probability, ScoreError, Scorer};

/// Contributions smaller than this (in log-odds) are never offered as reasons.
pub const MIN_REASON_EFFECT: f64 = 0.005;

/// The rules part of a scoring job.
#[derive(Debug, Clone)]
pub struct RulesInput {
    /// The rules file.
    pub file: PathBuf,
    /// The activity log, if any.
    pub activities: Option<PathBuf>,
    /// Date recency is measured from.
    pub as_of: NaiveDate,
}

/// Everything `score` needs, checked by [`ScorePlan::new`].
#[derive(Debug, Clone)]
pub struct ScorePlan {
    /// The bundle (optional when rules are given).
    pub model: Option<PathBuf>,
    /// Rules to score with beside (or instead of) the model.
    pub rules: Option<RulesInput>,
    /// Id column overriding the bundle's and the rules file's.
    pub id: Option<String>,
    /// Leads to score.
    pub data: PathBuf,
    /// Rows per batch (at least 1).
    batch_rows: usize,
    /// Reasons each way per lead.
    pub reasons: usize,
    /// Grade cut-offs overriding the bundle's.
    pub grades: Option<GradeCuts>,
}

impl ScorePlan {
    /// A plan scoring `data` with a bundle and/or rules; `batch_rows` must be at least 1.
    pub fn new(
        data: PathBuf,
        model: Option<PathBuf>,
        rules: Option<RulesInput>,
        batch_rows: usize,
    ) -> Result<ScorePlan, ScoreRunError> {
        if model.is_none() && rules.is_none() {
            return Err(ScoreRunError::NothingToScore);
        }
        if batch_rows == 0 {
            return Err(ScoreRunError::BatchRows);
        }
        Ok(ScorePlan { model, rules, id: None, data, batch_rows, reasons: 3, grades: None })
    }

    /// Rows per batch.
    pub fn batch_rows(&self) -> usize {
        self.batch_rows
    }
}

/// Errors while scoring.
#[derive(Debug, thiserror::Error)]
pub enum ScoreRunError {
    /// Bundle problem.
    #[error(transparent)]
    Bundle(#[from] BundleError),
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
}

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

/// The loaded parts of a run.
struct Run {
    bundle: Option<Bundle>,
    rules: Option<RulesPlan>,
    grades: Option<GradeCuts>,
    id_column: Option<String>,
}

impl Run {
    fn load(plan: &ScorePlan) -> Result<Run, ScoreRunError> {
        let bundle = plan.model.as_deref().map(Bundle::load).transpose()?;
        let rules = match &plan.rules {
            Some(r) => Some(RulesPlan::load(&r.file, r.activities.as_deref(), r.as_of, plan.id.clone())?),
            None => None,
        };
        let grades = bundle.as_ref().map(|b| plan.grades.clone().unwrap_or_else(|| b.grades.clone()));
        let id_column = plan
            .id
            .clone()
            .or_else(|| bundle.as_ref().and_then(|b| b.id_column.clone()))
            .or_else(|| rules.as_ref().and_then(|r| r.rules.id.clone()));
        Ok(Run { bundle, rules, grades, id_column })
    }
}

/// Runs a scoring job into `sinks`, committing their outputs together when every batch was
/// scored and written. `tick(pass, rows_so_far)` reports progress.
pub fn score(
    plan: &ScorePlan,
    sinks: Vec<Box<dyn Sink>>,
    tick: &mut dyn FnMut(u8, usize),
) -> Result<ScoreSummary, ScoreRunError> {
    let run = Run::load(plan)?;
    let bundle_scorer = run.bundle.as_ref().map(BundleScorer::new);
    let rules_scorer = run.rules.as_ref().map(|r| r.scorer());
    let mut scorers: Vec<&dyn Scorer> = Vec::new();
    scorers.extend(bundle_scorer.as_ref().map(|s| s as &dyn Scorer));
    scorers.extend(rules_scorer.as_ref().map(|s| s as &dyn Scorer));
    let reference = match &bundle_scorer {
        Some(s) => Some(run_distribution(plan, &s.primary(), run.id_column.as_deref(), tick)?),
        None => None,
    };
    let mut summary = new_summary(plan, &run, &sinks);
    let mut sinks = sinks;
    let mut reader = BatchReader::open(&plan.data, plan.batch_rows)?;
    let (mut sum_p, mut sum_rules) = (0.0, 0.0);
    while let Some(df) = reader.next_batch()? {
        let frame = LeadFrame { df: &df, path: &plan.data, first_row: summary.leads + 1 };
        let mut batch = ScoredBatch {
            first_row: frame.first_row,
            len: df.height(),
            ids: lead_ids(&df, plan, run.id_column.as_deref(), &mut summary)?,
            model: None,
            rules: None,
        };
        for s in &scorers {
            // A probability scorer here is the bundle's; points come from the rules.
            let scored = s.score(&frame, s.kind().is_probability() && plan.reasons > 0)?;
            if s.kind().is_probability() {
                let (Some(bundle), Some(grades), Some(all)) = (&run.bundle, &run.grades, &reference) else {
                    continue;
                };
                let m = model_scores(bundle, grades, all, plan.reasons, scored, &frame)?;
                for (col, count) in &m.1 {
                    *summary.unseen_categories.entry(col.clone()).or_default() += count;
                }
                for g in &m.0.grades {
                    *summary.grades.entry(g.to_string()).or_default() += 1;
                }
                sum_p += m.0.probabilities.iter().map(|p| p.get()).sum::<f64>();
                batch.model = Some(m.0);
            } else {
                if let Some(rs) = summary.rules.as_mut() {
                    for b in &scored.breakdowns {
                        *rs.status.entry(b.status.to_string()).or_default() += 1;
                        *rs.grades.entry(b.grade.to_string()).or_default() += 1;
                        sum_rules += b.total;
                    }
                }
                batch.rules = Some(scored.breakdowns);
            }
        }
        for sink in sinks.iter_mut() {
            sink.write(&batch)?;
        }
        summary.leads += batch.len;
        summary.batches += 1;
        tick(2, summary.leads);
    }
    if summary.leads == 0 {
        return Err(ScoreRunError::Empty { path: plan.data.clone() });
    }
    let prepared = sinks.into_iter().map(|s| s.finish()).collect::<Result<Vec<_>, _>>()?;
    batch::commit_all(prepared)?;
    summary.mean_probability = sum_p / summary.leads as f64;
    if let Some(rs) = summary.rules.as_mut() {
        rs.mean_score = sum_rules / summary.leads as f64;
    }
    Ok(summary)
}

/// Pass 1: the primary model's probability of every lead of the file, sorted (the
/// distribution `percentile` ranks against).
fn run_distribution(
    plan: &ScorePlan,
    primary: &dyn Scorer,
    id_column: Option<&str>,
    tick: &mut dyn FnMut(u8, usize),
) -> Result<Vec<f64>, ScoreRunError> {
    let mut all = Vec::new();
    let mut reader = BatchReader::open(&plan.data, plan.batch_rows)?;
    while let Some(df) = reader.next_batch()? {
        if all.is_empty() {
            // Fail on a wrong --id before a whole pass over the file.
            id_source(&df, plan, id_column)?;
        }
        let frame = LeadFrame { df: &df, path: &plan.data, first_row: all.len() + 1 };
        all.extend(primary.score(&frame, false)?.scores);
        tick(1, all.len());
    }
    if all.is_empty() {
        return Err(ScoreRunError::Empty { path: plan.data.clone() });
    }
    all.sort_by(|a, b| a.total_cmp(b));
    Ok(all)
}

/// The bundle's part of a batch, and the batch's unseen category counts.
fn model_scores(
    bundle: &Bundle,
    grades: &GradeCuts,
    all: &[f64],
    reasons: usize,
    scored: crate::scorer::Scored,
    frame: &LeadFrame,
) -> Result<(ModelScores, Vec<(String, usize)>), ScoreRunError> {
    let n = all.len() as f64;
    let probabilities = scored
        .scores
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            Probability::new(p).ok_or_else(|| ScoreError::NotAProbability {
                model: bundle.primary.to_string(),
                row: frame.first_row + i,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let percentiles = scored.scores.iter().map(|p| 100.0 * all.partition_point(|x| x <= p) as f64 / n).collect();
    let grades: Vec<Grade> = scored.scores.iter().map(|&p| grades.grade(p)).collect();
    let reasons = scored
        .contributions
        .iter()
        .map(|c| top_reasons(c, reasons, MIN_REASON_EFFECT).into_iter().cloned().collect())
        .collect();
    let m = ModelScores {
        model_id: bundle.checksum.clone(),
        primary: bundle.primary.to_string(),
        probabilities,
        percentiles,
        grades,
        reasons,
        by_model: scored.components,
    };
    Ok((m, scored.unseen))
}

fn new_summary(plan: &ScorePlan, run: &Run, sinks: &[Box<dyn Sink>]) -> ScoreSummary {
    ScoreSummary {
        input: plan.data.display().to_string(),
        output: sinks.iter().map(|s| s.name()).collect::<Vec<_>>().join(", "),
        model: plan.model.as_ref().map(|m| m.display().to_string()).unwrap_or_default(),
        primary: run.bundle.as_ref().map(|b| b.primary.to_string()).unwrap_or_else(|| "rules".into()),
        leads: 0,
        batches: 0,
        grades: if run.bundle.is_some() {
            Grade::ALL.iter().map(|g| (g.to_string(), 0)).collect()
        } else {
            BTreeMap::new()
        },
        mean_probability: 0.0,
        unseen_categories: BTreeMap::new(),
        rules: run.rules.as_ref().map(|r| RulesSummary {
            file: r.rules.path.display().to_string(),
            as_of: plan.rules.as_ref().map(|x| x.as_of.to_string()).unwrap_or_default(),
            activity_events: r.activities.as_ref().map_or(0, |a| a.events),
            activity_leads: r.activities.as_ref().map_or(0, |a| a.leads()),
            status: BTreeMap::new(),
            grades: BTreeMap::new(),
            mean_score: 0.0,
        }),
        warnings: Vec::new(),
    }
}

/// The ids of a batch (warning once, in the summary, when the expected id column is absent).
fn lead_ids(
    df: &DataFrame,
    plan: &ScorePlan,
    id: Option<&str>,
    summary: &mut ScoreSummary,
) -> Result<LeadIds, ScoreRunError> {
    Ok(match id_source(df, plan, id)? {
        IdSource::Column(c) => LeadIds::Column {
            name: c.name().to_string(),
            values: c
                .str()
                .map_err(|source| TypingError::Polars {
                    path: plan.data.clone(),
                    column: c.name().to_string(),
                    source,
                })?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect(),
        },
        IdSource::Absent(id) => {
            if summary.batches == 0 {
                summary.warnings.push(format!(
                    "{}: id column \"{id}\" not found (columns: {}); leads are identified by their data row in a \"row\" \
                     column instead. Pass --id COLUMN to name the id column",
                    plan.data.display(),
                    column_list(df)
                ));
            }
            LeadIds::Rows
        }
        IdSource::None => LeadIds::Rows,
    })
}

/// Where the output's id column comes from.
enum IdSource<'a> {
    /// The id column of the data.
    Column(&'a Column),
    /// The bundle's or rules file's id column, absent from the data: rows are numbered.
    Absent(&'a str),
    /// No id column anywhere: rows are numbered (documented behaviour).
    None,
}

/// The id column for a batch. An id column named with `--id` must exist: silently numbering
/// rows instead would hand the user a file they cannot join back to their leads.
fn id_source<'a>(df: &'a DataFrame, plan: &ScorePlan, id: Option<&'a str>) -> Result<IdSource<'a>, TypingError> {
    let Some(id) = id else { return Ok(IdSource::None) };
    match df.column(id) {
        Ok(c) => Ok(IdSource::Column(c)),
        Err(_) if plan.id.is_some() => Err(TypingError::MissingColumn {
            path: plan.data.clone(),
            column: id.to_string(),
            available: column_list(df),
            hint: "pass --id with one of these columns".to_string(),
        }),
        Err(_) => Ok(IdSource::Absent(id)),
    }
}
