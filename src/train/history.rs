//! The labelled history, read once for training: the file's rows as text, the labelled rows
//! with their outcomes, and the input columns with their kinds; then the leakage guard over them.

use std::path::Path;

use super::{labelled_days, pipeline_settings, TrainError, TrainPlan};
use crate::data::load::read_table_hashed;
use crate::data::typing::{read_labels_with, ColumnKind, Labels, LeadFrame, MissingTokens};
use crate::features::schema::{resolve_columns, InputColumn, SchemaRules};
use crate::leakage::{check_columns, ColumnCheck, GuardInput};
use crate::models::ModelKind;

/// The labelled history.
pub(super) struct History {
    pub df: polars::prelude::DataFrame,
    /// SHA-256 of the file's bytes, from the same read (so a pipe works).
    pub data_sha256: String,
    pub target: String,
    pub missing: MissingTokens,
    pub labels: Labels,
    /// Labelled rows (indices into `df`) and their outcomes, in file order.
    pub rows: Vec<usize>,
    pub y: Vec<bool>,
    pub inputs: Vec<InputColumn>,
    /// Columns blank in every labelled row, left out.
    pub blank_columns: Vec<String>,
}

impl History {
    pub fn frame<'a>(&'a self, path: &'a Path) -> LeadFrame<'a> {
        LeadFrame { df: &self.df, path, first_row: 1 }
    }

    /// Rows of the file without an outcome (skipped by training).
    pub fn unlabelled(&self) -> Vec<usize> {
        let mut labelled = vec![false; self.df.height()];
        for &(i, _) in &self.labels.rows {
            labelled[i] = true;
        }
        (0..self.df.height()).filter(|&i| !labelled[i]).collect()
    }

    /// Reads the file, its outcomes and its columns, and checks every value the models will read.
    pub fn read(plan: &TrainPlan, progress: &mut dyn FnMut(&str)) -> Result<History, TrainError> {
        let cfg = &plan.config;
        let path = plan.data.as_path();
        let target = cfg.data.target.clone().ok_or_else(|| TrainError::NoTarget { path: path.to_path_buf() })?;
        progress(&format!("reading {}", path.display()));
        // One read gives the rows and the digest the bundle records, so a pipe works.
        let (df, data_sha256) = read_table_hashed(path)?;
        let frame = LeadFrame { df: &df, path, first_row: 1 };
        let missing = MissingTokens::new(&cfg.data.missing_values);
        if let Some(id) = &cfg.data.id {
            frame.text(id, "pass --id COLUMN with a column the file has")?;
        }
        let labels = read_labels_with(&frame, &target, &cfg.data.positive, &cfg.data.negative, &missing)?;
        let rows: Vec<usize> = labels.rows.iter().map(|r| r.0).collect();
        let y: Vec<bool> = labels.rows.iter().map(|r| r.1).collect();
        let rules = SchemaRules {
            id: cfg.data.id.as_deref(),
            target: &target,
            exclude: &cfg.data.exclude,
            types: &cfg.data.types,
            date_column: cfg.data.date_column.as_deref(),
            missing: &missing,
        };
        let mut inputs = resolve_columns(&frame, &rows, &rules)?;
        drop(frame);
        let mut h = History {
            df,
            data_sha256,
            target,
            missing,
            labels,
            rows,
            y,
            inputs: Vec::new(),
            blank_columns: Vec::new(),
        };
        let frame = h.frame(path);
        // A column blank in every labelled row carries nothing to learn; its inferred kind would
        // be a guess. Left out, and said so in the report.
        let mut blank_columns = Vec::new();
        inputs.retain(|c| {
            let Ok(text) = frame.text(&c.name, "") else { return true };
            let any = !c.inferred || h.rows.iter().any(|&i| h.missing.clean(text.get(i)).is_some());
            if !any {
                blank_columns.push(c.name.clone());
            }
            any
        });
        if inputs.iter().all(|c| matches!(c.kind, ColumnKind::Id)) {
            return Err(TrainError::NoFeatures { path: path.to_path_buf() });
        }
        if plan.models.kinds().contains(&ModelKind::Gbm) {
            // The pipeline keeps inputs in order, minus ids: the tree matrix's columns.
            let used: Vec<&InputColumn> =
                inputs.iter().filter(|c| !matches!(c.kind, ColumnKind::Id | ColumnKind::Ignore)).collect();
            let names: Vec<String> = used.iter().map(|c| c.name.clone()).collect();
            let cats: Vec<usize> =
                used.iter().enumerate().filter(|(_, c)| c.kind == ColumnKind::Categorical).map(|(i, _)| i).collect();
            cfg.gbm.check(&names, &cats)?;
        }
        crate::features::pipeline::check_values(&frame, &inputs, &h.rows, &h.missing)?;
        drop(frame);
        h.inputs = inputs;
        h.blank_columns = blank_columns;
        Ok(h)
    }

    /// The labelled rows at positions `idx` (into `rows`) and their outcomes.
    pub fn pick(&self, idx: &[usize]) -> (Vec<usize>, Vec<bool>) {
        (idx.iter().map(|&k| self.rows[k]).collect(), idx.iter().map(|&k| self.y[k]).collect())
    }
}

/// The leakage guard: every column's figures and verdict, and an error when columns stop
/// training that the analyst neither kept nor allowed.
pub(super) fn guard(
    plan: &TrainPlan,
    h: &History,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<ColumnCheck>, TrainError> {
    let cfg = &plan.config;
    progress("checking columns for leakage");
    let frame = h.frame(&plan.data);
    let days = match &cfg.data.date_column {
        Some(c) => Some((c.as_str(), labelled_days(plan, h, c)?)),
        None => None,
    };
    let unlabelled = h.unlabelled();
    let settings = pipeline_settings(plan);
    let input = GuardInput {
        frame: &frame,
        columns: &h.inputs,
        rows: &h.rows,
        labels: &h.y,
        unlabelled: &unlabelled,
        days: days.as_ref().map(|(c, d)| (*c, d.as_slice())),
        missing: &h.missing,
        pipeline: &settings,
    };
    let checks = check_columns(&input, cfg.leakage(), cfg.evaluation.seed)?;
    let flagged: Vec<ColumnCheck> =
        checks.iter().filter(|c| c.stops() && !cfg.data.keep.contains(&c.column)).cloned().collect();
    if !flagged.is_empty() && !plan.allow_leaky {
        return Err(TrainError::Leakage { path: plan.data.clone(), flagged, checks });
    }
    Ok(checks)
}
