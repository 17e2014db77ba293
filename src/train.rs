//! Training: from a history file to a saved model bundle.
//!
//! Flow: read the file (all text) → read the outcome, skipping rows without one → resolve
//! column kinds → leakage guard (stop unless confirmed) → split (stratified hold-out,
//! time-ordered hold-out, or k-fold CV) → fit the feature pipeline and the model on
//! training rows only → evaluate on held-out rows → grade cut-offs → bundle → atomic save.
//!
//! A model that learned nothing (every lead gets the same probability: boosted trees that
//! kept no tree, a logistic regression penalised to zero) is still written, because the
//! bundle records honestly what was fitted, but the report says so in a warning line with
//! what to change ([`flat_model_warning`]); so do grade cut-offs that collapse.
//!
//! Which model is bundled: with a hold-out, the model fitted on the training rows (the very
//! model the metrics describe); with k-fold CV, a model refitted on all labelled rows, and
//! the metrics are pooled out-of-fold estimates of that procedure.

use std::path::{Path, PathBuf};

use crate::bundle::{
    Bundle, BundleError, GradeCuts, ModelEntry, ScoreReference, SignKey, TrainingInfo, FORMAT, FORMAT_MAJOR,
    FORMAT_MINOR,
};
use crate::config::{CheckedConfig, ConfigError, TrainConfig};
use crate::data::load::{read_table_hashed, LoadError};
use crate::data::typing::{
    day_numbers, read_dates, read_labels_with, ColumnKind, Labels, LeadFrame, MissingTokens, TargetSpec, TypingError,
};
use crate::evaluation::metrics::MetricError;
use crate::evaluation::split::{stratified_folds, Split};
use crate::evaluation::{Evaluation, EvaluationMethod};
use crate::features::pipeline::PipelineSettings;
use crate::features::schema::{resolve_columns, InputColumn, SchemaRules};
use crate::features::FittedPipeline;
use crate::leakage::{check_columns, ColumnCheck};
use crate::models::logistic::LogisticError;
use crate::models::{FittedModel, ModelKind};

/// Which models to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// Logistic regression only.
    Logistic,
    /// Boosted trees only.
    Gbm,
    /// Both in one bundle.
    Both,
}

impl ModelChoice {
    /// The models fitted, in bundle order.
    pub fn kinds(self) -> &'static [ModelKind] {
        match self {
            ModelChoice::Logistic => &[ModelKind::Logistic],
            ModelChoice::Gbm => &[ModelKind::Gbm],
            ModelChoice::Both => &ModelKind::ALL,
        }
    }
}

/// Everything `train` needs, already checked.
#[derive(Debug, Clone)]
pub struct TrainPlan {
    /// History file.
    pub data: PathBuf,
    /// Where to write the bundle.
    pub out: PathBuf,
    /// Merged configuration (file + flags), checked.
    pub config: CheckedConfig,
    /// Train even if the leakage guard flags columns.
    pub allow_leaky: bool,
    /// Models to fit.
    pub models: ModelChoice,
    /// The model reported as `probability` (default: the better held-out AUC).
    pub primary: Option<ModelKind>,
    /// Sign the bundle with this key (see [`crate::bundle::sign`]).
    pub sign_key: Option<SignKey>,
}

