//! The labelled history, read once for training: the file's rows as text, the labelled rows
//! with their outcomes (one per lead id: duplicates are an error unless `--dedupe` says which
//! copy to keep), and the input columns with their kinds, personal columns left out
//! ([`crate::features::personal`]); then the leakage guard over them.

use std::collections::HashMap;
use std::path::Path;

use super::{labelled_days, pipeline_settings, TrainError, TrainPlan};
use crate::bundle::digest::{lead_keys, DateWindow, LeadDigest};
use crate::data::join::{JoinRecord, JoinReport, Joiner};
use crate::data::load::read_table_hashed;
use crate::data::typing::{read_dates, read_labels_with, ColumnKind, Labels, LeadFrame, MissingTokens};
use crate::features::personal::{personal_kind, Personal};
use crate::features::schema::{resolve_columns, InputColumn, SchemaRules};
use crate::leakage::{check_columns, ColumnCheck, GuardInput};
use crate::models::ModelKind;

/// Which copy of a lead id that appears more than once in history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dedupe {
    /// The first row of each id in the file.
    First,
    /// The last row of each id in the file.
    Last,
}

impl Dedupe {
    /// `"first"` or `"last"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dedupe::First => "first",
            Dedupe::Last => "last",
        }
    }
}

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
    /// Columns left out as personal data, and why.
    pub personal: Vec<(String, Personal)>,
    /// With `--dedupe`: (ids that appeared more than once, rows dropped).
    pub deduped: Option<(usize, usize)>,
    /// The joined tables, as the bundle records them.
    pub joins: Vec<JoinRecord>,
    /// What each join did (blank and unmatched keys, near-duplicate spellings).
    pub join_reports: Vec<JoinReport>,
}

