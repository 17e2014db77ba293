//! The nightly batch: score every lead of a file with a bundle, in bounded memory.
//!
//! Two streaming passes over the input, each a batch at a time:
//! 1. score with the primary model only, keeping one `f64` per lead, to learn the
//!    distribution of this run's probabilities (for `percentile`);
//! 2. score again with every model plus explanations, and write each batch out.
//! Memory is one batch plus 8 bytes per lead, however large the file.
//!
//! Output columns: the id column under its own name (or `row`, the 1-based data row, when
//! the bundle has no id column), `probability` (P(converted) from the primary model),
//! `percentile` (share of this run's leads scoring at or below this one, 0–100), `grade`
//! (A–D by the bundle's cut-offs), `reasons` (strongest pushes up, then down), and
//! `probability_<model>` for every model when the bundle holds more than one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use polars::prelude::*;
use serde::Serialize;

use crate::bundle::{Bundle, BundleError, GradeCuts};
use crate::data::load::{BatchReader, LoadError};
use crate::data::output::{BatchWriter, OutputError};
use crate::data::typing::{LeadFrame, TypingError};
use crate::explain::{render_reasons, top_reasons};
use crate::models::{ModelScorer, ScoreError, Scorer};

/// Everything `score` needs.
#[derive(Debug, Clone)]
pub struct ScorePlan {
    /// The bundle.
    pub model: PathBuf,
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
}

/// Runs a scoring job. `tick(pass, rows_so_far)` reports progress.
pub fn score(plan: &ScorePlan, tick: &mut dyn FnMut(u8, usize)) -> Result<ScoreSummary, ScoreRunError> {
    let bundle = Bundle::load(&plan.model)?;
    let grades = plan.grades.clone().unwrap_or_else(|| bundle.grades.clone());
    let scorers: Vec<ModelScorer> = bundle
        .models
        .iter()
        .map(|m| ModelScorer { pipeline: &bundle.pipeline, model: &m.model })
        .collect();
    let primary = scorers.iter().position(|s| s.name() == bundle.primary).unwrap_or(0);

    // Pass 1: the distribution of primary probabilities.
    let mut reader = BatchReader::open(&plan.data, plan.batch_rows)?;
    let mut all = Vec::new();
    while let Some(df) = reader.next_batch()? {
        let frame = LeadFrame { df: &df, path: &plan.data, first_row: all.len() + 1 };
        all.extend(scorers[primary].score(&frame, false)?.scores);
        tick(1, all.len());
    }
    if all.is_empty() {
        return Err(ScoreRunError::Empty { path: plan.data.clone() });
    }
    all.sort_by(|a, b| a.total_cmp(b));
    let n = all.len();

    // Pass 2: score with explanations and write.
    let mut reader = BatchReader::open(&plan.data, plan.batch_rows)?;
    let mut writer = BatchWriter::create(&plan.out)?;
    let mut summary = ScoreSummary {
        input: plan.data.display().to_string(),
        output: plan.out.display().to_string(),
        model: plan.model.display().to_string(),
        primary: bundle.primary.clone(),
        leads: 0,
        batches: 0,
        grades: ["A", "B", "C", "D"].iter().map(|g| (g.to_string(), 0)).collect(),
        mean_probability: 0.0,
        unseen_categories: BTreeMap::new(),
    };
    let mut sum_p = 0.0;
    while let Some(df) = reader.next_batch()? {
        let frame = LeadFrame { df: &df, path: &plan.data, first_row: summary.leads + 1 };
        let mut per_model = Vec::with_capacity(scorers.len());
        for (k, s) in scorers.iter().enumerate() {
            per_model.push(s.score(&frame, k == primary)?);
        }
        let main = &per_model[primary];
        for (col, count) in &main.unseen {
            *summary.unseen_categories.entry(col.clone()).or_default() += count;
        }
        let probs = &main.scores;
        let percentile: Vec<f64> = probs
            .iter()
            .map(|p| 100.0 * all.partition_point(|x| x <= p) as f64 / n as f64)
            .collect();
        let grade: Vec<&str> = probs.iter().map(|&p| grades.grade(p)).collect();
        for g in &grade {
            *summary.grades.entry(g.to_string()).or_default() += 1;
        }
        sum_p += probs.iter().sum::<f64>();
        let reasons: Vec<String> = main
            .contributions
            .iter()
            .map(|c| render_reasons(&top_reasons(c, plan.reasons, 0.005)))
            .collect();
        let mut cols: Vec<Column> = Vec::new();
        match bundle.id_column.as_deref().and_then(|id| df.column(id).ok()) {
            Some(id) => cols.push(id.clone()),
            None => {
                let rows: Vec<u64> = (0..df.height()).map(|i| (summary.leads + i + 1) as u64).collect();
                cols.push(Column::new("row".into(), rows));
            }
        }
        cols.push(Column::new("probability".into(), probs.clone()));
        cols.push(Column::new("percentile".into(), percentile));
        cols.push(Column::new("grade".into(), grade));
        cols.push(Column::new("reasons".into(), reasons));
        if scorers.len() > 1 {
            for (s, scored) in scorers.iter().zip(&per_model) {
                cols.push(Column::new(format!("probability_{}", s.name()).into(), scored.scores.clone()));
            }
        }
        let mut out = DataFrame::new_infer_height(cols)?;
        writer.write(&mut out)?;
        summary.leads += df.height();
        summary.batches += 1;
        tick(2, summary.leads);
    }
    writer.finish()?;
    summary.mean_probability = sum_p / summary.leads.max(1) as f64;
    Ok(summary)
}

impl ScoreSummary {
    /// Human-readable summary.
    pub fn render(&self) -> String {
        let mut s = format!(
            "scored {} leads from {} with {} ({}) in {} batch(es) -> {}\n",
            self.leads, self.input, self.model, self.primary, self.batches, self.output
        );
        s.push_str(&format!(
            "grades: {}; mean probability {:.3}\n",
            self.grades.iter().map(|(g, n)| format!("{g} {n}")).collect::<Vec<_>>().join(", "),
            self.mean_probability
        ));
        if !self.unseen_categories.is_empty() {
            s.push_str(&format!(
                "values never seen in training, scored as \"other\": {}\n",
                self.unseen_categories.iter().map(|(c, n)| format!("{c}: {n}")).collect::<Vec<_>>().join(", ")
            ));
        }
        s
    }
}
