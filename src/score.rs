//! The nightly batch: score every lead of a file with a bundle, in bounded memory.
//!
//! Two streaming passes over the input, each a batch at a time:
//! 1. score with the primary model only, keeping one `f64` per lead, to learn the
//!    distribution of this run's probabilities (for `percentile`);
//! 2. score again with every model plus explanations, and write each batch out.
//!
//! Memory is one batch plus 8 bytes per lead, however large the file.
//!
//! Output columns: the id column under its own name (or `row`, the 1-based data row, when
//! the bundle has no id column, or, with a warning, when the file lacks the bundle's; an id
//! column named with `--id` must exist), `probability` (P(converted) from the primary model),
//! `percentile` (share of this run's leads scoring at or below this one, 0–100), `grade`
//! (A–D by the bundle's cut-offs), `reasons` (strongest pushes up, then down), and
//! `probability_<model>` for every model when the bundle holds more than one.
//!
//! With a rules file ([`crate::rules`]), the rules score every batch too and add
//! `rule_score` (0–100), `fit_score`, `engagement_score`, `rule_grade` (A1…D4),
//! `rule_status` (sql / mql / lead / disqualified), `stage`, `action`, `persona`,
//! `disqualified`, `top_product` and `rule_reasons` (each rule that fired with its points,
//! decay and cap noted). The activity log is aggregated once, before the passes, into one
//! entry per lead. Without a bundle only the rules run (one pass), and the id column comes
//! from `--id` or the rules file's `[score] id`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use crate::bundle::{Bundle, BundleError, GradeCuts};
use crate::data::load::{BatchReader, LoadError};
use crate::data::output::{BatchWriter, OutputError};
use crate::data::typing::{column_list, LeadFrame, TypingError};
use crate::explain::top_reasons;
use crate::present::rules::render_items;
use crate::present::text::render_reasons;
use crate::scorer::{ModelScorer, ScoreError, Scorer};
use crate::rules::{Breakdown, RulesError, RulesPlan};

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

