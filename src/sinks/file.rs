//! The output file of `score`: one row per lead, written batch by batch into a staged file
//! beside the target (CSV, Parquet or NDJSON by extension) that moves into place only when
//! the whole run commits.
//!
//! Columns: the id column under its own name (or `row`, the 1-based data row), then with a
//! bundle `probability` (P(converted) from the primary model), `percentile` (share of this
//! run's leads scoring at or below this one, 0–100), `grade` (A–D by the bundle's cut-offs),
//! `reasons` (strongest pushes up, then down, as `column = value (+0.80)` in log-odds), and
//! `probability_<model>` for every model when the bundle holds more than one; with rules
//! `rule_score` (0–100), `fit_score`, `engagement_score`, `rule_grade` (A1…D4),
//! `rule_status` (sql / mql / lead / disqualified), `stage`, `action`, `persona`,
//! `disqualified`, `top_product` and `rule_reasons` (each rule that fired with its points,
//! decay and cap noted). Points are rounded to two decimals; the maths stays unrounded.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::data::output::{BatchWriter, OutputError};
use crate::present::rules::render_items;
use crate::present::text::render_reasons;
use crate::rules::Breakdown;
use crate::score::{LeadIds, ModelScores, Prepared, ScoredBatch, Sink, SinkError};

/// Writes scored batches to a file.
pub struct FileSink {
    path: PathBuf,
    writer: BatchWriter,
}

impl FileSink {
    /// Stages the output file beside `path` (its directory is created if needed).
    pub fn create(path: &Path) -> Result<FileSink, OutputError> {
        Ok(FileSink { path: path.to_path_buf(), writer: BatchWriter::create(path)? })
    }
}

impl Sink for FileSink {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn write(&mut self, batch: &ScoredBatch) -> Result<(), SinkError> {
        let mut cols = vec![id_column(batch)];
        if let Some(m) = &batch.model {
            cols.extend(model_columns(m, batch.len));
        }
        if let Some(r) = &batch.rules {
            cols.extend(rule_columns(r));
        }
        let mut df = DataFrame::new_infer_height(cols)
            .map_err(|source| OutputError::Polars { path: self.path.clone(), source })?;
        self.writer.write(&mut df)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Prepared, SinkError> {
        Ok(Prepared { files: vec![self.writer.finish_staged()?], commit: None })
    }
}

/// The id column, or `row`: the 1-based data rows.
fn id_column(batch: &ScoredBatch) -> Column {
    match &batch.ids {
        LeadIds::Column { name, values } => Column::new(name.as_str().into(), values),
        LeadIds::Rows => Column::new("row".into(), batch.rows().collect::<Vec<u64>>()),
    }
}

/// `probability`, `percentile`, `grade`, `reasons` and, with several models, each one's
/// `probability_<model>`.
fn model_columns(m: &ModelScores, len: usize) -> Vec<Column> {
    let reasons: Vec<String> = if m.reasons.is_empty() {
        vec![String::new(); len]
    } else {
        m.reasons.iter().map(|r| render_reasons(&r.iter().collect::<Vec<_>>())).collect()
    };
    let mut cols = vec![
        Column::new("probability".into(), m.probabilities.iter().map(|p| p.get()).collect::<Vec<f64>>()),
        Column::new("percentile".into(), &m.percentiles),
        Column::new("grade".into(), m.grades.iter().map(|g| g.as_str()).collect::<Vec<&str>>()),
        Column::new("reasons".into(), reasons),
    ];
    for (name, probs) in &m.by_model {
        cols.push(Column::new(format!("probability_{name}").into(), probs));
    }
    cols
}

/// The rules' columns for a batch.
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
        t("rule_grade", b.iter().map(|x| x.grade.to_string()).collect()),
        t("rule_status", b.iter().map(|x| x.status.to_string()).collect()),
        t("stage", b.iter().map(|x| x.stage.clone()).collect()),
        t("action", b.iter().map(|x| x.action.clone()).collect()),
        t("persona", b.iter().map(|x| x.persona.as_ref().map(|p| p.0.clone()).unwrap_or_default()).collect()),
        Column::new("disqualified".into(), b.iter().map(|x| x.disqualified.is_some()).collect::<Vec<bool>>()),
        t("top_product", b.iter().map(|x| x.products.first().map(|p| p.0.clone()).unwrap_or_default()).collect()),
        t("rule_reasons", b.iter().map(render_items).collect()),
    ]
}