/// Errors while training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Config problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The file could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A value or column problem.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// No target column named.
    #[error("{path}: no target column given; pass --target COLUMN or set data.target in the config")]
    NoTarget {
        /// The data file.
        path: PathBuf,
    },
    /// The leakage guard stopped training.
    #[error("{path}: {} column(s) look filled in after the outcome: {}. No model was written. Exclude them (--exclude), keep them on purpose (--keep), or pass --allow-leaky", flagged.len(), flagged.iter().map(|c| format!("\"{}\"", c.column)).collect::<Vec<_>>().join(", "))]
    Leakage {
        /// The data file.
        path: PathBuf,
        /// The flagged columns with their figures.
        flagged: Vec<ColumnCheck>,
    },
    /// No usable feature columns remain.
    #[error("{path}: no feature columns left after excluding the id, the target and excluded columns")]
    NoFeatures {
        /// The data file.
        path: PathBuf,
    },
    /// Model fitting failed.
    #[error(transparent)]
    Logistic(#[from] LogisticError),
    /// Boosted-tree fitting failed.
    #[error(transparent)]
    Gbm(#[from] crate::models::gbm::GbmFitError),
    /// Predicting held-out rows failed (the boosted-tree engine refused the matrix).
    #[error("boosted trees: {0}")]
    Predict(#[from] leadscore_gbm::GbmError),
    /// `--primary` names a model that was not fitted.
    #[error("--primary {0}: that model was not fitted (fitted: {1})")]
    Primary(ModelKind, String),
    /// Evaluation failed (e.g. a hold-out without both classes).
    #[error("evaluation: {0}; use more history or a larger hold-out")]
    Metric(#[from] MetricError),
    /// Saving failed.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The hold-out leaves training rows of one outcome only.
    #[error("{path}: --holdout {share} leaves {rows} lead(s) to fit on ({positives} converted, {} dead); fitting needs both outcomes: lower --holdout (e.g. 0.2) or use more history", rows - positives)]
    OneClassTraining {
        /// The data file.
        path: PathBuf,
        /// The hold-out share.
        share: f64,
        /// Training rows left.
        rows: usize,
        /// Converted among them.
        positives: usize,
    },
    /// No held-out probabilities to set grade cut-offs from.
    #[error("no held-out leads to set grade cut-offs from; use more history or a larger --holdout, or set grades.a, grades.b and grades.c in the config")]
    NoHeldout,
    /// Reading the data file for its checksum failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What training produced.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The saved bundle.
    pub bundle: Bundle,
    /// What the analyst should know about the fit (a model that learned nothing, a blank
    /// column left out); printed at the end of the report ([`crate::present::train`]).
    pub warnings: Vec<String>,
}

/// Fits the pipeline and every chosen model on `rows` of the history.
fn fit_models(
    h: &History,
    rows: &[usize],
    y: &[bool],
    plan: &TrainPlan,
    progress: &mut dyn FnMut(&str),
) -> Result<(FittedPipeline, Vec<FittedModel>), TrainError> {
    let cfg = &plan.config;
    let settings = PipelineSettings {
        min_category_count: cfg.features.min_category_count,
        max_categories: cfg.features.max_categories,
        reference_date: cfg.data.reference_date,
    };
    let frame = h.frame(&plan.data);
    let pipeline = FittedPipeline::fit(&frame, rows, &h.inputs, &h.missing, &settings)?;
    let enc = pipeline.transform(&frame, Some(rows))?;
    let mut models = Vec::new();
    for &kind in plan.models.kinds() {
        let started = std::time::Instant::now();
        let model = match kind {
            ModelKind::Logistic => FittedModel::Logistic(cfg.logistic().fit(&enc.design, y)?),
            ModelKind::Gbm => {
                let m = cfg.gbm.fit(&enc.tree, y, &pipeline.categorical_columns(), cfg.evaluation.seed)?;
                FittedModel::Gbm(Box::new(m))
            }
        };
        progress(&format!("fitted {} on {} rows in {:.2} s", kind, rows.len(), started.elapsed().as_secs_f64()));
        models.push(model);
    }
    Ok((pipeline, models))
}

/// P(converted) from every model for `rows`, encoding them once (the models share the pipeline).
fn predict_all(
    frame: &LeadFrame,
    rows: &[usize],
    pipeline: &FittedPipeline,
    models: &[FittedModel],
) -> Result<Vec<Vec<f64>>, TrainError> {
    let enc = pipeline.transform(frame, Some(rows))?;
    Ok(models.iter().map(|m| m.predict(&enc)).collect::<Result<_, _>>()?)
}

/// Grade cut-offs: configured, else quantiles of held-out probabilities so that about 10%
/// of leads are A, 20% B, 30% C and 40% D.
fn grade_cuts(cfg: &CheckedConfig, heldout: &[f64]) -> Result<GradeCuts, TrainError> {
    if let (Some(a), Some(b), Some(c)) = (cfg.grades.a, cfg.grades.b, cfg.grades.c) {
        return Ok(GradeCuts { a, b, c, source: "configured".into() });
    }
    GradeCuts::from_quantiles(heldout).ok_or(TrainError::NoHeldout)
}

/// Probabilities that differ by no more than this are "the same probability": a model whose
/// predictions span less than this learned nothing a grade or a ranking could use.
pub const FLAT_SPREAD: f64 = 1e-9;

/// The warning for a model whose probabilities on `probs` (the bundled model's predictions
/// on held-out rows, or on every row for a refitted CV model) are all the same, with what to
/// change; `None` when they differ.
pub fn flat_model_warning(model: &FittedModel, probs: &[f64], on: &str, cfg: &TrainConfig) -> Option<String> {
    let lo = probs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = probs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if probs.is_empty() || hi - lo > FLAT_SPREAD {
        return None;
    }
    let advice = match model {
        FittedModel::Gbm(m) if m.trees.num_trees() == 0 => format!(
            "it kept 0 trees: no split met --min-data-in-leaf {} (or the gain threshold); lower --min-data-in-leaf or raise --num-trees",
            cfg.gbm.min_data_in_leaf
        ),
        FittedModel::Gbm(_) => {
            format!("lower --min-data-in-leaf (now {}) or --l2 of the trees, or add columns that carry signal", cfg.gbm.min_data_in_leaf)
        }
        FittedModel::Logistic(_) => {
            let l2 = cfg.logistic.l2;
            let l2 = if l2.abs() >= 1e6 { format!("{l2:e}") } else { l2.to_string() };
            format!("--l2 {l2} penalises every coefficient to zero; lower it (the default is 1.0)")
        }
    };
    Some(format!(
        "model {} gives every lead the same probability ({lo:.4} on all {} {on}): it learned nothing, so its ranking, percentiles and grades are arbitrary; {advice}",
        model.name(),
        probs.len()
    ))
}

/// The labelled history, read once: the file's rows as text, the labelled rows with their
/// outcomes, and the input columns with their kinds.
struct History {
    df: polars::prelude::DataFrame,
    /// SHA-256 of the file's bytes, from the same read (so a pipe works).
    data_sha256: String,
    target: String,
    missing: MissingTokens,
    labels: Labels,
    /// Labelled rows (indices into `df`) and their outcomes, in file order.
    rows: Vec<usize>,
    y: Vec<bool>,
    inputs: Vec<InputColumn>,
    /// Columns blank in every labelled row, left out.
    blank_columns: Vec<String>,
}

impl History {
    fn frame<'a>(&'a self, path: &'a Path) -> LeadFrame<'a> {
        LeadFrame { df: &self.df, path, first_row: 1 }
    }

    /// Reads the file, its outcomes and its columns, and checks every value the models will read.
    fn read(plan: &TrainPlan, progress: &mut dyn FnMut(&str)) -> Result<History, TrainError> {
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
        // A column blank in every labelled row carries nothing to learn; its inferred kind would
        // be a guess. Left out, and said so in the report.
        let mut blank_columns = Vec::new();
        inputs.retain(|c| {
            let Ok(text) = frame.text(&c.name, "") else { return true };
            let any = !c.inferred || rows.iter().any(|&i| missing.clean(text.get(i)).is_some());
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
        crate::features::pipeline::check_values(&frame, &inputs, &rows, &missing)?;
        drop(frame);
        Ok(History { df, data_sha256, target, missing, labels, rows, y, inputs, blank_columns })
    }

    /// The labelled rows at positions `idx` (into `rows`) and their outcomes.
    fn pick(&self, idx: &[usize]) -> (Vec<usize>, Vec<bool>) {
        (idx.iter().map(|&k| self.rows[k]).collect(), idx.iter().map(|&k| self.y[k]).collect())
    }
}

/// The leakage guard: every column's figures, and an error when columns are flagged that the
/// analyst neither kept nor allowed.
fn guard(plan: &TrainPlan, h: &History, progress: &mut dyn FnMut(&str)) -> Result<Vec<ColumnCheck>, TrainError> {
    let cfg = &plan.config;
    progress("checking columns for leakage");
    let frame = h.frame(&plan.data);
    let checks = check_columns(&frame, &h.inputs, &h.rows, &h.y, &h.missing, cfg.leakage(), cfg.evaluation.seed)?;
    let flagged: Vec<ColumnCheck> =
        checks.iter().filter(|c| !c.reasons.is_empty() && !cfg.data.keep.contains(&c.column)).cloned().collect();
    if !flagged.is_empty() && !plan.allow_leaky {
        return Err(TrainError::Leakage { path: plan.data.clone(), flagged });
    }
    Ok(checks)
}

/// What fitting produced: the bundled pipeline and models, each model's evaluation and its
/// held-out (or out-of-fold) probabilities, and the rows the bundled models were fitted on.
struct Fitted {
    pipeline: FittedPipeline,
    models: Vec<FittedModel>,
    evaluations: Vec<Evaluation>,
    heldout: Vec<Vec<f64>>,
    fit_rows: usize,
}

/// k-fold cross-validation, then a refit on every labelled row.
fn cross_validate(plan: &TrainPlan, h: &History, progress: &mut dyn FnMut(&str)) -> Result<Fitted, TrainError> {
    let cfg = &plan.config;
    let n_models = plan.models.kinds().len();
    let folds = stratified_folds(&h.y, cfg.evaluation.cv, cfg.evaluation.seed);
    let mut oof = vec![vec![f64::NAN; h.y.len()]; n_models];
    let mut fold_auc = vec![Vec::new(); n_models];
    for (f, Split { train, test }) in folds.iter().enumerate() {
        progress(&format!("fold {}/{}", f + 1, folds.len()));
        let (tr_rows, tr_y) = h.pick(train);
        let (te_rows, te_y) = h.pick(test);
        let (p, ms) = fit_models(h, &tr_rows, &tr_y, plan, progress)?;
        for (k, probs) in predict_all(&h.frame(&plan.data), &te_rows, &p, &ms)?.into_iter().enumerate() {
            fold_auc[k].push(crate::evaluation::metrics::roc_auc(&probs, &te_y)?);
            for (&i, pr) in test.iter().zip(probs) {
                oof[k][i] = pr;
            }
        }
    }
    let mut evaluations = Vec::new();
    for k in 0..n_models {
        let method = EvaluationMethod::CrossValidation { folds: folds.len(), fold_auc: fold_auc[k].clone() };
        evaluations.push(Evaluation::compute(method, &oof[k], &h.y)?);
    }
    progress("refitting on all labelled rows");
    let (pipeline, models) = fit_models(h, &h.rows, &h.y, plan, progress)?;
    Ok(Fitted { pipeline, models, evaluations, heldout: oof, fit_rows: h.rows.len() })
}

/// The hold-out method of the plan: the newest share by the date column, else stratified.
fn holdout_method(plan: &TrainPlan) -> EvaluationMethod {
    let share = plan.config.evaluation.holdout;
    match &plan.config.data.date_column {
        Some(column) => EvaluationMethod::TimeOrdered { share, column: column.clone() },
        None => EvaluationMethod::Holdout { share },
    }
}

/// The day number of every labelled row by the date column (blank dates sort as oldest); a
/// value that is not a date is an error (a numeric column named by mistake would otherwise
/// give a silent random split), and so is a column blank in every labelled row.
fn labelled_days(plan: &TrainPlan, h: &History, column: &str) -> Result<Vec<f64>, TrainError> {
    let frame = h.frame(&plan.data);
    let fix = "--date-column must name a column of dates (YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY)";
    let dates = read_dates(&frame, column, &h.rows, &h.missing, "fix --date-column", fix)?;
    if dates.iter().all(Option::is_none) {
        let first = h.rows.first().copied().unwrap_or(0);
        return Err(frame.bad_value(column, first, "", "a date", "every labelled row's date is blank".into()).into());
    }
    Ok(day_numbers(&dates))
}

/// One hold-out ([`EvaluationMethod::holdout`]): fit on the rest, evaluate on it.
fn hold_out(plan: &TrainPlan, h: &History, progress: &mut dyn FnMut(&str)) -> Result<Fitted, TrainError> {
    let method = holdout_method(plan);
    let days = match &plan.config.data.date_column {
        Some(column) => Some(labelled_days(plan, h, column)?),
        None => None,
    };
    let split = method.holdout(&h.y, days.as_deref(), plan.config.evaluation.seed).ok_or(TrainError::NoHeldout)?;
    let (tr_rows, tr_y) = h.pick(&split.train);
    let (te_rows, te_y) = h.pick(&split.test);
    let positives = tr_y.iter().filter(|&&y| y).count();
    if positives == 0 || positives == tr_y.len() {
        return Err(TrainError::OneClassTraining {
            path: plan.data.clone(),
            share: plan.config.evaluation.holdout,
            rows: tr_y.len(),
            positives,
        });
    }
    progress(&format!("fitting on {} rows, holding out {}", tr_rows.len(), te_rows.len()));
    let (pipeline, models) = fit_models(h, &tr_rows, &tr_y, plan, progress)?;
    let mut evaluations = Vec::new();
    let mut heldout = Vec::new();
    for probs in predict_all(&h.frame(&plan.data), &te_rows, &pipeline, &models)? {
        evaluations.push(Evaluation::compute(method.clone(), &probs, &te_y)?);
        heldout.push(probs);
    }
    Ok(Fitted { pipeline, models, evaluations, heldout, fit_rows: tr_rows.len() })
}

/// The primary model: as asked, else the better held-out AUC.
fn choose_primary(plan: &TrainPlan, evaluations: &[Evaluation]) -> Result<usize, TrainError> {
    let kinds = plan.models.kinds();
    match plan.primary {
        Some(want) => kinds
            .iter()
            .position(|&k| k == want)
            .ok_or_else(|| TrainError::Primary(want, kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "))),
        None => Ok((0..kinds.len()).max_by(|&a, &b| evaluations[a].auc.total_cmp(&evaluations[b].auc)).unwrap_or(0)),
    }
}

/// What the analyst should know: blank columns left out, and models that learned nothing
/// (judged on the bundled model's own predictions: for CV, the refitted model on every
/// labelled row; fold models may differ by their intercepts).
fn fit_warnings(plan: &TrainPlan, h: &History, fitted: &Fitted) -> Result<Vec<String>, TrainError> {
    let cfg = &plan.config;
    let mut warnings: Vec<String> = h
        .blank_columns
        .iter()
        .map(|c| format!("column \"{c}\" is blank in every labelled row: left out of the models"))
        .collect();
    let refit = if cfg.evaluation.cv >= 2 {
        Some(predict_all(&h.frame(&plan.data), &h.rows, &fitted.pipeline, &fitted.models)?)
    } else {
        None
    };
    for (k, model) in fitted.models.iter().enumerate() {
        let (probs, on) = match &refit {
            Some(p) => (&p[k], "labelled leads"),
            None => (&fitted.heldout[k], "held-out leads"),
        };
        warnings.extend(flat_model_warning(model, probs, on, cfg));
    }
    Ok(warnings)
}

/// Runs training end to end and saves the bundle. `progress` receives one line per stage.
pub fn train(plan: &TrainPlan, progress: &mut dyn FnMut(&str)) -> Result<TrainOutcome, TrainError> {
    let cfg = &plan.config;
    let path = plan.data.as_path();
    let h = History::read(plan, progress)?;
    let checks = guard(plan, &h, progress)?;
    let kept_flagged: Vec<String> = checks.iter().filter(|c| !c.reasons.is_empty()).map(|c| c.column.clone()).collect();
    let fitted =
        if cfg.evaluation.cv >= 2 { cross_validate(plan, &h, progress)? } else { hold_out(plan, &h, progress)? };
    let primary = choose_primary(plan, &fitted.evaluations)?;
    let warnings = fit_warnings(plan, &h, &fitted)?;
    let grades = grade_cuts(cfg, &fitted.heldout[primary])?;
    let name = plan.out.file_stem().and_then(|s| s.to_str()).unwrap_or("model").to_string();
    let mut bundle = Bundle {
        format: FORMAT.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        name,
        id_column: cfg.data.id.clone(),
        target: TargetSpec {
            column: h.target.clone(),
            positive: h.labels.positive.clone(),
            negative: cfg.data.negative.clone(),
        },
        schema: h.inputs.clone(),
        pipeline: fitted.pipeline,
        primary: plan.models.kinds()[primary],
        models: fitted
            .models
            .into_iter()
            .zip(fitted.evaluations)
            .map(|(model, evaluation)| ModelEntry { model, evaluation })
            .collect(),
        grades,
        leakage: checks,
        training: TrainingInfo {
            data_file: path.display().to_string(),
            data_sha256: h.data_sha256.clone(),
            rows_in_file: h.df.height(),
            labelled_rows: h.rows.len(),
            skipped_unlabelled: h.labels.skipped,
            conversions: h.y.iter().filter(|&&c| c).count(),
            fit_rows: fitted.fit_rows,
            seed: cfg.evaluation.seed,
            trained_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            leadscore_version: env!("CARGO_PKG_VERSION").into(),
            crate_versions: crate::versions(),
            kept_flagged_columns: if plan.allow_leaky { kept_flagged } else { cfg.data.keep.clone() },
        },
        reference: ScoreReference::new(
            &fitted.heldout[primary],
            if cfg.evaluation.cv >= 2 { "out-of-fold" } else { "hold-out" },
        ),
        checksum: String::new(),
        signature: None,
    };
    bundle.save_signed(&plan.out, plan.sign_key.as_ref())?;
    Ok(TrainOutcome { bundle, warnings })
}

/// The default bundle path for a name: `models/<name>.json`.
pub fn default_bundle_path(name: &str) -> PathBuf {
    Path::new("models").join(format!("{name}.json"))
}