/// Everything `score` needs.
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
    /// Output file.
    pub out: PathBuf,
    /// Rows per batch.
    pub batch_rows: usize,
    /// Reasons each way per lead.
    pub reasons: usize,
    /// Grade cut-offs overriding the bundle's.
    pub grades: Option<GradeCuts>,
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
    Output(#[from] OutputError),
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
    /// Polars failed building the output batch.
    #[error("building output: {0}")]
    Polars(#[from] PolarsError),
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

/// Runs a scoring job. `tick(pass, rows_so_far)` reports progress.
pub fn score(plan: &ScorePlan, tick: &mut dyn FnMut(u8, usize)) -> Result<ScoreSummary, ScoreRunError> {
    let bundle = plan.model.as_deref().map(Bundle::load).transpose()?;
    let rules = match &plan.rules {
        Some(r) => Some(RulesPlan::load(&r.file, r.activities.as_deref(), r.as_of, plan.id.clone())?),
        None => None,
    };
    if bundle.is_none() && rules.is_none() {
        return Err(ScoreRunError::NothingToScore);
    }
    let grades = bundle.as_ref().map(|b| plan.grades.clone().unwrap_or_else(|| b.grades.clone()));
    let scorers: Vec<ModelScorer> = bundle
        .iter()
        .flat_map(|b| b.models.iter().map(|m| ModelScorer { pipeline: &b.pipeline, model: &m.model }))
        .collect();
    let primary = bundle.as_ref().and_then(|b| scorers.iter().position(|s| s.name() == b.primary)).unwrap_or(0);
    let id_column = plan
        .id
        .clone()
        .or_else(|| bundle.as_ref().and_then(|b| b.id_column.clone()))
        .or_else(|| rules.as_ref().and_then(|r| r.rules.id.clone()));

    // Pass 1 (models only): the distribution of primary probabilities.
    let mut all = Vec::new();
    if !scorers.is_empty() {
        let mut reader = BatchReader::open(&plan.data, plan.batch_rows)?;
        while let Some(df) = reader.next_batch()? {
            if all.is_empty() {
                // Fail on a wrong --id before a whole pass over the file.
                id_source(&df, plan, id_column.as_deref())?;
            }
            let frame = LeadFrame { df: &df, path: &plan.data, first_row: all.len() + 1 };
            all.extend(scorers[primary].score(&frame, false)?.scores);
            tick(1, all.len());
        }
        if all.is_empty() {
            return Err(ScoreRunError::Empty { path: plan.data.clone() });
        }
        all.sort_by(|a, b| a.total_cmp(b));
    }
    let n = all.len();

    // Pass 2: score with explanations and write.
    let mut reader = BatchReader::open(&plan.data, plan.batch_rows)?;
    let mut writer = BatchWriter::create(&plan.out)?;
    let mut summary = ScoreSummary {
        input: plan.data.display().to_string(),
        output: plan.out.display().to_string(),
        model: plan.model.as_ref().map(|m| m.display().to_string()).unwrap_or_default(),
        primary: bundle.as_ref().map(|b| b.primary.clone()).unwrap_or_else(|| "rules".into()),
        leads: 0,
        batches: 0,
        grades: if bundle.is_some() {
            ["A", "B", "C", "D"].iter().map(|g| (g.to_string(), 0)).collect()
        } else {
            BTreeMap::new()
        },
        mean_probability: 0.0,
        unseen_categories: BTreeMap::new(),
        rules: rules.as_ref().map(|r| RulesSummary {
            file: r.rules.path.display().to_string(),
            as_of: plan.rules.as_ref().map(|x| x.as_of.to_string()).unwrap_or_default(),
            activity_events: r.activities.as_ref().map_or(0, |a| a.events),
            activity_leads: r.activities.as_ref().map_or(0, |a| a.leads()),
            status: BTreeMap::new(),
            grades: BTreeMap::new(),
            mean_score: 0.0,
        }),
        warnings: Vec::new(),
    };
    let mut sum_p = 0.0;
    let mut sum_rules = 0.0;
    while let Some(df) = reader.next_batch()? {
        let frame = LeadFrame { df: &df, path: &plan.data, first_row: summary.leads + 1 };
        let mut cols: Vec<Column> = Vec::new();
        match id_source(&df, plan, id_column.as_deref())? {
            IdSource::Column(id) => cols.push(id.clone()),
            IdSource::Absent(id) => {
                if summary.batches == 0 {
                    summary.warnings.push(format!(
                        "{}: id column \"{id}\" not found (columns: {}); leads are identified by their data row in a \"row\" \
                         column instead. Pass --id COLUMN to name the id column",
                        plan.data.display(),
                        column_list(&df)
                    ));
                }
                cols.push(row_numbers(summary.leads, df.height()));
            }
            IdSource::None => cols.push(row_numbers(summary.leads, df.height())),
        }
        if let Some(grades) = &grades {
            // Every model of the bundle shares its pipeline: encode the batch once.
            let enc = scorers[primary].pipeline.transform(&frame, None)?;
            let mut per_model = Vec::with_capacity(scorers.len());
            for (k, s) in scorers.iter().enumerate() {
                per_model.push(s.score_encoded(&frame, &enc, k == primary)?);
            }
            let main = &per_model[primary];
            for (col, count) in &main.unseen {
                *summary.unseen_categories.entry(col.clone()).or_default() += count;
            }
            let probs = &main.scores;
            let percentile: Vec<f64> =
                probs.iter().map(|p| 100.0 * all.partition_point(|x| x <= p) as f64 / n as f64).collect();
            let grade: Vec<&str> = probs.iter().map(|&p| grades.grade(p)).collect();
            for g in &grade {
                *summary.grades.entry(g.to_string()).or_default() += 1;
            }
            sum_p += probs.iter().sum::<f64>();
            let reasons: Vec<String> =
                main.contributions.iter().map(|c| render_reasons(&top_reasons(c, plan.reasons, 0.005))).collect();
            cols.push(Column::new("probability".into(), probs.clone()));
            cols.push(Column::new("percentile".into(), percentile));
            cols.push(Column::new("grade".into(), grade));
            cols.push(Column::new("reasons".into(), reasons));
            if scorers.len() > 1 {
                for (s, scored) in scorers.iter().zip(&per_model) {
                    cols.push(Column::new(format!("probability_{}", s.name()).into(), scored.scores.clone()));
                }
            }
        }
        if let (Some(r), Some(rs)) = (&rules, summary.rules.as_mut()) {
            let breakdowns = r.scorer().evaluate(&frame)?;
            for b in &breakdowns {
                *rs.status.entry(b.status.clone()).or_default() += 1;
                *rs.grades.entry(b.grade.clone()).or_default() += 1;
                sum_rules += b.total;
            }
            cols.extend(rule_columns(&breakdowns));
        }
        let mut out = DataFrame::new_infer_height(cols)?;
        writer.write(&mut out)?;
        summary.leads += df.height();
        summary.batches += 1;
        tick(2, summary.leads);
    }
    if summary.leads == 0 {
        return Err(ScoreRunError::Empty { path: plan.data.clone() });
    }
    writer.finish()?;
    summary.mean_probability = sum_p / summary.leads.max(1) as f64;
    if let Some(rs) = summary.rules.as_mut() {
        rs.mean_score = sum_rules / summary.leads.max(1) as f64;
    }
    Ok(summary)
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

/// The `row` column: 1-based data row numbers of a batch starting after `before` rows.
fn row_numbers(before: usize, height: usize) -> Column {
    let rows: Vec<u64> = (0..height).map(|i| (before + i + 1) as u64).collect();
    Column::new("row".into(), rows)
}

/// The rules' output columns for a batch.
fn rule_columns(b: &[Breakdown]) -> Vec<Column> {
    // Points to two decimals: the score is read by people, and the math stays unrounded.
    let f = |name: &str, v: Vec<f64>| {
        Column::new(name.into(), v.into_iter().map(|x| (x * 100.0).round() / 100.0).collect::<Vec<f64>>())
    };
    let t = |name: &str, v: Vec<String>| Column::new(name.into(), v);
    vec![
        f("rule_score", b.iter().map(|x| x.total).collect()),
        f("fit_score", b.iter().map(|x| x.fit_score).collect()),
        f("engagement_score", b.iter().map(|x| x.engagement_score).collect()),
        t("rule_grade", b.iter().map(|x| x.grade.clone()).collect()),
        t("rule_status", b.iter().map(|x| x.status.clone()).collect()),
        t("stage", b.iter().map(|x| x.stage.clone()).collect()),
        t("action", b.iter().map(|x| x.action.clone()).collect()),
        t("persona", b.iter().map(|x| x.persona.as_ref().map(|p| p.0.clone()).unwrap_or_default()).collect()),
        Column::new("disqualified".into(), b.iter().map(|x| x.disqualified.is_some()).collect::<Vec<bool>>()),
        t("top_product", b.iter().map(|x| x.products.first().map(|p| p.0.clone()).unwrap_or_default()).collect()),
        t("rule_reasons", b.iter().map(render_items).collect()),
    ]
}