/// Positions (into `rows`) of the labelled rows sharing an id, for ids seen more than once,
/// in the order each id first appears.
fn duplicate_groups(
    frame: &LeadFrame,
    id: &str,
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<Vec<(String, Vec<usize>)>, TrainError> {
    let text = frame.text(id, "pass --id COLUMN with a column the file has")?;
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (k, &i) in rows.iter().enumerate() {
        let Some(v) = missing.clean(text.get(i)) else { continue };
        let g = *at.entry(v).or_insert_with(|| {
            groups.push((v.to_string(), Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(k);
    }
    groups.retain(|g| g.1.len() > 1);
    Ok(groups)
}

impl History {
    /// The digest of every labelled lead ([`crate::bundle::digest`]): trained on, held out to
    /// choose the primary model and the grade cuts, or calibrated on, each shaped the bundle.
    pub fn trained_leads(&self, plan: &TrainPlan) -> Result<LeadDigest, TrainError> {
        let columns: Vec<&str> = self.inputs.iter().map(|c| c.name.as_str()).collect();
        let id = plan.config.data.id.as_deref();
        let keys = lead_keys(&self.frame(&plan.data), id, &columns, &self.rows, &self.missing)?;
        Ok(LeadDigest::of_keys(if id.is_some() { "id" } else { "row" }, keys.into_iter()))
    }

    /// The first and last date of the labelled leads by the date column, if one is set.
    pub fn date_window(&self, plan: &TrainPlan) -> Result<Option<DateWindow>, TrainError> {
        let Some(column) = &plan.config.data.date_column else { return Ok(None) };
        let fix = "--date-column must name a column of dates (YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY)";
        let dates = read_dates(&self.frame(&plan.data), column, &self.rows, &self.missing, "fix --date-column", fix)?;
        let known = dates.iter().flatten();
        let (Some(first), Some(last)) = (known.clone().min(), known.max()) else { return Ok(None) };
        Ok(Some(DateWindow {
            column: column.clone(),
            first: first.format("%Y-%m-%d").to_string(),
            last: last.format("%Y-%m-%d").to_string(),
            blank: dates.iter().filter(|d| d.is_none()).count(),
        }))
    }

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

    /// One labelled row per lead id: an error naming the first duplicated id and its rows,
    /// or, with `--dedupe`, the chosen copy of each kept.
    fn dedupe(&mut self, plan: &TrainPlan) -> Result<(), TrainError> {
        let Some(id) = plan.config.data.id.as_deref() else { return Ok(()) };
        let groups = duplicate_groups(&self.frame(&plan.data), id, &self.rows, &self.missing)?;
        let Some((first_id, first_rows)) = groups.first() else { return Ok(()) };
        let extra: usize = groups.iter().map(|g| g.1.len() - 1).sum();
        let Some(how) = plan.dedupe else {
            return Err(TrainError::DuplicateIds {
                path: plan.data.clone(),
                column: id.to_string(),
                id: first_id.clone(),
                rows: first_rows.iter().map(|&k| self.rows[k] + 1).collect(),
                ids: groups.len(),
                extra,
            });
        };
        let mut drop = vec![false; self.rows.len()];
        for (_, g) in &groups {
            let keep = if how == Dedupe::First { g[0] } else { g[g.len() - 1] };
            g.iter().filter(|&&k| k != keep).for_each(|&k| drop[k] = true);
        }
        let mut k = 0;
        self.rows.retain(|_| {
            k += 1;
            !drop[k - 1]
        });
        let mut k = 0;
        self.y.retain(|_| {
            k += 1;
            !drop[k - 1]
        });
        self.deduped = Some((groups.len(), extra));
        Ok(())
    }

    /// Reads the file, its outcomes and its columns, and checks every value the models will read.
    pub fn read(plan: &TrainPlan, progress: &mut dyn FnMut(&str)) -> Result<History, TrainError> {
        let cfg = &plan.config;
        let path = plan.data.as_path();
        let target = cfg.data.target.clone().ok_or_else(|| TrainError::NoTarget { path: path.to_path_buf() })?;
        progress(&format!("reading {}", path.display()));
        // One read gives the rows and the digest the bundle records, so a pipe works.
        let (df, data_sha256) = read_table_hashed(path)?;
        // The lookup tables are joined before anything reads a column: their columns are
        // columns of the history like any other.
        let (df, joins, join_reports) = if cfg.data.join.is_empty() {
            (df, Vec::new(), Vec::new())
        } else {
            progress("joining lookup tables");
            let mut joiner = Joiner::load(&cfg.data.join)?;
            let df = joiner.apply(df, path, 1)?;
            (df, joiner.records(), joiner.reports())
        };
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
            personal: Vec::new(),
            deduped: None,
            joins,
            join_reports,
        };
        h.dedupe(plan)?;
        let frame = h.frame(path);
        // Personal data is not a feature unless kept on purpose.
        let mut personal = Vec::new();
        for c in std::mem::take(&mut inputs) {
            let kind = if c.kind == ColumnKind::Id || cfg.data.keep.contains(&c.name) {
                None
            } else {
                personal_kind(&frame, &c, &h.rows, &h.missing)?
            };
            match kind {
                Some(k) => personal.push((c.name, k)),
                None => inputs.push(c),
            }
        }
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
        h.inputs = inputs;
        h.blank_columns = blank_columns;
        h.personal = personal;
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

/// Rows at positions `test` (into the labelled rows) whose feature values are identical to
/// those of a row at positions `train`: copies that straddle the split flatter the hold-out.
pub(super) fn straddling(plan: &TrainPlan, h: &History, train: &[usize], test: &[usize]) -> Result<usize, TrainError> {
    let frame = h.frame(&plan.data);
    let cols: Vec<_> = h
        .inputs
        .iter()
        .filter(|c| !matches!(c.kind, ColumnKind::Id | ColumnKind::Ignore))
        .map(|c| frame.text(&c.name, ""))
        .collect::<Result<_, _>>()?;
    let key = |k: usize| -> Vec<Option<&str>> {
        let i = h.rows[k];
        cols.iter().map(|t| h.missing.clean(t.get(i))).collect()
    };
    let seen: std::collections::HashSet<Vec<Option<&str>>> = train.iter().map(|&k| key(k)).collect();
    Ok(test.iter().filter(|&&k| seen.contains(&key(k))).count())
}
